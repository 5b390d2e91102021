"""Input rules: any encoding or layout of the same interchange loads the same rows; envelope
problems warn or quarantine exactly what they should; bad input never ends in a traceback."""

from __future__ import annotations

import codecs
from decimal import Decimal

import pytest
from unlisted.queries.sql import sql

from .conftest import SAMPLES
from .x12build import claim_header, interchange, remit_header, subscriber

VALID_837 = SAMPLES / "imsweb__x12-parser" / "x12_valid.txt"
VALID_835 = SAMPLES / "albmarin__badX12" / "X221-multiple-claims-single-check.edi"


def rows(db, batch_id):
    claims = db.execute(
        "SELECT * EXCLUDE (claim_id, batch_id) FROM claim WHERE batch_id = $b ORDER BY 1",
        {"b": batch_id},
    ).fetchall()
    lines = db.execute(
        "SELECT * EXCLUDE (claim_line_id, claim_id, batch_id) FROM claim_line WHERE batch_id = $b "
        "ORDER BY 1",
        {"b": batch_id},
    ).fetchall()
    remits = db.execute(
        "SELECT * EXCLUDE (remit_line_id, remit_claim_id, batch_id) FROM remit_line "
        "WHERE batch_id = $b ORDER BY 1",
        {"b": batch_id},
    ).fetchall()
    return claims, lines, remits


def segments(path):
    text = path.read_text(encoding="utf-8")
    return [s.strip() for s in text.split("~") if s.strip()]


VARIANTS = {
    "no newlines": lambda segs: "~".join(segs) + "~",
    "CRLF": lambda segs: "~\r\n".join(segs) + "~\r\n",
    "CR only": lambda segs: "~\r".join(segs) + "~\r",
    "pretty printed": lambda segs: "\n".join(
        ("" if s.startswith(("ISA", "GS", "ST", "SE", "GE", "IEA")) else "    ") + s + "~"
        for s in segs
    ),
    "wrapped at 80 columns": lambda segs: "\r\n".join(
        ("~".join(segs) + "~")[i : i + 80] for i in range(0, len("~".join(segs)) + 1, 80)
    ),
    "blank lines and trailing spaces": lambda segs: "\n\n".join(s + "~   " for s in segs) + "\n\n",
}
ENCODINGS = {
    "utf-8 BOM": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16 BOM": lambda text: text.encode("utf-16"),
    "utf-16-le without BOM": lambda text: text.encode("utf-16-le"),
}


@pytest.mark.parametrize("source", [VALID_837, VALID_835], ids=["837P", "835"])
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_layout_variants_load_identical_rows(source, variant, tmp_path, loader, db):
    original = loader.load(source)
    path = tmp_path / "variant.x12"
    path.write_text(VARIANTS[variant](segments(source)), encoding="utf-8", newline="")
    changed = loader.load(path)
    assert changed.status == "loaded", changed.message
    assert (changed.claims, changed.lines, changed.total_charge, changed.total_paid) == (
        original.claims, original.lines, original.total_charge, original.total_paid,
    )  # fmt: skip
    assert rows(db, changed.batch_id) == rows(db, original.batch_id)


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_encodings_load_identical_rows(encoding, tmp_path, loader, db):
    original = loader.load(VALID_837)
    path = tmp_path / "encoded.x12"
    path.write_bytes(ENCODINGS[encoding](VALID_837.read_text(encoding="utf-8")))
    changed = loader.load(path)
    assert changed.status == "loaded", changed.message
    assert rows(db, changed.batch_id) == rows(db, original.batch_id)


def claim(pcn: str, charge: str, line_charge: str | None = None) -> list[str]:
    return [
        f"CLM*{pcn}*{charge}***11:B:1*Y*A*Y*Y",
        "LX*1",
        f"SV1*HC:97139:GP:::::MANUAL LYMPH DRAINAGE*{line_charge or charge}*UN*1***1",
        "DTP*472*D8*20261102",
    ]


def claims_file(tmp_path, transactions, name="claims.837") -> object:
    path = tmp_path / name
    path.write_text(interchange(transactions))
    return path


def test_wrong_segment_count_warns_and_loads(tmp_path, loader):
    body = claim_header() + subscriber(2) + claim("A1", "100.00")
    text = interchange([body]).replace(f"SE*{len(body) + 2}*0001", "SE*99*0001")
    path = tmp_path / "count.837"
    path.write_text(text)
    result = loader.load(path)
    assert (result.status, result.claims) == ("loaded", 1)
    assert [w.code for w in result.warnings] == ["se_count"]
    assert "SE01 says '99' segments, the transaction has 21" in result.warnings[0].message


