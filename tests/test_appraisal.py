"""Attribute appraisal as RAT-STATS's: exact hypergeometric limits over the frame, checked on
worked examples against limits found here by brute force over every K with
scipy.stats.hypergeom (not through queries/sampling's helpers), against exact fractions where
a tail equals alpha, and stratified limits that are never "0 to 0"."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import subprocess
import time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import beta, hypergeom
from unlisted.queries import sampling

from tests.test_sampling import cli, text_of

LEVELS = [("one-sided", 0.80), ("one-sided", 0.90), ("one-sided", 0.95),
          ("two-sided", 0.80), ("two-sided", 0.90), ("two-sided", 0.95)]  # fmt: skip


def alpha(sides: str, confidence: float) -> float:
    return (1 - confidence) if sides == "one-sided" else (1 - confidence) / 2


def tails(N: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every K from 0 to N with P(X >= k) and P(X <= k), X hypergeometric: n drawn from N lines
    of which K are in error."""
    K = np.arange(N + 1)
    return K, hypergeom.sf(k - 1, N, K, n), hypergeom.cdf(k, N, K, n)


def limits_from(found: tuple[np.ndarray, np.ndarray, np.ndarray], a: float) -> tuple[int, int]:
    """lower = the smallest K with P(X >= k) > a, upper = the largest K with P(X <= k) > a."""
    K, at_least, at_most = found
    # No tail sits on alpha itself, so floating point decides as exact arithmetic would.
    assert np.abs(at_least - a).min() > 1e-9 and np.abs(at_most - a).min() > 1e-9
    return int(K[at_least > a].min()), int(K[at_most > a].max())


def brute_force(N: int, n: int, k: int, a: float) -> tuple[int, int]:
    return limits_from(tails(N, n, k), a)


# (N, n, k): lower and upper lines in error in the frame, in the order of LEVELS. Worked out
# once by brute_force and written down, so that a change of either side shows.
WORKED = {
    (100, 30, 0): [(0, 4), (0, 6), (0, 8), (0, 6), (0, 8), (0, 9)],  # no error
    (50, 20, 20): [(47, 50), (46, 50), (45, 50), (46, 50), (45, 50), (44, 50)],  # all in error
    (20, 15, 4): [(4, 7), (4, 7), (4, 8), (4, 7), (4, 8), (4, 8)],  # n is 75% of the frame
    (10_000, 100, 7): [(478, 1005), (395, 1146), (335, 1271), (395, 1146), (335, 1271),
                       (288, 1385)],  # fmt: skip
    (552, 83, 12): [(62, 101), (55, 111), (50, 120), (55, 111), (50, 120), (45, 127)],
    (300, 70, 1): [(1, 11), (1, 14), (1, 17), (1, 14), (1, 17), (1, 20)],
}
# The same limits as rates K/N to 4 decimals, for the cases whose rates are not whole percents.
WORKED_RATES = {
    (10_000, 100, 7): [(0.0478, 0.1005), (0.0395, 0.1146), (0.0335, 0.1271), (0.0395, 0.1146),
                       (0.0335, 0.1271), (0.0288, 0.1385)],  # fmt: skip
    (552, 83, 12): [(0.1123, 0.1830), (0.0996, 0.2011), (0.0906, 0.2174), (0.0996, 0.2011),
                    (0.0906, 0.2174), (0.0815, 0.2301)],  # fmt: skip
    (300, 70, 1): [(0.0033, 0.0367), (0.0033, 0.0467), (0.0033, 0.0567), (0.0033, 0.0467),
                   (0.0033, 0.0567), (0.0033, 0.0667)],  # fmt: skip
}


def by_level(result: dict) -> list[dict]:
    found = {(i["sides"], i["confidence"]): i for i in result["intervals"]}
    assert len(found) == len(LEVELS)
    return [found[level] for level in LEVELS]


