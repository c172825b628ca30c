"""Behaviour of each orchestration pattern on small scenarios (DESIGN "Modelling rules").

Each test builds a scenario that isolates one rule: async-chain dead-letter queue and retries,
synchronous-chain timeouts that orphan downstream work, Express's 5-minute limit and at-least-once
duplicates, the Standard StateTransition token bucket, the account concurrency limit, cold starts,
and synchronous callers billed while they wait.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from orchsim.model.scenario import PATTERNS, scenario_from_dict
from orchsim.sim.run import simulate


def scenario(steps: Any, **sections: Any) -> dict[str, Any]:
    """A small scenario: uniform arrivals (one every 86.4 s at 1,000/day) over 0.5 h, init 0."""
    data: dict[str, Any] = {
        "name": "pattern-check",
        "seed": 9,
        "window_hours": 0.5,
        "workload": {"docs_per_day": 1_000, "arrival": "uniform", "trigger": "async"},
        "pipeline": {"steps": steps, "step": {"init_ms": 0, "timeout_s": 60, "duration": {"dist": "fixed", "ms": 100}}},
    }
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def run(data: dict[str, Any], pattern: str, detail: bool = True) -> Any:
    return simulate(scenario_from_dict(data), pattern, detail=detail)


def finished(res: Any) -> Any:
    docs = res.documents
    return docs[docs["outcome"] != "in_flight"]


# --- (a) lambda-chain-async: dead-letter queue and retries ------------------------------------------

FAIL_SECOND = [{"name": "ok"}, {"name": "broken", "error_rate": 1.0}]


@pytest.mark.parametrize(("dead_letter", "outcome"), [(False, "lost"), (True, "failed")])
@pytest.mark.parametrize("trigger", ["async", "sync"])
def test_async_chain_dead_letter_decides_lost_or_failed(dead_letter: bool, outcome: str, trigger: str) -> None:
    data = scenario(FAIL_SECOND, chain={"dead_letter": dead_letter}, workload={"trigger": trigger})
    res = run(data, "lambda-chain-async")
    done = finished(res)
    assert len(done) >= 10, "expected at least 10 finished documents"
    assert (done["outcome"] == outcome).all(), (
        f"lambda-chain-async, dead_letter={dead_letter}, trigger={trigger}: expected every document whose second "
        f"step always fails to be {outcome}, got {done['outcome'].value_counts().to_dict()}"
    )


def test_async_chain_sync_trigger_first_step_failure_is_failed() -> None:
    """A synchronous client gets step 1's error back: failed (recorded), even without a dead-letter queue."""
    data = scenario([{"name": "broken", "error_rate": 1.0}], workload={"trigger": "sync"})
    res = run(data, "lambda-chain-async")
    done = finished(res)
    assert (done["outcome"] == "failed").all(), "expected a synchronous client to record step 1's failure"
    assert (done["attempts"] == 1).all(), "expected no async retries of a synchronously invoked first step"


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_async_chain_retries_function_errors(retries: int) -> None:
    data = scenario([{"name": "broken", "error_rate": 1.0}], chain={"async_max_retries": retries})
    res = run(data, "lambda-chain-async")
    done = finished(res)
    assert len(done) >= 10, "expected at least 10 finished documents"
    assert (done["attempts"] == 1 + retries).all(), (
        f"expected a step that always fails to be invoked 1 + async_max_retries = {1 + retries} times per document, "
        f"got {done['attempts'].value_counts().to_dict()}"
    )
    inv = res.invocations
    expected_gaps = [60.0, 120.0][:retries]
    for doc, g in inv[inv["doc"].isin(done["doc"])].groupby("doc"):
        g = g.sort_values("start_s")
        gaps = g["start_s"].to_numpy()[1:] - g["end_s"].to_numpy()[:-1]
        assert np.allclose(gaps, expected_gaps), f"doc {doc}: expected async retries 60 s then 120 s after a failure, got {gaps}"


def test_async_chain_fatal_errors_are_retried_too() -> None:
    """The async queue cannot tell a fatal error from a transient one."""
    data = scenario([{"name": "fatal", "fatal_error_rate": 1.0}], chain={"async_max_retries": 2})
    done = finished(run(data, "lambda-chain-async"))
    assert (done["attempts"] == 3).all(), "expected fatal errors to be retried by the async queue (3 attempts)"


