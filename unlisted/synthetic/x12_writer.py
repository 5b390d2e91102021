"""Write 837P and 835 text for the synthetic practice (5010 X222A1 / X221A1, `*` `:` `~`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache


def luhn_npi(base9: str) -> str:
    """A valid NPI from 9 digits: the check digit uses the 80840 prefix (CMS rule)."""
    digits = [int(d) for d in "80840" + base9]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return base9 + str((10 - total % 10) % 10)


@lru_cache(maxsize=65536)  # a practice's amounts repeat: charges, rates, shares
def money(value: Decimal) -> str:
    """X12 amount: no trailing zeros beyond what is needed (12.5, 100, -3.25)."""
    text = f"{value:.2f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@lru_cache(maxsize=4096)  # a few hundred dates, written hundreds of thousands of times
def d8(day: dt.date) -> str:
    return day.strftime("%Y%m%d")


def isa(sender: str, receiver: str, when: dt.datetime, control: int) -> str:
    return (
        f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*{receiver:<15}*"
        f"{when:%y%m%d}*{when:%H%M}*^*00501*{control:09d}*0*P*:~\n"
    )


@dataclass
class Envelope:
    """Interchange, group and one transaction around a body of segments."""

    functional: str  # HC (837) or HP (835)
    version: str
    transaction: str  # 837 or 835
    sender: str
    receiver: str
    when: dt.datetime
    control: int

    def head(self) -> str:
        st = f"ST*{self.transaction}*{self.control % 10000:04d}"
        if self.transaction == "837":
            st += f"*{self.version}"
        return (
            isa(self.sender, self.receiver, self.when, self.control)
            + f"GS*{self.functional}*{self.sender}*{self.receiver}*{self.when:%Y%m%d}*"
            f"{self.when:%H%M}*{self.control}*X*{self.version}~\n{st}~\n"
        )

    def tail(self, body_segments: int) -> str:
        return (
            f"SE*{body_segments + 2}*{self.control % 10000:04d}~\n"
            f"GE*1*{self.control}~\nIEA*1*{self.control:09d}~\n"
        )
