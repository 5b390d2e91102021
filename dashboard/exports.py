"""Downloads: every table and every page's data as CSV or Excel, under the filters of the link,
which are written into the file. Large exports are streamed by the server in slices, never held
in the browser.

GET /export/<dataset>.csv?<filters>    one dataset as CSV (filters as leading '#' lines)
GET /export/<dataset>.xlsx?<filters>   one dataset as an Excel sheet, plus a Filters sheet
GET /export/page/<page>.xlsx?<filters> a page's datasets, one sheet each, plus Filters
GET /export/claim/<claim id>.xlsx       one claim: versions, lines, remittance events, notes
GET /export/sample/<id>.<xlsx|pdf>      a sample's audit packet
GET /export/worklist.<xlsx|pdf>?<filters>  the rule worklist's audit packet
POST /export/grid.<csv|xlsx>?<filters>  the Claims grid as shown: its column filters, sort and
                                        search come in the body (form field `state`, JSON)

Every download needs a signed-in person whose roles read its data (403 otherwise), shows
identities as that person may see them, and goes to the access log with its filters and rows.
A GET download must come from this site (signin.py: a link on another site gets 403), and every
cell of every file, the '#' preamble and the Filters sheet included, is neutralised against
spreadsheet formulas and quoted by the CSV rules (csv_stream).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
import xlsxwriter
from flask import Flask, Response, abort, request, send_file

from .. import packet_writer
from ..access.roles import Refused
from ..access.store import AccessStore
from ..queries import packet
from ..queries.documentation_gaps import BY, GAP_NAMES
from ..queries.explore import Drill
from ..queries.metrics import exact_rows
from ..queries.spreadsheet import SLICE, neutral_text, neutralised, write_sheet
from . import grid, registry
from .data import Data, NoData
from .labels import FIGURE_LABELS
from .registry import opens
from .signin import current_viewer, log_export
from .view import View, parse

log = logging.getLogger("unlisted.dashboard")


def figures(by=None) -> Callable[[Data, View], pl.DataFrame]:
    def make(data: Data, view: View) -> pl.DataFrame:
        frame = data.figures(view, by).with_columns(
            figure=pl.col("metric").replace_strict(FIGURE_LABELS, default=pl.col("metric")))
        index = [c for c in ("group", "subgroup") if c in frame.columns and by]
        frame = frame.select("metric", "figure", *index, "numerator", "denominator", "value",
                             "suppressed", "reason")  # fmt: skip
        # As `unlisted metrics` prints them: money to the cent, counts whole, exact as text.
        exact = exact_rows(frame)
        return frame.with_columns(
            pl.Series(part, [None if r[part] is None else str(r[part]) for r in exact],
                      pl.String) for part in ("numerator", "denominator"))  # fmt: skip
    return make


def reasons(level: str) -> Callable[[Data, View], pl.DataFrame]:
    def make(data: Data, view: View) -> pl.DataFrame:
        labels = data.labels().get(level, {})
        return data.reasons(view, level).with_columns(
            label=pl.col(level).replace_strict(labels, default=None, return_dtype=pl.String))
    return make


def gap_costs(by: str | None = None) -> Callable[[Data, View], pl.DataFrame]:
    """What each documentation gap costs (queries/documentation_gaps.py), exact to the cent."""
    def make(data: Data, view: View) -> pl.DataFrame:
        return data.documentation_costs(view, by).with_columns(
            gap_label=pl.col("gap").replace_strict(GAP_NAMES, default=pl.col("gap")))
    return make


def drilled_lines(outcome: str | None = None) -> Callable[[Data, View], pl.LazyFrame]:
    def make(data: Data, view: View) -> pl.LazyFrame:
        chosen = view if outcome is None else replace(view, drill=Drill(outcome=outcome))
        return data.drilled(chosen).sort("service_date", "claim_line_id")
    return make


DATASETS: dict[str, Callable[[Data, View], pl.DataFrame | pl.LazyFrame]] = {
    "figures": figures(),
    **{f"by-{by}": figures(by) for by in ("month", "payer", "provider", "location", "category")},
    "by-payer-month": figures(("payer", "month")),
    "by-provider-month": figures(("provider", "month")),
    **{f"reasons-{level}": reasons(level) for level in ("carc", "rarc", "group", "category")},
    "lines": drilled_lines(),
    "lines-incomplete": drilled_lines("documentation_incomplete"),
    "documentation-gaps": gap_costs(),
    **{f"documentation-gaps-by-{by}": gap_costs(by) for by in BY},
    "documentation-earnings": lambda data, view: data.documentation_earnings(view),
    "underpaid": lambda data, view: data.underpaid(view),
    "appealable": lambda data, view: data.appeal_worklist(view, limit=None),
    "appeals-open": lambda data, view: data.appeals_sent(view)["open"],
    "pricing": lambda data, view: data.comparator_prices(view),
    "pricing-by-month": lambda data, view: data.allowed_per_unit_by_month(view),
    "variance": lambda data, view: data.variance_bins(view),
    "findings": lambda data, view: data.findings(view).filter(
        pl.col("rule") == view.drill.rule) if view.drill.rule else data.findings(view),
    "samples": lambda data, view: data.samples(),
    "files": lambda data, view: data.files()["batches"],
    "warnings": lambda data, view: data.files()["warnings"],
    "rejects": lambda data, view: data.files()["rejects"],
    "users": lambda data, view: data.users(),
    "access-log": lambda data, view: data.access_log(),
}


def page_datasets() -> dict[str, list[str]]:
    """Page key -> the datasets of its Excel export (the `exports` of its registration)."""
    return {page["prefix"]: list(page["exports"]) for page in registry.pages()
            if page.get("exports")}  # fmt: skip


def described(data: Data, view: View, dataset: str) -> list[tuple[str, str]]:
    """What the file holds: the filters behind it, in words."""
    rows = [
        ("export", dataset),
        ("made", dt.datetime.now().strftime("%Y-%m-%d %H:%M")),
        *view.filters.in_words(),
        ("A/R as of", str(data.settings_for(view).as_of)),
    ]
    rows += [(f"drill-down {k}", str(v)) for k, v in view.drill.as_dict().items()]
    return rows


def csv_stream(frame: pl.DataFrame, preamble: list[tuple[str, str]]) -> Iterator[bytes]:
    """The frame as CSV after a preamble of '# key: value' lines. Every cell is neutralised
    (queries/spreadsheet.py) and quoted by the CSV rules: a preamble line is one cell (it starts
    with '#', so it never runs, and a comma or quote in a filter value cannot split it into
    cells that would); numbers stay numbers."""
    for key, value in preamble:
        # One line each, whatever the value holds (a search text could hold a line break).
        flat = " ".join(str(value).split())
        yield csv_line([neutral_text(f"# {key}: {flat}")])
    yield csv_line([neutral_text(name) for name in frame.columns])
    for offset in range(0, frame.height, SLICE):
        part = neutralised(frame.slice(offset, SLICE))
        yield part.write_csv(include_header=False).encode()


def csv_line(cells: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue().encode()


def workbook(data: Data, view: View, datasets: list[str], title: str) -> tuple[str, int]:
    """An Excel file of the datasets, written to a private temporary file (constant memory),
    and how many rows it holds."""
    sheets = {name: DATASETS[name](data, view).lazy().collect() for name in datasets}
    return workbook_of(described(data, view, title), sheets), sum(f.height for f in
                                                                  sheets.values())


def workbook_of(filters: list[tuple[str, str]] | None, sheets: dict[str, pl.DataFrame]) -> str:
    """An Excel file: a Filters sheet (when given), then one sheet per frame."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="unlisted-export-")
    os.close(handle)
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    try:
        if filters is not None:
            sheet = book.add_worksheet("Filters")
            for row, (key, value) in enumerate(filters):
                sheet.write_string(row, 0, neutral_text(key))
                sheet.write_string(row, 1, neutral_text(str(value)))
        for name, frame in sheets.items():
            write_sheet(book, name, frame)
    finally:
        book.close()
    return path


