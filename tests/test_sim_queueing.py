"""Queueing theory where there is contention (DESIGN "What a correct model must agree with").

A single synchronously invoked function with Poisson arrivals, exponential work, no retries and an
account concurrency limit c is an M/M/c/c loss system: the fraction of arrivals that find all c
environments busy (and are throttled) is Erlang B(c, a) with offered load a = arrival rate x mean work.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from orchsim.model.scenario import scenario_from_dict
from orchsim.sim.run import simulate

MEAN_WORK_S = 1.0
TARGET_ARRIVALS = 30_000
BATCHES = 20


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of M/M/c/c by the recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1))."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def test_erlang_b_recursion_known_values() -> None:
    assert erlang_b(1, 1.0) == pytest.approx(0.5), "expected B(1, 1) = 1/2"
    assert erlang_b(2, 1.0) == pytest.approx(0.2), "expected B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2"
    assert erlang_b(10, 5.0) == pytest.approx(0.018384570, rel=1e-6), "expected the tabulated B(10, 5)"


def loss_scenario(c: int, a: float, seed: int) -> dict[str, Any]:
    rate_per_s = a / MEAN_WORK_S
    window_s = TARGET_ARRIVALS / rate_per_s
    return {
        "name": f"mmcc-{c}-{a}",
        "seed": seed,
        "window_hours": window_s / 3600.0,
        "workload": {"docs_per_day": rate_per_s * 86_400, "arrival": "poisson", "trigger": "sync"},
        "pipeline": {
            "steps": 1,
            "step": {
                "duration": {"dist": "exponential", "mean_ms": MEAN_WORK_S * 1000},
                "init_ms": 0,
                "timeout_s": 900,
                "error_rate": 0.0,
                "fatal_error_rate": 0.0,
            },
        },
        "lambda": {
            "concurrency_limit": c,
            "scaling_per_10s": 1_000_000,
            "sdk_max_attempts": 1,
            "keep_alive_s": 330,
        },
    }


@pytest.mark.parametrize(("c", "a"), [(5, 3.0), (10, 8.0), (20, 18.0)])
def test_throttled_fraction_is_erlang_b(c: int, a: float) -> None:
    res = simulate(scenario_from_dict(loss_scenario(c, a, seed=1000 + c)), "lambda-chain-sync")
    s = res.summary
    n = s.docs_arrived
    assert n > 0.9 * TARGET_ARRIVALS, f"expected about {TARGET_ARRIVALS} arrivals, got {n}"
    assert s.peak_concurrency <= c, f"expected concurrency never above the limit {c}, got {s.peak_concurrency}"
    throttled = s.lambda_throttles / n
    b = erlang_b(c, a)
    # Successive arrivals' blocking is positively correlated (they see the same busy periods), so the
    # binomial standard error understates the noise by a factor ~1.5-2.5 here; take the larger of it
    # and the batch-means standard error (20 batches in arrival order).
    se_binomial = math.sqrt(b * (1 - b) / n)
    blocked = (res.documents["outcome"] == "failed").to_numpy(dtype=float)
    batches = blocked[: n // BATCHES * BATCHES].reshape(BATCHES, -1).mean(axis=1)
    se_batches = float(batches.std(ddof=1)) / math.sqrt(BATCHES)
    tol = 4 * max(se_binomial, se_batches)
    assert abs(throttled - b) <= tol, (
        f"M/M/{c}/{c} with a={a}: expected throttled fraction Erlang B = {b:.4f} +/- {tol:.4f} "
        f"(4 sigma; binomial SE {se_binomial:.4f}, batch-means SE {se_batches:.4f}), "
        f"got {throttled:.4f} ({s.lambda_throttles} of {n})"
    )
    assert abs(throttled - b) <= 6 * se_binomial, "expected the throttled fraction within 6 binomial sigma too"
    # Each throttled document fails (synchronous client, one SDK attempt); the others succeed.
    assert s.docs_failed == s.lambda_throttles, "expected every throttled document to fail, and no other"
    assert s.lambda_invocations + s.docs_in_flight + s.lambda_throttles == n, (
        "expected every arrival to be either invoked once or throttled once"
    )
