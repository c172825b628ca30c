"""The one-scenario comparison as plain text, for the CLI and the report index."""

from __future__ import annotations

from pathlib import Path

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
    ref = scenario.pipeline.definition
    shape = (f"{len(scenario.steps())} steps" if ref is None else
             f"workflow {Path(ref).name if isinstance(ref, str) else '(inline)'} ({len(scenario.steps())} Task states)")
    lines = [
        f"{scenario.name}: {scenario.workload.docs_per_day:,.0f} documents/day, {shape} "
        f"(analytic engine: assumes no throttling)",
        book.footer(scenario.region),
        "",
        f"{'pattern':<20} {'USD/month':>11} {'USD/1k docs':>12} {'Lambda GB-s/doc':>16} {'transitions/doc':>16} {'Express GB-h/doc':>17}",
    ]
    ran = df[df["cost_total_usd"].notna()]
    for _, r in ran.iterrows():
        lines.append(
            f"{r['pattern']:<20} {r['cost_total_usd']:>11,.2f} {r['cost_per_1000_docs_usd']:>12,.4f} "
            f"{r['gb_s_x86_64'] + r['gb_s_arm64']:>16.3f} {r['transitions']:>16.2f} {r['express_gb_hours']:>17.6f}"
        )
    if len(ran):
        cheapest = ran["pattern"].to_numpy()[int(np.argmin(ran["cost_total_usd"].to_numpy(dtype=float)))]
        lines.append(f"\ncheapest: {cheapest}")
    if "unpriced_service_calls" in df.columns:
        unpriced = sorted({k.strip() for v in df["unpriced_service_calls"] for k in str(v).split(",") if k.strip()})
        if unpriced:
            lines.append(f"counted, not priced (not in the totals): {', '.join(unpriced)}")
    if "contention" in df.columns:
        for pattern, cost, note in zip(df["pattern"], df["cost_total_usd"], df["contention"], strict=True):
            if note and cost == cost:
                lines.append(f"warning: {pattern} {note}")
            elif note:
                lines.append(f"not run: {pattern}: {note.removeprefix('unsupported: ')}")
    return "\n".join(lines)
