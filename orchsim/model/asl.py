"""Importing a workflow written in Amazon States Language (ASL): one frozen :class:`Definition` tree.

The Amazon States Language specification (https://states-language.net/spec.html) is followed for
what the definition must say; every error is one line naming the state path, for example
``States.ProcessPages.ItemProcessor.States.Extract: Next goes to undefined state 'Store'``.

Rules taken from the specification (checked 2026-11 against a stored copy of the spec, 2024 edition):

- "The state name MUST be unique within the scope of the entire state machine" (section States):
  names are unique across every branch and item processor, not only within one ``States`` object.
- "All non-terminal states MUST have a Next field, except for the Choice State"; a Terminal State is
  one with ``"End": true``, a Succeed or a Fail; "Choice states MUST NOT be End states".
- States inside an ``ItemProcessor`` (or a Parallel branch) "can transition only to each other".
- A Choice without ``Default`` whose rules all fail raises ``States.NoChoiceMatched``.
- Retrier defaults: ``IntervalSeconds`` 1, ``MaxAttempts`` 3 (0 = never retry), ``BackoffRate`` 2.0
  (at least 1.0), ``MaxDelaySeconds`` unset = uncapped; ``JitterStrategy`` is left to the interpreter,
  and AWS's is ``NONE`` unless ``FULL`` is given (AWS CDK ``JitterType``:
  https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_stepfunctions.JitterType.html).

Data-flow fields of both query languages (JSONPath ``Parameters``, ``ResultPath``, ``InputPath``,
``OutputPath``, ``ResultSelector``; JSONata ``Arguments``, ``Output``, ``Assign``, ``Items``) do not
change cost: they are accepted and ignored. ``${Name}`` placeholders (CloudFormation
``DefinitionSubstitutions``, Terraform ``templatefile``) are replaced from ``substitutions``; those left
are listed in :attr:`Definition.placeholders`.

A Task's kind comes from its ``Resource`` (:func:`classify_resource`). The tree is independent of
:mod:`orchsim.model.graph`; states keep their names, so a later step can map it onto the engines.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from orchsim.errors import InputError
from orchsim.yamlfile import MAX_YAML_BYTES, _UniqueKeyLoader

__all__ = [
    "KINDS",
    "STATE_TYPES",
    "Catcher",
    "Definition",
    "Retrier",
    "StateDef",
    "classify_resource",
    "load_definition",
]

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
"""The ``Type`` values ASL defines."""

KINDS = ("lambda", "service", "job", "callback", "activity")
"""What a Task does, from its ``Resource``: a Lambda function; a request-response service call; a job
run to completion (``.sync``); a callback (``.waitForTaskToken``); an activity worker."""

_PLACEHOLDER = re.compile(r"\$\{([^${}]+)\}")
_LAMBDA_ARN = re.compile(r"^arn:aws[\w-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$")
_STATES_INTEGRATION = re.compile(r"^arn:aws[\w-]*:states:::(.+)$")
_ACTIVITY_ARN = re.compile(r"^arn:aws[\w-]*:states:[^:]*:[^:]*:activity:(.+)$")
_FLOW_TYPES = ("Choice", "Succeed", "Fail")  # no Next / End


@dataclass(frozen=True)
class Retrier:
    """One ``Retry`` entry (ASL defaults: 1 s, 3 attempts, backoff 2.0, no cap, no jitter).

    ``max_delay_s`` None means uncapped; ``jitter`` is ``"NONE"`` or ``"FULL"``.
    """

    error_equals: tuple[str, ...]
    interval_s: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_s: float | None = None
    jitter: str = "NONE"


@dataclass(frozen=True)
class Catcher:
    """One ``Catch`` entry: errors it handles and the state it goes to."""

    error_equals: tuple[str, ...]
    next: str


@dataclass(frozen=True)
class StateDef:
    """One state of a definition, with everything that matters for cost and flow.

    ``path`` is where it sits in the file (``States.Map.ItemProcessor.States.Extract``); ``parent`` the
    enclosing Parallel or Map state's name (None at top level). Task only: ``kind`` (one of
    :data:`KINDS`), ``resource``, ``service`` (``"bedrock:invokeModel"``, None for a plain Lambda),
    ``function`` (a Lambda function's name when known). Choice: ``choices`` (rule targets, in order)
    and ``default``. Wait: ``wait_s`` or ``wait_path`` (a path, timestamp or JSONata expression).
    Map: ``processor``, ``distributed``, ``execution_type`` (Distributed only), ``max_concurrency``
    (0 = unbounded), ``batch_items`` (``ItemBatcher.MaxItemsPerBatch``). Parallel: ``branches``.
    ``timeout_s`` is ``TimeoutSeconds`` when a number.
    """

    name: str
    type: str
    path: str
    parent: str | None = None
    next: str | None = None
    end: bool = False
    kind: str | None = None
    resource: str | None = None
    service: str | None = None
    function: str | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    choices: tuple[str, ...] = ()
    default: str | None = None
    wait_s: float | None = None
    wait_path: str | None = None
    processor: Definition | None = None
    distributed: bool = False
    execution_type: str | None = None
    max_concurrency: int | None = None
    batch_items: int | None = None
    branches: tuple[Definition, ...] = ()
    timeout_s: float | None = None

    @property
    def terminal(self) -> bool:
        """Whether the state ends its scope: ``End: true``, a Succeed or a Fail."""
        return self.end or self.type in ("Succeed", "Fail")

    def targets(self) -> list[str]:
        """Every state this one can go to: Next, Choice rules and Default, Catch targets."""
        out = [self.next] if self.next else []
        out += list(self.choices) + ([self.default] if self.default else [])
        return out + [c.next for c in self.catch]


@dataclass(frozen=True)
class Definition:
    """A state machine (or a Parallel branch, or a Map's item processor).

    ``prefix`` is the path of its ``States`` object's container (``""`` at top level,
    ``States.P.Branches[0].`` inside a branch). ``assumptions`` and ``placeholders`` are filled on the
    top-level definition only.
    """

    start_at: str
    states: dict[str, StateDef] = field(default_factory=dict)
    prefix: str = ""
    timeout_s: float | None = None
    query_language: str = "JSONPath"
    assumptions: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()

    def walk(self) -> list[StateDef]:
        """Every state, depth first in file order, nested ones right after their parent."""
        out: list[StateDef] = []
        for st in self.states.values():
            out.append(st)
            for sub in ([st.processor] if st.processor else []) + list(st.branches):
                out += sub.walk()
        return out


# --- reading -----------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> str:
    """A definition file's text: at most 1 MB, UTF-8 (the same limits as :func:`read_yaml`)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise InputError(str(path), f"cannot read the definition: {exc.strerror}") from None
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(str(path), f"larger than the {MAX_YAML_BYTES:,} byte limit; accepted: at most {MAX_YAML_BYTES:,} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start})") from None


def _strip_trailing_commas(text: str, where: str) -> str:
    """JSON ``text`` with each comma before ``}`` or ``]`` blanked, refusing a duplicate key.

    A small tokenizer: strings (with escapes) are skipped whole, so a ``,}`` inside a string stays.
    """
    chars = list(text)
    stack: list[tuple[str, dict[str, int]]] = []
    expect_key = False
    pending_comma: int | None = None
    i, line, n = 0, 1, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        if c in " \t\r\n":
            i += 1
            continue
        if pending_comma is not None:
            if c in "}]":
                chars[pending_comma] = " "
            pending_comma = None
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            token = text[i : j + 1]
            if stack and stack[-1][0] == "{" and expect_key:
                try:
                    key = json.loads(token)
                except json.JSONDecodeError:
                    key = token
                seen = stack[-1][1]
                if key in seen:
                    raise InputError(where, f"duplicate key {key!r} at line {line} (first at line {seen[key]})")
                seen[key] = line
                expect_key = False
            line += token.count("\n")
            i = j + 1
            continue
        if c in "{[":
            stack.append((c, {}))
            expect_key = c == "{"
        elif c in "}]":
            if stack:
                stack.pop()
            expect_key = False
        elif c == ",":
            pending_comma = i
            expect_key = bool(stack) and stack[-1][0] == "{"
        i += 1
    return "".join(chars)


def _parse_text(text: str, where: str) -> Any:
    """JSON (trailing commas allowed) when the text starts with ``{``, else YAML."""
    body = text.lstrip("\ufeff \t\r\n")
    if body.startswith("{"):
        cleaned = _strip_trailing_commas(body, where)
        try:
            return json.loads(cleaned)
        except json.JSONDecodeError as exc:
            raise InputError(where, f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    try:
        return yaml.load(body, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(where, f"not valid JSON or YAML{at}: {getattr(exc, 'problem', None) or 'syntax error'}") from None


def _substitute(obj: Any, subs: Mapping[str, str], left: list[str], where: str) -> Any:
    """``obj`` with ``${Name}`` replaced in every string (keys too); unknown names kept in ``left``."""

    def one(s: str) -> str:
        def repl(m: re.Match[str]) -> str:
            name = m.group(1)
            if name in subs:
                return str(subs[name])
            if name not in left:
                left.append(name)
            return m.group(0)

        return _PLACEHOLDER.sub(repl, s)

    if isinstance(obj, str):
        return one(obj)
    if isinstance(obj, list):
        return [_substitute(v, subs, left, where) for v in obj]
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for k, v in obj.items():
            key = one(k) if isinstance(k, str) else k
            if key in out:
                raise InputError(where, f"substitution makes key {key!r} appear twice")
            out[key] = _substitute(v, subs, left, where)
        return out
    return obj


def load_definition(
    source: str | os.PathLike[str] | Mapping[str, Any],
    *,
    substitutions: Mapping[str, str] | None = None,
    base_dir: str | os.PathLike[str] | None = None,
) -> Definition:
    """Read and validate an ASL definition.

    Parameters
    ----------
    source
        A path to a JSON or YAML file (at most 1 MB, UTF-8), the definition's text (a string starting
        with ``{`` or holding a newline), or an already-parsed mapping.
    substitutions
        Values for ``${Name}`` placeholders, replaced in every string.
    base_dir
        Folder a relative ``source`` path is read from (default: the working directory).

    Returns
    -------
    Definition
        The validated tree, with its assumptions and unreplaced placeholders.

    Raises
    ------
    InputError
        One line naming the file (unreadable, too large, not UTF-8, syntax, duplicate key) or the state
        path (e.g. ``States.Store: Next goes to undefined state 'Done'``).

    Examples
    --------
    >>> d = load_definition('{"StartAt": "A", "States": {"A": {"Type": "Task", '
    ...                     '"Resource": "arn:aws:states:::bedrock:invokeModel", "End": true,},},}')
    >>> d.states["A"].kind, d.states["A"].service
    ('service', 'bedrock:invokeModel')
    """
    where = "definition"
    if isinstance(source, Mapping):
        raw: Any = dict(source)
    elif isinstance(source, str) and (source.lstrip("\ufeff \t\r\n").startswith("{") or "\n" in source):
        raw = _parse_text(source, where)
    else:
        path = Path(source)
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        where = str(path)
        raw = _parse_text(_read_bytes(path), where)
    if not isinstance(raw, dict):
        raise InputError(where, f"a state machine is a mapping with StartAt and States, got {type(raw).__name__}")
    left: list[str] = []
    raw = _substitute(raw, dict(substitutions or {}), left, where)
    ctx = _Context()
    top = _machine(raw, "", None, ctx)
    timeout = _seconds(raw.get("TimeoutSeconds"), "TimeoutSeconds", ctx, "the state machine")
    return Definition(
        start_at=top.start_at,
        states=top.states,
        timeout_s=timeout,
        query_language=top.query_language,
        assumptions=tuple(ctx.assumptions),
        placeholders=tuple(left),
    )


# --- validation --------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What one import collects while it walks the tree."""

    names: dict[str, str] = field(default_factory=dict)  # state name -> path, machine-wide
    assumptions: list[str] = field(default_factory=list)


def _machine(obj: Any, prefix: str, parent: str | None, ctx: _Context, language: str = "JSONPath") -> Definition:
    where = prefix.rstrip(".") or "definition"
    if not isinstance(obj, dict):
        raise InputError(where, "must be a mapping with StartAt and States")
    language = str(obj.get("QueryLanguage", language))
    if language not in ("JSONPath", "JSONata"):
        raise InputError(f"{prefix}QueryLanguage", f"unknown query language {language!r}; accepted: JSONPath, JSONata")
    states_raw = obj.get("States")
    if not isinstance(states_raw, dict) or not states_raw:
        raise InputError(f"{prefix}States", "required: a mapping of state names to states")
    start = obj.get("StartAt")
    if not isinstance(start, str):
        raise InputError(f"{prefix}StartAt", "required: the name of the first state")
    states: dict[str, StateDef] = {}
    for name, body in states_raw.items():
        path = f"{prefix}States.{name}"
        if not isinstance(name, str):
            raise InputError(path, "a state name must be a string")
        if name in ctx.names:
            raise InputError(path, f"state name {name!r} is already used at {ctx.names[name]}; "
                                   "ASL state names must be unique within the whole state machine")
        ctx.names[name] = path
        states[name] = _state(name, body, path, parent, ctx, language)
    if start not in states:
        raise InputError(f"{prefix}StartAt", f"names no state: {start!r}{_hint(start, states)}")
    for st in states.values():
        _check_targets(st, states, ctx)
    _check_terminal(start, states, prefix)
    return Definition(start_at=start, states=states, prefix=prefix, query_language=language)


def _hint(name: str, states: Mapping[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(states), n=1)
    guess = f"; did you mean {close[0]!r}?" if close else ";"
    return f"{guess} states here: {', '.join(states)}"


def _check_targets(st: StateDef, states: Mapping[str, StateDef], ctx: _Context) -> None:
    labelled = [("", st.next)] + [(f".Choices[{i}]", t) for i, t in enumerate(st.choices)]
    labelled += [(".Default", st.default)] + [(f".Catch[{i}]", c.next) for i, c in enumerate(st.catch)]
    for suffix, target in labelled:
        if target is None or target in states:
            continue
        what = "Default" if suffix == ".Default" else "Next"
        elsewhere = ctx.names.get(target)
        extra = (f"; {target!r} is at {elsewhere}, outside this scope: states inside a branch or item "
                 "processor can transition only to each other") if elsewhere else _hint(target, states)
        raise InputError(f"{st.path}{'' if suffix == '.Default' else suffix}",
                         f"{what} goes to undefined state {target!r}{extra}")


def _check_terminal(start: str, states: Mapping[str, StateDef], prefix: str) -> None:
    seen, todo = {start}, [start]
    while todo:
        st = states[todo.pop()]
        if st.terminal:
            return
        for t in st.targets():
            if t not in seen:
                seen.add(t)
                todo.append(t)
    raise InputError(f"{prefix}StartAt", f"no terminal state (End: true, Succeed or Fail) is reachable from {start!r}; "
                                         "every execution path would loop forever")


def _state(name: str, body: Any, path: str, parent: str | None, ctx: _Context, language: str) -> StateDef:
    if not isinstance(body, dict):
        raise InputError(path, "a state must be a mapping with a Type")
    typ = body.get("Type")
    if typ not in STATE_TYPES:
        got = "no Type" if typ is None else f"unknown Type {typ!r}"
        raise InputError(f"{path}.Type" if typ is not None else path, f"{got}; accepted: {', '.join(STATE_TYPES)}")
    language = str(body.get("QueryLanguage", language))
    nxt, end = body.get("Next"), body.get("End", False)
    if typ in _FLOW_TYPES:
        if end or nxt is not None:
            raise InputError(path, f"a {typ} state cannot have {'End' if end else 'Next'} (ASL)")
    elif end is True and nxt is not None:
        raise InputError(path, "has both Next and End: true; give one")
    elif end is not True and not isinstance(nxt, str):
        raise InputError(path, "needs Next (a state name) or End: true")
    fields: dict[str, Any] = {"name": name, "type": typ, "path": path, "parent": parent,
                              "next": nxt if isinstance(nxt, str) else None, "end": end is True}
    if typ in ("Task", "Parallel", "Map"):
        fields["retry"] = tuple(_retrier(r, f"{path}.Retry[{i}]", ctx) for i, r in enumerate(_list(body, "Retry", path)))
        fields["catch"] = tuple(_catcher(c, f"{path}.Catch[{i}]") for i, c in enumerate(_list(body, "Catch", path)))
        fields["timeout_s"] = _seconds(body.get("TimeoutSeconds"), f"{path}.TimeoutSeconds", ctx, f"state {name!r}")
    if typ == "Task":
        fields.update(_task(body, path, ctx))
    elif typ == "Choice":
        rules = body.get("Choices")
        if not isinstance(rules, list) or not rules:
            raise InputError(path, "a Choice needs Choices: a non-empty list of rules")
        targets = []
        for i, rule in enumerate(rules):
            if not isinstance(rule, dict) or not isinstance(rule.get("Next"), str):
                raise InputError(f"{path}.Choices[{i}]", "a Choice rule needs Next (a state name)")
            targets.append(rule["Next"])
        fields["choices"] = tuple(targets)
        default = body.get("Default")
        if default is not None and not isinstance(default, str):
            raise InputError(f"{path}.Default", "must be a state name")
        fields["default"] = default
    elif typ == "Wait":
        fields.update(_wait(body, path))
    elif typ == "Parallel":
        branches = body.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise InputError(path, "a Parallel needs Branches: a non-empty list of state machines")
        fields["branches"] = tuple(_machine(b, f"{path}.Branches[{i}].", name, ctx, language) for i, b in enumerate(branches))
    elif typ == "Map":
        fields.update(_map(name, body, path, ctx, language))
    return StateDef(**fields)


def _list(body: Mapping[str, Any], key: str, path: str) -> list[Any]:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"{path}.{key}", "must be a list")
    return value


def _errors(obj: Mapping[str, Any], path: str) -> tuple[str, ...]:
    errs = obj.get("ErrorEquals")
    if not isinstance(errs, list) or not errs or not all(isinstance(e, str) for e in errs):
        raise InputError(f"{path}.ErrorEquals", "required: a non-empty list of error names")
    return tuple(errs)


def _number(obj: Mapping[str, Any], key: str, path: str, default: float, low: float, ctx: _Context, integer: bool) -> float:
    value = obj.get(key, default)
    if isinstance(value, str):  # a JSONata expression or variable: known only at run time
        ctx.assumptions.append(f"{path}.{key} is {value!r}, known only at run time: the ASL default {default:g} is used")
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low or (integer and value != int(value)):
        kind = "an integer" if integer else "a number"
        raise InputError(f"{path}.{key}", f"must be {kind} >= {low:g}, got {value!r}")
    return float(value)


def _retrier(obj: Any, path: str, ctx: _Context) -> Retrier:
    if not isinstance(obj, dict):
        raise InputError(path, "a retrier must be a mapping with ErrorEquals")
    jitter = obj.get("JitterStrategy", "NONE")
    if jitter not in ("NONE", "FULL"):
        raise InputError(f"{path}.JitterStrategy", f"unknown jitter strategy {jitter!r}; accepted: FULL, NONE")
    max_delay = obj.get("MaxDelaySeconds")
    return Retrier(
        error_equals=_errors(obj, path),
        interval_s=_number(obj, "IntervalSeconds", path, 1, 1, ctx, integer=True),
        max_attempts=int(_number(obj, "MaxAttempts", path, 3, 0, ctx, integer=True)),
        backoff_rate=_number(obj, "BackoffRate", path, 2.0, 1.0, ctx, integer=False),
        max_delay_s=None if max_delay is None else _number(obj, "MaxDelaySeconds", path, 0, 1, ctx, integer=True) or None,
        jitter=jitter,
    )


def _catcher(obj: Any, path: str) -> Catcher:
    if not isinstance(obj, dict) or not isinstance(obj.get("Next"), str):
        raise InputError(path, "a catcher needs ErrorEquals and Next (a state name)")
    return Catcher(error_equals=_errors(obj, path), next=obj["Next"])


def _seconds(value: Any, path: str, ctx: _Context, what: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        ctx.assumptions.append(f"{path} of {what} is {value!r}, known only at run time: no timeout assumed")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise InputError(path, f"must be a positive number of seconds, got {value!r}")
    return float(value)


def _wait(body: Mapping[str, Any], path: str) -> dict[str, Any]:
    given = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in body]
    if len(given) != 1:
        raise InputError(path, "a Wait needs exactly one of Seconds, SecondsPath, Timestamp, TimestampPath"
                               + (f" (got {', '.join(given)})" if given else ""))
    value = body[given[0]]
    if given[0] == "Seconds" and not isinstance(value, str):
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise InputError(f"{path}.Seconds", f"must be a number of seconds >= 0, got {value!r}")
        return {"wait_s": float(value)}
    return {"wait_path": f"{given[0]}: {value}"}


def _map(name: str, body: Mapping[str, Any], path: str, ctx: _Context, language: str) -> dict[str, Any]:
    key = "ItemProcessor" if "ItemProcessor" in body else "Iterator" if "Iterator" in body else None
    if key is None:
        raise InputError(path, "a Map needs ItemProcessor (or the legacy Iterator): the state machine run per item")
    proc = body[key]
    config = proc.get("ProcessorConfig", {}) if isinstance(proc, dict) else {}
    mode = config.get("Mode", "INLINE") if isinstance(config, dict) else "INLINE"
    if mode not in ("INLINE", "DISTRIBUTED"):
        raise InputError(f"{path}.{key}.ProcessorConfig.Mode", f"unknown mode {mode!r}; accepted: INLINE, DISTRIBUTED")
    out: dict[str, Any] = {"processor": _machine(proc, f"{path}.{key}.", name, ctx, language),
                           "distributed": mode == "DISTRIBUTED"}
    if mode == "DISTRIBUTED":
        etype = config.get("ExecutionType")
        if etype is None:
            ctx.assumptions.append(f"Map {name!r}: Distributed without ExecutionType: STANDARD child executions assumed")
            etype = "STANDARD"
        if etype not in ("STANDARD", "EXPRESS"):
            raise InputError(f"{path}.{key}.ProcessorConfig.ExecutionType",
                             f"unknown execution type {etype!r}; accepted: STANDARD, EXPRESS")
        out["execution_type"] = etype
    conc = body.get("MaxConcurrency")
    if conc is not None and not isinstance(conc, str):
        out["max_concurrency"] = int(_number(body, "MaxConcurrency", path, 0, 0, ctx, integer=True))
    batcher = body.get("ItemBatcher")
    if isinstance(batcher, dict) and isinstance(batcher.get("MaxItemsPerBatch"), int):
        out["batch_items"] = int(_number(batcher, "MaxItemsPerBatch", f"{path}.ItemBatcher", 1, 1, ctx, integer=True))
    return out


def _task(body: Mapping[str, Any], path: str, ctx: _Context) -> dict[str, Any]:
    resource = body.get("Resource")
    if not isinstance(resource, str) or not resource:
        raise InputError(path, "a Task needs Resource: the ARN of what it runs")
    kind, service, function, note = classify_resource(resource)
    args = body.get("Parameters") or body.get("Arguments")
    if service == "lambda:invoke" and isinstance(args, dict):
        fn = args.get("FunctionName") or args.get("FunctionName.$")
        function = str(fn) if fn is not None else None
        if function:
            m = _LAMBDA_ARN.match(_PLACEHOLDER.sub("X", function))
            function = function.rsplit(":function:", 1)[-1].split(":")[0] if m else function
    if kind == "lambda" and service == "lambda:invoke":
        service = None
    if note:
        ctx.assumptions.append(f"{path}: {note}")
    return {"kind": kind, "resource": resource, "service": service, "function": function}


def classify_resource(resource: str) -> tuple[str, str | None, str | None, str | None]:
    """What a Task's ``Resource`` runs.

    Parameters
    ----------
    resource
        The ``Resource`` string, after substitution.

    Returns
    -------
    tuple
        ``(kind, service, function, assumption)``: kind is one of :data:`KINDS`; service is
        ``"service:action"`` for an integration (``"lambda:invoke"`` for the optimized Lambda one);
        function a Lambda function's name when the resource names one; assumption a sentence when the
        kind was guessed, else None.

    Examples
    --------
    >>> classify_resource("arn:aws:states:::dynamodb:putItem")[:2]
    ('service', 'dynamodb:putItem')
    >>> classify_resource("arn:aws:states:::lambda:invoke.waitForTaskToken")[:2]
    ('callback', 'lambda:invoke')
    >>> classify_resource("arn:aws:states:::glue:startJobRun.sync")[:2]
    ('job', 'glue:startJobRun')
    >>> classify_resource("${ExtractFn}")[::2]
    ('lambda', 'ExtractFn')
    """
    whole = _PLACEHOLDER.fullmatch(resource)
    if whole:
        return "lambda", None, whole.group(1), None
    masked = _PLACEHOLDER.sub("X", resource)  # ${AWS::Region} holds colons
    m = _LAMBDA_ARN.match(masked)
    if m:
        return "lambda", None, resource.rsplit(":function:", 1)[-1].split(":")[0], None
    m = _ACTIVITY_ARN.match(masked)
    if m:
        return "activity", None, None, None
    m = _STATES_INTEGRATION.match(resource)
    if m:
        rest = m.group(1)
        kind = "service"
        for suffix, k in ((".waitForTaskToken", "callback"), (".sync:2", "job"), (".sync", "job")):
            if rest.endswith(suffix):
                rest, kind = rest[: -len(suffix)], k
                break
        if rest.startswith("aws-sdk:"):
            rest = rest[len("aws-sdk:") :]
        if rest == "lambda:invoke" and kind == "service":
            return "lambda", "lambda:invoke", None, None
        return kind, rest, None, None
    return "lambda", None, resource, f"Resource {resource!r} taken as a Lambda function"
