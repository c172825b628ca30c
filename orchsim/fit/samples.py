"""Write a simulation's invocations as the AWS logs :mod:`orchsim.fit.parse` reads: synthetic samples.

The inverse of :mod:`orchsim.fit.parse`, for tests and for the samples shipped in ``data/samples/``.
Every number comes from a detailed :func:`orchsim.simulate` run except what the simulation does not
model, which is SYNTHETIC and marked so: request ids (``uuid5`` of seed, replication, document, step
and attempt), ``Max Memory Used`` (a fixed fraction of the memory with a jitter taken from the request
id) and the application lines.

Formats (``fmt``), as the Lambda developer guide and the CLI print them:

* ``"text"``: ``START``/``END``/``REPORT`` platform lines with ISO timestamps, the REPORT fields tab
  separated; ``Init Duration`` on cold starts; ``Status: error`` or ``Status: timeout`` on failed
  attempts (and Lambda's ``Task timed out after`` line); an application line now and then.
* ``"json"``: the Lambda JSON log format: ``platform.start`` and ``platform.report`` records (with
  ``record.status``), one per line.
* ``"insights-csv"``: a CloudWatch Logs Insights CSV export of ``filter @type = "REPORT"``:
  ``@timestamp,@log,@message``, ``@log`` = ``<account>:/aws/lambda/<function>``.
* ``"filter-log-events"``: ``aws logs filter-log-events --filter-pattern REPORT`` output, one document
  per function, pretty-printed one after the other; each carries ``logGroupName`` (the CLI's output
  does not: it is added so one file can hold several functions).

The text and JSON formats are one log group's export: they name no function, so a reader names the
records after the file (or ``parse_files(..., function=...)``); write one step per file with ``steps``.

Duration is what Lambda reports: the simulated span less the INIT phase on a cold start; billed
duration is the simulation's own, which the post-2025-08-01 rule (``Duration + Init Duration``
rounded up to 1 ms) reproduces for every written line (checked while writing).

Regenerate the shipped samples with ``python -m orchsim.fit.samples data/samples``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from orchsim.errors import InputError
from orchsim.fit.stats import billed_ms_expected
from orchsim.model.scenario import Scenario, scenario_from_dict
from orchsim.sim.result import SimulationResult
from orchsim.sim.run import simulate

__all__ = ["FORMATS", "SAMPLE_FILES", "SAMPLE_SCENARIO", "sample_scenario", "write_history", "write_reports", "write_samples"]

FORMATS = ("text", "json", "insights-csv", "filter-log-events")
START = datetime(2025, 9, 1, tzinfo=UTC)  # simulated time 0: after INIT billing began (2025-08-01)
ACCOUNT = "123456789012"  # the documentation account id
APP_LINE_EVERY = 7  # one invocation in this many logs an application INFO line (synthetic)
MEMORY_JITTER = 0.1  # Max Memory Used = fraction * memory * (1 +- this), synthetic
_NAMESPACE = uuid.UUID("6f0c1e52-8d0a-5b7e-9a57-0b5e1d2c3a4f")  # request ids: uuid5 in this namespace
_STATUS = {"ok": "success", "error": "error", "fatal": "error", "timeout": "timeout"}

# The shipped samples' scenario: three functions, errors, a timeout-prone model call, cold starts.
SAMPLE_SCENARIO: dict[str, Any] = {
    "name": "sample-pipeline",
    "seed": 2025,
    "window_hours": 3,  # simulated hours
    "region": "us-east-1",
    "workload": {"docs_per_day": 1400, "arrival": "poisson", "trigger": "async"},  # documents per day
    "pipeline": {
        "steps": [
            {"name": "extract", "memory_mb": 1024, "init_ms": 420,
             "duration": {"dist": "lognormal", "median_ms": 650, "p95_ms": 2100}, "error_rate": 0.02,
             "fatal_error_rate": 0.01},
            {"name": "summarise", "memory_mb": 512, "init_ms": 310, "timeout_s": 8,
             "duration": {"dist": "lognormal", "median_ms": 2400, "p95_ms": 7500}, "error_rate": 0.01},
            {"name": "store", "memory_mb": 256, "init_ms": 180,
             "duration": {"dist": "lognormal", "median_ms": 90, "p95_ms": 260}},
        ],
    },
    "retry": {"max_attempts": 2, "interval_s": 1, "backoff_rate": 2.0},
    "lambda": {"keep_alive_s": 330},  # seconds an idle environment stays warm
}
SAMPLE_PATTERN = "sfn-standard"
SAMPLE_EXECUTIONS = 20  # executions in execution-history.json
SAMPLE_FILES = {  # file -> (format, steps written: None for all)
    "lambda-report.log": ("text", ("summarise",)),
    "lambda-json.log": ("json", ("extract",)),
    "insights.csv": ("insights-csv", None),
    "filter-log-events.json": ("filter-log-events", None),
}


@dataclass(frozen=True)
class _Line:
    """One billed invocation attempt as Lambda would log it."""

    function: str
    request_id: str
    begin: datetime
    end: datetime
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_used_mb: int
    init_ms: float | None
    status: str
    timeout_s: float


def _iso_z(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _epoch_ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def _request_id(sc: Scenario, replication: int, doc: int, step: str, attempt: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{sc.seed}/{replication}/{doc}/{step}/{attempt}"))


def _duration(span_ms: float, init_ms: float, billed: int) -> float:
    """Lambda's ``Duration`` (2 decimals) for a span, such that the rule the simulation meters with
    (since 2025-08-01: INIT billed, 1 ms rounding) gives back ``billed``."""
    raw = (span_ms - init_ms) * 100.0
    for written in (math.ceil(raw - 1e-6) / 100.0, round(raw) / 100.0, math.floor(raw) / 100.0):
        if billed_ms_expected(written, init_ms or None, START) == billed:
            return max(written, 0.0)
    raise InputError("result.invocations", f"a span of {span_ms:.6f} ms billed {billed} ms is not reproduced by "
                                           "Lambda's 1 ms rule; pass a result metered with the default rules")


def _attempts(inv: pd.DataFrame) -> pd.DataFrame:
    """The invocations sorted by document and start, with ``attempt`` (0, 1, ... per document and step)."""
    rows = inv.sort_values(["doc", "start_s", "step_index"], kind="stable").reset_index(drop=True)
    rows["attempt"] = rows.groupby(["doc", "step_index"], observed=True).cumcount()
    return rows


def _detail(result: SimulationResult) -> pd.DataFrame:
    if result.invocations is None or result.documents is None:
        raise InputError("result", "has no invocation table; simulate with detail=True")
    return result.invocations


def _lines(result: SimulationResult, start: datetime, names: Mapping[str, str], max_memory_fraction: float,
           steps: Sequence[str] | None) -> list[_Line]:
    """The billed attempts of ``steps`` (all by default) in the order they ended."""
    sc = result.scenario
    by_name = {s.name: s for s in sc.steps()}
    unknown = sorted(set(steps or ()) - set(by_name))
    if unknown:
        raise InputError("steps", f"unknown step {unknown[0]!r}; the scenario's steps: {', '.join(by_name)}")
    rows = _attempts(_detail(result))
    rows = rows[(rows["result"] != "throttled") & rows["step"].isin(list(steps or by_name))]
    out = []
    for r in rows.to_dict("records"):
        step = by_name[str(r["step"])]
        init = float(step.init_ms) if r["cold"] else 0.0
        begin, end = start + timedelta(seconds=float(r["start_s"])), start + timedelta(seconds=float(r["end_s"]))
        rid = _request_id(sc, result.replication, int(r["doc"]), step.name, int(r["attempt"]))
        jitter = 1.0 + MEMORY_JITTER * (2.0 * int(rid[:8], 16) / 0xFFFFFFFF - 1.0)
        used = max(1, min(step.memory_mb, round(max_memory_fraction * step.memory_mb * jitter)))
        billed = int(r["billed_ms"])
        out.append(_Line(names.get(step.name, f"{sc.name}-{step.name}"), rid, begin, end,
                         _duration((float(r["end_s"]) - float(r["start_s"])) * 1000.0, init, billed), billed,
                         step.memory_mb, used, init if r["cold"] else None, _STATUS[str(r["result"])], step.timeout_s))
    out.sort(key=lambda line: (line.end, line.request_id))
    return out


def _report_text(x: _Line) -> str:
    text = (f"REPORT RequestId: {x.request_id}\tDuration: {x.duration_ms:.2f} ms\tBilled Duration: {x.billed_ms} ms\t"
            f"Memory Size: {x.memory_mb} MB\tMax Memory Used: {x.max_memory_used_mb} MB\t")
    if x.init_ms is not None:
        text += f"Init Duration: {x.init_ms:.2f} ms\t"
    if x.status != "success":
        text += f"Status: {x.status}\t"
    return text


def _in_time_order(timed: Iterator[tuple[datetime, str]]) -> str:
    """Log lines sorted by time (stable: an invocation's own lines keep their order)."""
    return "".join(f"{line}\n" for _, line in sorted(timed, key=lambda item: item[0]))


def _text(lines: list[_Line]) -> Iterator[tuple[datetime, str]]:
    for i, x in enumerate(lines):
        yield x.begin, f"{_iso_z(x.begin)} START RequestId: {x.request_id} Version: $LATEST"
        if i % APP_LINE_EVERY == 0:
            yield x.begin, f"{_iso_z(x.begin)} {x.request_id}\tINFO\tprocessing document (synthetic application line)"
        if x.status == "error":
            yield x.end, f"{_iso_z(x.end)} {x.request_id}\tERROR\tTransientError: synthetic failure"
        elif x.status == "timeout":
            yield x.end, f"{_iso_z(x.end)} {x.request_id} Task timed out after {x.timeout_s:.2f} seconds"
        yield x.end, f"{_iso_z(x.end)} END RequestId: {x.request_id}"
        yield x.end, f"{_iso_z(x.end)} {_report_text(x)}"


def _json(lines: list[_Line]) -> Iterator[tuple[datetime, str]]:
    for x in lines:
        yield x.begin, json.dumps({"time": _iso_z(x.begin), "type": "platform.start",
                                   "record": {"requestId": x.request_id, "version": "$LATEST"}})
        metrics: dict[str, Any] = {"durationMs": x.duration_ms, "billedDurationMs": x.billed_ms,
                                   "memorySizeMB": x.memory_mb, "maxMemoryUsedMB": x.max_memory_used_mb}
        if x.init_ms is not None:
            metrics["initDurationMs"] = x.init_ms
        yield x.end, json.dumps({"time": _iso_z(x.end), "type": "platform.report",
                                 "record": {"requestId": x.request_id, "metrics": metrics, "status": x.status}})


def _insights(lines: list[_Line]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["@timestamp", "@log", "@message"])
    for x in lines:
        w.writerow([x.end.strftime("%Y-%m-%d %H:%M:%S.") + f"{x.end.microsecond // 1000:03d}",
                    f"{ACCOUNT}:/aws/lambda/{x.function}", _report_text(x)])
    return buf.getvalue()


def _filter_log_events(lines: list[_Line]) -> str:
    docs = []
    for fn in dict.fromkeys(x.function for x in lines):
        events = [{"logStreamName": f"{x.begin:%Y/%m/%d}/[$LATEST]{uuid.uuid5(_NAMESPACE, fn).hex}",
                   "timestamp": _epoch_ms(x.end), "message": _report_text(x) + "\n",
                   "ingestionTime": _epoch_ms(x.end) + 350, "eventId": f"{_epoch_ms(x.end):020d}{i:036d}"}
                  for i, x in enumerate(lines) if x.function == fn]
        docs.append(json.dumps({"logGroupName": f"/aws/lambda/{fn}", "events": events, "searchedLogStreams": []},
                               indent=4))
    return "\n".join(docs) + "\n"


def write_reports(
    result: SimulationResult,
    out: Path,
    fmt: str,
    *,
    start: datetime = START,
    function_names: Mapping[str, str] | None = None,
    max_memory_fraction: float = 0.6,
    steps: Sequence[str] | None = None,
) -> Path:
    """Write a detailed simulation's Lambda invocations as exported Lambda logs.

    Parameters
    ----------
    result
        A run with ``detail=True`` (its ``invocations`` table; throttled attempts are not logged).
    out
        File to write (parent folders are created).
    fmt
        ``"text"``, ``"json"``, ``"insights-csv"`` or ``"filter-log-events"`` (module docstring).
    start
        Wall-clock time of simulated second 0 (timezone-aware; default 2025-09-01 00:00 UTC). Billed
        durations stay the simulation's (INIT billed, as since 2025-08-01) whatever the date.
    function_names
        Step name -> function name; default ``<scenario name>-<step name>``.
    max_memory_fraction
        SYNTHETIC ``Max Memory Used`` as a share of the memory size (jittered +-10% per request), 0-1.
    steps
        The steps whose invocations to write (default all); give one for ``text`` and ``json``, which
        name no function.

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    InputError
        For an unknown format or step, a result without detail, a naive ``start`` or a fraction
        outside (0, 1].
    """
    if fmt not in FORMATS:
        raise InputError("fmt", f"must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if start.tzinfo is None:
        raise InputError("start", "must be timezone-aware (e.g. datetime(2025, 9, 1, tzinfo=UTC))")
    if not 0.0 < max_memory_fraction <= 1.0:
        raise InputError("max_memory_fraction", f"must be in (0, 1] (got {max_memory_fraction!r})")
    lines = _lines(result, start.astimezone(UTC), function_names or {}, max_memory_fraction, steps)
    if fmt == "text":
        text = _in_time_order(_text(lines))
    elif fmt == "json":
        text = _in_time_order(_json(lines))
    elif fmt == "insights-csv":
        text = _insights(lines)
    else:
        text = _filter_log_events(lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8", newline="")
    return out


# --- Step Functions execution history --------------------------------------------------------------


class _History:
    """Events of one execution, each chained to the one before (a linear state machine)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.last = datetime.min.replace(tzinfo=UTC)

    def add(self, when: datetime, kind: str, key: str | None = None, details: dict[str, Any] | None = None) -> None:
        last = self.events[-1] if self.events else None
        when = self.last = max(when, self.last)  # never before the previous event
        event: dict[str, Any] = {"timestamp": when.isoformat(timespec="milliseconds"), "type": kind,
                                 "id": len(self.events) + 1, "previousEventId": last["id"] if last else 0}
        if key is not None:
            event[key] = details or {}
        self.events.append(event)


_FAILURE = {"error": ("TransientError", "synthetic failure"), "fatal": ("FatalError", "synthetic fatal failure"),
            "timeout": ("Sandbox.Timedout", "Task timed out"),
            "throttled": ("Lambda.TooManyRequestsException", "Rate Exceeded.")}


def _execution(result: SimulationResult, doc: dict[str, Any], rows: list[dict[str, Any]], start: datetime, names: Mapping[str, str],
               latency_s: float) -> dict[str, Any]:
    sc = result.scenario
    arn = f"arn:aws:states:{sc.region}:{ACCOUNT}:execution:{sc.name}:doc-{int(doc['doc']):06d}"
    h = _History()

    def t(seconds: float) -> datetime:  # simulated seconds to wall clock
        return start + timedelta(seconds=float(seconds))

    h.add(t(doc["arrival_s"]), "ExecutionStarted", "executionStartedEventDetails",
          {"input": "{}", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/{sc.name}-sfn"})
    open_state: str | None = None
    for r in rows:
        step = str(r["step"])
        fn = f"arn:aws:lambda:{sc.region}:{ACCOUNT}:function:{names.get(step, f'{sc.name}-{step}')}"
        res = {"resourceType": "lambda", "resource": "invoke"}
        if open_state != step:
            h.add(t(r["start_s"] - latency_s), "TaskStateEntered", "stateEnteredEventDetails", {"name": step, "input": "{}"})
            open_state = step
        h.add(t(r["start_s"] - latency_s), "TaskScheduled", "taskScheduledEventDetails",
              {**res, "region": sc.region, "parameters": json.dumps({"FunctionName": fn, "Payload.$": "$"})})
        if r["result"] == "throttled":
            h.add(t(r["end_s"]), "TaskFailed", "taskFailedEventDetails", {**res, "error": _FAILURE["throttled"][0],
                                                                       "cause": _FAILURE["throttled"][1]})
            continue
        h.add(t(r["start_s"]), "TaskStarted", "taskStartedEventDetails", res)
        if r["orphan"]:
            h.add(t(r["end_s"]), "TaskTimedOut", "taskTimedOutEventDetails", {**res, "error": "States.Timeout"})
        elif r["result"] == "ok":
            h.add(t(r["end_s"]), "TaskSucceeded", "taskSucceededEventDetails", {**res, "output": "{}"})
            h.add(t(r["end_s"]), "TaskStateExited", "stateExitedEventDetails", {"name": step, "output": "{}"})
            open_state = None
        else:
            error, cause = _FAILURE[str(r["result"])]
            h.add(t(r["end_s"]), "TaskFailed", "taskFailedEventDetails", {**res, "error": error, "cause": cause})
    if doc["outcome"] == "succeeded":
        h.add(t(doc["end_s"]), "ExecutionSucceeded", "executionSucceededEventDetails", {"output": "{}"})
    elif doc["outcome"] == "failed":
        last = rows[-1]
        error, cause = ("States.Timeout", "execution timed out") if last["orphan"] else _FAILURE[str(last["result"])]
        h.add(t(doc["end_s"]), "ExecutionFailed", "executionFailedEventDetails", {"error": error, "cause": cause})
    return {"executionArn": arn, "events": h.events}


def write_history(result: SimulationResult, out: Path, *, executions: int = 20, start: datetime = START,
                  function_names: Mapping[str, str] | None = None, docs: Sequence[int] | None = None) -> Path:
    """Write the first finished documents of an ``sfn-standard`` run as ``get-execution-history`` output.

    The file holds a JSON list of documents ``{"executionArn": ..., "events": [...]}`` (the CLI prints
    ``{"events": [...]}`` per execution; the ARN is added to name them): ``ExecutionStarted``, per
    state ``TaskStateEntered``, then per attempt ``TaskScheduled``, ``TaskStarted`` and
    ``TaskSucceeded``/``TaskFailed`` (a retry is a second ``TaskScheduled`` in the same state),
    ``TaskStateExited``, and ``ExecutionSucceeded``/``ExecutionFailed``. Times are the simulation's;
    ``TaskStateEntered``/``TaskScheduled`` precede the attempt by the transition latency.

    Parameters
    ----------
    result
        A detailed ``sfn-standard`` run of a linear pipeline.
    out
        File to write.
    executions
        How many documents (the first that finished, by document number), >= 1.
    start
        Wall-clock time of simulated second 0 (timezone-aware).
    function_names
        Step name -> function name (for the Lambda ARNs); default ``<scenario name>-<step name>``.
    docs
        Write these documents instead (those finished and kept in the invocation table, in this
        order, at most ``executions``).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    InputError
        For another pattern, a result without detail, ``executions`` < 1 or a naive ``start``.
    """
    if result.pattern != "sfn-standard":
        raise InputError("result.pattern", f"must be sfn-standard for an execution history (got {result.pattern})")
    if isinstance(executions, bool) or not isinstance(executions, int) or executions < 1:
        raise InputError("executions", f"must be an integer >= 1 (got {executions!r})")
    if start.tzinfo is None:
        raise InputError("start", "must be timezone-aware")
    rows = _attempts(_detail(result))
    table = result.documents
    assert table is not None  # checked by _detail
    finished = table[table["outcome"].isin(["succeeded", "failed"]) & table["doc"].isin(rows["doc"].unique())]
    kept = (finished if docs is None else finished.set_index("doc", drop=False).reindex(
        [d for d in docs if d in set(finished["doc"])])).head(executions)
    latency_s = result.scenario.step_functions.transition_latency_ms / 1000.0
    by_doc: dict[int, list[dict[str, Any]]] = {}
    for r in rows.to_dict("records"):
        by_doc.setdefault(int(r["doc"]), []).append({str(k): v for k, v in r.items()})
    histories = [_execution(result, {str(k): v for k, v in d.items()}, by_doc[int(d["doc"])], start.astimezone(UTC),
                            function_names or {}, latency_s) for d in kept.to_dict("records")]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("[\n" + ",\n".join(json.dumps(h) for h in histories) + "\n]\n", encoding="utf-8", newline="")
    return out


# --- the shipped set -----------------------------------------------------------------------------------

_README = """# Sample logs (SYNTHETIC)

Every file here is SYNTHETIC: generated by orchsim itself, not exported from an AWS account. They
show the formats `orchsim fit` reads (`orchsim.fit.parse`) and let its tests round-trip.

- Scenario: `{name}` (built in: `orchsim.fit.samples.SAMPLE_SCENARIO`), seed {seed}, pattern
  `{pattern}`, {hours:g} simulated hours from {start}; steps: {steps}.
- Regenerate (byte-identical for the same orchsim version):
  `python -m orchsim.fit.samples data/samples`
- Durations, billed durations, cold starts (Init Duration), errors, timeouts and times come from
  the simulation; Duration = simulated span less INIT; Billed Duration is the simulation's, equal to
  Duration + Init Duration rounded up to 1 ms (Lambda's rule since 2025-08-01).
- Not simulated, made up: request ids (uuid5), Max Memory Used (60% of memory +-10%), log
  stream names, event ids, ingestion times, application lines, account `{account}`.

| File | Format | Demonstrates |
|---|---|---|
| `lambda-report.log` | Lambda plain-text log (START/END/REPORT, tab-separated) | function `{fn_text}`: warm and cold starts, `Status: error`/`Status: timeout`, a `Task timed out` line, application lines |
| `lambda-json.log` | Lambda JSON log format (`platform.start`, `platform.report`) | function `{fn_json}`, with `record.status` and `initDurationMs` |
| `insights.csv` | CloudWatch Logs Insights CSV (`@timestamp,@log,@message`, query `filter @type = "REPORT"`) | all functions, named by `@log` |
| `filter-log-events.json` | `aws logs filter-log-events --filter-pattern REPORT` output, one document per function | all functions; `logGroupName` is added (the CLI does not print it) so one file holds several |
| `execution-history.json` | `aws stepfunctions get-execution-history`, a JSON list of {executions} executions (the first finished, and the first that retried or failed) | state transitions, retries (a second `TaskScheduled`), failed executions; `executionArn` added to name each |

The text and JSON logs name no function (a log group's export): `orchsim fit` names their records after
the file unless given `--function`.
"""


def sample_scenario() -> Scenario:
    """The shipped samples' scenario (:data:`SAMPLE_SCENARIO`)."""
    return scenario_from_dict(SAMPLE_SCENARIO)


def _history_docs(result: SimulationResult, executions: int) -> list[int]:
    """The first finished documents, with up to a quarter of the places given to the first documents
    that retried or failed, so the sample history shows both."""
    docs = result.documents
    assert docs is not None
    finished = docs[docs["outcome"].isin(["succeeded", "failed"])]
    steps = len(result.scenario.steps())
    odd = finished[(finished["outcome"] == "failed") | (finished["attempts"] > steps)]["doc"].head(executions // 4)
    plain = [int(d) for d in finished["doc"] if d not in set(odd)][: executions - len(odd)]
    return sorted(plain + [int(d) for d in odd])


def write_samples(folder: Path, *, scenario: Scenario | None = None, executions: int = SAMPLE_EXECUTIONS) -> list[Path]:
    """Simulate a scenario once and write the sample set: the four Lambda formats, a history, a README.

    Parameters
    ----------
    folder
        Where to write (created).
    scenario
        Default :func:`sample_scenario` (three functions, ~175 documents over 3 hours).
    executions
        Executions in ``execution-history.json``.

    Returns
    -------
    list of Path
        The files written, README last.
    """
    sc = scenario or sample_scenario()
    result = simulate(sc, SAMPLE_PATTERN, detail=True)
    paths = [write_reports(result, folder / name, fmt, steps=steps) for name, (fmt, steps) in SAMPLE_FILES.items()]
    paths.append(write_history(result, folder / "execution-history.json", executions=executions,
                               docs=_history_docs(result, executions)))
    texts = [s for _, (_, s) in SAMPLE_FILES.items() if s]
    readme = _README.format(name=sc.name, seed=sc.seed, pattern=SAMPLE_PATTERN, hours=sc.window_hours,
                            start=START.isoformat(), steps=", ".join(s.name for s in sc.steps()),
                            account=ACCOUNT, fn_text=f"{sc.name}-{texts[0][0]}", fn_json=f"{sc.name}-{texts[1][0]}",
                            executions=executions)
    readme_path = folder / "README.md"
    readme_path.write_text(readme, encoding="utf-8", newline="")
    paths.append(readme_path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m orchsim.fit.samples FOLDER``: regenerate the synthetic samples."""
    parser = argparse.ArgumentParser(prog="python -m orchsim.fit.samples", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write the samples, e.g. data/samples")
    args = parser.parse_args(argv)
    for path in write_samples(args.folder):
        print(f"{path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
