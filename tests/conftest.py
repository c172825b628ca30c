"""Helpers shared by the test files: the repository root, the ``orchsim`` command line run in process
(fast; most CLI tests) or as a real subprocess (the few smoke tests of the installed entry point), and
the one check of the CLI's error contract.

Import them with ``from conftest import REPO, cli, check_one_error_line, run_orchsim``.

The CLI's error contract (orchsim/cli.py, STYLE.md practice 3): bad input exits with status 2 and
prints exactly one line on stderr, ``orchsim: error: ...``, naming the option or field and what it
accepts; no traceback and nothing on stdout.
"""

from __future__ import annotations

import os

# The charts no longer choose a backend on import; tests draw off screen. Set before anything
# imports matplotlib (this file is imported before any test module).
os.environ.setdefault("MPLBACKEND", "Agg")

# nbformat (imported by the notebook tests and the in-process report) imports jsonschema, which
# imports its optional IRI checker rfc3987-syntax when installed: about 3 s of grammar compiling in
# every test worker, for a format no notebook uses. The report's own processes skip it the same
# way (orchsim.report.runner.skip_slow_iri_checker).
import sys  # noqa: E402

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
from collections.abc import Iterable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Protocol  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

__all__ = ["REPO", "CliResult", "check_one_error_line", "cli", "run_orchsim"]

REPO = Path(__file__).resolve().parents[1]
"""The repository root, absolute. Build every test path from it (or from ``orchsim.resources``)."""

SUBPROCESS_TIMEOUT_S = 300


def edited_price_book(folder: Path, name: str, **edits: Any) -> Path:
    """A copy of the shipped price book with ``edits`` applied, written to ``folder / name``.

    Parameters
    ----------
    folder
        Where to write it.
    name
        File name.
    **edits
        Slash-separated paths to new values, e.g. ``{"lambda/duration_rounding_ms": 1000}``.

    Returns
    -------
    Path
        The file.
    """
    import copy

    from orchsim.aws.pricebook import default_prices_path

    data = copy.deepcopy(yaml.safe_load(default_prices_path().read_text()))
    for dotted, value in edits.items():
        node = data
        *parents, last = dotted.split("/")
        for key in parents:
            node = node[key]
        node[last] = value
    path = folder / name
    path.write_text(yaml.safe_dump(data))
    return path


