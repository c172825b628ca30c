"""Fit a scenario profile to parsed production logs: what ``orchsim fit LOGS...`` reports and writes.

:func:`fit_logs` turns :class:`orchsim.fit.parse.Parsed` records into a :class:`FitResult`: per
Lambda function (in order of first appearance) the invocations, duration percentiles, a lognormal
fitted by maximum likelihood with its Kolmogorov-Smirnov distance, cold-start, error and timeout
fractions, memory (with a right-sizing hint) and the share of ``Billed Duration`` values orchsim's
billing rules reproduce; per Step Functions state the same duration figures, attempts and outcomes;
and the arrival rate and shape. :meth:`FitResult.to_json` is the ``--json`` document,
:func:`format_fit` the text table, :func:`write_profile` the ``--out`` profile (YAML plus one CSV of
observed durations per function or state) and :func:`merge_profile` puts a profile into a scenario.

Arrival times (an assumption): with two or more execution histories, each execution's start; else each REPORT
of the first function seen, at its logged time minus its duration and its init duration (a REPORT
line is written when the invocation ends).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from orchsim.errors import InputError
from orchsim.fit.parse import Execution, Parsed, Report, StateRun
from orchsim.fit.stats import ArrivalFit, billed_ms_reproduced, fit_arrivals, fit_lognormal, summarise_durations
from orchsim.model.scenario import Scenario, scenario_from_dict
from orchsim.yamlfile import read_yaml

__all__ = ["DurationFit", "ExecutionsFit", "FitResult", "FunctionFit", "StateFit", "fit_logs", "format_fit",
           "merge_profile", "write_profile"]

HEADROOM = 1.2  # right-sizing: suggested memory covers the p99 of Max Memory Used times this
MEMORY_STEP_MB = 64  # right-sizing: suggested memory is a multiple of this
MEMORY_FLOOR_MB = 128  # Lambda's smallest memory setting
MAX_DOCS_PER_DAY = 1e9  # a scenario's largest workload.docs_per_day
RIGHT_SIZING_NOTE = ("a hint only: Lambda gives CPU in proportion to memory, so a smaller setting may run "
                     "longer; the saving assumes the same durations")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class DurationFit:
    """Durations of one function or state and the distribution fitted to them.

    Attributes
    ----------
    values_ms
        The observed durations, ms, in log order (the ``empirical`` distribution resamples them).
    summary
        ``p50``, ``p95``, ``p99`` and ``mean``, ms.
    dist
        ``"lognormal"`` (maximum likelihood, location 0), or ``"fixed"`` with fewer than 2 distinct values.
    median_ms, p95_ms
        The fitted distribution's median and 95th percentile, ms.
    ks
        Kolmogorov-Smirnov distance between the values and the fit (0 for ``fixed``).
    """

    values_ms: tuple[float, ...]
    summary: dict[str, float]
    dist: str
    median_ms: float
    p95_ms: float
    ks: float

    def scenario_dist(self) -> dict[str, Any]:
        """The scenario's ``duration`` mapping: ``{dist: lognormal, median_ms, p95_ms}`` or ``{dist: fixed, ms}``."""
        if self.dist == "fixed":
            return {"dist": "fixed", "ms": _round(self.median_ms)}
        return {"dist": "lognormal", "median_ms": _round(self.median_ms), "p95_ms": _round(self.p95_ms)}

    def to_json(self) -> dict[str, Any]:
        """``{"duration_ms": {...}, "fit": {"dist", "median_ms", "p95_ms", "ks"}, "empirical": {"n"}}``."""
        return {"duration_ms": dict(self.summary),
                "fit": {"dist": self.dist, "median_ms": self.median_ms, "p95_ms": self.p95_ms, "ks": self.ks},
                "empirical": {"n": len(self.values_ms)}}


