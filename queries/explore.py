"""The rows behind a figure: the lines of a drill-down, a page of the claim-line grid, an export.

A drill-down names one of metrics.outcomes() (the sets the figures count) plus the group a chart
bar stands for, so the rows it shows are exactly the ones the figure counted. The grid's column
tests, order and search are plain typed values here; reading AG Grid's request dicts into them
is the dashboard's business (dashboard/grid.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, fields

import duckdb
import polars as pl

from . import documentation_gaps
from .documentation_gaps import OPTIONAL_COLUMNS  # noqa: F401 (readers add those the mart has)
from .metrics import ELEMENTS, METRIC_COLUMNS, REASON_COLUMNS, Settings, outcomes, variance_cents
from .sql import sql

# What a person sees of a line (grid, drill-down, export), on top of what the figures use.
DETAIL_COLUMNS = METRIC_COLUMNS + (
    "payer_name", "rendering_name", "modifiers", "description", "units",
    "patient_responsibility", "recoded", "adjudicated_code",
)  # fmt: skip

# Grid and export columns, in order, with their headings.
SHOWN = {
    "claim_id": "Claim", "patient_control_number": "Claim number", "service_date": "Service date",
    "payer_name": "Payer", "rendering_name": "Provider", "location": "Location",
    "procedure_code": "Code", "modifiers": "Modifiers", "units": "Units", "charge": "Charge",
    "status": "Status", "first_remit_date": "First remittance",
    "initial_denial_carc": "Denial CARC", "initial_denial_category": "Denial category",
    "initial_remark_codes": "Remarks", "net_paid": "Net paid", "allowed": "Allowed",
    "expected_allowed": "Expected allowed", "variance": "Variance",
    "patient_responsibility": "Patient share", "days_to_payment": "Days to payment",
    "elements_present": "Note elements", "documentation_complete": "Documentation complete",
    # Each element of the note, and the claim's narrative: present, missing (or not required).
    **{f"element_{e}": f"Note: {e}" for e in ELEMENTS},
    "claim_narrative": "Claim narrative", "description": "Description (SV101-7)",
    "recoded": "Recoded", "adjudicated_code": "Paid as", "payer_id": "Payer id",
    "rendering_npi": "Provider NPI", "claim_line_id": "Line id",
}  # fmt: skip


@dataclass(frozen=True)
class Drill:
    """Which rows of the selection a figure stands for; every part is optional."""

    outcome: str | None = None  # a key of metrics.outcomes()
    month: dt.date | None = None  # service month
    category: str | None = None  # initial denial category
    carc: str | None = None
    group: str | None = None  # CAS group code of the initial denial
    rarc: str | None = None
    rule: str | None = None  # lines on which this rule check fired (see Data.drilled)
    variance_from: float | None = None  # allowed variance range of priced lines: from ...
    variance_to: float | None = None  # ... up to, not including

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def as_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None}


def line_details(con: duckdb.DuckDBPyConnection, ids: list[int]) -> pl.DataFrame:
    """The detail columns of the named lines (in no particular order)."""
    with con.cursor() as cursor:
        relation = cursor.sql(sql("selection/line_details"), params={"ids": ids})
        return pl.from_arrow(relation.select(*DETAIL_COLUMNS).to_arrow_table())


def outcome_labels(settings: Settings) -> dict[str, str]:
    named = {**outcomes(settings), **documentation_gaps.outcomes({})}
    return {name: label for name, (label, _) in named.items()}


def drilled(lines: pl.LazyFrame, drill: Drill, settings: Settings) -> pl.LazyFrame:
    """The selection narrowed to the drill-down's rows."""
    conditions = []
    if drill.outcome is not None:
        sets = outcomes(settings)
        if drill.outcome in documentation_gaps.SET_NAMES:
            sets = documentation_gaps.outcomes(lines.collect_schema())
        if drill.outcome not in sets:
            raise ValueError(f"no set of lines called {drill.outcome!r}")
        conditions.append(sets[drill.outcome][1])
    if drill.month is not None:
        conditions.append(pl.col("service_month") == drill.month)
    for level in ("category", "carc", "group"):
        value = getattr(drill, level)
        if value is not None:
            conditions.append(
                pl.col("adjudicated") & pl.col("initial_denied")
                & (pl.col(REASON_COLUMNS[level]) == value)
            )  # fmt: skip
    if drill.rarc is not None:
        remarks = pl.col("initial_remark_codes").str.split(",").list.eval(
            pl.element().str.strip_chars())  # fmt: skip
        conditions.append(
            pl.col("adjudicated") & pl.col("initial_denied")
            & remarks.list.contains(drill.rarc).fill_null(False)
        )  # fmt: skip
    if drill.variance_from is not None or drill.variance_to is not None:
        cents = variance_cents()  # as variance_bins counts them
        inside = outcomes(settings)["variance"][1]
        if drill.variance_from is not None:
            inside = inside & (cents >= round(drill.variance_from * 100))
        if drill.variance_to is not None:
            inside = inside & (cents < round(drill.variance_to * 100))
        conditions.append(inside)
    return lines.filter(*conditions) if conditions else lines


