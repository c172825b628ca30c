"""Model charts (issue 11): total cost of ownership per pattern and throughput against the model quota."""

from __future__ import annotations

import math
from dataclasses import replace

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from orchsim import load_scenario, simulate
from orchsim.charts.model import TCO_GROUPS, quota_chart, tco_chart, tco_finding, tco_parts
from orchsim.model.scenario import PATTERNS, Scenario, scenario_from_dict
from orchsim.sim.result import Summary

FOOTER = "orchsim-footer"


def _scenario() -> Scenario:
    return scenario_from_dict({
        "name": "model-charts", "seed": 3, "window_hours": 1,
        "workload": {"docs_per_day": 4000, "trigger": "async"},
        "services": {"claude": {
            "model": "anthropic.claude-3-5-haiku",
            "tokens": {"input": {"dist": "lognormal", "median": 3000, "p95": 12000},
                       "output": {"dist": "lognormal", "median": 400, "p95": 1500}},
            "latency": {"first_token_ms": 600, "output_tokens_per_s": 80},
            "quota": {"requests_per_minute": 2},
        }},
        "pipeline": {"step": {"memory_mb": 512, "duration": {"dist": "lognormal", "median_ms": 200, "p95_ms": 600}},
                     "steps": [{"name": "extract"}, {"name": "llm", "service": "claude", "timeout_s": 120}, {"name": "store"}]},
    })


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return _scenario()


@pytest.fixture(scope="module")
def summaries(scenario: Scenario) -> list[Summary]:
    return [simulate(scenario, p, detail=False).summary for p in PATTERNS]


@pytest.fixture(scope="module")
def sweep_rows(scenario: Scenario) -> list[Summary]:
    # quota 2 requests/min = 120 model calls/h = 120 docs/h (one model step); offered 42-250 docs/h
    return [simulate(scenario.with_overrides({"workload.docs_per_day": v}), p, detail=False).summary
            for v in (1000, 2500, 6000) for p in PATTERNS]


def _footer(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.texts if t.get_gid() == FOOTER)


def test_parts_sum_to_total_and_keep_their_order(summaries: list[Summary]) -> None:
    for s in summaries:
        parts = tco_parts(s)
        assert list(parts) == list(TCO_GROUPS)
        assert math.isclose(sum(parts.values()), s.cost_usd["total"], rel_tol=1e-9, abs_tol=1e-9)
        assert parts["model"] > 0 and all(v >= 0 for v in parts.values())
    by = {s.pattern: tco_parts(s) for s in summaries}
    assert by["lambda-chain-sync"]["orchestration"] == 0 and by["sfn-standard"]["orchestration"] > 0


def test_parts_put_other_services_in_storage_and_requests(summaries: list[Summary]) -> None:
    s = summaries[0]
    cost = dict(s.cost_usd, dynamodb=1.5, s3=0.25)
    cost["total"] += 1.75
    parts = tco_parts(replace(s, cost_usd=cost))
    assert parts["services"] == pytest.approx(1.75)
    assert sum(parts.values()) == pytest.approx(cost["total"])


def test_tco_chart_one_bar_per_pattern_with_orchestration_share(scenario: Scenario, summaries: list[Summary]) -> None:
    fig = tco_chart(summaries, scenario=scenario)
    try:
        ax = fig.axes[0]
        bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
        assert len({round(b.get_x() + b.get_width() / 2, 6) for b in bars}) == len(PATTERNS)
        tops: dict[float, float] = {}
        for b in bars:  # the stacks of each bar reach its total
            x = round(b.get_x() + b.get_width() / 2, 6)
            tops[x] = max(tops.get(x, 0.0), b.get_y() + b.get_height())
        assert sorted(tops.values()) == pytest.approx(sorted(s.cost_usd["total"] for s in summaries))
        labels = [t.get_text() for t in ax.texts if "orchestration" in t.get_text()]
        assert len(labels) == len(PATTERNS) and all("%" in t for t in labels)
        assert ax.get_title().startswith("model-charts: ") and "cheapest" in ax.get_title()
        footer = _footer(fig)
        assert "price book as of" in footer and "anthropic.claude-3-5-haiku" in footer and "docs/day" in footer
    finally:
        plt.close(fig)


def test_tco_chart_with_a_pattern_without_model_cost(scenario: Scenario, summaries: list[Summary]) -> None:
    no_model = {k: v for k, v in summaries[0].cost_usd.items() if not k.startswith("model_")}
    no_model["total"] = sum(v for k, v in no_model.items() if k != "total")
    rows = [replace(summaries[0], cost_usd=no_model), *summaries[1:]]
    assert tco_parts(rows[0])["model"] == 0
    fig = tco_chart(rows, scenario=scenario)
    try:
        assert fig.axes[0].get_title() and _footer(fig)
    finally:
        plt.close(fig)
    seed = load_scenario("seed-article").with_overrides({"window_hours": 0.05})
    plain = [simulate(seed, p, detail=False).summary for p in ("lambda-chain-sync", "sfn-express")]
    assert "model tokens" not in tco_finding(plain)
    fig = tco_chart(plain, scenario=seed)
    try:
        assert len([t for t in fig.axes[0].texts if "orchestration" in t.get_text()]) == 2
    finally:
        plt.close(fig)


def test_quota_chart_two_panels_and_the_quota_line(scenario: Scenario, sweep_rows: list[Summary]) -> None:
    fig = quota_chart(sweep_rows, scenario=scenario, quota_per_minute=2, quota_docs_per_hour=120.0)
    try:
        assert len(fig.axes) == 2
        for ax in fig.axes:
            pattern_lines = [ln for ln in ax.get_lines() if ln.get_gid() != "orchsim-quota" and len(ln.get_xdata()) == 3]
            assert len(pattern_lines) == len(PATTERNS)
            quota = [ln for ln in ax.get_lines() if ln.get_gid() == "orchsim-quota"]
            assert len(quota) == 1 and list(quota[0].get_xdata()) == [120.0, 120.0]
        title = fig.get_suptitle().replace("\n", " ")  # wrapped to the figure width
        assert title.startswith("model-charts: Past the model quota (120 docs/h)")
        assert "p99 up to" in title
        footer = _footer(fig)
        assert "1,000-6,000 docs/day" in footer and "2 requests/min" in footer
    finally:
        plt.close(fig)


def test_quota_chart_without_a_quota_draws_no_line(scenario: Scenario, sweep_rows: list[Summary]) -> None:
    fig = quota_chart(sweep_rows, scenario=scenario, quota_per_minute=None)
    try:
        assert not [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_gid() == "orchsim-quota"]
        assert fig.get_suptitle() and _footer(fig)
    finally:
        plt.close(fig)
