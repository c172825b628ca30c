"""Four-pattern comparison of one scenario from the analytic engine: a table and a chart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from orchsim.analytic import estimate
from orchsim.plots import add_footer, figure, plot_cost_breakdown, save
from orchsim.pricing import PriceBook, load_price_book
from orchsim.scenario import PATTERNS, Scenario

__all__ = ["compare", "format_comparison", "comparison_chart", "scenario_assumptions"]


def compare(scenario: Scenario, *, prices: str | PriceBook | None = None) -> pd.DataFrame:
    """One row per pattern: per-document metering and monthly cost (analytic engine)."""
    return estimate(scenario, PATTERNS, prices=prices)


def scenario_assumptions(scenario: Scenario) -> list[str]:
    """Short strings naming the assumptions a chart of ``scenario`` rests on."""
    steps = scenario.steps()
    mems = sorted({s.memory_mb for s in steps})
    return [
        f"scenario {scenario.name}: {scenario.workload.docs_per_day:,.0f} docs/day, {len(steps)} steps",
        f"memory {'/'.join(str(m) for m in mems)} MB {steps[0].arch}",
        f"month = 730 h, free tier {'on' if scenario.free_tier else 'off'}",
        f"retry MaxAttempts {scenario.retry.max_attempts}, transition latency {scenario.step_functions.transition_latency_ms:g} ms",
    ]


def format_comparison(df: pd.DataFrame, scenario: Scenario, book: PriceBook) -> str:
    """Plain-text table: monthly cost per pattern and its main meters."""
    lines = [
        f"{scenario.name}: {scenario.workload.docs_per_day:,.0f} documents/day, {len(scenario.steps())} steps "
        f"(analytic engine, no contention)",
        book.footer(scenario.region),
        "",
        f"{'pattern':<20} {'USD/month':>11} {'USD/1k docs':>12} {'Lambda GB-s/doc':>16} {'transitions/doc':>16} {'Express GB-h/doc':>17}",
    ]
    for _, r in df.iterrows():
        lines.append(
            f"{r['pattern']:<20} {r['cost_total_usd']:>11,.2f} {r['cost_per_1000_docs_usd']:>12,.4f} "
            f"{r['gb_s_x86_64'] + r['gb_s_arm64']:>16.3f} {r['transitions']:>16.2f} {r['express_gb_hours']:>17.6f}"
        )
    cheapest = df.loc[df["cost_total_usd"].idxmin(), "pattern"]
    lines.append(f"\ncheapest: {cheapest}")
    return "\n".join(lines)


def comparison_chart(df: pd.DataFrame, scenario: Scenario, out_dir: str | Path, *, prices: str | PriceBook | None = None) -> list[Path]:
    """Write the cost-breakdown chart of ``df`` to ``out_dir/cost-comparison.{png,svg}``."""
    book = load_price_book(prices)
    fig, ax = figure()
    plot_cost_breakdown(ax, df, title=f"{scenario.name}: monthly cost by pattern")
    add_footer(ax, book.footer(scenario.region), scenario_assumptions(scenario))
    return save(fig, Path(out_dir) / "cost-comparison")
