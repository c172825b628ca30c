"""`orchsim report`: the comparison first, then every notebook as an HTML page without code, an
index linking them with their takeaways; bad parameter files fail fast with one line and exit 2;
a notebook failing at run time fails the report, naming it.

The full report runs once per test run (the shared toy-size :func:`conftest.quick_report`);
the failure paths run in this process, before or instead of any notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import QuickReport, check_one_error_line, cli
from markupsafe import escape

from orchsim.report.params import notebook_names
from orchsim.resources import notebook_dir
from orchsim.version import package_version


def _ok(report: QuickReport) -> Path:
    assert report.returncode == 0, f"report failed (exit {report.returncode}): {report.stderr[-2000:]}"
    return report.site


def test_quick_report_writes_index_linking_every_notebook(quick_report: QuickReport) -> None:
    site = _ok(quick_report)
    assert quick_report.stdout.startswith("seed-article: 10,000 documents/day"), "the five-pattern comparison should be printed first"
    assert "cheapest:" in quick_report.stdout.split("running the notebooks")[0]
    assert (site / "cost-comparison.png").exists() and (site / "cost-comparison.svg").exists()
    index = (site / "index.html").read_text()
    assert f"orchsim {package_version()}," in index, f"the index should name the orchsim version {package_version()}"
    assert "<pre>seed-article: 10,000 documents/day" in index, "the index should show the comparison table"
    pages = sorted(set(re.findall(r"href='([^']+\.html)'", index)))
    assert pages == [f"{n}.html" for n in notebook_names()], f"index should link the 5 notebook pages, got {pages}"
    for name in notebook_names():
        takeaway = json.loads((site / name / f"{name}.json").read_text())["takeaway"]
        assert takeaway and str(escape(takeaway)) in index, f"index should show {name}'s takeaway"
        assert f"{name}/" in index and ".svg" in index, f"index should link {name}'s charts"
        for link in re.findall(rf'href="({re.escape(name)}/[^"]+)"', index):
            assert (site / link).exists(), f"the index links {link}, which the report did not write"


def test_html_pages_have_no_code(quick_report: QuickReport) -> None:
    site = _ok(quick_report)
    for name in notebook_names():
        page = (site / f"{name}.html").read_text()
        code_cells = re.findall(r'class="jp-Cell jp-CodeCell[^"]*"', page)
        assert code_cells and all("jp-mod-noInput" in c for c in code_cells), f"{name}.html shows the input of code cells"
        assert 'class="jp-InputPrompt' not in page and 'class="highlight' not in page, f"{name}.html shows prompts or source"
        assert "check_params(" not in page and "import " not in page, f"{name}.html leaks source code"
        assert "<img" in page, f"{name}.html should show its charts"


def test_params_file_overrides_reach_the_notebook(quick_report: QuickReport) -> None:
    site = _ok(quick_report)
    executed = json.loads((site / "03-express-vs-standard.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    source = "".join(injected[0]["source"])
    assert "transitions_max = 12" in source and "quick = True" in source, f"expected the params file's values injected: {source}"


BAD_PARAMS = {
    "missing": (None, "cannot read"),
    "malformed": ("02-cost-crossover: {replications: 3\n", "not valid YAML at line"),
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
    """Checked before anything runs: in this process, no notebook executed, nothing written."""
    text, expected = BAD_PARAMS[case]
    path = tmp_path / "params.yaml"
    if text is not None:
        path.write_text(text)
    result = cli("report", "--quick", "--out", str(tmp_path / "site"), "--params", str(path))
    check_one_error_line(result, "--params", re.escape(expected), case=case)
    assert not (tmp_path / "site").exists(), f"{case}: nothing should be written"


def _one_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra_cell: str | None = None) -> None:
    """A notebook folder holding only 03-express-vs-standard (plus ``extra_cell`` as its first cell:
    the kernel fails before the notebook's imports, which take seconds and change nothing checked)."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nb = json.loads((notebook_dir() / "03-express-vs-standard.ipynb").read_text())
    if extra_cell is not None:
        nb["cells"].insert(0, {"cell_type": "code", "execution_count": None, "id": "boom", "metadata": {}, "outputs": [],
                                "source": extra_cell})
    (notebooks / "03-express-vs-standard.ipynb").write_text(json.dumps(nb))
    monkeypatch.setenv("ORCHSIM_NOTEBOOK_DIR", str(notebooks))


def test_notebook_failing_at_run_time_fails_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _one_notebook(tmp_path, monkeypatch, "raise ZeroDivisionError('the model divided by zero')")
    result = cli("report", "--quick", "--out", str(tmp_path / "site"))
    assert result.exit_code == 1, f"expected exit 1, got {result.exit_code}: {result.stderr}"
    assert "notebook 03-express-vs-standard failed: ZeroDivisionError: the model divided by zero" in result.stderr, \
        f"the error should name the notebook and the error: {result.stderr!r}"
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "index.html").exists(), "a failed report must not leave an index behind"


def test_bad_parameter_value_inside_notebook_is_an_input_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _one_notebook(tmp_path, monkeypatch)
    params = tmp_path / "params.yaml"
    params.write_text("03-express-vs-standard:\n  scenario: no-such-scenario\n")
    result = cli("report", "--quick", "--out", str(tmp_path / "site"), "--params", str(params))
    assert result.exit_code == 2, f"expected exit 2, got {result.exit_code}: {result.stderr}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orchsim: error: "), f"expected one error line, got {result.stderr!r}"
    assert "notebook 03-express-vs-standard" in lines[0] and "no-such-scenario" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "site" / "index.html").exists(), "a failed report must not leave an index behind"


def test_report_follows_its_scenario_and_says_what_made_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--params` with `all: {scenario: ai-document-pipeline}`: the headline comparison, its chart and
    the notebooks' takeaways use that scenario, and the index lists the scenario, the parameters, the
    price book and the orchsim version (before: seed-article's $77.85 under any --params)."""
    _one_notebook(tmp_path, monkeypatch)
    params = tmp_path / "params.yaml"
    params.write_text("all:\n  scenario: ai-document-pipeline\n")
    result = cli("report", "--quick", "--out", str(tmp_path / "site"), "--params", str(params))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ai-document-pipeline: 50,000 documents/day"), result.stdout[:200]
    assert "77.85" not in result.stdout, "expected no seed-article figure in the headline"
    index = (tmp_path / "site" / "index.html").read_text()
    assert "<pre>ai-document-pipeline: 50,000 documents/day" in index, "expected the index headline for the chosen scenario"
    for label, needle in (("scenario", "ai-document-pipeline (ai-document-pipeline): 50,000 documents/day, 5 steps"),
                          ("parameters", "03-express-vs-standard: scenario=&#39;ai-document-pipeline&#39;"),
                          ("price book", "price book as of"), ("orchsim", package_version())):
        assert re.search(rf"<dt>{label}</dt><dd>[^<]*{re.escape(needle)}", index), f"expected {label!r} with {needle!r} in the index"
    summary = json.loads((tmp_path / "site" / "03-express-vs-standard" / "03-express-vs-standard.json").read_text())
    assert "ai-document-pipeline" in summary["takeaway"], f"expected the takeaway to name the scenario: {summary['takeaway']}"
