"""Execution-history charts: one document's run under each pattern, as typed time segments.

This is the view a Step Functions console gives for one execution, built from a simulation's
invocation table for every pattern, so the patterns can be compared for the same document (same
scenario and seed: the same arrival and the same draws). :func:`timeline_segments` turns the
invocations into segments; :func:`plot_timeline` draws them; :func:`timeline_figure` draws one
axes per pattern.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from orchsim.aws.pricebook import PriceBook
from orchsim.charts.style import (
    COLORS,
    PATTERN_LABELS,
    PATTERN_SHORT,
    _finish,
    add_suptitle,
    figure,
    label,
    plain_text,
    styled,
)
from orchsim.model.scenario import PATTERNS
from orchsim.sim.result import SimulationResult

__all__ = ["TIMELINE_COLORS", "pick_document", "plot_timeline", "timeline_figure", "timeline_finding", "timeline_segments"]

TIMELINE_COLORS: dict[str, str] = {
    "working": "#332288",
    "failed attempt": "#882255",
    "cold start": "#88CCEE",
    "waiting on callee": "#BBBBBB",
    "retry backoff": "#DDCC77",
    "orchestration overhead": "#999933",
    "service call (no Lambda)": "#44AA99",
    "waiting for an event": "#CC6677",
}
"""Segment colours (Paul Tol's muted palette and grey): none is a pattern colour
(:data:`orchsim.charts.style.COLORS`), so a segment is never read as a pattern."""

_HEIGHTS = {"working": 0.62, "failed attempt": 0.62, "cold start": 0.62, "waiting on callee": 0.3,
            "retry backoff": 0.22, "orchestration overhead": 0.22, "service call (no Lambda)": 0.62,
            "waiting for an event": 0.3}
_LANES_SHOWN = 3  # Map items (or branches) drawn per state; the rest are named in the last row's label
_MIN_WIDTH = 0.003  # narrowest bar drawn, as a share of the time axis, so short steps stay visible


def _inputs(results: Any) -> dict[str, SimulationResult]:
    if isinstance(results, Mapping):
        return dict(results)
    items = list(results) if isinstance(results, Sequence) else [results]
    return {r.pattern: r for r in items}


def timeline_segments(result: SimulationResult, doc: int) -> pd.DataFrame:
    """The execution history of one document as typed time segments (seconds since it arrived).

    Segment kinds: ``working`` (own work of a successful attempt), ``failed attempt`` (work of an
    attempt that ended in error, timeout or fatal error), ``cold start`` (the INIT part of a cold
    invocation, ``init_ms`` of its step), ``waiting on callee`` (a synchronous caller, from the
    end of its own work, when it invokes the next step, to the end of its invocation: billed
    waiting), ``retry backoff`` (the gap between two attempts of the same step) and
    ``orchestration overhead`` (the gap between the end of one step and the first attempt of the
    next, or between arrival and the first step: Step Functions transition latency, invoke
    overhead).

    Parameters
    ----------
    result
        A run simulated with ``detail=True``.
    doc
        Document index.

    Returns
    -------
    pandas.DataFrame
        One row per segment: ``pattern``, ``step_index``, ``step``, ``kind``, ``start_s`` and
        ``end_s`` (s since the document arrived), ``result`` of the attempt.
    """
    inv, docs = result.invocations, result.documents
    if inv is None or docs is None:
        raise ValueError("the result carries no invocation table; simulate with detail=True")
    if doc not in set(docs["doc"]):
        raise ValueError(f"document {doc} did not arrive in this run ({len(docs)} documents)")
    every = getattr(result, "invocations_every", 1)
    if doc % every:
        raise ValueError(f"document {doc}'s invocations were not kept: this run keeps every {every}th document's "
                         f"(pick a multiple of {every}, or simulate with a larger detail_docs)")
    t0 = float(docs.loc[docs["doc"] == doc, "arrival_s"].iloc[0])
    if result.spans is not None:
        return _graph_segments(result, doc, t0)
    rows = inv[(inv["doc"] == doc) & (inv["result"] != "throttled")].sort_values(["start_s", "step_index"])
    steps = result.scenario.steps()
    sync = result.pattern == "lambda-chain-sync"
    segs: list[dict[str, Any]] = []

    def add(k: int, kind: str, a: float, b: float, res: str) -> None:
        if b - a > 1e-9:
            segs.append({"pattern": result.pattern, "step_index": k, "step": steps[k].name, "kind": kind,
                         "start_s": a - t0, "end_s": b - t0, "result": res})

    records = rows.to_dict("records")
    starts: dict[int, list[float]] = {}
    ends: dict[int, list[float]] = {}
    for r in records:
        starts.setdefault(int(r["step_index"]), []).append(float(r["start_s"]))
        ends.setdefault(int(r["step_index"]), []).append(float(r["end_s"]))
    prev_end: dict[int, float] = {}
    for r in records:
        k, a, b, res = int(r["step_index"]), float(r["start_s"]), float(r["end_s"]), str(r["result"])
        own_end = b
        if sync:
            callee = [s for s in starts.get(k + 1, []) if a <= s <= b]
            own_end = min(callee) if callee else b
        if k in prev_end:
            add(k, "retry backoff", prev_end[k], a, res)
        elif k == 0:
            add(k, "orchestration overhead", t0, a, res)
        elif not sync:
            before = [e for e in ends.get(k - 1, []) if e <= a + 1e-9]
            if before:
                add(k, "orchestration overhead", max(before), a, res)
        init = min(steps[k].init_ms / 1000.0 if bool(r["cold"]) else 0.0, own_end - a)
        add(k, "cold start", a, a + init, res)
        add(k, "working" if res == "ok" else "failed attempt", a + init, own_end, res)
        add(k, "waiting on callee", own_end, b, res)
        prev_end[k] = max(prev_end.get(k, b), b)
    return pd.DataFrame(segs, columns=["pattern", "step_index", "step", "kind", "start_s", "end_s", "result"])


_SPAN_KIND = {"service": "service call (no Lambda)", "wait": "waiting for an event", "backoff": "retry backoff",
              "callee": "waiting on callee"}


def _graph_segments(result: SimulationResult, doc: int, t0: float) -> pd.DataFrame:
    """An imported workflow's history: a row per state and lane (Parallel branch, Map item), at most
    :data:`_LANES_SHOWN` lanes per state."""
    assert result.spans is not None
    spans = result.spans[result.spans["doc"] == doc]
    wf = result.scenario.pipeline.runnable()
    order = {name: i for i, name in enumerate(wf.depths())}
    init = {name: tp.step.init_ms / 1000.0 for name, tp in wf.tasks.items()}
    keys = sorted({(str(s), str(lane)) for s, lane in zip(spans["state"], spans["lane"], strict=True)},
                  key=lambda k: (order.get(k[0], 0), _lane_key(k[1])))
    shown: dict[tuple[str, str], int] = {}
    labels: list[str] = []
    per_state: dict[str, list[str]] = {}
    for state, lane in keys:
        per_state.setdefault(state, []).append(lane)
    for state, lane in keys:
        lanes = per_state[state]
        i = lanes.index(lane)
        if i >= _LANES_SHOWN:
            continue
        numbered = lane and len(lanes) > 1  # a state in one lane only (a Parallel branch's) needs no number
        text = state + (" #" + ".".join(p for p in lane.replace("/", " ").split() if p.isdigit()) if numbered else "")
        if i == _LANES_SHOWN - 1 and len(lanes) > _LANES_SHOWN:
            text += f" (+{len(lanes) - _LANES_SHOWN} more)"
        shown[(state, lane)] = len(labels)
        labels.append(text)
    segs: list[dict[str, Any]] = []
    for s in spans.to_dict("records"):
        row = shown.get((str(s["state"]), str(s["lane"])))
        if row is None:
            continue
        a, b, res, kind = float(s["start_s"]) - t0, float(s["end_s"]) - t0, str(s["result"]), str(s["kind"])
        if kind == "lambda":
            cold = min(init.get(str(s["state"]), 0.0) if bool(s["cold"]) else 0.0, b - a)
            if cold > 0:
                segs.append({"step_index": row, "kind": "cold start", "start_s": a, "end_s": a + cold, "result": res})
            segs.append({"step_index": row, "kind": "working" if res == "ok" else "failed attempt", "start_s": a + cold,
                         "end_s": b, "result": res})
        else:
            segs.append({"step_index": row, "kind": _SPAN_KIND[kind] if res == "ok" or kind != "service" else "failed attempt",
                         "start_s": a, "end_s": b, "result": res})
    out = pd.DataFrame(segs, columns=["step_index", "kind", "start_s", "end_s", "result"])
    out = out[out["end_s"] - out["start_s"] > 1e-9]
    out.insert(0, "pattern", result.pattern)
    out.insert(2, "step", [labels[int(i)] for i in out["step_index"]])
    out.attrs["rows"] = labels
    return out


def _lane_key(lane: str) -> tuple[Any, ...]:
    """Lanes in item order (``ProcessPages 10`` after ``ProcessPages 9``)."""
    return tuple(int(p) if p.isdigit() else p for p in lane.replace("/", " ").split())


def pick_document(results: Any, how: str = "retried") -> int:
    """A document worth drawing, present and finished (not in flight) in every result.

    Parameters
    ----------
    results
        ``{pattern: SimulationResult}`` or a list of results (``detail=True``).
    how
        ``"retried"``: the most attempts summed over the patterns (ties to the earliest);
        ``"first"``: the first finished document (at the start every function is cold);
        ``"median"``: latency closest to the median, in the first result.

    Returns
    -------
    int
        The document index (0 when no document finished in every result).
    """
    res = _inputs(results)
    docs = [r.documents for r in res.values() if r.documents is not None]
    if not docs:
        raise ValueError("the results carry no per-document table; simulate with detail=True")
    done = set.intersection(*(set(d.loc[d["outcome"] != "in_flight", "doc"]) for d in docs))
    every = max((getattr(r, "invocations_every", 1) for r in res.values()), default=1)
    done = {d for d in done if d % every == 0}  # only documents whose invocations every run kept
    if not done:
        return 0
    if how == "first":
        return int(min(done))
    if how == "median":
        d0 = docs[0][docs[0]["doc"].isin(done)]
        lat = d0["latency_ms"].to_numpy(dtype=float)
        return int(d0["doc"].to_numpy()[int(np.argmin(np.abs(lat - np.median(lat))))])
    if how != "retried":
        raise ValueError(f"unknown how={how!r}; accepted: retried, first, median")
    total = pd.concat([d.set_index("doc")["attempts"] for d in docs], axis=1).sum(axis=1)
    total = total[total.index.isin(list(done))]
    return int(total.index.to_numpy()[int(np.argmax(total.to_numpy(dtype=float)))])


def _fate(result: SimulationResult, doc: int) -> tuple[str, float]:
    """Outcome of document ``doc`` and its end-to-end time (s, arrival to end)."""
    docs = result.documents
    if docs is None:
        return "", float("nan")
    row = docs.loc[docs["doc"] == doc]
    if row.empty:
        return "", float("nan")
    return str(row["outcome"].iloc[0]), float(row["latency_ms"].iloc[0]) / 1000.0


def timeline_finding(results: Any, doc: int, patterns: Sequence[str] | None = None) -> str:
    """One sentence on one document's run: the fastest and slowest pattern and their times.

    Parameters
    ----------
    results
        As for :func:`plot_timeline`.
    doc
        Document index.
    patterns
        Patterns compared (default: every pattern in ``results``).

    Returns
    -------
    str
        E.g. ``"Standard done in 10.4 s, async chain in 128.3 s (12x)"``; a pattern whose document
        did not succeed is named with its outcome.
    """
    res = _inputs(results)
    fates = {p: _fate(res[p], doc) for p in (patterns or list(res)) if p in res}
    if not any(np.isfinite(t) for _, t in fates.values()):
        return f"document {doc} did not finish"
    short = {p: PATTERN_SHORT.get(p, p) for p in fates}
    # a document that failed or was lost is named with its outcome and when, not as "done"
    times = {p: t for p, (o, t) in fates.items() if np.isfinite(t) and o in ("succeeded", "")}
    bad = [f"{short[p]} {o} after {t:,.1f} s" for p, (o, t) in fates.items() if o not in ("succeeded", "") and np.isfinite(t)]
    tail = "; ".join(bad)
    if not times:
        return tail
    fast, slow = min(times, key=times.__getitem__), max(times, key=times.__getitem__)
    if fast == slow:
        head = f"{short[fast]} done in {times[fast]:,.1f} s"
    elif times[slow] <= 1.1 * times[fast]:
        head = f"{'every pattern takes' if not bad else 'the others take'} {times[fast]:,.1f}-{times[slow]:,.1f} s"
    else:
        head = f"{short[fast]} done in {times[fast]:,.1f} s, {short[slow]} in {times[slow]:,.1f} s ({times[slow] / times[fast]:,.1f}x)"
    return f"{head}; {tail}" if tail else head


def _title(res: dict[str, SimulationResult], order: list[str], doc: int, why: str | None) -> str:
    name = res[order[0]].scenario.name if order else ""
    what = f"document {doc}" + (f" ({why})" if why else "")
    return f"{name}, {what}: {timeline_finding(res, doc, order)}" if name else f"{what}: {timeline_finding(res, doc, order)}"


def _draw(ax: Axes, res: dict[str, SimulationResult], order: list[str], doc: int) -> tuple[set[str], float]:
    """Draw the rows of every pattern in ``order``; returns the segment kinds used and the last end (s)."""
    per = {p: timeline_segments(res[p], doc) for p in order}
    xmax = max((float(s["end_s"].max()) for s in per.values() if len(s)), default=1.0)
    min_w = _MIN_WIDTH * xmax
    y = 0.0
    ticks: list[float] = []
    names: list[str] = []
    used: set[str] = set()
    for p in order:
        r, segs = res[p], per[p]
        steps = r.scenario.steps()
        outcome, seconds = _fate(r, doc)
        head = PATTERN_LABELS.get(p, p) + f": {seconds:,.1f} s" + ("" if outcome in ("succeeded", "") else f", {outcome}")
        ax.text(0.005, y, head, transform=ax.get_yaxis_transform(), ha="left", va="center", fontsize=9,
                fontweight="bold", color=COLORS.get(p, "black"))
        y += 0.8
        rows = segs.attrs.get("rows") or [s.name for s in steps]
        for k, name in enumerate(rows):
            ticks.append(y + k)
            names.append(plain_text(name))
            for s in segs[segs["step_index"] == k].to_dict("records"):
                kind = str(s["kind"])
                h = _HEIGHTS[kind]
                hatch = "////" if kind == "cold start" else None
                start = float(s["start_s"])
                width = max(float(s["end_s"]) - start, min_w if h > 0.5 else 0.0)
                ax.barh(y + k, width, left=start, height=h, color=TIMELINE_COLORS[kind], hatch=hatch,
                        edgecolor="#333333" if hatch else "none", lw=0.4, zorder=3 if h > 0.5 else 2)
                used.add(kind)
        y += len(rows) + 0.2
    ax.set_yticks(ticks, names, fontsize=8)
    ax.set_ylim(y - 0.4, -0.5)
    ax.grid(axis="y", visible=False)
    return used, xmax


def _handles(used: set[str]) -> list[Patch]:
    return [Patch(facecolor=TIMELINE_COLORS[k], hatch="////" if k == "cold start" else None,
                  edgecolor="#333333" if k == "cold start" else "none", label=k) for k in TIMELINE_COLORS if k in used]


def _legend(ax: Axes, used: set[str]) -> None:
    ax.legend(handles=_handles(used), loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Segment")


@styled
def plot_timeline(
    ax: Axes,
    results: Any,
    doc: int = 0,
    *,
    patterns: Sequence[str] | None = None,
    title: str | None = None,
    why: str | None = None,
    legend: bool = True,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """One document's execution history: a row per step, grouped by pattern, a bar per segment.

    Segments (see :func:`timeline_segments`): working, failed attempt, cold start (hatched),
    waiting on callee, retry backoff, orchestration overhead. Time is in seconds since the
    document arrived.

    Parameters
    ----------
    ax
        Axes to draw on.
    results
        A :class:`~orchsim.sim.result.SimulationResult`, a list of them or ``{pattern: result}``
        (simulated with ``detail=True``; the same scenario and seed, so it is the same document
        under each pattern). The patterns stack vertically.
    doc
        Document index (see :func:`pick_document`).
    patterns
        Patterns to draw, in order (default: those in ``results``, in :data:`orchsim.PATTERNS` order).
    title
        Title; None: the scenario, the document (and ``why`` it was chosen) and
        :func:`timeline_finding`.
    why
        Why this document is shown, for the default title (``"median latency"``, ``"most retried"``).
    legend
        Whether to draw the segment legend.
    prices, region, assumptions
        Footer: price book, region (default: the scenario's) and assumption strings.

    Returns
    -------
    Axes
        ``ax``, with a title, axis labels with units and the footer.
    """
    res = _inputs(results)
    order = [p for p in (patterns or PATTERNS) if p in res] + ([] if patterns else [p for p in res if p not in PATTERNS])
    used, xmax = _draw(ax, res, order, doc)
    ax.set_xlim(0, xmax * 1.02)
    ax.set_xlabel(label("time_s"))
    ax.set_ylabel(label("step"))
    if legend:
        _legend(ax, used)
    reg = region or (res[order[0]].scenario.region if order else None)
    default = "\n".join(textwrap.wrap(_title(res, order, doc, why), 95))
    return _finish(ax, title, default, prices=prices, region=reg, assumptions=assumptions)


@styled
def timeline_figure(
    results: Any,
    doc: int = 0,
    *,
    patterns: Sequence[str] | None = None,
    width: float = 10.0,
    sharex: bool = False,
    title: str | None = None,
    why: str | None = None,
    prices: str | PriceBook | None = None,
    assumptions: Sequence[str] = (),
) -> tuple[Figure, list[Axes]]:
    """A figure with one axes per pattern, each drawn by :func:`plot_timeline` on its own time axis.

    Sized for a slide: two columns of axes for three or four patterns, the finding as the figure
    title (:func:`~orchsim.charts.style.add_suptitle`) and one segment legend on the right.

    Parameters
    ----------
    results
        As for :func:`plot_timeline`.
    doc
        Document index.
    patterns
        Patterns to draw (default: those in ``results``, in :data:`orchsim.PATTERNS` order).
    width
        Figure width, inches (the height follows the number of steps).
    sharex
        False (default) gives each pattern its own time axis (s), so a 10-second run is not a
        sliver beside a 300-second one; True puts them all on the longest run's axis.
    title
        Figure title; None: the scenario, the document (and ``why``) and :func:`timeline_finding`.
    why
        Why this document is shown, for the default title.
    prices, assumptions
        Price book and assumption strings for the footer.

    Returns
    -------
    tuple[Figure, list[Axes]]
        The figure and its axes, one per pattern in :data:`orchsim.PATTERNS` order (two columns
        for more than two patterns, row by row); the segment legend is the figure's.
    """
    res = _inputs(results)
    order = [p for p in (patterns or PATTERNS) if p in res]
    ncols = 2 if len(order) > 2 else 1
    nrows = -(-len(order) // ncols)
    most = max((len(res[p].scenario.steps()) for p in order), default=1)
    height = 1.9 + nrows * (0.3 * most + 0.8)
    fig, axes = figure(width, height, nrows=nrows, ncols=ncols, sharex=sharex)
    grid: list[Axes] = list(np.asarray(axes).ravel())
    for extra in grid[len(order):]:
        extra.remove()
    axes_list = grid[: len(order)]
    used: set[str] = set()
    xmax = 0.0
    for i, (p, ax) in enumerate(zip(order, axes_list, strict=True)):
        plot_timeline(ax, {p: res[p]}, doc, legend=False, title="", prices=prices, assumptions=assumptions)
        used |= set(timeline_segments(res[p], doc)["kind"])
        xmax = max(xmax, ax.get_xlim()[1])
        if i < len(order) - ncols:
            ax.set_xlabel("")
        ax.set_ylabel("")
    if sharex:
        axes_list[0].set_xlim(0, xmax)
        for ax in axes_list:  # every panel keeps its time labels
            ax.tick_params(labelbottom=True)
    # room for the longest row name (a Map item's "Summarize #3 (+6 more)") left of each panel
    chars = max((len(t.get_text()) for ax in axes_list for t in ax.get_yticklabels()), default=8)
    label_in = 0.075 * chars + 0.15
    left = max(0.08, label_in / width + 0.01)
    gap_in = label_in + 0.15  # between two columns: the right panel's row names
    axis_in = ((0.8 - left) * width - (ncols - 1) * gap_in) / ncols
    wspace = max(0.25, gap_in / max(axis_in, 0.5)) if ncols > 1 else 0.25
    fig.subplots_adjust(left=left, right=0.8, wspace=wspace, hspace=0.55, top=1.0 - 0.45 / height)
    add_suptitle(fig, _title(res, order, doc, why) if title is None else title)
    top = max(a.get_position().y1 for a in axes_list)
    fig.legend(handles=_handles(used), loc="upper left", bbox_to_anchor=(0.81, top), title="Segment")
    return fig, axes_list
