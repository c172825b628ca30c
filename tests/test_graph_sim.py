"""The simulation runs imported workflows state by state: counts checked by hand on small machines."""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np
import pytest
from conftest import check_one_error_line, cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, load_scenario, scenario_from_dict
from orchsim.model.workflow import error_matches
from orchsim.sim.run import pattern_support, simulate

FIXED_1S = {"dist": "fixed", "ms": 1000}
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"


def _scenario(definition: dict[str, Any], *, docs: float = 240, hours: float = 1.0, trigger: str = "async",
              **pipeline: Any) -> Scenario:
    """A quiet scenario (no cold starts, no transition latency) around an inline definition."""
    data: dict[str, Any] = {
        "name": "graph-test",
        "seed": 5,
        "window_hours": hours,
        "workload": {"docs_per_day": docs * 24 / hours, "trigger": trigger},
        "pipeline": {"definition": definition, "step": {"memory_mb": 1024, "init_ms": 0, "duration": FIXED_1S,
                                                        "timeout_s": 900}, **pipeline},
        "step_functions": {"transition_latency_ms": 0},
    }
    return scenario_from_dict(data)


def _finished(res: Any) -> int:
    s = res.summary
    return s.docs_arrived - s.docs_in_flight


def _task(nxt: str | None = None, **extra: Any) -> dict[str, Any]:
    body = {"Type": "Task", "Resource": LAMBDA, **extra}
    body.update({"Next": nxt} if nxt else {"End": True})
    return body


EVERY_TYPE = {
    "StartAt": "Start",
    "States": {
        "Start": {"Type": "Pass", "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "Pause"}],
                  "Default": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Both"},
        "Both": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "A", "States": {"A": _task()}},
            {"StartAt": "Prep", "States": {"Prep": {"Type": "Pass", "Next": "B"}, "B": _task()}},
        ]},
        "Each": {"Type": "Map", "Next": "Done", "ItemProcessor": {"StartAt": "Read", "States": {
            "Read": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Next": "Work"},
            "Work": _task(),
        }}},
        "Done": {"Type": "Succeed"},
    },
}


def test_standard_counts_one_transition_per_state_entered() -> None:
    sc = _scenario(EVERY_TYPE, map_items={"Each": {"dist": "fixed", "n": 3}})
    res = simulate(sc, "sfn-standard", detail=False)
    s = res.summary
    n = _finished(res)
    assert n > 100 and s.share_succeeded == 1.0
    # Start, Route, Pause = 3; Both 1 + A + Prep + B = 4; Each 1 + 3 x (Read, Work) = 7; Done 1
    assert s.state_transitions == 15 * n, f"expected 15 transitions a document, got {s.state_transitions / n}"
    assert s.lambda_invocations == (2 + 3) * n
    assert s.service_calls == {"dynamodb:getItem": 3.0 * n}
    by_state = res.by_state.set_index("state")
    assert by_state.loc["Work", "transitions"] == 3 * n and by_state.loc["Each", "transitions"] == n
    assert by_state.loc["Read", "service_calls"] == 3 * n and by_state.loc["A", "invocations"] == n


def test_express_runs_the_same_graph_billed_by_its_wall_clock() -> None:
    sc = _scenario(EVERY_TYPE, map_items={"Each": {"dist": "fixed", "n": 3}},
                   states={"Read": {"duration": {"dist": "fixed", "ms": 200}}})
    res = simulate(sc, "sfn-express", detail=True)
    s = res.summary
    assert s.state_transitions == 0 and s.share_succeeded == 1.0
    # Wait 1 s + Parallel (both 1 s) + Map of 3 items at once (0.2 s + 1 s each) = 3.2 s
    lat = res.documents.query("outcome == 'succeeded'")["latency_ms"].to_numpy()
    assert np.allclose(lat, 3200.0), f"expected 3.2 s a document, got {np.unique(lat)[:5]}"
    assert res.metering.express_requests == s.docs_arrived - s.docs_in_flight
    # billed duration 3.2 s (a 100 ms multiple) x 64 MB
    assert res.metering.express_gb_hours == pytest.approx(res.metering.express_requests * 3.2 * 64 / 1024 / 3600)


