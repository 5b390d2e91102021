"""Audit sampling in the spirit of HHS-OIG RAT-STATS: frame, random selection, sample size and
appraisal. Pure computation over the database (reads only); etl/audit.py records samples and
reviews, unlisted/audit_cli.py prints.

Selection. The frame is the target lines of `line_adjudication` that the filters select
(metrics.Filters), ordered by claim_line_id. A numpy Generator (PCG64) seeded with the sample's
seed gives every frame line, in frame order, one uniform random key (`Generator.random`); the
sample is the n lines with the smallest keys (in a stratified sample: the n_h smallest within
each stratum), selected in increasing key order. Every subset of size n is equally likely, and
the same seed and frame give the same sample.

Stratified allocation: proportional (n_h ~ n N_h / N) or equal (n_h ~ n / L), every stratum at
least min(2, N_h) lines and at most N_h, rounded by largest remainder so that sum n_h = n.

Sample size (variables): n0 = (z s / E)^2 with z the two-sided normal quantile of the confidence,
s the probe's standard deviation of the overpayment per line and E the precision wanted (half
width of the interval for the mean overpayment per line, dollars); with the finite population
correction n = n0 / (1 + n0 / N), rounded up. (Attributes: n0 = z^2 p (1 - p) / E^2, same fpc.)

Appraisal.
- Attributes, unrestricted (as RAT-STATS's unrestricted attribute appraisal): errors k of n
  reviewed lines drawn without replacement from a frame of N; point estimate N k/n lines in
  error. Exact hypergeometric limits for K, the lines in error in the frame, at 80, 90 and 95%,
  one- and two-sided: lower limit = the smallest K with P(X >= k | N, K, n) > alpha, upper limit
  = the largest K with P(X <= k | N, K, n) > alpha, alpha = 1 - confidence one-sided and
  (1 - confidence)/2 for each limit of a two-sided interval; whole lines, and rates K/N. Found by
  binary search over K (each tail is monotone in K); a tail within 1e-9 of alpha is decided with
  exact fractions. Option: exact binomial (Clopper-Pearson) limits of the rate, no finite
  population correction, times N.
- Attributes, stratified: point estimate sum N_h k_h/n_h; limits: each stratum's exact limits
  at alpha/L (L strata) added up. Bonferroni: all strata's limits hold together with probability
  at least 1 - alpha, so the sums do; conservative, and never "0 to 0" when no line is in error.
- Variables: overpayment d = paid - audited per line (difference estimator). Unrestricted: mean,
  SD (n - 1), SE = s / sqrt(n) sqrt(1 - n/N), point estimate N mean, limits N (mean -/+ t SE)
  with Student t on n - 1 degrees of freedom: one-sided 90% (t 0.90) and two-sided 90% (t 0.95).
  Stratified: T = sum N_h mean_h, Var(T) = sum N_h^2 (1 - n_h/N_h) s_h^2 / n_h, t with
  Satterthwaite's degrees of freedom (n - L when the variance is zero). The one-sided 90% lower
  limit is what CMS contractors demand (Medicare Program Integrity Manual, ch. 8, 8.4.5.1), the
  two-sided 90% lower limit what HHS-OIG's Office of Audit Services recommends; both are labelled
  so wherever they are printed.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import duckdb
import numpy as np
import polars as pl
from scipy import stats

from .metrics import Filters, selected_lines
from .sql import sql

FRAME_COLUMNS = ("claim_line_id", "payer_id", "rendering_npi", "net_paid")
STRATIFY = ("payer", "provider", "paid")
ALLOCATIONS = ("proportional", "equal")
CONFIDENCE = 0.90
CENT = Decimal("0.01")
# Attribute limits are given at each of these levels, one- and two-sided, as RAT-STATS does.
CONFIDENCE_LEVELS = (0.80, 0.90, 0.95)
SIDES = ("one-sided", "two-sided")
ATTRIBUTE_METHODS = ("hypergeometric", "binomial")
ATTRIBUTE_LIMITS = {
    "hypergeometric": "exact hypergeometric over the frame (as RAT-STATS unrestricted attribute "
                      "appraisal)",
    "binomial": "exact binomial (Clopper-Pearson), no finite population correction",
}  # fmt: skip
STRATIFIED_ATTRIBUTE_LIMITS = {
    "hypergeometric": "exact hypergeometric limits of each stratum at alpha / L (L strata), "
                      "added up (Bonferroni, conservative)",
    "binomial": "exact binomial (Clopper-Pearson) limits of each stratum at alpha / L (L strata), "
                "times N_h, added up (Bonferroni, conservative)",
}  # fmt: skip
VARIABLE_LIMITS = "Student t, n - 1 degrees of freedom, finite population correction"
STRATIFIED_VARIABLE_LIMITS = "Student t, Satterthwaite degrees of freedom, finite population " \
    "correction"  # fmt: skip


class SamplingError(ValueError):
    """A sample that cannot be drawn or appraised as asked; the message says why."""


# ---------------------------------------------------------------------------------------------
# The frame


@dataclass(frozen=True)
class Frame:
    filters: Filters
    lines: pl.DataFrame  # claim_line_id, payer_id, rendering_npi, net_paid (Decimal), frame order

    @property
    def size(self) -> int:
        return self.lines.height

    @property
    def total_paid(self) -> Decimal:
        return sum(self.lines["net_paid"].to_list(), Decimal("0.00"))

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for line_id, paid in self.lines.select("claim_line_id", "net_paid").iter_rows():
            digest.update(f"{line_id}:{paid}\n".encode())
        return digest.hexdigest()


def frame(con: duckdb.DuckDBPyConnection, filters: Filters) -> Frame:
    """The sampling frame: the lines the filters select, ordered by claim_line_id."""
    lines = selected_lines(con, filters, FRAME_COLUMNS).sort("claim_line_id").collect()
    lines = lines.with_columns(pl.col("net_paid").fill_null(Decimal("0.00")))
    return Frame(filters, lines)


def filters_json(filters: Filters) -> str:
    data = asdict(filters)
    for key in ("start", "end"):
        data[key] = data[key].isoformat() if data[key] else None
    return json.dumps(data, sort_keys=True)


def filters_from_json(text: str) -> Filters:
    import datetime as dt

    data = json.loads(text)
    for key in ("start", "end"):
        data[key] = dt.date.fromisoformat(data[key]) if data[key] else None
    for key in ("codes", "payers", "providers", "locations", "modifiers"):
        data[key] = tuple(data[key])
    return Filters(**data)


# ---------------------------------------------------------------------------------------------
# Selection


def generator_name() -> str:
    return f"numpy {np.__version__} PCG64, Generator.random key per frame line, smallest keys"


def random_keys(size: int, seed: int) -> np.ndarray:
    """One uniform key in [0, 1) per frame line, in frame order."""
    return np.random.Generator(np.random.PCG64(seed)).random(size)


def unrestricted(size: int, n: int, seed: int) -> list[int]:
    """Frame positions of a simple random sample of n of `size` lines, in selection order."""
    if n < 1:
        raise SamplingError("the sample size must be at least 1")
    keys = random_keys(size, seed)
    return [int(p) for p in np.argsort(keys, kind="stable")[: min(n, size)]]


def allocate(sizes: list[int], n: int, allocation: str = "proportional") -> list[int]:
    """Sample size per stratum: proportional to N_h or equal, each at least min(2, N_h) and at
    most N_h, rounded by largest remainder so that the sizes sum to n exactly."""
    if allocation not in ALLOCATIONS:
        raise SamplingError(f"allocation must be one of {', '.join(ALLOCATIONS)}")
    total = sum(sizes)
    floor = [min(2, s) for s in sizes]
    if n > total:
        raise SamplingError(f"a sample of {n} is larger than the frame ({total} lines)")
    if n < sum(floor):
        raise SamplingError(
            f"a sample of {n} cannot take min(2, N_h) lines from each of the {len(sizes)} "
            f"strata: at least {sum(floor)} are needed"
        )
    fixed: dict[int, int] = {}
    while True:
        free = [h for h in range(len(sizes)) if h not in fixed]
        left = n - sum(fixed.values())
        weights = {h: Fraction(sizes[h] if allocation == "proportional" else 1) for h in free}
        total_weight = sum(weights.values())
        quota = {h: left * weights[h] / total_weight for h in free} if free else {}
        low = [h for h in free if quota[h] < floor[h]]
        high = [h for h in free if quota[h] > sizes[h]]
        if low:
            fixed.update({h: floor[h] for h in low})
        elif high:
            fixed.update({h: sizes[h] for h in high})
        else:
            break
    result = [fixed.get(h, 0) for h in range(len(sizes))]
    for h, q in quota.items():
        result[h] = math.floor(q)
    remainder = n - sum(result)
    # Largest fractional part first; ties to the larger stratum, then the first.
    order = sorted(quota, key=lambda h: (-(quota[h] - math.floor(quota[h])), -sizes[h], h))
    for h in order[:remainder]:
        result[h] += 1
    assert sum(result) == n
    return result


def equal_count_cuts(values: list[Decimal], strata: int) -> list[Decimal]:
    """Cut points that split sorted paid amounts into `strata` groups of nearly equal counts
    (a stratum holds the amounts above the previous cut, up to and including its cut; equal
    amounts stay together, so there may be fewer strata)."""
    if strata < 1:
        raise SamplingError("the number of strata must be at least 1")
    ordered = sorted(values)
    cuts: list[Decimal] = []
    for k in range(1, strata):
        position = round(len(ordered) * k / strata) - 1
        if 0 <= position < len(ordered) - 1:
            cut = ordered[position]
            if (not cuts or cut > cuts[-1]) and cut < ordered[-1]:
                cuts.append(cut)
    return cuts


def paid_label(cuts: list[Decimal], h: int) -> str:
    if not cuts:
        return "all"
    if h == 0:
        return f"paid <= {cuts[0]:.2f}"
    if h == len(cuts):
        return f"paid > {cuts[-1]:.2f}"
    return f"{cuts[h - 1]:.2f} < paid <= {cuts[h]:.2f}"


@dataclass
class Drawn:
    """A drawn sample: frame positions in selection order, each line's stratum, the strata."""

    method: str
    seed: int
    requested_size: int
    positions: list[int]
    stratum_of: list[str | None]
    stratify_by: str | None = None
    allocation: str | None = None
    strata: list[dict] | None = None
    cuts: list[str] | None = None
    generator: str = field(default_factory=generator_name)


