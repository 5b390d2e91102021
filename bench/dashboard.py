"""Dashboard speed: every page's figures, the claim-line grid and an export, over HTTP, at one
million claim lines.

Reuses (or builds) the 1M-line practice of bench/metrics.py, rebuilds its marts with the current
code, starts `unlisted serve` on it in a child process (as of the last payment date) and sends
what a browser sends: POST /_dash-update-component for each page's body callback with distinct
filter choices (payers, providers, locations, 3-, 6- and 12-month windows, payment dates,
modifiers, combinations, all codes), each view twice ("first view", then "repeat view", served
from the app's caches); the filter-bar sync callback; grid pages (first page of a new view, the
next pages as one scrolls, deep pages) with sorts, column filters and all codes; CSV exports.
Prints p50 / p95 / max per callback and case, the server's peak RSS, and exits non-zero when a
request fails or a view could not be drawn. Target: p95 under 300 ms. With --breakdown, each
page's first view is then taken apart in-process (selection, figures, drawing, JSON). The
server's log goes to dashboard-server.log next to the database.

    python bench/dashboard.py [--lines 1000000] [--out bench/out] [--port 8765] [--breakdown]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import psutil
import requests
from metrics import practice_database
from unlisted.dashboard.view import View, add_months, month_end
from unlisted.etl.database import connect
from unlisted.queries.metrics import Filters
from unlisted.queries.sql import sql

from unlisted.access.store import AccessStore, store_path
from unlisted.pipeline import rebuild_marts

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 300
PAGES = ("overview", "denials", "payments", "documentation", "data")
CONTROLS = ("payer", "provider", "location", "code", "modifier")
# What a drawn page must never contain: the message of a view that failed (pages/__init__.py).
FAILED_DRAW = ("problem-state", "empty-state")


# -- the server --------------------------------------------------------------------------------
BENCH_USER, BENCH_PASSWORD = "bench", "bench password, not secret"

class Server:
    """`unlisted serve` in a child process, its peak resident memory sampled meanwhile."""

    def __init__(self, db: Path, port: int, as_of: dt.date, log: Path) -> None:
        store = AccessStore(store_path(db))
        if store.user(BENCH_USER) is None:
            store.add_user(BENCH_USER, ("admin", "compliance"), BENCH_PASSWORD, actor="bench")
        self.log = log.open("w")
        command = [sys.executable, "-m", "unlisted.cli", "serve", "--db", str(db),
                   "--port", str(port), "--as-of", as_of.isoformat()]  # fmt: skip
        self.process = psutil.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{port}"
        self.peak = 0
        self.done = threading.Event()
        self.sampler = threading.Thread(target=self.sample, daemon=True)
        self.sampler.start()

    def sample(self) -> None:
        while not self.done.is_set():
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.02)

    def wait(self, timeout: float = 180.0) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited ({self.process.returncode}); "
                                 f"see {self.log.name}")
            try:
                if requests.get(self.base + "/login", timeout=5).status_code == 200:
                    return time.perf_counter() - start
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer within {timeout:.0f} s; see {self.log.name}")

    def stop(self) -> None:
        self.done.set()
        self.process.terminate()
        try:
            self.process.wait(10)
        except psutil.TimeoutExpired:
            self.process.kill()
        self.log.close()


def free_port(preferred: int) -> int:
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- what the browser sends --------------------------------------------------------------------
def outputs_of(name: str) -> list[str]:
    """The 'id.prop' outputs of a callback named 'id.prop' or '..a.p...b.q..' (Dash's names)."""
    return name[2:-2].split("...") if name.startswith("..") else [name]


class Callbacks:
    """The app's callbacks as GET /_dash-dependencies lists them. Requests are built from these,
    so the benchmark follows the app when a callback gains an output, an input or a state."""

    def __init__(self, dependencies: list[dict]) -> None:
        self.dependencies = dependencies

    def find(self, output: str) -> dict:
        for callback in self.dependencies:
            if output in outputs_of(callback["output"]):
                return callback
        raise SystemExit(f"the app has no callback for {output}")

    def request(self, output: str, values: dict[str, object], changed: list[str]) -> dict:
        """The body of POST /_dash-update-component as the Dash 4 renderer writes it, for the
        callback with this output; values by 'id.prop' (None for anything not given)."""
        callback = self.find(output)
        outputs = [dict(zip(("id", "property"), name.rsplit(".", 1), strict=True))
                   for name in outputs_of(callback["output"])]  # fmt: skip

        def filled(specs: list[dict]) -> list[dict]:
            return [{**spec, "value": values.get(f"{spec['id']}.{spec['property']}")}
                    for spec in specs]  # fmt: skip

        return {
            "output": callback["output"],
            "outputs": outputs[0] if len(outputs) == 1 else outputs,
            "inputs": filled(callback["inputs"]),
            "state": filled(callback["state"]),
            "changedPropIds": changed,
        }


def body_request(callbacks: Callbacks, page: str, search: str) -> dict:
    path = "/" if page == "overview" else f"/{page}"
    return callbacks.request(f"{page}-body.children", {"url.search": search, "url.pathname": path},
                             ["url.search"])  # fmt: skip


def sync_request(callbacks: Callbacks, search: str, controls: dict | None = None,
                 changed: str = "url.search") -> dict:  # fmt: skip
    """The filter bar's sync callback (its outputs include url.search): after an address change
    (controls empty, as on the first load) or after one control changed."""
    c = controls or {}
    values = {"url.search": search, "filter-dates.start_date": c.get("start"),
              "filter-dates.end_date": c.get("end"),
              "filter-basis.value": c.get("basis", "service"),
              **{f"filter-{n}.value": c.get(n) for n in CONTROLS}}  # fmt: skip
    return callbacks.request("url.search", values, [changed])


def grid_request(callbacks: Callbacks, search: str, start: int, sort: list | None = None,
                 filters: dict | None = None, text: str | None = None) -> dict:  # fmt: skip
    rows = {"startRow": start, "endRow": start + 100, "sortModel": sort or [],
            "filterModel": filters or {}}  # fmt: skip
    values = {"claims-grid.getRowsRequest": rows, "url.search": search,
              "claims-search.value": text}  # fmt: skip
    return callbacks.request("claims-grid.getRowsResponse", values,
                             ["claims-grid.getRowsRequest"])  # fmt: skip


# -- views -------------------------------------------------------------------------------------
def query(codes=("97139",), **filters) -> str:
    return View(filters=Filters(codes=tuple(codes), **filters)).query()


def page_views(options: dict, last: dt.date, all_codes: list[str]) -> list[tuple[str, str]]:
    """Distinct filter choices, as the query strings the filter bar writes: (kind, search)."""
    end = month_end(last)

    def window(months: int, back: int = 0) -> dict:
        stop = month_end(add_months(end.replace(day=1), -back))
        return {"start": add_months(stop.replace(day=1), 1 - months), "end": stop}

    payers = [o["value"] for o in options["payer"]]
    providers = [o["value"] for o in options["provider"]]
    locations = [o["value"] for o in options["location"]]
    half = window(6)
    views = [query()]
    views += [query(payers=(p,)) for p in payers]
    views += [query(providers=(p,)) for p in providers]
    views += [query(locations=(loc,)) for loc in locations]
    views += [query(**window(3, back)) for back in range(10)]
    views += [query(**window(6, back)) for back in range(7)]
    views += [query(**window(12, back)) for back in (1, 2)]
    views += [query(basis="payment")] + [query(basis="payment", **window(3, back))
                                         for back in (0, 3, 6, 9)]  # fmt: skip
    views += [query(modifiers=(m,)) for m in ("GP", "59", "XS", "GO")]
    views += [query(payers=(p,), **half) for p in payers]
    views += [query(providers=(p,), locations=(loc,))
              for p, loc in zip(providers, locations, strict=False)]  # fmt: skip
    views += [query(payers=tuple(payers[:2])), query(payers=tuple(payers[2:4]))]
    views += [query(payers=(payers[0],), modifiers=("GP",), basis="payment")]
    every = [query(all_codes), query(all_codes, **window(3)), query(all_codes, payers=(payers[0],)),
             query(all_codes, providers=(providers[0],)), query(all_codes, basis="payment", **half),
             query(all_codes, modifiers=("GP",))]  # fmt: skip
    chosen = [("97139", v) for v in views] + [("all codes", v) for v in every]
    assert len({v for _, v in chosen}) == len(chosen), "views must be distinct"
    return chosen


# -- measuring ---------------------------------------------------------------------------------
class Bench:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        # Signed in as a person would be: every request passes the sign-in gate.
        self.http.headers["Origin"] = base
        signed = self.http.post(base + "/login", data={"username": BENCH_USER,
                                                       "password": BENCH_PASSWORD},
                                allow_redirects=False, timeout=60)  # fmt: skip
        assert signed.status_code == 302, signed.text[:200]
        self.times: dict[str, list[float]] = defaultdict(list)
        self.sizes: dict[str, list[int]] = defaultdict(list)
        self.failures: list[str] = []
        self.callbacks = Callbacks([])

    def post(self, case: str, body: dict, check=None) -> dict | None:
        start = time.perf_counter()
        reply = self.http.post(self.base + "/_dash-update-component", json=body, timeout=120)
        elapsed = (time.perf_counter() - start) * 1000
        self.times[case].append(elapsed)
        self.sizes[case].append(len(reply.content))
        if reply.status_code != 200:
            self.failures.append(f"{case}: HTTP {reply.status_code} for {body['output']} "
                                 f"{body['inputs'][0]['value']!r}")  # fmt: skip
            return None
        answer = reply.json()
        problem = check(reply.text, answer) if check else None
        if problem:
            self.failures.append(f"{case}: {problem} ({body['inputs'][0]['value']!r})")
        return answer

    def rows(self) -> list[tuple]:
        out = []
        for case, times in self.times.items():
            ordered = sorted(times)
            p95 = ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]
            kb = statistics.mean(self.sizes[case]) / 1024
            out.append((case, len(times), statistics.median(ordered), p95, ordered[-1], kb))
        return out


