"""What every pattern shares: attempt outcomes, common random draws, the recorder and the context.

A pattern is a function ``start(ctx)`` that starts SimPy processes on ``ctx.env`` for every arriving
document; the processes meter through ``ctx.rec`` and never know prices.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL

from orchsim.aws.rules import DEFAULT_RULES, BillingRules, billed_ms, gb_per_ms, throttle_backoff_s
from orchsim.model.graph import linear_graph
from orchsim.model.scenario import Scenario, Step
from orchsim.model.services import ModelDuration
from orchsim.sim import rng as streams
from orchsim.sim.arrivals import arrival_times
from orchsim.sim.budget import DETAIL_DOCS
from orchsim.sim.platform import LambdaPlatform, ModelGate

__all__ = [
    "NORMAL",
    "Wake",
    "Context",
    "Draws",
    "Recorder",
    "OK",
    "ERROR",
    "FATAL",
    "TIMEOUT",
    "THROTTLE",
    "RESULT_NAMES",
    "IN_FLIGHT",
    "SUCCEEDED",
    "FAILED",
    "LOST",
    "OUTCOME_NAMES",
    "later",
    "Pattern",
]

# Attempt results
OK, ERROR, FATAL, TIMEOUT, THROTTLE = 0, 1, 2, 3, 4
RESULT_NAMES = ("ok", "error", "fatal", "timeout", "throttled")
# Document outcomes
IN_FLIGHT, SUCCEEDED, FAILED, LOST = 0, 1, 2, 3
OUTCOME_NAMES = ("in_flight", "succeeded", "failed", "lost")

_BLOCK = 4096


class _Buffer:
    """Scalars from a generator in blocks (a NumPy call per scalar would dominate run time)."""

    __slots__ = ("_rng", "_buf", "_i", "_kind")

    def __init__(self, rng: np.random.Generator, kind: Callable[[np.random.Generator, int], np.ndarray]) -> None:
        self._rng = rng
        self._kind = kind
        self._buf: list[float] = []
        self._i = 0

    def next(self) -> float:
        if self._i >= len(self._buf):
            self._buf = self._kind(self._rng, _BLOCK).tolist()
            self._i = 0
        v = self._buf[self._i]
        self._i += 1
        return v


class Draws:
    """Common random numbers: document i's first attempt at step k always gets ``work_ms[k][i]`` and
    ``u[k][i]`` (uniform, for its outcome), whatever the pattern. Retries, jitter, keep-alive and
    duplicates draw from their own streams."""

    __slots__ = ("work_ms", "u", "_retry_work", "_retry_u", "jitter", "dup", "tokens_in", "tokens_out")

    work_ms: list[array[float]]
    u: list[array[float]]

    def __init__(self, scenario: Scenario, steps: tuple[Step, ...], n_docs: int, replication: int) -> None:
        seed = scenario.seed
        self.work_ms = []
        self.u = []
        self._retry_work: list[_Buffer | _ModelBuffer] = []
        self._retry_u: list[_Buffer] = []
        self.tokens_in: list[array[float] | None] = []
        self.tokens_out: list[array[float] | None] = []
        for k, step in enumerate(steps):
            dist = step.duration
            self.u.append(_doubles(streams.step_stream(seed, replication, k, streams.OUTCOME).random(n_docs)))
            self._retry_u.append(_Buffer(streams.step_stream(seed, replication, k, streams.RETRY_OUTCOME), _uniform))
            if not isinstance(dist, ModelDuration):
                self.work_ms.append(_doubles(dist.sample(streams.step_stream(seed, replication, k, streams.WORK), n_docs)))
                self._retry_work.append(_Buffer(streams.step_stream(seed, replication, k, streams.RETRY_WORK), dist.sample))
                self.tokens_in.append(None)
                self.tokens_out.append(None)
                continue
            # A model call: its own work from the step's streams (as without the call), the tokens
            # and latency from the model streams, the work time their sum.
            own = dist.own.sample(streams.step_stream(seed, replication, k, streams.WORK), n_docs)
            tin, tout, lat = _model_calls(dist, streams.step_stream(seed, replication, k, streams.MODEL), n_docs)
            self.work_ms.append(_doubles(own + lat))
            self.tokens_in.append(_doubles(tin))
            self.tokens_out.append(_doubles(tout))
            self._retry_work.append(_ModelBuffer(dist, streams.step_stream(seed, replication, k, streams.RETRY_WORK),
                                                 streams.step_stream(seed, replication, k, streams.RETRY_MODEL)))
        self.jitter = _Buffer(streams.stream(seed, replication, streams.JITTER), _uniform)
        self.dup = _Buffer(streams.stream(seed, replication, streams.DUPLICATES), _uniform)

    def attempt(self, k: int, doc: int, attempt: int) -> tuple[float, float]:
        """The draws of one attempt.

        Parameters
        ----------
        k
            Step index.
        doc
            Document index.
        attempt
            Try number, 0 for the first (later tries draw from the retry streams).

        Returns
        -------
        tuple of float
            ``(work ms, outcome uniform in [0, 1))``.
        """
        if attempt == 0:
            return self.work_ms[k][doc], self.u[k][doc]
        return self._retry_work[k].next(), self._retry_u[k].next()


    def tokens(self, k: int, doc: int, first: bool) -> tuple[float, float]:
        """(input, output) tokens of the model call of the attempt just drawn at model step ``k``:
        the document's first-attempt draw, or (``first`` False) the last retry draw."""
        if first:
            return self.tokens_in[k][doc], self.tokens_out[k][doc]  # type: ignore[index]
        buf = self._retry_work[k]
        assert isinstance(buf, _ModelBuffer)
        return buf.last_in, buf.last_out


