"""A statement's totals and a monthly fee's included minutes.

Amounts here may be negative, because an adjustment that credits the
customer is a negative item. Halves round away from zero, so a credit and a
debit of the same size get VAT of the same size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from portal.services.billing_rules.money import CENT, percent_of, require_minutes


@dataclass(frozen=True)
class Allowance:
    """Billed minutes split into those a monthly fee includes and the overage."""

    included_minutes: int
    overage_minutes: int


def monthly_allowance(
    billed_minutes: int, included_minutes: int, used_minutes: int = 0
) -> Allowance:
    """Split billed minutes into the fee's included minutes and the overage.

    used_minutes are the included minutes that earlier statements of the same
    month already took, so two statements never include more than the fee.
    """
    require_minutes(billed_minutes, "billed_minutes")
    require_minutes(included_minutes, "included_minutes")
    require_minutes(used_minutes, "used_minutes")
    left = max(included_minutes - used_minutes, 0)
    included = min(billed_minutes, left)
    return Allowance(included, billed_minutes - included)


def require_signed_cents(value: object, field: str) -> Decimal:
    """Return value as a finite Decimal with at most two places, or raise."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{field} must be a Decimal, got {type(value).__name__}")
    if not value.is_finite() or value != value.quantize(CENT):
        raise ValueError(f"{field} must be a whole number of cents, got {value}")
    return value


def vat_amount(subtotal: Decimal, rate_percent: Decimal) -> Decimal:
    """Return subtotal x rate_percent / 100, rounded half-up to the cent."""
    require_signed_cents(subtotal, "subtotal")
    if not isinstance(rate_percent, Decimal) or not 0 <= rate_percent <= 100:
        raise ValueError(
            f"VAT rate must be a Decimal from 0 to 100, got {rate_percent!r}"
        )
    return percent_of(subtotal, rate_percent)


@dataclass(frozen=True)
class StatementTotals:
    """Subtotal of the items, VAT on it (None without a rate) and the total."""

    subtotal: Decimal
    vat: Decimal | None
    total: Decimal


def statement_totals(
    amounts: Iterable[Decimal], vat_rate: Decimal | None
) -> StatementTotals:
    """Add up the items' rounded amounts and put VAT on top of the subtotal.

    The subtotal is the plain sum of the amounts as printed, so it foots.
    """
    subtotal = Decimal("0.00")
    for amount in amounts:
        subtotal += require_signed_cents(amount, "item amount")
    if vat_rate is None:
        return StatementTotals(subtotal, None, subtotal)
    vat = vat_amount(subtotal, vat_rate)
    return StatementTotals(subtotal, vat, subtotal + vat)
