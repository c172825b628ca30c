"""A scenario that names an Amazon States Language definition and profiles it (``pipeline.definition``).

Unit tests of the schema (where the definition comes from, each validation error one line naming its
path), of the engines' refusal (imported workflows are inspected, not yet simulated or priced) and of
``orchsim inspect SCENARIO`` using the profile.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import check_one_error_line, cli

from orchsim.analytic.params import params_from_scenarios
from orchsim.errors import InputError
from orchsim.model.asl import Definition
from orchsim.model.scenario import PoissonCount, load_scenario, scenario_from_dict
from orchsim.resources import scenario_path, workflow_path

INLINE: dict[str, Any] = {
    "StartAt": "Work",
    "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "Next": "Gate"},
        "Gate": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Fan"}], "Default": "Done"},
        "Fan": {"Type": "Map", "Next": "Done", "ItemProcessor": {"StartAt": "Item", "States": {
            "Item": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True}}}},
        "Done": {"Type": "Succeed"},
    },
}


def _pipeline(**keys: Any) -> dict[str, Any]:
    return {"pipeline": {"definition": INLINE, **keys}}


# --- loading ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["workflow-document-ai", "workflow-contract-review"])
def test_shipped_workflow_scenarios_load_and_round_trip(name: str) -> None:
    sc = load_scenario(scenario_path(name))
    assert isinstance(sc.pipeline.workflow, Definition), f"expected {name} to carry its loaded definition"
    assert sc.pipeline.workflow.placeholders == (), f"expected every placeholder of {name} substituted"
    assert scenario_from_dict(sc.to_dict()) == sc, f"expected {name} to survive to_dict -> scenario_from_dict"
    assert load_scenario(name) == sc, f"expected load_scenario({name!r}) to load the shipped file"
    varied = sc.with_overrides({"workload.docs_per_day": 10, "pipeline.step.memory_mb": 512})
    assert varied.pipeline.step.memory_mb == 512 and varied.pipeline.workflow == sc.pipeline.workflow, (
        "expected with_overrides to keep the definition"
    )


def test_relative_definition_resolves_against_the_scenario_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "w.asl.json").write_text(json.dumps(INLINE))
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "s.yaml").write_text("pipeline:\n  definition: ../flows/w.asl.json\n")
    monkeypatch.chdir(tmp_path / "flows")  # not the scenario's folder: the path must not depend on it
    sc = load_scenario(tmp_path / "scen" / "s.yaml")
    assert sc.pipeline.workflow is not None and set(sc.pipeline.workflow.states) == set(INLINE["States"])
    assert Path(str(sc.pipeline.definition)).is_absolute(), "expected the relative path stored resolved"
    assert scenario_from_dict(sc.to_dict()) == sc, "expected a resolved path to round-trip anywhere"


def test_inline_and_shipped_name_definitions() -> None:
    inline = scenario_from_dict(_pipeline())
    assert inline.pipeline.workflow is not None and inline.pipeline.workflow.start_at == "Work"
    assert scenario_from_dict(inline.to_dict()) == inline, "expected an inline definition to round-trip"
    shipped = scenario_from_dict({"pipeline": {"definition": "document-ai"}})
    assert shipped.pipeline.workflow is not None and "ProcessPages" in shipped.pipeline.workflow.states
    absolute = scenario_from_dict({"pipeline": {"definition": str(workflow_path("contract-review"))}})
    assert scenario_from_dict(absolute.to_dict()) == absolute, "expected an absolute path to round-trip"


def test_scenarios_without_a_definition_dump_as_before() -> None:
    data = load_scenario("seed-article").to_dict()["pipeline"]
    assert set(data) == {"steps", "step"}, f"expected no profile keys in a plain pipeline, got {sorted(data)}"


def test_map_item_means() -> None:
    sc = scenario_from_dict(_pipeline(map_items={"Fan": {"dist": "lognormal", "median": 4, "p95": 4}}))
    assert sc.pipeline.map_item_means() == {"Fan": pytest.approx(4.0)}
    sc = scenario_from_dict(_pipeline(map_items={"Fan": {"dist": "uniform", "low": 2, "high": 6}}))
    assert sc.pipeline.map_item_means() == {"Fan": 4.0}
    assert PoissonCount(mean=3).mean_items() == 3.0


# --- validation -------------------------------------------------------------------------------------

BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"pipeline": {"definition": INLINE, "steps": 3}}, "pipeline.definition", r"pipeline\.steps are exclusive"),
    (_pipeline(states={"Wrk": {"memory_mb": 2048}}), "pipeline.states.Wrk", r"did you mean 'Work'"),
    (_pipeline(states={"Gate": {"memory_mb": 2048}}), "pipeline.states.Gate", r"accepted: Task and Wait states"),
    (_pipeline(states={"Work": {"memory_mb": 99}}), "pipeline.states.Work.memory_mb", r"128"),
    (_pipeline(states={"Item": {"arch": "arm64"}}), "pipeline.states.Item.arch", r"accepted: duration"),
    (_pipeline(states={"Work": 5}), "pipeline.states.Work", r"mapping of step keys"),
    (_pipeline(choices={"Gat": {"Fan": 0.5}}), "pipeline.choices.Gat", r"did you mean 'Gate'"),
    (_pipeline(choices={"Gate": {"Work": 0.5}}), "pipeline.choices.Gate.Work", r"accepted: Done, Fan"),
    (_pipeline(choices={"Gate": {"Fan": 1.5}}), "pipeline.choices.Gate.Fan", r"0 <= value <= 1"),
    (_pipeline(choices={"Gate": {"Fan": True}}), "pipeline.choices.Gate.Fan", r"0 <= value <= 1"),
    (_pipeline(choices={"Gate": {"Fan": 0.7, "Done": 0.6}}), "pipeline.choices.Gate", r"sum <= 1"),
    (_pipeline(map_items={"Fn": {"dist": "poisson", "mean": 3}}), "pipeline.map_items.Fn", r"did you mean 'Fan'"),
    (_pipeline(map_items={"Fan": {"dist": "normal"}}), "pipeline.map_items.Fan", r"fixed \| poisson"),
    (_pipeline(map_items={"Fan": {"dist": "poisson", "mean": -1}}), "pipeline.map_items.Fan.mean", r"accepted: 0 <= value"),
    (_pipeline(map_items={"Fan": {"dist": "uniform", "low": 5, "high": 2}}), "pipeline.map_items.Fan", r"high must be >= low"),
    ({"pipeline": {"map_items": {"Fan": {"dist": "fixed", "n": 2}}}}, "pipeline.map_items", r"give pipeline.definition"),
    ({"pipeline": {"definition": "no-such-flow"}}, "pipeline.definition", r"accepted: a path"),
    ({"pipeline": {"definition": "document-a"}}, "pipeline.definition", r"did you mean 'document-ai'"),
    ({"pipeline": {"definition": {"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}}}, "pipeline.definition.StartAt",
     r"names no state"),
    ({"pipeline": {"definition": INLINE, "substitutions": {"A": [1]}}}, "pipeline.substitutions.A", r"must be a string"),
]


@pytest.mark.parametrize(("data", "field", "accepted"), BAD, ids=[b[1] + ":" + b[2][:20] for b in BAD])
def test_each_profile_error_is_one_line_naming_its_path(data: dict[str, Any], field: str, accepted: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data)
    err = info.value
    assert err.field == field, f"expected the error to name {field!r}, got {err.field!r} ({err})"
    assert "\n" not in str(err), f"expected one line, got {str(err)!r}"
    assert re.search(accepted, err.message), f"expected {accepted!r} in {err.message!r}"


def test_a_bad_scenario_file_is_one_cli_error_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("pipeline:\n  definition: document-ai\n  states: {Extrct: {memory_mb: 2048}}\n")
    check_one_error_line(cli("inspect", str(path)), "pipeline.states.Extrct", r"did you mean 'Extract'")


# --- engines ---------------------------------------------------------------------------------------


def test_the_linear_analytic_engine_refuses_a_graph() -> None:
    with pytest.raises(InputError) as info:
        params_from_scenarios([load_scenario("workflow-document-ai")])
    assert info.value.field == "pipeline.definition", f"expected pipeline.definition, got {info.value.field!r}"


def test_an_imported_workflow_has_one_step_per_task_state() -> None:
    steps = load_scenario("workflow-document-ai").steps()
    assert [s.name for s in steps] == ["Ocr", "Extract", "Summarize", "Store"]
    assert steps[1].memory_mb == 1536, "expected the Extract profile's memory"


# --- inspect uses the profile -----------------------------------------------------------------------


def test_inspect_document_ai_counts_five_pages_by_hand() -> None:
    res = cli("inspect", "workflow-document-ai", "--json")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    doc = report["per_document"]
    # Ocr + ProcessPages + 5 pages x (Extract + Summarize) + Store = 13 states entered
    assert doc["state_transitions"] == 1 + 1 + 5 * 2 + 1, f"expected 13 transitions, got {doc}"
    assert doc["lambda_invocations"] == 5 and doc["service_calls"] == 1 + 5 + 1, f"unexpected counts {doc}"
    assert report["placeholders"] == [], "expected the scenario's substitutions applied"
    assert report["profile"]["map_items"]["ProcessPages"]["mean_items"] == 5


def test_inspect_contract_review_uses_the_choice_probability() -> None:
    report = json.loads(cli("inspect", str(scenario_path("workflow-contract-review")), "--json").stdout)
    # Analyze + 3 branch states + RiskGate + (HumanApproval or AutoApprove) + Notify = 7
    assert report["per_document"]["state_transitions"] == 7
    assert report["per_document"]["service_calls_by_action"]["sqs:sendMessage"] == pytest.approx(0.15)
    assert report["per_document"]["lambda_invocations"] == pytest.approx(1 + 0.85)
    text = cli("inspect", "workflow-contract-review.yaml").stdout
    assert "choices.RiskGate: HumanApproval 0.15" in text, f"expected the profile printed, got:\n{text}"


def test_inspect_of_a_scenario_without_a_definition_is_one_line() -> None:
    check_one_error_line(cli("inspect", "seed-article.yaml"), "pipeline.definition", r"pipeline\.definition")
