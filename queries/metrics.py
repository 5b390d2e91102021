"""The figures of DESIGN.md "Metric definitions", computed with Polars over line_adjudication.

Every figure carries its numerator and denominator and is suppressed (value None, with the
reason) when the denominator is below the minimum count. The dashboard and `unlisted metrics`
call `compute`; neither computes a figure of its own.

Choices where DESIGN.md leaves room (also in the README):
- Rates by charges use the billed line charge.
- With date basis "payment", lines are selected by their first remittance date, so pending
  lines (no remittance yet) are not in the selection; A/R aging always uses service dates.
- Documentation completeness counts every selected line; a line without a note has no element.
- Underpaid uses the payer's tolerance when one is configured, else $1 and 2%.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import polars as pl

from .sql import sql

GROUPINGS = {
    "month": "service_month",
    "payer": "payer_id",
    "provider": "rendering_npi",
    "location": "location",
    "category": "initial_denial_category",
}
ELEMENTS = ("description", "purpose", "duration", "rationale", "credentials", "involvement")
AGING = ((0, 30, "0-30"), (31, 60, "31-60"), (61, 90, "61-90"), (91, 120, "91-120"),
         (121, None, ">120"))  # fmt: skip


@dataclass(frozen=True)
class Filters:
    codes: tuple[str, ...] = ("97139",)
    start: dt.date | None = None
    end: dt.date | None = None
    basis: str = "service"  # or "payment"
    payers: tuple[str, ...] = ()
    providers: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()

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


def selected_lines(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.LazyFrame:
    # A cursor of its own: the caller's connection may hold an unfinished result.
    with con.cursor() as cursor:
        table = cursor.sql(sql("selection/lines"), params=filters.parameters()).to_arrow_table()
    return pl.from_arrow(table).lazy()


def rate(name: str, numerator: pl.Expr, denominator: pl.Expr) -> list[pl.Expr]:
    """Numerator, denominator and their ratio under one metric name."""
    return [
        numerator.alias(f"{name}__numerator"),
        denominator.alias(f"{name}__denominator"),
    ]


def compute(con: duckdb.DuckDBPyConnection, filters: Filters = Filters(),
            settings: Settings = Settings(), by: str | None = None) -> pl.DataFrame:  # fmt: skip
    """One row per metric (and group): metric, group, numerator, denominator, value,
    suppressed, reason."""
    lines = selected_lines(con, filters)
    return summarize(lines, settings, by).collect()


def summarize(lines: pl.LazyFrame, settings: Settings, by: str | None) -> pl.LazyFrame:
    group = GROUPINGS[by] if by else None
    adjudicated = pl.col("adjudicated")
    charge = pl.col("charge")
    tolerance = underpaid_threshold(settings)
    variance_lines = adjudicated & ~pl.col("final_denied") & pl.col("has_contract")
    variance = pl.col("allowed") - pl.col("expected_allowed")
    counted = [
        *rate("lines_billed", pl.len(), pl.len()),
        *rate("charges_billed", charge.sum(), pl.len()),
        *rate("lines_pending", (~adjudicated).sum(), pl.len()),
        *rate("initial_denial_rate", (adjudicated & pl.col("initial_denied")).sum(),
              adjudicated.sum()),
        *rate("initial_denial_rate_charges",
              charge.filter(adjudicated & pl.col("initial_denied")).sum(),
              charge.filter(adjudicated).sum()),
        *rate("final_denial_rate", (adjudicated & pl.col("final_denied")).sum(), adjudicated.sum()),
        *rate("final_denial_rate_charges",
              charge.filter(adjudicated & pl.col("final_denied")).sum(),
              charge.filter(adjudicated).sum()),
        *rate("overturn_rate", pl.col("overturned").sum(), pl.col("initial_denied").sum()),
        *rate("net_paid", pl.col("net_paid").sum(), pl.len()),
        *rate("no_contract_rate", (adjudicated & ~pl.col("has_contract")).sum(),
              adjudicated.sum()),
        *rate("allowed_variance", variance.filter(variance_lines).sum(), variance_lines.sum()),
        *rate("underpaid_rate", (variance_lines & (variance < -tolerance)).sum(),
              variance_lines.sum()),
        *rate("underpaid_dollars",
              (-variance).filter(variance_lines & (variance < -tolerance)).sum(),
              variance_lines.sum()),
        *rate("days_to_adjudication_median", pl.col("days_to_adjudication").median(),
              adjudicated.sum()),
        *rate("days_to_adjudication_p90",
              pl.col("days_to_adjudication").quantile(0.9, "nearest"), adjudicated.sum()),
        *rate("days_to_payment_median", pl.col("days_to_payment").median(),
              pl.col("ever_paid").sum()),
        *rate("days_to_payment_p90", pl.col("days_to_payment").quantile(0.9, "nearest"),
              pl.col("ever_paid").sum()),
        *rate("documentation_complete_rate", pl.col("documentation_complete").sum(), pl.len()),
        *rate("narrative_present_rate", pl.col("narrative_present").sum(), pl.len()),
        *[part for e in ELEMENTS for part in rate(f"element_{e}_rate", pl.col(f"has_{e}").sum(),
                                                   pl.len())],
        *rate("denial_rate_complete_documentation",
              (adjudicated & pl.col("initial_denied") & pl.col("documentation_complete")).sum(),
              (adjudicated & pl.col("documentation_complete")).sum()),
        *rate("denial_rate_incomplete_documentation",
              (adjudicated & pl.col("initial_denied") & ~pl.col("documentation_complete")).sum(),
              (adjudicated & ~pl.col("documentation_complete")).sum()),
        *aging(settings.as_of),
    ]  # fmt: skip
    frame = lines.group_by(group).agg(counted) if group else lines.select(counted)
    # Money is summed exactly (Decimal), then every figure shares one numeric type.
    frame = frame.with_columns(pl.all().exclude(group or "").cast(pl.Float64))
    if group:
        frame = frame.rename({group: "group"}).with_columns(pl.col("group").cast(pl.String))
    else:
        frame = frame.with_columns(group=pl.lit(None, pl.String))
    long = frame.unpivot(index="group").with_columns(
        metric=pl.col("variable").str.split("__").list.get(0),
        part=pl.col("variable").str.split("__").list.get(1),
    )
    order = {name.split("__")[0]: k for k, name in enumerate(
        e.meta.output_name() for e in counted)}  # fmt: skip
    wide = (
        long.collect()
        .pivot(on="part", index=["metric", "group"], values="value")
        .sort(
            pl.col("metric").replace_strict(order, return_dtype=pl.Int32), "group", nulls_last=True
        )  # fmt: skip
        .lazy()
    )
    return finish(wide, settings)


def underpaid_threshold(settings: Settings) -> pl.Expr:
    """max(tolerance $, tolerance % x expected), per payer when configured."""
    dollars = pl.lit(float(settings.tolerance_dollars))
    percent = pl.lit(float(settings.tolerance_percent))
    for payer, (d, p) in settings.payer_tolerance.items():
        dollars = pl.when(pl.col("payer_id") == payer).then(float(d)).otherwise(dollars)
        percent = pl.when(pl.col("payer_id") == payer).then(float(p)).otherwise(percent)
    expected = pl.col("expected_allowed").cast(pl.Float64)
    return pl.max_horizontal(dollars, percent * expected)


def aging(as_of: dt.date) -> list[pl.Expr]:
    age = (pl.lit(as_of) - pl.col("service_date")).dt.total_days()
    pending = ~pl.col("adjudicated")
    out = []
    for low, high, label in AGING:
        inside = pending & (age >= low) & ((age <= high) if high is not None else pl.lit(True))
        out += rate(f"ar_aging_{label}", inside.sum(), pending.sum())
        out += rate(f"ar_aging_{label}_charges", pl.col("charge").filter(inside).sum(),
                    pending.sum())  # fmt: skip
    return out


# Figures that are counts or sums rather than shares: their value is the numerator.
AMOUNTS = ("lines_billed", "charges_billed", "lines_pending", "net_paid", "allowed_variance",
           "underpaid_dollars", "days_to_adjudication_median", "days_to_adjudication_p90",
           "days_to_payment_median", "days_to_payment_p90")  # fmt: skip


def finish(wide: pl.LazyFrame, settings: Settings) -> pl.LazyFrame:
    is_amount = pl.col("metric").is_in(AMOUNTS) | pl.col("metric").str.starts_with("ar_aging")
    small = pl.col("denominator") < settings.min_count
    ratio = pl.col("numerator") / pl.col("denominator")
    value = pl.when(is_amount).then(pl.col("numerator")).otherwise(ratio)
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
    ).select("metric", "group", "numerator", "denominator", "value", "suppressed", "reason")


def denial_reasons(con: duckdb.DuckDBPyConnection, filters: Filters = Filters(),
                   level: str = "carc") -> pl.DataFrame:  # fmt: skip
    """Initial denials by CARC, group or category, with lines and charges, largest first."""
    column = {"carc": "initial_denial_carc", "group": "initial_denial_group",
              "category": "initial_denial_category"}[level]  # fmt: skip
    return (
        selected_lines(con, filters)
        .filter(pl.col("adjudicated") & pl.col("initial_denied"))
        .group_by(pl.col(column).alias(level))
        .agg(lines=pl.len(), charges=pl.col("charge").sum())
        .sort(["lines", level], descending=[True, False])
        .collect()
    )


def underpaid_lines(con: duckdb.DuckDBPyConnection, filters: Filters = Filters(),
                    settings: Settings = Settings()) -> pl.DataFrame:  # fmt: skip
    """The underpayment worklist: lines allowed below contract beyond tolerance, by dollars."""
    variance = pl.col("allowed") - pl.col("expected_allowed")
    return (
        selected_lines(con, filters)
        .filter(pl.col("adjudicated") & ~pl.col("final_denied") & pl.col("has_contract"))
        .with_columns(variance=variance)
        .filter(pl.col("variance") < -underpaid_threshold(settings))
        .sort("variance")
        .select("claim_line_id", "patient_control_number", "payer_id", "service_date",
                "procedure_code", "charge", "expected_allowed", "allowed", "variance")
        .collect()
    )  # fmt: skip