def _model_calls(dist: ModelDuration, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` model calls: (input tokens, output tokens, latency ms)."""
    svc = dist.service
    tin = svc.tokens.input.sample(rng, n).astype(float)
    tout = svc.tokens.output.sample(rng, n).astype(float)
    return tin, tout, svc.latency_ms(tout, rng)


class _ModelBuffer:
    """A model step's later attempts in blocks: ``next()`` gives the work time (own work plus the
    call's latency) and leaves that call's tokens in ``last_in`` and ``last_out``."""

    __slots__ = ("_dist", "_own_rng", "_model_rng", "_work", "_in", "_out", "_i", "last_in", "last_out")

    def __init__(self, dist: ModelDuration, own_rng: np.random.Generator, model_rng: np.random.Generator) -> None:
        self._dist = dist
        self._own_rng = own_rng
        self._model_rng = model_rng
        self._work: list[float] = []
        self._in: list[float] = []
        self._out: list[float] = []
        self._i = 0
        self.last_in = 0.0
        self.last_out = 0.0

    def next(self) -> float:
        i = self._i
        if i >= len(self._work):
            own = self._dist.own.sample(self._own_rng, _BLOCK)
            tin, tout, lat = _model_calls(self._dist, self._model_rng, _BLOCK)
            self._work, self._in, self._out = (own + lat).tolist(), tin.tolist(), tout.tolist()
            i = 0
        self._i = i + 1
        self.last_in = self._in[i]
        self.last_out = self._out[i]
        return self._work[i]


def _uniform(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.random(n)


def _doubles(values: np.ndarray) -> array[float]:
    """A compact float64 array whose items index as Python floats (8 bytes each, fast to read)."""
    out = array("d")
    out.frombytes(np.ascontiguousarray(values, dtype=np.float64).tobytes())
    return out


def _zeros(typecode: str, n: int) -> array[Any]:
    return array(typecode, bytes(array(typecode).itemsize * n))


class Wake:
    """The lightest event SimPy's ``Environment.step`` can process: already succeeded, one callback.

    ``Environment.schedule`` accepts it like a Timeout; it spares the Timeout constructor and the
    process machinery on the hot path (one of these per Lambda invocation). It sets SimPy's private
    ``_ok`` and ``_value``, which ``Environment.step`` reads: ``tests/test_simpy_contract.py`` fails
    if a SimPy release changes that (the public ``env.timeout(d).callbacks.append(cb)`` measured
    about 15% slower on the simulation).

    Parameters
    ----------
    callback
        Called with the event when it is processed.
    """

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Callable[[Any], None]) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = [callback]
        self._ok = True
        self._value = None


def later(env: simpy.Environment, delay: float, callback: Callable[[Any], None]) -> None:
    """Call ``callback(event)`` after ``delay`` simulated seconds.

    Parameters
    ----------
    env
        The simulation environment.
    delay
        Simulated seconds from now (>= 0).
    callback
        Called with the :class:`Wake` event.
    """
    env.schedule(Wake(callback), NORMAL, delay)  # type: ignore[arg-type]


class _InvocationColumns:
    """One row per kept invocation attempt, in typed columns (array.array: no Python object per row)."""

    __slots__ = ("doc", "step", "start_s", "end_s", "billed_ms", "cold", "result", "orphan")

    def __init__(self) -> None:
        self.doc = array("q")
        self.step = array("h")
        self.start_s = array("d")
        self.end_s = array("d")
        self.billed_ms = array("q")
        self.cold = array("b")
        self.result = array("b")
        self.orphan = array("b")

    def add(self, doc: int, k: int, start_s: float, end_s: float, billed: int, cold: bool, result: int, orphan: bool) -> None:
        self.doc.append(doc)
        self.step.append(k)
        self.start_s.append(start_s)
        self.end_s.append(end_s)
        self.billed_ms.append(billed)
        self.cold.append(cold)
        self.result.append(result)
        self.orphan.append(orphan)

    def arrays(self) -> dict[str, np.ndarray]:
        """The columns as NumPy arrays (views, no copy)."""
        return {
            "doc": np.frombuffer(self.doc, dtype=np.int64),
            "step_index": np.frombuffer(self.step, dtype=np.int16).astype(np.int64),
            "start_s": np.frombuffer(self.start_s, dtype=np.float64),
            "end_s": np.frombuffer(self.end_s, dtype=np.float64),
            "billed_ms": np.frombuffer(self.billed_ms, dtype=np.int64),
            "cold": np.frombuffer(self.cold, dtype=np.int8).astype(bool),
            "result": np.frombuffer(self.result, dtype=np.int8),
            "orphan": np.frombuffer(self.orphan, dtype=np.int8).astype(bool),
        }


class _SpanColumns:
    """One row per state activity of an imported workflow (kept documents only), in typed columns."""

    __slots__ = ("doc", "state", "lane", "start_s", "end_s", "kind", "result", "cold")

    def __init__(self) -> None:
        self.doc = array("q")
        self.state = array("i")
        self.lane = array("i")
        self.start_s = array("d")
        self.end_s = array("d")
        self.kind = array("b")
        self.result = array("b")
        self.cold = array("b")


SPAN_KINDS = ("lambda", "service", "wait", "backoff", "callee")
"""What a span of an imported workflow's history is: a Lambda attempt's own work, a service call
(no Lambda), a wait (a Wait state, a job, a callback), a retry backoff, a synchronous caller
waiting on its callees."""


class Recorder:
    """Metering records: per-document accumulators (arrays), per-step totals, and with ``detail``
    one record per invocation attempt. Model code calls it; it never prints."""

    def __init__(
        self, n_docs: int, steps: tuple[Step, ...], detail: bool, rules: BillingRules = DEFAULT_RULES, detail_every: int = 1
    ) -> None:
        self.detail = detail
        # Per-invocation detail is kept for every ``detail_every``-th document (0, k, 2k, ...),
        # in compact columns (about 33 bytes a row), so memory per document stays bounded.
        self.detail_every = max(int(detail_every), 1)
        self.lambda_unit_ms = rules.lambda_rounding_ms
        # Compact per-document accumulators (array.array: 1-8 bytes per document, fast item access).
        self.doc_end = _doubles(np.full(n_docs, np.nan))
        self.doc_outcome = _zeros("b", n_docs)
        self.doc_invocations = _zeros("i", n_docs)
        self.doc_transitions = _zeros("i", n_docs)
        self.doc_gb_s = _zeros("d", n_docs)
        self.doc_waste_gb_s = _zeros("d", n_docs)
        self.doc_waste_invocations = _zeros("i", n_docs)
        self.gb_per_ms = [gb_per_ms(s.memory_mb) for s in steps]
        included = rules.included_ephemeral_storage_mb
        self.eph_gb_per_ms = [gb_per_ms(max(s.ephemeral_storage_mb - included, 0)) for s in steps]
        self.x86 = [s.arch == "x86_64" for s in steps]
        n = len(steps)
        self.step_invocations = [0] * n
        self.step_billed_ms = [0] * n
        self.step_errors = [0] * n
        self.transitions = 0
        self.express_requests = 0
        self.express_billed_ms_mb = 0.0  # sum of billed ms x billed MB
        self.duplicates = 0
        self.orphaned = 0
        self.read_timeouts = 0  # SDK read timeouts of synchronous invokes (each one orphans its callee)
        self.log_bytes = 0.0
        self.durable_kb = 0.0  # Lambda durable functions: data written, KB (decimal), and GB-months retained
        self.durable_gb_months = 0.0
        self.state_ms: dict[str, float] = {}  # a durable function's work inside its invocations, by state (ms)
        self.rows = _InvocationColumns()
        # Imported workflows only: calls to other services by resource key, and by state; Standard
        # transitions by state.
        self.calls: dict[tuple[str, str], int] = {}  # (state, resource key) -> calls
        self.state_transitions: dict[str, int] = {}
        self.spans = _SpanColumns()
        self.lanes: dict[str, int] = {"": 0}
        self.state_ids: dict[str, int] = {}
        # Model calls (steps with a service): tokens per price-book model, per document, and the
        # part of them spent on attempts that failed (their result thrown away).
        self.model_of: list[str | None] = [s.duration.service.model if isinstance(s.duration, ModelDuration) else None
                                           for s in steps]
        self.doc_tokens: dict[str, tuple[array[float], array[float]]] = {}
        self.doc_waste_tokens: dict[str, tuple[array[float], array[float]]] = {}
        self.doc_ok_tokens: dict[str, tuple[array[float], array[float]]] = {}  # since the last (re)start
        self.model_throttles: dict[str, int] = {}  # throttled tries per model
        # Payloads above the pattern's limit go through S3 (set by the run: PAYLOAD_LIMIT_KB)
        self.payload_kb: array[float] | None = None
        self.payload_limit_kb = float("inf")
        self.step_names = [s.name for s in steps]
        for m in dict.fromkeys(name for name in self.model_of if name is not None):
            self.doc_tokens[m] = (_zeros("d", n_docs), _zeros("d", n_docs))
            self.doc_waste_tokens[m] = (_zeros("d", n_docs), _zeros("d", n_docs))
            self.doc_ok_tokens[m] = (_zeros("d", n_docs), _zeros("d", n_docs))

    def offload(self, doc: int, k: int, result: int) -> None:
        """An invocation whose payload is over the pattern's limit GETs its input from S3 and PUTs its
        output there (a failed attempt is assumed to have written its output too: an upper bound);
        the calls are counted as step ``k``'s."""
        name = self.step_names[k]
        self.service(doc, "s3:getObject", name)
        self.service(doc, "s3:putObject", name)

    def model_throttled(self, k: int, n: int) -> None:
        """Count ``n`` throttled tries (ThrottlingException, no tokens billed) of step ``k``'s model."""
        m = self.model_of[k]
        assert m is not None
        self.model_throttles[m] = self.model_throttles.get(m, 0) + n

    def model_rerun(self, doc: int) -> None:
        """The document is run again from the top (a synchronous chain re-run by its async trigger):
        the tokens of its calls that succeeded so far are wasted (they are paid again)."""
        for m, (oin, oout) in self.doc_ok_tokens.items():
            win, wout = self.doc_waste_tokens[m]
            win[doc] += oin[doc]
            wout[doc] += oout[doc]
            oin[doc] = oout[doc] = 0.0

    def model_orphaned(self, doc: int, k: int, tokens_in: float, tokens_out: float) -> None:
        """A successful model call of step ``k`` turns out wasted: its caller gave up on it (a timeout or
        an SDK read timeout), so the tokens it spent are paid again or thrown away."""
        m = self.model_of[k]
        assert m is not None
        oin, oout = self.doc_ok_tokens[m]
        win, wout = self.doc_waste_tokens[m]
        win[doc] += tokens_in
        wout[doc] += tokens_out
        oin[doc] -= tokens_in
        oout[doc] -= tokens_out

    def model_call(self, doc: int, k: int, tokens_in: float, tokens_out: float, failed: bool) -> None:
        """Meter one model call (billed when made: it reached the model).

        Parameters
        ----------
        doc
            Document index.
        k
            The calling step's index (a step with a model service).
        tokens_in, tokens_out
            Its input and output tokens.
        failed
            The attempt making it fails (error or timeout): its tokens are wasted.
        """
        m = self.model_of[k]
        assert m is not None
        tin, tout = self.doc_tokens[m]
        tin[doc] += tokens_in
        tout[doc] += tokens_out
        win, wout = self.doc_waste_tokens[m] if failed else self.doc_ok_tokens[m]
        win[doc] += tokens_in
        wout[doc] += tokens_out

    def invocation(self, doc: int, k: int, start_s: float, end_s: float, cold: bool, result: int, orphan: bool = False) -> int:
        """Meter one billed invocation.

        Parameters
        ----------
        doc
            Document index.
        k
            Step index.
        start_s, end_s
            When the function started and stopped running, simulated s.
        cold
            Whether it was a cold start.
        result
            Attempt result (:data:`OK`, :data:`ERROR`, :data:`FATAL`, :data:`TIMEOUT`).
        orphan
            Its result is thrown away (its caller gave up).

        Returns
        -------
        int
            Billed milliseconds (rounded up to the price book's Lambda unit).
        """
        billed = billed_ms((end_s - start_s) * 1000.0, self.lambda_unit_ms)
        if self.payload_kb is not None and self.payload_kb[doc] > self.payload_limit_kb:
            self.offload(doc, k, result)
        self.step_invocations[k] += 1
        self.step_billed_ms[k] += billed
        gb_s = billed * self.gb_per_ms[k]
        self.doc_invocations[doc] += 1
        self.doc_gb_s[doc] += gb_s
        if result != OK or orphan:
            self.doc_waste_gb_s[doc] += gb_s
            self.doc_waste_invocations[doc] += 1
            self.step_errors[k] += result != OK
            self.orphaned += orphan
        if self.detail and doc % self.detail_every == 0:
            self.rows.add(doc, k, start_s, end_s, billed, cold, result, orphan)
        return billed

    def doc_table(self) -> dict[str, np.ndarray]:
        """Per-document accumulators as NumPy arrays (views, no copy).

        Returns
        -------
        dict of str to numpy.ndarray
            ``end_s`` (s), ``outcome`` (:data:`OUTCOME_NAMES` index), ``invocations``,
            ``transitions``, ``gb_s`` and ``waste_gb_s`` (GB-s), ``waste_invocations``.
        """
        return {
            "end_s": np.frombuffer(self.doc_end, dtype=np.float64),
            "outcome": np.frombuffer(self.doc_outcome, dtype=np.int8),
            "invocations": np.frombuffer(self.doc_invocations, dtype=np.intc),
            "transitions": np.frombuffer(self.doc_transitions, dtype=np.intc),
            "gb_s": np.frombuffer(self.doc_gb_s, dtype=np.float64),
            "waste_gb_s": np.frombuffer(self.doc_waste_gb_s, dtype=np.float64),
            "waste_invocations": np.frombuffer(self.doc_waste_invocations, dtype=np.intc),
        }

    def throttle(self, doc: int, k: int, t: float) -> None:
        """Record an attempt that was throttled (not billed).

        Parameters
        ----------
        doc
            Document index.
        k
            Step index.
        t
            When, simulated s.
        """
        if self.detail and doc % self.detail_every == 0:
            self.rows.add(doc, k, t, t, 0, False, THROTTLE, False)

    def transition(self, doc: int, n: int = 1) -> None:
        """Count Step Functions state transitions.

        Parameters
        ----------
        doc
            Document index.
        n
            How many transitions.
        """
        self.transitions += n
        self.doc_transitions[doc] += n

    def service(self, doc: int, key: str, state: str) -> None:
        """Count one call to another AWS service (an imported workflow's service Task, a join counter
        write, a delayed message).

        Parameters
        ----------
        doc
            Document index.
        key
            Resource key (:func:`orchsim.aws.services.service_key`), e.g. ``dynamodb:putItem``.
        state
            The state that made the call.
        """
        k = (state, key)
        calls = self.calls
        calls[k] = calls.get(k, 0) + 1

    @property
    def service_calls(self) -> dict[str, int]:
        """Calls per resource key."""
        out: dict[str, int] = {}
        for (_, key), n in self.calls.items():
            out[key] = out.get(key, 0) + n
        return out

    def state_calls(self, state: str) -> tuple[int, list[str]]:
        """Calls one state made, and the resource keys they went to (first call first).

        Parameters
        ----------
        state
            The state.

        Returns
        -------
        tuple
            ``(calls, keys)``.
        """
        mine = [(key, n) for (s, key), n in self.calls.items() if s == state]
        return sum(n for _, n in mine), [key for key, _ in mine]

    def span(self, doc: int, state: str, lane: int, start_s: float, end_s: float, kind: int, result: int = OK,
             cold: bool = False) -> None:
        """Keep one activity of an imported workflow's history (kept documents only, with detail).

        Parameters
        ----------
        doc
            Document index.
        state
            The state.
        lane
            Its lane (:meth:`lane`): which Parallel branch or Map item it ran in.
        start_s, end_s
            Simulated s.
        kind
            Index into :data:`SPAN_KINDS`.
        result
            Attempt result (:data:`OK`, :data:`ERROR`, ...).
        cold
            A Lambda attempt that was a cold start.
        """
        if not self.detail or doc % self.detail_every:
            return
        sp = self.spans
        sp.doc.append(doc)
        sp.state.append(self.state_ids.setdefault(state, len(self.state_ids)))
        sp.lane.append(lane)
        sp.start_s.append(start_s)
        sp.end_s.append(end_s)
        sp.kind.append(kind)
        sp.result.append(result)
        sp.cold.append(cold)

    def lane(self, label: str) -> int:
        """The id of a history lane (``"ProcessPages 3"``: the third item of a Map; ``""`` the top).

        Parameters
        ----------
        label
            The lane's name.

        Returns
        -------
        int
            Its id.
        """
        return self.lanes.setdefault(label, len(self.lanes))

    def state_transition(self, state: str) -> None:
        """Attribute one Standard transition (counted with :meth:`transition`) to its state.

        Parameters
        ----------
        state
            The state entered or retried.
        """
        self.state_transitions[state] = self.state_transitions.get(state, 0) + 1

    def express(self, billed_ms: int, billed_mb: int) -> None:
        """Meter one Express execution.

        Parameters
        ----------
        billed_ms
            Its billed duration, ms (rounded up to the Express unit).
        billed_mb
            Its billed memory, MB (whole chunks).
        """
        self.express_requests += 1
        self.express_billed_ms_mb += billed_ms * billed_mb

    def finish(self, doc: int, t: float, outcome: int) -> None:
        """Record how a document ended (only its first ending counts).

        Parameters
        ----------
        doc
            Document index.
        t
            When, simulated s.
        outcome
            :data:`SUCCEEDED`, :data:`FAILED` or :data:`LOST`.
        """
        if self.doc_outcome[doc] == IN_FLIGHT:
            self.doc_outcome[doc] = outcome
            self.doc_end[doc] = t


class Pattern:
    """What every pattern's configuration object holds: the context and its hot-path references."""

    def __init__(self, ctx: Context) -> None:
        sc = ctx.scenario
        self.ctx = ctx
        self.env = ctx.env
        self.rec = ctx.rec
        self.acquire = ctx.platform.acquire
        self.release = ctx.platform.release
        self.attempt = ctx.attempt
        self.init_ms = ctx.init_ms
        self.trigger_sync = sc.workload.trigger == "sync"
        self.sdk_attempts = sc.lambda_.sdk_max_attempts
        self.read_timeout_s = sc.lambda_.sdk_read_timeout_s
        self.overhead_s = sc.lambda_.invoke_overhead_ms / 1000.0
        self.max_retries = sc.chain.async_max_retries
        self.max_age = sc.chain.async_max_event_age_s

    def throttled(self, k: int, doc: int, now: float, throttles: int, client: bool, enqueued: float) -> float | None:
        """Meter a throttle of step ``k``'s invocation for ``doc`` (its ``throttles``-th) and return the
        wait before the next try, or None to give up (:meth:`throttle_wait_s`)."""
        self.rec.throttle(doc, k, now)
        return self.throttle_wait_s(throttles, client, enqueued, now)

    def throttle_wait_s(self, throttles: int, client: bool, enqueued: float, now: float) -> float | None:
        """After the ``throttles``-th throttle of an invoke: the wait before the next try, or None to
        give up. A synchronous client's SDK retries ``sdk_max_attempts`` times in all; Lambda's async
        queue retries with backoff until the event is older than ``async_max_event_age_s``.

        Parameters
        ----------
        throttles
            Throttles so far (1 for the first).
        client
            A synchronous client invokes (RequestResponse), not the async queue.
        enqueued, now
            When the event was queued, and the time now, simulated s.
        """
        if client:
            return None if throttles >= self.sdk_attempts else self.ctx.sdk_backoff_s(throttles - 1)
        wait = throttle_backoff_s(throttles)
        return None if now + wait - enqueued > self.max_age else wait


class Context:
    """Everything a pattern's processes need for one (scenario, replication) run.

    Parameters
    ----------
    scenario
        The scenario to run.
    replication
        Replication index: (seed, replication) selects the random streams.
    detail
        Keep one record per invocation attempt.
    rules
        Billing units to meter with (the price book's ``rules``).
    detail_docs
        With ``detail``, keep invocation records for at most this many documents: every
        ``ceil(documents / detail_docs)``-th document (:attr:`Recorder.detail_every`).
    orchestrator
        A Lambda durable function's orchestrating function (``lambda-durable``): metered as one more
        function, index ``len(scenario.steps())``.
    """

    def __init__(
        self,
        scenario: Scenario,
        replication: int = 0,
        *,
        detail: bool = True,
        rules: BillingRules = DEFAULT_RULES,
        detail_docs: int = DETAIL_DOCS,
        orchestrator: Step | None = None,
    ) -> None:
        self.scenario = scenario
        self.rules = rules  # billing units (book.rules): read once into the patterns' attributes
        self.replication = replication
        # A durable function's orchestrator is one more function, after the pipeline's own (no draws of its own)
        drawn = scenario.steps()
        self.steps = drawn + ((orchestrator,) if orchestrator is not None else ())
        # An imported workflow runs as its graph (orchsim.sim.patterns.graph); a linear pipeline as
        # a chain of Task states.
        self.workflow = scenario.pipeline.runnable() if scenario.pipeline.definition is not None else None
        self.graph = linear_graph(scenario) if self.workflow is None else None
        self.window_s = scenario.window_hours * 3600.0
        seed = scenario.seed
        self.arrivals = arrival_times(scenario.workload, self.window_s, streams.stream(seed, replication, streams.ARRIVALS))
        self.n_docs = int(self.arrivals.size)
        self.draws = Draws(scenario, drawn, self.n_docs, replication)
        self.platform = LambdaPlatform(scenario.lambda_, len(self.steps), streams.stream(seed, replication, streams.KEEP_ALIVE))
        self.rec = Recorder(self.n_docs, self.steps, detail, rules, detail_every=-(-self.n_docs // max(detail_docs, 1)))
        self.env = simpy.Environment()
        self.timeout_ms = [s.timeout_s * 1000.0 for s in self.steps]
        self.init_ms = [s.init_ms for s in self.steps]
        self.fatal = [s.fatal_error_rate for s in self.steps]
        self.err_cut = [s.fatal_error_rate + s.error_rate for s in self.steps]
        self._work_ms = self.draws.work_ms
        self._u = self.draws.u
        self.calls_model = [m is not None for m in self.rec.model_of]  # steps that call a model
        payload = scenario.workload.payload_kb
        if payload is not None:
            self.rec.payload_kb = _doubles(payload.sample(streams.stream(seed, replication, streams.PAYLOAD), self.n_docs).astype(float))
        # One quota gate per model service with a quota, shared by every step that calls it.
        gates: dict[str, ModelGate] = {}
        self.gates: list[ModelGate | None] = []
        self.sdk_attempts: list[int] = []
        for s in self.steps:
            d = s.duration
            if isinstance(d, ModelDuration) and d.service.quota is not None:
                q = d.service.quota
                gate = gates.setdefault(d.name, ModelGate(q.requests_per_minute, q.tokens_per_minute, q.output_token_burndown))
                self.gates.append(gate)
            else:
                self.gates.append(None)
            self.sdk_attempts.append(d.service.sdk.attempts() if isinstance(d, ModelDuration) else 1)

    def model_call(self, k: int, doc: int, first: bool, work_ms: float, u: float, sdk: bool = True,
                   wasted: bool = False) -> tuple[float, bool]:
        """The model call of the attempt just drawn at step ``k``: through its quota (the SDK's retries
        with ``sdk``, one try without: a Step Functions Task's Retry decides), metered if admitted
        (wasted if the attempt then fails: error, fatal error or timeout).

        Parameters
        ----------
        k
            Step index (a step that calls a model).
        doc
            Document index.
        first
            The draw was the document's first-attempt draw (else the step's last retry draw).
        work_ms, u
            The attempt's work time and outcome uniform.
        sdk
            The call is made by a function's SDK (it retries throttles).
        wasted
            Its result is thrown away whatever it is (a duplicate delivery, an orphan).

        Returns
        -------
        tuple
            ``(ms waited on throttles, admitted)``.
        """
        tin, tout = self.draws.tokens(k, doc, first)
        gate = self.gates[k]
        waited_s = 0.0
        if gate is not None:
            waited_s, admitted, throttled = gate.call(self.env.now, tin, tout, self.sdk_attempts[k] if sdk else 1, self.sdk_backoff_s)
            if throttled:
                self.rec.model_throttled(k, throttled)
            if not admitted:
                return waited_s * 1000.0, False
        self.rec.model_call(doc, k, tin, tout, wasted or work_ms + waited_s * 1000.0 > self.timeout_ms[k] or u < self.err_cut[k])
        return waited_s * 1000.0, True

    def attempt(self, k: int, doc: int, tries: int, wasted: bool = False) -> tuple[int, float]:
        """Result and running time of one attempt, from the common random numbers.

        Parameters
        ----------
        k
            Step index.
        doc
            Document index.
        tries
            Try number, 0 for the first.
        wasted
            The attempt's result is thrown away whatever it is (a duplicate delivery): its model
            call's tokens are wasted.

        Returns
        -------
        tuple
            ``(result, running ms)``: :data:`TIMEOUT` with the timeout, else :data:`FATAL`,
            :data:`ERROR` or :data:`OK` with the work time.
        """
        if tries == 0:
            work_ms, u = self._work_ms[k][doc], self._u[k][doc]
        else:
            work_ms, u = self.draws.attempt(k, doc, tries)
        if self.calls_model[k]:
            waited_ms, admitted = self.model_call(k, doc, tries == 0, work_ms, u, wasted=wasted)
            if not admitted:  # the SDK gave up: the function fails with the ThrottlingException
                return (TIMEOUT, self.timeout_ms[k]) if waited_ms > self.timeout_ms[k] else (ERROR, waited_ms)
            work_ms += waited_ms
        if work_ms > self.timeout_ms[k]:
            return TIMEOUT, self.timeout_ms[k]
        if u < self.fatal[k]:
            return FATAL, work_ms
        if u < self.err_cut[k]:
            return ERROR, work_ms
        return OK, work_ms

    def sdk_backoff_s(self, retry: int) -> float:
        """AWS SDK standard retry mode's wait: full jitter in [0, min(2**retry, 20)] s.

        Parameters
        ----------
        retry
            Retry number, 0 for the first.

        Returns
        -------
        float
            Seconds to wait.
        """
        return self.jitter() * min(2.0**retry, 20.0)

    def jitter(self) -> float:
        """A uniform draw from the jitter stream.

        Returns
        -------
        float
            In [0, 1).
        """
        return self.draws.jitter.next()

    def start_arrivals(self, start_doc: Callable[[int], None]) -> None:
        """Call ``start_doc(i)`` at each document's arrival time (one pending event at a time).

        Parameters
        ----------
        start_doc
            Starts document ``i``'s pipeline run.
        """
        env = self.env
        times = _doubles(self.arrivals)
        n = self.n_docs
        state = {"i": 0}

        def arrive(_ev: Any) -> None:
            i = state["i"]
            start_doc(i)
            i += 1
            state["i"] = i
            if i < n:
                later(env, times[i] - env.now, arrive)

        if n:
            later(env, times[0], arrive)
