"""An imported workflow (Amazon States Language) run state by state under each of the four patterns.

One SimPy process per document walks the definition; Parallel branches and Map items are child
processes. The same graph runs four ways (DESIGN.md, "Workflows: one graph, four ways to run it"):

* ``sfn-standard`` / ``sfn-express``: Step Functions runs the definition exactly: Retry (the first
  retrier whose ErrorEquals matches, each with its own attempt counter; IntervalSeconds, BackoffRate,
  MaxDelaySeconds, JitterStrategy) then Catch (the first matching catcher), Parallel (every branch,
  the state fails with the first failing branch and the others stop), Map (items drawn from the
  profile, at most MaxConcurrency at once, at most 40 for an inline Map, a failing item fails the
  Map), Distributed Map (child executions billed as their ExecutionType, plus one parent transition
  per child started), Wait, Choice (the profile's odds), Pass, Succeed, Fail, state and execution
  ``TimeoutSeconds``. Standard counts one transition per state entered and per retry
  (https://aws.amazon.com/step-functions/pricing/ "each time a step of your workflow is executed";
  counting every state type, as one per ``...StateEntered`` history event, is orchsim's reading:
  :mod:`orchsim.model.inspect`). A Lambda Task is a Lambda invocation, not billed while Step
  Functions waits; any other Task is a latency (a service call, counted per resource) or a wait (a
  job, a callback, an activity: free on Standard; Express refuses them, AWS's rule, see
  :func:`unsupported`). Express bills its wall clock and fails past 5 minutes.
* ``lambda-chain-sync``: every Task is a function (a service call, job or callback is made, and
  waited for, from inside one, billed); after its work a function evaluates the flow in its own code
  (Pass, Choice free), invokes the next Task synchronously and waits for the rest of its scope (billed);
  a Parallel or Map is invoked concurrently from the caller (at most MaxConcurrency at once) and
  waited for; a Wait sleeps inside the function. A function's timeout covers its waits: past it,
  it ends with ``Sandbox.Timedout`` and the work it called carries on (billed, thrown away). ASL Retry
  becomes the chain's own retry (``chain.sync_retry``), ASL Catch the caller's try/except. The trigger
  evaluates flow states before the first Task; an async trigger's queue retries the whole chain.
* ``lambda-chain-async``: every Task is a function invoked with an Event; the function evaluates
  the flow and sends the next Event; a Parallel or Map fans out one Event per branch or item and joins
  on a counter in a DynamoDB table (one ``dynamodb:putItem`` by the fan-out, one
  ``dynamodb:updateItem`` per branch or item end; the last one continues); a Wait is a delayed message
  (``sqs:sendMessage`` up to 900 s of SQS delay, else ``scheduler:createSchedule``); a job, callback
  or activity is started by the function that reaches it and the external event continues the flow
  (nothing billed while waiting). Errors: Lambda's async retries; then a matching ASL Catch routes the
  event (an on-failure destination), else the document fails (dead-letter queue) or is lost.

Attempt outcomes carry ASL error names (:mod:`orchsim.model.workflow`): the profile's names for
transient and fatal errors, ``Sandbox.Timedout`` for a Lambda past its timeout, ``States.Timeout``
past a state's or execution's TimeoutSeconds, ``Lambda.TooManyRequestsException`` for a throttle.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import simpy

from orchsim.aws.rules import (
    ASYNC_RETRY_DELAYS_S,
    HISTORY_EVENT_CAP,
    asl_wait_s,
    billed_ms,
    express_billed_memory_mb,
    failure_outcome_recorded,
    throttle_backoff_s,
)
from orchsim.aws.services import service_key
from orchsim.errors import InputError
from orchsim.model.asl import Definition, StateDef
from orchsim.model.workflow import (
    FAIL_STATE,
    NO_CHOICE,
    SANDBOX_TIMEOUT,
    THROTTLED,
    TIMEOUT,
    WAITING_KINDS,
    TaskProfile,
    first_match,
    unsupported,
)
from orchsim.sim import rng as streams
from orchsim.sim.patterns.base import ERROR, FAILED, FATAL, LOST, OK, SUCCEEDED, THROTTLE, Context, Pattern, _Buffer
from orchsim.sim.platform import COLD, TokenBucket, sfn_quotas
from orchsim.sim.platform import THROTTLED as NO_SLOT

__all__ = ["INLINE_MAP_CONCURRENCY", "start", "unsupported"]

INLINE_MAP_CONCURRENCY = 40
"""Most iterations an inline Map runs at once (https://docs.aws.amazon.com/step-functions/latest/dg/
concepts-asl-use-map-state-inline.html: "In this mode, the Map state supports up to 40 concurrent
iterations")."""

DISTRIBUTED_MAP_CONCURRENCY = 10_000
"""Most child executions a Distributed Map runs at once
(https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html)."""

SQS_MAX_DELAY_S = 900.0
"""Longest SQS message delay (DelaySeconds 0-900, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/
SQSDeveloperGuide/sqs-delay-queues.html); a longer wait needs EventBridge Scheduler."""

_RUNTIME = "States.Runtime"
_LAMBDA, _SERVICE, _WAIT, _BACKOFF, _CALLEE = range(5)  # orchsim.sim.patterns.base.SPAN_KINDS
_CODE_OF = {OK: None}

Err = tuple[int, str] | None
"""An outcome: None for success, else (attempt result code, ASL error name)."""


def start(ctx: Context, pattern: str) -> None:
    """Start the arrivals of ``ctx``'s workflow under ``pattern``.

    Parameters
    ----------
    ctx
        The run's context (``ctx.workflow`` set).
    pattern
        One of the four pattern names.

    Raises
    ------
    InputError
        When the pattern cannot express the workflow (:func:`unsupported`).
    """
    assert ctx.workflow is not None
    why = unsupported(ctx.workflow, pattern)
    if why:
        raise InputError("pattern", f"{pattern} cannot run this workflow: {why}")
    runner: _Runner
    if pattern.startswith("sfn"):
        runner = _StepFunctions(ctx, express=pattern == "sfn-express")
    elif pattern == "lambda-chain-sync":
        runner = _SyncChain(ctx)
    else:
        runner = _AsyncChain(ctx)
    runner.start()


class _Token:
    """Whether a scope still runs (``stopped``: Step Functions stopped it) and whether its work is
    thrown away (``orphan``), through its parents."""

    __slots__ = ("parent", "stopped", "orphan", "lane")

    def __init__(self, parent: _Token | None = None, lane: int | None = None) -> None:
        self.parent = parent
        self.stopped = False
        self.orphan = False
        self.lane: int = lane if lane is not None else (parent.lane if parent is not None else 0)

    def is_stopped(self) -> bool:
        t: _Token | None = self
        while t is not None:
            if t.stopped:
                return True
            t = t.parent
        return False

    def is_orphan(self) -> bool:
        t: _Token | None = self
        while t is not None:
            if t.orphan:
                return True
            t = t.parent
        return False


class _Runner(Pattern):
    """What every pattern's run of a workflow shares: draws, the state walk's flow steps, metering."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        assert ctx.workflow is not None
        wf = ctx.workflow
        self.wf = wf
        self.tasks = wf.tasks
        seed, rep = ctx.scenario.seed, ctx.replication
        every = [s.name for s in wf.definition.walk()]
        # A document's first visit of a Choice, Map or profiled Wait in a run takes a draw made for
        # that document up front (the same under every pattern, and again when a chain is re-run);
        # later visits (loops, other Map items) draw from the state's own stream.
        n = ctx.n_docs
        self._first: dict[str, Any] = {}
        self._more: dict[str, _Buffer] = {}
        self._seen: dict[str, bytearray] = {}
        for i, name in enumerate(every):
            st = wf.states[name]
            rng = streams.stream(seed, rep, streams.GRAPH_BASE + streams.KINDS_PER_STATE * i)
            draw: Any = None
            if st.type == "Choice":
                draw = _uniform
            elif st.type == "Map":
                draw = wf.map_items[name].sample
            elif st.type == "Wait" and name in wf.waits:
                draw = wf.waits[name].duration.sample
            if draw is not None:
                self._first[name] = draw(rng, n).tolist()
                self._more[name] = _Buffer(rng, draw)
                self._seen[name] = bytearray(n)
        self.used = [bytearray(ctx.n_docs) for _ in ctx.steps]
        self.work_ms = ctx.draws.work_ms
        self.u = ctx.draws.u
        self.timeout_ms = ctx.timeout_ms
        self.fatal = ctx.fatal
        self.err_cut = ctx.err_cut
        self.service: dict[str, str | None] = {}
        for name, tp in wf.tasks.items():
            st = tp.state
            counted = st.kind in ("service", "job") or (st.kind == "callback" and st.service != "lambda:invoke")
            self.service[name] = service_key(st.resource or st.service or name) if counted else None

    def start(self) -> None:
        env = self.env

        def arrive(doc: int) -> None:
            env.process(self.document(doc))

        self.ctx.start_arrivals(arrive)

    def document(self, doc: int) -> Generator[Any, Any, None]:  # pragma: no cover - overridden
        raise NotImplementedError
        yield

    # -- draws -----------------------------------------------------------------------------------------
    def draw(self, k: int, doc: int) -> tuple[float, float]:
        """(work ms, outcome uniform) of an attempt: the common draw on the document's first visit."""
        used = self.used[k]
        if not used[doc]:
            used[doc] = 1
            return self.work_ms[k][doc], self.u[k][doc]
        return self.ctx.draws.attempt(k, doc, 1)

    def outcome(self, k: int, u: float) -> int:
        if u < self.fatal[k]:
            return FATAL
        if u < self.err_cut[k]:
            return ERROR
        return OK

    def error_name(self, tp: TaskProfile, res: int) -> str:
        if res == FATAL:
            return tp.fatal_error_name
        if res == TIMEOUT_CODE:
            return SANDBOX_TIMEOUT
        if res == THROTTLE:
            return THROTTLED
        return tp.error_name

    def _draw(self, name: str, doc: int) -> Any:
        seen = self._seen[name]
        if seen[doc]:
            return self._more[name].next()
        seen[doc] = 1
        return self._first[name][doc]

    def rerun(self, doc: int) -> None:
        """A chain re-run of the document from the top: its first-visit draws apply again."""
        for seen in self._seen.values():
            seen[doc] = 0

    def choose(self, st: StateDef, doc: int) -> str | None:
        u = self._draw(st.name, doc)
        acc = 0.0
        for target, p in self.wf.choices.get(st.name, ()):
            acc += p
            if u < acc:
                return target
        return st.default

    def wait_s(self, st: StateDef, doc: int) -> float:
        if st.wait_s is not None:
            return st.wait_s
        return float(self._draw(st.name, doc)) / 1000.0

    def items(self, st: StateDef, doc: int) -> int:
        return int(self._draw(st.name, doc))

    def count_call(self, doc: int, key: str, state: str) -> None:
        self.rec.service(doc, key, state)

    def item(self, token: _Token, st: StateDef, i: int) -> _Token:
        """The token of branch or item ``i`` of a Parallel or Map: its own history lane."""
        rec = self.rec
        if not rec.detail:
            return token
        parent = next((label for label, lane in rec.lanes.items() if lane == token.lane), "") if token.lane else ""
        return _Token(token, rec.lane(f"{parent + ' / ' if parent else ''}{st.name} {i + 1}"))


TIMEOUT_CODE = 3  # base.TIMEOUT (an attempt past its function's timeout)


def _uniform(rng: Any, n: int) -> Any:
    return rng.random(n)


def _after(st: StateDef) -> str | None:
    """The state a non-branching state goes to (None: its scope ends)."""
    return None if st.end else st.next


# --- Step Functions -----------------------------------------------------------------------------------


class _Execution:
    """One execution (or Distributed Map child execution) of a state machine."""

    __slots__ = ("doc", "t0", "events", "transitions", "token", "express", "over")

    def __init__(self, doc: int, t0: float, token: _Token, express: bool) -> None:
        self.doc = doc
        self.t0 = t0
        self.events = 2
        self.transitions = 0
        self.token = token
        self.express = express
        self.over = False


class _StepFunctions(_Runner):
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
        self.express_limit_s = rules.express_max_duration_s
        logging = express and sc.step_functions.express_logging
        self.log_bytes = sc.step_functions.log_bytes_per_transition if logging else 0.0
        recorded = failure_outcome_recorded(
            "sfn-express" if express else "sfn-standard", trigger_async=not self.trigger_sync, express_logging=logging
        )
        self.fail_outcome = FAILED if recorded else LOST

    def start(self) -> None:
        draws = self.ctx.draws
        env = self.env

        def arrive(doc: int) -> None:
            if self.dup_rate > 0 and draws.dup.next() < self.dup_rate:
                env.process(self.document(doc, duplicate=True))
            env.process(self.document(doc))

        self.ctx.start_arrivals(arrive)

    def document(self, doc: int, duplicate: bool = False) -> Generator[Any, Any, None]:
        env = self.env
        if self.trigger_sync:
            tries = 0
            while not self.start_bucket.try_take(env.now):
                tries += 1
                if tries >= self.sdk_attempts:
                    if not duplicate:
                        self.rec.finish(doc, env.now, FAILED)
                    return
                yield env.timeout(self.ctx.sdk_backoff_s(tries - 1))
        else:
            wait = self.start_bucket.take(env.now)
            if wait > 0:
                yield env.timeout(wait)
        err = yield from self.execution(doc, self.wf.definition, self.express, _Token())
        rec = self.rec
        if duplicate:
            rec.duplicates += 1
        else:
            rec.finish(doc, env.now, SUCCEEDED if err is None else self.fail_outcome)

    def execution(self, doc: int, defn: Definition, express: bool, parent: _Token) -> Generator[Any, Any, Err]:
        """Run one execution to its end; meter Express; return its outcome."""
        env = self.env
        token = _Token(parent)
        x = _Execution(doc, env.now, token, express)
        limit = self.express_limit_s if express else math.inf
        if defn.timeout_s is not None:
            limit = min(limit, defn.timeout_s)
        run = env.process(self.scope(x, defn, token))
        if limit < math.inf:
            fired = yield run | env.timeout(limit)
            if run in fired:
                err = run.value
            else:
                token.stopped = True
                err = (TIMEOUT_CODE, TIMEOUT)
        else:
            err = yield run
        x.over = True
        if express:
            self.rec.express(billed_ms((env.now - x.t0) * 1000.0, self.unit_ms), self.chunk_mb)
            self.rec.log_bytes += self.log_bytes * x.transitions
        return err

    def enter(self, x: _Execution, st: StateDef, events: int = 2) -> bool:
        """Count a state entered (or a retry); False when the history cap ends the execution."""
        x.transitions += 1
        if not x.express:
            self.rec.transition(x.doc)
            self.rec.state_transition(st.name)
            x.events += events
            if x.events > HISTORY_EVENT_CAP:
                return False
        return True

    def scope(self, x: _Execution, defn: Definition, token: _Token) -> Generator[Any, Any, Err]:
        env = self.env
        name: str | None = defn.start_at
        while name is not None:
            if token.is_stopped():
                return (FATAL, _RUNTIME)
            st = defn.states[name]
            typ = st.type
            if not self.enter(x, st, 5 if typ == "Task" else 2):
                token.stopped = True
                return (FATAL, _RUNTIME)
            err: Err = None
            if typ == "Task":
                err = yield from self.retried(x, st, token, self.task)
            elif typ == "Pass":
                pass
            elif typ == "Choice":
                target = self.choose(st, x.doc)
                if target is None:
                    return (FATAL, NO_CHOICE)
                name = target
                continue
            elif typ == "Wait":
                t0, secs = env.now, self.wait_s(st, x.doc)
                yield env.timeout(secs)
                self.rec.span(x.doc, st.name, token.lane, t0, env.now, _WAIT)
            elif typ == "Succeed":
                return None
            elif typ == "Fail":
                return (FATAL, FAIL_STATE)
            elif typ == "Parallel":
                err = yield from self.retried(x, st, token, self.parallel)
            else:
                err = yield from self.retried(x, st, token, self.map)
            if err is None:
                name = _after(st)
                continue
            if err[1] == _RUNTIME:
                return err
            j = first_match(st.catch, err[1])
            if j < 0:
                return err
            name = st.catch[j].next
        return None

    def retried(self, x: _Execution, st: StateDef, token: _Token, attempt: Any) -> Generator[Any, Any, Err]:
        """Attempts of a Task, Parallel or Map state under its Retry list."""
        env = self.env
        counters = [0] * len(st.retry)
        while True:
            err = yield from attempt(x, st, token)
            if err is None or err[1] == _RUNTIME or token.is_stopped():
                return err
            i = first_match(st.retry, err[1])
            if i < 0 or counters[i] >= st.retry[i].max_attempts:
                return err
            counters[i] += 1
            r = st.retry[i]
            t0 = env.now
            yield env.timeout(asl_wait_s(r, counters[i], self.ctx.jitter() if r.jitter == "FULL" else 1.0))
            self.rec.span(x.doc, st.name, token.lane, t0, env.now, _BACKOFF)
            if token.is_stopped():
                return err
            if not self.enter(x, st, 5 if st.type == "Task" else 2):
                token.stopped = True
                return (FATAL, _RUNTIME)

    def task(self, x: _Execution, st: StateDef, token: _Token) -> Generator[Any, Any, Err]:
        env = self.env
        tp = self.tasks[st.name]
        k = tp.index
        doc = x.doc
        now = env.now
        if self.trans_bucket is not None:
            wait = self.trans_bucket.take(now)
            if wait > 0:  # no Lambda slot is held while the transition waits for its token
                yield env.timeout(wait)
                now = env.now
        # The transition latency is folded into the attempt (one event, not two): the Lambda slot
        # is counted from the transition, billing from the start of the function (as the linear
        # engine does).
        delay = self.latency_s
        work_ms, u = self.draw(k, doc)
        state_limit = st.timeout_s if st.timeout_s is not None else math.inf
        if tp.is_lambda:
            status = self.acquire(k, now)
            if status == NO_SLOT:
                self.rec.throttle(doc, k, now)
                if delay > 0:
                    yield env.timeout(delay)
                return (THROTTLE, THROTTLED)
            cold = status == COLD
            res = self.outcome(k, u)
            if work_ms > self.timeout_ms[k]:
                res, work_ms = TIMEOUT_CODE, self.timeout_ms[k]
            run_s = ((self.init_ms[k] if cold else 0.0) + work_ms) / 1000.0
            t0 = now + delay
            if run_s > state_limit:
                env.process(self._orphan(doc, k, t0, delay + run_s, cold, res))
                yield env.timeout(delay + state_limit)
                return (TIMEOUT_CODE, TIMEOUT)
            yield env.timeout(delay + run_s)
            self.release(k, env.now)
            self.rec.invocation(doc, k, t0, env.now, cold, res, orphan=token.is_stopped())
            self.rec.span(doc, st.name, token.lane, t0, env.now, _LAMBDA, res, cold)
            return None if res == OK else (res, self.error_name(tp, res))
        # a service call, job, callback or activity: a latency or a wait, no Lambda
        key = self.service[st.name]
        if key is not None:
            self.count_call(doc, key, st.name)
        res = self.outcome(k, u)
        run_s = work_ms / 1000.0
        kind = _SERVICE if tp.kind == "service" else _WAIT
        if run_s > state_limit:
            yield env.timeout(delay + state_limit)
            self.rec.span(doc, st.name, token.lane, now + delay, env.now, kind, TIMEOUT_CODE)
            return (TIMEOUT_CODE, TIMEOUT)
        yield env.timeout(delay + run_s)
        self.rec.span(doc, st.name, token.lane, now + delay, env.now, kind, res)
        return None if res == OK else (res, self.error_name(tp, res))

    def _orphan(self, doc: int, k: int, t0: float, run_s: float, cold: bool, res: int) -> Generator[Any, Any, None]:
        yield self.env.timeout(run_s)
        self.release(k, self.env.now)
        self.rec.invocation(doc, k, t0, self.env.now, cold, res, orphan=True)

    def parallel(self, x: _Execution, st: StateDef, token: _Token) -> Generator[Any, Any, Err]:
        inner = _Token(token)
        procs = [self.env.process(self.scope(x, b, self.item(inner, st, i))) for i, b in enumerate(st.branches)]
        return (yield from _join(self.env, procs, inner))

    def map(self, x: _Execution, st: StateDef, token: _Token) -> Generator[Any, Any, Err]:
        env = self.env
        n = self.items(st, x.doc)
        inner = _Token(token)
        assert st.processor is not None
        proc_defn = st.processor
        if st.distributed:
            batch = st.batch_items or 1
            children = -(-n // batch)
            cap = st.max_concurrency or DISTRIBUTED_MAP_CONCURRENCY
            express_child = st.execution_type == "EXPRESS"

            def child(i: int) -> Any:
                if not self.enter(x, st):  # the parent's transition for each child started
                    inner.stopped = True
                return env.process(self.execution(x.doc, proc_defn, express_child, self.item(inner, st, i)))

            return (yield from _windowed(env, children, cap, child, inner))
        cap = min(st.max_concurrency or INLINE_MAP_CONCURRENCY, INLINE_MAP_CONCURRENCY)
        return (yield from _windowed(env, n, cap, lambda i: env.process(self.scope(x, proc_defn, self.item(inner, st, i))),
                                     inner))


def _join(env: simpy.Environment, procs: list[Any], inner: _Token) -> Generator[Any, Any, Err]:
    """Wait for every process; the first failure stops the others (``inner.stopped``) and is returned."""
    return (yield from _windowed(env, len(procs), len(procs) or 1, procs.__getitem__, inner))


def _windowed(env: simpy.Environment, n: int, cap: int, spawn: Any, inner: _Token) -> Generator[Any, Any, Err]:
    """Run ``n`` items, at most ``cap`` at once, in order; the first failure stops the rest.

    One event for the whole join, triggered by the last item (or the first failure): waiting on
    an AnyOf of the running items would cost a condition over all of them per completion."""
    if n <= 0:
        return None
    done = env.event()
    state = [0, 0]  # started, finished

    def finished(proc: Any) -> None:
        if done.triggered:
            return
        if proc.value is not None:
            inner.stopped = True
            done.succeed(proc.value)
            return
        state[1] += 1
        if state[0] < n:
            start_one()
        elif state[1] == n:
            done.succeed(None)

    def start_one() -> None:
        i = state[0]
        state[0] = i + 1
        spawn(i).callbacks.append(finished)

    while state[0] < n and state[0] < cap:
        start_one()
    return (yield done)  # type: ignore[no-any-return]


# --- Lambda chains ----------------------------------------------------------------------------------


class _SyncChain(_Runner):
    """Each Task a function that invokes the rest of its scope synchronously and waits for it."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        sc = ctx.scenario
        self.policy = sc.retry if sc.chain.sync_retry == "policy" else None
        recorded = failure_outcome_recorded("lambda-chain-sync", trigger_async=True, dead_letter=sc.chain.dead_letter)
        self.fail_async = FAILED if recorded else LOST

    def document(self, doc: int) -> Generator[Any, Any, None]:
        env = self.env
        enqueued = env.now
        retries = 0
        defn = self.wf.definition
        while True:
            self.rerun(doc)
            err = yield from self.flow(doc, defn, defn.start_at, _Token(), from_trigger=True, enqueued=enqueued)
            now = env.now
            if err is None:
                self.rec.finish(doc, now, SUCCEEDED)
                return
            if self.trigger_sync or err[1] == _AGED:
                self.rec.finish(doc, now, FAILED if self.trigger_sync else self.fail_async)
                return
            if retries >= self.max_retries or now + ASYNC_RETRY_DELAYS_S[retries] - enqueued > self.max_age:
                self.rec.finish(doc, now, self.fail_async)
                return
            yield env.timeout(ASYNC_RETRY_DELAYS_S[retries])
            retries += 1

    def flow(self, doc: int, defn: Definition, name: str | None, token: _Token, *, from_trigger: bool = False,
             enqueued: float = 0.0) -> Generator[Any, Any, Err]:
        """The flow from state ``name`` to the end of its scope, as the running function's (or the
        trigger's) code drives it."""
        env = self.env
        while name is not None:
            st = defn.states[name]
            typ = st.type
            err: Err = None
            if typ == "Task":
                err = yield from self.call(doc, st, defn, token, from_trigger, enqueued)
                if err is None:
                    return None  # the callee ran the rest of the scope
            elif typ == "Pass":
                pass
            elif typ == "Choice":
                target = self.choose(st, doc)
                if target is None:
                    return (FATAL, NO_CHOICE)
                name = target
                continue
            elif typ == "Wait":
                t0 = env.now
                yield env.timeout(self.wait_s(st, doc))
                self.rec.span(doc, st.name, token.lane, t0, env.now, _WAIT)
            elif typ == "Succeed":
                return None
            elif typ == "Fail":
                return (FATAL, FAIL_STATE)
            else:
                err = yield from self.fan(doc, st, token)
            if err is None:
                name = _after(st)
                continue
            if err[1] == _AGED:
                return err
            j = first_match(st.catch, err[1])
            if j < 0:
                return err
            name = st.catch[j].next
        return None

    def fan(self, doc: int, st: StateDef, token: _Token) -> Generator[Any, Any, Err]:
        env = self.env
        inner = _Token(token)
        if st.type == "Parallel":
            procs = [env.process(self.flow(doc, b, b.start_at, self.item(inner, st, i))) for i, b in enumerate(st.branches)]
            return (yield from _join_all(env, procs, inner))
        assert st.processor is not None
        proc_defn = st.processor
        n = self.items(st, doc)
        if st.distributed and st.batch_items:
            n = -(-n // st.batch_items)
        cap = st.max_concurrency or n or 1
        err = yield from _windowed(env, n, cap, lambda i: env.process(self.flow(doc, proc_defn, proc_defn.start_at,
                                                                                self.item(inner, st, i))), _Token())
        if err is not None:
            inner.orphan = True  # the caller stops waiting; items still running carry on, thrown away
        return err

    def call(self, doc: int, st: StateDef, defn: Definition, token: _Token, from_trigger: bool,
             enqueued: float) -> Generator[Any, Any, Err]:
        """The caller's invoke of ``st``'s function, with the chain's own retry policy."""
        env = self.env
        calls = 0
        while True:
            err = yield from self.invoke(doc, st, defn, token, from_trigger, enqueued)
            policy = self.policy
            if err is None or err[0] == FATAL or err[1] == _AGED or policy is None or calls >= policy.max_attempts:
                return err
            calls += 1
            t0 = env.now
            yield env.timeout(asl_wait_s(policy, calls, self.ctx.jitter() if policy.jitter == "full" else 1.0))
            self.rec.span(doc, st.name, token.lane, t0, env.now, _BACKOFF)

    def invoke(self, doc: int, st: StateDef, defn: Definition, token: _Token, from_trigger: bool,
               enqueued: float) -> Generator[Any, Any, Err]:
        """One synchronous invocation of the Task's function, which runs the rest of the scope."""
        env = self.env
        tp = self.tasks[st.name]
        k = tp.index
        throttles = 0
        while True:
            status = self.acquire(k, env.now)
            if status != NO_SLOT:
                break
            self.rec.throttle(doc, k, env.now)
            throttles += 1
            if from_trigger and not self.trigger_sync:
                wait = throttle_backoff_s(throttles)
                if env.now + wait - enqueued > self.max_age:
                    return (THROTTLE, _AGED)
                yield env.timeout(wait)
                continue
            if throttles >= self.sdk_attempts:
                return (THROTTLE, THROTTLED)
            yield env.timeout(self.ctx.sdk_backoff_s(throttles - 1))
        t0 = env.now
        cold = status == COLD
        work_ms, u = self.draw(k, doc)
        res = self.outcome(k, u)
        limit_s = self.timeout_ms[k] / 1000.0
        if work_ms > self.timeout_ms[k]:
            res, work_ms = TIMEOUT_CODE, self.timeout_ms[k]
        run_s = min(((self.init_ms[k] if cold else 0.0) + work_ms) / 1000.0, limit_s)
        if run_s >= limit_s:
            res = TIMEOUT_CODE
        yield env.timeout(run_s)
        own_end = env.now
        self.rec.span(doc, st.name, token.lane, t0, own_end, _LAMBDA, res, cold)
        key = self.service[st.name]
        if key is not None:
            self.count_call(doc, key, st.name)
        orphan = token.is_orphan()
        if res != OK:
            self.release(k, env.now)
            self.rec.invocation(doc, k, t0, env.now, cold, res, orphan=orphan)
            return (res, self.error_name(tp, res))
        nxt = _after(st)
        if nxt is None:
            self.release(k, env.now)
            self.rec.invocation(doc, k, t0, env.now, cold, OK, orphan=orphan)
            return None
        if self.overhead_s:
            yield env.timeout(self.overhead_s)
        inner = _Token(token)
        rest = env.process(self.flow(doc, defn, nxt, inner))
        left = t0 + limit_s - env.now
        fired = yield rest | env.timeout(max(left, 0.0))
        self.rec.span(doc, st.name, token.lane, own_end, env.now, _CALLEE, OK if rest in fired else TIMEOUT_CODE)
        if rest not in fired:
            inner.orphan = True
            self.release(k, env.now)
            self.rec.invocation(doc, k, t0, env.now, cold, TIMEOUT_CODE, orphan=orphan)
            return (TIMEOUT_CODE, SANDBOX_TIMEOUT)
        err = rest.value
        self.release(k, env.now)
        code = OK if err is None else (FATAL if err[0] == FATAL else ERROR)
        self.rec.invocation(doc, k, t0, env.now, cold, code, orphan=orphan)
        return err  # type: ignore[no-any-return]


_AGED = "orchsim.EventAged"  # the async trigger's event ran out of age while throttled: not retried


def _join_all(env: simpy.Environment, procs: list[Any], inner: _Token) -> Generator[Any, Any, Err]:
    """A caller waiting for concurrent invokes: the first failure is returned, the rest carry on,
    their results thrown away."""
    err = yield from _join(env, procs, _Token())
    if err is not None:
        inner.orphan = True
    return err


class _AsyncChain(_Runner):
    """Each Task a function invoked with an Event; fan-out and join through a counter table."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        recorded = failure_outcome_recorded("lambda-chain-async", trigger_async=True, dead_letter=ctx.scenario.chain.dead_letter)
        self.fail_outcome = FAILED if recorded else LOST

    def document(self, doc: int) -> Generator[Any, Any, None]:
        defn = self.wf.definition
        err = yield from self.flow(doc, defn, defn.start_at, _Token(), first=True)
        now = self.env.now
        if err is None:
            self.rec.finish(doc, now, SUCCEEDED)
        else:
            self.rec.finish(doc, now, FAILED if err[1] == _CLIENT else self.fail_outcome)

    def flow(self, doc: int, defn: Definition, name: str | None, token: _Token, first: bool = False) -> Generator[Any, Any, Err]:
        env = self.env
        while name is not None:
            st = defn.states[name]
            typ = st.type
            err: Err = None
            if typ == "Task":
                tp = self.tasks[st.name]
                if tp.kind in WAITING_KINDS:
                    work_ms, u = self.draw(tp.index, doc)
                    key = self.service[st.name]
                    if key is not None:
                        self.count_call(doc, key, st.name)
                    t0 = env.now
                    yield env.timeout(work_ms / 1000.0)
                    res = self.outcome(tp.index, u)
                    self.rec.span(doc, st.name, token.lane, t0, env.now, _WAIT, res)
                    err = None if res == OK else (res, self.error_name(tp, res))
                else:
                    err = yield from self.event(doc, st, first and self.trigger_sync, token)
                first = False
            elif typ == "Pass":
                pass
            elif typ == "Choice":
                target = self.choose(st, doc)
                if target is None:
                    return (FATAL, NO_CHOICE)
                name = target
                continue
            elif typ == "Wait":
                secs = self.wait_s(st, doc)
                self.count_call(doc, "sqs:sendMessage" if secs <= SQS_MAX_DELAY_S else "scheduler:createSchedule", st.name)
                t0 = env.now
                yield env.timeout(secs)
                self.rec.span(doc, st.name, token.lane, t0, env.now, _WAIT)
            elif typ == "Succeed":
                return None
            elif typ == "Fail":
                return (FATAL, FAIL_STATE)
            else:
                err = yield from self.fan(doc, st, token)
            if err is None:
                name = _after(st)
                continue
            if err[1] == _CLIENT:
                return err
            j = first_match(st.catch, err[1])
            if j < 0:
                return err
            name = st.catch[j].next
        return None

    def fan(self, doc: int, st: StateDef, token: _Token) -> Generator[Any, Any, Err]:
        env = self.env
        self.count_call(doc, "dynamodb:putItem", st.name)
        if st.type == "Parallel":
            scopes = list(st.branches)
        else:
            assert st.processor is not None
            n = self.items(st, doc)
            if st.distributed and st.batch_items:
                n = -(-n // st.batch_items)
            scopes = [st.processor] * n
        procs = [env.process(self.branch(doc, b, st.name, self.item(token, st, i))) for i, b in enumerate(scopes)]
        return (yield from _join(env, procs, _Token()))

    def branch(self, doc: int, defn: Definition, owner: str, token: _Token) -> Generator[Any, Any, Err]:
        err = yield from self.flow(doc, defn, defn.start_at, token)
        if err is None:
            self.count_call(doc, "dynamodb:updateItem", owner)
        return err

    def event(self, doc: int, st: StateDef, client: bool, token: _Token) -> Generator[Any, Any, Err]:
        """One function's Event invocation through the async queue (a synchronous client invokes the
        first function with RequestResponse: its SDK retries throttles, errors go back to it)."""
        env = self.env
        tp = self.tasks[st.name]
        k = tp.index
        enqueued = env.now
        retries = throttles = 0
        calls_next = _after(st) is not None
        while True:
            now = env.now
            status = self.acquire(k, now)
            if status == NO_SLOT:
                self.rec.throttle(doc, k, now)
                throttles += 1
                if client:
                    if throttles >= self.sdk_attempts:
                        return (THROTTLE, _CLIENT)
                    yield env.timeout(self.ctx.sdk_backoff_s(throttles - 1))
                    continue
                wait = throttle_backoff_s(throttles)
                if now + wait - enqueued > self.max_age:
                    return (THROTTLE, THROTTLED)
                yield env.timeout(wait)
                continue
            cold = status == COLD
            work_ms, u = self.draw(k, doc)
            res = self.outcome(k, u)
            if work_ms > self.timeout_ms[k]:
                res, work_ms = TIMEOUT_CODE, self.timeout_ms[k]
            extra = self.overhead_s if (res == OK and calls_next) else 0.0
            yield env.timeout(((self.init_ms[k] if cold else 0.0) + work_ms) / 1000.0 + extra)
            self.release(k, env.now)
            self.rec.invocation(doc, k, now, env.now, cold, res)
            self.rec.span(doc, st.name, token.lane, now, env.now, _LAMBDA, res, cold)
            key = self.service[st.name]
            if key is not None:
                self.count_call(doc, key, st.name)
            if res == OK:
                return None
            if client:
                return (res, _CLIENT)
            if retries >= self.max_retries or env.now + ASYNC_RETRY_DELAYS_S[retries] - enqueued > self.max_age:
                return (res, self.error_name(tp, res))
            yield env.timeout(ASYNC_RETRY_DELAYS_S[retries])
            retries += 1


_CLIENT = "orchsim.ClientError"  # a synchronous client got the first function's error: failed, not caught
