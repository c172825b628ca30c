"""Free tiers and volume tiers are per account and architecture (issue 11): a scenario's ``account``
gives the account's other usage, priced first, and the pipeline is priced at the margin."""

from __future__ import annotations

import numpy as np
import pytest

from orchsim import simulate
from orchsim.analytic.engine import estimate
from orchsim.aws.cost import price_metering, price_monthly
from orchsim.aws.metering import Metering
from orchsim.aws.pricebook import load_price_book
from orchsim.aws.rules import tier_segments
from orchsim.errors import InputError
from orchsim.model.scenario import load_scenario, scenario_from_dict


def test_tier_segments_start_where_the_account_is() -> None:
    tiers = load_price_book().lambda_prices("us-east-1").duration_tiers["x86_64"]
    first, second = tiers[0].usd_per_unit, tiers[1].usd_per_unit
    assert tier_segments(2e8, tiers, offset=5.9e9) == [(pytest.approx(1e8), first), (pytest.approx(1e8), second)]
    assert tier_segments(2e8, tiers, offset=0.0) == [(2e8, first)]


def test_a_hand_computed_marginal_bill() -> None:
    """5M GB-s x86 and 2M requests, free tier on. Alone: 4.6M GB-s at $0.0000166667 and 1M requests at
    $0.20/M. With 7 billion GB-s and 5M requests elsewhere in the account: all 5M GB-s in the second
    tier ($0.000015) and no free requests left."""
    m = Metering(lambda_requests=2e6, lambda_gb_s_x86_64=5e6)
    alone = price_metering(m, free_tier=True).by_component()
    margin = price_metering(m, free_tier=True, account=Metering(lambda_requests=5e6, lambda_gb_s_x86_64=7e9)).by_component()
    assert alone["lambda_compute"] == pytest.approx(4.6e6 * 0.0000166667)
    assert alone["lambda_requests"] == pytest.approx(0.20)
    assert margin["lambda_compute"] == pytest.approx(5e6 * 0.000015)
    assert margin["lambda_requests"] == pytest.approx(0.40)
    std = price_metering(Metering(sfn_transitions=10_000), free_tier=True, account=Metering(sfn_transitions=1_000))
    assert std.total_usd == pytest.approx((10_000 - 3_000) * 0.000025)  # 3,000 of the 4,000 free left


def test_vectorised_pricing_agrees_point_by_point() -> None:
    others = {"lambda_requests": np.array([0.0, 5e5, 5e6]), "lambda_gb_s_x86_64": np.array([0.0, 1e5, 7e9]),
              "lambda_gb_s_arm64": np.array([0.0, 3e5, 0.0]), "sfn_transitions": np.array([0.0, 2_000.0, 1e6]),
              "express_gb_hours": np.array([0.0, 500.0, 1e5])}
    mine = {"lambda_requests": 2e6, "lambda_gb_s_x86_64": 5e6, "lambda_gb_s_arm64": 2e5, "sfn_transitions": 10_000.0,
            "express_requests": 1e6, "express_gb_hours": 800.0}
    vec = price_monthly(mine, free_tier=True, account=others)
    for i in range(3):
        one = price_metering(Metering(**mine), free_tier=True, account=Metering(**{k: float(v[i]) for k, v in others.items()}))
        for comp, usd in one.by_component().items():
            assert vec[comp][i] == pytest.approx(usd, rel=1e-9, abs=1e-12), (i, comp)


def test_simulation_and_analytic_engine_move_alike() -> None:
    base = load_scenario("seed-article").with_overrides({"free_tier": True, "window_hours": 2})
    busy = base.with_overrides({"account.other_lambda_requests_per_month": 5e6, "account.other_transitions_per_month": 1e6})
    sim = [simulate(s, "sfn-standard", detail=False).summary.cost_usd for s in (base, busy)]
    ana = [estimate(s, ["sfn-standard"]).iloc[0] for s in (base, busy)]
    # the free 1M requests ($0.20) and 4,000 transitions ($0.10) now go to the rest of the account
    assert sim[1]["lambda_requests"] - sim[0]["lambda_requests"] == pytest.approx(0.20, abs=0.01)
    assert sim[1]["sfn_transitions"] - sim[0]["sfn_transitions"] == pytest.approx(0.10, abs=1e-6)
    assert ana[1]["cost_lambda_requests_usd"] - ana[0]["cost_lambda_requests_usd"] == pytest.approx(0.20, abs=0.01)
    assert ana[1]["cost_sfn_transitions_usd"] - ana[0]["cost_sfn_transitions_usd"] == pytest.approx(0.10, abs=1e-6)


@pytest.mark.parametrize("bad", [-1, "lots", float("inf")])
def test_account_usage_is_validated(bad: object) -> None:
    with pytest.raises(InputError) as exc:
        scenario_from_dict({"account": {"other_transitions_per_month": bad}})
    assert exc.value.field == "account.other_transitions_per_month"
