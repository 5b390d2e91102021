"""What the pages share: the head and body of a page whose figures one callback draws, the
address of the lines behind a figure, and drawing that never shows a traceback. Pages import
this module, never each other (dashboard/pages/*: one file per page, see
docs/adding-a-page.md)."""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable

import dash
from dash import Dash, Input, Output, State, dcc, html

from ..access.roles import Refused
from .components import empty, problem
from .data import Data, NoData
from .view import View, parse

log = logging.getLogger("unlisted.dashboard")


def lines_href(view: View, **drill) -> str:
    """The address of the claim lines behind a figure: the view's filters plus a drill-down."""
    return "/claims" + (view.query(**drill) if drill else view.undrilled().query())


def month_links(view: View, months: list[str], **drill) -> list[str]:
    """The lines behind each month of a chart ("YYYY-MM-DD" months)."""
    return [lines_href(view, month=dt.date.fromisoformat(m), **drill) for m in months]


def registered(module: str) -> dict:
    """The page's own entry of Dash's page registry (dash.register_page in its module)."""
    return dash.page_registry[module]


def page_layout(name: str, title: str, intro: str, exported: bool = True) -> html.Div:
    """Heading, introduction, the page's Excel export (hidden when its registration names no
    `exports`) and the body its callback draws."""
    return html.Div([
        html.Div([
            html.Div([html.H1(title), html.P(intro, className="intro")]),
            html.A("Export this page (Excel)", id=f"{name}-export", className="page-export",
                   href=f"/export/page/{name}.xlsx", download=f"{name}.xlsx",
                   hidden=not exported),
        ], className="page-head"),
        dcc.Loading(html.Div(id=f"{name}-body", className="page-body"), type="dot",
                    delay_show=250),
    ], id=f"page-{name}")  # fmt: skip


def figure_page(module: str, intro: str, draw: Callable[[Data, View, str], object],
                needs_lines: bool = True, keep: bool = True):
    """layout() and register() of a page whose figures one callback draws; its name and id
    prefix come from its registration."""

    def layout(_pathname: str):
        page = registered(module)
        return page_layout(page["prefix"], page["name"], intro, bool(page.get("exports")))

    def register(app: Dash, data: Data) -> None:
        register_body(app, data, registered(module)["prefix"], draw, needs_lines, keep)

    return layout, register


def register_body(app: Dash, data: Data, name: str, draw: Callable[[Data, View, str], object],
                  needs_lines: bool = True, keep: bool = True) -> None:  # fmt: skip
    """The page's figures, redrawn whenever the query string changes. No data, no line in the
    selection and failures become a message on the page, never a traceback. With `keep`, a
    page once drawn for these filters and this data is sent again as it was."""

    def drawn(search: str):
        if not keep:
            return fresh(search)
        return data.pages.get((data.snapshot.current_version(), name, search),
                              lambda: fresh(search))  # fmt: skip

    def fresh(search: str):
        view = data.effective(parse(search, data.codes))
        if needs_lines and data.lines(view.filters).height == 0:
            return [html.P(selection_text(view), className="period"),
                    empty("No lines in this selection.", "Widen the dates or clear a filter "
                          "(Reset in the filter bar).")]  # fmt: skip
        return draw(data, view, search)

    @app.callback(Output(f"{name}-body", "children"), Output(f"{name}-export", "href"),
                  Input("url", "search"), State("url", "pathname"))  # fmt: skip
    def body(search, pathname):
        return guarded(lambda: drawn(search or "")), f"/export/page/{name}.xlsx{search or ''}"


def selection_text(view: View) -> str:
    f = view.filters
    basis = "service" if f.basis == "service" else "payment"
    return f"CPT {', '.join(f.codes)} · {basis} dates {f.start} to {f.end}"


def guarded(draw: Callable[[], object]):
    try:
        return draw()
    except Refused:
        return empty("Your role does not open this view.",
                     "Ask an administrator (unlisted user role) if you need it.")
    except NoData as exc:
        return empty(str(exc), "Load claims and remittances with: unlisted load FILES...")
    except Exception as exc:
        # Only the error's type and where it happened go to the log: its message may quote
        # data (PHI).
        log.error("a view failed to draw: %s\n%s", type(exc).__name__,
                  "".join(traceback.format_tb(exc.__traceback__)))
        return problem("This view could not be drawn. The error is in the server log; the "
                       "other pages still work.")
