"""Before you send: upload the next 837P batch and see, before it goes out, the lines most at risk
of denial with what to fix (unlisted/presubmission.py, the same check as `unlisted check`).

The files are read in memory and in a private temporary folder that is removed at once; nothing
is written to the database, and the page keeps no copy: the worksheet download checks the files
again."""

from __future__ import annotations

import base64
import binascii
import io

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Input, Output, State, dcc, html, no_update

from ...access.roles import SENDERS
from .. import components as ui
from ..batch_check import Upload, UploadError, size_text
from ..data import Data
from ..page_parts import guarded, page_layout, registered

dash.register_page(__name__, path="/before-you-send", name="Before you send",
                   title="Before you send · unlisted", order=6.5, roles=SENDERS,
                   prefix="send", filters=False)  # fmt: skip
INTRO = (
    "Check the next batch before it goes out: each line of the target codes against the "
    "rules, the visit's note, the payer's authorization and price, and the denial risk "
    "learned from your own remittances. Nothing is saved."
)

LINES = [
    ui.column("rank", "#", "number", maxWidth=70),
    ui.column("patient_control_number", "Claim", minWidth=140),
    ui.column("line_number", "Line", "number", maxWidth=80),
    ui.column("payer", "Payer", minWidth=140),
    ui.column("procedure_code", "Code", maxWidth=90),
    ui.column("risk", "Denial risk", minWidth=110, type="rightAligned"),
    ui.column("dollars_at_stake", "At stake", "money"),
    ui.column("blocks_text", "Blocks", maxWidth=100),
    ui.column("finding_list", "Findings", flex=2, minWidth=220),
    ui.column("fixes", "How to fix", flex=3, minWidth=280),
    ui.column("missing_elements", "Note lacks", flex=2, minWidth=180),
    ui.column("risk_reasons", "Why this risk", flex=2, minWidth=220),
]  # fmt: skip


def layout(_pathname: str):
    page = registered(__name__)
    return html.Div([
        page_layout(page["prefix"], page["name"], INTRO, exported=False),
    ])  # fmt: skip


def upload_form(data: Data):
    limit = data.check_limits()
    return ui.card("The batch", [
        drop_zone("send-batch", "837P files of the batch", "Drop 837P files here or "),
        html.Div("Treatment notes of these visits not yet loaded (optional)",
                 className="mt-2 small"),
        drop_zone("send-notes", "Treatment notes of the batch's visits",
                  "Drop notes files (CSV or JSON lines) or "),
        html.Div(id="send-chosen", className="small muted mt-1"),
        html.P(f"Up to {size_text(limit)} in all. Claims are checked against the "
               "practice's history; they are not loaded.", className="small muted mt-1"),
    ])  # fmt: skip


def drop_zone(component_id: str, name: str, prompt: str):
    """A drop zone that also opens the file chooser (click, Enter or Space); its hidden file
    input is named `name` (assets/a11y.js)."""
    return html.Div(dcc.Upload(
        id=component_id, multiple=True, className="upload-box",
        children=html.Div([prompt, html.Span("choose them", className="upload-choose")]),
    ), **{"data-upload-label": name})  # fmt: skip


def body(data: Data):
    return [
        upload_form(data),
        dcc.Loading(html.Div(id="send-result", className="mt-3"), type="dot", delay_show=250),
        html.Div(
            [
                dbc.Button(
                    "Download the worksheet (Excel)",
                    id="send-download-button",
                    color="secondary",
                    className="mt-2",
                    disabled=True,
                ),
                dcc.Download(id="send-download"),
            ]
        ),
    ]