def fit_durations(values_ms: Sequence[float], timed_out: Sequence[bool] | None = None) -> DurationFit:
    """Summarise durations and fit a lognormal (``fixed`` when fewer than 2 distinct values).

    Parameters
    ----------
    values_ms
        At least one finite duration, ms.
    timed_out
        One flag per duration: True where the invocation timed out (its duration is a lower bound:
        the fit treats it as right-censored).

    Returns
    -------
    DurationFit
        Percentiles, mean and the fitted distribution.
    """
    values = tuple(float(v) for v in values_ms)
    summary = summarise_durations(values)
    if len(set(values)) < 2:
        return DurationFit(values, summary, "fixed", values[0], values[0], 0.0)
    fit = fit_lognormal(values, timed_out)
    return DurationFit(values, summary, "lognormal", fit.median_ms, fit.p95_ms, fit.ks)


@dataclass(frozen=True)
class FunctionFit:
    """What the REPORT lines of one Lambda function say.

    Attributes
    ----------
    name
        Function name.
    invocations
        REPORT lines read.
    durations
        Durations (``Duration``, ms) and their fit.
    cold_start_fraction
        Share of lines with an ``Init Duration``.
    init_ms_mean
        Mean ``Init Duration`` of those lines, ms; None without cold starts.
    error_fraction, timeout_fraction
        Shares of lines with status ``error`` and ``timeout``.
    timeout_s
        The longest duration of a timed-out invocation, s (the function's timeout); None without timeouts.
    memory_mb
        Configured memory, MB: the most common value (the first seen among equals).
    memory_mb_seen
        Every configured memory seen, ascending.
    max_memory_used_mb
        Largest ``Max Memory Used``, MB; None when no line gives it.
    max_memory_p99_mb
        99th percentile of ``Max Memory Used``, MB; None when no line gives it.
    suggested_memory_mb
        ``max(128, ceil(p99 * 1.2 / 64) * 64)`` when below ``memory_mb``, else None.
    billed_ms_reproduced
        Share of lines whose ``Billed Duration`` :func:`orchsim.fit.stats.billed_ms_reproduced` reproduces.
    billed_rules
        Lines per rule that reproduced them (``1ms``, ``1ms+init``, ``100ms``, ``100ms+init``, ``none``).
    """

    name: str
    invocations: int
    durations: DurationFit
    cold_start_fraction: float
    init_ms_mean: float | None
    error_fraction: float
    timeout_fraction: float
    timeout_s: float | None
    memory_mb: int
    memory_mb_seen: tuple[int, ...]
    max_memory_used_mb: int | None
    max_memory_p99_mb: float | None
    suggested_memory_mb: int | None
    billed_ms_reproduced: float
    billed_rules: dict[str, int]

    @property
    def saving_fraction(self) -> float:
        """Share of GB-s the suggested memory would save at the same durations (0 without a suggestion)."""
        return 0.0 if self.suggested_memory_mb is None else 1.0 - self.suggested_memory_mb / self.memory_mb

    def to_json(self) -> dict[str, Any]:
        """This function's entry of ``FitResult.to_json()["functions"]``."""
        out: dict[str, Any] = {"invocations": self.invocations, **self.durations.to_json(),
                               "cold_start_fraction": self.cold_start_fraction, "init_ms_mean": self.init_ms_mean,
                               "error_fraction": self.error_fraction, "timeout_fraction": self.timeout_fraction,
                               "timeout_s": self.timeout_s, "memory_mb": self.memory_mb,
                               "memory_mb_seen": list(self.memory_mb_seen), "max_memory_used_mb": self.max_memory_used_mb,
                               "max_memory_p99_mb": self.max_memory_p99_mb,
                               "billed_ms_reproduced": self.billed_ms_reproduced, "billed_rules": dict(self.billed_rules)}
        if self.suggested_memory_mb is not None:
            out["right_sizing"] = {"suggested_memory_mb": self.suggested_memory_mb,
                                   "gb_s_saving_fraction": self.saving_fraction, "note": RIGHT_SIZING_NOTE}
        return out


