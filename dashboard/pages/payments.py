"""Payments: expected against allowed and paid by payer, the variance distribution, the
underpayment worklist, days to payment, A/R aging, and how payers price the target codes."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import polars as pl
from dash import html

from ...access.roles import REVENUE
from ...queries.metrics import AGING
from ...queries.pricing import price_words
from .. import components as ui
from ..data import Data
from ..page_parts import figure_page, lines_href, month_links, selection_text
from ..view import View

dash.register_page(__name__, path="/payments", name="Payments", title="Payments · unlisted",
                   order=2, roles=REVENUE, prefix="payments",
                   exports=("by-payer", "variance", "underpaid", "pricing", "pricing-by-month",
                            "figures"))
INTRO = ("What payers allowed and paid against contract, who underpays, how long payment takes, "
         "what is still waiting, and what each payer allows per unit of the target codes.")


def draw(data: Data, view: View, search: str):
    settings = data.settings_for(view)
    return [
        html.P(selection_text(view), className="period"),
        dbc.Row([
            dbc.Col(ui.card("Expected, allowed and paid by payer (lines with a contract)",
                            contract_by_payer(data, view), "by-payer", search), lg=7),
            dbc.Col(ui.card("Allowed minus expected, per line", distribution(data, view),
                            "variance", search,
                            note="Lines with a contract that were not finally denied."), lg=5),
        ], className="g-3"),
        ui.card("Underpayment worklist", worklist(data, view), "underpaid", search,
                note=f"Allowed below contract by more than the tolerance "
                     f"(${settings.tolerance_dollars} or {settings.tolerance_percent * 100}% of "
                     "expected, or the payer's own), largest first. Click a line for its "
                     "claim."),
        dbc.Row([
            dbc.Col(ui.card("Days from service to payment, by payer", days_by_payer(data, view),
                            "by-payer", search), lg=6),
            dbc.Col(ui.card(f"A/R aging of pending lines, as of {settings.as_of}",
                            aging(data, view), "figures", search), lg=6),
        ], className="g-3"),
        *pricing_section(data, view, search),
    ]  # fmt: skip


def payer_names(data: Data) -> dict[str, str]:
    return {o["value"]: o["label"] for o in data.options()["payers"]}


def payer_bars(data: Data, view: View, name: str, series: tuple, outcome: str, hover: str,
               **layout):  # fmt: skip
    """Bars of figures by payer; series are (metric, name, colour); a bar leads to the payer's
    lines of `outcome`."""
    wide = data.figures(view, "payer", only=tuple(m for m, _, _ in series)).pivot(
        on="metric", index="group", values="value").sort("group")  # fmt: skip
    names = payer_names(data)
    payers = wide["group"].to_list()
    labels = [ui.wrapped(names.get(p, p), 10) for p in payers]
    hrefs = [lines_href(view.with_filters(payers=(p,)), outcome=outcome) for p in payers]
    return ui.bar_chart(name, labels, [
        (wide[metric], label, colour, hrefs, hover.format(label=label.lower()))
        for metric, label, colour in series
    ], barmode="group", xaxis_tickangle=0, **layout)  # fmt: skip


def contract_by_payer(data: Data, view: View):
    return payer_bars(data, view, "payments-contract", (
        ("expected_allowed", "Expected", ui.GREY), ("allowed_priced", "Allowed", ui.TEAL),
        ("paid_priced", "Paid", ui.BLUE)), "variance", "%{{x}}: $%{{y:,.2f}} {label}",
        yaxis_tickformat="$~s")  # fmt: skip


def distribution(data: Data, view: View):
    bins = data.variance_bins(view)
    if bins.height == 0:
        return ui.empty("No line with a contract in this selection.")
    colors = [ui.RED if high <= 0 else ui.TEAL for high in bins["high"]]
    fig = go.Figure(go.Bar(
        x=[(lo + hi) / 2 for lo, hi in zip(bins["low"], bins["high"], strict=True)],
        y=bins["lines"], width=[hi - lo for lo, hi in zip(bins["low"], bins["high"], strict=True)],
        marker_color=colors,
        customdata=[lines_href(view, variance_from=lo, variance_to=hi)
                    for lo, hi in zip(bins["low"], bins["high"], strict=True)],
        hovertext=[f"{ui.money(lo)} to {ui.money(hi)}: {n:,} line{'' if n == 1 else 's'}"
                   for lo, hi, n in zip(bins["low"], bins["high"], bins["lines"], strict=True)],
        hovertemplate="%{hovertext}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(xaxis_tickformat="$,.0f", yaxis_title="lines (log scale)",
                      yaxis_type="log", yaxis_dtick=1, bargap=0.05)
    return ui.chart("payments-variance", fig)


WORKLIST = [
    ui.column("service_date", "Service date", "date"), ui.column("payer_name", "Payer"),
    ui.column("rendering_name", "Provider"), ui.column("procedure_code", "Code", maxWidth=90),
    ui.column("units", "Units", "count", maxWidth=90),
    ui.column("expected_allowed", "Expected", "money"), ui.column("allowed", "Allowed", "money"),
    ui.column("variance", "Variance", "money", sort="asc"),
    ui.column("net_paid", "Paid", "money"),
]  # fmt: skip


WORKLIST_FIELDS = [c["field"] for c in WORKLIST]


def worklist(data: Data, view: View):
    n, dollars = data.underpaid_summary(view)
    shown = data.underpaid_top(view, 500).select(*WORKLIST_FIELDS, "claim_id", "claim_line_id",
                                                 "patient_control_number").to_dicts()
    rows = [{**r, "_id": r["claim_line_id"], "_href": f"/claims/{r['claim_id']}"} for r in shown]
    summary = html.P(f"{n:,} lines, {ui.money(dollars)} below contract"
                     + (" (the 500 largest shown; the export has all)." if n > 500 else "."),
                     className="small muted")  # fmt: skip
    return [summary, ui.table("underpaid", rows, WORKLIST, height=420)]


def days_by_payer(data: Data, view: View):
    return payer_bars(data, view, "payments-days", (
        ("days_to_payment_median", "Median", ui.BLUE),
        ("days_to_payment_p90", "90th percentile", ui.GREY)), "paid",
        "%{{x}}: %{{y}} days ({label})", yaxis_title="days")  # fmt: skip


def aging(data: Data, view: View):
    if view.filters.basis == "payment":
        # Pending lines have no remittance, so no payment date: a payment-date selection holds
        # none of them, and bars of $0 would say there is no A/R.
        return ui.empty("Pending lines have no payment date, so payment dates select none of "
                        "them.", "Choose service dates in the filter bar to see the A/R aging.")
    figures = data.figures(view)
    bands = [label for _, _, label in AGING]
    lines = [ui.figure_row(figures, f"ar_aging_{b}")["numerator"] for b in bands]
    charges = [ui.figure_row(figures, f"ar_aging_{b}_charges")["numerator"] for b in bands]
    fig = go.Figure(go.Bar(
        x=[f"{b} days" for b in bands], y=charges, marker_color=ui.AMBER,
        customdata=[lines_href(view, outcome=f"aging_{b}") for b in bands],
        text=[f"{n:,.0f} lines" for n in lines], textposition="outside",
        hovertemplate="%{x}: $%{y:,.2f} in %{text}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(yaxis_tickformat="$~s", yaxis_title="pending charges")
    return ui.chart("payments-aging", fig)


PRICES = [
    ui.column("payer_name", "Payer"), ui.column("payer_id", "Payer id", maxWidth=130),
    ui.column("code", "Code", maxWidth=90), ui.column("comparator_code", "Priced as", maxWidth=110),
    # A contract's row has no share (its code comes from the contract): empty, not "suppressed".
    ui.column("comparator_share", "Share of paid lines", "number", minWidth=110,
              valueFormatter={"function": "params.value == null ? '' : "
                                          "d3.format('.1%')(params.value)"}),
    ui.column("expected", "Expected allowed per unit", minWidth=260),
    ui.column("per_unit", "Per unit", "money"), ui.column("low", "25th percentile", "money"),
    ui.column("high", "75th percentile", "money"), ui.column("lines", "Paid lines", "count"),
]  # fmt: skip


def pricing_section(data: Data, view: View, search: str) -> list:
    """How payers price the view's codes: the suggestion per payer and code, and what each
    allowed per unit by month (docs/pricing.md)."""
    chosen = data.pricing_settings()
    as_of = data.settings_for(view).as_of
    codes = ", ".join(view.filters.codes)
    window = (f"Paid lines of the {chosen['history_months']} months to {as_of} (service dates), "
              "billed as primary; of the filter bar only payers and codes apply.")  # fmt: skip
    return [
        html.H2(f"How payers price {codes}", className="h5 mt-4", id="payments-pricing"),
        ui.card("Expected allowed per unit, by payer", suggestions(data, view, chosen),
                "pricing", search,
                note=f"{window} A contract rate in force on {as_of} wins over the history; "
                     f"with fewer than {chosen['min_lines']} paid lines the history suggests "
                     "nothing. Priced as: the code the payer paid most lines as (SVC01 for "
                     "the billed SVC06), or the comparator contract's code."),
        ui.card("Allowed per unit by month, by payer", per_unit_by_month(data, view),
                "pricing-by-month", search,
                note=f"{window} Each point is the month's median; a point leads to the payer's "
                     "lines of the code in that month."),
    ]  # fmt: skip


def suggestions(data: Data, view: View, chosen: dict):
    prices = data.comparator_prices(view)
    words = [price_words(row, chosen["min_lines"]) for row in prices.iter_rows(named=True)]
    rows = ui.records(prices.with_columns(expected=pl.Series(words, dtype=pl.String)))
    return ui.table("pricing", rows, PRICES, clickable=False,
                    empty_text="No payer has a line of these codes in the window or a "
                               "contract in force.")  # fmt: skip


def per_unit_by_month(data: Data, view: View):
    months = data.allowed_per_unit_by_month(view)
    if months.height == 0:
        return ui.empty("No paid line of these codes in the window.")
    several = len(view.filters.codes) > 1
    traces = []
    for k, (key, rows) in enumerate(months.group_by("payer_id", "code", maintain_order=True)):
        payer, code = key
        name = f"{rows['payer_name'][0] or payer} ({payer})" + (f", {code}" if several else "")
        days = [m.isoformat() for m in rows["service_month"]]
        # The month's lines of this payer and code, whatever dates and other filters are chosen
        scoped = view.with_filters(payers=(payer,), codes=(code,), providers=(), locations=(),
                                   modifiers=(), basis="service", start=rows["service_month"][0],
                                   end=data.settings_for(view).as_of)  # fmt: skip
        traces.append(go.Scatter(
            x=days, y=[float(v) for v in rows["per_unit"]], name=name, mode="lines+markers",
            line_color=ui.SERIES[k % len(ui.SERIES)],
            customdata=month_links(scoped, days),
            text=[f"{n:,} paid line{'' if n == 1 else 's'}" for n in rows["lines"]],
            hovertemplate="%{fullData.name}, %{x|%b %Y}: $%{y:,.2f} per unit (%{text})"
                          "<extra></extra>",
            connectgaps=True,
        ))  # fmt: skip
    fig = go.Figure(traces)
    fig.update_layout(yaxis_tickformat="$,.2f", xaxis_tickformat="%b %Y",
                      yaxis_title="median allowed per unit", yaxis_rangemode="tozero")  # fmt: skip
    return ui.chart("payments-pricing", fig)


layout, register = figure_page(__name__, INTRO, draw)