def strata_of(lines: pl.DataFrame, by: str, strata: int | None,
              cuts: list[Decimal] | None) -> tuple[list[str], list[Decimal] | None]:  # fmt: skip
    """Each frame line's stratum name (and the paid cut points used)."""
    if by == "payer":
        return [p or "(none)" for p in lines["payer_id"].to_list()], None
    if by == "provider":
        return [p or "(none)" for p in lines["rendering_npi"].to_list()], None
    if by == "paid":
        paid = lines["net_paid"].to_list()
        if cuts is None:
            cuts = equal_count_cuts(paid, strata or 3)
        cuts = sorted(set(cuts))
        return [paid_label(cuts, bisect.bisect_left(cuts, v)) for v in paid], cuts
    raise SamplingError(f"stratify by must be one of {', '.join(STRATIFY)}")


def draw(fr: Frame, n: int, seed: int, stratify: str | None = None, strata: int | None = None,
         cuts: list[Decimal] | None = None, allocation: str = "proportional") -> Drawn:  # fmt: skip
    """Draw a sample of n lines from the frame (unrestricted, or stratified by payer, provider
    or paid amount with `strata` equal-count strata or the given cut points)."""
    if fr.size == 0:
        raise SamplingError("the frame is empty: no line matches the filters")
    if n < 1:
        raise SamplingError("the sample size must be at least 1")
    if seed < 0 or seed >= 2**63:
        raise SamplingError("the seed must be between 0 and 2^63 - 1")
    if stratify is None:
        positions = unrestricted(fr.size, n, seed)
        return Drawn("unrestricted", seed, n, positions, [None] * len(positions))
    names, used_cuts = strata_of(fr.lines, stratify, strata, cuts)
    present = set(names)
    if stratify == "paid":  # low to high amounts
        labels = [paid_label(used_cuts or [], h) for h in range(len(used_cuts or []) + 1)]
        order = [s for s in labels if s in present]
    else:
        order = sorted(present)
    members: dict[str, list[int]] = {s: [] for s in order}
    for i, name in enumerate(names):
        members[name].append(i)
    paid = fr.lines["net_paid"].to_list()
    sizes = [len(members[s]) for s in order]
    allotted = allocate(sizes, min(n, fr.size), allocation)
    keys = random_keys(fr.size, seed)
    positions, stratum_of, described = [], [], []
    for s, n_h in zip(order, allotted, strict=True):
        inside = members[s]
        chosen = sorted(inside, key=lambda i: (keys[i], i))[:n_h]
        positions += chosen
        stratum_of += [s] * len(chosen)
        described.append({"stratum": s, "frame_size": len(inside),
                          "frame_paid": str(sum((paid[i] for i in inside), Decimal("0.00"))),
                          "sample_size": n_h})  # fmt: skip
    return Drawn("stratified", seed, n, positions, stratum_of, stratify, allocation, described,
                 [str(c) for c in used_cuts] if used_cuts is not None else None)  # fmt: skip


