"""The analytic engine says when its no-throttling assumption fails.

Before: a 7-step burst scenario showed $7,688 "no contention" in `compare` while `simulate` showed
556,346 throttles and 9,500 failed documents.
"""

from __future__ import annotations

import json

import pytest
from conftest import cli

from orchsim.analytic.engine import estimate
from orchsim.charts.style import contention_notes
from orchsim.model.scenario import PATTERNS, load_scenario
from orchsim.sim.run import simulate

BASE = load_scenario("seed-article").with_overrides({"workload.docs_per_day": 200_000, "window_hours": 0.1})


@pytest.mark.parametrize("name", ["seed-article", "ai-document-pipeline"])
def test_shipped_scenarios_fit_their_limits(name: str) -> None:
    df = estimate(load_scenario(name))
    assert (df["contention"] == "").all(), f"{name}: unexpected contention notes {df['contention'].tolist()}"
    assert (df["concurrency_needed"] > 0).all() and (df["concurrency_needed"] < df["concurrency_limit"]).all()


def test_littles_law_matches_the_simulated_concurrency() -> None:
    row = estimate(BASE, ["lambda-chain-async"]).iloc[0]
    sim = simulate(BASE.with_overrides({"window_hours": 0.5}), "lambda-chain-async", detail=False)
    # Poisson arrivals: the mean concurrency is rate x busy time; the simulated peak sits above it.
    assert row["concurrency_needed"] == pytest.approx(200_000 / 86_400 * row["busy_s"])
    assert row["concurrency_needed"] < sim.summary.peak_concurrency < 3 * row["concurrency_needed"] + 10, (
        f"expected the simulated peak ({sim.summary.peak_concurrency}) a little above the mean need ({row['concurrency_needed']:.1f})"
    )


def test_over_the_concurrency_limit_is_flagged_and_the_simulation_throttles() -> None:
    tight = BASE.with_overrides({"lambda.concurrency_limit": 5})
    df = estimate(tight)
    for r in df.itertuples():
        assert "concurrent Lambda executions at the peak rate; limit 5" in r.contention, f"{r.pattern}: {r.contention!r}"
        assert "run orchsim simulate" in r.contention
    sim = simulate(tight, "lambda-chain-async", detail=False)
    assert sim.summary.lambda_throttles > 0, "expected the simulation to throttle what the estimate flags"
    roomy = BASE.with_overrides({"lambda.concurrency_limit": 200})
    assert (estimate(roomy)["contention"] == "").all()
    assert simulate(roomy, "lambda-chain-async", detail=False).summary.lambda_throttles == 0


def test_step_functions_quotas_are_flagged() -> None:
    # 1,000 documents/s sustained: far over Standard's 300 StartExecution/s; 2,000 transitions/s is not over 5,000/s.
    busy = load_scenario("seed-article").with_overrides({"workload.docs_per_day": 86_400_000, "pipeline.steps": 2,
                                                         "lambda.concurrency_limit": 1_000_000})
    notes = dict(zip(PATTERNS, estimate(busy)["contention"], strict=True))
    assert "StartExecution/s" in notes["sfn-standard"] and "quota 300/s" in notes["sfn-standard"], notes["sfn-standard"]
    assert "state transitions/s" not in notes["sfn-standard"]
    assert notes["sfn-express"] == "" and notes["lambda-chain-async"] == "", notes
    # A short burst the bucket absorbs is not flagged; a long one is.
    # About 1,100 starts/s for 1 s: 800 over the refill, inside the 1,300 bucket; for 60 s, not.
    short = busy.with_overrides({"workload.docs_per_day": 1_000_000, "workload.arrival": {
        "kind": "burst", "burst_every_s": 3600, "burst_duration_s": 1, "burst_factor": 100}})
    assert "StartExecution" not in estimate(short, ["sfn-standard"]).iloc[0]["contention"]
    long = short.with_overrides({"workload.arrival.burst_duration_s": 60})
    assert "StartExecution" in estimate(long, ["sfn-standard"]).iloc[0]["contention"]


def test_compare_prints_the_warning_and_json_carries_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "tight.yaml"
    import yaml

    path.write_text(yaml.safe_dump(BASE.with_overrides({"lambda.concurrency_limit": 5}).to_dict()))
    res = cli("compare", str(path))
    assert res.exit_code == 0 and "assumes no throttling" in res.stdout, res.stdout
    assert res.stdout.count("warning: ") == len(PATTERNS), res.stdout
    rows = json.loads(cli("compare", str(path), "--json").stdout)
    assert all(r["contention"] for r in rows), "expected each JSON row to carry its note"
    assert contention_notes(estimate(load_scenario(str(path))))[0].startswith("THROTTLING NOT MODELLED (")
