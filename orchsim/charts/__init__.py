"""Charts: one style, each ``plot_*`` function draws on a given ``ax`` and returns it.

Importing this package has no side effects on matplotlib: no backend is chosen and no global
``rcParams`` are changed; the style applies inside each chart call.
"""

from orchsim.charts.cost import (
    comparison_chart,
    plot_breakeven,
    plot_cost_breakdown,
    plot_cost_vs_volume,
    plot_crossover_map,
    plot_metric,
)
from orchsim.charts.simulation import OUTCOMES, plot_latency_cdf, plot_outcomes
from orchsim.charts.style import (
    COLORS,
    LABELS,
    PATTERN_LABELS,
    add_footer,
    figure,
    label,
    save,
    scenario_assumptions,
    share_formatter,
    usd_formatter,
)
from orchsim.charts.timeline import pick_document, plot_timeline, timeline_figure, timeline_segments

__all__ = [
    "COLORS",
    "LABELS",
    "OUTCOMES",
    "PATTERN_LABELS",
    "add_footer",
    "comparison_chart",
    "figure",
    "label",
    "pick_document",
    "plot_breakeven",
    "plot_cost_breakdown",
    "plot_cost_vs_volume",
    "plot_crossover_map",
    "plot_latency_cdf",
    "plot_metric",
    "plot_outcomes",
    "plot_timeline",
    "save",
    "scenario_assumptions",
    "share_formatter",
    "timeline_figure",
    "timeline_segments",
    "usd_formatter",
]
