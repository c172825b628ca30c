"""Arrival processes (orchsim/sim/arrivals.py) against their rate laws.

``diurnal``: a Poisson process with rate ``m (1 + (r - 1) cos(2 pi (t - p) / D))``, ``m`` the mean rate
(``docs_per_day / 86,400`` per second), ``r`` the peak ratio, ``p`` the peak time, ``D`` one day.
``burst``: rate ``f b`` for ``w`` seconds every ``T`` seconds and ``b`` otherwise, with the base
``b = m / (1 + (w / T)(f - 1))`` so that the mean stays ``m``.

The count of arrivals over a window is Poisson with mean the integral of the rate (computed here in
closed form, not with the module's ``rate_per_s``), so tolerances are 4 Poisson standard deviations;
the shape is checked by counts in the peak and the trough (diurnal), inside and outside the bursts
(burst), and by the time-rescaling theorem: ``Lambda(t_i) / Lambda(window)`` are uniform on [0, 1].
Every draw uses a fixed seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy import stats

from orchsim.model.scenario import Workload
from orchsim.sim.arrivals import arrival_times, rate_per_s

DAY_S = 86_400.0
SIGMAS = 4.0


def workload(docs_per_day: float, **arrival: Any) -> Workload:
    return Workload(docs_per_day=docs_per_day, arrival=arrival)


def draw(w: Workload, window_s: float, seed: int) -> NDArray[np.float64]:
    t = arrival_times(w, window_s, np.random.default_rng(seed))
    assert t.size == 0 or (t[0] >= 0 and t[-1] < window_s), f"expected arrivals within [0, {window_s}) s"
    assert (np.diff(t) >= 0).all(), "expected sorted arrival times"
    return t


# --- the integrated rate, in closed form ---------------------------------------------------------


def diurnal_integral(w: Workload, t_s: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Expected arrivals in [0, t]: m t + m (r - 1) D / (2 pi) (sin(2 pi (t - p) / D) + sin(2 pi p / D))."""
    m = w.docs_per_day / DAY_S
    a = w.arrival
    p = a.peak_hour * 3600.0
    t = np.asarray(t_s, dtype=float)
    wave = np.sin(2 * np.pi * (t - p) / DAY_S) - np.sin(2 * np.pi * (-p) / DAY_S)
    return m * t + m * (a.peak_ratio - 1.0) * DAY_S / (2 * np.pi) * wave


def burst_base(w: Workload) -> float:
    a = w.arrival
    return w.docs_per_day / DAY_S / (1.0 + a.burst_duration_s / a.burst_every_s * (a.burst_factor - 1.0))


def burst_integral(w: Workload, t_s: NDArray[np.float64] | float) -> NDArray[np.float64]:
    """Expected arrivals in [0, t]: b (t + (f - 1) x time spent in bursts by t)."""
    a = w.arrival
    t = np.asarray(t_s, dtype=float)
    in_burst = np.floor(t / a.burst_every_s) * a.burst_duration_s + np.minimum(np.mod(t, a.burst_every_s), a.burst_duration_s)
    return burst_base(w) * (t + (a.burst_factor - 1.0) * in_burst)


def check_count(n: int, expected: float, what: str) -> None:
    tol = SIGMAS * math.sqrt(expected)
    assert abs(n - expected) <= tol, (
        f"{what}: expected {expected:.1f} arrivals +/- {tol:.1f} (4 Poisson sigma), got {n}"
    )


def check_rescaled_uniform(t: NDArray[np.float64], integral: Any, window_s: float, what: str) -> None:
    """Time rescaling: given the count, Lambda(t_i) / Lambda(window) are i.i.d. Uniform(0, 1)."""
    u = integral(t) / integral(window_s)
    ks = stats.kstest(u, "uniform")
    assert ks.pvalue > 0.01, (
        f"{what}: expected Lambda(t) / Lambda(window) ~ Uniform(0, 1) (Kolmogorov-Smirnov p > 0.01 over "
        f"{t.size} arrivals), got D = {ks.statistic:.4f}, p = {ks.pvalue:.2g}"
    )


# --- the rate functions themselves ---------------------------------------------------------------


