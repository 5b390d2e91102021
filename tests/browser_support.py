"""What the browser test modules share: one generated practice per test run (the demo command's
database, with one audit sample drawn), so that each module's server reads the same data and
the practice is generated once however many browser modules run, in one process or in several
pytest-xdist workers (the first worker makes it, the others wait for it)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

_PRACTICE: dict[str, Path] = {}


def shared_practice(tmp_path_factory) -> Path:
    """The database of a generated practice, loaded by the demo command (marts included), with
    one simple random sample of 30 lines drawn (the Sampling page lists it, /sampling/1 shows
    it). Made at the first call of the run; later calls, in any worker, return the same file."""
    if "db" in _PRACTICE:
        return _PRACTICE["db"]
    base = tmp_path_factory.getbasetemp()
    # xdist workers each have a folder of their own inside the run's: the run's is shared.
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "browser-practice"
    db = folder / "unlisted.duckdb"
    with open(root / "browser-practice.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (folder / "made").exists():
            make(folder, db)
            (folder / "made").touch()
    _PRACTICE["db"] = db
    return db


def make(folder: Path, db: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "unlisted.cli", "demo", "--no-serve", "--dir",
                          str(folder), "--claims", "3000"],
                         capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    run = subprocess.run([sys.executable, "-m", "unlisted.cli", "sample", "draw", "--db", str(db),
                          "--size", "30", "--seed", "97139"],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
