"""An imported definition made runnable: every Task's profile, every Choice's odds, every Map's items.

:class:`Workflow` is what both engines run (the simulation state by state, the analytic engine in
expected visits). It is built from a scenario's pipeline (:func:`build_workflow`), which fills what the
definition does not say from the profile and refuses, naming the state, what it cannot assume for a
run: a Map without ``map_items``, a callback, job, activity or path-timed Wait without a
``duration``, a loop without Choice probabilities to leave it.

ASL error names (https://states-language.net/spec.html#appendix-a, "Predefined Error Codes"; and
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):

* ``States.ALL`` matches any error name (it must appear alone and last in a retrier or catcher; it
  does not catch ``States.DataLimitExceeded`` or ``States.Runtime``, which orchsim never raises).
* ``States.TaskFailed`` matches any error name except ``States.Timeout``.
* Any other name matches itself only.

What an attempt's outcome is called: a transient error is the profile's ``error_name`` (default
``Lambda.ServiceException`` for a Lambda Task, ``States.TaskFailed`` otherwise); a fatal error the
profile's ``fatal_error_name`` (default ``States.TaskFailed``); a Lambda function running past its own
timeout ``Sandbox.Timedout``; a state running past its ``TimeoutSeconds`` (or an Express execution past
5 minutes) ``States.Timeout``; a throttled Lambda invoke ``Lambda.TooManyRequestsException``; a Choice
with no matching rule and no Default ``States.NoChoiceMatched``; a Fail state ``States.Fail`` (its own
``Error`` is not read).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orchsim.errors import InputError
from orchsim.model.asl import Definition, StateDef
from orchsim.model.inspect import PATTERN_NAMES, WAITING_KINDS, inspect_definition, waiting_tasks, waits_for
from orchsim.model.profile import ERROR_NAME_KEYS, ItemCount, LogNormalCount, Step, TaskWait
from orchsim.model.services import ModelService, with_service

if TYPE_CHECKING:  # pragma: no cover
    from orchsim.model.scenario import Pipeline

__all__ = [
    "ALL",
    "WAITING_KINDS",
    "pattern_support",
    "unsupported",
    "FAIL_STATE",
    "NO_CHOICE",
    "SANDBOX_TIMEOUT",
    "TASK_FAILED",
    "THROTTLED",
    "TIMEOUT",
    "TaskProfile",
    "Workflow",
    "build_workflow",
    "error_matches",
    "first_match",
]

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
SANDBOX_TIMEOUT = "Sandbox.Timedout"
THROTTLED = "Lambda.TooManyRequestsException"
LAMBDA_ERROR = "Lambda.ServiceException"
NO_CHOICE = "States.NoChoiceMatched"
FAIL_STATE = "States.Fail"


def unsupported(workflow: Workflow, pattern: str) -> str | None:
    """Why ``pattern`` cannot run ``workflow`` (None when it can).

    Express workflows support only request-response integrations: no ``.sync`` job and no
    ``.waitForTaskToken`` callback (https://docs.aws.amazon.com/step-functions/latest/dg/
    integrate-optimized.html); an activity is polled by workers for as long as they take, which
    orchsim treats the same way.

    >>> from orchsim.model.scenario import scenario_from_dict
    >>> sc = scenario_from_dict({"pipeline": {"definition": "contract-review", "states": {
    ...     "HumanApproval": {"duration": {"dist": "fixed", "ms": 60000}}}}})
    >>> unsupported(sc.pipeline.runnable(), "sfn-express")
    "States.HumanApproval: Task 'HumanApproval' waits for a callback (.waitForTaskToken); Express workflows support only request-response integrations"
    """
    if not pattern.startswith("sfn"):
        return None
    for st, in_express_child in waiting_tasks(workflow.definition):
        if pattern == "sfn-express" or in_express_child:
            where = " inside an Express child execution" if in_express_child and pattern == "sfn-standard" else ""
            return f"{st.path}: {waits_for(st)}{where}; Express workflows support only request-response integrations"
    return None



def pattern_support(scenario: Any) -> dict[str, str | None]:
    """Which patterns can run a scenario's pipeline: ``{pattern: None}`` when it can, else the reason.

    A linear pipeline runs under all four; an imported workflow with a callback, a ``.sync`` job or
    an activity cannot run on Express (:func:`unsupported`).

    >>> from orchsim.model.scenario import load_scenario
    >>> pattern_support(load_scenario("workflow-contract-review"))["sfn-express"].split(";")[1].strip()
    'Express workflows support only request-response integrations'
    """
    if scenario.pipeline.definition is None:
        return dict.fromkeys(PATTERN_NAMES)
    wf = scenario.pipeline.runnable()
    return {p: unsupported(wf, p) for p in PATTERN_NAMES}


def error_matches(names: tuple[str, ...], error: str) -> bool:
    """Whether a retrier's or catcher's ``ErrorEquals`` matches ``error`` (ASL's rules, above).

    >>> error_matches(("States.TaskFailed",), "Sandbox.Timedout"), error_matches(("States.TaskFailed",), "States.Timeout")
    (True, False)
    >>> error_matches(("States.ALL",), "States.Timeout")
    True
    """
    return any(name in (error, ALL) or (name == TASK_FAILED and error != TIMEOUT) for name in names)


def first_match(entries: tuple[Any, ...], error: str) -> int:
    """Index of the first retrier or catcher whose ``ErrorEquals`` matches ``error``, or -1."""
    for i, entry in enumerate(entries):
        if error_matches(entry.error_equals, error):
            return i
    return -1


@dataclass(frozen=True)
class TaskProfile:
    """One Task state with its profile.

    ``index`` is its place in :attr:`Workflow.steps`; ``step`` is the Lambda function that runs it (a
    Lambda Task's own function; for a service, job, callback or activity Task, the function a Lambda
    chain makes the call from, whose duration is the latency or wait); ``wait`` is the latency or wait
    of a Task that is not a Lambda function (None for a Lambda Task).
    """

    state: StateDef
    index: int
    step: Step
    wait: TaskWait | None
    error_name: str
    fatal_error_name: str

    @property
    def kind(self) -> str:
        """``lambda``, ``service``, ``job``, ``callback`` or ``activity``."""
        return self.state.kind or "lambda"

    @property
    def is_lambda(self) -> bool:
        """Whether Step Functions invokes a Lambda function for it (a callback through
        ``lambda:invoke.waitForTaskToken`` invokes one, then waits)."""
        return self.kind == "lambda"


@dataclass(frozen=True)
class Workflow:
    """A definition with everything a run needs.

    ``choices``: per Choice, ``(target, probability)`` pairs in rule order (what is left goes to the
    Default). ``map_items``: per Map, its item count distribution. ``waits``: per Wait timed by a path,
    its profiled duration. ``states``: every state by name (names are unique across the machine).
    """

    definition: Definition
    tasks: Mapping[str, TaskProfile]
    steps: tuple[Step, ...]
    choices: Mapping[str, tuple[tuple[str, float], ...]]
    map_items: Mapping[str, ItemCount]
    waits: Mapping[str, TaskWait]
    states: Mapping[str, StateDef] = field(default_factory=dict)
    assumptions: tuple[str, ...] = ()

    def map_mean(self, name: str) -> float:
        """Mean items per run of Map ``name`` as drawn (whole items)."""
        count = self.map_items[name]
        return count.mean_drawn() if isinstance(count, LogNormalCount) else count.mean_items()

    def profile_lines(self) -> list[str]:
        """What the profile assumes that the definition does not say: Choice odds and Map items.

        >>> from orchsim.model.scenario import load_scenario
        >>> load_scenario("workflow-contract-review").pipeline.runnable().profile_lines()
        ['choices RiskGate: HumanApproval 15%']
        """
        out = [f"choices {n}: {', '.join(f'{t} {p:.0%}' for t, p in odds)}" for n, odds in self.choices.items() if odds]
        out += [f"map_items {n}: {self.map_mean(n):.3g} items a run" for n in self.map_items]
        return out

    def depths(self) -> dict[str, int]:
        """Every state (definition order) with how deeply it is nested in Parallel and Map states."""
        out: dict[str, int] = {}
        for st in self.definition.walk():
            out[st.name] = 0 if st.parent is None else out.get(st.parent, 0) + 1
        return out



def build_workflow(pipeline: Pipeline, services: Mapping[str, ModelService] | None = None) -> Workflow:
    """The pipeline's imported definition with its profile, ready to run.

    Parameters
    ----------
    pipeline
        A pipeline with a ``definition`` (validated: names and probabilities are checked already).
    services
        The scenario's model services: a Task whose profile names one calls it on each attempt
        (:func:`orchsim.model.services.with_service`).

    Returns
    -------
    Workflow
        Tasks in definition order (depth first), each with its :class:`TaskProfile`.

    Raises
    ------
    InputError
        ``pipeline.map_items.NAME`` for a Map without an item count; ``pipeline.states.NAME`` for a
        callback, job, activity or path-timed Wait without a ``duration``; ``pipeline.choices.NAME``
        for a loop that no Choice probability leaves.
    """
    defn = pipeline.workflow
    if defn is None:
        raise InputError("pipeline.definition", "this pipeline has no imported definition")
    template = pipeline.step.model_dump(by_alias=True)
    every = defn.walk()
    states = {s.name: s for s in every}
    tasks: dict[str, TaskProfile] = {}
    steps: list[Step] = []
    waits: dict[str, TaskWait] = {}
    notes: list[str] = []
    for st in every:
        entry = dict(pipeline.states.get(st.name, {}))
        where = f"pipeline.states.{st.name}"
        if st.type == "Wait":
            if st.wait_s is None:
                if "duration" not in entry:
                    raise InputError(where, f"Wait {st.name!r} lasts {st.wait_path}, known only at run time; give its "
                                            "duration, e.g. {duration: {dist: lognormal, median_ms: 60000, p95_ms: 300000}}")
                waits[st.name] = TaskWait.model_validate(entry)
            continue
        if st.type == "Map" and st.name not in pipeline.map_items:
            raise InputError(f"pipeline.map_items.{st.name}", f"Map {st.name!r} needs an item count to be run, e.g. "
                                                               "{dist: poisson, mean: 3} (fixed: n; poisson: mean; "
                                                               "uniform: low, high; lognormal: median, p95)")
        if st.type != "Task":
            continue
        kind = st.kind or "lambda"
        if kind == "lambda":
            names = {k: entry.pop(k) for k in ERROR_NAME_KEYS if k in entry}
            step = with_service(Step.model_validate({**template, **entry, "name": st.name[:64]}), services or {}, where)
            tasks[st.name] = TaskProfile(st, len(steps), step, None, names.get("error_name", LAMBDA_ERROR),
                                         names.get("fatal_error_name", TASK_FAILED))
        else:
            if kind in ("job", "callback", "activity") and "duration" not in entry:
                raise InputError(where, f"Task {st.name!r} ({kind}) waits for something outside the state machine; give "
                                        "how long, e.g. {duration: {dist: lognormal, median_ms: 3600000, p95_ms: 14400000}}")
            if "duration" not in entry and entry.get("service") is not None:
                entry["duration"] = {"dist": "fixed", "ms": 0}  # the model call is the latency
            elif "duration" not in entry:
                notes.append(f"Task {st.name!r} ({st.service or kind}): latency assumed lognormal, median 100 ms, "
                             "p95 400 ms (give pipeline.states.{name}.duration)".replace("{name}", st.name))
            wait = TaskWait.model_validate(entry)
            update: dict[str, Any] = {
                "name": st.name[:64],
                "duration": wait.duration,
                "error_rate": wait.error_rate,
                "fatal_error_rate": wait.fatal_error_rate,
                "init_ms": template["init_ms"],
            }
            if wait.memory_mb is not None:
                update["memory_mb"] = wait.memory_mb
            if wait.timeout_s is not None:
                update["timeout_s"] = wait.timeout_s
            update["service"] = wait.service
            step = with_service(Step.model_validate(template).model_copy(update=update), services or {}, where)
            tasks[st.name] = TaskProfile(st, len(steps), step, wait, wait.error_name or TASK_FAILED,
                                         wait.fatal_error_name or TASK_FAILED)
        steps.append(step)
    choices: dict[str, tuple[tuple[str, float], ...]] = {}
    for st in every:
        if st.type != "Choice":
            continue
        probs = pipeline.choices.get(st.name, {})
        choices[st.name] = tuple((t, float(p)) for t, p in probs.items() if float(p) > 0)
        if not probs:
            notes.append(f"Choice {st.name!r}: Default {st.default!r} taken (give pipeline.choices)" if st.default else
                         f"Choice {st.name!r}: no Default and no probabilities: fails with {NO_CHOICE}")
    means = dict.fromkeys(pipeline.map_items, 1.0)
    report = inspect_definition(defn, choices=pipeline.choices, map_items=means)
    if report["per_document"]["unbounded"]:
        loop = next((a for a in report["assumptions"] if "loops" in a), "")
        culprit = next((s.name for s in every if s.type == "Choice" and not pipeline.choices.get(s.name)), None)
        raise InputError(f"pipeline.choices.{culprit}" if culprit else "pipeline.definition",
                         f"{loop.split(' and,')[0]}; give this Choice probabilities that leave the loop")
    return Workflow(defn, tasks, tuple(steps), choices, dict(pipeline.map_items), waits, states,
                    tuple(dict.fromkeys([*defn.assumptions, *notes])))
