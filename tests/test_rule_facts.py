"""The rule checks that need facts (docs/rule-checks.md): none fires on a fact the program does not
know, and each fires from a fact given in the rules file, loaded, or learned from the practice's
own remittances. Every case is X12 built by hand with the exact evidence a reviewer reads: the
discipline and assistant modifiers, the same rendering provider for same-day codes, learned prior
authorization, the Medicare therapy threshold (KX), timed minutes apart from an evaluation, the
facts missing, and claims ranked by dollars at risk."""

from __future__ import annotations

import pytest
from unlisted.queries.rules import findings

from unlisted.pipeline import rebuild_marts

from .test_notes_contracts import NOTE_COMPLETE
from .x12build import claim_header, interchange, remit_header

PT, PTA, OT = "225100000X", "225200000X", "225X00000X"


def subscriber(hl, member, payer="PAYER01", payer_name="ACME HEALTH", filing="CI"):
    return [f"HL*{hl}*1*22*0", f"SBR*P*18*GRP1******{filing}",
            f"NM1*IL*1*TESTER*PAT****MI*{member}", "DMG*D8*19500101*F",
            f"NM1*PR*2*{payer_name}*****PI*{payer}"]  # fmt: skip


def claim(pcn, lines, rendering=None, auth=None):
    """lines: (code, modifiers, charge, units, date); rendering: (npi, taxonomy or None)."""
    total = sum(charge for _, _, charge, _, _ in lines)
    segments = [f"CLM*{pcn}*{total}***11:B:1*Y*A*Y*Y"]
    if auth:
        segments.append(f"REF*G1*{auth}")
    segments.append("HI*ABK:M25561")
    if rendering:
        npi, taxonomy = rendering
        segments.append(f"NM1*82*1*CLINICIAN*{npi}****XX*{npi}")
        if taxonomy:
            segments.append(f"PRV*PE*PXC*{taxonomy}")
    for number, (code, mods, charge, units, date) in enumerate(lines, start=1):
        composite = ":".join(["HC", code, *mods, *[""] * (4 - len(mods)),
                              "IASTM TO R KNEE" if code == "97139" else ""]).rstrip(":")
        segments += [f"LX*{number}", f"SV1*{composite}*{charge}*UN*{units}***1",
                     f"DTP*472*D8*{date}", f"REF*6R*{pcn}-{number}"]  # fmt: skip
    return segments


