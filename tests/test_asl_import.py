"""Importing Amazon States Language (orchsim.model.asl): messy files, both dialects, placeholders,
Task kinds, and one-line errors naming the state path (library and ``orchsim inspect``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import check_one_error_line, cli

from orchsim.errors import InputError
from orchsim.model.asl import Retrier, classify_resource, load_definition
from orchsim.resources import workflow_path

LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:work"


def task(nxt: str | None = None, **extra: Any) -> dict[str, Any]:
    """A Lambda Task going to ``nxt`` (or ending)."""
    out: dict[str, Any] = {"Type": "Task", "Resource": LAMBDA, **extra}
    return {**out, "Next": nxt} if nxt else {**out, "End": True}


def machine(start: str = "A", **states: Any) -> dict[str, Any]:
    return {"StartAt": start, "States": states}


MAP_WITH_OUTSIDE_NEXT = machine(
    "ProcessSections",
    ProcessSections={"Type": "Map", "ItemProcessor": machine("Extract", Extract=task("Store")), "Next": "Store"},
    Store=task(),
)

INVALID: list[tuple[str, dict[str, Any], str, str]] = [
    ("no StartAt", {"States": {"A": task()}}, "StartAt", r"required"),
    ("StartAt names no state", machine("Nope", A=task()), "StartAt", r"names no state: 'Nope'"),
    ("Next outside its item processor", MAP_WITH_OUTSIDE_NEXT,
     "States.ProcessSections.ItemProcessor.States.Extract", r"Next goes to undefined state 'Store'"),
    ("Next to an undefined state", machine(A=task("B")), "States.A", r"Next goes to undefined state 'B'"),
    ("Choice rule to an undefined state", machine(A={"Type": "Choice", "Choices": [{"Next": "Zed"}], "Default": "A"}),
     "States.A.Choices[0]", r"Next goes to undefined state 'Zed'"),
    ("Choice Default to an undefined state",
     machine(A={"Type": "Choice", "Choices": [{"Next": "B"}], "Default": "Zed"}, B=task()),
     "States.A", r"Default goes to undefined state 'Zed'"),
    ("Catch to an undefined state", machine(A=task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Oops"}])),
     "States.A.Catch[0]", r"Next goes to undefined state 'Oops'"),
    ("no terminal state reachable", machine(A=task("B"), B={"Type": "Pass", "Next": "A"}),
     "StartAt", r"no terminal state .* reachable from 'A'"),
    ("unknown Type", machine(A={"Type": "Tsk", "End": True}), "States.A.Type", r"unknown Type 'Tsk'; accepted: Task"),
    ("Map without its processor", machine(A={"Type": "Map", "End": True}), "States.A", r"needs ItemProcessor"),
    ("Parallel without Branches", machine(A={"Type": "Parallel", "End": True}), "States.A", r"needs Branches"),
    ("Choice without Choices", machine(A={"Type": "Choice", "Default": "B"}, B=task()), "States.A", r"needs Choices"),
    ("Task without Resource", machine(A={"Type": "Task", "End": True}), "States.A", r"needs Resource"),
    ("state name used twice", machine(A={"Type": "Parallel", "Branches": [machine("A", A=task())], "End": True}),
     "States.A.Branches[0].States.A", r"already used at States\.A; .*unique within the whole state machine"),
    ("neither Next nor End", machine(A={"Type": "Pass"}), "States.A", r"needs Next .* or End: true"),
    ("Choice marked End", machine(A={"Type": "Choice", "Choices": [{"Next": "A"}], "End": True}),
     "States.A", r"cannot have End"),
    ("bad JitterStrategy", machine(A=task(Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}])),
     "States.A.Retry[0].JitterStrategy", r"accepted: FULL, NONE"),
    ("BackoffRate below 1", machine(A=task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}])),
     "States.A.Retry[0].BackoffRate", r">= 1"),
]


@pytest.mark.parametrize(("case", "defn", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_each_validation_error_is_one_line_naming_the_state_path(case: str, defn: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        load_definition(defn)
    err = info.value
    assert err.field == field, f"{case}: expected the error to name {field!r}, got {err.field!r} ({err})"
    assert re.search(message, err.message), f"{case}: expected {message!r} in {err.message!r}"
    assert "\n" not in str(err), f"{case}: expected one line, got {str(err)!r}"


@pytest.mark.parametrize(("case", "defn", "field", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_each_validation_error_through_the_cli(tmp_path: Path, case: str, defn: dict[str, Any], field: str, message: str) -> None:
    path = tmp_path / "wf.asl.json"
    path.write_text(json.dumps(defn))
    check_one_error_line(cli("inspect", str(path)), field, message, case=case)


def test_trailing_commas_are_accepted_and_strings_are_left_alone() -> None:
    text = """{
      "Comment": "a comma before a brace in a string stays: ,} and ,]",
      "StartAt": "A",
      "States": {
        "A": {"Type": "Pass", "Result": [1, 2, 3,], "Next": "B",},
        "B": {"Type": "Succeed",},
      },
    }"""
    d = load_definition(text)
    assert list(d.states) == ["A", "B"], f"expected states A and B, got {list(d.states)}"


def test_tab_indented_json_is_read_as_json() -> None:
    d = load_definition('{\n\t"StartAt": "A",\n\t"States": {"A": {"Type": "Succeed"}}\n}')
    assert d.start_at == "A", "expected a tab-indented JSON text to load"


@pytest.mark.parametrize(
    ("text", "line", "first"),
    [
        ('{"StartAt": "A",\n "States": {"A": {"Type": "Pass",\n "Next": "B",\n "Next": "C"}}}', 4, 3),
        ("StartAt: A\nStates:\n  A: {Type: Succeed}\nStartAt: B\n", 4, 1),
    ],
    ids=["json", "yaml"],
)
def test_duplicate_keys_are_refused_with_their_line(text: str, line: int, first: int) -> None:
    with pytest.raises(InputError) as info:
        load_definition(text)
    msg = str(info.value)
    assert "duplicate key" in msg and f"line {line}" in msg and f"line {first}" in msg, (
        f"expected 'duplicate key' at line {line} (first at line {first}), got {msg!r}")


def test_yaml_files_and_json_files_load_alike(tmp_path: Path) -> None:
    (tmp_path / "wf.asl.yaml").write_text("StartAt: A\nStates:\n  A:\n    Type: Task\n    Resource: ${Fn}\n    End: true\n")
    d = load_definition("wf.asl.yaml", base_dir=tmp_path)
    assert d.states["A"].kind == "lambda" and d.states["A"].function == "Fn", "expected ${Fn} taken as a Lambda function"
    assert d.placeholders == ("Fn",), f"expected the placeholder listed, got {d.placeholders}"


def test_non_utf8_and_oversize_files_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.asl.json"
    bad.write_bytes('{"Comment": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        load_definition(bad)
    big = tmp_path / "big.asl.json"
    big.write_text('{"Comment": "' + "x" * 1_000_001 + '"}')
    with pytest.raises(InputError, match="larger than the 1,000,000 byte limit"):
        load_definition(big)


def test_both_dialects_are_accepted_and_data_flow_fields_ignored() -> None:
    jsonpath = machine(A=task(InputPath="$.x", Parameters={"a.$": "$.b"}, ResultSelector={"c.$": "$.d"},
                              ResultPath="$.r", OutputPath="$"))
    jsonata = {"QueryLanguage": "JSONata", **machine(A=task(Arguments={"a": "{% $states.input.b %}"},
                                                              Output="{% $states.result %}", Assign={"v": 1}))}
    for defn in (jsonpath, jsonata):
        assert load_definition(defn).states["A"].kind == "lambda", "expected data-flow fields to be ignored"
    assert load_definition(jsonata).query_language == "JSONata", "expected the JSONata query language recorded"
    legacy = machine("M", M={"Type": "Map", "Iterator": machine("X", X=task()), "End": True})
    assert load_definition(legacy).states["M"].processor is not None, "expected the legacy Iterator read as the processor"


def test_placeholders_replaced_and_the_rest_listed() -> None:
    defn = machine(A=task("B", Resource="arn:aws:lambda:${AWS::Region}:123456789012:function:${Name}"),
                   B={"Type": "Task", "Resource": "${StoreFn}", "Parameters": {"Table": "${Table}"}, "End": True})
    d = load_definition(defn, substitutions={"Name": "extract", "Table": "results"})
    assert d.states["A"].resource == "arn:aws:lambda:${AWS::Region}:123456789012:function:extract", "expected ${Name} replaced"
    assert d.states["A"].kind == "lambda" and d.states["A"].function == "extract", "expected a Lambda ARN with a placeholder region"
    assert d.states["B"].kind == "lambda" and d.states["B"].function == "StoreFn", "expected a bare placeholder taken as a Lambda"
    assert d.placeholders == ("AWS::Region", "StoreFn"), f"expected the unreplaced placeholders, got {d.placeholders}"


@pytest.mark.parametrize(
    ("resource", "kind", "service"),
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:f", "lambda", None),
        ("arn:aws:lambda:us-east-1:123456789012:function:f:live", "lambda", None),
        ("arn:aws:states:::lambda:invoke", "lambda", "lambda:invoke"),
        ("arn:aws:states:::bedrock:invokeModel", "service", "bedrock:invokeModel"),
        ("arn:aws:states:::dynamodb:putItem", "service", "dynamodb:putItem"),
        ("arn:aws:states:::sqs:sendMessage", "service", "sqs:sendMessage"),
        ("arn:aws:states:::sns:publish", "service", "sns:publish"),
        ("arn:aws:states:::events:putEvents", "service", "events:putEvents"),
        ("arn:aws:states:::states:startExecution", "service", "states:startExecution"),
        ("arn:aws:states:::aws-sdk:s3:getObject", "service", "s3:getObject"),
        ("arn:aws:states:::states:startExecution.sync:2", "job", "states:startExecution"),
        ("arn:aws:states:::glue:startJobRun.sync", "job", "glue:startJobRun"),
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", "callback", "lambda:invoke"),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "callback", "sqs:sendMessage"),
        ("arn:aws:states:us-east-1:123456789012:activity:review", "activity", None),
        ("${Fn}", "lambda", None),
        ("my-function", "lambda", None),
    ],
)
def test_task_kind_from_resource(resource: str, kind: str, service: str | None) -> None:
    got = classify_resource(resource)
    assert got[:2] == (kind, service), f"{resource}: expected ({kind}, {service}), got {got[:2]}"
    guessed = got[3] is not None
    assert guessed == (resource == "my-function"), f"{resource}: an assumption is recorded only for an unknown resource"


def test_unknown_resource_recorded_as_an_assumption() -> None:
    d = load_definition(machine(A=task(Resource="my-function")))
    assert any("'my-function' taken as a Lambda function" in a for a in d.assumptions), f"got {d.assumptions}"


def test_retry_defaults_follow_the_asl_specification() -> None:
    d = load_definition(machine(A=task(Retry=[{"ErrorEquals": ["States.ALL"]}],
                                       Catch=[{"ErrorEquals": ["States.ALL"], "Next": "F"}]), F={"Type": "Fail"}))
    assert d.states["A"].retry == (Retrier(("States.ALL",), 1.0, 3, 2.0, None, "NONE"),), "expected 1 s, 3 attempts, x2, no cap"
    assert d.states["A"].catch[0].next == "F", "expected the catcher's target"


def test_distributed_map_and_timeouts() -> None:
    proc = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, **machine("X", X=task())}
    d = load_definition({"TimeoutSeconds": 600, **machine("M", M={"Type": "Map", "ItemProcessor": proc, "MaxConcurrency": 50,
                                                             "End": True})})
    m = d.states["M"]
    assert (m.distributed, m.execution_type, m.max_concurrency) == (True, "EXPRESS", 50), f"got {m}"
    assert d.timeout_s == 600, "expected the machine's TimeoutSeconds"


@pytest.mark.parametrize("name", ["document-ai", "contract-review"])
def test_shipped_workflows_load(name: str) -> None:
    path = workflow_path(name)
    assert path.exists(), f"expected {path} shipped"
    d = load_definition(path)
    assert d.walk(), f"{name}: expected states"


def test_shipped_templated_workflow_substitutes() -> None:
    d = load_definition(workflow_path("document-ai"), substitutions={"ExtractFunctionArn": LAMBDA, "ModelId": "m",
                                                                     "ResultsTable": "t"})
    assert d.placeholders == (), f"expected every placeholder replaced, got {d.placeholders}"
