"""The ``lambda-durable`` pattern in the simulation (issue 13), checked against hand-counted executions
of small graphs: operations, invocations and replays, GB-seconds, data written and retained."""

from __future__ import annotations

from typing import Any

import pytest

from orchsim import simulate
from orchsim.aws.durable import KB_PER_GB
from orchsim.model.scenario import scenario_from_dict

WEEK_S = 7 * 86_400


def _scenario(states: dict[str, Any], start: str, *, profile: dict[str, Any] | None = None, durable: dict[str, Any] | None = None,
              hours: float = 2, per_day: int = 240, **top: Any) -> Any:
    """A workflow of fixed-duration 1,024 MB steps, a document every ``86400 / per_day`` s (no contention)."""
    return scenario_from_dict({
        "name": "durable-test", "seed": 5, "window_hours": hours,
        "workload": {"docs_per_day": per_day, "arrival": "uniform", "trigger": "async"},
        "pipeline": {"definition": {"StartAt": start, "States": states},
                     "step": {"memory_mb": 1024, "arch": "arm64", "init_ms": 0, "timeout_s": 900,
                              "duration": {"dist": "fixed", "ms": 1000}},
                     "states": profile or {}},
        "durable": {"replay_ms": 0, "input_kb": 8, "result_kb": 32, **(durable or {})},
        **top,
    })