@pytest.mark.parametrize(("peak_ratio", "peak_hour"), [(2.0, 14.0), (1.5, 3.0), (1.0, 9.0)])
def test_diurnal_rate_law(peak_ratio: float, peak_hour: float) -> None:
    w = workload(8_640, kind="diurnal", peak_ratio=peak_ratio, peak_hour=peak_hour)  # mean 0.1 /s
    t = np.arange(0.0, DAY_S, 1.0)
    rate = rate_per_s(w, t)
    assert rate.mean() == pytest.approx(0.1, rel=1e-9), f"expected a daily mean of 0.1 /s, got {rate.mean()}"
    peak_s, trough_s = peak_hour * 3600, (peak_hour * 3600 + DAY_S / 2) % DAY_S
    assert rate_per_s(w, np.array([peak_s]))[0] == pytest.approx(0.1 * peak_ratio), (
        f"expected the peak rate {0.1 * peak_ratio} /s at {peak_hour} h"
    )
    assert rate_per_s(w, np.array([trough_s]))[0] == pytest.approx(0.1 * (2 - peak_ratio), abs=1e-12), (
        f"expected the trough rate {0.1 * (2 - peak_ratio)} /s twelve hours after the peak"
    )
    assert rate.max() <= 0.1 * peak_ratio + 1e-12 and rate.min() >= -1e-12, "expected 0 <= rate <= peak rate"


def test_burst_rate_law() -> None:
    w = workload(8_640, kind="burst", burst_every_s=600, burst_duration_s=30, burst_factor=50)
    t = np.arange(0.0, 6_000.0, 0.5)
    rate = rate_per_s(w, t)
    base = burst_base(w)
    inside = np.mod(t, 600) < 30
    assert np.allclose(rate[inside], 50 * base) and np.allclose(rate[~inside], base), (
        f"expected {50 * base:.4f} /s inside the bursts and {base:.4f} /s outside"
    )
    assert rate.mean() == pytest.approx(0.1, rel=1e-9), f"expected the mean rate to stay 0.1 /s, got {rate.mean()}"


# --- diurnal arrivals ------------------------------------------------------------------------------

DIURNAL = [
    # (id, docs/day, peak ratio, peak hour, window s, seed)
    ("one-day", 20_000, 2.0, 14.0, DAY_S, 101),
    ("ten-hours-rising", 20_000, 2.0, 14.0, 10 * 3600.0, 102),
    ("ten-hours-around-peak", 50_000, 1.5, 5.0, 10 * 3600.0, 103),
    ("three-days", 10_000, 2.0, 20.0, 3 * DAY_S, 104),
]


@pytest.mark.parametrize(("docs_per_day", "peak_ratio", "peak_hour", "window_s", "seed"), [d[1:] for d in DIURNAL],
                         ids=[d[0] for d in DIURNAL])
def test_diurnal_count_and_shape(docs_per_day: float, peak_ratio: float, peak_hour: float, window_s: float, seed: int) -> None:
    w = workload(docs_per_day, kind="diurnal", peak_ratio=peak_ratio, peak_hour=peak_hour)
    t = draw(w, window_s, seed)
    expected = float(diurnal_integral(w, window_s))
    check_count(t.size, expected, f"diurnal over {window_s / 3600:g} h")
    check_rescaled_uniform(t, lambda x: diurnal_integral(w, x), window_s, f"diurnal over {window_s / 3600:g} h")


def test_diurnal_peak_versus_trough() -> None:
    """Over a week, the two hours around the peak see many more documents than the two around the trough."""
    w = workload(20_000, kind="diurnal", peak_ratio=1.8, peak_hour=14.0)
    days = 7
    t = draw(w, days * DAY_S, 105)
    hour_of_day = np.mod(t, DAY_S) / 3600.0
    peak = (hour_of_day >= 13.0) & (hour_of_day < 15.0)
    trough = (hour_of_day >= 1.0) & (hour_of_day < 3.0)
    per_day = {"peak": (13 * 3600.0, 15 * 3600.0), "trough": (1 * 3600.0, 3 * 3600.0)}
    expected = {k: days * float(diurnal_integral(w, b) - diurnal_integral(w, a)) for k, (a, b) in per_day.items()}
    n = {"peak": int(peak.sum()), "trough": int(trough.sum())}
    for k in n:
        check_count(n[k], expected[k], f"diurnal, the 2 h around the {k}, over {days} days")
    # The peak-to-trough rate ratio, with the delta-method sigma of a ratio of two Poisson counts.
    ratio, want = n["peak"] / n["trough"], expected["peak"] / expected["trough"]
    tol = SIGMAS * want * math.sqrt(1 / expected["peak"] + 1 / expected["trough"])
    assert abs(ratio - want) <= tol, (
        f"expected the peak / trough count ratio {want:.3f} +/- {tol:.3f} (about (1 + 0.8) / (1 - 0.8)), got {ratio:.3f}"
    )
    assert want > 5, f"expected the closed form to put the peak well above the trough, got a ratio {want:.2f}"


