"""What an appeal letter says (docs/appeals.md), as plain data, from the database: the claim and
its finally denied lines, the denial codes and their meanings, the narrative, the note's evidence
for each documentation element, the rendering provider, the comparator, and the request that
follows from the denial category.

A letter claims only what the record shows: an element the note lacks, a fact the settings do
not give (the payer's policy, the signer), is listed under `to_complete` for the clinician, never
written as if it were so. unlisted/appeal_writer.py turns a Letter into DOCX and PDF.

Reads only: the sender, the payer's policy and the comparator row come in as arguments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
import polars as pl

from .elements import ELEMENTS
from .sql import sql

# What each element shows, in a reviewer's words (docs/documentation-elements.md).
ELEMENT_MEANINGS = {
    "description": "Description of the service or technique performed",
    "purpose": "Purpose and expected functional outcome",
    "duration": "Duration (minutes) and frequency",
    "rationale": "Clinical rationale for a nonstandard approach",
    "credentials": "Provider credentials with signature",
    "involvement": "Direct one-on-one patient involvement",
}
# Modifiers that mark a distinct procedural service, which an NCCI edit with modifier indicator
# 1 lets through.
DISTINCT_MODIFIERS = ("59", "XE", "XP", "XS", "XU")


class ClaimNotFound(LookupError):
    """No claim in force with that CLM01 (at that payer)."""


class AmbiguousClaim(LookupError):
    """The CLM01 names claims at several payers: `payers` lists their ids."""

    def __init__(self, payers: list[str]):
        super().__init__("the claim number is on claims of several payers")
        self.payers = payers


class NoDeniedLine(LookupError):
    """The claim has no finally denied line: nothing to appeal."""


@dataclass(frozen=True)
class Sender:
    """Who sends the letter (settings [appeal_letters]); None where the settings say nothing."""

    practice_name: str | None = None
    address: tuple[str, ...] = ()
    phone: str | None = None
    signer_name: str | None = None
    signer_title: str | None = None

    @classmethod
    def of(cls, table: dict) -> Sender:
        """From the settings' [appeal_letters] table, as the caller read it."""
        return cls(practice_name=table.get("practice_name"),
                   address=tuple(table.get("address") or ()), phone=table.get("phone"),
                   signer_name=table.get("signer_name"),
                   signer_title=table.get("signer_title"))  # fmt: skip


@dataclass(frozen=True)
class Remark:
    code: str
    label: str | None


@dataclass(frozen=True)
class LetterLine:
    line_number: int
    control_number: str | None
    service_date: dt.date | None
    service_date_end: dt.date | None
    code: str
    modifiers: tuple[str, ...]
    units: Decimal
    charge: Decimal
    at_stake: Decimal
    description: str | None  # SV101-7
    line_note: str | None  # line NTE
    denial_group: str | None
    denial_carc: str | None
    denial_label: str | None
    category: str | None
    category_label: str | None
    denial_date: dt.date | None
    remarks: tuple[Remark, ...]
    prior_authorization: str | None


@dataclass(frozen=True)
class Evidence:
    element: str
    meaning: str
    present: bool
    quote: str | None  # the note's phrase; None when the element is missing or from a checklist
    source: str  # "note", "checklist" or "no note"
    visit: dt.date | None  # the note's date of service


@dataclass(frozen=True)
class Provider:
    name: str | None
    npi: str | None
    credentials: str | None
    taxonomy: str | None
    signed_date: dt.date | None


@dataclass(frozen=True)
class Comparator:
    code: str  # the unlisted code priced
    comparator_code: str | None
    comparator_share: float | None
    basis: str  # contract, history, too few lines
    per_unit: Decimal | None
    low: Decimal | None
    high: Decimal | None
    lines: int
    contract_method: str | None
    contract_amount: Decimal | None