def for_people(lines: pl.LazyFrame) -> pl.LazyFrame:
    """The shown columns, with the line's status in words and its variance against contract."""
    status = (
        pl.when(~pl.col("adjudicated")).then(pl.lit("Pending"))
        .when(pl.col("final_denied")).then(pl.lit("Denied"))
        .when(pl.col("overturned")).then(pl.lit("Overturned, paid"))
        .when(pl.col("net_paid") > 0).then(pl.lit("Paid"))
        .otherwise(pl.lit("Not paid"))
    )  # fmt: skip
    variance = pl.when(pl.col("has_contract") & pl.col("adjudicated")).then(
        pl.col("allowed") - pl.col("expected_allowed"))  # fmt: skip
    schema = lines.collect_schema()
    # _row, when there, is the line's position in the selection (see grid_order).
    kept = ["_row"] if "_row" in schema else []
    return lines.with_columns(status=status, variance=variance,
                              **element_statuses(schema)).select(*SHOWN, *kept)


def element_statuses(schema: pl.Schema) -> dict[str, pl.Expr]:
    """Each note element present or missing, and the claim narrative present, missing or not
    required (documentation_gaps.narrative_needed)."""
    def said(present: pl.Expr) -> pl.Expr:
        return pl.when(present).then(pl.lit("present")).otherwise(pl.lit("missing"))

    statuses = {f"element_{e}": said(pl.col(f"has_{e}")) for e in ELEMENTS}
    statuses["claim_narrative"] = (
        pl.when(pl.col("narrative_present")).then(pl.lit("present"))
        .when(documentation_gaps.narrative_needed(schema)).then(pl.lit("missing"))
        .otherwise(pl.lit("not required"))
    )  # fmt: skip
    return statuses


@dataclass(frozen=True)
class ColumnTest:
    """One test of a column's values: `test` of NUMBER_TESTS (numbers and dates), of TEXT_TESTS
    (text, compared in lower case: `value` lower case too), "inRange" (from `value` to `upper`,
    both included), "in" (set: `value` a tuple of texts), "blank" or "notBlank"."""

    column: str
    kind: str  # "text", "number", "date" or "set"
    test: str
    value: object = None
    upper: object = None


@dataclass(frozen=True)
class Combined:
    """Tests of one column that all hold, or with `any` at least one."""

    column: str
    parts: tuple[ColumnTest, ...]
    any: bool = False


@dataclass(frozen=True)
class SortKey:
    column: str
    descending: bool = False


NUMBER_TESTS = {
    "equals": lambda c, v: c == v, "notEqual": lambda c, v: c != v,
    "greaterThan": lambda c, v: c > v, "greaterThanOrEqual": lambda c, v: c >= v,
    "lessThan": lambda c, v: c < v, "lessThanOrEqual": lambda c, v: c <= v,
}  # fmt: skip
TEXT_TESTS = {
    "contains": lambda c, v: c.str.contains(v, literal=True),
    "notContains": lambda c, v: ~c.str.contains(v, literal=True),
    "equals": lambda c, v: c == v, "notEqual": lambda c, v: c != v,
    "startsWith": lambda c, v: c.str.starts_with(v), "endsWith": lambda c, v: c.str.ends_with(v),
}  # fmt: skip


