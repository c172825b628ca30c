"""An imported workflow (or a linear pipeline written as one) run as a Lambda durable function.

One durable execution per document: the orchestrating function (``Context.steps[-1]``) runs the
workflow in its code and checkpoints each durable operation (what each state becomes:
:mod:`orchsim.model.durable`; what each operation bills: :mod:`orchsim.aws.durable`).

* An execution starts with one invocation (1 operation; the input persisted). A Lambda Task run as a
  ``step`` and a service Task run inside the live invocation, billed at the orchestrator's memory for
  their wall clock (1 operation per attempt, its result persisted; a model call through the step's SDK).
* A Wait (1 operation), a ``callback`` Task (``waitForCallback``: 3 operations, 1 more per retry; its
  submitter's result and two copies of the callback payload persisted), an ``invoke`` Task (1 operation,
  assumed; the Task's own function runs as a normal invocation, billed at its memory) and the backoff
  before a retry suspend the execution: when nothing else runs in the invocation it ends, and nothing
  is billed until a new invocation resumes it, replaying the handler (``durable.replay_ms``, plus INIT
  when cold) (AWS: "the SDK checkpoints the error and the scheduled resume time, and then ends the Lambda
  invocation. ... Retries do not consume Lambda execution time while waiting", aws-durable-execution-docs
  retries.md; "Existing Lambda compute charges apply, including for sub-invocations from replays",
  https://aws.amazon.com/lambda/pricing/).
* Parallel and Map (1 operation plus 1 per branch or item; two copies of each branch's result
  persisted) run their branches concurrently inside the same invocation: billed once, for its wall
  clock, not per branch. A branch that resumes while the invocation still runs continues in it (an
  execution's invocations do not overlap here).
* Each invocation stops at the orchestrator's timeout (at most 900 s): the steps still running then
  fail with ``Sandbox.Timedout`` (their work is lost; the invocation is billed to its timeout) and their
  retry strategy, the Task's ASL Retry, decides whether they run again (at least once per step).
* Retry strategies are the Tasks' ASL Retry (first matching retrier, its own counter, its backoff);
  Catch is the handler's try/except. The SDK's own default strategy is not added: the graph says what
  is retried.
* A throttled invocation is retried by Lambda with the async queue's backoff (the first one, behind a
  synchronous client, by the client's SDK); past ``async_max_event_age_s`` the execution fails.
* The execution fails past ``durable.execution_timeout_s`` or past the 3,000-operation or 100 MB quota.
  Data retained is metered when the execution ends: all it wrote, for its running time plus
  ``durable.retention_days``.
"""

from __future__ import annotations

from typing import Any

from orchsim.aws.durable import (
    CALLBACK_OPERATIONS,
    INVOKE_OPERATIONS,
    KB_PER_GB,
    MAX_OPERATIONS,
    MAX_WRITTEN_MB,
    retained_gb_months,
)
from orchsim.aws.rules import throttle_backoff_s
from orchsim.model.asl import Definition, StateDef
from orchsim.model.workflow import THROTTLED, TIMEOUT, TaskProfile
from orchsim.sim.patterns.base import FAILED, FATAL, NORMAL, OK, SUCCEEDED, THROTTLE, Context, Wake, later
from orchsim.sim.patterns.base import TIMEOUT as TIMEOUT_CODE
from orchsim.sim.patterns.graph import _LAMBDA, _SERVICE, _STOPPED, _WAIT, Err, _Join, _Runner, _Token, _Walk, asl_retry
from orchsim.sim.platform import COLD
from orchsim.sim.platform import THROTTLED as NO_SLOT

__all__ = ["OPERATIONS_KEY", "QUOTA_ERROR", "start"]

OPERATIONS_KEY = "lambda:durableOperations"
"""The service key durable operations are counted under (priced by :mod:`orchsim.aws.services`)."""

QUOTA_ERROR = "orchsim.DurableQuotaExceeded"
"""An execution past 3,000 operations or 100 MB written (hard quotas, :mod:`orchsim.aws.durable`)."""

_EXECUTION = "(execution)"  # the state the start operation is counted under


def start(ctx: Context) -> None:
    """Start the arrivals of ``ctx``'s workflow as durable executions (``ctx.steps[-1]`` is the
    orchestrating function)."""
    _Durable(ctx).start()


