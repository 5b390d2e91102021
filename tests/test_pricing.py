"""Comparator pricing (docs/pricing.md) on a hand-built practice: what each payer allowed per
unit of 97139, which code it paid it as, and the price to expect at the as-of date; every
figure worked out by hand below."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from typer.testing import CliRunner
from unlisted.queries.pricing import (
    PRICE_COLUMNS,
    allowed_per_unit_by_month,
    comparator_prices,
    recoded_as,
)

from unlisted.cli import app
from unlisted.pipeline import load_files, rebuild_marts

from .x12build import claim_header, interchange

D = Decimal
AS_OF = dt.date(2026, 12, 31)  # 12 months: service dates 2026-01-01 to 2026-12-31
NAMES = {"PAYER01": "ACME HEALTH", "PAYER02": "BRIGHT CARE", "PAYER03": "CEDAR MUTUAL",
         "PAYER04": "DELTA PLAN", "PAYER05": "EVERGREEN MEDICAID"}  # fmt: skip


def line(code, charge, units=1, date="20261102"):
    return code, charge, units, date


def claims(payer, *claim_lines, responsibility="P"):
    """An 837P transaction: one subscriber of `payer`, claims (pcn, [line(...)])."""
    out = claim_header() + [
        "HL*2*1*22*0", f"SBR*{responsibility}*18*GRP1******CI", "NM1*IL*1*TESTER*PAT****MI*M0001",
        "DMG*D8*19700101*F", f"NM1*PR*2*{NAMES[payer]}*****PI*{payer}",
    ]  # fmt: skip
    for pcn, lines in claim_lines:
        total = sum(D(charge) for _, charge, _, _ in lines)
        out.append(f"CLM*{pcn}*{total}***11:B:1*Y*A*Y*Y")
        for number, (code, charge, units, date) in enumerate(lines, start=1):
            out += [f"LX*{number}", f"SV1*HC:{code}:GP:::::TOOL ASSISTED MOBILIZATION*{charge}*UN*"
                    f"{units}***1", f"DTP*472*D8*{date}", f"REF*6R*{pcn}-{number}"]  # fmt: skip
    return out


def paid(pcn, charge, allowed, units=1, date="20261102", paid_as=None, code="97139"):
    """A claim payment of one line: allowed = paid, the rest written off (CO-45); with
    `paid_as` the payer recoded the line (SVC01 paid_as, SVC06 the billed code)."""
    adjustment = D(charge) - D(allowed)
    svc = (f"SVC*HC:{paid_as}:GP*{charge}*{allowed}**{units}*HC:{code}:GP" if paid_as
           else f"SVC*HC:{code}:GP*{charge}*{allowed}**{units}")  # fmt: skip
    return [f"CLP*{pcn}*1*{charge}*{allowed}*0*12*ICN-{pcn}", "NM1*QC*1*TESTER*PAT****MI*M0001",
            svc, f"DTM*472*{date}", *([f"CAS*CO*45*{adjustment}"] if adjustment else []),
            f"REF*6R*{pcn}-1", f"AMT*B6*{allowed}"]  # fmt: skip


def denied(pcn, charge, date="20261102"):
    return [f"CLP*{pcn}*4*{charge}*0*0*12*ICN-{pcn}", "NM1*QC*1*TESTER*PAT****MI*M0001",
            f"SVC*HC:97139:GP*{charge}*0**1", f"DTM*472*{date}", f"CAS*CO*50*{charge}",
            f"REF*6R*{pcn}-1"]  # fmt: skip


def remit(payer, date, trace, *payments):
    total = sum(D(p[0].split("*")[4]) for p in payments)
    return [
        f"BPR*I*{total}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999988880*DA*98765*{date}",
        f"TRN*1*{trace}*1234567890", "DTM*405*20261130", f"N1*PR*{NAMES[payer]}",
        f"REF*2U*{payer}", "N1*PE*RIVERSIDE PHYSICAL THERAPY*XX*1234567893", "LX*1",
        *(s for p in payments for s in p),
    ]  # fmt: skip


# PAYER01 paid four lines in the window, three of them as 97140 (0.75); per unit, sorted:
# 40.00 (P2), 42.10 (P3), 45.75 (P1: $91.50 for 2 units), 50.01 (P4). Counted as a spreadsheet's
# QUARTILE.INC counts, at rank (n - 1) x q = 3q (0-based) among the four:
#   25th: 0.75 of the way from 40.00 to 42.10 = 41.575 -> 41.58
#   median: half way from 42.10 to 45.75 = 43.925 -> 43.93
#   75th: 0.25 of the way from 45.75 to 50.01 = 46.815 -> 46.82
# Left out: P5 denied, P6 served before the window ($99), P7 paid after the as-of date ($99),
# S1 billed to PAYER01 as secondary ($10).
CLAIMS = {
    "payer01.837": interchange([claims("PAYER01", *(
        ("P1", [line("97139", "200", 2, "20261102")]), ("P2", [line("97139", "100", 1, "20261005")]),
        ("P3", [line("97139", "100", 1, "20261012")]), ("P4", [line("97139", "100", 1, "20261109")]),
        ("P5", [line("97139", "100", 1, "20261116")]), ("P6", [line("97139", "100", 1, "20251215")]),
        ("P7", [line("97139", "100", 1, "20261221")]),
    )), claims("PAYER01", ("S1", [line("97139", "100", 1, "20261102")]), responsibility="S"),
        claims("PAYER02", ("Q1", [line("97139", "100")]), ("Q2", [line("97139", "100")])),
        claims("PAYER04", ("R1", [line("97139", "100")]))], control=1),
}  # fmt: skip
REMITS = {
    "run1.835": interchange([
        remit("PAYER01", "20261201", "RUN1", paid("P1", "200", "91.50", 2),
              paid("P2", "100", "40.00", date="20261005", paid_as="97140"),
              paid("P3", "100", "42.10", date="20261012", paid_as="97140"),
              paid("P4", "100", "50.01", date="20261109", paid_as="97140"),
              denied("P5", "100", "20261116"), paid("P6", "100", "99.00", date="20251215"),
              paid("S1", "100", "10.00")),
        remit("PAYER02", "20261201", "RUN2", paid("Q1", "100", "30.00"),
              paid("Q2", "100", "30.00")),
        remit("PAYER04", "20261201", "RUN3", paid("R1", "100", "61.00", paid_as="97140")),
    ], kind="835", control=2),
    "run4.835": interchange([remit("PAYER01", "20270115", "RUN4",
                                   paid("P7", "100", "99.00", date="20261221"))],
                            kind="835", control=3),
}  # fmt: skip
# PAYER02's fixed rate wins over its history ($30); PAYER03 prices 97139 as 97140 at $32.40;
# PAYER04's fixed rate ended on 2026-06-30 and its comparator contract since names 97140 without
# a 97140 rate, so its history decides, and its one line is too few; PAYER05 pays 55% of charges
# and has no line at all.
CONTRACTS = """payer_id,payer_name,code,modifier,effective_from,effective_to,method,amount,comparator_code
PAYER02,BRIGHT CARE,97139,,2026-01-01,,fixed,45.00,
PAYER03,CEDAR MUTUAL,97140,,2026-01-01,,fixed,32.40,
PAYER03,CEDAR MUTUAL,97139,,2026-01-01,,comparator,,97140
PAYER04,DELTA PLAN,97139,,2026-01-01,2026-06-30,fixed,60.00,
PAYER04,DELTA PLAN,97139,,2026-07-01,,comparator,,97140
PAYER05,EVERGREEN MEDICAID,97139,,2026-01-01,,percent,0.55,
"""


@pytest.fixture
def priced(tmp_path, db):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name, text in {**CLAIMS, **REMITS, "contracts.csv": CONTRACTS}.items():
        (inputs / name).write_text(text)
    results = load_files(db, sorted(inputs.iterdir()))
    assert [(r.status, [x.message for x in r.rejects]) for r in results] == [
        ("loaded", [])] * 4  # fmt: skip
    return db


def prices(db, min_lines=4, as_of=AS_OF, months=12) -> dict:
    got = comparator_prices(db, ["97139"], as_of, months, min_lines)
    assert tuple(got.columns) == PRICE_COLUMNS
    return {r["payer_id"]: r for r in got.to_dicts()}


def test_allowed_per_unit_and_quartiles_exact_to_the_cent(priced):
    acme = prices(priced)["PAYER01"]
    assert {k: acme[k] for k in ("basis", "per_unit", "low", "high", "lines",
                                 "first_service_date", "last_service_date")} == {
        "basis": "history", "per_unit": D("43.93"), "low": D("41.58"), "high": D("46.82"),
        "lines": 4, "first_service_date": dt.date(2026, 10, 5),
        "last_service_date": dt.date(2026, 11, 9)}  # fmt: skip
    assert (acme["payer_name"], acme["contract_method"], acme["contract_amount"]) == (
        "ACME HEALTH", None, None)  # fmt: skip


def test_denied_lines_and_secondary_billings_are_left_out(priced):
    # Both are lines in force, answered in the window: P5 denied CO-50, S1 billed to PAYER01 as
    # secondary (SBR01 S) and allowed $10.00. Neither is among PAYER01's four paid lines.
    found = priced.execute(
        "SELECT patient_control_number, adjudicated, final_denied, allowed FROM line_adjudication "
        "WHERE patient_control_number IN ('P5', 'S1') ORDER BY 1").fetchall()  # fmt: skip
    assert found == [("P5", True, True, D("0.00")), ("S1", True, False, D("10.00"))]
    assert prices(priced, min_lines=1)["PAYER01"]["lines"] == 4  # P1 to P4


def test_the_code_a_payer_pays_it_as_and_its_share(priced):
    acme = prices(priced)["PAYER01"]
    assert (acme["comparator_code"], acme["comparator_share"]) == ("97140", 0.75)  # 3 of 4
    assert recoded_as(priced, ["97139"], AS_OF, 12).to_dicts() == [
        {"payer_id": "PAYER01", "payer_name": "ACME HEALTH", "code": "97139", "paid_as": "97140",
         "lines": 3, "paid_lines": 4, "share": 0.75},
        {"payer_id": "PAYER04", "payer_name": "DELTA PLAN", "code": "97139", "paid_as": "97140",
         "lines": 1, "paid_lines": 1, "share": 1.0},
    ]  # fmt: skip


def test_a_contract_in_force_wins_over_history(priced):
    got = prices(priced)
    bright, cedar, evergreen = got["PAYER02"], got["PAYER03"], got["PAYER05"]
    # two lines allowed $30.00 a unit, but the contract says $45.00
    assert pick(bright) == ("contract", None, None, D("45.00"), None, None, 2, "fixed",
                            D("45.0000"))  # fmt: skip
    # no line at all: the comparator's rate
    assert pick(cedar) == ("contract", "97140", None, D("32.40"), None, None, 0, "comparator",
                           None)  # fmt: skip
    assert cedar["payer_name"] == "CEDAR MUTUAL"
    assert pick(evergreen) == ("contract", None, None, None, None, None, 0, "percent",
                               D("0.5500"))  # fmt: skip


def pick(row) -> tuple:
    return tuple(
        row[k]
        for k in (
            "basis",
            "comparator_code",
            "comparator_share",
            "per_unit",
            "low",
            "high",
            "lines",
            "contract_method",
            "contract_amount",
        )
    )


def test_too_few_lines_says_so_rather_than_suggest(priced):
    got = prices(priced)
    # PAYER04's comparator contract names 97140 but no 97140 rate is loaded: one paid line of 4,
    # paid as 97140
    assert pick(got["PAYER04"]) == ("too few lines", "97140", 1.0, None, None, None, 1,
                                    "comparator", None)  # fmt: skip
    assert prices(priced, min_lines=5)["PAYER01"]["basis"] == "too few lines"
    assert prices(priced, min_lines=1)["PAYER04"]["per_unit"] == D("61.00")
    # at an as-of date inside its term, PAYER04's rate wins
    early = prices(priced, as_of=dt.date(2026, 6, 30))["PAYER04"]
    assert (early["basis"], early["per_unit"], early["lines"]) == ("contract", D("60.00"), 0)


def test_the_as_of_window_cuts_old_and_later_lines(priced):
    # Two months to 2026-12-31 start after 2026-10-31: P1 (45.75) and P4 (50.01) only. Their
    # median is 47.88 exactly; 25th 0.25 of the way = 46.815 -> 46.82, 75th 48.945 -> 48.95.
    recent = prices(priced, months=2, min_lines=2)["PAYER01"]
    assert (recent["lines"], recent["per_unit"], recent["low"], recent["high"]) == (
        2, D("47.88"), D("46.82"), D("48.95"))  # fmt: skip
    # Twelve months to 2026-12-05 start after 2025-12-05: P6 (served 2025-12-15, $99.00) is
    # in, five lines at rank 4q: 40.00, 42.10, 45.75, 50.01, 99.00 -> 42.10, 45.75, 50.01.
    before = prices(priced, as_of=dt.date(2026, 12, 5))["PAYER01"]
    assert (before["lines"], before["low"], before["per_unit"], before["high"]) == (
        5, D("42.10"), D("45.75"), D("50.01"))  # fmt: skip
    assert before["first_service_date"] == dt.date(2025, 12, 15)
    # Nothing was paid by 2026-11-30: every payment came on 2026-12-01.
    assert prices(priced, as_of=dt.date(2026, 11, 30))["PAYER01"]["lines"] == 0
    # P7 (served 2026-12-21) is paid on 2027-01-15: it counts once the as-of date is past it.
    assert prices(priced, as_of=dt.date(2027, 1, 31))["PAYER01"]["lines"] == 5


def test_allowed_per_unit_by_month(priced):
    got = allowed_per_unit_by_month(priced, ["97139"], AS_OF, 12)
    assert got.columns == ["payer_id", "payer_name", "code", "service_month", "lines",
                           "per_unit", "low", "high"]  # fmt: skip
    assert [tuple(r.values())[3:] for r in got.filter(payer_id="PAYER01").to_dicts()] == [
        (dt.date(2026, 10, 1), 2, D("41.05"), D("40.53"), D("41.58")),  # 40.00, 42.10
        (dt.date(2026, 11, 1), 2, D("47.88"), D("46.82"), D("48.95")),  # 45.75, 50.01
    ]  # fmt: skip
    assert got.filter(payer_id="PAYER02")["per_unit"].to_list() == [D("30.00")]


def test_the_cli_prints_the_suggestions_as_csv(priced, tmp_path, monkeypatch):
    priced.close()
    config = tmp_path / "settings.toml"
    config.write_text("[pricing]\nhistory_months = 12\nmin_lines = 4\n")
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    result = CliRunner().invoke(app, ["pricing", "--db", str(tmp_path / "test.duckdb"),
                                      "--config", str(config), "--as-of", "2026-12-31",
                                      "--format", "csv"])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows == [
        ["payer_id", "payer_name", "code", "comparator_code", "comparator_share", "basis",
         "per_unit", "low", "high", "lines", "first_service_date", "last_service_date",
         "contract_method", "contract_amount"],
        ["PAYER01", "ACME HEALTH", "97139", "97140", "0.75", "history", "43.93", "41.58",
         "46.82", "4", "2026-10-05", "2026-11-09", "", ""],
        ["PAYER02", "BRIGHT CARE", "97139", "", "", "contract", "45.00", "", "", "2",
         "2026-11-02", "2026-11-02", "fixed", "45.0000"],
        ["PAYER03", "CEDAR MUTUAL", "97139", "97140", "", "contract", "32.40", "", "", "0", "",
         "", "comparator", ""],
        ["PAYER04", "DELTA PLAN", "97139", "97140", "1.0", "too few lines", "", "", "", "1",
         "2026-11-02", "2026-11-02", "comparator", ""],
        ["PAYER05", "EVERGREEN MEDICAID", "97139", "", "", "contract", "", "", "", "0", "", "",
         "percent", "0.5500"],
    ]  # fmt: skip


def test_what_a_file_names_reaches_no_terminal_or_spreadsheet_as_it_is(priced, tmp_path):
    # A payer name that a spreadsheet would run, and one with an escape sequence.
    priced.execute("""UPDATE claim SET payer_name = CASE payer_id WHEN 'PAYER04'
                      THEN '=HYPERLINK("http://x")' ELSE chr(27) || '[31mACME' END
                      WHERE payer_id IN ('PAYER01', 'PAYER04')""")
    rebuild_marts(priced)
    priced.close()
    out = tmp_path / "prices.csv"
    args = ["pricing", "--db", str(tmp_path / "test.duckdb"), "--as-of", "2026-12-31"]
    result = CliRunner().invoke(app, [*args, "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert [r[1] for r in rows[1:]] == [
        "\x1b[31mACME",
        "BRIGHT CARE",
        "CEDAR MUTUAL",
        '\'=HYPERLINK("http://x")',
        "EVERGREEN MEDICAID",
    ]
    table = CliRunner().invoke(app, [*args, "--format", "table"], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "\x1b" not in table.stdout
    assert "\\x1b[31mACME (PAYER01)" in table.stdout
