"""Interactive scenario explorer for JupyterLab: sliders that redraw the four-pattern comparison.

:func:`scenario_variant` is the pure part (a scenario with volume, steps, durations, memory and
error rate replaced); :func:`render_variant` draws one variant (chart as PNG, table as HTML);
:func:`explorer` wraps them in ipywidgets sliders that re-run the analytic engine and redraw the
cost-breakdown chart and the comparison table on every change.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from typing import Any

from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, scenario_from_dict

__all__ = ["explorer", "render_variant", "scenario_variant"]

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


def render_variant(
    scenario: Scenario, values: Mapping[str, Any], *, prices: str | PriceBook | None = None, dpi: float = 100.0
) -> tuple[bytes | None, str]:
    """The explorer's view of one slider setting: the cost-breakdown chart and the comparison table.

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
        The chart as PNG bytes (monthly cost in USD by pattern and component) and the comparison
        table as HTML; for values the scenario schema refuses, None and the error message as HTML.
    """
    import matplotlib.pyplot as plt

    from orchsim.charts.cost import plot_cost_breakdown
    from orchsim.charts.style import figure, scenario_assumptions, style
    from orchsim.study.compare import compare, comparison_table

    book = load_price_book(prices)
    try:
        variant = scenario_variant(scenario, **values)
    except InputError as exc:
        return None, f"<p><b>Not a valid scenario:</b> {html.escape(str(exc))}</p>"
    df = compare(variant, prices=book)
    fig, ax = figure(9.0, 5.0)
    plot_cost_breakdown(ax, df, title=f"{variant.name}: monthly cost by pattern", prices=book, region=variant.region,
                        assumptions=scenario_assumptions(variant))
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue(), comparison_table(df).to_html(index=False)


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
                                               description="docs/day", readout_format=",.0f"),
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