def strata_json(drawn: Drawn) -> str | None:
    if drawn.strata is None:
        return None
    return json.dumps({"by": drawn.stratify_by, "allocation": drawn.allocation,
                       "cuts": drawn.cuts, "strata": drawn.strata})  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Sample size


def z_two_sided(confidence: float) -> float:
    return float(stats.norm.ppf(1 - (1 - confidence) / 2))


def sample_size_variables(frame_size: int, sd: float, precision: float,
                          confidence: float = CONFIDENCE) -> dict:  # fmt: skip
    """n = n0 / (1 + n0/N), n0 = (z s / E)^2; E = half width for the mean per line."""
    if sd < 0 or precision <= 0 or not 0 < confidence < 1 or frame_size < 1:
        raise SamplingError("need a frame, SD >= 0, precision > 0 and 0 < confidence < 1")
    z = z_two_sided(confidence)
    n0 = (z * sd / precision) ** 2
    n = n0 / (1 + n0 / frame_size)
    size = max(2, min(frame_size, math.ceil(n - 1e-9)))
    return {"frame_size": frame_size, "sd": sd, "precision": precision, "confidence": confidence,
            "z": z, "n0": n0, "n_fpc": n, "sample_size": size,
            "formula": "n0 = (z*s/E)^2; n = n0 / (1 + n0/N), rounded up"}  # fmt: skip