DAY = "20261102"
UNLISTED = ("97139", ("GP",), 100, 1, DAY)
# pcn -> (subscriber keyword arguments, lines, claim keyword arguments)
CLAIMS = {
    # discipline modifiers against the rendering provider's taxonomy
    "DISC1": ({"member": "M-D1"}, [("97139", ("GO",), 100, 1, DAY)], {"rendering": ("1111111112", PT)}),
    "DISC2": ({"member": "M-D2"}, [("97139", ("GO",), 100, 1, DAY)], {"rendering": ("1111111113", OT)}),
    "DISC3": ({"member": "M-D3"}, [("97139", ("GP",), 100, 1, DAY)], {"rendering": ("1111111113", OT)}),
    "DISC4": ({"member": "M-D4"}, [("97139", ("GO",), 100, 1, DAY)], {"rendering": ("1111111114", None)}),
    # assistants: by taxonomy, or by the note's signer
    "ASST1": ({"member": "M-A1"}, [UNLISTED], {"rendering": ("1111111115", PTA)}),
    "ASST2": ({"member": "M-A2"}, [("97139", ("GP", "CQ"), 100, 1, DAY)], {"rendering": ("1111111115", PTA)}),
    "ASST3": ({"member": "M-A3"}, [UNLISTED], {"rendering": ("1111111112", PT)}),
    "ASST4": ({"member": "M-A4"}, [UNLISTED], {"rendering": ("1111111112", PT)}),
    # same-day similar code: the same patient, but another rendering provider
    "SDP1A": ({"member": "M-S1"}, [UNLISTED], {"rendering": ("1111111112", PT)}),
    "SDP1B": ({"member": "M-S1"}, [("97110", ("GP",), 60, 1, DAY)], {"rendering": ("1111111116", PT)}),
    "SDP2A": ({"member": "M-S2"}, [UNLISTED], {"rendering": ("1111111112", PT)}),
    "SDP2B": ({"member": "M-S2"}, [("97110", ("GP",), 60, 1, DAY)], {"rendering": ("1111111112", PT)}),
    # units: 2 a day with no limit known (the facts fixture gives one)
    "UNIT1": ({"member": "M-U1"}, [("97139", ("GP",), 200, 2, DAY)], {}),
    # prior authorization learned: LEARN01 denies 2 of its 3 answered unauthorised lines
    "LRN1": ({"member": "M-L1", "payer": "LEARN01", "payer_name": "LAKESHORE MUTUAL"}, [UNLISTED], {}),
    "LRN2": ({"member": "M-L2", "payer": "LEARN01", "payer_name": "LAKESHORE MUTUAL"}, [UNLISTED], {}),
    "LRN3": ({"member": "M-L3", "payer": "LEARN01", "payer_name": "LAKESHORE MUTUAL"}, [UNLISTED], {}),
    "LRN4": ({"member": "M-L4", "payer": "LEARN01", "payer_name": "LAKESHORE MUTUAL"}, [UNLISTED], {}),
    "LRN5": ({"member": "M-L5", "payer": "LEARN01", "payer_name": "LAKESHORE MUTUAL"}, [UNLISTED],
             {"auth": "PA777"}),
    # ... NOLEARN01 denies 1 of 3: not enough
    "NL1": ({"member": "M-N1", "payer": "NOLEARN01", "payer_name": "HARBOR PLAN"}, [UNLISTED], {}),
    "NL2": ({"member": "M-N2", "payer": "NOLEARN01", "payer_name": "HARBOR PLAN"}, [UNLISTED], {}),
    "NL3": ({"member": "M-N3", "payer": "NOLEARN01", "payer_name": "HARBOR PLAN"}, [UNLISTED], {}),
    # the Medicare therapy threshold (2026: $2,480.00), amounts = charges (no 835, no contract)
    "KX1": ({"member": "M-K", "filing": "MB"}, [("97110", ("GP",), 1500, 1, "20260302")], {}),
    "KX2": ({"member": "M-K", "filing": "MB"}, [("97139", ("GP", "KX"), 900, 1, "20260401")], {}),
    "KX3": ({"member": "M-K", "filing": "MB"}, [("97139", ("GP",), 100, 1, "20260501")], {}),
    "KX4": ({"member": "M-K", "filing": "MB"}, [("97139", ("GP", "KX"), 100, 1, "20260601")], {}),
    "KX5": ({"member": "M-K", "filing": "MB"}, [("97139", ("GO",), 100, 1, "20260602")],
            {"rendering": ("1111111113", OT)}),
    "KX6": ({"member": "M-K", "filing": "MB"}, [("97139", ("GP",), 100, 1, "20270104")], {}),
    # ... a denied line adds nothing: 2,000 denied, then 600 is far under the threshold
    "KQ1": ({"member": "M-Q", "filing": "MB", "payer": "MCR01"},
            [("97110", ("GP",), 2000, 1, "20261001")], {}),
    "KQ2": ({"member": "M-Q", "filing": "MB", "payer": "MCR01"},
            [("97139", ("GP",), 600, 1, "20261002")], {}),
    # ... and a commercial plan has no therapy threshold
    "KC1": ({"member": "M-C"}, [("97139", ("GP",), 3000, 1, "20261002")], {}),
    # timed minutes apart from an untimed evaluation
    "MIN1": ({"member": "M-M1"}, [("97161", ("GP",), 185, 1, DAY), ("97139", ("GP",), 200, 2, DAY)], {}),
    "MIN2": ({"member": "M-M2"}, [("97161", ("GP",), 185, 1, DAY), ("97139", ("GP",), 200, 2, DAY)], {}),
    "MIN3": ({"member": "M-M3"}, [("97161", ("GP",), 185, 1, DAY), ("97139", ("GP",), 200, 2, DAY)], {}),
}  # fmt: skip
# pcn -> (credentials, minutes, timed minutes); every claim has a complete note signed that day.
NOTE_DETAIL = {"ASST3": ("PTA", "", ""), "ASST4": ("", "", ""), "MIN1": ("DPT", 60, 20), "MIN2": ("DPT", 60, 25),
               "MIN3": ("DPT", 60, ""), "UNIT1": ("DPT", 30, "")}  # fmt: skip


