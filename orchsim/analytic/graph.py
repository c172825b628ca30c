"""Analytic engine for imported workflows: expected metering per document of a state graph.

:func:`graph_per_document` evaluates a scenario whose pipeline is an imported ASL definition
(``scenario.pipeline.runnable()``) under one of the five patterns, with no contention (nothing is
throttled, nothing queues), following the shared semantics of DESIGN.md "Workflows" (the same the
simulation implements). It returns the keys of :func:`orchsim.analytic.engine.per_document` as
floats, plus ``service_calls`` and ``by_state``.

Method. Every duration is a distribution on one time grid of ``2**15`` points (step ``h`` chosen per
scenario; a :class:`_Dist` also carries the mass past the grid and its first moment, so means stay
exact however coarse the grid). A state is a *kernel*: from its entry, sub-probability densities of
time to each exit (next state, scope end, or an error) and the expected metering of one visit. A
scope (the machine, a branch, an item processor) is walked from its start: arrival densities are
convolved with kernels and pushed along exits; the arrival mass at a state is its expected visits,
so Choice loops need no special case (the walk sweeps until what is left is below 1e-13). Retries
are a dynamic programme over the retriers' own counters (first-match rule); Catch routes error
exits; a Parallel ends at the maximum of its branches (product of CDFs), a Map at the maximum of its
items (CDF to the power n, mixed over the item-count distribution).

Choices the spec leaves open, taken as the simulation (:mod:`orchsim.sim.patterns.graph`) takes them:
Standard and Express both wait ``transition_latency_ms`` before each Task attempt; the machine's
``TimeoutSeconds`` applies (mass past it fails with States.Timeout); a ``lambda:invoke.waitForTaskToken``
callback invokes no Lambda under Step Functions or the async chain; in the async chain a Parallel or
Map failure goes to its Catch, a synchronous client's own call of the first function is neither
retried nor caught, and a function that sends the next Event adds ``invoke_overhead_ms`` when it
succeeds; in the synchronous chain a function's timeout counts its init, its work, the
``invoke_overhead_ms`` before it calls the rest, and the rest; behind an async trigger Lambda re-runs
the whole chain, and a re-run sees the same document (the same top-level Choice targets and Map item
counts: runs are evaluated per such condition, at most 512 of them, and mixed).

Approximations (documented, each small when errors are rare):

* Linear splitting puts each cell's mass on its two grid points with the cell's mean, so means are
  exact; maxima carry an error of about ``h`` (``h`` is 5 s for a workflow with hour-long waits,
  10 ms under Express). Past the grid, a maximum's tail moment is the sum of the components' tail
  moments (two tails at once are neglected); a limit past the grid (a state timeout is exact, from
  the law) counts the tail as below it.
* A Parallel (Map) that fails: its failure time is the failing branch's (item's) own failure time,
  and its metering counts every branch (item) in full (the states that a failure stops from
  starting elsewhere are still counted).
* A Map whose concurrency ``c`` is below its item count ``n`` runs in waves: ``n // c`` waves of
  ``c`` items one after another, then the rest (an upper bound of the real list scheduling).
  Item counts with more than 400 values are lumped into 400 bins.
* Cold starts: each function's probability is :func:`orchsim.analytic.coldstart.p_cold` at its own
  invocation rate (documents per second x invocations per document) and hold time (its mean billed
  running time), from a first pass without cold starts. A Map's items arrive together, which this
  Poisson view does not see: it undercounts Map items' cold starts (about 3-4x for 5 pages at once,
  a negligible share of the cost).
* Billed rounding: exact (from the distribution) where every duration is fixed and on the grid (the
  grid step is then a divisor of every fixed duration), else the mean plus half a unit, as the
  linear engine does.
* Express: the 300 s limit is applied through the distribution (mass past it fails with
  States.Timeout, billed 300 s); ``express_over_limit`` is the probability of passing it (the
  linear engine's is a 0/1 flag on the mean). Logs count one event per state entered or retried.
  An Express child of a Distributed Map is billed its wall clock without the 300 s cap.
* A Lambda durable function (``lambda-durable``, the simulation's :mod:`orchsim.sim.patterns.durable`):
  each resume (after a Wait, a callback, an invoke, a retry backoff) adds the orchestrator's INIT at
  its mean plus the replay, as a fixed shift; a step's cut by the invocation timeout is applied to the
  step alone, not to the invocation's running total; a parallel or map is billed for its expected
  wall clock when nothing in it suspends, else for the sum of its branches (an upper bound), and a
  retry inside a branch counts as a new invocation (the simulation continues it in the live one);
  retention is the data written times (mean running days + retention days) / 30; the execution's
  timeout and the 3,000-operation and 100 MB quotas are not applied.
* Not modelled: data flow, ToleratedFailure*, ItemReader/ResultWriter, redrive, Standard's history
  cap; a Choice or Wait inside a loop, a branch or an item is drawn afresh on a re-run.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from orchsim.analytic.coldstart import p_cold
from orchsim.analytic.params import params_from_scenarios
from orchsim.analytic.tokens import MODEL_CALLS, MODEL_IN, MODEL_OUT, STEP_INVOCATIONS, linear_tokens, step_tokens
from orchsim.aws.durable import CALLBACK_OPERATIONS, INVOKE_OPERATIONS, KB_PER_GB, retained_gb_months
from orchsim.aws.rules import (
    ASYNC_RETRY_DELAYS_S,
    DEFAULT_RULES,
    BillingRules,
    express_billed_memory_mb,
    failure_outcome_recorded,
    round_up,
)
from orchsim.aws.services import service_key
from orchsim.errors import InputError
from orchsim.model.asl import Definition, StateDef
from orchsim.model.dists import Empirical, Exponential, Fixed, LogNormal, Uniform
from orchsim.model.profile import FixedCount, ItemCount, LogNormalCount, PoissonCount, UniformCount
from orchsim.model.scenario import KeepAlive, Scenario, check_pattern
from orchsim.model.services import ModelDuration
from orchsim.model.workflow import FAIL_STATE, NO_CHOICE, SANDBOX_TIMEOUT, TIMEOUT, WAITING_KINDS, Workflow, first_match

__all__ = ["graph_per_document", "mixed_per_document"]

Array = NDArray[np.float64]
_CELLS = 1 << 15
_MAX_CELLS = 1 << 18  # when every duration is fixed, up to this many cells keep them on the grid
_EPS = 1e-13
_MAX_RETRIES = 100
_MAX_SWEEPS = 20_000
_INLINE_MAP_CAP = 40
_DISTRIBUTED_MAP_CAP = 10_000
_MAX_COUNT_POINTS = 400
_OK = ("end",)
ORCHESTRATOR = "(orchestrator)"
"""The meter key of a durable function's orchestrating function (not a state)."""
DURABLE_OPERATIONS, DURABLE_WRITTEN, DURABLE_RETAINED = (
    "lambda:durableOperations", "lambda:durableDataWrittenGb", "lambda:durableDataRetainedGbMonths")
Key = tuple[Any, ...]
"""An exit: ``("end",)`` (scope ends ok), ``("next", state)``, or ``("err", name, kind, first_hop)``
with kind ``transient``, ``fatal`` or ``timeout``."""


# --- distributions on a grid -------------------------------------------------------------------------


class _Dist:
    """A sub-probability distribution of a duration: masses ``g`` at grid points ``k h``, plus the mass
    ``o`` past the last point and its first moment ``om`` (ms); ``exact`` when no mass was split."""

    __slots__ = ("exact", "g", "o", "om")

    def __init__(self, g: Array, o: float = 0.0, om: float = 0.0, exact: bool = True) -> None:
        self.g, self.o, self.om, self.exact = g, o, om, exact

    @property
    def mass(self) -> float:
        return float(self.g.sum()) + self.o


@dataclass(frozen=True)
class _Law:
    """A duration law (ms): CDF and partial expectation ``E[X; X <= x]``, or a fixed value."""

    mean: float
    fixed: float | None = None
    cdf: Callable[[Array], Array] | None = None
    pe: Callable[[Array], Array] | None = None

    def F(self, x: float) -> float:
        if self.fixed is not None:
            return 1.0 if self.fixed <= x else 0.0
        if math.isinf(x):
            return 1.0
        assert self.cdf is not None
        return float(self.cdf(np.array([x]))[0])

    def min_mean(self, cap: float) -> float:
        """E[min(X, cap)]."""
        if self.fixed is not None:
            return min(self.fixed, cap)
        if math.isinf(cap):
            return self.mean
        assert self.pe is not None
        return float(self.pe(np.array([cap]))[0]) + cap * (1.0 - self.F(cap))


def _phi(z: Array) -> Array:
    flat = np.asarray(z, dtype=float).ravel()
    erf = np.fromiter((math.erf(v / math.sqrt(2.0)) for v in flat.tolist()), dtype=float, count=flat.size)
    return (0.5 * (1.0 + erf)).reshape(np.shape(z))