def sample_size_attributes(frame_size: int, rate: float, precision: float,
                           confidence: float = CONFIDENCE) -> dict:  # fmt: skip
    """n = n0 / (1 + n0/N), n0 = z^2 p (1 - p) / E^2; E = half width for the error rate."""
    if not 0 <= rate <= 1 or precision <= 0 or not 0 < confidence < 1 or frame_size < 1:
        raise SamplingError("need a frame, 0 <= rate <= 1, precision > 0, 0 < confidence < 1")
    z = z_two_sided(confidence)
    n0 = z * z * rate * (1 - rate) / precision**2
    n = n0 / (1 + n0 / frame_size)
    size = max(2, min(frame_size, math.ceil(n - 1e-9)))
    return {"frame_size": frame_size, "rate": rate, "precision": precision,
            "confidence": confidence, "z": z, "n0": n0, "n_fpc": n, "sample_size": size,
            "formula": "n0 = z^2*p*(1-p)/E^2; n = n0 / (1 + n0/N), rounded up"}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Appraisal


def alpha_of(confidence: float, sides: str) -> Fraction:
    """The probability each limit may miss: 1 - confidence for a one-sided limit, half of it for
    each limit of a two-sided interval. Exact (0.9 is 9/10, not the nearest double) so that a
    tail probability equal to alpha is recognised as equal."""
    if sides not in SIDES:
        raise SamplingError(f"sides must be one of {', '.join(SIDES)}")
    missed = 1 - Fraction(str(confidence))
    return missed if sides == "one-sided" else missed / 2


def exact_at_most(k: int, frame_size: int, in_error: int, n: int) -> Fraction:
    """P(X <= k) for X the errors in n lines drawn without replacement from frame_size lines of
    which in_error are in error, as an exact fraction."""
    favourable = sum(math.comb(in_error, j) * math.comb(frame_size - in_error, n - j)
                     for j in range(k + 1))  # fmt: skip
    return Fraction(favourable, math.comb(frame_size, n))


def above(tail: float, exact, alpha: Fraction) -> bool:
    """tail > alpha. The floating tail decides unless it is within rounding of alpha; there the
    exact rational tail does, so that a tail equal to alpha is never counted as above it."""
    if abs(tail - float(alpha)) > 1e-9:
        return tail > alpha
    return exact() > alpha


def hypergeometric_lower(k: int, n: int, frame_size: int, alpha: Fraction) -> int:
    """Smallest K (lines in error in the frame) with P(X >= k | N, K, n) > alpha.

    P(X >= k) grows with K, so a binary search over K in [k, N - n + k] finds it (at the top of
    that range every unsampled line is in error and P = 1)."""
    if k == 0:
        return 0

    def enough(K: int) -> bool:
        tail = float(stats.hypergeom.sf(k - 1, frame_size, K, n))
        return above(tail, lambda: 1 - exact_at_most(k - 1, frame_size, K, n), alpha)

    low, high = k, frame_size - n + k
    while low < high:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle + 1
    return low


