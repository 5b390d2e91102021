"""Appeal letters, appeals sent and their outcomes, on a hand-built practice.

PAYER01 (ACME HEALTH, contract 97139 at $45.00 a unit) denied three 97139 lines of 2026-11-02
on its 2026-11-20 run: AP1 CO-50 (medical necessity), AP2 CO-16 with MA130 (unprocessable),
AP3 CO-16 with N350 (narrative missing); PD1 was paid. Appeals of AP1 and AP3 are sent on
2026-11-25; the 2026-12-05 run pays AP1 $45.00 and denies AP3 again."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import zipfile
from decimal import Decimal

import polars as pl
import pytest
from typer.testing import CliRunner
from unlisted.etl.appeals import AppealRefused, record_appeal
from unlisted.queries.appeal_letter import (
    AmbiguousClaim,
    ClaimNotFound,
    NoDeniedLine,
    Sender,
    appeal_letter,
    build_letter,
)
from unlisted.queries.elements import ELEMENTS
from unlisted.queries.metrics import (
    Filters,
    Settings,
    appeal_figures,
    appeal_outcomes,
    exact_rows,
    open_appeals,
)

from unlisted.appeal_writer import letter_docx, letter_pdf, write_letter
from unlisted.pipeline import rebuild_marts

from .test_line_adjudication import svc
from .test_remittance_edge_cases import clp, payment
from .x12build import claim_header, interchange, subscriber

D = Decimal
MARKUP = "IASTM R KNEE <script>alert(1)</script>"  # SV101-7: 80 characters at most
NOTE_AP1 = (
    "Pt reports pain 4/10. Performed instrument assisted soft tissue mobilization to the R knee, "
    "moderate tenderness reduced. Goal: improve knee flexion ROM so pt can climb stairs at home. "
    "25 min this session; plan 2x/wk for 6 wks. "
    "One-on-one, hands-on throughout. Electronically signed Ada Okafor, DPT."
)
CLAIM_NOTE = '=HYPERLINK("http://evil.example","x") LEFT KNEE PAIN'  # a claim NTE
NOTES = f"""patient_control_number,service_date,provider_npi,provider_name,credentials,minutes,signed_date,note_text
AP1,2026-11-02,2234567014,"OKAFOR, ADA",DPT,25,2026-11-03,"{NOTE_AP1}"
"""
CONTRACTS = """payer_id,code,method,amount,effective_from,comparator_code
PAYER01,97139,fixed,45.00,2026-01-01,
"""
COMPARATOR = {
    "payer_id": "PAYER01", "payer_name": "ACME HEALTH", "code": "97139",
    "comparator_code": "97140", "comparator_share": 0.8, "basis": "history",
    "per_unit": D("41.50"), "low": D("38.00"), "high": D("44.00"), "lines": 12,
    "first_service_date": dt.date(2026, 1, 5), "last_service_date": dt.date(2026, 10, 30),
    "contract_method": None, "contract_amount": None,
}  # fmt: skip
SENDER = Sender(practice_name="RIVERSIDE PHYSICAL THERAPY", address=("1 MAIN ST",),
                phone="555-0100", signer_name="Ada Okafor", signer_title="DPT")  # fmt: skip
AS_OF = dt.date(2026, 12, 1)
SENT = dt.date(2026, 11, 25)
TODAY = dt.date(2026, 12, 8)


def claim(pcn, narrative, auth=None, note=None):
    segments = [f"CLM*{pcn}*100***11:B:1*Y*A*Y*Y"]
    segments += [f"REF*G1*{auth}"] if auth else []
    segments += [f"NTE*ADD*{note}"] if note else []
    segments += ["HI*ABK:M25561", "NM1*82*1*OKAFOR*ADA****XX*2234567014",
                 "PRV*PE*PXC*225100000X", "LX*1",
                 f"SV1*HC:97139:GP::::{narrative}*100*UN*1***1" if narrative else
                 "SV1*HC:97139:GP*100*UN*1***1",
                 "DTP*472*D8*20261102", f"REF*6R*{pcn}-1"]  # fmt: skip
    return segments


def claims(payer="PAYER01", *pcns):
    return (
        claim_header()
        + subscriber(2, payer=payer)
        + [
            s
            for pcn in pcns
            for s in claim(
                pcn,
                MARKUP if pcn == "AP1" else None,
                auth="AUTH77" if pcn == "AP1" else None,
                note=CLAIM_NOTE if pcn == "AP1" else None,
            )
        ]
    )


RUN1 = payment("45", "20261120", "RUN1") + [
    *clp("AP1", "4", "100", "0"), *svc("97139", 100, 0, "CAS*CO*50*100", control="AP1-1"),
    *clp("AP2", "4", "100", "0"),
    *svc("97139", 100, 0, "CAS*CO*16*100", control="AP2-1", remark="MA130"),
    *clp("AP3", "4", "100", "0"),
    *svc("97139", 100, 0, "CAS*CO*16*100", control="AP3-1", remark="N350"),
    *clp("PD1", "1", "100", "45"),
    *svc("97139", 100, 45, "CAS*CO*45*55", control="PD1-1"),
]  # fmt: skip
RUN2 = payment("45", "20261205", "RUN2") + [
    *clp("AP1", "1", "100", "45"), *svc("97139", 100, 45, "CAS*CO*45*55", control="AP1-1"),
    *clp("AP3", "4", "100", "0"), *svc("97139", 100, 0, "CAS*CO*16*100", control="AP3-1"),
]  # fmt: skip


def load(tmp_path, loader, db, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        result = loader.load(tmp_path / name)
        assert result.status == "loaded" and not result.rejects, (name, result.message)
    rebuild_marts(db)


@pytest.fixture
def practice(tmp_path, loader, db):
    load(tmp_path, loader, db, {
        "claims.837": interchange([claims("PAYER01", "AP1", "AP2", "AP3", "PD1")]),
        "other.837": interchange([claims("PAYER02", "PD1")], control=2),
        "notes.csv": NOTES, "contracts.csv": CONTRACTS,
        "run1.835": interchange([RUN1], kind="835", control=3),
    })  # fmt: skip
    return db


def letter_of(db, pcn, comparator=COMPARATOR, policies=None):
    prices = pl.DataFrame([comparator]) if comparator else None
    return appeal_letter(db, pcn, "PAYER01", prices, ["97139"], SENDER, policies or {}, AS_OF)


def docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def pdf_text(path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True)  # fmt: skip
    return done.stdout


# -- the letter ----------------------------------------------------------------------------------
def test_the_letter_carries_what_the_record_shows(practice):
    letter = letter_of(practice, "AP1")
    assert (letter.kind, letter.category, letter.payer_id, letter.payer_name) == (
        "appeal",
        "medical_necessity",
        "PAYER01",
        "ACME HEALTH",
    )
    assert letter.payer_claim_numbers == ("ICN-AP1",)
    (line,) = letter.lines
    assert (line.line_number, line.control_number, line.service_date, line.code, line.modifiers,
            line.units, line.charge, line.at_stake, line.denial_group, line.denial_carc,
            line.denial_label) == (
        1, "AP1-1", dt.date(2026, 11, 2), "97139", ("GP",), D("1"), D("100.00"), D("45.00"),
        "CO", "50", "Not medically necessary per payer")  # fmt: skip
    assert letter.narratives == (f"Line 1: {MARKUP}", f"Claim: ADD: {CLAIM_NOTE}")
    assert letter.prior_authorization == "AUTH77"
    assert (
        letter.provider.name,
        letter.provider.npi,
        letter.provider.credentials,
        letter.provider.taxonomy,
    ) == ("OKAFOR, ADA", "2234567014", "DPT", "225100000X")
    present = {e.element: e.quote for e in letter.evidence if e.present}
    # The note has no rationale sentence: five elements are quoted, the sixth is to complete.
    assert sorted(present) == ["credentials", "description", "duration", "involvement",
                               "purpose"]  # fmt: skip
    assert (
        present["description"] in NOTE_AP1
        and "soft tissue mobilization" in (present["description"])
    )
    assert {k: present[k] for k in ("purpose", "duration", "credentials", "involvement")} == {
        "purpose": "Goal: improve knee flexion ROM so pt can climb stairs at home",
        "duration": "25 min this session; plan 2x/wk for 6 wks",
        "credentials": "Electronically signed Ada Okafor, DPT",
        "involvement": "One-on-one, hands-on throughout",
    }
    assert (letter.patient_name, letter.member_id) == ("PAT TESTER", "M0001")
    # The note shows no rationale: the letter does not say the service needed a therapist's
    # skill, it asks the clinician to.
    assert not any("skill" in p for p in letter.request)
    assert "It served the functional goal the note records (quoted below)." in letter.request
    assert letter.to_complete == (
        "State what made the service need a therapist's skill.",
        "Enclose the plan of care and a progress report showing objective, measured progress "
        "toward the goal.",
        "Cite the payer's coverage policy the service meets (set [appeal_letters.payer_policy] "
        "for this payer).",
        "The note of 2026-11-02 does not show: clinical rationale for a nonstandard approach. Add "
        "it from the record, or leave it out of the letter.",
        "Explain why the comparable code fits (time, equipment, skill).",
        "Sign the letter.",
    )
    assert any(
        "2026-11-02 does not show: clinical rationale" in item for item in letter.to_complete
    )
    # Medical necessity without a payer policy set: the letter asks for it, claims none.
    assert any("coverage policy" in item for item in letter.to_complete)
    assert not any("coverage policy" in p for p in letter.request)


def test_docx_and_pdf_say_the_same_and_claim_nothing_missing(practice, tmp_path):
    letter = letter_of(practice, "AP1", policies={"PAYER01": "Acme policy PT-12"})
    docx_path, pdf_path = write_letter(letter, tmp_path / "out")
    assert (docx_path.name, pdf_path.name) == ("appeal-PAYER01-AP1.docx", "appeal-PAYER01-AP1.pdf")
    quotes = [e.quote for e in letter.evidence if e.quote]
    for text in (docx_text(docx_path.read_bytes()), pdf_text(pdf_path)):
        flat = " ".join(text.split())
        for expected in ("AP1", "ICN-AP1", "2026-11-02", "97139", "AP1-1", "$100.00",
                         "ACME HEALTH", "payer id PAYER01", "CO-50",
                         "Not medically necessary per payer", "Medical necessity",
                         "OKAFOR, ADA", "2234567014", "DPT", "225100000X", "AUTH77",
                         "LEFT KNEE PAIN", "The service meets your coverage policy: Acme policy "
                         "PT-12.", "Comparable code: 97140 for 97139, valued at $41.50 per "
                         "unit: the median this payer allowed over 12 paid lines (middle half "
                         "$38.00 to $44.00), which it paid as 97140 (80% of them).",
                         "To complete before sending",
                         "The treatment note of 2026-11-02",
                         "The note of 2026-11-02 does not show: clinical rationale for a "
                         "nonstandard approach."):  # fmt: skip
            assert expected in flat, expected
        for quote in quotes:
            assert " ".join(quote.split()) in flat, quote
        # The rationale is to complete, never stated as documented.
        assert "Clinical rationale for a nonstandard approach:" not in flat
    png = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf_path),
                    str(png)], check=True)  # fmt: skip
    assert list(tmp_path.glob("page*.png"))


def test_markup_from_the_files_comes_out_inert(practice, tmp_path):
    letter = letter_of(practice, "AP1")
    data = letter_docx(letter)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml and "<script" not in xml
    assert '=HYPERLINK("http://evil.example","x")' in xml  # as text ...
    assert "instrText" not in xml and "fldSimple" not in xml and "w:hyperlink" not in xml
    assert "evil.example" not in rels  # ... never a field or a link
    (tmp_path / "l.pdf").write_bytes(letter_pdf(letter))
    assert "/URI" not in (tmp_path / "l.pdf").read_bytes().decode("latin-1")
    assert MARKUP in pdf_text(tmp_path / "l.pdf")


def test_pdf_survives_characters_outside_latin_1(practice, tmp_path):
    sender = Sender(practice_name="Ærø Physio \u2014 \u6771\u4eac \U0001f600",
                    signer_name="Zoë \u0141ukasz")  # fmt: skip
    letter = appeal_letter(practice, "AP1", None, None, ["97139"], sender, {}, AS_OF)
    (tmp_path / "l.pdf").write_bytes(letter_pdf(letter))
    text = pdf_text(tmp_path / "l.pdf")
    assert "Ærø Physio - ?? ?" in text and "Zoë ?ukasz" in text
    assert "Ærø Physio \u2014 \u6771\u4eac" in docx_text(letter_docx(letter))


def test_unprocessable_claim_gets_no_appeal(practice):
    letter = letter_of(practice, "AP2")
    assert letter.kind == "resubmit"
    assert letter.subject == "No appeal: claim AP2 is to be corrected and sent again"
    assert "has no appeal rights" in letter.request[0]
    assert letter.to_complete == ()
    text = docx_text(letter_docx(letter))
    assert "We ask you to reconsider" not in text and "The treatment note" not in text
    assert "For the billing staff, 2026-12-01. Payer: ACME HEALTH (payer id PAYER01)." in text
    assert "To: ACME HEALTH" not in text  # a notice for the practice, not a letter to the payer


def test_missing_information_names_what_the_remark_asks(practice):
    letter = letter_of(practice, "AP3", comparator=None)
    assert (letter.kind, letter.category) == ("appeal", "documentation")
    assert ("The denial says information was missing. The remittance named: N350 (Unlisted or "
            "NOC code: description missing). This letter and its enclosures supply it."
            ) in letter.request  # fmt: skip
    assert letter.narratives == ()
    assert "No treatment note was loaded for the visit of 2026-11-02: enclose the signed note." in (
        letter.to_complete
    )
    assert "Name a comparable code for the unlisted service." in letter.to_complete


def test_claims_that_cannot_be_drafted(practice):
    with pytest.raises(ClaimNotFound):
        appeal_letter(practice, "NOPE", None, None, ["97139"], SENDER, {}, AS_OF)
    with pytest.raises(AmbiguousClaim) as found:
        appeal_letter(practice, "PD1", None, None, ["97139"], SENDER, {}, AS_OF)
    assert found.value.payers == ["PAYER01", "PAYER02"]
    with pytest.raises(NoDeniedLine):
        appeal_letter(practice, "PD1", "PAYER01", None, ["97139"], SENDER, {}, AS_OF)


# -- appeals sent and their outcomes --------------------------------------------------------------
def figures(db, as_of):
    settings = Settings(min_count=1, as_of=as_of)
    got = exact_rows(appeal_figures(appeal_outcomes(db, Filters(codes=("97139",))), settings))
    return {r["metric"]: (r["numerator"], r["denominator"], r["value"]) for r in got}


def test_appeals_open_then_close_by_later_remittances(practice, tmp_path, loader):
    first = record_appeal(practice, "AP1", None, SENT, "first level", "faxed", TODAY)
    second = record_appeal(practice, "AP3", "PAYER01", SENT, "first level", None, TODAY)
    assert (first.appeal_id, first.lines, second.appeal_id) == (1, 1, 2)
    settings = Settings(min_count=1, as_of=AS_OF)
    opened = open_appeals(appeal_outcomes(practice, Filters(codes=("97139",))), settings)
    assert opened.select("patient_control_number", "age_days", "age_band", "at_stake",
                         "charge").collect().rows() == [
        ("AP1", 6, "0-30", D("45.00"), D("100.00")),
        ("AP3", 6, "0-30", D("45.00"), D("100.00"))]  # fmt: skip
    got = figures(practice, AS_OF)
    assert got["appeals_open_lines"] == (2, 2, 2)
    assert got["appeals_open_at_stake"] == ("90.00", 2, "90.00")
    assert got["appeals_open_0-30"] == (2, 2, 2) and got["appeals_open_31-60"] == (0, 2, 0)
    assert got["appeal_overturn_rate"] == (0, 0, None)  # nothing answered: no rate

    load(tmp_path, loader, practice, {"run2.835": interchange([RUN2], kind="835", control=4)})
    rows = practice.execute(
        "SELECT patient_control_number, outcome, closed_date, days_open, paid, answer_carc "
        "FROM appeal_outcome ORDER BY appeal_id"
    ).fetchall()
    assert rows == [("AP1", "overturned", dt.date(2026, 12, 5), 10, D("45.00"), None),
                    ("AP3", "upheld", dt.date(2026, 12, 5), 10, D("0.00"), "16")]  # fmt: skip
    # 1 of the 2 answered appealed lines was paid.
    assert figures(practice, dt.date(2026, 12, 8))["appeal_overturn_rate"] == (1, 2, 0.5)
    assert figures(practice, dt.date(2026, 12, 8))["appeals_open_lines"] == (0, 2, 0)
    # `unlisted metrics` gives the same figures beside the others.
    from unlisted.cli import app

    practice.close()  # the command opens the file itself
    shown = CliRunner().invoke(app, ["metrics", "--db", str(tmp_path / "test.duckdb"),
                                     "--as-of", "2026-12-08", "--min-count", "1",
                                     "--format", "json"])  # fmt: skip
    got = {r["metric"]: (r["numerator"], r["denominator"], r["value"])
           for r in json.loads(shown.output)}  # fmt: skip
    assert got["appeal_overturn_rate"] == (1, 2, 0.5)
    assert got["appeals_open_lines"] == (0, 2, 0)
    assert "appeals_open_0-30" not in got  # the age bands are unlisted appeal list's


def test_an_answer_before_the_appeal_is_not_its_answer(practice):
    # Sent on the day of the denial's own run: that run is not after it, so still open.
    record_appeal(practice, "AP1", None, dt.date(2026, 11, 20), "first level", None, TODAY)
    assert practice.execute("SELECT outcome FROM appeal_outcome").fetchall() == [("open",)]


def test_refusals(practice):
    with pytest.raises(AppealRefused, match="in the future"):
        record_appeal(practice, "AP1", None, dt.date(2026, 12, 9), "first level", None, TODAY)
    with pytest.raises(ClaimNotFound):
        record_appeal(practice, "NOPE", None, SENT, "first level", None, TODAY)
    with pytest.raises(AmbiguousClaim):
        record_appeal(practice, "PD1", None, SENT, "first level", None, TODAY)
    with pytest.raises(AppealRefused, match="no finally denied line"):
        record_appeal(practice, "PD1", "PAYER01", SENT, "first level", None, TODAY)
    record_appeal(practice, "AP1", None, SENT, "first level", None, TODAY)
    with pytest.raises(AppealRefused, match="appeal 1 already records these lines"):
        record_appeal(practice, "AP1", None, SENT, "second level", None, TODAY)
    # Refused appeals leave nothing behind; a later date is another appeal.
    assert practice.execute("SELECT count(*) FROM appeal_line").fetchone()[0] == 1
    assert record_appeal(practice, "AP1", None, TODAY, "second level", None, TODAY).appeal_id == 2


# -- the commands ---------------------------------------------------------------------------------
def test_commands_draft_mark_and_list(practice, tmp_path, monkeypatch):
    from unlisted.cli import app

    path = practice.execute("SELECT path FROM duckdb_databases() WHERE database_name = "
                            "current_database()").fetchone()[0]  # fmt: skip
    practice.close()
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    runner = CliRunner(env={"COLUMNS": "200"})
    out = tmp_path / "letters"
    done = runner.invoke(app, ["appeal", "draft", "--db", path, "--out", str(out),
                               "--as-of", "2026-12-01"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == [
        f"appeal-PAYER01-{c}.{x}" for c in ("AP1", "AP2", "AP3") for x in ("docx", "pdf")
    ]
    assert "no appeal: correct and resubmit" in done.output
    # The contract prices 97139 at $45.00 a unit and names no comparable code.
    flat = " ".join(docx_text((out / "appeal-PAYER01-AP1.docx").read_bytes()).split())
    assert "A comparable code is to be named (see below)." in flat

    done = runner.invoke(app, ["appeal", "mark", "PD1", "--sent", "2026-11-25", "--db", path])
    assert done.exit_code == 1
    assert "several payers (PAYER01, PAYER02)" in done.output and "PD1" not in done.output
    done = runner.invoke(app, ["appeal", "mark", "AP1", "--sent", "2026-11-25", "--db", path,
                               "--level", "third"])  # fmt: skip
    assert done.exit_code == 2
    done = runner.invoke(app, ["appeal", "mark", "AP1", "--sent", "2026-11-25", "--db", path])
    assert done.exit_code == 0, done.output
    assert "Recorded appeal 1 to PAYER01: 1 denied line(s), sent 2026-11-25" in done.output
    done = runner.invoke(app, ["appeal", "list", "--format", "json", "--db", path,
                               "--as-of", "2026-12-01"])  # fmt: skip
    assert done.exit_code == 0, done.output
    listed = json.loads(done.output)
    assert [(a["patient_control_number"], a["outcome"], a["age_days"], a["at_stake"])
            for a in listed["appeals"]] == [("AP1", "open", 6, "45.00")]  # fmt: skip
    done = runner.invoke(app, ["appeal", "list", "--db", path, "--as-of", "2026-12-01"])
    assert done.exit_code == 0, done.output
    assert "Overturn rate over appeals answered: 0 of 0 (suppressed: fewer than 11 lines (0))." in (
        " ".join(done.output.split())
    )
    done = runner.invoke(app, ["appeal", "list", "--format", "csv", "--db", path,
                               "--as-of", "2026-12-01"])  # fmt: skip
    assert done.output.splitlines()[1].startswith("1,PAYER01,AP1,1,97139,2026-11-02,2026-11-25,")


# -- the argument per denial category, from rows built by hand -----------------------------------
def facts(category, carc, modifiers=("GP",), auth=None, remarks=()):
    claim_row = {
        "claim_id": 1, "patient_control_number": "X1", "payer_id": "P1", "payer_name": "PAYER",
        "subscriber_member_id": "M1", "patient_first_name": None, "patient_last_name": None,
        "subscriber_first_name": "ANA", "subscriber_last_name": "ROE",
        "patient_birth_date": None, "billing_name": "CLINIC", "billing_npi": "1234567893",
        "rendering_name": "DOE", "rendering_npi": "2234567014", "rendering_taxonomy": None,
        "prior_authorization": auth, "diagnosis_codes": None, "claim_note": None,
        "payer_claim_numbers": ["ICN1"],
    }  # fmt: skip
    line = {
        "line_number": 1, "line_control_number": "X1-1", "service_date": dt.date(2026, 11, 2),
        "service_date_end": None, "procedure_code": "97139",
        **{f"modifier_{k}": (list(modifiers) + [None] * 4)[k - 1] for k in range(1, 5)},
        "units": D("1"), "charge": D("100.00"), "at_stake": D("100.00"),
        "description": "IASTM", "line_note": None, "line_rendering_name": None,
        "line_rendering_npi": None, "line_rendering_taxonomy": None,
        "line_prior_authorization": None, "final_denial_group": "CO",
        "final_denial_carc": carc, "denial_label": None, "final_denial_category": category,
        "denial_category_label": None, "final_denial_date": dt.date(2026, 11, 20),
        "remarks": [{"code": c, "label": None} for c in remarks],
    }  # fmt: skip
    return {"claim": claim_row, "lines": [line], "notes": []}


def test_the_request_follows_the_denial_category():
    def built(*args, **kwargs):
        return build_letter(facts(*args, **kwargs), None, SENDER, None, AS_OF)

    letter = built("authorization", "197")
    assert letter.kind == "appeal" and letter.patient_name == "ANA ROE"
    assert ("The claim carries no authorization number: give the number and dates, or enclose "
            "proof that none was required.") in letter.to_complete  # fmt: skip
    letter = built("authorization", "197", auth="PA-9")
    assert "The claim carried authorization number PA-9." in letter.request
    letter = built("bundling", "97", modifiers=("GP", "59"))
    assert ("The line was billed with modifier 59, which marks a distinct procedural service."
            in letter.request)  # fmt: skip
    assert any("never add a modifier only to pass the edit" in t for t in letter.to_complete)
    letter = built("bundling", "97")
    assert letter.request == ("We ask you to reconsider the denial of the service lines listed "
                              "below and to pay them.",)  # fmt: skip
    letter = built("duplicate", "18")
    assert (letter.kind, letter.subject) == ("reopening", "Request for reopening of claim X1")
    letter = built("non_covered", "96")
    assert any("plan benefit" in t for t in letter.to_complete)
    # A late claim is argued only with proof of filing in time, which the record does not hold.
    letter = built("timely_filing", "29")
    assert letter.to_complete[0].startswith(
        "Enclose proof the claim was filed in time: the clearinghouse's acceptance reports (999 "
        "and 277CA)")
    assert not any("State why the denial is wrong" in t for t in letter.to_complete)
    letter = built("coding", "189")
    assert letter.to_complete[0].startswith("Explain why no specific code describes the service")
    # CO-16 with MA130 is never appealed, whatever its category.
    letter = built("documentation", "16", remarks=("MA130", "N290"))
    assert letter.kind == "resubmit" and letter.request[1] == (
        "To correct: remark N290, no label in the reference list."
    )
    assert build_letter(facts("documentation", "16", remarks=("N290",)), None, SENDER, None,
                        AS_OF).kind == "appeal"  # CO-16 without MA130: appealable  # fmt: skip


def test_each_visit_is_quoted_from_its_own_note_and_a_visit_without_one_is_named():
    made = facts("medical_necessity", "50")
    second = {**made["lines"][0], "line_number": 2, "line_control_number": "X1-2",
              "service_date": dt.date(2026, 11, 9), "note_id": None}  # fmt: skip
    made["lines"] = [{**made["lines"][0], "note_id": 7}, second]
    made["notes"] = [{
        "service_date": dt.date(2026, 11, 2), "provider_name": "DOE, JO", "credentials": "PT",
        "provider_npi": "2234567014", "signed_date": dt.date(2026, 11, 2),
        **{f"has_{e}": e != "duration" for e in ELEMENTS},
        **{f"{e}_evidence": None if e == "duration" else f"{e} phrase" for e in ELEMENTS},
    }]  # fmt: skip
    made["notes"][0]["involvement_evidence"] = "checklist: has_involvement"
    letter = build_letter(made, None, SENDER, None, AS_OF)
    assert [(e.element, e.quote, e.source) for e in letter.evidence if e.present] == [
        ("description", "description phrase", "note"),
        ("purpose", "purpose phrase", "note"),
        ("rationale", "rationale phrase", "note"),
        ("credentials", "credentials phrase", "note"),
        ("involvement", None, "checklist"),
    ]
    assert letter.to_complete[:3] == (
        "Enclose the plan of care and a progress report showing objective, measured progress "
        "toward the goal.",
        "Cite the payer's coverage policy the service meets (set [appeal_letters.payer_policy] "
        "for this payer).",
        "No treatment note was loaded for the visit of 2026-11-09: enclose the signed note.",
    )
    assert (
        "The note of 2026-11-02 does not show: duration (minutes) and frequency. Add it from "
        "the record, or leave it out of the letter."
    ) in letter.to_complete
    text = " ".join(docx_text(letter_docx(letter)).split())
    assert "Direct one-on-one patient involvement: documented in the practice's checklist." in text
    assert "Duration (minutes) and frequency:" not in text
    assert (letter.provider.name, letter.provider.credentials) == ("DOE, JO", "PT")


def test_control_characters_from_a_file_are_shown_not_written():
    made = facts("bundling", "97")
    made["lines"][0]["description"] = "IASTM\x1b[31m RED\u202e\nNEXT\ufffe"
    letter = build_letter(made, None, SENDER, None, AS_OF)
    text = docx_text(letter_docx(letter))
    assert "Line 1: IASTM\\x1b[31m RED\\u202e NEXT?" in text and "\x1b" not in text
    assert letter_pdf(letter).startswith(b"%PDF")
