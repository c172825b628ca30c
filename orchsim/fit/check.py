"""The bill check: does the fitted scenario reproduce what the logs say AWS billed?

``orchsim fit LOGS --check SCENARIO`` merges the fit into ``SCENARIO`` (:func:`merge_profile`),
simulates it over the logs' window at the observed volume and arrival shape, under the pattern the logs
came from, and puts side by side what the logs record as billed and what orchsim meters:

* Lambda requests: one per REPORT line (every attempt, retries included);
* Lambda GB-seconds: each line's ``Billed Duration`` times its ``Memory Size`` (GB = MB / 1024,
  https://aws.amazon.com/lambda/pricing/);
* Step Functions Standard state transitions (from histories): one per state entered, plus one per
  retry (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-transitions.html), compared
  per execution (a history export is often a sample of the executions: per execution it compares
  whatever the sample).

The simulation is repeated ``replications`` times (independent arrivals and draws); the metered figure
is their mean with a 95% Student-t confidence interval, and the difference is given in percent of the
logged figure with the same interval. A difference whose interval excludes 0 is a real disagreement
(the fit, the arrival shape or the pattern is wrong for these logs), not noise.

>>> from orchsim.fit.parse import parse_files
>>> from orchsim.fit.profile import fit_logs
>>> from orchsim.model.scenario import load_scenario
>>> from orchsim.resources import data_dir
>>> parsed = parse_files([data_dir() / "samples" / "insights.csv"])
>>> check = bill_check(parsed, fit_logs(parsed), load_scenario("seed-article"), "sfn-standard", replications=3)
>>> [row.quantity for row in check.rows]
['Lambda requests', 'Lambda GB-seconds']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from orchsim.errors import InputError
from orchsim.fit.parse import Parsed
from orchsim.fit.profile import FitResult, merge_profile
from orchsim.model.scenario import Scenario, check_pattern
from orchsim.sim.run import simulate

__all__ = ["CheckRow", "BillCheck", "logged_usage", "bill_check", "default_pattern"]

# Two-sided 95% Student-t quantiles by degrees of freedom (1-30); the normal's 1.96 beyond.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def _t975(dof: int) -> float:
    return _T975[dof - 1] if 1 <= dof <= len(_T975) else 1.96


@dataclass(frozen=True)
class CheckRow:
    """One billed quantity, logged against metered.

    Attributes
    ----------
    quantity, unit
        What is compared (``Lambda requests``, ``requests``).
    logged
        What the logs record over their window.
    metered
        orchsim's mean over the replications, same window.
    low, high
        95% confidence interval of ``metered``.
    """

    quantity: str
    unit: str
    logged: float
    metered: float
    low: float
    high: float

    @property
    def diff_pct(self) -> float:
        """(metered - logged) / logged, percent."""
        return 100.0 * (self.metered - self.logged) / self.logged if self.logged else math.nan

    @property
    def diff_interval_pct(self) -> tuple[float, float]:
        """95% interval of :attr:`diff_pct`."""
        if not self.logged:
            return math.nan, math.nan
        return 100.0 * (self.low - self.logged) / self.logged, 100.0 * (self.high - self.logged) / self.logged

    def to_json(self) -> dict[str, Any]:
        lo, hi = self.diff_interval_pct
        return {"quantity": self.quantity, "unit": self.unit, "logged": self.logged, "metered": self.metered,
                "metered_ci95": [self.low, self.high], "diff_pct": self.diff_pct, "diff_pct_ci95": [lo, hi]}


@dataclass(frozen=True)
class BillCheck:
    """The logs' bill against orchsim's metering of the fitted scenario (see the module docstring).

    Attributes
    ----------
    pattern
        The pattern simulated (the one the logs came from).
    scenario
        The fitted scenario that was simulated.
    replications
        Simulations averaged.
    rows
        Totals: requests, GB-seconds and (with histories) transitions.
    functions
        Per function: its requests and GB-seconds rows.
    """

    pattern: str
    scenario: Scenario
    replications: int
    rows: tuple[CheckRow, ...]
    functions: dict[str, tuple[CheckRow, ...]]

    def to_json(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "window_hours": self.scenario.window_hours,
                "docs_per_day": self.scenario.workload.docs_per_day, "replications": self.replications,
                "totals": [r.to_json() for r in self.rows],
                "functions": {name: [r.to_json() for r in rows] for name, rows in self.functions.items()}}

    def format(self) -> str:
        """The side-by-side table ``orchsim fit --check`` prints."""
        sc = self.scenario
        lines = [f"bill check: the fitted scenario simulated as {self.pattern} over the logs' window "
                 f"({sc.window_hours:.2f} h, {sc.workload.docs_per_day:,.0f} documents/day, {sc.workload.arrival.kind} "
                 f"arrivals), {self.replications} replications; metered = mean [95% CI]"]
        rows: list[tuple[str, CheckRow]] = [("total", r) for r in self.rows]
        rows += [(name, r) for name, fn_rows in self.functions.items() for r in fn_rows]
        table = [["", "quantity", "logged", "metered", "95% CI", "difference", "95% CI"]]
        for who, r in rows:
            lo, hi = r.diff_interval_pct
            fmt = "{:,.2f}" if r.logged < 100 else "{:,.1f}"
            table.append([who, r.quantity, fmt.format(r.logged), fmt.format(r.metered),
                          f"{fmt.format(r.low)} to {fmt.format(r.high)}",
                          f"{r.diff_pct:+.2f}%", f"{lo:+.2f}% to {hi:+.2f}%"])
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        for j, row in enumerate(table):
            lines.append("  " + "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
            if j == 0:
                lines.append("  " + "-" * (sum(widths) + 2 * (len(widths) - 1)))
        return "\n".join(lines)


def logged_usage(parsed: Parsed) -> dict[str, dict[str, float]]:
    """What the logs record as billed, per function (``requests``, ``gb_s``) and in total (key ``""``,
    with ``transitions`` from the histories: states entered plus retries).

    >>> from orchsim.fit.parse import parse_text
    >>> line = "REPORT RequestId: 1 Duration: 99.2 ms\\tBilled Duration: 100 ms\\tMemory Size: 2048 MB\\tMax Memory Used: 80 MB"
    >>> logged_usage(parse_text(line, "fn.log"))["fn"]
    {'requests': 1.0, 'gb_s': 0.2}
    """
    out: dict[str, dict[str, float]] = {}
    total = {"requests": 0.0, "gb_s": 0.0}
    for r in parsed.reports:
        fn = out.setdefault(r.function, {"requests": 0.0, "gb_s": 0.0})
        gb_s = r.billed_ms * r.memory_mb / 1024.0 / 1000.0
        fn["requests"] += 1.0
        fn["gb_s"] += gb_s
        total["requests"] += 1.0
        total["gb_s"] += gb_s
    total["transitions"] = float(sum(e.transitions + e.retries for e in parsed.executions))
    out[""] = total
    return out


def default_pattern(parsed: Parsed) -> str:
    """The pattern the logs most likely came from: Standard with execution histories, else the async
    chain (a user with another pattern says so: ``--pattern``)."""
    return "sfn-standard" if parsed.executions else "lambda-chain-async"


def _ci(values: Sequence[float]) -> tuple[float, float, float]:
    a = np.asarray(values, dtype=float)
    mean = float(a.mean())
    if a.size < 2:
        return mean, mean, mean
    half = _t975(a.size - 1) * float(a.std(ddof=1)) / math.sqrt(a.size)
    return mean, mean - half, mean + half


def bill_check(parsed: Parsed, fit: FitResult, scenario: Scenario, pattern: str, *, replications: int = 5) -> BillCheck:
    """Simulate ``scenario`` calibrated by ``fit`` over the logs' window and compare its metering with
    the logs' bill.

    Parameters
    ----------
    parsed, fit
        The logs (:func:`orchsim.fit.parse.parse_files`) and their fit (:func:`orchsim.fit.profile.fit_logs`).
    scenario
        The scenario the fit merges into (its platform settings, retry policy and region stay).
    pattern
        The pattern the logs came from.
    replications
        Independent simulations averaged (2-50).

    Returns
    -------
    BillCheck
        Logged and metered figures with 95% intervals, in total and per function.

    Raises
    ------
    InputError
        When the logs give no window or arrival rate to simulate, or ``replications`` is out of range.
    """
    name = check_pattern(pattern)
    if not 2 <= replications <= 50:
        raise InputError("--replications", f"must be 2-50 (a confidence interval needs at least 2); got {replications}")
    if fit.window is None or fit.arrivals is None:
        raise InputError("--check", "the logs give no timestamps or fewer than 2 arrivals: no window and volume to simulate; "
                                    "accepted: logs with timestamps (a REPORT line prefixed by its time, JSON, CSV or event exports)")
    hours = (fit.window[1] - fit.window[0]).total_seconds() / 3600.0
    if hours <= 0:
        raise InputError("--check", "the logs cover no time (one instant): no window to simulate")
    sc = merge_profile(scenario, fit.profile("check")).with_overrides({"window_hours": hours})
    results = [simulate(sc, name, replication=i, detail=False) for i in range(replications)]
    logged = logged_usage(parsed)

    def row(quantity: str, unit: str, logged_value: float, metered: Sequence[float]) -> CheckRow:
        mean, low, high = _ci(metered)
        return CheckRow(quantity, unit, logged_value, mean, low, high)

    total = logged[""]
    rows = [row("Lambda requests", "requests", total["requests"], [r.metering.lambda_requests for r in results]),
            row("Lambda GB-seconds", "GB-s", total["gb_s"],
                [r.metering.lambda_gb_s_x86_64 + r.metering.lambda_gb_s_arm64 for r in results])]
    if total["transitions"]:
        rows.append(row("Standard transitions per execution", "transitions", total["transitions"] / len(parsed.executions),
                        [r.metering.sfn_transitions / max(r.summary.docs_arrived, 1) for r in results]))
    step_names = [s.name for s in sc.steps()]
    functions: dict[str, tuple[CheckRow, ...]] = {}
    per_step = [_per_step(r, step_names) for r in results]
    for fn, usage in logged.items():
        if not fn or fn not in step_names:
            continue
        functions[fn] = (row("Lambda requests", "requests", usage["requests"], [p[fn][0] for p in per_step]),
                         row("Lambda GB-seconds", "GB-s", usage["gb_s"], [p[fn][1] for p in per_step]))
    return BillCheck(pattern=name, scenario=sc, replications=replications, rows=tuple(rows), functions=functions)


def _per_step(result: Any, names: Sequence[str]) -> dict[str, tuple[float, float]]:
    """(requests, GB-s) per step name of one simulation."""
    steps = result.by_step
    if steps is None:
        return dict.fromkeys(names, (math.nan, math.nan))
    return {str(row["step"]): (float(row["invocations"]), float(row["billed_gb_s"])) for _, row in steps.iterrows()}
