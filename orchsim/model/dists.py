"""Work-time distributions of a step, in milliseconds: fixed, exponential, lognormal, uniform, empirical.

Scenario files describe a step's work time as a mapping, for example
``{dist: lognormal, median_ms: 800, p95_ms: 2500}``; :data:`Duration` picks the class by its
``dist`` key. Each class is a frozen, validated value object with four methods, documented once
on their common base and shared by all: ``mean_ms`` and ``var_ms2`` (closed forms, for the
analytic engine), ``sample(rng, size)`` (a vector of draws from the given NumPy generator; the
simulation passes one of :mod:`orchsim.sim.rng`'s streams) and ``cdf(x_ms)`` (the probability of
finishing within ``x_ms``, for timeouts). :class:`Empirical` carries measured durations (inline
``values_ms`` or a ``file``, one value per line) and resamples them; :mod:`orchsim.fit` fits a
lognormal to such a sample instead.

>>> import numpy as np
>>> d = LogNormal(median_ms=800, p95_ms=2500)
>>> round(d.mean_ms, 1), round(float(d.cdf(np.array([800.0]))[0]), 3)
(1016.9, 0.5)
>>> d.sample(np.random.default_rng(0), 3).shape
(3,)
"""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from orchsim.model.strict import strict_scalar

__all__ = ["Fixed", "Exponential", "LogNormal", "Uniform", "Empirical", "Duration", "Z95"]

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


_EMPIRICAL_MAX_VALUES = 1_000_000
_EMPIRICAL_MAX_MS = 900_000.0  # Lambda's 900 s timeout
_EMPIRICAL_MAX_FILE_BYTES = 64 * 1024 * 1024


def _range_text(high: float = _EMPIRICAL_MAX_MS) -> str:
    return f"accepted: 1 to 1,000,000 finite durations, each 0 <= value <= {high:,.0f} ms"


def _file_text(high: float = _EMPIRICAL_MAX_MS) -> str:
    return ("accepted: a text or CSV file with one duration in ms per line (optional header duration_ms), "
            f"1 to 1,000,000 finite values, each 0 <= value <= {high:,.0f}; a relative path is taken from the "
            "validation context's base_dir when given, else the working directory")


_EMPIRICAL_RANGE = _range_text()
_EMPIRICAL_FILE = _file_text()


def _checked_durations(values: NDArray[np.float64], where: str, high: float = _EMPIRICAL_MAX_MS) -> tuple[float, ...]:
    """``values`` sorted, as a tuple, after checking the count, finiteness and range 0..``high``
    (``where`` names an item: ``item`` for a list, ``line`` for a file, counted from 1)."""
    n = values.size
    if not 1 <= n <= _EMPIRICAL_MAX_VALUES:
        raise ValueError(f"must hold 1 to 1,000,000 durations, got {n:,}; {_range_text(high)}")
    i = _first_out_of_range(values, high)
    if i is not None:
        raise ValueError(f"{where} {i + 1} is {float(values[i]):g}: must be a finite number of ms within range; "
                         f"{_range_text(high)}")
    return tuple(np.sort(values).tolist())


def _first_out_of_range(values: NDArray[np.float64], high: float) -> int | None:
    """Index of the first value not a finite number in 0..``high``, or None."""
    bad = ~np.isfinite(values) | (values < 0) | (values > high)
    return int(np.argmax(bad)) if bad.any() else None


@functools.lru_cache(maxsize=4)
def _read_durations(path: str, mtime_ns: int, size: int, high: float = _EMPIRICAL_MAX_MS) -> tuple[float, ...]:
    """The sorted durations of a file, each 0..``high`` ms (cached on path, modification time and
    size: the ``file`` check reads it and the ``values_ms`` fill-in reuses it)."""
    accepted = _file_text(high)
    if size > _EMPIRICAL_MAX_FILE_BYTES:
        raise ValueError(f"{path!r} is {size:,} bytes, over the 64 MB limit; {accepted}")
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path!r} ({type(exc).__name__}: {exc}); {accepted}") from None
    lines = text.splitlines()
    numbered = [(i + 1, s.strip()) for i, s in enumerate(lines) if s.strip()]
    if numbered and numbered[0][1].strip("\"'").lower() == "duration_ms":
        numbered = numbered[1:]
    if not numbered:
        raise ValueError(f"{path!r} holds no duration; {accepted}")
    if len(numbered) > _EMPIRICAL_MAX_VALUES:
        raise ValueError(f"{path!r} holds {len(numbered):,} lines of durations, over 1,000,000; {accepted}")
    out = np.empty(len(numbered))
    for k, (line, s) in enumerate(numbered):
        try:
            out[k] = float(s)
        except ValueError:
            raise ValueError(f"line {line} of {path!r} is {s[:40]!r}, not a number; {accepted}") from None
    bad_at = _first_out_of_range(out, high)
    if bad_at is not None:
        raise ValueError(f"line {numbered[bad_at][0]} of {path!r} is {numbered[bad_at][1][:40]!r}: must be a finite number "
                         f"of ms within range; {accepted}")
    return tuple(np.sort(out).tolist())


def _resolve(file: str, info: ValidationInfo) -> Path:
    """``file`` made absolute: against the validation context's ``base_dir`` when given, else the
    working directory."""
    p = Path(file).expanduser()
    if p.is_absolute():
        return p
    base = info.context.get("base_dir") if isinstance(info.context, dict) else None
    return (Path(base) if base is not None else Path.cwd()) / p


