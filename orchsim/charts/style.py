"""Design-review charts: functions that draw on a given ``ax`` and return it.

One style for every chart (:func:`style`), a colour-blind-safe palette (Okabe-Ito), axis labels
with units from one mapping (:data:`LABELS`), dollar formatting, and a footer naming the price
book's region and as-of date plus the key assumptions (:func:`add_footer`). Save with :func:`save`
(PNG at 200 dpi and SVG).

The charts themselves live in :mod:`orchsim.charts.cost` (cost breakdown, crossover map, cost versus
volume, break-even, metric per pattern), :mod:`orchsim.charts.simulation` (latency CDFs, outcomes) and
:mod:`orchsim.charts.timeline` (one document's execution history); :mod:`orchsim.charts` lists them all.

Every ``plot_*`` function takes ``(ax, data, **kw)``, sets a title and labelled axes, writes the
footer (``prices``, ``region`` and ``assumptions`` keywords) and returns ``ax``:

>>> from orchsim import load_scenario
>>> from orchsim.analytic.engine import estimate
>>> from orchsim.charts import plot_cost_breakdown
>>> sc = load_scenario("seed-article")
>>> fig, ax = figure()
>>> ax = plot_cost_breakdown(ax, estimate(sc), assumptions=scenario_assumptions(sc))
>>> ax.get_title().startswith("seed-article: Async chain cheapest")  # the title states the finding
True
>>> paths = save(fig, "reports/example/cost")  # doctest: +SKIP

Importing the package changes nothing in matplotlib: :func:`style` is a context (an
:func:`matplotlib.pyplot.rc_context` with :data:`STYLE`) that :func:`figure`, :func:`save` and every
``plot_*`` function (through :func:`styled`) enter for the time of the call.
"""

from __future__ import annotations

import contextlib
import functools
import re
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, ParamSpec, TypeVar, cast

import matplotlib.axis
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from orchsim.aws.cost import COMPONENTS
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.errors import InputError
from orchsim.model.durable import summary_line
from orchsim.model.scenario import PATTERNS, Scenario

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
    "STYLE",
    "add_footer",
    "add_suptitle",
    "contention_notes",
    "figure",
    "label",
    "merge_legends",
    "plain_text",
    "save",
    "scenario_assumptions",
    "share_formatter",
    "style",
    "styled",
    "usd_formatter",
]

P = ParamSpec("P")
R = TypeVar("R")

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
COLORS: dict[str, str] = {
    "lambda-chain-sync": "#D55E00",
    "lambda-chain-async": "#CC79A7",
    "sfn-standard": "#0072B2",
    "sfn-express": "#009E73",
    "lambda-durable": "#56B4E9",
}
"""One colour per pattern, from the Okabe-Ito colour-blind-safe palette (vermillion, reddish purple, blue,
green, sky blue: distinct as fills too, unlike vermillion against orange; sky blue sits apart from blue
by lightness, and its lines are also dash-dotted)."""

COMPONENT_COLORS: dict[str, str] = dict(
    zip(COMPONENTS, ["#999999", "#E69F00", "#F0E442", "#0072B2", "#56B4E9", "#009E73", "#CC79A7"], strict=True)
)
COMPONENT_COLORS.update({"durable": "#D55E00", "services": "#DDDDDD"})
"""One colour per cost component (Okabe-Ito plus grey), and for the two groups a breakdown adds:
Lambda durable functions' operations and data (vermillion), other services and models (light grey)."""

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
    "lambda-durable": "Lambda durable function",
}
"""Legend names of the patterns."""

PATTERN_LINESTYLES: dict[str, Any] = {
    "lambda-chain-sync": "-",
    "lambda-chain-async": (0, (6, 2)),
    "sfn-standard": "-",
    "sfn-express": (0, (1.5, 1.5)),
    "lambda-durable": (0, (5, 1.5, 1.5, 1.5)),
}
"""Line styles that keep overlapping pattern lines apart (and tell them apart without colour)."""

PATTERN_MARKERS: dict[str, str] = {
    "lambda-chain-sync": "o",
    "lambda-chain-async": "s",
    "sfn-standard": "^",
    "sfn-express": "D",
    "lambda-durable": "v",
}
"""One marker per pattern, for charts where lines may coincide."""

PATTERN_SHORT: dict[str, str] = {
    "lambda-chain-sync": "sync chain",
    "lambda-chain-async": "async chain",
    "sfn-standard": "Standard",
    "sfn-express": "Express",
    "lambda-durable": "durable",
}
"""Short pattern names for annotations."""

