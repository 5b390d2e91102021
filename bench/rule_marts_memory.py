"""Mart rebuild on a pathological shape: every claim for one patient on one date of service.

The rule marts compare each line with the other lines of the same patient and day; done line
against line, time and memory grow with the square of the lines of one patient-day (issue 16:
2,000 such claims took 7 GB, 10,000 took 20 GB and a 39 GB spill file). For each N this writes,
into a temporary folder, an 837P of N claims for one patient on one date, each with five lines
(97139 with GP and without, 97110, 97140 and 97530 with GP, one rendering provider), then in
child processes of their own:
  - `unlisted load FILE --db NEW.duckdb --json`: the whole command (Python start-up, the load,
    then the mart rebuild), its wall time and peak resident memory (sampled, with children);
  - the mart rebuild alone on that database (`rebuild_marts`), its wall time and peak RSS
    (getrusage maxrss of the child), and the rule findings it wrote.
Target: both under 1 GB at 2,000 and at 20,000 claims, and time about linear in N.

    python bench/rule_marts_memory.py [--claims 2000,20000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import run_measured

TARGET_MB = 1024
LINES = (  # code, modifiers, units: the lines of every claim
    ("97139", ("GP",), 1),
    ("97139", (), 1),
    ("97110", ("GP",), 2),
    ("97140", ("GP",), 1),
    ("97530", ("GP",), 1),
)
DATE = "20261102"
REBUILD = (
    "import json, resource, sys, time\n"
    "import duckdb\n"
    "from unlisted.pipeline import rebuild_marts\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "start = time.perf_counter()\n"
    "rebuild_marts(con)\n"
    "seconds = time.perf_counter() - start\n"
    "rules = dict(con.execute('SELECT rule, count(*) FROM rule_finding GROUP BY 1').fetchall())\n"
    "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
    "print(json.dumps({'seconds': seconds, 'peak': peak, 'findings': rules}))\n"
)


def one_patient_day(path: Path, claims: int) -> Path:
    """An 837P of `claims` claims, all for one patient (one member id, name and birth date) on
    DATE, each with the lines of LINES, in one transaction."""
    body = [
        "BHT*0019*00*PATHOLOGICAL*20261115*1200*CH",
        "NM1*41*2*BILLING SERVICE*****46*TGJ23",
        "PER*IC*OFFICE*TE*5555550100",
        "NM1*40*2*CLEARINGHOUSE*****46*66783JJT",
        "HL*1**20*1",
        "NM1*85*2*RIVERSIDE PHYSICAL THERAPY*****XX*1234567893",
        "N3*1 MAIN ST",
        "N4*SPRINGFIELD*IL*627010000",
        "REF*EI*123456789",
    ]
    charge = 100
    for number in range(1, claims + 1):
        pcn = f"P{number:06d}"
        body += [
            f"HL*{number + 1}*1*22*0",
            "SBR*P*18*GRP1******CI",
            "NM1*IL*1*TESTER*PAT****MI*M0001",
            "DMG*D8*19700101*F",
            "NM1*PR*2*ACME HEALTH*****PI*PAYER01",
            f"CLM*{pcn}*{charge * len(LINES)}***11:B:1*Y*A*Y*Y",
            "NM1*82*1*OKAFOR*ADA****XX*2234567014",
        ]
        for index, (code, modifiers, units) in enumerate(LINES, start=1):
            composite = ":".join(["HC", code, *modifiers])
            body += [f"LX*{index}", f"SV1*{composite}*{charge}*UN*{units}***1",
                     f"DTP*472*D8*{DATE}", f"REF*6R*{pcn}-{index}"]  # fmt: skip
    segments = [
        "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *261115*1200*^*"
        "00501*000000001*0*P*:",
        "GS*HC*SUBMITTER*RECEIVER*20261115*1200*1*X*005010X222A1",
        "ST*837*0001*005010X222A1",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    path.write_text("~\n".join(segments) + "~\n", encoding="ascii")
    return path


def case(folder: Path, claims: int) -> dict:
    x12 = one_patient_day(folder / f"one-patient-day-{claims}.837", claims)
    db = folder / f"one-patient-day-{claims}.duckdb"
    seconds, peak, out = run_measured([sys.executable, "-m", "unlisted.cli", "load", str(x12),
                                       "--db", str(db), "--json"])  # fmt: skip
    record = json.loads(out.splitlines()[0])
    if record["status"] != "loaded" or record["claims"] != claims:
        raise SystemExit(f"{x12.name} did not load: {record['message']}")
    rebuild = subprocess.run([sys.executable, "-c", REBUILD, str(db)], capture_output=True,
                             text=True, check=True)  # fmt: skip
    alone = json.loads(rebuild.stdout)
    return {
        "claims": claims,
        "lines": claims * len(LINES),
        "megabytes": x12.stat().st_size / 1e6,
        "command_seconds": seconds,
        "command_peak": peak,
        "rebuild_seconds": alone["seconds"],
        "rebuild_peak": alone["peak"],
        "findings": alone["findings"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", default="2000,20000",
                        help="claims of the one patient-day, comma-separated")  # fmt: skip
    parser.add_argument("--keep", type=Path, help="write the files and databases here, and keep")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rule-marts-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        print(f"target: peak under {TARGET_MB / 1024:.0f} GB for the load command and for the "
              f"rebuild alone, at every size", flush=True)  # fmt: skip
        for claims in (int(n) for n in args.claims.split(",")):
            r = case(folder, claims)
            ok = max(r["command_peak"], r["rebuild_peak"]) < TARGET_MB * 2**20
            findings = ", ".join(f"{rule} {n:,}" for rule, n in sorted(r["findings"].items()))
            print(
                f"{r['claims']:,} claims ({r['lines']:,} lines, {r['megabytes']:.1f} MB) for one "
                f"patient-day: `unlisted load` {r['command_seconds']:.2f} s, peak RSS "
                f"{r['command_peak'] / 2**20:.0f} MB; mart rebuild alone "
                f"{r['rebuild_seconds']:.2f} s, peak RSS {r['rebuild_peak'] / 2**20:.0f} MB "
                f"(target < {TARGET_MB} MB: {'met' if ok else 'NOT met'}); findings: {findings}",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
