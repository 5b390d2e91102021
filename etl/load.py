"""Load input files into DuckDB: one database transaction per file, all of it or none of it.

A file already loaded (same SHA-256) changes nothing. A file that cannot be read at all is
recorded as rejected with a message that says what is wrong and what to do; a file whose parts
fail loads the rest and quarantines those parts in `reject`.
"""

from __future__ import annotations

import csv
import hashlib
import re
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa

from ..queries.sql import sql
from .archives import Unreadable, not_a_file, not_a_file_error
from .context import FileContext
from .errors import DatabaseWriteError, InputError, exception_reason
from .ncci import is_ncci_header
from .tables import Finding
from .writer import BackgroundWriter, TableWriter
from .x12.parse import X12File
from .x12.reader import read_head_text

# What the database raises when it cannot write (a full disk, no memory left): not the file's
# fault, so the file is not recorded as rejected, and the run stops.
DATABASE_FAILURES = (duckdb.IOException, duckdb.OutOfMemoryException, duckdb.FatalException)
FORGET_REJECTED = (
    "load/forget_rejected_reject",
    "load/forget_rejected_load_warning",
    "load/forget_rejected_batch",
)
CSV_COLUMN_NAME = re.compile(r"[a-z_][a-z0-9_ ]{0,40}")
X12_WITHOUT_ISA = re.compile(r"^\s*(GS|ST|BHT|BPR|CLM|CLP)[*|^~:]")


