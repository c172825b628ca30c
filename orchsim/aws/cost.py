"""Cost: price monthly metering with a price book, as line items or vectorised over points.

Pricing never simulates; it applies :mod:`orchsim.aws.rules` rules to metered monthly totals.
:func:`price_metering` (one :class:`~orchsim.aws.metering.Metering`, line items) and
:func:`price_monthly` (arrays of monthly quantities, one total per component) apply the same rules
with the same unit prices, side by side; :func:`wasted_usd` prices a simulated run's waste.

Direct service calls (:attr:`Metering.service_calls`) become line items of the service components
(:data:`orchsim.aws.services.SERVICE_COMPONENTS`) where the price book prices them; the others are
listed in :attr:`Cost.unpriced_calls` with a note, never priced at $0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchsim.aws.metering import METERS, Metering, Waste
from orchsim.aws.pricebook import PriceBook, ServicePrices, Tier, load_price_book
from orchsim.aws.rules import apply_free_allowance, split_free_allowance, tier_segments, tiered_cost
from orchsim.aws.services import BILLING_UNITS, SERVICE_UNITS, normalise_calls, service_key, unpriced_note

__all__ = ["COMPONENTS", "WASTE_KINDS", "Cost", "LineItem", "UnitPrices", "price_metering", "price_monthly", "unit_prices",
           "unpriced_model_note", "wasted_split", "wasted_usd"]

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
    """Monthly cost as line items, with the price book provenance that made it.

    ``unpriced_calls`` lists the service calls counted but not priced (service key -> calls per
    month: no price in the book for the region, or no pricing rule such as Bedrock's per-token
    price), and ``unpriced_notes`` says why for each key; both are empty without service calls.
    ``unpriced_tokens`` lists the model tokens (model -> (input, output) per month) of models the
    book has no token price for in the region; ``model_usd`` the priced ones' USD per month, model
    -> (input, output).
    """

    line_items: tuple[LineItem, ...]
    region: str
    price_book_as_of: str
    free_tier: bool
    unpriced_calls: Mapping[str, float] = field(default_factory=dict, hash=False)
    unpriced_notes: Mapping[str, str] = field(default_factory=dict, hash=False)
    unpriced_tokens: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)
    model_usd: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)

    @property
    def total_usd(self) -> float:
        """Sum of all line items, USD per month."""
        return sum(li.usd for li in self.line_items)

    def by_component(self) -> dict[str, float]:
        """USD per month for each of :data:`COMPONENTS` (zero where nothing was billed), then each
        service component with a line item (``dynamodb``, ``sqs``, ...).

        Returns
        -------
        dict
            Component name -> USD per month, in :data:`COMPONENTS` order, then service components
            in line-item order.
        """
        out = dict.fromkeys(COMPONENTS, 0.0)
        for li in self.line_items:
            out[li.component] = out.get(li.component, 0.0) + li.usd
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping: ``total_usd``, ``line_items``, ``region``, ``price_book_as_of``, ``free_tier``,
        and ``unpriced_service_calls`` when some service calls carry no price.

        Returns
        -------
        dict
            What ``orchsim price ... --json`` prints (USD per month); ``unpriced_service_calls`` maps
            a service key to ``{"calls": calls per month, "note": why it is not priced}``.
        """
        out: dict[str, object] = {
            "total_usd": self.total_usd,
            "line_items": [{k: v for k, v in asdict(li).items() if k != "component"} for li in self.line_items],
            "region": self.region,
            "price_book_as_of": self.price_book_as_of,
            "free_tier": self.free_tier,
        }
        if self.unpriced_calls:
            out["unpriced_service_calls"] = {
                k: {"calls": n, "note": self.unpriced_notes.get(k, "")} for k, n in self.unpriced_calls.items()
            }
        if self.unpriced_tokens:
            out["unpriced_model_tokens"] = {
                m: {"input_tokens": i, "output_tokens": o, "note": unpriced_model_note(m, self.region)}
                for m, (i, o) in self.unpriced_tokens.items()
            }
        return out


@dataclass(frozen=True)
class UnitPrices:
    """Every unit price one region's metering is priced at, USD per unit (per request, per GB-s,
    per transition, per GB-hour, per GB), with the free allowances; shared by the scalar and the
    vectorised pricing so both multiply the same numbers."""

    lambda_request: float
    lambda_gb_s_tiers: Mapping[str, tuple[Tier, ...]]
    lambda_ephemeral_gb_s: float
    free_requests: float
    free_gb_s: float
    sfn_transition: float
    free_transitions: float
    express_request: float
    express_gb_hour_tiers: tuple[Tier, ...]
    logs_gb: float
    logs_gb_tiers: tuple[Tier, ...]


