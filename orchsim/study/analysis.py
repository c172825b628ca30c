"""Analysis of sweep results: crossover points, the Express-versus-Standard break-even, and
replication means with 95% confidence intervals.

>>> crossover([1, 2, 3, 4], [1, 2, 3, 4], [2.5, 2.5, 2.5, 2.5])
[2.5]
>>> mean, low, high = ci95([9.0, 10.0, 11.0])
>>> mean, round(low, 3), round(high, 3)
(10.0, 7.516, 12.484)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from orchsim.aws.calculator import MAX_PER_MONTH, MAX_TRANSITIONS_PER_EXECUTION, check_numbers
from orchsim.aws.pricebook import PriceBook, Tier, load_price_book
from orchsim.aws.rules import apply_free_allowance, express_billed_memory_mb
from orchsim.errors import InputError

__all__ = ["Crossing", "ci95", "crossings", "crossover", "crossover_table", "express_breakeven", "summarize", "t975"]

_T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
         2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(dof: int) -> float:
    """Student-t 97.5% quantile (two-sided 95%).

    Parameters
    ----------
    dof
        Degrees of freedom.

    Returns
    -------
    float
        From a table up to 30 degrees of freedom, a normal approximation beyond; NaN below 1.
    """
    if dof < 1:
        return math.nan
    return _T975[dof - 1] if dof <= 30 else 1.959964 + 2.4 / dof


def ci95(values: ArrayLike) -> tuple[float, float, float]:
    """Mean and two-sided 95% confidence interval (Student t) of independent replications.

    Parameters
    ----------
    values
        One value per replication (non-finite values are left out).

    Returns
    -------
    tuple of float
        ``(mean, low, high)`` in the values' unit; the bounds are NaN with fewer than two values,
        all three with none.
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(v.mean())
    if v.size == 1:
        return (mean, math.nan, math.nan)
    half = t975(v.size - 1) * float(v.std(ddof=1)) / math.sqrt(v.size)
    return (mean, mean - half, mean + half)


def summarize(df: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]) -> pd.DataFrame:
    """Replication means with 95% CIs per group.

    Parameters
    ----------
    df
        Tidy rows, one per replication.
    by
        Columns to group by (e.g. a swept key and ``pattern``).
    metrics
        Columns to average.

    Returns
    -------
    pandas.DataFrame
        One row per group: the ``by`` columns, ``<metric>``, ``<metric>_ci_low``,
        ``<metric>_ci_high`` (in the metric's unit) and ``replications``.

    Raises
    ------
    InputError
        If a column is missing.
    """
    missing = [c for c in [*by, *metrics] if c not in df.columns]
    if missing:
        raise InputError("summarize", f"columns not in the frame: {missing}")
    rows = []
    for key, g in df.groupby(list(by), sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, key, strict=True))
        for m in metrics:
            mean, lo, hi = ci95(g[m])
            row[m], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = mean, lo, hi
        row["replications"] = len(g)
        rows.append(row)
    return pd.DataFrame(rows)


def crossover(x: ArrayLike, cost_a: ArrayLike, cost_b: ArrayLike, *, log_x: bool | None = None) -> list[float]:
    """Values of ``x`` where cost A crosses cost B, interpolated between sweep points.

    A crossing is a change of sign of ``cost_a - cost_b``. Between neighbouring points it is found by
    linear interpolation, in log(x) when ``x`` spans two decades or more (``log_x=None`` decides).
    Where the costs are equal over a run of points (say both $0 inside the free tier) and the sign
    differs on either side, the crossing is the first point of the run. Costs that only touch (equal
    at a point with the same sign on both sides, or at either end of the sweep) do not cross.
    :func:`crossings` also says which side is cheaper on each side of each crossing.

    Parameters
    ----------
    x
        The swept values (any order; non-finite points are left out).
    cost_a, cost_b
        The two patterns' costs at ``x`` (USD, or any metric in one unit).
    log_x
        Interpolate in log(x); None decides from the span of ``x``.

    Returns
    -------
    list of float
        The crossings in increasing ``x`` (in ``x``'s unit); empty when they never cross.

    Raises
    ------
    InputError
        If the arrays are not 1-D and of equal length.
    """
    return [c.at for c in crossings(x, cost_a, cost_b, log_x=log_x)]


@dataclass(frozen=True)
class Crossing:
    """One crossing of two cost curves.

    Attributes
    ----------
    at
        Where it happens, in ``x``'s unit (interpolated; for ``integer`` sweeps, the first swept
        value on the far side).
    a_cheaper_below
        True when A is the cheaper one just below ``at`` (and B just above).
    """

    at: float
    a_cheaper_below: bool


