"""Command-line options shared by the commands that choose claim lines (metrics, rules, sample),
and the filters they make."""

from __future__ import annotations

import datetime
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # Polars loads only when a command needs it
    from .queries.metrics import Filters

DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="DuckDB file (default: $UNLISTED_DB, else ./unlisted.duckdb)."),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Settings file (default: $UNLISTED_CONFIG, else built-in)."),
]
CodeOption = Annotated[
    list[str] | None,
    typer.Option(help="Procedure codes in scope (default: the metrics table's codes setting)."),
]
FromOption = Annotated[
    datetime.datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First date.")
]
ToOption = Annotated[
    datetime.datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last date.")
]
BasisOption = Annotated[
    str, typer.Option(help="Dates are service dates or payment (first remittance) dates.")
]
PayerOption = Annotated[list[str] | None, typer.Option(help="Payer ids (repeat for several).")]
ProviderOption = Annotated[list[str] | None, typer.Option(help="Rendering provider NPIs.")]
LocationOption = Annotated[
    list[str] | None, typer.Option(help="Locations (service facility names).")
]
ModifierOption = Annotated[
    list[str] | None, typer.Option(help="Modifiers (any of them on the line).")
]
FormatOption = Annotated[str, typer.Option("--format", help="table, csv or json.")]


def line_filters(default_codes, code, date_from, date_to, basis, payer, provider, location,
                 modifier):  # fmt: skip
    """queries.metrics.Filters from the options above; a wrong --basis is a usage error."""
    from .queries.metrics import Filters

    if basis not in ("service", "payment"):
        raise typer.BadParameter("must be service or payment", param_hint="--basis")
    return Filters(
        codes=tuple(code or default_codes),
        start=date_from.date() if date_from else None,
        end=date_to.date() if date_to else None,
        basis=basis,
        payers=tuple(payer or ()),
        providers=tuple(provider or ()),
        locations=tuple(location or ()),
        modifiers=tuple(modifier or ()),
    )


def fail(message: str, code: int = 1) -> typer.Exit:
    """Says what went wrong on standard error, as text (a path or a file's words in it are shown
    as they are, never read as markup or escape sequences); the caller raises the returned
    exit."""
    Console(stderr=True, emoji=False).print(f"[red]{safe_text(message)}[/red]", highlight=False)
    return typer.Exit(code)


def chosen_lines(config: Path | None, code, date_from, date_to, basis, payer, provider, location,
                 modifier) -> tuple[dict, Filters]:  # fmt: skip
    """The settings (--config, see use_config) and the lines the filter options choose among
    the settings' target codes: what every command that filters starts from. A settings file
    that cannot be used, or a wrong --basis, is a usage error (exit 2)."""
    from .settings import ConfigError

    try:
        settings = use_config(config)
    except ConfigError as exc:
        raise fail(str(exc), 2) from None
    filters = line_filters(settings["metrics"]["codes"], code, date_from, date_to, basis, payer,
                           provider, location, modifier)  # fmt: skip
    return settings, filters


# What must not reach a terminal as it is: C0 controls (ESC starts an escape sequence, BEL, CR,
# backspace rewrite the line), DEL, C1 controls (U+009B is a one-character CSI), the
# bidirectional overrides and isolates that make text read otherwise than it is stored, and the
# lone surrogates that stand for the bytes of a file name that are not UTF-8.
UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: object) -> str:
    """Text that came from a file or a file name (names, messages, reasons, values), fit for a
    terminal: what must not reach one shown as \\xNN (\\uNNNN), a byte of a name that is not
    UTF-8 as that byte. Ordinary Unicode stays. For rich markup, safe_text."""

    def visible(found: re.Match) -> str:
        code = ord(found.group())
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
            return f"\\x{code - 0xDC00:02x}"
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return UNPRINTABLE.sub(visible, str(text))


def use_config(path: Path | None) -> dict:
    """The settings of a command given --config: the file, or $UNLISTED_CONFIG, or the built-in
    ones. A file given becomes $UNLISTED_CONFIG for the rest of the command, so that whatever
    reads the settings later (the marts' rules and reference lists) reads the same file.
    Raises ConfigError."""
    from .settings import load_config

    config = load_config(path)
    if path is not None:
        os.environ["UNLISTED_CONFIG"] = str(path)
    return config


def settings_or_exit(config: Path | None) -> dict:
    """use_config(config), or a clear message and exit status 2 for a settings file that cannot
    be used."""
    from .settings import ConfigError

    try:
        return use_config(config)
    except ConfigError as exc:
        raise fail(str(exc), 2) from None


def existing_database(db: Path | None) -> Path:
    """The database the command reads (--db, $UNLISTED_DB, ./unlisted.duckdb), or a clear
    message and exit status 1 when there is none yet."""
    from .settings import database_path

    path = database_path(db)
    if not path.exists():
        raise fail(f"No database at {path}: load files first.")
    return path


def write_out(text: str) -> None:
    """Machine-readable output (CSV, JSON) to standard output: as it is into a pipe or a file,
    and on a terminal with what a file could smuggle into it (escape sequences, bidirectional
    overrides) shown as printable() shows it, line by line."""
    if sys.stdout.isatty():
        text = "\n".join(printable(line) for line in text.split("\n"))
    sys.stdout.write(text)


def safe_text(text: object) -> str:
    """printable(text), its square brackets escaped: ready for a rich markup string or table
    cell, where rich shows it as it is instead of reading it as markup (print it with a Console
    made with emoji=False, or :cat: becomes a cat)."""
    return escape(printable(text))
