"""`unlisted rules`: the billing rule findings worklist (README "Rule checks"), riskiest claims
first, as a table, CSV or JSON."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from .settings import ConfigError, database_path, load_config

FORMULA_STARTS = ("=", "+", "-", "@")


def rules(
    db: Annotated[
        Path | None,
        typer.Option("--db", help="DuckDB file (default: $UNLISTED_DB, else ./unlisted.duckdb)."),
    ] = None,
    code: Annotated[
        list[str] | None, typer.Option(help="Procedure codes in scope (default: [metrics] codes).")
    ] = None,
    date_from: Annotated[
        datetime.datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First date.")
    ] = None,
    date_to: Annotated[
        datetime.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last date.")
    ] = None,
    basis: Annotated[
        str, typer.Option(help="Dates are service dates or payment (first remittance) dates.")
    ] = "service",
    payer: Annotated[list[str] | None, typer.Option(help="Payer ids (repeat for several).")] = None,
    provider: Annotated[list[str] | None, typer.Option(help="Rendering provider NPIs.")] = None,
    location: Annotated[
        list[str] | None, typer.Option(help="Locations (service facility names).")
    ] = None,
    modifier: Annotated[
        list[str] | None, typer.Option(help="Modifiers (any of them on the line).")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Settings file (default: $UNLISTED_CONFIG, else built-in)."),
    ] = None,
) -> None:
    """Billing rule findings with their evidence (no narrative, no GP, same-day similar code,
    units, prior authorization, documentation, late signature, minutes vs units, recoded), one
    row per finding, riskiest claims first. The rules are set in unlisted/rules.toml or
    $UNLISTED_RULES and checked when the marts are rebuilt (unlisted load)."""
    from .queries.metrics import Filters
    from .queries.rules import findings

    err = Console(stderr=True)
    if basis not in ("service", "payment"):
        raise typer.BadParameter("must be service or payment", param_hint="--basis")
    if output not in ("table", "json", "csv"):
        raise typer.BadParameter("must be table, csv or json", param_hint="--format")
    try:
        settings = load_config(config)
    except ConfigError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    path = database_path(db)
    if not path.exists():
        err.print(f"[red]No database at {path}: load files first.[/red]")
        raise typer.Exit(1)
    filters = Filters(
        codes=tuple(code or settings["metrics"]["codes"]),
        start=date_from.date() if date_from else None,
        end=date_to.date() if date_to else None,
        basis=basis,
        payers=tuple(payer or ()),
        providers=tuple(provider or ()),
        locations=tuple(location or ()),
        modifiers=tuple(modifier or ()),
    )
    con = duckdb.connect(str(path), read_only=True)
    try:
        found = findings(con, filters)
    except duckdb.CatalogException:
        err.print("[red]The database has no rule findings yet: run unlisted load.[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    if output == "json":
        print(found.write_json())
    elif output == "csv":
        print(neutralised(found).write_csv(), end="")
    else:
        print_findings(found)


def neutralised(frame):
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    import polars as pl

    text = [name for name, kind in frame.schema.items() if kind == pl.String]
    return frame.with_columns(
        pl.when(pl.any_horizontal([pl.col(c).str.starts_with(s) for s in FORMULA_STARTS]))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def print_findings(found) -> None:
    if found.is_empty():
        Console().print("No rule findings in this selection.")
        return
    table = Table(title_justify="left")
    for column in ("claim", "date", "code", "score", "severity", "rule", "evidence"):
        table.add_column(column, justify="right" if column == "score" else "left")
    for row in found.iter_rows(named=True):
        table.add_row(
            row["patient_control_number"],
            str(row["service_date"] or ""),
            row["procedure_code"],
            f"{row['claim_score']:g}",
            row["severity"],
            row["rule"],
            row["evidence"],
        )
    Console().print(table)
    claims = found["claim_id"].n_unique()
    Console().print(f"{found.height} findings on {claims} claims.")
