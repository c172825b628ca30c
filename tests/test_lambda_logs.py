"""The functions' own CloudWatch Logs (issue 11): ``lambda.log_bytes_per_invocation`` bytes per billed
invocation, ingested at the price book's rate, under every pattern and in both engines."""

from __future__ import annotations

import pytest

from orchsim import simulate
from orchsim.analytic.engine import estimate
from orchsim.aws.pricebook import load_price_book
from orchsim.model.scenario import load_scenario

SC = load_scenario("seed-article").with_overrides({"window_hours": 1.0, "workload.docs_per_day": 4000,
                                                   "lambda.log_bytes_per_invocation": 0})


def test_default_is_the_platforms_own_lines() -> None:
    """On by default: START, END and REPORT lines (about 300 bytes) are a chain's only record."""
    sc = load_scenario("seed-article")
    assert sc.lambda_.log_bytes_per_invocation == 300
    assert simulate(sc.with_overrides({"window_hours": 0.5}), "lambda-chain-async", detail=False).summary.cost_usd["logs"] > 0


@pytest.mark.parametrize("pattern", ["lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express"])
def test_each_invocation_writes_its_log_bytes(pattern: str) -> None:
    quiet = simulate(SC, pattern, detail=False)
    loud = simulate(SC.with_overrides({"lambda.log_bytes_per_invocation": 5000}), pattern, detail=False)
    added = loud.metering.logs_gb - quiet.metering.logs_gb
    assert added == pytest.approx(loud.summary.lambda_invocations * 5000 / 1e9, rel=1e-9)
    per_gb = load_price_book().logs_ingestion_usd_per_gb("us-east-1")  # well inside the first 10 TB tier
    assert loud.summary.cost_usd["logs"] - quiet.summary.cost_usd["logs"] == pytest.approx(loud.monthly.logs_gb * per_gb
                                                                                           - quiet.monthly.logs_gb * per_gb)
    est = [estimate(s, [pattern]).iloc[0] for s in (SC, SC.with_overrides({"lambda.log_bytes_per_invocation": 5000}))]
    assert est[1]["logs_gb"] - est[0]["logs_gb"] == pytest.approx(est[1]["invocations"] * 5000 / 1e9, rel=1e-9)


def test_graph_engine_logs_too() -> None:
    sc = SC.with_overrides({"lambda.log_bytes_per_invocation": 5000}).as_workflow()
    r = simulate(sc, "lambda-chain-async", detail=False)
    assert r.metering.logs_gb == pytest.approx(r.summary.lambda_invocations * 5000 / 1e9, rel=1e-9)
    e = estimate(sc, ["lambda-chain-async"]).iloc[0]
    assert e["logs_gb"] == pytest.approx(e["invocations"] * 5000 / 1e9, rel=1e-9)
