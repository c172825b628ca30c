"""Charts for pipelines that call models (Amazon Bedrock): total cost of ownership, and throughput
against the model's quota.

:func:`tco_chart` stacks each pattern's monthly cost into model tokens, Lambda, orchestration,
storage and requests of other services, and logs (:func:`tco_parts`), and prints orchestration's
share on each bar: with a model in the pipeline the choice of orchestrator is usually a small part
of the bill. :func:`quota_chart` shows what each pattern delivers as the offered volume passes the
model's quota, and what that does to p99 latency.

Both take :class:`orchsim.sim.result.Summary` objects (``simulate(...).summary``), return a
slide-sized figure with the finding as title and the footer naming the price book, the model
prices and the scenario's assumptions, and change no global matplotlib state.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.ticker as mticker
import numpy as np
from matplotlib.figure import Figure

from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.charts.style import (
    COLORS,
    PATTERN_LABELS,
    PATTERN_LINESTYLES,
    PATTERN_MARKERS,
    PATTERN_SHORT,
    _finish,
    add_footer,
    add_suptitle,
    figure,
    label,
    merge_legends,
    plain_text,
    scenario_assumptions,
    styled,
    usd_formatter,
)
from orchsim.model.scenario import PATTERNS, Scenario
from orchsim.model.services import ModelService
from orchsim.sim.result import Summary

__all__ = ["TCO_COLORS", "TCO_GROUPS", "TCO_LABELS", "quota_chart", "quota_finding", "tco_chart", "tco_finding", "tco_parts"]

TCO_GROUPS: dict[str, tuple[str, ...]] = {
    "model": ("model_input_tokens", "model_output_tokens"),
    "lambda": ("lambda_compute", "lambda_ephemeral", "lambda_requests"),
    "orchestration": ("sfn_transitions", "express_requests", "express_duration"),
    "services": (),  # every other component but logs and total
    "logs": ("logs",),
}
"""The stacks of :func:`tco_chart`, bottom to top, and the ``cost_usd`` components each sums
(``services`` takes every component no other stack names)."""

TCO_LABELS: dict[str, str] = {
    "model": "Model tokens (input + output)",
    "lambda": "Lambda (compute, storage, requests)",
    "orchestration": "Orchestration (Step Functions)",
    "services": "Storage and requests (other services)",
    "logs": "CloudWatch Logs",
}
"""Legend names of the stacks."""

TCO_COLORS: dict[str, str] = {
    "model": "#0072B2",
    "lambda": "#56B4E9",
    "orchestration": "#E69F00",
    "services": "#009E73",
    "logs": "#999999",
}
"""Okabe-Ito colours of the stacks (orchestration in orange, so its thin slice is found)."""

_NAMED = frozenset(c for comps in TCO_GROUPS.values() for c in comps) | {"total"}


def _num(x: float) -> float:
    return float(x) if x is not None and math.isfinite(float(x)) else 0.0


def tco_parts(summary: Summary) -> dict[str, float]:
    """A summary's monthly cost in the five stacks of :func:`tco_chart` (USD per month).

    Parameters
    ----------
    summary
        One run's :class:`~orchsim.sim.result.Summary`.

    Returns
    -------
    dict[str, float]
        ``model``, ``lambda``, ``orchestration``, ``services`` and ``logs`` (the keys of
        :data:`TCO_GROUPS`, in that order); they sum to ``cost_usd["total"]``. A component the run
        lacks counts 0; a NaN amount counts 0.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> s = SimpleNamespace(cost_usd={"lambda_compute": 2.0, "sfn_transitions": 1.0, "s3": 0.5,
    ...                               "model_input_tokens": 6.0, "model_output_tokens": 0.5, "total": 10.0})
    >>> tco_parts(s)
    {'model': 6.5, 'lambda': 2.0, 'orchestration': 1.0, 'services': 0.5, 'logs': 0.0}
    """
    cost = summary.cost_usd
    parts = {k: sum(_num(cost.get(c, 0.0)) for c in comps) for k, comps in TCO_GROUPS.items()}
    parts["services"] = sum(_num(v) for c, v in cost.items() if c not in _NAMED)
    return parts


def _share(part: float, total: float) -> float:
    return part / total if total > 0 else 0.0


def _pct(share: float) -> str:
    pct = 100.0 * share
    if pct == 0:
        return "0%"
    return f"{pct:.2g}%" if pct < 1 else f"{pct:.1f}%" if pct < 10 else f"{pct:.0f}%"


def _usd(x: float) -> str:
    return str(usd_formatter()(x)).replace("\\", "")


def _by_pattern(summaries: Sequence[Summary]) -> list[Summary]:
    """One summary per pattern in :data:`PATTERNS` order (the last given wins), others after."""
    by: dict[str, Summary] = {}
    for s in summaries:
        by[str(s.pattern)] = s
    order = [p for p in PATTERNS if p in by] + [p for p in by if p not in PATTERNS]
    return [by[p] for p in order]


def _tick(pattern: str) -> str:
    """A pattern's axis name on two lines, so four fit a slide side by side."""
    name = PATTERN_LABELS.get(pattern, pattern)
    return plain_text(name.replace(" (", "\n(").replace("Functions ", "Functions\n"))


