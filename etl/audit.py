"""Record audit samples and their review results (the writes of `unlisted sample`).

The selection and the figures are computed in queries/sampling.py; this module only stores them,
each sample or review import in one transaction."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from .. import __version__
from ..queries import sampling
from ..queries.sql import sql


def record_sample(con: duckdb.DuckDBPyConnection, frame: sampling.Frame,
                  drawn: sampling.Drawn) -> int:  # fmt: skip
    """Store a drawn sample with its frame, seed, method and program version; its id."""
    paid = frame.lines["net_paid"].to_list()
    ids = frame.lines["claim_line_id"].to_list()
    con.execute("BEGIN TRANSACTION")
    try:
        sample_id = con.execute(sql("audit/next_sample_id")).fetchone()[0]
        con.execute(sql("audit/insert_sample"), {
            "sample_id": sample_id, "created_at": dt.datetime.now(), "method": drawn.method,
            "stratify_by": drawn.stratify_by, "allocation": drawn.allocation,
            "seed": drawn.seed, "requested_size": drawn.requested_size,
            "sample_size": len(drawn.positions),
            "frame_filters": sampling.filters_json(frame.filters), "frame_size": frame.size,
            "frame_total_paid": frame.total_paid, "frame_fingerprint": frame.fingerprint,
            "program_version": __version__, "generator": drawn.generator,
            "strata": sampling.strata_json(drawn),
        })  # fmt: skip
        con.executemany(sql("audit/insert_sample_line"), [
            {"sample_id": sample_id, "claim_line_id": ids[p], "stratum": stratum,
             "selection_order": order, "paid_amount": paid[p]}
            for order, (p, stratum) in enumerate(zip(drawn.positions, drawn.stratum_of,
                                                     strict=True), start=1)
        ])  # fmt: skip
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return sample_id


@dataclass(frozen=True)
class ReviewRow:
    claim_line_id: int
    audited_amount: Decimal
    note: str | None


class ReviewError(ValueError):
    """A review file that cannot be imported; `problems` lists each row's problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def read_review_csv(path: Path) -> list[tuple[int, dict]]:
    """(row number, row) for each row of a review CSV; the header must name claim_line_id and
    audited_amount (note is optional)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError([f"cannot read {path}: {exc}"]) from None
    try:
        return review_rows(path, csv.DictReader(io.StringIO(text)))
    except csv.Error as exc:  # e.g. a NUL byte: not a text CSV
        raise ReviewError([f"{path}: not a CSV file this program can read ({exc})"]) from None


def review_rows(path: Path, reader: csv.DictReader) -> list[tuple[int, dict]]:
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("claim_line_id", "audited_amount") if c not in header]
    if missing:
        raise ReviewError([f"{path}: the header must name {', '.join(missing)} "
                           "(columns: claim_line_id,audited_amount[,note])"])  # fmt: skip
    reader.fieldnames = header
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        rows.append((number, {k: (v or "").strip() if isinstance(v, str) else v
                              for k, v in row.items()}))  # fmt: skip
    if not rows:
        raise ReviewError([f"{path}: no review rows"])
    return rows


def validate_review(con: duckdb.DuckDBPyConnection, sample_id: int,
                    rows: list[tuple[int, dict]]) -> list[ReviewRow]:  # fmt: skip
    """The rows as review results, or ReviewError naming every bad row (nothing is written)."""
    sampled = dict(con.execute(sql("audit/sample_paid"), {"sample_id": sample_id}).fetchall())
    if not sampled:
        raise ReviewError([f"there is no sample {sample_id}"])
    problems, good, seen = [], [], {}
    parsed_ids = []
    for _, row in rows:
        raw = row.get("claim_line_id") or ""
        try:
            parsed_ids.append(int(raw))
        except ValueError:
            pass
    known = {r[0] for r in con.execute(sql("audit/known_lines"), {"ids": parsed_ids}).fetchall()}
    for number, row in rows:
        raw_id, raw_amount = row.get("claim_line_id") or "", row.get("audited_amount") or ""
        where = f"row {number}"
        try:
            line_id = int(raw_id)
        except ValueError:
            problems.append(f"{where}: claim_line_id {raw_id!r} is not a number")
            continue
        if line_id not in known:
            problems.append(f"{where}: claim_line_id {line_id} is not a claim line of the database")
            continue
        if line_id not in sampled:
            problems.append(f"{where}: claim line {line_id} is not in sample {sample_id}")
            continue
        if line_id in seen:
            problems.append(f"{where}: claim line {line_id} is listed twice (first on row "
                            f"{seen[line_id]})")  # fmt: skip
            continue
        seen[line_id] = number
        try:
            amount = Decimal(raw_amount.replace(",", "").removeprefix("$"))
        except InvalidOperation:
            amount = None
        if (amount is None or not amount.is_finite() or amount < 0
                or amount.as_tuple().exponent < -2 or amount >= Decimal("1e16")):  # fmt: skip
            problems.append(f"{where}: audited_amount {raw_amount!r} is not an amount in dollars "
                            "and cents (e.g. 42.50, not negative)")  # fmt: skip
            continue
        good.append(ReviewRow(line_id, amount.quantize(Decimal("0.01")), row.get("note") or None))
    if problems:
        raise ReviewError(problems)
    return good


def record_review(con: duckdb.DuckDBPyConnection, sample_id: int, rows: list[ReviewRow]) -> int:
    """Store review results (replacing earlier results of the same lines) in one transaction;
    a line is in error when its audited amount differs from its paid amount."""
    paid = dict(con.execute(sql("audit/sample_paid"), {"sample_id": sample_id}).fetchall())
    now = dt.datetime.now()
    con.execute("BEGIN TRANSACTION")
    try:
        for row in rows:
            key = {"sample_id": sample_id, "claim_line_id": row.claim_line_id}
            con.execute(sql("audit/delete_review"), key)
            con.execute(sql("audit/insert_review"), {
                **key, "audited_amount": row.audited_amount,
                "in_error": row.audited_amount != paid[row.claim_line_id], "note": row.note,
                "reviewed_at": now})  # fmt: skip
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return len(rows)
