"""The result of simulating one scenario under one pattern: metering, its price, a typed summary,
tidy tables.

A result is metering plus provenance: :meth:`SimulationResult.priced` prices the same run with
another price book without simulating again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from orchsim.aws.cost import COMPONENTS, Cost, price_metering, unpriced_model_note, wasted_split
from orchsim.aws.metering import Metering, Waste, account_usage
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.aws.rules import DEFAULT_RULES, BillingRules, to_month
from orchsim.errors import InputError
from orchsim.model.rates import expected_arrivals
from orchsim.model.scenario import Pattern, Scenario

__all__ = ["Latency", "SimulationResult", "Summary", "price_window"]


@dataclass(frozen=True)
class Latency:
    """End-to-end latency percentiles of the succeeded documents, ms (NaN when none succeeded)."""

    p50: float
    p95: float
    p99: float


@dataclass(frozen=True)
class Summary:
    """One run's figures: counts over the simulated window, monthly cost, per-document means.

    Counts are over the window; ``cost_usd`` (component -> USD, and ``total``),
    ``cost_per_1000_docs_usd`` and ``wasted_usd`` are per 730-hour month. The ``*_per_doc`` and
    ``share_*`` figures divide by the documents that finished (arrived minus in flight) and use the
    column names :func:`orchsim.analytic.engine.estimate` uses for the same quantities.
    """

    scenario: str
    pattern: Pattern
    seed: int
    replication: int
    window_hours: float
    docs_arrived: int
    docs_succeeded: int
    docs_failed: int
    docs_lost: int
    docs_in_flight: int
    duplicates: int
    throughput_docs_per_s: float
    lambda_invocations: int
    lambda_throttles: int
    cold_starts: int
    orphaned_invocations: int
    peak_concurrency: int
    state_transitions: int
    express_executions: int
    billed_gb_s: float
    latency_ms: Latency
    cost_usd: dict[str, float]
    cost_per_1000_docs_usd: float
    wasted_usd: float
    region: str
    price_book_as_of: str
    # Added in Foundation v2 (new keys at the end of the JSON object).
    free_tier: bool
    docs_per_day: float
    steps: int
    latency_mean_ms: float
    lambda_invocations_per_doc: float
    billed_gb_s_per_doc: float
    state_transitions_per_doc: float
    express_executions_per_doc: float
    cold_starts_per_doc: float
    duplicates_per_doc: float
    share_succeeded: float
    share_failed: float
    share_lost: float
    # Added with imported workflows (issue 10): calls to other AWS services over the window, by
    # resource key, and those the price book does not price (monthly calls, with why).
    service_calls: dict[str, float] = field(default_factory=dict)
    service_calls_per_doc: float = 0.0
    unpriced_service_calls: dict[str, Any] = field(default_factory=dict)
    # Added with model services (issue 11): the waste by kind (lambda, orchestration, model, total;
    # USD per month, total = wasted_usd), model tokens over the window per price-book model
    # ({model: {"input", "output"}}), tokens per finished document, and unpriced models' tokens.
    wasted_by_kind_usd: dict[str, float] = field(default_factory=dict)
    model_tokens: dict[str, dict[str, float]] = field(default_factory=dict)
    model_input_tokens_per_doc: float = 0.0
    model_output_tokens_per_doc: float = 0.0
    unpriced_model_tokens: dict[str, Any] = field(default_factory=dict)
    model_throttles: dict[str, int] = field(default_factory=dict)
    # SDK read timeouts of synchronous invokes (each orphans its callee and invokes again or fails).
    sdk_read_timeouts: int = 0
    # Lambda durable functions (issue 13): durable operations over the window and per finished
    # document, and the checkpoint data written (GB, decimal); not in service_calls_per_doc.
    durable_operations: float = 0.0
    durable_operations_per_doc: float = 0.0
    durable_data_written_gb: float = 0.0

    @property
    def cost_total_usd(self) -> float:
        """Total monthly cost, USD."""
        return self.cost_usd["total"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (what ``orchsim simulate --json`` prints for one pattern).

        Returns
        -------
        dict
            The fields in order; ``latency_ms`` as ``{p50, p95, p99}`` (ms), ``cost_usd`` as
            ``{total, <component>: usd, ...}`` (USD per month); NaN becomes None.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = {"p50": value.p50, "p95": value.p95, "p99": value.p99} if isinstance(value, Latency) else value
        return _jsonable(out)

    def row(self) -> dict[str, Any]:
        """The summary flattened to one tidy row (``latency_ms.p50`` -> ``latency_p50_ms``,
        ``cost_usd.total`` -> ``cost_total_usd``, ...).

        Returns
        -------
        dict
            Column name -> value; NaN stays NaN.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Latency):
                out.update({"latency_p50_ms": value.p50, "latency_p95_ms": value.p95, "latency_p99_ms": value.p99})
            elif f.name == "cost_usd":
                out.update({f"cost_{c}_usd": v for c, v in value.items()})
            elif f.name == "service_calls":  # per resource, as columns (a tidy row holds no mappings)
                out.update({f"calls_{k}": v for k, v in value.items()})
            elif f.name in ("unpriced_service_calls", "unpriced_model_tokens"):
                out[f.name] = ", ".join(value)
            elif f.name == "wasted_by_kind_usd":
                out.update({f"wasted_{k}_usd": v for k, v in value.items() if k != "total"})
            elif f.name == "model_throttles":
                out[f.name] = sum(value.values())
            elif f.name == "model_tokens":
                for m, pair in value.items():
                    out.update({f"tokens_{d}_{m}": v for d, v in pair.items()})
            else:
                out[f.name] = value
        return out


