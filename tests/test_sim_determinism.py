"""Same seed, same numbers; common random numbers across patterns (DESIGN "Randomness").

One NumPy SeedSequence per (scenario seed, replication), one child stream per source of randomness:
the same scenario and seed give identical results in this process and in a fresh one, and every
pattern of a scenario sees the same documents and the same draws.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from orchsim.model.scenario import PATTERNS, scenario_from_dict
from orchsim.sim.result import SimulationResult
from orchsim.sim.run import simulate

# Failures, retries, contention and jitter all switched on, so every stream is exercised.
BUSY: dict[str, Any] = {
    "name": "determinism",
    "seed": 20261101,
    "window_hours": 0.3,
    "workload": {"docs_per_day": 15_000, "arrival": "poisson", "trigger": "async"},
    "pipeline": {
        "steps": [
            {"name": "a", "duration": {"dist": "lognormal", "median_ms": 400, "p95_ms": 2500}, "error_rate": 0.2},
            {"name": "b", "duration": {"dist": "exponential", "mean_ms": 700}, "fatal_error_rate": 0.05},
            {"name": "c", "duration": {"dist": "fixed", "ms": 150}, "timeout_s": 2, "error_rate": 0.1},
        ]
    },
    "retry": {"max_attempts": 2, "jitter": "full"},
    "lambda": {"concurrency_limit": 8, "scaling_per_10s": 5, "keep_alive_s": {"low_s": 5, "high_s": 30}},
    "chain": {"sync_retry": "policy"},
    "step_functions": {"express_duplicate_rate": 0.2},
}

DOC_COLUMNS = ["doc", "arrival_s", "end_s", "outcome", "attempts", "transitions", "billed_gb_s"]

CHILD = f"""
import json, sys
from orchsim.model.scenario import scenario_from_dict
from orchsim.sim.run import simulate
data = json.loads(sys.argv[1])
out = {{}}
for p in sys.argv[2:]:
    r = simulate(scenario_from_dict(data), p)
    docs = r.documents
    out[p] = {{
        "summary": r.to_dict(),
        "documents": json.loads(docs[{DOC_COLUMNS!r}].astype({{"outcome": str}}).to_json(orient="split", double_precision=15)),
    }}
