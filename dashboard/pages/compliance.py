"""Compliance: the billing-rule checks on the target lines, claims by dollars at risk, each
finding's evidence, and the facts the rules lacked (queries/rules.py, rules file
unlisted/rules.toml, docs/rule-checks.md)."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from ...access.roles import AUDIT
from ...queries.rules import RULES
from .. import components as ui
from ..data import Data
from ..page_parts import figure_page, lines_href, selection_text
from ..view import View

dash.register_page(__name__, path="/compliance", name="Compliance",
                   title="Compliance · unlisted", order=4, roles=AUDIT, prefix="compliance",
                   exports=("findings",))
PATH = dash.page_registry[__name__]["path"]
INTRO = ("Billing-rule checks on every target line, with what each one saw. Click a rule for its "
         "lines, a claim for the whole claim.")
SEVERITY_COLOURS = {"high": ui.RED, "medium": ui.AMBER, "low": ui.GREY}


def draw(data: Data, view: View, search: str):
    found = data.findings(view)
    gaps = data.fact_gaps()
    rule = view.drill.rule
    shown = found.filter(pl.col("rule") == rule) if rule else found
    lines = data.lines(view.filters)
    claims_checked = lines["claim_id"].n_unique()
    flagged_claims = found["claim_id"].n_unique()
    heading = [html.Div([
        html.P(selection_text(view), className="period"),
        html.Div([html.A("Audit packet of the riskiest claims (Excel)",
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
        summary_tile("Dollars at risk", ui.money(claim_dollars(found)),
                     "charges times the payers' observed denial rates"),
    ], className="tiles")  # fmt: skip
    return [
        *heading, tiles,
        dbc.Row([
            dbc.Col(ui.card("Findings by rule", by_rule(found, view), "findings", search), lg=4),
            dbc.Col(ui.card("Riskiest claims", riskiest(shown, data.worklist_claims()),
                            "findings", search,
                            note="Claims by dollars at risk: each line's charge times the "
                                 "highest denial rate its payer shows for its findings. Click "
                                 "one for its lines, remittances, notes and findings."), lg=8),
        ], className="g-3"),
        ui.card("Findings and their evidence", evidence(shown), "findings", search,
                note="The first 500; the export has all."),
        ui.card("Facts the rules lacked", fact_gaps(gaps), "findings", search,
                note="A rule never guesses a fact it needs: these lines were not checked for "
                     "it. Supply the fact as shown, and the next load checks them."),
    ]  # fmt: skip


def claim_dollars(found: pl.DataFrame):
    """The dollars at risk of the claims with a finding (each claim once)."""
    if found.is_empty():
        return None
    return found.unique("claim_id").get_column("claim_dollars_at_risk").sum()


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
    fig.update_layout(xaxis_title="findings", xaxis_range=[0, counts["lines"].max() * 1.9])
    return ui.chart("compliance-rules", fig, height=max(260, 40 * counts.height + 60))


RISKIEST = [
    ui.column("claim_rank", "#", "count", minWidth=60, maxWidth=70),
    ui.column("patient_control_number", "Claim number", minWidth=130),
    ui.column("payer", "Payer", flex=1, minWidth=150, tooltipField="payer"),
    ui.column("claim_dollars_at_risk", "At risk", "money", minWidth=110),
    ui.column("claim_highest_severity", "Highest", minWidth=90, maxWidth=100),
    ui.column("rules", "Rules", flex=2, minWidth=200, tooltipField="rules"),
]  # fmt: skip


def riskiest(found: pl.DataFrame, top: int):
    """The first `top` claims by dollars at risk ([ranking] worklist_claims of the rules file)."""
    claims = (
        found.filter(pl.col("claim_rank") <= top)
        .with_columns(payer=pl.coalesce("payer_name", "payer_id"))
        .group_by("claim_rank", "claim_id", "patient_control_number", "payer",
                  "claim_dollars_at_risk", "claim_highest_severity")
        .agg(findings=pl.len(), rules=pl.col("rule_label").unique().sort().str.join("; "))
        .sort("claim_rank")
    )  # fmt: skip
    rows = [{**r, "_id": r["claim_id"], "_href": f"/claims/{r['claim_id']}"}
            for r in ui.records(claims)]  # fmt: skip
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


GAPS = [
    ui.column("rule", "Rule", minWidth=200, wrapText=True, autoHeight=True),
    ui.column("fact", "Fact missing", flex=1, minWidth=220, wrapText=True, autoHeight=True),
    ui.column("lines", "Lines not checked", "count", minWidth=130),
    ui.column("how_to_supply", "How to supply it", flex=2, minWidth=320, wrapText=True,
              autoHeight=True),
]  # fmt: skip


def fact_gaps(gaps: pl.DataFrame):
    # The rule's name, with its id (the rules file's section) beside it.
    rows = [{**r, "_id": f"{r['rule']}-{r['fact']}",
             "rule": f"{RULES[r['rule']][0]} ({r['rule']})" if r["rule"] in RULES else r["rule"]}
            for r in ui.records(gaps)]  # fmt: skip
    return ui.table("fact-gaps", rows, GAPS, height=260,
                    empty_text="Every rule had the facts it needs for every line.")


layout, register = figure_page(__name__, INTRO, draw)
