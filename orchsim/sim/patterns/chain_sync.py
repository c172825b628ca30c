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
* The caller's SDK gives up on an invoke after ``lambda.sdk_read_timeout_s`` without a response
  (boto3's read timeout, 60 s by default: botocore ``Config(read_timeout=60)``) and invokes again,
  with the SDK's backoff, up to ``lambda.sdk_max_attempts`` attempts in all, then raises (an error of
  the caller); every callee it gave up on carries on as an orphan, billed, its result thrown away
  ("an API action is duplicated": https://repost.aws/knowledge-center/lambda-function-retry-timeout-sdk).
  The model calls an orphan made, or makes later, are wasted.
* The trigger: an async event (S3/EventBridge) invokes step 1 through Lambda's async queue, which
  retries any error of the whole chain ``async_max_retries`` times (1 min, then 2 min) and requeues
  throttles (1 s doubling to 5 min) until ``async_max_event_age_s``; a document that runs out is
  ``failed`` with a dead-letter queue, else ``lost``. A synchronous client gets the error: ``failed``.

The chain runs as an explicit stack of frames driven by callbacks rather than nested generators, so
that a caller's timeout can split the stack: the callers go on in a new run with the timeout error,
the callees go on as an orphan in the old one. A run never schedules a separate watchdog: each of its
sleeps ends at the earlier of its own end and the earliest deadline of a waiting caller.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from orchsim.aws.rules import ASYNC_RETRY_DELAYS_S, asl_wait_s, failure_outcome_recorded
from orchsim.model.graph import task_chain
from orchsim.sim.patterns.base import (
    ERROR,
    FAILED,
    FATAL,
    LOST,
    NORMAL,
    OK,
    SUCCEEDED,
    THROTTLE,
    TIMEOUT,
    Context,
    Pattern,
    Wake,
    later,
)
from orchsim.sim.platform import COLD, THROTTLED

__all__ = ["start"]


def start(ctx: Context) -> None:
    """Start the arrivals of a synchronous Lambda chain.

    Parameters
    ----------
    ctx
        The run's context: its documents are started at their arrival times on ``ctx.env``,
        and metered through ``ctx.rec``.
    """
    chain = _Chain(ctx)
    env = ctx.env
    ctx.start_arrivals(lambda doc: _Run(chain, _Doc(doc, env.now, chain.n), [], False).invoke(0))


class _Chain(Pattern):
    """The chain's configuration."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        sc = ctx.scenario
        assert ctx.graph is not None
        self.order = task_chain(ctx.graph)
        self.n = len(self.order)
        self.policy = sc.retry if sc.chain.sync_retry == "policy" else None
        self.trigger_async = not self.trigger_sync
        recorded = failure_outcome_recorded("lambda-chain-sync", trigger_async=True, dead_letter=sc.chain.dead_letter)
        self.fail_async = FAILED if recorded else LOST
        self.timeout_s = [ms / 1000.0 for ms in ctx.timeout_ms]
        self.calls_model_any = any(ctx.calls_model)
        self.tokens = ctx.draws.tokens


class _Frame:
    """One running invocation in the chain; ``calls > 0`` once it waits on its callee. ``due`` is the
    earlier of its own timeout and, while a callee's response is awaited, its SDK's read timeout;
    ``reads`` counts the read timeouts of the current call; ``tok`` holds its model call's tokens
    (None when it made none that succeeded)."""

    __slots__ = ("pos", "k", "start", "deadline", "due", "reads", "tok", "cold", "res", "calls", "alive", "orphan")

    def __init__(self, pos: int, k: int, start: float, deadline: float, cold: bool, res: int, orphan: bool) -> None:
        self.pos = pos
        self.k = k
        self.start = start
        self.deadline = deadline
        self.due = deadline
        self.reads = 0
        self.tok: tuple[float, float] | None = None
        self.cold = cold
        self.res = res
        self.calls = 0
        self.alive = True
        self.orphan = orphan


class _Doc:
    """Per-document state shared by every run of the document."""

    __slots__ = ("doc", "enqueued", "retries", "tries")

    def __init__(self, doc: int, enqueued: float, n: int) -> None:
        self.doc = doc
        self.enqueued = enqueued
        self.retries = 0
        self.tries = [0] * n


class _Run:
    """One thread of control over a document's chain: a stack of frames and one pending sleep."""

    __slots__ = ("c", "d", "frames", "orphan", "md", "target", "owner", "cont", "next_pos", "throttles")

    def __init__(self, chain: _Chain, d: _Doc, frames: list[_Frame], orphan: bool) -> None:
        self.c = chain
        self.d = d
        self.frames = frames
        self.orphan = orphan
        self.md = min((f.due for f in frames if f.calls > 0), default=math.inf) if frames else math.inf
        self.target = 0.0
        self.owner: _Frame | None = None
        self.cont: Callable[[Any], None] | None = None
        self.next_pos = 0
        self.throttles = 0

    # -- sleeping with callers' deadlines in mind --------------------------------------------------
    def _sleep_until(self, target: float, owner: _Frame | None, cont: Callable[[Any], None]) -> None:
        env = self.c.env
        if self.md < target:
            self.target = target
            self.owner = owner
            self.cont = cont
            later(env, self.md - env.now, self._deadline)
        else:
            later(env, target - env.now, cont)

    def _deadline(self, _ev: Any) -> None:
        """A waiting caller's timeout, or its SDK's read timeout, passed: split the stack at it."""
        c = self.c
        ctx = c.ctx
        now = ctx.env.now
        frames = self.frames
        idx = next(i for i, f in enumerate(frames) if f.calls > 0 and f.due <= now + 1e-9)
        f = frames[idx]
        callees = frames[idx + 1 :]
        for g in callees:
            if not g.orphan and g.tok is not None:
                ctx.rec.model_orphaned(self.d.doc, g.k, *g.tok)
            g.orphan = True
        self.frames = callees
        self.orphan = True
        self.md = min((g.due for g in callees if g.calls > 0), default=math.inf)
        owner, cont, target = self.owner, self.cont, self.target
        if f.deadline <= now + 1e-9:  # the caller's own timeout
            f.alive = False
            ctx.platform.release(f.k, now)
            ctx.rec.invocation(self.d.doc, f.k, f.start, now, f.cold, TIMEOUT, orphan=f.orphan)
            _Run(c, self.d, frames[:idx], f.orphan).ret(TIMEOUT)
        else:  # the SDK's read timeout: invoke again after its backoff, or raise
            ctx.rec.read_timeouts += 1
            f.due = f.deadline
            f.reads += 1
            callers = _Run(c, self.d, frames[: idx + 1], f.orphan)
            if f.reads < c.sdk_attempts:
                callers.next_pos = f.pos + 1
                callers._sleep_until(now + ctx.sdk_backoff_s(f.reads - 1), f, callers._invoke_next)
            else:
                callers.ret(ERROR)
        if owner is not None and not owner.alive:
            return
        assert cont is not None
        if target <= now:
            cont(None)
        else:
            self._sleep_until(target, owner, cont)

    # -- invoking step ``pos`` ------------------------------------------------------------------------
    def invoke(self, pos: int) -> None:
        c = self.c
        ctx = c.ctx
        now = c.env.now
        k = c.order[pos]
        status = c.acquire(k, now)
        if status == THROTTLED:
            ctx.rec.throttle(self.d.doc, k, now)
            self.throttles += 1
            self.next_pos = pos
            queued = pos == 0 and c.trigger_async and not self.orphan  # the async trigger's event, else the caller's SDK
            wait = c.throttle_wait_s(self.throttles, not queued, self.d.enqueued, now)
            if wait is None:
                if queued:
                    ctx.rec.finish(self.d.doc, now, c.fail_async)
                    return
                self.throttles = 0
                self.ret(THROTTLE)
                return
            owner = self.frames[-1] if self.frames and not queued else None
            self._sleep_until(now + wait, owner, self._invoke_next)
            return
        self.throttles = 0
        cold = status == COLD
        d = self.d
        if self.frames:  # the caller's SDK now waits for the response, up to its read timeout
            caller = self.frames[-1]
            due = now + c.read_timeout_s
            if due < caller.due:
                caller.due = due
                if due < self.md:
                    self.md = due
        tries = d.tries[pos]
        d.tries[pos] = tries + 1
        res, run_ms = c.attempt(k, d.doc, tries, self.orphan)
        f = _Frame(pos, k, now, now + c.timeout_s[k], cold, res, self.orphan)
        if res == OK and c.ctx.calls_model[k] and not self.orphan:
            f.tok = c.tokens(k, d.doc, tries == 0)
        self.frames.append(f)
        run_s = ((c.init_ms[k] if cold else 0.0) + run_ms) / 1000.0
        if self.md < now + run_s:
            self._sleep_until(now + run_s, f, self._after_work)
        else:
            c.env.schedule(Wake(self._after_work), NORMAL, run_s)  # type: ignore[arg-type]

    def _invoke_next(self, _ev: Any = None) -> None:
        self.invoke(self.next_pos)

    def _after_work(self, _ev: Any = None) -> None:
        c = self.c
        f = self.frames[-1]
        if f.res != OK or f.pos + 1 == c.n:
            self.frames.pop()
            now = c.env.now
            c.release(f.k, now)
            c.rec.invocation(self.d.doc, f.k, f.start, now, f.cold, f.res, f.orphan)
            self.ret(f.res)
            return
        f.calls = 1
        if f.due < self.md:
            self.md = f.due
        self.next_pos = f.pos + 1
        if c.overhead_s:
            self._sleep_until(c.env.now + c.overhead_s, f, self._invoke_next)
        else:
            self.invoke(f.pos + 1)

    # -- a callee's result reaches the frame on top of the stack --------------------------------------
    def ret(self, result: int) -> None:
        c = self.c
        ctx = c.ctx
        rec = c.rec
        d = self.d
        while True:
            now = c.env.now
            if not self.frames:
                if self.orphan:
                    return
                if result == OK:
                    rec.finish(d.doc, now, SUCCEEDED)
                elif not c.trigger_async:
                    rec.finish(d.doc, now, FAILED)
                elif d.retries >= c.max_retries or now + ASYNC_RETRY_DELAYS_S[d.retries] - d.enqueued > c.max_age:
                    rec.finish(d.doc, now, c.fail_async)
                else:
                    self.next_pos = 0
                    if c.calls_model_any:
                        rec.model_rerun(d.doc)
                    self._sleep_until(now + ASYNC_RETRY_DELAYS_S[d.retries], None, self._invoke_next)
                    d.retries += 1
                return
            f = self.frames[-1]
            f.reads = 0
            if f.due != f.deadline:
                f.due = f.deadline
                self.md = min((g.due for g in self.frames if g.calls > 0), default=math.inf)
            policy = c.policy
            if result in (OK, FATAL) or policy is None or f.calls > policy.max_attempts:
                self.frames.pop()
                f.alive = False
                c.release(f.k, now)
                if result != OK and result != FATAL:
                    result = ERROR
                rec.invocation(d.doc, f.k, f.start, now, f.cold, result, f.orphan)
                if f.due == self.md:
                    self.md = min((g.due for g in self.frames if g.calls > 0), default=math.inf)
                continue
            wait = asl_wait_s(policy, f.calls, ctx.jitter() if policy.jitter == "full" else 1.0)
            f.calls += 1
            self.next_pos = f.pos + 1
            self._sleep_until(now + wait, f, self._invoke_next)
            return
