"""A private, read-only copy of the database for the dashboard to serve from.

DuckDB lets one process write a file or several processes read it, never both at once. The
dashboard must keep answering while `unlisted load` writes, and the load must not fail because
the dashboard is open, so the app never keeps the live file open: it serves from a copy
("snapshot") and, when the live file changes, takes a new copy in the moment the file is free.

Taking a copy holds a read-only DuckDB connection on the live file (a shared lock, so no writer
can start half-way through the copy) only for as long as the copy lasts; a load that starts in
that moment waits for it (`etl.database.connect` retries while the file is locked). While a
writer holds the file, the snapshot keeps serving the previous copy and tries again later.

The copy is a hidden file next to the database (`.<name>.snapshot-<pid>-<n>.duckdb`, mode 0600)
so that it has the same protections as the data itself. On POSIX systems it is unlinked as soon
as DuckDB has opened it: the open file stays readable until its last connection and cursor are
gone, and nothing is left on disk even if the process is killed. Where the system refuses to
unlink an open file, the file is removed after the next swap, on close() or at interpreter exit.
"""

from __future__ import annotations

import datetime
import glob
import itertools
import logging
import os
import re
import shutil
import threading
import time
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from ..queries.sql import migrations, sql

log = logging.getLogger(__name__)

# Shared by every snapshot of the process, so that two snapshots of one database never pick the
# same file name.
_serial = itertools.count(1)


@dataclass(frozen=True)
class _Signature:
    """What tells that the live file changed: its identity, size and modification time, and
    those of its write-ahead log."""

    db: tuple[int, int, int, int]
    wal: tuple[int, int, int, int] | None
    mtime_ns: int