def hypergeometric_upper(k: int, n: int, frame_size: int, alpha: Fraction) -> int:
    """Largest K with P(X <= k | N, K, n) > alpha.

    P(X <= k) falls as K grows; at K = k it is 1, so a binary search over [k, N - n + k] finds
    it."""

    def enough(K: int) -> bool:
        tail = float(stats.hypergeom.cdf(k, frame_size, K, n))
        return above(tail, lambda: exact_at_most(k, frame_size, K, n), alpha)

    low, high = k, frame_size - n + k
    while low < high:
        middle = (low + high + 1) // 2
        if enough(middle):
            low = middle
        else:
            high = middle - 1
    return low


def clopper_pearson(k: int, n: int, alpha: float) -> tuple[float, float]:
    """Exact binomial (Clopper-Pearson) lower and upper limits of the rate, each missing with
    probability alpha."""
    lower = 0.0 if k == 0 else float(stats.beta.ppf(alpha, k, n - k + 1))
    upper = 1.0 if k == n else float(stats.beta.ppf(1 - alpha, k + 1, n - k))
    return lower, upper


def attribute_limits(k: int, n: int, frame_size: int, alpha: Fraction,
                     method: str = "hypergeometric") -> tuple[float, float]:  # fmt: skip
    """Lower and upper limits of the lines in error in the frame, each missing with probability
    alpha: whole lines (hypergeometric), or N times the binomial limits of the rate."""
    if method == "hypergeometric":
        return (hypergeometric_lower(k, n, frame_size, alpha),
                hypergeometric_upper(k, n, frame_size, alpha))  # fmt: skip
    if method == "binomial":
        lower, upper = clopper_pearson(k, n, float(alpha))
        return lower * frame_size, upper * frame_size
    raise SamplingError(f"the attribute method must be one of {', '.join(ATTRIBUTE_METHODS)}")


def interval(sides: str, confidence: float, lower, upper, frame_size: int) -> dict:
    return {"sides": sides, "confidence": confidence, "lower": lower, "upper": upper,
            "lower_rate": lower / frame_size, "upper_rate": upper / frame_size}  # fmt: skip


def check_attributes(errors: int, n: int, frame_size: int, method: str) -> None:
    if method not in ATTRIBUTE_METHODS:
        raise SamplingError(f"the attribute method must be one of {', '.join(ATTRIBUTE_METHODS)}")
    if n < 1:
        raise SamplingError("no reviewed line to appraise")
    if not 0 <= errors <= n <= frame_size:
        raise SamplingError(f"{errors} errors in {n} lines of a frame of {frame_size} lines: "
                            "need 0 <= errors <= lines <= frame")  # fmt: skip


def appraise_attributes(errors: int, n: int, frame_size: int,
                        method: str = "hypergeometric") -> dict:  # fmt: skip
    """Unrestricted attribute appraisal, as RAT-STATS's: `errors` of n lines drawn without
    replacement from a frame of N lines. Point estimate N k/n lines in error (rate k/n); exact
    limits for the lines in error in the frame at 80, 90 and 95%, one- and two-sided.

    Hypergeometric (the default): lower limit = the smallest K with P(X >= k | N, K, n) > alpha,
    upper limit = the largest K with P(X <= k | N, K, n) > alpha, X hypergeometric (N lines, K in
    error, n drawn); alpha = 1 - confidence one-sided, (1 - confidence)/2 for each limit of a
    two-sided interval. The limits are whole lines; their rates are K/N. Binomial: Clopper-Pearson
    limits of the rate (no finite population correction, wider), times N."""
    check_attributes(errors, n, frame_size, method)
    intervals = []
    for sides in SIDES:
        for confidence in CONFIDENCE_LEVELS:
            lower, upper = attribute_limits(errors, n, frame_size, alpha_of(confidence, sides),
                                            method)  # fmt: skip
            intervals.append(interval(sides, confidence, lower, upper, frame_size))
    return {"sample_size": n, "errors": errors, "frame_size": frame_size,
            "error_rate": errors / n, "projected_errors": frame_size * errors / n,
            "method": method, "limits": ATTRIBUTE_LIMITS[method],
            "intervals": intervals}  # fmt: skip


