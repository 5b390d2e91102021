"""Billing rule checks (docs/rule-checks.md): the rules file, its parameters for the marts, and
the findings worklist.

The rules ship in unlisted/rules.toml; a user's file (chosen by the settings, unlisted/pipeline.py)
replaces values key by key. The marts see the rules as a registered
Arrow table (rule_setting_source, one row per rule) and the target codes ([metrics] codes) as
rule_target_code_source, so nothing the user writes becomes SQL text, and both are part of the
marts' fingerprint: changing them rebuilds the marts on the next load.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from .elements import ELEMENTS
from .marts import ReferenceListError
from .metrics import Filters
from .sql import sql

SEVERITIES = ("high", "medium", "low")

# rule -> (label for people, {parameter: kind}); kinds: codes (list of text), bool, int, number,
# or a facts table (FACT_TABLES): a table keyed by code, payer, taxonomy prefix or year.
RULES: dict[str, tuple[str, dict[str, str]]] = {
    "missing_narrative": ("No narrative description (SV101-7 or line note)", {}),
    "narrative_names_specific_code": (
        "Narrative names a service that has a code of its own",
        {"specific_services": "facts"},
    ),
    "missing_therapy_modifier": ("No therapy modifier", {"therapy_modifiers": "codes"}),
    "discipline_modifier_mismatch": (
        "Discipline modifier not the rendering provider's discipline",
        {"discipline_modifiers": "codes", "discipline_taxonomies": "facts"},
    ),
    "assistant_without_modifier": (
        "Service by an assistant without CQ/CO",
        {"assistant_taxonomies": "facts", "assistant_credentials": "facts"},
    ),
    "same_day_similar_code": (
        "Similar specific code the same day without a distinct-service modifier",
        {"similar_codes": "facts", "distinct_modifiers": "codes"},
    ),
    "ptp_never_allowed": ("Pair that an NCCI PTP edit never allows the same day", {}),
    "units_above_daily_max": ("Units above the daily limit", {"daily_limits": "facts"}),
    "missing_prior_authorization": (
        "No prior authorization for a payer that requires it",
        {"payers_requiring_auth": "facts", "learn_from_remittances": "bool",
         "learn_min_lines": "int", "learn_min_share": "share", "authorization_carcs": "codes"},
    ),
    "missing_documentation": ("Documentation elements missing", {"elements": "codes"}),
    "late_signature": (
        "Note signed late or not signed",
        {"max_sign_days": "int", "flag_unsigned": "bool"},
    ),
    "minutes_units_mismatch": (
        "More timed units billed than the note's minutes support",
        {"minutes_per_unit": "int", "min_minutes_last_unit": "int", "timing": "facts"},
    ),
    "therapy_threshold_no_kx": ("Past the Medicare therapy threshold without KX", {}),
    "kx_below_threshold": ("KX at or under the Medicare therapy threshold", {}),
    "recoded_by_payer": ("Line recoded by the payer (SVC06)", {}),
}
THRESHOLD_RULES = ("therapy_threshold_no_kx", "kx_below_threshold")

# Facts tables: the fields each entry has ({field: kind}); a table whose entries are one text
# (similar_codes: the reason; payers_requiring_auth: the source) maps to "text".
FACT_TABLES: dict[str, dict[str, str] | str] = {
    "discipline_taxonomies": {"modifier": "code", "source": "text"},
    "assistant_taxonomies": {"modifier": "code", "source": "text"},
    "assistant_credentials": {"modifier": "code", "source": "text"},
    "similar_codes": "text",
    "specific_services": {"code": "code", "source": "text"},
    "daily_limits": {"units": "number", "source": "text"},
    "payers_requiring_auth": "text",
    "timing": {"timed": "bool", "source": "text"},
    "amounts": {"amount": "money", "source": "text"},
}
# What one entry of each facts table looks like, for the message about a malformed one.
FACT_EXAMPLES = {
    "discipline_taxonomies": '"2251" = { modifier = "GP", source = "..." }',
    "assistant_taxonomies": '"2252" = { modifier = "CQ", source = "..." }',
    "assistant_credentials": 'PTA = { modifier = "CQ", source = "..." }',
    "similar_codes": '"97140" = "manual therapy: why it is similar"',
    "specific_services": '"DRY NEEDLING" = { code = "20560", source = "..." }',
    "daily_limits": '"97139" = { units = 1, source = "..." }',
    "payers_requiring_auth": 'SUMMIT01 = "where that comes from"',
    "timing": '"97139" = { timed = true, source = "..." }',
    "amounts": '"2026" = { amount = "2480.00", source = "..." }',
}
# Every facts table becomes a list of these structs in rule_setting; fields an entry does not
# have are NULL. text: the source, or the reason for similar_codes.
FACT = pa.struct([
    ("key", pa.string()), ("modifier", pa.string()), ("units", pa.decimal128(15, 3)),
    ("timed", pa.bool_()), ("amount", pa.decimal128(18, 2)), ("text", pa.string()),
    ("code", pa.string()),
])
# The columns of rule_setting_source besides rule, label, enabled, severity and weight.
PARAMETER_TYPES = {
    "therapy_modifiers": pa.list_(pa.string()),
    "discipline_modifiers": pa.list_(pa.string()),
    "discipline_taxonomies": pa.list_(FACT),
    "assistant_taxonomies": pa.list_(FACT),
    "assistant_credentials": pa.list_(FACT),
    "similar_codes": pa.list_(FACT),
    "specific_services": pa.list_(FACT),
    "distinct_modifiers": pa.list_(pa.string()),
    "daily_limits": pa.list_(FACT),
    "payers_requiring_auth": pa.list_(FACT),
    "learn_from_remittances": pa.bool_(),
    "learn_min_lines": pa.int32(),
    "learn_min_share": pa.decimal128(9, 4),
    "authorization_carcs": pa.list_(pa.string()),
    "elements": pa.list_(pa.string()),
    "max_sign_days": pa.int32(),
    "flag_unsigned": pa.bool_(),
    "minutes_per_unit": pa.int32(),
    "min_minutes_last_unit": pa.int32(),
    "timing": pa.list_(FACT),
    # the [therapy_threshold] table, on the rows of THRESHOLD_RULES
    "medicare_filing_codes": pa.list_(pa.string()),
    "thresholds": pa.list_(FACT),
}
# Settings a rules file of an earlier version had, and what replaced them.
REPLACED = {
    ("units_above_daily_max", "max_units_per_day"):
        'the daily_limits table, one entry per code with its source, e.g. "97139" = '
        '{ units = 1, source = "..." }',
    ("minutes_units_mismatch", "timed_codes"):
        'the timing table, one entry per code with its source, e.g. "97139" = '
        '{ timed = true, source = "..." }',
}


class RulesError(ReferenceListError):
    """A rules file that cannot be used; the message names the file and the key."""


def shipped_rules() -> dict:
    return tomllib.loads((files("unlisted") / "rules.toml").read_text(encoding="utf-8"))


def merged(base: dict, override: dict) -> dict:
    """`base` with the values of `override`, table by table and key by key."""
    out = dict(base)
    for key, value in override.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(
            out.get(key), dict) else value  # fmt: skip
    return out


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


def is_number(value) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and value >= 0


def is_text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def fact_problem(fields: dict[str, str] | str, entry) -> str | None:
    """What is wrong with one entry of a facts table, or None."""
    if fields == "text":
        return None if is_text(entry) else "must be a text"
    if not isinstance(entry, dict):
        return "must be a table with " + ", ".join(fields)
    for field, kind in fields.items():
        value = entry.get(field)
        if value is None:
            return f"needs {field}" + (" (where the fact comes from)" if field == "source" else "")
        ok = {"text": is_text(value), "code": is_text(value), "bool": isinstance(value, bool),
              "number": is_number(value),
              "money": is_text(value) and _decimal(value) is not None}[kind]  # fmt: skip
        if not ok:
            wanted = {"text": "a text", "code": "a code", "bool": "true or false",
                      "number": "a number of 0 or more",
                      "money": 'an amount as text, e.g. "2480.00"'}[kind]  # fmt: skip
            return f"{field} must be {wanted}, not {value!r}"
    extra = [k for k in entry if k not in fields]
    return f"has unknown field(s) {', '.join(extra)}" if extra else None


def _decimal(value) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def validated(rules: dict, source: str) -> dict:
    def fail(key: str, problem: str):
        raise RulesError(f"rules file {source}: {key} {problem}")

    def check_facts(where: str, name: str, table) -> None:
        fields = FACT_TABLES[name]
        if not isinstance(table, dict):
            fail(where, f"must be a table with one entry per code, payer or year, e.g. "
                 f"[{where}] then {FACT_EXAMPLES[name]}")  # fmt: skip
        for key, entry in table.items():
            problem = fact_problem(fields, entry)
            if problem:
                fail(f"{where}.{key}", problem)

    weights = rules.get("weights")
    if not isinstance(weights, dict):
        fail("weights", "must be a table with high, medium and low")
    for key in weights:
        if key not in SEVERITIES:
            fail(f"weights.{key}", f"is not a severity (use {', '.join(SEVERITIES)})")
    for severity in SEVERITIES:
        value = weights.get(severity)
        if not is_number(value):
            fail(f"weights.{severity}", f"must be a number of 0 or more, not {value!r}")
    ranking = rules.get("ranking")
    if not isinstance(ranking, dict):
        fail("ranking", "must be a table with min_lines and worklist_claims")
    for key in ("min_lines", "worklist_claims"):
        value = ranking.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            fail(f"ranking.{key}", f"must be a whole number of 1 or more, not {value!r}")
    threshold = rules.get("therapy_threshold")
    if not isinstance(threshold, dict):
        fail("therapy_threshold", "must be a table with medicare_filing_codes and amounts")
    codes = threshold.get("medicare_filing_codes")
    if not (isinstance(codes, list) and all(is_text(c) for c in codes)):
        fail("therapy_threshold.medicare_filing_codes", f"must be a list of texts, not {codes!r}")
    check_facts("therapy_threshold.amounts", "amounts", threshold.get("amounts"))
    for year in threshold["amounts"]:
        if not (year.isdigit() and len(year) == 4):
            fail(f"therapy_threshold.amounts.{year}", "is not a year (write it as \"2026\")")
    for name, table in rules.items():
        if name in ("weights", "ranking", "therapy_threshold"):
            continue
        if name not in RULES:
            fail(name, f"is not a rule (rules: {', '.join(RULES)})")
        if not isinstance(table, dict):
            fail(name, "must be a table")
        parameters = RULES[name][1]
        for key, value in table.items():
            where = f"{name}.{key}"
            if (name, key) in REPLACED:
                fail(where, f"is no longer a setting: use {REPLACED[(name, key)]}")
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
            if kind == "share" and not (is_number(value) and value <= 1):
                fail(where, f"must be a share from 0 to 1, not {value!r}")
            if kind == "codes" and not (isinstance(value, list) and all(map(is_text, value))):
                fail(where, f"must be a list of texts, not {value!r}")
            if kind == "facts":
                check_facts(where, key, value)
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


def fact_rows(table: dict, key_case=str.upper) -> list[dict]:
    """A facts table as FACT structs, by key."""
    rows = []
    for key, entry in sorted(table.items()):
        entry = entry if isinstance(entry, dict) else {"text": entry}
        rows.append({
            "key": key_case(key.strip()),
            "modifier": entry["modifier"].strip().upper() if "modifier" in entry else None,
            "units": Decimal(str(entry["units"])) if "units" in entry else None,
            "timed": entry.get("timed"),
            "amount": Decimal(str(entry["amount"])) if "amount" in entry else None,
            "text": entry.get("text", entry.get("source")),
            "code": entry["code"].strip().upper() if "code" in entry else None,
        })
    return rows


def parameter_value(rules: dict, name: str, parameter: str):
    """The value of one rule_setting column for one rule, NULL where it does not apply."""
    if name in THRESHOLD_RULES and parameter == "medicare_filing_codes":
        return [c.strip().upper() for c in rules["therapy_threshold"]["medicare_filing_codes"]]
    if name in THRESHOLD_RULES and parameter == "thresholds":
        return fact_rows(rules["therapy_threshold"]["amounts"])
    if parameter not in RULES[name][1]:
        return None
    value = rules[name][parameter]
    kind = PARAMETER_TYPES[parameter]
    if RULES[name][1][parameter] == "facts":
        # payer ids and codes compare upper-case; credentials too (PTA, COTA/L)
        return fact_rows(value)
    if isinstance(value, list):
        return [v.strip().upper() if parameter != "elements" else v for v in value]
    if pa.types.is_decimal(kind):
        return Decimal(str(value))
    return value


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
        columns[parameter] = pa.array(
            [parameter_value(rules, name, parameter) for name in names], kind)
    return pa.table(columns)


def ranking_settings(rules: dict) -> pa.Table:
    ranking = rules["ranking"]
    return pa.table({"min_lines": pa.array([ranking["min_lines"]], pa.int32()),
                     "worklist_claims": pa.array([ranking["worklist_claims"]], pa.int32())})


def code_table(codes) -> pa.Table:
    return pa.table({"code": pa.array(sorted(set(codes)), pa.string())})


def rule_sources(rules: dict, target_codes, narrative_codes) -> dict[str, pa.Table]:
    """The Arrow tables the rule marts are built from: the checked rules (load_rules), the
    target codes ([metrics] codes) and the codes that need a narrative ([documentation])."""
    return {
        "rule_setting_source": rule_settings(rules),
        "rule_ranking_source": ranking_settings(rules),
        "rule_target_code_source": code_table(target_codes),
        "narrative_code_source": code_table(narrative_codes),
    }


def findings(con: duckdb.DuckDBPyConnection, filters: Filters | None = None,
             top: int | None = None, default_top: bool = False) -> pl.DataFrame:
    """The worklist: one row per finding on the lines in the filters' scope, claims by dollars at
    risk (claim_rank 1, 2, ...). top: only the first `top` claims; default_top: the first
    [ranking] worklist_claims of the rules file; neither: every claim with a finding. Without
    filters: every line the rules checked (the target codes the marts were built with)."""
    scope = filters.parameters() if filters else dict.fromkeys(Filters(codes=()).parameters())
    parameters = scope | {"top": top, "default_top": default_top}
    with con.cursor() as cursor:
        table = cursor.sql(sql("rules/findings"), params=parameters).to_arrow_table()
    return pl.from_arrow(table)


def fact_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The facts the rules lacked (rule_fact_gap): rule, fact, lines left unchecked, how to
    supply it."""
    with con.cursor() as cursor:
        return pl.from_arrow(cursor.sql(sql("rules/fact_gaps")).to_arrow_table())


def worklist_claims(con: duckdb.DuckDBPyConnection) -> int:
    """How many claims the worklist shows unless told otherwise ([ranking] of the rules file)."""
    with con.cursor() as cursor:
        return cursor.execute(sql("rules/worklist_claims")).fetchone()[0]
