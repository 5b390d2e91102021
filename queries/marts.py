"""Rebuild the marts (queries/marts/*.sql, in order) from the base tables, in one transaction."""

from __future__ import annotations

import csv
import io

import duckdb
import pyarrow as pa

from .sql import ROOT, sql

MODELS = sorted(
    f.name.removesuffix(".sql") for f in (ROOT / "marts").iterdir() if f.name.endswith(".sql")
)


def denial_categories() -> pa.Table:
    """The editable reference list of denial categories, as shipped."""
    text = (ROOT / "reference" / "denial_category.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    return pa.table({
        "carc": [r["carc"] for r in rows],
        "category": [r["category"] for r in rows],
        "category_label": [r["category_label"] for r in rows],
        "is_denial": [r["is_denial"].strip().lower() == "true" for r in rows],
    })  # fmt: skip


def rebuild_marts(con: duckdb.DuckDBPyConnection) -> None:
    # A cursor of its own: its settings and transaction leave the caller's connection alone.
    with con.cursor() as cursor:
        cursor.register("denial_category_source", denial_categories())
        cursor.execute("BEGIN TRANSACTION")
        try:
            for model in MODELS:
                cursor.execute(sql(f"marts/{model}"))
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
