"""Documentation: what incomplete notes cost in dollars (charges, final denials and lost
expected allowed on the lines lacking each element; net paid per line of complete against
incomplete notes), then each note element by month and by provider, and the weakest notes.
The evidence of one line's note is on its claim page."""

from __future__ import annotations

import datetime as dt

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from ...access.roles import AUDIT
from ...queries.documentation_gaps import GAPS
from ...queries.metrics import ELEMENTS
from .. import components as ui
from ..data import Data
from ..labels import ELEMENT_LABELS
from ..page_parts import figure_page, lines_href, selection_text
from ..view import View

dash.register_page(__name__, path="/documentation", name="Documentation",
                   title="Documentation · unlisted", order=3, roles=AUDIT, prefix="documentation",
                   exports=("documentation-gaps", "documentation-gaps-by-month",
                            "documentation-gaps-by-provider", "documentation-earnings",
                            "by-month", "by-provider", "figures", "lines-incomplete"))
INTRO = ("What incomplete notes cost, and whether the notes behind the target codes show the six "
         "elements payers look for, with a narrative on the claim where the code needs one "
         "(unlisted codes). Click a figure or a cell for its lines.")
COMPLETE = ("Complete: all six note elements, and a narrative on the claim (SV101-7 or line "
            "NTE) where the code needs one (the unlisted codes); a line without a note has no "
            "element.")
NARRATIVE = "Narrative (where required)"
GAP_LABELS = {**ELEMENT_LABELS, "narrative": NARRATIVE}

# Rows of the heatmaps: each element, the narrative, and complete (all seven).
ROWS = [(f"element_{e}_rate", ELEMENT_LABELS[e], f"missing_{e}") for e in ELEMENTS] + [
    ("narrative_present_rate", NARRATIVE, "narrative_missing"),
    ("documentation_complete_rate", "Complete", "documentation_incomplete"),
]
# What the hover of a heatmap row adds to its figure.
ROW_NOTES = {NARRATIVE: " (a narrative is needed on unlisted codes only)",
             "Complete": " (six elements, plus a narrative where the code needs one)"}


def draw(data: Data, view: View, search: str):
    open_note = still_open(data, view)
    return [
        html.P(selection_text(view), className="period"),
        html.Div(cost_tiles(data, view), className="tiles", id="documentation-cost-tiles"),
        ui.card("What each gap costs", cost_table(data, view), "documentation-gaps", search,
                note="Lines whose note lacks the element (or whose claim lacks a needed "
                     "narrative). Denied: charges of the lines finally denied. Lost expected "
                     "allowed: on adjudicated lines with a contract, the whole expected allowed "
                     "of a final denial, else expected minus allowed where the payer allowed "
                     "less. A line lacking several elements counts under each. Click a figure "
                     "for its lines." + open_note),
        ui.card("Lost expected allowed on lines lacking each element, by service month",
                cost_heatmap(data, view, "month"), "documentation-gaps-by-month", search),
        dbc.Row([
            dbc.Col(ui.card("Lost expected allowed by provider",
                            cost_heatmap(data, view, "provider"),
                            "documentation-gaps-by-provider", search), lg=7),
            dbc.Col(ui.card("Net paid per adjudicated line, complete against incomplete notes",
                            paid_by_completeness(data, view), "documentation-earnings",
                            search), lg=5),
        ], className="g-3"),
        ui.card("Share of lines whose note shows each element, by service month",
                heatmap(data, view, "month"), "by-month", search, note=COMPLETE),
        dbc.Row([
            dbc.Col(ui.card("By provider", heatmap(data, view, "provider"), "by-provider",
                            search), lg=7),
            dbc.Col(ui.card("Initial denial rate, complete against incomplete notes",
                            denial_by_completeness(data, view), "figures", search), lg=5),
        ], className="g-3"),
        ui.card("Lines with the fewest elements", weakest(data, view), "lines-incomplete",
                search, note="Click a line to see its note's evidence, element by element."),
    ]  # fmt: skip


# -- the dollars ---------------------------------------------------------------------------------
def still_open(data: Data, view: View) -> str:
    """A word on the dollars of lines payers are still answering (see pages/overview.py)."""
    through = data.mature_through(view)
    if view.filters.basis != "service" or view.filters.end is None or view.filters.end <= through:
        return ""
    return (f" Service after {through} is under {data.maturity_days} days old: payers are still "
            "answering it, so its denied and lost dollars are not final.")


