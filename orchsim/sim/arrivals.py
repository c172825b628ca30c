"""Document arrival times over a window, drawn up front from the arrivals stream (vectorised).

``poisson``: exponential gaps at ``docs_per_day / 86,400`` per second. ``uniform``: evenly spaced.
``diurnal``: a non-homogeneous Poisson process with rate ``mean * (1 + (peak_ratio - 1) *
cos(2 pi (t - peak) / 1 day))``, drawn by thinning. ``burst``: Poisson whose rate is
``burst_factor`` times the base rate for ``burst_duration_s`` every ``burst_every_s``, the base
chosen so the mean stays ``docs_per_day``.

>>> from orchsim.model.scenario import load_scenario
>>> from orchsim.sim.rng import ARRIVALS, stream
>>> wl = load_scenario("seed-article").workload.model_copy(update={"docs_per_day": 86_400.0})
>>> t = arrival_times(wl, 3600.0, stream(1, 0, ARRIVALS))
>>> bool(3400 < t.size < 3800), bool((t[1:] >= t[:-1]).all())
(True, True)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from orchsim.model.scenario import Workload

__all__ = ["arrival_times", "rate_per_s", "expected_arrivals", "peak_rate_per_s"]


def _poisson(rng: np.random.Generator, rate_per_s: float, window_s: float) -> NDArray[np.float64]:
    expected = rate_per_s * window_s
    chunks: list[NDArray[np.float64]] = []
    t = 0.0
    size = int(expected + 6 * math.sqrt(expected) + 16)
    while True:
        gaps = rng.exponential(1.0 / rate_per_s, size)
        times = t + np.cumsum(gaps)
        chunks.append(times[times < window_s])
        if times[-1] >= window_s:
            break
        t = float(times[-1])
        size = max(size // 4, 16)
    return np.concatenate(chunks)


def rate_per_s(workload: Workload, t_s: NDArray[np.float64]) -> NDArray[np.float64]:
    """Instantaneous arrival rate at times ``t_s``.

    Parameters
    ----------
    workload
        Volume and arrival process.
    t_s
        Times since the window's start, s.

    Returns
    -------
    numpy.ndarray of float
        Documents per second at each time (constant for ``poisson`` and ``uniform``).
    """
    mean = workload.docs_per_day / 86_400.0
    a = workload.arrival
    t = np.asarray(t_s, dtype=float)
    if a.kind == "diurnal":
        return mean * (1.0 + (a.peak_ratio - 1.0) * np.cos(2 * np.pi * (t - a.peak_hour * 3600.0) / 86_400.0))
    if a.kind == "burst":
        phi = a.burst_duration_s / a.burst_every_s
        base = mean / (1.0 + phi * (a.burst_factor - 1.0))
        in_burst = np.mod(t, a.burst_every_s) < a.burst_duration_s
        return np.where(in_burst, base * a.burst_factor, base)
    return np.full_like(t, mean)


def expected_arrivals(workload: Workload, window_s: float) -> float:
    """Expected number of documents in ``[0, window_s)``: the integral of :func:`rate_per_s`.

    Exact (closed form) for every arrival kind, so a window shorter than a diurnal day or a burst
    period gets the documents it really covers, not a pro-rata share of the day.

    Parameters
    ----------
    workload
        Volume (documents per day) and arrival process.
    window_s
        Length of the window, s.

    Returns
    -------
    float
        Expected documents.

    Examples
    --------
    >>> from orchsim.model.scenario import Workload
    >>> round(expected_arrivals(Workload(docs_per_day=86_400), 3600.0))
    3600
    >>> night = Workload(docs_per_day=86_400, arrival={"kind": "diurnal", "peak_ratio": 2, "peak_hour": 12})
    >>> round(expected_arrivals(night, 3600.0))  # midnight to 1 am, at the trough: not 3,600
    41
    """
    mean = workload.docs_per_day / 86_400.0
    a = workload.arrival
    t = float(window_s)
    if a.kind == "diurnal":
        w = 2 * math.pi / 86_400.0
        p = a.peak_hour * 3600.0
        return mean * (t + (a.peak_ratio - 1.0) * (math.sin(w * (t - p)) - math.sin(-w * p)) / w)
    if a.kind == "burst":
        phi = a.burst_duration_s / a.burst_every_s
        base = mean / (1.0 + phi * (a.burst_factor - 1.0))
        periods, rest = divmod(t, a.burst_every_s)
        in_burst = periods * a.burst_duration_s + min(rest, a.burst_duration_s)
        return base * t + base * (a.burst_factor - 1.0) * in_burst
    if a.kind == "uniform":
        return float(max(math.floor(t * mean + 0.5), 0))  # arrivals at (i + 1/2) / rate
    return mean * t


def peak_rate_per_s(workload: Workload) -> float:
    """Highest instantaneous arrival rate (the rate candidates are drawn at before thinning).

    Parameters
    ----------
    workload
        Volume and arrival process.

    Returns
    -------
    float
        Documents per second.
    """
    mean = workload.docs_per_day / 86_400.0
    a = workload.arrival
    if a.kind == "diurnal":
        return mean * a.peak_ratio
    if a.kind == "burst":
        phi = a.burst_duration_s / a.burst_every_s
        return mean / (1.0 + phi * (a.burst_factor - 1.0)) * a.burst_factor
    return mean


def arrival_times(workload: Workload, window_s: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """Arrival times of the documents of one window, drawn up front.

    Parameters
    ----------
    workload
        Volume (documents per day) and arrival process.
    window_s
        Length of the simulated window, s.
    rng
        The arrivals stream (:data:`orchsim.sim.rng.ARRIVALS`); ``uniform`` draws nothing.

    Returns
    -------
    numpy.ndarray of float
        Sorted times in ``[0, window_s)``, s.
    """
    mean = workload.docs_per_day / 86_400.0
    kind = workload.arrival.kind
    if kind == "uniform":
        gap = 1.0 / mean
        return np.arange(gap / 2, window_s, gap)
    if kind == "poisson":
        return _poisson(rng, mean, window_s)
    a = workload.arrival
    if kind == "diurnal":
        peak = mean * a.peak_ratio
    else:
        phi = a.burst_duration_s / a.burst_every_s
        peak = mean / (1.0 + phi * (a.burst_factor - 1.0)) * a.burst_factor
    candidates = _poisson(rng, peak, window_s)
    keep = rng.random(candidates.size) * peak < rate_per_s(workload, candidates)
    return candidates[keep]