def fit_function(name: str, reports: Sequence[Report]) -> FunctionFit:
    """Fit one function's REPORT records (at least one).

    Parameters
    ----------
    name
        The function's name.
    reports
        Its records.

    Returns
    -------
    FunctionFit
        Its figures.
    """
    n = len(reports)
    inits = [r.init_ms for r in reports if r.init_ms is not None]
    timeouts = [r.duration_ms for r in reports if r.status == "timeout"]
    memory = Counter(r.memory_mb for r in reports).most_common(1)[0][0]
    used = [r.max_memory_used_mb for r in reports if r.max_memory_used_mb is not None]
    p99_used = float(np.percentile(used, 99)) if used else None
    suggested = None
    if p99_used is not None:
        s = max(MEMORY_FLOOR_MB, math.ceil(p99_used * HEADROOM / MEMORY_STEP_MB) * MEMORY_STEP_MB)
        suggested = s if s < memory else None
    checks = [billed_ms_reproduced(r.duration_ms, r.billed_ms, r.init_ms, r.timestamp) for r in reports]
    return FunctionFit(
        name=name, invocations=n, durations=fit_durations([r.duration_ms for r in reports], [r.status == "timeout" for r in reports]),
        cold_start_fraction=len(inits) / n, init_ms_mean=float(np.mean(inits)) if inits else None,
        error_fraction=sum(r.status == "error" for r in reports) / n, timeout_fraction=len(timeouts) / n,
        timeout_s=min(max(timeouts) / 1000.0, 900.0) if timeouts else None,
        memory_mb=memory, memory_mb_seen=tuple(sorted({r.memory_mb for r in reports})),
        max_memory_used_mb=max(used) if used else None, max_memory_p99_mb=p99_used, suggested_memory_mb=suggested,
        billed_ms_reproduced=sum(ok for ok, _ in checks) / n, billed_rules=dict(Counter(rule for _, rule in checks)),
    )


@dataclass(frozen=True)
class StateFit:
    """What the histories say of one Step Functions state.

    Attributes
    ----------
    name, state_type
        State name and type (``Task``, ``Pass``, ...).
    visits
        Times it was entered.
    durations
        Its visits' durations (entered to exited, ms; for a Task its single-attempt visits when there
        are any, so retry waits stay out) and their fit; None when no visit exited.
    attempts_mean
        Mean attempts per visit (Task states; 0 for others).
    retry_fraction
        Share of visits with more than one attempt.
    error_rate
        Failed attempts / attempts (a retried attempt failed; the last one failed when the visit
        ended ``failed``, ``caught`` or ``timed_out``); 0 for states with no attempts.
    outcomes
        Share of visits per outcome.
    """

    name: str
    state_type: str
    visits: int
    durations: DurationFit | None
    attempts_mean: float
    retry_fraction: float
    error_rate: float
    outcomes: dict[str, float]

    def to_json(self) -> dict[str, Any]:
        """This state's entry of ``FitResult.to_json()["executions"]["states"]``."""
        timing = self.durations.to_json() if self.durations else {"duration_ms": None, "fit": None, "empirical": {"n": 0}}
        return {"type": self.state_type, "visits": self.visits, **timing, "attempts_mean": self.attempts_mean,
                "retry_fraction": self.retry_fraction, "error_rate": self.error_rate, "outcomes": dict(self.outcomes)}


def fit_state(name: str, runs: Sequence[StateRun]) -> StateFit:
    """Fit one state's visits (at least one)."""
    n = len(runs)
    attempts = sum(r.attempts for r in runs)
    failed = sum(max(r.attempts - 1, 0) + (r.attempts > 0 and r.outcome in ("failed", "caught", "timed_out"))
                 for r in runs)
    single = [r.duration_ms for r in runs if r.duration_ms is not None and r.attempts <= 1]
    timed = single or [r.duration_ms for r in runs if r.duration_ms is not None]
    return StateFit(name=name, state_type=runs[0].state_type, visits=n,
                    durations=fit_durations(timed) if timed else None, attempts_mean=attempts / n,
                    retry_fraction=sum(r.attempts > 1 for r in runs) / n,
                    error_rate=failed / attempts if attempts else 0.0,
                    outcomes={k: c / n for k, c in Counter(r.outcome for r in runs).items()})


