"""The analytic engine for imported workflows (orchsim.analytic.graph): hand-counted closed forms."""

from __future__ import annotations

import math
from typing import Any

import pytest

from orchsim.analytic.engine import estimate
from orchsim.analytic.graph import graph_per_document
from orchsim.errors import InputError
from orchsim.model.scenario import load_scenario, scenario_from_dict

FN = "arn:aws:lambda:us-east-1:123456789012:function:f"
GB_S_PER_MS = 1024 / 1024 / 1000.0  # 1,024 MB functions
EXPRESS_GB_H_PER_MS = 64 / 1024 / 1000.0 / 3600.0


def task(nxt: str | None = None, **extra: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": FN, **extra}
    if nxt is None:
        state["End"] = True
    else:
        state["Next"] = nxt
    return state


def fixed(ms: float, **extra: Any) -> dict[str, Any]:
    return {"duration": {"dist": "fixed", "ms": ms}, **extra}


def scenario(states: dict[str, Any], start: str, *, profile: dict[str, Any] | None = None,
             choices: dict[str, Any] | None = None, map_items: dict[str, Any] | None = None,
             latency_ms: float = 0.0, **top: Any) -> Any:
    data: dict[str, Any] = {
        "pipeline": {
            "definition": {"StartAt": start, "States": states},
            "step": {"duration": {"dist": "fixed", "ms": 100}, "init_ms": 0, "memory_mb": 1024},
            "states": profile or {},
            "choices": choices or {},
            "map_items": map_items or {},
        },
        "step_functions": {"transition_latency_ms": latency_ms},
    }
    data.update(top)
    return scenario_from_dict(data)


def test_map_of_three_items_over_two_states_is_one_plus_six_transitions() -> None:
    states = {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {"A": task("B"), "B": {"Type": "Pass", "End": True}}},
                    "End": True}}
    sc = scenario(states, "M", map_items={"M": {"dist": "fixed", "n": 3}})
    doc = graph_per_document(sc, "sfn-standard")
    assert doc["transitions"] == pytest.approx(1 + 6), "Map entered once, 3 items x 2 states"
    assert doc["invocations"] == pytest.approx(3), "one Lambda invocation per item"
    assert doc["by_state"]["A"]["transitions"] == pytest.approx(3), "the item Task entered 3 times"


def test_flow_states_each_count_one_transition() -> None:
    states = {
        "P": {"Type": "Pass", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 2, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "T"}], "Default": "Done"},
        "T": task("Par"),
        "Par": {"Type": "Parallel", "Branches": [
            {"StartAt": "B1", "States": {"B1": task()}},
            {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "Next": "B3"}, "B3": {"Type": "Pass", "End": True}}},
        ], "Next": "Done"},
        "Done": {"Type": "Succeed"},
    }
    sc = scenario(states, "P", choices={"C": {"T": 0.25}})
    doc = graph_per_document(sc, "sfn-standard")
    # P, W, C, Done always; with 0.25: T, Par, B1, B2, B3
    assert doc["transitions"] == pytest.approx(4 + 0.25 * 5), "one transition per state entered"
    assert doc["invocations"] == pytest.approx(0.25 * 2), "T and B1 when the Choice goes to T"
    assert doc["latency_ms"] == pytest.approx(2000 + 0.25 * (100 + 100)), "Wait 2 s, then T and the Parallel"


@pytest.mark.parametrize("e,r", [(0.3, 3), (0.5, 1), (0.1, 0)])
def test_retries_give_geometric_attempts(e: float, r: int) -> None:
    states = {"T": task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": r}])}
    sc = scenario(states, "T", profile={"T": fixed(100, error_rate=e)})
    doc = graph_per_document(sc, "sfn-standard")
    attempts = sum(e**j for j in range(r + 1))
    assert doc["invocations"] == pytest.approx(attempts), "attempts = sum_j e^j"
    assert doc["transitions"] == pytest.approx(attempts), "one transition per attempt (entry + retries)"
    assert doc["p_succeeded"] == pytest.approx(1 - e ** (r + 1)), "success = 1 - e^(R+1)"
    assert doc["p_failed"] == pytest.approx(e ** (r + 1)), "Standard records every failure"


def test_retry_backoff_in_latency() -> None:
    states = {"T": task(Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 2}])}
    sc = scenario(states, "T", profile={"T": fixed(100, error_rate=0.5)})
    doc = graph_per_document(sc, "sfn-standard")
    assert doc["latency_ms"] == pytest.approx(100 + 0.5 * (2000 + 100)), "a retry waits IntervalSeconds then runs again"