def _short(pattern: str) -> str:
    return PATTERN_SHORT.get(pattern, pattern)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def tco_finding(summaries: Sequence[Summary]) -> str:
    """One sentence: the cheapest pattern in total, and how big orchestration's and the model's shares are.

    Parameters
    ----------
    summaries
        One summary per pattern.

    Returns
    -------
    str
        For example "Async chain cheapest at $3,493/month (sync chain +1.5%); orchestration 0-1.3%
        of each total, model tokens 98-99%".
    """
    rows = _by_pattern(summaries)
    if not rows:
        return "no runs"
    totals = {str(s.pattern): _num(s.cost_usd.get("total", 0.0)) for s in rows}
    cheapest = min(totals, key=lambda p: totals[p])
    dearest = max(totals, key=lambda p: totals[p])
    orch = [_share(tco_parts(s)["orchestration"], totals[str(s.pattern)]) for s in rows]
    model = [_share(tco_parts(s)["model"], totals[str(s.pattern)]) for s in rows]
    text = f"{_cap(_short(cheapest))} cheapest at {_usd(totals[cheapest])}/month"
    if dearest != cheapest and totals[cheapest] > 0:
        text += f" ({_short(dearest)} +{_pct(totals[dearest] / totals[cheapest] - 1)})"
    lo_o, hi_o = _pct(min(orch)), _pct(max(orch))
    text += f"; orchestration {lo_o[:-1]}-{hi_o}" if lo_o != hi_o else f"; orchestration {hi_o}"
    text += " of each total" if len(rows) > 1 else " of the total"
    lo, hi = min(model), max(model)
    if hi > 0:
        text += ", model tokens " + (f"{_pct(lo)[:-1]}-{_pct(hi)}" if _pct(hi) != _pct(lo) else _pct(hi))
    return text


def _model_services(scenario: Scenario) -> dict[str, ModelService]:
    return {name: svc for name, svc in scenario.services.items() if isinstance(svc, ModelService)}


def _model_notes(scenario: Scenario, book: PriceBook, region: str, summaries: Sequence[Summary]) -> list[str]:
    """Footer lines for the models: price and its source date, mean tokens per call, quota; unpriced models."""
    out = []
    for name, svc in _model_services(scenario).items():
        price = book.model_price(region, svc.model)
        tin, tout = svc.mean_tokens()
        text = f"model {name} = {svc.model}: "
        if price is None:
            text += "NOT PRICED in this book (its tokens are not in the cost)"
        else:
            text += (f"${price.usd_per_input_token * 1e6:,.3g}/${price.usd_per_output_token * 1e6:,.3g} per 1M input/output "
                     f"tokens (as of {price.as_of})")
        text += f", mean {tin:,.0f} in / {tout:,.0f} out tokens per call"
        q = svc.quota
        if q is not None and (q.requests_per_minute or q.tokens_per_minute):
            limits = [f"{q.requests_per_minute:,.0f} requests/min" if q.requests_per_minute else "",
                      f"{q.tokens_per_minute:,.0f} tokens/min" if q.tokens_per_minute else ""]
            text += ", quota " + " and ".join(x for x in limits if x)
        out.append(text)
    unpriced = sorted({str(m) for s in summaries for m in s.unpriced_model_tokens})
    if unpriced and not any("NOT PRICED" in t for t in out):
        out.append(f"models not priced (tokens not in the cost): {', '.join(unpriced)}")
    return out


