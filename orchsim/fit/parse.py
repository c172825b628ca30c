"""Read exported AWS logs into records: Lambda REPORT lines and Step Functions execution histories.

The input half of ``orchsim fit LOGS...``. Formats are recognised record by record, so one file may
mix them line by line, as exports often do:

1. Lambda's plain-text platform lines, ``REPORT RequestId: <id>\\tDuration: 102.25 ms\\tBilled
   Duration: 103 ms\\tMemory Size: 128 MB\\tMax Memory Used: 67 MB\\tInit Duration: 180.06 ms``, tab
   or space separated, optionally with ``Status: error|timeout`` and ``Error Type: ...``, optionally
   prefixed by an ISO timestamp (and a log stream name), as console, ``aws logs tail`` and S3 export
   text has them. ``START``/``END``/``XRAY`` and application lines are counted and skipped; a
   ``<request id> Task timed out after ...`` line marks that request's REPORT as a timeout.
   Layout: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html and
   https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
2. Lambda's JSON log format, one object per line; ``type == "platform.report"`` carries
   ``record.metrics.{durationMs, billedDurationMs, memorySizeMB, maxMemoryUsedMB, initDurationMs}``
   and ``record.status``. Schema:
   https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html#platform-report
3. CloudWatch Logs Insights CSV exports (``@timestamp,@message`` and optionally ``@log``,
   ``@logStream``); the message holds a format 1 or 2 record. The same rows exported as JSON are read too.
4. ``aws logs filter-log-events`` / ``get-log-events`` output (``{"events": [{"timestamp": <epoch ms>,
   "message": ...}]}``) and subscription payloads (``{"logGroup": ..., "logEvents": [...]}``); one or
   several documents per file, pretty-printed or one per line.
5. ``aws stepfunctions get-execution-history`` output (``{"events": [HistoryEvent, ...]}``): one or many
   executions per file. https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
   and https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html

Anything that looks like one of these records but cannot be read is counted in
:attr:`Parsed.unparsed` with a sample, never silently dropped.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import zlib
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchsim.errors import InputError

__all__ = ["Execution", "Parsed", "Report", "StateRun", "parse_files", "parse_text"]

SAMPLE_SIZE = 5  # unparsed lines kept as examples
SAMPLE_CHARS = 120  # characters of each unparsed line kept
_SUFFIXES = (".gz", ".json", ".jsonl", ".csv", ".log", ".txt")
_LAMBDA_GROUP = "/aws/lambda/"

_TS = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"
# Optional timestamp, optional log stream (``2025/09/01/[$LATEST]abc``), then the REPORT keyword.
_REPORT_HEAD = re.compile(rf"(?:(?P<ts>{_TS})\s+)?(?:\d{{4}}/\d\d/\d\d/\S*\s+)?REPORT(?:\s|$)")
# ``Key Words: value [ms|MB]``; the unit is consumed so space-separated lines split correctly.
_FIELD = re.compile(r"([A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*):[ \t]*(\S+)(?:[ \t]+(?:ms|MB)\b)?")
# The common layout, read in one match; anything else goes through _FIELD.
_REPORT_FAST = re.compile(r"RequestId: (\S+)\s+Duration: ([\d.]+) ms\s+Billed Duration: (\d+) ms\s+Memory Size: (\d+) MB"
                          r"\s+Max Memory Used: (\d+) MB(?:\s+Init Duration: ([\d.]+) ms)?\s*$")
_TIMEOUT = re.compile(r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\s+Task timed out after")
# Where to resume after a multi-line document that does not decode: the next line not indented
# and not closing a bracket (pretty-printed JSON indents everything inside the document).
_RESUME = re.compile(r"^[^\s\]}]", re.MULTILINE)
# Text that marks a line which failed to decode as a record we should have read.
_RECORD_HINTS = ("platform.report", "REPORT", '"events"', '"logEvents"', "StateEntered")
_STATUS = {"success": "success", "error": "error", "failure": "error", "timeout": "timeout"}

_EXEC_END = {"ExecutionSucceeded": "succeeded", "ExecutionFailed": "failed",
             "ExecutionTimedOut": "timed_out", "ExecutionAborted": "aborted"}
_SCHEDULED = {"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"}
_RESULT = {
    **dict.fromkeys(("TaskFailed", "TaskStartFailed", "TaskSubmitFailed", "LambdaFunctionFailed",
                     "LambdaFunctionStartFailed", "LambdaFunctionScheduleFailed", "ActivityFailed",
                     "ActivityScheduleFailed", "MapStateFailed", "MapRunFailed", "ParallelStateFailed"), "failed"),
    **dict.fromkeys(("TaskTimedOut", "LambdaFunctionTimedOut", "ActivityTimedOut"), "timed_out"),
    **dict.fromkeys(("TaskSucceeded", "LambdaFunctionSucceeded", "ActivitySucceeded", "MapStateSucceeded",
                     "ParallelStateSucceeded"), "succeeded"),
}


@dataclass(frozen=True, slots=True)
class Report:
    """One Lambda invocation's REPORT record.

    Attributes
    ----------
    function
        Function name (the ``function`` argument, else the log group, else the file name stem).
    timestamp
        When the record was logged, timezone-aware UTC; None when the export does not say.
    request_id
        The invocation's request id, when given.
    duration_ms
        Run time in milliseconds.
    billed_ms
        Billed duration in integer milliseconds (rounded up to 1 ms, or to 100 ms before December 2020).
    memory_mb
        Configured memory in MB.
    max_memory_used_mb
        Peak memory used in MB, when given.
    init_ms
        Init Duration in milliseconds on a cold start; None on a warm start.
    status
        ``"success"``, ``"error"`` or ``"timeout"``.
    source
        File name (not the full path).
    line
        1-based line number in the file, or the record's 1-based index inside a JSON array.
    """

    function: str
    timestamp: datetime | None
    request_id: str | None
    duration_ms: float
    billed_ms: int
    memory_mb: int
    max_memory_used_mb: int | None
    init_ms: float | None
    status: str
    source: str
    line: int


@dataclass(frozen=True, slots=True)
class StateRun:
    """One state's visit in a Step Functions execution.

    Attributes
    ----------
    execution
        The execution's name (see :attr:`Execution.name`).
    state
        State name.
    state_type
        From the ``*StateEntered`` event type: ``Task``, ``Pass``, ``Choice``, ``Wait``, ``Map``, ...
    entered, exited
        UTC times of the ``*StateEntered`` and ``*StateExited`` events; ``exited`` is None when the
        state never exited (a Fail state, a failure that ended the execution, or still running).
    duration_ms
        ``exited - entered`` in milliseconds, or None.
    attempts
        For Task states the number of ``TaskScheduled``/``LambdaFunctionScheduled`` events in the
        visit (1 + retries); 0 for other states.
    outcome
        ``"succeeded"``, ``"failed"``, ``"timed_out"``, ``"caught"`` (failed, then left through a
        Catch) or ``"running"``.
    """

    execution: str
    state: str
    state_type: str
    entered: datetime
    exited: datetime | None
    duration_ms: float | None
    attempts: int
    outcome: str


@dataclass(frozen=True, slots=True)
class Execution:
    """One Step Functions execution read from its history.

    Attributes
    ----------
    name
        Execution ARN or name when the document gives one, else ``"<file>#<i>"`` (1-based).
    start, end
        UTC times of ``ExecutionStarted`` and the closing event (None while running).
    status
        ``"succeeded"``, ``"failed"``, ``"timed_out"``, ``"aborted"`` or ``"running"``.
    transitions
        Number of ``*StateEntered`` events (retries are billed separately; see ``retries``).
    retries
        Sum over Task visits of ``attempts - 1``.
    states
        The state visits in the order entered.
    """

    name: str
    start: datetime
    end: datetime | None
    status: str
    transitions: int
    retries: int
    states: tuple[StateRun, ...]


@dataclass(frozen=True)
class Parsed:
    """What was read from one or more files.

    Attributes
    ----------
    reports
        Lambda REPORT records.
    executions
        Step Functions executions.
    unparsed
        Records that looked like a REPORT, ``platform.report``, history event or export row but could
        not be read.
    unparsed_sample
        Up to five of them, each ``"file:line: <first 120 chars>"``.
    other_lines
        Lines recognised and skipped: START/END/XRAY, other platform events, application logs.
    """

    reports: tuple[Report, ...]
    executions: tuple[Execution, ...]
    unparsed: int
    unparsed_sample: tuple[str, ...]
    other_lines: int


def _utc(dt: datetime) -> datetime:
    """``dt`` in UTC; a naive time is taken to be UTC already (as Insights exports write it)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(text: Any) -> datetime | None:
    """An ISO 8601 time (``2025-09-01T12:00:00.123Z``, ``2025-09-01 12:00:00.123``) in UTC, or None."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    try:
        return _utc(datetime.fromisoformat(text.replace(",", ".") if "," in text else text))
    except ValueError:
        return None


def _time(value: Any, per_second: float) -> datetime | None:
    """A time given as ISO text or as an epoch number counted ``per_second`` (1000 for ms), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / per_second
        if seconds > 1e11:  # milliseconds where seconds were expected
            seconds /= 1000.0
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return _iso(value)


