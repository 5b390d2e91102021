"""The predicted-denial model (docs/denial-model.md): its features on hand-built claims, remits
and notes; training, storage and scoring on a small generated practice; the CLI."""

from __future__ import annotations

import datetime as dt
import json
import math
import os

import polars as pl
import pytest
from typer.testing import CliRunner
from unlisted.etl.database import connect
from unlisted.etl.load import Loader, expand_paths
from unlisted.etl.models import store_model
from unlisted.queries import denial_model as dm

from unlisted.cli import app
from unlisted.pipeline import rebuild_marts

from .test_notes_contracts import NOTE_COMPLETE, NOTE_THIN
from .x12build import claim_header, interchange, remit_header

PT, OT = "225100000X", "225X00000X"
DAY = "20261102"
LONG = "INSTRUMENT ASSISTED SOFT TISSUE MOBILIZATION R KNEE"


def subscriber(hl: int, member: str) -> list[str]:
    return [f"HL*{hl}*1*22*0", "SBR*P*18*GRP1******CI", f"NM1*IL*1*TESTER*PAT****MI*{member}",
            "DMG*D8*19500101*F", "NM1*PR*2*ACME HEALTH*****PI*PAYER01"]  # fmt: skip


def claim(pcn, lines, *, rendering=None, auth=None, frequency="1", replaces=None):
    """lines: (code, modifiers, units, narrative or None)."""
    total = 100 * len(lines)
    segments = [f"CLM*{pcn}*{total}***11:B:{frequency}*Y*A*Y*Y"]
    if replaces:
        segments.append(f"REF*F8*{replaces}")
    if auth:
        segments.append(f"REF*G1*{auth}")
    segments.append("HI*ABK:M25561")
    if rendering:
        npi, taxonomy = rendering
        segments += [f"NM1*82*1*CLINICIAN*{npi}****XX*{npi}", f"PRV*PE*PXC*{taxonomy}"]
    for number, (code, mods, units, narrative) in enumerate(lines, start=1):
        composite = ":".join(["HC", code, *mods, *[""] * (4 - len(mods)), narrative or ""])
        segments += [f"LX*{number}", f"SV1*{composite.rstrip(':')}*100*UN*{units}***1",
                     f"DTP*472*D8*{DAY}", f"REF*6R*{pcn}-{number}"]  # fmt: skip
    return segments


# pcn -> (member, lines, claim keywords)
CLAIMS = {
    # everything in order: a distinct modifier on the 97139, so the same-day 97110 is no finding
    "FULL": ("M-F", [("97139", ("GP", "59"), 2, LONG), ("97110", ("GP",), 1, None)],
             {"rendering": ("1111111112", PT), "auth": "PA1"}),
    # nothing: no modifier, narrative, authorization or note; 97110 the same day unmodified
    "BARE": ("M-B", [("97139", (), 1, None), ("97110", ("GO",), 1, None)],
             {"rendering": ("1111111113", OT)}),
    # an assistant's line, 3 units, a narrative naming a coded service, a thin note (no
    # rendering provider: the billing provider's PT taxonomy); denied for timely filing
    "THIN": ("M-T", [("97139", ("GO", "CO"), 3, "DRY NEEDLING R UPPER TRAPEZIUS")], {}),
    # a narrative under 20 characters, not answered yet
    "SHORT": ("M-S", [("97139", ("GP",), 1, "THERAPY")], {"rendering": ("1111111112", PT)}),
    # sent without a narrative, denied, then corrected with one
    "CORR": ("M-C", [("97139", ("GP",), 1, None)], {"rendering": ("1111111112", PT)}),
}  # fmt: skip
NOTES = {"FULL": NOTE_COMPLETE, "THIN": NOTE_THIN, "SHORT": NOTE_COMPLETE, "CORR": NOTE_COMPLETE}


