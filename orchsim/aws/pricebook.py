"""The AWS price book: prices with provenance, loaded from ``data/pricing/aws-prices.yaml``.

The price book only holds prices and their sources. The billing rules that apply them live in
:mod:`orchsim.aws.rules`; turning metering into line items lives in :mod:`orchsim.aws.cost`.

A user can pass their own file (a negotiated discount, a newer price) to every API and CLI command.
A region whose Lambda or Express price is not sourced separately must say ``same_as: us-east-1``
explicitly; such prices are flagged as assumed in every output.
"""

from __future__ import annotations

import datetime
import functools
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo

from orchsim.aws.rules import BillingRules
from orchsim.aws.services import BILLING_UNITS
from orchsim.errors import InputError, accepted_range, from_validation_error, model_in
from orchsim.model.strict import StrictInputModel
from orchsim.resources import data_dir
from orchsim.yamlfile import read_yaml

__all__ = [
    "ModelPrice",
    "ARCHITECTURES",
    "default_prices_path",
    "PriceBook",
    "Tier",
    "LambdaPrices",
    "ExpressPrices",
    "StandardPrices",
    "ServicePrices",
    "ServiceUnitPrice",
    "load_price_book",
]

ARCHITECTURES: tuple[str, ...] = ("x86_64", "arm64")
Arch = Literal["x86_64", "arm64"]



def default_prices_path() -> Path:
    """The shipped price book, ``pricing/aws-prices.yaml`` under :func:`orchsim.resources.data_dir`."""
    return data_dir() / "pricing" / "aws-prices.yaml"

MAX_PRICE_FILE_BYTES = 4_000_000
"""Largest price file accepted, bytes (the shipped one is under 10 kB)."""

# Every number in a price file is a real number (never true/false, never a string), finite and in a
# stated range; the ranges are wide enough for any real AWS price and keep every total finite.
NonNeg = Annotated[float, Field(strict=True, ge=0, le=1_000)]
"""A price in USD per unit (0 to 1,000)."""
Quantity = Annotated[float, Field(strict=True, ge=0, le=1e15)]
"""A monthly allowance (requests, GB-s, transitions): 0 to 1e15."""
TierBound = Annotated[float, Field(strict=True, gt=0, le=1e15)]
"""A tier's upper bound (GB-s or GB-hours per month): above 0, at most 1e15."""
MemoryMb = Annotated[int, Field(strict=True, ge=1, le=1_048_576)]
"""A memory size or chunk, whole MB (1 to 1,048,576)."""


def _real_date(value: Any) -> Any:
    """A YAML date (unquoted) as its ``YYYY-MM-DD`` text; any text must be a real calendar date."""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 10:
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a calendar date; accepted: a real date YYYY-MM-DD") from None
    return value


class _Frozen(StrictInputModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Provenance(_Frozen):
    """Where a price comes from: its source address and the date it was read."""

    source: str = Field(min_length=1)
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="a real date YYYY-MM-DD")

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return _real_date(v)


class Tier(_Frozen):
    """One volume tier: ``usd_per_unit`` applies to monthly quantity up to ``up_to`` (None = beyond)."""

    up_to: float | None
    usd_per_unit: NonNeg


def _tiers(raw: list[dict[str, Any]], qty_key: str, price_key: str) -> tuple[Tier, ...]:
    try:
        tiers = tuple(Tier(up_to=t.get(qty_key), usd_per_unit=t[price_key]) for t in raw)
    except ValidationError:
        raise ValueError(f"each tier needs {price_key}: a number >= 0") from None
    bounds = [t.up_to for t in tiers]
    if not tiers or bounds[-1] is not None:
        raise ValueError(f"the last tier must have {qty_key}: null (unbounded)")
    finite = [b for b in bounds[:-1] if b is not None]
    if len(finite) != len(bounds) - 1 or any(b <= 0 for b in finite) or finite != sorted(set(finite)):
        raise ValueError(f"tier bounds {qty_key} must be positive and strictly increasing")
    return tiers