def _group_function(group: Any) -> str | None:
    """Function name from a log group: ``123456789012:/aws/lambda/my-fn`` or ``/aws/lambda/my-fn`` gives ``my-fn``."""
    if not isinstance(group, str) or not group.strip():
        return None
    name = group.strip()
    if ":" in name:
        name = name.split(":", 1)[1]
    return name[len(_LAMBDA_GROUP):] if name.startswith(_LAMBDA_GROUP) else name


def _stem(source: str) -> str:
    """The file name without its ``.gz``, ``.json``, ``.csv``, ``.log``, ``.txt`` suffixes."""
    name = Path(source).name
    stripped = True
    while stripped:
        stripped = False
        for suffix in _SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, stripped = name[: -len(suffix)], True
    return name


def _report_fields(text: str) -> dict[str, str]:
    """The ``Key: value`` pairs of a REPORT line, units dropped."""
    return {m.group(1): m.group(2) for m in _FIELD.finditer(text)}


def _int(text: str) -> int:
    """An integer field that AWS may print with decimals (``67`` or ``67.0``)."""
    return int(float(text))


@dataclass(slots=True)
class _Visit:
    """A state visit being read: mutable while its history is walked."""

    state: str
    state_type: str
    entered: datetime
    exited: datetime | None = None
    attempts: int = 0
    result: str | None = None
    closed: bool = False


