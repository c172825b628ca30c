"""Work-time distributions of a step, in milliseconds: fixed, exponential, lognormal, uniform.

Scenario files describe a step's work time as a mapping, for example
``{dist: lognormal, median_ms: 800, p95_ms: 2500}``; :data:`Duration` picks the class by its
``dist`` key. Each class is a frozen, validated value object with four methods, documented once
on their common base and shared by all: ``mean_ms`` and ``var_ms2`` (closed forms, for the
analytic engine), ``sample(rng, size)`` (a vector of draws from the given NumPy generator; the
simulation passes one of :mod:`orchsim.sim.rng`'s streams) and ``cdf(x_ms)`` (the probability of
finishing within ``x_ms``, for timeouts).

>>> import numpy as np
>>> d = LogNormal(median_ms=800, p95_ms=2500)
>>> round(d.mean_ms, 1), round(float(d.cdf(np.array([800.0]))[0]), 3)
(1016.9, 0.5)
>>> d.sample(np.random.default_rng(0), 3).shape
(3,)
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from orchsim.model.strict import strict_scalar

__all__ = ["Fixed", "Exponential", "LogNormal", "Uniform", "Duration", "Z95"]

Z95 = 1.6448536269514722
"""Standard normal 95th percentile, used to turn (median, p95) into a lognormal sigma."""


class _Dist(BaseModel):
    """What every distribution answers (each subclass implements these; the docs are shared)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("ms", "mean_ms_", "median_ms", "p95_ms", "low_ms", "high_ms", mode="before", check_fields=False)
    @classmethod
    def _strict(cls, value: Any, info: ValidationInfo) -> Any:
        # not the `dist` tag: pydantic allows no before-validator on a discriminator
        return strict_scalar(cls, value, info, check_bounds=True)

    @property
    def mean_ms(self) -> float:  # pragma: no cover - overridden
        """Mean work time, ms."""
        raise NotImplementedError

    @property
    def var_ms2(self) -> float:  # pragma: no cover - overridden
        """Variance of the work time, ms squared."""
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:  # pragma: no cover
        """Draw work times.

        Parameters
        ----------
        rng
            The generator to draw from (a stream of :mod:`orchsim.sim.rng`).
        size
            How many draws.

        Returns
        -------
        numpy.ndarray of float
            ``size`` work times, ms.
        """
        raise NotImplementedError

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover
        """Probability that the work takes at most ``x_ms``.

        Parameters
        ----------
        x_ms
            Durations, ms (any shape).

        Returns
        -------
        numpy.ndarray of float
            Probabilities in [0, 1], the shape of ``x_ms``.
        """
        raise NotImplementedError


class Fixed(_Dist):
    """Always ``ms`` milliseconds."""

    dist: Literal["fixed"] = "fixed"
    ms: float = Field(ge=0, le=900_000, description="duration, ms")

    @property
    def mean_ms(self) -> float:
        return self.ms

    @property
    def var_ms2(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        return np.full(size, self.ms)

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        return (np.asarray(x_ms) >= self.ms).astype(float)


class Exponential(_Dist):
    """Exponential with mean ``mean_ms`` milliseconds."""

    dist: Literal["exponential"] = "exponential"
    mean_ms_: float = Field(alias="mean_ms", gt=0, le=900_000, description="mean, ms")
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def mean_ms(self) -> float:
        return self.mean_ms_

    @property
    def var_ms2(self) -> float:
        return self.mean_ms_**2

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        return rng.exponential(self.mean_ms_, size)

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        return 1.0 - np.exp(-np.maximum(np.asarray(x_ms, dtype=float), 0.0) / self.mean_ms_)


class LogNormal(_Dist):
    """Lognormal given by its median and 95th percentile (ms): sigma = ln(p95/median) / z95."""

    dist: Literal["lognormal"] = "lognormal"
    median_ms: float = Field(gt=0, le=900_000, description="median, ms")
    p95_ms: float = Field(gt=0, le=3_600_000, description="95th percentile, ms")

    @model_validator(mode="after")
    def _p95_at_least_median(self) -> LogNormal:
        if self.p95_ms < self.median_ms:
            raise ValueError(
                f"p95_ms ({self.p95_ms:g}) must be >= median_ms ({self.median_ms:g})"
            )
        return self

    @property
    def sigma(self) -> float:
        """Shape parameter of the underlying normal."""
        return math.log(self.p95_ms / self.median_ms) / Z95

    @property
    def mean_ms(self) -> float:
        return self.median_ms * math.exp(self.sigma**2 / 2)

    @property
    def var_ms2(self) -> float:
        s2 = self.sigma**2
        return (math.exp(s2) - 1) * self.median_ms**2 * math.exp(s2)

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        return self.median_ms * np.exp(self.sigma * rng.standard_normal(size))

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.maximum(np.asarray(x_ms, dtype=float), 1e-300)
        if self.sigma == 0:
            return (x >= self.median_ms).astype(float)
        z = (np.log(x / self.median_ms) / self.sigma / math.sqrt(2)).ravel()
        # math.erf item by item (NumPy has no erf): np.fromiter costs far less per call than np.vectorize.
        erf = np.fromiter((math.erf(v) for v in z.tolist()), dtype=float, count=z.size).reshape(x.shape)
        return 0.5 * (1 + erf)


class Uniform(_Dist):
    """Uniform between ``low_ms`` and ``high_ms``."""

    dist: Literal["uniform"] = "uniform"
    low_ms: float = Field(ge=0, le=3_600_000, description="lower bound, ms")
    high_ms: float = Field(ge=0, le=3_600_000, description="upper bound, ms")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high_ms < self.low_ms:
            raise ValueError(f"high_ms ({self.high_ms:g}) must be >= low_ms ({self.low_ms:g})")
        return self

    @property
    def mean_ms(self) -> float:
        return (self.low_ms + self.high_ms) / 2

    @property
    def var_ms2(self) -> float:
        return (self.high_ms - self.low_ms) ** 2 / 12

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        return rng.uniform(self.low_ms, self.high_ms, size)

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.asarray(x_ms, dtype=float)
        if self.high_ms == self.low_ms:
            return (x >= self.low_ms).astype(float)
        return np.clip((x - self.low_ms) / (self.high_ms - self.low_ms), 0.0, 1.0)


Duration = Annotated[Fixed | Exponential | LogNormal | Uniform, Field(discriminator="dist")]
"""A work-time distribution: ``fixed`` | ``exponential`` | ``lognormal`` | ``uniform`` (all in ms)."""
