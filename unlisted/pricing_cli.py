"""`unlisted pricing`: what each payer is expected to allow per unit of the target codes and
the code it prices them as (docs/pricing.md), as a table, CSV or JSON."""

from __future__ import annotations

import datetime
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

AsOfOption = Annotated[
    datetime.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"],
                 help="The history window ends here, and contracts in force here count "
                      "(default today)."),
]  # fmt: skip
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the CSV or JSON to this file instead.")
]


def pricing(
    db: DbOption = None,
    config: ConfigOption = None,
    as_of: AsOfOption = None,
    output: FormatOption = "table",
    out: OutOption = None,
) -> None:
    """The price to expect from each payer for each target code (the settings' metrics codes):
    its contract rate in force at the as-of date, else the median allowed per unit of its paid
    lines over the pricing history_months before it (with the 25th and 75th percentiles), else
    "too few lines" below the pricing min_lines; and the code the payer prices it as
    (docs/pricing.md)."""
    from .queries.pricing import comparator_prices

    if output not in ("table", "csv", "json"):
        raise typer.BadParameter("must be table, csv or json", param_hint="--format")
    if out is not None and output == "table":
        raise typer.BadParameter("--out writes csv or json: add --format csv or --format json",
                                 param_hint="--out")  # fmt: skip
    settings = settings_or_exit(config)
    path = existing_database(db)
    day = (as_of or datetime.datetime.now()).date()
    chosen = settings["pricing"]
    con = duckdb.connect(str(path), read_only=True)
    try:
        prices = comparator_prices(con, list(settings["metrics"]["codes"]), day,
                                   chosen["history_months"], chosen["min_lines"])  # fmt: skip
    except duckdb.CatalogException:
        raise fail("The database has no marts yet: run unlisted load.") from None
    finally:
        con.close()
    if output == "table":
        print_prices(prices, day, chosen)
        return
    if output == "json":
        text = prices.write_json() + "\n"
    else:
        from .queries.spreadsheet import neutralised

        text = neutralised(prices).write_csv()
    if out is None:
        write_out(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from None
    Console(stderr=True, highlight=False).print(
        f"{prices.height} payer and code rows written to {safe_text(out)}."
    )


def print_prices(prices, day: datetime.date, chosen: dict) -> None:
    from .queries.pricing import price_words

    console = Console(emoji=False, highlight=False)
    if prices.is_empty():
        console.print("No payer has a line of the target codes in the window or a contract "
                      "in force.")  # fmt: skip
        return
    table = Table(title=f"Expected allowed per unit, as of {day} ({chosen['history_months']} "
                        "months of history)", title_justify="left")  # fmt: skip
    for column in ("payer", "code", "priced as", "expected", "lines", "service dates"):
        table.add_column(column, justify="right" if column == "lines" else "left")
    for row in prices.iter_rows(named=True):
        priced_as = row["comparator_code"] or ""
        if priced_as and row["comparator_share"] is not None:
            priced_as += f" ({row['comparator_share']:.0%} of paid lines)"
        dates = (f"{row['first_service_date']} to {row['last_service_date']}"
                 if row["first_service_date"] else "")  # fmt: skip
        table.add_row(safe_text(f"{row['payer_name'] or ''} ({row['payer_id']})"),
                      safe_text(row["code"]), safe_text(priced_as),
                      safe_text(price_words(row, chosen["min_lines"])), f"{row['lines']:,}",
                      dates)  # fmt: skip
    console.print(table)
