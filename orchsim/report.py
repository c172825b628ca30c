"""The report: the four-pattern comparison of the default scenario, then (issue 4) the notebooks."""

from __future__ import annotations

from pathlib import Path

from orchsim.compare import compare, comparison_chart, format_comparison
from orchsim.pricing import DATA_DIR, PriceBook, load_price_book
from orchsim.scenario import load_scenario

__all__ = ["DEFAULT_SCENARIO", "run_report"]

DEFAULT_SCENARIO = DATA_DIR / "scenarios" / "seed-article.yaml"


def run_report(out_dir: str | Path = "reports", *, scenario: str | Path = DEFAULT_SCENARIO, prices: str | PriceBook | None = None) -> tuple[str, list[Path]]:
    """Compare the four patterns on ``scenario``; returns the printed table and written files."""
    book = load_price_book(prices)
    sc = load_scenario(scenario)
    df = compare(sc, prices=book)
    paths = comparison_chart(df, sc, out_dir, prices=book)
    return format_comparison(df, sc, book), paths
