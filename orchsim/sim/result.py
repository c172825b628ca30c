"""The result of simulating one scenario under one pattern: tidy tables, metering, cost, summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from orchsim.aws.cost import Cost
from orchsim.aws.metering import Metering
from orchsim.model.scenario import Scenario

__all__ = ["SimulationResult"]


@dataclass(frozen=True)
class SimulationResult:
    """One (scenario, pattern, replication) run.

    Attributes
    ----------
    documents
        One row per arrived document: ``doc``, ``arrival_s``, ``end_s``, ``outcome`` (succeeded |
        failed | lost | in_flight), ``attempts`` (Lambda invocations billed), ``transitions``,
        ``billed_gb_s``, ``latency_ms``; with the scenario, pattern, seed and replication. ``None``
        when run with ``detail=False``.
    invocations
        One row per invocation attempt (throttles included, not billed); ``None`` without detail.
    metering
        Billable units over the simulated window.
    monthly
        The same scaled to a 730-hour month (before tiers and free tier).
    cost
        Monthly cost line items from the price book.
    summary
        Flat figures (see :meth:`to_dict`).
    """

    scenario: Scenario
    pattern: str
    replication: int
    metering: Metering
    monthly: Metering
    cost: Cost
    summary: dict[str, Any]
    documents: pd.DataFrame | None = field(default=None, repr=False)
    invocations: pd.DataFrame | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: counts, latency percentiles (ms), monthly cost by component (USD)."""
        return _jsonable(self.summary)

    def row(self) -> dict[str, Any]:
        """The summary flattened to one tidy row (``latency_ms.p50`` -> ``latency_p50_ms``, ...)."""
        out: dict[str, Any] = {}
        for key, value in self.summary.items():
            if key == "latency_ms":
                for q, v in value.items():
                    out[f"latency_{q}_ms"] = v
            elif key == "cost_usd":
                for c, v in value.items():
                    out[f"cost_{c}_usd"] = v
            else:
                out[key] = value
        return out


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        f = float(obj)
        return None if not np.isfinite(f) else f
    return obj
