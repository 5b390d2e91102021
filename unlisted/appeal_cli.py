"""`unlisted appeal`: draft appeal letters (DOCX and PDF) for the appealable denials, record the
appeals sent, and list them open and closed (docs/appeals.md)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from .options import (
    ConfigOption,
    DbOption,
    FormatOption,
    existing_database,
    fail,
    safe_text,
    settings_or_exit,
    write_out,
)
from .settings import metric_settings

appeal_app = typer.Typer(
    help="Appeal letters for denied claims, and the appeals sent.", add_completion=False
)

AsOfOption = Annotated[
    datetime.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"],
                 help="The date the appeal windows and ages count to (default today)."),
]  # fmt: skip
AMBIGUOUS = "the claim number is on claims of several payers ({}): say which with --payer"
NOT_FOUND = "no claim in force has that claim number (at that payer)"


def read_only(db: Path | None) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(existing_database(db)), read_only=True)


def sender_of(config: dict):
    from .queries.appeal_letter import Sender

    return Sender.of(config["appeal_letters"])


@appeal_app.command()
def draft(
    claim: Annotated[
        list[str] | None,
        typer.Option(
            "--claim",
            help="CLM01 of a claim to write (repeat for several; default: every claim "
            "of the appealable list).",
        ),
    ] = None,
    payer: Annotated[str | None, typer.Option(help="Only this payer's claims.")] = None,
    out: Annotated[Path, typer.Option(help="Folder the letters are written to.")] = Path(
        "appeal-letters"
    ),
    db: DbOption = None,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
) -> None:
    """One editable letter (DOCX) and its PDF per claim: the lines, the denial codes and what
    they mean, the narrative, the note's evidence for each documentation element, the rendering
    provider, the comparable code and its value, and the request the denial calls for. What the
    record does not show is listed in the letter as to complete before sending. A claim the
    payer found unprocessable (CO-16 with MA130) gets a notice to correct and resubmit instead."""
    from .queries.appeal_letter import AmbiguousClaim, ClaimNotFound, NoDeniedLine, appeal_letter
    from .queries.metrics import Filters, Settings, appealable_denials, selected_lines
    from .queries.pricing import comparator_prices

    settings = settings_or_exit(config)
    day = as_of.date() if as_of else datetime.date.today()
    codes = list(settings["metrics"]["codes"])
    con = read_only(db)
    try:
        if claim:
            wanted = [(payer, c) for c in claim]
        else:
            filters = Filters(codes=tuple(codes), payers=(payer,) if payer else ())
            lines = appealable_denials(selected_lines(con, filters),
                                       Settings(**metric_settings(settings, day)))  # fmt: skip
            keys = lines.select("payer_id", "patient_control_number").unique(
                maintain_order=True).collect()  # fmt: skip
            wanted = list(keys.iter_rows())
        pricing = settings["pricing"]
        prices = comparator_prices(con, codes, day, pricing["history_months"],
                                   pricing["min_lines"])  # fmt: skip
        policies = dict(settings["appeal_letters"]["payer_policy"])
        written = []
        for payer_id, number in wanted:
            try:
                letter = appeal_letter(con, number, payer_id, prices, codes, sender_of(settings),
                                       policies, day)  # fmt: skip
            except AmbiguousClaim as exc:
                raise fail(AMBIGUOUS.format(", ".join(exc.payers))) from None
            except ClaimNotFound:
                raise fail(NOT_FOUND) from None
            except NoDeniedLine:
                raise fail("a claim named has no finally denied line: nothing to appeal") from None
            written.append((letter, write_letter_files(letter, out)))
    finally:
        con.close()
    console = Console(emoji=False)
    if not written:
        console.print(f"No appealable denial as of {day} (the appeal windows of the settings' "
                      "[appeals] count from each denial's remittance date; --as-of sets the "
                      "day): no letter written.", markup=False)  # fmt: skip
        return
    table = Table(title=f"Letters in {safe_text(out)}")
    for name in ("payer", "claim", "kind", "to complete", "files"):
        table.add_column(name)
    for letter, (docx_path, pdf_path) in written:
        table.add_row(safe_text(letter.payer_id), safe_text(letter.patient_control_number),
                      "no appeal: correct and resubmit" if letter.kind == "resubmit"
                      else letter.kind, str(len(letter.to_complete)),
                      f"{safe_text(docx_path.name)}, {safe_text(pdf_path.name)}")  # fmt: skip
    console.print(table)


def write_letter_files(letter, out: Path) -> tuple[Path, Path]:
    from .appeal_writer import write_letter

    return write_letter(letter, out)


@appeal_app.command()
def mark(
    claim: Annotated[str, typer.Argument(help="CLM01 of the claim appealed.")],
    sent: Annotated[
        datetime.datetime,
        typer.Option("--sent", formats=["%Y-%m-%d"], help="Date the appeal was sent."),
    ],
    payer: Annotated[
        str | None,
        typer.Option(help="Payer id (needed when several payers have a claim with this CLM01)."),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(help="Appeal level: one of appeal_letters.levels of the settings (default: "
                          "the first)."),
    ] = None,
    note: Annotated[str | None, typer.Option(help="A note kept with the appeal.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Record that the claim's finally denied lines were appealed on the sent date. Later
    remittances close the appeal: overturned when the payer pays, upheld when it denies again."""
    from .etl.appeals import AppealRefused, record_appeal
    from .etl.database import connect
    from .etl.errors import InputError
    from .pipeline import update_marts
    from .queries.appeal_letter import AmbiguousClaim, ClaimNotFound
    from .queries.marts import ReferenceListError

    settings = settings_or_exit(config)
    levels = settings["appeal_letters"]["levels"]
    chosen = level or levels[0]
    if chosen not in levels:
        raise typer.BadParameter(f"must be one of: {', '.join(levels)}", param_hint="--level")
    path = existing_database(db)
    try:
        con = connect(path)
    except InputError as exc:
        raise fail(str(exc)) from None
    try:
        update_marts(con, settings)
        recorded = record_appeal(con, claim, payer, sent.date(), chosen, note,
                                 datetime.date.today())  # fmt: skip
    except AmbiguousClaim as exc:
        raise fail(AMBIGUOUS.format(", ".join(exc.payers))) from None
    except ClaimNotFound:
        raise fail(NOT_FOUND) from None
    except AppealRefused as exc:
        raise fail(f"Not recorded: {exc}.") from None
    except ReferenceListError as exc:
        raise fail(f"Not recorded: the figures cannot be brought up to date: {exc}") from None
    finally:
        con.close()
    Console(emoji=False).print(
        f"Recorded appeal {recorded.appeal_id} to {safe_text(recorded.payer_id)}: "
        f"{recorded.lines} denied line(s), sent {sent.date()}, {safe_text(chosen)}."
    )


