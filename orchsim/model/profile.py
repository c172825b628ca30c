"""What a pipeline's states do, as a profile gives it: a Lambda step, the latency or wait of a Task
that is not a Lambda function, and the item count of a Map.

These are the building blocks of :mod:`orchsim.model.scenario` (a linear pipeline's steps) and of
:mod:`orchsim.model.workflow` (an imported definition's profile).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import ConfigDict, Field, model_validator

from orchsim.model.dists import Z95, Duration, Empirical, Exponential, Fixed, LogNormal, Uniform
from orchsim.model.strict import StrictInputModel

ERROR_NAME_KEYS = ("error_name", "fatal_error_name")
"""Profile keys a Lambda Task takes beside :class:`Step`'s."""

__all__ = ["ERROR_NAME_KEYS", "COUNTS", "FixedCount", "FrozenModel", "ItemCount", "LogNormalCount", "PoissonCount", "Step", "TaskWait",
           "UniformCount"]


class FrozenModel(StrictInputModel):
    """A frozen, strict input model: unknown keys, NaN and infinity are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, allow_inf_nan=False)


class Step(FrozenModel):
    """One Lambda function of the pipeline.

    In an imported workflow's profile (``pipeline.states.NAME``) a Lambda Task may also give
    ``error_name`` and ``fatal_error_name`` (:data:`ERROR_NAME_KEYS`): the ASL error names of its
    transient and fatal errors."""

    name: str = Field("step", min_length=1, max_length=64)
    memory_mb: int = Field(1024, ge=128, le=10_240, description="configured memory, MB (128-10,240)")
    arch: Literal["x86_64", "arm64"] = "x86_64"
    duration: Duration = LogNormal(median_ms=800, p95_ms=2500)
    init_ms: float = Field(250, ge=0, le=600_000, description="cold-start INIT duration, ms (billed)")
    timeout_s: float = Field(60, gt=0, le=900, description="function timeout, s (0-900)")
    error_rate: float = Field(0.0, ge=0, le=1, description="transient error probability per attempt")
    fatal_error_rate: float = Field(0.0, ge=0, le=1, description="non-retryable error probability")
    ephemeral_storage_mb: int = Field(512, ge=512, le=10_240, description="ephemeral storage, MB")
    service: str | None = Field(None, min_length=1, max_length=64, description="a model service (scenario services) each attempt calls")

    @model_validator(mode="after")
    def _rates(self) -> Step:
        if self.error_rate + self.fatal_error_rate > 1:
            raise ValueError("error_rate + fatal_error_rate must be <= 1")
        return self


class FixedCount(FrozenModel):
    """Always ``n`` items."""

    dist: Literal["fixed"] = "fixed"
    n: int = Field(ge=0, le=1_000_000, description="items per run, 0-1,000,000")

    def mean_items(self) -> float:
        """Mean items per run."""
        return float(self.n)

    def share_above(self, x: float) -> float:
        """P(a draw > ``x``)."""
        return 1.0 if self.n > x else 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` item counts (int64)."""
        return np.full(size, self.n, dtype=np.int64)


class PoissonCount(FrozenModel):
    """Poisson-distributed items with mean ``mean``."""

    dist: Literal["poisson"] = "poisson"
    mean: float = Field(ge=0, le=1_000_000, description="mean items per run, 0-1,000,000")

    def mean_items(self) -> float:
        """Mean items per run."""
        return float(self.mean)

    def share_above(self, x: float) -> float:
        """P(a draw > ``x``), summing the probabilities up to ``x`` in log space."""
        if x < 0:
            return 1.0
        if self.mean == 0:
            return 0.0
        lam = self.mean
        below = sum(math.exp(k * math.log(lam) - lam - math.lgamma(k + 1)) for k in range(int(math.floor(x)) + 1))
        return max(0.0, 1.0 - below)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` item counts (int64)."""
        return rng.poisson(self.mean, size).astype(np.int64)


class UniformCount(FrozenModel):
    """A whole number of items drawn uniformly in [low, high]."""

    dist: Literal["uniform"] = "uniform"
    low: int = Field(ge=0, le=1_000_000, description="fewest items, 0-1,000,000")
    high: int = Field(ge=0, le=1_000_000, description="most items, 0-1,000,000")

    @model_validator(mode="after")
    def _ordered(self) -> UniformCount:
        if self.high < self.low:
            raise ValueError("high must be >= low")
        return self

    def mean_items(self) -> float:
        """Mean items per run."""
        return (self.low + self.high) / 2.0

    def share_above(self, x: float) -> float:
        """P(a draw > ``x``)."""
        above = self.high - max(math.floor(x), self.low - 1)
        return min(max(above, 0), self.high - self.low + 1) / (self.high - self.low + 1)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` item counts (int64)."""
        return rng.integers(self.low, self.high + 1, size).astype(np.int64)


class LogNormalCount(FrozenModel):
    """Log-normally distributed items (rounded to whole items when drawn), by median and 95th percentile."""

    dist: Literal["lognormal"] = "lognormal"
    median: float = Field(gt=0, le=1_000_000, description="median items per run, 0-1,000,000")
    p95: float = Field(gt=0, le=1_000_000, description="95th percentile of items per run, 0-1,000,000")

    @model_validator(mode="after")
    def _ordered(self) -> LogNormalCount:
        if self.p95 < self.median:
            raise ValueError("p95 must be >= median")
        return self

    def mean_items(self) -> float:
        """Mean items per run (of the continuous distribution)."""
        sigma = math.log(self.p95 / self.median) / Z95
        return self.median * math.exp(sigma * sigma / 2.0)

    def share_above(self, x: float) -> float:
        """P(a draw > ``x``): draws are rounded to whole items."""
        sigma = math.log(self.p95 / self.median) / Z95
        edge = math.floor(x) + 0.5
        if sigma == 0:
            return 1.0 if round(self.median) > x else 0.0
        return 0.5 * math.erfc((math.log(edge) - math.log(self.median)) / (sigma * math.sqrt(2.0)))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` item counts (int64): draws rounded to the nearest whole item."""
        sigma = math.log(self.p95 / self.median) / Z95
        return np.rint(rng.lognormal(math.log(self.median), sigma, size)).astype(np.int64)

    def mean_drawn(self) -> float:
        """Mean of the rounded draws (what the simulation sees), by summing the rounded distribution."""
        sigma = math.log(self.p95 / self.median) / Z95
        if sigma == 0:
            return float(round(self.median))
        from statistics import NormalDist

        z = NormalDist()
        top = int(math.ceil(self.median * math.exp(sigma * 9.0))) + 1
        if top > 20_000:  # rounding shifts the mean by far less than the draws' spread
            return self.mean_items()
        ks = np.arange(0, top + 1, dtype=np.float64)
        upper = np.array([z.cdf((math.log(k + 0.5) - math.log(self.median)) / sigma) for k in ks])
        lower = np.concatenate([[0.0], upper[:-1]])
        return float(np.sum(ks * (upper - lower)))


