"""Hostile X12: a file of a million rejected segments or claims takes no more memory or time
than a valid file of its size. Every reject is counted (load_batch.rejects, --json, the summary
table, the Data page); the first 1,000 of each scope and code are listed in `reject`, with one
more row saying how many more were counted; the good transactions around the junk still load."""

from __future__ import annotations

import time
import tracemalloc
from decimal import Decimal

import polars as pl
import pytest
from unlisted.etl import context
from unlisted.etl.context import LISTED_PER_CODE, FileContext
from unlisted.etl.x12 import parse
from unlisted.queries.sql import sql

from .x12build import claim_header, interchange, remit_header, subscriber

MILLION = 1_000_000
# What the Python objects of a load may take at their peak: before the cap, a million rejects
# took some 700 MB of them; a valid file of the same size needs a few MB.
PYTHON_PEAK_BYTES = 64 << 20


def claim(pcn: str) -> list[str]:
    return [
        f"CLM*{pcn}*100.00***11:B:1*Y*A*Y*Y",
        "LX*1",
        "SV1*HC:97139:GP*100.00*UN*1***1",
        "DTP*472*D8*20261102",
    ]


def good_claims(pcn: str = "GOOD1") -> list[str]:
    return claim_header() + subscriber(2) + claim(pcn)


def load_measured(loader, path):
    """The load's result, its wall time and the peak of the Python (and parser) allocations."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = loader.load(path)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, peak


def listed_and_summary(db, batch_id):
    """Per (scope, code): rows listed one by one, and the summary row's reason (or None)."""
    return {
        (scope, code): (listed, summary)
        for scope, code, listed, summary in db.execute(
            "SELECT scope, code, count(*) FILTER (WHERE location <> 'file'), "
            "max(reason) FILTER (WHERE location = 'file') FROM reject WHERE batch_id = $b "
            "GROUP BY ALL",
            {"b": batch_id},
        ).fetchall()
    }


def summary(scope: str, code: str, more: int, listed: int = LISTED_PER_CODE) -> str:
    return (
        f"and {more:,} more {scope} rejects ({code}) in this file, counted but not listed one "
        f"by one (the first {listed:,} are)"
    )


def one(db, query: str, **params) -> tuple:
    return db.execute(query, params or None).fetchall()[0]


def recorded_rejects(db, batch_id) -> int:
    return one(db, "SELECT rejects FROM load_batch WHERE batch_id = $b", b=batch_id)[0]


class FilesOnly:
    """The Data page's data, from the test database (no marts: no reconciliation)."""

    def __init__(self, con):
        self.con = con

    def files(self):
        parts = ("batches", "warnings", "rejects")
        frames = {p: pl.from_arrow(self.con.sql(sql(f"files/{p}")).to_arrow_table()) for p in parts}
        return frames | {"reconciliation": pl.DataFrame()}


def test_a_million_segments_outside_any_transaction(tmp_path, loader, db):
    """ISA, a million `ZZ~`, then a valid group: the claim loads, the million are counted."""
    isa, rest = interchange([good_claims()]).split("~\n", 1)
    path = tmp_path / "outside.x12"
    path.write_text(isa + "~" + "ZZ~" * MILLION + rest)
    result, seconds, peak = load_measured(loader, path)
    assert (result.status, result.claims, result.lines) == ("loaded", 1, 1), result.message
    assert result.reject_total == MILLION
    assert result.message == "loaded 1 claims, 1 lines; quarantined 1000000 segments"
    record = result.to_json()
    assert (record["rejects"], record["reject_codes"]) == (
        MILLION, {"outside_transaction": MILLION},
    )  # fmt: skip
    assert [r["location"] for r in record["reject_reasons"]] == [
        f"segment {n}" for n in range(2, 22)
    ]
    assert recorded_rejects(db, result.batch_id) == MILLION
    key = ("segment", "outside_transaction")
    assert listed_and_summary(db, result.batch_id) == {
        key: (LISTED_PER_CODE, summary(*key, MILLION - LISTED_PER_CODE))
    }
    # the first ones are listed: segments 2 to 1,001 (segment 1 is the ISA)
    listed = db.execute("SELECT location FROM reject WHERE location <> 'file'").fetchall()
    assert sorted(int(location.split()[1]) for (location,) in listed) == list(range(2, 1002))
    assert peak < PYTHON_PEAK_BYTES, f"{peak / 1e6:.0f} MB of Python objects"
    assert seconds < 15

    # the summary table and the Data page count them all
    from unlisted.dashboard.pages import data_files

    from unlisted.cli import summary_rows

    assert summary_rows([result], by_kind=False)[0][-1] == MILLION
    cards = data_files.draw(FilesOnly(db), None, "")
    assert "Quarantined input (1,000,000; 1,001 listed)" in repr(cards)


def test_a_million_unknown_or_unreadable_segments_inside_transactions(tmp_path, loader, db):
    """Unknown segments in a claim are ignored; segments with unreadable identifiers quarantine
    their transaction once, with the count of problems; the next transaction loads."""
    unknown = good_claims("FIRST") + ["ZZ*1"] * MILLION
    unreadable = claim_header() + subscriber(2) + ["zz"] * MILLION + claim("LOST")
    path = tmp_path / "inside.x12"
    path.write_text(interchange([unknown, unreadable, good_claims("LAST")]))
    result, seconds, peak = load_measured(loader, path)
    assert (result.status, result.claims, result.lines) == ("loaded", 2, 2), result.message
    assert [(r.scope, r.code) for r in result.rejects] == [("transaction", "bad_segment_id")]
    assert result.rejects[0].message.endswith(f"(and {MILLION - 1} more problems)")
    assert recorded_rejects(db, result.batch_id) == 1
    claims = one(db, "SELECT list(patient_control_number ORDER BY 1) FROM claim")
    assert claims == (["FIRST", "LAST"],)
    assert peak < PYTHON_PEAK_BYTES, f"{peak / 1e6:.0f} MB of Python objects"
    assert seconds < 15