def notes_csv() -> str:
    out = ["patient_control_number,service_date,provider_name,credentials,minutes,timed_minutes,"
           "signed_date,note_text"]
    for pcn, (_, lines, _) in CLAIMS.items():
        credentials, minutes, timed = NOTE_DETAIL.get(pcn, ("DPT", "", ""))
        date = lines[0][4]
        iso = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        text = NOTE_COMPLETE
        if pcn == "ASST4":  # the signature alone says who furnished it
            text = text.replace("Ada Okafor, DPT", "K. Osei, PTA")
        out.append(f'{pcn},{iso},"OKAFOR, ADA",{credentials},{minutes},{timed},{iso},"{text}"')
    return "\n".join(out) + "\n"


def remit(payer: str, answers: list[tuple[str, int, str | None]]) -> list[str]:
    """answers: (pcn, charge, denial CARC or None for paid in full)."""
    out = [s.replace("REF*2U*PAYER01", f"REF*2U*{payer}") for s in remit_header("0")]
    for pcn, charge, carc in answers:
        paid = 0 if carc else charge
        out += [f"CLP*{pcn}*{4 if carc else 1}*{charge}*{paid}*0*12*ICN-{pcn}",
                f"NM1*QC*1*TESTER*PAT****MI*M-{pcn}",
                f"SVC*HC:97139:GP*{charge}*{paid}**1", "DTM*472*20261102",
                *([f"CAS*CO*{carc}*{charge}"] if carc else []), f"REF*6R*{pcn}-1"]
    return out


def medicare_remit() -> list[str]:
    out = [s.replace("REF*2U*PAYER01", "REF*2U*MCR01") for s in remit_header("0")]
    return out + ["CLP*KQ1*4*2000*0*0*MB*ICN-KQ1", "NM1*QC*1*TESTER*PAT****MI*M-Q",
                  "SVC*HC:97110:GP*2000*0**1", "DTM*472*20261001", "CAS*CO*50*2000",
                  "REF*6R*KQ1-1"]  # fmt: skip


FACTS = """
[ranking]
min_lines = 2

[missing_prior_authorization]
learn_min_lines = 3

[units_above_daily_max.daily_limits]
"97139" = { units = 1, source = "test payer policy: one a day" }

[minutes_units_mismatch.timing]
"97139" = { timed = true, source = "test payer policy: per 15 minutes" }
"""


def load(tmp_path, loader, db):
    segments = claim_header()
    for hl, (pcn, (who, lines, extra)) in enumerate(CLAIMS.items(), start=2):
        segments += subscriber(hl, **who) + claim(pcn, lines, **extra)
    files = {
        "claims.837": interchange([segments], control=21),
        "learn.835": interchange([remit("LEARN01", [("LRN1", 100, "197"), ("LRN2", 100, "197"),
                                                    ("LRN3", 100, None)])],
                                 kind="835", control=22),
        "nolearn.835": interchange([remit("NOLEARN01", [("NL1", 100, "197"), ("NL2", 100, None),
                                                        ("NL3", 100, None)])],
                                   kind="835", control=23),
        "medicare.835": interchange([medicare_remit()], kind="835", control=24),
        "notes.csv": notes_csv(),
    }  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        result = loader.load(tmp_path / name)
        assert result.status == "loaded" and not result.rejects, (name, result.message)
    rebuild_marts(db)
    return db


@pytest.fixture
def shipped(tmp_path, loader, db, monkeypatch):
    """The shipped rules alone: no fact beyond what ships."""
    monkeypatch.delenv("UNLISTED_RULES", raising=False)
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    return load(tmp_path, loader, db)


@pytest.fixture
def with_facts(tmp_path, loader, db, monkeypatch):
    path = tmp_path / "facts.toml"
    path.write_text(FACTS)
    monkeypatch.setenv("UNLISTED_RULES", str(path))
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    return load(tmp_path, loader, db)


def fired(db, rule) -> dict[str, str]:
    return dict(db.execute(
        "SELECT c.patient_control_number, f.evidence FROM rule_finding f "
        "JOIN claim c USING (claim_id) WHERE f.rule = ? ORDER BY 1", [rule]).fetchall())


