"""The building blocks every page uses, so that every page looks and reads the same: figure
formatting, tiles, chart and table cards, export links, empty and error states."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from dash import dcc, html

from ..queries.explore import json_ready
from .labels import FIGURE_LABELS, RATES

INK = "#1f2a37"
MUTED = "#6b7280"
BLUE, TEAL, RED, AMBER, GREY, GREEN = (
    "#2563eb", "#0d9488", "#dc2626", "#d97706", "#9ca3af", "#16a34a")  # fmt: skip
SERIES = [BLUE, TEAL, AMBER, "#7c3aed", RED, "#db2777", "#4b5563", GREEN, "#0891b2", "#65a30d"]


# -- numbers in words ------------------------------------------------------------------------------
def money(value) -> str:
    return "—" if value is None else f"{'-' if value < 0 else ''}${abs(value):,.2f}"


def money_short(value) -> str:
    """Money for a tile: millions and thousands shortened, cents below that."""
    if value is None:
        return "—"
    for size, suffix in ((1e6, "M"), (1e5, "K")):
        if abs(value) >= size:
            scaled = value / (1e6 if suffix == "M" else 1e3)
            return f"{'-' if value < 0 else ''}${abs(scaled):,.2f}{suffix}"
    return money(value)


def share(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def count(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def days(value) -> str:
    return "—" if value is None else f"{value:,.0f} days"


def shown(metric: str, value) -> str:
    """A figure's value as people read it."""
    if metric in RATES:
        return share(value)
    if metric.startswith("days_"):
        return days(value)
    if metric.startswith(("lines_", "ar_aging")) and not metric.endswith("_charges"):
        return count(value)
    return money(value)


def records(frame: pl.DataFrame) -> list[dict]:
    """A frame's rows as a table's rowData (exact money as numbers, ISO dates)."""
    return json_ready(frame).to_dicts()


def figure_row(figures: pl.DataFrame, metric: str, group: str | None = None) -> dict | None:
    rows = figures.filter(
        (pl.col("metric") == metric)
        & (pl.col("group").is_null() if group is None else pl.col("group") == group)
    )  # fmt: skip
    return rows.row(0, named=True) if rows.height else None


# -- tiles -----------------------------------------------------------------------------------------
# Figures that are better when they fall; the others are better when they rise.
LOWER_IS_BETTER = {"initial_denial_rate", "final_denial_rate", "underpaid_dollars",
                   "charges_pending", "lines_pending", "days_to_payment_median"}  # fmt: skip


def change(metric: str, now: dict | None, before: dict | None) -> html.Span:
    """The change against the previous period, green when it is for the better, red when not."""
    if not now or not before or now["value"] is None or before["value"] is None:
        return html.Span("no comparison", className="tile-change muted")
    if metric in RATES:
        delta = (now["value"] - before["value"]) * 100
        text = f"{delta:+.1f} pts"
    elif before["value"] == 0:
        return html.Span("no comparison", className="tile-change muted")
    else:
        delta = (now["value"] - before["value"]) / abs(before["value"]) * 100
        text = f"{delta:+.1f}%"
    better = delta < 0 if metric in LOWER_IS_BETTER else delta > 0
    mood = "" if abs(delta) < 0.05 else (" better" if better else " worse")
    return html.Span(f"{text} vs previous period", className="tile-change" + mood)


def tile(label: str, metric: str, now: dict | None, before: dict | None, href: str,
         detail: str | None = None, tile_id: str | None = None,
         uncompared: str | None = None) -> dcc.Link:  # fmt: skip
    """A headline figure: value, what it counts, change against the previous period (or, with
    `uncompared`, that text instead, uncoloured: why the two periods are not alike). The whole
    tile links to the rows behind it."""
    if now is None:
        body = [html.Div("—", className="tile-value")]
    elif now["suppressed"]:
        body = [html.Div("suppressed", className="tile-value muted"),
                html.Div(f"Too few lines to show a rate: {now['reason']}.",
                         className="tile-detail")]  # fmt: skip
    else:
        if detail is None:
            detail = (f"{count(now['numerator'])} of {count(now['denominator'])} lines"
                      if metric in RATES else f"{count(now['denominator'])} lines")  # fmt: skip
        value = shown(metric, now["value"])
        exact = []
        if value.startswith(("$", "-$")) and money_short(now["value"]) != value:
            # The tile shortens large sums; the exact amount is right below it.
            value, exact = money_short(now["value"]), [html.Div(value, className="tile-exact")]
        compared = change(metric, now, before) if uncompared is None or before is None else \
            html.Span(uncompared, className="tile-change muted")  # fmt: skip
        body = [html.Div(value, className="tile-value"), *exact,
                html.Div(detail, className="tile-detail"), compared]  # fmt: skip
    return dcc.Link(
        dbc.Card(dbc.CardBody([html.Div(label, className="tile-label"), *body])),
        href=href, className="tile", id=tile_id or f"tile-{metric}",
    )  # fmt: skip


def money_tile(label: str, value, detail: str, href: str, tile_id: str,
               note: str | None = None) -> dcc.Link:  # fmt: skip
    """A headline amount without a comparison: exact money (a Decimal) shortened for the tile
    with the exact amount below, what it counts, and a line of context. None shows as
    "suppressed" with the detail saying why."""
    if value is None:
        body = [html.Div("suppressed", className="tile-value muted")]
    else:
        exact = money(value)
        short = money_short(float(value))
        body = [html.Div(short, className="tile-value")]
        if short != exact:
            body.append(html.Div(exact, className="tile-exact"))
    body.append(html.Div(detail, className="tile-detail"))
    if note:
        body.append(html.Span(note, className="tile-change muted"))
    return dcc.Link(dbc.Card(dbc.CardBody([html.Div(label, className="tile-label"), *body])),
                    href=href, className="tile", id=tile_id)  # fmt: skip


