"""Read an X12 file through the C parser (_x12parse.c) in chunks, into a FileContext.

Python's part is the file: encoding (BOM, UTF-16), the ISA header that fixes the delimiters, and
fixed-size chunks so memory stays bounded. The parser hands back batches of rows as Arrow buffers
(money as exact decimals, dates as dates), which go straight to DuckDB: whole transactions, or a
large transaction in parts, whose written parts are discarded should it be quarantined later.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from ..context import LISTED_PER_CODE, FileContext
from ..errors import InputError
from ..tables import Finding
from ._x12parse import Parser
from .reader import ISA_LENGTH, WHITESPACE, detect_encoding, parse_isa

CHUNK_BYTES = 8 << 20
MAX_SEGMENT_BYTES = 1 << 20
# Values (rows x columns) in a batch: memory is bounded by this, whatever the file or
# transaction size (a payer's single 835 payment can hold a file's worth of claims).
FLUSH_VALUES = 3_000_000


def utf8_chunks(path: Path, encoding: str, on_bytes, digest=None) -> Iterator[bytes]:
    """The file as UTF-8 bytes, chunk by chunk (UTF-8 passes through untouched); `digest`
    (a hashlib object), if given, is fed the file's bytes as read."""
    transcode = encoding.startswith("utf-16")
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace") if transcode else None
    first = True
    with path.open("rb") as f:
        while raw := f.read(CHUNK_BYTES):
            if on_bytes is not None:
                on_bytes(len(raw))
            if digest is not None:
                digest.update(raw)
            if decoder is not None:
                raw = decoder.decode(raw).encode("utf-8")
            elif first and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            first = False
            yield raw
    if decoder is not None:
        tail = decoder.decode(b"", final=True).encode("utf-8")
        if tail:
            yield tail


def unwrapped_isa(text: str) -> str:
    """The 106 characters of the ISA, skipping line breaks inside it (files wrapped at 80
    columns); the character after ISA16 is the terminator even when it is a line break."""
    kept: list[str] = []
    for char in text:
        if len(kept) == ISA_LENGTH - 1:
            kept.append(char)
            break
        if char not in "\r\n":
            kept.append(char)
    return "".join(kept)


FIXED_WIDTH = {
    "int64": pa.int64(),
    "bool": pa.bool_(),
    "dec2": pa.decimal128(18, 2),  # money, DECIMAL(18,2)
    "dec3": pa.decimal128(15, 3),  # quantities, DECIMAL(15,3)
    "date": pa.date32(),
}


def arrow_table(rows: int, columns: list[tuple]) -> pa.Table:
    """The parser's column buffers as an Arrow table, without copying them."""
    arrays, names = [], []
    for name, kind, valid, values, data in columns:
        validity = pa.py_buffer(valid)
        if kind == "str":
            array = pa.LargeStringArray.from_buffers(
                rows, pa.py_buffer(values), pa.py_buffer(data), validity
            )
        else:
            array = pa.Array.from_buffers(FIXED_WIDTH[kind], rows, [validity, pa.py_buffer(values)])
        arrays.append(array)
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


class X12File:
    """One X12 file: its envelope identity, then `load_into(ctx, write, discard)`."""

    def __init__(self, path: Path, on_bytes: Callable[[int], None] | None = None, digest=None):
        self.path = path
        self.on_bytes = on_bytes
        self.digest = digest  # a hashlib object fed the file's bytes while they are parsed
        with path.open("rb") as f:
            head = f.read(4096)
        self.encoding = detect_encoding(head)
        text = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(head)
        text = text.lstrip(WHITESPACE)
        if not text.startswith("ISA"):
            raise InputError(
                "no_isa",
                "the file does not start with an ISA interchange header; an X12 file must "
                "begin with ISA (check that the whole file was exported)",
            )
        self.delimiters, fields = parse_isa(unwrapped_isa(text))
        for name, char in vars(self.delimiters).items():
            if char is not None and len(char.encode("utf-8")) != 1:
                raise InputError(
                    "isa_malformed",
                    f"the {name} delimiter {char!r} is not a single ASCII character",
                )
        self.sender = fields[5].strip()
        self.receiver = fields[7].strip()
        self.control_number = fields[12].strip()
        self.segments = 0
        self.replaced_bytes = 0

    def load_into(
        self,
        ctx: FileContext,
        write: Callable[[str, pa.Table], None],
        discard: Callable[[int, int], None],
    ) -> None:
        """Hand the rows to `write` batch by batch; `discard(first, last)` asks to delete the
        rows written of a transaction (segments first..last) quarantined after a batch ended
        inside it, before any later batch is written."""
        d = self.delimiters
        parser = Parser(
            d.element, d.component, d.segment, ctx.batch_id, dict(ctx.next_ids),
            flush_values=FLUSH_VALUES, listed_per_code=LISTED_PER_CODE,
        )  # fmt: skip

        def drain(data: bytes, final: bool) -> int:
            position = 0
            while True:
                try:
                    position, flush = parser.feed(data, position, final)
                except ValueError as exc:
                    code, _, message = str(exc).partition(":")
                    if code != "mixed_delimiters":
                        raise
                    raise InputError(code, message) from None
                if not flush:
                    return position
                take()

        def take() -> None:
            taken = parser.take()
            for first, last in parser.discarded():
                discard(first, last)
            for table, (rows, columns) in taken.items():
                write(table, arrow_table(rows, columns))

        carry = b""
        for chunk in utf8_chunks(self.path, self.encoding, self.on_bytes, self.digest):
            data = carry + chunk if carry else chunk
            carry = data[drain(data, False) :]
            if len(carry) > MAX_SEGMENT_BYTES:
                raise InputError(
                    "no_terminator",
                    f"no segment terminator {d.segment!r} in {MAX_SEGMENT_BYTES:,} bytes: the "
                    "file is damaged or is not X12",
                )
        drain(carry, True)
        parser.finish()
        take()
        tally = parser.tally()
        self.segments = tally["segments"]
        self.replaced_bytes = tally["replaced_bytes"]
        if tally["truncated_values"]:
            ctx.warn(
                "file",
                "value_too_long",
                f"{tally['truncated_values']} values were longer than 264 characters (more than "
                "X12 allows for any field the loader keeps) and were cut",
            )
        for table in ("claim", "claim_line", "remit", "remit_claim", "remit_line"):
            ctx.next_ids[table] = tally[f"next_{table}"]
        listed = [Finding(*w) for w in parser.warnings]
        ctx.warnings.extend(listed)
        shown = Counter(w.code for w in listed)
        counted = Counter(tally["warning_counts"]) | shown  # | keeps the larger of the two
        ctx.warning_counts.update(counted)
        for code, count in sorted(counted.items()):
            if count > shown[code]:
                ctx.warnings.append(Finding(
                    "file", code,
                    f"and {count - shown[code]:,} more {code} warnings in this file, counted but "
                    f"not listed one by one (the first {shown[code]:,} are)",
                ))  # fmt: skip
        # the first LISTED_PER_CODE of each scope and code, and the counts of all of them
        ctx.add_rejects((Finding(*r) for r in parser.rejects), tally["reject_counts"])
        t = ctx.tally
        t.transactions += tally["transactions"]
        t.claims += tally["claims"]
        t.lines += tally["lines"]
        t.total_charge += Decimal(tally["charge"])
        if tally["paid_seen"]:
            t.add_paid(Decimal(tally["paid"]))
        t.kinds.update(parser.kinds)
