"""Model services: the AI models a pipeline's steps call (Amazon Bedrock on-demand), as a scenario
declares them under ``services:``.

A service names its price-book model (``model``), the tokens each call sends and receives
(``tokens.input`` and ``tokens.output``, item-count distributions of :mod:`orchsim.model.profile`),
how long a call takes (``latency``: time to first token plus output tokens at a rate; or an explicit
``duration`` distribution) and the share of calls that fail (``error_rate``, ModelErrorException and
5xx). A step (``pipeline.steps[i].service``) or a Task state (``pipeline.states.NAME.service``) that
names a service makes one call per attempt: the call's latency is added to the step's own work
(:class:`ModelDuration`), its errors to the step's transient errors, and its tokens are metered.

>>> svc = ModelService.model_validate({"model": "anthropic.claude-3-5-haiku", "tokens": {
...     "input": {"dist": "fixed", "n": 3000}, "output": {"dist": "fixed", "n": 400}},
...     "latency": {"first_token_ms": 600, "output_tokens_per_s": 80}})
>>> svc.mean_latency_ms(), svc.mean_tokens()
(5600.0, (3000.0, 400.0))
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from orchsim.errors import InputError
from orchsim.model.dists import Duration, Fixed
from orchsim.model.profile import (
    COUNTS,
    FixedCount,
    FrozenModel,
    ItemCount,
    LogNormalCount,
    PoissonCount,
    Step,
    UniformCount,
)

__all__ = ["THROTTLE_ERROR", "ModelDuration", "ModelLatency", "ModelQuota", "ModelSdk", "ModelService", "ModelTokens", "Tokens",
           "with_service"]

THROTTLE_ERROR = "Bedrock.ThrottlingException"
"""The error a Step Functions Task calling Bedrock directly fails with over quota: the name state
machines retry on (AWS's Bedrock integration page lists no error names; the service's own exception
is ThrottlingException, https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-runtime.html)."""

Tokens = ItemCount
"""Tokens per call: ``{dist: fixed, n}``, ``{dist: poisson, mean}``, ``{dist: uniform, low, high}`` or
``{dist: lognormal, median, p95}`` (the item-count distributions, drawn as whole tokens)."""

_QUADRATURE = 64  # points of the step's own work time in ModelDuration.cdf (midpoint quantiles)


def _mean_count(count: ItemCount) -> float:
    """Mean of whole-number draws (a lognormal count is rounded when drawn)."""
    return count.mean_drawn() if isinstance(count, LogNormalCount) else count.mean_items()


class ModelTokens(FrozenModel):
    """Input (prompt) and output (completion) tokens per call."""

    input: Tokens
    output: Tokens

    @field_validator("input", "output", mode="before")
    @classmethod
    def _count(cls, v: Any, info: ValidationInfo) -> Any:
        if isinstance(v, FrozenModel):
            return v
        kind = v.get("dist") if isinstance(v, dict) else None
        kind = kind if isinstance(kind, str) else None  # a list or mapping is no dist name (and unhashable)
        if kind not in COUNTS:
            raise ValueError(f"a token count distribution with dist {' | '.join(COUNTS)} (fixed: n; poisson: mean; "
                             "uniform: low, high; lognormal: median, p95)" + (f"; got dist {kind!r}" if isinstance(v, dict) else ""))
        return COUNTS[kind].model_validate(v)


class ModelLatency(FrozenModel):
    """A call's latency: ``first_token_ms`` plus the output tokens at ``output_tokens_per_s``."""

    first_token_ms: float = Field(ge=0, le=600_000, description="time to the first token, ms (0-600,000)")
    output_tokens_per_s: float = Field(gt=0, le=100_000, description="output tokens per second (0-100,000)")


class ModelQuota(FrozenModel):
    """On-demand quotas of a model in the region, shared by every state that calls it: requests and
    tokens per minute (input plus output, output tokens counted ``output_token_burndown`` times: 5
    for Claude Sonnet 4 and Opus 4, https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-token-burndown.html).
    Each is a token bucket holding one minute's quota and refilling continuously."""

    requests_per_minute: float | None = Field(None, gt=0, le=1e9, description="requests per minute (unset: no limit)")
    tokens_per_minute: float | None = Field(None, gt=0, le=1e12, description="tokens per minute (unset: no limit)")
    output_token_burndown: float = Field(1.0, ge=1, le=100, description="quota tokens one output token consumes")


