"""The web-facing checks of the security review (issue 16, items 3, 4, 9): where a sign-in may
send the browser next, formula injection through an export's filters, downloads started by
another site, the allowed hosts and the headers on every answer (Content-Security-Policy with
the hashes of Dash's inline scripts). Over HTTP with Flask's test client, on the hand-built
practice; tests/test_dashboard_browser.py runs the pages under the policy in Chromium."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import re
from urllib.parse import urlencode

import openpyxl
import pytest
from unlisted.dashboard.app import create_app
from unlisted.dashboard.signin import page_segments, safe_next
from unlisted.etl.database import connect
from unlisted.etl.load import Loader
from unlisted.queries.metrics import Settings

from unlisted.access.policy import LOCAL_HOSTS, Policy, PolicyError, access_policy
from unlisted.access.store import store_path
from unlisted.settings import ConfigError, load_config

from .dash_calls import ORIGIN, PASSWORD, add_user, exported_csv, signed_in
from .test_line_adjudication import build_scenario

AS_OF = dt.date(2027, 1, 31)
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-security")
    con = connect(folder / "test.duckdb")
    build_scenario(folder, Loader(con), con)
    con.close()
    return folder / "test.duckdb"


@pytest.fixture(scope="module")
def app(practice):
    return create_app(practice, Settings(min_count=1, as_of=AS_OF), check_every=0)


def store_of(app):
    return app.server.config["unlisted_access"]


# -- 1. where a sign-in leads ------------------------------------------------------------------------
ELSEWHERE = [
    "/%09/evil.example/",  # decoded: "/\t/evil.example/", which a browser reads as //evil.example/
    "/\t/evil.example/", "/\n/evil.example/", "/\r\n/evil.example", "/ /evil.example",
    "//evil.example", "//evil.example/x", "///evil.example", "/%2f%2fevil.example",
    "/\\evil.example", "/%5cevil.example", "\\\\evil.example",
    "https://evil.example/", "http:/evil.example", "HTTPS://evil.example", "//user@evil.example",
    "/x%0d%0aSet-Cookie:a=b", "/x\r\nSet-Cookie:a=b", "/denials%0d%0aSet-Cookie:a=b",
    "javascript:alert(1)", " /denials", "/denials ", "/denials\t", "/denials?x=%00",
    "/unknown", "/denials/../export/lines.csv", "/claims/./../login", "/%2e%2e/login",
    "/login", "/login?next=//evil.example", "/logout", "/export/lines.csv",
    "/assets/app.css", "/_dash-layout", "/denials#x", "/dénials", "denials", "", None,
    "/" + "a" * 3000,
]  # fmt: skip
OWN_PAGES = ["/", "/?payer=X", "/denials", "/denials/", "/denials?payer=X",
             "/denials?payer=PAYER01&code=97139&from=2026-01-01", "/claims/12", "/claims",
             "/claims?set=initial_denied&search=A%20B", "/sampling/3", "/access", "/data",
             "/documentation?provider=OKAFOR%2C%20ADA"]  # fmt: skip


@pytest.mark.parametrize("target", ELSEWHERE)
def test_safe_next_refuses_anything_but_a_page_of_the_app(target):
    assert safe_next(target) == "/"


@pytest.mark.parametrize("target", OWN_PAGES)
def test_safe_next_follows_the_apps_own_pages(target):
    assert safe_next(target) == target


def test_the_allowed_pages_come_from_the_page_registry():
    assert set(page_segments()) == {"", "denials", "payments", "documentation", "compliance",
                                    "sampling", "claims", "before-you-send", "data",
                                    "access"}  # fmt: skip


def test_signing_in_never_leads_to_another_site_nor_fails(app):
    add_user(app, "manager", ("manager",))
    for target in ELSEWHERE:
        if target is None:
            continue
        # As the form posts it, and as the sign-in page passes it on from its own address.
        client = app.server.test_client()
        answer = client.post("/login", headers=ORIGIN, data={
            "username": "manager", "password": PASSWORD, "next": target})
        assert (answer.status_code, answer.location) == (302, "/"), target
        page = app.server.test_client().get("/login?" + urlencode({"next": target}))
        assert page.status_code == 200 and 'name="next"' not in page.get_data(as_text=True)
    # The address the gate sends an unsigned visitor to comes back as it was.
    client = app.server.test_client()
    sent = client.get("/denials?payer=PAYER01").location
    page = client.get(sent).get_data(as_text=True)
    assert 'name="next" value="/denials?payer=PAYER01"' in page
    answer = client.post("/login", headers=ORIGIN, data={
        "username": "manager", "password": PASSWORD, "next": "/denials?payer=PAYER01"})
    assert answer.location == "/denials?payer=PAYER01"
    # The raw query of the review: /login?next=/%09/evil.example/ then the form.
    client = app.server.test_client()
    page = client.get("/login?next=/%09/evil.example/").get_data(as_text=True)
    assert "evil" not in page
    answer = client.post("/login?next=/%09/evil.example/", headers=ORIGIN,
                         data={"username": "manager", "password": PASSWORD})  # fmt: skip
    assert answer.location == "/"


def test_a_refused_next_leads_to_the_viewers_first_page(app):
    add_user(app, "admin", ("admin",))
    answer = app.server.test_client().post("/login", headers=ORIGIN, data={
        "username": "admin", "password": PASSWORD, "next": "//evil.example"})
    assert answer.location == "/data"  # an administrator does not open the Overview


# -- 2. formula injection through an export's filters ------------------------------------------
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
HOSTILE = {"payer": '=HYPERLINK("http://x")', "provider": "@SUM(1)", "location": "-2+3",
           "search": "+cmd|' /C calc'!A0"}  # fmt: skip


def runnable(cell) -> bool:
    """A cell a spreadsheet would run as a formula: starts with = + - @ (also after leading
    whitespace), or a tab or carriage return, and is not a plain number."""
    if not isinstance(cell, str) or not cell:
        return False
    return (cell.lstrip()[:1] in ("=", "+", "-", "@") or cell[0] in "\t\r") \
        and not NUMBER.fullmatch(cell)  # fmt: skip


def hostile_query(*payers: str) -> str:
    return "?" + urlencode([*(("payer", p) for p in payers), ("provider", HOSTILE["provider"]),
                            ("location", HOSTILE["location"])])  # fmt: skip


@pytest.mark.parametrize("dataset", ["lines", "figures", "by-payer", "reasons-carc"])
def test_a_shared_export_link_cannot_plant_a_formula_in_a_csv(app, dataset):
    client = signed_in(app, ("compliance",))
    for query in (hostile_query(HOSTILE["payer"]),
                  hostile_query("PAYER01", HOSTILE["payer"]),  # a comma in the filter words
                  "?" + urlencode({"payer": HOSTILE["payer"]})):  # fmt: skip
        answer = client.get(f"/export/{dataset}.csv{query}")
        assert answer.status_code == 200
        rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
        assert rows and all(not runnable(cell) for row in rows for cell in row), rows[:12]
        preamble, table = exported_csv(answer.get_data(as_text=True))
        payers = next(line for line in preamble if line.startswith("# payers: "))
        assert HOSTILE["payer"] in payers  # the filter as given, in one cell that cannot run
        if "provider=" in query:
            assert f"# providers: {HOSTILE['provider']}" in preamble
    # With data rows: numbers stay numbers (a negative one included), text is neutralised.
    answer = client.get("/export/figures.csv")
    _, table = exported_csv(answer.get_data(as_text=True))
    assert any(NUMBER.fullmatch(row["denominator"] or "") for row in table)


def test_the_grid_export_neutralises_its_search_and_filters(app):
    client = signed_in(app, ("compliance",))
    state = {"filterModel": {"payer_name": {"filterType": "text", "type": "contains",
                                            "filter": "=1+1"}},
             "sortModel": [], "search": HOSTILE["search"]}  # fmt: skip
    answer = client.post("/export/grid.csv" + hostile_query(HOSTILE["payer"]), headers=ORIGIN,
                         data={"state": json.dumps(state)})  # fmt: skip
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert all(not runnable(cell) for row in rows for cell in row), rows[:12]
    book = openpyxl.load_workbook(io.BytesIO(client.post(
        "/export/grid.xlsx" + hostile_query(HOSTILE["payer"]), headers=ORIGIN,
        data={"state": json.dumps(state)}).data))  # fmt: skip
    assert no_formula(book)
    filters = dict(book["Filters"].iter_rows(values_only=True))
    assert filters["grid search"] == "'" + HOSTILE["search"]


def no_formula(book) -> bool:
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                assert not runnable(cell.value), (sheet.title, cell.coordinate, cell.value)
    return True


def test_a_shared_export_link_cannot_plant_a_formula_in_a_workbook(app):
    client = signed_in(app, ("compliance",))
    for url in ("/export/lines.xlsx", "/export/figures.xlsx", "/export/page/overview.xlsx",
                "/export/page/denials.xlsx", "/export/worklist.xlsx"):  # fmt: skip
        for query in (hostile_query(HOSTILE["payer"]), hostile_query("PAYER01", HOSTILE["payer"])):
            answer = client.get(url + query)
            assert answer.status_code == 200, url
            book = openpyxl.load_workbook(io.BytesIO(answer.data))
            assert no_formula(book)
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/export/lines.xlsx" + hostile_query(HOSTILE["payer"])).data))  # fmt: skip
    filters = dict(book["Filters"].iter_rows(values_only=True))
    assert filters["payers"] == "'" + HOSTILE["payer"]
    assert filters["providers"] == "'" + HOSTILE["provider"]
    assert filters["locations"] == "'" + HOSTILE["location"]
    # Money stays a number, negative or not.
    book = openpyxl.load_workbook(io.BytesIO(client.get("/export/lines.xlsx").data))
    sheet = list(book["lines"].iter_rows(values_only=True))
    charges = [row[sheet[0].index("charge")] for row in sheet[1:]]
    assert charges and all(isinstance(c, int | float) for c in charges if c is not None)


# -- 3. downloads started by another site ------------------------------------------------------
def download_urls(app) -> list[str]:
    """Every GET download route of the app, with example values."""
    examples = {"dataset": "lines", "fmt": "csv", "sample_id": "1", "claim_id": "1",
                "page": "overview"}  # fmt: skip
    urls = []
    for rule in app.server.url_map.iter_rules():
        if rule.rule.startswith("/export/") and "GET" in rule.methods:
            urls.append(re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: examples[m.group(1)],
                               rule.rule) + "?payer=PAYER01")  # fmt: skip
    return urls


def test_a_download_must_come_from_the_apps_own_pages(app):
    add_user(app, "downloader", ("compliance",))
    client = app.server.test_client()  # no header that a browser would add by itself
    assert client.post("/login", headers=ORIGIN, data={"username": "downloader",
                                                       "password": PASSWORD}).status_code == 302
    urls = download_urls(app)
    assert len(urls) == 5
    refused_before = len(store_of(app).log_rows(event="refused"))
    for url in urls:
        for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                        {"Sec-Fetch-Site": "cross-site", "Referer": "http://localhost/claims"},
                        {"Referer": "http://evil.example/page"}, {"Origin": "http://evil.example"},
                        {"Referer": "http://localhost.evil.example/"}, {"Origin": "null"}, {}):
            answer = client.get(url, headers=headers)
            assert answer.status_code == 403, (url, headers)
            assert answer.mimetype == "text/plain" and b"Refused" in answer.data
            assert "Content-Disposition" not in answer.headers
    # From the app's own pages, or typed into the address bar: the file.
    for headers in (SAME_ORIGIN, {"Sec-Fetch-Site": "none"}, {"Referer": "http://localhost/"},
                    {"Origin": "http://localhost"}):  # fmt: skip
        answer = client.get("/export/lines.csv?payer=PAYER01", headers=headers)
        assert answer.status_code == 200, headers
        assert answer.headers["Content-Disposition"].startswith("attachment;")
    # Each refusal is logged by its endpoint, never its address (filters, claim ids).
    refused = store_of(app).log_rows(event="refused")[: len(store_of(app).log_rows(
        event="refused")) - refused_before]  # fmt: skip
    assert len(refused) == 5 * 8
    for row in refused:
        detail = json.loads(row["detail"])
        assert detail["why"] == "cross-site download" and "PAYER01" not in row["detail"]
    # Nobody signed in: asked to sign in, as before.
    assert app.server.test_client().get(urls[0], headers={
        "Sec-Fetch-Site": "cross-site"}).status_code == 401  # fmt: skip


# -- 4. allowed hosts, and the headers on every answer -----------------------------------------
def directives(policy: str) -> dict[str, list[str]]:
    parts = [p.split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_a_request_for_another_host_is_refused_first(app):
    client = signed_in(app, ("compliance",))
    for base in ("http://evil.example", "http://evil.example:8050", "http://127.0.0.1.nip.io",
                 "http://localhost.evil.example", "http://[::2]:8050", "http://10.0.0.5"):
        for url in ("/", "/login", "/export/lines.csv", "/assets/app.css", "/no-such-page"):
            answer = client.get(url, base_url=base, headers=SAME_ORIGIN)
            assert answer.status_code == 400, (base, url)
            assert answer.mimetype == "text/plain" and b"allowed_hosts" in answer.data
            assert answer.headers["Content-Security-Policy"]
            assert answer.headers["Cache-Control"] == "no-store"
        answer = client.post("/login", base_url=base, headers={"Origin": base},
                             data={"username": "compliance", "password": PASSWORD})
        assert answer.status_code == 400  # before the sign-in form is read
    for base in ("http://localhost", "http://LOCALHOST:8050", "http://127.0.0.1:8050",
                 "http://[::1]:8050"):  # fmt: skip
        assert client.get("/login", base_url=base).status_code == 200, base


def test_allowed_hosts_come_from_the_settings_and_see_the_trusted_proxys_host(practice,
                                                                             tmp_path):
    config = load_config()
    assert access_policy(config, practice).allowed_hosts == LOCAL_HOSTS == (
        "127.0.0.1", "localhost", "[::1]")
    mine = tmp_path / "unlisted.toml"
    mine.write_text('[access]\nallowed_hosts = ["unlisted.clinic.example", "127.0.0.1:8050"]\n')
    assert access_policy(load_config(mine), practice).allowed_hosts == (
        "unlisted.clinic.example", "127.0.0.1:8050")
    for wrong in ('"unlisted.clinic.example"', "[]", "[1]", '[""]'):
        mine.write_text(f"[access]\nallowed_hosts = {wrong}\n")
        with pytest.raises((ConfigError, PolicyError), match="allowed_hosts"):
            access_policy(load_config(mine), practice)

    behind = create_app(practice, Settings(as_of=AS_OF), check_every=0, policy=Policy(
        store=store_path(practice), proxies=1,
        allowed_hosts=("unlisted.clinic.example", "127.0.0.1:8050")))  # fmt: skip
    client = behind.server.test_client()
    public = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "unlisted.clinic.example"}
    assert client.get("/login", headers=public).status_code == 200
    # A rebound name forwarded by the proxy as it came.
    assert client.get("/login", headers={**public, "X-Forwarded-Host": "evil.example"}
                      ).status_code == 400  # fmt: skip
    # "name:port" allows that port only; the app's own name is not allowed unless listed.
    assert client.get("/login", base_url="http://127.0.0.1:8050").status_code == 200
    assert client.get("/login", base_url="http://127.0.0.1:8051").status_code == 400
    assert client.get("/login").status_code == 400  # localhost


def test_every_answer_carries_the_security_headers(app):
    client = signed_in(app, ("compliance",))
    page = client.get("/claims")
    assert page.status_code == 200
    answers = {
        "sign-in page": app.server.test_client().get("/login"),
        "page": page,
        "layout": client.get("/_dash-layout"),
        "callback": client.post("/_dash-update-component", headers=ORIGIN, json={}),
        "asset": client.get("/assets/app.css"),
        "script": client.get(re.search(r'src="(/_dash-component-suites/[^"]+)"',
                                       page.get_data(as_text=True)).group(1)),
        "download": client.get("/export/figures.csv"),
        "refused download": client.get("/export/figures.csv",
                                       headers={"Sec-Fetch-Site": "cross-site"}),
        "unsigned": app.server.test_client().get("/export/figures.csv"),
        "not found": client.get("/export/nothing.csv"),
        "other host": client.get("/login", base_url="http://evil.example"),
    }  # fmt: skip
    for what, answer in answers.items():
        h = answer.headers
        assert (h["X-Content-Type-Options"], h["Referrer-Policy"], h["X-Frame-Options"]) == (
            "nosniff", "same-origin", "DENY"), what
        csp = directives(h["Content-Security-Policy"])
        assert csp["default-src"] == ["'self'"], what
        assert csp["script-src"][0] == "'self'" and all(
            s.startswith("'sha256-") for s in csp["script-src"][1:]), what
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"], what
        assert csp["img-src"] == ["'self'", "data:"], what
        assert (csp["frame-ancestors"], csp["base-uri"], csp["form-action"],
                csp["object-src"]) == (["'none'"], ["'self'"], ["'self'"], ["'none'"]), what


def test_the_policy_allows_exactly_dashs_inline_scripts(app):
    client = signed_in(app, ("compliance",))
    answer = client.get("/")
    html = re.sub(r"<!--.*?-->", "", answer.get_data(as_text=True), flags=re.S)  # IE-only
    inline = [m.group(2) for m in re.finditer(r"<script([^>]*)>(.*?)</script>", html, re.S)
              if "src=" not in m.group(1) and "application/json" not in m.group(1)]
    assert any("new DashRenderer" in s for s in inline)
    allowed = directives(answer.headers["Content-Security-Policy"])["script-src"]
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, script[:80]
    assert "'unsafe-inline'" not in allowed and "'unsafe-eval'" not in allowed
    assert set(allowed[1:]) == set(app.csp_hashes())
