"""The dashboard's callbacks, called over HTTP as the browser calls them, on the hand-built
practice of test_line_adjudication.py, whose figures are worked out by hand in test_metrics.py."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import polars as pl
import pytest
from unlisted.dashboard.app import create_app
from unlisted.dashboard.exports import neutralised
from unlisted.dashboard.view import View, parse, previous_period, resolved
from unlisted.queries.explore import Drill
from unlisted.queries.metrics import Filters, Settings
from unlisted.queries.spreadsheet import neutral_text

from .dash_calls import ORIGIN, callback, exported_csv, find, page_body, signed_in, texts

AS_OF = dt.date(2027, 1, 31)
CODES = ("97139",)  # the target codes of the settings' default


@pytest.fixture
def client(scenario_db):
    app = create_app(scenario_db, Settings(min_count=1, as_of=AS_OF), check_every=0)
    return signed_in(app)


def tile(body, metric: str) -> list[str]:
    return texts(find(body, id=f"tile-{metric}"))


def test_overview_tiles_show_the_figures_worked_out_by_hand(client):
    body = page_body(client, "overview")
    shown = " | ".join(texts(body))
    assert "CPT 97139 · service dates 2026-11-01 to 2026-11-30" in shown
    assert tile(body, "charges_billed") == ["97139 billed", "$600.00", "6 lines",
                                             "no comparison"]
    assert tile(body, "net_paid") == ["Paid", "$200.00", "6 lines", "no comparison"]
    assert tile(body, "initial_denial_rate")[1:3] == ["60.0%", "3 of 5 lines"]
    assert tile(body, "final_denial_rate")[1:3] == ["20.0%", "1 of 5 lines"]
    assert tile(body, "underpaid_dollars")[1:3] == ["$10.00", "1 lines below contract"]
    assert tile(body, "pending")[1:3] == ["$100.00", "1 lines without remittance"]
    assert tile(body, "documentation_complete_rate")[1:3] == ["0.0%", "0 of 6 lines"]
    # Each tile leads to the rows it counts.
    href = find(body, id="tile-initial_denial_rate")[0]["href"]
    assert href.startswith("/claims?") and "set=initial_denied" in href


def test_a_filter_changes_the_figures(client):
    body = page_body(client, "overview", "?payer=PAYER02")
    assert tile(body, "charges_billed")[1:3] == ["$100.00", "1 lines"]
    assert tile(body, "initial_denial_rate")[1:3] == ["0.0%", "0 of 1 lines"]
    body = page_body(client, "overview", "?code=97139&code=97110")
    assert tile(body, "charges_billed")[2] == "8 lines"


def test_the_previous_period_is_compared(client):
    body = page_body(client, "overview", "?from=2026-11-02&to=2026-11-30")
    assert "compared with" not in " ".join(texts(body))  # nothing before the 2nd: no data
    view = View(filters=Filters(codes=("97139",), start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30)))
    before = previous_period(view.filters)
    assert (before.start, before.end) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    days = previous_period(Filters(codes=("97139",), start=dt.date(2026, 11, 2), end=dt.date(2026, 11, 11)))
    assert (days.start, days.end) == (dt.date(2026, 10, 23), dt.date(2026, 11, 1))


def test_an_empty_selection_says_so_on_every_page(client):
    for page in ("overview", "denials", "payments", "documentation"):
        body = page_body(client, page, "?payer=NOBODY", pathname=f"/{page}")
        assert texts(body)[1:3] == ["No lines in this selection.",
                                    "Widen the dates or clear a filter (Reset in the filter bar)."]
    rows, count = grid(client, "?payer=NOBODY")
    assert (rows["rowCount"], count) == (0, "0 lines")


def test_a_rate_over_too_few_lines_says_why(scenario_db):
    app = create_app(scenario_db, Settings(as_of=AS_OF), check_every=0)
    body = page_body(signed_in(app), "overview")
    assert tile(body, "initial_denial_rate")[1:3] == [
        "suppressed", "Too few lines to show a rate: fewer than 11 lines (5)."]
    assert tile(body, "charges_billed")[1] == "$600.00"  # amounts are never suppressed


def test_denials_page_lists_reasons_with_labels_and_links(client):
    body = page_body(client, "denials", pathname="/denials")
    carc = find(body, id={"type": "drill-table", "name": "reasons-carc"})[0]["rowData"]
    assert [(r["code"], r["lines"], r["charges"]) for r in carc] == [("16", 2, 200.0),
                                                                     ("50", 1, 100.0)]
    assert carc[0]["label"] == "Claim lacks information"
    assert "carc=16" in carc[0]["_href"]
    charts = [p["id"]["name"] for p in find(body) if isinstance(p.get("id"), dict)
              and p["id"].get("type") == "drill-chart"]
    assert charts == ["denials-trend-payer", "denials-trend-provider", "denials-category",
                      "denials-outcome", "denials-provider"]
    # B1 was finally denied (CO-16) by the payment of 2026-12-01: with the default 120-day
    # window it can be appealed until 2027-03-31, 59 days after the as-of date; at stake is the
    # contract's $45.00.
    appeals = find(body, id={"type": "drill-table", "name": "appeal-worklist"})[0]["rowData"]
    assert [(r["patient_control_number"], r["payer"], r["appeal_by"], r["days_left"],
             r["at_stake"], r["denial"]) for r in appeals] == [
        ("B1", "ACME HEALTH", "2027-03-31", 59, 45.0,
         "16 · Documentation / information")]  # fmt: skip


def test_payments_page_worklist_and_aging(client):
    body = page_body(client, "payments", pathname="/payments")
    worklist = find(body, id={"type": "drill-table", "name": "underpaid"})[0]["rowData"]
    assert [(r["patient_control_number"], r["variance"]) for r in worklist] == [("E1", -10.0)]
    assert worklist[0]["_href"] == f"/claims/{worklist[0]['claim_id']}"
    assert "1 lines, $10.00 below contract." in texts(body)
    aging = find(body, id={"type": "drill-chart", "name": "payments-aging"})[0]["figure"]
    assert aging["data"][0]["y"] == [0, 0, 100.0, 0, 0]  # H1, 90 days old on 2027-01-31


def test_documentation_page_denial_rate_by_completeness(client):
    body = page_body(client, "documentation", pathname="/documentation")
    bars = find(body, id={"type": "drill-chart", "name": "documentation-denials"})[0]["figure"]
    assert bars["data"][0]["text"] == ["suppressed: fewer than 1 lines (0)",
                                       "60.0%: 3 of 5"]  # no note loaded: all incomplete
    weakest = find(body, id={"type": "drill-table", "name": "weakest-notes"})[0]["rowData"]
    assert len(weakest) == 6


def grid(client, search: str, start=0, end=100, sort=(), filters=None, text=None):
    got = callback(
        client, [("claims-grid", "getRowsResponse"), ("claims-count", "children")],
        [("claims-grid", "getRowsRequest", {"startRow": start, "endRow": end,
                                            "sortModel": list(sort),
                                            "filterModel": filters or {}})],
        [("url", "search", search), ("claims-search", "value", text)])  # fmt: skip
    return got["claims-grid"]["getRowsResponse"], got["claims-count"]["children"]


def test_claims_grid_pages_sorts_filters_and_drills(client):
    rows, count = grid(client, "")
    assert (rows["rowCount"], count) == (6, "6 lines")
    rows, _ = grid(client, "", start=2, end=4, sort=[{"colId": "patient_control_number",
                                                      "sort": "desc"}])
    assert [r["patient_control_number"] for r in rows["rowData"]] == ["E1", "D1"]
    rows, _ = grid(client, "?set=initial_denied")
    assert rows["rowCount"] == 3
    rows, _ = grid(client, "?carc=16")
    assert rows["rowCount"] == 2
    rows, _ = grid(client, "", filters={"charge": {"filterType": "number", "type": "greaterThan",
                                                   "filter": 50}})
    assert rows["rowCount"] == 6
    rows, _ = grid(client, "", text="e1")
    assert [r["patient_control_number"] for r in rows["rowData"]] == ["E1"]
    rows, count = grid(client, "", filters={"nope": {"filterType": "text", "type": "contains",
                                                     "filter": "x"}})
    assert (rows["rowCount"], count) == (0, "That filter cannot be used.")


def test_deep_grid_pages_come_in_the_same_order(client, monkeypatch):
    import unlisted.dashboard.data as data_module

    sort = [{"colId": "charge", "sort": "desc"}, {"colId": "patient_control_number",
                                                  "sort": "asc"}]  # fmt: skip
    near, _ = grid(client, "", start=1, end=5, sort=sort)
    monkeypatch.setattr(data_module, "NEAR_TOP", 0)  # every page from the kept order
    deep, _ = grid(client, "", start=1, end=5, sort=sort)
    assert deep == near
    assert [r["patient_control_number"] for r in deep["rowData"]] == ["B1", "D1", "E1", "F1"]


def test_claim_page_shows_the_claim_its_events_and_documentation(client):
    rows, _ = grid(client, "?set=overturned")
    claim = next(r for r in rows["rowData"] if r["patient_control_number"] == "A1")
    got = callback(client, [("claim-body", "children")],
                   [("url", "pathname", f"/claims/{claim['claim_id']}")], [("url", "search", "")])
    body = got["claim-body"]["children"]
    assert "Claim A1" in texts(body)
    events = find(body, id={"type": "drill-table", "name": "claim-events"})[0]["rowData"]
    assert [e["what"] for e in events][:1] == ["Denial"]  # denied first, paid on appeal
    assert any(e["what"] == "Payment" for e in events)
    assert "No treatment note matches this claim and date of service." in texts(body)
    missing = callback(client, [("claim-body", "children")], [("url", "pathname", "/claims/999")],
                       [("url", "search", "")])["claim-body"]["children"]  # fmt: skip
    assert "No such claim in the database." in texts(missing)
    book = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/export/claim/{claim['claim_id']}.xlsx").data))
    assert book.sheetnames == ["versions", "lines", "events", "notes", "findings"]
    assert book["events"].max_row - 1 == len(events)


def test_data_page_lists_every_file(client):
    body = page_body(client, "data", pathname="/data")
    files = find(body, id={"type": "drill-table", "name": "files"})[0]["rowData"]
    assert len(files) == 8
    assert {f["status"] for f in files} == {"loaded"}
    # Four payments: RUN1 $70, RUN2 $90 (45 + 50 - 40 + 35), the secondary's $60, PAYER02's $70;
    # every dollar reached a claim line.
    money = find(body, id={"type": "drill-table", "name": "reconciliation"})[0]["rowData"]
    assert [(r["file_name"], r["paid"], r["attributed"], r["difference"]) for r in money][0] == (
        "All 4 files", 290.0, 290.0, 0.0)  # fmt: skip
    assert len(money) == 5


def test_filter_bar_and_url_stay_in_step(client):
    outputs = [("filter-dates", "start_date"), ("filter-dates", "end_date"),
               ("filter-basis", "value"), *[(f"filter-{n}", "value") for n in
                                            ("payer", "provider", "location", "code", "modifier")],
               ("url", "search")]  # fmt: skip

    def sync(search, changed, **controls):
        values = {"start": None, "end": None, "basis": "service", **controls}
        inputs = [("url", "search", search), ("filter-dates", "start_date", values["start"]),
                  ("filter-dates", "end_date", values["end"]),
                  ("filter-basis", "value", values["basis"]),
                  *[(f"filter-{n}", "value", values.get(n)) for n in
                    ("payer", "provider", "location", "code", "modifier")],
                  ("filter-reset", "n_clicks", None)]  # fmt: skip
        return callback(client, outputs, inputs, changed=[changed])

    from_url = sync("?payer=PAYER01&set=billed", "url.search")
    assert from_url["filter-payer"]["value"] == ["PAYER01"]
    assert from_url["filter-dates"]["start_date"] == "2026-11-01"  # the default: one month held
    to_url = sync("?set=billed", "filter-provider.value", provider=["1234567893"],
                  start="2026-11-01", end="2026-11-30")
    # The default dates stay out of the address; the drill-down stays in it.
    assert to_url["url"]["search"] == "?provider=1234567893&set=billed"


def test_every_export_link_of_every_page_names_a_dataset(client):
    """A card's CSV and Excel links lead to a dataset the server exports (a link to no dataset
    would answer 404)."""
    from unlisted.dashboard import registry
    from unlisted.dashboard.exports import DATASETS

    linked = set()
    for page in registry.pages():
        if not registry.filtered(page) or page.get("path_template") or page["prefix"] == "claims":
            continue  # the Claims grid's exports are its own (/export/grid)
        body = page_body(client, page["prefix"], "", page["path"])
        for props in find(body, className="export-link"):
            linked.add(props["href"].split("?")[0].removeprefix("/export/").rsplit(".", 1)[0])
    assert {"appealable", "appeals-open", "pricing", "pricing-by-month"} <= linked
    assert linked - set(DATASETS) == set()


def test_exports_hold_the_rows_and_the_filters(client):
    answer = client.get("/export/lines.csv?set=initial_denied&payer=PAYER01")
    preamble, rows = exported_csv(answer.get_data(as_text=True))
    assert "# payers: PAYER01" in preamble and "# drill-down outcome: initial_denied" in preamble
    assert sorted(r["patient_control_number"] for r in rows) == ["A1", "B1", "D1"]
    assert answer.headers["Content-Disposition"].startswith("attachment;")

    book = openpyxl.load_workbook(io.BytesIO(client.get("/export/page/denials.xlsx").data))
    assert book.sheetnames == ["Filters", "by-payer-month", "by-provider-month", "by-provider",
                               "reasons-category", "reasons-carc", "reasons-rarc",
                               "reasons-group", "appealable", "appeals-open"]
    carc = list(book["reasons-carc"].iter_rows(values_only=True))
    assert carc[0] == ("carc", "lines", "charges", "label")
    assert carc[1:] == [("16", 2, 200, "Claim lacks information"),
                        ("50", 1, 100, "Not medically necessary per payer")]  # fmt: skip
    figures = client.get("/export/figures.csv").get_data(as_text=True)
    assert "initial_denial_rate,Initial denial rate,3,5,0.6,false," in figures
    assert "charges_billed,Charges billed,600.00,6," in figures  # money to the cent, exact
    assert client.get("/export/nothing.csv").status_code == 404


def test_exported_text_cannot_run_as_a_formula():
    frame = pl.DataFrame({"note": ["=HYPERLINK(1)", "+1+1", "-2-1", "@x", "\tx", "plain", None,
                                   " =1", "\n@SUM(1)", "\u00a0+cmd|' /C calc'!A0", "\rx", "-",
                                   "-12.50", "+3", "1-2", "#=x"],
                          "amount": [-1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]})
    assert neutralised(frame).rows() == [
        ("'=HYPERLINK(1)", -1), ("'+1+1", 2), ("'-2-1", 3), ("'@x", 4), ("'\tx", 5),
        ("plain", 6), (None, 7), ("' =1", 8), ("'\n@SUM(1)", 9),
        ("'\u00a0+cmd|' /C calc'!A0", 10), ("'\rx", 11), ("'-", 12),
        # A plain decimal number is read as that number, never run: it stays as it is (exact
        # figures are kept as text so that they stay exact).
        ("-12.50", 13), ("+3", 14), ("1-2", 15), ("#=x", 16)]  # fmt: skip
    # One rule for a frame (CSV, sheets) and for one cell (Filters sheet, packets, preamble).
    assert [neutral_text(v) for v in frame["note"].drop_nulls()] == [
        v for v in neutralised(frame)["note"].drop_nulls()]
    # Categorical text is text too.
    categorical = pl.DataFrame({"c": pl.Series(["=1", "a"], dtype=pl.Categorical)})
    assert neutralised(categorical)["c"].to_list() == ["'=1", "a"]


def test_views_round_trip_through_the_address_and_drop_junk():
    view = View(Filters(codes=("97139", "97039"), start=dt.date(2026, 1, 1),
                        end=dt.date(2026, 3, 31), basis="payment", payers=("P1",),
                        providers=("1234567893",), locations=("RIVERSIDE NORTH",),
                        modifiers=("GP",)),
                Drill(outcome="initial_denied", month=dt.date(2026, 2, 1), carc="16",
                      variance_from=-10.0, variance_to=-5.0),
                as_of=dt.date(2026, 4, 1))  # fmt: skip
    assert parse(view.query(), CODES) == view
    junk = parse("?from=yesterday&code=DROP TABLE&basis=both&modifier=GPX&set=bogus&vfrom=nan"
                 "&payer=%0Abad", CODES)  # fmt: skip
    assert junk == View(Filters(codes=CODES))
    # Names as the data has them, punctuation and accents included; a range typed backwards.
    named = parse("?payer=BC%2FBS+01&location=ST.+MARY%27S+%26+CO%C3%89&from=2026-03-31"
                  "&to=2026-01-01", CODES)  # fmt: skip
    assert (named.filters.payers, named.filters.locations) == (("BC/BS 01",),
                                                               ("ST. MARY'S & COÉ",))
    assert (named.filters.start, named.filters.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert parse(named.query(), CODES) == named
    # Undated: twelve months when two years are held, else half of what is held.
    assert resolved(Filters(codes=("97139",)), dt.date(2024, 11, 5), dt.date(2026, 11, 2)) == Filters(codes=("97139",),
        start=dt.date(2025, 12, 1), end=dt.date(2026, 11, 30))
    assert resolved(Filters(codes=("97139",)), dt.date(2025, 1, 3), dt.date(2025, 12, 30)) == Filters(codes=("97139",),
        start=dt.date(2025, 7, 1), end=dt.date(2025, 12, 31))
    assert resolved(Filters(codes=("97139",)), dt.date(2026, 11, 2), dt.date(2026, 11, 2)) == Filters(codes=("97139",),
        start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))


def test_no_database_yet_says_what_to_do(tmp_path):
    app = create_app(tmp_path / "none.duckdb", Settings(as_of=AS_OF), check_every=0)
    client = signed_in(app)
    assert client.get("/").status_code == 200
    body = page_body(client, "overview")
    assert texts(body)[:2] == ["No database yet: load files with unlisted load.",
                               "Load claims and remittances with: unlisted load FILES..."]
    assert client.get("/export/lines.csv").status_code == 409


def test_the_grid_exports_as_shown(client):
    state = {"filterModel": {"charge": {"filterType": "number", "type": "greaterThan",
                                        "filter": 50}},
             "sortModel": [{"colId": "patient_control_number", "sort": "desc"}], "search": "1"}
    answer = client.post("/export/grid.csv?set=billed", data={"state": json.dumps(state)}, headers=ORIGIN)
    text = answer.get_data(as_text=True)
    preamble, rows = exported_csv(text)
    # Every 97139 line (each claim number holds a "1"), by claim number, last first.
    assert [r["patient_control_number"] for r in rows] == ["H1", "F1", "E1", "D1", "B1", "A1"]
    assert "# grid search: 1" in preamble and "# drill-down outcome: billed" in preamble
    # The grid's filters hold quotes and commas: their line is one quoted cell.
    assert f"# grid column filters: {json.dumps(state['filterModel'])}" in preamble
    got = callback(client, [("grid-export-state", "value"), ("grid-export-csv", "formAction"),
                            ("grid-export-xlsx", "formAction")],
                   [("claims-grid", "getRowsRequest", {"startRow": 0, "endRow": 100,
                                                       "sortModel": state["sortModel"],
                                                       "filterModel": state["filterModel"]}),
                    ("claims-search", "value", "1"), ("url", "search", "?set=billed")])
    assert json.loads(got["grid-export-state"]["value"]) == state
    assert got["grid-export-csv"]["formAction"] == "/export/grid.csv?set=billed"
    book = openpyxl.load_workbook(io.BytesIO(client.post(
        "/export/grid.xlsx", data={"state": json.dumps(state)}, headers=ORIGIN).data))
    assert book.sheetnames == ["Filters", "grid"] and book["grid"].max_row == 7
    assert client.post("/export/grid.csv", data={"state": "[1]"}, headers=ORIGIN).status_code == 400


def test_compliance_page_counts_findings_and_drills_by_rule(client, scenario_db):
    import duckdb

    con = duckdb.connect(str(scenario_db), read_only=True)
    by_rule = dict(con.execute(
        "SELECT f.rule, count(*) FROM rule_finding f JOIN line_adjudication a USING "
        "(claim_line_id) WHERE a.procedure_code = '97139' GROUP BY f.rule").fetchall())
    total, claims = con.execute(
        "SELECT count(*), count(DISTINCT f.claim_id) FROM rule_finding f JOIN line_adjudication a "
        "USING (claim_line_id) WHERE a.procedure_code = '97139'").fetchone()
    con.close()
    assert total > 0
    body = page_body(client, "compliance", pathname="/compliance")
    shown = texts(body)
    assert shown[shown.index("Findings") + 1] == f"{total:,}"
    assert shown[shown.index("Claims with findings") + 1] == f"{claims:,}"
    chart = find(body, id={"type": "drill-chart", "name": "compliance-rules"})[0]["figure"]
    bars = dict(zip(chart["data"][0]["customdata"], chart["data"][0]["text"], strict=True))
    assert {href.split("rule=")[1]: int(text.split()[0].replace(",", ""))
            for href, text in bars.items()} == by_rule
    rule, count = max(by_rule.items(), key=lambda item: (item[1], item[0]))
    drilled = page_body(client, "compliance", f"?rule={rule}", pathname="/compliance")
    rows = find(drilled, id={"type": "drill-table", "name": "findings"})[0]["rowData"]
    assert len(rows) == count and {r["rule"] for r in rows} == {rule}
    rows, _ = grid(client, f"?rule={rule}")  # the same lines in the Claims grid
    banner = callback(client, [("claims-drill", "children"), ("claims-exports", "children")],
                      [("url", "search", f"?rule={rule}")])["claims-drill"]["children"]
    from unlisted.queries.rules import RULES

    assert f"rule check {RULES[rule][0]} ({rule}) fired" in texts(banner)  # name and id
    lines = {r["claim_line_id"] for r in find(drilled, id={"type": "drill-table",
                                                            "name": "findings"})[0]["rowData"]}
    assert rows["rowCount"] == len(lines)


def test_sampling_pages_show_the_frame_the_command_samples_and_appraisal(client, scenario_db,
                                                                         tmp_path):
    import subprocess
    import sys

    from unlisted.queries.sampling import sample_size_variables

    body = page_body(client, "sampling", pathname="/sampling")
    assert texts(body)[1:3] == ["The frame", "6 lines"]  # the 97139 lines of the scenario
    size = callback(client, [("sampling-size", "children")],
                    [("sampling-sd", "value", 25), ("sampling-precision", "value", 5)],
                    [("sampling-frame-size", "data", 6)])["sampling-size"]["children"]
    assert texts(size)[0] == f"{sample_size_variables(6, 25, 5)['sample_size']:,} lines"
    shown = callback(client, [("sampling-command", "children")],
                     [("sampling-n", "value", 3), ("sampling-seed", "value", 11),
                      ("sampling-stratify", "value", "")],
                     [("url", "search", "?payer=PAYER01")])["sampling-command"]["children"]
    assert shown == (f"unlisted sample draw --db {scenario_db} --code 97139 --from 2026-11-01 "
                     "--to 2026-11-30 --payer PAYER01 --size 3 --seed 11")

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "unlisted.cli", *map(str, args)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr + done.stdout
    run("sample", "draw", "--db", scenario_db, "--size", 3, "--seed", 11)
    samples = find(page_body(client, "sampling", pathname="/sampling"),
                   id={"type": "drill-table", "name": "samples"})[0]["rowData"]
    assert [(s["sample_id"], s["sample_size"], s["frame_size"], s["reviewed"])
            for s in samples] == [(1, 3, 6, 0)]
    assert samples[0]["_href"] == "/sampling/1"

    def sample_page():
        return callback(client, [("sample-body", "children")],
                        [("url", "pathname", "/sampling/1")])["sample-body"]["children"]
    page = sample_page()
    lines = find(page, id={"type": "drill-table", "name": "sample-lines"})[0]["rowData"]
    assert len(lines) == 3 and "No appraisal yet." in texts(page)
    # the frame in words, never a Python list or True/None
    assert "Frame: codes 97139; dates first to last (service dates)" in " ".join(texts(page))
    assert not any(raw in " ".join(texts(page)) for raw in ("['", "True", "None"))
    assert {line["in_error_text"] for line in lines} == {"not reviewed"}
    results = tmp_path / "review.csv"
    results.write_text("claim_line_id,audited_amount\n" + "".join(
        f"{line['claim_line_id']},0.00\n" for line in lines))
    run("sample", "review", "--db", scenario_db, 1, results)
    appraised = find(sample_page(), id={"type": "drill-table", "name": "appraisal"})[0]
    figures = {r["figure"]: r["value"] for r in appraised["rowData"]}
    assert figures["lines reviewed"] == "3"
    paid = sum(line["paid_amount"] for line in lines)
    assert figures["overpayment in the sample"] == f"${paid:,.2f}"
    book = openpyxl.load_workbook(io.BytesIO(client.get("/export/sample/1.xlsx").data))
    assert book.sheetnames[:3] == ["Summary", "Frame", "Lines"]
    assert book["Lines"].max_row - 1 == 3 and book["Frame"].max_row - 1 == 6
    summary = client.get("/export/sample/1.pdf")
    assert summary.data[:5] == b"%PDF-" and summary.mimetype == "application/pdf"
    assert client.get("/export/sample/9.pdf").status_code == 404
    worklist = client.get("/export/worklist.xlsx?payer=PAYER01")
    assert "Findings" in openpyxl.load_workbook(io.BytesIO(worklist.data)).sheetnames


def test_variance_bins_hold_exactly_the_lines_of_their_drill_downs():
    from decimal import Decimal

    from unlisted.queries.explore import drilled
    from unlisted.queries.metrics import variance_bins

    cents = list(range(-300, 200, 7)) + [60, -60, 0]  # 0.60 sits on a bin edge in floats
    lines = pl.DataFrame({
        "adjudicated": True, "final_denied": False, "has_contract": True, "payer_id": "P",
        "allowed": [Decimal(50) + Decimal(c) / 100 for c in cents],
        "expected_allowed": [Decimal(50)] * len(cents),
    }, schema_overrides={"allowed": pl.Decimal(18, 2), "expected_allowed": pl.Decimal(18, 2)})
    bins = variance_bins(lines.lazy(), Settings())
    assert bins["lines"].sum() == len(cents)
    for low, high, count in bins.select("low", "high", "lines").iter_rows():
        inside = drilled(lines.lazy(), Drill(variance_from=low, variance_to=high), Settings())
        assert inside.collect().height == count, (low, high)


def test_a_value_asked_for_at_once_by_several_requests_is_made_once():
    import threading
    import time

    from unlisted.dashboard.data import Cache

    cache, made = Cache(4), []

    def make():
        made.append(1)
        time.sleep(0.2)  # a whole-database read
        return "lines"

    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get("key", make)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(made), got) == (1, ["lines"] * 8)


def test_a_change_says_whether_it_is_for_the_better():
    from unlisted.dashboard.components import change

    worse = change("initial_denial_rate", {"value": 0.40}, {"value": 0.30})
    better = change("net_paid", {"value": 110.0}, {"value": 100.0})
    lower = change("underpaid_dollars", {"value": 50.0}, {"value": 100.0})
    assert (worse.children, worse.className) == ("+10.0 pts vs previous period, worse",
                                                 "tile-change worse")
    assert (better.children, better.className) == ("+10.0% vs previous period, better",
                                                   "tile-change better")
    assert (lower.children, lower.className) == ("-50.0% vs previous period, better",
                                                 "tile-change better")
    assert change("net_paid", {"value": 1.0}, {"value": 0.0}).children == "no comparison"


def test_data_page_counts_the_warnings_it_does_not_list(tmp_path, loader, db):
    """1,200 unbalanced claims: every warning counted, the first 1,000 listed and one row saying
    how many more."""
    from unlisted.pipeline import rebuild_marts

    from .test_x12_input_rules import claim
    from .x12build import claim_header, interchange, subscriber

    body = claim_header() + subscriber(2)
    for k in range(1200):
        body += claim(f"A{k}", "100.00", line_charge="90.00")
    (tmp_path / "unbalanced.837").write_text(interchange([body]))
    assert loader.load(tmp_path / "unbalanced.837").warning_total == 1200
    rebuild_marts(db)
    db.close()
    app = create_app(tmp_path / "test.duckdb", Settings(as_of=AS_OF), check_every=0)
    page = page_body(signed_in(app), "data", pathname="/data")
    assert "Warnings (1,200; 1,001 listed)" in texts(page)
    listed = find(page, id={"type": "drill-table", "name": "warnings"})[0]["rowData"]
    assert len(listed) == 1001
    (summary,) = [row["message"] for row in listed if row["location"] == "file"]
    assert summary.startswith("and 200 more claim_unbalanced warnings in this file")


# -- documentation gaps in dollars, each element in the grid and exports, open periods --------------
@pytest.fixture
def noted_client(tmp_path, loader, db):
    """The practice with the treatment notes of test_documentation_gaps.py, whose gap dollars
    are worked out there by hand; one line's narrative starts with '='."""
    from .test_documentation_gaps import load_notes
    from .test_line_adjudication import build_scenario

    build_scenario(tmp_path, loader, db)
    load_notes(tmp_path, loader, db)
    db.execute("UPDATE line_adjudication SET description = '=HYPERLINK(1)' "
               "WHERE description IS NOT NULL AND claim_id = (SELECT min(claim_id) FROM "
               "line_adjudication WHERE description IS NOT NULL)")  # fmt: skip
    db.close()
    app = create_app(tmp_path / "test.duckdb", Settings(min_count=1, as_of=AS_OF), check_every=0)
    return signed_in(app)