def run_orchsim(
    *args: str, env: dict[str, str] | None = None, cwd: Path | str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m orchsim.cli *args`` as a real subprocess (for smoke tests only: about 1 s each).

    Parameters
    ----------
    *args
        The command line after ``orchsim``.
    env
        Variables added to (overriding) the current environment.
    cwd
        Working directory; default the repository root.

    Returns
    -------
    subprocess.CompletedProcess[str]
        With ``returncode``, ``stdout`` and ``stderr`` as text; never raises on a non-zero status.
    """
    return subprocess.run(
        [sys.executable, "-m", "orchsim.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO if cwd is None else cwd,
        env={**os.environ, **(env or {})},
        timeout=SUBPROCESS_TIMEOUT_S,
        check=False,
    )


@dataclass(frozen=True)
class CliResult:
    """What an in-process ``orchsim`` run printed and its exit status (``returncode`` is an alias)."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def returncode(self) -> int:
        """The exit status, named as on :class:`subprocess.CompletedProcess`."""
        return self.exit_code


def cli(*args: str) -> CliResult:
    """Run ``orchsim *args`` in this process through :func:`orchsim.cli.main`, capturing its output.

    ``main()`` is the console script's entry point, so input errors take the same path as in a real
    process (one ``orchsim: error:`` line, exit status 2). An exception that ``main()`` lets through
    is not caught: the test fails with its traceback.

    Returns
    -------
    CliResult
        The exit status (0 when ``main()`` returns normally) and the captured stdout and stderr.
    """
    from orchsim.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:  # sys.exit("message"): printed on stderr with status 1, as Python does
                print(exc.code, file=sys.stderr)
                code = 1
    return CliResult(code, out.getvalue(), err.getvalue())


class _Ran(Protocol):
    stdout: str
    stderr: str


def _exit_status(result: object) -> int:
    for name in ("returncode", "exit_code"):
        value = getattr(result, name, None)
        if isinstance(value, int):
            return value
    raise TypeError(f"expected a result with returncode or exit_code, got {type(result).__name__}")


def check_one_error_line(
    result: _Ran, option: str | Iterable[str], accepted_regex: str, *, case: str = ""
) -> str:
    """Assert the CLI's error contract on ``result`` and return the error line.

    Parameters
    ----------
    result
        A :class:`CliResult` from :func:`cli`, a :class:`subprocess.CompletedProcess` from
        :func:`run_orchsim`, or anything with ``stdout``, ``stderr`` and ``returncode``/``exit_code``.
    option
        The option or field path the line must name (``"--memory-mb"``, ``"workload.docs_per_day"``);
        several alternatives may be given, any one of which is enough.
    accepted_regex
        A regular expression (``re.search``) for what the line says is accepted.
    case
        A label prefixed to the assertion messages (e.g. the parametrised case's id).

    Returns
    -------
    str
        The single ``orchsim: error:`` line.
    """
    where = f"{case}: " if case else ""
    code = _exit_status(result)
    assert code == 2, f"{where}expected exit status 2, got {code}; stderr {result.stderr!r}"
    assert "Traceback" not in result.stderr + result.stdout, f"{where}expected no traceback, got:\n{result.stderr}"
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"{where}expected exactly one line on stderr, got {len(lines)}: {result.stderr!r}"
    line = lines[0]
    assert line.startswith("orchsim: error:"), f"{where}expected the line to start with 'orchsim: error:', got {line!r}"
    names = [option] if isinstance(option, str) else list(option)
    assert any(n in line for n in names), f"{where}expected the line to name {' or '.join(map(repr, names))}, got {line!r}"
    assert re.search(accepted_regex, line), (
        f"{where}expected the line to state what is accepted ({accepted_regex!r}), got {line!r}"
    )
    assert result.stdout == "", f"{where}expected nothing on stdout, got {result.stdout!r}"
    return line


# the smallest sizes that still exercise every step (on top of `quick`)
TOY: dict[str, dict[str, Any]] = {
    "all": {"quick": True},
    "01-scenario-explorer": {"interactive": False},
    "02-cost-crossover": {"volume_points": 4, "steps_max": 5, "sim_volumes": [2000.0], "replications": 2},
    "03-express-vs-standard": {"transitions_max": 12},  # also shows that a params file reaches its notebook
    "04-failures-and-retries": {"max_attempts": [0, 2]},
    "05-seed-article-check": {"steps_max": 6},
    "06-your-workflow": {"scenario": "workflow-contract-review"},  # small, and Express cannot run it
    "07-model-quotas": {"volumes": [130000.0], "quota_scales": [1.0]},  # one volume past the quota
    "08-calibrate-from-logs": {"functions": ["sample-pipeline-summarise"]},  # one panel: the function that timed out
    "09-durable-functions": {"steps_max": 4, "result_kbs": [1.0, 32.0]},
}


@dataclass(frozen=True)
class QuickReport:
    """The shared toy-size report: its folder and what ``orchsim report`` printed and returned."""

    site: Path
    returncode: int
    stdout: str
    stderr: str


def _shared_folder(factory: pytest.TempPathFactory) -> Path:
    """One folder per test run: shared by the xdist workers (their base temp folders' parent)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    base = factory.getbasetemp()
    return base.parent / f"orchsim-quick-report-{run}" if run else base / "orchsim-quick-report"


_NEEDS_REPORT = False  # set at collection when a test of this session uses quick_report
_BUILDER: list[threading.Thread] = []  # this process's background build of the shared report, if any


@pytest.hookimpl(trylast=True)  # after pytest-randomly's shuffle: the same order on every xdist worker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Note whether the session needs the shared toy report, and run the tests that read it last (in
    their shuffled order): the report builds in the background from the session's start, so a worker
    that reached one of them early would sit idle until it is done (61 s and 24 s on the two workers
    before this order)."""
    global _NEEDS_REPORT
    needs = ["quick_report" in getattr(item, "fixturenames", ()) for item in items]
    _NEEDS_REPORT = any(needs)
    items[:] = [item for item, n in zip(items, needs, strict=True) if not n] + [item for item, n in zip(items, needs, strict=True) if n]


def _build_report(folder: Path) -> None:
    """Run the toy report as a real ``orchsim report`` process and record its result."""
    params = folder / "toy.yaml"
    params.write_text(yaml.safe_dump(TOY, sort_keys=False))
    proc = subprocess.run([sys.executable, "-m", "orchsim.cli", "report", "--quick", "--out", str(folder / "site"),
                           "--params", str(params)], capture_output=True, text=True, cwd=REPO,
                          timeout=SUBPROCESS_TIMEOUT_S * 4, check=False)
    record = folder / "result.json"
    tmp = folder / "result.json.tmp"
    tmp.write_text(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}))
    tmp.replace(record)


@pytest.fixture(scope="session", autouse=True)
def _quick_report_in_background(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Start the shared toy report at the start of a session that needs it, in a child process of
    the first worker to get the build lock, while the workers run other tests (a worker waits only
    when it reaches a test that needs the report before it is done)."""
    if not _NEEDS_REPORT:
        yield
        return
    from filelock import FileLock, Timeout

    folder = _shared_folder(tmp_path_factory)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / "build.lock"), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield  # another worker builds it
        return
    if (folder / "result.json").exists():
        lock.release()
        yield
        return

    def build() -> None:
        try:
            _build_report(folder)
        finally:
            lock.release()

    thread = threading.Thread(target=build, name="quick-report", daemon=True)
    _BUILDER.append(thread)
    thread.start()
    yield
    thread.join()


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> QuickReport:
    """``orchsim report --quick --params toy.yaml``, run once per test run as a real process, started
    in the background at the session's start (:func:`_quick_report_in_background`); under
    pytest-xdist the workers share it through a file lock, in a folder of the run."""
    from filelock import FileLock

    folder = _shared_folder(tmp_path_factory)
    folder.mkdir(parents=True, exist_ok=True)
    record = folder / "result.json"
    if _BUILDER:  # this process builds it in the background: wait for that thread, not on the lock
        _BUILDER[0].join()
    else:
        with FileLock(str(folder / "build.lock"), thread_local=False):
            if not record.exists():
                _build_report(folder)
    data = json.loads(record.read_text())
    return QuickReport(folder / "site", data["returncode"], data["stdout"], data["stderr"])