def appraise_attributes_stratified(strata: list[tuple[int, int, int]],
                                   method: str = "hypergeometric") -> dict:  # fmt: skip
    """strata: (N_h, n_h, errors_h). Point estimate sum N_h k_h / n_h lines in error, rate that
    over N. Limits: each stratum's exact limit (as appraise_attributes, same method) at
    alpha / L for L strata, added up. By Bonferroni's inequality every stratum's limits hold
    together with probability at least 1 - alpha, so the sums do too: conservative, and with no
    error anywhere the upper limit is still the errors a stratum could hide (not 0)."""
    for N, n, k in strata:
        check_attributes(k, n, N, method)
    total = sum(N for N, _, _ in strata)
    projected = sum(N * k / n for N, n, k in strata)
    intervals = []
    for sides in SIDES:
        for confidence in CONFIDENCE_LEVELS:
            alpha = alpha_of(confidence, sides) / len(strata)
            limits_h = [attribute_limits(k, n, N, alpha, method) for N, n, k in strata]
            intervals.append(interval(sides, confidence, sum(low for low, _ in limits_h),
                                      sum(high for _, high in limits_h), total))  # fmt: skip
    return {"sample_size": sum(n for _, n, _ in strata), "errors": sum(k for _, _, k in strata),
            "frame_size": total, "error_rate": projected / total, "projected_errors": projected,
            "method": method, "limits": STRATIFIED_ATTRIBUTE_LIMITS[method],
            "intervals": intervals}  # fmt: skip


def limits(point: float, se: float, df: float, confidence: float) -> dict:
    if se == 0 or df <= 0 or math.isnan(df):
        t1 = t2 = 0.0 if se == 0 else math.nan
    else:
        t1 = float(stats.t.ppf(confidence, df))
        t2 = float(stats.t.ppf(1 - (1 - confidence) / 2, df))
    return {"t_one_sided": t1, "t_two_sided": t2,
            "one_sided_lower": point - t1 * se, "one_sided_upper": point + t1 * se,
            "two_sided_lower": point - t2 * se, "two_sided_upper": point + t2 * se}  # fmt: skip


def appraise_variables(differences: list[float], frame_size: int,
                       confidence: float = CONFIDENCE) -> dict:  # fmt: skip
    """Unrestricted difference estimator of the frame's total overpayment."""
    n, N = len(differences), frame_size
    if n < 2:
        raise SamplingError("variable appraisal needs at least 2 reviewed lines")
    values = np.asarray(differences, dtype=float)
    mean = float(values.mean())
    sd = float(values.std(ddof=1))
    se_mean = sd / math.sqrt(n) * math.sqrt(1 - n / N)
    point, se = N * mean, N * se_mean
    return {"sample_size": n, "frame_size": N, "sample_overpayment": float(values.sum()),
            "mean": mean, "sd": sd, "se_mean": se_mean, "point_estimate": point,
            "standard_error": se, "degrees_of_freedom": n - 1,
            **limits(point, se, n - 1, confidence), "limits": VARIABLE_LIMITS,
            "confidence": confidence}  # fmt: skip


def appraise_variables_stratified(strata: list[tuple[int, list[float]]],
                                  confidence: float = CONFIDENCE) -> dict:  # fmt: skip
    """strata: (N_h, overpayments of the stratum's sample). Stratified difference estimator."""
    point, variance, terms, rows = 0.0, 0.0, [], []
    for N, values in strata:
        n = len(values)
        if n < 1:
            raise SamplingError("every stratum needs at least one reviewed line")
        mean = float(np.mean(values))
        s2 = float(np.var(values, ddof=1)) if n > 1 else 0.0
        a = N * (N - n) / n
        point += N * mean
        variance += a * s2
        if n > 1:
            terms.append((a * s2, n - 1))
        rows.append({"frame_size": N, "sample_size": n, "mean": mean, "sd": math.sqrt(s2),
                     "point_estimate": N * mean, "variance": a * s2})  # fmt: skip
    n_total, L = sum(len(v) for _, v in strata), len(strata)
    denominator = sum(v * v / d for v, d in terms)
    df = variance**2 / denominator if denominator > 0 else float(n_total - L)
    se = math.sqrt(variance)
    return {"sample_size": n_total, "frame_size": sum(N for N, _ in strata),
            "sample_overpayment": float(sum(sum(v) for _, v in strata)),
            "point_estimate": point, "standard_error": se, "degrees_of_freedom": df,
            **limits(point, se, df, confidence), "limits": STRATIFIED_VARIABLE_LIMITS,
            "confidence": confidence, "strata": rows}  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Recorded samples


