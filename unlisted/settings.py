"""Where things are and how figures are computed: one place for every default the CLI uses.

Defaults ship in defaults.toml; a user's file ($UNLISTED_CONFIG or --config) overrides them key by
key."""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path

DEFAULT_DB = "unlisted.duckdb"


def database_path(explicit: Path | None = None) -> Path:
    """--db, else $UNLISTED_DB, else ./unlisted.duckdb."""
    if explicit is not None:
        return explicit
    return Path(os.environ.get("UNLISTED_DB") or DEFAULT_DB)


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message says which key and why."""


def merged(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value  # fmt: skip
    return out


def load_config(path: Path | None = None) -> dict:
    """The defaults, overridden by the user's file when there is one."""
    config = tomllib.loads((files(__package__) / "defaults.toml").read_text())
    chosen = path or (
        Path(os.environ["UNLISTED_CONFIG"]) if os.environ.get("UNLISTED_CONFIG") else None
    )
    if chosen is not None:
        try:
            config = merged(config, tomllib.loads(chosen.read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot use the configuration file {chosen}: {exc}") from None
    return config


def metric_settings(config: dict, as_of) -> dict:
    """Keyword arguments for queries.metrics.Settings from the [metrics] and [appeals] tables."""
    m = config["metrics"]

    def decimal(value, key) -> Decimal:
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ConfigError(f"metrics.{key} must be a number, not {value!r}") from None

    payers = {
        payer: (decimal(v.get("dollars", m["tolerance_dollars"]), f"payer_tolerance.{payer}"),
                decimal(v.get("percent", m["tolerance_percent"]), f"payer_tolerance.{payer}"))
        for payer, v in m.get("payer_tolerance", {}).items()
    }  # fmt: skip
    appeals = config.get("appeals", {})

    def days(value, key) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"appeals.{key} must be a whole number of days, not {value!r}")
        return value

    windows = {payer: days(v, f"payer_window_days.{payer}")
               for payer, v in appeals.get("payer_window_days", {}).items()}  # fmt: skip
    return {
        "appeal_window_days": days(appeals.get("window_days", 120), "window_days"),
        "payer_appeal_window_days": windows,
        "min_count": int(m["min_count"]),
        "tolerance_dollars": decimal(m["tolerance_dollars"], "tolerance_dollars"),
        "tolerance_percent": decimal(m["tolerance_percent"], "tolerance_percent"),
        "payer_tolerance": payers,
        "as_of": as_of,
    }
