"""The figures of docs/numbers.md, computed with Polars over line_adjudication.

Every figure carries its numerator and denominator and is suppressed (value None, with the
reason) when the denominator is below the minimum count. The dashboard and `unlisted metrics`
call `compute`; neither computes a figure of its own.

Choices docs/numbers.md states with each figure:
- Rates by charges use the billed line charge.
- With date basis "payment", lines are selected by their first remittance date, so pending
  lines (no remittance yet) are not in the selection; A/R aging always uses service dates.
- Documentation completeness counts every selected line; a line without a note has no element.
- Underpaid uses the payer's tolerance when one is configured, else $1 and 2%.
- The overturn rate follows HFMA: initially denied lines adjudicated again and then paid, over
  initially denied lines adjudicated again. Initially denied lines paid since, over all initially
  denied lines, is the recovery rate.
- A final denial is appealable until its remittance date plus the payer's appeal window (settings
  [appeals]); the as-of date decides which side of it a denial is on.
- The overturn rate over appeals sent (appeal_figures) counts only appeals recorded as sent
  (appeal_outcome): appealed lines answered and paid, over appealed lines answered.

Numerators and denominators are exact decimals (money to the cent, counts whole); only a share's
value is a float. UNITS says which figure is money, lines or days.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import polars as pl

from .elements import ELEMENTS
from .sql import sql

GROUPINGS = {
    "month": "service_month",
    "payer": "payer_id",
    "provider": "rendering_npi",
    "location": "location",
    "category": "initial_denial_category",
}
AGING = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, 120, "91-120"),
         (121, None, ">120"))  # fmt: skip


@dataclass(frozen=True)
class Filters:
    codes: tuple[str, ...]  # the procedure codes in scope: the settings' target codes, or chosen
    start: dt.date | None = None
    end: dt.date | None = None
    basis: str = "service"  # or "payment"
    payers: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()

    def in_words(self) -> list[tuple[str, str]]:
        """The filters as people read them (exports and audit packets record them so)."""
        basis = "service dates" if self.basis == "service" else "payment dates"
        return [
            ("codes", ", ".join(self.codes)),
            ("dates", f"{self.start or 'first'} to {self.end or 'last'} ({basis})"),
            ("payers", ", ".join(self.payers) or "all"),
            ("providers", ", ".join(self.providers) or "all"),
            ("locations", ", ".join(self.locations) or "all"),
            ("modifiers", ", ".join(self.modifiers) or "any"),
        ]

    def parameters(self) -> dict:
        return {
            "codes": list(self.codes), "start": self.start, "end": self.end, "basis": self.basis,
            "payers": list(self.payers) or None, "providers": list(self.providers) or None,
            "locations": list(self.locations) or None, "modifiers": list(self.modifiers) or None,
        }  # fmt: skip


@dataclass(frozen=True)
class Settings:
    min_count: int = 11
    tolerance_dollars: Decimal = Decimal("1.00")
    tolerance_percent: Decimal = Decimal("0.02")
    payer_tolerance: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)
    as_of: dt.date = field(default_factory=dt.date.today)
    appeal_window_days: int = 120
    payer_appeal_window_days: dict[str, int] = field(default_factory=dict)


# The columns the figures use (fewer columns, less memory at ten million lines).
METRIC_COLUMNS = (
    "claim_line_id", "claim_id", "patient_control_number", "payer_id", "rendering_npi", "location",
    "procedure_code", "service_date", "service_month", "first_remit_date", "charge",
    "adjudicated", "initial_denied", "initial_denial_carc", "initial_denial_group",
    "initial_denial_category", "initial_remark_codes", "final_denied", "overturned", "net_paid",
    "has_contract", "allowed", "expected_allowed", "days_to_adjudication", "days_to_payment",
    "reanswered", "recovered", "final_denial_date", "final_denial_carc", "final_denial_category",
    "narrative_required",
    "ever_paid", "documentation_complete", "narrative_present", "elements_present",
    "has_description",
    "has_purpose", "has_duration", "has_rationale", "has_credentials", "has_involvement",
)  # fmt: skip


def selected_lines(con: duckdb.DuckDBPyConnection, filters: Filters,
                   columns: tuple[str, ...] = METRIC_COLUMNS) -> pl.LazyFrame:  # fmt: skip
    """line_adjudication rows in the filters' scope, with the named columns."""
    # A cursor of its own: the caller's connection may hold an unfinished result.
    with con.cursor() as cursor:
        relation = cursor.sql(sql("selection/lines"), params=filters.parameters())
        table = relation.select(*columns).to_arrow_table()
    return pl.from_arrow(table).lazy()