def test_no_rule_fires_on_a_fact_nobody_gave(shipped):
    # 2 units of 97139 and a note of 30 minutes: neither a daily limit nor "97139 is timed" is known
    assert fired(shipped, "units_above_daily_max") == {}
    assert fired(shipped, "minutes_units_mismatch") == {}
    assert fired(shipped, "missing_prior_authorization") == {
        pcn: evidence for pcn, evidence in fired(shipped, "missing_prior_authorization").items()
        if pcn.startswith("LRN")}  # learned from the remittances, not assumed
    gaps = shipped.execute(
        "SELECT rule, fact, lines, how_to_supply FROM rule_fact_gap ORDER BY rule, fact").fetchall()
    by_fact = {(rule, fact): (lines, how) for rule, fact, lines, how in gaps}
    assert by_fact[("units_above_daily_max", "daily unit limit of 97139")] == (
        29, "load CMS's MUE file (docs/csv-inputs.md), or add \"97139\" = { units = N, source = "
            "\"...\" } under [units_above_daily_max.daily_limits] in your rules file")
    assert by_fact[("minutes_units_mismatch", "whether 97139 is timed")][0] == 29
    assert by_fact[("discipline_modifier_mismatch",
                    "the rendering provider's taxonomy code")][0] == 1  # DISC4: no PRV
    assert by_fact[("therapy_threshold_no_kx", "the Medicare therapy threshold of 2027")][0] == 1
    assert by_fact[("missing_prior_authorization",
                    "whether HARBOR PLAN requires prior authorization")] == (
        3, "list it under [missing_prior_authorization.payers_requiring_auth] with its source; "
           "its own remittances answered 3 of these lines (denied 1 for missing authorization), "
           "fewer than the 20 needed to learn from them")


def test_a_given_fact_makes_the_rule_fire(with_facts):
    assert fired(with_facts, "units_above_daily_max") == {
        "UNIT1": "2 units of 97139 on 2026-11-02 for the same patient (1 line(s) on 1 claim(s)), "
                 "above the daily limit of 1 (test payer policy: one a day)",
        "MIN1": "2 units of 97139 on 2026-11-02 for the same patient (1 line(s) on 1 claim(s)), "
                "above the daily limit of 1 (test payer policy: one a day)",
        "MIN2": "2 units of 97139 on 2026-11-02 for the same patient (1 line(s) on 1 claim(s)), "
                "above the daily limit of 1 (test payer policy: one a day)",
        "MIN3": "2 units of 97139 on 2026-11-02 for the same patient (1 line(s) on 1 claim(s)), "
                "above the daily limit of 1 (test payer policy: one a day)",
    }
    gaps = {r[0] for r in with_facts.execute("SELECT fact FROM rule_fact_gap").fetchall()}
    assert "daily unit limit of 97139" not in gaps and "whether 97139 is timed" not in gaps
    # HARBOR PLAN answered 3 unauthorised lines (learn_min_lines 3) and denied 1: it has told
    assert "whether HARBOR PLAN requires prior authorization" not in gaps


def test_discipline_modifier_follows_the_rendering_providers_taxonomy(shipped):
    assert fired(shipped, "discipline_modifier_mismatch") == {
        "DISC1": "GO on the line; the rendering provider's taxonomy 225100000X (NUCC taxonomy "
                 "2251: physical therapist) calls for GP",
        "DISC3": "GP on the line; the rendering provider's taxonomy 225X00000X (NUCC taxonomy "
                 "225X: occupational therapist) calls for GO",
    }  # DISC2: GO by an OT; DISC4: no taxonomy, not checked


def test_a_service_by_an_assistant_needs_cq_or_co(shipped):
    assert fired(shipped, "assistant_without_modifier") == {
        "ASST1": "the rendering provider's taxonomy 225200000X is an assistant's (NUCC taxonomy "
                 "225200000X: physical therapy assistant; CMS CY2020 PFS final rule (CQ)); no CQ "
                 "on the line (modifiers: GP)",
        "ASST3": "the notes file gives the note's signer as PTA; no CQ on the line (modifiers: "
                 "GP)",
        "ASST4": "the note is signed by an assistant (\"Electronically signed K. Osei, PTA\"); no "
                 "CQ on the line (modifiers: GP)",
    }  # ASST2 carries CQ


def test_same_day_similar_code_needs_the_same_rendering_provider(shipped):
    got = fired(shipped, "same_day_similar_code")
    assert got == {
        "SDP2A": "97110 on 2026-11-02 for the same patient and rendering provider (claim SDP2B "
                 "line 1), therapeutic exercise: strength, endurance, range of motion and "
                 "flexibility exercises; no 59/XE/XS/XP/XU modifier on either line",
    }  # SDP1: the 97110 was another clinician's


