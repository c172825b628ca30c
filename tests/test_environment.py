"""environment.yml (conda) and pyproject.toml (pip) declare the same runtime dependencies."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml
from conftest import REPO

PYPROJECT: dict[str, Any] = tomllib.loads((REPO / "pyproject.toml").read_text())
ENVIRONMENT: dict[str, Any] = yaml.safe_load((REPO / "environment.yml").read_text())

_SPEC = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*?)\s*$")
NOT_PACKAGES = {"python", "pip"}


def normalise_name(name: str) -> str:
    """PEP 503-style: lowercase, runs of ``-``, ``_`` and ``.`` are equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(spec: str) -> tuple[str, str]:
    """``"numpy >= 1.24, <3"`` -> ``("numpy", ">=1.24,<3")`` (whitespace dropped, clauses sorted)."""
    m = _SPEC.match(spec.split(";")[0])
    assert m, f"expected a 'name[specifier]' requirement, got {spec!r}"
    clauses = sorted(c.replace(" ", "") for c in m.group(2).split(",") if c.strip())
    return normalise_name(m.group(1)), ",".join(clauses)


CONDA_EXTRAS = ("notebooks",)
"""environment.yml is for working in JupyterLab: the core dependencies plus these extras."""


def pyproject_deps() -> dict[str, str]:
    project = PYPROJECT["project"]
    specs = list(project["dependencies"])
    for extra in CONDA_EXTRAS:
        specs += project["optional-dependencies"][extra]
    return dict(parse(s) for s in specs)


def conda_deps() -> dict[str, str]:
    out = {}
    for entry in ENVIRONMENT["dependencies"]:
        if isinstance(entry, dict):  # the nested `pip:` list installs the package itself
            continue
        name, spec = parse(str(entry))
        if name not in NOT_PACKAGES:
            out[name] = spec
    return out


def test_parse_normalises() -> None:
    assert parse("Py_YAML >= 6.0") == ("py-yaml", ">=6.0"), "expected lowercase name, '-'/'_' equal, no spaces"
    assert parse("numpy<3, >=1.24") == ("numpy", "<3,>=1.24"), "expected sorted specifier clauses"


def test_same_dependency_names() -> None:
    pip, conda = set(pyproject_deps()), set(conda_deps())
    assert pip, "expected pyproject.toml to list runtime dependencies"
    assert pip == conda, (
        f"expected the same runtime dependencies; only in pyproject.toml: {sorted(pip - conda)}, "
        f"only in environment.yml: {sorted(conda - pip)}"
    )


def test_same_version_specifiers() -> None:
    pip, conda = pyproject_deps(), conda_deps()
    differ = {n: (pip[n], conda[n]) for n in pip.keys() & conda.keys() if pip[n] != conda[n]}
    assert not differ, f"expected equal version specifiers (pyproject, environment.yml): {differ}"
    unpinned = sorted(n for n, spec in pip.items() if not spec)
    assert not unpinned, f"expected every runtime dependency to state a minimum version, got none for {unpinned}"


def test_python_version_agrees() -> None:
    conda_python = [str(e) for e in ENVIRONMENT["dependencies"] if isinstance(e, str) and parse(e)[0] == "python"]
    assert conda_python, "expected environment.yml to pin python"
    assert parse(conda_python[0])[1] == PYPROJECT["project"]["requires-python"].replace(" ", ""), (
        f"expected environment.yml's {conda_python[0]!r} to match requires-python "
        f"{PYPROJECT['project']['requires-python']!r}"
    )


def test_pip_section_installs_the_package() -> None:
    deps = ENVIRONMENT["dependencies"]
    assert "pip" in deps, "expected pip itself listed so the pip: section works"
    pip_sections = [e["pip"] for e in deps if isinstance(e, dict) and "pip" in e]
    assert len(pip_sections) == 1, f"expected exactly one pip: section, got {pip_sections}"
    lines = [re.sub(r"\s+", " ", str(x)).strip() for x in pip_sections[0]]
    assert "-e ." in lines or "." in lines, f"expected the pip: section to install the package ('-e .' or '.'), got {lines}"


def test_conda_forge_channel() -> None:
    assert "conda-forge" in ENVIRONMENT.get("channels", []), "expected the conda-forge channel"


def test_test_extra() -> None:
    extra = PYPROJECT["project"]["optional-dependencies"]["test"]
    names = {parse(s)[0] for s in extra}
    want = {"pytest", "hypothesis", "pytest-xdist", "pytest-randomly"}
    assert want <= names, f"expected the test extra to contain {sorted(want)}, got {sorted(names)}"


def test_core_has_no_notebook_packages() -> None:
    core = {parse(s)[0] for s in PYPROJECT["project"]["dependencies"]}
    notebook = {"jupyterlab", "ipykernel", "ipywidgets", "papermill", "nbconvert", "nbformat"}
    assert not core & notebook, f"expected the notebook packages only in the notebooks extra, found in core: {sorted(core & notebook)}"


def test_pytest_configuration() -> None:
    """Doctests are collected, no cache folder is written, and the header shows pytest-randomly's seed."""
    ini = PYPROJECT["tool"]["pytest"]["ini_options"]
    addopts = ini["addopts"].split()
    assert "--doctest-modules" in addopts, f"expected --doctest-modules in addopts, got {addopts}"
    assert "-p no:cacheprovider" in " ".join(addopts), (
        f"expected '-p no:cacheprovider' in addopts (no .pytest_cache/), got {addopts}"
    )
    assert "-q" not in addopts, f"expected no -q in addopts: it hides the header with pytest-randomly's seed, got {addopts}"
    assert set(ini["testpaths"]) == {"tests", "orchsim"}, f"expected testpaths tests and orchsim, got {ini['testpaths']}"
