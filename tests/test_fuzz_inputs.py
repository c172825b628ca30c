"""Invariants (hypothesis): junk input either gives finite numbers or one error line naming a field.

Fuzzed: scenario mappings (random keys and values: inf, NaN, booleans, text, huge numbers, nested
junk), price books with one leaf replaced by junk, and the ``orchsim price`` options. Never a
traceback, never an infinite or NaN number on an accepted input.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import check_one_error_line, cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchsim.analytic.engine import estimate
from orchsim.aws.pricebook import default_prices_path
from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, ScenarioDefaultsWarning, load_scenario

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
    st.booleans(),
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.sampled_from(["", "inf", "-inf", "nan", "1e308", "true", "burst", "fixed", "x86_64", "step"]),
    st.text(max_size=8),
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["name", "dist", "ms", "kind", "low_s", "high_s", "x"]), inner, max_size=3),
    ),
    max_leaves=6,
)

BASE_SCENARIO: dict[str, Any] = Scenario().to_dict()
BASE_PRICES: dict[str, Any] = yaml.safe_load(default_prices_path().read_text())
_counter = itertools.count()
_TMP = tempfile.TemporaryDirectory(prefix="orchsim-fuzz-")  # removed when the test process ends


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a node of a nested mapping/list (the nodes themselves included)."""
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


SCENARIO_PATHS = [*_paths(BASE_SCENARIO), ("pipeline", "steps"), ("workload", "arrival", "burst_every_s")]


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        node = node[key]
    return node


def _set(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(data)
    _get(out, path[:-1])[path[-1]] = value
    return out


PRICE_LEAVES = [p for p in _paths(BASE_PRICES) if not isinstance(_get(BASE_PRICES, p), dict | list)]


def _write(data: Any, name: str) -> Path:
    """A fresh file per example (the price-book cache is keyed by path and modification time)."""
    path = Path(_TMP.name) / f"{name}-{next(_counter)}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def _finite_numbers(obj: Any) -> list[float]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, int | float):
        return [float(obj)]
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _finite_numbers(v)]
    if isinstance(obj, list | tuple):
        return [x for v in obj for x in _finite_numbers(v)]
    return []


def _check_scenario_file(path: Path) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ScenarioDefaultsWarning)
            sc = load_scenario(path)
    except InputError as exc:
        assert exc.field, f"expected the error to name a field, got {exc!r}"
        check_one_error_line(cli("simulate", str(path)), exc.field, r"\S")
        return
    numbers = _finite_numbers(sc.to_dict())
    assert all(math.isfinite(x) for x in numbers), f"expected every accepted scenario number finite, got {sc.to_dict()}"
    costs = estimate(sc, ["sfn-standard", "lambda-chain-async"])["cost_total_usd"].to_list()
    assert all(math.isfinite(c) and c >= 0 for c in costs), f"expected finite costs >= 0, got {costs}"


@FUZZ
@given(path=st.sampled_from(SCENARIO_PATHS), value=junk)
def test_scenario_with_one_junk_value(path: tuple[Any, ...], value: Any) -> None:
    _check_scenario_file(_write(_set(BASE_SCENARIO, path, value), "scenario"))


@FUZZ
@given(data=st.dictionaries(st.sampled_from([*BASE_SCENARIO, "junk"]), junk, max_size=3))
def test_scenario_of_random_sections(data: dict[str, Any]) -> None:
    _check_scenario_file(_write(data, "scenario"))


PRICE_COMMANDS = [
    ["price", "standard", "--executions", "1e6", "--transitions", "7", "--free-tier"],
    ["price", "express", "--executions", "1e8", "--duration-ms", "10000", "--memory-mb", "64"],
    ["price", "lambda", "--requests", "3e6", "--duration-ms", "120", "--memory-mb", "1536", "--arch", "arm64"],
]


def _check_cli(args: list[str], options: list[str]) -> None:
    result = cli(*args, "--json")
    assert "Traceback" not in result.stderr, f"expected no traceback for {args}, got {result.stderr}"
    if result.exit_code == 0:
        numbers = _finite_numbers(json.loads(result.stdout))
        assert numbers and all(math.isfinite(x) for x in numbers), f"expected finite numbers for {args}, got {result.stdout}"
        return
    check_one_error_line(result, options, r"\S", case=" ".join(args))


@FUZZ
@given(path=st.sampled_from(PRICE_LEAVES), value=junk, command=st.sampled_from(PRICE_COMMANDS))
def test_price_book_with_one_junk_leaf(path: tuple[Any, ...], value: Any, command: list[str]) -> None:
    prices = _write(_set(BASE_PRICES, path, value), "prices")
    _check_cli([*command, "--prices", str(prices)], ["--prices"])


numbers_as_text = st.one_of(
    st.sampled_from(["inf", "-inf", "nan", "1e308", "1e15", "1e16", "0", "-0", "-1", "1e-300", "", "abc", "0x10", "true", "5"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)


@FUZZ
@given(a=numbers_as_text, b=numbers_as_text, c=numbers_as_text, which=st.sampled_from(["lambda", "standard", "express"]))
def test_price_options(a: str, b: str, c: str, which: str) -> None:
    if which == "lambda":
        args = ["price", "lambda", "--requests", a, "--duration-ms", b, "--memory-mb", c]
        options = ["--requests", "--duration-ms", "--memory-mb"]
    elif which == "standard":
        args = ["price", "standard", "--executions", a, "--transitions", b]
        options = ["--executions", "--transitions"]
    else:
        args = ["price", "express", "--executions", a, "--duration-ms", b, "--memory-mb", c]
        options = ["--executions", "--duration-ms", "--memory-mb"]
    _check_cli(args, options)


@pytest.mark.parametrize("executions", ["1e308", "1e300", "1e15", "1"])
def test_breakeven_volume(executions: str) -> None:
    result = cli("breakeven", "--transitions", "5", "--memory-mb", "64", "--executions", executions, "--json")
    if result.exit_code == 0:
        value = json.loads(result.stdout)["breakeven_duration_s"]
        assert value is None or 0 <= value <= 300, f"expected a break-even in [0, 300] s or none, got {value}"
    else:
        check_one_error_line(result, "--executions", r"<= 1e\+15")
