"""``lambda-chain-sync``: step k does its work, then invokes step k+1 synchronously and waits.

Rules (https://docs.aws.amazon.com/lambda/latest/dg/, "Lambda functions calling Lambda functions"):

* A caller holds its concurrency slot and is billed while its callee (and the callee's callees)
  run: with equal steps of d ms a document bills ``d * n * (n + 1) / 2``.
* Error handling is the caller's code: by default none (an error propagates up to the trigger);
  ``chain.sync_retry: policy`` makes callers retry transient errors with the scenario's ``retry``
  policy, sleeping (billed) between attempts. The AWS SDK retries a throttled invoke on its own
  (``lambda.sdk_max_attempts`` attempts, full-jitter backoff), the caller waiting and billed.
* A caller whose ``timeout_s`` passes while it waits times out: it is billed up to its timeout, its
  caller receives the error, and the downstream work carries on, is billed, and its result is
  thrown away (an orphan).
* The trigger: an async event (S3/EventBridge) invokes step 1 through Lambda's async queue, which
  retries any error of the whole chain ``async_max_retries`` times (1 min, then 2 min) and requeues
  throttles (1 s doubling to 5 min) until ``async_max_event_age_s``; a document that runs out is
  ``failed`` with a dead-letter queue, else ``lost``. A synchronous client gets the error: ``failed``.

The chain runs as an explicit stack of frames rather than nested generators, so that a caller's
timeout can split the stack: the callers go on in a new process with the timeout error, the callees
go on as an orphan in the old one.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

from orchsim.graph import task_chain
from orchsim.patterns.base import ERROR, FAILED, FATAL, LOST, OK, SUCCEEDED, THROTTLE, TIMEOUT, Context
from orchsim.patterns.chain_async import ASYNC_RETRY_DELAYS_S, throttle_backoff_s
from orchsim.patterns.sfn import asl_wait_s
from orchsim.platform import THROTTLED

__all__ = ["start"]

_INVOKE, _RETURN = 0, 1


class _Frame:
    """One running invocation in the chain."""

    __slots__ = ("pos", "k", "start", "deadline", "cold", "calls", "alive", "orphan")

    def __init__(self, pos: int, k: int, start: float, deadline: float, cold: bool) -> None:
        self.pos = pos
        self.k = k
        self.start = start
        self.deadline = deadline
        self.cold = cold
        self.calls = 0
        self.alive = True
        self.orphan = False


class _Doc:
    """Per-document state shared by every run (process) of the document."""

    __slots__ = ("doc", "enqueued", "retries", "tries")

    def __init__(self, doc: int, enqueued: float, n: int) -> None:
        self.doc = doc
        self.enqueued = enqueued
        self.retries = 0
        self.tries = [0] * n


class _Run:
    """One process's share of a document: a stack of frames; ``orphan`` once cut off from the trigger."""

    __slots__ = ("d", "frames", "orphan", "watch_at")

    def __init__(self, d: _Doc, frames: list[_Frame], orphan: bool) -> None:
        self.d = d
        self.frames = frames
        self.orphan = orphan
        self.watch_at = math.inf


