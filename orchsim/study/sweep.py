"""Sweeps: a base scenario times a grid of dotted keys, under several patterns, as one tidy frame.

``sweep(base, {"workload.docs_per_day": [1e3, 1e4], "pipeline.steps": [3, 5]})`` evaluates every
grid point under every pattern (and, for the simulation, every replication) and returns one row per
point x pattern x replication, with the seed and every swept parameter as columns. A point that
fails becomes a row with its ``error``; it does not crash the sweep.

The analytic engine evaluates every point of a region in one vectorised call. The simulation engine
runs points in parallel: local processes by default, or any ``concurrent.futures.Executor`` (a Dask
``distributed.Client`` works too). Each task depends only on its (scenario, replication), so the
numbers are identical whatever the executor. Simulated tasks are cached by
:mod:`orchsim.study.cache` (Parquet files in the user's cache folder, keyed by the scenario, the
patterns, the prices' content and orchsim's source).

>>> from orchsim.model.scenario import load_scenario
>>> df = sweep(load_scenario("seed-article"), {"pipeline.steps": [2, 5]}, patterns=["sfn-standard"])
>>> df["transitions"].round(6).tolist()  # per document: one per step
[2.0, 5.0]
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Scenario
from orchsim.model.workflow import pattern_support
from orchsim.sim.budget import RunBudget, check_budget, combine, estimate_run
from orchsim.study.cache import ResultCache, open_cache, price_fingerprint

__all__ = ["sweep", "expand_grid", "ENGINES"]

ENGINES = ("analytic", "simulate")
"""The engines a sweep can use: closed forms (vectorised) or the SimPy simulation."""


def expand_grid(base: Scenario, grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The cartesian product of ``grid`` as a list of override mappings, keys checked against the schema.

    Parameters
    ----------
    base
        The scenario whose schema the keys must belong to.
    grid
        Dotted scenario keys to lists of values (each key in its own unit, e.g.
        ``workload.docs_per_day`` in documents per day, ``pipeline.step.memory_mb`` in MB).

    Returns
    -------
    list of dict
        One ``{key: value}`` mapping per grid point, the last key varying fastest. NumPy scalars
        become Python numbers.

    Raises
    ------
    InputError
        For an empty grid, a key with no values or a key the schema lacks.

    Examples
    --------
    >>> from orchsim.model.scenario import load_scenario
    >>> expand_grid(load_scenario("seed-article"), {"pipeline.steps": [1, 2], "workload.docs_per_day": [10]})
    [{'pipeline.steps': 1, 'workload.docs_per_day': 10}, {'pipeline.steps': 2, 'workload.docs_per_day': 10}]
    """
    if not grid:
        raise InputError("grid", "the grid is empty: give at least one dotted key with a list of values")
    keys = list(grid)
    values: list[list[Any]] = []
    for key in keys:
        vals = grid[key]
        if isinstance(vals, str | bytes) or not isinstance(vals, Iterable):
            raise InputError(f"grid.{key}", "must be a list of values")
        vals = list(vals)
        if not vals:
            raise InputError(f"grid.{key}", "has no values; give at least one")
        _check_key(base, key, vals[0])
        values.append([v.item() if isinstance(v, np.generic) else v for v in vals])
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]


def _check_key(base: Scenario, key: str, value: Any) -> None:
    try:
        base.with_overrides({key: value})
    except InputError as exc:
        if "unknown key" in exc.message or exc.field == key and "section" in exc.message:
            raise InputError(f"grid.{key}", f"unknown sweep key: {exc.message}") from None


def _simulate_task(scenario: Scenario, patterns: Sequence[str], replication: int, prices: PriceBook) -> list[dict[str, Any]]:
    """One point x replication under every pattern (same draws): the unit of parallel work and of the cache."""
    from orchsim.sim.run import simulate

    # The sweep checked the budget of all its runs before starting any.
    return [simulate(scenario, p, replication=replication, prices=prices, detail=False, force=True).row() for p in patterns]