def drawn(text: str, _answer: dict) -> str | None:
    for marker in FAILED_DRAW:
        if marker in text:
            return f"the page shows {marker}"
    return None


def grid_answer(_text: str, answer: dict) -> str | None:
    response = answer.get("response", {})
    rows = response.get("claims-grid", {}).get("getRowsResponse")
    if not rows or "rowData" not in rows:
        return "no rows in the grid's answer"
    if rows["rowCount"] and not rows["rowData"]:
        return "an empty page inside the rows"
    return None


def layout_options(layout: dict) -> dict[str, list[dict]]:
    """The filter bar's choices, read from the layout the browser receives."""
    found = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            props = node.get("props", {})
            name = props.get("id")
            if isinstance(name, str) and name.startswith("filter-") and "options" in props:
                found[name.removeprefix("filter-")] = props["options"]
            for value in props.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(layout)
    return found


def run_pages(bench: Bench, views: list[tuple[str, str]]) -> None:
    """Each page, each view: first request (nothing cached for these filters), then the same
    request again. Views follow each other in a cycle longer than the app's caches (6 line
    selections, 64 results), so a first view finds nothing of itself from the previous page."""
    for page in PAGES:
        started = time.perf_counter()
        for kind, search in views:
            first = "first view" if kind == "97139" else f"first view, {kind}"
            bench.post(f"{page}: {first}", body_request(bench.callbacks, page, search), drawn)
            bench.post(f"{page}: repeat view", body_request(bench.callbacks, page, search),
                       drawn)
        print(f"  {page}: {2 * len(views)} requests in {time.perf_counter() - started:.1f} s",
              flush=True)  # fmt: skip


