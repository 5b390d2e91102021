"""A load in a second process while the app answers requests: no failed request.

The dashboard serves a private snapshot of the database (dashboard/snapshot.py) so that
`unlisted load` can write the file meanwhile. Here the app starts on part of a generated practice
(its first three months of claims and remittances), `unlisted load` adds the rest in a child
process, and two threads ask for pages, figures, exports and grid rows the whole time: every
answer must be a 200 with figures in it, and once the load has finished the app serves the new
data within seconds."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import requests
from unlisted.dashboard.app import create_app
from unlisted.queries.metrics import Filters, Settings, compute
from werkzeug.serving import make_server

from .dash_calls import signed_in_session

AS_OF = dt.date(2026, 1, 31)
FIRST_PART_ENDS = "2025-03-31"  # files dated up to this day are in the database from the start
GRID_REQUEST = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}


# -- the callbacks, as Dash 4's renderer posts them ----------------------------------------------
def outputs_of(output: str) -> list[str]:
    """'a.children' or, for several outputs, '..a.children...b.data..' as a list."""
    return output[2:-2].split("...") if output.startswith("..") else [output]


def callback_body(dependencies: list[dict], output: str, values: dict) -> dict:
    """The body the renderer posts to /_dash-update-component to run the callback that draws
    `output` ('id.property'), with the values of its inputs and state ('id.property' -> value;
    a missing value is sent as the renderer sends an unset property: without "value")."""
    spec = next(d for d in dependencies if output in outputs_of(d["output"]))
    names = outputs_of(spec["output"])
    outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True)) for name in names]

    def with_values(items: list[dict]) -> list[dict]:
        return [{**item, **({"value": values[key]} if key in values else {})}
                for item in items for key in [f"{item['id']}.{item['property']}"]]  # fmt: skip

    changed = [f"{i['id']}.{i['property']}" for i in spec["inputs"]][:1]
    return {
        "output": spec["output"],
        "outputs": outputs if spec["output"].startswith("..") else outputs[0],
        "inputs": with_values(spec["inputs"]),
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
        "state": with_values(spec["state"]),
    }


def bodies(base: str, session: requests.Session) -> dict[str, dict]:
    """The overview's figures and the first rows of the claims grid, unfiltered."""
    dependencies = session.get(base + "/_dash-dependencies", timeout=30).json()
    overview = callback_body(dependencies, "overview-body.children",
                             {"url.search": "", "url.pathname": "/"})  # fmt: skip
    grid = callback_body(dependencies, "claims-grid.getRowsResponse",
                         {"claims-grid.getRowsRequest": GRID_REQUEST, "url.search": ""})
    assert overview["inputs"] == [{"id": "url", "property": "search", "value": ""}]
    assert {"id": "claims-count", "property": "children"} in grid["outputs"]
    assert grid["state"] == [{"id": "url", "property": "search", "value": ""},
                             {"id": "claims-search", "property": "value"}]  # fmt: skip
    return {"overview": overview, "grid": grid}


# -- what a good answer is -------------------------------------------------------------------------
def check_page(response: requests.Response) -> None:
    assert response.status_code == 200, response.status_code
    assert "<title>Overview · unlisted</title>" in response.text  # the page at "/"


def check_export(response: requests.Response) -> None:
    assert response.status_code == 200, (response.status_code, response.text[:200])
    lines = response.text.splitlines()
    assert lines[0] == "# export: figures", lines[:3]
    rows = {row["metric"]: row for row in csv.DictReader(
        line for line in lines if not line.startswith("#"))}  # fmt: skip
    assert float(rows["lines_billed"]["numerator"]) > 0, rows["lines_billed"]


def check_overview(response: requests.Response) -> None:
    assert response.status_code == 200, (response.status_code, response.text[:200])
    body = json.dumps(response.json()["response"]["overview-body"]["children"])
    assert "tile-value" in body, body[:300]
    assert "empty-state" not in body and "problem-state" not in body, body[:300]


def grid_count(response: requests.Response) -> int:
    assert response.status_code == 200, (response.status_code, response.text[:200])
    answer = response.json()["response"]
    rows = answer["claims-grid"]["getRowsResponse"]
    count = answer["claims-count"]["children"]
    assert rows["rowCount"] > 0 and len(rows["rowData"]) == min(100, rows["rowCount"]), count
    assert count == f"{rows['rowCount']:,} lines", count
    return rows["rowCount"]


