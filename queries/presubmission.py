"""The pre-submission check of an outgoing 837P batch (docs/before-you-send.md): for every line of
a target code, what blocks or risks a denial and how to fix it.

This module reads a database in which the batch has been loaded and the marts rebuilt (the
orchestration, on a scratch copy, is unlisted/presubmission.py): the rule findings are those of
`rule_finding`, the same rules `unlisted rules` runs; the documentation is the visit's note as
loaded; the denial probability and its reasons come in from the stored model's scores, the
expected allowed from the comparator prices. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from .elements import ELEMENTS
from .sql import sql

# What each element must show (docs/documentation-elements.md), in the words of a fix.
ELEMENT_NEEDS = {
    "description": "what was done and how or where (technique, device or activity; body "
                   "region, tool, settings or dose)",
    "purpose": "the functional goal the service is meant to reach",
    "duration": "the minutes spent and the frequency or plan length",
    "rationale": "why this nonstandard service instead of a specific code's",
    "credentials": "the clinician's signature with their credential",
    "involvement": "that the clinician delivered it one-on-one or hands-on",
}  # fmt: skip

NARRATIVE_NEEDS = (
    "a narrative in SV101-7 (at most 80 characters) or a line NTE: what was done, how, where on "
    'the body and why (e.g. "IASTM R lateral thigh ITB, convex tool, for ITB friction"); '
    "longer text goes in an attachment the payer's portal takes"
)

# How to clear each rule's finding before the claim goes out (the rules of queries/rules.py).
FIXES = {
    "missing_narrative": "Add " + NARRATIVE_NEEDS + ".",
    "narrative_names_specific_code": "Bill the specific code the evidence names when it "
                                     "describes the service; if the service is something else, "
                                     "say what in the narrative.",
    "missing_therapy_modifier": "Add the therapy modifier of the plan of care's discipline "
                                "(GP, GO or GN).",
    "discipline_modifier_mismatch": "Use the therapy modifier of the rendering provider's "
                                    "discipline, or correct the rendering provider.",
    "assistant_without_modifier": "Add CQ (physical therapist assistant) or CO (occupational "
                                  "therapy assistant).",
    "same_day_similar_code": "Bill the specific code when it describes the service; when the "
                             "service is distinct, say how in the note and narrative, and add "
                             "a distinct-service modifier only where the edit allows one.",
    "ptp_never_allowed": "Do not bill the pair on one day: the edit never allows it, whatever "
                         "the modifier. Bill the code that describes the service.",
    "units_above_daily_max": "Bill no more units than the daily limit, or send the records the "
                             "payer asks for above it.",
    "missing_prior_authorization": "Get the payer's authorization and put its number in "
                                   "REF*G1 of the claim (loop 2300) or the line.",
    "missing_documentation": "Have the clinician complete the note before the claim goes out.",
    "late_signature": "Have the clinician sign the note before the claim goes out.",
    "minutes_units_mismatch": "Bill the units the visit's timed minutes support (8-minute "
                              "rule), or correct the minutes in the note if they are wrong.",
    "therapy_threshold_no_kx": "Add KX when the note shows the services above the threshold "
                               "are medically necessary; otherwise do not bill them to Medicare "
                               "without an advance notice to the patient.",
    "kx_below_threshold": "Remove KX: the patient is under the year's threshold.",
    "recoded_by_payer": "Nothing to fix before sending: the payer priced an earlier line as "
                        "another code.",
    "sent_before": "Do not send it again as an original: wait for the payer's answer, or, if "
                   "the claim changed, send a replacement (frequency 7) with the payer's claim "
                   "number in REF*F8.",
}  # fmt: skip
# Findings of the check itself, beside the rules of the rules file: facts of the batch against
# what was sent before, which the rules (run on the claims in force) cannot see.
CHECK_FINDINGS = ("sent_before",)


@dataclass(frozen=True)
class Policy:
    """What the check looks for and what stops a batch (settings [check])."""

    codes: list[str]
    narrative_codes: list[str] = field(default_factory=list)  # [documentation] narrative_codes
    blocking_severities: tuple[str, ...] = ("high",)
    blocking_rules: tuple[str, ...] = ()
    block_at_probability: float | None = None


@dataclass
class Report:
    """The check of one batch: a row per line of a target code, ranked by what is at risk
    (`lines`), and a row per finding (`findings`, the line's `claim_line_id` beside it)."""

    lines: pl.DataFrame
    findings: pl.DataFrame
    model: dict | None = None  # the stored model that scored the lines (window, fingerprint)
    notices: list[str] = field(default_factory=list)  # about the batch as a whole

    @property
    def blocked(self) -> bool:
        return bool(self.lines.height) and bool(self.lines["blocks"].any())


def known_rules(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The rules the marts were built with, and the check's own findings."""
    return [r for (r,) in con.execute(sql("check/known_rules")).fetchall()] + list(CHECK_FINDINGS)


def frame(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pl.DataFrame:
    with con.cursor() as cursor:
        return pl.from_arrow(cursor.sql(sql(name), params=params).to_arrow_table())


def batch_lines(con: duckdb.DuckDBPyConnection, batches: list[int], codes: list[str],
                narrative_codes: list[str]) -> pl.DataFrame:  # fmt: skip
    return frame(con, "check/batch_lines", {
        "batches": batches, "codes": [c.upper() for c in codes],
        "narrative_codes": [c.upper() for c in narrative_codes]})  # fmt: skip


def batch_findings(con: duckdb.DuckDBPyConnection, batches: list[int], codes: list[str]):
    """The rule findings of the batch's lines, and the check's own (sent_before)."""
    params = {"batches": batches, "codes": [c.upper() for c in codes]}
    return pl.concat([frame(con, "check/batch_findings", {"batches": batches}),
                      frame(con, "check/sent_before", params)], how="vertical_relaxed")  # fmt: skip


def check(
    con: duckdb.DuckDBPyConnection,
    batches: list[int],
    policy: Policy,
    scores: pl.DataFrame | None = None,
    prices: pl.DataFrame | None = None,
) -> Report:
    """The report on the target-code lines of `batches`.

    `scores`: claim_line_id, probability (0..1), reasons (list of text), from the stored denial
    model, or None when no model is trained. `prices`: the comparator prices (payer_id, code,
    comparator_code, basis, per_unit) or None."""
    lines = batch_lines(con, batches, policy.codes, policy.narrative_codes)
    rule_rows = batch_findings(con, batches, policy.codes).filter(
        pl.col("claim_line_id").is_in(lines["claim_line_id"].implode())
    )
    findings = rule_rows.lazy().select(
        "claim_line_id",
        pl.col("rule").alias("finding"),
        pl.col("rule_label").alias("what"),
        "severity",
        "evidence",
        pl.col("rule").replace_strict(FIXES, default="").alias("fix"),
        (pl.col("severity").is_in(list(policy.blocking_severities))
         | pl.col("rule").is_in(list(policy.blocking_rules))).alias("blocks"),
    )  # fmt: skip
    probability_blocks = (
        pl.lit(False) if policy.block_at_probability is None
        else pl.col("probability").fill_null(0.0) >= policy.block_at_probability
    )  # fmt: skip
    if policy.block_at_probability is not None and scores is not None:
        findings = pl.concat([findings, probability_findings(lines, scores, policy)],
                             how="vertical_relaxed")  # fmt: skip
    findings = findings.sort("claim_line_id", "blocks", "severity", descending=[False, True, False])
    per_line = findings.group_by("claim_line_id").agg(
        pl.len().alias("findings"),
        pl.col("blocks").any().alias("finding_blocks"),
        pl.col("what").filter(pl.col("blocks")).str.join("; ").alias("blocking"),
        pl.col("what").str.join("; ").alias("finding_list"),
        pl.col("fix").filter(pl.col("fix") != "").unique(maintain_order=True).str.join(" ")
        .alias("fixes"),
    )  # fmt: skip
    scored = with_scores(lines.lazy(), scores)
    priced = with_prices(scored, prices)
    table = (
        priced.with_columns(documentation_columns())
        .join(per_line, on="claim_line_id", how="left")
        .with_columns(
            pl.col("findings").fill_null(0),
            pl.col("finding_list").fill_null(""),
            pl.col("blocking").fill_null(""),
            pl.col("fixes").fill_null(""),
            (pl.col("finding_blocks").fill_null(False) | probability_blocks).alias("blocks"),
        )
        .drop("finding_blocks")
        .with_columns(
            (pl.col("probability") * pl.col("dollars_at_stake").cast(pl.Float64)).alias(
                "expected_loss"
            )
        )  # fmt: skip
        .sort(
            [
                pl.col("expected_loss").fill_null(-1.0),
                "blocks",
                "findings",
                "charge",
                "patient_control_number",
                "line_number",
            ],
            descending=[True, True, True, True, False, False],
        )
        .with_row_index("rank", offset=1)
    )
    return Report(table.collect(), findings.collect())


def probability_findings(lines: pl.DataFrame, scores: pl.DataFrame, policy: Policy) -> pl.LazyFrame:
    """A finding for each line whose predicted denial probability reaches the blocking one."""
    threshold = policy.block_at_probability
    return (
        scores.lazy()
        .join(lines.lazy().select("claim_line_id"), on="claim_line_id")
        .filter(pl.col("probability") >= threshold)
        .select(
            "claim_line_id",
            pl.lit("denial_probability").alias("finding"),
            pl.lit("Predicted denial probability at or above the blocking one").alias("what"),
            pl.lit("high").alias("severity"),
            pl.format(
                "{}% predicted; blocking from {}%",
                (pl.col("probability") * 100).round(0).cast(pl.Int64),
                pl.lit(round(threshold * 100)),
            ).alias("evidence"),  # fmt: skip
            pl.lit("Fix the reasons the model gives, then check again.").alias("fix"),
            pl.lit(True).alias("blocks"),
        )
    )


def with_scores(lines: pl.LazyFrame, scores: pl.DataFrame | None) -> pl.LazyFrame:
    if scores is None:
        return lines.with_columns(
            pl.lit(None, pl.Float64).alias("probability"),
            pl.lit(None, pl.List(pl.String)).alias("reasons"),
        )
    return lines.join(
        scores.lazy().select("claim_line_id", "probability", "reasons"),
        on="claim_line_id", how="left",
    )  # fmt: skip


def with_prices(lines: pl.LazyFrame, prices: pl.DataFrame | None) -> pl.LazyFrame:
    """The code each line's payer prices it as and its expected allowed (docs/pricing.md): the
    price per unit times the units, or for a contract paying a share of charges, that share of
    the charge, rounded half up to the cent (as the marts price lines); none where the payer's
    history is too thin. The dollars at stake: the expected allowed where known, else the
    charge."""
    money = pl.Decimal(18, 2)
    exact = pl.Decimal(38, 6)
    if prices is None or prices.is_empty():
        priced = lines.with_columns(
            pl.lit(None, pl.String).alias("comparator_code"),
            pl.lit(None, pl.String).alias("price_basis"),
            pl.lit(None, money).alias("expected_allowed"),
        )
    else:
        per_payer = prices.lazy().select(
            "payer_id", pl.col("code").str.to_uppercase().alias("price_code"), "comparator_code",
            pl.col("basis").alias("price_basis"), "per_unit", "contract_method",
            "contract_amount")  # fmt: skip
        share_of_charge = (pl.col("price_basis") == "contract") & (
            pl.col("contract_method") == "percent")
        priced = (
            lines.with_columns(pl.col("procedure_code").str.to_uppercase().alias("price_code"))
            .join(per_payer, on=["payer_id", "price_code"], how="left")
            .with_columns(
                pl.when(share_of_charge)
                .then(pl.col("contract_amount").cast(exact) * pl.col("charge").cast(exact))
                .otherwise(pl.col("per_unit").cast(exact) * pl.col("units").cast(exact))
                .round(2, mode="half_away_from_zero")
                .cast(money)
                .alias("expected_allowed"))  # fmt: skip
            .drop("price_code", "per_unit", "contract_method", "contract_amount")
        )
    return priced.with_columns(
        pl.coalesce(pl.col("expected_allowed"), pl.col("charge").cast(money))
        .alias("dollars_at_stake"))  # fmt: skip


def documentation_columns() -> list[pl.Expr]:
    """The note's elements in words: those missing (with what each must show) and those present
    with the note's phrase that shows it."""
    missing = pl.concat_list([
        pl.when(~pl.col(f"has_{e}").fill_null(False)).then(pl.lit(e)) for e in ELEMENTS
    ]).list.drop_nulls()  # fmt: skip
    evidence = pl.concat_list([
        pl.when(pl.col(f"has_{e}").fill_null(False))
        .then(pl.format('{}: "{}"', pl.lit(e), pl.col(f"{e}_evidence").fill_null("")))
        for e in ELEMENTS
    ]).list.drop_nulls()  # fmt: skip
    needs = pl.concat_list([
        pl.when(~pl.col(f"has_{e}").fill_null(False))
        .then(pl.lit(f"{e}: {ELEMENT_NEEDS[e]}")) for e in ELEMENTS
    ]).list.drop_nulls()  # fmt: skip
    return [
        pl.when(pl.col("note_found")).then(missing.list.join(", "))
        .otherwise(pl.lit("no note for this visit")).alias("missing_elements"),
        pl.when(pl.col("note_found")).then(needs.list.join("; "))
        .otherwise(pl.lit("load the visit's treatment note (or give it with --notes)"))
        .alias("documentation_needs"),
        evidence.list.join("; ").alias("element_evidence"),
        pl.when(pl.col("narrative_required") & ~pl.col("narrative_present"))
        .then(pl.lit(NARRATIVE_NEEDS)).otherwise(pl.lit("")).alias("narrative_needs"),
        pl.coalesce(pl.col("description"), pl.col("line_note")).alias("narrative"),
    ]  # fmt: skip


# The worksheet's columns (`worksheet`): the report's column and the biller's heading.
WORKSHEET = {
    "rank": "Rank", "patient_control_number": "Claim (CLM01)", "line_number": "Line",
    "service_date": "Service date", "payer_name": "Payer", "payer_id": "Payer id",
    "rendering_name": "Rendering provider", "rendering_npi": "Rendering NPI",
    "procedure_code": "Code", "modifiers": "Modifiers", "units": "Units", "charge": "Charge",
    "blocks": "Blocks the batch", "denial_risk": "Predicted denial risk (%)",
    "dollars_at_stake": "Dollars at stake", "expected_allowed": "Expected allowed",
    "comparator_code": "Payer prices it as", "blocking": "Blocking findings",
    "finding_list": "All findings", "fixes": "How to fix", "risk_reasons": "Why this risk",
    "narrative": "Narrative on the claim", "narrative_needs": "Narrative needed",
    "missing_elements": "Note lacks", "documentation_needs": "The note must show",
    "element_evidence": "The note shows", "prior_authorization": "Prior authorization",
}  # fmt: skip


def worksheet(report: Report) -> pl.DataFrame:
    """The report's lines under the biller's headings, in rank order (CSV, Excel, the page)."""
    return report.lines.select(
        pl.exclude("probability", "reasons", "blocks"),
        (pl.col("probability") * 100).round(1).alias("denial_risk"),
        pl.col("reasons").list.join("; ").alias("risk_reasons"),
        pl.when(pl.col("blocks")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("blocks"),
    ).select([pl.col(c).alias(h) for c, h in WORKSHEET.items()])
