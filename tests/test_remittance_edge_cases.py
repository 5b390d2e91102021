"""What real remittances send beyond the plain case, each built by hand as X12 and checked to the
cent: duplicate-claim answers, pended and reversed lines, secondary payers, lines without REF*6R
or DTM*472, CARCs in no category, claim-level payments shared exactly, and the reconciliation of
every dollar of every 835."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from unlisted.queries.metrics import Filters, Settings, compute, underpaid_lines

from unlisted.pipeline import rebuild_marts

from .test_line_adjudication import claim, svc
from .x12build import claim_header, interchange, subscriber

D = Decimal
NARRATIVE = "INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION"
CONTRACTS = """payer_id,code,method,amount,effective_from,comparator_code
PAYER01,97139,fixed,45.00,2026-01-01,
PAYER01,97110,fixed,40.00,2026-01-01,
"""
SETTINGS = Settings(min_count=1, as_of=dt.date(2027, 1, 31))


def payment(amount, date, trace, payer="PAYER01", name="ACME HEALTH"):
    """An 835 payment header (BPR02 = amount, BPR16 = date) from the named payer."""
    return [
        f"BPR*I*{amount}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999988880*DA*98765*{date}",
        f"TRN*1*{trace}*1234567890",
        "DTM*405*20261130",
        f"N1*PR*{name}",
        f"REF*2U*{payer}",
        "N1*PE*RIVERSIDE PHYSICAL THERAPY*XX*1234567893",
        "LX*1",
    ]


def clp(pcn, status, charge, paid, patient="0", icn=None):
    return [f"CLP*{pcn}*{status}*{charge}*{paid}*{patient}*12*{icn or 'ICN-' + pcn}",
            "NM1*QC*1*TESTER*PAT****MI*M0001"]  # fmt: skip


def load(tmp_path, loader, db, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        result = loader.load(tmp_path / name)
        assert result.status == "loaded" and not result.rejects, (name, result.message)
    rebuild_marts(db)


def lines(db) -> dict:
    cursor = db.execute("SELECT * FROM line_adjudication ORDER BY claim_line_id")
    names = [d[0] for d in cursor.description]
    return {(r["patient_control_number"], r["procedure_code"]): r
            for r in (dict(zip(names, row, strict=True)) for row in cursor.fetchall())}  # fmt: skip


def claims(*claim_segments, payer="PAYER01", responsibility="P"):
    header = subscriber(2, payer=payer)
    header[1] = header[1].replace("SBR*P", f"SBR*{responsibility}")
    return claim_header() + header + [s for c in claim_segments for s in c]


def figures(db, codes=("97139",), settings=SETTINGS):
    got = compute(db, Filters(codes=codes), settings)
    return {r["metric"]: (r["numerator"], r["denominator"]) for r in got.to_dicts()}


# -- 1. duplicate-claim answers ------------------------------------------------------------------
def test_a_duplicate_claim_answer_is_not_an_adjudication(tmp_path, loader, db):
    """K1 is denied CO-189 and then answered CO-18 to its resubmission: it stays finally denied,
    with no variance and off the underpayment worklist. L1 is paid $45 (the contract) and then
    answered CO-18: it stays paid, allowed $45, not underpaid."""
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(claim("K1", [("97139", NARRATIVE, "100")]),
                                          claim("L1", [("97139", NARRATIVE, "100")]))]),
        "contracts.csv": CONTRACTS,
        "run1.835": interchange([payment("45", "20261201", "RUN1") + [
            *clp("K1", 1, 100, 0), *svc("97139", 100, 0, "CAS*CO*189*100", control="K1-1"),
            *clp("L1", 1, 100, 45),
            *svc("97139", 100, 45, "CAS*CO*45*55", control="L1-1", allowed=45),
        ]], kind="835", control=2),
        "run2.835": interchange([payment("0", "20261215", "RUN2") + [
            *clp("K1", 1, 100, 0), *svc("97139", 100, 0, "CAS*CO*18*100", control="K1-1"),
            *clp("L1", 1, 100, 0), *svc("97139", 100, 0, "CAS*OA*18*100", control="L1-1"),
        ]], kind="835", control=3),
    })  # fmt: skip
    got = lines(db)
    k1, l1 = got[("K1", "97139")], got[("L1", "97139")]
    assert (k1["adjudicated"], k1["adjudications"], k1["duplicate_answers"]) == (True, 1, 1)
    assert (k1["final_denied"], k1["final_denial_carc"], k1["final_denial_category"]) == (
        True, "189", "coding")  # fmt: skip
    assert (k1["final_denial_date"], k1["latest_remit_date"]) == (
        dt.date(2026, 12, 1), dt.date(2026, 12, 15))  # fmt: skip
    assert (l1["final_denied"], l1["allowed"], l1["net_paid"]) == (False, D("45.00"), D("45.00"))
    assert underpaid_lines(db, Filters(codes=("97139",)), SETTINGS).height == 0
    got = figures(db)
    assert got["final_denial_rate"] == (1, 2)  # K1 of K1 and L1
    assert got["allowed_variance"] == (0, 1)  # L1 only: 45 - 45; K1 is a denial
    events = db.execute(
        "SELECT answer, settles, denied FROM adjudication_event e JOIN claim_line USING "
        "(claim_line_id) JOIN claim c USING (claim_id) WHERE c.patient_control_number = 'K1' "
        "ORDER BY event_order").fetchall()  # fmt: skip
    assert events == [("adjudication", True, True), ("duplicate", False, False)]


# -- 2. pended and reopened lines ----------------------------------------------------------------
def test_pended_and_reversed_lines_are_open_until_settled(tmp_path, loader, db):
    """M1 is pended (CO-133 alone): open. N1 is pended on 12-01 and paid $45 on 12-15: settled,
    its days to adjudication counted from 12-15. P1 is paid $45, then the payment is reversed
    with no correction: open again, net paid $0, not underpaid."""
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(*(claim(p, [("97139", NARRATIVE, "100")])
                                            for p in ("M1", "N1", "P1")))]),
        "contracts.csv": CONTRACTS,
        "run1.835": interchange([payment("45", "20261201", "RUN1") + [
            *clp("M1", 1, 100, 0), *svc("97139", 100, 0, "CAS*CO*133*100", control="M1-1"),
            *clp("N1", 1, 100, 0), *svc("97139", 100, 0, "CAS*CO*133*100", control="N1-1"),
            *clp("P1", 1, 100, 45),
            *svc("97139", 100, 45, "CAS*CO*45*55", control="P1-1", allowed=45),
        ]], kind="835", control=2),
        "run2.835": interchange([payment("0", "20261215", "RUN2") + [
            *clp("N1", 1, 100, 45),
            *svc("97139", 100, 45, "CAS*CO*45*55", control="N1-1", allowed=45),
            *clp("P1", 22, -100, -45),
            *svc("97139", -100, -45, "CAS*CO*45*-55", control="P1-1", allowed=-45),
        ]], kind="835", control=3),
    })  # fmt: skip
    got = lines(db)
    m1, n1, p1 = (got[(p, "97139")] for p in ("M1", "N1", "P1"))
    assert (m1["pending"], m1["adjudicated"], m1["pended_answers"]) == (True, False, 1)
    assert (m1["first_remit_date"], m1["days_to_adjudication"]) == (None, None)
    # 2026-11-02 to 2026-12-15 = 43 days (the pended answer of 12-01 does not settle it)
    assert (n1["adjudicated"], n1["first_remit_date"], n1["days_to_adjudication"]) == (
        True, dt.date(2026, 12, 15), 43)  # fmt: skip
    assert (p1["pending"], p1["adjudications"], p1["reversals"], p1["net_paid"]) == (
        True, 1, 1, D("0.00"))  # fmt: skip
    got = figures(db)
    assert got["lines_pending"] == (2, 3)  # M1 and P1
    assert got["ar_aging_61-90"] == (2, 2)  # both 90 days old on 2027-01-31
    assert got["initial_denial_rate"] == (0, 1)  # N1 alone is adjudicated
    assert got["underpaid_rate"] == (0, 1)


# -- 3. secondary payers -------------------------------------------------------------------------
SECOND = {"payer": "SECOND1", "name": "SECOND HEALTH"}


def test_a_secondary_payers_reversal_nets_against_its_own_payment(tmp_path, loader, db):
    """Q1: the primary pays $45; the secondary pays $20 as a crossover (CLP02 2), reverses it
    (CLP02 22, which alone would match no claim) and pays $15 again, forwarding (CLP02 20).
    Net paid 45 + 20 - 20 + 15 = $60; the secondary's answers never become the line's outcome."""
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(claim("Q1", [("97139", NARRATIVE, "100")]))]),
        "run1.835": interchange([payment("45", "20261201", "RUN1") + [
            *clp("Q1", 1, 100, 45), *svc("97139", 100, 45, "CAS*CO*45*55", control="Q1-1"),
        ]], kind="835", control=2),
        "run2.835": interchange([payment("20", "20261210", "RUN2", **SECOND) + [
            *clp("Q1", 2, 100, 20), *svc("97139", 100, 20, "CAS*OA*23*80", control="Q1-1"),
        ]], kind="835", control=3),
        "run3.835": interchange([payment("-5", "20261220", "RUN3", **SECOND) + [
            *clp("Q1", 22, -100, -20), *svc("97139", -100, -20, "CAS*OA*23*-80", control="Q1-1"),
            *clp("Q1", 20, 100, 15), *svc("97139", 100, 15, "CAS*OA*23*85", control="Q1-1"),
        ]], kind="835", control=4),
    })  # fmt: skip
    q1 = lines(db)[("Q1", "97139")]
    assert (q1["primary_paid"], q1["secondary_paid"], q1["net_paid"]) == (
        D("45.00"), D("15.00"), D("60.00"))  # fmt: skip
    assert (q1["adjudications"], q1["reversals"], q1["final_denied"]) == (1, 0, False)


def test_a_claim_billed_to_the_secondary_is_the_same_service(tmp_path, loader, db):
    """R1 is billed to PAYER01 as primary and, with the same CLM01, to SECOND1 (SBR01 = S) by
    the practice. One line billed ($100), both payers' money on it: 45 + 20 = $65."""
    load(tmp_path, loader, db, {
        "primary.837": interchange([claims(claim("R1", [("97139", NARRATIVE, "100")]))]),
        "secondary.837": interchange([claims(claim("R1", [("97139", NARRATIVE, "100")]),
                                             payer="SECOND1", responsibility="S")], control=2),
        "run1.835": interchange([payment("45", "20261201", "RUN1") + [
            *clp("R1", 1, 100, 45), *svc("97139", 100, 45, "CAS*CO*45*55", control="R1-1"),
        ]], kind="835", control=3),
        "run2.835": interchange([payment("20", "20261215", "RUN2", **SECOND) + [
            *clp("R1", 2, 100, 20), *svc("97139", 100, 20, "CAS*OA*23*80", control="R1-1"),
        ]], kind="835", control=4),
    })  # fmt: skip
    got = lines(db)
    assert list(got) == [("R1", "97139")]
    r1 = got[("R1", "97139")]
    assert (r1["payer_id"], r1["charge"], r1["primary_paid"], r1["secondary_paid"]) == (
        "PAYER01", D("100.00"), D("45.00"), D("20.00"))  # fmt: skip
    got = figures(db)
    assert (got["lines_billed"], got["charges_billed"][0], got["net_paid"][0]) == (
        (1, 1), D("100"), D("65"))  # fmt: skip


