"""The report's ``index.html``: the comparison, then per notebook its page, takeaway and charts.

Rendered from the Jinja2 template ``orchsim/report/templates/index.html.j2`` (autoescaped); every
link is relative to the output folder, so the folder can be moved or served as it is, and the page
loads nothing from outside it (inline CSS, no script). Takeaways are prose with a little markdown
(:func:`takeaway_html`); charts are shown large enough to read, two per row on wide screens.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchsim.report.runner import NotebookRun
from orchsim.version import package_version

if TYPE_CHECKING:
    from markupsafe import Markup

__all__ = ["TEMPLATE", "WIDE_ASPECT", "render_index", "takeaway_html", "write_index"]

TEMPLATE = "index.html.j2"
"""The index template, in ``orchsim/report/templates``."""


WIDE_ASPECT = 2.2
"""Charts wider than this (width / height, e.g. two panels side by side) take a whole row of the index."""

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"  # `code`
    r"|\\(?P<esc>[\\`*_$\[\]#])"  # a backslash-escaped character, as in markdown (\$ is a dollar)
    r"|\*\*(?P<bold>(?=\S).+?(?<=\S))\*\*"  # **bold**
    r"|(?<![\w*])\*(?P<em>(?=\S)[^*]+?(?<=\S))\*(?![\w*])"  # *emphasis*
)


def takeaway_html(text: str) -> Markup:
    """A takeaway's markdown-ish text as safe inline HTML: ``**bold**``, ``*emphasis*`` and `` `code` ``.

    Everything else is text, escaped: ``$`` is a dollar (never maths), ``<`` is a less-than sign.

    Parameters
    ----------
    text
        The takeaway (one line of prose).

    Returns
    -------
    markupsafe.Markup
        HTML that Jinja2 inserts as it is.

    Examples
    --------
    >>> str(takeaway_html("**Express** wins at $0.86/day (`sfn-express`) & <b>"))
    '<strong>Express</strong> wins at $0.86/day (<code>sfn-express</code>) &amp; &lt;b&gt;'
    >>> str(takeaway_html(r"5 steps x 2 * 3 = \\$30, not *cheap*"))
    '5 steps x 2 * 3 = $30, not <em>cheap</em>'
    """
    from markupsafe import Markup, escape

    out: list[str] = []
    at = 0
    for m in _INLINE.finditer(text):
        out.append(str(escape(text[at:m.start()])))
        if m["code"] is not None:
            out.append(f"<code>{escape(m['code'])}</code>")
        elif m["esc"] is not None:
            out.append(str(escape(m["esc"])))
        elif m["bold"] is not None:
            out.append(f"<strong>{takeaway_html(m['bold'])}</strong>")
        else:
            out.append(f"<em>{takeaway_html(m['em'])}</em>")
        at = m.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def _png_size(path: Path) -> tuple[int, int] | None:
    """Width and height of a PNG in pixels, from its header; None when it is not a readable PNG."""
    try:
        with open(path, "rb") as f:
            head = f.read(24)
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def _charts(paths: Sequence[Path], rel: Any) -> list[dict[str, Any]]:
    charts = []
    for p in paths:
        if Path(p).suffix != ".png":
            continue
        width, height = _png_size(Path(p)) or (0, 0)
        charts.append({"name": Path(p).stem, "png": rel(p), "svg": rel(Path(p).with_suffix(".svg")), "width": width,
                       "height": height, "wide": bool(height) and width / height > WIDE_ASPECT})
    return charts


def render_index(out_dir: str | Path, runs: Sequence[NotebookRun], comparison: str = "",
                 comparison_charts: Sequence[Path] = (), *, generated: str | None = None,
                 provenance: Mapping[str, str] | None = None) -> str:
    """The index page as HTML text.

    Parameters
    ----------
    out_dir
        The report folder; links are relative to it.
    runs
        The executed notebooks (:func:`orchsim.report.runner.run_notebooks`).
    comparison
        The five-pattern comparison table (plain text); empty for none.
    comparison_charts
        Its chart files (PNG and SVG).
    generated
        The generation time shown; default now (``YYYY-MM-DD HH:MM``, local time).
    provenance
        What made the report, label -> text (scenario, parameters, price book, orchsim version and
        commit), listed at the top of the page.

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
    pages = [{"name": r.name, "title": r.title, "page": rel(r.html), "notebook": rel(r.notebook), "takeaway": takeaway_html(r.takeaway),
              "charts": _charts(r.charts, rel), "seconds": r.seconds} for r in runs]
    return env.get_template(TEMPLATE).render(
        version=package_version(), generated=generated or time.strftime("%Y-%m-%d %H:%M"), comparison=comparison,
        comparison_charts=_charts(comparison_charts, rel), runs=pages, provenance=dict(provenance or {}))


def write_index(out_dir: str | Path, runs: Sequence[NotebookRun], comparison: str = "", comparison_charts: Sequence[Path] = (),
                *, provenance: Mapping[str, str] | None = None) -> Path:
    """Write ``out_dir/index.html`` (see :func:`render_index`).

    Parameters
    ----------
    out_dir
        The report folder.
    runs
        The executed notebooks.
    comparison
        The five-pattern comparison table (plain text); empty for none.
    comparison_charts
        Its chart files (PNG and SVG).
    provenance
        What made the report (see :func:`render_index`).

    Returns
    -------
    Path
        The index written.
    """
    path = Path(out_dir).resolve() / "index.html"
    path.write_text(render_index(out_dir, runs, comparison, comparison_charts, provenance=provenance))
    return path
