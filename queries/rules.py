"""Billing rule checks (README "Rule checks"): the rules file, its parameters for the marts, and
the findings worklist.

The rules ship in unlisted/rules.toml; a user's file ($UNLISTED_RULES, else `path` in the [rules]
table of the settings file) replaces values key by key. The marts see the rules as a registered
Arrow table (rule_setting_source, one row per rule) and the target codes ([metrics] codes) as
rule_target_code_source, so nothing the user writes becomes SQL text, and both are part of the
marts' fingerprint: changing them rebuilds the marts on the next load.
"""

from __future__ import annotations

import os
import tomllib
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from ..settings import ConfigError, load_config, merged
from .marts import ReferenceListError
from .metrics import Filters
from .sql import sql

RULES_ENV = "UNLISTED_RULES"
SEVERITIES = ("high", "medium", "low")
ELEMENTS = ("description", "purpose", "duration", "rationale", "credentials", "involvement")

# rule -> (label for people, {parameter: kind}); kinds: codes (list of text), bool, int, number.
RULES: dict[str, tuple[str, dict[str, str]]] = {
    "missing_narrative": ("No narrative description (SV101-7 or line note)", {}),
    "missing_therapy_modifier": ("No therapy modifier", {"therapy_modifiers": "codes"}),
    "same_day_similar_code": (
        "Similar specific code the same day without a distinct-service modifier",
        {"similar_codes": "codes", "distinct_modifiers": "codes"},
    ),
    "units_above_daily_max": ("Units above the daily maximum", {"max_units_per_day": "number"}),
    "ptp_never_allowed": ("Pair that an NCCI PTP edit never allows the same day", {}),
    "missing_prior_authorization": (
        "No prior authorization for a payer that requires it",
        {"payers_requiring_auth": "codes"},
    ),
    "missing_documentation": ("Documentation elements missing", {"elements": "codes"}),
    "late_signature": (
        "Note signed late or not signed",
        {"max_sign_days": "int", "flag_unsigned": "bool"},
    ),
    "minutes_units_mismatch": (
        "Minutes documented do not support the units billed",
        {"minutes_per_unit": "int", "min_minutes_last_unit": "int", "timed_codes": "codes"},
    ),
    "recoded_by_payer": ("Line recoded by the payer (SVC06)", {}),
}
# The columns of rule_setting_source besides rule, label, enabled, severity and weight.
PARAMETER_TYPES = {
    "therapy_modifiers": pa.list_(pa.string()),
    "similar_codes": pa.list_(pa.string()),
    "distinct_modifiers": pa.list_(pa.string()),
    "payers_requiring_auth": pa.list_(pa.string()),
    "elements": pa.list_(pa.string()),
    "timed_codes": pa.list_(pa.string()),
    "max_units_per_day": pa.decimal128(15, 3),
    "max_sign_days": pa.int32(),
    "flag_unsigned": pa.bool_(),
    "minutes_per_unit": pa.int32(),
    "min_minutes_last_unit": pa.int32(),
}


class RulesError(ReferenceListError):
    """A rules file that cannot be used; the message names the file and the key."""


def shipped_rules() -> dict:
    return tomllib.loads((files("unlisted") / "rules.toml").read_text(encoding="utf-8"))


def rules_path(config: dict | None = None) -> Path | None:
    """$UNLISTED_RULES, else `path` in the settings' [rules] table, else None (shipped rules)."""
    if os.environ.get(RULES_ENV):
        return Path(os.environ[RULES_ENV])
    chosen = (config or {}).get("rules", {}).get("path")
    return Path(chosen) if chosen else None


