"""Every public sample: the valid ones load and match an independent reading (pyx12) to the cent;
the broken ones are refused with a specific reason."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pyx12.x12file import X12Reader

from .conftest import SAMPLES, manifest

# Broken on purpose (see MANIFEST.tsv) and the reason code the loader must give.
BROKEN = {
    "error_validation.edi": "se_control_number",
    "x12_bad_first_line.txt": "isa_malformed",
    "x12_bad_segment_identifier.txt": "bad_segment_id",
    "x12_no_isa_line.txt": "no_isa",
}
SAMPLE_LIST = manifest()
VALID = [s for s in SAMPLE_LIST if s.transaction in ("835", "837P") and s.id not in BROKEN]
OUT_OF_SCOPE = [s for s in SAMPLE_LIST if s.transaction == "837I"]


def pyx12_totals(path):
    """Claims, lines, charges and payments counted by pyx12's own segment reader."""
    claims = lines = 0
    charge = paid = Decimal(0)
    with path.open(encoding="utf-8") as f:
        for segment in X12Reader(f):
            tag = segment.get_seg_id()
            if tag == "CLM":
                claims += 1
                charge += Decimal(segment.get_value("CLM02"))
            elif tag == "CLP":
                claims += 1
                charge += Decimal(segment.get_value("CLP03"))
                paid += Decimal(segment.get_value("CLP04"))
            elif tag in ("SV1", "SVC"):
                lines += 1
    return claims, lines, charge, paid


def test_manifest_lists_every_sample_file():
    listed = {s.path for s in SAMPLE_LIST}
    on_disk = {p for p in SAMPLES.rglob("*") if p.is_file() and "_licenses" not in p.parts}
    assert on_disk - {SAMPLES / "MANIFEST.tsv"} == listed
    assert (len(VALID), len(OUT_OF_SCOPE), len(BROKEN)) == (73, 10, 4)


@pytest.mark.parametrize("sample", VALID, ids=lambda s: s.id)
def test_valid_sample_loads_and_matches_pyx12(sample, loader, db):
    result = loader.load(sample.path)
    assert result.status == "loaded", result.message
    assert result.rejects == []
    claims, lines, charge, paid = pyx12_totals(sample.path)
    assert (result.claims, result.lines) == (claims, lines)
    assert result.total_charge == charge
    batch = {"batch": result.batch_id}
    if sample.transaction == "835":
        stored = db.execute(
            "SELECT count(*), sum(total_charge), sum(paid_amount) FROM remit_claim "
            "WHERE batch_id = $batch",
            batch,
        ).fetchone()
        stored_lines = db.execute(
            "SELECT count(*) FROM remit_line WHERE batch_id = $batch", batch
        ).fetchone()[0]
        assert stored == (claims, charge, paid)
        assert result.total_paid == paid
    else:
        stored = db.execute(
            "SELECT count(*), sum(total_charge) FROM claim WHERE batch_id = $batch", batch
        ).fetchone()
        stored_lines = db.execute(
            "SELECT count(*) FROM claim_line WHERE batch_id = $batch", batch
        ).fetchone()[0]
        assert stored == (claims, charge)
    assert stored_lines == lines


@pytest.mark.parametrize("name,code", sorted(BROKEN.items()))
def test_broken_sample_is_refused_with_its_reason(name, code, loader, db):
    path = next(SAMPLES.rglob(name))
    result = loader.load(path)
    assert result.status == "rejected"
    assert [r.code for r in result.rejects][:1] == [code]
    assert "Traceback" not in result.message and result.message
    assert db.execute("SELECT count(*) FROM claim").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM remit_claim").fetchone()[0] == 0
    stored = db.execute("SELECT status, rejects FROM load_batch").fetchall()
    assert stored == [("rejected", len(result.rejects))]


@pytest.mark.parametrize("sample", OUT_OF_SCOPE, ids=lambda s: s.id)
def test_institutional_claims_are_politely_refused(sample, loader):
    result = loader.load(sample.path)
    assert result.status == "rejected"
    assert result.kind == "837I"
    assert {r.code for r in result.rejects} == {"out_of_scope"}
    assert "837I institutional claim: out of scope" in result.message


def test_many_transactions_and_interchanges_in_one_file(loader):
    result = loader.load(SAMPLES / "imsweb__x12-parser/x12_multiple_transactions.txt")
    assert (result.status, result.transactions, result.claims) == ("loaded", 312, 624)
    assert result.total_charge == Decimal("312000.00")


def test_nonstandard_delimiters_give_the_same_claims(loader, db):
    plain = loader.load(SAMPLES / "imsweb__x12-parser/x12_valid.txt")
    odd = loader.load(SAMPLES / "imsweb__x12-parser/x12_valid_different_separators.txt")
    assert (odd.claims, odd.lines, odd.total_charge) == (
        plain.claims,
        plain.lines,
        plain.total_charge,
    )
    rows = db.execute(
        "SELECT batch_id, procedure_code, modifier_1, charge, service_date FROM claim_line "
        "ORDER BY batch_id, line_number"
    ).fetchall()
    assert [r[1:] for r in rows if r[0] == plain.batch_id] == [
        r[1:] for r in rows if r[0] == odd.batch_id
    ]
