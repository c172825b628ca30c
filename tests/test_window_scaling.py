"""A simulated window is scaled to a month by the documents it is expected to cover (the integral of
the arrival rate), so a window shorter than a diurnal day or a burst period agrees with the analytic
engine within the simulation's confidence interval, wherever in the cycle it falls.

Before: `orchsim simulate ai-document-pipeline --window-hours 2 --pattern sfn-express` saw 1,341
documents from the midnight low and reported $103.55/month against $317.89 from the analytic engine.
"""

from __future__ import annotations

import pandas as pd
import pytest

from orchsim.analytic.engine import estimate
from orchsim.model.scenario import load_scenario
from orchsim.sim.result import month_factor
from orchsim.sim.run import simulate
from orchsim.study.analysis import summarize

BURST = {"workload.arrival.kind": "burst", "workload.arrival.burst_every_s": 3600,
         "workload.arrival.burst_duration_s": 300, "workload.arrival.burst_factor": 5}
CASES = {
    "ai-document-pipeline (diurnal), 0.5 h": ("ai-document-pipeline", {"window_hours": 0.5}),
    "ai-document-pipeline (diurnal), 2 h": ("ai-document-pipeline", {"window_hours": 2.0}),
    "ai-document-pipeline (diurnal), 7 h": ("ai-document-pipeline", {"window_hours": 7.0}),
    "seed-article (poisson), 2 h": ("seed-article", {"window_hours": 2.0}),
    "burst, 0.5 h (inside the first period)": ("seed-article", {"window_hours": 0.5, **BURST}),
    "burst, 2.2 h (a partial period)": ("seed-article", {"window_hours": 2.2, **BURST}),
}
REPS = 6


@pytest.mark.parametrize("case", list(CASES))
def test_short_windows_agree_with_the_analytic_engine(case: str) -> None:
    name, overrides = CASES[case]
    sc = load_scenario(name).with_overrides({**overrides, "workload.docs_per_day": 12_000})
    pattern = "sfn-express" if "ai-document" in name else "lambda-chain-async"
    analytic = float(estimate(sc, [pattern]).iloc[0]["cost_total_usd"])
    rows = [simulate(sc, pattern, replication=r, detail=False).row() for r in range(REPS)]
    s = summarize(pd.DataFrame(rows), ["pattern"], ["cost_total_usd"]).iloc[0]
    lo, hi = float(s["cost_total_usd_ci_low"]), float(s["cost_total_usd_ci_high"])
    assert lo <= analytic <= hi, (
        f"{case}: analytic ${analytic:,.2f}/month outside the simulated 95% CI [{lo:,.2f}, {hi:,.2f}] "
        f"(mean {s['cost_total_usd']:,.2f}, {REPS} replications)"
    )


def test_month_factor_counts_expected_documents_not_hours() -> None:
    flat = load_scenario("seed-article").with_overrides({"window_hours": 2.0})
    assert month_factor(flat, 730) == pytest.approx(365.0), "a constant rate scales by month_hours / window_hours"
    night = load_scenario("ai-document-pipeline").with_overrides({"window_hours": 2.0})
    day = night.with_overrides({"window_hours": 24.0})
    assert month_factor(day, 730) == pytest.approx(730 / 24), "a whole day scales by month_hours / 24 whatever its shape"
    assert month_factor(night, 730) > 2 * 365, "the 2 hours after midnight bring far fewer documents than an average 2 hours"
    docs = [simulate(night, "sfn-express", replication=r, detail=False).summary.docs_arrived for r in range(3)]
    month = night.workload.docs_per_day * 730 / 24
    assert sum(docs) / 3 * month_factor(night, 730) == pytest.approx(month, rel=0.05), "documents x factor = a month's documents"
