"""Forms of the month-close pages: year, reason, entry lookup and correction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError

from portal.accounts.forms import MAX_YEAR, MIN_YEAR
from portal.i18n import current_language, format_hmm
from portal.models import ActivityType, TimeEntry
from portal.portal.organisation_forms import DayField
from portal.services.durations import DurationError, parse_duration
from portal.services.entry_corrections import CorrectionData
from portal.services.month_close import MAX_REASON_LENGTH


def _int_or_none(value: object) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class YearForm(FlaskForm):
    """The year whose months the page lists, sent with GET."""

    class Meta:
        csrf = False

    year = StringField(_l("Year"))

    def validate_year(self, field: Field) -> None:
        year = _int_or_none((field.data or "").strip())
        if year is None or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValidationError(
                _l(
                    "Enter a year between %(low)s and %(high)s.",
                    low=MIN_YEAR,
                    high=MAX_YEAR,
                )
            )
        self.year_value = year


class CloseMonthForm(FlaskForm):
    """The confirmation of a month close: only its CSRF token."""


class ReasonForm(FlaskForm):
    """A required reason, for reopening a month."""

    reason = TextAreaField(_l("Reason"))

    def validate_reason(self, field: Field) -> None:
        _check_reason_field(field)


class EntryLookupForm(FlaskForm):
    """The id of a time entry to correct, sent with GET."""

    class Meta:
        csrf = False

    entry_id = StringField(_l("Time entry number"))

    def validate_entry_id(self, field: Field) -> None:
        entry_id = _int_or_none((field.data or "").strip().lstrip("#"))
        if entry_id is None or entry_id <= 0:
            raise ValidationError(_l("Enter the entry's number, e.g. 1234."))
        self.entry_id_value = entry_id


class CorrectionForm(FlaskForm):
    """The values accounts may correct on an entry, with the required reason."""

    work_date = DayField(_l("Date"))
    duration = StringField(_l("Duration"))
    activity_type = SelectField(
        _l("Activity"), coerce=_int_or_none, validate_choice=False
    )
    description = TextAreaField(_l("Description"))
    is_billable = BooleanField(_l("Billable"))
    reason = TextAreaField(_l("Reason for the correction"))
    # The version the form was loaded at, for the optimistic lock.
    version = HiddenField()

    def __init__(self, *args, activities: list[ActivityType], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.activity_type.choices = [
            (activity.id, activity.label(current_language())) for activity in activities
        ]
        self.minutes: int | None = None

    @classmethod
    def for_entry(
        cls, entry: TimeEntry, activities: list[ActivityType]
    ) -> CorrectionForm:
        """Return the form filled with the entry's current values."""
        return cls(
            formdata=None,
            activities=activities,
            work_date=entry.work_date,
            duration=format_hmm(entry.minutes),
            activity_type=entry.activity_type_id,
            description=entry.description,
            is_billable=entry.is_billable,
            version=str(entry.version),
        )

    def validate_work_date(self, field: Field) -> None:
        if field.data is None and not field.errors:
            raise ValidationError(_l("Enter the date the work was done."))

    def validate_duration(self, field: Field) -> None:
        try:
            self.minutes = parse_duration(field.data)
        except DurationError as error:
            raise ValidationError(error.message()) from None

    def validate_activity_type(self, field: Field) -> None:
        offered = {choice[0] for choice in self.activity_type.choices}
        if field.data not in offered:
            raise ValidationError(_l("Choose an activity from the list."))

    def validate_reason(self, field: Field) -> None:
        _check_reason_field(field)

    def correction_data(self) -> CorrectionData:
        """Return the parsed values. Call it only after validate() passed."""
        assert self.minutes is not None
        return CorrectionData(
            work_date=self.work_date.data,
            minutes=self.minutes,
            activity_type_id=self.activity_type.data,
            description=self.description.data or "",
            is_billable=bool(self.is_billable.data),
        )

    def expected_version(self) -> int | None:
        return _int_or_none(self.version.data)

    def add_error(self, field_name: str, message: str) -> None:
        """Show a rule the service rejected beside the field it belongs to."""
        field = getattr(self, field_name, None) or self.description
        field.errors = [*field.errors, message]


def _check_reason_field(field: Field) -> None:
    text = (field.data or "").strip()
    if not text:
        raise ValidationError(_l("Give the reason for this change."))
    if len(text) > MAX_REASON_LENGTH:
        raise ValidationError(
            _l(
                "The reason can be at most %(count)s characters long.",
                count=MAX_REASON_LENGTH,
            )
        )