def test_each_retrier_keeps_its_own_counter() -> None:
    e, f = 0.2, 0.3
    retry = [{"ErrorEquals": ["Err.A"], "MaxAttempts": 1}, {"ErrorEquals": ["Err.B"], "MaxAttempts": 2}]
    sc = scenario({"T": task(Retry=retry)}, "T",
                  profile={"T": fixed(100, error_rate=e, fatal_error_rate=f, error_name="Err.A", fatal_error_name="Err.B")})
    doc = graph_per_document(sc, "sfn-standard")

    def walk(a: int, b: int) -> tuple[float, float]:  # (expected attempts, P(success)) from counters (a, b)
        ra, sa = walk(a + 1, b) if a < 1 else (0.0, 0.0)
        rb, sb = walk(a, b + 1) if b < 2 else (0.0, 0.0)
        return 1 + e * ra + f * rb, (1 - e - f) + e * sa + f * sb

    attempts, ok = walk(0, 0)
    assert doc["invocations"] == pytest.approx(attempts), "per-retrier counters (first-match rule)"
    assert doc["p_succeeded"] == pytest.approx(ok)


def test_catch_routes_by_first_matching_catcher() -> None:
    e, f = 0.1, 0.05
    states = {
        "T": task("Ok", Catch=[{"ErrorEquals": ["Err.A"], "Next": "H1"}, {"ErrorEquals": ["States.ALL"], "Next": "H2"}]),
        "Ok": {"Type": "Succeed"},
        "H1": {"Type": "Pass", "End": True},
        "H2": {"Type": "Fail", "Error": "X"},
    }
    sc = scenario(states, "T", profile={"T": fixed(100, error_rate=e, fatal_error_rate=f, error_name="Err.A")})
    doc = graph_per_document(sc, "sfn-standard")
    assert doc["by_state"]["H1"]["transitions"] == pytest.approx(e), "Err.A goes to the first catcher"
    assert doc["by_state"]["H2"]["transitions"] == pytest.approx(f), "the fatal error (States.TaskFailed) to States.ALL"
    assert doc["p_succeeded"] == pytest.approx(1 - f), "H1 ends ok, H2 is a Fail state"
    assert doc["p_failed"] == pytest.approx(f)


def test_choice_loop_visits_are_geometric() -> None:
    p = 0.6
    states = {"A": task("C"), "C": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": True, "Next": "A"}],
                                    "Default": "Done"}, "Done": {"Type": "Succeed"}}
    sc = scenario(states, "A", choices={"C": {"A": p}})
    visits = 1 / (1 - p)
    std = graph_per_document(sc, "sfn-standard")
    assert std["invocations"] == pytest.approx(visits), "A visited 1/(1-p) times"
    assert std["transitions"] == pytest.approx(2 * visits + 1), "A and C per pass, Succeed once"
    assert std["latency_ms"] == pytest.approx(100 * visits), "each pass runs A once"
    sync = graph_per_document(sc, "lambda-chain-sync")
    assert sync["invocations"] == pytest.approx(visits, rel=1e-6), "the loop is a chain of nested calls"
    # pass k is billed for itself and every later pass: E[sum_k 100 (N - k + 1)] = 100 E[N(N+1)/2]
    mean_n, mean_n2 = visits, (1 + p) / (1 - p) ** 2
    assert sync["gb_s_x86_64"] == pytest.approx(100 * (mean_n2 + mean_n) / 2 * GB_S_PER_MS, rel=1e-6)


def test_sync_chain_caller_pays_for_the_slowest_branch() -> None:
    states = {"T": task("Par"), "Par": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "X", "States": {"X": task()}}, {"StartAt": "Y", "States": {"Y": task()}}]}}
    sc = scenario(states, "T", profile={"T": fixed(100), "X": fixed(300), "Y": fixed(500)})
    doc = graph_per_document(sc, "lambda-chain-sync")
    assert doc["gb_s_x86_64"] == pytest.approx((100 + 500 + 300 + 500) * GB_S_PER_MS), "T bills 100 + max(300, 500)"
    assert doc["by_state"]["T"]["gb_s"] == pytest.approx(600 * GB_S_PER_MS)
    assert doc["latency_ms"] == pytest.approx(600)
    std = graph_per_document(sc, "sfn-standard")
    assert std["gb_s_x86_64"] == pytest.approx(900 * GB_S_PER_MS), "Step Functions bills work only"
    assert std["transitions"] == pytest.approx(4)