def test_async_chain_max_event_age_stops_retries() -> None:
    """With MaximumEventAgeInSeconds 60, a retry 60 s after a failure is already too old."""
    data = scenario([{"name": "broken", "error_rate": 1.0}], chain={"async_max_retries": 2, "async_max_event_age_s": 60})
    done = finished(run(data, "lambda-chain-async"))
    assert (done["attempts"] == 1).all(), "expected no retry once the event would be older than 60 s"
    assert (done["outcome"] == "lost").all(), "expected the expired event to be discarded (lost) without a DLQ"


# --- (b) lambda-chain-sync: caller timeouts orphan downstream work ----------------------------------

ORPHANING = [
    {"name": "caller", "timeout_s": 2},
    {"name": "slow", "duration": {"dist": "fixed", "ms": 5000}},
]


@pytest.mark.parametrize(("trigger", "outcome"), [("sync", "failed"), ("async", "lost")])
def test_sync_chain_timeout_orphans_downstream_work(trigger: str, outcome: str) -> None:
    res = run(scenario(ORPHANING, workload={"trigger": trigger}), "lambda-chain-sync")
    s = res.summary
    done = finished(res)
    assert s.orphaned_invocations > 0, "expected orphaned invocations when the caller times out"
    assert (done["outcome"] == outcome).all(), f"trigger={trigger}: expected timed-out documents to be {outcome}"
    assert s.docs_succeeded == 0, "expected no document to succeed"
    inv = res.invocations
    orphans = inv[inv["orphan"]]
    assert len(orphans) == s.orphaned_invocations, "expected one orphan row per orphaned invocation"
    assert (orphans["billed_ms"] > 0).all(), "expected orphaned downstream work to be billed"
    assert (orphans["step"] == "slow").all() and (orphans["billed_ms"] == 5000).all(), (
        "expected the orphan to be the slow step, billed its full 5,000 ms"
    )
    callers = inv[(inv["step"] == "caller")]
    assert (callers["result"] == "timeout").all(), "expected every caller to time out"
    assert (callers["billed_ms"] == 2000).all(), "expected a timed-out caller to be billed up to its 2 s timeout"
    assert s.wasted_usd > 0, "expected the orphaned and timed-out work to count as wasted money"
    if trigger == "async":
        assert (done["attempts"] == 2 * 3).all(), "expected the async trigger to retry the chain twice (3 x 2 invocations)"


def test_sync_chain_deep_orphans_keep_running() -> None:
    """A timeout high in the stack orphans every callee below it; each runs to its end and is billed."""
    steps = [
        {"name": "top", "timeout_s": 2},
        {"name": "mid"},
        {"name": "leaf", "duration": {"dist": "fixed", "ms": 5000}},
    ]
    res = run(scenario(steps, workload={"trigger": "sync"}), "lambda-chain-sync")
    inv = res.invocations
    done = finished(res)
    rows = inv[inv["doc"].isin(done["doc"])]
    mid = rows[rows["step"] == "mid"]
    leaf = rows[rows["step"] == "leaf"]
    assert mid["orphan"].all() and leaf["orphan"].all(), "expected both callees below the timed-out caller orphaned"
    assert (leaf["billed_ms"] == 5000).all(), "expected the leaf billed its 5,000 ms"
    assert (mid["billed_ms"] == 5100).all(), "expected the orphaned middle caller billed its 100 ms plus waiting 5,000 ms"


def test_sync_chain_retry_policy_bills_backoff_sleeps() -> None:
    """``sync_retry: policy``: the caller retries with the ASL policy, sleeping 1 + 2 + 4 s, billed."""
    steps = [{"name": "caller"}, {"name": "flaky", "duration": {"dist": "fixed", "ms": 10}, "error_rate": 1.0}]
    res = run(scenario(steps, workload={"trigger": "sync"}, chain={"sync_retry": "policy"}), "lambda-chain-sync")
    inv = res.invocations
    done = finished(res)
    callers = inv[(inv["step"] == "caller") & inv["doc"].isin(done["doc"])]
    expected = 100 + 4 * 10 + 1000 + 2000 + 4000
    assert (callers["billed_ms"] == expected).all(), (
        f"expected the caller billed its work, 4 callee attempts and 7 s of backoff = {expected} ms, "
        f"got {callers['billed_ms'].unique()}"
    )
    assert (done["attempts"] == 5).all(), "expected 1 caller + 4 callee invocations per document"
    assert (done["outcome"] == "failed").all(), "expected the error returned to the synchronous client"


# --- (c) sfn-express past 5 minutes ------------------------------------------------------------------

LONG = {"steps": 2, "step": {"init_ms": 0, "timeout_s": 300, "duration": {"dist": "fixed", "ms": 200_000}}}


