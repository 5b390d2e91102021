"""The biller's worksheet of a pre-submission check (.xlsx): Lines (ranked, with the fixes),
Findings (one row per finding) and About (the files and the model behind the figures). Used by
`unlisted check --excel` and the Before you send page's download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

import polars as pl
import xlsxwriter

from .queries.presubmission import worksheet
from .queries.spreadsheet import write_sheet

PHI = "Contains PHI - handle accordingly"


def write_worksheet(checked, target: Path | BinaryIO) -> None:
    """Write the workbook to a path or a binary stream."""
    report = checked.report
    lines = report.lines.select("claim_line_id", "patient_control_number", "line_number")
    findings = report.findings.join(lines, on="claim_line_id").select(
        pl.col("patient_control_number").alias("Claim (CLM01)"),
        pl.col("line_number").alias("Line"),
        pl.col("what").alias("Finding"),
        pl.col("severity").alias("Severity"),
        pl.when(pl.col("blocks")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("Blocks"),
        pl.col("evidence").alias("What was seen"),
        pl.col("fix").alias("How to fix"),
    )
    book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target,
                               {"in_memory": True})  # fmt: skip
    try:
        write_sheet(book, "Lines", worksheet(report))
        write_sheet(book, "Findings", findings)
        write_sheet(book, "About", about(checked))
    finally:
        book.close()


def about(checked) -> pl.DataFrame:
    report = checked.report
    model = report.model
    rows = [
        ("Checked", dt.datetime.now().isoformat(sep=" ", timespec="seconds")),
        ("Files", ", ".join(Path(f.file).name for f in checked.files)),
        ("Lines checked", str(report.lines.height)),
        ("Lines that block the batch", str(report.lines.filter("blocks").height)),
        ("Denial model", "none trained (unlisted model train)" if model is None
         else f"model {model['model_id']}, trained on {model['lines']:,} lines first answered "
              f"before {model['cutoff']} (fingerprint {str(model['fingerprint'])[:12]})"),
        *((f"Notice {n}", text) for n, text in enumerate(report.notices, start=1)),
        ("Note", PHI),
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=["About", "Value"], orient="row")
