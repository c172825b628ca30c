"""Metering: what AWS bills, counted by an engine, before any price is applied.

Engines (simulation or closed form) produce a :class:`Metering`; :mod:`orchsim.aws.cost` prices it.
Quantities are totals over the metered window unless a method says otherwise. The simulation meters
an invocation or an Express execution when it ends: work still running when the window closes
belongs to ``in_flight`` documents and is not billed in that window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from orchsim.model.scenario import Account

__all__ = ["METERS", "Metering", "Waste", "account_usage"]


@dataclass(frozen=True)
class Metering:
    """Billable units over a window.

    Attributes
    ----------
    lambda_requests
        Billed Lambda invocations (throttled attempts are not billed and not counted here).
    lambda_gb_s_x86_64, lambda_gb_s_arm64
        Billed compute per architecture, GB-seconds (init included; waiting included for sync callers).
    ephemeral_gb_s
        Configured ephemeral storage above the included 512 MB times billed seconds, GB-seconds.
    sfn_transitions
        Step Functions Standard state transitions (one per state entered, one per retry).
    express_requests
        Express executions (duplicates included).
    express_gb_hours
        Express billed duration x billed memory, GB-hours.
    logs_gb
        CloudWatch Logs ingestion, GB.
    service_calls
        Direct AWS service calls per key (``"dynamodb:putItem"``, ``"sqs:sendMessage"``: see
        :func:`orchsim.aws.services.service_key`), calls over the window. Priced where the price
        book has a price; the others are reported unpriced, never dropped.
    model_tokens
        Model calls' tokens per price-book model: ``{model: (input tokens, output tokens)}`` over
        the window, every call that reached the model (retried, timed-out, duplicated ones too).
    """

    lambda_requests: float = 0.0
    lambda_gb_s_x86_64: float = 0.0
    lambda_gb_s_arm64: float = 0.0
    ephemeral_gb_s: float = 0.0
    sfn_transitions: float = 0.0
    express_requests: float = 0.0
    express_gb_hours: float = 0.0
    logs_gb: float = 0.0
    service_calls: Mapping[str, float] = field(default_factory=dict, hash=False)
    model_tokens: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)

    def scaled(self, factor: float) -> Metering:
        """Every quantity multiplied by ``factor`` (for example window -> month).

        Parameters
        ----------
        factor
            Multiplier, for example ``month_hours / window_hours``.

        Returns
        -------
        Metering
            A new metering; this one is unchanged.
        """
        scaled: dict[str, float] = {m: getattr(self, m) * factor for m in METERS}
        return replace(self, service_calls={k: v * factor for k, v in self.service_calls.items()},
                       model_tokens={m: (i * factor, o * factor) for m, (i, o) in self.model_tokens.items()}, **scaled)

    @property
    def lambda_gb_s(self) -> float:
        """Billed Lambda compute over both architectures, GB-seconds."""
        return self.lambda_gb_s_x86_64 + self.lambda_gb_s_arm64


METERS: tuple[str, ...] = tuple(f.name for f in fields(Metering) if f.name not in ("service_calls", "model_tokens"))
"""The scalar meters of :class:`Metering` (every field but ``service_calls`` and ``model_tokens``), in field order."""


@dataclass(frozen=True)
class Waste:
    """The part of a window's metering spent on documents that did not succeed, or on work whose
    result was thrown away; :func:`orchsim.aws.cost.wasted_usd` prices it with the window's cost.

    Attributes
    ----------
    lambda_gb_s
        Billed compute of failed or lost documents, plus failed attempts and orphaned invocations of
        the others, GB-seconds.
    lambda_requests
        Billed invocations counted the same way.
    sfn_transitions
        State transitions of failed or lost documents.
    share_docs_bad
        Share of arrived documents that failed or were lost (Express requests, duration and logs
        are wasted in that share).
    model_tokens
        Model tokens of failed or lost documents, plus those of failed attempts of the others:
        ``{model: (input tokens, output tokens)}``.
    """

    lambda_gb_s: float = 0.0
    lambda_requests: float = 0.0
    sfn_transitions: float = 0.0
    share_docs_bad: float = 0.0
    model_tokens: Mapping[str, tuple[float, float]] = field(default_factory=dict, hash=False)


def account_usage(account: Account) -> Metering:
    """The account's other monthly usage (:class:`orchsim.model.scenario.Account`) as metering, for
    :func:`orchsim.aws.cost.price_metering`'s ``account``."""
    return Metering(
        lambda_requests=account.other_lambda_requests_per_month,
        lambda_gb_s_x86_64=account.other_lambda_gb_s_x86_64_per_month,
        lambda_gb_s_arm64=account.other_lambda_gb_s_arm64_per_month,
        sfn_transitions=account.other_transitions_per_month,
        express_gb_hours=account.other_express_gb_hours_per_month,
        logs_gb=account.other_vended_logs_gb_per_month,
    )
