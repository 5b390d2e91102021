"""Sign-in, roles and PHI protection (docs/security.md, docs/users.md), over HTTP on
the hand-built practice: every route and callback of the app refuses an unsigned request; a
role-by-page matrix and a role-by-export matrix; identity columns by role; the analyst never
receives a member id, name or birth date in any response; cross-site requests, wrong
passwords, expired and ended sessions; and the access log records each event."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import sqlite3
import zipfile

import duckdb
import openpyxl
import pytest
from unlisted.dashboard.app import create_app
from unlisted.dashboard.exports import DATASETS, page_datasets
from unlisted.etl.database import connect
from unlisted.etl.load import Loader
from unlisted.queries.metrics import Settings

from unlisted.access import store as store_module
from unlisted.access.policy import Policy
from unlisted.access.store import AccessStore, Throttle, store_path
from unlisted.pipeline import rebuild_marts

from .dash_calls import (
    ORIGIN,
    PASSWORD,
    SAME_ORIGIN_FETCH,
    add_user,
    exported_csv,
    find,
    signed_in,
    texts,
)
from .x12build import claim_header, interchange, subscriber

AS_OF = dt.date(2027, 1, 31)
GRID_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}

# What each role opens, written out here rather than read from the program, so that a change
# of the program's roles shows as a failure to look at.
PAGES_OF = {
    "admin": {"data", "access"},
    "manager": {"overview", "denials", "payments", "claims", "claim", "send"},
    "compliance": {"overview", "denials", "payments", "documentation", "compliance", "sampling",
                   "sample", "claims", "claim", "send", "data"},
    "analyst": {"overview", "denials", "payments", "documentation", "compliance", "claims",
                "claim"},
}  # fmt: skip
FIGURE_EXPORTS = {"figures", "by-month", "by-payer", "by-provider", "by-location", "by-category",
                  "by-payer-month", "by-provider-month", "reasons-carc", "reasons-rarc",
                  "reasons-group", "reasons-category", "lines", "lines-incomplete", "underpaid",
                  "variance", "documentation-gaps", "documentation-gaps-by-month",
                  "documentation-gaps-by-provider", "documentation-earnings", "appealable",
                  "appeals-open", "pricing", "pricing-by-month"}  # fmt: skip
EXPORTS_OF = {
    "admin": {"files", "warnings", "rejects", "users", "access-log"},
    "manager": FIGURE_EXPORTS,
    "compliance": FIGURE_EXPORTS | {"findings", "samples", "files", "warnings", "rejects"},
    "analyst": FIGURE_EXPORTS | {"findings"},
}
PAGE_PATHS = {"overview": "/", "denials": "/denials", "payments": "/payments",
              "documentation": "/documentation", "compliance": "/compliance",
              "sampling": "/sampling", "sample": "/sampling/1", "claims": "/claims",
              "claim": "/claims/1", "data": "/data", "access": "/access",
              "send": "/before-you-send"}  # fmt: skip


# A treatment note that names its patient, as real notes do: free text must not leak it.
NOTE = ("Pat Tester seen for instrument assisted soft tissue mobilization to reduce pain and "
        "restore motion; TESTER reports relief. 25 minutes one-on-one. Electronically signed "
        "Ada Okafor, DPT.")


NARRATIVE = "PAT TESTER M0001 DOB 1970-01-01 19700101 01/01/1970 TEL 555-201-3344"


@pytest.fixture
def app(scenario_db):
    notes = scenario_db.parent / "notes.csv"
    notes.write_text("patient_control_number,service_date,provider_npi,provider_name,credentials,"
                     f'minutes,signed_date,note_text\nA1,2026-11-02,2234567014,"OKAFOR, ADA",DPT,'
                     f'25,2026-11-02,"{NOTE}"\n')  # fmt: skip
    # A claim whose SV101-7 narrative quotes the patient's name, member id, birth date (three
    # ways) and a phone number, as a careless biller may write it.
    claims = scenario_db.parent / "narrative.837"
    claims.write_text(interchange([claim_header() + subscriber(2, payer="PAYER09") + [
        "CLM*N9*100***11:B:1*Y*A*Y*Y", "LX*1", f"SV1*HC:97139:GP::::{NARRATIVE}*100*UN*1***1",
        "DTP*472*D8*20261102", "REF*6R*N9-1"]], control=9))  # fmt: skip
    con = connect(scenario_db)
    for path in (notes, claims):
        assert Loader(con).load(path).status == "loaded"
    rebuild_marts(con)
    con.close()
    return create_app(scenario_db, Settings(min_count=1, as_of=AS_OF), check_every=0)


@pytest.fixture
def store(app) -> AccessStore:
    return app.server.config["unlisted_access"]


def identities(db) -> dict[str, str]:
    """The scenario's member ids, names and birth dates, and how they would be written."""
    with duckdb.connect(str(db), read_only=True) as con:
        member, last, first, born = con.execute(
            "SELECT DISTINCT subscriber_member_id, patient_last_name, patient_first_name, "
            "patient_birth_date FROM claim").fetchall()[0]  # fmt: skip
    return {"member id": member, "last name": last, "first name": first,
            "birth date": born.isoformat(), "birth date (X12)": born.strftime("%Y%m%d")}