def test_control_number_mismatch_quarantines_only_that_transaction(tmp_path, loader, db):
    good = claim_header() + subscriber(2) + claim("A1", "100.00")
    bad = claim_header() + subscriber(2) + claim("B1", "250.00")
    text = interchange([good, bad]).replace(f"SE*{len(bad) + 2}*0002", f"SE*{len(bad) + 2}*9999")
    path = tmp_path / "control.837"
    path.write_text(text)
    result = loader.load(path)
    assert (result.status, result.claims, result.total_charge) == ("loaded", 1, Decimal("100.00"))
    assert [(r.scope, r.code) for r in result.rejects] == [("transaction", "se_control_number")]
    assert db.execute("SELECT patient_control_number FROM claim").fetchall() == [("A1",)]
    assert db.execute("SELECT count(*) FROM reject").fetchone()[0] == 1


def test_bad_amount_quarantines_only_that_claim(tmp_path, loader, db):
    body = claim_header() + subscriber(2) + claim("A1", "100.00") + claim("B1", "12.345")
    result = loader.load(claims_file(tmp_path, [body]))
    assert (result.status, result.claims, result.lines) == ("loaded", 1, 1)
    assert result.total_charge == Decimal("100.00")
    (reject,) = result.rejects
    assert (reject.scope, reject.code) == ("claim", "bad_amount")
    assert "CLM02 value '12.345' is not an amount" in reject.message
    assert db.execute("SELECT count(*), sum(charge) FROM claim_line").fetchone() == (
        1, Decimal("100.00"),
    )  # fmt: skip


def test_truncated_file_loads_complete_transactions_only(tmp_path, loader, db):
    first = claim_header() + subscriber(2) + claim("A1", "100.00")
    second = claim_header() + subscriber(2) + claim("B1", "200.00") + claim("C1", "300.00")
    text = interchange([first, second])
    path = tmp_path / "cut.837"
    path.write_text(text[: text.index("CLM*C1")])
    result = loader.load(path)
    assert (result.status, result.claims) == ("loaded", 1)
    assert [(r.scope, r.code) for r in result.rejects] == [("transaction", "truncated")]
    assert db.execute("SELECT patient_control_number FROM claim").fetchall() == [("A1",)]


def test_remit_with_unreadable_payment_is_quarantined(tmp_path, loader, db):
    body = remit_header("12,50") + ["CLP*A1*1*100*12.50**12*ICN1", "CAS*CO*45*87.50"]
    path = tmp_path / "remit.835"
    path.write_text(interchange([body], kind="835"))
    result = loader.load(path)
    assert result.status == "rejected"
    assert "BPR02 value '12,50' is not an amount" in result.message
    assert db.execute("SELECT count(*) FROM remit").fetchone()[0] == 0


