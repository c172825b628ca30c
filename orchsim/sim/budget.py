"""How big a simulation is before it runs: an estimate of documents, events, time and memory, and
a budget a run must fit (or ``force``).

The estimate is arithmetic on the scenario (nothing is drawn or allocated), so a run that would not
fit the machine is refused before its first array exists. Its constants are measured by the
simulation benchmark (``make bench`` prints bytes and CPU microseconds per document beside them);
they are deliberately on the high side: an estimate is usually within 2x of the run, above it
more often than below.

>>> from orchsim.model.scenario import load_scenario
>>> sc = load_scenario("seed-article")
>>> est = estimate_run(sc, ["sfn-standard"])
>>> round(est.documents), est.fits(RunBudget())
(10000, True)
>>> big = sc.with_overrides({"workload.docs_per_day": 1e9, "window_hours": 8784})
>>> estimate_run(big, ["sfn-standard"]).fits(RunBudget())
False
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from orchsim.errors import InputError
from orchsim.model.inspect import inspect_definition
from orchsim.model.rates import expected_arrivals, peak_rate_per_s
from orchsim.model.scenario import Scenario

__all__ = ["RunBudget", "RunEstimate", "RunTooLarge", "estimate_run", "combine", "check_budget", "DETAIL_DOCS"]

DETAIL_DOCS = 100_000
"""Default cap on the documents whose every invocation attempt a ``detail=True`` run keeps
(:func:`orchsim.sim.run.simulate`'s ``detail_docs``)."""

PROCESS_BYTES = 150e6
"""Resident memory of a process that has imported the simulation (NumPy, pandas, SimPy): 120 MB
measured with ``/usr/bin/time`` on CPython 3.11, rounded up."""
DOC_BYTES = 70.0
STEP_DOC_BYTES = 20.0
"""Memory per document while a run is going: arrival time, per-document accumulators and the
common random numbers of each step (``DOC_BYTES + STEP_DOC_BYTES x steps``; measured with
tracemalloc: 100, 161 and 420-587 bytes at 1, 5 and 20 steps)."""
RUN_BYTES = 4e6
"""Memory of a run whatever its size (the engine, random-number blocks, result), measured 2.6 MB."""
CANDIDATE_BYTES = 24.0
"""Transient memory per arrival candidate drawn before thinning (diurnal and burst arrivals)."""
DETAIL_DOC_BYTES = 130.0
DETAIL_ROW_BYTES = 150.0
"""With ``detail``: the per-document table, and each kept invocation row (columns, then frame)."""
CPU_S_PER_DOC = 8e-6
CPU_S_PER_ATTEMPT = {"lambda-chain-sync": 12e-6, "lambda-chain-async": 8e-6, "sfn-standard": 8e-6, "sfn-express": 8e-6,
                     "lambda-durable": 9e-6}
"""CPU seconds per document and per invocation attempt (measured 4-13 us per attempt on a 2-core
cloud VM; the sync chain holds its callers' stacks, so it costs more per attempt; a durable function's
step costs about 10% more than a Standard Task: 0.91 against 0.82 s for a day of the seed scenario at
20,000 documents/day)."""


@dataclass(frozen=True)
class RunBudget:
    """The most a run may use before it is refused (``force`` runs it anyway).

    Attributes
    ----------
    memory_gb
        Peak resident memory, GB (default 2).
    minutes
        CPU time, minutes (default 10).
    """

    memory_gb: float = 2.0
    minutes: float = 10.0

    def __post_init__(self) -> None:
        for name, value, high in (("memory_gb", self.memory_gb, 1e6), ("minutes", self.minutes, 1e7)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not (0 < value <= high) or value != value:
                raise InputError(f"budget.{name}", f"must be a number > 0 and <= {high:g}; got {value!r}")


@dataclass(frozen=True)
class RunEstimate:
    """What a simulation would take.

    Attributes
    ----------
    documents
        Expected documents per run (the integral of the arrival rate over the window).
    runs
        Simulation runs (patterns x replications, or points x patterns x replications).
    attempts
        Expected Lambda invocation attempts over all runs (the simulation's main events).
    seconds
        Estimated CPU seconds over all runs, divided among ``workers``.
    peak_bytes
        Estimated peak resident memory of one process (the largest run, plus detail tables kept).
    workers
        Processes the runs are spread over.
    replications
        Runs per pattern (and point).
    """

    documents: float
    runs: int
    attempts: float
    seconds: float
    peak_bytes: float
    workers: int = 1
    replications: int = 1

    def fits(self, budget: RunBudget) -> bool:
        """Whether the run fits ``budget``.

        Parameters
        ----------
        budget
            Memory and time allowed.

        Returns
        -------
        bool
            True when both the peak memory (all workers) and the time fit.
        """
        return self.peak_bytes * self.workers <= budget.memory_gb * 1e9 and self.seconds <= budget.minutes * 60.0

    def describe(self) -> str:
        """One line: documents, runs, events, time and memory.

        Returns
        -------
        str
            For example ``about 10,000 documents x 4 runs, 200,000 invocation attempts: about
            2 s and 0.15 GB``.
        """
        per = "" if self.workers == 1 else f" on {self.workers} workers"
        return (f"about {_count(self.documents)} documents x {self.runs:,} run{'s' if self.runs != 1 else ''}, "
                f"{_count(self.attempts)} invocation attempts: {_duration(self.seconds)}{per} "
                f"and {self.peak_bytes * self.workers / 1e9:,.2f} GB")


class RunTooLarge(InputError):
    """A run refused because its estimate is over the budget (an :class:`InputError`: exit 2)."""


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e7 else f"{n:.2g}"


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s"
    if seconds < 120:
        return f"about {seconds:,.0f} s"
    if seconds < 7200:
        return f"about {seconds / 60:,.0f} min"
    if seconds < 2 * 86_400:
        return f"about {seconds / 3600:,.1f} h"
    return f"about {seconds / 86_400:,.3g} days"


def _attempts_per_doc(scenario: Scenario) -> float:
    """Expected invocation attempts per document: each step tried until it succeeds, up to the
    retry policy's attempts (fatal errors end the document, which the estimate ignores: high side)."""
    total = 0.0
    cap = max(scenario.retry.max_attempts, scenario.chain.async_max_retries + 1, scenario.lambda_.sdk_max_attempts)
    if scenario.pipeline.definition is not None:
        # An imported workflow: every state entered costs about what an attempt does, twice over
        # (a SimPy process step per state, a child process per branch and item).
        wf = scenario.pipeline.runnable()
        means = {name: wf.map_mean(name) for name in wf.map_items}
        doc = inspect_definition(wf.definition, choices=scenario.pipeline.choices, map_items=means)["per_document"]
        worst = max((min(s.error_rate, 0.999) for s in wf.steps), default=0.0)
        return 2.0 * float(doc["state_transitions"]) * sum(worst**i for i in range(cap))
    for step in scenario.steps():
        e = min(step.error_rate, 0.999)
        total += sum(e**i for i in range(cap))
    return total


def estimate_run(
    scenario: Scenario,
    patterns: Sequence[str],
    *,
    replications: int = 1,
    detail: bool = False,
    detail_docs: int = DETAIL_DOCS,
    workers: int = 1,
) -> RunEstimate:
    """Estimate a simulation's size from the scenario alone (no draws, no allocation).

    Parameters
    ----------
    scenario
        The scenario to run.
    patterns
        Patterns it runs under (in one process, one after the other).
    replications
        Runs per pattern.
    detail
        Whether per-document and per-invocation tables are kept (and held until the end).
    detail_docs
        With ``detail``, the documents whose invocations are kept.
    workers
        Processes the runs are spread over (time is divided, memory multiplied).

    Returns
    -------
    RunEstimate
        Documents, runs, attempts, CPU seconds and peak memory.
    """
    window_s = scenario.window_hours * 3600.0
    docs = expected_arrivals(scenario.workload, window_s)
    candidates = peak_rate_per_s(scenario.workload) * window_s
    steps = len(scenario.steps())
    per_doc = _attempts_per_doc(scenario)
    runs = max(len(patterns), 1) * max(replications, 1)
    seconds = sum(docs * (CPU_S_PER_DOC + per_doc * CPU_S_PER_ATTEMPT.get(p, 12e-6)) for p in patterns) * max(replications, 1)
    run_bytes = RUN_BYTES + docs * (DOC_BYTES + STEP_DOC_BYTES * steps) + candidates * CANDIDATE_BYTES
    kept = 0.0
    if detail:
        kept = runs * (docs * DETAIL_DOC_BYTES + min(docs, float(detail_docs)) * per_doc * DETAIL_ROW_BYTES)
    workers = max(int(workers), 1)
    return RunEstimate(
        documents=docs,
        runs=runs,
        attempts=docs * per_doc * runs,
        seconds=seconds / min(workers, runs),
        peak_bytes=PROCESS_BYTES + run_bytes + kept,
        workers=min(workers, runs),
        replications=max(replications, 1),
    )


def combine(estimates: Sequence[RunEstimate], workers: int = 1) -> RunEstimate:
    """The estimate of many runs (a sweep's points) spread over ``workers`` processes.

    Parameters
    ----------
    estimates
        One per task (each run in one process).
    workers
        Processes running the tasks at once.

    Returns
    -------
    RunEstimate
        Mean documents per run, total runs and attempts, CPU seconds divided among the workers,
        the largest task's peak memory (times the workers, in :meth:`RunEstimate.fits`).
    """
    if not estimates:
        return RunEstimate(0.0, 0, 0.0, 0.0, PROCESS_BYTES)
    runs = sum(e.runs for e in estimates)
    busy = max(min(int(workers), len(estimates)), 1)
    return RunEstimate(
        documents=sum(e.documents * e.runs for e in estimates) / max(runs, 1),
        runs=runs,
        attempts=sum(e.attempts for e in estimates),
        seconds=sum(e.seconds * e.workers for e in estimates) / busy,
        peak_bytes=max(e.peak_bytes for e in estimates),
        workers=busy,
        replications=max(e.replications for e in estimates),
    )


def check_budget(
    estimate: RunEstimate, budget: RunBudget, scenario: Scenario, *, force: bool = False, hint: str = "", fewer: str = ""
) -> None:
    """Refuse a run whose estimate is over ``budget``, saying what would fit.

    Parameters
    ----------
    estimate
        From :func:`estimate_run`.
    budget
        Memory and time allowed.
    scenario
        The scenario (its window is scaled in the suggestion).
    force
        Run anyway: never refuse.
    hint
        How to go on anyway, for the message (default: ``force=True``).
    fewer
        What else to cut, for the message (default: replications or patterns, when there are several).

    Raises
    ------
    RunTooLarge
        One line: the estimate, the budget, the longest window that fits, and the alternatives.
    """
    if force or estimate.fits(budget):
        return
    room = budget.memory_gb * 1e9 / estimate.workers - PROCESS_BYTES
    used = estimate.peak_bytes - PROCESS_BYTES
    share = min(room / used if used > 0 else math.inf, budget.minutes * 60.0 / estimate.seconds if estimate.seconds > 0 else math.inf)
    window = scenario.window_hours * max(share, 0.0)
    fit = f"window_hours <= {window:.3g}" if window >= 1e-3 else "a far smaller window_hours or docs_per_day"
    more = f", fewer {fewer}" if fewer else ""
    if not fewer and estimate.replications > 1:
        more = ", fewer replications"
    elif not fewer and estimate.runs > 1:
        more = ", fewer patterns"
    raise RunTooLarge(
        "run size",
        f"{estimate.describe()}, over the budget of {budget.memory_gb:g} GB and {budget.minutes:g} min; "
        f"what fits: {fit}{more}, or the analytic engine (orchsim compare / estimate()); "
        f"or go on anyway with {hint or 'force=True'}",
    )
