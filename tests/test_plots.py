"""Chart functions: each draws on the given axes and returns it, with a title, labelled axes (units
from the one LABELS mapping) and the footer naming the price book's region and as-of date."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

import orchsim.charts as plots
from orchsim import InputError, load_price_book, load_scenario
from orchsim.analytic.engine import estimate
from orchsim.aws.cost import price_metering
from orchsim.aws.metering import Metering
from orchsim.charts.timeline import timeline_segments
from orchsim.model.scenario import PATTERNS, Scenario
from orchsim.sim.result import SimulationResult
from orchsim.sim.run import simulate_patterns
from orchsim.study.compare import breakeven_grid, crossovers, simulated_check
from orchsim.study.sweep import sweep

BOOK = load_price_book()


@pytest.fixture(scope="module")
def seed() -> Scenario:
    return load_scenario("seed-article")


@pytest.fixture(scope="module")
def results(seed: Scenario) -> dict[str, SimulationResult]:
    sc = seed.with_overrides({"window_hours": 0.1, "pipeline.step.error_rate": 0.1, "chain.sync_retry": "policy"})
    return {r.pattern: r for r in simulate_patterns(sc)}


@pytest.fixture(scope="module")
def grid(seed: Scenario) -> pd.DataFrame:
    volumes = np.geomspace(1e2, 1e6, 5).tolist()
    return sweep(seed.with_overrides({"free_tier": True}), {"workload.docs_per_day": volumes, "pipeline.steps": [1, 3, 5, 8]}, progress=False)


def _charts(seed: Scenario, results: dict[str, SimulationResult], grid: pd.DataFrame) -> dict[str, Callable[[Axes], Axes]]:
    a = plots.scenario_assumptions(seed)
    line = grid[grid["pipeline.steps"] == 5]
    sim = simulated_check(seed, [1e4], replications=2, docs_per_run=100)
    be = breakeven_grid([1, 2, 5, 10], [64, 256])
    summary = pd.DataFrame({"pipeline.step.error_rate": [0.0, 0.1] * 2, "pattern": ["sfn-standard"] * 2 + ["lambda-chain-sync"] * 2,
                            "success_share": [1.0, 0.95, 1.0, 0.9], "success_share_ci_low": [1.0, 0.9, 1.0, 0.8],
                            "success_share_ci_high": [1.0, 1.0, 1.0, 1.0]})
    return {
        "cost_breakdown": lambda ax: plots.plot_cost_breakdown(ax, estimate(seed), assumptions=a),
        "crossover_map": lambda ax: plots.plot_crossover_map(ax, grid, assumptions=a),
        "cost_vs_volume": lambda ax: plots.plot_cost_vs_volume(ax, line, simulated=sim, assumptions=a),
        "breakeven": lambda ax: plots.plot_breakeven(ax, be, points=[(5, 5.2, "seed")], assumptions=a),
        "metric": lambda ax: plots.plot_metric(ax, summary, "pipeline.step.error_rate", "success_share", share=True, assumptions=a),
        "latency_cdf": lambda ax: plots.plot_latency_cdf(ax, results, assumptions=a),
        "outcomes": lambda ax: plots.plot_outcomes(ax, results, assumptions=a),
        "timeline": lambda ax: plots.plot_timeline(ax, results, plots.pick_document(results), assumptions=a),
    }


def _is_label(text: str) -> bool:
    """A label from LABELS (a log axis may add ', log scale' inside its parentheses)."""
    values = set(plots.LABELS.values())
    return text in values or text.replace(", log scale)", ")") in values


CHARTS = ["cost_breakdown", "crossover_map", "cost_vs_volume", "breakeven", "metric", "latency_cdf", "outcomes", "timeline"]


@pytest.mark.parametrize("name", CHARTS)
def test_chart_contract(name: str, seed: Scenario, results: dict[str, SimulationResult], grid: pd.DataFrame, tmp_path: Path) -> None:
    fig, ax = plots.figure()
    got = _charts(seed, results, grid)[name](ax)
    assert got is ax, f"{name}: expected the function to return the axes it drew on"
    assert ax.get_title(), f"{name}: expected a title"
    for which, text in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
        assert _is_label(text), f"{name}: {which} label {text!r} should come from plots.LABELS"
        categorical = {plots.LABELS[k] for k in plots.CATEGORICAL}
        assert text in categorical or "(" in text, f"{name}: {which} label {text!r} should state its unit in parentheses"
    footers = [t for t in fig.texts if t.get_gid() == "orchsim-footer"]
    assert len(footers) == 1, f"{name}: expected one footer text with gid orchsim-footer, got {len(footers)}"
    text = footers[0].get_text()
    assert "us-east-1" in text and BOOK.as_of in text, f"{name}: footer should name the region and price book date, got {text!r}"
    assert "Assumptions:" in text, f"{name}: footer should list the assumptions"
    paths = plots.save(fig, tmp_path / name)
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths), "expected a PNG and an SVG"


def test_footer_replaced_not_stacked() -> None:
    fig, ax = plots.figure()
    plots.add_footer(ax, "first")
    plots.add_footer(ax, "second", ["a", "b"])
    texts = [t.get_text() for t in fig.texts if t.get_gid() == "orchsim-footer"]
    assert texts == ["second\nAssumptions: a; b"], f"expected one footer, the last one written; got {texts}"
    plt.close(fig)


def test_cost_axis_formats_dollars_uniformly() -> None:
    fmt = plots.usd_formatter()
    fig, ax = plots.figure()
    ax.yaxis.set_major_formatter(fmt)
    labels = fmt.format_ticks([0.0, 0.5, 1.0, 1.5])
    assert labels == ["$0.0", "$0.5", "$1.0", "$1.5"], f"expected the same decimals on every tick, got {labels}"
    assert plots.usd_formatter()(12345.0) == "$12,345" and plots.usd_formatter()(0.0012) == "$0.0012"
    plt.close(fig)


def test_timeline_segments_show_waiting_and_orchestration(results: dict[str, SimulationResult]) -> None:
    doc = plots.pick_document(results, "first")
    sync = timeline_segments(results["lambda-chain-sync"], doc)
    std = timeline_segments(results["sfn-standard"], doc)
    assert "waiting on callee" in set(sync["kind"]), "a synchronous caller should wait on its callee"
    assert "orchestration overhead" in set(std["kind"]), "Step Functions should show transition latency between steps"
    assert "waiting on callee" not in set(std["kind"]), "Step Functions callers do not wait on callees"
    for pattern, r in results.items():
        seg = timeline_segments(r, doc)
        docs = r.documents
        assert docs is not None
        latency_s = float(docs.loc[docs["doc"] == doc, "latency_ms"].iloc[0]) / 1000.0
        assert seg["start_s"].min() >= -1e-9 and seg["end_s"].max() <= latency_s + 1e-6, f"{pattern}: segments outside the run"
        assert (seg["end_s"] > seg["start_s"]).all(), f"{pattern}: empty or negative segments"


def test_timeline_figure_one_axes_per_pattern(results: dict[str, SimulationResult]) -> None:
    fig, axes = plots.timeline_figure(results, plots.pick_document(results))
    assert len(axes) == len(PATTERNS), "expected one axes per pattern"
    assert fig.get_suptitle() and fig.legends, "the figure carries the title (the finding) and the segment legend"
    plt.close(fig)
    fig, axes = plots.timeline_figure(results, plots.pick_document(results), sharex=True)
    assert len({ax.get_xlim() for ax in axes}) == 1, "sharex=True should put the patterns on one time axis"
    plt.close(fig)


def test_crossovers_skip_touches_and_free_points(grid: pd.DataFrame) -> None:
    got = crossovers(grid, "pipeline.steps", ["lambda-chain-sync", "sfn-standard"], by=["workload.docs_per_day"])
    assert len(got), "expected Standard to cross the sync chain along the steps"
    assert ((got["x"] > 1) & (got["x"] <= 8)).all(), f"a crossing is where the other pattern becomes cheaper, never the first step: {got['x'].tolist()}"
    assert (got["cost_usd"] > 0).all(), "a crossing where both cost nothing is not a crossover"


def test_scenario_assumptions_name_the_basics(seed: Scenario) -> None:
    text = "; ".join(plots.scenario_assumptions(seed))
    for part in ("seed-article", "10,000 docs/day", "5 steps", "1024 MB", "free tier off", "730 h"):
        assert part in text, f"expected {part!r} in the assumptions: {text}"


def test_scenario_variant_and_explorer(seed: Scenario) -> None:
    from orchsim.charts.explorer import explorer, scenario_variant

    ai = load_scenario("ai-document-pipeline")
    v = scenario_variant(ai, steps=7, duration_scale=2.0, memory_mb=256, error_rate=0.05, docs_per_day=1e5)
    steps = v.steps()
    assert len(steps) == 7 and {s.memory_mb for s in steps} == {256}
    # a step that calls a model also fails when the model does (ai-document-pipeline's llm-call)
    assert {s.error_rate for s in steps if s.service is None} == {0.05}
    assert all(0.05 < s.error_rate < 0.06 for s in steps if s.service is not None)
    assert steps[0].duration.mean_ms == pytest.approx(2.0 * ai.steps()[0].duration.mean_ms), "durations should scale"
    assert len({s.name for s in steps}) == 7, "repeated steps need unique names"
    with pytest.raises(InputError, match="memory_mb"):
        scenario_variant(seed, memory_mb=64)
    widget: Any = explorer(seed)
    assert len(widget.children) == 2, "expected the sliders and the output area"


def _bars(ax: Axes) -> dict[float, list[float]]:
    """Heights of the stacked bar segments, by bar position (x centre), bottom to top."""
    out: dict[float, list[float]] = {}
    for r in sorted((p for p in ax.patches if isinstance(p, Rectangle)), key=lambda r: r.get_y()):
        out.setdefault(round(r.get_x() + r.get_width() / 2, 6), []).append(r.get_height())
    return out


def _priced(row: pd.Series, book: Any) -> dict[str, float]:
    """Price one estimate row's per-document metering for a month with orchsim.aws.cost."""
    month = float(row["docs_per_month"])
    metering = Metering(lambda_requests=row["invocations"] * month, lambda_gb_s_x86_64=row["gb_s_x86_64"] * month,
                        lambda_gb_s_arm64=row["gb_s_arm64"] * month, ephemeral_gb_s=row["ephemeral_gb_s"] * month,
                        sfn_transitions=row["transitions"] * month, express_requests=row["express_requests"] * month,
                        express_gb_hours=row["express_gb_hours"] * month, logs_gb=row["logs_gb"] * month)
    return price_metering(metering, str(row["region"]), free_tier=bool(row["free_tier"]), prices=book).by_component()