def remit(answers, paid_date: str, trace: str) -> list[str]:
    """answers: (pcn, denial CARC or None for paid)."""
    out = [s.replace("20261201", paid_date) if s.startswith("BPR") else s
           for s in remit_header("0", trace)]  # fmt: skip
    for pcn, carc in answers:
        paid = 0 if carc else 100
        out += [f"CLP*{pcn}*{4 if carc else 1}*100*{paid}*0*12*ICN-{pcn}",
                f"NM1*QC*1*TESTER*PAT****MI*M-{pcn}", f"SVC*HC:97139*100*{paid}**1",
                f"DTM*472*{DAY}", *([f"CAS*CO*{carc}*100"] if carc else []), f"REF*6R*{pcn}-1"]  # fmt: skip
    return out


def notes_csv() -> str:
    out = ["patient_control_number,service_date,provider_name,credentials,minutes,signed_date,"
           "note_text"]  # fmt: skip
    for pcn, text in NOTES.items():
        out.append(f'{pcn},2026-11-02,"OKAFOR, ADA",DPT,25,2026-11-02,"{text}"')
    return "\n".join(out) + "\n"


@pytest.fixture
def hand_built(tmp_path, loader, db, monkeypatch):
    monkeypatch.delenv("UNLISTED_RULES", raising=False)
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    segments = claim_header()
    for hl, (pcn, (member, lines, extra)) in enumerate(CLAIMS.items(), start=2):
        segments += subscriber(hl, member) + claim(pcn, lines, **extra)
    correction = [s.replace("20261115", "20261205") for s in claim_header()]
    correction += subscriber(2, "M-C") + claim(
        "CORR", [("97139", ("GP",), 1, LONG)], rendering=("1111111112", PT), frequency="7",
        replaces="ICN-CORR")  # fmt: skip
    files = {
        "claims.837": interchange([segments], control=31),
        "answers.835": interchange([remit([("FULL", None), ("BARE", "16"), ("THIN", "29"),
                                           ("CORR", "16")], "20261201", "T1")],
                                   kind="835", control=32),
        "corrected.837": interchange([correction], control=33),
        "again.835": interchange([remit([("CORR", None)], "20261220", "T2")], kind="835",
                                 control=34),
        "notes.csv": notes_csv(),
    }  # fmt: skip
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        result = loader.load(tmp_path / name)
        assert result.status == "loaded" and not result.rejects, (name, result.message)
    rebuild_marts(db)
    return db


def by_claim(features: pl.DataFrame) -> dict[str, dict]:
    return {row["patient_control_number"]: row for row in features.iter_rows(named=True)}


def test_each_feature_of_hand_built_lines(hand_built):
    rows = by_claim(dm.line_features(hand_built, ["97139"]))
    assert set(rows) == {"FULL", "BARE", "THIN", "SHORT", "CORR"}  # one line each: the 97139
    facts = list(dm.BINARY)
    expected = {
        "FULL": {},
        "BARE": {"no_note": 1, "note_incomplete": 1, "note_lacks_description": 1,
                 "note_lacks_purpose": 1, "note_lacks_duration": 1, "note_lacks_rationale": 1,
                 "note_lacks_credentials": 1, "note_lacks_involvement": 1, "no_narrative": 1,
                 "no_therapy_modifier": 1, "no_authorization": 1, "same_day_similar_code": 1},
        "THIN": {"note_incomplete": 1, "note_lacks_description": 1, "note_lacks_purpose": 1,
                 "note_lacks_duration": 1, "note_lacks_rationale": 1,
                 "note_lacks_credentials": 1, "note_lacks_involvement": 1,
                 "narrative_names_coded_service": 1,
                 "assistant_modifier": 1, "units_2_or_more": 1, "units_3_or_more": 1,
                 "no_authorization": 1},
        "SHORT": {"short_narrative": 1, "no_authorization": 1},
        # as first answered: without the narrative the correction added
        "CORR": {"no_narrative": 1, "no_authorization": 1},
    }  # fmt: skip
    expected["FULL"] = {"distinct_modifier": 1, "units_2_or_more": 1}
    for pcn, ones in expected.items():
        got = {f: rows[pcn][f] for f in facts}
        assert got == {f: ones.get(f, 0) for f in facts}, pcn
    assert {p: rows[p]["discipline"] for p in rows} == {
        "FULL": "PT", "BARE": "OT", "THIN": "PT", "SHORT": "PT", "CORR": "PT"}  # fmt: skip
    assert {p: rows[p]["payer"] for p in rows} == dict.fromkeys(rows, "PAYER01")
    # the label: the first adjudication; timely filing marked; SHORT not adjudicated
    assert {p: (rows[p]["adjudicated"], rows[p]["initial_denied"], rows[p]["timely_filing_denial"])
            for p in rows} == {
        "FULL": (True, False, False), "BARE": (True, True, False), "THIN": (True, True, True),
        "SHORT": (False, False, False), "CORR": (True, True, False)}  # fmt: skip
    assert rows["CORR"]["first_remit_date"] == dt.date(2026, 12, 1)
    labelled = dm.labelled(dm.line_features(hand_built, ["97139"]))
    assert sorted(labelled["patient_control_number"]) == ["BARE", "CORR", "FULL"]
    # only some lines
    one = dm.line_features(hand_built, ["97139"], [rows["BARE"]["claim_line_id"]])
    assert one["patient_control_number"].to_list() == ["BARE"]


