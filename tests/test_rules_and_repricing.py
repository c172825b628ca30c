"""One home per rule, engines meter and pricing prices.

* A price file's billing units (``book.rules``) move the calculator, the analytic engine and the
  simulation alike (a 1000 ms Lambda rounding unit bills every invocation a whole second).
* A simulated result is priced again with another price book without simulating; a book with other
  metering rules is refused.
* The summary is typed; both engines name the same quantity the same way.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from conftest import edited_price_book

from orchsim.analytic.engine import estimate
from orchsim.aws.calculator import price_lambda
from orchsim.aws.pricebook import default_prices_path, load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, load_scenario, scenario_from_dict
from orchsim.sim.result import Latency, Summary
from orchsim.sim.run import simulate

RAW: dict[str, Any] = yaml.safe_load(default_prices_path().read_text())
FIXED = {  # 3 steps of exactly 120.5 ms: 121 ms billed at 1 ms rounding, 1000 ms at 1000 ms rounding
    "seed": 7,
    "window_hours": 0.2,
    "workload": {"docs_per_day": 5000},
    "pipeline": {"steps": 3, "step": {"duration": {"dist": "fixed", "ms": 120.5}, "init_ms": 0, "memory_mb": 1024}},
}


@pytest.fixture(scope="module")
def second_rounding(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return edited_price_book(tmp_path_factory.mktemp("prices"), "second.yaml", **{"lambda/duration_rounding_ms": 1000})


@pytest.fixture(scope="module")
def discount(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = copy.deepcopy(RAW)
    us = data["lambda"]["regions"]["us-east-1"]
    us["requests_usd_per_million"] = 0.10
    for tiers in us["duration_tiers"].values():
        for t in tiers:
            t["usd_per_gb_s"] = t["usd_per_gb_s"] / 2
    data["step_functions"]["standard"]["regions"]["us-east-1"]["usd_per_1000_transitions"] = 0.0125
    path = tmp_path_factory.mktemp("prices") / "half.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_lambda_rounding_from_the_price_book_moves_every_engine(second_rounding: Path) -> None:
    book = load_price_book(second_rounding)
    assert book.rules.lambda_rounding_ms == 1000, f"expected the file's 1000 ms rounding in book.rules, got {book.rules}"
    # Calculator: 1M x 120 ms at 1 GB bills 1M GB-s (whole seconds) instead of 120,000.
    for prices, gb_s in ((None, 120_000), (second_rounding, 1_000_000)):
        (comp,) = [li for li in price_lambda(1_000_000, 120, 1024, prices=prices).line_items if li.component == "lambda_compute"]
        assert comp.quantity == pytest.approx(gb_s), f"expected {gb_s} GB-s with prices={prices}, got {comp.quantity}"
    sc = scenario_from_dict(FIXED)
    for pattern in ("lambda-chain-async", "sfn-standard"):
        # Analytic engine: 3 fixed steps of 120.5 ms -> 3 x 121 ms, or 3 x 1000 ms.
        for prices, ms in ((None, 121), (second_rounding, 1000)):
            row = estimate(sc, [pattern], prices=prices).iloc[0]
            assert row["billed_gb_s_per_doc"] == pytest.approx(3 * ms / 1000), (
                f"{pattern}: expected estimate() to bill 3 x {ms} ms per document with prices={prices}, got {row['billed_gb_s_per_doc']}"
            )
        # Simulation: every billed invocation a whole number of units.
        one = simulate(sc, pattern, prices=None)
        sec = simulate(sc, pattern, prices=second_rounding)
        assert sec.rules.lambda_rounding_ms == 1000, "expected the run to record the rules it was metered with"
        billed = sec.invocations.loc[sec.invocations.result != "throttled", "billed_ms"]
        assert (billed % 1000 == 0).all() and (billed == 1000).all(), f"{pattern}: expected every invocation billed 1000 ms, got {billed.unique()}"
        assert set(one.invocations["billed_ms"]) == {121}, f"{pattern}: expected 121 ms per invocation at 1 ms rounding"
        assert sec.summary.billed_gb_s == pytest.approx(one.summary.billed_gb_s * 1000 / 121), (
            f"{pattern}: expected the simulation's GB-s to scale with the rounding unit"
        )


def test_express_units_from_the_price_book(tmp_path: Path) -> None:
    path = edited_price_book(tmp_path, "exp.yaml", **{"step_functions/express/memory_chunk_mb": 128, "step_functions/express/duration_rounding_ms": 1000})
    sc = scenario_from_dict(FIXED)
    sim = simulate(sc, "sfn-express", prices=path, detail=False)
    done = sim.summary.express_executions
    # 3 x 120.5 ms + 3 x transition latency -> one 1000 ms unit; 64 MB of memory -> one 128 MB chunk.
    assert sim.metering.express_gb_hours == pytest.approx(done * 1.0 * 128 / 1024 / 3600), (
        f"expected each execution billed 1 s x 128 MB, got {sim.metering.express_gb_hours} GB-h for {done} executions"
    )
    row = estimate(sc, ["sfn-express"], prices=path).iloc[0]
    assert row["express_gb_hours"] == pytest.approx(1.0 * 128 / 1024 / 3600), f"expected estimate() 1 s x 128 MB, got {row['express_gb_hours']}"


def test_priced_again_without_simulating(discount: Path) -> None:
    sc = scenario_from_dict({**FIXED, "pipeline": {"steps": 3, "step": {"error_rate": 0.2, "init_ms": 0}}})
    for pattern in ("lambda-chain-async", "sfn-standard"):
        res = simulate(sc, pattern, detail=False)
        direct = simulate(sc, pattern, prices=discount, detail=False)
        again = res.priced(discount)
        assert again.metering == res.metering and again.waste == res.waste, "expected the metering untouched by re-pricing"
        assert again.to_dict() == direct.to_dict(), f"{pattern}: expected re-pricing to equal simulating with that book"
        assert again.summary.cost_usd["total"] < res.summary.cost_usd["total"], "expected the discount book to cost less"
        assert res.priced().to_dict() == res.to_dict(), "expected re-pricing with the same book to change nothing"
        assert 0 < again.summary.wasted_usd < res.summary.wasted_usd, f"{pattern}: expected wasted USD re-priced too"


def test_priced_refuses_other_metering_rules(second_rounding: Path) -> None:
    res = simulate(scenario_from_dict(FIXED), "sfn-standard", detail=False)
    with pytest.raises(InputError, match="Lambda rounding 1000 ms") as info:
        res.priced(second_rounding)
    assert info.value.field == "prices" and "simulate again" in info.value.message, f"expected a fix in the message, got {info.value}"


def test_summary_is_typed_and_json_shape_kept() -> None:
    res = simulate(scenario_from_dict(FIXED), "sfn-standard", detail=False)
    s = res.summary
    assert isinstance(s, Summary) and isinstance(s.latency_ms, Latency), f"expected a typed summary, got {type(s)}"
    d = res.to_dict()
    head = ["scenario", "pattern", "seed", "replication", "window_hours", "docs_arrived", "docs_succeeded", "docs_failed",
            "docs_lost", "docs_in_flight", "duplicates", "throughput_docs_per_s", "lambda_invocations", "lambda_throttles",
            "cold_starts", "orphaned_invocations", "peak_concurrency", "state_transitions", "express_executions",
            "billed_gb_s", "latency_ms", "cost_usd", "cost_per_1000_docs_usd", "wasted_usd", "region", "price_book_as_of"]
    assert list(d)[: len(head)] == head, f"expected the JSON keys in their old order first, got {list(d)}"
    assert list(d["latency_ms"]) == ["p50", "p95", "p99"], f"expected latency_ms {{p50, p95, p99}}, got {d['latency_ms']}"
    assert list(d["cost_usd"])[0] == "total" and math.isclose(sum(v for k, v in d["cost_usd"].items() if k != "total"), d["cost_usd"]["total"]), (
        "expected cost_usd with total first and components summing to it"
    )
    assert s.docs_succeeded == d["docs_succeeded"] and s.latency_ms.p95 == d["latency_ms"]["p95"], "expected to_dict() to hold the typed fields"


def test_engines_share_column_names() -> None:
    sc = load_scenario("seed-article").with_overrides({"window_hours": 0.5})
    sim = pd.DataFrame([simulate(sc, p, detail=False).row() for p in PATTERNS])
    ana = estimate(sc)
    shared = ["scenario", "pattern", "region", "free_tier", "price_book_as_of", "docs_per_day", "steps", "cost_total_usd",
              "cost_per_1000_docs_usd", "lambda_invocations_per_doc", "billed_gb_s_per_doc", "state_transitions_per_doc",
              "express_executions_per_doc", "cold_starts_per_doc", "duplicates_per_doc", "share_succeeded", "share_failed",
              "share_lost", "latency_mean_ms"]
    for col in shared:
        assert col in sim.columns and col in ana.columns, f"expected both engines to have column {col!r}"
        assert sim[col].dtype.kind == ana[col].dtype.kind or {sim[col].dtype.kind, ana[col].dtype.kind} <= {"i", "f"}, (
            f"expected {col!r} to mean the same kind of value in both engines"
        )
    both = pd.concat([sim.assign(engine="simulation"), ana.assign(engine="analytic")], ignore_index=True)
    durable = both[both["pattern"] == "lambda-durable"].groupby("engine")["lambda_invocations_per_doc"].mean()
    assert durable.to_numpy() == pytest.approx([1.0, 1.0], rel=0.02), f"a durable function: one invocation a document {durable}"
    per_doc = both[both["pattern"] != "lambda-durable"].groupby("engine")["lambda_invocations_per_doc"].mean()
    # About 5 (the seed scenario retries a few errors; the simulation also counts in-flight work).
    assert per_doc["analytic"] == pytest.approx(5.0, rel=1e-3) and per_doc["simulation"] == pytest.approx(5.0, rel=0.02), (
        f"expected about 5 invocations per document from both engines, got {per_doc.to_dict()}"
    )
