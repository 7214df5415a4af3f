"""Adding, changing and deleting prepaid packages, and parsing their fields.

A package is editable only while no statement has drawn from it, void or
not: the draws of a void statement still name its minutes. It can be deleted
only while no statement lists it in its package movements either, because
those rows keep a foreign key to it. Every change writes an audit row.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    BillingModel,
    Contract,
    PackageDraw,
    PrepaidPackage,
    StatementPackageLine,
    User,
)
from portal.services.audit import changed_fields, record_event, snapshot

logger = logging.getLogger(__name__)

# Columns the package form sets; audit rows record them.
PACKAGE_FIELDS = ["name", "minutes_bought", "purchase_date", "expiry_date", "price"]
MAX_NAME_LENGTH = 120
# A package of 99,999 hours is already far beyond any support contract.
MAX_PACKAGE_HOURS = 99_999
# Money columns are Numeric(12, 2).
MAX_PRICE = Decimal("9999999999.99")
CENT = Decimal("0.01")

_CLOCK = re.compile(r"^(?P<hours>\d{1,5}):(?P<minutes>\d{2})$", re.ASCII)
_DECIMAL_HOURS = re.compile(r"^\d{1,5}(?:[.,]\d{1,4})?$", re.ASCII)
_BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}
# Digits with grouping and decimal marks only, so babel never parses an exponent.
_AMOUNT = re.compile(r"^-?[0-9][0-9.,]*$", re.ASCII)


class PackageFieldError(DomainError):
    """A package value that breaks a rule, with the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, 422)
        self.field = field


@dataclass(frozen=True)
class PackageData:
    """The values of a package form, already parsed."""

    name: str
    minutes_bought: int
    purchase_date: date
    expiry_date: date
    price: Decimal


# Parsing