def hand_model() -> dict:
    """A model with one fact that counts: intercept -1, no clinical rationale +1."""
    names = list(dm.BINARY)
    return {
        "features": names, "intercept": -1.0,
        "coefficients": {n: (1.0 if n == "note_lacks_rationale" else 0.0) for n in names},
        "words": {n: list(dm.BINARY[n]) for n in names}, "always": {}, "by_payer": {},
        "reason_when": {n: dm.REASON_WHEN.get(n, [1]) for n in names},
        "categories": {
            "payer": {"label": "payer", "coefficients": {"P1": 0.5, "P2": -0.5},
                      "reference": 0.0, "names": {"P1": "ACME HEALTH"}},
            "discipline": {"label": "rendering discipline", "coefficients": {"PT": 0.0},
                           "reference": 0.0}},
    }  # fmt: skip


def line(**facts) -> dict:
    row = dict.fromkeys(dm.BINARY, 0) | {"claim_line_id": 1, "payer": "P9", "discipline": "PT"}
    return row | facts


def test_reasons_are_exact_for_a_hand_built_model():
    model = hand_model()
    features = pl.DataFrame([line(claim_line_id=1, note_lacks_rationale=1),
                             line(claim_line_id=2),
                             line(claim_line_id=3, note_lacks_rationale=1, payer="P1")])  # fmt: skip
    scored = dm.score_frame(model, features)
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert scored["probability"].to_list() == pytest.approx([sig(0), sig(-1), sig(0.5)])
    # +1 on the log-odds from -1: 0.5 - 0.2689 = +23 points; P9 is unknown: the reference
    assert scored["reasons"].to_list() == [
        ["no clinical rationale documented: +23 points"],
        [],
        ["no clinical rationale documented: +24 points", "payer ACME HEALTH (P1): +12 points"],
    ]
    assert dm.points(0.004) == "+0.4 points" and dm.points(-0.01) == "-1 point"


def test_a_fact_with_a_negative_coefficient_is_a_reason_when_absent():
    model = hand_model()
    model["coefficients"]["distinct_modifier"] = -2.0
    scored = dm.score_frame(model, pl.DataFrame([line()]))
    # without the modifier the log-odds are -1; with it -3: 0.2689 - 0.0474 = +22 points
    assert scored["reasons"].to_list() == [
        ["no distinct-service modifier (59/XE/XS/XP/XU): +22 points"]]
    # but a line with fewer units is never blamed for it, whatever the coefficient
    model["coefficients"]["distinct_modifier"] = 0.0
    model["coefficients"]["units_3_or_more"] = -2.0
    scored = dm.score_frame(model, pl.DataFrame([line()]))
    assert scored["reasons"].to_list() == [[]]
    assert scored["probability"][0] == pytest.approx(1 / (1 + math.exp(1)))