print(json.dumps(out))
"""


def doc_payload(res: Any) -> dict[str, Any]:
    docs = res.documents[DOC_COLUMNS].astype({"outcome": str})
    return json.loads(docs.to_json(orient="split", double_precision=15))


def run_child(data: dict[str, Any], patterns: list[str]) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(data), *patterns],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
    )
    assert proc.returncode == 0, f"expected the child process to run the scenario; stderr:\n{proc.stderr}"
    return json.loads(proc.stdout)


@functools.cache
def busy(pattern: str) -> SimulationResult:
    """The BUSY scenario under ``pattern``, simulated once per process and pattern."""
    return simulate(scenario_from_dict(BUSY), pattern)


@pytest.fixture(scope="module")
def busy_results() -> dict[str, SimulationResult]:
    return {p: busy(p) for p in PATTERNS}


def test_same_seed_same_results_in_process(busy_results: dict[str, Any]) -> None:
    sc = scenario_from_dict(BUSY)
    for p in PATTERNS:
        a, b = busy_results[p], simulate(sc, p)
        assert a.to_dict() == b.to_dict(), f"{p}: expected identical summaries for the same scenario and seed"
        pd.testing.assert_frame_equal(a.documents, b.documents, obj=f"{p} documents (same seed)")
        pd.testing.assert_frame_equal(a.invocations, b.invocations, obj=f"{p} invocations (same seed)")


def test_same_seed_same_results_in_a_fresh_process(busy_results: dict[str, Any]) -> None:
    child = run_child(BUSY, list(PATTERNS))
    for p in PATTERNS:
        res = busy_results[p]
        here = json.loads(json.dumps(res.to_dict()))
        assert child[p]["summary"] == here, (
            f"{p}: expected the fresh process's summary to equal this process's\nchild: {child[p]['summary']}\nhere: {here}"
        )
        assert child[p]["documents"] == doc_payload(res), f"{p}: expected identical documents tables across processes"


def test_scenario_is_exercised(busy_results: dict[str, Any]) -> None:
    """The determinism scenario really has failures, retries, throttles and duplicates."""
    s = {p: r.summary for p, r in busy_results.items()}
    assert s["sfn-standard"].docs_failed > 0, "expected failures in the determinism scenario"
    assert sum(x.lambda_throttles for x in s.values()) > 0, "expected throttles in the determinism scenario"
    assert s["sfn-express"].duplicates > 0, "expected Express duplicates in the determinism scenario"
    assert s["sfn-standard"].state_transitions > s["sfn-standard"].docs_arrived * 3, "expected retries"


def test_different_seed_different_arrivals() -> None:
    a = busy("sfn-standard")
    b = simulate(scenario_from_dict({**BUSY, "seed": BUSY["seed"] + 1}), "sfn-standard")
    ta, tb = a.documents["arrival_s"].to_numpy(), b.documents["arrival_s"].to_numpy()
    assert ta.size != tb.size or not np.array_equal(ta, tb), "expected a different seed to draw different arrivals"
    assert a.to_dict() != b.to_dict(), "expected a different seed to give a different summary"


def test_replications_differ_and_repeat() -> None:
    sc = scenario_from_dict(BUSY)
    r0, r1 = simulate(sc, "sfn-express", replication=0), simulate(sc, "sfn-express", replication=1)
    assert not np.array_equal(r0.documents["arrival_s"], r1.documents["arrival_s"]) or len(r0.documents) != len(
        r1.documents
    ), "expected replication 1 to draw different arrivals from replication 0"
    again = simulate(sc, "sfn-express", replication=1)
    assert again.to_dict() == r1.to_dict(), "expected the same (seed, replication) to repeat exactly"


# --- common random numbers --------------------------------------------------------------------------

QUIET: dict[str, Any] = {
    "name": "crn",
    "seed": 42,
    "window_hours": 0.5,
    "workload": {"docs_per_day": 8_000, "arrival": "poisson", "trigger": "async"},
    "pipeline": {
        "steps": [
            {"name": "a", "duration": {"dist": "lognormal", "median_ms": 300, "p95_ms": 1200}, "memory_mb": 512},
            {"name": "b", "duration": {"dist": "exponential", "mean_ms": 900}, "memory_mb": 2048},
            {"name": "c", "duration": {"dist": "lognormal", "median_ms": 1500, "p95_ms": 6000}, "memory_mb": 1024},
            {"name": "d", "duration": {"dist": "fixed", "ms": 80}, "memory_mb": 128},
        ],
        "step": {"init_ms": 0, "timeout_s": 900, "error_rate": 0.0, "fatal_error_rate": 0.0},
    },
    "lambda": {"concurrency_limit": 1000, "scaling_per_10s": 1000},
}


@pytest.fixture(scope="module")
def quiet_results() -> dict[str, Any]:
    sc = scenario_from_dict(QUIET)
    return {p: simulate(sc, p) for p in PATTERNS}


def test_crn_same_arrivals_in_every_pattern(quiet_results: dict[str, Any]) -> None:
    ref = quiet_results["sfn-standard"].documents["arrival_s"].to_numpy()
    assert ref.size > 50, "expected a few dozen documents in the CRN scenario"
    for p, res in quiet_results.items():
        assert np.array_equal(res.documents["arrival_s"].to_numpy(), ref), (
            f"{p}: expected the same arrival times as sfn-standard (common random numbers)"
        )
        assert res.summary.lambda_throttles == 0, f"{p}: expected no contention in the CRN scenario"
        assert res.summary.docs_failed + res.summary.docs_lost == 0, f"{p}: expected no failures"


def test_crn_identical_per_document_gb_s(quiet_results: dict[str, Any]) -> None:
    done = np.ones(len(quiet_results["sfn-standard"].documents), dtype=bool)
    for res in quiet_results.values():
        done &= (res.documents["outcome"] == "succeeded").to_numpy()
    assert done.sum() > 50, "expected most documents to succeed under every pattern"
    ref = quiet_results["lambda-chain-async"]
    ref_gb = ref.documents["billed_gb_s"].to_numpy()[done]
    ref_ms = ref.invocations.set_index(["doc", "step_index"])["billed_ms"].sort_index()
    for p in ("sfn-standard", "sfn-express"):
        res = quiet_results[p]
        gb = res.documents["billed_gb_s"].to_numpy()[done]
        assert np.allclose(gb, ref_gb, rtol=1e-12, atol=0), (
            f"{p}: expected the same billed GB-s per document as lambda-chain-async (same draws, no waiting billed); "
            f"max difference {np.max(np.abs(gb - ref_gb))}"
        )
        ms = res.invocations.set_index(["doc", "step_index"])["billed_ms"].sort_index()
        common = ref_ms.index.intersection(ms.index)
        assert (ms.loc[common] == ref_ms.loc[common]).all(), f"{p}: expected the same billed ms per (doc, step)"
    sync = quiet_results["lambda-chain-sync"].documents["billed_gb_s"].to_numpy()[done]
    assert (sync > ref_gb).all(), "lambda-chain-sync: expected every document to bill more GB-s than the async chain"
