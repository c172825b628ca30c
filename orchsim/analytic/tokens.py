"""Expected model tokens per document: each model-calling step's expected invocations (every
invocation makes one call, retried and re-run ones included) times its mean tokens per call.

The engines return them among the per-document service calls, under :data:`MODEL_IN` and
:data:`MODEL_OUT` keys (``model_in:anthropic.claude-3-5-haiku``), so the graph engine's volume
interpolation and the mixing of linear and workflow rows carry them unchanged;
:func:`split_calls` separates them again for pricing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from orchsim.model.scenario import Scenario
from orchsim.model.services import ModelDuration

__all__ = ["MODEL_CALLS", "MODEL_IN", "MODEL_OUT", "STEP_INVOCATIONS", "linear_tokens", "split_calls", "step_tokens"]

MODEL_IN = "model_in:"
"""Key prefix of a model's expected input tokens per document."""
MODEL_OUT = "model_out:"
"""Key prefix of a model's expected output tokens per document."""
MODEL_CALLS = "model_calls:"
"""Key prefix of a model's expected calls per document."""
_PREFIXES = (MODEL_IN, MODEL_OUT, MODEL_CALLS)
STEP_INVOCATIONS = "step_invocations"
"""Key of the linear engine's expected invocations per step and point, shape (steps, points)."""

Array = NDArray[np.float64]


def step_tokens(step: object) -> tuple[str, float, float] | None:
    """(model, mean input tokens, mean output tokens) of one call of a step, or None if it calls none."""
    dist = getattr(step, "duration", None)
    if not isinstance(dist, ModelDuration):
        return None
    tin, tout = dist.service.mean_tokens()
    return dist.service.model, tin, tout


def linear_tokens(scenarios: Sequence[Scenario], step_invocations: Array) -> dict[str, Array]:
    """Expected tokens per document of linear pipelines, keyed ``model_in:<model>`` and
    ``model_out:<model>``, arrays over ``scenarios``.

    Parameters
    ----------
    scenarios
        The points, in order.
    step_invocations
        Expected invocations per step and point, shape (steps, points).
    """
    n = len(scenarios)
    out: dict[str, Array] = {}
    if not any(sc.services for sc in scenarios):  # no model anywhere (a sweep of a million points, say)
        return out
    for i, sc in enumerate(scenarios):
        if not sc.services:
            continue
        for k, step in enumerate(sc.steps()):
            call = step_tokens(step)
            if call is None:
                continue
            model, tin, tout = call
            calls = float(step_invocations[k, i])
            out.setdefault(MODEL_IN + model, np.zeros(n))[i] += calls * tin
            out.setdefault(MODEL_OUT + model, np.zeros(n))[i] += calls * tout
            out.setdefault(MODEL_CALLS + model, np.zeros(n))[i] += calls
    return out


def split_calls(
    calls: Mapping[str, Array],
) -> tuple[dict[str, Array], dict[str, tuple[Array, Array]], dict[str, Array]]:
    """Service calls per document, model tokens per document ``{model: (input, output)}`` and model
    calls per document ``{model: calls}``."""
    services = {k: v for k, v in calls.items() if not k.startswith(_PREFIXES)}
    models = sorted({k.split(":", 1)[1] for k in calls if k.startswith(_PREFIXES)})
    tokens: dict[str, tuple[Array, Array]] = {}
    n_calls: dict[str, Array] = {}
    for m in models:
        ref = next(calls[p + m] for p in _PREFIXES if p + m in calls)
        zero = np.zeros_like(ref)
        tokens[m] = (calls.get(MODEL_IN + m, zero), calls.get(MODEL_OUT + m, zero))
        n_calls[m] = calls.get(MODEL_CALLS + m, zero)
    return services, tokens, n_calls
