"""Notebooks: committed without outputs, a `parameters` cell of commented literals, and each one
runs top to bottom with papermill at toy size, writing its charts (PNG and SVG) and takeaway JSON.

The notebooks run once per test run: the session fixture :func:`quick_report` runs
``orchsim report --quick`` with the toy parameters below, and both these tests and test_report.py
check its output folder. Under pytest-xdist the first worker builds it (under a file lock, in a
folder shared by the workers); the others read what it wrote.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import QuickReport

from orchsim import InputError
from orchsim.report.params import check_params, notebook_names, notebook_parameters
from orchsim.report.runner import run_notebooks
from orchsim.resources import notebook_dir

NOTEBOOKS = sorted(notebook_dir().glob("*.ipynb"))

EXPECTED_CHARTS: dict[str, list[str]] = {
    "01-scenario-explorer": ["cost-breakdown", "latency-cdf", "outcomes", "execution-history"],
    "02-cost-crossover": ["crossover-map", "cost-vs-volume"],
    "03-express-vs-standard": ["breakeven-by-memory", "breakeven-by-volume", "breakeven-vs-executions"],
    "04-failures-and-retries": ["failure-sweep", "outcomes", "execution-history"],
    "05-seed-article-check": ["daily-cost-breakdown", "cost-vs-steps"],
    "06-your-workflow": ["where-the-money-goes", "execution-history"],
    "07-model-quotas": ["total-cost-of-ownership", "throughput-vs-quota"],
    "08-calibrate-from-logs": ["fit", "projected-patterns"],
    "09-durable-functions": ["cost-vs-wait", "durable-breakeven", "cost-vs-steps"],
}

def _load(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def test_every_notebook_is_there() -> None:
    assert notebook_names() == sorted(EXPECTED_CHARTS), f"expected the notebooks {sorted(EXPECTED_CHARTS)}, found {notebook_names()}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    nb = _load(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel should be python3"
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {i}: expected no outputs in the committed notebook"
            assert cell.execution_count is None, f"{path.name} cell {i}: expected execution_count null"
    assert "papermill" not in nb.metadata, f"{path.name}: an executed copy was committed (papermill metadata)"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_holds_commented_literals(path: Path) -> None:
    nb = _load(path)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code", f"{path.name}: expected exactly one code cell tagged 'parameters'"
    names = []
    for line in tagged[0].source.splitlines():
        if not line.strip():
            continue
        code, sep, comment = line.partition("  #")
        assert sep and comment.strip(), f"{path.name}: {line!r} needs a trailing '  # meaning, unit' comment"
        stmt = ast.parse(code.strip()).body[0]
        assert isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name), f"{path.name}: {line!r} is not 'name = value'"
        ast.literal_eval(stmt.value)  # raises unless a literal
        assert line.count("=") == 1, f"{path.name}: {line!r}: papermill cannot parse a second '='"
        names.append(stmt.targets[0].id)
    for required in ("output_dir", "quick"):
        assert required in names, f"{path.name}: the parameters should include {required!r}"
    declared = notebook_parameters(path)
    assert list(declared) == names, f"{path.name}: papermill.inspect_notebook should see the same parameters {names}, got {list(declared)}"
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    tree = ast.parse(code)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)], \
        f"{path.name}: define functions in orchsim, not in the notebook"
    assert f'check_params(globals(), "{path.stem}")' in code, f"{path.name}: the derived-values cell should validate the parameters"


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_notebook_runs_and_writes_charts(name: str, quick_report: QuickReport) -> None:
    assert quick_report.returncode == 0, f"the toy report failed (exit {quick_report.returncode}): {quick_report.stderr[-2000:]}"
    out = quick_report.site
    for chart in EXPECTED_CHARTS[name]:
        for suffix in (".png", ".svg"):
            f = out / name / f"{chart}{suffix}"
            assert f.exists() and f.stat().st_size > 1000, f"{name}: expected the chart {f.name}"
    summary = json.loads((out / name / f"{name}.json").read_text())
    assert summary["notebook"] == name
    assert summary["takeaway"] and "\n" not in summary["takeaway"], f"{name}: expected a one-line takeaway"
    assert {Path(c).stem for c in summary["charts"]} == set(EXPECTED_CHARTS[name]), f"{name}: the JSON should list its charts"


def test_check_params_names_the_parameter() -> None:
    values = {name: p.default for name, p in notebook_parameters("03-express-vs-standard").items()}
    check_params(values, "03-express-vs-standard")
    check_params({**values, "transitions_max": 12, "executions_per_month": [1, 2.5]}, "03-express-vs-standard")  # ints pass for floats
    for name, bad, kind in (("transitions_max", "forty", "an integer"), ("transitions_max", True, "an integer"),
                            ("quick", 1, "true or false"), ("memory_sizes", [64, "lots"], "a list of integers"),
                            ("scenario", 3, "a string")):
        with pytest.raises(InputError, match=f"{name}: must be {kind}"):
            check_params({**values, name: bad}, "03-express-vs-standard")
    del values["region"]
    with pytest.raises(InputError, match="region: parameter of 03-express-vs-standard is not defined"):
        check_params(values, "03-express-vs-standard")


def test_wrong_parameter_type_names_the_parameter(tmp_path: Path) -> None:
    """The notebook itself refuses a value of the wrong type, and the runner names notebook and parameter;
    the notebook runs in a child process, so this process's working directory stays where it was."""
    before = Path.cwd()
    with pytest.raises(InputError, match="notebook 03-express-vs-standard: transitions_max: must be an integer") as info:
        run_notebooks(tmp_path / "site", {"03-express-vs-standard": {"transitions_max": "forty"}}, quick=True,
                      notebooks=["03-express-vs-standard"], cwd=tmp_path)
    assert Path.cwd() == before, f"running a notebook moved this process from {before} to {Path.cwd()}"
    assert "forty" in str(info.value), f"the error should show the value given: {info.value}"