def register(server: Flask, data: Data, store: AccessStore) -> None:
    """The export routes. Every export is read through `data` (which checks the asker's roles
    and masks identities) and recorded in the access log with its filters and row count."""

    @server.errorhandler(Refused)
    def refused(exc: Refused):
        store.log("refused", current_viewer(), detail={"why": "role", "area": str(exc),
                                                        "endpoint": request.endpoint})
        return Response("Your role does not give access to this.", status=403,
                        mimetype="text/plain")  # fmt: skip

    @server.route("/export/<dataset>.<fmt>")
    def export(dataset: str, fmt: str):
        if dataset not in DATASETS or fmt not in ("csv", "xlsx"):
            abort(404)
        stamp = dt.date.today().isoformat()
        try:
            view = data_view(data)
            if fmt == "csv":
                frame = DATASETS[dataset](data, view).lazy().collect()
                details = described(data, view, dataset)
                log_export(store, f"{dataset}.csv", frame.height, details)
                return Response(csv_stream(frame, details),
                                mimetype="text/csv", headers={"Content-Disposition": (
                                    f'attachment; filename="unlisted-{dataset}-{stamp}.csv"')})
            path, rows = workbook(data, view, [dataset], dataset)
        except NoData as exc:
            return Response(str(exc), status=409, mimetype="text/plain")
        log_export(store, f"{dataset}.xlsx", rows, described(data, view, dataset))
        return sent(path, f"unlisted-{dataset}-{stamp}.xlsx")

    @server.route("/export/grid.<fmt>", methods=["POST"])
    def export_grid(fmt: str):
        """The Claims grid as the user filtered, sorted and searched it (state in the body)."""
        if fmt not in ("csv", "xlsx"):
            abort(404)
        try:
            state = json.loads(request.form.get("state") or "{}")
            view = data_view(data)
            rows = grid.rows(data.drilled(view), grid.from_state(state))
            frame = rows.collect()
        except NoData as exc:
            return Response(str(exc), status=409, mimetype="text/plain")
        except (ValueError, AttributeError, TypeError):
            return Response("That grid filter cannot be exported.", status=400,
                            mimetype="text/plain")
        described_rows = described(data, view, "grid") + [
            ("grid column filters", json.dumps(state.get("filterModel") or {})),
            ("grid sort", json.dumps(state.get("sortModel") or [])),
            ("grid search", state.get("search") or ""),
        ]  # fmt: skip
        stamp = dt.date.today().isoformat()
        log_export(store, f"grid.{fmt}", frame.height, described_rows)
        if fmt == "csv":
            return Response(csv_stream(frame, described_rows), mimetype="text/csv",
                            headers={"Content-Disposition":
                                     f'attachment; filename="unlisted-grid-{stamp}.csv"'})
        return sent(workbook_of(described_rows, {"grid": frame}), f"unlisted-grid-{stamp}.xlsx")

    @server.route("/export/sample/<int:sample_id>.<fmt>")
    def export_sample_packet(sample_id: int, fmt: str):
        """A sample's audit packet: the workbook or the printable summary."""
        data.require("sampling")
        return packet_file(data, store, fmt,
                           lambda cursor: packet.sample_packet(cursor, sample_id))

    @server.route("/export/worklist.<fmt>")
    def export_worklist_packet(fmt: str):
        """The audit packet of the rule worklist under the link's filters."""
        data.require("findings")
        return packet_file(data, store, fmt, lambda cursor: packet.worklist_packet(
            cursor, data_view(data).filters, top=data.worklist_claims()))

    @server.route("/export/claim/<int:claim_id>.xlsx")
    def export_claim(claim_id: int):
        try:
            parts = data.claim(claim_id)
            if parts["versions"].height == 0:
                abort(404)
            path = workbook_of(None, parts)
        except NoData as exc:
            return Response(str(exc), status=409, mimetype="text/plain")
        log_export(store, "claim.xlsx", sum(f.height for f in parts.values()),
                   [("claim id", str(claim_id))])
        return sent(path, f"unlisted-claim-{claim_id}.xlsx")

    @server.route("/export/page/<page>.xlsx")
    def export_page(page: str):
        datasets = page_datasets().get(page)
        if datasets is None:
            abort(404)
        viewer = current_viewer()
        if not opens(viewer, page):
            raise Refused(page)
        try:
            view = data_view(data)
            path, rows = workbook(data, view, datasets, f"{page} page")
        except NoData as exc:
            return Response(str(exc), status=409, mimetype="text/plain")
        log_export(store, f"page {page}.xlsx", rows, described(data, view, f"{page} page"))
        return sent(path, f"unlisted-{page}-{dt.date.today().isoformat()}.xlsx")


