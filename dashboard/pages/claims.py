"""Claims: every selected claim line in a grid paged, sorted and filtered by the server, and the
drill-down target of every figure ("the lines behind it")."""

from __future__ import annotations

import json

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update

from ...access.roles import REVENUE, Refused
from ...queries import explore
from ...queries.rules import RULES
from .. import components as ui
from ..data import Data, NoData
from ..grid import grid_query, with_claim_links
from ..labels import GROUP_CODES
from ..page_parts import guarded, lines_href, log
from ..view import View, parse

dash.register_page(__name__, path="/claims", name="Claims", title="Claims · unlisted", order=6,
                   roles=REVENUE, prefix="claims", prefixes=("grid-export-",),
                   exports=("lines",))
PAGE = dash.page_registry[__name__]
PAGE_SIZE = 100

KINDS = {
    "charge": "money", "net_paid": "money", "allowed": "money", "expected_allowed": "money",
    "variance": "money", "patient_responsibility": "money", "units": "count",
    "days_to_payment": "count", "elements_present": "count", "claim_id": "number",
    "claim_line_id": "number", "service_date": "date", "first_remit_date": "date",
}  # fmt: skip
HIDDEN = {"claim_line_id", "payer_id", "rendering_npi", "description", "recoded",
          "adjudicated_code", "initial_remark_codes"}  # fmt: skip
# One column per note element and the claim narrative: present, missing or not required.
DOCUMENTATION = {field for field in explore.SHOWN if field.startswith("element_")} | {
    "claim_narrative"}
MISSING_IN_RED = {"missing": "params.value == 'missing'"}
DOCUMENTATION_TIPS = {
    **{field: f"Whether the treatment note shows the {field.removeprefix('element_')} element "
              "(present or missing; a line without a note has none)"
       for field in DOCUMENTATION if field.startswith("element_")},
    "claim_narrative": "Whether the claim describes the service (SV101-7 or line NTE): "
                       "present, missing, or not required (codes with a descriptor of their own)",
}  # fmt: skip


def columns() -> list[dict]:
    specs = []
    for field, header in explore.SHOWN.items():
        extra = {"hide": True} if field in HIDDEN else {}
        if field == "claim_id":
            extra.update(pinned="left", maxWidth=100, cellClass="link-cell")
        if field in ("payer_name", "location", "rendering_name"):
            # Room for the names the data has (the longest show in full on hover).
            extra.update(minWidth=270)
        if field in DOCUMENTATION:
            extra.update(minWidth=115, maxWidth=140, cellClassRules=MISSING_IN_RED,
                         filter="agTextColumnFilter", wrapHeaderText=True,
                         autoHeaderHeight=True, headerTooltip=DOCUMENTATION_TIPS[field])
        spec = ui.column(field, header, KINDS.get(field, "text"), **extra)
        if field == "patient_control_number":
            # The claim number the intro speaks of: a link to the claim (sorted and filtered by
            # the number itself, the column's id).
            spec.update(field="claim_link", colId=field, cellRenderer="markdown")
        specs.append(spec)
    return specs


def layout(_pathname: str):
    return html.Div([
        html.Div(html.Div([
            html.H1(PAGE["name"]),
            html.P("Every line in the selection. Sort and filter by any column, search across "
                   "the main ones, and click a claim number for the whole claim.",
                   className="intro")]), className="page-head"),
        html.Div(id="claims-drill"),
        html.Div([
            dbc.Input(id="claims-search", type="search", debounce=0.4,
                      placeholder="Search claim number, payer, provider, code, CARC",
                      className="claims-search"),
            html.Span(id="claims-count", className="claims-count"),
            html.Span([html.Span("All these lines:", className="export-label"),
                       html.Span(id="claims-exports")]),
            # The grid as filtered, sorted and searched, sent in the request's body: search
            # text and column filters may name a claim, and stay out of addresses and logs.
            html.Form([
                dcc.Input(type="hidden", id="grid-export-state", name="state", value="{}"),
                html.Span("As the grid shows them:", className="export-label"),
                html.Button("CSV", id="grid-export-csv", type="submit",
                            formAction="/export/grid.csv", className="export-button"),
                html.Button("Excel", id="grid-export-xlsx", type="submit",
                            formAction="/export/grid.xlsx", className="export-button"),
            ], id="grid-export-form", method="POST", className="grid-export"),
        ], className="claims-tools"),
        grid(),
        dcc.Store(id="claims-refreshed"),
    ], id="page-claims")  # fmt: skip