def load_rules(path: Path | None = None) -> dict:
    """The shipped rules overridden key by key by the user's file, checked; raises RulesError."""
    rules = shipped_rules()
    source = "unlisted/rules.toml"
    if path is not None:
        source = str(path)
        try:
            rules = merged(rules, tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise RulesError(f"cannot use the rules file {path}: {exc}") from None
    return validated(rules, source)


def validated(rules: dict, source: str) -> dict:
    def fail(key: str, problem: str):
        raise RulesError(f"rules file {source}: {key} {problem}")

    weights = rules.get("weights")
    if not isinstance(weights, dict):
        fail("weights", "must be a table with high, medium and low")
    for key in weights:
        if key not in SEVERITIES:
            fail(f"weights.{key}", f"is not a severity (use {', '.join(SEVERITIES)})")
    for severity in SEVERITIES:
        value = weights.get(severity)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            fail(f"weights.{severity}", f"must be a number of 0 or more, not {value!r}")
    for name, table in rules.items():
        if name == "weights":
            continue
        if name not in RULES:
            fail(name, f"is not a rule (rules: {', '.join(RULES)})")
        if not isinstance(table, dict):
            fail(name, "must be a table")
        parameters = RULES[name][1]
        for key, value in table.items():
            where = f"{name}.{key}"
            kind = {"enabled": "bool", "severity": "severity"}.get(key) or parameters.get(key)
            if kind is None:
                known = ", ".join(("enabled", "severity", *parameters))
                fail(where, f"is not a setting of this rule (settings: {known})")
            if kind == "bool" and not isinstance(value, bool):
                fail(where, f"must be true or false, not {value!r}")
            if kind == "severity" and value not in SEVERITIES:
                fail(where, f"must be one of {', '.join(SEVERITIES)}, not {value!r}")
            if kind == "int" and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):  # fmt: skip
                fail(where, f"must be a whole number of 0 or more, not {value!r}")
            if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)
                                     or value < 0):  # fmt: skip
                fail(where, f"must be a number of 0 or more, not {value!r}")
            texts = isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)
            if kind == "codes" and not texts:
                fail(where, f"must be a list of texts, not {value!r}")
        if name == "missing_documentation":
            unknown = [e for e in table.get("elements", ()) if e not in ELEMENTS]
            if unknown:
                fail(f"{name}.elements", f"has unknown element(s) {', '.join(unknown)} "
                     f"(elements: {', '.join(ELEMENTS)})")  # fmt: skip
        for key in ("enabled", "severity", *parameters):
            if key not in table:
                fail(f"{name}.{key}", "is missing")
    timing = rules.get("minutes_units_mismatch", {})
    per_unit, last = timing.get("minutes_per_unit"), timing.get("min_minutes_last_unit")
    if isinstance(per_unit, int) and per_unit < 1:
        fail("minutes_units_mismatch.minutes_per_unit", f"must be 1 or more, not {per_unit}")
    if isinstance(per_unit, int) and isinstance(last, int) and not 1 <= last <= per_unit:
        fail("minutes_units_mismatch.min_minutes_last_unit",
             f"must be from 1 to minutes_per_unit ({per_unit}), not {last}")  # fmt: skip
    missing = [name for name in RULES if name not in rules]
    if missing:
        fail(missing[0], "is missing")
    return rules


def rule_settings(rules: dict) -> pa.Table:
    """One row per rule: rule, label, enabled, severity, weight and every parameter (NULL where
    the rule has no such parameter)."""
    names = list(RULES)
    columns: dict[str, pa.Array] = {
        "rule": pa.array(names, pa.string()),
        "label": pa.array([RULES[n][0] for n in names], pa.string()),
        "enabled": pa.array([rules[n]["enabled"] for n in names], pa.bool_()),
        "severity": pa.array([rules[n]["severity"] for n in names], pa.string()),
        "weight": pa.array(
            [Decimal(str(rules["weights"][rules[n]["severity"]])) for n in names],
            pa.decimal128(9, 2),
        ),
    }
    for parameter, kind in PARAMETER_TYPES.items():
        values = []
        for name in names:
            value = rules[name].get(parameter) if parameter in RULES[name][1] else None
            if isinstance(value, list):
                value = [v.strip().upper() if parameter != "elements" else v for v in value]
            elif value is not None and pa.types.is_decimal(kind):
                value = Decimal(str(value))
            values.append(value)
        columns[parameter] = pa.array(values, kind)
    return pa.table(columns)


def target_codes(config: dict) -> pa.Table:
    codes = config.get("metrics", {}).get("codes")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise RulesError(f"metrics.codes must be a list of codes, not {codes!r}")
    return pa.table({"code": pa.array(sorted(set(codes)), pa.string())})


def narrative_codes(config: dict) -> pa.Table:
    codes = config.get("documentation", {}).get("narrative_codes")
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise RulesError(f"documentation.narrative_codes must be a list of codes, not {codes!r}")
    return pa.table({"code": pa.array(sorted(set(codes)), pa.string())})


def rule_sources() -> dict[str, pa.Table]:
    """The Arrow tables the rule marts are built from, for queries/marts.py."""
    try:
        config = load_config()
    except ConfigError as exc:
        raise RulesError(str(exc)) from None
    return {
        "rule_setting_source": rule_settings(load_rules(rules_path(config))),
        "rule_target_code_source": target_codes(config),
        "narrative_code_source": narrative_codes(config),
    }


def findings(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> pl.DataFrame:
    """The worklist: one row per finding on the lines in the filters' scope, riskiest claims
    first (claim risk score, then severity)."""
    filters = filters or Filters()
    with con.cursor() as cursor:
        table = cursor.sql(sql("rules/findings"), params=filters.parameters()).to_arrow_table()
    return pl.from_arrow(table)
