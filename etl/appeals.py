"""Record an appeal sent to a payer (the write of `unlisted appeal mark`), in one transaction.

The appealed lines are the claim's finally denied lines at the time, copied with their charges
and what was at stake, so that the record says what was asked even after later remittances or
a replacement claim. queries/marts/10_appeal_outcome.sql finds their answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from ..queries.appeal_letter import find_claim, rows_of
from ..queries.sql import sql


class AppealRefused(ValueError):
    """An appeal that cannot be recorded; the message says why (no claim number in it: the
    caller names the claim)."""


@dataclass(frozen=True)
class Recorded:
    appeal_id: int
    payer_id: str
    lines: int


def record_appeal(con: duckdb.DuckDBPyConnection, patient_control_number: str,
                  payer_id: str | None, sent: dt.date, level: str, note: str | None,
                  today: dt.date) -> Recorded:  # fmt: skip
    """Store the appeal of the claim's finally denied lines. Raises AmbiguousClaim,
    ClaimNotFound (queries.appeal_letter), or AppealRefused: a sent date after `today`, no
    finally denied line, the same lines already recorded as appealed on that date."""
    if sent > today:
        raise AppealRefused(f"the sent date {sent} is in the future (today is {today})")
    claim = find_claim(con, patient_control_number, payer_id)
    con.execute("BEGIN TRANSACTION")
    try:
        denied = rows_of(con.execute(sql("appeals/denied_lines"), {"claim_id": claim["claim_id"]}))
        if not denied:
            raise AppealRefused("the claim has no finally denied line to appeal")
        ids = [row["claim_line_id"] for row in denied]
        same = con.execute(sql("appeals/same_appeal"),
                           {"sent_date": sent, "claim_line_ids": ids}).fetchall()  # fmt: skip
        if same:
            raise AppealRefused(f"appeal {same[0][0]} already records these lines as sent on "
                                f"{sent}")  # fmt: skip
        appeal_id = con.execute(sql("appeals/next_appeal_id")).fetchone()[0]
        con.execute(sql("appeals/insert_appeal"), {
            "appeal_id": appeal_id, "payer_id": claim["payer_id"],
            "patient_control_number": patient_control_number, "claim_id": claim["claim_id"],
            "sent_date": sent, "level": level, "note": note, "recorded_at": dt.datetime.now(),
        })  # fmt: skip
        con.executemany(sql("appeals/insert_appeal_line"),
                        [{"appeal_id": appeal_id, **row} for row in denied])  # fmt: skip
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return Recorded(appeal_id, claim["payer_id"], len(denied))
