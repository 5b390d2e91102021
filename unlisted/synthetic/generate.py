"""`unlisted generate`: a year of a physical-therapy group's 837P claims, 835 remittances,
treatment notes and contracts, with the rates the simulation injected in truth.json.

One seeded random stream drives everything in a fixed order, so one seed gives the same bytes.
Files are written as the simulated weeks pass: claims go to their weekly batch, adjudications to
the payer's payment run, and a batch or run is closed once the calendar is past it, so memory
holds only the weeks in flight, never the whole practice.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from ..queries.elements import ELEMENTS
from .faults import (
    DEMO_RULES,
    RULES,
    TARGET,
    BilledLine,
    MedicareLine,
    Visit,
    contract_expected,
    patients_past_threshold,
    threshold_faults,
    visit_faults,
    whole_cents,
)
from .notes import write_note
from .practice import Payer, Practice, Provider, load_practice
from .x12_writer import Envelope, d8, money

CENT = Decimal("0.01")
SIMILAR = ("97110", "97112", "97140", "97530")
ROUTINE = ("97110", "97112", "97140", "97530", "97535")
EVALUATIONS = ("97161", "97162", "97163")
TIMED = (*ROUTINE, "97139")  # billed per 15 minutes; evaluations are per session
DIAGNOSES = ("M5450", "M545", "M25561", "M25511", "M6281", "S83511A", "M19011", "G8929", "M7918")
NARRATIVES = (
    "INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION {m} MIN",
    "BLOOD FLOW RESTRICTION TRAINING LOWER EXTREMITY",
    "VESTIBULAR HABITUATION WITH OPTOKINETIC STIMULI",
    "ANTIGRAVITY TREADMILL GAIT TRAINING {m} MIN",
    "GRADED MOTOR IMAGERY AND MIRROR THERAPY",
    "NEURAL MOBILIZATION SCIATIC NERVE GLIDES",
)
# Narratives that describe a service with its own code: payers answer CARC 189.
HAS_OWN_CODE = ("DRY NEEDLING 3 MUSCLES", "AQUATIC THERAPEUTIC EXERCISE {m} MIN")
VAGUE = ("THERAPY", "TREATMENT PER POC", "OTHER PROCEDURE")
FIRST = (
    "ANA",
    "BEN",
    "CARLA",
    "DAVID",
    "ELENA",
    "FRANK",
    "GRACE",
    "HUGO",
    "IRIS",
    "JAMAL",
    "KAREN",
    "LEO",
    "MAYA",
    "NOAH",
    "OLGA",
    "PETER",
    "QUINN",
    "ROSA",
    "SAM",
    "TINA",
)
LAST = (
    "ABBOTT",
    "BECKER",
    "CASTILLO",
    "DUBOIS",
    "ERIKSEN",
    "FISCHER",
    "GALLO",
    "HAYES",
    "IBARRA",
    "JOHANSEN",
    "KOWALSKI",
    "LARSEN",
    "MORENO",
    "NAKAMURA",
    "OSEI",
    "PATEL",
    "QUINTERO",
    "ROSSI",
    "SANTOS",
    "TANAKA",
    "USMAN",
    "VARGA",
    "WEBER",
    "YILMAZ",
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def clp_filing(payer: Payer) -> str:
    """CLP06 for a payer: 835 has no "CI"; commercial plans report 12 (PPO)."""
    return payer.filing if payer.filing in ("MB", "MC", "WC") else "12"


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def pick(rng: random.Random, items, weight=lambda x: x.share):
    return rng.choices(items, weights=[weight(i) for i in items])[0]


class Parts:
    """Files assembled piece by piece: body segments are appended under a key (a weekly batch,
    a payer's payment run) and the envelope is written when the key is closed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.open: dict[tuple, dict] = {}

    def append(self, key: tuple, segments: list[str], **totals) -> None:
        part = self.open.get(key)
        if part is None:
            path = self.folder / (".part-" + "-".join(map(str, key)))
            part = self.open[key] = {
                "path": path,
                "file": path.open("w"),
                "segments": 0,
                "totals": Counter(),
                "claims": 0,
            }
        part["file"].write("~\n".join(segments) + "~\n")
        part["segments"] += len(segments)
        part["claims"] += 1
        part["totals"].update(totals)

    def due(self, before) -> list[tuple]:
        return sorted(key for key in self.open if key[-1] < before)

    def close(
        self, key: tuple, target: Path, head: str, tail_segments: list[str], envelope: Envelope
    ) -> None:
        part = self.open.pop(key)
        part["file"].close()
        with target.open("w") as out, part["path"].open() as body:
            out.write(head)
            shutil.copyfileobj(body, out)
            if tail_segments:
                out.write("~\n".join(tail_segments) + "~\n")
            out.write(envelope.tail(part["segments"] + len(tail_segments) + self.extra(key)))
        part["path"].unlink()

    def extra(self, key: tuple) -> int:
        return self.header_segments.get(key[0], 0)

    header_segments: dict = {}

    def discard_all(self) -> None:
        for part in self.open.values():
            part["file"].close()
            part["path"].unlink()
        self.open.clear()


@dataclass
class Truth:
    """What the simulation injected and what it produced, for tests and for the demo story."""

    counts: Counter = field(default_factory=Counter)
    money: defaultdict = field(default_factory=lambda: defaultdict(Decimal))
    by_payer: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    by_documentation: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    by_provider: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    reasons: Counter = field(default_factory=Counter)


@dataclass
class Line:
    number: int
    code: str
    modifiers: list[str]
    units: int
    charge: Decimal
    description: str | None = None
    control: str = ""


class Simulation:
    def __init__(
        self, outdir: Path, claims: int, seed: int, start: dt.date, months: int, practice: Practice
    ):
        self.out = outdir
        self.target = claims
        self.seed = seed
        self.rng = random.Random(seed)
        self.start = start
        self.end = add_months(start, months)
        self.p = practice
        self.s = practice.settings
        self.truth = Truth()
        self.claims = Parts(outdir / "claims")
        self.remits = Parts(outdir / "remits")
        self.control = 0
        self.icn = 0
        self.visit_number = 0
        self.primaries = [x for x in practice.payers.values() if x.share > 0]
        self.deductible_used: dict[str, Decimal] = {}
        self.f = practice.faults
        # The practice's own year-to-date therapy amount per Medicare patient, year and discipline.
        self.kx_estimate: dict[tuple, Decimal] = {}
        # What the truth needs of the claims in the files, by CLM01 (the version in force): the
        # faults of each 97139 line the claim and note decide, and the Medicare lines; and what
        # the remittances did: Medicare's net allowed per line, lines paid under another code.
        self.claim_faults: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
        self.medicare_lines: dict[str, tuple[MedicareLine, ...]] = {}
        self.medicare_allowed: defaultdict = defaultdict(int)  # cents
        self.recoded: set[tuple[str, int]] = set()
        self.shared: dict[tuple, tuple] = {}  # one copy of each modifier or rule list held

    # -- ids --------------------------------------------------------------------------------------
    def next_control(self) -> int:
        self.control += 1
        return self.control

    def next_icn(self, payer: Payer) -> str:
        self.icn += 1
        return f"{payer.id[:4]}{self.icn:011d}"

    # -- the calendar -----------------------------------------------------------------------------
    def run(self) -> dict:
        for folder in ("claims", "remits", "notes"):
            (self.out / folder).mkdir(parents=True, exist_ok=True)
        notes_file = (self.out / "notes" / "notes.csv").open("w", newline="")
        self.notes = csv.writer(notes_file)
        self.notes.writerow(
            [
                "patient_control_number",
                "service_date",
                "provider_npi",
                "provider_name",
                "credentials",
                "minutes",
                "timed_minutes",
                "signed_date",
                "note_text",
            ]
        )
        monday = self.start - dt.timedelta(days=self.start.weekday())
        weeks = (self.end - monday).days // 7 + 1
        per_week = self.target / max(weeks - 1, 1)
        planned: Counter = Counter()
        episodes: list[dict] = []
        for week in range(weeks):
            week_start = monday + dt.timedelta(weeks=week)
            while (
                planned[week] < per_week
                and self.visit_number + sum(planned[w] for w in range(week, week + 10))
                < self.target
                and week_start < self.end
            ):
                episode = self.new_episode(week_start)
                episodes.append(episode)
                for day in episode["days"]:
                    planned[(day - monday).days // 7] += 1
            for episode in episodes:
                for day in [
                    d for d in episode["days"] if week_start <= d < week_start + dt.timedelta(7)
                ]:
                    if self.start <= day < self.end and self.visit_number < self.target:
                        self.visit(episode, day)
            episodes = [e for e in episodes if e["days"][-1] >= week_start + dt.timedelta(7)]
            self.close_due(week_start + dt.timedelta(7))
        self.close_due(self.end + dt.timedelta(days=1), final=True)
        self.write_next_batch()
        self.claims.discard_all()
        self.remits.discard_all()
        notes_file.close()
        self.write_contracts()
        facts_path(self.out).parent.mkdir(exist_ok=True)
        facts_path(self.out).write_text(DEMO_RULES)
        return self.write_truth()

    def new_episode(self, week_start: dt.date) -> dict:
        rng, p = self.rng, self.p
        payer = pick(rng, self.primaries)
        visits = rng.randint(*self.s["episode_visits"])
        medicare = self.p.medicare
        kx_from = 1.0  # the share of the threshold past which the practice bills KX
        if payer.filing == "MB":
            # Long episodes take some Medicare patients past the therapy threshold.
            if rng.random() < medicare["long_episode_share"]:
                visits = rng.randint(*medicare["long_episode_visits"])
            if rng.random() < self.f["kx_early"]:
                kx_from = rng.uniform(*medicare["kx_early_from"])
        first = week_start + dt.timedelta(days=rng.randrange(5))
        days = []
        for k in range(visits):
            day = first + dt.timedelta(days=(k // 2) * 7 + (k % 2) * 3)
            days.append(day - dt.timedelta(days=2) if day.weekday() > 4 else day)
        member = f"{payer.id[:2]}{rng.randrange(10**9):09d}"
        first_name, last_name = rng.choice(FIRST), rng.choice(LAST)
        dob = dt.date(rng.randint(1935, 2005), rng.randint(1, 12), rng.randint(1, 28))
        return {
            "payer": payer,
            "secondary": payer.crossover_to if rng.random() < payer.crossover_share else None,
            "provider": pick(rng, p.providers),
            "location": pick(rng, p.locations),
            "first": first_name,
            "last": last_name,
            "sex": rng.choice("FM"),
            "member": member,
            "dob": dob,
            "patient": (member, last_name, first_name, dob),  # "same patient" (rule-checks.md)
            "diagnoses": rng.sample(DIAGNOSES, 2),
            "auth": f"AUTH{rng.randrange(10**7):07d}"
            if (not payer.requires_auth or rng.random() >= self.f["unauthorized_episode"])
            else None,
            "days": sorted(days),
            "seen": 0,
            "kx_from": kx_from,
        }

    # -- a visit: claim, note, adjudication -------------------------------------------------------
    def visit(self, episode: dict, day: dt.date) -> None:
        rng, p, t = self.rng, self.p, self.truth
        self.visit_number += 1
        provider: Provider = episode["provider"]
        pcn = f"RPT{self.visit_number:08d}"
        codes: list[tuple[str, int]] = []
        if episode["seen"] == 0:
            codes.append((rng.choice(EVALUATIONS), 1))
        episode["seen"] += 1
        for code in rng.sample(ROUTINE, rng.randint(1, 3)):
            codes.append((code, rng.randint(1, 2)))
        has_97139 = rng.random() < self.s["share_97139"]
        narrative_kind = None
        if has_97139:
            # The demo's payers allow 2 units a day (rules.toml): a few lines bill 3.
            units = 3 if rng.random() < self.f["units_above_daily_max"] else rng.randint(1, 2)
            roll = rng.random()
            if roll < provider.narrative_missing:
                narrative_kind, text = "missing", None
            elif roll < provider.narrative_missing + provider.narrative_vague:
                narrative_kind, text = "vague", rng.choice(VAGUE)
            elif rng.random() < 0.1:
                narrative_kind, text = "own_code", rng.choice(HAS_OWN_CODE)
            else:
                narrative_kind, text = "specific", rng.choice(NARRATIVES)
            if text:
                text = text.format(m=8 * units + rng.randint(0, 7))
            codes.append(("97139", units))
        lines = []
        same_day_similar = has_97139 and any(c in SIMILAR for c, _ in codes)
        distinct = same_day_similar and rng.random() < self.s["modifier_59_share"]
        for number, (code, units) in enumerate(codes, start=1):
            modifiers = self.line_modifiers(provider, code, distinct)
            line = Line(
                number, code, modifiers, units, p.charges[code] * units, control=f"{pcn}-{number}"
            )
            if code == "97139":
                line.description = text
            lines.append(line)
        if episode["payer"].filing == "MB":
            self.add_kx(episode, day, lines)
        documented = {e: rng.random() < provider.documentation[e] for e in ELEMENTS}
        complete = all(documented.values())
        minutes = self.note_minutes(codes)
        signing = (self.f["late_signature"], self.s["signed_later_share"])
        signed = write_note(
            self.notes, rng, pcn, day, provider, documented, minutes, lines, signing
        )
        late = rng.random() < self.s["late_submission_share"]
        submitted = day + dt.timedelta(
            days=(7 - day.weekday()) + (rng.randint(95, 150) if late else 0)
        )
        claim = {
            "pcn": pcn,
            "day": day,
            "episode": episode,
            "lines": lines,
            "submitted": submitted,
            "frequency": "1",
            "complete": complete,
            "narrative": narrative_kind,
            "same_day_unmodified": same_day_similar and not distinct,
            "original_icn": None,
            "note": (complete, signed, minutes[1]),  # what the note file says, for the truth
        }
        self.write_claim(claim)
        t.counts["visits"] += 1
        if has_97139 and submitted < self.end + dt.timedelta(days=1):  # the claim is in the files
            t.counts["lines_97139"] += 1
            t.by_provider[provider.npi]["lines_97139"] += 1
            t.by_provider[provider.npi]["complete"] += complete
        if rng.random() < self.s["duplicate_share"]:
            duplicate = dict(claim, submitted=submitted + dt.timedelta(days=7), duplicate=True)
            self.write_claim(duplicate)
            self.adjudicate(duplicate)
        if rng.random() < self.s["lost_share"]:
            t.counts["lost_claims"] += 1
            return
        self.adjudicate(claim)

    def line_modifiers(self, provider: Provider, code: str, distinct: bool) -> list[str]:
        """The discipline modifier (GP/GO) and an assistant's CQ/CO on every line; on a 97139
        line, the practice's slips (no discipline modifier, the other discipline's, no assistant
        modifier) at their rates, and 59/XS when the same-day pair is billed as distinct."""
        rng, f = self.rng, self.f
        discipline, assistant = provider.modifier, provider.assistant_modifier
        if code == "97139":
            roll = rng.random()
            if roll < f["missing_therapy_modifier"]:
                discipline = None
            elif roll < f["missing_therapy_modifier"] + f["wrong_discipline_modifier"]:
                discipline = provider.wrong_modifier
            if assistant and rng.random() < f["assistant_modifier_missing"]:
                assistant = None
        modifiers = [m for m in (discipline, assistant) if m]
        if code == "97139" and distinct:
            modifiers.append(rng.choice(("59", "XS")))
        return modifiers

    def add_kx(self, episode: dict, day: dt.date, lines: list[Line]) -> None:
        """KX on the Medicare lines past the year's therapy threshold, as the practice tracks it:
        per patient, year and the discipline of the episode, at its contract rates (it cannot
        know which lines Medicare will deny). For some patients KX starts early (kx_from), and a
        few 97139 lines past the threshold go without it (kx_missing)."""
        threshold = self.p.medicare["thresholds"].get(day.year)
        if threshold is None:
            return
        payer, provider = episode["payer"], episode["provider"]
        key = (episode["member"], day.year, provider.modifier)
        for line in lines:
            total = self.kx_estimate.get(key, Decimal(0)) + self.expected(payer, line)
            self.kx_estimate[key] = total
            if total <= threshold * Decimal(str(episode["kx_from"])):
                continue
            if line.code == "97139" and self.rng.random() < self.f["kx_missing"]:
                continue
            line.modifiers.append("KX")

    def note_minutes(self, codes: list[tuple[str, int]]) -> tuple[int, int]:
        """(total, timed) minutes of the visit's note. The timed minutes support exactly the
        billed timed units under the 8-minute rule (15u - 7 to 15u + 7), but on a few visits
        (minutes_short) only one unit fewer or none; an evaluation adds 20-45 untimed minutes."""
        rng = self.rng
        units = sum(u for c, u in codes if c in TIMED)
        if rng.random() < self.f["minutes_short"]:
            timed = rng.randint(max(1, 15 * units - 22), 15 * units - 8)
        else:
            timed = rng.randint(15 * units - 7, 15 * units + 7)
        untimed = sum(rng.randint(20, 45) for c, _ in codes if c in EVALUATIONS)
        return timed + untimed, timed

    def write_claim(self, claim: dict) -> None:
        p, e = self.p, claim["episode"]
        provider, payer, location = e["provider"], e["payer"], e["location"]
        segments = [
            "HL*{HL}*1*22*0",
            f"SBR*P*18*GRP{payer.id[:4]}******{payer.filing}",
            f"NM1*IL*1*{e['last']}*{e['first']}****MI*{e['member']}",
            f"N3*{10 + int(e['member'][-3:])} ELM ST",
            f"N4*{p.city}*{p.state}*{p.zip}",
            f"DMG*D8*{d8(e['dob'])}*{e['sex']}",
            f"NM1*PR*2*{payer.name}*****PI*{payer.id}",
            f"CLM*{claim['pcn']}*{money(sum(x.charge for x in claim['lines']))}***11:B:"
            f"{claim['frequency']}*Y*A*Y*Y",
        ]
        if claim["original_icn"]:
            segments.append(f"REF*F8*{claim['original_icn']}")
        if e["auth"] and payer.requires_auth:
            segments.append(f"REF*G1*{e['auth']}")
        segments += [
            "HI*"
            + "*".join(f"{'ABK' if i == 0 else 'ABF'}:{d}" for i, d in enumerate(e["diagnoses"])),
            f"NM1*82*1*{provider.last}*{provider.first}****XX*{provider.npi}",
            f"PRV*PE*PXC*{provider.taxonomy}",
            f"NM1*77*2*{location.name}*****XX*{location.npi}",
            f"N3*{location.address}",
            f"N4*{p.city}*{p.state}*{location.zip}",
        ]
        for line in claim["lines"]:
            composite = ":".join(["HC", line.code, *line.modifiers])
            if line.description:
                composite = ":".join(
                    ["HC", line.code, *(line.modifiers + [""] * 4)[:4], line.description]
                )
            segments += [
                f"LX*{line.number}",
                f"SV1*{composite}*{money(line.charge)}*UN*{line.units}***1:2",
                f"DTP*472*D8*{d8(claim['day'])}",
                f"REF*6R*{line.control}",
            ]
        batch = claim["submitted"]
        key = ("claims", batch)
        part = self.claims.open.get(key)
        hl = 2 + (part["claims"] if part else 0)
        segments[0] = f"HL*{hl}*1*22*0"
        self.claims.append(
            key, segments, charge=sum(x.charge for x in claim["lines"]), lines=len(claim["lines"])
        )
        if batch < self.end + dt.timedelta(days=1):
            t = self.truth
            t.counts["claims"] += 1
            t.counts["claim_lines"] += len(claim["lines"])
            t.money["claim_charge"] += sum(x.charge for x in claim["lines"])
            if not claim.get("duplicate"):  # a duplicate is the same claim, never in force
                self.record_in_force(claim)

    def record_in_force(self, claim: dict) -> None:
        """Keep what the truth needs of a claim in the files. Originals come before their
        replacement (7), which then stands for them: the claim in force."""
        e = claim["episode"]
        payer, provider = e["payer"], e["provider"]
        pcn, day = claim["pcn"], claim["day"]
        billed = tuple(
            BilledLine(x.number, x.code, tuple(x.modifiers), x.units, x.description)
            for x in claim["lines"]
        )
        if any(x.code == TARGET for x in billed):
            complete, signed, timed_minutes = claim["note"]
            visit = Visit(
                billed,
                provider.taxonomy,
                provider.credential,
                payer.requires_auth,
                bool(e["auth"] and payer.requires_auth),  # REF*G1 is written then
                day,
                complete,
                signed,
                timed_minutes,
            )
            self.claim_faults[pcn] = tuple(
                (number, self.share(rules)) for number, rules in visit_faults(visit).items()
            )
        if payer.filing == "MB":
            self.medicare_lines[pcn] = tuple(
                MedicareLine(
                    e["patient"],
                    day,
                    pcn,
                    x.number,
                    x.code,
                    self.share(tuple(x.modifiers)),
                    self.contract_expected(payer, x),
                    whole_cents(x.charge),
                )
                for x in claim["lines"]
            )

    def share(self, items: tuple) -> tuple:
        """The one copy of a tuple held for the truth (the same few modifier and rule lists)."""
        return self.shared.setdefault(items, items)

    # -- payers -----------------------------------------------------------------------------------
    def run_date(self, payer: Payer, after: dt.date) -> dt.date:
        days = (payer.payment_weekday - after.weekday()) % 7
        return after + dt.timedelta(days=days)

    def contract(self, payer: Payer, code: str) -> tuple[str, Decimal | None, str] | None:
        """(method, amount, comparator code) of the payer's contract for a code, as
        contracts.csv says it; None without one."""
        if code == "97139":
            if payer.method == "comparator":
                return ("comparator", None, payer.comparator)
            return (payer.method, payer.amount, "")
        if code in self.p.rates:
            return ("fixed", self.p.rates[code], "")
        return None

    def contract_expected(self, payer: Payer, line: Line) -> int | None:
        """The line's expected allowed amount in cents read from its contract, as the marts read
        it; None without a contract."""
        contract = self.contract(payer, line.code)
        if contract is None:
            return None
        method, amount, comparator = contract
        if method == "comparator":
            amount = self.p.rates.get(comparator)
            if amount is None:
                return None
        return whole_cents(contract_expected(method, amount, line.units, line.charge))

    def expected(self, payer: Payer, line: Line) -> Decimal:
        if line.code != "97139":
            return cents(self.p.rates[line.code] * line.units)
        if payer.method == "fixed":
            return cents(payer.amount * line.units)
        if payer.method == "percent":
            return cents(payer.amount * line.charge)
        return cents(self.p.rates[payer.comparator] * line.units)

    def denial(self, claim: dict, payer: Payer, line: Line) -> tuple[str, str | None, str] | None:
        """(CARC, RARC, cause) when the payer denies the line at first adjudication."""
        rng, d, e = self.rng, payer.denial, claim["episode"]
        if claim.get("duplicate"):
            return ("18", None, "duplicate")
        if (claim["submitted"] - claim["day"]).days > payer.timely_days:
            return ("29", None, "timely_filing")
        if line.code == "97139":
            kind = claim["narrative"]
            if kind == "missing" and payer.requires_narrative and rng.random() < d["no_narrative"]:
                return ("16", "N350", "no_narrative")
            if (
                kind == "missing"
                and not payer.requires_narrative
                and rng.random() < d["no_narrative"]
            ):
                return ("16", "N350", "no_narrative")
            if kind == "vague" and rng.random() < d["vague_narrative"]:
                return ("16", "N350", "vague_narrative")
            if payer.requires_auth and not e["auth"] and rng.random() < d["no_auth"]:
                return ("197", "M62", "no_auth")
            if not claim["complete"] and rng.random() < d["undocumented"]:
                return ("50", "N706", "undocumented")
            if claim["same_day_unmodified"] and rng.random() < d["bundled"]:
                return (rng.choice(("97", "236")), "N20", "bundled")
            misuse = d["unlisted_misuse"] * (8 if kind == "own_code" else 1)
            if rng.random() < misuse:
                return ("189", None, "unlisted_misuse")
            if rng.random() < d["noncovered"]:
                return ("96", None, "noncovered")
        if rng.random() < d["base"]:
            return (rng.choice(("50", "16")), "M127" if rng.random() < 0.5 else None, "base")
        return None

    def adjudicate(self, claim: dict, appeal_of: dict | None = None) -> None:
        rng, e, t = self.rng, claim["episode"], self.truth
        payer: Payer = e["payer"]
        lag = rng.randint(*payer.lag_days)
        run = self.run_date(payer, claim["submitted"] + dt.timedelta(days=lag))
        if run >= self.end:
            t.counts["pending_at_end"] += 1
            return
        outcomes = []
        for line in claim["lines"]:
            expected = self.expected(payer, line)
            denied = None if appeal_of else self.denial(claim, payer, line)
            outcome = {
                "line": line,
                "expected": expected,
                "denied": denied,
                "allowed": Decimal(0),
                "patient": [],
                "recoded": None,
            }
            if denied is None:
                allowed = expected
                if rng.random() < payer.underpay_share:
                    depth = Decimal(str(round(rng.uniform(*payer.underpay_depth), 4)))
                    allowed = cents(expected * (1 - depth))
                    if line.code == "97139":
                        t.by_payer[payer.id]["underpaid_97139"] += 1
                allowed = min(allowed, line.charge)
                outcome["allowed"] = allowed
                outcome["patient"] = self.patient_share(claim, payer, allowed, outcomes)
                if line.code == "97139" and payer.comparator and rng.random() < payer.recode_share:
                    outcome["recoded"] = payer.comparator
            outcomes.append(outcome)
            # A duplicate-claim answer (CARC 18) is no denial of the service: kept out of truth.
            if line.code == "97139" and appeal_of is None and not claim.get("duplicate"):
                key = "complete" if claim["complete"] else "incomplete"
                t.by_payer[payer.id]["lines_97139"] += 1
                t.by_documentation[key]["lines"] += 1
                if denied:
                    t.by_payer[payer.id]["denied_97139"] += 1
                    t.by_documentation[key]["denied"] += 1
                    t.reasons[denied[0]] += 1
                    t.by_provider[e["provider"].npi]["denied_97139"] += 1
        status = "19" if e["secondary"] and any(o["patient"] for o in outcomes) else "1"
        icn = self.next_icn(payer)
        lag_days = (run - claim["submitted"]).days
        replaced = claim.get("replaces")
        if replaced:  # a payer answers a replacement claim by first reversing the original
            self.write_adjudication(payer, run, replaced["claim"], replaced["outcomes"], "1",
                                    replaced["icn"], 0, sign=Decimal(-1))
        self.write_adjudication(payer, run, claim, outcomes, status, icn, lag_days)
        if replaced and replaced["claim"].get("crossover_icn"):
            self.crossover(replaced["claim"], replaced["outcomes"], run, sign=Decimal(-1))
        if status == "19":
            self.crossover(claim, outcomes, run)
        denied_97139 = [
            o
            for o in outcomes
            if o["denied"]
            and o["line"].code == "97139"
            and o["denied"][2] not in ("duplicate", "timely_filing")
        ]
        if appeal_of is None and denied_97139:
            cause = denied_97139[0]["denied"][2]
            if (
                cause in ("no_narrative", "vague_narrative")
                and rng.random() < self.s["corrected_claim_share"]
            ):
                self.corrected_claim(claim, run, icn, outcomes)
            elif rng.random() < payer.appeal_share and (claim["complete"] or cause == "bundled"):
                appeal = dict(
                    claim,
                    submitted=run + dt.timedelta(days=rng.randint(14, 35)),
                    lines=[o["line"] for o in denied_97139],
                    replaces=None,
                )
                t.counts["appeals"] += 1
                self.adjudicate(appeal, appeal_of=claim)
        elif appeal_of is None and not any(o["denied"] for o in outcomes):
            if rng.random() < self.s["reversal_share"]:
                self.reverse_and_correct(claim, payer, run, outcomes, icn)

    def patient_share(self, claim, payer: Payer, allowed: Decimal, done) -> list:
        shares = []
        left = allowed
        member = claim["episode"]["member"]
        if payer.filing == "MB":
            year_key = f"{member}-{claim['day'].year}"
            used = self.deductible_used.get(year_key, Decimal(0))
            room = Decimal(self.s["deductible"]) - used
            if room > 0:
                amount = min(room, left)
                self.deductible_used[year_key] = used + amount
                shares.append(("1", amount))
                left -= amount
        if payer.copay and not any(o["patient"] for o in done) and left > 0:
            amount = min(payer.copay, left)
            shares.append(("3", amount))
            left -= amount
        if payer.coinsurance and left > 0:
            shares.append(("2", cents(left * payer.coinsurance)))
        return shares

    def write_adjudication(
        self, payer, run, claim, outcomes, status, icn, lag_days, sign=Decimal(1)
    ) -> None:
        e, t = claim["episode"], self.truth
        charge = sum(o["line"].charge for o in outcomes) * sign
        paid = Decimal(0)
        patient = Decimal(0)
        body = []
        for o in outcomes:
            line = o["line"]
            share = sum((a for _, a in o["patient"]), Decimal(0))
            line_paid = (o["allowed"] - share) * sign
            paid += line_paid
            patient += share * sign
            code = o["recoded"] or line.code
            composite = ":".join(["HC", code, *line.modifiers])
            svc = f"SVC*{composite}*{money(line.charge * sign)}*{money(line_paid)}**{line.units}"
            if o["recoded"]:
                svc += "*" + ":".join(["HC", line.code, *line.modifiers])
            body += [svc, f"DTM*472*{d8(claim['day'])}"]
            if o["denied"]:
                body.append(f"CAS*CO*{o['denied'][0]}*{money(line.charge * sign)}")
            else:
                contractual = (line.charge - o["allowed"]) * sign
                if contractual:
                    body.append(f"CAS*CO*45*{money(contractual)}")
                if o["patient"]:
                    body.append(
                        "CAS*PR*"
                        + "*".join(f"{g}*{money(a * sign)}*" for g, a in o["patient"]).rstrip("*")
                    )
            body.append(f"REF*6R*{line.control}")
            if not o["denied"]:
                body.append(f"AMT*B6*{money(o['allowed'] * sign)}")
            self.record_answer(payer, claim, line, o, sign)
            if o["denied"] and o["denied"][1]:
                body.append(f"LQ*HE*{o['denied'][1]}")
        head = [
            f"CLP*{claim['pcn']}*{'22' if sign < 0 else status}*{money(charge)}*{money(paid)}*"
            f"{money(patient)}*{clp_filing(payer)}*"
            f"{icn}*11*{claim['frequency']}",
            f"NM1*QC*1*{e['last']}*{e['first']}****MI*{e['member']}",
        ]
        if status == "19" and sign > 0:
            secondary = self.p.payers[e["secondary"]]
            head.append(f"NM1*TT*2*{secondary.name}*****PI*{secondary.id}")
        head.append(f"DTM*050*{d8(claim['submitted'] + dt.timedelta(days=2))}")
        interest = Decimal(0)
        if payer.interest and lag_days > 30 and paid > 0 and sign > 0:
            interest = cents(paid * Decimal("0.01"))
        self.remits.append(("remit", payer.id, run), head + body, paid=paid, interest=interest)
        t.counts["remit_claims"] += 1
        t.counts["remit_lines"] += len(outcomes)
        t.money["remit_charge"] += charge
        t.money["remit_paid"] += paid
        t.money["interest"] += interest
        t.by_payer[payer.id]["paid_cents"] += int(paid * 100)

    def record_answer(self, payer: Payer, claim: dict, line: Line, outcome: dict, sign) -> None:
        """What the truth needs of a payer's answer to a line: Medicare's net allowed amount (a
        denial allows 0; a duplicate-claim answer adjudicates nothing) and SVC06 recodings."""
        key = (claim["pcn"], line.number)
        if outcome["recoded"]:
            self.recoded.add(key)
        if payer.filing == "MB" and not claim.get("duplicate"):
            self.medicare_allowed[key] += whole_cents(outcome["allowed"] * sign)

    def crossover(self, claim, outcomes, primary_run, sign=Decimal(1)) -> None:
        """The secondary payer's answer to a crossed-over claim; with sign -1, its reversal of
        that answer (the same payer claim number), when the primary replaced the claim."""
        secondary: Payer = self.p.payers[claim["episode"]["secondary"]]
        # a reversal follows its shortest lag, so that it draws nothing from the seed's sequence
        lag = self.rng.randint(*secondary.lag_days) if sign > 0 else secondary.lag_days[0]
        run = self.run_date(secondary, primary_run + dt.timedelta(days=lag))
        if run >= self.end:
            self.truth.counts["pending_at_end"] += 1
            return
        e = claim["episode"]
        icn = claim["crossover_icn"] if sign < 0 else self.next_icn(secondary)
        claim["crossover_icn"] = icn
        body = [
            f"CLP*{claim['pcn']}*{'22' if sign < 0 else '2'}*{{CHARGE}}*{{PAID}}**"
            f"{clp_filing(secondary)}*{icn}*11*{claim['frequency']}",
            f"NM1*QC*1*{e['last']}*{e['first']}****MI*{e['member']}",
        ]
        charge = paid = Decimal(0)
        lines = 0
        for o in outcomes:
            share = sum((a for _, a in o["patient"]), Decimal(0))
            if not share:
                continue
            line = o["line"]
            lines += 1
            charge += line.charge * sign
            paid += share * sign
            body += [
                f"SVC*HC:{':'.join([line.code, *line.modifiers])}*{money(line.charge * sign)}*"
                f"{money(share * sign)}**{line.units}",
                f"DTM*472*{d8(claim['day'])}",
                f"CAS*OA*23*{money((line.charge - share) * sign)}",
                f"REF*6R*{line.control}",
            ]
        body[0] = body[0].replace("{CHARGE}", money(charge)).replace("{PAID}", money(paid))
        self.remits.append(("remit", secondary.id, run), body, paid=paid, interest=Decimal(0))
        t = self.truth
        t.counts["remit_claims"] += 1
        t.counts["remit_lines"] += lines
        t.counts["crossovers" if sign > 0 else "crossover_reversals"] += 1
        t.money["remit_charge"] += charge
        t.money["remit_paid"] += paid

    def corrected_claim(self, claim, denial_run, icn, outcomes) -> None:
        rng = self.rng
        lines = [
            Line(
                x.number,
                x.code,
                x.modifiers,
                x.units,
                x.charge,
                x.description if x.code != "97139" else rng.choice(NARRATIVES).format(m=15),
                x.control,
            )
            for x in claim["lines"]
        ]
        corrected = dict(
            claim,
            lines=lines,
            frequency="7",
            original_icn=icn,
            narrative="specific",
            submitted=denial_run + dt.timedelta(days=7 + 7 * rng.randrange(3)),
            replaces={"claim": claim, "outcomes": outcomes, "icn": icn},
            crossover_icn=None,
        )
        corrected["submitted"] -= dt.timedelta(days=corrected["submitted"].weekday())
        self.truth.counts["corrected_claims"] += 1
        self.write_claim(corrected)
        self.adjudicate(corrected)

    def reverse_and_correct(self, claim, payer, run, outcomes, icn) -> None:
        later = self.run_date(payer, run + dt.timedelta(days=self.rng.randint(14, 42)))
        if later >= self.end:
            return
        self.truth.counts["reversals"] += 1
        self.write_adjudication(payer, later, claim, outcomes, "1", icn, 0, sign=Decimal(-1))
        corrected = [dict(o) for o in outcomes]
        victim = corrected[0]
        victim.update(denied=("97", "N20", "bundled"), allowed=Decimal(0), patient=[])
        self.write_adjudication(payer, later, claim, corrected, "1", self.next_icn(payer), 0)

    # -- closing files ----------------------------------------------------------------------------
    def close_due(self, before: dt.date, final: bool = False) -> None:
        p = self.p
        for key in self.claims.due(before):
            if key[-1] >= self.end + dt.timedelta(days=1):
                continue
            self.close_claim_batch(key)
        for key in self.remits.due(before):
            if key[-1] >= self.end:
                continue
            self.close_remit_run(key)
        del p

    def write_next_batch(self) -> None:
        """The next weekly batch, due after the end and not yet sent (the last visits' claims;
        of the batches due in the two weeks after the end, the largest): OUTGOING_FOLDER, which
        a folder load skips, for `unlisted check` (its visits' notes are in notes/)."""
        soon = [key for key in self.claims.due(self.end + dt.timedelta(days=15))]
        if soon:
            largest = max(soon, key=lambda key: (self.claims.open[key]["claims"], key[-1]))
            self.close_claim_batch(largest, self.out / OUTGOING_FOLDER)

    def close_claim_batch(self, key, folder: Path | None = None) -> None:
        p, when = self.p, key[1]
        control = self.next_control()
        env = Envelope(
            "HC",
            "005010X222A1",
            "837",
            p.submitter_id,
            p.receiver_id,
            dt.datetime.combine(when, dt.time(6, 0)),
            control,
        )
        header = [
            f"BHT*0019*00*B{control:07d}*{d8(when)}*0600*CH",
            f"NM1*41*2*{p.name}*****46*{p.submitter_id}",
            f"PER*IC*{p.contact}*TE*{p.phone}",
            f"NM1*40*2*CLEARINGHOUSE*****46*{p.receiver_id}",
            "HL*1**20*1",
            f"PRV*BI*PXC*{p.taxonomy}",
            f"NM1*85*2*{p.name}*****XX*{p.npi}",
            f"N3*{p.address}",
            f"N4*{p.city}*{p.state}*{p.zip}",
            f"REF*EI*{p.tax_id}",
        ]
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        target = (folder or self.out / "claims") / f"claims-{when:%Y-%m-%d}.837"
        self.claims.header_segments = {"claims": len(header)}
        self.claims.close(key, target, env.head() + "~\n".join(header) + "~\n", [], env)
        if folder is None:
            self.truth.counts["claim_files"] += 1

    def close_remit_run(self, key) -> None:
        p = self.p
        _, payer_id, when = key
        payer = p.payers[payer_id]
        part = self.remits.open[key]
        paid = part["totals"]["paid"]
        interest = part["totals"]["interest"]
        control = self.next_control()
        tail = []
        plb_total = Decimal(0)
        if interest:
            tail.append(f"PLB*{p.npi}*{when.year}1231*L6:INTEREST*{money(-interest)}")
            plb_total -= interest
        amount = paid - plb_total
        if amount < 0:
            tail.append(f"PLB*{p.npi}*{when.year}1231*FB:CARRYOVER*{money(amount)}")
            plb_total += amount
            amount = Decimal(0)
        env = Envelope(
            "HP",
            "005010X221A1",
            "835",
            payer.id,
            p.submitter_id,
            dt.datetime.combine(when, dt.time(5, 0)),
            control,
        )
        if amount > 0:
            bpr = (
                f"BPR*I*{money(amount)}*C*ACH*CCP*01*011000015*DA*1234567*1{payer.id[:4]:0>4}00000"
                f"**01*071000013*DA*7654321*{d8(when)}"
            )
        else:
            bpr = f"BPR*H*0*C*NON************{d8(when)}"
        header = [
            bpr,
            f"TRN*1*{payer.id}{control:08d}*1{payer.id[:4]:0>4}00000",
            f"DTM*405*{d8(when)}",
            f"N1*PR*{payer.name}",
            "N3*PO BOX 1000",
            f"N4*{p.city}*{p.state}*{p.zip}",
            f"REF*2U*{payer.id}",
            "PER*BL*PROVIDER SERVICES*TE*8005550199",
            f"N1*PE*{p.name}*XX*{p.npi}",
            f"REF*TJ*{p.tax_id}",
            "LX*1",
        ]
        target = self.out / "remits" / f"remit-{payer.id}-{when:%Y-%m-%d}.835"
        self.remits.header_segments = {"remit": len(header)}
        self.remits.close(key, target, env.head() + "~\n".join(header) + "~\n", tail, env)
        t = self.truth
        t.counts["remit_files"] += 1
        t.money["payments"] += amount
        t.money["provider_adjustments"] += plb_total

    # -- side files -------------------------------------------------------------------------------
    def write_contracts(self) -> None:
        with (self.out / "contracts.csv").open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(
                [
                    "payer_id",
                    "payer_name",
                    "code",
                    "modifier",
                    "effective_from",
                    "effective_to",
                    "method",
                    "amount",
                    "comparator_code",
                ]
            )
            for payer in self.p.payers.values():
                for code in [*sorted(self.p.rates), "97139"]:
                    method, amount, comparator = self.contract(payer, code)
                    out.writerow(
                        [payer.id, payer.name, code, "", self.start, "", method,
                         "" if amount is None else amount, comparator]
                    )  # fmt: skip

    def line_faults(self) -> list[dict]:
        """Every 97139 line of every claim in force, with the rules it breaks (none: clean)."""
        thresholds = self.p.medicare["thresholds"]
        medicare = [x for lines in self.medicare_lines.values() for x in lines]
        kx = threshold_faults(medicare, self.medicare_allowed, thresholds)
        self.truth.counts["medicare_patient_years"] = len(
            {(x.patient, x.day.year) for x in medicare if x.day.year in thresholds}
        )
        self.truth.counts["medicare_patient_years_past_threshold"] = patients_past_threshold(
            medicare, self.medicare_allowed, thresholds
        )
        out = []
        for pcn in sorted(self.claim_faults):
            for number, rules in self.claim_faults[pcn]:
                found = set(rules)
                if (pcn, number) in self.recoded:
                    found.add("recoded_by_payer")
                if (pcn, number) in kx:
                    found.add(kx[(pcn, number)])
                out.append({"claim": pcn, "line": number, "code": TARGET, "rules": sorted(found)})
        return out

    def write_truth(self) -> dict:
        t = self.truth
        line_faults = self.line_faults()
        fault_counts = Counter(rule for x in line_faults for rule in x["rules"])
        truth = {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "target_claims": self.target,
            "counts": dict(sorted(t.counts.items())),
            "money": {k: str(cents(v)) for k, v in sorted(t.money.items())},
            "parameters": {
                "payers": {
                    p.id: {
                        "denial_97139": p.denial,
                        "underpay_share": p.underpay_share,
                        "underpay_depth": list(p.underpay_depth),
                        "requires_auth": p.requires_auth,
                        "requires_narrative": p.requires_narrative,
                        "method_97139": p.method,
                    }
                    for p in self.p.payers.values()
                },
                "providers": {
                    p.npi: {
                        "name": f"{p.last}, {p.first}",
                        "credential": p.credential,
                        "documentation": p.documentation,
                        "narrative_missing": p.narrative_missing,
                        "narrative_vague": p.narrative_vague,
                        "taxonomy": p.taxonomy,
                    }
                    for p in self.p.providers
                },
                "faults": self.f,
                "modifier_59_share": self.s["modifier_59_share"],
                "medicare": {
                    **self.p.medicare,
                    "thresholds": {
                        str(y): str(v) for y, v in self.p.medicare["thresholds"].items()
                    },
                },
            },
            "realized": {
                "by_payer": {k: dict(v) for k, v in sorted(t.by_payer.items())},
                "by_documentation": {k: dict(v) for k, v in sorted(t.by_documentation.items())},
                "by_provider": {k: dict(v) for k, v in sorted(t.by_provider.items())},
                "denial_reasons_97139": dict(sorted(t.reasons.items())),
            },
            "fault_counts": {rule: fault_counts[rule] for rule in RULES},
            "line_faults": line_faults,
        }
        write_truth_file(truth_path(self.out), truth)
        return truth


# What the generator used and injected goes to a folder beside the inputs whose name begins with
# "_": `unlisted load OUTDIR` passes over such names, so the output loads cleanly as a whole.
ABOUT_FOLDER = "_generator"
# The next batch, written but not sent: a folder load skips it (its name starts with "_").
OUTGOING_FOLDER = "_outgoing"


def truth_path(out: Path) -> Path:
    """The answer key: the rates injected and every faulted 97139 line."""
    return out / ABOUT_FOLDER / "truth.json"


def facts_path(out: Path) -> Path:
    """The invented practice's facts for the rule checks (daily limit and timing of 97139)."""
    return out / ABOUT_FOLDER / "rules.toml"


def write_truth_file(path: Path, truth: dict) -> None:
    """truth.json, indented, with one line per entry of line_faults (a line of the file per
    97139 line keeps a large practice's file small, and it is written as it goes)."""
    head = json.dumps({k: v for k, v in truth.items() if k != "line_faults"}, indent=2)
    with path.open("w") as out:
        out.write(head.removesuffix("\n}") + ',\n  "line_faults": [')
        for number, entry in enumerate(truth["line_faults"]):
            out.write(("\n    " if number == 0 else ",\n    ") + json.dumps(entry))
        out.write("\n  ]\n}\n")


def generate(
    outdir: Path,
    claims: int = 20000,
    seed: int = 7,
    start: dt.date = dt.date(2025, 1, 1),
    months: int = 12,
    practice: Practice | None = None,
) -> dict:
    """Write the practice's files under outdir; returns the truth dictionary."""
    outdir.mkdir(parents=True, exist_ok=True)
    return Simulation(outdir, claims, seed, start, months, practice or load_practice()).run()
