"""The report: the four-pattern comparison of the default scenario, then every notebook.

``orchsim report`` prints the comparison (:func:`run_report`), runs each notebook of
``notebooks/`` with papermill into the output folder (:func:`run_notebooks`; two at a time),
exports each executed notebook to HTML without its code (:func:`export_html`) and writes an
``index.html`` linking each notebook's page and charts with its one-line takeaway
(:func:`write_index`).

Notebooks use the helpers here too: :func:`check_params` validates their ``parameters`` cell
values, :func:`load_named_scenario` finds a shipped scenario by name, and :func:`write_summary`
writes the JSON (takeaway and chart files) that the index reads.
"""

from __future__ import annotations

import ast
import html
import io
import json
import math
import os
import time
import tokenize
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from orchsim import resources
from orchsim.aws.pricebook import PriceBook, load_price_book
from orchsim.charts.cost import comparison_chart
from orchsim.errors import InputError
from orchsim.model.scenario import Scenario, load_scenario
from orchsim.report.comparison import format_comparison
from orchsim.resources import scenario_path
from orchsim.study.compare import compare

__all__ = [
    "DEFAULT_SCENARIO",
    "NotebookRun",
    "Parameter",
    "ReportError",
    "check_params",
    "export_html",
    "load_named_scenario",
    "load_params_file",
    "notebook_names",
    "notebook_parameters",
    "run_notebooks",
    "run_report",
    "write_index",
    "write_summary",
]

DEFAULT_SCENARIO = scenario_path("seed-article")

KERNEL_NAME = "python3"
RESERVED = ("output_dir",)
"""Parameters the report sets itself (``output_dir`` comes from ``--out``)."""


class ReportError(RuntimeError):
    """A notebook failed while the report ran it (the message names the notebook and the error)."""


@dataclass(frozen=True)
class Parameter:
    """One line of a notebook's ``parameters`` cell: ``name = default  # comment``."""

    name: str
    default: Any
    comment: str


@dataclass(frozen=True)
class NotebookRun:
    """One executed notebook: its executed copy, HTML page, summary and run time (s)."""

    name: str
    title: str
    notebook: Path
    html: Path
    summary: Path
    takeaway: str
    charts: tuple[Path, ...]
    seconds: float


def run_report(out_dir: str | Path = "reports", *, scenario: str | Path = DEFAULT_SCENARIO, prices: str | PriceBook | None = None) -> tuple[str, list[Path]]:
    """Compare the four patterns on ``scenario``; returns the printed table and written files."""
    book = load_price_book(prices)
    sc = load_scenario(scenario)
    df = compare(sc, prices=book)
    paths = comparison_chart(df, sc, out_dir, prices=book)
    return format_comparison(df, sc, book), paths


# ----------------------------------------------------------------------------- notebook parameters


def notebook_names(notebook_dir: str | Path | None = None) -> list[str]:
    """Stems of the report's notebooks (``NN-name.ipynb``), in order."""
    folder = Path(notebook_dir) if notebook_dir else resources.notebook_dir()
    return sorted(p.stem for p in folder.glob("[0-9][0-9]-*.ipynb"))