def result_view(checked) -> list:
    """The check's report: what blocks, what is at risk, and every line with its fixes."""
    report = checked.report
    lines = report.lines
    parts = []
    for result in checked.unusable:
        parts.append(ui.problem(f"{result.file}: {result.status}. {result.message}"))
    for notice in report.notices:
        parts.append(dbc.Alert(notice, color="light"))
    if lines.is_empty():
        parts.append(ui.empty("No line of a target code in these files."))
        return parts
    blocking = lines.filter("blocks")
    at_risk = lines["expected_loss"].drop_nulls().sum() if report.model else None
    parts.append(dbc.Row([
        dbc.Col(summary_tile("Lines checked", f"{lines.height:,}",
                             f"{lines['patient_control_number'].n_unique():,} claims"), md=3),
        dbc.Col(summary_tile("Lines that block the batch", f"{blocking.height:,}",
                             f"{ui.money(float(blocking['charge'].sum() or 0))} charged"), md=3),
        dbc.Col(summary_tile("Dollars at stake", ui.money(float(lines['dollars_at_stake'].sum())),
                             "expected allowed, else the charge"), md=3),
        dbc.Col(summary_tile("Denials expected",
                             "no model" if at_risk is None else ui.money(float(at_risk)),
                             "risk x dollars at stake, summed" if at_risk is not None
                             else "train one: unlisted model train"), md=3),
    ], className="g-3 send-tiles"))  # fmt: skip
    rows = ui.records(lines.select(
        "rank", "patient_control_number", "line_number", "procedure_code", "dollars_at_stake",
        "finding_list", "fixes", "missing_elements",
        pl.coalesce("payer_name", "payer_id").alias("payer"),
        pl.when(pl.col("probability").is_null()).then(pl.lit(""))
        .otherwise(pl.format("{}%", (pl.col("probability") * 100).round(0).cast(pl.Int64)))
        .alias("risk"),
        pl.when(pl.col("blocks")).then(pl.lit("yes")).otherwise(pl.lit("no")).alias("blocks_text"),
        pl.col("reasons").list.join("; ").fill_null("").alias("risk_reasons"),
    ))  # fmt: skip
    parts.append(
        ui.card(
            "Lines, most at risk first",
            ui.table("send-lines", rows, LINES, clickable=False),
            note=(
                "Ranked by denial risk times dollars at stake. The worksheet has the note's "
                "words for each element, the narrative needed and each finding's evidence."
            ),
        )
    )
    return parts


def summary_tile(label: str, value: str, detail: str):
    return dbc.Card(dbc.CardBody([html.Div(label, className="tile-label"),
                                  html.Div(value, className="tile-value"),
                                  html.Div(detail, className="tile-detail")]))  # fmt: skip


def uploads(contents, names) -> list[Upload]:
    """The uploaded files' bytes (Dash sends them as data: URLs in base64)."""
    files = []
    for content, name in zip(contents or [], names or [], strict=False):
        _, _, encoded = (content or "").partition(",")
        try:
            files.append(Upload(name or "upload", base64.b64decode(encoded, validate=True)))
        except (binascii.Error, ValueError):
            raise UploadError(
                f"{name}: the upload arrived damaged; choose the file again"
            ) from None
    return files


def register(app, data: Data) -> None:
    @app.callback(Output("send-body", "children"), Input("url", "pathname"))
    def draw(pathname):
        if pathname != registered(__name__)["path"]:
            return no_update
        return guarded(lambda: body(data))

    @app.callback(Output("send-result", "children"), Output("send-download-button", "disabled"),
                  Output("send-chosen", "children"),
                  Input("send-batch", "contents"), Input("send-notes", "contents"),
                  State("send-batch", "filename"), State("send-notes", "filename"),
                  prevent_initial_call=True)  # fmt: skip
    def check(batch, notes, batch_names, note_names):
        chosen = ", ".join([*(batch_names or []), *(note_names or [])])
        if not batch:
            return ui.empty("Choose the batch's 837P files."), True, chosen
        try:
            checked = data.check_batch(uploads(batch, batch_names), uploads(notes, note_names))
        except UploadError as exc:
            return ui.problem(str(exc)), True, chosen
        return guarded(lambda: result_view(checked)), False, chosen

    @app.callback(Output("send-download", "data"), Input("send-download-button", "n_clicks"),
                  State("send-batch", "contents"), State("send-batch", "filename"),
                  State("send-notes", "contents"), State("send-notes", "filename"),
                  prevent_initial_call=True)  # fmt: skip
    def download(_clicks, batch, batch_names, notes, note_names):
        from ...check_writer import write_worksheet

        if not batch:
            return no_update
        try:
            checked = data.check_batch(uploads(batch, batch_names), uploads(notes, note_names))
        except UploadError:
            return no_update
        stream = io.BytesIO()
        write_worksheet(checked, stream)
        return dcc.send_bytes(stream.getvalue(), "batch-check.xlsx")
