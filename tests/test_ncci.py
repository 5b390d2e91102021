"""CMS NCCI PTP edits and MUEs supplied by the user: both CSV header styles load, bad rows are
quarantined with their row numbers, and the rules use the tables (with near misses)."""

from __future__ import annotations

from datetime import date

import pytest

from unlisted.pipeline import rebuild_marts

from .test_rules import claim, fired, line, rules_file  # noqa: F401 - rules_file is a fixture
from .x12build import claim_header, interchange, subscriber

NEXT_DAY = "20261103"

# Our short names; dates in both forms; '*' and empty = in force.
PTP_SHORT = """column1_code,column2_code,effective_from,effective_to,modifier_indicator,rationale
97139,97164,2026-01-01,*,1,Misuse of column two code with column one code
97750,97139,20200101,20260630,1,Deleted before the visits
97530,97139,2026-01-01,,1,Mutually exclusive procedures
97032,97139,2026-01-01,,0,Mutually exclusive procedures
97033,97139,2026-01-01,,9,Not applicable
97035,97139,2020-01-01,,1,Older version
"""
# CMS's own titles (one with commas inside, quoted) and a later version of 97035/97139.
PTP_CMS = """Column 1,Column 2,* = In existence prior to 1996,Effective Date,Deletion Date *=no data,"Modifier 0=not allowed, 1=allowed, 9=not applicable",PTP Edit Rationale
97035,97139,*,20260701,*,0,Newer version
"""  # noqa: E501
PTP_BAD = """column1_code,column2_code,effective_from,effective_to,modifier_indicator
97139,97110,2026-01-01,,2
97139,97110,20261340,,1
9713,97110,2026-01-01,,1
97139,97110,2026-01-01,2025-12-31,1
97139,97110,2026-01-01,,1
"""
MUE_SHORT = """code,max_units,adjudication_indicator,rationale,effective_from,effective_to
97139,2,3 Date of Service Edit: Clinical,Clinical: Data,2026-01-01,2026-11-02
97139,3,3 Date of Service Edit: Clinical,Clinical: Data,20261103,*
"""
MUE_CMS = """HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale
97139,1,2 Date of Service Edit: Policy,CMS Policy
"""
MUE_BAD = """code,max_units
97139,1.5
97139,
97139,abc
97139,4
"""

# pcn -> lines; one patient per claim, all on 2026-11-02 unless said otherwise.
CLAIMS = {
    "PTPA": [line(), line("97164", desc=None)],  # pair 97139/97164, indicator 1
    "PTPB": [line(mods=("GP", "59")), line("97164", desc=None)],  # 59 on the target line
    "PTPC": [line(), line("97750", desc=None)],  # the edit ended 2026-06-30
    "PTPD": [line(), line("97530", desc=None)],  # a similar code with an edit too
    "PTPE": [line(mods=("GP", "59")), line("97032", mods=("GP", "XS"), desc=None)],  # 0
    "PTPF": [line(), line("97033", desc=None)],  # indicator 9: not applicable
    "PTPG": [line(), line("97035", desc=None)],  # two versions: 1 from 2020, 0 from 2026-07
    "UNITS2": [line(units=2)],
    "UNITS3": [line(units=3, date=NEXT_DAY)],
    "UNITS4": [line(units=4, date=NEXT_DAY)],
}


RULES = ("same_day_similar_code", "ptp_never_allowed", "units_above_daily_max")


def checked(db) -> dict[str, dict[str, str]]:
    """pcn -> {rule: evidence} of the rules that NCCI tables change (no notes are loaded)."""
    rebuild_marts(db)
    found = {
        pcn: {r: e for r, e in rules.items() if r in RULES} for pcn, rules in fired(db).items()
    }
    return {pcn: rules for pcn, rules in found.items() if rules}


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def practice(tmp_path, loader, db, rules_file):  # noqa: F811 - the fixture from test_rules
    segments = claim_header()
    for hl, (pcn, lines) in enumerate(CLAIMS.items(), start=2):
        segments += subscriber(hl, member=f"M-{pcn}") + claim(pcn, lines)
    result = loader.load(write(tmp_path, "claims.837", interchange([segments], control=21)))
    assert result.status == "loaded" and not result.rejects, result.message
    return db


