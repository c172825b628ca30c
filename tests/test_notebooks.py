"""Notebooks: committed without outputs, a `parameters` cell of commented literals, and each one
runs top to bottom with papermill at toy size, writing its charts (PNG and SVG) and takeaway JSON."""

from __future__ import annotations

import ast
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
import pytest

from orchsim.report.runner import notebook_names
from orchsim.resources import notebook_dir

NOTEBOOKS = sorted(notebook_dir().glob("*.ipynb"))

EXPECTED_CHARTS: dict[str, list[str]] = {
    "01-scenario-explorer": ["cost-breakdown", "latency-cdf", "outcomes", "execution-history"],
    "02-cost-crossover": ["crossover-map", "cost-vs-volume"],
    "03-express-vs-standard": ["breakeven-by-memory", "breakeven-by-volume", "breakeven-vs-executions"],
    "04-failures-and-retries": ["failure-sweep", "outcomes", "execution-history"],
    "05-seed-article-check": ["daily-cost-breakdown", "cost-vs-steps"],
}

# the smallest sizes that still exercise every step
TOY: dict[str, dict[str, Any]] = {
    "01-scenario-explorer": {"interactive": False},
    "02-cost-crossover": {"volume_points": 4, "steps_max": 5, "sim_volumes": [10000.0], "replications": 2},
    "03-express-vs-standard": {},
    "04-failures-and-retries": {"max_attempts": [0, 2]},
    "05-seed-article-check": {"steps_max": 6},
}


def _load(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def test_the_five_notebooks_are_there() -> None:
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
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    tree = ast.parse(code)
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda)], \
        f"{path.name}: define functions in orchsim, not in the notebook"
    assert f'check_params(globals(), "{path.stem}")' in code, f"{path.name}: the derived-values cell should validate the parameters"


def _run(name: str, out: Path, extra: dict[str, Any]) -> tuple[str, str | None]:
    import papermill as pm

    params = {"quick": True, "output_dir": str(out / name), **TOY[name], **extra}
    try:
        pm.execute_notebook(str(notebook_dir() / f"{name}.ipynb"), str(out / f"{name}.ipynb"), parameters=params, kernel_name="python3",
                            progress_bar=False, cwd=str(out), extra_arguments=["--log-level=CRITICAL"])
    except Exception as exc:  # reported by the test that asked for this notebook
        return name, f"{type(exc).__name__}: {exc}"
    return name, None


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | None]]:
    out = tmp_path_factory.mktemp("notebooks")
    with ThreadPoolExecutor(max_workers=2) as pool:
        errors = dict(pool.map(lambda n: _run(n, out, {}), sorted(EXPECTED_CHARTS)))
    return out, errors


@pytest.mark.parametrize("name", sorted(EXPECTED_CHARTS))
def test_notebook_runs_and_writes_charts(name: str, executed: tuple[Path, dict[str, str | None]]) -> None:
    out, errors = executed
    assert errors[name] is None, f"{name} failed under papermill: {errors[name]}"
    for chart in EXPECTED_CHARTS[name]:
        for suffix in (".png", ".svg"):
            f = out / name / f"{chart}{suffix}"
            assert f.exists() and f.stat().st_size > 1000, f"{name}: expected the chart {f.name}"
    summary = json.loads((out / name / f"{name}.json").read_text())
    assert summary["notebook"] == name
    assert summary["takeaway"] and "\n" not in summary["takeaway"], f"{name}: expected a one-line takeaway"
    assert {Path(c).stem for c in summary["charts"]} == set(EXPECTED_CHARTS[name]), f"{name}: the JSON should list its charts"


def test_wrong_parameter_type_names_the_parameter(tmp_path: Path) -> None:
    name, error = _run("03-express-vs-standard", tmp_path, {"transitions_max": "forty"})
    assert error is not None and "InputError" in error and "transitions_max" in error, \
        f"expected an InputError naming transitions_max, got {error}"
