"""Notebook parameters: what each notebook's ``parameters`` cell declares, and checking values against it.

:func:`notebook_parameters` reads a notebook's ``parameters`` cell with :func:`papermill.inspect_notebook`
(names, default literals and trailing comments); :func:`parameter_model` turns the defaults' types into
a strict pydantic model. :func:`check_params` (called by each notebook on its own values) and
:func:`load_params_file` (the report's ``--params`` file) validate through that model, so a value of the
wrong type is refused in one place, naming the notebook and the parameter.
"""

from __future__ import annotations

import ast
import difflib
import functools
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from orchsim import resources
from orchsim.errors import InputError
from orchsim.yamlfile import read_yaml

__all__ = [
    "RESERVED",
    "Parameter",
    "check_overrides",
    "check_params",
    "declarations_env",
    "load_params_file",
    "notebook_names",
    "notebook_parameters",
    "parameter_model",
]

RESERVED = ("output_dir",)
"""Parameters the report sets itself (``output_dir`` comes from ``--out``)."""

HANDED_DOWN = "ORCHSIM_NOTEBOOK_PARAMETERS"
"""Environment variable through which the runner hands a notebook's declarations to its kernel
(:func:`declarations_env`), so the kernel's :func:`check_params` need not import papermill again."""


@dataclass(frozen=True)
class Parameter:
    """One line of a notebook's ``parameters`` cell: ``name = default  # comment``.

    Parameters
    ----------
    name
        The variable name.
    default
        Its default, a Python literal.
    comment
        The trailing comment: what it is and its unit.
    """

    name: str
    default: Any
    comment: str


def notebook_names(notebook_dir: str | Path | None = None) -> list[str]:
    """Stems of the report's notebooks (``NN-name.ipynb``), in order.

    Parameters
    ----------
    notebook_dir
        Folder to list; default :func:`orchsim.resources.notebook_dir`.

    Returns
    -------
    list[str]
        Sorted stems, such as ``01-scenario-explorer``.

    Examples
    --------
    >>> notebook_names()[0]
    '01-scenario-explorer'
    """
    folder = Path(notebook_dir) if notebook_dir else resources.notebook_dir()
    return sorted(p.stem for p in folder.glob("[0-9][0-9]-*.ipynb"))


def _path(notebook: str | Path) -> Path:
    path = Path(notebook)
    return path if path.suffix == ".ipynb" else resources.notebook_dir() / f"{notebook}.ipynb"


def notebook_parameters(notebook: str | Path) -> dict[str, Parameter]:
    """The parameters a notebook declares: every assignment of its ``parameters`` cell.

    Each line must read ``name = <Python literal>  # what it is, unit``.

    Parameters
    ----------
    notebook
        A notebook stem (looked up in :func:`orchsim.resources.notebook_dir`) or a path to an ``.ipynb`` file.

    Returns
    -------
    dict[str, Parameter]
        By name, in the cell's order.

    Raises
    ------
    InputError
        Unreadable notebook, no ``parameters`` cell, a value that is not a literal or a line without
        its comment.

    Examples
    --------
    >>> p = notebook_parameters("03-express-vs-standard")["transitions_max"]
    >>> p.default, p.comment
    (40, 'most state transitions per execution swept, transitions')
    """
    path = _path(notebook)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise InputError("notebook", f"cannot read {str(path)!r}: {exc.strerror}") from None
    handed = _handed_down(path, stamp)
    return handed if handed is not None else dict(_parameters(str(path), stamp))


def declarations_env(notebook: str | Path) -> dict[str, str]:
    """Environment variables that hand a notebook's declarations to the kernel that runs it.

    Parameters
    ----------
    notebook
        A notebook stem or ``.ipynb`` path.

    Returns
    -------
    dict[str, str]
        ``{HANDED_DOWN: JSON}``: the notebook's absolute path, modification time (ns) and
        parameters; :func:`notebook_parameters` uses it for that version of that notebook only.
    """
    path = _path(notebook).resolve()
    params = notebook_parameters(path)
    data = {"path": str(path), "stamp": path.stat().st_mtime_ns,
            "parameters": [[p.name, repr(p.default), p.comment] for p in params.values()]}
    return {HANDED_DOWN: json.dumps(data)}


def _handed_down(path: Path, stamp: int) -> dict[str, Parameter] | None:
    text = os.environ.get(HANDED_DOWN)
    if not text:
        return None
    try:
        data = json.loads(text)
        if data["path"] != str(path.resolve()) or data["stamp"] != stamp:
            return None
        return {n: Parameter(n, ast.literal_eval(d), c) for n, d, c in data["parameters"]}
    except (ValueError, KeyError, TypeError, SyntaxError):
        return None


