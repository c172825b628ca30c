"""The one-scenario comparison as plain text, for the CLI and the report index."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchsim.aws.pricebook import PriceBook
from orchsim.model.scenario import Scenario

__all__ = ["format_comparison"]


def format_comparison(df: pd.DataFrame, scenario: Scenario, book: PriceBook) -> str:
    """Plain-text table: monthly cost per pattern and its main meters.

    Parameters
    ----------
    df
        :func:`orchsim.study.compare.compare`'s frame, one row per pattern (USD per month and
        per-document meters).
    scenario
        The scenario the rows describe (its name, volume and step count head the table).
    book
        The price book that priced the rows (its footer names region and as-of date).

    Returns
    -------
    str
        The table, one line per pattern, ending with the cheapest pattern.
    """
    lines = [
        f"{scenario.name}: {scenario.workload.docs_per_day:,.0f} documents/day, {len(scenario.steps())} steps "
        f"(analytic engine: assumes no throttling)",
        book.footer(scenario.region),
        "",
        f"{'pattern':<20} {'USD/month':>11} {'USD/1k docs':>12} {'Lambda GB-s/doc':>16} {'transitions/doc':>16} {'Express GB-h/doc':>17}",
    ]
    for _, r in df.iterrows():
        lines.append(
            f"{r['pattern']:<20} {r['cost_total_usd']:>11,.2f} {r['cost_per_1000_docs_usd']:>12,.4f} "
            f"{r['gb_s_x86_64'] + r['gb_s_arm64']:>16.3f} {r['transitions']:>16.2f} {r['express_gb_hours']:>17.6f}"
        )
    cheapest = df["pattern"].to_numpy()[int(np.argmin(df["cost_total_usd"].to_numpy(dtype=float)))]
    lines.append(f"\ncheapest: {cheapest}")
    if "contention" in df.columns:
        for pattern, note in zip(df["pattern"], df["contention"], strict=True):
            if note:
                lines.append(f"warning: {pattern} {note}")
    return "\n".join(lines)
