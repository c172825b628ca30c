"""An imported workflow (Amazon States Language) run state by state under each of the five patterns.

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
from typing import Any

from orchsim.aws.rules import (
    ASYNC_RETRY_DELAYS_S,
    HISTORY_EVENT_CAP,
    asl_wait_s,
    billed_ms,
    failure_outcome_recorded,
)
from orchsim.aws.services import service_key
from orchsim.errors import InputError
from orchsim.model.asl import Definition, StateDef
from orchsim.model.services import THROTTLE_ERROR
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
from orchsim.sim.patterns.base import (
    ERROR,
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
    _Buffer,
    _uniform,
    later,
)
from orchsim.sim.patterns.base import (
    TIMEOUT as TIMEOUT_CODE,  # an attempt past its function's timeout (TIMEOUT here is ASL's States.Timeout)
)
from orchsim.sim.patterns.sfn import Machine, StartExecution
from orchsim.sim.platform import COLD
from orchsim.sim.platform import THROTTLED as NO_SLOT

__all__ = ["INLINE_MAP_CONCURRENCY", "asl_retry", "start", "unsupported"]

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
_CLIENT = "orchsim.ClientError"  # a synchronous client got the first function's error: failed, not caught
_AGED = "orchsim.EventAged"  # the async trigger's event ran out of age while throttled: not retried
_LAMBDA, _SERVICE, _WAIT, _BACKOFF, _CALLEE = range(5)  # orchsim.sim.patterns.base.SPAN_KINDS

Err = tuple[int, str] | None
"""An outcome: None for success, else (attempt result code, ASL error name)."""


def start(ctx: Context, pattern: str) -> None:
    """Start the arrivals of ``ctx``'s workflow under ``pattern``.

    Parameters
    ----------
    ctx
        The run's context (``ctx.workflow`` set).
    pattern
        One of the five pattern names.

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

    __slots__ = ("parent", "stopped", "orphan", "lane", "calls")

    def __init__(self, parent: _Token | None = None, lane: int | None = None) -> None:
        self.parent = parent
        self.stopped = False
        self.orphan = False
        self.lane: int = lane if lane is not None else (parent.lane if parent is not None else 0)
        self.calls: list[list[float]] | None = None  # successful model calls made in this scope (and deeper)

    def record_call(self, k: int, tokens_in: float, tokens_out: float) -> None:
        """Note a successful model call made under this token: its scope and every enclosing one
        hold it, so a caller that gives up on a scope can tell which tokens it threw away."""
        call = [float(k), tokens_in, tokens_out, 0.0]  # the last: moved to waste already
        t: _Token | None = self
        while t is not None:
            if t.calls is None:
                t.calls = []
            t.calls.append(call)
            t = t.parent

    def orphan_calls(self, rec: Any, doc: int) -> None:
        """This scope's result is thrown away: its successful model calls so far are wasted."""
        for call in self.calls or ():
            if not call[3]:
                call[3] = 1.0
                rec.model_orphaned(doc, int(call[0]), call[1], call[2])

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
        self.calls_model = ctx.calls_model
        self.last_tokens: tuple[float, float] = (0.0, 0.0)  # the last admitted model call's (input, output) tokens
        self.timeout_ms = ctx.timeout_ms
        self.fatal = ctx.fatal
        self.err_cut = ctx.err_cut
        self.service: dict[str, str | None] = {}
        for name, tp in wf.tasks.items():
            st = tp.state
            counted = st.kind in ("service", "job") or (st.kind == "callback" and st.service != "lambda:invoke")
            self.service[name] = service_key(st.resource or st.service or name) if counted else None

    def start(self) -> None:  # pragma: no cover - each pattern starts its documents
        raise NotImplementedError

    # -- draws -----------------------------------------------------------------------------------------
    def draw(self, k: int, doc: int, wasted: bool = False, sdk: bool = True) -> tuple[float, float]:
        """(work ms, outcome uniform) of an attempt: the common draw on the document's first visit
        (``wasted``: its result is thrown away whatever it is, a duplicate delivery's). A model call
        goes through its quota (``sdk``: a function's SDK retries a throttled call); given up, the
        outcome is :data:`GAVE_UP` and the work the time spent trying."""
        used = self.used[k]
        first = not used[doc]
        if first:
            used[doc] = 1
            work_ms, u = self.work_ms[k][doc], self.u[k][doc]
        else:
            work_ms, u = self.ctx.draws.attempt(k, doc, 1)
        if self.calls_model[k]:
            waited_ms, admitted = self.ctx.model_call(k, doc, first, work_ms, u, sdk=sdk, wasted=wasted)
            if not admitted:
                return waited_ms, GAVE_UP
            work_ms += waited_ms
            self.last_tokens = self.ctx.draws.tokens(k, doc, first)
        return work_ms, u

    def function_attempt(self, k: int, doc: int, wasted: bool = False) -> tuple[float, int]:
        """One attempt of step ``k``'s own function for ``doc``: (running ms, result), its work cut at
        the function's timeout (:data:`TIMEOUT_CODE`, billed to it)."""
        work_ms, u = self.draw(k, doc, wasted)
        if work_ms > self.timeout_ms[k]:
            return self.timeout_ms[k], TIMEOUT_CODE
        return work_ms, self.outcome(k, u)

    def outcome(self, k: int, u: float) -> int:
        if u == GAVE_UP:
            return ERROR
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
        """A chain re-run of the document from the top: its first-visit draws apply again, and the
        model calls that succeeded so far are paid again (wasted)."""
        for seen in self._seen.values():
            seen[doc] = 0
        self.rec.model_rerun(doc)

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




