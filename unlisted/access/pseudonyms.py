"""Stable pseudonyms for member ids, names and birth dates: the same value gets the same
pseudonym in every view and every export (so lines of one patient still group together), and
nobody without the store's key can turn a pseudonym back into the value."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

import polars as pl

# identity column -> the pseudonym's prefix
IDENTITY_COLUMNS = {
    "subscriber_member_id": "MBR", "patient_member_id": "MBR",
    "subscriber_last_name": "NAME", "subscriber_first_name": "NAME",
    "patient_last_name": "NAME", "patient_first_name": "NAME",
    "subscriber_birth_date": "DOB", "patient_birth_date": "DOB",
}  # fmt: skip


def pseudonym(key: bytes, prefix: str, value: object) -> str:
    digest = hmac.new(key, f"{prefix}:{str(value).strip().upper()}".encode(), hashlib.sha256)
    return f"{prefix}-{base64.b32encode(digest.digest()).decode()[:10]}"


def masked(frame: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """The frame with every identity column replaced by pseudonyms (nulls stay null)."""
    replaced = []
    for column, prefix in IDENTITY_COLUMNS.items():
        if column not in frame.columns:
            continue
        # Only the distinct values are hashed; the column is then mapped as a whole.
        values = frame.get_column(column).drop_nulls().unique().to_list()
        mapping = {v: pseudonym(key, prefix, v) for v in values}
        replaced.append(pl.col(column).replace_strict(mapping, default=None,
                                                      return_dtype=pl.String))  # fmt: skip
    return frame.with_columns(replaced) if replaced else frame


# Free-text columns that may quote a patient: notes, NTE remarks, evidence phrases.
FREE_TEXT = ("note_text", "claim_note", "line_note", "evidence")
REGEX_SPECIAL = re.compile(r"([.^$*+?()\[\]{}|\\-])")


def free_text(column: str) -> bool:
    return column in FREE_TEXT or column.endswith("_evidence")


def scrubbed(frame: pl.DataFrame, names: list[str], key: bytes) -> pl.DataFrame:
    """The frame with every whole-word mention of these names in its free-text columns
    replaced by the name's pseudonym (the same as in the name columns)."""
    columns = [c for c, kind in frame.schema.items() if kind == pl.String and free_text(c)]
    if not columns or not names:
        return frame
    # Longest first, so that "ANN MARIE" goes before "ANN".
    ordered = sorted({n.strip() for n in names}, key=len, reverse=True)
    replaced = []
    for column in columns:
        text = pl.col(column)
        for name in ordered:
            words = r"\s+".join(REGEX_SPECIAL.sub(r"\\\1", w) for w in name.split())
            text = text.str.replace_all(rf"(?i)\b{words}\b", pseudonym(key, "NAME", name))
        replaced.append(text)
    return frame.with_columns(replaced)
