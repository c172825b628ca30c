"""Unit: absurd input is refused with one line naming the field and its accepted range.

Infinite, NaN and out-of-range numbers, booleans where numbers are expected, impossible dates,
duplicate step names, oversized files and counts beyond 1e15 a month; an empty scenario is accepted
but says that every value is a default.
"""

from __future__ import annotations

import copy
import math
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import check_one_error_line, cli
from hypothesis import given, settings
from hypothesis import strategies as st

from orchsim.aws.calculator import price_express, price_lambda, price_standard
from orchsim.aws.pricebook import default_prices_path, load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, ScenarioDefaultsWarning, load_scenario, scenario_from_dict
from orchsim.study.analysis import express_breakeven
from orchsim.yamlfile import read_yaml

BASE_PRICES: dict[str, Any] = yaml.safe_load(default_prices_path().read_text())
EXPRESS_US = ("step_functions", "express", "regions", "us-east-1")


def _prices(tmp_path: Path, path: tuple[Any, ...], value: Any) -> Path:
    data = copy.deepcopy(BASE_PRICES)
    node: Any = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    out = tmp_path / "prices.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


# --- 1. price book: finite, ranged, strict numbers; real dates; ordered memory -----------------------

PRICE_CASES = [
    ("month-hours-inf", ("month_hours",), math.inf, "month_hours", r"672 <= value <= 744"),
    ("month-hours-tiny", ("month_hours",), 1e-300, "month_hours", r"672 <= value <= 744"),
    ("month-hours-bool", ("month_hours",), True, "month_hours", r"672 <= value <= 744"),
    ("express-tier-inf", (*EXPRESS_US, "duration_tiers", 0, "usd_per_gb_hour"), math.inf, "usd_per_gb_hour", r"0 <= value <= 1,000"),
    ("express-tier-nan-bound", (*EXPRESS_US, "duration_tiers", 0, "up_to_gb_hours"), math.nan, "up_to_gb_hours", r"value <= 1e\+15"),
    ("request-price-bool", (*EXPRESS_US, "requests_usd_per_million"), True, "requests_usd_per_million", r"0 <= value <= 1,000"),
    ("request-price-text", (*EXPRESS_US, "requests_usd_per_million"), "1.0", "requests_usd_per_million", r"0 <= value <= 1,000"),
    ("free-requests-huge", ("lambda", "free_tier", "requests"), 1e300, "free_tier.requests", r"value <= 1e\+15"),
    ("express-limit-inf", ("step_functions", "express", "max_duration_s"), math.inf, "max_duration_s", r"value <= "),
    ("as-of-feb-30", ("as_of",), "2026-02-30", "as_of", r"real date YYYY-MM-DD"),
    ("lambda-as-of-month-13", ("lambda", "as_of"), "2026-13-01", "lambda.as_of", r"real date YYYY-MM-DD"),
    ("memory-min-above-max", ("lambda", "memory_mb_min"), 20_000, "lambda.memory_mb_max", r"memory_mb_min <= memory_mb_max"),
]


@pytest.mark.parametrize(("path", "value", "field", "accepted"), [c[1:] for c in PRICE_CASES], ids=[c[0] for c in PRICE_CASES])
def test_price_book_absurd_value_refused(tmp_path: Path, path: tuple[Any, ...], value: Any, field: str, accepted: str) -> None:
    prices = _prices(tmp_path, path, value)
    with pytest.raises(InputError) as info:
        load_price_book(prices)
    assert field in info.value.field, f"expected the error to name {field!r}, got {info.value}"
    result = cli("price", "express", "--executions", "1000", "--duration-ms", "100", "--memory-mb", "64", "--prices", str(prices))
    check_one_error_line(result, field, accepted)


