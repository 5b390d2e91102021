"""What documentation gaps cost, in dollars (docs/numbers.md, "Cost of a gap"), with Polars over the
lines of metrics.selected_lines().

A gap is one of the six note elements missing (has_<element> false; a line without a note has
none), or no narrative on the claim (SV101-7 or line NTE) on a line that needs one. A line needs
a narrative where line_adjudication.narrative_required is true (the unlisted codes of the
settings); a mart without that column needs one on every line. For each gap, over the selected
lines that have it:

- lines: how many lines have the gap (of `of_lines`, the lines selected);
- charges: their billed charges;
- denied: the charges of those finally denied (adjudicated, and the latest net adjudication is a
  denial: `final_denied`, the set metrics.outcomes() calls "final_denied");
- lost: lost expected allowed, over those adjudicated with a contract (`has_contract`): a line
  finally denied loses its whole expected allowed; any other line loses expected allowed minus
  allowed when that is positive, and nothing when the payer allowed the contract or more (or
  its allowed amount is unknown). Pending lines and lines without a contract lose nothing here:
  they are not, or cannot be, measured against a contract yet.

A line with several gaps counts under each; the gap "any" (documentation incomplete: the mart's
`documentation_complete` is false) counts it once. Money is summed exactly (Decimal).

earnings(): net paid per adjudicated line of lines with complete notes against lines with
incomplete notes (sum of net_paid / adjudicated lines, to the cent, rounded half to even),
suppressed below the minimum count like every rate.

Every figure's lines are a named set of outcomes() (lacks_<gap>, lacks_<gap>_denied,
lacks_<gap>_lost), so a drill-down shows exactly the lines behind a dollar figure.
"""

from __future__ import annotations

import duckdb
import polars as pl

from .metrics import ELEMENTS, GROUPINGS, METRIC_COLUMNS, Filters, Settings, selected_lines
from .sql import sql

GAPS = (*ELEMENTS, "narrative")
# What a gap is called where people read it (drill-down banners, exports).
GAP_NAMES = {**{e: e for e in ELEMENTS}, "narrative": "claim narrative", "any": "any element"}
# Columns of a newer mart that the figures use when the mart has them.
OPTIONAL_COLUMNS = ("narrative_required",)
# The groupings the dollars come in (besides the whole selection).
BY = ("month", "provider")


def narrative_needed(schema: pl.Schema | dict) -> pl.Expr:
    """Whether a line needs a narrative on its claim."""
    if "narrative_required" in schema:
        return pl.col("narrative_required").fill_null(True)
    return pl.lit(True)


def lacking(gap: str, schema: pl.Schema | dict) -> pl.Expr:
    """The lines that have the gap: an element missing from the note, no narrative where one is
    needed, or ("any") documentation incomplete."""
    if gap == "any":
        return ~pl.col("documentation_complete")
    if gap == "narrative":
        return ~pl.col("narrative_present") & narrative_needed(schema)
    return ~pl.col(f"has_{gap}")


def priced() -> pl.Expr:
    """Adjudicated lines with a contract: the lines lost expected allowed is measured on."""
    return pl.col("adjudicated") & pl.col("has_contract")


def lost_allowed() -> pl.Expr:
    """A line's lost expected allowed (null where nothing is lost or it is not measured)."""
    expected, allowed = pl.col("expected_allowed"), pl.col("allowed")
    return (
        pl.when(priced() & pl.col("final_denied")).then(expected)
        .when(priced() & (allowed < expected)).then(expected - allowed)
    )  # fmt: skip


def outcomes(schema: pl.Schema | dict) -> dict[str, tuple[str, pl.Expr]]:
    """The sets of lines the dollars count, with a label for people (as metrics.outcomes())."""
    denied = pl.col("adjudicated") & pl.col("final_denied")
    named = {}
    for gap in (*GAPS, "any"):
        lack = lacking(gap, schema)
        what = "Documentation incomplete" if gap == "any" else f"Lacks {GAP_NAMES[gap]}"
        named[f"lacks_{gap}"] = (what, lack)
        named[f"lacks_{gap}_denied"] = (f"{what}, finally denied", lack & denied)
        named[f"lacks_{gap}_lost"] = (f"{what}, below contract or denied",
                                      lack & lost_allowed().is_not_null())  # fmt: skip
    return named


# Every set's name (they do not depend on the columns at hand).
SET_NAMES = frozenset(outcomes({}))


