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


# Words of free text, kept whole: a date (01/02/1970, 1970-01-02), an identifier with inner
# hyphens or apostrophes (ABC-123, O'NEIL), or the run of other characters between them.
TOKEN = r"\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}|[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*|[^A-Za-z0-9]+"
# A North American phone number, with or without area-code brackets and separators.
PHONE = r"(?:\+?1[ .-]?)?(?:\(\d{3}\)|\b\d{3})[ .-]?\d{3}[ .-]\d{4}\b"
PHONE_SHOWN = "[phone]"
# How a birth date is written in notes and narratives (strftime; %-d is the day without zero).
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%-m/%-d/%Y", "%m-%d-%Y", "%m/%d/%y", "%-m/%-d/%y",
                "%Y%m%d", "%m.%d.%Y")  # fmt: skip


def identity_words(claims: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """(claim_id, word, shown): every word free text about a claim must not show to roles that
    see pseudonyms (each word of the patient's and subscriber's names, their member ids, their
    birth dates as commonly written), upper-cased, with the pseudonym that replaces it. `claims`
    has claim_id and the claim's identity columns (IDENTITY_COLUMNS)."""
    parts = []
    for column, prefix in IDENTITY_COLUMNS.items():
        if column not in claims.columns:
            continue
        values = claims.select("claim_id", pl.col(column).alias("value")).drop_nulls()
        if prefix == "DOB":
            values = values.with_columns(pl.col("value").cast(pl.Date))
            written = [pl.col("value").dt.strftime(f) for f in DATE_FORMATS]
            words = values.select("claim_id", "value", pl.concat_list(written).alias("word"))
        else:
            # A name is replaced word by word (ANN MARIE: ANN and MARIE); an id as a whole.
            text = pl.col("value").cast(pl.String).str.strip_chars()
            split = text.str.split(" ") if prefix == "NAME" else pl.concat_list(text)
            words = values.select("claim_id", "value", split.alias("word"))
        words = words.explode("word").filter(pl.col("word").str.len_chars() >= 2)
        words = words.with_columns(pl.col("word").str.to_uppercase(),
                                   pl.col("value").cast(pl.String))  # fmt: skip
        shown = {v: pseudonym(key, prefix, v) for v in words["value"].unique().to_list()}
        parts.append(words.select(
            pl.col("claim_id").cast(pl.Int64), "word",
            pl.col("value").replace_strict(shown, return_dtype=pl.String).alias("shown")))
    if not parts:
        return pl.DataFrame(schema={"claim_id": pl.Int64, "word": pl.String, "shown": pl.String})
    return pl.concat(parts).unique(["claim_id", "word"], keep="first")


def identities_scrubbed(frame: pl.LazyFrame, words: pl.LazyFrame,
                        any_claim: bool = False) -> pl.LazyFrame:  # fmt: skip
    """The frame with its claim's identities replaced in every free-text column (FREE_TEXT, the
    SV101-7 description, *_evidence) by their pseudonyms, and phone numbers by "[phone]". Word by
    word, column-wise: each distinct text of a claim is cut into words, the words that are one
    of that claim's identities are swapped, and the text is put back together. With
    `any_claim` (a frame about a few claims, such as one claim's page, whose rows need not name
    their claim) every word of `words` is swapped in every row."""
    if any_claim:
        frame = frame.with_columns(pl.lit(-1, pl.Int64).alias("_any"))
        scrubbed_rows = identities_scrubbed(
            frame.rename({"claim_id": "_own"}, strict=False).rename({"_any": "claim_id"}),
            words.with_columns(pl.lit(-1, pl.Int64).alias("claim_id")).unique(["word"]))
        return scrubbed_rows.drop("claim_id").rename({"_own": "claim_id"}, strict=False)
    schema = frame.collect_schema()
    columns = [c for c, kind in schema.items()
               if kind == pl.String and (free_text(c) or c == "description")]  # fmt: skip
    if not columns or "claim_id" not in schema:
        return frame
    for column in columns:
        # The frame is read twice below: materialise it once per column, or the plan of the
        # next column would hold two copies of this one (2^columns in all).
        frame = frame.collect().lazy()
        texts = frame.select(pl.col("claim_id").cast(pl.Int64), column).drop_nulls().unique()
        texts = texts.with_row_index("_text")
        tokens = (texts.select("_text", "claim_id", pl.col(column).str.extract_all(TOKEN)
                               .alias("token"))  # fmt: skip
                  .explode("token").with_row_index("_order")
                  .with_columns(pl.col("token").str.to_uppercase().alias("word")))
        swapped = (
            tokens.join(words, on=["claim_id", "word"], how="left")
            .sort("_order")
            .group_by("_text", maintain_order=True)
            .agg(pl.coalesce("shown", "token").str.join("").alias("_scrubbed"))
        )
        clean = texts.join(swapped, on="_text").select(
            "claim_id", column,
            pl.col("_scrubbed").str.replace_all(PHONE, PHONE_SHOWN).alias("_scrubbed"))
        frame = (frame.with_columns(pl.col("claim_id").cast(pl.Int64).alias("_claim"))
                 .join(clean.rename({"claim_id": "_claim"}), on=["_claim", column], how="left",
                       maintain_order="left")
                 .with_columns(pl.coalesce("_scrubbed", column).alias(column))
                 .drop("_claim", "_scrubbed"))  # fmt: skip
    return frame
