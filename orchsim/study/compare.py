"""Comparisons of the four patterns as tidy frames: the one-scenario table, simulated check points,
Express break-even grids, outcome shares. Charts and text live in :mod:`orchsim.charts` and
:mod:`orchsim.report`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from orchsim.analytic.engine import estimate
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, Scenario

__all__ = [
    "agreement_table",
    "breakeven_grid",
    "cheapest_share",
    "compare",
    "crossovers",
    "comparison_table",
    "daily_costs",
    "lambda_duration_for_budget",
    "outcome_shares",
    "simulated_check",
    "simulation_table",
]


def compare(scenario: Scenario, *, prices: str | PriceBook | None = None) -> pd.DataFrame:
    """One row per pattern: per-document metering and monthly cost (analytic engine)."""
    return estimate(scenario, PATTERNS, prices=prices)



def comparison_table(df: pd.DataFrame) -> pd.DataFrame:
    """The analytic comparison as a display table: one row per pattern, columns named with units.

    Columns: USD per month, USD per 1,000 documents, USD per day, ratio to the cheapest pattern,
    Lambda GB-s per document, state transitions per document, mean latency (s), and the
    succeeded / lost shares of documents.
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

    The window at ``v`` documents per day is ``docs_per_run / (v / 24)`` hours (about
    ``docs_per_run`` documents per run), capped at ``max_window_hours``; costs are per 730-hour
    month whatever the window. Returns the tidy rows of :func:`orchsim.study.sweep.sweep` (one per
    volume x pattern x replication) with ``workload.docs_per_day`` and ``window_hours`` columns.
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

    One row per combination with ``transitions``, ``memory_mb``, ``executions`` (per month; NaN =
    a small volume, first Express tier), ``breakeven_s`` (billed duration at which both cost the
    same; NaN where Express is cheaper at every duration up to its limit) and ``region``.
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

    Adds ``finished`` (documents that ended in the window), ``success_share``, ``failed_share``,
    ``lost_share`` (shares of finished documents), ``latency_p50_s`` and ``latency_p99_s``.
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

    First price tier, no free tier: ``usd = invocations x (request price + GB-s price x
    memory_mb / 1024 x duration_ms / 1000)``. Returns 0 when the requests alone cost ``usd`` or more.

    >>> round(lambda_duration_for_budget(0.10, 50_000, 1024))
    108
    """
    book = load_price_book(prices)
    lam = book.lambda_prices(region)
    budget = float(usd) - float(invocations) * lam.requests_usd_per_million / 1e6
    if budget <= 0:
        return 0.0
    gb_s_price = lam.duration_tiers[arch][0].usd_per_unit
    return budget / gb_s_price / (float(memory_mb) / 1024.0) / float(invocations) * 1000.0


def simulation_table(results: Any) -> pd.DataFrame:
    """Simulated runs as a display table: one row per pattern, outcomes, latency (s) and cost.

    ``results`` is ``{pattern: SimulationResult}`` or a list of results.
    """
    items = list(results.values()) if isinstance(results, Mapping) else list(results)
    rows = []
    for r in items:
        s = r.summary
        rows.append({
            "pattern": r.pattern,
            "documents": s["docs_arrived"],
            "succeeded": s["docs_succeeded"],
            "failed (recorded)": s["docs_failed"],
            "lost (no record)": s["docs_lost"],
            "in flight at end": s["docs_in_flight"],
            "cold starts": s["cold_starts"],
            "p50 latency (s)": round(s["latency_ms"]["p50"] / 1000.0, 2),
            "p99 latency (s)": round(s["latency_ms"]["p99"] / 1000.0, 2),
            "USD per month": round(s["cost_usd"]["total"], 2),
            "wasted USD per month": round(s["wasted_usd"], 2),
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

    ``simulated`` holds replications over ``x`` (as :func:`simulated_check` returns). One row per
    (``x``, pattern): ``analytic``, ``simulated`` (mean), ``ci_low``, ``ci_high``, ``replications``,
    ``rel_diff`` (simulated / analytic - 1) and ``within_ci``.
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
    out["within_ci"] = (out["ci_low"] <= out["analytic"]) & (out["analytic"] <= out["ci_high"])
    return out[[x, "pattern", "analytic", "simulated", "ci_low", "ci_high", "replications", "rel_diff", "within_ci"]]


def cheapest_share(df: pd.DataFrame, *, patterns: Sequence[str] | None = None, value: str = "cost_total_usd") -> pd.Series:
    """Share of sweep points at which each pattern is the cheapest (ties to the earlier pattern).

    Returns a Series indexed by pattern (every pattern of ``patterns`` or of the frame, zeros
    included), summing to 1.
    """
    ok = df[df["error"].isna()] if "error" in df.columns else df
    pats = [p for p in (patterns or PATTERNS) if p in set(ok["pattern"])]
    wide = ok[ok["pattern"].isin(pats)].pivot_table(index="point", columns="pattern", values=value, aggfunc="mean")[pats]
    winners = wide.idxmin(axis=1)
    return winners.value_counts(normalize=True).reindex(pats, fill_value=0.0)


def daily_costs(variants: Mapping[str, Scenario], *, prices: str | PriceBook | None = None) -> pd.DataFrame:
    """USD per day of each scenario variant under each pattern (analytic engine).

    One row per variant (the mapping's keys, in order), one column per pattern.
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
    """:func:`orchsim.study.analysis.crossover_table` of the rows without errors, plus ``cost_usd``:
    ``value`` at each crossing (pattern A interpolated between sweep points)."""
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
