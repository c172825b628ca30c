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

from orchsim.model.rates import expected_arrivals, peak_rate_per_s, rate_per_s
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
