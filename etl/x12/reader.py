"""Stream the segments of an X12 file, whatever its encoding, line breaks or delimiters.

Delimiters come from the fixed-width ISA header (DOMAIN.md section 3): the element separator is the
character after "ISA", the component separator is ISA16 and the segment terminator follows it.
The file is read in chunks so that memory does not grow with the file.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

CHUNK_BYTES = 4 << 20
MAX_SEGMENT_CHARS = 1 << 20
ISA_LENGTH = 106  # fixed-width ISA including its terminator
ISA_WIDTHS = (3, 2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)  # "ISA" then ISA01..ISA16
WHITESPACE = " \t\r\n\v\f"


@dataclass(frozen=True)
class Delimiters:
    element: str
    component: str
    segment: str
    repetition: str | None


def detect_encoding(head: bytes) -> str:
    """Pick a codec from the first bytes: BOMs, or the zero bytes of UTF-16 without BOM."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    return "utf-8"


def read_head_text(path: Path, size: int = 8192) -> str:
    with path.open("rb") as f:
        head = f.read(size)
    encoding = detect_encoding(head)
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head).lstrip(WHITESPACE)


def parse_isa(isa: str) -> tuple[Delimiters, list[str]]:
    """Validate a fixed-width ISA (106 characters from "ISA") and return delimiters and fields."""
    if len(isa) < ISA_LENGTH - 1:
        raise InputError(
            "isa_truncated",
            f"the ISA header is {len(isa)} characters long, 106 expected: the file is truncated "
            "or is not an X12 interchange",
        )
    element = isa[3]
    if element.isalnum() or element in WHITESPACE:
        raise InputError("isa_malformed", f"the ISA element separator {element!r} is not valid")
    fields = isa[: ISA_LENGTH - 1].split(element)
    if len(fields) != len(ISA_WIDTHS):
        found = isa.split(element)
        for index, (value, width) in enumerate(zip(found, ISA_WIDTHS, strict=False)):
            if len(value) != width and index < 16:
                raise InputError(
                    "isa_malformed",
                    f"ISA{index:02d} has {len(value)} characters where the standard fixes "
                    f"{width}: the ISA header must be exactly 106 characters; ask the sender "
                    "to regenerate the file",
                )
        raise InputError("isa_malformed", "the ISA header does not have 16 fixed-width fields")
    for index, (value, width) in enumerate(zip(fields, ISA_WIDTHS, strict=True)):
        if len(value) != width:
            raise InputError(
                "isa_malformed",
                f"ISA{index:02d} has {len(value)} characters where the standard fixes {width}: "
                "the ISA header must be exactly 106 characters; ask the sender to regenerate it",
            )
    component = isa[104]
    segment = isa[105] if len(isa) >= ISA_LENGTH else ""
    if not segment or segment.isalnum() or segment in (element, component):
        raise InputError(
            "isa_malformed", f"the segment terminator after ISA16 ({segment!r}) is not valid"
        )
    repetition = fields[11]
    # ISA11 is a repetition separator only from 5010 on; 4010 files put "U" there.
    if repetition.isalnum() or repetition in (element, component, segment, " "):
        repetition = None
    return Delimiters(element, component, segment, repetition), fields[1:]


class SegmentReader:
    """Iterate `(segment_number, elements)` over a file; segment numbers are 1-based."""

    def __init__(
        self,
        path: Path,
        chunk_bytes: int = CHUNK_BYTES,
        on_bytes: Callable[[int], None] | None = None,
    ):
        self.path = path
        self.chunk_bytes = chunk_bytes
        self.on_bytes = on_bytes
        with path.open("rb") as f:
            head = f.read(4096)
        self.encoding = detect_encoding(head)
        text = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(head)
        start = len(text) - len(text.lstrip(WHITESPACE))
        if not text[start:].startswith("ISA"):
            raise InputError(
                "no_isa",
                "the file does not start with an ISA interchange header; an X12 file must "
                "begin with ISA (check that the whole file was exported)",
            )
        self.delimiters, self.isa_fields = parse_isa(text[start : start + ISA_LENGTH])
        self.replaced_characters = 0
        self.segments_read = 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        d = self.delimiters
        term, sep = d.segment, d.element
        # Line breaks are never data in X12, so they go unless one of them is a delimiter.
        drop_breaks = str.maketrans("", "", "".join(c for c in "\r\n" if c not in (term, sep)))
        strip_chars = "".join(c for c in WHITESPACE if c not in (term, sep))
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        number = 0
        carry = ""
        with self.path.open("rb") as f:
            while True:
                raw = f.read(self.chunk_bytes)
                final = not raw
                if self.on_bytes is not None and raw:
                    self.on_bytes(len(raw))
                text = decoder.decode(raw, final=final)
                if "\ufffd" in text:
                    self.replaced_characters += text.count("\ufffd")
                text = carry + text.translate(drop_breaks)
                pieces = text.split(term)
                carry = "" if final else pieces.pop()
                if len(carry) > MAX_SEGMENT_CHARS:
                    raise InputError(
                        "no_terminator",
                        f"no segment terminator {term!r} in {MAX_SEGMENT_CHARS:,} characters after "
                        f"segment {number}: the file is damaged or is not X12",
                    )
                needs_strip = text[:1] in strip_chars or any(
                    (term + c) in text or (c + term) in text for c in strip_chars
                )
                for piece in pieces:
                    if needs_strip:
                        piece = piece.strip(strip_chars)
                    if not piece:
                        continue
                    number += 1
                    yield number, piece.split(sep)
                if final:
                    break
        self.segments_read = number
