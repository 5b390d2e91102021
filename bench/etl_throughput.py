"""ETL throughput: `unlisted load` against pyx12's plain segment reader on the same large files.

Builds a large 837P and a large 835 by repeating public sample claims with fresh ids (many ST/SE
transactions of 1,000 claims, as clearinghouses send them), then, for each file, in the same run:
  - pyx12.x12file.X12Reader iterating every segment (it reads, nothing more);
  - `unlisted load FILE --db NEW.duckdb` (parse, validate, load, commit).
Prints MB/s of both, the ratio, and the peak resident memory of the load, at two file sizes so
that growth with input size shows; then the same for parsing alone (the C parser, no database),
to show how the time splits between reading X12 and writing DuckDB.

    python bench/etl_throughput.py [--mb 100] [--small-mb 25] [--out bench/out]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "x12-samples"
CLAIMS_PER_TRANSACTION = 1000

ISA = (
    "ISA*00*          *00*          *ZZ*BENCHSUBMITTER *ZZ*BENCHRECEIVER  *261129*1200*^*00501*"
    "{control:09d}*0*P*:~\n"
)


def claim_template() -> tuple[list[str], list[str]]:
    """Header (ST..2000A) and one subscriber+claim block (2000B..last line) of demo.837."""
    text = (SAMPLES / "LinuxForHealth__x12" / "demo.837").read_text()
    segments = [s.strip() for s in text.split("~") if s.strip()]
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    first_subscriber = next(i for i, s in enumerate(segments) if s.startswith("HL*2*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    return segments[st + 1 : first_subscriber], segments[first_subscriber:se]


def remit_template() -> tuple[list[str], list[str]]:
    text = (SAMPLES / "albmarin__badX12" / "X221-era-sample.edi").read_text()
    segments = [s.strip() for s in text.split("~") if s.strip()]
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    first_claim = next(i for i, s in enumerate(segments) if s.startswith("CLP*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    header = [s for s in segments[st + 1 : first_claim] if not s.startswith("LX*")]
    return header, segments[first_claim:se]


def write_837(path: Path, megabytes: int) -> None:
    header, block = claim_template()
    target = megabytes * 1_000_000
    with path.open("w") as f:
        f.write(ISA.format(control=1))
        f.write("GS*HC*BENCHSUBMITTER*BENCHRECEIVER*20261129*1200*1*X*005010X222A1~\n")
        claim = 0
        transactions = 0
        while f.tell() < target:
            transactions += 1
            body = [*header]
            for _ in range(CLAIMS_PER_TRANSACTION):
                claim += 1
                hl = 2 * (claim % CLAIMS_PER_TRANSACTION) + 2
                for segment in block:
                    if segment.startswith("HL*2*"):
                        segment = f"HL*{hl}*1*22*1"
                    elif segment.startswith("HL*3*"):
                        segment = f"HL*{hl + 1}*{hl}*23*0"
                    elif segment.startswith("CLM*"):
                        segment = f"CLM*B{claim:010d}*" + segment.split("*", 2)[2]
                    body.append(segment)
            control = f"{transactions:04d}"
            f.write(f"ST*837*{control}*005010X222A1~\n")
            f.write("~\n".join(body) + "~\n")
            f.write(f"SE*{len(body) + 2}*{control}~\n")
        f.write(f"GE*{transactions}*1~\nIEA*1*000000001~\n")


def write_835(path: Path, megabytes: int) -> None:
    header, block = remit_template()
    paid = Decimal(next(s for s in block if s.startswith("CLP*")).split("*")[4])
    target = megabytes * 1_000_000
    with path.open("w") as f:
        f.write(ISA.format(control=2))
        f.write("GS*HP*BENCHPAYER*BENCHRECEIVER*20261129*1200*1*X*005010X221A1~\n")
        claim = 0
        transactions = 0
        while f.tell() < target:
            transactions += 1
            body = []
            for segment in header:
                if segment.startswith("BPR*"):
                    parts = segment.split("*")
                    parts[2] = str(paid * CLAIMS_PER_TRANSACTION)
                    segment = "*".join(parts)
                elif segment.startswith("TRN*"):
                    segment = f"TRN*1*BENCH{transactions:08d}*1512345678"
                body.append(segment)
            body.append("LX*1")
            for _ in range(CLAIMS_PER_TRANSACTION):
                claim += 1
                for segment in block:
                    if segment.startswith("CLP*"):
                        parts = segment.split("*")
                        parts[1], parts[7] = f"B{claim:010d}", f"ICN{claim:012d}"
                        segment = "*".join(parts)
                    body.append(segment)
            control = f"{transactions:04d}"
            f.write(f"ST*835*{control}~\n")
            f.write("~\n".join(body) + "~\n")
            f.write(f"SE*{len(body) + 2}*{control}~\n")
        f.write(f"GE*{transactions}*1~\nIEA*1*000000002~\n")


def run_measured(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (bytes, the process and its children) and stdout of a command."""
    start = time.perf_counter()
    process = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            try:
                rss = process.memory_info().rss
                rss += sum(c.memory_info().rss for c in process.children(recursive=True))
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0,):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err[-2000:]}")
    return elapsed, peak, out