def _state_name(event: dict[str, Any], key: str) -> str:
    details = event.get(key)
    name = details.get("name") if isinstance(details, dict) else None
    return name if isinstance(name, str) else "?"


def _owner_type(event_type: str) -> str:
    """Which kind of state an inner event belongs to: Map*, Parallel* or (everything else) Task."""
    for kind in ("Map", "Parallel"):
        if event_type.startswith(kind):
            return kind
    return "Task"


def _latest_open(visits: list[_Visit], state_type: str) -> int | None:
    for i in range(len(visits) - 1, -1, -1):
        if not visits[i].closed and visits[i].state_type == state_type:
            return i
    return None


def _outcome(visit: _Visit, status: str) -> str:
    """A visit's outcome, given the execution's status for visits that never exited."""
    if visit.state_type == "Fail":
        return "failed"
    if visit.closed:
        return "caught" if visit.result in ("failed", "timed_out") else "succeeded"
    if visit.result in ("failed", "timed_out"):
        return visit.result
    if status in ("running", "succeeded", "timed_out"):
        return status
    return "failed"


def _exit_visit(open_by_name: dict[str, deque[int]], name: str, hint: int | None) -> int | None:
    """The open visit a ``*StateExited`` event closes: the one its ``previousEventId`` chain leads to,
    else the earliest open visit of that name (Map iterations enter the same state in turn)."""
    queue = open_by_name.get(name)
    if not queue:
        return None
    if hint is not None and hint in queue:
        queue.remove(hint)
        return hint
    return queue.popleft()


