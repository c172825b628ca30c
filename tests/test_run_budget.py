"""Runs that would eat the machine are refused up front; detail memory stays bounded; progress.

* ``estimate_run`` works from the scenario alone: its documents are the integral of the arrival
  rate (checked against numerical integration and against simulated counts), its memory is above
  what a run really traces and not wildly so.
* ``simulate``, ``simulate_patterns``, ``sweep`` and ``orchsim simulate`` refuse a run over the
  budget before allocating anything, with one line saying what fits; ``force`` / ``--force`` runs.
* ``detail=True`` keeps the invocations of at most ``detail_docs`` documents (every k-th), with the
  summary untouched; a progress callback does not change a number.
"""

from __future__ import annotations

import gc
import json
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import check_one_error_line, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Workload, load_scenario, scenario_from_dict
from orchsim.sim.arrivals import arrival_times, expected_arrivals, rate_per_s
from orchsim.sim.budget import PROCESS_BYTES, RunBudget, RunEstimate, RunTooLarge, combine, estimate_run
from orchsim.sim.rng import ARRIVALS, stream
from orchsim.sim.run import simulate, simulate_patterns
from orchsim.study.sweep import sweep

SEED = load_scenario("seed-article")
HUGE = SEED.with_overrides({"workload.docs_per_day": 1e9, "window_hours": 8784})  # the accepted maxima


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["poisson", "diurnal", "burst"]),
    window_s=st.floats(1.0, 3 * 86_400.0),
    peak_ratio=st.floats(1.0, 2.0),
    peak_hour=st.floats(0.0, 23.99),
    every=st.floats(10.0, 86_400.0),
    share=st.floats(0.01, 1.0),
    factor=st.floats(1.0, 100.0),
)
def test_expected_arrivals_is_the_integral_of_the_rate(kind: str, window_s: float, peak_ratio: float, peak_hour: float,
                                                       every: float, share: float, factor: float) -> None:
    arrival = {"kind": kind, "peak_ratio": peak_ratio, "peak_hour": peak_hour,
               "burst_every_s": every, "burst_duration_s": every * share, "burst_factor": factor}
    wl = Workload(docs_per_day=86_400.0, arrival=arrival)
    t = np.linspace(0.0, window_s, 400_001)
    numeric = float(np.trapezoid(rate_per_s(wl, t), t))
    # The burst rate is a step function: the trapezoid rule is off by at most one grid cell per edge.
    edges = 2 * (window_s / every + 1) if kind == "burst" else 0
    slack = 1e-6 * numeric + edges * (window_s / 400_000) * factor + 1e-9
    assert expected_arrivals(wl, window_s) == pytest.approx(numeric, abs=slack), f"{kind}: closed form vs integral"


@pytest.mark.parametrize("kind", ["poisson", "uniform", "diurnal", "burst"])
def test_expected_arrivals_matches_drawn_arrivals(kind: str) -> None:
    wl = Workload(docs_per_day=200_000.0, arrival={"kind": kind, "burst_every_s": 1800, "burst_duration_s": 120})
    window_s = 2 * 3600.0  # midnight to 2 am: the diurnal trough, a short window
    counts = [arrival_times(wl, window_s, stream(3, r, ARRIVALS)).size for r in range(20)]
    mean, expected = float(np.mean(counts)), expected_arrivals(wl, window_s)
    se = max(np.std(counts, ddof=1) / np.sqrt(len(counts)), 1.0)
    assert abs(mean - expected) < 4 * se, f"{kind}: drawn {mean:.0f} documents on average, expected {expected:.0f}"


@pytest.mark.parametrize(("steps", "kind", "pattern"), [(1, "poisson", "sfn-standard"), (5, "diurnal", "lambda-chain-sync"),
                                                         (8, "burst", "lambda-chain-async")])
