"""The failure sweep: outcomes, wasted spend and latency against the transient error rate.

:func:`plot_failure_sweep` draws one metric of a simulated sweep over error rate x ASL retries
(``retry.max_attempts``), a line per pattern and retry setting. The asynchronous Lambda chain does
not use the ASL retry policy (Lambda retries its async events itself, ``chain.async_max_retries``
times), so it is drawn once and labelled with its own setting. Lines that coincide are listed in a
note on the axes, so no curve hides another. :func:`failure_sweep_figure` puts four metrics on one
slide with the finding as its title (:func:`failure_finding`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from orchsim.aws.pricebook import PriceBook
from orchsim.charts.style import (
    COLORS,
    PATTERN_LABELS,
    PATTERN_MARKERS,
    PATTERN_SHORT,
    _finish,
    _ok_rows,
    _patterns_in,
    _plain_log,
    add_suptitle,
    figure,
    label,
    share_formatter,
    styled,
    usd_formatter,
)

__all__ = [
    "ASYNC",
    "PANELS",
    "failure_finding",
    "failure_handles",
    "failure_sweep_figure",
    "failure_sweep_lines",
    "plot_failure_sweep",
]

ASYNC = "lambda-chain-async"
"""The pattern that ignores the ASL retry policy (its retries are Lambda's async retries)."""

_STYLES = ["-", "--", ":", "-."]
_SAME = 1e-9  # lines closer than this everywhere coincide


def failure_sweep_lines(df: pd.DataFrame, x: str, metric: str, *, retries: str = "retry.max_attempts",
                        patterns: Sequence[str] | None = None) -> pd.DataFrame:
    """The lines :func:`plot_failure_sweep` draws: one per pattern and retry setting, the async chain once.

    Parameters
    ----------
    df
        Summarised sweep (:func:`orchsim.study.analysis.summarize`) with ``x``, ``retries``,
        ``pattern`` and ``metric`` (optionally ``<metric>_ci_low`` / ``_ci_high``).
    x, metric, retries
        Columns: the x axis, the y axis and the ASL retry setting.
    patterns
        Patterns to keep (default: every pattern in ``df``).

    Returns
    -------
    pandas.DataFrame
        The rows drawn, sorted by pattern, retries and ``x``, with a ``line`` column
        (``"<pattern>|<retries>"``; the async chain's rows are those of its largest retry value,
        the others being the same runs, and its line is ``"lambda-chain-async|"``) and ``same_as``
        (the earlier line this one coincides with, or "").
    """
    data = _ok_rows(df)
    pats = _patterns_in(data, patterns)
    parts = []
    for p in pats:
        rows = data[data["pattern"] == p]
        if p == ASYNC:
            rows = rows[rows[retries] == rows[retries].max()].assign(line=f"{p}|")
            parts.append(rows)
        else:
            parts += [g.assign(line=f"{p}|{v}") for v, g in rows.groupby(retries, sort=True)]
    out = pd.concat(parts, ignore_index=True) if parts else data.iloc[:0].assign(line="")
    order = list(dict.fromkeys(out["line"]))
    order.sort(key=lambda ln: (pats.index(ln.split("|")[0]), ln))
    ys = {ln: out.loc[out["line"] == ln].sort_values(x) for ln in order}
    same: dict[str, str] = {}
    for i, ln in enumerate(order):
        for prev in order[:i]:
            a, b = ys[ln], ys[prev]
            if prev not in same and len(a) == len(b) and np.allclose(a[x].to_numpy(float), b[x].to_numpy(float)) and \
                    np.allclose(a[metric].to_numpy(float), b[metric].to_numpy(float), rtol=0, atol=_SAME, equal_nan=True):
                same[ln] = prev
                break
    out = pd.concat([ys[ln] for ln in order], ignore_index=True) if order else out
    out["same_as"] = out["line"].map(same).fillna("")
    return out


def _line_name(line: str, async_retries: int | None) -> str:
    p, _, v = line.partition("|")
    if p == ASYNC:
        return f"{PATTERN_SHORT.get(p, p)}" + (f" ({async_retries} async retries)" if async_retries is not None else "")
    return f"{PATTERN_SHORT.get(p, p)} ({v} retries)"


@styled
def plot_failure_sweep(
    ax: Axes,
    df: pd.DataFrame,
    metric: str,
    *,
    x: str = "pipeline.step.error_rate",
    retries: str = "retry.max_attempts",
    async_retries: int | None = None,
    patterns: Sequence[str] | None = None,
    logy: bool = False,
    title: str | None = None,
    legend: bool = True,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """One metric of the failure sweep against the error rate: a line per pattern and ASL retry setting.

    Colour and marker name the pattern, the line style the ASL ``MaxAttempts`` (solid: the
    smallest). The asynchronous chain is one solid line (its retries are Lambda's async retries,
    ``async_retries``, whatever the ASL setting). Lines that coincide are named in a note at the
    top of the axes (``= Standard (0 retries)``) and the later one drawn hollow on top.

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        Summarised sweep, as for :func:`failure_sweep_lines`.
    metric
        The y column: a share (``*_share``, in [0, 1], drawn as %), ``*_usd`` (USD) or seconds.
    x, retries
        The error-rate column (share of attempts) and the ASL retry column.
    async_retries
        The async chain's ``chain.async_max_retries``, for its legend entry.
    patterns
        Patterns to draw (default: every pattern in ``df``).
    logy
        Log y axis (seconds; ticks at 1-2-5).
    title, legend
        Title (None: the metric's label) and whether to draw the legend.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    lines = failure_sweep_lines(df, x, metric, retries=retries, patterns=patterns)
    values = sorted({ln.split("|")[1] for ln in lines["line"] if not ln.startswith(f"{ASYNC}|")}, key=lambda v: float(v))
    notes = []
    for ln, g in lines.groupby("line", sort=False):
        p, _, v = str(ln).partition("|")
        j = values.index(v) if v in values else 0
        twin = str(g["same_as"].iloc[0])
        ys = g[metric].to_numpy(dtype=float)
        yerr = None
        if f"{metric}_ci_low" in g.columns:
            lo = np.nan_to_num(ys - g[f"{metric}_ci_low"].to_numpy(dtype=float), nan=0.0)
            hi = np.nan_to_num(g[f"{metric}_ci_high"].to_numpy(dtype=float) - ys, nan=0.0)
            yerr = [np.maximum(lo, 0) if not logy else np.minimum(np.maximum(lo, 0), np.abs(ys) * 0.999), np.maximum(hi, 0)]
        ax.errorbar(g[x].to_numpy(dtype=float), ys, yerr=yerr, color=COLORS.get(p, "black"), ls=_STYLES[j % len(_STYLES)],
                    marker=PATTERN_MARKERS.get(p, "o"), ms=8 if twin else 5, mfc="none" if twin else COLORS.get(p, "black"),
                    mew=1.5, capsize=2, lw=1.6, elinewidth=1.0, zorder=4 if twin else 3)
        if twin:
            notes.append(f"{_line_name(str(ln), async_retries)} = {_line_name(twin, async_retries)}")
    means = lines[metric].to_numpy(dtype=float)
    means = means[np.isfinite(means)]
    if logy and (means > 0).any():  # wide intervals must not stretch the axis by decades
        ax.set_yscale("log")
        ax.set_ylim(means[means > 0].min() / 1.5, means.max() * 1.5)
        _plain_log(ax.yaxis)
    elif metric.endswith("_share"):
        ax.set_ylim(-0.03, 1.03)
    elif means.size:
        ax.set_ylim(min(0.0, means.min()) - 0.05 * max(means.max(), 1e-9), means.max() * 1.15 + 1e-12)
    if metric.endswith("_share"):
        ax.yaxis.set_major_formatter(share_formatter())
    elif metric.endswith("_usd"):
        ax.yaxis.set_major_formatter(usd_formatter())
    if x.endswith("error_rate"):
        ax.xaxis.set_major_formatter(share_formatter())
    if notes:  # where the lines leave room: the top unless most points sit there
        lo, hi = ax.get_ylim()
        pos = (np.log(means[means > 0]) - np.log(lo)) / (np.log(hi) - np.log(lo)) if ax.get_yscale() == "log" else (means - lo) / (hi - lo)
        top = int(np.sum(pos > 0.8)) <= int(np.sum(pos < 0.2))
        ax.text(0.01, 0.98 if top else 0.03, "\n".join(f"same values: {n}" for n in notes), transform=ax.transAxes, ha="left",
                va="top" if top else "bottom", fontsize=7, color="#333333", zorder=5,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1})
    ax.set_xlabel(label(x))
    ax.set_ylabel("\n".join(textwrap.wrap(label(metric), 28)))
    if legend:
        ax.legend(handles=failure_handles(lines, async_retries), loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _finish(ax, title, label(metric).split(" (")[0], prices=prices, region=region, assumptions=assumptions, data=df)


def failure_handles(lines: pd.DataFrame, async_retries: int | None = None) -> list[Line2D]:
    """Legend entries of the lines: one per pattern (the async chain with its own retry setting), then
    one line style per ASL MaxAttempts value, naming the patterns it applies to."""
    pats = list(dict.fromkeys(str(ln).split("|")[0] for ln in lines["line"]))
    handles = []
    for p in pats:
        name = PATTERN_LABELS.get(p, p)
        if p == ASYNC:
            name += f": Lambda async retries {async_retries}" if async_retries is not None else ": Lambda async retries"
            name += " (ASL MaxAttempts not applied)"
        handles.append(Line2D([], [], color=COLORS.get(p, "black"), lw=2, marker=PATTERN_MARKERS.get(p, "o"), label=name))
    values = sorted({str(ln).split("|")[1] for ln in lines["line"] if not str(ln).startswith(f"{ASYNC}|")}, key=float)
    others = ", ".join(PATTERN_SHORT.get(p, p) for p in pats if p != ASYNC)
    for j, v in enumerate(values):
        handles.append(Line2D([], [], color="#444444", ls=_STYLES[j % len(_STYLES)], lw=1.6,
                              label=f"ASL MaxAttempts {v} ({others})"))
    return handles


def failure_finding(df: pd.DataFrame, *, x: str = "pipeline.step.error_rate", retries: str = "retry.max_attempts") -> str:
    """One sentence on the sweep at its highest error rate and most retries: who delivers, who loses.

    Parameters
    ----------
    df
        Summarised sweep with ``success_share`` and ``lost_share`` (shares of finished documents).
    x, retries
        The error-rate and ASL retry columns.

    Returns
    -------
    str
        E.g. ``"at 20% errors with 3 retries Standard delivers 99.2%; the async chain loses 7.4% with no record"``.
    """
    data = _ok_rows(df)
    rate, most = float(data[x].max()), data[retries].max()
    at = data[(data[x] == rate) & ((data[retries] == most) | (data["pattern"] == ASYNC))].groupby("pattern").mean(numeric_only=True)
    if at.empty:
        return "no finished run"
    best = str(at["success_share"].idxmax())
    text = f"at {rate:.0%} errors with {most} retries {PATTERN_SHORT.get(best, best)} delivers {at.loc[best, 'success_share']:.1%}"
    lost = at["lost_share"].sort_values(ascending=False)
    if len(lost) and lost.iloc[0] > 0:
        worst = str(lost.index[0])
        text += f"; {PATTERN_SHORT.get(worst, worst)} loses {lost.iloc[0]:.1%} with no record"
    else:
        text += "; no pattern loses a document"
    return text


PANELS: tuple[tuple[str, str, bool], ...] = (
    ("success_share", "Documents succeeded", False),
    ("lost_share", "Documents lost (no record)", False),
    ("wasted_usd", "Spend on failed work", False),
    ("latency_p99_s", "p99 latency of succeeded documents", True),
)
"""The four panels of :func:`failure_sweep_figure`: metric, panel title, log y axis."""


@styled
def failure_sweep_figure(
    df: pd.DataFrame,
    *,
    x: str = "pipeline.step.error_rate",
    retries: str = "retry.max_attempts",
    async_retries: int | None = None,
    context: str | None = None,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> tuple[Figure, list[Axes]]:
    """Four panels of the failure sweep (:data:`PANELS`) on one slide, one legend, the finding as title.

    Parameters
    ----------
    df, x, retries, async_retries
        As for :func:`plot_failure_sweep`.
    context
        Start of the default title (the scenario name).
    title
        Figure title; None: ``context`` and :func:`failure_finding`.
    prices, region, assumptions
        Footer.

    Returns
    -------
    tuple[Figure, list[Axes]]
        The figure and its four axes, row by row.
    """
    fig, axes = figure(10.0, 7.0, nrows=2, ncols=2)
    axes_list: list[Axes] = list(np.asarray(axes).ravel())
    for ax, (metric, name, logy) in zip(axes_list, PANELS, strict=True):
        plot_failure_sweep(ax, df, metric, x=x, retries=retries, async_retries=async_retries, logy=logy, title=name,
                           legend=False, prices=prices, region=region, assumptions=assumptions)
    lines = failure_sweep_lines(df, x, PANELS[0][0], retries=retries)
    fig.subplots_adjust(left=0.09, right=0.97, wspace=0.32, hspace=0.55, bottom=0.25)
    fig.legend(handles=failure_handles(lines, async_retries), loc="lower center", bbox_to_anchor=(0.5, 0.07), ncol=2,
               fontsize=8, frameon=False)
    finding = failure_finding(df, x=x, retries=retries)
    add_suptitle(fig, title if title is not None else (f"{context}: {finding}" if context else finding))
    return fig, axes_list