def test_documentation_page_leads_with_what_gaps_cost(noted_client):
    body = page_body(noted_client, "documentation", pathname="/documentation")
    shown = texts(body)
    # The dollars come first, right after the period: tiles, then the table of each gap.
    assert shown[1:4] == ["Billed on incomplete notes", "$500.00", "5 of 6 lines"]
    assert texts(find(body, id="tile-gap-denied"))[:2] == ["Denied, incomplete notes", "$100.00"]
    assert texts(find(body, id="tile-gap-lost"))[:2] == ["Lost vs contract, incomplete notes", "$55.00"]
    assert texts(find(body, id="tile-paid-complete"))[:3] == [
        "Paid per line, complete notes", "$45.00", "$45.00 over 1 adjudicated lines"]
    assert texts(find(body, id="tile-paid-incomplete"))[1:4] == [
        "$38.75", "$155.00 over 4 adjudicated lines", "-$6.25 per line against complete notes"]
    assert shown.index("What each gap costs") < shown.index(
        "Share of lines whose note shows each element, by service month")
    table = find(body, id={"type": "drill-table", "name": "documentation-gaps"})[0]
    rows = {r["gap"]: r for r in table["rowData"]}
    assert [(r["label"], r["lines"], r["charges"], r["denied"], r["lost"])
            for r in table["rowData"][:3]] == [
        ("Involvement", 3, 300.0, 100.0, 55.0),  # costliest first
        ("Rationale", 3, 300.0, 100.0, 45.0),
        ("Narrative (where required)", 2, 200.0, 100.0, 45.0),
    ]  # fmt: skip
    assert [c["headerName"] for c in table["columnDefs"]] == [
        "Element", "Lines lacking it", "Share of lines", "Charges", "Denied (final)",
        "Lost expected allowed"]
    # Each figure leads to the lines it counts, and the grid holds exactly those.
    assert "set=lacks_involvement_lost" in rows["involvement"]["_href_lost"]
    assert "set=lacks_involvement_denied" in rows["involvement"]["_href_denied"]
    for column, count in (("charges", 3), ("denied", 1), ("lost", 2)):
        search = rows["involvement"][f"_href_{column}"].removeprefix("/claims")
        assert grid(noted_client, search)[0]["rowCount"] == count, column
    banner = callback(noted_client, [("claims-drill", "children"), ("claims-exports", "children")],
                      [("url", "search", "?set=lacks_involvement_lost")])["claims-drill"]
    assert "Lacks involvement, below contract or denied" in texts(banner["children"])
    heatmap = find(body, id={"type": "drill-chart", "name": "documentation-cost-month"})[0]
    assert heatmap["figure"]["data"][0]["z"][5] == [55.0]  # involvement, Nov 2026
    book = openpyxl.load_workbook(io.BytesIO(
        noted_client.get("/export/page/documentation.xlsx").data))
    assert book.sheetnames[1:5] == ["documentation-gaps", "documentation-gaps-by-month",
                                    "documentation-gaps-by-provider", "documentation-earnings"]
    gaps = {r[0]: r for r in book["documentation-gaps"].iter_rows(min_row=2, values_only=True)}
    assert gaps["any"][1:6] == (6, 5, 500, 100, 55)