def test_retriers_match_in_order_and_each_keeps_its_own_count() -> None:
    defn = {"StartAt": "T", "States": {"T": _task(Retry=[
        {"ErrorEquals": ["Other.Error"], "MaxAttempts": 5},
        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1},
    ])}}
    sc = _scenario(defn, states={"T": {"error_rate": 1.0, "error_name": "Custom.Error"}})
    res = simulate(sc, "sfn-standard", detail=False)
    n = _finished(res)
    assert res.summary.lambda_invocations == 3 * n, "expected the first try and States.ALL's 2 retries"
    assert res.summary.state_transitions == 3 * n, "expected one transition per try"
    assert res.summary.share_failed == 1.0


def test_task_failed_matches_a_lambda_timeout_but_not_states_timeout() -> None:
    assert error_matches(("States.TaskFailed",), "Sandbox.Timedout")
    assert not error_matches(("States.TaskFailed",), "States.Timeout")
    sandbox = {"StartAt": "T", "States": {"T": _task(Retry=[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}])}}
    sc = _scenario(sandbox, states={"T": {"timeout_s": 0.5}})
    res = simulate(sc, "sfn-standard", detail=False)
    assert res.summary.lambda_invocations == 2 * _finished(res), "expected Sandbox.Timedout retried once"
    state = {"StartAt": "T", "States": {
        "T": _task(TimeoutSeconds=1, Retry=[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 3}],
                   Catch=[{"ErrorEquals": ["States.Timeout"], "Next": "Late"}]),
        "Late": {"Type": "Pass", "End": True}}}
    sc = _scenario(state, states={"T": {"duration": {"dist": "fixed", "ms": 2000}}})
    res = simulate(sc, "sfn-standard", detail=False)
    n = _finished(res)
    assert res.summary.share_succeeded == 1.0, "expected States.Timeout caught"
    assert res.summary.state_transitions == 2 * n, "expected no retry of States.Timeout, then Late"
    assert res.summary.orphaned_invocations >= n - 2, "expected the Lambda past TimeoutSeconds billed as an orphan"


def test_catch_routes_a_fatal_error_and_the_document_succeeds() -> None:
    defn = {"StartAt": "T", "States": {
        "T": _task("Ok", Catch=[{"ErrorEquals": ["Bad.Input"], "Next": "Fallback"}]),
        "Ok": {"Type": "Succeed"},
        "Fallback": _task()}}
    sc = _scenario(defn, states={"T": {"fatal_error_rate": 1.0, "fatal_error_name": "Bad.Input"}})
    for pattern in ("sfn-standard", "lambda-chain-async", "lambda-chain-sync"):
        res = simulate(sc, pattern, detail=False)
        assert res.summary.share_succeeded == 1.0, f"{pattern}: expected the catcher to save every document"
        assert res.by_state.set_index("state").loc["Fallback", "invocations"] == _finished(res), pattern


def test_map_never_runs_more_items_than_max_concurrency() -> None:
    defn = {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "End": True,
                                             "ItemProcessor": {"StartAt": "W", "States": {"W": _task()}}}}}
    sc = _scenario(defn, docs=20, map_items={"M": {"dist": "fixed", "n": 6}})
    for pattern in ("sfn-standard", "lambda-chain-sync"):
        res = simulate(sc, pattern, detail=True)
        inv = res.invocations
        ok = res.documents.query("outcome == 'succeeded'")
        assert len(ok) > 10
        for doc in ok["doc"].head(5):
            rows = inv[(inv["doc"] == doc) & (inv["step"] == "W")]
            edges = sorted([(t, 1) for t in rows["start_s"]] + [(t, -1) for t in rows["end_s"]], key=lambda e: (e[0], e[1]))
            running = np.cumsum([d for _, d in edges])
            assert running.max() == 2, f"{pattern}: expected at most 2 items at once, got {running.max()}"
        assert np.allclose(ok["latency_ms"], 3000.0, atol=1.0), f"{pattern}: expected 3 waves of 1 s"


def test_an_inline_map_runs_at_most_40_items_at_once() -> None:
    defn = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True,
                                             "ItemProcessor": {"StartAt": "W", "States": {"W": _task()}}}}}
    sc = _scenario(defn, docs=4, map_items={"M": {"dist": "fixed", "n": 100}})
    res = simulate(sc, "sfn-express", detail=True)
    lat = res.documents.query("outcome == 'succeeded'")["latency_ms"]
    assert len(lat) and np.allclose(lat, 3000.0, atol=1.0), "expected 100 items in waves of 40: 3 s"