def packet_file(data: Data, store: AccessStore, fmt: str, make: Callable) -> Response:
    """An audit packet (queries/packet.py) as Excel or PDF (unlisted/packet_writer.py)."""
    if fmt not in ("xlsx", "pdf"):
        abort(404)
    try:
        with data.cursor() as cursor:
            made = data.shown_packet(make(cursor))
    except NoData as exc:
        return Response(str(exc), status=409, mimetype="text/plain")
    except packet.PacketError as exc:
        return Response(str(exc), status=404, mimetype="text/plain")
    handle, path = tempfile.mkstemp(suffix=f".{fmt}", prefix="unlisted-packet-")
    os.close(handle)
    log_export(store, f"packet {made.name}.{fmt}", made.lines.height,
               [("packet", made.title)])
    if fmt == "xlsx":
        packet_writer.write_workbook(made, Path(path))
        return sent(path, f"{made.name}.xlsx")
    packet_writer.write_pdf(made, Path(path))
    body = open(path, "rb")  # noqa: SIM115
    os.unlink(path)
    return send_file(body, mimetype="application/pdf", as_attachment=True,
                     download_name=f"{made.name}.pdf")


def data_view(data: Data) -> View:
    return data.effective(parse("?" + request.query_string.decode("ascii", "replace"),
                                data.codes))  # fmt: skip


def sent(path: str, name: str) -> Response:
    # Open, then unlink: the file streams out and disappears with its last reader.
    body = open(path, "rb")  # noqa: SIM115
    os.unlink(path)
    return send_file(body, mimetype="application/vnd.openxmlformats-officedocument."
                     "spreadsheetml.sheet", as_attachment=True, download_name=name)
