"""Design-review charts: functions that draw on a given ``ax`` and return it.

One style for every chart (:func:`style`), a colour-blind-safe palette (Okabe-Ito), axis labels
with units from one mapping (:data:`LABELS`), dollar formatting, and a footer naming the price
book's region and as-of date plus the key assumptions (:func:`add_footer`). Save with :func:`save`
(PNG at 200 dpi and SVG).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from orchsim.cost import COMPONENTS  # noqa: E402
from orchsim.scenario import PATTERNS  # noqa: E402

__all__ = [
    "COLORS",
    "LABELS",
    "PATTERN_LABELS",
    "add_footer",
    "figure",
    "plot_cost_breakdown",
    "save",
    "style",
    "usd_formatter",
]

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
COLORS: dict[str, str] = {
    "lambda-chain-sync": "#D55E00",
    "lambda-chain-async": "#E69F00",
    "sfn-standard": "#0072B2",
    "sfn-express": "#009E73",
}
"""One colour per pattern, from the Okabe-Ito colour-blind-safe palette."""

COMPONENT_COLORS: dict[str, str] = dict(zip(COMPONENTS, ["#999999", "#E69F00", "#F0E442", "#0072B2", "#56B4E9", "#009E73", "#CC79A7"], strict=True))

PATTERN_LABELS: dict[str, str] = {
    "lambda-chain-sync": "Lambda chain (sync)",
    "lambda-chain-async": "Lambda chain (async)",
    "sfn-standard": "Step Functions Standard",
    "sfn-express": "Step Functions Express",
}

LABELS: dict[str, str] = {
    "docs_per_day": "Documents per day",
    "workload.docs_per_day": "Documents per day",
    "steps": "Pipeline steps",
    "pipeline.steps": "Pipeline steps",
    "pipeline.step.memory_mb": "Lambda memory (MB)",
    "memory_mb": "Memory (MB)",
    "cost_total_usd": "Monthly cost (USD)",
    "cost_per_1000_docs_usd": "Cost per 1,000 documents (USD)",
    "usd_per_month": "Monthly cost (USD)",
    "duration_s": "Execution duration (s)",
    "latency_ms": "End-to-end latency (ms)",
    "latency_s": "End-to-end latency (s)",
    "transitions": "State transitions per execution",
    "error_rate": "Transient error rate per attempt",
    "pipeline.step.error_rate": "Transient error rate per attempt",
    "share": "Share of documents",
    "time_s": "Time since the document arrived (s)",
    "lambda_requests": "Lambda requests",
    "lambda_compute": "Lambda compute (GB-s)",
    "lambda_ephemeral": "Lambda ephemeral storage",
    "sfn_transitions": "Standard transitions",
    "express_requests": "Express requests",
    "express_duration": "Express duration (GB-h)",
    "logs": "CloudWatch Logs",
}
"""Axis and legend labels, with units, for every variable a chart shows."""


def style() -> None:
    """Apply orchsim's single chart style (idempotent)."""
    plt.rcParams.update(
        {
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
            "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
        }
    )


def usd_formatter(decimals: int | None = None) -> mticker.Formatter:
    """Tick formatter for dollars: $0.0012, $1.25, $12,345."""

    def fmt(x: float, _pos: Any = None) -> str:
        if decimals is not None:
            return f"${x:,.{decimals}f}"
        ax_ = abs(x)
        if ax_ == 0:
            return "$0"
        if ax_ >= 100:
            return f"${x:,.0f}"
        if ax_ >= 1:
            return f"${x:,.2f}"
        return f"${x:.2g}"

    return mticker.FuncFormatter(fmt)


def figure(width: float = 9.0, height: float = 5.5) -> tuple[Figure, Axes]:
    """A new figure and axes in orchsim's style, with room for the footer."""
    style()
    fig, ax = plt.subplots(figsize=(width, height))
    fig.subplots_adjust(bottom=0.2)
    return fig, ax


def add_footer(ax: Axes, provenance: str, assumptions: Sequence[str] = ()) -> Axes:
    """Write the price book provenance and key assumptions under the chart (as figure text)."""
    fig = ax.figure
    text = provenance + ("\n" + "; ".join(assumptions) if assumptions else "")
    fig.text(0.01, 0.01, text, ha="left", va="bottom", fontsize=7, color="#444444", wrap=True, gid="orchsim-footer")
    return ax


def save(fig: Figure, path: str | Path) -> list[Path]:
    """Save ``fig`` as ``path`` with .png (200 dpi) and .svg; returns the two paths."""
    base = Path(path).with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    out = [base.with_suffix(".png"), base.with_suffix(".svg")]
    fig.savefig(out[0], dpi=200, bbox_inches="tight")
    fig.savefig(out[1], bbox_inches="tight")
    plt.close(fig)
    return out


def plot_cost_breakdown(ax: Axes, df: pd.DataFrame, *, title: str | None = None, value: str = "usd_per_month") -> Axes:
    """Stacked bars of monthly cost by component, one bar per pattern.

    ``df`` has one row per pattern with columns ``pattern`` and ``cost_<component>_usd`` for the
    components in :data:`orchsim.cost.COMPONENTS` (as :func:`orchsim.analytic.estimate` returns).
    """
    rows = df.set_index("pattern").reindex([p for p in PATTERNS if p in set(df["pattern"])])
    x = np.arange(len(rows))
    bottom = np.zeros(len(rows))
    for comp in COMPONENTS:
        vals = rows[f"cost_{comp}_usd"].to_numpy(dtype=float)
        if not np.any(vals > 0):
            continue
        ax.bar(x, vals, bottom=bottom, color=COMPONENT_COLORS[comp], label=LABELS[comp], width=0.6, edgecolor="white")
        bottom += vals
    for xi, total in zip(x, bottom, strict=True):
        ax.annotate(f"${total:,.2f}", (xi, total), ha="center", va="bottom", xytext=(0, 3), textcoords="offset points", fontsize=9)
    ax.set_xticks(x, [PATTERN_LABELS[p] for p in rows.index], rotation=0)
    ax.set_ylabel(LABELS[value])
    ax.yaxis.set_major_formatter(usd_formatter())
    ax.set_ylim(0, max(bottom.max() * 1.15, 1e-9))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="Component")
    ax.grid(axis="x", visible=False)
    ax.set_title(title or "Monthly cost by component")
    return ax