def _error_rows(patterns: Sequence[str], replication: int, base: Scenario, error: str) -> list[dict[str, Any]]:
    return [{"scenario": base.name, "pattern": p, "seed": base.seed, "replication": replication, "error": error} for p in patterns]


def _executor(executor: Any, workers: int | None) -> tuple[Any, bool]:
    """An Executor to use and whether we own (and must shut down) it."""
    if executor is None:
        return _spawn_pool(workers or os.cpu_count() or 1), True
    if hasattr(executor, "get_executor") and not isinstance(executor, Executor):  # a dask distributed Client
        return executor.get_executor(), False
    if not hasattr(executor, "submit"):
        raise InputError("executor", "must be a concurrent.futures.Executor or a dask.distributed Client")
    return executor, False


def sweep(
    base: Scenario,
    grid: Mapping[str, Sequence[Any]],
    *,
    patterns: Sequence[str] | None = None,
    engine: str = "analytic",
    replications: int = 1,
    executor: Any = None,
    workers: int | None = None,
    prices: str | PriceBook | None = None,
    cache: bool | str | os.PathLike[str] = True,
    progress: bool = True,
    budget: RunBudget | None = None,
    force: bool = False,
) -> pd.DataFrame:
    """Evaluate ``base`` over ``grid`` under ``patterns``; one row per point x pattern x replication.

    Parameters
    ----------
    base
        The scenario every point starts from.
    grid
        Dotted scenario keys to lists of values, e.g. ``{"workload.docs_per_day": [1e3, 1e5]}``
        (each value in its key's unit: documents per day, MB, seconds, ...).
    patterns
        Patterns to evaluate (default: every pattern that can run ``base``'s pipeline; all five for
        a linear pipeline).
    engine
        ``"analytic"`` (closed forms, vectorised, instant) or ``"simulate"`` (SimPy, in parallel).
    replications
        Simulation replications per point (seeds ``(base.seed, r)``); the analytic engine has one.
    executor
        For ``simulate``: None (local processes), a ``concurrent.futures.Executor``, or a Dask
        ``distributed.Client``.
    workers
        Local process count when ``executor`` is None (default: the CPU count; 1 runs in this
        process).
    prices
        Price file or :class:`PriceBook` (default: the shipped one).
    cache
        For ``simulate``: True (the user cache folder, :func:`orchsim.study.cache.default_cache_dir`),
        a folder path, or False (no cache). Entries are keyed by the prices' content and orchsim's
        source, so an edit never returns stale rows.
    progress
        Show a tqdm progress bar.
    budget
        For ``simulate``: memory and time the runs still to do may take together (default
        :class:`~orchsim.sim.budget.RunBudget`: 2 GB over all workers, 10 CPU minutes per worker);
        a sweep estimated over it is refused before any point runs.
    force
        Run even when the estimate is over ``budget``.

    Returns
    -------
    pandas.DataFrame
        Swept parameters as columns (named by their dotted key), ``point`` (index of the grid point),
        ``engine``, ``pattern``, ``seed``, ``replication``, the metrics (costs in USD per 730-hour
        month, durations in ms), and ``error`` (None if fine).

    Raises
    ------
    InputError
        For a bad grid, engine, pattern, replication count, ``workers`` (an integer >= 1),
        ``cache`` (an existing file) or price file, and (``RunTooLarge``) for a simulated sweep
        estimated over ``budget``. A grid point that is invalid or fails becomes
        rows with its ``error`` instead; so does a point whose worker process is killed (the
        other points of a broken local pool are run again on fresh processes).
    """
    if engine not in ENGINES:
        raise InputError("engine", f"unknown engine {engine!r}; accepted: {', '.join(ENGINES)}")
    if patterns is None:
        patterns = [p for p, why in pattern_support(base).items() if not why]
    for p in patterns:
        if p not in PATTERNS:
            raise InputError("patterns", f"unknown pattern {p!r}; accepted: {', '.join(PATTERNS)}")
    if not patterns:
        raise InputError("patterns", "give at least one pattern")
    if not isinstance(replications, int) or isinstance(replications, bool) or replications < 1:
        raise InputError("replications", f"must be an integer >= 1 (got {replications!r})")
    if workers is not None and (not isinstance(workers, int) or isinstance(workers, bool) or workers < 1):
        raise InputError("workers", f"must be None (the CPU count) or an integer >= 1 (got {workers!r})")
    store = open_cache(cache)  # checked whatever the engine: a bad value is refused, not ignored
    if engine != "simulate":
        store = None
    book = load_price_book(prices)
    points = expand_grid(base, grid)
    scenarios: list[Scenario | str] = []
    for point in points:
        try:
            scenarios.append(base.with_overrides(point))
        except InputError as exc:
            scenarios.append(str(exc))
    if engine == "analytic":
        rows = _analytic_rows(scenarios, points, patterns, book, base)
    else:
        limit = None if force else (budget or RunBudget())
        rows = _simulated_rows(scenarios, points, patterns, replications, executor, workers, book, store, progress, base, limit)
    df = pd.DataFrame(rows)
    if "error" not in df:
        df["error"] = None
    if len(df) and df["error"].notna().all():
        first = str(df["error"].dropna().iloc[0])
        hint = f"; {GUARD_MESSAGE}" if first == WORKER_DIED and _unguarded_script() else ""
        raise InputError("grid", f"every point failed; the first: {first}{hint}")
    df["engine"] = engine
    keys = list(grid)
    front = keys + ["point", "engine", "pattern", "seed", "replication"]
    return df[front + [c for c in df.columns if c not in front and c != "error"] + ["error"]]


