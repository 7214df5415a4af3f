"""Forms of the agent pages: the time entry form and the ticket search."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import date, time

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
from wtforms.fields.choices import SelectChoice
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
    TimeRange,
    check_work_date,
    resolve_time_range,
)

logger = logging.getLogger(__name__)

# "09:30" from <input type="time">, which may add seconds, or "9.30" typed by hand.
_TIME_OF_DAY = re.compile(r"^(\d{1,2})[:.](\d{2})(?::\d{2}(?:\.\d+)?)?$", re.ASCII)
# new_client_token() makes 32 hex digits, and other tokens are ignored.
_CLIENT_TOKEN = re.compile(r"^[0-9a-f]{32}$", re.ASCII)


def strip_text(value: str | None) -> str | None:
    """Strip surrounding white space from a submitted text, a WTForms filter."""
    return value.strip() if isinstance(value, str) else value


def parse_whole_number(text: str | None) -> int | None:
    """Return the id or version a form sent, or None when it is missing or invalid."""
    text = (text or "").strip()
    # isdigit() alone also accepts digits that int() rejects, such as "²".
    if text.isascii() and text.isdigit() and len(text) <= 9:
        return int(text)
    return None


def new_client_token() -> str:
    """Return a fresh random token for one quick-log form."""
    return uuid.uuid4().hex


def valid_client_token(value: str | None) -> str | None:
    """Return the submitted client token, or None when it is missing or invalid."""
    # A token in another shape was not made by new_client_token(). The entry is
    # still logged, only without protection against a retried post.
    text = (value or "").strip()
    if not text:
        return None
    if _CLIENT_TOKEN.match(text):
        return text
    logger.warning("ignored a client token of %s characters", len(text))
    return None


def activity_choices(activities: list[ActivityType]) -> list[SelectChoice]:
    """Return the select options of activities, labelled in the user's language."""
    language = current_language()
    return [
        SelectChoice(value=activity.id, label=activity.label(language))
        for activity in activities
    ]


class TimeOfDayField(StringField):
    """A local wall-clock time such as 09:30, empty when not given."""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw_text = valuelist[0].strip() if valuelist else ""
        self.data = None
        if not self.raw_text:
            return
        match = _TIME_OF_DAY.match(self.raw_text)
        if match is None or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValueError(
                _l("Enter the time as hours and minutes, for example 09:30.")
            )
        self.data = time(int(match[1]), int(match[2]))

    def _value(self) -> str:
        if getattr(self, "raw_text", None) is not None and self.data is None:
            return self.raw_text
        return self.data.strftime("%H:%M") if self.data else ""


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
    """The quick-log form on the ticket page, also used to edit an entry.

    The duration may be left empty when both start and end times are given.
    """

    work_date = WorkDateField(_l("Work date"))
    duration = StringField(
        _l("Duration"),
        validators=[Length(max=MAX_TEXT_LENGTH)],
        filters=[strip_text],
    )
    start_time = TimeOfDayField(_l("Start time (optional)"))
    end_time = TimeOfDayField(_l("End time (optional)"))
    crosses_midnight = BooleanField(_l("The work crossed midnight"))
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
        filters=[strip_text],
    )
    internal_note = TextAreaField(
        _l("Internal note"),
        validators=[Length(max=MAX_INTERNAL_NOTE_LENGTH)],
        filters=[strip_text],
    )
    is_billable = BooleanField(_l("Billable"))
    client_token = HiddenField(filters=[valid_client_token])

    def __init__(self, *args, activities: list[ActivityType], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.activities = activities
        self.activity_type.choices = activity_choices(activities)
        self.minutes: int | None = None
        self.time_range: TimeRange | None = None

    def validate_duration(self, field: StringField) -> None:
        both_times = self.start_time.data is not None and self.end_time.data is not None
        if not field.data and both_times:
            return  # The start and end times give the duration.
        try:
            self.minutes = parse_duration(field.data)
        except DurationError as error:
            raise ValidationError(error.message()) from None

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then combine the times and the duration."""
        if not super().validate(extra_validators):
            return False
        try:
            self.time_range = resolve_time_range(
                self.start_time.data,
                self.end_time.data,
                bool(self.crosses_midnight.data),
                self.minutes,
            )
        except EntryDataError as error:
            self.add_error(error)
            return False
        self.minutes = self.time_range.minutes
        return True

    def validate_work_date(self, field: WorkDateField) -> None:
        if field.process_errors:
            # The date could not be read; its message is already on the field.
            return
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
        assert self.time_range is not None, "entry_data() called before validate()"
        return EntryData(
            work_date=self.work_date.data,
            minutes=self.time_range.minutes,
            activity_type_id=self.activity_type.data,
            description=self.description.data or "",
            internal_note=self.internal_note.data or "",
            is_billable=bool(self.is_billable.data),
            start_time=self.time_range.start,
            end_time=self.time_range.end,
            client_token=self.client_token.data or None,
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
        return parse_whole_number(self.version.data)


class TicketSearchForm(FlaskForm):
    """The search box and status filter above the ticket list, sent with GET."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[strip_text], validators=[Length(max=200)])
    status = SelectField(_l("Status"), default=OPEN_FILTER)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [
            SelectChoice(OPEN_FILTER, _l("All open (not resolved or closed)")),
            SelectChoice(ALL_FILTER, _l("All")),
            *[
                SelectChoice(status.value, status_label(status))
                for status in TicketStatus
            ],
        ]
