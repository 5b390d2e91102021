"""What a load reports besides rows: findings (warnings and rejects) and the file's tally."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Finding:
    """A warning (data loaded) or a reject (input quarantined). Never carries patient data."""

    location: str
    code: str
    message: str
    scope: str = ""


@dataclass
class Tally:
    """What one file contributed, for the summary and the load_batch row."""

    transactions: int = 0
    claims: int = 0
    lines: int = 0
    total_charge: Decimal = Decimal(0)
    total_paid: Decimal | None = None
    kinds: set[str] = field(default_factory=set)

    def add_paid(self, paid: Decimal) -> None:
        self.total_paid = paid if self.total_paid is None else self.total_paid + paid
