"""``orchsim.fit.profile``: per-function and per-state figures from known REPORT lines and histories,
the ``--json`` schema, and the profile round trip (write, merge into ``seed-article``, simulate)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchsim import simulate
from orchsim.errors import InputError
from orchsim.fit.parse import Parsed, parse_files, parse_text
from orchsim.fit.profile import FitResult, fit_logs, format_fit, merge_profile, write_profile
from orchsim.model.dists import Empirical, LogNormal
from orchsim.model.scenario import load_scenario

LOGS = Path(__file__).parent / "data" / "logs"
T0 = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
SPACING_S = 60  # seconds between fa's invocations


def _line(ts: datetime | None, rid: int, duration: float, billed: int, memory: int, used: int,
          init: float | None = None, status: str | None = None) -> str:
    head = f"{ts.isoformat().replace('+00:00', 'Z')} " if ts is not None else ""
    tail = f"\tInit Duration: {init} ms" if init is not None else ""
    tail += f"\tStatus: {status}" if status else ""
    return (f"{head}REPORT RequestId: 00000000-0000-4000-8000-{rid:012d}\tDuration: {duration} ms\t"
            f"Billed Duration: {billed} ms\tMemory Size: {memory} MB\tMax Memory Used: {used} MB{tail}")


def _fa_text() -> str:
    """10 invocations, 2025-09 (1 ms billing, INIT billed): 100..1000 ms, cold at 0 and 5, an error at 3,
    a timeout at 7, a wrong Billed Duration at 9, Max Memory Used 100..190 of 1024 MB; each REPORT
    written when its invocation ends, invocations starting every 60 s."""
    lines = []
    for i in range(10):
        d = 100.0 * (i + 1)
        init = 200.5 if i in (0, 5) else None
        billed = math.ceil(d + (init or 0.0)) if i != 9 else 5000
        status = {3: "error", 7: "timeout"}.get(i)
        end = T0 + timedelta(seconds=SPACING_S * i, milliseconds=d + (init or 0.0))
        lines.append(_line(end, i, d, billed, 1024, 100 + 10 * i, init, status))
    return "\n".join(lines) + "\n"


def _fb_text() -> str:
    """4 invocations in 2019 (100 ms billing, INIT free for ZIP, billed for images), 128 MB."""
    at = datetime(2019, 6, 1, tzinfo=UTC)
    return "\n".join([
        _line(at, 1, 102.25, 200, 128, 120),
        _line(at + timedelta(seconds=1), 2, 250.0, 300, 128, 120),
        _line(at + timedelta(seconds=2), 3, 50.0, 100, 128, 120, init=180.0),  # INIT free: 100ms
        _line(at + timedelta(seconds=3), 4, 50.0, 300, 128, 120, init=180.0),  # INIT billed: 100ms+init
    ]) + "\n"


def _combine(*parts: Parsed) -> Parsed:
    return Parsed(tuple(r for p in parts for r in p.reports), tuple(e for p in parts for e in p.executions),
                  sum(p.unparsed for p in parts), tuple(s for p in parts for s in p.unparsed_sample),
                  sum(p.other_lines for p in parts))


@pytest.fixture(scope="module")
def fa() -> FitResult:
    return fit_logs(parse_text(_fa_text(), "fa.log"))


@pytest.fixture(scope="module")
def both() -> FitResult:
    return fit_logs(_combine(parse_text(_fa_text(), "fa.log"), parse_text(_fb_text(), "fb.log")))


@pytest.fixture(scope="module")
def history() -> FitResult:
    return fit_logs(parse_files([LOGS / "history-retry-catch.json"]))


def test_counts_percentiles_and_fractions(fa: FitResult) -> None:
    f = fa.functions["fa"]
    assert f.invocations == 10, "expected 10 REPORT lines"
    assert f.durations.summary == pytest.approx({"p50": 550.0, "p95": 955.0, "p99": 991.0, "mean": 550.0}), \
        "expected NumPy linear percentiles of 100..1000 ms"
    assert f.cold_start_fraction == pytest.approx(0.2), "expected 2 of 10 lines with an Init Duration"
    assert f.init_ms_mean == pytest.approx(200.5), "expected the mean Init Duration of the cold lines"
    assert (f.error_fraction, f.timeout_fraction) == (pytest.approx(0.1), pytest.approx(0.1)), "one error, one timeout"
    assert f.timeout_s == pytest.approx(0.8), "expected the timed-out invocation's duration as the timeout"
    assert f.durations.dist == "lognormal" and 0 < f.durations.ks < 1, "expected a lognormal fit with a KS distance"


def test_memory_hint(fa: FitResult, both: FitResult) -> None:
    f = fa.functions["fa"]
    assert f.memory_mb == 1024 and f.max_memory_used_mb == 190, "expected configured 1024 MB, peak 190 MB"
    # p99 of 100..190 is 189.1 MB; x 1.2 = 226.9 -> next multiple of 64 = 256 MB
    assert f.suggested_memory_mb == 256, f"expected a 256 MB hint, got {f.suggested_memory_mb}"
    assert f.saving_fraction == pytest.approx(0.75), "256 of 1024 MB saves 3/4 of the GB-s"
    assert "hint" in f.to_json()["right_sizing"]["note"], "the note says it is a hint"
    assert both.functions["fb"].suggested_memory_mb is None, "no hint when 128 MB is already the smallest"


def test_billed_rules_of_both_eras(both: FitResult) -> None:
    fa, fb = both.functions["fa"], both.functions["fb"]
    assert fa.billed_ms_reproduced == pytest.approx(0.9), "9 of 10 lines reproduced (one billed wrong)"
    assert fa.billed_rules == {"1ms+init": 2, "1ms": 7, "none": 1}, f"got {fa.billed_rules}"
    assert fb.billed_ms_reproduced == 1.0, "every 2019 line reproduced by the 100 ms rules"
    assert fb.billed_rules == {"100ms": 3, "100ms+init": 1}, f"got {fb.billed_rules}"
    assert list(both.functions) == ["fa", "fb"], "functions in order of first appearance"


def test_fixed_fit_for_one_distinct_duration() -> None:
    text = "".join(_line(T0 + timedelta(seconds=i), i, 42.0, 42, 128, 60) + "\n" for i in range(3))
    f = fit_logs(parse_text(text, "flat.log")).functions["flat"]
    assert f.to_json()["fit"] == {"dist": "fixed", "median_ms": 42.0, "p95_ms": 42.0, "ks": 0.0}, "expected a fixed fit"


def test_arrivals_and_window(fa: FitResult) -> None:
    assert fa.arrivals is not None, "10 timed invocations give an arrival fit"
    # arrivals at REPORT time - duration - init, exactly 60 s apart; the error (3) and the timeout (7)
    # are retried attempts, not arrivals: 8 of the 10 over the 9 minutes
    expected = 8 / (9 * SPACING_S) * 86_400
    assert fa.arrivals.docs_per_day == pytest.approx(expected, rel=1e-6), "expected the observed rate"
    assert fa.arrivals.kind == "poisson", "a 9-minute window is too short to test the shape"
    window = fa.to_json()["window"]
    assert window == {"start": "2025-09-01T12:00:00.300500Z", "end": "2025-09-01T12:09:01Z"}, f"got {window}"


def _walk(obj: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(obj, dict):
        return [x for k, v in obj.items() for x in _walk(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [x for i, v in enumerate(obj) for x in _walk(v, f"{path}[{i}]")]
    return [(path, obj)]


def test_json_schema(both: FitResult) -> None:
    doc = both.to_json()
    assert {"functions", "executions", "unparsed_lines", "window"} <= set(doc), "top-level keys of the schema"
    for name, f in doc["functions"].items():
        keys = {"invocations", "duration_ms", "fit", "cold_start_fraction", "init_ms_mean", "error_fraction",
                "timeout_fraction", "memory_mb", "max_memory_used_mb", "billed_ms_reproduced"}
        assert keys <= set(f), f"{name}: missing {keys - set(f)}"
        assert set(f["duration_ms"]) == {"p50", "p95", "p99", "mean"}, name
        assert set(f["fit"]) == {"dist", "median_ms", "p95_ms", "ks"}, name
        assert isinstance(f["invocations"], int) and isinstance(f["memory_mb"], int), name
    for path, v in _walk(doc):
        if isinstance(v, float):
            assert math.isfinite(v), f"{path} must be finite"
        if path.endswith(("_fraction", "billed_ms_reproduced")):
            assert 0.0 <= v <= 1.0, f"{path} = {v} must be in [0, 1]"
    assert doc["executions"]["executions"] == 0 and doc["executions"]["states"] == {}, "no histories given"


def test_histories(history: FitResult) -> None:
    ex = history.executions
    assert (ex.executions, ex.transitions_per_execution, ex.retries_per_execution) == (1, 4.0, 1.0)
    assert ex.status == {"succeeded": 1.0}, "the execution succeeded after catching Transform's failure"
    extract, transform = ex.states["Extract"], ex.states["Transform"]
    assert (extract.attempts_mean, extract.retry_fraction, extract.error_rate) == (2.0, 1.0, 0.5), \
        "Extract: 2 attempts, the first failed"
    assert transform.outcomes == {"caught": 1.0} and transform.error_rate == 1.0, "Transform failed and was caught"
    doc = history.to_json()
    assert list(doc["executions"]["states"]) == ["Extract", "Transform", "HandleError", "Done"], "states in order"
    assert doc["functions"] == {}, "a history has no REPORT lines"
    profile = history.profile("p")
    assert set(profile["pipeline"]["states"]) == {"Extract", "Transform"}, "only Task states are profiled"
    assert "workload" not in profile, "one execution gives no arrival fit"
    assert "Extract" in format_fit(history), "the text names the states"


def test_profile_round_trip_simulates(both: FitResult, tmp_path: Path) -> None:
    yaml_path, csvs = write_profile(both, tmp_path / "prod.yaml")
    text = yaml_path.read_text()
    assert text.startswith("# Fitted by `orchsim fit` from 14 REPORT lines"), "header says where it came from"
    profile = yaml.safe_load(text)
    assert [s["name"] for s in profile["pipeline"]["steps"]] == ["fa", "fb"], "one step per function"
    assert [p.name for p in csvs] == ["prod-fa.csv", "prod-fb.csv"], "one CSV per function beside the YAML"
    assert csvs[0].read_text().splitlines()[:3] == ["duration_ms", "100", "200"], "header then one value a line"
    seed = load_scenario("seed-article")
    sc = merge_profile(seed, yaml_path)
    assert [s.name for s in sc.steps()] == ["fa", "fb"], "the fitted functions become the steps"
    assert sc.steps()[0].memory_mb == 1024 and sc.steps()[0].error_rate == pytest.approx(0.1)
    assert isinstance(sc.steps()[0].duration, LogNormal), "the lognormal fit by default"
    assert sc.workload.docs_per_day == pytest.approx(profile["workload"]["docs_per_day"]), "the observed rate"
    assert seed.pipeline.steps == 5, "the scenario merged into is unchanged"
    emp = merge_profile(seed, yaml_path, empirical=True).with_overrides({"window_hours": 0.5})
    dist = emp.steps()[0].duration
    assert isinstance(dist, Empirical) and Path(dist.file or "").is_absolute(), "file resolved against the profile's folder"
    assert dist.values_ms == tuple(100.0 * (i + 1) for i in range(10)), "the observed durations"
    run = simulate(emp, "sfn-standard", detail=False)
    assert run.summary.docs_arrived > 0 and run.summary.cost_usd["total"] >= 0, "the calibrated scenario simulates"


def test_merge_states_and_errors(history: FitResult, tmp_path: Path) -> None:
    seed = load_scenario("seed-article")
    profile = history.profile("h")
    sc = merge_profile(seed, profile)
    assert [s.name for s in sc.steps()] == ["Extract", "Transform"], "a linear scenario takes the Task states as steps"
    workflow = load_scenario("workflow-document-ai")  # has a Lambda Task state Extract, none named Transform
    with pytest.raises(InputError, match=r"pipeline\.states\.Transform"):
        merge_profile(workflow, profile)
    only_extract = {"pipeline": {"states": {"Extract": profile["pipeline"]["states"]["Extract"]}}}
    merged = merge_profile(workflow, only_extract).pipeline.states["Extract"]
    assert merged["duration"] == {"dist": "fixed", "ms": 2000.0} and merged["error_rate"] == 0.5, \
        "the fitted keys go over the state's own (its memory_mb kept)"
    assert merged["memory_mb"] == workflow.pipeline.states["Extract"]["memory_mb"], "the state's own keys kept"
    with pytest.raises(InputError, match="has no pipeline"):
        merge_profile(seed, {"pipeline": {}})
    with pytest.raises(InputError, match="--out"):
        write_profile(history, tmp_path / "missing" / "p.yaml")
