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

from typing import Any

from orchsim.aws.rules import ASYNC_RETRY_DELAYS_S, failure_outcome_recorded
from orchsim.model.graph import task_chain
from orchsim.sim.patterns.base import FAILED, LOST, NORMAL, OK, SUCCEEDED, Context, Pattern, Wake, later
from orchsim.sim.platform import COLD, THROTTLED

__all__ = ["start"]


def start(ctx: Context) -> None:
    """Start the arrivals of an asynchronous Lambda chain.

    Parameters
    ----------
    ctx
        The run's context: its documents are started at their arrival times on ``ctx.env``,
        and metered through ``ctx.rec``.
    """
    chain = _Chain(ctx)
    ctx.start_arrivals(lambda doc: _Doc(chain, doc).deliver())


class _Chain(Pattern):
    """The chain's configuration."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        assert ctx.graph is not None
        self.order = task_chain(ctx.graph)
        self.n = len(self.order)
        recorded = failure_outcome_recorded("lambda-chain-async", trigger_async=True, dead_letter=ctx.scenario.chain.dead_letter)
        self.fail_outcome = FAILED if recorded else LOST
        self.dup_rate = ctx.scenario.lambda_.async_duplicate_rate


class _Doc:
    """One document's event travelling down the chain (callbacks, no process)."""

    __slots__ = ("c", "doc", "pos", "k", "enqueued", "retries", "throttles", "attempt", "t_start", "cold", "res", "duplicate")

    def __init__(self, chain: _Chain, doc: int, duplicate: bool = False) -> None:
        self.c = chain
        self.doc = doc
        self.pos = 0
        self.k = chain.order[0]
        self.enqueued = chain.ctx.env.now
        self.retries = 0
        self.throttles = 0
        self.attempt = 0
        self.t_start = 0.0
        self.cold = False
        self.res = OK
        self.duplicate = duplicate  # a second delivery of an event: its work is paid, its result thrown away

    def deliver(self) -> None:
        """The event for hop ``pos`` enters Lambda's async queue, which may deliver it twice
        (``lambda.async_duplicate_rate``): the twin runs this hop and the rest of the chain."""
        c = self.c
        if c.dup_rate > 0 and (self.pos > 0 or not c.trigger_sync) and c.ctx.draws.dup.next() < c.dup_rate:
            twin = _Doc(c, self.doc, duplicate=True)
            twin.pos, twin.k = self.pos, self.k
            c.rec.duplicates += 1
            twin.invoke()
        self.invoke()

    def _finish(self, outcome: int) -> None:
        if not self.duplicate:
            self.c.ctx.rec.finish(self.doc, self.c.env.now, outcome)

    def invoke(self, _ev: Any = None) -> None:
        c = self.c
        ctx = c.ctx
        env = c.env
        now = env.now
        k = self.k
        status = c.acquire(k, now)
        if status == THROTTLED:
            ctx.rec.throttle(self.doc, k, now)
            self.throttles += 1
            client = self.pos == 0 and c.trigger_sync
            wait = c.throttle_wait_s(self.throttles, client, self.enqueued, now)
            if wait is None:
                self._finish(FAILED if client else c.fail_outcome)
                return
            later(env, wait, self.invoke)
            return
        self.cold = cold = status == COLD
        res, run_ms = c.attempt(k, self.doc, self.attempt, self.duplicate)
        self.attempt += 1
        self.res = res
        self.t_start = now
        extra = c.overhead_s if (res == OK and self.pos + 1 < c.n) else 0.0
        env.schedule(Wake(self._done), NORMAL, ((c.init_ms[k] if cold else 0.0) + run_ms) / 1000.0 + extra)  # type: ignore[arg-type]

    def _done(self, _ev: Any) -> None:
        c = self.c
        ctx = c.ctx
        now = c.env.now
        c.release(self.k, now)
        c.rec.invocation(self.doc, self.k, self.t_start, now, self.cold, self.res, self.duplicate)
        if self.res == OK:
            self.pos += 1
            if self.pos == c.n:
                self._finish(SUCCEEDED)
                return
            self.k = c.order[self.pos]
            self.enqueued = now
            self.retries = self.throttles = self.attempt = 0
            self.deliver()
            return
        if self.pos == 0 and c.trigger_sync:
            self._finish(FAILED)
            return
        if self.retries >= c.max_retries or now + ASYNC_RETRY_DELAYS_S[self.retries] - self.enqueued > c.max_age:
            self._finish(c.fail_outcome)
            return
        later(ctx.env, ASYNC_RETRY_DELAYS_S[self.retries], self.invoke)
        self.retries += 1
