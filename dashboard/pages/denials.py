"""Denials: rate trends by payer and provider, reasons by category, group, CARC and remark code,
overturned against final; the appealable denials with each claim's appeal letter to download,
and the appeals sent (docs/appeals.md)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import Input, Output, State, ctx, dcc, html, no_update

from ...access.roles import REVENUE, Refused
from ...queries.explore import json_ready
from ...queries.metrics import AGING
from .. import components as ui
from ..data import Data
from ..labels import GROUP_CODES
from ..page_parts import figure_page, lines_href, month_links, selection_text
from ..view import View, parse

dash.register_page(
    __name__,
    path="/denials",
    name="Denials",
    title="Denials · unlisted",
    order=1,
    roles=REVENUE,
    prefix="denials",
    exports=(
        "by-payer-month",
        "by-provider-month",
        "by-provider",
        "reasons-category",
        "reasons-carc",
        "reasons-rarc",
        "reasons-group",
        "appealable",
        "appeals-open",
    ),
)
INTRO = (
    "Who denies the target codes, why, and how many denials are overturned. Click any bar "
    "or row for the lines behind it."
)


def draw(data: Data, view: View, search: str):
    return [
        html.P(selection_text(view), className="period"),
        dbc.Row([
            dbc.Col(ui.card("Initial denial rate by payer and month",
                            trend(data, view, "payer"), "by-payer-month", search,
                            note=small_months(data)), lg=6),
            dbc.Col(ui.card("Initial denial rate by provider and month",
                            trend(data, view, "provider"), "by-provider-month", search,
                            note=small_months(data)), lg=6),
        ], className="g-3"),
        dbc.Row([
            dbc.Col(ui.card("Denials by category", categories(data, view),
                            "reasons-category", search), lg=6),
            dbc.Col(ui.card("Overturned or still denied, by service month", outcome(data, view),
                            "by-month", search,
                            note="Lines denied at first: paid later (overturned) or denied at "
                                 "the latest adjudication."), lg=6),
        ], className="g-3"),
        ui.card("Denials still appealable, soonest deadline first",
                [appeal_worklist(data, view), letter_controls(data, view)],
                "appealable", search,
                note="Finally denied lines inside their payer's appeal window (the denial's "
                     "remittance date plus the window in the settings, [appeals]); the dollars "
                     "at stake are the contract's expected allowed, else the charge."),
        ui.card("Appeals sent", appeals_sent(data, view), "appeals-open", search,
                note="Recorded with unlisted appeal mark; a later remittance closes an appeal: "
                     "overturned when it pays the line, upheld when it denies it again."),
        dbc.Row([
            dbc.Col(ui.card("Reason codes (CARC)", reason_table(data, view, "carc"),
                            "reasons-carc", search), lg=6),
            dbc.Col(ui.card("Remark codes (RARC)", reason_table(data, view, "rarc"),
                            "reasons-rarc", search), lg=6),
        ], className="g-3"),
        dbc.Row([
            dbc.Col(ui.card("Initial and final denial rates by provider",
                            by_provider(data, view), "by-provider", search), lg=7),
            dbc.Col(ui.card("Group codes of the denials", reason_table(data, view, "group"),
                            "reasons-group", search), lg=5),
        ], className="g-3"),
    ]  # fmt: skip


APPEALS = [
    ui.column("appeal_by", "Appeal by", "date", maxWidth=130),
    ui.column("days_left", "Days left", "count", maxWidth=110),
    ui.column("at_stake", "At stake", "money"), ui.column("charge", "Charge", "money"),
    ui.column("patient_control_number", "Claim", minWidth=150),
    ui.column("payer", "Payer", minWidth=150),
    ui.column("service_date", "Service date", "date", maxWidth=130),
    ui.column("procedure_code", "Code", maxWidth=90),
    ui.column("denial", "Denial", flex=2, minWidth=220, tooltipField="denial"),
    ui.column("final_denial_date", "Denied on", "date", maxWidth=130),
]  # fmt: skip


def appeal_worklist(data: Data, view: View):
    lines = data.appeal_worklist(view)
    if lines.height == 0:
        return ui.empty("No denial in this selection is still inside its appeal window.")
    categories = data.labels().get("category", {})
    payers = {o["value"]: o["label"] for o in data.options()["payers"]}
    rows = []
    for r in json_ready(lines).to_dicts():
        reason = (r["final_denial_carc"], categories.get(r["final_denial_category"]))
        rows.append(
            {
                **{c["field"]: r.get(c["field"]) for c in APPEALS},
                "payer": payers.get(r["payer_id"], r["payer_id"]),
                "denial": " · ".join(filter(None, reason)),
                "_id": r["claim_line_id"],
                "_href": f"/claims/{r['claim_id']}",
            }
        )
    return ui.table("appeal-worklist", rows, APPEALS, height=360)


def letter_controls(data: Data, view: View):
    """A claim of the worklist and the buttons that download its appeal letter."""
    lines = data.appeal_worklist(view)
    if lines.height == 0:
        return html.Div()
    claims = lines.unique("claim_id", keep="first", maintain_order=True)
    payers = {o["value"]: o["label"] for o in data.options()["payers"]}
    options = [
        {"label": f"{r['patient_control_number']} · {payers.get(r['payer_id'], r['payer_id'])}",
         "value": r["claim_id"]}
        for r in claims.to_dicts()
    ]  # fmt: skip
    return html.Div([
        html.Label("Appeal letter of claim", htmlFor="denials-appeal-claim",
                   className="small me-2"),
        dcc.Dropdown(id="denials-appeal-claim", options=options, value=options[0]["value"],
                     clearable=False, style={"minWidth": "260px"}),
        dbc.Button("Word (DOCX)", id="denials-appeal-docx", color="secondary", size="sm",
                   className="ms-2"),
        dbc.Button("PDF", id="denials-appeal-pdf", color="secondary", size="sm",
                   className="ms-2"),
        html.Div(id="denials-appeal-message", className="small ms-2", role="status"),
    ], className="d-flex align-items-center flex-wrap gap-1 mt-2")  # fmt: skip


OPEN_APPEALS = [
    ui.column("age_days", "Days since sent", "count", maxWidth=140),
    ui.column("at_stake", "At stake", "money"),
    ui.column("patient_control_number", "Claim", minWidth=150),
    ui.column("payer", "Payer", minWidth=150),
    ui.column("sent_date", "Sent", "date", maxWidth=130),
    ui.column("level", "Level", maxWidth=150),
    ui.column("procedure_code", "Code", maxWidth=90),
    ui.column("service_date", "Service date", "date", maxWidth=130),
]  # fmt: skip
BANDS = [
    ui.column("band", "Days since sent", maxWidth=160),
    ui.column("lines", "Open lines", "count"),
    ui.column("at_stake", "At stake", "money"),
]  # fmt: skip


def appeals_sent(data: Data, view: View):
    sent = data.appeals_sent(view)
    figures = {r["metric"]: r for r in sent["figures"].to_dicts()}
    rate = figures["appeal_overturn_rate"]
    answered = int(rate["denominator"] or 0)
    if answered == 0:
        shown = "no appeal answered yet"
    elif rate["suppressed"]:
        shown = f"suppressed ({rate['reason']})"
    else:
        shown = f"{rate['value']:.1%}"
    open_lines = int(figures["appeals_open_lines"]["numerator"])
    open_at_stake = figures["appeals_open_at_stake"]["numerator"]
    summary = html.P(
        f"Overturn rate over appeals sent: {shown} · {int(rate['numerator'] or 0):,} of "
        f"{answered:,} answered appealed lines paid · {open_lines:,} open lines, "
        f"{ui.money(open_at_stake)} at stake",
        id="denials-appeals-summary")  # fmt: skip
    bands = [{"band": label, "lines": int(figures[f"appeals_open_{label}"]["numerator"]),
              "at_stake": float(figures[f"appeals_open_{label}_at_stake"]["numerator"]),
              "_id": label} for _, _, label in AGING]  # fmt: skip
    payers = {o["value"]: o["label"] for o in data.options()["payers"]}
    rows = [{**{c["field"]: r.get(c["field"]) for c in OPEN_APPEALS},
             "payer": payers.get(r["payer_id"], r["payer_id"]),
             "_id": f"{r['appeal_id']}-{r['claim_line_id']}"}
            for r in json_ready(sent["open"]).to_dicts()]  # fmt: skip
    return [summary, dbc.Row([
        dbc.Col(ui.table("appeals-by-age", bands, BANDS, clickable=False), lg=4),
        dbc.Col(ui.table("appeals-open", rows, OPEN_APPEALS, clickable=False,
                         empty_text="No open appeal on these lines."), lg=8),
    ], className="g-3")]  # fmt: skip


def small_months(data: Data) -> str:
    return (
        f"A month with fewer than {data.settings.min_count} adjudicated lines has no point "
        "(too few for a rate)."
    )


def trend(data: Data, view: View, by: str):
    figures = data.figures(view, (by, "month"), only=("initial_denial_rate",)).filter(
        pl.col("metric") == "initial_denial_rate").sort("group", "subgroup")  # fmt: skip
    names = {o["value"]: o["label"] for o in data.options()[f"{by}s"]}
    traces = []
    for k, (key, rows) in enumerate(figures.group_by("group", maintain_order=True)):
        months = rows["subgroup"].to_list()
        scoped = view.with_filters(payers=(key[0],)) if by == "payer" else \
            view.with_filters(providers=(key[0],))  # fmt: skip
        traces.append(go.Scatter(
            x=months, y=rows["value"], name=names.get(key[0], key[0]), mode="lines+markers",
            line_color=ui.SERIES[k % len(ui.SERIES)],
            customdata=month_links(scoped, months, outcome="initial_denied"),
            text=[f"{n:,.0f} of {d:,.0f}" for n, d in zip(rows["numerator"], rows["denominator"],
                                                          strict=True)],
            hovertemplate="%{fullData.name}, %{x|%b %Y}: %{y:.1%} (%{text} lines)<extra></extra>",
            connectgaps=True,
        ))  # fmt: skip
    fig = go.Figure(traces)
    fig.update_layout(yaxis_tickformat=".0%", xaxis_tickformat="%b %Y", yaxis_rangemode="tozero")
    return ui.chart(f"denials-trend-{by}", fig)


def by_provider(data: Data, view: View):
    rates = ("initial_denial_rate", "final_denial_rate")
    figures = data.figures(view, "provider", only=rates).filter(
        pl.col("metric").is_in(["initial_denial_rate", "final_denial_rate"]))  # fmt: skip
    names = {o["value"]: o["label"] for o in data.options()["providers"]}
    wide = figures.pivot(on="metric", index="group", values="value").sort(
        "initial_denial_rate", nulls_last=True
    )
    labels = [names.get(g, g) for g in wide["group"]]
    hrefs = {m: [lines_href(view.with_filters(providers=(g,)), outcome=m)
                 for g in wide["group"]] for m in ("initial_denied", "final_denied")}  # fmt: skip
    # Horizontal groups stack their first trace lowest: Final first puts Initial on top.
    fig = go.Figure([
        go.Bar(y=labels, x=wide["final_denial_rate"], name="Final", orientation="h",
               marker_color=ui.RED, customdata=hrefs["final_denied"],
               hovertemplate="%{y}: %{x:.1%} still denied<extra></extra>"),
        go.Bar(y=labels, x=wide["initial_denial_rate"], name="Initial", orientation="h",
               marker_color=ui.AMBER, customdata=hrefs["initial_denied"],
               hovertemplate="%{y}: %{x:.1%} denied at first<extra></extra>"),
    ])  # fmt: skip
    fig.update_layout(barmode="group", xaxis_tickformat=".0%", legend_traceorder="reversed")
    return ui.chart("denials-provider", fig)


def categories(data: Data, view: View):
    reasons = data.reasons(view, "category").filter(pl.col("category").is_not_null())
    labels = data.labels()["category"]
    reasons = reasons.sort("lines")
    names = [labels.get(c, c) for c in reasons["category"]]
    fig = go.Figure(go.Bar(
        y=names, x=reasons["lines"], orientation="h", marker_color=ui.AMBER,
        customdata=[lines_href(view, category=c) for c in reasons["category"]],
        text=[f"{n:,} lines · {ui.money(float(c))}" for n, c in zip(reasons["lines"],
                                                                   reasons["charges"],
                                                                   strict=True)],
        hovertemplate="%{y}: %{text} charges<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(xaxis_title="lines denied at first adjudication")
    return ui.chart("denials-category", fig)


def outcome(data: Data, view: View):
    figures = data.figures(view, "month", only=("overturn_rate", "final_denial_rate")).filter(
        pl.col("metric").is_in(["overturn_rate", "final_denial_rate"]))  # fmt: skip
    wide = figures.pivot(on="metric", index="group", values="numerator").sort("group")
    months = wide["group"].to_list()
    return ui.bar_chart("denials-outcome", months, [
        (wide["overturn_rate"], "Overturned (paid later)", ui.GREEN,
         month_links(view, months, outcome="overturned"), "%{x|%b %Y}: %{y:,} overturned"),
        (wide["final_denial_rate"], "Still denied", ui.RED,
         month_links(view, months, outcome="final_denied"), "%{x|%b %Y}: %{y:,} still denied"),
    ], barmode="stack", xaxis_tickformat="%b %Y", yaxis_title="lines")  # fmt: skip


def reason_table(data: Data, view: View, level: str):
    reasons = data.reasons(view, level)
    if level != "rarc":
        reasons = reasons.filter(pl.col(level).is_not_null())
    labels = GROUP_CODES if level == "group" else data.labels()[level]
    rows = [{"code": r[level] or "none", "lines": r["lines"], "charges": float(r["charges"]),
             "label": labels.get(r[level], "not in the list") if r[level] else
             "no remark code on the denial", "_id": r[level] or "none",
             "_href": lines_href(view, **{level: r[level]}) if r[level] else None}
            for r in reasons.to_dicts()]  # fmt: skip
    columns = [
        ui.column("code", "Code", maxWidth=80, minWidth=70),
        ui.column("label", "Meaning", minWidth=170, flex=3, tooltipField="label"),
        ui.column("lines", "Lines", "count", minWidth=80, flex=1),
        ui.column("charges", "Charges", "money", minWidth=110, flex=1),
    ]
    return ui.table(f"reasons-{level}", rows, columns)


page_layout, register_figures = figure_page(__name__, INTRO, draw)


def layout(pathname: str = "", **_):
    return html.Div([page_layout(pathname), dcc.Download(id="denials-appeal-download")])


def register(app, data: Data) -> None:
    register_figures(app, data)

    @app.callback(Output("denials-appeal-download", "data"),
                  Output("denials-appeal-message", "children"),
                  Input("denials-appeal-docx", "n_clicks"), Input("denials-appeal-pdf", "n_clicks"),
                  State("denials-appeal-claim", "value"), State("url", "search"),
                  prevent_initial_call=True)  # fmt: skip
    def download(_docx, _pdf, claim_id, search):
        return letter_download(
            data,
            search or "",
            claim_id,
            "pdf" if ctx.triggered_id == "denials-appeal-pdf" else "docx",
        )


def letter_download(data: Data, search: str, claim_id, kind: str):
    """The chosen claim's appeal letter as a download, built in memory (nothing is written),
    and a message for the page."""
    from ...appeal_writer import file_stem, letter_docx, letter_pdf

    if claim_id is None:
        return no_update, "Choose a claim."
    view = data.effective(parse(search, data.codes))
    try:
        letter = data.appeal_letter(view, int(claim_id))
    except Refused:
        return no_update, ("An appeal letter names the patient: your role does not download it.")
    if letter is None:
        return no_update, "That claim is no longer on the appealable list."
    made = letter_pdf(letter) if kind == "pdf" else letter_docx(letter)
    said = (
        "No appeal: correct and resubmit (CO-16 with MA130); the notice says so."
        if letter.kind == "resubmit"
        else ""
    )
    return dcc.send_bytes(made, f"{file_stem(letter)}.{kind}"), said
