"""Which billing rule faults (docs/rule-checks.md) each 97139 line of the synthetic practice has.

The truth is worked out from what the files say, never from what the generator meant to inject:
the modifiers, units and narrative of the claim in force, its rendering provider's taxonomy, the
note's elements, signed date and timed minutes, and, for the Medicare therapy threshold, every
Medicare line's allowed amount at the end. So an injected fault another event undid (a narrative
fixed by a replacement claim) is no fault, and a fault nobody injected (KX put on too early
because a line the practice counted was later denied) is one.

The demo practice's facts the rules need (a daily unit limit, whether 97139 is timed) are written
beside the files as rules.toml (DEMO_RULES), so that a rule run on the demo knows them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

TARGET = "97139"
RULES = (
    "missing_narrative",
    "narrative_names_specific_code",
    "missing_therapy_modifier",
    "discipline_modifier_mismatch",
    "assistant_without_modifier",
    "same_day_similar_code",
    "units_above_daily_max",
    "missing_prior_authorization",
    "missing_documentation",
    "late_signature",
    "minutes_units_mismatch",
    "therapy_threshold_no_kx",
    "kx_below_threshold",
    "recoded_by_payer",
)
THERAPY_MODIFIERS = ("GP", "GO", "GN")
# NUCC taxonomy prefixes: the discipline modifier each one's services carry, and the assistants'.
DISCIPLINE_BY_TAXONOMY = {"2251": "GP", "2252": "GP", "225X": "GO", "224Z": "GO", "235Z": "GN"}
ASSISTANT_TAXONOMIES = ("2252", "224Z")
ASSISTANT_CREDENTIALS = ("PTA", "COTA", "COTA/L")
ASSISTANT_MODIFIERS = ("CQ", "CO")
SIMILAR = ("97110", "97112", "97140", "97530")
DISTINCT = ("59", "XE", "XS", "XP", "XU")
# The services the invented practice's narratives name that have a code of their own (dry
# needling: 20560/20561; aquatic therapy: 97113).
OWN_CODE_SERVICES = ("DRY NEEDLING", "AQUATIC")
# Timed codes of the demo: the routine procedures, and 97139 by the demo rules file.
TIMED = ("97110", "97112", "97140", "97530", "97535", TARGET)
MAX_SIGN_DAYS = 7
MINUTES_PER_UNIT, MIN_MINUTES_LAST_UNIT = 15, 8
DAILY_LIMIT = 2  # units of 97139 a day, by the demo rules file

# The demo practice's facts, in the rules file shape (docs/rule-checks.md "Facts, not guesses").
UNITS_SOURCE = "demo practice: its payers' policy (invented for the demo)"
TIMING_SOURCE = "demo practice: billed per 15 minutes (invented for the demo)"
DEMO_RULES = (
    "# The demo practice's facts for the rule checks: invented for the synthetic practice, not\n"
    "# published figures. Point $UNLISTED_RULES at this file when checking the demo.\n"
    "[units_above_daily_max.daily_limits]\n"
    f'"{TARGET}" = {{ units = {DAILY_LIMIT}, source = "{UNITS_SOURCE}" }}\n'
    "[minutes_units_mismatch.timing]\n"
    f'"{TARGET}" = {{ timed = true, source = "{TIMING_SOURCE}" }}\n'
)


@dataclass(frozen=True, slots=True)
class BilledLine:
    number: int
    code: str
    modifiers: tuple[str, ...]
    units: int
    description: str | None


@dataclass(frozen=True)
class Visit:
    """A claim in force and what the rules read beside it: its provider and its note."""

    lines: tuple[BilledLine, ...]
    taxonomy: str
    credential: str
    payer_requires_auth: bool
    has_auth: bool
    day: dt.date
    elements_complete: bool
    signed: dt.date | None
    timed_minutes: int


def units_supported(minutes: int) -> int:
    """Timed units the minutes support under the 8-minute rule: 8-22 one, 23-37 two, ..."""
    return (minutes + MINUTES_PER_UNIT - MIN_MINUTES_LAST_UNIT) // MINUTES_PER_UNIT


def discipline_modifier(taxonomy: str) -> str | None:
    return DISCIPLINE_BY_TAXONOMY.get(taxonomy[:4])


def visit_faults(visit: Visit) -> dict[int, tuple[str, ...]]:
    """line number -> the rules its 97139 line breaks, of those the claim and note decide
    (recoded_by_payer and the Medicare threshold need the remittances: see threshold_faults).

    The same-day rules' "same patient, date and rendering provider" is the claim here: a patient
    of the demo has one episode with one provider, and at most one visit a day."""
    target_units = sum(x.units for x in visit.lines if x.code == TARGET)
    timed_units = sum(x.units for x in visit.lines if x.code in TIMED)
    own = discipline_modifier(visit.taxonomy)
    assistant = (
        visit.taxonomy[:4] in ASSISTANT_TAXONOMIES or visit.credential in ASSISTANT_CREDENTIALS
    )
    late = visit.signed is None or (visit.signed - visit.day).days > MAX_SIGN_DAYS
    out = {}
    for line in visit.lines:
        if line.code != TARGET:
            continue
        mods = set(line.modifiers)
        similar_unmodified = not mods & set(DISTINCT) and any(
            o.code in SIMILAR and not set(o.modifiers) & set(DISTINCT)
            for o in visit.lines
            if o.number != line.number
        )
        broken = {
            "missing_narrative": not (line.description or "").strip(),
            "narrative_names_specific_code": any(
                s in (line.description or "").upper() for s in OWN_CODE_SERVICES
            ),
            "missing_therapy_modifier": not mods & set(THERAPY_MODIFIERS),
            "discipline_modifier_mismatch": own is not None
            and bool(mods & set(THERAPY_MODIFIERS) - {own}),
            "assistant_without_modifier": assistant and not mods & set(ASSISTANT_MODIFIERS),
            "same_day_similar_code": similar_unmodified,
            "units_above_daily_max": target_units > DAILY_LIMIT,
            "missing_prior_authorization": visit.payer_requires_auth and not visit.has_auth,
            "missing_documentation": not visit.elements_complete,
            "late_signature": late,
            "minutes_units_mismatch": timed_units > units_supported(visit.timed_minutes),
        }
        out[line.number] = tuple(rule for rule in RULES if broken.get(rule))
    return out


# -- the Medicare therapy threshold ------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MedicareLine:
    """A line of a Medicare Part B claim in force, with what its amount could be. Amounts are
    whole cents: a year of lines is held until the end, so they are kept small."""

    patient: tuple  # member id, last name, first name, birth date
    day: dt.date
    claim: str  # CLM01
    number: int
    code: str
    modifiers: tuple[str, ...]
    expected: int | None  # cents, from the contract rates; None without a contract
    charge: int  # cents


def whole_cents(amount: Decimal) -> int:
    return int(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) * 100)


def therapy_bucket(modifiers: Iterable[str]) -> str | None:
    """Medicare counts PT and SLP together (GP, GN), OT apart (GO); other lines are no therapy."""
    mods = set(modifiers)
    if mods & {"GP", "GN"}:
        return "PT/SLP"
    if "GO" in mods:
        return "OT"
    return None


def accruals(
    lines: Iterable[MedicareLine],
    allowed: dict[tuple[str, int], int],
    thresholds: dict[int, Decimal],
) -> Iterator[tuple[MedicareLine, int, int]]:
    """(line, year-to-date amount with the line, the year's threshold), in cents, for each
    therapy line.

    Per patient, calendar year and bucket, in order of service date, CLM01 and line number, each
    line adds its Medicare allowed amount when Medicare adjudicated it (allowed: the net of its
    adjudications, 0 when denied), else its expected allowed amount, else its charge."""
    groups: dict[tuple, list[MedicareLine]] = defaultdict(list)
    for line in lines:
        bucket = therapy_bucket(line.modifiers)
        if bucket is not None and line.day.year in thresholds:
            groups[(line.patient, line.day.year, bucket)].append(line)
    for (_, year, _), group in groups.items():
        total, threshold = 0, whole_cents(thresholds[year])
        for line in sorted(group, key=lambda x: (x.day, x.claim, x.number)):
            key = (line.claim, line.number)
            if key in allowed:
                total += allowed[key]
            elif line.expected is not None:
                total += line.expected
            else:
                total += line.charge
            yield line, total, threshold


def threshold_faults(
    lines: Iterable[MedicareLine],
    allowed: dict[tuple[str, int], int],
    thresholds: dict[int, Decimal],
) -> dict[tuple[str, int], str]:
    """(CLM01, line number) -> therapy_threshold_no_kx or kx_below_threshold, on 97139 lines: a
    line that takes the year-to-date amount past the threshold needs KX; KX while the amount,
    the line included, is at or under it is a misuse."""
    faults = {}
    for line, total, threshold in accruals(lines, allowed, thresholds):
        if line.code != TARGET:
            continue
        past, has_kx = total > threshold, "KX" in line.modifiers
        if past and not has_kx:
            faults[(line.claim, line.number)] = "therapy_threshold_no_kx"
        elif has_kx and not past:
            faults[(line.claim, line.number)] = "kx_below_threshold"
    return faults


def patients_past_threshold(
    lines: Iterable[MedicareLine],
    allowed: dict[tuple[str, int], int],
    thresholds: dict[int, Decimal],
) -> int:
    """Patient-years whose therapy amount (either bucket) went past the year's threshold."""
    return len(
        {(line.patient, line.day.year) for line, total, threshold in accruals(
            lines, allowed, thresholds) if total > threshold}
    )  # fmt: skip


def contract_expected(method: str, amount: Decimal, units: int, charge: Decimal) -> Decimal:
    """Expected allowed amount of a line under a contract: per unit, or a share of charges."""
    value = amount * charge if method == "percent" else amount * units
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
