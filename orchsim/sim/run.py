"""Run one scenario under one or more patterns with SimPy, meter the run, then price it.

The SimPy run only meters (window :class:`~orchsim.aws.metering.Metering` and the wasted part of
it); :func:`orchsim.sim.result.price_window` prices that afterwards, so
:meth:`SimulationResult.priced` re-prices a result with another price book without simulating.

Example (the seed article's 5-step pipeline for one simulated hour):

>>> from orchsim import load_scenario
>>> sc = load_scenario("seed-article").with_overrides({"window_hours": 0.25})
>>> res = simulate(sc, "sfn-standard", detail=False)
>>> res.summary.state_transitions == 5 * (res.summary.docs_arrived - res.summary.docs_in_flight)
True
>>> res.cost.total_usd > 0
True
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from orchsim.aws.durable import KB_PER_GB
from orchsim.aws.metering import Metering, Waste
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.aws.rules import PAYLOAD_LIMIT_KB, BillingRules, express_gb_hours
from orchsim.errors import InputError
from orchsim.model.scenario import Pattern, Scenario, check_pattern
from orchsim.model.workflow import pattern_support
from orchsim.sim.budget import DETAIL_DOCS, RunBudget, check_budget, estimate_run
from orchsim.sim.patterns import chain_async, chain_sync, durable, graph, sfn
from orchsim.sim.patterns.base import (
    FAILED,
    IN_FLIGHT,
    LOST,
    OUTCOME_NAMES,
    RESULT_NAMES,
    SPAN_KINDS,
    SUCCEEDED,
    Context,
)
from orchsim.sim.result import Latency, SimulationResult, Summary, price_window

__all__ = ["simulate", "simulate_patterns", "check_pattern", "pattern_support", "PATTERN_STARTERS"]

PATTERN_STARTERS: dict[str, Callable[[Context], None]] = {
    "lambda-chain-sync": chain_sync.start,
    "lambda-chain-async": chain_async.start,
    "sfn-standard": sfn.start_standard,
    "sfn-express": sfn.start_express,
}


def simulate(
    scenario: Scenario,
    pattern: str,
    *,
    replication: int = 0,
    prices: str | PriceBook | None = None,
    detail: bool = True,
    detail_docs: int = DETAIL_DOCS,
    budget: RunBudget | None = None,
    force: bool = False,
    progress: Callable[[float], None] | None = None,
) -> SimulationResult:
    """Simulate ``scenario`` under ``pattern`` for its window, meter it, and price the metered month.

    Parameters
    ----------
    scenario
        The validated scenario (seed, window, workload, pipeline, platform).
    pattern
        One of ``lambda-chain-sync``, ``lambda-chain-async``, ``sfn-standard``, ``sfn-express``.
    replication
        Replication index: (seed, replication) selects the random streams.
    prices
        Price file or :class:`PriceBook` (default: the shipped one). Its billing rules
        (``book.rules``: rounding, Express chunk and limit, included storage) meter the run; its
        prices price it.
    detail
        Keep the per-document table and the per-invocation table (of at most ``detail_docs``
        documents, every k-th; ``invocations_every`` on the result says k); ``False`` keeps
        aggregates only.
    detail_docs
        With ``detail``, the most documents whose every invocation attempt is kept (>= 1).
    budget
        Memory and time the run may take (default :class:`RunBudget`: 2 GB, 10 minutes); a run
        estimated over it is refused before anything is allocated (:func:`estimate_run`).
    force
        Run even when the estimate is over ``budget``.
    progress
        Called with the fraction of the window simulated (0-1], a hundred times a run; the numbers
        are the same with or without it.

    Returns
    -------
    SimulationResult
        Window metering, monthly cost, typed summary and (with ``detail``) tidy tables.

    Raises
    ------
    InputError
        For an unknown pattern, a negative or non-integer ``replication``, a region the price
        book does not price, or ``detail_docs`` < 1.
    RunTooLarge
        (an :class:`InputError`) When the run is estimated over ``budget`` and not ``force``.
    """
    name = check_pattern(pattern)
    check_replication(replication)
    check_detail_docs(detail_docs)
    book = load_price_book(prices)
    book.check_region(scenario.region)
    check_budget(estimate_run(scenario, [name], detail=detail, detail_docs=detail_docs), budget or RunBudget(), scenario, force=force)
    rules = book.rules
    orchestrator = None
    if name == "lambda-durable":  # one durable function runs the workflow (a linear pipeline written as one)
        scenario = scenario.as_workflow()
        orchestrator = scenario.durable_plan()[0]
    ctx = Context(scenario, replication, detail=detail, rules=rules, detail_docs=detail_docs, orchestrator=orchestrator)
    ctx.rec.payload_limit_kb = PAYLOAD_LIMIT_KB[name]
    if name == "lambda-durable":
        durable.start(ctx)
    elif ctx.workflow is not None:
        graph.start(ctx, name)
    else:
        PATTERN_STARTERS[name](ctx)
    # The model allocates many short-lived objects and makes no reference cycles, so reference
    # counting frees them all; pausing the cyclic collector spares its repeated full passes.
    paused = gc.isenabled()
    gc.disable()
    try:
        if progress is None:
            ctx.env.run(until=ctx.window_s)
        else:
            # Stopping at a slice boundary only inserts a stop event; the model's events keep
            # their order, so the run is the same as in one go.
            for i in range(1, 101):
                ctx.env.run(until=ctx.window_s * i / 100)
                progress(i / 100)
    finally:
        if paused:
            gc.enable()
    return _result(ctx, name, book, rules)


def simulate_patterns(
    scenario: Scenario,
    patterns: Sequence[str] | None = None,
    *,
    replication: int = 0,
    prices: str | PriceBook | None = None,
    detail: bool = True,
    detail_docs: int = DETAIL_DOCS,
    budget: RunBudget | None = None,
    force: bool = False,
    progress: Callable[[float], None] | None = None,
) -> list[SimulationResult]:
    """:func:`simulate` for each pattern (same seed, same documents, same draws).

    Parameters
    ----------
    scenario
        The validated scenario.
    patterns
        Pattern names, checked before anything runs (default: every pattern that can run the
        scenario's pipeline, :func:`pattern_support`: all five for a linear pipeline).
    replication
        Replication index.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).
    detail
        Keep the per-document and per-invocation tables.
    detail_docs
        With ``detail``, the most documents whose invocations are kept, per run.
    budget
        Memory and time all the runs together may take (default :class:`RunBudget`).
    force
        Run even when the estimate is over ``budget``.
    progress
        Called with the fraction of all the runs done (0-1].

    Returns
    -------
    list of SimulationResult
        One per pattern, in order.

    Raises
    ------
    RunTooLarge
        (an :class:`InputError`) When the runs together are estimated over ``budget``.
    """
    if patterns is None:
        patterns = [p for p, why in pattern_support(scenario).items() if not why]
    names = [check_pattern(p) for p in patterns]
    check_replication(replication)
    check_detail_docs(detail_docs)
    book = load_price_book(prices)
    book.check_region(scenario.region)
    check_budget(estimate_run(scenario, names, detail=detail, detail_docs=detail_docs), budget or RunBudget(), scenario, force=force)
    out = []
    for j, p in enumerate(names):
        step = None if progress is None else (lambda f, j=j: progress((j + f) / len(names)))  # type: ignore[misc]
        out.append(simulate(scenario, p, replication=replication, prices=book, detail=detail, detail_docs=detail_docs,
                            force=True, progress=step))
    return out


def check_detail_docs(detail_docs: object) -> int:
    """``detail_docs`` if it is an integer >= 1; otherwise :class:`InputError`.

    Parameters
    ----------
    detail_docs
        The most documents whose invocations a detailed run keeps.

    Returns
    -------
    int
        ``detail_docs``.
    """
    if isinstance(detail_docs, np.integer):
        detail_docs = int(detail_docs)
    if not isinstance(detail_docs, int) or isinstance(detail_docs, bool) or detail_docs < 1:
        raise InputError("detail_docs", f"must be an integer >= 1 (got {detail_docs!r})")
    return detail_docs


def check_replication(replication: object, field: str = "replication") -> int:
    """``replication`` if it is an integer >= 0; otherwise :class:`InputError` naming ``field``.

    Parameters
    ----------
    replication
        A replication index (with the scenario's seed it selects the random streams).
    field
        The parameter name the error names.

    Returns
    -------
    int
        ``replication``.
    """
    if isinstance(replication, np.integer):
        replication = int(replication)
    if not isinstance(replication, int) or isinstance(replication, bool) or replication < 0:
        raise InputError(field, f"must be an integer >= 0 (got {replication!r})")
    return replication


def _wasted_tokens(tokens: tuple[Any, Any], failed: tuple[Any, Any], bad: np.ndarray) -> tuple[float, float]:
    """(input, output) tokens wasted: all of the failed or lost documents', the failed attempts' of the others."""
    out = []
    for every, lost in zip(tokens, failed, strict=True):
        a, b = np.frombuffer(every, dtype=np.float64), np.frombuffer(lost, dtype=np.float64)
        out.append(float(a[bad].sum() + b[~bad].sum()))
    return out[0], out[1]


def _with_traces(calls: dict[str, int], ctx: Context, pattern: str) -> dict[str, float]:
    """Service calls plus X-Ray's traces: one per traced document that arrived (the sampled share,
    taken as its expected count so the same documents give the same bill)."""
    out: dict[str, float] = dict(calls)
    rate = ctx.scenario.observability.xray_rate(pattern)
    if rate > 0 and ctx.n_docs:
        out["xray:putTraceSegments"] = out.get("xray:putTraceSegments", 0.0) + rate * ctx.n_docs
    return out


DURABLE_PREFIX = "lambda:durable"
"""Service keys of a durable function's own quantities (operations, data): not calls to other services."""


