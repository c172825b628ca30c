"""Scenario validation (STYLE.md practice 3): every invalid field is rejected before anything runs,
with an :class:`InputError` whose ``field`` is the dotted path and whose message states what is
accepted; through the CLI each bad file exits 2 with one ``orchsim: error:`` line naming the path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import check_one_error_line, cli

from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, load_scenario, scenario_from_dict
from orchsim.resources import scenario_path
from orchsim.sim.run import simulate

SEED = str(scenario_path("seed-article"))  # absolute: the shipped file, wherever the package is


def three_steps(bad: dict[str, Any]) -> dict[str, Any]:
    return {"pipeline": {"steps": [{"name": "a"}, {"name": "b"}, {"name": "c", **bad}]}}


# (id, scenario mapping, expected field path, regex the message must match: the accepted bound)
BAD: list[tuple[str, dict[str, Any], str, str]] = [
    ("negative-docs", {"workload": {"docs_per_day": -5}}, "workload.docs_per_day", r"greater than 0|> ?0"),
    ("error-rate-1.5", {"pipeline": {"step": {"error_rate": 1.5}}}, "pipeline.step.error_rate",
     r"less than or equal to 1|<= ?1"),
    ("memory-64", {"pipeline": {"step": {"memory_mb": 64}}}, "pipeline.step.memory_mb",
     r"(greater than or equal to|>=) ?128"),
    ("memory-20000", {"pipeline": {"step": {"memory_mb": 20000}}}, "pipeline.step.memory_mb",
     r"(less than or equal to|<=) ?10,?240"),
    ("list-memory-64", three_steps({"memory_mb": 64}), "pipeline.steps[2].memory_mb",
     r"(greater than or equal to|>=) ?128"),
    ("list-memory-20000", three_steps({"memory_mb": 20000}), "pipeline.steps[2].memory_mb",
     r"(less than or equal to|<=) ?10,?240"),
    ("timeout-901", {"pipeline": {"step": {"timeout_s": 901}}}, "pipeline.step.timeout_s",
     r"(less than or equal to|<=) ?900"),
    ("window-0", {"window_hours": 0}, "window_hours", r"greater than 0|> ?0"),
    ("unknown-dist", {"pipeline": {"step": {"duration": {"dist": "weibull", "ms": 3}}}}, "pipeline.step.duration",
     r"fixed.*exponential.*lognormal"),
    ("unknown-top-key", {"foo": 1}, "foo", r"unknown key"),
    ("unknown-nested-key", {"workload": {"foo": 1}}, "workload.foo", r"unknown key"),
    ("unknown-list-key", three_steps({"foo": 1}), "pipeline.steps[2].foo", r"unknown key"),
    ("p95-below-median", {"pipeline": {"step": {"duration": {"dist": "lognormal", "median_ms": 800, "p95_ms": 500}}}},
     "pipeline.step.duration", r"p95_ms.*>=.*median_ms"),
    ("async-retries-3", {"chain": {"async_max_retries": 3}}, "chain.async_max_retries",
     r"(less than or equal to|<=) ?2"),
    ("event-age-30", {"chain": {"async_max_event_age_s": 30}}, "chain.async_max_event_age_s",
     r"(greater than or equal to|>=) ?60"),
    ("unknown-arrival", {"workload": {"arrival": {"kind": "weird"}}}, "workload.arrival.kind",
     r"poisson.*uniform.*diurnal.*burst"),
    ("unknown-arrival-string", {"workload": {"arrival": "weird"}}, "workload.arrival.kind",
     r"poisson.*uniform.*diurnal.*burst"),
    ("rates-above-1", {"pipeline": {"step": {"error_rate": 0.6, "fatal_error_rate": 0.6}}}, "pipeline.step",
     r"<= ?1"),
    ("steps-0", {"pipeline": {"steps": 0}}, "pipeline.steps", r"1 and 100"),
    ("concurrency-0", {"lambda": {"concurrency_limit": 0}}, "lambda.concurrency_limit",
     r"(greater than or equal to|>=) ?1"),
    ("duplicate-rate-2", {"step_functions": {"express_duplicate_rate": 2}}, "step_functions.express_duplicate_rate",
     r"(less than or equal to|<=) ?1"),
    ("trigger-cron", {"workload": {"trigger": "cron"}}, "workload.trigger", r"async.*sync"),
    ("fixed-negative", {"pipeline": {"step": {"duration": {"dist": "fixed", "ms": -1}}}}, "pipeline.step.duration.ms",
     r"(greater than or equal to|>=) ?0"),
]


# "p95_ms below median_ms" may name the duration or its p95_ms; both are the dotted path of the problem.
ALSO_OK = {"p95-below-median": {"pipeline.step.duration.p95_ms"}}


@pytest.mark.parametrize(("case", "data", "field", "accepted"), BAD, ids=[b[0] for b in BAD])
def test_invalid_field_is_rejected_with_its_path(case: str, data: dict[str, Any], field: str, accepted: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data)
    err = info.value
    assert err.field == field or err.field in ALSO_OK.get(case, set()), (
        f"{case}: expected InputError.field == {field!r}, got {err.field!r} ({err})"
    )
    assert re.search(accepted, err.message), f"{case}: expected the message to state what is accepted ({accepted!r}), got {err.message!r}"
    assert str(err).startswith(err.field), f"{case}: expected str(error) to start with the field path, got {str(err)!r}"


def test_keep_alive_range_error_names_the_rule() -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict({"lambda": {"keep_alive_s": {"low_s": 10, "high_s": 5}}})
    assert info.value.field.startswith("lambda.keep_alive_s"), f"expected the keep_alive_s path, got {info.value.field!r}"
    assert re.search(r"high_s.*>=.*low_s", info.value.message), (
        f"expected the message to say high_s must be >= low_s, got {info.value.message!r}"
    )


def test_unknown_pattern_in_library() -> None:
    with pytest.raises(InputError) as info:
        simulate(scenario_from_dict({"window_hours": 0.01}), "sfn-turbo")
    assert info.value.field == "pattern", f"expected field 'pattern', got {info.value.field!r}"
    for p in ("lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express"):
        assert p in info.value.message, f"expected the accepted pattern {p} listed, got {info.value.message!r}"


def test_unknown_region_rejected_before_running() -> None:
    with pytest.raises(InputError) as info:
        simulate(scenario_from_dict({"region": "mars-1", "window_hours": 0.01}), "sfn-standard")
    assert "region" in str(info.value) or "mars-1" in str(info.value), f"expected the region named, got {info.value}"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: broken\nworkload:\n  docs_per_day: [1\n  trigger: async\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    msg = str(info.value)
    assert re.search(r"line [34]\b", msg), f"expected the YAML error to name line 3 or 4, got {msg!r}"
    assert "YAML" in msg, f"expected the message to say it is a YAML syntax error, got {msg!r}"


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value), f"expected the missing path named, got {info.value}"


def test_non_mapping_yaml_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert info.value.field == "scenario", f"expected field 'scenario', got {info.value.field!r}"


# --- valid inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["seed-article", "ai-document-pipeline"])
def test_shipped_scenarios_load(name: str) -> None:
    path = scenario_path(name)
    assert path.is_absolute() and path.is_file(), f"expected the shipped scenario at an absolute path, got {path}"
    sc = load_scenario(path)
    assert isinstance(sc, Scenario), f"expected {name} to load into a Scenario"
    assert len(sc.steps()) == 5, f"expected {name} to describe 5 steps"
    again = scenario_from_dict(sc.to_dict())
    assert again == sc, f"expected {name} to survive to_dict -> scenario_from_dict unchanged"
    for alias in (name, f"{name}.yaml"):
        assert load_scenario(alias) == sc, f"expected load_scenario({alias!r}) to load the shipped {path.name}"


def test_a_local_file_wins_over_a_shipped_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A name is looked up among the shipped scenarios only when no such file exists."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seed-article.yaml").write_text(yaml.safe_dump({"name": "local", "window_hours": 0.5}))
    assert load_scenario("seed-article.yaml").name == "local", "expected the file in the working folder to be read"
    assert load_scenario("seed-article").name != "local", "expected a bare name without a file to find the shipped one"


def test_every_key_is_optional() -> None:
    sc = scenario_from_dict({})
    assert sc == scenario_from_dict(None), "expected {} and None to give the same default scenario"
    assert len(sc.steps()) >= 1, "expected a default pipeline with at least one step"
    assert sc.workload.docs_per_day > 0 and sc.window_hours > 0, "expected realistic defaults"


def test_with_overrides_dotted_keys() -> None:
    base = scenario_from_dict({})
    sc = base.with_overrides({"workload.docs_per_day": 5})
    assert sc.workload.docs_per_day == 5, "expected the dotted override to set workload.docs_per_day"
    assert base.workload.docs_per_day != 5, "expected the original scenario unchanged (frozen, no mutation)"
    sc2 = base.with_overrides({"lambda.concurrency_limit": 7, "retry.max_attempts": 0, "window_hours": 2})
    assert (sc2.lambda_.concurrency_limit, sc2.retry.max_attempts, sc2.window_hours) == (7, 0, 2), (
        "expected several dotted overrides, including the 'lambda' alias, to apply"
    )


@pytest.mark.parametrize("key", ["workload.nope", "nope", "nope.deeper", "workload.docs_per_day.x"])
def test_with_overrides_unknown_key_names_it(key: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict({}).with_overrides({key: 1})
    assert info.value.field == key, f"expected InputError naming {key!r}, got {info.value.field!r}"


def test_with_overrides_invalid_value_names_the_field() -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict({}).with_overrides({"workload.docs_per_day": -1})
    assert info.value.field == "workload.docs_per_day", f"expected the field path, got {info.value.field!r}"


# --- through the CLI (in process, through orchsim.cli.main) ----------------------------------------


@pytest.mark.parametrize(("case", "data", "field", "accepted"), BAD, ids=[b[0] for b in BAD])
def test_cli_bad_file_one_line_exit_2(tmp_path: Path, case: str, data: dict[str, Any], field: str, accepted: str) -> None:
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump({"window_hours": 0.01, **data}))
    check_one_error_line(cli("simulate", str(path)), {field} | ALSO_OK.get(case, set()), accepted, case=case)


@pytest.fixture
def other_bad_inputs(tmp_path: Path) -> dict[str, list[str]]:
    syntax = tmp_path / "syntax.yaml"
    syntax.write_text("name: broken\nworkload:\n  docs_per_day: [1\n  trigger: async\n")
    return {
        "yaml-syntax": ["simulate", str(syntax)],
        "unknown-pattern": ["simulate", SEED, "--pattern", "sfn-turbo"],
        "bad-window-option": ["simulate", SEED, "--window-hours", "0"],
        "missing-file": ["simulate", str(tmp_path / "nope.yaml")],
    }


OTHER = [
    ("yaml-syntax", "syntax.yaml", r"not valid YAML at line [34]\b"),
    ("unknown-pattern", "--pattern", r"sfn-turbo.*accepted: lambda-chain-sync, lambda-chain-async, sfn-standard, sfn-express"),
    ("bad-window-option", "window_hours", r"greater than 0|> ?0"),
    ("missing-file", "nope.yaml", r"cannot read"),
]


@pytest.mark.parametrize(("case", "names", "needle"), OTHER, ids=[o[0] for o in OTHER])
def test_cli_other_input_errors(other_bad_inputs: dict[str, list[str]], case: str, names: str, needle: str) -> None:
    check_one_error_line(cli(*other_bad_inputs[case]), names, needle, case=case)
