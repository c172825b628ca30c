"""Cost charts: breakdown by component, crossover map, cost versus volume, Express-versus-Standard
break-even, and a metric per pattern along a swept parameter. Each draws on a given ``ax`` in
orchsim's one style (:mod:`orchsim.charts.style`) and returns it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
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
    "VISIBLE_SHARE", "comparison_chart", "cost_finding",
    "plot_breakeven", "plot_cost_breakdown", "plot_cost_vs_volume", "plot_crossover_map", "plot_durable_breakeven", "plot_metric"]

def cost_finding(df: pd.DataFrame, value: str = "usd_per_month") -> str:
    """The finding of a cost comparison in one line: the cheapest pattern, its cost, and the dearest's multiple.

    Parameters
    ----------
    df
        One row per pattern with ``pattern`` and ``cost_total_usd`` (USD per month), as
        :func:`orchsim.analytic.engine.estimate` returns.
    value
        ``usd_per_month`` or ``usd_per_day`` (needs ``docs_per_day`` and ``docs_per_month``).

    Returns
    -------
    str
        E.g. ``"Async chain cheapest at $26/month; the sync chain costs 3.0x that"``.

    Examples
    --------
    >>> rows = pd.DataFrame({"pattern": ["lambda-chain-sync", "lambda-chain-async"], "cost_total_usd": [78.0, 26.0]})
    >>> cost_finding(rows)
    'Async chain cheapest at $26/month; the sync chain costs 3.0x that'
    """
    totals = _totals(df, value)
    if totals.empty:
        return "No pattern priced"
    per = "day" if value == "usd_per_day" else "month"
    cheap, dear = str(totals.idxmin()), str(totals.idxmax())
    low, high = float(totals.min()), float(totals.max())
    head = f"{PATTERN_SHORT[cheap][0].upper()}{PATTERN_SHORT[cheap][1:]} cheapest at {usd_formatter()(low)}/{per}"
    if cheap == dear or high <= 0:
        return head
    ratio = f"{high / low:.1f}x that" if low > 0 else f"{usd_formatter()(high)}/{per}"
    return f"{head}; the {PATTERN_SHORT[dear]} costs {ratio}"


def _totals(df: pd.DataFrame, value: str) -> pd.Series:
    """Total cost per pattern (USD per month, or per day for ``usd_per_day``), in PATTERNS order."""
    rows = df.set_index("pattern").reindex(_patterns_in(df, None))
    scale = rows["docs_per_day"] / rows["docs_per_month"] if value == "usd_per_day" else 1.0
    return (rows["cost_total_usd"] * scale).astype(float)


VISIBLE_SHARE = 0.01
"""A component whose largest segment is under this share of the cost axis is too thin to see: it is
left out of the legend and named in a note instead."""


@styled
def plot_cost_breakdown(
    ax: Axes,
    df: pd.DataFrame,
    *,
    title: str | None = None,
    value: str = "usd_per_month",
    highlight: bool = True,
    references: Mapping[str, tuple[float, str]] | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Stacked bars of monthly cost by component, one bar per pattern, the cheapest outlined.

    Components too thin to see (under 1% of the cost axis, :data:`VISIBLE_SHARE`) are still drawn
    but left out of the legend, and named in a note under it with their largest amount.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        One row per pattern with ``pattern`` and ``cost_<component>_usd`` (USD per month) for the
        components in :data:`orchsim.aws.cost.COMPONENTS`, as :func:`orchsim.analytic.engine.estimate` returns.
    title
        Chart title; None for the finding (:func:`cost_finding`, after the scenario's name when
        ``df`` has a ``scenario`` column), "" for none.
    value
        The y axis: ``usd_per_month`` or ``usd_per_day`` (monthly cost divided by the days in a
        730-hour month; needs ``docs_per_day`` and ``docs_per_month``).
    highlight
        Outline the cheapest bar in black and label it "cheapest".
    references
        Figures to compare with, by pattern: ``{pattern: (amount, label)}`` in the unit of ``value``,
        each drawn as a narrow hatched bar right of that pattern's bar with its label above.
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
    comps = _stacked(rows, scale)
    totals = sum(comps.values(), np.zeros(len(rows)))
    refs = dict(references or {})
    top = max([float(np.max(totals, initial=0.0))] + [float(v) for v, _ in refs.values()])
    hidden: list[str] = []
    for comp, vals in comps.items():
        if not np.any(vals > 0):
            continue
        visible = float(vals.max()) >= VISIBLE_SHARE * top
        if not visible:
            hidden.append(f"{LABELS[comp].split(' (')[0]}: up to ${float(vals.max()):,.2f}" if vals.max() >= 0.01 else f"{LABELS[comp].split(' (')[0]}: under $0.01")
        ax.bar(x, vals, bottom=bottom, color=COMPONENT_COLORS[comp], label=LABELS[comp] if visible else "_nolegend_",
               width=0.6, edgecolor="white")
        bottom += vals
    cheapest = int(np.argmin(bottom)) if len(bottom) else -1
    for i, (xi, total) in enumerate(zip(x, bottom, strict=True)):
        best = highlight and i == cheapest and len(bottom) > 1
        text = usd_formatter()(total) + ("\ncheapest" if best else "")
        ax.annotate(text, (xi, total), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points", fontsize=9,
                    fontweight="bold" if best else "normal")
    if highlight and len(bottom) > 1:
        x0, x1, t = cheapest - 0.3, cheapest + 0.3, float(bottom[cheapest])  # an outline, not a bar segment
        ax.plot([x0, x0, x1, x1, x0], [0.0, t, t, 0.0, 0.0], color="black", lw=2.2, zorder=3, label="_nolegend_", gid="orchsim-cheapest")
    for pattern, (amount, text) in refs.items():
        if pattern not in rows.index:
            continue
        ref_x = float(list(rows.index).index(pattern)) + 0.41
        ax.bar([ref_x], [amount], width=0.18, color="white", edgecolor="black", hatch="////", lw=1.0, label="_nolegend_", gid="orchsim-reference")
        ax.annotate(plain_text(text), (ref_x, amount), ha="left", va="bottom", xytext=(-4, 3), textcoords="offset points", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    labels = [PATTERN_LABELS[p].replace(" (", "\n(").replace("Functions ", "Functions\n").replace("durable ", "durable\n")
              for p in rows.index]
    ax.set_xticks(x, labels)
    if highlight and len(bottom) > 1:
        ax.get_xticklabels()[cheapest].set_fontweight("bold")
    ax.set_xlabel(label("pattern"))
    ax.set_ylabel(label(value))
    ax.yaxis.set_major_formatter(usd_formatter())
    ax.set_ylim(0, max(top * 1.2, 1e-9))
    handles, _ = ax.get_legend_handles_labels()
    if refs:
        handles.append(Patch(facecolor="white", edgecolor="black", hatch="////", label="figure compared with"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="Component")
    if hidden:
        ax.annotate("Too thin to see\n(< 1% of the axis):\n" + "\n".join(plain_text(h) for h in hidden), (1.0, 0.0), xycoords="axes fraction",
                    xytext=(8, 0), textcoords="offset points", ha="left", va="bottom", fontsize=7.5, color="#444444")
    ax.grid(axis="x", visible=False)
    if title is None:
        name = f"{df['scenario'].iloc[0]}: " if "scenario" in df.columns and len(df) else ""
        title = name + cost_finding(df, value)
    return _finish(ax, title, "", prices=prices, region=region, assumptions=assumptions, data=df)


DURABLE_COLUMNS = ("cost_durable_operations_usd", "cost_durable_data_written_usd", "cost_durable_data_retained_usd")
"""A durable function's own cost columns (:mod:`orchsim.aws.durable`), stacked as one segment."""