# With METRIC_COLUMNS, what in_scope() needs to choose lines in memory.
SCOPE_COLUMNS = ("modifier_1", "modifier_2", "modifier_3", "modifier_4")


def in_scope(filters: Filters) -> pl.Expr:
    """selection/lines.sql's choice of lines as a Polars expression, for lines already in memory
    (with SCOPE_COLUMNS). Tests keep the two equal."""
    keep = pl.col("procedure_code").is_in(list(filters.codes))
    for values, column in ((filters.payers, "payer_id"), (filters.providers, "rendering_npi"),
                           (filters.locations, "location")):  # fmt: skip
        if values:
            keep = keep & pl.col(column).is_in(list(values))
    if filters.modifiers:
        keep = keep & pl.any_horizontal(
            pl.col(c).is_in(list(filters.modifiers)) for c in SCOPE_COLUMNS)
    date = period_date(filters.basis)
    if filters.start is not None:
        keep = keep & (date >= filters.start)
    if filters.end is not None:
        keep = keep & (date <= filters.end)
    return keep.fill_null(False)


def period_date(basis: str) -> pl.Expr:
    """The date a filter's date range applies to."""
    return pl.col("first_remit_date" if basis == "payment" else "service_date")


def rate(name: str, numerator: pl.Expr, denominator: pl.Expr) -> list[pl.Expr]:
    """Numerator, denominator and their ratio under one metric name."""
    return [
        numerator.alias(f"{name}__numerator"),
        denominator.alias(f"{name}__denominator"),
    ]


def compute(con: duckdb.DuckDBPyConnection, filters: Filters,
            settings: Settings = Settings(), by: str | None = None) -> pl.DataFrame:  # fmt: skip
    """One row per metric (and group): metric, group, numerator, denominator, value,
    suppressed, reason."""
    lines = selected_lines(con, filters)
    return summarize(lines, settings, by).collect()


