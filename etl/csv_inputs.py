"""Tabular inputs: claim and remittance lines exported as CSV by practices that cannot send X12,
treatment notes (CSV or JSON lines), contracts (CSV) and the CMS NCCI PTP edits and MUEs (CSV).

The column sets are documented in docs/csv-inputs.md. Every row is checked with the rules of the
X12 loader (amounts with at most two decimals, real dates, required values, known codes); a claim
with a bad row is quarantined whole, a note or a contract row alone, with the row numbers (line
numbers in the file, header = 1) and the reason.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .context import FileContext
from .errors import InputError
from .ncci import MUE_KIND, PTP_KIND, short_names
from .notes import ELEMENTS, TRUE_VALUES, documentation_elements
from .x12.reader import detect_encoding

AMOUNT = r"^-?(\d{1,16}(\.\d{0,2})?|\.\d{1,2})$"
QUANTITY = r"^-?(\d{1,12}(\.\d{0,3})?|\.\d{1,3})$"
ADJUSTMENT = r"^(CO|OA|PI|PR|CR)-([A-Z0-9]{1,5}):(-?(\d{1,16}(\.\d{0,2})?|\.\d{1,2}))$"


@dataclass(frozen=True)
class ColumnSet:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    amounts: tuple[str, ...] = ()
    quantities: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    booleans: tuple[str, ...] = ()
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Rows with equal values here form one unit (a claim) that loads or is quarantined whole;
    # empty: every row stands alone.
    unit: tuple[str, ...] = ()
    # CMS's column titles are accepted too (etl/ncci.py); dates may also be YYYYMMDD.
    aliased: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


# Claim-level columns of a claims CSV: taken from the first row of each claim.
CLAIM_LEVEL = (
    "payer_name",
    "place_of_service",
    "subscriber_member_id",
    "subscriber_last_name",
    "subscriber_first_name",
    "subscriber_birth_date",
    "patient_last_name",
    "patient_first_name",
    "patient_birth_date",
    "billing_npi",
    "billing_name",
    "rendering_npi",
    "rendering_name",
    "rendering_taxonomy",
    "service_facility_npi",
    "service_facility_name",
    "prior_authorization",
    "original_claim_number",
    "diagnosis_codes",
    "claim_note",
)

CLAIM_LINES = ColumnSet(
    kind="claims-csv",
    required=(
        "patient_control_number",
        "payer_id",
        "procedure_code",
        "line_charge",
        "service_date",
    ),
    optional=(
        "frequency_code",
        *CLAIM_LEVEL,
        "line_number",
        "line_control_number",
        "modifier_1",
        "modifier_2",
        "modifier_3",
        "modifier_4",
        "description",
        "units",
        "unit_type",
        "service_date_end",
        "line_note",
    ),
    amounts=("line_charge",),
    quantities=("units", "line_number"),
    dates=("service_date", "service_date_end", "subscriber_birth_date", "patient_birth_date"),
    unit=("patient_control_number", "payer_id", "frequency_code"),
)

REMIT_LINES = ColumnSet(
    kind="remits-csv",
    required=(
        "payer_id",
        "payment_date",
        "trace_number",
        "patient_control_number",
        "claim_status",
        "procedure_code",
        "line_charge",
        "line_paid",
    ),
    optional=(
        "payer_name",
        "payment_method",
        "payment_amount",
        "payee_id",
        "payee_name",
        "payer_claim_number",
        "line_allowed",
        "units",
        "service_date",
        "service_date_end",
        "line_control_number",
        "modifier_1",
        "modifier_2",
        "modifier_3",
        "modifier_4",
        "submitted_procedure_code",
        "adjustments",
        "remarks",
    ),
    amounts=("line_charge", "line_paid", "line_allowed", "payment_amount"),
    quantities=("units",),
    dates=("payment_date", "service_date", "service_date_end"),
    unit=(
        "payer_id",
        "trace_number",
        "payment_date",
        "patient_control_number",
        "claim_status",
        "payer_claim_number",
    ),
)

FALSE_VALUES = ("false", "no", "n", "0", "")

NOTES = ColumnSet(
    kind="notes",
    required=("patient_control_number", "service_date", "note_text"),
    optional=(
        "provider_npi",
        "provider_name",
        "credentials",
        "minutes",
        "timed_minutes",
        "signed_date",
        *(f"has_{e}" for e in ELEMENTS),
    ),
    quantities=("minutes", "timed_minutes"),
    dates=("service_date", "signed_date"),
    booleans=tuple(f"has_{e}" for e in ELEMENTS),
)

CONTRACTS = ColumnSet(
    kind="contracts-csv",
    required=("payer_id", "code", "method", "effective_from"),
    optional=("payer_name", "modifier", "effective_to", "amount", "comparator_code"),
    dates=("effective_from", "effective_to"),
    choices=(("method", ("fixed", "percent", "comparator")),),
)

PTP_EDITS = ColumnSet(
    kind=PTP_KIND,
    required=("column1_code", "column2_code", "effective_from", "modifier_indicator"),
    optional=("effective_to", "rationale", "prior_1996"),
    dates=("effective_from", "effective_to"),
    choices=(("modifier_indicator", ("0", "1", "9")),),
    aliased=True,
)

MUE_LIMITS = ColumnSet(
    kind=MUE_KIND,
    required=("code", "max_units"),
    optional=("adjudication_indicator", "rationale", "effective_from", "effective_to"),
    dates=("effective_from", "effective_to"),
    aliased=True,
)

COLUMN_SETS = (CLAIM_LINES, REMIT_LINES, NOTES, CONTRACTS, PTP_EDITS, MUE_LIMITS)
LABELS = {
    "claims-csv": "a claims CSV",
    "remits-csv": "a remits CSV",
    "notes": "a notes file",
    "contracts-csv": "a contracts CSV",
    PTP_KIND: "an NCCI PTP edits CSV",
    MUE_KIND: "an MUE CSV",
}
RATE = r"^\d{1,12}(\.\d{1,4})?$"
CODE = r"^[A-Z0-9]{5}$"


def header_names(column_set: ColumnSet, header: list[str]) -> dict[str, str]:
    """{column in the file: documented name}: CMS titles of an aliased set, else none."""
    if not column_set.aliased:
        return {}
    return {c: n for c, n in short_names(header, column_set.kind).items() if c != n}


def column_set_for(header: list[str]) -> ColumnSet | None:
    """The documented column set whose required columns the header holds (or most nearly)."""
    for column_set in sorted(COLUMN_SETS, key=lambda c: -len(c.required)):
        renamed = header_names(column_set, header)
        if set(column_set.required) <= {renamed.get(c, c) for c in header}:
            return column_set
    return None


def read_frame(path: Path) -> pl.DataFrame:
    with path.open("rb") as f:
        encoding = detect_encoding(f.read(4))
    # Polars reads UTF-8 (with or without BOM) straight from the file; only UTF-16 is decoded here.
    source = (
        io.StringIO(path.read_bytes().decode(encoding, errors="replace"))
        if encoding.startswith("utf-16")
        else path
    )
    try:
        frame = pl.read_csv(source, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        raise InputError(
            "csv_unreadable",
            f"the CSV cannot be read ({str(exc).splitlines()[0][:160]}); check quoting and that "
            "every row has as many fields as the header",
        ) from None
    return normalized(frame, first_row=2)


def normalized(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """Lower-case column names, text values stripped, empty cells NULL, and each row's line
    number in the file (first_row for the first data row)."""
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame.select(
        pl.all().cast(pl.String).str.strip_chars().replace("", None)
    ).with_row_index("file_row", offset=first_row)


def read_json_lines(path: Path) -> pl.DataFrame:
    """A JSON-lines file (one object per line) as text columns, like a CSV."""
    try:
        frame = pl.read_ndjson(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise InputError(
            "jsonl_unreadable",
            f"the JSON-lines file cannot be read ({str(exc).splitlines()[0][:160]}); each line "
            "must be one JSON object",
        ) from None
    return normalized(frame, first_row=1)


def check_header(frame: pl.DataFrame, ctx: FileContext) -> tuple[pl.DataFrame, ColumnSet]:
    """The documented column set of the header, and the frame with its documented names."""
    column_set = column_set_for(frame.columns)
    if column_set is None:
        lacks = "; ".join(
            f"{LABELS[cs.kind]} lacks {', '.join(c for c in cs.required if c not in frame.columns)}"
            for cs in COLUMN_SETS
        )
        raise InputError(
            "csv_columns",
            f"the header matches no documented column set: {lacks} (see docs/csv-inputs.md)",
        )
    renamed = header_names(column_set, frame.columns)
    frame = frame.rename({c: n for c, n in renamed.items() if n not in frame.columns})
    unknown = [c for c in frame.columns if c not in column_set.columns and c != "file_row"]
    if unknown:
        ctx.warn("row 1", "csv_unknown_columns", f"columns ignored: {', '.join(unknown[:10])}")
    return frame, column_set


def ncci_values(frame: pl.DataFrame, cs: ColumnSet) -> pl.DataFrame:
    """CMS's ways of writing values, made ours: dates YYYYMMDD as YYYY-MM-DD, a deletion date
    '*' (no data) as empty, codes in upper case."""
    dates = [
        pl.when(pl.col(name) != "*")
        .then(pl.col(name).str.replace(r"^(\d{4})(\d{2})(\d{2})$", "${1}-${2}-${3}"))
        .alias(name)
        for name in cs.dates
    ]
    codes = [
        pl.col(name).str.to_uppercase()
        for name in ("column1_code", "column2_code", "code")
        if name in cs.columns
    ]
    return frame.with_columns(*dates, *codes)


def ncci_problems(cs: ColumnSet) -> list[pl.Expr]:
    start = pl.col("effective_from").str.to_date("%Y-%m-%d", strict=False)
    end = pl.col("effective_to").str.to_date("%Y-%m-%d", strict=False)
    codes = [n for n in ("column1_code", "column2_code", "code") if n in cs.columns]
    checks = [
        pl.when(pl.col(name).is_not_null() & ~pl.col(name).str.contains(CODE)).then(
            pl.format(
                f"{name} value '{{}}' is not a 5-character HCPCS/CPT code",
                pl.col(name).str.slice(0, 20),
            )  # fmt: skip
        )
        for name in codes
    ]
    if cs is MUE_LIMITS:
        checks.append(
            pl.when(
                pl.col("max_units").is_not_null() & ~pl.col("max_units").str.contains(r"^\d{1,6}$")
            ).then(
                pl.format(
                    "max_units value '{}' is not a whole number of units",
                    pl.col("max_units").str.slice(0, 20),
                )  # fmt: skip
            )
        )
    checks.append(pl.when(end < start).then(pl.lit("effective_to is before effective_from")))
    return checks


def row_problems(frame: pl.DataFrame, cs: ColumnSet) -> pl.Expr:
    """One expression: the first problem of each row as text, or null."""
    present = set(frame.columns)
    checks: list[pl.Expr] = []
    for name in cs.required:
        checks.append(pl.when(pl.col(name).is_null()).then(pl.lit(f"{name} is empty")))

    def bad(name: str, pattern: str, what: str) -> pl.Expr:
        value = pl.col(name)
        return pl.when(value.is_not_null() & ~value.str.contains(pattern)).then(
            pl.format(f"{name} value '{{}}' is not {what}", value.str.slice(0, 20))
        )

    for name in cs.amounts:
        if name in present:
            checks.append(bad(name, AMOUNT, "an amount (at most 2 decimals)"))
    for name in cs.quantities:
        if name in present:
            checks.append(bad(name, QUANTITY, "a number"))
    for name in cs.dates:
        if name in present:
            value = pl.col(name)
            parsed = value.str.to_date("%Y-%m-%d", strict=False)
            form = "YYYY-MM-DD or YYYYMMDD" if cs.aliased else "YYYY-MM-DD"
            checks.append(
                pl.when(value.is_not_null() & parsed.is_null()).then(
                    pl.lit(f"{name} value is not a date in {form} form")
                )
            )
    for name in cs.booleans:
        if name in present:
            value = pl.col(name).str.to_lowercase()
            checks.append(
                pl.when(value.is_not_null() & ~value.is_in(TRUE_VALUES + FALSE_VALUES)).then(
                    pl.lit(f"{name} must be yes or no (true/false, 1/0)")
                )
            )
    for name, allowed in cs.choices:
        checks.append(
            pl.when(
                pl.col(name).is_not_null() & ~pl.col(name).str.to_lowercase().is_in(allowed)
            ).then(pl.lit(f"{name} must be one of {', '.join(allowed)}"))
        )
    if cs is CONTRACTS:
        checks.extend(contract_problems())
    if cs.aliased:
        checks.extend(ncci_problems(cs))
    if "adjustments" in present:
        entries = pl.col("adjustments").str.split(";")
        malformed = entries.list.eval(
            pl.element().str.strip_chars().str.contains(ADJUSTMENT).not_()
        ).list.any()
        checks.append(
            pl.when(pl.col("adjustments").is_not_null() & malformed).then(
                pl.lit("adjustments must look like 'CO-45:12.50;PR-2:10.00'")
            )
        )
    return pl.coalesce(checks)


def load_table(path: Path, ctx: FileContext, write, json_lines: bool = False) -> str:
    """Validate and load one CSV or JSON-lines file; returns its kind.

    `write(table, frame)` appends a frame to a table."""
    frame = read_json_lines(path) if json_lines else read_frame(path)
    frame, cs = check_header(frame, ctx)
    for name in cs.columns:
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, pl.String).alias(name))
    if cs.aliased:
        frame = ncci_values(frame, cs)
    frame = frame.with_columns(problem=row_problems(frame, cs))
    unit = pl.struct(cs.unit).rank("dense") if cs.unit else pl.col("file_row")
    frame = frame.with_columns(claim_group=unit.cast(pl.Int64))
    groups = frame.group_by("claim_group").agg(
        first_row=pl.col("file_row").min(),
        last_row=pl.col("file_row").max(),
        problem_row=pl.col("file_row").filter(pl.col("problem").is_not_null()).first(),
        problem=pl.col("problem").drop_nulls().first(),
        problems=pl.col("problem").is_not_null().sum(),
    )
    bad = groups.filter(pl.col("problem").is_not_null()).sort("first_row")
    for row in bad.iter_rows(named=True):
        more = (
            f" (and {row['problems'] - 1} more rows with problems)" if row["problems"] > 1 else ""
        )
        if cs.unit:
            where = f"rows {row['first_row']}-{row['last_row']}"
            message = f"claim in {where} quarantined: row {row['problem_row']}: {row['problem']}"
        else:
            where = f"row {row['first_row']}"
            message = f"{where} quarantined: {row['problem']}"
        ctx.reject(where, "rows", "bad_row", message + more)
    good = frame.join(bad.select("claim_group"), on="claim_group", how="anti").sort("file_row")
    kind = (
        f"{cs.kind}-jsonl"
        if json_lines
        else cs.kind
        if cs.kind.endswith("csv")
        else f"{cs.kind}-csv"
    )
    ctx.tally.kinds.add(kind)
    if good.height:
        for table, table_frame in BUILDERS[cs.kind](good, ctx).items():
            write(table, table_frame)
    return kind


def dense_ids(ctx: FileContext, table: str, key: pl.Expr, count: int) -> pl.Expr:
    base = ctx.next_ids[table]
    ctx.next_ids[table] = base + count
    return key.rank("dense").cast(pl.Int64) - 1 + base


def claim_tables(good: pl.DataFrame, ctx: FileContext) -> dict[str, pl.DataFrame]:
    claims = good["claim_group"].n_unique()
    lines = good.with_columns(
        claim_id=dense_ids(ctx, "claim", pl.col("claim_group"), claims),
        claim_line_id=pl.int_range(pl.len(), dtype=pl.Int64) + ctx.next_ids["claim_line"],
        batch_id=pl.lit(ctx.batch_id, pl.Int64),
    )
    ctx.next_ids["claim_line"] += good.height
    lines = lines.with_columns(
        line_number=pl.coalesce(
            pl.col("line_number").cast(pl.Float64, strict=False).cast(pl.Int64, strict=False),
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("claim_id"),
        ),
        charge=pl.col("line_charge").cast(pl.Decimal(18, 2)),
    )
    claim = lines.group_by("claim_id", maintain_order=True).agg(
        pl.col("batch_id").first(),
        pl.col("file_row").min().alias("source_position"),
        pl.col("charge").sum().cast(pl.String).alias("total_charge"),
        pl.col("patient_control_number").first(),
        pl.col("payer_id").first(),
        *[pl.col(c).first() for c in CLAIM_LEVEL],
        pl.col("frequency_code").first().fill_null("1"),
    )
    claim_line = lines.select(
        "claim_line_id",
        "claim_id",
        "batch_id",
        pl.col("file_row").alias("source_position"),
        "line_number",
        "line_control_number",
        pl.lit("HC").alias("procedure_qualifier"),
        "procedure_code",
        "modifier_1",
        "modifier_2",
        "modifier_3",
        "modifier_4",
        "description",
        pl.col("line_charge").alias("charge"),
        "unit_type",
        "units",
        "service_date",
        pl.coalesce("service_date_end", "service_date").alias("service_date_end"),
        "rendering_npi",
        "rendering_name",
        "rendering_taxonomy",
        "prior_authorization",
        "line_note",
    )
    ctx.tally.claims += claim.height
    ctx.tally.lines += claim_line.height
    ctx.tally.total_charge += claim["total_charge"].cast(pl.Decimal(18, 2)).sum()
    return {"claim": claim, "claim_line": claim_line}


def listed(lines: pl.DataFrame, column: str) -> pl.DataFrame:
    """One row per entry of a ';'-separated cell, with the ids of its line."""
    return (
        lines.select(
            "remit_claim_id",
            "remit_line_id",
            "batch_id",
            pl.col("file_row").alias("source_position"),
            pl.col(column).str.split(";"),
        )
        .explode(column)
        .with_columns(pl.col(column).str.strip_chars())
        .filter(pl.col(column).is_not_null() & (pl.col(column) != ""))
    )


def remit_tables(good: pl.DataFrame, ctx: FileContext) -> dict[str, pl.DataFrame]:
    remit_key = pl.struct("payer_id", "trace_number", "payment_date")
    remits = good.select(remit_key.n_unique()).item()
    claims = good["claim_group"].n_unique()
    lines = good.with_columns(
        remit_id=dense_ids(ctx, "remit", remit_key, remits),
        remit_claim_id=dense_ids(ctx, "remit_claim", pl.col("claim_group"), claims),
        remit_line_id=pl.int_range(pl.len(), dtype=pl.Int64) + ctx.next_ids["remit_line"],
        batch_id=pl.lit(ctx.batch_id, pl.Int64),
        charge=pl.col("line_charge").cast(pl.Decimal(18, 2)),
        paid=pl.col("line_paid").cast(pl.Decimal(18, 2)),
    )
    ctx.next_ids["remit_line"] += good.height
    adjustments = listed(lines, "adjustments").select(
        "remit_claim_id",
        "remit_line_id",
        "batch_id",
        "source_position",
        pl.lit("line").alias("level"),
        pl.col("adjustments").str.extract(ADJUSTMENT, 1).alias("group_code"),
        pl.col("adjustments").str.extract(ADJUSTMENT, 2).alias("reason_code"),
        pl.col("adjustments").str.extract(ADJUSTMENT, 3).alias("amount"),
    )
    patient_share = (
        adjustments.filter(pl.col("group_code") == "PR")
        .group_by("remit_claim_id")
        .agg(patient_responsibility=pl.col("amount").cast(pl.Decimal(18, 2)).sum())
    )
    remark = listed(lines, "remarks").select(
        "remit_claim_id",
        "remit_line_id",
        "batch_id",
        "source_position",
        pl.lit("line").alias("level"),
        pl.lit("CSV").alias("source_segment"),
        pl.lit("HE").alias("qualifier"),
        pl.col("remarks").alias("code"),
    )
    remit_claim = (
        lines.group_by("remit_claim_id", maintain_order=True)
        .agg(
            pl.col("remit_id").first(),
            pl.col("batch_id").first(),
            pl.col("file_row").min().alias("source_position"),
            pl.col("patient_control_number").first(),
            pl.col("claim_status").first().alias("status_code"),
            pl.col("charge").sum().alias("total_charge"),
            pl.col("paid").sum().alias("paid_amount"),
            pl.col("payer_claim_number").first(),
        )
        .join(patient_share, on="remit_claim_id", how="left")
        .with_columns(
            is_reversal=pl.col("status_code") == "22",
            patient_responsibility=pl.col("patient_responsibility").fill_null(0),
        )
    )
    remit = lines.group_by("remit_id", maintain_order=True).agg(
        pl.col("batch_id").first(),
        pl.col("file_row").min().alias("source_position"),
        pl.coalesce(
            pl.col("payment_amount").first().cast(pl.Decimal(18, 2)), pl.col("paid").sum()
        ).alias("payment_amount"),
        pl.col("payment_date").first(),
        pl.col("trace_number").first(),
        pl.col("payer_id").first(),
        pl.col("payer_name").first(),
        pl.col("payment_method").first(),
        pl.col("payee_id").first(),
        pl.col("payee_name").first(),
    )
    remit_line = lines.select(
        "remit_line_id",
        "remit_claim_id",
        "batch_id",
        pl.col("file_row").alias("source_position"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("remit_claim_id").alias("position"),
        pl.lit("HC").alias("procedure_qualifier"),
        "procedure_code",
        "modifier_1",
        "modifier_2",
        "modifier_3",
        "modifier_4",
        pl.col("line_charge").alias("charge"),
        pl.col("line_paid").alias("paid_amount"),
        pl.coalesce("units", pl.lit("1")).alias("units"),
        pl.when(pl.col("submitted_procedure_code").is_not_null())
        .then(pl.lit("HC"))
        .alias("submitted_procedure_qualifier"),
        "submitted_procedure_code",
        "service_date",
        pl.coalesce("service_date_end", "service_date").alias("service_date_end"),
        "line_control_number",
        pl.col("line_allowed").alias("allowed_amount"),
    )
    ctx.tally.claims += remit_claim.height
    ctx.tally.lines += remit_line.height
    ctx.tally.total_charge += remit_claim["total_charge"].sum()
    ctx.tally.add_paid(remit_claim["paid_amount"].sum())
    return {
        "remit": remit,
        "remit_claim": remit_claim,
        "remit_line": remit_line,
        "adjustment": adjustments,
        "remark": remark,
    }


def numbered(ctx: FileContext, table: str, id_column: str, rows: int) -> list[pl.Expr]:
    """Fresh ids for `rows` rows of `table`, with their batch and line in the file."""
    base = ctx.next_ids[table]
    ctx.next_ids[table] = base + rows
    return [(pl.int_range(pl.len(), dtype=pl.Int64) + base).alias(id_column), *located(ctx)]


def located(ctx: FileContext) -> list[pl.Expr]:
    """Each row's batch and line in the file (its lineage)."""
    return [pl.lit(ctx.batch_id, pl.Int64).alias("batch_id"),
            pl.col("file_row").alias("source_position")]  # fmt: skip