class _Refused(Exception):
    """The live file could be opened but cannot be served; `problem` says why, without paths."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


class DatabaseSnapshot:
    """Serve queries from a private read-only copy of the DuckDB file at `path`.

    `cursor()` is safe to call from any thread; each call returns a new cursor (or None while
    there is no database yet). At most every `check_every` seconds, a call looks whether the live
    file changed and, when it did and no writer holds it, replaces the copy. A cursor taken
    before a refresh keeps reading the copy it was taken from, consistently, until it is dropped.
    Do not keep cursors beyond a request: the memory of an old copy is freed with its last cursor.
    """

    def __init__(
        self,
        path: Path | str,
        check_every: float = 2.0,
        snapshot_dir: Path | str | None = None,
    ):
        self.path = Path(path)
        self.check_every = check_every
        self.snapshot_dir = Path(snapshot_dir) if snapshot_dir is not None else self.path.parent
        self._lock = threading.Lock()  # guards the fields below that cursor() reads
        self._refresh_lock = threading.Lock()  # one check or copy at a time
        self._con: duckdb.DuckDBPyConnection | None = None
        self._version = 0
        self._loaded_at: datetime.datetime | None = None
        self._refreshed_at: datetime.datetime | None = None
        self._problem: str | None = None
        self._seen: _Signature | None = None  # last live state copied, or found unreadable
        self._next_check = 0.0
        self._closed = False
        # Copies not yet unlinked (none on POSIX outside a refresh); removed on close() and, if
        # the app never calls it, when this object is collected or the interpreter exits.
        self._files: set[Path] = set()
        self._finalizer = weakref.finalize(self, _remove_files, self._files)
        _remove_stale_snapshots(self.snapshot_dir, self.path.stem)

    # -- what the app uses ------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection | None:
        """A new cursor on the current snapshot, or None while no database can be served.

        Never raises because of the live file: a file that is locked, unreadable or of another
        schema leaves the previous snapshot in service (see `problem`)."""
        if self._closed:
            raise RuntimeError("the database snapshot is closed")
        self._maybe_refresh()
        with self._lock:
            return self._con.cursor() if self._con is not None else None

    @property
    def version(self) -> int:
        """Increases every time the served data changes (a new copy, or the database removed):
        a cache key for anything computed from the data."""
        return self._version

    def current_version(self) -> int:
        """`version` once the live file has been looked at (at most every `check_every`
        seconds, as `cursor()` does): the cache key to use, so that results cached from the data
        never outlive a load even when every request is answered from a cache."""
        if self._closed:
            raise RuntimeError("the database snapshot is closed")
        self._maybe_refresh()
        return self._version

    @property
    def loaded_at(self) -> datetime.datetime | None:
        """When the live file was last written before the current copy (in effect, when the last
        load finished), local time; None without a snapshot."""
        return self._loaded_at

    @property
    def refreshed_at(self) -> datetime.datetime | None:
        """When the current copy was taken, local time; None without a snapshot."""
        return self._refreshed_at

    @property
    def problem(self) -> str | None:
        """Why the live file is not being served (e.g. "the database could not be read: it is
        not a DuckDB database file"), or None. Contains no path."""
        return self._problem

    def refresh(self) -> bool:
        """Check the live file now, whatever `check_every` says; True when a new copy went into
        service. Never raises because of the live file."""
        if self._closed:
            raise RuntimeError("the database snapshot is closed")
        with self._refresh_lock:
            return self._check_guarded()

    def close(self) -> None:
        """Close the snapshot and remove its files. Cursors still open stop working."""
        with self._refresh_lock, self._lock:
            self._closed = True
            con, self._con = self._con, None
        if con is not None:
            con.close()
        self._finalizer()

    def __enter__(self) -> DatabaseSnapshot:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- refresh -----------------------------------------------------------------------------

    def _maybe_refresh(self) -> None:
        if time.monotonic() < self._next_check:
            return
        # Without a snapshot, wait for a refresh another thread is doing; with one, serve it.
        if not self._refresh_lock.acquire(blocking=self._con is None):
            return
        try:
            if not self._closed and time.monotonic() >= self._next_check:
                self._check_guarded()
        finally:
            self._refresh_lock.release()

    def _check_guarded(self) -> bool:
        try:
            return self._check()
        except Exception as exc:  # the app must keep serving whatever goes wrong here
            log.warning("database snapshot: refresh failed (%s)", type(exc).__name__)
            self._problem = f"the database could not be read ({type(exc).__name__})"
            return False
        finally:
            self._next_check = time.monotonic() + self.check_every

    def _check(self) -> bool:
        """Take a new copy if the live file changed and is free. Called under _refresh_lock."""
        signature = _signature(self.path)
        if signature is None:  # no database (any more): nothing to serve
            if self._con is not None:
                self._swap(None, None)
            self._problem = self._seen = None
            return False
        if signature == self._seen:
            return False
        try:
            live = duckdb.connect(str(self.path), read_only=True)
        except (duckdb.IOException, duckdb.ConnectionException) as exc:
            if _is_busy(exc):
                return False  # a writer has the file: keep serving, try again later
            self._refuse(signature, _describe(exc, self.path))
            return False
        except duckdb.Error as exc:
            self._refuse(signature, _describe(exc, self.path))
            return False
        try:
            signature = _signature(self.path)  # what is copied, now that no writer can start
            _check_schema(live)
            copy = self._copy_live()
        except _Refused as exc:
            self._refuse(signature, exc.problem)
            return False
        except OSError as exc:  # e.g. a full disk: tried again at the next check
            problem = f"the database could not be copied ({_os_reason(exc)})"
            self._refuse(signature, problem, final=False)
            return False
        finally:
            live.close()
        try:
            # The dashboard's reads are scans and small aggregates: a bounded cache leaves the
            # machine's memory to the selections it keeps.
            con = duckdb.connect(str(copy), read_only=True, config={"memory_limit": "1GB"})
        except duckdb.Error as exc:
            self._remove(copy)
            self._refuse(signature, _describe(exc, copy))
            return False
        self._remove(copy)  # POSIX: the open copy stays readable, nothing is left on disk
        self._swap(con, signature)
        return True

    def _copy_live(self) -> Path:
        """Copy the live file (and its write-ahead log) to a new snapshot file; its path.

        Called while a read-only DuckDB connection holds the live file's lock. POSIX record locks
        belong to the process and are released when *any* descriptor of the file is closed, so
        the database file is opened once, before the log is copied, and closed last."""
        self.snapshot_dir.mkdir(parents=True, exist_ok=True)
        copy = self._new_copy_path()
        wal = _wal(self.path)
        try:
            with open(self.path, "rb") as source:
                if wal.exists():
                    _copy_file(wal, _wal(copy))
                _copy_open_file(source, copy)
        except BaseException:
            self._remove(copy)
            raise
        return copy

    def _new_copy_path(self) -> Path:
        while True:
            path = self.snapshot_dir / f".{self.path.stem}.snapshot-{os.getpid()}-{next(_serial)}"
            path = path.with_name(path.name + ".duckdb")
            if not path.exists() and not _wal(path).exists():
                self._files.update((path, _wal(path)))
                return path

    def _swap(self, con: duckdb.DuckDBPyConnection | None, signature: _Signature | None) -> None:
        now = datetime.datetime.now().astimezone()
        with self._lock:
            # The old connection is not closed: closing it would close the cursors requests are
            # still reading from. Dropped here, it closes with its last cursor.
            self._con = con
            self._version += 1
            self._seen = signature
            self._problem = None
            self._refreshed_at = now if con is not None else None
            self._loaded_at = (
                datetime.datetime.fromtimestamp(signature.mtime_ns / 1e9).astimezone()
                if signature is not None
                else None
            )
        _remove_files(self._files)  # copies the system refused to unlink while open

    def _refuse(self, signature: _Signature, problem: str, final: bool = True) -> None:
        log.warning("database snapshot: %s", problem)
        with self._lock:
            self._problem = problem
            if final:
                self._seen = signature  # not tried again until the live file changes

    def _remove(self, copy: Path) -> None:
        for path in (copy, _wal(copy)):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                continue  # e.g. Windows, file open: removed later
            self._files.discard(path)


# -- helpers ---------------------------------------------------------------------------------


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except FileNotFoundError:
        return None


def _signature(path: Path) -> _Signature | None:
    db, wal = _stat(path), _stat(_wal(path))
    if db is None:
        return None

    def key(st: os.stat_result) -> tuple[int, int, int, int]:
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    return _Signature(
        db=key(db),
        wal=key(wal) if wal is not None else None,
        mtime_ns=max(db.st_mtime_ns, wal.st_mtime_ns if wal is not None else 0),
    )


def _copy_file(source: Path, target: Path) -> None:
    with open(source, "rb") as f:
        _copy_open_file(f, target)


def _copy_open_file(source, target: Path) -> None:
    """Copy from an open file into a new file readable by this user only (never overwrites)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with open(fd, "wb") as out:
        size = os.fstat(source.fileno()).st_size
        copied = 0
        if hasattr(os, "copy_file_range"):
            try:  # in the kernel, and a reflink (instant) on file systems that have them
                while copied < size:
                    n = os.copy_file_range(source.fileno(), out.fileno(), size - copied)
                    if n == 0:
                        break
                    copied += n
            except OSError:
                pass  # e.g. across file systems on older kernels: copy the rest by hand
        source.seek(copied)
        out.seek(copied)
        shutil.copyfileobj(source, out, 1 << 20)


def _is_busy(exc: duckdb.Error) -> bool:
    """A writer holds the file: another process (lock), or this one (DuckDB refuses a read-only
    connection beside a read-write one in the same process)."""
    text = str(exc)
    return bool(re.search(r"\block\b", text, re.IGNORECASE)) or "different configuration" in text


def _describe(exc: duckdb.Error, path: Path) -> str:
    """A short reason for `problem`, without the file's path."""
    text = str(exc)
    if "not a valid DuckDB database file" in text:
        reason = "it is not a DuckDB database file"
    elif "version number" in text or "storage version" in text.lower():
        reason = "it was written by an incompatible version of DuckDB"
    elif "corrupt" in text.lower():
        reason = "the file is damaged"
    else:
        text = text.replace(str(path), path.name).replace(str(path.parent), "")
        reason = f"{type(exc).__name__}: {text.splitlines()[0][:200]}" if text else ""
        reason = reason or type(exc).__name__
    return f"the database could not be read: {reason}"


def _os_reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


@cache
def _current_schema() -> int:
    return max(version for version, _ in migrations())


def _check_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Refuse a database whose schema is not the one this program's queries are written for."""
    current = _current_schema()
    if not con.execute(sql("load/has_schema_version")).fetchall()[0][0]:
        raise _Refused("the database could not be read: it is not an unlisted database")
    version = con.execute(sql("load/schema_version")).fetchall()[0][0]
    if version < current:
        raise _Refused(
            f"the database could not be read: its schema is older (version {version}, this "
            f"program needs {current}); run unlisted load to upgrade it"
        )
    if version > current:
        raise _Refused(
            f"the database could not be read: it was written by a newer version of unlisted "
            f"(schema {version}, this program reads {current})"
        )


def _remove_files(files: set[Path]) -> None:
    for path in list(files):
        try:
            path.unlink(missing_ok=True)
        except OSError:
            continue
        files.discard(path)


_SNAPSHOT_NAME = re.compile(r"\.(?P<stem>.+)\.snapshot-(?P<pid>\d+)-\d+\.duckdb(\.wal|\.tmp)?")


def _remove_stale_snapshots(folder: Path, stem: str) -> None:
    """Remove the copies left by snapshot processes that were killed in the middle of a copy
    (or, where open files cannot be unlinked, before they could clean up)."""
    if os.name != "posix" or not folder.is_dir():
        return
    try:
        candidates = list(folder.glob(f".{glob.escape(stem)}.snapshot-*"))
    except OSError:
        return
    for path in candidates:
        match = _SNAPSHOT_NAME.fullmatch(path.name)
        if match is None or match["stem"] != stem:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True
