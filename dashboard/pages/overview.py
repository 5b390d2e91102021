"""Overview: the headline figures against the previous period, monthly trends, payer scorecard.
A period whose latest dates are under the maturity (settings: [dashboard] maturity_days) is still
open: its settling figures are shown without a comparison, and the page says how much of it is
pending."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import dcc, html

from ...access.roles import REVENUE
from ...queries.metrics import Filters
from .. import components as ui
from ..data import Data
from ..page_parts import figure_page, lines_href, month_links, selection_text
from ..view import View, add_months, month_end, previous_period

dash.register_page(__name__, path="/", name="Overview", title="Overview · unlisted", order=0,
                   roles=REVENUE, prefix="overview",
                   exports=("figures", "by-month", "by-payer"))
PATH = dash.page_registry[__name__]["path"]
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
# Figures that keep moving while payers answer a period's claims: a period still open is not
# like the one before it, so these are shown without a comparison until it is mature.
SETTLING = ("net_paid", "initial_denial_rate", "final_denial_rate", "underpaid_dollars",
            "charges_pending")  # fmt: skip
# On payment dates a period's money is in once it ends; its lines' appeals and corrections are
# still to come.
SETTLING_BY_PAYMENT = ("final_denial_rate",)
STILL_OPEN = "not compared: period still open"


def draw(data: Data, view: View, search: str):
    now, before = data.with_previous(view, only=TILES)
    if before is not None and ui.figure_row(before, "lines_billed")["numerator"] == 0:
        before = None
    maturity = Maturity.of(data, view, now)

    def pair(metric):
        return ui.figure_row(now, metric), ui.figure_row(before, metric) if before is not None \
            else None  # fmt: skip

    def settling(metric: str) -> dict:
        return {"uncompared": maturity.note(metric)} if maturity.holds(metric) else {}

    billed = ui.figure_row(now, "charges_billed")
    tiles = [
        ui.tile(f"{'/'.join(view.filters.codes)} billed", "charges_billed", *pair("charges_billed"),
                lines_href(view, outcome="billed"),
                detail=f"{ui.count(billed['denominator'])} lines"),
        ui.tile("Paid", "net_paid", *pair("net_paid"), lines_href(view, outcome="paid"),
                **settling("net_paid")),
        ui.tile("Initial denial rate", "initial_denial_rate", *pair("initial_denial_rate"),
                lines_href(view, outcome="initial_denied"), **settling("initial_denial_rate")),
        ui.tile("Final denial rate", "final_denial_rate", *pair("final_denial_rate"),
                lines_href(view, outcome="final_denied"), **settling("final_denial_rate")),
        ui.tile("Underpaid", "underpaid_dollars", *pair("underpaid_dollars"),
                lines_href(view, outcome="underpaid"),
                detail=f"{ui.count(ui.figure_row(now, 'underpaid_rate')['numerator'])} lines "
                       "below contract", **settling("underpaid_dollars")),
        pending_tile(view, now, before, maturity),
        ui.tile("Documentation complete", "documentation_complete_rate",
                *pair("documentation_complete_rate"),
                lines_href(view, outcome="documentation_incomplete")),
    ]  # fmt: skip
    return [
        html.P(period_text(view, compared=before is not None), className="period"),
        maturity.explained(view),
        html.Div(tiles, className="tiles"),
        dbc.Row([
            dbc.Col(ui.card("Billed and paid by service month", money_trend(data, view, maturity),
                            "by-month", search), lg=7),
            dbc.Col(ui.card("Denial rates by service month", rate_trend(data, view, maturity),
                            "by-month", search), lg=5),
        ], className="g-3"),
        ui.card("Payer scorecard", scorecard(data, view), "by-payer", search,
                note="Click a payer to see its lines."),
    ]  # fmt: skip


def pending_tile(view: View, now, before, maturity: Maturity):
    """Pending A/R; on payment dates, that pending lines have none (rather than $0)."""
    if view.filters.basis == "payment":
        on_service = view.with_filters(basis="service")
        return dcc.Link(dbc.Card(dbc.CardBody([
            html.Div("Pending A/R", className="tile-label"),
            html.Div("—", className="tile-value muted"),
            html.Div("Pending lines have no payment date, so payment dates select none: "
                     "choose service dates to see them.", className="tile-detail"),
        ])), href=lines_href(on_service, outcome="pending"), className="tile",
            id="tile-pending")  # fmt: skip
    pending = ui.figure_row(now, "lines_pending")
    extra = {"uncompared": maturity.note("charges_pending")} if maturity.holds(
        "charges_pending") else {}  # fmt: skip
    return ui.tile("Pending A/R", "charges_pending", ui.figure_row(now, "charges_pending"),
                   ui.figure_row(before, "charges_pending") if before is not None else None,
                   lines_href(view, outcome="pending"),
                   detail=f"{ui.count(pending['numerator'])} lines without remittance",
                   tile_id="tile-pending", **extra)  # fmt: skip


@dataclass(frozen=True)
class Maturity:
    """Whether the view's period is still open: some of its dates are under the maturity (90
    days by default) at the as-of date, so payers are still answering its claims and its paid,
    denial, underpayment and pending figures are not like those of an older period."""

    days: int
    as_of: dt.date
    mature_through: dt.date  # the last date at least `days` old at as_of
    open: bool
    settling: tuple[str, ...] = SETTLING  # the figures an open period does not compare
    young_billed: float = 0.0  # charges of the open part (service after mature_through)
    young_pending: float = 0.0  # ... still without remittance
    young_pending_lines: int = 0

    @classmethod
    def of(cls, data: Data, view: View, now) -> Maturity:
        f = view.filters
        through = data.mature_through(view)
        as_of = data.settings_for(view).as_of
        young = f.end is not None and f.end > through
        if not young:
            return cls(data.maturity_days, as_of, through, False)
        if f.basis == "payment":
            return cls(data.maturity_days, as_of, through, True, SETTLING_BY_PAYMENT)
        start = max(f.start, through + dt.timedelta(days=1)) if f.start else \
            through + dt.timedelta(days=1)  # fmt: skip
        part = data.figures(replace(view, filters=replace(f, start=start)),
                            only=("charges_billed", "charges_pending", "lines_pending"))
        value = {m: ui.figure_row(part, m)["numerator"] or 0 for m in
                 ("charges_billed", "charges_pending", "lines_pending")}  # fmt: skip
        return cls(data.maturity_days, as_of, through, True, SETTLING, value["charges_billed"],
                   value["charges_pending"], int(value["lines_pending"]))

    def holds(self, metric: str) -> bool:
        """Whether the figure goes without a comparison: the period is open and the figure
        still moves."""
        return self.open and metric in self.settling

    def note(self, metric: str) -> str:
        if metric == "charges_pending" and self.young_pending_lines:
            return (f"{ui.count(self.young_pending_lines)} under {self.days} days old: "
                    "period still open")
        return STILL_OPEN

    def explained(self, view: View):
        """What is still open and how much of it is pending, with a way to a mature period."""
        if not self.open:
            return None
        basis = "payment" if view.filters.basis == "payment" else "service"
        words = [f"Period still open: {basis} dates after {self.mature_through} are under "
                 f"{self.days} days old on {self.as_of}."]
        if basis == "service":
            share = f"{self.young_pending / self.young_billed:.0%}, " if self.young_billed \
                else ""  # fmt: skip
            words.append(f" Those lines billed {ui.money(self.young_billed)}; "
                         f"{ui.money(self.young_pending)} of it ({share}"
                         f"{ui.count(self.young_pending_lines)} lines) has no remittance yet.")
        if basis == "service":
            words.append(" Paid, denial rates, underpaid and pending A/R keep changing until "
                         "payers answer, so this period's are not set against the period "
                         "before.")
        else:
            words.append(" Its final denial rate keeps changing while appeals and corrections "
                         "come in, so it is not set against the period before.")
        mature = mature_period(view.filters, self.mature_through)
        link = []
        if mature is not None:
            link = [" ", dcc.Link(f"See {period_words(mature)} instead (mature)",
                                  href=PATH + view.undrilled().with_filters(
                                      start=mature.start, end=mature.end).query(),
                                  id="overview-mature-link")]  # fmt: skip
        return html.P(["".join(words), *link], className="period open-period",
                      id="overview-open-period")


def mature_period(filters: Filters, through: dt.date) -> Filters | None:
    """A period as long as the filters' own, ending at or before `through`: whole months when
    the filters' are whole months."""
    if not (filters.start and filters.end):
        return None
    if filters.start.day == 1 and filters.end == month_end(filters.end):
        end = through if through == month_end(through) else through.replace(day=1) - \
            dt.timedelta(days=1)  # fmt: skip
        months = (filters.end.year - filters.start.year) * 12 + filters.end.month \
            - filters.start.month + 1  # fmt: skip
        return replace(filters, start=add_months(end.replace(day=1), 1 - months), end=end)
    days = (filters.end - filters.start).days
    return replace(filters, start=through - dt.timedelta(days=days), end=through)