class _TierIn(_Frozen):
    up_to_gb_s: TierBound | None = None
    up_to_gb_hours: TierBound | None = None
    up_to_gb: TierBound | None = None
    usd_per_gb_s: NonNeg | None = None
    usd_per_gb_hour: NonNeg | None = None
    usd_per_gb: NonNeg | None = None


class _LambdaRegionIn(Provenance):
    requests_usd_per_million: NonNeg
    ephemeral_storage_usd_per_gb_s: NonNeg
    duration_tiers: dict[Arch, list[_TierIn]]

    @field_validator("duration_tiers")
    @classmethod
    def _both_arches(cls, v: dict[str, Any]) -> dict[str, Any]:
        missing = [a for a in ARCHITECTURES if a not in v]
        if missing:
            raise ValueError(f"missing architecture(s) {missing}; accepted: {list(ARCHITECTURES)}")
        return v


class _SameAs(_Frozen):
    same_as: str


class _FreeTierLambda(Provenance):
    requests: Quantity
    gb_s: Quantity


class _LambdaIn(Provenance):
    memory_mb_min: MemoryMb
    memory_mb_max: MemoryMb
    duration_rounding_ms: int = Field(strict=True, ge=1, le=60_000)
    included_ephemeral_storage_mb: int = Field(strict=True, ge=0, le=1_048_576)
    free_tier: _FreeTierLambda
    regions: dict[str, _LambdaRegionIn | _SameAs]

    @model_validator(mode="after")
    def _memory_ordered(self) -> _LambdaIn:
        if self.memory_mb_min > self.memory_mb_max:
            raise InputError(
                "lambda.memory_mb_max",
                f"is {self.memory_mb_max:,} MB, below memory_mb_min ({self.memory_mb_min:,} MB); "
                "accepted: memory_mb_min <= memory_mb_max",
            )
        return self


class _StandardRegionIn(Provenance):
    usd_per_1000_transitions: NonNeg


class _FreeTierStandard(Provenance):
    transitions: Quantity


class _StandardIn(_Frozen):
    free_tier: _FreeTierStandard
    regions: dict[str, _StandardRegionIn | _SameAs]


class _ExpressRegionIn(Provenance):
    requests_usd_per_million: NonNeg
    duration_tiers: list[_TierIn]


class _ExpressIn(_Frozen):
    memory_chunk_mb: MemoryMb
    duration_rounding_ms: int = Field(strict=True, ge=1, le=60_000)
    max_duration_s: float = Field(strict=True, gt=0, le=31_622_400)
    regions: dict[str, _ExpressRegionIn | _SameAs]


class _SfnIn(Provenance):
    standard: _StandardIn
    express: _ExpressIn


class _LogsRegionIn(_Frozen):
    ingestion_usd_per_gb: NonNeg
    vended_tiers: list[_TierIn] | None = None
    note: str = ""

    @field_validator("vended_tiers")
    @classmethod
    def _tiered(cls, v: list[_TierIn] | None) -> list[_TierIn] | None:
        if v is not None:
            _tiers([t.model_dump() for t in v], "up_to_gb", "usd_per_gb")
        return v


class _LogsIn(Provenance):
    regions: dict[str, _LogsRegionIn | _SameAs]


class _ServiceProvenance(Provenance):
    note: str = ""


class _DynamoDbRegionIn(_ServiceProvenance):
    write_request_units_usd_per_million: NonNeg
    read_request_units_usd_per_million: NonNeg


class _DynamoDbIn(_Frozen):
    regions: dict[str, _DynamoDbRegionIn]


class _SqsRegionIn(_ServiceProvenance):
    requests_usd_per_million: NonNeg


class _SqsFreeTier(_ServiceProvenance):
    requests: Quantity


class _SqsIn(_Frozen):
    free_tier: _SqsFreeTier | None = None
    regions: dict[str, _SqsRegionIn]


