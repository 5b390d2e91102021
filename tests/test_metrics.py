"""The metrics: worked out by hand on the hand-built practice, recomputed in plain SQL, and
recovered from the synthetic practice's truth.json."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import polars as pl
import pytest
from unlisted.queries.metrics import Filters, Settings, compute, denial_reasons, underpaid_lines

from unlisted.synthetic.generate import truth_path

from .test_line_adjudication import build_scenario

EVERYTHING = Settings(min_count=1, as_of=dt.date(2027, 1, 31))


def values(figures: pl.DataFrame, group=None) -> dict:
    rows = figures.filter(pl.col("group").is_null() if group is None else pl.col("group") == group)
    return {
        r["metric"]: (r["numerator"], r["denominator"], r["value"])
        for r in rows.iter_rows(named=True)
    }


@pytest.fixture
def scenario(tmp_path, loader, db):
    build_scenario(tmp_path, loader, db)
    return db


def test_every_metric_by_hand(scenario):
    got = values(compute(scenario, Filters(codes=("97139",)), EVERYTHING))
    assert got["lines_billed"] == (6, 6, 6)
    assert got["charges_billed"] == (600, 6, 600)
    assert got["lines_pending"] == (1, 6, 1)  # H1, never answered
    assert got["charges_pending"] == (100, 1, 100)
    assert got["initial_denial_rate"] == (3, 5, 0.6)  # A1, B1 and D1's original
    assert got["initial_denial_rate_charges"] == (300, 500, 0.6)
    assert got["final_denial_rate"] == (1, 5, 0.2)  # B1: claim-level denial, never paid
    # HFMA overturn rate: of the initially denied lines adjudicated again (A1 on appeal, D1
    # replaced; B1 was never answered again), both were paid.
    assert got["overturn_rate"] == (2, 2, 1.0)
    # Recovery rate: initially denied lines paid since, over all three initially denied.
    assert got["recovery_rate"] == (2, 3, pytest.approx(2 / 3))
    # B1 was finally denied by the remittance of 2026-12-01: with the default 120-day window its
    # appeal is due by 2027-03-31, 59 days after the as-of date, so it is still appealable.
    assert got["final_denial_rate_appealable"] == (1, 5, 0.2)
    assert got["final_denial_rate_past_window"] == (0, 5, 0)
    assert got["appealable_charges"] == (100, 1, 100)
    assert got["net_paid"] == (200, 6, 200)  # 45 + 0 + 50 + 35 + 70 + 0
    assert got["no_contract_rate"] == (1, 5, 0.2)  # F1 (PAYER02 has no contract)
    assert got["allowed_variance"] == (-5, 3, -5)  # A1 0, D1 +5, E1 -10
    assert got["underpaid_rate"] == (1, 3, pytest.approx(1 / 3))  # E1: 10 below 45
    assert got["underpaid_dollars"] == (10, 3, 10)
    assert got["days_to_adjudication_median"] == (29, 5, 29)
    assert got["days_to_payment_median"] == (36, 4, 36)  # 29, 29, 43, 43
    assert got["days_to_payment_p90"] == (43, 4, 43)
    assert got["narrative_present_rate"] == (4, 6, pytest.approx(4 / 6))  # B1 and H1 have none
    assert got["documentation_complete_rate"] == (0, 6, 0)  # no notes loaded
    assert got["ar_aging_61-90"] == (1, 1, 1)  # H1: 90 days from 2026-11-02 to 2027-01-31
    assert got["ar_aging_61-90_charges"] == (100, 1, 100)
    assert got["ar_aging_>120"] == (0, 1, 0)


def test_grouped_by_payer_and_filtered(scenario):
    by_payer = compute(scenario, Filters(codes=("97139",)), EVERYTHING, by="payer")
    assert values(by_payer, "PAYER01")["initial_denial_rate"] == (3, 4, 0.75)
    assert values(by_payer, "PAYER02")["initial_denial_rate"] == (0, 1, 0)
    only_02 = values(compute(scenario, Filters(codes=("97139",), payers=("PAYER02",)), EVERYTHING))
    assert only_02["lines_billed"] == (1, 1, 1)
    by_payment = values(compute(scenario, Filters(codes=("97139",), basis="payment", start=dt.date(2026, 12, 2)),
                                EVERYTHING))  # fmt: skip
    assert by_payment["lines_billed"] == (0, 0, 0)  # every first remittance is on 2026-12-01
    both_codes = values(compute(scenario, Filters(codes=("97139", "97110")), EVERYTHING))
    assert both_codes["lines_billed"] == (8, 8, 8)


def test_rates_over_too_few_lines_are_suppressed_with_the_reason(scenario):
    got = compute(scenario, Filters(codes=("97139",)), Settings(as_of=dt.date(2027, 1, 31)))
    row = got.filter(pl.col("metric") == "initial_denial_rate").row(0, named=True)
    assert (row["value"], row["suppressed"], row["reason"]) == (
        None, True, "fewer than 11 lines (5)",
    )  # fmt: skip
    assert got.filter(pl.col("metric") == "lines_billed")["value"].to_list() == [6]


def test_per_payer_tolerance_from_the_configuration_file(scenario, tmp_path):
    from decimal import Decimal

    from unlisted.settings import load_config, metric_settings

    config = tmp_path / "unlisted.toml"
    config.write_text('[metrics]\nmin_count = 1\n[metrics.payer_tolerance.PAYER01]\n'
                      'dollars = "20.00"\n')  # fmt: skip
    settings = Settings(**metric_settings(load_config(config), dt.date(2027, 1, 31)))
    assert settings.payer_tolerance == {"PAYER01": (Decimal("20.00"), Decimal("0.02"))}
    got = values(compute(scenario, Filters(codes=("97139",)), settings))
    assert got["underpaid_rate"] == (0, 3, 0)  # E1's $10 is within PAYER01's $20


def test_denial_reasons_and_underpaid_worklist(scenario):
    reasons = denial_reasons(scenario, Filters(codes=("97139",)), level="carc")
    assert reasons.rows() == [("16", 2, 200), ("50", 1, 100)]
    worklist = underpaid_lines(scenario, Filters(codes=("97139",)))
    assert worklist.select("patient_control_number", "variance").rows() == [("E1", -10)]


def test_metrics_equal_plain_sql(scenario):
    got = values(compute(scenario, Filters(codes=("97139", "97110")), EVERYTHING))
    sql = scenario.execute(
        "SELECT count(*) FILTER (WHERE adjudicated AND initial_denied),"
        " count(*) FILTER (WHERE adjudicated),"
        " count(*) FILTER (WHERE adjudicated AND final_denied),"
        " sum(net_paid),"
        " count(*) FILTER (WHERE overturned), count(*) FILTER (WHERE reanswered),"
        " median(days_to_payment)"
        " FROM line_adjudication WHERE procedure_code IN ('97139', '97110')"
    ).fetchone()
    assert (got["initial_denial_rate"][:2], got["final_denial_rate"][0], got["net_paid"][0],
            got["overturn_rate"][:2], got["days_to_payment_median"][0]) == (
        sql[:2], sql[2], sql[3], sql[4:6], sql[6],
    )  # fmt: skip


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    """A generated practice, loaded by the demo command (marts included)."""
    import subprocess
    import sys

    import duckdb

    folder = tmp_path_factory.mktemp("metrics") / "demo"
    run = subprocess.run([sys.executable, "-m", "unlisted.cli", "demo", "--no-serve", "--dir", str(folder),
                          "--claims", "4000"], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert run.returncode == 0, run.stderr
    truth = json.loads(truth_path(folder / "files").read_text())
    con = duckdb.connect(str(folder / "unlisted.duckdb"), read_only=True)
    yield con, truth
    con.close()


def test_metrics_recover_the_synthetic_practice(practice):
    con, truth = practice
    by_payer = compute(con, Filters(codes=("97139",)), Settings(as_of=dt.date(2026, 1, 31)), by="payer")
    for payer, counts in truth["realized"]["by_payer"].items():
        if counts.get("lines_97139", 0) < 100:
            continue
        expected = counts.get("denied_97139", 0) / counts["lines_97139"]
        found = values(by_payer, payer)["initial_denial_rate"][2]
        assert found == pytest.approx(expected, abs=0.05), payer
    overall = values(compute(con, Filters(codes=("97139",)), Settings(as_of=dt.date(2026, 1, 31))))
    docs = truth["realized"]["by_documentation"]
    assert (
        overall["denial_rate_incomplete_documentation"][2]
        > overall["denial_rate_complete_documentation"][2] + 0.1
    )
    assert docs["incomplete"]["denied"] / docs["incomplete"]["lines"] > (
        docs["complete"]["denied"] / docs["complete"]["lines"]
    )
    summit = values(by_payer, "SUMMIT01")["underpaid_rate"][2]
    medicare = values(by_payer, "MCRB1")["underpaid_rate"][2]
    assert summit > 0.2 > medicare == 0


PLAIN_SQL = """
WITH l AS (
    SELECT *, allowed - expected_allowed AS variance,
           adjudicated AND NOT final_denied AND has_contract AS variance_line,
           DATE '2026-01-31' - service_date AS age
    FROM line_adjudication WHERE procedure_code = '97139' AND ($payer IS NULL OR payer_id = $payer)
)
SELECT
    count(*), count(*),
    sum(charge), count(*),
    count(*) FILTER (NOT adjudicated), count(*),
    count(*) FILTER (adjudicated AND initial_denied), count(*) FILTER (adjudicated),
    sum(charge) FILTER (adjudicated AND initial_denied), sum(charge) FILTER (adjudicated),
    count(*) FILTER (adjudicated AND final_denied), count(*) FILTER (adjudicated),
    sum(charge) FILTER (adjudicated AND final_denied), sum(charge) FILTER (adjudicated),
    count(*) FILTER (overturned), count(*) FILTER (reanswered),
    sum(net_paid), count(*),
    count(*) FILTER (adjudicated AND NOT has_contract), count(*) FILTER (adjudicated),
    sum(variance) FILTER (variance_line), count(*) FILTER (variance_line),
    count(*) FILTER (variance_line AND variance < -greatest(1, 0.02 * expected_allowed)),
    count(*) FILTER (variance_line),
    sum(-variance) FILTER (variance_line AND variance < -greatest(1, 0.02 * expected_allowed)),
    count(*) FILTER (variance_line),
    median(days_to_adjudication), count(*) FILTER (adjudicated),
    median(days_to_payment), count(*) FILTER (ever_paid),
    count(*) FILTER (documentation_complete), count(*),
    count(*) FILTER (narrative_present), count(*),
    count(*) FILTER (has_description), count(*),
    count(*) FILTER (has_rationale), count(*),
    count(*) FILTER (adjudicated AND initial_denied AND documentation_complete),
    count(*) FILTER (adjudicated AND documentation_complete),
    count(*) FILTER (adjudicated AND initial_denied AND NOT documentation_complete),
    count(*) FILTER (adjudicated AND NOT documentation_complete),
    count(*) FILTER (NOT adjudicated AND age BETWEEN 31 AND 60), count(*) FILTER (NOT adjudicated),
    sum(charge) FILTER (NOT adjudicated AND age > 120), count(*) FILTER (NOT adjudicated)
