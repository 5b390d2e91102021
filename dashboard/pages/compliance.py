"""Compliance: the billing-rule checks on the target lines, the riskiest claims first, and each
finding's evidence (queries/rules.py, rules file unlisted/rules.toml)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from .. import components as ui
from ..data import Data
from ..view import View
from . import figure_page, lines_href, selection_text

NAME, TITLE, PATH = "compliance", "Compliance", "/compliance"
INTRO = ("Billing-rule checks on every target line, with what each one saw. Click a rule for its "
         "lines, a claim for the whole claim.")
SEVERITY_COLOURS = {"high": ui.RED, "medium": ui.AMBER, "low": ui.GREY}


def draw(data: Data, view: View, search: str):
    found = data.findings(view)
    rule = view.drill.rule
    shown = found.filter(pl.col("rule") == rule) if rule else found
    lines = data.lines(view.filters)
    claims_checked = lines["claim_id"].n_unique()
    flagged_claims = found["claim_id"].n_unique()
    heading = [html.Div([
        html.P(selection_text(view), className="period"),
        html.Div([html.A("Audit packet of these claims (Excel)",
                         href=f"/export/worklist.xlsx{view.undrilled().query()}",
                         className="page-export", download="worklist.xlsx"),
                  html.A("Summary (PDF)", href=f"/export/worklist.pdf{view.undrilled().query()}",
                         className="page-export", download="worklist.pdf")],
                 className="packet-links"),
    ], className="packet-row")]
    if rule:
        label = found.filter(pl.col("rule") == rule)["rule_label"].head(1).to_list()
        heading.append(dbc.Alert([
            html.Span("Rule: ", className="fw-semibold"), html.Span(label[0] if label else rule),
            html.A("all rules", href=PATH + view.undrilled().query(), className="ms-3"),
            html.A("its lines in the grid", href=lines_href(view, rule=rule), className="ms-3"),
        ], color="info", className="drill-banner"))  # fmt: skip
    tiles = html.Div([
        summary_tile("Claims with findings", f"{flagged_claims:,}",
                     f"of {claims_checked:,} claims checked"),
        summary_tile("Findings", f"{found.height:,}",
                     f"on {found['claim_line_id'].n_unique():,} lines"),
        summary_tile("High severity", f"{(found['severity'] == 'high').sum():,}", "findings"),
        summary_tile("Highest claim score", f"{int(found['claim_score'].max() or 0):,}",
                     "sum of the severity weights"),
    ], className="tiles")  # fmt: skip
    return [
        *heading, tiles,
        dbc.Row([
            dbc.Col(ui.card("Findings by rule", by_rule(found, view), "findings", search), lg=5),
            dbc.Col(ui.card("Riskiest claims", riskiest(shown), "findings", search,
                            note="Claims by risk score; click one for its lines, remittances, "
                                 "notes and findings."), lg=7),
        ], className="g-3"),
        ui.card("Findings and their evidence", evidence(shown), "findings", search,
                note="The first 500; the export has all."),
    ]  # fmt: skip


def summary_tile(label: str, value: str, detail: str) -> dbc.Card:
    return html.Div(dbc.Card(dbc.CardBody([
        html.Div(label, className="tile-label"), html.Div(value, className="tile-value"),
        html.Div(detail, className="tile-detail")])), className="tile")  # fmt: skip


def by_rule(found: pl.DataFrame, view: View):
    if found.height == 0:
        return ui.empty("No rule fired on these lines.")
    counts = (found.group_by("rule", "rule_label", "severity").agg(lines=pl.len())
              .sort("lines"))  # fmt: skip
    fig = go.Figure(go.Bar(
        y=[ui.wrapped(label, 34) for label in counts["rule_label"]], x=counts["lines"],
        orientation="h", marker_color=[SEVERITY_COLOURS.get(s, ui.GREY)
                                       for s in counts["severity"]],
        customdata=[PATH + view.query(rule=r) for r in counts["rule"]],
        text=[f"{n:,} ({s})" for n, s in zip(counts["lines"], counts["severity"], strict=True)],
        textposition="outside", hovertemplate="%{y}: %{text}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(xaxis_title="findings", xaxis_range=[0, counts["lines"].max() * 1.5])
    return ui.chart("compliance-rules", fig, height=max(260, 40 * counts.height + 60))


RISKIEST = [
    ui.column("patient_control_number", "Claim number", minWidth=150),
    ui.column("payer_id", "Payer", minWidth=110),
    ui.column("claim_score", "Score", "count", minWidth=105, maxWidth=115, sort="desc"),
    ui.column("claim_highest_severity", "Highest", minWidth=95, maxWidth=110),
    ui.column("rules", "Rules", flex=2, minWidth=220, tooltipField="rules"),
]  # fmt: skip


def riskiest(found: pl.DataFrame):
    claims = (
        found.group_by("claim_id", "patient_control_number", "payer_id", "claim_score",
                       "claim_highest_severity")
        .agg(findings=pl.len(), rules=pl.col("rule").unique().sort().str.join(", "))
        .sort(["claim_score", "claim_id"], descending=[True, False])
        .head(200)
    )  # fmt: skip
    rows = [{**r, "_id": r["claim_id"], "_href": f"/claims/{r['claim_id']}"}
            for r in claims.to_dicts()]  # fmt: skip
    return ui.table("riskiest-claims", rows, RISKIEST, height=360,
                    empty_text="No claim has a finding.")


EVIDENCE = [
    ui.column("service_date", "Service date", "date"),
    ui.column("patient_control_number", "Claim number"),
    ui.column("procedure_code", "Code", maxWidth=90), ui.column("modifiers", "Modifiers"),
    ui.column("severity", "Severity", maxWidth=110), ui.column("rule_label", "Rule", flex=1,
                                                               tooltipField="rule_label"),
    ui.column("evidence", "Evidence", flex=3, minWidth=320, wrapText=True, autoHeight=True,
              cellStyle={"lineHeight": "1.35", "paddingTop": "6px", "paddingBottom": "6px"}),
]  # fmt: skip


def evidence(found: pl.DataFrame):
    rows = [{**r, "_id": f"{r['claim_line_id']}-{r['rule']}", "_href": f"/claims/{r['claim_id']}"}
            for r in ui.records(found.head(500))]  # fmt: skip
    return ui.table("findings", rows, EVIDENCE, height=420, empty_text="No finding.")


layout, register = figure_page(NAME, TITLE, INTRO, draw)
