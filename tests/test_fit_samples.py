"""Synthetic logs written by :mod:`orchsim.fit.samples` read back by :mod:`orchsim.fit.parse`.

Round trips: every written REPORT parses back with the simulation's numbers; a lognormal step's
durations, written as REPORT lines and fitted, recover the distribution within sampling error; the
shipped ``data/samples`` parse cleanly and regenerate byte for byte.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchsim import simulate
from orchsim.errors import InputError
from orchsim.fit.parse import Report, parse_files
from orchsim.fit.samples import (
    FORMATS,
    SAMPLE_FILES,
    START,
    sample_scenario,
    write_history,
    write_reports,
    write_samples,
)
from orchsim.fit.stats import Z95, billed_ms_reproduced, fit_lognormal
from orchsim.model.scenario import scenario_from_dict
from orchsim.sim.result import SimulationResult

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SHIPPED = [*SAMPLE_FILES, "execution-history.json", "README.md"]
STATUS = {"ok": "success", "error": "error", "fatal": "error", "timeout": "timeout"}


@pytest.fixture(scope="module")
def sample_run() -> SimulationResult:
    return simulate(sample_scenario(), "sfn-standard", detail=True)


def _expected(result: SimulationResult) -> pd.DataFrame:
    """The billed attempts with the REPORT fields Lambda would log for them."""
    inv = result.invocations
    assert inv is not None
    init = {s.name: s.init_ms for s in result.scenario.steps()}
    rows = inv[inv["result"] != "throttled"].copy()
    rows["function"] = [f"{result.scenario.name}-{s}" for s in rows["step"]]
    rows["init_ms"] = [init[s] if c else 0.0 for s, c in zip(rows["step"], rows["cold"], strict=True)]
    rows["duration_ms"] = (rows["end_s"] - rows["start_s"]) * 1000.0 - rows["init_ms"]
    rows["status"] = [STATUS[str(r)] for r in rows["result"]]
    return rows


def _write(result: SimulationResult, folder: Path, fmt: str) -> list[Path]:
    """Text and JSON name no function: one file per step, named after its function."""
    if fmt in ("text", "json"):
        return [write_reports(result, folder / f"{result.scenario.name}-{s.name}.log", fmt, steps=[s.name])
                for s in result.scenario.steps()]
    return [write_reports(result, folder / f"all.{'csv' if fmt == 'insights-csv' else 'json'}", fmt)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_parses_back_to_the_simulated_invocations(sample_run: SimulationResult, fmt: str,
                                                                tmp_path: Path) -> None:
    parsed = parse_files(_write(sample_run, tmp_path, fmt))
    assert parsed.unparsed == 0, f"expected every record to parse, got {parsed.unparsed_sample}"
    want = _expected(sample_run)
    assert Counter(r.function for r in parsed.reports) == Counter(want["function"]), "REPORTs per function"
    got = pd.DataFrame([{"function": r.function, "duration_ms": r.duration_ms, "billed_ms": r.billed_ms,
                         "cold": r.init_ms is not None, "status": r.status, "memory_mb": r.memory_mb}
                        for r in parsed.reports])
    key = ["function", "billed_ms", "cold", "status", "memory_mb"]
    got = got.sort_values([*key, "duration_ms"]).reset_index(drop=True)
    want = want.sort_values([*key, "duration_ms"]).reset_index(drop=True)
    for col in key:
        assert got[col].tolist() == want[col].tolist(), f"{fmt}: {col} should match the simulation"
    worst = float(np.max(np.abs(got["duration_ms"] - want["duration_ms"])))
    assert worst <= 0.01 + 1e-9, f"{fmt}: Duration within 0.01 ms of span - init, worst {worst} ms"
    assert {r.status for r in parsed.reports} >= {"success", "error", "timeout"}, "the sample shows failures"
    assert sum(r.init_ms is not None for r in parsed.reports) == int(want["cold"].sum()) > 0


def test_written_billed_duration_follows_the_2025_rule(sample_run: SimulationResult, tmp_path: Path) -> None:
    parsed = parse_files(_write(sample_run, tmp_path, "insights-csv"))
    rules = Counter(billed_ms_reproduced(r.duration_ms, r.billed_ms, r.init_ms, r.timestamp) for r in parsed.reports)
    assert set(rules) <= {(True, "1ms"), (True, "1ms+init")}, f"every line reproduced, got {rules}"
    assert rules[(True, "1ms+init")] == sum(r.init_ms is not None for r in parsed.reports), "INIT billed on cold starts"


def test_report_lines_look_like_lambdas(sample_run: SimulationResult, tmp_path: Path) -> None:
    text = write_reports(sample_run, tmp_path / "s.log", "text", steps=["summarise"]).read_text()
    report = next(line for line in text.splitlines() if " REPORT " in line and "Init Duration" in line)
    assert report.startswith("2025-09-01T") and report.endswith("\t"), report
    fields = report.split(" REPORT ", 1)[1].split("\t")
    assert [f.split(":")[0] for f in fields[:-1]] == ["RequestId", "Duration", "Billed Duration", "Memory Size",
                                                    "Max Memory Used", "Init Duration"], report
    assert "Task timed out after 8.00 seconds" in text and "\tStatus: timeout\t" in text
    stamps = [line.split(" ", 1)[0] for line in text.splitlines()]
    assert stamps == sorted(stamps), "lines in time order"


def test_lognormal_round_trip_recovers_median_and_p95(tmp_path: Path) -> None:
    median_ms, p95_ms = 800.0, 2500.0
    sc = scenario_from_dict({
        "name": "roundtrip", "seed": 11, "window_hours": 1,
        "workload": {"docs_per_day": 120_000, "arrival": "poisson", "trigger": "async"},
        "pipeline": {"steps": [{"name": "work", "memory_mb": 1024, "init_ms": 300, "timeout_s": 900,
                                "duration": {"dist": "lognormal", "median_ms": median_ms, "p95_ms": p95_ms}}]},
    })
    res = simulate(sc, "lambda-chain-async", detail=True)
    parsed = parse_files([write_reports(res, tmp_path / "roundtrip-work.log", "text")])
    n = len(parsed.reports)
    assert n > 4500 and parsed.unparsed == 0
    # Duration excludes INIT, so warm and cold lines alike are draws of the step's lognormal.
    fit = fit_lognormal([r.duration_ms for r in parsed.reports])
    sigma = math.log(p95_ms / median_ms) / Z95
    # Standard errors of the MLE: var(mu) = sigma^2/n, var(sigma) = sigma^2/(2n), independent; so
    # ln(median) = mu has SE sigma/sqrt(n) and ln(p95) = mu + Z95 sigma has, by the delta method,
    # SE sigma/sqrt(n) * sqrt(1 + Z95^2 / 2). Both checked within 3 SE on the log scale.
    se_mu = sigma / math.sqrt(n)
    se_p95 = se_mu * math.sqrt(1.0 + Z95**2 / 2.0)
    assert abs(math.log(fit.median_ms / median_ms)) < 3 * se_mu, f"median {fit.median_ms:.1f} ms, expected ~{median_ms}"
    assert abs(math.log(fit.p95_ms / p95_ms)) < 3 * se_p95, f"p95 {fit.p95_ms:.1f} ms, expected ~{p95_ms}"
    reproduced = [billed_ms_reproduced(r.duration_ms, r.billed_ms, r.init_ms, r.timestamp)[0] for r in parsed.reports]
    assert all(reproduced), f"{reproduced.count(False)} of {n} billed durations not reproduced"


def test_history_matches_the_simulated_executions(sample_run: SimulationResult, tmp_path: Path) -> None:
    path = write_history(sample_run, tmp_path / "h.json", executions=40)
    parsed = parse_files([path])
    assert parsed.unparsed == 0 and not parsed.reports
    assert len(parsed.executions) == 40
    docs = sample_run.documents
    assert docs is not None
    steps = len(sample_run.scenario.steps())
    by_doc = docs.set_index("doc")
    retried = 0
    for ex in parsed.executions:
        doc = by_doc.loc[int(ex.name.rsplit("doc-", 1)[1])]
        # The simulation counts every state entered and every retry as a transition.
        assert ex.transitions + ex.retries == doc["transitions"], f"{ex.name}: transitions"
        assert ex.retries == doc["attempts"] - ex.transitions, f"{ex.name}: retries = extra Lambda attempts"
        assert ex.status == doc["outcome"], ex.name
        assert ex.end is not None and ex.start <= ex.end
        if ex.status == "succeeded":
            assert ex.transitions == steps
        retried += ex.retries
    assert retried > 0, "expected at least one retry among the first 40 executions"


@pytest.mark.parametrize("fmt", FORMATS)
def test_writing_is_deterministic(sample_run: SimulationResult, fmt: str, tmp_path: Path) -> None:
    a = write_reports(sample_run, tmp_path / "a", fmt).read_bytes()
    b = write_reports(simulate(sample_scenario(), "sfn-standard"), tmp_path / "b", fmt).read_bytes()
    assert a == b, f"{fmt}: the same seed should give the same bytes"
    h1 = write_history(sample_run, tmp_path / "h1").read_bytes()
    assert h1 == write_history(sample_run, tmp_path / "h2").read_bytes()


def test_start_and_names_are_honoured(sample_run: SimulationResult, tmp_path: Path) -> None:
    start = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)  # before INIT billing: still written
    path = write_reports(sample_run, tmp_path / "x.csv", "insights-csv", start=start,
                         function_names={"extract": "ocr"}, steps=["extract"])
    reports: tuple[Report, ...] = parse_files([path]).reports
    assert {r.function for r in reports} == {"ocr"}
    first = min(r.timestamp for r in reports if r.timestamp is not None)
    assert start < first < start.replace(hour=6), first


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"fmt": "xml"}, "fmt"),
    ({"fmt": "text", "steps": ["nope"]}, "steps"),
    ({"fmt": "text", "start": datetime(2025, 9, 1)}, "start"),
    ({"fmt": "json", "max_memory_fraction": 1.5}, "max_memory_fraction"),
])
def test_bad_arguments_name_the_field(sample_run: SimulationResult, tmp_path: Path, kwargs: dict, field: str) -> None:
    with pytest.raises(InputError, match=field):
        write_reports(sample_run, tmp_path / "x", **kwargs)


def test_history_needs_a_detailed_standard_run(tmp_path: Path) -> None:
    sc = sample_scenario().with_overrides({"window_hours": 0.1})
    with pytest.raises(InputError, match="pattern"):
        write_history(simulate(sc, "sfn-express"), tmp_path / "h.json")
    with pytest.raises(InputError, match="detail"):
        write_history(simulate(sc, "sfn-standard", detail=False), tmp_path / "h.json")


def test_shipped_samples_parse_cleanly() -> None:
    sizes = {name: (SAMPLES / name).stat().st_size for name in SHIPPED}
    assert all(0 < s < 300_000 for s in sizes.values()) and sum(sizes.values()) < 1_000_000, sizes
    assert "SYNTHETIC" in (SAMPLES / "README.md").read_text()
    for name in SHIPPED[:-1]:
        parsed = parse_files([SAMPLES / name])
        assert parsed.unparsed == 0, f"{name}: {parsed.unparsed_sample}"
        assert parsed.reports or parsed.executions, name
    history = parse_files([SAMPLES / "execution-history.json"]).executions
    assert {e.status for e in history} == {"succeeded", "failed"} and any(e.retries for e in history)


def test_shipped_samples_regenerate_byte_for_byte(tmp_path: Path) -> None:
    written = write_samples(tmp_path)
    assert sorted(p.name for p in written) == sorted(SHIPPED)
    for path in written:
        assert path.read_bytes() == (SAMPLES / path.name).read_bytes(), (
            f"{path.name} differs from data/samples; regenerate with python -m orchsim.fit.samples data/samples")
    assert START.tzinfo is not None