def test_the_grid_and_every_export_carry_each_element(noted_client):
    columns = ["element_description", "element_purpose", "element_duration", "element_rationale",
               "element_credentials", "element_involvement", "claim_narrative"]
    rows, _ = grid(noted_client, "", sort=[{"colId": "patient_control_number", "sort": "asc"}])
    by_claim = {r["patient_control_number"]: r for r in rows["rowData"]}
    assert [by_claim["B1"][c] for c in columns] == [
        "present", "present", "present", "missing", "present", "missing", "missing"]
    assert [by_claim["F1"][c] for c in columns] == ["missing"] * 6 + ["present"]  # no note
    only, _ = grid(noted_client, "", filters={"element_rationale": {
        "filterType": "text", "type": "equals", "filter": "missing"}})
    assert only["rowCount"] == 3  # B1, D1, F1
    _, exported = exported_csv(noted_client.get("/export/lines.csv").get_data(as_text=True))
    assert all(c in exported[0] for c in columns)
    assert {r["patient_control_number"]: r["element_involvement"] for r in exported}["E1"] \
        == "missing"
    # Text that a spreadsheet would run is still neutralised, next to the new columns.
    assert "'=HYPERLINK(1)" in [r["description"] for r in exported]
    state = json.dumps({"filterModel": {}, "sortModel": [], "search": ""})
    book = openpyxl.load_workbook(io.BytesIO(noted_client.post(
        "/export/grid.xlsx", data={"state": state}, headers=ORIGIN).data))
    sheet = list(book["grid"].iter_rows(values_only=True))
    assert all(c in sheet[0] for c in columns)
    assert "'=HYPERLINK(1)" in [row[sheet[0].index("description")] for row in sheet[1:]]
    grid_csv = noted_client.post("/export/grid.csv", data={"state": state},
                                 headers=ORIGIN).get_data(as_text=True)
    assert "claim_narrative" in grid_csv and "'=HYPERLINK(1)" in grid_csv
    claim_book = openpyxl.load_workbook(io.BytesIO(noted_client.get(
        f"/export/claim/{by_claim['B1']['claim_id']}.xlsx").data))
    lines = list(claim_book["lines"].iter_rows(values_only=True))
    assert lines[1][lines[0].index("element_rationale")] == "missing"