@functools.lru_cache(maxsize=64)
def _parameters(path: str, _stamp: int) -> tuple[tuple[str, Parameter], ...]:
    """Parse once per notebook version (``_stamp`` is its modification time, ns)."""
    import papermill as pm

    stem = Path(path).stem
    try:
        declared = pm.inspect_notebook(path)
    except Exception as exc:  # nbformat and JSON errors have no common base
        raise InputError("notebook", f"{path!r} is not a readable notebook ({type(exc).__name__})") from None
    if not declared:
        raise InputError(stem, "the notebook has no cell tagged 'parameters' (or it declares nothing)")
    out = []
    for name, info in declared.items():
        where = f"{stem} parameter {name}"
        try:
            default = ast.literal_eval(str(info["default"]).strip())
        except (ValueError, SyntaxError):
            raise InputError(where, "the value must be a literal (derived values go in the next cell)") from None
        comment = str(info.get("help") or "").strip()
        if not comment:
            raise InputError(where, "needs a trailing comment giving its meaning and unit")
        out.append((name, Parameter(name, default, comment)))
    return tuple(out)


def _annotation(default: Any) -> Any:
    """The strict type a value must have to stand in for ``default``."""
    if default is None:
        return Any
    if isinstance(default, bool | int | float | str):
        return type(default)  # strict: no bool for int, no str for numbers; an int passes for a float
    if isinstance(default, list | tuple):
        kinds = {type(v) for v in default}
        inner = _annotation(default[0]) if len(kinds) == 1 else Any
        return list[inner] | tuple[inner, ...]  # type: ignore[valid-type]
    if isinstance(default, dict):
        return dict[str, Any]
    return Any


def parameter_model(notebook: str | Path) -> type[BaseModel]:
    """A strict pydantic model of a notebook's parameters, typed by their defaults.

    Every field is optional (its default is the notebook's); unknown names are refused. A bool
    default takes only booleans, an int only integers, a float integers or floats, a string only
    strings, a list only lists of its elements' type.

    Parameters
    ----------
    notebook
        A notebook stem or ``.ipynb`` path.

    Returns
    -------
    type[pydantic.BaseModel]
        Validate with ``model.model_validate({name: value})``; fields are aliased to the names.

    Examples
    --------
    >>> model = parameter_model("03-express-vs-standard")
    >>> model.model_validate({"transitions_max": 12}).model_dump(by_alias=True)["transitions_max"]
    12
    """
    params = notebook_parameters(notebook)
    return _model(Path(notebook).stem, tuple((p.name, repr(p.default)) for p in params.values()))


@functools.lru_cache(maxsize=64)
def _model(stem: str, fields: tuple[tuple[str, str], ...]) -> type[BaseModel]:
    spec: dict[str, Any] = {}
    for i, (name, text) in enumerate(fields):
        default = ast.literal_eval(text)
        # field names are placeholders; the alias is the parameter (no clash with BaseModel attributes)
        spec[f"p{i}"] = (_annotation(default), Field(default=default, alias=name))
    config = ConfigDict(strict=True, extra="forbid", populate_by_name=False)
    return create_model(f"Parameters_{stem.replace('-', '_')}", __config__=config, **spec)


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


PARAMETER_RANGES: dict[str, tuple[float, float, bool, str]] = {
    # name: (low, high, low excluded, unit); a list parameter's every element must be in range
    "window_hours": (0.0, 8784.0, True, "hours"),
    "volume_min": (0.0, 1e9, True, "documents per day"),
    "volume_max": (0.0, 1e9, True, "documents per day"),
    "volume_points": (2, 1000, False, "volumes"),
    "steps_max": (1, 100, False, "steps"),
    "steps": (1, 100, False, "steps"),
    "sim_volumes": (0.0, 1e9, True, "documents per day"),
    "sim_docs_per_run": (1.0, 1e6, False, "documents"),
    "replications": (1, 1000, False, "replications"),
    "workers": (1, 256, False, "processes"),
    "transitions_max": (1, 10_000, False, "transitions"),
    "memory_sizes": (1.0, 10_240.0, False, "MB"),
    "executions_per_month": (0.0, 1e15, True, "executions per month"),
    "volume_memory_mb": (1.0, 10_240.0, False, "MB"),
    "volume_transitions": (1, 10_000, False, "transitions"),
    "error_rates": (0.0, 1.0, False, "share per attempt"),
    "error_rate": (0.0, 1.0, False, "share per attempt"),
    "timeline_error_rate": (0.0, 1.0, False, "share per attempt"),
    "max_attempts": (0, 100, False, "retries"),
    "docs_per_day": (0.0, 1e9, True, "documents per day"),
    "volume": (0.0, 1e9, False, "documents per day; 0: the scenario's"),
    "volumes": (0.0, 1e9, True, "documents per day"),
    "quota_scales": (0.0, 1000.0, True, "multiples of the scenario's quotas"),
    "article_standard_usd_per_day": (0.0, 1e9, False, "USD per day"),
    "article_lambda_usd_per_day": (0.0, 1e9, False, "USD per day"),
    "waits_days": (0.0, 365.0, True, "days"),
    "result_kbs": (0.0, 256.0, True, "KB per durable operation"),
}
"""Accepted range of each numeric notebook parameter, by name (the same name means the same thing
in every notebook); :func:`check_params` and :func:`check_overrides` apply them."""


