"""Helpers the report's notebooks call: find a scenario by name and write the summary the index reads."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orchsim.model.scenario import Scenario, load_scenario

__all__ = ["load_named_scenario", "output_folder", "write_summary"]


def load_named_scenario(name: str | Path) -> Scenario:
    """A shipped scenario by name, or a scenario YAML file.

    Parameters
    ----------
    name
        ``seed-article`` (that is ``data/scenarios/seed-article.yaml``), ``ai-document-pipeline``,
        or a path to a YAML file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    InputError
        No such file or shipped scenario, or an invalid field.

    Examples
    --------
    >>> load_named_scenario("seed-article").workload.docs_per_day
    10000.0
    """
    return load_scenario(name)


def output_folder(output_dir: str | Path, notebook: str) -> Path:
    """Where a notebook writes its charts and summary.

    The report sets ``output_dir`` (its own folder per notebook). Left empty, as in a notebook opened
    in JupyterLab, it is a scratch folder in the user's cache (``<cache>/scratch/<notebook>``; the
    cache is :func:`orchsim.study.cache.default_cache_dir`), so exploring never overwrites a
    published report and writes nothing into the checkout.

    Parameters
    ----------
    output_dir
        The notebook's ``output_dir`` parameter.
    notebook
        The notebook's stem.

    Returns
    -------
    Path
        The folder (not created here).

    Examples
    --------
    >>> output_folder("reports/02", "02-cost-crossover").as_posix()
    'reports/02'
    >>> output_folder("", "02-cost-crossover").parts[-2:]
    ('scratch', '02-cost-crossover')
    """
    if str(output_dir).strip():
        return Path(output_dir)
    from orchsim.study.cache import default_cache_dir

    return default_cache_dir() / "scratch" / notebook


def write_summary(output_dir: str | Path, notebook: str, takeaway: str, charts: Sequence[str | Path], **values: Any) -> Path:
    """Write ``output_dir/<notebook>.json``: the one-line takeaway, chart files and key values.

    Parameters
    ----------
    output_dir
        The notebook's output folder (created if needed).
    notebook
        The notebook's stem.
    takeaway
        One or more sentences; whitespace (newlines included) is collapsed to single spaces.
    charts
        The paths :func:`orchsim.charts.style.save` returned; stored relative to ``output_dir``
        (a chart saved elsewhere keeps only its file name).
    **values
        Extra JSON-ready values the notebook computed (NumPy scalars become Python numbers, NaN
        and infinities become null).

    Returns
    -------
    Path
        The JSON file written.

    Examples
    --------
    >>> import json, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = write_summary(folder, "00-demo", "Express wins.\\n Always.", [f"{folder}/a.png"], usd=float("nan"))
    >>> json.loads(path.read_text())
    {'notebook': '00-demo', 'takeaway': 'Express wins. Always.', 'charts': ['a.png'], 'values': {'usd': None}}
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
