"""Treatment notes and contracts: documentation elements found with their evidence, checklists
that override the text, and contract rows checked like every other input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

NOTE_COMPLETE = (
    "Pt reports pain 4/10. Performed instrument assisted soft tissue mobilization to the R knee, "
    "moderate tenderness reduced. Goal: improve knee flexion ROM so pt can climb stairs at home. "
    "25 min this session; plan 2x/wk for 6 wks. Standard manual therapy failed to change knee "
    "flexion over 4 visits, so this technique was chosen; no listed code describes it. "
    "One-on-one, hands-on throughout. Electronically signed Ada Okafor, DPT."
)
NOTE_THIN = "Pt seen for therapy. Continue per POC. Ada Okafor"

NOTES_CSV = f"""patient_control_number,service_date,provider_npi,provider_name,credentials,minutes,signed_date,note_text
RPT1,2026-11-02,2234567014,"OKAFOR, ADA",DPT,25,2026-11-02,"{NOTE_COMPLETE}"
RPT2,2026-11-03,2234567014,"OKAFOR, ADA",DPT,30,2026-11-20,"{NOTE_THIN}"
RPT3,2026-11-31,2234567014,"OKAFOR, ADA",DPT,30,2026-11-04,"{NOTE_THIN}"
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_notes_csv_elements_and_evidence(tmp_path, loader, db):
    result = loader.load(write(tmp_path, "notes.csv", NOTES_CSV))
    assert (result.status, result.kind, result.claims) == ("loaded", "notes-csv", 2)
    assert result.message == "loaded 2 notes; quarantined 1 rows"
    assert "row 4 quarantined: service_date value is not a date" in result.rejects[0].message
    complete = db.execute(
        "SELECT elements_present, elements_source, description_evidence, purpose_evidence, "
        "duration_evidence, rationale_evidence, credentials_evidence, involvement_evidence, "
        "minutes, signed_date FROM treatment_note WHERE patient_control_number = 'RPT1'"
    ).fetchone()
    assert complete == (
        6, "rules",
        "Performed instrument assisted soft tissue mobilization to the R knee, moderate "
        "tenderness reduced",
        "Goal: improve knee flexion ROM so pt can climb stairs at home",
        "25 min this session; plan 2x/wk for 6 wks",
        "no listed code describes it",
        "Electronically signed Ada Okafor, DPT",
        "One-on-one, hands-on throughout",
        25, date(2026, 11, 2),
    )  # fmt: skip
    thin = db.execute(
        "SELECT elements_present, has_description, has_credentials, has_involvement "
        "FROM treatment_note WHERE patient_control_number = 'RPT2'"
    ).fetchone()
    assert thin == (0, False, False, False)


def test_checklist_columns_override_the_text(tmp_path, loader, db):
    rows = [
        {"patient_control_number": "RPT9", "service_date": "2026-11-05", "note_text": NOTE_THIN,
         "has_description": "yes", "has_purpose": "yes", "has_duration": "yes",
         "has_rationale": "no", "has_credentials": "yes", "has_involvement": "yes"},
        {"patient_control_number": "RPT10", "service_date": "2026-11-05",
         "note_text": NOTE_COMPLETE},
    ]  # fmt: skip
    path = write(tmp_path, "notes.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    result = loader.load(path)
    assert (result.status, result.kind, result.claims) == ("loaded", "notes-jsonl", 2)
    found = db.execute(
        "SELECT patient_control_number, elements_source, elements_present, has_rationale, "
        "description_evidence FROM treatment_note ORDER BY note_id"
    ).fetchall()
    assert found[0] == ("RPT9", "checklist", 5, False, "checklist: has_description")
    assert found[1][:3] == ("RPT10", "rules", 6)


def test_contracts_load_and_bad_rows_are_refused(tmp_path, loader, db):
    text = """payer_id,payer_name,code,modifier,effective_from,effective_to,method,amount,comparator_code
SUMMIT01,SUMMIT HEALTH PLAN,97140,,2025-01-01,,fixed,32.40,
SUMMIT01,SUMMIT HEALTH PLAN,97139,,2025-01-01,2025-12-31,percent,0.55,
LKSHR01,LAKESHORE MUTUAL PPO,97139,GP,2025-01-01,,comparator,,97140
LKSHR01,LAKESHORE MUTUAL PPO,97110,,2025-01-01,,fixed,,
LKSHR01,LAKESHORE MUTUAL PPO,97112,,2025-06-01,2025-01-01,fixed,34.80,
LKSHR01,LAKESHORE MUTUAL PPO,97530,,2025-01-01,,flat,36.20,
EVGRN01,EVERGREEN MEDICAID,97139,,2025-01-01,,percent,55,
"""
    result = loader.load(write(tmp_path, "contracts.csv", text))
    assert (result.status, result.kind, result.claims) == ("loaded", "contracts-csv", 3)
    assert [r.message for r in result.rejects] == [
        "row 5 quarantined: a fixed or percent contract needs an amount",
        "row 6 quarantined: effective_to is before effective_from",
        "row 7 quarantined: method must be one of fixed, percent, comparator",
        "row 8 quarantined: a percent contract's amount is a share of charges (0.55 for 55%)",
    ]
    assert db.execute(
        "SELECT payer_id, code, modifier, method, amount, comparator_code, effective_to "
        "FROM contract_rate ORDER BY contract_id"
    ).fetchall() == [
        ("SUMMIT01", "97140", None, "fixed", Decimal("32.4000"), None, None),
        ("SUMMIT01", "97139", None, "percent", Decimal("0.5500"), None, date(2025, 12, 31)),
        ("LKSHR01", "97139", "GP", "comparator", None, "97140", None),
    ]