@dataclass
class FileResult:
    """What became of one input file; `to_json` is the `unlisted load --json` record."""

    file: str
    status: str
    kind: str | None = None
    batch_id: int | None = None
    transactions: int = 0
    claims: int = 0
    lines: int = 0
    total_charge: Decimal | None = None
    total_paid: Decimal | None = None
    warnings: list[Finding] = field(default_factory=list)  # as listed in load_warning
    warning_counts: Counter = field(default_factory=Counter)  # by code, listed or not
    rejects: list[Finding] = field(default_factory=list)  # as listed in reject
    reject_counts: Counter = field(default_factory=Counter)  # by (scope, code), listed or not
    message: str = ""
    seconds: float = 0.0  # wall time of this file: read, checked, written and committed

    def __post_init__(self):
        if not self.reject_counts:  # rejects listed in full (a file rejected whole, say)
            self.reject_counts = Counter((r.scope, r.code) for r in self.rejects)

    @property
    def warning_total(self) -> int:
        return sum(self.warning_counts.values())

    @property
    def reject_total(self) -> int:
        return sum(self.reject_counts.values())

    def reject_codes(self) -> Counter:
        codes = Counter()
        for (_, code), count in self.reject_counts.items():
            codes[code] += count
        return codes

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "kind": self.kind,
            "status": self.status,
            "batch_id": self.batch_id,
            "transactions": self.transactions,
            "claims": self.claims,
            "lines": self.lines,
            "total_charge": None if self.total_charge is None else str(self.total_charge),
            "total_paid": None if self.total_paid is None else str(self.total_paid),
            "warnings": self.warning_total,
            "warning_codes": dict(self.warning_counts),
            "rejects": self.reject_total,
            "reject_codes": dict(self.reject_codes()),
            "reject_reasons": [
                {"location": r.location, "scope": r.scope, "code": r.code, "reason": r.message}
                for r in self.rejects[:20]
            ],
            "message": self.message,
            "seconds": round(self.seconds, 3),
        }


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    """Files as given, and the files below folders (recursively, sorted). In a folder, names
    beginning with "." or "_" are passed over, files and folders alike, as Spark and Hadoop do:
    hidden files, and what sits beside the inputs without being one (the generator's
    _generator/ answer key). Named on the command line, such a file is loaded.

    A path given that is a device, pipe or socket raises InputError `not_a_file` (a usage
    error, like a path that does not exist); one found in a folder is yielded, and the loader
    rejects it with that reason without opening it."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                aside = any(p.startswith((".", "_")) for p in found.relative_to(path).parts)
                if aside or found.is_dir():
                    continue
                if found.is_file() or not_a_file(found) is not None:
                    yield found  # a broken symbolic link is skipped, as before
        else:
            if (error := not_a_file(path)) is not None:
                raise error
            yield path


class BackgroundDigest:
    """SHA-256 of the bytes fed, computed on a thread of its own while the file is parsed
    (hashlib works without the GIL), in the order the bytes were fed."""

    def __init__(self):
        self.digest = hashlib.sha256()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unlisted-sha256")

    def update(self, data: bytes) -> None:
        self.pool.submit(self.digest.update, data)

    def hexdigest(self) -> str:
        self.pool.shutdown(wait=True)
        return self.digest.hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sniff(path: Path) -> str:
    """ "x12" or "csv", judged by content, never by the file name."""
    if path.stat().st_size == 0:
        raise InputError("empty_file", "the file is empty")
    head = read_head_text(path)
    if head.startswith("ISA"):
        return "x12"
    if head.startswith("{"):
        return "jsonl"
    if X12_WITHOUT_ISA.match(head):
        raise InputError(
            "no_isa",
            "the file looks like X12 but does not start with an ISA interchange header; "
            "export the complete file, envelope included",
        )
    first_line = head.splitlines()[0] if head else ""
    columns = [c.strip().strip('"').strip().lower() for c in first_line.split(",")]
    if len(columns) > 1 and all(CSV_COLUMN_NAME.fullmatch(c) for c in columns):
        return "csv"  # load_table says which documented columns are missing, if any
    try:
        # The first line alone: a stray carriage return inside it is not a CSV line break.
        header = next(csv.reader([first_line]), [])
    except csv.Error:
        header = []
    if len(header) > 1 and is_ncci_header(header):
        return "csv"  # CMS's own column titles ('HCPCS/CPT Code', ...)
    raise InputError(
        "unknown_format",
        "not an X12 837P/835 file (which starts with ISA) nor a claims, remits, notes, "
        "contracts, NCCI PTP or MUE file (see docs/csv-inputs.md)",
    )


class Loader:
    """Loads files into one open database connection."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, on_bytes: Callable[[int], None] | None = None
    ):
        self.con = con
        self.on_bytes = on_bytes
        self.writer = TableWriter(con)  # one for every file: it keeps the tables' columns
        # The next free ids once a file committed; queried again after anything else.
        self.known_next_ids: dict[str, int] | None = None

    def load(self, path: Path, shown_as: str | None = None) -> FileResult:
        """Load one file in its own transaction; never raises for a bad file."""
        started = time.perf_counter()
        try:
            result = self.load_once(path, shown_as or str(path))
        except DATABASE_FAILURES as exc:  # outside the file's transaction (recording a reject)
            self.rollback_if_open()
            raise DatabaseWriteError(exception_reason(exc)) from None
        result.seconds = time.perf_counter() - started
        return result

    def load_once(self, path: Path, shown: str) -> FileResult:
        self.con.execute(sql("load/session_settings"))
        try:
            info = path.stat()
            # A device or a pipe is never opened (reading one may never end); nothing of it
            # can be recorded in load_batch, which keeps files by the SHA-256 of their bytes.
            if not stat.S_ISREG(info.st_mode):
                return rejected(shown, not_a_file_error(shown))
            # Same bytes, same size: only a size seen before calls for hashing the file before
            # reading it; otherwise the X12 reader hashes it as it goes.
            sha = file_sha256(path) if self.loaded_file_of_size(info.st_size) else None
        except OSError as exc:
            return FileResult(shown, "rejected", message=f"cannot read the file: {exc.strerror}")
        earlier = self.earlier_load(sha) if sha else None
        if earlier:
            batch_id, name, when, kind = earlier
            return FileResult(
                shown,
                "duplicate",
                kind=kind,
                batch_id=batch_id,
                message=f"already loaded (batch {batch_id}, {name}, {when}); nothing changed",
            )
        ids = self.next_ids()
        self.known_next_ids = None
        batch_id = ids.pop("load_batch")
        self.writer.start_file()
        self.con.execute("BEGIN TRANSACTION")
        try:
            result = self.load_in_transaction(path, shown, sha, batch_id, dict(ids))
            self.commit()
            highest = self.writer.highest_ids
            if not self.writer.discarded_rows:  # else the database says (next_ids)
                self.known_next_ids = {"load_batch": batch_id + 1} | {
                    table: max(first, highest.get(table, 0) + 1) for table, first in ids.items()
                }
            return result
        except KeyboardInterrupt:
            self.con.execute("ROLLBACK")
            raise
        except DatabaseWriteError:
            self.rollback_if_open()
            raise
        except DATABASE_FAILURES as exc:
            self.rollback_if_open()
            raise DatabaseWriteError(exception_reason(exc)) from None
        except InputError as exc:
            self.con.execute("ROLLBACK")
            return self.record_rejected(path, shown, sha, batch_id, exc.code, exc.message)
        except Exception as exc:  # noqa: BLE001 - a bad file must never end in a traceback
            self.con.execute("ROLLBACK")
            return self.record_rejected(
                path,
                shown,
                sha,
                batch_id,
                "internal_error",
                f"unexpected {type(exc).__name__} while reading the file; nothing was loaded "
                "from it. Please report this (without the file: it holds patient data)",
            )

    def next_ids(self) -> dict[str, int]:
        """The next free id of each table whose ids the loader hands out (max + 1).

        Known without asking after a committed load, from the ids it wrote: the query scans
        every table, which a folder of many small files would pay for each file; this process
        is the database's only writer while it loads."""
        if self.known_next_ids is not None:
            return dict(self.known_next_ids)
        cursor = self.con.execute(sql("load/next_ids"))
        return dict(zip((d[0] for d in cursor.description), cursor.fetchall()[0], strict=True))

    def loaded_file_of_size(self, file_bytes: int) -> bool:
        found = self.con.execute(sql("load/loaded_file_of_size"), {"file_bytes": file_bytes})
        return found.fetchall()[0][0]

    def earlier_load(self, sha: str) -> tuple | None:
        """(batch_id, file name, when, kind) of an earlier successful load of these bytes."""
        # fetchall: DuckDB refuses other work on a connection with an unfinished result
        found = self.con.execute(sql("load/batch_by_sha256"), {"sha256": sha}).fetchall()
        return found[0] if found else None

    def commit(self) -> None:
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:  # the commit's own write failed
            raise DatabaseWriteError(exception_reason(exc)) from None

    def rollback_if_open(self) -> None:
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # none was open (a failed commit ends it), or the database is unusable

    def is_loaded(self, path: Path) -> bool:
        """Whether the database holds this file's bytes (after a load was interrupted, say)."""
        self.rollback_if_open()  # an interrupted load may have left its transaction
        return self.earlier_load(file_sha256(path)) is not None

    def load_in_transaction(self, path, shown, sha, batch_id, ids) -> FileResult:
        writer = self.writer
        written = Counter()

        def write_frame(table: str, frame) -> None:
            writer.write_frame(table, frame)
            written[table] += frame.height

        def count(table: str, rows: int) -> None:
            written[table] += rows

        ctx = FileContext(batch_id, ids)
        envelope = {"control": None, "sender": None, "receiver": None}
        segments = 0
        kind = sniff(path)
        if kind == "x12":
            digest = BackgroundDigest() if sha is None else None
            x12 = X12File(path, on_bytes=self.on_bytes, digest=digest)
            envelope = {
                "control": x12.control_number,
                "sender": x12.sender,
                "receiver": x12.receiver,
            }
            background = BackgroundWriter(writer, count)
            try:
                x12.load_into(
                    ctx,
                    background.submit,
                    lambda first, last: background.discard(batch_id, first, last),
                )
            finally:
                background.drain()
            segments = x12.segments
            sha = sha or digest.hexdigest()  # the whole file was read
            if x12.replaced_bytes:
                ctx.warn(
                    "file",
                    "bad_characters",
                    f"{x12.replaced_bytes} bytes were not valid UTF-8 text and were replaced",
                )
        else:
            from .csv_inputs import load_table  # Polars is loaded only for tabular inputs

            sha = sha or file_sha256(path)
            load_table(path, ctx, write_frame, json_lines=kind == "jsonl")
        tally = ctx.tally
        loaded = sum(written.values()) > writer.discarded_rows
        if loaded and envelope["control"]:
            same = next(
                iter(
                    self.con.execute(
                        sql("load/same_interchange"), {**envelope, "batch_id": batch_id}
                    ).fetchall()
                ),
                None,
            )
            if same:
                ctx.warn(
                    "segment 1",
                    "interchange_reused",
                    f"interchange control number {envelope['control']!r} from this sender "
                    f"was already loaded from {same[1]} (batch {same[0]}) with other bytes: "
                    "check for a duplicate submission",
                )
        kind = "+".join(sorted(tally.kinds)) or None
        no_money = all(k.startswith(("notes", "contracts", "ptp", "mue")) for k in tally.kinds)
        result = FileResult(
            shown,
            "loaded" if loaded else "rejected",
            kind=kind,
            batch_id=batch_id,
            transactions=tally.transactions,
            claims=tally.claims,
            lines=tally.lines,
            # notes, contracts and NCCI tables carry no money of their own
            total_charge=tally.total_charge if loaded and not no_money else None,
            total_paid=tally.total_paid if loaded else None,
            warnings=ctx.warnings,
            warning_counts=ctx.warning_counts,
            rejects=ctx.listed_rejects(),
            reject_counts=ctx.reject_counts,
        )
        result.message = summary_message(result)
        self.record(result, path.name, path.stat().st_size, sha, envelope, segments, writer)
        return result

    def record_rejected(self, path, shown, sha, batch_id, code, message) -> FileResult:
        if sha is None:  # the file was not read to its end
            try:
                sha = file_sha256(path)
            except OSError as exc:
                return FileResult(
                    shown, "rejected", message=f"cannot read the file: {exc.strerror}"
                )
        return self.write_rejection(
            shown, path.name, path.stat().st_size, sha, batch_id, InputError(code, message)
        )

    def record_unreadable(self, shown: str, unreadable: Unreadable) -> FileResult:
        """Record, as rejected, an archive that cannot be opened or a member of one that cannot
        be unpacked; raises DatabaseWriteError when the database cannot take it."""
        if unreadable.sha256 is None:  # nothing to record it under
            return rejected(shown, unreadable.error)
        try:
            batch_id = self.next_ids()["load_batch"]
            self.known_next_ids = None
            return self.write_rejection(
                shown, unreadable.file_name, unreadable.file_bytes, unreadable.sha256, batch_id,
                unreadable.error,
            )  # fmt: skip
        except DATABASE_FAILURES as exc:
            self.rollback_if_open()
            raise DatabaseWriteError(exception_reason(exc)) from None

    def write_rejection(
        self, shown, file_name, file_bytes, sha, batch_id, error: InputError
    ) -> FileResult:
        result = rejected(shown, error, batch_id)
        self.con.execute("BEGIN TRANSACTION")
        envelope = {"control": None, "sender": None, "receiver": None}
        self.record(result, file_name, file_bytes, sha, envelope, 0, self.writer)
        self.commit()
        return result

    def record(
        self, result: FileResult, file_name, file_bytes, sha, envelope, segments, writer
    ) -> None:
        for statement in FORGET_REJECTED:
            self.con.execute(sql(statement), {"sha256": sha})
        self.con.execute(
            sql("load/insert_load_batch"),
            {
                "batch_id": result.batch_id,
                "file_name": storable(file_name),
                "sha256": sha,
                "kind": result.kind,
                **envelope,
                "status": result.status,
                "file_bytes": file_bytes,
                "segments": segments,
                "transactions": result.transactions,
                "claims": result.claims,
                "lines": result.lines,
                "total_charge": result.total_charge,
                "total_paid": result.total_paid,
                "warnings": result.warning_total,
                "rejects": result.reject_total,
                "message": storable(result.message),
            },
        )
        for table, findings, columns in (
            ("load_warning", result.warnings, ("location", "code", "message")),
            ("reject", result.rejects, ("location", "scope", "code", "reason")),
        ):
            if findings:
                writer.write_arrow(table, findings_table(result.batch_id, findings, columns))


