"""Forms of the accounts office: statement filters, month picker and issue."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput, MonthInput

from portal.extensions import db
from portal.models import Customer

MONTH_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
MIN_YEAR = 2000
MAX_YEAR = 2999


def _int_or_none(value: object) -> int | None:
    """Coerce a submitted id to int, or None so a validator can explain the error."""
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _customer_choices(blank_label: str) -> list[tuple[str, str]]:
    names = db.session.execute(sa.select(Customer.id, Customer.name).order_by("name"))
    return [("", blank_label)] + [(str(row.id), row.name) for row in names]


class MonthField(StringField):
    """A calendar month typed as YYYY-MM. Its data is the month's first day, or None."""

    widget = MonthInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        match = MONTH_PATTERN.match(valuelist[0].strip())
        year = int(match["year"]) if match else 0
        if match is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(
                _l("Enter a month as YYYY-MM between 2000 and 2999, e.g. 2026-03.")
            )
        self.data = date(year, int(match["month"]), 1)

    def _value(self) -> str:
        # Redisplay what the user typed, even when it did not parse.
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%Y-%m") if self.data else ""


class StatementRequestForm(FlaskForm):
    """Customer and month of a statement, shared by the preview and the issue form.

    After validate(), `customer` contains the chosen Customer.
    """

    customer_id = SelectField(
        _l("Customer"), coerce=_int_or_none, validate_choice=False
    )
    month = MonthField(_l("Month"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer: Customer | None = None

    def validate_customer_id(self, field: Field) -> None:
        if not (field.raw_data and field.raw_data[0].strip()):
            raise ValidationError(_l("Choose a customer."))
        customer_id = _int_or_none(field.data)
        customer = db.session.get(Customer, customer_id) if customer_id else None
        if customer is None:
            raise ValidationError(_l("Customer not found. Choose one from the list."))
        self.customer = customer

    def validate_month(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the month to bill, e.g. 2026-03."))


class PreviewForm(StatementRequestForm):
    """The month picker, sent with GET so the preview has a shareable URL."""

    class Meta:
        csrf = False

    submit = SubmitField(_l("Preview statement"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_id.choices = _customer_choices(str(_l("Choose a customer")))


class IssueStatementForm(StatementRequestForm):
    """Form that issues a statement for the previewed customer and month."""

    customer_id = HiddenField()
    month = MonthField(widget=HiddenInput())
    # Digest of the entries shown in the preview, from entries_fingerprint().
    fingerprint = HiddenField()
    submit = SubmitField(_l("Issue statement"))


class StatementFilterForm(FlaskForm):
    """Filters of the issued statements list, sent with GET."""

    class Meta:
        csrf = False

    customer_id = SelectField(
        _l("Customer"), coerce=_int_or_none, validate_choice=False
    )
    year = SelectField(_l("Year"), coerce=_int_or_none, validate_choice=False)
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, years: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.customer_id.choices = _customer_choices(str(_l("All customers")))
        self.year.choices = [("", str(_l("All years")))] + [
            (str(year), str(year)) for year in years
        ]

    def validate_customer_id(self, field: Field) -> None:
        raw = field.raw_data[0] if field.raw_data else ""
        if raw and (field.data is None or db.session.get(Customer, field.data) is None):
            raise ValidationError(_l("Customer not found. Choose one from the list."))

    def validate_year(self, field: Field) -> None:
        raw = field.raw_data[0] if field.raw_data else ""
        if raw and (field.data is None or not MIN_YEAR <= field.data <= MAX_YEAR):
            raise ValidationError(_l("Choose a year from the list."))
