"""The pages as Dash's page registry holds them: one registration per page, from which the
navigation, the routing, the tab titles, the filter bar, the role checks and the gate follow;
the AG Grid protocol read in the dashboard; the demo's users named on its sign-in page."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from unlisted.dashboard import grid, registry
from unlisted.dashboard.app import create_app
from unlisted.queries.explore import ColumnTest, Combined, SortKey
from unlisted.queries.metrics import Settings

from .dash_calls import PASSWORD, callback, find, signed_in

AS_OF = dt.date(2027, 1, 31)
PAGES = Path(registry.__file__).parent / "pages"
# Written out here, not read from the program: a page added, removed or moved shows.
REGISTERED = {
    "overview": ("/", True), "denials": ("/denials", True), "payments": ("/payments", True),
    "documentation": ("/documentation", True), "compliance": ("/compliance", True),
    "sampling": ("/sampling", True), "claims": ("/claims", True), "data": ("/data", False),
    "access": ("/access", False), "claim": ("/claims/<claim_id>", False),
    "sample": ("/sampling/<sample_id>", False), "send": ("/before-you-send", False),
}  # fmt: skip


@pytest.fixture
def app(scenario_db):
    return create_app(scenario_db, Settings(min_count=1, as_of=AS_OF), check_every=0)


def test_each_page_declares_itself_once_and_imports_no_other_page():
    pages = registry.pages()
    assert {p["prefix"]: (p.get("path_template") or p["path"], registry.filtered(p))
            for p in pages} == REGISTERED  # fmt: skip
    assert [p["prefix"] for p in registry.nav_pages()] == [
        "overview", "denials", "payments", "documentation", "compliance", "sampling", "claims",
        "send", "data", "access"]  # fmt: skip
    for page in pages:
        assert page["roles"] and page["title"] == f"{page['name']} · unlisted", page["prefix"]
    for module in PAGES.glob("*.py"):
        if module.name == "__init__.py":
            continue
        source = module.read_text()
        assert source.count("dash.register_page(") == 1, module.name
        relative = [node for node in ast.walk(ast.parse(source))
                    if isinstance(node, ast.ImportFrom) and node.level == 1]  # fmt: skip
        assert relative == [], f"{module.name} imports another page"


def test_routing_roles_and_the_gate_follow_the_registry():
    assert registry.page_for("/claims/12")["prefix"] == "claim"
    assert registry.page_for("/claims/")["prefix"] == "claims"
    assert registry.page_for("/sampling/3")["prefix"] == "sample"
    assert registry.page_for("/nowhere")["prefix"] == "overview"
    assert registry.matched("/nowhere") is None
    assert registry.owner("grid-export-csv") == "claims"
    assert registry.owner("claims-grid") == "claims"
    assert registry.owner("claim-body") == "claim"
    assert registry.owner("elsewhere") is None

    from unlisted.access.roles import Viewer

    admin = Viewer("a", ("admin",))
    assert registry.first_page(admin)["path"] == "/data"
    assert registry.first_page(Viewer("m", ("manager",)))["path"] == "/"
    assert registry.opens(admin, "access") and not registry.opens(admin, "claims")
    assert not registry.opens(None, "overview")


def render(client, app, pathname: str) -> dict:
    key = next(k for k in app.callback_map if k.startswith("..page.children"))
    outputs = [tuple(part.rsplit(".", 1)) for part in key[2:-2].split("...")]
    return callback(client, outputs, [("url", "pathname", pathname)])


def test_each_page_has_its_tab_title_and_the_filter_bar_where_it_filters(app):
    client = signed_in(app)
    for path, title, filtered in (("/denials", "Denials · unlisted", True),
                                  ("/access", "Access · unlisted", False),
                                  ("/data", "Data · unlisted", False),
                                  ("/claims/1", "Claim · unlisted", False),
                                  ("/sampling/1", "Sample · unlisted", False),
                                  ("/claims", "Claims · unlisted", True)):  # fmt: skip
        page = client.get(path).get_data(as_text=True)
        assert f"<title>{title}</title>" in page, path
        got = render(client, app, path)
        assert got["page-title"]["data"] == title
        assert (got["filter-bar"]["style"] is None) == filtered, path


def test_the_brand_names_the_configured_codes(scenario_db):
    app = create_app(scenario_db, Settings(as_of=AS_OF), codes=("97139", "97039"),
                     check_every=0)  # fmt: skip
    page = app.server.test_client().get("/login").get_data(as_text=True)
    assert "97139, 97039 audit &amp; reimbursement" in page


def test_the_demos_sign_in_page_names_its_users_never_their_passwords(app):
    store = app.server.config["unlisted_access"]
    store.add_user("someone", ("manager",), PASSWORD, actor="test")
    page = app.server.test_client().get("/login").get_data(as_text=True)
    assert 'id="demo-users"' not in page and "someone" not in page  # not a demo
    store.add_user("demo-analyst", ("analyst",), PASSWORD, actor="demo")
    store.mark_demo("demo-analyst")
    page = app.server.test_client().get("/login").get_data(as_text=True)
    assert re.search(r"<code>demo-analyst</code>: analyst", page)
    assert "someone" not in page and PASSWORD not in page
    store.remove_user("demo-analyst", actor="test")
    assert store.demo_users() == []
    page = app.server.test_client().get("/login").get_data(as_text=True)
    assert 'id="demo-users"' not in page


def test_the_grid_protocol_reads_into_typed_tests():
    query = grid.grid_query(
        {"payer_name": {"filterType": "text", "type": "contains", "filter": "MUTUAL"},
         "charge": {"filterType": "number", "type": "inRange", "filter": 10, "filterTo": "20"},
         "service_date": {"filterType": "date", "type": "lessThan",
                          "dateFrom": "2026-11-05 00:00:00"},
         "status": {"filterType": "set", "values": ["Paid", 3]},
         "location": {"filterType": "text", "operator": "OR", "conditions": [
             {"filterType": "text", "type": "equals", "filter": "A"},
             {"filterType": "text", "type": "blank"}]}},
        [{"colId": "charge", "sort": "desc"}, {"colId": "units", "sort": "asc"}], "x")
    assert query.tests == (
        ColumnTest("payer_name", "text", "contains", "mutual"),
        ColumnTest("charge", "number", "inRange", 10.0, 20.0),
        ColumnTest("service_date", "date", "lessThan", dt.date(2026, 11, 5)),
        ColumnTest("status", "set", "in", ("Paid", "3")),
        Combined("location", (ColumnTest("location", "text", "equals", "a"),
                              ColumnTest("location", "text", "blank")), any=True),
    )  # fmt: skip
    assert query.order == (SortKey("charge", True), SortKey("units", False))
    hash(query)  # the grid's counts and orders are cached under it
    for bad in ({"charge": {"filterType": "regex", "type": "x"}},
                {"charge": {"filterType": "number", "type": "equals", "filter": "many"}}):
        with pytest.raises(ValueError):
            grid.grid_query(bad, [], None)
    assert grid.claim_link({"claim_id": 7, "patient_control_number": "A*1[2]"}) == \
        r"[A\*1\[2\]](/claims/7)"  # fmt: skip


def test_the_claims_grid_links_each_claim_number_to_its_claim(app):
    client = signed_in(app)
    got = callback(client, [("claims-grid", "getRowsResponse"), ("claims-count", "children")],
                   [("claims-grid", "getRowsRequest", {"startRow": 0, "endRow": 10,
                                                       "sortModel": [], "filterModel": {}})],
                   [("url", "search", ""), ("claims-search", "value", None)])  # fmt: skip
    rows = got["claims-grid"]["getRowsResponse"]["rowData"]
    assert rows and all(row["claim_link"].endswith(f"](/claims/{row['claim_id']})")
                        for row in rows)  # fmt: skip
    grids = find(render(client, app, "/claims")["page"]["children"], id="claims-grid")
    column = next(c for c in grids[0]["columnDefs"] if c.get("headerName") == "Claim number")
    # Shown as a link, sorted and filtered by the number itself (the column's id).
    assert (column["field"], column["colId"], column["cellRenderer"]) == (
        "claim_link", "patient_control_number", "markdown")