def _run_note(summaries: Sequence[Summary]) -> str:
    hours = sorted({float(s.window_hours) for s in summaries})
    seeds = sorted({int(s.seed) for s in summaries})
    window = "/".join(f"{h:g}" for h in hours)
    return (f"simulated {window} h window(s), seed {'/'.join(map(str, seeds))}, costs scaled to a month")


def _footer_lines(scenario: Scenario, book: PriceBook, region: str, summaries: Sequence[Summary]) -> list[str]:
    lines = scenario_assumptions(scenario)
    volumes = sorted({float(s.docs_per_day) for s in summaries})
    if lines and volumes and volumes != [float(scenario.workload.docs_per_day)]:  # the runs' volumes, not the file's
        shown = f"{volumes[0]:,.0f} docs/day" if len(volumes) == 1 else f"{volumes[0]:,.0f}-{volumes[-1]:,.0f} docs/day"
        lines[0] = lines[0].replace(f"{scenario.workload.docs_per_day:,.0f} docs/day", shown, 1)
    return [*lines, *_model_notes(scenario, book, region, summaries), _run_note(summaries)]


def _region(summaries: Sequence[Summary]) -> str:
    return str(summaries[0].region) if summaries else "us-east-1"


@styled
def tco_chart(summaries: Sequence[Summary], *, scenario: Scenario, book: str | PriceBook | None = None,
              title: str | None = None) -> Figure:
    """Total cost of ownership: one stacked bar of monthly cost per pattern, orchestration's share on each.

    Stacks, bottom to top: model tokens, Lambda, orchestration (Step Functions transitions, Express
    requests and duration), storage and requests of other services, logs (:func:`tco_parts`).

    Parameters
    ----------
    summaries
        One :class:`~orchsim.sim.result.Summary` per pattern (the last wins if a pattern repeats).
    scenario
        The scenario simulated (its assumptions and models go in the footer).
    book
        The price book the summaries were priced with (path or book; None: the default book).
    title
        Title; None: the scenario name and :func:`tco_finding`.

    Returns
    -------
    Figure
        A 9 x 5.5 inch figure with one axes.
    """
    rows = _by_pattern(summaries)
    prices = load_price_book(book)
    region = _region(rows)
    fig, ax = figure(9.0, 5.5)
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    parts = [tco_parts(s) for s in rows]
    for key in TCO_GROUPS:
        vals = np.array([p[key] for p in parts])
        shown = bool((vals > 0).any())
        ax.bar(x, vals, bottom=bottom, width=0.6, color=TCO_COLORS[key], edgecolor="white", linewidth=0.5,
               label=TCO_LABELS[key] if shown else "_nolegend_")
        bottom += vals
    top = float(bottom.max()) if len(rows) else 0.0
    for xi, (s, p) in enumerate(zip(rows, parts, strict=True)):
        total = _num(s.cost_usd.get("total", 0.0))
        ax.annotate(f"{_usd(total)}\norchestration {_pct(_share(p['orchestration'], total))}", (xi, float(bottom[xi])),
                    xytext=(0, 4), textcoords="offset points", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, top * 1.2 if top > 0 else 1.0)
    ax.yaxis.set_major_formatter(usd_formatter())
    ax.set_xticks(x, [_tick(str(s.pattern)) for s in rows])
    for tick, s in zip(ax.get_xticklabels(), rows, strict=True):
        tick.set_color(COLORS.get(str(s.pattern), "#222222"))
    ax.grid(False, axis="x")
    ax.set_ylabel(label("usd_per_month"))
    ax.set_xlabel(label("pattern"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), title="Cost of")
    fig.subplots_adjust(right=0.72, left=0.1)
    finding = tco_finding(rows)
    _finish(ax, title, f"{scenario.name}: {finding}", prices=prices, region=region,
            assumptions=_footer_lines(scenario, prices, region, rows))
    return fig


