"""`orchsim report`: the comparison first, then every notebook as an HTML page without code, an
index linking them with their takeaways; bad parameter files fail fast with one line and exit 2;
a notebook failing at run time fails the report, naming it."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchsim.report.runner import notebook_names
from orchsim.resources import notebook_dir

REPO = Path(__file__).resolve().parents[1]
ORCHSIM = [sys.executable, "-m", "orchsim.cli"]


def _orchsim(*args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*ORCHSIM, *args], capture_output=True, text=True, cwd=cwd, env={**os.environ, **(env or {})}, timeout=300)


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("report")
    params = out / "params.yaml"
    params.write_text("all:\n  quick: true\n03-express-vs-standard:\n  transitions_max: 12  # overrides one notebook\n")
    return out, _orchsim("report", "--quick", "--out", str(out / "site"), "--params", str(params))


def test_quick_report_writes_index_linking_every_notebook(quick_report: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = quick_report
    assert proc.returncode == 0, f"report failed (exit {proc.returncode}): {proc.stderr[-2000:]}"
    assert proc.stdout.startswith("seed-article: 10,000 documents/day"), "the four-pattern comparison should be printed first"
    assert "cheapest:" in proc.stdout.split("running the notebooks")[0]
    site = out / "site"
    assert (site / "cost-comparison.png").exists() and (site / "cost-comparison.svg").exists()
    index = (site / "index.html").read_text()
    pages = sorted(set(re.findall(r"href='([^']+\.html)'", index)))
    assert pages == [f"{n}.html" for n in notebook_names()], f"index should link the 5 notebook pages, got {pages}"
    for name in notebook_names():
        takeaway = json.loads((site / name / f"{name}.json").read_text())["takeaway"]
        assert takeaway and html.escape(takeaway) in index, f"index should show {name}'s takeaway"
        assert f"{name}/" in index and ".svg" in index, f"index should link {name}'s charts"


def test_html_pages_have_no_code(quick_report: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = quick_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in notebook_names():
        page = (out / "site" / f"{name}.html").read_text()
        code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', page)
        assert code_cells and all("jp-mod-noInput" in c for c in code_cells), f"{name}.html shows the input of code cells"
        assert 'class="jp-InputPrompt' not in page and 'class="highlight' not in page, f"{name}.html shows prompts or source"
        assert "check_params(" not in page and "import " not in page, f"{name}.html leaks source code"
        assert "<img" in page, f"{name}.html should show its charts"


def test_params_file_overrides_reach_the_notebook(quick_report: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, proc = quick_report
    assert proc.returncode == 0, proc.stderr[-2000:]
    executed = json.loads((out / "site" / "03-express-vs-standard.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    source = "".join(injected[0]["source"])
    assert "transitions_max = 12" in source and "quick = True" in source, f"expected the params file's values injected: {source}"


BAD_PARAMS = {
    "missing": (None, "cannot read"),
    "malformed": ("02-cost-crossover: {replications: 3\n", "YAML syntax error"),
    "not a mapping": ("- 01-scenario-explorer\n", "must be a mapping"),
    "unknown notebook": ("06-nope:\n  quick: true\n", "unknown notebook '06-nope'"),
    "unknown parameter": ("02-cost-crossover:\n  replicas: 3\n", "02-cost-crossover.replicas: no such parameter"),
    "unknown under all": ("all:\n  colour: red\n", "all.colour: no such parameter in any notebook"),
    "wrong type": ("04-failures-and-retries:\n  replications: three\n", "04-failures-and-retries.replications: must be an integer"),
    "wrong element type": ("02-cost-crossover:\n  sim_volumes: [1000, lots]\n", "02-cost-crossover.sim_volumes: must be a list of numbers"),
    "reserved": ("all:\n  output_dir: /tmp/x\n", "output_dir: is set by the report"),
}


@pytest.mark.parametrize("case", sorted(BAD_PARAMS))
def test_bad_params_file_one_line_exit_2(case: str, tmp_path: Path) -> None:
    text, expected = BAD_PARAMS[case]
    path = tmp_path / "params.yaml"
    if text is not None:
        path.write_text(text)
    proc = _orchsim("report", "--quick", "--out", str(tmp_path / "site"), "--params", str(path))
    assert proc.returncode == 2, f"{case}: expected exit 2, got {proc.returncode}: {proc.stderr}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orchsim: error: "), f"{case}: expected one error line, got {proc.stderr!r}"
    assert expected in lines[0], f"{case}: expected {expected!r} in {lines[0]!r}"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "site" / "index.html").exists(), f"{case}: nothing should be written"


def test_notebook_failing_at_run_time_fails_the_report(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = json.loads((notebook_dir() / "03-express-vs-standard.ipynb").read_text())
    nb["cells"].insert(-2, {"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {}, "outputs": [],
                            "source": "raise ZeroDivisionError('the model divided by zero')"})
    (notebooks / "03-express-vs-standard.ipynb").write_text(json.dumps(nb))
    proc = _orchsim("report", "--quick", "--out", str(tmp_path / "site"), env={"ORCHSIM_notebook_dir()": str(notebooks)})
    assert proc.returncode == 1, f"expected exit 1, got {proc.returncode}: {proc.stderr}"
    assert "notebook 03-express-vs-standard failed: ZeroDivisionError: the model divided by zero" in proc.stderr, \
        f"the error should name the notebook and the error: {proc.stderr!r}"
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "site" / "index.html").exists(), "a failed report must not leave an index behind"


def test_bad_parameter_value_inside_notebook_is_an_input_error(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    (notebooks / "03-express-vs-standard.ipynb").write_text((notebook_dir() / "03-express-vs-standard.ipynb").read_text())
    params = tmp_path / "params.yaml"
    params.write_text("03-express-vs-standard:\n  scenario: no-such-scenario\n")
    proc = _orchsim("report", "--quick", "--out", str(tmp_path / "site"), "--params", str(params), env={"ORCHSIM_notebook_dir()": str(notebooks)})
    assert proc.returncode == 2, f"expected exit 2, got {proc.returncode}: {proc.stderr}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "notebook 03-express-vs-standard" in lines[0] and "no-such-scenario" in lines[0], proc.stderr
