"""The bill check (issue 12): the fitted scenario, simulated over the logs' window, meters what the logs
say AWS billed. Round trip: simulate, write the invocations as REPORT lines, fit them, check."""

from __future__ import annotations

import json
import math

import pytest

from orchsim import simulate
from orchsim.cli import main
from orchsim.errors import InputError
from orchsim.fit.check import bill_check, default_pattern, logged_usage
from orchsim.fit.parse import parse_files, parse_text
from orchsim.fit.profile import fit_logs
from orchsim.fit.samples import sample_scenario, write_reports
from orchsim.model.scenario import load_scenario
from orchsim.resources import data_dir

SAMPLES = data_dir() / "samples"


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    sc = sample_scenario().with_overrides({"workload.docs_per_day": 96_000, "window_hours": 2})  # ~8,000 documents
    res = simulate(sc, "sfn-standard", detail=True, detail_docs=20_000)
    out = write_reports(res, tmp_path_factory.mktemp("logs") / "export.csv", "insights-csv")
    parsed = parse_files([out])
    return sc, res, parsed, bill_check(parsed, fit_logs(parsed), sc, "sfn-standard", replications=6)


def test_the_logs_bill_is_the_simulations_own(round_trip: tuple) -> None:
    _, res, parsed, _ = round_trip
    logged = logged_usage(parsed)[""]
    assert logged["requests"] == res.metering.lambda_requests
    assert logged["gb_s"] == pytest.approx(res.metering.lambda_gb_s_x86_64 + res.metering.lambda_gb_s_arm64, rel=1e-9)


def test_round_trip_bill_check_within_one_percent(round_trip: tuple) -> None:
    """Fitted lognormals, error rates and the arrival rate reproduce the bill: requests and GB-s
    within 1%, and 0 inside each difference's 95% interval (or within 0.5%)."""
    _, _, _, check = round_trip
    for row in check.rows:
        assert abs(row.diff_pct) < 1.0, (row.quantity, row.diff_pct)
        lo, hi = row.diff_interval_pct
        assert lo <= 0.5 and hi >= -0.5, (row.quantity, lo, hi)
    assert set(check.functions) == {f"sample-pipeline-{s}" for s in ("extract", "summarise", "store")}
    for rows in check.functions.values():
        assert all(abs(r.diff_pct) < 3.0 for r in rows), rows


def test_check_on_the_shipped_samples_and_its_cli(capsys: pytest.CaptureFixture[str]) -> None:
    files = [SAMPLES / "insights.csv", SAMPLES / "execution-history.json"]
    parsed = parse_files(files)
    assert default_pattern(parsed) == "sfn-standard"
    check = bill_check(parsed, fit_logs(parsed), load_scenario("seed-article"), "sfn-standard", replications=4)
    quantities = [r.quantity for r in check.rows]
    assert quantities == ["Lambda requests", "Lambda GB-seconds", "Standard transitions per execution"]
    for row in check.rows:
        lo, hi = row.diff_interval_pct
        assert lo < hi and math.isfinite(row.diff_pct)
    try:
        main(["fit", *map(str, files), "--check", "seed-article", "--replications", "3", "--json"])
    except SystemExit as done:  # typer may exit 0 after the command
        assert done.code in (0, None)
    doc = json.loads(capsys.readouterr().out)
    assert doc["check"]["pattern"] == "sfn-standard" and len(doc["check"]["totals"]) == 3
    assert set(doc["check"]["totals"][0]) >= {"logged", "metered", "metered_ci95", "diff_pct", "diff_pct_ci95"}


def test_check_needs_timestamps_and_replications() -> None:
    line = "REPORT RequestId: 1 Duration: 99.2 ms\tBilled Duration: 100 ms\tMemory Size: 2048 MB\tMax Memory Used: 80 MB"
    parsed = parse_text("\n".join([line, line.replace("99.2", "150.1").replace("100 ms", "151 ms")]), "fn.log")
    with pytest.raises(InputError, match="--check"):
        bill_check(parsed, fit_logs(parsed), load_scenario("seed-article"), "lambda-chain-async")
    with pytest.raises(InputError, match="--replications"):
        bill_check(parsed, fit_logs(parsed), load_scenario("seed-article"), "lambda-chain-async", replications=1)
