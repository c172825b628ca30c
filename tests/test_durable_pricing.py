"""Lambda durable functions' billing rules and prices (issue 13, step 1): AWS's pricing example to the
cent, the operations AWS's metering table counts, and retention prorated over a 30-day month."""

from __future__ import annotations

import pytest

from orchsim.aws import durable
from orchsim.aws.calculator import price_durable
from orchsim.aws.pricebook import load_price_book
from orchsim.cli import main
from orchsim.errors import InputError


def test_awss_pricing_example_to_the_cent() -> None:
    """https://aws.amazon.com/lambda/pricing/ (durable functions): 1M claims a month, a 30 s step, a
    7-day wait, a 2 s step, 8 KB input and 32 KB payloads, 1 GB arm64, 14 days retained, free tier:
    compute $421.34 + requests $0.20 + operations $32.00 + written $26.00 + retained $10.92 = $490.46."""
    cost = price_durable(1_000_000, [30_000, 2_000], 1024, waits=1, wait_days=7, free_tier=True)
    by = {li.component: li for li in cost.line_items}
    assert round(by["lambda_compute"].usd, 2) == 421.34 and by["lambda_compute"].quantity == 31_600_000
    assert round(by["lambda_requests"].usd, 2) == 0.20 and by["lambda_requests"].quantity == 1_000_000
    assert by["durable_operations"].quantity == 4_000_000 and round(by["durable_operations"].usd, 2) == 32.00
    assert by["durable_data_written"].quantity == pytest.approx(104.0) and round(by["durable_data_written"].usd, 2) == 26.00
    assert by["durable_data_retained"].quantity == pytest.approx(104 * 21 / 30) and round(by["durable_data_retained"].usd, 2) == 10.92
    assert round(cost.total_usd, 2) == 490.46


def test_operations_follow_awss_metering_table() -> None:
    assert durable.operations() == 1  # the start
    assert durable.operations(steps=3, retries=2) == 6  # each retry of a step is one more
    assert durable.operations(callbacks=1) == 4  # waitForCallback: context, callback and step
    assert durable.operations(blocks=1, branches=5, steps=5) == 12  # a map of 5 items, one step each
    assert durable.operations(invokes=2) == 1 + 2 * durable.INVOKE_OPERATIONS
    assert durable.operations(steps=2, waits=1, executions=1_000_000) == 4_000_000
    with pytest.raises(InputError, match="steps"):
        durable.operations(steps=-1)


def test_data_is_decimal_gb_and_retention_is_prorated() -> None:
    assert durable.data_written_gb(104, 1_000_000) == pytest.approx(104.0)
    assert durable.retained_gb_months(30.0, running_days=0, retention_days=30) == pytest.approx(30.0)
    # a longer wait keeps the data longer: only retention grows, not the compute
    short = price_durable(1000, [1_000], 1024, waits=1, wait_days=1)
    long = price_durable(1000, [1_000], 1024, waits=1, wait_days=300)
    diff = {c: long.by_component()[c] - short.by_component()[c] for c in long.by_component()}
    assert diff["lambda_compute"] == 0 and diff["lambda_requests"] == 0 and diff["durable_operations"] == 0
    assert diff["durable_data_retained"] > 0
    with pytest.raises(InputError, match="retention_days"):
        durable.retained_gb_months(1.0, running_days=0, retention_days=91)


def test_prices_have_provenance_and_the_cli_prices_it(capsys: pytest.CaptureFixture[str]) -> None:
    units = load_price_book().service_prices("us-east-1").units  # type: ignore[union-attr]
    for unit, usd in (("durable_operations", 8e-6), ("durable_data_written_gb", 0.25), ("durable_data_retained_gb_months", 0.15)):
        assert units[unit].usd_per_unit == pytest.approx(usd) and units[unit].source.startswith("https://aws.amazon.com/lambda/pricing")
        assert units[unit].free_units == 0
    try:
        main(["price", "durable", "--executions", "1000000", "--step-ms", "30000", "--step-ms", "2000", "--memory-mb", "1024",
              "--waits", "1", "--wait-days", "7", "--free-tier", "--json"])
    except SystemExit as done:
        assert done.code in (0, None)
    assert '"total_usd": 490.45' in capsys.readouterr().out
