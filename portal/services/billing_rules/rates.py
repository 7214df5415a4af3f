"""Hourly rates per activity and agent level, with the date each takes effect."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.services.billing_rules.errors import BillingRuleError, format_day
from portal.services.billing_rules.money import require_decimal


@dataclass(frozen=True)
class Rate:
    """An hourly rate for one activity, optionally only for one agent level."""

    activity_code: str
    hourly_rate: Decimal
    effective_from: date
    agent_level: str | None = None

    def __post_init__(self) -> None:
        require_decimal(self.hourly_rate, f"hourly_rate of {self.activity_code}")


@dataclass(frozen=True)
class RateCard:
    """A contract's rates, plus the default rate for activities it does not list.

    Without a default_rate, an activity with no rate in effect cannot be billed.
    """

    rates: tuple[Rate, ...] = field(default=())
    default_rate: Decimal | None = None

    def __post_init__(self) -> None:
        rates = tuple(self.rates)
        object.__setattr__(self, "rates", rates)
        if self.default_rate is not None:
            require_decimal(self.default_rate, "default_rate")

        seen: set[tuple[str, str | None, date]] = set()
        for rate in rates:
            key = (rate.activity_code, rate.agent_level, rate.effective_from)
            if key in seen:
                raise ValueError(
                    f"two rates for activity {rate.activity_code}, level "
                    f"{rate.agent_level} take effect on {rate.effective_from}"
                )
            seen.add(key)

    def rate_for(
        self, activity_code: str, agent_level: str | None, work_date: date
    ) -> Decimal:
        """Return the hourly rate for work of this activity, level and date.

        Only rates with effective_from on or before work_date are in effect.
        The most specific of them wins, even over a more recent but less
        specific one: the activity and level rate, then the activity-only
        rate, then the default rate. Within one kind the latest one applies.
        Raise BillingRuleError(NO_RATE) when none applies.
        """
        in_effect = [
            rate
            for rate in self.rates
            if rate.activity_code == activity_code and rate.effective_from <= work_date
        ]
        levels = [agent_level, None] if agent_level is not None else [None]
        for level in levels:
            latest = _latest([rate for rate in in_effect if rate.agent_level == level])
            if latest is not None:
                return latest.hourly_rate

        if self.default_rate is not None:
            return self.default_rate
        raise BillingRuleError(
            BillingRuleError.NO_RATE, activity=activity_code, day=format_day(work_date)
        )


def _latest(rates: Iterable[Rate]) -> Rate | None:
    return max(rates, key=lambda rate: rate.effective_from, default=None)
