"""835 remittance advice (005010X221A1): payment, claim payments, service lines, CAS, remarks, PLB.

A claim payment (CLP) with a value that cannot be read is quarantined alone. Balancing rules
(DOMAIN.md section 3) are data-quality warnings: the money is loaded as the payer sent it.
"""

from __future__ import annotations

from decimal import Decimal

from ..context import FileContext
from .transaction import TransactionParser, location

ADJUSTMENT_GROUPS = frozenset({"CO", "OA", "PI", "PR", "CR"})


class Remits835(TransactionParser):
    kind = "835"

    def __init__(self, ctx: FileContext, st_number: int, control: str, component: str):
        super().__init__(ctx, st_number, control, component)
        self.handlers = {
            "BPR": self.bpr,
            "TRN": self.trn,
            "N1": self.n1,
            "REF": self.ref,
            "DTM": self.dtm,
            "LX": self.lx,
            "CLP": self.clp,
            "CAS": self.cas,
            "NM1": self.nm1,
            "MOA": self.moa,
            "MIA": self.mia,
            "AMT": self.amt,
            "SVC": self.svc,
            "LQ": self.lq,
            "PLB": self.plb,
        }

    def start(self) -> None:
        ctx = self.ctx
        self.remit_id = ctx.new_id("remit")
        self.header: dict = {}
        self.party = ""
        self.claim: dict | None = None
        self.line: dict | None = None
        self.claim_errors: list[tuple[int, str, str]] = []
        self.rows: dict[str, list[tuple]] = {
            "remit_claim": [],
            "remit_line": [],
            "adjustment": [],
            "remark": [],
            "provider_adjustment": [],
        }
        self.claim_paid_total = Decimal(0)
        self.plb_total = Decimal(0)
        self.charge = Decimal(0)
        self.claims = 0
        self.lines = 0

    def fail(self, number: int, code: str, message: str) -> None:
        if self.claim is not None:
            self.claim_errors.append((number, code, message))
        else:
            super().fail(number, code, message)

    # -- header -----------------------------------------------------------------------------------
    def bpr(self, n: int, e: list[str]) -> None:
        self.header.update(
            n=n,
            handling=e[1] or None,
            credit_debit=e[3] or None,
            method=e[4] or None,
            amount=self.amount_or_fail(n, e[2], "BPR02", required=True),
            date=self.date_or_warn(n, e[16], "BPR16"),
        )

    def trn(self, n: int, e: list[str]) -> None:
        if self.claim is None:
            self.header.update(trace=e[2] or None, originator=e[3] or None)

    def n1(self, n: int, e: list[str]) -> None:
        self.party = e[1]
        if e[1] == "PR":
            self.header.update(payer_name=e[2] or None, payer_n1_id=e[4] or None)
        elif e[1] == "PE":
            self.header.update(payee_name=e[2] or None, payee_id=e[4] or None)

    def ref(self, n: int, e: list[str]) -> None:
        if self.line is not None:
            if e[1] == "6R":
                self.line["control"] = e[2] or None
        elif self.claim is None and self.party == "PR" and e[1] == "2U":
            self.header["payer_ref_id"] = e[2] or None

    def dtm(self, n: int, e: list[str]) -> None:
        qualifier = e[1]
        if self.line is not None:
            if qualifier in ("472", "150"):
                self.line["date"] = self.date_or_warn(n, e[2], f"DTM*{qualifier}")
            elif qualifier == "151":
                self.line["date_end"] = self.date_or_warn(n, e[2], "DTM*151")
        elif self.claim is not None:
            key = {"050": "received", "232": "from", "233": "to"}.get(qualifier)
            if key:
                self.claim[key] = self.date_or_warn(n, e[2], f"DTM*{qualifier}")
        elif qualifier == "405":
            self.header["production"] = self.date_or_warn(n, e[2], "DTM*405")

    # -- claim ------------------------------------------------------------------------------------
    def lx(self, n: int, e: list[str]) -> None:
        self.close_claim()

    def clp(self, n: int, e: list[str]) -> None:
        self.close_claim()
        self.claim = claim = {"n": n, "id": self.ctx.new_id("remit_claim"), "lines": 0}
        if not e[1]:
            self.fail(n, "missing_value", "CLP01 (patient control number) is empty")
        if not e[2]:
            self.fail(n, "missing_value", "CLP02 (claim status) is empty")
        claim.update(
            pcn=e[1],
            status=e[2],
            charge=self.amount_or_fail(n, e[3], "CLP03", required=True),
            paid=self.amount_or_fail(n, e[4], "CLP04", required=True),
            patient_resp=self.amount_or_fail(n, e[5], "CLP05"),
            filing=e[6] or None,
            icn=e[7] or None,
            facility=e[8] or None,
            frequency=e[9] or None,
            adjusted=Decimal(0),
        )
        self.staged: dict[str, list[tuple]] = {"remit_line": [], "adjustment": [], "remark": []}

    def cas(self, n: int, e: list[str]) -> None:
        claim = self.claim
        if claim is None:
            self.fail(n, "cas_outside_claim", "CAS appears before any CLP")
            return
        group = e[1]
        if group not in ADJUSTMENT_GROUPS:
            self.fail(n, "bad_code", f"CAS01 group code {group[:4]!r} is not CO, OA, PI or PR")
            return
        line = self.line
        level = "line" if line is not None else "claim"
        line_id = line["id"] if line is not None else None
        rows = self.staged["adjustment"]
        where = location(n)
        batch = self.ctx.batch_id
        for k in (2, 5, 8, 11, 14, 17):
            reason = e[k]
            if not reason:
                if e[k + 1]:
                    self.fail(n, "missing_value", f"CAS{k + 1:02d} has an amount but no reason")
                continue
            value = self.amount_or_fail(n, e[k + 1], f"CAS{k + 2:02d}", required=True)
            count = self.quantity_or_fail(n, e[k + 2], f"CAS{k + 3:02d}")
            if value is None:
                continue
            claim["adjusted"] += Decimal(value)
            if line is not None:
                line["adjusted"] += Decimal(value)
            rows.append((claim["id"], line_id, batch, where, level, group, reason, value, count))

    def nm1(self, n: int, e: list[str]) -> None:
        claim = self.claim
        if claim is None:
            return
        code = e[1]
        if code == "QC":
            claim.update(last=e[3] or None, first=e[4] or None, member=e[9] or None)
        elif code == "IL":
            claim["subscriber"] = e[9] or None
        elif code == "82":
            claim["rendering"] = e[9] or None
        elif code == "TT":
            claim["crossover"] = e[3] or None

    def moa(self, n: int, e: list[str]) -> None:
        self.claim_remarks(n, "MOA", e[3:8])

    def mia(self, n: int, e: list[str]) -> None:
        self.claim_remarks(n, "MIA", [e[5], *e[20:25]])

    def claim_remarks(self, n: int, source: str, codes: list[str]) -> None:
        if self.claim is None:
            self.fail(n, "remark_outside_claim", f"{source} appears before any CLP")
            return
        rows = self.staged["remark"]
        claim_id, batch, where = self.claim["id"], self.ctx.batch_id, location(n)
        rows.extend(
            (claim_id, None, batch, where, "claim", source, None, code) for code in codes if code
        )

    def amt(self, n: int, e: list[str]) -> None:
        if self.line is not None:
            if e[1] == "B6":
                self.line["allowed"] = self.amount_or_fail(n, e[2], "AMT*B6")
        elif self.claim is not None and e[1] == "AU":
            self.claim["coverage"] = self.amount_or_fail(n, e[2], "AMT*AU")

    # -- lines ------------------------------------------------------------------------------------
    def svc(self, n: int, e: list[str]) -> None:
        claim = self.claim
        if claim is None:
            self.fail(n, "line_outside_claim", "SVC appears before any CLP")
            return
        self.close_line()
        claim["lines"] += 1
        procedure = self.composite(n, e[1])
        if not procedure[1]:
            self.ctx.warn(location(n), "missing_procedure", "SVC01-2 (procedure code) is empty")
        submitted = self.composite(n, e[6])
        self.line = {
            "n": n,
            "id": self.ctx.new_id("remit_line"),
            "position": claim["lines"],
            "procedure": procedure,
            "submitted": submitted,
            "charge": self.amount_or_fail(n, e[2], "SVC02", required=True),
            "paid": self.amount_or_fail(n, e[3], "SVC03", required=True),
            "revenue": e[4] or None,
            "units": self.quantity_or_fail(n, e[5], "SVC05") or "1",
            "submitted_units": self.quantity_or_fail(n, e[7], "SVC07"),
            "adjusted": Decimal(0),
        }

    def lq(self, n: int, e: list[str]) -> None:
        line = self.line
        if line is None or self.claim is None:
            self.fail(n, "remark_outside_line", "LQ appears outside a service line")
            return
        if e[2]:
            self.staged["remark"].append(
                (
                    self.claim["id"],
                    line["id"],
                    self.ctx.batch_id,
                    location(n),
                    "line",
                    "LQ",
                    e[1] or None,
                    e[2],
                )
            )

    def close_line(self) -> None:
        line = self.line
        if line is None:
            return
        self.line = None
        if self.claim_errors:
            return
        p, s = line["procedure"], line["submitted"]
        date = line.get("date")
        self.staged["remit_line"].append(
            (
                line["id"],
                self.claim["id"],
                self.ctx.batch_id,
                location(line["n"]),
                line["position"],
                p[0] or None,
                p[1] or None,
                p[2] or None,
                p[3] or None,
                p[4] or None,
                p[5] or None,
                line["charge"],
                line["paid"],
                line["revenue"],
                line["units"],
                s[0] or None,
                s[1] or None,
                s[2] or None,
                s[3] or None,
                line["submitted_units"],
                date,
                line.get("date_end") or date,
                line.get("control"),
                line.get("allowed"),
            )
        )
        if Decimal(line["charge"]) - line["adjusted"] != Decimal(line["paid"]):
            self.ctx.warn(
                location(line["n"]),
                "line_unbalanced",
                f"SVC02 {line['charge']} minus line adjustments {line['adjusted']} "
                f"is not SVC03 {line['paid']}",
            )

    def close_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        self.close_line()
        self.claim = None
        errors, self.claim_errors = self.claim_errors, []
        where = location(claim["n"])
        if errors:
            number, code, message = errors[0]
            more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
            self.ctx.reject(
                location(number),
                "claim",
                code,
                f"claim payment at {where} quarantined: {message}{more}",
            )
            return
        paid, charge = Decimal(claim["paid"]), Decimal(claim["charge"])
        if charge - claim["adjusted"] != paid:
            self.ctx.warn(
                where,
                "claim_unbalanced",
                f"CLP03 {charge} minus adjustments {claim['adjusted']} is not CLP04 {paid}",
            )
        self.rows["remit_claim"].append(
            (
                claim["id"],
                self.remit_id,
                self.ctx.batch_id,
                where,
                claim["pcn"],
                claim["status"],
                claim["charge"],
                claim["paid"],
                claim["patient_resp"],
                claim["filing"],
                claim["icn"],
                claim["facility"],
                claim["frequency"],
                claim["status"] == "22",
                claim.get("last"),
                claim.get("first"),
                claim.get("member"),
                claim.get("subscriber"),
                claim.get("rendering"),
                claim.get("crossover"),
                claim.get("received"),
                claim.get("from"),
                claim.get("to"),
                claim.get("coverage"),
            )
        )
        for table, rows in self.staged.items():
            self.rows[table].extend(rows)
        self.claims += 1
        self.lines += len(self.staged["remit_line"])
        self.claim_paid_total += paid
        self.charge += charge

    # -- provider adjustments ---------------------------------------------------------------------
    def plb(self, n: int, e: list[str]) -> None:
        self.close_claim()
        fiscal = self.date_or_warn(n, e[2], "PLB02")
        where, batch = location(n), self.ctx.batch_id
        for k in (3, 5, 7, 9, 11, 13):
            if not e[k]:
                continue
            reason = self.composite(n, e[k])
            value = self.amount_or_fail(n, e[k + 1], f"PLB{k + 1:02d}", required=True)
            if value is None:
                continue
            self.plb_total += Decimal(value)
            self.rows["provider_adjustment"].append(
                (
                    self.remit_id,
                    batch,
                    where,
                    e[1] or None,
                    fiscal,
                    reason[0],
                    reason[1] or None,
                    value,
                )
            )

    # -- transaction ------------------------------------------------------------------------------
    def finish(self) -> None:
        self.close_claim()
        if "n" not in self.header:
            self.fail(self.st_number, "missing_segment", "the 835 has no BPR payment segment")

    def commit(self) -> None:
        ctx, h = self.ctx, self.header
        ctx.emit(
            "remit",
            [
                (
                    self.remit_id,
                    ctx.batch_id,
                    location(self.st_number),
                    self.control,
                    h["handling"],
                    h["amount"],
                    h["credit_debit"],
                    h["method"],
                    h["date"],
                    h.get("trace"),
                    h.get("originator"),
                    h.get("payer_ref_id") or h.get("payer_n1_id") or h.get("originator"),
                    h.get("payer_name"),
                    h.get("payee_id"),
                    h.get("payee_name"),
                    h.get("production"),
                )
            ],
        )
        for table, rows in self.rows.items():
            ctx.emit(table, rows)
        expected = self.claim_paid_total - self.plb_total
        if h["amount"] is not None and expected != Decimal(h["amount"]):
            ctx.warn(
                location(h["n"]),
                "payment_unbalanced",
                f"BPR02 {h['amount']} is not the claim payments {self.claim_paid_total} "
                f"minus provider adjustments {self.plb_total}",
            )
        ctx.tally.claims += self.claims
        ctx.tally.lines += self.lines
        ctx.tally.total_charge += self.charge
        ctx.tally.add_paid(self.claim_paid_total)
