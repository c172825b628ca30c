"""Charts: one style, each ``plot_*`` function draws on a given ``ax`` and returns it.

Importing this package has no side effects on matplotlib: no backend is chosen and no global
``rcParams`` are changed; the style (:func:`style`, a context) applies inside each chart call.

>>> import matplotlib as mpl
>>> import orchsim.charts
>>> mpl.rcParams["axes.grid"]
False
"""

from orchsim.charts.cost import (
    comparison_chart,
    plot_breakeven,
    plot_cost_breakdown,
    plot_cost_vs_volume,
    plot_crossover_map,
    plot_durable_breakeven,
    plot_metric,
)
from orchsim.charts.failures import failure_finding, failure_sweep_figure, plot_failure_sweep
from orchsim.charts.model import quota_chart, quota_finding, tco_chart, tco_finding, tco_parts
from orchsim.charts.simulation import (
    OUTCOME_COLORS,
    OUTCOMES,
    latency_finding,
    outcome_finding,
    outcome_table,
    plot_latency_cdf,
    plot_outcomes,
)
from orchsim.charts.style import (
    CATEGORICAL,
    COLORS,
    LABELS,
    PATTERN_LABELS,
    STYLE,
    add_footer,
    figure,
    label,
    save,
    scenario_assumptions,
    share_formatter,
    style,
    styled,
    usd_formatter,
)
from orchsim.charts.timeline import (
    TIMELINE_COLORS,
    pick_document,
    plot_timeline,
    timeline_figure,
    timeline_finding,
    timeline_segments,
)

__all__ = [
    "CATEGORICAL",
    "COLORS",
    "LABELS",
    "OUTCOMES",
    "OUTCOME_COLORS",
    "PATTERN_LABELS",
    "STYLE",
    "TIMELINE_COLORS",
    "add_footer",
    "comparison_chart",
    "failure_finding",
    "failure_sweep_figure",
    "figure",
    "label",
    "latency_finding",
    "outcome_finding",
    "outcome_table",
    "pick_document",
    "plot_breakeven",
    "plot_cost_breakdown",
    "plot_cost_vs_volume",
    "plot_crossover_map",
    "plot_durable_breakeven",
    "plot_failure_sweep",
    "plot_latency_cdf",
    "plot_metric",
    "plot_outcomes",
    "plot_timeline",
    "quota_chart",
    "quota_finding",
    "save",
    "scenario_assumptions",
    "share_formatter",
    "style",
    "styled",
    "tco_chart",
    "tco_finding",
    "tco_parts",
    "timeline_figure",
    "timeline_finding",
    "timeline_segments",
    "usd_formatter",
]
