"""`unlisted load` as a user runs it: exit status, summary, JSON records, default database."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb

from .conftest import SAMPLES

ERA = SAMPLES / "albmarin__badX12" / "X221-era-sample.edi"
NO_ISA = SAMPLES / "imsweb__x12-parser" / "x12_no_isa_line.txt"
MANY_CLAIMS = SAMPLES / "imsweb__x12-parser" / "x12_many_claims.txt"  # 820 claims


def unlisted(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "unlisted.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=120,
    )  # fmt: skip


def test_json_records_and_exit_codes(tmp_path):
    db = tmp_path / "x.duckdb"
    first = unlisted("load", ERA, "--db", db, "--json")
    assert first.returncode == 0, first.stderr
    (record,) = [json.loads(line) for line in first.stdout.splitlines()]
    assert {k: record[k] for k in ("kind", "status", "claims", "lines", "rejects")} == {
        "kind": "835", "status": "loaded", "claims": 1, "lines": 5, "rejects": 0,
    }  # fmt: skip
    assert (record["total_charge"], record["total_paid"]) == ("226.00", "132.00")
    assert record["seconds"] > 0  # the file's own load time
    again = unlisted("load", ERA, "--db", db, "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["status"] == "duplicate"
    assert "already loaded" in json.loads(again.stdout)["message"]
    mixed = unlisted("load", ERA, NO_ISA, "--db", db, "--json")
    assert mixed.returncode == 1
    statuses = [json.loads(line)["status"] for line in mixed.stdout.splitlines()]
    assert statuses == ["duplicate", "rejected"]


def test_usage_errors_exit_2(tmp_path):
    result = unlisted("load", tmp_path / "missing.835", "--db", tmp_path / "x.duckdb")
    assert result.returncode == 2
    assert "does not exist" in " ".join(result.stderr.replace("│", " ").split())
    assert unlisted("load").returncode == 2


def test_summary_table_and_default_database_from_environment(tmp_path):
    env = {**os.environ, "UNLISTED_DB": str(tmp_path / "env.duckdb")}
    result = unlisted("load", SAMPLES / "albmarin__badX12", cwd=tmp_path, env=env)
    assert result.returncode == 1  # error_validation.edi is broken on purpose
    assert "23 loaded, 0 already loaded, 1 rejected." in result.stdout
    assert "SE02 '112223' does not match ST02 '112233'" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    with duckdb.connect(str(tmp_path / "env.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM load_batch").fetchone()[0] == 24
    assert not (tmp_path / "unlisted.duckdb").exists()


def test_loading_a_folder_skips_the_database_inside_it(tmp_path):
    (tmp_path / "era.835").write_bytes(ERA.read_bytes())
    db = tmp_path / "inside.duckdb"
    assert unlisted("load", tmp_path, "--db", db).returncode == 0
    again = unlisted("load", tmp_path, "--db", db, "--json")
    assert again.returncode == 0
    assert [json.loads(line)["status"] for line in again.stdout.splitlines()] == ["duplicate"]


def test_loading_again_rebuilds_marts_from_an_older_version(tmp_path):
    db = tmp_path / "x.duckdb"
    assert unlisted("load", ERA, "--db", db).returncode == 0
    con = duckdb.connect(str(db))
    built = con.execute("SELECT fingerprint FROM mart_build").fetchall()
    con.execute("DROP TABLE carc_label")  # as a database from before the labels existed
    con.execute("UPDATE mart_build SET fingerprint = 'older'")
    con.close()
    again = unlisted("load", ERA, "--db", db)
    assert again.returncode == 0, again.stderr
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT fingerprint FROM mart_build").fetchall() == built
    assert con.execute("SELECT label FROM carc_label WHERE code = '16'").fetchall() == [
        ("Claim lacks information",)]
    con.close()


def test_a_load_stopped_before_its_mart_rebuild_is_caught_up_by_the_next(tmp_path):
    """Files loaded by a run that stopped before rebuilding the marts (Ctrl-C, a crash): the next
    `unlisted load` finds only files already loaded, and still brings the marts up to date."""
    from unlisted.etl.database import connect
    from unlisted.etl.load import Loader

    db = tmp_path / "x.duckdb"
    assert unlisted("load", ERA, "--db", db).returncode == 0
    con = connect(db)
    assert Loader(con).load(MANY_CLAIMS).status == "loaded"  # no mart rebuild after it
    con.close()
    again = unlisted("load", ERA, MANY_CLAIMS, "--db", db, "--json")
    assert again.returncode == 0, again.stderr
    assert [json.loads(line)["status"] for line in again.stdout.splitlines()] == [
        "duplicate", "duplicate"]
    con = duckdb.connect(str(db), read_only=True)
    # the lines of the claims in force: the file's 820 claims repeat two claim numbers
    assert con.execute("SELECT count(*) FROM line_adjudication").fetchone() == (2,)
    assert con.execute("SELECT loaded_through FROM mart_build").fetchone() == (2,)
    con.close()


FULL_DISK = """
import sys
import duckdb
from unlisted.etl import writer

write_arrow = writer.TableWriter.write_arrow


def full_disk(self, table, rows):
    if table == "claim_line":
        raise duckdb.IOException('Could not write file "x.duckdb": No space left on device')
    return write_arrow(self, table, rows)


writer.TableWriter.write_arrow = full_disk
from unlisted.cli import app

app()
"""


def test_a_database_that_cannot_be_written_stops_the_run_and_blames_no_file(tmp_path):
    """A full disk is not the file's fault: nothing is recorded against it, the files before it
    stay, the command says what happened and how to go on, and the next run loads the rest."""
    db = tmp_path / "x.duckdb"
    failed = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "load", ERA, MANY_CLAIMS, "--db", db],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    said = " ".join(failed.stderr.split())
    assert failed.returncode == 1, failed.stderr
    assert "Traceback" not in failed.stdout + failed.stderr
    assert said == (
        "Stopped at x12_many_claims.txt: the database could not take it (Could not write file "
        '"x.duckdb": No space left on device); nothing of it is kept; 1 file of this run is '
        "loaded and kept. Free disk space or memory, then run the same command again: files "
        "already loaded are skipped, the others load, and the marts are brought up to date."
    )
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT file_name, status FROM load_batch").fetchall() == [
            ("X221-era-sample.edi", "loaded")
        ]
        assert con.execute("SELECT count(*) FROM claim").fetchone() == (0,)
    again = unlisted("load", ERA, MANY_CLAIMS, "--db", db, "--json")
    assert again.returncode == 0, again.stderr
    records = [json.loads(line) for line in again.stdout.splitlines()]
    assert [(r["status"], r["claims"]) for r in records] == [("duplicate", 0), ("loaded", 820)]


def test_the_generators_output_loads_cleanly_as_a_whole(tmp_path):
    """`unlisted generate OUTDIR` then `unlisted load OUTDIR`: every file is an input, and the
    answer key and the practice's facts (in _generator/) are passed over."""
    made = unlisted("generate", tmp_path / "out", "--claims", 60)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "_generator").iterdir()) == [
        "rules.toml", "truth.json"]
    run = unlisted("load", tmp_path / "out", "--db", tmp_path / "x.duckdb", "--json")
    assert run.returncode == 0, run.stderr
    records = [json.loads(line) for line in run.stdout.splitlines()]
    inputs = [p for p in (tmp_path / "out").rglob("*") if p.is_file() and "_generator" not in p.parts]
    assert len(records) == len(inputs)
    assert {r["status"] for r in records} == {"loaded"}
    assert not any(r["file"].endswith(("truth.json", "rules.toml")) for r in records)