@dataclass(frozen=True)
class ExecutionsFit:
    """Step Functions executions: counts per execution and per state.

    Attributes
    ----------
    executions
        Executions read.
    transitions_per_execution, retries_per_execution
        Means per execution (None without executions).
    status
        Share of executions per status.
    states
        Per state, in order of first entry.
    """

    executions: int
    transitions_per_execution: float | None
    retries_per_execution: float | None
    status: dict[str, float]
    states: dict[str, StateFit]

    def to_json(self) -> dict[str, Any]:
        """``FitResult.to_json()["executions"]``."""
        return {"executions": self.executions, "transitions_per_execution": self.transitions_per_execution,
                "retries_per_execution": self.retries_per_execution, "status": dict(self.status),
                "states": {k: s.to_json() for k, s in self.states.items()}}


def fit_executions(executions: Sequence[Execution]) -> ExecutionsFit:
    """Fit execution histories (none gives an empty fit)."""
    n = len(executions)
    if not n:
        return ExecutionsFit(0, None, None, {}, {})
    runs: dict[str, list[StateRun]] = {}
    for ex in executions:
        for run in ex.states:
            runs.setdefault(run.state, []).append(run)
    return ExecutionsFit(n, sum(e.transitions for e in executions) / n, sum(e.retries for e in executions) / n,
                         {k: c / n for k, c in Counter(e.status for e in executions).items()},
                         {name: fit_state(name, rs) for name, rs in runs.items()})