class _Durable(_Runner):
    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        sc = ctx.scenario
        cfg = sc.durable
        _, self.ops = sc.durable_plan()
        self.kd = len(ctx.steps) - 1
        self.timeout_s = ctx.steps[self.kd].timeout_s
        self.replay_s = cfg.replay_ms / 1000.0
        self.result_kb = cfg.result_kb
        self.input_kb = cfg.input_kb
        self.retention_days = cfg.retention_days
        self.limit_s = cfg.execution_timeout_s

    def start(self) -> None:
        self.ctx.start_arrivals(lambda doc: _Execution(self, doc).begin())

    def op(self, doc: int, state: str, n: int = 1) -> None:
        calls = self.rec.calls  # Recorder.service, n at once
        key = (state, OPERATIONS_KEY)
        calls[key] = calls.get(key, 0) + n


class _Invocation:
    """One invocation of the orchestrating function."""

    __slots__ = ("t0", "cold", "deadline", "active", "ready", "over", "cut", "pending", "first")

    def __init__(self, first: bool) -> None:
        self.t0 = 0.0
        self.cold = False
        self.deadline = 0.0
        self.active = 0  # work running in it now (steps, replays)
        self.ready = False  # INIT and replay done
        self.over = False
        self.cut = False  # it reached its timeout
        self.pending: list[Any] = []
        self.first = first


class _Execution:
    """One document's durable execution."""

    __slots__ = ("m", "doc", "t0", "kb", "ops", "inv", "over", "throttles", "asked")

    def __init__(self, m: _Durable, doc: int) -> None:
        self.m = m
        self.doc = doc
        self.t0 = m.env.now
        self.kb = 0.0
        self.ops = 0
        self.inv: _Invocation | None = None
        self.over = False
        self.throttles = 0
        self.asked = 0.0

    # -- metering
    def op(self, state: str, n: int = 1, kb: float = 0.0) -> bool:
        """Count ``n`` operations writing ``kb``; False (and the execution failed) past a quota."""
        m = self.m
        m.op(self.doc, state, n)
        self.ops += n
        self.kb += kb
        m.rec.durable_kb += kb
        if self.ops > MAX_OPERATIONS or self.kb > MAX_WRITTEN_MB * 1000.0:  # KB: decimal, as AWS counts data
            self.ended((FATAL, QUOTA_ERROR))
            return False
        return True

    def begin(self) -> None:
        m = self.m
        payload = m.rec.payload_kb
        kb = m.input_kb if m.input_kb is not None else (payload[self.doc] if payload is not None else 8.0)
        if not self.op(_EXECUTION, 1, kb):
            return
        if m.limit_s < m.ctx.window_s - self.t0:  # a timeout past the window's end never fires in it
            later(m.env, m.limit_s, self.timed_out)
        defn = m.wf.definition
        self.resume(lambda: _DWalk(m, self, defn, _Token(), self.ended).go(defn.start_at))

    def timed_out(self, _ev: Any) -> None:
        self.ended((TIMEOUT_CODE, TIMEOUT))

    def ended(self, err: Err) -> None:
        if self.over:
            return
        self.over = True
        m = self.m
        now = m.env.now
        m.rec.finish(self.doc, now, SUCCEEDED if err is None else FAILED)
        days = (now - self.t0) / 86_400.0
        m.rec.durable_gb_months += retained_gb_months(self.kb / KB_PER_GB, running_days=days, retention_days=m.retention_days)

    # -- invocations
    def live(self) -> _Invocation | None:
        inv = self.inv
        return inv if inv is not None and inv.ready and not inv.over and not inv.cut else None

    def resume(self, then: Any) -> None:
        """Run ``then`` in the live invocation, or in a new one (replayed) when there is none."""
        if self.over:
            return
        inv = self.inv
        if inv is not None and not inv.over and not inv.cut:
            if inv.ready:
                then()
                self.settle(inv)
            else:
                inv.pending.append(then)
            return
        inv = self.inv = _Invocation(first=inv is None and self.ops <= 1)
        inv.pending.append(then)
        self.asked = self.m.env.now
        self.throttles = 0
        self.acquire(inv)

    def acquire(self, inv: _Invocation, _ev: Any = None) -> None:
        m = self.m
        if self.over:
            inv.over = True
            return
        now = m.env.now
        status = m.acquire(m.kd, now)
        if status == NO_SLOT:
            self.throttles += 1
            wait = m.throttled(m.kd, self.doc, now, self.throttles, inv.first and m.trigger_sync, self.asked)
            if wait is None:
                inv.over = True
                self.ended((THROTTLE, THROTTLED))
                return
            later(m.env, wait, lambda _ev: self.acquire(inv))
            return
        inv.cold = cold = status == COLD
        inv.t0 = now
        inv.deadline = now + m.timeout_s
        lead = (m.init_ms[m.kd] / 1000.0 if cold else 0.0) + (0.0 if inv.first else m.replay_s)
        inv.active = 1
        if lead > inv.deadline - now:  # INIT and replay alone pass the timeout
            lead = inv.deadline - now
            inv.cut = True
        later(m.env, lead, lambda _ev: self.ready(inv))

    def ready(self, inv: _Invocation) -> None:
        inv.active -= 1
        if inv.cut:  # nothing ran; try again in a new invocation
            pending, inv.pending = inv.pending, []
            self.settle(inv)
            for then in pending:
                self.retry_later(then)
            return
        inv.ready = True
        pending, inv.pending = inv.pending, []
        for then in pending:
            if self.over:
                break
            then()
        self.settle(inv)

    def retry_later(self, then: Any) -> None:
        """Resume ``then`` in a new invocation after the async queue's first backoff."""
        later(self.m.env, throttle_backoff_s(1), lambda _ev: self.resume(then))

    def run(self, seconds: float, done: Any) -> None:
        """Run ``seconds`` of work in the live invocation, then ``done(cut)`` (cut: the invocation's
        timeout came first; the work is lost)."""
        inv = self.live()
        if inv is None:
            self.resume(lambda: self.run(seconds, done))
            return
        now = self.m.env.now
        inv.active += 1
        seg = _Segment(self, inv, now + seconds > inv.deadline, done)
        self.m.env.schedule(Wake(seg.end), NORMAL, (inv.deadline - now) if seg.cut else seconds)  # type: ignore[arg-type]

    def settle(self, inv: _Invocation) -> None:
        """End ``inv`` (billed) once nothing runs in it."""
        if inv.over or inv.active > 0 or not (inv.ready or inv.cut):
            return
        inv.over = True
        m = self.m
        now = m.env.now
        m.release(m.kd, now)
        m.rec.invocation(self.doc, m.kd, inv.t0, now, inv.cold, TIMEOUT_CODE if inv.cut else OK)
        if self.inv is inv:
            self.inv = None


