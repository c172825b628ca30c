"""Reading exported AWS logs (orchsim.fit.parse): every format, mixed, compressed, and broken input.

Lines are hand-written after AWS's documented layouts:
- REPORT text lines: https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html and
  https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html
- JSON log format ``platform.report``: https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html
- filter-log-events / get-log-events output: https://docs.aws.amazon.com/cli/latest/reference/logs/filter-log-events.html
- Execution histories: https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
  and https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html
"""

from __future__ import annotations

import gzip
import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orchsim.errors import InputError
from orchsim.fit.parse import Execution, Parsed, Report, parse_files, parse_text

LOGS = Path(__file__).parent / "data" / "logs"
RID = "3a0bd9f4-6e2c-4c5a-9a41-0f2b7c1d8e01"
TAB = (f"REPORT RequestId: {RID}\tDuration: 102.25 ms\tBilled Duration: 103 ms\tMemory Size: 128 MB\t"
       "Max Memory Used: 67 MB\tInit Duration: 180.06 ms\t")
WARM = f"REPORT RequestId: {RID}\tDuration: 2.05 ms\tBilled Duration: 3 ms\tMemory Size: 1152 MB\tMax Memory Used: 76 MB\t"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _one(text: str, source: str = "fn.log") -> Report:
    parsed = parse_text(text, source)
    assert len(parsed.reports) == 1, f"expected one REPORT in {text!r}, got {parsed.reports}"
    return parsed.reports[0]


# -- format 1: plain-text REPORT lines -------------------------------------------------------------


def test_text_fixture_reads_every_report_and_skips_the_rest() -> None:
    p = parse_files([LOGS / "etl-extract.log"])
    assert [r.line for r in p.reports] == [4, 8, 12, 16, 17], "REPORT lines at 4, 8, 12, 16, 17"
    assert {r.function for r in p.reports} == {"etl-extract"}, "function name from the file name stem"
    assert [r.status for r in p.reports] == ["success", "success", "error", "timeout", "timeout"]
    cold, old_era = p.reports[0], p.reports[1]
    assert (cold.duration_ms, cold.billed_ms, cold.memory_mb, cold.max_memory_used_mb, cold.init_ms) == (
        102.25, 103, 128, 67, 180.06)
    assert (old_era.duration_ms, old_era.billed_ms, old_era.memory_mb, old_era.init_ms) == (718.65, 800, 1024, None)
    assert cold.request_id == RID and cold.source == "etl-extract.log" and cold.timestamp is None
    assert p.unparsed == 1 and p.unparsed_sample[0].startswith("etl-extract.log:18: REPORT RequestId: 9f5024e9")
    assert p.other_lines == 12, "START/END/XRAY/application/timeout lines are counted as other"


@pytest.mark.parametrize("sep", ["\t", " ", " \t", "  "])
def test_tab_or_space_separated(sep: str) -> None:
    line = TAB.replace("\t", sep)
    r = _one(line)
    assert (r.duration_ms, r.billed_ms, r.memory_mb, r.max_memory_used_mb, r.init_ms) == (102.25, 103, 128, 67, 180.06)


def test_warm_start_has_no_init() -> None:
    r = _one(WARM)
    assert r.init_ms is None and r.billed_ms == 3 and r.memory_mb == 1152
    with pytest.raises(FrozenInstanceError):
        r.billed_ms = 4  # type: ignore[misc]
    assert not hasattr(r, "__dict__"), "records use slots"


def test_status_fields() -> None:
    err = _one(WARM + "Status: error\tError Type: Runtime.ExitError")
    timeout = _one(WARM.replace("\t", " ") + "Status: timeout")
    assert (err.status, timeout.status) == ("error", "timeout")
    assert err.max_memory_used_mb == 76, "fields before Status still read"


def test_timed_out_line_marks_its_request_only() -> None:
    other = "0b1c2d3e-0000-4000-8000-000000000000"
    text = "\n".join([TAB, WARM.replace(RID, other), f"2025-09-01T12:00:03.005Z {RID} Task timed out after 3.00 seconds"])
    p = parse_text(text, "fn.log")
    assert [r.status for r in p.reports] == ["timeout", "success"], "the timeout line names the first request"