@pytest.mark.parametrize("n,d", [(1, 100.0), (3, 250.0), (5, 800.0)])
def test_sequence_of_tasks_matches_the_linear_closed_forms(n: int, d: float) -> None:
    names = [f"S{i}" for i in range(n)]
    states = {name: task(names[i + 1] if i + 1 < n else None) for i, name in enumerate(names)}
    sc = scenario(states, "S0", profile={name: fixed(d) for name in names}, latency_ms=20)
    sync = graph_per_document(sc, "lambda-chain-sync")
    assert sync["gb_s_x86_64"] == pytest.approx(d * n * (n + 1) / 2 * GB_S_PER_MS), "sync chain bills d n(n+1)/2"
    for pattern in ("lambda-chain-async", "sfn-standard", "sfn-express"):
        doc = graph_per_document(sc, pattern)
        assert doc["gb_s_x86_64"] == pytest.approx(n * d * GB_S_PER_MS), f"{pattern} bills n d"
        assert doc["invocations"] == pytest.approx(n)
    express = graph_per_document(sc, "sfn-express")
    billed = math.ceil((n * d + n * 20) / 100) * 100
    assert express["express_gb_hours"] == pytest.approx(billed * EXPRESS_GB_H_PER_MS), "Express 100 ms / 64 MB rounding"


def test_async_chain_join_counter_writes() -> None:
    states = {
        "A": task("M"),
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "B", "States": {"B": task()}}, "Next": "Par"},
        "Par": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "X", "States": {"X": task()}}, {"StartAt": "Y", "States": {"Y": task()}}]},
    }
    sc = scenario(states, "A", map_items={"M": {"dist": "fixed", "n": 4}})
    doc = graph_per_document(sc, "lambda-chain-async")
    calls = doc["service_calls"]
    assert calls["dynamodb:putItem"] == pytest.approx(2), "one counter per fan-out"
    assert calls["dynamodb:updateItem"] == pytest.approx(4 + 2), "one write per item or branch end"
    assert doc["invocations"] == pytest.approx(1 + 4 + 2)
    assert doc["by_state"]["M"]["service_calls"] == pytest.approx(1 + 4)


def test_async_chain_wait_is_a_delayed_message() -> None:
    states = {"A": task("W"), "W": {"Type": "Wait", "Seconds": 60, "Next": "L"}, "L": {"Type": "Wait", "Seconds": 3600, "Next": "B"},
              "B": task()}
    doc = graph_per_document(scenario(states, "A"), "lambda-chain-async")
    assert doc["service_calls"] == {"sqs:sendMessage": 1.0, "scheduler:createSchedule": 1.0}, "SQS up to 900 s, else Scheduler"
    assert doc["gb_s_x86_64"] == pytest.approx(200 * GB_S_PER_MS), "nothing billed while waiting"


def test_express_bills_the_exact_ceiling_for_fixed_durations() -> None:
    states = {"A": task("Par"), "Par": {"Type": "Parallel", "Next": "D", "Branches": [
        {"StartAt": "B", "States": {"B": task()}}, {"StartAt": "C", "States": {"C": task()}}]}, "D": task()}
    sc = scenario(states, "A", profile={"A": fixed(130), "B": fixed(250), "C": fixed(420), "D": fixed(75)}, latency_ms=30)
    doc = graph_per_document(sc, "sfn-express")
    wall = (30 + 130) + (30 + 420) + (30 + 75)
    assert doc["latency_ms"] == pytest.approx(wall)
    assert doc["express_gb_hours"] == pytest.approx(800 * EXPRESS_GB_H_PER_MS), f"{wall} ms bills 800 ms"
    assert doc["express_requests"] == 1.0
    assert doc["transitions"] == 0.0


def test_map_concurrency_runs_in_waves() -> None:
    states = {"M": {"Type": "Map", "MaxConcurrency": 2, "ItemProcessor": {"StartAt": "B", "States": {"B": task()}}, "End": True}}
    sc = scenario(states, "M", map_items={"M": {"dist": "fixed", "n": 5}})
    assert graph_per_document(sc, "sfn-express")["latency_ms"] == pytest.approx(300), "5 items, 2 at once: 3 waves"
    assert graph_per_document(sc, "lambda-chain-async")["latency_ms"] == pytest.approx(100), "an async fan-out is not capped"


