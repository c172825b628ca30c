"""``orchsim simulate`` run as a real subprocess: JSON shape, pattern selection, the table's columns,
and the seed option (a different seed changes the numbers; the same seed repeats them).
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from orchsim.model.scenario import PATTERNS

pytestmark = pytest.mark.slow  # six CLI processes, about 8 s together

REPO = Path(__file__).resolve().parents[1]
SEED = str(REPO / "data" / "scenarios" / "seed-article.yaml")

KEYS = [
    "pattern", "docs_arrived", "docs_succeeded", "docs_failed", "docs_lost", "docs_in_flight", "duplicates",
    "lambda_invocations", "lambda_throttles", "cold_starts", "state_transitions", "billed_gb_s", "latency_ms",
    "cost_usd", "cost_per_1000_docs_usd",
]
COST_KEYS = ["total", "lambda_requests", "lambda_compute", "sfn_transitions", "express_requests", "express_duration"]

RUNS: dict[str, list[str]] = {
    "all-json": ["simulate", SEED, "--window-hours", "1", "--json"],
    "two-json": ["simulate", SEED, "--window-hours", "1", "--pattern", "sfn-standard", "--pattern", "sfn-express", "--json"],
    "table": ["simulate", SEED, "--window-hours", "1"],
    "seed-7": ["simulate", SEED, "--window-hours", "0.5", "--seed", "7", "--pattern", "lambda-chain-async", "--json"],
    "seed-7-again": ["simulate", SEED, "--window-hours", "0.5", "--seed", "7", "--pattern", "lambda-chain-async", "--json"],
    "seed-8": ["simulate", SEED, "--window-hours", "0.5", "--seed", "8", "--pattern", "lambda-chain-async", "--json"],
}


def cli(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "orchsim.cli", *argv], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess[str]]:
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(zip(RUNS, pool.map(cli, RUNS.values()), strict=True))
    for name, proc in done.items():
        assert proc.returncode == 0, f"{name}: expected exit status 0, got {proc.returncode}; stderr:\n{proc.stderr}"
        assert "Traceback" not in proc.stderr, f"{name}: expected no traceback:\n{proc.stderr}"
    return done


def rows(proc: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    data = json.loads(proc.stdout)
    assert isinstance(data, list), f"expected a JSON list, got {type(data).__name__}"
    return data


def test_json_has_one_object_per_pattern(runs: dict[str, Any]) -> None:
    data = rows(runs["all-json"])
    assert [r["pattern"] for r in data] == list(PATTERNS), f"expected the four patterns in order, got {[r['pattern'] for r in data]}"
    for r in data:
        missing = [k for k in KEYS if k not in r]
        assert not missing, f"{r['pattern']}: expected keys {missing} in the JSON object"
        assert set(r["latency_ms"]) >= {"p50", "p95", "p99"}, f"{r['pattern']}: expected latency p50, p95, p99"
        missing_cost = [k for k in COST_KEYS if k not in r["cost_usd"]]
        assert not missing_cost, f"{r['pattern']}: expected cost_usd keys {missing_cost}"
        counts = sum(r[f"docs_{o}"] for o in ("succeeded", "failed", "lost", "in_flight"))
        assert counts == r["docs_arrived"], f"{r['pattern']}: expected outcome counts to add up to docs_arrived"
        assert r["docs_arrived"] > 300, f"{r['pattern']}: expected about 417 documents in one hour at 10,000/day"
        assert r["window_hours"] == 1, f"{r['pattern']}: expected --window-hours 1 to override the scenario"
        assert r["cost_usd"]["total"] > 0 and r["cost_per_1000_docs_usd"] > 0, f"{r['pattern']}: expected a positive cost"
        total = sum(v for k, v in r["cost_usd"].items() if k != "total")
        assert r["cost_usd"]["total"] == pytest.approx(total, rel=1e-9), f"{r['pattern']}: expected total = sum of components"
    arrived = {r["docs_arrived"] for r in data}
    assert len(arrived) == 1, f"expected every pattern to see the same documents, got {arrived}"
    by = {r["pattern"]: r for r in data}
    assert by["sfn-standard"]["state_transitions"] > 0 and by["sfn-express"]["state_transitions"] == 0, (
        "expected transitions only under sfn-standard"
    )
    assert by["sfn-express"]["cost_usd"]["express_duration"] > 0, "expected Express duration billed under sfn-express"


def test_pattern_option_selects_patterns(runs: dict[str, Any]) -> None:
    data = rows(runs["two-json"])
    assert [r["pattern"] for r in data] == ["sfn-standard", "sfn-express"], (
        f"expected exactly the two chosen patterns, got {[r['pattern'] for r in data]}"
    )
    full = {r["pattern"]: r for r in rows(runs["all-json"])}
    for r in data:
        assert r == full[r["pattern"]], f"{r['pattern']}: expected the same figures as when run with all four"


def test_human_output_has_one_column_per_pattern(runs: dict[str, Any]) -> None:
    out = runs["table"].stdout
    lines = out.splitlines()
    header = next((ln for ln in lines if all(p in ln for p in PATTERNS)), None)
    assert header is not None, f"expected a header line naming the four patterns, got:\n{out}"
    assert header.split() == list(PATTERNS), f"expected the header to be the four pattern names, got {header.split()}"
    arrived = next(ln for ln in lines if ln.startswith("documents arrived"))
    cells = arrived[len("documents arrived"):].split()
    assert len(cells) == 4, f"expected one value per pattern on 'documents arrived', got {cells}"
    total = next(ln for ln in lines if ln.startswith("total $/month"))
    assert len(total[len("total $/month"):].split()) == 4, "expected one total per pattern"
    assert "1 h simulated" in out, "expected the title to state the simulated window"


def test_seed_option(runs: dict[str, Any]) -> None:
    a, again, b = rows(runs["seed-7"]), rows(runs["seed-7-again"]), rows(runs["seed-8"])
    assert a == again, "expected the same --seed to repeat every number"
    assert all(r["seed"] == 7 for r in a), "expected --seed 7 to be reported in each object"
    assert a != b, "expected a different --seed to change the numbers"
    assert [r["docs_arrived"] for r in a] != [r["docs_arrived"] for r in b] or [
        r["billed_gb_s"] for r in a
    ] != [r["billed_gb_s"] for r in b], "expected a different seed to change arrivals or billed GB-s"
