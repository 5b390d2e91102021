"""The predicted-denial model (docs/denial-model.md): a logistic regression of the initial denial
of a target-code line on plain facts about the line (queries/model/line_features.sql), learned
from the practice's own adjudicated lines, stored as JSON (etl/models.py writes it) and scored
here with numpy alone.

Each score comes with the line's reasons: the contribution of a fact is the change in the
predicted probability when that fact alone is set to its favourable value (a payer or discipline
to the average one), everything else about the line kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import duckdb
import numpy as np
import polars as pl

from .sql import sql

# The 0/1 facts, in the model's order: (words when the line has the fact, words when not).
BINARY: dict[str, tuple[str, str]] = {
    "no_note": ("no treatment note for the visit", "a treatment note for the visit"),
    "note_incomplete": ("the documentation lacks one or more of the six elements",
                        "the note has all six elements"),
    "note_lacks_description": ("no description of the service documented",
                               "a description of the service documented"),
    "note_lacks_purpose": ("no functional goal documented", "a functional goal documented"),
    "note_lacks_duration": ("no minutes or frequency documented",
                            "minutes and frequency documented"),
    "note_lacks_rationale": ("no clinical rationale documented",
                             "a clinical rationale documented"),
    "note_lacks_credentials": ("no credentialed signature documented",
                               "a credentialed signature documented"),
    "note_lacks_involvement": ("no one-on-one involvement documented",
                               "one-on-one involvement documented"),
    "no_narrative": ("no narrative on the claim (SV101-7 or line NTE)",
                     "a narrative on the claim"),
    "short_narrative": ("a narrative under 20 characters", "no narrative under 20 characters"),
    "narrative_names_coded_service": ("the narrative names a service with a code of its own "
                                      "(dry needling, aquatic therapy, iontophoresis, paraffin)",
                                      "the narrative names no service with a code of its own"),
    "no_therapy_modifier": ("no therapy modifier (GP/GO/GN)", "a therapy modifier (GP/GO/GN)"),
    "distinct_modifier": ("a distinct-service modifier (59/XE/XS/XP/XU)",
                          "no distinct-service modifier (59/XE/XS/XP/XU)"),
    "assistant_modifier": ("an assistant modifier (CQ/CO)", "no assistant modifier (CQ/CO)"),
    "units_2_or_more": ("2 or more units", "1 unit"),
    "units_3_or_more": ("3 or more units", "fewer than 3 units"),
    "no_authorization": ("no prior authorization number (REF*G1)",
                         "a prior authorization number (REF*G1)"),
    "same_day_similar_code": ("a similar specific code the same day, no distinct-service "
                              "modifier", "no similar specific code the same day"),
}  # fmt: skip
# The values of a fact that may be given as a reason: a fact is blamed when the line has it
# (1), and a modifier also when the line lacks it; "fewer than 3 units" is never a reason, even
# where the practice's history makes 3 units look safer.
REASON_WHEN: dict[str, list[int]] = {"distinct_modifier": [0, 1], "assistant_modifier": [0, 1]}
# The categories: each value seen in training gets a coefficient; the reference (the training
# lines' average of those coefficients) stands for a value the model has not seen.
CATEGORIES: dict[str, str] = {"payer": "payer", "discipline": "rendering discipline"}
C = 1.0  # inverse strength of the L2 penalty (scikit-learn's LogisticRegression default)
MAX_ITERATIONS = 5000
# A payer's own effect of a fact (what it adds to the general effect) enters the regression
# scaled by this, so its penalty is 1/PAYER_SHRINK**2 times the general effect's (4x): with
# few lines a payer's deviations stay small (the first months' model no longer fits noise:
# back-test AUC in the demo's third month 0.737 -> 0.756), and with many they still show.
PAYER_SHRINK = 0.5
MIN_LINES = 100  # training lines a model needs
MIN_CLASS = 10  # denied lines, and paid lines, a model needs
SPEC_VERSION = 2  # raise when the features or the label change meaning
REASONS = 3  # reasons given per line
MIN_POINTS = 0.5  # smaller contributions (in percentage points) are no reason


class TooFewLines(ValueError):
    """The training lines cannot make a model; the message says why, in words."""


def frame(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> pl.DataFrame:
    with con.cursor() as cursor:
        return pl.from_arrow(cursor.sql(sql(name), params=params).to_arrow_table())


def line_features(
    con: duckdb.DuckDBPyConnection, codes: list[str], claim_line_ids: list[int] | None = None
) -> pl.DataFrame:
    """The features (and label columns) of the target-code lines of the claims in force
    (queries/model/line_features.sql); `claim_line_ids`: only those lines."""
    ids = None if claim_line_ids is None else list(claim_line_ids)
    return frame(con, "model/line_features",
                 {"codes": [c.upper() for c in codes], "claim_line_ids": ids})  # fmt: skip


def labelled(features: pl.DataFrame) -> pl.DataFrame:
    """The lines a model learns from or is judged on: adjudicated, and not denied for timely
    filing (CARC 29: decided by the day the claim was sent, not by the line)."""
    return features.filter(pl.col("adjudicated") & ~pl.col("timely_filing_denial"))


def training_lines(features: pl.DataFrame, before: dt.date) -> pl.DataFrame:
    """The labelled lines first adjudicated before `before`."""
    return labelled(features).filter(pl.col("first_remit_date") < before)


# ---------------------------------------------------------------------------------------------
# Fitting


def design(features: pl.DataFrame, model: dict) -> np.ndarray:
    """The lines' 0/1 facts as a float matrix, in the model's order; a fact that every
    training line of the line's payer had (model["always"]) is 0: it tells nothing of that
    payer's lines (the payer's own coefficient carries it)."""
    names = model["features"]
    if features.height == 0:
        return np.zeros((0, len(names)))
    x = np.array(features.select(names).cast(pl.Float64).to_numpy(), dtype=float)  # a copy
    always = model.get("always", {})
    if always:
        payers = features["payer"]
        for j, name in enumerate(names):
            if always.get(name):
                x[payers.is_in(always[name]).to_numpy(), j] = 0.0
    return x


def category_index(features: pl.DataFrame, values: list[str], column: str) -> np.ndarray:
    """Each line's position among `values` (-1: a value not among them)."""
    position = {v: i for i, v in enumerate(values)}
    return np.array([position.get(v, -1) for v in features[column].to_list()], dtype=np.int64)