class _SnsRegionIn(_ServiceProvenance):
    publish_requests_usd_per_million: NonNeg


class _SnsFreeTier(_ServiceProvenance):
    publish_requests: Quantity


class _SnsIn(_Frozen):
    free_tier: _SnsFreeTier | None = None
    regions: dict[str, _SnsRegionIn]


class _S3RegionIn(_ServiceProvenance):
    put_copy_post_list_usd_per_1000: NonNeg
    get_select_usd_per_1000: NonNeg


class _S3In(_Frozen):
    regions: dict[str, _S3RegionIn]


class _EventBridgeRegionIn(_ServiceProvenance):
    custom_events_usd_per_million: NonNeg


class _EventBridgeIn(_Frozen):
    regions: dict[str, _EventBridgeRegionIn]


class _SchedulerRegionIn(_ServiceProvenance):
    invocations_usd_per_million: NonNeg


class _SchedulerFreeTier(_ServiceProvenance):
    invocations: Quantity


class _SchedulerIn(_Frozen):
    free_tier: _SchedulerFreeTier | None = None
    regions: dict[str, _SchedulerRegionIn]


class _XRayRegionIn(_ServiceProvenance):
    traces_recorded_usd_per_million: NonNeg


class _XRayFreeTier(_ServiceProvenance):
    traces_recorded: Quantity


class _XRayIn(_Frozen):
    free_tier: _XRayFreeTier | None = None
    regions: dict[str, _XRayRegionIn]


class _DurableRegionIn(_ServiceProvenance):
    operations_usd_per_million: NonNeg
    data_written_usd_per_gb: NonNeg
    data_retained_usd_per_gb_month: NonNeg


class _DurableIn(_Frozen):
    regions: dict[str, _DurableRegionIn]


class _ServicesIn(_Frozen):
    dynamodb: _DynamoDbIn | None = None
    sqs: _SqsIn | None = None
    sns: _SnsIn | None = None
    s3: _S3In | None = None
    eventbridge: _EventBridgeIn | None = None
    scheduler: _SchedulerIn | None = None
    xray: _XRayIn | None = None
    lambda_durable: _DurableIn | None = None


class _ModelPriceIn(_ServiceProvenance):
    model_id: str = Field(min_length=1, max_length=200, description="the Bedrock model ID the price is for")
    input_usd_per_1000_tokens: NonNeg
    output_usd_per_1000_tokens: NonNeg


class _BedrockRegionIn(_Frozen):
    models: dict[str, _ModelPriceIn]


class _BedrockIn(_Frozen):
    regions: dict[str, _BedrockRegionIn]


# (service section, price field, billing unit, units per quoted quantity, free-tier field or None)
_SERVICE_FIELDS: tuple[tuple[str, str, str, float, str | None], ...] = (
    ("dynamodb", "write_request_units_usd_per_million", "dynamodb_write_request_units", 1e6, None),
    ("dynamodb", "read_request_units_usd_per_million", "dynamodb_read_request_units", 1e6, None),
    ("sqs", "requests_usd_per_million", "sqs_requests", 1e6, "requests"),
    ("sns", "publish_requests_usd_per_million", "sns_publish_requests", 1e6, "publish_requests"),
    ("s3", "put_copy_post_list_usd_per_1000", "s3_put_copy_post_list_requests", 1e3, None),
    ("s3", "get_select_usd_per_1000", "s3_get_select_requests", 1e3, None),
    ("eventbridge", "custom_events_usd_per_million", "eventbridge_custom_events", 1e6, None),
    ("scheduler", "invocations_usd_per_million", "scheduler_invocations", 1e6, "invocations"),
    ("xray", "traces_recorded_usd_per_million", "xray_traces_recorded", 1e6, "traces_recorded"),
    ("lambda_durable", "operations_usd_per_million", "durable_operations", 1e6, None),
    ("lambda_durable", "data_written_usd_per_gb", "durable_data_written_gb", 1.0, None),
    ("lambda_durable", "data_retained_usd_per_gb_month", "durable_data_retained_gb_months", 1.0, None),
)
assert [u for _, _, u, _, _ in _SERVICE_FIELDS] == list(BILLING_UNITS), "every billing unit needs its price field"