@pytest.mark.parametrize(
    ("trigger", "logging", "outcome"),
    [("async", False, "lost"), ("async", True, "failed"), ("sync", False, "failed"), ("sync", True, "failed")],
)
def test_express_fails_past_five_minutes(trigger: str, logging: bool, outcome: str) -> None:
    data = scenario(2, workload={"trigger": trigger}, step_functions={"express_logging": logging})
    data["pipeline"] = copy.deepcopy(LONG)
    res = run(data, "sfn-express")
    s = res.summary
    done = finished(res)
    assert len(done) >= 5, "expected at least 5 finished executions"
    assert (done["outcome"] == outcome).all(), (
        f"trigger={trigger}, logging={logging}: expected every execution past 5 minutes to be {outcome}"
    )
    lat = done["latency_ms"].to_numpy()
    assert np.allclose(lat, 300_000, atol=1e-3), f"expected States.Timeout at 300 s after the start, got {lat[:3]}"
    executions = s.express_executions
    assert executions == len(done), "expected one Express execution per finished document"
    expected_gb_h = executions * 300_000 / 1000 * 64 / 1024 / 3600
    assert res.metering.express_gb_hours == pytest.approx(expected_gb_h, rel=1e-12), (
        "expected each timed-out execution billed 300 s (x 64 MB)"
    )
    assert s.orphaned_invocations > 0, "expected the Lambda running at the limit to carry on as an orphan"
    orphans = res.invocations[res.invocations["orphan"]]
    assert (orphans["billed_ms"] == 200_000).all(), "expected the orphaned Lambda billed its full work"


# --- (d) Express duplicates ---------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["async", "sync"])
def test_express_duplicates(trigger: str) -> None:
    data = scenario(3, workload={"trigger": trigger}, step_functions={"express_duplicate_rate": 1.0})
    res = run(data, "sfn-express")
    s = res.summary
    n = s.docs_arrived
    assert s.docs_in_flight == 0 and s.docs_succeeded == n, "expected every document to finish"
    if trigger == "async":
        assert s.duplicates == n, f"expected one duplicate per started document with rate 1.0, got {s.duplicates}"
        assert s.express_executions == 2 * n, "expected Express executions to double"
        assert s.lambda_invocations == 2 * 3 * n, "expected the duplicates to invoke (and bill) every step again"
    else:
        assert s.duplicates == 0, "expected no duplicates with a synchronous start (at-most-once)"
        assert s.express_executions == n, "expected one execution per document"
        assert s.lambda_invocations == 3 * n, "expected one invocation per step per document"


def test_duplicates_only_affect_express() -> None:
    data = scenario(3, step_functions={"express_duplicate_rate": 1.0})
    for p in ("lambda-chain-sync", "lambda-chain-async", "sfn-standard"):
        s = run(data, p, detail=False).summary
        assert s.duplicates == 0, f"{p}: expected express_duplicate_rate to create no duplicates"


# --- (e) Standard StateTransition token bucket ---------------------------------------------------------

# sa-east-1: StartExecution 800 + 150/s, StateTransition 800 + 800/s. 150 docs/s x 8 steps of 1 ms
# demand 1,200 transitions/s: the StateTransition bucket binds after its first 800 tokens.
BUCKET = {
    "name": "transition-bucket",
    "seed": 4,
    "region": "sa-east-1",
    "window_hours": 10 / 3600,
    "workload": {"docs_per_day": 150 * 86_400, "arrival": "uniform", "trigger": "async"},
    "pipeline": {"steps": 8, "step": {"duration": {"dist": "fixed", "ms": 1}, "init_ms": 0}},
    "step_functions": {"transition_latency_ms": 0},
}


def test_standard_transition_bucket_limits_rate() -> None:
    res = run(BUCKET, "sfn-standard")
    inv = res.invocations
    ran = np.sort(inv.loc[inv["result"] != "throttled", "start_s"].to_numpy())
    granted_by = np.arange(1, ran.size + 1)
    excess = granted_by - (800 + 800 * ran)
    assert excess.max() <= 1e-6, f"expected at most 800 + 800 t transitions granted by time t, exceeded by {excess.max()}"
    lat = finished(res)["latency_ms"]
    assert lat.max() > 1000, f"expected the bucket to delay documents by seconds (8 ms unthrottled), got max {lat.max()}"
    unlimited = run({**BUCKET, "region": "us-east-1"}, "sfn-standard")
    assert finished(unlimited)["latency_ms"].max() < 50, "expected no bucket delay in us-east-1 (5,000/s)"


