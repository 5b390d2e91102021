"""One audit sample: how it was drawn, whether its frame is still the same, its lines with their
review results, and the attribute and variable appraisal once every line is reviewed."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from ...access.roles import COMPLIANCE
from ...queries.sampling import appraisal_rows, figure_text, filters_from_json
from .. import components as ui
from ..data import Data
from ..page_parts import guarded

# Reached from the Sampling page, not from the navigation; not filtered (one sample).
dash.register_page(__name__, path_template="/sampling/<sample_id>", name="Sample",
                   title="Sample · unlisted", roles=COMPLIANCE, prefix="sample", filters=False)


def sample_id(pathname: str | None) -> int | None:
    tail = (pathname or "").rstrip("/").rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def layout(_pathname: str):
    return html.Div(dcc.Loading(html.Div(id="sample-body", className="page-body"), type="dot",
                                delay_show=250), id="page-sample")  # fmt: skip


def register(app, data: Data) -> None:
    @app.callback(Output("sample-body", "children"), Input("url", "pathname"))
    def body(pathname):
        wanted = sample_id(pathname)
        if wanted is None:
            return ui.empty("No such sample.", "Open one from the Sampling page.")
        return guarded(lambda: draw(data, wanted))


LINES = [
    ui.column("selection_order", "#", "number", maxWidth=70),
    ui.column("stratum", "Stratum"), ui.column("patient_control_number", "Claim number"),
    ui.column("service_date", "Service date", "date"), ui.column("payer", "Payer"),
    ui.column("procedure_code", "Code", maxWidth=90),
    ui.column("paid_amount", "Paid", "money"), ui.column("audited_amount", "Audited", "money"),
    ui.column("in_error_text", "In error", maxWidth=110),
    ui.column("note", "Review note", flex=2),
]  # fmt: skip


def draw(data: Data, wanted: int):
    found = data.sample(wanted)
    if found is None:
        return ui.empty("No such sample in the database.", "Open one from the Sampling page.")
    record, lines, frame = found["record"], found["lines"], found["frame"]
    described = "; ".join(f"{name} {value}" for name, value
                          in filters_from_json(record["frame_filters"]).in_words())
    head = html.Div([
        html.Div([html.H1(f"Sample {wanted}"),
                  html.P(f"{record['method']} · {record['sample_size']:,} of "
                         f"{record['frame_size']:,} lines · seed {record['seed']} · drawn "
                         f"{record['created_at']:%Y-%m-%d %H:%M} by unlisted "
                         f"{record['program_version']}", className="intro"),
                  html.P(f"Frame: {described}", className="small muted")]),
        html.Div([
            dcc.Link("← all samples", href="/sampling", className="back-link"),
            html.Div([
                html.A("Audit packet (Excel)", href=f"/export/sample/{wanted}.xlsx",
                       className="page-export", download=f"sample-{wanted}.xlsx"),
                html.A("Summary (PDF)", href=f"/export/sample/{wanted}.pdf",
                       className="page-export", download=f"sample-{wanted}.pdf"),
            ], className="packet-links"),
        ]),
    ], className="page-head")  # fmt: skip
    check = dbc.Alert(
        "The frame is unchanged since the sample was drawn." if frame["unchanged"] else
        f"The frame changed since the sample was drawn: {frame['frame_size_now']:,} lines now "
        f"against {frame['frame_size']:,} then. The appraisal extrapolates to the frame as "
        "recorded.", color="success" if frame["unchanged"] else "warning")  # fmt: skip
    payers = {o["value"]: o["label"] for o in data.options()["payers"]}
    rows = [{**r, "_id": r["claim_line_id"],
             "payer": payers.get(r["payer_id"], r["payer_id"]),  # the name, not the id
             "in_error_text": {True: "yes", False: "no"}.get(r["in_error"], "not reviewed")}
            for r in ui.records(lines)]  # fmt: skip
    reviewed = lines.filter(lines["audited_amount"].is_not_null()).height
    return [
        head, check,
        ui.card(f"Lines ({reviewed:,} of {lines.height:,} reviewed)",
                ui.table("sample-lines", rows, LINES, height=420, clickable=False),
                note="Record review results with: unlisted sample review "
                     f"{wanted} RESULTS.csv (claim_line_id, audited_amount[, note])."),
        ui.card("Appraisal", appraisal(found["appraisal"])),
    ]  # fmt: skip


def appraisal(result):
    if isinstance(result, str):
        return ui.empty("No appraisal yet.", result)
    rows = [{"figure": label, "value": "—" if value is None else figure_text(key, value)}
            for key, label, value in appraisal_rows(result)]  # fmt: skip
    return ui.table("appraisal", rows, [ui.column("figure", "Figure", flex=2),
                                        ui.column("value", "Value", flex=1)],
                    height=560, clickable=False)  # fmt: skip