def leaks(body: bytes, found: dict[str, str]) -> list[str]:
    """Which identities the body holds (xlsx files are opened: their sheets are zipped)."""
    texts = [body]
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            texts = [book.read(name) for name in book.namelist()]
    words = {what: re.compile(rb"(?<![A-Za-z0-9])" + re.escape(value.encode())
                              + rb"(?![A-Za-z0-9])", re.IGNORECASE)
             for what, value in found.items()}  # fmt: skip
    return sorted({what for text in texts for what, word in words.items() if word.search(text)})


def callback_body(app, key: str, values: dict) -> dict:
    """The request the browser would send for the callback `key`, with these input values
    (pattern-matching inputs get no component: nothing clicked)."""
    spec = app.callback_map[key]

    def given(items):
        return [[] if item["id"].startswith("{") else
                {**item, "value": values.get(f"{item['id']}.{item['property']}")}
                for item in items]  # fmt: skip

    many = key.startswith("..")  # "a.prop", "..a.p...b.q..", each output maybe "@hash"
    targets = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
               for o in (key[2:-2].split("...") if many else [key])]  # fmt: skip
    inputs = given(spec["inputs"])
    return {"output": key, "outputs": targets if many else targets[0], "inputs": inputs,
            "state": given(spec["state"]),
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in spec["inputs"]
                               if not i["id"].startswith("{")]}  # fmt: skip


def post_callback(client, app, key: str, values: dict, headers=ORIGIN):
    return client.post("/_dash-update-component", data=json.dumps(callback_body(app, key, values)),
                       content_type="application/json", headers=headers)


def body_key(app, page: str) -> str:
    """The callback that reads a page's data: its body, or the Claims grid's rows."""
    starts = ("..claims-grid.",) if page == "claims" else (f"..{page}-body.", f"{page}-body.")
    return next(k for k in app.callback_map if k.startswith(starts))


def page_values(page: str) -> dict:
    return {"url.search": "", "url.pathname": PAGE_PATHS[page],
            "claims-grid.getRowsRequest": GRID_REQUEST}


# -- nothing without signing in ------------------------------------------------------------------
def test_every_route_and_callback_refuses_an_unsigned_request(app):
    client = app.server.test_client()
    examples = {"dataset": "lines", "fmt": "csv", "sample_id": "1", "claim_id": "1",
                "page": "overview", "path": "claims/1", "package_name": "dash",
                "fingerprinted_path": "dash-renderer/build/dash_renderer.min.js",
                "filename": "vendor/bootstrap-LICENSE"}  # fmt: skip
    let_through = set()
    rules = list(app.server.url_map.iter_rules())
    assert len(rules) >= 16
    for rule in rules:
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: examples[m.group(1)], rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answer = client.open(url, method=method, headers=ORIGIN,
                                 data="{}", content_type="application/json")  # fmt: skip
            refused = (answer.status_code == 401 and b"Sign in first" in answer.data) or (
                answer.status_code == 302 and answer.location.startswith("/login"))
            if not refused:
                let_through.add((rule.endpoint, method))
    # Only the sign-in page and its form answer a stranger.
    assert let_through == {("sign_in_page", "GET"), ("sign_in", "POST")}
    # ... and the page's styling, which carries no data; nothing else of the assets.
    assert client.get("/assets/app.css").status_code == 200
    assert client.get("/assets/vendor/bootstrap-LICENSE").status_code == 401

    keys = list(app.callback_map)
    # Every callback: the Sampling page's size-to-command one and the browser-side ones (the
    # grid's refresh, the tab title) included.
    assert len(keys) == 30
    for key in keys:
        answer = post_callback(client, app, key, page_values("overview"))
        assert answer.status_code == 401, key


