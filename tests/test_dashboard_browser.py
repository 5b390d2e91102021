"""The dashboard in a real browser (headless Chromium through selenium) on a generated practice:
every page loads without a console error, the filter bar changes the figures, tiles and charts
drill down to the rows behind them, exports download the rows shown, a claim opens from the
grid, and a person signs in, works, exports and signs out. Screenshots of every page go to
tests/artifacts/screenshots/."""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import os
import re
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlparse

import duckdb
import openpyxl
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from unlisted.dashboard.app import create_app
from unlisted.queries.metrics import Filters, Settings, compute, denial_reasons
from werkzeug.serving import make_server

from unlisted.presubmission import check_batch
from unlisted.settings import load_config

from .browser_support import shared_practice
from .dash_calls import PASSWORD, add_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    if os.environ.get("UNLISTED_REQUIRE_BROWSER"):  # set by .ci/run: there, a skip is a failure
        pytest.fail(f"{CHROMIUM} or {CHROMEDRIVER} is missing", pytrace=False)
    pytest.skip(f"browser tests need Debian's chromium and chromedriver ({CHROMIUM}, "
                f"{CHROMEDRIVER}): apt-get install chromium chromium-driver",
                allow_module_level=True)  # fmt: skip

AS_OF = dt.date(2026, 1, 31)  # the generated year is 2025; its last payments are in December
CODES = ("97139",)
USERS = {"browser": ("admin", "compliance"), "analyst": ("analyst",)}
SCREENSHOTS = Path(__file__).parent / "artifacts" / "screenshots"
WAIT = 30  # seconds; a page is usually drawn in one or two
UPLOAD_LIMIT = 2 * 2**20  # bytes one check on the Before you send page takes

# What each page shows once drawn: at least so many charts (every chart with at least one bar,
# point or heatmap cell), at least so many tables with rows, and anything else.
PAGES = {
    "overview": ("/", 2, 1, "#overview-body .tile"),
    "denials": ("/denials", 4, 3, None),
    "payments": ("/payments", 4, 1, None),
    # the dollars first (tiles, table, two heatmaps, paid per line), then the shares
    "documentation": ("/documentation", 6, 2, "#tile-gap-lost"),
    "compliance": ("/compliance", 1, 2, "#compliance-body .tile"),
    "sampling": ("/sampling", 0, 0, "#sampling-command"),
    "claims": ("/claims", 0, 0, "#claims-grid .ag-row .link-cell"),
    "send": ("/before-you-send", 0, 0, "#send-batch input[type=file]"),
    "data": ("/data", 0, 1, None),
    "access": ("/access", 0, 2, None),
    "claim": (None, 0, 2, "#claim-body h1"),
}
READY = """
const [charts, tables, extra] = arguments;
const page = document.querySelector('#page');
if (!page) return false;
const all = [...page.querySelectorAll('.chart')];
const drawn = all.filter(c => c.querySelector('.point, .hm image')).length;
const filled = [...page.querySelectorAll('.ag-root')]
    .filter(t => t.querySelector('.ag-center-cols-container .ag-row')).length;
return drawn === all.length && drawn >= charts && filled >= tables
    && (!extra || !!page.querySelector(extra));
"""


# -- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def practice(tmp_path_factory) -> Path:
    """The database of a generated practice, loaded by the demo command (marts included), one
    for every browser test module of the session (browser_support.py)."""
    return shared_practice(tmp_path_factory)


@pytest.fixture(scope="module")
def app_url(practice):
    """The dashboard on a free port, served from a background thread."""
    config = load_config()
    config["check"] = {**config["check"], "max_upload_bytes": UPLOAD_LIMIT}
    app = create_app(practice, Settings(as_of=AS_OF), codes=CODES, config=config)
    for name, roles in USERS.items():
        add_user(app, name, roles)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    app.server.config["unlisted_data"].snapshot.close()


@pytest.fixture(scope="module")
def browser(app_url):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync"):  # fmt: skip
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1000")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_window_size(1280, 1000)
    sign_in(driver, app_url, "browser")
    yield driver
    driver.quit()


