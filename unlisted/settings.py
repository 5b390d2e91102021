"""Where things are, from the environment: one place for every default the CLI uses."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_DB = "unlisted.duckdb"


def database_path(explicit: Path | None = None) -> Path:
    """--db, else $UNLISTED_DB, else ./unlisted.duckdb."""
    if explicit is not None:
        return explicit
    return Path(os.environ.get("UNLISTED_DB") or DEFAULT_DB)
