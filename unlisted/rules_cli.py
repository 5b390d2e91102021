"""`unlisted rules`: the billing rule findings worklist (docs/compliance.md), riskiest claims
first, as a table, CSV or JSON; `unlisted rules packet`: the worklist selection's audit packet
(docs/compliance.md, "Audit packets")."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from .options import (
    BasisOption,
    CodeOption,
    ConfigOption,
    DbOption,
    FormatOption,
    FromOption,
    LocationOption,
    ModifierOption,
    PayerOption,
    ProviderOption,
    ToOption,
    chosen_lines,
    safe_text,
    write_out,
)
from .settings import database_path

if TYPE_CHECKING:  # Polars loads only when a command needs it
    from .queries.metrics import Filters

rules_app = typer.Typer(
    help="Billing rule findings (the worklist), and the worklist's audit packet.",
    add_completion=False,
)


def opened(err: Console, db, config, code, date_from, date_to, basis, payer, provider, location,
           modifier) -> tuple[duckdb.DuckDBPyConnection, Filters]:  # fmt: skip
    """A read-only connection to the database and the filters the options make; a clear
    message and exit status when either cannot be had."""
    _, filters = chosen_lines(config, code, date_from, date_to, basis, payer, provider, location,
                              modifier)  # fmt: skip
    path = database_path(db)
    if not path.exists():
        err.print(f"[red]No database at {path}: load files first.[/red]")
        raise typer.Exit(1)
    return duckdb.connect(str(path), read_only=True), filters


@rules_app.callback(invoke_without_command=True)
def rules(
    ctx: typer.Context,
    db: DbOption = None,
    code: CodeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    basis: BasisOption = "service",
    payer: PayerOption = None,
    provider: ProviderOption = None,
    location: LocationOption = None,
    modifier: ModifierOption = None,
    output: FormatOption = "table",
    config: ConfigOption = None,
    top: Annotated[int | None, typer.Option(
        "--top", min=1, help="Only the first N claims (default: worklist_claims of the ranking "
                             "table of the rules file, 25).")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every claim with a finding.")] = False,
    facts: Annotated[bool, typer.Option(
        "--facts", help="List the facts the rules lacked (lines left unchecked) instead.")] = False,
) -> None:
    """Billing rule findings with their evidence (narrative, therapy and discipline modifiers,
    assistants, same-day similar codes, units, prior authorization, documentation, signature,
    minutes vs units, the Medicare therapy threshold, recoding), one row per finding, claims by
    dollars at risk. The rules are set in unlisted/rules.toml or $UNLISTED_RULES and checked when
    the marts are rebuilt (unlisted load); docs/rule-checks.md says what each needs. `unlisted
    rules packet` writes the worklist's audit packet (Excel and PDF)."""
    if ctx.invoked_subcommand is not None:
        return
    from .queries.rules import fact_gaps, findings

    err = Console(stderr=True)
    if output not in ("table", "json", "csv"):
        raise typer.BadParameter("must be table, csv or json", param_hint="--format")
    con, filters = opened(err, db, config, code, date_from, date_to, basis, payer, provider,
                          location, modifier)
    try:
        if facts:
            gaps = fact_gaps(con)
            found = None
        else:
            found = findings(con, filters, top=None if every else top,
                             default_top=not every and top is None)
    except duckdb.CatalogException:
        err.print("[red]The database has no rule findings yet: run unlisted load.[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    if facts:
        print_table(gaps, output, print_fact_gaps)
        return
    print_table(found, output, print_findings)


def print_table(frame, output: str, as_table) -> None:
    if output == "json":
        write_out(frame.write_json() + "\n")
    elif output == "csv":
        from .queries.spreadsheet import neutralised

        write_out(neutralised(frame).write_csv())
    else:
        as_table(frame)


def print_fact_gaps(gaps) -> None:
    if gaps.is_empty():
        Console().print("Every rule had the facts it needs for every line.")
        return
    table = Table(title="Facts the rules lacked: these lines were not checked",
                  title_justify="left")
    for column in ("rule", "fact", "lines", "how to supply it"):
        table.add_column(column, justify="right" if column == "lines" else "left")
    for row in gaps.iter_rows(named=True):
        table.add_row(row["rule"], safe_text(row["fact"]), f"{row['lines']:,}",
                      safe_text(row["how_to_supply"]))
    Console(emoji=False).print(table)


def print_findings(found) -> None:
    if found.is_empty():
        Console().print("No rule findings in this selection.")
        return
    table = Table(title_justify="left")
    for column in ("#", "claim", "at risk", "date", "code", "severity", "rule", "evidence"):
        table.add_column(column, justify="right" if column in ("#", "at risk") else "left")
    for row in found.iter_rows(named=True):
        at_risk = row["claim_dollars_at_risk"]
        table.add_row(
            str(row["claim_rank"]),
            safe_text(row["patient_control_number"]),
            "" if at_risk is None else f"${at_risk:,.2f}",
            str(row["service_date"] or ""),
            safe_text(row["procedure_code"]),
            row["severity"],
            row["rule"],
            safe_text(row["evidence"]),  # quotes the file: no markup, no control characters
        )
    Console(emoji=False).print(table)
    claims = found["claim_id"].n_unique()
    Console().print(f"{found.height} findings on {claims} claims, by dollars at risk "
                    "(--all for every claim, --facts for the facts the rules lacked).")


@rules_app.command()
def packet(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the packet into.")],
    min_score: Annotated[
        float | None,
        typer.Option("--min-score", min=0,
                     help="Only claims with at least this risk score (default: any finding)."),
    ] = None,
    db: DbOption = None,
    code: CodeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    basis: BasisOption = "service",
    payer: PayerOption = None,
    provider: ProviderOption = None,
    location: LocationOption = None,
    modifier: ModifierOption = None,
    paper: Annotated[str, typer.Option(help="PDF paper size: A4 or Letter.")] = "A4",
    config: ConfigOption = None,
    top: Annotated[int | None, typer.Option(
        "--top", min=1, help="Only the first N claims by dollars at risk (default: worklist_"
                             "claims of the ranking table of the rules file, 25).")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every claim with a finding.")] = False,
) -> None:
    """Write the worklist selection's audit packet: worklist-DATE.xlsx (Summary, Frame, Lines of
    the first claims by dollars at risk (--top, --all; and at least --min-score) with claim,
    remit and documentation detail, Findings) and worklist-DATE.pdf (summary and charts). The
    files contain PHI."""
    from .packet_writer import PAPERS, write_packet
    from .queries.packet import worklist_packet
    from .queries.rules import worklist_claims

    err = Console(stderr=True, highlight=False)
    if paper.lower() not in {p.lower() for p in PAPERS}:
        raise typer.BadParameter(f"must be one of {', '.join(PAPERS)}", param_hint="--paper")
    con, filters = opened(err, db, config, code, date_from, date_to, basis, payer, provider,
                          location, modifier)
    try:
        made = worklist_packet(con, filters, min_score,
                               None if every else top or worklist_claims(con))
    except duckdb.CatalogException:
        err.print("[red]The database has no rule findings yet: run unlisted load.[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    try:
        xlsx, pdf = write_packet(made, out, paper)
    except OSError as exc:
        err.print(f"[red]cannot write the packet into {out}: {exc}[/red]")
        raise typer.Exit(1) from None
    Console(highlight=False).print(
        f"Worklist packet: {xlsx} ({made.lines.height} lines on "
        f"{made.lines['claim_id'].n_unique()} claims, {made.findings.height} findings, "
        f"{made.frame.height:,} frame lines) and {pdf}. They contain PHI.")
