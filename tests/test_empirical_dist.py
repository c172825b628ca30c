"""``dist: empirical``: measured durations, inline or from a file, resampled with replacement.

Unit checks (both forms, validation, round-trip), theory checks (moments, the empirical CDF, the
sample mean within 4 standard errors) and the engines: a scenario using it loads, simulates, and the
analytic engine's Lambda GB-s per document lies in the simulation's 95% CI.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from orchsim.analytic.engine import params_from_scenarios, per_document
from orchsim.errors import InputError
from orchsim.model.dists import Empirical
from orchsim.model.scenario import load_scenario, scenario_from_dict
from orchsim.sim.run import simulate
from orchsim.study.analysis import ci95

VALUES = [120.0, 80.0, 300.0, 80.0, 1500.0, 450.0, 95.5, 610.0]


def test_inline_values_sorted_with_population_moments() -> None:
    d = Empirical(values_ms=VALUES)
    assert d.values_ms == tuple(sorted(VALUES)), "expected the values stored sorted, as a tuple"
    assert d.mean_ms == pytest.approx(np.mean(VALUES)), "expected mean_ms = mean of the values"
    assert d.var_ms2 == pytest.approx(np.var(VALUES)), "expected var_ms2 = population variance (ddof=0)"
    assert hash(d) == hash(Empirical(values_ms=sorted(VALUES))), "expected a hashable value object, order-free"
    assert d.model_dump() == {"dist": "empirical", "values_ms": tuple(sorted(VALUES))}, "expected no file key inline"


def test_file_form_with_header_and_round_trip(tmp_path: Path) -> None:
    f = tmp_path / "durations.csv"
    f.write_text("duration_ms\n" + "\n".join(str(v) for v in VALUES) + "\n\n")
    d = Empirical(dist="empirical", file=str(f))
    assert d.values_ms == tuple(sorted(VALUES)), "expected the file's values, sorted"
    dumped = d.model_dump()
    assert dumped == {"dist": "empirical", "file": str(f)}, f"expected the file key alone in the dump, got {dumped}"
    assert Empirical.model_validate(dumped) == d, "expected the dump to validate back to the same object"


def test_relative_file_resolves_against_context_else_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "d.txt").write_text("10\n20\n")
    d = Empirical.model_validate({"dist": "empirical", "file": "d.txt"}, context={"base_dir": tmp_path})
    assert d.file == str(tmp_path / "d.txt") and d.values_ms == (10.0, 20.0), "expected the context's base_dir"
    monkeypatch.chdir(tmp_path)
    d = Empirical(file="d.txt")
    assert d.file == str(tmp_path / "d.txt"), "expected a relative path resolved against the working directory"


@pytest.mark.parametrize(
    "data, field, words",
    [
        ({"values_ms": []}, "values_ms", "got 0"),
        ({"values_ms": [10, -5]}, "values_ms", "item 2 is -5"),
        ({"values_ms": [10, math.nan]}, "values_ms", "item 2 is nan"),
        ({"values_ms": [10, 900_001]}, "values_ms", "item 2 is 900001"),
        ({"values_ms": [True]}, "values_ms", "not a number"),
        ({"values_ms": "800"}, "values_ms", "must be a list"),
        ({"file": "no-such-durations.csv"}, "file", "no such file"),
        ({}, "", "got neither"),
        ({"values_ms": [1.0], "file": "x.csv"}, "", "got values_ms and file"),
    ],
)
def test_validation_errors_name_field_and_range(data: dict, field: str, words: str) -> None:
    with pytest.raises(InputError) as err:
        scenario_from_dict({"pipeline": {"steps": 1, "step": {"duration": {"dist": "empirical", **data}}}})
    msg = str(err.value)
    assert "\n" not in msg, f"expected a one-line error, got {msg!r}"
    assert err.value.field.startswith("pipeline.step.duration") and err.value.field.endswith(field), (
        f"expected the error at pipeline.step.duration...{field}, got {err.value.field!r}"
    )
    assert words in msg and "accepted:" in msg and "900,000" in msg, f"expected {words!r} and the range in {msg!r}"


@pytest.mark.parametrize(
    "content, words",
    [
        ("duration_ms\n", "holds no duration"),
        ("10\nabc\n", "line 2"),
        ("10\n-1\n", "line 2"),
        ("10\nnan\n", "line 2"),
        (b"\xff\xfe\x00bad", "cannot read"),
    ],
)
def test_bad_file_contents(tmp_path: Path, content: str | bytes, words: str) -> None:
    f = tmp_path / "d.csv"
    if isinstance(content, bytes):
        f.write_bytes(content)
    else:
        f.write_text(content)
    with pytest.raises(ValidationError) as err:
        Empirical(file=str(f))
    first = err.value.errors()[0]
    assert first["loc"] == ("file",), f"expected the error on file, got {first['loc']}"
    assert words in first["msg"] and "accepted:" in first["msg"], f"expected {words!r} and the range in {first['msg']!r}"


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="is not a file"):
        Empirical(file=str(tmp_path))


def test_sample_deterministic_given_generator() -> None:
    d = Empirical(values_ms=VALUES)
    a = d.sample(np.random.default_rng(7), 1000)
    b = d.sample(np.random.default_rng(7), 1000)
    assert np.array_equal(a, b), "expected the same draws from the same generator seed"
    assert set(a.tolist()) <= set(VALUES), "expected draws only among the values"


def test_sample_mean_within_four_standard_errors() -> None:
    values = np.random.default_rng(1).lognormal(6.5, 0.8, 5000)
    d = Empirical(values_ms=values)
    n = 200_000
    draws = d.sample(np.random.default_rng(2), n)
    se = math.sqrt(d.var_ms2 / n)
    assert abs(draws.mean() - d.mean_ms) < 4 * se, f"expected sample mean {draws.mean():.2f} within 4 SE ({se:.2f}) of {d.mean_ms:.2f}"


def test_cdf_steps() -> None:
    d = Empirical(values_ms=[100, 200, 200, 400])
    got = d.cdf(np.array([[0.0, 99.9, 100.0], [199.0, 200.0, 1e9]]))
    assert got.tolist() == [[0.0, 0.0, 0.25], [0.25, 0.75, 1.0]], f"expected the empirical CDF steps, got {got}"


def _scenario_yaml(tmp_path: Path, duration: dict) -> Path:
    data = {
        "window_hours": 1,
        "workload": {"docs_per_day": 24_000},
        "pipeline": {"steps": 3, "step": {"duration": duration, "init_ms": 0, "memory_mb": 1024}},
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_scenario_with_empirical_file_loads_and_simulates(tmp_path: Path) -> None:
    values = np.random.default_rng(3).lognormal(5.5, 0.7, 2000).round(2)
    (tmp_path / "durations.csv").write_text("duration_ms\n" + "\n".join(map(str, values)))
    sc = load_scenario(_scenario_yaml(tmp_path, {"dist": "empirical", "file": str(tmp_path / "durations.csv")}))
    assert isinstance(sc.pipeline.step.duration, Empirical), "expected the step's duration to be empirical"
    res = simulate(sc, "sfn-standard", detail=False)
    assert res.summary.docs_succeeded > 0 and res.summary.billed_gb_s > 0, "expected a run that bills GB-s"


def test_analytic_gb_s_within_simulated_ci(tmp_path: Path) -> None:
    """Without contention, analytic GB-s per document (from the values' mean) lies in the 95% CI."""
    values = np.random.default_rng(4).lognormal(5.5, 0.6, 500).round(1)
    sc = load_scenario(_scenario_yaml(tmp_path, {"dist": "empirical", "values_ms": values.tolist()}))
    want = per_document(params_from_scenarios([sc]), "sfn-standard")
    want_gb_s = float(want["gb_s_x86_64"][0] + want["gb_s_arm64"][0])
    per_doc = []
    for rep in range(16):
        s = simulate(sc, "sfn-standard", replication=rep, detail=False).summary
        per_doc.append(s.billed_gb_s / (s.docs_arrived - s.docs_in_flight))
    mean, lo, hi = ci95(per_doc)
    assert lo <= want_gb_s <= hi, f"analytic {want_gb_s:.6g} GB-s/doc outside simulated 95% CI [{lo:.6g}, {hi:.6g}]"
    assert want_gb_s == pytest.approx(3 * (float(np.mean(values)) + 0.5) / 1000, rel=1e-9), (
        "expected 3 steps x (mean + half a 1 ms unit) ms x 1 GB"
    )


def test_observed_waits_take_an_empirical_law_up_to_a_year() -> None:
    """A callback's observed waits (from execution histories) can exceed a Lambda's 900 s: a Task
    wait's empirical law accepts up to a year, and both engines run it."""
    from orchsim import estimate, load_scenario, simulate

    waits = [120_000.0, 600_000.0, 1_800_000.0]  # 2, 10 and 30 minutes
    sc = load_scenario("workflow-contract-review").with_overrides({
        "window_hours": 2, "pipeline.states.HumanApproval.duration": {"dist": "empirical", "values_ms": waits}})
    wait = sc.pipeline.runnable().tasks["HumanApproval"].wait
    assert wait is not None and wait.duration.mean_ms == pytest.approx(sum(waits) / 3)
    r = simulate(sc, "sfn-standard", detail=False).summary
    assert r.docs_arrived > 0 and r.state_transitions > 0
    assert estimate(sc, ["sfn-standard"]).iloc[0]["transitions"] > 0
    with pytest.raises(InputError, match="900,000"):
        load_scenario("seed-article").with_overrides({"pipeline.step.duration": {"dist": "empirical", "values_ms": [1_800_000.0]}})
