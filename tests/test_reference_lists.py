"""The CARC and RARC label lists ship as data and a user's folder replaces them (DOMAIN.md s. 4)."""

from __future__ import annotations

import csv
import os

import duckdb
import pyarrow as pa
import pytest
from unlisted.queries.marts import ReferenceListError, carc_labels, denial_categories, rarc_labels
from unlisted.queries.sql import ROOT

from .test_cli import ERA, unlisted

REFERENCE = ROOT / "reference"


def rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", ["carc", "rarc"])
def test_codes_are_unique_and_labels_short(name):
    listed = rows(name)
    codes = [r["code"] for r in listed]
    assert len(codes) == len(set(codes)) > 50
    assert all(r["label"].strip() for r in listed)
    too_long = [(r["code"], r["label"]) for r in listed if len(r["label"]) > 50]
    assert too_long == []


def test_every_categorised_carc_has_a_label():
    labelled = {r["code"] for r in rows("carc")}
    assert {r["carc"] for r in rows("denial_category")} - labelled == set()


def test_the_codes_the_domain_names_are_listed_and_retired_n29_is_not():
    rarcs = {r["code"] for r in rows("rarc")}
    assert {"N350", "M127", "N706", "M62", "N20", "MA130", "N290", "M51", "N657"} <= rarcs
    assert "N29" not in rarcs
    carcs = {r["code"]: r["label"] for r in rows("carc")}
    assert {"1", "2", "3", "23", "45", "253", "A1"} <= carcs.keys()
    assert "nlisted" in carcs["189"]


def test_shipped_lists_load_as_tables(monkeypatch):
    monkeypatch.delenv("UNLISTED_REFERENCE_DIR", raising=False)
    assert carc_labels().column_names == ["code", "label"]
    assert rarc_labels().num_rows == len(rows("rarc"))
    assert denial_categories().schema.field("is_denial").type == pa.bool_()


def test_a_broken_replacement_is_refused_with_its_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("UNLISTED_REFERENCE_DIR", str(tmp_path))
    (tmp_path / "carc.csv").write_text("code,label\n16,Missing info\n16,Again\n")
    with pytest.raises(ReferenceListError, match="line 3: code 16 is listed twice"):
        carc_labels()
    (tmp_path / "rarc.csv").write_text("code,text\nN350,x\n")
    with pytest.raises(ReferenceListError, match="needs the column"):
        rarc_labels()
    monkeypatch.setenv("UNLISTED_REFERENCE_DIR", str(tmp_path / "missing"))
    with pytest.raises(ReferenceListError, match="is not a folder"):
        carc_labels()


def test_reference_dir_replaces_a_list_without_a_code_change(tmp_path):
    mine = tmp_path / "reference"
    mine.mkdir()
    # As a spreadsheet saves it: byte order mark, CRLF, an extra column.
    (mine / "carc.csv").write_text(
        "\ufeffcode,label,note\r\n131,Our own label for 131,x\r\n45,Fee schedule cut,\r\n",
        encoding="utf-8",
    )
    db = tmp_path / "x.duckdb"
    env = {**os.environ, "UNLISTED_REFERENCE_DIR": str(mine)}
    result = unlisted("load", ERA, "--db", db, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT code, label FROM carc_label ORDER BY code").fetchall() == [
            ("131", "Our own label for 131"), ("45", "Fee schedule cut"),
        ]  # fmt: skip
        labelled = con.execute(
            "SELECT DISTINCT l.label FROM adjustment a JOIN carc_label l ON l.code = a.reason_code"
        ).fetchall()
        assert labelled == [("Our own label for 131",)]
        # The lists not in the folder stay as shipped.
        assert con.execute("SELECT count(*) FROM rarc_label").fetchone()[0] == len(rows("rarc"))
        assert con.execute("SELECT count(*) FROM denial_category").fetchone()[0] == len(
            rows("denial_category")
        )
