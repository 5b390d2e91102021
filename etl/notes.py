"""Find the six documentation elements (DOMAIN.md section 7) in treatment notes.

The rules are regular expressions in documentation_rules.toml (or the file named by
$UNLISTED_NOTE_RULES): transparent and editable. For each element the first matching phrase is
kept as evidence, so an auditor sees why an element counts as present. A checklist exported by
the practice's system (has_description, ...) overrides the text rules for that note.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path

import polars as pl

from .errors import InputError

ELEMENTS = ("description", "purpose", "duration", "rationale", "credentials", "involvement")
TRUE_VALUES = ("true", "yes", "y", "1", "x")


@cache
def documentation_rules(path: str | None = None) -> dict[str, tuple[str, ...]]:
    """element -> regular expressions, from the given file, $UNLISTED_NOTE_RULES or the default."""
    source = path or os.environ.get("UNLISTED_NOTE_RULES")
    text = (
        Path(source).read_text()
        if source
        else (files(__package__) / "documentation_rules.toml").read_text()
    )
    try:
        raw = tomllib.loads(text)
        rules = {element: tuple(raw[element]["patterns"]) for element in ELEMENTS}
    except (tomllib.TOMLDecodeError, KeyError, TypeError) as exc:
        raise InputError(
            "note_rules",
            f"the documentation rules file is not valid ({exc}); it needs [element] tables "
            f"with a patterns list for each of {', '.join(ELEMENTS)}",
        ) from None
    return rules


def documentation_elements(notes: pl.DataFrame) -> pl.DataFrame:
    """Add has_<element>, <element>_evidence, elements_source and elements_present."""
    rules = documentation_rules()
    checklist = [f"has_{e}" for e in ELEMENTS]
    by_checklist = pl.any_horizontal(pl.col(c).is_not_null() for c in checklist)
    columns = []
    for element in ELEMENTS:
        found = pl.coalesce(
            pl.col("note_text").str.extract(f"(?i)({pattern})", 1) for pattern in rules[element]
        )
        ticked = pl.col(f"has_{element}").str.to_lowercase().is_in(TRUE_VALUES)
        columns += [
            pl.when(by_checklist).then(ticked).otherwise(found.is_not_null())
            .alias(f"has_{element}"),
            pl.when(by_checklist).then(pl.when(ticked).then(pl.lit(f"checklist: has_{element}")))
            .otherwise(found.str.strip_chars().str.slice(0, 200))
            .alias(f"{element}_evidence"),
        ]  # fmt: skip
    result = notes.with_columns(
        *columns, pl.when(by_checklist).then(pl.lit("checklist")).otherwise(pl.lit("rules"))
        .alias("elements_source"),
    )  # fmt: skip
    return result.with_columns(
        elements_present=pl.sum_horizontal(pl.col(c).cast(pl.Int32) for c in checklist)
    )