class ModelSdk(FrozenModel):
    """The AWS SDK retry mode of a function that calls the model: ``legacy`` (boto3's default, 5
    attempts) or ``standard`` (3 attempts), each throttled attempt followed by a full-jitter wait of
    up to min(2^i, 20) s (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html;
    botocore retries/standard.py)."""

    mode: Literal["legacy", "standard"] = "legacy"
    max_attempts: int | None = Field(None, ge=1, le=20, description="total attempts (default 5 legacy, 3 standard)")

    def attempts(self) -> int:
        """Total attempts of a throttled call."""
        return self.max_attempts or (5 if self.mode == "legacy" else 3)


class ModelService(FrozenModel):
    """One model a pipeline calls; see the module docstring."""

    model: str = Field(min_length=1, max_length=128, description="a model of the price book's bedrock section")
    tokens: ModelTokens
    latency: ModelLatency | None = None
    duration: Duration | None = None
    error_rate: float = Field(0.0, ge=0, le=1, description="share of calls that fail (ModelErrorException, 5xx)")
    quota: ModelQuota | None = None
    sdk: ModelSdk = ModelSdk()

    @model_validator(mode="after")
    def _one_latency(self) -> ModelService:
        if (self.latency is None) == (self.duration is None):
            raise ValueError("give one of latency ({first_token_ms, output_tokens_per_s}) or duration (a distribution)")
        return self

    def mean_tokens(self) -> tuple[float, float]:
        """Mean (input, output) tokens per call."""
        return _mean_count(self.tokens.input), _mean_count(self.tokens.output)

    def latency_ms(self, output_tokens: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.float64]:
        """Latency of calls with these output tokens, ms (an explicit ``duration`` draws from ``rng``)."""
        if self.latency is not None:
            return self.latency.first_token_ms + output_tokens * (1000.0 / self.latency.output_tokens_per_s)
        assert self.duration is not None
        return self.duration.sample(rng, output_tokens.size)

    def mean_latency_ms(self) -> float:
        """Mean latency of a call, ms."""
        if self.latency is not None:
            return self.latency.first_token_ms + self.mean_tokens()[1] * 1000.0 / self.latency.output_tokens_per_s
        assert self.duration is not None
        return self.duration.mean_ms

    def _latency_grid(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The latency's distribution as (values ms, probabilities), discrete where the tokens are
        (computed once per service: a frozen value)."""
        return _latency_grid(self)

    def _latency_grid_uncached(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        assert self.latency is not None
        out = self.tokens.output
        if isinstance(out, FixedCount):
            ks, ps = np.array([float(out.n)]), np.array([1.0])
        else:
            mean = _mean_count(out)
            top = max(int(math.ceil(mean * 40)) + 20, 50)
            ks = np.unique(np.rint(np.linspace(0, top, min(top + 1, 4001))))
            ps = _count_pmf(out, ks)
        return self.latency.first_token_ms + ks * 1000.0 / self.latency.output_tokens_per_s, ps

    def latency_cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        """Probability that a call takes at most ``x_ms``."""
        x = np.asarray(x_ms, dtype=float)
        if self.duration is not None:
            return self.duration.cdf(x)
        vals, ps = self._latency_grid()
        return (ps * (x[..., None] >= vals)).sum(axis=-1)

    def latency_var_ms2(self) -> float:
        """Variance of a call's latency, ms squared."""
        if self.duration is not None:
            return self.duration.var_ms2
        vals, ps = self._latency_grid()
        mean = float((vals * ps).sum())
        return float((ps * (vals - mean) ** 2).sum())


@functools.lru_cache(maxsize=256)
def _latency_grid(service: ModelService) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    vals, ps = service._latency_grid_uncached()
    vals.flags.writeable = False
    ps.flags.writeable = False
    return vals, ps


def _count_pmf(count: ItemCount, ks: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probabilities of the grid ``ks`` of whole counts (mass between grid points folded onto them)."""
    if isinstance(count, PoissonCount):
        from math import lgamma, log

        lam = count.mean
        if lam == 0:
            return (ks == 0).astype(float)
        logp = np.array([k * log(lam) - lam - lgamma(k + 1) for k in ks])
        p = np.exp(logp)
    elif isinstance(count, UniformCount):
        p = ((ks >= count.low) & (ks <= count.high)).astype(float)
    else:
        assert isinstance(count, LogNormalCount)
        sigma = math.log(count.p95 / count.median) / 1.6448536269514722
        if sigma == 0:
            return (ks == round(count.median)).astype(float)
        edges = np.concatenate([[0.0], (ks[:-1] + ks[1:]) / 2.0, [np.inf]])
        z = (np.log(np.maximum(edges, 1e-300)) - math.log(count.median)) / (sigma * math.sqrt(2.0))
        from scipy.special import erf  # noqa: PLC0415 - vectorised; only a lognormal token count needs it

        cdf = 0.5 * (1.0 + erf(z))
        p = np.diff(cdf)
    total = p.sum()
    return p / total if total > 0 else p


class ModelDuration(BaseModel):
    """A step's work time when it calls a model: its own work (``own``) plus the call's latency.

    Built by :meth:`orchsim.model.scenario.Scenario.steps`, never read from a file. Answers what a
    :data:`~orchsim.model.dists.Duration` answers (``mean_ms``, ``var_ms2``, ``sample``, ``cdf``), so
    every engine uses it unchanged; the simulation draws the tokens itself so it can meter them.
    ``cdf`` integrates the latency over midpoint quantiles of ``own`` (exact for a fixed own time).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    dist: Literal["model"] = "model"
    own: Any
    service: ModelService
    name: str

    @property
    def mean_ms(self) -> float:
        return float(self.own.mean_ms) + self.service.mean_latency_ms()

    @property
    def var_ms2(self) -> float:
        return float(self.own.var_ms2) + self.service.latency_var_ms2()

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        own = self.own.sample(rng, size)
        out = self.service.tokens.output.sample(rng, size).astype(float)
        return own + self.service.latency_ms(out, rng)

    def points(self, n: int = 64) -> NDArray[np.float64]:
        """``n * n`` equally likely work times (sorted, ms): midpoint quantiles of the own work time
        plus midpoint quantiles of the latency (independent), a deterministic stand-in for the law."""
        qs = (np.arange(n) + 0.5) / n
        own = _quantiles(self.own, qs)
        if self.service.latency is not None:
            vals, ps = self.service._latency_grid()
            lat = vals[np.minimum(np.searchsorted(np.cumsum(ps), qs), vals.size - 1)]
        else:
            assert self.service.duration is not None
            lat = _quantiles(self.service.duration, qs)
        return np.sort((own[:, None] + lat[None, :]).ravel())

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.asarray(x_ms, dtype=float)
        if isinstance(self.own, Fixed):
            return self.service.latency_cdf(x - self.own.ms)
        qs = (np.arange(_QUADRATURE) + 0.5) / _QUADRATURE
        own = _quantiles(self.own, qs)
        return np.mean([self.service.latency_cdf(x - o) for o in own], axis=0)


def _quantiles(dist: Any, qs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Quantiles of a work-time distribution by bisection on its cdf (any of the Duration kinds)."""
    lo = np.zeros_like(qs)
    hi = np.full_like(qs, max(dist.mean_ms * 50.0, 1.0))
    for _ in range(60):
        mid = (lo + hi) / 2.0
        below = dist.cdf(mid) < qs
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return (lo + hi) / 2.0


def with_service(step: Step, services: Mapping[str, ModelService], where: str) -> Step:
    """``step`` as the engines run it: with the model call of its ``service`` folded in (its latency
    added to the work time, the service's errors to the step's transient errors: a share
    ``error_rate`` of the calls that do not already fail fatally), or unchanged without one.

    Raises
    ------
    InputError
        ``where``.service when the scenario declares no service of that name.
    """
    if step.service is None:
        return step
    svc = services.get(step.service)
    if svc is None:
        accepted = ", ".join(services) or "none declared (add a services: section)"
        raise InputError(f"{where}.service", f"no model service {step.service!r}; accepted: {accepted}")
    err = step.error_rate + (1.0 - step.error_rate - step.fatal_error_rate) * svc.error_rate
    return step.model_copy(update={"duration": ModelDuration(own=step.duration, service=svc, name=step.service),
                                   "error_rate": err})
