"""Sweeps: expansion, tidy rows, failing points as data, identical numbers on every executor, the
cache (reuse, invalidation, corrupt files, its folder) and the analytic engine's blocks of points."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from conftest import REPO

from orchsim.analytic.engine import estimate, grid_params, monthly_cost, per_document
from orchsim.aws.pricebook import default_prices_path
from orchsim.errors import InputError
from orchsim.model.scenario import PATTERNS, load_scenario
from orchsim.study import cache as cache_mod
from orchsim.study.cache import default_cache_dir
from orchsim.study.sweep import expand_grid, sweep

SEED = REPO / "data" / "scenarios" / "seed-article.yaml"


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
    assert len(df) == 4 * len(PATTERNS), "one row per point x pattern"
    for col in ("workload.docs_per_day", "pipeline.steps", "pattern", "seed", "replication", "cost_total_usd", "engine", "error"):
        assert col in df.columns, f"column {col}"
    assert df["error"].isna().all(), "no errors"
    five = df[(df["pipeline.steps"] == 5) & (df.pattern == "sfn-standard")]
    assert (five["transitions"].round(6) == 5).all(), "5 transitions per document with 5 steps"


def test_failing_point_becomes_a_row(small) -> None:
    df = sweep(small, {"pipeline.step.memory_mb": [512, 99_999]}, engine="analytic")
    bad = df[df["pipeline.step.memory_mb"] == 99_999]
    assert len(bad) == len(PATTERNS) and bad["error"].str.contains("memory_mb").all(), "invalid point recorded with its error"
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


# --- the cache: invalidation, corrupt files, its folder -------------------------------------------

_CACHED = {"engine": "simulate", "replications": 1, "progress": False, "workers": 1, "patterns": ["sfn-standard", "lambda-chain-async"]}
_GRID = {"pipeline.steps": [2]}


def _cached_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.parquet"))


def _price_copy(folder: Path, name: str = "prices.yaml") -> Path:
    path = folder / name
    path.write_bytes(default_prices_path().read_bytes())
    return path


def test_edited_price_content_is_recomputed(small, tmp_path: Path) -> None:
    store = tmp_path / "cache"
    prices = _price_copy(tmp_path)
    first = sweep(small, _GRID, cache=store, prices=prices, **_CACHED)
    assert len(_cached_files(store)) == 1, "one cached task"

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    same = _price_copy(elsewhere)
    os.utime(same, ns=(1, 1))
    again = sweep(small, _GRID, cache=store, prices=same, **_CACHED)
    assert len(_cached_files(store)) == 1, "the same prices at another path and file time reuse the entry"
    pd.testing.assert_frame_equal(first, again, obj="same prices, other file")

    data = yaml.safe_load(prices.read_text())
    std = data["step_functions"]["standard"]["regions"]["us-east-1"]
    std["usd_per_1000_transitions"] = std["usd_per_1000_transitions"] * 2
    prices.write_text(yaml.safe_dump(data, sort_keys=False))
    edited = sweep(small, _GRID, cache=store, prices=prices, **_CACHED)
    assert len(_cached_files(store)) == 2, "an edited price gets its own cache entry"
    standard = edited["pattern"] == "sfn-standard"
    assert (edited.loc[standard, "cost_sfn_transitions_usd"].to_numpy() == 2 * first.loc[standard, "cost_sfn_transitions_usd"].to_numpy()).all(), (
        "expected the transition cost recomputed at the doubled price, not the cached one"
    )


def test_another_source_hash_is_recomputed(small, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = sweep(small, _GRID, cache=tmp_path, **_CACHED)
    (old,) = _cached_files(tmp_path)
    monkeypatch.setattr(cache_mod, "source_hash", lambda: "0123456789abcdef")
    second = sweep(small, _GRID, cache=tmp_path, **_CACHED)
    files = _cached_files(tmp_path)
    assert len(files) == 2 and old in files, "expected a new entry for the edited source, the old one untouched"
    pd.testing.assert_frame_equal(first, second, obj="same code, same numbers")


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated", "other rows", "a folder"])
def test_a_corrupt_cache_file_is_recomputed(small, tmp_path: Path, damage: str) -> None:
    first = sweep(small, _GRID, cache=tmp_path, **_CACHED)
    (path,) = _cached_files(tmp_path)
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not parquet at all")
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "other rows":
        pd.DataFrame({"pattern": ["sfn-express"], "cost_total_usd": [0.0]}).to_parquet(path)
    else:
        path.unlink()
        path.mkdir()
    if damage == "a folder":  # it cannot be replaced either: the rows still come back, with a warning
        with pytest.warns(RuntimeWarning, match="could not write the sweep cache"):
            second = sweep(small, _GRID, cache=tmp_path, **_CACHED)
    else:
        second = sweep(small, _GRID, cache=tmp_path, **_CACHED)
    pd.testing.assert_frame_equal(first, second, obj=f"recomputed after a {damage} cache file")
    if damage != "a folder":
        assert path.read_bytes() == good, f"expected the {damage} file replaced by the recomputed rows"


def test_cache_writes_leave_no_temporary_files(small, tmp_path: Path) -> None:
    sweep(small, {"pipeline.steps": [1, 2]}, cache=tmp_path, **_CACHED)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and all(n.endswith(".parquet") for n in names), f"expected two Parquet files only, got {names}"


def test_an_unwritable_cache_warns_and_still_returns_rows(small, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(RuntimeWarning, match="sweep cache"):
        df = sweep(small, _GRID, cache=blocker / "cache", **_CACHED)
    assert df["error"].isna().all() and len(df) == 2, "expected the computed rows despite the cache failure"


def test_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ORCHSIM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "orchsim", "expected $XDG_CACHE_HOME/orchsim"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")
    assert default_cache_dir() == Path.home() / ".cache" / "orchsim", "a relative XDG_CACHE_HOME is ignored (XDG rule)"
    monkeypatch.setenv("ORCHSIM_CACHE_DIR", str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine", "ORCHSIM_CACHE_DIR overrides"


def test_no_cache_folder_is_created_on_import(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "ORCHSIM_CACHE_DIR": str(tmp_path / "mine")}
    code = "import orchsim, orchsim.study.sweep, orchsim.study.cache, orchsim.study.compare"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, env=env, timeout=120)
    assert list(tmp_path.iterdir()) == [], f"expected nothing created by importing, found {list(tmp_path.iterdir())}"


def test_bad_cache_argument(small) -> None:
    with pytest.raises(InputError) as err:
        sweep(small, _GRID, engine="simulate", cache=3)  # type: ignore[arg-type]
    assert err.value.field == "cache", "the error names the cache argument"


# --- the analytic engine past one block of 16,384 points ------------------------------------------

def test_analytic_engine_beyond_one_block_matches_points_one_at_a_time(small) -> None:
    """More points than one block of 16,384, step counts unsorted (the engine sorts points by step
    count across blocks): every pattern's metering and cost equal evaluating the point alone. The
    sweep's analytic engine is this path (``estimate`` of many scenarios, in blocks)."""
    base = small.with_overrides({"pipeline.steps": 2})
    n_points = 16_400
    volumes = np.round(np.geomspace(100, 1e8, n_points))
    steps = np.where(np.arange(n_points) % 2 == 0, 2, 1)  # 2, 1, 2, 1, ...: unsorted
    params = grid_params(base, docs_per_day=volumes, n_steps=steps)
    assert params.points > 16_384, "more points than one analytic block"
    rng = np.random.default_rng(3)
    picks = sorted({0, 16_383, 16_384, n_points - 1, *rng.integers(0, n_points, 8).tolist()})
    metrics = ["invocations", "transitions", "gb_s_x86_64", "express_gb_hours", "latency_ms", "p_succeeded"]
    for pattern in ("lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express"):
        doc = per_document(params, pattern)
        cost = monthly_cost(doc, params.docs_per_day)
        for point in picks:
            sc = base.with_overrides({"workload.docs_per_day": float(volumes[point]), "pipeline.steps": int(steps[point])})
            alone = estimate(sc, [pattern]).iloc[0]
            for m in metrics:
                np.testing.assert_allclose(doc[m][point], alone[m], rtol=1e-12, atol=0,
                                           err_msg=f"{pattern}, point {point}, {m}: the block must equal the point alone")
            np.testing.assert_allclose(cost["total"][point], alone["cost_total_usd"], rtol=1e-12, atol=0,
                                       err_msg=f"{pattern}, point {point}: monthly cost in the block must equal the point alone")
