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
from typing import Any

from orchsim.aws.rules import (
    HISTORY_EVENT_CAP,
    asl_wait_s,
    billed_ms,
    express_billed_memory_mb,
    failure_outcome_recorded,
)
from orchsim.errors import InputError
from orchsim.model.graph import Choice, Fail, Succeed, Task, Wait
from orchsim.sim.patterns.base import (
    FAILED,
    FATAL,
    LOST,
    NORMAL,
    OK,
    SUCCEEDED,
    THROTTLE,
    Context,
    Pattern,
    Wake,
    later,
)
from orchsim.sim.platform import COLD, THROTTLED, TokenBucket, sfn_quotas

__all__ = ["Machine", "StartExecution", "start_express", "start_standard"]

_EVENTS_PER_ATTEMPT = 5  # TaskStateEntered/Scheduled/Started/Succeeded|Failed/StateExited
_EVENTS_PER_EXECUTION = 2  # ExecutionStarted, ExecutionSucceeded|Failed



def start_standard(ctx: Context) -> None:
    """Start the arrivals of a Standard state machine.

    Parameters
    ----------
    ctx
        The run's context: its documents are started at their arrival times on ``ctx.env``,
        and metered through ``ctx.rec``.
    """
    _Machine(ctx, express=False).start()


def start_express(ctx: Context) -> None:
    """Start the arrivals of an Express state machine.

    Parameters
    ----------
    ctx
        The run's context: its documents are started at their arrival times on ``ctx.env``,
        and metered through ``ctx.rec``.
    """
    _Machine(ctx, express=True).start()


class Machine(Pattern):
    """A state machine's configuration and quotas (shared by the linear engine here and the
    imported-workflow engine, :mod:`orchsim.sim.patterns.graph`).

    Parameters
    ----------
    ctx
        The run's context.
    express
        Express (else Standard).
    """

    def __init__(self, ctx: Context, express: bool) -> None:
        super().__init__(ctx)
        sc = ctx.scenario
        self.express = express
        quotas = sfn_quotas(sc.region, "express" if express else "standard")
        self.start_bucket = TokenBucket(quotas["start"].size, quotas["start"].refill_per_s)
        self.trans_bucket = None if express else TokenBucket(quotas["transition"].size, quotas["transition"].refill_per_s)
        self.latency_s = sc.step_functions.transition_latency_ms / 1000.0
        self.dup_rate = sc.step_functions.express_duplicate_rate if express and not self.trigger_sync else 0.0
        rules = ctx.rules
        self.chunk_mb = int(express_billed_memory_mb(sc.step_functions.express_memory_mb, rules.express_memory_chunk_mb))
        self.unit_ms = rules.express_rounding_ms
        logging = express and sc.observability.express_logging(sc)
        self.log_bytes = sc.step_functions.log_bytes_per_transition if logging else 0.0
        recorded = failure_outcome_recorded(
            "sfn-express" if express else "sfn-standard", trigger_async=not self.trigger_sync, express_logging=logging
        )
        self.fail_outcome = FAILED if recorded else LOST
        self.limit_s = rules.express_max_duration_s if express else math.inf


class StartExecution:
    """StartExecution through the machine's token bucket: an async trigger (S3/EventBridge) waits for
    a token; a synchronous client's SDK retries a throttled start ``sdk_max_attempts`` times with
    full-jitter backoff, then gives up (``refused()``).

    Parameters
    ----------
    m
        The machine (its bucket, trigger and SDK settings).
    begin
        Called (with an event or nothing) when the execution starts.
    refused
        Called when the client gives up.
    """

    __slots__ = ("m", "begin", "refused", "tries")

    def __init__(self, m: Machine, begin: Any, refused: Any) -> None:
        self.m = m
        self.begin = begin
        self.refused = refused
        self.tries = 0

    def go(self, _ev: Any = None) -> None:
        m = self.m
        env = m.env
        if m.trigger_sync:
            if m.start_bucket.try_take(env.now):
                self.begin()
                return
            self.tries += 1
            if self.tries >= m.sdk_attempts:
                self.refused()
                return
            later(env, m.ctx.sdk_backoff_s(self.tries - 1), self.go)
            return
        wait = m.start_bucket.take(env.now)
        if wait > 0:
            later(env, wait, self.begin)
        else:
            self.begin()


class _Machine(Machine):
    """The linear pipeline's state machine; one :class:`_Execution` per document."""

    def __init__(self, ctx: Context, express: bool) -> None:
        super().__init__(ctx, express)
        assert ctx.graph is not None
        self.states = ctx.graph.states
        for st in ctx.graph.states.values():
            if not isinstance(st, Task | Wait | Choice | Succeed | Fail):
                raise InputError("pipeline", f"state {st.name!r}: {type(st).__name__} states are not simulated yet")

    def start(self) -> None:
        draws = self.ctx.draws

        def arrive(doc: int) -> None:
            if self.dup_rate > 0 and draws.dup.next() < self.dup_rate:
                _Execution(self, doc, True).start()
            _Execution(self, doc, False).start()

        self.ctx.start_arrivals(arrive)