def _task(name: str, nxt: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Type": "Task", "Resource": f"arn:aws:lambda:us-east-1:000000000000:function:{name}", **extra}
    body.update({"Next": nxt} if nxt else {"End": True})
    return body


def _fixed(ms: float, **extra: Any) -> dict[str, Any]:
    return {"duration": {"dist": "fixed", "ms": ms}, **extra}


def _done(r: Any) -> tuple[Any, Any]:
    """The succeeded documents and the invocations of the documents that ended."""
    docs = r.documents
    ended = docs[docs["outcome"] != "in_flight"]
    inv = r.invocations
    return ended, inv[inv["doc"].isin(ended["doc"])]


def test_aws_pricing_example_shape_two_steps_and_a_week_long_wait() -> None:
    """AWS's worked example: a 30 s step, a 7-day wait, a 2 s step on 1 GB arm64: 4 operations, 2
    invocations and 32 GB-s per execution; nothing billed during the wait."""
    states = {"Analyse": _task("Analyse", "Review"), "Review": {"Type": "Wait", "Seconds": WEEK_S, "Next": "Pay"},
              "Pay": _task("Pay")}
    sc = _scenario(states, "Analyse", profile={"Analyse": _fixed(30_000), "Pay": _fixed(2_000)}, hours=24 * 8, per_day=4)
    r = simulate(sc, "lambda-durable")
    ended, inv = _done(r)
    n = len(ended)
    assert n >= 4 and (ended["outcome"] == "succeeded").all()
    assert (inv["step"] == "orchestrator").all()
    assert len(inv) == 2 * n
    assert inv["billed_gb_s"].sum() == pytest.approx(32.0 * n)
    assert ended["latency_ms"].tolist() == pytest.approx([WEEK_S * 1000 + 32_000] * n)
    calls = r.metering.service_calls
    started = r.summary.docs_arrived
    # operations: start + 2 steps + 1 wait for each ended execution; the start and first step of the others
    in_flight = started - n
    assert calls["lambda:durableOperations"] == 4 * n + 2 * in_flight + (in_flight - _before_wait_running(r))
    # data written: 8 KB input + 32 KB per step result (the wait persists nothing, AWS's metering table)
    written_kb = calls["lambda:durableDataWrittenGb"] * KB_PER_GB
    assert written_kb == pytest.approx((8 + 2 * 32) * n + (8 + 32) * in_flight - 32 * _before_wait_running(r))
    # retained: what each ended execution wrote, over its 7 days + 32 s running plus 14 days, /30
    retained = (8 + 64) * n / KB_PER_GB * (WEEK_S + 32 + 14 * 86_400) / 86_400 / 30
    assert calls["lambda:durableDataRetainedGbMonths"] == pytest.approx(retained)


def _before_wait_running(r: Any) -> int:
    """Executions whose first step was still running when the window closed (start counted, step not)."""
    docs = r.documents
    window = r.summary.window_hours * 3600
    return int(((docs["outcome"] == "in_flight") & (docs["arrival_s"] > window - 30)).sum())


@pytest.mark.parametrize("wait_s", [3600, 30 * 86_400])
def test_a_long_callback_costs_no_more_compute_than_a_short_one(wait_s: float) -> None:
    """A human approval (waitForTaskToken) suspends the execution: whether it takes an hour or a month,
    each execution is 2 invocations, 2 GB-s and 1 + 1 + 3 + 1 operations; only retention grows."""
    states = {"Prepare": _task("Prepare", "Approve"),
              "Approve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Next": "Store",
                          "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}}},
              "Store": _task("Store")}
    sc = _scenario(states, "Prepare", profile={"Approve": _fixed(wait_s * 1000)}, hours=24 * 32, per_day=1)
    r = simulate(sc, "lambda-durable", detail=True)
    ended, inv = _done(r)
    n = len(ended)
    assert n >= 1 and (ended["outcome"] == "succeeded").all()
    assert len(inv) == 2 * n
    assert inv["billed_gb_s"].sum() == pytest.approx(2.0 * n)
    per_doc = r.by_state.set_index("state")["service_calls"]
    assert per_doc["Approve"] >= 3 * n  # context + callback + submitter step


def test_each_resume_replays_the_handler_billed() -> None:
    """Three waits: four invocations per execution, each after the first paying ``replay_ms``."""
    states = {"A": _task("A", "W1"), "W1": {"Type": "Wait", "Seconds": 60, "Next": "W2"},
              "W2": {"Type": "Wait", "Seconds": 60, "Next": "W3"}, "W3": {"Type": "Wait", "Seconds": 60, "Next": "B"},
              "B": _task("B")}
    base = simulate(_scenario(states, "A"), "lambda-durable")
    replayed = simulate(_scenario(states, "A", durable={"replay_ms": 250}), "lambda-durable")
    e0, i0 = _done(base)
    e1, i1 = _done(replayed)
    assert len(e0) == len(e1) and len(i0) == len(i1) == 4 * len(e0)
    extra = i1["billed_gb_s"].sum() - i0["billed_gb_s"].sum()
    # without replay, the resumes after W1 and W2 do nothing and bill Lambda's 1 ms minimum
    assert extra == pytest.approx((3 * 0.25 - 2 * 0.001) * len(e0))


def test_a_step_past_the_invocation_limit_times_out_every_time() -> None:
    """Each invocation stops at the orchestrator's timeout (``durable.timeout_s``, at most 900 s): a
    100 s step in 60 s invocations is cut at 60 s every time (billed to it), and after its two retries the
    execution fails with Sandbox.Timedout."""
    retry = [{"ErrorEquals": ["Sandbox.Timedout"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}]
    states = {"Long": _task("Long", Retry=retry)}
    r = simulate(_scenario(states, "Long", profile={"Long": _fixed(100_000)}, durable={"timeout_s": 60}, hours=3, per_day=24),
                 "lambda-durable")
    ended, inv = _done(r)
    n = len(ended)
    assert n >= 2 and (ended["outcome"] == "failed").all()
    assert len(inv) == 3 * n and (inv["result"] == "timeout").all()
    assert (inv["billed_ms"] == 60_000).all()
    assert r.by_state.set_index("state").loc["Long", "service_calls"] >= 3 * n


def test_a_step_cut_by_the_15_minute_limit_runs_again_in_a_fresh_invocation() -> None:
    """At least once per step: 60 s of work then an 850 s step pass the 900 s invocation limit, so the
    850 s step is cut (its work lost, the invocation billed 900 s); its retry runs in a new invocation,
    where it fits."""
    retry = [{"ErrorEquals": ["Sandbox.Timedout"], "IntervalSeconds": 1, "MaxAttempts": 1}]
    states = {"First": _task("First", "Long"), "Long": _task("Long", Retry=retry)}
    profile = {"First": _fixed(60_000), "Long": _fixed(850_000)}
    r = simulate(_scenario(states, "First", profile=profile, hours=3, per_day=24), "lambda-durable")
    ended, inv = _done(r)
    n = len(ended)
    assert n >= 2 and (ended["outcome"] == "succeeded").all()
    assert sorted(inv["billed_ms"].unique()) == [850_000, 900_000]
    assert len(inv) == 2 * n and (inv[inv["billed_ms"] == 900_000]["result"] == "timeout").all()
    assert ended["latency_ms"].tolist() == pytest.approx([(900 + 1 + 850) * 1000.0] * n)


def test_retried_steps_are_conserved() -> None:
    """With errors and retries, every attempt is one operation and (its backoff suspending the
    execution) one invocation: operations = executions + attempts, invocations = executions + retries."""
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}]
    states = {"A": _task("A", "B", Retry=retry), "B": _task("B", Retry=retry)}
    profile = {"A": _fixed(500, error_rate=0.3), "B": _fixed(700, error_rate=0.2)}
    r = simulate(_scenario(states, "A", profile=profile, hours=6, per_day=2400), "lambda-durable")
    s = r.summary
    assert s.docs_in_flight <= 1
    ops = r.metering.service_calls["lambda:durableOperations"]
    attempts = ops - s.docs_arrived
    retries = s.lambda_invocations - s.docs_arrived
    assert retries > 0.1 * s.docs_arrived  # errors happened
    first_attempts = attempts - retries
    # every document attempted A once; B once unless A failed for good
    assert s.docs_arrived + s.docs_succeeded - 2 <= first_attempts <= 2 * s.docs_arrived
    assert s.docs_failed == pytest.approx(s.docs_arrived * (0.3**4 + 0.2**4), abs=0.01 * s.docs_arrived + 6)


