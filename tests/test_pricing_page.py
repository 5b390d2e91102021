"""The Payments page's "How payers price" section, drawn by its callback over HTTP as the
browser asks for it, on the hand-built practice of test_pricing.py (figures worked out there)."""

from __future__ import annotations

import pytest
from unlisted.dashboard.app import create_app
from unlisted.etl.database import connect
from unlisted.queries.metrics import Settings

from unlisted.pipeline import load_files

from .dash_calls import find, page_body, signed_in, texts
from .test_pricing import AS_OF, CLAIMS, CONTRACTS, REMITS


@pytest.fixture
def app(tmp_path):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    # Without PAYER04's comparator contract that has no comparator rate: its lines would have a
    # contract and no expected allowed, which the variance chart of this page cannot bin yet.
    contracts = CONTRACTS.replace("PAYER04,DELTA PLAN,97139,,2026-07-01,,comparator,,97140\n", "")
    assert contracts != CONTRACTS
    for name, text in {**CLAIMS, **REMITS, "contracts.csv": contracts}.items():
        (inputs / name).write_text(text)
    con = connect(tmp_path / "test.duckdb")
    load_files(con, sorted(inputs.iterdir()))
    con.close()
    made = create_app(tmp_path / "test.duckdb", Settings(min_count=1, as_of=AS_OF),
                      check_every=0)  # fmt: skip
    data = made.server.config["unlisted_data"]
    data.config = {**data.config, "pricing": {"history_months": 12, "min_lines": 4}}
    return made


def section(client, search: str = ""):
    body = page_body(client, "payments", search, pathname="/payments")
    table = find(body, id={"type": "drill-table", "name": "pricing"})[0]["rowData"]
    chart = find(body, id={"type": "drill-chart", "name": "payments-pricing"})
    return body, table, chart[0]["figure"] if chart else None


def test_the_suggestions_name_each_payer_beside_its_id(app):
    body, table, _ = section(signed_in(app))
    assert "How payers price 97139" in texts(body)
    assert [(r["payer_name"], r["payer_id"], r["comparator_code"], r["comparator_share"],
             r["expected"], r["lines"]) for r in table] == [
        ("ACME HEALTH", "PAYER01", "97140", 0.75,
         "$43.93 per unit (25th to 75th percentile $41.58 to $46.82, 4 paid lines)", 4),
        ("BRIGHT CARE", "PAYER02", None, None, "$45.00 per unit (contract)", 2),
        ("CEDAR MUTUAL", "PAYER03", "97140", None,
         "$32.40 per unit: the contract's rate of 97140", 0),
        ("DELTA PLAN", "PAYER04", "97140", 1.0,
         "too few lines: 1 paid line, at least 4 needed", 1),
        ("EVERGREEN MEDICAID", "PAYER05", None, None, "share of charges: 55% (contract)", 0),
    ]  # fmt: skip
    assert (table[0]["per_unit"], table[0]["low"], table[0]["high"]) == (43.93, 41.58, 46.82)


def test_the_chart_of_allowed_per_unit_by_month_says_what_it_shows(app):
    body, _, figure = section(signed_in(app))
    acme = next(t for t in figure["data"] if t["name"] == "ACME HEALTH (PAYER01)")
    # October: 40.00 and 42.10 -> 41.05; November: 45.75 and 50.01 -> 47.88
    assert (acme["x"], acme["y"]) == (["2026-10-01", "2026-11-01"], [41.05, 47.88])
    # the payer's lines of the month, from the first month shown to the as-of date
    assert (
        acme["customdata"][0] == "/claims?from=2026-10-01&to=2026-12-31&payer=PAYER01&month=2026-10"
    )
    summary = next(t for t in texts(body) if t.startswith("Chart of 4 points in 3 series"))
    assert "ACME HEALTH (PAYER01), Nov 2026: $47.88 per unit (2 paid lines)" in summary


def test_the_payer_filter_applies_and_the_codes_come_from_the_view(app):
    client = signed_in(app)
    _, table, figure = section(client, "?payer=PAYER02")
    assert [r["payer_id"] for r in table] == ["PAYER02"]
    assert [t["name"] for t in figure["data"]] == ["BRIGHT CARE (PAYER02)"]
    body, table, figure = section(client, "?code=97139&code=97140")
    assert "How payers price 97139, 97140" in texts(body)
    # PAYER03's fixed rate of 97140 is a price of 97140 too; nobody billed 97140
    assert [(r["payer_id"], r["code"], r["expected"]) for r in table if r["payer_id"] == "PAYER03"] == [
        ("PAYER03", "97139", "$32.40 per unit: the contract's rate of 97140"),
        ("PAYER03", "97140", "$32.40 per unit (contract)")]  # fmt: skip
    assert len(table) == 6 and len(figure["data"]) == 3
