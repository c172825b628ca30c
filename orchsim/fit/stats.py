"""Statistics for calibrating a scenario from logs: duration fits, Lambda's billed duration, arrival shapes.

* :func:`fit_lognormal` fits a two-parameter lognormal (location 0) to measured durations by maximum
  likelihood and measures the fit with the Kolmogorov-Smirnov distance; :meth:`LognormalFit.to_dist`
  gives the scenario's ``{dist: lognormal, median_ms, p95_ms}``. :func:`summarise_durations` gives
  the percentiles to compare with.
* :func:`billed_ms_expected` is orchsim's reading of Lambda's billing rules for one ``REPORT`` line
  and :func:`billed_ms_reproduced` checks a logged ``Billed Duration`` against it, naming the rule
  that matched.
* :func:`fit_arrivals` estimates documents per day and tells a Poisson, a diurnal and a bursty
  arrival process apart, giving the scenario's ``workload.arrival`` mapping.

Everything is NumPy and the standard library (no SciPy at run time): the normal CDF is
``0.5 * erfc(-z / sqrt(2))`` from :mod:`math`, item by item through ``np.fromiter`` (about half a
second per million values).

>>> fit = fit_lognormal([500, 800, 1300, 650, 2100, 900])
>>> round(fit.median_ms), fit.n
(928, 6)
>>> billed_ms_reproduced(102.25, 200, None, None)
(True, '100ms')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from orchsim.aws import rules
from orchsim.errors import InputError
from orchsim.model.dists import Z95, LogNormal

__all__ = [
    "ArrivalFit",
    "LognormalFit",
    "MS_1_BILLING_FROM",
    "INIT_BILLING_FROM",
    "billed_ms_expected",
    "billed_ms_reproduced",
    "fit_arrivals",
    "fit_lognormal",
    "ks_distance",
    "summarise_durations",
]

FLOOR_MS = 0.01
"""Durations at or below zero are raised to this floor (ms) before taking logarithms."""

MS_1_BILLING_FROM = datetime(2020, 12, 1, tzinfo=UTC)
"""Lambda bills duration in 1 ms units from this date, before it "rounded up to the nearest 100ms"
(https://aws.amazon.com/blogs/aws/new-for-aws-lambda-1ms-billing-granularity-adds-cost-savings/;
today's rule: https://aws.amazon.com/lambda/pricing/)."""

INIT_BILLING_FROM = datetime(2025, 8, 1, tzinfo=UTC)
"""From this date the INIT phase of on-demand functions packaged as ZIP on a managed runtime is
billed like the rest of the duration (AWS Compute Blog, "AWS Lambda standardizes billing for INIT
Phase"); container images and custom runtimes were billed for INIT before too."""

_SQRT2 = math.sqrt(2.0)


def _norm_cdf(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """Standard normal CDF, elementwise: ``0.5 * erfc(-z / sqrt(2))`` (exact to double precision)."""
    flat = np.asarray(z, dtype=float).ravel()
    out = np.fromiter((math.erfc(-v / _SQRT2) for v in flat.tolist()), dtype=float, count=flat.size)
    return (0.5 * out).reshape(np.shape(z))


def ks_distance(values: ArrayLike, cdf: Callable[[NDArray[np.float64]], NDArray[np.float64]]) -> float:
    """Kolmogorov-Smirnov distance ``sup |F_n(x) - F(x)|`` between a sample and a continuous law.

    Computed exactly on the sorted sample ``x_(1) <= ... <= x_(n)``:
    ``D = max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n)``.

    Parameters
    ----------
    values
        The sample (any unit; the same as ``cdf``'s argument).
    cdf
        The law's CDF, vectorised over a NumPy array.

    Returns
    -------
    float
        D in [0, 1].

    Raises
    ------
    InputError
        For an empty sample.

    >>> ks_distance([0.5], lambda x: x)  # uniform on [0, 1]
    0.5
    """
    x = np.sort(np.asarray(values, dtype=float).ravel())
    n = x.size
    if n == 0:
        raise InputError("values", "need at least 1 value for a KS distance")
    f = np.asarray(cdf(x), dtype=float)
    i = np.arange(1, n + 1, dtype=float)
    return float(max(np.max(i / n - f), np.max(f - (i - 1) / n)))


@dataclass(frozen=True)
class LognormalFit:
    """A lognormal fitted to durations (location 0).

    Attributes
    ----------
    median_ms
        ``exp(mu)``, ms.
    p95_ms
        ``exp(mu + Z95 * sigma)``, ms.
    sigma
        Shape: standard deviation of ``ln(duration / 1 ms)`` (maximum likelihood, divisor n).
    mu
        Mean of ``ln(duration / 1 ms)``.
    ks
        Kolmogorov-Smirnov distance between the sample and the fitted law (0 = perfect; for a good
        fit about ``0.9 / sqrt(n)`` or less, though a fitted law makes the usual KS test
        conservative).
    n
        Number of durations fitted.
    """

    median_ms: float
    p95_ms: float
    sigma: float
    mu: float
    ks: float
    n: int

    def to_dist(self) -> LogNormal:
        """The scenario distribution ``{dist: lognormal, median_ms, p95_ms}``.

        Returns
        -------
        orchsim.model.dists.LogNormal
            With this fit's median and 95th percentile.

        Raises
        ------
        InputError
            When they fall outside a scenario's accepted range (median up to 900,000 ms, p95 up to
            3,600,000 ms).
        """
        try:
            return LogNormal(median_ms=self.median_ms, p95_ms=self.p95_ms)
        except ValueError:  # pydantic's ValidationError is a ValueError
            raise InputError("values_ms", f"the fitted lognormal (median {self.median_ms:,.6g} ms, p95 "
                                          f"{self.p95_ms:,.6g} ms) is outside a scenario's range; accepted: "
                                          "0 < median_ms <= 900,000 and median_ms <= p95_ms <= 3,600,000") from None


def _durations(values_ms: ArrayLike, least: int) -> NDArray[np.float64]:
    """``values_ms`` as a flat float array, checked: at least ``least`` values, all finite."""
    try:
        x = np.asarray(values_ms, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError("values_ms", "must be a sequence of numbers (durations, ms)") from None
    if x.size < least:
        raise InputError("values_ms", f"need at least {least} durations, got {x.size}")
    if not np.isfinite(x).all():
        raise InputError("values_ms", "every duration must be a finite number of ms (found NaN or infinity)")
    return x


def fit_lognormal(values_ms: ArrayLike, censored: ArrayLike | None = None) -> LognormalFit:
    """Fit a two-parameter lognormal (location fixed at 0) by maximum likelihood.

    Closed form: ``mu = mean(ln x)``, ``sigma = sqrt(mean((ln x - mu)**2))`` (the MLE, divisor n, as
    ``scipy.stats.lognorm.fit(x, floc=0)`` gives: shape ``sigma``, scale ``exp(mu)``). Durations at
    or below zero (a clock can log 0.00 ms) are raised to ``FLOOR_MS`` = 0.01 ms first, so the
    logarithm exists; many of them pull the fit down and show in ``ks``.

    With ``censored``, the durations so marked are lower bounds (an invocation that timed out ran at
    least that long): the likelihood takes ``P(X > x)`` for them (a right-censored, Tobit-style fit on
    the log scale, maximised with ``scipy.optimize.minimize`` from the closed form's start). Fitting
    them as if complete would shorten the tail. ``ks`` then compares the complete durations below the
    lowest censoring point with the fitted law conditioned on that range.

    Parameters
    ----------
    values_ms
        Measured durations, ms (for example the ``Duration`` of Lambda ``REPORT`` lines).
    censored
        Booleans, one per value: True where the duration is only a lower bound (a timeout).

    Returns
    -------
    LognormalFit
        Median, 95th percentile, ``sigma``, ``mu``, the KS distance to the sample and ``n``.

    Raises
    ------
    InputError
        Fewer than 2 values, a value not finite, or all values equal (use ``dist: fixed``).
    """
    x = np.maximum(_durations(values_ms, 2), FLOOR_MS)
    if np.all(x == x[0]):
        raise InputError("values_ms", f"all {x.size} durations equal {x[0]:g} ms: no spread to fit; "
                                      f"use {{dist: fixed, ms: {x[0]:g}}}")
    lx = np.log(x)
    cens = np.zeros(x.size, dtype=bool) if censored is None else np.asarray(censored, dtype=bool).ravel()
    if cens.size != x.size:
        raise InputError("censored", f"needs one flag per duration ({x.size}); got {cens.size}")
    done = lx[~cens]
    if done.size < 2 or np.all(done == done[0]):
        cens = np.zeros(x.size, dtype=bool)  # too few complete durations: fit them all as complete
        done = lx
    mu = float(done.mean())
    sigma = float(math.sqrt(np.mean((done - mu) ** 2)))
    if cens.any():
        mu, sigma = _censored_mle(done, lx[cens], mu, sigma)
        c = float(lx[cens].min())  # below the first censoring point both laws are known: compare there
        below = done[done < c]
        top = float(_norm_cdf(np.array([(c - mu) / sigma]))[0])
        if below.size >= 2 and top > 0:
            ks = ks_distance(below, lambda v: _norm_cdf((v - mu) / sigma) / top)
        else:
            ks = ks_distance(done, lambda v: _norm_cdf((v - mu) / sigma))
    else:
        ks = ks_distance(done, lambda v: _norm_cdf((v - mu) / sigma))  # the same D on the log scale
    return LognormalFit(median_ms=math.exp(mu), p95_ms=math.exp(mu + Z95 * sigma), sigma=sigma, mu=mu, ks=ks, n=int(x.size))


def _censored_mle(done: NDArray[np.float64], cut: NDArray[np.float64], mu: float, sigma: float) -> tuple[float, float]:
    """Normal MLE of log durations, ``done`` complete and ``cut`` right-censored (scipy.optimize)."""
    from scipy.optimize import minimize  # noqa: PLC0415 - only a censored fit needs SciPy
    from scipy.stats import norm  # noqa: PLC0415

    def nll(theta: NDArray[np.float64]) -> float:
        m, s = float(theta[0]), math.exp(float(theta[1]))
        return -float(norm.logpdf(done, m, s).sum() + norm.logsf(cut, m, s).sum())

    best = minimize(nll, np.array([mu, math.log(sigma)]), method="Nelder-Mead",
                    options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 4000})
    return float(best.x[0]), math.exp(float(best.x[1]))


def summarise_durations(values_ms: ArrayLike) -> dict[str, float]:
    """Percentiles and mean of durations (NumPy percentiles, linear interpolation).

    Parameters
    ----------
    values_ms
        Durations, ms.

    Returns
    -------
    dict
        ``p50``, ``p95``, ``p99`` and ``mean``, ms.

    Raises
    ------
    InputError
        No values, or a value not finite.

    >>> summarise_durations([100, 200, 300])
    {'p50': 200.0, 'p95': 290.0, 'p99': 298.0, 'mean': 200.0}
    """
    x = _durations(values_ms, 1)
    p50, p95, p99 = np.percentile(x, [50, 95, 99], method="linear")
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "mean": float(x.mean())}


# --- Lambda's billed duration -------------------------------------------------------------------


def _utc(when: datetime | date) -> datetime:
    """``when`` as an aware UTC datetime (a naive one is taken as UTC; a date as its midnight)."""
    if not isinstance(when, datetime):
        return datetime(when.year, when.month, when.day, tzinfo=UTC)
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _init_billed(when: datetime, package: str, managed_runtime: bool) -> bool:
    return package == "image" or not managed_runtime or when >= INIT_BILLING_FROM


def billed_ms_expected(
    duration_ms: float,
    init_ms: float | None,
    when: datetime | date | None,
    *,
    package: Literal["zip", "image"] = "zip",
    managed_runtime: bool = True,
) -> int:
    """Billed duration of one invocation as orchsim reads Lambda's rules at the time ``when``.

    * Before 2020-12-01 duration was "rounded up to the nearest 100ms"; since then to the nearest
      1 ms (https://aws.amazon.com/blogs/aws/new-for-aws-lambda-1ms-billing-granularity-adds-cost-savings/,
      https://aws.amazon.com/lambda/pricing/).
    * INIT (``Init Duration`` on a cold start) is added before rounding for container images and
      custom runtimes at any date, and for ZIP packages on managed runtimes from 2025-08-01 (AWS
      Compute Blog, "AWS Lambda standardizes billing for INIT Phase"); before that it was free for
      them.

    Rounding is :func:`orchsim.aws.rules.billed_ms` (forgiving its clock tolerance, at least one
    unit). On-demand functions only: provisioned concurrency and SnapStart restore are not modelled.

    Parameters
    ----------
    duration_ms
        The ``REPORT`` line's ``Duration``, ms.
    init_ms
        Its ``Init Duration``, ms, or None on a warm start.
    when
        When the invocation ran (a naive datetime is UTC); None for today's rules.
    package
        ``"zip"`` or ``"image"`` (container image).
    managed_runtime
        False for a custom runtime (``provided.*``).

    Returns
    -------
    int
        Billed duration, ms.

    >>> billed_ms_expected(102.25, None, datetime(2019, 6, 1)), billed_ms_expected(102.25, 180.06, datetime(2025, 9, 1))
    (200, 283)
    """
    at = _utc(when) if when is not None else datetime.now(UTC)
    unit = 100 if at < MS_1_BILLING_FROM else 1
    init = (init_ms or 0.0) if _init_billed(at, package, managed_runtime) else 0.0
    return rules.billed_ms(duration_ms + init, unit)


def billed_ms_reproduced(
    duration_ms: float, billed_ms: int, init_ms: float | None, when: datetime | date | None
) -> tuple[bool, str]:
    """Whether orchsim's rules reproduce a logged ``Billed Duration`` exactly, and by which rule.

    With a date only that date's rules are tried: before 2025-08-01 both with and without INIT,
    since a log line does not say whether the function is a ZIP package on a managed runtime (INIT
    free) or a container image or custom runtime (INIT billed). Without a date every era is tried in
    the order ``1ms``, ``1ms+init``, ``100ms``, ``100ms+init``; the first that matches names the rule.

    Parameters
    ----------
    duration_ms
        Logged ``Duration``, ms.
    billed_ms
        Logged ``Billed Duration``, ms.
    init_ms
        Logged ``Init Duration``, ms, or None (warm start).
    when
        When the invocation ran, or None when unknown.

    Returns
    -------
    tuple of (bool, str)
        ``(True, rule)`` with rule ``"1ms"``, ``"1ms+init"``, ``"100ms"`` or ``"100ms+init"``;
        ``(False, "none")`` when no rule gives ``billed_ms``. On a warm start (no INIT) a rule
        is named without ``+init``.

    >>> billed_ms_reproduced(102.25, 283, 180.06, datetime(2025, 8, 2))
    (True, '1ms+init')
    >>> billed_ms_reproduced(102.25, 103, 180.06, datetime(2025, 8, 2))
    (False, 'none')
    """
    cold = init_ms is not None and init_ms > 0
    if when is None:
        eras = [(1, False), (1, True), (100, False), (100, True)]
    else:
        at = _utc(when)
        unit = 100 if at < MS_1_BILLING_FROM else 1
        eras = [(unit, True)] if at >= INIT_BILLING_FROM else [(unit, False), (unit, True)]
    for unit, with_init in eras:
        if with_init and not cold and (unit, False) in eras:
            continue  # the same number as without INIT: named by that rule
        total = duration_ms + ((init_ms or 0.0) if with_init else 0.0)
        if rules.billed_ms(total, unit) == int(billed_ms):
            return True, f"{unit}ms" + ("+init" if with_init and cold else "")
    return False, "none"


# --- arrivals -----------------------------------------------------------------------------------

_Z99 = 2.58  # two-sided 99% normal quantile, for the index-of-dispersion band
_R2_DIURNAL = 0.5  # share of the hourly variance a 24 h sinusoid must explain
_BURST_SD = 5.0  # a burst minute exceeds the baseline by this many Poisson standard deviations


@dataclass(frozen=True)
class ArrivalFit:
    """Documents per day and the arrival shape fitted to timestamps.

    Attributes
    ----------
    docs_per_day
        Observed count / observed window (last - first, at least 1 s), per 86,400 s.
    kind
        ``"poisson"``, ``"diurnal"`` or ``"burst"``.
    evidence
        The statistics behind ``kind``, in one line.
    params
        The scenario's ``workload.arrival`` mapping (``kind`` plus, for ``diurnal``, ``peak_ratio``
        and ``peak_hour``; for ``burst``, ``burst_every_s``, ``burst_duration_s``, ``burst_factor``).
    """

    docs_per_day: float
    kind: Literal["poisson", "diurnal", "burst"]
    evidence: str
    params: dict[str, Any] = field(default_factory=dict)


def _epoch_seconds(timestamps: Sequence[datetime] | ArrayLike) -> NDArray[np.float64]:
    """Timestamps as sorted epoch seconds (datetimes: naive ones are UTC)."""
    arr = np.asarray(timestamps)
    if arr.dtype.kind == "M":
        t = arr.astype("datetime64[ns]").astype(np.int64).ravel() / 1e9
    elif arr.dtype.kind == "O" and arr.size and all(isinstance(v, datetime) for v in arr.ravel()):
        t = np.array([_utc(v).timestamp() for v in arr.ravel()], dtype=np.float64)
    else:
        try:
            t = arr.astype(float).ravel()
        except (TypeError, ValueError):
            raise InputError("timestamps", "must be datetimes or epoch seconds") from None
    if t.size < 2:
        raise InputError("timestamps", f"need at least 2 arrivals, got {t.size}")
    if not np.isfinite(t).all():
        raise InputError("timestamps", "every timestamp must be finite (found NaN or infinity)")
    return np.sort(t)


def _dispersion(counts: NDArray[np.float64]) -> tuple[float, float]:
    """Index of dispersion ``var / mean`` (ddof 1) of bin counts and the half-width of its 99% band
    under Poisson (normal approximation of the chi-square: ``2.58 * sqrt(2 / (m - 1))``)."""
    m = counts.size
    mean = float(counts.mean())
    d = float(counts.var(ddof=1)) / mean if mean > 0 else 1.0
    return d, _Z99 * math.sqrt(2.0 / (m - 1))


def _diurnal(t: NDArray[np.float64], t0: float, hours: int) -> tuple[float, float, float]:
    """Least-squares 24 h sinusoid on full-hour counts: (R^2, peak_ratio, peak_hour)."""
    counts = np.bincount(((t - t0) // 3600).astype(np.int64), minlength=hours)[:hours].astype(float)
    theta = 2 * np.pi * (((t0 + (np.arange(hours) + 0.5) * 3600.0) % 86_400.0) / 86_400.0)
    design = np.column_stack([np.ones(hours), np.cos(theta), np.sin(theta)])
    coef, *_ = np.linalg.lstsq(design, counts, rcond=None)
    resid = counts - design @ coef
    sst = float(((counts - counts.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / sst if sst > 0 else 0.0
    # hourly bins average the sinusoid: divide by sinc(1/24) to recover the rate's amplitude
    mean, c, s = (float(v) for v in coef)
    amp = math.hypot(c, s) / (math.sin(math.pi / 24) / (math.pi / 24))
    ratio = (mean + amp) / mean if mean > 0 else 1.0
    peak_hour = (math.atan2(s, c) / (2 * math.pi) * 24.0) % 24.0
    return r2, ratio, peak_hour


def _bursts(t: NDArray[np.float64], t0: float, counts: NDArray[np.float64]) -> dict[str, float] | None:
    """Recurring bursts in per-minute counts, or None: minutes above ``median + 5 sqrt(median)``
    (Poisson sd of the baseline, at least 1) grouped in runs; at least two runs needed."""
    base = float(np.median(counts))
    hot = counts > base + _BURST_SD * math.sqrt(max(base, 1.0))
    if hot.sum() == 0:
        return None
    edges = np.flatnonzero(np.diff(np.concatenate([[0], hot.astype(np.int8), [0]])))
    runs = list(zip(edges[0::2], edges[1::2], strict=True))  # [start, end) minutes
    if len(runs) < 2:
        return None
    starts_s = np.array([s for s, _ in runs], dtype=float) * 60.0
    every = float(np.median(np.diff(starts_s)))
    base_rate = max(base, 0.5) / 60.0
    durations: list[float] = []
    factors: list[float] = []
    for s, e in runs:
        inside = t[(t >= t0 + s * 60.0) & (t < t0 + e * 60.0)]
        lo, hi = np.quantile(inside, [0.05, 0.95])
        d = min(max((hi - lo) / 0.9, 1.0), (e - s) * 60.0)
        excess = inside.size - base_rate * (e - s) * 60.0
        durations.append(float(d))
        factors.append(1.0 + max(float(excess), 0.0) / float(d) / base_rate)
    dur = float(np.median(durations))
    return {"burst_every_s": round(min(max(every, dur, 1.0), 31_622_400.0), 1),
            "burst_duration_s": round(max(min(dur, every), 0.001), 1),
            "burst_factor": round(min(max(float(np.median(factors)), 1.0), 10_000.0), 2),
            "runs": float(len(runs)), "hot_minutes": float(hot.sum()), "baseline": base}


def fit_arrivals(timestamps: Sequence[datetime] | ArrayLike) -> ArrivalFit:
    """Documents per day and the arrival shape of observed arrival times.

    Method (thresholds in brackets):

    1. ``docs_per_day`` = count / (last - first, at least 1 s) x 86,400.
    2. Per-minute counts over the full minutes of the window; their index of dispersion
       ``D = var / mean`` is Poisson-like when ``|D - 1| < 2.58 sqrt(2 / (m - 1))`` (the chi-square
       99% band, normal approximation; ``m`` minutes).
    3. When the window covers at least 24 h, hourly counts: a least-squares sinusoid of period 24 h
       (hour of day in UTC). **diurnal** when it explains most of the hourly variance (R^2 > 0.5):
       ``peak_ratio = (mean + amplitude) / mean`` (the amplitude corrected for hourly averaging),
       clipped to [1, 2], ``peak_hour`` from its phase.
    4. **poisson** when the per-minute counts are in the band and the hourly counts (if any) too.
    5. **burst** when the per-minute counts are overdispersed and minutes above
       ``median + 5 sqrt(median)`` come in at least two separate runs: ``burst_every_s`` = median
       gap between run starts, ``burst_duration_s`` = the 5-95% span of the arrivals in a run / 0.9,
       ``burst_factor`` = 1 + excess arrivals per second in a burst / baseline rate (medians over
       runs; rough, to minute resolution for the period).
    6. Otherwise **poisson**, the evidence saying the counts are overdispersed without a daily cycle
       or recurring bursts (orchsim has no closer shape).

    Parameters
    ----------
    timestamps
        Arrival times: datetimes (naive ones are UTC) or epoch seconds, in any order.

    Returns
    -------
    ArrivalFit
        ``docs_per_day``, ``kind``, ``evidence`` and the ``workload.arrival`` ``params``.

    Raises
    ------
    InputError
        Fewer than 2 timestamps, or one not finite.
    """
    t = _epoch_seconds(timestamps)
    t0 = float(t[0])
    window_s = max(float(t[-1] - t0), 1.0)
    n = int(t.size)
    docs_per_day = n / window_s * 86_400.0
    head = f"{n:,} arrivals over {window_s / 3600:.2f} h"
    minutes = int(window_s // 60)
    if minutes < 10:
        return ArrivalFit(docs_per_day, "poisson", f"{head}: under 10 full minutes, too short to test the shape; "
                                                   "Poisson assumed", {"kind": "poisson"})
    per_min = np.bincount(((t - t0) // 60).astype(np.int64), minlength=minutes)[:minutes].astype(float)
    d_min, band_min = _dispersion(per_min)
    evidence = [f"{head}", f"per-minute var/mean {d_min:.3g} (Poisson band 1 +/- {band_min:.3g})"]
    hourly_flat = True
    hours = int(window_s // 3600)
    if hours >= 24:
        per_hour = np.bincount(((t - t0) // 3600).astype(np.int64), minlength=hours)[:hours].astype(float)
        d_hour, band_hour = _dispersion(per_hour)
        hourly_flat = abs(d_hour - 1.0) < band_hour
        r2, ratio, peak_hour = _diurnal(t, t0, hours)
        evidence.append(f"hourly var/mean {d_hour:.3g} (band 1 +/- {band_hour:.3g}), 24 h sinusoid R^2 {r2:.2f}")
        if not hourly_flat and r2 > _R2_DIURNAL:
            peak_ratio = round(min(max(ratio, 1.0), 2.0), 3)
            evidence.append(f"peak/mean {ratio:.3f} at {peak_hour:.1f} h UTC")
            return ArrivalFit(docs_per_day, "diurnal", "; ".join(evidence),
                              {"kind": "diurnal", "peak_ratio": peak_ratio, "peak_hour": round(peak_hour, 1) % 24.0})
    if abs(d_min - 1.0) < band_min and hourly_flat:
        return ArrivalFit(docs_per_day, "poisson", "; ".join(evidence), {"kind": "poisson"})
    burst = _bursts(t, t0, per_min) if d_min > 1.0 + band_min else None
    if burst is not None:
        evidence.append(f"{burst['hot_minutes']:.0f} minutes above {_BURST_SD:g} sd of the baseline "
                        f"{burst['baseline']:.3g}/min in {burst['runs']:.0f} runs")
        params = {"kind": "burst", **{k: burst[k] for k in ("burst_every_s", "burst_duration_s", "burst_factor")}}
        return ArrivalFit(docs_per_day, "burst", "; ".join(evidence), params)
    evidence.append("not Poisson, but no daily cycle or recurring bursts either: Poisson is the closest shape")
    return ArrivalFit(docs_per_day, "poisson", "; ".join(evidence), {"kind": "poisson"})
