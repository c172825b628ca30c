"""Charts of simulation results: latency CDFs and document outcomes per pattern. Each draws on a
given ``ax`` in orchsim's one style (:mod:`orchsim.charts.style`), titles itself with the finding
computed from the data (:func:`latency_finding`, :func:`outcome_finding`) and returns ``ax``."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from orchsim.aws.pricebook import PriceBook
from orchsim.charts.style import (
    COLORS,
    PATTERN_LABELS,
    PATTERN_LINESTYLES,
    PATTERN_MARKERS,
    PATTERN_SHORT,
    _finish,
    _patterns_in,
    label,
    share_formatter,
    styled,
)

__all__ = [
    "OUTCOMES",
    "OUTCOME_COLORS",
    "latency_finding",
    "outcome_finding",
    "outcome_table",
    "plot_latency_cdf",
    "plot_outcomes",
]

_IDENTICAL_S = 1e-6  # two latency samples closer than this (s) everywhere are the same curve


def _documents(results: Any) -> pd.DataFrame:
    """Per-document rows from a SimulationResult, a mapping or list of them, or a frame."""
    if isinstance(results, pd.DataFrame):
        return results
    items = list(results.values()) if isinstance(results, Mapping) else list(results) if isinstance(results, Sequence) else [results]
    frames = [r.documents for r in items if r.documents is not None]
    if not frames:
        raise ValueError("the results carry no per-document table; simulate with detail=True")
    return pd.concat(frames, ignore_index=True)


def _scenario_name(df: pd.DataFrame) -> str:
    names = sorted(set(df["scenario"].dropna().astype(str))) if "scenario" in df.columns else []
    return names[0] if len(names) == 1 else ""


def _wrapped(ax: Axes, text: str) -> str:
    """``text`` wrapped to the width of ``ax``'s figure (about 9 title characters per inch)."""
    fig = ax.get_figure(root=True)
    width = int(fig.get_figwidth() * 9) if isinstance(fig, Figure) else 90
    return "\n".join(textwrap.wrap(text, max(40, width))) or text


def _latencies(docs: pd.DataFrame, patterns: Sequence[str]) -> dict[str, np.ndarray]:
    """Sorted latencies (s) of the succeeded documents of each pattern that has any."""
    out = {}
    for p in patterns:
        d = docs[(docs["pattern"] == p) & (docs["outcome"] == "succeeded")]
        lat = np.sort(d["latency_ms"].to_numpy(dtype=float) / 1000.0)
        if lat.size:
            out[p] = lat
    return out


def _twins(lats: Mapping[str, np.ndarray]) -> dict[str, str]:
    """Patterns whose latency samples equal an earlier pattern's: ``{later: earlier}``."""
    out: dict[str, str] = {}
    names = list(lats)
    for i, p in enumerate(names):
        for q in names[:i]:
            if q not in out and lats[p].size == lats[q].size and np.allclose(lats[p], lats[q], rtol=0, atol=_IDENTICAL_S):
                out[p] = q
                break
    return out


def latency_finding(results: Any, patterns: Sequence[str] | None = None) -> str:
    """One sentence on the p99 latency of succeeded documents: which pattern is slowest, by how much.

    Parameters
    ----------
    results
        As for :func:`plot_latency_cdf`.
    patterns
        Patterns compared (default: every pattern in ``results``).

    Returns
    -------
    str
        E.g. ``"p99 latency 10.3-10.5 s: the patterns are within 2% of each other"`` or
        ``"async chain p99 128 s, 12x Standard's 10.4 s"``.
    """
    docs = _documents(results)
    lats = _latencies(docs, _patterns_in(docs, patterns))
    if not lats:
        return "no document succeeded"
    p99 = {p: float(np.percentile(v, 99)) for p, v in lats.items()}
    slow, fast = max(p99, key=p99.__getitem__), min(p99, key=p99.__getitem__)
    ratio = p99[slow] / p99[fast] if p99[fast] > 0 else float("inf")
    if ratio < 1.1:
        return f"p99 latency {p99[fast]:,.1f}-{p99[slow]:,.1f} s: the patterns are within {ratio - 1:.0%} of each other"
    return (f"{PATTERN_SHORT.get(slow, slow)} p99 {p99[slow]:,.1f} s, {ratio:,.1f}x "
            f"{PATTERN_SHORT.get(fast, fast)}'s {p99[fast]:,.1f} s")


