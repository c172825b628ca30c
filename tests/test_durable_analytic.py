"""The ``lambda-durable`` pattern in the analytic engines, ``inspect``, the break-even study and input
checking (issue 13)."""

from __future__ import annotations

import math

import pytest
from conftest import check_one_error_line, cli

from orchsim import load_scenario, scenario_from_dict
from orchsim.analytic.engine import estimate
from orchsim.analytic.graph import graph_per_document
from orchsim.aws.durable import RETENTION_DAYS
from orchsim.errors import InputError
from orchsim.model.durable import DurableConfig
from orchsim.model.inspect import inspect_definition
from orchsim.study.compare import durable_breakeven

SEED = load_scenario("seed-article").with_overrides({"workload.docs_per_day": 20_000})
LINEAR = {
    "seed": SEED,
    "errors": SEED.with_overrides({"pipeline.steps": 3, "pipeline.step.duration": {"dist": "exponential", "mean_ms": 500},
                                   "pipeline.step.error_rate": 0.1, "pipeline.step.fatal_error_rate": 0.01,
                                   "pipeline.step.init_ms": 0}),
    "fixed": SEED.with_overrides({"pipeline.step.duration": {"dist": "fixed", "ms": 250}, "pipeline.step.init_ms": 0,
                                  "pipeline.step.error_rate": 0.0, "pipeline.step.fatal_error_rate": 0.0, "durable.replay_ms": 0}),
}


@pytest.mark.parametrize("name", sorted(LINEAR))
def test_the_linear_closed_form_is_the_graph_engine(name: str) -> None:
    """A linear pipeline as a durable function: the closed form (every step inside the orchestrator)
    gives the graph engine's numbers for the same pipeline written as a workflow."""
    sc = LINEAR[name]
    row = estimate(sc, ["lambda-durable"]).iloc[0]
    g = graph_per_document(sc.as_workflow(), "lambda-durable")
    assert row["invocations"] == pytest.approx(g["invocations"], rel=1e-6)
    assert row["p_succeeded"] == pytest.approx(g["p_succeeded"], rel=1e-6)
    assert row["p_failed"] == pytest.approx(g["p_failed"], rel=1e-6, abs=1e-9)
    assert row["durable_operations_per_doc"] == pytest.approx(g["service_calls"]["lambda:durableOperations"], rel=1e-6)
    assert row["billed_gb_s_per_doc"] == pytest.approx(g["gb_s_x86_64"] + g["gb_s_arm64"], rel=2e-3)  # rounding: half a unit
    assert row["latency_ms"] == pytest.approx(g["latency_ms"], rel=2e-3)


def test_fixed_steps_in_closed_form() -> None:
    """Five fixed 250 ms steps, no errors, no replay: one invocation of 1,250 ms at 1 GB, six operations,
    8 KB + 5 x 4 KB written and kept for the run plus 14 days."""
    row = estimate(LINEAR["fixed"], ["lambda-durable"]).iloc[0]
    assert row["invocations"] == pytest.approx(1.0)
    assert row["billed_gb_s_per_doc"] == pytest.approx(1.25)  # exactly: fixed work, no INIT, nothing retried
    assert row["durable_operations_per_doc"] == pytest.approx(6.0)
    month = row["docs_per_month"]
    assert row["cost_durable_operations_usd"] == pytest.approx(6.0 * month * 8.0 / 1e6)
    written_gb = (8 + 5 * 4) / 1e6
    assert row["cost_durable_data_written_usd"] == pytest.approx(written_gb * month * 0.25)
    days = 1.25 / 86_400 + 14
    assert row["cost_durable_data_retained_usd"] == pytest.approx(written_gb * days / 30 * month * 0.15)


def test_invokes_run_through_the_graph_engine() -> None:
    """With ``tasks: invoke`` each step is its own function (two orchestrator invocations a step, the
    step's own one): the closed form does not apply and the graph engine prices it."""
    sc = SEED.with_overrides({"pipeline.step.init_ms": 0, "durable.tasks": "invoke"})
    row = estimate(sc, ["lambda-durable"]).iloc[0]
    assert row["invocations"] == pytest.approx(1 + 5 + 5, rel=1e-3)  # start, a resume after each step, the steps
    assert row["durable_operations_per_doc"] == pytest.approx(6.0, rel=1e-3)