def test_timestamp_prefix_is_utc() -> None:
    assert _one("2025-09-01T12:00:00.123Z " + TAB).timestamp == _at("2025-09-01T12:00:00.123")
    shifted = _one("2025-09-01T14:00:00.123+02:00\t" + TAB).timestamp
    assert shifted == _at("2025-09-01T12:00:00.123") and shifted is not None and shifted.utcoffset().total_seconds() == 0


def test_aws_logs_tail_prefix_with_stream() -> None:
    r = _one(f"2025-09-01T12:00:00.123000+00:00 2025/09/01/[$LATEST]0a1b2c3d {TAB}")
    assert r.timestamp == _at("2025-09-01T12:00:00.123") and r.init_ms == 180.06


def test_fields_printed_as_decimals() -> None:
    r = _one("REPORT RequestId: r Duration: 395.99 ms Billed Duration: 662 ms Memory Size: 512 MB Max Memory Used: 301.0 MB "
             "Init Duration: 265.72 ms")
    assert (r.billed_ms, r.max_memory_used_mb, r.init_ms) == (662, 301, 265.72)


@pytest.mark.parametrize("bad", [
    "REPORT RequestId: r\tDuration: 1.0 ms\tMemory Size: 128 MB",  # no Billed Duration
    "REPORT RequestId: r\tDuration: fast ms\tBilled Duration: 2 ms\tMemory Size: 128 MB",
    "2025-09-01T12:00:00.123Z REPORT RequestId: r",
])
def test_malformed_report_is_unparsed_with_sample(bad: str) -> None:
    p = parse_text(f"{TAB}\n{bad}\n", "fn.log")
    assert p.unparsed == 1 and len(p.reports) == 1
    assert p.unparsed_sample == (f"fn.log:2: {bad}",), "the sample is the line as written"


def test_unparsed_sample_keeps_five_of_120_chars() -> None:
    bad = "REPORT RequestId: " + "x" * 300
    p = parse_text("\n".join([TAB] + [bad] * 8), "fn.log")
    assert p.unparsed == 8 and len(p.unparsed_sample) == 5
    assert p.unparsed_sample[0] == f"fn.log:2: {bad[:120]}"


def test_report_word_in_application_text_is_not_a_report() -> None:
    init_report = "INIT_REPORT Init Duration: 10000.00 ms\tPhase: init\tStatus: timeout"
    p = parse_text(f"{TAB}\nINFO building REPORT for customer\nREPORTS ready\n{init_report}\n", "fn.log")
    assert (len(p.reports), p.unparsed, p.other_lines) == (1, 0, 3)


def test_snapstart_fields_and_crlf() -> None:
    snap = (f"REPORT RequestId: {RID}\tDuration: 20.00 ms\tBilled Duration: 121 ms\tMemory Size: 512 MB\t"
            "Max Memory Used: 90 MB\tRestore Duration: 300.00 ms\tBilled Restore Duration: 100 ms\t")
    p = parse_text(f"START RequestId: {RID}\r\n{snap}\r\n", "fn.log")
    assert (p.reports[0].billed_ms, p.reports[0].init_ms, p.reports[0].line, p.other_lines) == (121, None, 2, 1)


# -- format 2: JSON log format -------------------------------------------------------------------


def test_json_log_format_fixture() -> None:
    p = parse_files([LOGS / "lambda-json.log"])
    assert [r.status for r in p.reports] == ["success", "error", "timeout"]
    cold, warm = p.reports[0], p.reports[1]
    assert (cold.duration_ms, cold.billed_ms, cold.memory_mb, cold.max_memory_used_mb, cold.init_ms) == (
        102.25, 103, 512, 67, 180.06)
    assert warm.init_ms is None and cold.timestamp == _at("2025-09-01T12:00:00.283") and cold.line == 5
    assert p.unparsed == 1 and p.unparsed_sample[0].startswith("lambda-json.log:8: "), "report without metrics"
    assert p.other_lines == 4, "initStart, start, function log and runtimeDone are other lines"


# -- format 3: Logs Insights CSV -----------------------------------------------------------------


