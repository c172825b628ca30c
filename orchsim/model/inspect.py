"""What an imported ASL definition costs per document, in counts, and which patterns can run it.

Counting rule (Standard). AWS: "Step Functions counts a state transition each time a step of your
workflow is executed ... including retries" (https://aws.amazon.com/step-functions/pricing/). orchsim
reads "a step executed" as *each state entered*, of every type (Task, Pass, Choice, Wait, Succeed,
Fail, Parallel, Map), and each state of each Parallel branch and of each inline Map iteration: a
Parallel costs 1 + its branches' states, an inline Map of n items over k states 1 + n x k. That
reading matches counting one per ``...StateEntered`` history event; it is a derivation, not AWS's
wording. A Distributed Map: AWS charges the parent one transition per child workflow execution it
starts, and inline Map iterations are not charged on top of their states
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html); each child
execution is billed as its ``ExecutionType`` (Standard: its own transitions; Express: a request plus
duration). Counts here are for one document and no errors (retries would add one transition each).

Without a profile: one item per Map (``map_items`` gives a mean per Map state), and each Choice takes
its Default (``choices`` gives probabilities per target; the rest goes to Default). A Choice with
neither Default nor probabilities fails the execution with ``States.NoChoiceMatched``; a loop that the
Default assumption never leaves is unbounded, and the figures are then for one pass. Every such
assumption is listed.

Patterns. Express supports only request-response integrations: no ``.sync`` and no
``.waitForTaskToken`` (https://docs.aws.amazon.com/step-functions/latest/dg/integrate-optimized.html,
"Express Workflows only support Request Response integrations"), and runs at most 5 minutes. A
synchronous Lambda chain waits inside a running function, which stops at 900 s.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from orchsim.errors import InputError
from orchsim.model.asl import Definition, StateDef

__all__ = ["LAMBDA_MAX_TIMEOUT_S", "PATTERN_NAMES", "WAITING_KINDS", "check_profile", "inspect_definition", "waiting_tasks", "waits_for"]

PATTERN_NAMES = ("lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express", "lambda-durable")
"""The five patterns, in the order :data:`orchsim.model.scenario.PATTERNS` lists them."""

LAMBDA_MAX_TIMEOUT_S = 900.0
"""Longest a Lambda function runs, seconds (so the longest a synchronous caller can wait)."""

EXPRESS_MAX_DURATION_S = 300.0
"""Longest an Express execution runs, seconds (past it: States.Timeout)."""

SQS_MAX_DELAY_S = 900.0
"""Longest SQS message delay, seconds (DelaySeconds 0-900, https://docs.aws.amazon.com/AWSSimpleQueueService/
latest/SQSDeveloperGuide/sqs-delay-queues.html): the async chain's Wait up to it is a delayed message,
a longer one an EventBridge Scheduler schedule."""


@dataclass
class _Tally:
    """Per-document counts of one scope."""

    transitions: float = 0.0
    lambda_invocations: float = 0.0
    service_calls: dict[str, float] = field(default_factory=dict)
    standard_children: float = 0.0
    express_children: float = 0.0
    wait_s: float = 0.0
    # what the Lambda chains do differently (per document): Tasks that are functions there but not
    # under Step Functions, fan-outs and their ends (the async chain's join counter), Waits
    # (the async chain's delayed messages), executions started (Express)
    lambda_tasks: float = 0.0
    chain_functions: float = 0.0
    waiting_tasks: float = 0.0
    fanouts: float = 0.0
    fan_ends: float = 0.0
    short_waits: float = 0.0
    long_waits: float = 0.0

    def add(self, other: _Tally, times: float, *, transitions: bool = True) -> None:
        self.transitions += other.transitions * times if transitions else 0.0
        self.lambda_invocations += other.lambda_invocations * times
        for name in ("lambda_tasks", "chain_functions", "waiting_tasks", "fanouts", "fan_ends", "short_waits", "long_waits"):
            setattr(self, name, getattr(self, name) + getattr(other, name) * times)
        for k, v in other.service_calls.items():
            self.service_calls[k] = self.service_calls.get(k, 0.0) + v * times
        self.standard_children += other.standard_children * times
        self.express_children += other.express_children * times
        self.wait_s += other.wait_s * times


@dataclass
class _Options:
    choices: Mapping[str, Mapping[str, float]]
    map_items: Mapping[str, float]
    notes: list[str] = field(default_factory=list)
    unbounded: bool = False


def inspect_definition(
    defn: Definition,
    *,
    choices: Mapping[str, Mapping[str, float]] | None = None,
    map_items: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Summarise a definition: its states, per-document counts, the patterns that can run it.

    Parameters
    ----------
    defn
        From :func:`orchsim.model.asl.load_definition`.
    choices
        ``{choice state: {target state: probability}}``; what is left goes to the Choice's Default.
    map_items
        ``{map state: mean items per run}`` (default 1 each).

    Returns
    -------
    dict
        ``states`` (name, type, kind, parent, path, service), ``per_document`` (state_transitions,
        lambda_invocations, service_calls, service_calls_by_action, child_executions, unbounded),
        ``patterns`` ({pattern: {supported, reason}}), ``assumptions``, ``placeholders``.

    Raises
    ------
    InputError
        A ``choices`` or ``map_items`` entry naming no such state, or a probability out of range.

    Examples
    --------
    >>> from orchsim.model.asl import load_definition
    >>> d = load_definition({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"},
    ...                      "B": {"Type": "Succeed"}}})
    >>> inspect_definition(d)["per_document"]["state_transitions"]
    2
    """
    opts = _Options(_checked_choices(defn, choices or {}), _checked_items(defn, map_items or {}))
    tally = _scope(defn, opts)
    states = [{"name": s.name, "type": s.type, "kind": s.kind, "parent": s.parent, "path": s.path,
               "service": s.service} for s in defn.walk()]
    per_doc = {
        "state_transitions": _num(tally.transitions),
        "lambda_invocations": _num(tally.lambda_invocations),
        "service_calls": _num(sum(tally.service_calls.values())),
        "service_calls_by_action": {k: _num(v) for k, v in sorted(tally.service_calls.items()) if v > 1e-12},
        "child_executions": {"standard": _num(tally.standard_children), "express": _num(tally.express_children)},
        "unbounded": opts.unbounded,
    }
    assumptions = ["no errors: Retry and Catch are not exercised (each retry adds one Standard transition)"]
    assumptions += list(dict.fromkeys([*defn.assumptions, *opts.notes]))
    return {
        "states": states,
        "per_document": per_doc,
        "patterns": _patterns(defn, tally),
        "assumptions": assumptions,
        "placeholders": list(defn.placeholders),
    }


