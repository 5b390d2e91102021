"""Write parsed rows to DuckDB through Arrow, aligned to the columns of each base table."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from ..queries.sql import sql
from .tables import LAYOUTS

ARROW_TYPES = {"BIGINT": pa.int64(), "INTEGER": pa.int64(), "BOOLEAN": pa.bool_()}


class TableWriter:
    """Appends row tuples (in the layouts of etl.tables) to their tables in the open transaction.

    Money and dates travel as exact text; DuckDB casts them to DECIMAL and DATE on insert."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.columns: dict[str, list[tuple[str, str]]] = {}

    def table_columns(self, table: str) -> list[tuple[str, str]]:
        if table not in self.columns:
            found = self.con.execute(sql("load/table_columns"), {"table": table}).fetchall()
            unknown = set(LAYOUTS.get(table, ())) - {name for name, _ in found}
            if unknown:
                raise RuntimeError(f"layout of {table} names columns it lacks: {sorted(unknown)}")
            self.columns[table] = found
        return self.columns[table]

    def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        layout = LAYOUTS[table]
        values = dict(zip(layout, zip(*rows, strict=True), strict=True))
        arrays, names = [], []
        for name, data_type in self.table_columns(table):
            arrow_type = ARROW_TYPES.get(data_type, pa.string())
            column = values.get(name)
            arrays.append(
                pa.nulls(len(rows), arrow_type) if column is None else pa.array(column, arrow_type)
            )
            names.append(name)
        self.con.from_arrow(pa.Table.from_arrays(arrays, names=names)).insert_into(table)

    def write_frame(self, table: str, frame) -> None:
        """Append a Polars frame whose column names are (a subset of) the table's."""
        if frame.height == 0:
            return
        source = frame.to_arrow()
        unknown = set(source.column_names) - {name for name, _ in self.table_columns(table)}
        if unknown:
            raise RuntimeError(f"frame for {table} has columns the table lacks: {sorted(unknown)}")
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