class _PriceFileIn(_Frozen):
    schema_version: Literal[1]
    currency: Literal["USD"]
    as_of: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="a real date YYYY-MM-DD")
    month_hours: float = Field(strict=True, ge=672, le=744, description="hours in a billing month (AWS: 730)")
    lambda_: _LambdaIn = Field(alias="lambda")
    step_functions: _SfnIn
    cloudwatch_logs: _LogsIn
    services: _ServicesIn | None = None
    bedrock: _BedrockIn | None = None

    @field_validator("as_of", mode="before")
    @classmethod
    def _date(cls, v: Any) -> Any:
        return _real_date(v)

    @model_validator(mode="after")
    def _same_as_targets(self) -> _PriceFileIn:
        for section, regions in (
            ("lambda", self.lambda_.regions),
            ("step_functions.standard", self.step_functions.standard.regions),
            ("step_functions.express", self.step_functions.express.regions),
            ("cloudwatch_logs", self.cloudwatch_logs.regions),
        ):
            for name, entry in regions.items():
                if isinstance(entry, _SameAs):
                    target = regions.get(entry.same_as)
                    if target is None or isinstance(target, _SameAs):
                        raise InputError(
                            f"{section}.regions.{name}.same_as",
                            f"names {entry.same_as!r}, which is not a region with its own prices in this file",
                        )
        return self


class LambdaPrices(_Frozen):
    """Lambda prices for one region (USD). ``assumed_from`` names the region whose prices were reused."""

    region: str
    requests_usd_per_million: float
    ephemeral_storage_usd_per_gb_s: float
    duration_tiers: dict[str, tuple[Tier, ...]]
    free_requests: float
    free_gb_s: float
    included_ephemeral_storage_mb: int
    memory_mb_min: int
    memory_mb_max: int
    duration_rounding_ms: int
    source: str
    as_of: str
    assumed_from: str | None = None


class StandardPrices(_Frozen):
    """Step Functions Standard prices for one region (USD)."""

    region: str
    usd_per_1000_transitions: float
    free_transitions: float
    source: str
    as_of: str
    assumed_from: str | None = None


class ExpressPrices(_Frozen):
    """Step Functions Express prices for one region (USD)."""

    region: str
    requests_usd_per_million: float
    duration_tiers: tuple[Tier, ...]
    memory_chunk_mb: int
    duration_rounding_ms: int
    max_duration_s: float
    source: str
    as_of: str
    assumed_from: str | None = None


class ServiceUnitPrice(_Frozen):
    """The price of one service billing unit in one region.

    ``unit`` names a :data:`orchsim.aws.services.BILLING_UNITS` entry; ``usd_per_unit`` is USD per
    single unit (per request, per event); ``free_units`` the monthly always-free allowance.
    """

    unit: str
    usd_per_unit: float
    free_units: float
    source: str
    as_of: str
    note: str = ""


class ServicePrices(_Frozen):
    """Prices of direct service calls (DynamoDB, SQS, SNS, S3, EventBridge, Scheduler) in one region.

    ``units`` maps a billing unit name to its price; a unit without a price in the region is absent
    (its calls are reported unpriced).
    """

    region: str
    units: dict[str, ServiceUnitPrice]


class ModelPrice(_Frozen):
    """On-demand token prices of one model in one region (USD per token), with provenance."""

    model: str
    model_id: str
    usd_per_input_token: float
    usd_per_output_token: float
    source: str
    as_of: str
    note: str = ""


