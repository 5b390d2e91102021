"""What the sanitizer fuzzing of the C parser (bench/fuzz_parser.py, .ci/fuzz) found, kept as
regression tests: the inputs are under tests/data/fuzz, each named after its finding and the
fuzzer's seed. Also the portable 128-bit cent sums that replaced __int128 (issue 18)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from unlisted.etl.x12._x12parse import Parser

from .x12build import claim_header, interchange, remit_header, subscriber

FUZZ = Path(__file__).parent / "data" / "fuzz"
IDS = dict.fromkeys(("claim", "claim_line", "remit", "remit_claim", "remit_line"), 1)


def parse(data: bytes, flush_values: int = 3_000_000) -> tuple[Parser, list[dict]]:
    """The whole input through the parser as parse.py feeds it; every batch taken."""
    parser = Parser("*", ":", "~", 1, dict(IDS), flush_values=flush_values)
    batches = []
    position = 0
    while True:
        position, flush = parser.feed(data, position, True)
        if not flush:
            break
        batches.append(parser.take())
    parser.finish()
    batches.append(parser.take())
    return parser, batches


def stale_bits(batches: list[dict]) -> list[str]:
    """Columns whose validity bitmap (or bool values) has bits set past the batch's last row."""
    found = []
    for batch in batches:
        for table, (rows, columns) in batch.items():
            if not rows & 7:
                continue
            for name, kind, valid, values, _ in columns:
                maps = [bytes(memoryview(valid))]
                if kind == "bool":
                    maps.append(bytes(memoryview(values)))
                if any(m[rows >> 3] >> (rows & 7) for m in maps):
                    found.append(f"{table}.{name}")
    return found


@pytest.mark.parametrize("path", sorted(FUZZ.glob("*.x12")), ids=lambda p: p.name)
def test_every_fuzz_finding_loads_without_crashing(path, loader):
    """The normal build reads each saved input to the end: loaded, or rejected with a reason."""
    result = loader.load(path)
    assert result.status in ("loaded", "rejected")
    if result.status == "rejected":
        assert result.message


def test_bitmaps_carry_no_stale_heap_bits():
    """Finding (seed 77-1429, a mutated imsweb sample): after take() the next batch's bitmaps
    are fresh blocks that were never zeroed and are written bit by bit, so the bits past the last
    row of a batch were whatever the heap held. Arrow ignores them, but the parser handed
    uninitialised memory over; take() now clears them. Small batches make many fresh blocks."""
    data = (FUZZ / "bitmap-padding-77-1429.x12").read_bytes()
    for flush_values in (1, 30, 3_000_000):
        parser, batches = parse(data, flush_values)
        assert stale_bits(batches) == []
        tally = parser.tally()
        assert (tally["transactions"], tally["claims"], tally["lines"], tally["charge"]) == (
            1, 2, 2, "1000.00",
        )  # fmt: skip
        assert tally["warning_counts"] == {
            "claim_unbalanced": 2, "se_count": 1, "unexpected_segment": 2,
        }  # fmt: skip
        assert tally["reject_counts"] == {
            ("segment", "outside_transaction"): 17, ("segment", "unexpected_segment"): 1,
        }  # fmt: skip


def test_many_small_batches_of_one_row_each_have_clean_bitmaps():
    """Many transactions of one claim, taken one by one: every batch has rows & 7 != 0."""
    claims = [
        claim_header() + subscriber(2) + [
            f"CLM*P{k}*10.00***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:97139*10.00*UN*1***1",
            "DTP*472*D8*20261102",
        ]
        for k in range(40)
    ]  # fmt: skip
    parser, batches = parse(interchange(claims).encode(), flush_values=1)
    assert len(batches) > 40
    assert stale_bits(batches) == []
    assert parser.tally()["claims"] == 40


def test_cent_sums_past_64_bits_stay_exact():
    """Totals are summed in 128 bits (two 64-bit halves since __int128 is not C11): 2,000 claims
    of the largest amount the parser reads pass 2^63 cents and stay exact, in both signs."""
    biggest = "9999999999999999.99"
    body = claim_header() + subscriber(2)
    for k in range(1000):
        for sign in ("", "-"):
            body += [
                f"CLM*P{sign}{k}*{sign}{biggest}***11:B:1*Y*A*Y*Y", "LX*1",
                f"SV1*HC:97139*{sign}{biggest}*UN*1***1", "DTP*472*D8*20261102",
            ]  # fmt: skip
    body += [f"CLM*LAST*{biggest}***11:B:1*Y*A*Y*Y", "LX*1", f"SV1*HC:97139*{biggest}*UN*1***1"]
    for _ in range(999):
        body += ["LX*2", f"SV1*HC:97139*{biggest}*UN*1***1"]
    parser, _ = parse(interchange([body]).encode())
    tally = parser.tally()
    assert tally["claims"] == 2001
    assert Decimal(tally["charge"]) == Decimal(biggest)
    # the last claim's CLM02 is one amount, its lines sum to 1,000 of them: unbalanced, and the
    # message prints the 128-bit sum exactly
    unbalanced = [w for w in parser.warnings if w[1] == "claim_unbalanced"]
    assert len(unbalanced) == 1
    assert "9999999999999999990.00" in unbalanced[0][2]


def test_835_balances_past_64_bits():
    """The 835 balance checks subtract 128-bit sums: a payment of 1,000 claims of the largest
    amount balances against a BPR02 that cannot hold the sum (so it is unbalanced), exactly."""
    biggest = "9999999999999999.99"
    body = remit_header(biggest)
    for k in range(1000):
        body += [f"CLP*P{k}*1*{biggest}*{biggest}**12*ICN{k}"]
    parser, _ = parse(interchange([body], kind="835").encode())
    tally = parser.tally()
    assert tally["claims"] == 1000
    assert Decimal(tally["paid"]) == Decimal(biggest) * 1000
    warnings = [w for w in parser.warnings if w[1] == "payment_unbalanced"]
    assert len(warnings) == 1 and "9999999999999999990.00" in warnings[0][2]
