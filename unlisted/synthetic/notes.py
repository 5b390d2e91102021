"""Treatment notes as a clinician writes them, with each documentation element present or not."""

from __future__ import annotations

import datetime as dt
import random

from .practice import Provider

PHRASES = {
    "description": (
        "Performed {what} to the {part}, {detail}.",
        "Pt received {what} at {part}; {detail}.",
    ),
    "purpose": (
        "Goal: improve {goal} so pt can {task}.",
        "Purpose is to restore {goal} for {task}.",
    ),
    "duration": (
        "{minutes} min this session; plan {freq}x/wk for {weeks} wks.",
        "Treatment time {minutes} minutes, frequency {freq} visits per week x {weeks} weeks.",
    ),
    "rationale": (
        "Standard manual therapy failed to change {goal} over {visits} visits, so this technique "
        "was chosen; no listed code describes it.",
        "Nonstandard approach indicated: {part} remained irritable with conventional exercise.",
    ),
    "credentials": ("Electronically signed {name}, {credential}.",),
    "involvement": (
        "One-on-one, hands-on throughout, therapist present for the entire intervention.",
        "Direct contact with patient for all of the timed service.",
    ),
}
WHAT = (
    "instrument assisted soft tissue mobilization",
    "blood flow restriction training",
    "graded motor imagery",
    "neural glides",
    "antigravity treadmill gait training",
)
PART = ("lumbar paraspinals", "R knee", "L shoulder", "cervical region", "L ankle")
DETAIL = ("pt tolerated well", "moderate tenderness reduced", "no adverse reaction")
GOAL = ("knee flexion ROM", "lumbar mobility", "shoulder elevation", "gait tolerance")
TASK = ("climb stairs at home", "return to work lifting", "reach overhead shelves", "walk 1 mile")
FILLER = (
    "Pt reports pain 4/10 today.",
    "HEP reviewed.",
    "Continue per POC.",
    "Pt arrived on time.",
    "Vitals WNL.",
)


def write_note(
    out,
    rng: random.Random,
    pcn: str,
    day: dt.date,
    provider: Provider,
    present: dict[str, bool],
    minutes: int,
    lines,
) -> None:
    """One CSV row: the note for a visit. Signed the same day, or late for a few notes."""
    values = {
        "what": rng.choice(WHAT),
        "part": rng.choice(PART),
        "detail": rng.choice(DETAIL),
        "goal": rng.choice(GOAL),
        "task": rng.choice(TASK),
        "minutes": minutes,
        "freq": rng.choice((2, 3)),
        "weeks": rng.choice((4, 6, 8)),
        "visits": rng.randint(3, 6),
        "name": f"{provider.first.title()} {provider.last.title()}",
        "credential": provider.credential,
    }
    sentences = [rng.choice(FILLER)]
    for element, phrases in PHRASES.items():
        if present[element]:
            sentences.append(rng.choice(phrases).format(**values))
    if not present["credentials"]:
        sentences.append(f"{provider.first.title()} {provider.last.title()}")
    signed = day + dt.timedelta(days=0 if rng.random() < 0.93 else rng.randint(3, 21))
    out.writerow(
        [
            pcn,
            day.isoformat(),
            provider.npi,
            f"{provider.last}, {provider.first}",
            provider.credential,
            minutes,
            signed.isoformat(),
            " ".join(sentences),
        ]
    )
