"""ETL throughput: `unlisted load` against pyx12's plain segment reader on the same large files.

Builds a large 837P and a large 835 from the synthetic practice (`unlisted generate`, realistic
claims with fresh ids: its weekly batches and payment runs appended into one file each, as
interchanges), then, for each file, in the same run:
  - pyx12.x12file.X12Reader iterating every segment (it reads, nothing more);
  - `unlisted load FILE --db NEW.duckdb --json`: the whole command (Python start-up, parse,
    validate, load, commit, then the mart rebuild), and the file's own load time from its JSON
    record (`seconds`: parse, validate, write and commit the file);
  - the loader alone in a process of its own (no mart rebuild), for its peak memory;
  - the C parser alone, no database;
  - DuckDB alone: the file's rows, parsed beforehand and held in memory, inserted into a new
    database with the loader's settings and committed. No parser can make the file's load
    faster than this, so pyx12's time over it is the best ratio any parser could reach.
Each size is measured twice: as the practice's files appended (many interchanges), and rewritten
as one transaction (one ST: all claims of one 837P, or one 835 payment holding every claim
payment), as a clearinghouse or a large payer may send them; the parser then hands the
transaction over in parts. Prints MB/s of each, the ratios to pyx12, and the peak resident
memory, at several file sizes so that growth with input size shows (the mart rebuild works on
the whole database, so the command's peak follows the database; the loader's must not follow
the file). Our runs are repeated (`--repeat`, best kept: the machine's noise only ever adds
time); pyx12's, which take half a minute each, run once.

    python bench/etl_throughput.py [--sizes 25,100,160] [--repeat 3] [--out bench/out]
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from measure import run_measured

ROOT = Path(__file__).resolve().parents[1]
PRACTICE_CLAIMS = 420_000  # about 260 MB of 837P and 165 MB of 835 from the synthetic practice


def practice(out: Path) -> Path:
    """The synthetic practice's files (generated once, then reused)."""
    folder = out / f"etl-practice-{PRACTICE_CLAIMS}"
    from unlisted.synthetic.generate import generate, truth_path

    if not truth_path(folder).exists():
        generate(folder, claims=PRACTICE_CLAIMS)
    return folder


def concatenate(sources: list[Path], target: Path, megabytes: int) -> Path:
    """Whole interchanges appended until the file holds `megabytes` (one ISA..IEA each)."""
    if target.exists() and target.stat().st_size >= megabytes * 1_000_000:
        return target
    with target.open("wb") as out:
        for source in sources:
            out.write(source.read_bytes())
            if out.tell() >= megabytes * 1_000_000:
                return target
    raise SystemExit(f"the practice has less than {megabytes} MB for {target.name}")


def one_transaction(source: Path, target: Path, kind: str) -> Path:
    """The interchanges of `source` as one ISA/GS/ST: the first transaction's header, then the
    body of every transaction (837P: from its first HL, HL numbers shifted to stay unique; 835:
    from its first LX or CLP, provider adjustments left out, BPR02 the sum of CLP04)."""
    if target.exists():
        return target
    data = source.read_text(encoding="utf-8")
    terminator = data[105]
    kept: list[str] = []
    body_starts = ("HL*",) if kind == "837p" else ("LX*", "CLP*")
    in_header, first, hl_offset, highest_hl, paid = False, True, 0, 0, Decimal(0)
    for segment in (s.strip() for s in data.split(terminator)):
        tag = segment.split("*", 1)[0]
        if not segment or tag in ("SE", "GE", "IEA", "PLB") or (tag in ("ISA", "GS") and not first):
            continue
        if tag == "ST":
            if not first:
                in_header, hl_offset = True, highest_hl
                continue
            first = False
        if in_header and not segment.startswith(body_starts):
            continue
        in_header = False
        if tag == "HL":
            elements = segment.split("*")
            elements[1] = str(int(elements[1]) + hl_offset)
            highest_hl = max(highest_hl, int(elements[1]))
            if elements[2]:
                elements[2] = str(int(elements[2]) + hl_offset)
            segment = "*".join(elements)
        elif tag == "CLP":
            paid += Decimal(segment.split("*")[4])
        kept.append(segment)
    if kind == "835":
        (bpr,) = [i for i, s in enumerate(kept) if s.startswith("BPR*")]
        elements = kept[bpr].split("*")
        elements[2] = str(paid)
        kept[bpr] = "*".join(elements)
    st = next(i for i, s in enumerate(kept) if s.startswith("ST*"))
    control, group, interchange = kept[st].split("*")[2], kept[1].split("*")[6], kept[0][90:99]
    kept += [f"SE*{len(kept) - st + 1}*{control}", f"GE*1*{group}", f"IEA*1*{interchange}"]
    target.write_text(f"{terminator}\n".join(kept) + f"{terminator}\n", encoding="utf-8")
    return target


