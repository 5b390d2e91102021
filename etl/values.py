"""Validation of the scalar values every input carries: money, quantities and dates.

Values stay exact text: DuckDB casts them to DECIMAL and DATE on insert, so no float ever touches
money. Messages quote a bad amount but never a bad date, which could be a birth date.
Files repeat the same amounts and dates many times, hence the caches.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

_AMOUNT = re.compile(r"-?(?:\d{1,16}(?:\.\d{0,2})?|\.\d{1,2})")
_QUANTITY = re.compile(r"-?(?:\d{1,12}(?:\.\d{0,3})?|\.\d{1,3})")
_DATE8 = re.compile(r"\d{8}")


class BadValue(ValueError):
    """A value that does not fit its type; the message says what was expected."""


@lru_cache(maxsize=65536)
def amount(text: str) -> str:
    """A monetary amount with at most two decimals, as exact text."""
    if not _AMOUNT.fullmatch(text):
        raise BadValue(
            f"value {text[:20]!r} is not an amount (digits, optional '.', at most 2 decimals)"
        )
    return text


@lru_cache(maxsize=4096)
def quantity(text: str) -> str:
    """A unit count or quantity with at most three decimals, as exact text."""
    if not _QUANTITY.fullmatch(text):
        raise BadValue(
            f"value {text[:20]!r} is not a quantity (digits, optional '.', at most 3 decimals)"
        )
    return text


@lru_cache(maxsize=65536)
def date8(text: str) -> str:
    """An X12 CCYYMMDD date, returned as ISO text."""
    if not _DATE8.fullmatch(text):
        raise BadValue("value is not a date in CCYYMMDD form")
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    except ValueError:
        raise BadValue("value is not a calendar date") from None


@lru_cache(maxsize=65536)
def iso_date(text: str) -> str:
    """A YYYY-MM-DD date (CSV inputs), returned as ISO text."""
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise BadValue("value is not a date in YYYY-MM-DD form") from None


def date_range(fmt: str, text: str) -> tuple[str, str]:
    """A DTP date: D8 (one date) or RD8 (CCYYMMDD-CCYYMMDD); returns (start, end)."""
    if fmt == "RD8":
        start, sep, end = text.partition("-")
        if not sep:
            raise BadValue("value is not a date range CCYYMMDD-CCYYMMDD")
        return date8(start), date8(end)
    if fmt in ("D8", ""):
        day = date8(text)
        return day, day
    raise BadValue(f"date format {fmt[:5]!r} is not supported (D8 or RD8 expected)")