# -- 4. lines without REF*6R and DTM*472, and the reconciliation ---------------------------------
def bare_svc(code, charge, paid, *cas):
    return [f"SVC*HC:{code}:GP*{charge}*{paid}**1", *cas]


def test_undated_lines_match_on_statement_dates_and_every_dollar_is_accounted_for(
        tmp_path, loader, db):  # fmt: skip
    """S1 (one day, 11-02) and U1 (97139 on 11-02 and 11-04) are answered by SVCs with neither
    REF*6R nor DTM*472: S1's by its one-day statement date, U1's by code and position inside the
    statement period 11-01..11-05. The same payment also holds an SVC for a code U1 never billed
    ($7), a claim no one billed (Z9, $12), claim-level interest on S1 (AMT*I $0.50 inside CLP04),
    and a PLB WO recoupment of $3. BPR02 = 40.50 + 30 + 25 + 7 + 12 - 3 = $111.50."""
    u1 = claim("U1", [("97139", NARRATIVE, "100"), ("97139", NARRATIVE, "100")])
    u1[u1.index("LX*2") + 2] = "DTP*472*D8*20261104"
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(claim("S1", [("97139", NARRATIVE, "100")]), u1)]),
        "run1.835": interchange([payment("111.50", "20261201", "RUN1") + [
            "CLP*S1*1*100*40.50*0*12*ICN-S1", "NM1*QC*1*TESTER*PAT****MI*M0001",
            "DTM*232*20261102", "DTM*233*20261102", "AMT*I*0.50",
            *bare_svc("97139", 100, 40, "CAS*CO*45*60"),
            "CLP*U1*1*207*62*0*12*ICN-U1", "NM1*QC*1*TESTER*PAT****MI*M0001",
            "DTM*232*20261101", "DTM*233*20261105",
            *bare_svc("97139", 100, 30, "CAS*CO*45*70"),
            *bare_svc("97139", 100, 25, "CAS*CO*45*75"),
            *bare_svc("97750", 7, 7),
            *clp("Z9", 1, 12, 12),
            "PLB*1234567893*20261231*WO:OVERPAY1*3",
        ]], kind="835", control=2),
    })  # fmt: skip
    paid = db.execute(
        "SELECT c.patient_control_number, l.service_date, a.net_paid FROM line_adjudication a "
        "JOIN claim_line l USING (claim_line_id) JOIN claim c ON c.claim_id = l.claim_id "
        "ORDER BY 1, 2").fetchall()  # fmt: skip
    assert paid == [("S1", dt.date(2026, 11, 2), D("40.00")),
                    ("U1", dt.date(2026, 11, 2), D("30.00")),
                    ("U1", dt.date(2026, 11, 4), D("25.00"))]  # fmt: skip
    where = dict(db.execute(
        "SELECT destination, amount FROM remit_reconciliation WHERE code IS NULL").fetchall())
    assert where == {"attributed": D("95.00"), "interest": D("0.50"),
                     "line_not_matched": D("7.00"), "claim_not_found": D("12.00")}  # fmt: skip
    recouped = db.execute("SELECT code, amount FROM remit_reconciliation "
                          "WHERE destination = 'provider_adjustment'").fetchall()  # fmt: skip
    assert recouped == [("WO", D("-3.00"))]
    total = db.execute("SELECT sum(amount), any_value(payment_amount) "
                       "FROM remit_reconciliation").fetchone()  # fmt: skip
    assert total == (D("111.50"), D("111.50"))


