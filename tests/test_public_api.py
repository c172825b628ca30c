"""The public API: ``import orchsim`` is cheap and side-effect free; the analytic layer works without SimPy."""

from __future__ import annotations

import subprocess
import sys

import orchsim

# A fresh interpreter in which `import simpy` fails, as on a machine without SimPy.
_NO_SIMPY = "import sys; sys.modules['simpy'] = None\n"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_every_public_name_resolves() -> None:
    missing = [n for n in orchsim.__all__ if not hasattr(orchsim, n)]
    assert not missing, f"expected every name in orchsim.__all__ to resolve, missing {missing}"


def test_import_loads_no_engine_and_no_notebook_package() -> None:
    proc = _python(
        "import sys, orchsim\n"
        "heavy = [m for m in ('simpy', 'matplotlib', 'papermill', 'nbformat', 'ipywidgets', 'pandas') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]", f"expected `import orchsim` to load none of the heavy packages, got {proc.stdout}"


def test_analytic_engine_runs_without_simpy() -> None:
    proc = _python(
        _NO_SIMPY
        + "import orchsim\n"
        "df = orchsim.estimate(orchsim.load_scenario('seed-article'))\n"
        "print(round(float(df['cost_total_usd'].sum()), 2), 'simpy' in sys.modules and sys.modules['simpy'] is not None)\n"
    )
    assert proc.returncode == 0, f"expected the analytic engine to run with SimPy absent, got {proc.stderr[-500:]}"
    total, simpy_loaded = proc.stdout.split()
    assert float(total) > 0 and simpy_loaded == "False", f"expected a positive total and SimPy unused, got {proc.stdout}"


def test_simulation_says_simpy_is_needed() -> None:
    proc = _python(_NO_SIMPY + "import orchsim\norchsim.simulate\n")
    assert proc.returncode != 0 and "simpy" in proc.stderr.lower(), "expected a clear import error naming simpy"
