"""Invariants of the simulation engine over random small scenarios (hypothesis), for all four patterns.

Rules: /work/shared/DESIGN.md "Modelling rules". Every arrived document ends in exactly one outcome;
every cost component is >= 0; an invocation bills at least the time it ran, in whole milliseconds;
throttled attempts are not billed; Standard counts one transition per Task attempt (retries and
throttled attempts included); Express counts one request per execution (duplicates included).

What is metered at the window's end: an invocation or an Express execution still running when the
window closes is not metered (it has no billed duration yet), so the checks that count executions or
invocations per document only use documents that are no longer ``in_flight``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchsim.aws.cost import COMPONENTS
from orchsim.aws.rules import failure_outcome_recorded
from orchsim.model.scenario import PATTERNS, scenario_from_dict
from orchsim.sim.run import simulate

OUTCOMES = ("succeeded", "failed", "lost", "in_flight")

# Deterministic runs that leave no .hypothesis/ folder behind; no deadline (no timing assertions).
PROPS = settings(
    max_examples=25, deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


# --- a strategy for small valid scenarios -----------------------------------------------------------

durations = st.one_of(
    st.builds(lambda ms: {"dist": "fixed", "ms": ms}, st.floats(10, 3000)),
    st.builds(lambda m: {"dist": "exponential", "mean_ms": m}, st.floats(10, 3000)),
    st.builds(
        lambda med, f: {"dist": "lognormal", "median_ms": med, "p95_ms": min(med * f, 3000.0)},
        st.floats(10, 1000),
        st.floats(1.0, 3.0),
    ),
)


@st.composite
def steps(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(1, 4))
    out = []
    for i in range(n):
        fatal = draw(st.floats(0, 0.3))
        out.append(
            {
                "name": f"s{i + 1}",
                "memory_mb": draw(st.sampled_from([128, 512, 1024, 1769, 3008])),
                "arch": draw(st.sampled_from(["x86_64", "arm64"])),
                "duration": draw(durations),
                "init_ms": draw(st.sampled_from([0.0, 100.0, 250.0, 900.0])),
                "timeout_s": draw(st.floats(1, 60)),
                "error_rate": draw(st.floats(0, 0.3)),
                "fatal_error_rate": fatal,
                "ephemeral_storage_mb": draw(st.sampled_from([512, 2048])),
            }
        )
    return out


keep_alives = st.one_of(
    st.floats(0, 600),
    st.builds(lambda lo, span: {"low_s": lo, "high_s": lo + span}, st.floats(0, 400), st.floats(0, 200)),
)


@st.composite
def scenario_dicts(draw: st.DrawFn) -> dict[str, Any]:
    """Small valid scenario mappings: 1-4 steps, 200-20,000 documents/day, 0.1-1 h windows (up to ~830
    documents: enough for throttles, retries and in-flight work at the window's end)."""
    return {
        "name": "hyp",
        "seed": draw(st.integers(0, 2**32)),
        "window_hours": draw(st.floats(0.1, 1.0)),
        "workload": {
            "docs_per_day": draw(st.floats(200, 20_000)),
            "arrival": draw(st.sampled_from(["poisson", "uniform", "diurnal", "burst"])),
            "trigger": draw(st.sampled_from(["async", "sync"])),
        },
        "pipeline": {"steps": draw(steps())},
        "retry": {
            "max_attempts": draw(st.integers(0, 3)),
            "interval_s": draw(st.sampled_from([1, 2])),
            "backoff_rate": draw(st.sampled_from([1.0, 2.0])),
            "max_delay_s": draw(st.sampled_from([None, 2])),
            "jitter": draw(st.sampled_from(["none", "full"])),
        },
        "lambda": {
            "concurrency_limit": draw(st.integers(1, 50)),
            "scaling_per_10s": draw(st.sampled_from([1, 5, 1000])),
            "keep_alive_s": draw(keep_alives),
            "sdk_max_attempts": draw(st.integers(1, 4)),
            "invoke_overhead_ms": draw(st.sampled_from([0.0, 25.0])),
        },
        "chain": {
            "sync_retry": draw(st.sampled_from(["none", "policy"])),
            "async_max_retries": draw(st.integers(0, 2)),
            "async_max_event_age_s": draw(st.sampled_from([60.0, 600.0, 21_600.0])),
            "dead_letter": draw(st.booleans()),
        },
        "step_functions": {
            "transition_latency_ms": draw(st.sampled_from([0.0, 20.0])),
            "express_duplicate_rate": draw(st.floats(0, 0.2)),
            "express_logging": draw(st.booleans()),
        },
    }


def run_all(data: dict[str, Any]) -> dict[str, Any]:
    sc = scenario_from_dict(data)
    return {p: simulate(sc, p) for p in PATTERNS}


# --- the properties ---------------------------------------------------------------------------------


def check_conservation(res: Any) -> None:
    s = res.summary
    docs = res.documents
    counts = {o: getattr(s, f"docs_{o}") for o in OUTCOMES}
    assert sum(counts.values()) == s.docs_arrived, (
        f"{res.pattern}: expected outcome counts {counts} to add up to docs_arrived={s.docs_arrived}"
    )
    assert len(docs) == s.docs_arrived, f"{res.pattern}: expected one documents row per arrived document"
    assert docs["doc"].is_unique, f"{res.pattern}: expected each document exactly once in the documents table"
    vc = docs["outcome"].value_counts()
    assert set(docs["outcome"].astype(str).unique()) <= set(OUTCOMES), f"{res.pattern}: unexpected outcome names"
    for o in OUTCOMES:
        assert int(vc.get(o, 0)) == counts[o], (
            f"{res.pattern}: expected documents table count of {o} == summary docs_{o}={counts[o]}, got {vc.get(o, 0)}"
        )
    done = docs["outcome"] != "in_flight"
    assert docs.loc[done, "end_s"].notna().all(), f"{res.pattern}: expected every finished document to have an end_s"
    assert (docs.loc[done, "end_s"] >= docs.loc[done, "arrival_s"] - 1e-9).all(), (
        f"{res.pattern}: expected end_s >= arrival_s for finished documents"
    )
    assert docs.loc[~done, "end_s"].isna().all(), f"{res.pattern}: expected in_flight documents to have no end_s"


def check_costs(res: Any) -> None:
    cost = res.summary.cost_usd
    for comp in (*COMPONENTS, "total"):
        assert cost[comp] >= 0, f"{res.pattern}: expected cost component {comp} >= 0, got {cost[comp]}"
    for li in res.cost.line_items:
        assert li.usd >= 0 and li.quantity >= 0, f"{res.pattern}: expected line item {li.name} >= 0, got {li}"
    assert res.summary.wasted_usd >= -1e-12, f"{res.pattern}: expected wasted_usd >= 0"
    assert res.summary.wasted_usd <= cost["total"] + 1e-9, f"{res.pattern}: expected wasted_usd <= total cost"


def check_billing(res: Any) -> None:
    inv = res.invocations
    s = res.summary
    throttled = inv["result"] == "throttled"
    ran = inv[~throttled]
    billed = ran["billed_ms"].to_numpy()
    if len(inv):  # an empty table's dtypes: see test_empty_run_keeps_typed_tables
        assert np.issubdtype(inv["billed_ms"].dtype, np.integer), (
            f"{res.pattern}: expected billed_ms to be integer milliseconds, got dtype {inv['billed_ms'].dtype}"
        )
    ran_ms = (ran["end_s"] - ran["start_s"]).to_numpy() * 1000.0
    bad = billed < ran_ms - 1e-6
    assert not bad.any(), (
        f"{res.pattern}: expected billed_ms >= (end_s - start_s) * 1000 per invocation; "
        f"violations: {ran[bad].head().to_dict('records')}"
    )
    assert (billed >= 1).all(), f"{res.pattern}: expected every billed invocation to bill >= 1 ms"
    assert (billed <= np.ceil(ran_ms - 1e-6) + 1).all(), (
        f"{res.pattern}: expected billed_ms to be the running time rounded up to 1 ms"
    )
    assert (inv.loc[throttled, "billed_ms"] == 0).all(), f"{res.pattern}: expected throttled rows to bill 0 ms"
    assert (~inv.loc[throttled, "cold"].astype(bool)).all(), f"{res.pattern}: expected throttled rows not cold"
    assert int(throttled.sum()) == s.lambda_throttles, (
        f"{res.pattern}: expected one throttled row per throttle: {int(throttled.sum())} rows vs "
        f"summary lambda_throttles={s.lambda_throttles}"
    )
    assert len(ran) == s.lambda_invocations, (
        f"{res.pattern}: expected lambda_invocations={s.lambda_invocations} == billed invocation rows {len(ran)}"
    )
    assert int(res.documents["attempts"].sum()) == s.lambda_invocations, (
        f"{res.pattern}: expected documents.attempts to add up to lambda_invocations"
    )
    assert res.metering.lambda_requests == len(ran), (
        f"{res.pattern}: expected metered Lambda requests {res.metering.lambda_requests} == the {len(ran)} "
        "non-throttled rows of the invocations table"
    )
    assert np.isclose(ran["billed_gb_s"].sum(), s.billed_gb_s, rtol=1e-9, atol=1e-9), (
        f"{res.pattern}: expected the invocations' billed_gb_s to add up to summary billed_gb_s"
    )
    assert np.isclose(res.documents["billed_gb_s"].sum(), s.billed_gb_s, rtol=1e-9, atol=1e-9), (
        f"{res.pattern}: expected the documents' billed_gb_s to add up to summary billed_gb_s"
    )
    assert s.cold_starts >= int(ran["cold"].sum()), (
        f"{res.pattern}: expected cold_starts >= cold rows (in-flight cold starts are not rows yet)"
    )


def check_platform(res: Any, data: dict[str, Any]) -> None:
    s = res.summary
    limit = data["lambda"]["concurrency_limit"]
    assert s.peak_concurrency <= limit, f"{res.pattern}: expected peak concurrency <= limit {limit}, got {s.peak_concurrency}"
    inv = res.invocations
    arrival = res.documents.set_index("doc")["arrival_s"]
    early = inv["start_s"].to_numpy() < arrival.reindex(inv["doc"]).to_numpy() - 1e-9
    assert not early.any(), f"{res.pattern}: expected no invocation to start before its document arrived"
    window_s = data["window_hours"] * 3600
    assert (inv["end_s"] <= window_s + 1e-6).all(), f"{res.pattern}: expected metered invocations to end within the window"
    if res.pattern == "sfn-express":
        done = res.documents[res.documents["outcome"] != "in_flight"]
        assert (done["latency_ms"] <= 300_000 + 1e-3).all(), (
            "sfn-express: expected no execution to outlive the 5-minute limit"
        )


def check_transitions(res: Any) -> None:
    s = res.summary
    docs = res.documents
    if res.pattern != "sfn-standard":
        assert s.state_transitions == 0, f"{res.pattern}: expected no Standard state transitions"
        assert int(docs["transitions"].sum()) == 0, f"{res.pattern}: expected no per-document transitions"
        return
    assert s.state_transitions >= s.lambda_invocations, (
        f"sfn-standard: expected transitions {s.state_transitions} >= Lambda invocations {s.lambda_invocations}"
    )
    assert int(docs["transitions"].sum()) == s.state_transitions, (
        "sfn-standard: expected per-document transitions to add up to state_transitions"
    )
    # Counted apart from the per-document arrays: every invocation-table row (throttled ones included) is
    # one Task attempt, hence one transition; an in-flight document may have entered one more Task whose
    # attempt has no row yet (waiting for its token, or still running).
    attempt_rows, in_flight = len(res.invocations), s.docs_in_flight
    assert attempt_rows <= res.metering.sfn_transitions <= attempt_rows + in_flight, (
        f"sfn-standard: expected metered transitions {res.metering.sfn_transitions} between the {attempt_rows} "
        f"attempt rows and those plus one per in-flight document ({attempt_rows + in_flight})"
    )
    # No Wait/Choice: one transition per Task attempt, throttled attempts included.
    rows = res.invocations.groupby("doc").size().reindex(docs["doc"], fill_value=0).to_numpy()
    trans = docs["transitions"].to_numpy()
    done = (docs["outcome"] != "in_flight").to_numpy()
    assert (trans[done] == rows[done]).all(), (
        "sfn-standard: expected transitions == attempts (billed + throttled) for every finished document; "
        f"docs {docs['doc'].to_numpy()[done][trans[done] != rows[done]][:5].tolist()} differ"
    )
    assert (trans >= rows).all(), "sfn-standard: expected transitions >= attempt rows for in-flight documents"


def check_express(res: Any, data: dict[str, Any]) -> None:
    s = res.summary
    if res.pattern != "sfn-express":
        assert s.express_executions == 0, f"{res.pattern}: expected no Express executions"
        assert s.duplicates == 0, f"{res.pattern}: expected no duplicate executions"
        return
    started = s.docs_arrived - s.docs_in_flight  # the start bucket (6,000/s) never binds here
    assert s.express_executions == started + s.duplicates, (
        f"sfn-express: expected executions {s.express_executions} == documents that started and ended "
        f"({started}) + duplicates ({s.duplicates})"
    )
    # Counted apart from the executions counter: the finished rows of the documents table (one execution
    # each), plus at most one duplicate per document (async starts only).
    docs = res.documents
    finished = int((docs["outcome"] != "in_flight").sum())
    if data["workload"]["trigger"] == "sync":
        assert s.duplicates == 0, "sfn-express: expected no duplicates with a synchronous start (at-most-once)"
    if data["workload"]["trigger"] == "sync" or data["step_functions"]["express_duplicate_rate"] == 0:
        assert res.metering.express_requests == finished, (
            f"sfn-express: expected metered Express requests {res.metering.express_requests} == the {finished} "
            "finished documents (no duplicates)"
        )
    else:
        assert finished <= res.metering.express_requests <= finished + len(docs), (
            f"sfn-express: expected metered Express requests {res.metering.express_requests} between the {finished} "
            f"finished documents and those plus one duplicate per document ({finished + len(docs)})"
        )
    if s.express_executions:
        assert res.metering.express_gb_hours > 0, "sfn-express: expected billed Express duration"


def check_lost(res: Any, data: dict[str, Any]) -> None:
    """``lost`` only where nothing records a failure (DESIGN "Documents and outcomes")."""
    s = res.summary
    # The one rule (orchsim.aws.rules, tested on its own in test_billing_rules.py); a synchronous
    # chain's errors all reach its first hop, so there "first hop" covers every failure.
    never_lost = failure_outcome_recorded(
        res.pattern,
        trigger_async=data["workload"]["trigger"] == "async",
        dead_letter=data["chain"]["dead_letter"],
        express_logging=data["step_functions"]["express_logging"],
        first_hop=res.pattern == "lambda-chain-sync",
    )
    if never_lost:
        assert s.docs_lost == 0, f"{res.pattern}: expected no lost documents (failures are recorded), got {s.docs_lost}"


@PROPS
@given(scenario_dicts())
def test_invariants_all_patterns(data: dict[str, Any]) -> None:
    results = run_all(data)
    arrivals = None
    for res in results.values():
        check_conservation(res)
        check_costs(res)
        check_billing(res)
        check_transitions(res)
        check_platform(res, data)
        check_express(res, data)
        check_lost(res, data)
        a = res.documents["arrival_s"].to_numpy()
        if arrivals is None:
            arrivals = a
        assert np.array_equal(a, arrivals), f"{res.pattern}: expected the same arrivals as the other patterns"


@PROPS
@given(scenario_dicts())
def test_aggregates_without_detail_match(data: dict[str, Any]) -> None:
    """``detail=False`` keeps the same aggregates (it only drops the tables)."""
    sc = scenario_from_dict(data)
    for p in ("lambda-chain-sync", "sfn-express"):
        full = simulate(sc, p).summary
        lean = simulate(sc, p, detail=False)
        assert lean.documents is None and lean.invocations is None, f"{p}: expected no tables with detail=False"
        counts = {k: v for k, v in full.to_dict().items() if k not in ("latency_ms", "cost_usd")}
        lean_counts = {k: v for k, v in lean.summary.to_dict().items() if k not in ("latency_ms", "cost_usd")}
        assert lean_counts == counts, f"{p}: expected detail=False to give the same summary counts"


def test_empty_run_keeps_typed_tables() -> None:
    """A run with no arrivals still gives tidy, typed (empty) tables and zero counts."""
    res = simulate(scenario_from_dict({"window_hours": 0.001, "workload": {"docs_per_day": 200}}), "sfn-standard")
    assert res.summary.docs_arrived == 0, "expected no arrivals in 3.6 s at 200 documents/day"
    assert res.summary.cost_total_usd == 0, "expected no cost without documents"
    inv = res.invocations
    assert np.issubdtype(inv["billed_ms"].dtype, np.integer), f"expected integer billed_ms, got {inv['billed_ms'].dtype}"
    assert np.issubdtype(inv["start_s"].dtype, np.floating), f"expected float start_s, got {inv['start_s'].dtype}"