@pytest.fixture
def older_db(tmp_path, loader, db):
    """The practice plus two 97139 lines of 2026-08-03: P1 paid, R1 ($50) never answered."""
    from unlisted.pipeline import rebuild_marts

    from .test_line_adjudication import NARRATIVE, build_scenario, claim, svc
    from .x12build import claim_header, interchange, remit_header, subscriber

    build_scenario(tmp_path, loader, db)
    claims = claim_header() + subscriber(2, payer="PAYER01") + [
        *claim("P1", [("97139", NARRATIVE, "100")]), *claim("R1", [("97139", NARRATIVE, "50")])]
    paid = remit_header("45", trace="RUNP") + [
        "CLP*P1*1*100*45*0*12*ICN-P1", "NM1*QC*1*TESTER*PAT****MI*M0001",
        *svc("97139", 100, 45, "CAS*CO*45*55", control="P1-1", allowed=45)]
    for name, body, kind, control in (("old.837", claims, "837", 8), ("old.835", paid, "835", 9)):
        august = [segment.replace("20261102", "20260803") for segment in body]
        (tmp_path / name).write_text(interchange([august], kind=kind, control=control))
        assert loader.load(tmp_path / name).status == "loaded"
    rebuild_marts(db)
    db.close()
    return tmp_path / "test.duckdb"