def _inner_event(visits: list[_Visit], kind: str, prev: int | None) -> int | None:
    """Apply a Task/Map/Parallel inner event (scheduled, failed, succeeded...) to its visit: the one its
    ``previousEventId`` chain leads to when that is open and of the right type, else the latest open
    one of that type. Returns the visit's index, or None."""
    owner = _owner_type(kind)
    if prev is None or visits[prev].closed or visits[prev].state_type != owner:
        prev = _latest_open(visits, owner)
    if prev is not None:
        if kind in _SCHEDULED:
            visits[prev].attempts += 1
            visits[prev].result = None
        elif kind in _RESULT:
            visits[prev].result = _RESULT[kind]
    return prev


def _build_execution(events: list[tuple[dict[str, Any], datetime]], name: str) -> Execution:
    """One execution from its history events (each with its parsed time), in ascending order."""
    visits: list[_Visit] = []
    open_by_name: dict[str, deque[int]] = {}
    visit_of: dict[Any, int] = {}  # event id -> the visit it belongs to (None ids are never stored)
    start, end, status = events[0][1], None, "running"
    for event, ts in events:
        kind: str = event["type"]
        eid, prev_id = event.get("id"), event.get("previousEventId")
        prev = visit_of.get(prev_id) if prev_id is not None else None
        idx: int | None = None
        if kind == "ExecutionStarted":
            start = ts
        elif kind in _EXEC_END:
            status, end = _EXEC_END[kind], ts
        elif kind.endswith("StateEntered"):
            state = _state_name(event, "stateEnteredEventDetails")
            visits.append(_Visit(state, kind[: -len("StateEntered")], ts))
            idx = len(visits) - 1
            open_by_name.setdefault(state, deque()).append(idx)
        elif kind.endswith("StateExited"):
            idx = _exit_visit(open_by_name, _state_name(event, "stateExitedEventDetails"), prev)
            if idx is not None:
                visits[idx].exited, visits[idx].closed = ts, True
        else:
            idx = _inner_event(visits, kind, prev)
        if idx is not None and eid is not None:
            visit_of[eid] = idx
    runs = tuple(
        StateRun(name, v.state, v.state_type, v.entered, v.exited,
                 (v.exited - v.entered).total_seconds() * 1000.0 if v.exited is not None else None,
                 v.attempts if v.state_type == "Task" else 0, _outcome(v, status))
        for v in visits)
    retries = sum(max(r.attempts - 1, 0) for r in runs)
    return Execution(name, start, end, status, len(runs), retries, runs)


def _is_history(events: list[Any]) -> bool:
    """Whether a list holds Step Functions history events (not log events)."""
    first = events[0] if events else None
    if not isinstance(first, dict) or not isinstance(first.get("type"), str) or "message" in first:
        return False
    kind: str = first["type"]
    return ("id" in first or "previousEventId" in first or kind.startswith("Execution")
            or kind.endswith(("StateEntered", "StateExited"))) and not kind.startswith("platform.")


def _split_executions(events: list[tuple[dict[str, Any], datetime]]) -> list[list[tuple[dict[str, Any], datetime]]]:
    """Cut a history at each ``ExecutionStarted`` (a file may hold several executions' events)."""
    ids = [e.get("id") for e, _ in events]
    if len(ids) > 1 and isinstance(ids[0], int) and isinstance(ids[-1], int) and ids[0] > ids[-1]:
        events = events[::-1]  # --reverse-order output
    runs: list[list[tuple[dict[str, Any], datetime]]] = []
    for item in events:
        if item[0]["type"] == "ExecutionStarted" or not runs:
            runs.append([])
        runs[-1].append(item)
    return runs