@pytest.mark.parametrize("case", list(WORKED), ids=lambda c: "N{}-n{}-k{}".format(*c))
def test_unrestricted_limits_are_the_exact_hypergeometric_ones(case):
    N, n, k = case
    got = sampling.appraise_attributes(k, n, N)
    assert (got["method"], got["errors"], got["sample_size"], got["frame_size"]) == (
        "hypergeometric", k, n, N)
    assert got["error_rate"] == pytest.approx(k / n)
    assert got["projected_errors"] == pytest.approx(N * k / n)
    assert "hypergeometric" in got["limits"] and "RAT-STATS" in got["limits"]
    every_k = tails(N, n, k)
    for (sides, confidence), found, written in zip(LEVELS, by_level(got), WORKED[case],
                                                    strict=True):  # fmt: skip
        expected = limits_from(every_k, alpha(sides, confidence))
        assert expected == written
        assert (found["lower"], found["upper"]) == expected, (sides, confidence)
        assert isinstance(found["lower"], int) and isinstance(found["upper"], int)
        assert round(found["lower_rate"], 4) == round(expected[0] / N, 4)
        assert round(found["upper_rate"], 4) == round(expected[1] / N, 4)
    for found, (low, high) in zip(by_level(got), WORKED_RATES.get(case, []), strict=False):
        assert (round(found["lower_rate"], 4), round(found["upper_rate"], 4)) == (low, high)


def test_limits_on_random_frames_match_brute_force():
    rng = np.random.default_rng(17)
    for _ in range(60):
        N = int(rng.integers(2, 600))
        n = int(rng.integers(1, N + 1))
        k = int(rng.integers(0, n + 1))
        got = by_level(sampling.appraise_attributes(k, n, N))
        K, at_least, at_most = tails(N, n, k)
        for (sides, confidence), found in zip(LEVELS, got, strict=True):
            a = alpha(sides, confidence)
            if min(np.abs(at_least - a).min(), np.abs(at_most - a).min()) < 1e-9:
                continue  # a tie: the next test's
            low, high = int(K[at_least > a].min()), int(K[at_most > a].max())
            assert (found["lower"], found["upper"]) == (low, high), (N, n, k, sides)


def exact_tail_at_most(k: int, N: int, K: int, n: int) -> Fraction:
    return Fraction(sum(math.comb(K, j) * math.comb(N - K, n - j) for j in range(k + 1)),
                    math.comb(N, n))  # fmt: skip


def test_a_tail_equal_to_alpha_is_not_above_it():
    """One line drawn from 10: P(X = 0 | K) = (10 - K)/10 is exactly 1/10 at K = 9, which is
    not above alpha = 1/10 (one-sided 90%), so the upper limit is 8; P(X >= 1 | K) = K/10 is
    exactly 1/10 at K = 1, so the lower limit is 2. Floating point alone could go either way."""
    assert exact_tail_at_most(0, 10, 9, 1) == Fraction(1, 10)
    upper = max(K for K in range(11) if exact_tail_at_most(0, 10, K, 1) > Fraction(1, 10))
    lower = min(K for K in range(11) if 1 - exact_tail_at_most(0, 10, K, 1) > Fraction(1, 10))
    assert (upper, lower) == (8, 2)
    zero = by_level(sampling.appraise_attributes(0, 1, 10))
    one = by_level(sampling.appraise_attributes(1, 1, 10))
    assert zero[1]["upper"] == 8 and zero[3]["upper"] == 8  # one-sided 90%, two-sided 80%
    assert one[1]["lower"] == 2 and one[3]["lower"] == 2
    # 1 error in 60 of 300 lines: P(X >= 1 | K = 1) = 60/300 = 1/5, alpha of one-sided 80%.
    assert 1 - exact_tail_at_most(0, 300, 1, 60) == Fraction(1, 5)
    assert by_level(sampling.appraise_attributes(1, 60, 300))[0]["lower"] == 2


def test_a_frame_of_300000_lines_is_appraised_in_well_under_a_second():
    started = time.perf_counter()
    got = by_level(sampling.appraise_attributes(37, 1000, 300_000))
    assert time.perf_counter() - started < 1.0
    # Around the limits only: P(X >= 37) crosses 0.1 between K - 1 and K at the lower limit,
    # P(X <= 37) between K and K + 1 at the upper.
    low, high = got[1]["lower"], got[1]["upper"]
    assert hypergeom.sf(36, 300_000, low - 1, 1000) <= 0.1 < hypergeom.sf(36, 300_000, low, 1000)
    assert hypergeom.cdf(37, 300_000, high + 1, 1000) <= 0.1 < hypergeom.cdf(37, 300_000, high,
                                                                              1000)  # fmt: skip


def test_the_whole_frame_reviewed_gives_the_errors_found():
    got = by_level(sampling.appraise_attributes(3, 40, 40))
    assert {(i["lower"], i["upper"]) for i in got} == {(3, 3)}


def binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(k + 1))


