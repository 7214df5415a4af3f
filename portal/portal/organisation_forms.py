"""Forms of the customer organisation pages: inviting a colleague, exporting work."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, Field, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, ValidationError
from wtforms.widgets import DateInput

from portal.services.exports import ExportFormat

LANGUAGE_CHOICES = [SelectChoice("it", "Italiano"), SelectChoice("en", "English")]
DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
MIN_YEAR = 2000
MAX_YEAR = 2999


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class InviteForm(FlaskForm):
    """Name, e-mail address and language of a colleague to invite."""

    name = StringField(
        _l("Name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your colleague's name.")),
            Length(max=120, message=_l("Enter a name of at most 120 characters.")),
        ],
    )
    email = EmailField(
        _l("E-mail"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your colleague's e-mail address.")),
            Length(max=254, message=_l("Enter an address of at most 254 characters.")),
            Email(_l("Enter a valid e-mail address, e.g. name@example.com.")),
        ],
    )
    language = SelectField(
        _l("Language"),
        choices=LANGUAGE_CHOICES,
        validate_choice=False,
    )

    def validate_language(self, field: SelectField) -> None:
        allowed = {choice.value for choice in LANGUAGE_CHOICES}
        if field.data not in allowed:
            raise ValidationError(_l("Choose a language from the list."))


class DayField(StringField):
    """A calendar day typed as YYYY-MM-DD, whose data is a date or None."""

    widget = DateInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip()
        try:
            if not DAY_PATTERN.fullmatch(text):
                raise ValueError(text)
            day = date.fromisoformat(text)
        except ValueError:
            day = None
        if day is None or not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(
                _l("Enter a date as YYYY-MM-DD between 2000 and 2999, e.g. 2026-03-31.")
            )
        self.data = day

    def _value(self) -> str:
        # Show what the user typed, even when it did not parse.
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


class ExportForm(FlaskForm):
    """Period and file format of the activity export, sent with GET."""

    class Meta:
        csrf = False

    start = DayField(_l("From"))
    end = DayField(_l("To"))
    format = SelectField(
        _l("File format"),
        choices=[
            SelectChoice(ExportFormat.XLSX.value, _l("Excel workbook (XLSX)")),
            SelectChoice(ExportFormat.CSV.value, _l("CSV text file")),
        ],
        validate_choice=False,
    )

    def validate_start(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the first day of the period."))

    def validate_end(self, field: Field) -> None:
        if field.data is None:
            if not field.errors:
                raise ValidationError(_l("Enter the last day of the period."))
            return
        start = self.start.data
        if start is None:
            return
        if field.data < start:
            raise ValidationError(_l("The last day must be on or after the first day."))
        if field.data >= _one_year_after(start):
            raise ValidationError(
                _l(
                    "The period can be at most one year long. "
                    "Choose an earlier last day."
                )
            )

    def validate_format(self, field: SelectField) -> None:
        if field.data not in {member.value for member in ExportFormat}:
            raise ValidationError(_l("Choose XLSX or CSV."))

    @property
    def export_format(self) -> ExportFormat:
        return ExportFormat(self.format.data)


def _one_year_after(day: date) -> date:
    """Return the same day a year later, or 1 March for 29 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)