def _check_range(name: str, value: Any, prefix: str) -> None:
    if name not in PARAMETER_RANGES:
        return
    low, high, low_open, unit = PARAMETER_RANGES[name]
    items = value if isinstance(value, list | tuple) else [value]
    if isinstance(value, list | tuple) and not value:
        raise InputError(f"{prefix}{name}", "must list at least one value")
    lo_text = f"> {low:g}" if low_open else f">= {low:g}"
    for item in items:
        v = float(item)
        if not (math.isfinite(v) and (v > low if low_open else v >= low) and v <= high):
            each = "each " if isinstance(value, list | tuple) else ""
            raise InputError(f"{prefix}{name}", f"{each}value must be {lo_text} and <= {high:,g} ({unit}); got {item!r}")


def _validate(notebook: str | Path, values: Mapping[str, Any], prefix: str = "") -> None:
    """Validate ``values`` (a subset of the notebook's parameters) through :func:`parameter_model`,
    then their ranges (:data:`PARAMETER_RANGES`)."""
    declared = notebook_parameters(notebook)
    try:
        parameter_model(notebook).model_validate(dict(values))
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]) if err["loc"] else ""
        if name not in declared:
            raise InputError(f"{prefix}{name}", f"no such parameter in {Path(notebook).stem}; accepted: {', '.join(declared)}") from None
        default, value = declared[name].default, values[name]
        raise InputError(f"{prefix}{name}", f"must be {_kind(default)} like {default!r} (got {value!r}, a {type(value).__name__})") from None
    for name, value in values.items():
        _check_range(name, value, prefix)
    if isinstance(values.get("scenario"), str) and Path(notebook).stem not in WORKFLOW_NOTEBOOKS:
        _check_linear(str(values["scenario"]), Path(notebook).stem, prefix)


WORKFLOW_NOTEBOOKS = frozenset({"06-your-workflow", "07-model-quotas", "09-durable-functions"})
"""The notebooks that take an imported workflow (``pipeline.definition``) as well as a linear pipeline;
the others sweep the steps of a linear pipeline."""


def _check_linear(scenario: str, notebook: str, prefix: str) -> None:
    """A notebook about linear pipelines refuses an imported workflow, naming the one that takes it."""
    from orchsim.report.notebook import load_named_scenario

    try:
        sc = load_named_scenario(scenario)
    except InputError:
        return  # the notebook's own loading names the problem
    if sc.pipeline.definition is not None:
        raise InputError(f"{prefix}scenario", f"{scenario!r} is an imported workflow; {notebook} takes a linear pipeline "
                                              f"(pipeline.steps): run 06-your-workflow with it")


def check_params(namespace: Mapping[str, Any], notebook: str) -> None:
    """Check a notebook's parameter values against the types of its ``parameters`` cell defaults.

    Call it first in the cell after ``parameters``: ``check_params(globals(), "02-cost-crossover")``.

    Parameters
    ----------
    namespace
        The notebook's globals (or any mapping holding every declared parameter).
    notebook
        The notebook's stem.

    Raises
    ------
    InputError
        A parameter is missing, or its value has the wrong type (a number where a string is
        expected, or a string where a number is); the message names the parameter. An integer is
        accepted where a float is expected.

    Examples
    --------
    >>> values = {n: p.default for n, p in notebook_parameters("03-express-vs-standard").items()}
    >>> check_params({**values, "transitions_max": "forty"}, "03-express-vs-standard")
    Traceback (most recent call last):
    ...
    orchsim.errors.InputError: transitions_max: must be an integer like 40 (got 'forty', a str)
    """
    declared = notebook_parameters(notebook)
    for name in declared:
        if name not in namespace:
            raise InputError(name, f"parameter of {notebook} is not defined; run the parameters cell first")
    defined = _assigned_names(notebook)
    for name, value in namespace.items():
        # papermill injects parameters as plain values; one the notebook neither declares nor assigns
        # anywhere is a misspelt or foreign parameter (imports are modules, functions or classes)
        if name.startswith("_") or name in declared or name in defined or name in _IPYTHON_NAMES:
            continue
        if isinstance(value, bool | int | float | str | list | tuple | dict) or value is None:
            close = difflib.get_close_matches(name, list(declared), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(name, f"no such parameter in {notebook}{hint}; accepted: {', '.join(declared)}")
    _validate(notebook, {name: namespace[name] for name in declared})


_IPYTHON_NAMES = frozenset({"In", "Out", "exit", "quit", "get_ipython", "display"})


def _assigned_names(notebook: str | Path) -> frozenset[str]:
    """Every name the notebook's code cells assign, import or define (parsed, not run)."""
    path = _path(notebook)
    return _assigned(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=32)
def _assigned(path: str, _stamp: int) -> frozenset[str]:
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell.get("source", []))
        try:
            tree = ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef):
                names.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
    return frozenset(names)


