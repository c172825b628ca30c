"""Analytic engine parameters: scenarios (or a base scenario and per-point arrays) as NumPy arrays.

Per-step fields have shape (steps, points); per-point fields shape (points,). The closed forms in
:mod:`orchsim.analytic.engine` evaluate them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from orchsim.aws.rules import DEFAULT_RULES, BillingRules
from orchsim.errors import InputError
from orchsim.model.dists import Fixed
from orchsim.model.durable import orchestrator_step
from orchsim.model.profile import LogNormalCount
from orchsim.model.scenario import KeepAlive, Scenario

__all__ = ["AnalyticParams", "PER_STEP", "grid_params", "params_from_scenarios"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class AnalyticParams:
    """Arrays describing P scenario points with at most K steps each.

    Per-step fields have shape (K, P); per-point fields shape (P,). Steps at index >= ``n_steps``
    are padding and ignored.
    """

    # per step (K, P)
    mean_ms: Array
    exact: NDArray[np.bool_]
    memory_mb: Array
    is_x86: NDArray[np.bool_]
    init_ms: Array
    error_rate: Array
    fatal_rate: Array
    ephemeral_extra_gb: Array
    # per point (P,)
    n_steps: NDArray[np.int64]
    docs_per_day: Array
    retry_max_attempts: Array
    retry_interval_s: Array
    retry_backoff_rate: Array
    retry_max_delay_s: Array
    retry_full_jitter: NDArray[np.bool_]
    async_max_retries: Array
    sync_retry_policy: NDArray[np.bool_]
    dead_letter: NDArray[np.bool_]
    trigger_async: NDArray[np.bool_]
    keep_alive_s: Array
    invoke_overhead_ms: Array
    sdk_read_timeout_s: Array
    transition_latency_ms: Array
    express_memory_mb: Array
    express_duplicate_rate: Array
    async_duplicate_rate: Array
    lambda_log_bytes: Array
    chain_log_bytes: Array
    express_logging: NDArray[np.bool_]
    log_bytes_per_transition: Array
    # a durable function's orchestrator and checkpoints (orchsim.model.durable; every step inside it)
    durable_memory_mb: Array
    durable_is_x86: NDArray[np.bool_]
    durable_init_ms: Array
    durable_eph_gb: Array
    durable_replay_ms: Array
    durable_input_kb: Array
    durable_result_kb: Array
    durable_retention_days: Array

    @property
    def points(self) -> int:
        """Number of scenario points P."""
        return int(self.docs_per_day.shape[0])

    def take(self, index: NDArray[np.int64] | slice) -> AnalyticParams:
        """The subset of points at ``index``, keeping only the steps those points use.

        Per-step arrays that are broadcast views stay broadcast views (no copy)."""
        n_steps = self.n_steps[index]
        k = int(n_steps.max(initial=1))
        out: dict[str, Any] = {"n_steps": n_steps}
        for f in fields(self):
            if f.name == "n_steps":
                continue
            a = getattr(self, f.name)
            if a.ndim == 1:
                out[f.name] = a[index]
            elif a.strides[0] == 0:  # same for every step: one row
                row = a[0, index]
                out[f.name] = np.broadcast_to(row[None, :], (k, row.shape[0]))
            elif a.strides[1] == 0:  # same for every point: one column
                out[f.name] = np.broadcast_to(a[:k, :1], (k, n_steps.shape[0]))
            else:
                out[f.name] = a[:k, index]
        return AnalyticParams(**out)



def _keep_alive_mean(v: float | KeepAlive) -> float:
    return (v.low_s + v.high_s) / 2 if isinstance(v, KeepAlive) else float(v)


def params_from_scenarios(scenarios: Sequence[Scenario], *, rules: BillingRules = DEFAULT_RULES) -> AnalyticParams:
    """Stack scenarios into :class:`AnalyticParams` (one point each).

    Parameters
    ----------
    scenarios
        At least one scenario.
    rules
        Billing units (``book.rules``); the included ephemeral storage sets ``ephemeral_extra_gb``.

    Returns
    -------
    AnalyticParams
        Per-step arrays of shape (steps, scenarios), per-point arrays of shape (scenarios,).

    >>> from orchsim import load_scenario
    >>> params_from_scenarios([load_scenario("seed-article")]).mean_ms.shape
    (5, 1)
    """
    if not scenarios:
        raise InputError("scenarios", "at least one scenario is needed")
    for s in scenarios:
        if s.pipeline.definition is not None:
            raise InputError("pipeline.definition", "an imported workflow is a graph, not a list of steps: "
                                                    "orchsim.analytic.graph meters it (estimate() dispatches there)")
    steps = [s.steps() for s in scenarios]
    k_max = max(len(st) for st in steps)
    p = len(scenarios)

    def per_step(fn: Any, fill: float) -> Array:
        a = np.full((k_max, p), fill, dtype=float)
        for j, st in enumerate(steps):
            for k, step in enumerate(st):
                a[k, j] = fn(step)
        return a

    def p_timeout(step: Any) -> float:
        return float(1.0 - step.duration.cdf(np.array([step.timeout_s * 1000.0]))[0])

    def per_point(fn: Any, dtype: Any = float) -> NDArray[Any]:
        return np.array([fn(s) for s in scenarios], dtype=dtype)

    orch = [orchestrator_step(s.durable, st) for s, st in zip(scenarios, steps, strict=True)]  # a durable function's

    return AnalyticParams(
        mean_ms=per_step(lambda s: s.duration.mean_ms, 0.0),
        exact=per_step(lambda s: isinstance(s.duration, Fixed), 1.0).astype(bool),
        memory_mb=per_step(lambda s: s.memory_mb, 128.0),
        is_x86=per_step(lambda s: s.arch == "x86_64", 1.0).astype(bool),
        init_ms=per_step(lambda s: s.init_ms, 0.0),
        error_rate=per_step(lambda s: min(s.error_rate + p_timeout(s), 1.0 - s.fatal_error_rate), 0.0),
        fatal_rate=per_step(lambda s: s.fatal_error_rate, 0.0),
        ephemeral_extra_gb=per_step(lambda s: max(s.ephemeral_storage_mb - rules.included_ephemeral_storage_mb, 0) / 1024.0, 0.0),
        n_steps=per_point(lambda s: len(s.steps()), np.int64),
        docs_per_day=per_point(lambda s: s.workload.docs_per_day),
        retry_max_attempts=per_point(lambda s: s.retry.max_attempts),
        retry_interval_s=per_point(lambda s: s.retry.interval_s),
        retry_backoff_rate=per_point(lambda s: s.retry.backoff_rate),
        retry_max_delay_s=per_point(lambda s: s.retry.max_delay_s if s.retry.max_delay_s is not None else np.inf),
        retry_full_jitter=per_point(lambda s: s.retry.jitter == "full", bool),
        async_max_retries=per_point(lambda s: s.chain.async_max_retries),
        sync_retry_policy=per_point(lambda s: s.chain.sync_retry == "policy", bool),
        dead_letter=per_point(lambda s: s.chain.dead_letter, bool),
        trigger_async=per_point(lambda s: s.workload.trigger == "async", bool),
        keep_alive_s=per_point(lambda s: _keep_alive_mean(s.lambda_.keep_alive_s)),
        invoke_overhead_ms=per_point(lambda s: s.lambda_.invoke_overhead_ms),
        sdk_read_timeout_s=per_point(lambda s: s.lambda_.sdk_read_timeout_s),
        transition_latency_ms=per_point(lambda s: s.step_functions.transition_latency_ms),
        express_memory_mb=per_point(lambda s: s.step_functions.express_memory_mb),
        express_duplicate_rate=per_point(lambda s: s.step_functions.express_duplicate_rate),
        async_duplicate_rate=per_point(lambda s: s.lambda_.async_duplicate_rate),
        lambda_log_bytes=per_point(lambda s: s.lambda_.log_bytes_per_invocation),
        chain_log_bytes=per_point(lambda s: s.observability.lambda_log_bytes("lambda-chain-async", s)),
        express_logging=per_point(lambda s: s.observability.express_logging(s), bool),
        log_bytes_per_transition=per_point(lambda s: s.step_functions.log_bytes_per_transition),
        durable_memory_mb=np.array([o.memory_mb for o in orch], dtype=float),
        durable_is_x86=np.array([o.arch == "x86_64" for o in orch], dtype=bool),
        durable_init_ms=np.array([o.init_ms for o in orch], dtype=float),
        durable_eph_gb=np.array([max(o.ephemeral_storage_mb - rules.included_ephemeral_storage_mb, 0) / 1024.0 for o in orch]),
        durable_replay_ms=per_point(lambda s: s.durable.replay_ms),
        durable_input_kb=per_point(_durable_input_kb),
        durable_result_kb=per_point(lambda s: s.durable.result_kb),
        durable_retention_days=per_point(lambda s: s.durable.retention_days),
    )


def _durable_input_kb(s: Scenario) -> float:
    """What a durable execution's input persists, KB: ``durable.input_kb``, else the mean payload, else 8."""
    if s.durable.input_kb is not None:
        return float(s.durable.input_kb)
    payload = s.workload.payload_kb
    if payload is None:
        return 8.0
    return float(payload.mean_drawn() if isinstance(payload, LogNormalCount) else payload.mean_items())