@dataclass
class _Sink:
    """Collects one file's records while its lines are read."""

    source: str
    function: str | None
    reports: list[Report] = field(default_factory=list)
    executions: list[Execution] = field(default_factory=list)
    unparsed: int = 0
    sample: list[str] = field(default_factory=list)
    other: int = 0
    timed_out: set[str] = field(default_factory=set)  # request ids with a "Task timed out" line
    stem: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.stem = _stem(self.source)

    def fail(self, line: int, text: str) -> None:
        """Count an unreadable record and keep it as a sample."""
        self.unparsed += 1
        if len(self.sample) < SAMPLE_SIZE:
            self.sample.append(f"{self.source}:{line}: {text.strip()[:SAMPLE_CHARS]}")

    def name(self, group: str | None) -> str:
        return self.function or group or self.stem

    # -- text and JSON records -------------------------------------------------------------------

    def message(self, text: str, line: int, group: str | None, when: datetime | None) -> None:
        """One log message: a REPORT line, a JSON record, a timeout notice or an application line."""
        s = text.strip()
        if not s:
            return
        if s[0] == "{":
            try:
                obj = json.loads(s)
            except ValueError:
                self._undecodable(s, line)
                return
            self.document(obj, line, group, when)
            return
        if "REPORT" in s:
            head = _REPORT_HEAD.match(s)
            if head is not None:
                self.report_line(s, head.end(), line, group, _iso(head.group("ts")) or when)
                return
        if "Task timed out" in s:
            found = _TIMEOUT.search(s)
            if found is not None:
                self.timed_out.add(found.group(1))
        self.other += 1

    def _undecodable(self, text: str, line: int) -> None:
        if any(hint in text for hint in _RECORD_HINTS) or text in ("{", "["):
            self.fail(line, text)
        else:
            self.other += 1

    def report_line(self, text: str, at: int, line: int, group: str | None, when: datetime | None) -> None:
        """A REPORT line whose fields start at ``text[at:]`` (layout: the Lambda docs cited above)."""
        fast = _REPORT_FAST.match(text, at)
        if fast is not None:
            rid, dur, billed, mem, used, init_ms = fast.groups()
            self.reports.append(Report(self.name(group), when, rid, float(dur), int(billed), int(mem), int(used),
                                       float(init_ms) if init_ms is not None else None, "success", self.source, line))
            return
        f = _report_fields(text[at:])
        try:
            max_used = f.get("Max Memory Used")
            init = f.get("Init Duration")
            report = Report(
                self.name(group), when, f.get("RequestId"), float(f["Duration"]), _int(f["Billed Duration"]),
                _int(f["Memory Size"]), _int(max_used) if max_used is not None else None,
                float(init) if init is not None else None, _STATUS.get(f.get("Status", "success").lower(), "error"),
                self.source, line)
        except (KeyError, ValueError):
            self.fail(line, text)
            return
        self.reports.append(report)

    def platform_report(self, obj: dict[str, Any], line: int, group: str | None) -> None:
        """A JSON ``platform.report`` record (telemetry schema reference, cited above)."""
        record = obj.get("record")
        metrics = record.get("metrics") if isinstance(record, dict) else None
        if not isinstance(record, dict) or not isinstance(metrics, dict):
            self.fail(line, json.dumps(obj)[: SAMPLE_CHARS + 10])
            return
        try:
            max_used, init = metrics.get("maxMemoryUsedMB"), metrics.get("initDurationMs")
            rid = record.get("requestId")
            report = Report(
                self.name(group), _iso(obj.get("time")), rid if isinstance(rid, str) else None,
                float(metrics["durationMs"]), int(metrics["billedDurationMs"]), int(metrics["memorySizeMB"]),
                int(max_used) if max_used is not None else None, float(init) if init is not None else None,
                _STATUS.get(str(record.get("status", "success")).lower(), "error"), self.source, line)
        except (KeyError, TypeError, ValueError):
            self.fail(line, json.dumps(obj)[: SAMPLE_CHARS + 10])
            return
        self.reports.append(report)

    def document(self, obj: Any, line: int, group: str | None, when: datetime | None) -> None:
        """A decoded JSON value: an export document, a list of them, or one record."""
        if isinstance(obj, list):
            if _is_history(obj):
                self.history(obj, line, None)
            else:
                for i, item in enumerate(obj, 1):
                    self.document(item, i, group, when)
            return
        if not isinstance(obj, dict):
            self.other += 1
            return
        events, key = (obj.get("events"), "logGroupName") if "events" in obj else (obj.get("logEvents"), "logGroup")
        if isinstance(events, list):
            if _is_history(events):
                name = obj.get("executionArn") or obj.get("name")
                self.history(events, line, name if isinstance(name, str) else None)
            else:
                self.log_events(events, _group_function(obj.get(key)) or group)
            return
        self.record(obj, line, group, when)

    def record(self, obj: dict[str, Any], line: int, group: str | None, when: datetime | None) -> None:
        """One JSON record: a Lambda JSON-format log line, a log event or an Insights row."""
        kind = obj.get("type")
        if kind == "platform.report":
            self.platform_report(obj, line, group)
        elif isinstance(obj.get("@message"), str):
            self.message(obj["@message"], line, _group_function(obj.get("@log")) or group,
                         _iso(obj.get("@timestamp")) or when)
        elif isinstance(obj.get("message"), str) and not isinstance(kind, str):
            self.message(obj["message"], line, group, _time(obj.get("timestamp"), 1000.0) or when)
        else:
            self.other += 1

    def log_events(self, events: list[Any], group: str | None) -> None:
        """``filter-log-events``/``get-log-events`` events: each ``{"timestamp": ms, "message": ...}``."""
        for i, event in enumerate(events, 1):
            if not isinstance(event, dict) or not isinstance(event.get("message"), str):
                self.fail(i, json.dumps(event)[: SAMPLE_CHARS + 10])
                continue
            self.message(event["message"], i, group, _time(event.get("timestamp"), 1000.0))

    def history(self, events: list[Any], line: int, name: str | None) -> None:
        """``get-execution-history`` events: one or several executions."""
        good: list[tuple[dict[str, Any], datetime]] = []
        for event in events:
            ts = _time(event.get("timestamp"), 1.0) if isinstance(event, dict) else None
            if ts is None or not isinstance(event.get("type"), str):
                self.fail(line, json.dumps(event)[: SAMPLE_CHARS + 10])
                continue
            good.append((event, ts))
        runs = _split_executions(good)
        for run in runs:
            label = name if name and len(runs) == 1 else f"{self.source}#{len(self.executions) + 1}"
            self.executions.append(_build_execution(run, label))

    # -- whole files --------------------------------------------------------------------------------

    def lines(self, text: str) -> None:
        """Read ``text`` line by line; JSON documents may span lines or share one."""
        decoder = json.JSONDecoder()
        pos, line, n = 0, 1, len(text)
        while pos < n:
            nl = text.find("\n", pos)
            end = n if nl < 0 else nl
            segment = text[pos:end]
            s = segment.strip()
            if s and s[0] in "{[":
                jump = self._json_at(text, pos + segment.index(s[0]), s, line, decoder)
                if jump is not None:
                    line += text.count("\n", pos, jump)
                    pos = jump
                    continue
            elif s:
                self.message(s, line, None, None)
            pos, line = end + 1, line + 1

    def _json_at(self, text: str, start: int, s: str, line: int, decoder: json.JSONDecoder) -> int | None:
        """Read the JSON starting at ``start``; the offset to continue from when it ran past the line."""
        try:
            obj = json.loads(s)
        except ValueError:
            pass
        else:
            self.document(obj, line, None, None)
            return None
        try:
            obj, stop = decoder.raw_decode(text, start)
        except ValueError:
            if s in ("{", "["):  # a multi-line document that does not decode: skip past it
                self.fail(line, s + " (JSON document does not decode)")
                found = _RESUME.search(text, start + 1)
                return found.start() if found else len(text)
            if s[0] == "[":
                self.other += 1  # ``[ERROR] ...`` application lines
            else:
                self._undecodable(s, line)
            return None
        self.document(obj, line, None, None)
        return stop

    def csv_rows(self, text: str) -> None:
        """A CloudWatch Logs Insights CSV export: ``@timestamp,@message[,@log,@logStream]``."""
        reader = csv.reader(io.StringIO(text))
        try:
            header = next(reader)
            col = {name.strip(): i for i, name in enumerate(header)}
            line = reader.line_num + 1
            for row in reader:
                first, line = line, reader.line_num + 1
                if not any(cell.strip() for cell in row):
                    continue
                if col["@message"] >= len(row):
                    self.fail(first, ",".join(row))
                    continue
                self.message(row[col["@message"]], first, _group_function(_cell(row, col, "@log")),
                             _iso(_cell(row, col, "@timestamp")))
        except csv.Error as err:
            self.fail(reader.line_num, f"CSV error: {err}")

    def result(self) -> Parsed:
        reports = tuple(replace(r, status="timeout") if r.status == "success" and r.request_id in self.timed_out
                        else r for r in self.reports)
        return Parsed(reports, tuple(self.executions), self.unparsed, tuple(self.sample), self.other)


