"""Random streams: one NumPy generator per (scenario seed, replication, source of randomness).

Each generator is built from ``SeedSequence(seed, spawn_key=(replication, source))``: the source is
a fixed number, not a position in a spawn order, so adding a source never shifts the others, and
the same (seed, replication, source) gives the same draws in any process and on any executor.

Sources: :data:`ARRIVALS` (arrival times), :data:`JITTER` (SDK backoff and ASL full jitter),
:data:`DUPLICATES` (at-least-once duplicates), :data:`KEEP_ALIVE` (drawn keep-alive periods), and
per step ``k`` four streams through :func:`step_stream`: :data:`WORK` (first attempts' work times),
:data:`OUTCOME` (first attempts' outcome uniforms), :data:`RETRY_WORK` and :data:`RETRY_OUTCOME`
(the same for later attempts), and for a step that calls a model :data:`MODEL` and :data:`RETRY_MODEL`
(its tokens). Every pattern of a scenario uses the same streams (common random
numbers), so document ``i``'s first attempt at step ``k`` draws the same work and outcome under
every pattern.

>>> a = stream(7, 0, ARRIVALS).random(3)
>>> b = stream(7, 0, ARRIVALS).random(3)
>>> bool((a == b).all()), bool((a == stream(7, 1, ARRIVALS).random(3)).any())
(True, False)
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ARRIVALS",
    "DUPLICATES",
    "GRAPH_BASE",
    "KINDS_PER_STATE",
    "JITTER",
    "KEEP_ALIVE",
    "MODEL",
    "OUTCOME",
    "PAYLOAD",
    "RETRY_MODEL",
    "RETRY_OUTCOME",
    "RETRY_WORK",
    "WORK",
    "step_stream",
    "stream",
]

ARRIVALS = 0
"""Source number of the document arrival times."""
JITTER = 1
"""Source number of the jitter draws (SDK backoff, ASL ``JitterStrategy: FULL``)."""
DUPLICATES = 2
"""Source number of the at-least-once duplicate draws."""
KEEP_ALIVE = 3
"""Source number of the keep-alive periods drawn from a ``{low_s, high_s}`` range."""
PAYLOAD = 4
"""Source number of the documents' payload sizes (``workload.payload_kb``)."""

WORK = 0
"""Step stream kind: work durations of first attempts (one per document, drawn up front)."""
OUTCOME = 1
"""Step stream kind: outcome uniforms of first attempts (one per document, drawn up front)."""
RETRY_WORK = 2
"""Step stream kind: work durations of later attempts (drawn in blocks, as needed)."""
RETRY_OUTCOME = 3
"""Step stream kind: outcome uniforms of later attempts (drawn in blocks, as needed)."""
MODEL = 4
"""Step stream kind: a model-calling step's first attempts' tokens (and latency, for an explicit
latency distribution), one per document, drawn up front."""
RETRY_MODEL = 5
"""Step stream kind: the same for later attempts (drawn in blocks, as needed)."""

GRAPH_BASE = 100_000
"""First source number of an imported workflow's per-state streams: state ``i`` (definition order)
has sources ``GRAPH_BASE + KINDS_PER_STATE * i + j``: j = 0 its Choice draws, 1 its Map item counts,
2 its Wait durations."""
KINDS_PER_STATE = 4

_STEP_BASE = 1000
_KINDS_PER_STEP = 10


def stream(seed: int, replication: int, source: int) -> np.random.Generator:
    """The generator of one source of randomness of one replication.

    Parameters
    ----------
    seed
        The scenario's seed.
    replication
        Replication index (0 for the first).
    source
        Source number (:data:`ARRIVALS`, :data:`JITTER`, ...).

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator on ``SeedSequence(seed, spawn_key=(replication, source))``.
    """
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, source))))


def step_stream(seed: int, replication: int, step_index: int, kind: int) -> np.random.Generator:
    """The generator of one kind of draw for one step of one replication.

    Parameters
    ----------
    seed
        The scenario's seed.
    replication
        Replication index.
    step_index
        The step's position in the pipeline (0 for the first).
    kind
        :data:`WORK`, :data:`OUTCOME`, :data:`RETRY_WORK` or :data:`RETRY_OUTCOME`.

    Returns
    -------
    numpy.random.Generator
        :func:`stream` with source ``1000 + 10 * step_index + kind``.
    """
    return stream(seed, replication, _STEP_BASE + _KINDS_PER_STEP * step_index + kind)
