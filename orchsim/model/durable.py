"""How a pipeline runs as a Lambda durable function (the ``lambda-durable`` pattern): the scenario's
``durable`` section, the orchestrating function it implies, and the durable operation each Task becomes.

A durable function (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html) is one
Lambda function whose code runs the whole workflow, checkpointing each durable operation; after every
suspension it is invoked again and replays its handler from the top. What each state becomes:

* a Lambda Task: a ``step`` (default), its work run inside the orchestrator's own invocation and billed
  at the orchestrator's memory, or an ``invoke`` (``context.invoke``) of the Task's own function, a
  normal invocation billed at its memory while the orchestrator is suspended ("the SDK checkpoints the
  start of the operation and suspends the calling function. ... The calling function does not consume
  compute while waiting", https://github.com/aws/aws-durable-execution-docs, invoke.md);
* a service Task (a model, DynamoDB, S3 call): a ``step`` (default; billed while it waits for the
  call) or a ``callback`` (``waitForCallback``);
* a ``.sync`` job, a ``.waitForTaskToken`` callback or an activity: a ``callback``, suspended while it
  waits (the only choice);
* Choice and Pass: the handler's own code, no operation; Wait: a ``wait``, suspended; Parallel and
  Map: the SDK's ``parallel``/``map``, branches run inside the same invocation.

The billing rules (operations, data written and retained) live in :mod:`orchsim.aws.durable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import Field

from orchsim.errors import InputError
from orchsim.model.profile import FrozenModel, Step

__all__ = ["DurableConfig", "OPERATIONS", "operation_choices", "orchestrator_step", "summary_line"]

OPERATIONS = ("step", "invoke", "callback")
"""The durable operation a Task may become."""

WAITING = ("job", "callback", "activity")
"""Task kinds that wait for something outside the function: always a ``callback``."""

EXECUTION_TIMEOUT_MAX_S = 31_622_400
"""``DurableConfig.ExecutionTimeout``: 1-31,622,400 s (366 days), the whole execution
(https://docs.aws.amazon.com/lambda/latest/api/API_DurableConfig.html)."""


class DurableConfig(FrozenModel):
    """The ``lambda-durable`` pattern's settings (README "Scenario format").

    ``memory_mb``, ``arch``, ``init_ms`` and ``ephemeral_storage_mb`` configure the orchestrating
    function (default: the largest of the Lambda Tasks', the first Task's architecture); ``timeout_s``
    is its timeout, the limit of each invocation (at most 900 s). ``replay_ms`` is the handler's replay
    up to the point it resumes, billed on every invocation after the first (AWS's pricing example
    counts none; 0 reproduces it). ``tasks`` is how a Lambda Task runs (``step`` inside the
    orchestrator, ``invoke`` its own function) and ``operations`` overrides it per Task state
    (``{State: step | invoke | callback}``). ``input_kb`` and ``result_kb`` are what the execution's
    input and each operation's result persist (default: the document's ``workload.payload_kb`` when
    given, else 8 KB; 4 KB). ``retention_days`` is ``RetentionPeriodInDays`` (1-90, default 14);
    ``execution_timeout_s`` the execution's timeout (default and most: 366 days)."""

    memory_mb: int | None = Field(None, ge=128, le=10_240, description="orchestrating function's memory, MB "
                                  "(default: the largest Lambda Task's)")
    arch: Literal["x86_64", "arm64"] | None = Field(None, description="orchestrating function's architecture "
                                                    "(default: the first Lambda Task's)")
    init_ms: float | None = Field(None, ge=0, le=600_000, description="its cold-start INIT, ms (default: the largest Task's)")
    ephemeral_storage_mb: int | None = Field(None, ge=512, le=10_240, description="its ephemeral storage, MB")
    timeout_s: float = Field(900.0, gt=0, le=900, description="its timeout: each invocation's limit, s (at most 900)")
    replay_ms: float = Field(20.0, ge=0, le=600_000, description="replay of the handler on each resume, ms (billed)")
    tasks: Literal["step", "invoke"] = Field("step", description="how a Lambda Task runs: step (inside) | invoke (its function)")
    operations: dict[str, Literal["step", "invoke", "callback"]] = Field(
        default_factory=dict, description="per Task state: step | invoke | callback")
    input_kb: float | None = Field(None, ge=0, le=1024, description="execution input persisted, KB (default: payload_kb, else 8)")
    result_kb: float = Field(4.0, ge=0, le=256, description="each operation's persisted result, KB (<= 256)")
    retention_days: int = Field(14, ge=1, le=90, description="RetentionPeriodInDays, 1-90 (orchsim.aws.durable.RETENTION_DAYS)")
    execution_timeout_s: float = Field(EXECUTION_TIMEOUT_MAX_S, ge=1, le=EXECUTION_TIMEOUT_MAX_S,
                                       description="the execution's timeout, s (1-31,622,400)")


def orchestrator_step(config: DurableConfig, steps: tuple[Step, ...]) -> Step:
    """The orchestrating function: ``config``'s settings, the rest from the pipeline's Lambda steps
    (``steps``; the largest memory, INIT and storage, the first one's architecture).

    >>> from orchsim.model.profile import Step
    >>> s = orchestrator_step(DurableConfig(), (Step(memory_mb=512), Step(memory_mb=2048, arch="arm64")))
    >>> (s.name, s.memory_mb, s.arch, s.timeout_s)
    ('orchestrator', 2048, 'x86_64', 900.0)
    """
    lam = steps or (Step(),)
    return Step(
        name="orchestrator",
        memory_mb=config.memory_mb or max(s.memory_mb for s in lam),
        arch=config.arch or lam[0].arch,
        init_ms=config.init_ms if config.init_ms is not None else max(s.init_ms for s in lam),
        ephemeral_storage_mb=config.ephemeral_storage_mb or max(s.ephemeral_storage_mb for s in lam),
        timeout_s=config.timeout_s,
    )


def operation_choices(config: DurableConfig, kinds: Mapping[str, str]) -> dict[str, str]:
    """The durable operation of each Task (``kinds``: Task name -> ``lambda``, ``service``, ``job``,
    ``callback`` or ``activity``).

    Raises
    ------
    InputError
        When ``durable.operations`` names no Task, or asks what a Task cannot be (``invoke`` of a
        service call; a job, callback or activity other than ``callback``).
    """
    out: dict[str, str] = {}
    for name, kind in kinds.items():
        if kind in WAITING:
            out[name] = "callback"
        elif kind == "lambda":
            out[name] = config.tasks
        else:
            out[name] = "step"
    for name, op in config.operations.items():
        field = f"durable.operations.{name}"
        if name not in kinds:
            raise InputError(field, f"names no Task state; Tasks: {', '.join(kinds) or 'none'}")
        kind = kinds[name]
        if kind in WAITING and op != "callback":
            raise InputError(field, f"a {kind} Task waits outside the function: it can only be a callback; got {op!r}")
        if kind == "service" and op == "invoke":
            raise InputError(field, "a service Task runs inside a step or waits as a callback (step | callback); got 'invoke'")
        if kind == "lambda" and op == "callback":
            raise InputError(field, "a Lambda Task is a step or an invoke (step | invoke); got 'callback'")
        out[name] = op
    return out


def summary_line(config: DurableConfig, orchestrator: Step, ops: Mapping[str, str]) -> str:
    """One line saying how the durable pattern runs a pipeline (for tables and chart footers)."""
    counts: dict[str, int] = {}
    for op in ops.values():
        counts[op] = counts.get(op, 0) + 1
    how = ", ".join(f"{n} {op}{'s' if n > 1 else ''}" for op, n in counts.items())
    return (f"durable: {orchestrator.memory_mb} MB {orchestrator.arch} orchestrator, {how}, replay {config.replay_ms:g} ms, "
            f"result {config.result_kb:g} KB, retention {config.retention_days} d")