def outcomes(settings: Settings) -> dict[str, tuple[str, pl.Expr]]:
    """The named sets of lines the figures count, with a label for people. A figure's numerator
    and denominator are counts over these sets, and a drill-down shows exactly their rows."""
    adjudicated = pl.col("adjudicated")
    # A contract that cannot price the line (a comparator code without a rate of its own)
    # leaves it unpriced, as if there were none.
    priced = pl.col("has_contract") & pl.col("expected_allowed").is_not_null()
    variance_lines = adjudicated & ~pl.col("final_denied") & priced
    variance = pl.col("allowed") - pl.col("expected_allowed")
    complete = pl.col("documentation_complete")
    named = {
        "billed": ("Lines billed", pl.lit(True)),
        "pending": ("Pending (no remittance yet)", ~adjudicated),
        "adjudicated": ("Adjudicated", adjudicated),
        "initial_denied": ("Denied at first adjudication", adjudicated & pl.col("initial_denied")),
        "final_denied": ("Denied after all adjudications", adjudicated & pl.col("final_denied")),
        "overturned": ("Denied first, adjudicated again and paid", pl.col("overturned")),
        "reanswered": ("Denied first, adjudicated again", pl.col("reanswered")),
        "recovered": ("Denied first, paid since", pl.col("recovered")),
        "initial_denied_any": ("Denied at first (all)", pl.col("initial_denied")),
        "appealable": ("Denied, still inside the appeal window",
                       adjudicated & pl.col("final_denied") & (days_left_to_appeal(settings) >= 0)),
        "past_appeal_window": ("Denied, past the appeal window",
                               adjudicated & pl.col("final_denied")
                               & (days_left_to_appeal(settings) < 0)),
        "paid": ("Paid", pl.col("ever_paid")),
        "no_contract": ("Adjudicated without contract", adjudicated & ~priced),
        "variance": ("Priced against a contract", variance_lines),
        "underpaid": ("Underpaid against contract",
                      variance_lines & (variance < -underpaid_threshold(settings))),
        "documentation_complete": ("Documentation complete", complete),
        "documentation_incomplete": ("Documentation incomplete", ~complete),
        "narrative_missing": ("No narrative on the claim", ~pl.col("narrative_present")),
        "complete_adjudicated": ("Complete notes, adjudicated", adjudicated & complete),
        "complete_denied": ("Complete notes, denied at first",
                            adjudicated & pl.col("initial_denied") & complete),
        "incomplete_adjudicated": ("Incomplete notes, adjudicated", adjudicated & ~complete),
        "incomplete_denied": ("Incomplete notes, denied at first",
                              adjudicated & pl.col("initial_denied") & ~complete),
    }  # fmt: skip
    for element in ELEMENTS:
        named[f"missing_{element}"] = (f"Note lacks {element}", ~pl.col(f"has_{element}"))
        named[f"has_{element}"] = (f"Note shows {element}", pl.col(f"has_{element}"))
    age = (pl.lit(settings.as_of) - pl.col("service_date")).dt.total_days()
    for low, high, label in AGING:
        inside = ~adjudicated & (age >= low) & ((age <= high) if high is not None else True)
        named[f"aging_{label}"] = (f"Pending {label} days", inside)
    return named


