"""What each pattern pays to see what happened to a document (issue 11): vended-log tiers per account
and region, X-Ray traces, and the ``observability.visibility: equivalent`` switch that buys the chains
and Express the record Standard's history gives for free."""

from __future__ import annotations

import pytest

from orchsim import simulate
from orchsim.analytic.engine import estimate
from orchsim.aws.cost import price_metering, price_monthly
from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import load_scenario

SC = load_scenario("seed-article").with_overrides({"window_hours": 1.0, "workload.docs_per_day": 4000})
PATTERNS = ["lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express"]


def test_xray_reproduces_awss_pricing_example() -> None:
    """https://aws.amazon.com/xray/pricing/: 2,000 requests an hour sampled at 10% for 31 days is
    148,800 traces; less the 100,000 free, 48,800 x $0.000005 = $0.24."""
    traces = 2000 * 24 * 31 * 0.10
    cost = price_metering(Metering(service_calls={"xray:putTraceSegments": traces}), free_tier=True)
    assert traces == 148_800
    assert round(cost.by_component()["xray"], 2) == 0.24
    assert price_metering(Metering(service_calls={"xray:putTraceSegments": traces})).by_component()["xray"] == pytest.approx(0.744)


def test_vended_logs_are_tiered_per_account() -> None:
    """$0.50/GB for the first 10 TB, $0.25 for the next 20, $0.10 for the next 20, $0.05 beyond."""
    tb = 1024.0
    cost = price_metering(Metering(logs_gb=60 * tb))
    assert cost.by_component()["logs"] == pytest.approx(10 * tb * 0.50 + 20 * tb * 0.25 + 20 * tb * 0.10 + 10 * tb * 0.05)
    assert cost.by_component()["logs"] == pytest.approx(12_800.0)
    # the account's other vended logs fill the first tier: this pipeline's 100 GB cost $0.25 each
    assert price_metering(Metering(logs_gb=100.0), account=Metering(logs_gb=10 * tb)).by_component()["logs"] == pytest.approx(25.0)
    vec = price_monthly({"logs_gb": [100.0, 100.0]}, account={"logs_gb": [0.0, 10 * tb]})["logs"]
    assert list(vec) == pytest.approx([50.0, 25.0])
    # Tokyo's first-tier rate, flat (its higher tiers are not confirmed)
    assert price_metering(Metering(logs_gb=100.0), region="ap-northeast-1").by_component()["logs"] == pytest.approx(76.0)
    assert load_price_book().logs_vended_tiers("ap-northeast-1")[0].up_to is None


def test_account_logs_reach_the_simulation_and_the_analytic_engine() -> None:
    sc = SC.with_overrides({"lambda.log_bytes_per_invocation": 1e6})
    busy = sc.with_overrides({"account.other_vended_logs_gb_per_month": 1e6})
    for pattern in ("lambda-chain-async", "sfn-standard"):
        assert simulate(busy, pattern, detail=False).summary.cost_usd["logs"] == pytest.approx(
            0.1 * simulate(sc, pattern, detail=False).summary.cost_usd["logs"], rel=1e-9)
        a, b = estimate(sc, [pattern]).iloc[0], estimate(busy, [pattern]).iloc[0]
        assert b["cost_logs_usd"] == pytest.approx(0.1 * a["cost_logs_usd"], rel=1e-9)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_sampled_traces_in_both_engines(pattern: str) -> None:
    sc = SC.with_overrides({"observability.xray_sample_rate": 0.05})
    r = simulate(sc, pattern, detail=False).summary
    assert r.service_calls["xray:putTraceSegments"] == pytest.approx(0.05 * r.docs_arrived)
    assert r.cost_usd["xray"] > 0
    e = estimate(sc, [pattern]).iloc[0]
    assert e["service_calls_per_doc"] == pytest.approx(0.05)
    assert e["cost_xray_usd"] == pytest.approx(0.05 * 4000 * 730 / 24 * 5e-6)


def test_visibility_equivalent_is_one_switch() -> None:
    """Chains log a state-event record per invocation and trace every document; Express logs every
    execution; Standard's history is already there and adds nothing."""
    eq = SC.with_overrides({"observability.visibility": "equivalent"})
    per_event = SC.step_functions.log_bytes_per_transition
    for pattern in PATTERNS:
        base = simulate(SC, pattern, detail=False)
        more = simulate(eq, pattern, detail=False)
        added_gb = more.metering.logs_gb - base.metering.logs_gb
        traces = more.summary.service_calls.get("xray:putTraceSegments", 0.0)
        if pattern.startswith("lambda-chain"):
            assert added_gb == pytest.approx(more.summary.lambda_invocations * per_event / 1e9)
            assert traces == more.summary.docs_arrived
        elif pattern == "sfn-express":
            assert added_gb > 0 and traces == 0
        else:
            assert added_gb == 0 and traces == 0 and more.summary.cost_usd == base.summary.cost_usd
        a, b = estimate(SC, [pattern]).iloc[0], estimate(eq, [pattern]).iloc[0]
        assert (b["logs_gb"] > a["logs_gb"]) == (pattern != "sfn-standard")


def test_bad_observability_names_the_field() -> None:
    with pytest.raises(InputError, match="observability.visibility"):
        SC.with_overrides({"observability.visibility": "full"})
    with pytest.raises(InputError, match="observability.xray_sample_rate"):
        SC.with_overrides({"observability.xray_sample_rate": 1.5})
