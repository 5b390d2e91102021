from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest
from unlisted.etl.database import connect
from unlisted.etl.load import Loader

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
