"""Where things are and how figures are computed: one place for every default the CLI uses.

The settings are declared once, in settings_schema.py (docs/settings.md is printed from it); a
user's file ($UNLISTED_CONFIG or --config) overrides them key by key and is checked against it."""

from __future__ import annotations

import os
import tomllib
import typing
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .settings_schema import Settings

DEFAULT_DB = "unlisted.duckdb"


def database_path(explicit: Path | None = None) -> Path:
    """--db, else $UNLISTED_DB, else ./unlisted.duckdb."""
    if explicit is not None:
        return explicit
    return Path(os.environ.get("UNLISTED_DB") or DEFAULT_DB)


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message says which key and why."""


def load_config(path: Path | None = None) -> dict:
    """The settings: the declared defaults, overridden by the user's file when there is one.
    Raises ConfigError naming the key, for a file that cannot be read and for a key that is
    unknown or of the wrong kind."""
    chosen = path or (
        Path(os.environ["UNLISTED_CONFIG"]) if os.environ.get("UNLISTED_CONFIG") else None
    )
    user: dict = {}
    if chosen is not None:
        try:
            user = tomllib.loads(chosen.read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot use the configuration file {chosen}: {exc}") from None
    try:
        settings = Settings.model_validate(user)
    except ValidationError as exc:
        where = f"the configuration file {chosen}" if chosen else "the settings"
        problems = "; ".join(explain(error) for error in exc.errors())
        raise ConfigError(f"{where}: {problems}") from None
    return settings.model_dump(exclude_none=True)


EXPECTED = {
    "int_type": "a whole number", "float_type": "a number", "string_type": "text",
    "list_type": "a list", "dict_type": "a table", "model_type": "a table",
    "bool_type": "true or false", "too_short": "a list of at least one item",
    "string_too_short": "text of at least one character",
}  # fmt: skip


def explain(error: dict) -> str:
    """One validation error in the settings' own words: the dotted key and what it must be."""
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        table, keys = table_keys(error["loc"][:-1])
        return (f"unknown setting {key}; {table} takes: {', '.join(keys)}"
                " (docs/settings.md lists every setting)")  # fmt: skip
    ctx = error.get("ctx") or {}
    if error["type"] == "literal_error":
        wanted = f"one of {ctx['expected']}"
    elif error["type"] in ("greater_than", "greater_than_equal"):
        bound = ctx.get("gt", ctx.get("ge"))
        wanted = f"a number {'above' if 'gt' in ctx else 'of at least'} {bound:g}"
    elif error["type"] == "value_error":
        wanted = str(ctx.get("error", "valid"))
    else:
        wanted = EXPECTED.get(error["type"], error["msg"].lower())
    given = repr(error["input"])
    return f"{key} must be {wanted}, not {given if len(given) <= 60 else given[:57] + '...'}"


def table_keys(loc: tuple) -> tuple[str, list[str]]:
    """The table at `loc` (e.g. ("metrics",)) as written in TOML, and the keys it takes."""
    model: type[BaseModel] = Settings
    for part in loc:
        field = model.model_fields.get(str(part))
        if field is None:  # the key of a table keyed by payer: its value is the table
            continue
        kinds = typing.get_args(field.annotation) or (field.annotation,)
        if typing.get_origin(field.annotation) is dict:
            kinds = (kinds[1],)
        model = next(k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel))
    name = f"the [{'.'.join(map(str, loc))}] table" if loc else "the settings file"
    return name, sorted(model.model_fields)


def metric_settings(config: dict, as_of) -> dict:
    """Keyword arguments for queries.metrics.Settings from the [metrics] and [appeals] tables
    (of load_config(), which checked them)."""
    m, appeals = config["metrics"], config["appeals"]
    payers = {
        payer: (Decimal(v.get("dollars", m["tolerance_dollars"])),
                Decimal(v.get("percent", m["tolerance_percent"])))
        for payer, v in m["payer_tolerance"].items()
    }  # fmt: skip
    return {
        "appeal_window_days": appeals["window_days"],
        "payer_appeal_window_days": dict(appeals["payer_window_days"]),
        "min_count": m["min_count"],
        "tolerance_dollars": Decimal(m["tolerance_dollars"]),
        "tolerance_percent": Decimal(m["tolerance_percent"]),
        "payer_tolerance": payers,
        "as_of": as_of,
    }
