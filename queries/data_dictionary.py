"""The data dictionary for analysts, written from the comments the schema itself carries."""

from __future__ import annotations

import duckdb

from .sql import sql

INTRO = """# Data dictionary

Every table and column of the `unlisted` DuckDB database, generated from the schema's own
comments by `unlisted schema` (do not edit by hand). Money is `DECIMAL(18,2)`, dates are `DATE`.
Rows carry `batch_id` (the `load_batch` of the file they came from) and `source_position`
(the segment or line where they start in that file), so any figure can be traced back to its input.
"""


def data_dictionary(con: duckdb.DuckDBPyConnection) -> str:
    columns: dict[str, list[tuple]] = {}
    for table, column, data_type, nullable, comment in con.execute(
        sql("catalog/columns")
    ).fetchall():
        columns.setdefault(table, []).append((column, data_type, nullable, comment))
    parts = [INTRO]
    for table, comment in con.execute(sql("catalog/tables")).fetchall():
        parts.append(f"\n## `{table}`\n\n{comment or ''}\n")
        parts.append("| column | type | null | meaning |\n|---|---|---|---|")
        for column, data_type, nullable, note in columns.get(table, []):
            cell = (note or "").replace("|", "\\|")
            parts.append(f"| `{column}` | {data_type} | {'yes' if nullable else 'no'} | {cell} |")
    return "\n".join(parts) + "\n"