def test_waiting_for_a_transition_token_holds_no_lambda_slot() -> None:
    """Lambda is invoked only after the transition is granted: 1 ms tasks need ~1 concurrent environment."""
    res = run(BUCKET, "sfn-standard", detail=False)
    s = res.summary
    assert s.lambda_throttles == 0, f"expected no Lambda throttles, got {s.lambda_throttles}"
    assert s.peak_concurrency <= 10, (
        f"expected peak Lambda concurrency of a few environments (800 invocations/s x 1 ms), got {s.peak_concurrency}"
    )


# --- (f) concurrency limit ------------------------------------------------------------------------------

BURSTY = scenario(
    2,
    workload={
        "docs_per_day": 3_000,
        "arrival": {"kind": "burst", "burst_every_s": 600, "burst_duration_s": 20, "burst_factor": 200},
    },
    pipeline={"steps": 2, "step": {"init_ms": 100, "timeout_s": 60, "duration": {"dist": "fixed", "ms": 500}}},
    **{"lambda": {"concurrency_limit": 2}},
)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_concurrency_limit_throttles_and_throttles_are_not_billed(pattern: str) -> None:
    res = run(BURSTY, pattern)
    s = res.summary
    inv = res.invocations
    assert s.lambda_throttles > 0, f"{pattern}: expected throttles with concurrency 2 and bursts"
    assert s.peak_concurrency <= 2, f"{pattern}: expected concurrency never above 2, got {s.peak_concurrency}"
    billed = inv["billed_ms"] > 0
    assert s.lambda_invocations == int(billed.sum()), (
        f"{pattern}: expected billed invocations ({s.lambda_invocations}) == rows with billed_ms > 0 ({int(billed.sum())})"
    )
    throttled = inv["result"] == "throttled"
    assert (inv.loc[throttled, "billed_ms"] == 0).all(), f"{pattern}: expected throttled rows unbilled"
    assert int(throttled.sum()) == s.lambda_throttles, f"{pattern}: expected one row per throttle"
    assert res.metering.lambda_requests == int((~throttled).sum()), (
        f"{pattern}: expected metered Lambda requests {res.metering.lambda_requests} == the "
        f"{int((~throttled).sum())} non-throttled invocation rows (throttles not metered)"
    )


# --- (g) cold starts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS)
def test_first_invocation_of_each_function_is_cold(pattern: str) -> None:
    data = scenario(3, workload={"docs_per_day": 5_000, "arrival": "poisson"})
    data["pipeline"]["step"]["init_ms"] = 250
    res = run(data, pattern)
    inv = res.invocations
    ran = inv[inv["result"] != "throttled"].sort_values("start_s")
    for step, g in ran.groupby("step"):
        assert bool(g["cold"].iloc[0]), f"{pattern}: expected the first invocation of {step} to be a cold start"
    functions = 1 if pattern == "lambda-durable" else 3  # a durable function is one function, its steps inside
    assert functions <= res.summary.cold_starts < len(ran), f"{pattern}: expected warm reuse after the first cold starts"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_keep_alive_zero_makes_every_invocation_cold(pattern: str) -> None:
    init_ms, work_ms, n = 250, 100, 3
    data = scenario(n, workload={"docs_per_day": 5_000, "arrival": "poisson"}, **{"lambda": {"keep_alive_s": 0}})
    data["pipeline"]["step"]["init_ms"] = init_ms
    res = run(data, pattern)
    inv = res.invocations
    ran = inv[inv["result"] != "throttled"]
    assert ran["cold"].all(), f"{pattern}: expected every invocation cold with keep_alive_s 0"
    assert res.summary.cold_starts >= len(ran), f"{pattern}: expected one cold start per invocation"
    if pattern == "lambda-chain-sync":
        # step k waits for every callee, INIT included: (n - k + 1) x (init + work)
        want = (n - ran["step_index"]) * (init_ms + work_ms)
    elif pattern == "lambda-durable":  # one invocation runs the n steps inside: one INIT
        want = np.full(len(ran), init_ms + n * work_ms)
    else:
        want = np.full(len(ran), math.ceil(init_ms + work_ms))
    assert (ran["billed_ms"].to_numpy() == np.asarray(want)).all(), (
        f"{pattern}: expected INIT billed: billed_ms == ceil(init + work) per invocation"
    )


# --- (h) synchronous callers are billed while waiting ---------------------------------------------------