def parse_package_hours(text: str | None) -> int:
    """Return the minutes of hours typed as h:mm (40:30) or hours (40, 12,5, 12.5).

    Unlike a time entry's duration, a bare number means hours here, because
    packages are sold by the hour. Decimal hours are rounded half-up to the
    minute.
    """
    value = (text or "").strip().lower().removesuffix("h").strip()
    if not value:
        raise PackageFieldError("hours", _("Enter the hours bought, e.g. 40 or 12:30."))
    if match := _CLOCK.match(value):
        hours, minutes = int(match["hours"]), int(match["minutes"])
        if minutes >= 60:
            raise PackageFieldError(
                "hours", _("Minutes must be between 0 and 59, e.g. 12:30.")
            )
        total = hours * 60 + minutes
    elif _DECIMAL_HOURS.match(value):
        hours_value = Decimal(value.replace(",", "."))
        total = int((hours_value * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    else:
        raise PackageFieldError(
            "hours",
            _('"%(text)s" is not a number of hours. Try 40, 12:30 or 12,5.', text=text),
        )
    if total <= 0:
        raise PackageFieldError(
            "hours", _("A package must contain at least one minute.")
        )
    if total > MAX_PACKAGE_HOURS * 60:
        raise PackageFieldError(
            "hours",
            _(
                "A package can contain at most %(hours)s hours.",
                hours=MAX_PACKAGE_HOURS,
            ),
        )
    return total


def parse_price(text: str | None, language: str) -> Decimal:
    """Return the price typed in the language's number format, e.g. 1.234,50 in Italian.

    Grouping separators must be where the locale puts them, so "1.5" typed
    in Italian is rejected rather than read as 15.
    """
    locale = _BABEL_LOCALES.get(language, "en_GB")
    example = format_decimal(Decimal("1200.50"), format="#,##0.00", locale=locale)
    value = (text or "").replace("€", "").strip()
    if not value:
        raise PackageFieldError(
            "price", _("Enter the price, e.g. %(example)s.", example=example)
        )
    invalid = PackageFieldError(
        "price",
        _(
            '"%(text)s" is not an amount. Write it as in %(example)s.',
            text=text,
            example=example,
        ),
    )
    if not _AMOUNT.match(value):
        raise invalid
    try:
        price = parse_decimal(value, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation):
        raise invalid from None
    if price < 0:
        raise PackageFieldError("price", _("The price cannot be negative."))
    if price != price.quantize(CENT):
        raise PackageFieldError("price", _("The price can have at most two decimals."))
    if price > MAX_PRICE:
        raise PackageFieldError(
            "price",
            _(
                "The price can be at most %(amount)s.",
                amount=format_decimal(MAX_PRICE, format="#,##0.00", locale=locale),
            ),
        )
    return price.quantize(CENT)


# Locks


def drawn_package_ids(package_ids: Iterable[int]) -> set[int]:
    """Return the ids among package_ids that some statement, void or not, drew from."""
    package_ids = list(package_ids)
    if not package_ids:
        return set()
    query = (
        sa.select(PackageDraw.package_id)
        .where(PackageDraw.package_id.in_(package_ids))
        .distinct()
    )
    return set(db.session.scalars(query))


def listed_package_ids(package_ids: Iterable[int]) -> set[int]:
    """Return the ids among package_ids that a statement's package movements list."""
    package_ids = list(package_ids)
    if not package_ids:
        return set()
    query = (
        sa.select(StatementPackageLine.package_id)
        .where(StatementPackageLine.package_id.in_(package_ids))
        .distinct()
    )
    return set(db.session.scalars(query))


def is_drawn(package: PrepaidPackage) -> bool:
    return package.id in drawn_package_ids([package.id])


def is_deletable(package: PrepaidPackage) -> bool:
    ids = [package.id]
    return not drawn_package_ids(ids) and not listed_package_ids(ids)


# Changes


def add_package(actor: User, contract: Contract, data: PackageData) -> PrepaidPackage:
    """Add a package to a prepaid contract and audit it."""
    if contract.billing_model != BillingModel.PREPAID:
        raise DomainError(_("Packages can be added only to prepaid contracts."), 409)
    _check_data(data)
    package = PrepaidPackage(contract_id=contract.id, created_by_id=actor.id)
    _apply(package, data)
    db.session.add(package)
    db.session.flush()
    record_event(actor, "created", package, None, _snapshot(package))
    return package


def update_package(
    actor: User, package: PrepaidPackage, data: PackageData
) -> PrepaidPackage:
    """Change a package no statement has drawn from, and audit the changed fields."""
    _lock(package)
    if is_drawn(package):
        logger.info("package %s not changed: statements drew from it", package.id)
        raise DomainError(
            _(
                "Statements have already drawn hours from this package, so it "
                "can no longer be changed."
            ),
            409,
        )
    _check_data(data)
    before = _snapshot(package)
    _apply(package, data)
    before, after = changed_fields(before, _snapshot(package))
    if after:
        db.session.flush()
        record_event(actor, "updated", package, before, after)
    return package


def delete_package(actor: User, package: PrepaidPackage) -> None:
    """Delete a package no statement drew from or lists, keeping it in the audit row."""
    _lock(package)
    if not is_deletable(package):
        logger.info("package %s not deleted: statements refer to it", package.id)
        raise DomainError(
            _("Statements refer to this package, so it can no longer be deleted."),
            409,
        )
    record_event(actor, "deleted", package, _snapshot(package), None)
    db.session.delete(package)
    db.session.flush()


def _lock(package: PrepaidPackage) -> None:
    """Lock the package row, so a check and the change it allows stay together."""
    db.session.execute(
        sa.select(PrepaidPackage.id)
        .where(PrepaidPackage.id == package.id)
        .with_for_update()
    )


def _check_data(data: PackageData) -> None:
    # The forms check the same rules field by field; this guards other callers.
    if not data.name.strip() or len(data.name) > MAX_NAME_LENGTH:
        raise PackageFieldError(
            "name",
            _("Enter a name of at most %(count)s characters.", count=MAX_NAME_LENGTH),
        )
    if not 0 < data.minutes_bought <= MAX_PACKAGE_HOURS * 60:
        raise PackageFieldError(
            "hours", _("A package must contain at least one minute.")
        )
    if data.expiry_date < data.purchase_date:
        raise PackageFieldError(
            "expiry_date", _("The expiry date must be on or after the purchase date.")
        )
    if not Decimal(0) <= data.price <= MAX_PRICE:
        raise PackageFieldError("price", _("The price cannot be negative."))


def _apply(package: PrepaidPackage, data: PackageData) -> None:
    package.name = data.name.strip()
    package.minutes_bought = data.minutes_bought
    package.purchase_date = data.purchase_date
    package.expiry_date = data.expiry_date
    package.price = data.price


def _snapshot(package: PrepaidPackage) -> dict[str, Any]:
    return {"contract_id": package.contract_id, **snapshot(package, PACKAGE_FIELDS)}
