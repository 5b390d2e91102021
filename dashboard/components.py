"""The building blocks every page uses, so that every page looks and reads the same: figure
formatting, tiles, chart and table cards, export links, empty and error states."""

from __future__ import annotations

import base64
import datetime as dt
import math
import re

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import numpy as np
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
    """The change against the previous period, green and "better" when it is for the better,
    red and "worse" when not."""
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
    mood = "" if abs(delta) < 0.05 else ("better" if better else "worse")
    # The word says what the colour says, for whoever does not see the colour.
    return html.Span(f"{text} vs previous period" + (f", {mood}" if mood else ""),
                     className="tile-change" + (f" {mood}" if mood else ""))


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


def chart(name: str, fig: go.Figure, height: int = 300) -> html.Figure:
    """A chart whose clicks lead to the rows behind the clicked point (its customdata is the
    address of those rows), with what it shows in a sentence below it and, for the keyboard
    and screen readers, every point's words and link in a list that opens under the sentence."""
    fig.update_layout(
        height=height, margin={"l": 50, "r": 10, "t": 30, "b": 40},
        font={"family": "Inter, system-ui, sans-serif", "size": 12, "color": INK},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
        hovermode="closest", clickmode="event", xaxis_automargin=True, yaxis_automargin=True,
    )  # fmt: skip
    # A bar's number written beside it is not cut off at the edge of the plot.
    fig.update_traces(cliponaxis=False, selector={"type": "bar"})
    figure = fig.to_plotly_json()
    figure["layout"]["template"] = WHITE
    graph = dcc.Graph(id={"type": "drill-chart", "name": name}, figure=figure,
                      config={"displayModeBar": False}, className="chart")  # fmt: skip
    found = chart_points(figure)
    caption = [html.Span(chart_summary(figure, found), className="chart-summary")]
    linked = [p for p in found if p.href]
    if linked:
        caption.append(html.Details([
            html.Summary(f"The {len(linked):,} {plural(linked)} and their lines"),
            html.Ul([html.Li(dcc.Link(p.words, href=p.href)) for p in linked],
                    className="chart-links"),
        ], className="chart-details"))  # fmt: skip
    return html.Figure([graph, html.Figcaption(caption, className="chart-caption")],
                       className="chart-box")  # fmt: skip


# -- charts in words -------------------------------------------------------------------------------
class Point:
    """One bar, point or heatmap cell: its value, its hover text in words, its rows' address."""

    __slots__ = ("trace", "value", "words", "href", "cell", "kind")

    def __init__(self, trace: str, value: float, words: str, href: str | None, cell: bool,
                 kind: str = "point"):  # fmt: skip
        self.trace, self.value, self.words, self.href = trace, value, words, href
        self.cell, self.kind = cell, kind


def chart_points(figure: dict) -> list[Point]:
    """Every drawn point of a figure's traces, described by its own hover template."""
    points = []
    layout = figure.get("layout") or {}
    for trace in figure.get("data") or []:
        if trace.get("visible") in (False, "legendonly"):
            continue
        kind = trace.get("type")
        name = str(trace.get("name") or "")
        if kind == "heatmap":
            z = listed(trace.get("z"))
            for i, row in enumerate(z):
                for j, value in enumerate(listed(row)):
                    at = {"x": at_index(trace.get("x"), j), "y": at_index(trace.get("y"), i),
                          "z": value, "text": at_cell(trace.get("text"), i, j),
                          "hovertext": at_cell(trace.get("hovertext"), i, j),
                          "customdata": at_cell(trace.get("customdata"), i, j)}  # fmt: skip
                    points.append(point(trace, name, "z", at, layout, cell=True))
            continue
        value_key = "x" if trace.get("orientation") == "h" else "y"
        values = listed(trace.get(value_key))
        for i in range(len(values)):
            at = {key: at_index(trace.get(key), i)
                  for key in ("x", "y", "text", "hovertext", "customdata")}
            points.append(point(trace, name, value_key, at, layout, cell=False))
    return [p for p in points if p is not None]