def _parameters_source(path: Path) -> str:
    try:
        nb = json.loads(path.read_text())
    except OSError as exc:
        raise InputError("notebook", f"cannot read {str(path)!r}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError("notebook", f"{str(path)!r} is not a notebook (JSON error at line {exc.lineno})") from None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            src = cell.get("source", "")
            return "".join(src) if isinstance(src, list) else str(src)
    raise InputError(path.stem, "the notebook has no cell tagged 'parameters'")


def notebook_parameters(notebook: str | Path) -> dict[str, Parameter]:
    """The parameters a notebook declares: every line of its ``parameters`` cell.

    Each non-blank line must read ``name = <Python literal>  # what it is, unit``.

    Parameters
    ----------
    notebook
        A notebook stem (looked up in :func:`orchsim.resources.notebook_dir`) or a path to an ``.ipynb`` file.

    Raises
    ------
    InputError
        No ``parameters`` cell, or a line that is not a literal assignment with a comment.
    """
    path = Path(notebook)
    if path.suffix != ".ipynb":
        path = resources.notebook_dir() / f"{notebook}.ipynb"
    out: dict[str, Parameter] = {}
    for n, line in enumerate(_parameters_source(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.stem} parameters line {n}"
        try:
            tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
        except (tokenize.TokenError, SyntaxError):
            raise InputError(where, f"cannot parse {line.strip()!r}") from None
        comment = next((t for t in tokens if t.type == tokenize.COMMENT), None)
        code = line[: comment.start[1]] if comment else line
        try:
            tree = ast.parse(code.strip())
        except SyntaxError:
            raise InputError(where, f"not an assignment: {line.strip()!r}") from None
        stmt = tree.body[0] if len(tree.body) == 1 else None
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            raise InputError(where, f"expected 'name = literal  # comment', got {line.strip()!r}")
        try:
            default = ast.literal_eval(stmt.value)
        except ValueError:
            raise InputError(where, f"the value of {stmt.targets[0].id!r} must be a literal (derived values go in the next cell)") from None
        if line.count("=") > 1:
            raise InputError(where, "papermill cannot parse a parameter line with a second '=' (in the comment or the value)")
        text = comment.string.lstrip("#").strip() if comment else ""
        if not text:
            raise InputError(where, f"{stmt.targets[0].id!r} needs a trailing comment giving its meaning and unit")
        out[stmt.targets[0].id] = Parameter(stmt.targets[0].id, default, text)
    return out


def _kind(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, list | tuple):
        inner = {_kind(v) for v in default}
        return "a list" + (f" of {inner.pop().removeprefix('an ').removeprefix('a ')}s" if len(inner) == 1 else "")
    if isinstance(default, dict):
        return "a mapping"
    return "any value"


def _fits(value: Any, default: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, list | tuple):
        if not isinstance(value, list | tuple):
            return False
        kinds = {type(v) for v in default}
        if len(kinds) == 1 and default:
            return all(_fits(v, default[0]) for v in value)
        return True
    if isinstance(default, dict):
        return isinstance(value, dict)
    return True


def _check_value(field: str, value: Any, default: Any) -> None:
    if not _fits(value, default):
        raise InputError(field, f"must be {_kind(default)} like {default!r} (got {value!r}, a {type(value).__name__})")


def check_params(namespace: Mapping[str, Any], notebook: str) -> None:
    """Check a notebook's parameter values against the types of its ``parameters`` cell defaults.

    Call it first in the cell after ``parameters``: ``check_params(globals(), "02-cost-crossover")``.
    A number where a string is expected (or a string where a number is) raises an
    :class:`InputError` naming the parameter; an integer is accepted where a float is expected.
    """
    for name, p in notebook_parameters(notebook).items():
        if name not in namespace:
            raise InputError(name, f"parameter of {notebook} is not defined; run the parameters cell first")
        _check_value(name, namespace[name], p.default)


def load_params_file(path: str | Path, notebooks: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Read a YAML file of parameter overrides for the report's notebooks and validate it.

    The file maps notebook stems (``02-cost-crossover``) to mappings of parameters, plus an
    optional ``all:`` mapping applied to every notebook that declares the parameter. Returns
    ``{stem: {name: value}}`` with ``all`` merged in (a notebook's own entry wins).

    Raises
    ------
    InputError
        Unreadable file, YAML syntax error, not a mapping, an unknown notebook, a parameter the
        notebook does not have (or, under ``all``, that no notebook has), ``output_dir`` (set
        by ``--out``), or a value of the wrong type; the message names it.
    """
    p = Path(path)
    names = list(notebooks) if notebooks is not None else notebook_names()
    try:
        text = p.read_text()
    except OSError as exc:
        raise InputError("--params", f"cannot read {str(p)!r}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError("--params", f"YAML syntax error in {str(p)!r}{where}: {getattr(exc, 'problem', None) or 'syntax error'}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("--params", f"{str(p)!r} must be a mapping of notebook name to a mapping of parameters")
    declared = {n: notebook_parameters(n) for n in names}
    for key, values in data.items():
        if key != "all" and key not in declared:
            raise InputError("--params", f"unknown notebook {key!r}; accepted: all, {', '.join(names)}")
        if not isinstance(values, dict):
            raise InputError(f"--params: {key}", "must be a mapping of parameter names to values")
        for name, value in values.items():
            field = f"--params: {key}.{name}"
            if name in RESERVED:
                raise InputError(field, "is set by the report (use --out)")
            owners = [n for n in names if name in declared[n]] if key == "all" else ([key] if name in declared[key] else [])
            if not owners:
                accepted = sorted({k for d in declared.values() for k in d} if key == "all" else declared[key])
                raise InputError(field, f"no such parameter in {'any notebook' if key == 'all' else key}; accepted: {', '.join(a for a in accepted if a not in RESERVED)}")
            for owner in owners:
                _check_value(field, value, declared[owner][name].default)
    shared = data.get("all") or {}
    out: dict[str, dict[str, Any]] = {}
    for n in names:
        merged = {k: v for k, v in shared.items() if k in declared[n]}
        merged.update(data.get(n) or {})
        if merged:
            out[n] = merged
    return out


def load_named_scenario(name: str | Path) -> Scenario:
    """A shipped scenario by name (``seed-article`` is ``data/scenarios/seed-article.yaml``) or a YAML path."""
    return load_scenario(name)


def write_summary(output_dir: str | Path, notebook: str, takeaway: str, charts: Sequence[str | Path], **values: Any) -> Path:
    """Write ``output_dir/<notebook>.json``: the one-line takeaway, chart files and key values.

    ``charts`` are the paths :func:`orchsim.charts.style.save` returned; they are stored relative to
    ``output_dir``. ``values`` are extra JSON-ready numbers the notebook computed.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rel = []
    for c in charts:
        try:
            rel.append(Path(c).resolve().relative_to(out.resolve()).as_posix())
        except ValueError:  # a chart saved elsewhere: keep its name
            rel.append(Path(c).name)
    path = out / f"{notebook}.json"
    data = {"notebook": notebook, "takeaway": " ".join(takeaway.split()), "charts": rel, "values": _jsonable(values)}
    path.write_text(json.dumps(data, indent=2, allow_nan=False))
    return path


def _jsonable(obj: Any) -> Any:
    """Plain JSON values: numpy scalars to Python, NaN and infinities to None."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalar
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


# --------------------------------------------------------------------------------------- running


def _title(path: Path) -> str:
    nb = json.loads(path.read_text())
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for line in src.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def _execute(name: str, out_dir: Path, params: dict[str, Any], cwd: Path) -> tuple[str, float, str | None, bool]:
    """Run one notebook; returns (name, seconds, error message or None, whether it is an input error)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    try:
        pm.execute_notebook(
            str(resources.notebook_dir() / f"{name}.ipynb"), str(out_dir / f"{name}.ipynb"), parameters=params, kernel_name=KERNEL_NAME,
            cwd=str(cwd), progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            extra_arguments=["--log-level=CRITICAL"],  # kernel log lines (TCP warning, SIGINT at shutdown) stay off stderr
        )
    except PapermillExecutionError as exc:
        first = str(exc.evalue).strip().splitlines()[0] if str(exc.evalue).strip() else ""
        return name, time.perf_counter() - start, f"{exc.ename}: {first}" if first else exc.ename, exc.ename == "InputError"
    except Exception as exc:  # kernel died, timeout, unreadable notebook: the report must fail, naming it
        return name, time.perf_counter() - start, f"{type(exc).__name__}: {exc}", False
    return name, time.perf_counter() - start, None, False


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

    Parameters
    ----------
    out_dir
        Output folder: ``<name>.ipynb`` (executed), ``<name>.html`` and ``<name>/`` (charts and
        the summary JSON) per notebook.
    overrides
        ``{notebook: {parameter: value}}`` (see :func:`load_params_file`).
    quick
        Set every notebook's ``quick`` parameter (toy sizes).
    prices
        Price file passed to every notebook's ``prices`` parameter (None: the shipped one).
    jobs
        Notebooks run at once (each in its own kernel).
    notebooks
        Stems to run (default: all of :func:`notebook_names`).
    cwd
        Working directory of the kernels (default: the current one, so relative paths in
        parameters mean what they mean to the caller).

    Raises
    ------
    InputError
        A notebook rejected its parameters (names the notebook and the parameter).
    ReportError
        A notebook failed at run time or wrote no summary; names the notebook and the error.
    """
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").unlink(missing_ok=True)  # a failed run must not leave a stale index behind
    names = list(notebooks) if notebooks is not None else notebook_names()
    plans: dict[str, dict[str, Any]] = {}
    for name in names:
        declared = notebook_parameters(name)
        params: dict[str, Any] = dict((overrides or {}).get(name, {}))
        params["output_dir"] = str(out / name)
        if quick and "quick" in declared:
            params["quick"] = True
        if prices is not None and "prices" in declared:
            params["prices"] = str(Path(prices).resolve())
        if "interactive" in declared:
            params.setdefault("interactive", False)
        plans[name] = params
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda n: _execute(n, out, plans[n], Path(cwd or Path.cwd())), names))
    failed = [(n, msg, inp) for n, _s, msg, inp in results if msg is not None]
    for n, msg, inp in failed:
        if inp:
            raise InputError(f"notebook {n}", msg.removeprefix("InputError: "))
    if failed:
        raise ReportError("; ".join(f"notebook {n} failed: {msg} (executed copy: {out / (n + '.ipynb')})" for n, msg, _ in failed))
    runs = []
    for name, seconds, _msg, _inp in results:
        summary = out / name / f"{name}.json"
        if not summary.exists():
            raise ReportError(f"notebook {name} ran but wrote no summary at {summary}")
        data = json.loads(summary.read_text())
        page = export_html(out / f"{name}.ipynb", out / f"{name}.html")
        runs.append(NotebookRun(name, _title(resources.notebook_dir() / f"{name}.ipynb"), out / f"{name}.ipynb", page, summary,
                                str(data.get("takeaway", "")), tuple(out / name / c for c in data.get("charts", [])), seconds))
    return runs


def export_html(notebook: str | Path, html_path: str | Path) -> Path:
    """Export an executed notebook to HTML without code cells or prompts (outputs and prose only)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_filename(str(notebook))
    path = Path(html_path)
    path.write_text(body)
    return path


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #555; font-size: 0.9rem; }
pre { background: #f6f6f6; padding: 0.8rem; overflow-x: auto; font-size: 0.85rem; }
section { border-top: 1px solid #ddd; margin-top: 1.5rem; padding-top: 0.5rem; }
.takeaway { font-size: 1.05rem; background: #eef5fb; border-left: 4px solid #0072B2; padding: 0.5rem 0.8rem; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; } .chart { width: 340px; font-size: 0.8rem; }
.chart img { width: 100%; border: 1px solid #ddd; }
"""


def write_index(out_dir: str | Path, runs: Sequence[NotebookRun], comparison: str = "", comparison_charts: Sequence[Path] = ()) -> Path:
    """Write ``out_dir/index.html``: the comparison, then per notebook its page, takeaway and charts."""
    from orchsim.version import package_version

    out = Path(out_dir).resolve()

    def rel(p: Path) -> str:
        return html.escape(os.path.relpath(Path(p).resolve(), out))

    def chart_links(paths: Sequence[Path]) -> str:
        cells = []
        for png in [p for p in paths if Path(p).suffix == ".png"]:
            svg = Path(png).with_suffix(".svg")
            cells.append(f'<div class="chart"><a href="{rel(png)}"><img src="{rel(png)}" alt="{html.escape(Path(png).stem)}"></a><br>'
                         f'{html.escape(Path(png).stem)}: <a href="{rel(png)}">PNG</a> &middot; <a href="{rel(svg)}">SVG</a></div>')
        return f'<div class="charts">{"".join(cells)}</div>'

    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>orchsim report</title><style>{_CSS}</style></head><body>",
             "<h1>orchsim report</h1>",
             f"<p class='meta'>orchsim {html.escape(package_version())}, generated {time.strftime('%Y-%m-%d %H:%M')}</p>"]
    if comparison:
        parts.append(f"<section><h2>Four-pattern comparison</h2><pre>{html.escape(comparison)}</pre>{chart_links(list(comparison_charts))}</section>")
    for r in runs:
        parts.append(f"<section><h2><a href='{rel(r.html)}'>{html.escape(r.title)}</a></h2>"
                     f"<p class='takeaway'>{html.escape(r.takeaway)}</p>{chart_links(list(r.charts))}"
                     f"<p class='meta'>notebook <a href='{rel(r.notebook)}'>{html.escape(r.name)}.ipynb</a> (executed), "
                     f"ran in {r.seconds:.1f} s</p></section>")
    parts.append("</body></html>")
    path = out / "index.html"
    path.write_text("\n".join(parts))
    return path
