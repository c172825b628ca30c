"""The report: the five-pattern comparison of the default scenario, then every notebook.

``orchsim report`` prints the comparison (:func:`run_report`), then runs each notebook of
``notebooks/`` with papermill into the output folder and exports it to HTML without its code
(:func:`run_notebooks`: two at a time, each in a child process, so the caller's working directory
never changes), and writes an ``index.html`` (:func:`orchsim.report.index.write_index`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchsim import resources
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.errors import InputError
from orchsim.report.comparison import format_comparison
from orchsim.report.execute import NotebookJob, NotebookOutcome, execute_notebook
from orchsim.report.outdir import prepare_out_dir
from orchsim.report.params import notebook_names
from orchsim.resources import scenario_path

__all__ = ["DEFAULT_SCENARIO", "NotebookBatch", "NotebookRun", "ReportError", "notebook_batch", "run_notebooks", "run_report"]

DEFAULT_SCENARIO = scenario_path("seed-article")


class ReportError(RuntimeError):
    """A notebook failed while the report ran it (the message names the notebook and the error)."""


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook.

    Parameters
    ----------
    name, title
        The notebook's stem and the title of its first ``#`` heading.
    notebook, html, summary
        The executed copy, its HTML page and the summary JSON it wrote.
    takeaway
        Its one-line takeaway.
    charts
        The chart files it wrote (PNG and SVG).
    seconds
        Wall time of its run and export, s.
    """

    name: str
    title: str
    notebook: Path
    html: Path
    summary: Path
    takeaway: str
    charts: tuple[Path, ...]
    seconds: float


def run_report(out_dir: str | Path = "reports", *, scenario: str | Path = DEFAULT_SCENARIO,
               prices: str | PriceBook | None = None) -> tuple[str, list[Path]]:
    """Compare the five patterns on ``scenario`` (analytic engine) and chart the comparison.

    Parameters
    ----------
    out_dir
        Folder for ``cost-comparison.png`` and ``.svg`` (created if needed).
    scenario
        A shipped scenario's name or a YAML path; default ``seed-article``.
    prices
        Price file path or :class:`~orchsim.aws.pricebook.PriceBook`; default the shipped one.

    Returns
    -------
    tuple[str, list[Path]]
        The comparison as a plain-text table (USD per month) and the chart files written.

    Raises
    ------
    InputError
        When ``out_dir`` cannot be a folder (an existing file, a path under a file).
    """
    from orchsim.charts.cost import comparison_chart
    from orchsim.model.scenario import load_scenario
    from orchsim.study.compare import compare

    book = load_price_book(prices)
    sc = load_scenario(scenario)
    df = compare(sc, prices=book)
    paths = comparison_chart(df, sc, prepare_out_dir(out_dir), prices=book)
    return format_comparison(df, sc, book), paths


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Hold SIGINT off in this block (main thread only; elsewhere a no-op), without losing it.

    Processes started here must not get a Ctrl-C during their start-up (their tracebacks would
    reach the terminal): where the platform can, SIGINT is blocked in this thread, and the processes
    it starts inherit the mask. A Ctrl-C that reaches this process meanwhile (another thread may take
    it) is only recorded, and raised as KeyboardInterrupt when the block ends. Elsewhere SIGINT is
    ignored for the block. (Ignoring it everywhere dropped a Ctrl-C made while the notebooks'
    processes were starting, and the report then ran to its end.)"""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    if not hasattr(signal, "pthread_sigmask"):
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: caught.append(signum))
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)  # a Ctrl-C pending on this thread runs the recorder now
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def skip_slow_iri_checker() -> None:
    """Keep jsonschema from loading its optional IRI format checker in this process.

    papermill and nbconvert import nbformat, which imports jsonschema; when ``rfc3987-syntax`` is
    installed (jsonschema's ``format-nongpl`` extra, pulled in by the Jupyter packages) jsonschema
    imports it, and it compiles some 40 grammars at import: about 3 s in every process that runs a
    notebook. Notebook validation checks no IRI formats, so the report's own processes (the
    ``orchsim report`` command and the notebook children) go without it. Not called on import:
    a library caller's jsonschema is left as it is. A no-op once jsonschema is imported.
    """
    import sys

    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # import raises ImportError: jsonschema skips the checker


def _own_process_group() -> None:
    """Pool initializer: the child (and the kernel it starts) in a process group of its own, so a
    terminal's Ctrl-C reaches only the parent, which stops them (:func:`_stop_children`) without
    their tracebacks; and without jsonschema's slow IRI checker (:func:`skip_slow_iri_checker`)."""
    if hasattr(os, "setpgrp"):
        os.setpgrp()
    skip_slow_iri_checker()


def _stop_children(pool: ProcessPoolExecutor) -> None:
    """Terminate each pool child's process group (the child and its kernel)."""
    # ``_processes`` (pid -> Process) is how the executor tracks its children (CPython >= 3.2).
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass  # still starting: not yet a group of its own
        proc.terminate()