@pytest.fixture
def downloads(browser, tmp_path) -> Path:
    """A fresh folder the browser saves downloads into, without asking."""
    folder = tmp_path / "downloads"
    folder.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior",
                            {"behavior": "allow", "downloadPath": str(folder)})  # fmt: skip
    return folder


# -- helpers -------------------------------------------------------------------------------------
def sign_in(browser, base: str, name: str, then: str = "/") -> None:
    """Through the sign-in form, as a person does."""
    browser.get(base + "/login?next=" + then)
    wait(browser, lambda b: b.find_element(By.ID, "username"))
    browser.find_element(By.ID, "username").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "sign-in-button").click()
    wait(browser, lambda b: urlparse(b.current_url).path == then,
         message=f"{name} did not get past the sign-in page")


def wait(browser, condition, timeout: float = WAIT, message: str = ""):
    """Until the condition holds; an element redrawn (or not there yet) meanwhile is looked for
    again."""
    return WebDriverWait(browser, timeout, poll_frequency=0.1, ignored_exceptions=(
        NoSuchElementException, StaleElementReferenceException)).until(condition, message)


def open_page(browser, url: str, charts: int = 0, tables: int = 0, extra: str | None = None):
    browser.get(url)
    wait(browser, lambda b: b.execute_script(READY, charts, tables, extra),
         message=f"{url} did not draw {charts} charts and {tables} tables ({extra})")


def severe(browser) -> list[dict]:
    """Console entries of level SEVERE since the last call (reading the log empties it)."""
    return [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(browser, name: str, ready: tuple) -> Path:
    """The whole page, not only the window: the window grows to the page's height for the shot
    (the grids and charts redraw for the new size first), then shrinks back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height, chrome = browser.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]")
    browser.set_window_size(1280, max(1000, min(height + chrome, 6000)))
    try:
        wait(browser, lambda b: b.execute_script(READY, *ready))
        time.sleep(0.5)  # plotly and ag-grid redraw a moment after a resize
        browser.save_screenshot(str(path))
    finally:
        browser.set_window_size(1280, 1000)
    return path


def text_of(browser, selector: str) -> str:
    try:
        elements = browser.find_elements(By.CSS_SELECTOR, selector)
        return elements[0].text.strip() if elements else ""
    except StaleElementReferenceException:  # redrawn meanwhile: ask again
        return ""


def click_first(browser, selector: str, by: str = By.CSS_SELECTOR) -> str:
    """Click the first element the selector finds and return its text, trying again while the
    page redraws it (the claims grid, for one, asks for its rows again once it is drawn)."""
    def clicked(b):
        element = b.find_element(by, selector)
        text = element.text.strip()
        element.click()
        return text or True
    return wait(browser, clicked, message=f"nothing to click at {selector}")


def number(text: str) -> int:
    """The first number of a text like '1,143 lines' or '427 of 1,051 lines'."""
    found = re.search(r"\d[\d,]*", text)
    assert found, f"no number in {text!r}"
    return int(found.group().replace(",", ""))


def query(browser) -> dict[str, list[str]]:
    return parse_qs(urlparse(browser.current_url).query)


def default_filters(db: Path, **changes) -> Filters:
    """The dashboard's default selection: the target codes over the latest whole months of data
    (twelve when two years are held, else half of what is held)."""
    with duckdb.connect(str(db), read_only=True) as con:
        first, last = con.execute(
            "SELECT min(service_date), max(service_date) FROM line_adjudication").fetchone()
    held = (last.year - first.year) * 12 + last.month - first.month + 1
    window = 12 if held >= 24 else max(1, held // 2)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    months = last.year * 12 + last.month - 1 - (window - 1)
    start = dt.date(months // 12, months % 12 + 1, 1)
    return Filters(codes=CODES, start=start, end=end, **changes)


def figures(db: Path, filters: Filters) -> dict[str, dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = compute(con, filters, Settings(as_of=AS_OF))
    return {row["metric"]: row for row in frame.iter_rows(named=True)}


def claim_to_open(db: Path) -> int:
    """A claim with something to show: a 97139 line denied at first and paid later."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT min(claim_id) FROM line_adjudication WHERE procedure_code = '97139' "
            "AND overturned").fetchone()[0]  # fmt: skip