# -- 5. a CARC in no category --------------------------------------------------------------------
def test_a_zero_pay_with_a_carc_in_no_category_is_an_uncategorised_denial(
        tmp_path, loader, db, monkeypatch):  # fmt: skip
    """With a user's category list that lacks A1, V1 paid $0 with CO-A1 is an uncategorised
    denial: counted as denied, never a $45 underpayment."""
    from unlisted.queries.marts import reference_path

    shipped = reference_path("denial_category").read_text().splitlines()
    own = tmp_path / "reference"
    own.mkdir()
    (own / "denial_category.csv").write_text(
        "\n".join(line for line in shipped if not line.startswith("A1,")) + "\n")
    monkeypatch.setenv("UNLISTED_REFERENCE_DIR", str(own))
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(claim("V1", [("97139", NARRATIVE, "100")]))]),
        "contracts.csv": CONTRACTS,
        "run1.835": interchange([payment("0", "20261201", "RUN1") + [
            *clp("V1", 1, 100, 0), *svc("97139", 100, 0, "CAS*CO*A1*100", control="V1-1"),
        ]], kind="835", control=2),
    })  # fmt: skip
    v1 = lines(db)[("V1", "97139")]
    assert (v1["final_denied"], v1["final_denial_carc"], v1["final_denial_category"]) == (
        True, "A1", "uncategorised")  # fmt: skip
    got = figures(db)
    assert (got["final_denial_rate"], got["underpaid_rate"], got["allowed_variance"]) == (
        (1, 1), (0, 0), (0, 0))  # fmt: skip


