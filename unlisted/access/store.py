"""The access store: a small SQLite file beside the DuckDB database (the dashboard never writes
to DuckDB, and several server processes may share this file). It holds the users with argon2
password hashes, open sessions, recent failed sign-ins, the append-only access log and the
program's secrets (session signing and pseudonym keys)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..queries.sql import sql
from .roles import Viewer, parse_roles

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")
MIN_PASSWORD = 10
GENESIS = "0" * 64
# Column types of users() and log_rows(), for frames made of them.
ACCESS_USER_COLUMNS = {"name": pl.String, "roles": pl.String, "sign_in": pl.String,
                       "created_at": pl.String, "changed_at": pl.String,
                       "last_sign_in": pl.String}  # fmt: skip
ACCESS_LOG_COLUMNS = {"id": pl.Int64, "at": pl.String, "event": pl.String,
                      "user_name": pl.String, "roles": pl.String, "address": pl.String,
                      "detail": pl.String, "row_count": pl.Int64, "previous_hash": pl.String,
                      "hash": pl.String, "detail_text": pl.String}  # fmt: skip


class AccessError(ValueError):
    """A user operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class Throttle:
    """How many sign-ins may fail, within what window, before a pause of how long."""

    max_failures: int = 5
    window_seconds: float = 15 * 60
    pause_seconds: float = 15 * 60
    max_failures_per_address: int = 20


def store_path(database: Path) -> Path:
    """The default store for a database: unlisted.duckdb -> unlisted.access.sqlite."""
    return database.with_name(database.stem + ".access.sqlite")