def run_switching(bench: Bench, views: list[tuple[str, str]]) -> None:
    """One filter change, then a walk through the other pages with the same filters (lines of the
    selection cached, the page's own figures not)."""
    for _, search in views[1:40:3]:
        for k, page in enumerate(PAGES[:4]):
            case = "page after a filter change" if k == 0 else "next page, same filters"
            bench.post(case, body_request(bench.callbacks, page, search), drawn)


def run_sync(bench: Bench, views: list[tuple[str, str]], options: dict, last: dt.date) -> None:
    """The filter bar: address -> controls (a link opened), control -> address (a choice)."""
    for _, search in views[:30]:
        bench.post("filter bar sync: address changed", sync_request(bench.callbacks, search))
    payers = [o["value"] for o in options["payer"]]
    providers = [o["value"] for o in options["provider"]]
    choices = [("payer", [p]) for p in payers] + [("provider", [p]) for p in providers] + [
        ("modifier", ["GP"]), ("basis", "payment"),
        ("start", add_months(last.replace(day=1), -5).isoformat()),
        ("end", month_end(add_months(last.replace(day=1), -3)).isoformat()),
        ("code", [o["value"] for o in options["code"]])]  # fmt: skip
    for name, value in choices:
        controls = {name: value}
        changed = "filter-dates.start_date" if name == "start" else \
            "filter-dates.end_date" if name == "end" else f"filter-{name}.value"  # fmt: skip
        answer = bench.post("filter bar sync: control changed",
                            sync_request(bench.callbacks, query(), controls, changed))  # fmt: skip
        if answer is not None and "url" not in answer.get("response", {}):
            bench.failures.append(f"filter bar sync: no new address after {name} changed")
        bench.post("navigation links", bench.callbacks.request(
            "freshness.children", {"url.search": query()}, ["url.search"]))


