"""orchsim: simulate and price AWS Lambda chains versus Step Functions for multi-step AI pipelines.

The public API is listed in ``__all__``; see README.md for a worked example. Names are imported on
first use, so ``import orchsim`` loads neither SimPy, matplotlib nor the notebook packages until a
function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchsim.analytic.engine import estimate, grid_params, per_document
    from orchsim.aws.calculator import price_durable, price_express, price_lambda, price_standard
    from orchsim.aws.cost import COMPONENTS, Cost, LineItem, price_metering
    from orchsim.aws.metering import Metering
    from orchsim.aws.pricebook import PriceBook, load_price_book
    from orchsim.aws.rules import BillingRules
    from orchsim.errors import InputError
    from orchsim.fit.check import bill_check
    from orchsim.fit.parse import parse_files
    from orchsim.fit.profile import fit_logs, merge_profile
    from orchsim.model.scenario import PATTERNS, Scenario, ScenarioDefaultsWarning, load_scenario, scenario_from_dict
    from orchsim.sim.result import SimulationResult, Summary
    from orchsim.sim.run import simulate, simulate_patterns
    from orchsim.study.analysis import ci95, crossover, crossover_table, express_breakeven, summarize
    from orchsim.study.sweep import expand_grid, sweep

_HOMES: dict[str, str] = {
    **dict.fromkeys(("estimate", "grid_params", "per_document"), "orchsim.analytic.engine"),
    **dict.fromkeys(("price_durable", "price_express", "price_lambda", "price_standard"), "orchsim.aws.calculator"),
    "parse_files": "orchsim.fit.parse",
    **dict.fromkeys(("fit_logs", "merge_profile"), "orchsim.fit.profile"),
    "bill_check": "orchsim.fit.check",
    **dict.fromkeys(("COMPONENTS", "Cost", "LineItem", "price_metering"), "orchsim.aws.cost"),
    "Metering": "orchsim.aws.metering",
    "BillingRules": "orchsim.aws.rules",
    **dict.fromkeys(("PriceBook", "load_price_book"), "orchsim.aws.pricebook"),
    "InputError": "orchsim.errors",
    **dict.fromkeys(
        ("PATTERNS", "Scenario", "ScenarioDefaultsWarning", "load_scenario", "scenario_from_dict"), "orchsim.model.scenario"
    ),
    **dict.fromkeys(("SimulationResult", "Summary"), "orchsim.sim.result"),
    **dict.fromkeys(("simulate", "simulate_patterns"), "orchsim.sim.run"),
    **dict.fromkeys(("ci95", "crossover", "crossover_table", "express_breakeven", "summarize"), "orchsim.study.analysis"),
    **dict.fromkeys(("expand_grid", "sweep"), "orchsim.study.sweep"),
}

__all__ = [
    "__version__",
    "bill_check",
    "ci95",
    "crossover",
    "crossover_table",
    "estimate",
    "expand_grid",
    "express_breakeven",
    "fit_logs",
    "grid_params",
    "load_price_book",
    "load_scenario",
    "merge_profile",
    "parse_files",
    "per_document",
    "price_durable",
    "price_express",
    "price_lambda",
    "price_metering",
    "price_standard",
    "scenario_from_dict",
    "simulate",
    "simulate_patterns",
    "summarize",
    "sweep",
    "BillingRules",
    "COMPONENTS",
    "Cost",
    "InputError",
    "LineItem",
    "Metering",
    "PATTERNS",
    "PriceBook",
    "Scenario",
    "ScenarioDefaultsWarning",
    "SimulationResult",
    "Summary",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use (PEP 562)."""
    if name == "__version__":
        from orchsim.version import package_version

        return package_version()
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'orchsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])
