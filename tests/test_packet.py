"""The audit packet (docs/compliance.md): a sample's and a worklist's workbook read back with
openpyxl (sheets, row counts, exact figures, neutralised text) and the PDF rendered to PNG with
poppler's pdftoppm (first pages saved to tests/artifacts/packet/ for a look)."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pytest
from unlisted.queries import packet as packet_queries
from unlisted.queries import sampling

from tests.test_sampling import practice, shown_lines, text_of, unlisted  # noqa: F401
from unlisted.packet_writer import latin, write_pdf

ARTIFACTS = Path(__file__).parent / "artifacts" / "packet"


@pytest.fixture
def db(practice, tmp_path):  # noqa: F811 (the demo practice of tests/test_sampling.py)
    copy = tmp_path / "unlisted.duckdb"
    shutil.copy(practice, copy)
    return copy


def sheet_rows(book, name: str) -> list[dict]:
    rows = list(book[name].iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def render(pdf: Path, name: str) -> list[Path]:
    """Every page of the PDF as PNG in tests/artifacts/packet/ (pdftoppm), or skip."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    run = subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(ARTIFACTS / name)],
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    pages = sorted(ARTIFACTS.glob(f"{name}-*.png"))
    assert pages
    return pages


def not_blank(png: Path) -> None:
    from PIL import Image

    with Image.open(png) as image:
        assert image.width > 500 and image.height > 700  # portrait at 80 dpi
        dark = sum(image.convert("L").histogram()[:128])
    assert dark > 2000  # text, rules and bars were drawn


def pdf_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    run = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def review(db, tmp_path, sample_id: int) -> list[dict]:
    """Every third line found overpaid by half; the second line underpaid by $5 (audited above
    paid); notes that look like formulas."""
    lines = shown_lines(db, sample_id)
    rows = ["claim_line_id,audited_amount,note"]
    for k, r in enumerate(lines):
        paid = Decimal(r["paid_amount"])
        audited = (paid / 2).quantize(Decimal("0.01")) if k % 3 == 0 else paid
        if k == 1:
            audited = paid + 5
        rows.append(f"{r['claim_line_id']},{audited},=HYPERLINK(\"x\") k{k}")
    path = tmp_path / f"review-{sample_id}.csv"
    path.write_text("\n".join(rows) + "\n")
    done = unlisted("sample", "review", sample_id, path, "--db", db)
    assert done.returncode == 0, done.stderr
    return shown_lines(db, sample_id)


