"""The Denials page's appeal letters and appeals sent, called as the browser calls them.

The practice of test_appeals: appeals of AP1, AP2 and AP3 sent on 2026-11-25; the 2026-12-05 run
pays AP1 ($45.00) and denies AP3 again, AP2 is not answered. On 2026-12-08 AP2 and AP3 are
still appealable (denied 2026-11-20 and 2026-12-05, windows of 120 days)."""

from __future__ import annotations

import base64
import datetime as dt
import io

import pytest
from unlisted.dashboard.app import create_app
from unlisted.etl.appeals import record_appeal
from unlisted.queries.metrics import Settings

from .dash_calls import callback, find, page_body, signed_in, texts
from .test_appeals import RUN2, SENT, TODAY, docx_text, load, practice  # noqa: F401
from .x12build import interchange

AS_OF = dt.date(2026, 12, 8)


@pytest.fixture
def site(practice, tmp_path, loader):  # noqa: F811
    for pcn in ("AP1", "AP2", "AP3"):
        record_appeal(practice, pcn, "PAYER01", SENT, "first level", None, TODAY)
    load(tmp_path, loader, practice, {"run2.835": interchange([RUN2], kind="835", control=4)})
    ids = dict(practice.execute(
        "SELECT patient_control_number, claim_id FROM claim WHERE payer_id = 'PAYER01'"
    ).fetchall())  # fmt: skip
    path = tmp_path / "test.duckdb"
    practice.close()
    app = create_app(path, Settings(min_count=1, as_of=AS_OF), check_every=0)
    return app, ids, tmp_path


def download(client, claim_id, kind):
    button = f"denials-appeal-{kind}"
    return callback(
        client,
        [("denials-appeal-download", "data"), ("denials-appeal-message", "children")],
        [("denials-appeal-docx", "n_clicks", 1 if kind == "docx" else None),
         ("denials-appeal-pdf", "n_clicks", 1 if kind == "pdf" else None)],
        [("denials-appeal-claim", "value", claim_id), ("url", "search", "")],
        changed=[f"{button}.n_clicks"],
    )  # fmt: skip


def test_appeals_sent_by_age_and_the_overturn_rate(site):
    app, _, _ = site
    body = page_body(signed_in(app, ("manager",)), "denials", pathname="/denials")
    (summary,) = find(body, id="denials-appeals-summary")
    # AP1 paid, AP3 denied again: 1 of 2 answered; AP2 open 13 days with $45.00 (contract).
    assert summary["children"] == (
        "Overturn rate over appeals sent: 50.0% · 1 of 2 answered appealed lines paid · 1 open "
        "lines, $45.00 at stake")  # fmt: skip
    bands = find(body, id={"type": "drill-table", "name": "appeals-by-age"})[0]["rowData"]
    assert [(b["band"], b["lines"], b["at_stake"]) for b in bands] == [
        ("0-30", 1, 45.0), ("31-60", 0, 0.0), ("61-90", 0, 0.0), ("91-120", 0, 0.0),
        (">120", 0, 0.0)]  # fmt: skip
    (opened,) = find(body, id={"type": "drill-table", "name": "appeals-open"})[0]["rowData"]
    assert (opened["patient_control_number"], opened["age_days"], opened["at_stake"],
            opened["sent_date"]) == ("AP2", 13, 45.0, "2026-11-25")  # fmt: skip
    (chooser,) = find(body, id="denials-appeal-claim")
    assert [o["label"] for o in chooser["options"]] == ["AP2 · ACME HEALTH", "AP3 · ACME HEALTH"]
    assert "Appeals sent" in texts(body)


def test_a_claims_letter_downloads_built_in_memory(site):
    app, ids, folder = site
    client = signed_in(app, ("manager",))
    page_body(client, "denials", pathname="/denials")
    before = sorted(p.name for p in folder.rglob("*"))
    got = download(client, ids["AP3"], "docx")
    sent = got["denials-appeal-download"]["data"]
    assert sent["filename"] == "appeal-PAYER01-AP3.docx" and sent["base64"]
    text = docx_text(base64.b64decode(sent["content"]))
    # The letter answers the latest denial (2026-12-05: CO-16, no remark this time).
    assert (
        "Line 1, denied on 2026-12-05: CO-16, Claim lacks information (Documentation / "
        "information)."
        in text
        and "N350" not in text
    )
    assert got["denials-appeal-message"]["children"] == ""
    got = download(client, ids["AP2"], "pdf")
    sent = got["denials-appeal-download"]["data"]
    assert sent["filename"] == "appeal-PAYER01-AP2.pdf"
    assert base64.b64decode(sent["content"]).startswith(b"%PDF")
    assert got["denials-appeal-message"]["children"] == (
        "No appeal: correct and resubmit (CO-16 with MA130); the notice says so."
    )
    # Nothing was written beside the database.
    assert sorted(p.name for p in folder.rglob("*")) == before


def test_a_claim_off_the_list_or_a_role_without_identities_gets_no_letter(site):
    app, ids, _ = site
    got = download(signed_in(app, ("manager",)), ids["AP1"], "docx")  # paid: not appealable
    assert "denials-appeal-download" not in got
    assert got["denials-appeal-message"]["children"] == (
        "That claim is no longer on the appealable list."
    )
    got = download(signed_in(app, ("analyst",)), ids["AP3"], "pdf")
    assert "denials-appeal-download" not in got
    assert got["denials-appeal-message"]["children"] == (
        "An appeal letter names the patient: your role does not download it."
    )


def test_the_letter_text_is_the_documents_text(site):
    app, ids, _ = site
    got = download(signed_in(app, ("compliance",)), ids["AP3"], "docx")
    from docx import Document

    document = Document(io.BytesIO(base64.b64decode(got["denials-appeal-download"]["data"][
        "content"])))  # fmt: skip
    assert document.core_properties.title == ("Request for redetermination (appeal) of claim AP3")


def test_the_rate_over_too_few_answered_appeals_is_suppressed(site):
    _, _, folder = site
    app = create_app(folder / "test.duckdb", Settings(as_of=AS_OF), check_every=0)  # 11 lines
    body = page_body(signed_in(app, ("manager",)), "denials", pathname="/denials")
    (summary,) = find(body, id="denials-appeals-summary")
    assert summary["children"].startswith(
        "Overturn rate over appeals sent: suppressed (fewer than 11 lines (2)) · 1 of 2 answered"
    )
