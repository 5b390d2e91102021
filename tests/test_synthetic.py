"""The synthetic practice: valid X12 (pyx12, zero errors), balanced remittances, totals that
load to the cent, the same bytes for the same seed, and a truth that names the rule faults of
every 97139 line of the claims in force (the Medicare threshold's checked by hand)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from unlisted.etl.database import connect
from unlisted.etl.load import Loader, expand_paths

from unlisted.synthetic.faults import RULES, MedicareLine, threshold_faults, whole_cents
from unlisted.synthetic.generate import facts_path, generate, truth_path
from unlisted.synthetic.practice import load_practice

from .pyx12_validate import validate_x12

SEED, CLAIMS, START, MONTHS = 11, 300, dt.date(2025, 3, 1), 5
# Rare events made common, so that a small practice exercises every path of the generator.
BUSY = {"reversal_share": 0.08, "duplicate_share": 0.03, "late_submission_share": 0.03,
        "lost_share": 0.03, "corrected_claim_share": 1.0}  # fmt: skip


def busy_practice():
    practice = load_practice()
    payers = {k: replace(v, recode_share=0.8) if v.comparator else v
              for k, v in practice.payers.items()}  # fmt: skip
    return replace(practice, settings={**practice.settings, **BUSY}, payers=payers)


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("practice")
    truth = generate(folder, claims=CLAIMS, seed=SEED, start=START, months=MONTHS,
                     practice=busy_practice())  # fmt: skip
    return folder, truth


@pytest.fixture(scope="module")
def loaded(practice, tmp_path_factory):
    folder, truth = practice
    con = connect(tmp_path_factory.mktemp("db") / "practice.duckdb")
    loader = Loader(con)
    results = [loader.load(path) for path in expand_paths([folder / "claims", folder / "remits"])]
    yield con, results, truth
    con.close()


def x12_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix in (".837", ".835"))


def test_every_file_validates_with_pyx12(practice):
    folder, truth = practice
    files = x12_files(folder)
    # and the next batch, written but not sent (_outgoing: a folder load skips it)
    (outgoing,) = [p for p in files if p.parent.name == "_outgoing"]
    assert len(files) == truth["counts"]["claim_files"] + truth["counts"]["remit_files"] + 1
    errors = {path.name: validate_x12(str(path)) for path in files}
    assert {name: found for name, found in errors.items() if found} == {}


def test_loads_with_no_reject_and_no_warning(loaded):
    _, results, _ = loaded
    assert {r.status for r in results} == {"loaded"}
    assert not [r for r in results if "_outgoing" in r.file]  # the next batch is not sent yet
    assert [f for r in results for f in r.rejects] == []
    assert [(w.code, w.message) for r in results for w in r.warnings] == []


def test_remittances_balance_at_line_claim_and_payment_level(loaded):
    con, _, _ = loaded
    unbalanced_lines = con.execute(
        "SELECT count(*) FROM remit_line l LEFT JOIN (SELECT remit_line_id, sum(amount) AS adj "
        "FROM adjustment WHERE level = 'line' GROUP BY ALL) a USING (remit_line_id) "
        "WHERE l.charge - coalesce(a.adj, 0) <> l.paid_amount"
    ).fetchone()[0]
    unbalanced_claims = con.execute(
        "SELECT count(*) FROM remit_claim c LEFT JOIN (SELECT remit_claim_id, sum(amount) AS adj "
        "FROM adjustment GROUP BY ALL) a USING (remit_claim_id) "
        "WHERE c.total_charge - coalesce(a.adj, 0) <> c.paid_amount"
    ).fetchone()[0]
    unbalanced_payments = con.execute(
        "SELECT count(*) FROM remit r "
        "LEFT JOIN (SELECT remit_id, sum(paid_amount) AS paid FROM remit_claim GROUP BY ALL) c "
        "USING (remit_id) "
        "LEFT JOIN (SELECT remit_id, sum(amount) AS plb FROM provider_adjustment GROUP BY ALL) p "
        "USING (remit_id) "
        "WHERE coalesce(c.paid, 0) - coalesce(p.plb, 0) <> r.payment_amount"
    ).fetchone()[0]
    assert (unbalanced_lines, unbalanced_claims, unbalanced_payments) == (0, 0, 0)


def test_loaded_totals_equal_the_generators_to_the_cent(loaded):
    con, _, truth = loaded
    counts, money = truth["counts"], truth["money"]
    assert con.execute("SELECT count(*), sum(total_charge) FROM claim").fetchone() == (
        counts["claims"], Decimal(money["claim_charge"]),
    )  # fmt: skip
    assert con.execute("SELECT count(*) FROM claim_line").fetchone()[0] == counts["claim_lines"]
    assert con.execute(
        "SELECT count(*), sum(total_charge), sum(paid_amount) FROM remit_claim"
    ).fetchone() == (counts["remit_claims"], Decimal(money["remit_charge"]),
                     Decimal(money["remit_paid"]))  # fmt: skip
    assert con.execute("SELECT count(*) FROM remit_line").fetchone()[0] == counts["remit_lines"]
    assert con.execute("SELECT sum(payment_amount), count(*) FROM remit").fetchone() == (
        Decimal(money["payments"]), counts["remit_files"],
    )  # fmt: skip
    assert con.execute("SELECT sum(amount) FROM provider_adjustment").fetchone()[0] == Decimal(
        money["provider_adjustments"]
    )


def test_the_practice_has_the_behaviours_the_demo_needs(loaded):
    con, _, truth = loaded
    present = con.execute(
        "SELECT"
        " (SELECT count(*) FROM remit_claim WHERE is_reversal),"
        " (SELECT count(*) FROM remit_claim WHERE status_code = '2'),"
        " (SELECT count(*) FROM remit_line WHERE submitted_procedure_code IS NOT NULL),"
        " (SELECT count(*) FROM claim WHERE frequency_code = '7' AND original_claim_number IS NOT NULL),"
        " (SELECT count(*) FROM remark WHERE code = 'N350'),"
        " (SELECT count(*) FROM adjustment WHERE group_code = 'CO' AND reason_code = '45'),"
        " (SELECT count(*) FROM adjustment WHERE group_code = 'PR'),"
        " (SELECT count(*) FROM provider_adjustment),"
        " (SELECT count(*) FROM adjustment WHERE reason_code IN ('18', '29')),"
        " (SELECT count(*) FROM claim_line WHERE procedure_code = '97139' AND description IS NULL),"
        " (SELECT count(DISTINCT rendering_npi) FROM claim),"
        " (SELECT count(DISTINCT payer_id) FROM claim)"
    ).fetchone()
    assert all(n > 0 for n in present), present
    assert present[-2] >= 5 and present[-1] == 5  # providers, primary payers
    docs = truth["realized"]["by_documentation"]
    rate = {k: v["denied"] / v["lines"] for k, v in docs.items()}
    assert rate["incomplete"] > rate["complete"]


def test_same_seed_same_bytes_and_another_seed_differs(practice, tmp_path):
    folder, _ = practice
    again = tmp_path / "again"
    generate(again, claims=CLAIMS, seed=SEED, start=START, months=MONTHS, practice=busy_practice())

    def digests(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()
        }  # fmt: skip

    assert digests(again) == digests(folder)
    other = tmp_path / "other"
    generate(other, claims=CLAIMS, seed=SEED + 1, start=START, months=MONTHS,
             practice=busy_practice())  # fmt: skip
    assert digests(other) != digests(folder)


def test_notes_and_contracts_are_written(practice):
    folder, truth = practice
    with (folder / "notes" / "notes.csv").open(newline="") as f:
        notes = list(csv.reader(f))  # a note holds line breaks: count rows, not lines
    assert notes[0][:3] == ["patient_control_number", "service_date", "provider_npi"]
    assert len(notes) - 1 == truth["counts"]["visits"]
    contracts = (folder / "contracts.csv").read_text().splitlines()
    assert "LKSHR01,LAKESHORE MUTUAL PPO,97139,,2025-03-01,,comparator,,97140" in contracts


def test_demo_command_generates_loads_and_then_reuses(tmp_path):
    command = [sys.executable, "-m", "unlisted.cli", "demo", "--no-serve", "--dir", str(tmp_path / "demo"),
               "--claims", "200"]  # fmt: skip
    first = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    assert "0 rejected." in first.stdout and "Headline: CPT 97139" in first.stdout
    second = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0
    assert "Reusing the demo database" in second.stdout
    assert json.loads(truth_path(tmp_path / "demo" / "files").read_text())["seed"] == 7


def test_documentation_rules_find_exactly_what_the_generator_wrote(practice, loaded):
    folder, truth = practice
    con, _, _ = loaded
    result = Loader(con).load(folder / "notes" / "notes.csv")
    assert (result.status, result.claims) == ("loaded", truth["counts"]["visits"])
    per_provider = con.execute(
        "SELECT provider_npi, count(*), count(*) FILTER (WHERE elements_present = 6) "
        "FROM treatment_note WHERE patient_control_number IN "
        "(SELECT DISTINCT c.patient_control_number FROM claim c JOIN claim_line l USING (claim_id) "
        " WHERE l.procedure_code = '97139') GROUP BY ALL ORDER BY 1"
    ).fetchall()
    expected = sorted(
        (npi, counts["lines_97139"], counts["complete"])
        for npi, counts in truth["realized"]["by_provider"].items()
    )
    assert per_provider == expected


def in_force_97139_lines(con) -> set[tuple[str, int]]:
    """(CLM01, line number) of every 97139 line of the claims in force in the files: a
    replacement (7) stands for its original, a duplicate is the first submission again."""
    return set(con.execute(
        "WITH version AS (SELECT claim_id, patient_control_number, row_number() OVER ("
        "  PARTITION BY payer_id, patient_control_number"
        "  ORDER BY frequency_code = '7' DESC, claim_id) AS rank FROM claim)"
        " SELECT v.patient_control_number, l.line_number FROM version v"
        " JOIN claim_line l USING (claim_id) WHERE v.rank = 1 AND l.procedure_code = '97139'"
    ).fetchall())  # fmt: skip


def test_line_faults_cover_every_97139_line_of_the_claims_in_force(loaded):
    con, _, truth = loaded
    listed = [(x["claim"], x["line"]) for x in truth["line_faults"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == in_force_97139_lines(con)
    assert {x["code"] for x in truth["line_faults"]} == {"97139"}
    assert all(x["rules"] == sorted(set(x["rules"])) for x in truth["line_faults"])
    counted = Counter(rule for x in truth["line_faults"] for rule in x["rules"])
    assert truth["fault_counts"] == {rule: counted[rule] for rule in RULES}
    # The busy practice replaces claims: a narrative fixed by a replacement is no fault.
    assert con.execute("SELECT count(*) FROM claim WHERE frequency_code = '7'").fetchone()[0] > 0


def test_note_faults_are_what_the_notes_file_says(practice):
    folder, truth = practice
    with (folder / "notes" / "notes.csv").open(newline="") as f:
        notes = {row["patient_control_number"]: row for row in csv.DictReader(f)}
    late = 0
    for line in truth["line_faults"]:
        note = notes[line["claim"]]
        signed, day = note["signed_date"], dt.date.fromisoformat(note["service_date"])
        expected = not signed or (dt.date.fromisoformat(signed) - day).days > 7
        assert ("late_signature" in line["rules"]) == expected, line
        late += expected
    assert late > 0
    # An unsigned note is a draft or carries no signature; a signed one never says "not signed".
    for note in notes.values():
        assert ("DRAFT - not signed" in note["note_text"]) <= (note["signed_date"] == "")
        assert int(note["timed_minutes"]) <= int(note["minutes"])


def test_the_demo_rules_file_holds_the_demo_facts_with_their_sources(practice):
    folder, _ = practice
    facts = tomllib.loads(facts_path(folder).read_text())
    assert facts["units_above_daily_max"]["daily_limits"]["97139"]["units"] == 2
    assert facts["minutes_units_mismatch"]["timing"]["97139"]["timed"] is True
    sources = [facts["units_above_daily_max"]["daily_limits"]["97139"]["source"],
               facts["minutes_units_mismatch"]["timing"]["97139"]["source"]]  # fmt: skip
    assert all("invented for the demo" in s for s in sources)


# -- the Medicare therapy threshold, checked by hand --------------------------------------------
ALICE = ("MB000000001", "SMITH", "ALICE", dt.date(1950, 1, 1))
BOB = ("MB000000002", "JONES", "BOB", dt.date(1948, 5, 5))


def medicare_line(patient, day, claim, number, code, mods, expected, charge="90.00"):
    """A Medicare line; amounts in dollars, held in cents."""
    return MedicareLine(patient, dt.date.fromisoformat(day), claim, number, code, tuple(mods),
                        None if expected is None else whole_cents(Decimal(expected)),
                        whole_cents(Decimal(charge)))  # fmt: skip


def test_the_threshold_truth_on_a_hand_checked_case():
    thresholds = {2025: Decimal("100.00"), 2026: Decimal("100.00")}
    lines = [
        # Alice, PT/SLP bucket. 2025-03-03, claim C1: 50 allowed by Medicare (its expected 60
        # does not count), then 41.50 expected (not answered yet): 91.50, at or under 100.
        medicare_line(ALICE, "2025-03-03", "C1", 1, "97110", ["GP"], "60.00"),
        medicare_line(ALICE, "2025-03-03", "C1", 2, "97139", ["GP", "KX"], "41.50"),
        # 2025-03-05, two claims the same day: C10 sorts before C2 (CLM01 as text). C10 line 1,
        # a GO line: the OT bucket, counted apart (its charge: no contract).
        medicare_line(ALICE, "2025-03-05", "C2", 1, "97139", ["GP"], "41.50"),
        medicare_line(ALICE, "2025-03-05", "C10", 1, "97530", ["GO"], None, "75.00"),
        # C10 line 2: a GN line counts with GP; Medicare denied it (0): still 91.50, and KX.
        medicare_line(ALICE, "2025-03-05", "C10", 2, "97139", ["GN", "KX"], "41.50"),
        # ... then C2 line 1 (above) adds 41.50: 133.00, past 100 without KX.
        # C2 line 2: past 100 with KX: no fault.
        medicare_line(ALICE, "2025-03-05", "C2", 2, "97139", ["GP", "KX"], "41.50"),
        # No therapy modifier: not a therapy line, neither counted nor checked.
        medicare_line(ALICE, "2025-03-06", "C3", 1, "97139", ["KX"], "41.50"),
        # A new year starts again from 0: 41.50 with KX is at or under the threshold.
        medicare_line(ALICE, "2026-01-05", "C4", 1, "97139", ["GP", "KX"], "41.50"),
        # Bob: exactly at the threshold with KX is a misuse; the next cent past it needs KX.
        medicare_line(BOB, "2025-06-02", "C5", 1, "97140", ["GP"], "58.50"),
        medicare_line(BOB, "2025-06-02", "C5", 2, "97139", ["GP", "KX"], "41.50"),
        medicare_line(BOB, "2025-06-09", "C6", 1, "97139", ["GP"], "0.01"),
    ]
    allowed = {("C1", 1): 5000, ("C10", 2): 0}  # cents, net of Medicare's answers
    assert threshold_faults(reversed(lines), allowed, thresholds) == {
        ("C1", 2): "kx_below_threshold",
        ("C10", 2): "kx_below_threshold",
        ("C2", 1): "therapy_threshold_no_kx",
        ("C4", 1): "kx_below_threshold",
        ("C5", 2): "kx_below_threshold",
        ("C6", 1): "therapy_threshold_no_kx",
    }


def test_the_demo_year_crosses_thresholds_and_leaves_notes_unsigned(tmp_path):
    truth = generate(tmp_path / "demo", claims=3000, seed=7)
    with (tmp_path / "demo" / "notes" / "notes.csv").open(newline="") as f:
        assert any(row["signed_date"] == "" for row in csv.DictReader(f))
    counts, faults = truth["counts"], truth["fault_counts"]
    share = counts["medicare_patient_years_past_threshold"] / counts["medicare_patient_years"]
    assert 0.05 < share < 0.3
    assert faults["therapy_threshold_no_kx"] > 0 and faults["kx_below_threshold"] > 0
    with_fault = {x["claim"] for x in truth["line_faults"] if x["rules"]}
    assert 0.25 <= len(with_fault) / len({x["claim"] for x in truth["line_faults"]}) <= 0.45