def _durable_data(rec: Any) -> dict[str, float]:
    """A durable function's data written and retained, as the quantities its service keys price."""
    if not (rec.durable_kb or rec.durable_gb_months):
        return {}
    return {"lambda:durableDataRetainedGbMonths": float(rec.durable_gb_months),
            "lambda:durableDataWrittenGb": float(rec.durable_kb) / KB_PER_GB}


def _result(ctx: Context, pattern: Pattern, book: PriceBook, rules: BillingRules) -> SimulationResult:
    sc = ctx.scenario
    pattern_name = str(pattern)
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
        express_gb_hours=float(express_gb_hours(rec.express_billed_ms_mb, 1.0)),
        logs_gb=(rec.log_bytes + invocations * sc.observability.lambda_log_bytes(pattern_name, sc)) / 1e9,  # Express + the functions' own
        service_calls={k: float(v) for k, v in sorted(_with_traces(rec.service_calls, ctx, pattern_name).items())} | _durable_data(rec),
        model_tokens={m: (float(sum(i)), float(sum(o))) for m, (i, o) in rec.doc_tokens.items()},
    )
    docs = rec.doc_table()
    outcome = docs["outcome"]
    n = ctx.n_docs
    counts = np.bincount(outcome, minlength=4) if n else np.zeros(4, dtype=int)
    ok = outcome == SUCCEEDED
    latency_ms = (docs["end_s"][ok] - ctx.arrivals[ok]) * 1000.0
    pct = np.percentile(latency_ms, [50, 95, 99]) if latency_ms.size else [np.nan] * 3
    bad = (outcome == FAILED) | (outcome == LOST)
    waste = Waste(
        lambda_gb_s=float(docs["gb_s"][bad].sum() + docs["waste_gb_s"][~bad].sum()),
        lambda_requests=float(docs["invocations"][bad].sum() + docs["waste_invocations"][~bad].sum()),
        sfn_transitions=float(docs["transitions"][bad].sum()),
        share_docs_bad=float(bad.sum()) / n if n else 0.0,
        model_tokens={m: _wasted_tokens(rec.doc_tokens[m], rec.doc_waste_tokens[m], bad) for m in rec.doc_tokens},
    )
    monthly, cost, figures = price_window(sc, window, waste, n, book)
    finished = n - int(counts[IN_FLIGHT])
    ended = outcome != IN_FLIGHT
    mean_ms = float(np.mean((docs["end_s"][ended] - ctx.arrivals[ended]) * 1000.0)) if finished else float("nan")

    def per_doc(total: float) -> float:
        return total / finished if finished else float("nan")

    summary = Summary(
        scenario=sc.name,
        pattern=pattern,
        seed=sc.seed,
        replication=ctx.replication,
        window_hours=sc.window_hours,
        docs_arrived=n,
        docs_succeeded=int(counts[SUCCEEDED]),
        docs_failed=int(counts[FAILED]),
        docs_lost=int(counts[LOST]),
        docs_in_flight=int(counts[IN_FLIGHT]),
        duplicates=rec.duplicates,
        throughput_docs_per_s=float(counts[SUCCEEDED]) / ctx.window_s,
        lambda_invocations=invocations,
        lambda_throttles=ctx.platform.throttles,
        cold_starts=ctx.platform.cold_starts,
        orphaned_invocations=rec.orphaned,
        sdk_read_timeouts=rec.read_timeouts,
        peak_concurrency=ctx.platform.peak,
        state_transitions=rec.transitions,
        express_executions=rec.express_requests,
        billed_gb_s=gb_s_x86 + gb_s_arm,
        latency_ms=Latency(float(pct[0]), float(pct[1]), float(pct[2])),
        docs_per_day=sc.workload.docs_per_day,
        steps=len(steps),
        latency_mean_ms=mean_ms,
        lambda_invocations_per_doc=per_doc(invocations),
        billed_gb_s_per_doc=per_doc(gb_s_x86 + gb_s_arm),
        state_transitions_per_doc=per_doc(rec.transitions),
        express_executions_per_doc=per_doc(rec.express_requests),
        cold_starts_per_doc=per_doc(ctx.platform.cold_starts),
        duplicates_per_doc=per_doc(rec.duplicates),
        share_succeeded=per_doc(int(counts[SUCCEEDED])),
        share_failed=per_doc(int(counts[FAILED])),
        share_lost=per_doc(int(counts[LOST])),
        service_calls=dict(window.service_calls),
        service_calls_per_doc=per_doc(sum(v for k, v in window.service_calls.items() if not k.startswith(DURABLE_PREFIX))),
        durable_operations=float(window.service_calls.get(durable.OPERATIONS_KEY, 0.0)),
        durable_operations_per_doc=per_doc(float(window.service_calls.get(durable.OPERATIONS_KEY, 0.0))),
        durable_data_written_gb=float(window.service_calls.get("lambda:durableDataWrittenGb", 0.0)),
        unpriced_service_calls=dict(cost.to_dict().get("unpriced_service_calls", {})),  # type: ignore[call-overload]
        model_tokens={m: {"input": i, "output": o} for m, (i, o) in window.model_tokens.items()},
        model_input_tokens_per_doc=per_doc(sum(i for i, _ in window.model_tokens.values())),
        model_output_tokens_per_doc=per_doc(sum(o for _, o in window.model_tokens.values())),
        model_throttles=dict(rec.model_throttles),
        **figures,
    )
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
        cols = rec.rows.arrays()
        inv = pd.DataFrame(
            {
                "doc": cols["doc"],
                "step_index": cols["step_index"],
                "start_s": cols["start_s"],
                "end_s": cols["end_s"],
                "billed_ms": cols["billed_ms"],
                "cold": cols["cold"],
                "result": pd.Categorical.from_codes(cols["result"].astype(np.int64), categories=pd.Index(RESULT_NAMES)),
                "orphan": cols["orphan"],
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
    return SimulationResult(
        sc, pattern, ctx.replication, window, monthly, cost, summary, documents, invocations_df, rules=rules, waste=waste,
        invocations_every=rec.detail_every, by_state=_by_state(ctx), spans=_spans(ctx, pattern), by_step=_by_step(ctx),
    )


def _by_step(ctx: Context) -> pd.DataFrame:
    """Window metering per step (Lambda function)."""
    rec = ctx.rec
    return pd.DataFrame({
        "step": [s.name for s in ctx.steps],
        "invocations": rec.step_invocations,
        "billed_gb_s": [ms * g for ms, g in zip(rec.step_billed_ms, rec.gb_per_ms, strict=True)],
    })


def _spans(ctx: Context, pattern: str) -> pd.DataFrame | None:
    """An imported workflow's kept history: one row per state activity (None without detail)."""
    rec = ctx.rec
    if ctx.workflow is None or not rec.detail:
        return None
    sp = rec.spans
    states = list(rec.state_ids)
    lanes = list(rec.lanes)
    return pd.DataFrame({
        "doc": np.frombuffer(sp.doc, dtype=np.int64),
        "state": pd.Categorical.from_codes(np.frombuffer(sp.state, dtype=np.int32).astype(np.int64), categories=pd.Index(states))
        if states else pd.Categorical([]),
        "lane": pd.Categorical.from_codes(np.frombuffer(sp.lane, dtype=np.int32).astype(np.int64), categories=pd.Index(lanes)),
        "start_s": np.frombuffer(sp.start_s, dtype=np.float64),
        "end_s": np.frombuffer(sp.end_s, dtype=np.float64),
        "kind": pd.Categorical.from_codes(np.frombuffer(sp.kind, dtype=np.int8).astype(np.int64), categories=pd.Index(SPAN_KINDS)),
        "result": pd.Categorical.from_codes(np.frombuffer(sp.result, dtype=np.int8).astype(np.int64),
                                            categories=pd.Index(RESULT_NAMES)),
        "cold": np.frombuffer(sp.cold, dtype=np.int8).astype(bool),
        "pattern": pattern,
    })


def _by_state(ctx: Context) -> pd.DataFrame | None:
    """Window metering per state of an imported workflow (None for a linear pipeline)."""
    wf = ctx.workflow
    if wf is None:
        return None
    rec = ctx.rec
    rows = []
    # A durable function's compute is shared out by each state's work inside its invocations (its INIT,
    # replays and rounding in proportion); its own invocations belong to no state (summary, by_step)
    inline = sum(rec.state_ms.values())
    kd = len(ctx.steps) - 1
    orchestrator_gb_s = rec.step_billed_ms[kd] * rec.gb_per_ms[kd] if inline else 0.0
    for st in wf.definition.walk():
        tp = wf.tasks.get(st.name)
        k = tp.index if tp is not None else None
        share = orchestrator_gb_s * rec.state_ms.get(st.name, 0.0) / inline if inline else 0.0
        rows.append({
            "state": st.name,
            "type": st.type,
            "kind": st.kind or "",
            "invocations": rec.step_invocations[k] if k is not None else 0,
            "billed_gb_s": (rec.step_billed_ms[k] * rec.gb_per_ms[k] if k is not None else 0.0) + share,
            "transitions": rec.state_transitions.get(st.name, 0),
            "service_calls": rec.state_calls(st.name)[0],
            "service_keys": ",".join(rec.state_calls(st.name)[1]),
        })
    return pd.DataFrame(rows)
