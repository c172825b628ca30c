"""How well the fitted lognormals describe production durations: what ``orchsim fit`` found, drawn.

:func:`fit_chart` draws one panel per Lambda function (or per Step Functions state) of a
:class:`orchsim.fit.profile.FitResult`: the observed empirical CDF (a step) against the fitted
lognormal's CDF (a smooth line) on a log duration axis, the Kolmogorov-Smirnov distance marked where
the gap between them is largest, and the observed and fitted median and p95 in a box. The figure
title states the finding (:func:`fit_title`); :func:`fit_findings` gives one sentence per function
for a notebook.

A fit is *good* when its KS distance is under :data:`KS_GOOD` and the observed p95 is within
:data:`P95_TOLERANCE` of the fitted p95; otherwise the finding says where it departs: a tail heavier
or lighter than the fit (the p95 ratio), or a body that departs (KS alone).

>>> from orchsim.fit.parse import parse_files
>>> from orchsim.fit.profile import fit_logs
>>> result = fit_logs(parse_files(["data/samples/insights.csv"]))  # doctest: +SKIP
>>> fig = fit_chart(result)  # doctest: +SKIP
>>> paths = save(fig, "reports/fit/durations")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from orchsim.charts.style import add_footer, add_suptitle, figure, plain_text, share_formatter, styled
from orchsim.errors import InputError
from orchsim.fit.profile import DurationFit, FitResult
from orchsim.model.dists import Z95

__all__ = ["FIT_COLORS", "KS_GOOD", "MAX_PANELS", "P95_TOLERANCE", "fit_chart", "fit_findings", "fit_title",
           "fit_verdict", "ks_location"]

KS_GOOD = 0.1
"""A fit is good only with a Kolmogorov-Smirnov distance below this."""

P95_TOLERANCE = 0.15
"""A fit is good only when observed p95 / fitted p95 is within 1 +- this."""

MAX_PANELS = 6
"""Panels drawn at most (the first ones; the footer names those left out)."""

FIT_COLORS: dict[str, str] = {"observed": "#0072B2", "fit": "#D55E00", "ks": "#222222"}
"""Okabe-Ito blue for the observed CDF, vermillion for the fitted one, near-black for the KS gap."""

METHOD_NOTE = "lognormal by maximum likelihood (location 0); KS = largest gap between the two CDFs"
"""The footer's account of the method."""

CENSORED_NOTE = ("KS* = for a fit with timeouts taken as censored, the complete durations below the timeout "
                 "against the fit conditioned on that range; the segment marks the largest gap as drawn")
"""The footer's note on a starred KS."""

_SQRT2 = math.sqrt(2.0)
_YLIM = (-0.02, 1.02)
FIGURES_GID = "orchsim-fit-figures"


@dataclass(frozen=True)
class _Panel:
    name: str
    fit: DurationFit


def fit_verdict(fit: DurationFit) -> str:
    """How a fit departs from its values, in one word.

    Parameters
    ----------
    fit
        A function's or state's durations and fit.

    Returns
    -------
    str
        ``"fixed"`` (fewer than 2 distinct values), ``"good"`` (KS under :data:`KS_GOOD`, or under
        Lilliefors' 5% critical value 0.886 / sqrt(n) when that is larger, and observed p95
        / fitted p95 within 1 +- :data:`P95_TOLERANCE`), ``"heavier"`` or ``"lighter"`` (the observed
        tail is heavier or lighter than the fit's: the p95 ratio is out of range), or ``"shape"``
        (the p95 agrees but KS is large: the body departs).
    """
    if fit.dist == "fixed":
        return "fixed"
    ratio = _p95_ratio(fit)
    if ratio > 1.0 + P95_TOLERANCE:
        return "heavier"
    if ratio < 1.0 - P95_TOLERANCE:
        return "lighter"
    # a small sample's KS is large by chance: Lilliefors' 5% critical value for a normal with estimated
    # mean and variance (here on the log scale) is about 0.886 / sqrt(n) (Lilliefors 1967, JASA 62:399)
    limit = max(KS_GOOD, 0.886 / math.sqrt(max(len(fit.values_ms), 1)))
    return "good" if not fit.ks >= limit else "shape"  # an unknown (NaN) KS judges by the p95 alone