@pytest.mark.parametrize("k, n", [(3, 30), (0, 30), (7, 40), (30, 30)])
def test_binomial_option_gives_clopper_pearson_limits(k, n):
    """The exact binomial limits by their definition: the upper rate p_U has
    P(X <= k | p_U) = alpha, the lower p_L has P(X >= k | p_L) = alpha."""
    got = sampling.appraise_attributes(k, n, frame_size=1000, method="binomial")
    assert got["method"] == "binomial" and "Clopper-Pearson" in got["limits"]
    assert got["projected_errors"] == pytest.approx(1000 * k / n)
    for (sides, confidence), found in zip(LEVELS, by_level(got), strict=True):
        a = alpha(sides, confidence)
        upper, lower = found["upper_rate"], found["lower_rate"]
        if k < n:
            assert binomial_cdf(k, n, upper) == pytest.approx(a, abs=1e-9)
        else:
            assert upper == 1
        if k > 0:
            assert 1 - binomial_cdf(k - 1, n, lower) == pytest.approx(a, abs=1e-9)
        else:
            assert lower == 0
        assert found["upper"] == pytest.approx(1000 * upper)
    if k == 0:  # closed form: 1 - alpha^(1/n)
        assert by_level(got)[1]["upper_rate"] == pytest.approx(1 - 0.10 ** (1 / n))
        assert by_level(got)[1]["upper_rate"] == pytest.approx(beta.ppf(0.9, 1, n))


def test_hypergeometric_limits_are_narrower_than_binomial_ones():
    exact = by_level(sampling.appraise_attributes(5, 80, 200))
    binomial = by_level(sampling.appraise_attributes(5, 80, 200, method="binomial"))
    for h, b in zip(exact, binomial, strict=True):
        assert b["lower"] <= h["lower"] and h["upper"] <= b["upper"]


def test_a_method_that_does_not_exist_is_refused():
    with pytest.raises(sampling.SamplingError, match="hypergeometric, binomial"):
        sampling.appraise_attributes(1, 10, 100, method="normal")
    with pytest.raises(sampling.SamplingError, match="errors <= lines <= frame"):
        sampling.appraise_attributes(11, 10, 100)


# ---- stratified ------------------------------------------------------------------------------


def test_stratified_appraisal_without_errors_has_a_positive_upper_limit():
    strata = [(100, 10, 0), (50, 5, 0)]  # (N_h, n_h, errors_h)
    got = sampling.appraise_attributes_stratified(strata)
    assert got["errors"] == 0 and got["error_rate"] == 0 and got["projected_errors"] == 0
    for (sides, confidence), found in zip(LEVELS, by_level(got), strict=True):
        a = alpha(sides, confidence) / 2  # Bonferroni over the 2 strata
        expected = sum(brute_force(N, n, k, a)[1] for N, n, k in strata)
        assert found["lower"] == 0
        assert found["upper"] == expected > 0
        assert found["upper_rate"] == pytest.approx(expected / 150) and found["upper_rate"] > 0
    # By hand for one stratum, 90% one-sided at alpha/2 = 0.05: P(no error in 10 of 100 | K)
    # = C(100 - K, 10)/C(100, 10) is 0.0551 at K = 24 and 0.0479 at K = 25, so 24.
    assert math.comb(76, 10) / math.comb(100, 10) == pytest.approx(0.0551, abs=1e-4)
    assert math.comb(75, 10) / math.comb(100, 10) == pytest.approx(0.0479, abs=1e-4)
    assert brute_force(100, 10, 0, 0.05)[1] == 24


def test_stratified_appraisal_with_errors_in_some_strata():
    strata = [(600, 20, 4), (400, 10, 1), (250, 8, 0)]
    got = sampling.appraise_attributes_stratified(strata)
    # Point estimate: 600 x 4/20 + 400 x 1/10 + 250 x 0/8 = 120 + 40 + 0 = 160 lines of 1,250.
    assert got["projected_errors"] == pytest.approx(160)
    assert got["error_rate"] == pytest.approx(0.128)
    assert (got["errors"], got["sample_size"], got["frame_size"]) == (5, 38, 1250)
    assert "Bonferroni" in got["limits"]
    for (sides, confidence), found in zip(LEVELS, by_level(got), strict=True):
        a = alpha(sides, confidence) / 3
        per_stratum = [brute_force(N, n, k, a) for N, n, k in strata]
        low, high = sum(p[0] for p in per_stratum), sum(p[1] for p in per_stratum)
        assert (found["lower"], found["upper"]) == (low, high), (sides, confidence)
        assert round(found["lower_rate"], 4) == round(low / 1250, 4)
        assert round(found["upper_rate"], 4) == round(high / 1250, 4)
        assert low < 160 < high
    # Written down, 90% one-sided: the strata's limits at alpha = 0.1/3.
    one_sided_90 = by_level(got)[1]
    assert (one_sided_90["lower"], one_sided_90["upper"]) == (
        sum(brute_force(N, n, k, 0.1 / 3)[0] for N, n, k in strata),
        sum(brute_force(N, n, k, 0.1 / 3)[1] for N, n, k in strata))


