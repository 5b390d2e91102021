"""`unlisted sample`: draw, show, review and appraise audit samples (RAT-STATS style).

The computation is in queries/sampling.py, the writes in etl/audit.py; this module parses
options and prints."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from .etl.database import connect
from .etl.errors import InputError
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
    fail,
    safe_text,
    write_out,
)
from .queries.sql import sql
from .settings import database_path

sample = typer.Typer(
    help="Audit samples: draw a reproducible random sample, import review results, appraise.",
    no_args_is_help=True,
    add_completion=False,
)



def build_filters(code, date_from, date_to, basis, payer, provider, location, modifier,
                  config: Path | None = None):  # fmt: skip
    return chosen_lines(config, code, date_from, date_to, basis, payer, provider, location,
                        modifier)[1]


def check_format(output: str) -> None:
    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("must be table, csv or json", param_hint="--format")


def open_write(db: Path | None) -> duckdb.DuckDBPyConnection:
    path = database_path(db)
    if not path.exists():
        raise fail(f"No database at {path}: load files first (unlisted load or unlisted demo).")
    try:
        return connect(path)
    except InputError as exc:
        raise fail(exc.message) from None


def open_read(db: Path | None) -> duckdb.DuckDBPyConnection:
    path = database_path(db)
    if not path.exists():
        raise fail(f"No database at {path}: load files first (unlisted load or unlisted demo).")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise fail(f"cannot open the database {path}: {exc}") from None


def the_frame(con, filters):
    from .queries import sampling

    try:
        return sampling.frame(con, filters)
    except duckdb.CatalogException:
        raise fail("The database has no marts yet: run unlisted load.") from None


def plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


@sample.command()
def draw(
    size: Annotated[int, typer.Option("--size", min=1, help="Sample size (lines).")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the random numbers.")],
    stratify: Annotated[
        str | None, typer.Option(help="Stratify by payer, provider or paid (amount strata).")
    ] = None,
    strata: Annotated[
        int, typer.Option(min=1, help="Paid-amount strata of equal counts (with --stratify paid).")
    ] = 3,
    cuts: Annotated[
        str | None,
        typer.Option(help="Paid-amount cut points instead, e.g. 40,80 (with --stratify paid)."),
    ] = None,
    allocation: Annotated[
        str, typer.Option(help="Stratum sizes: proportional or equal.")
    ] = "proportional",
    db: DbOption = None,
    code: CodeOption = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    basis: BasisOption = "service",
    payer: PayerOption = None,
    provider: ProviderOption = None,
    location: LocationOption = None,
    modifier: ModifierOption = None,
    config: ConfigOption = None,
) -> None:
    """Draw a random sample of claim lines from the frame the filters select, and record it
    (seed, frame, method, program version). The same seed and frame give the same lines."""
    from .etl.audit import record_sample
    from .queries import sampling

    filters = build_filters(code, date_from, date_to, basis, payer, provider, location, modifier,
                            config)
    if stratify is not None and stratify not in sampling.STRATIFY:
        raise typer.BadParameter(f"must be one of {', '.join(sampling.STRATIFY)}",
                                 param_hint="--stratify")  # fmt: skip
    cut_points = None
    if cuts:
        try:
            cut_points = [Decimal(c.strip()) for c in cuts.split(",") if c.strip()]
        except ArithmeticError:
            raise typer.BadParameter("must be amounts separated by commas",
                                     param_hint="--cuts") from None  # fmt: skip
    con = open_write(db)
    try:
        fr = the_frame(con, filters)
        try:
            drawn = sampling.draw(fr, size, seed, stratify, strata, cut_points, allocation)
        except sampling.SamplingError as exc:
            raise fail(str(exc)) from None
        sample_id = record_sample(con, fr, drawn)
    finally:
        con.close()
    console = Console(highlight=False, emoji=False)
    console.print(f"Sample {sample_id}: {len(drawn.positions)} of {fr.size:,} lines "
                  f"(frame net paid ${fr.total_paid:,.2f}), {drawn.method}"
                  + (f" by {stratify}, {allocation} allocation" if stratify else "")
                  + f", seed {seed}.")  # fmt: skip
    if drawn.strata:
        for s in drawn.strata:
            console.print(f"  {safe_text(s['stratum'])}: {s['sample_size']} of "
                          f"{s['frame_size']:,} lines")
    console.print(f"Lines: unlisted sample show {sample_id}; results: unlisted sample review "
                  f"{sample_id} FILE.csv (claim_line_id,audited_amount[,note]).")  # fmt: skip


@sample.command()
def show(
    sample_id: Annotated[int, typer.Argument(help="Sample id.")],
    db: DbOption = None,
    output: FormatOption = "table",
) -> None:
    """Show a sample: how it was drawn, whether its frame is unchanged, and its lines."""
    from .queries import sampling

    check_format(output)
    con = open_read(db)
    try:
        record = sampling.sample_record(con, sample_id)
        if record is None:
            raise fail(f"There is no sample {sample_id}.")
        lines = sampling.sample_lines(con, sample_id)
        try:
            check = sampling.frame_check(con, record)
        except duckdb.CatalogException:
            check = None
    finally:
        con.close()
    if output == "csv":
        write_out(lines.write_csv())
        return
    if output == "json":
        header = {k: plain(v) for k, v in record.items()}
        header["strata"] = json.loads(record["strata"]) if record["strata"] else None
        header["frame_filters"] = json.loads(record["frame_filters"])
        header["frame_check"] = {k: plain(v) for k, v in check.items()} if check else None
        header["lines"] = [{k: plain(v) for k, v in row.items()}
                           for row in lines.iter_rows(named=True)]  # fmt: skip
        print(json.dumps(header, indent=1))
        return
    console = Console(highlight=False, emoji=False)
    console.print(f"Sample {sample_id}: {record['method']}"
                  + (f" by {record['stratify_by']} ({record['allocation']})"
                     if record["stratify_by"] else "")
                  + f", seed {record['seed']}, {record['sample_size']} lines, drawn "
                  f"{record['created_at']:%Y-%m-%d %H:%M} by unlisted "
                  f"{record['program_version']} ({record['generator']}).")  # fmt: skip
    filters = sampling.filters_from_json(record["frame_filters"]).in_words()
    console.print(f"Frame: {record['frame_size']:,} lines, net paid "
                  f"${record['frame_total_paid']:,.2f}; "
                  + "; ".join(f"{name} {safe_text(value)}" for name, value in filters))
    if check is None:
        console.print("[yellow]Frame not checked: the database has no marts.[/yellow]")
    elif check["unchanged"]:
        console.print("Frame unchanged: the same filters select the same lines and amounts.")
    else:
        console.print(f"[yellow]The frame changed since the sample was drawn: now "
                      f"{check['frame_size_now']:,} lines, net paid "
                      f"${check['frame_total_paid_now']:,.2f}. Drawing again with the same "
                      "seed would not give the same sample.[/yellow]")  # fmt: skip
    reviewed = lines.filter(lines["audited_amount"].is_not_null()).height
    console.print(f"Reviewed: {reviewed} of {lines.height} lines.")
    table = Table(title_justify="left")
    stratified = record["stratify_by"] is not None
    for column in ("#", "line id", *(["stratum"] if stratified else []), "claim", "payer",
                   "provider", "service date", "paid", "audited", "error"):  # fmt: skip
        table.add_column(column, justify="right" if column in ("paid", "audited") else "left",
                         no_wrap=column in ("line id", "claim", "service date"))  # fmt: skip
    for row in lines.iter_rows(named=True):
        table.add_row(
            str(row["selection_order"]), str(row["claim_line_id"]),
            *([safe_text(row["stratum"] or "")] if stratified else []),
            safe_text(row["patient_control_number"] or ""), safe_text(row["payer_id"] or ""),
            safe_text(row["rendering_npi"] or ""), str(row["service_date"] or ""),
            f"{row['paid_amount']:,.2f}",
            "" if row["audited_amount"] is None else f"{row['audited_amount']:,.2f}",
            "" if row["in_error"] is None else ("yes" if row["in_error"] else "no"),
        )  # fmt: skip
    console.print(table)


@sample.command()
def review(
    sample_id: Annotated[int, typer.Argument(help="Sample id.")],
    csv_file: Annotated[Path, typer.Argument(help="CSV: claim_line_id,audited_amount[,note].")],
    db: DbOption = None,
) -> None:
    """Import review results: what should have been paid on each sampled line. Every row is
    checked first; if any is wrong, nothing is written. A line imported again is replaced."""
    from .etl.audit import ReviewError, read_review_csv, record_review, validate_review

    if not csv_file.is_file():
        raise fail(f"No file {csv_file}.", 2)
    con = open_write(db)
    try:
        try:
            rows = validate_review(con, sample_id, read_review_csv(csv_file))
        except ReviewError as exc:
            err = Console(stderr=True, highlight=False)
            err.print(f"[red]{safe_text(csv_file.name)}: not imported, nothing written "
                      f"({len(exc.problems)} problem(s)):[/red]")  # fmt: skip
            for problem in exc.problems[:50]:
                err.print(f"  - {safe_text(problem)}")
            if len(exc.problems) > 50:
                err.print(f"  ... {len(exc.problems) - 50} more")
            raise typer.Exit(1) from None
        count = record_review(con, sample_id, rows)
        remaining = con.execute(sql("audit/unreviewed_count"),
                                {"sample_id": sample_id}).fetchone()[0]  # fmt: skip
    finally:
        con.close()
    Console(highlight=False).print(
        f"Imported {count} review result(s) into sample {sample_id}; "
        + (f"{remaining} line(s) still to review." if remaining
           else f"every line is reviewed: unlisted sample appraise {sample_id}."))  # fmt: skip


MethodOption = Annotated[
    str, typer.Option("--method", help="Attribute limits: hypergeometric (exact over the frame, "
                                       "as RAT-STATS) or binomial (Clopper-Pearson).")
]  # fmt: skip


def check_method(method: str) -> None:
    from .queries import sampling

    if method not in sampling.ATTRIBUTE_METHODS:
        raise typer.BadParameter(f"must be one of {', '.join(sampling.ATTRIBUTE_METHODS)}",
                                 param_hint="--method")  # fmt: skip


def figure_table(title: str, rows) -> Table:
    from .queries.sampling import figure_text

    table = Table(title=title, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, label, value in rows:
        table.add_row(safe_text(label), safe_text(figure_text(name, value)))
    return table


def limits_table(result: dict) -> Table:
    """The attribute limits as RAT-STATS lays them out: a row per confidence level and sides."""
    from .queries.sampling import figure_text

    attributes = result["attributes"]
    table = Table(title=f"Attribute limits: {attributes['limits']}", title_justify="left")
    for column in ("interval", "lower limit (lines)", "upper limit (lines)", "lower rate",
                   "upper rate"):  # fmt: skip
        table.add_column(column, justify="left" if column == "interval" else "right")
    for found in attributes["intervals"]:
        table.add_row(f"{found['confidence']:.0%} {found['sides']}",
                      figure_text("low_errors", found["lower"]),
                      figure_text("high_errors", found["upper"]),
                      figure_text("low_rate", found["lower_rate"]),
                      figure_text("high_rate", found["upper_rate"]))  # fmt: skip
    return table


@sample.command()
def appraise(
    sample_id: Annotated[int, typer.Argument(help="Sample id.")],
    db: DbOption = None,
    output: FormatOption = "table",
    method: MethodOption = "hypergeometric",
) -> None:
    """Attribute appraisal (lines in error: exact limits at 80, 90 and 95%, one- and two-sided)
    and variable appraisal (overpayment extrapolated to the frame: point estimate, one- and
    two-sided 90% limits; the lower limits CMS contractors and HHS-OIG demand are labelled)."""
    from .queries import sampling

    check_format(output)
    check_method(method)
    con = open_read(db)
    try:
        try:
            result = sampling.appraise(con, sample_id, method=method)
        except sampling.SamplingError as exc:
            raise fail(str(exc)) from None
    finally:
        con.close()
    if output == "json":
        print(json.dumps(result, indent=1))
        return
    rows = sampling.appraisal_rows(result)
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(("figure", "label", "value"))
        writer.writerows(rows)
        print(buffer.getvalue(), end="")
        return
    # The interval rows are in the limits table; the rest by part.
    intervals = {name for name, _, _ in sampling.interval_rows(
        "attributes", result["attributes"]["intervals"])}  # fmt: skip
    attributes = [r for r in rows if r[0].startswith("attributes.") and r[0] not in intervals]
    variables = [r for r in rows if not r[0].startswith("attributes.")]
    console = Console(highlight=False, emoji=False)
    console.print(f"Sample {sample_id} ({result['method']}): appraisal")
    console.print(figure_table("Attribute appraisal (lines in error)", attributes))
    console.print(limits_table(result))
    console.print(figure_table("Variable appraisal (overpayment = paid - audited)", variables))


@sample.command("size")
def size_(
    precision: Annotated[
        float, typer.Option(help="Half width wanted: dollars per line (with --probe-sd), or "
                                 "error-rate points such as 0.05 (with --expected-rate).")
    ],
    probe_sd: Annotated[
        float | None, typer.Option(help="SD of the overpayment per line in a probe sample.")
    ] = None,
    probe: Annotated[
        int | None, typer.Option(help="A reviewed sample whose overpayment SD is the probe.")
    ] = None,
    expected_rate: Annotated[
        float | None, typer.Option(help="Expected error rate (attribute sample size).")
    ] = None,
    confidence: Annotated[float, typer.Option(help="Two-sided confidence level.")] = 0.9,
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
) -> None:
    """Suggest a sample size for the frame the filters select: n0 = (z*s/E)^2 (or
    z^2*p*(1-p)/E^2), n = n0 / (1 + n0/N), rounded up."""
    from .queries import sampling

    check_format(output)
    if sum(x is not None for x in (probe_sd, probe, expected_rate)) != 1:
        raise typer.BadParameter("give one of --probe-sd, --probe or --expected-rate",
                                 param_hint="--probe-sd")  # fmt: skip
    filters = build_filters(code, date_from, date_to, basis, payer, provider, location, modifier,
                            config)
    con = open_read(db)
    try:
        fr = the_frame(con, filters)
        if probe is not None:
            lines = sampling.sample_lines(con, probe) if sampling.sample_record(con, probe) \
                else None  # fmt: skip
            if lines is None:
                raise fail(f"There is no sample {probe}.")
            done = lines.filter(lines["audited_amount"].is_not_null())
            if done.height < 2:
                raise fail(f"Sample {probe} has fewer than 2 reviewed lines.")
            probe_sd = float((done["paid_amount"] - done["audited_amount"])
                             .cast(float).std(ddof=1))  # fmt: skip
    finally:
        con.close()
    try:
        if expected_rate is not None:
            result = sampling.sample_size_attributes(fr.size, expected_rate, precision,
                                                     confidence)  # fmt: skip
        else:
            result = sampling.sample_size_variables(fr.size, probe_sd, precision, confidence)
    except sampling.SamplingError as exc:
        raise fail(str(exc)) from None
    if output == "json":
        print(json.dumps(result, indent=1))
    elif output == "csv":
        print("figure,value")
        for key, value in result.items():
            print(f"{key},{value}")
    else:
        Console(highlight=False).print(
            f"Suggested sample size: {result['sample_size']} of {fr.size:,} lines "
            f"(n0 = {result['n0']:.1f}, with finite population correction {result['n_fpc']:.1f}; "
            f"z = {result['z']:.3f} for {confidence:.0%} two-sided; {result['formula']}).")


OutOption = Annotated[Path, typer.Option("--out", help="Folder to write the packet into.")]
PaperOption = Annotated[str, typer.Option(help="PDF paper size: A4 or Letter.")]


@sample.command()
def packet(
    sample_id: Annotated[int, typer.Argument(help="Sample id.")],
    out: OutOption,
    db: DbOption = None,
    paper: PaperOption = "A4",
    method: MethodOption = "hypergeometric",
) -> None:
    """Write the sample's audit packet: sample-ID.xlsx (Summary, Frame, Lines with claim, remit
    and documentation detail, Findings, Appraisal) and sample-ID.pdf (summary, appraisal,
    charts). The files contain PHI."""
    from .packet_writer import PAPERS, write_packet
    from .queries.packet import PacketError, sample_packet

    if paper.lower() not in {p.lower() for p in PAPERS}:
        raise typer.BadParameter(f"must be one of {', '.join(PAPERS)}", param_hint="--paper")
    check_method(method)
    con = open_read(db)
    try:
        try:
            made = sample_packet(con, sample_id, method)
        except PacketError as exc:
            raise fail(f"{str(exc)[0].upper()}{str(exc)[1:]}.") from None
        except duckdb.CatalogException:
            raise fail("The database has no marts or samples yet: run unlisted load.") from None
    finally:
        con.close()
    try:
        xlsx, pdf = write_packet(made, out, paper)
    except OSError as exc:
        raise fail(f"cannot write the packet into {out}: {exc}") from None
    Console(highlight=False).print(
        f"Sample {sample_id} packet: {xlsx} ({made.lines.height} lines, {made.frame.height:,} "
        f"frame lines, {made.findings.height} findings) and {pdf}. They contain PHI.")
