"""Data: the files loaded, their status and warnings, and quarantined input with its reasons."""

from __future__ import annotations

import dash
import polars as pl
from dash import html

from ...access.roles import FILES
from ...queries.explore import json_ready
from .. import components as ui
from ..data import Data
from ..page_parts import figure_page
from ..view import View

# Not filtered: every file loaded, whatever the filter bar says.
dash.register_page(__name__, path="/data", name="Data", title="Data · unlisted", order=7,
                   roles=FILES, prefix="data", filters=False,
                   exports=("files", "warnings", "rejects"))
INTRO = ("Every file loaded, what it held, and what was left out and why. Loads run with "
         "unlisted load; this page shows them once they finish.")

BATCHES = [
    ui.column("loaded_at", "Loaded at", minWidth=160), ui.column("file_name", "File", flex=2,
                                                                 minWidth=300,
                                                                 tooltipField="file_name"),
    ui.column("kind", "Kind", minWidth=120), ui.column("status", "Status", maxWidth=110),
    ui.column("claims", "Claims or records", "count"), ui.column("lines", "Lines", "count"),
    ui.column("total_charge", "Charges", "money"), ui.column("total_paid", "Paid", "money"),
    ui.column("warnings", "Warnings", "count", maxWidth=120),
    ui.column("rejects", "Rejects", "count", maxWidth=110),
    ui.column("message", "Message", flex=2, minWidth=220, tooltipField="message"),
]  # fmt: skip
WARNINGS = [
    ui.column("file_name", "File", flex=2), ui.column("location", "Where"),
    ui.column("code", "Code"), ui.column("message", "What", flex=3),
]  # fmt: skip
RECONCILIATION = [
    ui.column("file_name", "835 file", flex=2, minWidth=260, tooltipField="file_name"),
    ui.column("payments", "Payments", "count", maxWidth=120),
    ui.column("paid", "Paid (BPR02)", "money"),
    ui.column("attributed", "To claim lines", "money"),
    ui.column("interest", "Interest (AMT*I)", "money"),
    ui.column("claim_not_found", "Claim not found", "money"),
    ui.column("line_not_matched", "Line not matched", "money"),
    ui.column("claim_amount_not_in_lines", "Claim amount not in lines", "money"),
    ui.column("voided_claim", "Voided claims", "money"),
    ui.column("provider_adjustment", "Provider adjustments (PLB)", "money"),
    ui.column("payment_imbalance", "File out of balance", "money"),
    ui.column("difference", "Unaccounted", "money"),
]  # fmt: skip
REJECTS = [
    ui.column("file_name", "File", flex=2), ui.column("scope", "Left out", maxWidth=130),
    ui.column("location", "Where"), ui.column("code", "Code"), ui.column("reason", "Why", flex=3),
]  # fmt: skip


def draw(data: Data, _view: View, search: str):
    files = data.files()
    batches = json_ready(files["batches"]).with_columns(
        loaded_at=files["batches"]["loaded_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    counts = batches["status"].value_counts().to_dicts() if batches.height else []
    summary = ", ".join(f"{c['count']:,} {c['status']}" for c in counts) or "no file yet"
    # beyond 1,000 of a code in a file, warnings are counted, not listed one by one
    listed, counted = files["warnings"].height, int(batches["warnings"].sum() or 0)
    shown = f"{counted:,}; {listed:,} listed" if counted > listed else f"{listed:,}"
    # rejects too, by scope and code
    listed, counted = files["rejects"].height, int(batches["rejects"].sum() or 0)
    quarantined = f"{counted:,}; {listed:,} listed" if counted > listed else f"{listed:,}"
    return [
        html.P(f"{batches.height:,} files: {summary}.", className="period"),
        ui.card("Files", ui.table("files", batches.to_dicts(), BATCHES, clickable=False),
                "files", search),
        ui.card("Where each 835's money went", reconciliation(files["reconciliation"]),
                "reconciliation", search,
                note="Paid = to claim lines + every other column, to the cent. Money that "
                     "reached no claim line is listed with its reason; interest and provider "
                     "adjustments never count as a line's payment."),
        ui.card(f"Warnings ({shown})",
                ui.table("warnings", files["warnings"].to_dicts(), WARNINGS, clickable=False,
                         empty_text="No warnings."), "warnings", search,
                note="The file loaded; something in it deserves a look."),
        ui.card(f"Quarantined input ({quarantined})",
                ui.table("rejects", files["rejects"].to_dicts(), REJECTS, clickable=False,
                         empty_text="Nothing quarantined."), "rejects", search,
                note="Left out of the database; fix the source and load the file again."),
    ]  # fmt: skip


def reconciliation(frame):
    """The files' reconciliation with a total row first (all 835 files together)."""
    if frame.height == 0:
        return ui.empty("No 835 file loaded yet.")
    figures = [c["field"] for c in RECONCILIATION[1:]]
    # Summed as exact decimals, then shown like the rows.
    total = frame.select(pl.lit(f"All {frame.height:,} files").alias("file_name"),
                         pl.col(figures).sum())  # fmt: skip
    rows = json_ready(pl.concat([total, frame], how="vertical_relaxed")).to_dicts()
    return ui.table("reconciliation", rows, RECONCILIATION, clickable=False)


layout, register = figure_page(__name__, INTRO, draw, needs_lines=False)
