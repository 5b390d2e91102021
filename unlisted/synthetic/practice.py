"""The synthetic practice's settings (practice.toml) as typed objects."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

from .x12_writer import luhn_npi

DENIAL_CAUSES = (
    "base",
    "no_narrative",
    "vague_narrative",
    "undocumented",
    "no_auth",
    "bundled",
    "unlisted_misuse",
    "noncovered",
)


@dataclass(frozen=True)
class Location:
    name: str
    npi: str
    address: str
    zip: str
    share: float


@dataclass(frozen=True)
class Provider:
    last: str
    first: str
    credential: str
    taxonomy: str
    npi: str
    share: float
    documentation: dict[str, float]
    narrative_missing: float
    narrative_vague: float

    @property
    def modifier(self) -> str:
        """Therapy modifier by discipline (NUCC taxonomy): GO for occupational therapy (225X,
        224Z assistants), GP otherwise."""
        return "GO" if self.taxonomy[:4] in ("225X", "224Z") else "GP"

    @property
    def wrong_modifier(self) -> str:
        """The other discipline's modifier: what a billing slip puts on the line."""
        return "GP" if self.modifier == "GO" else "GO"

    @property
    def assistant_modifier(self) -> str | None:
        """CQ for a physical therapist assistant (2252), CO for an OT assistant (224Z)."""
        return {"2252": "CQ", "224Z": "CO"}.get(self.taxonomy[:4])


@dataclass(frozen=True)
class Payer:
    id: str
    name: str
    filing: str
    share: float
    requires_narrative: bool
    requires_auth: bool
    method: str
    amount: Decimal | None
    comparator: str | None
    recode_share: float
    lag_days: tuple[int, int]
    payment_weekday: int
    coinsurance: Decimal
    copay: Decimal
    crossover_share: float
    crossover_to: str | None
    appeal_share: float
    timely_days: int
    denial: dict[str, float]
    underpay_share: float
    underpay_depth: tuple[float, float]
    interest: bool


@dataclass(frozen=True)
class Practice:
    name: str
    npi: str
    tax_id: str
    taxonomy: str
    address: str
    city: str
    state: str
    zip: str
    contact: str
    phone: str
    submitter_id: str
    receiver_id: str
    locations: tuple[Location, ...]
    providers: tuple[Provider, ...]
    payers: dict[str, Payer]
    charges: dict[str, Decimal]
    rates: dict[str, Decimal]
    labels: dict[str, str]
    settings: dict
    faults: dict[str, float]
    medicare: dict


def load_practice(path: Path | None = None) -> Practice:
    text = path.read_text() if path else (files(__package__) / "practice.toml").read_text()
    raw = tomllib.loads(text)
    p = raw["practice"]
    payers = {}
    for item in raw["payers"]:
        payers[item["id"]] = Payer(
            id=item["id"],
            name=item["name"],
            filing=item["filing"],
            share=item["share"],
            requires_narrative=item["requires_narrative"],
            requires_auth=item["requires_auth"],
            method=item["method"],
            amount=Decimal(item["amount"]) if "amount" in item else None,
            comparator=item.get("comparator"),
            recode_share=item.get("recode_share", 0.0),
            lag_days=tuple(item["lag_days"]),
            payment_weekday=item["payment_weekday"],
            coinsurance=Decimal(item.get("coinsurance", "0")),
            copay=Decimal(item.get("copay", "0")),
            crossover_share=item.get("crossover_share", 0.0),
            crossover_to=item.get("crossover_to"),
            appeal_share=item["appeal_share"],
            timely_days=item["timely_days"],
            denial=dict(item["denial"]),
            underpay_share=item["underpay"]["share"],
            underpay_depth=tuple(item["underpay"]["depth"]),
            interest=item["interest"],
        )
    codes = raw["codes"]
    return Practice(
        name=p["name"],
        npi=luhn_npi(p["npi_base"]),
        tax_id=p["tax_id"],
        taxonomy=p["taxonomy"],
        address=p["address"],
        city=p["city"],
        state=p["state"],
        zip=p["zip"],
        contact=p["contact"],
        phone=p["phone"],
        submitter_id=p["submitter_id"],
        receiver_id=p["receiver_id"],
        locations=tuple(
            Location(x["name"], luhn_npi(x["npi_base"]), x["address"], x["zip"], x["share"])
            for x in raw["locations"]
        ),
        providers=tuple(
            Provider(
                x["last"],
                x["first"],
                x["credential"],
                x["taxonomy"],
                luhn_npi(x["npi_base"]),
                x["share"],
                dict(x["documentation"]),
                x["narrative"]["missing"],
                x["narrative"]["vague"],
            )
            for x in raw["providers"]
        ),
        payers=payers,
        charges={code: Decimal(v["charge"]) for code, v in codes.items()},
        rates={code: Decimal(v["rate"]) for code, v in codes.items() if v["rate"]},
        labels={code: v["label"] for code, v in codes.items()},
        settings=raw["rates"],
        faults=dict(raw["faults"]),
        medicare=medicare_settings(raw["medicare"]),
    )


def medicare_settings(raw: dict) -> dict:
    """[medicare] with the thresholds as amounts by calendar year."""
    return {**raw, "thresholds": {int(y): Decimal(v) for y, v in raw["thresholds"].items()}}