FROM l
"""
PLAIN_SQL_METRICS = (
    "lines_billed", "charges_billed", "lines_pending", "initial_denial_rate",
    "initial_denial_rate_charges", "final_denial_rate", "final_denial_rate_charges",
    "overturn_rate", "net_paid", "no_contract_rate", "allowed_variance", "underpaid_rate",
    "underpaid_dollars", "days_to_adjudication_median", "days_to_payment_median",
    "documentation_complete_rate", "narrative_present_rate", "element_description_rate",
    "element_rationale_rate", "denial_rate_complete_documentation",
    "denial_rate_incomplete_documentation", "ar_aging_31-60", "ar_aging_>120_charges",
)  # fmt: skip


@pytest.mark.parametrize("payer", [None, "SUMMIT01", "MCRB1"])
def test_every_figure_equals_plain_sql_on_the_generated_practice(practice, payer):
    con, _ = practice
    settings = Settings(min_count=1, as_of=dt.date(2026, 1, 31))
    filters = Filters(codes=("97139",), payers=(payer,) if payer else ())
    got = values(compute(con, filters, settings))
    row = con.execute(PLAIN_SQL, {"payer": payer}).fetchall()[0]
    expected, found = {}, {}
    # Exact: money to the cent, counts whole, medians to the half day (all decimals).
    for k, name in enumerate(PLAIN_SQL_METRICS):
        expected[f"{name} numerator"] = Decimal(str(row[2 * k] or 0))
        expected[f"{name} denominator"] = Decimal(str(row[2 * k + 1] or 0))
        found[f"{name} numerator"] = got[name][0] or 0
        found[f"{name} denominator"] = got[name][1]
    assert found == expected
    assert expected["lines_billed numerator"] > 100  # the comparison is not vacuous


def test_metrics_command_prints_the_same_figures(practice):
    import subprocess
    import sys

    con, _ = practice
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    command = [sys.executable, "-m", "unlisted.cli", "metrics", "--db", path, "--as-of",
               "2026-01-31", "--by", "payer"]  # fmt: skip
    as_json = subprocess.run([*command, "--format", "json"], capture_output=True, text=True)
    assert as_json.returncode == 0, as_json.stderr
    records = json.loads(as_json.stdout)
    expected = compute(con, Filters(codes=("97139",)), Settings(as_of=dt.date(2026, 1, 31)), by="payer")
    assert len(records) == expected.height
    pick_rate = [
        r for r in records if r["metric"] == "initial_denial_rate" and r["group"] == "MCRB1"
    ]
    numerator, denominator, value = values(expected, "MCRB1")["initial_denial_rate"]
    # Counts as integers, a share rounded to six places, money as exact decimal strings.
    assert pick_rate[0]["value"] == round(value, 6)
    assert (pick_rate[0]["numerator"], pick_rate[0]["denominator"]) == (numerator, denominator)
    assert all(isinstance(pick_rate[0][k], int) for k in ("numerator", "denominator"))
    paid = [r for r in records if r["metric"] == "net_paid" and r["group"] == "MCRB1"][0]
    exact_paid = values(expected, "MCRB1")["net_paid"][0].quantize(Decimal("0.01"))
    assert paid["value"] == paid["numerator"] == str(exact_paid)
    as_csv = subprocess.run([*command, "--format", "csv"], capture_output=True, text=True)
    assert (
        as_csv.stdout.splitlines()[0]
        == "metric,group,numerator,denominator,value,suppressed,reason"
    )
    paid_row = next(r for r in csv.DictReader(io.StringIO(as_csv.stdout))
                    if r["metric"] == "net_paid" and r["group"] == "MCRB1")  # fmt: skip
    assert paid_row["numerator"] == str(exact_paid)
    table = subprocess.run([*command[:-2]], capture_output=True, text=True)
    assert "initial_denial_rate" in table.stdout and "%" in table.stdout
    wrong = subprocess.run([*command, "--format", "xml"], capture_output=True, text=True)
    assert wrong.returncode == 2


def test_lines_chosen_in_memory_are_the_lines_sql_selects(practice):
    """The dashboard chooses lines among all of them in memory (metrics.in_scope); the CLI reads
    them with selection/lines.sql. Both must choose the same lines for every filter."""
    from unlisted.queries.metrics import METRIC_COLUMNS, SCOPE_COLUMNS, in_scope, selected_lines

    con, _ = practice
    every = pl.from_arrow(con.sql("SELECT * FROM line_adjudication").select(
        *METRIC_COLUMNS, *SCOPE_COLUMNS).to_arrow_table())  # fmt: skip
    payers = sorted(every["payer_id"].unique().to_list())
    providers = sorted(every["rendering_npi"].drop_nulls().unique().to_list())
    locations = sorted(every["location"].drop_nulls().unique().to_list())
    cases = [Filters(codes=("97139",)), Filters(codes=("97139", "97110", "97140")),
             Filters(codes=("97139",), start=dt.date(2025, 3, 1), end=dt.date(2025, 5, 31)),
             Filters(codes=("97139",), basis="payment", start=dt.date(2025, 3, 1), end=dt.date(2025, 5, 31)),
             Filters(codes=("97139",), basis="payment", end=dt.date(2025, 2, 28)),
             Filters(codes=("97139",), modifiers=("GP",)), Filters(codes=("97139",), modifiers=("59", "XU")),
             Filters(codes=("97139",), payers=tuple(payers[:2]), providers=tuple(providers[1:3])),
             Filters(codes=("97139",), locations=(locations[0],), modifiers=("GP",), start=dt.date(2025, 6, 1))]
    cases += [Filters(codes=("97139",), payers=(p,)) for p in payers] + [Filters(codes=("97139",), providers=(p,)) for p in providers]
    for filters in cases:
        by_sql = selected_lines(con, filters).select("claim_line_id").collect()
        in_memory = every.filter(in_scope(filters)).select("claim_line_id")
        assert sorted(by_sql["claim_line_id"]) == sorted(in_memory["claim_line_id"]), filters
        assert by_sql.height > 0 or filters.modifiers == ("59", "XU"), filters