# -- 6. exact shares of a claim-level payment ----------------------------------------------------
@pytest.mark.parametrize(("charges", "paid", "interest", "shares"), [
    # three equal charges, $10.00: 3.33 each and one cent left, to the first line (ties go in
    # line order)
    (("10", "10", "10"), "10.00", None, ("3.34", "3.33", "3.33")),
    # 1:3 of $10.70 is 2.675 and 8.025: a half cent each; the tie goes to the first line (a
    # DOUBLE rounding would give 2.67 or 2.68 by accident of representation)
    (("1", "3"), "10.70", None, ("2.68", "8.02")),
    # CLP04 $10.75 holds $0.75 of interest: the lines share $10.00 of it
    (("25", "75"), "10.75", "0.75", ("2.50", "7.50")),
])  # fmt: skip
def test_a_claim_level_payment_is_shared_by_charge_to_the_cent(
        tmp_path, loader, db, charges, paid, interest, shares):  # fmt: skip
    codes = ("97139", "97110", "97140")
    billed = claim("W1", [(codes[k], NARRATIVE, c) for k, c in enumerate(charges)])
    total = sum(D(c) for c in charges)
    extra = [f"AMT*I*{interest}"] if interest else []
    adjustment = total - D(paid) + D(interest or 0)
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(billed)]),
        "run1.835": interchange([payment(paid, "20261201", "RUN1") + [
            *clp("W1", 1, total, paid), f"CAS*CO*45*{adjustment}", *extra,
        ]], kind="835", control=2),
    })  # fmt: skip
    got = db.execute("SELECT net_paid FROM line_adjudication ORDER BY claim_line_id").fetchall()
    assert tuple(str(p) for (p,) in got) == shares
    kinds = db.execute("SELECT typeof(paid), typeof(allowed) FROM adjudication_event LIMIT 1")
    assert kinds.fetchone() == ("DECIMAL(18,2)", "DECIMAL(18,2)")


