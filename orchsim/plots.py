"""Design-review charts: functions that draw on a given ``ax`` and return it.

One style for every chart (:func:`style`), a colour-blind-safe palette (Okabe-Ito), axis labels
with units from one mapping (:data:`LABELS`), dollar formatting, and a footer naming the price
book's region and as-of date plus the key assumptions (:func:`add_footer`). Save with :func:`save`
(PNG at 200 dpi and SVG).

The execution-history charts (``plot_timeline``, ``timeline_figure``, ``timeline_segments``,
``pick_document``) live in :mod:`orchsim.timeline` and are reachable from here too.

Every ``plot_*`` function takes ``(ax, data, **kw)``, sets a title and labelled axes, writes the
footer (``prices``, ``region`` and ``assumptions`` keywords) and returns ``ax``:

>>> from orchsim import load_scenario
>>> from orchsim.analytic import estimate
>>> sc = load_scenario("data/scenarios/seed-article.yaml")
>>> fig, ax = figure()
>>> ax = plot_cost_breakdown(ax, estimate(sc), assumptions=scenario_assumptions(sc))
>>> paths = save(fig, "reports/example/cost")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

if "ipykernel" not in sys.modules and not os.environ.get("MPLBACKEND"):
    matplotlib.use("Agg")  # headless by default; a Jupyter kernel keeps its inline backend
import matplotlib.axis  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from cycler import cycler  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from orchsim.cost import COMPONENTS  # noqa: E402
from orchsim.pricing import PriceBook, load_price_book  # noqa: E402
from orchsim.scenario import PATTERNS, Scenario  # noqa: E402

__all__ = [
    "COLORS",
    "CATEGORICAL",
    "COMPONENT_COLORS",
    "LABELS",
    "OKABE_ITO",
    "PATTERN_LABELS",
    "PATTERN_LINESTYLES",
    "PATTERN_MARKERS",
    "PATTERN_SHORT",
    "SEGMENT_COLORS",
    "add_footer",
    "figure",
    "label",
    "plot_breakeven",
    "plot_cost_breakdown",
    "plot_cost_vs_volume",
    "plot_crossover_map",
    "plot_latency_cdf",
    "plot_metric",
    "plot_outcomes",
    "save",
    "scenario_assumptions",
    "share_formatter",
    "style",
    "usd_formatter",
]

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
COLORS: dict[str, str] = {
    "lambda-chain-sync": "#D55E00",
    "lambda-chain-async": "#E69F00",
    "sfn-standard": "#0072B2",
    "sfn-express": "#009E73",
}
"""One colour per pattern, from the Okabe-Ito colour-blind-safe palette."""

COMPONENT_COLORS: dict[str, str] = dict(
    zip(COMPONENTS, ["#999999", "#E69F00", "#F0E442", "#0072B2", "#56B4E9", "#009E73", "#CC79A7"], strict=True)
)
"""One colour per cost component (Okabe-Ito plus grey)."""

SEGMENT_COLORS: dict[str, str] = {
    "working": "#0072B2",
    "failed attempt": "#D55E00",
    "cold start": "#56B4E9",
    "waiting on callee": "#BBBBBB",
    "retry backoff": "#E69F00",
    "orchestration overhead": "#CC79A7",
}
"""Timeline segment colours (:func:`plot_timeline`)."""

PATTERN_LABELS: dict[str, str] = {
    "lambda-chain-sync": "Lambda chain (sync)",
    "lambda-chain-async": "Lambda chain (async)",
    "sfn-standard": "Step Functions Standard",
    "sfn-express": "Step Functions Express",
}
"""Legend names of the patterns."""

PATTERN_LINESTYLES: dict[str, Any] = {
    "lambda-chain-sync": "-",
    "lambda-chain-async": (0, (6, 2)),
    "sfn-standard": "-",
    "sfn-express": (0, (1.5, 1.5)),
}
"""Line styles that keep overlapping pattern lines apart (and tell them apart without colour)."""

PATTERN_MARKERS: dict[str, str] = {
    "lambda-chain-sync": "o",
    "lambda-chain-async": "s",
    "sfn-standard": "^",
    "sfn-express": "D",
}
"""One marker per pattern, for charts where lines may coincide."""

PATTERN_SHORT: dict[str, str] = {
    "lambda-chain-sync": "sync chain",
    "lambda-chain-async": "async chain",
    "sfn-standard": "Standard",
    "sfn-express": "Express",
}
"""Short pattern names for annotations."""

LABELS: dict[str, str] = {
    "docs_per_day": "Volume (documents per day)",
    "workload.docs_per_day": "Volume (documents per day)",
    "steps": "Pipeline length (steps)",
    "pipeline.steps": "Pipeline length (steps)",
    "pipeline.step.memory_mb": "Lambda memory (MB)",
    "memory_mb": "Memory (MB)",
    "express_memory_mb": "Express memory (MB)",
    "executions": "Volume (executions per month)",
    "cost_total_usd": "Monthly cost (USD)",
    "cost_per_1000_docs_usd": "Cost per 1,000 documents (USD)",
    "usd_per_month": "Monthly cost (USD)",
    "usd_per_day": "Daily cost (USD)",
    "wasted_usd": "Wasted spend (USD per month)",
    "duration_s": "Execution duration (s)",
    "breakeven_s": "Break-even execution duration (s)",
    "latency_ms": "End-to-end latency (ms)",
    "latency_s": "End-to-end latency (s)",
    "latency_p99_s": "p99 latency of succeeded documents (s)",
    "latency_p50_s": "Median latency of succeeded documents (s)",
    "transitions": "State transitions (per execution)",
    "error_rate": "Transient error rate (share of attempts)",
    "pipeline.step.error_rate": "Transient error rate (share of attempts)",
    "retry.max_attempts": "Retries (ASL MaxAttempts)",
    "chain.dead_letter": "Dead-letter queue (off/on)",
    "share": "Share of documents (%)",
    "share_arrived": "Share of arrived documents (%, log scale)",
    "docs_count": "Documents (count)",
    "success_share": "Documents succeeded (% of finished)",
    "failed_share": "Documents failed, recorded (% of finished)",
    "lost_share": "Documents lost, no record (% of finished)",
    "cdf": "Share of succeeded documents (%)",
    "time_s": "Time since the document arrived (s)",
    "pattern": "Orchestration pattern",
    "outcome": "Document outcome",
    "step": "Pipeline step",
    "lambda_requests": "Lambda requests",
    "lambda_compute": "Lambda compute (GB-s)",
    "lambda_ephemeral": "Lambda ephemeral storage",
    "sfn_transitions": "Standard transitions",
    "express_requests": "Express requests",
    "express_duration": "Express duration (GB-h)",
    "logs": "CloudWatch Logs",
}
"""Axis and legend labels, with units, for every variable a chart shows."""

CATEGORICAL: tuple[str, ...] = ("pattern", "outcome", "step")
"""Keys of :data:`LABELS` for categorical axes (no unit)."""

_FOOTER_GID = "orchsim-footer"
_FOOTER_FONTSIZE = 7
_AXIS_SPACE_IN = 0.75  # room under an axes for tick labels and the x label, inches
_FOOTER_LINE_IN = 0.13  # height of one footer line, inches


def label(key: str) -> str:
    """The axis label (with unit) of ``key`` from :data:`LABELS`; the key itself if it has none."""
    return LABELS.get(key, key)


def style() -> None:
    """Apply orchsim's single chart style (idempotent)."""
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "savefig.dpi": 200,
            "font.size": 10,
            "axes.titlesize": 12,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "legend.frameon": False,
            "legend.fontsize": 8,
            "axes.prop_cycle": cycler(color=OKABE_ITO),
            "svg.fonttype": "none",
        }
    )


