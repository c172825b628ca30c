"""``lambda-chain-async``: step k does its work, invokes step k+1 asynchronously (Event) and returns.

Rules (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html):

* Each hop goes through Lambda's async queue. A function error (any kind: the queue cannot tell a
  transient error from a fatal one) is retried up to ``async_max_retries`` times, about 1 minute and
  then 2 minutes later.
* A throttle returns the event to the queue, retried with backoff from 1 s doubling up to 5 min, until
  the event is older than ``async_max_event_age_s``.
* An event that runs out of retries or age goes to the dead-letter queue if one is configured (the
  document is ``failed``) or is discarded with no record (``lost``).
* A caller is billed for its own work plus the async invoke call (``invoke_overhead_ms``).
* With a synchronous trigger the client invokes step 1 with RequestResponse: its SDK retries a
  throttle ``sdk_max_attempts`` times, then the document fails.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from orchsim.graph import task_chain
from orchsim.patterns.base import FAILED, LOST, OK, SUCCEEDED, Context
from orchsim.platform import THROTTLED

__all__ = ["start", "ASYNC_RETRY_DELAYS_S", "throttle_backoff_s"]

ASYNC_RETRY_DELAYS_S = (60.0, 120.0)


def throttle_backoff_s(n: int) -> float:
    """Async queue backoff after the ``n``-th throttle (1-based): 1 s doubling, at most 5 minutes."""
    return min(2.0 ** (n - 1), 300.0)


def start(ctx: Context) -> None:
    """Start the arrival process of an asynchronous Lambda chain."""
    sc = ctx.scenario
    env = ctx.env
    plat = ctx.platform
    rec = ctx.rec
    draws = ctx.draws
    order = task_chain(ctx.graph)
    n = len(order)
    max_retries = sc.chain.async_max_retries
    max_age = sc.chain.async_max_event_age_s
    fail_outcome = FAILED if sc.chain.dead_letter else LOST
    overhead_s = sc.lambda_.invoke_overhead_ms / 1000.0
    init_ms = ctx.init_ms
    trigger_sync = sc.workload.trigger == "sync"
    sdk_attempts = sc.lambda_.sdk_max_attempts

    def document(doc: int) -> Generator[Any, Any, None]:
        for pos, k in enumerate(order):
            caller_extra = overhead_s if pos + 1 < n else 0.0
            enqueued = env.now
            retries = 0
            throttles = 0
            attempt = 0
            while True:
                status = plat.acquire(k, env.now)
                if status == THROTTLED:
                    rec.throttle(doc, k, env.now)
                    throttles += 1
                    if pos == 0 and trigger_sync:
                        if throttles >= sdk_attempts:
                            rec.finish(doc, env.now, FAILED)
                            return
                        yield env.timeout(ctx.sdk_backoff_s(throttles - 1))
                        continue
                    wait = throttle_backoff_s(throttles)
                    if env.now + wait - enqueued > max_age:
                        rec.finish(doc, env.now, fail_outcome)
                        return
                    yield env.timeout(wait)
                    continue
                cold = status == 1
                work, u = draws.attempt(k, doc, attempt)
                attempt += 1
                res, run_ms = ctx.outcome_of(k, work, u)
                t_start = env.now
                yield env.timeout(((init_ms[k] if cold else 0.0) + run_ms) / 1000.0 + (caller_extra if res == OK else 0.0))
                plat.release(k, env.now)
                rec.invocation(doc, k, t_start, env.now, cold, res)
                if res == OK:
                    break
                if pos == 0 and trigger_sync:
                    rec.finish(doc, env.now, FAILED)
                    return
                if retries >= max_retries or env.now + ASYNC_RETRY_DELAYS_S[retries] - enqueued > max_age:
                    rec.finish(doc, env.now, fail_outcome)
                    return
                yield env.timeout(ASYNC_RETRY_DELAYS_S[retries])
                retries += 1
        rec.finish(doc, env.now, SUCCEEDED)

    env.process(ctx.arrival_process(document))
