"""Access to the project's SQL: every statement lives in a .sql file under queries/."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

ROOT = files("unlisted.queries")


@cache
def sql(name: str) -> str:
    """The text of queries/<name>.sql, e.g. sql("load/batch_by_sha256")."""
    return (ROOT / f"{name}.sql").read_text(encoding="utf-8")


def migrations() -> list[tuple[int, list[str]]]:
    """(version, [statements files' text]) for each folder queries/schema/vN, in order."""
    found = []
    for folder in (ROOT / "schema").iterdir():
        if folder.is_dir() and folder.name.startswith("v") and folder.name[1:].isdigit():
            scripts = sorted(
                (f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name
            )
            found.append((int(folder.name[1:]), [f.read_text(encoding="utf-8") for f in scripts]))
    return sorted(found)
