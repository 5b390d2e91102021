"""The dashboard's private copy of the database: it serves while `unlisted load` writes, it
never makes a load fail, and it never raises because of the live file."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest
from unlisted.dashboard.snapshot import DatabaseSnapshot
from unlisted.etl.database import connect
from unlisted.etl.errors import InputError
from unlisted.etl.load import Loader
from unlisted.queries.sql import migrations, sql

from .conftest import SAMPLES

ERA = SAMPLES / "albmarin__badX12" / "X221-era-sample.edi"  # 835, 1 claim payment
CLAIM = SAMPLES / "albmarin__badX12" / "X222-commercial-health-insurance.edi"  # 837P, 1 claim
MULTI = SAMPLES / "albmarin__badX12" / "X221-multiple-claims-single-check.edi"  # 835, 9 claims
COUNTS = "SELECT (SELECT count(*) FROM claim), (SELECT count(*) FROM remit_claim)"


def load(db, *paths):
    """Load in this process and let go of the file, as `unlisted load` does."""
    con = connect(db)
    try:
        for path in paths:
            assert Loader(con).load(path).status == "loaded"
    finally:
        con.close()


def counts(snapshot):
    cursor = snapshot.cursor()
    return cursor.execute(COUNTS).fetchone()


def python(code: str, *args, **popen):
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], **popen)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".snapshot-" in p.name)


HOLD_WRITER = """
import sys
from pathlib import Path
from unlisted.etl.database import connect
from unlisted.etl.load import Loader
from unlisted.queries.sql import migrations, sql
con = connect(sys.argv[1])
Loader(con).load(Path(sys.argv[2]))
print("holding", flush=True)
sys.stdin.read()  # until the test closes our standard input
con.close()
"""


def test_serves_a_fresh_database_and_refreshes_after_a_load(tmp_path):
    db = tmp_path / "unlisted.duckdb"
    snapshot = DatabaseSnapshot(db, check_every=1.0)
    assert snapshot.cursor() is None  # no database yet: the app shows an empty state
    assert (snapshot.version, snapshot.problem, snapshot.refreshed_at) == (0, None, None)

    load(db, ERA)
    snapshot.refresh()  # the app would wait check_every; the test does not
    assert counts(snapshot) == (0, 1)
    assert snapshot.version == 1 and snapshot.problem is None
    assert snapshot.loaded_at <= snapshot.refreshed_at
    before = snapshot.cursor()  # a request in flight across the refresh

    load(db, CLAIM, MULTI)
    assert counts(snapshot) == (0, 1)  # checked less than check_every ago: the same copy
    assert snapshot.version == 1
    time.sleep(1.05)
    assert counts(snapshot) == (1, 10)
    assert snapshot.version == 2
    # The old copy was swapped out and unlinked; the cursor taken from it still reads it, whole.
    assert before.execute(COUNTS).fetchone() == (0, 1)
    assert leftovers(tmp_path) == []  # the open copy is unlinked: nothing on disk but the data
    snapshot.close()
    assert leftovers(tmp_path) == []
    with pytest.raises(RuntimeError):
        snapshot.cursor()


def test_load_succeeds_and_queries_never_fail_while_the_dashboard_is_open(tmp_path):
    practice = tmp_path / "practice"
    generate = [sys.executable, "-m", "unlisted.cli", "generate", str(practice),
                "--claims", "3000", "--months", "1"]  # fmt: skip
    subprocess.run(generate, check=True, capture_output=True, timeout=120)
    db = tmp_path / "unlisted.duckdb"
    load(db, ERA)
    snapshot = DatabaseSnapshot(db, check_every=0.05)  # tries while the load holds the file
    assert counts(snapshot) == (0, 1)

    failures: list[BaseException] = []
    seen: list[tuple[int, int]] = []
    done = threading.Event()

    def ask():  # what a Flask request thread does
        while not done.is_set():
            try:
                cursor = snapshot.cursor()
                seen.append(cursor.execute(COUNTS).fetchone())
            except BaseException as exc:  # noqa: BLE001 - collected and reported below
                failures.append(exc)

    with open(tmp_path / "load.out", "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "unlisted.cli", "load", practice / "claims",
             practice / "remits", practice / "notes", practice / "contracts.csv", "--db", db],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        threads = [threading.Thread(target=ask) for _ in range(2)]
        for thread in threads:
            thread.start()
        try:
            while process.poll() is None:  # the test thread asks too
                seen.append(counts(snapshot))
            assert process.wait(timeout=120) == 0, (tmp_path / "load.out").read_text()
        finally:
            done.set()
            for thread in threads:
                thread.join()
    assert failures == []
    assert len(seen) > 50 and set(seen) >= {(0, 1)}
    with duckdb.connect(str(db), read_only=True) as con:
        final = con.execute(COUNTS).fetchone()
    assert final[0] > 1000
    time.sleep(0.06)
    assert counts(snapshot) == final and snapshot.version >= 2
    snapshot.close()
    assert leftovers(tmp_path) == []


def test_load_waits_while_the_snapshot_copy_holds_the_file(tmp_path):
    db = tmp_path / "unlisted.duckdb"
    load(db, ERA)
    copying = duckdb.connect(str(db), read_only=True)  # the lock a snapshot copy holds
    try:
        busy = python(
            "import sys\n"
            "from unlisted.etl.database import connect\n"
            "from unlisted.etl.errors import InputError\n"
            "try:\n    connect(sys.argv[1], wait_seconds=0.3)\n"
            "except InputError as exc:\n    print(exc.code, exc.message)\n",
            db, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        out, _ = busy.communicate(timeout=60)
        assert out.startswith("database_busy the database unlisted.duckdb is open for writing")
        waiting = subprocess.Popen(
            [sys.executable, "-m", "unlisted.cli", "load", str(CLAIM), "--db", str(db)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        time.sleep(1.5)  # the load has started and is waiting for the file
        assert waiting.poll() is None
    finally:
        copying.close()
    out, _ = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, out
    assert "1 loaded" in out


def test_a_locked_live_file_keeps_the_old_snapshot_in_service(tmp_path):
    db = tmp_path / "unlisted.duckdb"
    load(db, ERA)
    snapshot = DatabaseSnapshot(db, check_every=0)
    assert counts(snapshot) == (0, 1)

    # Another process writes and keeps the file: every check finds it changed and locked.
    holder = python(HOLD_WRITER, db, CLAIM, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"holding\n"
        for _ in range(20):
            assert counts(snapshot) == (0, 1)
        assert snapshot.refresh() is False
        assert (snapshot.version, snapshot.problem) == (1, None)
    finally:
        holder.communicate(timeout=60)
    assert counts(snapshot) == (1, 1)
    assert snapshot.version == 2

    # A read-write connection in this very process: DuckDB refuses a read-only one beside it.
    writer = connect(db)
    try:
        assert Loader(writer).load(MULTI).status == "loaded"
        for _ in range(5):
            assert counts(snapshot) == (1, 1)
        assert (snapshot.version, snapshot.problem) == (2, None)
    finally:
        writer.close()
    assert counts(snapshot) == (1, 10)
    snapshot.close()
    assert leftovers(tmp_path) == []


def test_unreadable_or_outdated_database_keeps_the_previous_snapshot(tmp_path):
    folder = tmp_path / "private-patient-folder"
    folder.mkdir()
    db = folder / "unlisted.duckdb"
    db.write_bytes(b"ISA*00*not a database~" * 100)
    snapshot = DatabaseSnapshot(db, check_every=0)
    assert snapshot.cursor() is None
    assert snapshot.problem == "the database could not be read: it is not a DuckDB database file"

    db.unlink()
    load(db, ERA)
    assert counts(snapshot) == (0, 1)
    assert snapshot.problem is None and snapshot.version == 1

    # Another program's DuckDB file put in its place.
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
    os.replace(db, tmp_path / "kept.duckdb")
    os.replace(other, db)
    assert counts(snapshot) == (0, 1)
    assert snapshot.problem == "the database could not be read: it is not an unlisted database"

    # A database of an older schema: served again once a load has upgraded it.
    db.unlink()
    with duckdb.connect(str(db)) as con:
        for script in migrations()[0][1]:
            con.execute(script)
        con.execute(sql("load/record_schema_version"), {"version": 1})
    assert counts(snapshot) == (0, 1)
    assert snapshot.problem == (
        "the database could not be read: its schema is older (version 1, this program needs "
        f"{migrations()[-1][0]}); run unlisted load to upgrade it"
    )
    assert snapshot.version == 1
    load(db, CLAIM, ERA)  # connect() migrates
    assert counts(snapshot) == (1, 1)
    assert snapshot.problem is None and snapshot.version == 2

    with duckdb.connect(str(tmp_path / "damaged.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(100000)")
    damaged = bytearray((tmp_path / "damaged.duckdb").read_bytes())
    damaged[8192 + 100 : 8192 + 164] = b"\xff" * 64  # inside the first data block
    db.write_bytes(bytes(damaged))
    assert counts(snapshot) == (1, 1)
    assert snapshot.problem == "the database could not be read: the file is damaged"

    db.write_bytes(b"\0" * 4096)
    assert counts(snapshot) == (1, 1)
    assert snapshot.problem.startswith("the database could not be read")
    assert str(tmp_path) not in snapshot.problem and "private" not in snapshot.problem

    db.unlink()  # the database was removed: nothing to serve
    assert snapshot.cursor() is None
    assert snapshot.problem is None and snapshot.version == 3
    snapshot.close()
    assert leftovers(folder) == []


def test_snapshot_files_are_removed_and_stale_ones_cleaned(tmp_path):
    db = tmp_path / "data" / "unlisted.duckdb"
    db.parent.mkdir()
    load(db, ERA)
    private = tmp_path / "snapshots"
    # Left by a process killed in the middle of a copy, and by one still running.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    private.mkdir()
    stale = [f".unlisted.snapshot-{gone}-7.duckdb", f".unlisted.snapshot-{gone}-7.duckdb.wal"]
    running = f".unlisted.snapshot-{os.getppid()}-1.duckdb"
    unrelated = f".other.snapshot-{gone}-1.duckdb"
    for name in [*stale, running, unrelated]:
        (private / name).write_bytes(b"x")

    snapshot = DatabaseSnapshot(db, snapshot_dir=private)
    assert sorted(p.name for p in private.iterdir()) == sorted([running, unrelated])
    cursor = snapshot.cursor()
    assert cursor.execute(COUNTS).fetchone() == (0, 1)
    assert leftovers(db.parent) == []
    assert sorted(p.name for p in private.iterdir()) == sorted([running, unrelated])
    snapshot.close()
    with pytest.raises(duckdb.ConnectionException):
        cursor.execute(COUNTS)
    assert sorted(p.name for p in private.iterdir()) == sorted([running, unrelated])


def test_connect_reports_busy_after_waiting(tmp_path):
    db = tmp_path / "unlisted.duckdb"
    holder = python(HOLD_WRITER, db, ERA, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"holding\n"
        started = time.monotonic()
        with pytest.raises(InputError) as raised:
            connect(db, wait_seconds=0.5)
        assert 0.5 <= time.monotonic() - started < 5
        assert raised.value.code == "database_busy"
    finally:
        holder.communicate(timeout=60)