def run_grid(bench: Bench, all_codes: list[str], payers: list[str]) -> None:
    """Claim-line grid: new filters (lines not cached), then new sorts and column filters on the
    same lines, the next pages as one scrolls, and deep pages."""
    every = query(all_codes)
    medicare = {"payer_name": {"filterType": "text", "type": "contains", "filter": "MEDICARE"}}
    costly = {"charge": {"filterType": "number", "type": "greaterThan", "filter": 150}}
    grids = [
        ("new filters", query(), None, None, None),
        ("new filters", every, None, None, None),
        ("new sort or column filter", every, [{"colId": "charge", "sort": "desc"}], None, None),
        ("new sort or column filter", every, [{"colId": "service_date", "sort": "asc"}], None,
         None),
        ("new sort or column filter", every, [{"colId": "service_date", "sort": "desc"}], None,
         None),
        ("new sort or column filter", every, None, medicare, None),
        ("new sort or column filter", every, [{"colId": "charge", "sort": "desc"}], medicare,
         None),
        ("new sort or column filter", every, [{"colId": "payer_name", "sort": "asc"}], costly,
         None),
        ("new search text", every, None, None, "97110"),
        ("new filters", query(all_codes, payers=(payers[1],)), [{"colId": "charge",
                                                                 "sort": "desc"}], None, None),
        ("new filters", View(filters=Filters(codes=tuple(all_codes))).query(
            outcome="initial_denied"), [{"colId": "service_date", "sort": "desc"}], None, None),
    ]  # fmt: skip
    for kind, search, sort, filters, text in grids:
        answer = bench.post(f"grid: first page, {kind}",
                            grid_request(bench.callbacks, search, 0, sort, filters, text),
                            grid_answer)  # fmt: skip
        total = answer["response"]["claims-grid"]["getRowsResponse"]["rowCount"] if answer else 0
        for start in range(100, 1000, 100):
            request = grid_request(bench.callbacks, search, start, sort, filters, text)
            bench.post("grid: next pages (scrolling)", request, grid_answer)
        for start in (5_000, 50_000, 500_000, total - 100):
            if 0 < start < total:
                request = grid_request(bench.callbacks, search, start, sort, filters, text)
                bench.post("grid: deep pages", request, grid_answer)