def summarize(lines: pl.LazyFrame, settings: Settings, by: str | tuple[str, str] | None,
              only: tuple[str, ...] | None = None) -> pl.LazyFrame:  # fmt: skip
    """compute() over a selection; `by` is one grouping or two (group, then subgroup); `only`
    names the figures wanted (default: all)."""
    sets = {name: expr for name, (_, expr) in outcomes(settings).items()}
    charge = pl.col("charge")
    variance = pl.col("allowed") - pl.col("expected_allowed")

    def count(name: str) -> pl.Expr:
        return sets[name].sum()

    def charges(name: str) -> pl.Expr:
        return charge.filter(sets[name]).sum()

    counted = [
        *rate("lines_billed", pl.len(), pl.len()),
        *rate("charges_billed", charge.sum(), pl.len()),
        *rate("lines_pending", count("pending"), pl.len()),
        *rate("charges_pending", charges("pending"), count("pending")),
        *rate("initial_denial_rate", count("initial_denied"), count("adjudicated")),
        *rate("initial_denial_rate_charges", charges("initial_denied"), charges("adjudicated")),
        *rate("final_denial_rate", count("final_denied"), count("adjudicated")),
        *rate("final_denial_rate_charges", charges("final_denied"), charges("adjudicated")),
        *rate("final_denial_rate_appealable", count("appealable"), count("adjudicated")),
        *rate("final_denial_rate_past_window", count("past_appeal_window"), count("adjudicated")),
        *rate("appealable_charges", charges("appealable"), count("appealable")),
        *rate("overturn_rate", count("overturned"), count("reanswered")),
        *rate("recovery_rate", count("recovered"), count("initial_denied_any")),
        # appeal_overturn_rate, the overturn rate over appeals actually sent: appeal_figures()
        *rate("net_paid", pl.col("net_paid").sum(), pl.len()),
        *rate("no_contract_rate", count("no_contract"), count("adjudicated")),
        *rate("allowed_variance", variance.filter(sets["variance"]).sum(), count("variance")),
        *rate("expected_allowed", pl.col("expected_allowed").filter(sets["variance"]).sum(),
              count("variance")),
        *rate("allowed_priced", pl.col("allowed").filter(sets["variance"]).sum(),
              count("variance")),
        *rate("paid_priced", pl.col("net_paid").filter(sets["variance"]).sum(),
              count("variance")),
        *rate("underpaid_rate", count("underpaid"), count("variance")),
        *rate("underpaid_dollars", (-variance).filter(sets["underpaid"]).sum(),
              count("variance")),
        *rate("days_to_adjudication_median", pl.col("days_to_adjudication").median(),
              count("adjudicated")),
        *rate("days_to_adjudication_p90",
              pl.col("days_to_adjudication").quantile(0.9, "nearest"), count("adjudicated")),
        *rate("days_to_payment_median", pl.col("days_to_payment").median(), count("paid")),
        *rate("days_to_payment_p90", pl.col("days_to_payment").quantile(0.9, "nearest"),
              count("paid")),
        *rate("documentation_complete_rate", count("documentation_complete"), pl.len()),
        *rate("narrative_present_rate", pl.col("narrative_present").sum(), pl.len()),
        *[part for e in ELEMENTS for part in rate(f"element_{e}_rate", count(f"has_{e}"),
                                                   pl.len())],
        *rate("denial_rate_complete_documentation", count("complete_denied"),
              count("complete_adjudicated")),
        *rate("denial_rate_incomplete_documentation", count("incomplete_denied"),
              count("incomplete_adjudicated")),
    ]  # fmt: skip
    for _, _, label in AGING:
        counted += rate(f"ar_aging_{label}", count(f"aging_{label}"), count("pending"))
        counted += rate(f"ar_aging_{label}_charges", charges(f"aging_{label}"), count("pending"))
    if only is not None:
        counted = [e for e in counted if e.meta.output_name().split("__")[0] in only]
    keys = [GROUPINGS[b] for b in ((by,) if isinstance(by, str) else by or ())]
    index = ["group", "subgroup"][: len(keys)] or ["group"]
    frame = lines.group_by(keys).agg(counted) if keys else lines.select(counted)
    # Money is summed exactly (Decimal) and stays exact: every figure shares one decimal type.
    frame = frame.with_columns(pl.all().exclude(keys).cast(EXACT))
    if keys:
        frame = frame.rename(dict(zip(keys, index, strict=True))).with_columns(
            pl.col(index).cast(pl.String))  # fmt: skip
    else:
        frame = frame.with_columns(group=pl.lit(None, pl.String))
    long = frame.unpivot(index=index).with_columns(
        metric=pl.col("variable").str.split("__").list.get(0),
        part=pl.col("variable").str.split("__").list.get(1),
    )
    order = {name.split("__")[0]: k for k, name in enumerate(
        e.meta.output_name() for e in counted)}  # fmt: skip
    wide = long.collect().pivot(on="part", index=["metric", *index], values="value")
    # An empty selection, grouped, has no row to pivot: its parts are still named.
    wide = wide.with_columns(pl.lit(None, EXACT).alias(part) for part in
                             ("numerator", "denominator") if part not in wide.columns)  # fmt: skip
    wide = wide.sort(pl.col("metric").replace_strict(order, return_dtype=pl.Int32), *index,
                     nulls_last=True).lazy()  # fmt: skip
    return finish(wide, settings, index)


def underpaid_threshold(settings: Settings) -> pl.Expr:
    """max(tolerance $, tolerance % x expected), per payer when configured, in exact decimals."""
    money = pl.Decimal(18, 2)
    share = pl.Decimal(9, 4)
    dollars = pl.lit(settings.tolerance_dollars, money)
    percent = pl.lit(settings.tolerance_percent, share)
    for payer, (d, p) in settings.payer_tolerance.items():
        dollars = pl.when(pl.col("payer_id") == payer).then(pl.lit(d, money)).otherwise(dollars)
        percent = pl.when(pl.col("payer_id") == payer).then(pl.lit(p, share)).otherwise(percent)
    return pl.max_horizontal(dollars.cast(EXACT),
                             (percent * pl.col("expected_allowed")).cast(EXACT))


