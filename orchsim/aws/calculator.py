"""The cost calculator: one month of usage of one service, validated, metered and priced.

This is what ``orchsim price lambda|standard|express`` runs. Counts are per month. The functions take
numbers (not strings) and raise :class:`~orchsim.errors.InputError` naming their own parameters
(``requests``, ``duration_ms``, ...); the CLI parses strings and names its options instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np

from orchsim.aws import durable
from orchsim.aws.cost import Cost, price_metering
from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import ARCHITECTURES, PriceBook, load_price_book
from orchsim.aws.rules import (
    billed_ms,
    ephemeral_extra_gb,
    express_billed_memory_mb,
    express_gb_hours,
    gb_seconds,
)
from orchsim.errors import InputError

__all__ = [
    "MAX_PER_MONTH",
    "check_numbers",
    "MAX_TRANSITIONS_PER_EXECUTION",
    "check_number",
    "price_lambda",
    "price_standard",
    "price_express",
    "price_durable",
]

MAX_PER_MONTH = 1e15
"""Largest monthly count accepted (invocations, executions): 1e15, about 380 million a second."""
MAX_TRANSITIONS_PER_EXECUTION = 1_000_000
"""Largest transitions per execution accepted (a Standard execution's history holds 25,000 events)."""

LAMBDA_TIMEOUT_MAX_MS = 900_000
"""Longest Lambda invocation: the 900 s timeout (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""
MEMORY_MAX_MB = 10_240
"""Largest Lambda memory or ephemeral storage, and the Express memory accepted, MB."""


def _shown(value: float) -> str:
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:g}"


def check_number(
    field: str, value: object, *, low: float, high: float = math.inf, low_open: bool = False, what: str
) -> float:
    """Check that ``value`` is a finite number in range; return it as a float.

    Parameters
    ----------
    field
        The parameter's name, used in the error.
    value
        The value to check (a bool or a string is not a number).
    low, high
        Accepted range; ``low`` excluded when ``low_open``.
    low_open
        Exclude ``low`` itself.
    what
        What the number means, with its unit (shown in the error).

    Returns
    -------
    float
        ``value``.

    Raises
    ------
    InputError
        Naming ``field`` and the accepted range.

    >>> check_number("requests", 5, low=0, what="invocations per month")
    5.0
    """
    bound = f"> {low:g}" if low_open else f">= {low:g}"
    top = f"{high:,.0f}" if high < 1e7 else f"{high:g}"
    rng = bound if high == math.inf else f"{bound} and <= {top}"
    if not isinstance(value, Real) or isinstance(value, bool):
        raise InputError(field, f"must be a number {rng} ({what}); got {value!r}")
    v = float(value)
    ok = math.isfinite(v) and (v > low if low_open else v >= low) and v <= high
    if not ok:
        raise InputError(field, f"must be {rng} ({what}); got {_shown(v)}")
    return v


def check_numbers(
    field: str, value: object, *, low: float, high: float = math.inf, low_open: bool = False, what: str
) -> np.ndarray:
    """:func:`check_number` for an array-like: every element a finite real number in range.

    Booleans, strings and objects are refused (NumPy would read ``True`` as 1 and ``"5"`` as 5).

    Parameters
    ----------
    field
        The parameter's name, used in the error.
    value
        A number or array-like of numbers.
    low, high
        Accepted range; ``low`` excluded when ``low_open``.
    low_open
        Exclude ``low`` itself.
    what
        What the numbers mean, with their unit.

    Returns
    -------
    numpy.ndarray of float
        ``value`` as floats.

    Raises
    ------
    InputError
        Naming ``field``, the accepted range and the first bad value.

    >>> check_numbers("transitions", [1, 5], low=1, what="transitions").tolist()
    [1.0, 5.0]
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":  # bools, strings, objects: each element must be a real number
        for item in arr.ravel().tolist() if arr.dtype.kind != "b" else [bool(arr.ravel()[0])]:
            check_number(field, item, low=low, high=high, low_open=low_open, what=what)
    out = arr.astype(float)
    bad = ~np.isfinite(out) | ((out <= low) if low_open else (out < low)) | (out > high)
    if np.any(bad):
        check_number(field, float(out[bad].ravel()[0]), low=low, high=high, low_open=low_open, what=what)
    return out


def _book(prices: str | PriceBook | None, region: str, service: str) -> PriceBook:
    """Load the price book and check that it prices ``service`` in ``region`` (errors name
    ``prices`` or ``region``)."""
    book = load_price_book(prices)
    getattr(book, f"{service}_prices")(region)
    return book


def _memory(field: str, memory_mb: object, book: PriceBook, region: str) -> int:
    lam = book.lambda_prices(region)
    m = check_number(field, memory_mb, low=lam.memory_mb_min, high=lam.memory_mb_max, what="MB of configured memory")
    if m != int(m):
        raise InputError(field, f"must be a whole number of MB between {lam.memory_mb_min} and {lam.memory_mb_max}; got {_shown(m)}")
    return int(m)


def price_lambda(
    requests: float,
    duration_ms: float,
    memory_mb: int,
    *,
    arch: str = "x86_64",
    ephemeral_storage_mb: float = 512,
    free_tier: bool = False,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly cost of ``requests`` Lambda invocations of ``duration_ms`` each at ``memory_mb``.

    Billed duration is rounded up to the price book's Lambda unit (``book.rules.lambda_rounding_ms``),
    and only storage above ``book.rules.included_ephemeral_storage_mb`` is charged.

    Parameters
    ----------
    requests
        Invocations per month, 0 to :data:`MAX_PER_MONTH` (1e15).
    duration_ms
        Duration of each invocation, ms, > 0 and at most the 900 s timeout.
    memory_mb
        Configured memory, whole MB within the price book's range (128 to 10,240).
    arch
        ``x86_64`` or ``arm64``.
    ephemeral_storage_mb
        Configured ephemeral storage, MB (512 to 10,240).
    free_tier
        Apply the always-free allowances.
    region
        AWS region.
    prices
        Price file path or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    Cost
        Line items, USD per month.

    Raises
    ------
    InputError
        Naming the parameter (``requests``, ``duration_ms``, ``memory_mb``, ``arch``,
        ``ephemeral_storage_mb``, ``region``, ``prices``) and what it accepts.

    Examples
    --------
    AWS's pricing-page example (3M requests, 120 ms, 1536 MB, free tier) costs $2.73:

    >>> round(price_lambda(3_000_000, 120, 1536, free_tier=True).total_usd, 2)
    2.73
    """
    book = _book(prices, region, "lambda")
    rules = book.rules
    n = check_number("requests", requests, low=0, high=MAX_PER_MONTH, what="invocations per month")
    d = check_number("duration_ms", duration_ms, low=0, low_open=True, high=LAMBDA_TIMEOUT_MAX_MS, what="ms per invocation, at most the 900 s timeout")
    m = _memory("memory_mb", memory_mb, book, region)
    if arch not in ARCHITECTURES:
        raise InputError("arch", f"unknown architecture {arch!r}; accepted: {', '.join(ARCHITECTURES)}")
    e = check_number("ephemeral_storage_mb", ephemeral_storage_mb, low=rules.included_ephemeral_storage_mb, high=MEMORY_MAX_MB, what="MB of ephemeral storage")
    billed = float(billed_ms(d, rules.lambda_rounding_ms))
    gbs = n * float(gb_seconds(billed, m))
    meter = Metering(
        lambda_requests=n,
        lambda_gb_s_x86_64=gbs if arch == "x86_64" else 0.0,
        lambda_gb_s_arm64=gbs if arch == "arm64" else 0.0,
        ephemeral_gb_s=n * billed / 1000.0 * float(ephemeral_extra_gb(e, rules.included_ephemeral_storage_mb)),
    )
    return price_metering(meter, region, free_tier=free_tier, prices=book)


def price_standard(
    executions: float,
    transitions: float,
    *,
    free_tier: bool = False,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly Step Functions Standard cost of ``executions`` with ``transitions`` each.

    Parameters
    ----------
    executions
        Executions per month, 0 to :data:`MAX_PER_MONTH` (1e15).
    transitions
        State transitions per execution, retries included, 1 to 1,000,000.
    free_tier
        Apply the 4,000 free transitions per month.
    region
        AWS region.
    prices
        Price file path or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    Cost
        Line items, USD per month.

    Examples
    --------
    >>> round(price_standard(10_000, 5).total_usd, 2)  # the seed article's $1.25 (one day)
    1.25
    """
    book = _book(prices, region, "standard")
    n = check_number("executions", executions, low=0, high=MAX_PER_MONTH, what="executions per month")
    t = check_number("transitions", transitions, low=1, high=MAX_TRANSITIONS_PER_EXECUTION, what="state transitions per execution, retries included")
    return price_metering(Metering(sfn_transitions=n * t), region, free_tier=free_tier, prices=book)


def price_express(
    executions: float,
    duration_ms: float,
    memory_mb: float,
    *,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly Step Functions Express cost of ``executions`` lasting ``duration_ms`` using ``memory_mb``.

    Duration is rounded up to ``book.rules.express_rounding_ms`` and memory to
    ``book.rules.express_memory_chunk_mb`` chunks.

    Parameters
    ----------
    executions
        Executions per month, 0 to :data:`MAX_PER_MONTH` (1e15).
    duration_ms
        Duration of each execution, ms, > 0 and at most Express's 5-minute limit.
    memory_mb
        Workflow memory used, MB, > 0.
    region
        AWS region.
    prices
        Price file path or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    Cost
        Line items, USD per month (Express has no free tier).

    Examples
    --------
    AWS's pricing-page example: 100M executions of 10 s at 64 MB cost $482.97.

    >>> round(price_express(100_000_000, 10_000, 64).total_usd, 2)
    482.97
    """
    book = _book(prices, region, "express")
    rules = book.rules
    n = check_number("executions", executions, low=0, high=MAX_PER_MONTH, what="executions per month")
    d = check_number("duration_ms", duration_ms, low=0, low_open=True, high=rules.express_max_duration_s * 1000, what=f"ms per execution, at most Express's {rules.express_max_duration_s:g} s limit")
    m = check_number("memory_mb", memory_mb, low=0, low_open=True, high=MEMORY_MAX_MB, what="MB of workflow memory, billed in 64 MB chunks")
    billed = float(billed_ms(d, rules.express_rounding_ms))
    billed_mb = float(express_billed_memory_mb(m, rules.express_memory_chunk_mb))
    meter = Metering(express_requests=n, express_gb_hours=n * float(express_gb_hours(billed, billed_mb)))
    return price_metering(meter, region, prices=book)


def price_durable(
    executions: float,
    step_ms: Sequence[float],
    memory_mb: int,
    *,
    waits: int = 0,
    wait_days: float = 0.0,
    input_kb: float = 8.0,
    payload_kb: float = 32.0,
    retention_days: float = 14,
    arch: str = "arm64",
    free_tier: bool = False,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly cost of ``executions`` Lambda durable executions: ``len(step_ms)`` durable steps of the
    given durations and ``waits`` waits (``wait_days`` in all), each step and wait persisting
    ``payload_kb``, on a function of ``memory_mb`` (rules: :mod:`orchsim.aws.durable`).

    Each wait suspends the execution; the resume is a new (replay) invocation: ``1 + waits``
    invocations an execution. Compute is the steps' time (replay overhead and INIT taken as 0, as in
    AWS's example); operations are the start, the steps and the waits; data written the input and
    every step's and wait's payload; retained while running (the waits) and ``retention_days`` after.

    Parameters
    ----------
    executions
        Durable executions per month.
    step_ms
        Each durable step's duration, ms (each at most the 900 s invocation limit).
    memory_mb
        The durable function's memory, MB.
    waits, wait_days
        Waits per execution and their total length, days.
    input_kb, payload_kb
        The invocation payload, and each step's and wait's persisted payload, KB.
    retention_days
        ``RetentionPeriodInDays`` (1-90).
    arch, free_tier, region, prices
        As :func:`price_lambda` (the free tier covers Lambda requests and GB-s only).

    Examples
    --------
    AWS's pricing-page example (1M claims a month: a 30 s analysis step, a 7-day wait, a 2 s payment
    step; 8 KB input, 32 KB payloads; 1 GB arm64; 14 days retained; free tier) costs $490.46:

    >>> round(price_durable(1_000_000, [30_000, 2_000], 1024, waits=1, wait_days=7, free_tier=True).total_usd, 2)
    490.46
    """
    book = _book(prices, region, "lambda")
    rules = book.rules
    n = check_number("executions", executions, low=0, high=MAX_PER_MONTH, what="durable executions per month")
    if not step_ms:
        raise InputError("step_ms", "give at least one durable step's duration, ms")
    steps = [check_number("step_ms", d, low=0, low_open=True, high=LAMBDA_TIMEOUT_MAX_MS, what="ms per step, at most the 900 s invocation limit")
             for d in step_ms]
    m = _memory("memory_mb", memory_mb, book, region)
    w = check_number("waits", waits, low=0, high=MAX_TRANSITIONS_PER_EXECUTION, what="waits per execution")
    days = check_number("wait_days", wait_days, low=0, high=366, what="days of waiting per execution")
    kb_in = check_number("input_kb", input_kb, low=0, high=1024, what="KB of input (async invocations take up to 1 MB)")
    kb = check_number("payload_kb", payload_kb, low=0, high=256, what="KB persisted per step or wait (at most 256 KB)")
    if arch not in ARCHITECTURES:
        raise InputError("arch", f"unknown architecture {arch!r}; accepted: {', '.join(ARCHITECTURES)}")
    billed = sum(float(billed_ms(d, rules.lambda_rounding_ms)) for d in steps)
    gbs = n * float(gb_seconds(billed, m))
    written = durable.data_written_gb(kb_in + (len(steps) + w) * kb, n)
    meter = Metering(
        lambda_requests=n * (1 + w),
        lambda_gb_s_x86_64=gbs if arch == "x86_64" else 0.0,
        lambda_gb_s_arm64=gbs if arch == "arm64" else 0.0,
        service_calls={
            "lambda:durableOperations": float(durable.operations(steps=len(steps), waits=w, executions=n)),
            "lambda:durableDataWrittenGb": written,
            "lambda:durableDataRetainedGbMonths": durable.retained_gb_months(written, running_days=days, retention_days=retention_days),
        },
    )
    return price_metering(meter, region, free_tier=free_tier, prices=book)