def test_sample_packet_workbook_and_pdf(db, tmp_path):
    assert unlisted("sample", "draw", "--db", db, "--size", 25, "--seed", 424242).returncode == 0
    reviewed = review(db, tmp_path, 1)
    out = tmp_path / "packet"
    made = unlisted("sample", "packet", 1, "--out", out, "--db", db)
    assert made.returncode == 0, made.stderr
    assert "They contain PHI" in text_of(made)
    xlsx, pdf = out / "sample-1.xlsx", out / "sample-1.pdf"
    assert xlsx.is_file() and pdf.is_file()

    with duckdb.connect(str(db), read_only=True) as con:
        frame_size, frame_paid = con.execute(
            "SELECT frame_size, frame_total_paid FROM audit_sample WHERE sample_id = 1").fetchone()
        ids = [int(r["claim_line_id"]) for r in reviewed]
        findings = con.execute("SELECT count(*) FROM rule_finding"
                               " WHERE list_contains($ids, claim_line_id)",
                               {"ids": ids}).fetchone()[0]  # fmt: skip
        result = sampling.appraise(con, 1)

    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["Summary", "Frame", "Lines", "Findings", "Appraisal"]
    lines = sheet_rows(book, "Lines")
    frame = sheet_rows(book, "Frame")
    found = sheet_rows(book, "Findings")
    assert len(lines) == 25
    assert len(frame) == frame_size
    assert len(found) == findings > 0
    # Lines: in selection order, the paid amount at sampling and the review, as numbers.
    assert [r["claim_line_id"] for r in lines] == ids
    for got, shown in zip(lines, reviewed, strict=True):
        assert got["paid_at_sampling"] == float(Decimal(shown["paid_amount"]))
        assert got["audited_amount"] == float(Decimal(shown["audited_amount"]))
        assert got["difference"] == pytest.approx(
            float(Decimal(shown["paid_amount"]) - Decimal(shown["audited_amount"])), abs=1e-9)
        assert got["in_error"] is (shown["in_error"] == "true")
        assert got["review_note"].startswith("'=HYPERLINK")  # neutralised, not a formula
        assert got["elements_present"] == len([e for e in (got["elements_found"] or "").split(", ")
                                               if e])  # fmt: skip
    assert lines[1]["difference"] == -5.0  # underpaid line
    # Frame: every frame line once, the sampled ones with their selection order.
    assert sum(r["net_paid"] for r in frame) == pytest.approx(float(frame_paid), abs=0.005)
    in_sample = {r["claim_line_id"]: r["selection_order"] for r in frame if r["selection_order"]}
    assert in_sample == {line_id: k for k, line_id in enumerate(ids, start=1)}
    # Findings: the rule_finding rows of the sampled lines.
    assert {r["claim_line_id"] for r in found} <= set(ids)
    assert sum(r["findings"] for r in lines) == findings
    # Summary and appraisal: the figures of queries/sampling, exactly.
    summary = {r["item"]: r["value"] for r in sheet_rows(book, "Summary")}
    assert summary["seed"] == "424242"  # a seed is an identifier, not an amount
    assert summary["frame size (lines)"] == frame_size
    assert summary["frame net paid"] == pytest.approx(float(frame_paid))
    assert summary["lines reviewed"] == 25
    appraisal = {r["figure"]: r["value"] for r in sheet_rows(book, "Appraisal")}
    variables, attributes = result["variables"], result["attributes"]
    assert appraisal["variables.point_estimate"] == pytest.approx(variables["point_estimate"],
                                                                  rel=1e-14)  # fmt: skip
    assert appraisal["variables.one_sided_lower"] == pytest.approx(variables["one_sided_lower"],
                                                                   rel=1e-14)  # fmt: skip
    assert appraisal["attributes.errors"] == attributes["errors"]
    assert appraisal["attributes.limits"] == attributes["limits"]
    book.close()
    # Money cells carry 2 decimals; rates are percentages.
    styled = openpyxl.load_workbook(xlsx)
    lines_sheet = styled["Lines"]
    header = [c.value for c in lines_sheet[1]]
    assert lines_sheet.cell(2, header.index("paid_at_sampling") + 1).number_format == "#,##0.00"
    assert lines_sheet.cell(2, header.index("service_date") + 1).is_date
    rates = {row[0].value: row[2].number_format for row in styled["Appraisal"].iter_rows(min_row=2)}
    assert rates["attributes.error_rate"] == "0.00%"
    assert rates["variables.point_estimate"] == "#,##0.00"

    text = pdf_text(pdf)
    assert "Audit packet: sample 1" in text
    assert "Contains PHI - handle accordingly" in text
    assert f"${variables['point_estimate']:,.2f}" in text
    assert "Overpayment in the sample by payer" in text and "by rule (count)" in text
    pages = render(pdf, "sample-1")
    assert len(pages) == int(text.count("Contains PHI")) >= 1
    assert f"Page 1 of {len(pages)}" in text
    for page in pages:
        not_blank(page)


def test_stratified_unreviewed_sample_packet(db, tmp_path):
    drawn = unlisted("sample", "draw", "--db", db, "--size", 20, "--seed", 5, "--stratify", "payer")
    assert drawn.returncode == 0, drawn.stderr
    made = unlisted("sample", "packet", 1, "--out", tmp_path, "--db", db, "--paper", "Letter")
    assert made.returncode == 0, made.stderr
    book = openpyxl.load_workbook(tmp_path / "sample-1.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Frame", "Lines", "Findings", "Appraisal"]
    appraisal = sheet_rows(book, "Appraisal")
    assert len(appraisal) == 1 and "20 of 20 lines are not reviewed yet" in appraisal[0]["label"]
    lines = sheet_rows(book, "Lines")
    assert len(lines) == 20 and all(r["stratum"] == r["payer_id"] for r in lines)
    frame = sheet_rows(book, "Frame")
    assert all(r["stratum"] == r["payer_id"] for r in frame)
    with duckdb.connect(str(db), read_only=True) as con:
        record = sampling.sample_record(con, 1)
    assert len(frame) == record["frame_size"]
    text = pdf_text(tmp_path / "sample-1.pdf")
    assert "not appraised" in text and "Paid in the sample by stratum" in text
    pages = render(tmp_path / "sample-1.pdf", "sample-stratified")
    not_blank(pages[0])
    missing = unlisted("sample", "packet", 7, "--out", tmp_path, "--db", db)
    assert missing.returncode == 1 and "There is no sample 7" in text_of(missing)