def downloaded(folder: Path, suffix: str, timeout: float = WAIT) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.suffix == suffix]
        if done and not any(p.suffix == ".crdownload" for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} file downloaded into {folder}: {list(folder.iterdir())}")


# -- every page loads ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_without_console_errors(browser, app_url, practice, name):
    path, charts, tables, extra = PAGES[name]
    if path is None:
        path = f"/claims/{claim_to_open(practice)}"
    severe(browser)  # forget what earlier tests logged
    open_page(browser, app_url + path, charts, tables, extra)
    problems, empties, text = browser.execute_script(
        "const page = document.querySelector('#page'); return ["
        "page.querySelectorAll('.problem-state').length,"
        "page.querySelectorAll('.empty-state').length, page.innerText];")  # fmt: skip
    assert problems == 0, text[:500]
    if name != "data":  # the data page shows empty warning and reject tables, rightly
        assert empties == 0, text[:500]
    if name == "claim":
        assert "Remittance events" in text
        assert text_of(browser, "#claim-body h1").startswith("Claim ")
    if name == "claims":
        wait(browser, lambda b: re.fullmatch(r"[\d,]+ lines", text_of(b, "#claims-count")),
             message="the claims page counts no lines")
    time.sleep(0.3)  # let late requests finish before reading the console
    assert severe(browser) == []
    screenshot(browser, name, (charts, tables, extra))


# -- filters ---------------------------------------------------------------------------------------
def test_choosing_a_payer_updates_the_figures(browser, app_url, practice):
    everyone = figures(practice, default_filters(practice))
    open_page(browser, app_url + "/", *PAGES["overview"][1:])
    billed = "#tile-charges_billed .tile-detail"
    assert text_of(browser, billed) == f"{everyone['charges_billed']['denominator']:,.0f} lines"

    with duckdb.connect(str(practice), read_only=True) as con:
        payer = con.execute(
            "SELECT payer_id FROM line_adjudication WHERE procedure_code = '97139' "
            "GROUP BY payer_id ORDER BY count(*) DESC, payer_id LIMIT 1").fetchone()[0]  # fmt: skip
    click_first(browser, "#filter-payer")
    click_first(browser, f"//label[contains(@class, 'dash-dropdown-option')]"
                         f"[.//input[@value='{payer}']]", By.XPATH)  # fmt: skip
    wait(browser, lambda b: "payer=" in b.current_url, message="the URL did not take the payer")
    assert query(browser)["payer"] == [payer]
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)

    expected = figures(practice, default_filters(practice, payers=(payer,)))
    lines = expected["charges_billed"]["denominator"]
    assert lines != everyone["charges_billed"]["denominator"]
    wait(browser, lambda b: text_of(b, billed) == f"{lines:,.0f} lines",
         message=f"the billed tile did not change to {lines:,.0f} lines")  # fmt: skip
    rate = expected["initial_denial_rate"]
    assert text_of(browser, "#tile-initial_denial_rate .tile-detail") == (
        f"{rate['numerator']:,.0f} of {rate['denominator']:,.0f} lines")


# -- drill-down ------------------------------------------------------------------------------------
def test_the_initial_denial_tile_opens_its_lines(browser, app_url, practice):
    open_page(browser, app_url + "/", *PAGES["overview"][1:])
    numerator = number(text_of(browser, "#tile-initial_denial_rate .tile-detail"))
    assert numerator == figures(practice, default_filters(practice))[
        "initial_denial_rate"]["numerator"]
    click_first(browser, "#tile-initial_denial_rate")
    wait(browser, lambda b: urlparse(b.current_url).path == "/claims",
         message="a click on the tile did not open the claims page")
    assert query(browser)["set"] == ["initial_denied"]
    wait(browser, lambda b: "Lines behind" in text_of(b, "#drill-description"),
         message="no drill-down banner")
    wait(browser, lambda b: text_of(b, "#claims-count") == f"{numerator:,} lines",
         message=f"the claims page does not count {numerator:,} lines")
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#claims-grid .ag-row .link-cell"))