@dataclass(frozen=True)
class FitResult:
    """Everything ``orchsim fit`` found in a set of logs.

    Attributes
    ----------
    functions
        Per Lambda function, in order of first appearance.
    executions
        Step Functions executions and states.
    arrivals
        Documents per day and arrival shape; None with fewer than 2 arrival times.
    arrivals_note
        Where the arrival times came from, or why there is no arrival fit.
    window
        First and last time seen (UTC), or None when the logs give no time.
    unparsed, unparsed_sample, other_lines
        As :class:`orchsim.fit.parse.Parsed` counts them.
    reports
        REPORT records read (the profile header counts them).
    sources
        The files the REPORT records came from, in order.
    """

    functions: dict[str, FunctionFit]
    executions: ExecutionsFit
    arrivals: ArrivalFit | None
    arrivals_note: str
    window: tuple[datetime, datetime] | None
    unparsed: int
    unparsed_sample: tuple[str, ...]
    other_lines: int
    reports: int = 0
    sources: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """The ``orchsim fit --json`` document (every number finite, every fraction in [0, 1]).

        Returns
        -------
        dict
            ``functions``, ``executions``, ``arrivals``, ``unparsed_lines``, ``unparsed_sample``,
            ``other_lines`` and ``window`` (``start``, ``end``: ISO 8601 UTC, or None).
        """
        arrivals = None
        if self.arrivals is not None:
            a = self.arrivals
            arrivals = {"kind": a.kind, "docs_per_day": a.docs_per_day, "evidence": a.evidence, "params": dict(a.params)}
        out = {"functions": {k: f.to_json() for k, f in self.functions.items()},
               "executions": self.executions.to_json(),
               "arrivals": arrivals, "arrivals_note": self.arrivals_note,
               "unparsed_lines": self.unparsed, "unparsed_sample": list(self.unparsed_sample),
               "other_lines": self.other_lines,
               "window": {"start": _iso(self.window[0]) if self.window else None,
                          "end": _iso(self.window[1]) if self.window else None}}
        _check_numbers(out, "")
        return out

    def profile(self, csv_stem: str) -> dict[str, Any]:
        """The profile ``--out`` writes: scenario keys (``workload``, ``pipeline``) and the ``fit`` evidence.

        ``pipeline.steps`` lists the functions in order of first appearance (``name``, ``memory_mb``,
        ``duration``, ``init_ms`` when cold starts were seen, ``error_rate``, ``timeout_s`` when
        timeouts were seen); ``pipeline.states`` gives each Task state's ``duration`` and
        ``error_rate`` (per attempt). ``workload`` is present when arrivals were fitted.
        ``fit.empirical`` names, per function and state, the CSV of its observed durations
        (``{dist: empirical, file: <csv_stem>-<name>.csv}``, relative to the profile's folder).

        Parameters
        ----------
        csv_stem
            Start of the CSV file names (the profile's file stem).

        Returns
        -------
        dict
            Plain data, ready for YAML.
        """
        pipeline: dict[str, Any] = {}
        if self.functions:
            pipeline["steps"] = [_step_entry(f) for f in self.functions.values()]
        tasks = {k: s for k, s in self.executions.states.items() if s.state_type == "Task" and s.durations}
        if tasks:
            pipeline["states"] = {k: {"duration": s.durations.scenario_dist(), "error_rate": _round(s.error_rate)}
                                  for k, s in tasks.items() if s.durations is not None}
        out: dict[str, Any] = {}
        if self.arrivals is not None:
            out["workload"] = {"docs_per_day": _round(min(self.arrivals.docs_per_day, MAX_DOCS_PER_DAY)),
                               "arrival": dict(self.arrivals.params)}
        out["pipeline"] = pipeline
        files = self.csv_files(csv_stem)
        out["fit"] = {
            "window": {"start": _iso(self.window[0]) if self.window else None,
                       "end": _iso(self.window[1]) if self.window else None},
            "arrivals": ({"kind": self.arrivals.kind, "evidence": self.arrivals.evidence} if self.arrivals
                         else {"kind": None, "evidence": self.arrivals_note}),
            "empirical": {name: {"dist": "empirical", "file": fname} for name, (fname, _) in files.items()},
            "functions": {k: {"invocations": f.invocations, "ks": _round(f.durations.ks),
                              "billed_ms_reproduced": _round(f.billed_ms_reproduced),
                              **({"suggested_memory_mb": f.suggested_memory_mb} if f.suggested_memory_mb else {})}
                          for k, f in self.functions.items()},
            "unparsed_lines": self.unparsed,
        }
        return out

    def csv_files(self, csv_stem: str) -> dict[str, tuple[str, tuple[float, ...]]]:
        """Per function, then per Task state: the CSV file name (unique, filesystem-safe) and its durations."""
        named: list[tuple[str, tuple[float, ...]]] = [(k, f.durations.values_ms) for k, f in self.functions.items()]
        named += [(k, s.durations.values_ms) for k, s in self.executions.states.items()
                  if s.state_type == "Task" and s.durations is not None and k not in self.functions]
        out: dict[str, tuple[str, tuple[float, ...]]] = {}
        used: set[str] = set()
        for name, values in named:
            base = f"{csv_stem}-{_SAFE.sub('_', name)}"
            fname, i = f"{base}.csv", 2
            while fname.lower() in used:
                fname, i = f"{base}-{i}.csv", i + 1
            used.add(fname.lower())
            out[name] = (fname, values)
        return out


def fit_logs(parsed: Parsed) -> FitResult:
    """Fit everything ``orchsim fit`` reports to parsed logs.

    Parameters
    ----------
    parsed
        From :func:`orchsim.fit.parse.parse_files` (or ``parse_text``).

    Returns
    -------
    FitResult
        Per function, per state, arrivals, window and the unparsed count.

    Raises
    ------
    InputError
        When there is nothing to fit, or a fitted lognormal falls outside a scenario's range.
    """
    if not parsed.reports and not parsed.executions:
        raise InputError("logs", "no Lambda REPORT line or Step Functions history to fit")
    by_fn: dict[str, list[Report]] = {}
    for r in parsed.reports:
        by_fn.setdefault(r.function, []).append(r)
    functions = {name: fit_function(name, rs) for name, rs in by_fn.items()}
    arrivals, note = _arrivals(parsed, by_fn)
    times = [r.timestamp for r in parsed.reports if r.timestamp is not None]
    times += [t for e in parsed.executions for t in (e.start, e.end) if t is not None]
    return FitResult(functions=functions, executions=fit_executions(parsed.executions), arrivals=arrivals,
                     arrivals_note=note, window=(min(times), max(times)) if times else None,
                     unparsed=parsed.unparsed, unparsed_sample=parsed.unparsed_sample,
                     other_lines=parsed.other_lines, reports=len(parsed.reports),
                     sources=tuple(dict.fromkeys(r.source for r in parsed.reports)))