def _stacked(rows: pd.DataFrame, scale: Any) -> dict[str, np.ndarray]:
    """Each bar's segments: the price components, a durable function's operations and data, and what
    is left of the total (other services and models), so a bar reaches the total."""
    comps = {c: rows[f"cost_{c}_usd"].to_numpy(dtype=float) * scale for c in COMPONENTS}
    cols = [c for c in DURABLE_COLUMNS if c in rows.columns]
    if cols:
        comps["durable"] = rows[cols].fillna(0.0).sum(axis=1).to_numpy(dtype=float) * scale
    if "cost_total_usd" in rows.columns:
        rest = rows["cost_total_usd"].to_numpy(dtype=float) * scale - sum(comps.values(), np.zeros(len(rows)))
        if np.any(rest > 1e-9):
            comps["services"] = np.clip(rest, 0.0, None)
    return comps


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
    point: tuple[float, float] | None = None,
    point_label: str = "scenario",
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
        at 1x, where they cross; dashed below, dotted above; "cost ratio" in the legend, the pair
        named in the default title: name it in your own). None draws no contours.
        Compare the patterns the fill shows (e.g. the two that share its boundary), so lines and fill
        tell the same story. Inside the free tier, where a ratio has no value, the lines stop at the
        free (grey) cells instead of breaking into fragments.
    point, point_label
        The scenario's own operating point ``(x, y)`` (e.g. its documents per day and steps), drawn
        as a star named in the legend.
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
    ratio_name = ""
    if ratio is not None and all(p in costs.columns for p in ratio) and len(xs) > 1 and len(ys) > 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (full[ratio[0]] / full[ratio[1]]).to_numpy(dtype=float).reshape(len(ys), len(xs))
            z = _fill_along_x(np.log2(np.where(np.isfinite(r) & (r > 0), r, np.nan)))
        lv = [v for v in sorted(math.log2(v) for v in levels) if np.isfinite(z).any() and np.nanmin(z) < v < np.nanmax(z)]
        ratio_name = f"{PATTERN_SHORT[ratio[0]]} \u00f7 {PATTERN_SHORT[ratio[1]]} cost"
        for v in lv:
            ls, lw = ("-", 2.2) if abs(v) < 1e-9 else (("--", 1.1) if v < 0 else (":", 1.4))
            ax.contour(u, ys, np.ma.masked_invalid(z), levels=[v], colors="#222222", linewidths=lw, linestyles=ls, zorder=2)
            handles.append(Line2D([], [], color="#222222", lw=lw, ls=ls, label=f"cost ratio {2**v:g}\u00d7" + (" (equal)" if abs(v) < 1e-9 else "")))
        if np.any(cheapest == free):  # the free cells cover the lines there: no ratio of $0 costs
            ax.pcolormesh(_edges(u, False), _edges(ys, False), np.ma.masked_where(cheapest != free, cheapest),
                          cmap=ListedColormap(["#DDDDDD"]), shading="flat", zorder=2.5)
    if point is not None:
        px = math.log10(point[0]) if logx else float(point[0])
        ax.plot([px], [point[1]], marker="*", ms=16, color="black", mfc="white", mew=1.4, ls="none", zorder=5, gid="orchsim-point")
        handles.append(Line2D([], [], marker="*", ms=11, color="black", mfc="white", ls="none", label=plain_text(point_label)))
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
    default = "Cheapest pattern by volume and pipeline length" + (f"\nlines: {ratio_name}" if ratio_name else "")
    return _finish(ax, title, default, prices=prices, region=region, assumptions=assumptions, data=data)