class _Segment:
    """Work running inside an invocation (a step), ended by one scheduled event."""

    __slots__ = ("x", "inv", "cut", "done")

    def __init__(self, x: _Execution, inv: _Invocation, cut: bool, done: Any) -> None:
        self.x = x
        self.inv = inv
        self.cut = cut
        self.done = done

    def end(self, _ev: Any) -> None:
        inv = self.inv
        inv.active -= 1
        if self.cut:
            inv.cut = True
        self.done(self.cut)
        self.x.settle(inv)


class _DWalk(_Walk):
    """The handler's walk through one scope (the workflow, a branch, a Map item)."""

    __slots__ = ("x",)

    def __init__(self, m: _Durable, x: _Execution, defn: Definition, token: _Token, on_end: Any) -> None:
        super().__init__(m, x.doc, defn, token, on_end)
        self.x = x

    def entered(self, st: StateDef) -> bool:
        if self.x.over:
            return False
        if self.token.is_stopped():
            self.on_end(_STOPPED)
            return False
        return True

    def task(self, st: StateDef) -> None:
        _Operation(self, st, self.m.ops[st.name]).attempt()

    def wait(self, st: StateDef) -> None:
        m, x = self.m, self.x
        if not x.op(st.name):
            return
        t0 = m.env.now

        def woke(_ev: Any) -> None:
            m.rec.span(self.doc, st.name, self.token.lane, t0, m.env.now, _WAIT, OK)
            x.resume(lambda: self.after(st, None))

        later(m.env, float(m.wait_s(st, self.doc)), woke)

    def fan(self, st: StateDef) -> None:
        m, x = self.m, self.x
        if st.type == "Parallel":
            scopes = list(st.branches)
        else:
            assert st.processor is not None
            scopes = [st.processor] * m.items(st, self.doc)
        if not x.op(st.name, 1 + len(scopes), 2.0 * m.result_kb * len(scopes)):
            return
        inner = _Token(self.token)

        def spawn(i: int, child_end: Any) -> None:
            b = scopes[i]
            _DWalk(m, x, b, m.item(inner, st, i), child_end).go(b.start_at)

        cap = st.max_concurrency or len(scopes)  # the SDK's map runs every item at once unless capped
        _Join(len(scopes), cap, spawn, inner, lambda err: self.after(st, err)).pump()


