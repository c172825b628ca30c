"""The cost calculator: one month of usage of one service, validated, metered and priced.

This is what ``orchsim price lambda|standard|express`` runs. Counts are per month.
"""

from __future__ import annotations

import math

from orchsim.aws.cost import Cost, price_metering
from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import ARCHITECTURES, PriceBook, load_price_book
from orchsim.aws.rules import (
    ephemeral_extra_gb,
    express_billed_memory_mb,
    express_billed_ms,
    express_gb_hours,
    gb_seconds,
    lambda_billed_ms,
)
from orchsim.errors import InputError

__all__ = ["parse_number", "price_lambda", "price_standard", "price_express"]


def parse_number(field: str, value: float | str, *, low: float, high: float = math.inf, low_open: bool = False, what: str) -> float:
    bound = f"> {low:g}" if low_open else f">= {low:g}"
    rng = bound if high == math.inf else f"{bound} and <= {high:,.0f}"
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(field, f"must be a number {rng} ({what}); got {value!r}") from None
    ok = math.isfinite(v) and (v > low if low_open else v >= low) and v <= high
    if not ok:
        raise InputError(field, f"must be {rng} ({what}); got {value}")
    return v


def _book(prices: str | PriceBook | None, region: str, service: str) -> PriceBook:
    """Load the price book and check ``region`` for ``service``; errors name ``--prices`` / ``--region``
    like the other options of the calculator."""
    try:
        book = load_price_book(prices)
        getattr(book, f"{service}_prices")(region)
    except InputError as exc:
        if exc.field.startswith(("prices", "region")):
            raise InputError(f"--{exc.field}", exc.message) from None
        raise
    return book


def _memory(field: str, memory_mb: float | str, book: PriceBook, region: str) -> int:
    lam = book.lambda_prices(region)
    m = parse_number(field, memory_mb, low=lam.memory_mb_min, high=lam.memory_mb_max, what="MB of configured memory")
    if m != int(m):
        raise InputError(field, f"must be a whole number of MB between {lam.memory_mb_min} and {lam.memory_mb_max}; got {memory_mb}")
    return int(m)


def price_lambda(
    requests: float | str,
    duration_ms: float | str,
    memory_mb: float | str,
    *,
    arch: str = "x86_64",
    ephemeral_storage_mb: float | str = 512,
    free_tier: bool = False,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly cost of ``requests`` Lambda invocations of ``duration_ms`` each at ``memory_mb``.

    Example
    -------
    AWS's pricing-page example (3M requests, 120 ms, 1536 MB, free tier) costs $2.73:

    >>> round(price_lambda(3_000_000, 120, 1536, free_tier=True).total_usd, 2)
    2.73
    """
    book = _book(prices, region, "lambda")
    n = parse_number("--requests", requests, low=0, what="invocations per month")
    d = parse_number("--duration-ms", duration_ms, low=0, low_open=True, high=900_000, what="ms per invocation, at most the 900 s timeout")
    m = _memory("--memory-mb", memory_mb, book, region)
    if arch not in ARCHITECTURES:
        raise InputError("--arch", f"unknown architecture {arch!r}; accepted: {', '.join(ARCHITECTURES)}")
    e = parse_number("--ephemeral-storage-mb", ephemeral_storage_mb, low=512, high=10_240, what="MB of ephemeral storage")
    billed = float(lambda_billed_ms(d))
    gbs = n * float(gb_seconds(billed, m))
    meter = Metering(
        lambda_requests=n,
        lambda_gb_s_x86_64=gbs if arch == "x86_64" else 0.0,
        lambda_gb_s_arm64=gbs if arch == "arm64" else 0.0,
        ephemeral_gb_s=n * billed / 1000.0 * float(ephemeral_extra_gb(e)),
    )
    return price_metering(meter, region, free_tier=free_tier, prices=book)


def price_standard(
    executions: float | str,
    transitions: float | str,
    *,
    free_tier: bool = False,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly Step Functions Standard cost of ``executions`` with ``transitions`` each.

    >>> round(price_standard(10_000, 5).total_usd, 2)  # the seed article's $1.25 (one day)
    1.25
    """
    book = _book(prices, region, "standard")
    n = parse_number("--executions", executions, low=0, what="executions per month")
    t = parse_number("--transitions", transitions, low=1, what="state transitions per execution, retries included")
    return price_metering(Metering(sfn_transitions=n * t), region, free_tier=free_tier, prices=book)


def price_express(
    executions: float | str,
    duration_ms: float | str,
    memory_mb: float | str,
    *,
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> Cost:
    """Monthly Step Functions Express cost of ``executions`` lasting ``duration_ms`` using ``memory_mb``.

    AWS's pricing-page example: 100M executions of 10 s at 64 MB cost $482.97.

    >>> round(price_express(100_000_000, 10_000, 64).total_usd, 2)
    482.97
    """
    book = _book(prices, region, "express")
    exp = book.express_prices(region)
    n = parse_number("--executions", executions, low=0, what="executions per month")
    d = parse_number("--duration-ms", duration_ms, low=0, low_open=True, high=exp.max_duration_s * 1000, what="ms per execution, at most Express's 5-minute limit")
    m = parse_number("--memory-mb", memory_mb, low=0, low_open=True, high=10_240, what="MB of workflow memory, billed in 64 MB chunks")
    billed_ms = float(express_billed_ms(d, exp.duration_rounding_ms))
    billed_mb = float(express_billed_memory_mb(m, exp.memory_chunk_mb))
    meter = Metering(express_requests=n, express_gb_hours=n * float(express_gb_hours(billed_ms, billed_mb)))
    return price_metering(meter, region, prices=book)