def test_a_page_visit_without_a_session_goes_to_the_sign_in_page_and_comes_back(app):
    client = app.server.test_client()
    answer = client.get("/denials?payer=PAYER01&code=97139")
    assert answer.status_code == 302
    assert answer.location == "/login?next=%2Fdenials%3Fpayer%3DPAYER01%26code%3D97139"
    add_user(app, "manager", ("manager",))
    signed = client.post("/login", headers=ORIGIN, data={
        "username": "manager", "password": PASSWORD, "next": "/denials?payer=PAYER01&code=97139"})
    assert signed.location == "/denials?payer=PAYER01&code=97139"
    # Never to another site.
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        client = app.server.test_client()
        answer = client.post("/login", headers=ORIGIN, data={
            "username": "manager", "password": PASSWORD, "next": elsewhere})
        assert answer.location == "/", elsewhere


# -- roles ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", list(PAGES_OF))
def test_each_role_opens_its_pages_and_no_other(app, role):
    client = signed_in(app, (role,))
    for page in PAGE_PATHS:
        answer = post_callback(client, app, body_key(app, page), page_values(page))
        expected = 200 if page in PAGES_OF[role] else 403
        assert answer.status_code == expected, (role, page, answer.data[:200])
        shell = post_callback(client, app, next(k for k in app.callback_map
                                                if k.startswith("..page.children")),
                              {"url.pathname": PAGE_PATHS[page]})  # fmt: skip
        refused = "Your role does not open this page." in shell.get_data(as_text=True)
        assert refused == (page not in PAGES_OF[role]), (role, page)


@pytest.mark.parametrize("role", list(PAGES_OF))
def test_each_role_exports_its_data_and_no_other(app, role):
    client = signed_in(app, (role,))
    allowed = {d for d in DATASETS if client.get(f"/export/{d}.csv").status_code == 200}
    assert allowed == EXPORTS_OF[role]
    refused = {d for d in DATASETS if client.get(f"/export/{d}.xlsx").status_code == 403}
    assert refused == set(DATASETS) - EXPORTS_OF[role]
    exported = page_datasets()
    pages = {p for p in exported if client.get(f"/export/page/{p}.xlsx").status_code == 200}
    assert pages == PAGES_OF[role] & set(exported)
    claim = client.get("/export/claim/1.xlsx")
    assert (claim.status_code == 200) == ("claim" in PAGES_OF[role])
    assert claim.headers["Cache-Control"] == "no-store"  # no cache keeps a download either
    packet = client.get("/export/worklist.xlsx").status_code
    assert packet == (200 if role in ("compliance", "analyst") else 403)


def test_identities_show_by_role_and_pseudonyms_are_stable(app, scenario_db):
    found = identities(scenario_db)

    def versions(client) -> dict:
        book = openpyxl.load_workbook(io.BytesIO(client.get("/export/claim/1.xlsx").data))
        rows = list(book["versions"].iter_rows(values_only=True))
        return dict(zip(rows[0], rows[1], strict=True))

    for role in ("manager", "compliance"):
        seen = versions(signed_in(app, (role,)))
        assert (seen["subscriber_member_id"], seen["patient_last_name"],
                seen["patient_first_name"]) == (found["member id"], found["last name"],
                                                found["first name"])  # fmt: skip
        assert seen["patient_birth_date"].date().isoformat() == found["birth date"]
    masked = versions(signed_in(app, ("analyst",)))
    assert re.fullmatch(r"MBR-[A-Z2-7]{10}", masked["subscriber_member_id"])
    assert re.fullmatch(r"NAME-[A-Z2-7]{10}", masked["patient_last_name"])
    assert re.fullmatch(r"DOB-[A-Z2-7]{10}", masked["patient_birth_date"])
    # The same pseudonym for another analyst, and after a restart of the app.
    again = create_app(scenario_db, Settings(min_count=1, as_of=AS_OF), check_every=0)
    other = versions(signed_in(again, ("analyst",), name="second-analyst"))
    assert other == masked
    # A mixed role sees what its most trusted role sees.
    mixed = versions(signed_in(app, ("analyst", "compliance")))
    assert mixed["subscriber_member_id"] == found["member id"]
    # The claim page shows the patient the same way.
    for role, shown in (("compliance", found["member id"]),
                        ("analyst", masked["subscriber_member_id"])):  # fmt: skip
        page = post_callback(signed_in(app, (role,)), app, "claim-body.children",
                             page_values("claim")).get_data(as_text=True)
        assert f"member {shown}" in page, role


