"""Access (administrators): who may sign in with which roles, and the access log, newest
first, with a check that nobody edited it behind the program's back."""

from __future__ import annotations

import polars as pl
from dash import html

from ...access.roles import ROLES
from .. import components as ui
from ..data import Data
from ..view import View
from . import figure_page

NAME, TITLE, PATH = "access", "Access", "/access"
INTRO = ("Who may sign in, and every sign-in, sign-out, failed sign-in, export and change of "
         "users or roles. Users are managed with unlisted user add | remove | role | passwd.")
SHOWN_EVENTS = 1000

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
        ui.card(f"Users ({users.height})", ui.table("access-users", users.to_dicts(), USERS,
                                                    clickable=False), "users", search,
                note=" · ".join(f"{role}: {what}" for role, what in ROLES.items())),
        ui.card(f"Access log (latest {min(log.height, SHOWN_EVENTS):,})",
                [chain, ui.table("access-log", log.to_dicts(), EVENTS, clickable=False,
                                 empty_text="Nothing recorded yet.")],
                "access-log", search,
                note="Append-only: the store refuses edits and deletions, and each event "
                     "carries a hash of the one before."),
    ]  # fmt: skip


layout, register = figure_page(NAME, TITLE, INTRO, draw, needs_lines=False, keep=False)
