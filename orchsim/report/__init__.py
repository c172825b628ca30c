"""The report: notebook parameters, notebook helpers, the papermill runner and the index.

Modules: :mod:`~orchsim.report.params` (what each notebook's ``parameters`` cell declares, checking
values against it), :mod:`~orchsim.report.notebook` (helpers the notebooks call),
:mod:`~orchsim.report.execute` (one notebook run in a child process), :mod:`~orchsim.report.runner`
(the comparison and every notebook), :mod:`~orchsim.report.index` (``index.html`` from a Jinja2
template) and :mod:`~orchsim.report.comparison` (the comparison as text). The names below are
imported on first use, so a notebook's ``from orchsim.report import check_params`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orchsim.charts.tables import format_table
    from orchsim.report.comparison import format_comparison
    from orchsim.report.index import write_index
    from orchsim.report.notebook import load_named_scenario, output_folder, write_summary
    from orchsim.report.params import check_params, load_params_file, notebook_names, notebook_parameters
    from orchsim.report.runner import NotebookRun, ReportError, run_notebooks, run_report

_HOMES: dict[str, str] = {
    "format_comparison": "orchsim.report.comparison",
    "write_index": "orchsim.report.index",
    **dict.fromkeys(("load_named_scenario", "output_folder", "write_summary"), "orchsim.report.notebook"),
    "format_table": "orchsim.charts.tables",
    **dict.fromkeys(("check_params", "load_params_file", "notebook_names", "notebook_parameters"), "orchsim.report.params"),
    **dict.fromkeys(("NotebookRun", "ReportError", "run_notebooks", "run_report"), "orchsim.report.runner"),
}

__all__ = [
    "NotebookRun",
    "ReportError",
    "check_params",
    "format_comparison",
    "format_table",
    "load_named_scenario",
    "load_params_file",
    "notebook_names",
    "notebook_parameters",
    "output_folder",
    "run_notebooks",
    "run_report",
    "write_index",
    "write_summary",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its home module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'orchsim.report' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
