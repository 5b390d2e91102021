"""Loading everything twice changes nothing: same rows, same sums, one outcome per file."""

from __future__ import annotations

from unlisted.etl.load import expand_paths

from .conftest import SAMPLES

TABLES = {
    "claim": "sum(total_charge)",
    "claim_line": "sum(charge)",
    "remit": "sum(payment_amount)",
    "remit_claim": "sum(paid_amount)",
    "remit_line": "sum(paid_amount)",
    "adjustment": "sum(amount)",
    "remark": "count(DISTINCT code)",
    "provider_adjustment": "sum(amount)",
    "reject": "count(DISTINCT code)",
    "load_warning": "count(DISTINCT code)",
    "load_batch": "count(DISTINCT sha256)",
}


def snapshot(db):
    return {
        table: db.execute(f"SELECT count(*), {measure} FROM {table}").fetchone()
        for table, measure in TABLES.items()
    }


def test_loading_every_sample_twice_changes_nothing(loader, db):
    files = list(expand_paths([SAMPLES]))
    first = [loader.load(path) for path in files]
    before = snapshot(db)
    second = [loader.load(path) for path in files]
    assert snapshot(db) == before
    assert {r.status for r, again in zip(first, second, strict=True) if r.status == "loaded"} == {
        "loaded"
    }
    assert all(
        again.status == ("duplicate" if r.status == "loaded" else "rejected")
        for r, again in zip(first, second, strict=True)
    )
    assert (before["claim"][0], before["claim_line"][0], before["remit_claim"][0]) == (
        1530,
        1611,
        27,
    )