def _p95_ratio(fit: DurationFit) -> float:
    return fit.summary["p95"] / fit.p95_ms if fit.p95_ms > 0 else float("nan")


def _sigma(fit: DurationFit) -> float:
    return math.log(fit.p95_ms / fit.median_ms) / Z95 if fit.median_ms > 0 and fit.p95_ms > fit.median_ms else 0.0


def _fit_cdf(fit: DurationFit, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
    """The fitted lognormal's CDF at ``x_ms`` (a step at the median for a zero spread)."""
    x = np.asarray(x_ms, dtype=float)
    sigma = _sigma(fit)
    if sigma <= 0:
        return (x >= fit.median_ms).astype(float)
    z = (np.log(np.maximum(x, 1e-300)) - math.log(fit.median_ms)) / (sigma * _SQRT2)
    return np.array([0.5 * math.erfc(-v) for v in z.ravel().tolist()], dtype=float).reshape(x.shape)


def ks_location(fit: DurationFit) -> tuple[float, float, float]:
    """Where the gap between the observed and fitted CDFs is largest.

    Parameters
    ----------
    fit
        A lognormal fit with its values.

    Returns
    -------
    tuple[float, float, float]
        The duration (ms) and the two CDF values there (lower, upper) as shares in [0, 1];
        ``upper - lower`` is the KS distance (:attr:`DurationFit.ks` up to rounding).
    """
    x = np.sort(np.asarray(fit.values_ms, dtype=float))
    n = x.size
    f = _fit_cdf(fit, x)
    i = np.arange(1, n + 1, dtype=float)
    above, below = i / n - f, f - (i - 1) / n  # empirical above the fit at x_(i); fit above its left limit
    ia, ib = int(np.argmax(above)), int(np.argmax(below))
    if above[ia] >= below[ib]:
        return float(x[ia]), float(f[ia]), float(i[ia] / n)
    return float(x[ib]), float((i[ib] - 1) / n), float(f[ib])


def _ms(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:,.3g}"


def _short_names(names: Sequence[str]) -> dict[str, str]:
    """Names without their shared prefix up to a ``-``, ``_`` or ``/`` (``sample-pipeline-extract`` ->
    ``extract``) when two or more share one; else the names."""
    if len(names) < 2:
        return {n: n for n in names}
    prefix = os.path.commonprefix(list(names))
    cut = max(prefix.rfind(c) for c in "-_/.") + 1
    short = {n: n[cut:] for n in names}
    return short if cut > 0 and all(short.values()) and len(set(short.values())) == len(names) else {n: n for n in names}


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _departure(name: str, fit: DurationFit) -> str:
    """What a fit that is not good gets wrong, as a clause."""
    verdict = fit_verdict(fit)
    pct = f"{100 * (_p95_ratio(fit) - 1):+.0f}%"
    if verdict == "fixed":
        return f"{name} is fixed at {_ms(fit.median_ms)} ms"
    if verdict in ("heavier", "lighter"):
        return f"{name}'s tail is {verdict} than the fit (observed p95 {pct}, KS {_ks(fit.ks, 2)})"
    return f"{name}'s body departs from the fit (KS {_ks(fit.ks, 2)}, p95 {pct})"


def _departures(names: list[str], short: dict[str, str], fits: dict[str, DurationFit], what: str) -> str:
    """What several fits with the same verdict get wrong, as one clause."""
    verdict = fit_verdict(fits[names[0]])
    who = _and([short[n] for n in names]) if len(names) <= 4 else f"{len(names)} {what}"
    pcts = sorted(100 * (_p95_ratio(fits[n]) - 1) for n in names)
    kss = sorted(fits[n].ks for n in names if math.isfinite(fits[n].ks))
    ks_range = f"KS {kss[0]:.2f}-{kss[-1]:.2f}" if kss else "KS n/a"
    if verdict == "fixed":
        return f"{who} are fixed"
    if verdict in ("heavier", "lighter"):
        return f"{who} have tails {verdict} than the fit (observed p95 {pcts[0]:+.0f}% to {pcts[-1]:+.0f}%, {ks_range})"
    return f"{who} depart from the fit in the body ({ks_range}, p95 {pcts[0]:+.0f}% to {pcts[-1]:+.0f}%)"


def _ks(ks: float, digits: int) -> str:
    return f"{ks:.{digits}f}" if math.isfinite(ks) else "n/a"


def fit_title(fits: dict[str, DurationFit], *, what: str = "functions") -> str:
    """The finding: which fits are good, and where the others depart.

    Parameters
    ----------
    fits
        Fits by function (or state) name.
    what
        The plural noun for them, for "all 4 functions".

    Returns
    -------
    str
        For example "The lognormal fits extract and store well (KS <= 0.06); summarise's tail is
        heavier than the fit (observed p95 +32%, KS 0.21)". Names lose a shared prefix.
    """
    if not fits:
        return f"No {what} with timed durations to fit"
    short = _short_names(list(fits))
    good = [n for n, f in fits.items() if fit_verdict(f) == "good"]
    bad = [n for n in fits if n not in good]
    parts = []
    if good:
        ks = max((fits[n].ks for n in good if math.isfinite(fits[n].ks)), default=math.nan)
        dev = max(abs(_p95_ratio(fits[n]) - 1) for n in good)
        who = _and([short[n] for n in good]) if len(good) <= 3 or bad else f"all {len(good)} {what}"
        bound = f"KS <= {math.ceil(ks * 100) / 100:.2f}, " if math.isfinite(ks) else ""
        parts.append(f"The lognormal fits {who} well ({bound}p95 within {max(1, math.ceil(dev * 100)):.0f}% of the fit's)")
    groups: dict[str, list[str]] = {}
    for n in bad:
        groups.setdefault(fit_verdict(fits[n]), []).append(n)
    shown = [_departure(short[ns[0]], fits[ns[0]]) if len(ns) == 1 else _departures(ns, short, fits, what)
             for ns in groups.values()]
    if bad and not good:
        shown[0] = "The lognormal fits none well: " + shown[0]
    return "; ".join(parts + shown)


def _finding(name: str, fit: DurationFit) -> str:
    n = len(fit.values_ms)
    if fit.dist == "fixed":
        return f"{name}: fixed at {_ms(fit.median_ms)} ms ({n} value{'s' if n != 1 else ''}, fewer than 2 distinct)."
    verdict = fit_verdict(fit)
    quality = {"good": "the lognormal fits well",
               "heavier": "the observed tail is heavier than the lognormal fit",
               "lighter": "the observed tail is lighter than the lognormal fit",
               "shape": "the lognormal matches the p95 but the body departs"}[verdict]
    return (f"{name}: {quality} (n {n:,}, KS {_ks(fit.ks, 3)}; p95 observed {_ms(fit.summary['p95'])} ms vs fitted "
            f"{_ms(fit.p95_ms)} ms, ratio {_p95_ratio(fit):.2f}; median {_ms(fit.summary['p50'])} vs "
            f"{_ms(fit.median_ms)} ms).")


def _panels(result: FitResult, functions: Sequence[str] | None, states: bool) -> tuple[list[_Panel], list[str]]:
    """The panels to draw and notes on what is left out."""
    if states:
        pool = {k: s.durations for k, s in result.executions.states.items()}
        what = "state"
    else:
        pool = {k: f.durations for k, f in result.functions.items()}
        what = "function"
    if functions is not None:
        unknown = [n for n in functions if n not in pool]
        if unknown:
            raise InputError("functions", f"{', '.join(map(repr, unknown))} not in the fit; accepted: "
                                          f"{', '.join(pool) or f'no {what}s'}")
        pool = {n: pool[n] for n in functions}
    timed = [_Panel(n, d) for n, d in pool.items() if d is not None]
    notes = []
    untimed = [n for n, d in pool.items() if d is None]
    if untimed:
        notes.append(f"not drawn (no timed visit): {', '.join(untimed)}")
    if len(timed) > MAX_PANELS:
        notes.append(f"showing the first {MAX_PANELS} of {len(timed)} {what}s")
    if not timed:
        raise InputError("functions" if not states else "states", f"no {what} with timed durations to draw")
    return timed[:MAX_PANELS], notes


def _grid(n: int) -> tuple[int, int]:
    return (1, n) if n <= 3 else (2, 2) if n == 4 else (2, 3)


def _plot_panel(ax: Axes, panel: _Panel) -> Axes:
    """One panel: observed step CDF, fitted CDF, KS gap, legend (upper left) and figures (lower right).

    The x limits are provisional: :func:`_fit_limits` sets them once the layout is final.
    """
    d = panel.fit
    x = np.sort(np.asarray(d.values_ms, dtype=float))
    n = x.size
    xmin, xmax = _data_range(d)
    xmin, xmax = xmin / 1e3, xmax * 1e3  # the curves run to the edges whatever the final limits
    ax.set_xscale("log")
    if d.dist == "fixed":
        ax.step([xmin, d.median_ms, xmax], [0.0, 1.0, 1.0], where="post", color=FIT_COLORS["observed"], lw=1.8,
                label=f"observed (n {n:,}): fixed", gid="orchsim-observed")
    else:
        ax.step(np.r_[xmin, x, xmax], np.r_[0.0, np.arange(1, n + 1) / n, 1.0], where="post",
                color=FIT_COLORS["observed"], lw=1.6, label=f"observed (n {n:,})", gid="orchsim-observed")
        grid = np.geomspace(xmin, xmax, 900)
        ax.plot(grid, _fit_cdf(d, grid), color=FIT_COLORS["fit"], lw=1.6, linestyle=(0, (5, 2)),
                label="lognormal fit", gid="orchsim-fit")
        at, y0, y1 = ks_location(d)
        ax.plot([at, at], [y0, y1], color=FIT_COLORS["ks"], lw=2.4, solid_capstyle="butt",
                marker="_", markersize=7, label=_ks_label(d), gid="orchsim-ks")
    ax.set_xlim(_data_range(d))  # provisional: few ticks to lay out before _fit_limits
    _log_ticks(ax)
    ax.yaxis.set_major_formatter(share_formatter())
    ax.set_ylim(_YLIM)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(loc="upper left", fontsize=7, handlelength=1.8, borderaxespad=0.3)
    if d.dist == "fixed":
        box = f"fixed at {_ms(d.median_ms)} ms\n(fewer than 2\ndistinct values)"
    else:
        s = d.summary
        w = max(3, *(len(_ms(v)) for v in (s["p50"], s["p95"], d.median_ms, d.p95_ms)))
        box = (f"{'ms':<6} {'obs':>{w}} {'fit':>{w}}\n"
               f"{'median':<6} {_ms(s['p50']):>{w}} {_ms(d.median_ms):>{w}}\n"
               f"{'p95':<6} {_ms(s['p95']):>{w}} {_ms(d.p95_ms):>{w}}")
    ax.text(0.98, 0.03, box, transform=ax.transAxes, ha="right", va="bottom", multialignment="left", fontsize=7,
            family="monospace",
            gid=FIGURES_GID, bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#BBBBBB", "lw": 0.6})
    ax.set_title("\n".join(textwrap.wrap(plain_text(panel.name), 34)), fontsize=10)
    return ax


def _ks_label(d: DurationFit) -> str:
    """``KS 0.055``; a ``*`` when the fit's KS is not the gap drawn (see :data:`CENSORED_NOTE`)."""
    return f"KS {d.ks:.3f}" + ("" if _ks_drawn(d) else "*") if math.isfinite(d.ks) else "KS n/a*"


def _ks_drawn(d: DurationFit) -> bool:
    """Whether the fit's KS is the largest gap between the CDFs as drawn (not so for a censored fit)."""
    if d.dist == "fixed":
        return True
    _, y0, y1 = ks_location(d)
    return math.isfinite(d.ks) and abs((y1 - y0) - d.ks) < 5e-4


def _data_range(d: DurationFit) -> tuple[float, float]:
    """Smallest and largest positive duration, ms (a fixed value spread to a factor of 2 either side)."""
    pos = [v for v in d.values_ms if v > 0] or [1.0]
    lo, hi = min(pos), max(pos)
    return (lo / 2, hi * 2) if d.dist == "fixed" or hi <= lo else (lo, hi)


def _fit_ppf(d: DurationFit, p: float) -> float:
    sigma = _sigma(d)
    return d.median_ms if sigma <= 0 else d.median_ms * math.exp(sigma * NormalDist().inv_cdf(p))


def _fit_limits(ax: Axes, d: DurationFit, renderer: Any) -> None:
    """Set the log x limits so both boxes sit where neither curve passes, with every duration shown.

    Both CDFs rise left to right, so the upper-left box (legend, right edge at axes fraction ``a``,
    bottom at ``b``) is clear when both CDFs are below ``b`` at ``a``, and the lower-right box
    (figures, left edge ``c``, top ``d``) when both are above ``d`` at ``c``; the narrowest
    limits meeting both, with the durations inside, are chosen.
    """
    legend, box = ax.get_legend(), next(t for t in ax.texts if t.get_gid() == FIGURES_GID)
    to_axes = ax.transAxes.inverted()
    leg = legend.get_window_extent(renderer).transformed(to_axes) if legend is not None else None
    pad = float(box.get_fontsize()) * 0.3 * renderer.points_to_pixels(1.0) + 2.0  # the round box's pad and edge, pixels
    fig_box = box.get_window_extent(renderer).expanded(1.0, 1.0).padded(pad).transformed(to_axes)
    y0, y1 = _YLIM
    a = leg.x1 + 0.02 if leg is not None else 0.0
    b = y0 + (y1 - y0) * (leg.y0 - 0.02) if leg is not None else 1.0
    c, top = fig_box.x0 - 0.02, y0 + (y1 - y0) * (fig_box.y1 + 0.02)
    x = np.sort(np.asarray([v for v in d.values_ms if v > 0] or [1.0], dtype=float))
    n = x.size
    lo, hi = _data_range(d)
    first, last = math.log10(lo) - 0.08, math.log10(hi) + 0.08
    if d.dist == "fixed":
        left_ok, right_ok = math.log10(d.median_ms) - 0.05, math.log10(d.median_ms) + 0.05
    else:
        under = [x[min(n - 1, math.ceil(b * n) - 1)], _fit_ppf(d, b)] if 0 < b < 1 else [x[-1] * 10]
        over = [x[min(n - 1, math.floor(top * n))], _fit_ppf(d, top)] if 0 < top < 1 else [x[0] / 10]
        left_ok, right_ok = math.log10(min(under)) - 0.03, math.log10(max(over)) + 0.03
    width = last - first
    for _ in range(2000):  # widen by 0.01 decade until some left edge meets every constraint
        low = max(last - width, right_ok - c * width)
        high = min(first, left_ok - a * width)
        if low <= high:
            left = (low + high) / 2
            ax.set_xlim(10**left, 10 ** (left + width))
            break
        width += 0.01
    else:  # pragma: no cover - c > a always leaves a solution within 20 decades
        ax.set_xlim(10**first, 10**last)
    _log_ticks(ax)


def _log_ticks(ax: Axes) -> None:
    """Log x ticks at 1-2-5, 1-3 or 1 per decade (as the span allows), labelled 50, 200, 5k, 10k."""
    lo, hi = ax.get_xlim()
    decades = math.log10(hi / lo)
    subs = (1.0, 2.0, 5.0) if decades <= 2.6 else (1.0, 3.0) if decades <= 4.5 else (1.0,)
    ax.xaxis.set_major_locator(mticker.LogLocator(base=10, subs=subs, numticks=30))
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _p: _tick(v)))
    ax.xaxis.set_minor_formatter(mticker.NullFormatter())


