"""Arrival rates of a workload as functions of time: instantaneous, integrated and peak.

Pure arithmetic on the scenario (no random draws), so the analytic engine, the run-size estimate
and the simulation's month scaling share one definition; :mod:`orchsim.sim.arrivals` draws the
arrival times from them.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from orchsim.model.scenario import Workload

__all__ = ["rate_per_s", "expected_arrivals", "peak_rate_per_s"]


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
    return mean * t  # poisson; uniform (evenly spaced: within one document of it)


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
