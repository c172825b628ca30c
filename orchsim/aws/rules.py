"""AWS billing rules as small pure functions. Each cites the rule it implements.

These functions know rules, not prices: prices come in as arguments (from :mod:`orchsim.aws.pricebook`).
All work on scalars and, where noted, on NumPy arrays (the analytic engine is vectorised).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchsim.aws.pricebook import Tier
from orchsim.model.scenario import RetryPolicy

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
    "ASYNC_RETRY_DELAYS_S",
    "EXPRESS_LIMIT_S",
    "EXPRESS_ROUNDING_MS",
    "HISTORY_EVENT_CAP",
    "asl_wait_s",
    "failure_outcome_recorded",
    "throttle_backoff_s",
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


# --- Semantics and quotas (not prices): one home for each constant the engines apply. ---

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)
"""Delays before Lambda's asynchronous retries of a function error: about 1 minute, then 2 minutes.

"If the function returns an error, by default Lambda attempts to run it two more times, with a one-minute
wait between the first two attempts, and two minutes between the second and third attempts"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)."""

EXPRESS_LIMIT_S = 300.0
"""Maximum duration of an Express workflow execution: 5 minutes; past it the execution fails with
States.Timeout (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). The price book's
``step_functions.express.max_duration_s`` states the same figure with its source."""

EXPRESS_ROUNDING_MS = 100
"""Express duration rounding (https://aws.amazon.com/step-functions/pricing/: "rounded up to the nearest 100ms")."""

HISTORY_EVENT_CAP = 25_000
"""Standard execution history limit: 25,000 events; an execution reaching it fails
(https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)."""


def throttle_backoff_s(n: int) -> float:
    """Async queue backoff after the ``n``-th throttle (1-based): 1 s doubling, at most 5 minutes.

    Rule: "Lambda returns throttled events to the queue and retries them with exponential backoff
    from 1 second up to 5 minutes" (paraphrase of
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).

    Parameters
    ----------
    n
        How many throttles the event has met so far (1 for the first).

    Returns
    -------
    float
        Seconds before the event is tried again.
    """
    return min(2.0 ** (n - 1), 300.0)

def asl_wait_s(policy: RetryPolicy, retry: int, u: float = 1.0) -> float:
    """Wait before retry number ``retry`` (1-based) under an ASL retrier, seconds.

    Rule: Amazon States Language Retry fields IntervalSeconds, BackoffRate, MaxDelaySeconds and
    JitterStrategy (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).

    ``IntervalSeconds * BackoffRate ** (retry - 1)``, capped by MaxDelaySeconds; with
    ``JitterStrategy: FULL`` multiplied by a uniform draw ``u`` (the wait is uniform in [0, wait]).
    With the defaults (1 s, 2.0) retries start at t = 1, 3 and 7 s.
    """
    wait = policy.interval_s * policy.backoff_rate ** (retry - 1)
    if policy.max_delay_s is not None:
        wait = min(wait, policy.max_delay_s)
    return wait * u if policy.jitter == "full" else wait


def failure_outcome_recorded(
    pattern: str,
    *,
    trigger_async: ArrayLike,
    dead_letter: ArrayLike = False,
    express_logging: ArrayLike = False,
    first_hop: ArrayLike = False,
) -> NDArray[np.bool_]:
    """Whether a document that fails leaves a record a person can find (``failed``) or none (``lost``).

    Rules (the one home of the "failed or lost" decision for both engines):

    * ``sfn-standard``: always; every execution keeps its history
      (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html).
    * ``sfn-express``: only with CloudWatch Logs logging on, or a synchronous start that returns the
      error to its caller ("Express Workflows ... execution history is sent to CloudWatch Logs", same page).
    * Lambda chains: a synchronous trigger sees an error raised by the first hop (and, in a
      synchronous chain, every hop, since the error propagates); otherwise only a dead-letter queue or
      on-failure destination records it
      (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).

    Parameters
    ----------
    pattern
        One of the four pattern names.
    trigger_async
        Documents enter through an asynchronous event (bool or boolean array).
    dead_letter
        A dead-letter queue or on-failure destination is configured (chains).
    express_logging
        Express logging to CloudWatch Logs is on.
    first_hop
        The failure happened where the synchronous client still waits (always true for the sync
        chain's errors, which propagate to the client).

    Returns
    -------
    numpy.ndarray of bool
        True where the failure is recorded (``failed``), False where it is ``lost``.
    """
    sync = ~np.asarray(trigger_async, dtype=bool)
    if pattern == "sfn-standard":
        return np.ones_like(sync)
    if pattern == "sfn-express":
        return sync | np.asarray(express_logging, dtype=bool)
    return (sync & np.asarray(first_hop, dtype=bool)) | np.asarray(dead_letter, dtype=bool)