@pytest.mark.parametrize("value", ["usd_per_month", "usd_per_day"])
def test_cost_breakdown_bars_are_the_priced_costs(value: str, seed: Scenario) -> None:
    est = estimate(seed)
    fig, ax = plots.figure()
    plots.plot_cost_breakdown(ax, est, value=value)
    bars = _bars(ax)
    assert len(bars) == len(PATTERNS), f"expected one bar per pattern, got {len(bars)}"
    for x, pattern in enumerate(PATTERNS):
        row = est.set_index("pattern").loc[pattern]
        scale = float(row["docs_per_day"] / row["docs_per_month"]) if value == "usd_per_day" else 1.0
        priced = {c: v * scale for c, v in _priced(row.rename({"index": "pattern"}), BOOK).items() if v > 0}
        durable = sum(float(row.get(c, 0.0) or 0.0) for c in ("cost_durable_operations_usd", "cost_durable_data_written_usd",
                                                               "cost_durable_data_retained_usd"))
        if durable > 0:  # a durable function's operations and data: one segment on top
            priced["durable"] = durable * scale
        segments = [h for h in bars[float(x)] if h > 0]  # a component another pattern pays is drawn at zero height
        assert sum(segments) == pytest.approx(float(row["cost_total_usd"]) * scale, rel=1e-9), \
            f"{pattern}: the bar should reach the estimated total {row['cost_total_usd'] * scale}"
        assert segments == pytest.approx(list(priced.values()), rel=1e-9), \
            f"{pattern}: the segments should be orchsim.aws.cost's components {priced}, bottom up in COMPONENTS order"
        label = next(t.get_text() for t in ax.texts if abs(t.xy[0] - x) < 1e-9)
        assert label.split("\n")[0] == plots.usd_formatter()(sum(segments)), f"{pattern}: the total above the bar reads {label!r}"
    plt.close(fig)


