"""``orchsim fit LOGS...`` run in process on the fixtures in ``tests/data/logs``: the text tables, the
``--json`` document, the ``--out`` profile, and one error line (exit status 2) for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from conftest import cli

from orchsim.fit.profile import merge_profile
from orchsim.model.scenario import load_scenario

LOGS = Path(__file__).parent / "data" / "logs"
ALL = sorted(str(p) for p in LOGS.iterdir())
FUNCTIONS = ["etl-extract", "filter-log-events", "get-log-events", "etl-load", "lambda-json"]


def _shares(doc: Any, path: str = "") -> list[tuple[str, float]]:
    """Every ``*_fraction``/``billed_ms_reproduced`` value and every outcome/status share in ``doc``."""
    if isinstance(doc, dict):
        out = []
        for k, v in doc.items():
            if isinstance(v, int | float) and (k.endswith("_fraction") or k == "billed_ms_reproduced"
                                              or path.endswith((".outcomes", ".status"))):
                out.append((f"{path}.{k}", float(v)))
            out += _shares(v, f"{path}.{k}")
        return out
    return []


def test_table_names_functions_states_and_unparsed() -> None:
    r = cli("fit", *ALL)
    assert r.exit_code == 0, f"expected success, got {r.exit_code}: {r.stderr}"
    for name in [*FUNCTIONS, "Extract", "Transform"]:
        assert name in r.stdout, f"expected {name} in the table"
    assert "unparsed lines: 3" in r.stdout, "the fixtures hold 3 unreadable records, counted"
    assert "etl-extract.log:18:" in r.stdout, "a sample of them is shown"
    assert "arrivals:" in r.stdout and "right-sizing hint" in r.stdout


def test_json_document() -> None:
    r = cli("fit", *ALL, "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc["functions"]) == FUNCTIONS, "functions in order of first appearance"
    assert doc["unparsed_lines"] == 3 and len(doc["unparsed_sample"]) == 3
    assert doc["executions"]["executions"] == 1 and "Extract" in doc["executions"]["states"]
    assert doc["window"] == {"start": "2025-09-01T12:00:00Z", "end": "2025-09-01T12:00:05Z"}, doc["window"]
    extract = doc["functions"]["etl-extract"]
    assert (extract["invocations"], extract["timeout_fraction"], extract["error_fraction"]) == (5, 0.4, 0.2)
    shares = _shares(doc)
    assert len(shares) > 20, "expected many fractions to check"
    for where, v in shares:
        assert 0.0 <= v <= 1.0, f"{where} = {v} must be in [0, 1]"


def test_function_option_names_the_lines() -> None:
    doc = json.loads(cli("fit", str(LOGS / "etl-extract.log"), "--function", "extractor", "--json").stdout)
    assert list(doc["functions"]) == ["extractor"], "--function names every REPORT line"


def test_out_writes_profile_and_csvs(tmp_path: Path) -> None:
    out = tmp_path / "prod.yaml"
    r = cli("fit", str(LOGS / "insights.csv"), str(LOGS / "lambda-json.log"), "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert f"profile: {out}" in r.stdout, "says where the profile went"
    assert (tmp_path / "prod-etl-load.csv").is_file() and (tmp_path / "prod-lambda-json.csv").is_file()
    profile = yaml.safe_load(out.read_text())
    assert [s["name"] for s in profile["pipeline"]["steps"]] == ["etl-load", "lambda-json"]
    assert profile["workload"]["arrival"]["kind"] == "poisson" and profile["workload"]["docs_per_day"] > 0
    sc = merge_profile(load_scenario("seed-article"), out, empirical=True)
    assert [s.name for s in sc.steps()] == ["etl-load", "lambda-json"], "the profile merges into a scenario"
    r = cli("fit", str(LOGS / "insights.csv"), "--json", "--out", str(tmp_path / "j.yaml"))
    assert json.loads(r.stdout)["functions"], "--json with --out still prints only JSON on stdout"
    assert "profile:" in r.stderr


def _one_error_line(r: Any, needle: str) -> str:
    assert r.exit_code == 2, f"expected exit status 2, got {r.exit_code}; stderr {r.stderr!r}"
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("orchsim: error: "), f"expected one error line, got {r.stderr!r}"
    assert needle in lines[0], f"expected {needle!r} in {lines[0]!r}"
    assert r.stdout == "", "nothing on stdout"
    return lines[0]


def test_missing_file_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.log"
    _one_error_line(cli("fit", str(LOGS / "insights.csv"), str(missing)), str(missing))


def test_file_without_records_is_one_error_line(tmp_path: Path) -> None:
    empty = tmp_path / "app.log"
    empty.write_text("INFO starting\nINFO done\n")
    _one_error_line(cli("fit", str(empty)), str(empty))


def test_bad_out_folder_is_one_error_line(tmp_path: Path) -> None:
    _one_error_line(cli("fit", str(LOGS / "insights.csv"), "--out", str(tmp_path / "no" / "p.yaml")), "--out")
