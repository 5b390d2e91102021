"""The Before you send page, through its callbacks as the browser calls them: a good batch
ranked with its fixes and its worksheet, a broken file named with its reason, an oversized upload
refused, and the database untouched."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import openpyxl
import pytest
from unlisted.dashboard.app import create_app
from unlisted.queries.metrics import Settings

from unlisted.settings import load_config

from .dash_calls import callback, find, signed_in, texts
from .test_check import (
    BATCH,
    GIVEN_NOTES,
    batch_file,
    notes_csv,
    practice,  # noqa: F401  (the fixture)
)

RESULT = [("send-result", "children"), ("send-download-button", "disabled"),
          ("send-chosen", "children")]  # fmt: skip


def data_url(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return "data:application/octet-stream;base64," + base64.b64encode(raw).decode()


@pytest.fixture
def app(practice):  # noqa: F811
    db, _, _ = practice
    config = load_config()
    config["check"] = {**config["check"], "max_upload_bytes": 50_000}
    return create_app(db, Settings(min_count=1), check_every=0, config=config), db


def check(client, files: dict[str, str | bytes], notes: dict[str, str] | None = None) -> dict:
    notes = notes or {}
    return callback(
        client, RESULT,
        [("send-batch", "contents", [data_url(v) for v in files.values()]),
         ("send-notes", "contents", [data_url(v) for v in notes.values()] or None)],
        [("send-batch", "filename", list(files)), ("send-notes", "filename", list(notes))],
        changed=["send-batch.contents"],
    )  # fmt: skip


def grid_rows(component) -> list[dict]:
    """The rows of the page's table of checked lines."""
    (grid,) = find(component, id={"type": "drill-table", "name": "send-lines"})
    return grid["rowData"]


def test_a_batch_is_ranked_with_its_fixes_and_nothing_is_written(app):
    app, db = app
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    client = signed_in(app, ("manager",))
    got = check(client, {"monday.837": batch_file(BATCH)},
                {"notes.csv": notes_csv(GIVEN_NOTES)})  # fmt: skip
    assert got["send-download-button"]["disabled"] is False
    assert got["send-chosen"]["children"] == "monday.837, notes.csv"
    rows = grid_rows(got["send-result"]["children"])
    assert len(rows) == 7
    blocking = {r["patient_control_number"] for r in rows if r["blocks_text"] == "yes"}
    assert blocking == {"OUT-B", "OUT-E", "OUT-G"}
    (auth,) = [r for r in rows if r["patient_control_number"] == "OUT-E"]
    assert auth["finding_list"] == "No prior authorization for a payer that requires it"
    assert auth["fixes"].startswith("Get the payer's authorization and put its number in REF*G1")
    words = " ".join(texts(got["send-result"]["children"]))
    assert "Lines that block the batch" in words
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before

    download = callback(
        client, [("send-download", "data")], [("send-download-button", "n_clicks", 1)],
        [("send-batch", "contents", [data_url(batch_file(BATCH))]),
         ("send-batch", "filename", ["monday.837"]),
         ("send-notes", "contents", [data_url(notes_csv(GIVEN_NOTES))]),
         ("send-notes", "filename", ["notes.csv"])],
    )["send-download"]["data"]  # fmt: skip
    assert download["filename"] == "batch-check.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(download["content"])))
    assert book["Lines"].max_row == 8
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_a_broken_file_is_named_with_its_reason(app):
    app, _ = app
    client = signed_in(app, ("compliance",))
    got = check(client, {"<b>broken</b>.837": "ISA*00*garbage~"})
    words = " ".join(texts(got["send-result"]["children"]))
    # The name is shown as the user gave it: Dash sets it as text, never as markup.
    assert "<b>broken</b>.837: rejected." in words
    assert "No line of a target code in these files." in words


def test_an_oversized_upload_is_refused_before_anything_is_read(app):
    app, _ = app
    client = signed_in(app, ("manager",))
    got = check(client, {"big.837": "X" * 60_000})
    words = " ".join(texts(got["send-result"]["children"]))
    assert "The files hold 58.6 KB; one check takes up to 48.8 KB. Check the batch in parts." in (
        words
    )
    assert got["send-download-button"]["disabled"] is True


def test_only_managers_and_compliance_check_a_batch(app):
    app, _ = app
    client = signed_in(app, ("analyst",))
    body = {"output": "..send-result.children...send-download-button.disabled..."
                      "send-chosen.children..",
            "outputs": [{"id": i, "property": p} for i, p in RESULT],
            "inputs": [{"id": "send-batch", "property": "contents",
                        "value": [data_url(batch_file(BATCH))]},
                       {"id": "send-notes", "property": "contents", "value": None}],
            "state": [{"id": "send-batch", "property": "filename", "value": ["a.837"]},
                      {"id": "send-notes", "property": "filename", "value": None}],
            "changedPropIds": ["send-batch.contents"]}  # fmt: skip
    answer = client.post("/_dash-update-component", data=json.dumps(body),
                         content_type="application/json",
                         headers={"Origin": "http://localhost"})  # fmt: skip
    assert answer.status_code == 403
