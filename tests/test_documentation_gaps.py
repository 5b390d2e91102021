"""What documentation gaps cost (queries/documentation_gaps.py), worked out by hand on the
practice of test_line_adjudication.py with a treatment note for most visits.

The 97139 lines of that practice (test_line_adjudication.py works each outcome out), all on
2026-11-02, all by the same provider; PAYER01's contract prices 97139 at $45.00, PAYER02 has none:

  line  charge  outcome                          net paid  allowed  expected  narrative
  A1    100     denied, paid on appeal           45        45       45        yes
  B1    100     claim-level denial, final        0         -        45        no
  D1    100     denied, replacement paid         50        50       45        yes
  E1    100     reversed, then paid              35        35       45        yes
  F1    100     paid, no contract (PAYER02)      70        70       -         yes
  H1    100     pending (never answered)         0         -        45        no

The notes below (checklists, so the elements are exactly these):

  note  description purpose duration rationale credentials involvement
  A1    yes         yes     yes      yes       yes         yes
  B1    yes         yes     yes      no        yes         no
  D1    yes         yes     yes      no        yes         yes
  E1    yes         yes     yes      yes       yes         no
  F1    (no note: no element)
  H1    yes         yes     yes      yes       yes         yes

Lost expected allowed per line (adjudicated lines with a contract): A1 45 - 45 = 0; B1 finally
denied, its whole 45; D1 45 - 50 < 0, so 0; E1 45 - 35 = 10; F1 no contract, not measured; H1
pending, not measured.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import polars as pl
import pytest
from unlisted.queries import documentation_gaps as gaps
from unlisted.queries.explore import Drill, drilled
from unlisted.queries.metrics import Filters, Settings

from unlisted.pipeline import rebuild_marts

from .test_line_adjudication import build_scenario

D = Decimal
EVERYTHING = Settings(min_count=1, as_of=dt.date(2027, 1, 31))
YES_NO = {True: "yes", False: "no"}
# description, purpose, duration, rationale, credentials, involvement
NOTES = {
    "A1": (True, True, True, True, True, True),
    "B1": (True, True, True, False, True, False),
    "D1": (True, True, True, False, True, True),
    "E1": (True, True, True, True, True, False),
    "H1": (True, True, True, True, True, True),
}


def load_notes(tmp_path, loader, db) -> None:
    """The notes above, as a checklist export, then the marts again."""
    rows = [{"patient_control_number": pcn, "service_date": "2026-11-02",
             "note_text": "Seen for therapy.",
             **{f"has_{e}": YES_NO[v] for e, v in zip(gaps.ELEMENTS, ticks, strict=True)}}
            for pcn, ticks in NOTES.items()]  # fmt: skip
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert loader.load(path).status == "loaded"
    rebuild_marts(db)


@pytest.fixture
def noted(tmp_path, loader, db):
    build_scenario(tmp_path, loader, db)
    load_notes(tmp_path, loader, db)
    return db


def by_gap(frame: pl.DataFrame) -> dict[str, tuple]:
    return {r["gap"]: (r["lines"], r["charges"], r["denied"], r["lost"])
            for r in frame.iter_rows(named=True)}  # fmt: skip


def test_what_each_gap_costs_by_hand(noted):
    got = gaps.compute(noted, Filters(codes=("97139",)))
    assert set(got["of_lines"]) == {6}  # the six 97139 lines
    assert by_gap(got) == {
        # F1 alone (no note): charges 100; not denied; no contract, so nothing lost
        "description": (1, D("100.00"), D("0.00"), D("0.00")),
        "purpose": (1, D("100.00"), D("0.00"), D("0.00")),
        "duration": (1, D("100.00"), D("0.00"), D("0.00")),
        "credentials": (1, D("100.00"), D("0.00"), D("0.00")),
        # B1, D1, F1: 3 x 100; denied: B1's 100; lost: B1 45 + D1 0 (+ F1 not measured) = 45
        "rationale": (3, D("300.00"), D("100.00"), D("45.00")),
        # B1, E1, F1: 3 x 100; denied: B1's 100; lost: B1 45 + E1 10 = 55
        "involvement": (3, D("300.00"), D("100.00"), D("55.00")),
        # B1 and H1 have no narrative (97139 needs one): 200; denied B1 100; lost B1 45 (H1
        # is pending)
        "narrative": (2, D("200.00"), D("100.00"), D("45.00")),
        # incomplete: B1, D1, E1, F1, H1 (A1 alone has all six and a narrative): 500; denied
        # B1 100; lost 45 + 0 + 10 = 55, each line once
        "any": (5, D("500.00"), D("100.00"), D("55.00")),
    }  # fmt: skip
    for column in ("charges", "denied", "lost"):
        assert isinstance(got.schema[column], pl.Decimal)  # exact, never float


def test_the_dollars_by_month_and_by_provider(noted):
    overall = by_gap(gaps.compute(noted, Filters(codes=("97139",))))
    by_month = gaps.compute(noted, Filters(codes=("97139",)), by="month")
    assert set(by_month["group"]) == {"2026-11-01"}  # every visit is on 2026-11-02
    assert by_gap(by_month) == overall
    by_provider = gaps.compute(noted, Filters(codes=("97139",)), by="provider")
    assert by_provider["group"].n_unique() == 1 and by_gap(by_provider) == overall
    only_02 = by_gap(gaps.compute(noted, Filters(codes=("97139",), payers=("PAYER02",))))
    assert only_02["any"] == (1, D("100.00"), D("0.00"), D("0.00"))  # F1


def test_paid_per_line_complete_against_incomplete_notes(noted):
    got = {r["notes"]: r for r in gaps.compute_earnings(noted, Filters(codes=("97139",)), EVERYTHING)
           .iter_rows(named=True)}  # fmt: skip
    # complete and adjudicated: A1 alone, paid 45 -> 45.00 a line
    assert (got["complete"]["numerator"], got["complete"]["denominator"],
            got["complete"]["value"]) == (D("45.00"), 1, D("45.00"))  # fmt: skip
    # incomplete and adjudicated: B1 0 + D1 50 + E1 35 + F1 70 = 155 over 4 lines -> 38.75
    # (H1 is pending: not adjudicated)
    assert (got["incomplete"]["numerator"], got["incomplete"]["denominator"],
            got["incomplete"]["value"]) == (D("155.00"), 4, D("38.75"))  # fmt: skip
    small = {r["notes"]: r for r in gaps.compute_earnings(
        noted, Filters(codes=("97139",)), Settings(as_of=dt.date(2027, 1, 31))).iter_rows(named=True)}
    assert (small["incomplete"]["value"], small["incomplete"]["suppressed"],
            small["incomplete"]["reason"]) == (None, True, "fewer than 11 lines (4)")


def test_each_figure_drills_to_exactly_its_lines(noted):
    lines = gaps.selected(noted, Filters(codes=("97139",)))
    pcn = dict(noted.execute("SELECT claim_line_id, patient_control_number "
                             "FROM line_adjudication").fetchall())  # fmt: skip

    def behind(outcome: str) -> list[str]:
        rows = drilled(lines, Drill(outcome=outcome), EVERYTHING).collect()
        return sorted(pcn[i] for i in rows["claim_line_id"])

    assert behind("lacks_involvement") == ["B1", "E1", "F1"]
    assert behind("lacks_involvement_denied") == ["B1"]
    assert behind("lacks_involvement_lost") == ["B1", "E1"]  # 45 + 10
    assert behind("lacks_narrative") == ["B1", "H1"]
    assert behind("lacks_any_lost") == ["B1", "E1"]


def test_a_narrative_is_a_gap_only_where_the_code_needs_one():
    """97110 has a code descriptor of its own: without a narrative it lacks nothing, once the
    mart says which lines need one (narrative_required); a mart without that column needs a
    narrative on every line."""
    money = pl.Decimal(18, 2)
    frame = pl.DataFrame({
        "procedure_code": ["97139", "97110", "97110"],
        "charge": [D("100.00"), D("60.00"), D("60.00")],
        "adjudicated": [True, True, True], "final_denied": [True, True, False],
        "has_contract": [True, True, True],
        "allowed": [None, None, D("30.00")], "expected_allowed": [D("45.00"), D("40.00"),
                                                                  D("40.00")],
        "narrative_present": [False, False, False], "narrative_required": [True, False, False],
        "documentation_complete": [False, True, True],
        **{f"has_{e}": [True, True, True] for e in gaps.ELEMENTS},
    }, schema_overrides={"charge": money, "allowed": money, "expected_allowed": money})
    needed = by_gap(gaps.costs(frame.lazy()).collect())
    assert needed["narrative"] == (1, D("100.00"), D("100.00"), D("45.00"))  # 97139 only
    assert needed["purpose"] == (0, D("0.00"), D("0.00"), D("0.00"))
    older = by_gap(gaps.costs(frame.drop("narrative_required").lazy()).collect())
    # 100 + 60 + 60; denied 100 + 60; lost 45 + 40 (denied) + (40 - 30)
    assert older["narrative"] == (3, D("220.00"), D("160.00"), D("95.00"))
