"""Random streams: one NumPy SeedSequence per (scenario seed, replication), one child per source.

Each stream is derived from a fixed spawn key, not from spawn order, so adding a stream never
shifts the others, and the same (seed, replication, source) gives the same draws in any process.
Every pattern of a scenario uses the same streams (common random numbers).
"""

from __future__ import annotations

import numpy as np

__all__ = ["stream", "ARRIVALS", "JITTER", "DUPLICATES", "KEEP_ALIVE", "RETRY_DRAWS", "step_stream"]

ARRIVALS = 0
JITTER = 1
DUPLICATES = 2
KEEP_ALIVE = 3
RETRY_DRAWS = 4
_STEP_BASE = 1000


def stream(seed: int, replication: int, source: int) -> np.random.Generator:
    """Independent generator for one source of randomness of one replication."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, source))))


def step_stream(seed: int, replication: int, step_index: int, kind: int) -> np.random.Generator:
    """Generator for step ``step_index``: ``kind`` 0 = work durations, 1 = error draws, 2 = retries."""
    return stream(seed, replication, _STEP_BASE + 10 * step_index + kind)