class _UsdFormatter(mticker.Formatter):
    """Dollars with the same number of decimals on every tick of a linear axis ($0.50, $1.00,
    $1.50); each value on its own elsewhere ($0.0012, $1.25, $12,345)."""

    def __init__(self, decimals: int | None = None) -> None:
        self.fixed = decimals
        self.decimals: int | None = decimals

    def set_locs(self, locs: Any) -> None:
        super().set_locs(locs)
        if self.fixed is not None:
            return
        log = isinstance(self.axis, matplotlib.axis.Axis) and self.axis.get_scale() != "linear"
        finite = [float(v) for v in locs if np.isfinite(v)]
        self.decimals = None if log or not finite else next(
            (d for d in range(7) if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in finite)), 6)

    def __call__(self, x: float, pos: Any = None) -> str:
        if self.decimals is not None:
            return f"-${abs(x):,.{self.decimals}f}" if x < 0 else f"${x:,.{self.decimals}f}"
        ax_ = abs(x)
        if ax_ == 0:
            return "$0"
        if ax_ >= 100:
            return f"${x:,.0f}"
        if ax_ >= 1:
            return f"${x:,.2f}".replace(".00", "")
        return f"${x:.2g}"


def usd_formatter(decimals: int | None = None) -> mticker.Formatter:
    """Tick formatter for dollars: $0.0012, $1.25, $12,345 (uniform decimals on a linear axis)."""
    return _UsdFormatter(decimals)


