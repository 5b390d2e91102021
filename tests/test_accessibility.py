"""Accessibility in a real browser (headless Chromium through selenium), on the generated practice
of the browser tests: axe-core (vendored in tests/data/axe/) finds no critical or serious
violation of WCAG 2.0/2.1 A and AA on any page, for any role that opens it, nor on the sign-in
page; and the keyboard alone reaches the content (a skip link first) and opens a claim from the
claims grid and a payer's lines from the payer scorecard."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from unlisted.access.store import AccessStore, store_path

from . import test_dashboard_browser as shown
from .dash_calls import PASSWORD
from .test_dashboard_browser import PAGES, claim_to_open, open_page, sign_in, text_of, wait

# The browser tests' fixtures: their generated practice, its server and a signed-in browser.
practice, app_url, browser = shown.practice, shown.app_url, shown.browser

AXE = Path(__file__).parent / "data" / "axe" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEVERE = ("critical", "serious")

# Every page, the roles that open it (unlisted/access/roles.py) and what shows once it is
# drawn (charts, tables with rows, a selector), as the browser tests wait for it.
SAMPLE_PAGE = ("/sampling/1", 0, 1, "#sample-body h1")
OPENED_BY = {
    "overview": ("manager", "compliance", "analyst"),
    "denials": ("manager", "compliance", "analyst"),
    "payments": ("manager", "compliance", "analyst"),
    "documentation": ("compliance", "analyst"),
    "compliance": ("compliance", "analyst"),
    "sampling": ("compliance",),
    "sample": ("compliance",),
    "claims": ("manager", "compliance", "analyst"),
    "claim": ("manager", "compliance", "analyst"),
    "send": ("manager", "compliance"),
    "data": ("admin", "compliance"),
    "access": ("admin",),
}
# One role after another, so that each signs in once.
VISITS = [(role, page) for role in ("admin", "manager", "compliance", "analyst")
          for page, roles in OPENED_BY.items() if role in roles]  # fmt: skip

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
    .then(result => done(result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({impact: n.impact, target: n.target.join(' '),
                                  html: n.html.slice(0, 160)}))}))))
    .catch(error => done([{id: 'axe-error', impact: 'critical', help: String(error),
                           nodes: []}]));
"""


def violations(browser) -> list[dict]:
    """axe's critical and serious violations on the page shown, one entry a node."""
    if not browser.execute_script("return typeof window.axe === 'object'"):
        browser.execute_script(AXE.read_text(encoding="utf-8"))
    browser.set_script_timeout(60)
    found = browser.execute_async_script(RUN_AXE, TAGS)
    return [{"rule": v["id"], "impact": node["impact"] or v["impact"], "help": v["help"],
             "target": node["target"], "html": node["html"]}
            for v in found for node in (v["nodes"] or [{"impact": v["impact"], "target": "",
                                                        "html": ""}])
            if (node["impact"] or v["impact"]) in SEVERE]  # fmt: skip


def described(found: list[dict]) -> str:
    return "\n".join(f"  {v['rule']} ({v['impact']}): {v['target']}  {v['help']}  {v['html']}"
                     for v in found)


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def as_role(browser, app_url, practice):
    """Signs the browser in as a user with that one role (made on first use), unless it is."""
    store = AccessStore(store_path(practice))
    current = {"role": None}

    def sign_in_as(role: str | None) -> None:
        """None: signed out (the next call signs in again)."""
        if current["role"] == role:
            return
        if role is None:
            browser.delete_all_cookies()
            current["role"] = None
            return
        name = f"a11y-{role}"
        if store.user(name) is None:
            store.add_user(name, (role,), PASSWORD, actor="test")
        browser.delete_all_cookies()
        sign_in(browser, app_url, name, then="/data" if role == "admin" else "/")
        current["role"] = role

    return sign_in_as


# -- axe on every page, for every role -------------------------------------------------------------
@pytest.mark.parametrize(("role", "page"), VISITS, ids=[f"{p}-{r}" for r, p in VISITS])
def test_no_serious_violation(browser, app_url, practice, as_role, role, page):
    as_role(role)
    if page == "sample":
        path, *ready = SAMPLE_PAGE
    else:
        path, *ready = PAGES[page]
    if page == "claim":
        path = f"/claims/{claim_to_open(practice)}"
    open_page(browser, app_url + path, *ready)
    found = violations(browser)
    assert not found, f"{path} as {role}:\n{described(found)}"


def test_no_serious_violation_on_a_checked_batch(browser, app_url, practice, as_role):
    """Before you send once a batch is checked: the tiles and the ranked grid of lines."""
    as_role("manager")
    (outgoing,) = practice.parent.rglob("_outgoing/*.837")
    open_page(browser, app_url + "/before-you-send", *PAGES["send"][1:])
    browser.find_element(By.CSS_SELECTOR, "#send-batch input[type=file]").send_keys(str(outgoing))
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#send-result .ag-row"),
         message="the batch's lines were not drawn")  # fmt: skip
    found = violations(browser)
    assert not found, f"a checked batch:\n{described(found)}"


