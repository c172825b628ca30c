"""The analytic engine: closed forms, vectorised pricing, and agreement with the simulation."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from orchsim.analytic.engine import estimate, monthly_cost, params_from_scenarios, per_document
from orchsim.aws.cost import COMPONENTS, price_metering
from orchsim.aws.metering import Metering
from orchsim.model.scenario import PATTERNS, load_scenario, scenario_from_dict
from orchsim.sim.run import simulate
from orchsim.study.analysis import ci95

SEED = "seed-article"
EXAMPLES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fixtures" / "aws_examples.yaml").read_text())


def fixed(n: int, d: float, **extra: object) -> dict:
    base = {
        "pipeline": {"steps": n, "step": {"duration": {"dist": "fixed", "ms": d}, "init_ms": 0, "memory_mb": 1024}},
        "step_functions": {"transition_latency_ms": 20},
    }
    base.update(extra)
    return base


@pytest.mark.parametrize("n,d", [(1, 100.0), (3, 250.0), (5, 800.0), (8, 40.0), (20, 1000.0)])
def test_closed_forms_per_document(n: int, d: float) -> None:
    p = params_from_scenarios([scenario_from_dict(fixed(n, d))])
    sync = per_document(p, "lambda-chain-sync")
    gb = 1024 / 1024 / 1000.0
    assert sync["gb_s_x86_64"][0] == pytest.approx(d * n * (n + 1) / 2 * gb), "sync chain bills d*n(n+1)/2"
    for pattern in ("lambda-chain-async", "sfn-standard", "sfn-express"):
        doc = per_document(p, pattern)
        assert doc["gb_s_x86_64"][0] == pytest.approx(n * d * gb), f"{pattern} bills n*d"
        assert doc["invocations"][0] == pytest.approx(n), f"{pattern}: n invocations"
    assert per_document(p, "sfn-standard")["transitions"][0] == n, "one transition per Task state"
    express = per_document(p, "sfn-express")
    billed_ms = math.ceil((n * d + n * 20) / 100) * 100
    assert express["express_gb_hours"][0] == pytest.approx(billed_ms / 1000 * 64 / 1024 / 3600), "Express 100 ms / 64 MB rounding"


def test_expected_attempts_under_retry_policy() -> None:
    p, r = 0.3, 3
    sc = scenario_from_dict(fixed(1, 100, retry={"max_attempts": r}) | {"pipeline": {"steps": 1, "step": {"duration": {"dist": "fixed", "ms": 100}, "init_ms": 0, "error_rate": p}}})
    doc = per_document(params_from_scenarios([sc]), "sfn-standard")
    assert doc["invocations"][0] == pytest.approx((1 - p ** (r + 1)) / (1 - p)), "attempts = (1-p^(R+1))/(1-p)"
    assert doc["p_succeeded"][0] == pytest.approx(1 - p ** (r + 1)), "success = 1 - p^(R+1)"


def test_vectorised_cost_matches_line_items() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        m = Metering(
            lambda_requests=float(rng.uniform(0, 5e9)),
            lambda_gb_s_x86_64=float(rng.uniform(0, 2e10)),
            lambda_gb_s_arm64=float(rng.uniform(0, 2e10)),
            sfn_transitions=float(rng.uniform(0, 1e9)),
            express_requests=float(rng.uniform(0, 1e9)),
            express_gb_hours=float(rng.uniform(0, 1e5)),
        )
        for free in (False, True):
            docs = 1e6 * 24 / 730  # one document per day per ... scaled so docs_per_month = 1e6
            per_doc = {
                "invocations": np.array([m.lambda_requests / 1e6]),
                "gb_s_x86_64": np.array([m.lambda_gb_s_x86_64 / 1e6]),
                "gb_s_arm64": np.array([m.lambda_gb_s_arm64 / 1e6]),
                "ephemeral_gb_s": np.array([0.0]),
                "transitions": np.array([m.sfn_transitions / 1e6]),
                "express_requests": np.array([m.express_requests / 1e6]),
                "express_gb_hours": np.array([m.express_gb_hours / 1e6]),
                "logs_gb": np.array([0.0]),
            }
            vec = monthly_cost(per_doc, np.array([1e6 * 24 / 730]), free_tier=free)
            items = price_metering(m, free_tier=free)
            assert vec["total"][0] == pytest.approx(items.total_usd, rel=1e-9), "vectorised total equals line items"
            for c in COMPONENTS:
                assert vec[c][0] == pytest.approx(items.by_component()[c], rel=1e-9, abs=1e-9), f"component {c}"
            del docs


def test_seed_article_standard_transitions() -> None:
    df = estimate(load_scenario(SEED))
    std = df[df.pattern == "sfn-standard"].iloc[0]
    assert std["transitions"] == pytest.approx(5), "5 transitions per document"
    article = EXAMPLES["standard"]["seed_article_day"]["expected"]["total_usd"]
    assert std["cost_sfn_transitions_usd"] / (730 / 24) == pytest.approx(article), f"expected ${article} a day of transitions (seed article)"


AGREEMENT = [
    pytest.param({}, id="seed"),
    pytest.param({"pipeline": {"steps": 3, "step": {"duration": {"dist": "exponential", "mean_ms": 500}, "error_rate": 0.1, "init_ms": 0}}}, id="errors-retries"),
    pytest.param({"pipeline": {"steps": 4, "step": {"duration": {"dist": "lognormal", "median_ms": 300, "p95_ms": 900}, "error_rate": 0.05, "fatal_error_rate": 0.02, "init_ms": 0}},
                  "chain": {"sync_retry": "policy", "dead_letter": True}, "workload": {"trigger": "sync"}}, id="fatal-policy"),
]


@pytest.mark.parametrize("overrides", AGREEMENT)
@pytest.mark.parametrize("pattern", PATTERNS)
def test_analytic_agrees_with_simulation(overrides: dict, pattern: str) -> None:
    """Without contention the analytic expectation lies in the simulation's 95% CI (per document)."""
    sc = load_scenario(SEED).with_overrides({"window_hours": 3, "workload.docs_per_day": 20000})
    if overrides:
        data = sc.to_dict()
        for section, value in overrides.items():
            data[section] = {**data[section], **value} if isinstance(value, dict) else value
        sc = scenario_from_dict(data)
    if pattern == "lambda-durable":  # a durable function runs the pipeline as a workflow: the graph engine
        row = estimate(sc, [pattern]).iloc[0]
        expected = {k: np.array([row[k]]) for k in ("gb_s_x86_64", "gb_s_arm64", "invocations", "p_succeeded", "p_failed", "p_lost")}
    else:
        expected = per_document(params_from_scenarios([sc]), pattern)
    metrics: dict[str, list[float]] = {"gb_s": [], "invocations": [], "succeeded": [], "failed": [], "lost": []}
    for rep in range(6):
        res = simulate(sc, pattern, replication=rep, detail=False)
        s = res.summary
        done = s.docs_arrived - s.docs_in_flight
        metrics["gb_s"].append(s.billed_gb_s / done)
        metrics["invocations"].append(s.lambda_invocations / done)
        metrics["succeeded"].append(s.docs_succeeded / done)
        metrics["failed"].append(s.docs_failed / done)
        metrics["lost"].append(s.docs_lost / done)
    checks = (("gb_s", None), ("invocations", "invocations"), ("succeeded", "p_succeeded"), ("failed", "p_failed"), ("lost", "p_lost"))
    for key, exp_key in checks:
        mean, lo, hi = ci95(metrics[key])
        want = float(expected["gb_s_x86_64"][0] + expected["gb_s_arm64"][0]) if exp_key is None else float(expected[exp_key][0])
        # A CI of zero width (deterministic metric) gets a small absolute tolerance.
        pad = max(1e-9, 0.002 * abs(want)) if hi - lo < 1e-9 else 0.0
        assert lo - pad <= want <= hi + pad, f"{pattern} {key}: analytic {want:.6g} outside simulated 95% CI [{lo:.6g}, {hi:.6g}] (mean {mean:.6g})"