class Empirical(_Dist):
    """The observed durations themselves: draws resample them with replacement.

    Give exactly one of ``values_ms`` (a list of 1 to 1,000,000 finite durations, each 0-900,000 ms)
    or ``file`` (a text or CSV file with one duration in ms per line and an optional header line
    ``duration_ms``). A relative ``file`` is resolved against the pydantic validation context's
    ``base_dir`` when one is given (``model_validate(data, context={"base_dir": folder})``), else
    against the working directory, and stored absolute; the values are read at validation.

    The values are kept sorted (a tuple, so the model stays frozen and hashable); ``model_dump``
    gives back ``file`` alone when the values came from one, else ``values_ms``. The moments are
    those of the values (population variance); ``cdf`` is the empirical CDF (the share of values
    at most ``x_ms``).

    >>> import numpy as np
    >>> d = Empirical(values_ms=[300, 100, 200, 200])
    >>> d.values_ms, d.mean_ms, d.var_ms2
    ((100.0, 200.0, 200.0, 300.0), 200.0, 5000.0)
    >>> d.cdf(np.array([99.0, 200.0, 1e6])).tolist()
    [0.0, 0.75, 1.0]
    """

    dist: Literal["empirical"] = "empirical"
    max_ms: ClassVar[float] = _EMPIRICAL_MAX_MS  # the longest value accepted (a wait's variant: a year)
    file: str | None = Field(None, description="a text or CSV file of durations, ms, one per line")
    values_ms: tuple[float, ...] | None = Field(
        None, validate_default=True, description="1 to 1,000,000 durations, each 0 <= value <= 900,000 ms")

    @model_validator(mode="before")
    @classmethod
    def _one_source(cls, data: Any) -> Any:
        if isinstance(data, dict):
            given = [k for k in ("values_ms", "file") if data.get(k) is not None]
            if len(given) != 1:
                raise ValueError("give exactly one of values_ms (a list of durations, ms) or file (a file of "
                                 f"durations, ms, one per line), got {' and '.join(given) or 'neither'}; {_range_text(cls.max_ms)}")
        return data

    @field_validator("file", mode="after")
    @classmethod
    def _file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError(f"must be a file path, got an empty string; {_file_text(cls.max_ms)}")
        path = _resolve(value, info)
        try:
            st = path.stat()
        except OSError:
            raise ValueError(f"no such file {str(path)!r}; {_file_text(cls.max_ms)}") from None
        if not path.is_file():
            raise ValueError(f"{str(path)!r} is not a file; {_file_text(cls.max_ms)}")
        _read_durations(str(path), st.st_mtime_ns, st.st_size, cls.max_ms)
        return str(path)

    @field_validator("values_ms", mode="before")
    @classmethod
    def _values(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            file = info.data.get("file")
            if file is None:
                return None  # no file given (reported by the check of both keys) or an unusable one (reported there)
            st = Path(file).stat()
            return _read_durations(file, st.st_mtime_ns, st.st_size, cls.max_ms)
        if isinstance(value, np.ndarray):
            if value.ndim != 1 or value.dtype.kind not in "iuf":
                raise ValueError(f"must be a flat list of numbers; {_range_text(cls.max_ms)}")
            return _checked_durations(value.astype(float), "item", cls.max_ms)
        if not isinstance(value, list | tuple):
            raise ValueError(f"must be a list of durations, ms, got {type(value).__name__}; {_range_text(cls.max_ms)}")
        for i, v in enumerate(value):
            if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.integer | np.floating):
                raise ValueError(f"item {i + 1} is {v!r}, not a number; {_range_text(cls.max_ms)}")
        return _checked_durations(np.asarray(value, dtype=float), "item", cls.max_ms)

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        data.pop("values_ms" if self.file is not None else "file", None)
        return data

    @functools.cached_property
    def _array(self) -> NDArray[np.float64]:
        """The sorted values as a read-only array (built once per object)."""
        assert self.values_ms is not None
        arr = np.asarray(self.values_ms, dtype=float)
        arr.flags.writeable = False
        return arr

    @property
    def n(self) -> int:
        """Number of values."""
        return int(self._array.size)

    def points(self) -> NDArray[np.float64]:
        """The values as equally likely points, sorted (ms; read-only, shared), like
        :meth:`orchsim.model.services.ModelDuration.points`.

        Returns
        -------
        numpy.ndarray of float
            The sorted values.
        """
        return self._array

    @property
    def mean_ms(self) -> float:
        return float(self._array.mean())

    @property
    def var_ms2(self) -> float:
        return float(self._array.var())

    def sample(self, rng: np.random.Generator, size: int) -> NDArray[np.float64]:
        arr = self._array
        return arr[rng.integers(0, arr.size, size)]

    def cdf(self, x_ms: NDArray[np.float64]) -> NDArray[np.float64]:
        x = np.asarray(x_ms, dtype=float)
        return np.searchsorted(self._array, x, side="right") / self._array.size


Duration = Annotated[Fixed | Exponential | LogNormal | Uniform | Empirical, Field(discriminator="dist")]
"""A work-time distribution: ``fixed`` | ``exponential`` | ``lognormal`` | ``uniform`` | ``empirical`` (all in ms)."""
