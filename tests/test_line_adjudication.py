"""line_adjudication on a hand-built practice: every outcome below is worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from unlisted.queries.metrics import Filters, denial_reasons

from unlisted.pipeline import rebuild_marts

from .x12build import claim_header, interchange, remit_header, subscriber

D = Decimal


def claim(pcn, lines, frequency="1", extra=()):
    total = sum(D(charge) for _, _, charge in lines)
    segments = [f"CLM*{pcn}*{total}***11:B:{frequency}*Y*A*Y*Y", *extra]
    for number, (code, description, charge) in enumerate(lines, start=1):
        composite = f"HC:{code}:GP::::{description}" if description else f"HC:{code}:GP"
        segments += [f"LX*{number}", f"SV1*{composite}*{charge}*UN*1***1",
                     "DTP*472*D8*20261102", f"REF*6R*{pcn}-{number}"]  # fmt: skip
    return segments


NARRATIVE = "INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION"
CLAIMS_PAYER01 = claim_header() + subscriber(2, payer="PAYER01") + [
    *claim("A1", [("97139", NARRATIVE, "100"), ("97110", None, "60")]),
    *claim("B1", [("97139", None, "100")]),
    *claim("C1", [("97110", None, "60")]),
    *claim("D1", [("97139", None, "100")]),
    *claim("E1", [("97139", NARRATIVE, "100")]),
    *claim("G1", [("97110", None, "60")]),
    *claim("H1", [("97139", None, "100")]),  # never answered: pending
]  # fmt: skip
CLAIMS_LATER = claim_header() + subscriber(2, payer="PAYER01") + [
    *claim("D1", [("97139", NARRATIVE, "100")], frequency="7", extra=["REF*F8*ICN-D1"]),
    *claim("G1", [("97110", None, "60")], frequency="8"),
]  # fmt: skip
CLAIMS_PAYER02 = claim_header() + subscriber(2, payer="PAYER02") + [
    *claim("F1", [("97139", NARRATIVE, "100")]),
]  # fmt: skip


def svc(code, charge, paid, *cas, control, submitted=None, allowed=None, remark=None):
    out = [f"SVC*HC:{code}:GP*{charge}*{paid}**1" + (f"*HC:{submitted}:GP" if submitted else ""),
           "DTM*472*20261102", *cas, f"REF*6R*{control}"]  # fmt: skip
    if allowed is not None:
        out.append(f"AMT*B6*{allowed}")
    if remark:
        out.append(f"LQ*HE*{remark}")
    return out


RUN1 = remit_header("70", trace="RUN1") + [
    "CLP*A1*1*160*30*10*12*ICN-A1",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97139", 100, 0, "CAS*CO*50*100", control="A1-1", remark="N706"),
    *svc("97110", 60, 30, "CAS*CO*45*20", "CAS*PR*2*10", control="A1-2", allowed=40),
    "CLP*B1*1*100*0*0*12*ICN-B1",
    "CAS*CO*16*100",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    "MOA***N350",
    "CLP*C1*1*60*0*60*12*ICN-C1",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97110", 60, 0, "CAS*PR*1*60", control="C1-1", allowed=60),
    "CLP*D1*1*100*0*0*12*ICN-D1",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97139", 100, 0, "CAS*CO*16*100", control="D1-1", remark="N350"),
    "CLP*E1*1*100*40*0*12*ICN-E1",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97140", 100, 40, "CAS*CO*45*60", control="E1-1", submitted="97139", allowed=40),
]  # fmt: skip
RUN2 = remit_header("90", trace="RUN2") + [
    "CLP*A1*1*100*45*0*12*ICN-A1B",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97139", 100, 45, "CAS*CO*45*55", control="A1-1", allowed=45),
    "CLP*D1*1*100*50*0*12*ICN-D1B",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97139", 100, 50, "CAS*CO*45*50", control="D1-1", allowed=50),
    "CLP*E1*22*-100*-40*0*12*ICN-E1",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97140", -100, -40, "CAS*CO*45*-60", control="E1-1", submitted="97139", allowed=-40),
    "CLP*E1*1*100*35*0*12*ICN-E1B",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97140", 100, 35, "CAS*CO*45*65", control="E1-1", submitted="97139", allowed=35),
]  # fmt: skip
SECONDARY = [line.replace("REF*2U*PAYER01", "REF*2U*SECOND1").replace("ACME HEALTH", "SECOND")
             for line in remit_header("60", trace="RUN3")] + [
    "CLP*C1*2*60*60*0*12*ICN-C1S",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97110", 60, 60, control="C1-1"),
]  # fmt: skip
PAYER02 = [line.replace("REF*2U*PAYER01", "REF*2U*PAYER02")
           for line in remit_header("70", trace="RUN4")] + [
    "CLP*F1*1*100*70*0*12*ICN-F1",
    "NM1*QC*1*TESTER*PAT****MI*M0001",
    *svc("97139", 100, 70, "CAS*CO*45*30", control="F1-1", allowed=70),
]  # fmt: skip
CONTRACTS = """payer_id,code,method,amount,effective_from,comparator_code
PAYER01,97139,fixed,45.00,2026-01-01,
PAYER01,97110,fixed,40.00,2026-01-01,
"""


def build_scenario(tmp_path, loader, db) -> None:
    """Load the scenario's files and build the marts."""
    files = {
        "a.837": interchange([CLAIMS_PAYER01], control=1),
        "b.837": interchange([CLAIMS_LATER], control=2),
        "c.837": interchange([CLAIMS_PAYER02], control=3),
        "run1.835": interchange([RUN1], kind="835", control=4),
        "run2.835": interchange([RUN2], kind="835", control=5),
        "run3.835": interchange([SECONDARY], kind="835", control=6),
        "run4.835": interchange([PAYER02], kind="835", control=7),
        "contracts.csv": CONTRACTS,
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        result = loader.load(tmp_path / name)
        assert result.status == "loaded" and not result.rejects, (name, result.message)
    # the second and third payment runs come two and three weeks later
    db.execute("UPDATE remit SET payment_date = DATE '2026-12-15' WHERE trace_number = 'RUN2'")
    db.execute("UPDATE remit SET payment_date = DATE '2026-12-20' WHERE trace_number = 'RUN3'")
    rebuild_marts(db)


@pytest.fixture
def mart(tmp_path, loader, db):
    build_scenario(tmp_path, loader, db)
    rows = db.execute(
        "SELECT * FROM line_adjudication ORDER BY patient_control_number, claim_line_id"
    )
    names = [d[0] for d in rows.description]
    return {(r["patient_control_number"], r["procedure_code"]): r
            for r in (dict(zip(names, row, strict=True)) for row in rows.fetchall())}  # fmt: skip


def pick(row, *fields):
    return tuple(row[f] for f in fields)


def test_one_row_per_line_of_the_claims_in_force(mart):
    assert sorted(mart) == [("A1", "97110"), ("A1", "97139"), ("B1", "97139"), ("C1", "97110"),
                            ("D1", "97139"), ("E1", "97139"), ("F1", "97139"), ("H1", "97139")]  # fmt: skip
    assert mart[("D1", "97139")]["description"] == NARRATIVE  # the replacement, not the original
    # G1 was voided: neither its original nor the void has a line in force


def test_denied_then_overturned_on_appeal(mart):
    row = mart[("A1", "97139")]
    assert pick(row, "initial_denied", "initial_denial_carc", "initial_denial_category",
                "initial_remark_codes", "final_denied", "overturned", "net_paid", "allowed",
                "expected_allowed", "days_to_adjudication", "days_to_payment") == (
        True, "50", "medical_necessity", "N706", False, True, D("45.00"), D("45.00"), D("45.00"),
        29, 43,
    )  # fmt: skip


def test_paid_line_with_patient_share(mart):
    row = mart[("A1", "97110")]
    assert pick(
        row, "initial_denied", "net_paid", "allowed", "patient_responsibility", "expected_allowed"
    ) == (False, D("30.00"), D("40.00"), D("10.00"), D("40.00"))


def test_claim_level_denial_denies_every_line(mart):
    row = mart[("B1", "97139")]
    assert pick(row, "adjudicated", "initial_denied", "initial_denial_carc",
                "initial_denial_category", "final_denied", "net_paid", "initial_remark_codes") == (
        True, True, "16", "documentation", True, D("0.00"), "N350",
    )  # fmt: skip


def test_zero_pay_that_went_to_the_patient_is_not_a_denial(mart):
    row = mart[("C1", "97110")]
    assert pick(row, "initial_denied", "final_denied", "primary_paid", "patient_responsibility",
                "secondary_paid", "net_paid") == (False, False, D("0.00"), D("60.00"),
                                                  D("60.00"), D("60.00"))  # fmt: skip


def test_replacement_claim_takes_the_history_of_its_claim(mart):
    row = mart[("D1", "97139")]
    assert pick(row, "frequency_code", "adjudications", "initial_denied", "initial_denial_carc",
                "overturned", "final_denied", "net_paid") == (
        "7", 2, True, "16", True, False, D("50.00"),
    )  # fmt: skip


def test_reversal_nets_out_and_recoded_line_is_priced_on_the_billed_code(mart):
    row = mart[("E1", "97139")]
    assert pick(row, "adjudications", "reversals", "net_paid", "allowed", "recoded",
                "adjudicated_code", "expected_allowed", "initial_denied") == (
        2, 1, D("35.00"), D("35.00"), True, "97140", D("45.00"), False,
    )  # fmt: skip


def test_pending_line(mart):
    row = mart[("H1", "97139")]
    assert pick(
        row,
        "adjudicated",
        "pending",
        "initial_denied",
        "net_paid",
        "first_remit_date",
        "days_to_adjudication",
    ) == (False, True, False, 0, None, None)


def test_line_without_contract(mart):
    row = mart[("F1", "97139")]
    assert pick(row, "has_contract", "expected_allowed", "net_paid") == (False, None, D("70.00"))


def test_remark_codes_are_those_of_the_first_and_latest_adjudication(tmp_path, loader, db):
    """A claim denied without remarks, then paid with one: the first adjudication had no
    remark codes, whatever came later (each field of an outcome comes from the same event)."""
    claims = claim_header() + subscriber(2, payer="PAYER01") + claim("X1", [("97139", None, "100")])
    denied = remit_header("0", trace="RUNX1") + [
        "CLP*X1*4*100*0*0*12*ICN-X1",
        "NM1*QC*1*TESTER*PAT****MI*M0001",
        "CAS*CO*16*100",
    ]  # fmt: skip
    paid = remit_header("45", trace="RUNX2") + [
        "CLP*X1*1*100*45*0*12*ICN-X1B",
        "NM1*QC*1*TESTER*PAT****MI*M0001",
        *svc("97139", 100, 45, "CAS*CO*45*55", control="X1-1", allowed=45, remark="N20"),
    ]  # fmt: skip
    files = {"x.837": interchange([claims], control=1),
             "denied.835": interchange([denied], kind="835", control=2),
             "paid.835": interchange([paid], kind="835", control=3)}  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        assert loader.load(tmp_path / name).status == "loaded"
    db.execute("UPDATE remit SET payment_date = DATE '2026-12-15' WHERE trace_number = 'RUNX2'")
    rebuild_marts(db)
    assert db.execute(
        "SELECT initial_denied, initial_denial_carc, initial_remark_codes, overturned, "
        "latest_remark_codes, net_paid FROM line_adjudication"
    ).fetchall() == [(True, "16", None, True, "N20", D("45.00"))]


def test_denial_reason_ties_and_events_without_remarks(tmp_path, loader, db):
    """Two denial adjustments of the same amount: the earlier CAS segment gives the reason with
    its own group, and within one segment the lower code; an event without remark codes has
    none (NULL) whether the payer answered by line or by claim, so the remark code breakdown
    shows one group of denials without remarks."""
    claims = claim_header() + subscriber(2, payer="PAYER01") + [
        *claim("W1", [("97139", None, "100")]),
        *claim("Y1", [("97139", None, "100")]),
        *claim("Z1", [("97139", None, "100")]),
    ]  # fmt: skip
    denials = remit_header("0", trace="RUNW") + [
        "CLP*W1*1*100*0*0*12*ICN-W1",
        "NM1*QC*1*TESTER*PAT****MI*M0001",
        *svc("97139", 100, 0, "CAS*OA*50*50", "CAS*CO*16*50", control="W1-1"),
        "CLP*Y1*1*100*0*0*12*ICN-Y1",
        "NM1*QC*1*TESTER*PAT****MI*M0001",
        *svc("97139", 100, 0, "CAS*CO*50*50**16*50", control="Y1-1"),
        "CLP*Z1*4*100*0*0*12*ICN-Z1",
        "CAS*CO*16*100",
        "NM1*QC*1*TESTER*PAT****MI*M0001",
    ]  # fmt: skip
    for name, text in {"w.837": interchange([claims], control=1),
                       "w.835": interchange([denials], kind="835", control=2)}.items():  # fmt: skip
        (tmp_path / name).write_text(text)
        assert loader.load(tmp_path / name).status == "loaded"
    rebuild_marts(db)
    assert db.execute(
        "SELECT c.patient_control_number, e.denial_carc, e.denial_group, e.denial_category, "
        "e.remark_codes, e.denied, e.remit_line_id IS NULL AS by_claim "
        "FROM adjudication_event e JOIN claim_line USING (claim_line_id) JOIN claim c "
        "USING (claim_id) ORDER BY 1"
    ).fetchall() == [
        ("W1", "50", "OA", "medical_necessity", None, True, False),
        ("Y1", "16", "CO", "documentation", None, True, False),
        ("Z1", "16", "CO", "documentation", None, True, True),
    ]
    by_remark = denial_reasons(db, Filters(codes=("97139",)), level="rarc")
    assert by_remark.rows() == [(None, 3, D("300.00"))]