PARSE_ONLY = (
    "import sys, time\nfrom pathlib import Path\n"
    "from unlisted.etl.context import FileContext\nfrom unlisted.etl.x12.parse import X12File\n"
    "ids = dict.fromkeys(('claim', 'claim_line', 'remit', 'remit_claim', 'remit_line'), 1)\n"
    "start = time.perf_counter()\n"
    "X12File(Path(sys.argv[1])).load_into(\n"
    "    FileContext(1, ids), lambda table, rows: None, lambda first, last: None)\n"
    "print(time.perf_counter() - start)\n"
)
INSERT_ONLY = (
    "import sys, time\nfrom pathlib import Path\n"
    "from unlisted.etl.context import FileContext\nfrom unlisted.etl.database import connect\n"
    "from unlisted.etl.writer import TableWriter\nfrom unlisted.etl.x12.parse import X12File\n"
    "from unlisted.queries.sql import sql\n"
    "ids = dict.fromkeys(('claim', 'claim_line', 'remit', 'remit_claim', 'remit_line'), 1)\n"
    "batches = []\n"
    "X12File(Path(sys.argv[1])).load_into(\n"
    "    FileContext(1, ids), lambda table, rows: batches.append((table, rows)),\n"
    "    lambda first, last: None)\n"
    "con = connect(Path(sys.argv[2]))\ncon.execute(sql('load/session_settings'))\n"
    "writer = TableWriter(con)\n"
    "for table, _ in batches:\n    writer.table_columns(table)\n"
    "start = time.perf_counter()\ncon.execute('BEGIN TRANSACTION')\n"
    "for table, rows in batches:\n    writer.write_arrow(table, rows)\n"
    "con.execute('COMMIT')\nprint(time.perf_counter() - start)\n"
)
LOAD_ONLY = (
    "import sys\nfrom pathlib import Path\nfrom unlisted.etl.database import connect\n"
    "from unlisted.etl.load import Loader\n"
    "print(Loader(connect(Path(sys.argv[2]))).load(Path(sys.argv[1])).status)\n"
)
PYX12_READ = (
    "import sys\nfrom pyx12.x12file import X12Reader\n"
    "n = sum(1 for _ in X12Reader(sys.argv[1]))\nprint(n)\n"
)


def fresh_database(path: Path, out: Path) -> Path:
    db = out / f"{path.stem}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    return db


def load_once(path: Path, out: Path) -> tuple[float, float, int]:
    """Seconds of the whole `unlisted load` command, of the file's own load, and peak RSS."""
    db = fresh_database(path, out)
    command, peak, stdout = run_measured(
        [sys.executable, "-m", "unlisted.cli", "load", str(path), "--db", str(db), "--json"]
    )
    (record,) = [json.loads(line) for line in stdout.splitlines()]
    if record["status"] != "loaded" or record["warnings"] or record["rejects"]:
        raise SystemExit(f"{path.name} did not load cleanly: {record['message']}")
    db.unlink(missing_ok=True)
    return command, record["seconds"], peak