def test_a_bar_of_the_category_chart_opens_its_lines(browser, app_url, practice):
    open_page(browser, app_url + "/denials", *PAGES["denials"][1:])

    def click_widest_bar(b):
        chart = b.find_element(By.CSS_SELECTOR, "div.chart[id*='denials-category']")
        bars = chart.find_elements(By.CSS_SELECTOR, ".point path")
        widest = max(bars, key=lambda bar: bar.size["width"])
        ActionChains(b).move_to_element(widest).pause(0.3).click().perform()
        return True

    wait(browser, click_widest_bar)
    wait(browser, lambda b: urlparse(b.current_url).path == "/claims",
         message="a click on the bar did not open the claims page")
    category = query(browser)["category"][0]
    wait(browser, lambda b: "denial category" in text_of(b, "#drill-description"),
         message="no drill-down banner")
    with duckdb.connect(str(practice), read_only=True) as con:
        reasons = denial_reasons(con, default_filters(practice), "category")
    lines = dict(reasons.select("category", "lines").iter_rows())[category]
    assert lines == max(reasons["lines"])  # the widest bar
    wait(browser, lambda b: text_of(b, "#claims-count") == f"{lines:,} lines",
         message=f"the claims page does not count {lines:,} lines")


# -- exports ---------------------------------------------------------------------------------------
def test_exports_hold_the_rows_of_the_drill_down(browser, app_url, downloads):
    open_page(browser, app_url + "/claims?set=initial_denied", extra="#drill-description")
    wait(browser, lambda b: re.fullmatch(r"[\d,]+ lines", text_of(b, "#claims-count")))
    shown = number(text_of(browser, "#claims-count"))
    assert shown > 0

    click_first(browser, "#claims-exports a[href*='.csv']")
    text = downloaded(downloads, ".csv").read_text(encoding="utf-8")
    preamble = [line for line in text.splitlines() if line.startswith("# ")]
    assert "# drill-down outcome: initial_denied" in preamble
    rows = list(csv.reader(io.StringIO(text[sum(len(line) + 1 for line in preamble):])))
    assert "claim_id" in rows[0]
    assert len(rows) - 1 == shown

    click_first(browser, "#claims-exports a[href*='.xlsx']")
    book = openpyxl.load_workbook(downloaded(downloads, ".xlsx"), read_only=True)
    assert "Filters" in book.sheetnames
    described = {row[0]: row[1] for row in book["Filters"].iter_rows(values_only=True)}
    assert described["drill-down outcome"] == "initial_denied"
    assert described["A/R as of"] == AS_OF.isoformat()
    sheet = book["lines"]
    rows = list(sheet.iter_rows(values_only=True))
    assert "claim_id" in rows[0]
    assert len(rows) - 1 == shown
    book.close()


def test_the_grid_exports_as_searched(browser, app_url, downloads):
    open_page(browser, app_url + "/claims?set=initial_denied", extra="#drill-description")
    wait(browser, lambda b: re.fullmatch(r"[\d,]+ lines", text_of(b, "#claims-count")))
    everything = number(text_of(browser, "#claims-count"))
    search = browser.find_element(By.CSS_SELECTOR, "#claims-search")
    search.send_keys("MEDICARE")
    wait(browser, lambda b: re.fullmatch(r"[\d,]+ lines", text_of(b, "#claims-count"))
         and number(text_of(b, "#claims-count")) != everything)
    shown = number(text_of(browser, "#claims-count"))
    assert 0 < shown < everything
    # The export state follows the grid's next request: wait until it carries the search.
    wait(browser, lambda b: "MEDICARE" in (b.find_element(
        By.CSS_SELECTOR, "#grid-export-state").get_attribute("value") or ""))
    click_first(browser, "#grid-export-csv")
    text = downloaded(downloads, ".csv").read_text(encoding="utf-8")
    assert "# grid search: MEDICARE" in text
    rows = [line for line in text.splitlines() if not line.startswith("# ")]
    assert len(rows) - 1 == shown


