"""Loading everything twice changes nothing: same rows, same sums, one outcome per file."""

from __future__ import annotations

from unlisted.etl.load import expand_paths
from unlisted.queries.sql import sql

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


def test_the_next_ids_the_loader_keeps_between_files_are_the_databases(tmp_path, loader, db):
    """After a committed file the loader knows the next free ids without asking the database:
    they must be what the database says (max + 1), after loaded, quarantined, rejected and
    duplicate files, X12 and CSV alike, or two rows would share an id."""
    from unlisted.synthetic.generate import generate

    generate(tmp_path / "practice", claims=120, months=2)
    practice = [tmp_path / "practice" / name for name in ("claims", "remits", "notes")]
    files = list(expand_paths([SAMPLES, *practice, tmp_path / "practice" / "contracts.csv"]))
    checked = 0
    for path in files + files[:3]:
        loader.load(path)
        if loader.known_next_ids is not None:
            cursor = db.execute(sql("load/next_ids"))
            asked = dict(zip((d[0] for d in cursor.description), cursor.fetchone(), strict=True))
            assert loader.known_next_ids == asked, path.name
            checked += 1
    assert checked >= 60
    statuses = {loader.load(path).status for path in files}
    assert statuses == {"duplicate", "rejected"}


def test_each_file_is_known_by_the_sha256_of_its_bytes(tmp_path, loader, db):
    """The SHA-256 is computed before reading a file only when a file of its size loaded before,
    else while parsing it: either way load_batch holds that of the file's bytes, a copy under
    another name is a duplicate, and a file of the same size with other bytes loads."""
    import hashlib

    files = list(expand_paths([SAMPLES]))
    results = [loader.load(path) for path in files]
    recorded = dict(db.execute("SELECT batch_id, sha256 FROM load_batch").fetchall())
    for path, result in zip(files, results, strict=True):
        assert recorded[result.batch_id] == hashlib.sha256(path.read_bytes()).hexdigest(), path
    original = SAMPLES / "imsweb__x12-parser" / "x12_valid.txt"
    copy = tmp_path / "renamed.x12"
    copy.write_bytes(original.read_bytes())
    assert loader.load(copy).status == "duplicate"
    other = tmp_path / "other.x12"
    other.write_bytes(original.read_bytes().replace(b"CLM*", b"CLM*Z", 1)[:-1])
    assert other.stat().st_size == original.stat().st_size
    again = loader.load(other)
    assert again.status == "loaded"
    stored = db.execute("SELECT sha256 FROM load_batch WHERE batch_id = $b", {"b": again.batch_id})
    assert stored.fetchone()[0] == hashlib.sha256(other.read_bytes()).hexdigest()