PER_STEP = ("mean_ms", "exact", "memory_mb", "is_x86", "init_ms", "error_rate", "fatal_rate", "ephemeral_extra_gb")


def grid_params(base: Scenario, *, rules: BillingRules = DEFAULT_RULES, **arrays: Any) -> AnalyticParams:
    """Many points sharing ``base``'s steps, with per-point arrays for the fields that vary.

    Any :class:`AnalyticParams` field may be given as a 1-D array over points (per-step fields such
    as ``mean_ms`` or ``error_rate`` then apply to every step of that point). ``n_steps`` may vary
    up to the base's number of steps (use a base with identical steps and enough of them). Per-step
    arrays are broadcast views, so a million points cost a few 1-D arrays of memory.

    Parameters
    ----------
    base
        The scenario every point starts from.
    rules
        Billing units (``book.rules``).
    **arrays
        :class:`AnalyticParams` field name -> 1-D array over points (or a scalar).

    Returns
    -------
    AnalyticParams
        One point per array element.

    >>> import numpy as np
    >>> from orchsim import scenario_from_dict
    >>> p = grid_params(scenario_from_dict({"pipeline": {"steps": 20}}), n_steps=np.arange(1, 21))
    >>> p.points
    20
    """
    single = params_from_scenarios([base], rules=rules)
    sizes = {np.asarray(v).size for v in arrays.values()}
    if len(sizes) > 1 and not (len(sizes) == 2 and 1 in sizes):
        raise InputError("grid_params", f"arrays must share one length (got lengths {sorted(sizes)})")
    npts = max(sizes) if sizes else 1
    k_max = single.mean_ms.shape[0]
    out: dict[str, Any] = {}
    for f in fields(AnalyticParams):
        cur = getattr(single, f.name)
        if f.name in arrays:
            val = np.broadcast_to(np.asarray(arrays[f.name], dtype=cur.dtype).ravel(), (npts,))
            out[f.name] = np.broadcast_to(val[None, :], (k_max, npts)) if f.name in PER_STEP else val
        else:
            out[f.name] = np.broadcast_to(cur, (k_max, npts)) if f.name in PER_STEP else np.broadcast_to(cur, (npts,))
    unknown = set(arrays) - {f.name for f in fields(AnalyticParams)}
    if unknown:
        raise InputError("grid_params", f"unknown field(s) {sorted(unknown)}")
    if np.any(out["n_steps"] > k_max) or np.any(out["n_steps"] < 1):
        raise InputError("n_steps", f"must be between 1 and the base scenario's {k_max} steps")
    return AnalyticParams(**out)


