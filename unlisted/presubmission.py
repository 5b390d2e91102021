"""`unlisted check`: an outgoing 837P batch checked against the practice's own history, without
writing anything to the practice's database (docs/before-you-send.md).

The database is copied into memory (read-only on disk, so a load or the dashboard can go on), the
batch and any notes given are loaded into the copy by the ordinary loader, and the marts are
rebuilt there: the batch's lines meet the same rules, notes, payer history and stored denial
model as every loaded claim. The copy is dropped when the check ends; nothing reaches disk."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .etl.database import migrate
from .etl.errors import InputError
from .etl.load import FileResult
from .pipeline import load_files
from .queries import presubmission
from .queries.presubmission import Policy, Report

CLAIM_KIND = "837P"


@dataclass
class Checked:
    """A check's report and what became of each file given."""

    report: Report
    files: list[FileResult] = field(default_factory=list)  # the batch's files
    notes: list[FileResult] = field(default_factory=list)  # the notes files

    @property
    def unusable(self) -> list[FileResult]:
        """Files of the batch that could not be read as claims: each needs fixing before it
        can be sent at all."""
        return [f for f in self.files if f.status not in ("loaded", "duplicate")]


class NotAClaimFile(InputError):
    """A file given as the batch that holds no 837P claims (a remittance, a notes file)."""


def check_batch(
    db: Path | None,
    files: list[Path],
    config: dict,
    *,
    notes: list[Path] = (),
    as_of: dt.date | None = None,
    wait_seconds: float = 30.0,
) -> Checked:
    """The check of `files` (outgoing 837P) against the database at `db` (None or a missing
    file: no history, so no learned authorization, model or prices)."""
    con = duckdb.connect(":memory:")
    try:
        if db is not None and Path(db).exists():
            copy_into_memory(con, Path(db), wait_seconds)
        migrate(con)
        note_results = load_files(con, list(notes), config) if notes else []
        results = load_files(con, list(files), config)
        for result in results:
            kinds = set((result.kind or "").split("+")) - {""}
            if result.status in ("loaded", "duplicate") and kinds and kinds != {CLAIM_KIND}:
                raise NotAClaimFile(
                    "not_a_claim_file",
                    f"{Path(result.file).name} holds {result.kind}, not outgoing 837P claims: "
                    "the check reads claim files (treatment notes go with --notes)",
                )
        read = [r for r in results if r.status in ("loaded", "duplicate")]
        batches = sorted({r.batch_id for r in read if r.batch_id is not None})
        scores, model = model_scores(con, config, batches)
        report = presubmission.check(
            con, batches, policy(config, presubmission.known_rules(con)),
            scores=scores, prices=comparator_prices(con, config, as_of),
        )  # fmt: skip
        report.model = model
        report.notices.extend(
            f"{Path(r.file).name} was loaded before ({r.message.removeprefix('already loaded ')}): "
            "its lines are checked as they stand in the database"
            for r in results if r.status == "duplicate"
        )  # fmt: skip
        return Checked(report, results, note_results)
    finally:
        con.close()


def copy_into_memory(con: duckdb.DuckDBPyConnection, db: Path, wait_seconds: float) -> None:
    """Every table of the database at `db` into `con`'s in-memory database. A read-only attach
    waits while a load holds the file (up to `wait_seconds`)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con.execute("ATTACH ? AS practice (READ_ONLY)", [str(db)])
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise InputError(
                    "database_unreadable",
                    f"cannot read the database {db.name}: a load may be running; try again",
                ) from None
            time.sleep(0.2)
    try:
        con.execute("COPY FROM DATABASE practice TO memory")
    finally:
        con.execute("DETACH practice")


def policy(config: dict, rules: list[str]) -> Policy:
    """The settings' [check] choices; a blocking rule the rules file does not have is refused."""
    chosen = config["check"]
    unknown = sorted(set(chosen["blocking_rules"]) - set(rules))
    if unknown:
        raise InputError(
            "unknown_rule",
            f"[check] blocking_rules names no rule of the rules file: {', '.join(unknown)} "
            f"(rules: {', '.join(rules)})",
        )
    return Policy(
        codes=list(config["metrics"]["codes"]),
        narrative_codes=list(config["documentation"]["narrative_codes"]),
        blocking_severities=tuple(chosen["blocking_severities"]),
        blocking_rules=tuple(chosen["blocking_rules"]),
        block_at_probability=chosen.get("block_at_probability"),
    )


def model_scores(con, config: dict, batches: list[int]):
    """The stored denial model's scores of the batch's lines and what the report says of the
    model; (None, None) when no model is trained."""
    from .queries import denial_model

    model = denial_model.latest_model(con)
    if model is None:
        return None, None
    scores = denial_model.score_batch(con, model, config["metrics"]["codes"], batches)
    return scores, denial_model.summary(model)


def comparator_prices(con, config: dict, as_of: dt.date | None):
    from .queries.pricing import comparator_prices as prices

    chosen = config["pricing"]
    return prices(con, list(config["metrics"]["codes"]), as_of or dt.date.today(),
                  chosen["history_months"], chosen["min_lines"])  # fmt: skip
