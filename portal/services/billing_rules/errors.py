"""The error a billing rule raises when valid data leaves it without a result."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _


def format_day(day: date) -> str:
    """Format a date as dd/mm/yyyy, the pattern both portal languages use."""
    return day.strftime("%d/%m/%Y")


class BillingRuleError(ValueError):
    """Data that a billing rule cannot price. The code attribute names the cause.

    Invalid configuration (a float rate, an increment the rules do not offer)
    raises plain ValueError or TypeError instead, because it is a programming
    error. This error is for data that is valid on its own but leaves a rule
    without a result, so a view can show message() to the accounts team,
    for example through DomainError(error.message(), 422).
    """

    NO_RATE = "no_rate"
    NO_HOLIDAY_CALENDAR = "no_holiday_calendar"
    NO_KM_RATE = "no_km_rate"
    NO_OVERAGE_RATE = "no_overage_rate"
    NO_CALL_OUT_FEE = "no_call_out_fee"
    NO_FEE_OVERAGE_RATE = "no_fee_overage_rate"

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(f"{code}: {params!r}")
        self.code = code
        self.params = params

    def message(self) -> str:
        """Return the translated message to show to the user."""
        params = self.params
        if self.code == self.NO_RATE:
            return _(
                "No hourly rate applies to activity %(activity)s on %(day)s. "
                "Add a rate for it to the contract or set a default rate.",
                activity=params["activity"],
                day=params["day"],
            )
        if self.code == self.NO_HOLIDAY_CALENDAR:
            return _(
                "The contract has a public holiday multiplier, but no holiday "
                "calendar was given to price the statement."
            )
        if self.code == self.NO_KM_RATE:
            return _(
                "Kilometres were logged on ticket %(ticket)s, but the contract "
                "has no rate per kilometre.",
                ticket=params["ticket"],
            )
        if self.code == self.NO_CALL_OUT_FEE:
            return _(
                "A call-out was logged on ticket %(ticket)s, but the contract "
                "has no call-out fee.",
                ticket=params["ticket"],
            )
        if self.code == self.NO_FEE_OVERAGE_RATE:
            return _(
                "%(minutes)s minutes exceed the hours included in the monthly "
                "fee, but the contract has no overage rate.",
                minutes=params["minutes"],
            )
        return _(
            "%(minutes)s minutes exceed the prepaid packages, but the contract "
            "has no overage rate.",
            minutes=params["minutes"],
        )