def share_formatter() -> mticker.Formatter:
    """Tick formatter for shares in [0, 1] as percentages: 0.01%, 1%, 50%, 100%."""

    def fmt(x: float, _pos: Any = None) -> str:
        if x <= 0:
            return "0%"
        pct = 100.0 * x
        return f"{pct:.2g}%" if pct < 1 else f"{pct:.3g}%"

    return mticker.FuncFormatter(fmt)


def _volume_formatter() -> mticker.Formatter:
    """Tick formatter for counts on a log axis: 100, 10k, 1M, 100M."""

    def fmt(x: float, _pos: Any = None) -> str:
        return _human(x)

    return mticker.FuncFormatter(fmt)


def _human(x: float) -> str:
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{suffix}"
    return f"{x:.3g}"


def _plain_log(axis: Any, fmt: mticker.Formatter | None = None) -> None:
    """Log axis ticks at 1-2-5 steps with plain labels (no 10^x notation), no minor labels."""
    axis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(fmt or mticker.FuncFormatter(lambda v, _p: f"{v:,.6g}"))
    axis.set_minor_formatter(mticker.NullFormatter())


def figure(width: float = 9.0, height: float = 5.5, *, nrows: int = 1, ncols: int = 1, **kw: Any) -> tuple[Figure, Any]:
    """A new figure in orchsim's style with room for the footer.

    Parameters
    ----------
    width, height
        Figure size, inches.
    nrows, ncols
        Subplot grid; with one cell the second value is a single :class:`~matplotlib.axes.Axes`,
        otherwise the array of axes that :func:`matplotlib.pyplot.subplots` returns.
    **kw
        Passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ``gridspec_kw``, ...).
    """
    style()
    fig, ax = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=True, **kw)
    fig.subplots_adjust(bottom=min(0.45, (_AXIS_SPACE_IN + 2 * _FOOTER_LINE_IN) / height))
    if ncols > 1:  # legends sit outside each axes, on its right
        fig.subplots_adjust(wspace=0.7, left=0.07, right=0.86)
    if nrows > 1:
        fig.subplots_adjust(hspace=0.45)
    return fig, ax


def add_footer(ax: Axes, provenance: str, assumptions: Sequence[str] = ()) -> Axes:
    """Write the price book provenance and key assumptions under the chart (as figure text).

    The text has gid ``orchsim-footer``; calling again replaces it (one footer per figure), and the
    figure's bottom margin grows to fit the lines so the footer never covers the axes.
    """
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    for t in list(fig.texts):
        if t.get_gid() == _FOOTER_GID:
            t.remove()
    width_chars = max(60, int(fig.get_figwidth() * 17))
    lines = textwrap.wrap(provenance, width_chars) or [""]
    if assumptions:
        lines += textwrap.wrap("Assumptions: " + "; ".join(assumptions), width_chars)
    fig.text(0.01, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=_FOOTER_FONTSIZE, color="#444444", gid=_FOOTER_GID)
    need = (_AXIS_SPACE_IN + len(lines) * _FOOTER_LINE_IN + 0.05) / fig.get_figheight()
    if not fig.get_constrained_layout() and fig.subplotpars.bottom < need:
        fig.subplots_adjust(bottom=min(need, 0.6))
    return ax


