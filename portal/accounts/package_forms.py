"""Forms of the prepaid pages: the balance date and a package's fields."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import ValidationError

from portal.i18n import current_language, format_hmm
from portal.models import PrepaidPackage
from portal.portal.organisation_forms import DayField
from portal.services.prepaid_packages import (
    MAX_NAME_LENGTH,
    PackageData,
    PackageFieldError,
    parse_package_hours,
    parse_price,
)

_BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}


class BalanceDateForm(FlaskForm):
    """The date the balances are shown at, sent with GET."""

    class Meta:
        csrf = False

    on = DayField(_l("Balance on"))


class PackageForm(FlaskForm):
    """Name, hours, dates and price of a prepaid package.

    After validate(), minutes and price contain the parsed hours and price.
    """

    name = StringField(_l("Name"))
    hours = StringField(_l("Hours bought"))
    purchase_date = DayField(_l("Purchase date"))
    expiry_date = DayField(_l("Expiry date"))
    price = StringField(_l("Price"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.minutes: int | None = None
        self.price_value: Decimal | None = None

    @classmethod
    def for_package(cls, package: PrepaidPackage) -> PackageForm:
        """Return the form filled with the package's values in the user's locale."""
        locale = _BABEL_LOCALES.get(current_language(), "en_GB")
        return cls(
            name=package.name,
            hours=format_hmm(package.minutes_bought),
            purchase_date=package.purchase_date,
            expiry_date=package.expiry_date,
            # Without grouping, like every other amount input (1200,50).
            price=format_decimal(package.price, format="0.00", locale=locale),
        )

    def price_example(self) -> str:
        """Return 1200.50 as the user's locale writes it, for the field's hint."""
        locale = _BABEL_LOCALES.get(current_language(), "en_GB")
        return format_decimal(Decimal("1200.50"), format="#,##0.00", locale=locale)

    def validate_name(self, field: Field) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError(_l("Enter a name, e.g. 50 hours 2026."))
        if len(text) > MAX_NAME_LENGTH:
            raise ValidationError(
                _l(
                    "Enter a name of at most %(count)s characters.",
                    count=MAX_NAME_LENGTH,
                )
            )

    def validate_hours(self, field: Field) -> None:
        try:
            self.minutes = parse_package_hours(field.data)
        except PackageFieldError as error:
            raise ValidationError(error.message) from None

    def validate_purchase_date(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the purchase date."))

    def validate_expiry_date(self, field: Field) -> None:
        if field.data is None:
            if not field.errors:
                raise ValidationError(_l("Enter the expiry date."))
            return
        purchased = self.purchase_date.data
        if purchased is not None and field.data < purchased:
            raise ValidationError(
                _l("The expiry date must be on or after the purchase date.")
            )

    def validate_price(self, field: Field) -> None:
        try:
            self.price_value = parse_price(field.data, current_language())
        except PackageFieldError as error:
            raise ValidationError(error.message) from None

    def package_data(self) -> PackageData:
        """Return the parsed values. Call it only after validate() passed."""
        assert self.minutes is not None and self.price_value is not None
        purchase_date: date = self.purchase_date.data
        expiry_date: date = self.expiry_date.data
        return PackageData(
            name=(self.name.data or "").strip(),
            minutes_bought=self.minutes,
            purchase_date=purchase_date,
            expiry_date=expiry_date,
            price=self.price_value,
        )

    def add_error(self, error: PackageFieldError) -> None:
        """Show a rule the service rejected beside the field it belongs to."""
        field = getattr(self, error.field, None) or self.name
        field.errors = [*field.errors, error.message]