def report_scenario(overrides: Mapping[str, Mapping[str, Any]], default: str = "seed-article") -> str:
    """The scenario a report is about: the ``scenario`` parameter its notebooks run with.

    Parameters
    ----------
    overrides
        ``{notebook: {parameter: value}}`` as :func:`load_params_file` returns (``all`` merged in).
    default
        The notebooks' own default.

    Returns
    -------
    str
        The scenario name or path every notebook that declares ``scenario`` runs with; ``default``
        when they differ (the index then lists each notebook's parameters).

    Examples
    --------
    >>> report_scenario({})
    'seed-article'
    >>> report_scenario({n: {"scenario": "ai-document-pipeline"} for n in notebook_names() if "scenario" in notebook_parameters(n)})
    'ai-document-pipeline'
    """
    chosen = {str(overrides.get(n, {}).get("scenario", notebook_parameters(n)["scenario"].default))
              for n in notebook_names() if "scenario" in notebook_parameters(n)}
    return chosen.pop() if len(chosen) == 1 else default


def check_overrides(notebook: str | Path, values: Mapping[str, Any]) -> None:
    """Check values a caller gives some of a notebook's parameters (before the notebook runs).

    Parameters
    ----------
    notebook
        A notebook stem or ``.ipynb`` path.
    values
        ``{parameter: value}``, any subset of the declared parameters.

    Raises
    ------
    InputError
        A name the notebook does not declare, or a value of the wrong type; names the parameter.

    Examples
    --------
    >>> check_overrides("03-express-vs-standard", {"transitions_max": 12})
    >>> check_overrides("03-express-vs-standard", {"transitions": 12})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    orchsim.errors.InputError: transitions: no such parameter in 03-express-vs-standard; accepted: ...
    """
    declared = notebook_parameters(notebook)
    stem = Path(notebook).stem
    for name in values:
        if name not in declared:
            raise InputError(name, f"no such parameter in {stem}; accepted: {', '.join(declared)}")
    _validate(notebook, values)


def load_params_file(path: str | Path, notebooks: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Read a YAML file of parameter overrides for the report's notebooks and validate it.

    The file maps notebook stems (``02-cost-crossover``) to mappings of parameters, plus an
    optional ``all:`` mapping applied to every notebook that declares the parameter.

    Parameters
    ----------
    path
        The YAML file.
    notebooks
        Stems the report runs (default: :func:`notebook_names`).

    Returns
    -------
    dict[str, dict[str, Any]]
        ``{stem: {name: value}}`` with ``all`` merged in (a notebook's own entry wins); notebooks
        without overrides are left out.

    Raises
    ------
    InputError
        Unreadable file, YAML syntax error, not a mapping, an unknown notebook, a parameter the
        notebook does not have (or, under ``all``, that no notebook has), ``output_dir`` (set
        by ``--out``), or a value of the wrong type; the message names it.
    """
    p = Path(path)
    names = list(notebooks) if notebooks is not None else notebook_names()
    data = read_yaml(p, "--params", "params file")
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
        for name in values:
            field = f"--params: {key}.{name}"
            if name in RESERVED:
                raise InputError(field, "is set by the report (use --out)")
            owners = [n for n in names if name in declared[n]] if key == "all" else ([key] if name in declared[key] else [])
            if not owners:
                accepted = sorted({k for d in declared.values() for k in d} if key == "all" else declared[key])
                raise InputError(field, f"no such parameter in {'any notebook' if key == 'all' else key}; accepted: {', '.join(a for a in accepted if a not in RESERVED)}")
            for owner in owners:
                _validate(owner, {name: values[name]}, prefix=f"--params: {key}.")
    shared = data.get("all") or {}
    out: dict[str, dict[str, Any]] = {}
    for n in names:
        merged = {k: v for k, v in shared.items() if k in declared[n]}
        merged.update(data.get(n) or {})
        if merged:
            out[n] = merged
    return out