def crossings(
    x: ArrayLike, cost_a: ArrayLike, cost_b: ArrayLike, *, log_x: bool | None = None, integer: bool = False
) -> list[Crossing]:
    """Where cost A crosses cost B and which is cheaper on each side, each crossing on its own.

    The direction of every crossing comes from the sign of ``cost_a - cost_b`` on its two sides, so a
    second crossing, or a start where both cost $0 (the free tier), gets its own direction.

    Parameters
    ----------
    x
        The swept values (any order; non-finite points are left out).
    cost_a, cost_b
        The two patterns' costs at ``x``.
    log_x
        Interpolate in log(x); None decides from the span of ``x``.
    integer
        ``x`` only takes whole values (a step count): a crossing is the first swept value where the
        other pattern is cheaper, not an interpolated fraction.

    Returns
    -------
    list of Crossing
        In increasing ``x``.

    Raises
    ------
    InputError
        If the arrays are not 1-D and of equal length.

    Examples
    --------
    Two crossings: A is cheaper below 2, B between 2 and 4, A again above 4.

    >>> [(c.at, c.a_cheaper_below) for c in crossings([1, 3, 5], [1, 3, 1], [2, 2, 2])]
    [(2.0, True), (4.0, False)]
    """
    xs = np.asarray(x, dtype=float)
    d = np.asarray(cost_a, dtype=float) - np.asarray(cost_b, dtype=float)
    if xs.shape != d.shape or xs.ndim != 1:
        raise InputError("crossover", "x, cost_a and cost_b must be 1-D and of equal length")
    order = np.argsort(xs)
    xs, d = xs[order], d[order]
    ok = np.isfinite(xs) & np.isfinite(d)
    xs, d = xs[ok], d[ok]
    if log_x is None:
        log_x = bool(xs.size and xs.min() > 0 and xs.max() / xs.min() >= 100)
    u = np.log(xs) if log_x else xs
    scale = max(float(np.max(np.abs(d), initial=0.0)), 1e-300)
    sign = np.where(np.abs(d) <= 1e-12 * scale, 0, np.sign(d))
    out: list[Crossing] = []
    prev: int | None = None
    for i in np.flatnonzero(sign):
        if prev is not None and sign[i] != sign[prev]:
            if integer:
                at = float(xs[i]) if i == prev + 1 else float(xs[prev + 1])
            elif i == prev + 1:
                t = d[prev] / (d[prev] - d[i])
                ui = u[prev] + t * (u[i] - u[prev])
                at = float(np.exp(ui)) if log_x else float(ui)
            else:
                at = float(xs[prev + 1])
            out.append(Crossing(at, bool(sign[prev] < 0)))
        prev = int(i)
    return out


def crossover_table(
    df: pd.DataFrame, x: str, patterns: Sequence[str] | None = None, *, value: str = "cost_total_usd", by: Sequence[str] = (),
    integer: bool | None = None,
) -> pd.DataFrame:
    """Every pairwise crossover of ``value`` along ``x`` in a tidy sweep frame.

    Parameters
    ----------
    df
        Tidy sweep rows (replications are averaged per ``pattern`` and ``x`` first).
    x
        The swept column.
    patterns
        Patterns to pair (default those in the frame, in order of appearance).
    value
        The metric whose lines cross (default the monthly total, USD).
    by
        Further columns to group by.
    integer
        ``x`` takes whole values only (None: when ``x`` is ``pipeline.steps``): crossings are swept
        values, not fractions (:func:`crossings`).

    Returns
    -------
    pandas.DataFrame
        One row per (group of ``by``, pattern pair, crossing) with columns ``pattern_a``,
        ``pattern_b``, ``x`` (the crossing, in ``x``'s unit), ``cheaper_below`` and
        ``cheaper_above`` (the pattern cheaper just below and just above it, decided for each
        crossing on its own).

    Raises
    ------
    InputError
        If ``x`` or ``value`` is not a column.
    """
    if x not in df.columns or value not in df.columns:
        raise InputError("crossover", f"the frame needs columns {x!r} and {value!r}")
    pats = list(patterns) if patterns else list(dict.fromkeys(df["pattern"]))
    if integer is None:
        integer = x == "pipeline.steps"
    groups = df.groupby(list(by), sort=False) if by else [((), df)]
    rows = []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        means = g.groupby(["pattern", x], sort=True)[value].mean()
        for i, a in enumerate(pats):
            for b in pats[i + 1 :]:
                if a not in means.index.get_level_values(0) or b not in means.index.get_level_values(0):
                    continue
                sa, sb = means.loc[a], means.loc[b]
                common = sa.index.intersection(sb.index)
                if common.size < 2:
                    continue
                sa, sb = sa.loc[common], sb.loc[common]
                for c in crossings(common.to_numpy(dtype=float), sa.to_numpy(), sb.to_numpy(), integer=integer):
                    below, above = (a, b) if c.a_cheaper_below else (b, a)
                    rows.append({**dict(zip(by, key, strict=True)), "pattern_a": a, "pattern_b": b, "x": c.at,
                                 "cheaper_below": below, "cheaper_above": above})
    return pd.DataFrame(rows, columns=[*by, "pattern_a", "pattern_b", "x", "cheaper_below", "cheaper_above"])


