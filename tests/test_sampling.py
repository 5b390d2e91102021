"""Audit sampling: reproducible and uniform selection, stratified allocation, sample size, and
appraisal figures checked against textbook formulas written out here; the CLI end to end."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import random
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal

import duckdb
import polars as pl
import pytest
from unlisted.queries import sampling
from unlisted.queries.metrics import Filters


def toy_frame(values: list[str], payers: list[str] | None = None) -> sampling.Frame:
    n = len(values)
    lines = pl.DataFrame({
        "claim_line_id": list(range(101, 101 + n)),
        "payer_id": payers or ["P1"] * n,
        "rendering_npi": ["1"] * n,
        "net_paid": [Decimal(v) for v in values],
    }, schema_overrides={"net_paid": pl.Decimal(18, 2)})  # fmt: skip
    return sampling.Frame(Filters(codes=("97139",)), lines)


# ---- selection --------------------------------------------------------------------------------


def test_same_seed_same_sample_other_seed_other_sample():
    fr = toy_frame([f"{k}.00" for k in range(500)])
    first = sampling.draw(fr, 30, seed=2024)
    again = sampling.draw(fr, 30, seed=2024)
    other = sampling.draw(fr, 30, seed=2025)
    assert first.positions == again.positions
    assert first.positions != other.positions
    assert len(set(first.positions)) == 30  # without replacement
    assert sampling.unrestricted(20, 50, 1) == sampling.unrestricted(20, 20, 1)  # whole frame


def test_selection_is_uniform_over_many_seeds():
    """400 seeds, 5 of 20 lines: every line's inclusion count should be ~100. Chi-square
    goodness of fit with 19 degrees of freedom (the counts sum to 2000)."""
    from scipy.stats import chisquare

    counts = Counter()
    first = Counter()
    for seed in range(400):
        chosen = sampling.unrestricted(20, 5, seed)
        counts.update(chosen)
        first[chosen[0]] += 1
    observed = [counts[i] for i in range(20)]
    assert sum(observed) == 2000
    statistic = sum((o - 100) ** 2 / 100 for o in observed)
    assert chisquare(observed).statistic == pytest.approx(statistic)
    assert chisquare(observed).pvalue > 0.001
    assert statistic < 43.82  # chi-square 0.999 quantile, 19 df (tables)
    # The first selected line is uniform too (expected 20 each).
    assert chisquare([first[i] for i in range(20)]).pvalue > 0.001


def test_stratified_sample_is_uniform_within_strata():
    payers = ["A"] * 10 + ["B"] * 30
    fr = toy_frame(["1.00"] * 40, payers)
    counts = Counter()
    for seed in range(300):
        drawn = sampling.draw(fr, 8, seed, stratify="payer")
        assert Counter(drawn.stratum_of) == {"A": 2, "B": 6}
        counts.update(drawn.positions)
    from scipy.stats import chisquare

    assert chisquare([counts[i] for i in range(10)]).pvalue > 0.001  # A: 2/10 each time
    assert chisquare([counts[i] for i in range(10, 40)]).pvalue > 0.001


@pytest.mark.parametrize("sizes, n, allocation, expected", [
    ([50, 30, 20], 10, "proportional", [5, 3, 2]),
    ([1, 1, 98], 10, "proportional", [1, 1, 8]),     # min(2, N_h) = 1 for the tiny strata
    ([5, 200, 795], 20, "proportional", [2, 4, 14]),  # 0.1 -> 2 (the floor), rest 18 by 200:795
    ([100, 100, 3], 10, "equal", [4, 3, 3]),         # 3.33 > 3 caps the third; 3.5/3.5, tie to first
    ([10, 10, 10], 7, "equal", [3, 2, 2]),
])  # fmt: skip
def test_allocation_worked_examples(sizes, n, allocation, expected):
    assert sampling.allocate(sizes, n, allocation) == expected


def test_allocation_sums_to_the_requested_size():
    rng = random.Random(7)
    for _ in range(2000):
        sizes = [rng.randint(1, 60) for _ in range(rng.randint(1, 8))]
        low = sum(min(2, s) for s in sizes)
        n = rng.randint(low, sum(sizes))
        for allocation in ("proportional", "equal"):
            got = sampling.allocate(sizes, n, allocation)
            assert sum(got) == n
            assert all(min(2, s) <= g <= s for g, s in zip(got, sizes, strict=True))
    with pytest.raises(sampling.SamplingError, match="at least 6"):
        sampling.allocate([10, 10, 10], 5)


def test_paid_strata_equal_count_and_given_cuts():
    fr = toy_frame([f"{k}.00" for k in range(1, 91)])  # 1..90
    drawn = sampling.draw(fr, 12, 3, stratify="paid", strata=3)
    assert [s["frame_size"] for s in drawn.strata] == [30, 30, 30]
    assert [s["stratum"] for s in drawn.strata] == [
        "paid <= 30.00", "30.00 < paid <= 60.00", "paid > 60.00"]
    assert sum(s["sample_size"] for s in drawn.strata) == 12
    cut = sampling.draw(fr, 10, 3, stratify="paid", cuts=[Decimal("10")])
    assert [(s["stratum"], s["frame_size"], s["sample_size"]) for s in cut.strata] == [
        ("paid <= 10.00", 10, 2), ("paid > 10.00", 80, 8)]
    for position, stratum in zip(cut.positions, cut.stratum_of, strict=True):
        paid = fr.lines["net_paid"][position]
        assert (paid <= 10) == (stratum == "paid <= 10.00")


# ---- sample size ------------------------------------------------------------------------------


def test_sample_size_formula():
    # n0 = (z s / E)^2 with z(90% two-sided) = 1.6449; n = n0 / (1 + n0 / N)
    got = sampling.sample_size_variables(552, sd=30, precision=5, confidence=0.9)
    n0 = (1.644854 * 30 / 5) ** 2
    assert got["n0"] == pytest.approx(n0, rel=1e-5)
    assert got["n_fpc"] == pytest.approx(n0 / (1 + n0 / 552), rel=1e-5)
    assert got["sample_size"] == 83
    # The suggested n reaches the precision: z s / sqrt(n) sqrt(1 - n/N) <= E
    n = got["sample_size"]
    assert 1.644854 * 30 / math.sqrt(n) * math.sqrt(1 - n / 552) <= 5
    attributes = sampling.sample_size_attributes(10_000, rate=0.2, precision=0.05)
    n0 = 1.644854**2 * 0.2 * 0.8 / 0.05**2
    assert attributes["sample_size"] == math.ceil(n0 / (1 + n0 / 10_000))


# ---- appraisal: textbook formulas written out -------------------------------------------------

# Student t quantiles from printed tables: t(0.90, 9) and t(0.95, 9).
T90_9, T95_9 = 1.3830, 1.8331


def test_unrestricted_variable_appraisal_mean_per_unit_with_fpc():
    N = 100
    d = [0, 0, 10, 25, 0, 40, 5, 0, 15, 30]  # overpayment (paid - audited) of 10 lines
    n = len(d)
    mean = sum(d) / n  # 12.5
    s2 = sum((x - mean) ** 2 for x in d) / (n - 1)
    se_total = N * math.sqrt(s2 / n) * math.sqrt(1 - n / N)
    got = sampling.appraise_variables(d, N)
    assert got["mean"] == pytest.approx(12.5)
    assert got["sd"] == pytest.approx(math.sqrt(s2))
    assert got["point_estimate"] == pytest.approx(1250.0)
    assert got["standard_error"] == pytest.approx(se_total)
    assert got["degrees_of_freedom"] == 9
    assert got["one_sided_lower"] == pytest.approx(1250 - T90_9 * se_total, abs=0.05)
    assert got["one_sided_upper"] == pytest.approx(1250 + T90_9 * se_total, abs=0.05)
    assert got["two_sided_lower"] == pytest.approx(1250 - T95_9 * se_total, abs=0.05)
    assert got["two_sided_upper"] == pytest.approx(1250 + T95_9 * se_total, abs=0.05)
    # Spelled out: sum of squares 1912.5, s^2 = 212.5, SE = 100 sqrt(21.25) sqrt(0.9) = 437.32,
    # lower one-sided limit 1250 - 1.383 x 437.32 = 645.19
    assert s2 == 212.5
    assert se_total == pytest.approx(437.321, abs=1e-3)
    assert got["one_sided_lower"] == pytest.approx(645.19, abs=0.05)


def test_stratified_variable_appraisal_with_fpc_and_satterthwaite():
    from scipy.stats import t

    strata = [(60, [0, 10, 20, 30]), (40, [5, 5, 15])]
    point, variance, parts = 0.0, 0.0, []
    for N, d in strata:
        n = len(d)
        mean = sum(d) / n
        s2 = sum((x - mean) ** 2 for x in d) / (n - 1)
        point += N * mean  # T = sum N_h mean_h
        term = N**2 * (1 - n / N) * s2 / n  # N_h^2 (1 - n_h/N_h) s_h^2 / n_h
        variance += term
        parts.append((term, n - 1))
    df = variance**2 / sum(v**2 / f for v, f in parts)  # Satterthwaite
    got = sampling.appraise_variables_stratified(strata)
    assert point == pytest.approx(60 * 15 + 40 * 25 / 3)
    assert got["point_estimate"] == pytest.approx(point)
    assert got["standard_error"] == pytest.approx(math.sqrt(variance))
    assert got["degrees_of_freedom"] == pytest.approx(df)
    se = math.sqrt(variance)
    assert got["one_sided_lower"] == pytest.approx(point - t.ppf(0.90, df) * se)
    assert got["two_sided_upper"] == pytest.approx(point + t.ppf(0.95, df) * se)
    # By hand: 60^2 (56/60) 166.667/4 + 40^2 (37/40) 33.333/3 = 140000 + 16444.44
    assert variance == pytest.approx(156444.444, abs=1e-2)


# Attribute appraisal (hypergeometric, binomial, stratified): tests/test_appraisal.py.


# ---- the database and the CLI -----------------------------------------------------------------


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sampling") / "demo"
    run = subprocess.run([sys.executable, "-m", "unlisted.cli", "demo", "--no-serve", "--dir",
                          str(folder), "--claims", "1500"], capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return folder / "unlisted.duckdb"


@pytest.fixture
def db(practice, tmp_path):
    copy = tmp_path / "unlisted.duckdb"
    shutil.copy(practice, copy)
    return copy


def unlisted(*args):
    # A console wide enough that no table label wraps into the next cell's words.
    return subprocess.run([sys.executable, "-m", "unlisted.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})  # fmt: skip


def text_of(result) -> str:
    return " ".join((result.stdout + result.stderr).replace("│", " ").split())


def shown_lines(db, sample_id) -> list[dict]:
    result = unlisted("sample", "show", sample_id, "--db", db, "--format", "csv")
    assert result.returncode == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_frame_is_the_filtered_lines_in_claim_line_order(db):
    with duckdb.connect(str(db), read_only=True) as con:
        fr = sampling.frame(con, Filters(codes=("97139",), payers=("SUMMIT01",)))
        expected = con.execute(
            "SELECT claim_line_id, net_paid FROM line_adjudication WHERE procedure_code = '97139'"
            " AND payer_id = 'SUMMIT01' ORDER BY claim_line_id").fetchall()  # fmt: skip
    assert fr.lines.select("claim_line_id", "net_paid").rows() == expected
    assert fr.total_paid == sum(p for _, p in expected)


def test_cli_draw_show_review_appraise(db, tmp_path):
    first = unlisted("sample", "draw", "--db", db, "--size", 25, "--seed", 8675309)
    assert first.returncode == 0, first.stderr
    assert "Sample 1: 25 of" in text_of(first)
    again = unlisted("sample", "draw", "--db", db, "--size", 25, "--seed", 8675309)
    assert "Sample 2: 25 of" in text_of(again)
    lines1, lines2 = shown_lines(db, 1), shown_lines(db, 2)
    assert [r["claim_line_id"] for r in lines1] == [r["claim_line_id"] for r in lines2]
    other = unlisted("sample", "draw", "--db", db, "--size", 25, "--seed", 1)
    assert other.returncode == 0
    assert [r["claim_line_id"] for r in shown_lines(db, 3)] != [r["claim_line_id"] for r in lines1]

    with duckdb.connect(str(db), read_only=True) as con:
        record = con.execute("SELECT method, seed, requested_size, frame_size, frame_total_paid,"
                             " program_version, frame_filters FROM audit_sample"
                             " WHERE sample_id = 1").fetchone()  # fmt: skip
        frame_size, total = con.execute(
            "SELECT count(*), sum(net_paid) FROM line_adjudication"
            " WHERE procedure_code = '97139'").fetchone()  # fmt: skip
    from unlisted import __version__

    assert record[:6] == ("unrestricted", 8675309, 25, frame_size, total, __version__)
    assert json.loads(record[6])["codes"] == ["97139"]
    show = unlisted("sample", "show", 1, "--db", db)
    assert "Frame unchanged" in text_of(show) and "Reviewed: 0 of 25" in text_of(show)

    # Review import errors: every bad row named, nothing written.
    sampled = [int(r["claim_line_id"]) for r in lines1]
    with duckdb.connect(str(db), read_only=True) as con:
        outside = con.execute("SELECT min(claim_line_id) FROM claim_line"
                              " WHERE NOT list_contains($ids, claim_line_id)",
                              {"ids": sampled}).fetchone()[0]  # fmt: skip
    bad = tmp_path / "bad.csv"
    bad.write_text("claim_line_id,audited_amount,note\n"
                   f"{sampled[0]},12.50,fine\n"
                   f"{sampled[1]},twelve,\n"
                   "99999999,1.00,\n"
                   f"{outside},1.00,\n"
                   f"{sampled[2]},-4.00,\n"
                   f"{sampled[0]},3.00,\n")  # fmt: skip
    refused = unlisted("sample", "review", 1, bad, "--db", db)
    assert refused.returncode == 1
    words = text_of(refused)
    assert "nothing written" in words
    assert "row 3: audited_amount 'twelve' is not an amount" in words
    assert "row 4: claim_line_id 99999999 is not a claim line of the database" in words
    assert f"row 5: claim line {outside} is not in sample 1" in words
    assert "row 6: audited_amount '-4.00'" in words
    assert f"row 7: claim line {sampled[0]} is listed twice (first on row 2)" in words
    assert "Traceback" not in words
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit_review").fetchone()[0] == 0
    not_yet = unlisted("sample", "appraise", 1, "--db", db)
    assert not_yet.returncode == 1 and "25 of 25 lines are not reviewed yet" in text_of(not_yet)

    # A good review: every third line found overpaid by half of what was paid.
    good = tmp_path / "good.csv"
    rows = ["claim_line_id,audited_amount,note"]
    for k, r in enumerate(lines1):
        paid = Decimal(r["paid_amount"])
        audited = (paid / 2).quantize(Decimal("0.01")) if k % 3 == 0 and paid > 0 else paid
        rows.append(f"{r['claim_line_id']},{audited},k{k}")
    good.write_text("\n".join(rows) + "\n")
    imported = unlisted("sample", "review", 1, good, "--db", db)
    assert imported.returncode == 0, imported.stderr
    assert "every line is reviewed" in text_of(imported)
    appraised = unlisted("sample", "appraise", 1, "--db", db, "--format", "json")
    assert appraised.returncode == 0, appraised.stderr
    got = json.loads(appraised.stdout)

    reviewed = shown_lines(db, 1)
    d = [float(Decimal(r["paid_amount"]) - Decimal(r["audited_amount"])) for r in reviewed]
    errors = sum(r["in_error"] == "true" for r in reviewed)
    assert errors == sum(x != 0 for x in d) > 0
    n, N = len(d), frame_size
    mean = sum(d) / n
    s2 = sum((x - mean) ** 2 for x in d) / (n - 1)
    se = N * math.sqrt(s2 / n * (1 - n / N))
    t90_24 = 1.3178  # t(0.90, 24 df), tables
    assert got["attributes"]["errors"] == errors
    assert got["variables"]["point_estimate"] == pytest.approx(N * mean)
    assert got["variables"]["standard_error"] == pytest.approx(se)
    assert got["variables"]["one_sided_lower"] == pytest.approx(N * mean - t90_24 * se, abs=0.1)
    table = text_of(unlisted("sample", "appraise", 1, "--db", db))
    assert "CMS contractors" in table and "HHS-OIG Office of Audit Services" in table
    assert "exact hypergeometric over the frame" in table


def test_cli_stratified_draw_and_appraise(db, tmp_path):
    drawn = unlisted("sample", "draw", "--db", db, "--size", 20, "--seed", 5,
                     "--stratify", "payer")  # fmt: skip
    assert drawn.returncode == 0, drawn.stderr
    lines = shown_lines(db, 1)
    assert len(lines) == 20
    with duckdb.connect(str(db), read_only=True) as con:
        strata = json.loads(con.execute("SELECT strata FROM audit_sample").fetchone()[0])
    assert sum(s["sample_size"] for s in strata["strata"]) == 20
    assert Counter(r["stratum"] for r in lines) == {
        s["stratum"]: s["sample_size"] for s in strata["strata"]}
    assert all(r["stratum"] == r["payer_id"] for r in lines)
    review = tmp_path / "review.csv"
    review.write_text("claim_line_id,audited_amount\n" + "".join(
        f"{r['claim_line_id']},{'0.00' if k % 4 == 0 else r['paid_amount']}\n"
        for k, r in enumerate(lines)))  # fmt: skip
    assert unlisted("sample", "review", 1, review, "--db", db).returncode == 0
    got = json.loads(unlisted("sample", "appraise", 1, "--db", db, "--format", "json").stdout)
    by = {}
    for r in shown_lines(db, 1):
        by.setdefault(r["stratum"], []).append(
            float(Decimal(r["paid_amount"]) - Decimal(r["audited_amount"])))
    expected = sum(s["frame_size"] * sum(by[s["stratum"]]) / len(by[s["stratum"]])
                   for s in strata["strata"])  # fmt: skip
    assert got["variables"]["point_estimate"] == pytest.approx(expected)
    assert "Satterthwaite" in got["variables"]["limits"]
    paid = unlisted("sample", "draw", "--db", db, "--size", 12, "--seed", 5,
                    "--stratify", "paid", "--cuts", "0,60")  # fmt: skip
    assert paid.returncode == 0, paid.stderr
    assert "paid <= 0.00" in text_of(paid) and "paid > 60.00" in text_of(paid)


def test_show_reports_a_changed_frame_and_size_suggestion(db):
    assert unlisted("sample", "draw", "--db", db, "--size", 10, "--seed", 3).returncode == 0
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE line_adjudication SET net_paid = net_paid + 1 WHERE claim_line_id = "
                    "(SELECT max(claim_line_id) FROM line_adjudication"
                    " WHERE procedure_code = '97139')")  # fmt: skip
    show = unlisted("sample", "show", 1, "--db", db)
    assert "The frame changed since the sample was drawn" in text_of(show)
    size = unlisted("sample", "size", "--db", db, "--probe-sd", 30, "--precision", 5,
                    "--format", "json")  # fmt: skip
    assert size.returncode == 0, size.stderr
    result = json.loads(size.stdout)
    N = result["frame_size"]
    n0 = (1.644854 * 30 / 5) ** 2
    assert result["sample_size"] == math.ceil(n0 / (1 + n0 / N) - 1e-9)
    missing = unlisted("sample", "show", 99, "--db", db)
    assert missing.returncode == 1 and "There is no sample 99" in text_of(missing)


def test_a_review_file_csv_cannot_read_is_a_clear_error(tmp_path):
    from unlisted.etl.audit import ReviewError, read_review_csv

    path = tmp_path / "review.csv"
    path.write_text('claim_line_id,audited_amount,note\n1,2,"' + "x" * 200_000 + '"\n')
    with pytest.raises(ReviewError, match="not a CSV file this program can read"):
        read_review_csv(path)


# ---- the Sampling page's command (appraisal end to end: tests/test_appraisal.py) --------------


def cli(*args):
    """The CLI in this process, on a console wide enough for the tables' labels."""
    from typer.testing import CliRunner

    from unlisted.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_the_sampling_page_draws_the_size_it_computes(db):
    """The page computes a sample size for its frame and shows the command that draws it; the
    command, run as shown, draws exactly that many lines from exactly that frame."""
    import shlex

    from unlisted.dashboard.app import create_app
    from unlisted.queries.metrics import Settings

    from tests.dash_calls import callback, find, page_body, signed_in, texts

    client = signed_in(create_app(db, Settings(), check_every=0))
    body = page_body(client, "sampling", pathname="/sampling")
    frame_size = find(body, id="sampling-frame-size")[0]["data"]
    assert texts(body)[2] == f"{frame_size:,} lines" and frame_size > 100
    inputs = [("sampling-sd", "value", 30), ("sampling-precision", "value", 5)]
    state = [("sampling-frame-size", "data", frame_size)]
    computed = callback(client, [("sampling-size", "children")], inputs, state)
    size = callback(client, [("sampling-n", "value")], inputs, state)["sampling-n"]["value"]
    assert size == sampling.sample_size_variables(frame_size, 30.0, 5.0)["sample_size"]
    assert texts(computed["sampling-size"]["children"])[0] == f"{size:,} lines"
    assert 2 < size < frame_size
    shown = callback(client, [("sampling-command", "children")],
                     [("sampling-n", "value", size), ("sampling-seed", "value", 424242),
                      ("sampling-stratify", "value", "none")],
                     [("url", "search", "")])["sampling-command"]["children"]  # fmt: skip
    words = shlex.split(shown)
    assert words[:3] == ["unlisted", "sample", "draw"] and f"--size {size}" in shown
    drawn = cli(*words[1:])
    assert drawn.exit_code == 0, drawn.output
    assert f"Sample 1: {size} of {frame_size:,} lines" in text_of(drawn)
    # The sample drawn, as the page lists it: values for people, no raw None or datetime.
    page = page_body(client, "sampling", pathname="/sampling")
    [row] = find(page, id={"type": "drill-table", "name": "samples"})[0]["rowData"]
    assert (row["sample_size"], row["frame_size"], row["stratify_by"]) == (size, frame_size,
                                                                          "none")  # fmt: skip
    assert len(row["created_at"]) == 16 and row["seed"] == "424242"
    shown_text = " ".join(texts(page))
    assert "None" not in shown_text and "['" not in shown_text and "True" not in shown_text