@functools.lru_cache(maxsize=256)
def _law(dist: Any) -> _Law:
    """The law of a duration model (:mod:`orchsim.model.dists` class or a wait's subclass)."""
    if isinstance(dist, Fixed):
        return _Law(dist.ms, fixed=dist.ms)
    if isinstance(dist, LogNormal):
        med, s, mean = dist.median_ms, dist.sigma, dist.mean_ms
        if s == 0:
            return _Law(med, fixed=med)

        def z(x: Array) -> Array:
            return np.log(np.maximum(x, 1e-300) / med) / s

        return _Law(mean, cdf=lambda x: _phi(z(x)), pe=lambda x: mean * _phi(z(x) - s))
    if isinstance(dist, Exponential):
        m = dist.mean_ms
        return _Law(m, cdf=lambda x: 1.0 - np.exp(-x / m), pe=lambda x: m * (1.0 - np.exp(-x / m) * (1.0 + x / m)))
    if isinstance(dist, Uniform):
        return _uniform(dist.low_ms, dist.high_ms)
    if isinstance(dist, ModelDuration | Empirical):  # a model call's law, or observed durations: equally likely points
        pts = dist.points()
        cum = np.concatenate([[0.0], np.cumsum(pts)]) / pts.size
        return _Law(dist.mean_ms, cdf=lambda x: np.searchsorted(pts, x, side="right") / pts.size,
                    pe=lambda x: cum[np.searchsorted(pts, x, side="right")])
    raise TypeError(f"unknown duration model {type(dist).__name__}")


def _wait_law(tp: Any) -> _Law:
    """The latency or wait of a Task that is not a Lambda function: a direct model call's law (its
    latency over the output tokens, as the simulation draws it), else the profiled wait."""
    d = tp.step.duration
    return _law(d) if isinstance(d, ModelDuration) or tp.wait is None else _law(tp.wait.duration)


def _uniform(a: float, b: float) -> _Law:
    if b <= a:
        return _Law(a, fixed=a)
    return _Law((a + b) / 2.0, cdf=lambda x: np.clip((x - a) / (b - a), 0.0, 1.0),
                pe=lambda x: (np.clip(x, a, b) ** 2 - a * a) / (2.0 * (b - a)))


class _Grid:
    """The time grid (``n`` points ``k h`` ms) and the operations on :class:`_Dist`.

    Dot products are written ``(a * b).sum()``: a BLAS ``a @ b`` can cost milliseconds on a loaded
    machine (thread start-up), two hundred times more."""

    def __init__(self, h: float, n: int = _CELLS) -> None:
        self.h, self.n = h, n
        self.t = np.arange(n) * h
        self.end = float(self.t[-1])
        self.cache: dict[tuple[int, float], tuple[_Law, _Dist]] = {}  # the law is kept: its id stays unique

    def zero(self) -> _Dist:
        return _Dist(np.zeros(self.n))

    def point(self, d: float, mass: float = 1.0) -> _Dist:
        g = np.zeros(self.n)
        if d > self.end:
            return _Dist(g, mass, mass * d)
        x = d / self.h
        k = int(math.floor(x + 1e-9))
        frac = x - k
        if frac < 1e-9 or k + 1 >= self.n:
            g[min(k, self.n - 1)] = mass
            return _Dist(g)
        g[k], g[k + 1] = mass * (1.0 - frac), mass * frac
        return _Dist(g, exact=False)

    def law(self, law: _Law, cap: float = math.inf, mass: float = 1.0) -> _Dist:
        """``mass`` x the law restricted to ``X <= cap`` (a sub-distribution of mass ``F(cap)``)."""
        if law.fixed is not None:
            return self.point(law.fixed, mass) if law.fixed <= cap else self.zero()
        key = (id(law), cap)
        if key not in self.cache:
            self.cache[key] = (law, self._law(law, cap))
        return self.scale(self.cache[key][1], mass)

    def _law(self, law: _Law, cap: float) -> _Dist:
        assert law.cdf is not None and law.pe is not None
        x = np.minimum(self.t, cap)
        f, pe = law.cdf(x), law.pe(x)
        m, p = np.diff(f), np.diff(pe)
        up = np.clip((p - self.t[:-1] * m) / self.h, 0.0, m)
        g = np.zeros(self.n)
        g[:-1] += m - up
        g[1:] += up
        g[0] += f[0]
        f_cap = law.F(cap)
        pe_cap = law.mean if math.isinf(cap) else float(law.pe(np.array([cap]))[0])
        return _Dist(g, max(f_cap - f[-1], 0.0), max(pe_cap - pe[-1], 0.0), exact=False)

    def m1(self, d: _Dist) -> float:
        """First moment (ms x probability)."""
        return float((d.g * self.t).sum()) + d.om

    def scale(self, d: _Dist, k: float) -> _Dist:
        return _Dist(d.g * k, d.o * k, d.om * k, d.exact)

    def add(self, a: _Dist | None, b: _Dist) -> _Dist:
        if a is None:
            return b
        return _Dist(a.g + b.g, a.o + b.o, a.om + b.om, a.exact and b.exact)

    def conv(self, a: _Dist, b: _Dist) -> _Dist:
        """The distribution of a sum (sub-densities multiply their masses)."""
        n = self.n
        ia, ib = np.flatnonzero(a.g), np.flatnonzero(b.g)
        g = np.zeros(n)
        o0 = om0 = 0.0
        if ia.size and ib.size:
            x, y = a.g[ia[0] : ia[-1] + 1], b.g[ib[0] : ib[-1] + 1]
            if min(x.size, y.size) <= 64 or x.size * y.size <= 200_000:
                c = np.convolve(x, y)
            else:
                size = 1 << int(math.ceil(math.log2(x.size + y.size - 1)))
                c = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(y, size), size)[: x.size + y.size - 1]
                c[c < 1e-16 * c.max()] = 0.0
            start = int(ia[0] + ib[0])
            keep = max(min(n - start, c.size), 0)
            g[start : start + keep] = c[:keep]
            spill = c[keep:]
            if spill.size:
                o0 = float(spill.sum())
                om0 = float((spill * ((start + keep + np.arange(spill.size)) * self.h)).sum())
        ga, ma = self._sums(a, ia)
        gb, mb = self._sums(b, ib)
        o = o0 + a.o * gb + ga * b.o + a.o * b.o
        om = om0 + a.om * gb + a.o * mb + ma * b.o + ga * b.om + a.om * b.o + a.o * b.om
        return _Dist(g, o, om, a.exact and b.exact)

    def _sums(self, a: _Dist, idx: NDArray[np.int64]) -> tuple[float, float]:
        if not idx.size:
            return 0.0, 0.0
        seg = a.g[idx[0] : idx[-1] + 1]
        return float(seg.sum()), float((seg * self.t[idx[0] : idx[-1] + 1]).sum())

    def shift(self, a: _Dist, d: float) -> _Dist:
        return a if d == 0 else self.conv(a, self.point(d))

    def max_all(self, ds: list[_Dist]) -> _Dist:
        """All of independent sub-distributions, at their maximum: product of (sub-)CDFs."""
        cdf = np.ones(self.n)
        masses = [d.mass for d in ds]
        for d in ds:
            cdf = cdf * np.cumsum(d.g)
        total = float(np.prod(masses))
        om = sum(d.om * float(np.prod(masses[:i] + masses[i + 1 :])) for i, d in enumerate(ds))
        return _Dist(np.diff(cdf, prepend=0.0), max(total - float(cdf[-1]), 0.0), om, all(d.exact for d in ds))

    def max_pow(self, d: _Dist, k: int) -> _Dist:
        """The maximum of ``k`` independent copies (all of them)."""
        if k == 0:
            return self.point(0.0)
        cdf = np.cumsum(d.g)
        m, gm = d.mass, float(d.g.sum())
        return _Dist(np.diff(cdf**k, prepend=0.0), max(m**k - gm**k, 0.0), k * d.om * m ** (k - 1), d.exact)

    def split(self, d: _Dist, limit: float) -> tuple[_Dist, float]:
        """(the part at most ``limit``, the mass past it); past the grid the tail counts as below."""
        if limit >= self.end:
            return d, 0.0
        k = int(math.floor(limit / self.h + 1e-9))
        g = d.g.copy()
        above = float(g[k + 1 :].sum()) + d.o
        g[k + 1 :] = 0.0
        return _Dist(g, 0.0, 0.0, d.exact), above

    def ceil_mean(self, d: _Dist, unit: float) -> float:
        """E[duration rounded up to ``unit``] x probability: exact on exact grids, else mean + unit/2."""
        if d.exact:
            return float((d.g * round_up(self.t, unit)).sum()) + d.om + d.o * unit / 2.0
        return self.m1(d) + d.mass * unit / 2.0


# --- metering -----------------------------------------------------------------------------------------


class _Meter:
    """Expected meters by (state, field): ``inv``, ``gb_x86``, ``gb_arm``, ``eph``, ``tr``, ``cold``,
    ``busy_ms``, ``xreq``, ``xgbh``, ``svc:KEY``."""

    __slots__ = ("v",)

    def __init__(self) -> None:
        self.v: dict[tuple[str, str], float] = {}

    def put(self, state: str, name: str, x: float) -> None:
        if x:
            self.v[(state, name)] = self.v.get((state, name), 0.0) + x

    def add(self, other: _Meter, k: float = 1.0) -> None:
        if k:
            for key, x in other.v.items():
                self.v[key] = self.v.get(key, 0.0) + x * k

    def total(self, name: str) -> float:
        return sum(x for (_, f), x in self.v.items() if f == name)


@dataclass
class _Kernel:
    exits: dict[Key, _Dist]
    meter: _Meter


# --- the engine ---------------------------------------------------------------------------------------


def _err(name: str, kind: str, hop: bool = False) -> Key:
    return ("err", name, kind, hop)


