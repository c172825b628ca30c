"""Crossover and Express break-even against hand-computed cases; replication CIs."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import check_one_error_line, cli

from orchsim.errors import InputError
from orchsim.resources import scenario_path
from orchsim.study.analysis import ci95, crossover, crossover_table, express_breakeven, summarize

SEED = str(scenario_path("seed-article"))  # absolute


def test_crossover_linear() -> None:
    assert crossover([1, 2, 3, 4], [1, 2, 3, 4], [2.5] * 4) == [pytest.approx(2.5)], "expected the lines to cross at 2.5"


def test_crossover_log_axis_interpolates_in_log_x() -> None:
    xs = [1, 10, 100, 1000]
    (cx,) = crossover(xs, [1, 2, 3, 4], [4, 3, 2, 1])
    assert cx == pytest.approx(10**1.5), "expected the crossing at the midpoint in log space, 10**1.5"


def test_crossover_none_and_several() -> None:
    assert crossover([1, 2, 3], [1, 1, 1], [2, 2, 2]) == [], "expected no crossing for parallel lines"
    assert crossover([0, 1, 2, 3], [0, 2, 0, 2], [1, 1, 1, 1]) == [pytest.approx(0.5), pytest.approx(1.5), pytest.approx(2.5)], "expected three crossings, at 0.5, 1.5 and 2.5"
    assert crossover([1, 2, 3], [1, 2, 3], [1, 5, 6]) == [], "expected no crossing when equal only at the end of the sweep"
    assert crossover([1, 2, 3], [1, 2, 3], [3, 2, 3]) == [], "expected no crossing when touching at a point without changing sides"
    assert crossover([1, 2, 3, 4, 5], [0, 0, 0, 2, 3], [1, 0, 0, 1, 1]) == [2.0], "expected one crossing where a run of equal costs (both $0) between sides starts"


def test_crossover_table_from_a_sweep_frame() -> None:
    df = pd.DataFrame({"x": [1, 2, 3] * 2, "pattern": ["a"] * 3 + ["b"] * 3, "cost_total_usd": [1, 2, 3, 2.5, 2.5, 2.5]})
    t = crossover_table(df, "x")
    assert len(t) == 1 and t.iloc[0]["x"] == pytest.approx(2.5) and t.iloc[0]["cheaper_below"] == "a", "expected one crossing at 2.5 with a cheaper below it"


def test_breakeven_hand_computed() -> None:
    # 5 transitions x $0.000025 = $0.000125 per execution on Standard; Express: $1e-6 + D s x 64/1024 GB x $0.06/3600.
    d = (5 * 0.000025 - 1e-6) / (64 / 1024 * 0.06 / 3600)
    assert float(express_breakeven(5, 64)) == pytest.approx(d), "expected about 119 s"
    assert float(express_breakeven(5, 64)) == pytest.approx(119.0, abs=0.1), "expected about 119 s"
    assert math.isnan(float(express_breakeven(13, 64))), "expected no break-even (NaN) at 13 transitions: Express cheaper up to 5 minutes"
    assert float(express_breakeven(5, 65)) == pytest.approx(d / 2), "expected half the duration at 65 MB (billed as 128 MB)"


def test_breakeven_depends_on_volume() -> None:
    small = float(express_breakeven(3, 64))
    big = float(express_breakeven(3, 64, executions=2e8))
    assert big > small, "expected Express's cheaper GB-hour tiers to push the break-even up at high volume"
    # hand check at 2e8 executions: budget = 2e8*(3*0.000025 - 1e-6); GB-h through the tiers
    budget = 2e8 * (3 * 0.000025 - 1e-6)
    gbh = 1000 + 4000 + (budget - 60 - 120) / 0.01642
    assert big == pytest.approx(gbh * 3600 * 1024 / (64 * 2e8)), "expected the hand-computed break-even through the GB-hour tiers"


def test_breakeven_vectorised_and_validated() -> None:
    out = express_breakeven(np.array([1, 5, 13]), 64)
    assert out.shape == (3,) and np.isnan(out[2]) and out[0] < out[1], "expected one break-even per transition count, increasing, NaN at 13"
    with pytest.raises(InputError):
        express_breakeven(0, 64)
    with pytest.raises(InputError):
        express_breakeven(5, -1)


def test_ci95_and_summarize() -> None:
    mean, lo, hi = ci95([1.0, 2.0, 3.0, 4.0])
    half = 3.182 * np.std([1, 2, 3, 4], ddof=1) / 2
    assert (mean, lo, hi) == pytest.approx((2.5, 2.5 - half, 2.5 + half)), "expected the mean and a t-based 95% interval (t = 3.182, 3 degrees of freedom)"
    df = pd.DataFrame({"g": ["a", "a", "b", "b"], "v": [1.0, 3.0, 5.0, 5.0]})
    s = summarize(df, ["g"], ["v"])
    assert list(s["v"]) == [2.0, 5.0] and list(s["replications"]) == [2, 2], "expected the mean and the replication count per group"


def test_cli_breakeven_json() -> None:
    r = cli("breakeven", "--transitions", "5", "--memory-mb", "64", "--json")
    assert r.exit_code == 0, f"expected exit status 0, got {r.exit_code}: {r.stderr}"
    assert json.loads(r.stdout)["breakeven_duration_s"] == pytest.approx(119.0, abs=0.1), "expected about 119 s"
    r = cli("breakeven", "--transitions", "13", "--memory-mb", "64", "--json")
    assert r.exit_code == 0, f"expected exit status 0, got {r.exit_code}: {r.stderr}"
    assert json.loads(r.stdout)["breakeven_duration_s"] is None, "expected null when Express always wins"


def test_cli_crossover_finds_the_step_count() -> None:
    r = cli("crossover", SEED, "--vary", "pipeline.steps", "--from", "1", "--to", "20",
            "--patterns", "lambda-chain-sync", "--patterns", "sfn-standard", "--json")
    assert r.exit_code == 0, f"expected exit status 0, got {r.exit_code}: {r.stderr}"
    pair = json.loads(r.stdout)["pairs"][0]
    assert [c["at"] for c in pair["crossings"]] == [4], (
        f"expected the sync chain and Standard to cross once, from 4 steps, got {pair['crossings']}"
    )
    assert pair["crossings"][0]["cheaper_below"] == "lambda-chain-sync", "expected the sync chain to be cheaper for short pipelines"


# (id, argv, option or field the line must name, regex for what is accepted)
CLI_BAD = [
    ("transitions-not-a-number", ["breakeven", "--transitions", "x", "--memory-mb", "64"], "--transitions", r">= ?1"),
    ("memory-0", ["breakeven", "--transitions", "5", "--memory-mb", "0"], "--memory-mb", r"> ?0 and <= ?10,?240"),
    ("vary-unknown-key", ["crossover", SEED, "--vary", "nope.key", "--from", "1", "--to", "2"], "--vary",
     r"unknown key 'nope.key'"),
    ("to-equals-from", ["crossover", SEED, "--vary", "pipeline.steps", "--from", "1", "--to", "1"], "--to",
     r"must differ from --from"),
    ("steps-above-100", ["crossover", SEED, "--vary", "pipeline.steps", "--from", "1", "--to", "200"], "pipeline.steps",
     r"1 and 100"),
]


@pytest.mark.parametrize(("argv", "name", "accepted"), [c[1:] for c in CLI_BAD], ids=[c[0] for c in CLI_BAD])
def test_cli_bad_input(argv: list[str], name: str, accepted: str) -> None:
    check_one_error_line(cli(*argv), name, accepted)
