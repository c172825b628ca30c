"""Lambda durable functions: what a durable execution is billed for, the one home of those rules.

A durable function checkpoints each durable operation and is replayed from the top after every
suspension (https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html). On top of ordinary
Lambda requests and GB-seconds for every invocation, replays included ("Existing Lambda compute charges
apply, including for sub-invocations from replays", https://aws.amazon.com/lambda/pricing/), AWS bills:

* durable operations, $8.00 per million in us-east-1 (price book ``services.lambda_durable``);
* data written by the operations, per GB ($0.25): 1 GB = 10**6 KB, as AWS's pricing example counts
  it ("1M x (8KB invoke + 3 x 32KB steps/waits) = 104GB");
* data retained while the execution runs and for ``RetentionPeriodInDays`` (1-90, default 14) after it
  closes, per GB-month ($0.15), prorated by day over a 30-day month ("104GB x (7/30) = 24.27 GB-month").

Operations per durable call, from AWS's metering table
(https://docs.aws.amazon.com/lambda/latest/dg/durable-execution-sdk.html, "durable operations
checkpoint consumption"): starting the execution 1; a step 1 plus 1 per retry; a wait 1; a callback
(``waitForCallback``) 3 (context, callback, submitter step) plus 1 per retry; a parallel or map block 1
plus 1 per branch (a child context each); an invocation-level retry (timeout, crash) 1. Chained
``invoke`` of another function is not in AWS's table: counted here as 1 operation (an assumption, stated
in :data:`INVOKE_OPERATIONS`). No free tier applies to operations or data (none is published; AWS's
example applies Lambda's own free tier to requests and GB-seconds only).

>>> operations(steps=2, waits=1)
4
>>> round(retained_gb_months(104.0, running_days=7, retention_days=14), 2)
72.8
"""

from __future__ import annotations

from orchsim.errors import InputError

__all__ = [
    "CALLBACK_OPERATIONS",
    "INVOKE_OPERATIONS",
    "KB_PER_GB",
    "MAX_OPERATIONS",
    "MAX_WRITTEN_MB",
    "MONTH_DAYS",
    "RETENTION_DAYS",
    "data_written_gb",
    "operations",
    "retained_gb_months",
]

KB_PER_GB = 1_000_000.0
"""Data written and retained are counted in decimal GB (AWS's pricing example: 104 KB x 1M = 104 GB)."""

MONTH_DAYS = 30.0
"""Retention is prorated by day over a 30-day month (AWS's pricing example: "104GB x (14/30)")."""

RETENTION_DAYS = (1, 90, 14)
"""``RetentionPeriodInDays``: minimum, maximum, default
(https://docs.aws.amazon.com/lambda/latest/api/API_DurableConfig.html)."""

CALLBACK_OPERATIONS = 3
"""A ``waitForCallback``: "3 + N retries (context + callback + step)" (AWS's metering table)."""

INVOKE_OPERATIONS = 1
"""A chained ``invoke`` of another function: not in AWS's metering table; assumed 1 operation (its
CHAINED_INVOKE checkpoint), like a step. Not confirmed."""

MAX_OPERATIONS = 3_000
"""Durable operations per execution, a hard quota
(https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)."""

MAX_WRITTEN_MB = 100.0
"""Cumulative data written per execution, a hard quota (same page)."""


def _count(field: str, value: float) -> float:
    if not value >= 0 or value != value:
        raise InputError(field, f"must be a count >= 0; got {value!r}")
    return float(value)


def operations(*, steps: float = 0, waits: float = 0, callbacks: float = 0, invokes: float = 0, branches: float = 0,
               blocks: float = 0, retries: float = 0, executions: float = 1) -> float:
    """Durable operations of ``executions`` executions (each starts with one operation).

    Parameters
    ----------
    steps, waits, callbacks, invokes
        Durable steps, waits, ``waitForCallback`` calls and chained invokes per execution.
    branches, blocks
        Parallel/map branches (or items) and the parallel/map blocks that hold them, per execution.
    retries
        Step retries, callback-submitter retries and invocation-level retries per execution.
    executions
        Executions.

    Returns
    -------
    float
        Operations (``int``-valued for whole inputs).
    """
    per = (1 + _count("steps", steps) + _count("waits", waits) + CALLBACK_OPERATIONS * _count("callbacks", callbacks)
           + INVOKE_OPERATIONS * _count("invokes", invokes) + _count("blocks", blocks) + _count("branches", branches)
           + _count("retries", retries))
    total = per * _count("executions", executions)
    return int(total) if total == int(total) else total


def data_written_gb(kb_per_execution: float, executions: float = 1) -> float:
    """Data written, GB (decimal), by ``executions`` executions writing ``kb_per_execution`` KB each
    (the input event plus every operation's persisted result, error and callback payloads)."""
    return _count("kb_per_execution", kb_per_execution) * _count("executions", executions) / KB_PER_GB


def retained_gb_months(written_gb: float, *, running_days: float, retention_days: float = RETENTION_DAYS[2]) -> float:
    """GB-months of data retained: everything written, kept while the execution runs and for
    ``retention_days`` after it closes, prorated over a 30-day month (as AWS's example does: all the
    data for the whole period, not accrued as it is written).

    Parameters
    ----------
    written_gb
        Data written, GB.
    running_days
        How long the execution runs, days (its waits included).
    retention_days
        ``RetentionPeriodInDays``, 1-90.
    """
    lo, hi, _ = RETENTION_DAYS
    if not lo <= retention_days <= hi:
        raise InputError("retention_days", f"must be {lo}-{hi} days (RetentionPeriodInDays); got {retention_days!r}")
    return _count("written_gb", written_gb) * (_count("running_days", running_days) + retention_days) / MONTH_DAYS
