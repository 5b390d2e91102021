"""Access (administrators): who may sign in with which roles, adding and changing them, and
the access log, newest first, with a check that nobody edited it behind the program's back."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import polars as pl
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from ...access.roles import ADMIN, ROLES, RoleError
from ...access.store import AccessError
from .. import components as ui
from ..data import Data
from ..page_parts import guarded, page_layout, register_body
from ..view import View, parse

# Not filtered: users and the access log, whatever the filter bar says.
dash.register_page(__name__, path="/access", name="Access", title="Access · unlisted", order=8,
                   roles=ADMIN, prefix="access", filters=False,
                   exports=("users", "access-log"))
PAGE = dash.page_registry[__name__]
INTRO = ("Who may sign in, and every sign-in, sign-out, failed sign-in, export and change of "
         "users or roles. The same changes can be made on the server with unlisted user.")
SHOWN_EVENTS = 1000
ROLE_CHOICES = [{"label": role, "value": role} for role in ROLES]

USERS = [
    ui.column("name", "User", minWidth=160), ui.column("roles", "Roles", flex=1),
    ui.column("sign_in", "Signs in with"), ui.column("last_sign_in", "Last sign-in (UTC)"),
    ui.column("created_at", "Added (UTC)"), ui.column("changed_at", "Changed (UTC)"),
]  # fmt: skip
EVENTS = [
    ui.column("at", "When (UTC)", minWidth=190), ui.column("event", "Event", maxWidth=170),
    ui.column("user_name", "User", minWidth=140), ui.column("roles", "Roles"),
    ui.column("address", "From", maxWidth=140),
    ui.column("detail_text", "Detail", flex=3, minWidth=300, tooltipField="detail_text"),
    ui.column("row_count", "Rows", "count", maxWidth=110),
]  # fmt: skip


def layout(_pathname: str):
    page = page_layout(PAGE["prefix"], PAGE["name"], INTRO)
    # The outcome of the last change stays above the redrawn body (it may hold a password).
    page.children.insert(1, html.Div(id="access-result"))
    return page


def draw(data: Data, _view: View, search: str):
    spaced = pl.col("roles").str.replace_all(",", ", ")
    users = data.users().with_columns(spaced)
    log = data.access_log(SHOWN_EVENTS).with_columns(spaced)
    broken = data.access_log_broken_at()
    chain = (html.P("The log's hash chain holds: no event was changed or removed.",
                    className="ok") if broken is None else
             html.P(f"The log was changed outside the program at event {broken}: events from "
                    "there on cannot be trusted.", className="missing"))  # fmt: skip
    return [
        ui.card(f"Users ({users.height})", [
            ui.table("access-users", users.to_dicts(), USERS, clickable=False),
            manage(users["name"].to_list()),
        ], "users", search,
            note=" · ".join(f"{role}: {what}" for role, what in ROLES.items())),
        ui.card(f"Access log (latest {min(log.height, SHOWN_EVENTS):,})",
                [chain, ui.table("access-log", log.to_dicts(), EVENTS, clickable=False,
                                 empty_text="Nothing recorded yet.")],
                "access-log", search,
                note="Append-only: the store refuses edits and deletions, and each event "
                     "carries a hash of the one before."),
    ]  # fmt: skip


def manage(names: list[str]) -> html.Div:
    """Adding a user; changing, renewing the password of or removing one."""
    return html.Div([
        html.H2("Add a user", className="h6 mt-3"),
        dbc.Row([
            dbc.Col([html.Label("New user's name", htmlFor="access-new-name",
                                className="visually-hidden"),
                     dbc.Input(id="access-new-name", placeholder="user name or e-mail",
                               autoComplete="off", size="sm")], md=3),
            dbc.Col(dbc.Checklist(id="access-new-roles", options=ROLE_CHOICES, value=[],
                                  inline=True), md="auto"),
            dbc.Col(dbc.Checkbox(id="access-new-oidc", value=False,
                                 label="organisation sign-in only"), md="auto"),
            dbc.Col(dbc.Button("Add user", id="access-add", color="primary", size="sm"),
                    md="auto"),
        ], className="g-2 align-items-center"),
        html.H2("Change a user", className="h6 mt-3"),
        dbc.Row([
            dbc.Col([html.Label("User to change", htmlFor="access-user",
                                className="visually-hidden"),
                     dcc.Dropdown(id="access-user", options=names, placeholder="user",
                                  clearable=False)], md=3),
            dbc.Col(dbc.Checklist(id="access-roles", options=ROLE_CHOICES, value=[],
                                  inline=True), md="auto"),
            dbc.Col(html.Div([
                dbc.Button("Save roles", id="access-save", size="sm", color="secondary"),
                dbc.Button("New password", id="access-reset", size="sm", color="secondary"),
                dcc.ConfirmDialogProvider(
                    dbc.Button("Remove", id="access-remove-button", size="sm", color="danger"),
                    id="access-remove", message="Remove this user? Their sessions end now."),
            ], className="d-flex gap-2 text-nowrap"), md="auto"),
        ], className="g-2 align-items-center"),
    ], className="access-manage")  # fmt: skip


def register(app: Dash, data: Data) -> None:
    register_body(app, data, PAGE["prefix"], draw, needs_lines=False, keep=False)

    @app.callback(Output("access-roles", "value"), Input("access-user", "value"),
                  prevent_initial_call=True)  # fmt: skip
    def roles_of(name):
        users = data.users().filter(pl.col("name") == name)
        return users["roles"][0].split(",") if users.height else []

    @app.callback(
        Output("access-result", "children"), Output("access-body", "children",
                                                    allow_duplicate=True),
        Input("access-add", "n_clicks"), Input("access-save", "n_clicks"),
        Input("access-reset", "n_clicks"), Input("access-remove", "submit_n_clicks"),
        State("access-new-name", "value"), State("access-new-roles", "value"),
        State("access-new-oidc", "value"), State("access-user", "value"),
        State("access-roles", "value"), State("url", "search"),
        prevent_initial_call=True,
    )  # fmt: skip
    def change(_add, _save, _reset, _remove, new_name, new_roles, organisation_only, name,
               roles, search):  # fmt: skip
        action = ctx.triggered_id
        if not ctx.triggered or not ctx.triggered[0]["value"]:
            return no_update, no_update
        try:
            outcome = changed(data, action, (new_name or "").strip(), new_roles or [],
                              bool(organisation_only), name, roles or [])  # fmt: skip
        except (AccessError, RoleError) as exc:
            return dbc.Alert(f"Not done: {exc}.", color="warning", id="access-outcome"), no_update
        body = guarded(lambda: draw(data, data.effective(parse(search, data.codes)),
                                    search or ""))  # fmt: skip
        return dbc.Alert(outcome, color="success", id="access-outcome", dismissable=True), body


def changed(data: Data, action: str, new_name: str, new_roles: list[str], organisation_only: bool,
            name: str | None, roles: list[str]) -> list:  # fmt: skip
    """Makes the change; what to tell the administrator."""
    if action == "access-add":
        password = data.add_user(new_name, new_roles, organisation_only)
        said = [f"Added {new_name} ({', '.join(r for r in ROLES if r in new_roles)})."]
        return said + once(password) if password else said + [
            " They sign in through the organisation."]
    if not name:
        raise AccessError("choose a user first")
    if action == "access-save":
        return [f"{name} now has: {', '.join(data.set_roles(name, roles))}; their open "
                "sessions ended."]
    if action == "access-reset":
        return [f"New password for {name}; their open sessions ended.",
                *once(data.new_password(name))]
    data.remove_user(name)
    return [f"Removed {name}; their open sessions ended."]


def once(password: str) -> list:
    return [" Password: ", html.Code(password, id="access-password"),
            " (give it to them now: it is not shown again)."]
