"""Where the money goes: cost per document by state under each pattern (the design review's first chart).

A table-like heat map: one row per state (in definition order, nested states indented), one column
per pattern, each cell the state's cost per 1,000 documents with its share of the pattern's total
as the shade; a last row gives each pattern's total.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from orchsim.aws.pricebook import PriceBook
from orchsim.charts.style import PATTERN_LABELS, PATTERN_SHORT, _finish, figure, styled
from orchsim.model.scenario import PATTERNS
from orchsim.study.money import EXECUTION

__all__ = ["money_finding", "plot_where_the_money_goes", "where_the_money_goes_figure"]


def _usd(x: float) -> str:
    if x != x:
        return ""
    if x == 0:
        return "-"
    if x < 0.0005:
        return "<$0.001"
    return f"${x:,.3f}" if x < 10 else f"${x:,.2f}" if x < 1000 else f"${x:,.0f}"


def _row_label(state: str, depth: dict[str, int]) -> str:
    if state == EXECUTION:
        return "per execution (Express)"
    return ("\u2514 " if depth.get(state, 0) else "") + state  # a branch or item state: a corner mark


def money_finding(df: pd.DataFrame) -> str:
    """One sentence: the cheapest pattern and where its money goes, and where the dearest pattern's goes.

    Parameters
    ----------
    df
        :func:`orchsim.study.money.cost_by_state` rows.

    Returns
    -------
    str
        For example "Express cheapest at $0.080 per 1,000 documents, 72% of it Extract; the sync chain spends 53% on Extract".
    """
    by = df.groupby(["pattern", "state"], sort=False)["usd_per_1000_docs"].sum()
    totals = df.groupby("pattern", sort=False)["usd_per_1000_docs"].sum()
    if totals.empty:
        return "no cost"
    cheapest = str(totals.idxmin())

    def top(p: str) -> tuple[str, float]:
        states = by[p]
        name = str(states.idxmax())
        return ("the per-execution charge" if name == EXECUTION else name), float(states.max() / totals[p]) if totals[p] else 0.0

    name, share = top(cheapest)
    short = PATTERN_SHORT[cheapest]
    text = (f"{short[0].upper()}{short[1:]} cheapest at {_usd(float(totals[cheapest]))} per 1,000 documents, "
            f"{share:.0%} of it {name}")
    dear = str(totals.idxmax())
    if dear != cheapest:
        name, share = top(dear)
        text += f"; the {PATTERN_SHORT[dear]} spends {share:.0%} on {name}"
    return text


@styled
def plot_where_the_money_goes(
    ax: Axes,
    df: pd.DataFrame,
    *,
    states: Sequence[str] | None = None,
    depth: dict[str, int] | None = None,
    title: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> Axes:
    """Draw the cost per 1,000 documents of each state (rows) under each pattern (columns).

    Parameters
    ----------
    ax
        Axes to draw on.
    df
        :func:`orchsim.study.money.cost_by_state` rows.
    states
        Row order (default: order of appearance); states with no cost under any pattern are shown
        with "-" when listed here.
    depth
        Nesting depth per state (indents branch and item states).
    title
        Title; None: :func:`money_finding`.
    prices, region, assumptions
        Footer.

    Returns
    -------
    Axes
        ``ax``.
    """
    patterns = [p for p in PATTERNS if p in set(df["pattern"])]
    order = list(states) if states is not None else list(dict.fromkeys(df["state"]))
    if EXECUTION in set(df["state"]) and EXECUTION not in order:
        order.append(EXECUTION)
    table = df.pivot_table(index="state", columns="pattern", values="usd_per_1000_docs", aggfunc="sum").reindex(
        index=order, columns=patterns).fillna(0.0)
    totals = table.sum(axis=0)
    share = table / totals.replace(0, np.nan)
    rows = len(order)
    ax.imshow(share.to_numpy(dtype=float), cmap="Blues", vmin=0, vmax=1.25, aspect="auto",
              extent=(-0.5, len(patterns) - 0.5, rows - 0.5, -0.5))
    values = table.to_numpy(dtype=float)
    shares = np.nan_to_num(share.to_numpy(dtype=float))
    for i in range(rows):
        for j in range(len(patterns)):
            v, s = float(values[i, j]), float(shares[i, j])
            ax.text(j, i, _usd(v) + (f"\n{s:.0%}" if v > 0 else ""), ha="center", va="center", fontsize=8,
                    color="white" if s > 0.6 else "#222222")
    for j, p in enumerate(patterns):
        ax.text(j, rows - 0.5 + 0.45, _usd(float(totals[p])), ha="center", va="center", fontsize=9, fontweight="bold")
    ax.set_ylim(rows + 0.2, -0.5)
    ax.set_xticks(range(len(patterns)), [PATTERN_LABELS[p].replace(" (", "\n(").replace("Functions ", "Functions\n")
                                         for p in patterns])
    ax.grid(False)
    ax.xaxis.tick_top()
    depth = depth or {}
    ax.set_yticks([*range(rows), rows - 0.5 + 0.45], [_row_label(s, depth) for s in order] + ["total"])
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.axhline(rows - 0.5, color="#888888", lw=0.8)
    ax.set_xlabel("monthly cost per 1,000 documents, by state (share of the pattern's total)")
    return _finish(ax, title, money_finding(df), prices=prices, region=region, assumptions=assumptions)


def where_the_money_goes_figure(
    df: pd.DataFrame,
    *,
    states: Sequence[str] | None = None,
    depth: dict[str, int] | None = None,
    context: str | None = None,
    prices: str | PriceBook | None = None,
    region: str | None = None,
    assumptions: Sequence[str] = (),
) -> tuple[Figure, Axes]:
    """The chart on its own slide-sized figure.

    Parameters
    ----------
    df, states, depth, prices, region, assumptions
        As for :func:`plot_where_the_money_goes`.
    context
        Start of the title (the scenario name).

    Returns
    -------
    tuple[Figure, Axes]
        The figure and its axes.
    """
    n = len(states) if states is not None else df["state"].nunique()
    fig, ax = figure(9.0, max(3.8, 1.6 + 0.42 * (n + 1)))
    plot_where_the_money_goes(ax, df, states=states, depth=depth, prices=prices, region=region, assumptions=assumptions,
                              title=f"{context}: {money_finding(df)}" if context else None)
    return fig, ax
