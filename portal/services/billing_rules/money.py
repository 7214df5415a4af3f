"""Exact Decimal arithmetic for amounts and hours.

Every amount is computed from exact inputs and rounded once, half-up to the
cent. The context below traps Inexact, so an intermediate result that would
need rounding raises instead of silently losing a digit.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)

CENT = Decimal("0.01")

_EXACT = Context(
    prec=60,
    rounding=ROUND_HALF_UP,
    traps=[Inexact, InvalidOperation, Overflow, DivisionByZero],
)


def require_decimal(value: object, field: str, *, positive: bool = False) -> Decimal:
    """Return value as a finite, non-negative Decimal, or raise.

    Floats are rejected because they cannot hold most cent values exactly.
    With positive=True zero is rejected too.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(
            f"{field} must be a Decimal, got {type(value).__name__} {value!r}"
        )

    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{field} must be a finite number, got {number}")
    if number < 0 or (positive and number == 0):
        expected = "greater than zero" if positive else "zero or more"
        raise ValueError(f"{field} must be {expected}, got {number}")
    return number


def require_minutes(value: object, field: str) -> int:
    """Return value as whole minutes (int, zero or more), or raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field} must be whole minutes (int), got {value!r}")
    if value < 0:
        raise ValueError(f"{field} must be zero or more minutes, got {value}")
    return value


def round_ratio_to_cents(numerator: Decimal, denominator: int) -> Decimal:
    """Return numerator / denominator rounded half-up to the cent.

    The quotient is never rounded on the way: the integer division and its
    remainder are exact, so 18.335 rounds to 18.34 and 18.3349... to 18.33.
    """
    if numerator < 0 or denominator <= 0:
        raise ValueError(
            f"expected a non-negative numerator and a positive denominator, "
            f"got {numerator} / {denominator}"
        )

    with localcontext(_EXACT):
        cents, remainder = divmod(numerator * 100, denominator)
        if remainder * 2 >= denominator:
            cents += 1
        return cents.scaleb(-2).quantize(CENT)


def line_amount(
    quantity: Decimal | int,
    unit_price: Decimal,
    *,
    multiplier: Decimal = Decimal(1),
    per: int = 1,
) -> Decimal:
    """Return quantity x unit_price x multiplier / per, rounded once to the cent.

    For time, quantity is minutes and per is 60, so the amount comes from the
    exact minutes and never from hours rounded for display.
    """
    with localcontext(_EXACT):
        numerator = Decimal(quantity) * unit_price * multiplier
    return round_ratio_to_cents(numerator, per)


def hours_from_minutes(minutes: int) -> Decimal:
    """Return minutes as decimal hours with two places, rounded half-up."""
    return round_ratio_to_cents(Decimal(minutes), 60)


def percent_of(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """Return amount x rate_percent / 100, rounded half-up to the cent.

    amount may be negative: halves round away from zero, so a credit and a
    debit of the same size get a percentage of the same size.
    """
    with localcontext(_EXACT):
        numerator = abs(amount) * rate_percent
    magnitude = round_ratio_to_cents(numerator, 100)
    return -magnitude if amount < 0 else magnitude