@dataclass(frozen=True)
class Letter:
    """One claim's appeal (kind "appeal" or "reopening"), or, for a claim the payer found
    unprocessable (CO-16 with MA130), the notice that it cannot be appealed (kind "resubmit")."""

    kind: str
    as_of: dt.date
    payer_id: str
    payer_name: str | None
    patient_control_number: str
    payer_claim_numbers: tuple[str, ...]
    patient_name: str | None
    member_id: str | None
    patient_birth_date: dt.date | None
    billing_name: str | None
    billing_npi: str | None
    diagnosis_codes: str | None
    claim_note: str | None
    prior_authorization: str | None
    provider: Provider
    lines: tuple[LetterLine, ...]
    evidence: tuple[Evidence, ...]
    comparator: Comparator | None
    category: str | None
    subject: str
    request: tuple[str, ...]  # the argument, paragraph by paragraph
    to_complete: tuple[str, ...]  # for the clinician, before sending
    sender: Sender = field(default_factory=Sender)

    @property
    def total_charge(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def narratives(self) -> tuple[str, ...]:
        """The claim's own words for what was done: each line's SV101-7 and NTE, then the
        claim's NTE."""
        found = [f"Line {line.line_number}: {text}" for line in self.lines
                 for text in (line.description, line.line_note) if text]  # fmt: skip
        if self.claim_note:
            found.append(f"Claim: {self.claim_note}")
        return tuple(found)


# -- reading the database ------------------------------------------------------------------------
def find_claim(con: duckdb.DuckDBPyConnection, patient_control_number: str,
               payer_id: str | None = None) -> dict:  # fmt: skip
    """The claim in force with this CLM01 (at this payer): claim_id, payer_id, payer_name.
    Raises ClaimNotFound, or AmbiguousClaim when several payers have that CLM01 and no payer
    is given."""
    with con.cursor() as cursor:
        relation = cursor.execute(sql("appeals/claims_named"), {
            "patient_control_number": patient_control_number, "payer_id": payer_id})  # fmt: skip
        rows = rows_of(relation)
    if not rows:
        raise ClaimNotFound(patient_control_number)
    if len(rows) > 1:
        raise AmbiguousClaim(sorted({r["payer_id"] for r in rows}))
    return rows[0]


def rows_of(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def letter_facts(con: duckdb.DuckDBPyConnection, claim_id: int) -> dict:
    """What the database knows for one claim's letter: claim, lines (finally denied) and
    notes, as rows."""
    facts = {}
    with con.cursor() as cursor:
        for name in ("claim", "lines", "notes"):
            facts[name] = rows_of(cursor.execute(sql(f"appeals/letter_{name}"),
                                                 {"claim_id": claim_id}))  # fmt: skip
    facts["claim"] = facts["claim"][0] if facts["claim"] else None
    return facts


def appeal_letter(con: duckdb.DuckDBPyConnection, patient_control_number: str,
                  payer_id: str | None, prices: pl.DataFrame | None, codes: list[str],
                  sender: Sender, payer_policies: dict[str, str],
                  as_of: dt.date) -> Letter:  # fmt: skip
    """The letter for one claim (see build_letter). `prices` is queries.pricing.
    comparator_prices for the target `codes`; the claim's payer's row for the first target code
    among the denied lines prices it. Raises ClaimNotFound, AmbiguousClaim, NoDeniedLine."""
    found = find_claim(con, patient_control_number, payer_id)
    facts = letter_facts(con, found["claim_id"])
    if not facts["lines"]:
        raise NoDeniedLine("the claim has no finally denied line")
    billed = [row["procedure_code"] for row in facts["lines"]]
    code = next((c for c in billed if c in codes), billed[0])
    row = None
    if prices is not None:
        chosen = prices.filter((pl.col("payer_id") == found["payer_id"])
                               & (pl.col("code") == code)).to_dicts()  # fmt: skip
        row = chosen[0] if chosen else None
    return build_letter(facts, row, sender, payer_policies.get(found["payer_id"]), as_of)


# -- what the letter says -------------------------------------------------------------------------
def build_letter(facts: dict, comparator: dict | None, sender: Sender, payer_policy: str | None,
                 as_of: dt.date) -> Letter:  # fmt: skip
    """The letter from letter_facts() rows, alone (no database): testable with rows built by
    hand."""
    claim = facts["claim"]
    lines = tuple(letter_line(row) for row in facts["lines"])
    notes = facts["notes"]
    note = notes[0] if notes else None  # the clinician who signed is the first visit's
    evidence = tuple(element_evidence(n, element) for n in notes or [None] for element in ELEMENTS)
    unnoted = sorted({r["service_date"] for r in facts["lines"] if r.get("note_id") is None},
                     key=lambda d: (d is None, d))  # fmt: skip
    first = facts["lines"][0] if facts["lines"] else {}
    provider = Provider(
        name=(note or {}).get("provider_name") or first.get("line_rendering_name")
        or claim["rendering_name"],
        npi=first.get("line_rendering_npi") or claim["rendering_npi"]
        or (note or {}).get("provider_npi"),
        credentials=(note or {}).get("credentials"),
        taxonomy=first.get("line_rendering_taxonomy") or claim["rendering_taxonomy"],
        signed_date=(note or {}).get("signed_date"),
    )  # fmt: skip
    priced = to_comparator(comparator)
    category = main_category(lines)
    unprocessable = any(
        line.denial_group == "CO" and line.denial_carc == "16"
        and any(r.code == "MA130" for r in line.remarks) for line in lines)  # fmt: skip
    kind = "resubmit" if unprocessable else "reopening" if category == "duplicate" else "appeal"
    authorization = claim["prior_authorization"] or next(
        (line.prior_authorization for line in lines if line.prior_authorization), None
    )
    request, asked = argument(kind, category, lines, evidence, authorization, payer_policy)
    to_complete = [*asked]
    if kind != "resubmit":
        to_complete += evidence_gaps(evidence, unnoted)
        to_complete += provider_gaps(provider)
        to_complete += comparator_gaps(priced)
        to_complete += sender_gaps(sender)
    # The subscriber is the patient when the claim names no other patient (relationship 18).
    names = [claim["patient_first_name"], claim["patient_last_name"]]
    if not any(names):
        names = [claim["subscriber_first_name"], claim["subscriber_last_name"]]
    if kind != "resubmit" and not (any(names) and claim["subscriber_member_id"]):
        to_complete.append("Add the patient's name and member id.")
    return Letter(
        kind=kind, as_of=as_of, payer_id=claim["payer_id"], payer_name=claim["payer_name"],
        patient_control_number=claim["patient_control_number"],
        payer_claim_numbers=tuple(claim["payer_claim_numbers"] or ()),
        patient_name=" ".join(n for n in names if n) or None,
        member_id=claim["subscriber_member_id"], patient_birth_date=claim["patient_birth_date"],
        billing_name=claim["billing_name"], billing_npi=claim["billing_npi"],
        diagnosis_codes=claim["diagnosis_codes"], claim_note=claim["claim_note"],
        prior_authorization=authorization, provider=provider, lines=lines, evidence=evidence,
        comparator=priced, category=category, subject=subject(kind, claim), request=request,
        to_complete=tuple(dict.fromkeys(to_complete)), sender=sender,
    )  # fmt: skip


def letter_line(row: dict) -> LetterLine:
    return LetterLine(
        line_number=row["line_number"], control_number=row["line_control_number"],
        service_date=row["service_date"], service_date_end=row["service_date_end"],
        code=row["procedure_code"],
        modifiers=tuple(row[f"modifier_{k}"] for k in range(1, 5) if row[f"modifier_{k}"]),
        units=row["units"], charge=row["charge"], at_stake=row["at_stake"],
        description=row["description"], line_note=row["line_note"],
        denial_group=row["final_denial_group"], denial_carc=row["final_denial_carc"],
        denial_label=row["denial_label"], category=row["final_denial_category"],
        category_label=row["denial_category_label"], denial_date=row["final_denial_date"],
        remarks=tuple(Remark(r["code"], r["label"]) for r in row["remarks"] or ()),
        prior_authorization=row["line_prior_authorization"],
    )  # fmt: skip


def element_evidence(note: dict | None, element: str) -> Evidence:
    meaning = ELEMENT_MEANINGS[element]
    if note is None:
        return Evidence(element, meaning, False, None, "no note", None)
    present = bool(note[f"has_{element}"])
    quote = note[f"{element}_evidence"] if present else None
    # A checklist says that the element is there, not what the note says: nothing to quote.
    if quote is not None and quote.startswith("checklist:"):
        return Evidence(element, meaning, present, None, "checklist", note["service_date"])
    return Evidence(element, meaning, present, quote, "note", note["service_date"])


def to_comparator(row: dict | None) -> Comparator | None:
    if row is None:
        return None
    return Comparator(
        code=row["code"], comparator_code=row.get("comparator_code"),
        comparator_share=row.get("comparator_share"), basis=row["basis"],
        per_unit=row.get("per_unit"), low=row.get("low"), high=row.get("high"),
        lines=int(row.get("lines") or 0), contract_method=row.get("contract_method"),
        contract_amount=row.get("contract_amount"),
    )  # fmt: skip


def main_category(lines: tuple[LetterLine, ...]) -> str | None:
    """The category the letter argues: the one of the most dollars at stake (then the first
    line's)."""
    at_stake: dict[str | None, Decimal] = {}
    for line in lines:
        at_stake[line.category] = at_stake.get(line.category, Decimal(0)) + line.at_stake
    return max(at_stake, key=lambda c: at_stake[c]) if at_stake else None


def subject(kind: str, claim: dict) -> str:
    number = claim["patient_control_number"]
    if kind == "resubmit":
        return f"No appeal: claim {number} is to be corrected and sent again"
    what = (
        "Request for reopening" if kind == "reopening" else "Request for redetermination (appeal)"
    )
    return f"{what} of claim {number}"


def argument(kind: str, category: str | None, lines: tuple[LetterLine, ...],
             evidence: tuple[Evidence, ...], authorization: str | None,
             payer_policy: str | None) -> tuple[tuple[str, ...], list[str]]:  # fmt: skip
    """The request that follows from the denial category, as paragraphs that say only what the
    record shows, and what the clinician must add for it."""
    # An element counts for the argument only when every note shows it.
    present = {e.element for e in evidence} - {e.element for e in evidence if not e.present}
    remarks = [r for line in lines for r in line.remarks]
    asked: list[str] = []
    if kind == "resubmit":
        return ((
            "The payer returned this claim as unprocessable (CARC 16 with remark MA130). Such a "
            "claim has no appeal rights: correct what the remark codes name and send a new "
            "claim; do not send an appeal.",
            *(f"To correct: remark {r.code}, {r.label or 'no label in the reference list'}."
              for r in remarks if r.code != "MA130"),
        ), [])  # fmt: skip
    paragraphs = ["We ask you to reconsider the denial of the service lines listed below and to "
                  "pay them."]  # fmt: skip
    if kind == "reopening":
        paragraphs = ["We ask you to reopen the claim: the service lines below were denied as "
                      "duplicates, but they are not the services of an earlier claim."]  # fmt: skip
        asked.append("Show how these services differ from the claim taken as the original "
                     "(date, code, units or body region).")  # fmt: skip
    elif category == "documentation":
        named = [r for r in remarks if r.code != "MA130"]
        if named:
            listed = "; ".join(f"{r.code} ({r.label or 'no label in the reference list'})"
                               for r in named)  # fmt: skip
            paragraphs.append(f"The denial says information was missing. The remittance named: "
                              f"{listed}. This letter and its enclosures supply it.")  # fmt: skip
        else:
            paragraphs.append("The denial says information was missing; the remittance did not "
                              "name what. The documentation of the visit is enclosed.")  # fmt: skip
        asked += [f"Enclose what remark {r.code} asks for" + (f": {r.label}." if r.label else ".")
                  for r in named]  # fmt: skip
    elif category == "medical_necessity":
        if {"rationale", "involvement"} <= present:
            paragraphs.append(
                "The service needed a therapist's skill: the note records the clinical rationale "
                "for the approach and the therapist's direct one-on-one involvement (quoted "
                "below).")  # fmt: skip
        else:
            asked.append("State what made the service need a therapist's skill.")
        if "purpose" in present:
            paragraphs.append("It served the functional goal the note records (quoted below).")
        asked.append("Enclose the plan of care and a progress report showing objective, "
                     "measured progress toward the goal.")  # fmt: skip
        if payer_policy:
            paragraphs.append(f"The service meets your coverage policy: {payer_policy}.")
        else:
            asked.append("Cite the payer's coverage policy the service meets (set "
                         "[appeal_letters.payer_policy] for this payer).")  # fmt: skip
    elif category == "authorization":
        if authorization:
            paragraphs.append(f"The claim carried authorization number {authorization}.")
            asked.append("Add the authorization's dates and enclose the approval.")
        else:
            asked.append("The claim carries no authorization number: give the number and "
                         "dates, or enclose proof that none was required.")  # fmt: skip
    elif category == "bundling":
        distinct = sorted({m for line in lines for m in line.modifiers if m in DISTINCT_MODIFIERS})
        if distinct:
            paragraphs.append("The line was billed with modifier " + ", ".join(distinct)
                              + ", which marks a distinct procedural service.")  # fmt: skip
        asked.append("Confirm that the NCCI edit's modifier indicator allows a modifier and "
                     "explain what made the service distinct (another site, session or "
                     "encounter); never add a modifier only to pass the edit.")  # fmt: skip
    elif category == "non_covered":
        asked.append("Cite the plan benefit that covers the service and enclose any advance "
                     "notice given to the patient.")  # fmt: skip
    elif category in ASKED_BY_CATEGORY:
        asked.append(ASKED_BY_CATEGORY[category])
    else:
        asked.append("State why the denial is wrong for this category "
                     f"({category or 'uncategorised'}).")  # fmt: skip
    return tuple(paragraphs), asked


# What the clinician or biller must supply for the categories whose argument the record cannot
# make at all (docs/appeals.md).
ASKED_BY_CATEGORY = {
    "timely_filing": "Enclose proof the claim was filed in time: the clearinghouse's "
                     "acceptance reports (999 and 277CA) dated within the payer's filing limit. "
                     "Without it the denial stands; Medicare reopens a late claim only in narrow "
                     "cases (an administrative error of its own, for one).",
    "coding": "Explain why no specific code describes the service (what was done and how it "
              "differs from the codes the payer could mean), or, if one does, send a corrected "
              "claim with that code instead of an appeal.",
    "eligibility": "Enclose the eligibility response (271) for the date of service and check "
                   "the member id; if the id was wrong, send a corrected claim instead.",
    "billing_error": "Correct what the remark codes name and send a replacement claim "
                     "(frequency 7) instead of an appeal.",
}  # fmt: skip


def evidence_gaps(evidence: tuple[Evidence, ...], unnoted: list[dt.date | None]) -> list[str]:
    """What the notes do not show, and the visits without a note."""
    gaps = [f"No treatment note was loaded for the visit of {day or 'an unknown date'}: enclose "
            "the signed note." for day in unnoted]  # fmt: skip
    gaps += [f"The note of {e.visit} does not show: {e.meaning.lower()}. Add it from the record, "
             "or leave it out of the letter." for e in evidence
             if not e.present and e.source != "no note"]  # fmt: skip
    return gaps


def provider_gaps(provider: Provider) -> list[str]:
    facts = (
        ("name", provider.name),
        ("NPI", provider.npi),
        ("credentials", provider.credentials),
        ("taxonomy code", provider.taxonomy),
    )
    missing = [what for what, value in facts if not value]
    return [f"Add the rendering provider's {', '.join(missing)}."] if missing else []


def comparator_gaps(comparator: Comparator | None) -> list[str]:
    out = []
    if comparator is None or comparator.comparator_code is None:
        out.append("Name a comparable code for the unlisted service.")
    if comparator is None or comparator.per_unit is None:
        out.append(
            "State the comparable code's value (no contract rate or enough paid lines gives one)."
        )
    out.append("Explain why the comparable code fits (time, equipment, skill).")
    return out


def sender_gaps(sender: Sender) -> list[str]:
    missing = [what for what, value in (("practice name", sender.practice_name),
                                        ("return address", sender.address),
                                        ("signer", sender.signer_name)) if not value]  # fmt: skip
    return ([f"Add the {', '.join(missing)} (settings [appeal_letters]) and sign."]
            if missing else ["Sign the letter."])  # fmt: skip