def _analytic_rows(scenarios: list[Scenario | str], points: list[dict[str, Any]], patterns: Sequence[str], book: PriceBook, base: Scenario) -> list[dict[str, Any]]:
    from orchsim.analytic.engine import estimate

    rows: list[dict[str, Any]] = []
    good = [(i, s) for i, s in enumerate(scenarios) if isinstance(s, Scenario)]
    groups: dict[tuple[str, bool], list[tuple[int, Scenario]]] = {}
    for i, s in good:
        groups.setdefault((s.region, s.free_tier), []).append((i, s))
    by_point: dict[int, list[dict[str, Any]]] = {}
    for members in groups.values():
        try:
            est = estimate([s for _, s in members], patterns, prices=book)
        except InputError as exc:
            for i, s in members:
                by_point[i] = _error_rows(patterns, 0, s, str(exc))
            continue
        records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in est.to_dict("records")]
        n = len(members)
        # estimate() returns one block of n rows per pattern, members in order within each block.
        for block in range(0, len(records), n):
            for m, (i, member) in enumerate(members):
                rec = records[block + m]
                rec.update({"seed": member.seed, "replication": 0, "error": None})
                by_point.setdefault(i, []).append(rec)
    for i, point in enumerate(points):
        sc = scenarios[i]
        point_rows = by_point.get(i) or _error_rows(patterns, 0, base, sc if isinstance(sc, str) else "failed")
        for r in point_rows:
            rows.append({**point, "point": i, **r})
    return rows