# -- cards -----------------------------------------------------------------------------------------
def export_links(dataset: str, search: str) -> html.Span:
    """CSV and Excel downloads of one dataset under the current filters (streamed by the server,
    see exports.py)."""
    return html.Span([
        html.A("CSV", href=f"/export/{dataset}.csv{search}", className="export-link",
               download=f"{dataset}.csv"),
        html.A("Excel", href=f"/export/{dataset}.xlsx{search}", className="export-link",
               download=f"{dataset}.xlsx"),
    ], className="export-links")  # fmt: skip


def card(title: str, body, dataset: str | None = None, search: str = "",
         note: str | None = None) -> dbc.Card:  # fmt: skip
    header = [html.Span(title, className="card-title-text")]
    if dataset:
        header.append(export_links(dataset, search))
    children = [dbc.CardHeader(header, className="card-head")]
    if note:
        children.append(html.Div(note, className="card-note"))
    children.append(dbc.CardBody(body))
    return dbc.Card(children, className="panel")


def wrapped(name: str | None, width: int = 16) -> str:
    """A long axis label over several lines."""
    words, lines = (name or "").split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + len(word) + 1 > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


# Plotly copies and validates a named template on every figure; the dict, made once, is free.
WHITE = pio.templates["plotly_white"].to_plotly_json()


def chart(name: str, fig: go.Figure, height: int = 300) -> dcc.Graph:
    """A chart whose clicks lead to the rows behind the clicked point (its customdata is the
    address of those rows)."""
    fig.update_layout(
        height=height, margin={"l": 50, "r": 10, "t": 30, "b": 40},
        font={"family": "Inter, system-ui, sans-serif", "size": 12, "color": INK},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        hovermode="closest", clickmode="event", xaxis_automargin=True, yaxis_automargin=True,
    )  # fmt: skip
    figure = fig.to_plotly_json()
    figure["layout"]["template"] = WHITE
    return dcc.Graph(id={"type": "drill-chart", "name": name}, figure=figure,
                     config={"displayModeBar": False}, className="chart")  # fmt: skip


def bar_chart(name: str, x: list, traces: list[tuple], **layout) -> dcc.Graph:
    """Bars of several series over the same x; a trace is (y, name, colour, the address of the
    rows behind each bar, hover template)."""
    fig = go.Figure([go.Bar(x=x, y=y, name=label, marker_color=colour, customdata=links,
                            hovertemplate=hover + "<extra></extra>")
                     for y, label, colour, links, hover in traces])  # fmt: skip
    fig.update_layout(**layout)
    return chart(name, fig)


MONEY_FORMAT = {"function": "params.value == null ? '' : d3.format('$,.2f')(params.value)"}
SHARE_FORMAT = {"function": "params.value == null ? 'suppressed' : d3.format('.1%')(params.value)"}
COUNT_FORMAT = {"function": "params.value == null ? '' : d3.format(',')(params.value)"}


def column(field: str, header: str, kind: str = "text", **extra) -> dict:
    spec = {"field": field, "headerName": header, **extra}
    if kind == "money":
        spec.update(valueFormatter=MONEY_FORMAT, type="rightAligned",
                    filter="agNumberColumnFilter", minWidth=max(extra.get("minWidth", 0), 125))
    elif kind == "share":
        spec.update(valueFormatter=SHARE_FORMAT, type="rightAligned")
    elif kind == "count":
        spec.update(valueFormatter=COUNT_FORMAT, type="rightAligned",
                    filter="agNumberColumnFilter")  # fmt: skip
    elif kind == "number":
        spec.update(type="rightAligned", filter="agNumberColumnFilter")
    elif kind == "date":
        spec.update(filter="agDateColumnFilter", minWidth=max(extra.get("minWidth", 0), 115))
    elif kind == "text" and "minWidth" not in extra:
        spec.update(minWidth=120)
    return spec


COLUMN_DEFAULTS = {"sortable": True, "resizable": True, "filter": True, "minWidth": 100,
                   "wrapHeaderText": True, "autoHeaderHeight": True,
                   "headerClass": "wrap-words"}


def table(name: str, rows: list[dict], columns: list[dict], height: int | None = None,
          clickable: bool = True, empty_text: str = "No rows for these filters.",
          ) -> dag.AgGrid:  # fmt: skip
    """A small table held in the browser, sortable; clicking a row follows its `href` to the
    rows behind it. Without a height it fits up to ten rows and scrolls beyond."""
    # Small tables sort; the Claims grid is where lines are filtered.
    columns = [{k: v for k, v in c.items() if k != "filter"} for c in columns]
    fits = height is None and len(rows) <= 10
    options = {"localeText": {"noRowsToShow": empty_text}}
    if fits:
        options["domLayout"] = "autoHeight"
    return dag.AgGrid(
        id={"type": "drill-table", "name": name},
        rowData=rows,
        columnDefs=columns,
        defaultColDef={**COLUMN_DEFAULTS, "filter": False},
        columnSize="responsiveSizeToFit",
        dashGridOptions=options,
        style={} if fits else {"height": f"{height or 480}px"},
        className="ag-theme-quartz" + (" clickable" if clickable else ""),
    )


# -- states ---------------------------------------------------------------------------------------
def empty(message: str, hint: str | None = None) -> dbc.Alert:
    return dbc.Alert([html.Div(message, className="fw-semibold"),
                      html.Div(hint, className="small") if hint else None],
                     color="light", className="empty-state")  # fmt: skip


def problem(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="warning", className="problem-state")


def label_of(metric: str) -> str:
    return FIGURE_LABELS.get(metric, metric.replace("_", " "))
