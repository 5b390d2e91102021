"""The CARC and RARC label lists ship as data and a user's folder replaces them (docs/denial-categories.md)."""

from __future__ import annotations

import csv
import os
import re
from collections import defaultdict

import duckdb
import pyarrow as pa
import pytest
from unlisted.queries.marts import (
    ReferenceListError,
    carc_labels,
    denial_categories,
    rarc_labels,
)
from unlisted.queries.sql import ROOT

from .test_cli import ERA, unlisted
from .test_remittance_edge_cases import load
from .x12build import claim_header, interchange, remit_header, subscriber

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
    (tmp_path / "carc.csv").write_text("code,label\n16,Missing info\n16,Again\n")
    with pytest.raises(ReferenceListError, match="line 3: code 16 is listed twice"):
        carc_labels(tmp_path)
    (tmp_path / "rarc.csv").write_text("code,text\nN350,x\n")
    with pytest.raises(ReferenceListError, match="needs the column"):
        rarc_labels(tmp_path)
    with pytest.raises(ReferenceListError, match="is not a folder"):
        carc_labels(tmp_path / "missing")


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


# The categories the project ships (docs/denial-categories.md): key -> (label, is_denial).
CATEGORIES = {
    "documentation": ("Documentation / information", True),
    "medical_necessity": ("Medical necessity", True),
    "authorization": ("Authorization / referral", True),
    "bundling": ("Bundling / NCCI", True),
    "coding": ("Coding / unlisted misuse", True),
    "benefit_limit": ("Benefit limit", True),
    "timely_filing": ("Timely filing", True),
    "non_covered": ("Non-covered", True),
    "eligibility": ("Eligibility / coordination of benefits", True),
    "credentialing": ("Provider / credentialing", True),
    "billing_error": ("Billing / submission error", True),
    "appeal": ("Appeal rules / decision upheld", True),
    "other": ("Other denial", True),
    "duplicate": ("Duplicate", False),
    "pending": ("Pending (not a denial yet)", False),
    "not_denial": ("Not a denial", False),
}

# The project's starting assignments (its first, shorter list), code by code: they must hold.
STARTING_ASSIGNMENTS = {
    "documentation": "16 112 163 164 226 250 251 252 B12",
    "medical_necessity": "11 50 55 56 150 151 152 167 272",
    "authorization": "15 39 197 198 243 284 288 296",
    "bundling": "97 231 234 236 B15",
    "coding": "4 5 146 181 182 189",
    "benefit_limit": "35 119 149 273",
    "timely_filing": "29",
    "non_covered": "49 96 204",
    "eligibility": "22 24 26 27 31 32 109 140 200",
    "credentialing": "8 170 171 172 183 185 206 207 208 242 B7",
    "duplicate": "18",
    "pending": "133",
}


def categories() -> dict[str, dict[str, str]]:
    return {r["carc"]: r for r in rows("denial_category")}


def test_the_carc_list_is_complete_with_status_and_source():
    """Every code of the X12 list, 1-308 and the letter series, deactivated ones included."""
    listed = {r["code"]: r for r in rows("carc")}
    expected = (
        {str(n) for n in range(1, 309)}
        | {f"A{n}" for n in range(0, 9)}
        | {f"B{n}" for n in range(1, 24)}
        | {f"D{n}" for n in range(1, 24)}
        | {f"P{n}" for n in range(1, 33)}
        | {f"W{n}" for n in range(1, 10)}
        | {f"Y{n}" for n in range(1, 4)}
    )
    assert expected - listed.keys() == set()
    assert all(re.fullmatch(r"[1-9][0-9]{0,2}|[A-Z][0-9]{1,2}", code) for code in listed)
    assert {r["status"] for r in listed.values()} == {"active", "deactivated"}
    for code, r in listed.items():
        if r["deactivated"]:
            assert r["status"] == "deactivated", code
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["deactivated"]), code
        assert "X12" in r["source"] and re.search(r"\b20\d\d-\d\d\b", r["source"]), code
    # Retired codes stay listed (an old remittance still carries them), with their status.
    assert listed["125"]["status"] == listed["A2"]["status"] == "deactivated"
    assert listed["45"]["status"] == listed["A1"]["status"] == "active"