def _simulated_rows(
    scenarios: list[Scenario | str],
    points: list[dict[str, Any]],
    patterns: Sequence[str],
    replications: int,
    executor: Any,
    workers: int | None,
    book: PriceBook,
    cache: ResultCache | None,
    progress: bool,
    base: Scenario,
    budget: RunBudget | None,
) -> list[dict[str, Any]]:
    from tqdm.auto import tqdm

    fingerprints: dict[str, str] = {}
    results: dict[tuple[int, int], list[dict[str, Any]]] = {}
    todo: list[tuple[int, int, Scenario, str | None]] = []
    for i, s in enumerate(scenarios):
        for r in range(replications):
            if isinstance(s, str):
                results[(i, r)] = _error_rows(patterns, r, base, s)
                continue
            key = _cache_key(cache, s, patterns, r, book, fingerprints)
            cached = cache.load(key, patterns) if cache is not None and key is not None else None
            if cached is not None:
                results[(i, r)] = cached
            else:
                todo.append((i, r, s, key))
    if todo and budget is not None:
        slots = (workers or os.cpu_count() or 1) if executor is None else 1
        total = combine([estimate_run(s, patterns) for _, _, s, _ in todo], slots)
        cut = "points or replications" if replications > 1 else "points or patterns"
        check_budget(total, budget, base, hint="force=True", fewer=cut)
    if todo:
        # Largest tasks first (expected invocations), so no worker is left with a long one at the end.
        todo.sort(key=lambda task: -_expected_work(task[2]))
        bar = tqdm(total=len(todo), desc="simulating", unit="run", disable=not progress)
        if executor is None and (workers == 1 or len(todo) == 1):
            for i, r, s, key in todo:
                results[(i, r)] = _run_one(s, patterns, r, book, cache, key)
                bar.update()
        elif executor is None:
            _check_main_guard()
            _run_local_pool(todo, patterns, book, cache, workers or os.cpu_count() or 1, results, bar)
        else:
            ex, _ = _executor(executor, workers)
            futures: dict[Future[Any], tuple[int, int, Scenario, str | None]] = {
                ex.submit(_simulate_task, s, list(patterns), r, book): (i, r, s, key) for i, r, s, key in todo
            }
            for fut in as_completed(futures):
                i, r, s, key = futures[fut]
                results[(i, r)] = _collect(fut, patterns, r, s, cache, key)
                bar.update()
        bar.close()
    rows: list[dict[str, Any]] = []
    for i, point in enumerate(points):
        for r in range(replications):
            for row in results[(i, r)]:
                rows.append({**point, "point": i, **row, "error": row.get("error")})
    return rows


Task = tuple[int, int, Scenario, str | None]
"""One unit of simulated work: (point index, replication, scenario, cache key)."""

WORKER_DIED = "worker process died while simulating this point (killed by the OS, e.g. out of memory?)"
"""The error of a task whose worker process was killed."""


def _collect(fut: Future[Any], patterns: Sequence[str], r: int, s: Scenario, cache: ResultCache | None, key: str | None) -> list[dict[str, Any]]:
    """A finished future's rows (stored in the cache), or error rows if it raised."""
    try:
        task_rows: list[dict[str, Any]] = fut.result()
    except Exception as exc:  # a failing point becomes data, not a crash
        return _error_rows(patterns, r, s, f"{type(exc).__name__}: {exc}")
    _store(cache, key, task_rows)
    return task_rows


def _spawn_pool(n: int) -> ProcessPoolExecutor:
    import multiprocessing

    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))


GUARD_MESSAGE = (
    "sweep() runs worker processes that import your script again (multiprocessing 'spawn'), so the script "
    "must call it under `if __name__ == \"__main__\":`; accepted: the call inside that block, or workers=1"
)


def _unguarded_script() -> bool:
    """Whether ``__main__`` is a script file with no ``if __name__ == "__main__":`` test at all."""
    path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not path or not os.path.isfile(path):
        return False
    try:
        return "__name__" not in Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def _check_main_guard() -> None:
    """Refuse, before any worker starts, a sweep called from a script's top level outside an
    ``if __name__ == "__main__":`` block: each spawned worker would import the script and run the
    sweep again, and every point would fail with ``BrokenProcessPool``.

    A worker that imports such a script anyway (its parent was not a script we could read) exits
    quietly here, and the sweep reports the guard instead of a traceback per worker.
    """
    import ast
    import inspect
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(3)  # inside a worker's start-up: the parent reports it
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if not path or not os.path.isfile(path):
        return  # an interactive session, a notebook, python -c: nothing is re-imported
    for info in inspect.stack(context=0):
        frame = info.frame
        if frame.f_code.co_name == "<module>" and frame.f_globals.get("__name__") == "__main__":
            try:
                tree = ast.parse(Path(path).read_text(encoding="utf-8"))
            except (OSError, SyntaxError, UnicodeDecodeError):
                return
            line = frame.f_lineno
            for node in ast.walk(tree):
                if isinstance(node, ast.If) and "__name__" in ast.unparse(node.test) and node.lineno <= line <= (node.end_lineno or line):
                    return
            raise InputError("workers", GUARD_MESSAGE)


