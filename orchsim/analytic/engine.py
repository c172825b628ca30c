"""Analytic engine: closed-form expected metering per document and monthly cost, vectorised.

The engine evaluates many scenario points at once: per-step parameters are arrays of shape
(steps, points), per-point parameters arrays of shape (points,). It meters, with the billing units of a
:class:`~orchsim.aws.rules.BillingRules` (``book.rules``); :func:`orchsim.aws.cost.price_monthly` prices. It agrees with the simulation where there is no contention (see ``tests/``).

Closed forms (per document, expected values; step k reached with probability ``reach_k``):

* Attempts per step under an ASL retrier with MaxAttempts R and transient error rate e:
  ``A = sum_{j=0..R} e**j``; success ``S = (1 - e - f) * A`` (f: fatal rate, not retried).
* Lambda's async retries (r = 0-2) cannot tell error types apart: ``A = sum_{j=0..r} (e+f)**j``.
* Step Functions: invocations = transitions = ``sum_k reach_k * A_k``; Lambda billed for work only.
* Synchronous chain: one attempt of step k lasts its own work plus, when its work succeeds, the
  wall time of calling k+1 (with the caller's retries); every caller is billed for that wait. With
  equal fixed steps of d ms and no errors this bills ``d * n * (n + 1) / 2`` per document.
* Express duration: the execution's wall time (work, cold starts, backoff, ``transition_latency_ms``
  per transition) rounded up to 100 ms, times memory rounded up to 64 MB chunks.

Documented approximations: no contention (no throttling, no queueing for concurrency; use the
simulation for that; :mod:`orchsim.analytic.contention` flags each point whose load exceeds its
limits); a cold start happens with probability ``exp(-rate * (keep_alive + hold))``
(the chance that no environment of the function was released within the keep-alive); rounding
adds half a unit (0.5 ms Lambda, 50 ms Express, from ``rules``) unless every duration is fixed; work past a
function's timeout counts as a transient error billed at the mean work time; callers' own timeouts,
the SDK's read timeout of a synchronous invoke (``sdk_read_timeout_risk`` bounds how often it
fires: Markov's inequality on the mean wall time of the longest synchronous call, that of step 2,
``P(R > T) <= E[R] / T``; use the simulation, which applies it) and the Express 5-minute limit are
not applied (``express_over_limit`` flags mean durations past it);
retry sums are truncated at 100 retries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from orchsim.analytic.coldstart import p_cold_log10, safe_log10
from orchsim.analytic.contention import contention, model_quota_use
from orchsim.analytic.graph import (
    CALLS_PREFIX,
    DURABLE_OPERATIONS,
    DURABLE_RETAINED,
    DURABLE_WRITTEN,
    mixed_per_document,
)
from orchsim.analytic.params import PER_STEP, AnalyticParams, grid_params, params_from_scenarios
from orchsim.analytic.tokens import STEP_INVOCATIONS, linear_tokens, split_calls
from orchsim.aws.cost import COMPONENTS, price_monthly
from orchsim.aws.durable import KB_PER_GB, MONTH_DAYS
from orchsim.aws.metering import account_usage
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.aws.rules import (
    ASYNC_RETRY_DELAYS_S,
    DEFAULT_RULES,
    PAYLOAD_LIMIT_KB,
    BillingRules,
    express_billed_memory_mb,
    express_gb_hours,
    failure_outcome_recorded,
    round_up,
)
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Scenario, check_pattern

__all__ = ["AnalyticParams", "grid_params", "params_from_scenarios", "per_document", "monthly_cost", "estimate"]

Array = NDArray[np.float64]


_MAX_RETRY_TERMS = 100
_CHUNK = 16_384


def _invariant(a: NDArray[Any]) -> bool:
    """True when a per-step array holds the same values for every step."""
    if a.shape[0] == 1 or a.strides[0] == 0:
        return True
    if a.strides[1] == 0:  # one value per step, broadcast over points
        col = a[:, 0]
        return bool(np.all(col == col[0]))
    return bool(np.all(a == a[:1]))


def _geom(x: Array, n: Array) -> Array:
    """sum_{j=0..n} x**j, elementwise (n may be 0)."""
    n = np.minimum(n, _MAX_RETRY_TERMS)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        closed = (1.0 - x ** (n + 1)) / (1.0 - x)
    return np.where(x >= 1.0 - 1e-12, n + 1.0, closed)


class _AslWaits:
    """ASL backoff wait before retry j (s), ``min(interval * rate**(j-1), max_delay)`` halved in
    expectation under FULL jitter, for j = 1..R per point; computed once per evaluation."""

    def __init__(self, p: AnalyticParams) -> None:
        r_max = int(min(np.max(p.retry_max_attempts, initial=0), _MAX_RETRY_TERMS))
        self.terms: list[Array] = []
        for j in range(1, r_max + 1):
            wait = np.minimum(p.retry_interval_s * p.retry_backoff_rate ** (j - 1), p.retry_max_delay_s)
            wait = np.where(p.retry_full_jitter, wait / 2.0, wait)
            self.terms.append(np.where(j <= p.retry_max_attempts, wait, 0.0))

    def expected_ms(self, e: Array) -> Array:
        """Expected total backoff (ms) at one step with transient error rate ``e``: sum_j e**j w_j."""
        total = np.zeros(np.broadcast(e, self.terms[0]).shape if self.terms else np.shape(e))
        ej = np.ones_like(total)
        for w in self.terms:
            ej = ej * e
            total += ej * w
        return total * 1000.0


def _round_ms(d: Array, exact: NDArray[np.bool_], unit: float) -> Array:
    """Expected duration rounded up to ``unit``: the billing rule's ceiling (:func:`round_up`) for
    fixed work, else + unit / 2."""
    return np.where(exact, round_up(d, unit), d + unit / 2.0)


def per_document(
    p: AnalyticParams, pattern: str, *, rules: BillingRules = DEFAULT_RULES, step_invocations: bool = False
) -> dict[str, Array]:
    """Expected metering and outcomes per arriving document for ``pattern``, each an array (P,).

    Parameters
    ----------
    p
        The scenario points.
    pattern
        One of the five pattern names.
    rules
        Billing units (``book.rules``): Lambda and Express rounding, Express chunk and limit.
    step_invocations
        Also return each step's expected invocations per document under
        :data:`~orchsim.analytic.tokens.STEP_INVOCATIONS`, shape (steps, points) (for model tokens).

    Returns
    -------
    dict of numpy.ndarray
        ``invocations``, ``gb_s_x86_64``, ``gb_s_arm64``, ``ephemeral_gb_s`` (GB-s),
        ``transitions``, ``express_requests``, ``express_gb_hours``, ``logs_gb``, ``latency_ms``
        (mean, over all documents, ms), ``p_succeeded``, ``p_failed``, ``p_lost``, ``cold_starts``,
        ``duplicates``, ``express_over_limit`` (1.0 where the mean execution passes Express's
        limit), ``sdk_read_timeout_risk`` (synchronous chain: an upper bound on the share of calls
        that outlast the SDK's read timeout); all per arriving document.

    >>> from orchsim import load_scenario
    >>> doc = per_document(params_from_scenarios([load_scenario("seed-article")]), "sfn-standard")
    >>> round(float(doc["transitions"][0]), 3)  # 5 Task states, a few retries
    5.0
    """
    name = check_pattern(pattern)
    if name == "lambda-durable":
        def engine(q: AnalyticParams) -> dict[str, Array]:
            return _durable_chain(q, rules, step_invocations)
    elif name == "lambda-chain-sync":
        def engine(q: AnalyticParams) -> dict[str, Array]:
            return _sync_chain(q, rules, step_invocations)
    else:
        def engine(q: AnalyticParams) -> dict[str, Array]:
            return _flat(q, name, rules, step_invocations)
    res = _blocks(p, engine)
    log_bytes = p.chain_log_bytes if name in ("lambda-chain-sync", "lambda-chain-async") else p.lambda_log_bytes
    if np.any(log_bytes):  # every invocation's own CloudWatch Logs lines (Observability.lambda_log_bytes)
        res["logs_gb"] = res["logs_gb"] + res["invocations"] * log_bytes / 1e9
    return res


def _blocks(p: AnalyticParams, engine: Callable[[AnalyticParams], dict[str, Array]]) -> dict[str, Array]:
    """Run ``engine`` over ``p`` in cache-sized blocks and merge the results."""
    if p.points <= _CHUNK:
        return engine(p.take(slice(None)))
    # Cache-sized blocks of points with similar step counts: the step loops are memory-bound on
    # large arrays, and a block only loops over the steps its points have.
    if np.all(p.n_steps[1:] >= p.n_steps[:-1]):  # already grouped (a grid with steps outermost)
        return _merge([engine(p.take(slice(i, i + _CHUNK))) for i in range(0, p.points, _CHUNK)], None, p.points)
    order = np.argsort(p.n_steps, kind="stable")
    return _merge([engine(p.take(order[i : i + _CHUNK])) for i in range(0, p.points, _CHUNK)], order, p.points)


def _merge(parts: list[dict[str, Array]], order: NDArray[np.int64] | None, points: int) -> dict[str, Array]:
    """Concatenate per-block results, undoing the sort by step count (``order``) if there was one."""
    out = {}
    for key in parts[0]:
        blocks = [part[key] for part in parts]
        if key == STEP_INVOCATIONS:  # (steps, points) per block: pad to the most steps, join points
            rows = max(b.shape[0] for b in blocks)
            joined = np.concatenate([np.pad(b, ((0, rows - b.shape[0]), (0, 0))) for b in blocks], axis=1)
            if order is not None:
                undone = np.empty_like(joined)
                undone[:, order] = joined
                joined = undone
            out[key] = joined
            continue
        if order is None:
            out[key] = np.concatenate(blocks)
            continue
        if not any(block.any() for block in blocks):
            out[key] = np.zeros(points)  # a meter this pattern does not use
            continue
        merged = np.empty(points)
        merged[order] = np.concatenate(blocks)
        out[key] = merged
    return out


@dataclass
class _StepTerms:
    """What one step contributes given that it is reached, independent of how often it is reached."""

    attempts: Array
    succ: Array
    wall_ms: Array  # attempts x (work + hop) + backoff, warm
    init_ms: Array
    attempts_init: Array  # attempts x init (scaled by the cold-start probability)
    warm_mid: Array  # billed ms of a warm attempt that also calls the next step
    cold_mid: Array  # extra billed ms when that attempt is cold
    warm_last: Array
    cold_last: Array
    gb_per_ms: Array
    eph_per_ms: Array
    is_x86: NDArray[np.bool_]
    log_hold: Array  # log10 of how long one invocation holds its environment (s)


def _flat(p: AnalyticParams, pattern: str, rules: BillingRules, step_invocations: bool = False) -> dict[str, Array]:
    """Patterns where each step is invoked on its own: async chain, Standard, Express."""
    k_max, npts = p.mean_ms.shape
    unit = float(rules.lambda_rounding_ms)
    sfn = pattern.startswith("sfn")
    same_steps = all(_invariant(getattr(p, f)) for f in PER_STEP)
    docs_per_s = p.docs_per_day / 86_400.0
    dup = np.where((pattern == "sfn-express") & p.trigger_async, p.express_duplicate_rate, 0.0)
    runs = 1.0 + dup
    # Lambda's async queue can deliver an event twice (at-least-once): each Event hop multiplies the
    # copies that run it and the rest of the chain by 1 + rate (hop 0 is an Event with an async trigger).
    adup = p.async_duplicate_rate if pattern == "lambda-chain-async" else np.zeros(npts)
    copies = np.ones(npts)
    waits = _AslWaits(p) if sfn else None
    extra = np.zeros(npts) if sfn else p.invoke_overhead_ms

    def terms(k: int) -> _StepTerms:
        e, f = p.error_rate[k], p.fatal_rate[k]
        if sfn:
            assert waits is not None
            attempts = _geom(e, p.retry_max_attempts)
            waits_ms = waits.expected_ms(e)
            hop = p.transition_latency_ms
        else:
            # A synchronous client invokes step 1 itself: no async retries there (the SDK retries
            # throttles only); every later hop goes through Lambda's async queue.
            retries = np.where((k == 0) & ~p.trigger_async, 0.0, p.async_max_retries)
            attempts = _geom(e + f, retries)
            waits_ms = np.zeros(npts)
            ej = np.ones(npts)
            for j, delay in enumerate(ASYNC_RETRY_DELAYS_S, start=1):
                ej = ej * (e + f)
                waits_ms += np.where(j <= retries, ej * delay * 1000.0, 0.0)
            hop = p.invoke_overhead_ms
        mean, init, exact = p.mean_ms[k], p.init_ms[k], p.exact[k]
        warm_mid = _round_ms(mean + extra, exact, unit)
        warm_last = _round_ms(mean, exact, unit)
        return _StepTerms(
            attempts=attempts,
            succ=(1.0 - e - f) * attempts,
            wall_ms=attempts * (mean + hop) + waits_ms,
            init_ms=init,
            attempts_init=attempts * init,
            warm_mid=warm_mid,
            cold_mid=_round_ms(mean + init + extra, exact, unit) - warm_mid,
            warm_last=warm_last,
            cold_last=_round_ms(mean + init, exact, unit) - warm_last,
            gb_per_ms=p.memory_mb[k] / 1024.0 / 1000.0,
            eph_per_ms=p.ephemeral_extra_gb[k] / 1000.0,
            is_x86=p.is_x86[k],
            log_hold=safe_log10((mean + (p.transition_latency_ms if sfn else 0.0)) / 1000.0),
        )

    log_rate = safe_log10(docs_per_s * runs)
    log_keep = safe_log10(p.keep_alive_s)
    reach = np.ones(npts)
    fail_first = np.zeros(npts)
    invocations = np.zeros(npts)
    gb_s = np.zeros(npts)
    gb_x86 = np.zeros(npts)
    eph = np.zeros(npts)
    cold = np.zeros(npts)
    busy_ms = np.zeros(npts)
    exec_ms = np.zeros(npts)
    step_inv: list[Array] = []
    t: _StepTerms | None = None
    x86 = eph_any = None
    for k in range(k_max):
        if t is None or not same_steps or (k == 1 and not sfn):
            t = terms(k)
            x86 = t.is_x86.astype(float)
            eph_any = bool(np.any(t.eph_per_ms))
        # Masks as 0/1 floats: multiplying is several times faster than np.where here.
        active = (p.n_steps > k).astype(float)
        ra = reach * active
        rm = ra  # copies of the document reaching step k, for metering (the outcome is the original's)
        if pattern == "lambda-chain-async":
            hop = adup if k > 0 else np.where(p.trigger_async, adup, 0.0)
            dup = dup + ra * copies * hop  # duplicate deliveries of this hop
            copies = copies * (1.0 + hop)
            rm = ra * copies
        inv = rm * t.attempts
        pc = p_cold_log10(log_rate + safe_log10(inv), t.log_hold, log_keep)
        if sfn:
            billed = t.warm_last + pc * t.cold_last
        else:
            last = t.warm_last + pc * t.cold_last
            billed = last + (p.n_steps > k + 1) * (t.warm_mid + pc * t.cold_mid - last)
        ib = inv * billed
        busy_ms += ib
        step_gb = ib * t.gb_per_ms
        gb_s += step_gb
        gb_x86 += step_gb * x86
        if eph_any:
            eph += ib * t.eph_per_ms
        cold += inv * pc
        invocations += inv
        if step_invocations:
            step_inv.append(inv * runs)
        exec_ms += ra * (t.wall_ms + pc * t.attempts_init)
        if k == 0:
            fail_first = 1.0 - t.succ
        reach = reach + ra * (t.succ - 1.0)
    p_ok = reach
    # Failures anywhere are recorded (failed) or not (lost); a sync client also sees the first hop's.
    kw = {"trigger_async": p.trigger_async, "dead_letter": p.dead_letter, "express_logging": p.express_logging}
    anywhere = failure_outcome_recorded(pattern, **kw)
    first_hop = failure_outcome_recorded(pattern, first_hop=True, **kw)
    p_failed = np.where(anywhere, 1.0 - p_ok, np.where(first_hop, fail_first, 0.0))
    zeros = np.zeros(npts)
    res = {
        "invocations": invocations * runs,
        "gb_s_x86_64": gb_x86 * runs,
        "gb_s_arm64": (gb_s - gb_x86) * runs,
        "ephemeral_gb_s": eph * runs,
        "transitions": invocations if pattern == "sfn-standard" else zeros,
        "express_requests": zeros,
        "express_gb_hours": zeros,
        "logs_gb": zeros,
        "latency_ms": exec_ms,
        "p_succeeded": p_ok,
        "p_failed": p_failed,
        "p_lost": 1.0 - p_ok - p_failed,
        "cold_starts": cold * runs,
        "duplicates": dup,
        "express_over_limit": zeros,
        "sdk_read_timeout_risk": zeros,
        "busy_s": busy_ms * runs / 1000.0,
    }
    if step_invocations:
        res[STEP_INVOCATIONS] = np.array(step_inv).reshape(k_max, npts)
    if pattern == "sfn-express":
        steps = np.arange(k_max)[:, None]
        exact_all = np.all(p.exact | (steps >= p.n_steps), axis=0) & np.all((p.error_rate == 0) | (steps >= p.n_steps), axis=0)
        billed_exec = _round_ms(exec_ms, exact_all, float(rules.express_rounding_ms))
        chunks = express_billed_memory_mb(p.express_memory_mb, rules.express_memory_chunk_mb).astype(float)
        res["express_requests"] = runs
        res["express_gb_hours"] = runs * express_gb_hours(billed_exec, chunks)
        res["logs_gb"] = np.where(p.express_logging, runs * invocations * p.log_bytes_per_transition / 1e9, 0.0)
        res["express_over_limit"] = (exec_ms > rules.express_max_duration_s * 1000.0).astype(float)
    return res


def _durable_chain(p: AnalyticParams, rules: BillingRules, step_invocations: bool = False) -> dict[str, Array]:
    """A linear pipeline as a Lambda durable function, every step a durable step inside the
    orchestrating function (the simulation's rules, :mod:`orchsim.sim.patterns.durable`): one
    invocation, plus one per retry (its backoff suspends the execution; the resume replays the
    handler); the steps' work billed at the orchestrator's memory; an operation and a result written
    per attempt; everything written retained for the run plus the retention period. The retry policy
    is the scenario's (``retry``, as :meth:`~orchsim.model.scenario.Scenario.as_workflow` writes it).
    Returns the keys of :func:`per_document` and the durable quantities under :data:`CALLS_PREFIX`."""
    k_max, npts = p.mean_ms.shape
    unit = float(rules.lambda_rounding_ms)
    waits = _AslWaits(p)
    reach = np.ones(npts)
    attempts = np.zeros(npts)
    retries = np.zeros(npts)
    work_ms = np.zeros(npts)
    wall_ms = np.zeros(npts)
    step_inv: list[Array] = []
    exact = np.ones(npts, dtype=bool)
    for k in range(k_max):
        e, f = p.error_rate[k], p.fatal_rate[k]
        active = (p.n_steps > k).astype(float)
        ra = reach * active
        att = _geom(e, p.retry_max_attempts)
        attempts += ra * att
        retries += ra * (att - 1.0)
        work_ms += ra * att * p.mean_ms[k]
        wall_ms += ra * (att * p.mean_ms[k] + waits.expected_ms(e))
        step_inv.append(ra * att)
        exact &= (p.exact[k] & (e == 0)) | (p.n_steps <= k)
        reach = reach + ra * ((1.0 - e - f) * att - 1.0)
    invocations = 1.0 + retries
    replay = retries * p.durable_replay_ms
    rounding = np.where(exact & (retries == 0), 0.0, unit / 2.0)
    hold_ms = (work_ms + replay) / invocations + rounding
    pc = p_cold_log10(safe_log10(p.docs_per_day / 86_400.0 * invocations), safe_log10(hold_ms / 1000.0), safe_log10(p.keep_alive_s))
    billed_ms = work_ms + replay + invocations * (pc * p.durable_init_ms + rounding)
    if np.any(exact & (retries == 0)):  # one invocation of fixed work: its billed ms exactly
        billed_ms = np.where(exact & (retries == 0), round_up(work_ms, unit) + pc * p.durable_init_ms, billed_ms)
    gb = billed_ms * p.durable_memory_mb / 1024.0 / 1000.0
    latency = wall_ms + invocations * pc * p.durable_init_ms + replay
    written_gb = (p.durable_input_kb + attempts * p.durable_result_kb) / KB_PER_GB
    zeros = np.zeros(npts)
    res = {
        "invocations": invocations,
        "gb_s_x86_64": np.where(p.durable_is_x86, gb, 0.0),
        "gb_s_arm64": np.where(p.durable_is_x86, 0.0, gb),
        "ephemeral_gb_s": billed_ms * p.durable_eph_gb / 1000.0,
        "transitions": zeros,
        "express_requests": zeros,
        "express_gb_hours": zeros,
        "logs_gb": zeros,
        "latency_ms": latency,
        "p_succeeded": reach,
        "p_failed": 1.0 - reach,  # a durable execution ends FAILED, kept (failure_outcome_recorded)
        "p_lost": zeros,
        "cold_starts": invocations * pc,
        "duplicates": zeros,
        "express_over_limit": zeros,
        "sdk_read_timeout_risk": zeros,
        "busy_s": billed_ms / 1000.0,
        CALLS_PREFIX + DURABLE_OPERATIONS: 1.0 + attempts,
        CALLS_PREFIX + DURABLE_WRITTEN: written_gb,
        CALLS_PREFIX + DURABLE_RETAINED: written_gb * (latency / 86_400_000.0 + p.durable_retention_days) / MONTH_DAYS,
    }
    if step_invocations:
        res[STEP_INVOCATIONS] = np.array(step_inv).reshape(k_max, npts)
    return res


def _sync_chain(p: AnalyticParams, rules: BillingRules, step_invocations: bool = False) -> dict[str, Array]:
    """Synchronous chain: recursion from the last step back to the first (see module docstring)."""
    k_max, npts = p.mean_ms.shape
    unit = float(rules.lambda_rounding_ms)
    policy = p.sync_retry_policy
    any_policy = bool(np.any(policy))
    waits = _AslWaits(p) if any_policy else None
    ok_k = 1.0 - p.error_rate - p.fatal_rate  # (K, P), a broadcast view when steps are equal
    # Pass 1 (backward): outcome of one attempt of step k (downstream included) and of calling it.
    # Masks are 0/1 floats (multiplying is several times faster than np.where); quantities of the
    # steps past a point's end come out as "nothing called": 1 for success, 0 otherwise.
    sa = [np.ones(npts)] * (k_max + 1)
    call_n = [np.zeros(npts)] * (k_max + 1)  # expected attempts when step k is called (0 past the end)
    call_w_ms = [np.zeros(npts)] * (k_max + 1)
    call_s = np.ones(npts)
    call_f = np.zeros(npts)
    for k in range(k_max - 1, -1, -1):
        act = (p.n_steps > k).astype(float)
        ok = ok_k[k]
        sa_k = 1.0 + act * (ok * call_s - 1.0)
        pf_k = act * (p.fatal_rate[k] + ok * call_f)
        sa[k] = sa_k
        if any_policy and k > 0:
            assert waits is not None
            pe_k = act * (1.0 - sa_k - pf_k)
            n_att = np.where(policy, _geom(pe_k, p.retry_max_attempts), 1.0)
            call_w_ms[k] = act * policy * waits.expected_ms(pe_k)
            call_s = 1.0 + act * (sa_k * n_att - 1.0)
            call_f = pf_k * n_att
            call_n[k] = act * n_att
        else:
            call_s, call_f, call_n[k] = sa_k, pf_k, act
    # Runs of the whole chain: an async trigger lets Lambda retry step 1 on any error.
    runs = np.where(p.trigger_async, _geom(1.0 - sa[0], p.async_max_retries), 1.0)
    # Forward: expected invocations of each step per document (0 past a point's end: call_n is 0).
    inv = [runs]
    for k in range(1, k_max):
        inv.append(inv[-1] * ok_k[k - 1] * call_n[k])
    docs_per_s = p.docs_per_day / 86_400.0
    log_rate = safe_log10(docs_per_s)
    log_keep = safe_log10(p.keep_alive_s)
    # Pass 2 (backward): wall time and billed compute of one attempt of step k, downstream included.
    # Past a point's end inv and call_n are 0, so every contribution vanishes without a mask.
    same_steps = all(_invariant(getattr(p, f)) for f in PER_STEP)
    t_call = np.zeros(npts)  # wall time of calling step k+1, retries and backoff included
    gb_s = np.zeros(npts)
    gb_x86 = np.zeros(npts)
    eph = np.zeros(npts)
    cold = np.zeros(npts)
    busy_ms = np.zeros(npts)
    t_attempt = np.zeros(npts)
    hoisted: tuple[Any, ...] | None = None
    longest_call_ms = np.zeros(npts)  # mean wall time of one attempt of step 2, downstream included
    for k in range(k_max - 1, -1, -1):
        if hoisted is None or not same_steps:
            exact = p.exact[k] & (p.error_rate[k] == 0) & (p.fatal_rate[k] == 0)
            hoisted = (p.mean_ms[k], p.init_ms[k], exact if exact.any() else None, ok_k[k], p.memory_mb[k] / 1024.0 / 1000.0,
                       p.ephemeral_extra_gb[k] / 1000.0, p.is_x86[k].astype(float), bool(np.any(p.ephemeral_extra_gb[k])))
        mean, init, exact, ok, gb_per_ms, eph_per_ms, x86, eph_any = hoisted
        inv_k = inv[k]
        work = mean + ok * t_call
        pc = p_cold_log10(log_rate + safe_log10(inv_k), safe_log10(work / 1000.0), log_keep)
        t_attempt = work + pc * init
        if exact is None:
            billed = work + unit / 2.0 + pc * init
        else:
            warm = _round_ms(work, exact, unit)
            billed = warm + pc * (_round_ms(work + init, exact, unit) - warm)
        ib = inv_k * billed
        busy_ms += ib
        step_gb = ib * gb_per_ms
        gb_s += step_gb
        gb_x86 += step_gb * x86
        if eph_any:
            eph += ib * eph_per_ms
        cold += inv_k * pc
        if k == 1:
            longest_call_ms = t_attempt + p.invoke_overhead_ms
        t_call = call_n[k] * (t_attempt + p.invoke_overhead_ms) + call_w_ms[k]
    retry_wait_ms = np.zeros(npts)
    fail = 1.0 - sa[0]
    fj = np.ones(npts)
    for j, delay in enumerate(ASYNC_RETRY_DELAYS_S, start=1):
        fj = fj * fail
        retry_wait_ms += np.where(p.trigger_async & (j <= p.async_max_retries), fj * delay * 1000.0, 0.0)
    p_ok = sa[0] * runs
    recorded = failure_outcome_recorded("lambda-chain-sync", trigger_async=p.trigger_async, dead_letter=p.dead_letter, first_hop=True)
    zeros = np.zeros(npts)
    return {
        "invocations": np.sum(inv, axis=0),
        "gb_s_x86_64": gb_x86,
        "gb_s_arm64": gb_s - gb_x86,
        "ephemeral_gb_s": eph,
        "transitions": zeros,
        "express_requests": zeros,
        "express_gb_hours": zeros,
        "logs_gb": zeros,
        "latency_ms": runs * t_attempt + retry_wait_ms,
        "p_succeeded": p_ok,
        "p_failed": np.where(recorded, 1 - p_ok, 0.0),
        "p_lost": np.where(recorded, 0.0, 1 - p_ok),
        "cold_starts": cold,
        "duplicates": zeros,
        "express_over_limit": zeros,
        "sdk_read_timeout_risk": np.minimum(longest_call_ms / (p.sdk_read_timeout_s * 1000.0), 1.0),
        "busy_s": busy_ms / 1000.0,
        **({STEP_INVOCATIONS: np.array(inv).reshape(k_max, npts)} if step_invocations else {}),
    }


_METER_OF = {
    "invocations": "lambda_requests",
    "gb_s_x86_64": "lambda_gb_s_x86_64",
    "gb_s_arm64": "lambda_gb_s_arm64",
    "ephemeral_gb_s": "ephemeral_gb_s",
    "transitions": "sfn_transitions",
    "express_requests": "express_requests",
    "express_gb_hours": "express_gb_hours",
    "logs_gb": "logs_gb",
}
"""Per-document key of :func:`per_document` -> :class:`~orchsim.aws.metering.Metering` field."""


def monthly_cost(
    per_doc: dict[str, Array],
    docs_per_day: Array,
    region: str = "us-east-1",
    *,
    free_tier: bool = False,
    prices: str | PriceBook | None = None,
    service_calls: dict[str, Array] | None = None,
    account: dict[str, Array] | None = None,
) -> dict[str, Array]:
    """Monthly USD per cost component (and ``total``) for expected per-document metering.

    Scales per-document metering to a month (``docs_per_day x month_hours / 24``) and prices it with
    :func:`orchsim.aws.cost.price_monthly`, the vectorised twin of the line items.

    Parameters
    ----------
    per_doc
        Expected metering per document (:func:`per_document`), arrays over points.
    docs_per_day
        Documents per day at each point.
    region
        AWS region.
    free_tier
        Apply the always-free allowances.
    prices
        Price file path or :class:`PriceBook` (default: the shipped one).
    service_calls
        Calls to other AWS services per document, by resource key (imported workflows).
    account
        The account's other monthly usage per point, by meter (priced first: free tier and tiers
        are per account).

    Returns
    -------
    dict of numpy.ndarray
        USD per month for each of :data:`~orchsim.aws.cost.COMPONENTS`, each priced service component
        (``dynamodb``, ``sqs``, ...), and ``total``; unpriced calls as ``unpriced:<key>`` (calls a month).
    """
    book = load_price_book(prices)
    docs_month = np.asarray(docs_per_day, dtype=float) * book.rules.month_hours / 24.0
    monthly = {meter: per_doc[key] * docs_month for key, meter in _METER_OF.items()}
    services, tokens, _ = split_calls(service_calls or {})
    calls = {k: v * docs_month for k, v in services.items()} if services else None
    model = {m: (i * docs_month, o * docs_month) for m, (i, o) in tokens.items()} if tokens else None
    return price_monthly(monthly, region, free_tier=free_tier, prices=book, service_calls=calls, model_tokens=model,
                         account=account)


def estimate(
    scenarios: Scenario | Sequence[Scenario],
    patterns: Sequence[str] = PATTERNS,
    *,
    prices: str | PriceBook | None = None,
) -> pd.DataFrame:
    """Analytic estimate: one row per scenario x pattern, priced per month.

    The price book's billing rules (``book.rules``) meter, its prices price. Scenarios in one call
    must share region and free-tier setting.

    Parameters
    ----------
    scenarios
        One scenario or several.
    patterns
        Pattern names (default all five).
    prices
        Price file path or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        Per row: ``scenario``, ``pattern``, ``docs_per_day``, ``steps``, ``docs_per_month``; expected
        metering per document (``invocations``, ``gb_s_x86_64``, ``gb_s_arm64``, ``ephemeral_gb_s``,
        ``transitions``, ``express_requests``, ``express_gb_hours``, ``logs_gb``, ``latency_ms``
        (mean), ``p_succeeded``, ``p_failed``, ``p_lost``, ``cold_starts``, ``duplicates``,
        ``express_over_limit``); the same under the names a simulation's
        :meth:`~orchsim.sim.result.SimulationResult.row` uses (``lambda_invocations_per_doc``,
        ``billed_gb_s_per_doc``, ``state_transitions_per_doc``, ``express_executions_per_doc``,
        ``cold_starts_per_doc``, ``duplicates_per_doc``, ``share_succeeded``, ``share_failed``,
        ``share_lost``, ``latency_mean_ms``); monthly cost ``cost_<component>_usd``,
        ``cost_total_usd``, ``cost_per_1000_docs_usd`` (USD); ``region``, ``free_tier``,
        ``price_book_as_of``; ``busy_s`` (Lambda seconds per document), ``concurrency_needed``
        (concurrent Lambda executions at the peak arrival rate), ``concurrency_limit`` and ``contention`` (``""``, or a
        note naming the limit the load exceeds: the estimate then assumes away throttling that the
        simulation would show; :func:`orchsim.analytic.contention.contention`).

    Examples
    --------
    >>> from orchsim import load_scenario
    >>> df = estimate(load_scenario("seed-article"), ["sfn-standard"])
    >>> round(float(df["cost_sfn_transitions_usd"].iloc[0]) / (730 / 24), 2)  # the article's $1.25 a day
    1.25
    """
    items = [scenarios] if isinstance(scenarios, Scenario) else list(scenarios)
    book = load_price_book(prices)
    rules = book.rules
    graphs = any(s.pipeline.definition is not None for s in items)
    params = None if graphs else params_from_scenarios(items, rules=rules)
    regions = {s.region for s in items}
    free = {s.free_tier for s in items}
    if len(regions) > 1 or len(free) > 1:
        raise InputError("region", "estimate() needs scenarios with one region and one free_tier setting")
    region, free_tier = regions.pop(), free.pop()
    book.check_region(region)
    others = None
    if any(s.account.any for s in items):  # the account's other usage, per point
        usage = [account_usage(s.account) for s in items]
        others = {m: np.array([getattr(u, m) for u in usage]) for m in ("lambda_requests", "lambda_gb_s_x86_64",
                                                                         "lambda_gb_s_arm64", "sfn_transitions", "express_gb_hours", "logs_gb")}
    frames = []
    for pattern in patterns:
        refused: list[str] = []
        if params is None or pattern == "lambda-durable":  # imported workflows (and every durable function): orchsim.analytic.graph
            doc, docs_per_day, n_steps, refused = mixed_per_document(items, pattern, rules=rules, linear=per_document)
        else:
            models = any(s.services for s in items)
            doc = per_document(params, pattern, rules=rules, step_invocations=models)
            if models:
                doc.update({CALLS_PREFIX + k: v for k, v in linear_tokens(items, doc.pop(STEP_INVOCATIONS)).items()})
            docs_per_day, n_steps = params.docs_per_day, params.n_steps
        runs = doc["express_requests"] if pattern == "sfn-express" else np.ones(len(items))
        need, notes = contention(items, pattern, doc["busy_s"], doc["transitions"], runs)
        if refused:
            notes = [r or note for r, note in zip(refused, notes, strict=True)]
        calls = {k[len(CALLS_PREFIX):]: doc.pop(k) for k in [k for k in doc if k.startswith(CALLS_PREFIX)]}
        # payloads over the pattern's limit: each invocation GETs its input from S3 and PUTs its output
        over = np.array([s.workload.payload_kb.share_above(PAYLOAD_LIMIT_KB[pattern]) if s.workload.payload_kb else 0.0
                         for s in items])
        if over.any():
            for key in ("s3:getObject", "s3:putObject"):
                calls[key] = calls.get(key, np.zeros(len(items))) + over * doc["invocations"]
        traced = np.array([s.observability.xray_rate(pattern) for s in items])  # X-Ray: one trace per traced document
        if traced.any():
            calls["xray:putTraceSegments"] = calls.get("xray:putTraceSegments", np.zeros(len(items))) + traced
        cost = monthly_cost(doc, docs_per_day, region, free_tier=free_tier, prices=book, service_calls=calls, account=others)
        n = len(items)
        extra: dict[str, Any] = {}
        services, tokens, model_calls = split_calls(calls)
        durable_ops = services.pop(DURABLE_OPERATIONS, None)
        services = {k: v for k, v in services.items() if not k.startswith("lambda:durable")}
        if durable_ops is not None:
            extra["durable_operations_per_doc"] = durable_ops
        if graphs or services or durable_ops is not None:
            extra["service_calls_per_doc"] = sum(services.values(), np.zeros(n))
            unpriced = [k[len("unpriced:"):] for k in cost if k.startswith("unpriced:")]
            extra["unpriced_service_calls"] = [", ".join(k for k in unpriced if cost[f"unpriced:{k}"][i] > 0) for i in range(n)]
        if graphs or tokens or services or durable_ops is not None:
            extra.update({f"cost_{c}_usd": v for c, v in cost.items() if c not in COMPONENTS and c != "total"
                          and not c.startswith(("unpriced:", "unpriced_tokens:"))})
        if tokens:
            extra["model_input_tokens_per_doc"] = sum((i for i, _ in tokens.values()), np.zeros(n))
            extra["model_output_tokens_per_doc"] = sum((o for _, o in tokens.values()), np.zeros(n))
            no_price = [k[len("unpriced_tokens:"):] for k in cost if k.startswith("unpriced_tokens:")]
            extra["unpriced_model_tokens"] = [", ".join(m for m in no_price if cost[f"unpriced_tokens:{m}"][i] > 0) for i in range(n)]
            use, quota_notes, peak = model_quota_use(items, tokens, model_calls)
            if np.any(use > 0):
                safe = np.where(use > 0, use, 1.0)
                extra["model_quota_use"] = use
                # the volume whose peak reaches the quota, and the arrival rate at which it does
                extra["model_quota_docs_per_day"] = np.where(use > 0, docs_per_day / safe, np.inf)
                extra["model_quota_docs_per_hour"] = np.where(use > 0, peak * 3600.0 / safe, np.inf)
                notes = [f"{a}; {b}" if a and b else a or b for a, b in zip(notes, quota_notes, strict=True)]
        docs_per_month = docs_per_day * rules.month_hours / 24.0
        cols: dict[str, Any] = {
            "scenario": [s.name for s in items],
            "pattern": [pattern] * n,
            "docs_per_day": docs_per_day,
            "steps": n_steps,
            "docs_per_month": docs_per_month,
            **doc,
            **{name: doc[key] for name, key in _ALIGNED.items()},
            "billed_gb_s_per_doc": doc["gb_s_x86_64"] + doc["gb_s_arm64"],
            **{f"cost_{c}_usd": cost[c] for c in COMPONENTS},
            "cost_total_usd": cost["total"],
            "cost_per_1000_docs_usd": cost["total"] / docs_per_month * 1000.0,
            "region": [region] * n,
            "free_tier": [free_tier] * n,
            "price_book_as_of": [book.as_of] * n,
            "concurrency_needed": need,
            "concurrency_limit": [s.lambda_.concurrency_limit for s in items],
            "contention": notes,
            **extra,
        }
        df = pd.DataFrame(cols)  # built at once: column-by-column inserts cost more than the engine
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


_ALIGNED = {
    "lambda_invocations_per_doc": "invocations",
    "state_transitions_per_doc": "transitions",
    "express_executions_per_doc": "express_requests",
    "cold_starts_per_doc": "cold_starts",
    "duplicates_per_doc": "duplicates",
    "share_succeeded": "p_succeeded",
    "share_failed": "p_failed",
    "share_lost": "p_lost",
    "latency_mean_ms": "latency_ms",
}
"""Columns named as :meth:`orchsim.sim.result.Summary.row` names the same quantity -> the
analytic name they copy (the analytic names stay for existing callers)."""