def test_every_carc_has_exactly_one_category_row():
    with (REFERENCE / "denial_category.csv").open(encoding="utf-8") as f:
        keys = [r["carc"] for r in csv.DictReader(f)]
    assert sorted(keys) == sorted(r["code"] for r in rows("carc"))
    assert len(keys) == len(set(keys))


def test_categories_come_from_the_known_set_with_one_label_and_flag_each():
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for r in rows("denial_category"):
        found[r["category"]].add((r["category_label"], r["is_denial"]))
    assert found.keys() <= CATEGORIES.keys()
    for key, seen in found.items():
        label, denial = CATEGORIES[key]
        assert seen == {(label, str(denial).lower())}, key
    assert all(r["source"] for r in rows("denial_category"))


def test_the_starting_assignments_hold():
    listed = categories()
    for category, carcs in STARTING_ASSIGNMENTS.items():
        for carc in carcs.split():
            assert listed[carc]["category"] == category, carc
    for carc in ("1", "2", "3", "23", "45", "253"):
        assert (listed[carc]["category"], listed[carc]["is_denial"]) == ("not_denial", "false")
    # Other code reads 18 and 133 this way: listed, but they do not deny.
    assert (listed["18"]["category"], listed["18"]["is_denial"]) == ("duplicate", "false")
    assert (listed["133"]["category"], listed["133"]["is_denial"]) == ("pending", "false")
    assert listed["A1"]["category"] == "other" and listed["A1"]["is_denial"] == "true"
    assert listed["125"]["category"] == "billing_error" and listed["125"]["is_denial"] == "true"
    # A reporting-only code (functional G-codes in therapy) is not a refusal to pay.
    assert listed["246"]["is_denial"] == "false"


def test_the_shipped_categories_load_and_cover_the_labels(monkeypatch):
    monkeypatch.delenv("UNLISTED_REFERENCE_DIR", raising=False)
    table = denial_categories()
    assert table.num_rows == carc_labels().num_rows == len(rows("carc"))
    flags = dict(zip(table["carc"].to_pylist(), table["is_denial"].to_pylist(), strict=True))
    assert flags["16"] is True and flags["45"] is False and flags["18"] is False


def test_a_zero_pay_line_is_denied_by_any_listed_refusal_and_not_by_a_non_denial(
    tmp_path, loader, db
):
    """Zero-pay lines answered with the generic A1, the retired 125, and the reporting-only 246:
    the first two are denials with their category, the last is not a denial."""
    claims = claim_header() + subscriber(2, payer="PAYER01")
    for pcn in ("R1", "R2", "R3"):
        claims += [f"CLM*{pcn}*100***11:B:1*Y*A*Y*Y", "LX*1", "SV1*HC:97139:GP*100*UN*1***1",
                   "DTP*472*D8*20261102", f"REF*6R*{pcn}-1"]  # fmt: skip
    remits = remit_header("0", trace="RUNR")
    for pcn, cas in (("R1", "CAS*CO*A1*100"), ("R2", "CAS*CO*125*100"), ("R3", "CAS*CO*246*100")):
        remits += [f"CLP*{pcn}*1*100*0*0*12*ICN-{pcn}", "NM1*QC*1*TESTER*PAT****MI*M0001",
                   "SVC*HC:97139:GP*100*0**1", "DTM*472*20261102", cas, f"REF*6R*{pcn}-1"]  # fmt: skip
    load(tmp_path, loader, db, {"r.837": interchange([claims], control=1),
                                "r.835": interchange([remits], kind="835", control=2)})
    assert db.execute(
        "SELECT c.patient_control_number, e.denied, e.denial_carc, e.denial_category "
        "FROM adjudication_event e JOIN claim_line USING (claim_line_id) JOIN claim c "
        "USING (claim_id) ORDER BY 1"
    ).fetchall() == [
        ("R1", True, "A1", "other"),
        ("R2", True, "125", "billing_error"),
        ("R3", False, None, None),
    ]
