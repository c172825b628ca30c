"""Where the money goes: a workflow's monthly cost split by state, under each pattern.

Each priced cost component of a simulation is shared out among the states by the state's part of
the quantity that component bills: Lambda compute by billed GB-s, Lambda requests by invocations,
Standard transitions by transitions, a service's requests by its calls (one billed unit a call, as
:mod:`orchsim.aws.services` assumes), the functions' CloudWatch Logs by invocations. Express requests
and duration, Express's logs (with its functions' lines), X-Ray traces and a durable function's own
invocations (its start and resumes, with their log lines) are billed per execution or document, not per
state: they go to a row of their own, ``(execution)``; a durable function's compute is shared out by
each state's work inside its invocations. The split is
exact for everything but free tiers and volume tiers, which are shared out in proportion too.

>>> from orchsim import load_scenario, simulate
>>> sc = load_scenario("workflow-document-ai").with_overrides({"window_hours": 0.25})
>>> df = cost_by_state([simulate(sc, "sfn-standard", detail=False)])
>>> round(float(df["usd_month"].sum()), 6) == round(simulate(sc, "sfn-standard", detail=False).cost.total_usd, 6)
True
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from orchsim.aws.services import BILLING_UNITS, SERVICE_UNITS
from orchsim.errors import InputError
from orchsim.sim.result import SimulationResult, month_factor

__all__ = ["EXECUTION", "cost_by_state", "unpriced_calls"]

EXECUTION = "(execution)"
"""The row of what is billed per execution, not per state (Express requests, duration and logs; X-Ray traces)."""

_BY_QUANTITY = {"lambda_compute": "billed_gb_s", "lambda_requests": "invocations", "sfn_transitions": "transitions"}
_PER_EXECUTION = ("express_requests", "express_duration", "logs")


def _component_of(key: str) -> str | None:
    unit = SERVICE_UNITS.get(key)
    return BILLING_UNITS[unit.unit].component if unit is not None else None


def cost_by_state(results: Sequence[SimulationResult]) -> pd.DataFrame:
    """Monthly cost of each state of an imported workflow, per pattern.

    Parameters
    ----------
    results
        Simulations of one imported workflow (any patterns).

    Returns
    -------
    pandas.DataFrame
        One row per (pattern, state, component) with a cost: ``pattern``, ``state`` (in definition
        order; :data:`EXECUTION` for per-execution billing), ``type``, ``component``, ``usd_month``,
        ``usd_per_1000_docs`` and ``docs_per_month``. The rows of a pattern add up to its total.

    Raises
    ------
    InputError
        For a result of a linear pipeline (it has no states).
    """
    rows = []
    for res in results:
        states = res.by_state
        if states is None:
            raise InputError("results", f"{res.scenario.name} ({res.pattern}) is a linear pipeline: it has no states; "
                                        "cost_by_state needs an imported workflow (pipeline.definition)")
        by_comp = res.cost.by_component()
        docs_month = res.summary.docs_arrived * month_factor(res.scenario, res.rules.month_hours)
        keys = states["service_keys"].fillna("").str.split(",")
        own = _orchestrator_share(res)
        for comp, usd in by_comp.items():
            if not usd:
                continue
            if comp in ("lambda_requests", "logs") and own > 0:  # a durable function's own invocations: per execution
                rows.append(_row(res, EXECUTION, "", comp, usd * own, docs_month))
                usd *= 1.0 - own
                if usd <= 0:
                    continue
            if comp in _BY_QUANTITY:
                weights = states[_BY_QUANTITY[comp]].astype(float)
            elif comp == "logs" and res.pattern != "sfn-express":  # the functions' own lines, per invocation
                weights = states["invocations"].astype(float)
            elif comp in _PER_EXECUTION:
                rows.append(_row(res, EXECUTION, "", comp, usd, docs_month))
                continue
            else:
                mine = [sum(1 for k in ks if k and _component_of(k) == comp) > 0 for ks in keys]
                weights = states["service_calls"].astype(float).where(pd.Series(mine, index=states.index), 0.0)
            total = float(weights.sum())
            if total <= 0:
                rows.append(_row(res, EXECUTION, "", comp, usd, docs_month))
                continue
            for (_, st), w in zip(states.iterrows(), weights, strict=True):
                if w > 0:
                    rows.append(_row(res, str(st["state"]), str(st["type"]), comp, usd * w / total, docs_month))
    return pd.DataFrame(rows, columns=["pattern", "state", "type", "component", "usd_month", "usd_per_1000_docs",
                                       "docs_per_month"])


def _orchestrator_share(res: SimulationResult) -> float:
    """A durable function's own share of the Lambda invocations (its start and resumes: per execution)."""
    if res.pattern != "lambda-durable" or res.by_step is None:
        return 0.0
    steps = res.by_step.set_index("step")["invocations"]
    total = float(steps.sum())
    return float(steps.get("orchestrator", 0.0)) / total if total else 0.0


def _row(res: SimulationResult, state: str, typ: str, comp: str, usd: float, docs_month: float) -> dict[str, object]:
    return {
        "pattern": res.pattern,
        "state": state,
        "type": typ,
        "component": comp,
        "usd_month": usd,
        "usd_per_1000_docs": usd / docs_month * 1000.0 if docs_month else float("nan"),
        "docs_per_month": docs_month,
    }


def unpriced_calls(results: Sequence[SimulationResult]) -> list[str]:
    """Footer lines for the calls the results counted but the price book does not price.

    Parameters
    ----------
    results
        Simulations (any pipeline).

    Returns
    -------
    list of str
        ``["counted, not priced: bedrock:invokeModel (5.0 a document; priced per token ...)", ...]``
        (empty when every call is priced).
    """
    seen: dict[str, str] = {}
    per_doc: dict[str, float] = {}
    for res in results:
        finished = res.summary.docs_arrived - res.summary.docs_in_flight
        for key, info in res.summary.unpriced_service_calls.items():
            seen.setdefault(key, str(info.get("note", "")) if isinstance(info, dict) else "")
            if finished:
                per_doc[key] = max(per_doc.get(key, 0.0), res.summary.service_calls.get(key, 0.0) / finished)
    return [f"counted, not priced: {k} ({per_doc.get(k, 0.0):.3g} a document; {note.split(';')[0]})" for k, note in seen.items()]