def test_unquoted_yaml_date_is_accepted(tmp_path: Path) -> None:
    text = default_prices_path().read_text().replace('as_of: "2026-11-01"\nmonth_hours', "as_of: 2026-11-01\nmonth_hours", 1)
    (tmp_path / "prices.yaml").write_text(text)
    assert load_price_book(tmp_path / "prices.yaml").as_of == "2026-11-01", "expected a YAML date read as YYYY-MM-DD"


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["price", "standard", "--executions", "1e308", "--transitions", "5"], "--executions"),
        (["price", "standard", "--executions", "10", "--transitions", "1e10"], "--transitions"),
        (["price", "lambda", "--requests", "1e16", "--duration-ms", "100", "--memory-mb", "128"], "--requests"),
        (["price", "express", "--executions", "inf", "--duration-ms", "100", "--memory-mb", "64"], "--executions"),
        (["breakeven", "--transitions", "5", "--memory-mb", "64", "--executions", "1e308"], "--executions"),
        (["breakeven", "--transitions", "1e10", "--memory-mb", "64"], "--transitions"),
    ],
)
def test_counts_are_bounded(args: list[str], option: str) -> None:
    line = check_one_error_line(cli(*args), option, r"<= (1e\+15|1,000,000)\b")
    assert len(line) < 200, f"expected a short error line, got {len(line)} characters"


def test_largest_counts_give_finite_totals() -> None:
    totals = [
        price_standard(1e15, 1e6).total_usd,
        price_lambda(1e15, 900_000, 10_240).total_usd,
        price_express(1e15, 300_000, 10_240).total_usd,
    ]
    assert all(math.isfinite(t) and t > 0 for t in totals), f"expected finite positive totals, got {totals}"
    value = float(express_breakeven(5, 64, 1e15))
    assert math.isnan(value) or 0 <= value <= 300, f"expected a break-even in [0, 300] s or none, got {value}"
    with pytest.raises(InputError, match="1e\\+15"):
        express_breakeven(5, 64, 1e308)


# --- 2, 3, 4. scenario: finite ranged floats, strict ints and flags, unique step names --------------

SCENARIO_CASES = [
    ("burst-inf", {"workload": {"arrival": {"kind": "burst", "burst_every_s": math.inf, "burst_duration_s": math.inf}}},
     "workload.arrival.burst_every_s", r"1 <= value <= 3\.16224e\+07"),
    ("docs-nan", {"workload": {"docs_per_day": math.nan}}, "workload.docs_per_day", r"value <= 1e\+09"),
    ("docs-inf-text", {"workload": {"docs_per_day": "inf"}}, "workload.docs_per_day", r"value <= 1e\+09"),
    ("duration-inf", {"pipeline": {"step": {"duration": {"dist": "fixed", "ms": math.inf}}}}, "pipeline.step.duration.ms", r"value <= 900,000"),
    ("uniform-low-huge", {"pipeline": {"step": {"duration": {"dist": "uniform", "low_ms": 1e300, "high_ms": 1e300}}}},
     "pipeline.step.duration", r"value <= 3\.6e\+06"),
    ("keep-alive-nan", {"lambda": {"keep_alive_s": {"low_s": 0, "high_s": math.nan}}}, "lambda.keep_alive_s.high_s", r"value <= 86,400"),
    ("steps-true", {"pipeline": {"steps": True}}, "pipeline.steps", r"integer 1-100"),
    ("memory-true", {"pipeline": {"step": {"memory_mb": True}}}, "pipeline.step.memory_mb", r"128 <= value <= 10,240"),
    ("seed-false", {"seed": False}, "seed", r"0 <= value"),
    ("listed-step-true", {"pipeline": {"steps": [{"name": "a", "timeout_s": True}]}}, "pipeline.steps[0].timeout_s", r"value <= 900"),
    ("flag-one", {"free_tier": 1}, "free_tier", r"true or false"),
    ("duplicate-step", {"pipeline": {"steps": [{"name": "ocr"}, {"name": "ocr"}]}}, "pipeline.steps[1].name", r"name used by no other step"),
]


@pytest.mark.parametrize(("data", "field", "accepted"), [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES])
def test_scenario_absurd_value_refused(tmp_path: Path, data: dict[str, Any], field: str, accepted: str) -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict(data)
    assert info.value.field.startswith(field), f"expected the error to name {field!r}, got {info.value}"
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    check_one_error_line(cli("simulate", str(path)), field, accepted)


