"""Form fields and filters shared by the admin forms."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import available_timezones

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.i18n import user_zone

_LOCAL_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
_PLAIN_DECIMAL = re.compile(r"^\d{1,15}(?:\.\d{1,15})?$", re.ASCII)


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def blank_to_none(value: str | None) -> str | None:
    """Strip text and turn an empty result into None, for optional columns."""
    value = strip(value)
    return value or None


def timezone_choices() -> list[SelectChoice]:
    """Return the IANA zone names with a region, e.g. Europe/Rome, sorted."""
    zones = sorted(zone for zone in available_timezones() if "/" in zone)
    return [SelectChoice(zone) for zone in zones]


def language_choices() -> list[SelectChoice]:
    return [SelectChoice("it", "Italiano"), SelectChoice("en", "English")]


class IdSelectField(SelectField):
    """A select of database ids, whose data is an int, or None for the blank choice.

    Set choices to SelectChoice(str(id), label) items at runtime. A value that
    is not among them fails with invalid_message instead of WTForms' generic one.
    """

    def __init__(self, label=None, validators=None, invalid_message=None, **kwargs):
        kwargs.setdefault("coerce", _int_or_none)
        super().__init__(label, validators, validate_choice=False, **kwargs)
        self.invalid_message = invalid_message or _l("Choose a value from the list.")

    def pre_validate(self, form) -> None:
        if self.data is None:
            raw = (self.raw_data or [""])[0]
            if raw.strip():
                raise ValidationError(self.invalid_message)
            return
        if str(self.data) not in {str(choice.value) for choice in self.choices or []}:
            raise ValidationError(self.invalid_message)


class CheckboxListField(SelectMultipleField):
    """A list of checkboxes over database ids; data is a list of ints."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(label, validators, **kwargs)

    def pre_validate(self, form) -> None:
        allowed = {str(choice.value) for choice in self.choices or []}
        if any(str(value) not in allowed for value in self.data or []):
            raise ValidationError(_l("Choose users from the list."))


class LocalDateTimeField(DateTimeLocalField):
    """A datetime-local input in the signed-in user's time zone.

    data is an aware UTC datetime, or None when the input is empty. A local time
    skipped by a daylight-saving change is rejected.

    NOTE: a local time that occurs twice, when clocks go back, is read as the
    first occurrence (summer time), because the input carries no offset.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", list(_LOCAL_DATETIME_FORMATS))
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        local = _parse_local(text)
        if local is None:
            raise ValueError(_l("Enter a date and time, e.g. 2026-03-14T09:30."))

        zone = user_zone()
        aware = local.replace(tzinfo=zone, fold=0)
        utc = aware.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) != local:
            raise ValueError(
                _l("This time does not exist here: the clocks skip it. Enter another.")
            )
        self.data = utc

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return self.data.astimezone(user_zone()).strftime("%Y-%m-%dT%H:%M")


def _parse_local(text: str) -> datetime | None:
    for pattern in _LOCAL_DATETIME_FORMATS:
        try:
            return datetime.strptime(text, pattern)  # noqa: DTZ007 (local wall time)
        except ValueError:
            continue
    return None


class AmountField(StringField):
    """An amount of money with at most two decimals, typed as 1234,50 or 1,234.50.

    data is a Decimal, or None when the input is empty. With both separators,
    the last one is the decimal separator.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        amount = parse_amount(text)
        if amount is None:
            raise ValueError(_l("Enter an amount such as 60 or 60,50."))
        if amount != amount.quantize(Decimal("0.01")):
            raise ValueError(_l("Enter at most two decimals."))
        self.data = amount.quantize(Decimal("0.01"))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # The user's decimal mark (55,00 in Italian), without a thousands
        # separator, so the value reads like what the user would type.
        return format_decimal(self.data, format="0.00")


def parse_amount(text: str) -> Decimal | None:
    """Return the Decimal a typed amount means, or None when it is not one.

    With both "," and ".", the later one is the decimal mark. A single kind
    of mark is decimal when it occurs once ("60,50", "60.5") and a thousands
    separator when it repeats ("1.234.567").
    """
    text = text.replace("€", "").replace(" ", "")
    sign = -1 if text.startswith("-") else 1
    text = text.removeprefix("-")

    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    else:
        for mark in ",.":
            if text.count(mark) > 1:
                text = text.replace(mark, "")
        text = text.replace(",", ".")

    if not _PLAIN_DECIMAL.match(text):
        return None
    return sign * Decimal(text)


def _int_or_none(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