@dataclass(frozen=True)
class SimulationResult:
    """One (scenario, pattern, replication) run.

    Attributes
    ----------
    scenario, pattern, replication
        What was run.
    metering
        Billable units over the simulated window.
    monthly
        The same scaled to a month of the price book's ``month_hours`` (before tiers and free tier).
    cost
        Monthly cost line items from the price book.
    summary
        Typed figures (:class:`Summary`; :meth:`to_dict` for JSON, :meth:`row` for a tidy row).
    documents
        One row per arrived document: ``doc``, ``arrival_s``, ``end_s``, ``outcome`` (succeeded |
        failed | lost | in_flight), ``attempts`` (Lambda invocations billed), ``transitions``,
        ``billed_gb_s``, ``latency_ms``; with the scenario, pattern, seed and replication. ``None``
        when run with ``detail=False``.
    invocations
        One row per invocation attempt (throttles included, not billed) of every
        ``invocations_every``-th document (0, k, 2k, ...: all of them up to ``detail_docs``
        documents); ``None`` without detail.
    invocations_every
        The sampling stride of ``invocations`` (1: every document).
    rules
        The billing rules the run was metered with (rounding, chunk, included storage, limit).
    waste
        The wasted part of ``metering`` (priced into ``summary.wasted_usd``).
    by_state
        Imported workflows only: one row per state over the window: ``state``, ``type``, ``kind``,
        ``invocations``, ``billed_gb_s``, ``transitions`` (Standard), ``service_calls`` and the
        resource keys they went to (``service_keys``, comma-separated); None for a linear pipeline.
    spans
        Imported workflows with detail only: the kept documents' history, one row per state activity:
        ``doc``, ``state``, ``lane`` (the Parallel branch or Map item it ran in, ``"ProcessPages 3"``;
        ``""`` at the top), ``start_s``, ``end_s``, ``kind`` (``lambda``: a Lambda attempt's own work,
        ``service``: a call with no Lambda, ``wait``, ``backoff``, ``callee``: a synchronous caller
        waiting), ``result``, ``cold``, ``pattern``.
    by_step
        One row per step (Lambda function) over the window: ``step``, ``invocations``, ``billed_gb_s``.
    """

    scenario: Scenario
    pattern: Pattern
    replication: int
    metering: Metering
    monthly: Metering
    cost: Cost
    summary: Summary
    documents: pd.DataFrame | None = field(default=None, repr=False)
    invocations: pd.DataFrame | None = field(default=None, repr=False)
    rules: BillingRules = DEFAULT_RULES
    waste: Waste = Waste()
    invocations_every: int = 1
    by_state: pd.DataFrame | None = field(default=None, repr=False)
    spans: pd.DataFrame | None = field(default=None, repr=False)
    by_step: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: counts, latency percentiles (ms), monthly cost by component (USD).

        Returns
        -------
        dict
            :meth:`Summary.to_dict`.
        """
        return self.summary.to_dict()

    def row(self) -> dict[str, Any]:
        """The summary as one tidy row (:meth:`Summary.row`).

        Returns
        -------
        dict
            Column name -> value.
        """
        return self.summary.row()

    def priced(self, prices: str | PriceBook | None = None) -> SimulationResult:
        """The same run priced with another price book, without simulating again.

        Parameters
        ----------
        prices
            Price file path or :class:`PriceBook` (default: the shipped one).

        Returns
        -------
        SimulationResult
            A new result: same metering and tables, new ``monthly``, ``cost`` and cost figures of
            the summary.

        Raises
        ------
        InputError
            If the book's metering rules (Lambda or Express rounding, Express memory chunk or limit,
            included ephemeral storage) differ from those the run was metered with: its metering
            would not be what that book bills; simulate again with it.

        Examples
        --------
        >>> from orchsim import load_scenario, simulate
        >>> res = simulate(load_scenario("seed-article").with_overrides({"window_hours": 0.1}), "sfn-standard")
        >>> res.priced().summary.cost_usd == res.summary.cost_usd  # the shipped book again
        True
        """
        book = load_price_book(prices)
        if book.rules.metering_key() != self.rules.metering_key():
            raise InputError(
                "prices",
                f"{book.path.name} bills with {_describe(book.rules)}, but this run was metered with "
                f"{_describe(self.rules)}; simulate again with that price book",
            )
        monthly, cost, figures = price_window(self.scenario, self.metering, self.waste, self.summary.docs_arrived, book)
        return replace(self, monthly=monthly, cost=cost, summary=replace(self.summary, **figures))


def _describe(rules: BillingRules) -> str:
    return (
        f"Lambda rounding {rules.lambda_rounding_ms} ms, Express rounding {rules.express_rounding_ms} ms, "
        f"Express chunks {rules.express_memory_chunk_mb} MB, Express limit {rules.express_max_duration_s:g} s, "
        f"{rules.included_ephemeral_storage_mb} MB ephemeral storage included"
    )


def month_factor(scenario: Scenario, month_hours: float) -> float:
    """What a simulated window's metering is multiplied by to make a month: the month's expected
    documents over the window's expected documents.

    A window covers the documents its arrival rate brings, not a pro-rata share of the day: two hours
    from midnight under a diurnal rate peaking at 2 pm at twice the mean bring 1/22 of an average two
    hours, so they are scaled 22 times as much. For a constant rate (``poisson``, ``uniform``) this is
    ``month_hours / window_hours``; whole diurnal days and whole burst periods give the same.

    Parameters
    ----------
    scenario
        The scenario (its workload and window).
    month_hours
        Hours in the billing month (the price book's ``month_hours``).

    Returns
    -------
    float
        The multiplier.

    Examples
    --------
    >>> from orchsim.model.scenario import load_scenario
    >>> sc = load_scenario("seed-article").with_overrides({"window_hours": 2})
    >>> round(month_factor(sc, 730), 6)
    365.0
    >>> night = sc.with_overrides({"workload.arrival": {"kind": "diurnal", "peak_ratio": 2, "peak_hour": 14}})
    >>> round(month_factor(night, 730) / 365, 1)  # midnight to 2 am, the trough before a 2 pm peak
    22.2
    """
    window_s = scenario.window_hours * 3600.0
    expected = expected_arrivals(scenario.workload, window_s)
    per_month = scenario.workload.docs_per_day * month_hours / 24.0
    if expected <= 0:  # pragma: no cover - every accepted rate is positive over a positive window
        return float(to_month(1.0, scenario.window_hours, month_hours))
    return per_month / expected


def price_window(
    scenario: Scenario, window: Metering, waste: Waste, docs_arrived: int, book: PriceBook
) -> tuple[Metering, Cost, dict[str, Any]]:
    """Price a simulated window's metering for a month: the only place a simulation meets prices.

    Parameters
    ----------
    scenario
        The scenario run (its window, region and free-tier setting apply).
    window
        Metering over the simulated window.
    waste
        The wasted part of it.
    docs_arrived
        Documents that arrived in the window.
    book
        The price book.

    Returns
    -------
    (Metering, Cost, dict)
        The monthly metering, its cost, and the summary's cost fields (``cost_usd``,
        ``cost_per_1000_docs_usd``, ``wasted_usd``, ``wasted_by_kind_usd``, ``region``, ``price_book_as_of``,
        ``free_tier``, ``unpriced_model_tokens``).
    """
    book.check_region(scenario.region)
    factor = month_factor(scenario, book.month_hours)
    monthly = window.scaled(factor)
    cost = price_metering(monthly, scenario.region, free_tier=scenario.free_tier, prices=book,
                          account=account_usage(scenario.account) if scenario.account.any else None)
    by_comp = cost.by_component()
    split = wasted_split(by_comp, window, waste, cost.model_usd)
    docs_month = docs_arrived * factor
    figures: dict[str, Any] = {
        "cost_usd": {"total": cost.total_usd, **{c: by_comp[c] for c in COMPONENTS}, **by_comp},  # + service components
        "cost_per_1000_docs_usd": cost.total_usd / docs_month * 1000.0 if docs_month else float("nan"),
        "wasted_usd": split["total"],
        "wasted_by_kind_usd": split,
        "region": scenario.region,
        "price_book_as_of": book.as_of,
        "free_tier": scenario.free_tier,
        "unpriced_model_tokens": {m: {"input_tokens": i, "output_tokens": o, "note": unpriced_model_note(m, scenario.region)}
                                  for m, (i, o) in cost.unpriced_tokens.items()},
    }
    return monthly, cost, figures


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return None if not np.isfinite(f) else f
    return obj
