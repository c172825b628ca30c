"""The shipped price book (``data/pricing/aws-prices.yaml``), user price files, and malformed files.

Expected prices: /work/shared/reference/aws-pricing.md (collected 2026-11).
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchsim.aws.calculator import price_standard
from orchsim.aws.pricebook import default_prices_path, load_price_book
from orchsim.cli import main
from orchsim.errors import InputError

RAW: dict[str, Any] = yaml.safe_load(default_prices_path().read_text())
EXAMPLES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fixtures" / "aws_examples.yaml").read_text())
BOOK = load_price_book()

# aws-pricing.md, "AWS Step Functions": Standard USD per 1,000 state transitions.
STANDARD_USD_PER_1000 = {
    **dict.fromkeys(
        [
            "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-west-1", "eu-central-1",
            "eu-west-2", "eu-north-1", "ap-southeast-1", "ap-northeast-1", "ap-southeast-2",
        ],
        0.025,
    ),
    "us-west-1": 0.0279,
    "sa-east-1": 0.0375,
    "us-gov-east-1": 0.0300,
    "us-gov-west-1": 0.0300,
    "eu-west-3": 0.0297,
    "ap-northeast-2": 0.0271,
    "ap-south-1": 0.0285,
}
HTTPS = re.compile(r"^https://[^\s/]+\.[^\s/]+/\S*")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- the shipped book -------------------------------------------------------------------------


@pytest.mark.parametrize("region", sorted(STANDARD_USD_PER_1000))
def test_standard_regions_from_reference(region: str) -> None:
    assert region in BOOK.regions, f"expected {region} among the price book's regions {BOOK.regions}"
    std = BOOK.standard_prices(region)
    expected = STANDARD_USD_PER_1000[region]
    assert std.usd_per_1000_transitions == expected, (
        f"expected Standard in {region} at ${expected}/1000 transitions, got {std.usd_per_1000_transitions}"
    )
    assert std.assumed_from is None, f"expected {region}'s Standard price sourced, not assumed"
    assert std.free_transitions == 4000, f"expected 4,000 free transitions, got {std.free_transitions}"


def test_us_east_1_lambda_and_express_prices() -> None:
    lam = BOOK.lambda_prices("us-east-1")
    assert lam.requests_usd_per_million == 0.20, f"expected $0.20 per 1M requests, got {lam.requests_usd_per_million}"
    assert lam.ephemeral_storage_usd_per_gb_s == 0.0000000309, "expected $0.0000000309 per GB-s of ephemeral storage"
    assert (lam.free_requests, lam.free_gb_s) == (1_000_000, 400_000), "expected free tier 1M requests, 400,000 GB-s"
    assert (lam.memory_mb_min, lam.memory_mb_max) == (128, 10240), "expected memory 128 to 10,240 MB"
    assert lam.included_ephemeral_storage_mb == 512, "expected 512 MB ephemeral storage included"
    assert lam.duration_rounding_ms == 1, "expected Lambda duration rounded to 1 ms"
    exp = BOOK.express_prices("us-east-1")
    assert exp.requests_usd_per_million == 1.00, f"expected Express $1.00 per 1M requests, got {exp.requests_usd_per_million}"
    assert (exp.memory_chunk_mb, exp.duration_rounding_ms, exp.max_duration_s) == (64, 100, 300), (
        "expected Express 64 MB chunks, 100 ms rounding, 5-minute limit"
    )
    assert BOOK.logs_ingestion_usd_per_gb("us-east-1") == 0.50, "expected CloudWatch Logs ingestion $0.50/GB"


def _walk(node: Any, path: str, inherited: dict[str, Any] | None) -> Iterator[tuple[str, dict[str, Any], dict[str, Any] | None]]:
    """Yield (path, mapping, nearest provenance) for every mapping in the YAML tree."""
    if isinstance(node, dict):
        own = node if "source" in node else inherited
        yield path, node, own
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k), own)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]", inherited)


def _has_price(node: dict[str, Any]) -> bool:
    return any("usd" in str(k) or k in ("duration_tiers", "transitions", "requests", "gb_s") for k in node)


def test_every_price_has_source_and_as_of() -> None:
    for section in ("lambda", "lambda.free_tier", "step_functions", "step_functions.standard.free_tier", "cloudwatch_logs"):
        node: Any = RAW
        for key in section.split("."):
            node = node[key]
        assert HTTPS.match(str(node.get("source", ""))), f"expected {section}.source to be an https address, got {node.get('source')!r}"
        assert DATE.match(str(node.get("as_of", ""))), f"expected {section}.as_of as YYYY-MM-DD, got {node.get('as_of')!r}"
    checked = 0
    for path, node, prov in _walk(RAW, "", None):
        if "source" in node:
            assert HTTPS.match(str(node.get("source", ""))), f"expected {path}.source to be an https address"
            assert DATE.match(str(node.get("as_of", ""))), f"expected {path}.as_of as YYYY-MM-DD, got {node.get('as_of')!r}"
        if _has_price(node):
            checked += 1
            assert prov is not None, f"expected the prices at {path} to have a source and as_of (own or their section's)"
    assert checked >= 20, f"expected to find the book's price entries, found only {checked}"
    for service in (RAW["lambda"], RAW["step_functions"]["standard"], RAW["step_functions"]["express"]):
        for region, entry in service["regions"].items():
            if "same_as" not in entry:
                assert HTTPS.match(str(entry.get("source", ""))) and DATE.match(str(entry.get("as_of", ""))), (
                    f"expected region {region} with its own prices to carry its own source and as_of"
                )
    assert DATE.match(BOOK.as_of), f"expected the book's as_of as YYYY-MM-DD, got {BOOK.as_of!r}"


@pytest.mark.parametrize("service", ["lambda", "express"])
def test_regions_without_own_prices_say_same_as(service: str) -> None:
    regions = RAW["lambda"]["regions"] if service == "lambda" else RAW["step_functions"]["express"]["regions"]
    own = [r for r, e in regions.items() if "same_as" not in e]
    assert own == ["us-east-1"], f"expected only us-east-1 to have its own {service} prices, got {own}"
    assert set(regions) == set(STANDARD_USD_PER_1000), f"expected {service} regions to match the Standard table"
    for region, entry in regions.items():
        prices = BOOK.lambda_prices(region) if service == "lambda" else BOOK.express_prices(region)
        if region == "us-east-1":
            assert prices.assumed_from is None, "expected us-east-1 prices not flagged as assumed"
            continue
        assert entry == {"same_as": "us-east-1"}, f"expected {service}.regions.{region} to say same_as: us-east-1, got {entry}"
        assert prices.assumed_from == "us-east-1", f"expected {region} {service} prices assumed from us-east-1"
        assert prices.region == region, f"expected the resolved prices to keep region {region}"
    assert "assumed equal to us-east-1" in BOOK.footer("eu-west-3"), "expected the footer to flag assumed prices"
    assert "assumed" not in BOOK.footer("us-east-1"), "expected no assumed-price note for us-east-1"


def test_unknown_region_is_input_error() -> None:
    with pytest.raises(InputError, match="mars-1") as info:
        BOOK.lambda_prices("mars-1")
    assert "us-east-1" in str(info.value), "expected the error to list the accepted regions"


# --- user price files -------------------------------------------------------------------------


def _write(tmp_path: Path, data: dict[str, Any], name: str = "prices.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def test_user_price_file_discount(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(RAW)
    data["step_functions"]["standard"]["regions"]["us-east-1"]["usd_per_1000_transitions"] = 0.025 * 0.9
    path = _write(tmp_path, data)
    expected = 50_000 * 0.025 * 0.9 / 1000  # $1.125

    cost = price_standard(10_000, 5, prices=path)
    assert cost.total_usd == pytest.approx(expected), f"expected the 10% discount file to give ${expected}, got {cost.total_usd}"
    cost_str = price_standard(10_000, 5, prices=str(path))
    assert cost_str.total_usd == pytest.approx(expected), "expected a str path to work like a Path"
    article = EXAMPLES["standard"]["seed_article_day"]["expected"]["total_usd"]
    assert price_standard(10_000, 5).total_usd == pytest.approx(article), f"expected the shipped book unchanged (${article})"

    capsys.readouterr()
    main(["price", "standard", "--executions", "10000", "--transitions", "5", "--prices", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["total_usd"] == pytest.approx(expected), f"expected the CLI --prices file to give ${expected}, got {out['total_usd']}"
    (li,) = out["line_items"]
    assert li["unit_price_usd"] == pytest.approx(0.0000225), f"expected the discounted unit price, got {li['unit_price_usd']}"


def test_user_price_file_reloaded_after_edit(tmp_path: Path) -> None:
    data = copy.deepcopy(RAW)
    path = _write(tmp_path, data)
    assert price_standard(1000, 1, prices=path).total_usd == pytest.approx(0.025), "expected $0.025 first"
    data["step_functions"]["standard"]["regions"]["us-east-1"]["usd_per_1000_transitions"] = 0.05
    path.write_text(yaml.safe_dump(data))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))  # a distinct mtime, as an editor makes
    assert price_standard(1000, 1, prices=path).total_usd == pytest.approx(0.05), "expected the edited price used"


# --- malformed files --------------------------------------------------------------------------


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        keys = re.findall(r"[^.\[\]]+", path)
        node: Any = d
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = d
        for k in parents:
            node = node[k]
        del node[last]

    return mutate


LAM_US = "lambda.regions.us-east-1"
EXP_US = "step_functions.express.regions.us-east-1"
STD_US = "step_functions.standard.regions.us-east-1"

MALFORMED: list[tuple[str, Callable[[dict[str, Any]], None], list[str]]] = [
    ("missing-section", _drop("step_functions"), ["step_functions", "missing"]),
    ("missing-free-tier", _drop("lambda.free_tier"), ["lambda.free_tier", "missing"]),
    ("missing-source", _drop(f"{STD_US}.source"), [f"{STD_US}.source", "missing"]),
    ("negative-standard-price", _set(f"{STD_US}.usd_per_1000_transitions", -0.025), [f"{STD_US}.usd_per_1000_transitions", "0"]),
    ("negative-lambda-tier", _set(f"{LAM_US}.duration_tiers.x86_64[0].usd_per_gb_s", -1), [f"{LAM_US}.duration_tiers.x86_64[0].usd_per_gb_s"]),
    ("negative-express-requests", _set(f"{EXP_US}.requests_usd_per_million", -1), [f"{EXP_US}.requests_usd_per_million"]),
    ("bad-as-of", _set("lambda.as_of", "November 2026"), ["lambda.as_of"]),
    ("same-as-unknown-lambda", _set("lambda.regions.eu-west-1", {"same_as": "mars-1"}), ["lambda.regions.eu-west-1.same_as", "mars-1"]),
    ("same-as-unknown-standard", _set("step_functions.standard.regions.eu-west-1", {"same_as": "mars-1"}),
     ["step_functions.standard.regions.eu-west-1.same_as", "mars-1"]),
    ("same-as-unknown-logs", _set("cloudwatch_logs.regions.eu-west-1", {"same_as": "nowhere"}),
     ["cloudwatch_logs.regions.eu-west-1.same_as", "nowhere"]),
    ("lambda-tiers-not-increasing", _set(f"{LAM_US}.duration_tiers.x86_64[1].up_to_gb_s", 1000),
     [f"{LAM_US}.duration_tiers.x86_64", "up_to_gb_s", "increasing"]),
    ("express-tiers-not-increasing", _set(f"{EXP_US}.duration_tiers[1].up_to_gb_hours", 500),
     [f"{EXP_US}.duration_tiers", "up_to_gb_hours", "increasing"]),
    ("lambda-last-tier-bounded", _set(f"{LAM_US}.duration_tiers.arm64[2].up_to_gb_s", 1e12),
     [f"{LAM_US}.duration_tiers.arm64", "up_to_gb_s", "null"]),
    ("express-last-tier-bounded", _set(f"{EXP_US}.duration_tiers[2].up_to_gb_hours", 1e6),
     [f"{EXP_US}.duration_tiers", "up_to_gb_hours", "null"]),
    ("missing-architecture", _drop(f"{LAM_US}.duration_tiers.arm64"), [f"{LAM_US}.duration_tiers", "arm64"]),
    ("unknown-key", _set("lambda.memory_gb_max", 10), ["lambda.memory_gb_max", "unknown key"]),
]


@pytest.mark.parametrize(("mutate", "expected"), [(m, e) for _, m, e in MALFORMED], ids=[n for n, _, _ in MALFORMED])
def test_malformed_price_file(tmp_path: Path, mutate: Callable[[dict[str, Any]], None], expected: list[str]) -> None:
    data = copy.deepcopy(RAW)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(InputError) as info:
        load_price_book(path)
    text = str(info.value)
    for fragment in expected:
        assert fragment in text, f"expected the error to name {fragment!r}, got {text!r}"
    assert str(path) in text, f"expected the error to name the file {path}, got {text!r}"
    assert "::" not in text, f"expected a clean field path (no empty segment), got {text!r}"
    with pytest.raises(InputError):
        price_standard(1, 1, prices=path)


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("schema_version: 1\nlambda: [1, 2\nstep_functions: {}\n")
    with pytest.raises(InputError) as info:
        load_price_book(path)
    text = str(info.value)
    assert info.value.field == "prices", f"expected the field 'prices', got {info.value.field!r}"
    assert "not valid YAML" in text and str(path) in text, f"expected a YAML error naming the file, got {text!r}"
    assert re.search(r"line \d+", text), f"expected the error to give the line, got {text!r}"


@pytest.mark.parametrize("content", ["- just\n- a list\n", "", "42\n"], ids=["list", "empty", "scalar"])
def test_not_a_mapping(tmp_path: Path, content: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(content)
    with pytest.raises(InputError, match="mapping") as info:
        load_price_book(path)
    assert info.value.field == "prices", f"expected the field 'prices', got {info.value.field!r}"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(InputError, match="does not exist") as info:
        load_price_book(path)
    assert "nope.yaml" in str(info.value), f"expected the error to name the file, got {info.value}"
