"""AWS's published pricing examples, to the cent, through the Python API and the CLI (``--json``).

The expected figures and their sources live in one file, ``tests/fixtures/aws_examples.yaml``
(AWS's worked examples on https://aws.amazon.com/lambda/pricing/ and
https://aws.amazon.com/step-functions/pricing/, and the seed article's $1.25/day on Standard).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchsim.aws.calculator import price_express, price_lambda, price_standard
from orchsim.aws.cost import Cost
from orchsim.aws.pricebook import load_price_book
from orchsim.cli import main

EXAMPLES: dict[str, Any] = yaml.safe_load((Path(__file__).parent / "fixtures" / "aws_examples.yaml").read_text())
LAMBDA_FREE = EXAMPLES["lambda"]["free_tier_3m"]
LAMBDA_PAID = EXAMPLES["lambda"]["no_free_tier_7_44m"]
EXPRESS = EXAMPLES["express"]["100m_10s_64mb"]
STANDARD = EXAMPLES["standard"]
BOOK_AS_OF = load_price_book().as_of
LINE_ITEM_KEYS = {"name", "quantity", "unit", "unit_price_usd", "usd"}


def run_cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    """Run ``orchsim price ... --json`` in-process and return the parsed JSON, checking its shape."""
    capsys.readouterr()
    main(["price", *args, "--json"])
    captured = capsys.readouterr()
    assert captured.err == "", f"expected nothing on stderr for a valid command, got {captured.err!r}"
    out: dict[str, Any] = json.loads(captured.out)
    for key in ("total_usd", "line_items", "region", "price_book_as_of"):
        assert key in out, f"expected key {key!r} in the CLI JSON, got keys {sorted(out)}"
    assert out["price_book_as_of"] == BOOK_AS_OF, (
        f"expected price_book_as_of {BOOK_AS_OF!r} (the shipped book), got {out['price_book_as_of']!r}"
    )
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", out["price_book_as_of"]), "expected price_book_as_of as YYYY-MM-DD"
    for li in out["line_items"]:
        assert set(li) >= LINE_ITEM_KEYS, f"expected line item keys {sorted(LINE_ITEM_KEYS)}, got {sorted(li)}"
        assert math.isclose(li["usd"], li["quantity"] * li["unit_price_usd"], rel_tol=1e-12, abs_tol=1e-12), (
            f"expected usd = quantity x unit_price_usd in line item {li}"
        )
    total = sum(li["usd"] for li in out["line_items"])
    assert math.isclose(out["total_usd"], total, rel_tol=1e-12, abs_tol=1e-12), (
        f"expected total_usd {out['total_usd']} to equal the sum of line items {total}"
    )
    return out


def item(cost: Cost | dict[str, Any], prefix: str) -> list[Any]:
    """Line items (API objects or CLI dicts) whose name starts with ``prefix``."""
    items = cost.line_items if isinstance(cost, Cost) else cost["line_items"]
    return [li for li in items if (li.name if isinstance(cost, Cost) else li["name"]).startswith(prefix)]


def cents(x: float) -> float:
    return round(x + 0.0, 2)


# --- Lambda: pricing-page example 1 -----------------------------------------------------------


def cli_args(inputs: dict[str, Any]) -> list[str]:
    """A fixture example's inputs as ``orchsim price`` options."""
    out: list[str] = []
    for key, value in inputs.items():
        opt = "--" + key.replace("_", "-")
        if value is True:
            out.append(opt)
        elif value is not False:
            out += [opt, str(value)]
    return out


def test_lambda_example_free_tier_api() -> None:
    want = LAMBDA_FREE["expected"]
    cost = price_lambda(**LAMBDA_FREE["inputs"])
    (req,) = item(cost, "Lambda requests")
    (comp,) = item(cost, "Lambda compute x86_64")
    assert req.quantity == pytest.approx(want["billed_requests"]), f"expected {want['billed_requests']} billed requests, got {req.quantity}"
    assert cents(req.usd) == want["requests_usd"], f"expected requests ${want['requests_usd']}, got {req.usd}"
    assert comp.quantity == pytest.approx(want["billed_gb_s"], rel=1e-12), (
        f"expected 540,000 - 400,000 free = {want['billed_gb_s']} GB-s, got {comp.quantity}"
    )
    assert cents(comp.usd) == want["compute_usd"], f"expected compute ${want['compute_usd']}, got {comp.usd}"
    assert cents(cost.total_usd) == want["total_usd"], f"expected total ${want['total_usd']} ({LAMBDA_FREE['source']}), got {cost.total_usd}"
    assert cost.region == "us-east-1" and cost.free_tier, "expected region us-east-1 with the free tier applied"


