"""Cost: price a monthly :class:`~orchsim.aws.metering.Metering` with a price book into line items.

Pricing never simulates; it applies :mod:`orchsim.aws.rules` rules to metered monthly totals.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.aws.rules import apply_free_allowance, split_free_allowance, tier_segments

__all__ = ["COMPONENTS", "Cost", "LineItem", "price_metering"]

COMPONENTS: tuple[str, ...] = (
    "lambda_requests",
    "lambda_compute",
    "lambda_ephemeral",
    "sfn_transitions",
    "express_requests",
    "express_duration",
    "logs",
)
"""Cost components, in the order charts and tables show them."""


@dataclass(frozen=True)
class LineItem:
    """One priced quantity: ``usd = quantity * unit_price_usd``."""

    name: str
    component: str
    quantity: float
    unit: str
    unit_price_usd: float
    usd: float


@dataclass(frozen=True)
class Cost:
    """Monthly cost as line items, with the price book provenance that made it."""

    line_items: tuple[LineItem, ...]
    region: str
    price_book_as_of: str
    free_tier: bool

    @property
    def total_usd(self) -> float:
        """Sum of all line items, USD per month."""
        return sum(li.usd for li in self.line_items)

    def by_component(self) -> dict[str, float]:
        """USD per month for each of :data:`COMPONENTS` (zero where nothing was billed)."""
        out = dict.fromkeys(COMPONENTS, 0.0)
        for li in self.line_items:
            out[li.component] += li.usd
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping: ``total_usd``, ``line_items``, ``region``, ``price_book_as_of``."""
        return {
            "total_usd": self.total_usd,
            "line_items": [{k: v for k, v in asdict(li).items() if k != "component"} for li in self.line_items],
            "region": self.region,
            "price_book_as_of": self.price_book_as_of,
            "free_tier": self.free_tier,
        }


def _tiered_items(name: str, component: str, quantity: float, unit: str, tiers: tuple) -> list[LineItem]:  # type: ignore[type-arg]
    segs = tier_segments(quantity, tiers)
    if not segs:
        return []
    multi = len(segs) > 1
    return [
        LineItem(f"{name} (tier {i + 1})" if multi else name, component, q, unit, p, q * p)
        for i, (q, p) in enumerate(segs)
    ]


def price_metering(
    monthly: Metering,
    region: str = "us-east-1",
    *,
    free_tier: bool = False,
    prices: str | PriceBook | None = None,
) -> Cost:
    """Price one month of metering.

    Parameters
    ----------
    monthly
        Metered quantities for a 730-hour month (scale a window first with
        :func:`orchsim.aws.rules.to_month` or :meth:`Metering.scaled`).
    region
        AWS region whose prices apply.
    free_tier
        Apply the always-free allowances (Lambda 1M requests and 400,000 GB-s shared by both
        architectures; Standard 4,000 transitions). Off by default.
    prices
        A price file path or :class:`PriceBook`; default the shipped one.
    """
    book = load_price_book(prices)
    lam = book.lambda_prices(region)
    items: list[LineItem] = []

    requests = monthly.lambda_requests
    if free_tier:
        requests = float(apply_free_allowance(requests, lam.free_requests))
    if requests > 0:
        p = lam.requests_usd_per_million / 1e6
        items.append(LineItem("Lambda requests", "lambda_requests", requests, "requests", p, requests * p))

    gb_s = [monthly.lambda_gb_s_x86_64, monthly.lambda_gb_s_arm64]
    if free_tier:
        gb_s = [float(q) for q in split_free_allowance(gb_s, lam.free_gb_s)]
    for arch, qty in zip(("x86_64", "arm64"), gb_s, strict=True):
        items += _tiered_items(f"Lambda compute {arch}", "lambda_compute", qty, "GB-s", lam.duration_tiers[arch])

    if monthly.ephemeral_gb_s > 0:
        p = lam.ephemeral_storage_usd_per_gb_s
        q = monthly.ephemeral_gb_s
        items.append(LineItem("Lambda ephemeral storage", "lambda_ephemeral", q, "GB-s", p, q * p))

    if monthly.sfn_transitions > 0:
        std = book.standard_prices(region)
        q = monthly.sfn_transitions
        if free_tier:
            q = float(apply_free_allowance(q, std.free_transitions))
        if q > 0:
            p = std.usd_per_1000_transitions / 1000
            items.append(LineItem("Step Functions Standard transitions", "sfn_transitions", q, "transitions", p, q * p))

    if monthly.express_requests > 0 or monthly.express_gb_hours > 0:
        exp = book.express_prices(region)
        q = monthly.express_requests
        p = exp.requests_usd_per_million / 1e6
        items.append(LineItem("Step Functions Express requests", "express_requests", q, "requests", p, q * p))
        items += _tiered_items(
            "Step Functions Express duration", "express_duration", monthly.express_gb_hours, "GB-hours", exp.duration_tiers
        )

    if monthly.logs_gb > 0:
        p = book.logs_ingestion_usd_per_gb(region)
        items.append(LineItem("CloudWatch Logs ingestion", "logs", monthly.logs_gb, "GB", p, monthly.logs_gb * p))

    return Cost(tuple(items), region, book.as_of, free_tier)
