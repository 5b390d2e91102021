"""A load killed halfway leaves the database as it was; the same load then runs cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from .conftest import SAMPLES

MANY_CLAIMS = SAMPLES / "imsweb__x12-parser" / "x12_many_claims.txt"  # 820 claims
SMALL_835 = SAMPLES / "albmarin__badX12" / "X221-multiple-claims-single-check.edi"
COPIES = 240  # about 80 MB: several seconds of work to interrupt


def counts(db_path):
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(
            "SELECT (SELECT count(*) FROM load_batch), (SELECT count(*) FROM claim),"
            " (SELECT count(*) FROM claim_line), (SELECT count(*) FROM remit_claim),"
            " (SELECT coalesce(sum(paid_amount), 0) FROM remit_claim)"
        ).fetchone()


def load_interrupted(tmp_path, sig: int) -> tuple[list[str], Path, int, str]:
    """`unlisted load SMALL_835 big.837` sent `sig` a quarter second into big.837 (about a
    second of loading); the command, the database, the exit status and standard error."""
    big = tmp_path / "big.837"
    big.write_bytes(MANY_CLAIMS.read_bytes() * COPIES)
    db = tmp_path / "interrupted.duckdb"
    command = [sys.executable, "-m", "unlisted.cli", "load", str(SMALL_835), str(big),
               "--db", str(db), "--json"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(process.stdout.readline())["status"] == "loaded"
    time.sleep(0.25)
    assert process.poll() is None, "the load finished before it could be interrupted"
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    return command, db, process.returncode, err


def load_again(command: list[str]) -> list[str]:
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    return [json.loads(line)["status"] for line in again.stdout.splitlines()]


def test_killed_load_leaves_database_unchanged_then_loads(tmp_path):
    command, db, _, _ = load_interrupted(tmp_path, signal.SIGKILL)
    assert counts(db)[:4] == (1, 0, 0, 9)  # only the small remittance, nothing of big.837
    assert load_again(command) == ["duplicate", "loaded"]
    assert counts(db)[:4] == (2, 820 * COPIES, 820 * COPIES, 9)


def test_ctrl_c_keeps_the_files_before_says_so_and_the_next_run_catches_up(tmp_path):
    command, db, status, err = load_interrupted(tmp_path, signal.SIGINT)
    assert status == 130
    assert " ".join(err.split()) == (
        "Stopped while loading big.837 (nothing of it is kept); 1 file of this run is loaded "
        "and kept. Run the same command again: files already loaded are skipped, the others "
        "load, and the marts are brought up to date."
    )
    assert counts(db)[:4] == (1, 0, 0, 9)
    assert load_again(command) == ["duplicate", "loaded"]
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT loaded_through FROM mart_build").fetchone() == (2,)


def test_ctrl_c_during_the_mart_rebuild_keeps_the_earlier_marts(tmp_path, loader, db, monkeypatch):
    """DuckDB turns SIGINT during a query into RuntimeError('Query interrupted'): the command
    still stops as for Ctrl-C during a load (exit 130, no traceback), the rebuild rolled back."""
    from unlisted.pipeline import rebuild_marts

    from .test_pathological_shapes import one_patient_day

    monkeypatch.delenv("UNLISTED_RULES", raising=False)
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    claims = tmp_path / "one-patient-day.837"
    claims.write_text(one_patient_day(12_000))  # a rebuild of a few seconds
    assert loader.load(claims).status == "loaded"
    rebuild_marts(db)  # the earlier marts, with the shipped rules
    earlier = db.execute("SELECT fingerprint, built_at FROM mart_build").fetchone()
    db.close()
    rules = tmp_path / "rules.toml"  # changed rules: the next load rebuilds the marts
    rules.write_text("[missing_narrative]\nseverity = 'low'\n")
    env = {**os.environ, "UNLISTED_RULES": str(rules)}
    command = [sys.executable, "-m", "unlisted.cli", "load", str(claims), "--db",
               str(tmp_path / "test.duckdb"), "--json"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)  # fmt: skip
    assert json.loads(process.stdout.readline())["status"] == "duplicate"  # now the rebuild
    time.sleep(0.25)
    assert process.poll() is None, "the rebuild finished before it could be interrupted"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted" not in err
    assert " ".join(err.split()) == (
        "Stopped while the marts were being rebuilt; 0 files of this run are loaded and kept. "
        "Run the same command again: files already loaded are skipped, the others load, and "
        "the marts are brought up to date."
    )
    with duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True) as con:
        assert con.execute("SELECT fingerprint, built_at FROM mart_build").fetchone() == earlier
        assert con.execute(
            "SELECT DISTINCT severity FROM rule_finding WHERE rule = 'missing_narrative'"
        ).fetchall() == [("high",)]  # the shipped rules' severity: the rebuild left nothing
    again = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(tmp_path / "test.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT DISTINCT severity FROM rule_finding WHERE rule = 'missing_narrative'"
        ).fetchall() == [("low",)]
