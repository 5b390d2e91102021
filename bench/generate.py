"""Generator speed and memory: `unlisted generate` writing 1 million claim lines.

Runs the generator in a child process (so its peak resident memory is its own), at two sizes to
show that memory does not grow with --claims, and prints time, throughput and peak RSS.
Targets: 1 million claim lines in under 2 minutes, peak memory under 1 GB.

    python bench/generate.py [--lines 1000000] [--out bench/out]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from measure import run_measured

from unlisted.synthetic.generate import truth_path

ROOT = Path(__file__).resolve().parents[1]
LINES_PER_CLAIM = 2.45  # a little under the measured 2.48 claim lines per claim: at least --lines


def run(outdir: Path, claims: int) -> dict:
    shutil.rmtree(outdir, ignore_errors=True)
    command = [sys.executable, "-m", "unlisted.cli", "generate", str(outdir),
               "--claims", str(claims)]  # fmt: skip
    elapsed, peak, _ = run_measured(command)
    truth = json.loads(truth_path(outdir).read_text())
    size = sum(p.stat().st_size for p in outdir.rglob("*") if p.is_file())
    return {"claims": truth["counts"]["claims"], "lines": truth["counts"]["claim_lines"],
            "seconds": elapsed, "peak_mb": peak / 1e6, "size_mb": size / 1e6}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    for lines in (args.lines // 10, args.lines):
        row = run(args.out / f"practice-{lines}", int(lines / LINES_PER_CLAIM))
        print(
            f"{row['lines']:>10,} claim lines ({row['claims']:,} claims, {row['size_mb']:.0f} MB "
            f"written): {row['seconds']:6.1f} s = {row['lines'] / row['seconds']:8,.0f} lines/s, "
            f"peak RSS {row['peak_mb']:5.0f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