def test_cost_vs_volume_lines_are_the_sweep(grid: pd.DataFrame) -> None:
    line = grid[grid["pipeline.steps"] == 5]
    fig, ax = plots.figure()
    plots.plot_cost_vs_volume(ax, line)
    for p in PATTERNS:
        drawn = next(ln for ln in ax.get_lines() if ln.get_label() == plots.PATTERN_LABELS[p])
        want = line[line["pattern"] == p].sort_values("workload.docs_per_day")
        assert np.allclose(drawn.get_xdata(), want["workload.docs_per_day"]), f"{p}: x should be the swept volumes"
        assert np.allclose(drawn.get_ydata(), want["cost_total_usd"].where(want["cost_total_usd"] > 0), equal_nan=True), \
            f"{p}: y should be the swept monthly cost (free points left out of the log axis)"
    plt.close(fig)


def test_explorer_slider_redraws_chart_and_table(seed: Scenario) -> None:
    from orchsim.charts.explorer import explorer, scenario_variant, variant_table
    from orchsim.charts.tables import format_value
    from orchsim.study.compare import compare

    widget: Any = explorer(seed)
    sliders = {w.description: w for column in widget.children[0].children for w in column.children}
    chart, table = widget.children[1].children
    assert chart.value[:8] == b"\x89PNG\r\n\x1a\n" and "<table" in table.value, "expected the first chart (PNG) and table"
    first_png, first_table = chart.value, table.value
    sliders["docs/day"].value = 1e6
    sliders["steps"].value = 8
    assert chart.value != first_png, "moving a slider should redraw the chart"
    values = {"docs_per_day": 1e6, "steps": 8, "duration_scale": 1.0, "memory_mb": sliders["memory MB"].value,
              "error_rate": sliders["error rate"].value}
    want = variant_table(compare(scenario_variant(seed, **values), prices=BOOK))
    assert table.value != first_table, "moving a slider should redraw the table"
    for cost in want["USD per month"]:
        assert format_value(cost, "money") in table.value, f"the table should show the slider's scenario cost {cost}"
    sliders["memory MB"].value = 128
    assert "memory_mb" not in table.value, "a valid memory should not be refused"


def test_charts_change_no_global_matplotlib_state(seed: Scenario, tmp_path: Path) -> None:
    import matplotlib as mpl

    before = {k: v for k, v in mpl.rcParams.items() if k != "backend"}
    fig, ax = plots.figure()
    plots.plot_cost_breakdown(ax, estimate(seed))
    assert ax.get_title(), "expected a chart"
    plots.save(fig, tmp_path / "chart")
    after = {k: v for k, v in mpl.rcParams.items() if k != "backend"}
    assert after == before, f"drawing changed rcParams: {sorted(k for k in before if before[k] != after[k])}"
    code = "import matplotlib as m; import orchsim.charts; print(m.rcParams['axes.grid'], m.rcParams['axes.titleweight'])"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120)
    assert proc.stdout.split() == ["False", "normal"], f"importing orchsim.charts should change no rcParams: {proc.stdout}{proc.stderr}"
