"""The closed-form engine: expected metering per document, vectorised with NumPy; never imports SimPy."""

from orchsim.analytic.engine import (
    AnalyticParams,
    estimate,
    grid_params,
    monthly_cost,
    params_from_scenarios,
    per_document,
)
from orchsim.analytic.graph import graph_per_document

__all__ = ["AnalyticParams", "estimate", "graph_per_document", "grid_params", "monthly_cost", "params_from_scenarios",
           "per_document"]
