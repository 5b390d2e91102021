"""ZIP and gzip archives, as clearinghouses deliver remittances: the files inside load like any
file; a damaged archive is rejected with a reason and never ends in a traceback."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile

import duckdb

from .conftest import SAMPLES
from .test_cli import ERA, MANY_CLAIMS, unlisted


def test_files_inside_zip_and_gzip_archives_load_by_content(tmp_path):
    archive = tmp_path / "delivery.bin"  # recognised by its content, not its name
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(ERA, "remits/era.edi")
        z.write(MANY_CLAIMS, "claims/x12_many_claims.txt")
        z.writestr("remits/", "")  # a folder entry
        z.writestr("__MACOSX/remits/._era.edi", b"\x00\x05\x16\x07")  # a Mac's resource fork
        z.writestr("../../escaped.835", ERA.read_bytes())  # a path leaving the archive's folder
    packed = tmp_path / "x223.txt.gz"
    packed.write_bytes(
        gzip.compress((SAMPLES / "imsweb__x12-parser" / "x223-test.txt").read_bytes())
    )
    db = tmp_path / "x.duckdb"
    result = unlisted("load", archive, packed, "--db", db, "--json")
    assert result.returncode == 1, result.stderr  # the 837I inside the gzip is refused
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"], r["claims"], r["lines"], r["total_paid"]) for r in records] == [
        (f"{archive}/remits/era.edi", "loaded", 1, 5, "132.00"),
        (f"{archive}/claims/x12_many_claims.txt", "loaded", 820, 820, None),
        (f"{archive}/../../escaped.835", "duplicate", 0, 0, None),
        (f"{packed}/x223.txt", "rejected", 0, 0, None),
    ]  # fmt: skip
    assert "837I institutional claim" in records[-1]["message"]
    assert not (tmp_path.parent / "escaped.835").exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT file_name, status FROM load_batch ORDER BY batch_id").fetchall() == [
            ("era.edi", "loaded"), ("x12_many_claims.txt", "loaded"), ("x223.txt", "rejected"),
        ]  # fmt: skip
    again = unlisted("load", ERA, "--db", db, "--json")  # the same bytes, unzipped
    assert json.loads(again.stdout)["status"] == "duplicate"


def test_damaged_archives_are_rejected_with_a_reason(tmp_path):
    whole = tmp_path / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(ERA, "era.edi")
        z.write(MANY_CLAIMS, "many.txt")
    cut_zip = tmp_path / "cut.zip"
    cut_zip.write_bytes(whole.read_bytes()[:2000])
    cut_gzip = tmp_path / "cut.835.gz"
    cut_gzip.write_bytes(gzip.compress(MANY_CLAIMS.read_bytes())[:1500])  # of 2,267
    empty = tmp_path / "empty.zip"
    zipfile.ZipFile(empty, "w").close()
    db = tmp_path / "x.duckdb"
    result = unlisted("load", cut_zip, cut_gzip, empty, "--db", db, "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"]) for r in records] == [
        (str(cut_zip), "rejected"), (f"{cut_gzip}/cut.835", "rejected"), (str(empty), "rejected"),
    ]  # fmt: skip
    assert records[0]["message"].startswith("the zip archive cannot be read (")
    assert records[1]["message"] == (
        "cut.835 inside the gzip archive cannot be read (Compressed file ended before the "
        "end-of-stream marker was reached); the archive is damaged, download it again"
    )
    assert records[2]["message"] == "the zip archive holds no files"
    assert [r["reject_reasons"][0]["code"] for r in records] == [
        "archive_unreadable", "archive_unreadable", "archive_empty",
    ]  # fmt: skip
    # each is recorded, under the SHA-256 of its bytes (the gzip's: its one member, unreadable)
    recorded = [
        (path.name if path != cut_gzip else "cut.835", "rejected",
         hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_size)
        for path in (cut_zip, cut_gzip, empty)
    ]  # fmt: skip
    query = (
        "SELECT file_name, status, sha256, file_bytes, rejects, code FROM load_batch "
        "JOIN reject USING (batch_id) ORDER BY batch_id"
    )
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(query).fetchall()
        ids = [batch for (batch,) in con.execute("SELECT batch_id FROM load_batch").fetchall()]
    codes = ["archive_unreadable", "archive_unreadable", "archive_empty"]
    assert rows == [(*r, 1, code) for r, code in zip(recorded, codes, strict=True)]
    assert sorted(r["batch_id"] for r in records) == sorted(ids)
    # tried again, the same damaged bytes replace their records: one outcome per content
    unlisted("load", cut_zip, cut_gzip, empty, "--db", db, "--json")
    with duckdb.connect(str(db), read_only=True) as con:
        assert [r[:4] for r in con.execute(query).fetchall()] == recorded


def test_a_damaged_member_is_rejected_and_the_members_after_it_load(tmp_path):
    archive = tmp_path / "run.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as z:
        z.write(ERA, "a.edi")
        z.write(SAMPLES / "imsweb__x12-parser" / "x12_valid.txt", "b.txt")
        z.write(MANY_CLAIMS, "c.txt")
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as z:
        b = z.getinfo("b.txt")
    data[b.header_offset + 30 + len("b.txt") + 200] ^= 0xFF  # a byte of b.txt's data
    archive.write_bytes(bytes(data))
    result = unlisted("load", archive, "--db", tmp_path / "x.duckdb", "--json")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["status"], r["claims"]) for r in records] == [
        (f"{archive}/a.edi", "loaded", 1), (f"{archive}/b.txt", "rejected", 0),
        (f"{archive}/c.txt", "loaded", 820),
    ]  # fmt: skip
    assert records[1]["message"] == (
        "b.txt inside the zip archive cannot be read (Bad CRC-32 for file 'b.txt'); the archive "
        "is damaged, download it again"
    )
    assert result.returncode == 1
    # recorded under the SHA-256 of its bytes as the archive stores them (here uncompressed)
    stored = bytearray((SAMPLES / "imsweb__x12-parser" / "x12_valid.txt").read_bytes())
    stored[200] ^= 0xFF
    with duckdb.connect(str(tmp_path / "x.duckdb"), read_only=True) as con:
        assert con.execute(
            "SELECT file_name, status, sha256, file_bytes FROM load_batch ORDER BY batch_id"
        ).fetchall() == [
            ("a.edi", "loaded", hashlib.sha256(ERA.read_bytes()).hexdigest(), ERA.stat().st_size),
            ("b.txt", "rejected", hashlib.sha256(stored).hexdigest(), len(stored)),
            ("c.txt", "loaded", hashlib.sha256(MANY_CLAIMS.read_bytes()).hexdigest(),
             MANY_CLAIMS.stat().st_size),
        ]  # fmt: skip


def test_members_are_unpacked_beside_the_database_and_folders_skip_hidden_ones(tmp_path):
    """A killed run may leave a member in its hidden folder beside the database: claims stay
    where the database is, and loading that folder later does not pick the member up."""
    from unlisted.etl.archives import files_in
    from unlisted.etl.load import expand_paths

    archive = tmp_path / "run.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(ERA, "a.edi")
    for item, shown, problem in files_in(archive, workdir=tmp_path):
        assert problem is None and shown == f"{archive}/a.edi"
        assert item.parent.parent.parent == tmp_path and item.parent.parent.name.startswith(".")
        assert list(expand_paths([tmp_path])) == [archive]  # the member is in a hidden folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.zip"]  # and gone once loaded