def _title(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in src.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def run_notebooks(
    out_dir: str | Path,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    quick: bool = False,
    prices: str | Path | None = None,
    jobs: int = 2,
    notebooks: Sequence[str] | None = None,
    cwd: str | Path | None = None,
) -> list[NotebookRun]:
    """Execute the report's notebooks with papermill into ``out_dir`` and export each to HTML.

    Each notebook runs in a child process (a ``spawn`` process pool), so the working directory
    and state of the calling process never change. The child checks the overrides against the
    notebook's ``parameters`` cell before it starts a kernel. :func:`notebook_batch` does the same
    while the caller does other work.

    Parameters
    ----------
    out_dir
        Output folder: ``<name>.ipynb`` (executed), ``<name>.html`` and ``<name>/`` (charts and
        the summary JSON) per notebook.
    overrides
        ``{notebook: {parameter: value}}`` (see :func:`orchsim.report.params.load_params_file`).
    quick
        Set every notebook's ``quick`` parameter (toy sizes).
    prices
        Price file passed to every notebook's ``prices`` parameter (None: the shipped one).
    jobs
        Notebooks run at once (each in its own process and kernel), count.
    notebooks
        Stems to run (default: all of :func:`orchsim.report.params.notebook_names`).
    cwd
        Working directory of the kernels (default: the caller's, so relative paths in parameters
        mean what they mean to the caller).

    Returns
    -------
    list[NotebookRun]
        One per notebook, in order.

    Raises
    ------
    InputError
        A notebook rejected its parameters (names the notebook and the parameter), or ``out_dir``
        cannot be a folder.
    ReportError
        A notebook failed at run time or wrote no summary; names the notebook and the error.
    """
    with notebook_batch(out_dir, overrides, quick=quick, prices=prices, jobs=jobs, notebooks=notebooks, cwd=cwd) as batch:
        return batch.result()


class NotebookBatch:
    """Notebooks started in child processes (:func:`notebook_batch`); :meth:`result` waits for them."""

    def __init__(self, out: Path, folder: Path, tasks: list[NotebookJob], jobs: int) -> None:
        self.out = out
        self.folder = folder
        self.tasks = tasks
        self.pool: ProcessPoolExecutor | None = None
        self.futures: list[Future[NotebookOutcome]] = []
        if tasks:
            self.pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(tasks))), mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_own_process_group)
            # The children are spawned while submitting: with SIGINT held off meanwhile they start
            # with it blocked too (the signal mask survives exec), so a Ctrl-C during their start-up
            # reaches only this process, which stops them without their tracebacks.
            try:
                with _sigint_ignored():
                    self.futures = [self.pool.submit(execute_notebook, t) for t in tasks]
            except KeyboardInterrupt:  # a Ctrl-C while they started: stop what did start
                self.stop()
                raise

    def result(self) -> list[NotebookRun]:
        """Wait for every notebook and read what it wrote.

        Returns
        -------
        list[NotebookRun]
            One per notebook, in order.

        Raises
        ------
        InputError, ReportError
            As :func:`run_notebooks`.
        """
        out, folder = self.out, self.folder
        outcomes = [f.result() for f in self.futures]
        failed = [o for o in outcomes if o.error is not None]
        for o in failed:
            if o.input_error:
                raise InputError(f"notebook {o.name}", str(o.error).removeprefix("InputError: "))
        if failed:
            raise ReportError("; ".join(f"notebook {o.name} failed: {o.error} (executed copy: {out / (o.name + '.ipynb')})" for o in failed))
        runs = []
        for o in outcomes:
            summary = out / o.name / f"{o.name}.json"
            if not summary.exists():
                raise ReportError(f"notebook {o.name} ran but wrote no summary at {summary}")
            data = json.loads(summary.read_text())
            runs.append(NotebookRun(o.name, _title(folder / f"{o.name}.ipynb"), out / f"{o.name}.ipynb", out / f"{o.name}.html", summary,
                                    str(data.get("takeaway", "")), tuple(out / o.name / c for c in data.get("charts", [])), o.seconds))
        return runs

    def stop(self) -> None:
        """Stop the running notebooks now (their process groups) and start no other."""
        if self.pool is not None:
            for f in self.futures:
                f.cancel()
            _stop_children(self.pool)


@contextmanager
def notebook_batch(
    out_dir: str | Path,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    quick: bool = False,
    prices: str | Path | None = None,
    jobs: int = 2,
    notebooks: Sequence[str] | None = None,
    cwd: str | Path | None = None,
) -> Iterator[NotebookBatch]:
    """Start the notebooks (as :func:`run_notebooks`) and yield at once; leaving the block early
    (an error, Ctrl-C) stops the running ones at once, without their tracebacks.

    Parameters
    ----------
    out_dir, overrides, quick, prices, jobs, notebooks, cwd
        As :func:`run_notebooks`.

    Yields
    ------
    NotebookBatch
        Call :meth:`NotebookBatch.result` to wait for the notebooks.
    """
    out = prepare_out_dir(out_dir)
    (out / "index.html").unlink(missing_ok=True)  # a failed run must not leave a stale index behind
    names = list(notebooks) if notebooks is not None else notebook_names()
    folder = resources.notebook_dir()
    work = str(Path(cwd).resolve() if cwd is not None else Path.cwd())
    fixed: dict[str, Any] = {"quick": True} if quick else {}
    if prices is not None:
        fixed["prices"] = str(Path(prices).resolve())
    tasks = [NotebookJob(n, str(folder / f"{n}.ipynb"), str(out / f"{n}.ipynb"), str(out / f"{n}.html"),
                         dict((overrides or {}).get(n, {})), work, {"output_dir": str(out / n), **fixed}) for n in names]
    batch = NotebookBatch(out, folder, tasks, jobs)
    try:
        yield batch
    except BaseException:
        batch.stop()
        raise
    finally:
        if batch.pool is not None:
            batch.pool.shutdown(cancel_futures=True)
