"""Rebuild the marts (queries/marts/*.sql, in order) from the base tables, in one transaction.

The reference lists and the rules the marts are built from come in as Arrow tables (`sources`),
made from the settings by the caller (unlisted/pipeline.py): this layer reads no settings."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import duckdb
import pyarrow as pa

from .sql import ROOT, sql

MODELS = sorted(
    f.name.removesuffix(".sql") for f in (ROOT / "marts").iterdir() if f.name.endswith(".sql")
)

TRUE_VALUES = ("true", "yes", "y", "1")
FALSE_VALUES = ("false", "no", "n", "0")


class ReferenceListError(duckdb.InvalidInputException):
    """A reference list that cannot be used; the message names the file and the problem."""


def reference_path(name: str, folder: Path | None = None) -> Path:
    """<name>.csv in `folder` (the user's replacements) when it is there, else the shipped one."""
    if folder is not None:
        if not folder.is_dir():
            raise ReferenceListError(f"the reference folder {folder} is not a folder")
        replacement = folder / f"{name}.csv"
        if replacement.is_file():
            return replacement
    return ROOT / "reference" / f"{name}.csv"


def reference_list(name: str, columns: tuple[str, ...], folder: Path | None = None) -> pa.Table:
    """The reference list <name>.csv as text columns; the first column is its key (unique).

    Other columns in the file are ignored, blank lines skipped, values stripped, an empty value
    is null; a byte order mark (as spreadsheets write) is accepted."""
    path = reference_path(name, folder)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceListError(f"cannot read the reference list {path}: {exc}") from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReferenceListError(
            f"the reference list {path} needs the column(s) {', '.join(missing)} "
            f"(expected header: {','.join(columns)})"
        )
    positions = [header.index(c) for c in columns]
    values: list[list[str | None]] = [[] for _ in columns]
    seen: set[str] = set()
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = [row[p].strip() if p < len(row) else "" for p in positions]
        key = cells[0]
        if not key:
            raise ReferenceListError(f"{path}, line {number}: {columns[0]} is empty")
        if key in seen:
            raise ReferenceListError(f"{path}, line {number}: {columns[0]} {key} is listed twice")
        seen.add(key)
        for column, cell in zip(values, cells, strict=True):
            column.append(cell or None)
    return pa.table({c: pa.array(v, pa.string()) for c, v in zip(columns, values, strict=True)})


def denial_categories(folder: Path | None = None) -> pa.Table:
    """The editable reference list of denial categories (docs/denial-categories.md)."""
    table = reference_list("denial_category", ("carc", "category", "category_label", "is_denial"),
                           folder)  # fmt: skip
    flags = []
    for carc, flag in zip(table["carc"].to_pylist(), table["is_denial"].to_pylist(), strict=True):
        word = (flag or "").lower()
        if word not in TRUE_VALUES + FALSE_VALUES:
            raise ReferenceListError(
                f"{reference_path('denial_category', folder)}: is_denial of CARC {carc} must "
                f"be true or false, not {flag!r}"
            )
        flags.append(word in TRUE_VALUES)
    return table.set_column(3, "is_denial", pa.array(flags, pa.bool_()))


def carc_labels(folder: Path | None = None) -> pa.Table:
    """Short labels of the claim adjustment reason codes (CARC), written by the project."""
    return reference_list("carc", ("code", "label"), folder)


def rarc_labels(folder: Path | None = None) -> pa.Table:
    """Short labels of the remittance advice remark codes (RARC), written by the project."""
    return reference_list("rarc", ("code", "label"), folder)


def fingerprint(sources: dict[str, pa.Table]) -> str:
    """SHA-256 of the mart models and of the reference lists and rules they are built from."""
    digest = hashlib.sha256()
    for model in MODELS:
        digest.update(sql(f"marts/{model}").encode())
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update(repr(sources[name].to_pydict()).encode())
    return digest.hexdigest()


def reference_sources(folder: Path | None = None) -> dict[str, pa.Table]:
    """The reference lists as the marts see them; `folder` holds the user's replacements."""
    return {
        "denial_category_source": denial_categories(folder),
        "carc_label_source": carc_labels(folder),
        "rarc_label_source": rarc_labels(folder),
    }


def marts_current(con: duckdb.DuckDBPyConnection, sources: dict[str, pa.Table]) -> bool:
    """Whether the marts were built by this program's models from the current reference lists
    and rules, and with every file loaded so far (a load stopped before its rebuild leaves them
    behind)."""
    with con.cursor() as cursor:
        try:
            found = cursor.execute(sql("load/mart_build_state")).fetchall()
        except (duckdb.CatalogException, duckdb.BinderException):
            return False  # no marts yet, or marts from a version without this record
    if not found or not found[0][1]:
        return False
    return found[0][0] == fingerprint(sources)


def rebuild_marts(con: duckdb.DuckDBPyConnection, sources: dict[str, pa.Table]) -> None:
    """Every mart, from the base tables and `sources` (the reference lists and rules)."""
    sources = dict(sources)
    sources["mart_build_source"] = pa.table({"fingerprint": [fingerprint(sources)]})
    # A cursor of its own: its settings and transaction leave the caller's connection alone.
    with con.cursor() as cursor:
        for view, table in sources.items():
            cursor.register(view, table)
        cursor.execute("BEGIN TRANSACTION")
        try:
            for model in MODELS:
                cursor.execute(sql(f"marts/{model}"))
            cursor.execute("COMMIT")
        except BaseException as exc:
            try:
                cursor.execute("ROLLBACK")
            except (duckdb.Error, RuntimeError):
                pass  # a second Ctrl-C, or a failed database: closing the cursor rolls back too
            if interrupted(exc):
                raise KeyboardInterrupt from None
            raise


def interrupted(exc: BaseException) -> bool:
    """Whether a query stopped for Ctrl-C. DuckDB takes SIGINT during a query and raises
    RuntimeError('Query interrupted') (InterruptException when interrupted from a thread) instead
    of KeyboardInterrupt; the callers' Ctrl-C handling expects KeyboardInterrupt."""
    if isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)):
        return True
    return type(exc) is RuntimeError and str(exc) == "Query interrupted"