def every_response(app, client, claim_ids: list[int]):
    """(what, body) for every callback of the app on every page, every export of every
    dataset and page, every claim's page and workbook, and the worklist packet."""
    for page in PAGE_PATHS:
        values = {**page_values(page), "claims-grid.getRowsRequest": GRID_REQUEST,
                  "claims-search.value": "", "filter-basis.value": "service",
                  "sampling-n.value": 5, "sampling-seed.value": 7,
                  "sampling-stratify.value": "payer", "sampling-sd.value": 50,
                  "sampling-precision.value": 10}  # fmt: skip
        for key, spec in app.callback_map.items():
            if "callback" not in spec:  # runs in the browser only
                continue
            answer = post_callback(client, app, key, values)
            yield f"{key} on {page}", answer.status_code, answer.data
    for claim in claim_ids:
        answer = post_callback(client, app, "claim-body.children",
                               {"url.pathname": f"/claims/{claim}", "url.search": ""})
        yield f"claim page {claim}", answer.status_code, answer.data
        answer = client.get(f"/export/claim/{claim}.xlsx")
        yield f"claim export {claim}", answer.status_code, answer.data
    for dataset in DATASETS:
        for fmt in ("csv", "xlsx"):
            answer = client.get(f"/export/{dataset}.{fmt}")
            yield f"{dataset}.{fmt}", answer.status_code, answer.data
    for page in page_datasets():
        answer = client.get(f"/export/page/{page}.xlsx")
        yield f"page {page}", answer.status_code, answer.data
    answer = client.post("/export/grid.xlsx", headers=ORIGIN, data={"state": "{}"})
    yield "grid.xlsx", answer.status_code, answer.data
    answer = client.get("/export/worklist.xlsx")
    yield "worklist.xlsx", answer.status_code, answer.data


def test_the_analyst_never_receives_an_identity(app, scenario_db):
    found = identities(scenario_db)
    with duckdb.connect(str(scenario_db), read_only=True) as con:
        claim_ids = [r[0] for r in con.execute("SELECT claim_id FROM claim ORDER BY 1").fetchall()]
    answered = 0
    for what, status, body in every_response(app, signed_in(app, ("analyst",)), claim_ids):
        assert status in (200, 204, 403), (what, status, body[:300])
        assert leaks(body, found) == [], what
        answered += status == 200
    assert answered >= 150
    # The same scan finds them for a role that sees identities: it would see a leak.
    seen = set()
    for _what, _status, body in every_response(app, signed_in(app, ("compliance",)), claim_ids):
        seen.update(leaks(body, found))
    # (claim N9's narrative also writes the birth date as X12 does)
    assert seen == {"member id", "last name", "first name", "birth date", "birth date (X12)"}


# -- requests from elsewhere -----------------------------------------------------------------------
def test_requests_from_other_sites_are_refused(app, store):
    client = signed_in(app, ("analyst",))
    overview = body_key(app, "overview")
    assert post_callback(client, app, overview, page_values("overview")).status_code == 200
    for headers in ({"Origin": "http://evil.example"}, {}, {"Origin": "null"},
                    {"Referer": "http://evil.example/page"}):  # fmt: skip
        answer = post_callback(client, app, overview, page_values("overview"), headers=headers)
        assert answer.status_code == 403, headers
    same_site = {"Referer": "http://localhost/claims"}
    assert post_callback(client, app, overview, page_values("overview"),
                         headers=same_site).status_code == 200  # fmt: skip
    assert client.post("/export/grid.csv", data={"state": "{}"},
                       headers={"Origin": "http://evil.example"}).status_code == 403
    assert app.server.test_client().post("/login", data={
        "username": "analyst", "password": PASSWORD}).status_code == 403
    refused = store.log_rows(event="refused")
    assert len(refused) == 6
    assert json.loads(refused[0]["detail"])["why"] == "cross-site request"