def training_matrix(features: pl.DataFrame, names: list[str], levels: dict[str, list[str]],
                    always: dict[str, list[str]]) -> np.ndarray:  # fmt: skip
    """The regression's inputs: the facts, the payers and disciplines one-hot, then each fact
    once more per payer (what it adds for that payer beyond its general effect)."""
    base = design(features, {"features": names, "always": always})
    blocks = [base]
    indexes = {}
    for key, values in levels.items():
        index = category_index(features, values, key)
        indexes[key] = index
        onehot = np.zeros((features.height, len(values)))
        onehot[np.arange(features.height), index] = 1.0
        blocks.append(onehot)
    payers = levels["payer"]
    for j in range(len(names)):
        by_payer = np.zeros((features.height, len(payers)))
        by_payer[np.arange(features.height), indexes["payer"]] = base[:, j] * PAYER_SHRINK
        blocks.append(by_payer)
    return np.hstack(blocks)


def fit(features: pl.DataFrame, c: float = C) -> dict:
    """The model (a JSON-able dict) learned from labelled lines: scikit-learn's
    LogisticRegression (L2 penalty C=c, the intercept not penalised, L-BFGS) with payers and
    disciplines one-hot. Scoring needs only the coefficients (numpy)."""
    from sklearn.linear_model import LogisticRegression

    y = features["initial_denied"].cast(pl.Float64).to_numpy()
    denied = int(y.sum())
    if features.height < MIN_LINES:
        raise TooFewLines(f"{features.height} adjudicated lines to learn from; a model needs at "
                          f"least {MIN_LINES}")  # fmt: skip
    if denied < MIN_CLASS or features.height - denied < MIN_CLASS:
        raise TooFewLines(f"{denied} of the {features.height} adjudicated lines were denied at "
                          f"first; a model needs at least {MIN_CLASS} denied and {MIN_CLASS} "
                          "not denied")  # fmt: skip
    names = list(BINARY)
    levels = {k: sorted(features[k].unique().to_list()) for k in CATEGORIES}
    # facts every line of a payer had: no telling their effect from the payer's own
    shares = features.group_by("payer").agg(pl.col(names).cast(pl.Float64).min()).sort("payer")
    always = {n: [p for p, v in zip(shares["payer"].to_list(), shares[n].to_list(), strict=True)
                  if v == 1.0] for n in names}  # fmt: skip
    always = {n: ps for n, ps in always.items() if ps}
    x = training_matrix(features, names, levels, always)
    payers = levels["payer"]
    solved = LogisticRegression(C=c, solver="lbfgs", tol=1e-8, max_iter=MAX_ITERATIONS).fit(x, y)
    w, intercept = solved.coef_[0], float(solved.intercept_[0])
    model: dict = {
        "kind": "logistic regression",
        "penalty": f"L2, C={c:g}, intercept not penalised, a payer's own effects "
                   f"{1 / PAYER_SHRINK**2:g}x; L-BFGS (scikit-learn)",
        "scaling": "none: every fact is 0 or 1",
        "spec_version": SPEC_VERSION,
        "intercept": intercept,
        "features": names,
        "coefficients": {n: float(v) for n, v in zip(names, w[: len(names)], strict=True)},
        "words": {n: list(BINARY[n]) for n in names},
        "reason_when": {n: REASON_WHEN.get(n, [1]) for n in names},
        "lines_with": {n: int(features[n].sum()) for n in names},
        "always": always,
        "categories": {},
    }
    at = len(names)
    for key, values in levels.items():
        coefs = w[at: at + len(values)]
        at += len(values)
        counts = features[key].value_counts()
        count = dict(zip(counts[key].to_list(), counts["count"].to_list(), strict=True))
        weights = np.array([count[v] for v in values], dtype=float)
        model["categories"][key] = {
            "label": CATEGORIES[key],
            "coefficients": {v: float(cf) for v, cf in zip(values, coefs, strict=True)},
            "lines": {v: int(count[v]) for v in values},
            # a value not seen in training: the training lines' average coefficient
            "reference": float((coefs * weights).sum() / weights.sum()),
        }
    # a payer not seen in training: each fact's general effect alone
    model["by_payer"] = {}
    for name in names:
        coefs = w[at: at + len(payers)]
        at += len(payers)
        # the coefficient of the scaled input, as the effect of the fact itself
        model["by_payer"][name] = {v: float(cf) * PAYER_SHRINK
                                   for v, cf in zip(payers, coefs, strict=True)}  # fmt: skip
    if "payer_name" in features.columns:
        names_of = (features.group_by("payer").agg(pl.col("payer_name").drop_nulls().last())
                    .sort("payer"))  # fmt: skip
        model["categories"]["payer"]["names"] = {
            p: n for p, n in zip(names_of["payer"].to_list(), names_of["payer_name"].to_list(),
                                 strict=True) if n is not None}  # fmt: skip
    p = probabilities(model, features)
    model["training"] = {
        "lines": features.height,
        "denied": denied,
        "denial_rate": denied / features.height,
        "auc": auc(y, p),
        "brier": brier(y, p),
        "converged": bool(solved.n_iter_[0] < MAX_ITERATIONS),
    }
    return model