def _fill_along_x(z: np.ndarray) -> np.ndarray:
    """Each row's missing values (NaN) replaced by the nearest value along the row (the last axis)."""
    out = z.copy()
    idx = np.arange(z.shape[1])
    for row in out:
        ok = np.isfinite(row)
        if ok.any() and not ok.all():
            row[~ok] = np.interp(idx[~ok], idx[ok], row[ok])
    return out


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
    point: float | None = None,
    point_label: str = "scenario",
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Cost of each pattern along one swept key, crossovers marked, simulated checks with 95% CIs.

    Each line has its pattern's line style and markers, so lines that coincide stay apart; pairs
    within 5% of each other everywhere are named in a note. On a log cost axis a pattern's $0 points
    (inside the free tier) cannot be drawn: the note says below which ``x`` each line is $0.

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
        of the sweep, not both free) with a numbered circle where the two drawn lines cross, listed in
        the legend with the pattern cheaper beyond it; along ``pipeline.steps`` (whole steps) the
        label gives the first whole step count from which it is cheaper ("from 4 steps").
    logx, logy
        Log axes.
    point, point_label
        The scenario's own ``x`` (its volume or step count), drawn as a labelled vertical line.
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
    notes: list[str] = []
    unit = "steps" if x.endswith("steps") else "docs/day" if x.endswith("docs_per_day") else ""
    for i, p in enumerate(pats):
        g = data[data["pattern"] == p].groupby(x)[value].mean().sort_index()
        xs, ys = g.index.to_numpy(dtype=float), g.to_numpy(dtype=float)
        lines[p] = (xs, ys)
        shown = np.where(ys > 0, ys, np.nan) if logy else ys  # zero (free tier) has no place on a log axis
        positive += [float(v) for v in ys if v > 0]
        every = (i % 3, 3) if xs.size > 12 else 1
        ax.plot(xs, shown, color=COLORS[p], lw=2, ls=PATTERN_LINESTYLES[p], marker=PATTERN_MARKERS[p], ms=4.5, markevery=every,
                label=PATTERN_LABELS[p])
        if logy and np.any(ys <= 0) and np.any(ys > 0):
            first = float(xs[np.flatnonzero(ys > 0)[0]])
            notes.append(f"{PATTERN_SHORT[p]}: $0 (free tier) below {_xtext(first, logx)} {unit}".rstrip())
    for i, a in enumerate(pats):
        for b in pats[i + 1:]:
            (xa, ya), (xb, yb) = lines[a], lines[b]
            if xa.size and np.array_equal(xa, xb) and np.all(ya > 0) and np.all(yb > 0) and np.max(np.abs(np.log(ya / yb))) < math.log(1.05):
                notes.append(f"{PATTERN_SHORT[a]} and {PATTERN_SHORT[b]} overlap (within 5%)")
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
            a, b = str(row["pattern_a"]), str(row["pattern_b"])
            cx, cy = _line_crossing(lines[a], lines[b], float(row["x"]), logx, logy, fallback=float(row["cost_usd"]))
            ax.plot([cx], [cy], marker="o", ms=11, mfc="white", mec="black", mew=1.2, zorder=5, ls="none", gid="orchsim-crossing")
            ax.annotate(str(n), (cx, cy), ha="center", va="center", fontsize=7, fontweight="bold", zorder=6)
            above, below = PATTERN_SHORT[str(row["cheaper_above"])], PATTERN_SHORT[str(row["cheaper_below"])]
            where = f"from {row['x']:.0f} {unit}" if x.endswith("steps") else f"above {_xtext(float(row['x']), logx)} {unit}"
            handles.append(Line2D([], [], marker=f"${n}$", color="black", ls="none", ms=7,
                                  label=f"{above} cheaper than {below} {where}".rstrip()))
    if point is not None:
        handles.append(ax.axvline(point, color="#444444", ls=(0, (1, 2)), lw=1.4, zorder=1.5, gid="orchsim-point", label=plain_text(point_label)))
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
    ax.legend(handles=handles, loc="upper left", framealpha=0.9, frameon=True, edgecolor="none")  # inside: the slide's width
    if notes:
        ax.annotate("\n".join(plain_text(t) for t in notes), (0.99, 0.02), xycoords="axes fraction", ha="right", va="bottom",
                    fontsize=7.5, color="#444444", gid="orchsim-notes", bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "none", "alpha": 0.9})
    default = f"{label(value).split(' (')[0]} by pattern"
    return _finish(ax, title, default, prices=prices, region=region, assumptions=assumptions, data=data)