def _count_pmf(count: ItemCount) -> list[tuple[int, float]]:
    """(items, probability) pairs of a Map's item count, at most :data:`_MAX_COUNT_POINTS` of them."""
    if isinstance(count, FixedCount):
        return [(count.n, 1.0)]
    if isinstance(count, UniformCount):
        ks = np.arange(count.low, count.high + 1)
        probs = np.full(ks.size, 1.0 / ks.size)
    elif isinstance(count, PoissonCount):
        lam = count.mean
        if lam == 0:
            return [(0, 1.0)]
        ks = np.arange(0, int(lam + 12.0 * math.sqrt(lam) + 20))
        probs = np.exp(ks * math.log(lam) - lam - np.array([math.lgamma(k + 1.0) for k in ks]))
    else:
        assert isinstance(count, LogNormalCount)
        sigma = math.log(count.p95 / count.median) / 1.6448536269514722
        if sigma == 0:
            return [(round(count.median), 1.0)]
        top = int(math.ceil(count.median * math.exp(9.0 * sigma))) + 1
        ks = np.arange(0, top + 1)
        edges = _phi((np.log(np.maximum(ks + 0.5, 1e-300)) - math.log(count.median)) / sigma)
        probs = np.diff(edges, prepend=0.0)
    keep = probs > 1e-12
    ks, probs = ks[keep], probs[keep] / probs[keep].sum()
    if ks.size > _MAX_COUNT_POINTS:  # lump into bins, each at its mean count
        bins = np.array_split(np.arange(ks.size), _MAX_COUNT_POINTS)
        return [(round(float((ks[b] * probs[b]).sum() / probs[b].sum())), float(probs[b].sum())) for b in bins if probs[b].sum() > 0]
    return [(int(k), float(p)) for k, p in zip(ks, probs, strict=True)]


def _nice_step(need: float, quantum: float | None) -> float:
    """A grid step >= ``need`` ms: a divisor of ``quantum`` (every fixed duration's gcd) if one
    fits, else 1, 2 or 5 times a power of ten."""
    if quantum is not None and quantum >= need:
        return quantum / math.floor(quantum / need)
    e = 10.0 ** math.floor(math.log10(max(need, 1e-9)))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * e >= need:
            return m * e
    return 10.0 * e  # pragma: no cover


