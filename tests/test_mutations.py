"""Property: whatever damage a valid file suffers, the loader answers with a status, never an
exception, and the database holds all of what it says it loaded or none of it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unlisted.etl.database import connect
from unlisted.etl.load import Loader
from unlisted.etl.x12 import parse

from .conftest import SAMPLES

SOURCES = [
    SAMPLES / "albmarin__badX12" / "X221-multiple-claims-single-check.edi",
    SAMPLES / "LinuxForHealth__x12" / "secondary-payment.835",
    SAMPLES / "imsweb__x12-parser" / "x12_complex.txt",
    SAMPLES / "LinuxForHealth__x12" / "demo.cob.example3.A.837",
    SAMPLES / "imsweb__x12-parser" / "x12_valid_different_separators.txt",
]
SNIPPETS = [b"~", b"*", b":", b"^", b"\r\n", b"~SE*1*1~", b"~ST*835*1~", b"~CLP*X*1*a*b~",
            b"~CAS*ZZ*1*2~", b"~SVC*HC:1*x*1~", b"~HL*9*1*22*1~", b"~CLM*A*1.999~", b"~IEA*1*1~",
            b"\xff\xfe", b"\x00", "\u00e9".encode()]  # fmt: skip


def mutate(data: bytes, draw) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["truncate", "delete", "duplicate", "junk", "replace",
                                   "insert", "delimiter"]))  # fmt: skip
        segments = bytes(out).split(b"~")
        if op == "truncate":
            del out[draw(st.integers(0, len(out))) :]
        elif op in ("delete", "duplicate") and len(segments) > 2:
            k = draw(st.integers(0, len(segments) - 1))
            if op == "delete":
                del segments[k]
            else:
                segments.insert(k, segments[k])
            out = bytearray(b"~".join(segments))
        elif op == "junk":
            at = draw(st.integers(0, len(out)))
            out[at:at] = draw(st.binary(min_size=1, max_size=12))
        elif op == "replace" and out:
            at = draw(st.integers(0, len(out) - 1))
            out[at] = draw(st.sampled_from(list(b"*~:^>|0A-. \n")))
        elif op == "insert":
            at = draw(st.integers(0, len(out)))
            out[at:at] = draw(st.sampled_from(SNIPPETS))
        elif op == "delimiter" and len(out) > 106:
            old, new = out[3:4], draw(st.sampled_from([b"|", b"~", b"^", b"!"]))
            out = bytearray(bytes(out).replace(old, new))
    return bytes(out)


@pytest.fixture(scope="module")
def sources():
    return [path.read_bytes() for path in SOURCES]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])  # fmt: skip
@given(data=st.data())
def test_damaged_files_never_crash_nor_load_partially(data, sources, tmp_path, monkeypatch):
    # Small batches too: a transaction then reaches the database in parts, which must go again
    # when the damage quarantines it further on.
    monkeypatch.setattr(parse, "FLUSH_VALUES", data.draw(st.sampled_from([parse.FLUSH_VALUES, 50])))
    original = data.draw(st.sampled_from(sources))
    damaged = mutate(original, data.draw)
    path = tmp_path / "damaged.x12"
    path.write_bytes(damaged)
    con = connect(":memory:")
    result = Loader(con).load(path)
    assert result.status in ("loaded", "rejected")
    assert "internal_error" not in {r.code for r in result.rejects}, result.message
    batch = {"b": result.batch_id}
    stored = con.execute(
        "SELECT (SELECT count(*) FROM claim WHERE batch_id = $b)"
        " + (SELECT count(*) FROM remit_claim WHERE batch_id = $b),"
        " (SELECT count(*) FROM claim_line WHERE batch_id = $b)"
        " + (SELECT count(*) FROM remit_line WHERE batch_id = $b),"
        " (SELECT count(*) FROM remit WHERE batch_id = $b)",
        batch,
    ).fetchone()
    if result.status == "rejected":
        assert stored == (0, 0, 0)
    else:
        assert stored[:2] == (result.claims, result.lines)
    orphans = con.execute(
        "SELECT (SELECT count(*) FROM claim_line l ANTI JOIN claim c USING (claim_id))"
        " + (SELECT count(*) FROM remit_line l ANTI JOIN remit_claim c USING (remit_claim_id))"
        " + (SELECT count(*) FROM remit_claim c ANTI JOIN remit r USING (remit_id))"
        " + (SELECT count(*) FROM adjustment a ANTI JOIN remit_claim c USING (remit_claim_id))"
    ).fetchone()[0]
    assert orphans == 0
    recorded = con.execute(
        "SELECT status, claims, lines, rejects FROM load_batch WHERE batch_id = $b", batch
    ).fetchone()
    assert recorded == (result.status, result.claims, result.lines, len(result.rejects))
    con.close()


def test_a_carriage_return_inside_the_isa_is_a_clear_refusal(sources, tmp_path):
    """Found by the property above: 'I\\rSA...' once ended in an internal error (the CSV sniffer
    read the stray carriage return as a line break inside a field)."""
    path = tmp_path / "damaged.x12"
    path.write_bytes(sources[0][:1] + b"\r" + sources[0][1:])
    result = Loader(connect(":memory:")).load(path)
    assert (result.status, [r.code for r in result.rejects]) == ("rejected", ["unknown_format"])