# -- one claim -------------------------------------------------------------------------------------
def test_a_claim_opens_from_the_grid(browser, app_url):
    open_page(browser, app_url + "/claims", extra="#claims-grid .ag-row .link-cell")
    claim_id = click_first(browser, "#claims-grid .ag-row .link-cell")
    assert claim_id.isdigit(), claim_id
    wait(browser, lambda b: urlparse(b.current_url).path == f"/claims/{claim_id}",
         message=f"the click did not open claim {claim_id}")
    wait(browser, lambda b: "Remittance events" in text_of(b, "#page"),
         message="the claim page shows no remittance events")
    assert text_of(browser, "#claim-body h1").startswith("Claim ")


# -- the Content-Security-Policy and downloads from elsewhere ------------------------------------------
def test_pages_run_under_the_content_security_policy(browser, app_url):
    """Two pages with charts, grids, dropdowns and the date picker draw with no Content Security
    Policy report in the console, and the policy is in force: a script that the page did not
    ship does not run."""
    for name in ("overview", "claims"):
        path, charts, tables, extra = PAGES[name]
        browser.get_log("browser")  # forget what earlier tests logged
        open_page(browser, app_url + path, charts, tables, extra)
        click_first(browser, "#filter-payer")  # a dropdown opens (its menu is styled inline)
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
        time.sleep(0.3)
        entries = browser.get_log("browser")
        assert [e for e in entries if "Content Security Policy" in e["message"]] == [], name
        assert [e for e in entries if e["level"] == "SEVERE"] == [], name
    ran = browser.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        "document.body.appendChild(s); return window.injected === 1;")  # fmt: skip
    assert not ran
    assert any("Content Security Policy" in e["message"] for e in browser.get_log("browser"))


def test_a_link_on_another_site_downloads_nothing(browser, app_url, downloads):
    """A signed-in browser that follows another site's link to an export gets a refusal, not
    the file (the same link on the app's pages downloads: the export tests above)."""
    elsewhere = '<a id="bait" href="' + app_url + '/export/lines.csv?set=billed">report</a>'
    browser.get("data:text/html," + quote(elsewhere))
    click_first(browser, "#bait")
    wait(browser, lambda b: "Refused" in text_of(b, "body"),
         message="a link on another site was not refused")
    time.sleep(0.5)
    assert list(downloads.iterdir()) == []
    browser.get_log("browser")  # the refusal's 403 is logged: not a page error


