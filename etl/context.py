"""What a loader needs while reading one file: ids to hand out, findings, and the tally."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from .tables import Finding, Tally

# Findings listed one by one per file: the first this many warnings of each code, and rejects
# of each scope and code; the rest are counted, with one more row saying how many. A systematic
# problem or a hostile file (a million segments outside any transaction) would otherwise list a
# row per segment, in memory and in the database. The X12 parser is given the same number.
LISTED_PER_CODE = 1000


class FileContext:
    """Shared by the readers of one file; the loader turns it into the load_batch row."""

    def __init__(self, batch_id: int, next_ids: dict[str, int]):
        self.batch_id = batch_id
        self.next_ids = next_ids
        self.warnings: list[Finding] = []  # as listed (the X12 parser lists 1,000 per code)
        self.warning_counts: Counter[str] = Counter()  # all, listed or not
        self.rejects: list[Finding] = []  # as listed: LISTED_PER_CODE per scope and code
        self.reject_counts: Counter[tuple[str, str]] = Counter()  # (scope, code): all
        self.tally = Tally()

    def warn(self, location: str, code: str, message: str) -> None:
        self.warnings.append(Finding(location, code, message))
        self.warning_counts[code] += 1

    def reject(self, location: str, scope: str, code: str, message: str) -> None:
        self.reject_counts[scope, code] += 1
        if self.reject_counts[scope, code] <= LISTED_PER_CODE:
            self.rejects.append(Finding(location, code, message, scope))

    def add_rejects(
        self, listed: Iterable[Finding], counted: Mapping[tuple[str, str], int]
    ) -> None:
        """Rejects a reader listed itself, and its counts of all of them by (scope, code)."""
        listed = list(listed)
        self.rejects.extend(listed)
        shown = Counter((r.scope, r.code) for r in listed)
        self.reject_counts.update(Counter(counted) | shown)  # | keeps the larger of the two

    def listed_rejects(self) -> list[Finding]:
        """The rejects as listed, then one row per scope and code of which more were counted
        than listed, saying how many more."""
        shown = Counter((r.scope, r.code) for r in self.rejects)
        more = [
            Finding(
                "file",
                code,
                f"and {count - shown[scope, code]:,} more {scope} rejects ({code}) in this "
                f"file, counted but not listed one by one (the first {shown[scope, code]:,} are)",
                scope,
            )
            for (scope, code), count in sorted(self.reject_counts.items())
            if count > shown[scope, code]
        ]
        return self.rejects + more
