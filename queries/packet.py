"""The audit packet's content (docs/compliance.md): for a recorded sample or for a worklist
selection, the summary, the frame, the selected lines with their claim, remittance and
documentation detail, the rule findings on them, the appraisal and the figures of the charts.
Reads and computes only; unlisted/packet_writer.py writes the workbook and the PDF.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import polars as pl

from .. import __version__
from . import sampling
from .explore import element_statuses
from .metrics import ELEMENTS, Filters, selected_lines
from .sql import sql

# The frame's columns (line_adjudication), in frame order (claim_line_id).
FRAME_COLUMNS = ("claim_line_id", "claim_id", "patient_control_number", "service_date",
                 "payer_id", "rendering_npi", "location", "procedure_code", "modifiers", "units",
                 "charge", "net_paid")  # fmt: skip
# The selected lines' detail columns (packet/line_detail.sql), in the order written.
DETAIL_COLUMNS = (
    "claim_line_id", "claim_id", "patient_control_number", "service_date", "payer_id",
    "payer_name", "rendering_npi", "rendering_name", "location", "procedure_code", "modifiers",
    "units", "charge", "net_paid", "allowed", "expected_allowed", "patient_responsibility",
    "adjudicated", "final_denied", "initial_denial", "final_denial", "overturned", "recoded",
    "adjudicated_code", "first_remit_date", "remit_events", "payer_claim_numbers", "remit_traces",
    "payment_dates", "remark_codes", "description", "line_note", "narrative_present",
    "note_found", "note_id", "note_provider", "note_credentials", "note_minutes",
    "note_signed_date", "elements_present", "elements_found", "elements_missing",
    # each element present or missing, the narrative present, missing or not required
    *(f"element_{e}" for e in ELEMENTS), "claim_narrative",
    "element_evidence", "documentation_complete",
)  # fmt: skip


class PacketError(ValueError):
    """A packet that cannot be made as asked; the message says why."""


@dataclass
class Chart:
    """A bar chart's figures: one bar per label."""

    title: str
    labels: list[str]
    values: list[float]
    money: bool = False


@dataclass
class Packet:
    kind: str  # "sample" or "worklist"
    name: str  # file name stem: sample-3, worklist-2026-11-30
    title: str
    summary: list[tuple[str, object]]  # (item, value): text, int, Decimal money, date
    frame: pl.DataFrame
    lines: pl.DataFrame
    findings: pl.DataFrame
    charts: list[Chart]
    appraisal: list[tuple[str, str, object]] | None = None  # (figure, label, value)
    appraisal_note: str | None = None  # why there is no appraisal (sample not reviewed)
    # The attribute limits (sampling.appraise_attributes' intervals), for the PDF's table.
    attribute_limits: list[dict] | None = None
    made_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))


# How an appraisal figure is shown (text, rate, count, number or money): the writer formats the
# workbook's cells and the PDF's figures by it.
figure_kind = sampling.figure_kind


def rows(con: duckdb.DuckDBPyConnection, name: str, **params) -> pl.DataFrame:
    with con.cursor() as cursor:
        table = cursor.sql(sql(name), params=params or None).to_arrow_table()
    return pl.from_arrow(table)


def money_sum(column: pl.Series) -> Decimal:
    return sum((v for v in column.to_list() if v is not None), Decimal("0.00"))


def frame_lines(con: duckdb.DuckDBPyConnection, filters: Filters) -> pl.DataFrame:
    """The lines the filters select, in claim_line_id order, with their claim's risk score."""
    lines = selected_lines(con, filters, FRAME_COLUMNS).sort("claim_line_id").collect()
    lines = lines.with_columns(pl.col("net_paid").fill_null(Decimal("0.00")))
    scores = rows(con, "packet/claim_scores")
    return lines.join(scores, on="claim_id", how="left", maintain_order="left").with_columns(
        pl.col("claim_score").fill_null(Decimal("0.00")), pl.col("claim_findings").fill_null(0))


def line_detail(con: duckdb.DuckDBPyConnection, ids: list[int]) -> pl.DataFrame:
    detail = rows(con, "packet/line_detail", ids=ids)
    return detail.with_columns(**element_statuses(detail.schema)).select(DETAIL_COLUMNS)


def findings_of(con: duckdb.DuckDBPyConnection, ids: list[int]) -> pl.DataFrame:
    return rows(con, "packet/findings", ids=ids)


def rules_per_line(found: pl.DataFrame) -> pl.DataFrame:
    return found.group_by("claim_line_id").agg(
        findings=pl.len().cast(pl.Int64), rules=pl.col("rule").sort().str.join(", "))


def findings_chart(found: pl.DataFrame, what: str) -> Chart:
    counted = found.group_by("rule").agg(n=pl.len()).sort(["n", "rule"], descending=[True, False])
    return Chart(f"Rule findings on the {what} by rule (count)", counted["rule"].to_list(),
                 [float(v) for v in counted["n"].to_list()])  # fmt: skip


