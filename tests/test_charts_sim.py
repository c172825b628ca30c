"""Simulation charts drawn from their data: outcome bars are the outcome shares, CDF lines the sorted
latencies, the failure sweep draws the async chain once and names coinciding lines, the timeline's
segment colours are not pattern colours and each panel has its own time axis, and the explorer's
table and title follow the slider values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

import orchsim.charts as plots
from orchsim import load_scenario
from orchsim.charts.explorer import render_variant, variant_table, variant_title
from orchsim.charts.failures import failure_sweep_lines
from orchsim.model.scenario import PATTERNS, Scenario
from orchsim.sim.result import SimulationResult
from orchsim.sim.run import simulate_patterns
from orchsim.study.compare import compare


@pytest.fixture(scope="module")
def seed() -> Scenario:
    return load_scenario("seed-article")


@pytest.fixture(scope="module")
def results(seed: Scenario) -> dict[str, SimulationResult]:
    sc = seed.with_overrides({"window_hours": 0.1, "pipeline.step.error_rate": 0.2, "chain.sync_retry": "policy"})
    return {r.pattern: r for r in simulate_patterns(sc)}


def test_outcome_bars_are_linear_shares_of_arrived_documents(results: dict[str, SimulationResult]) -> None:
    rows = pd.DataFrame([r.row() for r in results.values()]).set_index("pattern")
    table = plots.outcome_table(results).set_index("pattern")
    cols = [c for c, _ in plots.OUTCOMES]
    assert np.allclose(table[cols].sum(axis=1), 1.0), "the outcome shares of each pattern should sum to 100%"
    for p in PATTERNS:
        want = rows.loc[p, cols].to_numpy(dtype=float) / float(rows.loc[p, "docs_arrived"])
        assert np.allclose(table.loc[p, cols].to_numpy(dtype=float), want), f"{p}: shares should be counts / arrived"
    fig, ax = plots.figure()
    plots.plot_outcomes(ax, results)
    assert ax.get_xscale() == "linear" and ax.get_xlim() == (0.0, 1.0), "a 100% stacked bar on a linear axis"
    bars = sorted((r for r in ax.patches if isinstance(r, Rectangle) and r.get_width() > 0), key=lambda r: (r.get_y(), r.get_x()))
    for i, p in enumerate(PATTERNS):
        widths = [r.get_width() for r in bars if abs(r.get_y() + r.get_height() / 2 - i) < 1e-9]
        nonzero = [v for v in table.loc[p, cols] if v > 0]
        assert widths == pytest.approx(nonzero), f"{p}: segment widths should be the outcome shares {nonzero}"
    lost = table[table["docs_lost"] > 0]
    title = ax.get_title()
    assert "seed-article" in title and (lost.empty or f"{lost['docs_lost'].max():.1%}" in title), \
        f"the title should name the scenario and the largest loss, got {title!r}"
    texts = " ".join(t.get_text() for t in ax.texts)
    for p in PATTERNS:
        assert f"lost (no record) {table.loc[p, 'docs_lost']:.1%}" in texts, f"{p}: the lost share should be written as a number"
    plt.close(fig)


def test_latency_cdf_lines_are_sorted_latencies_and_twins_are_named(results: dict[str, SimulationResult]) -> None:
    docs = pd.concat([r.documents for r in results.values() if r.documents is not None], ignore_index=True)
    twin = docs[docs["pattern"] == "sfn-standard"].assign(pattern="sfn-express")  # Express identical to Standard
    data = pd.concat([docs[docs["pattern"] != "sfn-express"], twin], ignore_index=True)
    fig, ax = plots.figure()
    plots.plot_latency_cdf(ax, data)
    for p in PATTERNS:
        line = next(ln for ln in ax.get_lines() if str(ln.get_label()).startswith(plots.PATTERN_LABELS[p]))
        ok = data[(data["pattern"] == p) & (data["outcome"] == "succeeded")]
        assert np.allclose(line.get_xdata(), np.sort(ok["latency_ms"].to_numpy(float) / 1000.0)), f"{p}: x should be sorted latencies (s)"
        assert np.allclose(line.get_ydata(), np.arange(1, len(ok) + 1) / len(ok)), f"{p}: y should be the empirical CDF"
    labels = [str(ln.get_label()) for ln in ax.get_lines()]
    assert any("identical to Standard" in s for s in labels), f"a coinciding curve should say so in the legend: {labels}"
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ax.get_xscale() == "log" and len(ticks) >= 4, f"a labelled log axis with several ticks, got {ticks}"
    assert {t.get_text() for t in ax.texts} >= {"p50", "p99"}, "the p50 and p99 lines should be labelled"
    plt.close(fig)


def test_timeline_colours_and_own_axes(results: dict[str, SimulationResult]) -> None:
    assert not set(plots.TIMELINE_COLORS.values()) & set(plots.COLORS.values()), "segment colours must not be pattern colours"
    doc = plots.pick_document(results, "retried")
    fig, axes = plots.timeline_figure(results, doc, why="most retried")
    for p, ax in zip(PATTERNS, axes, strict=True):
        docs = results[p].documents
        assert docs is not None
        seconds = float(docs.loc[docs["doc"] == doc, "latency_ms"].iloc[0]) / 1000.0
        assert ax.get_xlim()[1] == pytest.approx(seconds * 1.02, rel=0.02), f"{p}: its own time axis, up to its {seconds:.1f} s"
    assert f"document {doc} (most retried)" in fig.get_suptitle(), "the title should say which document and why"
    plt.close(fig)


def _sweep() -> pd.DataFrame:
    rows = []
    for rate in (0.0, 0.1, 0.2):
        for retries in (0, 3):
            for p in PATTERNS:
                ok = 1.0 - rate * (0.5 if p == "lambda-chain-async" else (0.2 if retries else 1.0))
                rows.append({"pipeline.step.error_rate": rate, "retry.max_attempts": retries, "pattern": p, "success_share": ok})
    return pd.DataFrame(rows)


def test_failure_sweep_draws_async_once_and_notes_coinciding_lines() -> None:
    df = _sweep()
    lines = failure_sweep_lines(df, "pipeline.step.error_rate", "success_share")
    assert sorted(set(lines["line"])) == sorted(["lambda-chain-async|", *(f"{p}|{r}" for p in PATTERNS if p != "lambda-chain-async" for r in (0, 3))])
    same = lines.drop_duplicates("line").set_index("line")["same_as"]
    assert same["sfn-standard|0"] == "lambda-chain-sync|0" and same["sfn-express|3"] == "lambda-chain-sync|3", \
        f"lines with the same values should point to the first one: {same.to_dict()}"
    fig, ax = plots.figure()
    plots.plot_failure_sweep(ax, df, "success_share", async_retries=2)
    drawn = [ln for ln in ax.get_lines() if len(ln.get_xdata()) == 3]
    assert len(drawn) == 2 * (len(PATTERNS) - 1) + 1, f"expected 4 patterns x 2 retry settings + the async chain once, got {len(drawn)}"
    ys = sorted(tuple(np.round(ln.get_ydata(), 9)) for ln in drawn)
    want = sorted(tuple(np.round(g.sort_values("pipeline.step.error_rate")["success_share"].to_numpy(), 9)) for _, g in lines.groupby("line"))
    assert ys == want, "the lines should be the sweep's values"
    legend = ax.get_legend()
    assert legend is not None
    names = [t.get_text() for t in legend.get_texts()]
    assert any("async retries 2" in n and "not applied" in n for n in names), f"the async chain's own retry setting: {names}"
    assert any("same values" in t.get_text() for t in ax.texts), "coinciding lines should be noted on the axes"
    plt.close(fig)
    fig, axes = plots.failure_sweep_figure(df.assign(lost_share=0.0, wasted_usd=1.0, latency_p99_s=5.0), async_retries=2, context="toy")
    assert fig.get_suptitle().startswith("toy: at 20% errors with 3 retries"), fig.get_suptitle()
    plt.close(fig)


def test_explorer_table_title_and_contention(seed: Scenario) -> None:
    df = compare(seed)
    table = variant_table(df)
    assert {"failed share", "lost share", "succeeded share"} <= set(table.columns), "the table should include failures"
    assert table["USD per month"].tolist() == pytest.approx(df["cost_total_usd"].tolist()), "cost per month from compare"
    assert variant_title(seed, df).startswith("seed-article at 10,000 docs/day, 5 steps: async chain cheapest"), variant_title(seed, df)
    png, html = render_variant(seed, {"docs_per_day": 1e8})
    assert png is not None and "Warning:" in html and "THROTTLING NOT MODELLED" in html, "a contention warning at 100M docs/day"
    assert "100M docs/day" in html and "e+0" not in html and "100.0%" in html, "volumes and shares written for people"
    png, html = render_variant(seed, {})
    assert "Warning:" not in html, "no warning when the estimate fits the limits"