@pytest.mark.parametrize(
    "content,code,phrase",
    [
        (b"", "empty_file", "the file is empty"),
        (b"\x00\x01\x02\xff\xfe garbage" * 20, "unknown_format", "not an X12 837P/835 file"),
        (b"Dear colleague,\nplease find the claims attached.\n", "unknown_format", "not an X12"),
        (b"ISA*00*short~", "isa_truncated", "the ISA header is"),
        (b"ST*837*0001~BHT*0019~", "no_isa", "does not start with an ISA"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(content, code, phrase, tmp_path, loader, db):
    path = tmp_path / "input.dat"
    path.write_bytes(content)
    result = loader.load(path)
    assert result.status == "rejected"
    assert [r.code for r in result.rejects] == [code]
    assert phrase in result.message
    assert db.execute("SELECT status, message FROM load_batch").fetchall() == [
        ("rejected", result.message)
    ]


def test_messages_never_quote_birth_dates(tmp_path, loader):
    body = claim_header() + subscriber(2) + claim("A1", "100.00")
    body[body.index("DMG*D8*19700101*F")] = "DMG*D8*19701345*F"
    result = loader.load(claims_file(tmp_path, [body]))
    assert result.status == "loaded"
    assert [w.code for w in result.warnings] == ["bad_date"]
    assert "1970" not in result.warnings[0].message


def test_huge_amounts_sum_exactly_and_too_many_digits_quarantine(tmp_path, loader, db):
    body = claim_header() + subscriber(2)
    for k in range(10):
        body += claim(f"H{k}", "9999999999999999.99")
    body += claim("TOO-BIG", "99999999999999999")
    result = loader.load(claims_file(tmp_path, [body]))
    assert result.claims == 10
    assert result.total_charge == Decimal("99999999999999999.90")
    assert db.execute("SELECT sum(total_charge)::VARCHAR FROM claim").fetchone()[0] == (
        "99999999999999999.90"
    )
    assert [(r.scope, r.code) for r in result.rejects] == [("claim", "bad_amount")]


def test_parser_refuses_misuse_instead_of_crashing():
    from unlisted.etl.x12._x12parse import Parser

    ids = dict(claim=1, claim_line=1, remit=1, remit_claim=1, remit_line=1)
    with pytest.raises(RuntimeError, match="not initialised"):
        Parser.__new__(Parser).feed(b"ST*837~", 0, True)
    parser = Parser("*", ":", "~", 1, ids)
    with pytest.raises(ValueError, match="outside the data"):
        parser.feed(b"ST*837~", -5, True)
    parser.feed(b"ST*835*0001~BPR*I*1*C*ACH~CLP*A*1*10*10~CAS*CO*45*0~", 0, False)
    with pytest.raises(RuntimeError, match="inside a transaction's claim"):
        parser.take()
    with pytest.raises(RuntimeError, match="one file"):
        parser.__init__("*", ":", "~", 1, ids)


def test_parser_hands_over_a_transaction_in_parts_only_between_claims():
    from unlisted.etl.x12._x12parse import Parser

    ids = dict(claim=1, claim_line=1, remit=1, remit_claim=1, remit_line=1)
    parser = Parser("*", ":", "~", 1, ids, flush_values=1)
    data = b"ST*835*0001~BPR*I*1*C*ACH~CLP*A*1*10*10~CLP*B*1*10*10~"
    consumed, flush = parser.feed(data, 0, False)
    assert (consumed, flush) == (len(data), 1)  # A is complete, B has no rows yet
    assert {table: rows for table, (rows, _) in parser.take().items()} == {"remit_claim": 1}
    _, flush = parser.feed(b"CAS*CO*45*0~", 0, False)
    assert flush == 0  # the adjustment belongs to a claim payment still open
    with pytest.raises(ValueError, match="flush_values must be positive"):
        Parser("*", ":", "~", 1, ids, flush_values=0)


BIG_CLAIMS = 40  # one transaction, about 60 values a claim: a dozen batches at 200 values


def big_transaction(prefix: str, bad_claim: int | None = None) -> list[str]:
    body = claim_header() + subscriber(2)
    for k in range(BIG_CLAIMS):
        body += claim(f"{prefix}{k}", "12.345" if k == bad_claim else f"{k + 1}.25")
    return body


@pytest.fixture
def small_batches(monkeypatch):
    from unlisted.etl.x12 import parse

    monkeypatch.setattr(parse, "FLUSH_VALUES", 200)


def test_large_transaction_loads_in_parts_and_quarantines_one_claim(
    small_batches, tmp_path, loader, db
):
    path = claims_file(tmp_path, [big_transaction("A", bad_claim=25)])
    tables, _, rejects, _, _ = parsed(path)
    assert sum(1 for table, _ in tables if table == "claim") >= 10  # in parts, not at SE
    result = loader.load(path)
    assert (result.status, result.claims, result.lines) == ("loaded", 39, 39)
    assert [(r.scope, r.code) for r in result.rejects] == [("claim", "bad_amount")]
    # 1.25 + 2.25 + ... + 40.25, without the 26th claim's
    assert result.total_charge == Decimal("830.00") - Decimal("26.25") == Decimal("803.75")
    assert db.execute(
        "SELECT count(*), sum(total_charge), count(DISTINCT claim_id), "
        "count(*) FILTER (WHERE patient_control_number = 'A25') FROM claim"
    ).fetchone() == (39, Decimal("803.75"), 39, 0)
    assert db.execute("SELECT count(*), sum(charge) FROM claim_line").fetchone() == (
        39, Decimal("803.75"),
    )  # fmt: skip


def arrow_batches(path) -> dict[str, list]:
    """The parser's batches of a file as it hands them over, every one kept until the end."""
    from unlisted.etl.context import FileContext
    from unlisted.etl.x12.parse import X12File

    ctx = FileContext(1, dict(claim=1, claim_line=1, remit=1, remit_claim=1, remit_line=1))
    batches: dict[str, list] = {}
    X12File(path).load_into(
        ctx, lambda table, rows: batches.setdefault(table, []).append(rows), lambda *_: None
    )
    return batches


@pytest.mark.parametrize("kind", ["837p", "835"])
def test_batches_handed_over_stay_as_they_were_while_later_ones_are_parsed(
    kind, tmp_path, monkeypatch
):
    """take() hands the parser's memory to Arrow uncopied: a batch still waiting to be inserted
    must not change while the next ones are parsed, and the parts must add up to the whole."""
    import pyarrow as pa
    from unlisted.etl.x12 import parse

    if kind == "837p":
        path = claims_file(tmp_path, [big_transaction("A"), big_transaction("B")])
    else:
        path = VALID_835
    whole = arrow_batches(path)
    monkeypatch.setattr(parse, "FLUSH_VALUES", 200)
    parts = arrow_batches(path)
    main = "claim" if kind == "837p" else "remit_claim"
    assert (len(whole[main]), len(parts[main]) > 2) == (1, True)
    assert sorted(parts) == sorted(whole)
    for table in whole:
        expected = pa.concat_tables(whole[table]).to_pylist()
        assert pa.concat_tables(parts[table]).to_pylist() == expected, table


def test_large_transaction_quarantined_after_parts_were_written_leaves_nothing(
    small_batches, tmp_path, loader, db
):
    """The bad SE comes after a dozen batches of the transaction went to the database: they
    are deleted again, within the file's transaction; the good transactions around it stay."""
    good = claim_header() + subscriber(2) + claim("G1", "100.00")
    bad = big_transaction("B")
    later = claim_header() + subscriber(2) + claim("G2", "50.00")
    text = interchange([good, bad, later]).replace(
        f"SE*{len(bad) + 2}*0002", f"SE*{len(bad) + 2}*9999"
    )
    path = tmp_path / "control.837"
    path.write_text(text)
    result = loader.load(path)
    assert (result.status, result.claims, result.total_charge) == ("loaded", 2, Decimal("150.00"))
    assert [(r.scope, r.code) for r in result.rejects] == [("transaction", "se_control_number")]
    assert db.execute(
        "SELECT patient_control_number, charge FROM claim JOIN claim_line USING (claim_id) "
        "ORDER BY 1"
    ).fetchall() == [("G1", Decimal("100.00")), ("G2", Decimal("50.00"))]
    cursor = db.execute(sql("load/next_ids"))
    in_database = dict(zip((d[0] for d in cursor.description), cursor.fetchone(), strict=True))
    assert loader.next_ids() == in_database


def test_large_payment_cut_short_after_parts_were_written_is_rejected_whole(
    small_batches, tmp_path, loader, db
):
    body = remit_header("1000.00")
    for k in range(BIG_CLAIMS):
        body += [f"CLP*P{k}*1*40*25**12*ICN{k}", "CAS*CO*45*15",
                 "SVC*HC:97139:GP*40*25**1", "DTM*472*20261102", "CAS*CO*45*15", "LQ*HE*N20"]  # fmt: skip
    text = interchange([body], kind="835")
    path = tmp_path / "cut.835"
    path.write_text(text[: text.index(f"CLP*P{BIG_CLAIMS - 2}*")])
    result = loader.load(path)
    assert result.status == "rejected"
    assert [(r.scope, r.code) for r in result.rejects] == [("transaction", "truncated")]
    assert db.execute(
        "SELECT (SELECT count(*) FROM remit) + (SELECT count(*) FROM remit_claim)"
        " + (SELECT count(*) FROM remit_line) + (SELECT count(*) FROM adjustment)"
        " + (SELECT count(*) FROM remark)"
    ).fetchone() == (0,)
    assert db.execute("SELECT status, claims FROM load_batch").fetchall() == [("rejected", 0)]


def parsed(path):
    """What the parser makes of a file on its own: rows, findings and the per-file counts."""
    from unlisted.etl.context import FileContext
    from unlisted.etl.x12.parse import X12File

    ctx = FileContext(1, dict(claim=1, claim_line=1, remit=1, remit_claim=1, remit_line=1))
    tables = []
    x12 = X12File(path)
    x12.load_into(
        ctx,
        lambda table, rows: tables.append((table, rows.to_pydict())),
        lambda *segments: tables.append(("discarded", segments)),
    )
    return tables, ctx.warnings, ctx.rejects, x12.replaced_bytes, ctx.tally


def test_parsers_in_two_threads_read_what_each_reads_alone(tmp_path):
    """feed() runs without the GIL, so that inserting overlaps parsing: two files parsed at once
    (a loader per thread) must not mix their rows, findings or counts."""
    from concurrent.futures import ThreadPoolExecutor

    long_note = "NTE*ADD*" + "X" * 300
    odd = [claim(f"B{k}", "10.00") + [long_note] for k in range(3000)]
    plain = [claim(f"A{k}", "25.50") for k in range(3000)]
    first = tmp_path / "plain.837"
    first.write_text(interchange([claim_header() + subscriber(2) + sum(plain, [])]))
    second = tmp_path / "odd.837"
    second.write_bytes(
        interchange([claim_header() + subscriber(2) + sum(odd, [])])
        .encode()
        .replace(b"CLM*B1", b"CLM*\xff1")
    )
    alone = [parsed(first), parsed(second)]
    assert alone[1][3] == 1111  # B1, B10-B19, B100-B199 and B1000-B1999 lost their B
    assert [w.code for w in alone[1][1]] == ["value_too_long"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(5):
            together = list(pool.map(parsed, [first, second]))
            assert together == alone


def test_many_warnings_of_one_kind_are_counted_and_the_first_thousand_listed(tmp_path, loader, db):
    """Every claim unbalanced: 1,004 warnings counted, the first 1,000 listed with a summary of
    the rest. A quarantined claim's warning and a quarantined transaction's go with them, from
    the list and from the counts."""
    unbalanced = [claim(f"A{k}", "100.00", line_charge="90.00") for k in range(1000)]
    first = claim_header() + subscriber(2) + [s for c in unbalanced for s in c]
    first += [  # quarantined at its second line: the first line's warning goes with it
        "CLM*BAD*100.00***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:97139:GP*90.00*UN*1***1",
        "LX*2", "SV1*HC:97139:GP*12.345*UN*1***1", "DTP*472*D8*20261102",
    ]  # fmt: skip
    first += [s for k in range(4) for s in claim(f"C{k}", "100.00", line_charge="90.00")]
    dropped = claim_header() + subscriber(2) + claim("D1", "100.00", line_charge="90.00")
    text = interchange([first, dropped]).replace(
        f"SE*{len(dropped) + 2}*0002", f"SE*{len(dropped) + 2}*9999"
    )
    path = tmp_path / "unbalanced.837"
    path.write_text(text)
    result = loader.load(path)
    assert (result.status, result.claims) == ("loaded", 1004)
    record = result.to_json()
    assert (record["warnings"], record["warning_codes"]) == (1004, {"claim_unbalanced": 1004})
    assert result.message == (
        "loaded 1004 claims, 1004 lines; quarantined 1 claim, 1 transaction; 1,004 warnings"
    )
    assert db.execute(
        "SELECT count(*) FILTER (WHERE location <> 'file'), max(message) FILTER (WHERE location = "
        "'file'), (SELECT warnings FROM load_batch) FROM load_warning"
    ).fetchone() == (
        1000,
        "and 4 more claim_unbalanced warnings in this file, counted but not listed one by one "
        "(the first 1,000 are)",
        1004,
    )


def test_large_payment_cut_short_by_the_next_one_leaves_the_next_one_whole(
    small_batches, tmp_path, loader, db
):
    """A new ST ends a large payment that has no SE: what was written of the payment goes, the
    next payment (whose rows start at that ST) loads whole."""
    cut = remit_header("1000.00")
    for k in range(BIG_CLAIMS):
        cut += [f"CLP*P{k}*1*40*25**12*ICN{k}", "SVC*HC:97139:GP*40*25**1", "CAS*CO*45*15"]
    whole = remit_header("25.00", trace="TRACE2") + [
        "CLP*N1*1*40*25**12*ICNN1", "SVC*HC:97139:GP*40*25**1", "CAS*CO*45*15",
    ]  # fmt: skip
    text = interchange([cut, whole], kind="835")
    text = text.replace(f"SE*{len(cut) + 2}*0001~\n", "")
    path = tmp_path / "two.835"
    path.write_text(text)
    result = loader.load(path)
    assert (result.status, result.claims, result.total_paid) == ("loaded", 1, Decimal("25.00"))
    assert [(r.scope, r.code) for r in result.rejects] == [("transaction", "truncated")]
    assert db.execute(
        "SELECT (SELECT list(trace_number) FROM remit), (SELECT list(patient_control_number) "
        "FROM remit_claim), (SELECT count(*) FROM remit_line), (SELECT sum(amount) FROM adjustment)"
    ).fetchone() == (["TRACE2"], ["N1"], 1, Decimal("15.00"))
