"""Crossover and Express break-even against hand-computed cases; replication CIs."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from orchsim.errors import InputError
from orchsim.study.analysis import ci95, crossover, crossover_table, express_breakeven, summarize


def test_crossover_linear() -> None:
    assert crossover([1, 2, 3, 4], [1, 2, 3, 4], [2.5] * 4) == [pytest.approx(2.5)], "lines cross at 2.5"


def test_crossover_log_axis_interpolates_in_log_x() -> None:
    xs = [1, 10, 100, 1000]
    (cx,) = crossover(xs, [1, 2, 3, 4], [4, 3, 2, 1])
    assert cx == pytest.approx(10**1.5), "midpoint in log space"


def test_crossover_none_and_several() -> None:
    assert crossover([1, 2, 3], [1, 1, 1], [2, 2, 2]) == [], "never cross"
    assert crossover([0, 1, 2, 3], [0, 2, 0, 2], [1, 1, 1, 1]) == [pytest.approx(0.5), pytest.approx(1.5), pytest.approx(2.5)], "three crossings"
    assert crossover([1, 2, 3], [1, 2, 3], [1, 5, 6]) == [], "equal only at the end of the sweep: no crossing"
    assert crossover([1, 2, 3], [1, 2, 3], [3, 2, 3]) == [], "touching at a point without changing sides: no crossing"
    assert crossover([1, 2, 3, 4, 5], [0, 0, 0, 2, 3], [1, 0, 0, 1, 1]) == [2.0], "a run of equal costs (both $0) between sides: one crossing where it starts"


def test_crossover_table_from_a_sweep_frame() -> None:
    df = pd.DataFrame({"x": [1, 2, 3] * 2, "pattern": ["a"] * 3 + ["b"] * 3, "cost_total_usd": [1, 2, 3, 2.5, 2.5, 2.5]})
    t = crossover_table(df, "x")
    assert len(t) == 1 and t.iloc[0]["x"] == pytest.approx(2.5) and t.iloc[0]["cheaper_below"] == "a", "one crossing, a cheaper below"


def test_breakeven_hand_computed() -> None:
    # 5 transitions x $0.000025 = $0.000125 per execution on Standard; Express: $1e-6 + D s x 64/1024 GB x $0.06/3600.
    d = (5 * 0.000025 - 1e-6) / (64 / 1024 * 0.06 / 3600)
    assert float(express_breakeven(5, 64)) == pytest.approx(d), "about 119 s"
    assert float(express_breakeven(5, 64)) == pytest.approx(119.0, abs=0.1), "about 119 s"
    assert math.isnan(float(express_breakeven(13, 64))), "13 transitions: Express cheaper up to 5 minutes"
    assert float(express_breakeven(5, 65)) == pytest.approx(d / 2), "65 MB bills 128 MB: half the duration"


def test_breakeven_depends_on_volume() -> None:
    small = float(express_breakeven(3, 64))
    big = float(express_breakeven(3, 64, executions=2e8))
    assert big > small, "Express's cheaper GB-hour tiers push the break-even up at high volume"
    # hand check at 2e8 executions: budget = 2e8*(3*0.000025 - 1e-6); GB-h through the tiers
    budget = 2e8 * (3 * 0.000025 - 1e-6)
    gbh = 1000 + 4000 + (budget - 60 - 120) / 0.01642
    assert big == pytest.approx(gbh * 3600 * 1024 / (64 * 2e8)), "tiers inverted piecewise"


def test_breakeven_vectorised_and_validated() -> None:
    out = express_breakeven(np.array([1, 5, 13]), 64)
    assert out.shape == (3,) and np.isnan(out[2]) and out[0] < out[1], "vectorised"
    with pytest.raises(InputError):
        express_breakeven(0, 64)
    with pytest.raises(InputError):
        express_breakeven(5, -1)


def test_ci95_and_summarize() -> None:
    mean, lo, hi = ci95([1.0, 2.0, 3.0, 4.0])
    half = 3.182 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (mean, lo, hi) == pytest.approx((2.5, 2.5 - half, 2.5 + half)), "t-based CI"
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "v": [1.0, 3.0, 5.0, 5.0]})
    s = summarize(df, ["g"], ["v"])
    assert list(s["v"]) == [2.0, 5.0] and list(s["replications"]) == [2, 2], "means per group"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orchsim.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_breakeven_json() -> None:
    r = run_cli("breakeven", "--transitions", "5", "--memory-mb", "64", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["breakeven_duration_s"] == pytest.approx(119.0, abs=0.1), "about 119 s"
    r = run_cli("breakeven", "--transitions", "13", "--memory-mb", "64", "--json")
    assert json.loads(r.stdout)["breakeven_duration_s"] is None, "null when Express always wins"


def test_cli_crossover_finds_the_step_count() -> None:
    r = run_cli("crossover", "data/scenarios/seed-article.yaml", "--vary", "pipeline.steps", "--from", "1", "--to", "20",
                "--patterns", "lambda-chain-sync", "--patterns", "sfn-standard", "--json")
    assert r.returncode == 0, r.stderr
    pair = json.loads(r.stdout)["pairs"][0]
    assert len(pair["crossings"]) == 1 and 3 < pair["crossings"][0] < 5, "sync chain vs Standard cross between 3 and 5 steps"
    assert pair["cheaper_below"] == "lambda-chain-sync", "the sync chain is cheaper for short pipelines"


@pytest.mark.parametrize("args,name", [
    (["breakeven", "--transitions", "x", "--memory-mb", "64"], "--transitions"),
    (["breakeven", "--transitions", "5", "--memory-mb", "0"], "--memory-mb"),
    (["crossover", "data/scenarios/seed-article.yaml", "--vary", "nope.key", "--from", "1", "--to", "2"], "--vary"),
    (["crossover", "data/scenarios/seed-article.yaml", "--vary", "pipeline.steps", "--from", "1", "--to", "1"], "--to"),
    (["crossover", "data/scenarios/seed-article.yaml", "--vary", "pipeline.steps", "--from", "1", "--to", "200"], "pipeline.steps"),
])
def test_cli_bad_input(args: list[str], name: str) -> None:
    r = run_cli(*args)
    assert r.returncode == 2, f"exit 2 for {args}: {r.stderr}"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orchsim: error:") and name in lines[0], f"one line naming {name}: {r.stderr}"
    assert "Traceback" not in r.stderr, "no traceback"
