"""Hardening of the runners: a killed sweep worker, the report's output folder and interrupts,
degenerate runs, pattern choice, user text in charts and the Python API's parameter checks."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, check_one_error_line, cli

from orchsim.errors import InputError
from orchsim.model.scenario import load_scenario

POISON_SEED = 7
"""The grid point whose worker process kills itself in the killed-worker test."""


def killing_task(scenario: Any, patterns: Any, replication: int, prices: Any) -> list[dict[str, Any]]:
    """Stands in for the sweep's task: kills its own worker process (as the OOM killer would) on one point."""
    from orchsim.study import sweep as sweep_module

    if scenario.seed == POISON_SEED:
        os.kill(os.getpid(), signal.SIGKILL)
    return sweep_module._simulate_task(scenario, patterns, replication, prices)


def _tiny() -> Any:
    return load_scenario("seed-article").with_overrides({"window_hours": 0.02, "workload.docs_per_day": 20000})


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_worker_fails_only_its_own_point(monkeypatch: pytest.MonkeyPatch) -> None:
    from orchsim.study import sweep as sweep_module

    monkeypatch.setattr(sweep_module, "_simulate_task", killing_task)
    seeds = list(range(1, 14))
    df = sweep_module.sweep(_tiny(), {"seed": seeds}, patterns=["sfn-standard"], engine="simulate", workers=2,
                            cache=False, progress=False)
    assert len(df) == 13, f"expected one row per point, got {len(df)}"
    bad = df[df["error"].notna()]
    poison_point = seeds.index(POISON_SEED)
    assert bad["point"].tolist() == [poison_point], f"expected only point {poison_point} to fail, got errors:\n{bad[['point', 'error']]}"
    assert "worker process died" in bad["error"].iloc[0], f"expected the error to say the worker died, got {bad['error'].iloc[0]!r}"
    good = df[df["error"].isna()]
    assert (good["cost_total_usd"] > 0).all(), "expected the other points to be simulated and priced"


# 2. the report builds in a fresh folder and moves into place; Ctrl-C writes nothing


def test_staged_builds_never_mix(tmp_path: Path) -> None:
    from orchsim.report.staging import staged_folder

    target = tmp_path / "site"
    target.mkdir()
    (target / "index.html").write_text("old report")
    (target / "mine.txt").write_text("a file of the user's")
    with staged_folder(target) as first:
        assert not (target / "index.html").exists(), "expected the old index removed as soon as a build starts"
        (first / "takeaway.txt").write_text("first")
        with staged_folder(target) as second:  # a second report at the same time, finishing first
            assert second != first, "expected each build in its own folder"
            (second / "takeaway.txt").write_text("second")
            (second / "index.html").write_text("second index")
        assert (target / "takeaway.txt").read_text() == "second", "expected the finished build in place"
        (first / "index.html").write_text("first index")
    assert (target / "takeaway.txt").read_text() == "first" and (target / "index.html").read_text() == "first index", (
        "expected the last build to finish to be the one in place, whole"
    )
    assert (target / "mine.txt").exists(), "expected other files in the folder kept"
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "expected no build folder left"


def test_report_interrupted_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchsim.report import runner

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_report", interrupted)  # while the notebooks run in their children
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("an older report")
    result = cli("report", "--quick", "--out", str(out))
    assert result.exit_code == 130, f"expected exit status 130 on Ctrl-C, got {result.exit_code}: {result.stderr!r}"
    assert "Traceback" not in result.stderr, f"expected no traceback, got {result.stderr!r}"
    assert "interrupted while" in result.stderr and "no report was written" in result.stderr, (
        f"expected the message to say what was interrupted and that no report was written, got {result.stderr!r}"
    )
    assert not (out / "index.html").exists(), "expected no index left that looks current"
    assert [p.name for p in tmp_path.iterdir() if "orchsim-build" in p.name] == [], "expected the build folder removed"


# 3. --out naming a file, a path under a file, or /dev/null


@pytest.mark.parametrize("command", ["report", "compare"])
@pytest.mark.parametrize("kind", ["file", "under-file", "dev-null"])
def test_out_must_be_a_folder(tmp_path: Path, command: str, kind: str) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x")
    out = {"file": str(afile), "under-file": str(afile / "sub"), "dev-null": os.devnull}[kind]
    check_one_error_line(cli(command, "--out", out), "--out", r"give a folder path", case=f"{command} {kind}")


# 4. a run in which no document arrives


@pytest.mark.parametrize("override", [["--window-hours", "1e-9"]])
def test_simulate_without_documents(override: list[str]) -> None:
    result = cli("simulate", "seed-article", *override)
    assert result.exit_code == 0, f"expected exit 0, got {result.exit_code}: {result.stderr!r}"
    assert "no documents arrived" in result.stdout, f"expected the table to say no documents arrived, got:\n{result.stdout}"
    assert "nan" not in result.stdout.lower(), f"expected no nan in the table, got:\n{result.stdout}"
    as_json = cli("simulate", "seed-article", *override, "--json")
    assert as_json.exit_code == 0 and '"cost_per_1000_docs_usd": null' in as_json.stdout, "expected JSON to keep null"


def test_simulate_one_document_a_day_for_an_hour(tmp_path: Path) -> None:
    text = (REPO / "data/scenarios/seed-article.yaml").read_text()
    import yaml

    data = yaml.safe_load(text)
    data["workload"]["docs_per_day"] = 1
    data["window_hours"] = 1
    path = tmp_path / "one.yaml"
    path.write_text(yaml.safe_dump(data))
    result = cli("simulate", str(path), "--pattern", "sfn-standard", "--seed", "3")
    assert result.exit_code == 0, f"expected exit 0, got {result.exit_code}: {result.stderr!r}"