# --- burst arrivals --------------------------------------------------------------------------------

BURSTS = [
    # (id, docs/day, every s, duration s, factor, window s, seed)
    ("hourly-minute-x20", 20_000, 3600.0, 60.0, 20.0, 12 * 3600.0, 201),
    ("ten-minutes-x200", 3_000, 600.0, 20.0, 200.0, 6 * 3600.0, 202),
    ("partial-period", 50_000, 900.0, 120.0, 5.0, 4 * 900.0 + 300.0, 203),
]


@pytest.mark.parametrize(("docs_per_day", "every_s", "duration_s", "factor", "window_s", "seed"), [b[1:] for b in BURSTS],
                         ids=[b[0] for b in BURSTS])
def test_burst_count_and_shape(
    docs_per_day: float, every_s: float, duration_s: float, factor: float, window_s: float, seed: int
) -> None:
    w = workload(docs_per_day, kind="burst", burst_every_s=every_s, burst_duration_s=duration_s, burst_factor=factor)
    t = draw(w, window_s, seed)
    check_count(t.size, float(burst_integral(w, window_s)), f"burst over {window_s:g} s")
    check_rescaled_uniform(t, lambda x: burst_integral(w, x), window_s, f"burst over {window_s:g} s")

    inside = np.mod(t, every_s) < duration_s
    periods = window_s / every_s
    whole = math.floor(periods)
    time_in = whole * duration_s + min((periods - whole) * every_s, duration_s)
    base = burst_base(w)
    expected_in, expected_out = base * factor * time_in, base * (window_s - time_in)
    check_count(int(inside.sum()), expected_in, f"burst, inside the bursts ({time_in:g} s)")
    check_count(int((~inside).sum()), expected_out, f"burst, outside the bursts ({window_s - time_in:g} s)")
    rate_ratio = (inside.sum() / time_in) / ((~inside).sum() / (window_s - time_in))
    tol = SIGMAS * factor * math.sqrt(1 / expected_in + 1 / expected_out)
    assert abs(rate_ratio - factor) <= tol, (
        f"expected the rate inside a burst {factor:g} x the rate outside (+/- {tol:.2f}), got {rate_ratio:.2f}"
    )


def test_burst_keeps_the_daily_volume() -> None:
    """Over whole days the bursts only move documents in time: the mean stays docs_per_day."""
    w = workload(12_000, kind="burst", burst_every_s=1800, burst_duration_s=45, burst_factor=100)
    t = draw(w, 2 * DAY_S, 204)
    check_count(t.size, 24_000.0, "burst over 2 days at 12,000 documents/day")


# --- the homogeneous kinds, for comparison ----------------------------------------------------------


def test_poisson_count_and_uniform_spacing() -> None:
    w = workload(30_000, kind="poisson")
    t = draw(w, 6 * 3600.0, 301)
    check_count(t.size, 30_000 / 4, "poisson over 6 h at 30,000/day")
    ks = stats.kstest(np.diff(t) * 30_000 / DAY_S, "expon")
    assert ks.pvalue > 0.01, f"expected exponential gaps (KS p > 0.01), got D = {ks.statistic:.4f}, p = {ks.pvalue:.2g}"
    even = draw(workload(30_000, kind="uniform"), 6 * 3600.0, 302)
    assert even.size == 7_500, f"expected exactly 7,500 evenly spaced arrivals in 6 h at 30,000/day, got {even.size}"
    assert np.allclose(np.diff(even), DAY_S / 30_000), "expected a constant gap of 2.88 s"