def sample_record(con: duckdb.DuckDBPyConnection, sample_id: int) -> dict | None:
    with con.cursor() as cursor:
        try:
            relation = cursor.execute(sql("audit/sample"), {"sample_id": sample_id})
        except duckdb.CatalogException:
            return None
        names = [d[0] for d in relation.description]
        row = relation.fetchone()
    return dict(zip(names, row, strict=True)) if row else None


def sample_lines(con: duckdb.DuckDBPyConnection, sample_id: int) -> pl.DataFrame:
    with con.cursor() as cursor:
        relation = cursor.sql(sql("audit/sample_lines"), params={"sample_id": sample_id})
        table = relation.to_arrow_table()
    return pl.from_arrow(table)


def frame_check(con: duckdb.DuckDBPyConnection, record: dict) -> dict:
    """The frame the sample's filters select now against the one recorded at drawing."""
    now = frame(con, filters_from_json(record["frame_filters"]))
    same = (now.size == record["frame_size"] and now.total_paid == record["frame_total_paid"]
            and now.fingerprint == record["frame_fingerprint"])  # fmt: skip
    return {"unchanged": same, "frame_size_now": now.size, "frame_total_paid_now": now.total_paid,
            "frame_size": record["frame_size"],
            "frame_total_paid": record["frame_total_paid"]}  # fmt: skip


def appraise(con: duckdb.DuckDBPyConnection, sample_id: int, confidence: float = CONFIDENCE,
             method: str = "hypergeometric") -> dict:  # fmt: skip
    """Attribute appraisal (`method`: hypergeometric or binomial limits) and variable appraisal
    (at `confidence`) of a fully reviewed sample."""
    if method not in ATTRIBUTE_METHODS:
        raise SamplingError(f"the attribute method must be one of {', '.join(ATTRIBUTE_METHODS)}")
    record = sample_record(con, sample_id)
    if record is None:
        raise SamplingError(f"there is no sample {sample_id}")
    lines = sample_lines(con, sample_id)
    missing = lines.filter(pl.col("audited_amount").is_null()).height
    if missing:
        raise SamplingError(f"sample {sample_id}: {missing} of {lines.height} lines are not "
                            "reviewed yet (unlisted sample review)")  # fmt: skip
    lines = lines.with_columns(
        overpayment=(pl.col("paid_amount") - pl.col("audited_amount")).cast(pl.Float64))
    result = {"sample_id": sample_id, "method": record["method"],
              "frame_size": record["frame_size"],
              "frame_total_paid": float(record["frame_total_paid"]),
              "sample_paid": float(sum(lines["paid_amount"].to_list(), Decimal(0))),
              "sample_audited": float(sum(lines["audited_amount"].to_list(), Decimal(0))),
              }  # fmt: skip
    if record["method"] == "unrestricted":
        result["attributes"] = appraise_attributes(
            int(lines["in_error"].sum()), lines.height, record["frame_size"], method)
        result["variables"] = appraise_variables(
            lines["overpayment"].to_list(), record["frame_size"], confidence)
        return result
    strata = json.loads(record["strata"])["strata"]
    by_name = {s: g for (s,), g in lines.group_by("stratum")}
    attribute_strata, variable_strata = [], []
    for s in strata:
        group = by_name[s["stratum"]]
        attribute_strata.append((s["frame_size"], group.height, int(group["in_error"].sum())))
        variable_strata.append((s["frame_size"], group["overpayment"].to_list()))
    result["attributes"] = appraise_attributes_stratified(attribute_strata, method)
    result["variables"] = appraise_variables_stratified(variable_strata, confidence)
    for row, s, (_, n, k) in zip(result["variables"]["strata"], strata, attribute_strata,
                                 strict=True):  # fmt: skip
        row["stratum"] = s["stratum"]
        row["errors"] = k
        row["error_rate"] = k / n
    return result


# ---------------------------------------------------------------------------------------------
# The figures as printed (audit CLI), written (audit packet) and shown (Sampling pages)

