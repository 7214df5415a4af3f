"""Forms of the agent pages: the time entry form and the ticket search."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.agent.labels import status_label
from portal.agent.queries import ALL_FILTER, OPEN_FILTER
from portal.i18n import current_language
from portal.models.tickets import ActivityType, TicketStatus
from portal.services.durations import MAX_TEXT_LENGTH, DurationError, parse_duration
from portal.services.entries import (
    MAX_DESCRIPTION_LENGTH,
    MAX_INTERNAL_NOTE_LENGTH,
    EntryData,
    EntryDataError,
    check_work_date,
)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class WorkDateField(DateField):
    """A date field with its own messages for a missing or unreadable date."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            raise ValueError(_l("Enter the date the work was done."))
        try:
            self.data = date.fromisoformat(text)
        except ValueError:
            self.data = None
            raise ValueError(
                _l("Enter the work date as a calendar date, for example 2026-11-10.")
            ) from None


class EntryForm(FlaskForm):
    """The quick-log form on the ticket page, also used to edit an entry."""

    work_date = WorkDateField(_l("Work date"))
    duration = StringField(
        _l("Duration"),
        validators=[Length(max=MAX_TEXT_LENGTH)],
        filters=[_strip],
    )
    activity_type = SelectField(
        _l("Activity"),
        coerce=int,
        validators=[InputRequired(_l("Choose an activity from the list."))],
    )
    description = TextAreaField(
        _l("Description for the customer"),
        validators=[
            DataRequired(_l("Describe the work done for the customer.")),
            Length(max=MAX_DESCRIPTION_LENGTH),
        ],
        filters=[_strip],
    )
    internal_note = TextAreaField(
        _l("Internal note"),
        validators=[Length(max=MAX_INTERNAL_NOTE_LENGTH)],
        filters=[_strip],
    )
    is_billable = BooleanField(_l("Billable"))

    def __init__(self, *args, activities: list[ActivityType], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.activities = activities
        language = current_language()
        self.activity_type.choices = [
            (activity.id, activity.label(language)) for activity in activities
        ]
        self.minutes: int | None = None

    def validate_duration(self, field: StringField) -> None:
        try:
            self.minutes = parse_duration(field.data)
        except DurationError as error:
            raise ValidationError(error.message()) from None

    def validate_work_date(self, field: WorkDateField) -> None:
        try:
            check_work_date(current_user, field.data)
        except EntryDataError as error:
            raise ValidationError(error.message) from None

    def focus_field_id(self) -> str:
        """Return the id of the first field with an error, else the duration's."""
        for field in self:
            if field.errors:
                return field.id
        return self.duration.id

    def billable_by_activity(self) -> dict[int, bool]:
        """Map each offered activity id to its default billable flag."""
        return {activity.id: activity.is_billable for activity in self.activities}

    def entry_data(self) -> EntryData:
        """Return the validated values. Call it only after validate() passed."""
        assert self.minutes is not None, "entry_data() called before validate()"
        return EntryData(
            work_date=self.work_date.data,
            minutes=self.minutes,
            activity_type_id=self.activity_type.data,
            description=self.description.data or "",
            internal_note=self.internal_note.data or "",
            is_billable=bool(self.is_billable.data),
        )

    def add_error(self, error: EntryDataError) -> None:
        """Show a rule the service rejected beside the field it belongs to."""
        field = getattr(self, error.field, None)
        target = field if field is not None else self.description
        target.errors = [*target.errors, error.message]


class EditEntryForm(EntryForm):
    """The entry form with the version it was loaded at, for the optimistic lock."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        """Return the submitted version, or None when it is missing or invalid."""
        text = (self.version.data or "").strip()
        return int(text) if text.isdigit() else None


class TicketSearchForm(FlaskForm):
    """The search box and status filter above the ticket list, sent with GET."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[_strip], validators=[Length(max=200)])
    status = SelectField(_l("Status"), default=OPEN_FILTER)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [
            (OPEN_FILTER, _l("All open (not resolved or closed)")),
            (ALL_FILTER, _l("All")),
            *[(status.value, status_label(status)) for status in TicketStatus],
        ]