def cost_tiles(data: Data, view: View) -> list:
    """Incomplete notes in lines and dollars, and net paid per line of complete against
    incomplete notes."""
    overall = data.documentation_costs(view).filter(pl.col("gap") == "any").row(0, named=True)
    paid = {r["notes"]: r for r in data.documentation_earnings(view).to_dicts()}
    lines = f"{ui.count(overall['lines'])} of {ui.count(overall['of_lines'])} lines"
    tiles = [
        ui.money_tile("Billed on incomplete notes", overall["charges"], lines,
                      lines_href(view, outcome="lacks_any"), "tile-gap-charges"),
        ui.money_tile("Denied, incomplete notes", overall["denied"],
                      "charges of the lines finally denied",
                      lines_href(view, outcome="lacks_any_denied"), "tile-gap-denied"),
        ui.money_tile("Lost vs contract, incomplete notes", overall["lost"],
                      "expected allowed not allowed, denials included",
                      lines_href(view, outcome="lacks_any_lost"), "tile-gap-lost"),
    ]  # fmt: skip
    for notes, label in (("complete", "Paid per line, complete notes"),
                         ("incomplete", "Paid per line, incomplete notes")):  # fmt: skip
        row = paid[notes]
        detail = (f"Too few lines to show a figure: {row['reason']}." if row["suppressed"] else
                  f"{ui.money(row['numerator'])} over {ui.count(row['denominator'])} "
                  "adjudicated lines")  # fmt: skip
        note = None
        other = paid["complete"]
        if notes == "incomplete" and not row["suppressed"] and not other["suppressed"]:
            gap = row["value"] - other["value"]
            note = f"{ui.money(gap)} per line against complete notes"
        tiles.append(ui.money_tile(label, row["value"], detail,
                                   lines_href(view, outcome=row["outcome"]),
                                   f"tile-paid-{notes}", note))  # fmt: skip
    return tiles


