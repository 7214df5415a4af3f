"""Forms of a contract's billing terms and rates, and the fields they type into.

Amounts accept the Italian and the English decimal mark ("55,00", "55.00")
and are shown back in the user's language. Durations are stored as minutes.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.admin.fields import IdSelectField, parse_amount
from portal.i18n import current_language
from portal.models import ActivityType, BillingModel
from portal.services import billing_rules as rules
from portal.services.contract_terms_admin import (
    BILLING_MODEL_LABELS,
    CENT,
    MAX_LEVEL_LENGTH,
    MAX_MINIMUM_MINUTES,
    MULTIPLIER_FIELDS,
    ROUNDING_DIRECTION_LABELS,
    ROUNDING_SCOPE_LABELS,
    RateData,
    TermsData,
    normalise_level,
)

BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}
# The same wording as the service's check of the saved value.
_MINIMUM_MESSAGE = _l("Enter a minimum charge from 0 to 480 minutes (8 hours).")
# Hours as "40", "37,5", "37.5", "37:30", "40h" or "40 ore".
_HOURS_CLOCK = re.compile(r"^(?P<hours>\d{1,4}):(?P<minutes>\d{2})$", re.ASCII)
_HOURS_DECIMAL = re.compile(
    r"^(?P<hours>\d{1,4}(?:[.,]\d{1,2})?)\s*(?:h|ore|hours)?$", re.ASCII
)


def format_plain_decimal(value: Decimal, language: str | None = None) -> str:
    """Format a Decimal with two places and the language's mark, without grouping.

    Without thousands separators the text parses back to the same value in
    either language.
    """
    locale = BABEL_LOCALES.get(language or current_language(), "en_GB")
    return format_decimal(value, format="0.00", locale=locale)


def parse_included_hours(text: str) -> int:
    """Return the minutes that hours typed as 40, 37,5, 37:30 or 40h mean.

    Decimal hours are rounded half-up to the minute. Raise ValueError with a
    translated message when the text matches none of these forms.
    """
    cleaned = " ".join(text.strip().lower().split())
    if match := _HOURS_CLOCK.match(cleaned):
        minutes = int(match["minutes"])
        if minutes >= 60:
            raise ValueError(_l("Minutes must be from 00 to 59, e.g. 37:30."))
        return int(match["hours"]) * 60 + minutes
    if match := _HOURS_DECIMAL.match(cleaned):
        hours = Decimal(match["hours"].replace(",", "."))
        return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    raise ValueError(_l("Enter hours such as 40, 37,5 or 37:30."))


class LocalDecimalField(StringField):
    """A decimal typed with a comma or a point, with at most two places.

    data is a Decimal with two places, or None when the input is empty.
    invalid_message names the kind of number the field expects.
    """

    def __init__(
        self, label=None, validators=None, invalid_message=None, **kwargs
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message or _l(
            "Enter an amount such as 55,00 or 55.00."
        )

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        value = parse_amount(text)
        if value is None:
            raise ValueError(self.invalid_message)
        if value != value.quantize(CENT):
            raise ValueError(_l("Enter at most two decimals."))
        self.data = value.quantize(CENT)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format_plain_decimal(self.data)


class IncludedHoursField(StringField):
    """Hours typed as 40, 37,5 or 37:30. data is whole minutes, or None when empty."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if text:
            self.data = parse_included_hours(text)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        hours, minutes = divmod(self.data, 60)
        return f"{hours}:{minutes:02d}"


class MinutesField(StringField):
    """A whole number of minutes from 0 to MAX_MINIMUM_MINUTES; empty means 0.

    Only digits are accepted: "1,5" or "2h" would be read as hours elsewhere,
    but this field is labelled in minutes, so such input is rejected.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = 0
            return
        self.data = None
        if not text.isdigit() or not text.isascii():
            raise ValueError(_MINIMUM_MESSAGE)
        minutes = int(text)
        if minutes > MAX_MINIMUM_MINUTES:
            raise ValueError(_MINIMUM_MESSAGE)
        self.data = minutes

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(key.value, label) for key, label in labels.items()]


def _multiplier_field(label) -> LocalDecimalField:
    return LocalDecimalField(
        label,
        validators=[InputRequired(_l("Enter a multiplier, e.g. 1,00 for none."))],
        invalid_message=_l("Enter a multiplier such as 1,50 or 1.50."),
    )


def _money_field(label, required_message=None) -> LocalDecimalField:
    validators = [InputRequired(required_message)] if required_message else []
    return LocalDecimalField(label, validators=validators or [Optional()])


def _band_label(name, start: time, end: time):
    """Return a band's label with its local times, e.g. "Evening (18:00–22:00)"."""
    return _l(
        "%(band)s (%(start)s–%(end)s)",
        band=name,
        start=start.strftime("%H:%M"),
        end=end.strftime("%H:%M"),
    )


_BANDS = rules.AfterHoursMultipliers()


