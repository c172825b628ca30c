"""Whether a scenario's load fits its limits: the analytic engine assumes no throttling, so it says
when that assumption fails instead of hiding it.

Lambda: by Little's law the concurrent executions a pattern needs are the arrival rate times the
Lambda seconds per document (every billed invocation, callers waiting in a synchronous chain
included), at the rate the arrival process sustains at its peak: a diurnal peak lasts hours; a burst
of ``burst_duration_s`` adds at most ``extra rate x min(burst, busy time)``. They are compared with
the account's ``lambda.concurrency_limit``
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html).

Model quotas (fluid estimate, approximate): a model's calls and quota tokens per minute at the peak
arrival rate, against its requests- and tokens-per-minute buckets (one minute's quota, refilled
continuously); a burst fits if the bucket holds its excess.

Step Functions: executions started per second (StartExecution) and, for Standard, state transitions
per second, against the region's token buckets (:func:`orchsim.aws.rules.sfn_quotas`); a burst
fits if the bucket holds its excess over the refill rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from orchsim.aws.rules import BucketSpec, sfn_quotas
from orchsim.model.scenario import Scenario

__all__ = ["contention", "model_quota_use"]

Array = NDArray[np.float64]


def _rates(sc: Scenario) -> tuple[float, float, float]:
    """(base rate, peak rate, seconds the peak lasts; inf when it is sustained), documents per second."""
    wl = sc.workload
    mean = wl.docs_per_day / 86_400.0
    a = wl.arrival
    if a.kind == "diurnal":
        return mean, mean * a.peak_ratio, float("inf")
    if a.kind == "burst":
        phi = a.burst_duration_s / a.burst_every_s
        base = mean / (1.0 + phi * (a.burst_factor - 1.0))
        return base, base * a.burst_factor, a.burst_duration_s
    return mean, mean, float("inf")


def _over(bucket: BucketSpec, base: float, peak: float, lasts_s: float) -> bool:
    """Whether ``peak`` per second for ``lasts_s`` (on top of ``base`` otherwise) overdraws the bucket."""
    if base > bucket.refill_per_s:
        return True
    excess = (peak - bucket.refill_per_s) * lasts_s
    return peak > bucket.refill_per_s and excess > bucket.size


def contention(
    scenarios: Sequence[Scenario], pattern: str, busy_s: Array, transitions: Array, runs: Array
) -> tuple[Array, list[str]]:
    """Concurrent Lambda executions needed at the peak, and a note where a limit is exceeded.

    Parameters
    ----------
    scenarios
        The scenario points.
    pattern
        The pattern evaluated.
    busy_s
        Lambda seconds billed per document (all invocations), per point.
    transitions
        Standard state transitions per document, per point.
    runs
        Executions started per document (Express duplicates included), per point.

    Returns
    -------
    (numpy.ndarray, list of str)
        Concurrent executions needed at the peak rate, and per point ``""`` or a note such as
        ``needs about 1,500 concurrent Lambda executions at the peak rate; limit 1,000: run
        orchsim simulate to see the throttling``.
    """
    need = np.zeros(len(scenarios))
    notes: list[str] = []
    for i, sc in enumerate(scenarios):
        base, peak, lasts = _rates(sc)
        busy = float(busy_s[i])
        need[i] = base * busy + (peak - base) * min(busy, lasts)
        limit = sc.lambda_.concurrency_limit
        parts = []
        if need[i] > limit:
            parts.append(f"needs about {need[i]:,.0f} concurrent Lambda executions at the peak rate; limit {limit:,}")
        if pattern in ("sfn-standard", "sfn-express"):
            quotas = sfn_quotas(sc.region, "express" if pattern == "sfn-express" else "standard")
            r = float(runs[i])
            if _over(quotas["start"], base * r, peak * r, lasts):
                parts.append(f"needs about {peak * r:,.0f} StartExecution/s at the peak; quota {quotas['start'].refill_per_s:,.0f}/s "
                             f"(burst {quotas['start'].size:,.0f})")
            if "transition" in quotas and _over(quotas["transition"], base * float(transitions[i]), peak * float(transitions[i]), lasts):
                t = peak * float(transitions[i])
                parts.append(f"needs about {t:,.0f} state transitions/s at the peak; quota {quotas['transition'].refill_per_s:,.0f}/s")
        notes.append("; ".join(parts) + ": run orchsim simulate to see the throttling" if parts else "")
    return need, notes


def model_quota_use(
    scenarios: Sequence[Scenario], tokens: dict[str, tuple[Array, Array]], calls: dict[str, Array]
) -> tuple[Array, list[str], Array]:
    """How much of its model quotas each scenario offers at its peak (fluid estimate), and a note
    where the buckets are overdrawn.

    Parameters
    ----------
    scenarios
        The points.
    tokens
        Expected (input, output) tokens per document, per price-book model.
    calls
        Expected calls per document, per price-book model.

    Returns
    -------
    tuple
        ``(use, notes, peak)``: the largest offered/quota ratio at the peak over each scenario's models
        and both quotas (0 without quotas; above 1 the model throttles), ``""`` or the overdrawn quota,
        and the peak arrival rate (documents per second).
    """
    use = np.zeros(len(scenarios))
    peaks = np.zeros(len(scenarios))
    notes = [""] * len(scenarios)
    for i, sc in enumerate(scenarios):
        base, peak, lasts = _rates(sc)
        peaks[i] = peak
        said: list[str] = []
        for svc in sc.services.values():
            q = svc.quota
            if q is None or svc.model not in tokens:
                continue
            tin, tout = tokens[svc.model]
            per_doc = {"requests": float(calls[svc.model][i]), "tokens": float(tin[i] + q.output_token_burndown * tout[i])}
            for what, quota in (("requests", q.requests_per_minute), ("tokens", q.tokens_per_minute)):
                if not quota or not per_doc[what]:
                    continue
                use[i] = max(use[i], peak * per_doc[what] * 60.0 / quota)
                bucket = BucketSpec(size=quota, refill_per_s=quota / 60.0)
                if _over(bucket, base * per_doc[what], peak * per_doc[what], lasts) and svc.model not in said:
                    said.append(svc.model)
                    notes[i] = (f"{notes[i]}; " if notes[i] else "") + (
                        f"model {svc.model}: {peak * per_doc[what] * 60.0:,.0f} {what}/min offered at the peak against a "
                        f"quota of {quota:,.0f} (fluid estimate: these figures assume no throttling; simulate to see it)")
    return use, notes, peaks