def period_words(f: Filters) -> str:
    if f.start.day == 1 and f.end == month_end(f.end):
        return f"{f.start:%b %Y} to {f.end:%b %Y}"
    return f"{f.start} to {f.end}"


def by_month(data: Data, view: View, *metrics: str) -> pl.DataFrame:
    figures = data.figures(view, "month", only=metrics)
    return figures.pivot(on="metric", index="group", values="value").sort("group")


def ui_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def money_trend(data: Data, view: View, maturity: Maturity | None = None):
    frame = by_month(data, view, "charges_billed", "net_paid")
    months = frame["group"].to_list()
    fig = go.Figure([
        go.Bar(x=months, y=frame["charges_billed"], name="Billed", marker_color=ui.GREY,
               customdata=month_links(view, months, outcome="billed"),
               hovertemplate="%{x|%b %Y}: $%{y:,.2f} billed<extra></extra>"),
        go.Bar(x=months, y=frame["net_paid"], name="Paid", marker_color=ui.BLUE,
               customdata=month_links(view, months, outcome="paid"),
               hovertemplate="%{x|%b %Y}: $%{y:,.2f} paid<extra></extra>"),
    ])  # fmt: skip
    fig.update_layout(barmode="group", yaxis_tickformat="$~s", xaxis_tickformat="%b %Y")
    shade_open_months(fig, view, months, maturity)
    return ui.chart("overview-money", fig)


