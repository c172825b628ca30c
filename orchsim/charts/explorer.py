"""Interactive scenario explorer for JupyterLab: sliders that redraw the five-pattern comparison.

:func:`scenario_variant` is the pure part (a scenario with volume, steps, durations, memory and
error rate replaced); :func:`render_variant` draws one variant (chart as PNG, table as HTML);
:func:`explorer` wraps them in ipywidgets sliders that re-run the analytic engine and redraw the
cost per 1,000 documents (:func:`plot_unit_cost`, titled with the settings and the cheapest pattern)
and the formatted comparison table (:func:`variant_table`) on every change.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.charts.cost import plot_cost_breakdown
from orchsim.charts.style import (
    PATTERN_LABELS,
    PATTERN_SHORT,
    contention_notes,
    figure,
    label,
    scenario_assumptions,
    style,
    styled,
)
from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, scenario_from_dict

__all__ = ["explorer", "plot_unit_cost", "render_variant", "scenario_variant", "variant_table", "variant_title"]

_MEMORY_MB = (128, 256, 512, 1024, 1536, 2048, 3008, 4096, 6144, 8192, 10240)


def _scaled_duration(duration: dict[str, Any], factor: float) -> dict[str, Any]:
    """A duration mapping with every millisecond field multiplied by ``factor``."""
    return {k: (v * factor if k.endswith("_ms") and isinstance(v, int | float) else v) for k, v in duration.items()}


def scenario_variant(
    scenario: Scenario,
    *,
    docs_per_day: float | None = None,
    steps: int | None = None,
    duration_scale: float = 1.0,
    memory_mb: int | None = None,
    error_rate: float | None = None,
) -> Scenario:
    """``scenario`` with its volume, length, step durations, memory or error rate replaced.

    Parameters
    ----------
    scenario
        The starting scenario (not modified: a new one is returned).
    docs_per_day
        Documents per day; None keeps the scenario's.
    steps
        Number of steps. A scenario of identical steps gets that many copies; a list of named
        steps is cut to its first ``steps`` or extended by repeating it in order. None keeps it.
    duration_scale
        Factor applied to every step's work-time distribution (all its ``*_ms`` parameters).
    memory_mb
        Memory of every step, MB (128-10,240); None keeps each step's.
    error_rate
        Transient error rate per attempt of every step (0-1); None keeps each step's.

    Returns
    -------
    Scenario
        The variant, validated.

    Raises
    ------
    InputError
        A value outside what the scenario schema accepts, naming the field.

    Examples
    --------
    >>> from orchsim import load_scenario
    >>> v = scenario_variant(load_scenario("seed-article"), steps=8, memory_mb=512)
    >>> len(v.steps()), v.steps()[0].memory_mb
    (8, 512)
    """
    if duration_scale <= 0:
        raise InputError("duration_scale", f"must be > 0 (got {duration_scale!r})")
    data = scenario.to_dict()
    pipe = data["pipeline"]
    if docs_per_day is not None:
        data["workload"]["docs_per_day"] = float(docs_per_day)
    step_keys: dict[str, Any] = {}
    if memory_mb is not None:
        step_keys["memory_mb"] = int(memory_mb)
    if error_rate is not None:
        step_keys["error_rate"] = float(error_rate)
    pipe["step"].update(step_keys)
    pipe["step"]["duration"] = _scaled_duration(pipe["step"]["duration"], duration_scale)
    if isinstance(pipe["steps"], list):
        entries = pipe["steps"]
        n = len(entries) if steps is None else int(steps)
        if n < 1:
            raise InputError("steps", f"must be >= 1 (got {steps!r})")
        chosen = [dict(entries[i % len(entries)]) for i in range(n)]
        for i, entry in enumerate(chosen):
            if i >= len(entries):
                entry["name"] = f"{entry['name']}-{i // len(entries) + 1}"
            entry.update(step_keys)
            if "duration" in entry:
                entry["duration"] = _scaled_duration(entry["duration"], duration_scale)
        pipe["steps"] = chosen
    elif steps is not None:
        pipe["steps"] = int(steps)
    return scenario_from_dict(data)


def variant_table(df: pd.DataFrame) -> pd.DataFrame:
    """The explorer's table of one variant: a row per pattern, cost, latency and outcome shares.

    Parameters
    ----------
    df
        :func:`orchsim.study.compare.compare` rows of one scenario.

    Returns
    -------
    pandas.DataFrame
        Columns ``pattern``, ``USD per month``, ``USD per 1,000 docs``, ``x cheapest`` (ratio),
        ``mean latency (s)``, ``succeeded share``, ``failed share``, ``lost share`` (shares of 1),
        unrounded: :func:`orchsim.report.format_table` writes them for people.
    """
    cheapest = float(df["cost_total_usd"].min())
    return pd.DataFrame({
        "pattern": [PATTERN_LABELS.get(p, p) for p in df["pattern"]],
        "USD per month": df["cost_total_usd"].to_numpy(dtype=float),
        "USD per 1,000 docs": df["cost_per_1000_docs_usd"].to_numpy(dtype=float),
        "x cheapest": (df["cost_total_usd"] / cheapest).to_numpy(dtype=float) if cheapest > 0 else np.nan,
        "mean latency (s)": (df["latency_ms"] / 1000.0).to_numpy(dtype=float),
        "succeeded share": df["p_succeeded"].to_numpy(dtype=float),
        "failed share": df["p_failed"].to_numpy(dtype=float),
        "lost share": df["p_lost"].to_numpy(dtype=float),
    })


def variant_title(variant: Scenario, df: pd.DataFrame) -> str:
    """The explorer chart's title: scenario, volume, steps and the cheapest pattern at these settings.

    Examples
    --------
    >>> from orchsim import load_scenario
    >>> from orchsim.study.compare import compare
    >>> sc = load_scenario("seed-article")
    >>> variant_title(sc, compare(sc))
    'seed-article at 10,000 docs/day, 5 steps: async chain cheapest at $0.087 per 1,000 docs ($26/month)'
    """
    best = df.sort_values("cost_total_usd").iloc[0]
    pattern = str(best["pattern"])
    return (f"{variant.name} at {_docs(variant.workload.docs_per_day)} docs/day, {len(variant.steps())} steps: "
            f"{PATTERN_SHORT.get(pattern, pattern)} cheapest at ${float(best['cost_per_1000_docs_usd']):.2g} per 1,000 docs "
            f"(${float(best['cost_total_usd']):,.0f}/month)")


def _docs(n: float) -> str:
    """10,000 up to 999,999; 1.0M, 2.5B above."""
    for div, suffix in ((1e9, "B"), (1e6, "M")):
        if n >= div:
            return f"{n / div:.3g}{suffix}"
    return f"{n:,.0f}"


@styled
def plot_unit_cost(ax: Axes, df: pd.DataFrame, variant: Scenario, *, prices: str | PriceBook | None = None) -> Axes:
    """Cost per 1,000 documents by pattern and component, titled with :func:`variant_title`.

    The footer names the price book, the scenario's assumptions and, when the analytic estimate
    needs more concurrency or Step Functions throughput than the limits (the ``contention``
    column), that throttling is not modelled (:func:`orchsim.charts.style.contention_notes`).

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        :func:`orchsim.study.compare.compare` rows of ``variant``.
    variant
        The scenario compared.
    prices
        Price book for the footer.

    Returns
    -------
    Axes
        ``ax``.
    """
    per = df.copy()
    cols = [c for c in per.columns if c.startswith("cost_") and c.endswith("_usd") and c != "cost_per_1000_docs_usd"]
    per[cols] = per[cols].mul(1000.0 / per["docs_per_month"].where(per["docs_per_month"] > 0), axis=0).fillna(0.0)
    plot_cost_breakdown(ax, per, title=variant_title(variant, df), prices=prices, region=variant.region,
                        assumptions=scenario_assumptions(variant) + contention_notes(df))
    ax.set_ylabel(label("cost_per_1000_docs_usd"))
    return ax


def render_variant(
    scenario: Scenario, values: Mapping[str, Any], *, prices: str | PriceBook | None = None, dpi: float = 100.0
) -> tuple[bytes | None, str]:
    """The explorer's view of one slider setting: the unit-cost chart and the comparison table.

    Parameters
    ----------
    scenario
        The starting scenario.
    values
        Keyword arguments of :func:`scenario_variant` (``docs_per_day`` in documents per day,
        ``steps``, ``duration_scale``, ``memory_mb`` in MB, ``error_rate`` as a share).
    prices
        Price file path or :class:`~orchsim.aws.pricebook.PriceBook`; default the shipped one.
    dpi
        Resolution of the PNG, dots per inch.

    Returns
    -------
    tuple[bytes or None, str]
        The chart as PNG bytes (:func:`plot_unit_cost`) and, as HTML, a warning when the estimate
        assumes away throttling followed by :func:`variant_table` formatted by
        :func:`orchsim.report.format_table`; for values the scenario schema refuses, None and the
        error message as HTML.
    """
    import matplotlib.pyplot as plt

    from orchsim.charts.tables import format_table
    from orchsim.study.compare import compare

    book = load_price_book(prices)
    try:
        variant = scenario_variant(scenario, **values)
    except InputError as exc:
        return None, f"<p><b>Not a valid scenario:</b> {html.escape(str(exc))}</p>"
    df = compare(variant, prices=book)
    fig, ax = figure(9.0, 5.0)
    plot_unit_cost(ax, df, variant, prices=book)
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    warning = "".join(f'<p style="color: #882255;"><b>Warning:</b> {html.escape(n)}</p>' for n in contention_notes(df))
    return buf.getvalue(), warning + str(format_table(variant_table(df), count=[], caption=variant_title(variant, df)))


def explorer(scenario: Scenario, *, prices: str | PriceBook | None = None) -> Any:
    """Sliders for volume, steps, duration, memory and error rate that redraw the comparison.

    Each change re-runs the analytic engine on :func:`scenario_variant` of ``scenario`` and
    redraws the cost breakdown by pattern (an image widget) and the comparison table (an HTML
    widget), through :func:`render_variant`. The widgets update in place, so the view works in
    JupyterLab and can be driven from code (set a slider's ``value``).

    Parameters
    ----------
    scenario
        The starting scenario; the sliders start at its values.
    prices
        Price file path or :class:`~orchsim.aws.pricebook.PriceBook`; default the shipped one.

    Returns
    -------
    ipywidgets.VBox
        Two children: the sliders (an ``HBox`` of two ``VBox`` columns) and the view (a ``VBox``
        of an ``Image`` holding the chart as PNG and an ``HTML`` table).
    """
    import ipywidgets as widgets

    book = load_price_book(prices)
    steps = scenario.steps()
    first = steps[0]
    controls = {
        "docs_per_day": widgets.FloatLogSlider(value=scenario.workload.docs_per_day, base=10, min=1, max=9, step=0.1,
                                               description="docs/day", readout_format=".2s"),
        "steps": widgets.IntSlider(value=len(steps), min=1, max=30, description="steps"),
        "duration_scale": widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="duration \u00d7"),
        "memory_mb": widgets.SelectionSlider(options=_MEMORY_MB, value=min(_MEMORY_MB, key=lambda m: abs(m - first.memory_mb)),
                                             description="memory MB"),
        "error_rate": widgets.FloatSlider(value=first.error_rate, min=0.0, max=0.5, step=0.005, description="error rate",
                                          readout_format=".1%"),
    }
    for w in controls.values():
        w.continuous_update = False
        w.style = {"description_width": "90px"}
    chart = widgets.Image(format="png", layout=widgets.Layout(max_width="900px"))
    table = widgets.HTML()

    def update(_change: Any = None) -> None:
        png, text = render_variant(scenario, {k: w.value for k, w in controls.items()}, prices=book)
        if png is not None:
            chart.value = png
        table.value = text

    for w in controls.values():
        w.observe(update, names="value")
    update()
    sliders = list(controls.values())
    return widgets.VBox([widgets.HBox([widgets.VBox(sliders[:3]), widgets.VBox(sliders[3:])]), widgets.VBox([chart, table])])
