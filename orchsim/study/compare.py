"""Comparisons of the five patterns as frames: the one-scenario comparison and its display table,
simulated check points and their agreement with the analytic engine, Express break-even grids,
outcome shares, crossovers, daily costs, and the Lambda duration a budget buys.

Everything here returns a pandas frame (or a number); charts of them live in :mod:`orchsim.charts`
and text in :mod:`orchsim.report`.

>>> from orchsim.model.scenario import load_scenario
>>> df = compare(load_scenario("seed-article"))
>>> df["pattern"].tolist()
['lambda-chain-sync', 'lambda-chain-async', 'sfn-standard', 'sfn-express', 'lambda-durable']
>>> bool((df["cost_total_usd"] > 0).all())
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from orchsim.analytic.engine import estimate
from orchsim.aws.pricebook import ARCHITECTURES, PriceBook, load_price_book
from orchsim.aws.rules import gb_seconds
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Scenario

__all__ = [
    "agreement_table",
    "breakeven_grid",
    "cheapest_share",
    "describe_agreement",
    "compare",
    "durable_breakeven",
    "crossovers",
    "comparison_table",
    "daily_costs",
    "lambda_duration_for_budget",
    "outcome_shares",
    "simulated_check",
    "simulation_table",
]


def compare(scenario: Scenario, *, prices: str | PriceBook | None = None) -> pd.DataFrame:
    """The five patterns side by side for one scenario (analytic engine, no contention).

    Parameters
    ----------
    scenario
        The scenario to compare.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        One row per pattern (in :data:`orchsim.PATTERNS` order) with per-document metering
        (invocations, GB-s, transitions, Express GB-hours), outcome probabilities, mean latency (ms)
        and monthly cost by component (USD per 730-hour month), as
        :func:`orchsim.analytic.engine.estimate` returns.
    """
    return estimate(scenario, PATTERNS, prices=prices)


def comparison_table(df: pd.DataFrame) -> pd.DataFrame:
    """The analytic comparison as a display table: one row per pattern, columns named with units.

    Parameters
    ----------
    df
        Rows of :func:`compare` (or :func:`orchsim.analytic.engine.estimate`) for one scenario.

    Returns
    -------
    pandas.DataFrame
        Indexed by pattern; columns USD per month, USD per day, USD per 1,000 documents, ratio to
        the cheapest pattern, Lambda GB-s per document, state transitions per document, mean
        latency (s), and the succeeded / lost shares of documents, rounded for display.
    """
    cheapest = float(df["cost_total_usd"].min())
    out = pd.DataFrame(
        {
            "pattern": df["pattern"],
            "USD per month": df["cost_total_usd"].round(2),
            "USD per day": (df["cost_total_usd"] / (df["docs_per_month"] / df["docs_per_day"])).round(3),
            "USD per 1,000 docs": df["cost_per_1000_docs_usd"].round(4),
            "x cheapest": (df["cost_total_usd"] / cheapest).round(2) if cheapest > 0 else np.nan,
            "Lambda GB-s per doc": (df["gb_s_x86_64"] + df["gb_s_arm64"]).round(3),
            "transitions per doc": df["transitions"].round(2),
            "mean latency (s)": (df["latency_ms"] / 1000.0).round(2),
            "succeeded (share)": df["p_succeeded"].round(4),
            "lost (share)": df["p_lost"].round(4),
        }
    )
    return out.set_index("pattern")


def simulated_check(
    base: Scenario,
    volumes: Sequence[float],
    *,
    patterns: Sequence[str] = PATTERNS,
    docs_per_run: float = 2000.0,
    max_window_hours: float = 24.0,
    replications: int = 3,
    workers: int | None = 1,
    prices: str | PriceBook | None = None,
) -> pd.DataFrame:
    """Simulated replications of ``base`` at a few volumes, each with a window sized to the volume.

    Parameters
    ----------
    base
        The scenario to simulate.
    volumes
        Documents per day to simulate at.
    patterns
        Patterns to simulate.
    docs_per_run
        About how many documents each run should see: the window at ``v`` documents per day is
        ``docs_per_run / (v / 24)`` hours.
    max_window_hours
        Upper bound of that window, hours.
    replications
        Replications per volume.
    workers
        Local worker processes (1: in this process).
    prices
        Price file or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        The tidy rows of :func:`orchsim.study.sweep.sweep` (one per volume x pattern x
        replication; costs per 730-hour month whatever the window) with ``workload.docs_per_day``
        and ``window_hours`` columns. Nothing is cached.
    """
    from orchsim.study.sweep import sweep

    frames = []
    for v in volumes:
        hours = float(min(max_window_hours, docs_per_run / (float(v) / 24.0)))
        sc = base.with_overrides({"window_hours": hours})
        df = sweep(sc, {"workload.docs_per_day": [float(v)]}, patterns=patterns, engine="simulate", replications=replications,
                   workers=workers, prices=prices, cache=False, progress=False)
        df["window_hours"] = hours
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def breakeven_grid(
    transitions: Sequence[float],
    memory_mb: Sequence[float],
    executions: Sequence[float] | None = None,
    *,
    region: str = "us-east-1",
    free_tier: bool = False,
    prices: str | PriceBook | None = None,
) -> pd.DataFrame:
    """Express-versus-Standard break-even duration over transitions x memory (x monthly executions).

    Parameters
    ----------
    transitions
        State transitions per execution.
    memory_mb
        Express memory used per execution, MB.
    executions
        Executions per month (None: a small volume, first Express tier).
    region
        AWS region of the prices.
    free_tier
        Apply the Standard free tier.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        One row per combination with ``transitions``, ``memory_mb``, ``executions`` (per month;
        NaN = first tier), ``breakeven_s`` (billed duration, s, at which both cost the same; NaN
        where Express is cheaper at every duration up to its limit) and ``region``.

    Raises
    ------
    InputError
        If an axis has no values.
    """
    from orchsim.study.analysis import express_breakeven

    execs: list[float | None] = [None] if executions is None else [float(e) for e in executions]
    for name, values in (("transitions", transitions), ("memory_mb", memory_mb), ("executions", execs)):
        if len(values) == 0:
            raise InputError(name, "give at least one value")
    rows = []
    for n in execs:
        t, m = np.meshgrid(np.asarray(transitions, dtype=float), np.asarray(memory_mb, dtype=float), indexing="ij")
        be = express_breakeven(t, m, n, region=region, free_tier=free_tier, prices=prices)
        rows.append(pd.DataFrame({"transitions": t.ravel(), "memory_mb": m.ravel(), "executions": np.nan if n is None else n,
                                  "breakeven_s": np.asarray(be, dtype=float).ravel(), "region": region}))
    return pd.concat(rows, ignore_index=True)


def outcome_shares(df: pd.DataFrame) -> pd.DataFrame:
    """Add per-run outcome shares and latency in seconds to simulated sweep rows.

    Parameters
    ----------
    df
        Simulated sweep rows (``engine="simulate"``).

    Returns
    -------
    pandas.DataFrame
        A copy with ``finished`` (documents that ended in the window), ``success_share``,
        ``failed_share``, ``lost_share`` (shares of finished documents; NaN when none finished),
        ``latency_p50_s`` and ``latency_p99_s`` (s) added.
    """
    out = df.copy()
    finished = (out["docs_arrived"] - out["docs_in_flight"]).astype(float)
    safe = finished.where(finished > 0)
    out["finished"] = finished
    out["success_share"] = out["docs_succeeded"] / safe
    out["failed_share"] = out["docs_failed"] / safe
    out["lost_share"] = out["docs_lost"] / safe
    out["latency_p50_s"] = out["latency_p50_ms"] / 1000.0
    out["latency_p99_s"] = out["latency_p99_ms"] / 1000.0
    return out


def lambda_duration_for_budget(
    usd: float,
    invocations: float,
    memory_mb: float,
    *,
    arch: str = "x86_64",
    region: str = "us-east-1",
    prices: str | PriceBook | None = None,
) -> float:
    """Billed duration per invocation (ms) at which ``invocations`` Lambda calls cost ``usd``.

    The inverse of Lambda's price at the first duration tier without the free tier:
    ``usd = invocations x request price + usd_per_gb_s x gb_seconds(duration_ms, memory_mb) x
    invocations`` (:func:`orchsim.aws.rules.gb_seconds`). ``usd`` and ``invocations`` cover the
    same period (a day, a month).

    Parameters
    ----------
    usd
        The budget, USD.
    invocations
        Lambda invocations the budget pays for (> 0).
    memory_mb
        Configured memory of the function, MB.
    arch
        ``x86_64`` or ``arm64``.
    region
        AWS region of the prices.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    float
        Billed milliseconds per invocation; 0 when the requests alone cost ``usd`` or more.

    Raises
    ------
    InputError
        For ``invocations`` <= 0, an unknown architecture or region.

    Examples
    --------
    >>> round(lambda_duration_for_budget(0.10, 50_000, 1024))
    108
    """
    if not invocations > 0:
        raise InputError("invocations", f"must be > 0 (got {invocations!r})")
    if arch not in ARCHITECTURES:
        raise InputError("arch", f"unknown architecture {arch!r}; accepted: {', '.join(ARCHITECTURES)}")
    lam = load_price_book(prices).lambda_prices(region)
    compute_usd = float(usd) - float(invocations) * lam.requests_usd_per_million / 1e6
    if compute_usd <= 0:
        return 0.0
    gb_s_per_invocation = compute_usd / float(invocations) / lam.duration_tiers[arch][0].usd_per_unit
    return gb_s_per_invocation / float(gb_seconds(1.0, memory_mb))


def simulation_table(results: Any) -> pd.DataFrame:
    """Simulated runs as a display table: one row per pattern, outcomes, latency (s) and cost.

    Parameters
    ----------
    results
        ``{pattern: SimulationResult}`` or a sequence of :class:`~orchsim.sim.result.SimulationResult`.

    Returns
    -------
    pandas.DataFrame
        Indexed by pattern: document counts by outcome, cold starts, p50 and p99 latency (s), USD
        per month and wasted USD per month.
    """
    items = list(results.values()) if isinstance(results, Mapping) else list(results)
    rows = []
    for r in items:
        s = r.summary
        rows.append({
            "pattern": r.pattern,
            "documents": s.docs_arrived,
            "succeeded": s.docs_succeeded,
            "failed (recorded)": s.docs_failed,
            "lost (no record)": s.docs_lost,
            "in flight at end": s.docs_in_flight,
            "cold starts": s.cold_starts,
            "p50 latency (s)": round(s.latency_ms.p50 / 1000.0, 2),
            "p99 latency (s)": round(s.latency_ms.p99 / 1000.0, 2),
            "USD per month": round(s.cost_usd["total"], 2),
            "wasted USD per month": round(s.wasted_usd, 2),
        })
    return pd.DataFrame(rows).set_index("pattern")


def agreement_table(
    base: Scenario,
    simulated: pd.DataFrame,
    *,
    x: str = "workload.docs_per_day",
    value: str = "cost_total_usd",
    prices: str | PriceBook | None = None,
) -> pd.DataFrame:
    """Simulated means with 95% CIs next to the analytic value at the same points.

    Parameters
    ----------
    base
        The scenario the simulated rows were made from.
    simulated
        Replications over ``x``, as :func:`simulated_check` returns (rows with an error are left out).
    x
        The swept key: ``workload.docs_per_day`` or ``pipeline.steps``.
    value
        The metric to compare (default the monthly total, USD).
    prices
        Price file or :class:`PriceBook` for the analytic side.

    Returns
    -------
    pandas.DataFrame
        One row per (``x``, pattern): ``analytic``, ``simulated`` (mean), ``ci_low``, ``ci_high``,
        ``replications``, ``rel_diff`` (simulated / analytic - 1) and ``within_ci`` (nullable
        boolean: ``<NA>`` where there is no CI, i.e. fewer than two replications).

    Raises
    ------
    InputError
        For another ``x``.
    """
    from orchsim.study.analysis import summarize

    ok = simulated[simulated["error"].isna()] if "error" in simulated.columns else simulated
    summ = summarize(ok, [x, "pattern"], [value])
    points = sorted(summ[x].unique())
    est = estimate([base.with_overrides({x: p}) for p in points], sorted(set(summ["pattern"])), prices=prices)
    key = "docs_per_day" if x == "workload.docs_per_day" else "steps" if x == "pipeline.steps" else None
    if key is None:
        raise InputError("x", f"agreement_table compares along workload.docs_per_day or pipeline.steps (got {x!r})")
    analytic = est.set_index(["pattern", key])[value]
    out = summ.rename(columns={value: "simulated", f"{value}_ci_low": "ci_low", f"{value}_ci_high": "ci_high"})
    out["analytic"] = [float(analytic[(p, v)]) for p, v in zip(out["pattern"], out[x], strict=True)]
    out["rel_diff"] = out["simulated"] / out["analytic"] - 1.0
    inside = (out["ci_low"] <= out["analytic"]) & (out["analytic"] <= out["ci_high"])
    has_ci = (out["replications"] >= 2) & out["ci_low"].notna() & out["ci_high"].notna()
    within = pd.array(inside.to_numpy(dtype=bool), dtype="boolean")
    within[~has_ci.to_numpy(dtype=bool)] = pd.NA  # no CI from one replication
    out["within_ci"] = within
    return out[[x, "pattern", "analytic", "simulated", "ci_low", "ci_high", "replications", "rel_diff", "within_ci"]]


def describe_agreement(check: pd.DataFrame) -> str:
    """One sentence on how many simulated means have the analytic value inside their 95% CI.

    Parameters
    ----------
    check
        :func:`agreement_table`'s frame.

    Returns
    -------
    str
        ``"k of n simulated costs have the analytic value inside their 95% CI"``, or, for rows
        without a CI (fewer than two replications), a sentence saying the CI is not available.

    Examples
    --------
    >>> describe_agreement(pd.DataFrame({"within_ci": pd.array([pd.NA, pd.NA], dtype="boolean")}))
    'CI not available: a 95% CI needs at least 2 replications per point (2 simulated costs, no CI)'
    """
    known = check["within_ci"].dropna()
    missing = len(check) - len(known)
    if not len(known):
        return f"CI not available: a 95% CI needs at least 2 replications per point ({len(check)} simulated costs, no CI)"
    text = f"{int(known.astype(bool).sum())} of {len(known)} simulated costs have the analytic value inside their 95% CI"
    return text + (f" ({missing} more without a CI: fewer than 2 replications)" if missing else "")


def cheapest_share(df: pd.DataFrame, *, patterns: Sequence[str] | None = None, value: str = "cost_total_usd") -> pd.Series:
    """Share of sweep points at which each pattern is the cheapest (ties to the earlier pattern).

    Parameters
    ----------
    df
        Tidy sweep rows (rows with an error are left out).
    patterns
        Patterns to compete (default all five); those absent from the frame are dropped.
    value
        The metric to minimise (default the monthly total, USD).

    Returns
    -------
    pandas.Series
        Indexed by pattern (zeros included), summing to 1.
    """
    ok = df[df["error"].isna()] if "error" in df.columns else df
    pats = [p for p in (patterns or PATTERNS) if p in set(ok["pattern"])]
    wide = ok[ok["pattern"].isin(pats)].pivot_table(index="point", columns="pattern", values=value, aggfunc="mean")[pats]
    winners = wide.idxmin(axis=1)
    return winners.value_counts(normalize=True).reindex(pats, fill_value=0.0)


def daily_costs(variants: Mapping[str, Scenario], *, prices: str | PriceBook | None = None) -> pd.DataFrame:
    """USD per day of each scenario variant under each pattern (analytic engine).

    Parameters
    ----------
    variants
        Named scenarios.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    pandas.DataFrame
        One row per variant (the mapping's keys, in order), one column per pattern, USD per day
        (the monthly cost over the month's days), rounded to 0.1 cent.
    """
    book = load_price_book(prices)
    rows = {}
    for name, sc in variants.items():
        df = estimate(sc, PATTERNS, prices=book)
        days = df["docs_per_month"] / df["docs_per_day"]
        rows[name] = dict(zip(df["pattern"], (df["cost_total_usd"] / days).round(3), strict=True))
    return pd.DataFrame.from_dict(rows, orient="index")[list(PATTERNS)]


def crossovers(
    df: pd.DataFrame,
    x: str,
    patterns: Sequence[str] | None = None,
    *,
    value: str = "cost_total_usd",
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Every pairwise crossover along ``x`` with the cost there.

    Parameters
    ----------
    df
        Tidy sweep rows (rows with an error are left out).
    x
        The swept column to cross along.
    patterns
        Patterns to pair (default all present).
    value
        The metric whose lines cross (default the monthly total, USD).
    by
        Further columns to group by (one set of crossings per group).

    Returns
    -------
    pandas.DataFrame
        :func:`orchsim.study.analysis.crossover_table` plus ``cost_usd``: ``value`` at each crossing
        (pattern A's line interpolated between sweep points).
    """
    from orchsim.study.analysis import crossover_table

    ok = df[df["error"].isna()] if "error" in df.columns else df
    table = crossover_table(ok, x, patterns, value=value, by=by)
    costs: list[float] = []
    for _, row in table.iterrows():
        g = ok
        for col in by:
            g = g[g[col] == row[col]]
        line = g[g["pattern"] == row["pattern_a"]].groupby(x)[value].mean().sort_index()
        costs.append(float(np.interp(float(row["x"]), line.index.to_numpy(dtype=float), line.to_numpy(dtype=float))))
    out = table.copy()
    out["cost_usd"] = costs
    return out.reset_index(drop=True)


def durable_breakeven(
    base: Scenario,
    state: str,
    waits_s: Sequence[float],
    result_kbs: Sequence[float],
    *,
    patterns: Sequence[str] = ("lambda-chain-async", "sfn-standard", "lambda-durable"),
    prices: str | PriceBook | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Durable functions against Standard (and the others) along how long a Task waits, per checkpoint size.

    A durable execution pays nothing while it waits but keeps what it wrote for its running time plus
    its retention period (:mod:`orchsim.aws.durable`), so its cost grows with the wait; Standard's
    does not. Each point is an analytic estimate with ``state``'s wait fixed and ``durable.result_kb``
    set.

    Parameters
    ----------
    base
        A scenario whose workflow has the Task ``state`` (a callback, job or service Task).
    state
        The waiting Task, profiled with ``pipeline.states.<state>.duration``.
    waits_s
        Waits to evaluate, seconds.
    result_kbs
        What each durable operation persists, KB (``durable.result_kb``, at most 256).
    patterns
        Patterns to estimate (``lambda-durable`` and ``sfn-standard`` at least).
    prices
        Price book (default: the shipped one).

    Returns
    -------
    tuple of pandas.DataFrame
        The sweep (a row per wait x size x pattern, with ``wait_days``), and one row per size:
        ``result_kb``, ``breakeven_days`` (the wait past which Standard is cheaper; NaN when none in
        the range), ``durable_cheaper_at_shortest`` and ``durable_cheaper_at_longest`` (bool).

    Raises
    ------
    InputError
        When ``state`` is not a Task of ``base``'s workflow, or a value is out of range.
    """
    from orchsim.study.analysis import crossings
    from orchsim.study.sweep import sweep

    if "lambda-durable" not in patterns or "sfn-standard" not in patterns:
        raise InputError("patterns", "durable_breakeven compares lambda-durable with sfn-standard: give both")
    tasks = base.pipeline.runnable().tasks if base.pipeline.definition is not None else {}
    if state not in tasks:
        raise InputError("state", f"no Task state {state!r} in {base.name}'s workflow; Tasks: {', '.join(tasks) or 'none'}")
    waits = sorted({float(w) for w in waits_s})
    if not waits or waits[0] <= 0:
        raise InputError("waits_s", "give waits in seconds, each > 0")
    key = f"pipeline.states.{state}.duration"
    grid: dict[str, list[Any]] = {key: [{"dist": "fixed", "ms": w * 1000.0} for w in waits],
                                  "durable.result_kb": [float(k) for k in result_kbs]}
    df = sweep(base, grid, engine="analytic", patterns=list(patterns), prices=prices, progress=False)
    df["wait_days"] = [float(d["ms"]) / 86_400_000.0 for d in df[key]]
    df = df.drop(columns=[key])
    rows = []
    for kb, g in df.groupby("durable.result_kb", sort=True):
        line = g.pivot_table(index="wait_days", columns="pattern", values="cost_per_1000_docs_usd", aggfunc="first").sort_index()
        x = line.index.to_numpy(dtype=float)
        dur, std = line["lambda-durable"].to_numpy(dtype=float), line["sfn-standard"].to_numpy(dtype=float)
        found = [c for c in crossings(x, dur, std, log_x=True) if c.a_cheaper_below]
        rows.append({"result_kb": float(str(kb)), "breakeven_days": found[0].at if found else float("nan"),
                     "durable_cheaper_at_shortest": bool(dur[0] < std[0]), "durable_cheaper_at_longest": bool(dur[-1] < std[-1])})
    return df, pd.DataFrame(rows)
