"""Every billing rule of the price book moves every engine that uses it (one test per field).

``lambda.duration_rounding_ms`` is covered in ``test_rules_and_repricing.py``. Here: included
ephemeral storage, Express rounding and memory chunk, Express's duration limit and ``month_hours``,
each through the calculator, the break-even, the analytic engine and the simulation wherever the
rule applies (the calculator takes monthly quantities, so ``month_hours`` does not reach it).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import cli, edited_price_book

from orchsim.analytic.engine import estimate
from orchsim.aws.calculator import price_express, price_lambda
from orchsim.aws.pricebook import load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import scenario_from_dict
from orchsim.sim.run import simulate
from orchsim.study.analysis import express_breakeven

FIXED = {  # fixed work, no cold starts: every engine bills the same units
    "seed": 5,
    "window_hours": 0.2,
    "workload": {"docs_per_day": 5000},
    "pipeline": {"steps": 2, "step": {"duration": {"dist": "fixed", "ms": 300.0}, "init_ms": 0, "memory_mb": 1024,
                                      "ephemeral_storage_mb": 2048}},
}


def _line(cost: object, component: str) -> float:
    (item,) = [li for li in cost.line_items if li.component == component]  # type: ignore[attr-defined]
    return float(item.quantity)


def test_included_ephemeral_storage(tmp_path: Path) -> None:
    book = edited_price_book(tmp_path, "eph.yaml", **{"lambda/included_ephemeral_storage_mb": 1024})
    sc = scenario_from_dict(FIXED)
    for prices, extra_gb in ((None, 1.5), (book, 1.0)):  # 2048 MB configured, 512 or 1024 MB included
        calc = price_lambda(1000, 300, 1024, ephemeral_storage_mb=2048, prices=prices)
        assert _line(calc, "lambda_ephemeral") == pytest.approx(1000 * 0.3 * extra_gb), f"calculator, prices={prices}"
        row = estimate(sc, ["sfn-standard"], prices=prices).iloc[0]
        assert row["ephemeral_gb_s"] == pytest.approx(2 * 0.3 * extra_gb), f"analytic engine, prices={prices}"
        res = simulate(sc, "sfn-standard", prices=prices, detail=False)
        n = res.summary.lambda_invocations
        assert res.metering.ephemeral_gb_s == pytest.approx(n * 0.3 * extra_gb), f"simulation, prices={prices}"
    with pytest.raises(InputError, match="ephemeral_storage_mb"):
        price_lambda(1000, 300, 1024, ephemeral_storage_mb=768, prices=book)  # below what the book includes


def test_express_rounding_and_memory_chunk_in_the_calculator_and_breakeven(tmp_path: Path) -> None:
    book = edited_price_book(tmp_path, "exp.yaml", **{"step_functions/express/memory_chunk_mb": 128,
                                                      "step_functions/express/duration_rounding_ms": 1000})
    for prices, billed_s, billed_mb in ((None, 0.4, 64), (book, 1.0, 128)):  # 310 ms at 50 MB
        cost = price_express(1_000_000, 310, 50, prices=prices)
        gb_h = 1_000_000 * billed_s * billed_mb / 1024 / 3600
        assert _line(cost, "express_duration") == pytest.approx(gb_h), f"calculator, prices={prices}"
    # Break-even duration is inversely proportional to the billed memory: twice the chunk, half the time.
    small = float(express_breakeven(5, 50))
    big = float(express_breakeven(5, 50, prices=book))
    assert big == pytest.approx(small / 2), f"expected a 128 MB chunk to halve the break-even ({small:.1f} s -> {big:.1f} s)"


def test_express_duration_limit(tmp_path: Path) -> None:
    book = edited_price_book(tmp_path, "limit.yaml", **{"step_functions/express/max_duration_s": 1.0})
    # Calculator: a 1.5 s execution is refused under a 1 s limit, priced under 300 s.
    assert price_express(1000, 1500, 64).total_usd > 0
    with pytest.raises(InputError, match=r"duration_ms: must be > 0 and <= 1,000 \(ms per execution, at most Express's 1 s limit\)"):
        price_express(1000, 1500, 64, prices=book)
    # Break-even: a limit below the break-even duration makes Express cheaper at every allowed one.
    assert float(express_breakeven(5, 64)) > 1.0
    assert math.isnan(float(express_breakeven(5, 64, prices=book))), "expected NaN: Express cheaper up to its 1 s limit"
    res = cli("breakeven", "--transitions", "5", "--memory-mb", "64", "--prices", str(book))
    assert res.exit_code == 0 and "up to its 1 s limit" in res.stdout, res.stdout
    # Analytic engine flags executions past the limit; the simulation stops them at it.
    sc = scenario_from_dict(FIXED)  # 2 x 300 ms + transitions: about 0.66 s, inside a 1 s limit
    slow = scenario_from_dict({**FIXED, "pipeline": {"steps": 4, "step": {"duration": {"dist": "fixed", "ms": 400.0}, "init_ms": 0}}})
    for scenario, over in ((sc, 0.0), (slow, 1.0)):
        assert estimate(scenario, ["sfn-express"], prices=book).iloc[0]["express_over_limit"] == over
        assert estimate(scenario, ["sfn-express"]).iloc[0]["express_over_limit"] == 0.0
    ok = simulate(slow, "sfn-express", detail=False)
    cut = simulate(slow, "sfn-express", prices=book, detail=False)
    assert ok.summary.docs_failed + ok.summary.docs_lost == 0, "expected every document to finish under the 300 s limit"
    assert cut.summary.docs_succeeded == 0 and cut.summary.docs_failed + cut.summary.docs_lost > 0, (
        f"expected every 1.7 s execution stopped at the 1 s limit, got {cut.summary}"
    )
    billed_ms = cut.metering.express_gb_hours * 3600 * 1024 / 64 / cut.summary.express_executions * 1000
    assert billed_ms == pytest.approx(1000.0), f"expected each execution billed up to the limit only, got {billed_ms:.0f} ms"


def test_month_hours(tmp_path: Path) -> None:
    book = edited_price_book(tmp_path, "feb.yaml", month_hours=672)
    assert load_price_book(book).rules.month_hours == 672
    sc = scenario_from_dict(FIXED)
    for pattern in ("lambda-chain-async", "sfn-standard", "sfn-express"):
        a730 = estimate(sc, [pattern]).iloc[0]
        a672 = estimate(sc, [pattern], prices=book).iloc[0]
        s730 = simulate(sc, pattern, detail=False)
        s672 = simulate(sc, pattern, prices=book, detail=False)
        for name, hi, lo in (("analytic", a730["docs_per_month"], a672["docs_per_month"]),
                             ("simulation", s730.monthly.lambda_requests, s672.monthly.lambda_requests)):
            assert lo / hi == pytest.approx(672 / 730), f"{pattern}, {name}: expected monthly volume x 672/730"
        assert s672.summary.cost_usd["total"] < s730.summary.cost_usd["total"], f"{pattern}: a shorter month costs less"
        assert a672["cost_total_usd"] / a730["cost_total_usd"] == pytest.approx(672 / 730), f"{pattern}: analytic cost x 672/730"
        assert np.isclose(s672.summary.cost_per_1000_docs_usd, s730.summary.cost_per_1000_docs_usd, rtol=1e-9), (
            f"{pattern}: expected the same cost per 1,000 documents (no tiers reached)"
        )