def test_insights_csv_names_the_function_from_log() -> None:
    p = parse_files([LOGS / "insights.csv"])
    assert [r.function for r in p.reports] == ["etl-load"] * 3
    assert [r.line for r in p.reports] == [2, 6, 8], "line where each (multi-line) row starts"
    assert p.reports[0].timestamp == _at("2025-09-01T12:00:00.283") and p.reports[0].init_ms == 400.5
    assert p.reports[2].timestamp == _at("2025-09-01T12:00:02"), "the JSON record's own time wins"
    assert (p.other_lines, p.unparsed) == (1, 0)


def test_insights_csv_without_log_column_and_function_override() -> None:
    text = '@timestamp,@message\n2025-09-01 12:00:00.000,"' + TAB + '"\n2025-09-01 12:00:01.000\n'
    p = parse_text(text, "export.csv")
    assert p.reports[0].function == "export" and p.unparsed == 1, "a row without a message is unparsed"
    assert parse_text(text, "export.csv", function="etl").reports[0].function == "etl"


# -- format 4: filter-log-events / get-log-events --------------------------------------------------


def test_filter_log_events() -> None:
    p = parse_files([LOGS / "filter-log-events.json"])
    assert [r.request_id for r in p.reports] == ["33333333-4444-4555-8666-777777777701",
                                                 "33333333-4444-4555-8666-777777777702"]
    assert p.reports[0].timestamp == _at("2025-09-01T12:00:00.323") and p.reports[0].line == 2
    assert p.reports[0].function == "filter-log-events" and p.other_lines == 1


def test_get_log_events_with_a_broken_event() -> None:
    p = parse_files([LOGS / "get-log-events.json"])
    assert len(p.reports) == 1 and p.reports[0].billed_ms == 100
    assert p.unparsed == 1 and p.unparsed_sample[0].startswith("get-log-events.json:3: "), "event without a message"


def test_log_group_name_and_several_documents() -> None:
    doc = {"logGroupName": "/aws/lambda/etl-embed", "events": [{"timestamp": 1756728000000, "message": TAB}]}
    one_per_line = json.dumps(doc) + "\n" + json.dumps(doc) + "\n"
    concatenated = json.dumps(doc, indent=2) + json.dumps(doc, indent=2) + json.dumps(doc) + json.dumps(doc)
    assert [r.function for r in parse_text(one_per_line, "x.json").reports] == ["etl-embed"] * 2
    assert len(parse_text(concatenated, "x.json").reports) == 4
    assert parse_text(one_per_line, "x.json", function="mine").reports[0].function == "mine"


# -- format 5: Step Functions execution histories ------------------------------------------------


def test_history_with_retry_and_catch() -> None:
    p = parse_files([LOGS / "history-retry-catch.json"])
    (ex,) = p.executions
    assert (ex.name, ex.status, ex.transitions, ex.retries) == ("history-retry-catch.json#1", "succeeded", 4, 1)
    assert ex.start == _at("2025-09-01T12:00:00") and ex.end == _at("2025-09-01T12:00:03.050")
    extract, transform, handler, done = ex.states
    assert (extract.state, extract.state_type, extract.attempts, extract.outcome) == ("Extract", "Task", 2, "succeeded")
    assert extract.duration_ms == pytest.approx(2000.0)
    assert (transform.attempts, transform.outcome) == (1, "caught"), "failed then left through a Catch"
    assert (handler.state_type, handler.attempts, handler.outcome) == ("Pass", 0, "succeeded")
    assert (done.state_type, done.outcome) == ("Succeed", "succeeded") and p.reports == ()


def _event(i: int, kind: str, t: float, name: str | None = None, prev: int | None = None) -> dict[str, Any]:
    """A history event at ``t`` seconds past 2025-09-01T12:00:00Z (epoch seconds, as some CLI configs print)."""
    ev: dict[str, Any] = {"timestamp": 1756728000.0 + t, "type": kind, "id": i, "previousEventId": i - 1 if prev is None else prev}
    if name is not None:
        key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
        ev[key] = {"name": name}
    return ev


def _history(end: str | None, last: str = "LambdaFunctionSucceeded") -> list[dict[str, Any]]:
    events = [_event(1, "ExecutionStarted", 0), _event(2, "TaskStateEntered", 0.1, "Load"),
              _event(3, "LambdaFunctionScheduled", 0.2), _event(4, "LambdaFunctionStarted", 0.3), _event(5, last, 1.0)]
    if end is not None:
        events.append(_event(6, end, 1.5))
    return events


