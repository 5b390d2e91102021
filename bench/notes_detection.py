"""Documentation-element detection: precision and recall against the hand-labelled notes, and speed.

Reads tests/data/notes/labelled-dev.jsonl (notes a detector may be tuned on) and
labelled-holdout.jsonl (notes that only measure it: never read them to tune), runs the loader's
detector (etl/notes.py with the default rules, or $UNLISTED_NOTE_RULES) on every note, and prints
per element and per file: precision, recall and support (notes labelled present), then the
detector's speed in notes per second on one core (the labelled notes, repeated to --notes notes,
through documentation_elements as the loader calls it). Target: precision and recall of at least
0.9 for every element on both files; 5,000 notes per second or more.

    python bench/notes_detection.py [--files dev,holdout] [--notes 50000] [--misses]

--misses lists the dev notes an element was wrong on (never those of the holdout).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl
from unlisted.etl.notes import ELEMENTS, documentation_elements, documentation_rules

ROOT = Path(__file__).resolve().parents[1]
FILES = {
    "dev": ROOT / "tests" / "data" / "notes" / "labelled-dev.jsonl",
    "holdout": ROOT / "tests" / "data" / "notes" / "labelled-holdout.jsonl",
}
TARGET = 0.9


def labelled(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def scores(notes: list[dict]) -> dict[str, dict]:
    """element -> precision, recall, support and the ids it got wrong."""
    reader = documentation_rules()
    found = [reader.read(note["text"]) for note in notes]
    out = {}
    for i, element in enumerate(ELEMENTS):
        tp = fp = fn = 0
        wrong = []
        for note, evidence in zip(notes, found, strict=True):
            said, truth = evidence[i] is not None, bool(note["labels"][element])
            tp += said and truth
            fp += said and not truth
            fn += truth and not said
            if said != truth:
                wrong.append((note["id"], "false positive" if said else "missed", evidence[i]))
        out[element] = {
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "support": tp + fn,
            "wrong": wrong,
        }
    return out


def notes_per_second(notes: list[dict], count: int, repeat: int = 3) -> float:
    texts = [n["text"] for n in notes]
    frame = pl.DataFrame(
        {"note_text": (texts * (count // len(texts) + 1))[:count]}
        | {f"has_{e}": [None] * count for e in ELEMENTS},
        schema={"note_text": pl.String} | {f"has_{e}": pl.String for e in ELEMENTS},
    )
    documentation_elements(frame.head(10))  # compile the rules outside the timing
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        documentation_elements(frame)
        best = min(best, time.process_time() - started)
    return count / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", default="dev,holdout", help="dev, holdout or both")
    parser.add_argument("--notes", type=int, default=50_000, help="notes for the speed run")
    parser.add_argument("--misses", action="store_true", help="list the dev notes got wrong")
    args = parser.parse_args()
    chosen = [name.strip() for name in args.files.split(",") if name.strip()]
    everything = []
    failing = []
    print(f"{'file':8} {'element':12} {'precision':>9} {'recall':>7} {'support':>7}")
    for name in chosen:
        notes = labelled(FILES[name])
        everything += notes
        for element, s in scores(notes).items():
            mark = "" if min(s["precision"], s["recall"]) >= TARGET else "  < 0.9"
            failing += [f"{name} {element}"] if mark else []
            print(
                f"{name:8} {element:12} {s['precision']:9.3f} {s['recall']:7.3f} "
                f"{s['support']:7d}{mark}"
            )
            if args.misses and name == "dev":
                for note_id, kind, evidence in s["wrong"]:
                    print(f"    {note_id} {kind}: {evidence or ''}")
        print(f"{name:8} notes: {len(notes)}")
    speed = notes_per_second(everything, args.notes)
    print(
        f"speed: {speed:,.0f} notes/second on one core ({args.notes:,} notes, CPU time, "
        f"best of 3; target 5,000)"
    )
    print("all elements at or above 0.9" if not failing else f"below 0.9: {', '.join(failing)}")


if __name__ == "__main__":
    main()
