"""The `unlisted` command: a thin shell over etl/, queries/ and dashboard/."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .etl.database import connect
from .etl.errors import InputError
from .etl.load import FileResult, Loader, expand_paths
from .queries.data_dictionary import data_dictionary
from .settings import database_path

app = typer.Typer(
    name="unlisted",
    help="Audit and reimbursement analytics for unlisted procedure codes (CPT 97139).",
    no_args_is_help=True,
    add_completion=False,
)
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $UNLISTED_DB, else ./unlisted.duckdb)."),
]


@app.callback()
def main() -> None:
    """unlisted: load claims and remittances, then analyse 97139 denials, payments and
    documentation."""


@app.command()
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="837P / 835 files, claims or remits CSVs, or folders of them.",
            exists=True,
            readable=True,
        ),
    ],
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per file on standard output.")
    ] = False,
) -> None:
    """Load files into the database: each file whole or not at all; loading twice changes nothing.

    Exit status: 0 when every file loaded or was already loaded, 1 when any was rejected."""
    files = list(expand_paths(paths))
    err = Console(stderr=True)
    if not files:
        err.print("[red]No files found in the paths given.[/red]")
        raise typer.Exit(2)
    try:
        con = connect(database_path(db))
    except InputError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    results: list[FileResult] = []
    show_progress = not as_json and sys.stderr.isatty()
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=err, transient=True, disable=not show_progress,
    ) as progress:  # fmt: skip
        task = progress.add_task("loading", total=sum(f.stat().st_size for f in files))
        loader = Loader(con, on_bytes=lambda n: progress.advance(task, n))
        for path in files:
            progress.update(task, description=path.name[:40])
            before = progress.tasks[0].completed
            result = loader.load(path)
            progress.update(task, completed=before + path.stat().st_size)
            results.append(result)
            if as_json:
                print(json.dumps(result.to_json()), flush=True)
    con.close()
    if not as_json:
        print_summary(results, database_path(db))
    if any(r.status == "rejected" for r in results):
        raise typer.Exit(1)


@app.command()
def schema(db: DbOption = None) -> None:
    """Print the data dictionary (Markdown): every table and column, with its meaning."""
    con = connect(database_path(db)) if db is not None else connect(":memory:")
    print(data_dictionary(con), end="")
    con.close()


def money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


def print_summary(results: list[FileResult], db: Path) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"Loaded into {db}", title_justify="left", show_lines=False)
    for column, justify in (
        ("file", "left"), ("kind", "left"), ("status", "left"), ("claims", "right"),
        ("lines", "right"), ("charges", "right"), ("paid", "right"), ("warnings", "right"),
        ("rejects", "right"),
    ):  # fmt: skip
        table.add_column(
            column,
            justify=justify,
            no_wrap=True,
            overflow="ellipsis",
            min_width=len(column),
            max_width=48 if column == "file" else None,
        )
    style = {"loaded": "green", "duplicate": "cyan", "rejected": "red"}
    for r in results:
        table.add_row(
            Path(r.file).name, r.kind or "", f"[{style[r.status]}]{r.status}[/]",
            f"{r.claims:,}", f"{r.lines:,}", money(r.total_charge), money(r.total_paid),
            str(len(r.warnings)) if r.warnings else "", str(len(r.rejects)) if r.rejects else "",
        )  # fmt: skip
    console.print(table)
    for r in results:
        if r.rejects or r.status != "loaded":
            console.print(f"[bold]{Path(r.file).name}[/bold]: {r.message}", highlight=False)
            if len(r.rejects) > 1 or r.status == "loaded":
                for finding in r.rejects[:5]:
                    console.print(f"  - {finding.location}: {finding.message}", highlight=False)
                if len(r.rejects) > 5:
                    console.print(f"  ... {len(r.rejects) - 5} more in the reject table")
    counts = {s: sum(r.status == s for r in results) for s in ("loaded", "duplicate", "rejected")}
    console.print(
        f"{counts['loaded']} loaded, {counts['duplicate']} already loaded, "
        f"{counts['rejected']} rejected."
    )


if __name__ == "__main__":
    app()