def save(fig: Figure, path: str | Path) -> list[Path]:
    """Save ``fig`` as ``path`` with .png (200 dpi) and .svg, then close it; returns the two paths."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix in (".png", ".svg") else base
    base.parent.mkdir(parents=True, exist_ok=True)
    out = [base.parent / f"{base.name}.png", base.parent / f"{base.name}.svg"]
    fig.savefig(out[0], dpi=200, bbox_inches="tight")
    fig.savefig(out[1], bbox_inches="tight")
    plt.close(fig)
    return out


def scenario_assumptions(scenario: Scenario) -> list[str]:
    """Short strings naming the assumptions a chart of ``scenario`` rests on (for the footer)."""
    steps = scenario.steps()
    mems = sorted({s.memory_mb for s in steps})
    mean_s = sum(s.duration.mean_ms for s in steps) / 1000.0
    return [
        f"scenario {scenario.name}: {scenario.workload.docs_per_day:,.0f} docs/day, {len(steps)} steps, "
        f"mean work {mean_s:.2f} s/doc",
        f"memory {'/'.join(str(m) for m in mems)} MB {steps[0].arch}",
        f"month = 730 h, free tier {'on' if scenario.free_tier else 'off'}",
        f"retry MaxAttempts {scenario.retry.max_attempts}, transition latency "
        f"{scenario.step_functions.transition_latency_ms:g} ms, Express memory {scenario.step_functions.express_memory_mb:g} MB",
    ]


def _finish(
    ax: Axes,
    title: str | None,
    default_title: str,
    *,
    prices: str | PriceBook | None,
    region: str | None,
    assumptions: Sequence[str],
    data: pd.DataFrame | None = None,
) -> Axes:
    """Title (``default_title`` when ``title`` is None; "" for none) and footer, shared by every chart."""
    ax.set_title(default_title if title is None else title)
    if region is None:
        region = str(data["region"].iloc[0]) if data is not None and "region" in data and len(data) else "us-east-1"
    add_footer(ax, load_price_book(prices).footer(region), assumptions)
    return ax


def _patterns_in(df: pd.DataFrame, patterns: Sequence[str] | None) -> list[str]:
    present = set(df["pattern"])
    return [p for p in (patterns or PATTERNS) if p in present]


def _ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["error"].isna()] if "error" in df.columns else df


# --------------------------------------------------------------------------------------------- cost


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
        components in :data:`orchsim.cost.COMPONENTS`, as :func:`orchsim.analytic.estimate` returns.
    title, value
        Chart title and the y axis: ``usd_per_month`` or ``usd_per_day`` (monthly cost divided
        by the days in a 730-hour month; needs ``docs_per_day`` and ``docs_per_month``).
    prices, region, assumptions
        Price book, region and assumption strings for the footer.
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
        Tidy sweep frame (:func:`orchsim.sweep.sweep`) with columns ``x``, ``y``, ``pattern`` and
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
        :func:`orchsim.analysis.summarize`) or a frame that already has ``<value>_ci_low`` and
        ``<value>_ci_high``. Drawn as markers with 95% confidence-interval error bars.
    crossovers
        Mark every pairwise crossing (:func:`orchsim.compare.crossovers`: not touches at the ends
        of the sweep, not both free) with a numbered circle, listed in the legend with its x value.
    logx, logy
        Log axes.
    prices, region, assumptions
        Footer.
    """
    from orchsim.analysis import summarize

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
        from orchsim.compare import crossovers as real_crossovers

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
        ``executions`` per month), as :func:`orchsim.compare.breakeven_grid` returns.
    limit_s
        Express's maximum duration, drawn as a horizontal line (default: from the price book).
    points
        Executions to place on the chart: ``(x, duration_s, label)`` each, drawn as labelled stars.
    logx, logy
        Log axes (``logx`` None: log when ``x`` is ``executions``).
    prices, region, assumptions
        Price book (for the limit and the footer), region and footer assumptions.
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

    Parameters
    ----------
    df
        Summarised frame (:func:`orchsim.analysis.summarize`) with ``x``, ``pattern``, ``metric``
        and optionally ``<metric>_ci_low`` / ``<metric>_ci_high``.
    style_by
        A column whose values get different line styles and hollow markers (e.g.
        ``retry.max_attempts``).
    logx, logy
        Log axes (``logy`` with ``share`` is symmetric-log, so zero stays on the axis).

    Patterns are drawn with their own marker and dodged slightly along ``x`` so that lines that
    coincide stay visible.
    share, usd
        Format the y axis as percentages or dollars.
    prices, region, assumptions
        Footer.
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
                           label=f"{label(style_by)}: {gv}") for j, gv in enumerate(groups)]
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


# ------------------------------------------------------------------------------- simulation results


def _documents(results: Any) -> pd.DataFrame:
    """Per-document rows from a SimulationResult, a mapping or list of them, or a frame."""
    if isinstance(results, pd.DataFrame):
        return results
    items = list(results.values()) if isinstance(results, Mapping) else list(results) if isinstance(results, Sequence) else [results]
    frames = [r.documents for r in items if r.documents is not None]
    if not frames:
        raise ValueError("the results carry no per-document table; simulate with detail=True")
    return pd.concat(frames, ignore_index=True)