def _tick(v: float) -> str:
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if v >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _window(result: FitResult) -> str:
    if result.window is None:
        return "untimed (no timestamps)"
    a, b = result.window
    end = b.strftime("%H:%M:%S") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M:%S")
    return f"{a.strftime('%Y-%m-%d %H:%M:%S')} to {end} UTC"


def _provenance(result: FitResult, states: bool) -> str:
    counted = []
    if result.reports and not states:
        counted.append(f"{result.reports:,} Lambda REPORT lines from {', '.join(result.sources) or 'the logs'}")
    if result.executions.executions and states:
        counted.append(f"{result.executions.executions:,} Step Functions execution histories")
    what = "state durations (entered to exited, single-attempt visits)" if states else "Lambda Duration"
    return f"Observed {what}: {'; '.join(counted)}; window {_window(result)}"


@styled
def fit_chart(result: FitResult, *, functions: Sequence[str] | None = None, states: bool = False,
              footer: str | None = None) -> Figure:
    """Observed against fitted duration CDFs, one panel per function (or per state).

    Each panel shows the empirical CDF of the observed durations (a step), the fitted lognormal's CDF
    (dashed) on a log duration axis, a vertical segment where their gap is largest (the legend
    gives the KS distance to 3 decimals), and a box of the observed and fitted median and p95 (ms).
    A ``fixed`` fit (fewer than 2 distinct values) is a single step, "fixed" in its legend.

    Parameters
    ----------
    result
        From :func:`orchsim.fit.profile.fit_logs`.
    functions
        Names to draw, in this order (None: every function, or every state with ``states``).
    states
        Draw the Step Functions states of the histories instead of the Lambda functions (states
        with no timed visit are left out and named in the footer).
    footer
        The footer's first line (None: the sources, their record counts and the time window); the
        method line follows it.

    Returns
    -------
    Figure
        Up to :data:`MAX_PANELS` panels (1 x n up to 3, then 2 x 2 or 2 x 3), at most 13 x 7.5 inches.

    Raises
    ------
    InputError
        For a name in ``functions`` that is not in the fit, or nothing timed to draw.
    """
    panels, notes = _panels(result, functions, states)
    nrows, ncols = _grid(len(panels))
    width, height = min(13.0, 0.9 + 3.9 * ncols), min(7.5, 2.3 + 3.0 * nrows)
    fig, axes = figure(width, height, nrows=nrows, ncols=ncols)
    flat = list(np.atleast_1d(axes).ravel())
    for ax, panel in zip(flat, panels, strict=False):
        _plot_panel(ax, panel)
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    for r in range(nrows):
        flat[r * ncols].set_ylabel("Share of invocations (%)" if not states else "Share of visits (%)")
    for ax in flat[: len(panels)]:
        ax.set_xlabel("Duration (ms, log scale)", fontsize=9)
    fig.subplots_adjust(left=0.7 / width, right=1 - 0.25 / width, wspace=0.22, hspace=0.5 if nrows > 1 else 0.2)
    add_suptitle(fig, fit_title({p.name: p.fit for p in panels}, what="states" if states else "functions"))
    provenance = footer if footer is not None else _provenance(result, states)
    if not all(_ks_drawn(p.fit) for p in panels):
        notes.append(CENSORED_NOTE)
    add_footer(flat[0], provenance, [METHOD_NOTE, "obs = observed percentile, fit = the fitted lognormal's", *notes])
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:  # pragma: no cover - a canvas without a renderer of its own
        fig.draw_without_rendering()
        renderer = getattr(fig, "_get_renderer")()  # noqa: B009 - matplotlib's private accessor
    for ax, panel in zip(flat, panels, strict=False):  # the boxes' sizes, now that the layout is final
        _fit_limits(ax, panel.fit, renderer)
    return fig


def fit_findings(result: FitResult, *, states: bool = False) -> list[str]:
    """One sentence per function (or state) on how well the lognormal fits it.

    Parameters
    ----------
    result
        From :func:`orchsim.fit.profile.fit_logs`.
    states
        Sentences for the Step Functions states instead (states with no timed visit say so).

    Returns
    -------
    list[str]
        For example "sample-pipeline-extract: the lognormal fits well (n 183, KS 0.055; p95 observed
        2,064 ms vs fitted 1,952 ms, ratio 1.06; median 631 vs 620 ms)."
    """
    if states:
        return [_finding(k, s.durations) if s.durations is not None else f"{k}: no timed visit to fit."
                for k, s in result.executions.states.items()]
    return [_finding(k, f.durations) for k, f in result.functions.items()]