def sum_chart(lines: pl.DataFrame, by: str, value: str, title: str) -> Chart:
    summed = (lines.group_by(pl.col(by).fill_null("(none)"))
              .agg(total=pl.col(value).cast(pl.Float64).sum())
              .sort(["total", by], descending=[True, False]))  # fmt: skip
    return Chart(title, [str(v) for v in summed[by].to_list()], summed["total"].to_list(), True)


# ---------------------------------------------------------------------------------------------
# A recorded sample


def sample_packet(con: duckdb.DuckDBPyConnection, sample_id: int,
                  method: str = "hypergeometric") -> Packet:  # fmt: skip
    """The packet of a recorded sample: how it was drawn, its frame, its lines with detail and
    review results, the findings on them and the appraisal (when every line is reviewed; the
    attribute limits by `method`, hypergeometric or binomial)."""
    record = sampling.sample_record(con, sample_id)
    if record is None:
        raise PacketError(f"there is no sample {sample_id}")
    filters = sampling.filters_from_json(record["frame_filters"])
    sampled = sampling.sample_lines(con, sample_id)
    ids = sampled["claim_line_id"].to_list()
    found = findings_of(con, ids)
    stratified = record["stratify_by"] is not None
    strata = json.loads(record["strata"]) if record["strata"] else None

    frame = frame_lines(con, filters)
    if stratified:
        cuts = [Decimal(c) for c in strata["cuts"]] if strata.get("cuts") is not None else None
        names, _ = sampling.strata_of(frame, strata["by"], None, cuts)
        frame = frame.with_columns(stratum=pl.Series(names, dtype=pl.String))
    order = sampled.select("claim_line_id", "selection_order")
    frame = frame.join(order, on="claim_line_id", how="left", maintain_order="left")
    unchanged = (frame.height == record["frame_size"]
                 and money_sum(frame["net_paid"]) == record["frame_total_paid"]
                 and sampling.Frame(filters, frame.select(sampling.FRAME_COLUMNS)).fingerprint
                 == record["frame_fingerprint"])  # fmt: skip

    detail = line_detail(con, ids).rename({"net_paid": "net_paid_now"})
    lines = (sampled.select("selection_order", *(["stratum"] if stratified else []),
                            "claim_line_id", pl.col("paid_amount").alias("paid_at_sampling"),
                            "audited_amount", "in_error", pl.col("note").alias("review_note"),
                            "reviewed_at")  # fmt: skip
             .join(detail, on="claim_line_id", how="left", maintain_order="left")
             .join(rules_per_line(found), on="claim_line_id", how="left", maintain_order="left")
             .with_columns(pl.col("findings").fill_null(0),
                           difference=pl.col("paid_at_sampling") - pl.col("audited_amount")))
    first = ["selection_order", *(["stratum"] if stratified else []), *DETAIL_COLUMNS[:13],
             "paid_at_sampling", "net_paid_now"]
    last = ["findings", "rules", "audited_amount", "difference", "in_error", "review_note",
            "reviewed_at"]  # fmt: skip
    middle = [c for c in DETAIL_COLUMNS[13:] if c != "net_paid"]
    lines = lines.select(*first, *middle, *last)

    reviewed = lines.filter(pl.col("audited_amount").is_not_null())
    appraisal, note, result = None, None, None
    try:
        result = sampling.appraise(con, sample_id, method=method)
        appraisal = sampling.appraisal_rows(result)
    except sampling.SamplingError as exc:
        note = f"not appraised: {exc}"

    summary: list[tuple[str, object]] = [
        ("packet", f"audit sample {sample_id}"),
        ("made", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("made by", f"unlisted {__version__}"),
        ("sample", sample_id),
        ("method", record["method"] + (f" by {record['stratify_by']}, {record['allocation']} "
                                       "allocation" if stratified else "")),
        ("seed", str(record["seed"])),
        ("requested size", record["requested_size"]),
        ("sample size", record["sample_size"]),
        ("drawn at", record["created_at"].strftime("%Y-%m-%d %H:%M")),
        ("drawn by", f"unlisted {record['program_version']}"),
        ("random numbers", record["generator"]),
        *[(f"frame {k}", v) for k, v in filters.in_words()],
        ("frame size (lines)", record["frame_size"]),
        ("frame net paid", record["frame_total_paid"]),
        ("frame fingerprint (sha256)", record["frame_fingerprint"]),
        ("frame now", "unchanged: the same filters select the same lines and amounts"
         if unchanged else f"changed since drawing: now {frame.height} lines, net paid "
         f"{money_sum(frame['net_paid']):,.2f}; the Frame sheet shows it as it is now"),
    ]  # fmt: skip
    if stratified:
        for s in strata["strata"]:
            summary.append((f"stratum {s['stratum']}",
                            f"{s['sample_size']} of {s['frame_size']} lines, frame net paid "
                            f"${Decimal(s['frame_paid']):,.2f}"))  # fmt: skip
    summary += [
        ("lines reviewed", reviewed.height),
        ("lines in error", int(reviewed["in_error"].sum() or 0)),
        ("sample paid (at sampling)", money_sum(lines["paid_at_sampling"])),
        ("sample audited (reviewed lines)", money_sum(reviewed["audited_amount"])),
        ("overpayment in the sample", money_sum(reviewed["difference"])),
        ("rule findings on the sampled lines", found.height),
        ("sampled lines with a finding", int((lines["findings"] > 0).sum())),
    ]
    if result is not None:
        v = result["variables"]
        summary += [
            ("estimated overpayment (point estimate)", sampling.to_cents(v["point_estimate"])),
            *[(sampling.limit_label(key, v["confidence"]), sampling.to_cents(v[key]))
              for key in ("one_sided_lower", "two_sided_lower")],
            ("attribute limits", result["attributes"]["limits"]),
        ]  # fmt: skip
    else:
        summary.append(("appraisal", note))

    by = "stratum" if stratified else "payer_id"
    if reviewed.height:
        chart = sum_chart(reviewed, by, "difference",
                          f"Overpayment in the sample by {'stratum' if stratified else 'payer'}"
                          " ($, paid - audited)")  # fmt: skip
    else:
        chart = sum_chart(lines, by, "paid_at_sampling",
                          f"Paid in the sample by {'stratum' if stratified else 'payer'} ($, "
                          "not reviewed yet)")  # fmt: skip
    return Packet("sample", f"sample-{sample_id}", f"Audit packet: sample {sample_id}", summary,
                  frame, lines, found, [chart, findings_chart(found, "sampled lines")],
                  appraisal, note,
                  result["attributes"]["intervals"] if result is not None else None)  # fmt: skip


# ---------------------------------------------------------------------------------------------
# A worklist selection


def worklist_packet(con: duckdb.DuckDBPyConnection, filters: Filters,
                    min_score: float | None = None, top: int | None = None) -> Packet:  # fmt: skip
    """The packet of a worklist selection: the lines the filters select (the frame), those of
    the claims with a rule finding (and a severity score of at least min_score), the first `top`
    of them by dollars at risk (all when top is None), with their detail, and the findings on
    them. No sampling, no appraisal."""
    frame = frame_lines(con, filters)
    chosen = pl.col("claim_findings") > 0
    if min_score is not None:
        chosen = chosen & (pl.col("claim_score").cast(pl.Float64) >= min_score)
    if top is not None:
        kept = (frame.filter(chosen).select("claim_id", "worklist_rank").unique()
                .sort("worklist_rank").head(top)["claim_id"])  # fmt: skip
        chosen = chosen & pl.col("claim_id").is_in(kept.implode())
    frame = frame.with_columns(in_worklist=chosen)
    picked = (frame.filter("in_worklist").sort(["worklist_rank", "claim_line_id"])
              .select("claim_line_id", "claim_dollars_at_risk", "claim_score",
                      "claim_findings"))  # fmt: skip
    ids = picked["claim_line_id"].to_list()
    found = findings_of(con, ids)
    detail = line_detail(con, ids)
    lines = (picked.join(detail, on="claim_line_id", how="left", maintain_order="left")
             .join(rules_per_line(found), on="claim_line_id", how="left", maintain_order="left")
             .with_columns(pl.col("findings").fill_null(0)))
    lines = lines.select("claim_dollars_at_risk", "claim_score", "claim_findings",
                         *DETAIL_COLUMNS, "findings", "rules")
    frame = frame.drop("worklist_rank")
    stamp = dt.date.today().isoformat()
    summary: list[tuple[str, object]] = [
        ("packet", "worklist selection"),
        ("made", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
        ("made by", f"unlisted {__version__}"),
        *[(f"filter {k}", v) for k, v in filters.in_words()],
        ("claims", "every claim with a finding" if top is None
         else f"the first {top:,} by dollars at risk"),
        ("minimum claim severity score", "none (claims with a finding)" if min_score is None
         else min_score),
        ("frame size (lines)", frame.height),
        ("frame net paid", money_sum(frame["net_paid"])),
        ("selected lines", lines.height),
        ("selected claims", lines["claim_id"].n_unique()),
        ("selected lines' net paid", money_sum(lines["net_paid"])),
        ("rule findings on the selected lines", found.height),
        *[(f"findings of severity {s}", int((found["severity"] == s).sum()))
          for s in ("high", "medium", "low")],
    ]  # fmt: skip
    charts = [sum_chart(lines, "payer_id", "net_paid",
                        "Net paid on the selected lines by payer ($)"),
              findings_chart(found, "selected lines")]  # fmt: skip
    return Packet("worklist", f"worklist-{stamp}", "Audit packet: worklist selection", summary,
                  frame, lines, found, charts)  # fmt: skip
