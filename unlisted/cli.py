"""The `unlisted` command: a thin shell over etl/, queries/ and dashboard/."""

from __future__ import annotations

import datetime
import io
import json
import os
import secrets
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated, NoReturn

import duckdb
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from . import audit_cli, check_cli, users_cli
from .access.policy import PolicyError, access_policy
from .appeal_cli import appeal_app
from .etl.archives import remove_stale_unpack_folders
from .etl.database import connect
from .etl.errors import InputError
from .etl.load import FileResult, expand_paths
from .model_cli import model_app
from .options import (
    BasisOption,
    CodeOption,
    ConfigOption,
    DbOption,
    FromOption,
    LocationOption,
    ModifierOption,
    PayerOption,
    ProviderOption,
    ToOption,
    chosen_lines,
    fail,
    printable,
    safe_text,
    use_config,
    write_out,
)
from .pipeline import Stopped, load_files, rebuild_marts
from .pricing_cli import pricing
from .queries.data_dictionary import data_dictionary
from .queries.marts import ReferenceListError
from .queries.sql import sql
from .rules_cli import rules_app
from .settings import ConfigError, database_path, load_config, metric_settings

app = typer.Typer(
    name="unlisted",
    help="Audit and reimbursement analytics for unlisted procedure codes (CPT 97139).",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(audit_cli.sample, name="sample")
app.add_typer(users_cli.user_app, name="user")
app.command("check")(check_cli.check)
app.command("access-log")(users_cli.access_log)
app.command("pricing")(pricing)
HostOption = Annotated[str, typer.Option(help="Address the dashboard listens on.")]
PortOption = Annotated[int, typer.Option(help="Port of the dashboard.")]
@app.callback()
def main() -> None:
    """unlisted: load claims and remittances, then analyse 97139 denials, payments and
    documentation."""


@app.command()
def load(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="837P / 835 files, claims or remits CSVs, ZIP or gzip archives, or folders.",
            exists=True,
            readable=True,
        ),
    ],
    db: DbOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per file on standard output.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Load files into the database: each file whole or not at all; loading twice changes nothing.
    The marts are then brought up to date with the settings' rules and reference lists.

    Exit status: 0 when every file loaded or was already loaded, 1 when any was rejected."""
    target = database_path(db).resolve()
    database_files = {target, target.with_name(target.name + ".wal")}
    err = Console(stderr=True, emoji=False)
    try:
        files = [f for f in expand_paths(paths) if f.resolve() not in database_files]
        settings = use_config(config)
    except InputError as exc:  # a path given that is a device, a pipe or a socket
        err.print(f"[red]{safe_text(exc.message)}[/red]")
        raise typer.Exit(2) from None
    except ConfigError as exc:
        err.print(f"[red]{safe_text(exc)}[/red]")
        raise typer.Exit(2) from None
    if not files:
        err.print("[red]No files found in the paths given.[/red]")
        raise typer.Exit(2)
    remove_stale_unpack_folders(target.parent)  # what loads killed while unpacking left
    try:
        con = connect(database_path(db))
    except InputError as exc:
        err.print(f"[red]{safe_text(exc.message)}[/red]")
        raise typer.Exit(1) from None
    show_progress = not as_json and sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description}", style="bold", markup=False),  # a name, as it is
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not show_progress,
    ) as progress:
        sizes = {f: f.stat().st_size for f in files}  # a file may go while the run goes on
        task = progress.add_task("loading", total=sum(sizes.values()))
        done = {"bytes": 0}

        def starting(path: Path) -> None:
            progress.update(task, description=printable(path.name[:40]), completed=done["bytes"])
            done["bytes"] += sizes.get(path, 0)

        def record(result: FileResult) -> None:
            if as_json:  # json.dumps escapes every control character but DEL
                print(json.dumps(result.to_json()).replace("\x7f", "\\u007f"), flush=True)

        try:
            results = load_files(con, files, settings, workdir=target.parent, on_file=starting,
                                 on_result=record,
                                 on_bytes=lambda n: progress.advance(task, n))  # fmt: skip
        except Stopped as stop:
            close_quietly(con)
            if stop.interrupted:
                stopped(err, safe_text(stop.where), stop.results)
            what = (f"{safe_text(stop.where)}: the database could not take it "
                    f"({safe_text(stop.reason)}); nothing of it is kept")  # fmt: skip
            stopped(err, what, stop.results, status=1,
                    advice="Free disk space or memory, then run the same command again")
        except ReferenceListError as exc:
            close_quietly(con)
            err.print(f"[red]The files are loaded, but the marts were not rebuilt: "
                      f"{safe_text(exc)}[/red]")  # fmt: skip
            raise typer.Exit(1) from None
        except duckdb.Error as exc:
            close_quietly(con)
            err.print(
                f"[red]The files are loaded, but rebuilding the marts failed "
                f"({type(exc).__name__}); run unlisted load again to retry.[/red]"
            )
            raise typer.Exit(1) from None
    con.close()
    if not as_json:
        print_summary(results, database_path(db))
    if any(r.status == "rejected" for r in results):
        raise typer.Exit(1)


def stopped(
    err: Console,
    what: str,
    results: list[FileResult],
    status: int = 130,
    advice: str = "Run the same command again",
) -> NoReturn:
    """A run cut short (Ctrl-C: status 130, as shells do): say what the database holds and how
    to go on. `what` is markup: names in it went through safe_text."""
    loaded = sum(r.status == "loaded" for r in results)
    kept = f"{loaded} file of this run is" if loaded == 1 else f"{loaded} files of this run are"
    err.print(
        f"Stopped {what}; {kept} loaded and kept. {advice}: files already loaded are skipped, "
        "the others load, and the marts are brought up to date.",
        highlight=False,
    )
    raise typer.Exit(status)


def close_quietly(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.close()
    except duckdb.Error:
        pass  # a database that failed to write may refuse even this


@app.command()
def generate(
    outdir: Annotated[Path, typer.Argument(help="Folder to write claims/, remits/, notes/ ...")],
    claims: Annotated[
        int, typer.Option(min=1, help="Number of visits (claims) to simulate.")
    ] = 20000,
    seed: Annotated[int, typer.Option(help="Random seed: one seed, the same bytes.")] = 7,
    start: Annotated[
        datetime.datetime, typer.Option(formats=["%Y-%m-%d"], help="First service date.")
    ] = datetime.datetime(2025, 1, 1),
    months: Annotated[int, typer.Option(min=1, max=120, help="Months to simulate.")] = 12,
) -> None:
    """Write a synthetic physical-therapy practice: weekly 837P batches, 835 payment runs per
    payer, treatment notes, contracts, and truth.json with the rates it injected."""
    from .synthetic.generate import generate as run

    truth = run(outdir, claims=claims, seed=seed, start=start.date(), months=months)
    c, m = truth["counts"], truth["money"]
    Console().print(
        f"Wrote {c['claim_files']} claim files ({c['claims']:,} claims, "
        f"{c['claim_lines']:,} lines, ${Decimal(m['claim_charge']):,.2f}) and "
        f"{c['remit_files']} remittance files "
        f"({c['remit_claims']:,} claim payments, ${Decimal(m['payments']):,.2f} paid) to {outdir}",
        highlight=False,
    )


@app.command()
def demo(
    folder: Annotated[
        Path, typer.Option("--dir", help="Where the demo practice and its database live.")
    ] = Path("unlisted-demo"),
    claims: Annotated[int, typer.Option(min=1, help="Visits (claims) in the demo year.")] = 20000,
    serve_app: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Open the dashboard afterwards.")
    ] = True,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8050,
) -> None:
    """Generate a year of a synthetic practice, load it, show the headline numbers and open the
    dashboard.

    Run again, it reuses the demo database already there."""
    db = folder / "unlisted.duckdb"
    console = Console()
    settings = demo_settings(folder)
    if not db.exists():
        from .synthetic.generate import generate as run

        console.print(f"Generating a synthetic practice ({claims:,} visits) in {folder}/files ...")
        run(folder / "files", claims=claims)
        con = connect(db)
        results = load_files(con, [folder / "files"], load_config(settings))
        print_summary(results, db, by_kind=True)
        train_demo_model(con, console)
    else:
        console.print(f"Reusing the demo database {db} (delete the folder to start over).")
        con = connect(db)
    as_of = print_headline(con, console)
    con.close()
    demo_users(db, console)
    if serve_app:
        run_dashboard(db, as_of, settings, host, port, console)


def train_demo_model(con, console: Console) -> None:
    """The denial model of the demo, trained on every line answered so far, so that the next
    batch (files/_outgoing) is checked with its risks (`unlisted model train` does the same)."""
    from . import __version__
    from .etl.models import store_model
    from .queries import denial_model

    codes = list(load_config()["metrics"]["codes"])
    try:
        record = denial_model.train(denial_model.line_features(con, codes), codes,
                                    datetime.date.today(), __version__)  # fmt: skip
    except denial_model.TooFewLines as exc:
        console.print(f"No denial model: {exc}.")
        return
    store_model(con, record)
    auc = record["model"]["training"]["auc"]
    console.print(f"Denial model trained on {record['lines']:,} answered lines (training AUC "
                  f"{auc:.2f}): unlisted check scores with it.")  # fmt: skip


def demo_settings(folder: Path) -> Path:
    """The demo's settings file (folder/unlisted.toml), written once: it points the rule checks
    at the facts of the invented practice (files/_generator/rules.toml, written by the
    generator). This process uses it unless $UNLISTED_CONFIG names another; `unlisted serve
    --config` it later."""
    from .synthetic.generate import facts_path

    settings = folder / "unlisted.toml"
    if not settings.exists():
        folder.mkdir(parents=True, exist_ok=True)
        rules = facts_path(folder / "files").resolve()
        settings.write_text(
            "# The demo practice's settings: its rule checks use the facts of the invented\n"
            "# practice (daily unit limit and timing of 97139), written by the generator.\n"
            f"[rules]\npath = {json.dumps(str(rules))}\n", encoding="utf-8")
    os.environ.setdefault("UNLISTED_CONFIG", str(settings))
    return Path(os.environ["UNLISTED_CONFIG"])


def print_headline(con, console: Console) -> datetime.date:
    """The overview figures of the target codes, as of the last payment in the database
    (returned)."""
    from .queries.metrics import Filters, Settings, compute

    config = load_config()
    codes = tuple(config["metrics"]["codes"])
    code = ", ".join(codes)
    as_of = con.execute(sql("demo/last_payment_date")).fetchall()[0][0] or datetime.date.today()
    figures = compute(con, Filters(codes=codes), Settings(**metric_settings(config, as_of)))
    got = {row["metric"]: row for row in figures.iter_rows(named=True)}
    pending = got["charges_pending"]["numerator"]
    # Every service date: the dashboard, by default, shows the latest months and the ones before.
    table = Table(title=f"Headline: CPT {code}, every service date, as of {as_of}",
                  title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("of", justify="right")
    for label, name in (
        (f"{code} lines billed", "lines_billed"),
        ("charges billed", "charges_billed"),
        ("net paid", "net_paid"),
        ("initial denial rate", "initial_denial_rate"),
        ("final denial rate", "final_denial_rate"),
        ("overturn rate", "overturn_rate"),
        ("underpaid against contract", "underpaid_dollars"),
        ("documentation complete", "documentation_complete_rate"),
        ("denial rate, complete notes", "denial_rate_complete_documentation"),
        ("denial rate, incomplete notes", "denial_rate_incomplete_documentation"),
    ):
        row = got[name]
        value = "suppressed" if row["suppressed"] else figure(row)
        table.add_row(label, value, f"{row['denominator']:,.0f} lines")
    table.add_row(
        "pending A/R (charges)",
        f"${pending:,.2f}",
        f"{got['lines_pending']['numerator']:,.0f} lines",
    )
    console.print(table)
    console.print(
        "More: unlisted metrics --db ... --by payer (or month, provider, location, category)."
    )
    return as_of


@app.command()
def serve(
    db: DbOption = None,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8050,
    as_of: Annotated[
        datetime.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="A/R aging date (default today)."),
    ] = None,
    config: ConfigOption = None,
    debug: Annotated[bool, typer.Option(
        "--debug", help="Flask's development server with tracebacks in the browser: never "
        "on real data.")] = False,
) -> None:
    """Open the dashboard on the database, for the users of `unlisted user`. It reads a private
    snapshot of the file, so `unlisted load` can run meanwhile; new data shows once the load
    finishes."""
    run_dashboard(database_path(db), as_of.date() if as_of else None, config, host, port,
                  Console(), debug)


def run_dashboard(db: Path, as_of, config: Path | None, host: str, port: int,
                  console: Console, debug: bool = False) -> None:  # fmt: skip
    import waitress

    from .dashboard.wsgi import NotReady, configured_app

    try:
        app_ = configured_app(db, configuration(config), as_of)
    except NotReady as exc:
        raise fail(str(exc)) from None
    console.print(f"Dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    if debug:
        console.print("[yellow]Debug mode: tracebacks show in the browser. Never use it on "
                      "real claims.[/yellow]")
        app_.run(host=host, port=port, debug=True)
        return
    # A production server (several threads, no debugger), not Flask's development one.
    waitress.serve(app_.server, host=host, port=port, threads=8, ident="unlisted",
                   _quiet=True)


def demo_users(db: Path, console: Console) -> None:
    """Two demo users with fresh passwords (printed: demo data only): one who sees everything,
    one analyst who sees pseudonyms instead of identities."""
    try:
        store = access_policy(load_config(), db).open_store()
    except PolicyError as exc:
        raise fail(str(exc), 2) from None
    table = Table(title="Sign in with (demo users, new passwords each run)")
    table.add_column("User")
    table.add_column("Password")
    table.add_column("Roles")
    for name, roles in (("demo", ("admin", "manager", "compliance")), ("demo-analyst",
                                                                        ("analyst",))):
        password = secrets.token_urlsafe(12)
        if store.user(name) is None:
            store.add_user(name, roles, password, actor="demo")
        else:
            store.set_roles(name, roles, actor="demo")
            store.set_password(name, password, actor="demo")
        store.mark_demo(name)  # the demo's sign-in page names them (never the passwords)
        table.add_row(name, password, ", ".join(roles))
    console.print(table)


@app.command()
def metrics(
    db: DbOption = None,
    code: CodeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    basis: BasisOption = "service",
    payer: PayerOption = None,
    provider: ProviderOption = None,
    location: LocationOption = None,
    modifier: ModifierOption = None,
    by: Annotated[
        str | None, typer.Option(help="Group by month, payer, provider, location or category.")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
    as_of: Annotated[
        datetime.datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="A/R aging date (default today)."),
    ] = None,
    min_count: Annotated[
        int | None, typer.Option(help="Suppress rates over fewer lines (config: 11).")
    ] = None,
    config: ConfigOption = None,
) -> None:
    """The figures of docs/numbers.md, for scripts and analysts: denial rates, payment
    variance, days to payment, A/R aging and documentation completeness, each with numerator and
    denominator; without --by, also the overturn rate over appeals sent and the open appeals
    (docs/appeals.md)."""
    import polars as pl

    from .queries.metrics import GROUPINGS, Settings, appeal_figures, appeal_outcomes, compute

    if basis not in ("service", "payment"):  # before anything is read
        raise typer.BadParameter("must be service or payment", param_hint="--basis")
    if by is not None and by not in GROUPINGS:
        raise typer.BadParameter(f"must be one of {', '.join(GROUPINGS)}", param_hint="--by")
    if output not in ("table", "json", "csv"):
        raise typer.BadParameter("must be table, json or csv", param_hint="--format")
    loaded, filters = chosen_lines(config, code, date_from, date_to, basis, payer, provider,
                                   location, modifier)  # fmt: skip
    path = database_path(db)
    if not path.exists():
        raise fail(f"No database at {path}: load files first.")
    con = duckdb.connect(str(path), read_only=True)
    settings = Settings(**metric_settings(loaded, (as_of or datetime.datetime.now()).date()))
    if min_count is not None:
        settings = replace(settings, min_count=min_count)
    try:
        figures = compute(con, filters, settings, by=by)
        if by is None:
            appeals = appeal_figures(appeal_outcomes(con, filters), settings).filter(
                pl.col("metric").is_in(APPEAL_FIGURES))  # the age bands: unlisted appeal list
            figures = pl.concat([figures, appeals.select(figures.columns)])
    except duckdb.CatalogException:
        Console(stderr=True).print("[red]The database has no marts yet: run unlisted load.[/red]")
        raise typer.Exit(1) from None
    finally:
        con.close()
    if output in ("json", "csv"):
        print_exact(figures, output)
    else:
        print_figures(figures, by)


APPEAL_FIGURES = ("appeal_overturn_rate", "appeals_open_lines", "appeals_open_at_stake")


def print_exact(figures, output: str) -> None:
    """JSON (one array of objects) or CSV: money as exact decimal strings, counts as integers."""
    import csv

    from .queries.metrics import exact_rows

    rows = exact_rows(figures)
    if output == "json":
        print(json.dumps(rows))
        return
    from .queries.spreadsheet import neutral_text

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=figures.columns, lineterminator="\n")
    writer.writeheader()
    # a group is a payer, provider or location name from the files: never a formula
    writer.writerows({k: neutral_text(v) if k == "group" and isinstance(v, str) else v
                      for k, v in row.items()} for row in rows)
    write_out(out.getvalue())


def print_figures(figures, by: str | None) -> None:
    table = Table(title_justify="left", show_lines=False)
    for column in ("metric", *(["group"] if by else []), "value", "numerator", "denominator"):
        table.add_column(column, justify="left" if column in ("metric", "group") else "right")
    for row in figures.iter_rows(named=True):
        value = "suppressed: " + row["reason"] if row["suppressed"] else figure(row)
        cells = [
            row["metric"],
            *([safe_text(row["group"] or "")] if by else []),
            value,
            f"{row['numerator']:,.2f}".removesuffix(".00"),
            f"{row['denominator']:,.0f}",
        ]
        table.add_row(*cells)
    Console().print(table)


def figure(row: dict) -> str:
    name, value = row["metric"], row["value"]
    if value is None:
        return ""
    if name.endswith("_rate") or "_rate_" in name or name.startswith("denial_rate"):
        return f"{value:.1%}"
    if name.startswith("days_"):
        return f"{value:,.0f} days"
    if "charges" in name or name in ("net_paid", "allowed_variance", "underpaid_dollars"):
        return f"${value:,.2f}"
    return f"{value:,.0f}"


app.add_typer(rules_app, name="rules")
app.add_typer(appeal_app, name="appeal")
app.add_typer(model_app, name="model")


@app.command()
def schema(db: DbOption = None) -> None:
    """Print the data dictionary (Markdown): every table and column, with its meaning."""
    con = connect(database_path(db)) if db is not None else connect(":memory:")
    rebuild_marts(con)
    print(data_dictionary(con), end="")
    con.close()


def configuration(path: Path | None) -> dict:
    try:
        return load_config(path)
    except ConfigError as exc:
        Console(stderr=True).print(f"[red]{safe_text(exc)}[/red]")
        raise typer.Exit(2) from None


@app.command()
def settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="The reference page (docs/settings.md) instead.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Print every setting with its default and what it does, as a commented settings file to
    start from; with --config, check that file first (exit 2 naming a wrong key)."""
    from .settings_schema import reference_markdown, template_toml

    if config is not None:
        configuration(config)
    print(reference_markdown() if markdown else template_toml(), end="")


