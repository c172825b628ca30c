"""With ``--json`` stdout is one JSON document and nothing else; notes, estimates and warnings go
to stderr, each line prefixed ``orchsim:`` (or a Python warning's own form)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import cli

COMMANDS = {
    "price lambda": ("price", "lambda", "--requests", "1e6", "--duration-ms", "120", "--memory-mb", "1536"),
    "price standard": ("price", "standard", "--executions", "1e4", "--transitions", "5"),
    "price express": ("price", "express", "--executions", "1e6", "--duration-ms", "900", "--memory-mb", "64"),
    "breakeven": ("breakeven", "--transitions", "5", "--memory-mb", "64"),
    "compare": ("compare", "{empty}"),
    "simulate": ("simulate", "{empty}", "--window-hours", "0.05", "--pattern", "sfn-standard"),
    "crossover": ("crossover", "{empty}", "--vary", "workload.docs_per_day", "--from", "100", "--to", "1e6", "--points", "20"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_json_stdout_is_json_only(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchsim import cli as cli_module

    empty = tmp_path / "empty.yaml"  # every value a default: the CLI notes it on stderr
    empty.write_text("")
    monkeypatch.setattr(cli_module, "ESTIMATE_SHOWN_S", 0.0)  # and simulate prints its estimate there
    args = [a.replace("{empty}", str(empty)) for a in COMMANDS[name]]
    res = cli(*args, "--json")
    assert res.exit_code == 0, f"{name}: {res.stderr}"
    json.loads(res.stdout)  # the whole of stdout parses
    for line in res.stderr.splitlines():
        assert line.startswith("orchsim:"), f"{name}: unexpected stderr line {line!r}"
    if "{empty}" in COMMANDS[name]:
        assert "every value is a default" in res.stderr, f"{name}: expected the all-defaults note on stderr"
    if name == "simulate":
        assert "orchsim: estimate:" in res.stderr, "expected the estimate on stderr"