# ---------------------------------------------------------------------------------------------
# A generated practice: 1,000 visits over a year, seed 11


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    from unlisted.synthetic.generate import facts_path, generate

    folder = tmp_path_factory.mktemp("model")
    generate(folder / "files", claims=1000, seed=11)
    rules = str(facts_path(folder / "files"))
    before = os.environ.get("UNLISTED_RULES")
    os.environ["UNLISTED_RULES"] = rules
    try:
        con = connect(folder / "unlisted.duckdb")
        loader = Loader(con)
        for path in expand_paths([folder / "files" / n for n in ("claims", "remits", "notes")]):
            loader.load(path)
        rebuild_marts(con)
        con.close()
    finally:
        if before is None:
            os.environ.pop("UNLISTED_RULES", None)
        else:
            os.environ["UNLISTED_RULES"] = before
    return folder, rules


CUTOFF = dt.date(2025, 11, 1)


def copy_of(practice, tmp_path):
    """A copy of the practice's database, for a test that writes to it."""
    db = tmp_path / "copy.duckdb"
    db.write_bytes((practice[0] / "unlisted.duckdb").read_bytes())
    return db


def test_training_counts_fingerprint_and_storage(practice, tmp_path):
    con = connect(copy_of(practice, tmp_path))
    try:
        features = dm.line_features(con, ["97139"])
        record = dm.train(features, ["97139"], CUTOFF, "test")
        again = dm.train(dm.line_features(con, ["97139"]), ["97139"], CUTOFF, "test")
        lines, denials, first, last = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE initial_denied), min(first_remit_date), "
            "max(first_remit_date) FROM line_adjudication WHERE procedure_code = '97139' "
            "AND adjudicated AND initial_denial_carc IS DISTINCT FROM '29' "
            "AND first_remit_date < ?", [CUTOFF]).fetchone()  # fmt: skip
        assert (record["lines"], record["denials"]) == (lines, denials)
        assert (record["first_adjudication_date"], record["last_adjudication_date"]) == (first, last)
        assert record["lines"] > 250
        # the same data gives the same fingerprint; other lines another
        assert record["fingerprint"] == again["fingerprint"]
        other = dm.train(features, ["97139"], dt.date(2025, 10, 1), "test")
        assert other["fingerprint"] != record["fingerprint"]
        trained = record["model"]["training"]
        assert 0.75 <= trained["auc"] <= 1.0  # tolerance: at least 0.75 in-sample
        assert 0.0 < trained["brier"] < 0.2
        assert trained["converged"]
        # stored as JSON and read back: the same scores
        assert dm.latest_model(con) is None
        first_id = store_model(con, other)
        model_id = store_model(con, record)
        assert (first_id, model_id) == (1, 2)
        stored = dm.latest_model(con)
        assert stored["model_id"] == 2 and stored["lines"] == record["lines"]
        assert stored["codes"] == ["97139"] and stored["cutoff"] == CUTOFF
        assert stored["model"] == json.loads(json.dumps(record["model"]))
        text = con.execute("SELECT model::VARCHAR FROM denial_model WHERE model_id = 2").fetchone()
        assert json.loads(text[0])["features"] == list(dm.BINARY)  # JSON, nothing pickled
        scores = dm.score_lines(con, stored, ["97139"])
        direct = dm.score_frame(record["model"], features)
        assert scores["claim_line_id"].to_list() == direct["claim_line_id"].to_list()
        assert scores["probability"].to_list() == pytest.approx(direct["probability"].to_list())
        assert scores.height == features.height  # adjudicated or not, every line is scored
        assert scores["probability"].is_between(0, 1).all()
        assert scores["reasons"].list.len().max() <= 3
        some = scores["claim_line_id"].head(3).to_list()
        assert dm.score_lines(con, stored, ["97139"], some)["claim_line_id"].to_list() == some
    finally:
        con.close()


