"""The report's ``index.html``: the comparison, then per notebook its page, takeaway and charts.

Rendered from the Jinja2 template ``orchsim/report/templates/index.html.j2`` (autoescaped); every
link is relative to the output folder, so the folder can be moved or served as it is.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchsim.report.runner import NotebookRun
from orchsim.version import package_version

__all__ = ["TEMPLATE", "render_index", "write_index"]

TEMPLATE = "index.html.j2"
"""The index template, in ``orchsim/report/templates``."""


def _charts(paths: Sequence[Path], rel: Any) -> list[dict[str, str]]:
    return [{"name": Path(p).stem, "png": rel(p), "svg": rel(Path(p).with_suffix(".svg"))} for p in paths if Path(p).suffix == ".png"]


def render_index(out_dir: str | Path, runs: Sequence[NotebookRun], comparison: str = "",
                 comparison_charts: Sequence[Path] = (), *, generated: str | None = None) -> str:
    """The index page as HTML text.

    Parameters
    ----------
    out_dir
        The report folder; links are relative to it.
    runs
        The executed notebooks (:func:`orchsim.report.runner.run_notebooks`).
    comparison
        The four-pattern comparison table (plain text); empty for none.
    comparison_charts
        Its chart files (PNG and SVG).
    generated
        The generation time shown; default now (``YYYY-MM-DD HH:MM``, local time).

    Returns
    -------
    str
        The page, naming the orchsim version.

    Examples
    --------
    >>> page = render_index(".", [], "pattern  USD/month", generated="2025-01-01 00:00")
    >>> "orchsim " + __import__("orchsim").__version__ in page, "<pre>pattern  USD/month</pre>" in page
    (True, True)
    """
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    out = Path(out_dir).resolve()

    def rel(p: Path) -> str:
        return Path(os.path.relpath(Path(p).resolve(), out)).as_posix()

    env = Environment(loader=PackageLoader("orchsim.report", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, trim_blocks=False)
    pages = [{"name": r.name, "title": r.title, "page": rel(r.html), "notebook": rel(r.notebook), "takeaway": r.takeaway,
              "charts": _charts(r.charts, rel), "seconds": r.seconds} for r in runs]
    return env.get_template(TEMPLATE).render(
        version=package_version(), generated=generated or time.strftime("%Y-%m-%d %H:%M"), comparison=comparison,
        comparison_charts=_charts(comparison_charts, rel), runs=pages)


def write_index(out_dir: str | Path, runs: Sequence[NotebookRun], comparison: str = "", comparison_charts: Sequence[Path] = ()) -> Path:
    """Write ``out_dir/index.html`` (see :func:`render_index`).

    Parameters
    ----------
    out_dir
        The report folder.
    runs
        The executed notebooks.
    comparison
        The four-pattern comparison table (plain text); empty for none.
    comparison_charts
        Its chart files (PNG and SVG).

    Returns
    -------
    Path
        The index written.
    """
    path = Path(out_dir).resolve() / "index.html"
    path.write_text(render_index(out_dir, runs, comparison, comparison_charts))
    return path
