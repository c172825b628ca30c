"""Scenario: the typed, frozen, validated parameters of one workload and pipeline.

Load with :func:`load_scenario` (YAML) or :func:`scenario_from_dict`. Every key is optional and has a
realistic default; an unknown key is an error. Variants are made with :meth:`Scenario.with_overrides`
(dotted keys, as sweeps use them), never by mutation.
"""

from __future__ import annotations

import copy
import difflib
import os
import warnings
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import (
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from orchsim.errors import InputError, from_validation_error
from orchsim.model.asl import Definition, load_definition
from orchsim.model.durable import DurableConfig, operation_choices, orchestrator_step
from orchsim.model.inspect import check_profile
from orchsim.model.profile import (
    COUNTS,
    ERROR_NAME_KEYS,
    FixedCount,
    ItemCount,
    LogNormalCount,
    PoissonCount,
    Step,
    TaskWait,
    UniformCount,
)
from orchsim.model.profile import (
    FrozenModel as _Frozen,
)
from orchsim.model.services import ModelService, with_service
from orchsim.model.workflow import Workflow, build_workflow
from orchsim.resources import data_dir, scenario_path, workflow_path
from orchsim.yamlfile import read_yaml

__all__ = [
    "Pattern",
    "check_pattern",
    "Arrival",
    "ChainConfig",
    "FixedCount",
    "ItemCount",
    "LogNormalCount",
    "PoissonCount",
    "UniformCount",
    "KeepAlive",
    "LambdaConfig",
    "Pipeline",
    "RetryPolicy",
    "Scenario",
    "ScenarioDefaultsWarning",
    "Step",
    "StepFunctionsConfig",
    "TaskWait",
    "Workload",
    "load_scenario",
    "scenario_from_dict",
    "PATTERNS",
]

Pattern = Literal["lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express", "lambda-durable"]
PATTERNS: tuple[Pattern, ...] = get_args(Pattern)
"""The five orchestration patterns, named the same everywhere."""


def check_pattern(pattern: str, field: str = "pattern") -> Pattern:
    """The one check of a pattern name, used by both engines and the CLI.

    Parameters
    ----------
    pattern
        A pattern name.
    field
        Name of the parameter or option to blame in the error (``pattern``, ``--pattern``).

    Returns
    -------
    Pattern
        ``pattern``, typed as one of the five names.

    Raises
    ------
    InputError
        If ``pattern`` is not one of :data:`orchsim.PATTERNS`.

    >>> check_pattern("sfn-express")
    'sfn-express'
    """
    if pattern not in PATTERNS:
        raise InputError(field, f"unknown pattern {pattern!r}; accepted: {', '.join(PATTERNS)}")
    return pattern  # type: ignore[return-value]





class ScenarioDefaultsWarning(UserWarning):
    """A scenario file gave no key at all (empty, or comments only): every value is a default."""


class Arrival(_Frozen):
    """How documents arrive. ``poisson``: exponential gaps; ``uniform``: evenly spaced;
    ``diurnal``: Poisson with a sinusoidal daily rate (``peak_ratio`` = peak rate / mean rate, peak at
    ``peak_hour``); ``burst``: Poisson whose rate is multiplied by ``burst_factor`` for
    ``burst_duration_s`` every ``burst_every_s`` (the mean stays ``docs_per_day``)."""

    kind: Literal["poisson", "uniform", "diurnal", "burst"] = "poisson"
    peak_ratio: float = Field(2.0, ge=1.0, le=2.0, description="diurnal peak / mean rate, 1-2")
    peak_hour: float = Field(14.0, ge=0.0, lt=24.0, description="hour of the diurnal peak")
    burst_every_s: float = Field(3600.0, ge=1, le=31_622_400, description="seconds between burst starts (1 s to 366 days)")
    burst_duration_s: float = Field(60.0, ge=0.001, le=31_622_400, description="seconds each burst lasts (1 ms to 366 days)")
    burst_factor: float = Field(20.0, ge=1.0, le=10_000, description="rate multiplier in a burst")

    @model_validator(mode="after")
    def _burst_fits(self) -> Arrival:
        if self.kind == "burst" and self.burst_duration_s > self.burst_every_s:
            raise ValueError("burst_duration_s must be <= burst_every_s")
        return self


class Workload(_Frozen):
    """Document volume and how the pipeline is triggered."""

    docs_per_day: float = Field(10_000, gt=0, le=1e9, description="documents per day")
    arrival: Arrival = Arrival()
    trigger: Literal["async", "sync"] = "async"
    payload_kb: ItemCount | None = Field(None, description="payload passed between steps per document, KB (a count distribution)")

    @field_validator("payload_kb", mode="before")
    @classmethod
    def _payload(cls, v: Any) -> Any:
        if v is None or isinstance(v, _Frozen):
            return v
        kind = v.get("dist") if isinstance(v, dict) else None
        kind = kind if isinstance(kind, str) else None  # a list or mapping is no dist name (and unhashable)
        if kind not in COUNTS:
            raise InputError("workload.payload_kb", "a size distribution in KB with dist fixed (n) | poisson (mean) | uniform "
                                                    "(low, high) | lognormal (median, p95)" + (f"; got {v!r}" if v is not None else ""))
        try:
            return COUNTS[kind].model_validate(v)
        except ValidationError as exc:
            raise from_validation_error(exc, "workload.payload_kb", COUNTS[kind]) from None

    @field_validator("arrival", mode="before")
    @classmethod
    def _arrival_string(cls, v: Any) -> Any:
        return {"kind": v} if isinstance(v, str) else v


_PROFILE_KEYS = ("definition", "substitutions", "states", "choices", "map_items")


class Pipeline(_Frozen):
    """A linear pipeline: ``steps`` identical copies of ``step``, or a list of named step mappings
    (each overriding keys of ``step``); or an imported Amazon States Language ``definition`` with a
    profile: ``substitutions`` for its ``${Name}`` placeholders, ``states`` (per Task state, by name,
    keys of ``step``; for a service, job, callback or activity ``duration`` is its latency or wait),
    ``choices`` (``{choice state: {target: probability}}``, the rest to Default) and ``map_items``
    (``{map state: item count distribution}``). ``definition`` and ``steps`` are exclusive.

    ``definition`` is a file path (relative paths: to the scenario file's folder when loaded with
    :func:`load_scenario`, else the working directory), a shipped workflow's name (``document-ai``) or
    an inline ASL mapping; :meth:`runnable` gives it with its profile, ready to run.
    """

    steps: int | list[dict[str, Any]] = Field(5, description="an integer 1-100 or a list of 1-100 step mappings")
    step: Step = Step()
    definition: str | dict[str, Any] | None = Field(None, description="an ASL file, a shipped workflow's name or an inline ASL mapping")
    substitutions: dict[str, str] = Field(default_factory=dict, description="values of ${Name} placeholders")
    states: dict[str, dict[str, Any]] = Field(default_factory=dict, description="step keys per Task state, by ASL name")
    choices: dict[str, Any] = Field(default_factory=dict, description="probability per target, per Choice state")
    map_items: dict[str, ItemCount] = Field(default_factory=dict, description="item count distribution per Map state")
    _workflow: Definition | None = PrivateAttr(None)
    _runnable: Workflow | None = PrivateAttr(None)
    _services: dict[str, ModelService] = PrivateAttr(default_factory=dict)  # the scenario's, bound by Scenario

    @field_validator("steps")
    @classmethod
    def _steps(cls, v: int | list[dict[str, Any]]) -> int | list[dict[str, Any]]:
        if isinstance(v, bool):
            raise ValueError("must be an integer 1-100 or a list of step mappings")
        if isinstance(v, int):
            if not 1 <= v <= 100:
                raise ValueError("must be between 1 and 100")
        elif not 1 <= len(v) <= 100:
            raise ValueError("must list between 1 and 100 steps")
        return v

    @field_validator("substitutions", mode="before")
    @classmethod
    def _substitutions(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out = {}
        for name, value in v.items():
            if isinstance(value, bool) or not isinstance(value, str | int):
                raise InputError(f"pipeline.substitutions.{name}", f"must be a string (or a whole number), got {value!r}")
            out[str(name)] = str(value)
        return out

    @field_validator("states", mode="before")
    @classmethod
    def _states_shape(cls, v: Any) -> Any:
        for name, entry in v.items() if isinstance(v, dict) else ():
            if not isinstance(entry, dict):
                raise InputError(f"pipeline.states.{name}", "must be a mapping of step keys, e.g. {memory_mb: 2048}")
        return v

    @field_validator("map_items", mode="before")
    @classmethod
    def _map_items(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out = {}
        for name, entry in v.items():
            where = f"pipeline.map_items.{name}"
            kind = entry.get("dist") if isinstance(entry, dict) else None
            kind = kind if isinstance(kind, str) else None  # a list or mapping is no dist name (and unhashable)
            if kind not in COUNTS:
                raise InputError(where, f"an item count distribution with dist {' | '.join(COUNTS)} "
                                        "(fixed: n; poisson: mean; uniform: low, high; lognormal: median, p95)"
                                        + (f"; got dist {kind!r}" if isinstance(entry, dict) else f"; got {entry!r}"))
            try:
                out[name] = COUNTS[kind].model_validate(entry)
            except ValidationError as exc:
                raise from_validation_error(exc, where, COUNTS[kind]) from None
        return out

    @model_validator(mode="after")
    def _resolvable(self) -> Pipeline:
        if self.definition is not None:
            return self._profiled()
        given = [k for k in _PROFILE_KEYS[1:] if getattr(self, k)]
        if given:
            raise InputError(f"pipeline.{given[0]}", "profiles an imported workflow; give pipeline.definition too")
        if isinstance(self.steps, list):
            template = self.step.model_dump(by_alias=True)
            first_at: dict[str, int] = {}
            for i, entry in enumerate(self.steps):
                if not isinstance(entry, dict):
                    raise InputError(f"pipeline.steps[{i}]", "must be a mapping of step keys")
                if "name" not in entry:
                    raise InputError(f"pipeline.steps[{i}].name", "required in a list of steps")
                try:
                    Step.model_validate({**template, **entry})
                except ValidationError as exc:
                    raise from_validation_error(exc, f"pipeline.steps[{i}]", Step) from None
                name = entry["name"]
                if name in first_at:
                    raise InputError(
                        f"pipeline.steps[{i}].name",
                        f"duplicate step name {name!r} (also pipeline.steps[{first_at[name]}].name); "
                        "accepted: a name used by no other step",
                    )
                first_at[name] = i
        return self

    def _profiled(self) -> Pipeline:
        """Load the definition and check the profile against it."""
        assert self.definition is not None
        if "steps" in self.model_fields_set:
            raise InputError("pipeline.definition", "pipeline.definition and pipeline.steps are exclusive; give one "
                                                    "(an imported workflow's states are its steps)")
        defn = _load_workflow(self.definition, self.substitutions)
        tasks = {s.name: s for s in defn.walk()}
        template = self.step.model_dump(by_alias=True)
        for name, entry in self.states.items():
            where = f"pipeline.states.{name}"
            if name not in tasks:
                close = difflib.get_close_matches(name, list(tasks), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; accepted: {', '.join(tasks)}"
                raise InputError(where, f"no state of that name in the definition{hint}")
            st = tasks[name]
            if st.type == "Wait":
                try:
                    TaskWait.model_validate(entry)
                except ValidationError as exc:
                    raise from_validation_error(exc, where, TaskWait) from None
                continue
            if st.type != "Task":
                raise InputError(where, f"a {st.type} state does no work of its own; accepted: Task and Wait states")
            if "name" in entry:
                raise InputError(f"{where}.name", "not accepted here: the state's name is its key")
            for key in ERROR_NAME_KEYS:
                if st.kind == "lambda" and key in entry and not (isinstance(entry[key], str) and 0 < len(entry[key]) <= 256):
                    raise InputError(f"{where}.{key}", f"an ASL error name such as 'Lambda.ServiceException'; got {entry[key]!r}")
            try:
                if st.kind == "lambda":
                    Step.model_validate({**template, **{k: v for k, v in entry.items() if k not in ERROR_NAME_KEYS},
                                         "name": name[:64]})
                else:
                    TaskWait.model_validate(entry)
            except ValidationError as exc:
                raise from_validation_error(exc, where, Step if st.kind == "lambda" else TaskWait) from None
        check_profile(defn, choices=self.choices, map_items=self.map_item_means(), prefix="pipeline.")
        self._workflow = defn
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Plain data without the keys that do not apply: the profile keys when there is no definition
        (so existing scenarios dump as before), ``steps`` when there is one."""
        data: dict[str, Any] = handler(self)
        for key in ("steps",) if self.definition is not None else _PROFILE_KEYS:
            data.pop(key, None)
        return data

    @property
    def workflow(self) -> Definition | None:
        """The imported definition, validated (with ``substitutions`` applied), or None."""
        return self._workflow

    def map_item_means(self) -> dict[str, float]:
        """Mean items per run of each profiled Map state, by name."""
        return {name: count.mean_items() for name, count in self.map_items.items()}

    def runnable(self) -> Workflow:
        """The imported definition with its profile, ready for an engine (built once).

        Raises
        ------
        InputError
            Without a definition, or for what the profile must say before a run
            (:func:`orchsim.model.workflow.build_workflow`).
        """
        if self._runnable is None:
            self._runnable = build_workflow(self, self._services)
        return self._runnable

    def resolved(self) -> tuple[Step, ...]:
        """The pipeline's steps in order.

        Returns
        -------
        tuple of Step
            Frozen steps: ``steps`` copies of ``step`` named ``step1``, ``step2``, ..., or each
            listed mapping over ``step``; for an imported definition, one per Task state (the
            function that runs or, in a Lambda chain, calls it), in definition order.

        Raises
        ------
        InputError
            For an imported definition that cannot be run as profiled (:meth:`runnable`).
        """
        return self._linear(self._services)

    def _linear(self, services: dict[str, ModelService]) -> tuple[Step, ...]:
        """The steps, with ``services``' model calls folded in (none: as the file gives them)."""
        if self.definition is not None:
            return self.runnable().steps
        if isinstance(self.steps, int):
            step = with_service(self.step, services, "pipeline.step") if services else self.step
            return tuple(step.model_copy(update={"name": f"step{i + 1}"}) for i in range(self.steps))
        template = self.step.model_dump(by_alias=True)
        steps = [Step.model_validate({**template, **entry}) for entry in self.steps]
        return tuple(with_service(st, services, f"pipeline.steps[{i}]") if services else st for i, st in enumerate(steps))

    def bound_to(self, services: dict[str, ModelService]) -> Pipeline:
        """This pipeline with the scenario's model services bound (a copy when they differ).

        Raises
        ------
        InputError
            Naming the step or state whose ``service`` the scenario does not declare.
        """
        named: list[tuple[str, Any]] = [("pipeline.step", self.step.service)]
        if isinstance(self.steps, list):
            named += [(f"pipeline.steps[{i}]", e.get("service")) for i, e in enumerate(self.steps)]
        named += [(f"pipeline.states.{n}", e.get("service")) for n, e in self.states.items()]
        for where, ref in named:
            if ref is not None and ref not in services:
                accepted = ", ".join(services) or "none declared (add a services: section)"
                raise InputError(f"{where}.service", f"no model service {ref!r}; accepted: {accepted}")
        if services == self._services:
            return self
        out = self.model_copy()
        out._services = dict(services)
        out._runnable = None
        return out


def _load_workflow(ref: str | dict[str, Any], substitutions: dict[str, str]) -> Definition:
    """The definition ``ref`` names: an inline mapping, a file or a shipped workflow's name."""
    if isinstance(ref, dict):
        try:
            return load_definition(ref, substitutions=substitutions)
        except InputError as exc:
            inner = "" if exc.field == "definition" else f".{exc.field}"
            raise InputError(f"pipeline.definition{inner}", exc.message) from None
    path = Path(ref)
    if not path.exists() and path.parent == Path(".") and workflow_path(ref).exists():
        path = workflow_path(ref)
    if not path.exists():
        shipped = sorted(p.name.split(".")[0] for p in (data_dir() / "workflows").glob("*.asl.*"))
        close = difflib.get_close_matches(ref, shipped, n=1)
        hint = f"; did you mean {close[0]!r}?" if close and path.parent == Path(".") else ";"
        raise InputError("pipeline.definition", f"no such file {ref!r}, nor a shipped workflow's name{hint} accepted: "
                                                "a path (relative to the scenario file), a shipped name "
                                                f"({', '.join(shipped)}) or an inline ASL mapping")
    try:
        return load_definition(path, substitutions=substitutions)
    except InputError as exc:
        where = "" if exc.field == str(path) else f" at {exc.field}"
        raise InputError("pipeline.definition", f"{ref}{where}: {exc.message}") from None


class RetryPolicy(_Frozen):
    """Amazon States Language retrier: ``max_attempts`` is MaxAttempts (retries after the first try;
    0 = never retry), waits ``interval_s * backoff_rate**(r-1)``, capped by ``max_delay_s``;
    ``jitter: full`` draws each wait uniformly in [0, wait]."""

    max_attempts: int = Field(3, ge=0, le=99_999_999, description="ASL MaxAttempts (retries)")
    interval_s: int = Field(1, ge=1, le=99_999_999, description="ASL IntervalSeconds (whole seconds)")
    backoff_rate: float = Field(2.0, ge=1.0, le=100, description="ASL BackoffRate")
    max_delay_s: int | None = Field(None, ge=1, le=31_622_400, description="ASL MaxDelaySeconds (whole seconds)")
    jitter: Literal["none", "full"] = "none"


class KeepAlive(_Frozen):
    """Idle keep-alive of a Lambda execution environment drawn per idle period, uniform in
    [low_s, high_s] (``{dist: uniform, low_s: 300, high_s: 360}``; ``dist`` may be left out)."""

    dist: Literal["uniform"] = "uniform"
    low_s: float = Field(ge=0, le=86_400)
    high_s: float = Field(ge=0, le=86_400)

    @model_validator(mode="after")
    def _ordered(self) -> KeepAlive:
        if self.high_s < self.low_s:
            raise ValueError("high_s must be >= low_s")
        return self


class LambdaConfig(_Frozen):
    """Account and scaling limits. ``keep_alive_s`` default 330 s: 2025 measurements saw environments
    warm to ~300 s, half cold by 315-330 s, all by 360 s (ubc-cirrus-lab/demystifying-serverless-costs);
    a mapping ``{low_s: 300, high_s: 360}`` draws each idle period's keep-alive uniformly."""

    concurrency_limit: int = Field(1000, ge=1, le=1_000_000, description="account concurrency")
    scaling_per_10s: int = Field(1000, ge=1, le=1_000_000, description="new environments per function per 10 s")
    keep_alive_s: float | KeepAlive = Field(330.0, description="idle environment lifetime, s (as of 2025)")
    sdk_max_attempts: int = Field(3, ge=1, le=20, description="AWS SDK total attempts of a sync invoke (throttles, read timeouts)")
    sdk_read_timeout_s: float = Field(60.0, gt=0, le=900, description="AWS SDK read timeout of a synchronous invoke, s "
                                      "(boto3: 60): past it the caller invokes again")
    invoke_overhead_ms: float = Field(0.0, ge=0, le=10_000, description="latency of one invoke call, ms")
    async_duplicate_rate: float = Field(0.0, ge=0, le=0.5, description="probability an async (Event) invocation is delivered twice")
    log_bytes_per_invocation: float = Field(300.0, ge=0, le=1e8, description="CloudWatch Logs bytes each invocation writes "
                                            "(default: the platform's START, END and REPORT lines, about 300 bytes; 0: none)")

    @field_validator("keep_alive_s", mode="before")
    @classmethod
    def _keep_alive(cls, v: Any) -> Any:
        if isinstance(v, dict):
            try:
                return KeepAlive.model_validate(v)
            except ValidationError as exc:
                raise from_validation_error(exc, "lambda.keep_alive_s", KeepAlive) from None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise ValueError("must be a number of seconds (0-86,400) or a mapping {low_s, high_s}")
        if not 0 <= v <= 86_400:
            raise ValueError("must be between 0 and 86,400 s")
        return v


class ChainConfig(_Frozen):
    """Lambda-chain error handling: synchronous callers' retry (``none`` | ``policy``), async invoke
    retries (0-2), maximum event age (60-21,600 s) and whether a dead-letter queue is configured."""

    sync_retry: Literal["none", "policy"] = "none"
    async_max_retries: int = Field(2, ge=0, le=2, description="MaximumRetryAttempts, 0-2")
    async_max_event_age_s: float = Field(21_600, ge=60, le=21_600, description="MaximumEventAgeInSeconds")
    dead_letter: bool = False


class StepFunctionsConfig(_Frozen):
    """Step Functions settings: orchestration latency per transition, Express billed memory, the
    at-least-once duplicate rate of async Express starts and CloudWatch logging."""

    transition_latency_ms: float = Field(20.0, ge=0, le=60_000, description="latency per state transition, ms")
    express_memory_mb: float = Field(64.0, ge=50, le=4096, description="Express memory used, MB")
    express_duplicate_rate: float = Field(0.0, ge=0, le=1, description="probability an async start runs twice")
    express_logging: bool = Field(False, description="log Express executions to CloudWatch Logs")
    log_bytes_per_transition: float = Field(1024.0, ge=0, le=1_048_576, description="log bytes per state event")


class Account(_Frozen):
    """The account's other monthly usage in the region, outside this pipeline: free tiers and volume
    tiers apply per account and architecture, so this pipeline is priced at the margin above it
    (https://aws.amazon.com/lambda/pricing/, https://aws.amazon.com/step-functions/pricing/). Default 0."""

    other_lambda_requests_per_month: float = Field(0.0, ge=0, le=1e15, description="Lambda requests a month")
    other_lambda_gb_s_x86_64_per_month: float = Field(0.0, ge=0, le=1e15, description="x86_64 GB-seconds a month")
    other_lambda_gb_s_arm64_per_month: float = Field(0.0, ge=0, le=1e15, description="arm64 GB-seconds a month")
    other_transitions_per_month: float = Field(0.0, ge=0, le=1e15, description="Standard state transitions a month")
    other_express_gb_hours_per_month: float = Field(0.0, ge=0, le=1e15, description="Express GB-hours a month")
    other_vended_logs_gb_per_month: float = Field(0.0, ge=0, le=1e12, description="vended logs (Lambda, Step Functions) GB a month")

    @property
    def any(self) -> bool:
        """Whether any other usage is given."""
        return any(getattr(self, f) for f in type(self).model_fields)


_CHAINS = ("lambda-chain-sync", "lambda-chain-async")


class Observability(_Frozen):
    """What each pattern records to debug a document, and what it pays for it.

    ``visibility: platform`` (default) keeps what each pattern has anyway: the functions' own log lines
    (``lambda.log_bytes_per_invocation``), Standard's execution history (kept 90 days, free), Express
    logs only with ``step_functions.express_logging``. ``visibility: equivalent`` buys every pattern the
    record Standard's history gives, so patterns compare at equal visibility: a chain's functions each
    log a state-event record (``step_functions.log_bytes_per_transition`` bytes an invocation) and
    X-Ray traces every document; Express logs every execution (as ``express_logging: true``); Standard
    adds nothing. ``xray_sample_rate`` traces that share of documents under every pattern (X-Ray's
    default rule records the first request each second and 5% of the rest: about 0.05 at volume;
    https://docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html); one trace per
    document, priced per trace recorded (https://aws.amazon.com/xray/pricing/)."""

    visibility: Literal["platform", "equivalent"] = "platform"
    xray_sample_rate: float = Field(0.0, ge=0, le=1, description="share of documents X-Ray traces (0: off)")

    def lambda_log_bytes(self, pattern: str, sc: Scenario) -> float:
        """Log bytes each Lambda invocation writes under ``pattern``."""
        extra = sc.step_functions.log_bytes_per_transition if self.visibility == "equivalent" and pattern in _CHAINS else 0.0
        return sc.lambda_.log_bytes_per_invocation + extra

    def xray_rate(self, pattern: str) -> float:
        """Traces recorded per document under ``pattern``."""
        return 1.0 if self.visibility == "equivalent" and pattern in _CHAINS else self.xray_sample_rate

    def express_logging(self, sc: Scenario) -> bool:
        """Whether Express executions log to CloudWatch Logs."""
        return sc.step_functions.express_logging or self.visibility == "equivalent"


class Scenario(_Frozen):
    """One workload, pipeline and platform configuration; see README "Scenario format"."""

    name: str = Field("scenario", min_length=1, max_length=200)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    window_hours: float = Field(24.0, gt=0, le=24 * 366, description="simulated window, hours")
    region: str = Field("us-east-1", min_length=1, max_length=64)
    free_tier: bool = False
    workload: Workload = Workload()
    pipeline: Pipeline = Pipeline()
    retry: RetryPolicy = RetryPolicy()
    lambda_: LambdaConfig = Field(LambdaConfig(), alias="lambda")
    chain: ChainConfig = ChainConfig()
    step_functions: StepFunctionsConfig = StepFunctionsConfig()
    services: dict[str, ModelService] = Field(default_factory=dict, description="model services steps call, by name")
    account: Account = Account()
    observability: Observability = Observability()
    durable: DurableConfig = DurableConfig()

    @field_validator("services", mode="before")
    @classmethod
    def _service_names(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for name in v:
                if not isinstance(name, str) or not 0 < len(name) <= 64:
                    raise InputError("services", f"a service name is text of 1-64 characters; got {name!r}")
        return v

    @model_validator(mode="after")
    def _bind_services(self) -> Scenario:
        bound = self.pipeline.bound_to(self.services)
        if bound is not self.pipeline:
            object.__setattr__(self, "pipeline", bound)
        return self

    @model_validator(mode="after")
    def _durable_operations(self) -> Scenario:
        if self.durable.operations:
            self.durable_plan()
        return self

    def durable_plan(self) -> tuple[Step, dict[str, str]]:
        """The ``lambda-durable`` pattern's orchestrating function and the durable operation each Task
        becomes (:mod:`orchsim.model.durable`); a linear pipeline's steps are its Tasks.

        >>> orch, ops = load_scenario("seed-article").durable_plan()
        >>> orch.memory_mb, sorted(set(ops.values()))
        (1024, ['step'])
        """
        wf = self.as_workflow().pipeline.runnable()
        lam = tuple(tp.step for tp in wf.tasks.values() if tp.is_lambda)
        return orchestrator_step(self.durable, lam), operation_choices(self.durable, {n: tp.kind for n, tp in wf.tasks.items()})

    @property
    def all_defaults(self) -> bool:
        """True when no key was given (an empty scenario file or mapping): every value is a default."""
        return not self.model_fields_set

    def steps(self) -> tuple[Step, ...]:
        """The resolved steps, in order (:meth:`Pipeline.resolved`).

        Returns
        -------
        tuple of Step
            One frozen :class:`Step` per Lambda function of the pipeline.
        """
        return self.pipeline.resolved()

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data.

        Returns
        -------
        dict
            JSON-compatible mapping (aliases such as ``lambda`` as keys) that
            :func:`scenario_from_dict` turns back into an equal scenario.
        """
        return self.model_dump(by_alias=True, mode="json")

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A new scenario with dotted keys replaced; this one is left as it is.

        Parameters
        ----------
        overrides
            Dotted keys to values, e.g. ``{"workload.docs_per_day": 1e5, "pipeline.step.memory_mb": 512}``
            (each in its field's unit).

        Returns
        -------
        Scenario
            The validated variant.

        Raises
        ------
        InputError
            Naming the key if it is not part of the schema or its value is invalid.

        Examples
        --------
        >>> sc = load_scenario("seed-article").with_overrides({"pipeline.steps": 2})
        >>> [s.name for s in sc.steps()]
        ['step1', 'step2']

        A step count never replaces named steps with default ones: it keeps the first steps of the
        list, or repeats the list in order (:func:`repeat_steps`).

        >>> ai = load_scenario("ai-document-pipeline")
        >>> [s.name for s in ai.with_overrides({"pipeline.steps": 7}).steps()]
        ['extract-text', 'chunk', 'embed', 'llm-call', 'store', 'extract-text-2', 'chunk-2']
        """
        data = self.to_dict()
        for key, value in overrides.items():
            if key == "pipeline.steps" and self.pipeline.definition is not None:
                raise InputError("pipeline.steps", "does not apply to an imported workflow: its Task states are its "
                                                   "steps (vary workload.docs_per_day, pipeline.step.memory_mb, ...)")
            if key == "pipeline.steps" and isinstance(data["pipeline"].get("steps"), list) and _is_count(value):
                value = repeat_steps(data["pipeline"]["steps"], int(value))
            _set_dotted(data, key, value)
        return scenario_from_dict(data)

    @property
    def named_steps(self) -> bool:
        """Whether the pipeline lists its steps (with names) rather than giving a count."""
        return isinstance(self.pipeline.steps, list | tuple)

    def as_workflow(self) -> Scenario:
        """The same scenario with its linear pipeline written as an ASL definition (unchanged if it has one).

        Each step becomes a Lambda Task state of its name, in order, each with the scenario's ``retry``
        as an ASL retrier of the errors the linear engines retry (transient errors, function
        timeouts, throttles; not fatal errors); each step's settings become its profile.

        Returns
        -------
        Scenario
            A scenario with ``pipeline.definition`` (inline), the same workload and platform.

        >>> sc = load_scenario("seed-article").as_workflow()
        >>> [n for n in sc.pipeline.runnable().tasks]
        ['step1', 'step2', 'step3', 'step4', 'step5']
        """
        if self.pipeline.definition is not None:
            return self
        steps = self.pipeline._linear({})  # as the file gives them: the services are bound again
        r = self.retry
        retrier: dict[str, Any] = {"ErrorEquals": ["Lambda.ServiceException", "Sandbox.Timedout",
                                                   "Lambda.TooManyRequestsException"],
                                   "IntervalSeconds": r.interval_s, "MaxAttempts": r.max_attempts, "BackoffRate": r.backoff_rate,
                                   "JitterStrategy": r.jitter.upper()}
        if r.max_delay_s is not None:
            retrier["MaxDelaySeconds"] = r.max_delay_s
        states: dict[str, Any] = {}
        for i, step in enumerate(steps):
            body: dict[str, Any] = {"Type": "Task", "Resource": f"arn:aws:lambda:{self.region}:000000000000:function:{step.name}",
                                    "Retry": [retrier]}
            body.update({"Next": steps[i + 1].name} if i + 1 < len(steps) else {"End": True})
            states[step.name] = body
        data = self.to_dict()
        template = data["pipeline"]["step"]
        profile = {s.name: {k: v for k, v in s.model_dump(by_alias=True).items() if k != "name" and template.get(k) != v}
                   for s in steps}
        data["pipeline"] = {"definition": {"Comment": f"{self.name}'s linear pipeline as a state machine",
                                           "StartAt": steps[0].name, "States": states},
                            "step": template, "states": {k: v for k, v in profile.items() if v}}
        return scenario_from_dict(data)


def _is_count(value: Any) -> bool:
    """A whole number of steps (an int, or a float with no fraction), not a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def repeat_steps(steps: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """``n`` steps from a list of named steps: its first ``n``, or the list repeated in order with
    ``-2``, ``-3``, ... appended to the names of the repeats (names stay unique).

    Parameters
    ----------
    steps
        The named steps, as plain mappings.
    n
        How many steps (>= 1).

    Returns
    -------
    list of dict
        The steps.

    Raises
    ------
    InputError
        When ``n`` is below 1.
    """
    if n < 1:
        raise InputError("pipeline.steps", f"a step count must be >= 1; got {n}")
    out = []
    for i in range(n):
        step = copy.deepcopy(steps[i % len(steps)])
        if i >= len(steps) and "name" in step:
            step["name"] = f"{step['name']}-{i // len(steps) + 1}"
        out.append(step)
    return out


def _set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``data[a][b][c] = value`` for ``key`` "a.b.c"; every part must already exist in the schema."""
    parts = key.split(".")
    node: Any = data
    for i, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise InputError(key, f"unknown key: {'.'.join(parts[: i + 1])!r} is not a section of the scenario")
    if parts[-1] not in node:
        raise InputError(key, "unknown key (not part of the scenario schema)")
    node[parts[-1]] = copy.deepcopy(value)


def scenario_from_dict(data: dict[str, Any] | None) -> Scenario:
    """Validate a mapping into a :class:`Scenario`.

    Parameters
    ----------
    data
        Scenario keys to values (as in a scenario YAML file); None or ``{}`` gives the defaults.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    InputError
        Naming the field path and the accepted range of the first invalid field.

    Examples
    --------
    >>> scenario_from_dict({"workload": {"docs_per_day": 500}}).workload.docs_per_day
    500.0
    """
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError("scenario", "must be a mapping of keys to values")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, model=Scenario) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and validate a scenario YAML file, or a shipped scenario by name.

    A relative ``pipeline.definition`` path is resolved against the file's folder (and stored absolute).

    Parameters
    ----------
    path
        A YAML file, or the name of a shipped scenario (``seed-article``, ``ai-document-pipeline``)
        when no such file exists.

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    InputError
        File unreadable, over 1 MB, YAML syntax error (with its line) or an invalid field (with its path).

    Warns
    -----
    ScenarioDefaultsWarning
        When the file gives no key at all (empty or comments only): the scenario is all defaults
        (:attr:`Scenario.all_defaults` is then True).
    """
    p = Path(path)
    if not p.exists() and p.parent == Path(".") and p.suffix in ("", ".yaml"):
        shipped = scenario_path(p.name)
        p = shipped if shipped.exists() else p
    data = read_yaml(p, "scenario", "scenario")
    scenario = scenario_from_dict(_anchor_files(_anchor_definition(data, p.resolve().parent), p.resolve().parent))
    if scenario.all_defaults:
        warnings.warn(
            ScenarioDefaultsWarning(f"scenario {str(p)!r} gives no key: every value is a default"), stacklevel=2
        )
    return scenario


def _anchor_files(data: Any, folder: Path) -> Any:
    """``data`` with every relative ``file:`` of an empirical distribution (``{dist: empirical, file:
    durations.csv}``) made absolute against ``folder`` (the scenario file's)."""
    if isinstance(data, dict):
        out = {k: _anchor_files(v, folder) for k, v in data.items()}
        ref = out.get("file")
        if out.get("dist") == "empirical" and isinstance(ref, str) and ref and not Path(ref).is_absolute():
            out["file"] = str((folder / ref).resolve())
        return out
    if isinstance(data, list):
        return [_anchor_files(v, folder) for v in data]
    return data


def _anchor_definition(data: Any, folder: Path) -> Any:
    """``data`` with a relative ``pipeline.definition`` path made absolute against ``folder`` (the
    scenario file's), unless it is a bare shipped workflow's name with no such file there."""
    pipeline = data.get("pipeline") if isinstance(data, dict) else None
    ref = pipeline.get("definition") if isinstance(pipeline, dict) else None
    if not isinstance(pipeline, dict) or not isinstance(ref, str) or not ref or Path(ref).is_absolute():
        return data
    anchored = (folder / ref).resolve()
    if not anchored.exists() and Path(ref).parent == Path(".") and workflow_path(ref).exists():
        return data
    return {**data, "pipeline": {**pipeline, "definition": str(anchored)}}

