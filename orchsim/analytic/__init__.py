"""The closed-form engine: expected metering per document, vectorised with NumPy; never imports SimPy."""

from orchsim.analytic.engine import (
    AnalyticParams,
    estimate,
    grid_params,
    monthly_cost,
    params_from_scenarios,
    per_document,
)

__all__ = ["AnalyticParams", "estimate", "grid_params", "monthly_cost", "params_from_scenarios", "per_document"]