def _cell(row: list[str], col: dict[str, int], key: str) -> str | None:
    """The ``key`` column of a CSV row, or None when the export has no such column."""
    i = col.get(key)
    return row[i] if i is not None and i < len(row) else None


def _is_insights_csv(text: str) -> bool:
    first = text.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    return "@message" in first and "," in first and first.lstrip('"').startswith("@")


def _parse(text: str, source: str, function: str | None) -> Parsed:
    sink = _Sink(Path(source).name, function)
    if _is_insights_csv(text):
        sink.csv_rows(text.lstrip("\ufeff"))
    else:
        sink.lines(text.lstrip("\ufeff"))
    return sink.result()


def _nothing_found(where: str, text: str, parsed: Parsed) -> InputError:
    read = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
    extra = f"; {parsed.unparsed} could not be read, e.g. {parsed.unparsed_sample[0]}" if parsed.unparsed else ""
    return InputError(where, f"no Lambda REPORT line or Step Functions history found (read {read} lines{extra})")


def parse_text(text: str, source: str, function: str | None = None) -> Parsed:
    """Read one file's content.

    Parameters
    ----------
    text
        The file's decoded content, in any of the formats in the module docstring, mixed freely.
    source
        The file's name, kept in each record and used for the function name when no other is known.
    function
        Function name to give every REPORT; by default the export's log group, else ``source``'s stem.

    Returns
    -------
    Parsed
        The records found, with counts of unreadable and skipped lines.

    Raises
    ------
    InputError
        Naming ``source`` when it holds no REPORT record and no execution history.

    Examples
    --------
    >>> p = parse_text("REPORT RequestId: r1\\tDuration: 102.25 ms\\tBilled Duration: 103 ms\\t"
    ...                "Memory Size: 128 MB\\tMax Memory Used: 67 MB", "etl-extract.log")
    >>> p.reports[0].function, p.reports[0].billed_ms, p.reports[0].init_ms
    ('etl-extract', 103, None)
    """
    parsed = _parse(text, source, function)
    if not parsed.reports and not parsed.executions:
        raise _nothing_found(source, text, parsed)
    return parsed