def _resolve(regions: dict[str, Any], region: str, service: str) -> tuple[Any, str | None]:
    entry = regions.get(region)
    if entry is None:
        raise InputError(
            "region", f"unknown region {region!r} for {service}; accepted: {', '.join(sorted(regions))}"
        )
    if isinstance(entry, _SameAs):
        return regions[entry.same_as], entry.same_as
    return entry, None


class PriceBook:
    """A validated price file, answering per-region price queries.

    Use :func:`load_price_book` to make one. Instances are immutable.
    """

    __slots__ = ("_raw", "path")

    def __init__(self, raw: _PriceFileIn, path: Path) -> None:
        self._raw = raw
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (load_price_book, (self.path,))

    @property
    def as_of(self) -> str:
        """Date the price book as a whole was checked (YYYY-MM-DD)."""
        return self._raw.as_of

    @property
    def month_hours(self) -> float:
        """Hours in a billing month (AWS uses 730)."""
        return self._raw.month_hours

    @property
    def rules(self) -> BillingRules:
        """The billing units this price file states (rounding, Express chunk and limit, included
        ephemeral storage, month hours), for every engine and calculator to apply.

        Returns
        -------
        BillingRules
            Built from ``lambda.duration_rounding_ms``, ``lambda.included_ephemeral_storage_mb``,
            ``step_functions.express.{duration_rounding_ms, memory_chunk_mb, max_duration_s}`` and
            ``month_hours``.
        """
        lam, exp = self._raw.lambda_, self._raw.step_functions.express
        return BillingRules(
            lambda_rounding_ms=lam.duration_rounding_ms,
            included_ephemeral_storage_mb=lam.included_ephemeral_storage_mb,
            express_rounding_ms=exp.duration_rounding_ms,
            express_memory_chunk_mb=exp.memory_chunk_mb,
            express_max_duration_s=exp.max_duration_s,
            month_hours=self._raw.month_hours,
        )

    @property
    def regions(self) -> tuple[str, ...]:
        """Regions for which every service has a price (own or explicitly reused)."""
        names = set(self._raw.lambda_.regions)
        names &= set(self._raw.step_functions.standard.regions)
        names &= set(self._raw.step_functions.express.regions)
        return tuple(sorted(names))

    def lambda_prices(self, region: str) -> LambdaPrices:
        """Lambda prices in ``region``; raises :class:`InputError` for an unknown region."""
        lam = self._raw.lambda_
        entry, assumed = _resolve(lam.regions, region, "Lambda")
        tiers = {
            arch: _tiers([t.model_dump() for t in entry.duration_tiers[arch]], "up_to_gb_s", "usd_per_gb_s")
            for arch in ARCHITECTURES
        }
        return LambdaPrices(
            region=region,
            requests_usd_per_million=entry.requests_usd_per_million,
            ephemeral_storage_usd_per_gb_s=entry.ephemeral_storage_usd_per_gb_s,
            duration_tiers=tiers,
            free_requests=lam.free_tier.requests,
            free_gb_s=lam.free_tier.gb_s,
            included_ephemeral_storage_mb=lam.included_ephemeral_storage_mb,
            memory_mb_min=lam.memory_mb_min,
            memory_mb_max=lam.memory_mb_max,
            duration_rounding_ms=lam.duration_rounding_ms,
            source=entry.source,
            as_of=entry.as_of,
            assumed_from=assumed,
        )

    def standard_prices(self, region: str) -> StandardPrices:
        """Step Functions Standard prices in ``region``."""
        std = self._raw.step_functions.standard
        entry, assumed = _resolve(std.regions, region, "Step Functions Standard")
        return StandardPrices(
            region=region,
            usd_per_1000_transitions=entry.usd_per_1000_transitions,
            free_transitions=std.free_tier.transitions,
            source=entry.source,
            as_of=entry.as_of,
            assumed_from=assumed,
        )

    def express_prices(self, region: str) -> ExpressPrices:
        """Step Functions Express prices in ``region``."""
        exp = self._raw.step_functions.express
        entry, assumed = _resolve(exp.regions, region, "Step Functions Express")
        return ExpressPrices(
            region=region,
            requests_usd_per_million=entry.requests_usd_per_million,
            duration_tiers=_tiers(
                [t.model_dump() for t in entry.duration_tiers], "up_to_gb_hours", "usd_per_gb_hour"
            ),
            memory_chunk_mb=exp.memory_chunk_mb,
            duration_rounding_ms=exp.duration_rounding_ms,
            max_duration_s=exp.max_duration_s,
            source=entry.source,
            as_of=entry.as_of,
            assumed_from=assumed,
        )

    def logs_ingestion_usd_per_gb(self, region: str) -> float:
        """CloudWatch Logs ingestion price (USD per GB) in ``region``: the first tier's."""
        entry, _ = _resolve(self._raw.cloudwatch_logs.regions, region, "CloudWatch Logs")
        return float(entry.ingestion_usd_per_gb)

    def logs_vended_tiers(self, region: str) -> tuple[Tier, ...]:
        """Volume tiers of vended-log ingestion (Lambda's and Step Functions' logs, per account and
        month) in ``region``; one flat tier at the ingestion price where the book gives none.

        >>> [(t.up_to, t.usd_per_unit) for t in load_price_book().logs_vended_tiers("us-east-1")][:2]
        [(10240.0, 0.5), (30720.0, 0.25)]
        """
        entry, _ = _resolve(self._raw.cloudwatch_logs.regions, region, "CloudWatch Logs")
        if entry.vended_tiers is None:
            return (Tier(up_to=None, usd_per_unit=entry.ingestion_usd_per_gb),)
        return _tiers([t.model_dump() for t in entry.vended_tiers], "up_to_gb", "usd_per_gb")

    def service_prices(self, region: str) -> ServicePrices | None:
        """Prices of direct service calls in ``region``, or None when the book prices none there.

        Parameters
        ----------
        region
            AWS region. A region missing from a service's ``regions`` leaves that service's calls
            unpriced (never assumed equal to another region's).

        Returns
        -------
        ServicePrices or None
            The billing units priced in ``region``, USD per unit, with free allowances.

        >>> load_price_book().service_prices("us-east-1").units["sqs_requests"].free_units
        1000000.0
        """
        services = self._raw.services
        if services is None:
            return None
        units: dict[str, ServiceUnitPrice] = {}
        for section, price_field, unit, per, free_field in _SERVICE_FIELDS:
            svc = getattr(services, section)
            entry = svc.regions.get(region) if svc is not None else None
            if entry is None:
                continue
            free = getattr(svc, "free_tier", None)
            units[unit] = ServiceUnitPrice(
                unit=unit,
                usd_per_unit=getattr(entry, price_field) / per,
                free_units=getattr(free, free_field) if free is not None and free_field is not None else 0.0,
                source=entry.source,
                as_of=entry.as_of,
                note=entry.note,
            )
        return ServicePrices(region=region, units=units) if units else None

    def model_names(self, region: str) -> tuple[str, ...]:
        """The models the book prices in ``region`` (empty without a ``bedrock`` section there)."""
        bedrock = self._raw.bedrock
        entry = bedrock.regions.get(region) if bedrock is not None else None
        return tuple(entry.models) if entry is not None else ()

    def model_price(self, region: str, model: str) -> ModelPrice | None:
        """Token prices of ``model`` in ``region``, or None when the book has none (its calls are then
        metered and reported unpriced, never priced at $0).

        >>> p = load_price_book().model_price("us-east-1", "amazon.nova-lite")
        >>> round(p.usd_per_input_token * 1e6, 3), round(p.usd_per_output_token * 1e6, 3)
        (0.06, 0.24)
        """
        bedrock = self._raw.bedrock
        entry = bedrock.regions.get(region) if bedrock is not None else None
        m = entry.models.get(model) if entry is not None else None
        if m is None:
            return None
        return ModelPrice(model=model, model_id=m.model_id, usd_per_input_token=m.input_usd_per_1000_tokens / 1000.0,
                          usd_per_output_token=m.output_usd_per_1000_tokens / 1000.0, source=m.source, as_of=m.as_of,
                          note=m.note)

    def check_region(self, region: str) -> None:
        """Raise :class:`InputError` unless every service has a price in ``region``."""
        self.lambda_prices(region)
        self.standard_prices(region)
        self.express_prices(region)

    def footer(self, region: str) -> str:
        """One line of provenance for charts and reports."""
        assumed = [
            name
            for name, p in (("Lambda", self.lambda_prices(region)), ("Express", self.express_prices(region)))
            if p.assumed_from
        ]
        note = f"; {' and '.join(assumed)} prices assumed equal to us-east-1" if assumed else ""
        return f"AWS prices {region}, price book as of {self.as_of} ({self.path.name}){note}"


