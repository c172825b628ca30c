"""The AWS platform the patterns run on: Lambda concurrency, scaling and warm environments, and
Step Functions token buckets. Pure state plus arithmetic; the SimPy processes live in ``patterns/``.

Lambda (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): one account
concurrency limit shared by every function; each function adds at most ``scaling_per_10s`` new
execution environments per 10 s; an invocation takes an idle warm environment of its function if
one is alive (keep-alive not expired), else starts a new one (a cold start, INIT billed) if both
limits allow, else it is throttled (429, not billed).

Step Functions quotas are token buckets (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html):
StartExecution and, for Standard, StateTransition.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from orchsim.aws.rules import BucketSpec, sfn_quotas
from orchsim.model.scenario import KeepAlive, LambdaConfig

__all__ = ["BucketSpec", "COLD", "FunctionState", "LambdaPlatform", "ModelGate", "THROTTLED", "TokenBucket", "WARM", "sfn_quotas"]

THROTTLED = -1
""":meth:`LambdaPlatform.acquire`: no concurrency or scaling room (429, not billed)."""
WARM = 0
""":meth:`LambdaPlatform.acquire`: an idle warm environment was reused."""
COLD = 1
""":meth:`LambdaPlatform.acquire`: a new environment was started (INIT billed)."""

class _Gcra:
    """A token bucket holding one minute's quota, refilling continuously, as GCRA virtual scheduling
    (``tat``: when the bucket would be full again): it answers a check at any time, earlier or later
    than the last one."""

    __slots__ = ("interval", "tat")

    def __init__(self, per_minute: float) -> None:
        self.interval = 60.0 / per_minute
        self.tat = 0.0

    def fits(self, t: float, cost: float) -> bool:
        return max(self.tat, t) + cost * self.interval - t <= 60.0 + 1e-9

    def take(self, t: float, cost: float) -> None:
        self.tat = max(self.tat, t) + cost * self.interval


class ModelGate:
    """A model's on-demand quotas (requests and tokens per minute), shared by every caller.

    :meth:`call` decides a call when it is made, and the SDK's retries of a throttled call (inside a
    Lambda function) at their own times, in advance: a retry takes its place in the buckets when the
    call is decided (GCRA virtual scheduling keeps the admitted rate exact; which of two concurrent
    callers wins a token can differ from the order the service would see).

    Parameters
    ----------
    requests_per_minute, tokens_per_minute
        The quotas (None: no limit).
    burndown
        Quota tokens one output token consumes.
    """

    __slots__ = ("requests", "tokens", "burndown")

    def __init__(self, requests_per_minute: float | None, tokens_per_minute: float | None, burndown: float = 1.0) -> None:
        self.requests = _Gcra(requests_per_minute) if requests_per_minute else None
        self.tokens = _Gcra(tokens_per_minute) if tokens_per_minute else None
        self.burndown = burndown

    def call(self, t: float, tokens_in: float, tokens_out: float, attempts: int, backoff_s: Callable[[int], float]) -> tuple[float, bool, int]:
        """One call made at ``t``, tried up to ``attempts`` times.

        Parameters
        ----------
        t
            When the call is made, simulated s.
        tokens_in, tokens_out
            Its tokens (the token quota counts input plus output times the burndown).
        attempts
            Tries (1 for a Step Functions Task: its Retry decides; the SDK's for a function).
        backoff_s
            The wait after throttled try ``i`` (0 first), s.

        Returns
        -------
        tuple
            ``(waited s, admitted, throttled tries)``: admitted after ``waited`` seconds, or given up
            (the last try throttled) after them.
        """
        cost = tokens_in + tokens_out * self.burndown
        waited = 0.0
        for i in range(attempts):
            at = t + waited
            if (self.requests is None or self.requests.fits(at, 1.0)) and (self.tokens is None or self.tokens.fits(at, cost)):
                if self.requests is not None:
                    self.requests.take(at, 1.0)
                if self.tokens is not None:
                    self.tokens.take(at, cost)
                return waited, True, i
            if i + 1 < attempts:
                waited += backoff_s(i)
        return waited, False, attempts


class TokenBucket:
    """A token bucket with lazy refill: ``take(now)`` returns the wait (s) until a token is granted
    and consumes it (tokens may go negative to queue waiters in order).

    Parameters
    ----------
    size
        Bucket size, tokens; the bucket starts full.
    refill_per_s
        Tokens added per second.
    """

    __slots__ = ("size", "rate", "tokens", "last")

    def __init__(self, size: float, refill_per_s: float) -> None:
        self.size = float(size)
        self.rate = float(refill_per_s)
        self.tokens = float(size)
        self.last = 0.0

    def _refill(self, now: float) -> None:
        if now > self.last:
            self.tokens = min(self.size, self.tokens + (now - self.last) * self.rate)
            self.last = now

    def take(self, now: float) -> float:
        """Consume one token, queueing behind earlier takers if there is none.

        Parameters
        ----------
        now
            Simulated time, s.

        Returns
        -------
        float
            How long the caller must wait for its token, s (0 if one was available).
        """
        self._refill(now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def try_take(self, now: float) -> bool:
        """Consume one token if one is available now; never queues.

        Parameters
        ----------
        now
            Simulated time, s.

        Returns
        -------
        bool
            Whether a token was taken.
        """
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class FunctionState:
    """One Lambda function's environments: how many are busy, idle ones' expiry times, scaling.

    Parameters
    ----------
    scaling_per_10s
        New environments the function may start per 10 s (a token bucket of that size).
    """

    __slots__ = ("busy", "idle", "scaling", "cold_starts", "throttles", "peak")

    def __init__(self, scaling_per_10s: int) -> None:
        self.busy = 0
        self.idle: list[float] = []
        self.scaling = TokenBucket(scaling_per_10s, scaling_per_10s / 10.0)
        self.cold_starts = 0
        self.throttles = 0
        self.peak = 0


class LambdaPlatform:
    """Account-level Lambda state shared by every function of a scenario.

    Parameters
    ----------
    cfg
        The scenario's concurrency limit, scaling rate and keep-alive (s, or a uniform range).
    n_functions
        Number of functions (the pipeline's steps).
    keep_alive_rng
        The keep-alive stream (:data:`orchsim.sim.rng.KEEP_ALIVE`), drawn only for a range.
    """

    __slots__ = ("limit", "busy", "functions", "_ka_fixed", "_ka_low", "_ka_span", "_ka_rng", "peak")

    def __init__(self, cfg: LambdaConfig, n_functions: int, keep_alive_rng: np.random.Generator) -> None:
        self.limit = cfg.concurrency_limit
        self.busy = 0
        self.peak = 0
        self.functions = [FunctionState(cfg.scaling_per_10s) for _ in range(n_functions)]
        ka = cfg.keep_alive_s
        if isinstance(ka, KeepAlive):
            self._ka_fixed = None
            self._ka_low = ka.low_s
            self._ka_span = ka.high_s - ka.low_s
        else:
            self._ka_fixed = float(ka)
            self._ka_low = self._ka_span = 0.0
        self._ka_rng = keep_alive_rng

    def acquire(self, fn: int, now: float) -> int:
        """Start an invocation of a function: reuse an idle environment, start one, or throttle.

        Parameters
        ----------
        fn
            The function's index (the step's position).
        now
            Simulated time, s.

        Returns
        -------
        int
            :data:`WARM`, :data:`COLD` or :data:`THROTTLED`.
        """
        f = self.functions[fn]
        if self.busy >= self.limit:
            f.throttles += 1
            return THROTTLED
        idle = f.idle
        while idle:
            if idle.pop() > now:
                f.busy += 1
                self.busy += 1
                if self.busy > self.peak:
                    self.peak = self.busy
                if f.busy > f.peak:
                    f.peak = f.busy
                return WARM
            if self._ka_fixed is not None:
                idle.clear()  # LIFO with a fixed keep-alive: everything below expired earlier
        if not f.scaling.try_take(now):
            f.throttles += 1
            return THROTTLED
        f.busy += 1
        f.cold_starts += 1
        self.busy += 1
        if self.busy > self.peak:
            self.peak = self.busy
        if f.busy > f.peak:
            f.peak = f.busy
        return COLD

    def release(self, fn: int, now: float) -> None:
        """End an invocation: its environment becomes idle until its keep-alive ends.

        Parameters
        ----------
        fn
            The function's index.
        now
            Simulated time, s.
        """
        f = self.functions[fn]
        f.busy -= 1
        self.busy -= 1
        if self._ka_fixed is not None:
            f.idle.append(now + self._ka_fixed)
        else:
            f.idle.append(now + self._ka_low + self._ka_span * float(self._ka_rng.random()))

    @property
    def cold_starts(self) -> int:
        """Cold starts over all functions."""
        return sum(f.cold_starts for f in self.functions)

    @property
    def throttles(self) -> int:
        """Throttled invocation attempts over all functions."""
        return sum(f.throttles for f in self.functions)
