"""What an X12 file is before any segment is parsed: its encoding and its delimiters.

Delimiters come from the fixed-width ISA header (docs/x12-loading.md): the element separator is the
character after "ISA", the component separator is ISA16 and the segment terminator follows it.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

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
