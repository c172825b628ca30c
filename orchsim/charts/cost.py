"""Cost charts: breakdown by component, crossover map, cost versus volume, Express-versus-Standard
break-even, and a metric per pattern along a swept parameter. Each draws on a given ``ax`` in
orchsim's one style (:mod:`orchsim.charts.style`) and returns it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from orchsim.aws.cost import COMPONENTS
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.charts.style import (
    COLORS,
    COMPONENT_COLORS,
    LABELS,
    OKABE_ITO,
    PATTERN_LABELS,
    PATTERN_LINESTYLES,
    PATTERN_MARKERS,
    PATTERN_SHORT,
    _finish,
    _human,
    _ok_rows,
    _patterns_in,
    _plain_log,
    _volume_formatter,
    add_footer,
    contention_notes,
    figure,
    label,
    plain_text,
    save,
    scenario_assumptions,
    share_formatter,
    styled,
    usd_formatter,
)
from orchsim.model.scenario import Scenario

__all__ = [
    "comparison_chart",
    "plot_breakeven", "plot_cost_breakdown", "plot_cost_vs_volume", "plot_crossover_map", "plot_metric"]

@styled
def plot_cost_breakdown(
    ax: Axes,
    df: pd.DataFrame,
    *,
    title: str | None = None,
    value: str = "usd_per_month",
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Stacked bars of monthly cost by component, one bar per pattern.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        One row per pattern with ``pattern`` and ``cost_<component>_usd`` (USD per month) for the
        components in :data:`orchsim.aws.cost.COMPONENTS`, as :func:`orchsim.analytic.engine.estimate` returns.
    title
        Chart title; None for the default, "" for none.
    value
        The y axis: ``usd_per_month`` or ``usd_per_day`` (monthly cost divided by the days in a
        730-hour month; needs ``docs_per_day`` and ``docs_per_month``).
    prices, region, assumptions
        Price book, region and assumption strings for the footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    rows = df.set_index("pattern").reindex(_patterns_in(df, None))
    scale = (rows["docs_per_day"] / rows["docs_per_month"]).to_numpy(dtype=float) if value == "usd_per_day" else 1.0
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for comp in COMPONENTS:
        vals = rows[f"cost_{comp}_usd"].to_numpy(dtype=float) * scale
        if not np.any(vals > 0):
            continue
        ax.bar(x, vals, bottom=bottom, color=COMPONENT_COLORS[comp], label=LABELS[comp], width=0.6, edgecolor="white")
        bottom += vals
    for xi, total in zip(x, bottom, strict=True):
        ax.annotate(usd_formatter()(total), (xi, total), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points", fontsize=9)
    ax.set_xticks(x, [PATTERN_LABELS[p].replace(" (", "\n(").replace("Functions ", "Functions\n") for p in rows.index])
    ax.set_xlabel(label("pattern"))
    ax.set_ylabel(label(value))
    ax.yaxis.set_major_formatter(usd_formatter())
    ax.set_ylim(0, max(float(bottom.max()) * 1.15 if len(bottom) else 0.0, 1e-9))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="Component")
    ax.grid(axis="x", visible=False)
    return _finish(ax, title, f"{label(value).split(' (')[0]} by component", prices=prices, region=region, assumptions=assumptions, data=df)


def _edges(centers: np.ndarray, log: bool) -> np.ndarray:
    c = np.log10(centers) if log else centers.astype(float)
    if c.size == 1:
        e = np.array([c[0] - 0.5, c[0] + 0.5])
    else:
        mid = (c[1:] + c[:-1]) / 2
        e = np.concatenate([[c[0] - (mid[0] - c[0])], mid, [c[-1] + (c[-1] - mid[-1])]])
    return 10**e if log else e


@styled
def plot_crossover_map(
    ax: Axes,
    df: pd.DataFrame,
    x: str = "workload.docs_per_day",
    y: str = "pipeline.steps",
    *,
    patterns: Sequence[str] | None = None,
    value: str = "cost_total_usd",
    ratio: tuple[str, str] | None = ("sfn-standard", "lambda-chain-sync"),
    levels: Sequence[float] = (0.5, 1.0, 2.0),
    logx: bool = True,
    legend: bool = True,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Which pattern is cheapest at each (``x``, ``y``) cell of a two-key sweep, with cost-ratio contours.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        Tidy sweep frame (:func:`orchsim.study.sweep.sweep`) with columns ``x``, ``y``, ``pattern`` and
        ``value`` (replications are averaged).
    x, y
        Swept keys: ``x`` on a log axis when ``logx`` (documents per day by default), ``y`` linear.
    patterns
        Candidate patterns (default: every pattern in ``df``). Cells where the cheapest pattern
        costs nothing (inside the free tier) are grey; ties go to the earlier pattern of
        :data:`orchsim.PATTERNS`.
    logx
        Log ``x`` axis (drawn as log10 on a linear axis, ticks labelled 100, 1k, ...).
    ratio
        Two patterns ``(a, b)``: contour lines of ``cost(a) / cost(b)`` at ``levels`` (thick solid
        at 1x, where they cross; dashed below, dotted above; named in the legend). None draws no contours.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    data = _ok_rows(df)
    pats = _patterns_in(data, patterns)
    costs = data[data["pattern"].isin(pats)].pivot_table(index=[y, x], columns="pattern", values=value, aggfunc="mean")
    xs = np.sort(data[x].unique().astype(float))
    ys = np.sort(data[y].unique().astype(float))
    full = costs.reindex(pd.MultiIndex.from_product([ys, xs], names=[y, x]))
    arr = full[pats].to_numpy(dtype=float).reshape(len(ys), len(xs), len(pats))
    filled = np.where(np.isfinite(arr), arr, np.inf)
    cheapest = np.argmin(filled, axis=2).astype(float)  # ties go to the earlier pattern
    free = len(pats)
    cheapest[np.min(filled, axis=2) <= 0] = free
    cheapest[~np.isfinite(filled).any(axis=2)] = np.nan
    # log volumes are drawn as log10 on a linear axis: contours and their labels stay well behaved
    u = np.log10(xs) if logx else xs
    cmap = ListedColormap([COLORS[p] for p in pats] + ["#DDDDDD"])
    ax.pcolormesh(_edges(u, False), _edges(ys, False), np.ma.masked_invalid(cheapest), cmap=cmap, vmin=-0.5, vmax=free + 0.5,
                  shading="flat", alpha=0.85)
    handles: list[Any] = [Patch(color=COLORS[p], alpha=0.85, label=PATTERN_LABELS[p]) for p in pats if np.any(cheapest == pats.index(p))]
    if np.any(cheapest == free):
        handles.append(Patch(color="#DDDDDD", label="free (within the free tier)"))
    if ratio is not None and all(p in costs.columns for p in ratio) and len(xs) > 1 and len(ys) > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (full[ratio[0]] / full[ratio[1]]).to_numpy(dtype=float).reshape(len(ys), len(xs))
            z = np.ma.masked_invalid(np.log2(np.where(r > 0, r, np.nan)))
        lv = [v for v in sorted(math.log2(v) for v in levels) if z.count() and z.min() < v < z.max()]
        name = f"{PATTERN_SHORT[ratio[0]]} \u00f7 {PATTERN_SHORT[ratio[1]]} cost"
        for v in lv:
            ls, lw = ("-", 2.2) if abs(v) < 1e-9 else (("--", 1.1) if v < 0 else (":", 1.4))
            ax.contour(u, ys, z, levels=[v], colors="#222222", linewidths=lw, linestyles=ls)
            handles.append(Line2D([], [], color="#222222", lw=lw, ls=ls, label=f"{name} = {2**v:g}\u00d7"))
    if logx:
        lo, hi = math.floor(u.min()), math.ceil(u.max())
        ax.set_xticks([t for t in range(lo, hi + 1) if u.min() - 0.5 <= t <= u.max() + 0.5])
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: _human(10**v)))
    ax.yaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    xl = label(x)
    ax.set_xlabel(xl[:-1] + ", log scale)" if logx and xl.endswith(")") else xl)
    ax.set_ylabel(label(y))
    ax.grid(False)
    if legend:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Cheapest pattern")
    return _finish(ax, title, "Cheapest pattern by volume and pipeline length", prices=prices, region=region, assumptions=assumptions, data=data)


def _interp(xs: np.ndarray, ys: np.ndarray, at: float, logx: bool, logy: bool) -> float:
    u = np.log(xs) if logx else xs
    v = np.log(np.maximum(ys, 1e-300)) if logy else ys
    out = float(np.interp(math.log(at) if logx else at, u, v))
    return math.exp(out) if logy else out


@styled
def plot_cost_vs_volume(
    ax: Axes,
    df: pd.DataFrame,
    x: str = "workload.docs_per_day",
    *,
    value: str = "cost_total_usd",
    simulated: pd.DataFrame | None = None,
    patterns: Sequence[str] | None = None,
    crossovers: bool = True,
    logx: bool = True,
    logy: bool = True,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Cost of each pattern along one swept key, crossovers marked, simulated checks with 95% CIs.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        Tidy analytic sweep frame over ``x`` (one line per pattern, ``value`` in USD).
    x
        The swept key (documents per day by default; any key works, e.g. ``pipeline.steps``).
    simulated
        Simulated rows over ``x``: either raw replications (summarised here with
        :func:`orchsim.study.analysis.summarize`) or a frame that already has ``<value>_ci_low`` and
        ``<value>_ci_high``. Drawn as markers with 95% confidence-interval error bars.
    crossovers
        Mark every pairwise crossing (:func:`orchsim.study.compare.crossovers`: not touches at the ends
        of the sweep, not both free) with a numbered circle, listed in the legend with its x value.
    logx, logy
        Log axes.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    from orchsim.study.analysis import summarize

    data = _ok_rows(df)
    pats = _patterns_in(data, patterns)
    lines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    positive: list[float] = []
    for p in pats:
        g = data[data["pattern"] == p].groupby(x)[value].mean().sort_index()
        xs, ys = g.index.to_numpy(dtype=float), g.to_numpy(dtype=float)
        lines[p] = (xs, ys)
        shown = np.where(ys > 0, ys, np.nan) if logy else ys  # zero (free tier) has no place on a log axis
        positive += [float(v) for v in ys if v > 0]
        ax.plot(xs, shown, color=COLORS[p], lw=2, ls=PATTERN_LINESTYLES[p], label=PATTERN_LABELS[p])
    handles, _ = ax.get_legend_handles_labels()
    if simulated is not None and len(simulated):
        sim = _ok_rows(simulated)
        if f"{value}_ci_low" not in sim.columns:
            sim = summarize(sim, [x, "pattern"], [value])
        for p in pats:
            s = sim[sim["pattern"] == p].sort_values(x)
            if logy:
                s = s[s[value] > 0]
            if not len(s):
                continue
            mean = s[value].to_numpy(dtype=float)
            lo = np.nan_to_num(mean - s[f"{value}_ci_low"].to_numpy(dtype=float), nan=0.0)
            hi = np.nan_to_num(s[f"{value}_ci_high"].to_numpy(dtype=float) - mean, nan=0.0)
            lo = np.minimum(np.maximum(lo, 0), mean * 0.999) if logy else np.maximum(lo, 0)
            ax.errorbar(s[x].to_numpy(dtype=float), mean, yerr=[lo, np.maximum(hi, 0)], fmt="D", ms=5,
                        color=COLORS[p], mec="black", mew=0.6, capsize=3, lw=1.2, zorder=4)
        handles.append(Line2D([], [], marker="D", color="#555555", mec="black", ls="none", label="simulated mean \u00b1 95% CI"))
    if crossovers and len(pats) > 1:
        from orchsim.study.compare import crossovers as real_crossovers

        for n, row in enumerate(real_crossovers(data, x, pats, value=value).to_dict("records"), start=1):
            cx = float(row["x"])
            a, b = str(row["pattern_a"]), str(row["pattern_b"])
            xa, ya = lines[a]
            cy = _interp(xa, ya, cx, logx, logy) if logy and np.all(ya > 0) else float(row["cost_usd"])
            ax.plot([cx], [cy], marker="o", ms=11, mfc="white", mec="black", mew=1.2, zorder=5, ls="none")
            ax.annotate(str(n), (cx, cy), ha="center", va="center", fontsize=7, fontweight="bold", zorder=6)
            xt = _human(cx) if logx else f"{cx:.3g}"
            handles.append(Line2D([], [], marker=f"${n}$", color="black", ls="none", ms=7,
                                  label=f"{PATTERN_SHORT[a]} = {PATTERN_SHORT[b]} at {xt}"))
    if logy and positive:
        ax.set_ylim(min(positive) / 2, max(positive) * 2)
    if not logx and np.allclose(data[x].to_numpy(dtype=float) % 1, 0):
        ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    if logx:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(_volume_formatter())
    if logy:
        ax.set_yscale("log")
    ax.yaxis.set_major_formatter(usd_formatter())
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(value))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    default = f"{label(value).split(' (')[0]} by pattern"
    return _finish(ax, title, default, prices=prices, region=region, assumptions=assumptions, data=data)


@styled
def plot_breakeven(
    ax: Axes,
    df: pd.DataFrame,
    *,
    x: str = "transitions",
    y: str = "breakeven_s",
    by: str = "memory_mb",
    limit_s: float | None = None,
    points: Sequence[tuple[float, float, str]] = (),
    logx: bool | None = None,
    logy: bool = True,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Express-versus-Standard break-even duration against transitions, one line per ``by`` value.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        Tidy frame with ``x`` (state transitions per execution), ``y`` (break-even billed duration,
        s; NaN where Express is cheaper up to its limit) and ``by`` (``memory_mb`` or
        ``executions`` per month), as :func:`orchsim.study.compare.breakeven_grid` returns.
    limit_s
        Express's maximum duration, drawn as a horizontal line (default: from the price book).
    points
        Executions to place on the chart: ``(x, duration_s, label)`` each, drawn as labelled stars.
    logx, logy
        Log axes (``logx`` None: log when ``x`` is ``executions``).
    prices, region, assumptions
        Price book (for the limit and the footer), region and footer assumptions.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    book = load_price_book(prices)
    reg = region or (str(df["region"].iloc[0]) if "region" in df and len(df) else "us-east-1")
    limit = float(limit_s if limit_s is not None else book.express_prices(reg).max_duration_s)
    values = sorted(df[by].unique())
    palette = [c for c in OKABE_ITO if c != "#F0E442"]
    ymin = math.inf
    for i, v in enumerate(values):
        g = df[df[by] == v].sort_values(x)
        ys = g[y].to_numpy(dtype=float)
        finite = ys[np.isfinite(ys) & (ys > 0)]
        if finite.size:
            ymin = min(ymin, float(finite.min()))
        name = f"{v:g} MB" if by.endswith("memory_mb") else _human(float(v)) if by == "executions" else f"{v:g}"
        ax.plot(g[x].to_numpy(dtype=float), ys, color=palette[i % len(palette)], lw=2, ls=["-", "--", "-.", ":"][i % 4], marker="o", ms=3, label=name)
    for px, py, text in points:
        ax.plot([px], [py], marker="*", ms=13, color="black", mfc="#F0E442", mew=1.0, ls="none", zorder=5)
        ax.annotate(text, (px, py), xytext=(9, -4), textcoords="offset points", fontsize=8, va="top",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
        ymin = min(ymin, float(py))
    ax.axhline(limit, color="black", ls="--", lw=1.2)
    ax.annotate(f"Express limit: {limit / 60:g} minutes ({limit:g} s)", (0.99, limit), xycoords=("axes fraction", "data"),
                ha="right", va="bottom", fontsize=8, xytext=(0, 3), textcoords="offset points")
    if logy:
        ax.set_yscale("log")
        lo = max(min(ymin, limit) / 2, 1e-3) if math.isfinite(ymin) else 0.1
        ax.set_ylim(lo, limit * 2.2)
        nice = [m * 10.0**e for e in range(-3, 5) for m in (1, 2, 5)] + [limit]
        ax.yaxis.set_major_locator(mticker.FixedLocator(sorted(t for t in nice if lo <= t <= limit * 2.2)))
        ax.yaxis.set_minor_formatter(mticker.NullFormatter())
    else:
        ax.set_ylim(0, limit * 1.15)
    xv = df[x].to_numpy(dtype=float)
    if logx if logx is not None else x == "executions":
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(_volume_formatter())
    elif xv.size:
        pad = 0.02 * (xv.max() - xv.min() or 1.0)
        ax.set_xlim(xv.min() - pad, xv.max() + pad)
    ax.text(1.02, 0.0, "Above a line: Standard\nis cheaper.\n\nBelow a line: Express\nis cheaper.\n\nNo line: Express is\ncheaper up to its limit.",
            transform=ax.transAxes, ha="left", va="bottom", fontsize=8, style="italic")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=label(by))
    return _finish(ax, title, "Express vs Standard: break-even execution duration", prices=book, region=reg, assumptions=assumptions)


@styled
def plot_metric(
    ax: Axes,
    df: pd.DataFrame,
    x: str,
    metric: str,
    *,
    style_by: str | None = None,
    patterns: Sequence[str] | None = None,
    logx: bool = False,
    logy: bool = False,
    share: bool = False,
    usd: bool = False,
    title: str | None = None,
    legend: bool = True,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """One line per pattern of ``metric`` against ``x``, with 95% CI bars when the frame has them.

    Patterns are drawn with their own marker and dodged slightly along ``x`` so that lines that
    coincide stay visible.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        Summarised frame (:func:`orchsim.study.analysis.summarize`) with ``x``, ``pattern``, ``metric``
        and optionally ``<metric>_ci_low`` / ``<metric>_ci_high``.
    x, metric
        Columns on the x and y axes (their units come from :data:`orchsim.charts.style.LABELS`).
    style_by
        A column whose values get different line styles and hollow markers (e.g.
        ``retry.max_attempts``).
    patterns
        Patterns to draw (default: every pattern in ``df``).
    logx, logy
        Log axes (``logy`` with ``share`` is symmetric-log, so zero stays on the axis).
    share, usd
        Format the y axis as percentages (``metric`` a share in [0, 1]) or USD.
    title, legend
        Title (None: the metric's label) and whether to draw the legend.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    data = _ok_rows(df)
    pats = _patterns_in(data, patterns)
    styles = ["-", "--", ":", "-."]
    groups = sorted(data[style_by].unique(), key=str) if style_by else [None]
    xv = data[x].to_numpy(dtype=float)
    span = (np.log10(xv.max()) - np.log10(xv.min()) if logx else xv.max() - xv.min()) if xv.size and (not logx or xv.min() > 0) else 0.0
    for i, p in enumerate(pats):
        shift = (i - (len(pats) - 1) / 2) * 0.008 * span  # dodge: lines that coincide stay visible
        for j, gv in enumerate(groups):
            g = data[(data["pattern"] == p) & ((data[style_by] == gv) if style_by else True)].sort_values(x)
            if not len(g):
                continue
            xs = g[x].to_numpy(dtype=float)
            xs = xs * 10**shift if logx else xs + shift
            ys = g[metric].to_numpy(dtype=float)
            yerr = None
            if f"{metric}_ci_low" in g.columns:
                lo = np.nan_to_num(ys - g[f"{metric}_ci_low"].to_numpy(dtype=float), nan=0.0)
                hi = np.nan_to_num(g[f"{metric}_ci_high"].to_numpy(dtype=float) - ys, nan=0.0)
                lo = np.minimum(np.maximum(lo, 0), np.abs(ys) * 0.999) if logy and not share else np.maximum(lo, 0)
                yerr = [lo, np.maximum(hi, 0)]
            ax.errorbar(xs, ys, yerr=yerr, color=COLORS[p], ls=styles[j % len(styles)], marker=PATTERN_MARKERS[p], ms=4.5,
                        mfc="white" if j else COLORS[p], capsize=2, lw=1.6, elinewidth=1.0)
    handles: list[Any] = [Line2D([], [], color=COLORS[p], lw=2, marker=PATTERN_MARKERS[p], label=PATTERN_LABELS[p]) for p in pats]
    if style_by:
        handles += [Line2D([], [], color="#444444", ls=styles[j % len(styles)], marker="o", mfc="white" if j else "#444444",
                           label=plain_text(f"{label(style_by)}: {gv}")) for j, gv in enumerate(groups)]
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("symlog" if share else "log", **({"linthresh": 1e-3} if share else {}))
        means = data[metric].to_numpy(dtype=float)
        means = means[np.isfinite(means) & (means > 0)]
        if not share and means.size:  # wide intervals must not stretch the axis by decades
            ax.set_ylim(means.min() / 2, max(ax.get_ylim()[1], means.max() * 1.5))
            _plain_log(ax.yaxis)
    if share:
        ax.yaxis.set_major_formatter(share_formatter())
    elif usd:
        ax.yaxis.set_major_formatter(usd_formatter())
    if x.endswith("error_rate"):
        ax.xaxis.set_major_formatter(share_formatter())
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(metric))
    if legend:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _finish(ax, title, label(metric).split(" (")[0], prices=prices, region=region, assumptions=assumptions, data=data)


@styled
def comparison_chart(df: pd.DataFrame, scenario: Scenario, out_dir: str | Path, *, prices: str | PriceBook | None = None) -> list[Path]:
    """Write the cost-breakdown chart of ``df`` to ``out_dir/cost-comparison.{png,svg}``.

    Parameters
    ----------
    df
        One row per pattern, as :func:`orchsim.study.compare.compare` returns (USD per month).
    scenario
        The scenario compared (title, region and footer assumptions).
    out_dir
        Output folder (created if needed).
    prices
        Price file path or :class:`~orchsim.aws.pricebook.PriceBook`; default the shipped one.

    Returns
    -------
    list[Path]
        The PNG and SVG written.
    """
    book = load_price_book(prices)
    fig, ax = figure()
    plot_cost_breakdown(ax, df, title=f"{scenario.name}: monthly cost by pattern", prices=book, region=scenario.region)
    add_footer(ax, book.footer(scenario.region), scenario_assumptions(scenario) + contention_notes(df))
    return save(fig, Path(out_dir) / "cost-comparison")
