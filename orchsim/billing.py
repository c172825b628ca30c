"""AWS billing rules as small pure functions. Each cites the rule it implements.

These functions know rules, not prices: prices come in as arguments (from :mod:`orchsim.pricing`).
All work on scalars and, where noted, on NumPy arrays (the analytic engine is vectorised).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchsim.pricing import Tier

__all__ = [
    "MONTH_HOURS",
    "billed_ms",
    "lambda_billed_ms",
    "gb_from_mb",
    "gb_seconds",
    "ephemeral_extra_gb",
    "express_billed_ms",
    "express_billed_memory_mb",
    "express_gb_hours",
    "tier_segments",
    "tiered_cost",
    "apply_free_allowance",
    "split_free_allowance",
    "to_month",
]

MONTH_HOURS = 730.0
"""Hours in a billing month as AWS prices it ("730 hours in a month", AWS pricing calculator)."""


def billed_ms(duration_ms: float, unit_ms: int) -> int:
    """One invocation's or execution's billed milliseconds: its duration rounded up to whole units,
    at least one unit (scalar form of :func:`lambda_billed_ms` and :func:`express_billed_ms`, for
    the simulation's hot path). Simulated clock error up to a nanosecond is not billed as a unit."""
    units = math.ceil((duration_ms - 1e-6) / unit_ms)
    return (units if units > 1 else 1) * unit_ms


def lambda_billed_ms(duration_ms: ArrayLike, rounding_ms: int = 1) -> NDArray[np.int64]:
    """Billed Lambda duration per invocation, in integer milliseconds.

    Rule: "Duration is calculated from the time your code begins executing until it returns or
    otherwise terminates, rounded up to the nearest 1 ms" (https://aws.amazon.com/lambda/pricing/,
    1 ms granularity since Dec 2020). Each invocation is billed at least one unit.
    """
    d = np.asarray(duration_ms, dtype=float)
    units = np.maximum(np.ceil(d / rounding_ms - 1e-9), 1.0)
    return (units * rounding_ms).astype(np.int64)


def gb_from_mb(memory_mb: ArrayLike) -> NDArray[np.float64]:
    """Configured memory in GB as Lambda bills it: GB = MB / 1024 (https://aws.amazon.com/lambda/pricing/)."""
    return np.asarray(memory_mb, dtype=float) / 1024.0


def gb_seconds(billed_ms: ArrayLike, memory_mb: ArrayLike) -> NDArray[np.float64]:
    """Lambda compute in GB-seconds: billed seconds x memory in GB (https://aws.amazon.com/lambda/pricing/)."""
    return np.asarray(billed_ms, dtype=float) / 1000.0 * gb_from_mb(memory_mb)


def ephemeral_extra_gb(ephemeral_storage_mb: ArrayLike, included_mb: int = 512) -> NDArray[np.float64]:
    """Billable ephemeral storage in GB: only configured storage above the included 512 MB is charged.

    Rule: "512 MB of ephemeral storage is available to each Lambda function at no additional cost.
    You only pay for the additional ephemeral storage you configure" (https://aws.amazon.com/lambda/pricing/).
    """
    return np.maximum(np.asarray(ephemeral_storage_mb, dtype=float) - included_mb, 0.0) / 1024.0


def express_billed_ms(duration_ms: ArrayLike, rounding_ms: int = 100) -> NDArray[np.int64]:
    """Billed Express duration per execution: rounded up to the nearest 100 ms.

    Rule: "Duration is calculated from the time your workflow begins executing until it completes or
    otherwise terminates, rounded up to the nearest 100ms" (https://aws.amazon.com/step-functions/pricing/).
    """
    d = np.asarray(duration_ms, dtype=float)
    units = np.maximum(np.ceil(d / rounding_ms - 1e-9), 1.0)
    return (units * rounding_ms).astype(np.int64)


def express_billed_memory_mb(memory_mb: ArrayLike, chunk_mb: int = 64) -> NDArray[np.int64]:
    """Billed Express memory: the memory used rounded up to whole 64 MB chunks.

    Rule: "the amount of memory used in the execution of your workflow, billed in 64-MB chunks"
    (https://aws.amazon.com/step-functions/pricing/). Memory used = 50 MB + definition size +
    execution data size x number of Parallel or Map steps, so at least one chunk is always billed.
    """
    m = np.asarray(memory_mb, dtype=float)
    return (np.maximum(np.ceil(m / chunk_mb - 1e-9), 1.0) * chunk_mb).astype(np.int64)


def express_gb_hours(billed_ms: ArrayLike, billed_memory_mb: ArrayLike) -> NDArray[np.float64]:
    """Express duration in GB-hours: billed seconds x billed memory / 1024 / 3600.

    Rule: worked example on https://aws.amazon.com/step-functions/pricing/ ("1,000,000,000 x 64 MB
    /1024 MB = 62,500,000 GB-s; 62,500,000 GB-s / 60 / 60 = 17,361.11 GB-hours").
    """
    return np.asarray(billed_ms, dtype=float) / 1000.0 * np.asarray(billed_memory_mb, dtype=float) / 1024.0 / 3600.0


def tier_segments(quantity: float, tiers: Sequence[Tier]) -> list[tuple[float, float]]:
    """Split a monthly quantity into (quantity, unit price) segments, one per tier it reaches.

    Rule: volume tiers apply to the monthly total, piecewise: "Lambda on-demand duration pricing tiers
    are applied to aggregate monthly duration of your functions running on the same architecture"
    (https://aws.amazon.com/lambda/pricing/); Express GB-hour tiers likewise ("$0.06 per GB-hour for the
    first 1,000 GB-hours, $0.03 for the next 4,000", https://aws.amazon.com/step-functions/pricing/).
    """
    if quantity < 0:
        raise ValueError("quantity must be >= 0")
    out: list[tuple[float, float]] = []
    lower = 0.0
    for tier in tiers:
        upper = float("inf") if tier.up_to is None else float(tier.up_to)
        if quantity <= lower:
            break
        seg = min(quantity, upper) - lower
        out.append((seg, tier.usd_per_unit))
        lower = upper
    return out


def tiered_cost(quantity: ArrayLike, tiers: Sequence[Tier]) -> NDArray[np.float64]:
    """Monthly cost of ``quantity`` units under volume tiers (vectorised form of :func:`tier_segments`)."""
    q = np.asarray(quantity, dtype=float)
    cost = np.zeros_like(q)
    lower = 0.0
    for tier in tiers:
        upper = np.inf if tier.up_to is None else float(tier.up_to)
        cost += (np.minimum(q, upper) - np.minimum(q, lower)) * tier.usd_per_unit
        lower = upper
    return cost


def apply_free_allowance(quantity: ArrayLike, free: float) -> NDArray[np.float64]:
    """Quantity left to pay after a monthly free allowance: max(0, quantity - free).

    Rules: Lambda free tier 1M requests and 400,000 GB-s per month; Step Functions Standard 4,000 state
    transitions per month; both without expiry (https://aws.amazon.com/lambda/pricing/,
    https://aws.amazon.com/step-functions/pricing/). Express has no free tier.
    """
    return np.maximum(np.asarray(quantity, dtype=float) - free, 0.0)


def split_free_allowance(quantities: Sequence[ArrayLike], free: float) -> list[NDArray[np.float64]]:
    """Share one free allowance across several meters in order, returning what is left to pay of each
    (elementwise over arrays).

    Rule: the Lambda free tier's 400,000 GB-s are shared by both architectures
    (https://aws.amazon.com/lambda/pricing/). AWS does not say in which order; orchsim applies it to
    x86_64 first (the dearer rate), which is the order callers pass.
    """
    left: NDArray[np.float64] | float = free
    out = []
    for q in quantities:
        qa = np.asarray(q, dtype=float)
        used = np.minimum(qa, left)
        out.append(qa - used)
        left = left - used
    return out


def to_month(quantity: ArrayLike, window_hours: float, month_hours: float = MONTH_HOURS) -> NDArray[np.float64]:
    """Scale a quantity metered over ``window_hours`` to a 730-hour month before tiers and free tier apply."""
    if window_hours <= 0:
        raise ValueError("window_hours must be > 0")
    return np.asarray(quantity, dtype=float) * (month_hours / window_hours)