def test_a_census_stratum_adds_exactly_its_errors():
    got = by_level(sampling.appraise_attributes_stratified([(5, 5, 2), (5, 5, 0)]))
    assert {(i["lower"], i["upper"]) for i in got} == {(2, 2)}


# ---- the CLI and the packet, to the cent ------------------------------------------------------


def cents(value: float | Decimal) -> str:
    """To the cent, half up, as the figure written out in full rounds (a Decimal as it is, a float
    by its shortest form). A float that is not a short decimal must not sit on a half cent,
    where floating point noise could round it either way."""
    written = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    if isinstance(value, float) and written.as_tuple().exponent < -3:
        assert abs(abs(value) * 100 % 1 - 0.5) > 1e-6, value
    return f"{written.quantize(Decimal('0.01'), ROUND_HALF_UP):,}"


def dollars(value: float | Decimal) -> str:
    return f"-${cents(-value)}" if value < 0 else f"${cents(value)}"


CMS = "lower limit, one-sided 90% (CMS contractors, PIM ch. 8 §8.4.5.1)"
OIG = "lower limit, two-sided 90% (HHS-OIG Office of Audit Services)"


def test_appraise_equals_the_independent_computation_to_the_cent(scenario_db, tmp_path):
    """The hand-built practice: 6 lines of 97139, net paid $200. Draw 4, review them by hand (one
    line paid $25.00 too much, another $12.34) and appraise: every figure equals the one worked
    out here from the review, money to the cent and rates to 4 decimals, in the JSON, the table,
    the CSV and the audit packet."""
    from scipy.stats import t

    db = scenario_db
    drawn = cli("sample", "draw", "--db", db, "--size", 4, "--seed", 11)
    assert drawn.exit_code == 0, drawn.output
    shown = cli("sample", "show", 1, "--db", db, "--format", "csv")
    lines = list(csv.DictReader(io.StringIO(shown.output)))
    paid = [Decimal(r["paid_amount"]) for r in lines]
    enough = [i for i, p in enumerate(paid) if p >= 25]
    assert len(lines) == 4 and len(enough) >= 2  # seed 11 draws the $45.00 and $50.00 lines
    overpaid = {enough[0]: Decimal("25.00"), enough[1]: Decimal("12.34")}
    audited = [p - overpaid.get(i, Decimal("0.00")) for i, p in enumerate(paid)]
    review = tmp_path / "review.csv"
    review.write_text("claim_line_id,audited_amount\n" + "".join(
        f"{r['claim_line_id']},{a}\n" for r, a in zip(lines, audited, strict=True)))
    assert cli("sample", "review", 1, review, "--db", db).exit_code == 0
    answer = cli("sample", "appraise", 1, "--db", db, "--format", "json")
    assert answer.exit_code == 0, answer.output
    got = json.loads(answer.output)

    # Variables, by the textbook: N = 6, n = 4, d = paid - audited.
    N, n = 6, 4
    d = [p - a for p, a in zip(paid, audited, strict=True)]  # exact, Decimal
    mean = sum(d) / n
    point = N * mean
    s2 = float(sum((x - mean) ** 2 for x in d) / (n - 1))
    se = N * math.sqrt(s2 / n) * math.sqrt(1 - n / N)
    t90, t95 = t.ppf(0.90, n - 1), t.ppf(0.95, n - 1)
    assert (round(t90, 4), round(t95, 4)) == (1.6377, 2.3534)  # printed t tables, 3 df
    money = {"sample_overpayment": sum(d), "mean": mean, "sd": math.sqrt(s2),
             "point_estimate": point, "standard_error": se,
             "one_sided_lower": float(point) - t90 * se, "one_sided_upper": float(point) + t90 * se,
             "two_sided_lower": float(point) - t95 * se, "two_sided_upper": float(point) + t95 * se}
    # 37.34 over 4 lines: $9.335 a line, $9.34 to the cent (half up); 6 x 9.335 = $56.01.
    assert (sum(d), mean, point) == (Decimal("37.34"), Decimal("9.335"), Decimal("56.01"))
    assert cents(mean) == "9.34"
    for key, value in money.items():
        assert cents(got["variables"][key]) == cents(value), key

    # Attributes: 2 of 4 in error; exact hypergeometric limits by brute force over K.
    k = 2
    assert got["attributes"]["errors"] == k and got["attributes"]["method"] == "hypergeometric"
    assert round(got["attributes"]["error_rate"], 4) == 0.5
    assert got["attributes"]["projected_errors"] == pytest.approx(3.0)
    for found in got["attributes"]["intervals"]:
        missed = 1 - found["confidence"]
        a = missed if found["sides"] == "one-sided" else missed / 2
        low = min(K for K in range(N + 1) if hypergeom.sf(k - 1, N, K, n) > a)
        high = max(K for K in range(N + 1) if hypergeom.cdf(k, N, K, n) > a)
        assert (found["lower"], found["upper"]) == (low, high) == (2, 4)
        assert (round(found["lower_rate"], 4), round(found["upper_rate"], 4)) == (
            round(low / N, 4), round(high / N, 4)) == (0.3333, 0.6667)

    # The table prints the same figures, labelled; the CSV has them exactly.
    table = text_of(cli("sample", "appraise", 1, "--db", db))
    assert f"{CMS} {dollars(money['one_sided_lower'])}" in table
    assert f"{OIG} {dollars(money['two_sided_lower'])}" in table
    assert f"point estimate (frame) {dollars(point)}" in table
    assert "mean overpayment per line $9.34" in table
    assert "Attribute limits: exact hypergeometric over the frame (as RAT-STATS" in table
    assert "90% one-sided 2 4 33.33% 66.67%" in table and "error rate 50.00%" in table
    rows = {r["figure"]: r for r in csv.DictReader(io.StringIO(
        cli("sample", "appraise", 1, "--db", db, "--format", "csv").output))}
    assert rows["variables.one_sided_lower"]["label"] == CMS
    assert rows["variables.two_sided_lower"]["label"] == OIG
    assert cents(float(rows["variables.two_sided_lower"]["value"])) == cents(
        money["two_sided_lower"])
    assert rows["attributes.one_sided_90.high_errors"]["value"] == "4"
    assert not [r for r in rows.values() if r["value"] in ("None", "True", "False")
                or r["value"].startswith("[")]  # fmt: skip

    # The binomial option says so; an unknown method is refused.
    binomial = text_of(cli("sample", "appraise", 1, "--db", db, "--method", "binomial"))
    assert "Attribute limits: exact binomial (Clopper-Pearson)" in binomial
    assert cli("sample", "appraise", 1, "--db", db, "--method", "normal").exit_code == 2

    # The packet: the same labels and figures in the workbook, the PDF when poppler is here.
    import openpyxl

    made = cli("sample", "packet", 1, "--out", tmp_path / "packet", "--db", db)
    assert made.exit_code == 0, made.output
    book = openpyxl.load_workbook(tmp_path / "packet" / "sample-1.xlsx", read_only=True)
    sheet = list(book["Appraisal"].iter_rows(values_only=True))[1:]
    appraisal = {figure: (label, value) for figure, label, value in sheet}
    assert appraisal["variables.one_sided_lower"][0] == CMS
    assert appraisal["variables.two_sided_lower"][0] == OIG
    assert cents(appraisal["variables.one_sided_lower"][1]) == cents(money["one_sided_lower"])
    assert appraisal["attributes.limits"][1].startswith("exact hypergeometric over the frame")
    summary = dict(list(book["Summary"].iter_rows(values_only=True))[1:])
    assert cents(summary[CMS]) == cents(money["one_sided_lower"])
    assert cents(summary[OIG]) == cents(money["two_sided_lower"])
    texts = [v for _, v in summary.items() if isinstance(v, str)] + [
        v for _, v in appraisal.values() if isinstance(v, str)]  # fmt: skip
    assert not [v for v in texts if v in ("None", "True", "False") or "['" in v]
    book.close()
    if shutil.which("pdftotext"):
        pdf = subprocess.run(["pdftotext", "-layout", str(tmp_path / "packet" / "sample-1.pdf"),
                              "-"], capture_output=True, text=True, timeout=60).stdout
        flat = " ".join(pdf.split())
        assert "CMS contractors, PIM ch. 8 §8.4.5.1" in flat and "HHS-OIG Office of Audit" in flat
        assert dollars(money["one_sided_lower"]) in flat
        assert "None" not in flat and "['" not in flat