def test_many_executions_in_one_file() -> None:
    failed, running = _history("ExecutionFailed", "LambdaFunctionTimedOut"), _history(None)
    as_list = json.dumps([{"events": failed}, {"events": running}])
    concatenated = json.dumps({"events": failed}, indent=1) + "\n" + json.dumps({"events": running}, indent=1)
    one_history = json.dumps({"events": failed + running})
    for text in (as_list, concatenated, one_history):
        p = parse_text(text, "sfn.json")
        assert [e.status for e in p.executions] == ["failed", "running"], text[:40]
        assert [e.name for e in p.executions] == ["sfn.json#1", "sfn.json#2"]
        assert [e.states[0].outcome for e in p.executions] == ["timed_out", "running"]
        assert p.executions[0].end == datetime.fromtimestamp(1756728001.5, UTC) and p.executions[1].end is None
        assert p.executions[0].states[0].exited is None and p.executions[0].states[0].duration_ms is None


def test_execution_arn_and_reverse_order() -> None:
    doc = {"executionArn": "arn:aws:states:us-east-1:1:execution:etl:run-1", "events": _history("ExecutionAborted")[::-1]}
    (ex,) = parse_text(json.dumps(doc), "h.json").executions
    assert (ex.name, ex.status, ex.states[0].outcome) == (doc["executionArn"], "aborted", "failed")
    assert ex.start == datetime.fromtimestamp(1756728000.0, UTC)


def _map_history(with_ids: bool) -> list[dict[str, Any]]:
    """A Map state running two iterations of ``Work`` at once; the second finishes first."""
    ev = [_event(1, "ExecutionStarted", 0), _event(2, "MapStateEntered", 0.0, "Fanout"),
          _event(3, "MapStateStarted", 0.0), _event(4, "MapIterationStarted", 0.0, prev=3),
          _event(5, "TaskStateEntered", 0.1, "Work", prev=4), _event(6, "MapIterationStarted", 0.1, prev=3),
          _event(7, "TaskStateEntered", 0.2, "Work", prev=6), _event(8, "LambdaFunctionScheduled", 0.2, prev=5),
          _event(9, "LambdaFunctionScheduled", 0.3, prev=7), _event(10, "LambdaFunctionFailed", 0.4, prev=9),
          _event(11, "LambdaFunctionScheduled", 0.5, prev=10), _event(12, "LambdaFunctionSucceeded", 0.6, prev=11),
          _event(13, "TaskStateExited", 0.7, "Work", prev=12), _event(14, "LambdaFunctionSucceeded", 0.9, prev=8),
          _event(15, "TaskStateExited", 1.0, "Work", prev=14), _event(16, "MapStateSucceeded", 1.1, prev=15),
          _event(17, "MapStateExited", 1.2, "Fanout"), _event(18, "ExecutionSucceeded", 1.3)]
    if not with_ids:
        for e in ev:
            del e["id"], e["previousEventId"]
    return ev


def test_map_iterations_pair_by_event_chain() -> None:
    (ex,) = parse_text(json.dumps({"events": _map_history(True)}), "m.json").executions
    fanout, first, second = ex.states
    assert (fanout.state_type, fanout.outcome, fanout.attempts) == ("Map", "succeeded", 0)
    assert fanout.duration_ms == pytest.approx(1200.0)
    assert (first.attempts, first.duration_ms) == (1, pytest.approx(900.0)), "iteration 1: 0.1 s -> 1.0 s"
    assert (second.attempts, second.duration_ms) == (2, pytest.approx(500.0)), "iteration 2: 0.2 s -> 0.7 s, one retry"
    assert (ex.transitions, ex.retries) == (3, 1)


def test_map_iterations_without_ids_pair_in_order() -> None:
    (ex,) = parse_text(json.dumps(_map_history(False)), "m.json").executions
    assert [s.state for s in ex.states] == ["Fanout", "Work", "Work"]
    assert all(s.outcome == "succeeded" and s.exited is not None for s in ex.states)
    assert ex.states[1].exited == datetime.fromtimestamp(1756728000.7, UTC), "first exit closes the first entered"


