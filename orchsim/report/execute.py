"""Run one notebook with papermill and export it to HTML, in a process of its own.

papermill's ``cwd=`` changes the working directory of the whole process (``os.chdir``), so the
report never calls it in its own process: :func:`execute_notebook` runs in a child process (the
report's ``spawn`` pool), where that change touches nothing else. This module imports nothing heavy
at import time, so a child process starts quickly.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["INLINE_BACKEND", "KERNEL_NAME", "PAGE_TEMPLATE", "NotebookJob", "NotebookOutcome", "execute_notebook", "export_html"]

KERNEL_NAME = "python3"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""The kernels' matplotlib backend: a figure left as a cell's value is shown as an image."""


@dataclass(frozen=True)
class NotebookJob:
    """What to run: a notebook, where to write it, with which parameters, in which folder.

    Parameters
    ----------
    name
        The notebook's stem.
    source, output
        The notebook to run and the executed copy to write (``.ipynb``).
    html
        The HTML page to export (code cells and prompts left out); None for none.
    parameters
        Values the caller chose, injected by papermill after the ``parameters`` cell; checked
        against the notebook's declarations first (:func:`orchsim.report.params.check_overrides`).
    cwd
        Working directory of the kernel.
    settings
        Values the report sets where the notebook declares them (``output_dir``, ``quick``,
        ``prices``); ``interactive`` is set to False unless ``parameters`` says otherwise.
    """

    name: str
    source: str
    output: str
    html: str | None
    parameters: dict[str, Any] = field(default_factory=dict)
    cwd: str = "."
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotebookOutcome:
    """How a run went.

    Parameters
    ----------
    name
        The notebook's stem.
    seconds
        Wall time of the run and the export, s.
    error
        ``ErrorName: first line of the message``, or None if it ran.
    input_error
        Whether the error is an :class:`~orchsim.errors.InputError` (a parameter the notebook refused).
    """

    name: str
    seconds: float
    error: str | None = None
    input_error: bool = False


PAGE_TEMPLATE = Path(__file__).parent / "templates" / "notebook_page.html.j2"
"""The page template: nbconvert's JupyterLab page without its CDN scripts, with a link to the index."""


def export_html(notebook: str | Path, html_path: str | Path, *, index_href: str = "index.html") -> Path:
    """Export an executed notebook to HTML without code cells or prompts (outputs and prose only).

    The page opens offline: its CSS and images are inline and it loads no script (no require.js,
    MathJax, mermaid.js or widget manager from a CDN; see :data:`PAGE_TEMPLATE`). A link back to the
    report's index heads and ends it.

    Parameters
    ----------
    notebook
        The executed ``.ipynb``.
    html_path
        The page to write.
    index_href
        The link back to the index, relative to the page (the report writes both in one folder).

    Returns
    -------
    Path
        ``html_path``.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_file=str(PAGE_TEMPLATE), exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_filename(str(notebook), resources={"back_href": index_href})
    path = Path(html_path)
    path.write_text(body, encoding="utf-8")
    return path


def execute_notebook(job: NotebookJob) -> NotebookOutcome:
    """Run ``job`` with papermill (then export its HTML page); never raises.

    Call it in a child process: papermill changes the process's working directory to ``job.cwd``
    while the notebook runs.

    Parameters
    ----------
    job
        The notebook run.

    Returns
    -------
    NotebookOutcome
        The run time (s) and, if the notebook failed, its error.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from orchsim.errors import InputError
    from orchsim.report.params import check_overrides, declarations_env, notebook_parameters

    start = time.perf_counter()
    try:
        check_overrides(job.source, job.parameters)
        declared = notebook_parameters(job.source)
        params = {k: v for k, v in job.settings.items() if k in declared}
        if "interactive" in declared:
            params["interactive"] = False
        params.update(job.parameters)
        os.environ.update(declarations_env(job.source))  # this child process only: its kernel inherits them
        os.environ["MPLBACKEND"] = INLINE_BACKEND  # figures become images in the notebook and its page, whatever the caller set
    except InputError as exc:
        return NotebookOutcome(job.name, time.perf_counter() - start, f"InputError: {exc}", True)
    try:
        pm.execute_notebook(
            job.source, job.output, parameters=params, kernel_name=KERNEL_NAME, cwd=job.cwd,
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            extra_arguments=["--log-level=CRITICAL"],  # kernel log lines (TCP warning, SIGINT at shutdown) stay off stderr
        )
        if job.html is not None:
            export_html(job.output, job.html)
    except PapermillExecutionError as exc:
        first = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        return NotebookOutcome(job.name, time.perf_counter() - start, f"{exc.ename}: {first}" if first else exc.ename, exc.ename == "InputError")
    except Exception as exc:  # kernel died, timeout, unreadable notebook: the report must fail, naming it
        return NotebookOutcome(job.name, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
    return NotebookOutcome(job.name, time.perf_counter() - start)
