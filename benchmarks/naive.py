"""The naive SimPy baseline the simulation is measured against.

Poisson arrivals; each document a process that, for each step, requests one shared
``simpy.Resource`` (the account concurrency) and yields a timeout of the step's work. Work times are
drawn up front from the same distributions, so the baseline pays for SimPy only, not for NumPy calls.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from orchsim.model.scenario import Scenario


def naive_simpy(scenario: Scenario, seed: int = 0) -> int:
    """Run the naive model for the scenario's window; returns the number of documents started."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    lam = scenario.lambda_
    res = simpy.Resource(env, capacity=lam.concurrency_limit)
    steps = scenario.steps()
    rate = scenario.workload.docs_per_day / 86_400.0
    window_s = scenario.window_hours * 3600.0
    n = int(rate * window_s * 1.2) + 100
    gaps = rng.exponential(1.0 / rate, n).tolist()
    work_s = [(st.duration.sample(rng, n) / 1000.0).tolist() for st in steps]
    started = 0

    def document(i: int) -> Generator[Any, Any, None]:
        for k in range(len(steps)):
            with res.request() as req:
                yield req
                yield env.timeout(work_s[k][i])

    def arrivals() -> Generator[Any, Any, None]:
        nonlocal started
        for i, gap in enumerate(gaps):
            yield env.timeout(gap)
            env.process(document(i))
            started += 1

    env.process(arrivals())
    env.run(until=window_s)
    return started