class _Engine:
    """One evaluation of a workflow under one pattern (cold-start probabilities given)."""

    def __init__(self, sc: Scenario, wf: Workflow, pattern: str, rules: BillingRules, grid: _Grid,
                 pc: dict[str, float], fixed: Mapping[str, Any] | None = None, shared: _Engine | None = None) -> None:
        self.sc, self.wf, self.pattern, self.rules, self.grid, self.pc = sc, wf, pattern, rules, grid, pc
        self.fixed = dict(fixed or {})  # top-level Choice -> its target, Map -> its item count, for this run
        self.shared = shared  # an engine whose nested scopes (branches, items) this one reuses
        self.sfn = pattern.startswith("sfn")
        self.standard = pattern == "sfn-standard"
        self.unit = float(rules.lambda_rounding_ms)
        self.kernels: dict[str, _Kernel] = {}
        self.walks: dict[tuple[int, str], tuple[dict[Key, _Dist], _Meter]] = {}
        self.prev: dict[str, _Kernel] = {}
        self.busy: set[str] = set()
        self.cycled = False
        self.scope_of: dict[str, Definition] = {}
        self._index(wf.definition)
        self.first_hop = self._trigger_tasks() if pattern == "lambda-chain-async" and sc.workload.trigger == "sync" else set()
        # A synchronous chain's retry policy is its functions' code: the trigger's own calls are not
        # retried by it (a synchronous client gets the error; an async trigger's queue re-runs the chain)
        self.trigger_called = self._trigger_tasks() if pattern == "lambda-chain-sync" else set()
        # Lambda's async queue delivers an Event twice at this rate: the twin runs the Task and the rest of
        # its scope (metered), its end thrown away (outcomes are the original's)
        self.dup = sc.lambda_.async_duplicate_rate if pattern == "lambda-chain-async" else 0.0
        self.durable = pattern == "lambda-durable"
        if self.durable:
            self.orch, self.ops = sc.durable_plan()
            # each resume: a new invocation, INIT when cold (at its mean), the handler's replay
            self.lead = pc.get(ORCHESTRATOR, 0.0) * self.orch.init_ms + sc.durable.replay_ms
            self.kb = sc.durable.result_kb

    def _index(self, defn: Definition) -> None:
        for st in defn.states.values():
            self.scope_of[st.name] = defn
            for sub in ([st.processor] if st.processor else []) + list(st.branches):
                self._index(sub)

    def _trigger_tasks(self) -> set[str]:
        """Tasks a synchronous client invokes itself: those reached from the start through Pass,
        Choice and Wait states only (their errors go back to the client: no retries, no Catch)."""
        top, seen, out = self.wf.definition, set(), set()
        todo = [top.start_at]
        while todo:
            st = top.states[todo.pop()]
            if st.name in seen:
                continue
            seen.add(st.name)
            if st.type == "Task":
                out.add(st.name)
            elif st.type in ("Pass", "Choice", "Wait"):
                todo += [t for t in st.targets() if t in top.states]
        return out

    # --- scopes

    def walk(self, defn: Definition, start: str) -> tuple[dict[Key, _Dist], _Meter]:
        """Outcomes (``("end",)`` or errors) of running ``defn`` from ``start``, and its metering."""
        key = (id(defn), start)
        if key in self.walks:
            return self.walks[key]
        if self.shared is not None and defn is not self.wf.definition and key in self.shared.walks:
            return self.shared.walks[key]
        gr = self.grid
        order = self._order(defn, start)
        pending: dict[str, _Dist] = {start: gr.point(0.0)}
        copies: dict[str, float] = {start: 1.0}  # with duplicate deliveries: expected runs arriving (metering)
        out: dict[Key, _Dist] = {}
        meter = _Meter()
        for _ in range(_MAX_SWEEPS):
            for name in order:
                arr = pending.pop(name, None)
                if arr is None or arr.mass < _EPS:
                    continue
                st = defn.states[name]
                k = self.kernel(st)
                runs = arr.mass
                if self.dup:
                    runs = copies.pop(name, arr.mass)
                    if st.type == "Task" and self.wf.tasks[name].kind not in WAITING_KINDS and name not in self.first_hop:
                        meter.put(name, "dups", runs * self.dup)  # duplicate deliveries of this hop
                        runs *= 1.0 + self.dup
                meter.add(k.meter, runs)
                for target, d in k.exits.items():
                    c = gr.conv(arr, d)
                    if target[0] == "next":
                        pending[target[1]] = gr.add(pending.get(target[1]), c)
                        if self.dup:
                            copies[target[1]] = copies.get(target[1], 0.0) + runs * d.mass
                    else:
                        out[target] = gr.add(out.get(target), c)
            if sum(d.mass for d in pending.values()) < _EPS:
                break
        self.walks[key] = (out, meter)
        return out, meter

    def _order(self, defn: Definition, start: str) -> list[str]:
        """States reachable from ``start`` in reverse post-order (a topological order but for loops)."""
        post: list[str] = []
        seen: set[str] = set()
        stack: list[tuple[str, Iterable[str]]] = [(start, iter(defn.states[start].targets()))]
        seen.add(start)
        while stack:
            name, it = stack[-1]
            nxt = next((t for t in it if t not in seen and t in defn.states), None)
            if nxt is None:
                post.append(name)
                stack.pop()
            else:
                seen.add(nxt)
                stack.append((nxt, iter(defn.states[nxt].targets())))
        return post[::-1]

    def _after(self, st: StateDef) -> Key:
        return _OK if st.terminal or st.next is None else ("next", st.next)

    # --- states

    def kernel(self, st: StateDef) -> _Kernel:
        if st.name in self.kernels:
            return self.kernels[st.name]
        if self.shared is not None and st.name in self.shared.kernels and self.scope_of[st.name] is not self.wf.definition:
            return self.shared.kernels[st.name]
        if st.name in self.busy:  # a synchronous chain's loop: the previous iteration's value
            self.cycled = True
            return self.prev.get(st.name) or _Kernel({}, _Meter())
        self.busy.add(st.name)
        try:
            k = self._kernel(st)
        finally:
            self.busy.discard(st.name)
        self.kernels[st.name] = k
        return k

    def _kernel(self, st: StateDef) -> _Kernel:
        gr, meter = self.grid, _Meter()
        exits: dict[Key, _Dist] = {}
        if self.sfn and st.type in ("Pass", "Choice", "Wait", "Succeed", "Fail"):
            meter.put(st.name, "tr", 1.0)
        if st.type == "Pass":
            exits[self._after(st)] = gr.point(0.0)
        elif st.type == "Succeed":
            exits[_OK] = gr.point(0.0)
        elif st.type == "Fail":
            exits[self._fail_key(FAIL_STATE)] = gr.point(0.0)
        elif st.type == "Choice" and st.name in self.fixed:
            target = self.fixed[st.name]
            exits[("next", target) if target is not None else self._fail_key(NO_CHOICE)] = gr.point(0.0)
        elif st.type == "Choice":
            rest = 1.0
            for target, p in self.wf.choices.get(st.name, ()):
                exits[("next", target)] = gr.add(exits.get(("next", target)), gr.point(0.0, p))
                rest -= p
            if rest > 1e-12:
                key = ("next", st.default) if st.default else self._fail_key(NO_CHOICE)
                exits[key] = gr.add(exits.get(key), gr.point(0.0, rest))
        elif st.type == "Wait":
            law = _Law(st.wait_s * 1000.0, fixed=st.wait_s * 1000.0) if st.wait_s is not None else _law(self.wf.waits[st.name].duration)
            exits[self._after(st)] = gr.law(law)
            if self.durable:  # a wait: 1 operation, suspended, resumed by a new invocation
                self._operations(meter, st.name, 1.0, 0.0)
                self._resumes(meter, 1.0)
                exits[self._after(st)] = gr.shift(exits[self._after(st)], self.lead)
            if self.pattern == "lambda-chain-async":
                short = law.F(900_000.0)
                meter.put(st.name, "svc:sqs:sendMessage", short)
                meter.put(st.name, "svc:scheduler:createSchedule", 1.0 - short)
        elif st.type == "Task":
            return self._task(st)
        else:
            return self._fan_out(st)
        return _Kernel(exits, meter)

    def _fail_key(self, name: str) -> Key:
        return _err(name, "fatal")

    def _attempt(self, law: _Law, cap: float, state_cap: float, init: float, pc: float, e: float, f: float,
                 names: tuple[str, str], hop: bool = False) -> tuple[dict[Key, _Dist], float]:
        """One attempt: time to each outcome, and the expected running time billed (ms, unrounded)."""
        gr = self.grid
        out: dict[Key, _Dist] = {}
        billed = 0.0

        def put(key: Key, d: _Dist) -> None:
            out[key] = gr.add(out.get(key), d)

        for offset, w in ((0.0, 1.0 - pc), (init, pc)):
            if w <= 0:
                continue
            limit = max(min(cap, state_cap - offset), 0.0)
            below = gr.shift(gr.law(law, limit, w), offset)
            put(_OK, gr.scale(below, 1.0 - e - f))
            if e > 0:
                put(_err(names[0], "transient", hop), gr.scale(below, e))
            if f > 0:
                put(_err(names[1], "fatal", hop), gr.scale(below, f))
            over = w * (1.0 - law.F(limit))
            if over > 0:
                if cap <= state_cap - offset:
                    put(_err(SANDBOX_TIMEOUT, "timeout", hop), gr.point(offset + cap, over))
                else:
                    put(_err(TIMEOUT, "timeout", hop), gr.point(state_cap, over))
            billed += w * (offset + law.min_mean(cap))
        return out, billed

    def _billed(self, law: _Law, cap: float, init: float, pc: float, running: float) -> float:
        """Expected billed ms per invocation (rules' rounding)."""
        if law.fixed is not None:
            warm = float(round_up(min(law.fixed, cap), self.unit))
            cold = float(round_up(min(law.fixed, cap) + init, self.unit))
            return (1.0 - pc) * warm + pc * cold
        return running + self.unit / 2.0

    def _bill(self, meter: _Meter, name: str, step: Any, billed_ms: float, pc: float, k: float = 1.0) -> None:
        gb = step.memory_mb / 1024.0 * billed_ms / 1000.0
        meter.put(name, "inv", k)
        meter.put(name, "gb_x86" if step.arch == "x86_64" else "gb_arm", k * gb)
        extra = max(step.ephemeral_storage_mb - self.rules.included_ephemeral_storage_mb, 0) / 1024.0
        meter.put(name, "eph", k * extra * billed_ms / 1000.0)
        meter.put(name, "busy_ms", k * billed_ms)
        meter.put(name, "cold", k * pc)

    def _task(self, st: StateDef) -> _Kernel:
        tp = self.wf.tasks[st.name]
        gr, meter, step = self.grid, _Meter(), tp.step
        kind = tp.kind
        calls = kind in ("service", "job") or (kind == "callback" and st.service != "lambda:invoke")
        pc = self.pc.get(st.name, 0.0)
        names = (tp.error_name, tp.fatal_error_name)
        e, f = step.error_rate, step.fatal_error_rate
        if self.pattern == "lambda-chain-sync":
            return self._sync_task(st, tp, calls)
        if self.durable:
            return self._durable_task(st, tp, calls)
        asyn = self.pattern == "lambda-chain-async"
        function = kind == "lambda" or (asyn and kind == "service")
        hop = function and st.name in self.first_hop
        if function:
            law, cap, init = _law(step.duration), step.timeout_s * 1000.0, step.init_ms
        else:  # a latency or a wait, no Lambda
            assert tp.wait is not None
            law, cap, init, pc = _wait_law(tp), math.inf, 0.0, 0.0
        state_cap = st.timeout_s * 1000.0 if (self.sfn and st.timeout_s is not None) else math.inf
        outcomes, running = self._attempt(law, cap, state_cap, init, pc, e, f, names, hop)
        per = _Meter()
        if function:
            billed = self._billed(law, cap, init, pc, running)
            send = self.sc.lambda_.invoke_overhead_ms
            if asyn and send > 0 and not st.terminal and st.next is not None and _OK in outcomes:
                billed += send * outcomes[_OK].mass  # the Event to what comes next, on success only
                outcomes[_OK] = gr.shift(outcomes[_OK], send)
            self._bill(per, st.name, step, billed, pc)
        if calls:
            per.put(st.name, f"svc:{service_key(st.resource or st.service or '')}", 1.0)
        if self.sfn:
            per.put(st.name, "tr", 1.0)
            lead = self.sc.step_functions.transition_latency_ms
            outcomes = {k: gr.shift(d, lead) for k, d in outcomes.items()}
            final, attempts = self._retry(outcomes, *self._asl(st))
        elif function and not hop:
            r = self.sc.chain.async_max_retries
            final, attempts = self._retry(outcomes, lambda key: 0, [r], lambda i, c: gr.point(ASYNC_RETRY_DELAYS_S[c - 1] * 1000.0))
        else:
            final, attempts = outcomes, 1.0
        meter.add(per, attempts)
        return _Kernel(self._route(st, final), meter)

    def _asl(self, st: StateDef) -> tuple[Callable[[Key], int], list[int], Callable[[int, int], _Dist]]:
        """ASL Retry: first matching retrier, each retrier's MaxAttempts, its backoff before retry c."""
        retry = st.retry

        def wait(i: int, c: int) -> _Dist:
            r = retry[i]
            w = r.interval_s * r.backoff_rate ** (c - 1)
            w = min(w, r.max_delay_s) if r.max_delay_s is not None else w
            return self.grid.law(_uniform(0.0, w * 1000.0)) if r.jitter == "FULL" else self.grid.point(w * 1000.0)

        return (lambda key: first_match(retry, key[1])), [min(r.max_attempts, _MAX_RETRIES) for r in retry], wait

    def _retry(self, outcomes: dict[Key, _Dist], match: Callable[[Key], int], caps: list[int],
               wait: Callable[[int, int], _Dist]) -> tuple[dict[Key, _Dist], float]:
        """Repeat attempts while a matching retrier has retries left (its own counter)."""
        gr = self.grid
        level: dict[tuple[int, ...], _Dist] = {tuple(0 for _ in caps): gr.point(0.0)}
        final: dict[Key, _Dist] = {}
        attempts = 0.0
        while level:
            nxt: dict[tuple[int, ...], _Dist] = {}
            for counters, arr in level.items():
                m = arr.mass
                if m < _EPS:
                    continue
                attempts += m
                for key, d in outcomes.items():
                    c = gr.conv(arr, d)
                    i = -1 if key == _OK else match(key)
                    if i >= 0 and counters[i] < caps[i]:
                        nc = counters[:i] + (counters[i] + 1,) + counters[i + 1 :]
                        nxt[nc] = gr.add(nxt.get(nc), gr.conv(c, wait(i, nc[i])))
                    else:
                        final[key] = gr.add(final.get(key), c)
            level = nxt
        return final, attempts

    def _route(self, st: StateDef, final: dict[Key, _Dist], ok: Key | None = None) -> dict[Key, _Dist]:
        """Exits after retries: ok to the next state, errors to a matching Catch or out of the scope."""
        gr = self.grid
        exits: dict[Key, _Dist] = {}
        for key, d in final.items():
            if key == _OK:
                target = ok or self._after(st)
            else:
                j = -1 if key[3] else first_match(st.catch, key[1])  # a sync client's own error is not caught
                target = ("next", st.catch[j].next) if j >= 0 else key
            exits[target] = gr.add(exits.get(target), d)
        return exits

    def _sync_task(self, st: StateDef, tp: Any, calls: bool) -> _Kernel:
        """A synchronous chain's call of the Task's function: its work, then (after
        ``invoke_overhead_ms``) the rest of the scope, all within its timeout (init included)."""
        gr, meter, step = self.grid, _Meter(), tp.step
        law, cap, init = _law(step.duration), step.timeout_s * 1000.0, step.init_ms
        pc = self.pc.get(st.name, 0.0)
        if st.terminal or st.next is None:
            rest: dict[Key, _Dist] = {_OK: gr.point(0.0)}
            rest_meter = _Meter()
        else:
            rest, rest_meter = self.walk(self.scope_of[st.name], st.next)
            rest = {k: gr.shift(d, self.sc.lambda_.invoke_overhead_ms) for k, d in rest.items()}
        outcomes: dict[Key, _Dist] = {}
        billed = work_ok_mass = 0.0
        tkey = _err(SANDBOX_TIMEOUT, "timeout")
        for offset, w in ((0.0, 1.0 - pc), (init, pc)):
            if w <= 0:
                continue
            limit = max(cap - offset, 0.0)
            own, _ = self._attempt(law, limit, math.inf, 0.0, 0.0, step.error_rate, step.fatal_error_rate,
                                   (tp.error_name, tp.fatal_error_name))
            work_ok = own.pop(_OK, gr.zero())
            work_ok_mass += w * work_ok.mass
            total = dict(own)
            for key, d in rest.items():
                total[key] = gr.add(total.get(key), gr.conv(work_ok, d))
            running = gr.zero()
            for key, d in total.items():
                below, above = gr.split(d, limit)
                if above > 0:
                    outcomes[tkey] = gr.add(outcomes.get(tkey), gr.point(cap, w * above))
                    running = gr.add(running, gr.point(limit, above))
                running = gr.add(running, below)
                outcomes[key] = gr.add(outcomes.get(key), gr.scale(gr.shift(below, offset), w))
            billed += w * gr.ceil_mean(gr.shift(running, offset), self.unit)
        per = _Meter()
        self._bill(per, st.name, step, billed, pc)
        if calls:
            per.put(st.name, f"svc:{service_key(st.resource or st.service or '')}", 1.0)
        per.add(rest_meter, work_ok_mass)
        if self.sc.chain.sync_retry == "policy" and st.name not in self.trigger_called:
            pol = self.sc.retry

            def wait(i: int, c: int) -> _Dist:
                w = pol.interval_s * pol.backoff_rate ** (c - 1)
                w = min(w, pol.max_delay_s) if pol.max_delay_s is not None else w
                return gr.law(_uniform(0.0, w * 1000.0)) if pol.jitter == "full" else gr.point(w * 1000.0)

            final, attempts = self._retry(outcomes, lambda key: 0 if key[2] in ("transient", "timeout") else -1,
                                          [min(pol.max_attempts, _MAX_RETRIES)], wait)
        else:
            final, attempts = outcomes, 1.0
        meter.add(per, attempts)
        return _Kernel(self._route(st, final, ok=_OK), meter)

    # --- Lambda durable functions

    def _operations(self, meter: _Meter, state: str, ops: float, kb: float) -> None:
        """Durable operations and the data they write (:mod:`orchsim.aws.durable`)."""
        meter.put(state, f"svc:{DURABLE_OPERATIONS}", ops)
        meter.put(state, f"svc:{DURABLE_WRITTEN}", kb / KB_PER_GB)

    def _orchestrator(self, meter: _Meter, busy_ms: float, invocations: float = 0.0) -> None:
        """The orchestrating function's billed time and invocations (each invocation rounded up: half a unit)."""
        o = self.orch
        busy_ms += invocations * self.unit / 2.0
        meter.put(ORCHESTRATOR, "inv", invocations)
        meter.put(ORCHESTRATOR, "cold", invocations * self.pc.get(ORCHESTRATOR, 0.0))
        meter.put(ORCHESTRATOR, "gb_x86" if o.arch == "x86_64" else "gb_arm", o.memory_mb / 1024.0 * busy_ms / 1000.0)
        extra = max(o.ephemeral_storage_mb - self.rules.included_ephemeral_storage_mb, 0) / 1024.0
        meter.put(ORCHESTRATOR, "eph", extra * busy_ms / 1000.0)
        meter.put(ORCHESTRATOR, "busy_ms", busy_ms)

    def _resumes(self, meter: _Meter, n: float) -> None:
        """``n`` resumes: each a new invocation replaying the handler (INIT when cold)."""
        self._orchestrator(meter, n * self.lead, n)

    def _durable_task(self, st: StateDef, tp: Any, calls: bool) -> _Kernel:
        """A Task as a durable ``step`` (inside the live invocation, at the orchestrator's memory),
        ``invoke`` (its own function; the orchestrator suspended, then resumed) or ``callback``
        (suspended while it waits); ASL Retry is its retry strategy, each retry after a suspended backoff."""
        gr, step = self.grid, tp.step
        op = self.ops[st.name]
        names = (tp.error_name, tp.fatal_error_name)
        e, f = step.error_rate, step.fatal_error_rate
        law = _law(step.duration) if tp.kind == "lambda" or tp.wait is None else _wait_law(tp)
        per, meter = _Meter(), _Meter()
        lead = gr.point(self.lead)
        if op == "step":
            outcomes, running = self._attempt(law, self.orch.timeout_s * 1000.0, math.inf, 0.0, 0.0, e, f, names)
            self._operations(per, st.name, 1.0, self.kb)
            self._orchestrator(per, running)
            per.put(st.name, "att", 1.0)
        elif op == "invoke":
            pc = self.pc.get(st.name, 0.0)
            cap, init = step.timeout_s * 1000.0, step.init_ms
            outcomes, running = self._attempt(law, cap, math.inf, init, pc, e, f, names)
            self._bill(per, st.name, step, self._billed(law, cap, init, pc, running), pc)
            per.put(st.name, "att", 1.0)
            self._operations(per, st.name, float(INVOKE_OPERATIONS), self.kb)
            self._resumes(per, 1.0)
            outcomes = {k: gr.conv(d, lead) for k, d in outcomes.items()}
        else:  # waitForCallback: 3 operations, 1 more per retry; the submitter's result and the payload twice
            outcomes, _ = self._attempt(law, math.inf, math.inf, 0.0, 0.0, e, f, names)
            self._operations(per, st.name, 1.0, 3.0 * self.kb)
            self._operations(meter, st.name, float(CALLBACK_OPERATIONS - 1), 0.0)
            self._resumes(per, 1.0)
            outcomes = {k: gr.conv(d, lead) for k, d in outcomes.items()}
        if calls:
            per.put(st.name, f"svc:{service_key(st.resource or st.service or '')}", 1.0)
        match, caps, wait = self._asl(st)
        final, attempts = self._retry(outcomes, match, caps, lambda i, c: gr.conv(wait(i, c), lead))
        meter.add(per, attempts)
        self._resumes(meter, attempts - 1.0)  # each retry after its backoff, suspended
        return _Kernel(self._route(st, final), meter)

    # --- Parallel and Map

    def _fan_out(self, st: StateDef) -> _Kernel:
        gr, per, meter = self.grid, _Meter(), _Meter()
        asyn = self.pattern == "lambda-chain-async"
        if self.sfn:
            per.put(st.name, "tr", 1.0)
        if st.type == "Parallel":
            runs = [self.walk(b, b.start_at) for b in st.branches]
            oks = [r[0].get(_OK, gr.zero()) for r in runs]
            ok = gr.max_all(oks)
            fails = [{k: d for k, d in r[0].items() if k != _OK} for r in runs]
            for _, m in runs:
                per.add(m)
            ends = sum(d.mass for d in oks)
        else:
            ok, fails, ends = self._map(st, per)
        if self.durable:
            self._durable_block(st, per, ok, fails)
        outcomes: dict[Key, _Dist] = {_OK: ok}
        lost = max(1.0 - ok.mass, 0.0)
        raw = sum(d.mass for fl in fails for d in fl.values())
        for fl in fails:
            for k, d in fl.items():
                outcomes[k] = gr.add(outcomes.get(k), gr.scale(d, lost / raw if raw > 0 else 0.0))
        if asyn:
            per.put(st.name, "svc:dynamodb:putItem", 1.0)
            per.put(st.name, "svc:dynamodb:updateItem", ends)
        if self.sfn:
            final, attempts = self._retry(outcomes, *self._asl(st))
        else:
            final, attempts = outcomes, 1.0
        meter.add(per, attempts)
        return _Kernel(self._route(st, final), meter)

    def _durable_block(self, st: StateDef, per: _Meter, ok: _Dist, fails: list[dict[Key, _Dist]]) -> None:
        """A durable parallel or map: 1 operation and 1 per branch or item (two copies of each result
        written). Its branches run inside one invocation, billed for its wall clock, not their sum:
        when nothing in them suspends (no Wait, callback or invoke), the block's billed time is its
        expected wall clock; otherwise the branches' sum (an upper bound)."""
        branches = float(len(st.branches)) if st.type == "Parallel" else self.wf.map_mean(st.name)
        self._operations(per, st.name, 1.0 + branches, 2.0 * self.kb * branches)
        if any(self._suspends(b) for b in ([st.processor] if st.processor else list(st.branches))):
            return
        busy = per.v.get((ORCHESTRATOR, "busy_ms"), 0.0)
        wall = self.grid.m1(ok) + sum(self.grid.m1(d) for fl in fails for d in fl.values())
        if busy > wall > 0:
            k = wall / busy
            for key in [(ORCHESTRATOR, f) for f in ("busy_ms", "gb_x86", "gb_arm", "eph")]:
                if key in per.v:
                    per.v[key] *= k

    def _suspends(self, defn: Definition | None) -> bool:
        """Whether anything in a scope suspends the execution (a Wait, a callback or an invoke)."""
        if defn is None:
            return False
        for s in defn.states.values():
            if s.type == "Wait" or (s.type == "Task" and self.ops[s.name] != "step"):
                return True
            if any(self._suspends(b) for b in ([s.processor] if s.processor else []) + list(s.branches)):
                return True
        return False

    def _map(self, st: StateDef, per: _Meter) -> tuple[_Dist, list[dict[Key, _Dist]], float]:
        """A Map: all items ok (their maximum, in waves), item failures, expected items that end ok."""
        gr = self.grid
        assert st.processor is not None
        item_out, item_meter = self.walk(st.processor, st.processor.start_at)
        item_ok = item_out.get(_OK, gr.zero())
        distributed = st.distributed and self.sfn
        batch = st.batch_items if st.distributed and st.batch_items else 1
        cap = st.max_concurrency or 0
        if self.pattern == "lambda-chain-async":
            cap = 0
        elif self.durable:  # the SDK's map: every item at once unless capped (and no distributed children)
            distributed, batch = False, 1
        elif self.sfn:
            limit = _DISTRIBUTED_MAP_CAP if distributed else _INLINE_MAP_CAP
            cap = min(cap, limit) if cap else limit
        drawn = [(self.fixed[st.name], 1.0)] if st.name in self.fixed else _count_pmf(self.wf.map_items[st.name])
        pmf = [(math.ceil(n / batch), p) for n, p in drawn]
        units = sum(k * p for k, p in pmf)
        ok = gr.zero()
        full = gr.max_pow(item_ok, cap) if cap else None
        waves: list[_Dist] = [gr.point(0.0)]
        for k, p in pmf:
            if not cap or k <= cap:
                d = gr.max_pow(item_ok, k)
            else:
                assert full is not None
                while len(waves) <= k // cap:
                    waves.append(gr.conv(waves[-1], full))
                d = gr.conv(waves[k // cap], gr.max_pow(item_ok, k % cap))
            ok = gr.add(ok, gr.scale(d, p))
        express_child = distributed and st.execution_type == "EXPRESS"
        if distributed:
            per.put(st.name, "tr", units)
        if express_child:
            child = _Meter()
            child.v = {k: x for k, x in item_meter.v.items() if k[1] != "tr"}
            per.add(child, units)
            wall = gr.zero()
            for d in item_out.values():
                wall = gr.add(wall, d)
            billed = gr.ceil_mean(wall, float(self.rules.express_rounding_ms))
            mb = float(express_billed_memory_mb(self.sc.step_functions.express_memory_mb, self.rules.express_memory_chunk_mb))
            per.put(st.name, "xreq", units)
            per.put(st.name, "xgbh", units * billed * mb / 1000.0 / 1024.0 / 3600.0)
        else:
            per.add(item_meter, units)
        fails = [{k: d for k, d in item_out.items() if k != _OK}]
        return ok, fails, units * item_ok.mass


# --- the public function ------------------------------------------------------------------------------


def _quantum(wf: Workflow, sc: Scenario, pattern: str = "") -> float | None:
    """The gcd (ms) of every fixed duration the workflow can add, if all are whole milliseconds."""
    values: list[float] = [sc.step_functions.transition_latency_ms, sc.lambda_.invoke_overhead_ms, 60_000.0]
    if pattern == "lambda-durable":  # resumes add replay and the orchestrator's INIT, at its mean: not fixed
        orch, _ = sc.durable_plan()
        if orch.init_ms:
            return None
        values += [sc.durable.replay_ms, orch.timeout_s * 1000.0]
    for st in wf.definition.walk():
        if st.type == "Task":
            tp = wf.tasks[st.name]
            for d in (tp.step.duration, tp.wait.duration if tp.wait else None):
                if isinstance(d, Fixed):
                    values.append(d.ms)
            values += [tp.step.init_ms, tp.step.timeout_s * 1000.0]
            if any(not isinstance(d, Fixed) for d in (tp.step.duration,)):
                return None
        elif st.type == "Wait":
            if st.wait_s is None:
                return None
            values.append(st.wait_s * 1000.0)
        for r in st.retry:
            if r.jitter == "FULL":
                return None
            values += [r.interval_s * 1000.0 * r.backoff_rate**j for j in range(min(r.max_attempts, 8))]
    ints = [round(v) for v in values if v > 0]
    if any(abs(v - round(v)) > 1e-9 for v in values) or not ints:
        return None
    return float(math.gcd(*ints))


def _serial_ms(wf: Workflow, defn: Definition) -> float:
    """A rough serial length of a scope (ms), to size the grid: each state once, Maps by waves."""
    total = 0.0
    for st in defn.states.values():
        if st.type == "Task":
            tp = wf.tasks[st.name]
            wait = tp.wait.duration if tp.wait and not isinstance(tp.step.duration, ModelDuration) else tp.step.duration
            total += wait.mean_ms + tp.step.init_ms
        elif st.type == "Wait":
            total += st.wait_s * 1000.0 if st.wait_s is not None else wf.waits[st.name].duration.mean_ms
        elif st.type == "Parallel":
            total += max((_serial_ms(wf, b) for b in st.branches), default=0.0)
        elif st.type == "Map" and st.processor is not None:
            n = wf.map_mean(st.name)
            c = st.max_concurrency or n
            total += 1.5 * max(1.0, math.ceil(n / max(c, 1.0))) * _serial_ms(wf, st.processor)
    return total


def _limit_ms(wf: Workflow, pattern: str, rules: BillingRules) -> float:
    """The execution's time limit (ms): Express's 5 minutes and the machine's ``TimeoutSeconds``."""
    limit = rules.express_max_duration_s * 1000.0 if pattern == "sfn-express" else math.inf
    if pattern.startswith("sfn") and wf.definition.timeout_s is not None:
        limit = min(limit, wf.definition.timeout_s * 1000.0)
    return limit


def _grid(sc: Scenario, wf: Workflow, pattern: str, rules: BillingRules) -> _Grid:
    """A grid covering the limits that matter (Express's, the functions' timeouts in a synchronous
    chain, the execution's) or about four times the workflow's serial length."""
    span = max(4.0 * _serial_ms(wf, wf.definition), 1000.0)
    limit = _limit_ms(wf, pattern, rules)
    if pattern == "lambda-chain-sync":
        span = 1.05 * max(s.timeout_s for s in wf.steps) * 1000.0
    elif pattern == "sfn-express":
        span = 1.05 * limit
    elif limit < math.inf:
        span = min(max(span, 1.05 * limit), 20.0 * span)
    quantum = _quantum(wf, sc, pattern)
    if quantum is not None and quantum < span / (_CELLS - 1) and span / quantum < _MAX_CELLS:
        return _Grid(quantum, int(math.ceil(span / quantum)) + 1)  # more cells, to stay exact
    return _Grid(_nice_step(span / (_CELLS - 1), quantum))


def _refuse_express(wf: Workflow) -> None:
    for st in wf.definition.walk():
        if st.type == "Task" and st.kind in ("job", "callback", "activity"):
            raise InputError("pattern", f"sfn-express cannot run {st.path}: Task {st.name!r} is a {st.kind} "
                                        "(Express workflows support only request-response integrations); "
                                        "use sfn-standard or a Lambda chain")


def _evaluate(sc: Scenario, wf: Workflow, pattern: str, rules: BillingRules, grid: _Grid,
              pc: dict[str, float], fixed: Mapping[str, Any] | None = None,
              shared: _Engine | None = None) -> tuple[dict[Key, _Dist], _Meter, _Engine]:
    """Run the engine (iterating a synchronous chain's loops to their fixed point)."""
    eng = _Engine(sc, wf, pattern, rules, grid, pc, fixed, shared)
    out, meter = eng.walk(wf.definition, wf.definition.start_at)
    last = None
    for _ in range(2000):
        if not eng.cycled:
            break
        sig = (sum(d.mass for d in out.values()), sum(grid.m1(d) for d in out.values()), meter.total("inv"))
        if last is not None and all(abs(a - b) <= 1e-10 * max(1.0, abs(a)) for a, b in zip(sig, last, strict=True)):
            break
        last = sig
        prev = eng.kernels
        eng = _Engine(sc, wf, pattern, rules, grid, pc, fixed)
        eng.prev = prev
        out, meter = eng.walk(wf.definition, wf.definition.start_at)
    return out, meter, eng


def _reruns(sc: Scenario, wf: Workflow, rules: BillingRules, grid: _Grid, pc: dict[str, float],
            base: _Engine) -> tuple[dict[Key, _Dist], _Meter]:
    """A synchronous chain behind an async trigger: Lambda's async retries re-run the whole chain on
    any error. A re-run sees the same document: the same top-level Choice targets and Map item counts
    (the simulation's first-visit draws), so runs are evaluated per such condition and mixed."""
    retries = sc.chain.async_max_retries
    out: dict[Key, _Dist] = {}
    meter = _Meter()
    for weight, fixed in _conditions(wf) or [(1.0, {})]:
        o, m, _ = _evaluate(sc, wf, "lambda-chain-sync", rules, grid, pc, fixed, None if base.cycled else base)
        o, runs = base._retry(o, lambda key: 0, [retries], lambda i, c: grid.point(ASYNC_RETRY_DELAYS_S[c - 1] * 1000.0))
        for key, d in o.items():
            out[key] = grid.add(out.get(key), grid.scale(d, weight))
        meter.add(m, weight * runs)
    return out, meter


_MAX_CONDITIONS = 512


def _conditions(wf: Workflow) -> list[tuple[float, dict[str, Any]]]:
    """The joint first draws of the top-level Choices and Maps outside loops, with probabilities
    (Maps left out past :data:`_MAX_CONDITIONS` combinations, then everything: independent runs)."""
    top = wf.definition

    def reach(start: str) -> set[str]:
        seen, todo = set(), [t for t in top.states[start].targets() if t in top.states]
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo += [t for t in top.states[n].targets() if t in top.states]
        return seen

    looped = {n for n in top.states if n in reach(n)}
    factors: list[tuple[str, list[tuple[Any, float]]]] = []
    for st in top.states.values():
        if st.name in looped:
            continue
        if st.type == "Choice":
            opts: list[tuple[Any, float]] = list(wf.choices.get(st.name, ()))
            rest = 1.0 - sum(p for _, p in opts)
            if rest > 1e-12:
                opts.append((st.default, rest))
            factors.append((st.name, opts))
        elif st.type == "Map":
            factors.append((st.name, list(_count_pmf(wf.map_items[st.name]))))
    for keep in (("Choice", "Map"), ("Choice",)):
        chosen = [(n, o) for n, o in factors if top.states[n].type in keep]
        if math.prod(len(o) for _, o in chosen) <= _MAX_CONDITIONS:
            break
    else:
        return []
    combos: list[tuple[float, dict[str, Any]]] = [(1.0, {})]
    for name, opts in chosen:
        combos = [(w * p, {**f, name: v}) for w, f in combos for v, p in opts]
    return combos


def graph_per_document(scenario: Scenario, pattern: str, *, rules: BillingRules = DEFAULT_RULES) -> dict[str, Any]:
    """Expected metering and outcomes per arriving document of an imported workflow, no contention.

    Parameters
    ----------
    scenario
        A scenario whose pipeline has a ``definition``.
    pattern
        One of the five pattern names.
    rules
        Billing units (``book.rules``).

    Returns
    -------
    dict
        Floats under the keys of :func:`orchsim.analytic.engine.per_document` (``invocations``,
        ``gb_s_x86_64``, ``gb_s_arm64``, ``ephemeral_gb_s`` (GB-s), ``transitions``,
        ``express_requests``, ``express_gb_hours``, ``logs_gb``, ``latency_ms`` (mean end to end,
        ms), ``p_succeeded``, ``p_failed``, ``p_lost``, ``cold_starts``, ``duplicates``,
        ``express_over_limit`` (probability an execution passes Express's limit), ``busy_s``
        (Lambda seconds)); ``service_calls`` ({service key: calls}); ``by_state`` ({state:
        {``invocations``, ``gb_s``, ``transitions``, ``service_calls``}}). All per arriving document.

    Raises
    ------
    InputError
        ``pipeline.definition`` without a definition; ``pattern`` for sfn-express with a job,
        callback or activity Task (naming it).

    Examples
    --------
    >>> from orchsim.model.scenario import scenario_from_dict
    >>> sc = scenario_from_dict({"pipeline": {"definition": {"StartAt": "A", "States": {
    ...     "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:a", "Next": "B"},
    ...     "B": {"Type": "Pass", "End": True}}}}})
    >>> round(graph_per_document(sc, "sfn-standard")["transitions"], 6)  # A and B (A times out 2e-10 of the time)
    2.0
    """
    name = check_pattern(pattern)
    if name == "lambda-durable":
        scenario = scenario.as_workflow()  # a linear pipeline's steps as Tasks
    if scenario.pipeline.definition is None:
        raise InputError("pipeline.definition", "graph_per_document() needs an imported workflow; use per_document()")
    wf = scenario.pipeline.runnable()
    if name == "sfn-express":
        _refuse_express(wf)
    grid = _grid(scenario, wf, name, rules)
    trig_async = scenario.workload.trigger == "async"
    dup = scenario.step_functions.express_duplicate_rate if (name == "sfn-express" and trig_async) else 0.0
    runs = 1.0 + dup
    # Pass 1 without cold starts gives each function's invocations and hold time; pass 2 uses them.
    _, meter1, _ = _evaluate(scenario, wf, name, rules, grid, {})
    if name == "lambda-durable":
        _start(scenario, meter1, {}, rules)
    keep = scenario.lambda_.keep_alive_s
    keep_s = (keep.low_s + keep.high_s) / 2.0 if isinstance(keep, KeepAlive) else float(keep)
    rate = scenario.workload.docs_per_day / 86_400.0 * runs
    pc: dict[str, float] = {}
    for task in [*wf.tasks, ORCHESTRATOR]:
        inv = meter1.v.get((task, "inv"), 0.0)
        if inv > 0:
            hold_s = meter1.v.get((task, "busy_ms"), 0.0) / inv / 1000.0
            if name.startswith("sfn"):
                hold_s += scenario.step_functions.transition_latency_ms / 1000.0
            pc[task] = float(p_cold(rate * inv, hold_s, keep_s))
    out, meter, base = _evaluate(scenario, wf, name, rules, grid, pc)
    if name == "lambda-durable":
        first = _start(scenario, meter, pc, rules)
        out = {k: grid.shift(d, first) for k, d in out.items()}
    if name == "lambda-chain-sync" and trig_async and scenario.chain.async_max_retries > 0:
        out, meter = _reruns(scenario, wf, rules, grid, pc, base)
    return _summarise(scenario, name, rules, grid, out, meter, runs, dup)


def _start(sc: Scenario, meter: _Meter, pc: Mapping[str, float], rules: BillingRules = DEFAULT_RULES) -> float:
    """A durable execution's start: 1 operation, its input written, the first invocation (INIT when
    cold, no replay). Returns the time it adds before the first state, ms."""
    orch, _ = sc.durable_plan()
    payload = sc.workload.payload_kb
    kb = sc.durable.input_kb
    if kb is None:
        kb = (payload.mean_drawn() if isinstance(payload, LogNormalCount) else payload.mean_items()) if payload is not None else 8.0
    meter.put(ORCHESTRATOR, f"svc:{DURABLE_OPERATIONS}", 1.0)
    meter.put(ORCHESTRATOR, f"svc:{DURABLE_WRITTEN}", kb / KB_PER_GB)
    init = pc.get(ORCHESTRATOR, 0.0) * orch.init_ms
    busy = init + rules.lambda_rounding_ms / 2.0
    meter.put(ORCHESTRATOR, "inv", 1.0)
    meter.put(ORCHESTRATOR, "cold", pc.get(ORCHESTRATOR, 0.0))
    meter.put(ORCHESTRATOR, "gb_x86" if orch.arch == "x86_64" else "gb_arm", orch.memory_mb / 1024.0 * busy / 1000.0)
    meter.put(ORCHESTRATOR, "busy_ms", busy)
    return init


def _read_timeout_risk(sc: Scenario, grid: _Grid, out: dict[Key, _Dist]) -> float:
    """An upper bound on how often a synchronous call outlasts the SDK's read timeout: the chance the
    document's whole run does (every call is part of it). Not applied here; the simulation applies it."""
    limit = sc.lambda_.sdk_read_timeout_s * 1000.0
    total = sum(d.mass for d in out.values())
    return min(sum(grid.split(d, limit)[1] for d in out.values()) / total, 1.0) if total > 0 else 0.0


def _summarise(sc: Scenario, pattern: str, rules: BillingRules, grid: _Grid, out: dict[Key, _Dist], meter: _Meter,
               runs: float, dup: float) -> dict[str, Any]:
    ok = out.get(_OK, grid.zero())
    fails = {k: d for k, d in out.items() if k != _OK}
    latency = sum(grid.m1(d) for d in out.values())
    over = 0.0
    res: dict[str, Any] = {}
    express_billed = 0.0
    limit = _limit_ms(sc.pipeline.runnable(), pattern, rules)
    if limit < math.inf:  # past it the execution fails with States.Timeout (billed up to the limit)
        unit = float(rules.express_rounding_ms)
        below_ok, over = grid.split(ok, limit)
        latency = limit * over + grid.m1(below_ok)
        express_billed = grid.ceil_mean(below_ok, unit) + over * limit
        for d in fails.values():
            below, above = grid.split(d, limit)
            over += above
            latency += grid.m1(below) + above * limit
            express_billed += grid.ceil_mean(below, unit) + above * limit
        ok = below_ok
    if pattern != "sfn-express":
        express_billed = 0.0
    p_ok = ok.mass
    trig_async = sc.workload.trigger == "async"
    kw = {"trigger_async": trig_async, "dead_letter": sc.chain.dead_letter, "express_logging": sc.observability.express_logging(sc)}
    anywhere = bool(failure_outcome_recorded(pattern, **kw))
    first = bool(failure_outcome_recorded(pattern, first_hop=True, **kw))
    p_fail_total = max(1.0 - p_ok, 0.0)
    if pattern == "lambda-chain-sync":
        p_failed = p_fail_total if first else 0.0
    elif pattern == "lambda-chain-async":
        hop_mass = sum(d.mass for k, d in fails.items() if k[3])
        p_failed = p_fail_total if anywhere else min(hop_mass, p_fail_total) if first else 0.0
    else:
        p_failed = p_fail_total if anywhere else 0.0
    transitions = meter.total("tr")
    chunks = float(express_billed_memory_mb(sc.step_functions.express_memory_mb, rules.express_memory_chunk_mb))
    res.update({
        "invocations": runs * meter.total("inv"),
        "gb_s_x86_64": runs * meter.total("gb_x86"),
        "gb_s_arm64": runs * meter.total("gb_arm"),
        "ephemeral_gb_s": runs * meter.total("eph"),
        "transitions": transitions if pattern == "sfn-standard" else 0.0,
        "express_requests": (runs if pattern == "sfn-express" else 0.0) + runs * meter.total("xreq"),
        "express_gb_hours": runs * (express_billed * chunks / 1000.0 / 1024.0 / 3600.0 + meter.total("xgbh")),
        "logs_gb": 0.0,
        "latency_ms": latency,
        "p_succeeded": p_ok,
        "p_failed": p_failed,
        "p_lost": max(1.0 - p_ok - p_failed, 0.0),
        "cold_starts": runs * meter.total("cold"),
        "duplicates": dup + runs * meter.total("dups"),
        "express_over_limit": over if pattern == "sfn-express" else 0.0,
        "sdk_read_timeout_risk": _read_timeout_risk(sc, grid, out) if pattern == "lambda-chain-sync" else 0.0,
        "busy_s": runs * meter.total("busy_ms") / 1000.0,
    })
    if pattern == "sfn-express" and sc.observability.express_logging(sc):
        res["logs_gb"] = runs * transitions * sc.step_functions.log_bytes_per_transition / 1e9
    res["logs_gb"] += res["invocations"] * sc.observability.lambda_log_bytes(pattern, sc) / 1e9  # the functions' own logs
    calls: dict[str, float] = {}
    by_state: dict[str, dict[str, float]] = {}
    for (state, f), x in meter.v.items():
        x = float(x)
        if state == ORCHESTRATOR:  # not a state: a durable function's own metering
            if f.startswith("svc:"):
                calls[f[4:]] = calls.get(f[4:], 0.0) + runs * x
            continue
        row = by_state.setdefault(state, {"invocations": 0.0, "gb_s": 0.0, "transitions": 0.0, "service_calls": 0.0})
        if f == "svc:" + DURABLE_WRITTEN:  # a quantity (GB), not calls
            calls[f[4:]] = calls.get(f[4:], 0.0) + runs * x
        elif f == "inv":
            row["invocations"] += runs * x
        elif f in ("gb_x86", "gb_arm"):
            row["gb_s"] += runs * x
        elif f == "tr" and pattern == "sfn-standard":
            row["transitions"] += x
        elif f.startswith("svc:"):
            row["service_calls"] += runs * x
            calls[f[4:]] = calls.get(f[4:], 0.0) + runs * x
    for name, tp in sc.pipeline.runnable().tasks.items():  # model tokens: one call per invocation (or direct service call)
        call = step_tokens(tp.step)
        state_row = by_state.get(name)
        if call is None or state_row is None:
            continue
        model, tin, tout = call
        if pattern == "lambda-durable":
            n_calls = meter.v.get((name, "att"), 0.0)
        else:
            n_calls = state_row["service_calls"] if tp.kind == "service" and pattern.startswith("sfn") else state_row["invocations"]
        calls[MODEL_IN + model] = calls.get(MODEL_IN + model, 0.0) + n_calls * tin
        calls[MODEL_OUT + model] = calls.get(MODEL_OUT + model, 0.0) + n_calls * tout
        calls[MODEL_CALLS + model] = calls.get(MODEL_CALLS + model, 0.0) + n_calls
    res["orchestrator_invocations"] = runs * sum(x for (st, f), x in meter.v.items() if st == ORCHESTRATOR and f == "inv")
    if pattern == "lambda-durable":  # retained: what an execution wrote, while it runs and after (means)
        days = latency / 86_400_000.0
        calls[DURABLE_RETAINED] = retained_gb_months(calls.get(DURABLE_WRITTEN, 0.0), running_days=days,
                                                     retention_days=sc.durable.retention_days)
    res["service_calls"] = {k: float(v) for k, v in calls.items()}
    res["by_state"] = by_state
    return {k: (float(v) if isinstance(v, float | np.floating) else v) for k, v in res.items()}



def mixed_per_document(
    scenarios: Sequence[Scenario],
    pattern: str,
    *,
    rules: BillingRules = DEFAULT_RULES,
    linear: Callable[..., dict[str, Array]],
) -> tuple[dict[str, Array], Array, NDArray[np.int64], list[str]]:
    """Per-document metering of scenarios some of which are imported workflows, as arrays.

    Linear pipelines go through ``linear`` (:func:`orchsim.analytic.engine.per_document`, passed in
    to keep the import one way), imported workflows through :func:`graph_per_document`; a workflow
    the pattern cannot run gets NaN and a note.

    Parameters
    ----------
    scenarios
        The scenarios, in row order.
    pattern
        One of the five pattern names.
    rules
        Billing units (``book.rules``).
    linear
        The linear engine's ``per_document(params, pattern, rules=...)``.

    Returns
    -------
    tuple
        ``(doc, docs_per_day, steps, refused)``: the scalar keys of :func:`graph_per_document` as arrays
        over scenarios, and each service call per document as ``calls:<key>`` (:data:`CALLS_PREFIX`);
        documents per day; Task states (or steps); ``""`` or why the pattern was refused.
    """
    n = len(scenarios)
    doc = {key: np.zeros(n) for key in _SCALARS}
    calls: dict[str, Array] = {}
    refused = [""] * n
    # A durable function runs a linear pipeline in closed form when every step is a durable step
    # inside it; with invokes it is a workflow (its steps as Tasks)
    flat = [i for i, s in enumerate(scenarios) if s.pipeline.definition is None and (pattern != "lambda-durable" or _steps_inside(s))]
    if flat:
        rows = [scenarios[i] for i in flat]
        models = any(s.services for s in rows)
        part = linear(params_from_scenarios(rows, rules=rules), pattern, rules=rules, step_invocations=models)
        for key in _SCALARS:
            doc[key][flat] = part[key]
        for key in [k for k in part if k.startswith(CALLS_PREFIX)]:
            calls.setdefault(key[len(CALLS_PREFIX):], np.zeros(n))[flat] = part[key]
        if models:
            for key, v in linear_tokens(rows, part[STEP_INVOCATIONS]).items():
                calls.setdefault(key, np.zeros(n))[flat] = v
    for i, one in _graph_rows(scenarios, pattern, rules).items():
        if isinstance(one, str):
            refused[i] = one
            for key in _SCALARS:
                doc[key][i] = math.nan
            continue
        for key in _SCALARS:
            doc[key][i] = one[key]
        for key, v in one["service_calls"].items():
            calls.setdefault(key, np.zeros(n))[i] = v
    doc.update({f"{CALLS_PREFIX}{key}": v for key, v in sorted(calls.items())})
    docs = np.array([s.workload.docs_per_day for s in scenarios], dtype=float)
    steps = np.array([len(s.steps()) for s in scenarios], dtype=np.int64)
    return doc, docs, steps, refused


ANCHORS_PER_DECADE = 2
"""Volumes :func:`mixed_per_document` evaluates per decade when many scenarios differ only in volume."""

_INTERPOLATE_FROM = 6  # a group of this many volumes or more is evaluated at anchors and interpolated


def _graph_rows(scenarios: Sequence[Scenario], pattern: str, rules: BillingRules) -> dict[int, dict[str, Any] | str]:
    """:func:`graph_per_document` of each workflow scenario (or why the pattern is refused).

    Volume changes a workflow's per-document metering only through its functions' cold-start
    probabilities, a smooth function of log volume; scenarios that differ in nothing but
    ``workload.docs_per_day`` (a volume sweep, a crossover along volume) are evaluated at
    :data:`ANCHORS_PER_DECADE` volumes a decade (and at both ends) and every figure is interpolated
    linearly in log volume between them.
    """
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(scenarios):
        if s.pipeline.definition is None and (pattern != "lambda-durable" or _steps_inside(s)):
            continue
        data = s.to_dict()
        data["workload"] = {k: v for k, v in data["workload"].items() if k != "docs_per_day"}
        groups.setdefault(repr(sorted(_flat_items(data))), []).append(i)
    out: dict[int, dict[str, Any] | str] = {}
    for members in groups.values():
        volumes = sorted({scenarios[i].workload.docs_per_day for i in members})
        if len(volumes) < _INTERPOLATE_FROM or volumes[0] <= 0:
            for i in members:
                out[i] = _one(scenarios[i], pattern, rules)
            continue
        lo, hi = math.log10(volumes[0]), math.log10(volumes[-1])
        n = max(2, math.ceil((hi - lo) * ANCHORS_PER_DECADE) + 1)
        anchors = np.linspace(lo, hi, n)
        base = scenarios[members[0]]
        at = [_one(base.with_overrides({"workload.docs_per_day": float(10**a)}), pattern, rules) for a in anchors]
        if any(isinstance(a, str) for a in at):
            why = next(a for a in at if isinstance(a, str))
            for i in members:
                out[i] = why
            continue
        rows: list[dict[str, Any]] = [a for a in at if not isinstance(a, str)]
        keys = sorted({k for r in rows for k in r["service_calls"]})
        for i in members:
            x = math.log10(scenarios[i].workload.docs_per_day)
            one: dict[str, Any] = {key: float(np.interp(x, anchors, [r[key] for r in rows])) for key in _SCALARS}
            one["service_calls"] = {k: float(np.interp(x, anchors, [r["service_calls"].get(k, 0.0) for r in rows]))
                                    for k in keys}
            out[i] = one
    return out


def _steps_inside(s: Scenario) -> bool:
    """A linear pipeline whose durable function runs every step inside itself (no invokes)."""
    return s.durable.tasks == "step" and not s.durable.operations


def _flat_items(data: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for k, v in data.items():
        if isinstance(v, Mapping):
            out += _flat_items(v, f"{prefix}{k}.")
        else:
            out.append((f"{prefix}{k}", repr(v)))
    return out


def _one(scenario: Scenario, pattern: str, rules: BillingRules) -> dict[str, Any] | str:
    try:
        return graph_per_document(scenario, pattern, rules=rules)
    except InputError as exc:
        if exc.field != "pattern":
            raise
        return f"unsupported: {exc.message}"


CALLS_PREFIX = "calls:"
"""Prefix of the per-document service-call keys :func:`mixed_per_document` adds (``calls:dynamodb:putItem``)."""

_SCALARS = ("invocations", "gb_s_x86_64", "gb_s_arm64", "ephemeral_gb_s", "transitions", "express_requests",
            "express_gb_hours", "logs_gb", "latency_ms", "p_succeeded", "p_failed", "p_lost", "cold_starts",
            "duplicates", "express_over_limit", "sdk_read_timeout_risk", "busy_s")
"""The keys :func:`orchsim.analytic.engine.per_document` returns, in its order."""
