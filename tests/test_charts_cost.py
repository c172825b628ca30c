"""Cost charts checked on their data: the highlighted bar is the cheapest, legend entries are the
visible series, crossing markers sit where the drawn lines cross, the scenario's point sits on its
own curve, and a saved figure fits a 16:9 slide."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

import orchsim.charts as plots
from orchsim import load_scenario
from orchsim.charts.cost import cost_finding
from orchsim.charts.style import COMPONENT_COLORS, PATTERN_SHORT, add_suptitle, merge_legends
from orchsim.model.scenario import PATTERNS, Scenario
from orchsim.study.analysis import express_breakeven
from orchsim.study.compare import breakeven_grid, compare, crossovers
from orchsim.study.sweep import sweep


@pytest.fixture(scope="module")
def seed() -> Scenario:
    return load_scenario("seed-article")


@pytest.fixture(scope="module")
def steps_line(seed: Scenario) -> pd.DataFrame:
    return sweep(seed, {"pipeline.steps": list(range(1, 11))}, progress=False)


@pytest.fixture(scope="module")
def free_line(seed: Scenario) -> pd.DataFrame:
    vols = np.geomspace(1e2, 1e6, 13).tolist()
    return sweep(seed.with_overrides({"free_tier": True}), {"workload.docs_per_day": vols}, progress=False)


def _png_px(fig: plt.Figure, path: Path) -> tuple[int, int]:
    png = plots.save(fig, path)[0]
    h, w = mpimg.imread(png).shape[:2]
    return w, h


def _gid(ax: Axes, gid: str) -> list:
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_breakdown_outlines_the_cheapest_bar_and_titles_the_finding(seed: Scenario, tmp_path: Path) -> None:
    df = compare(seed)
    fig, ax = plots.figure()
    plots.plot_cost_breakdown(ax, df)
    totals = df.set_index("pattern")["cost_total_usd"].reindex([p for p in PATTERNS if p in set(df["pattern"])])
    outline = _gid(ax, "orchsim-cheapest")
    assert len(outline) == 1, "expected one outline"
    xs, ys = outline[0].get_data()
    assert np.mean([min(xs), max(xs)]) == pytest.approx(list(totals.index).index(totals.idxmin())), "the outlined bar should be the cheapest"
    assert max(ys) == pytest.approx(totals.min()), "the outline should reach the cheapest total"
    title = ax.get_title().replace("\n", " ").replace("\\$", "$")
    assert title.startswith(f"{seed.name}: ") and cost_finding(df) in title, f"title should state the finding, got {title!r}"
    ratio = totals.max() / totals.min()
    assert f"{ratio:.1f}x" in title, f"title should give the dearest's multiple {ratio:.1f}x"
    w, _ = _png_px(fig, tmp_path / "b")
    assert 1500 <= w <= 2050, f"a 16:9 slide chart should be about 1,600-2,000 px wide, got {w}"


def test_breakdown_legend_lists_only_visible_components(seed: Scenario) -> None:
    df = compare(seed)
    fig, ax = plots.figure()
    plots.plot_cost_breakdown(ax, df)
    top = df["cost_total_usd"].max()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    for comp in plots.LABELS.keys() & {c.removeprefix("cost_").removesuffix("_usd") for c in df.columns if c.startswith("cost_")}:
        if comp == "total" or comp not in COMPONENT_COLORS:
            continue
        biggest = float(df[f"cost_{comp}_usd"].max())
        visible = biggest >= 0.01 * top
        assert (plots.LABELS[comp] in legend) == visible, f"{comp}: max ${biggest:.2f} of ${top:.2f}; in legend iff visible"
    assert "Lambda requests" not in legend and any("Too thin" in t.get_text() for t in ax.texts), \
        "Lambda requests (under 1% of the axis) should be named in the note, not the legend"
    plt.close(fig)


def test_breakdown_references_are_drawn_at_their_amounts(seed: Scenario) -> None:
    fig, ax = plots.figure()
    plots.plot_cost_breakdown(ax, compare(seed), value="usd_per_day", references={"sfn-standard": (1.25, "article"), "lambda-chain-async": (0.10, "a")})
    refs = sorted((r.get_x() + r.get_width() / 2, r.get_height()) for r in ax.patches if r.get_gid() == "orchsim-reference")
    assert refs == [pytest.approx((1.41, 0.10)), pytest.approx((2.41, 1.25))], f"reference bars beside their patterns, got {refs}"
    plt.close(fig)


def test_cost_vs_steps_crossings_sit_on_both_lines_with_whole_step_labels(seed: Scenario, steps_line: pd.DataFrame) -> None:
    fig, ax = plots.figure()
    plots.plot_cost_vs_volume(ax, steps_line, x="pipeline.steps", logx=False, logy=False, point=5)
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    table = crossovers(steps_line, "pipeline.steps")
    marks = _gid(ax, "orchsim-crossing")
    assert len(marks) == len(table) > 0, "one marker per crossing"
    for mark, row in zip(marks, table.to_dict("records"), strict=True):
        cx, cy = float(mark.get_xdata()[0]), float(mark.get_ydata()[0])
        for p in (row["pattern_a"], row["pattern_b"]):
            ln = lines[plots.PATTERN_LABELS[p]]
            assert np.interp(cx, ln.get_xdata(), ln.get_ydata()) == pytest.approx(cy, rel=1e-6), f"marker should sit on {p}'s line"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"Standard cheaper than sync chain from {table[table['pattern_b'] == 'sfn-standard']['x'].iloc[0]:.0f} steps" in labels
    assert all(float(t).is_integer() for t in ax.get_xticks()), "step ticks should be whole numbers"
    assert [ln.get_xdata()[0] for ln in _gid(ax, "orchsim-point")] == [5], "the scenario's step count should be marked"
    plt.close(fig)


def test_cost_vs_volume_says_where_lines_are_free(free_line: pd.DataFrame) -> None:
    fig, ax = plots.figure()
    plots.plot_cost_vs_volume(ax, free_line, point=1e4)
    note = " ".join(t.get_text() for t in _gid(ax, "orchsim-notes")).replace("\\$", "$")
    for p in PATTERNS:
        g = free_line[free_line["pattern"] == p].sort_values("workload.docs_per_day")
        free = g["cost_total_usd"].to_numpy() <= 0
        if free.any() and not free.all():
            assert f"{PATTERN_SHORT[p]}: $0 (free tier) below" in note, f"{p} is $0 at low volume; the note should say so"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    drawn = {ln.get_label() for ln in ax.get_lines() if np.isfinite(np.asarray(ln.get_ydata(), dtype=float)).any()}
    assert all(label in drawn or label[0].isdigit() or "cheaper" in label for label in legend), "legend entries should be drawn series"
    plt.close(fig)


def test_breakeven_point_ring_on_its_own_curve_and_lines_reach_the_limit(tmp_path: Path) -> None:
    grid = breakeven_grid(list(range(1, 11)), [64, 1024])
    fig, ax = plots.figure()
    plots.plot_breakeven(ax, grid, points=[(5, 5.2, "seed", 64)])
    ring = _gid(ax, "orchsim-point-curve")
    assert len(ring) == 1 and float(ring[0].get_ydata()[0]) == pytest.approx(float(express_breakeven(5, 64))), \
        "the ring should sit on the 64 MB curve at 5 transitions"
    assert ax.get_legend().get_title().get_text() == "Express billed memory (MB)"
    styles = {str(ln.get_linestyle()) for ln in ax.get_lines() if ln.get_label() in ("64 MB", "1024 MB")}
    assert len(styles) == 2, "the two memory lines should have different styles"
    plt.close(fig)
    volume = breakeven_grid(list(range(1, 41)), [64], [1e5, 1e7])
    fig, ax = plots.figure()
    plots.plot_breakeven(ax, volume, by="executions")
    reached = _gid(ax, "orchsim-limit-reached")
    assert reached and all(float(r.get_ydata()[0]) == pytest.approx(300.0) for r in reached), "a stopping line should reach the limit"
    last = volume.dropna(subset=["breakeven_s"])["transitions"].max()
    assert ax.get_xlim()[1] < last + 5, f"the x axis should fit the drawn lines (last finite x {last}), got {ax.get_xlim()}"
    plt.close(fig)


def test_crossover_map_point_contours_and_slide_width(seed: Scenario, tmp_path: Path) -> None:
    sc = seed.with_overrides({"free_tier": True})
    grid = sweep(sc, {"workload.docs_per_day": np.geomspace(1e2, 1e6, 9).tolist(), "pipeline.steps": list(range(1, 9))}, progress=False)
    fig, axes = plots.figure(9.6, 5.4, ncols=2, sharey=True)
    keep = ["lambda-chain-sync", "sfn-standard", "sfn-express"]
    plots.plot_crossover_map(axes[0], grid, ratio=("lambda-chain-async", "lambda-chain-sync"), point=(1e4, 5), point_label="seed")
    plots.plot_crossover_map(axes[1], grid, patterns=keep, ratio=("sfn-express", "lambda-chain-sync"), point=(1e4, 5), point_label="seed")
    star = _gid(axes[1], "orchsim-point")[0]
    assert (star.get_xdata()[0], star.get_ydata()[0]) == (pytest.approx(4.0), 5), "the star should be at log10(10k docs/day), 5 steps"
    assert plots.COLORS["lambda-chain-sync"] != plots.COLORS["lambda-chain-async"]
    assert "Express \u00f7 sync chain" in axes[1].get_title(), "the title should say what the contours compare"
    leg = merge_legends(fig, title="Cheapest pattern")
    add_suptitle(fig, "finding")
    assert len({t.get_text() for t in leg.get_texts()}) == len(leg.get_texts()), "one legend entry per label"
    w, _ = _png_px(fig, tmp_path / "map")
    assert 1500 <= w <= 2150, f"two-panel map should fit a slide, got {w} px"
