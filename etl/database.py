"""Open the DuckDB file and bring its schema up to date (queries/schema/vN, applied in order)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb

from ..queries.sql import migrations, sql
from .errors import InputError


def connect(path: Path | str, wait_seconds: float = 30.0) -> duckdb.DuckDBPyConnection:
    """A read-write connection to the database, migrated to the current schema.

    While another process holds the file (the dashboard takes a read-only lock for the moment
    it copies the file; another load holds it throughout), try again for up to `wait_seconds`."""
    deadline = time.monotonic() + wait_seconds
    pause = 0.05
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if not re.search(r"\block\b", str(exc), re.IGNORECASE):  # not "block"
                raise InputError(
                    "database_unreadable", f"cannot open the database {path}: {exc}"
                ) from None
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise InputError(
                    "database_busy",
                    f"the database {Path(path).name} is open for writing by another process "
                    "(another load?); wait for it to finish and try again",
                ) from None
            time.sleep(min(pause, remaining))
            pause = min(pause * 2, 0.5)
    migrate(con)
    return con


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    if not con.execute(sql("load/has_schema_version")).fetchall()[0][0]:
        return 0
    return con.execute(sql("load/schema_version")).fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the database, each in its own transaction."""
    current = schema_version(con)
    for version, scripts in migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            for script in scripts:
                con.execute(script)
            con.execute(sql("load/record_schema_version"), {"version": version})
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = version
    return current