def _log_limits(lo: float, hi: float) -> tuple[float, float]:
    """The 1-2-5 values just below ``lo`` and just above ``hi`` (s), so the end ticks are labelled."""
    steps = [m * 10.0**e for e in range(-4, 7) for m in (1.0, 2.0, 5.0)]
    return max([s for s in steps if s <= lo] or [steps[0]]), min([s for s in steps if s >= hi] or [steps[-1]])


@styled
def plot_latency_cdf(
    ax: Axes,
    results: Any,
    *,
    patterns: Sequence[str] | None = None,
    logx: bool = True,
    title: str | None = None,
    context: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Empirical CDF of end-to-end latency (s) of succeeded documents, one line per pattern.

    Each pattern has its own line style and markers; a pattern whose latencies equal an earlier
    one's is drawn once more on top and named ``identical to ...`` in the legend. The median and
    p99 are dotted horizontal lines labelled ``p50`` and ``p99``; the legend gives each pattern's.

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
        Log latency axis, ticks at 1-2-3-5 steps (s).
    title
        Chart title; None: ``context`` and :func:`latency_finding`.
    context
        Start of the default title (default: the scenario name in the data).
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    docs = _documents(results)
    lats = _latencies(docs, _patterns_in(docs, patterns))
    twins = _twins(lats)
    for i, (p, lat) in enumerate(lats.items()):
        cdf = np.arange(1, lat.size + 1) / lat.size
        p50, p99 = float(np.percentile(lat, 50)), float(np.percentile(lat, 99))
        name = PATTERN_LABELS.get(p, p)
        name += f" (identical to {PATTERN_SHORT.get(twins[p], twins[p])})" if p in twins else f" (p50 {p50:,.1f} s, p99 {p99:,.1f} s)"
        every = max(1, lat.size // 12)
        ax.step(lat, cdf, where="post", color=COLORS.get(p, "black"), lw=1.8, ls=PATTERN_LINESTYLES.get(p, "-"),
                marker=PATTERN_MARKERS.get(p, "o"), ms=5, markevery=(i * every // max(len(lats), 1), every),
                mfc="white" if p in twins else COLORS.get(p, "black"), label=name, zorder=3 + i)
    for q, name in ((0.5, "p50"), (0.99, "p99")):
        ax.axhline(q, color="#666666", lw=0.8, ls=":", zorder=1)
        ax.annotate(name, (0.0, q), xycoords=("axes fraction", "data"), xytext=(3, 2), textcoords="offset points",
                    fontsize=8, color="#444444", va="bottom")
    if logx and lats:
        ax.set_xscale("log")
        lo = min(float(v[0]) for v in lats.values())
        hi = max(float(v[-1]) for v in lats.values())
        ax.set_xlim(*_log_limits(lo, hi))
        ax.xaxis.set_major_locator(mticker.LogLocator(base=10, subs=(1.0, 2.0, 3.0, 5.0)))
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: f"{v:,.6g}"))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.set_ylim(0, 1.01)
    ax.yaxis.set_major_formatter(share_formatter())
    ax.set_xlabel(label("latency_s"))
    ax.set_ylabel(label("cdf"))
    ax.legend(loc="lower right")
    ctx = _scenario_name(docs) if context is None else context
    finding = latency_finding(docs, patterns)
    return _finish(ax, title, _wrapped(ax, f"{ctx}: {finding}" if ctx else finding), prices=prices, region=region, assumptions=assumptions, data=docs)


OUTCOMES: tuple[tuple[str, str], ...] = (
    ("docs_succeeded", "succeeded"),
    ("docs_failed", "failed (recorded)"),
    ("docs_lost", "lost (no record)"),
    ("docs_in_flight", "in flight at end"),
)
"""Document outcomes, summary column and name; they partition the arrived documents."""

OUTCOME_COLORS: dict[str, str] = {
    "docs_succeeded": "#DDDDDD",
    "docs_failed": "#332288",
    "docs_lost": "#882255",
    "docs_in_flight": "#88CCEE",
}
"""Outcome colours (Paul Tol's muted palette and grey), distinct from the pattern colours."""


def _summary_rows(rows: Any) -> pd.DataFrame:
    if isinstance(rows, pd.DataFrame):
        return rows
    items = list(rows.values()) if isinstance(rows, Mapping) else list(rows)
    return pd.DataFrame([r.row() if hasattr(r, "row") else dict(r) for r in items])


def _by_text(by: str, value: Any) -> str:
    """``Dead-letter queue: on`` for ``chain.dead_letter`` True, ``<label>: value`` otherwise."""
    name = label(by).split(" (")[0]
    shown = ("on" if value else "off") if isinstance(value, bool | np.bool_) else f"{value:g}" if isinstance(value, float) else str(value)
    return f"{name}: {shown}"


def outcome_table(rows: Any, patterns: Sequence[str] | None = None, *, by: str | None = None) -> pd.DataFrame:
    """Outcome shares of arrived documents per pattern (and ``by`` value; replications summed).

    Parameters
    ----------
    rows
        As for :func:`plot_outcomes`.
    patterns
        Patterns to keep (default: every pattern in ``rows``, in :data:`orchsim.PATTERNS` order).
    by
        A column that splits a pattern's rows (e.g. ``chain.dead_letter``); None: one row per pattern.

    Returns
    -------
    pandas.DataFrame
        One row per pattern (and ``by`` value), in pattern order: ``pattern``, ``by`` (when given),
        ``name`` (display name: the pattern's short name, with the ``by`` value when the pattern
        has several), ``docs_arrived`` (count), the share of arrived documents of each outcome in
        :data:`OUTCOMES` (columns named like them, shares of 1 that sum to 1) and ``duplicates``
        (duplicated executions, count; not part of the shares).
    """
    df = _summary_rows(rows)
    pats = _patterns_in(df, patterns)
    cols = [c for c, _ in OUTCOMES]
    if "duplicates" not in df.columns:
        df = df.assign(duplicates=0)
    keys = ["pattern", *([by] if by else [])]
    sums = df[df["pattern"].isin(pats)].groupby(keys)[[*cols, "docs_arrived", "duplicates"]].sum().reset_index()
    sums["_order"] = sums["pattern"].map({p: i for i, p in enumerate(pats)})
    sums = sums.sort_values(["_order", *keys[1:]]).drop(columns="_order").reset_index(drop=True)
    arrived = sums["docs_arrived"].astype(float)
    shares = sums[cols].astype(float).div(arrived.where(arrived > 0), axis=0).fillna(0.0)
    several = sums.groupby("pattern")["pattern"].transform("size") > 1
    names = [PATTERN_SHORT.get(p, p) + (f" ({_by_text(by, v)})" if by and many else "")
             for p, v, many in zip(sums["pattern"], sums[by] if by else sums["pattern"], several, strict=True)]
    out = sums[keys].copy()
    out["name"] = names
    out["docs_arrived"] = arrived
    out[cols] = shares
    out["duplicates"] = sums["duplicates"].astype(float)
    return out


def outcome_finding(rows: Any, patterns: Sequence[str] | None = None, *, by: str | None = None) -> str:
    """One sentence naming the patterns that lose documents without a record, or else fail most.

    Parameters
    ----------
    rows, patterns, by
        As for :func:`outcome_table`.

    Returns
    -------
    str
        E.g. ``"async chain loses 5.1% of documents with no record; Standard records all its failures"``.
    """
    t = outcome_table(rows, patterns, by=by)
    lost = t[t["docs_lost"] > 0].sort_values("docs_lost", ascending=False)
    if len(lost):
        who = list(zip(lost["name"], lost["docs_lost"], strict=True))
        rest = [f"{n} {v:.1%}" for n, v in who[1:]]
        first = f"{who[0][0]} loses {who[0][1]:.1%}" + ("" if not rest else (", " if len(rest) > 1 else " and ")
                                                         + ", ".join(rest[:-1]) + (" and " if len(rest) > 1 else "") + rest[-1])
        keep = t[(t["docs_lost"] == 0) & (t["docs_failed"] > 0)]["name"].tolist()
        tail = f"; {', '.join(keep)} record{'s' if len(keep) == 1 else ''} every failure" if keep else ""
        return f"{first} of documents with no record{tail}"
    failed = t[t["docs_failed"] > 0].sort_values("docs_failed", ascending=False)
    if len(failed):
        return f"no pattern loses a document; {failed['name'].iloc[0]} fails the most ({failed['docs_failed'].iloc[0]:.1%}, recorded)"
    flight = float(t["docs_in_flight"].max()) if len(t) else 0.0
    note = f" ({flight:.1%} still in flight at the end)" if flight > 0 else ""
    return f"no document failed or was lost under any pattern{note}"


@styled
def plot_outcomes(
    ax: Axes,
    rows: Any,
    *,
    patterns: Sequence[str] | None = None,
    by: str | None = None,
    title: str | None = None,
    context: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """A 100% stacked bar per pattern of what became of the arrived documents, on a linear axis.

    Segments: succeeded, failed (recorded), lost (no record), in flight at the end of the window.
    Above each bar the non-succeeded shares (and duplicated executions, if any) are written as
    numbers, so shares too small to see are still read exactly.

    Parameters
    ----------
    ax
        Axes to draw on.
    rows
        Simulation summaries: a frame of :meth:`SimulationResult.row` rows (replications are
        summed), a list of results or rows, or ``{pattern: SimulationResult}``.
    patterns
        Patterns to draw, top to bottom (default: every pattern in ``rows``).
    by
        A column that splits a pattern into several bars (e.g. ``chain.dead_letter``).
    title
        Chart title; None: ``context`` and :func:`outcome_finding`.
    context
        Start of the default title (default: the scenario name in the data).
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    df = _summary_rows(rows)
    t = outcome_table(df, patterns, by=by)
    y = np.arange(len(t))
    left = np.zeros(len(t))
    for col, name in OUTCOMES:
        vals = t[col].to_numpy(dtype=float)
        ax.barh(y, vals, left=left, height=0.5, color=OUTCOME_COLORS[col], edgecolor="white", lw=0.5, label=name,
                hatch="//" if col == "docs_in_flight" else None)
        for yi, a, v in zip(y, left, vals, strict=True):
            if v >= 0.08:
                ax.text(a + v / 2, float(yi), share_formatter()(v), ha="center", va="center", fontsize=8,
                        color="black" if col in ("docs_succeeded", "docs_in_flight") else "white")
        left += vals
    for yi, r in zip(y, t.to_dict("records"), strict=True):
        parts = [f"{name} {r[col]:.1%}" if r[col] >= 0.001 or r[col] == 0 else f"{name} {r[col]:.2%}" for col, name in OUTCOMES[1:]]
        if r["duplicates"] > 0:
            parts.append(f"+{r['duplicates']:,.0f} duplicated executions")
        ax.text(0.0, float(yi) - 0.3, f"of {r['docs_arrived']:,.0f} arrived:  " + "  \u00b7  ".join(parts), ha="left", va="bottom",
                fontsize=8, color="#222222")
    names = [PATTERN_LABELS.get(str(r["pattern"]), str(r["pattern"])) + (f"\n{_by_text(by, r[by])}" if by and "(" in str(r["name"]) else "")
             for r in t.to_dict("records")]
    ax.set_yticks(y, names)
    ax.set_ylim(len(t) - 0.5, -0.85)
    ax.set_xlim(0, 1.0)
    ax.xaxis.set_major_formatter(share_formatter())
    ax.set_xlabel(label("share"))
    ax.set_ylabel(label("pattern"))
    ax.grid(axis="y", visible=False)
    handles = [Patch(facecolor=OUTCOME_COLORS[c], hatch="//" if c == "docs_in_flight" else None, edgecolor="white", label=n)
               for c, n in OUTCOMES if c == "docs_succeeded" or t[c].sum() > 0]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Outcome")
    ctx = _scenario_name(df) if context is None else context
    finding = outcome_finding(df, patterns, by=by)
    return _finish(ax, title, _wrapped(ax, f"{ctx}: {finding}" if ctx else finding), prices=prices, region=region,
                   assumptions=assumptions, data=df)