# -- passwords, sessions -----------------------------------------------------------------------
def sign_in(client, name: str, password: str):
    return client.post("/login", headers=ORIGIN, data={"username": name, "password": password})


def test_wrong_passwords_are_rate_limited(app, store, monkeypatch):
    add_user(app, "manager", ("manager",))
    add_user(app, "analyst", ("analyst",))
    client = app.server.test_client()
    for _ in range(5):
        answer = sign_in(client, "manager", "not the password")
        assert answer.status_code == 401
        assert "do not match" in answer.get_data(as_text=True)
    # The sixth try waits, even with the right password, and says for how long.
    answer = sign_in(client, "manager", PASSWORD)
    assert answer.status_code == 429
    assert "Too many failed sign-ins. Try again in 15 minutes." in answer.get_data(as_text=True)
    assert sign_in(client, "analyst", PASSWORD).status_code == 302  # another user is not held
    events = [r["event"] for r in reversed(store.log_rows())
              if r["user_name"] in ("manager", "analyst")]  # fmt: skip
    assert events == ["sign-in-failed"] * 5 + ["sign-in-throttled", "sign-in"]
    # A quarter of an hour later the right password works again.
    later = store_module.time.time() + 15 * 60 + 1
    monkeypatch.setattr(store_module.time, "time", lambda: later)
    assert sign_in(app.server.test_client(), "manager", PASSWORD).status_code == 302


def test_many_names_from_one_address_are_held_too(app):
    client = app.server.test_client()
    for n in range(20):
        assert sign_in(client, f"guess{n}", "not the password").status_code == 401
    add_user(app, "analyst", ("analyst",))
    assert sign_in(client, "analyst", PASSWORD).status_code == 429


def test_session_cookie_flags(app, scenario_db):
    add_user(app, "analyst", ("analyst",))
    answer = sign_in(app.server.test_client(), "analyst", PASSWORD)
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "Max-Age=43200" in cookie  # 12 hours at most
    secure = app.server.test_client().post("/login", base_url="https://localhost", data={
        "username": "analyst", "password": PASSWORD}, headers={"Origin": "https://localhost"})
    assert "Secure" in secure.headers["Set-Cookie"]
    always = create_app(scenario_db, Settings(as_of=AS_OF), check_every=0, policy=Policy(
        store=store_path(scenario_db), secure_cookies="always"))
    assert "Secure" in sign_in(always.server.test_client(), "analyst",
                               PASSWORD).headers["Set-Cookie"]  # fmt: skip
    assert app.server.debug is False


def test_sessions_end_when_idle_too_long_or_too_old(scenario_db, monkeypatch):
    app = create_app(scenario_db, Settings(as_of=AS_OF), check_every=0, policy=Policy(
        store=store_path(scenario_db), idle_minutes=30, session_hours=1))
    overview = body_key(app, "overview")
    now = store_module.time.time()
    clock = {"now": now}
    monkeypatch.setattr(store_module.time, "time", lambda: clock["now"])
    client = signed_in(app, ("analyst",))
    for minutes in (20, 40, 55):  # each request within 30 minutes of the last one
        clock["now"] = now + minutes * 60
        assert post_callback(client, app, overview, page_values("overview")).status_code == 200
    clock["now"] = now + 61 * 60  # but no session lives longer than an hour here
    assert post_callback(client, app, overview, page_values("overview")).status_code == 401
    fresh = signed_in(app, ("analyst",))
    clock["now"] += 31 * 60  # idle for more than 30 minutes
    assert post_callback(fresh, app, overview, page_values("overview")).status_code == 401


def test_signing_out_ends_the_session_everywhere(app):
    client = signed_in(app, ("analyst",))
    token = client.get_cookie("unlisted_session").value
    out = client.post("/logout", headers=ORIGIN)
    assert out.status_code == 302 and out.location == "/login?signed_out=1"
    thief = app.server.test_client()
    thief.set_cookie("unlisted_session", token)
    assert post_callback(thief, app, body_key(app, "overview"),
                         page_values("overview")).status_code == 401  # fmt: skip
    assert "You are signed out." in client.get("/login?signed_out=1").get_data(as_text=True)


