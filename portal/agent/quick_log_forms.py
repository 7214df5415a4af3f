"""Forms of the quick-log bar on every agent page and of the timer buttons."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.agent import queries
from portal.agent.forms import (
    WorkDateField,
    activity_choices,
    parse_whole_number,
    strip_text,
    valid_client_token,
)
from portal.i18n import user_today
from portal.models.tickets import ActivityType, Ticket
from portal.services.durations import MAX_TEXT_LENGTH, DurationError, parse_duration
from portal.services.entries import (
    MAX_DESCRIPTION_LENGTH,
    EntryData,
    EntryDataError,
    check_work_date,
)
from portal.services.timers import StoppedTimer

BAR_PREFIX = "bar"


class TicketKeyField(StringField):
    """The key of the ticket the time is logged on, as picked from the list."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, filters=[strip_text], **kwargs)
        self.ticket: Ticket | None = None

    def pre_validate(self, form: FlaskForm) -> None:
        if not self.data:
            raise ValidationError(
                _(
                    "Choose a ticket: type its key or words of its title, then "
                    "pick it from the list."
                )
            )
        self.ticket = queries.find_ticket_by_key(self.data[: queries.MAX_KEY_LENGTH])
        if self.ticket is None:
            raise ValidationError(
                _(
                    'No ticket has the key "%(key)s". Type words of its title and '
                    "pick it from the list.",
                    key=self.data[: queries.MAX_KEY_LENGTH],
                )
            )


class QuickLogBarForm(FlaskForm):
    """Ticket, duration and description, logged with Enter from any agent page.

    After a stopped timer it also carries the timer's version, a confirmation
    box for a timer that ran past midnight or over 10 hours, and the ticket of
    the timer to start next.
    """

    ticket = TicketKeyField(_l("Ticket"))
    duration = StringField(
        _l("Duration"), validators=[Length(max=MAX_TEXT_LENGTH)], filters=[strip_text]
    )
    description = StringField(
        _l("Description for the customer"),
        validators=[
            DataRequired(_l("Describe the work done for the customer.")),
            Length(max=MAX_DESCRIPTION_LENGTH),
        ],
        filters=[strip_text],
    )
    activity_type = SelectField(
        _l("Activity"),
        coerce=int,
        validators=[InputRequired(_l("Choose an activity from the list."))],
    )
    # A post without the field logs on today, but an empty field is an error.
    work_date = WorkDateField(_l("Work date"), default=user_today)
    # The hidden fields get an empty label: without one WTForms translates a
    # default label, which loads its message catalogue from disk per request.
    client_token = HiddenField("", filters=[valid_client_token])
    timer_version = HiddenField("")
    confirm_duration = BooleanField(_l("I have checked the duration and the date"))
    start_next = HiddenField("", filters=[strip_text])

    def __init__(self, *args, activities: list[ActivityType], **kwargs) -> None:
        super().__init__(*args, prefix=BAR_PREFIX, **kwargs)
        self.activities = activities
        self.activity_type.choices = activity_choices(activities)
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

    @property
    def picked_ticket(self) -> Ticket | None:
        return self.ticket.ticket

    def timer_version_number(self) -> int | None:
        """Return the version of the stopped timer this form logs, if any."""
        return parse_whole_number(self.timer_version.data)

    def entry_data(self) -> EntryData:
        """Return the validated values. Call it only after validate() passed."""
        assert self.minutes is not None, "entry_data() called before validate()"
        activity = next(a for a in self.activities if a.id == self.activity_type.data)
        return EntryData(
            work_date=self.work_date.data,
            minutes=self.minutes,
            activity_type_id=activity.id,
            description=self.description.data or "",
            is_billable=activity.is_billable,
            client_token=self.client_token.data or None,
        )

    def add_error(self, error: EntryDataError) -> None:
        """Show a rule the service rejected beside the field it belongs to."""
        field = getattr(self, error.field, None)
        target = field if field is not None else self.description
        target.errors = [*target.errors, error.message]

    def focus_field_id(self, stopped: StoppedTimer | None = None) -> str:
        """Return the id of the field the agent continues in.

        That is the first field with an error, else for a stopped timer the
        description when it is empty and the duration otherwise, else the ticket.
        """
        for field in self:
            if field.errors and field.type != "HiddenField":
                return field.id
        if stopped is None:
            return self.ticket.id
        return self.duration.id if self.description.data else self.description.id


class TimerForm(FlaskForm):
    """A timer button: the version of the timer the page showed."""

    version = HiddenField()

    def version_number(self) -> int | None:
        return parse_whole_number(self.version.data)


class TimerStartForm(FlaskForm):
    """Start a timer on a ticket, from the ticket page or the quick-log bar.

    replace_version is set by the prompt that discards the running timer.
    """

    ticket = TicketKeyField(_l("Ticket"))
    description = StringField(
        _l("Description for the customer"),
        validators=[Length(max=MAX_DESCRIPTION_LENGTH)],
        filters=[strip_text],
    )
    replace_version = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix=BAR_PREFIX, **kwargs)

    def replace_version_number(self) -> int | None:
        return parse_whole_number(self.replace_version.data)
