"""AWS billing rules as small pure functions, and :class:`BillingRules`, the units they apply.

These functions know rules, not prices: prices come in as arguments (from :mod:`orchsim.aws.pricebook`).
The units a rule applies (rounding, memory chunk, included storage, month length, Express limit) come
from a :class:`BillingRules` built from the price book (``book.rules``), so a price file that changes
one moves the calculator, the analytic engine and the simulation alike.

Each rule has a scalar form (the simulation's hot path and the calculator) and a vectorised form
(the analytic engine); both compute the same floating-point operations in the same order, so they
agree exactly (``tests/test_rules_properties.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchsim.model.asl import Retrier
from orchsim.model.scenario import RetryPolicy

if TYPE_CHECKING:
    from orchsim.aws.pricebook import Tier

__all__ = [
    "PAYLOAD_LIMIT_KB",
    "BucketSpec",
    "sfn_quotas",
    "CLOCK_TOLERANCE_MS",
    "DEFAULT_RULES",
    "MONTH_HOURS",
    "BillingRules",
    "billed_ms",
    "round_up",
    "lambda_billed_ms",
    "gb_from_mb",
    "gb_per_ms",
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

CLOCK_TOLERANCE_MS = 1e-6
"""Float clock noise forgiven before rounding up: a duration at most one nanosecond past a whole
unit bills that unit, not the next (a 5.0000005 ms run bills 5 ms). Simulated times are sums of
float seconds, so a run meant to last exactly 5 ms can come out a few ulps longer. Used by every
rounding rule, scalar and vectorised."""


@dataclass(frozen=True)
class BillingRules:
    """The units AWS's billing rules apply, with their sources. Build one from a price book
    (:attr:`orchsim.aws.pricebook.PriceBook.rules`); the defaults are AWS's published values.

    Attributes
    ----------
    lambda_rounding_ms
        Lambda duration is "rounded up to the nearest 1 ms" (https://aws.amazon.com/lambda/pricing/,
        since Dec 2020); price book ``lambda.duration_rounding_ms``.
    included_ephemeral_storage_mb
        "512 MB of ephemeral storage is available to each Lambda function at no additional cost"
        (https://aws.amazon.com/lambda/pricing/); price book ``lambda.included_ephemeral_storage_mb``.
    express_rounding_ms
        Express duration is "rounded up to the nearest 100ms" (https://aws.amazon.com/step-functions/pricing/);
        price book ``step_functions.express.duration_rounding_ms``.
    express_memory_chunk_mb
        Express memory is "billed in 64-MB chunks" (https://aws.amazon.com/step-functions/pricing/);
        price book ``step_functions.express.memory_chunk_mb``.
    express_max_duration_s
        An Express execution lasts at most 5 minutes, then fails with States.Timeout
        (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html); price book
        ``step_functions.express.max_duration_s``.
    month_hours
        Hours in a billing month, 730 (AWS pricing calculator); price book ``month_hours``.

    Examples
    --------
    >>> from orchsim.aws.pricebook import load_price_book
    >>> load_price_book().rules == DEFAULT_RULES
    True
    """

    lambda_rounding_ms: int = 1
    included_ephemeral_storage_mb: int = 512
    express_rounding_ms: int = 100
    express_memory_chunk_mb: int = 64
    express_max_duration_s: float = 300.0
    month_hours: float = MONTH_HOURS

    def metering_key(self) -> tuple[float, ...]:
        """The units an engine meters with (everything but ``month_hours``, which only pricing uses).

        Returns
        -------
        tuple
            ``(lambda_rounding_ms, included_ephemeral_storage_mb, express_rounding_ms,
            express_memory_chunk_mb, express_max_duration_s)``; two rule sets with the same key meter
            a run identically.
        """
        return (
            self.lambda_rounding_ms,
            self.included_ephemeral_storage_mb,
            self.express_rounding_ms,
            self.express_memory_chunk_mb,
            self.express_max_duration_s,
        )


DEFAULT_RULES = BillingRules()
"""AWS's published billing units (the shipped price book carries the same)."""


def billed_ms(duration_ms: float, unit_ms: int) -> int:
    """One invocation's or execution's billed milliseconds (scalar form of :func:`round_up`).

    Parameters
    ----------
    duration_ms
        Measured duration, ms.
    unit_ms
        Rounding unit, ms (``rules.lambda_rounding_ms`` or ``rules.express_rounding_ms``).

    Returns
    -------
    int
        The duration rounded up to whole units (forgiving :data:`CLOCK_TOLERANCE_MS`), at least one
        unit, ms.

    >>> billed_ms(5.0000005, 1), billed_ms(5.1, 1), billed_ms(150, 100), billed_ms(0.0, 1)
    (5, 6, 200, 1)
    """
    units = math.ceil((duration_ms - CLOCK_TOLERANCE_MS) / unit_ms)
    return (units if units > 1 else 1) * unit_ms


def round_up(value: ArrayLike, unit: float) -> NDArray[np.float64]:
    """Values rounded up to whole units of ``unit``, at least one unit (vectorised form of :func:`billed_ms`).

    Parameters
    ----------
    value
        Durations (ms) or memory (MB), scalar or array.
    unit
        Rounding unit in the same unit as ``value``.

    Returns
    -------
    numpy.ndarray of float
        ``max(ceil((value - CLOCK_TOLERANCE_MS) / unit), 1) * unit``, elementwise.

    >>> round_up([5.0000005, 5.1, 0.2], 1).tolist()
    [5.0, 6.0, 1.0]
    """
    units = np.ceil((np.asarray(value, dtype=float) - CLOCK_TOLERANCE_MS) / unit)
    return np.maximum(units, 1.0) * unit


def lambda_billed_ms(duration_ms: ArrayLike, rounding_ms: int = DEFAULT_RULES.lambda_rounding_ms) -> NDArray[np.int64]:
    """Billed Lambda duration per invocation, in integer milliseconds.

    Rule: "Duration is calculated from the time your code begins executing until it returns or
    otherwise terminates, rounded up to the nearest 1 ms" (https://aws.amazon.com/lambda/pricing/,
    1 ms granularity since Dec 2020). Each invocation is billed at least one unit.

    Parameters
    ----------
    duration_ms
        Durations, ms.
    rounding_ms
        Rounding unit, ms (``rules.lambda_rounding_ms``).

    Returns
    -------
    numpy.ndarray of int64
        Billed milliseconds.

    >>> lambda_billed_ms([0.4, 100.2, 2000]).tolist()
    [1, 101, 2000]
    """
    return round_up(duration_ms, rounding_ms).astype(np.int64)


def gb_from_mb(memory_mb: ArrayLike) -> NDArray[np.float64]:
    """Configured memory in GB as Lambda bills it: GB = MB / 1024 (https://aws.amazon.com/lambda/pricing/).

    Parameters
    ----------
    memory_mb
        Memory, MB.

    Returns
    -------
    numpy.ndarray of float
        Memory, GB.
    """
    return np.asarray(memory_mb, dtype=float) / 1024.0


def gb_per_ms(memory_mb: float) -> float:
    """GB-seconds one billed millisecond costs at ``memory_mb`` (scalar; the factor the simulation
    multiplies billed milliseconds by, and :func:`gb_seconds` uses).

    Parameters
    ----------
    memory_mb
        Memory (or billable extra storage), MB.

    Returns
    -------
    float
        GB-s per billed ms: ``memory_mb / 1024 / 1000``.
    """
    return memory_mb / 1024.0 / 1000.0


def gb_seconds(billed_ms: ArrayLike, memory_mb: ArrayLike) -> NDArray[np.float64]:
    """Lambda compute in GB-seconds: billed ms x memory in GB / 1000 (https://aws.amazon.com/lambda/pricing/).

    Parameters
    ----------
    billed_ms
        Billed duration, ms.
    memory_mb
        Configured memory, MB.

    Returns
    -------
    numpy.ndarray of float
        GB-seconds: ``billed_ms * (memory_mb / 1024 / 1000)`` (the scalar :func:`gb_per_ms` factor).

    >>> float(gb_seconds(1000, 1024))
    1.0
    """
    return np.asarray(billed_ms, dtype=float) * (np.asarray(memory_mb, dtype=float) / 1024.0 / 1000.0)


def ephemeral_extra_gb(
    ephemeral_storage_mb: ArrayLike, included_mb: int = DEFAULT_RULES.included_ephemeral_storage_mb
) -> NDArray[np.float64]:
    """Billable ephemeral storage in GB: only configured storage above the included 512 MB is charged.

    Rule: "512 MB of ephemeral storage is available to each Lambda function at no additional cost.
    You only pay for the additional ephemeral storage you configure" (https://aws.amazon.com/lambda/pricing/).

    Parameters
    ----------
    ephemeral_storage_mb
        Configured ephemeral storage, MB.
    included_mb
        Storage included at no charge, MB (``rules.included_ephemeral_storage_mb``).

    Returns
    -------
    numpy.ndarray of float
        Billable storage, GB.
    """
    return np.maximum(np.asarray(ephemeral_storage_mb, dtype=float) - included_mb, 0.0) / 1024.0


def express_billed_ms(duration_ms: ArrayLike, rounding_ms: int = DEFAULT_RULES.express_rounding_ms) -> NDArray[np.int64]:
    """Billed Express duration per execution: rounded up to the nearest 100 ms.

    Rule: "Duration is calculated from the time your workflow begins executing until it completes or
    otherwise terminates, rounded up to the nearest 100ms" (https://aws.amazon.com/step-functions/pricing/).

    Parameters
    ----------
    duration_ms
        Execution durations, ms.
    rounding_ms
        Rounding unit, ms (``rules.express_rounding_ms``).

    Returns
    -------
    numpy.ndarray of int64
        Billed milliseconds.
    """
    return round_up(duration_ms, rounding_ms).astype(np.int64)


def express_billed_memory_mb(memory_mb: ArrayLike, chunk_mb: int = DEFAULT_RULES.express_memory_chunk_mb) -> NDArray[np.int64]:
    """Billed Express memory: the memory used rounded up to whole 64 MB chunks.

    Rule: "the amount of memory used in the execution of your workflow, billed in 64-MB chunks"
    (https://aws.amazon.com/step-functions/pricing/). Memory used = 50 MB + definition size +
    execution data size x number of Parallel or Map steps, so at least one chunk is always billed.

    Parameters
    ----------
    memory_mb
        Memory used, MB.
    chunk_mb
        Chunk, MB (``rules.express_memory_chunk_mb``).

    Returns
    -------
    numpy.ndarray of int64
        Billed memory, MB.

    >>> express_billed_memory_mb([1, 64, 65]).tolist()
    [64, 64, 128]
    """
    return round_up(memory_mb, chunk_mb).astype(np.int64)


def express_gb_hours(billed_ms: ArrayLike, billed_memory_mb: ArrayLike) -> NDArray[np.float64]:
    """Express duration in GB-hours: billed ms x billed MB / 1000 / 1024 / 3600.

    Rule: worked example on https://aws.amazon.com/step-functions/pricing/ ("1,000,000,000 x 64 MB
    /1024 MB = 62,500,000 GB-s; 62,500,000 GB-s / 60 / 60 = 17,361.11 GB-hours"). The simulation sums
    ``billed ms x billed MB`` per execution and converts the sum the same way.

    Parameters
    ----------
    billed_ms
        Billed duration, ms (or a sum of ms x MB with ``billed_memory_mb`` 1).
    billed_memory_mb
        Billed memory, MB.

    Returns
    -------
    numpy.ndarray of float
        GB-hours.
    """
    return np.asarray(billed_ms, dtype=float) * np.asarray(billed_memory_mb, dtype=float) / 1000.0 / 1024.0 / 3600.0


def tier_segments(quantity: float, tiers: Sequence[Tier], offset: float = 0.0) -> list[tuple[float, float]]:
    """Split a monthly quantity into (quantity, unit price) segments, one per tier it reaches.

    Rule: volume tiers apply to the monthly total, piecewise: "Lambda on-demand duration pricing tiers
    are applied to aggregate monthly duration of your functions running on the same architecture"
    (https://aws.amazon.com/lambda/pricing/); Express GB-hour tiers likewise ("$0.06 per GB-hour for the
    first 1,000 GB-hours, $0.03 for the next 4,000", https://aws.amazon.com/step-functions/pricing/).

    Parameters
    ----------
    quantity
        Monthly quantity (GB-s, GB-hours, ...), >= 0.
    tiers
        Volume tiers, in increasing order, the last unbounded.
    offset
        The account's other monthly usage of the same meter, billed before this quantity: the
        quantity fills the tiers from there (tiers and free tiers are per account and architecture).

    Returns
    -------
    list of (float, float)
        (quantity in the tier, USD per unit) for each tier reached.
    """
    if quantity < 0 or offset < 0:
        raise ValueError("quantity and offset must be >= 0")
    out: list[tuple[float, float]] = []
    lower = 0.0
    top = offset + quantity
    for tier in tiers:
        upper = float("inf") if tier.up_to is None else float(tier.up_to)
        if top <= lower:
            break
        seg = min(top, upper) - max(lower, offset)
        if seg > 0:
            out.append((seg, tier.usd_per_unit))
        lower = upper
    return out


def tiered_cost(quantity: ArrayLike, tiers: Sequence[Tier], offset: ArrayLike = 0.0) -> NDArray[np.float64]:
    """Monthly cost of ``quantity`` units under volume tiers (vectorised form of :func:`tier_segments`).

    Parameters
    ----------
    quantity
        Monthly quantities, scalar or array, >= 0.
    tiers
        Volume tiers, in increasing order, the last unbounded.
    offset
        The account's other usage of the meter, billed first (scalar or array).

    Returns
    -------
    numpy.ndarray of float
        USD per month, elementwise; equal to the sum of the :func:`tier_segments` products.
    """
    off = np.asarray(offset, dtype=float)
    if np.any(off):
        return _tiered(np.asarray(quantity, dtype=float) + off, tiers) - _tiered(np.broadcast_to(off, np.shape(quantity)), tiers)
    return _tiered(quantity, tiers)


def _tiered(quantity: ArrayLike, tiers: Sequence[Tier]) -> NDArray[np.float64]:
    q = np.asarray(quantity, dtype=float)
    cost = np.zeros_like(q)
    top = float(q.max(initial=0.0))
    lower = 0.0
    for tier in tiers:
        if top <= lower:  # no point reaches this tier (nor any above it)
            break
        upper = np.inf if tier.up_to is None else float(tier.up_to)
        in_tier = np.minimum(q, upper)
        if lower:
            in_tier -= np.minimum(q, lower)
        cost += in_tier * tier.usd_per_unit
        lower = upper
    return cost


def apply_free_allowance(quantity: ArrayLike, free: ArrayLike) -> NDArray[np.float64]:
    """Quantity left to pay after a monthly free allowance: max(0, quantity - free).

    Rules: Lambda free tier 1M requests and 400,000 GB-s per month; Step Functions Standard 4,000 state
    transitions per month; both without expiry (https://aws.amazon.com/lambda/pricing/,
    https://aws.amazon.com/step-functions/pricing/). Express has no free tier.

    Parameters
    ----------
    quantity
        Monthly quantity, scalar or array.
    free
        Monthly free allowance, same unit (scalar, or an array over points).

    Returns
    -------
    numpy.ndarray of float
        Quantity left to pay.
    """
    return np.maximum(np.asarray(quantity, dtype=float) - free, 0.0)


def split_free_allowance(quantities: Sequence[ArrayLike], free: float) -> list[NDArray[np.float64]]:
    """Share one free allowance across several meters in order, returning what is left to pay of each
    (elementwise over arrays).

    Rule: the Lambda free tier's 400,000 GB-s are shared by both architectures
    (https://aws.amazon.com/lambda/pricing/). AWS does not say in which order; orchsim applies it to
    x86_64 first (the dearer rate), which is the order callers pass.

    Parameters
    ----------
    quantities
        Monthly quantities of each meter, in the order the allowance covers them.
    free
        The shared monthly allowance.

    Returns
    -------
    list of numpy.ndarray
        Quantity left to pay of each meter.

    >>> [float(x) for x in split_free_allowance([300_000, 300_000], 400_000)]
    [0.0, 200000.0]
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
    """Scale a quantity metered over ``window_hours`` to a 730-hour month before tiers and free tier apply.

    Parameters
    ----------
    quantity
        Metered over the window (any unit).
    window_hours
        Length of the window, hours (> 0).
    month_hours
        Hours in a billing month (``rules.month_hours``).

    Returns
    -------
    numpy.ndarray of float
        The quantity per month.
    """
    if window_hours <= 0:
        raise ValueError("window_hours must be > 0")
    return np.asarray(quantity, dtype=float) * (month_hours / window_hours)


# --- Semantics and quotas (not prices): one home for each constant the engines apply. ---

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)
"""Delays before Lambda's asynchronous retries of a function error: about 1 minute, then 2 minutes.

"If the function returns an error, by default Lambda attempts to run it two more times, with a one-minute
wait between the first two attempts, and two minutes between the second and third attempts"
(https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)."""

EXPRESS_LIMIT_S = DEFAULT_RULES.express_max_duration_s
"""Maximum duration of an Express workflow execution: 5 minutes; past it the execution fails with
States.Timeout (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). The price book's
``step_functions.express.max_duration_s`` states the same figure with its source; engines read
``rules.express_max_duration_s``."""

EXPRESS_ROUNDING_MS = DEFAULT_RULES.express_rounding_ms
"""Express duration rounding (https://aws.amazon.com/step-functions/pricing/: "rounded up to the nearest 100ms");
engines read ``rules.express_rounding_ms``."""

PAYLOAD_LIMIT_KB: dict[str, float] = {
    "sfn-standard": 256.0,
    "sfn-express": 256.0,
    "lambda-chain-async": 1024.0,
    "lambda-chain-sync": 6144.0,
    "lambda-durable": 256.0,
}
"""The largest payload each pattern passes between steps, KB: a Step Functions state's input or output
256 KB (262,144 characters, https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateEnteredEventDetails.html,
States.DataLimitExceeded past it); a Lambda asynchronous (Event) invocation 1 MB and a synchronous one
6 MB ("For synchronous invocations, the maximum payload size is 6 MB. For asynchronous invocations,
the maximum payload size is 1 MB", https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html); a
durable function's checkpointed step result 256 KB ("256 KB for CONTEXT, STEP, WAIT, and CALLBACK
operations", https://docs.aws.amazon.com/lambda/latest/api/API_OperationUpdate.html). A
larger payload goes through S3: the producer PUTs it, the step that receives it GETs it. (AWS's
pricing page is said to bill async payloads above 256 KB as one request per 64 KB; no AWS source for
that rule was found, so it is not applied.)"""

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

def asl_wait_s(policy: RetryPolicy | Retrier, retry: int, u: float = 1.0) -> float:
    """Wait before retry number ``retry`` (1-based) under an ASL retrier, seconds.

    Rule: Amazon States Language Retry fields IntervalSeconds, BackoffRate, MaxDelaySeconds and
    JitterStrategy (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).

    ``IntervalSeconds * BackoffRate ** (retry - 1)``, capped by MaxDelaySeconds; with
    ``JitterStrategy: FULL`` multiplied by a uniform draw ``u`` (the wait is uniform in [0, wait]).
    With the defaults (1 s, 2.0) retries start at t = 1, 3 and 7 s.

    Parameters
    ----------
    policy
        The retrier: a scenario's :class:`RetryPolicy` or an imported definition's
        :class:`~orchsim.model.asl.Retrier` (``jitter`` "full"/"FULL").
    retry
        Retry number, 1-based.
    u
        Uniform draw in [0, 1) for FULL jitter (ignored otherwise).

    Returns
    -------
    float
        Seconds to wait before the retry.
    """
    wait = policy.interval_s * policy.backoff_rate ** (retry - 1)
    if policy.max_delay_s is not None:
        wait = min(wait, policy.max_delay_s)
    return wait * u if policy.jitter.lower() == "full" else wait


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
    * ``lambda-durable``: always; a durable execution ends FAILED, its operations and their errors
      kept for the retention period (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html,
      GetDurableExecution / GetDurableExecutionHistory).
    * ``sfn-express``: only with CloudWatch Logs logging on, or a synchronous start that returns the
      error to its caller ("Express Workflows ... execution history is sent to CloudWatch Logs", same page).
    * Lambda chains: a synchronous trigger sees an error raised by the first hop (and, in a
      synchronous chain, every hop, since the error propagates); otherwise only a dead-letter queue or
      on-failure destination records it
      (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).

    Parameters
    ----------
    pattern
        One of the five pattern names.
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
    if pattern in ("sfn-standard", "lambda-durable"):
        return np.ones_like(sync)
    if pattern == "sfn-express":
        return sync | np.asarray(express_logging, dtype=bool)
    return (sync & np.asarray(first_hop, dtype=bool)) | np.asarray(dead_letter, dtype=bool)


_LARGE_REGIONS = {"us-east-1", "us-west-2", "eu-west-1"}


@dataclass(frozen=True)
class BucketSpec:
    """A token bucket's shape.

    Parameters
    ----------
    size
        Bucket size, tokens (the burst allowed).
    refill_per_s
        Tokens added per second.
    """

    size: float
    refill_per_s: float


def sfn_quotas(region: str, workflow: str) -> dict[str, BucketSpec]:
    """Step Functions throttling buckets of a workflow type in a region (token buckets:
    https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).

    Standard: StartExecution 1,300 refill 300/s in us-east-1, us-west-2, eu-west-1 (800 and 150/s
    elsewhere); StateTransition 5,000 refill 5,000/s there (800 and 800/s elsewhere). Express:
    StartExecution 6,000 refill 6,000/s; no state-transition limit.

    Parameters
    ----------
    region
        AWS region.
    workflow
        ``"standard"`` or ``"express"``.

    Returns
    -------
    dict of str to BucketSpec
        ``"start"`` and, for Standard, ``"transition"``.

    Examples
    --------
    >>> sfn_quotas("us-east-1", "standard")["transition"]
    BucketSpec(size=5000, refill_per_s=5000)
    """
    big = region in _LARGE_REGIONS
    if workflow == "express":
        return {"start": BucketSpec(6000, 6000)}
    return {
        "start": BucketSpec(1300, 300) if big else BucketSpec(800, 150),
        "transition": BucketSpec(5000, 5000) if big else BucketSpec(800, 800),
    }
