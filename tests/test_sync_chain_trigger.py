"""A synchronous chain's retry policy (``chain.sync_retry: policy``) is its functions' code: the
trigger's own call of the first function is not retried by it. A synchronous client gets the error
(the document fails); an async trigger's queue re-runs the chain. Linear and graph engines, simulated
and analytic, agree (before, the graph engines retried the first call with the policy: no document
ever failed under a synchronous client)."""

from __future__ import annotations

import pytest

from orchsim import estimate, simulate
from orchsim.model.scenario import load_scenario


@pytest.mark.parametrize("trigger", ["sync", "async"])
def test_the_trigger_is_not_retried_by_the_chains_policy(trigger: str) -> None:
    sc = load_scenario("seed-article").with_overrides({"window_hours": 2, "workload.trigger": trigger,
                                                      "pipeline.step.error_rate": 0.05, "chain.sync_retry": "policy"})
    sims = [simulate(s, "lambda-chain-sync", detail=False).summary for s in (sc, sc.as_workflow())]
    assert sims[0].docs_failed == sims[1].docs_failed and sims[0].lambda_invocations == sims[1].lambda_invocations
    est = [estimate(s, ["lambda-chain-sync"]).iloc[0] for s in (sc, sc.as_workflow())]
    assert est[0]["p_failed"] == pytest.approx(est[1]["p_failed"], abs=1e-6)
    assert est[0]["invocations"] == pytest.approx(est[1]["invocations"], rel=1e-6)
    if trigger == "sync":  # step 1 fails 5% of the time and nobody retries it
        assert est[0]["p_failed"] == pytest.approx(0.05, abs=1e-3)
        assert sims[1].docs_failed > 0.02 * sims[1].docs_arrived