def contract_problems() -> list[pl.Expr]:
    method = pl.col("method").str.to_lowercase()
    start = pl.col("effective_from").str.to_date("%Y-%m-%d", strict=False)
    end = pl.col("effective_to").str.to_date("%Y-%m-%d", strict=False)
    return [
        pl.when(pl.col("amount").is_not_null() & ~pl.col("amount").str.contains(RATE)).then(
            pl.format("amount value '{}' is not a number", pl.col("amount").str.slice(0, 20))
        ),
        pl.when(method.is_in(["fixed", "percent"]) & pl.col("amount").is_null()).then(
            pl.lit("a fixed or percent contract needs an amount")
        ),
        pl.when((method == "percent") & (pl.col("amount").cast(pl.Float64, strict=False) > 5)).then(
            pl.lit("a percent contract's amount is a share of charges (0.55 for 55%)")
        ),
        pl.when((method == "comparator") & pl.col("comparator_code").is_null()).then(
            pl.lit("a comparator contract needs comparator_code")
        ),
        pl.when(end < start).then(pl.lit("effective_to is before effective_from")),
    ]


def contract_tables(good: pl.DataFrame, ctx: FileContext) -> dict[str, pl.DataFrame]:
    ctx.tally.claims += good.height
    return {
        "contract_rate": good.select(
            *numbered(ctx, "contract_rate", "contract_id", good.height),
            "payer_id",
            "payer_name",
            "code",
            "modifier",
            "effective_from",
            "effective_to",
            pl.col("method").str.to_lowercase(),
            "amount",
            "comparator_code",
        )
    }


