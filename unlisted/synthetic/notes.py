"""Treatment notes as clinicians write them, with each documentation element present or not.

Notes come in the styles a real practice mixes (SOAP, EMR templates, check-box lists, terse
one-liners, narrative and dictated prose), with the forms the reader has to cope with: minutes
and frequency written many ways ("18 min", "in 14:10 / out 14:52", "Total time: 45", "3x/wk x 4
wks", "twice weekly for 6 weeks"), signatures in every shape ("-- A. Rivera OTR/L", "J. Chen,
PT", "Authenticated by: CHEN, JAMIE (PT)"), and missing elements written as missing ones are:
left out, negated ("pt not seen 1:1"), unticked ("[ ] 1:1"), an empty header ("Goal:"), a
pointer ("see flowsheet") or a name without a credential. Whether an element is there follows
the present dict exactly (docs/documentation-elements.md says what counts), so the demo's figures
measure the practice, not one way of writing.

Each note draws from its own random stream, seeded by one draw of the simulation's: the note is
the same for the same seed, and how notes are worded never shifts the rest of the simulation.
"""

from __future__ import annotations

import datetime as dt
import random

from .practice import Provider

STYLES = ("soap", "emr_template", "checkbox", "terse", "narrative", "dictated")

# What was done: technique, where, how (the description element needs the technique with a where
# or a how).
TECHNIQUES = (
    ("instrument assisted soft tissue mobilization", "IASTM"),
    ("blood flow restriction training", "BFR"),
    ("graded motor imagery", "GMI"),
    ("neural glides", "nerve glides"),
    ("anti-gravity treadmill gait training", "AlterG"),
    ("dry needling", "DN"),
    ("cupping", "cupping"),
    ("Kinesio taping", "KT tape"),
)
PARTS = (
    "R knee",
    "L shoulder",
    "lumbar paraspinals",
    "R lateral thigh",
    "L ankle",
    "cervical paraspinals",
    "R forearm flexors",
    "L quad",
)
HOW = (
    "3 passes with convex tool",
    "cuff at 80% LOP, 30/15/15/15",
    "3 x 10",
    "2 sets of 15",
    "supine, 4 cups, static",
    "50% tension, 2 I-strips",
    "at 70% body weight, 2.0 mph",
)
GOALS = (
    "knee flexion ROM to 115°",
    "lumbar mobility",
    "shoulder elevation to 150°",
    "gait tolerance to 20 min",
)
TASKS = (
    "climb 12 steps to her apartment",
    "return to work lifting 30 lb boxes",
    "reach overhead shelves at home",
    "walk 1 mile with his dog",
    "sleep through the night",
    "drive and check her blind spot",
)
STANDARD = (
    "manual therapy (97140)",
    "standard ther ex (97110)",
    "neuro re-ed (97112)",
    "standard stretching and strengthening",
)
CLINICS = ("Lakeshore Rehab", "Northside PT & Hand", "Summit Physical Therapy")
FILLER = (
    "Pt reports pain 4/10 today.",
    "HEP reviewed.",
    "Pt arrived on time.",
    "Vitals WNL.",
    "Tolerated session well.",
)


def write_note(
    out,
    rng: random.Random,
    pcn: str,
    day: dt.date,
    provider: Provider,
    present: dict[str, bool],
    minutes: tuple[int, int],
    lines,
    signing: tuple[float, float],
) -> dt.date | None:
    """One CSV row: the note for a visit; returns its signed date as written (None: unsigned).

    minutes: (total, timed); total adds untimed minutes (an evaluation) to the timed ones.
    signing: (late share, signed-later share): most notes are signed the day of the visit, some
    within the week, a few late (8 to 30 days). A draft or pending signature is no signature: its
    signed_date is left empty, as an EMR exports an unsigned note."""
    note_rng = random.Random(rng.getrandbits(64))
    late, later = signing
    roll = rng.random()
    delay = rng.randint(8, 30) if roll < late else rng.randint(1, 7) if roll < late + later else 0
    signed = day + dt.timedelta(days=delay)
    note = Note(note_rng, day, provider, present, minutes, lines, signed)
    text = note.write()
    signed_date = None if note.unsigned else signed
    out.writerow(
        [
            pcn,
            day.isoformat(),
            provider.npi,
            f"{provider.last}, {provider.first}",
            provider.credential,
            minutes[0],
            minutes[1],
            signed_date.isoformat() if signed_date else "",
            text,
        ]
    )
    return signed_date


