"""The dashboard as a WSGI application, for gunicorn or any WSGI server:

    gunicorn --workers 2 --threads 8 --bind 127.0.0.1:8050 'unlisted.dashboard.wsgi:application'

configured from the environment: $UNLISTED_DB (the DuckDB file), $UNLISTED_CONFIG (settings,
[access] included), $UNLISTED_SECRET_KEY, $UNLISTED_OIDC_CLIENT_SECRET. `unlisted serve` makes
its app the same way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dash import Dash

from ..access.policy import PolicyError, access_policy
from ..queries.metrics import Settings
from ..settings import ConfigError, database_path, load_config, metric_settings


class NotReady(RuntimeError):
    """The dashboard cannot start yet; the message says what to do first."""


def configured_app(db: Path, config: dict, as_of: dt.date | None = None) -> Dash:
    """The app over `db` with the configuration's metrics and access policy, once there is a
    database and somebody who can sign in."""
    from .app import create_app

    if not db.exists():
        raise NotReady(f"No database at {db}: load files first (unlisted load FILES... or "
                       "unlisted demo).")  # fmt: skip
    try:
        policy = access_policy(config, db)
        settings = Settings(**metric_settings(config, as_of))
        maturity = maturity_days(config)
    except (PolicyError, ConfigError) as exc:
        raise NotReady(str(exc)) from None
    if policy.open_store().user_count() == 0:
        raise NotReady(f"Nobody can sign in yet ({policy.store} has no user): add one first, "
                       "e.g. unlisted user add NAME --role admin --role compliance")
    return create_app(db, settings, codes=tuple(config["metrics"]["codes"]), policy=policy,
                      maturity_days=maturity, config=config)


def maturity_days(config: dict) -> int:
    """[dashboard] maturity_days: a whole number of days, at least 1."""
    value = config.get("dashboard", {}).get("maturity_days", 90)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"dashboard.maturity_days must be a whole number of days (at least "
                          f"1), not {value!r}")
    return value


def application_from_environment():
    try:
        return configured_app(database_path(), load_config()).server
    except (NotReady, ConfigError) as exc:
        raise SystemExit(str(exc)) from None


def __getattr__(name: str):
    # `application` is made when a server asks for it, not when `unlisted serve` imports
    # configured_app from here.
    if name == "application":
        globals()["application"] = made = application_from_environment()
        return made
    raise AttributeError(name)