finite_or_not = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30)
)
NUMBER_FIELDS = [
    "workload.docs_per_day",
    "window_hours",
    "pipeline.step.init_ms",
    "pipeline.step.timeout_s",
    "pipeline.step.error_rate",
    "retry.backoff_rate",
    "lambda.invoke_overhead_ms",
    "step_functions.transition_latency_ms",
    "step_functions.express_memory_mb",
    "chain.async_max_event_age_s",
]


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(NUMBER_FIELDS), value=finite_or_not)
def test_every_accepted_scenario_number_is_finite(key: str, value: Any) -> None:
    base = Scenario()
    try:
        sc = base.with_overrides({key: value})
    except InputError as exc:
        assert exc.field == key, f"expected the error to name {key!r}, got {exc}"
        return
    assert not isinstance(value, bool), f"expected {key}={value!r} (a boolean) to be refused"
    got: Any = sc.to_dict()
    for part in key.split("."):
        got = got[part]
    assert math.isfinite(got), f"expected a finite {key}, got {got!r}"


# --- 5. empty scenario file ------------------------------------------------------------------------


def test_empty_scenario_file_is_all_defaults_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n")
    with pytest.warns(ScenarioDefaultsWarning, match="every value is a default"):
        sc = load_scenario(path)
    assert sc.all_defaults, "expected a scenario from an empty file to know it is all defaults"
    assert sc == Scenario(), "expected the empty file to give the default scenario"
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScenarioDefaultsWarning)
        named = load_scenario("seed-article")
    assert not named.all_defaults, "expected a scenario with keys not to be flagged as all defaults"


# --- 6. file size limits -----------------------------------------------------------------------------


def test_oversized_scenario_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("name: big\n" + "#" * 1_000_001 + "\n")
    with pytest.raises(InputError, match="1,000,000 byte limit"):
        load_scenario(path)
    check_one_error_line(cli("simulate", str(path)), "scenario", r"at most 1,000,000 bytes")


def test_oversized_price_book_refused(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(default_prices_path().read_text() + "#" * 4_000_001 + "\n")
    result = cli("price", "standard", "--executions", "10", "--transitions", "5", "--prices", str(path))
    check_one_error_line(result, "--prices", r"at most 4,000,000 bytes")


def test_size_limit_is_a_parameter(tmp_path: Path) -> None:
    path = tmp_path / "small.yaml"
    path.write_text("a: 1\n")
    assert read_yaml(path, "f", "file", max_bytes=5) == {"a": 1}, "expected a file at the limit to be read"
    with pytest.raises(InputError, match="4 byte limit"):
        read_yaml(path, "f", "file", max_bytes=4)


def test_cli_says_an_empty_scenario_is_all_defaults(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# only a comment\n")
    result = cli("simulate", str(path), "--window-hours", "0.01", "--pattern", "sfn-standard", "--json")
    assert result.exit_code == 0, f"expected an empty scenario to run, got {result.stderr!r}"
    assert result.stderr.strip() == f"orchsim: note: scenario {str(path)!r} gives no key: every value is a default", (
        f"expected one note line on stderr, got {result.stderr!r}"
    )
    assert result.stdout.lstrip().startswith("["), "expected stdout to stay pure JSON"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((True, 64), "transitions"),
        (("5", 64), "transitions"),
        ((5, False), "memory_mb"),
        ((5, ["64"]), "memory_mb"),
        ((5, 64, True), "executions"),
        ((5, 64, "1e6"), "executions"),
        (([5, float("inf")], 64), "transitions"),
        ((5, 64, 1e308), "executions"),
        ((5, [64, float("nan")]), "memory_mb"),
    ],
)
def test_express_breakeven_api_takes_only_finite_real_numbers(args: tuple[object, ...], field: str) -> None:
    from orchsim.study.analysis import express_breakeven

    with pytest.raises(InputError) as info:
        express_breakeven(*args)  # type: ignore[arg-type]
    assert info.value.field == field and "must be" in info.value.message, f"{args}: expected an error naming {field}, got {info.value}"
