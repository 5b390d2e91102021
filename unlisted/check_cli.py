"""`unlisted check FILE.837...`: the batch before it is sent (docs/before-you-send.md). Exit status
0 when nothing blocks, 1 when a line has a blocking finding or a file cannot be read as claims,
2 for a usage error, so that a billing pipeline can stop a batch."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .options import ConfigOption, DbOption, fail, safe_text, settings_or_exit, write_out
from .settings import database_path

FORMATS = ("table", "json", "csv")


def check(
    files: Annotated[
        list[Path],
        typer.Argument(help="Outgoing 837P files (or folders, archives).", show_default=False),
    ],
    notes: Annotated[
        list[Path] | None,
        typer.Option(
            "--notes",
            help="Treatment notes of the batch's visits not yet loaded (CSV or JSON "
            "lines, as `unlisted load` reads them); repeat for several.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    as_of: Annotated[
        datetime.datetime | None,
        typer.Option(
            "--as-of",
            formats=["%Y-%m-%d"],
            help="Day the payers' price history ends (default: today).",
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    excel: Annotated[
        Path | None, typer.Option("--excel", help="Also write the biller's worksheet (.xlsx) here.")
    ] = None,
) -> None:
    """Check an outgoing 837P batch before it is sent, without loading it: for every line of a
    target code, the narrative, the visit's note (each element, with the note's words for those
    present), the billing rules, the payer's authorization, the predicted denial risk with its
    reasons (when a model is trained: `unlisted model train`) and the payer's price. Lines are
    ranked by what is at risk. The database is only read."""
    from .etl.errors import InputError
    from .presubmission import check_batch
    from .queries.marts import ReferenceListError

    if output not in FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(FORMATS)}", param_hint="--format")
    missing = [p for p in [*files, *(notes or [])] if not p.exists()]
    if missing:
        raise fail(f"No such file: {missing[0]}", 2)
    settings = settings_or_exit(config)
    try:
        checked = check_batch(database_path(db), files, settings, notes=notes or [],
                              as_of=as_of.date() if as_of else None)  # fmt: skip
    except (InputError, ReferenceListError) as exc:
        raise fail(getattr(exc, "message", str(exc)), 2) from None
    report = checked.report
    if excel is not None:
        from .check_writer import write_worksheet

        write_worksheet(checked, excel)
    if output == "json":
        write_out(json.dumps(as_json(checked), indent=2, default=str) + "\n")
    elif output == "csv":
        from .queries.presubmission import worksheet
        from .queries.spreadsheet import neutralised

        write_out(neutralised(worksheet(report)).write_csv())
    else:
        print_report(checked)
    if checked.unusable or report.blocked:
        raise typer.Exit(1)


def as_json(checked) -> dict:
    """The report as one JSON document: the files, then each line with its findings."""
    report = checked.report
    findings = report.findings.partition_by("claim_line_id", as_dict=True, include_key=False)
    lines = []
    for row in report.lines.iter_rows(named=True):
        found = findings.get((row["claim_line_id"],))
        lines.append(row | {"findings": found.to_dicts() if found is not None else []})
    return {
        "blocked": bool(checked.unusable) or report.blocked,
        "files": [f.to_json() for f in [*checked.files, *checked.notes]],
        "notices": report.notices,
        "model": report.model,
        "lines": lines,
    }


def print_report(checked) -> None:
    out = Console(emoji=False, highlight=False)
    for result in checked.unusable:
        out.print(f"[red]{safe_text(Path(result.file).name)}: {result.status}: "
                  f"{safe_text(result.message)}[/red]")  # fmt: skip
    for notice in checked.report.notices:
        out.print(f"[yellow]{safe_text(notice)}[/yellow]")
    lines = checked.report.lines
    if lines.is_empty():
        out.print("No line of a target code in this batch.")
        return
    table = Table(title_justify="left")
    for column in ("#", "claim", "line", "code", "payer", "risk", "at stake", "blocks",
                   "findings", "note lacks"):  # fmt: skip
        table.add_column(column, justify="right" if column in ("#", "line", "risk", "at stake")
                         else "left")  # fmt: skip
    for row in lines.iter_rows(named=True):
        risk = row["probability"]
        table.add_row(
            str(row["rank"]), safe_text(row["patient_control_number"]), str(row["line_number"]),
            safe_text(row["procedure_code"]), safe_text(row["payer_name"] or row["payer_id"]),
            "" if risk is None else f"{risk:.0%}", f"${row['dollars_at_stake']:,.2f}",
            "[red]yes[/red]" if row["blocks"] else "no",
            safe_text(row["finding_list"]) or "none", safe_text(row["missing_elements"]) or "none",
        )  # fmt: skip
    out.print(table)
    blocking = lines.filter("blocks").height
    out.print(
        f"{lines.height} lines checked; {blocking} block the batch. "
        "--format json or csv, or --excel, for the fixes and the note's evidence."
    )
    if checked.report.model is None:
        out.print("No denial model is trained, so no risk is predicted: unlisted model train.")