def _arrivals(parsed: Parsed, by_fn: dict[str, list[Report]]) -> tuple[ArrivalFit | None, str]:
    """Arrival fit and where its times came from: the execution start times or the first function's
    invocations (each at its REPORT time minus its duration and init), whichever gives more times (a
    history export is often a sample of the executions). A failed invocation of the first function is
    not counted: it is retried, and its retry arrives as another invocation of the same document."""
    starts = [e.start for e in parsed.executions]
    first = next(iter(by_fn), None)
    invoked = [r.timestamp - timedelta(milliseconds=r.duration_ms + (r.init_ms or 0.0))
               for r in by_fn[first] if r.timestamp is not None and r.status == "success"] if first is not None else []
    if len(starts) >= len(invoked) and starts:
        times, where = starts, f"{len(starts)} execution start times"
    elif invoked:
        times = invoked
        where = (f"{len(times)} successful invocations of {first} (the first function seen), each at its REPORT "
                 "time minus its duration and init duration")
    else:
        times, where = [], "no timed records"
    if len(times) < 2:
        return None, f"no arrival fit: {where}; at least 2 timed arrivals needed"
    return fit_arrivals(times), f"arrivals from {where}"


def _step_entry(f: FunctionFit) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": f.name[:64], "memory_mb": min(max(f.memory_mb, 128), 10_240),
                             "duration": f.durations.scenario_dist()}
    if f.init_ms_mean is not None:
        entry["init_ms"] = _round(min(f.init_ms_mean, 600_000.0))
    entry["error_rate"] = _round(f.error_fraction)
    if f.timeout_s is not None:
        entry["timeout_s"] = _round(max(f.timeout_s, 0.001))
    return entry


def _round(x: float) -> float:
    """``x`` to 6 significant digits (profiles stay readable)."""
    return float(f"{x:.6g}")


def _iso(t: datetime) -> str:
    return t.isoformat().replace("+00:00", "Z")


