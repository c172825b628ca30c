"""The AWS SDK's read timeout on a synchronous invoke (issue 11): past ``lambda.sdk_read_timeout_s``
(boto3: 60 s) without a response the caller invokes again, up to ``sdk_max_attempts`` attempts, while
every callee it gave up on runs on as an orphan, billed, its result thrown away."""

from __future__ import annotations

import pytest

from orchsim import simulate
from orchsim.model.scenario import scenario_from_dict

TOKENS = {"input": {"dist": "fixed", "n": 1000}, "output": {"dist": "fixed", "n": 100}}


def _chain(b_ms: float | dict, c_ms: float = 20_000, **lam: object) -> object:
    """a -> b -> c, a synchronous client, ten documents an hour spread out (no contention)."""
    dur = b_ms if isinstance(b_ms, dict) else {"dist": "fixed", "ms": b_ms}
    return scenario_from_dict({
        "name": "read-timeout", "seed": 3, "window_hours": 1,
        "workload": {"docs_per_day": 240, "arrival": "uniform", "trigger": "sync"},
        "pipeline": {"step": {"memory_mb": 1024, "init_ms": 0, "timeout_s": 900, "duration": {"dist": "fixed", "ms": 100}},
                     "steps": [{"name": "a"}, {"name": "b", "duration": dur},
                               {"name": "c", "duration": {"dist": "fixed", "ms": c_ms}}]},
        "lambda": lam,
    })


def _per_step(result: object) -> dict[str, int]:
    inv = result.invocations  # type: ignore[attr-defined]
    return inv.groupby("step").size().to_dict()


@pytest.mark.parametrize("engine", ["linear", "graph"])
def test_a_read_timeout_doubles_the_downstream_invocations(engine: str) -> None:
    """b (50 s) + c (20 s) answer a after 70 s > 60 s: a's SDK gives up at 60 s and invokes b again; the
    second call times out too and, after two attempts, a fails. b and c each run twice per document."""
    sc = _chain(50_000, sdk_max_attempts=2)
    if engine == "graph":
        sc = sc.as_workflow()  # type: ignore[attr-defined]
    r = simulate(sc, "lambda-chain-sync")
    s = r.summary
    n = s.docs_arrived
    assert n == 10 and s.docs_failed == n
    steps = _per_step(r)
    assert steps == {"a": n, "b": 2 * n, "c": 2 * n}
    assert s.sdk_read_timeouts == 2 * n
    assert s.orphaned_invocations == 4 * n  # b and c of both calls
    inv = r.invocations
    a = inv[inv["step"] == "a"]
    # a waited two read timeouts and one backoff (full jitter in [0, 1) s) after its 100 ms of work
    waited = a["end_s"] - a["start_s"]
    assert ((waited > 120.1 - 1e-6) & (waited < 121.1)).all()


def test_three_attempts_triple_it_and_a_long_read_timeout_none() -> None:
    sc = _chain(50_000, sdk_max_attempts=3).with_overrides({"window_hours": 2, "workload.docs_per_day": 120})  # type: ignore[attr-defined]
    assert _per_step(simulate(sc, "lambda-chain-sync")) == {"a": 10, "b": 30, "c": 30}
    r = simulate(_chain(50_000, sdk_read_timeout_s=900), "lambda-chain-sync")
    assert _per_step(r) == {"a": 10, "b": 10, "c": 10}
    assert r.summary.docs_succeeded == 10 and r.summary.sdk_read_timeouts == 0 and r.summary.orphaned_invocations == 0
    # a response inside the read timeout: nothing changes
    assert _per_step(simulate(_chain(30_000), "lambda-chain-sync")) == {"a": 10, "b": 10, "c": 10}


def test_only_the_sync_chain_has_it() -> None:
    for pattern in ("lambda-chain-async", "sfn-standard", "sfn-express"):
        s = simulate(_chain(50_000, c_ms=20_000), pattern, detail=False).summary
        assert s.sdk_read_timeouts == 0 and s.lambda_invocations == 30, pattern


@pytest.mark.parametrize("engine", ["linear", "graph"])
def test_an_orphans_model_calls_are_wasted(engine: str) -> None:
    """b takes 0-80 s, so some first calls time out (b + c > 60 s) and are made again: every model call
    of an orphaned c is paid and wasted; the others are not (nothing else fails)."""
    sc = _chain({"dist": "uniform", "low_ms": 0, "high_ms": 80_000}, c_ms=0, sdk_max_attempts=5)
    sc = sc.with_overrides({  # type: ignore[attr-defined]
        "window_hours": 4, "workload.docs_per_day": 600,
        "services": {"llm": {"model": "amazon.nova-lite", "tokens": TOKENS, "latency": {"first_token_ms": 10_000, "output_tokens_per_s": 10}}},
        "pipeline.steps": [{"name": "a"}, {"name": "b", "duration": {"dist": "uniform", "low_ms": 0, "high_ms": 80_000}},
                           {"name": "c", "service": "llm", "duration": {"dist": "fixed", "ms": 0}}]})
    if engine == "graph":
        sc = sc.as_workflow()  # type: ignore[attr-defined]
    r = simulate(sc, "lambda-chain-sync")
    inv = r.invocations
    c = inv[inv["step"] == "c"]
    orphans = int(c["orphan"].sum())
    assert orphans > 5 and r.summary.sdk_read_timeouts >= orphans
    # documents whose five calls all timed out fail: their calls are all orphans, counted once
    assert 0 < r.summary.docs_failed < 0.1 * r.summary.docs_arrived
    tokens = r.summary.model_tokens["amazon.nova-lite"]
    assert tokens["input"] == 1000 * len(c)
    per_token = r.summary.cost_usd["model_input_tokens"] / tokens["input"]
    per_out = r.summary.cost_usd["model_output_tokens"] / tokens["output"]
    assert r.summary.wasted_by_kind_usd["model"] == pytest.approx(orphans * (1000 * per_token + 100 * per_out), rel=1e-9)
