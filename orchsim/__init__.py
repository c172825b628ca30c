"""orchsim: simulate and price AWS Lambda chains versus Step Functions for multi-step AI pipelines.

The public API is listed in ``__all__``; see README.md for a worked example.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("orchsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

from orchsim.analysis import ci95, crossover, crossover_table, express_breakeven, summarize  # noqa: E402
from orchsim.analytic import estimate, grid_params, per_document  # noqa: E402
from orchsim.calculator import price_express, price_lambda, price_standard  # noqa: E402
from orchsim.cost import COMPONENTS, Cost, LineItem, price_metering  # noqa: E402
from orchsim.errors import InputError  # noqa: E402
from orchsim.metering import Metering  # noqa: E402
from orchsim.pricing import PriceBook, load_price_book  # noqa: E402
from orchsim.result import SimulationResult  # noqa: E402
from orchsim.scenario import PATTERNS, Scenario, load_scenario, scenario_from_dict  # noqa: E402
from orchsim.simulate import simulate, simulate_patterns  # noqa: E402
from orchsim.sweep import expand_grid, sweep  # noqa: E402

__all__ = [
    "COMPONENTS",
    "PATTERNS",
    "Cost",
    "InputError",
    "LineItem",
    "Metering",
    "PriceBook",
    "Scenario",
    "SimulationResult",
    "__version__",
    "ci95",
    "crossover",
    "crossover_table",
    "estimate",
    "expand_grid",
    "express_breakeven",
    "grid_params",
    "load_price_book",
    "load_scenario",
    "per_document",
    "price_express",
    "price_lambda",
    "price_metering",
    "price_standard",
    "scenario_from_dict",
    "simulate",
    "simulate_patterns",
    "summarize",
    "sweep",
]