def grid() -> dag.AgGrid:
    return dag.AgGrid(
        id="claims-grid",
        rowModelType="infinite",
        columnDefs=columns(),
        defaultColDef={"sortable": True, "resizable": True, "filter": True, "minWidth": 100,
                       "filterParams": {"maxNumConditions": 1, "buttons": ["reset"]}},
        dashGridOptions={"cacheBlockSize": PAGE_SIZE, "maxBlocksInCache": 20,
                         "infiniteInitialRowCount": PAGE_SIZE, "rowBuffer": 0,
                         "localeText": {"noRowsToShow": "No lines for these filters."}},
        style={"height": "calc(100vh - 300px)", "minHeight": "420px"},
        className="clickable",
    )  # fmt: skip


def register(app, data: Data) -> None:
    @app.callback(
        Output("claims-drill", "children"), Output("claims-exports", "children"),
        Input("url", "search"),
    )  # fmt: skip
    def frame(search):
        return banner(data, parse(search, data.codes)), ui.export_links("lines", search or "")

    # New filters or search text: the grid drops the rows it holds and asks again.
    app.clientside_callback(
        """function(search, text) {
            dash_ag_grid.getApiAsync("claims-grid").then(api => api.purgeInfiniteCache());
            return Date.now();
        }""",
        Output("claims-refreshed", "data"),
        Input("url", "search"), Input("claims-search", "value"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("claims-grid", "getRowsResponse"), Output("claims-count", "children"),
        Input("claims-grid", "getRowsRequest"),
        State("url", "search"), State("claims-search", "value"),
        prevent_initial_call=True,
    )  # fmt: skip
    def rows(request, search, text):
        if not request:
            return no_update, no_update
        try:
            view = data.effective(parse(search, data.codes))
            found, total = data.grid_page(
                view, request.get("startRow", 0), request.get("endRow", PAGE_SIZE),
                grid_query(request.get("filterModel"), request.get("sortModel"), text))
        except NoData as exc:
            return {"rowData": [], "rowCount": 0}, str(exc)
        except Refused:  # e.g. a rule's drill-down, for a role that does not see rule findings
            return {"rowData": [], "rowCount": 0}, "Your role does not open these lines."
        except (ValueError, TypeError, AttributeError):
            log.warning("unusable grid request ignored")
            return {"rowData": [], "rowCount": 0}, "That filter cannot be used."
        return {"rowData": with_claim_links(found), "rowCount": total}, f"{total:,} lines"

    @app.callback(
        Output("grid-export-state", "value"), Output("grid-export-csv", "formAction"),
        Output("grid-export-xlsx", "formAction"),
        Input("claims-grid", "getRowsRequest"), Input("claims-search", "value"),
        Input("url", "search"),
    )  # fmt: skip
    def export_state(request, text, search):
        state = {"filterModel": (request or {}).get("filterModel") or {},
                 "sortModel": (request or {}).get("sortModel") or [], "search": text or ""}
        return (json.dumps(state), f"/export/grid.csv{search or ''}",
                f"/export/grid.xlsx{search or ''}")  # fmt: skip

    @app.callback(
        Output("url", "href", allow_duplicate=True),
        Input("claims-grid", "cellClicked"),
        prevent_initial_call=True,
    )
    def open_claim(cell):
        if not cell or cell.get("colId") != "claim_id" or cell.get("value") is None:
            return no_update
        return f"/claims/{int(cell['value'])}"


def banner(data: Data, view: View):
    """What the drill-down shows, in words, with a way back to all lines."""
    drill = view.drill
    if not drill:
        return None
    return guarded(lambda: describe(data, view))


def describe(data: Data, view: View):
    drill = view.drill
    labels = data.labels()
    parts = []
    if drill.outcome:
        parts.append(explore.outcome_labels(data.settings_for(view)).get(drill.outcome,
                                                                         drill.outcome))
    if drill.month:
        parts.append(f"service month {drill.month:%b %Y}")
    if drill.category:
        parts.append(f"denial category: {labels['category'].get(drill.category, drill.category)}")
    if drill.carc:
        parts.append(f"CARC {drill.carc} ({labels['carc'].get(drill.carc, 'no label')})")
    if drill.group:
        parts.append(f"group {drill.group} ({GROUP_CODES.get(drill.group, '')})")
    if drill.rarc:
        parts.append(f"remark {drill.rarc} ({labels['rarc'].get(drill.rarc, 'no label')})")
    if drill.rule:
        name = RULES[drill.rule][0] if drill.rule in RULES else None
        parts.append(f"rule check {name} ({drill.rule}) fired" if name else
                     f"rule check {drill.rule} fired")
    if drill.variance_from is not None or drill.variance_to is not None:
        parts.append(f"allowed minus expected from {ui.money(drill.variance_from)} to under "
                     f"{ui.money(drill.variance_to)}")
    return dbc.Alert([
        html.Span("Lines behind: ", className="fw-semibold"), html.Span(" · ".join(parts)),
        dcc.Link("show all lines", href=lines_href(view), className="ms-3"),
    ], color="info", className="drill-banner", id="drill-description")  # fmt: skip