def fingerprint(features: pl.DataFrame, c: float = C) -> str:
    """SHA-256 of the training lines' features and labels (as a set of rows: the order of the
    lines and their ids do not count) and of the model's specification (the features' SQL and
    meaning, the label, the penalty)."""
    columns = [*CATEGORIES, *BINARY, "initial_denied"]
    rows = sorted(
        "\t".join("" if v is None else str(int(v)) if isinstance(v, bool) else str(v) for v in r)
        for r in features.select(columns).iter_rows()
    )
    digest = hashlib.sha256()
    spec = {"spec_version": SPEC_VERSION, "c": c, "columns": columns, "words": BINARY,
            "sql": sql("model/line_features"),
            "label": "initial_denied; adjudicated lines; CARC 29 left out"}  # fmt: skip
    digest.update(json.dumps(spec, sort_keys=True).encode())
    for row in rows:
        digest.update(row.encode())
        digest.update(b"\n")
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Scoring: numpy and Polars only


def logits(model: dict, features: pl.DataFrame) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Each line's log-odds, and per category the coefficient each line got."""
    z = (design(features, model) * effective(model, features)).sum(axis=1) + model["intercept"]
    taken = {}
    for key, cat in model["categories"].items():
        coefs = cat["coefficients"]
        got = np.array([coefs.get(v, cat["reference"]) for v in features[key].to_list()],
                       dtype=float)  # fmt: skip
        taken[key] = got
        z = z + got
    return z, taken