def _reaches_limit(xs: np.ndarray, ys: np.ndarray, limit: float, logx: bool) -> float | None:
    """The ``x`` at which a break-even line that stops (NaN: Express cheaper up to its limit) meets
    the limit, extrapolated from its last two points and kept before the first missing one; None
    when the line does not stop inside the sweep."""
    finite = np.isfinite(ys)
    if not finite.any() or finite[-1] or finite.all():
        return None
    k = int(np.flatnonzero(finite)[-1])
    if k + 1 >= xs.size or np.isfinite(ys[k + 1:]).any():
        return None
    u = np.log(xs) if logx else xs.astype(float)
    nxt = float(u[k + 1])
    if k >= 1 and ys[k] > ys[k - 1]:
        slope = (ys[k] - ys[k - 1]) / (u[k] - u[k - 1])
        at = min(float(u[k] + (limit - ys[k]) / slope), nxt)
    else:
        at = nxt
    at = max(at, float(u[k]))
    return float(math.exp(at)) if logx else at


def _xtext(v: float, logx: bool) -> str:
    return _human(v) if logx else f"{v:,.3g}"


def _line_crossing(
    line_a: tuple[np.ndarray, np.ndarray], line_b: tuple[np.ndarray, np.ndarray], at: float, logx: bool, logy: bool, *, fallback: float,
) -> tuple[float, float]:
    """Where the two drawn lines cross in the sweep segment that holds ``at`` (straight segments in
    the axes' own scales), as ``(x, y)``; ``(at, fallback)`` when they do not cross there."""
    (xa, ya), (xb, yb) = line_a, line_b
    common, ia, ib = np.intersect1d(xa, xb, return_indices=True)
    fa, fb = ya[ia], yb[ib]
    j = int(np.searchsorted(common, at, side="left")) - 1
    if j < 0 or j + 1 >= common.size:
        return at, fallback
    seg_a, seg_b = fa[j:j + 2].astype(float), fb[j:j + 2].astype(float)
    log_y = logy and min(seg_a.min(), seg_b.min()) > 0
    ta, tb = (np.log(seg_a), np.log(seg_b)) if log_y else (seg_a, seg_b)
    d0, d1 = ta[0] - tb[0], ta[1] - tb[1]
    if d0 == d1 or d0 * d1 > 0:
        return at, fallback
    t = d0 / (d0 - d1)
    u = np.log(common[j:j + 2]) if logx else common[j:j + 2]
    cu = u[0] + t * (u[1] - u[0])
    cv = ta[0] + t * (ta[1] - ta[0])
    return float(math.exp(cu) if logx else cu), float(math.exp(cv) if log_y else cv)


