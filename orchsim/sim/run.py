"""Run one scenario under one or more patterns with SimPy, then meter and price the run.

Example (the seed article's 5-step pipeline for one simulated hour)::

    from orchsim import load_scenario, simulate
    sc = load_scenario("data/scenarios/seed-article.yaml").with_overrides({"window_hours": 1})
    res = simulate(sc, "sfn-standard")
    res.summary["state_transitions"]     # 5 per finished document
    res.cost.line_items                  # monthly line items from the price book
    res.documents.outcome.value_counts()
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from orchsim.aws.cost import COMPONENTS, price_metering
from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.aws.rules import to_month
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Scenario
from orchsim.sim.patterns import chain_async, chain_sync, sfn
from orchsim.sim.patterns.base import FAILED, IN_FLIGHT, LOST, OUTCOME_NAMES, RESULT_NAMES, SUCCEEDED, Context
from orchsim.sim.result import SimulationResult

__all__ = ["simulate", "simulate_patterns", "PATTERN_STARTERS"]

PATTERN_STARTERS: dict[str, Callable[[Context], None]] = {
    "lambda-chain-sync": chain_sync.start,
    "lambda-chain-async": chain_async.start,
    "sfn-standard": sfn.start_standard,
    "sfn-express": sfn.start_express,
}


def check_pattern(pattern: str) -> None:
    """Raise :class:`InputError` unless ``pattern`` is one of :data:`orchsim.PATTERNS`."""
    if pattern not in PATTERN_STARTERS:
        raise InputError("pattern", f"unknown pattern {pattern!r}; accepted: {', '.join(PATTERNS)}")


def simulate(
    scenario: Scenario,
    pattern: str,
    *,
    replication: int = 0,
    prices: str | PriceBook | None = None,
    detail: bool = True,
) -> SimulationResult:
    """Simulate ``scenario`` under ``pattern`` for its window and price the metered month.

    Parameters
    ----------
    scenario
        The validated scenario (seed, window, workload, pipeline, platform).
    pattern
        One of ``lambda-chain-sync``, ``lambda-chain-async``, ``sfn-standard``, ``sfn-express``.
    replication
        Replication index: (seed, replication) selects the random streams.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).
    detail
        Keep the per-document and per-invocation tables; ``False`` keeps aggregates only, so memory
        stays bounded on large runs.
    """
    check_pattern(pattern)
    book = load_price_book(prices)
    book.check_region(scenario.region)
    ctx = Context(scenario, replication, detail=detail)
    PATTERN_STARTERS[pattern](ctx)
    # The model allocates many short-lived objects and makes no reference cycles, so reference
    # counting frees them all; pausing the cyclic collector spares its repeated full passes.
    paused = gc.isenabled()
    gc.disable()
    try:
        ctx.env.run(until=ctx.window_s)
    finally:
        if paused:
            gc.enable()
    return _result(ctx, pattern, book)


def simulate_patterns(
    scenario: Scenario,
    patterns: Sequence[str] = PATTERNS,
    *,
    replication: int = 0,
    prices: str | PriceBook | None = None,
    detail: bool = True,
) -> list[SimulationResult]:
    """:func:`simulate` for each pattern (same seed, same documents, same draws)."""
    for p in patterns:
        check_pattern(p)
    return [simulate(scenario, p, replication=replication, prices=prices, detail=detail) for p in patterns]


def _result(ctx: Context, pattern: str, book: PriceBook) -> SimulationResult:
    sc = ctx.scenario
    rec = ctx.rec
    steps = ctx.steps
    gb_s_x86 = sum(rec.step_billed_ms[k] * rec.gb_per_ms[k] for k in range(len(steps)) if rec.x86[k])
    gb_s_arm = sum(rec.step_billed_ms[k] * rec.gb_per_ms[k] for k in range(len(steps)) if not rec.x86[k])
    eph = sum(rec.step_billed_ms[k] * rec.eph_gb_per_ms[k] for k in range(len(steps)))
    invocations = sum(rec.step_invocations)
    window = Metering(
        lambda_requests=float(invocations),
        lambda_gb_s_x86_64=gb_s_x86,
        lambda_gb_s_arm64=gb_s_arm,
        ephemeral_gb_s=eph,
        sfn_transitions=float(rec.transitions),
        express_requests=float(rec.express_requests),
        express_gb_hours=rec.express_billed_ms_mb / 1000.0 / 1024.0 / 3600.0,
        logs_gb=rec.log_bytes / 1e9,
    )
    factor = float(to_month(1.0, sc.window_hours, book.month_hours))
    monthly = window.scaled(factor)
    cost = price_metering(monthly, sc.region, free_tier=sc.free_tier, prices=book)
    by_comp = cost.by_component()

    docs = rec.doc_table()
    outcome = docs["outcome"]
    n = ctx.n_docs
    counts = np.bincount(outcome, minlength=4) if n else np.zeros(4, dtype=int)
    ok = outcome == SUCCEEDED
    latency_ms = (docs["end_s"][ok] - ctx.arrivals[ok]) * 1000.0
    pct = np.percentile(latency_ms, [50, 95, 99]) if latency_ms.size else [np.nan] * 3
    bad = (outcome == FAILED) | (outcome == LOST)
    waste_gb_s = float(docs["gb_s"][bad].sum() + docs["waste_gb_s"][~bad].sum())
    waste_req = float(docs["invocations"][bad].sum() + docs["waste_invocations"][~bad].sum())
    total_gb_s = gb_s_x86 + gb_s_arm
    share_docs_bad = float(bad.sum()) / n if n else 0.0
    waste_trans = float(docs["transitions"][bad].sum())
    wasted = (
        by_comp["lambda_compute"] * (waste_gb_s / total_gb_s if total_gb_s else 0.0)
        + by_comp["lambda_ephemeral"] * (waste_gb_s / total_gb_s if total_gb_s else 0.0)
        + by_comp["lambda_requests"] * (waste_req / invocations if invocations else 0.0)
        + by_comp["sfn_transitions"] * (waste_trans / rec.transitions if rec.transitions else 0.0)
        + (by_comp["express_requests"] + by_comp["express_duration"] + by_comp["logs"]) * share_docs_bad
    )
    docs_month = n * factor
    summary = {
        "scenario": sc.name,
        "pattern": pattern,
        "seed": sc.seed,
        "replication": ctx.replication,
        "window_hours": sc.window_hours,
        "docs_arrived": n,
        "docs_succeeded": int(counts[SUCCEEDED]),
        "docs_failed": int(counts[FAILED]),
        "docs_lost": int(counts[LOST]),
        "docs_in_flight": int(counts[IN_FLIGHT]),
        "duplicates": rec.duplicates,
        "throughput_docs_per_s": float(counts[SUCCEEDED]) / ctx.window_s,
        "lambda_invocations": invocations,
        "lambda_throttles": ctx.platform.throttles,
        "cold_starts": ctx.platform.cold_starts,
        "orphaned_invocations": rec.orphaned,
        "peak_concurrency": ctx.platform.peak,
        "state_transitions": rec.transitions,
        "express_executions": rec.express_requests,
        "billed_gb_s": total_gb_s,
        "latency_ms": {"p50": float(pct[0]), "p95": float(pct[1]), "p99": float(pct[2])},
        "cost_usd": {"total": cost.total_usd, **{c: by_comp[c] for c in COMPONENTS}},
        "cost_per_1000_docs_usd": cost.total_usd / docs_month * 1000.0 if docs_month else float("nan"),
        "wasted_usd": wasted,
        "region": sc.region,
        "price_book_as_of": book.as_of,
    }
    documents = invocations_df = None
    if rec.detail:
        documents = pd.DataFrame(
            {
                "doc": np.arange(n),
                "arrival_s": ctx.arrivals,
                "end_s": docs["end_s"].copy(),
                "outcome": pd.Categorical.from_codes(outcome.astype(np.int64), categories=pd.Index(OUTCOME_NAMES)),
                "attempts": docs["invocations"].copy(),
                "transitions": docs["transitions"].copy(),
                "billed_gb_s": docs["gb_s"].copy(),
                "latency_ms": (docs["end_s"] - ctx.arrivals) * 1000.0,
            }
        )
        names = [s.name for s in steps]
        cols = list(zip(*rec.invocation_rows, strict=True)) if rec.invocation_rows else [()] * 8
        inv = pd.DataFrame(
            {
                "doc": np.asarray(cols[0], dtype=np.int64),
                "step_index": np.asarray(cols[1], dtype=np.int64),
                "start_s": np.asarray(cols[2], dtype=float),
                "end_s": np.asarray(cols[3], dtype=float),
                "billed_ms": np.asarray(cols[4], dtype=np.int64),
                "cold": np.asarray(cols[5], dtype=bool),
                "result": pd.Categorical(list(cols[6]), categories=list(RESULT_NAMES)),
                "orphan": np.asarray(cols[7], dtype=bool),
            }
        )
        inv["step"] = pd.Categorical.from_codes(inv["step_index"].to_numpy(dtype=np.int64), categories=pd.Index(names))
        memory = np.array([s.memory_mb for s in steps], dtype=np.int64)
        inv["memory_mb"] = memory[inv["step_index"].to_numpy()]
        inv["billed_gb_s"] = inv["billed_ms"] / 1000.0 * inv["memory_mb"] / 1024.0
        for frame in (documents, inv):
            frame["scenario"] = sc.name
            frame["pattern"] = pattern
            frame["seed"] = sc.seed
            frame["replication"] = ctx.replication
        invocations_df = inv
    return SimulationResult(sc, pattern, ctx.replication, window, monthly, cost, summary, documents, invocations_df)
