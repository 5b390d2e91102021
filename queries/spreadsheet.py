"""Spreadsheet helpers shared by the dashboard's downloads (dashboard/exports.py) and the audit
packet (unlisted/packet_writer.py): formula neutralisation and typed cells with xlsxwriter."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import polars as pl

SLICE = 20_000
# Spreadsheet programs run cells that begin with these as formulas.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    text = [name for name, kind in frame.schema.items() if kind == pl.String]
    return frame.with_columns(
        pl.when(pl.col(name).str.starts_with(FORMULA_START[0]).or_(
            *[pl.col(name).str.starts_with(s) for s in FORMULA_START[1:]]))
        .then(pl.lit("'") + pl.col(name)).otherwise(pl.col(name)).alias(name)
        for name in text
    )  # fmt: skip


def neutral_text(value: str) -> str:
    """One text cell as neutralised() writes it."""
    return "'" + value if value.startswith(FORMULA_START) else value


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


def write_sheet(book, name: str, frame: pl.DataFrame):
    """One sheet: a bold header row, then the frame's rows as typed cells (in slices, so that a
    constant_memory workbook stays small). Returns the worksheet."""
    sheet = book.add_worksheet(name[:31])
    bold = formats(book)["bold"]
    for col, header in enumerate(frame.columns):
        sheet.write_string(0, col, header, bold)
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
