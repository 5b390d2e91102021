"""Writes the denial model (queries/denial_model.py trains it) to the denial_model table: the
model as JSON, never pickled, so that a database file cannot run code when read."""

from __future__ import annotations

import json

import duckdb

from ..queries.sql import sql


def store_model(con: duckdb.DuckDBPyConnection, record: dict) -> int:
    """Insert one trained model (queries.denial_model.train's record); its new model_id."""
    params = dict(record)
    params["model"] = json.dumps(record["model"], sort_keys=True, allow_nan=False)
    params["codes"] = list(record["codes"])
    with con.cursor() as cursor:
        cursor.execute("BEGIN TRANSACTION")
        try:
            (model_id,) = cursor.execute(sql("model/insert_model"), params).fetchone()
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    return int(model_id)
