"""Every package and shipped data folder is listed for the wheel (``[tool.setuptools] packages`` is an
explicit list: a folder missing from it is silently left out of an installed orchsim)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_package_and_data_folder_ships() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    code = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "orchsim").rglob("__init__.py")
            if "__pycache__" not in p.parts}
    data = {"orchsim.data." + p.name for p in (ROOT / "data").iterdir() if p.is_dir() and any(p.iterdir())}
    missing = sorted((code | data | {"orchsim.data", "orchsim.notebooks"}) - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