class _Execution:
    """One execution walking the state graph; each method runs at one simulated instant and
    schedules the next with :func:`later` (callbacks are lighter than SimPy processes)."""

    __slots__ = ("m", "doc", "duplicate", "t0", "deadline", "name", "task", "attempt", "transitions",
                 "events", "t_start", "cold", "res", "k")

    def __init__(self, m: _Machine, doc: int, duplicate: bool) -> None:
        self.m = m
        self.doc = doc
        self.duplicate = duplicate
        self.t0 = 0.0
        self.deadline = math.inf
        self.name: str | None = None
        self.task: Task | None = None
        self.attempt = 0
        self.transitions = 0
        self.events = _EVENTS_PER_EXECUTION
        self.t_start = 0.0
        self.cold = False
        self.res = OK
        self.k = 0

    # -- StartExecution ---------------------------------------------------------------------
    def start(self) -> None:
        StartExecution(self.m, self._begin, self._refused).go()

    def _refused(self) -> None:
        self.m.ctx.rec.finish(self.doc, self.m.env.now, FAILED)

    def _begin(self, _ev: Any = None) -> None:
        self.t0 = self.m.ctx.env.now
        self.deadline = self.t0 + self.m.limit_s
        self._enter(self.m.ctx.graph.start)  # type: ignore[union-attr]

    # -- states -------------------------------------------------------------------------------
    def _enter(self, name: str | None) -> None:
        m = self.m
        ctx = m.ctx
        while name is not None:
            st = m.states[name]
            if type(st) is Task:
                self.task = st
                self.k = st.step
                self.attempt = 0
                self._attempt()
                return
            self.transitions += 1
            self.events += 2
            if m.trans_bucket is not None:
                ctx.rec.transition(self.doc)
            if isinstance(st, Wait):
                self.name = st.next
                self._sleep(st.seconds, self._after_wait)
                return
            if isinstance(st, Choice):
                u = ctx.jitter()
                name, acc = st.default, 0.0
                for prob, target in st.branches:
                    acc += prob
                    if u < acc:
                        name = target
                        break
                continue
            self._finish(m.fail_outcome if isinstance(st, Fail) else SUCCEEDED)
            return
        self._finish(SUCCEEDED)

    def _after_wait(self, _ev: Any = None) -> None:
        self._enter(self.name)

    def _sleep(self, seconds: float, then: Any) -> None:
        """Sleep ``seconds`` then call ``then``; an Express execution that would pass its 5-minute
        limit fails with States.Timeout at the limit instead."""
        env = self.m.ctx.env
        if env.now + seconds > self.deadline:
            later(env, self.deadline - env.now, self._timed_out)
        else:
            later(env, seconds, then)

    def _timed_out(self, _ev: Any = None) -> None:
        self._finish(self.m.fail_outcome)

    # -- Task attempts --------------------------------------------------------------------------
    def _attempt(self, counted: bool = False) -> None:
        """Enter the Task (or retry it) and invoke its Lambda.

        Entering is one transition, which waits for a StateTransition token (Standard) before the
        Lambda is invoked: no Lambda slot is held while it waits (``counted`` marks the call made
        once the token arrives). The transition latency is folded into the invocation's start: the
        slot is counted from the transition, billing from the start of the function."""
        m = self.m
        env = m.env
        now = env.now
        k = self.k
        doc = self.doc
        if not counted:
            self.transitions += 1
            self.events += _EVENTS_PER_ATTEMPT
            if self.events > HISTORY_EVENT_CAP:
                self._finish(FAILED)
                return
            if m.trans_bucket is not None:
                m.rec.transition(doc)
                wait = m.trans_bucket.take(now)
                if wait > 0:
                    self._sleep(wait, self._invoke)
                    return
        delay = m.latency_s
        status = m.acquire(k, now)
        if status == THROTTLED:
            m.rec.throttle(doc, k, now)
            self.res = THROTTLE
            self._sleep(delay, self._after_attempt)
            return
        res, run_ms = m.attempt(k, doc, self.attempt, self.duplicate)
        self.res = res
        self.cold = cold = status == COLD
        self.t_start = t_start = now + delay
        end = t_start + ((m.init_ms[k] if cold else 0.0) + run_ms) / 1000.0
        if end > self.deadline:
            # States.Timeout at the limit; the Lambda carries on, is billed, its result thrown away.
            later(env, end - now, self._orphan_done)
            later(env, max(self.deadline - now, 0.0), self._timed_out)
            return
        env.schedule(Wake(self._invocation_done), NORMAL, end - now)  # type: ignore[arg-type]

    def _invoke(self, _ev: Any = None) -> None:
        self._attempt(counted=True)

    def _orphan_done(self, _ev: Any = None) -> None:
        m = self.m
        now = m.env.now
        m.release(self.k, now)
        m.rec.invocation(self.doc, self.k, self.t_start, now, self.cold, self.res, orphan=True)

    def _invocation_done(self, _ev: Any = None) -> None:
        m = self.m
        now = m.env.now
        m.release(self.k, now)
        m.rec.invocation(self.doc, self.k, self.t_start, now, self.cold, self.res, self.duplicate)  # a duplicate's work is waste
        if self.res == OK:
            self._enter(self.task.next)  # type: ignore[union-attr]
        else:
            self._after_attempt()

    def _after_attempt(self, _ev: Any = None) -> None:
        res = self.res
        task = self.task
        assert task is not None
        if res == OK:
            self._enter(task.next)
            return
        policy = task.retry
        if res == FATAL or policy is None or self.attempt >= policy.max_attempts:
            self._finish(self.m.fail_outcome)
            return
        self.attempt += 1
        u = self.m.ctx.jitter() if policy.jitter == "full" else 1.0
        self._sleep(asl_wait_s(policy, self.attempt, u), self._retry)

    def _retry(self, _ev: Any = None) -> None:
        self._attempt()

    # -- end ----------------------------------------------------------------------------------
    def _finish(self, outcome: int) -> None:
        m = self.m
        ctx = m.ctx
        now = ctx.env.now
        rec = ctx.rec
        if m.express:
            rec.express(billed_ms((now - self.t0) * 1000.0, m.unit_ms), m.chunk_mb)
            rec.log_bytes += m.log_bytes * self.transitions
        if self.duplicate:
            rec.duplicates += 1
        else:
            rec.finish(self.doc, now, outcome)