class Note:
    """One note: the style picks the layout, each element its wording (present or missing)."""

    def __init__(
        self,
        rng: random.Random,
        day: dt.date,
        provider: Provider,
        present: dict[str, bool],
        minutes: tuple[int, int],
        lines,
        signed: dt.date,
    ) -> None:
        self.rng, self.day, self.provider, self.present = rng, day, provider, present
        self.minutes, self.timed_minutes = minutes
        self.signed = signed
        self.unsigned = False  # set when the signature written is a draft or none at all
        self.units = next((line.units for line in lines if line.code == "97139"), 1)
        technique, short = rng.choice(TECHNIQUES)
        self.v = {
            "what": technique,
            "short": short,
            "part": rng.choice(PARTS),
            "how": rng.choice(HOW),
            "goal": rng.choice(GOALS),
            "task": rng.choice(TASKS),
            "standard": rng.choice(STANDARD),
            "visits": rng.randint(4, 8),
            "freq": rng.choice((2, 3)),
            "weeks": rng.choice((4, 6, 8)),
            "minutes": self.minutes,
            "timed": self.timed_minutes,
        }
        start = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.choice((0, 10, 20, 30))))
        self.time_in = start.strftime("%H:%M")
        self.time_out = (start + dt.timedelta(minutes=self.minutes)).strftime("%H:%M")

    def pick(self, *choices: str) -> str:
        return self.rng.choice(choices).format(**self.v)

    def write(self) -> str:
        style = self.rng.choice(STYLES)
        return getattr(self, style)()

    # -- styles ---------------------------------------------------------------------------------
    def soap(self) -> str:
        p = self.present
        lines = [
            f"S: {self.rng.choice(FILLER)}",
            "O: "
            + (
                self.pick("{what} to {part}, {how}.", "{short} {part}, {how}.")
                if p["description"]
                else self.pick("97139 per flowsheet.", "Tx per POC.")
            ),
            "A: "
            + (
                self.rationale_prose()
                if p["rationale"]
                else self.pick("Tolerated well.", "Progressing.", "Service medically necessary.")
            ),
            "P: "
            + (self.frequency() if p["duration"] and self.rng.random() < 0.6 else "Continue POC."),
        ]
        if p["duration"] and (lines[-1] == "P: Continue POC." or self.rng.random() < 0.3):
            lines.append(self.session_time())
        if p["purpose"]:
            lines.append(self.pick("Goal: {task}.", "Goal: improve {goal} so pt can {task}."))
        elif self.rng.random() < 0.5:
            lines.append("Goal:")
        lines.append(
            self.involvement_prose()
            if p["involvement"]
            else self.rng.choice(("", "Supervised only.", "1:1: [ ]"))
        )
        lines.append(self.signature())
        return "\n".join(line for line in lines if line)

    def emr_template(self) -> str:
        p, pick = self.present, self.pick
        clinic = self.rng.choice(CLINICS)
        head = f"Daily Treatment Note | {clinic}\nDOS: {self.day:%m/%d/%Y}"
        if p["duration"] and self.rng.random() < 0.4:
            head += f"   Time in: {self.time_in}  Time out: {self.time_out}"
            time = "Frequency: " + self.frequency() if self.rng.random() < 0.5 else ""
        elif p["duration"]:
            time = pick(
                "Time: {minutes} min", "Total time: {minutes}", "Minutes: {minutes}"
            ) + self.rng.choice(("", f"\nFreq: {self.frequency()}"))
        else:
            time = self.rng.choice(("Time: ___", "Minutes:", f"97139 x{self.units} unit"))
        rows = [
            head,
            "Technique: "
            + (
                pick("{what}, {part}, {how}", "{short} to {part}, {how}")
                if p["description"]
                else pick("see flowsheet", "97139 unlisted")
            ),
            "Goal: "
            + (
                pick("{task}", "improve {goal} so pt can {task}")
                if p["purpose"]
                else self.rng.choice(("", "N/A", "see POC"))
            ),
            time,
            "Rationale: "
            + (
                self.rationale_prose()
                if p["rationale"]
                else self.rng.choice(("", "N/A", "no rationale documented"))
            ),
            "Involvement: "
            + (
                "[x] 1:1  [ ] group"
                if p["involvement"]
                else self.rng.choice(("[ ] 1:1  [x] group", "supervised"))
            ),
            self.signature(),
        ]
        return "\n".join(row.rstrip() for row in rows if row)

    def checkbox(self) -> str:
        p, pick = self.present, self.pick
        rows = [
            "97139 Documentation Checklist",
            pick("[x] Technique: {what} to {part}, {how}")
            if p["description"]
            else "[ ] Technique described",
            pick("[x] Goal: {task}") if p["purpose"] else "[ ] Functional goal stated",
            f"[x] Time: {self.minutes} min" if p["duration"] else "[ ] Minutes recorded",
            pick(
                "[x] Rationale: {standard} x {visits} visits without change; no listed code "
                "describes {short}"
            )
            if p["rationale"]
            else "[ ] Rationale for unlisted code",
            "[x] 1:1 direct contact" if p["involvement"] else "[ ] 1:1 direct contact",
            self.signature(),
        ]
        return "\n".join(row for row in rows if row)

    def terse(self) -> str:
        p = self.present
        parts = [
            self.pick("{short} {part} {how}") if p["description"] else f"97139 x{self.units} unit"
        ]
        if p["involvement"]:
            parts.append(self.rng.choice(("1:1", "1:1 hands-on", "hands-on throughout")))
        if p["duration"]:
            parts.append(
                self.rng.choice((f"{self.minutes} min", f"{self.minutes}'", self.frequency()))
            )
        if p["purpose"]:
            parts.append(self.pick("goal: {task}"))
        if p["rationale"]:
            parts.append(self.pick("std {standard} x{visits} visits no change -> {short}"))
        if not any(p[e] for e in ("involvement", "duration", "purpose", "rationale")):
            parts.append("tol well. cont POC")
        sign = self.signature()
        return ". ".join(parts) + ("." if not sign else ". " + sign)

    def narrative(self) -> str:
        p = self.present
        sentences = [self.rng.choice(FILLER)]
        if p["description"]:
            sentences.append(
                self.pick(
                    "Performed {what} to the {part}, {how}.",
                    "Pt received {what} at the {part}, {how}.",
                )
            )
        else:
            sentences.append(self.pick("Pt seen for the unlisted procedure.", "{short} performed."))
        if p["purpose"]:
            sentences.append(
                self.pick("The goal is for pt to {task}.", "Working on {goal} so pt can {task}.")
            )
        if p["duration"]:
            sentences.append(
                self.pick(
                    "Session lasted {minutes} minutes.",
                    "Plan: twice weekly for {weeks} weeks.",
                    "Treatment time {minutes} minutes; {freq}x/wk x {weeks} wks.",
                )
            )
        if p["rationale"]:
            sentences.append(self.rationale_prose())
        if p["involvement"]:
            sentences.append(self.involvement_prose())
        elif self.rng.random() < 0.4:
            sentences.append(
                self.pick(
                    "Pt in group class, not seen 1:1 today.",
                    "Pt did HEP independently while supervised.",
                )
            )
        body, rest = sentences[:2], sentences[2:]
        self.rng.shuffle(rest)
        sign = self.signature()
        return " ".join(body + rest) + ("\n" + sign if sign else "")

    def dictated(self) -> str:
        p = self.present
        sentences = ["Dictated note."]
        sentences.append(
            self.pick("I performed {what} to the {part}, {how}.")
            if p["description"]
            else "Patient seen for the unlisted procedure."
        )
        if p["involvement"]:
            sentences.append("I was hands-on with the patient throughout.")
        if p["rationale"]:
            sentences.append(
                self.pick(
                    "The patient had {visits} visits of {standard} without "
                    "change, which is why this technique is used."
                )
            )
        if p["purpose"]:
            sentences.append(self.pick("The goal is for the patient to {task}."))
        if p["duration"]:
            sentences.append(
                self.pick(
                    "We worked for about {minutes} minutes.",
                    "We will continue twice weekly for {weeks} weeks.",
                )
            )
        sign = self.signature()
        return " ".join(sentences) + ("\n" + sign if sign else "")

    # -- elements -------------------------------------------------------------------------------
    def frequency(self) -> str:
        return self.pick(
            "{freq}x/wk x {weeks} wks",
            "twice weekly for {weeks} weeks",
            "{freq}x/week",
            "{freq} times a week for {weeks} weeks",
        )

    def session_time(self) -> str:
        return self.pick(
            "Time: {minutes} min",
            "Total time: {minutes}",
            f"in {self.time_in} / out {self.time_out}",
            "Timed minutes {timed}",
        )

    def rationale_prose(self) -> str:
        return self.pick(
            "{standard} x {visits} visits without change in {goal}; {short} chosen.",
            "Pt cannot tolerate {standard} due to pain, so {short} is used.",
            "{standard} plateaued over {visits} visits; no listed code describes {short}.",
        )

    def involvement_prose(self) -> str:
        return self.rng.choice(
            (
                "1:1 throughout.",
                "One-on-one, hands-on throughout.",
                "Therapist in constant attendance.",
                "Hands-on: yes.",
            )
        )

    def signature(self) -> str:
        first, last = self.provider.first.title(), self.provider.last.title()
        cred = self.provider.credential
        when = f"{self.signed:%m/%d/%Y} {self.rng.randint(12, 18)}:{self.rng.randint(10, 59)}"
        if self.present["credentials"]:
            return self.rng.choice(
                (
                    f"-- {first[0]}. {last} {cred}",
                    f"{first[0]}. {last}, {cred}",
                    f"Authenticated by: {last.upper()}, {first.upper()} ({cred})",
                    f"Electronically signed by {first} {last}, {cred} on {when}",
                    f"Signed: {first} {last} {cred}",
                    f"Therapist: {first} {last}, {cred}",
                )
            )
        # (signature, signed): without a credentialed signature, some notes are signed anyway
        # (a name alone, a credential alone), the others are drafts or carry no signature.
        text, signed = self.rng.choice(
            (
                (f"Electronically signed by {first} {last} on {when}", True),
                (f"{first} {last}", True),
                (f"-- {cred}", True),
                (f"Signature pending: {first[0]}. {last}, {cred}", False),
                (f"DRAFT - not signed. {first[0]}. {last}, {cred}", False),
                ("Signed: ____", False),
                ("", False),
            )
        )
        self.unsigned = not signed
        return text