@styled
def plot_breakeven(
    ax: Axes,
    df: pd.DataFrame,
    *,
    x: str = "transitions",
    y: str = "breakeven_s",
    by: str = "memory_mb",
    limit_s: float | None = None,
    points: Sequence[tuple[float, float, str] | tuple[float, float, str, float]] = (),
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
        Executions to place on the chart: ``(x, duration_s, label)`` each, drawn as labelled stars;
        ``(x, duration_s, label, by_value)`` also marks the break-even on that execution's own curve
        (its ``by`` value, e.g. its Express memory) with a ring joined to the star.
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
    palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"]
    styles: list[Any] = ["-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 1))]
    markers = ["o", "s", "^", "D", "v", "P", "X"]
    logx_ = logx if logx is not None else x == "executions"
    ymin = math.inf
    shown_x: list[float] = []
    curves: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for i, v in enumerate(values):
        g = df[df[by] == v].sort_values(x)
        xs, ys = g[x].to_numpy(dtype=float), g[y].to_numpy(dtype=float)
        curves[float(v)] = (xs, ys)
        finite = np.isfinite(ys) & (ys > 0)
        if finite.any():
            ymin = min(ymin, float(ys[finite].min()))
        name = f"{v:g} MB" if by.endswith("memory_mb") else _human(float(v)) if by == "executions" else f"{v:g}"
        color, ls = palette[i % len(palette)], styles[i % len(styles)]
        ax.plot(xs, ys, color=color, lw=2, ls=ls, marker=markers[i % len(markers)], ms=3.5, label=name)
        shown_x += [float(t) for t in xs[finite]]
        reach = _reaches_limit(xs, ys, limit, logx_)
        if reach is not None:  # Express cheaper up to its limit beyond: draw the line on to the limit and mark it
            k = int(np.flatnonzero(finite)[-1])
            ax.plot([xs[k], reach], [ys[k], limit], color=color, lw=2, ls=ls, label="_nolegend_")
            ax.plot([reach], [limit], marker="o", ms=7, mfc="white", mec=color, mew=1.8, ls="none", zorder=4, gid="orchsim-limit-reached")
            shown_x.append(reach)
    for point in points:
        px, py, text = float(point[0]), float(point[1]), str(point[2])
        ax.plot([px], [py], marker="*", ms=13, color="black", mfc="#F0E442", mew=1.0, ls="none", zorder=5, gid="orchsim-point")
        if len(point) > 3 and float(point[3]) in curves:  # the scenario's own curve: mark its break-even there
            cxs, cys = curves[float(point[3])]
            on = float(np.interp(px, cxs, cys)) if np.isfinite(cys).all() else math.nan
            if math.isfinite(on):
                ax.plot([px], [on], marker="o", ms=9, mfc="none", mec="black", mew=1.5, ls="none", zorder=5, gid="orchsim-point-curve")
                ax.plot([px, px], [py, on], color="black", lw=0.9, ls=(0, (2, 2)), zorder=4)
                text += f"\n(its curve: break-even {on:,.0f} s)"
        ax.annotate(plain_text(text), (px, py), xytext=(9, -4), textcoords="offset points", fontsize=8, va="top",
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85})
        ymin = min(ymin, py)
        shown_x.append(px)
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
    xv = np.array(shown_x or df[x].to_numpy(dtype=float).tolist(), dtype=float)  # fit the axis to what is drawn
    if logx_:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(_volume_formatter())
        if xv.size:
            ax.set_xlim(xv.min() / 1.5, xv.max() * 1.5)
    elif xv.size:
        pad = 0.03 * (xv.max() - xv.min() or 1.0)
        ax.set_xlim(xv.min() - pad, xv.max() + pad)
        if np.allclose(df[x].to_numpy(dtype=float) % 1, 0):
            ax.xaxis.set_major_locator(mticker.MaxNLocator(integer=True))
    ax.text(1.02, 0.0, "Above a line: Standard\nis cheaper.\n\nBelow a line: Express\nis cheaper.\n\n\u25cb on the limit: from there\nExpress is cheaper up\nto its limit.",
            transform=ax.transAxes, ha="left", va="bottom", fontsize=8, style="italic")
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.set_xlabel(label(x))
    ax.set_ylabel(label(y))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title=label("express_memory_mb" if by == "memory_mb" else by))
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
    plot_cost_breakdown(ax, df, title=f"{scenario.name}: {cost_finding(df)}", prices=book, region=scenario.region)
    add_footer(ax, book.footer(scenario.region), scenario_assumptions(scenario) + contention_notes(df))
    return save(fig, Path(out_dir) / "cost-comparison")