def _run_local_pool(todo: list[Task], patterns: Sequence[str], book: PriceBook, cache: ResultCache | None, n: int,
                    results: dict[tuple[int, int], list[dict[str, Any]]], bar: Any) -> None:
    """Run ``todo`` on ``n`` local worker processes, surviving a worker that is killed.

    A killed worker breaks the whole pool: every task not finished yet fails with
    ``BrokenProcessPool``, though only one of them was running in the killed worker. Those tasks are
    retried on ``n`` fresh single-worker pools, one task per pool at a time, so a worker that dies
    again names its task exactly: that task alone becomes error rows (:data:`WORKER_DIED`).
    """
    pool = _spawn_pool(n)
    retry: list[Task] = []
    try:
        futures = {pool.submit(_simulate_task, s, list(patterns), r, book): (i, r, s, key) for i, r, s, key in todo}
        for fut in as_completed(futures):
            i, r, s, key = futures[fut]
            if isinstance(fut.exception(), BrokenProcessPool):
                retry.append((i, r, s, key))
                continue
            results[(i, r)] = _collect(fut, patterns, r, s, cache, key)
            bar.update()
    finally:
        pool.shutdown(cancel_futures=True)
    if retry:
        _run_isolated(retry, patterns, book, cache, n, results, bar)


def _run_isolated(todo: list[Task], patterns: Sequence[str], book: PriceBook, cache: ResultCache | None, n: int,
                  results: dict[tuple[int, int], list[dict[str, Any]]], bar: Any) -> None:
    """Run ``todo`` on ``n`` single-worker pools, one task each at a time (see :func:`_run_local_pool`)."""
    queue = list(reversed(todo))
    slots: dict[Future[Any], tuple[ProcessPoolExecutor, Task]] = {}
    idle: list[ProcessPoolExecutor] = []
    try:
        while queue or slots:
            while queue and len(slots) < n:
                task = queue.pop()
                pool = idle.pop() if idle else _spawn_pool(1)
                slots[pool.submit(_simulate_task, task[2], list(patterns), task[1], book)] = (pool, task)
            done, _ = wait(slots, return_when=FIRST_COMPLETED)
            for fut in done:
                pool, (i, r, s, key) = slots.pop(fut)
                if isinstance(fut.exception(), BrokenProcessPool):
                    pool.shutdown(wait=False)
                    results[(i, r)] = _error_rows(patterns, r, s, WORKER_DIED)
                else:
                    idle.append(pool)
                    results[(i, r)] = _collect(fut, patterns, r, s, cache, key)
                bar.update()
    finally:
        for pool, _ in slots.values():
            pool.shutdown(wait=False, cancel_futures=True)
        for pool in idle:
            pool.shutdown()


def _cache_key(cache: ResultCache | None, s: Scenario, patterns: Sequence[str], r: int, book: PriceBook, fingerprints: dict[str, str]) -> str | None:
    """The task's cache key (None without a cache, or for a region the book cannot price: that
    task fails in the simulation and its error rows are not cached)."""
    if cache is None:
        return None
    if s.region not in fingerprints:
        try:
            fingerprints[s.region] = price_fingerprint(book, s.region)
        except InputError:
            return None
    return cache.key(s, patterns, r, fingerprints[s.region])


def _expected_work(s: Scenario) -> float:
    """Rough size of a simulation task: documents in the window times steps."""
    return s.workload.docs_per_day * s.window_hours / 24.0 * len(s.steps())


def _run_one(s: Scenario, patterns: Sequence[str], r: int, book: PriceBook, cache: ResultCache | None, key: str | None) -> list[dict[str, Any]]:
    try:
        rows = _simulate_task(s, patterns, r, book)
    except Exception as exc:  # a failing point becomes data, not a crash
        return _error_rows(patterns, r, s, f"{type(exc).__name__}: {exc}")
    _store(cache, key, rows)
    return rows


def _store(cache: ResultCache | None, key: str | None, rows: list[dict[str, Any]]) -> None:
    if cache is not None and key is not None:
        cache.store(key, rows)
