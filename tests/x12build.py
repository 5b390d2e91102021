"""Build small X12 interchanges for tests: segments in, a correctly enveloped file out."""

from __future__ import annotations

ISA = (
    "ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       *261115*1200*^*00501*"
    "{control:09d}*0*P*:"
)


def interchange(transactions: list[list[str]], kind: str = "837", control: int = 1) -> str:
    """One ISA/GS with one ST/SE per list of body segments; counts and controls correct."""
    gs_code, version = ("HC", "005010X222A1") if kind == "837" else ("HP", "005010X221A1")
    out = [
        ISA.format(control=control),
        f"GS*{gs_code}*SUBMITTER*RECEIVER*20261115*1200*{control}*X*{version}",
    ]
    for number, body in enumerate(transactions, start=1):
        st = f"ST*{kind}*{number:04d}" + (f"*{version}" if kind == "837" else "")
        out += [st, *body, f"SE*{len(body) + 2}*{number:04d}"]
    out += [f"GE*{len(transactions)}*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(out) + "~\n"


def claim_header() -> list[str]:
    return [
        "BHT*0019*00*BATCH1*20261115*1200*CH",
        "NM1*41*2*BILLING SERVICE*****46*TGJ23",
        "PER*IC*OFFICE*TE*5555550100",
        "NM1*40*2*CLEARINGHOUSE*****46*66783JJT",
        "HL*1**20*1",
        "PRV*BI*PXC*225100000X",
        "NM1*85*2*RIVERSIDE PHYSICAL THERAPY*****XX*1234567893",
        "N3*1 MAIN ST",
        "N4*SPRINGFIELD*IL*627010000",
        "REF*EI*123456789",
    ]


def subscriber(hl: int, member: str = "M0001", payer: str = "PAYER01") -> list[str]:
    return [
        f"HL*{hl}*1*22*0",
        "SBR*P*18*GRP1******CI",
        f"NM1*IL*1*TESTER*PAT****MI*{member}",
        "DMG*D8*19700101*F",
        f"NM1*PR*2*ACME HEALTH*****PI*{payer}",
    ]


def remit_header(amount: str, trace: str = "TRACE1") -> list[str]:
    return [
        f"BPR*I*{amount}*C*ACH*CCP*01*999999999*DA*123456*1234567890**01*999988880*DA*98765*20261201",
        f"TRN*1*{trace}*1234567890",
        "DTM*405*20261130",
        "N1*PR*ACME HEALTH",
        "REF*2U*PAYER01",
        "N1*PE*RIVERSIDE PHYSICAL THERAPY*XX*1234567893",
        "LX*1",
    ]
