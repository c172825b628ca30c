"""Where the shipped price book, scenarios and notebooks are: inside the installed package.

The repository keeps ``data/`` and ``notebooks/`` at its top level; the build maps them into the
package as ``orchsim.data`` and ``orchsim.notebooks`` (``[tool.setuptools.package-dir]`` in
``pyproject.toml``), so a wheel, an editable install and a source checkout all find them here.
``ORCHSIM_DATA_DIR`` and ``ORCHSIM_NOTEBOOK_DIR`` override the locations. The folders are found
with :func:`importlib.util.find_spec` (they are namespace packages, with no ``__init__.py``).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

__all__ = ["data_dir", "notebook_dir", "scenario_path", "workflow_path"]

_REPO = Path(__file__).resolve().parents[1]


def _located(package: str, env: str, checkout: Path) -> Path:
    override = os.environ.get(env)
    if override:
        return Path(override)
    try:  # ``orchsim.data`` has no __init__.py: a namespace package, found by its search locations
        spec = importlib.util.find_spec(package)
    except ModuleNotFoundError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(location).is_dir():
            return Path(location)
    return checkout  # a source tree on sys.path without an install


def data_dir() -> Path:
    """The folder holding ``pricing/aws-prices.yaml`` and ``scenarios/*.yaml``.

    Returns
    -------
    Path
        ``ORCHSIM_DATA_DIR`` if set, else the package's ``orchsim.data`` folder.
    """
    return _located("orchsim.data", "ORCHSIM_DATA_DIR", _REPO / "data")


def notebook_dir() -> Path:
    """The folder holding the report's notebooks (``NN-name.ipynb``).

    Returns
    -------
    Path
        ``ORCHSIM_NOTEBOOK_DIR`` if set, else the package's ``orchsim.notebooks`` folder.
    """
    return _located("orchsim.notebooks", "ORCHSIM_NOTEBOOK_DIR", _REPO / "notebooks")


def scenario_path(name: str) -> Path:
    """The shipped scenario file ``name`` (``seed-article`` or ``seed-article.yaml``).

    Parameters
    ----------
    name
        A shipped scenario's name, with or without ``.yaml``.

    Returns
    -------
    Path
        Its path under :func:`data_dir`.
    """
    stem = name[:-5] if name.endswith(".yaml") else name
    return data_dir() / "scenarios" / f"{stem}.yaml"


def workflow_path(name: str) -> Path:
    """The shipped ASL workflow ``name`` (``document-ai``, ``document-ai.asl.json`` or ``.asl.yaml``).

    Parameters
    ----------
    name
        A shipped workflow's name, with or without its ``.asl.json`` / ``.asl.yaml`` suffix.

    Returns
    -------
    Path
        Its path under :func:`data_dir` ``/ "workflows"`` (the ``.asl.json`` one when neither exists).
    """
    folder = data_dir() / "workflows"
    for suffix in (".asl.json", ".asl.yaml", ".asl.yml", ".json", ".yaml"):
        if name.endswith(suffix):
            return folder / name
    for suffix in (".asl.json", ".asl.yaml"):
        if (folder / f"{name}{suffix}").exists():
            return folder / f"{name}{suffix}"
    return folder / f"{name}.asl.json"
