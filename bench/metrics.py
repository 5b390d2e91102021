"""Marts and metrics speed: rebuild line_adjudication and compute every figure at scale.

Generates the synthetic practice at the requested number of claim lines (reusing bench/out when
already there), loads it, then times the mart rebuild, a full metrics run (every grouping), and
the filtered queries the dashboard issues (p50 and p95 over repeated runs, one filter change
each). Target: filtered metric queries under 300 ms at 1 million lines.

    python bench/metrics.py [--lines 1000000] [--out bench/out]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from unlisted.queries.metrics import GROUPINGS, Filters, Settings, compute

from unlisted.pipeline import rebuild_marts

ROOT = Path(__file__).resolve().parents[1]
LINES_PER_CLAIM = 2.45


def practice_database(out: Path, lines: int) -> Path:
    folder = out / f"metrics-practice-{lines}"
    db = folder / "unlisted.duckdb"
    if db.exists():
        return db
    claims = int(lines / LINES_PER_CLAIM)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "unlisted.cli", "generate", str(folder / "files"),
                    "--claims", str(claims)], check=True, capture_output=True)  # fmt: skip
    generated = time.perf_counter()
    inputs = [folder / "files" / p for p in ("claims", "remits", "notes", "contracts.csv")]
    subprocess.run([sys.executable, "-m", "unlisted.cli", "load", *map(str, inputs), "--db",
                    str(db), "--json"], check=True, capture_output=True)  # fmt: skip
    print(f"generated in {generated - started:.1f} s, loaded (with marts) in "
          f"{time.perf_counter() - generated:.1f} s", flush=True)  # fmt: skip
    return db


def timed(function, repeat: int = 1) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    db = practice_database(args.out, args.lines)
    con = duckdb.connect(str(db))
    lines = con.execute("SELECT count(*) FROM claim_line").fetchone()[0]
    rebuild = timed(lambda: rebuild_marts(con))[0]
    settings = Settings(as_of=dt.date(2026, 1, 31))
    target = Filters(codes=("97139",))
    full = timed(lambda: [compute(con, target, settings, by=by) for by in (None, *GROUPINGS)])
    payers = [
        r[0] for r in con.execute("SELECT DISTINCT payer_id FROM claim ORDER BY 1").fetchall()
    ]
    filters = [
        Filters(codes=("97139",)),
        Filters(codes=("97139",), payers=(payers[0],)),
        Filters(codes=("97139",), start=dt.date(2025, 4, 1), end=dt.date(2025, 6, 30)),
        Filters(codes=("97139",), basis="payment", start=dt.date(2025, 7, 1)),
        Filters(codes=("97139",), modifiers=("59",), payers=tuple(payers[:2])),
    ]
    filtered = []
    for k in range(args.repeat):
        flt = filters[k % len(filters)]
        filtered += timed(lambda flt=flt: compute(con, flt, settings, by="month"))
    filtered.sort()
    p95 = filtered[max(0, int(len(filtered) * 0.95) - 1)]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"{lines:,} claim lines: mart rebuild {rebuild / 1000:.2f} s; full metrics run "
        f"(overall + {len(GROUPINGS)} groupings) {full[0] / 1000:.2f} s; filtered metric query "
        f"by month p50 {statistics.median(filtered):.0f} ms, p95 {p95:.0f} ms "
        f"({len(filtered)} runs); peak RSS {peak} MB",
        flush=True,
    )


if __name__ == "__main__":
    main()