def run_exports(bench: Bench, all_codes: list[str]) -> list[tuple]:
    drill = View(filters=Filters(codes=("97139",))).query(outcome="initial_denied")
    every = View(filters=Filters(codes=tuple(all_codes))).query(outcome="initial_denied")
    out = []
    for label, search in (("lines.csv?set=initial_denied (97139)", drill),
                          ("lines.csv?set=initial_denied (all codes)", every),
                          ("lines.csv (all codes, every line)", query(all_codes))):  # fmt: skip
        start = time.perf_counter()
        reply = bench.http.get(f"{bench.base}/export/lines.csv{search}", timeout=600)
        size = len(reply.content)
        elapsed = time.perf_counter() - start
        rows = reply.content.count(b"\n") - reply.content.count(b"\n#") - 2
        if reply.status_code != 200 or rows <= 0:
            bench.failures.append(f"export {label}: HTTP {reply.status_code}, {rows} rows")
        out.append((label, rows, size / 1e6, elapsed, size / 1e6 / elapsed))
    return out


# -- where the time goes (in-process) ------------------------------------------------------------
def breakdown(db: Path, as_of: dt.date, scopes: list[tuple[str, str]]) -> list[str]:
    """Each page's body callback taken apart, in this process, with the server stopped: the
    selection (DuckDB to Polars, once per scope), the page's figures (summaries and any other
    selection it asks for), drawing (Plotly figures, components, worklists; what a repeat view
    still pays) and JSON encoding of the reply."""
    from dash._utils import to_json
    from unlisted.dashboard.data import Data
    from unlisted.dashboard.pages import denials, documentation, overview, payments
    from unlisted.dashboard.view import parse
    from unlisted.queries.metrics import Settings

    def ms(function, *args, prepare=lambda: None, repeat: int = 3) -> tuple[object, float]:
        """The result and the shortest of `repeat` timings (the machine may be shared)."""
        best = math.inf
        for _ in range(repeat):
            prepare()
            start = time.perf_counter()
            value = function(*args)
            best = min(best, (time.perf_counter() - start) * 1000)
        return value, best

    out = ["| scope | page | selection ms | figures ms | drawing ms | JSON ms | reply KB |",
           "|---|---|---|---|---|---|---|"]  # fmt: skip
    for label, search in scopes:
        data = Data(db, Settings(as_of=as_of), check_every=3600)
        try:
            view = data.effective(parse(search, data.codes))

            def forget(keep_lines: bool = True, data=data, view=view) -> None:
                """Nothing cached but the filter bar's choices (and the selection)."""
                data.results.items.clear()
                data.selections.items.clear()
                data.options(), data.labels(), data.date_bounds()
                if keep_lines:
                    data.lines(view.filters)

            lines, selection = ms(data.lines, view.filters, prepare=lambda: forget(False))
            scope = f"{label} ({lines.height:,} lines)"
            for page in (overview, denials, payments, documentation):
                _, cold = ms(page.draw, data, view, search, prepare=forget)
                body, warm = ms(page.draw, data, view, search)
                reply = {"multi": True, "response": {f"{page.NAME}-body": {"children": body}}}
                text, encode = ms(to_json, reply)
                out.append(f"| {scope} | {page.NAME} | {selection:.0f} | {cold - warm:.0f} | "
                           f"{warm:.0f} | {encode:.0f} | {len(text) / 1024:.0f} |")  # fmt: skip
        finally:
            data.snapshot.close()
    return out