def test_distributed_map_children_are_billed_as_their_type() -> None:
    defn = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemBatcher": {"MaxItemsPerBatch": 2},
                                             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED",
                                                                                   "ExecutionType": "EXPRESS"},
                                                               "StartAt": "W", "States": {"W": _task()}}}}}
    sc = _scenario(defn, map_items={"M": {"dist": "fixed", "n": 5}})
    res = simulate(sc, "sfn-standard", detail=False)
    n = _finished(res)
    assert res.metering.express_requests == 3 * n, "expected ceil(5 / 2) = 3 Express children a document"
    assert res.summary.state_transitions == (1 + 3) * n, "expected the Map state plus one per child started"


def test_express_refuses_a_callback_naming_the_state(tmp_path: Any) -> None:
    defn = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "End": True,
                                                 "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken"}}}
    sc = _scenario(defn, states={"Ask": {"duration": {"dist": "fixed", "ms": 60000}}})
    assert pattern_support(sc)["sfn-express"] is not None
    with pytest.raises(InputError) as info:
        simulate(sc, "sfn-express")
    assert "States.Ask" in info.value.message and "waitForTaskToken" in info.value.message
    path = tmp_path / "cb.yaml"
    path.write_text(json.dumps(sc.to_dict()))
    check_one_error_line(cli("simulate", str(path), "--pattern", "sfn-express"), "--pattern", r"Express workflows support only")
    res = cli("simulate", str(path), "--json", "--window-hours", "0.5")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert {"pattern": "sfn-express", "supported": False, "reason": pattern_support(sc)["sfn-express"]} in rows
    assert {r["pattern"] for r in rows if "summary" in r or r.get("supported", True)} >= {"sfn-standard"}


def test_the_sync_chain_times_out_on_a_long_callback_and_standard_waits_free() -> None:
    defn = {"StartAt": "Ask", "States": {
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Next": "T"},
        "T": _task()}}
    sc = _scenario(defn, trigger="sync", states={"Ask": {"duration": {"dist": "fixed", "ms": 1_200_000}, "timeout_s": 900}})
    sync = simulate(sc, "lambda-chain-sync", detail=False)
    assert sync.summary.docs_succeeded == 0 and sync.summary.docs_failed > 0, "expected every wait to pass 900 s"
    # each document's waiting function is billed to its 900 s timeout (1,024 MB)
    assert sync.summary.billed_gb_s == pytest.approx(900.0 * sync.summary.docs_failed, rel=1e-6)
    std = simulate(sc, "sfn-standard", detail=False)
    n = _finished(std)
    assert std.summary.share_succeeded == 1.0 and std.summary.billed_gb_s == pytest.approx(1.0 * n)
    asy = simulate(sc, "lambda-chain-async", detail=False)
    assert asy.summary.billed_gb_s == pytest.approx(1.0 * _finished(asy)), "expected the async chain free while waiting"


def test_the_sync_caller_is_billed_while_its_branches_run() -> None:
    defn = {"StartAt": "First", "States": {
        "First": _task("Both"),
        "Both": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "A", "States": {"A": _task()}},
            {"StartAt": "B", "States": {"B": _task()}}]}}}
    sc = _scenario(defn, trigger="sync", states={"B": {"duration": {"dist": "fixed", "ms": 2000}}})
    res = simulate(sc, "lambda-chain-sync", detail=False)
    n = _finished(res)
    # First: 1 s + max(1, 2) s waiting; A 1 s; B 2 s
    assert res.summary.billed_gb_s == pytest.approx((3 + 1 + 2) * n)
    assert res.summary.lambda_invocations == 3 * n


def test_the_async_chain_joins_on_a_counter_table() -> None:
    defn = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "Next": "Later", "Branches": [
        {"StartAt": "A", "States": {"A": _task()}}, {"StartAt": "B", "States": {"B": _task()}}]},
        "Later": {"Type": "Wait", "Seconds": 1200, "Next": "Soon"},
        "Soon": {"Type": "Wait", "Seconds": 60, "End": True}}}
    sc = _scenario(defn, hours=3)
    res = simulate(sc, "lambda-chain-async", detail=False)
    n = _finished(res)
    calls = res.summary.service_calls
    # one counter per fan-out, one write per branch end; a 1,200 s wait goes through the Scheduler,
    # a 60 s one through an SQS delay (documents still in a wait at the window's end made the call)
    assert calls["dynamodb:updateItem"] == 2 * calls["dynamodb:putItem"]
    assert calls["scheduler:createSchedule"] == calls["dynamodb:putItem"] >= calls["sqs:sendMessage"] >= n
    assert set(calls) == {"dynamodb:putItem", "dynamodb:updateItem", "scheduler:createSchedule", "sqs:sendMessage"}