def test_sync_chain_bills_callers_while_waiting() -> None:
    data = scenario(
        [
            {"name": "a", "duration": {"dist": "lognormal", "median_ms": 300, "p95_ms": 1500}},
            {"name": "b", "duration": {"dist": "exponential", "mean_ms": 800}},
            {"name": "c", "duration": {"dist": "lognormal", "median_ms": 2000, "p95_ms": 9000}},
        ],
        workload={"docs_per_day": 20_000, "arrival": "poisson"},
    )
    data["pipeline"]["step"]["timeout_s"] = 900
    sync = run(data, "lambda-chain-sync").documents
    chain = run(data, "lambda-chain-async").documents
    both = ((sync["outcome"] == "succeeded") & (chain["outcome"] == "succeeded")).to_numpy()
    assert both.sum() > 50, "expected most documents to succeed under both chains"
    s_gb = sync["billed_gb_s"].to_numpy()[both]
    a_gb = chain["billed_gb_s"].to_numpy()[both]
    assert (s_gb > a_gb).all(), "expected the synchronous chain to bill more GB-s than the async chain for every document"
    inv_s = run(data, "lambda-chain-sync").invocations
    last = inv_s[inv_s["step"] == "c"].set_index("doc")["billed_ms"]
    inv_a = run(data, "lambda-chain-async").invocations
    last_a = inv_a[inv_a["step"] == "c"].set_index("doc")["billed_ms"]
    common = last.index.intersection(last_a.index)
    assert (last.loc[common] == last_a.loc[common]).all(), "expected the last step (which waits on nobody) billed alike"


# --- Standard history cap ------------------------------------------------------------------------------


def test_standard_history_cap_fails_the_execution() -> None:
    """25,000 history events per execution: a task retried ~5,000 times (5 events per attempt) fails."""
    data = {
        "name": "history-cap",
        "window_hours": 3,
        "workload": {"docs_per_day": 10, "arrival": "uniform"},  # one document, at t = 4,320 s
        "pipeline": {"steps": 1, "step": {"duration": {"dist": "fixed", "ms": 1}, "init_ms": 0, "error_rate": 1.0}},
        "retry": {"max_attempts": 100_000, "interval_s": 1, "backoff_rate": 1},
        "step_functions": {"transition_latency_ms": 0},
    }
    docs = run(data, "sfn-standard").documents
    assert len(docs) == 1, "expected exactly one document"
    doc = docs.iloc[0]
    assert doc["outcome"] == "failed", f"expected the execution to fail at the history cap, got {doc['outcome']}"
    assert 4_900 <= doc["attempts"] <= 5_000, f"expected about 25,000 / 5 attempts before the cap, got {doc['attempts']}"
    assert doc["transitions"] <= 25_000 and doc["transitions"] >= doc["attempts"], "expected one transition per attempt"


# --- scaling rate and invoke overhead ---------------------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS)
def test_scaling_per_10s_limits_new_environments(pattern: str) -> None:
    data = scenario(
        2,
        workload={"docs_per_day": 40_000, "arrival": "poisson"},
        **{"lambda": {"scaling_per_10s": 2, "keep_alive_s": 0}},
    )
    res = run(data, pattern)
    inv = res.invocations
    assert res.summary.lambda_throttles > 0, f"{pattern}: expected throttles when scaling is the bottleneck"
    for step, g in inv[inv["cold"].astype(bool)].groupby("step"):
        t = np.sort(g["start_s"].to_numpy())
        excess = np.arange(1, t.size + 1) - (2 + 0.2 * t)
        assert excess.max() <= 1e-9, (
            f"{pattern}, {step}: expected at most 2 + 0.2 t new environments by time t (2 per 10 s), exceeded by {excess.max()}"
        )


@pytest.mark.parametrize("n", [1, 3, 5])
def test_invoke_overhead_billed_to_chain_callers(n: int) -> None:
    d, o = 200.0, 25.0
    data = scenario(n, **{"lambda": {"invoke_overhead_ms": o}})
    data["pipeline"]["step"]["duration"] = {"dist": "fixed", "ms": d}
    expected = {
        "lambda-chain-async": n * d + (n - 1) * o,  # each caller pays its own async invoke call
        "lambda-chain-sync": d * n * (n + 1) / 2 + o * n * (n - 1) / 2,  # and every upstream caller waits on it
    }
    for pattern, want_ms in expected.items():
        done = finished(run(data, pattern))
        got = done["billed_gb_s"].to_numpy() * 1000  # default 1024 MB = 1 GB, so GB-s x 1000 = ms
        assert np.allclose(got, want_ms), f"{pattern}, n={n}: expected {want_ms} ms billed per document, got {np.unique(got)}"