def now_text() -> str:
    """Now, in UTC, as the store writes times (text that sorts in time order)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccessStore:
    def __init__(self, path: Path, throttle: Throttle | None = None) -> None:
        self.path = Path(path)
        self.throttle = throttle or Throttle()
        self.hasher = PasswordHasher()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connection() as con:
            con.executescript(sql("access/schema"))

    @cached_property
    def decoy_hash(self) -> str:
        """Verified when the user name is unknown, so that a wrong name takes as long as a
        wrong password (no way to learn which names exist); made at the first sign-in."""
        return self.hasher.hash(secrets.token_hex(16))

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.connection() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- secrets ---------------------------------------------------------------------------
    def secret(self, name: str) -> bytes:
        """A random key made once and kept: the same in every process serving this store."""
        with self.transaction() as con:
            con.execute(sql("access/insert_secret"), {"name": name,
                                                      "value": secrets.token_hex(32)})
            value = con.execute(sql("access/secret"), {"name": name}).fetchone()[0]
        return bytes.fromhex(value)

    # -- users -----------------------------------------------------------------------------
    def user_count(self) -> int:
        with self.connection() as con:
            return con.execute(sql("access/user_count")).fetchone()[0]

    def users(self) -> list[dict]:
        with self.connection() as con:
            return [dict(r) for r in con.execute(sql("access/users"))]

    def user(self, name: str) -> dict | None:
        with self.connection() as con:
            row = con.execute(sql("access/user_by_name"), {"name": name}).fetchone()
        return dict(row) if row else None

    def mark_demo(self, name: str) -> None:
        """The user is one of the demo's (`unlisted demo`): the sign-in page names them."""
        with self.transaction() as con:
            self.existing(con, name)
            con.execute(sql("access/insert_demo_user"), {"name": name})

    def demo_users(self) -> list[dict]:
        """Name and roles of each demo user still in the store (none outside a demo)."""
        with self.connection() as con:
            return [dict(r) for r in con.execute(sql("access/demo_users"))]

    def add_user(self, name: str, roles, password: str | None, actor: str) -> tuple[str, ...]:
        """A new user; without a password, one who signs in through OpenID Connect only."""
        if not USER_NAME.match(name or ""):
            raise AccessError("a user name is 1-128 letters, digits or . _ @ + - (no spaces)")
        chosen = parse_roles(roles)
        hashed = self.hashed(password) if password is not None else None
        with self.transaction() as con:
            if con.execute(sql("access/user_by_name"), {"name": name}).fetchone():
                raise AccessError(f"there is already a user {name}")
            con.execute(sql("access/insert_user"), {"name": name, "roles": ",".join(chosen),
                                                    "password_hash": hashed, "now": now_text()})
            self.append(con, "user-added", actor=actor, detail=json.dumps(
                {"user": name, "roles": list(chosen),
                 "sign_in": "password" if password is not None else "oidc"}))
        return chosen

    def set_password(self, name: str, password: str | None, actor: str) -> None:
        """A new password; every open session of the user ends."""
        hashed = self.hashed(password) if password is not None else None
        with self.transaction() as con:
            self.existing(con, name)
            con.execute(sql("access/update_user_password"), {
                "name": name, "password_hash": hashed, "now": now_text(), "end_sessions": 1})
            self.append(con, "password-changed", actor=actor,
                        detail=json.dumps({"user": name}))

    def set_roles(self, name: str, roles, actor: str) -> tuple[str, ...]:
        chosen = parse_roles(roles)
        with self.transaction() as con:
            before = self.existing(con, name)["roles"]
            con.execute(sql("access/update_user_roles"), {"name": name, "roles": ",".join(chosen),
                                                          "now": now_text()})
            self.append(con, "roles-changed", actor=actor, detail=json.dumps(
                {"user": name, "from": before.split(","), "to": list(chosen)}))
        return chosen

    def remove_user(self, name: str, actor: str) -> None:
        with self.transaction() as con:
            user = self.existing(con, name)
            con.execute(sql("access/delete_user"), {"name": name})
            self.append(con, "user-removed", actor=actor, detail=json.dumps(
                {"user": user["name"], "roles": user["roles"].split(",")}))

    def existing(self, con: sqlite3.Connection, name: str) -> dict:
        row = con.execute(sql("access/user_by_name"), {"name": name}).fetchone()
        if row is None:
            raise AccessError(f"there is no user {name} (unlisted user list shows them)")
        return dict(row)

    def hashed(self, password: str) -> str:
        if len(password) < MIN_PASSWORD:
            raise AccessError(f"a password has at least {MIN_PASSWORD} characters")
        return self.hasher.hash(password)

    def check_password(self, name: str, password: str) -> Viewer | None:
        """The user, when the password is theirs; None otherwise (same time either way)."""
        user = self.user(name) if USER_NAME.match(name or "") else None
        stored = (user or {}).get("password_hash")
        try:
            self.hasher.verify(stored or self.decoy_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if not stored:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.transaction() as con:
                con.execute(sql("access/update_user_password"), {
                    "name": user["name"], "password_hash": self.hasher.hash(password),
                    "now": now_text(), "end_sessions": 0})
        return Viewer(user["name"], tuple(user["roles"].split(",")))

    # -- sessions ----------------------------------------------------------------------------
    def open_session(self, viewer: Viewer, method: str) -> str:
        """A new session's token (for the cookie); only its hash is kept."""
        token = secrets.token_urlsafe(32)
        user = self.user(viewer.name)
        if user is None:
            raise AccessError("that user no longer exists")
        with self.connection() as con:
            con.execute(sql("access/insert_session"), {
                "token_hash": token_hash(token), "user_name": user["name"],
                "epoch": user["epoch"], "method": method, "now": time.time()})
        return token

    def session_viewer(self, token: str, idle_seconds: float,
                       longest_seconds: float) -> Viewer | None:  # fmt: skip
        """Who holds the session, while it is open (not signed out, expired or outdated by a
        change of the user's password or roles)."""
        now = time.time()
        key = token_hash(token)
        with self.connection() as con:
            row = con.execute(sql("access/session_user"), {
                "token_hash": key, "idle_since": now - idle_seconds,
                "created_since": now - longest_seconds}).fetchone()
            if row is None:
                return None
            # Written at most once a minute per session: reads stay reads.
            if now - row["seen_at"] > 60:
                con.execute(sql("access/touch_session"), {"token_hash": key, "now": now})
        return Viewer(row["name"], tuple(row["roles"].split(",")))

    def end_session(self, token: str) -> None:
        with self.connection() as con:
            con.execute(sql("access/end_session"), {"token_hash": token_hash(token),
                                                    "now": time.time()})
            con.execute(sql("access/forget_old_sessions"), {"before": time.time() - 86400 * 30})

    # -- failed sign-ins -------------------------------------------------------------------
    def wait_seconds(self, user_name: str, address: str) -> int:
        """How long sign-ins for this name or from this address must wait (0: go ahead)."""
        t = self.throttle
        now = time.time()
        with self.connection() as con:
            row = con.execute(sql("access/recent_failures"), {
                "user_key": user_name.lower(), "address": address,
                "since": now - t.window_seconds}).fetchone()
        waits = [0.0]
        if row["by_user"] >= t.max_failures:
            waits.append(row["last_by_user"] + t.pause_seconds - now)
        if row["by_address"] >= t.max_failures_per_address:
            waits.append(row["last_by_address"] + t.pause_seconds - now)
        return int(max(waits) + 0.999)

    def record_failure(self, user_name: str, address: str) -> None:
        with self.connection() as con:
            con.execute(sql("access/insert_failure"), {"user_key": user_name.lower(),
                                                       "address": address, "now": time.time()})

    def clear_failures(self, user_name: str) -> None:
        with self.connection() as con:
            con.execute(sql("access/clear_failures"), {
                "user_key": user_name.lower(),
                "before": time.time() - max(self.throttle.window_seconds, 86400)})

    # -- the access log ----------------------------------------------------------------------
    def log(self, event: str, viewer: Viewer | None = None, actor: str | None = None,
            address: str | None = None, detail: dict | str | None = None,
            row_count: int | None = None) -> None:  # fmt: skip
        """One event, appended to the chain."""
        with self.transaction() as con:
            self.append(con, event, viewer=viewer, actor=actor, address=address,
                        detail=detail if isinstance(detail, str | None) else json.dumps(
                            detail, sort_keys=True, default=str),
                        row_count=row_count)  # fmt: skip

    def append(self, con: sqlite3.Connection, event: str, viewer: Viewer | None = None,
               actor: str | None = None, address: str | None = None, detail: str | None = None,
               row_count: int | None = None) -> None:  # fmt: skip
        last = con.execute(sql("access/last_log_hash")).fetchone()
        row = {
            "at": now_text(), "event": event,
            "user_name": viewer.name if viewer else actor,
            "roles": ",".join(viewer.roles) if viewer else None,
            "address": address, "detail": detail, "row_count": row_count,
            "previous_hash": last[0] if last else GENESIS,
        }  # fmt: skip
        row["hash"] = chained(row)
        con.execute(sql("access/insert_log"), row)

    def log_rows(self, event: str | None = None, user_name: str | None = None,
                 limit: int = 100_000) -> list[dict]:  # fmt: skip
        with self.connection() as con:
            return [dict(r) for r in con.execute(sql("access/access_log"), {
                "event": event, "user_name": user_name, "row_limit": limit})]

    def broken_link(self) -> int | None:
        """The id of the first log row whose hash does not follow from the rows before it (an
        edit made outside the program), or None when the chain holds."""
        previous = GENESIS
        with self.connection() as con:
            for row in con.execute(sql("access/access_log_chain")):
                row = dict(row)
                if row["previous_hash"] != previous or chained(row) != row["hash"]:
                    return row["id"]
                previous = row["hash"]
        return None


def chained(row: dict) -> str:
    fields = ("previous_hash", "at", "event", "user_name", "roles", "address", "detail",
              "row_count")  # fmt: skip
    return hashlib.sha256(json.dumps([row[f] for f in fields]).encode()).hexdigest()