def test_a_chain_rerun_takes_the_same_choice() -> None:
    """A document is what it is: the async trigger's re-run of a failed sync chain routes it the same way."""
    defn = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "Bad"}], "Default": "Good"},
        "Bad": _task(), "Good": {"Type": "Succeed"}}}
    sc = _scenario(defn, choices={"C": {"Bad": 0.5}}, states={"Bad": {"error_rate": 1.0}})
    res = simulate(sc, "lambda-chain-sync", detail=True)
    s = res.summary
    assert 0.35 < s.share_lost < 0.65 and s.share_lost + s.share_succeeded == 1.0
    docs = res.documents
    assert (docs.query("outcome == 'lost'")["attempts"] == 3).all(), "expected each bad document tried three times"
    assert (docs.query("outcome == 'succeeded'")["attempts"] == 0).all(), "expected good documents never to call Bad"


def test_same_seed_same_numbers() -> None:
    sc = _scenario(EVERY_TYPE, map_items={"Each": {"dist": "poisson", "mean": 2}}, choices={"Route": {"Pause": 0.5}},
                   states={"Work": {"error_rate": 0.3}})
    for pattern in ("sfn-standard", "lambda-chain-sync", "lambda-chain-async", "sfn-express"):
        a, b = (simulate(sc, pattern, detail=False).summary for _ in range(2))
        assert a == b, pattern


# --- conservation on random graphs ------------------------------------------------------------------


_NAMES = itertools.count()


@st.composite
def _machines(draw: Any, depth: int = 0) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    names = [f"S{depth}_{next(_NAMES)}" for _ in range(n)]
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        nxt = names[i + 1] if i + 1 < n else None
        kind = draw(st.sampled_from(["task", "service", "pass", "choice", "parallel", "map"] if depth < 1
                                    else ["task", "service", "pass", "choice"]))
        end = {"Next": nxt} if nxt else {"End": True}
        retry = draw(st.sampled_from([[], [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}]]))
        if kind == "task":
            states[name] = {"Type": "Task", "Resource": LAMBDA, "Retry": retry, **end}
        elif kind == "service":
            states[name] = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", **end}
        elif kind == "pass":
            states[name] = {"Type": "Pass", **end}
        elif kind == "choice":
            target = nxt or f"{name}_end"
            if not nxt:
                states[target] = {"Type": "Fail"} if draw(st.booleans()) else {"Type": "Succeed"}
            states[name] = {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": target}],
                            "Default": target}
        elif kind == "parallel":
            states[name] = {"Type": "Parallel", "Branches": [draw(_machines(depth + 1)) for _ in range(2)], **end,
                            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": nxt}] if nxt else []}
        else:
            states[name] = {"Type": "Map", "MaxConcurrency": draw(st.integers(0, 3)),
                            "ItemProcessor": draw(_machines(depth + 1)), **end}
    return {"StartAt": names[0], "States": states}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(defn=_machines(), error=st.sampled_from([0.0, 0.3]), trigger=st.sampled_from(["sync", "async"]))
def test_every_document_ends_in_exactly_one_outcome(defn: dict[str, Any], error: float, trigger: str) -> None:
    maps = {n: {"dist": "poisson", "mean": 2} for n, s in _walk(defn) if s["Type"] == "Map"}
    tasks = {n: {"error_rate": error, "duration": {"dist": "lognormal", "median_ms": 500, "p95_ms": 2000}}
             for n, s in _walk(defn) if s["Type"] == "Task" and s["Resource"] == LAMBDA}
    sc = _scenario(defn, docs=40, hours=0.5, trigger=trigger, map_items=maps, states=tasks)
    for pattern, why in pattern_support(sc).items():
        if why:
            continue
        res = simulate(sc, pattern, detail=True)
        s = res.summary
        assert s.docs_succeeded + s.docs_failed + s.docs_lost + s.docs_in_flight == s.docs_arrived, pattern
        assert len(res.documents) == s.docs_arrived
        assert res.summary.lambda_invocations == len(res.invocations.query("result != 'throttled'")), pattern


def _walk(defn: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, body in defn["States"].items():
        out.append((name, body))
        for b in body.get("Branches", []):
            out += _walk(b)
        if "ItemProcessor" in body:
            out += _walk(body["ItemProcessor"])
    return out


def test_the_history_has_a_lane_per_map_item() -> None:
    from orchsim.charts.timeline import timeline_segments

    defn = {"StartAt": "First", "States": {"First": _task("M"), "M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel",
                                               "Next": "W"}, "W": _task()}}}}}
    sc = _scenario(defn, docs=10, map_items={"M": {"dist": "fixed", "n": 5}})
    res = simulate(sc, "sfn-standard", detail=True)
    spans = res.spans[res.spans["doc"] == 0]
    assert sorted(set(spans["lane"])) == ["", "M 1", "M 2", "M 3", "M 4", "M 5"]
    assert (spans.groupby("kind", observed=True).size().to_dict() == {"lambda": 6, "service": 5})
    segs = timeline_segments(res, 0)
    assert segs.attrs["rows"] == ["First", "Call #1", "Call #2", "Call #3 (+2 more)", "W #1", "W #2", "W #3 (+2 more)"]
    assert set(segs["kind"]) == {"working", "service call (no Lambda)"}
    sync = timeline_segments(simulate(sc, "lambda-chain-sync", detail=True), 0)
    assert "waiting on callee" in set(sync["kind"]), "expected callers drawn waiting"


