"""Amazon States Language retry timing (reference/aws-pricing.md "Retry fields"): waits are
IntervalSeconds * BackoffRate ** (retry - 1), capped by MaxDelaySeconds; JitterStrategy FULL draws
each wait uniformly in [0, wait]; with the defaults attempts start at t = 0, 1, 3 and 7 s. Each retry
is one more state transition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from orchsim.aws.rules import asl_wait_s
from orchsim.model.scenario import RetryPolicy, scenario_from_dict
from orchsim.sim.run import simulate

PROPS = settings(max_examples=25, deadline=None, database=None, derandomize=True)
WORK_S = 0.001  # each attempt runs 1 ms before failing


def test_default_policy_waits_1_2_4() -> None:
    policy = RetryPolicy()
    waits = [asl_wait_s(policy, r) for r in (1, 2, 3)]
    assert waits == [1.0, 2.0, 4.0], f"expected default waits 1, 2, 4 s, got {waits}"
    starts = np.concatenate([[0.0], np.cumsum(waits)]).tolist()
    assert starts == [0.0, 1.0, 3.0, 7.0], f"expected attempts at t = 0, 1, 3, 7 s, got {starts}"
    assert (policy.max_attempts, policy.interval_s, policy.backoff_rate) == (3, 1.0, 2.0), "expected ASL defaults"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"interval_s": 2, "backoff_rate": 3}, [2.0, 6.0, 18.0, 54.0]),
        ({"interval_s": 1, "backoff_rate": 1}, [1.0, 1.0, 1.0, 1.0]),
        ({"max_delay_s": 2}, [1.0, 2.0, 2.0, 2.0]),
        ({"interval_s": 3, "backoff_rate": 2, "max_delay_s": 10}, [3.0, 6.0, 10.0, 10.0]),
        ({"interval_s": 5, "max_delay_s": 3}, [3.0, 3.0, 3.0, 3.0]),
    ],
)
def test_waits_and_max_delay_cap(fields: dict[str, Any], expected: list[float]) -> None:
    policy = RetryPolicy(**fields)
    waits = [asl_wait_s(policy, r) for r in (1, 2, 3, 4)]
    assert waits == pytest.approx(expected), f"{fields}: expected waits {expected}, got {waits}"
    if policy.max_delay_s is not None:
        assert max(waits) <= policy.max_delay_s, f"expected MaxDelaySeconds {policy.max_delay_s} to cap every wait"


@PROPS
@given(
    u=st.floats(0.0, 1.0),
    retry=st.integers(1, 8),
    interval=st.integers(1, 30),
    rate=st.floats(1.0, 5.0),
    cap=st.one_of(st.none(), st.integers(1, 100)),
)
def test_full_jitter_stays_in_zero_to_wait(u: float, retry: int, interval: int, rate: float, cap: int | None) -> None:
    plain = RetryPolicy(interval_s=interval, backoff_rate=rate, max_delay_s=cap)
    full = RetryPolicy(interval_s=interval, backoff_rate=rate, max_delay_s=cap, jitter="full")
    wait = asl_wait_s(plain, retry)
    jittered = asl_wait_s(full, retry, u)
    assert 0.0 <= jittered <= wait, f"expected a FULL-jitter wait in [0, {wait}], got {jittered} (u={u})"
    assert jittered == pytest.approx(u * wait), "expected the FULL-jitter wait to be u x the computed wait"
    assert asl_wait_s(plain, retry, u) == wait, "expected jitter NONE to ignore the uniform draw"
    if cap is not None:
        assert wait <= cap, f"expected MaxDelaySeconds={cap} to cap the wait, got {wait}"


# --- in the simulation ------------------------------------------------------------------------------


def always_failing(retry: dict[str, Any], docs_per_day: float = 2_000) -> dict[str, Any]:
    return {
        "name": "asl-retry",
        "seed": 5,
        "window_hours": 0.5,
        "workload": {"docs_per_day": docs_per_day, "arrival": "uniform", "trigger": "async"},
        "pipeline": {
            "steps": 1,
            "step": {"duration": {"dist": "fixed", "ms": 1}, "init_ms": 0, "error_rate": 1.0, "fatal_error_rate": 0.0},
        },
        "retry": retry,
        "step_functions": {"transition_latency_ms": 0},
    }


def attempt_offsets(retry: dict[str, Any], docs_per_day: float = 2_000) -> tuple[list[np.ndarray], Any]:
    res = simulate(scenario_from_dict(always_failing(retry, docs_per_day)), "sfn-standard")
    inv = res.invocations
    docs = res.documents
    done = docs.loc[docs["outcome"] != "in_flight", "doc"]
    assert len(done) >= 10, "expected at least 10 finished documents"
    assert (docs.loc[docs["doc"].isin(done), "outcome"] == "failed").all(), "expected every finished doc to fail"
    offsets = []
    for _, g in inv[inv["doc"].isin(done)].groupby("doc"):
        t = np.sort(g["start_s"].to_numpy())
        offsets.append(t - t[0])
    return offsets, res


def test_default_policy_attempts_at_0_1_3_7_in_simulation() -> None:
    offsets, res = attempt_offsets({})
    expected = np.array([0.0, 1.0, 3.0, 7.0])
    for off in offsets:
        assert off.size == 4, f"expected 1 + MaxAttempts = 4 attempts per document, got {off.size}"
        # each earlier attempt's 1 ms of work shifts later starts by 1 ms
        slack = np.arange(4) * WORK_S + 1e-9
        assert (np.abs(off - expected) <= slack).all(), f"expected attempts at {expected} s (+1 ms per earlier attempt), got {off}"
    docs = res.documents
    done = docs[docs["outcome"] != "in_flight"]
    assert (done["transitions"] == 1 + 3).all(), "expected 1 + MaxAttempts = 4 transitions per document"
    assert (done["attempts"] == 4).all(), "expected 4 billed invocations per document"


def test_max_delay_caps_gaps_in_simulation() -> None:
    offsets, _ = attempt_offsets({"max_delay_s": 2})
    expected_gaps = np.array([1.0, 2.0, 2.0])
    for off in offsets:
        gaps = np.diff(off) - WORK_S
        assert np.allclose(gaps, expected_gaps, atol=1e-9), f"expected gaps 1, 2, 2 s (capped), got {gaps}"


def test_max_attempts_sets_transitions_in_simulation() -> None:
    for r in (0, 1, 5):
        offsets, res = attempt_offsets({"max_attempts": r})
        docs = res.documents
        done = docs[docs["outcome"] != "in_flight"]
        assert (done["transitions"] == 1 + r).all(), f"MaxAttempts={r}: expected {1 + r} transitions per document"
        assert all(off.size == 1 + r for off in offsets), f"MaxAttempts={r}: expected {1 + r} attempts per document"


def test_full_jitter_gaps_within_bounds_in_simulation() -> None:
    """FULL jitter: each wait is u x the computed wait with u ~ Uniform(0, 1), so wait / bound is
    uniform on [0, 1]: a Kolmogorov-Smirnov test over a few thousand retries (fixed seed)."""
    offsets, _ = attempt_offsets({"jitter": "full", "max_attempts": 4}, docs_per_day=40_000)
    bounds = np.array([1.0, 2.0, 4.0, 8.0])
    all_gaps = []
    for off in offsets:
        assert off.size == 5, f"expected 1 + MaxAttempts = 5 attempts per finished document, got {off.size}"
        gaps = np.diff(off) - WORK_S
        assert ((gaps >= -1e-9) & (gaps <= bounds + 1e-9)).all(), f"expected FULL-jitter gaps in [0, {bounds}], got {gaps}"
        all_gaps.append(gaps / bounds)
    fractions = np.concatenate(all_gaps)
    assert fractions.size >= 2_000, f"expected at least 2,000 jittered waits, got {fractions.size}"
    ks = stats.kstest(fractions, "uniform")
    assert ks.pvalue > 0.01, (
        f"expected wait / computed wait ~ Uniform(0, 1) (Kolmogorov-Smirnov p > 0.01 over {fractions.size} waits), "
        f"got D = {ks.statistic:.4f}, p = {ks.pvalue:.2g}"
    )
    per_retry = np.stack(all_gaps)
    for r in range(per_retry.shape[1]):
        ks_r = stats.kstest(per_retry[:, r], "uniform")
        assert ks_r.pvalue > 0.001, (
            f"retry {r + 1}: expected wait / {bounds[r]:g} s ~ Uniform(0, 1) (KS p > 0.001 over {per_retry.shape[0]} "
            f"waits), got D = {ks_r.statistic:.4f}, p = {ks_r.pvalue:.2g}"
        )


@pytest.mark.parametrize("field", ["interval_s", "max_delay_s"])
def test_asl_seconds_are_whole_numbers(field: str) -> None:
    """IntervalSeconds and MaxDelaySeconds are positive integers in the Amazon States Language."""
    with pytest.raises(Exception, match="integer"):
        RetryPolicy(**{field: 1.5})