# -- the report --------------------------------------------------------------------------------
def table(bench: Bench) -> list[str]:
    rows = bench.rows()
    width = max(len(r[0]) for r in rows)
    lines = [f"| {'callback / case':<{width}} | n | p50 ms | p95 ms | max ms | reply KB |",
             f"|{'-' * (width + 2)}|---|---|---|---|---|"]  # fmt: skip
    for case, n, p50, p95, top, kb in rows:
        flag = " **" if p95 > TARGET_MS else ""
        lines.append(f"| {case:<{width}} | {n} | {p50:.0f} | {p95:.0f}{flag} | {top:.0f} | "
                     f"{kb:,.0f} |")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--breakdown", action="store_true",
                        help="then take each page's callback apart in-process")
    args = parser.parse_args()
    began = time.perf_counter()
    db = practice_database(args.out, args.lines)
    con = connect(db)  # migrated to the current schema
    start = time.perf_counter()
    rebuild_marts(con)
    rebuilt = time.perf_counter() - start
    lines = con.execute("SELECT count(*) FROM line_adjudication").fetchone()[0]
    as_of = con.execute(sql("demo/last_payment_date")).fetchone()[0]
    last = con.execute(sql("options/service_dates")).fetchone()[1]
    con.close()
    print(f"{lines:,} adjudicated lines; marts rebuilt in {rebuilt:.1f} s; as of {as_of}",
          flush=True)  # fmt: skip

    server = Server(db, free_port(args.port), as_of, db.parent / "dashboard-server.log")
    try:
        ready = server.wait()
        bench = Bench(server.base)
        layout = bench.http.get(server.base + "/_dash-layout", timeout=60).json()
        options = layout_options(layout)
        bench.callbacks = Callbacks(bench.http.get(server.base + "/_dash-dependencies").json())
        for output in [f"{p}-body.children" for p in PAGES] + ["url.search",
                                                              "claims-grid.getRowsResponse"]:
            bench.callbacks.find(output)
        all_codes = [o["value"] for o in options["code"]]
        views = page_views(options, last, all_codes)
        print(f"server answered after {ready:.1f} s; {len(views)} distinct views per page, "
              f"{len(all_codes)} codes", flush=True)  # fmt: skip
        for _ in range(5):  # what a browser loads first (the filter bar's choices are cached)
            start = time.perf_counter()
            reply = bench.http.get(server.base + "/_dash-layout", timeout=60)
            bench.times["layout (GET /_dash-layout)"].append((time.perf_counter() - start) * 1000)
            bench.sizes["layout (GET /_dash-layout)"].append(len(reply.content))
            reply.raise_for_status()
        warm_up = query(**{"start": last.replace(day=1), "end": month_end(last)})
        for page in PAGES:  # the server's first callback (imports, first plots), not timed
            bench.http.post(server.base + "/_dash-update-component", timeout=120,
                            json=body_request(bench.callbacks, page, warm_up)).raise_for_status()
        run_pages(bench, views)
        run_switching(bench, views)
        run_sync(bench, views, options, last)
        started = time.perf_counter()
        run_grid(bench, all_codes, [o["value"] for o in options["payer"]])
        print(f"  grid: {time.perf_counter() - started:.1f} s", flush=True)
        exports = run_exports(bench, all_codes)
        rss = server.process.memory_info().rss
    finally:
        server.stop()

    print()
    print(f"Dashboard over HTTP, {lines:,} adjudicated claim lines (`unlisted serve`, as of "
          f"{as_of}); ** = p95 over {TARGET_MS} ms")  # fmt: skip
    print("\n".join(table(bench)))
    print()
    print("| export | rows | MB | time | MB/s |\n|---|---|---|---|---|")
    for label, rows, mb, seconds, rate in exports:
        print(f"| {label} | {rows:,} | {mb:.1f} | {seconds:.2f} s | {rate:.1f} |")
    if args.breakdown:
        print()
        print("Where the time of a first view goes (in-process, server stopped):")
        print("\n".join(breakdown(db, as_of, [("97139", ""), ("all codes", query(all_codes))])))
    print()
    print(f"server peak RSS {server.peak / 2**20:,.0f} MB (at the end {rss / 2**20:,.0f} MB); "
          f"{sum(len(t) for t in bench.times.values())} requests; run time "
          f"{time.perf_counter() - began:.0f} s", flush=True)  # fmt: skip
    if bench.failures:
        print(f"\n{len(bench.failures)} failed:\n" + "\n".join(bench.failures[:30]),
              file=sys.stderr)  # fmt: skip
        raise SystemExit(1)


if __name__ == "__main__":
    main()