def loader_peak(path: Path, out: Path) -> int:
    """Peak RSS of the loader alone: parse, insert and commit, without the mart rebuild."""
    db = fresh_database(path, out)
    _, peak, status = run_measured([sys.executable, "-c", LOAD_ONLY, str(path), str(db)])
    if status.strip() != "loaded":
        raise SystemExit(f"{path.name} did not load")
    db.unlink(missing_ok=True)
    return peak


def parse_once(path: Path) -> tuple[float, int]:
    _, peak, seconds = run_measured([sys.executable, "-c", PARSE_ONLY, str(path)])
    return float(seconds), peak


def insert_once(path: Path, out: Path) -> float:
    """Seconds DuckDB takes to insert and commit the file's rows, parsed beforehand."""
    db = fresh_database(path, out)
    _, _, seconds = run_measured([sys.executable, "-c", INSERT_ONLY, str(path), str(db)])
    db.unlink(missing_ok=True)
    return float(seconds)


def measure(path: Path, out: Path, repeat: int) -> dict:
    size_mb = path.stat().st_size / 1e6
    loads = [load_once(path, out) for _ in range(repeat)]
    command = min(run[0] for run in loads)
    file_load = min(run[1] for run in loads)
    peak = max(run[2] for run in loads)
    load_peak = loader_peak(path, out)
    parses = [parse_once(path) for _ in range(repeat)]
    parse = min(run[0] for run in parses)
    parse_peak = max(run[1] for run in parses)
    insert = min(insert_once(path, out) for _ in range(repeat))
    theirs, _, segments = run_measured([sys.executable, "-c", PYX12_READ, str(path)])
    return {
        "file": path.name, "MB": size_mb, "segments": int(segments),
        "pyx12_s": theirs, "pyx12_MBps": size_mb / theirs,
        "command_s": command, "command_ratio": theirs / command, "peak_rss_MB": peak / 1e6,
        "load_s": file_load, "load_ratio": theirs / file_load, "load_rss_MB": load_peak / 1e6,
        "parse_s": parse, "parse_ratio": theirs / parse, "parse_rss_MB": parse_peak / 1e6,
        "insert_s": insert, "insert_ratio": theirs / insert,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="25,100,160", help="file sizes to measure, MB, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours; the best is kept")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = practice(args.out)
    sources = {
        "837p": sorted((folder / "claims").glob("*.837")),
        "835": sorted((folder / "remits").glob("*.835"), key=lambda p: (p.stem[-10:], p.name)),
    }
    for megabytes in map(int, args.sizes.split(",")):
        for kind, files in sources.items():
            path = concatenate(files, args.out / f"practice-{kind}-{megabytes}mb.x12", megabytes)
            whole = args.out / f"practice-{kind}-{megabytes}mb-one-transaction.x12"
            for layout in (path, one_transaction(path, whole, kind)):
                report(measure(layout, args.out, args.repeat))


def report(row: dict) -> None:
    mb = row["MB"]
    print(
        f"{row['file']:<42} {mb:6.1f} MB {row['segments']:>10,} segments | "
        f"pyx12 read {row['pyx12_s']:5.2f} s = {row['pyx12_MBps']:4.1f} MB/s | "
        f"unlisted load command {row['command_s']:5.2f} s = "
        f"{mb / row['command_s']:5.1f} MB/s {row['command_ratio']:4.1f}x, "
        f"peak RSS {row['peak_rss_MB']:4.0f} MB | "
        f"file load {row['load_s']:5.2f} s = {mb / row['load_s']:5.1f} MB/s "
        f"{row['load_ratio']:4.1f}x, loader's peak RSS {row['load_rss_MB']:4.0f} MB | "
        f"parse only {row['parse_s']:5.2f} s = {mb / row['parse_s']:5.1f} MB/s "
        f"{row['parse_ratio']:4.1f}x, peak RSS {row['parse_rss_MB']:4.0f} MB | "
        f"DuckDB insert alone {row['insert_s']:5.2f} s = {mb / row['insert_s']:5.1f} MB/s, "
        f"bound on any parser's ratio {row['insert_ratio']:4.1f}x",
        flush=True,
    )


if __name__ == "__main__":
    main()
