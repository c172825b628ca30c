"""Model services (issue 11): the Bedrock price book section, token metering in every engine, token
line items, and the model part of the waste."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchsim import simulate
from orchsim.analytic.engine import estimate
from orchsim.aws.cost import price_metering, price_monthly, wasted_split
from orchsim.aws.metering import Metering, Waste
from orchsim.aws.pricebook import load_price_book
from orchsim.errors import InputError
from orchsim.model.scenario import scenario_from_dict
from orchsim.model.services import ModelDuration
from orchsim.sim.patterns.base import Context
from orchsim.sim.patterns.chain_async import start

PATTERNS = ("lambda-chain-sync", "lambda-chain-async", "sfn-standard", "sfn-express")
FIXED = {"input": {"dist": "fixed", "n": 1000}, "output": {"dist": "fixed", "n": 100}}


def _scenario(service: dict | None = None, **over: object) -> object:
    svc = {"model": "amazon.nova-lite", "tokens": FIXED, "latency": {"first_token_ms": 0, "output_tokens_per_s": 50}}
    svc.update(service or {})
    data: dict = {
        "name": "model-test", "seed": 5, "window_hours": 2,
        "workload": {"docs_per_day": 12000, "trigger": "async"},
        "services": {"llm": svc},
        "pipeline": {"step": {"memory_mb": 1024, "duration": {"dist": "fixed", "ms": 100}, "timeout_s": 60},
                     "steps": [{"name": "a"}, {"name": "call", "service": "llm", "duration": {"dist": "fixed", "ms": 0}},
                               {"name": "b"}]},
        "retry": {"max_attempts": 2, "interval_s": 1, "backoff_rate": 2.0},
    }
    for key, value in over.items():
        data[key] = value
    return scenario_from_dict(data)


def test_price_book_has_at_least_four_models_with_provenance() -> None:
    book = load_price_book()
    names = book.model_names("us-east-1")
    assert len(names) >= 4
    for name in names:
        p = book.model_price("us-east-1", name)
        assert p is not None and p.source.startswith("https://") and p.as_of and p.note
        assert p.usd_per_input_token > 0 and p.usd_per_output_token >= 0
    lite = book.model_price("us-east-1", "amazon.nova-lite")
    assert lite is not None and math.isclose(lite.usd_per_input_token * 1e6, 0.06) and math.isclose(lite.usd_per_output_token * 1e6, 0.24)
    assert book.model_price("eu-west-1", "amazon.nova-lite") is None


def test_token_line_items_by_hand_and_unpriced_model() -> None:
    m = Metering(model_tokens={"amazon.nova-lite": (1_000_000.0, 500_000.0), "acme.unknown": (10.0, 5.0)})
    cost = price_metering(m)
    by = cost.by_component()
    assert by["model_input_tokens"] == pytest.approx(0.06)  # 1M x $0.06 per million
    assert by["model_output_tokens"] == pytest.approx(0.12)  # 0.5M x $0.24 per million
    assert cost.total_usd == pytest.approx(0.18)  # the unpriced model adds nothing, silently or not:
    assert cost.unpriced_tokens == {"acme.unknown": (10.0, 5.0)}
    assert "no token price" in cost.to_dict()["unpriced_model_tokens"]["acme.unknown"]["note"]
    vec = price_monthly({}, model_tokens={"amazon.nova-lite": (np.array([1e6, 2e6]), np.array([5e5, 0.0])),
                                          "acme.unknown": (np.array([10.0, 0.0]), np.array([5.0, 0.0]))})
    assert vec["model_input_tokens"].tolist() == pytest.approx([0.06, 0.12])
    assert vec["total"].tolist() == pytest.approx([0.18, 0.12])
    assert vec["unpriced_tokens:acme.unknown"].tolist() == [15.0, 0.0]


def test_wasted_split_prices_each_model_at_its_own_share() -> None:
    window = Metering(model_tokens={"a": (100.0, 10.0), "b": (100.0, 10.0)})
    waste = Waste(model_tokens={"a": (50.0, 0.0), "b": (0.0, 10.0)})
    by = {"lambda_compute": 0.0, "lambda_ephemeral": 0.0, "lambda_requests": 0.0, "sfn_transitions": 0.0,
          "express_requests": 0.0, "express_duration": 0.0, "logs": 0.0, "model_input_tokens": 3.0, "model_output_tokens": 5.0}
    split = wasted_split(by, window, waste, {"a": (1.0, 1.0), "b": (2.0, 4.0)})
    assert split["model"] == pytest.approx(1.0 * 0.5 + 4.0 * 1.0)
    assert split["total"] == pytest.approx(split["lambda"] + split["orchestration"] + split["model"])


@pytest.mark.parametrize("pattern", PATTERNS)
def test_every_call_is_billed_its_tokens_and_its_latency(pattern: str) -> None:
    """Fixed tokens: tokens = calls x tokens per call, whatever retried; the call's 2 s latency (100
    tokens at 50/s) is billed to the calling function."""
    sc = _scenario({"error_rate": 0.2})
    r = simulate(sc, pattern, detail=False)
    (tin, tout), = r.metering.model_tokens.values()
    assert isinstance(sc.steps()[1].duration, ModelDuration)
    assert tin > 0 and tin == 10 * tout and tin % 1000 == 0  # 1,000 in and 100 out per call, every call
    assert r.summary.model_input_tokens_per_doc > 1000  # retried calls are billed too (20% of calls fail)
    # the call's latency (100 tokens at 50/s = 2 s) is billed: a + b 100 ms each, the call 2 s, 1 GB
    assert r.summary.billed_gb_s_per_doc >= 2.2
    assert r.summary.wasted_by_kind_usd["model"] > 0


def test_calls_equal_invocations_of_the_calling_step() -> None:
    sc = _scenario({"error_rate": 0.1})
    ctx = Context(sc, detail=False)
    start(ctx)
    ctx.env.run(until=ctx.window_s)
    (tin, tout), = ((sum(i), sum(o)) for i, o in ctx.rec.doc_tokens.values())
    assert ctx.rec.step_invocations[1] > 0
    # a call is metered when it is made; the invocation when it ends (the window may cut a few)
    assert tin / 1000 == pytest.approx(ctx.rec.step_invocations[1], abs=3)
    assert tout == tin / 10


def test_chain_rerun_wastes_more_model_spend() -> None:
    """An async-triggered sync chain re-runs the whole chain on an error, paying earlier calls again;
    the async chain retries only the failed hop."""
    sc = _scenario({"error_rate": 0.0}, chain={"sync_retry": "none", "async_max_retries": 2})
    sc = sc.with_overrides({"pipeline.steps": [{"name": "call", "service": "llm", "duration": {"dist": "fixed", "ms": 0}},
                                               {"name": "flaky", "error_rate": 0.3}]})
    sync = simulate(sc, "lambda-chain-sync", detail=False).summary
    asyn = simulate(sc, "lambda-chain-async", detail=False).summary
    model_usd = asyn.cost_usd["model_input_tokens"] + asyn.cost_usd["model_output_tokens"]
    # the model never fails: the async chain wastes only the calls of documents that end failed or lost
    bad = asyn.share_failed + asyn.share_lost
    assert asyn.wasted_by_kind_usd["model"] == pytest.approx(bad * model_usd, rel=0.15)
    assert sync.wasted_by_kind_usd["model"] > 0.2 * model_usd > 3 * asyn.wasted_by_kind_usd["model"]
    assert sync.model_input_tokens_per_doc > 1.2 * asyn.model_input_tokens_per_doc


@pytest.mark.parametrize("pattern", ["sfn-standard", "lambda-chain-sync"])
def test_analytic_tokens_agree_with_the_simulation(pattern: str) -> None:
    sc = _scenario({"error_rate": 0.1, "tokens": {"input": {"dist": "poisson", "mean": 800},
                                                  "output": {"dist": "lognormal", "median": 100, "p95": 300}}})
    sims = [simulate(sc.with_overrides({"seed": s}), pattern, detail=False).summary for s in range(4)]
    est = estimate(sc, [pattern]).iloc[0]
    for col in ("model_input_tokens_per_doc", "model_output_tokens_per_doc"):
        values = np.array([getattr(s, col) for s in sims])
        half = 4 * values.std(ddof=1) / math.sqrt(len(values)) + 0.01 * values.mean()
        assert abs(values.mean() - est[col]) < half, (col, values, est[col])
    assert est["cost_model_input_tokens_usd"] > 0


def test_direct_bedrock_integration_meters_tokens_without_lambda() -> None:
    sc = scenario_from_dict({
        "name": "direct", "seed": 2, "window_hours": 1, "workload": {"docs_per_day": 5000},
        "services": {"llm": {"model": "anthropic.claude-3-haiku", "tokens": FIXED,
                             "latency": {"first_token_ms": 500, "output_tokens_per_s": 100}}},
        "pipeline": {"definition": {"StartAt": "Ask", "States": {
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::bedrock:invokeModel", "End": True}}},
            "states": {"Ask": {"service": "llm"}}},
    })
    r = simulate(sc, "sfn-standard", detail=False)
    assert r.summary.lambda_invocations == 0
    (tin, tout), = r.metering.model_tokens.values()
    assert tin == 1000 * r.summary.service_calls["bedrock:invokeModel"]
    est = estimate(sc, ["sfn-standard"]).iloc[0]
    assert est["model_input_tokens_per_doc"] == pytest.approx(1000.0)


@pytest.mark.parametrize(("change", "field"), [
    ({"steps": [{"name": "a", "service": "nope"}]}, "pipeline.steps[0].service"),
    ({"step": {"service": "nope"}}, "pipeline.step.service"),
])
def test_unknown_service_is_refused_naming_the_step(change: dict, field: str) -> None:
    with pytest.raises(InputError) as exc:
        scenario_from_dict({"services": {}, "pipeline": change})
    assert exc.value.field == field
    assert "no model service 'nope'" in exc.value.message


@pytest.mark.parametrize("bad", [
    {"latency": {"first_token_ms": 1, "output_tokens_per_s": 1}, "duration": {"dist": "fixed", "ms": 5}},
    {"tokens": {"input": {"dist": "zipf"}, "output": {"dist": "fixed", "n": 1}}},
    {"quota": {"requests_per_minute": 0}},
    {"sdk": {"mode": "adaptive"}},
])
def test_bad_service_is_one_input_error(bad: dict) -> None:
    svc = {"model": "amazon.nova-lite", "tokens": FIXED, "latency": {"first_token_ms": 0, "output_tokens_per_s": 50}}
    svc.update(bad)
    with pytest.raises(InputError) as exc:
        scenario_from_dict({"services": {"llm": svc}})
    assert exc.value.field.startswith("services.llm")


def test_model_duration_law_matches_its_draws() -> None:
    sc = _scenario({"tokens": {"input": {"dist": "fixed", "n": 10}, "output": {"dist": "lognormal", "median": 200, "p95": 800}},
                    "latency": {"first_token_ms": 300, "output_tokens_per_s": 40}})
    d = sc.steps()[1].duration.model_copy(update={"own": sc.steps()[0].duration})
    x = d.sample(np.random.default_rng(3), 200_000)
    assert x.mean() == pytest.approx(d.mean_ms, rel=0.01)
    for q in (2000.0, 6000.0, 15000.0):
        assert float(d.cdf(np.array([q]))[0]) == pytest.approx(float(np.mean(x <= q)), abs=0.01)
    pts = d.points()
    assert pts.mean() == pytest.approx(d.mean_ms, rel=0.02)


def test_quota_bucket_admits_its_closed_form() -> None:
    """A flood of calls against R requests a minute: a full bucket (R) then R/60 a second."""
    from orchsim.sim.platform import ModelGate

    gate = ModelGate(600, None)
    admitted = sum(gate.call(i * 0.01, 1.0, 1.0, 1, lambda _: 0.0)[1] for i in range(60_000))  # 600 s
    assert admitted == 600 + math.floor(10 * 599.99 + 1e-9)  # the last call is at 599.99 s
    tokens = ModelGate(None, 60_000)  # 1,000 tokens a second, a minute's worth in the bucket
    got = sum(tokens.call(i * 0.1, 400.0, 100.0, 1, lambda _: 0.0)[1] for i in range(3000))  # 300 s of 5,000 tokens/s offered
    assert got == pytest.approx((60_000 + 1_000 * 300) / 500, abs=1)
    burn = ModelGate(None, 60_000, burndown=5.0)  # output tokens count five times
    assert burn.call(0.0, 0.0, 12_000.0, 1, lambda _: 0.0)[1] and not burn.call(0.0, 0.0, 1.0, 1, lambda _: 0.0)[1]


def test_sdk_retries_a_throttled_call_with_full_jitter_backoff() -> None:
    from orchsim.sim.platform import ModelGate

    gate = ModelGate(1, None)  # one request a minute
    assert gate.call(0.0, 1, 1, 5, lambda i: 2.0**i)[1]
    waited, ok, throttled = gate.call(1.0, 1, 1, 5, lambda i: 2.0**i)  # tries at 1, 2, 4, 8, 16 s: all throttled
    assert (waited, ok, throttled) == (15.0, False, 5)
    waited, ok, throttled = gate.call(50.0, 1, 1, 5, lambda i: 2.0**i)  # 50, 51, 53, 57, 65: the last fits
    assert (waited, ok, throttled) == (15.0, True, 4)


@pytest.mark.parametrize("pattern", PATTERNS)
def test_over_quota_calls_are_throttled_and_not_billed(pattern: str) -> None:
    free = _scenario({"error_rate": 0.0})
    tight = _scenario({"error_rate": 0.0, "quota": {"requests_per_minute": 60}, "sdk": {"mode": "standard"}})
    a = simulate(free, pattern, detail=False).summary
    b = simulate(tight, pattern, detail=False).summary
    # 12,000 documents a day offer 8.3 calls a minute: below 60 a minute nothing is throttled...
    assert a.model_throttles == {} and b.model_throttles == {}
    assert b.cost_total_usd == pytest.approx(a.cost_total_usd)
    hot = _scenario({"error_rate": 0.0, "quota": {"requests_per_minute": 4}, "sdk": {"mode": "standard"}})
    c = simulate(hot, pattern, detail=False).summary
    calls = c.model_tokens["amazon.nova-lite"]["input"] / 1000  # ...above it the admitted rate is the quota
    assert calls <= 4 * 120 + 4 + 1
    assert c.share_succeeded < 0.7 and sum(c.model_throttles.values()) > calls


@pytest.mark.parametrize("as_workflow", [False, True])
def test_async_duplicates_are_paid_and_wasted_and_both_engines_agree(as_workflow: bool) -> None:
    """Lambda's async queue delivers an event twice at ``lambda.async_duplicate_rate``: the twin runs
    the rest of the chain (paid, its model tokens wasted), the document's outcome is the original's."""
    sc = _scenario({"error_rate": 0.0}).with_overrides({"lambda.async_duplicate_rate": 0.2, "window_hours": 3})
    if as_workflow:
        sc = sc.as_workflow()
    sims = [simulate(sc.with_overrides({"seed": s}), "lambda-chain-async", detail=False).summary for s in range(4)]
    est = estimate(sc, ["lambda-chain-async"]).iloc[0]
    # three Event hops (the trigger's included): 1.2, 1.44 and 1.728 runs -> 4.368 invocations, 0.728 duplicates
    assert est["lambda_invocations_per_doc"] == pytest.approx(1.2 + 1.44 + 1.728, rel=1e-6)
    assert est["duplicates_per_doc"] == pytest.approx(0.2 + 0.24 + 0.288, rel=1e-6)
    for col in ("lambda_invocations_per_doc", "duplicates_per_doc", "model_input_tokens_per_doc"):
        values = np.array([getattr(s, col) for s in sims])
        half = 4 * values.std(ddof=1) / math.sqrt(len(values)) + 0.01 * values.mean()
        assert abs(values.mean() - est[col]) < half, (col, values, est[col])
    for s in sims:
        assert s.share_succeeded == pytest.approx(1.0, abs=0.01)  # twins never change the outcome
        model = s.cost_usd["model_input_tokens"] + s.cost_usd["model_output_tokens"]
        # the call is the second hop: 1.44 calls a document of which 0.44 are twins'
        assert s.wasted_by_kind_usd["model"] == pytest.approx(model * 0.44 / 1.44, rel=0.1)
    calm = simulate(sc.with_overrides({"lambda.async_duplicate_rate": 0.0}), "lambda-chain-async", detail=False).summary
    assert calm.duplicates == 0 and calm.wasted_by_kind_usd["model"] == 0


def test_async_duplicate_rate_is_bounded() -> None:
    with pytest.raises(InputError) as exc:
        scenario_from_dict({"lambda": {"async_duplicate_rate": 0.9}})
    assert exc.value.field == "lambda.async_duplicate_rate"


@pytest.mark.parametrize("as_workflow", [False, True])
def test_express_duplicate_executions_are_wasted(as_workflow: bool) -> None:
    """An async Express start that runs twice pays the twin's Lambda work and model tokens: waste."""
    sc = _scenario({"error_rate": 0.0}).with_overrides({"step_functions.express_duplicate_rate": 0.25})
    if as_workflow:
        sc = sc.as_workflow()
    s = simulate(sc, "sfn-express", detail=False).summary
    share = s.duplicates / s.docs_arrived
    model = s.cost_usd["model_input_tokens"] + s.cost_usd["model_output_tokens"]
    assert 0.18 < share < 0.32
    assert s.wasted_by_kind_usd["model"] == pytest.approx(model * share / (1 + share), rel=0.1)
    assert s.wasted_by_kind_usd["lambda"] > 0 and s.share_succeeded == pytest.approx(1.0, abs=0.01)
