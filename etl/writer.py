"""Write parsed rows to DuckDB through Arrow, aligned to the columns of each base table."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..queries.sql import sql

ARROW_TYPES = {"BIGINT": pa.int64(), "INTEGER": pa.int64(), "BOOLEAN": pa.bool_()}
# The id column of each table whose ids the loader hands out (queries/load/next_ids.sql).
ID_COLUMNS = {
    "claim": "claim_id",
    "claim_line": "claim_line_id",
    "remit": "remit_id",
    "remit_claim": "remit_claim_id",
    "remit_line": "remit_line_id",
    "treatment_note": "note_id",
    "contract_rate": "contract_id",
}


class TableWriter:
    """Appends Arrow or Polars rows to their tables, in the open transaction, by column name.

    Money and dates may travel as exact text; DuckDB casts them to DECIMAL and DATE on insert."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.columns: dict[str, list[tuple[str, str]]] = {}
        self.highest_ids: dict[str, int] = {}  # of the rows written, by table (ID_COLUMNS)
        self.discarded_rows = 0  # written, then deleted again (highest_ids may overstate)

    def start_file(self) -> None:
        self.highest_ids.clear()
        self.discarded_rows = 0

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        if table not in self.columns:
            self.columns[table] = self.con.execute(
                sql("load/table_columns"), {"table": table}
            ).fetchall()
        return self.columns[table]

    def write_frame(self, table: str, frame) -> None:
        """Append a Polars frame whose column names are (a subset of) the table's."""
        if frame.height:
            self.write_arrow(table, frame.to_arrow())

    def write_arrow(self, table: str, source: pa.Table) -> None:
        """Append an Arrow table by column name; columns it lacks stay NULL."""
        if source.num_rows == 0:
            return
        unknown = set(source.column_names) - {name for name, _ in self.table_columns(table)}
        if unknown:
            raise RuntimeError(f"rows for {table} have columns the table lacks: {sorted(unknown)}")
        arrays, names = [], []
        for name, data_type in self.table_columns(table):
            arrow_type = ARROW_TYPES.get(data_type)
            if name in source.column_names:
                column = source[name]
                arrays.append(column.cast(arrow_type) if arrow_type else column)
            else:
                arrays.append(pa.nulls(source.num_rows, arrow_type or pa.string()))
            names.append(name)
        self.con.from_arrow(pa.Table.from_arrays(arrays, names=names)).insert_into(table)
        if ID_COLUMNS.get(table) in source.column_names:
            highest = pc.max(source[ID_COLUMNS[table]]).as_py()
            if highest is not None:
                self.highest_ids[table] = max(highest, self.highest_ids.get(table, highest))

    def discard_segments(self, batch_id: int, first: int, last: int) -> None:
        """Delete the rows of the file read from segments first..last (a quarantined
        transaction of which a part was written)."""
        params = {"batch_id": batch_id, "first": first, "last": last}
        for statement in self.con.extract_statements(sql("load/discard_segments")):
            self.discarded_rows += self.con.execute(statement, params).fetchone()[0]


class BackgroundWriter:
    """Inserts Arrow batches on a second thread while the caller parses the next ones.

    DuckDB and the X12 parser both work without the GIL, so parsing and inserting overlap on
    two cores. The values (rows x columns) waiting are bounded (`waiting_values`, about one
    parser batch besides the one being inserted), which keeps memory bounded by batch size, not
    by file size; a bound counted in tables instead would stall the parser after every table."""

    def __init__(self, writer: TableWriter, on_written, waiting_values: int = 3_750_000):
        self.writer = writer
        self.on_written = on_written
        self.waiting_values = waiting_values
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unlisted-writer")
        self.pending: list[tuple[Future, int]] = []

    def submit(self, table: str, rows: pa.Table) -> None:
        values = rows.num_rows * rows.num_columns
        self.pending.append((self.pool.submit(self._write, table, rows), values))
        while len(self.pending) > 1 and sum(n for _, n in self.pending[1:]) > self.waiting_values:
            self.pending.pop(0)[0].result()

    def discard(self, batch_id: int, first: int, last: int) -> None:
        """Delete, after the batches submitted so far, the rows read from segments
        first..last."""
        job = self.pool.submit(self.writer.discard_segments, batch_id, first, last)
        self.pending.append((job, 0))

    def _write(self, table: str, rows: pa.Table) -> None:
        self.writer.write_arrow(table, rows)
        self.on_written(table, rows.num_rows)

    def drain(self) -> None:
        """Wait for every batch; re-raises the first failure."""
        try:
            while self.pending:
                self.pending.pop(0)[0].result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