PARSE_ONLY = (
    "import sys, time\nfrom pathlib import Path\n"
    "from unlisted.etl.context import FileContext\nfrom unlisted.etl.x12.parse import X12File\n"
    "ids = dict.fromkeys(('claim', 'claim_line', 'remit', 'remit_claim', 'remit_line'), 1)\n"
    "start = time.perf_counter()\n"
    "X12File(Path(sys.argv[1])).load_into(FileContext(1, ids), lambda table, rows: None)\n"
    "print(time.perf_counter() - start)\n"
)
PYX12_READ = (
    "import sys\nfrom pyx12.x12file import X12Reader\n"
    "n = sum(1 for _ in X12Reader(sys.argv[1]))\nprint(n)\n"
)


def measure(path: Path, out: Path) -> dict:
    size_mb = path.stat().st_size / 1e6
    db = out / f"{path.stem}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    ours, peak, _ = run_measured(
        [sys.executable, "-m", "unlisted.cli", "load", str(path), "--db", str(db), "--json"]
    )
    theirs, _, segments = run_measured([sys.executable, "-c", PYX12_READ, str(path)])
    _, parse_peak, parse_out = run_measured([sys.executable, "-c", PARSE_ONLY, str(path)])
    parse = float(parse_out)
    db.unlink(missing_ok=True)
    return {
        "file": path.name, "MB": size_mb, "segments": int(segments),
        "ours_s": ours, "ours_MBps": size_mb / ours, "pyx12_s": theirs,
        "pyx12_MBps": size_mb / theirs, "ratio": theirs / ours, "peak_rss_MB": peak / 1e6,
        "parse_s": parse, "parse_ratio": theirs / parse, "parse_rss_MB": parse_peak / 1e6,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="size of the large files (MB)")
    parser.add_argument("--small-mb", type=int, default=25, help="size of the small files (MB)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for megabytes in (args.small_mb, args.mb):
        for kind, writer in (("837p", write_837), ("835", write_835)):
            path = args.out / f"bench-{kind}-{megabytes}mb.x12"
            if not path.exists() or path.stat().st_size < megabytes * 1_000_000:
                writer(path, megabytes)
            rows.append(measure(path, args.out))
            row = rows[-1]
            print(
                f"{row['file']:<24} {row['MB']:7.1f} MB  {row['segments']:>10,} segments  "
                f"unlisted load {row['ours_s']:6.2f} s = {row['ours_MBps']:6.1f} MB/s  "
                f"pyx12 read {row['pyx12_s']:6.2f} s = {row['pyx12_MBps']:5.1f} MB/s  "
                f"ratio {row['ratio']:5.1f}x  peak RSS {row['peak_rss_MB']:6.0f} MB | "
                f"parse only {row['parse_s']:5.2f} s = {row['MB'] / row['parse_s']:6.1f} MB/s, "
                f"ratio {row['parse_ratio']:5.1f}x, peak RSS {row['parse_rss_MB']:4.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
