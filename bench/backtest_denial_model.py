"""Back-test of the predicted-denial model (docs/denial-model.md) on a practice, month by month.

Generates the demo practice (unlisted/synthetic, 20,000 visits, seed 7) into a temporary folder
and loads it with the demo's rules file, or takes a database already loaded (--db). Then, for
each month: trains on the target-code lines first adjudicated before the month (as `unlisted
model train --before` would), scores the lines first adjudicated in the month, and compares the
predictions with what the payers did. For the model and for a baseline (each payer's plain
initial-denial rate over the same training lines; a payer without training lines gets the
overall rate) it prints the AUC and the Brier score, then the calibration of both (predicted
against observed denial rate in 5 bins of equal size by prediction).
Verdict: the model's AUC is at least 0.75 and above the baseline's in every month.

    python bench/backtest_denial_model.py [--claims 20000] [--seed 7] [--db FILE]
        [--first-month 2025-04] [--min-lines 100]

A month is judged when its model learned from at least --min-lines lines (by default the 100 a
model needs, so every month a model can be trained for is judged; raise it to judge only the
months with more history); a month with fewer is shown and marked, not judged. Months whose
test has fewer than 50 lines or one class only are skipped (said so).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl
from unlisted.etl.database import connect
from unlisted.queries import denial_model as dm

from unlisted.pipeline import load_files
from unlisted.settings import load_config

TARGET_AUC = 0.75
MIN_TEST = 50


def build(folder: Path, claims: int, seed: int) -> Path:
    """The demo practice generated into folder/files and loaded into folder/unlisted.duckdb."""
    from unlisted.synthetic.generate import facts_path, generate

    generate(folder / "files", claims=claims, seed=seed)
    os.environ["UNLISTED_RULES"] = str(facts_path(folder / "files"))
    db = folder / "unlisted.duckdb"
    con = connect(db)
    try:
        load_files(con, [folder / "files"], load_config())
    finally:
        con.close()
    return db


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def baseline(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
    """Each test line's payer's initial-denial rate over the training lines."""
    overall = float(train["initial_denied"].mean())
    rates = train.group_by("payer").agg(pl.col("initial_denied").mean().alias("rate"))
    return (test.select("payer").join(rates, on="payer", how="left", maintain_order="left")
            ["rate"].fill_null(overall).to_numpy())  # fmt: skip


def run(db: Path, first_month: dt.date | None, min_lines: int) -> bool:
    con = connect(db)
    try:
        codes = list(load_config()["metrics"]["codes"])
        features = dm.line_features(con, codes)
    finally:
        con.close()
    lines = dm.labelled(features)
    print(f"{lines.height:,} adjudicated {', '.join(codes)} lines (timely-filing denials left "
          f"out: {features['timely_filing_denial'].sum()}), first adjudicated "
          f"{lines['first_remit_date'].min()} to {lines['first_remit_date'].max()}; "
          f"initial denial rate {lines['initial_denied'].mean():.1%}")  # fmt: skip
    start = first_month or lines["first_remit_date"].min()
    rows, calib, ok, judged = [], [], True, 0
    for month in months(start, lines["first_remit_date"].max()):
        following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        train = dm.training_lines(features, month)
        test = lines.filter((pl.col("first_remit_date") >= month)
                            & (pl.col("first_remit_date") < following))  # fmt: skip
        y = test["initial_denied"].cast(pl.Float64).to_numpy()
        if train.height < dm.MIN_LINES or test.height < MIN_TEST or y.min() == y.max():
            print(f"{month:%Y-%m}: skipped ({train.height} training lines, {test.height} to "
                  "score)")  # fmt: skip
            continue
        try:
            model = dm.fit(train)
        except dm.TooFewLines as exc:
            print(f"{month:%Y-%m}: skipped ({exc})")
            continue
        p = dm.probabilities(model, test)
        b = baseline(train, test)
        m_auc, b_auc = dm.auc(y, p), dm.auc(y, b)
        month_ok = m_auc >= TARGET_AUC and m_auc > b_auc
        if train.height >= min_lines:
            judged += 1
            ok &= month_ok
            mark = "" if month_ok else "  <- short"
        else:
            mark = f"  (under {min_lines:,} training lines: shown, not judged)"
        rows.append((f"{month:%Y-%m}", train.height, test.height, y.mean(), m_auc, b_auc,
                     dm.brier(y, p), dm.brier(y, b), mark))  # fmt: skip
        calib.append((f"{month:%Y-%m}", dm.calibration(y, p), dm.calibration(y, b)))
    print()
    print("month    train   test  denied  AUC model  AUC payer rate  Brier model  "
          "Brier payer rate")  # fmt: skip
    for r in rows:
        print(f"{r[0]}  {r[1]:6,d} {r[2]:6,d}  {r[3]:6.1%}  {r[4]:9.3f}  {r[5]:14.3f}  "
              f"{r[6]:11.4f}  {r[7]:16.4f}{r[8]}")  # fmt: skip
    print()
    print("calibration: predicted / observed denial rate in 5 bins of equal size, low to high")
    for month, model_bins, base_bins in calib:
        shown = "  ".join(f"{pr:.0%}/{ob:.0%}" for _, pr, ob in model_bins)
        base = "  ".join(f"{pr:.0%}/{ob:.0%}" for _, pr, ob in base_bins)
        print(f"{month}  model: {shown}")
        print(f"{'':7}  payer rate: {base}")
    print()
    if judged == 0:
        print("verdict: no month could be judged")
        return False
    print(f"verdict: {'PASS' if ok else 'FAIL'}: model AUC >= {TARGET_AUC} and above the payer "
          f"rate's in {'every one' if ok else 'not every one'} of {judged} months")  # fmt: skip
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--db", type=Path, help="A database already loaded (skips generating).")
    parser.add_argument("--first-month", type=lambda s: dt.date.fromisoformat(s + "-01"),
                        default=None, help="First month to score, YYYY-MM.")  # fmt: skip
    parser.add_argument("--min-lines", type=int, default=dm.MIN_LINES,
                        help="Training lines a month needs to be judged.")  # fmt: skip
    args = parser.parse_args()
    if args.db is not None:
        ok = run(args.db, args.first_month, args.min_lines)
    else:
        with tempfile.TemporaryDirectory(prefix="unlisted-backtest-") as folder:
            print(f"generating and loading a practice of {args.claims:,} visits (seed "
                  f"{args.seed}) ...")  # fmt: skip
            db = build(Path(folder), args.claims, args.seed)
            ok = run(db, args.first_month, args.min_lines)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
