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

__all__ = ["p_cold", "p_cold_exact", "p_cold_log10", "safe_log10"]

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
    """``sum_n pi_n exp(-a pi_n / F(n))`` by direct summation (see the module docstring).

    Parameters
    ----------
    rho
        Offered load of the function: invocation rate (per s) x hold time (s), dimensionless.
    a
        Keep-alive in units of the mean gap: invocation rate (per s) x keep-alive (s), dimensionless.

    Returns
    -------
    float
        Probability that an invocation finds no warm environment (is cold), 0-1.
    """
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


def safe_log10(x: ArrayLike) -> NDArray[np.float64]:
    """log10, with zero (and below) mapped to -300 rather than -inf."""
    out = np.maximum(np.asarray(x, dtype=float), 1e-300)
    return np.log10(out, out=out) if isinstance(out, np.ndarray) else np.log10(out)  # in place for arrays


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

    Returns
    -------
    numpy.ndarray
        Probability that an invocation is cold, 0-1, broadcast over the inputs.
    """
    return p_cold_log10(safe_log10(lam_per_s), safe_log10(hold_s), safe_log10(keep_alive_s))


def p_cold_log10(
    log_lam: NDArray[np.float64], log_hold: NDArray[np.float64], log_keep: NDArray[np.float64]
) -> NDArray[np.float64]:
    """:func:`p_cold` from base-10 logarithms (callers that reuse ``log_hold`` and ``log_keep``
    across steps save the work).

    Parameters
    ----------
    log_lam
        log10 of the invocation rate, per second.
    log_hold
        log10 of the hold time of one invocation, seconds.
    log_keep
        log10 of the keep-alive, seconds.

    Returns
    -------
    numpy.ndarray
        Probability that an invocation is cold, 0-1 (a 0-d array for scalar inputs).
    """
    table = _table().ravel()
    ncol = _LOG_A.size
    x = np.atleast_1d((log_lam + log_hold - _LOG_RHO[0]) * (1.0 / (_LOG_RHO[1] - _LOG_RHO[0])))
    y = np.atleast_1d((log_lam + log_keep - _LOG_A[0]) * (1.0 / (_LOG_A[1] - _LOG_A[0])))
    # Off the grid's low corner nothing is busy and nothing kept warm: every invocation is cold.
    low = (y < 0) & (x < 0) if y.min(initial=0.0) < 0 else None
    np.clip(x, 0.0, _LOG_RHO.size - 1.000001, out=x)
    np.clip(y, 0.0, ncol - 1.000001, out=y)
    i = x.astype(np.int64)
    j = y.astype(np.int64)
    fx = x - i
    fy = y - j
    idx = i * ncol + j
    top = table.take(idx) * (1.0 - fy) + table.take(idx + 1) * fy
    bottom = table.take(idx + ncol) * (1.0 - fy) + table.take(idx + ncol + 1) * fy
    v = top + (bottom - top) * fx
    if low is not None and low.any():
        v[low] = 1.0
    return v if np.ndim(log_lam + log_hold + log_keep) else v.reshape(())