def _delivered_per_hour(s: Summary) -> float:
    return s.docs_succeeded / s.window_hours if s.window_hours > 0 else float("nan")


def _offered_per_hour(s: Summary) -> float:
    """Documents that arrived per hour of the simulated window (a diurnal or burst window is not the
    day's mean)."""
    return float(s.docs_arrived) / float(s.window_hours) if s.window_hours else float(s.docs_per_day) / 24.0


def _p99_s(s: Summary) -> float:
    v = s.latency_ms.p99
    return float(v) / 1000.0 if v is not None and math.isfinite(float(v)) else float("nan")


def _series(rows: Sequence[Summary]) -> dict[str, list[Summary]]:
    by: dict[str, list[Summary]] = {}
    for s in rows:
        by.setdefault(str(s.pattern), []).append(s)
    order = [p for p in PATTERNS if p in by] + [p for p in by if p not in PATTERNS]
    return {p: sorted(by[p], key=_offered_per_hour) for p in order}


def _n(x: float) -> str:
    return f"{x:,.0f}" if x >= 10 else f"{x:,.2g}"


def _named(pattern: str) -> str:
    """A pattern's short name in running text: "the sync chain", "Express"."""
    short = _short(pattern)
    return f"the {short}" if short.endswith("chain") else short


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def quota_finding(rows: Sequence[Summary], quota_docs_per_hour: float | None = None) -> str:
    """One sentence: what the patterns deliver past the quota (or at the largest volume), which loses most
    documents without a record at the largest volume, and the worst p99 latency there.

    Parameters
    ----------
    rows
        Summaries across offered volumes and patterns.
    quota_docs_per_hour
        Offered volume at which the model's quota is reached (documents per hour), if known.

    Returns
    -------
    str
        For example "Past the model quota (6,000 docs/h) every pattern delivers at most 6,082 docs/h;
        at 8,333 docs/h the async chain loses most (25%, no record; Standard records its failures),
        p99 up to 222 s (the sync chain)".
    """
    series = _series(rows)
    if not series:
        return "no runs"
    top_offer = max(_offered_per_hour(s) for s in rows)
    if quota_docs_per_hour is not None:
        past = [s for s in rows if _offered_per_hour(s) > quota_docs_per_hour]
        if not past:
            return (f"Every offered volume (up to {_n(top_offer)} docs/h) stays under the model quota "
                    f"({_n(quota_docs_per_hour)} docs/h)")
        cap = max(_delivered_per_hour(s) for s in past)
        head = f"Past the model quota ({_n(quota_docs_per_hour)} docs/h) every pattern delivers at most {_n(cap)} docs/h"
    else:
        cap = max(_delivered_per_hour(s) for s in rows)
        head = f"Every pattern delivers at most {_n(cap)} docs/h"
    at_top = {p: ss[-1] for p, ss in series.items()}
    notes = []
    lost = {p: _num(s.share_lost) for p, s in at_top.items()}
    most = max(lost.values())
    if most > 0:
        worst = [_named(p) for p, v in lost.items() if v >= most - 0.005]
        text = f"{_and(worst)} {'loses' if len(worst) == 1 else 'lose'} most ({_pct(most)}, no record"
        recorders = [_named(p) for p, s in at_top.items() if lost[p] == 0 and _num(s.share_failed) > 0]
        if recorders:
            text += f"; {_and(recorders)} {'records its' if len(recorders) == 1 else 'record their'} failures"
        notes.append(text + ")")
    p99 = {p: _p99_s(s) for p, s in at_top.items() if math.isfinite(_p99_s(s))}
    if p99:
        slow = max(p99, key=lambda p: p99[p])
        notes.append(f"p99 up to {p99[slow]:,.0f} s" + (f" ({_named(slow)})" if len(p99) > 1 else ""))
    if not notes:
        return f"{head} of up to {_n(top_offer)} docs/h offered"
    return f"{head}; at {_n(top_offer)} docs/h offered " + ", ".join(notes)


def _count_formatter() -> mticker.Formatter:
    return mticker.FuncFormatter(lambda v, _p: f"{v:,.0f}")