class TermsForm(FlaskForm):
    """The billing terms and validity period of one contract."""

    valid_from = DateField(
        _l("Valid from"),
        validators=[InputRequired(_l("Enter the first day of the contract."))],
    )
    valid_to = DateField(_l("Valid to (optional)"), validators=[Optional()])
    billing_model = SelectField(
        _l("Billing model"),
        choices=_choices(BILLING_MODEL_LABELS),
        coerce=str,
        validate_choice=False,
    )
    hourly_rate = _money_field(
        _l("Default hourly rate"), _l("Enter the default hourly rate, e.g. 55,00.")
    )
    overage_rate = _money_field(_l("Overage hourly rate"))
    monthly_fee = _money_field(_l("Monthly fee"))
    monthly_included_minutes = IncludedHoursField(_l("Hours included per month"))
    rounding_increment = SelectField(
        _l("Round to"),
        choices=[
            SelectChoice(str(minutes), _l("%(num)d min", num=minutes))
            for minutes in sorted(rules.ALLOWED_INCREMENTS)
        ],
        coerce=str,
        validate_choice=False,
    )
    rounding_direction = SelectField(
        _l("Rounding direction"),
        choices=_choices(ROUNDING_DIRECTION_LABELS),
        coerce=str,
        validate_choice=False,
    )
    rounding_scope = SelectField(
        _l("Rounding applies to"),
        choices=_choices(ROUNDING_SCOPE_LABELS),
        coerce=str,
        validate_choice=False,
    )
    minimum_minutes = MinutesField(_l("Minimum charge (minutes)"))
    call_out_fee = _money_field(_l("Call-out fee"))
    rate_per_km = _money_field(_l("Rate per km"))
    evening_multiplier = _multiplier_field(
        _band_label(_l("Evening"), _BANDS.evening_from, _BANDS.night_from)
    )
    night_multiplier = _multiplier_field(
        _band_label(_l("Night"), _BANDS.night_from, _BANDS.night_until)
    )
    saturday_multiplier = _multiplier_field(_l("Saturday"))
    sunday_multiplier = _multiplier_field(_l("Sunday"))
    holiday_multiplier = _multiplier_field(_l("Public holiday"))

    def validate_billing_model(self, field: SelectField) -> None:
        _check_choice(field, {model.value for model in BillingModel})

    def validate_rounding_increment(self, field: SelectField) -> None:
        _check_choice(field, {str(minutes) for minutes in rules.ALLOWED_INCREMENTS})

    def validate_rounding_direction(self, field: SelectField) -> None:
        _check_choice(field, {direction.value for direction in rules.RoundingDirection})

    def validate_rounding_scope(self, field: SelectField) -> None:
        _check_choice(field, {scope.value for scope in rules.RoundingScope})

    def validate_valid_to(self, field: DateField) -> None:
        start = self.valid_from.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def terms_data(self) -> TermsData:
        """Return the values of a valid form."""
        multipliers = {name: self[name].data for name in MULTIPLIER_FIELDS}
        return TermsData(
            billing_model=BillingModel(self.billing_model.data),
            hourly_rate=self.hourly_rate.data,
            valid_from=self.valid_from.data,
            valid_to=self.valid_to.data,
            rounding_increment=int(self.rounding_increment.data),
            rounding_direction=rules.RoundingDirection(self.rounding_direction.data),
            rounding_scope=rules.RoundingScope(self.rounding_scope.data),
            minimum_minutes=self.minimum_minutes.data,
            overage_rate=self.overage_rate.data,
            monthly_fee=self.monthly_fee.data,
            monthly_included_minutes=self.monthly_included_minutes.data,
            call_out_fee=self.call_out_fee.data,
            rate_per_km=self.rate_per_km.data,
            **multipliers,
        )

    def rounding_rule(self) -> rules.RoundingRule | None:
        """Return the rule the rounding fields describe, or None when one is invalid."""
        try:
            return rules.RoundingRule(
                increment_minutes=int(self.rounding_increment.data),
                direction=rules.RoundingDirection(self.rounding_direction.data),
                scope=rules.RoundingScope(self.rounding_scope.data),
                minimum_minutes=self.minimum_minutes.data,
            )
        except (TypeError, ValueError):
            return None


class RoundingPreviewForm(FlaskForm):
    """The rounding fields of TermsForm, read from the query string for the example."""

    class Meta:
        csrf = False

    rounding_increment = TermsForm.rounding_increment
    rounding_direction = TermsForm.rounding_direction
    rounding_scope = TermsForm.rounding_scope
    minimum_minutes = TermsForm.minimum_minutes
    rounding_rule = TermsForm.rounding_rule


class RateForm(FlaskForm):
    """One rate to add: activity, optional agent level, hourly rate, start date."""

    activity_type_id = IdSelectField(
        _l("Activity"), invalid_message=_l("Choose an activity from the list.")
    )
    agent_level = StringField(
        _l("Agent level (optional)"),
        filters=[normalise_level],
        validators=[
            Length(
                max=MAX_LEVEL_LENGTH,
                message=_l("Enter a level of at most 40 characters."),
            )
        ],
    )
    hourly_rate = _money_field(
        _l("Hourly rate"), _l("Enter the hourly rate, e.g. 65,00.")
    )
    effective_from = DateField(
        _l("Effective from"),
        validators=[InputRequired(_l("Enter the first day the rate applies to."))],
    )

    def __init__(self, *args, activities: list[ActivityType], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        language = current_language()
        self.activity_type_id.choices = [
            SelectChoice("", _l("Choose an activity")),
            *[
                SelectChoice(str(item.id), _activity_label(item, language))
                for item in activities
            ],
        ]

    def validate_activity_type_id(self, field: IdSelectField) -> None:
        if field.data is None:
            raise ValidationError(_l("Choose an activity from the list."))

    def rate_data(self) -> RateData:
        """Return the values of a valid form."""
        return RateData(
            activity_type_id=self.activity_type_id.data,
            agent_level=self.agent_level.data or "",
            hourly_rate=self.hourly_rate.data,
            effective_from=self.effective_from.data,
        )


def _check_choice(field: SelectField, allowed: set[str]) -> None:
    if field.data not in allowed:
        raise ValidationError(_l("Choose an option from the list."))


def _activity_label(activity: ActivityType, language: str) -> str:
    label = activity.label(language)
    if activity.is_active:
        return label
    return str(_l("%(name)s (inactive)", name=label))