def test_prior_authorization_is_not_learned_from_too_few_answers(shipped):
    # learn_min_lines is 20 in the shipped rules: three answers are not enough
    assert fired(shipped, "missing_prior_authorization") == {}


def test_prior_authorization_learned_past_the_threshold(with_facts):
    evidence = ("LAKESHORE MUTUAL denied 2 of 3 97139 lines sent without an authorization number "
                "for missing authorization (CARC 15/62/197), 2026-11-02 to 2026-11-02; no REF*G1 "
                "on the claim or the line")
    assert fired(with_facts, "missing_prior_authorization") == {
        "LRN1": evidence, "LRN2": evidence, "LRN3": evidence, "LRN4": evidence,
    }  # LRN5 has REF*G1; HARBOR PLAN denied 1 of 3


def test_the_medicare_therapy_threshold_and_kx(shipped):
    assert fired(shipped, "therapy_threshold_no_kx") == {
        "KX3": "Medicare therapy (PT and SLP) for this patient in 2026 reaches $2,500.00 with this "
               "line (allowed amounts from the 835, else expected, else charges), past the "
               "$2,480.00 threshold (CMS CY2026 Physician Fee Schedule final rule); no KX on the "
               "line",
    }  # KX4 has KX; KX5 is OT, counted apart; KQ2: the denied 2,000 adds nothing; KC1 commercial
    assert fired(shipped, "kx_below_threshold") == {
        "KX2": "Medicare therapy (PT and SLP) for this patient in 2026 reaches $2,400.00 with this "
               "line (allowed amounts from the 835, else expected, else charges), at or under the "
               "$2,480.00 threshold (CMS CY2026 Physician Fee Schedule final rule); KX on the line",
    }


def test_timed_minutes_leave_the_evaluation_out(with_facts):
    assert fired(with_facts, "minutes_units_mismatch") == {
        "MIN1": "the note documents 20 timed minutes, which support 1 timed unit(s) under the "
                "8-minute rule (15 minutes a unit, a last unit from 8); billed 2 timed unit(s) on "
                "2026-11-02: 97139 x2 (97139 timed: test payer policy: per 15 minutes)",
    }  # MIN2: 25 timed minutes support 2; MIN3: 60 minutes include the evaluation's, not checked


def test_claims_are_ranked_by_dollars_at_risk(with_facts):
    rows = with_facts.execute(
        "SELECT c.patient_control_number, k.rule, k.rate_basis, k.denied_lines, k.answered_lines, "
        "k.denial_rate, k.dollars_at_risk FROM rule_finding_risk k JOIN claim c USING (claim_id) "
        "WHERE c.patient_control_number IN ('LRN4', 'KX3') ORDER BY 1, 2").fetchall()
    assert [(r[0], r[1], r[2], r[3], r[4], str(r[5]), str(r[6])) for r in rows] == [
        # no Medicare line with this finding was answered: the practice's answered 97139 lines
        ("KX3", "therapy_threshold_no_kx", "practice", 3, 6, "0.5000", "50.00"),
        # LAKESHORE's own lines with this finding: 2 of 3 denied (min_lines 2)
        ("LRN4", "missing_prior_authorization", "payer", 2, 3, "0.6667", "66.67"),
    ]  # fmt: skip
    ranked = findings(with_facts, top=2)
    assert ranked["claim_rank"].unique().sort().to_list() == [1, 2]
    first = with_facts.execute(
        "SELECT patient_control_number, dollars_at_risk FROM claim_risk WHERE worklist_rank = 1"
    ).fetchone()
    top = findings(with_facts, top=1)
    assert set(top["patient_control_number"]) == {first[0]}
    assert top["claim_dollars_at_risk"][0] == first[1]
    assert findings(with_facts, default_top=True)["claim_rank"].max() <= 25
    # the audit packet of the worklist starts from the same claims
    from unlisted.queries.metrics import Filters
    from unlisted.queries.packet import worklist_packet

    packet = worklist_packet(with_facts, Filters(codes=("97139",)), top=2)
    ranked = with_facts.execute(
        "SELECT claim_id FROM claim_risk WHERE worklist_rank <= 2 ORDER BY worklist_rank"
    ).fetchall()
    assert packet.lines["claim_id"].unique(maintain_order=True).to_list() == [r[0] for r in ranked]
