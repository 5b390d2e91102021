"""Find the six documentation elements (docs/documentation-elements.md) in treatment notes.

The note is read as clinical text by etl/note_reader.py (sections, check boxes, negation,
signatures), with the vocabulary of documentation_rules.toml or of the file named by
$UNLISTED_NOTE_RULES: transparent and editable. For each element the phrase that showed it is
kept as evidence, so an auditor sees why an element counts as present. A checklist exported by
the practice's system (has_description, ...) overrides the text for that note.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path

import polars as pl

from ..queries.elements import ELEMENTS
from .errors import InputError
from .note_reader import EVIDENCE_CHARS, NoteReader, RulesError

TRUE_VALUES = ("true", "yes", "y", "1", "x")


def documentation_rules(path: str | None = None) -> NoteReader:
    """The compiled rules, from the given file, $UNLISTED_NOTE_RULES or the default."""
    return compiled_rules(path or os.environ.get("UNLISTED_NOTE_RULES") or None)


@cache
def compiled_rules(source: str | None) -> NoteReader:
    where = source or "etl/documentation_rules.toml"
    try:
        text = (
            Path(source).read_text(encoding="utf-8")
            if source
            else (files(__package__) / "documentation_rules.toml").read_text(encoding="utf-8")
        )
        return NoteReader(tomllib.loads(text), ELEMENTS)
    except OSError as exc:
        reason = f"it cannot be read ({exc.strerror or type(exc).__name__})"
    except UnicodeDecodeError:
        reason = "it is not UTF-8 text"
    except tomllib.TOMLDecodeError as exc:
        reason = f"it is not valid TOML ({exc})"
    except RulesError as exc:
        reason = str(exc)
    raise InputError(
        "note_rules",
        f"the documentation rules file {where} cannot be used: {reason}. Fix it (see "
        "docs/note-detection.md) or unset UNLISTED_NOTE_RULES to use the default rules.",
    )


def documentation_elements(notes: pl.DataFrame) -> pl.DataFrame:
    """Add has_<element>, <element>_evidence, elements_source and elements_present."""
    read = documentation_rules().read
    texts = notes.get_column("note_text").to_list()
    # one tuple per element, one evidence (or None) per note
    found = list(zip(*map(read, texts), strict=True)) or [()] * len(ELEMENTS)
    by_text = pl.DataFrame(
        {f"_{e}": list(column) for e, column in zip(ELEMENTS, found, strict=True)},
        schema={f"_{e}": pl.String for e in ELEMENTS},
    )
    checklist = [f"has_{e}" for e in ELEMENTS]
    by_checklist = pl.any_horizontal(pl.col(c).is_not_null() for c in checklist)
    columns = []
    for element in ELEMENTS:
        text = pl.col(f"_{element}")
        ticked = pl.col(f"has_{element}").str.to_lowercase().is_in(TRUE_VALUES)
        columns += [
            pl.when(by_checklist).then(ticked).otherwise(text.is_not_null())
            .alias(f"has_{element}"),
            pl.when(by_checklist).then(pl.when(ticked).then(pl.lit(f"checklist: has_{element}")))
            .otherwise(text.str.slice(0, EVIDENCE_CHARS))
            .alias(f"{element}_evidence"),
        ]  # fmt: skip
    result = pl.concat([notes, by_text], how="horizontal").with_columns(
        *columns, pl.when(by_checklist).then(pl.lit("checklist")).otherwise(pl.lit("rules"))
        .alias("elements_source"),
    )  # fmt: skip
    return result.drop(by_text.columns).with_columns(
        elements_present=pl.sum_horizontal(pl.col(c).cast(pl.Int32) for c in checklist)
    )
