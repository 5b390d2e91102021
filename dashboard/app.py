"""The Dash app: one shell (navigation, filter bar, drill-down banner) around the pages that
register themselves with Dash's page registry (dashboard/pages/*, dashboard/registry.py).

The URL is the state: the path names the page, the query string the filters and drill-down
(view.py). Changing a filter rewrites the query string; every page redraws from it.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from flask import has_request_context, request

from ..access.policy import Policy
from ..access.roles import Refused, Viewer
from ..access.store import store_path
from ..queries.metrics import Filters, Settings
from ..settings_schema import Metrics
from . import exports, registry
from .components import empty
from .data import OPTION_LISTS, Data, NoData
from .labels import BASIS
from .signin import Gate, brand_line, current_viewer
from .view import View, day, parse

log = logging.getLogger("unlisted.dashboard")
ASSETS = Path(__file__).parent / "assets"


class Dashboard(Dash):
    """Dash, whose first answer for a page carries that page's browser tab title (its
    registration's title); the shell sets it again as pages open (render_page)."""

    def interpolate_index(self, **kwargs) -> str:
        if has_request_context():
            kwargs["title"] = registry.tab_title(registry.page_for(request.path))
        return super().interpolate_index(**kwargs)


def create_app(db: Path, settings: Settings | None = None, codes: tuple[str, ...] | None = None,
               check_every: float = 2.0, policy: Policy | None = None,
               maturity_days: int = 90, config: dict | None = None) -> Dash:  # fmt: skip
    """The dashboard over the DuckDB file `db`, read through a private snapshot so that
    `unlisted load` can write the file meanwhile. Everything it serves asks for a sign-in
    against the access store of `policy` (by default the one beside the database). A period
    whose dates are under `maturity_days` old is still open (see pages/overview.py). `codes`
    are the configured target codes ([metrics] codes; the declared default without)."""
    codes = tuple(codes or Metrics().codes)
    policy = policy or Policy(store=store_path(Path(db)))
    store = policy.open_store()
    data = Data(db, settings or Settings(as_of=None), codes=codes, check_every=check_every,
                viewer=current_viewer, pseudonym_key=store.secret("pseudonym"), access=store,
                maturity_days=maturity_days, config=config)  # fmt: skip
    app = Dashboard(
        __name__,
        title=registry.BRAND,
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
        # The pages register themselves (Dash's page registry) but the shell routes them: a
        # filter change redraws a page's figures, not the page.
        use_pages=False,
        pages_folder="",
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    app.server.config["unlisted_data"] = data
    # The Before you send page refuses files over its limit with a message, so uploads up to a
    # few times the limit reach it (base64 makes them a third larger); a request larger than
    # that is refused before it is read.
    app.server.config["MAX_CONTENT_LENGTH"] = 4 * data.check_limits() + 2**20
    app.server.config["unlisted_access"] = store
    data.warm_up()
    app.layout = lambda: shell(data)
    registry.load()  # the pages register themselves, now that there is an app
    register_shell(app, data)
    for page in registry.pages():
        sys.modules[page["module"]].register(app, data)
    exports.register(app.server, data, store)
    # Last: the gate classifies every callback registered above by the page it serves.
    Gate(app, store, policy, codes).install()
    return app


# -- layout ----------------------------------------------------------------------------------------
def shell(data: Data) -> html.Div:
    viewer = current_viewer()
    try:
        options = data.options()
    except (NoData, Refused):  # Dash draws the layout once, at the first request, signed or not
        options = {name: [] for name in OPTION_LISTS}

    def choices(name: str) -> list[dict]:
        return [{"label": o["label"], "value": o["value"]} for o in options[name]]

    nav = dbc.Nav([
        # Pages the viewer's roles do not open stay in the layout (callbacks write to them)
        # but out of sight; opening one anyway shows why it is empty.
        dbc.NavItem(dbc.NavLink(page["name"], href=page["path"], id=f"nav-{page['prefix']}",
                                className="nav-page"),
                    className=None if registry.opens(viewer, page) else "d-none")
        for page in registry.nav_pages()
    ], pills=True, className="main-nav")  # fmt: skip
    filters = html.Div([
        html.Div([
            html.Label("Dates", htmlFor="filter-dates", className="filter-label"),
            dcc.DatePickerRange(id="filter-dates", display_format="YYYY-MM-DD",
                                clearable=True, start_date_placeholder_text="from",
                                end_date_placeholder_text="to"),
        ], className="filter filter-dates"),
        html.Fieldset([
            html.Legend("Dates are", className="filter-label"),
            dbc.RadioItems(id="filter-basis", value="service", inline=True,
                           options=[{"label": v.split()[0], "value": k}
                                    for k, v in BASIS.items()],
                           className="basis"),
        ], className="filter filter-basis"),
        dropdown("payer", "Payers", choices("payers")),
        dropdown("provider", "Providers", choices("providers")),
        dropdown("location", "Locations", choices("locations")),
        dropdown("code", "Codes", choices("codes"), placeholder=", ".join(data.codes)),
        dropdown("modifier", "Modifiers", choices("modifiers")),
        html.Div(dbc.Button("Reset", id="filter-reset", color="link", size="sm"),
                 className="filter filter-reset"),
    ], className="filter-bar", id="filter-bar")  # fmt: skip
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.A("Skip to the page", href="#page", id="skip-link", className="skip-link"),
        # The open page's browser tab title, which a browser-side callback puts in the tab.
        dcc.Store(id="page-title"), html.Span(id="page-title-shown", hidden=True),
        html.Header([
            html.Div([html.Span(registry.BRAND, className="brand"),
                      html.Span(brand_line(data.codes), className="brand-sub")],
                     className="brand-box"),
            nav,
            html.Div(id="freshness", className="freshness"),
            who(viewer),
        ], className="top"),
        filters,
        html.Div(id="drill-banner"),
        html.Main(id="page", className="page", tabIndex="-1"),
    ], className="app")  # fmt: skip