def test_changes_of_roles_or_password_end_the_sessions(app, store):
    client = signed_in(app, ("analyst",))
    overview = body_key(app, "overview")
    store.set_roles("analyst", ["manager"], actor="test")
    assert post_callback(client, app, overview, page_values("overview")).status_code == 401
    client = signed_in(app, ("analyst",), name="analyst")
    assert post_callback(client, app, body_key(app, "documentation"),
                         page_values("documentation")).status_code == 403  # now a manager
    store.set_password("analyst", "another password, long", actor="test")
    assert post_callback(client, app, overview, page_values("overview")).status_code == 401
    store.remove_user("analyst", actor="test")
    assert sign_in(app.server.test_client(), "analyst",
                   "another password, long").status_code == 401  # fmt: skip


# -- the access log ------------------------------------------------------------------------------
def test_the_access_log_records_each_event(app, store):
    add_user(app, "analyst", ("analyst",))
    client = app.server.test_client()
    assert sign_in(client, "analyst", "wrong password!").status_code == 401
    assert sign_in(client, "analyst", PASSWORD).status_code == 302
    client.environ_base.update(SAME_ORIGIN_FETCH)  # downloads from the app's own pages
    text = client.get("/export/lines.csv?payer=PAYER01&set=initial_denied").get_data(as_text=True)
    rows = exported_csv(text)[1]
    assert client.get("/export/users.csv").status_code == 403
    client.post("/logout", headers=ORIGIN)
    store.set_roles("analyst", ["analyst", "manager"], actor="cli:tester")

    log = list(reversed(store.log_rows(user_name="analyst")))
    assert [r["event"] for r in log] == ["sign-in-failed", "sign-in", "export", "refused",
                                         "sign-out"]  # fmt: skip
    export = log[2]
    detail = json.loads(export["detail"])
    assert export["row_count"] == len(rows) == 3
    assert (detail["export"], detail["payers"], detail["drill-down outcome"]) == (
        "lines.csv", "PAYER01", "initial_denied")
    assert export["roles"] == "analyst" and export["address"] == "127.0.0.1"
    changes = store.log_rows(event="roles-changed")
    assert changes[0]["user_name"] == "cli:tester"
    assert json.loads(changes[0]["detail"]) == {"user": "analyst", "from": ["analyst"],
                                                "to": ["manager", "analyst"]}
    added = store.log_rows(event="user-added")
    assert json.loads(added[0]["detail"])["user"] == "analyst"

    # The administrator sees it and exports it, and that export is recorded too.
    admin = signed_in(app, ("admin",))
    page = post_callback(admin, app, body_key(app, "access"), page_values("access"))
    # Read the decoded JSON: Dash may escape non-ASCII text (\u00b7 for the middle dot).
    shown = json.dumps(page.get_json(), ensure_ascii=False)
    assert "export: lines.csv · " in shown
    assert "hash chain holds" in shown
    exported = admin.get("/export/access-log.csv").get_data(as_text=True)
    assert exported.count("sign-in-failed") == 1
    assert store.log_rows(limit=1)[0]["event"] == "export"


def test_the_access_log_is_append_only_and_shows_edits(store):
    store.log("sign-in", actor="someone")
    store.log("export", actor="someone", detail={"export": "lines.csv"}, row_count=3)
    with sqlite3.connect(store.path) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("UPDATE access_log SET row_count = 0")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("DELETE FROM access_log")
    assert store.broken_link() is None
    # Someone with the file and a SQL shell can still edit it: the chain shows where.
    target = store.log_rows(event="export")[0]["id"]
    with sqlite3.connect(store.path) as con:
        con.execute("DROP TRIGGER access_log_no_update")
        con.execute("UPDATE access_log SET row_count = 0 WHERE id = ?", [target])
    assert store.broken_link() == target


# -- errors and logs -------------------------------------------------------------------------------
def test_failures_and_logs_name_no_patient(app, scenario_db, caplog, monkeypatch):
    found = identities(scenario_db)
    caplog.set_level(logging.DEBUG)
    data = app.server.config["unlisted_data"]

    def failing(*args, **kwargs):
        raise ValueError(f"cannot read {found['last name']} {found['member id']}")

    monkeypatch.setattr(data, "figures_of", failing)
    client = signed_in(app, ("compliance",))
    answer = post_callback(client, app, body_key(app, "overview"), page_values("overview"))
    assert "This view could not be drawn" in answer.get_data(as_text=True)
    assert client.get("/export/claim/99999.xlsx").status_code == 404
    assert client.get("/export/by-month.csv").status_code == 500
    sign_in(app.server.test_client(), found["last name"], "wrong password!")
    logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
    assert "ValueError" in logged  # the failure is logged ...
    assert leaks(logged.encode(), found) == [], logged  # ... without what it said
    assert leaks(answer.data, found) == []