def point(trace: dict, name: str, value_key: str, at: dict, layout: dict,
          cell: bool) -> Point | None:  # fmt: skip
    value = number_or_none(at.get(value_key))
    if value is None:
        return None
    template = trace.get("hovertemplate")
    if isinstance(template, list):
        template = template[0] if template else None
    words = hover_words(template, at, name, layout, value_key) if template else \
        f"{name + ', ' if name else ''}{plain(at.get('y' if value_key == 'x' else 'x'))}: " \
        f"{plain(at.get(value_key))}"  # fmt: skip
    href = at.get("customdata")
    if isinstance(href, list | tuple):
        href = href[0] if href else None
    href = href if isinstance(href, str) and href.startswith("/") else None
    return Point(name, value, words, href, cell,
                 "cell" if cell else "bar" if trace.get("type") == "bar" else "point")


def chart_summary(figure: dict, points: list[Point]) -> str:
    """A sentence from the data a chart draws: how many points, and the highest and lowest."""
    if not points:
        return "The chart shows no data for these filters."
    traces = list(dict.fromkeys(p.trace for p in points))
    named = [t for t in traces if t]
    sentence = f"Chart of {len(points):,} {plural(points)}" + (
        f" in {len(named)} series ({'; '.join(named)})" if len(named) > 1 else "") + "."
    if len(traces) > 1 and not points[0].cell:
        highs = [max((p for p in points if p.trace == t), key=lambda p: p.value)
                 for t in traces[:3]]
        more = f" ({len(traces) - 3} more in the list below)" if len(traces) > 3 else ""
        return sentence + " Highest: " + "; ".join(
            f"{p.trace}: {p.words}" if p.trace.lower() not in p.words.lower() else p.words
            for p in highs) + more + "."
    high = max(points, key=lambda p: p.value)
    low = min(points, key=lambda p: p.value)
    if high is low:
        return f"{sentence} {high.words}."
    return f"{sentence} Highest: {high.words}. Lowest: {low.words}."


def plural(points: list[Point]) -> str:
    kinds = {p.kind for p in points}
    kind = kinds.pop() if len(kinds) == 1 else "point"
    return kind if len(points) == 1 else kind + "s"


TEMPLATE_FIELD = re.compile(r"%\{([^}|:]+)(?:([|:])([^}]*))?\}")


def hover_words(template: str, at: dict, name: str, layout: dict, value_key: str) -> str:
    """A hover template filled in as Plotly fills it for one point (numbers in d3's formats,
    dates in strftime's), as plain text."""
    def field(match: re.Match) -> str:
        key, kind, spec = match.group(1), match.group(2), match.group(3)
        if key in ("fullData.name", "data.name"):
            return name
        value = at.get(key)
        if kind == "|":
            return date_words(value, spec)
        if kind == ":":
            return number_words(value, spec)
        if key in ("x", "y") and key != value_key:
            axis = layout.get(f"{key}axis") or {}
            if axis.get("tickformat", "").startswith("%"):
                return date_words(value, axis["tickformat"])
        return plain(value)

    text = TEMPLATE_FIELD.sub(field, re.sub(r"<extra>.*?</extra>", "", template))
    return plain(text)


def number_words(value, spec: str) -> str:
    number = number_or_none(value)
    if number is None:
        return plain(value)
    spec = spec.replace("~", "")
    sign = "$" if spec.startswith("$") else ""
    spec = spec.lstrip("$")
    if spec.endswith("s"):  # SI prefixes: the figure in full instead
        spec = ",.0f"
    if "." not in spec and number.is_integer():  # counts: 9, not 9.0
        number = int(number)
    try:
        text = format(number, spec)
    except ValueError:
        text = f"{number:,}"
    return f"-{sign}{text[1:]}" if sign and text.startswith("-") else f"{sign}{text}"


