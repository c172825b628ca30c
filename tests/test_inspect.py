"""``inspect_definition`` and ``orchsim inspect``: per-document counts on hand-checked machines, the
patterns that can run a definition and why not, the JSON shape, and random valid machines.

Counting rule under test (orchsim.model.inspect): Standard charges one transition per state entered,
of every type; a Parallel is 1 + its branches' states; an inline Map 1 + items x its states; a
Distributed Map 1 + one per child execution started (+ the children's own states when Standard).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchsim.errors import InputError
from orchsim.model.asl import load_definition
from orchsim.model.inspect import PATTERN_NAMES, inspect_definition
from orchsim.resources import workflow_path

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"
BEDROCK = "arn:aws:states:::bedrock:invokeModel"


def task(nxt: str | None = None, resource: str = LAMBDA) -> dict[str, Any]:
    out: dict[str, Any] = {"Type": "Task", "Resource": resource}
    return {**out, "Next": nxt} if nxt else {**out, "End": True}


def machine(start: str, **states: Any) -> dict[str, Any]:
    return {"StartAt": start, "States": states}


def doc(defn: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return inspect_definition(load_definition(defn), **kw)


def test_linear_machine_one_transition_per_state_entered() -> None:
    # Pass, Task, Succeed: 3 states entered = 3 transitions; 1 Lambda invocation.
    r = doc(machine("P", P={"Type": "Pass", "Next": "T"}, T=task("S"), S={"Type": "Succeed"}))["per_document"]
    assert (r["state_transitions"], r["lambda_invocations"], r["service_calls"]) == (3, 1, 0), f"got {r}"


def test_parallel_is_one_plus_its_branches_states() -> None:
    # Parallel (1) + branch 0: Lambda, Bedrock (2) + branch 1: Wait (1) + Done (1) = 5.
    defn = machine("Par", Par={"Type": "Parallel", "Next": "Done", "Branches": [
        machine("L", L=task("B"), B=task(resource=BEDROCK)),
        machine("W", W={"Type": "Wait", "Seconds": 5, "End": True}),
    ]}, Done={"Type": "Succeed"})
    r = doc(defn)["per_document"]
    assert (r["state_transitions"], r["lambda_invocations"], r["service_calls"]) == (5, 1, 1), f"got {r}"
    assert r["service_calls_by_action"] == {"bedrock:invokeModel": 1}, f"got {r['service_calls_by_action']}"


def test_inline_map_is_one_plus_items_times_its_states() -> None:
    # Map (1) + 5 items x (Extract, Summarize) = 11; 5 Lambda invocations, 5 Bedrock calls.
    defn = machine("M", M={"Type": "Map", "End": True, "ItemProcessor": machine("E", E=task("S"), S=task(resource=BEDROCK))})
    r = doc(defn, map_items={"M": 5})["per_document"]
    assert (r["state_transitions"], r["lambda_invocations"], r["service_calls"]) == (11, 5, 5), f"got {r}"
    default = doc(defn)
    assert default["per_document"]["state_transitions"] == 3, "expected 1 + 1 x 2 with one item assumed"
    assert any("1 item per run assumed" in a for a in default["assumptions"]), f"got {default['assumptions']}"


@pytest.mark.parametrize(("etype", "transitions", "standard", "express"), [("STANDARD", 31, 10, 0), ("EXPRESS", 11, 0, 10)])
def test_distributed_map_charges_one_transition_per_child_execution(etype: str, transitions: int, standard: int, express: int) -> None:
    # Map (1) + 10 children started (10) + Standard children's own states 10 x 2 (Express children: none) .
    proc = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": etype}, **machine("E", E=task("S"), S=task(resource=BEDROCK))}
    r = doc(machine("M", M={"Type": "Map", "End": True, "ItemProcessor": proc}), map_items={"M": 10})["per_document"]
    assert r["state_transitions"] == transitions, f"{etype}: expected {transitions}, got {r['state_transitions']}"
    assert r["child_executions"] == {"standard": standard, "express": express}, f"got {r['child_executions']}"
    assert r["lambda_invocations"] == 10, "expected one Lambda invocation per child either way"


def test_choice_probabilities_and_default() -> None:
    # C (1) + A in 25 % of runs + B (Default) in 75 % = 2 transitions; A and B are Lambdas: 1 invocation.
    defn = machine("C", C={"Type": "Choice", "Choices": [{"Next": "A"}], "Default": "B"}, A=task(), B=task())
    r = doc(defn, choices={"C": {"A": 0.25}})
    assert r["per_document"]["state_transitions"] == 2 and r["per_document"]["lambda_invocations"] == 1, f"got {r['per_document']}"
    assumed = doc(defn)
    assert any("Default 'B' taken" in a for a in assumed["assumptions"]), f"got {assumed['assumptions']}"


def test_probabilistic_loop_has_finite_expected_visits() -> None:
    # Work -> Check; Check goes back to Work with p = 0.5, else Done: Work and Check are entered
    # 1 / (1 - 0.5) = 2 times each, Done once: 5 transitions.
    defn = machine("Work", Work=task("Check"), Check={"Type": "Choice", "Choices": [{"Next": "Work"}], "Default": "Done"},
                   Done={"Type": "Succeed"})
    r = doc(defn, choices={"Check": {"Work": 0.5}})["per_document"]
    assert (r["state_transitions"], r["lambda_invocations"], r["unbounded"]) == (5, 2, False), f"got {r}"


def test_loop_under_default_is_unbounded_and_counted_per_pass() -> None:
    # Poll -> Check; Check's Default goes back to Poll: never ends under the Default assumption.
    # One pass enters Poll and Check once: 2 transitions.
    defn = machine("Poll", Poll=task("Check"), Check={"Type": "Choice", "Choices": [{"Next": "Done"}], "Default": "Poll"},
                   Done={"Type": "Succeed"})
    r = doc(defn)
    assert r["per_document"]["unbounded"] is True and r["per_document"]["state_transitions"] == 2, f"got {r['per_document']}"
    assert any("unbounded" in a and "Check -> Poll" in a and "per pass" in a for a in r["assumptions"]), f"got {r['assumptions']}"


def test_choice_without_default_fails_with_no_choice_matched() -> None:
    # T (1) + C (1); no rule assumed to match and no Default: the execution fails at C.
    defn = machine("T", T=task("C"), C={"Type": "Choice", "Choices": [{"Next": "X"}]}, X=task())
    r = doc(defn)
    assert r["per_document"]["state_transitions"] == 2, f"got {r['per_document']}"
    assert any("States.NoChoiceMatched" in a for a in r["assumptions"]), f"got {r['assumptions']}"


@pytest.mark.parametrize(("resource", "what"), [("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "callback"),
                                                ("arn:aws:states:::glue:startJobRun.sync", ".sync"),
                                                ("arn:aws:states:us-east-1:123456789012:activity:review", "activity worker")])
def test_express_refuses_jobs_and_callbacks_naming_the_state(resource: str, what: str) -> None:
    defn = machine("Prep", Prep=task("Par"), Par={"Type": "Parallel", "End": True, "Branches": [
        machine("Approve", Approve=task(resource=resource))]})
    p = doc(defn)["patterns"]
    assert p["sfn-express"]["supported"] is False, "expected Express refused"
    reason = p["sfn-express"]["reason"]
    assert "States.Par.Branches[0].States.Approve" in reason and what in reason and "request-response" in reason, reason
    assert {k: p["sfn-standard"][k] for k in ("supported", "reason")} == {"supported": True, "reason": None}, f"got {p['sfn-standard']}"
    assert p["lambda-chain-sync"]["supported"] is True and "900 s" in p["lambda-chain-sync"]["reason"], p["lambda-chain-sync"]


def test_long_waits_refuse_express_and_the_sync_chain() -> None:
    p = doc(machine("W", W={"Type": "Wait", "Seconds": 400, "Next": "T"}, T=task()))["patterns"]
    assert p["sfn-express"]["supported"] is False and "400 s" in p["sfn-express"]["reason"], p["sfn-express"]
    assert p["lambda-chain-sync"]["supported"] is True, "400 s fits in a function's 900 s"
    p = doc(machine("W", W={"Type": "Wait", "Seconds": 1000, "Next": "T"}, T=task()))["patterns"]
    assert p["lambda-chain-sync"]["supported"] is False and "900 s" in p["lambda-chain-sync"]["reason"], p["lambda-chain-sync"]
    assert p["lambda-chain-async"]["supported"] is True, "expected the async chain to take waits as events"


def test_callback_inside_express_children_refuses_standard_too() -> None:
    proc = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            **machine("Ask", Ask=task(resource="arn:aws:states:::lambda:invoke.waitForTaskToken"))}
    p = doc(machine("M", M={"Type": "Map", "End": True, "ItemProcessor": proc}))["patterns"]
    assert p["sfn-standard"]["supported"] is False and "Ask" in p["sfn-standard"]["reason"], p["sfn-standard"]


def test_shipped_contract_review() -> None:
    # Analyze (1) + ExtractClauses, ScoreRisk (2) + CheckCounterparty (1) + RiskGate (1)
    # + AutoApprove (Default, 1) + Notify (1) = 7.
    r = inspect_definition(load_definition(workflow_path("contract-review")))
    assert r["per_document"]["state_transitions"] == 7, f"got {r['per_document']}"
    assert "HumanApproval" in r["patterns"]["sfn-express"]["reason"], r["patterns"]["sfn-express"]
    high_risk = inspect_definition(load_definition(workflow_path("contract-review")), choices={"RiskGate": {"HumanApproval": 1.0}})
    assert high_risk["per_document"]["lambda_invocations"] == 1, "expected AutoApprove skipped when every contract goes to a person"


def test_bad_choices_and_map_items_name_the_entry() -> None:
    d = load_definition(machine("C", C={"Type": "Choice", "Choices": [{"Next": "A"}], "Default": "A"}, A=task()))
    for kw, field in [({"choices": {"Nope": {"A": 1}}}, "choices.Nope"), ({"choices": {"C": {"A": 1.5}}}, "choices.C.A"),
                      ({"map_items": {"C": 3}}, "map_items.C")]:
        with pytest.raises(InputError) as info:
            inspect_definition(d, **kw)
        assert info.value.field == field, f"{kw}: expected {field!r}, got {info.value.field!r}"


def check_shape(r: dict[str, Any]) -> None:
    assert set(r) == {"states", "per_document", "patterns", "assumptions", "placeholders"}, f"got keys {set(r)}"
    for s in r["states"]:
        assert {"name", "type", "kind", "parent"} <= set(s), f"state entry {s}"
    for key in ("state_transitions", "lambda_invocations", "service_calls"):
        assert isinstance(r["per_document"][key], int | float) and r["per_document"][key] >= 0, f"{key}: {r['per_document']}"
    assert set(r["patterns"]) == set(PATTERN_NAMES), f"got {set(r['patterns'])}"
    for verdict in r["patterns"].values():
        assert isinstance(verdict["supported"], bool) and (verdict["reason"] is None or isinstance(verdict["reason"], str)), verdict
    assert all(isinstance(a, str) for a in r["assumptions"] + r["placeholders"]), "expected lists of strings"


def test_cli_json_shape_and_text() -> None:
    res = cli("inspect", "document-ai", "--json", "--substitution", "ModelId=m")
    assert res.exit_code == 0 and res.stderr == "", f"got {res}"
    r = json.loads(res.stdout)
    check_shape(r)
    assert r["placeholders"] == ["ExtractFunctionArn", "ResultsTable"], f"got {r['placeholders']}"
    text = cli("inspect", str(workflow_path("contract-review"))).stdout
    for bit in ("    ExtractClauses", "callback", "sfn-express          no; States.HumanApproval", "Default 'AutoApprove' taken"):
        assert bit in text, f"expected {bit!r} in the text output:\n{text}"


def test_cli_bad_substitution_and_unknown_name() -> None:
    from conftest import check_one_error_line

    check_one_error_line(cli("inspect", "document-ai", "--substitution", "novalue"), "--substitution", "NAME=VALUE")
    check_one_error_line(cli("inspect", "document-a"), "document-a", r"did you mean 'document-ai'")


# --- random valid machines -------------------------------------------------------------------------

RESOURCES = [LAMBDA, BEDROCK, "arn:aws:states:::dynamodb:putItem", "arn:aws:states:::lambda:invoke",
             "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "arn:aws:states:::glue:startJobRun.sync", "${Fn}"]


@st.composite
def chains(draw: st.DrawFn, depth: int = 0, counter: list[int] | None = None) -> dict[str, Any]:
    """A valid machine: a chain of 1-4 states of random types, nested Parallel/Map up to depth 2."""
    counter = counter if counter is not None else [0]
    kinds = ["Task", "Pass", "Wait", "Choice"] + (["Parallel", "Map"] if depth < 2 else [])
    n = draw(st.integers(1, 4))
    names = []
    for _ in range(n):
        counter[0] += 1
        names.append(f"S{counter[0]}")
    states: dict[str, Any] = {}
    for i, name in enumerate(names):
        nxt = names[i + 1] if i + 1 < n else None
        kind = draw(st.sampled_from(kinds))
        if kind == "Choice" and nxt is None:
            kind = "Pass"
        flow: dict[str, Any] = {"Next": nxt} if nxt else {"End": True}
        if kind == "Task":
            states[name] = {"Type": "Task", "Resource": draw(st.sampled_from(RESOURCES)), **flow}
        elif kind == "Pass":
            states[name] = {"Type": "Pass", **flow}
        elif kind == "Wait":
            states[name] = {"Type": "Wait", "Seconds": draw(st.integers(0, 2000)), **flow}
        elif kind == "Choice":
            back = draw(st.sampled_from(names[: i + 1]))
            states[name] = {"Type": "Choice", "Choices": [{"Next": back}], "Default": nxt}
        elif kind == "Parallel":
            branches = [draw(chains(depth + 1, counter)) for _ in range(draw(st.integers(1, 2)))]
            states[name] = {"Type": "Parallel", "Branches": branches, **flow}
        else:
            proc = draw(chains(depth + 1, counter))
            if draw(st.booleans()):
                proc["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": draw(st.sampled_from(["STANDARD", "EXPRESS"]))}
            states[name] = {"Type": "Map", "ItemProcessor": proc, **flow}
    return {"StartAt": names[0], "States": states}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(defn=chains(), items=st.floats(0, 50))
def test_random_valid_machines_import_and_inspect(defn: dict[str, Any], items: float) -> None:
    d = load_definition(defn)
    maps = {s.name: items for s in d.walk() if s.type == "Map"}
    r = inspect_definition(d, map_items=maps)
    check_shape(r)
    assert r["per_document"]["state_transitions"] >= 1, "expected at least the start state entered"
    if not any(s.kind in ("job", "callback") for s in d.walk()) and not any(s.type == "Wait" for s in d.walk()):
        assert r["patterns"]["sfn-express"]["supported"], f"expected Express to run it: {r['patterns']['sfn-express']}"


def test_per_pattern_counts_follow_each_patterns_rules() -> None:
    """Hand count for document-ai (5 pages): Standard runs Ocr, the Map, 5 x (Extract, Summarize), Store."""
    report = json.loads(cli("inspect", "workflow-document-ai", "--json").stdout)
    per = {p: v["per_document"] for p, v in report["patterns"].items()}
    assert per["sfn-standard"]["state_transitions"] == 13 and per["sfn-standard"]["lambda_invocations"] == 5
    assert per["sfn-express"]["state_transitions"] == 0 and per["sfn-express"]["executions"] == 1
    # a chain makes every service call from a function of its own: Ocr, 5 Extract, 5 Summarize, Store
    assert per["lambda-chain-sync"]["lambda_invocations"] == 12
    # the async chain's fan-out writes a join counter once and each page's end updates it
    calls = per["lambda-chain-async"]["service_calls"]
    assert calls["dynamodb:putItem"] == 1 + 1 and calls["dynamodb:updateItem"] == 5, calls
    assert per["sfn-standard"]["service_calls"] == {"bedrock:invokeModel": 5, "dynamodb:putItem": 1,
                                                    "textract:analyzeDocument": 1}