def asl_retry(st: StateDef, counters: list[int], error: str, jitter: Any) -> float | None:
    """Amazon States Language Retry for a failed attempt of ``st``: the first retrier whose
    ErrorEquals matches ``error``, if it has attempts left, counts one (``counters``, one per retrier)
    and gives its backoff, s (``jitter()`` draws the FULL jitter factor); None when nothing retries
    (Catch decides)."""
    i = first_match(st.retry, error)
    if i < 0 or counters[i] >= st.retry[i].max_attempts:
        return None
    counters[i] += 1
    r = st.retry[i]
    return asl_wait_s(r, counters[i], jitter() if r.jitter == "FULL" else 1.0)


def _discard(_err: Err) -> None:
    """The end of a duplicate delivery's run: thrown away."""


GAVE_UP = -1.0
"""The outcome draw of an attempt whose function's SDK gave up on a throttled model call (an error)."""


def _after(st: StateDef) -> str | None:
    """The state a non-branching state goes to (None: its scope ends)."""
    return None if st.end else st.next


# --- Step Functions -----------------------------------------------------------------------------------


class _Execution:
    """One execution (or Distributed Map child execution) of a state machine."""

    __slots__ = ("doc", "t0", "events", "transitions", "token", "express", "over", "on_end")

    def __init__(self, doc: int, t0: float, token: _Token, express: bool, on_end: Any) -> None:
        self.doc = doc
        self.t0 = t0
        self.events = 2
        self.transitions = 0
        self.token = token
        self.express = express
        self.over = False
        self.on_end = on_end


class _Join:
    """``n`` children (Parallel branches, Map items, child executions), at most ``cap`` at once, in
    order; the first failure stops the rest (``inner.stopped``) and ends the join with it. Children
    report through :meth:`child_end`; nothing is scheduled for the join itself."""

    __slots__ = ("n", "cap", "spawn", "inner", "then", "started", "finished", "done", "pumping")

    def __init__(self, n: int, cap: int, spawn: Any, inner: _Token, then: Any) -> None:
        self.n = n
        self.cap = max(cap, 1)
        self.spawn = spawn
        self.inner = inner
        self.then = then
        self.started = 0
        self.finished = 0
        self.done = False
        self.pumping = False

    def pump(self) -> None:
        self.pumping = True
        while not self.done and self.started < self.n and self.started - self.finished < self.cap:
            i = self.started
            self.started = i + 1
            self.spawn(i, self.child_end)
        self.pumping = False
        if not self.done and self.finished >= self.n:
            self.done = True
            self.then(None)

    def child_end(self, err: Err) -> None:
        if self.done:
            return
        if err is not None:
            self.done = True
            self.inner.stopped = True
            self.then(err)
            return
        self.finished += 1
        if not self.pumping:
            self.pump()


_STOPPED: Err = (FATAL, _RUNTIME)


class _Walk:
    """What every pattern's walk through one scope (the machine, a branch, an item) shares: Pass and
    Choice in place, Succeed and Fail ending the scope, Catch routing (:meth:`after`). Subclasses
    say what a Task, a Parallel or Map and (optionally) a Wait or a state entered is."""

    __slots__ = ("m", "doc", "defn", "token", "on_end")
    UNCATCHABLE = ""  # an error name no Catch takes (it ends the scope)

    def __init__(self, m: Any, doc: int, defn: Definition, token: _Token, on_end: Any) -> None:
        self.m = m
        self.doc = doc
        self.defn = defn
        self.token = token
        self.on_end = on_end

    def go(self, name: str | None) -> None:
        states = self.defn.states
        while name is not None:
            st = states[name]
            typ = st.type
            if not self.entered(st):
                return
            if typ == "Task":
                self.task(st)
                return
            if typ == "Pass":
                name = _after(st)
                continue
            if typ == "Choice":
                target = self.m.choose(st, self.doc)
                if target is None:
                    self.on_end((FATAL, NO_CHOICE))
                    return
                name = target
                continue
            if typ == "Wait":
                self.wait(st)
                return
            if typ == "Succeed" or typ == "Fail":
                self.on_end(None if typ == "Succeed" else (FATAL, FAIL_STATE))
                return
            self.fan(st)
            return
        self.on_end(None)

    def entered(self, st: StateDef) -> bool:
        """Count a state entered; False when the scope ended instead."""
        return True

    def task(self, st: StateDef) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def fan(self, st: StateDef) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def wait(self, st: StateDef) -> None:
        _Sleep(self, st).go()

    def after(self, st: StateDef, err: Err) -> None:
        """A state ended: go on to its Next, or route its error through its Catch."""
        if err is None:
            nxt = _after(st)
            if nxt is None:
                self.on_end(None)
            else:
                self.go(nxt)
            return
        if err[1] == self.UNCATCHABLE:
            self.on_end(err)
            return
        j = first_match(st.catch, err[1])
        if j < 0:
            self.on_end(err)
            return
        self.go(st.catch[j].next)