def column_condition(tested: ColumnTest | Combined, schema: pl.Schema) -> pl.Expr:
    """A column test as an expression. Unknown columns or tests raise ValueError."""
    if tested.column not in schema:
        raise ValueError(f"no column {tested.column!r}")
    if isinstance(tested, Combined):
        parts = [column_condition(part, schema) for part in tested.parts]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined | part if tested.any else combined & part
        return combined
    c = pl.col(tested.column)
    if tested.test == "blank":
        return c.is_null()
    if tested.test == "notBlank":
        return c.is_not_null()
    if tested.kind == "set":
        return c.cast(pl.String).is_in([str(v) for v in tested.value or ()])
    if tested.kind == "text":
        if tested.test not in TEXT_TESTS:
            raise ValueError(f"unknown text test {tested.test!r}")
        lowered = c.cast(pl.String).str.to_lowercase()
        return TEXT_TESTS[tested.test](lowered, tested.value).fill_null(False)
    if tested.kind in ("number", "date"):
        if tested.test == "inRange":
            return c.is_between(tested.value, tested.upper).fill_null(False)
        if tested.test not in NUMBER_TESTS:
            raise ValueError(f"unknown {tested.kind} test {tested.test!r}")
        return NUMBER_TESTS[tested.test](c, tested.value).fill_null(False)
    raise ValueError(f"unknown kind of test {tested.kind!r}")


def searched(lines: pl.LazyFrame, text: str | None) -> pl.LazyFrame:
    """Lines whose claim number, payer, provider, code, description or denial reason contains
    the text (any case)."""
    if not text or not text.strip():
        return lines
    pattern = "(?i)" + re.escape(text.strip())
    where = pl.lit(False)
    for column in ("patient_control_number", "payer_name", "rendering_name", "procedure_code",
                   "description", "initial_denial_carc", "status", "location"):  # fmt: skip
        where = where | pl.col(column).str.contains(pattern)
    return lines.filter(where.fill_null(False))


def grid_rows(shown: pl.LazyFrame, tests: tuple[ColumnTest | Combined, ...] = (),
              order: tuple[SortKey, ...] = (), search: str | None = None) -> pl.LazyFrame:
    """Shown lines after a search, column tests and an order (sort keys of unknown columns
    left out; ties by line id)."""
    schema = shown.collect_schema()
    rows = searched(shown, search)
    for tested in tests:
        rows = rows.filter(column_condition(tested, schema))
    keys = [key for key in order if key.column in schema]
    return rows.sort([*(k.column for k in keys), "claim_line_id"],
                     descending=[*(k.descending for k in keys), False], nulls_last=True)


def grid_count(rows: pl.LazyFrame) -> int:
    return int(rows.select(pl.len()).collect().item())


def first_rows(rows: pl.LazyFrame, start: int, end: int) -> list[dict]:
    """A page near the top: Polars keeps only the first `end` rows while it sorts."""
    page = rows.slice(start, max(end - start, 0)).collect()
    return json_ready(page.drop("_row", strict=False)).to_dicts()


def grid_order(rows: pl.LazyFrame) -> pl.Series:
    """Every row's position in the selection, in grid order: deep pages are then a gather."""
    return rows.select("_row").collect()["_row"]


def rows_at(lines: pl.DataFrame, order: pl.Series, start: int, end: int) -> list[dict]:
    """Rows start..end of a grid whose order grid_order() gave, from the selection itself."""
    page = for_people(lines[order.slice(start, max(end - start, 0))].lazy()).collect()
    return json_ready(page).to_dicts()


def json_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Money and dates as the browser shows them: exact decimals as numbers, ISO dates."""
    return frame.with_columns(
        pl.col(pl.Decimal).cast(pl.Float64),
        pl.col(pl.Date).dt.to_string("%Y-%m-%d"),
    )