def costs(lines: pl.LazyFrame, by: str | None = None) -> pl.LazyFrame:
    """One row per gap (and group, by "month" or "provider"): [group,] gap, of_lines, lines,
    charges, denied, lost. Groups are strings (ISO dates for months), as metrics.summarize
    gives them."""
    schema = lines.collect_schema()
    sets = outcomes(schema)
    keys = [GROUPINGS[by]] if by else []
    charge, lost = pl.col("charge"), lost_allowed()
    every = (*GAPS, "any")
    sums = [pl.len().alias("of_lines")]
    for gap in every:
        lack = sets[f"lacks_{gap}"][1]
        sums += [
            lack.sum().alias(f"{gap}__lines"),
            charge.filter(lack).sum().alias(f"{gap}__charges"),
            charge.filter(sets[f"lacks_{gap}_denied"][1]).sum().alias(f"{gap}__denied"),
            lost.filter(lack).sum().alias(f"{gap}__lost"),
        ]
    wide = lines.group_by(keys).agg(sums) if keys else lines.select(sums)
    index = [pl.col(keys[0]).cast(pl.String).alias("group")] if keys else []
    long = pl.concat([
        wide.select(
            *index, pl.lit(gap).alias("gap"), pl.col("of_lines").cast(pl.Int64),
            pl.col(f"{gap}__lines").cast(pl.Int64).alias("lines"),
            *(pl.col(f"{gap}__{part}").alias(part) for part in ("charges", "denied", "lost")),
        )
        for gap in every
    ])  # fmt: skip
    order = {gap: k for k, gap in enumerate(every)}
    return long.sort(*(["group"] if keys else []),
                     pl.col("gap").replace_strict(order, return_dtype=pl.Int32))  # fmt: skip


def earnings(lines: pl.LazyFrame, settings: Settings) -> pl.LazyFrame:
    """Net paid per adjudicated line, complete notes against incomplete: notes, outcome (the
    drill-down's set), numerator (net paid), denominator (adjudicated lines), value,
    suppressed, reason."""
    adjudicated, complete = pl.col("adjudicated"), pl.col("documentation_complete")
    paid = pl.col("net_paid")
    parts = [("complete", "complete_adjudicated", adjudicated & complete),
             ("incomplete", "incomplete_adjudicated", adjudicated & ~complete)]  # fmt: skip
    long = pl.concat([
        lines.select(pl.lit(notes).alias("notes"), pl.lit(outcome).alias("outcome"),
                     paid.filter(chosen).sum().alias("numerator"),
                     chosen.sum().cast(pl.Int64).alias("denominator"))
        for notes, outcome, chosen in parts
    ])  # fmt: skip
    small = pl.col("denominator") < settings.min_count
    # Exact decimal division, to the cent; an empty set divides by null, not by zero.
    per_line = pl.col("numerator") / pl.when(pl.col("denominator") > 0).then(
        pl.col("denominator"))  # fmt: skip
    return long.with_columns(
        value=pl.when(small).then(None).otherwise(per_line),
        suppressed=small,
        reason=pl.when(small).then(pl.format("fewer than {} lines ({})",
                                             pl.lit(settings.min_count), pl.col("denominator"))),
    )  # fmt: skip


def columns_at_hand(con: duckdb.DuckDBPyConnection,
                    columns: tuple[str, ...] = METRIC_COLUMNS) -> tuple[str, ...]:  # fmt: skip
    """`columns` plus those of OPTIONAL_COLUMNS the database's mart has."""
    with con.cursor() as cursor:
        held = cursor.sql(sql("selection/every_line")).columns  # bound, not run
    return columns + tuple(c for c in OPTIONAL_COLUMNS if c in held and c not in columns)


def selected(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.LazyFrame:
    """The filters' lines with the columns the dollars use."""
    return selected_lines(con, filters, columns_at_hand(con))


def compute(con: duckdb.DuckDBPyConnection, filters: Filters,
            by: str | None = None) -> pl.DataFrame:  # fmt: skip
    """costs() over the filters' selection."""
    return costs(selected(con, filters), by).collect()


def compute_earnings(con: duckdb.DuckDBPyConnection, filters: Filters,
                     settings: Settings | None = None) -> pl.DataFrame:  # fmt: skip
    """earnings() over the filters' selection."""
    return earnings(selected(con, filters), settings or Settings()).collect()