def unit_prices(book: PriceBook, region: str) -> UnitPrices:
    """Unit prices of ``region`` in ``book``.

    Parameters
    ----------
    book
        The price book.
    region
        AWS region (raises :class:`~orchsim.errors.InputError` if the book has no price there).

    Returns
    -------
    UnitPrices
        USD per request, GB-s, transition, GB-hour and GB, and the free allowances.

    >>> unit_prices(load_price_book(), "us-east-1").sfn_transition
    2.5e-05
    """
    lam = book.lambda_prices(region)
    std = book.standard_prices(region)
    exp = book.express_prices(region)
    return UnitPrices(
        lambda_request=lam.requests_usd_per_million / 1e6,
        lambda_gb_s_tiers=lam.duration_tiers,
        lambda_ephemeral_gb_s=lam.ephemeral_storage_usd_per_gb_s,
        free_requests=lam.free_requests,
        free_gb_s=lam.free_gb_s,
        sfn_transition=std.usd_per_1000_transitions / 1000,
        free_transitions=std.free_transitions,
        express_request=exp.requests_usd_per_million / 1e6,
        express_gb_hour_tiers=exp.duration_tiers,
        logs_gb=book.logs_ingestion_usd_per_gb(region),
        logs_gb_tiers=book.logs_vended_tiers(region),
    )


_Q = TypeVar("_Q", float, NDArray[np.float64])


def _service_units(
    calls: Mapping[str, _Q], prices: ServicePrices | None
) -> tuple[dict[str, _Q], dict[str, _Q]]:
    """Split normalised service calls into billing units with a price (unit name -> units, in
    :data:`~orchsim.aws.services.BILLING_UNITS` order) and calls without one (key -> calls)."""
    units: dict[str, _Q] = {}
    unpriced: dict[str, _Q] = {}
    for key, n in calls.items():
        rule = SERVICE_UNITS.get(key)
        if rule is None or prices is None or rule.unit not in prices.units:
            unpriced[key] = unpriced[key] + n if key in unpriced else n
            continue
        q = n * rule.units_per_call
        units[rule.unit] = units[rule.unit] + q if rule.unit in units else q
    ordered = {u: units[u] for u in BILLING_UNITS if u in units}
    return ordered, unpriced


