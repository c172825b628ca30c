"""Payload sizes (issue 11): above a pattern's limit (Step Functions 256 KB; Lambda async 1 MB, sync
6 MB) each invocation GETs its input from S3 and PUTs its output there, counted and priced."""

from __future__ import annotations

import numpy as np
import pytest

from orchsim import simulate
from orchsim.analytic.engine import estimate
from orchsim.aws.rules import PAYLOAD_LIMIT_KB
from orchsim.errors import InputError
from orchsim.model.profile import FixedCount, LogNormalCount, PoissonCount, UniformCount
from orchsim.model.scenario import load_scenario, scenario_from_dict

PATTERNS = ("lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express")
BASE = load_scenario("seed-article").with_overrides({"window_hours": 1.0, "workload.docs_per_day": 5000})


@pytest.mark.parametrize("pattern", PATTERNS)
def test_offload_switches_on_exactly_above_the_limit(pattern: str) -> None:
    limit = int(PAYLOAD_LIMIT_KB[pattern])
    at = simulate(BASE.with_overrides({"workload.payload_kb": {"dist": "fixed", "n": limit}}), pattern, detail=False).summary
    run = simulate(BASE.with_overrides({"workload.payload_kb": {"dist": "fixed", "n": limit + 1}}), pattern, detail=False)
    over = run.summary
    assert at.service_calls == {}
    assert over.service_calls["s3:getObject"] == over.service_calls["s3:putObject"] == over.lambda_invocations
    month = run.monthly.service_calls  # S3 Standard: $0.005 per 1,000 PUTs, $0.0004 per 1,000 GETs
    assert over.cost_usd["s3"] == pytest.approx(month["s3:putObject"] * 0.005e-3 + month["s3:getObject"] * 0.0004e-3, rel=1e-9)
    est = estimate(BASE.with_overrides({"workload.payload_kb": {"dist": "fixed", "n": limit + 1}}), [pattern]).iloc[0]
    assert est["service_calls_per_doc"] == pytest.approx(2 * est["lambda_invocations_per_doc"])


def test_limits_are_the_documented_ones() -> None:
    assert PAYLOAD_LIMIT_KB == {"sfn-standard": 256.0, "sfn-express": 256.0, "lambda-chain-async": 1024.0,
                                "lambda-chain-sync": 6144.0, "lambda-durable": 256.0}


@pytest.mark.parametrize("count", [FixedCount(n=300), PoissonCount(mean=250.0), UniformCount(low=100, high=400),
                                   LogNormalCount(median=300, p95=2000)])
def test_share_above_matches_the_draws(count: object) -> None:
    draws = count.sample(np.random.default_rng(11), 400_000)  # type: ignore[attr-defined]
    for x in (0.0, 255.5, 256.0, 1024.0):
        assert count.share_above(x) == pytest.approx(float(np.mean(draws > x)), abs=0.003)  # type: ignore[attr-defined]


def test_simulation_and_analytic_engine_agree_on_a_spread_of_sizes() -> None:
    sc = BASE.with_overrides({"workload.payload_kb": {"dist": "lognormal", "median": 300, "p95": 2000}, "window_hours": 4.0})
    for pattern in ("lambda-chain-async", "sfn-standard"):
        sims = [simulate(sc.with_overrides({"seed": s}), pattern, detail=False).summary for s in range(3)]
        per_doc = np.array([s.service_calls_per_doc for s in sims])
        est = estimate(sc, [pattern]).iloc[0]["service_calls_per_doc"]
        assert abs(per_doc.mean() - est) < 4 * per_doc.std(ddof=1) / np.sqrt(3) + 0.03 * est, (pattern, per_doc, est)


@pytest.mark.parametrize("bad", [{"dist": "zipf"}, {"dist": "fixed", "n": -5}, 300])
def test_bad_payload_is_one_input_error(bad: object) -> None:
    with pytest.raises(InputError) as exc:
        scenario_from_dict({"workload": {"payload_kb": bad}})
    assert exc.value.field.startswith("workload.payload_kb")
