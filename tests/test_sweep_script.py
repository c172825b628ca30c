"""A sweep run as a plain script: a missing ``if __name__ == "__main__":`` guard is named before any
worker starts, and a sweep whose every point fails raises instead of returning only error rows.

Before: the README's ``sweep(...)`` example run as a script filled stderr with RuntimeError
tracebacks and returned 120 rows, all ``BrokenProcessPool``, with exit status 0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, load_scenario
from orchsim.study.sweep import sweep

BODY = """sc = orchsim.load_scenario("seed-article").with_overrides({"window_hours": 0.02})
df = orchsim.sweep(sc, {"workload.docs_per_day": [1e3, 1e4]}, engine="simulate", workers=2, cache=False, progress=False)
print("rows", len(df), "errors", int(df["error"].notna().sum()))
"""


def _run(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(text)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)


def test_a_script_without_the_guard_is_told_to_add_it(tmp_path: Path) -> None:
    res = _run(tmp_path, "import orchsim\n" + BODY)
    assert res.returncode != 0, "expected the script to fail"
    assert 'under `if __name__ == "__main__":`' in res.stderr and "InputError: workers" in res.stderr, res.stderr[-800:]
    assert "BrokenProcessPool" not in res.stderr and res.stderr.count("Traceback") == 1, "expected one error, no worker tracebacks"


def test_a_guarded_script_runs(tmp_path: Path) -> None:
    indented = "".join(f"    {line}\n" for line in BODY.splitlines())
    res = _run(tmp_path, f"import orchsim\n\nif __name__ == \"__main__\":\n{indented}")
    assert res.returncode == 0 and f"rows {2 * len(PATTERNS)} errors 0" in res.stdout, res.stderr[-800:]


def test_every_point_failing_raises() -> None:
    base = load_scenario("seed-article")
    with pytest.raises(InputError, match="every point failed; the first: .*docs_per_day"):
        sweep(base, {"workload.docs_per_day": [-1.0, 0.0]}, progress=False)
    df = sweep(base, {"workload.docs_per_day": [-1.0, 100.0]}, progress=False)
    assert df["error"].notna().sum() == len(PATTERNS) and df["error"].isna().sum() == len(PATTERNS), "one bad point among good ones stays a row"