def _field_at(loc: tuple[Any, ...]) -> FieldInfo | None:
    """The price-file field at an error location, skipping region names, list indices and union tags."""
    current: Any = _PriceFileIn
    info: FieldInfo | None = None
    for part in loc:
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or isinstance(part, int):
            continue
        found = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
        if found is None:
            continue  # a region name or a union member's tag
        info = found
        current = model_in(found.annotation)
    return info


def _read(path: Path) -> _PriceFileIn:
    data = read_yaml(path, "prices", "price file", max_bytes=MAX_PRICE_FILE_BYTES)
    if not isinstance(data, dict):
        raise InputError("prices", f"price file {str(path)!r} must be a mapping at the top level")
    try:
        raw = _PriceFileIn.model_validate(data)
    except ValidationError as exc:
        err = from_validation_error(exc)
        message = err.message
        first = exc.errors(include_url=False)[0]
        if "accepted" not in message and first["type"] not in ("missing", "extra_forbidden"):
            info = _field_at(first["loc"])
            rng = accepted_range(info) if info is not None else None
            message = f"{message}; {rng}" if rng else message
        raise InputError(f"prices:{err.field}", f"{message} in {str(path)!r}") from None
    except ValueError as exc:
        raise InputError("prices", f"{exc} in {str(path)!r}") from None
    # Tier tables are validated eagerly so a bad file fails at load, not at first use. Only regions
    # with their own prices hold tier tables (a same_as region would misname the faulty one).
    for region, lam_entry in raw.lambda_.regions.items():
        if isinstance(lam_entry, _SameAs):
            continue
        for arch in ("x86_64", "arm64"):
            try:
                _tiers([t.model_dump() for t in lam_entry.duration_tiers[arch]], "up_to_gb_s", "usd_per_gb_s")
            except ValueError as exc:
                field = f"prices:lambda.regions.{region}.duration_tiers.{arch}"
                raise InputError(field, f"{exc} in {str(path)!r}") from None
    for region, exp_entry in raw.step_functions.express.regions.items():
        if isinstance(exp_entry, _SameAs):
            continue
        try:
            _tiers([t.model_dump() for t in exp_entry.duration_tiers], "up_to_gb_hours", "usd_per_gb_hour")
        except ValueError as exc:
            field = f"prices:step_functions.express.regions.{region}.duration_tiers"
            raise InputError(field, f"{exc} in {str(path)!r}") from None
    return raw


@functools.lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int) -> PriceBook:
    return PriceBook(_read(path), path)


def load_price_book(path: str | os.PathLike[str] | PriceBook | None = None) -> PriceBook:
    """Load and validate a price file (default: the shipped ``data/pricing/aws-prices.yaml``).

    Raises
    ------
    InputError
        If the file is missing, not YAML, incomplete or inconsistent; the message names the field.
    """
    if isinstance(path, PriceBook):
        return path
    p = Path(path) if path is not None else default_prices_path()
    p = p.resolve()
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        raise InputError("prices", f"price file {str(p)!r} does not exist or cannot be read") from None
    return _load_cached(p, mtime)