def test_lambda_example_free_tier_cli(capsys: pytest.CaptureFixture[str]) -> None:
    want = LAMBDA_FREE["expected"]
    out = run_cli_json(capsys, "lambda", *cli_args(LAMBDA_FREE["inputs"]))
    assert cents(out["total_usd"]) == want["total_usd"], f"expected total ${want['total_usd']} from the CLI, got {out['total_usd']}"
    (comp,) = item(out, "Lambda compute")
    assert comp["unit"] == "GB-s", f"expected compute billed in GB-s, got {comp['unit']!r}"
    assert comp["quantity"] == pytest.approx(want["billed_gb_s"]), f"expected {want['billed_gb_s']} GB-s, got {comp['quantity']}"
    assert cents(comp["usd"]) == want["compute_usd"], f"expected compute ${want['compute_usd']}, got {comp['usd']}"
    (req,) = item(out, "Lambda requests")
    assert cents(req["usd"]) == want["requests_usd"], f"expected requests ${want['requests_usd']}, got {req['usd']}"
    assert out["region"] == "us-east-1", f"expected region us-east-1, got {out['region']!r}"


# --- Lambda: pricing-page example 2 -----------------------------------------------------------


def test_lambda_example_no_free_tier_api() -> None:
    want = LAMBDA_PAID["expected"]
    cost = price_lambda(**LAMBDA_PAID["inputs"])
    (req,) = item(cost, "Lambda requests")
    (comp,) = item(cost, "Lambda compute x86_64")
    assert req.usd == pytest.approx(want["requests_usd_exact"]), f"expected requests ${want['requests_usd_exact']}, got {req.usd}"
    assert cents(req.usd) == want["requests_usd"], f"expected requests ${want['requests_usd']}, got {req.usd}"
    assert comp.quantity == pytest.approx(want["billed_gb_s"], rel=1e-12), f"expected {want['billed_gb_s']} GB-s, got {comp.quantity}"
    assert cents(comp.usd) == want["compute_usd"], f"expected compute ${want['compute_usd']}, got {comp.usd}"
    assert cents(cost.total_usd) == want["total_usd"], f"expected total ${want['total_usd']} ({LAMBDA_PAID['source']}), got {cost.total_usd}"
    assert not cost.free_tier, "expected the free tier off"


def test_lambda_example_no_free_tier_cli(capsys: pytest.CaptureFixture[str]) -> None:
    want = LAMBDA_PAID["expected"]
    out = run_cli_json(capsys, "lambda", *cli_args(LAMBDA_PAID["inputs"]))
    assert cents(out["total_usd"]) == want["total_usd"], f"expected total ${want['total_usd']} from the CLI, got {out['total_usd']}"
    (comp,) = item(out, "Lambda compute")
    assert comp["quantity"] == pytest.approx(want["billed_gb_s"]), f"expected {want['billed_gb_s']} GB-s, got {comp['quantity']}"
    (req,) = item(out, "Lambda requests")
    assert req["quantity"] == want["billed_requests"] and req["unit"] == "requests", f"expected {want['billed_requests']} requests, got {req}"


# --- Step Functions Express: pricing-page example ---------------------------------------------


def _check_express_example(items: list[tuple[str, float, str, float, float]], total: float) -> None:
    want = EXPRESS["expected"]
    by_name = {name: (q, unit, p, usd) for name, q, unit, p, usd in items}
    req = by_name["Step Functions Express requests"]
    assert cents(req[3]) == want["requests_usd"], f"expected Express requests ${want['requests_usd']}, got {req[3]}"
    tiers = [by_name[f"Step Functions Express duration (tier {i})"] for i in (1, 2, 3)]
    gb_hours = sum(t[0] for t in tiers)
    assert round(gb_hours, 2) == want["gb_hours"], f"expected {want['gb_hours']} GB-hours, got {gb_hours}"
    assert all(t[1] == "GB-hours" for t in tiers), f"expected duration in GB-hours, got {[t[1] for t in tiers]}"
    for (q, _, p, usd), (eq, ep, eusd) in zip(tiers, want["tiers"], strict=True):
        assert round(q, 2) == eq and p == ep and cents(usd) == eusd, (
            f"expected tier {eq} GB-h @ {ep} = ${eusd}, got {q} GB-h @ {p} = ${usd}"
        )
    assert cents(total) == want["total_usd"], f"expected Express total ${want['total_usd']} ({EXPRESS['source']}), got {total}"