def test_the_store_hashes_passwords_with_argon2(tmp_path):
    store = AccessStore(tmp_path / "access.sqlite", Throttle())
    store.add_user("alice", ["analyst"], "a long enough password", actor="test")
    with sqlite3.connect(store.path) as con:
        (hashed,) = con.execute("SELECT password_hash FROM app_user").fetchone()
    assert hashed.startswith("$argon2id$") and "a long enough password" not in hashed
    assert store.check_password("alice", "a long enough password").roles == ("analyst",)
    assert store.check_password("alice", "a long enough passworD") is None
    assert store.check_password("nobody", "a long enough password") is None


def test_behind_a_tls_proxy_the_public_address_counts(scenario_db):
    """docs/deploying.md: with [access] proxies = 1 the proxy's X-Forwarded-* headers say the
    scheme, host and address: cookies are Secure, the same-origin check sees the public host,
    the access log the person's address."""
    app = create_app(scenario_db, Settings(as_of=AS_OF), check_every=0, policy=Policy(
        store=store_path(scenario_db), proxies=1, allowed_hosts=("unlisted.clinic.example",)))
    add_user(app, "analyst", ("analyst",))
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "unlisted.clinic.example",
                 "X-Forwarded-For": "203.0.113.9"}  # fmt: skip
    client = app.server.test_client()
    answer = client.post("/login", data={"username": "analyst", "password": PASSWORD},
                         headers={**forwarded, "Origin": "https://unlisted.clinic.example"})
    assert answer.status_code == 302 and "Secure" in answer.headers["Set-Cookie"]
    store = app.server.config["unlisted_access"]
    assert store.log_rows(event="sign-in")[0]["address"] == "203.0.113.9"
    # The app's own address is not the public one: a request naming it is cross-site here.
    assert client.post("/login", data={"username": "analyst", "password": PASSWORD},
                       headers={**forwarded, "Origin": "http://localhost"}).status_code == 403
    # Without the setting, the same headers are not believed.
    direct = create_app(scenario_db, Settings(as_of=AS_OF), check_every=0)
    answer = direct.server.test_client().post(
        "/login", data={"username": "analyst", "password": PASSWORD},
        headers={**forwarded, "Origin": "http://localhost"})
    assert answer.status_code == 302 and "Secure" not in answer.headers["Set-Cookie"]


def test_a_rule_drill_down_is_closed_to_a_role_without_rule_findings(app):
    """A manager opens Claims, but not the Compliance page: a crafted address with a rule's
    drill-down shows no lines, and says why."""
    grid = body_key(app, "claims")
    values = {**page_values("claims"), "url.search": "?rule=missing_narrative"}
    manager = post_callback(signed_in(app, ("manager",)), app, grid, values).get_json()
    assert manager["response"]["claims-count"]["children"] == "Your role does not open these lines."
    assert manager["response"]["claims-grid"]["getRowsResponse"]["rowCount"] == 0
    analyst = post_callback(signed_in(app, ("analyst",)), app, grid, values).get_json()
    assert analyst["response"]["claims-count"]["children"].endswith(" lines")


def press(client, app, button: str, **values):
    """The Access page's change callback, as when `button` is pressed with these values."""
    key = next(k for k in app.callback_map if k.startswith("..access-result."))
    body = callback_body(app, key, {button: 1, "url.search": "", **values})
    body["changedPropIds"] = [button]
    return client.post("/_dash-update-component", data=json.dumps(body),
                       content_type="application/json", headers=ORIGIN)


