"""Probability that an invocation starts cold, in closed form, for the analytic engine.

An environment stays warm for ``keep_alive`` seconds after its last use. With Poisson invocations
at rate ``lam`` each holding an environment for ``hold`` seconds, the number busy ``N`` is Poisson
with mean ``rho = lam x hold`` (an M/G/infinity system), and the warm pool is about the largest
``N`` seen within the last keep-alive. An arrival finding ``n`` busy is therefore cold when ``N`` did
not reach ``n + 1`` during the last keep-alive. Looking back in time (the birth-death chain is
reversible), that is the chance that a chain started at ``n`` does not hit ``n + 1`` within the
keep-alive; its mean first-passage time is ``F(n) / (lam pi_n)`` (``F`` the CDF), and taking the
passage time as exponential::

    P(cold) = sum_n pi_n(rho) x exp(-lam x keep_alive x pi_n(rho) / F(n))

This agrees with the simulation within its confidence interval (``tests/test_coldstart.py``). It is
tabulated once on a log grid of ``rho`` and ``a = lam x keep_alive`` and interpolated, so the
analytic engine can evaluate millions of points.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["p_cold", "p_cold_exact"]

_LOG_RHO = np.linspace(-5.0, 6.0, 177)
_LOG_A = np.linspace(-4.0, 10.0, 225)
_EXACT_MAX_RHO = 2000.0


def _levels(rho: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Probabilities P(N = n) of the busy count over the n that matter, and the up-crossing rate
    factor ``pi_n / F(n)`` for each (the normal approximation stands in past rho = 2000)."""
    if rho <= _EXACT_MAX_RHO:
        width = 9.0 * math.sqrt(rho) + 25.0
        n = np.arange(max(0, int(rho - width)), int(rho + width) + 1)
        prob = np.exp(n * math.log(rho) - rho - _log_factorial()[n])
        per_n = prob
    else:
        z = np.linspace(-9.0, 9.0, 1201)
        step_n = math.sqrt(rho) * (z[1] - z[0])
        per_n = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi * rho)  # probability per unit n
        prob = per_n * step_n
        prob = prob / prob.sum()
    cdf = np.maximum(np.cumsum(prob), 1e-300)
    return prob, per_n / cdf


@functools.lru_cache(maxsize=1)
def _log_factorial() -> NDArray[np.float64]:
    n_max = int(_EXACT_MAX_RHO + 9.0 * math.sqrt(_EXACT_MAX_RHO) + 30)
    return np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, n_max + 1)))])


def p_cold_exact(rho: float, a: float) -> float:
    """``sum_n pi_n exp(-a pi_n / F(n))`` by direct summation (see the module docstring)."""
    if rho <= 0:
        return 1.0
    prob, rate = _levels(rho)
    return float(np.sum(prob * np.exp(-a * rate)))


@functools.lru_cache(maxsize=1)
def _table() -> NDArray[np.float64]:
    """P(cold) on the (log rho, log a) grid; well under a second, once per process."""
    out = np.empty((_LOG_RHO.size, _LOG_A.size))
    a = 10.0**_LOG_A
    for i, lr in enumerate(_LOG_RHO):
        prob, rate = _levels(10.0**lr)
        out[i] = np.exp(-np.outer(a, rate)) @ prob
    return out


def p_cold(lam_per_s: ArrayLike, hold_s: ArrayLike, keep_alive_s: ArrayLike) -> NDArray[np.float64]:
    """Probability an invocation is cold, vectorised (bilinear interpolation of the tabulated sum).

    Parameters
    ----------
    lam_per_s
        Invocation rate of the function, per second.
    hold_s
        How long one invocation holds its environment, seconds.
    keep_alive_s
        How long an idle environment stays warm, seconds.
    """
    lam = np.asarray(lam_per_s, dtype=float)
    rho = lam * np.asarray(hold_s, dtype=float)
    a = lam * np.asarray(keep_alive_s, dtype=float)
    table = _table()
    with np.errstate(divide="ignore"):
        x = (np.clip(np.log10(np.maximum(rho, 1e-300)), _LOG_RHO[0], _LOG_RHO[-1]) - _LOG_RHO[0]) / (_LOG_RHO[1] - _LOG_RHO[0])
        y = (np.clip(np.log10(np.maximum(a, 1e-300)), _LOG_A[0], _LOG_A[-1]) - _LOG_A[0]) / (_LOG_A[1] - _LOG_A[0])
    i = np.minimum(x.astype(np.int64), _LOG_RHO.size - 2)
    j = np.minimum(y.astype(np.int64), _LOG_A.size - 2)
    fx, fy = x - i, y - j
    v = (table[i, j] * (1 - fx) * (1 - fy) + table[i + 1, j] * fx * (1 - fy)
         + table[i, j + 1] * (1 - fx) * fy + table[i + 1, j + 1] * fx * fy)
    # Below the grid: nothing busy and nothing kept warm means every invocation is cold.
    v = np.where(a <= 10.0 ** _LOG_A[0], np.where(rho <= 10.0 ** _LOG_RHO[0], 1.0, v), v)
    return np.clip(v, 0.0, 1.0)