def _tiered_items(name: str, component: str, quantity: float, unit: str, tiers: tuple[Tier, ...], offset: float = 0.0) -> list[LineItem]:
    segs = tier_segments(quantity, tiers, offset)
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
    account: Metering | None = None,
) -> Cost:
    """Price one month of metering as line items.

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
    account
        The account's other monthly usage in the region (``lambda_requests``, ``lambda_gb_s_x86_64``,
        ``lambda_gb_s_arm64``, ``sfn_transitions``, ``express_gb_hours``): free allowances and volume
        tiers are per account and architecture, so it uses up the free tier and fills the tiers
        first and this metering is priced at the margin. Default none.

    Returns
    -------
    Cost
        Line items in USD per month, with the price book's provenance.

    Examples
    --------
    >>> round(price_metering(Metering(sfn_transitions=50_000)).total_usd, 2)
    1.25
    """
    book = load_price_book(prices)
    up = unit_prices(book, region)
    items: list[LineItem] = []
    other = account or Metering()

    requests = monthly.lambda_requests
    if free_tier:
        requests = float(apply_free_allowance(requests, max(up.free_requests - other.lambda_requests, 0.0)))
    if requests > 0:
        p = up.lambda_request
        items.append(LineItem("Lambda requests", "lambda_requests", requests, "requests", p, requests * p))

    gb_s = [monthly.lambda_gb_s_x86_64, monthly.lambda_gb_s_arm64]
    others = [other.lambda_gb_s_x86_64, other.lambda_gb_s_arm64]
    if free_tier:
        gb_s = [float(q) for q in split_free_allowance(gb_s, max(up.free_gb_s - sum(others), 0.0))]
        others = [float(q) for q in split_free_allowance(others, up.free_gb_s)]  # the others' billable part
    for arch, qty, off in zip(("x86_64", "arm64"), gb_s, others, strict=True):
        items += _tiered_items(f"Lambda compute {arch}", "lambda_compute", qty, "GB-s", up.lambda_gb_s_tiers[arch], off)

    if monthly.ephemeral_gb_s > 0:
        p = up.lambda_ephemeral_gb_s
        q = monthly.ephemeral_gb_s
        items.append(LineItem("Lambda ephemeral storage", "lambda_ephemeral", q, "GB-s", p, q * p))

    if monthly.sfn_transitions > 0:
        q = monthly.sfn_transitions
        if free_tier:
            q = float(apply_free_allowance(q, max(up.free_transitions - other.sfn_transitions, 0.0)))
        if q > 0:
            p = up.sfn_transition
            items.append(LineItem("Step Functions Standard transitions", "sfn_transitions", q, "transitions", p, q * p))

    if monthly.express_requests > 0 or monthly.express_gb_hours > 0:
        q = monthly.express_requests
        p = up.express_request
        items.append(LineItem("Step Functions Express requests", "express_requests", q, "requests", p, q * p))
        items += _tiered_items(
            "Step Functions Express duration", "express_duration", monthly.express_gb_hours, "GB-hours", up.express_gb_hour_tiers,
            other.express_gb_hours,
        )

    if monthly.logs_gb > 0:  # vended logs (Lambda, Step Functions): tiered per account and month
        items += _tiered_items("CloudWatch Logs ingestion", "logs", monthly.logs_gb, "GB", up.logs_gb_tiers, other.logs_gb)

    unpriced: dict[str, float] = {}
    if monthly.service_calls:
        sp = book.service_prices(region)
        units, unpriced = _service_units(normalise_calls(monthly.service_calls), sp)
        for unit, q in units.items():
            assert sp is not None  # a unit has a price only when the region has service prices
            price = sp.units[unit]
            if free_tier:
                q = float(apply_free_allowance(q, price.free_units))
            if q > 0:
                bu = BILLING_UNITS[unit]
                items.append(LineItem(unit, bu.component, q, bu.unit, price.usd_per_unit, q * price.usd_per_unit))
    unpriced_tokens: dict[str, tuple[float, float]] = {}
    model_usd: dict[str, tuple[float, float]] = {}
    for model, (tin, tout) in monthly.model_tokens.items():
        mp = book.model_price(region, model)
        if mp is None:
            unpriced_tokens[model] = (tin, tout)
            continue
        model_usd[model] = (tin * mp.usd_per_input_token, tout * mp.usd_per_output_token)
        for comp, what, q, p in (("model_input_tokens", "input", tin, mp.usd_per_input_token),
                                 ("model_output_tokens", "output", tout, mp.usd_per_output_token)):
            if q > 0:
                items.append(LineItem(f"Bedrock {model} {what} tokens", comp, q, "tokens", p, q * p))
    notes = {k: unpriced_note(k, region) for k in unpriced}
    return Cost(tuple(items), region, book.as_of, free_tier, unpriced, notes, unpriced_tokens, model_usd)


def unpriced_model_note(model: str, region: str) -> str:
    """Why a model's tokens carry no price."""
    return (f"no token price for model {model!r} in {region} in the price book (bedrock section): tokens counted, "
            "not priced; add the model to your price file")


_METERS = METERS