LABELS: dict[str, str] = {
    "docs_per_day": "Volume (documents per day)",
    "workload.docs_per_day": "Volume (documents per day)",
    "steps": "Pipeline length (steps)",
    "pipeline.steps": "Pipeline length (steps)",
    "pipeline.step.memory_mb": "Lambda memory (MB)",
    "memory_mb": "Memory (MB)",
    "express_memory_mb": "Express billed memory (MB)",
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
    "durable": "Durable operations and data",
    "durable.result_kb": "Data each durable operation writes (KB)",
    "breakeven_days": "Break-even wait (days)",
    "wait_days": "How long the Task waits (days)",
    "services": "Other services and models",
}
"""Axis and legend labels, with units, for every variable a chart shows."""

CATEGORICAL: tuple[str, ...] = ("pattern", "outcome", "step")
"""Keys of :data:`LABELS` for categorical axes (no unit)."""

_FOOTER_GID = "orchsim-footer"
_FOOTER_FONTSIZE = 7
_AXIS_SPACE_IN = 0.75  # room under an axes for tick labels and the x label, inches
_FOOTER_LINE_IN = 0.13  # height of one footer line, inches


_UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$")


def plain_text(text: object) -> str:
    """``text`` as a string matplotlib shows literally: every ``$`` escaped, so no mathtext.

    Every user-supplied text a chart shows (titles, labels, legend entries, the footer) goes
    through it: a scenario named ``a_$x^$`` would otherwise fail to parse, and ``cost $5 vs $10``
    would render ``5 vs `` as maths. Idempotent (an escaped ``\\$`` stays as it is).

    Parameters
    ----------
    text
        Any text (or object, shown with ``str``).

    Returns
    -------
    str
        The text with ``$`` replaced by ``\\$``.

    Examples
    --------
    >>> plain_text("cost $5 vs $10")
    'cost \\\\$5 vs \\\\$10'
    """
    return _UNESCAPED_DOLLAR.sub(r"\\$", str(text))


def label(key: str) -> str:
    """The axis label (with unit) of ``key`` from :data:`LABELS`.

    Parameters
    ----------
    key
        A variable name, such as a column of a tidy frame or a dotted scenario key.

    Returns
    -------
    str
        Its label with the unit in parentheses; ``key`` itself if :data:`LABELS` has none.

    Examples
    --------
    >>> label("cost_total_usd")
    'Monthly cost (USD)'
    """
    return plain_text(LABELS.get(key, key))