class _Sleep:
    """A pause in a walk, nothing billed while it lasts: a Wait state (``message``: as the async
    chain's delayed message, an SQS delay up to 900 s, else an EventBridge Scheduler schedule, counted
    as a call); :class:`_External` a job, callback or activity."""

    __slots__ = ("walk", "st", "t0", "message", "tp", "res")

    def __init__(self, walk: _Walk, st: StateDef, message: bool = False, tp: TaskProfile | None = None) -> None:
        self.walk = walk
        self.st = st
        self.t0 = 0.0
        self.message = message
        self.tp = tp
        self.res = OK

    def go(self) -> None:
        m = self.walk.m
        secs = self.seconds()
        self.t0 = m.env.now
        later(m.env, secs, self.done)

    def seconds(self) -> float:
        """How long the pause lasts (and what it counts when it starts)."""
        w = self.walk
        m = w.m
        secs = float(m.wait_s(self.st, w.doc))
        if self.message:
            m.count_call(w.doc, "sqs:sendMessage" if secs <= SQS_MAX_DELAY_S else "scheduler:createSchedule", self.st.name)
        return secs

    def done(self, _ev: Any) -> None:
        w = self.walk
        m = w.m
        res = self.res
        m.rec.span(w.doc, self.st.name, w.token.lane, self.t0, m.env.now, _WAIT, res)
        if res == OK:
            w.after(self.st, None)
            return
        assert self.tp is not None  # only an external Task's pause can fail
        w.after(self.st, (res, m.error_name(self.tp, res)))


class _StepFunctions(Machine, _Runner):
    """Step Functions runs the definition: one callback chain per execution (no SimPy process), each
    Task attempt one scheduled event, as the linear engines do. Configuration and quotas:
    :class:`orchsim.sim.patterns.sfn.Machine`."""

    def __init__(self, ctx: Context, express: bool) -> None:
        super().__init__(ctx, express)  # Machine, then _Runner (its next in the MRO), then Pattern
        self.express_limit_s = ctx.rules.express_max_duration_s

    def start(self) -> None:
        draws = self.ctx.draws

        def arrive(doc: int) -> None:
            if self.dup_rate > 0 and draws.dup.next() < self.dup_rate:
                _Start(self, doc, True).go()
            _Start(self, doc, False).go()

        self.ctx.start_arrivals(arrive)

    def execution(self, doc: int, defn: Definition, express: bool, parent: _Token, on_end: Any) -> None:
        """Start one execution; ``on_end(err)`` when it ends (Express billed then)."""
        env = self.env
        token = _Token(parent)
        x = _Execution(doc, env.now, token, express, on_end)
        limit = self.express_limit_s if express else math.inf
        if defn.timeout_s is not None:
            limit = min(limit, defn.timeout_s)
        if limit < math.inf:
            def timed_out(_ev: Any) -> None:
                if not x.over:
                    token.stopped = True
                    self.end(x, (TIMEOUT_CODE, TIMEOUT))

            later(env, limit, timed_out)
        _Run(self, x, defn, token, lambda err: self.end(x, err)).go(defn.start_at)

    def end(self, x: _Execution, err: Err) -> None:
        if x.over:
            return
        x.over = True
        if x.express:
            self.rec.express(billed_ms((self.env.now - x.t0) * 1000.0, self.unit_ms), self.chunk_mb)
            self.rec.log_bytes += self.log_bytes * x.transitions
        x.on_end(err)

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


class _Start:
    """One document's execution, started through StartExecution (:class:`~orchsim.sim.patterns.sfn.StartExecution`)."""

    __slots__ = ("m", "doc", "duplicate")

    def __init__(self, m: _StepFunctions, doc: int, duplicate: bool) -> None:
        self.m = m
        self.doc = doc
        self.duplicate = duplicate

    def go(self) -> None:
        StartExecution(self.m, self.begin, self.refused).go()

    def refused(self) -> None:
        if not self.duplicate:
            self.m.rec.finish(self.doc, self.m.env.now, FAILED)

    def begin(self, _ev: Any = None) -> None:
        token = _Token()
        token.orphan = self.duplicate  # a duplicate execution's work is paid and thrown away
        self.m.execution(self.doc, self.m.wf.definition, self.m.express, token, self.done)

    def done(self, err: Err) -> None:
        m = self.m
        if self.duplicate:
            m.rec.duplicates += 1
        else:
            m.rec.finish(self.doc, m.env.now, SUCCEEDED if err is None else m.fail_outcome)


class _Run(_Walk):
    """One run of a scope (the machine, a Parallel branch, a Map item) under Step Functions."""

    __slots__ = ("x",)
    UNCATCHABLE = _RUNTIME

    def __init__(self, m: _StepFunctions, x: _Execution, defn: Definition, token: _Token, on_end: Any) -> None:
        super().__init__(m, x.doc, defn, token, on_end)
        self.x = x

    def entered(self, st: StateDef) -> bool:
        token = self.token
        if token.is_stopped():
            self.on_end(_STOPPED)
            return False
        x = self.x
        if x.express:
            x.transitions += 1
        elif not self.m.enter(x, st, 5 if st.type == "Task" else 2):
            token.stopped = True
            self.on_end(_STOPPED)
            return False
        return True

    def task(self, st: StateDef) -> None:
        _Visit(self, st).attempt()

    def fan(self, st: StateDef) -> None:
        _Visit(self, st).attempt()