class Client:
    """Asks the app for a page, an export, the overview's figures and the grid's rows, in turn,
    and keeps every outcome."""

    def __init__(self, base: str, bodies: dict[str, dict], session: requests.Session):
        self.base = base
        self.bodies = bodies
        self.session = session
        self.outcomes: list[tuple[float, float, str, str | None]] = []  # start, end, what, error
        self.counts: list[int] = []

    def ask(self, what: str) -> None:
        start = time.monotonic()
        error = None
        try:
            if what == "page":
                check_page(self.session.get(self.base + "/", timeout=30))
            elif what == "export":
                check_export(self.session.get(self.base + "/export/figures.csv", timeout=30))
            elif what == "overview":
                check_overview(self.session.post(self.base + "/_dash-update-component",
                                                 json=self.bodies["overview"], timeout=30))
            else:
                self.counts.append(grid_count(self.session.post(
                    self.base + "/_dash-update-component", json=self.bodies["grid"], timeout=30)))
        except Exception as exc:  # every failure is recorded and reported
            error = f"{type(exc).__name__}: {exc}"[:300]
        self.outcomes.append((start, time.monotonic(), what, error))

    def run_until(self, stop: threading.Event) -> None:
        while not stop.is_set():
            for what in ("page", "export", "overview", "grid"):
                self.ask(what)


# -- the test --------------------------------------------------------------------------------------
def unlisted(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "unlisted.cli", *args], capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def dated(path: Path) -> str:
    """The date in a generated file's name (claims-2025-01-06.837, remit-X-2025-01-11.835)."""
    return re.search(r"\d{4}-\d{2}-\d{2}", path.name).group()


def lines_in_view(db: Path) -> int:
    """The lines the claims grid shows by default: 97139 over the dashboard's default months."""
    from unlisted.dashboard.view import resolved

    with duckdb.connect(str(db), read_only=True) as con:
        first, last = con.execute(
            "SELECT min(service_date), max(service_date) FROM line_adjudication").fetchone()
        filters = resolved(Filters(codes=("97139",)), first, last)
        figures = compute(con, filters, Settings(as_of=AS_OF))
    return int(figures.filter(metric="lines_billed")["numerator"][0])


def test_the_app_answers_every_request_while_a_load_runs(tmp_path):
    files, db = tmp_path / "files", tmp_path / "practice.duckdb"
    made = unlisted("generate", str(files), "--claims", "3000")
    assert made.returncode == 0, made.stderr
    inputs = sorted((files / "claims").iterdir()) + sorted((files / "remits").iterdir())
    first = [p for p in inputs if dated(p) <= FIRST_PART_ENDS]
    rest = [p for p in inputs if dated(p) > FIRST_PART_ENDS]
    rest += [files / "notes", files / "contracts.csv"]
    loaded = unlisted("load", "--db", str(db), *map(str, first))
    assert loaded.returncode == 0, loaded.stderr
    lines_before = lines_in_view(db)

    app = create_app(db, Settings(as_of=AS_OF), check_every=0.2)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        def signed_in() -> requests.Session:
            return signed_in_session(app, base)

        posts = bodies(base, signed_in())
        warm = Client(base, posts, signed_in())
        for what in ("page", "export", "overview", "grid"):
            warm.ask(what)
        assert [o for o in warm.outcomes if o[3]] == []
        assert warm.counts == [lines_before]

        clients = [Client(base, posts, signed_in()), Client(base, posts, signed_in())]
        stop = threading.Event()
        helper = threading.Thread(target=clients[1].run_until, args=(stop,), daemon=True)
        began = time.monotonic()
        load = subprocess.Popen(
            [sys.executable, "-m", "unlisted.cli", "load", "--db", str(db), *map(str, rest)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        helper.start()
        try:
            while load.poll() is None and time.monotonic() - began < 300:
                for what in ("page", "export", "overview", "grid"):
                    clients[0].ask(what)
        finally:
            if load.poll() is None:
                load.kill()
            _, stderr = load.communicate(timeout=60)
            ended = time.monotonic()
            stop.set()
            helper.join(60)
        assert load.returncode == 0, stderr

        outcomes = [o for c in clients for o in c.outcomes]
        failed = [o for o in outcomes if o[3]]
        assert failed == [], failed[:5]
        during = [o for o in outcomes if o[0] >= began and o[1] <= ended]
        assert len(during) >= 48, f"only {len(during)} requests during a {ended - began:.1f} s load"
        assert {what for *_, what, _ in during} == {"page", "export", "overview", "grid"}

        # The new data is served within seconds of the end of the load.
        lines_after = lines_in_view(db)
        assert lines_after > lines_before
        checker = Client(base, posts, signed_in())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            checker.ask("grid")
            if checker.counts and checker.counts[-1] == lines_after:
                break
            time.sleep(0.1)
        assert [o for o in checker.outcomes if o[3]] == []
        assert checker.counts[-1] == lines_after, (lines_before, checker.counts[-5:], lines_after)
        seen = time.monotonic() - ended
        assert seen < 5, f"the new data took {seen:.1f} s to show"
        for what in ("overview", "export"):
            checker.ask(what)
        assert [o for o in checker.outcomes if o[3]] == []
        print(f"\n{len(during)} requests during a {ended - began:.1f} s load; grid lines "
              f"{lines_before:,} -> {lines_after:,}, served {seen:.2f} s after the load ended")
    finally:
        server.shutdown()
        serving.join(10)
        app.server.config["unlisted_data"].snapshot.close()
