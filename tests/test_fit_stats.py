"""orchsim.fit.stats against theory: the lognormal MLE and KS distance against SciPy, recovery of a
known law, Lambda's billing rules on known REPORT lines of both eras, and the arrival classifier on
seeded Poisson, diurnal and bursty timestamps."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy import stats as sps

from orchsim.errors import InputError
from orchsim.fit.stats import (
    ArrivalFit,
    billed_ms_expected,
    billed_ms_reproduced,
    fit_arrivals,
    fit_lognormal,
    ks_distance,
    summarise_durations,
)
from orchsim.model.dists import LogNormal

DAY_S = 86_400.0
T0 = datetime(2026, 1, 5, tzinfo=UTC).timestamp()  # a UTC midnight, so hour of day = hours since T0


def _sample(seed: int = 0, n: int = 2000) -> np.ndarray:
    return LogNormal(median_ms=800, p95_ms=2500).sample(np.random.default_rng(seed), n)


# --- lognormal fit ------------------------------------------------------------------------------


def test_mle_matches_scipy() -> None:
    x = _sample()
    fit = fit_lognormal(x)
    shape, loc, scale = sps.lognorm.fit(x, floc=0)
    assert loc == 0
    assert fit.sigma == pytest.approx(shape, rel=1e-6), f"expected sigma {shape} as scipy's shape, got {fit.sigma}"
    assert fit.median_ms == pytest.approx(scale, rel=1e-6), f"expected median {scale} as scipy's scale, got {fit.median_ms}"
    assert fit.p95_ms == pytest.approx(sps.lognorm(shape, scale=scale).ppf(0.95), rel=1e-6), "expected p95 = lognorm ppf(0.95)"
    assert fit.n == x.size


def test_ks_matches_scipy() -> None:
    x = _sample(1)
    fit = fit_lognormal(x)
    want = sps.kstest(x, sps.lognorm(fit.sigma, scale=math.exp(fit.mu)).cdf).statistic
    assert abs(fit.ks - want) < 1e-9, f"expected KS {want} as scipy.stats.kstest, got {fit.ks}"
    law = sps.expon(scale=300.0)
    assert abs(ks_distance(x, law.cdf) - sps.kstest(x, law.cdf).statistic) < 1e-12, "expected ks_distance = kstest"


def test_recovers_known_lognormal_within_three_standard_errors() -> None:
    law = LogNormal(median_ms=800, p95_ms=2500)
    n = 20_000
    fit = fit_lognormal(_sample(2, n))
    se_mu, se_sigma = law.sigma / math.sqrt(n), law.sigma / math.sqrt(2 * n)
    assert abs(fit.mu - math.log(800)) < 3 * se_mu, f"expected mu {math.log(800):.4f} +/- {3 * se_mu:.4f}, got {fit.mu:.4f}"
    assert abs(fit.sigma - law.sigma) < 3 * se_sigma, f"expected sigma {law.sigma:.4f} +/- {3 * se_sigma:.4f}, got {fit.sigma:.4f}"
    assert fit.ks < 1.36 / math.sqrt(n), f"expected a KS distance under the 5% critical value, got {fit.ks:.4f}"
    dist = fit.to_dist()
    assert isinstance(dist, LogNormal) and dist.median_ms == fit.median_ms and dist.p95_ms == fit.p95_ms


def test_zero_durations_floored_and_bad_inputs_refused() -> None:
    fit = fit_lognormal([0.0, -1.0, 5.0, 10.0])
    assert fit.n == 4 and math.isfinite(fit.mu), "expected zero and negative durations floored, not refused"
    for bad, words in (([5.0], "at least 2"), ([7.0, 7.0, 7.0], "all 3 durations equal"), ([1.0, math.nan], "finite")):
        with pytest.raises(InputError, match=words):
            fit_lognormal(bad)


def test_summarise_durations_linear_percentiles() -> None:
    x = _sample(3)
    got = summarise_durations(x)
    want = dict(zip(("p50", "p95", "p99"), np.percentile(x, [50, 95, 99]), strict=True))
    assert got == pytest.approx({**want, "mean": x.mean()}), f"expected numpy's linear percentiles, got {got}"


# --- billing rules ------------------------------------------------------------------------------

OLD = datetime(2019, 6, 1, 12, 0)  # the 100 ms era
BEFORE_INIT = datetime(2025, 7, 31, 23, 59, tzinfo=UTC)
AFTER_INIT = datetime(2025, 8, 1, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "duration, init, when, kw, billed",
    [
        (102.25, None, OLD, {}, 200),
        (102.25, None, datetime(2021, 3, 1), {}, 103),
        (100.0000001, None, datetime(2021, 3, 1), {}, 100),  # clock tolerance of orchsim.aws.rules
        (0.4, None, datetime(2021, 3, 1), {}, 1),  # at least one unit
        (102.25, 180.06, AFTER_INIT, {}, 283),
        (102.25, 180.06, BEFORE_INIT, {}, 103),
        (102.25, 180.06, BEFORE_INIT, {"package": "image"}, 283),
        (102.25, 180.06, BEFORE_INIT, {"managed_runtime": False}, 283),
        (102.25, 180.06, OLD, {"managed_runtime": False}, 300),
        (102.25, 180.06, OLD, {}, 200),
        (102.25, 180.06, None, {}, 283),  # today's rules
    ],
)
def test_billed_ms_expected(duration: float, init: float | None, when: datetime | None, kw: dict, billed: int) -> None:
    got = billed_ms_expected(duration, init, when, **kw)
    assert got == billed, f"expected {billed} ms billed for Duration {duration}, Init {init} at {when} {kw}, got {got}"


@pytest.mark.parametrize(
    "duration, billed, init, when, want",
    [
        (102.25, 103, None, None, (True, "1ms")),
        (102.25, 200, None, None, (True, "100ms")),
        (102.25, 283, 180.06, None, (True, "1ms+init")),
        (102.25, 300, 180.06, None, (True, "100ms+init")),
        (102.25, 104, None, None, (False, "none")),
        (102.25, 103, 180.06, BEFORE_INIT, (True, "1ms")),
        (102.25, 283, 180.06, BEFORE_INIT, (True, "1ms+init")),
        (102.25, 283, 180.06, AFTER_INIT, (True, "1ms+init")),
        (102.25, 103, 180.06, AFTER_INIT, (False, "none")),
        (102.25, 103, None, AFTER_INIT, (True, "1ms")),
        (102.25, 200, None, datetime(2021, 1, 1), (False, "none")),
        (102.25, 200, None, OLD, (True, "100ms")),
        (102.25, 103, None, OLD, (False, "none")),
    ],
)
def test_billed_ms_reproduced(duration: float, billed: int, init: float | None, when: datetime | None,
                              want: tuple[bool, str]) -> None:
    got = billed_ms_reproduced(duration, billed, init, when)
    assert got == want, f"Duration {duration}, Billed {billed}, Init {init} at {when}: expected {want}, got {got}"


# --- arrivals -----------------------------------------------------------------------------------


def _thinned(rng: np.random.Generator, rate: Callable[[np.ndarray], np.ndarray], peak_per_s: float, window_s: float) -> np.ndarray:
    n = rng.poisson(peak_per_s * window_s)
    cand = np.sort(rng.uniform(0.0, window_s, n))
    return T0 + cand[rng.random(n) * peak_per_s < rate(cand)]


def test_poisson_arrivals() -> None:
    rng = np.random.default_rng(10)
    mean = 20_000 / DAY_S
    t = _thinned(rng, lambda x: np.full_like(x, mean), mean, 2 * DAY_S)
    fit = fit_arrivals(t)
    assert fit.kind == "poisson", f"expected poisson, got {fit.kind}: {fit.evidence}"
    assert fit.params == {"kind": "poisson"}
    assert fit.docs_per_day == pytest.approx(20_000, rel=0.03), f"expected ~20,000 docs/day, got {fit.docs_per_day:.0f}"


def test_diurnal_arrivals_from_datetimes() -> None:
    rng = np.random.default_rng(11)
    mean, ratio, peak_h = 20_000 / DAY_S, 1.8, 14.0

    def rate(x: np.ndarray) -> np.ndarray:
        return mean * (1 + (ratio - 1) * np.cos(2 * np.pi * (x - peak_h * 3600) / DAY_S))

    t = _thinned(rng, rate, mean * ratio, 3 * DAY_S)
    stamps = [datetime.fromtimestamp(float(v), UTC) for v in t]
    fit = fit_arrivals(stamps)
    assert fit.kind == "diurnal", f"expected diurnal, got {fit.kind}: {fit.evidence}"
    assert fit.docs_per_day == pytest.approx(20_000, rel=0.03), f"expected ~20,000 docs/day, got {fit.docs_per_day:.0f}"
    assert abs(fit.params["peak_ratio"] - ratio) < 0.15, f"expected peak_ratio {ratio} +/- 0.15, got {fit.params}"
    assert abs(fit.params["peak_hour"] - peak_h) < 1.0, f"expected peak_hour {peak_h} +/- 1, got {fit.params}"
    assert all(type(v) in (str, float) for v in fit.params.values()), f"expected plain YAML-ready values, got {fit.params}"


def test_burst_arrivals() -> None:
    rng = np.random.default_rng(12)
    mean, every, dur, factor = 20_000 / DAY_S, 1800.0, 120.0, 15.0
    base = mean / (1 + dur / every * (factor - 1))

    def rate(x: np.ndarray) -> np.ndarray:
        return np.where(np.mod(x, every) < dur, base * factor, base)

    fit = fit_arrivals(_thinned(rng, rate, base * factor, 0.5 * DAY_S))
    assert fit.kind == "burst", f"expected burst, got {fit.kind}: {fit.evidence}"
    assert fit.docs_per_day == pytest.approx(20_000, rel=0.03), f"expected ~20,000 docs/day, got {fit.docs_per_day:.0f}"
    p = fit.params
    assert p["burst_every_s"] == pytest.approx(every, rel=0.1), f"expected bursts every ~{every} s, got {p}"
    assert 0.5 * dur <= p["burst_duration_s"] <= 2 * dur, f"expected bursts of roughly {dur} s, got {p}"
    assert 0.5 * factor <= p["burst_factor"] <= 2 * factor, f"expected a factor of roughly {factor}, got {p}"


def test_arrival_edge_cases() -> None:
    with pytest.raises(InputError, match="at least 2"):
        fit_arrivals([T0])
    start = datetime(2026, 1, 5, tzinfo=UTC)
    fit = fit_arrivals([start, start + timedelta(seconds=30), start])
    assert isinstance(fit, ArrivalFit) and fit.kind == "poisson" and "too short" in fit.evidence
    assert fit.docs_per_day == pytest.approx(3 / 30 * DAY_S), "expected count / window, scaled to a day"
    assert fit_arrivals([T0, T0]).docs_per_day == pytest.approx(2 * DAY_S), "expected a window of at least 1 s"


def test_timeouts_are_censored_not_complete() -> None:
    """Durations capped by a timeout are lower bounds: the censored MLE recovers the law (scipy's own
    censored fit agrees), where fitting them as complete shortens the tail."""
    import numpy as np
    from scipy.stats import CensoredData, lognorm

    from orchsim.fit.stats import fit_lognormal

    rng = np.random.default_rng(1)
    x = np.exp(rng.normal(np.log(2400.0), np.log(7500.0 / 2400.0) / 1.6448536269514722, 20_000))
    cut = x > 8000.0
    y = np.minimum(x, 8000.0)
    fit = fit_lognormal(y, cut)
    naive = fit_lognormal(y)
    se = fit.sigma / np.sqrt(y.size)
    assert abs(np.log(fit.median_ms / 2400.0)) < 4 * se
    assert abs(fit.p95_ms / 7500.0 - 1) < 0.03 < abs(naive.p95_ms / 7500.0 - 1)
    shape, _, scale = lognorm.fit(CensoredData(uncensored=y[~cut], right=y[cut]), floc=0)
    assert fit.sigma == pytest.approx(shape, rel=1e-4) and fit.median_ms == pytest.approx(scale, rel=1e-4)
    assert 0 <= fit.ks < 0.02