ItemCount = FixedCount | PoissonCount | UniformCount | LogNormalCount
"""Items per run of a Map state: ``{dist: fixed, n}``, ``{dist: poisson, mean}``, ``{dist: uniform,
low, high}`` or ``{dist: lognormal, median, p95}``."""

COUNTS: dict[str, type[FrozenModel]] = {"fixed": FixedCount, "poisson": PoissonCount, "uniform": UniformCount,
                                     "lognormal": LogNormalCount}
_YEAR_MS = 31_536_000_000  # a Standard execution runs at most one year


class _WaitFixed(Fixed):
    ms: float = Field(ge=0, le=_YEAR_MS, description="duration, ms (up to a year)")


class _WaitExponential(Exponential):
    mean_ms_: float = Field(alias="mean_ms", gt=0, le=_YEAR_MS, description="mean, ms (up to a year)")


class _WaitLogNormal(LogNormal):
    median_ms: float = Field(gt=0, le=_YEAR_MS, description="median, ms (up to a year)")
    p95_ms: float = Field(gt=0, le=_YEAR_MS, description="95th percentile, ms (up to a year)")


class _WaitUniform(Uniform):
    low_ms: float = Field(ge=0, le=_YEAR_MS, description="shortest, ms (up to a year)")
    high_ms: float = Field(ge=0, le=_YEAR_MS, description="longest, ms (up to a year)")


class _WaitEmpirical(Empirical):
    max_ms: ClassVar[float] = float(_YEAR_MS)  # observed waits (a callback's, from histories), up to a year


class TaskWait(FrozenModel):
    """Profile of a Task that is not a Lambda function (a service call, a job, a callback, an
    activity), or of a Wait whose time the definition does not give: ``duration`` is its latency or
    wait, up to a year (a person's approval takes hours). ``error_name`` and ``fatal_error_name`` name
    its errors for Retry and Catch; ``memory_mb`` and ``timeout_s`` are those of the function a Lambda
    chain makes the call from (default: the pipeline's ``step``)."""

    duration: _WaitFixed | _WaitExponential | _WaitLogNormal | _WaitUniform | _WaitEmpirical = Field(
        _WaitLogNormal(median_ms=100, p95_ms=400), discriminator="dist")
    error_rate: float = Field(0.0, ge=0, le=1, description="transient error probability per attempt")
    fatal_error_rate: float = Field(0.0, ge=0, le=1, description="non-retryable error probability")
    error_name: str | None = Field(None, min_length=1, max_length=256, description="ASL error name of a transient error")
    fatal_error_name: str | None = Field(None, min_length=1, max_length=256, description="ASL error name of a fatal error")
    memory_mb: int | None = Field(None, ge=128, le=10_240, description="memory of the function a Lambda chain calls it from, MB")
    timeout_s: float | None = Field(None, gt=0, le=900, description="timeout of that function, s (0-900)")
    service: str | None = Field(None, min_length=1, max_length=64, description="a model service (scenario services) it calls")

    @model_validator(mode="after")
    def _rates(self) -> TaskWait:
        if self.error_rate + self.fatal_error_rate > 1:
            raise ValueError("error_rate + fatal_error_rate must be <= 1")
        return self
