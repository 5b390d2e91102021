"""The note reader: each documentation element found or not as docs/documentation-elements.md
says (negation, unticked boxes, empty headers, signatures, minutes and frequency in their many
forms), the evidence it keeps, the rules file it reads, and its precision and recall on the
hand-labelled notes."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import polars as pl
import pytest
from unlisted.etl.errors import InputError
from unlisted.etl.notes import ELEMENTS, documentation_elements, documentation_rules

NOTES = Path(__file__).parent / "data" / "notes"
RULES = Path(__file__).parents[1] / "etl" / "documentation_rules.toml"


def found(text: str) -> dict[str, str | None]:
    return dict(zip(ELEMENTS, documentation_rules().read(text), strict=True))


def present(text: str, element: str) -> bool:
    return found(text)[element] is not None


# -- each element present and absent ---------------------------------------------------------
CASES = [
    # description: a specific technique with where or how; not a category, a code or a pointer
    ("description", True, "IASTM with convex tool to R ITB, 3 passes."),
    (
        "description",
        True,
        "Technique: Blood flow restriction training\nDetails: L thigh cuff, 80% LOP",
    ),
    ("description", True, "[x] Technique: Graded motor imagery, R hand, 50 images"),
    ("description", True, "No IASTM today (bruising); cupping to L upper trap, 4 cups, static."),
    ("description", False, "IASTM performed."),
    ("description", False, "97139 x1 unit. Tx per flowsheet."),
    ("description", False, "O: ther ex, manual."),
    ("description", False, "Will trial BFR to R quad next visit."),
    ("description", False, "6 visits of standard STM to R knee without change."),
    ("description", False, "[ ] Technique: cupping to L upper trap, 4 cups"),
    ("description", True, "O: Percussion device R quad/ITB 5 min."),
    ("description", False, "cont 2x/wk x 4 wk per POC, STG indep stairs w/ rail."),  # the goal
    ("description", False, "Vitals: SpO2 93% RA -> 90% after ambulation, recovered in 2 min."),
    # a list of services whose 97139 item is only a pointer: the others are other services
    (
        "description",
        False,
        "Interventions:\n - Gait training with rollator 2 x 75 ft on carpet.\n"
        " - 97139 per plan (see care plan).\n - Caregiver training on entry steps.",
    ),
    ("description", True, "Procedures: 97139 x 1\n   Detail: Cupping, 3 cups L shoulder, static"),
    # purpose: a functional aim or a measurable target
    ("purpose", True, "Goal: climb 12 stairs to her apartment."),
    ("purpose", True, "GOAL:\nLift 50-lb boxes from floor to shoulder."),
    ("purpose", True, "Worked on hip strength so pt can walk to the mailbox."),
    ("purpose", True, "IASTM to increase knee flexion to 110° for stair descent."),
    ("purpose", False, "Goal:\nRationale: N/A"),
    ("purpose", False, "Goal: ___"),
    ("purpose", False, "Goal: see POC"),
    ("purpose", False, "Goals: progressing toward goals."),
    ("purpose", False, "Goal: Pt will improve strength."),
    ("purpose", False, "[ ] Functional goal stated"),
    ("purpose", False, "Goal status: ongoing"),
    # a table row: the header's cell, then its content's cell
    ("purpose", True, "| Purpose | tolerate L foot WB for 30 min to stand at her job |"),
    ("purpose", False, "| Purpose | |"),
    # duration: the session's time or the plan's frequency or length
    ("duration", True, "IASTM R knee 18 min."),
    ("duration", True, "Time in 14:10 / out 14:52"),
    ("duration", True, "in 14:10 / out 14:52"),
    ("duration", True, "Total time: 45"),
    ("duration", True, "Timed minutes 38 / Total treatment time 45"),
    ("duration", True, "Plan: 3x/wk x 4 wks."),
    ("duration", True, "We will see her twice weekly for 6 weeks."),
    ("duration", True, "Frequency: 2w4"),
    ("duration", True, "AlterG 80% BW 2.5 mph 10'"),
    ("duration", False, "97139 x1 unit."),
    ("duration", False, "Chin tucks 3x10, 30 s holds."),
    ("duration", False, "Minutes: ____"),
    ("duration", False, "RTC Thursday. F/u next week."),
    ("duration", False, "Goal: walk 30 min to the store."),
    ("duration", False, "Standard manual therapy has plateaued for 3 wks."),
    ("duration", True, "Start 0930 End 1005"),
    ("duration", True, "Mirror therapy L hand, 4 x 5 min blocks."),  # minutes of its parts
    ("duration", True, "cont 2x/wk x 4 wk per POC, STG indep stairs w/ rail."),
    # "30 s." ends its sentence (a unit, not an initial): the goal after it is another one
    ("duration", True, "Clocked 18 minutes, settling within 30 s. Goal: drive without dizziness."),
    ("duration", False, "STG: walk 30 min to the store."),
    # rationale: why a nonstandard technique instead of standard care or a listed code
    ("rationale", True, "Std STM (97140) x 6 visits gave no lasting change; IASTM started."),
    ("rationale", True, "Rationale: allodynia prevents standard desensitization."),
    ("rationale", True, "Schroth has no listed code."),
    ("rationale", True, "Pt cannot tolerate loads >40% 1RM due to effusion."),
    ("rationale", False, "Rationale: N/A"),
    ("rationale", False, "Rationale: no rationale documented"),
    ("rationale", False, "A: Service medically necessary and requires skills of a PT."),
    ("rationale", False, "Rationale: skilled PT services medically necessary"),
    ("rationale", False, "[ ] No listed code describes service"),
    ("rationale", True, "Regular treadmill walking gives her knee pain after two minutes."),
    ("rationale", True, "Standard passive stretching (97140) increased her pain and cording."),
    ("rationale", True, "std overground gait -> antalgic/pain 7/10, so unloaded."),
    ("rationale", True, "Std soft tissue massage x 4 visits only gave him relief for an hour."),
    ("rationale", True, "Group land ex was not tolerated (knee OA flare)."),
    (
        "rationale",
        True,
        "Rationale for the unlisted service: pt's desaturation with standard endurance "
        "exercise stops every bout.",
    ),
    ("rationale", False, "Standard warm-up on bike, pain 2/10."),
    # credentials: a name with a credential, signed
    ("credentials", True, "-- A. Rivera OTR/L"),
    ("credentials", True, "IASTM R knee. J. Chen, PT"),
    ("credentials", True, "Authenticated by: LASTNAME, FIRST (PT)"),
    ("credentials", True, "Electronically signed by Maria Lopez, DPT on 03/04/2026 14:58"),
    ("credentials", True, "Signed: K. Osei PTA / cosign pending M. Ferris PT"),
    ("credentials", True, "Scar mobilization R palm. 1:1. -- BT, OTR"),
    ("credentials", True, "J. Whitcombe, M.S., CCC-SLP"),
    ("credentials", False, "pt tolerated well. pt to cont. Continue PT 2x/wk."),
    ("credentials", False, "Electronically signed by Dana Whitfield on 01/20/2026"),
    ("credentials", False, "Pool walking 6 laps.\n-- PTA"),
    ("credentials", False, "Seen by PT."),
    ("credentials", False, "Awaiting signature: P. Lindqvist, PT"),
    ("credentials", False, "AlterG x 20 min.\nDRAFT - not signed. H. Booker, DPT"),
    ("credentials", False, "Home Health PT eval. Outpatient PT referral."),
    ("credentials", False, "Note by: Sam Lee (PT student)"),
    # involvement: one-on-one, hands-on, constant attendance; not negated, unticked or group
    ("involvement", True, "1:1 with therapist throughout."),
    ("involvement", True, "☒ 1:1 direct   ☐ group"),
    ("involvement", True, "(X) Hands-on"),
    ("involvement", True, "Hands-on: yes, 1:1 entire treatment"),
    ("involvement", True, "Involvement: 1:1 (X) Yes ( ) No"),
    ("involvement", False, "[ ] 1:1 direct contact\n[x] Supervised"),
    ("involvement", False, "☐ 1:1 direct   ☒ group"),
    ("involvement", False, "1:1: [ ]"),
    ("involvement", False, "Hands-on: N"),
    ("involvement", False, "1:1 - no, pt in gym with aide"),
    ("involvement", False, "Pt not seen one-on-one today, group session."),
    ("involvement", False, "no 1:1 today (short staffed); pt did own HEP"),
    ("involvement", False, "Session type: [x] 1:1 [x] group\nComments: pt not seen 1:1."),
    ("involvement", False, "Aquatic group (5 pts). Pt not seen individually."),
    ("involvement", False, "Caregiver training: daughter instructed in guarding on the steps."),
    ("involvement", True, "| Contact | 1:1, therapist present throughout |"),
    # what is said of another service of the note (a line that starts with another code)
    (
        "involvement",
        False,
        "97530 – bed mobility with rail, 3 trials\n97139 – per plan\n"
        "1:1 for bed mobility; rest of session in gym.",
    ),
    ("involvement", False, "97140 MLD 20 min (1:1)\n97139 kinesio taping L forearm, 2 strips"),
    ("description", False, "97110 – seated LAQ 3x10 B\n97139 – per plan"),
    ("duration", False, "97112 – balance on foam, 12 min\n97139 – Epley L posterior canal"),
    # a side alone is a where; the 97139 line with a where or how
    ("description", True, "Performed left Semont maneuver, two cycles."),
    ("description", True, "97139: vibration plate in supported standing, 25 Hz"),
    ("description", False, "Billed 97139 (cupping) 1 unit."),
    ("description", False, "O: Treated with AlterG per last settings."),
    ("description", False, "Technique: Graded motor imagery – laterality training"),
    ("description", False, "A: Shoulder flexion 120°. Pt tolerated session."),
    # a dictated note: its spoken punctuation is read as the marks
    (
        "credentials",
        True,
        "performed right Epley maneuver times two period this is Dana Ortiz comma DPT",
    ),
    ("description", True, "performed right Epley maneuver times two period pt seen one on one"),
    ("credentials", True, "This is Desmond Park, P.T."),
    ("credentials", True, "Staff: KO, PTA"),
    ("credentials", True, "Lucía Brandt-Oyama, PT, CLT"),
    ("credentials", False, "Peds PT\nPt seen for stair training."),
    # minutes of the parts count; a rest does not
    ("duration", True, "Mirror box, 3 x 5 min blocks with 1 min rest."),
    ("duration", True, "On the platform for about half an hour including rest breaks."),
    ("duration", True, "One on one for the entire thirty minute session."),
    ("duration", True, "IASTM L achilles, 2'x3 sites."),
    ("duration", False, "Rest 2 min between sets."),
    ("rationale", False, "Goal: eat a regular meal without coughing."),
    ("rationale", True, "Std STM x8 visits no ∆ in ROM."),
    ("rationale", True, "RATIONALE: KNEE OA AND OBESITY LIMIT FULL WB GAIT TRAINING TO 5 MIN"),
    ("rationale", True, "Curve progressed despite full-time brace wear."),
    ("purpose", True, "She hopes to sleep through the night without waking."),
    ("purpose", True, "Getting her arm up to the top shelf is what we are working toward."),
    ("purpose", False, "Goals addressed: (x) STG 1 ( ) STG 2"),
]


@pytest.mark.parametrize(("element", "expected", "text"), CASES)
def test_each_element_present_or_absent(element, expected, text):
    assert present(text, element) is expected, found(text)


def test_the_evidence_is_the_phrase_that_showed_the_element():
    note = (
        "S: Pt reports R knee pain 4/10.\n"
        "O: IASTM with convex tool to R ITB, 3 passes. Mild erythema, no petechiae.\n"
        "A: Std STM (97140) x 6 visits gave no lasting change; IASTM started.\n"
        "P: Continue 2x/wk x 3 wks. Goal: descend 2 flights at work without pain.\n"
        "Time: 15 min, 1:1 with therapist throughout.\n"
        "-- J. Chen, PT"
    )
    assert found(note) == {
        "description": "O: IASTM with convex tool to R ITB, 3 passes",
        "purpose": "Goal: descend 2 flights at work without pain",
        "duration": "Time: 15 min, 1:1 with therapist throughout",  # the Time: section first
        "rationale": "A: Std STM (97140) x 6 visits gave no lasting change",
        "credentials": "-- J. Chen, PT",
        "involvement": "Time: 15 min, 1:1 with therapist throughout",
    }
    # time and frequency side by side are kept together; a header alone takes its content along
    assert found("25 min this session; plan 2x/wk for 6 wks.")["duration"] == (
        "25 min this session; plan 2x/wk for 6 wks"
    )
    assert found("GOAL:\nLift 50-lb boxes to shoulder height.")["purpose"] == (
        "GOAL: Lift 50-lb boxes to shoulder height"
    )
    assert found("Authenticated by: HOLLOWAY, BRIANNE (PT)")["credentials"] == (
        "Authenticated by: HOLLOWAY, BRIANNE (PT)"
    )


def test_evidence_is_at_most_200_characters_and_empty_notes_show_nothing():
    long = "Performed IASTM to the R knee with convex tool " + "and more strokes " * 30 + "."
    assert len(found(long)["description"]) == 200
    assert found("") == dict.fromkeys(ELEMENTS)
    assert found("   \n ") == dict.fromkeys(ELEMENTS)


def test_text_from_notes_is_never_a_pattern():
    # characters that mean something in a regular expression are read as text
    note = "((( *+? \\d{3} $^ [a-z]+ | [ ] 1:1 (.*) hands-on\n-- A. Rivera OTR/L"
    result = found(note)
    assert result["credentials"] == "-- A. Rivera OTR/L"
    assert result["involvement"] is None  # "[ ] 1:1 (.*) hands-on": unticked


def test_checklist_columns_override_the_text_and_evidence_comes_through_the_frame():
    notes = pl.DataFrame(
        {
            "note_text": ["IASTM to R knee, 3 passes. 18 min. J. Chen, PT", "pt seen."],
            **{f"has_{e}": [None, "yes" if e != "rationale" else "no"] for e in ELEMENTS},
        }
    )
    out = documentation_elements(notes)
    first, second = out.to_dicts()
    assert (first["elements_source"], first["elements_present"]) == ("rules", 3)
    assert first["description_evidence"] == "IASTM to R knee, 3 passes"
    assert first["duration_evidence"] == "18 min"
    assert first["credentials_evidence"] == "J. Chen, PT"
    assert (second["elements_source"], second["elements_present"]) == ("checklist", 5)
    assert second["has_rationale"] is False and second["rationale_evidence"] is None
    assert second["purpose_evidence"] == "checklist: has_purpose"


# -- the rules file ---------------------------------------------------------------------------
def test_rules_can_be_edited_through_unlisted_note_rules(tmp_path, monkeypatch):
    note = "Pt performed zorbing to the R knee, 3 rounds."
    assert not present(note, "description")
    edited = RULES.read_text(encoding="utf-8").replace(
        '  "IASTM", "instrument assisted soft tissue mobilization",',
        '  "zorbing", "IASTM", "instrument assisted soft tissue mobilization",',
    )
    assert "zorbing" in edited
    (tmp_path / "rules.toml").write_text(edited, encoding="utf-8")
    monkeypatch.setenv("UNLISTED_NOTE_RULES", str(tmp_path / "rules.toml"))
    assert present(note, "description")
    monkeypatch.delenv("UNLISTED_NOTE_RULES")
    assert not present(note, "description")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t + "\n[broken\n", "it is not valid TOML"),
        (lambda t: t.replace("[involvement]", "[involvement_x]"), "[involvement] is missing"),
        (
            lambda t: t.replace('"<n> <minutes>", ', '"<n> <minutez>", '),
            "<minutez> is not a placeholder",
        ),
        (
            lambda t: t.replace("max_scope_words = 8", 'max_scope_words = "eight"'),
            "[context].max_scope_words must be a whole number",
        ),
        (
            lambda t: t.replace('sections = ["goals"]', 'sections = ["gaols"]'),
            "[purpose].sections names gaols, which [sections] does not define",
        ),
        (
            lambda t: t.replace('"only gave", "only gives",', '"<word> pain", "only gives",', 1),
            "a phrase cannot start with <word>",
        ),
    ],
)
def test_a_bad_rules_file_stops_with_a_clear_message(tmp_path, monkeypatch, change, message):
    path = tmp_path / "bad.toml"
    path.write_text(change(RULES.read_text(encoding="utf-8")), encoding="utf-8")
    monkeypatch.setenv("UNLISTED_NOTE_RULES", str(path))
    with pytest.raises(InputError) as caught:
        documentation_rules()
    assert caught.value.code == "note_rules"
    assert str(path) in caught.value.message and message in caught.value.message
    assert "docs/note-detection.md" in caught.value.message


def test_a_missing_rules_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("UNLISTED_NOTE_RULES", str(tmp_path / "nowhere.toml"))
    with pytest.raises(InputError, match="nowhere.toml cannot be used: it cannot be read"):
        documentation_rules()


# -- the labelled notes ----------------------------------------------------------------------
@functools.cache
def labelled(name: str) -> tuple[dict, ...]:
    """The notes of one labelled file (none while it is missing or still empty)."""
    path = NOTES / name
    if not path.exists():
        return ()
    text = path.read_text(encoding="utf-8")
    return tuple(json.loads(line) for line in text.splitlines() if line.strip())


@functools.cache
def scores(name: str) -> dict[str, tuple[float, float]]:
    """element -> (precision, recall) of the default rules on one labelled file."""
    notes = labelled(name)
    reader = documentation_rules()
    said = [reader.read(note["text"]) for note in notes]
    out = {}
    for i, element in enumerate(ELEMENTS):
        pairs = [
            (s[i] is not None, bool(n["labels"][element])) for s, n in zip(said, notes, strict=True)
        ]
        tp = sum(s and t for s, t in pairs)
        fp = sum(s and not t for s, t in pairs)
        fn = sum(t and not s for s, t in pairs)
        out[element] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)
    return out


# Measured with bench/notes_detection.py on 2026-12-07 (precision / recall):
#   dev, 323 notes (dev-001..193, and dev-194..323, the former holdout hold-201..330, whose misses
#   the rules were then tuned on): 1.000 / 1.000 for every element.
#   holdout (hold-401..530, written blind while the rules were tuned on dev-194..323), measured
#   once: description 0.942 / 1.000, purpose 0.970 / 1.000, duration 0.966 / 0.877, rationale
#   1.000 / 0.908, credentials 0.984 / 0.969, involvement 1.000 / 0.969.
# A holdout figure under the 0.9 target is marked here as an expected failure, strictly, so that
# the mark has to go once the rules (or freshly written holdout notes) reach the target. The list
# holds exactly the figures under 0.9, set once the new holdout has been measured; which holdout
# notes miss is never looked at. docs/note-detection.md tells the history of these figures.
SHORT_OF_TARGET: dict[tuple[str, str], str] = {
    ("labelled-holdout.jsonl", "duration"): "holdout recall 0.877 (2026-12-07)",
}


@pytest.mark.parametrize(
    ("name", "element"),
    [
        pytest.param(
            name,
            element,
            marks=[pytest.mark.xfail(strict=True, reason=SHORT_OF_TARGET[(name, element)])]
            if (name, element) in SHORT_OF_TARGET
            else [],
        )
        for name in ("labelled-dev.jsonl", "labelled-holdout.jsonl")
        for element in ELEMENTS
    ],
)
def test_precision_and_recall_on_the_labelled_notes(name, element):
    if not labelled(name):
        pytest.skip(f"{name} has no notes yet (a new holdout is being written)")
    precision, recall = scores(name)[element]
    assert (precision >= 0.9, recall >= 0.9) == (True, True), (name, element, precision, recall)