def price_monthly(
    monthly: Mapping[str, ArrayLike],
    region: str = "us-east-1",
    *,
    free_tier: bool = False,
    prices: str | PriceBook | None = None,
    service_calls: Mapping[str, ArrayLike] | None = None,
    model_tokens: Mapping[str, tuple[ArrayLike, ArrayLike]] | None = None,
    account: Mapping[str, ArrayLike] | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Vectorised :func:`price_metering`: monthly USD per component for arrays of monthly metering.

    Same rules, same unit prices: tiers on each point's monthly total per architecture, the free
    tier shared x86_64 first. Agrees with the line items' :meth:`Cost.by_component` point by point.

    Parameters
    ----------
    monthly
        Monthly quantities keyed by :class:`~orchsim.aws.metering.Metering` field names
        (``lambda_requests``, ``lambda_gb_s_x86_64``, ...), each a scalar or an array over points;
        missing meters count as zero.
    region
        AWS region whose prices apply.
    free_tier
        Apply the always-free allowances.
    prices
        A price file path or :class:`PriceBook`; default the shipped one.
    service_calls
        Monthly direct service calls per key (:func:`orchsim.aws.services.service_key`), each a
        scalar or an array over points.
    model_tokens
        Monthly model tokens per price-book model, ``{model: (input, output)}``, each a scalar or
        an array over points.
    account
        The account's other monthly usage (meter names as in ``monthly``; scalars or arrays): priced
        first, as :func:`price_metering` does.

    Returns
    -------
    dict of numpy.ndarray
        USD per month for each of :data:`COMPONENTS`, then each service component priced (only
        with ``service_calls``), and ``total``. Service calls without a price are returned under
        ``"unpriced:<key>"`` as calls per month (not USD, not in ``total``; the reason is
        :func:`orchsim.aws.services.unpriced_note`); tokens of a model without a price under
        ``"unpriced_tokens:<model>"`` (input plus output tokens per month).

    Examples
    --------
    >>> out = price_monthly({"sfn_transitions": np.array([50_000.0, 100_000.0])})
    >>> out["total"].round(2).tolist()
    [1.25, 2.5]
    """
    unknown = set(monthly) - set(_METERS)
    if unknown:
        raise ValueError(f"unknown meter(s) {sorted(unknown)}; accepted: {', '.join(_METERS)}")
    book = load_price_book(prices)
    up = unit_prices(book, region)
    calls = service_calls or {}
    tokens = model_tokens or {}
    shape = np.broadcast_shapes(*(np.shape(v) for v in (*monthly.values(), *calls.values(), *(account or {}).values(),
                                                        *(t for pair in tokens.values() for t in pair))))
    q = {m: np.broadcast_to(np.asarray(monthly.get(m, 0.0), dtype=float), shape) for m in _METERS}
    acc = account or {}
    o = {m: np.broadcast_to(np.asarray(acc.get(m, 0.0), dtype=float), shape) for m in _METERS}
    req, x86, arm, trans = q["lambda_requests"], q["lambda_gb_s_x86_64"], q["lambda_gb_s_arm64"], q["sfn_transitions"]
    off_x86, off_arm = o["lambda_gb_s_x86_64"], o["lambda_gb_s_arm64"]
    if free_tier:
        req = apply_free_allowance(req, np.maximum(up.free_requests - o["lambda_requests"], 0.0))
        x86, arm = _split_free([x86, arm], np.maximum(up.free_gb_s - off_x86 - off_arm, 0.0))
        off_x86, off_arm = _split_free([off_x86, off_arm], up.free_gb_s)
        trans = apply_free_allowance(trans, np.maximum(up.free_transitions - o["sfn_transitions"], 0.0))
    out = {
        "lambda_requests": req * up.lambda_request,
        "lambda_compute": tiered_cost(x86, up.lambda_gb_s_tiers["x86_64"], off_x86)
        + tiered_cost(arm, up.lambda_gb_s_tiers["arm64"], off_arm),
        "lambda_ephemeral": q["ephemeral_gb_s"] * up.lambda_ephemeral_gb_s,
        "sfn_transitions": trans * up.sfn_transition,
        "express_requests": q["express_requests"] * up.express_request,
        "express_duration": tiered_cost(q["express_gb_hours"], up.express_gb_hour_tiers, o["express_gb_hours"]),
        "logs": tiered_cost(q["logs_gb"], up.logs_gb_tiers, o["logs_gb"]),
    }
    assert tuple(out) == COMPONENTS
    merged: dict[str, NDArray[np.float64]] = {}
    for raw, n in calls.items():
        key = service_key(raw)
        arr = np.broadcast_to(np.asarray(n, dtype=float), shape)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"service_calls[{raw!r}] must be finite counts >= 0")
        merged[key] = merged[key] + arr if key in merged else arr
    sp = book.service_prices(region)
    units, unpriced = _service_units(merged, sp)
    for unit, qty in units.items():
        assert sp is not None  # a unit has a price only when the region has service prices
        price = sp.units[unit]
        paid = apply_free_allowance(qty, price.free_units) if free_tier else qty
        comp = BILLING_UNITS[unit].component
        out[comp] = out[comp] + paid * price.usd_per_unit if comp in out else paid * price.usd_per_unit
    unpriced_tok: dict[str, NDArray[np.float64]] = {}
    for model, pair in tokens.items():
        tin, tout = (np.broadcast_to(np.asarray(t, dtype=float), shape) for t in pair)
        if not (np.all(np.isfinite(tin)) and np.all(np.isfinite(tout))) or np.any(tin < 0) or np.any(tout < 0):
            raise ValueError(f"model_tokens[{model!r}] must be finite counts >= 0")
        mp = book.model_price(region, model)
        if mp is None:
            unpriced_tok[model] = unpriced_tok.get(model, np.zeros(shape)) + tin + tout
            continue
        for comp, qty, usd in (("model_input_tokens", tin, mp.usd_per_input_token),
                               ("model_output_tokens", tout, mp.usd_per_output_token)):
            out[comp] = out[comp] + qty * usd if comp in out else qty * usd
    total = np.zeros(shape)
    for c in out:
        total += out[c]
    out["total"] = total
    for key, n in unpriced.items():
        out[f"unpriced:{key}"] = n
    for model, n in unpriced_tok.items():
        out[f"unpriced_tokens:{model}"] = n
    return out


WASTE_KINDS: tuple[str, ...] = ("lambda", "orchestration", "model", "total")
"""The parts of :func:`wasted_split`, in order."""


def _split_free(quantities: list[NDArray[np.float64]], free: ArrayLike) -> list[NDArray[np.float64]]:
    """:func:`~orchsim.aws.rules.split_free_allowance` with an allowance per point."""
    left = np.asarray(free, dtype=float)
    out = []
    for q in quantities:
        used = np.minimum(q, left)
        out.append(q - used)
        left = left - used
    return out


def wasted_split(
    by_component: Mapping[str, float],
    window: Metering,
    waste: Waste,
    model_usd: Mapping[str, tuple[float, float]] | None = None,
) -> dict[str, float]:
    """Monthly USD spent on waste, by kind: each component's cost times the wasted share of what it
    meters.

    ``lambda``: compute and ephemeral storage by wasted GB-s, requests by wasted invocations.
    ``orchestration``: Standard transitions by wasted transitions; Express requests and duration, and
    logs, by the share of documents that failed or were lost. ``model``: each model's input and
    output tokens by its wasted tokens (tokens of failed or lost documents and of failed attempts).

    Parameters
    ----------
    by_component
        Monthly USD per component (:meth:`Cost.by_component`).
    window
        The metering the cost was priced from (any period: only shares are taken).
    waste
        The wasted part of that metering.
    model_usd
        USD per month per model, (input, output) (:attr:`Cost.model_usd`): each model's own wasted
        share; without it, one share per direction over all models (exact with one model).

    Returns
    -------
    dict
        USD per month for each of :data:`WASTE_KINDS` (``total`` their sum).

    >>> wasted_split({**dict.fromkeys(COMPONENTS, 0.0), "sfn_transitions": 10.0},
    ...              Metering(sfn_transitions=100), Waste(sfn_transitions=25))["orchestration"]
    2.5
    """
    gb_s = window.lambda_gb_s
    gb_share = waste.lambda_gb_s / gb_s if gb_s else 0.0
    lam = (
        by_component["lambda_compute"] * gb_share
        + by_component["lambda_ephemeral"] * gb_share
        + by_component["lambda_requests"] * (waste.lambda_requests / window.lambda_requests if window.lambda_requests else 0.0)
    )
    orch = (
        by_component["sfn_transitions"] * (waste.sfn_transitions / window.sfn_transitions if window.sfn_transitions else 0.0)
        + (by_component["express_requests"] + by_component["express_duration"] + by_component["logs"]) * waste.share_docs_bad
    )
    model = 0.0
    if model_usd is not None:
        for m, usd in model_usd.items():
            for i in (0, 1):
                metered, wasted = window.model_tokens.get(m, (0.0, 0.0))[i], waste.model_tokens.get(m, (0.0, 0.0))[i]
                model += usd[i] * wasted / metered if metered else 0.0
    else:
        for i, comp in enumerate(("model_input_tokens", "model_output_tokens")):
            metered = sum(pair[i] for pair in window.model_tokens.values())
            wasted = sum(pair[i] for pair in waste.model_tokens.values())
            model += by_component.get(comp, 0.0) * wasted / metered if metered else 0.0
    return {"lambda": lam, "orchestration": orch, "model": model, "total": lam + orch + model}


def wasted_usd(by_component: Mapping[str, float], window: Metering, waste: Waste) -> float:
    """Monthly USD spent on waste: the total of :func:`wasted_split`.

    >>> wasted_usd({**dict.fromkeys(COMPONENTS, 0.0), "sfn_transitions": 10.0},
    ...            Metering(sfn_transitions=100), Waste(sfn_transitions=25))
    2.5
    """
    return wasted_split(by_component, window, waste)["total"]
