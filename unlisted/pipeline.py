"""Load files, then bring the marts up to date: the one pipeline the CLI, the demo, the benches
and the tests run.

The settings decide what the marts are built from (the rules file, the reference lists, the
target codes); they are read here and passed down as Arrow tables, so that queries/ reads no
settings of its own."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from .etl.archives import ArchiveLimits, files_in
from .etl.errors import DatabaseWriteError
from .etl.load import FileResult, Loader, expand_paths
from .queries import marts
from .settings import load_config

# A folder whose carc.csv, rarc.csv or denial_category.csv (any of them) replace the shipped lists.
REFERENCE_DIR = "UNLISTED_REFERENCE_DIR"
# A rules file that wins over the settings' [rules] path.
RULES_ENV = "UNLISTED_RULES"


def rules_path(config: dict) -> Path | None:
    """$UNLISTED_RULES, else `path` in the settings' [rules] table, else None (shipped rules)."""
    if os.environ.get(RULES_ENV):
        return Path(os.environ[RULES_ENV])
    chosen = config["rules"].get("path")
    return Path(chosen) if chosen else None


def mart_sources(config: dict | None = None) -> dict[str, pa.Table]:
    """What the marts are built from, by the settings (load_config() when not given). Raises
    ReferenceListError (RulesError) naming the file and the problem."""
    from .queries.rules import load_rules, rule_sources  # Polars: only when the marts are asked

    config = config if config is not None else load_config()
    folder = os.environ.get(REFERENCE_DIR)
    return {
        **marts.reference_sources(Path(folder) if folder else None),
        **rule_sources(load_rules(rules_path(config)), config["metrics"]["codes"],
                       config["documentation"]["narrative_codes"]),
    }  # fmt: skip


def marts_current(con: duckdb.DuckDBPyConnection, config: dict | None = None) -> bool:
    """Whether the marts were built from these settings, with every file loaded so far. A
    reference list or rules file that cannot be read counts as not current: rebuild_marts
    raises it, where the caller reports it."""
    try:
        sources = mart_sources(config)
    except marts.ReferenceListError:
        return False
    return marts.marts_current(con, sources)


def rebuild_marts(con: duckdb.DuckDBPyConnection, config: dict | None = None) -> None:
    """Every mart, from the base tables and what the settings choose."""
    marts.rebuild_marts(con, mart_sources(config))


def update_marts(con: duckdb.DuckDBPyConnection, config: dict | None = None) -> bool:
    """Rebuild the marts unless they are current; whether they were rebuilt. The rules and
    reference lists are read once for both (a list that cannot be read raises here)."""
    sources = mart_sources(config)
    if marts.marts_current(con, sources):
        return False
    marts.rebuild_marts(con, sources)
    return True


@dataclass
class Stopped(Exception):
    """A run cut short: Ctrl-C (`interrupted`), or a database that could not take a file.
    `where` says at what, in plain words (file names as they are: escape them to show them);
    `results` are the files done before."""

    where: str
    results: list[FileResult] = field(default_factory=list)
    interrupted: bool = True
    reason: str = ""


def load_files(
    con: duckdb.DuckDBPyConnection,
    paths: Iterable[Path],
    config: dict | None = None,
    *,
    workdir: Path | None = None,
    on_file: Callable[[Path], None] | None = None,
    on_result: Callable[[FileResult], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> list[FileResult]:
    """Load every file (folders walked, archives unpacked into `workdir` within the settings'
    [load] limits), each whole or not at all, then bring the marts up to date. A path that is
    not a regular file (a pipe, a device) is rejected with its reason, never opened.

    Raises Stopped when Ctrl-C or a database failure cuts the run short (the files before stay
    loaded, the marts are then behind: the next run catches them up), and ReferenceListError
    when the marts cannot be rebuilt for a reference list or rules file."""
    config = config if config is not None else load_config()
    limits = ArchiveLimits.from_config(config)
    loader = Loader(con, on_bytes=on_bytes)
    results: list[FileResult] = []
    for path in (f for p in paths for f in (expand_paths([p]) if p.is_dir() else [p])):
        if on_file is not None:
            on_file(path)
        current: tuple[Path, str] | None = None  # the file being loaded, and its name
        try:
            for item, shown, unreadable in files_in(path, workdir, limits):
                # an archive's progress is its own size, not that of the files inside
                loader.on_bytes = on_bytes if item == path else None
                current = (item, shown) if item is not None else None
                if unreadable is None:
                    result = loader.load(item, shown)
                else:  # an archive that cannot be opened, or a member of one
                    result = loader.record_unreadable(shown, unreadable)
                current = None
                results.append(result)
                if on_result is not None:
                    on_result(result)
        except KeyboardInterrupt:
            if current is None:
                where = f"while unpacking {path.name} (the member it was at is not loaded)"
            else:
                kept = "it is loaded" if loader.is_loaded(current[0]) else "nothing of it is kept"
                where = f"while loading {Path(current[1]).name} ({kept})"
            raise Stopped(where, results) from None
        except DatabaseWriteError as exc:
            name = Path(current[1]).name if current else path.name
            raise Stopped(f"at {name}", results, interrupted=False,
                          reason=exc.reason) from None  # fmt: skip
    with sigint_noted() as sigint:
        try:
            update_marts(con, config)
        except KeyboardInterrupt:
            raise Stopped("while the marts were being rebuilt", results) from None
        except duckdb.Error:
            # Ctrl-C inside some DuckDB calls (registering a table) comes out as another error.
            if sigint["seen"]:
                raise Stopped("while the marts were being rebuilt", results) from None
            raise
    return results


@contextmanager
def sigint_noted():
    """Notes whether Ctrl-C came (in the main thread; elsewhere it cannot), and otherwise
    leaves its handling as it was: KeyboardInterrupt."""
    noted = {"seen": False}
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return

    def note(signum, frame):
        noted["seen"] = True
        signal.default_int_handler(signum, frame)

    previous = signal.signal(signal.SIGINT, note)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)