def _num(x: float) -> float | int:
    r = round(x, 6)
    return int(r) if r == int(r) else r


def _by_type(defn: Definition, typ: str) -> dict[str, StateDef]:
    return {s.name: s for s in defn.walk() if s.type == typ}


def _hint(name: str, known: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _checked_choices(defn: Definition, choices: Mapping[str, Any], prefix: str = "") -> Mapping[str, Mapping[str, float]]:
    known = _by_type(defn, "Choice")
    for name, probs in choices.items():
        where = f"{prefix}choices.{name}"
        if name not in known:
            raise InputError(where, f"no Choice state of that name{_hint(str(name), known)}; accepted: {', '.join(known) or 'none'}")
        if not isinstance(probs, Mapping):
            raise InputError(where, "must be a mapping of target state to probability, e.g. {HumanApproval: 0.2}")
        default = known[name].default
        targets = set(known[name].choices) | ({default} if default else set())
        for target, p in probs.items():
            if target not in targets:
                raise InputError(f"{where}.{target}", f"not a target of Choice {name!r}; accepted: {', '.join(sorted(targets))}")
            if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= float(p) <= 1.0:
                raise InputError(f"{where}.{target}", f"a probability; accepted: 0 <= value <= 1, got {p!r}")
        if sum(float(p) for p in probs.values()) > 1.0 + 1e-9:
            raise InputError(where, "probabilities add up to more than 1; accepted: a sum <= 1 (the rest goes to Default)")
    return choices


def _checked_items(defn: Definition, items: Mapping[str, float], prefix: str = "") -> Mapping[str, float]:
    known = _by_type(defn, "Map")
    for name, n in items.items():
        where = f"{prefix}map_items.{name}"
        if name not in known:
            raise InputError(where, f"no Map state of that name{_hint(str(name), known)}; accepted: {', '.join(known) or 'none'}")
        if isinstance(n, bool) or not isinstance(n, int | float) or not float(n) >= 0.0 or math.isinf(float(n)):
            raise InputError(where, f"mean items per run; accepted: value >= 0, got {n!r}")
    return items


def check_profile(
    defn: Definition,
    *,
    choices: Mapping[str, Any] | None = None,
    map_items: Mapping[str, float] | None = None,
    prefix: str = "",
) -> None:
    """Check a profile against a definition, as :func:`inspect_definition` does before counting.

    Parameters
    ----------
    defn
        The definition profiled.
    choices
        ``{choice state: {target state: probability}}``.
    map_items
        ``{map state: mean items per run}``.
    prefix
        Put in front of each field path (``"pipeline."`` for a scenario).

    Raises
    ------
    InputError
        One line naming ``{prefix}choices.NAME[.TARGET]`` or ``{prefix}map_items.NAME``.
    """
    _checked_choices(defn, choices or {}, prefix)
    _checked_items(defn, map_items or {}, prefix)


def _edges(defn: Definition, opts: _Options) -> dict[str, list[tuple[str, float]]]:
    """Where each state goes, with probabilities, when nothing fails (Catch is not taken)."""
    out: dict[str, list[tuple[str, float]]] = {}
    for st in defn.states.values():
        if st.terminal:
            out[st.name] = []
        elif st.type != "Choice":
            out[st.name] = [(st.next, 1.0)] if st.next else []
        else:
            probs = dict(opts.choices.get(st.name, {}))
            rest = 1.0 - sum(probs.values())
            edges = [(t, float(p)) for t, p in probs.items() if p > 0]
            if not probs:
                opts.notes.append(f"Choice {st.name!r}: Default {st.default!r} taken (give choices probabilities)"
                                  if st.default else
                                  f"Choice {st.name!r} has no Default and no probabilities were given: no rule is "
                                  "assumed to match, so the execution fails there with States.NoChoiceMatched")
            if rest > 1e-9:
                if st.default:
                    edges.append((st.default, rest))
                elif probs:
                    opts.notes.append(f"Choice {st.name!r}: in {rest:.0%} of runs no rule matches and, with no Default, "
                                      "the execution fails with States.NoChoiceMatched")
            merged: dict[str, float] = {}
            for t, p in edges:
                merged[t] = merged.get(t, 0.0) + p
            out[st.name] = list(merged.items())
    return out


def _visits(defn: Definition, opts: _Options) -> dict[str, float]:
    """Expected times each state is entered per run of ``defn`` (one pass if a loop never ends)."""
    edges = _edges(defn, opts)
    reach, todo = {defn.start_at}, [defn.start_at]
    while todo:
        for t, _ in edges[todo.pop()]:
            if t not in reach:
                reach.add(t)
                todo.append(t)
    ends = {n for n in reach if not edges[n]}
    can_end = set(ends)
    changed = True
    while changed:
        changed = False
        for n in reach - can_end:
            if any(t in can_end for t, _ in edges[n]):
                can_end.add(n)
                changed = True
    if reach - can_end:
        back = _back_edges(defn.start_at, edges)
        loop = ", ".join(f"{a} -> {b}" for a, b in back)
        opts.unbounded = True
        opts.notes.append(f"the execution loops ({loop}) and, under the assumed choices, never leaves the loop: unbounded; "
                          "figures are per pass (each state of the loop entered once); give choices probabilities")
        edges = {a: [(b, p) for b, p in es if (a, b) not in back] for a, es in edges.items()}
    names = list(defn.states)
    index = {n: i for i, n in enumerate(names)}
    q = np.zeros((len(names), len(names)))
    for a, es in edges.items():
        for b, p in es:
            q[index[b], index[a]] += p
    start = np.zeros(len(names))
    start[index[defn.start_at]] = 1.0
    v = np.linalg.solve(np.eye(len(names)) - q, start)
    return {n: max(0.0, float(v[index[n]])) for n in names}


def _back_edges(start: str, edges: Mapping[str, list[tuple[str, float]]]) -> set[tuple[str, str]]:
    """Edges into a state still on the depth-first path from ``start`` (what closes each loop)."""
    back: set[tuple[str, str]] = set()
    on_path: list[str] = []
    done: set[str] = set()

    def visit(n: str) -> None:
        on_path.append(n)
        for t, _ in edges[n]:
            if t in on_path:
                back.add((n, t))
            elif t not in done:
                visit(t)
        on_path.pop()
        done.add(n)

    visit(start)
    return back


def _scope(defn: Definition, opts: _Options) -> _Tally:
    tally = _Tally()
    visits = _visits(defn, opts)
    for st in defn.states.values():
        v = visits[st.name]
        tally.transitions += v
        if st.type == "Task":
            if st.kind in ("job", "callback", "activity"):
                tally.waiting_tasks += v
            elif st.kind == "lambda":
                tally.lambda_tasks += v
            else:
                tally.chain_functions += v
            if st.kind == "lambda" or (st.kind == "callback" and st.service == "lambda:invoke"):
                tally.lambda_invocations += v
            if st.kind in ("service", "job") or (st.kind == "callback" and st.service != "lambda:invoke"):
                key = st.service or "unknown"
                tally.service_calls[key] = tally.service_calls.get(key, 0.0) + v
        elif st.type == "Wait":
            if st.wait_s is not None:
                tally.wait_s += v * st.wait_s
            if st.wait_s is not None and st.wait_s > SQS_MAX_DELAY_S:
                tally.long_waits += v
            else:
                tally.short_waits += v
        elif st.type == "Parallel":
            tally.fanouts += v
            tally.fan_ends += v * len(st.branches)
            for branch in st.branches:
                tally.add(_scope(branch, opts), v)
        elif st.type == "Map" and st.processor is not None:
            _map(st, v, tally, opts)
    return tally


def _map(st: StateDef, v: float, tally: _Tally, opts: _Options) -> None:
    assert st.processor is not None
    items = float(opts.map_items.get(st.name, 1.0))
    if st.name not in opts.map_items:
        opts.notes.append(f"Map {st.name!r}: 1 item per run assumed (give map_items)")
    inner = _scope(st.processor, opts)
    tally.fanouts += v
    if not st.distributed:
        tally.fan_ends += v * items
        tally.add(inner, v * items)
        return
    children = items
    if st.batch_items:
        children = math.ceil(items / st.batch_items) if items else 0.0
        opts.notes.append(f"Map {st.name!r}: {items:g} items in batches of {st.batch_items}: {children:g} child executions")
    tally.fan_ends += v * children
    tally.transitions += v * children  # the parent is charged one transition per child execution started
    if st.execution_type == "EXPRESS":
        tally.add(inner, v * children, transitions=False)
        tally.express_children += v * children
    else:
        tally.add(inner, v * children)
        tally.standard_children += v * children


WAITING_KINDS = ("job", "callback", "activity")
"""Task kinds that wait for something outside the state machine: Express runs request-response
integrations only (https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html)."""

_WAITS_FOR = {"job": "runs a job to completion (.sync)", "callback": "waits for a callback (.waitForTaskToken)",
              "activity": "waits for an activity worker"}


def waiting_tasks(defn: Definition, in_express_child: bool = False) -> list[tuple[StateDef, bool]]:
    """Tasks that wait outside the state machine (:data:`WAITING_KINDS`), each with whether it sits in
    an Express child execution, depth first."""
    out: list[tuple[StateDef, bool]] = []
    for st in defn.states.values():
        if st.type == "Task" and st.kind in WAITING_KINDS:
            out.append((st, in_express_child))
        for branch in st.branches:
            out += waiting_tasks(branch, in_express_child)
        if st.processor is not None:
            out += waiting_tasks(st.processor, in_express_child or st.execution_type == "EXPRESS")
    return out


def waits_for(st: StateDef) -> str:
    """What a waiting Task does, for messages: "Task 'X' waits for a callback (.waitForTaskToken)"."""
    return f"Task {st.name!r} {_WAITS_FOR[st.kind or 'callback']}"


def _patterns(defn: Definition, tally: _Tally) -> dict[str, dict[str, Any]]:
    waiting = waiting_tasks(defn)
    waits = [s for s in defn.walk() if s.type == "Wait"]
    long_waits = [s for s in waits if s.wait_s is not None and s.wait_s > EXPRESS_MAX_DURATION_S]
    open_waits = [s for s in waits if s.wait_s is None]
    rule = "Express workflows support only request-response integrations"

    standard: dict[str, Any] = {"supported": True, "reason": None}
    in_child = [s for s, express in waiting if express]
    if in_child:
        s = in_child[0]
        standard = {"supported": False, "reason": f"{s.path}: {waits_for(s)} inside an Express child execution; {rule}"}

    if waiting:
        s = waiting[0][0]
        express: dict[str, Any] = {"supported": False, "reason": f"{s.path}: {waits_for(s)}; {rule}"}
    elif long_waits:
        s = long_waits[0]
        express = {"supported": False, "reason": f"{s.path}: Wait {s.name!r} of {s.wait_s:g} s exceeds Express's "
                                                  f"{EXPRESS_MAX_DURATION_S:g} s execution limit"}
    elif tally.wait_s > EXPRESS_MAX_DURATION_S:
        express = {"supported": False, "reason": f"Wait states add {tally.wait_s:g} s per document, past Express's "
                                                  f"{EXPRESS_MAX_DURATION_S:g} s execution limit"}
    else:
        express = {"supported": True, "reason": _caveat(open_waits, EXPRESS_MAX_DURATION_S, "the execution")}

    if tally.wait_s > LAMBDA_MAX_TIMEOUT_S:
        sync: dict[str, Any] = {"supported": False, "reason": (
            f"Wait states add {tally.wait_s:g} s per document; a synchronous chain waits inside a running function, "
            f"which stops at {LAMBDA_MAX_TIMEOUT_S:g} s")}
    elif waiting:
        s = waiting[0][0]
        sync = {"supported": True, "reason": (
            f"caveat: {s.path}: {waits_for(s)}; a synchronous chain waits inside a running function, billed while "
            f"waiting, and fails if the wait passes {LAMBDA_MAX_TIMEOUT_S:g} s")}
    else:
        sync = {"supported": True, "reason": _caveat(open_waits, LAMBDA_MAX_TIMEOUT_S, "a function")}
    out = {
        "lambda-chain-sync": sync,
        "lambda-chain-async": {"supported": True, "reason": None},
        "sfn-standard": standard,
        "sfn-express": express,
        "lambda-durable": {"supported": True, "reason": None, "how": (
            "each Lambda or service Task a durable step inside the orchestrating function (durable.operations may make a "
            "Lambda Task an invoke of its own function, a service Task a callback); Choice and Pass its code; Wait a wait "
            "and a job, callback or activity a waitForCallback, both suspended (no compute) and resumed by a new "
            "invocation that replays the handler; Parallel and Map the SDK's parallel and map, run inside one invocation")},
    }
    for pattern, counts in _per_pattern(tally).items():
        out[pattern]["per_document"] = counts
    return out


def _per_pattern(t: _Tally) -> dict[str, dict[str, Any]]:
    """Per-document counts (no errors) under each pattern (orchsim.sim.patterns.graph's rules)."""
    calls = {k: v for k, v in t.service_calls.items() if v > 1e-12}

    def merged(extra: Mapping[str, float]) -> dict[str, float | int]:
        out = dict(calls)
        for k, v in extra.items():
            if v > 1e-12:
                out[k] = out.get(k, 0.0) + v
        return {k: _num(v) for k, v in sorted(out.items())}

    sfn_calls = merged({})
    sync_calls = sfn_calls
    async_calls = merged({"dynamodb:putItem": t.fanouts, "dynamodb:updateItem": t.fan_ends,
                          "sqs:sendMessage": t.short_waits, "scheduler:createSchedule": t.long_waits})
    return {
        "lambda-chain-sync": {"state_transitions": 0, "lambda_invocations": _num(t.lambda_tasks + t.chain_functions + t.waiting_tasks),
                              "service_calls": sync_calls, "executions": 0},
        "lambda-chain-async": {"state_transitions": 0, "lambda_invocations": _num(t.lambda_tasks + t.chain_functions),
                               "service_calls": async_calls, "executions": 0},
        "sfn-standard": {"state_transitions": _num(t.transitions), "lambda_invocations": _num(t.lambda_invocations),
                         "service_calls": sfn_calls, "executions": _num(1 + t.standard_children)},
        "sfn-express": {"state_transitions": 0, "lambda_invocations": _num(t.lambda_invocations), "service_calls": sfn_calls,
                        "executions": _num(1 + t.express_children)},
        # orchsim.aws.durable.operations: start 1, a step 1, a wait 1, a waitForCallback 3, parallel/map 1 + branches
        "lambda-durable": {"state_transitions": 0,
                           "lambda_invocations": _num(1 + t.short_waits + t.long_waits + t.waiting_tasks),
                           "service_calls": sfn_calls, "executions": 1,
                           "durable_operations": _num(1 + t.lambda_tasks + t.chain_functions + t.short_waits + t.long_waits
                                                      + 3 * t.waiting_tasks + t.fanouts + t.fan_ends)},
    }


def _caveat(open_waits: list[StateDef], limit_s: float, what: str) -> str | None:
    if not open_waits:
        return None
    s = open_waits[0]
    return f"caveat: {s.path}: Wait {s.name!r} lasts {s.wait_path}, known only at run time; {what} stops at {limit_s:g} s"