def shade_open_months(fig: go.Figure, view: View, months: list[str],
                      maturity: Maturity | None) -> None:  # fmt: skip
    """Grey behind the service months still open, labelled so: their payments are to come."""
    if maturity is None or not maturity.open or view.filters.basis != "service" or not months:
        return
    first_open = (maturity.mature_through + dt.timedelta(days=1)).replace(day=1)
    young = [m for m in months if ui_date(m) >= first_open]
    if not young:
        return
    fig.add_vrect(x0=ui_date(young[0]) - dt.timedelta(days=15),
                  x1=ui_date(young[-1]) + dt.timedelta(days=15), fillcolor="#e5e7eb",
                  opacity=0.45, layer="below", line_width=0, annotation_text="still open",
                  annotation_position="top left", annotation_font_color=ui.MUTED)  # fmt: skip


def rate_trend(data: Data, view: View, maturity: Maturity | None = None):
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
    shade_open_months(fig, view, months, maturity)
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
    columns = [ui.column("payer", "Payer", pinned="left", minWidth=160)] + [  # names wrap
        ui.column(m, ui.label_of(m), kinds.get(m, "share")) for m in SCORECARD]
    return ui.table("payer-scorecard", rows, columns)


layout, register = figure_page(__name__, INTRO, draw)
