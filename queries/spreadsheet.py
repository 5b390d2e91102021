"""Spreadsheet helpers shared by the dashboard's downloads (dashboard/exports.py) and the audit
packet (unlisted/packet_writer.py): formula neutralisation and typed cells with xlsxwriter."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

import polars as pl

SLICE = 20_000
# Spreadsheet programs run cells that begin with = + - @ as formulas (tab and carriage return
# start a few more). A text cell is risky when it begins with one of = + - @, also after leading
# whitespace or control characters (some programs trim them on import), or with a tab or a
# carriage return ...
RISKY = r"(?:[\s\x00-\x1f\x7f]*[=+\-@]|[\t\r])"
# ... unless the whole cell is a plain decimal number ("-12.50", "+3"): every spreadsheet reads
# that as the number, never as a formula, so exact figures kept as text stay numbers.
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_RISKY = re.compile(RISKY)
_NUMBER = re.compile(NUMBER)


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet could run as a formula get a leading apostrophe (the rule
    of neutral_text, for a whole frame). Categorical text is written as text. Numbers, dates and
    booleans stay as they are: they cannot be formulas."""
    text = [name for name, kind in frame.schema.items()
            if kind == pl.String or isinstance(kind, pl.Categorical | pl.Enum)]  # fmt: skip
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(f"^{RISKY}")
                & ~pl.col(name).cast(pl.String).str.contains(f"^{NUMBER}$"))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String)).alias(name)
        for name in text
    )  # fmt: skip


def neutral_text(value: str) -> str:
    """One text cell as neutralised() writes it: a leading apostrophe when a spreadsheet could
    run it (see RISKY and NUMBER)."""
    if _RISKY.match(value) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def formats(book) -> dict:
    """The workbook's cell formats (made once per workbook, cached on it)."""
    cached = getattr(book, "_unlisted_formats", None)
    if cached is None:
        cached = {
            "bold": book.add_format({"bold": True}),
            "money": book.add_format({"num_format": "#,##0.00"}),
            "day": book.add_format({"num_format": "yyyy-mm-dd"}),
        }
        book._unlisted_formats = cached
    return cached


def write_cell(sheet, row: int, col: int, value, book, number_format=None) -> None:
    """A typed cell: text (neutralised), boolean, date, number; Decimal money with 2 decimals;
    a NaN or infinite number as text; None left empty."""
    f = formats(book)
    if value is None:
        return
    if isinstance(value, str):
        sheet.write_string(row, col, neutral_text(value))
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, dt.datetime):
        sheet.write_string(row, col, value.isoformat(sep=" ", timespec="seconds"))
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), f["day"])
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            sheet.write_string(row, col, str(value))
        else:
            sheet.write_number(row, col, value, number_format)
    elif isinstance(value, Decimal):  # money
        sheet.write_number(row, col, float(value), number_format or f["money"])
    else:
        sheet.write_string(row, col, neutral_text(str(value)))


def column_widths(frame: pl.DataFrame, sample: int = 200) -> list[int]:
    """A width per column that shows its heading and most of its values (of the first `sample`
    rows), between 8 and 60 characters: a long narrative wraps in the cell instead."""
    head = frame.head(sample)
    widths = []
    for name in frame.columns:
        longest = head[name].cast(pl.String).str.len_chars().max() if head.height else 0
        widths.append(max(8, min(60, max(len(name), int(longest or 0)) + 2)))
    return widths


def write_sheet(book, name: str, frame: pl.DataFrame):
    """One sheet: a bold header row, frozen and with a filter on every column, columns as wide
    as their values, then the frame's rows as typed cells (in slices, so that a constant_memory
    workbook stays small). Returns the worksheet."""
    sheet = book.add_worksheet(name[:31])
    bold = formats(book)["bold"]
    sheet.freeze_panes(1, 0)
    if frame.width:
        sheet.autofilter(0, 0, max(frame.height, 1), frame.width - 1)
    for col, width in enumerate(column_widths(frame)):
        sheet.set_column(col, col, width)
    for col, header in enumerate(frame.columns):
        sheet.write_string(0, col, neutral_text(header), bold)
    row = 1
    for offset in range(0, frame.height, SLICE):
        part = neutralised(frame.slice(offset, SLICE))
        for values in part.iter_rows():
            for col, value in enumerate(values):
                if isinstance(value, str):  # already neutralised
                    sheet.write_string(row, col, value)
                else:
                    write_cell(sheet, row, col, value, book)
            row += 1
    return sheet