def paid_by_completeness(data: Data, view: View):
    """Net paid per adjudicated line, complete against incomplete notes: a bar leads to the
    lines it averages."""
    paid = {r["notes"]: r for r in data.documentation_earnings(view).to_dicts()}
    bars = [("Complete notes", paid["complete"], ui.TEAL),
            ("Incomplete notes", paid["incomplete"], ui.RED)]  # fmt: skip
    fig = go.Figure(go.Bar(
        x=[label for label, _, _ in bars],
        y=[None if r["value"] is None else float(r["value"]) for _, r, _ in bars],
        marker_color=[colour for *_, colour in bars],
        customdata=[lines_href(view, outcome=r["outcome"]) for _, r, _ in bars],
        text=["suppressed: " + r["reason"] if r["suppressed"] else
              f"{ui.money(r['value'])} a line: {ui.money(r['numerator'])} over "
              f"{ui.count(r['denominator'])}" for _, r, _ in bars],
        textposition="outside", hovertemplate="%{x}: %{text}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(yaxis_tickformat="$,.0f", yaxis_rangemode="tozero")
    return ui.chart("documentation-paid", fig)


COSTS = [
    ui.column("label", "Element", minWidth=170),
    ui.column("lines", "Lines lacking it", "count"),
    ui.column("share", "Share of lines", "share"),
    ui.column("charges", "Charges", "money"),
    ui.column("denied", "Denied (final)", "money"),
    ui.column("lost", "Lost expected allowed", "money"),
]  # fmt: skip
# Which set of lines each figure of a row counts (its drill-down).
CELL_SETS = {"label": "lacks_{gap}", "lines": "lacks_{gap}", "share": "lacks_{gap}",
             "charges": "lacks_{gap}", "denied": "lacks_{gap}_denied",
             "lost": "lacks_{gap}_lost"}  # fmt: skip


def cost_table(data: Data, view: View):
    """One row per gap, costliest first; each figure leads to the lines it counts."""
    costs = data.documentation_costs(view).filter(pl.col("gap").is_in(list(GAPS)))
    small = data.settings_for(view).min_count
    rows = []
    ranked = costs.sort("lost", "denied", "charges", descending=True, maintain_order=True)
    for r in ui.records(ranked):
        gap = r["gap"]
        links = {f"_href_{field}": lines_href(view, outcome=name.format(gap=gap))
                 for field, name in CELL_SETS.items()}  # fmt: skip
        share = None if r["of_lines"] < small else r["lines"] / r["of_lines"]
        rows.append({**r, "label": GAP_LABELS[gap], "share": share, "_id": gap,
                     "_href": links["_href_lines"], **links})  # fmt: skip
    return ui.table("documentation-gaps", rows, COSTS)


def cost_heatmap(data: Data, view: View, by: str):
    """Lost expected allowed on the lines lacking each gap, by month or provider: a cell leads
    to the lines behind its dollars."""
    costs = data.documentation_costs(view, by)
    groups = sorted(costs["group"].drop_nulls().unique().to_list())
    if not groups:
        return ui.empty("No lines in this selection.")
    names = provider_names(data) if by == "provider" else {}
    cell = {(r["gap"], r["group"]): r for r in ui.records(costs)}
    z, text, links = [], [], []
    for gap in GAPS:
        row_z, row_text, row_links = [], [], []
        for g in groups:
            r = cell[(gap, g)]
            row_z.append(r["lost"])
            row_text.append(f"{ui.money(r['lost'])} lost · {ui.count(r['lines'])} of "
                            f"{ui.count(r['of_lines'])} lines lack it · "
                            f"{ui.money(r['denied'])} denied")  # fmt: skip
            row_links.append(lines_href(scoped(view, by, g), outcome=f"lacks_{gap}_lost",
                                        **month_of(by, g)))  # fmt: skip
        z.append(row_z)
        text.append(row_text)
        links.append(row_links)
    fig = go.Figure(go.Heatmap(
        z=z, x=axis(groups, by, names), y=[GAP_LABELS[g] for g in GAPS], text=text,
        customdata=links, texttemplate="$%{z:,.0f}", textfont_size=10,
        colorscale=[[0, "#ffffff"], [0.25, "#fef3c7"], [1, "#fca5a5"]], zmin=0,
        showscale=False, xgap=2, ygap=2,
        hovertemplate="%{y}, %{x}: %{text}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(yaxis_autorange="reversed", xaxis_tickangle=0, xaxis_tickfont_size=10)
    return ui.chart(f"documentation-cost-{by}", fig, height=300)


def provider_names(data: Data) -> dict[str, str]:
    return {o["value"]: o["label"] for o in data.options()["providers"]}


def scoped(view: View, by: str, group: str) -> View:
    return view.with_filters(providers=(group,)) if by == "provider" else view


def month_of(by: str, group: str) -> dict:
    return {"month": dt.date.fromisoformat(group)} if by == "month" else {}


def axis(groups: list[str], by: str, names: dict[str, str]) -> list[str]:
    if by == "month":
        return [dt.date.fromisoformat(g).strftime("%b %Y") for g in groups]
    return [ui.wrapped(names.get(g, g), 10) for g in groups]


# -- the share of lines with each element ---------------------------------------------------------
def heatmap(data: Data, view: View, by: str):
    figures = data.figures(view, by, only=tuple(m for m, _, _ in ROWS))
    groups = sorted(figures["group"].drop_nulls().unique().to_list())
    if not groups:
        return ui.empty("No lines in this selection.")
    names = provider_names(data) if by == "provider" else {}
    cell = {(r["metric"], r["group"]): r for r in figures.to_dicts()}
    z, text, links = [], [], []
    for metric, label, missing in ROWS:
        row_z, row_text, row_links = [], [], []
        for g in groups:
            r = cell.get((metric, g))
            row_z.append(None if r is None else r["value"])
            row_text.append(("suppressed" if r is None or r["suppressed"] else
                             f"{r['value']:.0%} ({r['numerator']:,.0f} of "
                             f"{r['denominator']:,.0f})") + ROW_NOTES.get(label, ""))  # fmt: skip
            row_links.append(lines_href(scoped(view, by, g), outcome=missing, **month_of(by, g)))
        z.append(row_z)
        text.append(row_text)
        links.append(row_links)
    fig = go.Figure(go.Heatmap(
        z=z, x=axis(groups, by, names), y=[label for _, label, _ in ROWS], text=text,
        customdata=links,
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
    ui.column("claim_narrative", "Claim narrative", maxWidth=130),
    ui.column("status", "Status", maxWidth=140),
    ui.column("description", "Description (SV101-7)", flex=2),
]  # fmt: skip


def weakest(data: Data, view: View):
    lines = data.weakest_notes(view)
    fields = [c["field"] for c in WEAKEST]
    rows = [{**{f: r[f] for f in fields}, "_id": r["claim_line_id"],
             "_href": f"/claims/{r['claim_id']}"} for r in lines.to_dicts()]  # fmt: skip
    return ui.table("weakest-notes", rows, WEAKEST, height=420)


layout, register = figure_page(__name__, INTRO, draw)