def test_parallel_branches_share_one_invocation() -> None:
    """Two 10 s branches run at once inside one invocation: 10 GB-s, not 20; operations 1 + (1 + 2) + 2."""
    states = {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "L", "States": {"L": _task("L")}}, {"StartAt": "R", "States": {"R": _task("R")}}]}}
    r = simulate(_scenario(states, "Both", profile={"L": _fixed(10_000), "R": _fixed(10_000)}), "lambda-durable")
    ended, inv = _done(r)
    n = len(ended)
    assert len(inv) == n and inv["billed_gb_s"].sum() == pytest.approx(10.0 * n)
    done_ops = 6 * n
    assert r.metering.service_calls["lambda:durableOperations"] - done_ops <= 6 * r.summary.docs_in_flight


def test_an_invoke_runs_the_task_s_own_function_while_the_orchestrator_waits() -> None:
    """``durable.operations: {B: invoke}``: B runs as its own 2,048 MB function; the orchestrator is
    suspended meanwhile (invocations: start, resume after B) and billed only A's 1 s."""
    states = {"A": _task("A", "B"), "B": _task("B")}
    profile = {"B": _fixed(5_000, memory_mb=2048)}
    r = simulate(_scenario(states, "A", profile=profile, durable={"operations": {"B": "invoke"}, "memory_mb": 1024}),
                 "lambda-durable")
    ended, inv = _done(r)
    n = len(ended)
    by = inv.groupby("step", observed=True).agg(count=("doc", "size"), gb_s=("billed_gb_s", "sum"))
    assert by.loc["orchestrator", "count"] == 2 * n
    assert by.loc["orchestrator", "gb_s"] == pytest.approx((1.0 + 0.001) * n)  # A's 1 s; the resume's 1 ms minimum
    assert by.loc["B", "count"] == n and by.loc["B", "gb_s"] == pytest.approx(10.0 * n)


def test_same_seed_same_numbers() -> None:
    states = {"A": _task("A", "W"), "W": {"Type": "Wait", "Seconds": 30, "Next": "B"}, "B": _task("B")}
    profile = {"A": {"duration": {"dist": "lognormal", "median_ms": 800, "p95_ms": 3000}, "error_rate": 0.1,
                     "init_ms": 300}}
    sc = _scenario(states, "A", profile=profile, durable={"replay_ms": 40})
    a, b = simulate(sc, "lambda-durable", detail=False), simulate(sc, "lambda-durable", detail=False)
    assert a.summary == b.summary and a.cost.total_usd == b.cost.total_usd