def test_express_example_api() -> None:
    cost = price_express(**EXPRESS["inputs"])
    _check_express_example([(li.name, li.quantity, li.unit, li.unit_price_usd, li.usd) for li in cost.line_items], cost.total_usd)


def test_express_example_cli(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_cli_json(capsys, "express", *cli_args(EXPRESS["inputs"]))
    _check_express_example(
        [(li["name"], li["quantity"], li["unit"], li["unit_price_usd"], li["usd"]) for li in out["line_items"]],
        out["total_usd"],
    )


# --- Step Functions Standard: the seed article and other regions ------------------------------


@pytest.mark.parametrize("example", ["seed_article_day", "seed_article_day_free_tier"])
def test_standard_seed_article(capsys: pytest.CaptureFixture[str], example: str) -> None:
    ex = STANDARD[example]
    want = ex["expected"]
    billed_transitions, expected_usd = want["billed_transitions"], want["total_usd"]
    cost = price_standard(**ex["inputs"])
    (tr,) = item(cost, "Step Functions Standard transitions")
    assert tr.quantity == billed_transitions, f"expected {billed_transitions} billed transitions, got {tr.quantity}"
    assert tr.unit_price_usd == pytest.approx(want["usd_per_transition"]), f"expected ${want['usd_per_transition']} per transition, got {tr.unit_price_usd}"
    assert cents(cost.total_usd) == expected_usd, f"expected ${expected_usd} ({ex['source']}), got {cost.total_usd}"

    out = run_cli_json(capsys, "standard", *cli_args(ex["inputs"]))
    assert cents(out["total_usd"]) == expected_usd, f"expected ${expected_usd} from the CLI, got {out['total_usd']}"
    (cli_tr,) = item(out, "Step Functions Standard transitions")
    assert cli_tr["quantity"] == billed_transitions and cli_tr["unit"] == "transitions", (
        f"expected {billed_transitions} transitions, got {cli_tr}"
    )


@pytest.mark.parametrize(
    ("region", "expected_usd"), list(STANDARD["regions_1m_transitions"]["expected_by_region"].items())
)
def test_standard_regions(capsys: pytest.CaptureFixture[str], region: str, expected_usd: float) -> None:
    cost = price_standard(**STANDARD["regions_1m_transitions"]["inputs"], region=region)
    assert cents(cost.total_usd) == expected_usd, f"expected 1M transitions in {region} = ${expected_usd}, got {cost.total_usd}"
    assert cost.region == region, f"expected region {region}, got {cost.region}"
    out = run_cli_json(capsys, "standard", "--executions", "1000000", "--transitions", "1", "--region", region)
    assert cents(out["total_usd"]) == expected_usd, f"expected ${expected_usd} from the CLI in {region}, got {out['total_usd']}"
    assert out["region"] == region, f"expected region {region!r} in the CLI JSON, got {out['region']!r}"


# --- Lambda arm64, ephemeral storage, rounding ------------------------------------------------


def test_lambda_arm64(capsys: pytest.CaptureFixture[str]) -> None:
    cost = price_lambda(1_000_000, 1000, 1024, arch="arm64")
    (comp,) = item(cost, "Lambda compute arm64")
    assert not item(cost, "Lambda compute x86_64"), "expected no x86_64 compute for an arm64 function"
    assert comp.quantity == pytest.approx(1_000_000), f"expected 1,000,000 GB-s, got {comp.quantity}"
    assert comp.unit_price_usd == 0.0000133334, f"expected arm64 tier-1 rate 0.0000133334, got {comp.unit_price_usd}"
    assert cents(comp.usd) == 13.33, f"expected arm64 compute $13.33, got {comp.usd}"
    assert cents(cost.total_usd) == 13.53, f"expected $13.33 + $0.20 = $13.53, got {cost.total_usd}"
    out = run_cli_json(
        capsys, "lambda", "--requests", "1000000", "--duration-ms", "1000", "--memory-mb", "1024", "--arch", "arm64"
    )
    assert cents(out["total_usd"]) == 13.53, f"expected $13.53 from the CLI, got {out['total_usd']}"
    assert [li["name"] for li in item(out, "Lambda compute")] == ["Lambda compute arm64"], (
        f"expected one arm64 compute line, got {out['line_items']}"
    )


def test_lambda_ephemeral_storage(capsys: pytest.CaptureFixture[str]) -> None:
    expected_gb_s = (10240 - 512) / 1024 * 1_000_000 * 1.0  # extra GB x billed seconds
    expected_usd = expected_gb_s * 0.0000000309
    cost = price_lambda(1_000_000, 1000, 1024, ephemeral_storage_mb=10240)
    (eph,) = item(cost, "Lambda ephemeral storage")
    assert eph.quantity == pytest.approx(expected_gb_s, rel=1e-12), f"expected {expected_gb_s} GB-s, got {eph.quantity}"
    assert eph.unit == "GB-s" and eph.unit_price_usd == 0.0000000309, f"expected GB-s at $0.0000000309, got {eph}"
    assert eph.usd == pytest.approx(expected_usd, rel=1e-12), f"expected ${expected_usd}, got {eph.usd}"
    assert eph.component == "lambda_ephemeral", f"expected component lambda_ephemeral, got {eph.component}"
    out = run_cli_json(
        capsys, "lambda", "--requests", "1000000", "--duration-ms", "1000", "--memory-mb", "1024",
        "--ephemeral-storage-mb", "10240",
    )
    (cli_eph,) = item(out, "Lambda ephemeral storage")
    assert cli_eph["quantity"] == pytest.approx(expected_gb_s) and cli_eph["usd"] == pytest.approx(expected_usd), (
        f"expected {expected_gb_s} GB-s costing ${expected_usd} from the CLI, got {cli_eph}"
    )
    assert not item(price_lambda(1_000_000, 1000, 1024), "Lambda ephemeral storage"), (
        "expected no ephemeral storage charge at the included 512 MB"
    )


@pytest.mark.parametrize(
    ("duration_ms", "billed_ms"),
    [(0.4, 1), (1, 1), (100, 100), (100.2, 101), (2000, 2000)],
)
def test_lambda_rounds_up_to_1_ms(capsys: pytest.CaptureFixture[str], duration_ms: float, billed_ms: int) -> None:
    expected_gb_s = 1_000_000 * billed_ms / 1000 * 1.0  # 1024 MB = 1 GB
    cost = price_lambda(1_000_000, duration_ms, 1024)
    (comp,) = item(cost, "Lambda compute x86_64")
    assert comp.quantity == pytest.approx(expected_gb_s, rel=1e-12), (
        f"expected {duration_ms} ms to bill as {billed_ms} ms = {expected_gb_s} GB-s, got {comp.quantity}"
    )
    out = run_cli_json(capsys, "lambda", "--requests", "1000000", "--duration-ms", str(duration_ms), "--memory-mb", "1024")
    (cli_comp,) = item(out, "Lambda compute")
    assert cli_comp["quantity"] == pytest.approx(expected_gb_s, rel=1e-12), (
        f"expected {expected_gb_s} GB-s from the CLI, got {cli_comp['quantity']}"
    )


@pytest.mark.parametrize(
    ("duration_ms", "memory_mb", "billed_ms", "billed_mb"),
    [(150, 65, 200, 128), (100, 64, 100, 64), (1, 1, 100, 64), (10_001, 129, 10_100, 192)],
)
def test_express_rounding(
    capsys: pytest.CaptureFixture[str], duration_ms: float, memory_mb: float, billed_ms: int, billed_mb: int
) -> None:
    expected_gb_hours = 1_000_000 * billed_ms / 1000 * billed_mb / 1024 / 3600
    cost = price_express(1_000_000, duration_ms, memory_mb)
    (dur,) = item(cost, "Step Functions Express duration")
    assert dur.quantity == pytest.approx(expected_gb_hours, rel=1e-12), (
        f"expected {duration_ms} ms / {memory_mb} MB to bill as {billed_ms} ms / {billed_mb} MB "
        f"= {expected_gb_hours} GB-h, got {dur.quantity}"
    )
    out = run_cli_json(
        capsys, "express", "--executions", "1000000", "--duration-ms", str(duration_ms), "--memory-mb", str(memory_mb)
    )
    (cli_dur,) = item(out, "Step Functions Express duration")
    assert cli_dur["quantity"] == pytest.approx(expected_gb_hours, rel=1e-12), (
        f"expected {expected_gb_hours} GB-h from the CLI, got {cli_dur['quantity']}"
    )