def test_a_line_without_a_note_scores_higher_than_with_a_complete_one(practice):
    folder, _ = practice
    con = connect(folder / "unlisted.duckdb")
    try:
        features = dm.line_features(con, ["97139"])
        model = dm.train(features, ["97139"], CUTOFF, "test")["model"]
    finally:
        con.close()
    row = features.filter(pl.col("note_incomplete") == 0).head(1)
    lacks = [f for f in dm.BINARY if f.startswith("note_lacks_")]
    no_note = row.with_columns(pl.lit(1).alias("no_note"), pl.lit(1).alias("note_incomplete"),
                               *[pl.lit(1).alias(f) for f in lacks])  # fmt: skip
    complete, missing = dm.probabilities(model, row)[0], dm.probabilities(model, no_note)[0]
    assert missing > complete + 0.05
    reasons = dm.score_frame(model, no_note)["reasons"][0].to_list()
    assert reasons and all(r.endswith("points") for r in reasons)
    # a payer the model never saw scores as the average payer, without error
    unknown = dm.score_frame(model, row.with_columns(pl.lit("NEW01").alias("payer")))
    assert 0 < unknown["probability"][0] < 1
    assert not any(r.startswith("payer") for r in unknown["reasons"][0].to_list())


def test_too_few_lines_or_one_outcome_are_refused(practice):
    folder, _ = practice
    con = connect(folder / "unlisted.duckdb")
    try:
        features = dm.line_features(con, ["97139"])
    finally:
        con.close()
    with pytest.raises(dm.TooFewLines, match="0 adjudicated lines"):
        dm.train(features, ["97139"], dt.date(2025, 1, 1), "test")
    paid = dm.labelled(features).filter(~pl.col("initial_denied"))
    with pytest.raises(dm.TooFewLines, match="0 of the .* were denied"):
        dm.fit(paid)


def test_model_train_and_show_commands(practice, tmp_path, monkeypatch):
    db = copy_of(practice, tmp_path)
    monkeypatch.setenv("UNLISTED_RULES", practice[1])
    monkeypatch.delenv("UNLISTED_CONFIG", raising=False)
    runner = CliRunner()
    shown = runner.invoke(app, ["model", "show", "--db", str(db)])
    assert shown.exit_code == 1 and "No denial model is trained yet" in shown.output
    refused = runner.invoke(app, ["model", "train", "--db", str(db), "--before", "2025-01-10"])
    assert refused.exit_code == 1
    assert "No model trained: 0 adjudicated lines" in refused.output
    trained = runner.invoke(app, ["model", "train", "--db", str(db), "--before", "2025-11-01"])
    assert trained.exit_code == 0, trained.output
    assert "Denial model 1 trained on" in trained.output
    shown = runner.invoke(app, ["model", "show", "--db", str(db)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    for words in ("Denial model 1", "before 2025-11-01", "training AUC", "fingerprint:",
                  "no clinical rationale documented", "payer "):  # fmt: skip
        assert words in shown.output


def test_scores_from_the_stored_json_equal_scikit_learns_own(practice):
    """The model is scikit-learn's LogisticRegression(C=1); scored from its stored JSON with
    numpy alone (as the check scores), every probability equals scikit-learn's predict_proba."""
    import sklearn.linear_model as sklearn

    con = connect(practice[0] / "unlisted.duckdb")
    try:
        lines = dm.training_lines(dm.line_features(con, ["97139"]), CUTOFF)
    finally:
        con.close()
    model = dm.fit(lines)
    levels = {k: sorted(model["categories"][k]["coefficients"]) for k in dm.CATEGORIES}
    x = dm.training_matrix(lines, model["features"], levels, model["always"])
    theirs = sklearn.LogisticRegression(C=1.0, tol=1e-7, max_iter=5000).fit(
        x, lines["initial_denied"].to_numpy())
    assert theirs.intercept_[0] == pytest.approx(model["intercept"], abs=1e-3)
    ours = [model["coefficients"][n] for n in model["features"]]
    assert theirs.coef_[0][: len(ours)] == pytest.approx(ours, abs=1e-3)
    assert dm.probabilities(model, lines) == pytest.approx(theirs.predict_proba(x)[:, 1], abs=1e-4)
