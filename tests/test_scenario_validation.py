"""Scenario validation (STYLE.md practice 3): every invalid field is rejected before anything runs,
with an :class:`InputError` whose ``field`` is the dotted path and whose message states what is
accepted; through the CLI each bad file exits 2 with one ``orchsim: error:`` line naming the path.
"""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, load_scenario, scenario_from_dict
from orchsim.sim.run import simulate

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "data" / "scenarios"


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


@pytest.mark.parametrize("name", ["seed-article.yaml", "ai-document-pipeline.yaml"])
def test_shipped_scenarios_load(name: str) -> None:
    sc = load_scenario(SCENARIOS / name)
    assert isinstance(sc, Scenario), f"expected {name} to load into a Scenario"
    assert len(sc.steps()) == 5, f"expected {name} to describe 5 steps"
    again = scenario_from_dict(sc.to_dict())
    assert again == sc, f"expected {name} to survive to_dict -> scenario_from_dict unchanged"


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


# --- through the CLI --------------------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchsim.cli", *args],
        capture_output=True, text=True, cwd=REPO, timeout=120, check=False,
    )


CLI_CASES = [b for b in BAD if b[0] not in {"unknown-arrival-string", "rates-above-1", "concurrency-0", "trigger-cron"}]


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """One CLI process per bad input (about 20, four at a time): the slow part of this file."""
    folder = tmp_path_factory.mktemp("bad-scenarios")
    jobs: dict[str, list[str]] = {}
    for case, data, _, _ in CLI_CASES:
        path = folder / f"{case}.yaml"
        path.write_text(yaml.safe_dump({"window_hours": 0.01, **data}))
        jobs[case] = ["simulate", str(path)]
    syntax = folder / "syntax.yaml"
    syntax.write_text("name: broken\nworkload:\n  docs_per_day: [1\n  trigger: async\n")
    jobs["yaml-syntax"] = ["simulate", str(syntax)]
    jobs["unknown-pattern"] = ["simulate", str(SCENARIOS / "seed-article.yaml"), "--pattern", "sfn-turbo"]
    jobs["bad-window-option"] = ["simulate", str(SCENARIOS / "seed-article.yaml"), "--window-hours", "0"]
    jobs["missing-file"] = ["simulate", str(folder / "nope.yaml")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(jobs, pool.map(lambda argv: cli(*argv), jobs.values()), strict=True))
    return results


def check_one_error_line(proc: subprocess.CompletedProcess[str], case: str) -> str:
    assert proc.returncode == 2, f"{case}: expected exit status 2, got {proc.returncode}; stderr: {proc.stderr!r}"
    assert "Traceback" not in proc.stderr, f"{case}: expected no traceback, got:\n{proc.stderr}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"{case}: expected exactly one stderr line, got {lines}"
    assert lines[0].startswith("orchsim: error:"), f"{case}: expected 'orchsim: error:' prefix, got {lines[0]!r}"
    assert proc.stdout.strip() == "", f"{case}: expected nothing simulated or printed on stdout, got {proc.stdout!r}"
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "field", "accepted"), [(b[0], b[2], b[3]) for b in CLI_CASES], ids=[b[0] for b in CLI_CASES])
def test_cli_bad_file_one_line_exit_2(cli_runs: dict[str, Any], case: str, field: str, accepted: str) -> None:
    line = check_one_error_line(cli_runs[case], case)
    fields = {field} | ALSO_OK.get(case, set())
    assert any(f in line for f in fields), f"{case}: expected the error line to name {field!r}, got {line!r}"
    assert re.search(accepted, line), f"{case}: expected the line to state what is accepted ({accepted!r}), got {line!r}"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "needle"),
    [
        ("yaml-syntax", r"line [34]\b"),
        ("unknown-pattern", r"--pattern.*sfn-turbo.*lambda-chain-sync"),
        ("bad-window-option", r"window_hours"),
        ("missing-file", r"nope\.yaml"),
    ],
)
def test_cli_other_input_errors(cli_runs: dict[str, Any], case: str, needle: str) -> None:
    line = check_one_error_line(cli_runs[case], case)
    assert re.search(needle, line), f"{case}: expected the error line to match {needle!r}, got {line!r}"
