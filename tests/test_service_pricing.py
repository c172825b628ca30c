"""Direct AWS service calls: key normalisation, metering, the price book's ``services`` section, and
their line items (priced, free tiers, unpriced calls listed with a note).

Expected prices: the ``services`` section of ``data/pricing/aws-prices.yaml`` (us-east-1, transcribed
from AWS's pricing pages, as_of 2026-11-01).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from orchsim.aws.cost import COMPONENTS, price_metering, price_monthly
from orchsim.aws.metering import METERS, Metering
from orchsim.aws.pricebook import default_prices_path, load_price_book
from orchsim.aws.services import BILLING_UNITS, SERVICE_COMPONENTS, SERVICE_UNITS, service_key, unpriced_note
from orchsim.errors import InputError

RAW: dict[str, Any] = yaml.safe_load(default_prices_path().read_text())
BOOK = load_price_book()

# --- keys -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "key"),
    [
        ("arn:aws:states:::dynamodb:putItem", "dynamodb:putItem"),
        ("arn:aws:states:::aws-sdk:dynamodb:putItem", "dynamodb:putItem"),
        ("arn:aws:states:::aws-sdk:s3:getObject", "s3:getObject"),
        ("sqs:sendMessage.waitForTaskToken", "sqs:sendMessage"),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", "sqs:sendMessage"),
        ("arn:aws:states:::states:startExecution.sync", "states:startExecution"),
        ("arn:aws:states:::states:startExecution.sync:2", "states:startExecution"),
        ("arn:aws:states:::aws-sdk:sfn:startExecution", "states:startExecution"),
        ("arn:aws:states:::aws-sdk:eventbridge:putEvents", "events:putEvents"),
        ("arn:aws:states:::events:putEvents", "events:putEvents"),
        ("arn:aws:states:::bedrock:invokeModel", "bedrock:invokeModel"),
        ("arn:aws:states:::aws-sdk:scheduler:createSchedule", "scheduler:createSchedule"),
        ("arn:aws-us-gov:states:::sns:publish", "sns:publish"),
        ("DynamoDB:PutItem", "dynamodb:putItem"),
        ("s3:ListObjectsV2", "s3:listObjectsV2"),
        ("dynamodb:putItem", "dynamodb:putItem"),
    ],
)
def test_service_key(resource: str, key: str) -> None:
    assert service_key(resource) == key, f"expected {resource!r} -> {key!r}, got {service_key(resource)!r}"


@pytest.mark.parametrize("bad", ["", "dynamodb", "arn:aws:states:::", "dynamodb:", ":putItem", "arn:aws:states:::aws-sdk:s3"])
def test_service_key_refuses_text_without_an_action(bad: str) -> None:
    with pytest.raises(InputError, match="service:action"):
        service_key(bad)


def test_every_rule_names_a_billing_unit() -> None:
    for key, rule in SERVICE_UNITS.items():
        assert service_key(key) == key, f"expected rule key {key!r} already normalised"
        assert rule.unit in BILLING_UNITS, f"expected {key}'s unit {rule.unit!r} among the billing units"
        assert rule.units_per_call > 0, f"expected {key} to consume a positive number of units"
    assert not set(SERVICE_COMPONENTS) & set(COMPONENTS), "expected service components distinct from the core ones"


# --- metering ---------------------------------------------------------------------------------


def test_metering_scales_service_calls() -> None:
    m = Metering(lambda_requests=10, service_calls={"dynamodb:putItem": 3.0, "sqs:sendMessage": 1.0})
    s = m.scaled(2.5)
    assert s.lambda_requests == 25, f"expected Lambda requests scaled to 25, got {s.lambda_requests}"
    assert dict(s.service_calls) == {"dynamodb:putItem": 7.5, "sqs:sendMessage": 2.5}, f"expected calls scaled, got {s.service_calls}"
    assert dict(m.service_calls) == {"dynamodb:putItem": 3.0, "sqs:sendMessage": 1.0}, "expected the original unchanged"
    assert Metering().service_calls == {}, "expected no service calls by default"
    assert "service_calls" not in METERS, "expected METERS to list only the scalar meters"
    hash(m)  # still usable as a frozen value


# --- price book -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "usd_per_unit", "free"),
    [
        ("dynamodb_write_request_units", 0.625e-6, 0),
        ("dynamodb_read_request_units", 0.125e-6, 0),
        ("sqs_requests", 0.40e-6, 1_000_000),
        ("sns_publish_requests", 0.50e-6, 1_000_000),
        ("s3_put_copy_post_list_requests", 0.005e-3, 0),
        ("s3_get_select_requests", 0.0004e-3, 0),
        ("eventbridge_custom_events", 1.00e-6, 0),
        ("scheduler_invocations", 1.00e-6, 14_000_000),
    ],
)
def test_us_east_1_service_prices(unit: str, usd_per_unit: float, free: float) -> None:
    sp = BOOK.service_prices("us-east-1")
    assert sp is not None, "expected service prices in us-east-1"
    price = sp.units[unit]
    assert price.usd_per_unit == pytest.approx(usd_per_unit), f"expected {unit} at ${usd_per_unit} each, got {price.usd_per_unit}"
    assert price.free_units == free, f"expected {free:,} free {unit} a month, got {price.free_units}"
    assert price.source.startswith("https://aws.amazon.com/"), f"expected an AWS source for {unit}, got {price.source!r}"
    assert price.as_of == "2026-11-01", f"expected as_of 2026-11-01 for {unit}, got {price.as_of!r}"
    assert "not re-confirmed" in price.note or "not against the AWS page itself" in price.note, (
        f"expected {unit} to say how far it was confirmed, got {price.note!r}")


def test_service_prices_only_where_sourced() -> None:
    assert BOOK.service_prices("eu-west-1") is None, "expected no service prices outside us-east-1 (no same_as)"
    for name, section in RAW["services"].items():
        assert list(section["regions"]) == ["us-east-1"], f"expected services.{name} to price us-east-1 only"


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "prices.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_price_file_without_services_still_loads(tmp_path: Path) -> None:
    data = copy.deepcopy(RAW)
    del data["services"]
    book = load_price_book(_write(tmp_path, data))
    assert book.service_prices("us-east-1") is None, "expected no service prices from a file without a services section"
    cost = price_metering(Metering(service_calls={"sqs:sendMessage": 5.0}), prices=book)
    assert cost.total_usd == 0 and dict(cost.unpriced_calls) == {"sqs:sendMessage": 5.0}, "expected the calls listed unpriced"


DDB_US = "services.dynamodb.regions.us-east-1"


@pytest.mark.parametrize(
    ("path", "value", "fragments"),
    [
        (f"{DDB_US}.write_request_units_usd_per_million", 1e9, [f"{DDB_US}.write_request_units_usd_per_million", "1000"]),
        (f"{DDB_US}.read_request_units_usd_per_million", -0.125, [f"{DDB_US}.read_request_units_usd_per_million", "0"]),
        ("services.sqs.regions.us-east-1.requests_usd_per_million", "0.40", ["services.sqs.regions.us-east-1.requests_usd_per_million"]),
        ("services.scheduler.free_tier.invocations", -1, ["services.scheduler.free_tier.invocations"]),
        (f"{DDB_US}.source", None, [f"{DDB_US}.source"]),
        ("services.sns.regions.us-east-1.cost", 1, ["services.sns.regions.us-east-1.cost"]),
    ],
)
def test_absurd_service_price_refused(tmp_path: Path, path: str, value: Any, fragments: list[str]) -> None:
    data = copy.deepcopy(RAW)
    *parents, last = path.split(".")
    node: Any = data
    for k in parents:
        node = node[k]
    if value is None:
        del node[last]
    else:
        node[last] = value
    file = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_price_book(file)
    text = str(info.value)
    assert "\n" not in text, f"expected one line, got {text!r}"
    for fragment in fragments:
        assert fragment in text, f"expected the error to name {fragment!r}, got {text!r}"


# --- pricing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "calls", "item", "usd"),
    [
        ("dynamodb:putItem", 10e6, "dynamodb_write_request_units", 6.25),
        ("arn:aws:states:::dynamodb:updateItem", 10e6, "dynamodb_write_request_units", 6.25),
        ("arn:aws:states:::aws-sdk:dynamodb:deleteItem", 10e6, "dynamodb_write_request_units", 6.25),
        ("dynamodb:getItem", 10e6, "dynamodb_read_request_units", 1.25),
        ("dynamodb:query", 8e6, "dynamodb_read_request_units", 1.00),
        ("sqs:sendMessage", 3e6, "sqs_requests", 1.20),
        ("sns:publish", 3e6, "sns_publish_requests", 1.50),
        ("s3:putObject", 1e6, "s3_put_copy_post_list_requests", 5.00),
        ("s3:getObject", 1e6, "s3_get_select_requests", 0.40),
        ("events:putEvents", 2e6, "eventbridge_custom_events", 2.00),
        ("scheduler:createSchedule", 20e6, "scheduler_invocations", 20.00),
    ],
)
def test_each_unit_priced_to_the_cent(key: str, calls: float, item: str, usd: float) -> None:
    cost = price_metering(Metering(service_calls={key: calls}))
    (li,) = cost.line_items
    assert li.name == item, f"expected line item {item!r}, got {li.name!r}"
    assert li.component == BILLING_UNITS[item].component, f"expected component {BILLING_UNITS[item].component}, got {li.component}"
    assert round(cost.total_usd, 2) == usd, f"expected {calls:,.0f} x {key} -> ${usd:.2f}, got ${cost.total_usd:.4f}"
    assert cost.by_component()[li.component] == pytest.approx(usd), f"expected the {li.component} component at ${usd}"
    assert not cost.unpriced_calls, f"expected nothing unpriced, got {cost.unpriced_calls}"


@pytest.mark.parametrize(
    ("key", "calls", "usd"),
    [
        ("sqs:sendMessage", 3e6, 0.80),  # 2M paid at $0.40 per million
        ("sqs:sendMessage", 0.5e6, 0.0),
        ("sns:publish", 3e6, 1.00),  # 2M paid at $0.50 per million
        ("scheduler:createSchedule", 20e6, 6.00),  # 6M paid at $1.00 per million
        ("scheduler:createSchedule", 14e6, 0.0),
        ("dynamodb:putItem", 10e6, 6.25),  # no on-demand free tier
    ],
)
def test_free_tiers(key: str, calls: float, usd: float) -> None:
    cost = price_metering(Metering(service_calls={key: calls}), free_tier=True)
    assert round(cost.total_usd, 2) == usd, f"expected {calls:,.0f} x {key} with the free tier -> ${usd:.2f}, got ${cost.total_usd:.4f}"
    assert not cost.unpriced_calls, "expected free calls priced (at $0 by the free tier), not listed unpriced"
    vec = price_monthly({}, free_tier=True, service_calls={key: np.array([calls])})
    assert round(float(vec["total"][0]), 2) == usd, f"expected the vectorised pricing to agree (${usd:.2f}), got {vec['total']}"


def test_free_tier_shared_by_calls_of_one_unit() -> None:
    # 2M writes from two keys share nothing free (no on-demand free tier); 1.5M + 1.5M SQS share 1M free.
    cost = price_metering(
        Metering(service_calls={"sqs:sendMessage": 1.5e6, "arn:aws:states:::sqs:sendMessage.waitForTaskToken": 1.5e6}),
        free_tier=True,
    )
    (li,) = cost.line_items
    assert li.quantity == 2e6 and round(li.usd, 2) == 0.80, f"expected one SQS item of 2M paid requests ($0.80), got {li}"


def test_unpriced_calls_listed_with_a_note() -> None:
    calls = {
        "bedrock:invokeModel": 1000.0,
        "arn:aws:states:::states:startExecution.sync:2": 50.0,
        "lambda:listFunctions": 3.0,
        "dynamodb:putItem": 2e6,
    }
    cost = price_metering(Metering(service_calls=calls))
    expected = {"bedrock:invokeModel": 1000.0, "states:startExecution": 50.0, "lambda:listFunctions": 3.0}
    assert dict(cost.unpriced_calls) == expected, f"expected the unpriced calls {expected}, got {cost.unpriced_calls}"
    assert "per token" in cost.unpriced_notes["bedrock:invokeModel"], f"expected the Bedrock note, got {cost.unpriced_notes}"
    assert all(cost.unpriced_notes[k] for k in expected), "expected a note for every unpriced call"
    assert round(cost.total_usd, 2) == 1.25, f"expected only the DynamoDB writes priced ($1.25), got {cost.total_usd}"
    out = json.loads(json.dumps(cost.to_dict()))
    listed = out["unpriced_service_calls"]
    assert {k: v["calls"] for k, v in listed.items()} == expected, f"expected to_dict to list the unpriced calls, got {listed}"
    assert all(v["note"] for v in listed.values()), "expected every unpriced call in to_dict to carry a note"
    vec = price_monthly({}, service_calls=calls)
    assert float(vec["unpriced:bedrock:invokeModel"]) == 1000.0, f"expected the vectorised output to list Bedrock, got {vec}"
    assert float(vec["total"]) == pytest.approx(1.25), "expected unpriced counts kept out of the vectorised total"


def test_region_without_service_prices_leaves_calls_unpriced() -> None:
    cost = price_metering(Metering(service_calls={"dynamodb:putItem": 10e6}), "eu-west-1")
    assert cost.total_usd == 0, f"expected nothing priced in eu-west-1, got {cost.total_usd}"
    assert dict(cost.unpriced_calls) == {"dynamodb:putItem": 10e6}, f"expected the writes listed unpriced, got {cost.unpriced_calls}"
    assert cost.unpriced_notes["dynamodb:putItem"] == unpriced_note("dynamodb:putItem", "eu-west-1"), "expected the region note"
    assert "eu-west-1" in cost.unpriced_notes["dynamodb:putItem"], "expected the note to name the region"


def test_pricing_a_scaled_window() -> None:
    window = Metering(service_calls={"sqs:sendMessage": 10_000.0})
    cost = price_metering(window.scaled(300), free_tier=True)  # 3M a month
    assert round(cost.total_usd, 2) == 0.80, f"expected 3M monthly SQS requests -> $0.80 with the free tier, got {cost.total_usd}"


def test_negative_calls_refused() -> None:
    with pytest.raises(InputError, match="sqs:sendMessage"):
        price_metering(Metering(service_calls={"sqs:sendMessage": -1.0}))


METERINGS = [
    Metering(),
    Metering(sfn_transitions=50_000),
    Metering(lambda_requests=3e6, lambda_gb_s_x86_64=5e5, lambda_gb_s_arm64=2e5, ephemeral_gb_s=10.0, logs_gb=2.0),
    Metering(express_requests=1e6, express_gb_hours=2_000.0, sfn_transitions=10.0),
]


@pytest.mark.parametrize("free_tier", [False, True])
@pytest.mark.parametrize("meter", METERINGS, ids=range(len(METERINGS)))
def test_no_service_calls_prices_as_before(meter: Metering, free_tier: bool) -> None:
    cost = price_metering(meter, free_tier=free_tier)
    out = cost.to_dict()
    assert list(out) == ["total_usd", "line_items", "region", "price_book_as_of", "free_tier"], f"expected the old keys, got {list(out)}"
    assert list(cost.by_component()) == list(COMPONENTS), "expected exactly the core components"
    assert not cost.unpriced_calls and not cost.unpriced_notes, "expected nothing unpriced"
    assert all(li.component in COMPONENTS for li in cost.line_items), "expected no service line items"
    vec = price_monthly({m: getattr(meter, m) for m in METERS}, free_tier=free_tier)
    assert list(vec) == [*COMPONENTS, "total"], f"expected the old vectorised keys, got {list(vec)}"
    assert float(vec["total"]) == pytest.approx(cost.total_usd), "expected the vectorised total to agree"
    with_calls = price_metering(
        Metering(**{m: getattr(meter, m) for m in METERS}, service_calls={"dynamodb:putItem": 1e6}), free_tier=free_tier
    )
    assert with_calls.line_items[: len(cost.line_items)] == cost.line_items, "expected service calls to only add line items"
    assert with_calls.total_usd == pytest.approx(cost.total_usd + 0.625), "expected 1M writes to add $0.625"
