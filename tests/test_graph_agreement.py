"""Both engines agree on the shipped workflows: the analytic expectation lies within the simulation's
confidence interval for each per-document figure (no contention at these volumes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchsim import load_scenario, simulate
from orchsim.analytic.engine import monthly_cost
from orchsim.analytic.graph import graph_per_document
from orchsim.errors import InputError
from orchsim.sim.run import pattern_support

CASES = [("workflow-document-ai", 2.0), ("workflow-contract-review", 72.0)]


def _ci(values: np.ndarray) -> tuple[float, float]:
    """Mean and the half-width of a 99.9% interval (z = 3.29) of per-document values."""
    return float(values.mean()), 3.29 * float(values.std(ddof=1)) / math.sqrt(len(values))


@pytest.mark.parametrize(("name", "hours"), CASES)
def test_analytic_within_the_simulations_interval(name: str, hours: float) -> None:
    sc = load_scenario(name).with_overrides({"window_hours": hours})
    for pattern, why in pattern_support(sc).items():
        if why:  # both engines refuse it (Express and a callback)
            with pytest.raises(InputError):
                graph_per_document(sc, pattern)
            continue
        res = simulate(sc, pattern, detail=True)
        # documents of the first quarter of the window: nearly all finish (a person's approval takes
        # hours, with a long tail), so the long ones are not left out of the means
        first = res.documents[res.documents["arrival_s"] < hours * 900.0]
        docs = first[first["outcome"] != "in_flight"]
        assert len(docs) >= 0.995 * len(first), "expected the first quarter's documents finished"
        doc = graph_per_document(sc, pattern, rules=res.rules)
        assert doc["p_succeeded"] + doc["p_failed"] + doc["p_lost"] == pytest.approx(1.0), f"{pattern}: outcomes add to 1"
        own = doc["orchestrator_invocations"]  # a durable function's own (start, resumes): no state's
        assert sum(s["invocations"] for s in doc["by_state"].values()) + own == pytest.approx(doc["invocations"]), pattern
        cost = monthly_cost({k: np.array([v]) for k, v in doc.items() if isinstance(v, float)},
                            np.array([sc.workload.docs_per_day]))
        assert cost["total"][0] > 0, f"{pattern}: a cost"
        for column, key, slack in (("attempts", "invocations", 0.0), ("transitions", "transitions", 0.0),
                                   ("billed_gb_s", None, 0.02)):
            mean, half = _ci(docs[column].to_numpy(dtype=float))
            want = doc["gb_s_x86_64"] + doc["gb_s_arm64"] if key is None else doc[key]
            # GB-s: cold starts of Map items arriving together are a documented analytic approximation (2%)
            assert abs(want - mean) <= half + slack * mean + 1e-9, (
                f"{name} {pattern} {column}: analytic {want:.4f}, simulated {mean:.4f} +/- {half:.4f}")
        finished = len(docs)
        for key, calls in res.summary.service_calls.items():
            expected = doc["service_calls"].get(key, 0.0)
            # counted when made, by every document of the window (in-flight ones included)
            rate = calls / res.summary.docs_arrived
            assert abs(rate - expected) <= 3.29 * math.sqrt(max(expected, 1e-9) / finished) + 0.03 * expected, (
                f"{name} {pattern} {key}: analytic {expected:.4f}, simulated {rate:.4f}")
        ok = float((docs["outcome"] == "succeeded").mean())
        assert abs(ok - doc["p_succeeded"]) <= 3.29 * math.sqrt(max(ok * (1 - ok), 1e-4) / finished) + 1e-9, (
            f"{name} {pattern} success: analytic {doc['p_succeeded']:.4f}, simulated {ok:.4f}")