# 5. crossover needs two different patterns


@pytest.mark.parametrize("patterns", [["sfn-standard"], ["sfn-standard", "sfn-standard"]])
def test_crossover_needs_two_patterns(patterns: list[str]) -> None:
    args = [a for p in patterns for a in ("--patterns", p)]
    result = cli("crossover", str(REPO / "data/scenarios/seed-article.yaml"), "--vary", "pipeline.steps",
                 "--from", "1", "--to", "20", *args)
    check_one_error_line(result, "--patterns", r"two different patterns", case=" ".join(patterns))


# 6. user text in charts is never mathtext


@pytest.mark.parametrize("name", ["a_$x^$", "cost $5 vs $10"])
def test_chart_text_is_plain(tmp_path: Path, name: str) -> None:
    from orchsim.charts.cost import comparison_chart
    from orchsim.charts.style import plain_text
    from orchsim.study.compare import compare

    sc = load_scenario("seed-article").with_overrides({"name": name})
    paths = comparison_chart(compare(sc), sc, tmp_path)
    svg = next(p for p in paths if p.suffix == ".svg").read_text()
    assert name in svg, f"expected the scenario name {name!r} shown literally in the chart"
    assert plain_text(plain_text(name)) == plain_text(name), "expected plain_text to be idempotent"


# 7. the Python API names the bad parameter


def test_api_parameters_raise_input_error(tmp_path: Path) -> None:
    from orchsim.sim.run import simulate
    from orchsim.study.sweep import sweep

    sc = _tiny()
    grid = {"pipeline.steps": [2, 3]}
    binary = tmp_path / "prices.yaml"
    binary.write_bytes(bytes(range(256)))
    cases: list[tuple[str, Any]] = [
        ("cache", lambda: sweep(sc, grid, cache="/etc/hostname", engine="simulate", progress=False)),
        ("cache", lambda: sweep(sc, grid, cache=os.devnull, progress=False)),
        ("workers", lambda: sweep(sc, grid, workers=-1, engine="simulate", cache=False, progress=False)),
        ("workers", lambda: sweep(sc, grid, workers=0, engine="simulate", cache=False, progress=False)),
        ("replication", lambda: simulate(sc, "sfn-standard", replication=-1)),
        ("replication", lambda: simulate(sc, "sfn-standard", replication=1.5)),  # type: ignore[arg-type]
        ("prices", lambda: sweep(sc, grid, prices=str(binary), progress=False)),
    ]
    for field, call in cases:
        with pytest.raises(InputError) as info:
            call()
        assert info.value.field == field, f"expected the error to name {field!r}, got {info.value}"


# 8. no CI from one replication


def test_one_replication_has_no_ci() -> None:
    from orchsim.study.compare import agreement_table, describe_agreement, simulated_check

    base = load_scenario("seed-article")
    sim = simulated_check(base, [10_000.0], patterns=["sfn-standard", "sfn-express"], docs_per_run=50, replications=1)
    check = agreement_table(base, sim)
    assert check["within_ci"].isna().all(), f"expected no CI verdict from one replication, got {check['within_ci'].tolist()}"
    text = describe_agreement(check)
    assert "CI not available" in text and "0 of" not in text, f"expected 'CI not available', got {text!r}"
    two = agreement_table(base, simulated_check(base, [10_000.0], patterns=["sfn-standard"], docs_per_run=50, replications=2))
    assert two["within_ci"].notna().all(), "expected a CI verdict from two replications"
    assert " of 1 simulated costs" in describe_agreement(two), f"expected a count, got {describe_agreement(two)!r}"


def test_library_out_dir_raises_input_error() -> None:
    from orchsim.report.runner import run_report

    with pytest.raises(InputError) as info:
        run_report(os.devnull)
    assert info.value.field == "out_dir", f"expected the error to name out_dir, got {info.value}"


def _marked(mark: str) -> list[str]:
    """Command lines of the live processes whose environment carries ``mark``."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                if mark.encode() not in fh.read():
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                found.append(fh.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists() or not hasattr(os, "killpg"), reason="needs /proc and process groups")
def test_ctrl_c_during_the_notebooks_stops_them_at_once(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time
    import uuid

    mark = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, "-m", "orchsim.cli", "report", "--quick", "--out", str(tmp_path / "site")],
                            cwd=REPO, env={**os.environ, "ORCHSIM_TEST_MARK": mark}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        # Interrupt once the notebooks' worker processes are up (the parent plus at least one child).
        while time.monotonic() < deadline and len(_marked(mark)) < 2:
            assert proc.poll() is None, f"the report ended before its notebooks started: {proc.communicate()}"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole foreground group
        _, err = proc.communicate(timeout=20)  # before: about 25 s, waiting for the running notebooks
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, f"expected exit status 130, got {proc.returncode}: {err!r}"
    lines = err.strip().splitlines()
    assert "Traceback" not in err and len(lines) == 1, f"expected one line saying what was interrupted, got {err!r}"
    assert lines[0].startswith("orchsim: interrupted while ") and lines[0].endswith(f"; no report was written to {tmp_path / 'site'}"), lines[0]
    deadline = time.monotonic() + 10
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _marked(mark) == [], f"expected no notebook process left running, found {_marked(mark)}"
    assert not (tmp_path / "site" / "index.html").exists(), "expected no index"