def test_a_linear_pipeline_written_as_asl_gives_the_linear_engines_numbers() -> None:
    """The graph engine draws the same numbers as the linear engines (common random numbers): Standard,
    Express and the async chain agree exactly; the sync chain within 2% (its re-runs draw in another order)."""
    sc = load_scenario("ai-document-pipeline").with_overrides({"window_hours": 0.5})
    graph = sc.as_workflow()
    assert graph.pipeline.definition is not None and [s.name for s in graph.steps()] == [s.name for s in sc.steps()]
    for pattern in ("sfn-standard", "sfn-express", "lambda-chain-async", "lambda-chain-sync"):
        a, b = simulate(sc, pattern, detail=False), simulate(graph, pattern, detail=False)
        if pattern == "lambda-chain-sync":
            assert b.cost.total_usd == pytest.approx(a.cost.total_usd, rel=0.02)
            continue
        assert b.summary.lambda_invocations == a.summary.lambda_invocations, pattern
        assert b.summary.state_transitions == a.summary.state_transitions, pattern
        assert b.cost.total_usd == pytest.approx(a.cost.total_usd, rel=1e-12), pattern


def test_defaults_run_the_patterns_that_can_and_linear_notebooks_refuse_a_workflow() -> None:
    from orchsim.report.params import check_overrides
    from orchsim.sim.run import simulate_patterns
    from orchsim.study.sweep import sweep

    sc = load_scenario("workflow-contract-review").with_overrides({"window_hours": 0.25})
    can = ["lambda-chain-sync", "lambda-chain-async", "sfn-standard", "lambda-durable"]
    assert [r.pattern for r in simulate_patterns(sc, detail=False)] == can
    df = sweep(sc, {"pipeline.step.memory_mb": [512, 1024]}, progress=False)
    assert set(df["pattern"]) == set(can) and df["error"].isna().all()
    with pytest.raises(InputError) as info:
        sc.with_overrides({"pipeline.steps": 3})
    assert info.value.field == "pipeline.steps"
    with pytest.raises(InputError) as info:
        check_overrides("02-cost-crossover", {"scenario": "workflow-contract-review"})
    assert "06-your-workflow" in info.value.message
    check_overrides("06-your-workflow", {"scenario": "seed-article"})  # a linear pipeline runs as a Task chain there


def test_compare_leaves_out_what_cannot_run_and_names_unpriced_calls() -> None:
    res = cli("compare", "workflow-contract-review")
    assert res.exit_code == 0, res.stderr
    out = res.stdout
    assert "workflow contract-review (6 Task states)" in out and "nan" not in out
    assert "cheapest: lambda-chain-async" in out, out
    assert "not run: sfn-express:" in out and "counted, not priced (not in the totals): bedrock:invokeModel" in out