def test_no_serious_violation_on_the_sign_in_page(browser, app_url, as_role):
    as_role(None)
    browser.get(app_url + "/login")
    wait(browser, lambda b: b.find_element("id", "username"))
    found = violations(browser)
    assert not found, f"/login:\n{described(found)}"


def test_no_serious_violation_with_a_menu_or_the_calendar_open(browser, app_url, as_role):
    """What axe cannot see on a page at rest: a filter dropdown's open list of choices, and
    the date picker's open calendar."""
    as_role("compliance")
    open_page(browser, app_url + "/", *PAGES["overview"][1:])
    browser.find_element("css selector", "#filter-payer").click()
    wait(browser, lambda b: b.find_elements("css selector", ".dash-dropdown-content label"))
    found = violations(browser)
    press(browser, Keys.ESCAPE)
    browser.find_element("id", "filter-dates").click()
    wait(browser, lambda b: b.find_elements("css selector", ".dash-datepicker-controls"))
    found += violations(browser)
    press(browser, Keys.ESCAPE)
    assert not found, f"/ with a menu or the calendar open:\n{described(found)}"


# -- the keyboard alone ----------------------------------------------------------------------------
def press(browser, *keys) -> None:
    ActionChains(browser).send_keys(*keys).perform()


def focused(browser) -> dict:
    return browser.execute_script(
        "const e = document.activeElement; return {id: e.id, tag: e.tagName,"
        "cls: e.className || '', text: (e.innerText || '').trim().slice(0, 80),"
        "grid: e.closest('.ag-root-wrapper') ? e.closest('[id]').id : null};")


def test_the_first_tab_reaches_a_skip_link_to_the_content(browser, app_url, as_role):
    as_role("compliance")
    open_page(browser, app_url + "/", *PAGES["overview"][1:])
    browser.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
    press(browser, Keys.TAB)
    first = focused(browser)
    assert first["id"] == "skip-link", first
    assert browser.find_element("id", "skip-link").is_displayed()
    press(browser, Keys.ENTER)
    wait(browser, lambda b: focused(b)["id"] == "page", message="focus did not move to the page")
    # The next Tab goes into the content, past the header and the filter bar.
    press(browser, Keys.TAB)
    inside = browser.execute_script(
        "return document.getElementById('page').contains(document.activeElement)")
    assert inside, focused(browser)


def tab_into_grid(browser, grid_id: str, limit: int = 80) -> None:
    """Tab until the focus is in the grid (its first header cell), then down to the first row."""
    for _ in range(limit):
        press(browser, Keys.TAB)
        if grid_id in (focused(browser)["grid"] or ""):
            break
    else:
        raise AssertionError(f"{limit} Tabs did not reach the grid {grid_id}")
    press(browser, Keys.ARROW_DOWN)
    wait(browser, lambda b: "ag-cell" in focused(b)["cls"],
         message=f"ArrowDown did not move to a row of {grid_id}: {focused(browser)}")


def test_enter_on_a_claims_grid_row_opens_the_claim(browser, app_url, as_role):
    as_role("compliance")
    open_page(browser, app_url + "/claims", extra="#claims-grid .ag-row .link-cell")
    browser.find_element("id", "claims-search").click()  # start from the search box
    tab_into_grid(browser, "claims-grid")
    claim_id = focused(browser)["text"]
    assert claim_id.isdigit(), focused(browser)
    press(browser, Keys.ENTER)
    wait(browser, lambda b: urlparse(b.current_url).path == f"/claims/{claim_id}",
         message=f"Enter did not open claim {claim_id}")
    wait(browser, lambda b: text_of(b, "#claim-body h1").startswith("Claim "))


def test_enter_on_a_scorecard_row_opens_its_lines(browser, app_url, as_role):
    as_role("compliance")
    open_page(browser, app_url + "/", *PAGES["overview"][1:])
    grid = browser.find_element("css selector", "[id*='payer-scorecard']")
    grid_id = grid.get_attribute("id")
    # From the card's own export link, the last stop before the grid.
    browser.execute_script(
        "arguments[0].closest('.card').querySelector('.export-links a').focus()", grid)
    tab_into_grid(browser, grid_id)
    press(browser, Keys.ENTER)
    wait(browser, lambda b: urlparse(b.current_url).path == "/claims",
         message="Enter on a scorecard row did not open its lines")
    assert "payer=" in browser.current_url
    wait(browser, lambda b: "Lines behind" in text_of(b, "#drill-description"))