class _Visit:
    """One visit of a Task, Parallel or Map state: its attempts under the Retry list (each retrier
    with its own counter), then Catch through the run."""

    __slots__ = ("run", "st", "counters", "err", "t0", "start_s", "cold", "res", "k", "tp", "inner")

    def __init__(self, run: _Run, st: StateDef) -> None:
        self.run = run
        self.st = st
        self.counters: list[int] | None = None
        self.err: Err = None
        self.t0 = 0.0
        self.start_s = 0.0
        self.cold = False
        self.res = OK
        self.k = 0
        self.tp: TaskProfile | None = None
        self.inner: _Token | None = None

    def attempt(self, _ev: Any = None) -> None:
        typ = self.st.type
        if typ == "Task":
            m = self.run.m
            if m.trans_bucket is not None:
                wait = m.trans_bucket.take(m.env.now)
                if wait > 0:  # no Lambda slot is held while the transition waits for its token
                    later(m.env, wait, self.invoke)
                    return
            self.invoke()
        elif typ == "Parallel":
            self.parallel()
        else:
            self.map()

    # -- Task -----------------------------------------------------------------------------------
    def invoke(self, _ev: Any = None) -> None:
        """The attempt: the transition latency is folded into it (one event, not two); the Lambda
        slot is counted from the transition, billing from the start of the function."""
        run = self.run
        m = run.m
        env = m.env
        st = self.st
        tp = self.tp = m.tasks[st.name]
        k = self.k = tp.index
        doc = run.x.doc
        now = env.now
        delay = m.latency_s
        work_ms, u = m.draw(k, doc, m.dup_rate > 0 and run.token.is_orphan(), tp.is_lambda)
        if u == GAVE_UP and not tp.is_lambda:  # a direct model call throttled: its Retry decides
            self.fail_after((THROTTLE, THROTTLE_ERROR), delay)
            return
        limit = st.timeout_s
        if tp.is_lambda:
            status = m.acquire(k, now)
            if status == NO_SLOT:
                m.rec.throttle(doc, k, now)
                self.fail_after((THROTTLE, THROTTLED), delay)
                return
            self.cold = cold = status == COLD
            res = ERROR if u == GAVE_UP else FATAL if u < m.fatal[k] else ERROR if u < m.err_cut[k] else OK
            if work_ms > m.timeout_ms[k]:
                res, work_ms = TIMEOUT_CODE, m.timeout_ms[k]
            self.res = res
            run_s = ((m.init_ms[k] if cold else 0.0) + work_ms) / 1000.0
            self.start_s = now + delay
            if limit is not None and run_s > limit:
                # States.Timeout at TimeoutSeconds; the Lambda carries on, billed, its result thrown away
                later(env, delay + run_s, self.orphan_done)
                self.err = (TIMEOUT_CODE, TIMEOUT)
                later(env, delay + limit, self.failed_later)
                return
            env.schedule(Wake(self.lambda_done), NORMAL, delay + run_s)  # type: ignore[arg-type]
            return
        key = m.service[st.name]
        if key is not None:
            m.count_call(doc, key, st.name)
        self.res = m.outcome(k, u)
        self.start_s = now + delay
        run_s = work_ms / 1000.0
        if limit is not None and run_s > limit:
            self.res = TIMEOUT_CODE
            run_s = limit
        env.schedule(Wake(self.service_done), NORMAL, delay + run_s)  # type: ignore[arg-type]

    def lambda_done(self, _ev: Any) -> None:
        run = self.run
        m = run.m
        now = m.env.now
        doc = run.x.doc
        m.release(self.k, now)
        rec = m.rec
        rec.invocation(doc, self.k, self.start_s, now, self.cold, self.res,
                       orphan=run.token.is_stopped() or (m.dup_rate > 0 and run.token.is_orphan()))
        if rec.detail:
            rec.span(doc, self.st.name, run.token.lane, self.start_s, now, _LAMBDA, self.res, self.cold)
        if self.res == OK:
            run.after(self.st, None)
        else:
            assert self.tp is not None
            self.failed((self.res, m.error_name(self.tp, self.res)))

    def orphan_done(self, _ev: Any) -> None:
        run = self.run
        m = run.m
        now = m.env.now
        m.release(self.k, now)
        m.rec.invocation(run.x.doc, self.k, self.start_s, now, self.cold, self.res, orphan=True)

    def service_done(self, _ev: Any) -> None:
        run = self.run
        m = run.m
        res = self.res
        kind = _SERVICE if self.tp is not None and self.tp.kind == "service" else _WAIT
        m.rec.span(run.x.doc, self.st.name, run.token.lane, self.start_s, m.env.now, kind, res)
        if res == OK:
            run.after(self.st, None)
        elif res == TIMEOUT_CODE:
            self.failed((TIMEOUT_CODE, TIMEOUT))
        else:
            assert self.tp is not None
            self.failed((res, m.error_name(self.tp, res)))

    # -- Parallel, Map ----------------------------------------------------------------------------
    def parallel(self) -> None:
        run = self.run
        m = run.m
        inner = self.inner = _Token(run.token)
        branches = self.st.branches

        def spawn(i: int, child_end: Any) -> None:
            b = branches[i]
            _Run(m, run.x, b, m.item(inner, self.st, i), child_end).go(b.start_at)

        _Join(len(branches), len(branches), spawn, inner, self.fan_end).pump()

    def map(self) -> None:
        run = self.run
        m = run.m
        st = self.st
        x = run.x
        n = m.items(st, x.doc)
        inner = self.inner = _Token(run.token)
        proc = st.processor
        assert proc is not None
        if st.distributed:
            children = -(-n // (st.batch_items or 1))
            express_child = st.execution_type == "EXPRESS"

            def child(i: int, child_end: Any) -> None:
                if not m.enter(x, st):  # the parent's transition for each child execution started
                    inner.stopped = True
                m.execution(x.doc, proc, express_child, m.item(inner, st, i), child_end)

            _Join(children, st.max_concurrency or DISTRIBUTED_MAP_CONCURRENCY, child, inner, self.fan_end).pump()
            return

        def item(i: int, child_end: Any) -> None:
            _Run(m, x, proc, m.item(inner, st, i), child_end).go(proc.start_at)

        cap = min(st.max_concurrency or INLINE_MAP_CONCURRENCY, INLINE_MAP_CONCURRENCY)
        _Join(n, cap, item, inner, self.fan_end).pump()

    def fan_end(self, err: Err) -> None:
        if err is None:
            self.run.after(self.st, None)
        else:
            self.failed(err)

    # -- Retry ----------------------------------------------------------------------------------
    def fail_after(self, err: Err, delay: float) -> None:
        """The attempt fails with ``err`` once the transition latency ``delay`` has passed."""
        self.err = err
        if delay > 0:
            later(self.run.m.env, delay, self.failed_later)
        else:
            self.failed(err)

    def failed_later(self, _ev: Any) -> None:
        assert self.err is not None
        self.failed(self.err)

    def failed(self, err: Err) -> None:
        assert err is not None
        run = self.run
        st = self.st
        if err[1] == _RUNTIME or run.token.is_stopped():
            run.after(st, err)
            return
        if self.counters is None:
            self.counters = [0] * len(st.retry)
        m = run.m
        wait = asl_retry(st, self.counters, err[1], m.ctx.jitter)
        if wait is None:
            run.after(st, err)
            return
        self.err = err
        self.t0 = m.env.now
        later(m.env, wait, self.retry)

    def retry(self, _ev: Any) -> None:
        run = self.run
        m = run.m
        m.rec.span(run.x.doc, self.st.name, run.token.lane, self.t0, m.env.now, _BACKOFF)
        if run.token.is_stopped():
            run.after(self.st, self.err)
            return
        if not m.enter(run.x, self.st, 5 if self.st.type == "Task" else 2):
            run.token.stopped = True
            run.on_end(_STOPPED)
            return
        self.attempt()


# --- Lambda chains ----------------------------------------------------------------------------------


class _SyncChain(_Runner):
    """Each Task a function that invokes the rest of its scope synchronously and waits for it. One
    callback chain per document; a waiting caller's timeout is one scheduled event."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        sc = ctx.scenario
        self.policy = sc.retry if sc.chain.sync_retry == "policy" else None
        recorded = failure_outcome_recorded("lambda-chain-sync", trigger_async=True, dead_letter=sc.chain.dead_letter)
        self.fail_async = FAILED if recorded else LOST

    def start(self) -> None:
        self.ctx.start_arrivals(lambda doc: _SDoc(self, doc).run())


class _SDoc:
    """A document: the trigger runs the chain; an async trigger's queue re-runs it on error."""

    __slots__ = ("c", "doc", "enqueued", "retries")

    def __init__(self, c: _SyncChain, doc: int) -> None:
        self.c = c
        self.doc = doc
        self.enqueued = c.env.now
        self.retries = 0

    def run(self, _ev: Any = None) -> None:
        c = self.c
        c.rerun(self.doc)
        defn = c.wf.definition
        _SFlow(c, self.doc, defn, _Token(), self.ended, from_trigger=True, enqueued=self.enqueued).go(defn.start_at)

    def ended(self, err: Err) -> None:
        c = self.c
        now = c.env.now
        if err is None:
            c.rec.finish(self.doc, now, SUCCEEDED)
            return
        if c.trigger_sync or err[1] == _AGED:
            c.rec.finish(self.doc, now, FAILED if c.trigger_sync else c.fail_async)
            return
        if self.retries >= c.max_retries or now + ASYNC_RETRY_DELAYS_S[self.retries] - self.enqueued > c.max_age:
            c.rec.finish(self.doc, now, c.fail_async)
            return
        later(c.env, ASYNC_RETRY_DELAYS_S[self.retries], self.run)
        self.retries += 1


class _SFlow(_Walk):
    """The flow from a state to the end of its scope, as the running function's (or the trigger's)
    code drives it: Pass and Choice in code, a Task invoked (it runs the rest), a Wait slept, a
    Parallel or Map invoked concurrently and waited for."""

    __slots__ = ("from_trigger", "enqueued")
    UNCATCHABLE = _AGED

    def __init__(self, m: _SyncChain, doc: int, defn: Definition, token: _Token, on_end: Any, *,
                 from_trigger: bool = False, enqueued: float = 0.0) -> None:
        super().__init__(m, doc, defn, token, on_end)
        self.from_trigger = from_trigger
        self.enqueued = enqueued

    def task(self, st: StateDef) -> None:
        _SCall(self, st).go()

    def task_done(self, st: StateDef, err: Err) -> None:
        """A Task's call returned: its callee ran the rest of the scope, or it failed (try/except)."""
        if err is None:
            self.on_end(None)
        else:
            self.after(st, err)

    def fan(self, st: StateDef) -> None:
        """Branches or items invoked concurrently from the caller (at most MaxConcurrency at once);
        the first failure is returned, the rest carry on, their results thrown away."""
        c = self.m
        doc = self.doc
        inner = _Token(self.token)
        if st.type == "Parallel":
            scopes = list(st.branches)
            cap = len(scopes)
        else:
            assert st.processor is not None
            n = c.items(st, doc)
            if st.distributed and st.batch_items:
                n = -(-n // st.batch_items)
            scopes = [st.processor] * n
            cap = st.max_concurrency or n or 1

        def spawn(i: int, child_end: Any) -> None:
            b = scopes[i]
            _SFlow(c, doc, b, c.item(inner, st, i), child_end).go(b.start_at)

        def then(err: Err) -> None:
            if err is not None:
                inner.orphan = True
            self.after(st, err)

        _Join(len(scopes), cap, spawn, _Token(), then).pump()


class _SCall:
    """The caller's invoke of a Task's function, with the chain's own retry policy (backoff sleeps
    billed to the caller)."""

    __slots__ = ("flow", "st", "calls", "t0")

    def __init__(self, flow: _SFlow, st: StateDef) -> None:
        self.flow = flow
        self.st = st
        self.calls = 0
        self.t0 = 0.0

    def go(self, _ev: Any = None) -> None:
        f = self.flow
        if self.calls:
            f.m.rec.span(f.doc, self.st.name, f.token.lane, self.t0, f.m.env.now, _BACKOFF)
        _SInvoke(self).acquire()

    def returned(self, err: Err) -> None:
        f = self.flow
        c = f.m
        # The chain's retry policy is its functions' code: the trigger's own call of the first function
        # is not retried by it (a synchronous client gets the error; an async trigger's queue re-runs).
        policy = None if f.from_trigger else c.policy
        if err is None or err[0] == FATAL or err[1] == _AGED or policy is None or self.calls >= policy.max_attempts:
            f.task_done(self.st, err)
            return
        self.calls += 1
        self.t0 = c.env.now
        later(c.env, asl_wait_s(policy, self.calls, c.ctx.jitter() if policy.jitter == "full" else 1.0), self.go)


class _SInvoke:
    """One synchronous invocation of a Task's function, which runs the rest of its scope and waits
    for it; past its timeout it ends with Sandbox.Timedout and the rest carries on as orphans. Its
    SDK gives up on the rest after ``lambda.sdk_read_timeout_s`` and invokes it again (after the SDK's
    backoff, ``sdk_max_attempts`` attempts in all, then the function fails): the rest it gave up on
    carries on as an orphan (see :mod:`orchsim.sim.patterns.chain_sync`)."""

    __slots__ = ("call", "k", "tp", "throttles", "t0", "own_end", "cold", "res", "inner", "over", "gen")

    def __init__(self, call: _SCall) -> None:
        self.call = call
        self.tp = call.flow.m.tasks[call.st.name]
        self.k = self.tp.index
        self.throttles = 0
        self.t0 = 0.0
        self.own_end = 0.0
        self.cold = False
        self.res = OK
        self.inner: _Token | None = None
        self.over = False
        self.gen = 0  # calls of the rest made so far (a read timeout makes another)

    def acquire(self, _ev: Any = None) -> None:
        f = self.call.flow
        c = f.m
        env = c.env
        now = env.now
        k = self.k
        status = c.acquire(k, now)
        if status == NO_SLOT:
            c.rec.throttle(f.doc, k, now)
            self.throttles += 1
            queued = f.from_trigger and not c.trigger_sync  # the async trigger's event, else the caller's SDK
            wait = c.throttle_wait_s(self.throttles, not queued, f.enqueued, now)
            if wait is None:
                self.call.returned((THROTTLE, _AGED if queued else THROTTLED))
                return
            later(env, wait, self.acquire)
            return
        self.t0 = now
        self.cold = cold = status == COLD
        orphan = f.token.is_orphan()
        work_ms, u = c.draw(k, f.doc, orphan)
        res = c.outcome(k, u)
        limit_s = c.timeout_ms[k] / 1000.0
        if work_ms > c.timeout_ms[k]:
            res, work_ms = TIMEOUT_CODE, c.timeout_ms[k]
        run_s = min(((c.init_ms[k] if cold else 0.0) + work_ms) / 1000.0, limit_s)
        if run_s >= limit_s:
            res = TIMEOUT_CODE
        self.res = res
        if res == OK and not orphan and c.calls_model[k]:
            f.token.record_call(k, *c.last_tokens)
        env.schedule(Wake(self.worked), NORMAL, run_s)  # type: ignore[arg-type]

    def worked(self, _ev: Any) -> None:
        call = self.call
        f = call.flow
        c = f.m
        now = c.env.now
        self.own_end = now
        st = call.st
        rec = c.rec
        if rec.detail:
            rec.span(f.doc, st.name, f.token.lane, self.t0, now, _LAMBDA, self.res, self.cold)
        key = c.service[st.name]
        if key is not None:
            c.count_call(f.doc, key, st.name)
        if self.res != OK:
            self.end(self.res)
            call.returned((self.res, c.error_name(self.tp, self.res)))
            return
        if _after(st) is None:
            self.end(OK)
            call.returned(None)
            return
        if c.overhead_s:
            later(c.env, c.overhead_s, self.call_rest)
        else:
            self.call_rest()

    def call_rest(self, _ev: Any = None) -> None:
        if self.over:
            return
        call = self.call
        f = call.flow
        c = f.m
        left = self.t0 + c.timeout_ms[self.k] / 1000.0 - c.env.now
        if self.gen == 0:
            later(c.env, max(left, 0.0), self.timed_out)
        self.gen = gen = self.gen + 1
        if c.read_timeout_s < left:
            later(c.env, c.read_timeout_s, lambda _ev: self.read_timed_out(gen))
        self.inner = inner = _Token(f.token)
        _SFlow(c, f.doc, f.defn, inner, lambda err: self.rest_done(err, gen)).go(_after(call.st))

    def read_timed_out(self, gen: int) -> None:
        """The SDK's read timeout of call ``gen`` passed without a response: the rest carries on as an
        orphan; invoke it again after the SDK's backoff, or fail after the last attempt."""
        if self.over or gen != self.gen:
            return
        assert self.inner is not None
        self.inner.orphan = True
        c = self.call.flow.m
        self.inner.orphan_calls(c.rec, self.call.flow.doc)
        c.rec.read_timeouts += 1
        if gen < c.sdk_attempts:
            later(c.env, c.ctx.sdk_backoff_s(gen - 1), self.call_rest)
            return
        self.waited(ERROR)
        self.end(ERROR)
        self.call.returned((ERROR, c.error_name(self.tp, ERROR)))

    def rest_done(self, err: Err, gen: int) -> None:
        if self.over or gen != self.gen:
            return  # the caller timed out, or its SDK gave up on this call: the result is thrown away
        self.waited(OK)
        self.end(OK if err is None else (FATAL if err[0] == FATAL else ERROR))
        self.call.returned(err)

    def timed_out(self, _ev: Any) -> None:
        if self.over:
            return
        assert self.inner is not None
        self.inner.orphan = True
        self.inner.orphan_calls(self.call.flow.m.rec, self.call.flow.doc)
        self.waited(TIMEOUT_CODE)
        self.end(TIMEOUT_CODE)
        self.call.returned((TIMEOUT_CODE, SANDBOX_TIMEOUT))

    def waited(self, res: int) -> None:
        f = self.call.flow
        rec = f.m.rec
        if rec.detail:
            rec.span(f.doc, self.call.st.name, f.token.lane, self.own_end, f.m.env.now, _CALLEE, res)

    def end(self, code: int) -> None:
        """Release the function and bill its invocation (once)."""
        self.over = True
        f = self.call.flow
        c = f.m
        now = c.env.now
        c.release(self.k, now)
        c.rec.invocation(f.doc, self.k, self.t0, now, self.cold, code, orphan=f.token.is_orphan())




class _AsyncChain(_Runner):
    """Each Task a function invoked with an Event; fan-out and join through a counter table. One
    callback chain per document (no SimPy process), each invocation one scheduled event."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        recorded = failure_outcome_recorded("lambda-chain-async", trigger_async=True, dead_letter=ctx.scenario.chain.dead_letter)
        self.fail_outcome = FAILED if recorded else LOST
        self.dup_rate = ctx.scenario.lambda_.async_duplicate_rate
        self.dup = ctx.draws.dup

    def start(self) -> None:
        defn = self.wf.definition

        def arrive(doc: int) -> None:
            def done(err: Err) -> None:
                now = self.env.now
                if err is None:
                    self.rec.finish(doc, now, SUCCEEDED)
                else:
                    self.rec.finish(doc, now, FAILED if err[1] == _CLIENT else self.fail_outcome)

            _Flow(self, doc, defn, _Token(), done, first=True).go(defn.start_at)

        self.ctx.start_arrivals(arrive)


class _Flow(_Walk):
    """The flow through one scope of the async chain, as each function's code drives it."""

    __slots__ = ("first",)
    UNCATCHABLE = _CLIENT

    def __init__(self, m: _AsyncChain, doc: int, defn: Definition, token: _Token, on_end: Any, first: bool = False) -> None:
        super().__init__(m, doc, defn, token, on_end)
        self.first = first

    def task(self, st: StateDef) -> None:
        m = self.m
        tp = m.tasks[st.name]
        if tp.kind in WAITING_KINDS:
            _External(self, st, tp).go()
        else:
            client = self.first and m.trigger_sync
            if m.dup_rate > 0 and not client and m.dup.next() < m.dup_rate:
                # Lambda's async queue delivers the event twice: the twin runs this Task and the rest
                # of its scope, paid, its end thrown away (the join counts each branch or item once)
                twin = _Token(self.token)
                twin.orphan = True
                m.rec.duplicates += 1
                _Event(_Flow(m, self.doc, self.defn, twin, _discard), st, tp, False).invoke()
            _Event(self, st, tp, client).invoke()
        self.first = False

    def wait(self, st: StateDef) -> None:
        _Sleep(self, st, message=True).go()

    def fan(self, st: StateDef) -> None:
        """One Event per branch or item, all at once; a counter item joins them (the fan-out writes it,
        each end updates it, the last one continues)."""
        c = self.m
        doc = self.doc
        c.count_call(doc, "dynamodb:putItem", st.name)
        if st.type == "Parallel":
            scopes = list(st.branches)
        else:
            assert st.processor is not None
            n = c.items(st, doc)
            if st.distributed and st.batch_items:
                n = -(-n // st.batch_items)
            scopes = [st.processor] * n
        token = self.token

        def spawn(i: int, child_end: Any) -> None:
            def ended(err: Err) -> None:
                if err is None:
                    c.count_call(doc, "dynamodb:updateItem", st.name)
                child_end(err)

            b = scopes[i]
            _Flow(c, doc, b, c.item(token, st, i), ended).go(b.start_at)

        _Join(len(scopes), len(scopes), spawn, _Token(), lambda err: self.after(st, err)).pump()


class _External(_Sleep):
    """A job, callback or activity: started by the function that reaches it; the external event
    continues the flow (nothing billed while waiting)."""

    __slots__ = ()

    def __init__(self, flow: _Flow, st: StateDef, tp: TaskProfile) -> None:
        super().__init__(flow, st, tp=tp)

    def seconds(self) -> float:
        f = self.walk
        c = f.m
        assert self.tp is not None
        work_ms, u = c.draw(self.tp.index, f.doc)
        key = c.service[self.st.name]
        if key is not None:
            c.count_call(f.doc, key, self.st.name)
        self.res = c.outcome(self.tp.index, u)
        return work_ms / 1000.0


class _Event:
    """One function's Event invocation through the async queue (a synchronous client invokes the
    first function with RequestResponse: its SDK retries throttles, errors go back to it)."""

    __slots__ = ("flow", "st", "tp", "client", "enqueued", "retries", "throttles", "t0", "cold", "res")

    def __init__(self, flow: _Flow, st: StateDef, tp: TaskProfile, client: bool) -> None:
        self.flow = flow
        self.st = st
        self.tp = tp
        self.client = client
        self.enqueued = flow.m.env.now
        self.retries = 0
        self.throttles = 0
        self.t0 = 0.0
        self.cold = False
        self.res = OK

    def invoke(self, _ev: Any = None) -> None:
        f = self.flow
        c = f.m
        env = c.env
        now = env.now
        k = self.tp.index
        status = c.acquire(k, now)
        if status == NO_SLOT:
            self.throttles += 1
            wait = c.throttled(k, f.doc, now, self.throttles, self.client, self.enqueued)
            if wait is None:
                f.after(self.st, (THROTTLE, _CLIENT if self.client else THROTTLED))
                return
            later(env, wait, self.invoke)
            return
        self.cold = cold = status == COLD
        work_ms, res = c.function_attempt(k, f.doc, c.dup_rate > 0 and f.token.is_orphan())
        self.res = res
        self.t0 = now
        extra = c.overhead_s if (res == OK and _after(self.st) is not None) else 0.0
        env.schedule(Wake(self.done), NORMAL, ((c.init_ms[k] if cold else 0.0) + work_ms) / 1000.0 + extra)  # type: ignore[arg-type]

    def done(self, _ev: Any) -> None:
        f = self.flow
        c = f.m
        now = c.env.now
        k = self.tp.index
        res = self.res
        c.release(k, now)
        rec = c.rec
        rec.invocation(f.doc, k, self.t0, now, self.cold, res, c.dup_rate > 0 and f.token.is_orphan())
        if rec.detail:
            rec.span(f.doc, self.st.name, f.token.lane, self.t0, now, _LAMBDA, res, self.cold)
        key = c.service[self.st.name]
        if key is not None:
            c.count_call(f.doc, key, self.st.name)
        if res == OK:
            f.after(self.st, None)
            return
        if self.client:
            f.after(self.st, (res, _CLIENT))
            return
        if self.retries >= c.max_retries or now + ASYNC_RETRY_DELAYS_S[self.retries] - self.enqueued > c.max_age:
            f.after(self.st, (res, c.error_name(self.tp, res)))
            return
        later(c.env, ASYNC_RETRY_DELAYS_S[self.retries], self.invoke)
        self.retries += 1