def appeal_window_days(settings: Settings) -> pl.Expr:
    """The payer's appeal window in days (settings [appeals])."""
    days = pl.lit(settings.appeal_window_days, pl.Int32)
    for payer, window in settings.payer_appeal_window_days.items():
        days = pl.when(pl.col("payer_id") == payer).then(pl.lit(window, pl.Int32)).otherwise(days)
    return days


def days_left_to_appeal(settings: Settings) -> pl.Expr:
    """Days from the as-of date to the last day an appeal of the final denial may be filed: the
    denial's remittance date plus the payer's window (negative once it has passed)."""
    deadline = pl.col("final_denial_date") + pl.duration(days=appeal_window_days(settings))
    return (deadline - pl.lit(settings.as_of)).dt.total_days()


# One exact type for every numerator and denominator: money to the cent, medians to the half day.
EXACT = pl.Decimal(38, 4)

# Figures that are counts or sums rather than shares: their value is the numerator.
AMOUNTS = ("lines_billed", "charges_billed", "lines_pending", "charges_pending", "net_paid",
           "appealable_charges", "appeals_open_lines", "appeals_open_at_stake",
           *(f"appeals_open_{label}{part}" for _, _, label in AGING for part in ("", "_at_stake")),
           "allowed_variance",
           "expected_allowed", "allowed_priced", "paid_priced",
           "underpaid_dollars", "days_to_adjudication_median", "days_to_adjudication_p90",
           "days_to_payment_median", "days_to_payment_p90")  # fmt: skip


def finish(wide: pl.LazyFrame, settings: Settings, index: list[str]) -> pl.LazyFrame:
    is_amount = pl.col("metric").is_in(AMOUNTS) | pl.col("metric").str.starts_with("ar_aging")
    small = pl.col("denominator") < settings.min_count
    # A share is a float; an amount's exact value is its numerator (UNITS says which are money).
    ratio = pl.col("numerator").cast(pl.Float64) / pl.col("denominator").cast(pl.Float64)
    value = pl.when(is_amount).then(pl.col("numerator").cast(pl.Float64)).otherwise(ratio)
    rates_only = ~is_amount | pl.col("metric").str.starts_with("days_")
    suppressed = rates_only & small & ~pl.col("metric").str.starts_with("ar_aging")
    return wide.with_columns(
        value=pl.when(suppressed).then(None).otherwise(value),
        suppressed=suppressed,
        reason=pl.when(suppressed).then(
            pl.format(
                "fewer than {} lines ({})",
                pl.lit(settings.min_count),
                pl.col("denominator").cast(pl.Int64),
            )
        ),
    ).select("metric", *index, "numerator", "denominator", "value", "suppressed", "reason")


def units(metric: str) -> tuple[str, str]:
    """What a figure's numerator and denominator count: "money" (dollars to the cent), "lines"
    or "days"."""
    if metric.startswith("days_"):
        return "days", "lines"
    if metric.startswith("ar_aging"):
        return ("money" if metric.endswith("_charges") else "lines"), "lines"
    if metric in MONEY_RATES:
        return "money", "money"
    if metric in MONEY_AMOUNTS:
        return "money", "lines"
    return "lines", "lines"


MONEY_AMOUNTS = ("charges_billed", "charges_pending", "net_paid", "allowed_variance",
                 "expected_allowed", "allowed_priced", "paid_priced", "underpaid_dollars",
                 "appealable_charges", "appeals_open_at_stake",
                 *(f"appeals_open_{label}_at_stake" for _, _, label in AGING))  # fmt: skip
MONEY_RATES = ("initial_denial_rate_charges", "final_denial_rate_charges")


def exact_rows(figures: pl.DataFrame) -> list[dict]:
    """The figures for machines: money as decimal strings to the cent, line counts as integers,
    days as numbers, a share's value as a float rounded to 6 places (None when suppressed)."""
    def exact(amount, unit):
        if amount is None:
            return None
        if unit == "money":
            return str(amount.quantize(Decimal("0.01")))
        if unit == "lines":
            return int(amount)
        whole = amount.to_integral_value()
        return int(whole) if whole == amount else float(amount)

    rows = []
    for row in figures.to_dicts():
        top, bottom = units(row["metric"])
        is_amount = row["metric"] in AMOUNTS or row["metric"].startswith("ar_aging")
        value = None
        if not row["suppressed"]:
            value = exact(row["numerator"], top) if is_amount else (
                None if row["value"] is None or math.isnan(row["value"])
                else round(row["value"], 6))  # fmt: skip
        rows.append({**row, "numerator": exact(row["numerator"], top),
                     "denominator": exact(row["denominator"], bottom), "value": value})
    return rows


