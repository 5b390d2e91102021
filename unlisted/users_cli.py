"""`unlisted user ...`: who may sign in to the dashboard, with which roles, and `unlisted
access-log`: the record of sign-ins, exports and changes, exported or checked.

Users live in the access store beside the database (unlisted.duckdb ->
unlisted.access.sqlite; [access] store or $UNLISTED_ACCESS_STORE elsewhere)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .access.policy import PolicyError, access_policy
from .access.roles import ROLES, RoleError
from .access.store import ACCESS_LOG_COLUMNS, AccessError, AccessStore
from .options import ConfigOption, DbOption, fail, write_out
from .settings import ConfigError, database_path, load_config

user_app = typer.Typer(help="Dashboard users and their roles: "
                       + "; ".join(f"{r}: {what}" for r, what in ROLES.items()) + ".",
                       no_args_is_help=True)  # fmt: skip
RoleOption = Annotated[
    list[str], typer.Option("--role", help=f"One of {', '.join(ROLES)} (repeat for several).")
]
StdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]


def open_store(db: Path | None, config: Path | None) -> AccessStore:
    try:
        policy = access_policy(load_config(config), database_path(db))
    except (ConfigError, PolicyError) as exc:
        raise fail(str(exc), 2) from None
    return policy.open_store()


def actor() -> str:
    """Who made a change from the command line (the operating-system account)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise fail("No terminal to ask for the password: pass it on standard input with "
             "--password-stdin.", 2)
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name (for OpenID Connect: the claim's value, "
                                        "e.g. the e-mail address).")],
    role: RoleOption,
    oidc: Annotated[bool, typer.Option("--oidc", help="No password: signs in only through "
                                       "the organisation's OpenID Connect provider.")] = False,
    password_stdin: StdinOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a user with one or more roles."""
    store = open_store(db, config)
    password = None if oidc else read_password(password_stdin)
    try:
        roles = store.add_user(name, role, password, actor())
    except (AccessError, RoleError) as exc:
        raise fail(f"Cannot add the user: {exc}.") from None
    Console().print(f"Added {name} ({', '.join(roles)}).")


@user_app.command("remove")
def remove(name: str, db: DbOption = None, config: ConfigOption = None) -> None:
    """Remove a user; their open sessions end at once."""
    try:
        open_store(db, config).remove_user(name, actor())
    except AccessError as exc:
        raise fail(f"Cannot remove the user: {exc}.") from None
    Console().print(f"Removed {name}.")


@user_app.command("passwd")
def passwd(name: str, password_stdin: StdinOption = False, db: DbOption = None,
           config: ConfigOption = None) -> None:  # fmt: skip
    """Set a user's password; their open sessions end."""
    store = open_store(db, config)
    if store.user(name) is None:
        raise fail(f"There is no user {name} (unlisted user list shows them).")
    try:
        store.set_password(name, read_password(password_stdin), actor())
    except AccessError as exc:
        raise fail(f"Cannot set the password: {exc}.") from None
    Console().print(f"Password of {name} changed.")


@user_app.command("role")
def role_(name: str, role: RoleOption, db: DbOption = None, config: ConfigOption = None) -> None:
    """Give a user these roles (instead of the ones they had); their open sessions end."""
    try:
        roles = open_store(db, config).set_roles(name, role, actor())
    except (AccessError, RoleError) as exc:
        raise fail(f"Cannot change the roles: {exc}.") from None
    Console().print(f"{name} now has: {', '.join(roles)}.")


@user_app.command("list")
def list_(db: DbOption = None, config: ConfigOption = None,
          as_json: Annotated[bool, typer.Option("--json")] = False) -> None:  # fmt: skip
    """Every user, their roles and last sign-in."""
    users = open_store(db, config).users()
    if as_json:
        print(json.dumps(users, indent=1))
        return
    table = Table("User", "Roles", "Signs in with", "Last sign-in (UTC)")
    for u in users:
        table.add_row(u["name"], u["roles"], u["sign_in"], u["last_sign_in"] or "never")
    Console().print(table if users else "No users yet: unlisted user add NAME --role admin")


def access_log(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write CSV here "
                                                "(default: standard output).")] = None,
    verify: Annotated[bool, typer.Option("--verify", help="Only check the log's hash chain.")]
    = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Export the access log as CSV (oldest first), or check that nobody edited it.

    Exit status with --verify: 0 when the chain holds, 1 when it is broken."""
    store = open_store(db, config)
    broken = store.broken_link()
    if verify:
        if broken is None:
            Console().print(f"The access log holds: {len(store.log_rows())} events, chain "
                            "intact.")
            return
        raise fail(f"The access log was changed outside the program at event {broken}.")
    import polars as pl  # only this command needs it: the others start faster

    from .queries.spreadsheet import neutralised

    # Oldest first; user names typed at sign-in are the sign-in form's input, so neutralised.
    text = neutralised(pl.DataFrame(store.log_rows(), schema=ACCESS_LOG_COLUMNS).reverse())
    if output:
        text.write_csv(output)
    else:
        write_out(text.write_csv())
    if broken is not None:
        Console(stderr=True).print(f"[red]Warning: the chain breaks at event {broken}.[/red]")