def effective(model: dict, features: pl.DataFrame) -> np.ndarray:
    """Each line's coefficient of each fact: its general effect plus its payer's own (none for
    a payer not seen in training)."""
    payers = features["payer"].to_list()
    columns = []
    for name in model["features"]:
        own = model.get("by_payer", {}).get(name, {})
        general = model["coefficients"][name]
        columns.append([general + own.get(p, 0.0) for p in payers])
    return np.array(columns, dtype=float).T.reshape(features.height, len(model["features"]))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def probabilities(model: dict, features: pl.DataFrame) -> np.ndarray:
    return sigmoid(logits(model, features)[0])


def points(value: float) -> str:
    """A contribution in signed percentage points: +18 points, -3 points, +0.7 points."""
    pts = value * 100
    shown = f"{pts:+.0f}" if abs(pts) >= 1 else f"{pts:+.1f}"
    return f"{shown} {'point' if shown in ('+1', '-1') else 'points'}"


def contributions(model: dict, features: pl.DataFrame) -> tuple[np.ndarray, list[list[tuple]]]:
    """The probabilities, and for each line its contributions as (probability points, words),
    largest first in size. A fact's contribution is the probability minus the probability with
    that fact alone at its favourable value (the one of lower risk: 0 for a fact whose
    coefficient is positive), given as a reason only for the values model["reason_when"]
    allows (the fact itself, or for a modifier its absence too); a payer's or discipline's, minus
    the probability with the training lines' average coefficient of that category instead of
    its own."""
    z, taken = logits(model, features)
    p = sigmoid(z)
    x = design(features, model)
    coef = effective(model, features)
    rows: list[list[tuple]] = [[] for _ in range(features.height)]
    for j, name in enumerate(model["features"]):
        favourable = (coef[:, j] <= 0).astype(float)
        shift = coef[:, j] * (x[:, j] - favourable)
        delta = p - sigmoid(z - shift)
        when_1, when_0 = model["words"][name]
        when = model.get("reason_when", {}).get(name, REASON_WHEN.get(name, [1]))
        blamed = np.isin(x[:, j], when)
        for i in np.nonzero((np.abs(delta) * 100 >= MIN_POINTS) & blamed)[0]:
            rows[i].append((float(delta[i]), when_1 if x[i, j] else when_0))
    for key, cat in model["categories"].items():
        delta = p - sigmoid(z - (taken[key] - cat["reference"]))
        values = features[key].to_list()
        names = cat.get("names", {})
        for i in np.nonzero(np.abs(delta) * 100 >= MIN_POINTS)[0]:
            value = values[i]
            shown = f"{names[value]} ({value})" if value in names else value
            rows[i].append((float(delta[i]), f"{cat['label']} {shown}"))
    for row in rows:
        row.sort(key=lambda r: -abs(r[0]))
    return p, rows


def score_frame(model: dict, features: pl.DataFrame) -> pl.DataFrame:
    """claim_line_id, probability (0..1) and reasons (the top 3 contributions in words, e.g.
    "no clinical rationale in the note: +18 points") of the lines in `features`."""
    if features.height == 0:
        return pl.DataFrame(schema={"claim_line_id": pl.Int64, "probability": pl.Float64,
                                    "reasons": pl.List(pl.String)})  # fmt: skip
    p, rows = contributions(model, features)
    reasons = [[f"{words}: {points(d)}" for d, words in row[:REASONS]] for row in rows]
    return pl.DataFrame(
        {"claim_line_id": features["claim_line_id"].cast(pl.Int64), "probability": p,
         "reasons": reasons},
        schema={"claim_line_id": pl.Int64, "probability": pl.Float64,
                "reasons": pl.List(pl.String)},
    )  # fmt: skip


def score_lines(
    con: duckdb.DuckDBPyConnection,
    model: dict,
    codes: list[str],
    claim_line_ids: list[int] | None = None,
) -> pl.DataFrame:
    """The stored model's scores of the target-code lines of the claims in force (`claim_line_ids`:
    only those): claim_line_id, probability (0..1), reasons (list of text, at most 3). Lines
    adjudicated or not alike."""
    return score_frame(model["model"] if "model" in model else model,
                       line_features(con, codes, claim_line_ids))  # fmt: skip