def test_a_control_number_repeated_on_a_claims_lines_pairs_them_one_to_one(tmp_path, loader, db):
    """Y1 bills four 97110 lines that all carry REF*6R SAME; the payer pays each $10.00 echoing
    SAME. Each line gets its own $10.00 (never every SVC on every line: $40.00 each), and the
    payment's $40.00 is attributed once. Z1 carries one line with REF*6R ONE that the payer
    splits into two SVCs ($6 + $4): one answer of $10.00 for that line."""
    y1 = ["CLM*Y1*240***11:B:1*Y*A*Y*Y"]
    for n in range(1, 5):
        y1 += [f"LX*{n}", "SV1*HC:97110:GP*60*UN*1***1", "DTP*472*D8*20261102", "REF*6R*SAME"]
    z1 = ["CLM*Z1*100***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:97110:GP*100*UN*2***1",
          "DTP*472*D8*20261102", "REF*6R*ONE"]  # fmt: skip
    paid = [*clp("Y1", 1, 240, 40)]
    for _ in range(4):
        paid += svc("97110", 60, 10, "CAS*CO*45*50", control="SAME")
    paid += [*clp("Z1", 1, 100, 10), *svc("97110", 50, 6, "CAS*CO*45*44", control="ONE"),
             *svc("97110", 50, 4, "CAS*CO*45*46", control="ONE")]  # fmt: skip
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims(y1, z1)]),
        "run1.835": interchange([payment("50", "20261201", "RUN1") + paid], kind="835",
                                control=2),
    })  # fmt: skip
    got = db.execute("SELECT patient_control_number, net_paid, adjudications "
                     "FROM line_adjudication ORDER BY claim_line_id").fetchall()  # fmt: skip
    assert got == [("Y1", D("10.00"), 1)] * 4 + [("Z1", D("10.00"), 1)]
    assert db.execute("SELECT sum(amount) FROM remit_reconciliation "
                      "WHERE destination = 'attributed'").fetchone()[0] == D("50.00")
