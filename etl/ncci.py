"""Header names of the CMS NCCI tables a user exports to CSV: practitioner PTP edits and
practitioner MUEs (docs/csv-inputs.md). CMS's own column titles and our short names are both
accepted, in any case; this module maps either to the short names (and needs no Polars, so the
loader can recognise the header before reading the file)."""

from __future__ import annotations

import re

PTP_KIND = "ptp-csv"
MUE_KIND = "mue-csv"

# kind -> (pattern of a plain column name, short name); the first pattern that matches wins.
ALIASES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    PTP_KIND: tuple(
        (re.compile(pattern), name)
        for pattern, name in (
            (r"column_?1(_code)?", "column1_code"),
            (r"column_?2(_code)?", "column2_code"),
            (r".*1996.*", "prior_1996"),
            (r"effective(_date|_from)?", "effective_from"),
            (r"effective_to|deletion(_date)?(_.*)?", "effective_to"),
            (r"modifier(_indicator)?(_.*)?", "modifier_indicator"),
            (r"(ptp_(edit_)?)?rationale", "rationale"),
        )
    ),
    MUE_KIND: tuple(
        (re.compile(pattern), name)
        for pattern, name in (
            (r"code|(hcpcs|cpt)(_(cpt|hcpcs))?(_code)?", "code"),
            (r"max_units(_per_day)?|mue|(practitioner(_services)?_)?mue_values?", "max_units"),
            (r"(mue_)?adjudication_indicator", "adjudication_indicator"),
            (r"(mue_)?rationale", "rationale"),
            (r"effective(_date|_from)?", "effective_from"),
            (r"effective_to|deletion(_date)?(_.*)?|end_date", "effective_to"),
        )
    ),
}


def plain(name: str) -> str:
    """A column title as lower-case words joined by '_': 'HCPCS/CPT Code' -> 'hcpcs_cpt_code'."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def short_names(columns: list[str], kind: str) -> dict[str, str]:
    """{column as in the file: short name} for the columns of an NCCI table of `kind`; a short
    name given by two columns goes to the first one."""
    mapping: dict[str, str] = {}
    for column in columns:
        name = plain(column)
        for pattern, short in ALIASES[kind]:
            if pattern.fullmatch(name):
                if short not in mapping.values():
                    mapping[column] = short
                break
    return mapping


def is_ncci_header(columns: list[str]) -> bool:
    """Whether a header names the required columns of a PTP or an MUE table."""
    required = {PTP_KIND: {"column1_code", "column2_code", "effective_from", "modifier_indicator"},
                MUE_KIND: {"code", "max_units"}}  # fmt: skip
    return any(set(short_names(columns, kind).values()) >= need for kind, need in required.items())