def _check_numbers(obj: Any, path: str) -> None:
    """Every float finite, every ``*_fraction``, ``outcomes`` and ``status`` share in [0, 1] (else ValueError)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            where = f"{path}.{k}" if path else str(k)
            _check_numbers(v, where)
            share = str(k).endswith(("_fraction", "_reproduced", "error_rate")) or path.endswith((".outcomes", ".status"))
            if share and isinstance(v, float) and not 0.0 <= v <= 1.0:
                raise ValueError(f"{where} = {v!r}: a fraction must be in [0, 1]")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_numbers(v, f"{path}[{i}]")
    elif isinstance(obj, float) and not math.isfinite(obj):
        raise ValueError(f"{path} = {obj!r}: every number must be finite")


# --- the profile on disk ------------------------------------------------------------------------


def write_profile(result: FitResult, out: Path) -> tuple[Path, tuple[Path, ...]]:
    """Write the profile YAML and, beside it, one CSV of observed durations per function and Task state.

    Parameters
    ----------
    result
        From :func:`fit_logs`.
    out
        The YAML file to write (its folder must exist); CSVs are ``<stem>-<name>.csv`` with a
        ``duration_ms`` header, one duration (ms) a line, as ``{dist: empirical, file: ...}`` reads.

    Returns
    -------
    tuple
        The YAML path and the CSV paths.

    Raises
    ------
    InputError
        ``--out`` when the folder does not exist or a file cannot be written.
    """
    out = Path(out)
    if not out.parent.is_dir():
        raise InputError("--out", f"folder {str(out.parent)!r} does not exist; accepted: a file in an existing folder")
    profile = result.profile(out.stem)
    window = profile["fit"]["window"]
    span = f"{window['start']} to {window['end']}" if window["start"] else "an untimed window"
    counted = [f"{result.reports:,} REPORT lines" if result.reports else "",
               f"{result.executions.executions:,} executions" if result.executions.executions else ""]
    header = (f"# Fitted by `orchsim fit` from {' and '.join(c for c in counted if c)} over {span}.\n"
              "# workload and pipeline merge into a scenario (orchsim.fit.profile.merge_profile); fit is the evidence.\n")
    csvs: list[Path] = []
    try:
        for fname, values in result.csv_files(out.stem).values():
            path = out.parent / fname
            path.write_text("duration_ms\n" + "".join(f"{v:.6g}\n" for v in values), encoding="utf-8")
            csvs.append(path)
        out.write_text(header + yaml.safe_dump(profile, sort_keys=False, width=110), encoding="utf-8")
    except OSError as exc:
        raise InputError("--out", f"cannot write {str(out)!r}: {exc.strerror or exc}") from None
    return out, tuple(csvs)


def merge_profile(scenario: Scenario, profile: dict[str, Any] | Path | str, *, empirical: bool = False) -> Scenario:
    """A scenario with a fitted profile's ``workload`` and ``pipeline`` merged in.

    A linear scenario takes the profile's ``pipeline.steps`` (each over the scenario's
    ``pipeline.step`` template), or, without them, its Task states in order as steps. A scenario with
    ``pipeline.definition`` takes ``pipeline.states`` merged over its own per-state keys (and steps
    whose names are Task states of the definition). ``workload.docs_per_day`` and
    ``workload.arrival`` replace the scenario's when the profile has them.

    Parameters
    ----------
    scenario
        The scenario to calibrate (left unchanged).
    profile
        A profile mapping (:meth:`FitResult.profile`) or its YAML file; relative ``file:`` references
        are resolved against the file's folder (the working directory for a mapping).
    empirical
        Use the observed durations (``fit.empirical``) instead of the fitted distributions.

    Returns
    -------
    Scenario
        The validated calibrated scenario.

    Raises
    ------
    InputError
        For an unreadable profile, or one whose entries do not fit the scenario (naming the key).
    """
    folder = Path.cwd()
    if not isinstance(profile, dict):
        folder = Path(profile).resolve().parent
        profile = read_yaml(profile, "profile", "profile")
        if not isinstance(profile, dict):
            raise InputError("profile", "must be a mapping with pipeline (and workload) keys, as orchsim fit --out writes")
    pipe: dict[str, Any] = profile["pipeline"] if isinstance(profile.get("pipeline"), dict) else {}
    steps = [dict(s) for s in pipe.get("steps", []) if isinstance(s, dict)]
    states = {k: dict(v) for k, v in (pipe.get("states") or {}).items() if isinstance(v, dict)}
    fit_section: dict[str, Any] = profile["fit"] if isinstance(profile.get("fit"), dict) else {}
    if empirical:
        files = fit_section.get("empirical") or {}
        for name, entry in [*((s.get("name"), s) for s in steps), *states.items()]:
            if isinstance(files.get(name), dict):
                entry["duration"] = dict(files[name])
    for entry in [*steps, *states.values()]:
        dist = entry.get("duration")
        if isinstance(dist, dict) and isinstance(dist.get("file"), str) and not Path(dist["file"]).is_absolute():
            entry["duration"] = {**dist, "file": str((folder / dist["file"]).resolve())}
    data = scenario.to_dict()
    if isinstance(profile.get("workload"), dict):
        data["workload"] = {**data["workload"], **profile["workload"]}
    if scenario.pipeline.definition is None:
        if not steps:
            steps = [{"name": k[:64], **v} for k, v in states.items()]
        if not steps:
            raise InputError("profile", "has no pipeline.steps or pipeline.states to merge")
        data["pipeline"] = {**data["pipeline"], "steps": steps}
    else:
        tasks = set(scenario.pipeline.runnable().tasks)
        merged = {**{s["name"]: {k: v for k, v in s.items() if k != "name"} for s in steps if s["name"] in tasks},
                  **states}
        if not merged:
            raise InputError("profile", "names no Task state of the scenario's workflow; accepted: pipeline.states "
                                        f"or steps named {', '.join(sorted(tasks))}")
        own = data["pipeline"].get("states") or {}
        data["pipeline"]["states"] = {**own, **{k: {**own.get(k, {}), **v} for k, v in merged.items()}}
    return scenario_from_dict(data)


# --- text ---------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ms(x: float | None) -> str:
    return "-" if x is None else f"{x:,.1f}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join([r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)])
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    return ["  " + line for line in lines]


def format_fit(result: FitResult) -> str:
    """The text ``orchsim fit`` prints: a table per function, one per state, arrivals, unparsed lines.

    Parameters
    ----------
    result
        From :func:`fit_logs`.

    Returns
    -------
    str
        Lines of text (durations in ms).
    """
    w = result.window
    lines = [f"fitted {result.reports:,} REPORT lines, {result.executions.executions:,} executions"
             + (f" from {_iso(w[0])} to {_iso(w[1])}" if w else " (no timestamps)")]
    if result.functions:
        rows = [["function", "invocations", "p50 ms", "p95 ms", "p99 ms", "fit", "fit median", "fit p95", "KS",
                 "cold", "init ms", "errors", "timeouts", "memory MB", "max used MB", "billed reproduced"]]
        for name, f in result.functions.items():
            d = f.durations
            rows.append([name, f"{f.invocations:,}", _ms(d.summary["p50"]), _ms(d.summary["p95"]), _ms(d.summary["p99"]),
                         d.dist, _ms(d.median_ms), _ms(d.p95_ms), f"{d.ks:.3f}", _pct(f.cold_start_fraction),
                         _ms(f.init_ms_mean), _pct(f.error_fraction), _pct(f.timeout_fraction),
                         f"{f.memory_mb:,}" + ("*" if len(f.memory_mb_seen) > 1 else ""),
                         "-" if f.max_memory_used_mb is None else f"{f.max_memory_used_mb:,}",
                         _pct(f.billed_ms_reproduced)])
        lines += ["", "Lambda functions:", *_table(rows)]
        if any(len(f.memory_mb_seen) > 1 for f in result.functions.values()):
            lines.append("  * several memory settings seen; the most common is shown")
        for name, f in result.functions.items():
            if f.suggested_memory_mb is not None:
                lines.append(f"  right-sizing hint: {name} at {f.suggested_memory_mb:,} MB (p99 used "
                             f"{f.max_memory_p99_mb:,.0f} MB x {HEADROOM:g}) would bill {_pct(f.saving_fraction)} fewer "
                             f"GB-s; {RIGHT_SIZING_NOTE}")
    ex = result.executions
    if ex.executions:
        status = ", ".join(f"{k} {_pct(v)}" for k, v in ex.status.items())
        lines += ["", f"Step Functions: {ex.executions:,} executions ({status}), "
                      f"{ex.transitions_per_execution:.2f} transitions and {ex.retries_per_execution:.2f} retries each"]
        rows = [["state", "type", "visits", "p50 ms", "p95 ms", "fit", "fit median", "fit p95", "KS", "attempts",
                 "retried", "error rate", "outcomes"]]
        for name, s in ex.states.items():
            sd = s.durations
            rows.append([name, s.state_type, f"{s.visits:,}", _ms(sd.summary["p50"] if sd else None),
                         _ms(sd.summary["p95"] if sd else None), sd.dist if sd else "-", _ms(sd.median_ms if sd else None),
                         _ms(sd.p95_ms if sd else None), f"{sd.ks:.3f}" if sd else "-", f"{s.attempts_mean:.2f}",
                         _pct(s.retry_fraction), _pct(s.error_rate),
                         ", ".join(f"{k} {_pct(v)}" for k, v in s.outcomes.items())])
        lines += _table(rows)
    a = result.arrivals
    lines.append("")
    if a is None:
        lines.append(f"arrivals: {result.arrivals_note}")
    else:
        lines.append(f"arrivals: {a.kind}, {a.docs_per_day:,.1f} documents/day ({result.arrivals_note})")
        lines.append(f"  evidence: {a.evidence}")
    lines.append(f"unparsed lines: {result.unparsed:,}")
    lines += [f"  {s}" for s in result.unparsed_sample[:5]]
    return "\n".join(lines)
