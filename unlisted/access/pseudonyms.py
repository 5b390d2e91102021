"""Stable pseudonyms for member ids, names and birth dates: the same value gets the same
pseudonym in every view and every export (so lines of one patient still group together), and
nobody without the store's key can turn a pseudonym back into the value."""

from __future__ import annotations

import base64
import hashlib
import hmac

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