def money(value) -> str:
    return "" if value is None else f"{value:,.2f}"


def money_sum(results: list[FileResult], field: str) -> Decimal:
    return sum((getattr(r, field) or 0 for r in results), Decimal(0))


def summary_rows(results: list[FileResult], by_kind: bool) -> list[tuple]:
    """One row per file, or per kind of file when many files were loaded together."""
    style = {"loaded": "green", "duplicate": "cyan", "rejected": "red"}
    if not by_kind:
        return [
            (
                safe_text(Path(r.file).name),
                safe_text(r.kind or ""),
                f"[{style[r.status]}]{r.status}[/]",
                r.claims,
                r.lines,
                r.total_charge,
                r.total_paid,
                r.warning_total,
                r.reject_total,
            )
            for r in results
        ]
    groups: dict[str, list[FileResult]] = {}
    for r in results:
        groups.setdefault(r.kind or "unknown", []).append(r)
    rows = []
    for kind, group in sorted(groups.items()):
        statuses = ", ".join(
            f"[{style[s]}]{n} {s}[/]"
            for s in ("loaded", "duplicate", "rejected")
            if (n := sum(r.status == s for r in group))
        )
        rows.append(
            (
                f"{len(group)} files",
                safe_text(kind),
                statuses,
                sum(r.claims for r in group),
                sum(r.lines for r in group),
                money_sum(group, "total_charge"),
                money_sum(group, "total_paid")
                if any(r.total_paid is not None for r in group)
                else None,
                sum(r.warning_total for r in group),
                sum(r.reject_total for r in group),
            )
        )
    return rows