def _tiered_inverse(budget: NDArray[np.float64], tiers: Sequence[Tier]) -> NDArray[np.float64]:
    """Quantity whose tiered cost equals ``budget`` (cost is piecewise linear and increasing)."""
    q = np.zeros_like(budget)
    left = budget.copy()
    lower = 0.0
    for tier in tiers:
        upper = math.inf if tier.up_to is None else float(tier.up_to)
        span_cost = (upper - lower) * tier.usd_per_unit
        take = np.minimum(left, span_cost)
        q += np.where(tier.usd_per_unit > 0, take / tier.usd_per_unit if tier.usd_per_unit else 0.0, np.where(left > 0, np.inf, 0.0))
        left = left - take
        lower = upper
    return q


def express_breakeven(
    transitions: ArrayLike,
    memory_mb: ArrayLike,
    executions: ArrayLike | None = None,
    *,
    region: str = "us-east-1",
    free_tier: bool = False,
    prices: str | PriceBook | None = None,
) -> NDArray[np.float64]:
    """Billed execution duration (s) at which Express costs as much as Standard, or NaN when Express
    is cheaper at every duration it allows (up to its 5-minute limit).

    Standard costs ``executions x transitions`` transitions; Express ``executions`` requests plus
    GB-hours of duration x memory billed in 64 MB chunks, under its volume tiers (so the answer
    depends on the monthly ``executions``; None = a small volume, first tier). The Lambda functions
    cost the same under both and cancel out. Vectorised over its array arguments.

    Parameters
    ----------
    transitions
        State transitions per execution (>= 1).
    memory_mb
        Express memory used per execution, MB (billed in 64 MB chunks).
    executions
        Executions per month (None: a small volume, first tier).
    region
        AWS region of the prices.
    free_tier
        Apply the Standard free tier.
    prices
        Price file or :class:`PriceBook` (default: the shipped one).

    Returns
    -------
    numpy.ndarray of float
        Break-even billed duration per execution, s (broadcast shape of the arguments).

    Raises
    ------
    InputError
        For transitions outside [1, 1,000,000], memory outside (0, 10,240] MB or executions outside
        (0, 1e15] per month.

    Examples
    --------
    5 transitions, 64 MB, first tier: Express is cheaper below about 119 s.

    >>> round(float(express_breakeven(5, 64)), 1)
    119.0
    """
    book = load_price_book(prices)
    std = book.standard_prices(region)
    exp = book.express_prices(region)
    t = check_numbers("transitions", transitions, low=1, high=MAX_TRANSITIONS_PER_EXECUTION, what="state transitions per execution")
    m = check_numbers("memory_mb", memory_mb, low=0, low_open=True, high=10_240, what="MB of Express memory")
    small = executions is None
    n = check_numbers("executions", 1000.0 if small else executions, low=0, low_open=True, high=MAX_PER_MONTH, what="executions per month")
    t, m, n = np.broadcast_arrays(t, m, n)
    trans = n * t
    if free_tier:
        trans = apply_free_allowance(trans, std.free_transitions)
    standard = trans * std.usd_per_1000_transitions / 1000.0
    budget = standard - n * exp.requests_usd_per_million / 1e6
    gb_hours = _tiered_inverse(np.maximum(budget, 0.0), exp.duration_tiers)
    chunk = express_billed_memory_mb(m, exp.memory_chunk_mb).astype(float)
    seconds = gb_hours * 3600.0 * 1024.0 / (chunk * n)
    seconds = np.where(budget <= 0, 0.0, seconds)
    return np.where(seconds >= exp.max_duration_s, np.nan, seconds)