def test_a_million_unreadable_claim_payments_in_an_835(tmp_path, loader, db):
    """A payment of a million CLP whose CLP03 is not an amount, then a valid payment: each bad
    claim is quarantined and counted, the first 1,000 listed; the valid payment loads."""
    bad = remit_header("0.00") + ["CLP*X*1*A"] * MILLION
    good = remit_header("25.00", trace="TRACE2") + [
        "CLP*P1*1*40*25**12*ICN1", "SVC*HC:97139:GP*40*25**1", "CAS*CO*45*15",
    ]  # fmt: skip
    path = tmp_path / "payments.835"
    path.write_text(interchange([bad, good], kind="835"))
    result, seconds, peak = load_measured(loader, path)
    assert (result.status, result.claims, result.total_paid) == ("loaded", 1, Decimal("25.00"))
    assert result.message == "loaded 1 claim payments, 1 lines; quarantined 1000000 claims"
    assert result.to_json()["reject_codes"] == {"bad_amount": MILLION}
    assert recorded_rejects(db, result.batch_id) == MILLION
    key = ("claim", "bad_amount")
    assert listed_and_summary(db, result.batch_id) == {
        key: (LISTED_PER_CODE, summary(*key, MILLION - LISTED_PER_CODE))
    }
    assert one(db, "SELECT count(*), sum(paid_amount) FROM remit_claim") == (1, Decimal(25))
    assert peak < PYTHON_PEAK_BYTES, f"{peak / 1e6:.0f} MB of Python objects"
    assert seconds < 15


def test_the_cap_is_per_scope_and_code(tmp_path, loader, db, monkeypatch):
    """With 3 listed per code: each scope and code is capped on its own, its summary row carries
    its exact count, and codes under the cap have no summary row."""
    monkeypatch.setattr(parse, "LISTED_PER_CODE", 3)
    bad_claims = [s for k in range(5) for s in claim(f"B{k}")[:1] + ["LX*1", "SV1*HC:97139*X"]]
    body = good_claims() + bad_claims
    isa, rest = interchange([body, good_claims("OK2")]).split("~\n", 1)
    junk = "ZZ~" * 5 + "SE*1*0009~" * 4 + "ZZ~"  # outside: 6 segments, 4 SE without ST
    path = tmp_path / "mixed.x12"
    path.write_text(isa + "~" + junk + rest)
    result = loader.load(path)
    assert (result.status, result.claims) == ("loaded", 2), result.message
    assert dict(result.reject_counts) == {
        ("segment", "outside_transaction"): 6,
        ("segment", "unexpected_segment"): 4,
        ("claim", "bad_amount"): 5,
    }
    assert recorded_rejects(db, result.batch_id) == 15
    assert listed_and_summary(db, result.batch_id) == {
        ("segment", "outside_transaction"): (3, summary("segment", "outside_transaction", 3, 3)),
        ("segment", "unexpected_segment"): (3, summary("segment", "unexpected_segment", 1, 3)),
        ("claim", "bad_amount"): (3, summary("claim", "bad_amount", 2, 3)),
    }


def test_file_context_caps_the_rejects_of_other_readers(monkeypatch):
    """CSV readers record rejects through FileContext.reject: the same cap, the same rows."""
    monkeypatch.setattr(context, "LISTED_PER_CODE", 2)
    ctx = FileContext(1, {})
    for k in range(5):
        ctx.reject(f"row {k + 2}", "rows", "bad_row", f"row {k + 2} quarantined")
    ctx.reject("row 9", "rows", "other", "row 9 quarantined")
    listed = ctx.listed_rejects()
    assert [(r.location, r.code) for r in listed] == [
        ("row 2", "bad_row"), ("row 3", "bad_row"), ("row 9", "other"), ("file", "bad_row"),
    ]  # fmt: skip
    assert listed[-1].message == summary("rows", "bad_row", 3, 2)
    assert ctx.reject_counts == {("rows", "bad_row"): 5, ("rows", "other"): 1}


def test_made_up_transaction_sets_do_not_grow_the_kind(tmp_path, loader):
    """Every made-up ST01 is refused and counted; the file's kind names eight of them, then
    `other`, instead of growing with the file."""
    sets = [f"{k:03d}" for k in range(100, 130)]
    text = interchange([[] for _ in sets] + [good_claims()])
    for number, st01 in enumerate(sets, start=1):
        text = text.replace(f"ST*837*{number:04d}*", f"ST*{st01}*{number:04d}*", 1)
    path = tmp_path / "kinds.x12"
    path.write_text(text)
    result = loader.load(path)
    assert (result.status, result.claims, result.reject_total) == ("loaded", 1, len(sets))
    assert result.kind == "+".join(sorted([f"'{s}'" for s in sets[:8]] + ["837P", "other"]))


def test_parser_refuses_a_negative_cap():
    from unlisted.etl.x12._x12parse import Parser

    ids = dict.fromkeys(("claim", "claim_line", "remit", "remit_claim", "remit_line"), 1)
    with pytest.raises(ValueError, match="listed_per_code"):
        Parser("*", ":", "~", 1, ids, listed_per_code=-1)