REASON_COLUMNS = {"carc": "initial_denial_carc", "group": "initial_denial_group",
                  "category": "initial_denial_category", "rarc": "initial_remark_codes"}


def reasons(lines: pl.LazyFrame, level: str = "carc") -> pl.LazyFrame:
    """Initial denials by CARC, group, category or remark code (RARC), with lines and charges,
    largest first. A denial with several remarks counts once under each."""
    column = pl.col(REASON_COLUMNS[level])
    if level == "rarc":
        column = column.str.split(",").list.eval(pl.element().str.strip_chars())
    denied = lines.filter(pl.col("adjudicated") & pl.col("initial_denied"))
    keyed = denied.with_columns(column.alias(level))
    if level == "rarc":
        keyed = keyed.explode(level)
    return (
        keyed.group_by(level)
        .agg(lines=pl.len(), charges=pl.col("charge").sum())
        .sort(["lines", level], descending=[True, False], nulls_last=True)
    )


def denial_reasons(con: duckdb.DuckDBPyConnection, filters: Filters,
                   level: str = "carc") -> pl.DataFrame:  # fmt: skip
    """reasons() over the filters' selection."""
    return reasons(selected_lines(con, filters), level).collect()


def underpaid(lines: pl.LazyFrame, settings: Settings) -> pl.LazyFrame:
    """The underpayment worklist: lines allowed below contract beyond tolerance, by dollars."""
    return (
        lines.filter(outcomes(settings)["underpaid"][1])
        .with_columns(variance=pl.col("allowed") - pl.col("expected_allowed"))
        .sort("variance", "claim_line_id")
    )


def variance_cents() -> pl.Expr:
    """Allowed minus expected in whole cents: exact, so that bins and drill-downs agree."""
    return ((pl.col("allowed") - pl.col("expected_allowed")) * 100).cast(pl.Int64)


def variance_bins(lines: pl.LazyFrame, settings: Settings, bins: int = 24) -> pl.DataFrame:
    """The distribution of allowed variance over priced lines: bins of a round width (1, 2 or 5
    times a power of ten, at least a cent) with their lines and dollars; `low` is inclusive,
    `high` exclusive. Lines are binned in whole cents, as the drill-down chooses them."""
    priced = lines.filter(outcomes(settings)["variance"][1]).select(cents=variance_cents())
    frame = priced.collect()
    if frame.height == 0:
        return pl.DataFrame(schema={"low": pl.Float64, "high": pl.Float64, "lines": pl.UInt32,
                                    "dollars": pl.Float64})  # fmt: skip
    spread = max(frame["cents"].max() - frame["cents"].min(), 1)
    width = max(1, round(round_width(spread / bins)))
    return (
        frame.lazy()
        .with_columns(low=pl.col("cents") // width * width)
        .group_by("low")
        .agg(lines=pl.len(), dollars=pl.col("cents").sum() / 100)
        .with_columns(high=(pl.col("low") + width) / 100, low=pl.col("low") / 100)
        .select("low", "high", "lines", "dollars")
        .sort("low")
        .collect()
    )


def round_width(raw: float) -> float:
    power = 10 ** math.floor(math.log10(raw))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= raw)


def underpaid_lines(con: duckdb.DuckDBPyConnection, filters: Filters,
                    settings: Settings = Settings()) -> pl.DataFrame:  # fmt: skip
    """underpaid() over the filters' selection, with the worklist's columns."""
    return (
        underpaid(selected_lines(con, filters), settings)
        .select("claim_line_id", "patient_control_number", "payer_id", "service_date",
                "procedure_code", "charge", "expected_allowed", "allowed", "variance")
        .collect()
    )  # fmt: skip


