"""What a loader needs while reading one file: ids to hand out, findings, and the tally."""

from __future__ import annotations

from collections import Counter

from .tables import Finding, Tally


class FileContext:
    """Shared by the readers of one file; the loader turns it into the load_batch row."""

    def __init__(self, batch_id: int, next_ids: dict[str, int]):
        self.batch_id = batch_id
        self.next_ids = next_ids
        self.warnings: list[Finding] = []  # as listed (the X12 parser lists 1,000 per code)
        self.warning_counts: Counter[str] = Counter()  # all, listed or not
        self.rejects: list[Finding] = []
        self.tally = Tally()

    def warn(self, location: str, code: str, message: str) -> None:
        self.warnings.append(Finding(location, code, message))
        self.warning_counts[code] += 1

    def reject(self, location: str, scope: str, code: str, message: str) -> None:
        self.rejects.append(Finding(location, code, message, scope))
