"""orchsim: simulate and price AWS Lambda chains versus Step Functions for multi-step AI pipelines.

The public API is listed in ``__all__``; see README.md for a worked example.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from orchsim.calculator import price_express, price_lambda, price_standard
from orchsim.cost import Cost, LineItem, price_metering
from orchsim.errors import InputError
from orchsim.metering import Metering
from orchsim.pricing import PriceBook, load_price_book
from orchsim.scenario import PATTERNS, Scenario, load_scenario, scenario_from_dict

try:
    __version__ = version("orchsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "PATTERNS",
    "Cost",
    "InputError",
    "LineItem",
    "Metering",
    "PriceBook",
    "Scenario",
    "__version__",
    "load_price_book",
    "load_scenario",
    "price_express",
    "price_lambda",
    "price_metering",
    "price_standard",
    "scenario_from_dict",
]
