"""Each crossing gets its own direction; step counts are swept in whole steps; named steps are kept.

Before: `crossover_table` decided "cheaper below" once from the first point, so a second crossing
got the wrong label and a tied $0 start (free tier) reversed it; `--vary pipeline.steps` failed on a
scenario that lists its steps and reported "3.923 steps" elsewhere; an integer `pipeline.steps`
override replaced named steps with default ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import cli

from orchsim.model.scenario import load_scenario
from orchsim.resources import scenario_path
from orchsim.study.analysis import crossings, crossover_table


def _frame(x: list[float], a: list[float], b: list[float]) -> pd.DataFrame:
    rows = [{"x": xi, "pattern": "A", "cost_total_usd": ai} for xi, ai in zip(x, a, strict=True)]
    rows += [{"x": xi, "pattern": "B", "cost_total_usd": bi} for xi, bi in zip(x, b, strict=True)]
    return pd.DataFrame(rows)


def test_two_crossings_get_opposite_directions() -> None:
    table = crossover_table(_frame([1, 2, 3, 4, 5], [1, 2, 3, 2, 1], [2, 2.5, 2, 1.5, 2]), "x")
    got = [(round(r.x, 3), r.cheaper_below, r.cheaper_above) for r in table.itertuples()]
    assert got == [(2.333, "A", "B"), (4.333, "B", "A")], f"got {got}"


def test_a_tied_start_does_not_reverse_the_direction() -> None:
    # Both $0 at the start (free tier), then A rises slower: A is cheaper up to the crossing.
    table = crossover_table(_frame([1, 2, 3, 4, 5], [0, 0, 1, 2, 5], [0, 0, 3, 4, 4]), "x")
    got = [(r.x, r.cheaper_below, r.cheaper_above) for r in table.itertuples()]
    assert len(got) == 1 and got[0][1:] == ("A", "B"), f"expected one crossing, A cheaper below: {got}"
    # A start where only one of them is free: the free one is cheaper below.
    free = crossings([100, 300, 1000, 3000], [0, 0, 2, 9], [1, 1.1, 3, 5])
    assert [(c.a_cheaper_below) for c in free] == [True], f"got {free}"


def test_integer_sweeps_report_whole_values() -> None:
    got = crossings([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [3.5, 3.6, 3.7, 3.8, 3.9], integer=True)
    assert [(c.at, c.a_cheaper_below) for c in got] == [(4.0, True)], f"expected 'from 4', got {got}"


def test_cli_free_tier_crossover_direction(tmp_path: Path) -> None:
    path = tmp_path / "free.yaml"
    data = load_scenario("seed-article").to_dict()
    data["free_tier"] = True
    path.write_text(yaml.safe_dump(data))
    res = cli("crossover", str(path), "--vary", "workload.docs_per_day", "--from", "100", "--to", "1e6",
              "--patterns", "lambda-chain-sync", "--patterns", "sfn-standard", "--json")
    assert res.exit_code == 0, res.stderr
    (pair,) = json.loads(res.stdout)["pairs"]
    (c,) = pair["crossings"]
    assert set(c) == {"at", "cheaper_below", "cheaper_above"}, f"got {c}"
    # At 322 documents/day the sync chain is inside the free tier ($0) and Standard is not.
    assert (c["cheaper_below"], c["cheaper_above"]) == ("lambda-chain-sync", "sfn-standard"), f"got {c}"
    assert 1000 < c["at"] < 3000, f"expected the crossing near 1,643 documents/day, got {c['at']}"


@pytest.mark.parametrize("scenario", ["seed-article", "ai-document-pipeline"])
def test_cli_steps_crossover_in_whole_steps(scenario: str) -> None:
    res = cli("crossover", str(scenario_path(scenario)), "--vary", "pipeline.steps", "--from", "1", "--to", "20",
              "--patterns", "lambda-chain-sync", "--patterns", "sfn-standard", "--json")
    assert res.exit_code == 0, f"{scenario}: {res.stderr}"
    out = json.loads(res.stdout)
    (pair,) = out["pairs"]
    assert out["integer"] is True and pair["crossings"], f"{scenario}: expected a crossing, got {pair}"
    for c in pair["crossings"]:
        assert isinstance(c["at"], int), f"{scenario}: expected a whole number of steps, got {c['at']!r}"
    text = cli("crossover", str(scenario_path(scenario)), "--vary", "pipeline.steps", "--from", "1", "--to", "20",
               "--patterns", "lambda-chain-sync", "--patterns", "sfn-standard").stdout
    assert "from pipeline.steps = 4, sfn-standard is cheaper (lambda-chain-sync below)" in text, text


def test_step_count_keeps_named_steps() -> None:
    ai = load_scenario("ai-document-pipeline")
    names = [s.name for s in ai.steps()]
    same = ai.with_overrides({"pipeline.steps": 5})
    assert same.steps() == ai.steps(), "expected 5 of 5 named steps to be the pipeline itself"
    three = ai.with_overrides({"pipeline.steps": 3.0})
    assert [s.name for s in three.steps()] == names[:3]
    twelve = ai.with_overrides({"pipeline.steps": 12})
    assert [s.name for s in twelve.steps()][5:7] == [f"{names[0]}-2", f"{names[1]}-2"]
    assert [s.memory_mb for s in twelve.steps()][:10] == [s.memory_mb for s in ai.steps()] * 2, "expected the list repeated in order"
    from orchsim.charts.style import scenario_assumptions

    assert "5 named steps (extract-text, chunk, embed, llm-call, store), mean work 10.85 s/doc" in scenario_assumptions(same)[0]