def change_of(tile_props: dict) -> list[dict]:
    """The props of a tile's change line."""
    return [p for p in find(tile_props["children"])
            if "tile-change" in (p.get("className") or "")]  # fmt: skip


def test_a_young_period_is_not_coloured_worse(older_db):
    """Sep-Nov 2026 against Jun-Aug: pending A/R went from R1's $50 to H1's $100 (+100%). On
    2027-01-30 the November lines are 89 days old: the period is still open, so the change is
    neither shown nor coloured, and the page says how much of the open part is pending. Once
    mature (as of 2027-06-30, or with a 30-day maturity) A/R still unpaid is a real change for
    the worse."""
    search = "?from=2026-09-01&to=2026-11-30"
    young = page_body(signed_in(create_app(older_db, Settings(min_count=1, as_of=dt.date(
        2027, 1, 30)), check_every=0)), "overview", search)  # fmt: skip
    pending = find(young, id="tile-pending")[0]
    assert texts(pending)[1:3] == ["$100.00", "1 lines without remittance"]
    (changed,) = change_of(pending)
    assert changed["className"] == "tile-change muted"
    assert changed["children"] == "1 under 90 days old: period still open"
    for metric in ("net_paid", "initial_denial_rate", "final_denial_rate", "underpaid_dollars"):
        assert tile(young, metric)[-1] == "not compared: period still open", metric
    assert tile(young, "charges_billed")[-1] == "+300.0% vs previous period, better"  # 600/150
    note = texts(find(young, id="overview-open-period"))
    assert note[0].startswith("Period still open: service dates after 2026-11-01 are under 90 "
                              "days old on 2027-01-30. Those lines billed $600.00; $100.00 of "
                              "it (17%, 1 lines) has no remittance yet.")
    link = find(young, id="overview-mature-link")[0]
    assert (link["children"], link["href"]) == ("See Aug 2026 to Oct 2026 instead (mature)",
                                                "/?from=2026-08-01&to=2026-10-31")
    money = find(young, id={"type": "drill-chart", "name": "overview-money"})[0]["figure"]
    assert [a["text"] for a in money["layout"]["annotations"]] == ["still open"]

    for app, asof in ((create_app(older_db, Settings(min_count=1, as_of=dt.date(2027, 1, 30)),
                                  check_every=0, maturity_days=30), ""),
                      (create_app(older_db, Settings(min_count=1, as_of=dt.date(2027, 1, 30)),
                                  check_every=0), "&asof=2027-06-30")):  # fmt: skip
        mature = page_body(signed_in(app), "overview", search + asof)
        assert not find(mature, id="overview-open-period")
        (changed,) = change_of(find(mature, id="tile-pending")[0])
        assert (changed["children"], changed["className"]) == (
            "+100.0% vs previous period, worse", "tile-change worse")


def test_on_payment_dates_pending_lines_are_said_to_have_no_payment_date(client):
    body = page_body(client, "overview", "?basis=payment&from=2026-12-01&to=2026-12-31")
    assert texts(find(body, id="tile-pending"))[1:3] == [
        "—", "Pending lines have no payment date, so payment dates select none: choose "
             "service dates to see them."]
    assert "basis=payment" not in find(body, id="tile-pending")[0]["href"]
    payments = page_body(client, "payments", "?basis=payment&from=2026-12-01&to=2026-12-31",
                         pathname="/payments")
    assert not find(payments, id={"type": "drill-chart", "name": "payments-aging"})
    assert "Pending lines have no payment date, so payment dates select none of them." in \
        texts(payments)
