"""Committed notebooks carry no outputs, execution counts or run metadata, so opening and running
one in JupyterLab never leaves the checkout dirty (``make lab`` installs the nbstripout git filter
named in ``.gitattributes``)."""

from __future__ import annotations

import json

import pytest
from conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
ALLOWED_METADATA = {"kernelspec", "language_info"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path) -> None:  # type: ignore[no-untyped-def]
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert set(nb["metadata"]) <= ALLOWED_METADATA, f"{path.name}: run metadata {sorted(set(nb['metadata']) - ALLOWED_METADATA)}"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, f"{path.name} {cell.get('id')}: outputs committed"
        extra = set(cell.get("metadata", {})) - {"tags"}
        assert not extra, f"{path.name} {cell.get('id')}: cell metadata {sorted(extra)}"


def test_the_strip_filter_is_declared() -> None:
    attributes = (REPO / ".gitattributes").read_text()
    assert "*.ipynb filter=nbstripout" in attributes, "expected .gitattributes to route notebooks through nbstripout"
    assert "nbstripout --install" in (REPO / "Makefile").read_text(), "expected make lab to install the filter"