def test_express_limit_fails_the_long_runs() -> None:
    states = {"C": {"Type": "Choice", "Choices": [{"Variable": "$.long", "BooleanEquals": True, "Next": "W"}], "Default": "A"},
              "W": {"Type": "Wait", "Seconds": 250, "Next": "A"}, "A": task()}
    sc = scenario(states, "C", choices={"C": {"W": 0.25}}, profile={"A": fixed(60_000, timeout_s=120)},
                  step_functions={"transition_latency_ms": 0, "express_logging": True})
    doc = graph_per_document(sc, "sfn-express")
    assert doc["express_over_limit"] == pytest.approx(0.25), "a quarter of the runs last 310 s"
    assert doc["p_succeeded"] == pytest.approx(0.75)
    assert doc["p_failed"] == pytest.approx(0.25), "logged: recorded"
    assert doc["express_gb_hours"] == pytest.approx((0.75 * 60_000 + 0.25 * 300_000) * EXPRESS_GB_H_PER_MS), "billed up to 300 s"


def test_express_refuses_a_callback_naming_it() -> None:
    states = {"A": task("Ask"), "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True}}
    sc = scenario(states, "A", profile={"Ask": {"duration": {"dist": "fixed", "ms": 60_000}}})
    with pytest.raises(InputError, match="Ask") as info:
        graph_per_document(sc, "sfn-express")
    assert info.value.field == "pattern"
    std = graph_per_document(sc, "sfn-standard")
    assert std["service_calls"] == {"sqs:sendMessage": 1.0}, "Standard waits for the callback for free"
    assert std["invocations"] == pytest.approx(1)


# The shipped workflows' invariants (outcomes add to 1, by_state adds up, a cost) are checked in
# tests/test_graph_agreement.py, which evaluates them under every pattern anyway.


def test_estimate_dispatches_workflows_and_notes_refusals() -> None:
    df = estimate([load_scenario("workflow-contract-review"), load_scenario("seed-article")], ["sfn-standard", "sfn-express"])
    row = df[(df["scenario"] == "workflow-contract-review") & (df["pattern"] == "sfn-express")].iloc[0]
    assert math.isnan(row["cost_total_usd"]) and "HumanApproval" in row["contention"], "refused: NaN and a note"
    std = df[(df["scenario"] == "workflow-contract-review") & (df["pattern"] == "sfn-standard")].iloc[0]
    assert std["transitions"] > 6 and std["cost_total_usd"] > 0
    assert std["steps"] == 6, "one function per Task state"


def test_sync_chain_rerun_sees_the_same_document() -> None:
    states = {"C": {"Type": "Choice", "Choices": [{"Variable": "$.big", "BooleanEquals": True, "Next": "Slow"}], "Default": "Fast"},
              "Slow": task(), "Fast": task()}
    sc = scenario(states, "C", choices={"C": {"Slow": 0.25}}, profile={"Slow": fixed(2_000, timeout_s=1), "Fast": fixed(100)})
    doc = graph_per_document(sc, "lambda-chain-sync")  # async trigger: Lambda re-runs the chain twice
    assert doc["p_lost"] == pytest.approx(0.25), "the same Choice on every re-run: a slow document always times out"
    assert doc["invocations"] == pytest.approx(0.75 + 0.25 * 3), "three runs of the slow documents"
    assert doc["gb_s_x86_64"] == pytest.approx((0.75 * 100 + 0.25 * 3 * 1000) * GB_S_PER_MS), "each billed to its 1 s timeout"


def test_a_volume_sweep_is_interpolated_between_anchors_within_a_percent() -> None:
    from orchsim.analytic.engine import per_document
    from orchsim.analytic.graph import mixed_per_document

    sc = load_scenario("workflow-contract-review")
    vols = [100.0, 250.0, 1000.0, 2500.0, 10_000.0, 40_000.0]
    doc, *_ = mixed_per_document([sc.with_overrides({"workload.docs_per_day": v}) for v in vols], "sfn-standard",
                                 linear=per_document)
    for i in (1, 3):  # between anchors
        direct = graph_per_document(sc.with_overrides({"workload.docs_per_day": vols[i]}), "sfn-standard")
        for key in ("gb_s_x86_64", "invocations", "transitions"):
            assert doc[key][i] == pytest.approx(direct[key], rel=0.01), key
