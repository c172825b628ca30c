"""Scalar and vectorised forms of the billing rules agree on any input (hypothesis).

The simulation and the calculator use the scalar forms (:func:`orchsim.aws.rules.billed_ms`,
:func:`~orchsim.aws.rules.gb_per_ms`, :func:`~orchsim.aws.cost.price_metering`); the analytic engine
the vectorised ones (:func:`~orchsim.aws.rules.round_up`, :func:`~orchsim.aws.rules.gb_seconds`,
:func:`~orchsim.aws.rules.express_gb_hours`, :func:`~orchsim.aws.cost.price_monthly`). They must bill
the same duration, GB-s, GB-hours and free-tier remainder for the same input.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orchsim.aws.cost import COMPONENTS, price_metering, price_monthly
from orchsim.aws.metering import METERS, Metering
from orchsim.aws.pricebook import load_price_book
from orchsim.aws.rules import (
    CLOCK_TOLERANCE_MS,
    apply_free_allowance,
    billed_ms,
    express_billed_memory_mb,
    express_billed_ms,
    express_gb_hours,
    gb_per_ms,
    gb_seconds,
    lambda_billed_ms,
    round_up,
    split_free_allowance,
)

BOOK = load_price_book()
# Deterministic runs that leave no .hypothesis/ folder behind; no deadline (no timing).
PROPS = settings(max_examples=200, deadline=None, database=None, derandomize=True)

durations = st.floats(min_value=0.0, max_value=1e9, allow_nan=False, allow_infinity=False)
units = st.sampled_from([1, 10, 100, 1000])
memory = st.integers(min_value=1, max_value=10_240)
quantities = st.floats(min_value=0.0, max_value=1e12, allow_nan=False, allow_infinity=False)


@PROPS
@given(d=st.lists(durations, min_size=1, max_size=20), unit=units)
def test_rounding_scalar_equals_vectorised(d: list[float], unit: int) -> None:
    scalar = [billed_ms(x, unit) for x in d]
    vec = round_up(d, unit)
    assert vec.tolist() == [float(x) for x in scalar], f"expected round_up({d}, {unit}) == billed_ms: {vec.tolist()} vs {scalar}"
    assert lambda_billed_ms(d, unit).tolist() == scalar, "expected lambda_billed_ms to equal the scalar rule"
    assert express_billed_ms(d, unit).tolist() == scalar, "expected express_billed_ms to equal the scalar rule"


@PROPS
@given(d=durations, unit=units)
def test_rounding_bounds(d: float, unit: int) -> None:
    b = billed_ms(d, unit)
    assert b % unit == 0 and b >= unit, f"expected a whole number of units, at least one: {d} -> {b}"
    assert b >= d - CLOCK_TOLERANCE_MS, f"expected billed {b} >= duration {d} (less the clock tolerance)"
    assert b < max(d, 0.0) + unit or b == unit, f"expected billed {b} less than one unit over {d}"


@PROPS
@given(ms=st.integers(min_value=1, max_value=10**9), mb=memory)
def test_gb_seconds_scalar_equals_vectorised(ms: int, mb: int) -> None:
    scalar = ms * gb_per_ms(mb)
    vec = float(gb_seconds(ms, mb))
    assert vec == scalar, f"expected gb_seconds({ms}, {mb}) {vec} == billed x gb_per_ms {scalar}"
    assert math.isclose(vec, ms / 1000 * mb / 1024, rel_tol=1e-12), "expected GB-s = s x GB"


@PROPS
@given(ms=st.lists(st.integers(min_value=100, max_value=300_000), min_size=1, max_size=10), mb=st.integers(1, 10_240))
def test_gb_hours_sum_then_convert_equals_per_execution(ms: list[int], mb: int) -> None:
    chunk = int(express_billed_memory_mb(mb))
    assert chunk == billed_ms(mb, 64) and chunk % 64 == 0 and chunk >= mb, f"expected {mb} MB billed as whole 64 MB chunks"
    summed = float(express_gb_hours(sum(m * chunk for m in ms), 1.0))  # the simulation's form
    per_exec = float(np.sum(express_gb_hours(np.asarray(ms), chunk)))  # the analytic/calculator form
    assert math.isclose(summed, per_exec, rel_tol=1e-12), f"expected GB-hours {summed} == {per_exec}"


@PROPS
@given(q=st.lists(quantities, min_size=1, max_size=10), free=quantities, other=quantities)
def test_free_allowance_scalar_equals_vectorised(q: list[float], free: float, other: float) -> None:
    vec = apply_free_allowance(np.asarray(q), free)
    assert vec.tolist() == [float(apply_free_allowance(x, free)) for x in q], "expected elementwise = scalar"
    assert (vec >= 0).all(), "expected no negative remainder"
    xs, ys = split_free_allowance([np.asarray(q), np.full(len(q), other)], free)
    for x, y, qx in zip(xs, ys, q, strict=True):
        sx, sy = split_free_allowance([qx, other], free)
        assert (float(sx), float(sy)) == (float(x), float(y)), "expected the shared allowance split elementwise = scalar"
        assert math.isclose(float(sx + sy), max(qx + other - free, 0.0), rel_tol=1e-9, abs_tol=1e-3), (
            "expected the allowance used once across both meters"
        )


meters = st.builds(
    Metering,
    lambda_requests=quantities,
    lambda_gb_s_x86_64=quantities,
    lambda_gb_s_arm64=quantities,
    ephemeral_gb_s=st.floats(0, 1e9),
    sfn_transitions=quantities,
    express_requests=quantities,
    express_gb_hours=st.floats(0, 1e7),
    logs_gb=st.floats(0, 1e6),
)


@PROPS
@given(m=meters, free_tier=st.booleans())
def test_price_monthly_equals_line_items(m: Metering, free_tier: bool) -> None:
    items = price_metering(m, free_tier=free_tier, prices=BOOK)
    vec = price_monthly({k: np.array([getattr(m, k)]) for k in METERS}, free_tier=free_tier, prices=BOOK)
    by = items.by_component()
    for c in COMPONENTS:
        assert math.isclose(float(vec[c][0]), by[c], rel_tol=1e-12, abs_tol=1e-12), (
            f"expected vectorised {c} {float(vec[c][0])} == line items {by[c]} for {m}"
        )
    assert math.isclose(float(vec["total"][0]), items.total_usd, rel_tol=1e-12, abs_tol=1e-12), "expected equal totals"