def note_tables(good: pl.DataFrame, ctx: FileContext) -> dict[str, pl.DataFrame]:
    notes = good.select(
        *numbered(ctx, "treatment_note", "note_id", good.height),
        "patient_control_number",
        "service_date",
        "provider_npi",
        "provider_name",
        "credentials",
        pl.col("minutes").cast(pl.Float64).cast(pl.Int64).alias("minutes"),
        pl.col("timed_minutes").cast(pl.Float64).cast(pl.Int64).alias("timed_minutes"),
        "signed_date",
        "note_text",
        *(f"has_{e}" for e in ELEMENTS),
    )
    ctx.tally.claims += notes.height
    return {"treatment_note": documentation_elements(notes)}


def ptp_tables(good: pl.DataFrame, ctx: FileContext) -> dict[str, pl.DataFrame]:
    """NCCI PTP edits: appended, never replacing an earlier file (effective dates decide)."""
    ctx.tally.claims += good.height
    return {
        "ncci_ptp_edit": good.select(
            *located(ctx),
            "column1_code",
            "column2_code",
            "effective_from",
            "effective_to",
            pl.col("modifier_indicator").cast(pl.Int64),
            "rationale",
        )
    }


def mue_tables(good: pl.DataFrame, ctx: FileContext) -> dict[str, pl.DataFrame]:
    """MUEs: appended, never replacing an earlier file (effective dates decide)."""
    ctx.tally.claims += good.height
    return {
        "mue_limit": good.select(
            *located(ctx),
            "code",
            pl.col("max_units").cast(pl.Int64),
            "adjudication_indicator",
            "rationale",
            "effective_from",
            "effective_to",
        )
    }


BUILDERS = {
    "claims-csv": claim_tables,
    "remits-csv": remit_tables,
    "notes": note_tables,
    "contracts-csv": contract_tables,
    PTP_KIND: ptp_tables,
    MUE_KIND: mue_tables,
}
