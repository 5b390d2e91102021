"""Documentation: each note element by month and by provider, and what incomplete notes cost in
denials. The evidence of one line's note is on its claim page."""

from __future__ import annotations

import datetime as dt

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import html

from ...queries.metrics import ELEMENTS
from .. import components as ui
from ..data import Data
from ..labels import ELEMENT_LABELS
from ..view import View
from . import figure_page, lines_href, selection_text

NAME, TITLE, PATH = "documentation", "Documentation", "/documentation"
INTRO = ("Whether the notes behind the target codes show the six elements payers look for, and "
         "whether the claim carries a narrative. Click a cell for the lines that lack it.")

# Rows of the heatmaps: each element, the narrative, and complete (all seven).
ROWS = [(f"element_{e}_rate", ELEMENT_LABELS[e], f"missing_{e}") for e in ELEMENTS] + [
    ("narrative_present_rate", "Narrative on claim", "narrative_missing"),
    ("documentation_complete_rate", "Complete", "documentation_incomplete"),
]


def draw(data: Data, view: View, search: str):
    return [
        html.P(selection_text(view), className="period"),
        ui.card("Share of lines whose note shows each element, by service month",
                heatmap(data, view, "month"), "by-month", search),
        dbc.Row([
            dbc.Col(ui.card("By provider", heatmap(data, view, "provider"), "by-provider",
                            search), lg=7),
            dbc.Col(ui.card("Initial denial rate, complete against incomplete notes",
                            denial_by_completeness(data, view), "figures", search), lg=5),
        ], className="g-3"),
        ui.card("Lines with the fewest elements", weakest(data, view), "lines-incomplete",
                search, note="Click a line to see its note's evidence, element by element."),
    ]  # fmt: skip


def heatmap(data: Data, view: View, by: str):
    figures = data.figures(view, by, only=tuple(m for m, _, _ in ROWS))
    groups = sorted(figures["group"].drop_nulls().unique().to_list())
    if not groups:
        return ui.empty("No lines in this selection.")
    names = {o["value"]: o["label"] for o in data.options()["providers"]} if by == "provider" \
        else {}  # fmt: skip
    cell = {(r["metric"], r["group"]): r for r in figures.to_dicts()}
    z, text, links = [], [], []
    for metric, _, missing in ROWS:
        row_z, row_text, row_links = [], [], []
        for g in groups:
            r = cell.get((metric, g))
            row_z.append(None if r is None else r["value"])
            row_text.append("suppressed" if r is None or r["suppressed"] else
                            f"{r['value']:.0%} ({r['numerator']:,.0f} of {r['denominator']:,.0f})")
            scoped = view.with_filters(providers=(g,)) if by == "provider" else view
            month = {"month": dt.date.fromisoformat(g)} if by == "month" else {}
            row_links.append(lines_href(scoped, outcome=missing, **month))
        z.append(row_z)
        text.append(row_text)
        links.append(row_links)
    x = [dt.date.fromisoformat(g).strftime("%b %Y") for g in groups] if by == "month" else \
        [ui.wrapped(names.get(g, g), 10) for g in groups]  # fmt: skip
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=[label for _, label, _ in ROWS], text=text, customdata=links,
        # Red at half or less, green at all: the shades separate 70% from 95%.
        texttemplate="%{z:.0%}", colorscale=[[0, "#fecaca"], [0.6, "#fef3c7"], [1, "#bbf7d0"]],
        zmin=0.5, zmax=1, showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(yaxis_autorange="reversed")
    return ui.chart(f"documentation-{by}", fig, height=330)


def denial_by_completeness(data: Data, view: View):
    figures = data.figures(view)
    bars = [("Complete notes", "denial_rate_complete_documentation", "complete_denied", ui.TEAL),
            ("Incomplete notes", "denial_rate_incomplete_documentation", "incomplete_denied",
             ui.RED)]  # fmt: skip
    rows = [ui.figure_row(figures, metric) for _, metric, _, _ in bars]
    fig = go.Figure(go.Bar(
        x=[label for label, *_ in bars], y=[r["value"] for r in rows],
        marker_color=[color for *_, color in bars],
        customdata=[lines_href(view, outcome=o) for _, _, o, _ in bars],
        text=["suppressed: " + r["reason"] if r["suppressed"] else
              f"{r['value']:.1%}: {r['numerator']:,.0f} of {r['denominator']:,.0f}"
              for r in rows],
        textposition="outside", hovertemplate="%{x}: %{text}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(yaxis_tickformat=".0%", yaxis_rangemode="tozero")
    return ui.chart("documentation-denials", fig)


WEAKEST = [
    ui.column("service_date", "Service date", "date"), ui.column("rendering_name", "Provider"),
    ui.column("payer_name", "Payer"), ui.column("procedure_code", "Code", maxWidth=90),
    ui.column("elements_present", "Elements (of 6)", "count", maxWidth=140),
    ui.column("narrative_present", "Narrative", maxWidth=110),
    ui.column("status", "Status", maxWidth=140),
    ui.column("description", "Description (SV101-7)", flex=2),
]  # fmt: skip


def weakest(data: Data, view: View):
    lines = data.weakest_notes(view)
    fields = [c["field"] for c in WEAKEST]
    rows = [{**{f: r[f] for f in fields}, "_id": r["claim_line_id"],
             "_href": f"/claims/{r['claim_id']}"} for r in lines.to_dicts()]  # fmt: skip
    return ui.table("weakest-notes", rows, WEAKEST, height=420)


layout, register = figure_page(NAME, TITLE, INTRO, draw)