def date_words(value, spec: str) -> str:
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return plain(value)
    return day.strftime(spec)


def plain(value) -> str:
    """Text without Plotly's markup (<br> becomes a space)."""
    if value is None:
        return ""
    text = re.sub(r"<br\s*/?>", " ", str(value))
    return " ".join(re.sub(r"<[^>]+>", "", text).split())


def listed(values) -> list:
    """A trace's array as a list: Plotly sends numeric arrays base64-encoded ("bdata")."""
    if values is None:
        return []
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values.get("dtype", "f8"))
        if values.get("shape"):
            array = array.reshape([int(n) for n in str(values["shape"]).split(",")])
        return array.tolist()
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values) if isinstance(values, list | tuple) else [values]


def at_index(values, i: int):
    if values is None or isinstance(values, str | int | float):  # one value for every point
        return values
    values = listed(values)
    return values[i] if i < len(values) else None


def at_cell(values, i: int, j: int):
    row = at_index(values, i)
    return at_index(row, j) if isinstance(row, list | tuple) or hasattr(row, "tolist") else row


def number_or_none(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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
        # Room for "suppressed", the word a rate on too few lines shows.
        spec.update(valueFormatter=SHARE_FORMAT, type="rightAligned",
                    minWidth=max(extra.get("minWidth", 0), 110))
    elif kind == "count":
        spec.update(valueFormatter=COUNT_FORMAT, type="rightAligned",
                    filter="agNumberColumnFilter")  # fmt: skip
    elif kind == "number":
        spec.update(type="rightAligned", filter="agNumberColumnFilter")
    elif kind == "date":
        spec.update(filter="agDateColumnFilter", minWidth=max(extra.get("minWidth", 0), 115))
    elif kind == "text":
        if "minWidth" not in extra:
            spec.update(minWidth=120)
        # Text a narrow column cuts short shows in full on hover (tables wrap it: table()).
        spec.setdefault("tooltipField", field)
    return spec


COLUMN_DEFAULTS = {"sortable": True, "resizable": True, "filter": True, "minWidth": 100,
                   "wrapHeaderText": True, "autoHeaderHeight": True,
                   "headerClass": "wrap-words"}


def table(name: str, rows: list[dict], columns: list[dict], height: int | None = None,
          clickable: bool = True, empty_text: str = "No rows for these filters.",
          ) -> dag.AgGrid:  # fmt: skip
    """A small table held in the browser, sortable; clicking a row follows its `href` to the
    rows behind it. Without a height it fits up to ten rows and scrolls beyond."""
    # Small tables sort; the Claims grid is where lines are filtered. Their text wraps onto
    # more lines rather than being cut short (names, rules, meanings, narratives).
    columns = [{**({"wrapText": True, "autoHeight": True} if "tooltipField" in c else {}),
                **{k: v for k, v in c.items() if k != "filter"},
                "minWidth": header_width(c)} for c in columns]
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


def header_width(column: dict) -> int:
    """A column's least width: its own, and room for the longest word of its header, which
    wraps between words but is never cut inside one."""
    longest = max((len(word) for word in str(column.get("headerName", "")).split()), default=0)
    least = column.get("minWidth", COLUMN_DEFAULTS["minWidth"])
    return min(max(least, round(7.5 * longest) + 34), max(least, column.get("maxWidth") or 10_000))


# -- states ---------------------------------------------------------------------------------------
def empty(message: str, hint: str | None = None) -> dbc.Alert:
    return dbc.Alert([html.Div(message, className="fw-semibold"),
                      html.Div(hint, className="small") if hint else None],
                     color="light", className="empty-state")  # fmt: skip


def problem(message: str) -> dbc.Alert:
    return dbc.Alert(message, color="warning", className="problem-state")


def label_of(metric: str) -> str:
    return FIGURE_LABELS.get(metric, metric.replace("_", " "))
