"""``orchsim simulate``: JSON shape, pattern selection, the table's columns, the seed option (a
different seed changes the numbers; the same seed repeats them), and a shipped scenario given by name.

The commands run in process through ``orchsim.cli.main`` (conftest ``cli``); one smoke test runs the
real ``orchsim`` entry point as a subprocess.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pytest
from conftest import CliResult, cli, run_orchsim

from orchsim.model.scenario import PATTERNS
from orchsim.resources import scenario_path

SEED = str(scenario_path("seed-article"))  # an absolute path to the shipped file

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
    "by-name": ["simulate", "seed-article", "--window-hours", "0.5", "--seed", "7", "--pattern", "lambda-chain-async", "--json"],
    "seed-7": ["simulate", SEED, "--window-hours", "0.5", "--seed", "7", "--pattern", "lambda-chain-async", "--json"],
    "seed-7-again": ["simulate", SEED, "--window-hours", "0.5", "--seed", "7", "--pattern", "lambda-chain-async", "--json"],
    "seed-8": ["simulate", SEED, "--window-hours", "0.5", "--seed", "8", "--pattern", "lambda-chain-async", "--json"],
}


@functools.cache
def ran(name: str) -> CliResult:
    """``orchsim`` with ``RUNS[name]``, run in process once per (xdist worker) process."""
    res = cli(*RUNS[name])
    assert res.exit_code == 0, f"{name}: expected exit status 0, got {res.exit_code}; stderr:\n{res.stderr}"
    assert res.stderr == "", f"{name}: expected nothing on stderr, got:\n{res.stderr}"
    return res


def rows(result: Any) -> list[dict[str, Any]]:
    """The JSON list printed on ``result.stdout`` (a :class:`CliResult` or a completed process)."""
    data = json.loads(result.stdout)
    assert isinstance(data, list), f"expected a JSON list, got {type(data).__name__}"
    return data


def test_json_has_one_object_per_pattern() -> None:
    data = rows(ran("all-json"))
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


def test_pattern_option_selects_patterns() -> None:
    data = rows(ran("two-json"))
    assert [r["pattern"] for r in data] == ["sfn-standard", "sfn-express"], (
        f"expected exactly the two chosen patterns, got {[r['pattern'] for r in data]}"
    )
    full = {r["pattern"]: r for r in rows(ran("all-json"))}
    for r in data:
        assert r == full[r["pattern"]], f"{r['pattern']}: expected the same figures as when run with all four"


def test_human_output_has_one_column_per_pattern() -> None:
    out = ran("table").stdout
    lines = out.splitlines()
    header = next((ln for ln in lines if all(p in ln for p in PATTERNS)), None)
    assert header is not None, f"expected a header line naming the five patterns, got:\n{out}"
    assert header.split() == list(PATTERNS), f"expected the header to be the five pattern names, got {header.split()}"
    arrived = next(ln for ln in lines if ln.startswith("documents arrived"))
    cells = arrived[len("documents arrived"):].split()
    assert len(cells) == 5, f"expected one value per pattern on 'documents arrived', got {cells}"
    total = next(ln for ln in lines if ln.startswith("total $/month"))
    assert len(total[len("total $/month"):].split()) == 5, "expected one total per pattern"
    assert "1 h simulated" in out, "expected the title to state the simulated window"


def test_seed_option() -> None:
    a, again, b = rows(ran("seed-7")), rows(ran("seed-7-again")), rows(ran("seed-8"))
    assert a == again, "expected the same --seed to repeat every number"
    assert all(r["seed"] == 7 for r in a), "expected --seed 7 to be reported in each object"
    assert a != b, "expected a different --seed to change the numbers"
    assert [r["docs_arrived"] for r in a] != [r["docs_arrived"] for r in b] or [
        r["billed_gb_s"] for r in a
    ] != [r["billed_gb_s"] for r in b], "expected a different seed to change arrivals or billed GB-s"


def test_shipped_scenario_by_name() -> None:
    """``orchsim simulate seed-article`` finds the shipped file (the same figures as its path)."""
    assert rows(ran("by-name")) == rows(ran("seed-7")), "expected the shipped scenario's name to run the same file"


def test_real_entry_point_smoke() -> None:
    """The one real process: ``python -m orchsim.cli`` prints what ``main()`` prints in process."""
    proc = run_orchsim(*RUNS["seed-7"])
    assert proc.returncode == 0, f"expected exit status 0, got {proc.returncode}; stderr:\n{proc.stderr}"
    assert proc.stderr == "", f"expected nothing on stderr, got:\n{proc.stderr}"
    assert rows(proc) == rows(ran("seed-7")), "expected the subprocess to print the in-process JSON"