class _Operation:
    """One Task's durable operation and its attempts under its ASL Retry (the step's retry strategy)."""

    __slots__ = ("walk", "st", "kind", "tp", "counters", "t0", "res", "cold", "throttles", "asked")

    def __init__(self, walk: _DWalk, st: StateDef, kind: str) -> None:
        self.walk = walk
        self.st = st
        self.kind = kind
        self.tp: TaskProfile = walk.m.tasks[st.name]
        self.counters: list[int] | None = None
        self.t0 = 0.0
        self.res = OK
        self.cold = False
        self.throttles = 0
        self.asked = 0.0

    def attempt(self) -> None:
        w = self.walk
        x, m = w.x, w.m
        if x.over:
            return
        if w.token.is_stopped():
            w.after(self.st, _STOPPED)
            return
        kb = m.result_kb
        if self.kind == "callback":
            ops, kb = (CALLBACK_OPERATIONS if self.counters is None or not any(self.counters) else 1), 3.0 * kb
        else:
            ops = INVOKE_OPERATIONS if self.kind == "invoke" else 1
        if not x.op(self.st.name, ops, kb):
            return
        if self.kind == "step":
            self.step()
        elif self.kind == "invoke":
            self.asked = m.env.now
            self.throttles = 0
            self.invoke()
        else:
            self.callback()

    # -- a step: the work inside the live invocation
    def step(self) -> None:
        w = self.walk
        m, x = w.m, w.x
        tp = self.tp
        k = tp.index
        work_ms, u = m.draw(k, w.doc)
        key = m.service[self.st.name]
        if key is not None:
            m.count_call(w.doc, key, self.st.name)
        self.res = m.outcome(k, u)
        self.t0 = m.env.now
        x.run(work_ms / 1000.0, self.step_done)

    def step_done(self, cut: bool) -> None:
        w = self.walk
        m = w.m
        res = TIMEOUT_CODE if cut else self.res
        name = self.st.name
        m.rec.state_ms[name] = m.rec.state_ms.get(name, 0.0) + (m.env.now - self.t0) * 1000.0
        if m.rec.detail:
            m.rec.span(w.doc, self.st.name, w.token.lane, self.t0, m.env.now, _LAMBDA if self.tp.is_lambda else _SERVICE, res)
        self.ended(res)

    # -- an invoke: the Task's own function, the orchestrator suspended
    def invoke(self, _ev: Any = None) -> None:
        w = self.walk
        m = w.m
        env = m.env
        now = env.now
        k = self.tp.index
        status = m.acquire(k, now)
        if status == NO_SLOT:
            self.throttles += 1
            wait = m.throttled(k, w.doc, now, self.throttles, False, self.asked)
            if wait is None:
                w.x.resume(lambda: self.failed((THROTTLE, THROTTLED)))
                return
            later(env, wait, self.invoke)
            return
        self.cold = cold = status == COLD
        work_ms, self.res = m.function_attempt(k, w.doc)
        self.t0 = now
        env.schedule(Wake(self.invoke_done), NORMAL, ((m.init_ms[k] if cold else 0.0) + work_ms) / 1000.0)  # type: ignore[arg-type]

    def invoke_done(self, _ev: Any) -> None:
        w = self.walk
        m = w.m
        now = m.env.now
        k = self.tp.index
        m.release(k, now)
        m.rec.invocation(w.doc, k, self.t0, now, self.cold, self.res)
        if m.rec.detail:
            m.rec.span(w.doc, self.st.name, w.token.lane, self.t0, now, _LAMBDA, self.res, self.cold)
        res = self.res
        w.x.resume(lambda: self.ended(res))

    # -- a callback: suspended while the outside world works
    def callback(self) -> None:
        w = self.walk
        m = w.m
        tp = self.tp
        work_ms, u = m.draw(tp.index, w.doc)
        key = m.service[self.st.name]
        if key is not None:
            m.count_call(w.doc, key, self.st.name)
        res = m.outcome(tp.index, u)
        t0 = m.env.now

        def back(_ev: Any) -> None:
            m.rec.span(w.doc, self.st.name, w.token.lane, t0, m.env.now, _WAIT, res)
            w.x.resume(lambda: self.ended(res))

        later(m.env, work_ms / 1000.0, back)

    # -- outcomes
    def ended(self, res: int) -> None:
        if res == OK:
            self.walk.after(self.st, None)
        else:
            self.failed((res, self.walk.m.error_name(self.tp, res)))

    def failed(self, err: Err) -> None:
        assert err is not None
        w = self.walk
        st = self.st
        if w.x.over or w.token.is_stopped():
            return
        if self.counters is None:
            self.counters = [0] * len(st.retry)
        m = w.m
        wait = asl_retry(st, self.counters, err[1], m.ctx.jitter)
        if wait is None:
            w.after(st, err)
            return
        later(m.env, wait, lambda _ev: w.x.resume(self.attempt))
