"""Overview: the headline figures against the previous period, monthly trends, payer scorecard."""

from __future__ import annotations

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from .. import components as ui
from ..data import Data
from ..view import View, previous_period
from . import figure_page, lines_href, selection_text

NAME, TITLE, PATH = "overview", "Overview", "/"
INTRO = "What the target codes billed, collected and lost, against the period before."


def period_text(view: View, compared: bool = True) -> str:
    before = previous_period(view.filters)
    text = selection_text(view)
    if before is None:
        return text
    if not compared:
        return text + f" · no lines in the previous period ({before.start} to {before.end})"
    return text + f" · compared with {before.start} to {before.end}"


# The figures the tiles show: only these are computed for the two periods (the medians and
# the A/R aging of a full summary would double the time over a large selection).
TILES = ("charges_billed", "lines_billed", "net_paid", "initial_denial_rate", "final_denial_rate",
         "underpaid_dollars", "underpaid_rate", "charges_pending", "lines_pending",
         "documentation_complete_rate")  # fmt: skip


def draw(data: Data, view: View, search: str):
    now, before = data.with_previous(view, only=TILES)
    if before is not None and ui.figure_row(before, "lines_billed")["numerator"] == 0:
        before = None

    def pair(metric):
        return ui.figure_row(now, metric), ui.figure_row(before, metric) if before is not None \
            else None  # fmt: skip

    billed = ui.figure_row(now, "charges_billed")
    pending = ui.figure_row(now, "lines_pending")
    tiles = [
        ui.tile(f"{'/'.join(view.filters.codes)} billed", "charges_billed", *pair("charges_billed"),
                lines_href(view, outcome="billed"),
                detail=f"{ui.count(billed['denominator'])} lines"),
        ui.tile("Paid", "net_paid", *pair("net_paid"), lines_href(view, outcome="paid")),
        ui.tile("Initial denial rate", "initial_denial_rate", *pair("initial_denial_rate"),
                lines_href(view, outcome="initial_denied")),
        ui.tile("Final denial rate", "final_denial_rate", *pair("final_denial_rate"),
                lines_href(view, outcome="final_denied")),
        ui.tile("Underpaid", "underpaid_dollars", *pair("underpaid_dollars"),
                lines_href(view, outcome="underpaid"),
                detail=f"{ui.count(ui.figure_row(now, 'underpaid_rate')['numerator'])} lines "
                       "below contract"),
        ui.tile("Pending A/R", "charges_pending", *pair("charges_pending"),
                lines_href(view, outcome="pending"),
                detail=f"{ui.count(pending['numerator'])} lines without remittance",
                tile_id="tile-pending"),
        ui.tile("Documentation complete", "documentation_complete_rate",
                *pair("documentation_complete_rate"),
                lines_href(view, outcome="documentation_incomplete")),
    ]  # fmt: skip
    return [
        html.P(period_text(view, compared=before is not None), className="period"),
        html.Div(tiles, className="tiles"),
        dbc.Row([
            dbc.Col(ui.card("Billed and paid by service month", money_trend(data, view),
                            "by-month", search), lg=7),
            dbc.Col(ui.card("Denial rates by service month", rate_trend(data, view),
                            "by-month", search), lg=5),
        ], className="g-3"),
        ui.card("Payer scorecard", scorecard(data, view), "by-payer", search,
                note="Click a payer to see its lines."),
    ]  # fmt: skip


def by_month(data: Data, view: View, *metrics: str) -> pl.DataFrame:
    figures = data.figures(view, "month", only=metrics)
    return figures.pivot(on="metric", index="group", values="value").sort("group")


def month_links(view: View, months: list[str], **drill) -> list[str]:
    return [lines_href(view, month=ui_date(m), **drill) for m in months]


def ui_date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)


def money_trend(data: Data, view: View):
    frame = by_month(data, view, "charges_billed", "net_paid")
    months = frame["group"].to_list()
    return ui.bar_chart("overview-money", months, [
        (frame["charges_billed"], "Billed", ui.GREY, month_links(view, months, outcome="billed"),
         "%{x|%b %Y}: $%{y:,.2f} billed"),
        (frame["net_paid"], "Paid", ui.BLUE, month_links(view, months, outcome="paid"),
         "%{x|%b %Y}: $%{y:,.2f} paid"),
    ], barmode="group", yaxis_tickformat="$~s", xaxis_tickformat="%b %Y")  # fmt: skip


def rate_trend(data: Data, view: View):
    frame = by_month(data, view, "initial_denial_rate", "final_denial_rate")
    months = frame["group"].to_list()
    fig = go.Figure([
        go.Scatter(x=months, y=frame["initial_denial_rate"], name="Initial", mode="lines+markers",
                   line_color=ui.AMBER, customdata=month_links(view, months,
                                                                outcome="initial_denied"),
                   hovertemplate="%{x|%b %Y}: %{y:.1%} denied at first<extra></extra>"),
        go.Scatter(x=months, y=frame["final_denial_rate"], name="Final", mode="lines+markers",
                   line_color=ui.RED, customdata=month_links(view, months,
                                                              outcome="final_denied"),
                   hovertemplate="%{x|%b %Y}: %{y:.1%} still denied<extra></extra>"),
    ])  # fmt: skip
    fig.update_layout(yaxis_tickformat=".0%", xaxis_tickformat="%b %Y", yaxis_rangemode="tozero")
    return ui.chart("overview-rates", fig)


SCORECARD = ("lines_billed", "charges_billed", "net_paid", "initial_denial_rate",
             "final_denial_rate", "overturn_rate", "underpaid_dollars", "days_to_payment_median",
             "documentation_complete_rate")  # fmt: skip


def scorecard(data: Data, view: View):
    figures = data.figures(view, "payer", only=SCORECARD)
    names = {o["value"]: o["label"] for o in data.options()["payers"]}
    wide = figures.pivot(on="metric", index="group", values="value")
    rows = [{**row, "payer": names.get(row["group"], row["group"]), "_id": row["group"],
             "_href": lines_href(view.with_filters(payers=(row["group"],)), outcome="billed")}
            for row in wide.sort("charges_billed", descending=True).to_dicts()]  # fmt: skip
    kinds = {"lines_billed": "count", "charges_billed": "money", "net_paid": "money",
             "underpaid_dollars": "money", "days_to_payment_median": "count"}  # fmt: skip
    columns = [ui.column("payer", "Payer", pinned="left", minWidth=200)] + [
        ui.column(m, ui.label_of(m), kinds.get(m, "share")) for m in SCORECARD]
    return ui.table("payer-scorecard", rows, columns)


layout, register = figure_page(NAME, TITLE, INTRO, draw)
