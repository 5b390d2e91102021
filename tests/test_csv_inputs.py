"""CSV exports: the documented column sets load to the cent; bad rows quarantine their claim."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

CLAIMS = """patient_control_number,payer_id,payer_name,procedure_code,modifier_1,description,line_charge,units,service_date,rendering_npi,subscriber_member_id
C-1,PAYER01,ACME HEALTH,97139,GP,INSTRUMENT ASSISTED MOBILIZATION,120.50,2,2026-11-02,1111111111,M1
C-1,PAYER01,ACME HEALTH,97110,GP,,65.00,1,2026-11-02,1111111111,M1
C-2,PAYER02,BLUE PLAN,97139,GP,,99.99,1,2026-11-03,2222222222,M2
"""

REMITS = """payer_id,payment_date,trace_number,patient_control_number,claim_status,payer_claim_number,procedure_code,line_charge,line_paid,line_allowed,service_date,adjustments,remarks
PAYER01,2026-12-01,EFT1,C-1,1,ICN1,97139,120.50,0,0,2026-11-02,CO-16:120.50,N350
PAYER01,2026-12-01,EFT1,C-1,1,ICN1,97110,65.00,40.00,50.00,2026-11-02,CO-45:15.00;PR-2:10.00,
PAYER02,2026-12-03,CHK9,C-2,1,ICN2,97139,99.99,80.00,80.00,2026-11-03,CO-45:19.99,
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_claims_csv_loads_claims_and_lines(tmp_path, loader, db):
    result = loader.load(write(tmp_path, "claims.csv", CLAIMS))
    assert (result.status, result.kind, result.claims, result.lines) == (
        "loaded", "claims-csv", 2, 3,
    )  # fmt: skip
    assert result.total_charge == Decimal("285.49")
    claims = db.execute(
        "SELECT patient_control_number, payer_id, total_charge, frequency_code, source_position "
        "FROM claim ORDER BY 1"
    ).fetchall()
    assert claims == [
        ("C-1", "PAYER01", Decimal("185.50"), "1", 2),
        ("C-2", "PAYER02", Decimal("99.99"), "1", 4),
    ]
    lines = db.execute(
        "SELECT line_number, procedure_code, modifier_1, description, charge, units, "
        "service_date FROM claim_line ORDER BY claim_line_id"
    ).fetchall()
    assert lines[0] == (1, "97139", "GP", "INSTRUMENT ASSISTED MOBILIZATION", Decimal("120.50"),
                        Decimal("2.000"), date(2026, 11, 2))  # fmt: skip
    assert [line[0] for line in lines] == [1, 2, 1]


def test_remits_csv_loads_payments_adjustments_and_remarks(tmp_path, loader, db):
    result = loader.load(write(tmp_path, "remits.csv", REMITS))
    assert (result.status, result.kind, result.claims, result.lines) == (
        "loaded", "remits-csv", 2, 3,
    )  # fmt: skip
    assert (result.total_charge, result.total_paid) == (Decimal("285.49"), Decimal("120.00"))
    assert db.execute(
        "SELECT trace_number, payment_amount, payment_date FROM remit ORDER BY 1"
    ).fetchall() == [("CHK9", Decimal("80.00"), date(2026, 12, 3)),
                     ("EFT1", Decimal("40.00"), date(2026, 12, 1))]  # fmt: skip
    assert db.execute(
        "SELECT patient_control_number, paid_amount, patient_responsibility FROM remit_claim "
        "ORDER BY 1"
    ).fetchall() == [("C-1", Decimal("40.00"), Decimal("10.00")),
                     ("C-2", Decimal("80.00"), Decimal("0.00"))]  # fmt: skip
    assert db.execute(
        "SELECT group_code, reason_code, amount FROM adjustment ORDER BY amount"
    ).fetchall() == [("PR", "2", Decimal("10.00")), ("CO", "45", Decimal("15.00")),
                     ("CO", "45", Decimal("19.99")), ("CO", "16", Decimal("120.50"))]  # fmt: skip
    assert db.execute("SELECT code FROM remark").fetchall() == [("N350",)]


def test_bad_row_quarantines_its_claim_and_names_the_row(tmp_path, loader, db):
    text = CLAIMS.replace("65.00,1,2026-11-02", "65.0O,1,2026-11-02")
    result = loader.load(write(tmp_path, "claims.csv", text))
    assert (result.status, result.claims, result.lines) == ("loaded", 1, 1)
    assert result.total_charge == Decimal("99.99")
    (reject,) = result.rejects
    assert (reject.location, reject.scope, reject.code) == ("rows 2-3", "rows", "bad_row")
    assert "row 3: line_charge value '65.0O' is not an amount" in reject.message
    assert db.execute("SELECT patient_control_number FROM claim").fetchall() == [("C-2",)]


def test_bad_dates_and_empty_required_values_are_row_errors(tmp_path, loader):
    text = CLAIMS.replace("2026-11-03", "2026-02-30").replace(
        "C-1,PAYER01,ACME HEALTH,97110", "C-1,PAYER01,ACME HEALTH,"
    )
    result = loader.load(write(tmp_path, "claims.csv", text))
    assert result.status == "rejected"
    messages = sorted(r.message for r in result.rejects)
    assert "row 3: procedure_code is empty" in messages[0]
    assert "row 4: service_date value is not a date in YYYY-MM-DD form" in messages[1]


def test_missing_columns_reject_the_file_and_say_which(tmp_path, loader, db):
    result = loader.load(
        write(tmp_path, "claims.csv", "patient_control_number,procedure_code\nC-1,97139\n")
    )
    assert result.status == "rejected"
    assert result.rejects[0].code == "csv_columns"
    assert "a claims CSV lacks payer_id, line_charge, service_date" in result.message
    assert db.execute("SELECT count(*) FROM claim").fetchone()[0] == 0


def test_every_column_is_documented():
    from pathlib import Path

    from unlisted.etl.csv_inputs import COLUMN_SETS

    docs = (Path(__file__).parents[1] / "docs" / "csv-inputs.md").read_text(encoding="utf-8")
    missing = [c for cs in COLUMN_SETS for c in cs.columns
               if f"`{c}`" not in docs and not c.startswith("modifier_")]  # fmt: skip
    assert missing == []


def test_csv_with_bom_or_in_utf16_loads_the_same(tmp_path, loader):
    import codecs

    bom = tmp_path / "bom.csv"
    bom.write_bytes(codecs.BOM_UTF8 + CLAIMS.encode())
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(CLAIMS.encode("utf-16"))
    for path in (bom, utf16):
        result = loader.load(path)
        assert (result.status, result.claims, result.total_charge) == (
            "loaded", 2, Decimal("285.49"),
        )  # fmt: skip
