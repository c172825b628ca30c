"""Unit and invariant tests of the billing rules (:mod:`orchsim.aws.rules`) and :func:`orchsim.aws.cost.price_metering`.

Rules: /work/shared/reference/aws-pricing.md (Lambda duration tiers per architecture, Express GB-hour
tiers, free tier shared by both architectures, 730-hour month).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchsim.aws.cost import price_metering
from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import load_price_book
from orchsim.aws.rules import (
    DEFAULT_RULES,
    MONTH_HOURS,
    apply_free_allowance,
    billed_ms,
    ephemeral_extra_gb,
    express_billed_memory_mb,
    express_billed_ms,
    express_gb_hours,
    failure_outcome_recorded,
    gb_seconds,
    lambda_billed_ms,
    split_free_allowance,
    tier_segments,
    tiered_cost,
    to_month,
)

BOOK = load_price_book()
LAM = BOOK.lambda_prices("us-east-1")
EXP = BOOK.express_prices("us-east-1")
X86 = LAM.duration_tiers["x86_64"]
ARM = LAM.duration_tiers["arm64"]
EXPRESS = EXP.duration_tiers

# Deterministic hypothesis runs that leave no .hypothesis/ folder behind; no deadline (no timing).
PROPS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


def seg_cost(segs: list[tuple[float, float]]) -> float:
    return sum(q * p for q, p in segs)


# --- tier tables match the reference ----------------------------------------------------------


def test_shipped_tier_tables() -> None:
    expected = {
        "x86_64": [(6e9, 0.0000166667), (15e9, 0.0000150000), (None, 0.0000133334)],
        "arm64": [(7.5e9, 0.0000133334), (18.75e9, 0.0000120001), (None, 0.0000106667)],
    }
    for arch, tiers in expected.items():
        got = [(t.up_to, t.usd_per_unit) for t in LAM.duration_tiers[arch]]
        assert got == tiers, f"expected {arch} tiers {tiers}, got {got}"
    got_exp = [(t.up_to, t.usd_per_unit) for t in EXPRESS]
    assert got_exp == [(1000, 0.06), (5000, 0.03), (None, 0.01642)], f"expected Express GB-hour tiers, got {got_exp}"


# --- tier boundaries, piecewise ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("tiers", "quantity", "segments"),
    [
        (X86, 6e9, [(6e9, 0.0000166667)]),
        (X86, 6e9 + 1e6, [(6e9, 0.0000166667), (1e6, 0.000015)]),
        (X86, 15e9, [(6e9, 0.0000166667), (9e9, 0.000015)]),
        (X86, 20e9, [(6e9, 0.0000166667), (9e9, 0.000015), (5e9, 0.0000133334)]),
        (ARM, 7.5e9, [(7.5e9, 0.0000133334)]),
        (ARM, 7.5e9 + 1, [(7.5e9, 0.0000133334), (1, 0.0000120001)]),
        (ARM, 18.75e9, [(7.5e9, 0.0000133334), (11.25e9, 0.0000120001)]),
        (ARM, 20e9, [(7.5e9, 0.0000133334), (11.25e9, 0.0000120001), (1.25e9, 0.0000106667)]),
        (EXPRESS, 1000, [(1000, 0.06)]),
        (EXPRESS, 1000.5, [(1000, 0.06), (0.5, 0.03)]),
        (EXPRESS, 5000, [(1000, 0.06), (4000, 0.03)]),
        (EXPRESS, 5001, [(1000, 0.06), (4000, 0.03), (1, 0.01642)]),
        (EXPRESS, 0, []),
    ],
)
def test_tier_segments_boundaries(tiers: tuple, quantity: float, segments: list[tuple[float, float]]) -> None:  # type: ignore[type-arg]
    got = tier_segments(quantity, tiers)
    assert len(got) == len(segments), f"expected {len(segments)} segment(s) for {quantity}, got {got}"
    for (q, p), (eq, ep) in zip(got, segments, strict=True):
        assert q == pytest.approx(eq, rel=1e-12, abs=1e-9) and p == ep, f"expected segment ({eq}, {ep}), got ({q}, {p})"
    expected_cost = seg_cost(segments)
    assert float(tiered_cost(quantity, tiers)) == pytest.approx(expected_cost, rel=1e-12, abs=1e-15), (
        f"expected tiered_cost({quantity}) = {expected_cost}"
    )


def test_x86_tier_boundary_costs() -> None:
    assert float(tiered_cost(6e9, X86)) == pytest.approx(6e9 * 0.0000166667, rel=1e-12), (
        "expected exactly 6e9 GB-s all in tier 1"
    )
    split = 6e9 * 0.0000166667 + 1e6 * 0.000015
    assert float(tiered_cost(6e9 + 1e6, X86)) == pytest.approx(split, rel=1e-12), (
        f"expected 6e9 @0.0000166667 + 1e6 @0.000015 = {split}"
    )
    three = 6e9 * 0.0000166667 + 9e9 * 0.000015 + 5e9 * 0.0000133334
    assert float(tiered_cost(20e9, X86)) == pytest.approx(three, rel=1e-12), f"expected 20e9 GB-s over 3 tiers = {three}"
    assert float(tiered_cost(20e9, X86)) < 20e9 * 0.0000166667, "expected tiering to cost less than a flat tier-1 rate"


def test_tier_segments_rejects_negative() -> None:
    with pytest.raises(ValueError, match="quantity"):
        tier_segments(-1.0, X86)


def test_tiered_cost_matches_segments_seeded() -> None:
    rng = np.random.default_rng(20261101)
    for tiers, scale in ((X86, 30e9), (ARM, 30e9), (EXPRESS, 20_000)):
        q = rng.uniform(0, scale, size=500)
        vec = tiered_cost(q, tiers)
        assert vec.shape == q.shape, f"expected a vectorised result of shape {q.shape}, got {vec.shape}"
        loop = np.array([seg_cost(tier_segments(float(x), tiers)) for x in q])
        np.testing.assert_allclose(vec, loop, rtol=1e-12, err_msg="expected tiered_cost == sum of tier_segments")


@PROPS
@given(q=st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_tiered_cost_matches_segments_property(q: float) -> None:
    for tiers in (X86, ARM, EXPRESS):
        vec = float(tiered_cost(q, tiers))
        loop = seg_cost(tier_segments(q, tiers))
        assert math.isclose(vec, loop, rel_tol=1e-12, abs_tol=1e-15), f"expected tiered_cost({q}) {vec} == segments {loop}"


@PROPS
@given(
    a=st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
    b=st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
)
def test_tiered_cost_nonnegative_and_monotone(a: float, b: float) -> None:
    lo, hi = min(a, b), max(a, b)
    for tiers in (X86, ARM, EXPRESS):
        c_lo, c_hi = float(tiered_cost(lo, tiers)), float(tiered_cost(hi, tiers))
        assert c_lo >= 0 and c_hi >= 0, f"expected cost >= 0, got {c_lo}, {c_hi}"
        assert c_lo <= c_hi, f"expected cost monotone: cost({lo}) = {c_lo} <= cost({hi}) = {c_hi}"


@PROPS
@given(
    requests=st.floats(min_value=0, max_value=1e10),
    x86=st.floats(min_value=0, max_value=1e11),
    arm=st.floats(min_value=0, max_value=1e11),
    extra=st.floats(min_value=0, max_value=1e10),
    free_tier=st.booleans(),
)
def test_price_metering_nonnegative_and_monotone(
    requests: float, x86: float, arm: float, extra: float, free_tier: bool
) -> None:
    base = Metering(lambda_requests=requests, lambda_gb_s_x86_64=x86, lambda_gb_s_arm64=arm)
    cost = price_metering(base, free_tier=free_tier, prices=BOOK)
    assert cost.total_usd >= 0, f"expected total >= 0, got {cost.total_usd}"
    assert all(li.usd >= 0 and li.quantity >= 0 for li in cost.line_items), f"expected no negative line items: {cost.line_items}"
    for more in (
        Metering(lambda_requests=requests + extra, lambda_gb_s_x86_64=x86, lambda_gb_s_arm64=arm),
        Metering(lambda_requests=requests, lambda_gb_s_x86_64=x86 + extra, lambda_gb_s_arm64=arm),
        Metering(lambda_requests=requests, lambda_gb_s_x86_64=x86, lambda_gb_s_arm64=arm + extra),
    ):
        bigger = price_metering(more, free_tier=free_tier, prices=BOOK).total_usd
        assert bigger >= cost.total_usd, f"expected more usage to cost no less: {more} -> {bigger} < {cost.total_usd}"


# --- free tier ----------------------------------------------------------------------------------


def test_free_tier_shared_by_architectures_x86_first() -> None:
    assert split_free_allowance([300_000, 300_000], 400_000) == [0, 200_000], (
        "expected 400,000 free GB-s to cover x86_64 first, then 100,000 of arm64"
    )
    assert split_free_allowance([500_000, 300_000], 400_000) == [100_000, 300_000], (
        "expected the whole allowance used by x86_64 when it exceeds it"
    )
    cost = price_metering(
        Metering(lambda_gb_s_x86_64=300_000, lambda_gb_s_arm64=300_000), free_tier=True, prices=BOOK
    )
    names = {li.name: li for li in cost.line_items}
    assert "Lambda compute x86_64" not in names, f"expected x86_64 fully covered by the free tier, got {cost.line_items}"
    arm = names["Lambda compute arm64"]
    assert arm.quantity == 200_000, f"expected 200,000 arm64 GB-s billed after the shared allowance, got {arm.quantity}"
    assert arm.usd == pytest.approx(200_000 * 0.0000133334), f"expected arm64 at its tier-1 rate, got {arm.usd}"


def test_free_tier_is_not_per_architecture() -> None:
    both = price_metering(Metering(lambda_gb_s_x86_64=400_000, lambda_gb_s_arm64=400_000), free_tier=True, prices=BOOK)
    billed = sum(li.quantity for li in both.line_items if li.component == "lambda_compute")
    assert billed == 400_000, f"expected 800,000 - 400,000 shared free = 400,000 GB-s billed, got {billed}"


def test_free_tier_never_negative() -> None:
    assert split_free_allowance([1.0, 2.0], 400_000) == [0.0, 0.0], "expected tiny usage fully covered, not negative"
    left = apply_free_allowance(np.array([0.0, 3_999.0, 4_000.0, 4_001.0]), 4_000)
    np.testing.assert_array_equal(left, [0, 0, 0, 1], err_msg="expected max(0, quantity - free)")
    small = Metering(lambda_requests=10, lambda_gb_s_x86_64=5, lambda_gb_s_arm64=5, sfn_transitions=100)
    cost = price_metering(small, free_tier=True, prices=BOOK)
    assert cost.total_usd == 0 and cost.line_items == (), f"expected usage within the free tier to cost $0, got {cost}"
    without = price_metering(small, free_tier=False, prices=BOOK)
    assert without.total_usd > 0, "expected the same usage to cost something without the free tier"


def test_express_has_no_free_tier() -> None:
    m = Metering(express_requests=1000, express_gb_hours=1)
    with_ft = price_metering(m, free_tier=True, prices=BOOK).total_usd
    without = price_metering(m, free_tier=False, prices=BOOK).total_usd
    assert with_ft == without == pytest.approx(1000 * 1e-6 + 0.06), f"expected no Express free tier, got {with_ft}, {without}"


# --- month scaling ----------------------------------------------------------------------------


def test_month_hours_730() -> None:
    assert MONTH_HOURS == 730.0, f"expected billing.MONTH_HOURS 730, got {MONTH_HOURS}"
    assert BOOK.month_hours == 730, f"expected the price book's month_hours 730, got {BOOK.month_hours}"


def test_to_month() -> None:
    assert float(to_month(10.0, 24.0)) == pytest.approx(10 * 730 / 24), "expected a day scaled by 730/24"
    assert float(to_month(5.0, 730.0)) == pytest.approx(5.0), "expected a 730-hour window unchanged"
    np.testing.assert_allclose(to_month(np.array([1.0, 2.0]), 1.0), [730.0, 1460.0], err_msg="expected vectorised scaling")
    assert float(to_month(1.0, 1.0, month_hours=BOOK.month_hours)) == 730.0, "expected the book's month_hours used"
    with pytest.raises(ValueError, match="window_hours"):
        to_month(1.0, 0.0)


# --- per-invocation rules ---------------------------------------------------------------------


def test_lambda_billed_ms_and_gb_seconds() -> None:
    got = lambda_billed_ms(np.array([0.0001, 0.4, 1.0, 1.0000001, 1.000002, 5.0000005, 100.2, 2000.0]))
    np.testing.assert_array_equal(
        got, [1, 1, 1, 1, 2, 5, 101, 2000],
        err_msg="expected rounding up to 1 ms, at least 1 ms, forgiving up to 1 ns of clock noise (CLOCK_TOLERANCE_MS)",
    )
    assert billed_ms(5.0000005, 1) == 5 and billed_ms(5.000002, 1) == 6, "expected the scalar rule to forgive 1 ns too"
    assert got.dtype == np.int64, f"expected integer milliseconds, got {got.dtype}"
    np.testing.assert_array_equal(lambda_billed_ms([1, 101], rounding_ms=100), [100, 200], err_msg="expected 100 ms rounding")
    assert float(gb_seconds(1000, 1024)) == 1.0, "expected 1 s at 1024 MB = 1 GB-s"
    assert float(gb_seconds(120, 1536)) == pytest.approx(0.18), "expected 120 ms at 1.5 GB = 0.18 GB-s"


def test_ephemeral_extra_gb() -> None:
    np.testing.assert_allclose(
        ephemeral_extra_gb([256, 512, 1536, 10240]), [0, 0, 1.0, 9.5], err_msg="expected only storage above 512 MB, in GB"
    )


def test_express_rounding_rules() -> None:
    np.testing.assert_array_equal(express_billed_ms([1, 100, 150, 101, 10_000]), [100, 100, 200, 200, 10_000],
                                  err_msg="expected rounding up to 100 ms")
    np.testing.assert_array_equal(express_billed_memory_mb([1, 64, 65, 128, 129]), [64, 64, 128, 128, 192],
                                  err_msg="expected 64 MB chunks")
    gbh = float(express_gb_hours(10_000, 64)) * 1e9
    assert round(gbh, 2) == 173_611.11, f"expected 1e9 x 10 s x 64 MB = 173,611.11 GB-hours, got {gbh}"


# --- billing rules from the price book --------------------------------------------------------


def test_book_rules_are_aws_published_units() -> None:
    rules = BOOK.rules
    assert rules == DEFAULT_RULES, f"expected the shipped book's rules to be AWS's published units, got {rules}"
    assert (rules.lambda_rounding_ms, rules.express_rounding_ms, rules.express_memory_chunk_mb) == (1, 100, 64), (
        f"expected 1 ms / 100 ms rounding and 64 MB chunks, got {rules}"
    )
    assert (rules.included_ephemeral_storage_mb, rules.express_max_duration_s, rules.month_hours) == (512, 300, 730), (
        f"expected 512 MB included, a 300 s Express limit and 730-hour months, got {rules}"
    )


# DESIGN.md, "Documents and outcomes": failed = recorded where a person can find it, lost = no record.
# (pattern, trigger_async, dead_letter, express_logging, first_hop) -> recorded
RECORDED_CASES = [
    ("sfn-standard", True, False, False, False, True),  # every execution keeps its history
    ("sfn-express", True, False, False, False, False),  # async start, no logging: nothing records it
    ("sfn-express", True, False, True, False, True),  # logging on
    ("sfn-express", False, False, False, False, True),  # a sync start returns the error
    ("lambda-chain-async", True, False, False, False, False),  # no DLQ: discarded
    ("lambda-chain-async", True, True, False, False, True),  # the DLQ records it
    ("lambda-chain-async", False, False, False, True, True),  # the sync client sees the first hop's error
    ("lambda-chain-async", False, False, False, False, False),  # later hops are async: lost without a DLQ
    ("lambda-chain-sync", False, False, False, True, True),  # errors propagate to the waiting client
    ("lambda-chain-sync", True, False, False, True, False),  # an async trigger: nobody waits
    ("lambda-chain-sync", True, True, False, True, True),  # ... unless a DLQ is configured
]


@pytest.mark.parametrize(("pattern", "trigger_async", "dead_letter", "logging", "first_hop", "want"), RECORDED_CASES)
def test_failure_outcome_recorded(
    pattern: str, trigger_async: bool, dead_letter: bool, logging: bool, first_hop: bool, want: bool
) -> None:
    got = bool(failure_outcome_recorded(
        pattern, trigger_async=trigger_async, dead_letter=dead_letter, express_logging=logging, first_hop=first_hop
    ))
    assert got is want, f"{pattern}: expected a failure to be {'recorded' if want else 'lost'}"


def test_failure_outcome_recorded_is_vectorised() -> None:
    got = failure_outcome_recorded("lambda-chain-async", trigger_async=np.array([True, True]), dead_letter=np.array([False, True]))
    assert got.tolist() == [False, True], "expected one answer per element"
