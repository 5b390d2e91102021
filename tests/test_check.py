"""`unlisted check`: an outgoing 837P batch built by hand, checked against a practice's history.
Each finding appears where the batch has its fault and nowhere else; what blocks follows the
settings; the practice's database is read and never written; the outputs carry the same lines."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
from decimal import Decimal

import openpyxl
import pytest
from typer.testing import CliRunner
from unlisted.etl.database import connect
from unlisted.queries.presubmission import worksheet

from unlisted.cli import app
from unlisted.pipeline import load_files
from unlisted.presubmission import NotAClaimFile, check_batch
from unlisted.settings import load_config

from .test_notes_contracts import NOTE_COMPLETE, NOTE_THIN
from .test_rules import claim, line
from .x12build import claim_header, interchange, subscriber

NOTES_HEADER = ("patient_control_number,service_date,provider_npi,provider_name,credentials,"
                "minutes,signed_date,note_text\n")  # fmt: skip
# Outgoing claims: pcn -> (member id, payer, lines, claim-level segments).
BATCH = {
    "OUT-A": ("M-A", "PAYER01", [line()], ()),  # clean: narrative, GP, complete note
    "OUT-B": ("M-B", "PAYER01", [line(desc=None)], ()),  # no narrative; note given with --notes
    "OUT-C": ("M-C", "PAYER01", [line()], ()),  # a thin note
    "OUT-D": ("M-D", "PAYER01", [line()], ()),  # no note anywhere
    "OUT-E": ("M-E", "AUTHPAY", [line()], ()),  # a payer that requires authorization, none
    "OUT-F": ("M-F", "AUTHPAY", [line()], ("REF*G1*PA12345",)),  # ... with one
    "OUT-G": ("M-G", "PAYER01", [line(), line("97110", desc=None)], ()),  # same day, no 59
}
# Notes already in the practice's database (loaded with the history) ...
LOADED_NOTES = {"OUT-A": NOTE_COMPLETE, "OUT-C": NOTE_THIN, "OUT-E": NOTE_COMPLETE,
                "OUT-F": NOTE_COMPLETE, "OUT-G": NOTE_COMPLETE}  # fmt: skip
# ... and the one the biller gives with --notes.
GIVEN_NOTES = {"OUT-B": NOTE_COMPLETE}
RULES = """
[missing_prior_authorization.payers_requiring_auth]
AUTHPAY = "the payer's provider manual"
"""


def notes_csv(notes: dict[str, str]) -> str:
    return NOTES_HEADER + "".join(
        f'{pcn},2026-11-02,2234567014,"OKAFOR, ADA",DPT,25,2026-11-02,"{text}"\n'
        for pcn, text in notes.items()
    )


def batch_file(claims: dict, control: int = 41) -> str:
    segments = claim_header()
    for hl, (pcn, (member, payer, lines, extra)) in enumerate(claims.items(), start=2):
        segments += subscriber(hl, member=member, payer=payer) + claim(pcn, lines, extra)
    return interchange([segments], control=control)


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """A practice database holding the visits' notes (and an earlier claim of its own), the
    outgoing batch and the notes the biller gives beside it; made once for the module (a test
    that writes to the database copies it first)."""
    tmp_path = tmp_path_factory.mktemp("practice")
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("UNLISTED_RULES", str(rules))
        monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
        yield made_practice(tmp_path)


def made_practice(tmp_path):
    history = tmp_path / "history"
    history.mkdir()
    (history / "earlier.837").write_text(
        batch_file({"OLD-1": ("M-OLD", "PAYER01", [line()], ())}, control=40)
    )
    (history / "notes.csv").write_text(notes_csv(LOADED_NOTES))
    db = tmp_path / "practice.duckdb"
    con = connect(db)
    results = load_files(con, sorted(history.iterdir()), load_config())
    assert [r.status for r in results] == ["loaded", "loaded"]
    con.close()
    batch = tmp_path / "outgoing.837"
    batch.write_text(batch_file(BATCH))
    given = tmp_path / "given-notes.csv"
    given.write_text(notes_csv(GIVEN_NOTES))
    return db, batch, given


def by_claim(checked) -> dict[str, dict]:
    return {row["patient_control_number"]: row
            for row in checked.report.lines.iter_rows(named=True)}  # fmt: skip


def findings_by_claim(checked) -> dict[str, set[str]]:
    lines = checked.report.lines.select("claim_line_id", "patient_control_number")
    found: dict[str, set[str]] = {pcn: set() for pcn in lines["patient_control_number"]}
    for row in checked.report.findings.join(lines, on="claim_line_id").iter_rows(named=True):
        found[row["patient_control_number"]].add(row["finding"])
    return found


def test_each_fault_of_the_batch_is_found_where_it_is_and_nowhere_else(practice):
    db, batch, given = practice
    checked = check_batch(db, [batch], load_config(), notes=[given])
    assert checked.report.lines.height == 7  # the 97110 line of OUT-G is no target code
    assert findings_by_claim(checked) == {
        "OUT-A": set(),
        "OUT-B": {"missing_narrative"},
        "OUT-C": {"missing_documentation"},
        "OUT-D": {"missing_documentation"},
        "OUT-E": {"missing_prior_authorization"},
        "OUT-F": set(),
        "OUT-G": {"same_day_similar_code"},
    }
    rows = by_claim(checked)
    # High-severity findings block (the default [check] blocking_severities).
    assert {pcn for pcn, row in rows.items() if row["blocks"]} == {"OUT-B", "OUT-E", "OUT-G"}
    assert checked.report.blocked


def test_the_narrative_and_the_note_are_reported_with_what_is_missing_and_the_notes_words(practice):
    db, batch, given = practice
    rows = by_claim(check_batch(db, [batch], load_config(), notes=[given]))
    assert rows["OUT-B"]["narrative"] is None
    assert rows["OUT-B"]["narrative_needs"].startswith("a narrative in SV101-7 (at most 80")
    assert rows["OUT-A"]["narrative"] == "INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION"
    assert rows["OUT-A"]["narrative_needs"] == ""
    # The note given with --notes is read like a loaded one.
    assert rows["OUT-B"]["note_found"] and rows["OUT-B"]["missing_elements"] == ""
    assert rows["OUT-A"]["missing_elements"] == ""
    assert (
        'duration: "25 min this session; plan 2x/wk for 6 wks"' in rows["OUT-A"]["element_evidence"]
    )
    assert rows["OUT-D"]["missing_elements"] == "no note for this visit"
    assert rows["OUT-D"]["element_evidence"] == ""
    thin = rows["OUT-C"]
    assert thin["note_found"] and thin["elements_present"] == 0
    assert thin["missing_elements"] == ("description, purpose, duration, rationale, "
                                        "credentials, involvement")  # fmt: skip
    assert thin["documentation_needs"].startswith("description: what was done and how")
    assert "rationale: why this nonstandard service" in thin["documentation_needs"]


def test_what_blocks_follows_the_settings(practice, tmp_path):
    db, batch, given = practice
    config = load_config()
    config["check"] = {"blocking_severities": [], "blocking_rules": ["missing_documentation"],
                       "block_at_probability": None}  # fmt: skip
    rows = by_claim(check_batch(db, [batch], config, notes=[given]))
    assert {pcn for pcn, row in rows.items() if row["blocks"]} == {"OUT-C", "OUT-D"}
    config["check"]["blocking_rules"] = ["no_such_rule"]
    with pytest.raises(Exception, match="blocking_rules names no rule of the rules file: "
                                        "no_such_rule"):  # fmt: skip
        check_batch(db, [batch], config, notes=[given])


def test_the_practice_database_is_read_and_never_written(practice):
    db, batch, given = practice
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    check_batch(db, [batch], load_config(), notes=[given])
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    con = connect(db)
    assert con.execute("SELECT count(*) FROM claim").fetchone() == (1,)
    assert con.execute("SELECT count(*) FROM treatment_note").fetchone() == (5,)
    con.close()


def test_a_batch_without_history_is_checked_against_the_rules_alone(practice, tmp_path):
    _, batch, given = practice
    checked = check_batch(tmp_path / "none.duckdb", [batch], load_config(), notes=[given])
    assert not (tmp_path / "none.duckdb").exists()
    rows = by_claim(checked)
    assert rows["OUT-A"]["missing_elements"] == "no note for this visit"
    found = findings_by_claim(checked)
    assert found["OUT-A"] == {"missing_documentation"}  # its note is in no database now
    assert found["OUT-B"] == {"missing_narrative"}  # its note was given
    assert found["OUT-E"] == {"missing_prior_authorization", "missing_documentation"}


def test_a_remittance_given_as_the_batch_is_refused(practice, tmp_path):
    db, _, _ = practice
    remit = tmp_path / "remit.835"
    remit.write_text(interchange([["BPR*I*0*C*NON************20261201", "TRN*1*T*1"]],
                                 kind="835", control=9))  # fmt: skip
    with pytest.raises(NotAClaimFile, match="not outgoing 837P claims"):
        check_batch(db, [remit], load_config())


runner = CliRunner()


def test_exit_status_stops_a_batch_with_a_blocking_line_only(practice, tmp_path):
    db, batch, given = practice
    clean = tmp_path / "clean.837"
    clean.write_text(batch_file({"OUT-A": BATCH["OUT-A"], "OUT-F": BATCH["OUT-F"]}, control=43))
    ok = runner.invoke(app, ["check", str(clean), "--db", str(db)])
    assert ok.exit_code == 0, ok.output
    assert "2 lines checked; 0 block the batch." in ok.output
    blocked = runner.invoke(app, ["check", str(batch), "--notes", str(given), "--db", str(db)])
    assert blocked.exit_code == 1, blocked.output
    assert "7 lines checked; 3 block the batch." in blocked.output
    broken = tmp_path / "broken.837"
    broken.write_text("ISA*00*garbage~")
    refused = runner.invoke(app, ["check", str(broken), "--db", str(db)])
    assert refused.exit_code == 1 and "broken.837: rejected" in refused.output
    missing = runner.invoke(app, ["check", str(tmp_path / "nope.837"), "--db", str(db)])
    assert missing.exit_code == 2


def test_json_csv_and_the_worksheet_carry_the_same_lines(practice, tmp_path):
    db, batch, given = practice
    args = ["check", str(batch), "--notes", str(given), "--db", str(db)]
    as_json = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert as_json["blocked"] is True
    assert len(as_json["lines"]) == 7
    (auth,) = [x for x in as_json["lines"] if x["patient_control_number"] == "OUT-E"]
    assert [f["finding"] for f in auth["findings"]] == ["missing_prior_authorization"]
    assert auth["findings"][0]["fix"].startswith("Get the payer's authorization")
    csv_text = runner.invoke(app, [*args, "--format", "csv"]).output
    header = csv_text.splitlines()[0]
    assert header.startswith("Rank,Claim (CLM01),Line,Service date,Payer,Payer id,")
    assert len(csv_text.splitlines()) == 8
    book_path = tmp_path / "check.xlsx"
    result = runner.invoke(app, [*args, "--excel", str(book_path)])
    assert result.exit_code == 1
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames == ["Lines", "Findings", "About"]
    lines = book["Lines"]
    assert lines.freeze_panes == "A2"
    assert lines.max_row == 8
    assert [c.value for c in lines[1]][:3] == ["Rank", "Claim (CLM01)", "Line"]
    assert book["Findings"].max_row == 1 + 5  # one finding on each of the five faulty lines


def test_text_from_the_batch_reaches_no_spreadsheet_as_a_formula(practice, tmp_path):
    db, _, _ = practice
    hostile = tmp_path / "hostile.837"
    hostile.write_text(
        batch_file({"=HYPERLINK(1)": ("M-H", "PAYER01", [line(desc="=1+2 CMD")], ())}, control=44)
    )
    checked = check_batch(db, [hostile], load_config())
    sheet = worksheet(checked.report)
    assert sheet["Narrative on the claim"].to_list() == ["=1+2 CMD"]  # the value, as sent
    result = runner.invoke(app, ["check", str(hostile), "--db", str(db), "--format", "csv"])
    assert "\n1,'=HYPERLINK(1),1," in result.output
    assert ",'=1+2 CMD," in result.output
    stream = io.BytesIO()
    from unlisted.check_writer import write_worksheet

    write_worksheet(checked, stream)
    book = openpyxl.load_workbook(io.BytesIO(stream.getvalue()))
    cells = [c.value for c in book["Lines"][2]]
    assert "'=HYPERLINK(1)" in cells and "'=1+2 CMD" in cells


def test_a_claim_already_sent_is_stopped_unless_it_goes_as_a_replacement(practice, tmp_path):
    db, _, _ = practice
    again = tmp_path / "again.837"
    again.write_text(batch_file({"OLD-1": ("M-OLD", "PAYER01", [line()], ())}, control=45))
    note = tmp_path / "old-note.csv"
    note.write_text(notes_csv({"OLD-1": NOTE_COMPLETE}))
    checked = check_batch(db, [again], load_config(), notes=[note])
    (row,) = checked.report.lines.iter_rows(named=True)
    assert not row["in_force"]  # the first original stays the claim in force
    assert row["blocks"]
    # The visit's note is read all the same.
    assert row["note_found"] and row["missing_elements"] == ""
    assert row["element_evidence"].endswith('involvement: "One-on-one, hands-on throughout"')
    (finding,) = checked.report.findings.iter_rows(named=True)
    assert finding["finding"] == "sent_before"
    assert finding["evidence"].startswith("CLM01 OLD-1 to PAYER01 was loaded from earlier.837 on ")
    assert finding["evidence"].endswith("; this copy is an original (frequency 1)")
    assert finding["fix"].startswith("Do not send it again as an original")
    replacement = tmp_path / "replacement.837"
    text = batch_file({"OLD-1": ("M-OLD", "PAYER01", [line()], ("REF*F8*ICN-OLD-1",))}, control=46)
    replacement.write_text(text.replace("*11:B:1*", "*11:B:7*"))
    checked = check_batch(db, [replacement], load_config(), notes=[note])
    (row,) = checked.report.lines.iter_rows(named=True)
    assert row["in_force"] and not row["blocks"]
    assert checked.report.findings.is_empty()


CONTRACTS = """payer_id,payer_name,code,modifier,effective_from,effective_to,method,amount,comparator_code
PAYER01,ACME HEALTH,97139,,2026-01-01,,fixed,45.125,
AUTHPAY,ACME HEALTH,97139,,2026-01-01,,percent,0.555,
"""


def test_a_contract_prices_each_line_and_sets_the_dollars_at_stake(practice, tmp_path):
    shared, batch, given = practice
    db = tmp_path / "practice.duckdb"  # a copy: the contracts are this test's alone
    shutil.copyfile(shared, db)
    contracts = tmp_path / "contracts.csv"
    contracts.write_text(CONTRACTS)
    con = connect(db)
    (loaded,) = load_files(con, [contracts], load_config())
    assert loaded.status == "loaded"
    con.close()
    rows = by_claim(check_batch(db, [batch], load_config(), notes=[given],
                                as_of=dt.date(2026, 12, 1)))  # fmt: skip
    # fixed: $45.125 a unit x 1 unit, half up to the cent
    assert (rows["OUT-A"]["price_basis"], rows["OUT-A"]["expected_allowed"]) == (
        "contract", Decimal("45.13"))
    assert rows["OUT-A"]["dollars_at_stake"] == Decimal("45.13")
    # percent: 0.555 of the $100.00 charge
    assert rows["OUT-E"]["expected_allowed"] == Decimal("55.50")
    assert rows["OUT-E"]["dollars_at_stake"] == Decimal("55.50")
    # Without prices (no database), the charge is at stake.
    bare = by_claim(check_batch(tmp_path / "none.duckdb", [batch], load_config()))
    assert bare["OUT-A"]["expected_allowed"] is None
    assert bare["OUT-A"]["dollars_at_stake"] == Decimal("100.00")