_OFFERED = "Offered volume (documents per hour)"
_DELIVERED = "Delivered documents per hour"


@styled
def quota_chart(rows: Sequence[Summary], *, scenario: Scenario, quota_per_minute: float | None = None,
                quota_docs_per_hour: float | None = None, book: str | PriceBook | None = None,
                title: str | None = None) -> Figure:
    """Throughput against the model quota: delivered documents per hour and p99 latency against the offered volume.

    Parameters
    ----------
    rows
        :class:`~orchsim.sim.result.Summary` objects across offered volumes (``docs_per_day``) for
        one or more patterns; one line per pattern.
    scenario
        The scenario simulated (footer).
    quota_per_minute
        The model's quota (requests per minute), named on the quota line when given.
    quota_docs_per_hour
        Offered volume (documents per hour) at which the model's calls reach the quota; a vertical
        line on both panels when given.
    book
        The price book (path or book; None: the default book), for the footer.
    title
        Figure title; None: the scenario name and :func:`quota_finding`.

    Returns
    -------
    Figure
        A 10 x 5.5 inch figure with two axes (delivered, p99 latency).
    """
    series = _series(rows)
    prices = load_price_book(book)
    region = _region(rows)
    fig, axes = figure(10.0, 5.5, ncols=2)
    ax_d, ax_l = list(np.asarray(axes).ravel())
    offers = [_offered_per_hour(s) for s in rows]
    for i, (pattern, ss) in enumerate(series.items()):
        xs = [_offered_per_hour(s) for s in ss]
        # earlier patterns get larger markers and sit lower, so a line hidden under another still shows as a ring
        kw = {"color": COLORS.get(pattern, "#000000"), "linestyle": PATTERN_LINESTYLES.get(pattern, "-"),
              "marker": PATTERN_MARKERS.get(pattern, "o"), "markersize": max(4.0, 9.0 - 1.7 * i),
              "linewidth": max(1.2, 2.6 - 0.5 * i), "zorder": 2 + i,
              "label": plain_text(PATTERN_LABELS.get(pattern, pattern))}
        ax_d.plot(xs, [_delivered_per_hour(s) for s in ss], **kw)
        ax_l.plot(xs, [_p99_s(s) for s in ss], **kw)
    if offers:
        hi = max(offers) * 1.05
        ax_d.plot([0, hi], [0, hi], color="#888888", lw=0.9, linestyle=":", label="delivered = offered", zorder=1)
    if quota_docs_per_hour is not None:
        q_label = "model quota" + (f" ({quota_per_minute:,.0f} requests/min)" if quota_per_minute else "")
        for a in (ax_d, ax_l):
            a.axvline(quota_docs_per_hour, color="#222222", lw=1.2, linestyle="--", gid="orchsim-quota",
                      label=f"{q_label} at {_n(quota_docs_per_hour)} docs/h")
    ax_d.yaxis.set_major_formatter(_count_formatter())
    p99 = [v for v in (_p99_s(s) for s in rows) if v == v and v > 0]
    log_p99 = bool(p99) and max(p99) > 20.0 * min(p99)  # a pattern that collapses would flatten the others
    for a, name, ylabel in ((ax_d, "Delivered", _DELIVERED), (ax_l, "p99 latency", label("latency_p99_s"))):
        a.set_xlim(left=0)
        if a is ax_l and log_p99:
            a.set_yscale("log")
            a.set_title("p99 latency (log scale)")
        else:
            a.set_ylim(bottom=0)
        a.xaxis.set_major_formatter(_count_formatter())
        a.set_xlabel(_OFFERED)
        a.set_ylabel(ylabel)
        if not (a is ax_l and log_p99):
            a.set_title(name)
        a.legend()
    merge_legends(fig, title="Pattern", right=0.76)
    fig.subplots_adjust(left=0.08, wspace=0.3)
    finding = quota_finding(rows, quota_docs_per_hour)
    add_suptitle(fig, title if title is not None else f"{scenario.name}: {finding}")
    add_footer(ax_d, prices.footer(region), _footer_lines(scenario, prices, region, rows))
    return fig