# Whose demand each 90% lower limit of the overpayment is, with the source that says so.
CMS_LOWER_LIMIT = "CMS contractors, PIM ch. 8 §8.4.5.1"
OIG_LOWER_LIMIT = "HHS-OIG Office of Audit Services"
ATTRIBUTE_ROWS = (
    ("sample_size", "lines reviewed"),
    ("errors", "lines in error"),
    ("error_rate", "error rate"),
    ("projected_errors", "projected lines in error (frame)"),
    ("limits", "attribute limits"),
)
VARIABLE_ROWS = (
    ("frame_size", "frame lines (N)"),
    ("sample_overpayment", "overpayment in the sample"),
    ("mean", "mean overpayment per line"),
    ("sd", "standard deviation"),
    ("point_estimate", "point estimate (frame)"),
    ("standard_error", "standard error (frame)"),
    ("degrees_of_freedom", "degrees of freedom"),
    ("one_sided_lower", None),
    ("two_sided_lower", None),
    ("one_sided_upper", None),
    ("two_sided_upper", None),
    ("limits", "variable limits"),
)
STRATUM_ROWS = (
    ("frame_size", "frame lines"),
    ("sample_size", "lines reviewed"),
    ("errors", "lines in error"),
    ("error_rate", "error rate"),
    ("mean", "mean overpayment per line"),
    ("sd", "standard deviation"),
    ("point_estimate", "point estimate (stratum)"),
)


def limit_label(key: str, confidence: float) -> str:
    """'lower limit, one-sided 90%' for one_sided_lower, naming at 90% who demands that limit:
    CMS contractors the one-sided lower limit, HHS-OIG the two-sided one (docs/sampling.md)."""
    sides, bound = key.rsplit("_", 1)
    label = f"{bound} limit, {sides.replace('_', '-')} {confidence:.0%}"
    who = {"one_sided_lower": CMS_LOWER_LIMIT, "two_sided_lower": OIG_LOWER_LIMIT}.get(key)
    return f"{label} ({who})" if who and math.isclose(confidence, 0.90) else label


def interval_name(part: str, found: dict) -> str:
    """attributes.one_sided_90: the figure names of one interval's limits start so."""
    return f"{part}.{found['sides'].replace('-', '_')}_{round(found['confidence'] * 100)}"


def interval_rows(part: str, intervals: list[dict]) -> list[tuple[str, str, object]]:
    rows = []
    for found in intervals:
        name, level = interval_name(part, found), f"{found['confidence']:.0%} {found['sides']}"
        rows += [
            (f"{name}.low_errors", f"lines in error in the frame, {level} lower limit",
             found["lower"]),
            (f"{name}.high_errors", f"lines in error in the frame, {level} upper limit",
             found["upper"]),
            (f"{name}.low_rate", f"error rate, {level} lower limit", found["lower_rate"]),
            (f"{name}.high_rate", f"error rate, {level} upper limit", found["upper_rate"]),
        ]  # fmt: skip
    return rows


def appraisal_rows(result: dict) -> list[tuple[str, str, object]]:
    """(figure, label, value) of every appraisal figure, in the order printed."""
    attributes, variables = result["attributes"], result["variables"]
    rows = [(f"attributes.{key}", label, attributes[key]) for key, label in ATTRIBUTE_ROWS]
    rows += interval_rows("attributes", attributes["intervals"])
    for key, label in VARIABLE_ROWS:
        if key in variables:
            rows.append((f"variables.{key}", label or limit_label(key, variables["confidence"]),
                         variables[key]))  # fmt: skip
    for s in variables.get("strata", []):
        for key, label in STRATUM_ROWS:
            rows.append((f"stratum[{s['stratum']}].{key}", f"{s['stratum']}: {label}", s[key]))
    return rows


def figure_kind(name: str, value) -> str:
    """How a figure is shown: text, rate, count (whole), number (1 decimal) or money. Decided
    by the figure's last name part (a stratum's name may hold anything)."""
    if isinstance(value, str):
        return "text"
    last = name.rsplit(".", 1)[-1]
    if last.endswith("rate"):
        return "rate"
    if last in ("frame_size", "sample_size", "errors", "degrees_of_freedom") \
            or last.endswith("_errors"):  # fmt: skip
        return "count" if float(value).is_integer() else "number"
    return "money"


def to_cents(value: float | Decimal) -> Decimal:
    """Money to the cent, half up, as a person rounds the figure written out: a float by its
    shortest decimal form (a mean of 9.335 is $9.34, not the $9.33 its binary value rounds to)."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    return abs(amount) if (amount := exact.quantize(CENT, ROUND_HALF_UP)).is_zero() else amount


def money_text(value: float | Decimal) -> str:
    amount = to_cents(value)
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def figure_text(name: str, value) -> str:
    """A figure for people: rates as percentages with 2 decimals (4 decimals of the rate), counts
    with thousands separators, money to the cent."""
    kind = figure_kind(name, value)
    if kind == "text":
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return "n/a"
    if kind == "rate":
        return f"{value:.2%}"
    if kind == "count":
        return f"{value:,.0f}"
    if kind == "number":
        return f"{value:,.1f}"
    return money_text(value)
