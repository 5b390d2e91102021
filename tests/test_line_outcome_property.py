"""Property: whatever order a payer's answers for one line come in (payments, denials,
duplicate-claim answers, pended answers, reversals, corrections, a secondary payer's payments and
reversals), the line's figures follow from the answers that stand."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unlisted.etl.database import connect
from unlisted.etl.load import Loader
from unlisted.queries.metrics import Filters, Settings, underpaid_lines

from unlisted.pipeline import rebuild_marts

from .test_line_adjudication import claim
from .test_remittance_edge_cases import CONTRACTS, claims, clp, payment
from .x12build import interchange

D = Decimal
ANSWERS = ("pay", "deny", "duplicate", "pended", "reverse", "secondary_pay", "secondary_reverse")


@dataclass
class Answer:
    """One CLP with its SVC: what the payer sent, and whether it settles the line."""
    payer: str
    status: str
    paid: Decimal
    cas: str
    settles: bool

    def segments(self) -> list[str]:
        sign = -1 if self.status == "22" else 1
        charge = 100 * sign
        return [*clp("X1", self.status, charge, self.paid),
                f"SVC*HC:97139:GP*{charge}*{self.paid}**1", "DTM*472*20261102", self.cas,
                "REF*6R*X1-1"]  # fmt: skip


def answers_for(kinds: list[str], amounts: list[int]) -> tuple[list[Answer], dict]:
    """The X12 answers for a sequence of kinds, and what a revenue-cycle expert expects: each
    reversal takes back the latest answer of that payer that still stands (and is skipped when
    there is none)."""
    primary: list[Answer] = []  # standing primary adjudications, latest last
    secondary: list[Answer] = []
    sent: list[Answer] = []
    for kind, dollars in zip(kinds, amounts, strict=True):
        amount = D(dollars)
        if kind == "pay":
            answer = Answer("PAYER01", "1", amount, f"CAS*CO*45*{100 - amount}", True)
            primary.append(answer)
        elif kind == "deny":
            answer = Answer("PAYER01", "1", D(0), "CAS*CO*50*100", True)
            primary.append(answer)
        elif kind == "duplicate":
            answer = Answer("PAYER01", "1", D(0), "CAS*CO*18*100", False)
        elif kind == "pended":
            answer = Answer("PAYER01", "1", D(0), "CAS*CO*133*100", False)
        elif kind == "secondary_pay":
            answer = Answer("SECOND1", "2", amount, f"CAS*OA*23*{100 - amount}", False)
            secondary.append(answer)
        else:
            stack = primary if kind == "reverse" else secondary
            if not stack:
                continue
            undone = stack.pop()
            adjusted = 100 - undone.paid
            code = undone.cas.split("*")[2]
            group = undone.cas.split("*")[1]
            answer = Answer(undone.payer, "22", -undone.paid, f"CAS*{group}*{code}*{-adjusted}",
                            False)  # fmt: skip
        sent.append(answer)
    latest = primary[-1] if primary else None
    primary_paid = sum((a.paid for a in primary), D(0))
    expected = {
        "pending": not primary,
        "final_denied": latest is not None and latest.paid == 0 and primary_paid == 0,
        "net_paid": primary_paid + sum((a.paid for a in secondary), D(0)),
        "adjudications": sum(1 for a in sent if a.settles),
    }
    return sent, expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(ANSWERS), min_size=1, max_size=6),
       amounts=st.lists(st.integers(min_value=1, max_value=60), min_size=6, max_size=6))
def test_a_lines_figures_follow_from_the_answers_that_stand(kinds, amounts):
    sent, expected = answers_for(kinds, amounts[: len(kinds)])
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        con = connect(root / "p.duckdb")
        try:
            loader = Loader(con)
            files = {"c.837": interchange([claims(claim("X1", [("97139", "IASTM", "100")]))]),
                     "k.csv": CONTRACTS}  # fmt: skip
            for n, answer in enumerate(sent):  # one payment per answer, a day apart
                name = "SECOND HEALTH" if answer.payer == "SECOND1" else "ACME HEALTH"
                body = payment(answer.paid, f"202612{n + 1:02d}", f"T{n}", answer.payer, name)
                files[f"r{n}.835"] = interchange([body + answer.segments()], kind="835",
                                                 control=n + 2)  # fmt: skip
            for name, text in files.items():
                (root / name).write_text(text)
                assert loader.load(root / name).status == "loaded", name
            rebuild_marts(con)
            line = con.execute("SELECT pending, adjudicated, final_denied, net_paid, "
                               "adjudications FROM line_adjudication").fetchall()  # fmt: skip
            assert len(line) == 1
            pending, adjudicated, final_denied, net_paid, adjudications = line[0]
            assert (pending, final_denied, net_paid, adjudications) == (
                expected["pending"], expected["final_denied"], expected["net_paid"],
                expected["adjudications"])  # fmt: skip
            # exactly one of: pending, finally denied, adjudicated and not denied
            assert pending + final_denied + (adjudicated and not final_denied) == 1
            # variance, hence underpayment, only on adjudicated lines that are not denied
            worklist = underpaid_lines(con, Filters(codes=("97139",)), Settings(min_count=1))
            if pending or final_denied:
                assert worklist.height == 0
        finally:
            con.close()