def test_worklist_packet(db, tmp_path):
    made = unlisted("rules", "packet", "--db", db, "--payer", "SUMMIT01", "--min-score", 6,
                    "--out", tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    xlsx = next(tmp_path.glob("worklist-*.xlsx"))
    pdf = xlsx.with_suffix(".pdf")
    with duckdb.connect(str(db), read_only=True) as con:
        frame_size = con.execute("SELECT count(*) FROM line_adjudication WHERE procedure_code ="
                                 " '97139' AND payer_id = 'SUMMIT01'").fetchone()[0]  # fmt: skip
        ids = [r[0] for r in con.execute(
            "SELECT a.claim_line_id FROM line_adjudication a JOIN claim_risk r USING (claim_id)"
            " WHERE a.procedure_code = '97139' AND a.payer_id = 'SUMMIT01' AND r.findings > 0"
            " AND r.score >= 6").fetchall()]  # fmt: skip
        findings = con.execute("SELECT count(*) FROM rule_finding"
                               " WHERE list_contains($ids, claim_line_id)",
                               {"ids": ids}).fetchone()[0]  # fmt: skip
    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames == ["Summary", "Frame", "Lines", "Findings"]
    lines = sheet_rows(book, "Lines")
    assert 0 < len(lines) < frame_size
    assert sorted(r["claim_line_id"] for r in lines) == sorted(ids)
    scores = [r["claim_score"] for r in lines]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 6
    assert len(sheet_rows(book, "Frame")) == frame_size
    assert len(sheet_rows(book, "Findings")) == findings
    summary = {r["item"]: r["value"] for r in sheet_rows(book, "Summary")}
    assert summary["filter payers"] == "SUMMIT01" and summary["selected lines"] == len(ids)
    # Every data sheet: the header row frozen and a filter over every column; names beside ids.
    full = openpyxl.load_workbook(xlsx)
    for name in ("Frame", "Lines", "Findings"):
        sheet = full[name]
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" \
            f"{sheet.max_row}"  # fmt: skip
    header = [c.value for c in full["Findings"][1]]
    assert {"payer_id", "payer_name", "rendering_npi", "rendering_name", "rule",
            "rule_label"} <= set(header)  # fmt: skip
    text = pdf_text(pdf)
    assert "Audit packet: worklist selection" in text and "Contains PHI" in text
    not_blank(render(pdf, "worklist")[0])
    refused = unlisted("rules", "packet", "--db", db, "--out", tmp_path, "--paper", "A3")
    assert refused.returncode == 2
    # `unlisted rules` alone is still the worklist.
    plain = unlisted("rules", "--db", db, "--payer", "SUMMIT01", "--format", "csv")
    assert plain.returncode == 0 and plain.stdout.startswith("claim_id,")


def test_pdf_text_and_negative_bars(tmp_path):
    """Characters outside Latin-1 are spelled out; a negative bar is drawn left of the axis."""
    import polars as pl

    assert latin("a \u2014 b \u2264 c \u4e2d") == "a - b <= c ?"
    chart = packet_queries.Chart("Overpayment \u2014 by payer", ["A", "B \u2264"], [-12.5, 40.0],
                                 money=True)  # fmt: skip
    empty = pl.DataFrame()
    made = packet_queries.Packet("worklist", "toy", "Toy \u2014 packet", [("x", "y")], empty,
                                 empty, empty, [chart, packet_queries.Chart("none", [], [])])
    write_pdf(made, tmp_path / "toy.pdf")
    text = pdf_text(tmp_path / "toy.pdf")
    assert "-$12.50" in text and "$40.00" in text and "Nothing to chart." in text
