"""Walk the envelopes of an X12 file (ISA/GS/ST ... SE/GE/IEA) and hand each transaction set to
the parser of its kind.

Rules (DESIGN.md "Input rules"): a wrong segment count is a warning; an ST/SE control number
mismatch, a transaction cut short, or a segment that cannot be read quarantines that transaction;
the rest of the file loads. 837I/837D and other transaction sets are recognised and refused.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..context import FileContext
from ..errors import InputError
from .claims_837 import Claims837
from .reader import SegmentReader
from .remits_835 import Remits835
from .transaction import TransactionParser, location

PAD = [""] * 26
SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")
ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})

OUT_OF_SCOPE = {
    "837I": "an 837I institutional claim",
    "837D": "an 837D dental claim",
}


def bad_id_message(tag: str) -> str:
    if not tag:
        return "a segment has an empty identifier (it starts with the element separator)"
    return f"{tag[:8]!r} is not a valid segment identifier (2-3 capital letters or digits)"


def transaction_kind(st01: str, version: str) -> str:
    """835, 837P, 837I, 837D, or the raw ST01 for anything else."""
    if st01 == "835":
        return "835"
    if st01 == "837":
        if "X222" in version or "X098" in version:
            return "837P"
        if "X223" in version or "X096" in version:
            return "837I"
        if "X224" in version or "X097" in version:
            return "837D"
        return "837?"
    return st01 or "?"


class InterchangeWalker:
    """Reads one X12 file into a FileContext."""

    def __init__(self, path: Path, ctx: FileContext, on_bytes=None):
        self.reader = SegmentReader(path, on_bytes=on_bytes)
        self.ctx = ctx
        isa = self.reader.isa_fields
        self.sender = isa[5].strip()
        self.receiver = isa[7].strip()
        self.control_number = isa[12].strip()
        self.valid_ids: set[str] = set()
        self.old_format_warned = False

    def run(self) -> None:
        ctx = self.ctx
        component = self.reader.delimiters.component
        txn: TransactionParser | None = None
        skipping: tuple[int, str] | None = None  # (ST segment number, reason) of a refused set
        handlers: dict = {}
        isa: list[str] | None = None
        gs: list[str] | None = None
        group_count = txn_count = 0
        st: list[str] = PAD
        st_number = 0
        in_transaction = False
        number = 0
        for number, e in self.reader:
            tag = e[0]
            if tag in ENVELOPE:
                if tag == "ISA" and (len(e) != 17 or e[16] != component):
                    raise InputError(
                        "mixed_delimiters",
                        f"the interchange at {location(number)} uses other delimiters than the "
                        "first one; split the file into one file per interchange",
                    )
                if len(e) < 26:
                    e.extend(PAD[len(e) :])
                if tag == "ST":
                    if in_transaction:
                        self.cut_short(txn, skipping, st, st_number, number)
                    in_transaction, st, st_number = True, e, number
                    txn_count += 1
                    ctx.tally.transactions += 1
                    version = e[3] or (gs[8] if gs else "")
                    kind = transaction_kind(e[1], version)
                    txn, skipping, handlers = None, None, {}
                    if kind == "835":
                        txn = Remits835(ctx, number, e[2], component)
                    elif kind == "837P":
                        txn = Claims837(ctx, number, e[2], component)
                        if "X098" in version and not self.old_format_warned:
                            self.old_format_warned = True
                            ctx.warn(
                                location(number),
                                "old_format",
                                "4010 (X098) claim: a retired format, read with 5010 rules",
                            )
                    else:
                        skipping = (number, self.refusal(kind, e[1]))
                    if txn is not None:
                        handlers = txn.handlers
                        ctx.tally.kinds.add(kind)
                    else:
                        ctx.tally.kinds.add(kind)
                elif tag == "SE":
                    if not in_transaction:
                        ctx.reject(
                            location(number),
                            "segment",
                            "unexpected_segment",
                            "SE without a matching ST; segment ignored",
                        )
                        continue
                    in_transaction = False
                    self.end_transaction(txn, skipping, st, st_number, e, number)
                    txn, skipping, handlers = None, None, {}
                elif tag == "GS":
                    gs, txn_count = e, 0
                    group_count += 1
                elif tag == "GE":
                    self.check_trailer(number, "GE", e, gs[6] if gs else None, txn_count, "ST")
                    gs = None
                elif tag == "ISA":
                    if isa is not None:
                        ctx.warn(location(number), "missing_trailer", "ISA without IEA before it")
                    isa, group_count = e, 0
                elif tag == "IEA":
                    self.check_trailer(
                        number, "IEA", e, isa[13] if isa else None, group_count, "GS"
                    )
                    isa = None
                continue
            handler = handlers.get(tag)
            if handler is not None:
                if len(e) < 26:
                    e.extend(PAD[len(e) :])
                handler(number, e)
            elif tag not in self.valid_ids:
                if SEGMENT_ID.fullmatch(tag):
                    self.valid_ids.add(tag)
                    if not in_transaction:
                        self.outside(number, tag)
                elif txn is not None:
                    txn.fail(number, "bad_segment_id", bad_id_message(tag))
                elif not in_transaction:
                    self.outside(number, tag)
            elif not in_transaction:
                self.outside(number, tag)
        if in_transaction:
            self.cut_short(txn, skipping, st, st_number, number + 1)
        if isa is not None:
            ctx.warn(location(number), "missing_trailer", "the file ends without IEA")

    def refusal(self, kind: str, st01: str) -> str:
        if kind in OUT_OF_SCOPE:
            return (
                f"{OUT_OF_SCOPE[kind]}: out of scope; unlisted loads 837P professional claims "
                "and 835 remittances"
            )
        if kind == "837?":
            return "an 837 whose version (ST03/GS08) names no known implementation guide"
        return f"transaction set {st01[:6]!r}: unlisted loads 837P claims and 835 remittances"

    def outside(self, number: int, tag: str) -> None:
        self.ctx.reject(
            location(number),
            "segment",
            "outside_transaction",
            f"segment {tag[:8]!r} is outside any ST/SE transaction; ignored",
        )

    def cut_short(self, txn, skipping, st, st_number: int, number: int) -> None:
        if skipping is not None:
            self.ctx.reject(
                location(st_number),
                "transaction",
                "out_of_scope",
                f"transaction {st[2][:12]!r} is {skipping[1]}",
            )
            return
        self.ctx.reject(
            location(st_number),
            "transaction",
            "truncated",
            f"transaction {st[2][:12]!r} has no SE trailer before {location(number)}: the file "
            "is cut short or damaged; its claims were not loaded",
        )
        self.ctx.transaction_done()

    def end_transaction(self, txn, skipping, st, st_number: int, se: list[str], number: int):
        ctx = self.ctx
        if skipping is not None:
            ctx.reject(
                location(st_number),
                "transaction",
                "out_of_scope",
                f"transaction {st[2][:12]!r} is {skipping[1]}",
            )
            return
        txn.finish()
        if se[2] != st[2]:
            txn.fail(
                number,
                "se_control_number",
                f"SE02 {se[2][:12]!r} does not match ST02 {st[2][:12]!r}",
            )
        count = number - st_number + 1
        if se[1] != str(count):
            ctx.warn(
                location(number),
                "se_count",
                f"SE01 says {se[1][:9]!r} segments, the transaction has {count}",
            )
        if txn.errors:
            first, code, message = txn.errors[0]
            more = f" (and {len(txn.errors) - 1} more problems)" if len(txn.errors) > 1 else ""
            ctx.reject(
                location(first),
                "transaction",
                code,
                f"transaction {st[2][:12]!r} at {location(st_number)} quarantined: {message}{more}",
            )
        else:
            txn.commit()
        ctx.transaction_done()

    def check_trailer(self, number, tag, e, control, count, inner) -> None:
        if control is None:
            self.ctx.warn(location(number), "unexpected_segment", f"{tag} without its header")
            return
        if e[2].strip() != control.strip():
            self.ctx.warn(
                location(number),
                f"{tag.lower()}_control_number",
                f"{tag}02 {e[2][:12]!r} does not match the header's {control[:12]!r}",
            )
        if e[1] != str(count):
            self.ctx.warn(
                location(number),
                f"{tag.lower()}_count",
                f"{tag}01 says {e[1][:9]!r} {inner} segments, there are {count}",
            )
