"""AG Grid's server-side protocol, read into the plain typed query of queries/explore.py: the
Claims grid's getRowsRequest (startRow, endRow, filterModel, sortModel) and the same state an
export of the grid sends. Anything that does not read raises ValueError (or TypeError,
AttributeError for a shape that is not the grid's); nothing here touches data."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from ..queries.explore import ColumnTest, Combined, SortKey, grid_rows

KINDS = ("text", "number", "date", "set")


@dataclass(frozen=True)
class GridQuery:
    """What the grid asks for, apart from which rows: column tests, order, search text. Frozen
    and hashable: the grid's counts and orders are cached under it."""

    tests: tuple[ColumnTest | Combined, ...] = ()
    order: tuple[SortKey, ...] = ()
    search: str = ""


def grid_query(filter_model: dict | None, sort_model: list | None,
               search: str | None) -> GridQuery:  # fmt: skip
    return GridQuery(tests=tuple(column_test(column, model)
                                 for column, model in (filter_model or {}).items()),
                     order=ordering(sort_model), search=search or "")  # fmt: skip


def from_state(state: dict) -> GridQuery:
    """The grid's state as the Claims page's export form sends it."""
    return grid_query(state.get("filterModel"), state.get("sortModel"), state.get("search"))


def ordering(sort_model: list | None) -> tuple[SortKey, ...]:
    return tuple(SortKey(str(s["colId"]), s.get("sort") == "desc")
                 for s in sort_model or [] if s.get("colId"))  # fmt: skip


def column_test(column: str, model: dict) -> ColumnTest | Combined:
    """One column's filter (text, number, date or set; simple, or conditions joined by AND or
    OR) as a test."""
    if "conditions" in model:
        parts = tuple(column_test(column, part) for part in model["conditions"])
        if not parts:
            raise ValueError("a combined filter without conditions")
        return Combined(column, parts, any=model.get("operator") == "OR")
    kind, test = model.get("filterType"), model.get("type")
    if test in ("blank", "notBlank"):
        return ColumnTest(column, kind or "text", test)
    if kind == "set":
        return ColumnTest(column, "set", "in", tuple(str(v) for v in model.get("values") or []))
    if kind == "text":
        return ColumnTest(column, "text", str(test), str(model.get("filter") or "").lower())
    if kind in ("number", "date"):
        read = float if kind == "number" else day
        low = model.get("filter") if kind == "number" else model.get("dateFrom")
        high = model.get("filterTo") if kind == "number" else model.get("dateTo")
        if test == "inRange":
            return ColumnTest(column, kind, test, read(low), read(high))
        return ColumnTest(column, kind, str(test), read(low))
    raise ValueError(f"unknown filter type {kind!r}")


def day(value) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def rows(shown: pl.LazyFrame, query: GridQuery) -> pl.LazyFrame:
    """The shown lines the grid's query selects, in its order."""
    return grid_rows(shown, query.tests, query.order, query.search)


# -- what the grid is sent -------------------------------------------------------------------
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def claim_link(row: dict) -> str:
    """The row's claim number as a Markdown link to its claim (the grid's markdown renderer
    draws it as a link): every Markdown character of the number escaped."""
    number = MARKDOWN_SPECIAL.sub(r"\\\1", str(row.get("patient_control_number") or "?"))
    return f"[{number}](/claims/{int(row['claim_id'])})" if row.get("claim_id") is not None \
        else number  # fmt: skip


def with_claim_links(found: list[dict]) -> list[dict]:
    """Rows for the grid, each with `claim_link` (its claim number, linked)."""
    return [{**row, "claim_link": claim_link(row)} for row in found]