# -- appeals sent (docs/appeals.md) ---------------------------------------------------------------
def appeal_outcomes(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.LazyFrame:
    """Every appealed line in the filters' scope with its outcome (appeal_outcome)."""
    with con.cursor() as cursor:
        table = cursor.sql(sql("appeals/outcomes")).to_arrow_table()
    return pl.from_arrow(table).lazy().filter(in_scope(filters))


def appeal_age(settings: Settings) -> pl.Expr:
    """Days from the sent date to the as-of date: an open appeal's age."""
    return (pl.lit(settings.as_of) - pl.col("sent_date")).dt.total_days()


def open_appeals(outcomes: pl.LazyFrame, settings: Settings) -> pl.LazyFrame:
    """Open appealed lines with their age and age band (AGING), oldest first, then the most
    at stake."""
    band = pl.lit(None, pl.String)
    for low, high, label in reversed(AGING):
        inside = (appeal_age(settings) >= low) & (
            (appeal_age(settings) <= high) if high is not None else pl.lit(True))
        band = pl.when(inside).then(pl.lit(label)).otherwise(band)
    return (
        outcomes.filter(pl.col("outcome") == "open")
        .with_columns(age_days=appeal_age(settings), age_band=band)
        .sort(["age_days", "at_stake", "appeal_id"], descending=[True, True, False])
    )


def appeal_figures(outcomes: pl.LazyFrame, settings: Settings) -> pl.DataFrame:
    """The figures of appeals sent, in compute()'s shape: appeal_overturn_rate (HFMA over
    appeals actually sent: appealed lines answered and paid, over appealed lines answered),
    appeals_open_lines and appeals_open_at_stake, and both by age band since sent
    (appeals_open_<band>, appeals_open_<band>_at_stake)."""
    is_open = pl.col("outcome") == "open"
    age = appeal_age(settings)
    counted = [
        *rate("appeal_overturn_rate", (pl.col("outcome") == "overturned").sum(),
              pl.col("answered").sum()),
        *rate("appeals_open_lines", is_open.sum(), pl.len()),
        *rate("appeals_open_at_stake", pl.col("at_stake").filter(is_open).sum(), is_open.sum()),
    ]  # fmt: skip
    for low, high, label in AGING:
        inside = is_open & (age >= low) & ((age <= high) if high is not None else True)
        counted += rate(f"appeals_open_{label}", inside.sum(), is_open.sum())
        counted += rate(f"appeals_open_{label}_at_stake", pl.col("at_stake").filter(inside).sum(),
                        is_open.sum())  # fmt: skip
    wide = outcomes.select(counted).with_columns(pl.all().cast(EXACT))
    long = wide.unpivot().with_columns(
        metric=pl.col("variable").str.split("__").list.get(0),
        part=pl.col("variable").str.split("__").list.get(1),
        group=pl.lit(None, pl.String),
    ).collect()
    order = {e.meta.output_name().split("__")[0]: k for k, e in enumerate(counted)}
    table = long.pivot(on="part", index=["metric", "group"], values="value").sort(
        pl.col("metric").replace_strict(order, return_dtype=pl.Int32))
    return finish(table.lazy(), settings, ["group"]).collect()


def appealable_denials(lines: pl.LazyFrame, settings: Settings) -> pl.LazyFrame:
    """The appeal worklist: finally denied lines still inside their payer's appeal window, the
    soonest deadline first (then the most at stake), with the last day to appeal and the dollars
    at stake (the contract's expected allowed, else the charge)."""
    return (
        lines.filter(outcomes(settings)["appealable"][1])
        .with_columns(
            appeal_by=pl.col("final_denial_date") + pl.duration(days=appeal_window_days(settings)),
            days_left=days_left_to_appeal(settings),
            at_stake=pl.coalesce("expected_allowed", "charge"),
        )
        .sort(["days_left", "at_stake", "claim_line_id"], descending=[False, True, False])
    )
