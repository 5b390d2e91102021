"""837P professional claims (005010X222A1, and 4010 X098A1 read with the same rules).

Loops are tracked only as far as the data contract needs them: billing provider (2000A),
subscriber and payer (2000B), patient (2000C), claim (2300 with 2310B/C), other-payer loops (2320+,
skipped), service line (2400 with 2420A) and line adjudication (2430, skipped). A claim with a value
that cannot be read is quarantined alone; the rest of the transaction loads.
"""

from __future__ import annotations

from decimal import Decimal

from ..context import FileContext
from ..values import BadValue, date_range
from .transaction import TransactionParser, location, person_name


class Claims837(TransactionParser):
    kind = "837P"

    def __init__(self, ctx: FileContext, st_number: int, control: str, component: str):
        super().__init__(ctx, st_number, control, component)
        self.created_date: str | None = None
        self.billing: dict = {}
        self.subscriber: dict = {}
        self.patient: dict = {}
        self.entity = ""
        self.claim: dict | None = None
        self.line: dict | None = None
        self.lines: list[dict] = []
        self.claim_errors: list[tuple[int, str, str]] = []
        self.in_other_payer = False
        self.in_line_adjudication = False
        self.handlers = {
            "BHT": self.bht,
            "HL": self.hl,
            "NM1": self.nm1,
            "PRV": self.prv,
            "DMG": self.dmg,
            "SBR": self.sbr,
            "PAT": self.pat,
            "CLM": self.clm,
            "DTP": self.dtp,
            "REF": self.ref,
            "NTE": self.nte,
            "PWK": self.pwk,
            "HI": self.hi,
            "LX": self.lx,
            "SV1": self.sv1,
            "SVD": self.svd,
            "SV2": self.wrong_line,
            "SV3": self.wrong_line,
        }

    # -- errors -----------------------------------------------------------------------------------
    def fail(self, number: int, code: str, message: str) -> None:
        """A problem inside a claim quarantines the claim; outside one, the transaction."""
        if self.claim is not None:
            self.claim_errors.append((number, code, message))
        else:
            super().fail(number, code, message)

    # -- hierarchy --------------------------------------------------------------------------------
    def bht(self, n: int, e: list[str]) -> None:
        if e[4]:
            self.created_date = self.date_or_warn(n, e[4], "BHT04")

    def hl(self, n: int, e: list[str]) -> None:
        self.close_claim()
        level = e[3]
        self.entity = ""
        if level == "20":
            self.billing, self.subscriber, self.patient = {}, {}, {}
        elif level == "22":
            self.subscriber, self.patient = {"hl": n}, {}
        elif level == "23":
            self.patient = {"hl": n}
        else:
            self.ctx.warn(location(n), "hl_level", f"HL03 level {e[3][:4]!r} is not 20, 22 or 23")

    def nm1(self, n: int, e: list[str]) -> None:
        code = e[1]
        self.entity = code
        if self.claim is None:
            if code == "85":
                self.billing.update(name=person_name(e), npi=e[9] or None)
            elif code == "IL":
                self.subscriber.update(
                    member_id=e[9] or None, last=e[3] or None, first=e[4] or None
                )
            elif code == "PR":
                self.subscriber.update(payer_id=e[9] or None, payer_name=e[3] or None)
            elif code == "QC":
                self.patient.update(last=e[3] or None, first=e[4] or None, member_id=e[9] or None)
            return
        if self.in_other_payer or self.in_line_adjudication:
            return
        target = self.line if self.line is not None else self.claim
        if code == "82":
            target.update(rendering_npi=e[9] or None, rendering_name=person_name(e))
        elif code == "77" and self.line is None:
            self.claim.update(facility_npi=e[9] or None, facility_name=e[3] or None)

    def prv(self, n: int, e: list[str]) -> None:
        if e[1] == "BI" and self.claim is None:
            self.billing["taxonomy"] = e[3] or None
        elif e[1] == "PE" and self.claim is not None and not self.in_other_payer:
            target = self.line if self.line is not None else self.claim
            target["rendering_taxonomy"] = e[3] or None

    def dmg(self, n: int, e: list[str]) -> None:
        if self.claim is not None or not e[2]:
            return
        born = self.date_or_warn(n, e[2], "DMG02")
        if self.entity == "IL":
            self.subscriber["birth_date"] = born
        elif self.entity == "QC":
            self.patient["birth_date"] = born

    def sbr(self, n: int, e: list[str]) -> None:
        if self.claim is not None:
            self.close_line()
            self.in_other_payer = True  # 2320: the other payers of this claim
            return
        self.subscriber.update(responsibility=e[1] or None, filing=e[9] or None)

    def pat(self, n: int, e: list[str]) -> None:
        if self.claim is None:
            self.patient["relationship"] = e[1] or None

    # -- claim ------------------------------------------------------------------------------------
    def clm(self, n: int, e: list[str]) -> None:
        self.close_claim()
        self.claim = claim = {"n": n, "notes": [], "attachments": []}
        if "hl" not in self.subscriber:
            self.fail(
                n, "claim_outside_subscriber", "CLM appears before any subscriber loop (HL 22)"
            )
        if not e[1]:
            self.fail(n, "missing_value", "CLM01 (patient control number) is empty")
        claim["pcn"] = e[1]
        claim["charge"] = self.amount_or_fail(n, e[2], "CLM02", required=True)
        place = self.composite(n, e[5])
        claim["pos"] = place[0] or None
        claim["frequency"] = place[2] or None

    def dtp(self, n: int, e: list[str]) -> None:
        if e[1] != "472" or self.claim is None or self.in_other_payer or self.in_line_adjudication:
            return
        try:
            start, end = date_range(e[2], e[3])
        except BadValue as exc:
            self.ctx.warn(location(n), "bad_date", f"DTP*472 service date {exc}; loaded as empty")
            return
        target = self.line if self.line is not None else self.claim
        target["date"], target["date_end"] = start, end

    def ref(self, n: int, e: list[str]) -> None:
        if self.claim is None or self.in_other_payer or self.in_line_adjudication:
            return
        qualifier, value = e[1], e[2] or None
        if self.line is not None:
            if qualifier == "6R":
                self.line["control"] = value
            elif qualifier == "G1":
                self.line["prior_auth"] = value
        elif qualifier == "G1":
            self.claim["prior_auth"] = value
        elif qualifier == "9F":
            self.claim["referral"] = value
        elif qualifier == "F8":
            self.claim["original"] = value

    def nte(self, n: int, e: list[str]) -> None:
        if self.claim is None or self.in_other_payer or self.in_line_adjudication:
            return
        if self.line is not None:
            self.line["note"] = e[2] or None
        elif e[2]:
            self.claim["notes"].append(f"{e[1]}: {e[2]}" if e[1] else e[2])

    def pwk(self, n: int, e: list[str]) -> None:
        if self.claim is not None and e[1] and not self.in_other_payer:
            self.claim["attachments"].append(e[1])

    def hi(self, n: int, e: list[str]) -> None:
        if self.claim is None or self.in_other_payer:
            return
        codes = self.claim.setdefault("diagnoses", [])
        for element in e[1:13]:
            if element:
                parts = self.composite(n, element)
                if parts[0] in ("ABK", "ABF", "BK", "BF", "ABJ", "ABN", "APR") and parts[1]:
                    codes.append(parts[1])

    # -- lines ------------------------------------------------------------------------------------
    def lx(self, n: int, e: list[str]) -> None:
        if self.claim is None:
            self.fail(n, "line_outside_claim", "LX appears before any CLM")
            return
        self.close_line()
        self.in_other_payer = False
        self.line = {"n": n, "number": e[1]}

    def sv1(self, n: int, e: list[str]) -> None:
        if self.claim is None:
            self.fail(n, "line_outside_claim", "SV1 appears before any CLM")
            return
        line = self.line
        if line is None or "sv1" in line:
            # The LX was left out: keep the line (and its money), numbered by position.
            self.ctx.warn(location(n), "missing_lx", "SV1 without its own LX; numbered by position")
            self.close_line()
            self.in_other_payer = False
            self.line = line = {"n": n, "number": ""}
        procedure = self.composite(n, e[1])
        if not procedure[1]:
            self.ctx.warn(location(n), "missing_procedure", "SV101-2 (procedure code) is empty")
        line["sv1"] = n
        line["procedure"] = procedure
        line["charge"] = self.amount_or_fail(n, e[2], "SV102", required=True)
        line["unit_type"] = e[3] or None
        line["units"] = self.quantity_or_fail(n, e[4], "SV104")
        line["pos"] = e[5] or None
        line["pointers"] = e[7] or None

    def svd(self, n: int, e: list[str]) -> None:
        self.in_line_adjudication = True

    def wrong_line(self, n: int, e: list[str]) -> None:
        self.fail(n, "wrong_line_type", f"{e[0]} is not a professional (SV1) service line")

    def close_line(self) -> None:
        if self.line is not None:
            if "sv1" not in self.line:
                self.fail(self.line["n"], "missing_segment", "service line (LX) has no SV1")
            else:
                self.lines.append(self.line)
        self.line = None
        self.in_line_adjudication = False

    def close_claim(self) -> None:
        if self.claim is None:
            return
        self.close_line()
        claim, lines, errors = self.claim, self.lines, self.claim_errors
        self.claim, self.lines, self.claim_errors = None, [], []
        self.in_other_payer = False
        where = location(claim["n"])
        if errors:
            number, code, message = errors[0]
            more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
            self.ctx.reject(
                location(number),
                "claim",
                code,
                f"claim at {where} quarantined: {message}{more}",
            )
            return
        if not lines:
            self.ctx.warn(where, "claim_without_lines", "claim has no service lines")
        self.emit_claim(claim, lines)

    def emit_claim(self, claim: dict, lines: list[dict]) -> None:
        ctx, batch = self.ctx, self.ctx.batch_id
        claim_id = ctx.new_id("claim")
        sub, pat, bill = self.subscriber, self.patient, self.billing
        patient_given = bool(pat.get("hl"))
        charge_sum = Decimal(0)
        line_rows = []
        for position, line in enumerate(lines, start=1):
            procedure = line["procedure"]
            date = line.get("date") or claim.get("date")
            if date is None:
                ctx.warn(location(line["sv1"]), "line_without_date", "service line has no DTP*472")
            charge_sum += Decimal(line["charge"])
            line_rows.append(
                (
                    ctx.new_id("claim_line"),
                    claim_id,
                    batch,
                    location(line["sv1"]),
                    int(line["number"]) if line["number"].isdigit() else position,
                    line.get("control"),
                    procedure[0] or None,
                    procedure[1] or None,
                    procedure[2] or None,
                    procedure[3] or None,
                    procedure[4] or None,
                    procedure[5] or None,
                    procedure[6] or None,
                    line["charge"],
                    line["unit_type"],
                    line["units"],
                    line["pos"],
                    line["pointers"],
                    date,
                    line.get("date_end") if line.get("date") else claim.get("date_end"),
                    line.get("rendering_npi", claim.get("rendering_npi")),
                    line.get("rendering_name", claim.get("rendering_name")),
                    line.get("rendering_taxonomy", claim.get("rendering_taxonomy")),
                    line.get("prior_auth") or claim.get("prior_auth"),
                    line.get("note"),
                )
            )
        total = Decimal(claim["charge"])
        if lines and charge_sum != total:
            ctx.warn(
                location(claim["n"]),
                "claim_unbalanced",
                f"CLM02 {total} differs from the sum of its line charges {charge_sum}",
            )
        if not bill.get("npi"):
            ctx.warn(
                location(claim["n"]), "missing_billing_npi", "claim has no billing provider NPI"
            )
        row = (
            claim_id,
            batch,
            location(claim["n"]),
            self.control,
            claim["pcn"],
            claim["frequency"],
            claim["pos"],
            claim["charge"],
            sub.get("payer_id"),
            sub.get("payer_name"),
            sub.get("responsibility"),
            sub.get("filing"),
            sub.get("member_id"),
            sub.get("last"),
            sub.get("first"),
            sub.get("birth_date"),
            pat.get("last") if patient_given else sub.get("last"),
            pat.get("first") if patient_given else sub.get("first"),
            pat.get("birth_date") if patient_given else sub.get("birth_date"),
            pat.get("relationship") if patient_given else "18",
            bill.get("npi"),
            bill.get("name"),
            bill.get("taxonomy"),
            claim.get("rendering_npi"),
            claim.get("rendering_name"),
            claim.get("rendering_taxonomy"),
            claim.get("facility_npi"),
            claim.get("facility_name"),
            claim.get("prior_auth"),
            claim.get("referral"),
            claim.get("original"),
            ",".join(claim.get("diagnoses", ())) or None,
            ",".join(claim["attachments"]) or None,
            " | ".join(claim["notes"]) or None,
            self.created_date,
        )
        self.claim_rows.append(row)
        self.line_rows.extend(line_rows)
        self.charge += total

    # -- transaction ------------------------------------------------------------------------------
    def start(self) -> None:
        self.claim_rows: list[tuple] = []
        self.line_rows: list[tuple] = []
        self.charge = Decimal(0)

    def finish(self) -> None:
        self.close_claim()

    def commit(self) -> None:
        ctx = self.ctx
        ctx.emit("claim", self.claim_rows)
        ctx.emit("claim_line", self.line_rows)
        ctx.tally.claims += len(self.claim_rows)
        ctx.tally.lines += len(self.line_rows)
        ctx.tally.total_charge += self.charge
