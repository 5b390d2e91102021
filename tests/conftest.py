from __future__ import annotations

import csv
import logging
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

try:
    import xdist  # noqa: F401 (pyproject's addopts run the tests in parallel with it)
    from unlisted.etl.database import connect
    from unlisted.etl.load import Loader
except ModuleNotFoundError as missing:  # a checkout never installed, or without its test tools
    pytest.exit(f"unlisted or its test tools are not installed ({missing}): install them first, "
                'pip install -c constraints.txt -e ".[test]" (README)', returncode=4)

DATA = Path(__file__).parent / "data"
SAMPLES = DATA / "x12-samples"


@dataclass(frozen=True)
class Sample:
    path: Path
    transaction: str
    notes: str

    @property
    def id(self) -> str:
        return self.path.name


def manifest() -> list[Sample]:
    with (SAMPLES / "MANIFEST.tsv").open(encoding="utf-8") as f:
        return [
            Sample(SAMPLES / row["local_path"], row["transaction"], row["notes"])
            for row in csv.DictReader(f, delimiter="\t")
        ]


@pytest.fixture
def db(tmp_path):
    con = connect(tmp_path / "test.duckdb")
    yield con
    con.close()


@pytest.fixture
def loader(db):
    return Loader(db)


# The settings that change what the scenario's marts hold: a scenario is built for each.
SCENARIO_SETTINGS = ("UNLISTED_RULES", "UNLISTED_CONFIG", "UNLISTED_REFERENCE_DIR")
_SCENARIOS: dict[tuple, Path] = {}


@pytest.fixture
def scenario_db(tmp_path, tmp_path_factory):
    """The hand-built practice of test_line_adjudication, loaded, marts built, file closed: built
    once per test process (for the settings in force), and its folder copied for each test."""
    from .test_line_adjudication import build_scenario

    key = tuple(os.environ.get(name) for name in SCENARIO_SETTINGS)
    if key not in _SCENARIOS:
        folder = tmp_path_factory.mktemp("scenario")
        con = connect(folder / "test.duckdb")
        build_scenario(folder, Loader(con), con)
        con.close()  # the app reads a snapshot; a writer holding the file would only delay it
        _SCENARIOS[key] = folder
    for source in _SCENARIOS[key].iterdir():
        if source.is_file():
            shutil.copyfile(source, tmp_path / source.name)
    return tmp_path / "test.duckdb"


# -- no patient in any log written during the tests ---------------------------------------------
class EveryRecord(logging.Handler):
    """Keeps every log record of the test run, formatted with its traceback."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(f"{record.name}: {record.getMessage()} {record.exc_text or ''}")
        except Exception:  # a record that cannot be formatted is not a leak
            pass


def patients_in(folder: Path) -> set[str]:
    """Member ids and patient names of every database the tests made: 'LAST' alone is too
    common a word, so names are looked for as written in X12 and in text (LAST*FIRST,
    LAST, FIRST and FIRST LAST) and member ids whole."""
    import duckdb

    found: set[str] = set()
    for path in folder.rglob("*.duckdb"):
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                rows = con.execute(
                    "SELECT DISTINCT subscriber_member_id, patient_last_name, patient_first_name "
                    "FROM claim").fetchall()  # fmt: skip
        except duckdb.Error:  # broken on purpose, locked, or no claim table
            continue
        for member, last, first in rows:
            if member:
                found.add(member)
            if last and first:
                found.update({f"{last}*{first}", f"{last}, {first}", f"{first} {last}"})
    return found


@pytest.fixture(scope="session", autouse=True)
def logs_name_no_patient(tmp_path_factory):
    """After the whole run: no log record and no access log names a patient of the test data
    (fails the run at its end otherwise)."""
    import sqlite3

    collector = EveryRecord()
    root = logging.getLogger()
    level = root.level
    root.addHandler(collector)
    root.setLevel(logging.INFO)
    yield
    root.removeHandler(collector)
    root.setLevel(level)
    folder = tmp_path_factory.getbasetemp()
    texts = list(collector.lines)
    for store in folder.rglob("*.access.sqlite"):
        with sqlite3.connect(store) as con:
            texts += [" ".join(map(str, row)) for row in con.execute("SELECT * FROM access_log")]
    texts += [p.read_text(errors="replace") for p in folder.rglob("*.log")]
    patients = patients_in(folder)
    leaked = sorted({p for p in patients for t in texts if re.search(
        rf"(?<![A-Za-z0-9]){re.escape(p)}(?![A-Za-z0-9])", t)})  # fmt: skip
    assert not leaked, f"{len(leaked)} patient identities in the logs, e.g. {leaked[:3]}"


# Markers by module, so that a developer can run the fast set (`pytest -m "not slow and not
# browser"`, under two minutes) while CI runs everything. A module is slow when it generates a
# practice, runs many property examples, or sweeps every route, role and sample file (a dashboard
# or a validator per case); browser modules drive Chromium.
BROWSER_MODULES = {"test_dashboard_browser", "test_accessibility"}
SLOW_MODULES = {
    "test_metrics", "test_sampling", "test_synthetic", "test_mutations", "test_kill",
    "test_pathological_shapes", "test_dashboard_concurrent_load", "test_snapshot",
    "test_line_outcome_property", "test_hostile_files", "test_idempotence", "test_access_cli",
    "test_packet", "test_denial_model", "test_access", "test_web_security", "test_x12_samples",
}  # fmt: skip


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module in BROWSER_MODULES:
            item.add_marker(pytest.mark.browser)
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
