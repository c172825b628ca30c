"""AWS service calls made by a workflow: their keys and the billing units each call consumes.

Step Functions Task states (and Lambda code that emulates them) call AWS services directly:
DynamoDB, SQS, SNS, S3, EventBridge, EventBridge Scheduler, Bedrock, Step Functions. Engines count
these calls per key (:func:`service_key`) into :attr:`orchsim.aws.metering.Metering.service_calls`;
:mod:`orchsim.aws.cost` turns each key into the billing units of :data:`SERVICE_UNITS` and prices
them with the price book's ``services`` section. This module is the one home of that rule.

Assumptions (one call = one unit, stated per rule in :attr:`ServiceUnit.assumption`):

- DynamoDB on-demand: a write (``putItem``, ``updateItem``, ``deleteItem``) of an item up to 1 KB
  is one write request unit; ``batchWriteItem`` is counted as one item per call (a batch of n
  items bills n units). A read (``getItem``, ``query``) is strongly consistent and returns at most
  4 KB: one read request unit (an eventually consistent read would bill half a unit).
- SQS ``sendMessage``, SNS ``publish``, EventBridge ``putEvents``: one payload of at most 64 KB
  (one request, one publish, one custom event; each further 64 KB chunk bills again).
- S3 Standard: ``putObject``, ``copyObject``, ``listObjects``, ``listObjectsV2`` are PUT/COPY/POST/LIST
  requests; ``getObject``, ``headObject``, ``selectObjectContent`` are GET/SELECT requests.
- EventBridge Scheduler ``createSchedule``: a one-time schedule that fires once (Scheduler bills
  invocations; creating a schedule is free).

Calls without a rule here are counted and reported unpriced with a note (:func:`unpriced_note`),
never priced at $0: Bedrock (priced per token), ``states:startExecution`` (the started workflow is
billed as its own transitions or Express requests), and any other key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from orchsim.errors import InputError

__all__ = [
    "BILLING_UNITS",
    "SERVICE_COMPONENTS",
    "SERVICE_UNITS",
    "BillingUnit",
    "ServiceUnit",
    "normalise_calls",
    "service_key",
    "unpriced_note",
]


@dataclass(frozen=True)
class BillingUnit:
    """A unit AWS bills service calls in.

    Attributes
    ----------
    name
        Line-item name, for example ``dynamodb_write_request_units``.
    component
        Cost component, for example ``dynamodb``.
    unit
        The unit in words, for line items (``write request units``, ``requests``).
    service
        The service in words, for notes (``DynamoDB``).
    """

    name: str
    component: str
    unit: str
    service: str


BILLING_UNITS: Mapping[str, BillingUnit] = {
    u.name: u
    for u in (
        BillingUnit("dynamodb_write_request_units", "dynamodb", "write request units", "DynamoDB"),
        BillingUnit("dynamodb_read_request_units", "dynamodb", "read request units", "DynamoDB"),
        BillingUnit("sqs_requests", "sqs", "requests", "SQS"),
        BillingUnit("sns_publish_requests", "sns", "publish requests", "SNS"),
        BillingUnit("s3_put_copy_post_list_requests", "s3", "requests", "S3"),
        BillingUnit("s3_get_select_requests", "s3", "requests", "S3"),
        BillingUnit("eventbridge_custom_events", "eventbridge", "events", "EventBridge"),
        BillingUnit("scheduler_invocations", "scheduler", "invocations", "EventBridge Scheduler"),
        BillingUnit("xray_traces_recorded", "xray", "traces", "X-Ray"),
        BillingUnit("durable_operations", "durable_operations", "operations", "Lambda durable functions"),
        BillingUnit("durable_data_written_gb", "durable_data_written", "GB", "Lambda durable functions"),
        BillingUnit("durable_data_retained_gb_months", "durable_data_retained", "GB-months", "Lambda durable functions"),
    )
}
"""Every billing unit of a priced service call, in line-item order, by name."""

SERVICE_COMPONENTS: tuple[str, ...] = tuple(dict.fromkeys(u.component for u in BILLING_UNITS.values()))
"""Cost components of service calls, in the order line items show them (after the core components)."""


@dataclass(frozen=True)
class ServiceUnit:
    """What one call of a service key consumes.

    Attributes
    ----------
    unit
        Name of the :class:`BillingUnit` consumed.
    units_per_call
        Billing units per call.
    assumption
        The size or mode assumed to make ``units_per_call`` exact.
    """

    unit: str
    units_per_call: float
    assumption: str


_WRITE = "an item of at most 1 KB: 1 write request unit"
_READ = "a strongly consistent read of at most 4 KB: 1 read request unit"
_CHUNK = "a payload of at most 64 KB: one billed chunk"

SERVICE_UNITS: Mapping[str, ServiceUnit] = {
    "dynamodb:putItem": ServiceUnit("dynamodb_write_request_units", 1.0, _WRITE),
    "dynamodb:updateItem": ServiceUnit("dynamodb_write_request_units", 1.0, _WRITE),
    "dynamodb:deleteItem": ServiceUnit("dynamodb_write_request_units", 1.0, _WRITE),
    "dynamodb:batchWriteItem": ServiceUnit("dynamodb_write_request_units", 1.0, "one item of at most 1 KB per batch"),
    "dynamodb:getItem": ServiceUnit("dynamodb_read_request_units", 1.0, _READ),
    "dynamodb:query": ServiceUnit("dynamodb_read_request_units", 1.0, _READ),
    "sqs:sendMessage": ServiceUnit("sqs_requests", 1.0, _CHUNK),
    "sns:publish": ServiceUnit("sns_publish_requests", 1.0, _CHUNK),
    "s3:putObject": ServiceUnit("s3_put_copy_post_list_requests", 1.0, "one PUT request"),
    "s3:copyObject": ServiceUnit("s3_put_copy_post_list_requests", 1.0, "one COPY request"),
    "s3:listObjects": ServiceUnit("s3_put_copy_post_list_requests", 1.0, "one LIST request"),
    "s3:listObjectsV2": ServiceUnit("s3_put_copy_post_list_requests", 1.0, "one LIST request"),
    "s3:getObject": ServiceUnit("s3_get_select_requests", 1.0, "one GET request"),
    "s3:headObject": ServiceUnit("s3_get_select_requests", 1.0, "one GET-tier request"),
    "s3:selectObjectContent": ServiceUnit("s3_get_select_requests", 1.0, "one SELECT request (data scanned not priced)"),
    "events:putEvents": ServiceUnit("eventbridge_custom_events", 1.0, "one custom event of at most 64 KB per call"),
    "scheduler:createSchedule": ServiceUnit("scheduler_invocations", 1.0, "a one-time schedule that fires once"),
    "xray:putTraceSegments": ServiceUnit("xray_traces_recorded", 1.0, "one trace per traced document, its functions' and states' segments together"),
    # Lambda durable functions (orchsim.aws.durable): metered as quantities under these keys
    "lambda:durableOperations": ServiceUnit("durable_operations", 1.0, "one durable operation (orchsim.aws.durable.operations)"),
    "lambda:durableDataWrittenGb": ServiceUnit("durable_data_written_gb", 1.0, "one GB (10**6 KB) written"),
    "lambda:durableDataRetainedGbMonths": ServiceUnit("durable_data_retained_gb_months", 1.0, "one GB retained for a 30-day month"),
}
"""Service key -> the billing unit one call consumes; keys absent here are reported unpriced."""

_NOTES: Mapping[str, str] = {
    "bedrock:invokeModel": "priced per token: name the model as a scenario service (services:) to meter and price its tokens; the call itself is counted, not priced",
    "bedrock:converse": "priced per token: name the model as a scenario service (services:) to meter and price its tokens; the call itself is counted, not priced",
    "states:startExecution": (
        "the started execution is billed as its own workflow (transitions or Express requests); "
        "the call itself is not priced"
    ),
}

# Service names of aws-sdk integrations that differ from the optimised integration's prefix.
_ALIASES: Mapping[str, str] = {
    "eventbridge": "events",
    "sfn": "states",
    "bedrockruntime": "bedrock",
}

_SUFFIX = re.compile(r"\.(sync(:\d+)?|waitForTaskToken)$")
_KEY = re.compile(r"^[a-z0-9-]+:[A-Za-z][A-Za-z0-9]*$")


def service_key(resource_or_service: str) -> str:
    """The normalised key of a service call: ``service:action``.

    The service prefix is lower case, the action lowerCamel (as in the ASL resource
    ``arn:aws:states:::dynamodb:putItem``). An ``aws-sdk`` integration gives the same key as the
    optimised one; the ``.sync``, ``.sync:2`` and ``.waitForTaskToken`` suffixes are dropped.

    Parameters
    ----------
    resource_or_service
        A Task state's ``Resource`` ARN, or ``service:action`` (IAM-style ``Service:Action`` too).

    Returns
    -------
    str
        For example ``"dynamodb:putItem"``.

    Raises
    ------
    InputError
        If the text names no ``service:action``.

    Examples
    --------
    >>> service_key("arn:aws:states:::aws-sdk:s3:getObject")
    's3:getObject'
    >>> service_key("sqs:sendMessage.waitForTaskToken")
    'sqs:sendMessage'
    """
    text = _SUFFIX.sub("", resource_or_service.strip())
    if text.startswith("arn:"):
        parts = text.split(":")
        rest = parts[5:] if len(parts) > 5 else []
        if rest[:1] == ["aws-sdk"]:
            rest = rest[1:]
        text = ":".join(rest)
    service, _, action = text.partition(":")
    service = service.lower()
    key = f"{_ALIASES.get(service, service)}:{action[:1].lower()}{action[1:]}"
    if not _KEY.match(key):
        raise InputError(
            "resource",
            f"{resource_or_service!r} names no service call; accepted: 'service:action' or a Task Resource ARN "
            "such as 'arn:aws:states:::dynamodb:putItem'",
        )
    return key


def normalise_calls(calls: Mapping[str, float]) -> dict[str, float]:
    """Call counts merged under their :func:`service_key` (insertion order kept).

    Parameters
    ----------
    calls
        Calls per key or resource; each count finite and >= 0.

    Returns
    -------
    dict
        Normalised key -> calls.

    Raises
    ------
    InputError
        If a count is negative or not finite (the field names the key).
    """
    out: dict[str, float] = {}
    for raw, count in calls.items():
        n = float(count)
        if not math.isfinite(n) or n < 0:
            raise InputError(f"service_calls[{raw!r}]", f"is {count!r}; accepted: a finite count >= 0")
        key = service_key(raw)
        out[key] = out.get(key, 0.0) + n
    return out


def unpriced_note(key: str, region: str) -> str:
    """Why calls of ``key`` carry no price in ``region``.

    Parameters
    ----------
    key
        A normalised service key.
    region
        The AWS region priced.

    Returns
    -------
    str
        One line for reports.

    >>> unpriced_note("dynamodb:putItem", "eu-west-1")
    'no DynamoDB price for eu-west-1 in the price book; counted, not priced'
    """
    if key in _NOTES:
        return _NOTES[key]
    rule = SERVICE_UNITS.get(key)
    if rule is not None:
        return f"no {BILLING_UNITS[rule.unit].service} price for {region} in the price book; counted, not priced"
    return "no pricing rule for this call in orchsim.aws.services; counted, not priced"