def score_batch(
    con: duckdb.DuckDBPyConnection, model: dict, codes: list[str], batches: list[int]
) -> pl.DataFrame:
    """score_lines for the target-code lines of the claims of the load batches `batches`."""
    with con.cursor() as cursor:
        ids = [i for (i,) in cursor.execute(sql("model/batch_line_ids"),
                                            {"batches": list(batches)}).fetchall()]  # fmt: skip
    return score_lines(con, model, codes, ids)


# ---------------------------------------------------------------------------------------------
# Stored models


def latest_model(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The model trained last (the row of denial_model, its `model` column parsed from JSON),
    or None when none is trained (or the database predates the table)."""
    with con.cursor() as cursor:
        try:
            found = cursor.execute(sql("model/latest_model"))
        except duckdb.CatalogException:
            return None
        names = [d[0] for d in found.description]
        row = found.fetchone()
    if row is None:
        return None
    record = dict(zip(names, row, strict=True))
    record["model"] = json.loads(record["model"])
    return record


def summary(record: dict) -> dict:
    """What a report says of the model that scored its lines (no coefficients)."""
    keep = ("model_id", "trained_at", "cutoff", "first_service_date", "last_service_date",
            "first_adjudication_date", "last_adjudication_date", "lines", "denials",
            "fingerprint", "program_version")  # fmt: skip
    out = {k: record[k] for k in keep}
    out["training_auc"] = record["model"]["training"]["auc"]
    out["training_brier"] = record["model"]["training"]["brier"]
    return out


def train(features: pl.DataFrame, codes: list[str], before: dt.date, program_version: str,
          c: float = C) -> dict:  # fmt: skip
    """The row to store for a model trained on `features`' lines first adjudicated before
    `before` (see training_lines). Raises TooFewLines."""
    lines = training_lines(features, before)
    model = fit(lines, c)
    return {
        "trained_at": dt.datetime.now().replace(microsecond=0),
        "cutoff": before,
        "first_service_date": lines["service_date"].min(),
        "last_service_date": lines["service_date"].max(),
        "first_adjudication_date": lines["first_remit_date"].min(),
        "last_adjudication_date": lines["first_remit_date"].max(),
        "lines": lines.height,
        "denials": int(lines["initial_denied"].sum()),
        "codes": sorted(c.upper() for c in codes),
        "program_version": program_version,
        "fingerprint": fingerprint(lines, c),
        "model": model,
    }


def model_words(model: dict) -> list[tuple[str, float, str]]:
    """The coefficients in words: (what, coefficient, effect on the odds), largest first."""
    out = []
    for name in model["features"]:
        coef = model["coefficients"][name]
        out.append((model["words"][name][0], coef, odds_words(coef)))
    for cat in model["categories"].values():
        names = cat.get("names", {})
        for value, coef in cat["coefficients"].items():
            shown = f"{names[value]} ({value})" if value in names else value
            rel = coef - cat["reference"]
            out.append((f"{cat['label']} {shown} (vs the average)", rel, odds_words(rel)))
    return sorted(out, key=lambda r: -abs(r[1]))


def odds_words(coef: float) -> str:
    factor = math.exp(coef)
    if factor >= 1:
        return f"odds of denial x{factor:.2f}"
    return f"odds of denial /{1 / factor:.2f}"


# ---------------------------------------------------------------------------------------------
# Measures


def auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Area under the ROC curve (scikit-learn's); None with one class only."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=float)
    if y.size == 0 or y.min() == y.max():
        return None
    return float(roc_auc_score(y, np.asarray(p, dtype=float)))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    """Mean squared difference between the predicted probability and the outcome (0 or 1)."""
    from sklearn.metrics import brier_score_loss

    return float(brier_score_loss(np.asarray(y, dtype=float), np.asarray(p, dtype=float)))


def calibration(y: np.ndarray, p: np.ndarray, bins: int = 5) -> list[tuple[int, float, float]]:
    """(lines, mean predicted, share denied) for each of `bins` groups of lines of equal size,
    by predicted probability."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="mergesort")
    return [(len(part), float(p[part].mean()), float(y[part].mean()))
            for part in np.array_split(order, bins) if len(part)]  # fmt: skip
