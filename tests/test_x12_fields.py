"""Hand-built 837P and 835 files: every field of the data contract lands where docs/data-dictionary.md says."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .x12build import claim_header, interchange, remit_header, subscriber


def test_837p_claim_and_lines_fields(tmp_path, loader, db):
    body = claim_header() + subscriber(2) + [
        "CLM*PCN-1001*185.50***11:B:1*Y*A*Y*Y",
        "REF*G1*AUTH-77",
        "NTE*ADD*PATIENT TOLERATED WELL",
        "PWK*PN*EL",
        "HI*ABK:M5450*ABF:M6281",
        "NM1*82*1*SMITH*JANE****XX*1111111111",
        "PRV*PE*PXC*225100000X",
        "NM1*77*2*RIVERSIDE NORTH*****XX*2222222222",
        "LX*1",
        "SV1*HC:97139:GP:59:::INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION*120.50*UN*2***1:2",
        "DTP*472*D8*20261102",
        "REF*6R*LINE-1",
        "NTE*ADD*NEURAL GLIDE PROTOCOL",
        "NM1*82*1*JONES*AL****XX*3333333333",
        "LX*2",
        "SV1*HC:97110:GP*65*UN*1***1",
        "DTP*472*RD8*20261102-20261103",
    ]  # fmt: skip
    path = tmp_path / "claims.837"
    path.write_text(interchange([body]))
    result = loader.load(path)
    assert (result.status, result.claims, result.lines, result.rejects) == ("loaded", 1, 2, [])
    assert result.total_charge == Decimal("185.50")
    claim = db.execute(
        "SELECT patient_control_number, frequency_code, place_of_service, total_charge, "
        "payer_id, payer_name, payer_responsibility, claim_filing_indicator, "
        "subscriber_member_id, patient_birth_date, patient_relationship, billing_npi, "
        "billing_taxonomy, rendering_npi, rendering_name, service_facility_name, "
        "prior_authorization, diagnosis_codes, attachment_types, claim_note, created_date "
        "FROM claim"
    ).fetchone()
    assert claim == (
        "PCN-1001", "1", "11", Decimal("185.50"), "PAYER01", "ACME HEALTH", "P", "CI", "M0001",
        date(1970, 1, 1), "18", "1234567893", "225100000X", "1111111111", "SMITH, JANE",
        "RIVERSIDE NORTH", "AUTH-77", "M5450,M6281", "PN", "ADD: PATIENT TOLERATED WELL",
        date(2026, 11, 15),
    )  # fmt: skip
    lines = db.execute(
        "SELECT line_number, line_control_number, procedure_code, modifier_1, modifier_2, "
        "description, charge, units, service_date, service_date_end, rendering_npi, "
        "prior_authorization, line_note, diagnosis_pointers FROM claim_line ORDER BY line_number"
    ).fetchall()
    assert lines == [
        (1, "LINE-1", "97139", "GP", "59", "INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION",
         Decimal("120.50"), Decimal("2.000"), date(2026, 11, 2), date(2026, 11, 2), "3333333333",
         "AUTH-77", "NEURAL GLIDE PROTOCOL", "1:2"),
        (2, None, "97110", "GP", None, None, Decimal("65.00"), Decimal("1.000"),
         date(2026, 11, 2), date(2026, 11, 3), "1111111111", "AUTH-77", None, "1"),
    ]  # fmt: skip


def test_835_payment_claims_lines_adjustments_remarks_and_plb(tmp_path, loader, db):
    body = remit_header("54.00") + [
        "CLP*PCN-1001*1*185.50*100.00*20.00*12*ICN-1*11*1",
        "NM1*QC*1*TESTER*PAT****MI*M0001",
        "DTM*050*20261110",
        "SVC*HC:97140:GP*120.50*80.00**2*HC:97139:GP*2",
        "DTM*472*20261102",
        "CAS*CO*45*30.50**97*10.00",
        "REF*6R*LINE-1",
        "AMT*B6*90.00",
        "LQ*HE*N20",
        "SVC*HC:97110:GP*65*20",
        "DTM*472*20261102",
        "CAS*PR*2*20.00*1",
        "CAS*CO*45*25.00",
        "CLP*PCN-0999*22*-80.00*-40.00**12*ICN-0*11*1",
        "CAS*CO*45*-40.00",
        "MOA***MA01",
        "PLB*1234567893*20261231*L6:ICN-1*-2.00*WO:ICN-0*8.00",
    ]  # fmt: skip
    path = tmp_path / "remit.835"
    path.write_text(interchange([body], kind="835"))
    result = loader.load(path)
    assert (result.status, result.claims, result.lines) == ("loaded", 2, 2)
    assert (result.total_charge, result.total_paid) == (Decimal("105.50"), Decimal("60.00"))
    assert result.warnings == []  # every balancing rule holds in this file
    assert db.execute(
        "SELECT payment_amount, payment_method, payment_date, trace_number, payer_id, payee_id "
        "FROM remit"
    ).fetchone() == (Decimal("54.00"), "ACH", date(2026, 12, 1), "TRACE1", "PAYER01",
                     "1234567893")  # fmt: skip
    claims = db.execute(
        "SELECT patient_control_number, status_code, paid_amount, patient_responsibility, "
        "payer_claim_number, is_reversal, patient_member_id, received_date FROM remit_claim "
        "ORDER BY remit_claim_id"
    ).fetchall()
    assert claims == [
        ("PCN-1001", "1", Decimal("100.00"), Decimal("20.00"), "ICN-1", False, "M0001",
         date(2026, 11, 10)),
        ("PCN-0999", "22", Decimal("-40.00"), None, "ICN-0", True, None, None),
    ]  # fmt: skip
    lines = db.execute(
        "SELECT position, procedure_code, submitted_procedure_code, paid_amount, units, "
        "line_control_number, allowed_amount FROM remit_line ORDER BY remit_line_id"
    ).fetchall()
    assert lines == [
        (1, "97140", "97139", Decimal("80.00"), Decimal("2.000"), "LINE-1", Decimal("90.00")),
        (2, "97110", None, Decimal("20.00"), Decimal("1.000"), None, None),
    ]
    adjustments = db.execute(
        "SELECT level, group_code, reason_code, amount FROM adjustment ORDER BY source_position, "
        "reason_code"
    ).fetchall()
    assert sorted(adjustments) == sorted([
        ("line", "CO", "45", Decimal("30.50")), ("line", "CO", "97", Decimal("10.00")),
        ("line", "PR", "2", Decimal("20.00")), ("line", "CO", "45", Decimal("25.00")),
        ("claim", "CO", "45", Decimal("-40.00")),
    ])  # fmt: skip
    remarks = db.execute("SELECT level, source_segment, code FROM remark ORDER BY code").fetchall()
    assert remarks == [("claim", "MOA", "MA01"), ("line", "LQ", "N20")]
    plb = db.execute(
        "SELECT reason_code, reference, amount FROM provider_adjustment ORDER BY amount"
    ).fetchall()
    assert plb == [("L6", "ICN-1", Decimal("-2.00")), ("WO", "ICN-0", Decimal("8.00"))]


def test_money_quantities_and_dates_keep_their_exact_values(tmp_path, loader, db):
    """The parser hands DuckDB decimals and dates, not text: the odd but valid forms keep their
    exact values (no leading digit, a minus sign, three decimals, leap days, dates around 1970
    and at both ends of the calendar)."""
    body = remit_header(".5") + [
        "CLP*PCN-1*1*.5*0**12*ICN-1*11*1",
        "DTM*050*19691231",
        "DTM*232*00010101",
        "DTM*233*99991231",
        "SVC*HC:97139*.5*0**0.125",
        "DTM*472*20000229",
        "CAS*CO*45*.55*-1.5",
        "CAS*OA*23*-.05*12345678901.999",
        "CLP*PCN-2*1*7*7.5**12*ICN-2*11*1",
        "DTM*050*19700101",
        "SVC*HC:97139*7*7.5**.5",
        "DTM*472*19000228",
        "CAS*CO*94*-0.5",
    ]  # fmt: skip
    path = tmp_path / "edges.835"
    path.write_text(interchange([body], kind="835"))
    result = loader.load(path)
    assert (result.status, result.claims, result.lines) == ("loaded", 2, 2)
    assert (result.total_charge, result.total_paid) == (Decimal("7.50"), Decimal("7.50"))
    assert db.execute(
        "SELECT total_charge, paid_amount, received_date, statement_from, statement_to "
        "FROM remit_claim ORDER BY remit_claim_id"
    ).fetchall() == [
        (Decimal("0.50"), Decimal("0.00"), date(1969, 12, 31), date(1, 1, 1), date(9999, 12, 31)),
        (Decimal("7.00"), Decimal("7.50"), date(1970, 1, 1), None, None),
    ]  # fmt: skip
    assert db.execute(
        "SELECT charge, paid_amount, units, service_date FROM remit_line ORDER BY remit_line_id"
    ).fetchall() == [
        (Decimal("0.50"), Decimal("0.00"), Decimal("0.125"), date(2000, 2, 29)),
        (Decimal("7.00"), Decimal("7.50"), Decimal("0.500"), date(1900, 2, 28)),
    ]
    assert db.execute(
        "SELECT amount, quantity FROM adjustment ORDER BY source_position"
    ).fetchall() == [
        (Decimal("0.55"), Decimal("-1.500")),
        (Decimal("-0.05"), Decimal("12345678901.999")),
        (Decimal("-0.50"), None),
    ]
    assert db.execute("SELECT payment_amount FROM remit").fetchone() == (Decimal("0.50"),)