LIST_COLUMNS = ("appeal_id", "payer_id", "patient_control_number", "line_number",
                "procedure_code", "service_date", "sent_date", "level", "outcome", "age_days",
                "days_open", "at_stake", "paid", "closed_date")  # fmt: skip


@appeal_app.command("list")
def list_appeals(
    output: FormatOption = "table",
    db: DbOption = None,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
) -> None:
    """The appeals sent, one row per appealed line: the open ones by age (days since sent) and
    dollars at stake, oldest first, then the closed ones with their outcome; and the overturn
    rate over the appeals answered."""
    import polars as pl

    from .queries.metrics import Filters, Settings, appeal_figures, appeal_outcomes, open_appeals

    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("must be table, csv or json", param_hint="--format")
    settings = settings_or_exit(config)
    day = as_of.date() if as_of else datetime.date.today()
    figure_settings = Settings(**metric_settings(settings, day))
    con = read_only(db)
    try:
        outcomes = appeal_outcomes(con, Filters(codes=tuple(settings["metrics"]["codes"])))
        opened = open_appeals(outcomes, figure_settings).collect()
        closed = (
            outcomes.filter(pl.col("outcome") != "open")
            .with_columns(age_days=pl.lit(None, pl.Int64))
            .sort("closed_date", "appeal_id", descending=[True, False])
            .collect()
        )
        figures = appeal_figures(outcomes, figure_settings)
    except duckdb.CatalogException:
        raise fail(
            "The database has no appeals yet: run unlisted load, then unlisted appeal mark."
        ) from None
    finally:
        con.close()
    rows = pl.concat([opened.select(LIST_COLUMNS), closed.select(LIST_COLUMNS)])
    if output == "json":
        from .queries.metrics import exact_rows

        write_out(json.dumps({"appeals": rows.to_dicts(), "figures": exact_rows(figures)},
                             default=str, indent=1) + "\n")  # fmt: skip
        return
    if output == "csv":
        from .queries.spreadsheet import neutralised

        write_out(neutralised(rows).write_csv())
        return
    console = Console(emoji=False)
    table = Table(title=f"Appeals sent, as of {day}")
    for name in LIST_COLUMNS:
        table.add_column(name.replace("_", " "))
    for row in rows.iter_rows():
        table.add_row(*("" if v is None else safe_text(v) for v in row))
    console.print(table)
    rate = figures.filter(pl.col("metric") == "appeal_overturn_rate").to_dicts()[0]
    shown = (
        ("suppressed: " + rate["reason"])
        if rate["suppressed"]
        else ("n/a" if rate["value"] is None else f"{rate['value']:.1%}")
    )
    console.print(
        f"Overturn rate over appeals answered: {int(rate['numerator'] or 0)} of "
        f"{int(rate['denominator'] or 0)} ({shown})."
    )