def who(viewer: Viewer | None) -> html.Div:
    """The signed-in person, their roles, and the way out."""
    if viewer is None:
        return html.Div(id="who")
    return html.Div([
        html.Span(viewer.name, className="who-name", id="who-name",
                  title="Roles: " + ", ".join(viewer.roles)),
        html.Form(html.Button("Sign out", type="submit", id="sign-out",
                              className="btn btn-link btn-sm"),
                  method="POST", action="/logout", className="sign-out"),
    ], id="who", className="who")  # fmt: skip


def dropdown(name: str, label: str, options: list[dict], placeholder: str = "all") -> html.Div:
    return html.Div([
        html.Label(label, htmlFor=f"filter-{name}", className="filter-label"),
        dcc.Dropdown(id=f"filter-{name}", options=options, multi=True, placeholder=placeholder,
                     className="filter-dropdown"),
    ], className="filter")  # fmt: skip


FILTER_CONTROLS = ("payer", "provider", "location", "code", "modifier")


# -- behaviour -------------------------------------------------------------------------------------
def register_shell(app: Dash, data: Data) -> None:
    @app.callback(
        Output("filter-dates", "start_date"), Output("filter-dates", "end_date"),
        Output("filter-basis", "value"),
        *(Output(f"filter-{n}", "value") for n in FILTER_CONTROLS),
        Output("url", "search"),
        Input("url", "search"),
        Input("filter-dates", "start_date"), Input("filter-dates", "end_date"),
        Input("filter-basis", "value"),
        *(Input(f"filter-{n}", "value") for n in FILTER_CONTROLS),
        Input("filter-reset", "n_clicks"),
    )  # fmt: skip
    def sync_filters(search, start, end, basis, payers, providers, locations, codes, modifiers,
                     _reset):  # fmt: skip
        """URL -> filter bar when the address changes; filter bar -> URL when a control does."""
        view = parse(search, data.codes)
        keep = len(FILTER_CONTROLS) + 3
        if ctx.triggered_id == "filter-reset":
            return *[no_update] * keep, View(drill=view.drill, default_codes=data.codes).query()
        if ctx.triggered_id in (None, "url"):
            try:
                f = data.effective(view).filters
            except NoData:
                f = view.filters
            shown_codes = list(f.codes) if f.codes != data.codes else []
            return (iso(f.start), iso(f.end), f.basis, list(f.payers), list(f.providers),
                    list(f.locations), shown_codes, list(f.modifiers), no_update)  # fmt: skip
        chosen = replace(view, filters=Filters(codes=data.codes)).with_filters(
            start=date(start), end=date(end), basis=basis or "service",
            payers=tuple(payers or ()), providers=tuple(providers or ()),
            locations=tuple(locations or ()), codes=tuple(codes or ()) or data.codes,
            modifiers=tuple(modifiers or ()),
        )  # fmt: skip
        try:
            default = data.effective(replace(view, filters=Filters(codes=data.codes))).filters
            if (chosen.filters.start, chosen.filters.end) == (default.start, default.end):
                chosen = chosen.with_filters(start=None, end=None)
        except NoData:
            pass
        query = chosen.query()
        return *[no_update] * keep, (query if query != (search or "") else no_update)

    listed = registry.nav_pages()

    @app.callback(
        Output("page", "children"),
        *(Output(f"nav-{p['prefix']}", "active") for p in listed),
        Output("filter-bar", "style"), Output("page-title", "data"),
        Input("url", "pathname"),
    )  # fmt: skip
    def render_page(pathname):
        page = registry.page_for(pathname)
        active = [page is p for p in listed]
        frame = [None if registry.filtered(page) else {"display": "none"},
                 registry.tab_title(page)]  # fmt: skip
        viewer = current_viewer()
        if not registry.opens(viewer, page):
            return empty("Your role does not open this page.",
                         f"Signed in with the roles: {', '.join(viewer.roles) if viewer else '-'}."
                         " Ask an administrator (unlisted user role) if you need it."), *active, \
                *frame
        return sys.modules[page["module"]].layout(pathname), *active, *frame

    app.clientside_callback(
        "function(title) { if (title) { document.title = title; } "
        "return window.dash_clientside.no_update; }",
        Output("page-title-shown", "children"), Input("page-title", "data"),
    )

    @app.callback(
        *(Output(f"nav-{p['prefix']}", "href") for p in listed),
        Output("freshness", "children"),
        Input("url", "search"),
    )
    def navigation(search):
        """Links keep the filters (not the drill-down) from page to page."""
        view = parse(search, data.codes)
        query = view.undrilled().query()
        return *(p["path"] + query for p in listed), freshness(data)

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input({"type": "drill-chart", "name": ALL}, "clickData"),
        prevent_initial_call=True,
    )
    def follow_chart(_clicks):
        """A click on a bar, a point or a heatmap cell opens the rows behind it."""
        clicked = ctx.triggered[0]["value"] if ctx.triggered else None
        points = (clicked or {}).get("points") or []
        target = points[0].get("customdata") if points else None
        if isinstance(target, list):
            target = target[0] if target else None
        return target if isinstance(target, str) and target.startswith("/") else no_update

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input({"type": "drill-table", "name": ALL}, "cellClicked"),
        State({"type": "drill-table", "name": ALL}, "rowData"),
        prevent_initial_call=True,
    )
    def follow_table(_cells, tables):
        """A click on a table row opens the rows behind it: the clicked cell's own href
        (`_href_<column>`) when the row has one, else the row's."""
        cell = ctx.triggered[0]["value"] if ctx.triggered else None
        if not cell or cell.get("rowIndex") is None:
            return no_update
        index = [i for i, spec in enumerate(ctx.inputs_list[0])
                 if spec["id"] == ctx.triggered_id]  # fmt: skip
        rows = tables[index[0]] if index else None
        row_id = cell.get("rowId")
        row = None
        if rows:
            row = next((r for r in rows if str(r.get("_id")) == str(row_id)), None)
            if row is None and cell["rowIndex"] < len(rows):
                row = rows[cell["rowIndex"]]
        row = row or {}
        href = row.get(f"_href_{cell.get('colId')}") or row.get("_href")
        return href if isinstance(href, str) and href.startswith("/") else no_update


def freshness(data: Data) -> str:
    snapshot = data.snapshot
    if snapshot.problem:
        return snapshot.problem
    stamp = snapshot.loaded_at or snapshot.refreshed_at
    if stamp is None:
        return "No data loaded yet"
    return f"Last load {stamp:%Y-%m-%d %H:%M}"


def iso(value) -> str | None:
    return value.isoformat() if value else None


def date(value: str | None):
    return day(value[:10]) if value else None
