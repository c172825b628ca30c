"""``sfn-standard`` and ``sfn-express``: a Step Functions state machine runs each step as a Lambda task.

Rules (https://aws.amazon.com/step-functions/pricing/, Step Functions developer guide):

* One execution per document, started through the StartExecution token bucket. An async trigger
  (S3/EventBridge) waits for a token; a synchronous client's SDK retries a throttled start
  ``sdk_max_attempts`` times, then the document fails.
* Standard: every state entered is one state transition and every retry another; each waits for
  the StateTransition token bucket. Exactly-once; every execution keeps its history, so a failed
  document is ``failed`` (recorded). History is capped at 25,000 events: the execution then fails.
* Express: billed one request plus duration (execution start to end) rounded up to 100 ms times
  memory rounded up to 64 MB chunks. Past 5 minutes the execution fails with States.Timeout (its
  running Lambda carries on and is billed). Async starts may run twice (``express_duplicate_rate``).
  Without CloudWatch logging a failed async execution leaves no record (``lost``); a synchronous
  start returns the error to its client (``failed``).
* Retry follows ASL: waits ``IntervalSeconds * BackoffRate**(retry-1)``, capped at MaxDelaySeconds,
  FULL jitter draws the wait uniformly in [0, wait]; MaxAttempts retries after the first attempt.
  The retrier matches transient errors, timeouts and Lambda throttling; fatal errors are not retried.
* Step Functions waits for each Lambda task without paying Lambda for the wait; each transition
  adds ``transition_latency_ms`` (folded into the task's start; the Lambda slot is counted from it).
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from orchsim.errors import InputError
from orchsim.graph import Choice, Fail, Succeed, Task, Wait
from orchsim.patterns.base import FAILED, FATAL, LOST, OK, SUCCEEDED, THROTTLE, Context
from orchsim.platform import THROTTLED, TokenBucket, sfn_quotas
from orchsim.scenario import RetryPolicy

__all__ = ["start_standard", "start_express", "asl_wait_s", "HISTORY_EVENT_CAP", "EXPRESS_LIMIT_S"]

HISTORY_EVENT_CAP = 25_000
EXPRESS_LIMIT_S = 300.0
_EVENTS_PER_ATTEMPT = 5  # TaskStateEntered/Scheduled/Started/Succeeded|Failed/StateExited
_EVENTS_PER_EXECUTION = 2  # ExecutionStarted, ExecutionSucceeded|Failed


def asl_wait_s(policy: RetryPolicy, retry: int, u: float = 1.0) -> float:
    """Wait before retry number ``retry`` (1-based) under an ASL retrier.

    ``IntervalSeconds * BackoffRate ** (retry - 1)``, capped by MaxDelaySeconds; with
    ``JitterStrategy: FULL`` multiplied by a uniform draw ``u`` (the wait is uniform in [0, wait]).
    With the defaults (1 s, 2.0) retries start at t = 1, 3 and 7 s.
    """
    wait = policy.interval_s * policy.backoff_rate ** (retry - 1)
    if policy.max_delay_s is not None:
        wait = min(wait, policy.max_delay_s)
    return wait * u if policy.jitter == "full" else wait


def start_standard(ctx: Context) -> None:
    """Start the arrival process of a Standard state machine."""
    _start(ctx, express=False)


def start_express(ctx: Context) -> None:
    """Start the arrival process of an Express state machine."""
    _start(ctx, express=True)


def _start(ctx: Context, express: bool) -> None:
    sc = ctx.scenario
    env = ctx.env
    plat = ctx.platform
    rec = ctx.rec
    draws = ctx.draws
    graph = ctx.graph
    quotas = sfn_quotas(sc.region, "express" if express else "standard")
    start_bucket = TokenBucket(quotas["start"].size, quotas["start"].refill_per_s)
    trans_bucket = None if express else TokenBucket(quotas["transition"].size, quotas["transition"].refill_per_s)
    latency_s = sc.step_functions.transition_latency_ms / 1000.0
    trigger_sync = sc.workload.trigger == "sync"
    dup_rate = sc.step_functions.express_duplicate_rate if express and not trigger_sync else 0.0
    chunk_mb = int(max(math.ceil(sc.step_functions.express_memory_mb / 64.0 - 1e-9), 1) * 64)
    log_bytes = sc.step_functions.log_bytes_per_transition if express and sc.step_functions.express_logging else 0.0
    fail_outcome = FAILED if (not express or trigger_sync or sc.step_functions.express_logging) else LOST
    sdk_attempts = sc.lambda_.sdk_max_attempts
    init_ms = ctx.init_ms
    limit = EXPRESS_LIMIT_S if express else math.inf
    for st in graph.states.values():
        if not isinstance(st, Task | Wait | Choice | Succeed | Fail):
            raise InputError("pipeline", f"state {st.name!r}: {type(st).__name__} states are not simulated yet")

    def orphan_end(doc: int, k: int, t_start: float, cold: bool, res: int, end: float) -> Generator[Any, Any, None]:
        yield env.timeout(end - env.now)
        plat.release(k, env.now)
        rec.invocation(doc, k, t_start, env.now, cold, res, orphan=True)

    def execution(doc: int, duplicate: bool) -> Generator[Any, Any, None]:
        # StartExecution
        if trigger_sync:
            for attempt in range(sdk_attempts):
                if start_bucket.try_take(env.now):
                    break
                if attempt + 1 == sdk_attempts:
                    rec.finish(doc, env.now, FAILED)
                    return
                yield env.timeout(ctx.sdk_backoff_s(attempt))
        else:
            wait = start_bucket.take(env.now)
            if wait > 0:
                yield env.timeout(wait)
        t0 = env.now
        deadline = t0 + limit
        outcome = SUCCEEDED
        events = _EVENTS_PER_EXECUTION
        transitions = 0
        name: str | None = graph.start
        while name is not None:
            st = graph.states[name]
            if isinstance(st, Task):
                k = st.step
                policy = st.retry
                attempt = 0
                while True:
                    transitions += 1
                    events += _EVENTS_PER_ATTEMPT
                    delay = latency_s
                    if trans_bucket is not None:
                        rec.transition(doc)
                        delay += trans_bucket.take(env.now)
                    if events > HISTORY_EVENT_CAP:
                        outcome = FAILED
                        break
                    status = plat.acquire(k, env.now)
                    if status == THROTTLED:
                        rec.throttle(doc, k, env.now)
                        res = THROTTLE
                        if env.now + delay > deadline:
                            yield env.timeout(deadline - env.now)
                            outcome = fail_outcome
                            break
                        yield env.timeout(delay)
                    else:
                        work, u = draws.attempt(k, doc, attempt)
                        res, run_ms = ctx.outcome_of(k, work, u)
                        t_start = env.now + delay
                        cold = status == 1
                        end = t_start + ((init_ms[k] if cold else 0.0) + run_ms) / 1000.0
                        if end > deadline:
                            env.process(orphan_end(doc, k, t_start, cold, res, end))
                            yield env.timeout(max(deadline - env.now, 0.0))
                            outcome = fail_outcome
                            break
                        yield env.timeout(end - env.now)
                        plat.release(k, env.now)
                        rec.invocation(doc, k, t_start, env.now, cold, res)
                    if res == OK:
                        break
                    if res == FATAL or policy is None or attempt >= policy.max_attempts:
                        outcome = fail_outcome
                        break
                    attempt += 1
                    wait = asl_wait_s(policy, attempt, ctx.jitter() if policy.jitter == "full" else 1.0)
                    if env.now + wait > deadline:
                        yield env.timeout(deadline - env.now)
                        outcome = fail_outcome
                        break
                    yield env.timeout(wait)
                if outcome != SUCCEEDED:
                    break
                name = st.next
                continue
            transitions += 1
            events += 2
            if trans_bucket is not None:
                rec.transition(doc)
            if isinstance(st, Wait):
                if env.now + st.seconds > deadline:
                    yield env.timeout(deadline - env.now)
                    outcome = fail_outcome
                    break
                yield env.timeout(st.seconds)
                name = st.next
            elif isinstance(st, Choice):
                u = ctx.jitter()
                name = st.default
                acc = 0.0
                for prob, target in st.branches:
                    acc += prob
                    if u < acc:
                        name = target
                        break
            elif isinstance(st, Fail):
                outcome = fail_outcome
                name = None
            else:
                name = None
        if express:
            billed_ms = max(math.ceil((env.now - t0) * 10.0 - 1e-6), 1) * 100
            rec.express(billed_ms, chunk_mb)
            rec.log_bytes += log_bytes * transitions
        if duplicate:
            rec.duplicates += 1
        else:
            rec.finish(doc, env.now, outcome)

    def document(doc: int) -> Generator[Any, Any, None]:
        if dup_rate > 0 and draws.dup.next() < dup_rate:
            env.process(execution(doc, True))
        return execution(doc, False)

    env.process(ctx.arrival_process(lambda i: document(i)))