def load(loader, tmp_path, name, text, kind, rows):
    result = loader.load(write(tmp_path, name, text))
    assert (result.status, result.kind, result.claims, result.rejects) == (
        "loaded",
        kind,
        rows,
        [],
    ), result.message
    return result


def test_ptp_csv_loads_with_either_header(tmp_path, loader, db):
    short = load(loader, tmp_path, "ptp.csv", PTP_SHORT, "ptp-csv", 6)
    assert short.message == "loaded 6 NCCI PTP edits"
    assert short.total_charge is None
    load(loader, tmp_path, "ptp-cms.csv", PTP_CMS, "ptp-csv", 1)
    rows = db.execute(
        "SELECT column1_code, column2_code, effective_from, effective_to, modifier_indicator, "
        "rationale, source_position FROM ncci_ptp_edit ORDER BY batch_id, source_position"
    ).fetchall()
    assert len(rows) == 7  # a second file adds rows, it replaces nothing
    assert rows[0] == ("97139", "97164", date(2026, 1, 1), None, 1,
                       "Misuse of column two code with column one code", 2)  # fmt: skip
    assert rows[1][2:4] == (date(2020, 1, 1), date(2026, 6, 30))
    assert rows[6] == ("97035", "97139", date(2026, 7, 1), None, 0, "Newer version", 2)


def test_mue_csv_loads_with_either_header(tmp_path, loader, db):
    short = load(loader, tmp_path, "mue.csv", MUE_SHORT, "mue-csv", 2)
    assert short.message == "loaded 2 MUE limits"
    cms = load(loader, tmp_path, "mue-cms.csv", MUE_CMS, "mue-csv", 1)
    assert cms.warnings == []
    rows = db.execute(
        "SELECT code, max_units, adjudication_indicator, rationale, effective_from, effective_to "
        "FROM mue_limit ORDER BY batch_id, source_position"
    ).fetchall()
    assert rows == [
        ("97139", 2, "3 Date of Service Edit: Clinical", "Clinical: Data", date(2026, 1, 1),
         date(2026, 11, 2)),
        ("97139", 3, "3 Date of Service Edit: Clinical", "Clinical: Data", date(2026, 11, 3),
         None),
        ("97139", 1, "2 Date of Service Edit: Policy", "CMS Policy", None, None),
    ]  # fmt: skip


def test_bad_ncci_rows_are_refused_with_their_row_numbers(tmp_path, loader, db):
    ptp = loader.load(write(tmp_path, "ptp-bad.csv", PTP_BAD))
    assert (ptp.status, ptp.claims) == ("loaded", 1)
    assert [r.message for r in ptp.rejects] == [
        "row 2 quarantined: modifier_indicator must be one of 0, 1, 9",
        "row 3 quarantined: effective_from value is not a date in YYYY-MM-DD or YYYYMMDD form",
        "row 4 quarantined: column1_code value '9713' is not a 5-character HCPCS/CPT code",
        "row 5 quarantined: effective_to is before effective_from",
    ]
    mue = loader.load(write(tmp_path, "mue-bad.csv", MUE_BAD))
    assert (mue.status, mue.claims) == ("loaded", 1)
    assert [r.message for r in mue.rejects] == [
        "row 2 quarantined: max_units value '1.5' is not a whole number of units",
        "row 3 quarantined: max_units is empty",
        "row 4 quarantined: max_units value 'abc' is not a whole number of units",
    ]
    assert db.execute("SELECT count(*) FROM ncci_ptp_edit").fetchone() == (1,)
    assert db.execute("SELECT max_units FROM mue_limit").fetchall() == [(4,)]
    stored = db.execute(
        "SELECT location, reason FROM reject ORDER BY batch_id, location"
    ).fetchall()
    assert ("row 2", "row 2 quarantined: modifier_indicator must be one of 0, 1, 9") in stored


