"""Shapes of data that once made the mart rebuild quadratic: every claim for one patient on one
day (the same-day rules compared each line with every other line of the patient-day: 2,000 such
claims took 7 GB, issue 16), and many treatment notes for one visit. The rebuild must finish,
with the findings worked out below (bench/rule_marts_memory.py measures time and memory)."""

from __future__ import annotations

import pytest

from unlisted.pipeline import rebuild_marts

from .x12build import claim_header, interchange, subscriber

DAY = "20261102"
# Each claim's lines: code, modifiers, units. None has a narrative (SV101-7) or a line note.
LINES = (
    ("97139", ("GP",), 1),
    ("97139", (), 1),
    ("97110", ("GP",), 2),
    ("97140", ("GP",), 1),
    ("97530", ("GP",), 1),
)


def one_patient_day(claims: int) -> str:
    """An 837P of `claims` claims (CLM01 P000001, P000002, ...), all for one patient (member
    M0001, the same name and birth date) on DAY with one rendering provider, each with LINES."""
    body = claim_header()
    for number in range(1, claims + 1):
        pcn = f"P{number:06d}"
        body += subscriber(number + 1, member="M0001")
        body += [f"CLM*{pcn}*{100 * len(LINES)}***11:B:1*Y*A*Y*Y",
                 "NM1*82*1*OKAFOR*ADA****XX*2234567014"]  # fmt: skip
        for index, (code, modifiers, units) in enumerate(LINES, start=1):
            body += [f"LX*{index}", f"SV1*{':'.join(['HC', code, *modifiers])}*100*UN*{units}***1",
                     f"DTP*472*D8*{DAY}", f"REF*6R*{pcn}-{index}"]  # fmt: skip
    return interchange([body], control=16)


@pytest.fixture
def default_rules(tmp_path, monkeypatch):
    """The shipped rules, and a daily limit of 97139 so that the units rule runs too."""
    rules = tmp_path / "rules.toml"
    rules.write_text('[units_above_daily_max.daily_limits]\n'
                     '"97139" = { units = 1, source = "test: one a day" }\n')
    monkeypatch.setenv("UNLISTED_RULES", str(rules))
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)


def test_1500_claims_for_one_patient_day(tmp_path, loader, db, default_rules):
    claims = 1500
    path = tmp_path / "one-patient-day.837"
    path.write_text(one_patient_day(claims))
    result = loader.load(path)
    assert (result.status, result.claims, result.lines) == ("loaded", claims, 5 * claims)
    rebuild_marts(db)
    counts = dict(db.execute("SELECT rule, count(*) FROM rule_finding GROUP BY rule").fetchall())
    # Per claim, its two 97139 lines (neither with a narrative):
    assert counts == {
        "missing_narrative": 2 * claims,  # both
        "missing_therapy_modifier": claims,  # the one without GP
        "same_day_similar_code": 2 * claims,  # 97110/97140/97530 that day, no 59/X{EPSU} anywhere
        "units_above_daily_max": 2 * claims,  # 3,000 units of 97139 that day, at most 1
        "missing_documentation": 2 * claims,  # no notes loaded
    }
    # The evidence names the first 10 similar lines (by code, then line: the 97110 lines, line 3,
    # of the first ten claims) and counts the others: 3 similar lines a claim, 4,500 in all.
    first_ten = "; ".join(
        f"97110 on 2026-11-02 for the same patient and rendering provider (claim P{n:06d} line 3), "
        "therapeutic exercise: strength, endurance, range of motion and flexibility exercises"
        for n in range(1, 11)
    )
    assert db.execute(
        "SELECT DISTINCT evidence FROM rule_finding WHERE rule = 'same_day_similar_code'"
    ).fetchall() == [
        (f"{first_ten}; and 4490 more lines; no 59/XE/XS/XP/XU modifier on either line",)
    ]
    assert db.execute(
        "SELECT DISTINCT evidence FROM rule_finding WHERE rule = 'units_above_daily_max'"
    ).fetchall() == [
        ("3000 units of 97139 on 2026-11-02 for the same patient (3000 line(s) on 1500 "
         "claim(s)), above the daily limit of 1 (test: one a day)",)
    ]  # fmt: skip
    # Score of each claim: 2 missing_narrative and 2 same_day_similar_code (high, 5 each) = 20,
    # 1 missing_therapy_modifier, 2 units_above_daily_max, 2 missing_documentation (medium, 3
    # each) = 15: 35.
    assert db.execute(
        "SELECT count(*), min(score), max(score), min(findings), max(findings) FROM claim_risk"
    ).fetchone() == (claims, 35, 35, 9, 9)


def test_many_notes_for_one_visit(tmp_path, loader, db, default_rules):
    """600 notes for one claim and date: each line still takes one note (the latest loaded)."""
    path = tmp_path / "visit.837"
    path.write_text(one_patient_day(1))
    assert loader.load(path).status == "loaded"
    notes = tmp_path / "notes.csv"
    header = "patient_control_number,service_date,provider_npi,provider_name,credentials,minutes,"
    rows = [f'P000001,2026-11-02,2234567014,"OKAFOR, ADA",DPT,{k % 60},2026-11-02,"Visit {k}."'
            for k in range(600)]  # fmt: skip
    notes.write_text(header + "signed_date,note_text\n" + "\n".join(rows) + "\n")
    result = loader.load(notes)
    assert (result.status, result.claims) == ("loaded", 600), result.message
    rebuild_marts(db)
    latest = db.execute("SELECT max(note_id) FROM treatment_note").fetchone()[0]
    assert db.execute(
        "SELECT count(*), count(DISTINCT claim_line_id), min(note_id), max(note_id) "
        "FROM line_adjudication"
    ).fetchone() == (len(LINES), len(LINES), latest, latest)
