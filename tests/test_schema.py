"""The schema is created and migrated by the program, documented, and matches the parser."""

from __future__ import annotations

from pathlib import Path

import duckdb
from unlisted.etl.database import connect, schema_version
from unlisted.etl.x12._x12parse import schemas
from unlisted.queries.data_dictionary import data_dictionary
from unlisted.queries.sql import migrations

from unlisted.pipeline import rebuild_marts

DOCS = Path(__file__).parents[1] / "docs" / "data-dictionary.md"


def test_migrations_run_once_and_are_recorded(tmp_path):
    path = tmp_path / "db.duckdb"
    connect(path).close()
    con = connect(path)
    assert schema_version(con) == 7
    versions = con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
    assert versions == [(1,), (2,), (3,), (4,), (5,), (6,), (7,)]


def test_a_version_1_database_is_migrated_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as old:
        version, scripts = migrations()[0]
        for script in scripts:
            old.execute(script)
        old.execute("INSERT INTO schema_version (version) VALUES (1)")
        old.execute(
            "INSERT INTO load_batch (batch_id, file_name, sha256, status) "
            "VALUES (1, 'a.835', 'x', 'loaded')"
        )
    con = connect(path)
    assert schema_version(con) == 7
    assert con.execute("SELECT file_name FROM load_batch").fetchall() == [("a.835",)]
    assert con.execute("SELECT count(*) FROM treatment_note").fetchone()[0] == 0


def test_parser_columns_exist_in_the_tables(db):
    for table, columns in schemas().items():
        found = {
            row[0]
            for row in db.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = $t", {"t": table}
            ).fetchall()
        }
        assert set(columns) <= found, (table, set(columns) - found)


def test_every_table_and_column_is_documented(db):
    rebuild_marts(db)
    undocumented = db.execute(
        "SELECT table_name, column_name FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND NOT internal AND (comment IS NULL OR comment = '')"
    ).fetchall()
    assert undocumented == []
    assert (
        db.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND comment IS NULL"
        ).fetchone()[0]
        == 0
    )


def test_data_dictionary_in_docs_is_current(db):
    rebuild_marts(db)
    assert DOCS.read_text(encoding="utf-8") == data_dictionary(db), (
        "docs/data-dictionary.md is stale: run `unlisted schema > docs/data-dictionary.md`"
    )
