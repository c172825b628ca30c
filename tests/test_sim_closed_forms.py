"""The simulation against closed forms where there is no contention (DESIGN "What a correct model
must agree with"): invocations, transitions, GB-s (a synchronous chain of n equal steps of d ms bills
d * n(n+1)/2 per document), Express billed duration, expected attempts under a retry policy.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest

from orchsim.model.scenario import PATTERNS, load_scenario, scenario_from_dict
from orchsim.sim.result import SimulationResult
from orchsim.sim.run import simulate

# --- the seed article, 24 h ------------------------------------------------------------------------


@functools.cache
def seed_day(pattern: str) -> SimulationResult:
    """The shipped seed article's 24 h under ``pattern``, simulated once per process and pattern (each
    xdist worker runs only the patterns of the tests it gets)."""
    sc = load_scenario("seed-article")  # the shipped scenario, by name
    assert sc.window_hours == 24, "expected the seed scenario to simulate 24 h"
    return simulate(sc, pattern)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_seed_article_five_invocations_per_document(pattern: str) -> None:
    res = seed_day(pattern)
    docs = res.documents
    ok = docs["outcome"] == "succeeded"
    s = res.summary
    assert s.docs_arrived > 9_000, f"expected about 10,000 documents in 24 h, got {s.docs_arrived}"
    assert s.docs_failed + s.docs_lost == 0, f"{pattern}: expected no failures in the seed article"
    assert s.docs_succeeded >= s.docs_arrived - 5, f"{pattern}: expected all but the last few docs to succeed"
    calls = 1 if pattern == "lambda-durable" else 5  # a durable function runs the 5 steps inside one invocation
    assert (docs.loc[ok, "attempts"] == calls).all(), f"{pattern}: expected exactly {calls} Lambda invocations per succeeded doc"
    assert s.lambda_throttles == 0, f"{pattern}: expected no throttles at 10,000 docs/day"
    if pattern == "sfn-standard":
        assert (docs.loc[ok, "transitions"] == 5).all(), "sfn-standard: expected exactly 5 transitions per succeeded doc"
        assert s.state_transitions == docs["transitions"].sum(), "sfn-standard: expected transitions to add up"
        assert 5 * s.docs_succeeded <= s.state_transitions <= 5 * s.docs_arrived, (
            "sfn-standard: expected 5 transitions per document (in-flight ones partly counted)"
        )
    else:
        assert s.state_transitions == 0, f"{pattern}: expected no Standard transitions"
    if pattern == "sfn-express":
        assert s.express_executions == s.docs_arrived - s.docs_in_flight, (
            "sfn-express: expected one execution per finished document (no duplicates in the seed scenario)"
        )


def test_seed_article_standard_cost_matches_article() -> None:
    """5 transitions x 10,000 docs/day at $0.025 per 1,000 -> $1.25/day (article), within Poisson noise."""
    res = seed_day("sfn-standard")
    per_day = res.cost.by_component()["sfn_transitions"] / (730 / 24)
    expected = res.summary.state_transitions * 0.025 / 1000  # the window is one day
    assert per_day == pytest.approx(expected, rel=1e-9), "expected the transition cost of the simulated day"
    assert per_day == pytest.approx(1.25, rel=0.05), f"expected about $1.25/day of Standard transitions, got {per_day}"


# --- n equal fixed steps of d ms ------------------------------------------------------------------

MEMORY_MB = 1536
LATENCY_MS = 20.0
CASES = [(1, 100), (3, 250), (5, 800), (8, 40)]


def equal_steps(n: int, d: float) -> dict[str, Any]:
    return {
        "name": f"equal-{n}x{d}",
        "seed": 3,
        "window_hours": 0.5,
        "workload": {"docs_per_day": 4_000, "arrival": "poisson", "trigger": "async"},
        "pipeline": {
            "steps": n,
            "step": {
                "memory_mb": MEMORY_MB,
                "duration": {"dist": "fixed", "ms": d},
                "init_ms": 0,
                "timeout_s": 900,
                "error_rate": 0.0,
                "fatal_error_rate": 0.0,
            },
        },
        "step_functions": {"transition_latency_ms": LATENCY_MS},
    }


@pytest.mark.parametrize(("n", "d"), CASES)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_equal_steps_billed_gb_s(n: int, d: float, pattern: str) -> None:
    res = simulate(scenario_from_dict(equal_steps(n, d)), pattern)
    docs = res.documents
    ok = docs["outcome"] == "succeeded"
    assert ok.sum() >= len(docs) - 2 and ok.sum() > 20, f"{pattern}: expected (nearly) every document to succeed"
    work_ms = d * n * (n + 1) / 2 if pattern == "lambda-chain-sync" else n * d
    expected_gb_s = work_ms / 1000 * MEMORY_MB / 1024
    got = docs.loc[ok, "billed_gb_s"].to_numpy()
    assert np.allclose(got, expected_gb_s, rtol=1e-12, atol=1e-12), (
        f"{pattern}, n={n}, d={d} ms: expected {expected_gb_s} GB-s ({work_ms} ms) per succeeded document, "
        f"got {sorted(set(np.round(got, 9)))[:5]}"
    )
    calls = 1 if pattern == "lambda-durable" else n  # a durable function runs its steps inside one invocation
    assert (docs.loc[ok, "attempts"] == calls).all(), f"{pattern}: expected {calls} invocations per document"
    if pattern == "lambda-chain-sync":
        # Step k (1-based) is billed for its own work plus everything downstream: (n - k + 1) * d ms.
        inv = res.invocations
        inv = inv[inv["doc"].isin(docs.loc[ok, "doc"])]
        want = (n - inv["step_index"]) * d
        assert (inv["billed_ms"] == np.ceil(want - 1e-9)).all(), (
            f"lambda-chain-sync: expected step k to bill (n - k + 1) * d ms, n={n}, d={d}"
        )


@pytest.mark.parametrize(("n", "d"), CASES)
def test_express_billed_duration_closed_form(n: int, d: float) -> None:
    data = equal_steps(n, d)
    res = simulate(scenario_from_dict(data), "sfn-express")
    s = res.summary
    assert s.docs_failed + s.docs_lost == 0, "sfn-express: expected no failures"
    assert s.express_executions == s.docs_succeeded, "sfn-express: expected one execution per succeeded document"
    # Without contention an execution started at its arrival ends n * (d + latency) ms later; it is
    # metered when it ends inside the window.
    arrival_s = res.documents["arrival_s"].to_numpy()
    ending = int((arrival_s + n * (d + LATENCY_MS) / 1000 < data["window_hours"] * 3600).sum())
    assert ending > 20, f"expected a few dozen executions in the window, got {ending}"
    assert res.metering.express_requests == ending, (
        f"sfn-express, n={n}, d={d}: expected one metered request per execution ending in the window ({ending} of "
        f"{arrival_s.size} arrivals), got {res.metering.express_requests}"
    )
    billed_ms = math.ceil((n * d + n * LATENCY_MS) / 100) * 100
    expected = billed_ms / 1000 * 64 / 1024 / 3600 * ending  # 64 MB: the default memory's chunk
    assert res.metering.express_gb_hours == pytest.approx(expected, rel=1e-12), (
        f"sfn-express, n={n}, d={d}: expected {billed_ms} ms x 64 MB per execution "
        f"({expected} GB-h for {ending} executions), got {res.metering.express_gb_hours}"
    )


@pytest.mark.parametrize(("n", "d"), CASES)
def test_standard_transitions_closed_form(n: int, d: float) -> None:
    res = simulate(scenario_from_dict(equal_steps(n, d)), "sfn-standard")
    docs = res.documents
    ok = docs["outcome"] == "succeeded"
    assert (docs.loc[ok, "transitions"] == n).all(), f"sfn-standard: expected {n} transitions per document"
    lat = docs.loc[ok, "latency_ms"].to_numpy()
    assert np.allclose(lat, n * (d + LATENCY_MS), atol=1e-6), (
        f"sfn-standard: expected latency n * (d + transition latency) = {n * (d + LATENCY_MS)} ms without contention"
    )


# --- expected attempts under a retry policy --------------------------------------------------------


def test_expected_attempts_under_retry_policy() -> None:
    p, r = 0.3, 3
    data = {
        "name": "attempts",
        "seed": 11,
        "window_hours": 3.0,
        "workload": {"docs_per_day": 200_000, "arrival": "poisson", "trigger": "async"},
        "pipeline": {
            "steps": 1,
            "step": {"duration": {"dist": "fixed", "ms": 50}, "init_ms": 0, "error_rate": p, "fatal_error_rate": 0.0},
        },
        "retry": {"max_attempts": r},
    }
    res = simulate(scenario_from_dict(data), "sfn-standard")
    docs = res.documents
    done = docs[docs["outcome"] != "in_flight"]
    attempts = done["attempts"].to_numpy(dtype=float)
    n = attempts.size
    assert n > 20_000, f"expected > 20,000 finished documents, got {n}"
    expected = (1 - p ** (r + 1)) / (1 - p)
    half_width = 2.5758 * attempts.std(ddof=1) / math.sqrt(n)  # 99% confidence interval
    assert abs(attempts.mean() - expected) <= half_width, (
        f"expected mean attempts (1 - p^(R+1)) / (1 - p) = {expected:.4f} within the 99% CI, "
        f"got {attempts.mean():.4f} +/- {half_width:.4f} over {n} documents"
    )
    failed_share = float((done["outcome"] == "failed").mean())
    se = math.sqrt(p ** (r + 1) * (1 - p ** (r + 1)) / n)
    assert abs(failed_share - p ** (r + 1)) <= 2.5758 * se, (
        f"expected a failed share of p^(R+1) = {p ** (r + 1):.4f} (99% CI +/- {2.5758 * se:.4f}), got {failed_share:.4f}"
    )
    assert (done["transitions"] == done["attempts"]).all(), "sfn-standard: expected one transition per attempt"
    assert int(done["attempts"].max()) == r + 1, f"expected at most R + 1 = {r + 1} attempts per document"


@pytest.mark.parametrize(("memory_mb", "billed_mb"), [(50, 64), (64, 64), (65, 128), (128, 128), (129, 192), (4096, 4096)])
def test_express_memory_billed_in_64_mb_chunks(memory_mb: float, billed_mb: int) -> None:
    data = {
        "name": "express-memory",
        "window_hours": 0.2,
        "workload": {"docs_per_day": 2_000, "arrival": "uniform"},
        "pipeline": {"steps": 1, "step": {"duration": {"dist": "fixed", "ms": 250}, "init_ms": 0}},
        "step_functions": {"transition_latency_ms": 0, "express_memory_mb": memory_mb},
    }
    res = simulate(scenario_from_dict(data), "sfn-express", detail=False)
    executions = res.summary.express_executions
    assert executions > 5, "expected a few Express executions"
    expected = executions * 300 / 1000 * billed_mb / 1024 / 3600  # 250 ms -> 300 ms billed
    assert res.metering.express_gb_hours == pytest.approx(expected, rel=1e-12), (
        f"expected {memory_mb} MB billed as {billed_mb} MB (64 MB chunks) x 300 ms per execution"
    )