def print_summary(results: list[FileResult], db: Path, by_kind: bool = False) -> None:
    console = Console(width=None if sys.stdout.isatty() else 160, emoji=False)
    table = Table(title=f"Loaded into {safe_text(db)}", title_justify="left", show_lines=False)
    for column, justify in (
        ("file", "left"),
        ("kind", "left"),
        ("status", "left"),
        ("records", "right"),
        ("lines", "right"),
        ("charges", "right"),
        ("paid", "right"),
        ("warnings", "right"),
        ("rejects", "right"),
    ):
        table.add_column(
            column,
            justify=justify,
            no_wrap=True,
            overflow="ellipsis",
            min_width=len(column),
            max_width=48 if column == "file" else None,
        )
    for name, kind, status, claims, lines, charge, paid, warnings, rejects in summary_rows(
        results, by_kind
    ):
        table.add_row(
            name,
            kind,
            status,
            f"{claims:,}",
            f"{lines:,}",
            money(charge),
            money(paid),
            f"{warnings:,}" if warnings else "",
            f"{rejects:,}" if rejects else "",
        )
    console.print(table)
    for r in results:
        if r.rejects or r.status != "loaded":
            console.print(f"[bold]{safe_text(Path(r.file).name)}[/bold]: {safe_text(r.message)}",
                          highlight=False)  # fmt: skip
            if r.reject_total > 1 or r.status == "loaded":
                for finding in r.rejects[:5]:
                    console.print(f"  - {safe_text(finding.location)}: "
                                  f"{safe_text(finding.message)}", highlight=False)  # fmt: skip
                if r.reject_total > 5:  # beyond 1,000 of a code, counted in one row
                    console.print(f"  ... {r.reject_total - 5:,} more: see the reject table")
    counts = {s: sum(r.status == s for r in results) for s in ("loaded", "duplicate", "rejected")}
    console.print(
        f"{counts['loaded']} loaded, {counts['duplicate']} already loaded, "
        f"{counts['rejected']} rejected."
    )


if __name__ == "__main__":
    app()