def test_without_ncci_tables_the_configured_rules_apply(practice):
    got = checked(practice)
    for pcn in ("PTPA", "PTPB", "PTPC", "PTPE", "PTPF", "PTPG"):
        assert "same_day_similar_code" not in got.get(pcn, {}), pcn
        assert "ptp_never_allowed" not in got.get(pcn, {}), pcn
    assert got["PTPD"]["same_day_similar_code"] == (  # 97530 is one of similar_codes
        "97530 on 2026-11-02 for the same patient and rendering provider (claim PTPD line 2), "
        "therapeutic activities: dynamic activities to improve functional performance; "
        "no 59/XE/XS/XP/XU modifier on either line"
    )
    assert got["UNITS2"]["units_above_daily_max"] == (  # the rules file's limit, no MUE loaded
        "2 units of 97139 on 2026-11-02 for the same patient (1 line(s) on 1 claim(s)), "
        "above the daily limit of 1 (test payer policy: one a day)"
    )


def test_ptp_edits_in_the_same_day_rules(practice, loader, tmp_path):
    load(loader, tmp_path, "ptp.csv", PTP_SHORT, "ptp-csv", 6)
    load(loader, tmp_path, "ptp-cms.csv", PTP_CMS, "ptp-csv", 1)
    got = checked(practice)
    assert got["PTPA"]["same_day_similar_code"] == (
        "97164 on 2026-11-02 for the same patient and rendering provider (claim PTPA line 2), "
        "NCCI PTP edit 97139/97164 (modifier indicator 1); no 59/XE/XS/XP/XU modifier on "
        "either line"
    )
    assert "PTPB" not in got  # indicator 1 and 59 on the target line
    assert "PTPC" not in got  # the edit was deleted before the service date
    assert got["PTPD"]["same_day_similar_code"] == (
        "97530 on 2026-11-02 for the same patient and rendering provider (claim PTPD line 2), "
        "therapeutic activities: dynamic activities to improve functional performance, NCCI PTP "
        "edit 97530/97139 (modifier indicator 1); no 59/XE/XS/XP/XU modifier on either line"
    )
    assert got["PTPE"] == {  # indicator 0: modifiers do not matter
        "ptp_never_allowed": "97032 on 2026-11-02 for the same patient and rendering provider "
        "(claim PTPE line 2), NCCI PTP edit 97032/97139 (modifier indicator 0): never allowed together, whatever "
        "the modifiers"
    }
    assert "PTPF" not in got  # indicator 9
    # the version in force on the date is the one that took effect last (2026-07-01: 0)
    assert set(got["PTPG"]) == {"ptp_never_allowed"}
    assert "97035/97139 (modifier indicator 0)" in got["PTPG"]["ptp_never_allowed"]
    assert practice.execute(
        "SELECT severity FROM rule_setting WHERE rule = 'ptp_never_allowed' AND enabled"
    ).fetchone() == ("high",)


def test_mue_replaces_the_configured_daily_maximum(practice, loader, tmp_path):
    load(loader, tmp_path, "mue.csv", MUE_SHORT, "mue-csv", 2)
    got = checked(practice)
    assert "UNITS2" not in got  # MUE 2 on 2026-11-02
    assert "UNITS3" not in got  # MUE 3 from 2026-11-03
    assert got["UNITS4"]["units_above_daily_max"] == (
        "4 units of 97139 on 2026-11-03 for the same patient (1 line(s) on 1 claim(s)), "
        "above the daily limit of 3 (MUE 3 units, adjudication indicator 3 Date of Service "
        "Edit: Clinical)"
    )


def test_an_undated_mue_applies_to_every_date(practice, loader, tmp_path):
    load(loader, tmp_path, "mue-cms.csv", MUE_CMS, "mue-csv", 1)
    got = checked(practice)
    assert got["UNITS2"]["units_above_daily_max"] == (
        "2 units of 97139 on 2026-11-02 for the same patient (1 line(s) on 1 claim(s)), "
        "above the daily limit of 1 (MUE 1 unit, adjudication indicator 2 Date of Service "
        "Edit: Policy)"
    )
    assert "units_above_daily_max" in got["UNITS4"]
