"""Forms of the accounts office: statement filters, month picker, issue, void
and adjustments."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput, MonthInput

from portal.admin.fields import AmountField
from portal.extensions import db
from portal.models import Customer
from portal.services.statements.adjustments import MAX_AMOUNT

MONTH_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])$")
MIN_YEAR = 2000
MAX_YEAR = 2999
MAX_REASON_LENGTH = 2000


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
    # Digest of what the preview billed, from statement_fingerprint().
    fingerprint = HiddenField()
    # Required by the service only while entries of the month await approval.
    override_reason = TextAreaField(
        _l("Reason for issuing without the entries awaiting approval"),
        validators=[
            Length(
                max=MAX_REASON_LENGTH,
                message=_l("Use at most %(max)d characters.", max=MAX_REASON_LENGTH),
            )
        ],
    )
    submit = SubmitField(_l("Issue statement"))


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _required_reason(message) -> list:
    """Return the validators of a required reason: blank text counts as missing."""
    return [
        DataRequired(message=message),
        Length(
            max=MAX_REASON_LENGTH,
            message=_l("Use at most %(max)d characters.", max=MAX_REASON_LENGTH),
        ),
    ]


class VoidStatementForm(FlaskForm):
    """Form that voids an issued statement, with the reason kept and audited."""

    reason = TextAreaField(
        _l("Reason for voiding"),
        validators=_required_reason(_l("Enter the reason for voiding the statement.")),
        filters=[_strip],
    )
    submit = SubmitField(_l("Void statement"))


class AdjustmentForm(FlaskForm):
    """A credit or debit that the customer's next statement bills."""

    amount = AmountField(
        _l("Amount"),
        validators=[InputRequired(message=_l("Enter the amount, e.g. -50,00."))],
    )
    reason = TextAreaField(
        _l("Reason shown to the customer"),
        validators=_required_reason(
            _l("Enter the reason, which the customer will see.")
        ),
        filters=[_strip],
    )
    submit = SubmitField(_l("Create adjustment"))

    def validate_amount(self, field: Field) -> None:
        if field.data is None:
            return
        if field.data == 0:
            raise ValidationError(
                _l("Enter an amount other than zero: negative for a credit.")
            )
        if abs(field.data) > MAX_AMOUNT:
            raise ValidationError(
                _l("Enter an amount of at most %(max)s.", max=str(MAX_AMOUNT))
            )


class CancelAdjustmentForm(FlaskForm):
    """Form that cancels an open adjustment: it sends only the CSRF token."""

    submit = SubmitField(_l("Cancel adjustment"))


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
