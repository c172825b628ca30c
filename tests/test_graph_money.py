"""Where the money goes: a workflow's cost split by state adds up, and its chart says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchsim import load_scenario, simulate
from orchsim.charts.money import money_finding, where_the_money_goes_figure
from orchsim.charts.style import save, workflow_assumptions
from orchsim.errors import InputError
from orchsim.sim.run import pattern_support
from orchsim.study.money import EXECUTION, cost_by_state, unpriced_calls


@pytest.fixture(scope="module")
def review() -> list:
    sc = load_scenario("workflow-contract-review").with_overrides({"window_hours": 4})
    return [simulate(sc, p, detail=False) for p, why in pattern_support(sc).items() if not why]


def test_states_add_up_to_each_patterns_total(review: list) -> None:
    df = cost_by_state(review)
    for res in review:
        mine = df[df["pattern"] == res.pattern]
        assert mine["usd_month"].sum() == pytest.approx(res.cost.total_usd, rel=1e-9), res.pattern
        if res.pattern == "lambda-durable":  # its own invocations (start, resumes) are per execution
            assert set(mine[mine["state"] == EXECUTION]["component"]) <= {"lambda_requests", "logs", "durable_data_written",
                                                                         "durable_data_retained"}
        else:
            assert EXECUTION not in set(mine["state"]), "only Express bills per execution"


def test_each_component_goes_to_the_states_that_metered_it(review: list) -> None:
    df = cost_by_state(review)
    std = df[df["pattern"] == "sfn-standard"]
    sync = df[df["pattern"] == "lambda-chain-sync"]
    # the person's approval is free on Standard but billed as a waiting function in the sync chain
    assert set(std[std["state"] == "HumanApproval"]["component"]) == {"sfn_transitions", "sqs"}
    assert "lambda_compute" in set(sync[sync["state"] == "HumanApproval"]["component"])
    states = next(r for r in review if r.pattern == "sfn-standard").by_state.set_index("state")
    usd = std[std["component"] == "sfn_transitions"].set_index("state")["usd_month"]
    assert usd["Notify"] / usd["Analyze"] == pytest.approx(states.loc["Notify", "transitions"] / states.loc["Analyze", "transitions"])


def test_unpriced_calls_are_named_with_their_rate(review: list) -> None:
    lines = unpriced_calls(review)
    assert any(line.startswith("counted, not priced: bedrock:invokeModel (1") for line in lines), lines


def test_a_linear_pipeline_has_no_states() -> None:
    res = simulate(load_scenario("seed-article").with_overrides({"window_hours": 0.1}), "sfn-standard", detail=False)
    with pytest.raises(InputError) as info:
        cost_by_state([res])
    assert info.value.field == "results"


def test_the_chart_states_the_finding(review: list, tmp_path: Path) -> None:
    df = cost_by_state(review)
    finding = money_finding(df)
    assert finding.startswith("Async chain cheapest at $") and "the sync chain spends" in finding, finding
    sc = review[0].scenario
    depths = sc.pipeline.runnable().depths()
    fig, ax = where_the_money_goes_figure(df, states=list(depths), depth=depths, context=sc.name,
                                         assumptions=workflow_assumptions(sc) + unpriced_calls(review))
    assert ax.get_title().replace("\n", " ").startswith(f"{sc.name}: Async chain cheapest")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Analyze" and labels[1] == "\u2514 ExtractClauses" and labels[-1] == "total"
    footer = [t.get_text() for t in fig.texts if t.get_gid() == "orchsim-footer"][0]
    assert "price book as of" in footer and "RiskGate: HumanApproval 15%" in footer.replace("\n", " ")
    paths = save(fig, tmp_path / "money")
    assert paths[0].stat().st_size > 10_000


def test_a_lost_document_is_not_called_done() -> None:
    from orchsim.charts.timeline import timeline_finding

    sc = load_scenario("workflow-contract-review").with_overrides({"window_hours": 3})
    results = {p: simulate(sc, p) for p, why in pattern_support(sc).items() if not why}
    lost = results["lambda-chain-sync"].documents.query("outcome == 'lost'")["doc"]
    assert len(lost), "expected the sync chain to lose a contract waiting for a person"
    text = timeline_finding(results, int(lost.iloc[0]))
    assert "sync chain lost after" in text and "sync chain done" not in text, text
