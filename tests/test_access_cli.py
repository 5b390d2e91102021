"""`unlisted user ...`, `unlisted access-log`, `unlisted serve` without users and the demo's
users, through the command line."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import pytest
from typer.testing import CliRunner
from unlisted.etl.database import connect

from unlisted.access.store import AccessStore, store_path
from unlisted.cli import app

PASSWORD = "a password for tests\n"


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "practice.duckdb"
    connect(path).close()
    return path


def run(*args, stdin: str | None = None):
    return CliRunner().invoke(app, [str(a) for a in args], input=stdin)


def test_users_are_added_listed_changed_and_removed(database):
    db = ("--db", database)
    added = run("user", "add", "alice", "--role", "manager", "--role", "analyst",
                "--password-stdin", *db, stdin=PASSWORD)  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "Added alice (manager, analyst)."
    assert run("user", "add", "okta.user@example.org", "--role", "compliance", "--oidc",
               *db).exit_code == 0  # fmt: skip

    listed = json.loads(run("user", "list", "--json", *db).output)
    assert [(u["name"], u["roles"], u["sign_in"]) for u in listed] == [
        ("alice", "manager,analyst", "password"),
        ("okta.user@example.org", "compliance", "organisation (OIDC)")]

    assert run("user", "role", "alice", "--role", "compliance", *db).output.strip() == \
        "alice now has: compliance."  # fmt: skip
    changed = run("user", "passwd", "alice", "--password-stdin", *db,
                  stdin="another password, long\n")  # fmt: skip
    assert changed.exit_code == 0
    store = AccessStore(store_path(database))
    assert store.check_password("alice", "another password, long").roles == ("compliance",)
    assert store.check_password("okta.user@example.org", "") is None  # no password at all

    assert run("user", "remove", "alice", *db).exit_code == 0
    assert [u["name"] for u in store.users()] == ["okta.user@example.org"]
    events = [r["event"] for r in reversed(store.log_rows())]
    assert events == ["user-added", "user-added", "roles-changed", "password-changed",
                      "user-removed"]  # fmt: skip
    assert {r["user_name"] for r in store.log_rows()} == {f"cli:{__import__('getpass').getuser()}"}


@pytest.mark.parametrize("args, stdin, message", [
    (("add", "bob", "--role", "boss"), PASSWORD, "unknown role boss: choose from admin, manager, "
                                                 "compliance, analyst"),
    (("add", "bob", "--role", "analyst"), "short\n", "a password has at least 10 characters"),
    (("add", "bob smith", "--role", "analyst"), PASSWORD, "a user name is 1-128 letters"),
    (("add", "carol", "--role", "analyst"), PASSWORD, "there is already a user carol"),
    (("remove", "nobody"), None, "there is no user nobody"),
    (("role", "nobody", "--role", "analyst"), None, "there is no user nobody"),
])  # fmt: skip
def test_mistakes_get_clear_messages(database, args, stdin, message):
    run("user", "add", "carol", "--role", "analyst", "--password-stdin", "--db", database,
        stdin=PASSWORD)
    extra = ("--password-stdin",) if args[0] == "add" else ()
    result = run("user", *args, *extra, "--db", database, stdin=stdin)
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())


def test_serve_refuses_to_start_without_users(database):
    result = run("serve", "--db", database)
    assert result.exit_code == 1
    assert "Nobody can sign in yet" in result.output
    assert "unlisted user add NAME --role admin" in " ".join(result.output.split())


def test_the_access_log_exports_and_verifies(database):
    run("user", "add", "dave", "--role", "analyst", "--password-stdin", "--db", database,
        stdin=PASSWORD)
    store = AccessStore(store_path(database))
    store.log("sign-in-failed", actor="=HYPERLINK(\"http://x\")")
    out = run("access-log", "--db", database)
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert [r["event"] for r in rows] == ["user-added", "sign-in-failed"]  # oldest first
    assert rows[1]["user_name"].startswith("'=")  # a typed name cannot become a formula
    verified = run("access-log", "--verify", "--db", database)
    assert verified.exit_code == 0 and "2 events, chain intact" in verified.output
    with sqlite3.connect(store.path) as con:
        con.execute("DROP TRIGGER access_log_no_update")
        con.execute("UPDATE access_log SET user_name = 'someone else' WHERE id = 1")
    broken = run("access-log", "--verify", "--db", database)
    assert broken.exit_code == 1
    assert "changed outside the program at event 1" in broken.output


def test_the_demo_prints_users_that_sign_in(tmp_path):
    result = run("demo", "--no-serve", "--claims", "120", "--dir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    found = dict(re.findall(r"│ (demo(?:-analyst)?)\s+│ (\S+)\s+│", result.output))
    assert set(found) == {"demo", "demo-analyst"}
    store = AccessStore(store_path(tmp_path / "demo" / "unlisted.duckdb"))
    assert store.check_password("demo", found["demo"]).roles == ("admin", "manager",
                                                                 "compliance")  # fmt: skip
    assert store.check_password("demo-analyst", found["demo-analyst"]).roles == ("analyst",)
    # Run again: the same users, new passwords; the old ones no longer work.
    again = run("demo", "--no-serve", "--dir", tmp_path / "demo")
    renewed = dict(re.findall(r"│ (demo(?:-analyst)?)\s+│ (\S+)\s+│", again.output))
    assert store.check_password("demo", found["demo"]) is None
    assert store.check_password("demo", renewed["demo"]) is not None


def test_gunicorn_serves_the_app_as_the_readme_says(scenario_db, tmp_path):
    """docs/deploying.md: gunicorn with the WSGI entry point, configured by the environment."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import requests

    store = AccessStore(store_path(scenario_db))
    store.add_user("ops", ["manager"], "a password for tests", actor="test")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "UNLISTED_DB": str(scenario_db), "UNLISTED_SECRET_KEY": "k" * 64}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
         f"127.0.0.1:{port}", "unlisted.dashboard.wsgi:application"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(base + "/login", timeout=10).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
            time.sleep(0.2)
        # Two workers share the sessions: sign in once, then ask several times.
        session = requests.Session()
        session.headers["Origin"] = base
        signed = session.post(base + "/login", data={"username": "ops",
                                                     "password": "a password for tests"},
                              allow_redirects=False, timeout=30)  # fmt: skip
        assert signed.status_code == 302
        for _ in range(6):
            assert session.get(base + "/export/figures.csv", timeout=60).status_code == 200
        assert requests.get(base + "/export/figures.csv", timeout=30).status_code == 401
    finally:
        server.terminate()
        server.wait(30)


def test_the_wsgi_entry_point_says_what_is_missing(tmp_path, monkeypatch):
    import importlib

    wsgi = importlib.import_module("unlisted.dashboard.wsgi")
    monkeypatch.setenv("UNLISTED_DB", str(tmp_path / "none.duckdb"))
    with pytest.raises(SystemExit, match="No database at"):
        wsgi.application_from_environment()
    connect(tmp_path / "none.duckdb").close()
    with pytest.raises(SystemExit, match="Nobody can sign in yet"):
        wsgi.application_from_environment()