def _read(path: Path) -> str:
    """A file's text, gunzipped when it starts with the gzip magic bytes."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(str(path), "file not found") from None
    except OSError as err:
        raise InputError(str(path), f"cannot be read ({err.strerror or err})") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise InputError(str(path), f"not a readable gzip file ({err})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not UTF-8 text (byte {err.start}); expected an exported log") from None


def parse_files(paths: Sequence[str | Path], function: str | None = None) -> Parsed:
    """Read exported logs from files, plain or gzip-compressed.

    Parameters
    ----------
    paths
        Files in any of the formats in the module docstring; gzip is detected by its magic bytes.
    function
        Function name to give every REPORT (see :func:`parse_text`).

    Returns
    -------
    Parsed
        All files' records concatenated, counts summed, at most five unparsed samples.

    Raises
    ------
    InputError
        Naming the file that is missing, unreadable, or holds no REPORT record and no execution history.
    """
    if not paths:
        raise InputError("paths", "no log file given; pass one or more exported log files")
    parts: list[Parsed] = []
    for raw in paths:
        path = Path(raw)
        text = _read(path)
        parsed = _parse(text, path.name, function)
        if not parsed.reports and not parsed.executions:
            raise _nothing_found(str(path), text, parsed)
        parts.append(parsed)
    return Parsed(
        tuple(r for p in parts for r in p.reports),
        tuple(e for p in parts for e in p.executions),
        sum(p.unparsed for p in parts),
        tuple(s for p in parts for s in p.unparsed_sample)[:SAMPLE_SIZE],
        sum(p.other_lines for p in parts),
    )