def rejected(shown: str, error: InputError, batch_id: int | None = None) -> FileResult:
    """A file rejected whole, for `error`."""
    reject = Finding("file", error.code, error.message, "file")
    return FileResult(shown, "rejected", batch_id=batch_id, rejects=[reject], message=error.message)


def findings_table(batch_id: int, findings: list[Finding], columns: tuple[str, ...]) -> pa.Table:
    """Findings as rows of load_warning or reject (whose reason is the finding's message)."""
    values = {"batch_id": pa.array([batch_id] * len(findings), pa.int64())}
    for column in columns:
        field = "message" if column == "reason" else column
        values[column] = [storable(getattr(f, field)) for f in findings]
    return pa.table(values)


def storable(text: str | None) -> str | None:
    """Text the database can keep: the bytes of a file name that are not UTF-8 (os.fsdecode
    makes them lone surrogates, which DuckDB and Arrow refuse) as \\xNN."""
    if text is None or text.isascii():
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        return text.encode("utf-8", "replace").decode("utf-8")


def summary_message(result: FileResult) -> str:
    if result.status == "rejected":
        if result.rejects:
            first = result.rejects[0].message
            others = result.reject_total - 1
            return first + (f" (and {others} more problems)" if others else "")
        return "nothing in the file could be loaded: it holds no claims or remittances"
    kind = result.kind or ""
    if kind.startswith("notes"):
        parts = [f"loaded {result.claims} notes"]
    elif kind.startswith("contracts"):
        parts = [f"loaded {result.claims} contract rates"]
    elif kind.startswith("ptp"):
        parts = [f"loaded {result.claims} NCCI PTP edits"]
    elif kind.startswith("mue"):
        parts = [f"loaded {result.claims} MUE limits"]
    else:
        noun = "claim payments" if "835" in kind or "remits" in kind else "claims"
        parts = [f"loaded {result.claims} {noun}, {result.lines} lines"]
    if result.rejects:
        scopes = Counter()
        for (scope, _), n in result.reject_counts.items():
            scopes[scope] += n
        parts.append(
            "quarantined "
            + ", ".join(f"{n} {s}" + ("s" if n > 1 else "") for s, n in sorted(scopes.items()))
        )
    if result.warning_total:
        parts.append(f"{result.warning_total:,} warnings")
    return "; ".join(parts)