STYLE: dict[str, Any] = {
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
"""orchsim's one chart style: the ``rcParams`` that :func:`style` sets for the time of a chart call."""


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Context in which matplotlib draws in orchsim's style; the previous ``rcParams`` return on exit.

    Yields
    ------
    None
        Inside the ``with`` block :data:`STYLE` applies; nothing outside it changes.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with style():
    ...     mpl.rcParams["axes.grid"]
    True
    >>> mpl.rcParams["axes.grid"] == mpl.rcParamsDefault["axes.grid"]
    True
    """
    with plt.rc_context(cast(Any, STYLE)):  # matplotlib types the keys as literals
        yield


def styled(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: run ``func`` inside :func:`style` (every chart function of orchsim is styled).

    Parameters
    ----------
    func
        A function that draws with matplotlib.

    Returns
    -------
    Callable
        ``func`` with the same signature and docstring, called within the style context.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with style():
            return func(*args, **kwargs)

    return wrapper


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
    """Tick formatter for amounts in USD: $0.0012, $1.25, $12,345.

    Parameters
    ----------
    decimals
        Fixed number of decimals; None chooses the fewest that show every tick of a linear axis
        exactly (the same on every tick), and formats each value on its own on a log axis.

    Returns
    -------
    matplotlib.ticker.Formatter
        For ``ax.yaxis.set_major_formatter``; also callable on one value in USD.

    Examples
    --------
    >>> usd_formatter()(12345.0), usd_formatter()(0.0012), usd_formatter(2)(1.5)
    ('$12,345', '$0.0012', '$1.50')
    """
    return _UsdFormatter(decimals)


def share_formatter() -> mticker.Formatter:
    """Tick formatter for shares as percentages: 0.01%, 1%, 50%, 100%.

    Returns
    -------
    matplotlib.ticker.Formatter
        Formats a share in [0, 1] (a fraction, not a percentage) as a percentage.

    Examples
    --------
    >>> share_formatter()(0.5), share_formatter()(0.0001)
    ('50%', '0.01%')
    """

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


@styled
def figure(width: float = 9.0, height: float = 5.5, *, nrows: int = 1, ncols: int = 1, **kw: Any) -> tuple[Figure, Any]:
    """A new figure in orchsim's style with room for the footer.

    Parameters
    ----------
    width, height
        Figure size, inches.
    nrows, ncols
        Subplot grid, counts.
    **kw
        Passed to :func:`matplotlib.pyplot.subplots` (``sharex``, ``gridspec_kw``, ...).

    Returns
    -------
    tuple[Figure, Axes or numpy.ndarray]
        The figure and, with one cell, its :class:`~matplotlib.axes.Axes`; otherwise the array of
        axes that :func:`matplotlib.pyplot.subplots` returns. Grid lines are set on each axes, so
        the figure looks the same when drawn outside the style context (a notebook's inline output).
    """
    fig, ax = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=True, **kw)
    for a in np.atleast_1d(ax).ravel():
        a.grid(True, alpha=STYLE["grid.alpha"])
    fig.subplots_adjust(bottom=min(0.45, (_AXIS_SPACE_IN + 2 * _FOOTER_LINE_IN) / height))
    if ncols > 1:  # legends sit outside each axes, on its right
        fig.subplots_adjust(wspace=0.7, left=0.07, right=0.86)
    if nrows > 1:
        fig.subplots_adjust(hspace=0.45)
    return fig, ax


@styled
def merge_legends(fig: Figure, *, title: str | None = None, right: float = 0.77) -> Any:
    """One legend for a figure of several axes: every axes' legend entries (once each), on the right.

    Axes of one figure that each carry their own legend on their right waste a slide's width; this
    takes their entries (the first of each label), removes the axes legends, narrows the gap
    between the axes and places one legend right of them.

    Parameters
    ----------
    fig
        The figure, its axes already drawn with legends.
    title
        Legend title (None: the first axes legend's title).
    right
        Right edge of the axes, as a fraction of the figure width.

    Returns
    -------
    matplotlib.legend.Legend or None
        The figure legend; None when no axes had one.
    """
    handles: dict[str, Any] = {}
    first_title = None
    for a in fig.axes:
        leg = a.get_legend()
        if leg is None:
            continue
        first_title = first_title or leg.get_title().get_text()
        for h, t in zip(leg.legend_handles, leg.get_texts(), strict=True):
            handles.setdefault(t.get_text(), h)
        leg.remove()
    if not handles:
        return None
    from matplotlib.patches import Patch

    handles = dict(sorted(handles.items(), key=lambda kv: not isinstance(kv[1], Patch)))  # areas first, then lines
    fig.subplots_adjust(right=right, wspace=0.15)
    top = max(a.get_position().y1 for a in fig.axes)
    return fig.legend(list(handles.values()), list(handles), loc="upper left", bbox_to_anchor=(right + 0.01, top),
                      title=title if title is not None else first_title)


@styled
def add_suptitle(fig: Figure, text: str) -> Any:
    """A figure title (the finding of a figure of several axes), bold, above the axes titles.

    Parameters
    ----------
    fig
        The figure, its axes already titled.
    text
        The title (shown literally: ``$`` is not maths).

    Returns
    -------
    matplotlib.text.Text
        The title; the axes move down to make room for it.
    """
    wrapped = textwrap.wrap(plain_text(text), max(40, int(fig.get_figwidth() * 9.5)))
    lines = max((a.get_title().count("\n") + 1 for a in fig.axes if a.get_title()), default=0)
    room = (0.15 + 0.22 * (lines + len(wrapped))) / fig.get_figheight()
    fig.subplots_adjust(top=min(fig.subplotpars.top, 1.0 - room))
    return fig.suptitle("\n".join(wrapped), fontsize=STYLE["axes.titlesize"], fontweight="bold", y=0.995, va="top")


def add_footer(ax: Axes, provenance: str, assumptions: Sequence[str] = ()) -> Axes:
    """Write the price book provenance and key assumptions under the chart (as figure text).

    The text has gid ``orchsim-footer``; calling again replaces it (one footer per figure), and the
    figure's bottom margin grows to fit the lines so the footer never covers the axes.

    Parameters
    ----------
    ax
        An axes of the figure to write under.
    provenance
        The price book line, e.g. :meth:`orchsim.aws.pricebook.PriceBook.footer` of the region.
    assumptions
        Short assumption strings, joined after ``Assumptions:``.

    Returns
    -------
    Axes
        ``ax``.
    """
    fig = ax.get_figure()
    assert isinstance(fig, Figure)
    for t in list(fig.texts):
        if t.get_gid() == _FOOTER_GID:
            t.remove()
    width_chars = max(60, int(fig.get_figwidth() * 17))
    lines = textwrap.wrap(plain_text(provenance), width_chars) or [""]
    if assumptions:
        lines += textwrap.wrap(plain_text("Assumptions: " + "; ".join(assumptions)), width_chars)
    fig.text(0.01, 0.01, "\n".join(lines), ha="left", va="bottom", fontsize=_FOOTER_FONTSIZE, color="#444444", gid=_FOOTER_GID)
    need = (_AXIS_SPACE_IN + len(lines) * _FOOTER_LINE_IN + 0.05) / fig.get_figheight()
    if not fig.get_constrained_layout() and fig.subplotpars.bottom < need:
        fig.subplots_adjust(bottom=min(need, 0.6))
    return ax


@styled
def save(fig: Figure, path: str | Path) -> list[Path]:
    """Save ``fig`` as PNG (200 dpi) and SVG, then close it.

    Parameters
    ----------
    fig
        The figure.
    path
        File name without suffix (a ``.png`` or ``.svg`` suffix is dropped); folders are created.

    Returns
    -------
    list[Path]
        The PNG and the SVG written.

    Raises
    ------
    InputError
        When the folder cannot be created (a file in the way, no permission).
    """
    base = Path(path)
    base = base.with_suffix("") if base.suffix in (".png", ".svg") else base
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # an existing file (or /dev/null) where the folder should be, no permission
        plt.close(fig)
        raise InputError("path", f"cannot write the chart under {str(base.parent)!r} ({exc.strerror or exc}); give a folder path") from None
    out = [base.parent / f"{base.name}.png", base.parent / f"{base.name}.svg"]
    fig.savefig(out[0], dpi=200, bbox_inches="tight")
    fig.savefig(out[1], bbox_inches="tight")
    plt.close(fig)
    return out


def contention_notes(df: pd.DataFrame) -> list[str]:
    """One footer line saying which patterns' costs assume away throttling (``contention`` column).

    Parameters
    ----------
    df
        :func:`orchsim.analytic.engine.estimate` rows.

    Returns
    -------
    list[str]
        Empty when every row fits its limits (or there is no column); else one line naming the
        patterns, the largest concurrency needed against the limit, and each Step Functions quota
        exceeded.

    Examples
    --------
    >>> rows = pd.DataFrame({"pattern": ["sfn-standard"], "concurrency_needed": [2504.0], "concurrency_limit": [1000],
    ...                      "contention": ["needs about 2,504 concurrent Lambda executions at the peak rate; limit 1,000; "
    ...                                     "needs about 352 StartExecution/s at the peak; quota 300/s (burst 1,300): run ..."]})
    >>> contention_notes(rows)[0]
    'THROTTLING NOT MODELLED (Standard): up to 2,504 concurrent Lambda executions at the peak (limit 1,000); Standard needs about 352 StartExecution/s at the peak; quota 300/s (burst 1,300); run orchsim simulate'
    """
    if "contention" not in df.columns:
        return []
    hit = df[df["contention"].astype(bool)]
    if hit.empty:
        return []
    names = ", ".join(dict.fromkeys(PATTERN_SHORT.get(p, p) for p in hit["pattern"]))
    parts = []
    over = hit[hit["concurrency_needed"] > hit["concurrency_limit"]] if "concurrency_limit" in hit else hit.iloc[:0]
    if len(over):
        parts.append(f"up to {over['concurrency_needed'].max():,.0f} concurrent Lambda executions at the peak "
                     f"(limit {int(over['concurrency_limit'].max()):,})")
    for pattern, note in zip(hit["pattern"].astype(str), hit["contention"].astype(str), strict=True):
        for part in note.split(": run ")[0].split("; "):
            if part.startswith("needs about") and "concurrent Lambda" not in part or part.startswith("quota"):
                if part.startswith("quota"):
                    parts[-1] += f"; {part}"
                else:
                    parts.append(f"{PATTERN_SHORT.get(pattern, pattern)} {part}")
    return [f"THROTTLING NOT MODELLED ({names}): {'; '.join(parts)}; run orchsim simulate"]


def scenario_assumptions(scenario: Scenario) -> list[str]:
    """Short strings naming the assumptions a chart of ``scenario`` rests on (for the footer).

    Parameters
    ----------
    scenario
        The scenario the chart shows.

    Returns
    -------
    list[str]
        Volume (documents per day), steps and mean work (s per document), memory (MB), the
        730-hour month and free tier, retries, transition latency (ms) and Express memory (MB), and
        how a durable function runs it (:func:`durable_assumption`).

    Examples
    --------
    >>> from orchsim import load_scenario
    >>> scenario_assumptions(load_scenario("seed-article"))[0]
    'scenario seed-article: 10,000 docs/day, 5 steps, mean work 5.08 s/doc'
    """
    steps = scenario.steps()
    mems = sorted({s.memory_mb for s in steps})
    if scenario.pipeline.definition is not None:
        return workflow_assumptions(scenario)
    mean_s = sum(s.duration.mean_ms for s in steps) / 1000.0
    shown = [s.name for s in steps[:5]] + (["..."] if len(steps) > 5 else [])
    kind = f"{len(steps)} named steps ({', '.join(shown)})" if scenario.named_steps else f"{len(steps)} steps"
    return [
        f"scenario {scenario.name}: {scenario.workload.docs_per_day:,.0f} docs/day, {kind}, "
        f"mean work {mean_s:.2f} s/doc",
        f"memory {'/'.join(str(m) for m in mems)} MB {steps[0].arch}",
        f"month = 730 h, free tier {'on' if scenario.free_tier else 'off'}",
        f"retry MaxAttempts {scenario.retry.max_attempts}, transition latency "
        f"{scenario.step_functions.transition_latency_ms:g} ms, Express memory {scenario.step_functions.express_memory_mb:g} MB",
        durable_assumption(scenario),
    ]


def durable_assumption(scenario: Scenario) -> str:
    """How the ``lambda-durable`` pattern runs ``scenario`` (:func:`orchsim.model.durable.summary_line`)."""
    orchestrator, ops = scenario.durable_plan()
    return summary_line(scenario.durable, orchestrator, ops)


def workflow_assumptions(scenario: Scenario) -> list[str]:
    """The footer's assumptions for an imported workflow: volume, its Task states, the profile's
    Choice odds and Map items, and what the workflow module assumed.

    Parameters
    ----------
    scenario
        A scenario with ``pipeline.definition``.

    Returns
    -------
    list[str]
        Short strings, as :func:`scenario_assumptions`.
    """
    wf = scenario.pipeline.runnable()
    ref = scenario.pipeline.definition
    name = Path(ref).name if isinstance(ref, str) else "(inline definition)"
    lambdas = [n for n, t in wf.tasks.items() if t.is_lambda]
    others = [f"{n} ({t.state.service or t.kind})" for n, t in wf.tasks.items() if not t.is_lambda]
    out = [f"scenario {scenario.name}: {scenario.workload.docs_per_day:,.0f} docs/day, workflow {name}: "
           f"Lambda {', '.join(lambdas) or 'none'}; other Tasks {', '.join(others) or 'none'}"]
    profile = wf.profile_lines()
    if profile:
        out.append("profile " + "; ".join(profile))
    out += list(wf.assumptions)
    out.append("month = 730 h, free tier " + ("on" if scenario.free_tier else "off"))
    out.append(durable_assumption(scenario))
    return out


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
    text = plain_text(default_title if title is None else title)
    fig = ax.get_figure()
    if "\n" not in text and isinstance(fig, Figure):  # a long finding wraps to the axes' width, not past the slide
        width_in = fig.get_figwidth() * ax.get_position().width
        text = "\n".join(textwrap.wrap(text, max(30, int(width_in * 10.5)))) or text
    ax.set_title(text)
    if region is None:
        region = str(data["region"].iloc[0]) if data is not None and "region" in data and len(data) else "us-east-1"
    add_footer(ax, load_price_book(prices).footer(region), assumptions)
    return ax


def _patterns_in(df: pd.DataFrame, patterns: Sequence[str] | None) -> list[str]:
    present = set(df["pattern"])
    return [p for p in (patterns or PATTERNS) if p in present]


def _ok_rows(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["error"].isna()] if "error" in df.columns else df