def start(ctx: Context) -> None:
    """Start the arrival process of a synchronous Lambda chain."""
    sc = ctx.scenario
    env = ctx.env
    plat = ctx.platform
    rec = ctx.rec
    draws = ctx.draws
    order = task_chain(ctx.graph)
    n = len(order)
    policy = sc.retry if sc.chain.sync_retry == "policy" else None
    trigger_async = sc.workload.trigger == "async"
    max_retries = sc.chain.async_max_retries
    max_age = sc.chain.async_max_event_age_s
    fail_async = FAILED if sc.chain.dead_letter else LOST
    sdk_attempts = sc.lambda_.sdk_max_attempts
    overhead_s = sc.lambda_.invoke_overhead_ms / 1000.0
    init_ms = ctx.init_ms
    timeout_s = [ctx.timeout_ms[k] / 1000.0 for k in range(len(ctx.steps))]

    def arm(run: _Run, t: float) -> None:
        if t < run.watch_at:
            run.watch_at = t
            ev = env.timeout(t - env.now)
            ev.callbacks.append(lambda _e: fire(run, t))

    def rearm(run: _Run) -> None:
        waiting = [f.deadline for f in run.frames if f.calls > 0]
        if waiting:
            arm(run, min(waiting))

    def fire(run: _Run, t: float) -> None:
        if run.watch_at != t:
            return
        run.watch_at = math.inf
        frames = run.frames
        now = env.now
        idx = next((i for i, f in enumerate(frames) if f.calls > 0 and f.deadline <= now + 1e-9), None)
        if idx is None:
            rearm(run)
            return
        f = frames[idx]
        f.alive = False
        plat.release(f.k, now)
        rec.invocation(run.d.doc, f.k, f.start, now, f.cold, TIMEOUT, orphan=f.orphan)
        for g in frames[idx + 1 :]:
            g.orphan = True
        callers = _Run(run.d, frames[:idx], run.orphan)
        run.frames = frames[idx + 1 :]
        run.orphan = True
        rearm(run)
        rearm(callers)
        env.process(drive(callers, _RETURN, TIMEOUT))

    def drive(run: _Run, action: int, arg: int) -> Generator[Any, Any, None]:
        d = run.d
        doc = d.doc
        while True:
            if action == _INVOKE:
                pos = arg
                k = order[pos]
                throttles = 0
                while True:
                    status = plat.acquire(k, env.now)
                    if status != THROTTLED:
                        break
                    rec.throttle(doc, k, env.now)
                    throttles += 1
                    if pos == 0 and trigger_async and not run.orphan:
                        wait = throttle_backoff_s(throttles)
                        if env.now + wait - d.enqueued > max_age:
                            rec.finish(doc, env.now, fail_async)
                            return
                    elif throttles >= sdk_attempts:
                        break
                    else:
                        wait = ctx.sdk_backoff_s(throttles - 1)
                    yield env.timeout(wait)
                    if run.frames and not run.frames[-1].alive:
                        return
                if status == THROTTLED:
                    action, arg = _RETURN, THROTTLE
                    continue
                cold = status == 1
                work, u = draws.attempt(k, doc, d.tries[pos])
                d.tries[pos] += 1
                res, run_ms = ctx.outcome_of(k, work, u)
                f = _Frame(pos, k, env.now, env.now + timeout_s[k], cold)
                if run.orphan:
                    f.orphan = True
                run.frames.append(f)
                last = pos + 1 == n
                yield env.timeout(((init_ms[k] if cold else 0.0) + run_ms) / 1000.0)
                if res != OK or last:
                    run.frames.pop()
                    plat.release(k, env.now)
                    rec.invocation(doc, k, f.start, env.now, cold, res, orphan=f.orphan)
                    action, arg = _RETURN, res
                    continue
                f.calls = 1
                arm(run, f.deadline)
                if overhead_s:
                    yield env.timeout(overhead_s)
                    if not f.alive:
                        return
                action, arg = _INVOKE, pos + 1
                continue
            # _RETURN: ``arg`` is the callee's result, handed to the frame on top of this run's stack.
            result = arg
            if not run.frames:
                if run.orphan:
                    return
                if result == OK:
                    rec.finish(doc, env.now, SUCCEEDED)
                    return
                if not trigger_async:
                    rec.finish(doc, env.now, FAILED)
                    return
                if d.retries >= max_retries or env.now + ASYNC_RETRY_DELAYS_S[d.retries] - d.enqueued > max_age:
                    rec.finish(doc, env.now, fail_async)
                    return
                yield env.timeout(ASYNC_RETRY_DELAYS_S[d.retries])
                d.retries += 1
                action, arg = _INVOKE, 0
                continue
            f = run.frames[-1]
            retryable = result in (ERROR, TIMEOUT, THROTTLE)
            if result == OK or not retryable or policy is None or f.calls > policy.max_attempts:
                run.frames.pop()
                f.alive = False
                plat.release(f.k, env.now)
                propagated = OK if result == OK else (FATAL if result == FATAL else ERROR)
                rec.invocation(doc, f.k, f.start, env.now, f.cold, propagated, orphan=f.orphan)
                action, arg = _RETURN, propagated
                continue
            wait = asl_wait_s(policy, f.calls, ctx.jitter() if policy.jitter == "full" else 1.0)
            yield env.timeout(wait)
            if not f.alive:
                return
            f.calls += 1
            action, arg = _INVOKE, f.pos + 1

    def document(doc: int) -> Generator[Any, Any, None]:
        return drive(_Run(_Doc(doc, env.now, n), [], False), _INVOKE, 0)

    env.process(ctx.arrival_process(document))