# -- signing in and out ------------------------------------------------------------------------------
def test_an_analyst_signs_in_works_exports_and_signs_out(browser, app_url, practice, downloads):
    browser.delete_all_cookies()
    browser.get(app_url + "/claims")
    wait(browser, lambda b: urlparse(b.current_url).path == "/login",
         message="an unsigned visit was not sent to the sign-in page")
    screenshot_login = SCREENSHOTS / "sign-in.png"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(screenshot_login))

    sign_in(browser, app_url, "analyst", then="/claims")
    wait(browser, lambda b: re.fullmatch(r"[\d,]+ lines", text_of(b, "#claims-count")))
    assert text_of(browser, "#who-name") == "analyst"
    # The analyst's navigation holds the figure pages, not sampling, data or access.
    shown = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".main-nav .nav-page")
             if e.is_displayed()]
    assert shown == ["Overview", "Denials", "Payments", "Documentation", "Compliance", "Claims"]

    lines = number(text_of(browser, "#claims-count"))
    click_first(browser, "#claims-exports a[href*='.csv']")
    text = downloaded(downloads, ".csv").read_text(encoding="utf-8")
    assert len([r for r in text.splitlines() if not r.startswith("# ")]) - 1 == lines

    # A claim shows its patient as pseudonyms, never the name or member id of the 837.
    claim = claim_to_open(practice)
    with duckdb.connect(str(practice), read_only=True) as con:
        member, last = con.execute("SELECT subscriber_member_id, patient_last_name FROM claim "
                                   "WHERE claim_id = ?", [claim]).fetchone()
    open_page(browser, f"{app_url}/claims/{claim}", tables=2, extra="#claim-body h1")
    page = text_of(browser, "#page")
    assert "MBR-" in page and member not in page and last not in page

    # A session that ends meanwhile (here: the user's roles change) sends the page to the
    # sign-in page, which brings the person back.
    browser_store(practice).set_roles("analyst", ["analyst"], actor="test")
    click_first(browser, "#nav-denials")
    wait(browser, lambda b: urlparse(b.current_url).path == "/login",
         message="an ended session did not lead to the sign-in page")
    assert parse_qs(urlparse(browser.current_url).query)["next"][0].startswith("/denials")
    sign_in(browser, app_url, "analyst", then="/denials")

    click_first(browser, "#sign-out")
    wait(browser, lambda b: "You are signed out." in text_of(b, "body"),
         message="signing out did not end on the sign-in page")
    browser.get(app_url + "/")
    wait(browser, lambda b: urlparse(b.current_url).path == "/login",
         message="the session outlived the sign-out")
    store = browser_store(practice)
    events = [r["event"] for r in store.log_rows(user_name="analyst", limit=4)]
    assert events == ["sign-out", "sign-in", "export", "sign-in"]
    sign_in(browser, app_url, "browser")  # as the other tests expect


def test_a_batch_is_checked_before_it_is_sent(browser, app_url, practice, tmp_path):
    """The demo's next batch (written, not sent) uploaded on Before you send: its lines ranked
    as `unlisted check` ranks them; a broken file named with its reason; an oversized upload
    refused with the limit."""
    (outgoing,) = practice.parent.rglob("_outgoing/*.837")
    expected = check_batch(practice, [outgoing], load_config()).report.lines
    sign_in(browser, app_url, "browser", then="/before-you-send")
    severe(browser)  # what an earlier test left in the log (a signed-out page's requests)
    open_page(browser, app_url + "/before-you-send", extra="#send-batch input[type=file]")
    browser.find_element(By.CSS_SELECTOR, "#send-batch input[type=file]").send_keys(str(outgoing))
    wait(browser, lambda b: text_of(b, "#send-result .tile-value") == f"{expected.height:,}",
         message="the batch's lines were not counted")  # fmt: skip
    first = wait(browser, lambda b: text_of(b, "#send-result .ag-row[row-index='0'] "
                                               "[col-id='patient_control_number']"))  # fmt: skip
    assert first == expected["patient_control_number"][0]
    assert severe(browser) == []
    screenshot(browser, "before-you-send", (0, 1, "#send-result .tile-value"))

    broken = tmp_path / "broken.837"
    broken.write_text("ISA*00*not an interchange~")
    browser.find_element(By.CSS_SELECTOR, "#send-batch input[type=file]").send_keys(str(broken))
    wait(browser, lambda b: "broken.837: rejected." in text_of(b, "#send-result .problem-state"),
         message="the broken file was not named")  # fmt: skip
    big = tmp_path / "big.837"
    big.write_bytes(b"ISA" + b" " * (UPLOAD_LIMIT + 2**20))
    open_page(browser, app_url + "/before-you-send", extra="#send-batch input[type=file]")
    browser.find_element(By.CSS_SELECTOR, "#send-batch input[type=file]").send_keys(str(big))
    wait(browser, lambda b: "The files hold 3 MB; one check takes up to 2 MB."
         in text_of(b, "#send-result .problem-state"),
         message="the oversized upload was not refused")  # fmt: skip


def browser_store(practice: Path):
    from unlisted.access.store import AccessStore, store_path

    return AccessStore(store_path(practice))