def test_history_event_without_time_is_unparsed() -> None:
    events = _history("ExecutionSucceeded")
    del events[3]["timestamp"]
    p = parse_text(json.dumps({"events": events}), "h.json")
    assert p.unparsed == 1 and p.executions[0].status == "succeeded"


# -- mixed, compressed, broken -----------------------------------------------------------------------


def test_formats_mixed_line_by_line() -> None:
    json_report = {"time": "2025-09-01T12:00:01.000Z", "type": "platform.report",
                   "record": {"requestId": "j", "metrics": {"durationMs": 5.0, "billedDurationMs": 5,
                                                            "memorySizeMB": 128, "maxMemoryUsedMB": 40}}}
    events = {"events": [{"timestamp": 1756728002000, "message": WARM}]}
    text = "\n".join([
        "START RequestId: r Version: $LATEST",
        "2025-09-01T12:00:00.000Z " + TAB,
        json.dumps(json_report),
        json.dumps(events, indent=2),
        "[INFO]\t2025-09-01T12:00:03.000Z\tr\tdone",
        json.dumps({"events": _history("ExecutionSucceeded")}),
        "{not json at all",
        '{"type": "platform.report", "record": {broken',
        WARM,
    ])
    p = parse_text(text, "mixed.log")
    assert [r.line for r in p.reports] == [2, 3, 1, 16], "the events document's REPORT is its record 1"
    assert [r.timestamp for r in p.reports][:3] == [_at("2025-09-01T12:00:00"), _at("2025-09-01T12:00:01"),
                                                    _at("2025-09-01T12:00:02")]
    assert len(p.executions) == 1 and p.executions[0].status == "succeeded"
    assert p.unparsed == 1 and p.unparsed_sample[0].startswith("mixed.log:15: "), "broken platform.report line"
    assert p.other_lines == 3, "START, [INFO] and the non-JSON brace line"


def test_broken_multiline_document_is_unparsed_and_skipped() -> None:
    text = '{\n  "events": [\n    {"timestamp": 1, "message": "x"\n}\n' + TAB + "\n"
    p = parse_text(text, "x.json")
    assert p.unparsed == 1 and len(p.reports) == 1 and p.reports[0].line == 5


@pytest.mark.parametrize("name", ["etl-extract.log.gz", "etl-extract.log"])
def test_gzip_detected_by_magic_bytes(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(gzip.compress((LOGS / "etl-extract.log").read_bytes()))
    p = parse_files([path])
    assert len(p.reports) == 5 and p.reports[0].function == "etl-extract" and p.reports[0].source == name


def test_files_are_concatenated(tmp_path: Path) -> None:
    p = parse_files([LOGS / "etl-extract.log", str(LOGS / "lambda-json.log"), LOGS / "history-retry-catch.json"])
    assert isinstance(p, Parsed) and all(isinstance(e, Execution) for e in p.executions)
    assert (len(p.reports), len(p.executions), p.unparsed, p.other_lines) == (8, 1, 2, 16)
    assert [s.split(":")[0] for s in p.unparsed_sample] == ["etl-extract.log", "lambda-json.log"]
    assert {r.function for r in parse_files([LOGS / "etl-extract.log"], function="f").reports} == {"f"}


def test_file_with_nothing_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("START RequestId: r\nhello\nREPORT RequestId: r\n")
    with pytest.raises(InputError) as err:
        parse_files([LOGS / "etl-extract.log", path])
    assert str(path) in str(err.value) and "read 3 lines" in str(err.value) and "1 could not be read" in str(err.value)
    with pytest.raises(InputError, match="empty.log"):
        parse_text("", "empty.log")


def test_missing_and_undecodable_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no log file given"):
        parse_files([])
    with pytest.raises(InputError, match="nope.log: file not found"):
        parse_files([tmp_path / "nope.log"])
    binary = tmp_path / "blob.log"
    binary.write_bytes(b"\xff\xfe\x00REPORT")
    with pytest.raises(InputError, match="blob.log: not UTF-8"):
        parse_files([binary])
    truncated = tmp_path / "cut.gz"
    truncated.write_bytes(gzip.compress(TAB.encode())[:12])
    with pytest.raises(InputError, match="cut.gz: not a readable gzip"):
        parse_files([truncated])