@pytest.mark.parametrize("detail", [False, True])
def test_estimate_bounds_the_traced_memory(steps: int, kind: str, pattern: str, detail: bool) -> None:
    sc = SEED.with_overrides({"workload.docs_per_day": 1e5, "window_hours": 1.0, "pipeline.steps": steps,
                              "workload.arrival.kind": kind})
    est = estimate_run(sc, [pattern], detail=detail, detail_docs=500)
    gc.collect()
    tracemalloc.start()
    try:
        res = simulate(sc, pattern, detail=detail, detail_docs=500)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    n = res.summary.docs_arrived
    assert abs(est.documents - n) < 5 * np.sqrt(est.documents) + 5, f"expected about {est.documents:.0f} documents, {n} arrived"
    run_bytes = est.peak_bytes - PROCESS_BYTES
    assert peak <= run_bytes <= 4 * peak + 4e6, f"estimated {run_bytes / 1e6:.1f} MB for a run that traced {peak / 1e6:.1f} MB"


def test_detail_keeps_every_kth_document_and_the_same_summary() -> None:
    sc = scenario_from_dict({"seed": 4, "window_hours": 1.0, "workload": {"docs_per_day": 24_000},
                             "pipeline": {"steps": 3, "step": {"error_rate": 0.2}}})
    for pattern in ("lambda-chain-async", "sfn-standard"):
        full = simulate(sc, pattern)
        kept = simulate(sc, pattern, detail_docs=100)
        aggregate = simulate(sc, pattern, detail=False)
        n = full.summary.docs_arrived
        k = -(-n // 100)
        assert full.invocations_every == 1 and kept.invocations_every == k, f"expected strides 1 and {k}"
        assert kept.to_dict() == full.to_dict() == aggregate.to_dict(), f"{pattern}: sampling detail changed the summary"
        assert len(kept.documents) == n, "expected every document in the per-document table"
        assert set(kept.invocations["doc"]) == set(range(0, n, k)) & set(full.invocations["doc"]), "expected docs 0, k, 2k, ..."
        sampled = full.invocations[full.invocations["doc"] % k == 0].reset_index(drop=True)
        assert kept.invocations.equals(sampled), f"{pattern}: expected the kept rows to be exactly the full table's rows for those documents"
    with pytest.raises(InputError, match="detail_docs"):
        simulate(sc, "sfn-standard", detail_docs=0)


def test_progress_reports_fractions_and_changes_nothing() -> None:
    sc = scenario_from_dict({"seed": 2, "window_hours": 0.5, "workload": {"docs_per_day": 20_000},
                             "pipeline": {"steps": 2, "step": {"error_rate": 0.1}}})
    seen: list[float] = []
    with_bar = simulate_patterns(sc, ["lambda-chain-sync", "sfn-express"], progress=seen.append)
    plain = simulate_patterns(sc, ["lambda-chain-sync", "sfn-express"])
    assert [r.to_dict() for r in with_bar] == [r.to_dict() for r in plain], "expected the same numbers with progress"
    assert with_bar[0].invocations.equals(plain[0].invocations), "expected the same invocation table with progress"
    assert len(seen) == 200 and seen == sorted(seen) and seen[-1] == 1.0, f"expected 200 rising fractions ending at 1, got {seen[:3]}..."


def test_refused_before_anything_is_allocated() -> None:
    for call in (lambda: simulate(HUGE, "sfn-standard"), lambda: simulate_patterns(HUGE, detail=False)):
        gc.collect()
        tracemalloc.start()
        try:
            with pytest.raises(RunTooLarge) as info:
                call()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 20e6, f"expected the refusal before any large allocation, traced {peak / 1e6:.0f} MB"
        msg = str(info.value)
        assert isinstance(info.value, InputError) and info.value.field == "run size", "expected an InputError naming the run size"
        for part in ("documents", "GB", "budget of 2 GB and 10 min", "window_hours <=", "analytic engine", "force=True"):
            assert part in msg, f"expected {part!r} in the refusal: {msg}"


def test_budget_is_configurable_and_force_runs() -> None:
    small = SEED.with_overrides({"window_hours": 0.05})
    tight = RunBudget(memory_gb=0.01)  # below the process itself
    with pytest.raises(RunTooLarge, match="budget of 0.01 GB"):
        simulate(small, "sfn-standard", budget=tight)
    assert simulate(small, "sfn-standard", budget=tight, force=True).summary.docs_arrived > 0
    for bad in (0, -1, float("nan"), True, "2"):
        with pytest.raises(InputError, match="budget.memory_gb"):
            RunBudget(memory_gb=bad)  # type: ignore[arg-type]


def test_sweep_checks_all_its_runs_first() -> None:
    base = SEED.with_overrides({"window_hours": 24.0, "workload.docs_per_day": 1e7})
    with pytest.raises(RunTooLarge, match="fewer points or replications"):
        sweep(base, {"pipeline.steps": [1, 5, 10]}, engine="simulate", replications=3, workers=1, cache=False, progress=False)
    tiny = SEED.with_overrides({"window_hours": 0.02})
    tight = RunBudget(minutes=1e-9)
    with pytest.raises(RunTooLarge):
        sweep(tiny, {"pipeline.steps": [1, 2]}, engine="simulate", workers=1, cache=False, progress=False, budget=tight)
    df = sweep(tiny, {"pipeline.steps": [1, 2]}, engine="simulate", workers=1, cache=False, progress=False, budget=tight, force=True)
    assert df["error"].isna().all() and len(df) == 2 * len(PATTERNS), "expected force to run every point"


def test_combine_spreads_time_and_multiplies_memory() -> None:
    one = RunEstimate(documents=100.0, runs=4, attempts=500.0, seconds=10.0, peak_bytes=1e9)
    both = combine([one, one, one], workers=2)
    assert (both.runs, both.attempts, both.seconds, both.workers) == (12, 1500.0, 15.0, 2), f"got {both}"
    assert not both.fits(RunBudget(memory_gb=1.5)) and both.fits(RunBudget(memory_gb=2.0)), "expected 2 workers x 1 GB"


def test_cli_refuses_with_one_line_and_force_runs(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(yaml.safe_dump({"name": "big", "workload": {"docs_per_day": 1e9}, "window_hours": 8784}))
    line = check_one_error_line(cli("simulate", str(big)), "run size", r"window_hours <= [0-9.e-]+")
    for part in ("fewer patterns", "orchsim compare", "--force"):
        assert part in line, f"expected {part!r} in: {line}"
    small = ("simulate", "seed-article", "--window-hours", "0.05", "--pattern", "sfn-standard", "--max-minutes", "1e-6")
    check_one_error_line(cli(*small), "run size", r"budget of 2 GB and 1e-06 min")
    forced = cli(*small, "--force", "--json")
    assert forced.exit_code == 0 and json.loads(forced.stdout)[0]["docs_arrived"] > 0, f"expected --force to run: {forced.stderr}"
    for flag, value in (("--max-memory-gb", "0"), ("--max-minutes", "inf"), ("--max-memory-gb", "lots")):
        check_one_error_line(cli("simulate", "seed-article", flag, value), flag, r"> 0")


def test_cli_prints_the_estimate_of_a_long_run_on_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchsim import cli as cli_module

    args = ("simulate", "seed-article", "--window-hours", "0.05", "--pattern", "sfn-standard", "--json")
    quiet = cli(*args)
    assert quiet.exit_code == 0 and quiet.stderr == "", f"expected no estimate for a short run: {quiet.stderr!r}"
    monkeypatch.setattr(cli_module, "ESTIMATE_SHOWN_S", 0.0)
    shown = cli(*args)
    assert shown.exit_code == 0 and shown.stdout == quiet.stdout, "expected the same JSON on stdout"
    assert re.fullmatch(r"orchsim: estimate: about [0-9,]+ documents x 1 run, .* GB\n", shown.stderr), f"got {shown.stderr!r}"
    json.loads(shown.stdout)


def test_timeline_uses_only_documents_whose_invocations_were_kept() -> None:
    from orchsim.charts.timeline import pick_document, timeline_segments

    sc = scenario_from_dict({"seed": 4, "window_hours": 1.0, "workload": {"docs_per_day": 24_000},
                             "pipeline": {"steps": 3, "step": {"error_rate": 0.2}}})
    res = {p: simulate(sc, p, detail_docs=50) for p in ("lambda-chain-async", "sfn-standard")}
    k = res["sfn-standard"].invocations_every
    for how in ("retried", "first", "median"):
        doc = pick_document(res, how)
        assert doc % k == 0 and len(timeline_segments(res["sfn-standard"], doc)), f"{how}: picked document {doc}, stride {k}"
    with pytest.raises(ValueError, match=f"every {k}th document"):
        timeline_segments(res["sfn-standard"], 1)
