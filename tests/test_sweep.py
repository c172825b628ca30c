"""Sweeps: expansion, tidy rows, failing points as data, identical numbers on every executor, cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from orchsim.errors import InputError
from orchsim.model.scenario import load_scenario
from orchsim.study.sweep import expand_grid, sweep

SEED = "data/scenarios/seed-article.yaml"


@pytest.fixture(scope="module")
def small():
    return load_scenario(SEED).with_overrides({"window_hours": 0.5, "workload.docs_per_day": 5000})


def test_expand_grid_is_a_cartesian_product(small) -> None:
    pts = expand_grid(small, {"pipeline.steps": [1, 2, 3], "workload.docs_per_day": [10, 20]})
    assert len(pts) == 6, "3 x 2 points"
    assert pts[0] == {"pipeline.steps": 1, "workload.docs_per_day": 10}, "first point"


@pytest.mark.parametrize("grid,field", [({}, "grid"), ({"pipeline.steps": []}, "grid.pipeline.steps"), ({"pipeline.nope": [1]}, "grid.pipeline.nope"), ({"nope.x": [1]}, "grid.nope.x")])
def test_bad_grids_are_rejected(small, grid, field) -> None:
    with pytest.raises(InputError) as err:
        sweep(small, grid)
    assert err.value.field == field, f"error names {field}"


def test_analytic_rows_are_tidy(small) -> None:
    df = sweep(small, {"workload.docs_per_day": [1e3, 1e5], "pipeline.steps": [2, 5]})
    assert len(df) == 4 * 4, "one row per point x pattern"
    for col in ("workload.docs_per_day", "pipeline.steps", "pattern", "seed", "replication", "cost_total_usd", "engine", "error"):
        assert col in df.columns, f"column {col}"
    assert df["error"].isna().all(), "no errors"
    five = df[(df["pipeline.steps"] == 5) & (df.pattern == "sfn-standard")]
    assert (five["transitions"].round(6) == 5).all(), "5 transitions per document with 5 steps"


def test_failing_point_becomes_a_row(small) -> None:
    df = sweep(small, {"pipeline.step.memory_mb": [512, 99_999]}, engine="analytic")
    bad = df[df["pipeline.step.memory_mb"] == 99_999]
    assert len(bad) == 4 and bad["error"].str.contains("memory_mb").all(), "invalid point recorded with its error"
    good = df[df["pipeline.step.memory_mb"] == 512]
    assert good["error"].isna().all() and (good["cost_total_usd"] > 0).all(), "valid points still computed"


def _sim(small, **kw) -> pd.DataFrame:
    return sweep(small, {"workload.docs_per_day": [2000, 4000]}, engine="simulate", replications=2, cache=False, progress=False, **kw)


def test_same_numbers_on_every_executor(small) -> None:
    serial = _sim(small, workers=1)
    procs = _sim(small, workers=2)
    with ThreadPoolExecutor(2) as ex:
        threads = _sim(small, executor=ex)
    for name, other in (("process pool", procs), ("thread pool", threads)):
        pd.testing.assert_frame_equal(serial, other, obj=f"{name} vs serial")
    assert set(serial["replication"]) == {0, 1}, "two replications"
    assert serial.groupby(["point", "pattern"]).size().eq(2).all(), "one row per point x pattern x replication"


def test_dask_local_cluster_gives_the_same_numbers(small) -> None:
    distributed = pytest.importorskip("distributed")
    serial = _sim(small, workers=1)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        dask = _sim(small, executor=client)
    pd.testing.assert_frame_equal(serial, dask, obj="dask vs serial")


def test_parquet_cache_is_reused(small, tmp_path: Path) -> None:
    kw = {"engine": "simulate", "replications": 1, "progress": False, "workers": 1}
    first = sweep(small, {"pipeline.steps": [2]}, cache=tmp_path, **kw)
    files = list(tmp_path.glob("*.parquet"))
    assert len(files) == 1, "one cached task"
    stamp = files[0].stat().st_mtime_ns
    second = sweep(small, {"pipeline.steps": [2]}, cache=tmp_path, **kw)
    assert files[0].stat().st_mtime_ns == stamp, "cache file reused, not rewritten"
    pd.testing.assert_frame_equal(first, second, obj="cached vs fresh")
    other = sweep(small.with_overrides({"seed": 99}), {"pipeline.steps": [2]}, cache=tmp_path, **kw)
    assert len(list(tmp_path.glob("*.parquet"))) == 2, "a different scenario gets its own cache entry"
    assert not other["cost_total_usd"].equals(first["cost_total_usd"]), "different seed, different numbers"


def test_bad_arguments(small) -> None:
    with pytest.raises(InputError, match="engine"):
        sweep(small, {"pipeline.steps": [1]}, engine="magic")
    with pytest.raises(InputError, match="pattern"):
        sweep(small, {"pipeline.steps": [1]}, patterns=["lambda-chain-foo"])
    with pytest.raises(InputError, match="replications"):
        sweep(small, {"pipeline.steps": [1]}, engine="simulate", replications=0)