def test_an_administrator_manages_users_on_the_access_page(app, store):
    admin = signed_in(app, ("admin",), name="boss")
    added = press(admin, app, "access-add.n_clicks", **{
        "access-new-name.value": "erin", "access-new-roles.value": ["analyst", "manager"],
        "access-new-oidc.value": False})
    result = added.get_json()["response"]["access-result"]["children"]
    password = find(result, id="access-password")[0]["children"]
    assert texts(result)[0] == "Added erin (manager, analyst)."
    assert store.check_password("erin", password).roles == ("manager", "analyst")
    assert "erin" in json.dumps(added.get_json()["response"]["access-body"]["children"])

    erin = signed_in_with(app, "erin", password)
    assert press(admin, app, "access-save.n_clicks", **{
        "access-user.value": "erin", "access-roles.value": ["compliance"]}).status_code == 200
    assert store.user("erin")["roles"] == "compliance"
    assert post_callback(erin, app, body_key(app, "overview"),
                         page_values("overview")).status_code == 401  # her session ended
    renewed = press(admin, app, "access-reset.n_clicks", **{"access-user.value": "erin"})
    fresh = find(renewed.get_json()["response"]["access-result"]["children"],
                 id="access-password")[0]["children"]
    assert store.check_password("erin", fresh) and not store.check_password("erin", password)
    assert press(admin, app, "access-add.n_clicks", **{
        "access-new-name.value": "okta.person@clinic.example",
        "access-new-roles.value": ["manager"], "access-new-oidc.value": True}).status_code == 200
    assert store.user("okta.person@clinic.example")["password_hash"] is None

    # Mistakes are said, and an administrator cannot lock themself out here.
    for button, values, said in (
        ("access-add.n_clicks", {"access-new-name.value": "erin",
                                 "access-new-roles.value": ["analyst"]}, "already a user erin"),
        ("access-add.n_clicks", {"access-new-name.value": "frank",
                                 "access-new-roles.value": []}, "unknown role (none given)"),
        ("access-remove.submit_n_clicks", {"access-user.value": "boss"}, "cannot remove yourself"),
        ("access-save.n_clicks", {"access-user.value": "boss", "access-roles.value": ["analyst"]},
         "cannot take the admin role from yourself"),
    ):  # fmt: skip
        answer = press(admin, app, button, **values).get_json()["response"]
        assert said in " ".join(texts(answer["access-result"]["children"])), button
    assert press(admin, app, "access-remove.submit_n_clicks",
                 **{"access-user.value": "erin"}).status_code == 200  # fmt: skip
    assert store.user("erin") is None

    by_boss = [r["event"] for r in reversed(store.log_rows(user_name="boss"))]
    assert by_boss == ["sign-in", "user-added", "roles-changed", "password-changed",
                       "user-added", "user-removed"]  # fmt: skip
    # Nobody else may press these buttons, whatever they send.
    analyst = signed_in(app, ("analyst", "compliance"))
    assert press(analyst, app, "access-add.n_clicks", **{
        "access-new-name.value": "mallory", "access-new-roles.value": ["admin"]}).status_code == 403
    assert store.user("mallory") is None


def signed_in_with(app, name: str, password: str):
    client = app.server.test_client()
    assert client.post("/login", headers=ORIGIN, data={"username": name,
                                                       "password": password}).status_code == 302
    return client


def test_a_narrative_quoting_the_patient_shows_pseudonyms_to_the_analyst(app):
    """The SV101-7 narrative of claim N9 names its patient, member id, birth date (three ways)
    and a phone number: the analyst's Claims grid shows pseudonyms and "[phone]" in their place,
    the compliance officer's the narrative as billed."""
    def narrative(role):
        got = post_callback(signed_in(app, (role,)), app, body_key(app, "claims"),
                            {**page_values("claims"), "url.search": "?set=billed&payer=PAYER09"})
        rows = json.loads(got.get_data(as_text=True))["response"]["claims-grid"]["getRowsResponse"]
        return rows["rowData"][0]["description"]

    assert narrative("compliance") == NARRATIVE
    masked = narrative("analyst")
    assert re.fullmatch(r"NAME-[A-Z2-7]{10} NAME-[A-Z2-7]{10} MBR-[A-Z2-7]{10} DOB "
                        r"(DOB-[A-Z2-7]{10}) \1 \1 TEL \[phone\]", masked), masked


def test_free_text_names_no_patient_for_the_analyst(app):
    def note(role):
        page = post_callback(signed_in(app, (role,)), app, "claim-body.children",
                             page_values("claim")).get_data(as_text=True)
        return page

    assert "Pat Tester seen for instrument" in note("compliance")
    masked = note("analyst")
    name, last = re.findall(r"(NAME-[A-Z2-7]{10}) (NAME-[A-Z2-7]{10}) seen for instrument", masked)[0]
    assert f"; {last} reports relief" in masked  # the same word, the same pseudonym
    assert "Tester" not in masked and "TESTER" not in masked