def plot_latency_cdf(
    ax: Axes,
    results: Any,
    *,
    patterns: Sequence[str] | None = None,
    logx: bool = True,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Empirical CDF of end-to-end latency (s) of succeeded documents, one line per pattern.

    Parameters
    ----------
    results
        ``{pattern: SimulationResult}``, a list of results (simulated with ``detail=True``), or a
        documents frame with ``pattern``, ``outcome`` and ``latency_ms``.
    logx
        Log latency axis.
    prices, region, assumptions
        Footer.
    """
    docs = _documents(results)
    pats = _patterns_in(docs, patterns)
    for p in pats:
        d = docs[(docs["pattern"] == p) & (docs["outcome"] == "succeeded")]
        lat = np.sort(d["latency_ms"].to_numpy(dtype=float) / 1000.0)
        if not lat.size:
            continue
        cdf = np.arange(1, lat.size + 1) / lat.size
        p99 = float(np.percentile(lat, 99))
        ax.step(lat, cdf, where="post", color=COLORS[p], lw=1.8, ls=PATTERN_LINESTYLES[p], label=f"{PATTERN_LABELS[p]} (p99 {p99:,.1f} s)")
    for q in (0.5, 0.99):
        ax.axhline(q, color="#888888", lw=0.8, ls=":")
    if logx:
        ax.set_xscale("log")
        _plain_log(ax.xaxis)
    ax.set_ylim(0, 1.01)
    ax.yaxis.set_major_formatter(share_formatter())
    ax.set_xlabel(label("latency_s"))
    ax.set_ylabel(label("cdf"))
    ax.legend(loc="lower right")
    return _finish(ax, title, "Latency distribution of succeeded documents", prices=prices, region=region, assumptions=assumptions, data=docs)


OUTCOMES: tuple[tuple[str, str], ...] = (
    ("docs_succeeded", "succeeded"),
    ("docs_failed", "failed (recorded)"),
    ("docs_lost", "lost (no record)"),
    ("docs_in_flight", "in flight at end"),
    ("duplicates", "duplicated executions"),
)


def _summary_rows(rows: Any) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    items = list(rows.values()) if isinstance(rows, Mapping) else list(rows)
    return pd.DataFrame([r.row() if hasattr(r, "row") else dict(r) for r in items])


def plot_outcomes(
    ax: Axes,
    rows: Any,
    *,
    patterns: Sequence[str] | None = None,
    share: bool = True,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Grouped bars of document outcomes per pattern: succeeded, failed, lost, in flight, duplicated.

    Parameters
    ----------
    rows
        Simulation summaries: a frame of :meth:`SimulationResult.row` rows (replications are
        summed), a list of results or rows, or ``{pattern: SimulationResult}``.
    share
        Shares of arrived documents on a log axis (zero bars are labelled ``0``); False: counts.
    prices, region, assumptions
        Footer.
    """
    df = _summary_rows(rows)
    pats = _patterns_in(df, patterns)
    sums = df.groupby("pattern")[[c for c, _ in OUTCOMES] + ["docs_arrived"]].sum()
    width = 0.8 / max(len(pats), 1)
    x = np.arange(len(OUTCOMES))
    floor = 1e-5
    arrived = dict(zip(sums.index, sums["docs_arrived"].to_numpy(dtype=float), strict=True))
    for i, p in enumerate(pats):
        counts = sums.loc[p, [c for c, _ in OUTCOMES]].to_numpy(dtype=float)
        vals = counts / max(arrived[p], 1.0) if share else counts
        pos = x - 0.4 + width * (i + 0.5)
        ax.bar(pos, np.where(vals > 0, vals, np.nan), width=width * 0.92, color=COLORS[p], label=PATTERN_LABELS[p])
        for xi, v, c in zip(pos, vals, counts, strict=True):
            text = "0" if c == 0 else (share_formatter()(v) if share else f"{c:,.0f}")
            ax.annotate(text, (xi, max(v, floor) if share else v), ha="center", va="bottom", fontsize=6.5, rotation=90,
                        xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x, [name.replace(" (", "\n(").replace(" at end", "\nat end").replace("duplicated ", "duplicated\n") for _, name in OUTCOMES])
    ax.set_xlim(-0.5, len(OUTCOMES) - 0.5)
    if share:
        ax.set_yscale("log")
        ax.set_ylim(floor, 8.0)
        ax.yaxis.set_major_formatter(share_formatter())
        ax.set_ylabel(label("share_arrived"))
    else:
        ax.set_ylabel(label("docs_count"))
    ax.set_xlabel(label("outcome"))
    ax.grid(axis="x", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _finish(ax, title, "Document outcomes by pattern", prices=prices, region=region, assumptions=assumptions, data=df)


_TIMELINE = ("pick_document", "plot_timeline", "timeline_figure", "timeline_segments")


def __getattr__(name: str) -> Any:
    """The execution-history charts live in :mod:`orchsim.timeline`; reachable from here too."""
    if name in _TIMELINE:
        from orchsim import timeline

        return getattr(timeline, name)
    raise AttributeError(f"module 'orchsim.plots' has no attribute {name!r}")