def test_inspect_counts_durable_operations() -> None:
    """contract-review, hand-counted: start 1; Analyze (parallel) 1 + 2 branches; ExtractClauses, ScoreRisk
    and CheckCounterparty a step each; then HumanApproval (waitForCallback, 3) or AutoApprove (1); Notify 1."""
    sc = load_scenario("workflow-contract-review")
    defn = sc.pipeline.workflow
    assert defn is not None
    plain = inspect_definition(defn)["patterns"]["lambda-durable"]
    assert plain["supported"] and plain["per_document"]["durable_operations"] == 1 + 3 + 3 + 1 + 1
    odds = inspect_definition(defn, choices={"RiskGate": {"HumanApproval": 0.15}})["patterns"]["lambda-durable"]
    assert odds["per_document"]["durable_operations"] == pytest.approx(1 + 3 + 3 + 0.15 * 3 + 0.85 + 1)
    assert odds["per_document"]["lambda_invocations"] == pytest.approx(1.15)  # a resume after the person


def test_breakeven_wait_shrinks_as_checkpoints_grow() -> None:
    sc = load_scenario("workflow-claims-approval")
    waits = [60.0, 30 * 86_400.0, 365 * 86_400.0]
    grid, be = durable_breakeven(sc, "HumanReview", waits, [1.0, 8.0, 64.0])
    assert set(grid["pattern"]) == {"lambda-chain-async", "sfn-standard", "lambda-durable"}
    by = be.set_index("result_kb")
    assert by.loc[1.0, "durable_cheaper_at_shortest"] and not by.loc[64.0, "durable_cheaper_at_shortest"]
    assert math.isnan(by.loc[64.0, "breakeven_days"])
    assert 30 < by.loc[1.0, "breakeven_days"] <= 365 and by.loc[8.0, "breakeven_days"] < by.loc[1.0, "breakeven_days"]
    # Standard's cost does not depend on the wait; durable's grows with it (retention)
    std = grid[(grid["pattern"] == "sfn-standard") & (grid["durable.result_kb"] == 8.0)]["cost_total_usd"]
    dur = grid[(grid["pattern"] == "lambda-durable") & (grid["durable.result_kb"] == 8.0)].sort_values("wait_days")
    assert std.max() == pytest.approx(std.min(), rel=1e-9)
    assert dur["cost_total_usd"].is_monotonic_increasing
    with pytest.raises(InputError, match="state"):
        durable_breakeven(sc, "Nope", waits, [1.0])


def test_durable_settings_are_checked() -> None:
    with pytest.raises(InputError) as info:
        scenario_from_dict({"durable": {"operations": {"step9": "invoke"}}})
    assert info.value.field == "durable.operations.step9"
    review = load_scenario("workflow-contract-review")
    with pytest.raises(InputError, match="only be a callback"):
        review.with_overrides({"durable.operations": {"HumanApproval": "step"}})
    with pytest.raises(InputError, match="step [|] callback"):
        review.with_overrides({"durable.operations": {"CheckCounterparty": "invoke"}})
    assert review.with_overrides({"durable.operations": {"ScoreRisk": "callback"}}).durable_plan()[1]["ScoreRisk"] == "callback"
    for bad in ({"result_kb": 300}, {"retention_days": 0}, {"timeout_s": 901}, {"replay_ms": -1}, {"tasks": "call"}):
        with pytest.raises(InputError, match="durable"):
            scenario_from_dict({"durable": bad})
    # the model's range is the billing rule's (orchsim.aws.durable.RETENTION_DAYS)
    field = DurableConfig.model_fields["retention_days"]
    lo, hi, default = RETENTION_DAYS
    assert field.default == default
    assert [m.ge for m in field.metadata if hasattr(m, "ge")] == [lo] and [m.le for m in field.metadata if hasattr(m, "le")] == [hi]


@pytest.mark.parametrize(("body", "field", "accepted"), [
    ("durable:\n  result_kb: 300\n", "durable.result_kb", r"256"),
    ("durable:\n  operations: {step9: invoke}\n", "durable.operations.step9", r"Tasks: step1"),
])
def test_the_cli_refuses_bad_durable_settings_in_one_line(tmp_path, body: str, field: str, accepted: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.yaml"
    path.write_text(body)
    check_one_error_line(cli("simulate", str(path), "--pattern", "lambda-durable"), field, accepted)
