"""What a parser needs from the load of one file: ids, somewhere to put rows, and findings."""

from __future__ import annotations

from collections.abc import Callable

from .tables import Finding, Tally


class FileContext:
    """Shared by the parsers of one file; the loader drains `rows` into DuckDB as they grow."""

    def __init__(self, batch_id: int, next_ids: dict[str, int], flush: Callable[[], None]):
        self.batch_id = batch_id
        self.next_ids = next_ids
        self.rows: dict[str, list[tuple]] = {}
        self.pending_rows = 0
        self.warnings: list[Finding] = []
        self.rejects: list[Finding] = []
        self.tally = Tally()
        self.flags: dict[str, bool] = {}  # one-time warnings already given
        self._flush = flush

    def new_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def emit(self, table: str, rows: list[tuple]) -> None:
        if rows:
            self.rows.setdefault(table, []).extend(rows)
            self.pending_rows += len(rows)

    def transaction_done(self) -> None:
        """Rows are only ever written between transactions, so a quarantine never needs undoing."""
        if self.pending_rows >= 50_000:
            self._flush()

    def warn(self, location: str, code: str, message: str) -> None:
        self.warnings.append(Finding(location, code, message))

    def reject(self, location: str, scope: str, code: str, message: str) -> None:
        self.rejects.append(Finding(location, code, message, scope))