def plot_durable_breakeven(
    ax: Axes,
    be: pd.DataFrame,
    *,
    longest_days: float,
    shortest_days: float,
    point: tuple[float, float, str] | None = None,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """How long a Task may wait before Standard beats a durable function, against checkpoint size.

    Parameters
    ----------
    ax
        Axes to draw on.
    be
        One row per size, as :func:`orchsim.study.compare.durable_breakeven` returns (``result_kb``,
        ``breakeven_days``, ``durable_cheaper_at_shortest``, ``durable_cheaper_at_longest``).
    longest_days, shortest_days
        The range of waits evaluated, days (a size whose durable function is cheaper throughout is
        drawn at the top with an arrow; one never cheaper, at the bottom with a cross).
    point
        The scenario's own ``(result_kb, typical wait days, label)``, drawn as a star.
    title, prices, region, assumptions
        Title (None: the finding), price book, region and footer assumptions.

    Returns
    -------
    Axes
        ``ax``, titled, labelled, with the footer.
    """
    rows = be.sort_values("result_kb")
    kb = rows["result_kb"].to_numpy(dtype=float)
    days = rows["breakeven_days"].to_numpy(dtype=float)
    top, bottom = longest_days * 1.6, shortest_days / 1.6
    always = rows["durable_cheaper_at_longest"].to_numpy(dtype=bool) & ~np.isfinite(days)
    never = ~rows["durable_cheaper_at_shortest"].to_numpy(dtype=bool) & ~np.isfinite(days)
    shown = np.where(always, top, np.where(never, bottom, days))
    color = COLORS["lambda-durable"]
    ax.fill_between(kb, bottom, shown, color=color, alpha=0.3, lw=0, label="durable function cheaper")
    ax.fill_between(kb, shown, top, facecolor="white", edgecolor="#999999", hatch="///", lw=0, label="Standard cheaper")
    drawn = ~never
    ax.plot(kb[drawn], shown[drawn], color="black", lw=1.6, marker="o", ms=5, label="break-even wait")
    for x_, y_ in zip(kb[always], shown[always], strict=True):
        ax.annotate("", (x_, y_ * 1.35), (x_, y_), arrowprops={"arrowstyle": "->", "lw": 1.2}, annotation_clip=False)
    if always.any():
        ax.plot([], [], ls="none", marker=r"$\uparrow$", color="black", label=f"durable cheaper up to {longest_days:,.0f} days")
    if never.any():
        ax.plot(kb[never], shown[never], ls="none", marker="x", ms=8, mew=2, color="black", clip_on=False,
                label="Standard cheaper at every wait")
    if point is not None:
        ax.plot([point[0]], [point[1]], marker="*", ms=14, color="black", mfc="#F0E442", ls="none", zorder=5, label=point[2])
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(kb.min() / 1.3, kb.max() * 1.3)
    ax.set_ylim(bottom, top)
    ax.xaxis.set_major_locator(mticker.FixedLocator(kb.tolist()))
    ax.xaxis.set_minor_locator(mticker.NullLocator())
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.set_xlabel(label("durable.result_kb"))
    ax.set_ylabel(label("breakeven_days"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    if title is None:
        finite = rows[np.isfinite(days)]
        parts = []
        if always.any():
            parts.append(f"always up to {float(kb[always].max()):g} KB checkpoints")
        if len(finite):
            lo, hi = finite.iloc[0], finite.iloc[-1]
            parts.append(f"for waits under {lo['breakeven_days']:,.0f} days at {lo['result_kb']:g} KB" + (
                f" and {hi['breakeven_days']:,.0f} days at {hi['result_kb']:g} KB" if len(finite) > 1 else ""))
        if never.any():
            parts.append(f"never from {float(kb[never].min()):g} KB")
        title = ("Durable beats Standard " + ", ".join(parts)) if parts else "No break-even in the range shown"
    return _finish(ax, title, "", prices=prices, region=region, assumptions=assumptions, data=None)
