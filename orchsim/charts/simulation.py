"""Charts of simulation results: latency CDFs and document outcomes per pattern. Each draws on a
given ``ax`` in orchsim's one style (:mod:`orchsim.charts.style`) and returns it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from orchsim.aws.pricebook import PriceBook
from orchsim.charts.style import (
    COLORS,
    PATTERN_LABELS,
    PATTERN_LINESTYLES,
    _finish,
    _patterns_in,
    _plain_log,
    label,
    share_formatter,
    styled,
)

__all__ = ["OUTCOMES", "plot_latency_cdf", "plot_outcomes"]

def _documents(results: Any) -> pd.DataFrame:
    """Per-document rows from a SimulationResult, a mapping or list of them, or a frame."""
    if isinstance(results, pd.DataFrame):
        return results
    items = list(results.values()) if isinstance(results, Mapping) else list(results) if isinstance(results, Sequence) else [results]
    frames = [r.documents for r in items if r.documents is not None]
    if not frames:
        raise ValueError("the results carry no per-document table; simulate with detail=True")
    return pd.concat(frames, ignore_index=True)


@styled
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
    ax
        Axes to draw on.
    results
        ``{pattern: SimulationResult}``, a list of results (simulated with ``detail=True``), or a
        documents frame with ``pattern``, ``outcome`` and ``latency_ms`` (ms).
    patterns
        Patterns to draw (default: every pattern in ``results``).
    logx
        Log latency axis.
    title
        Chart title; None for the default.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
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


@styled
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
    ax
        Axes to draw on.
    rows
        Simulation summaries: a frame of :meth:`SimulationResult.row` rows (replications are
        summed), a list of results or rows, or ``{pattern: SimulationResult}``.
    patterns
        Patterns to draw (default: every pattern in ``rows``).
    share
        Shares of arrived documents on a log axis (zero bars are labelled ``0``); False: counts.
    title
        Chart title; None for the default.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
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
