"""The portal's ticket filter and the translated labels of ticket enums."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, Field, SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from portal.extensions import db
from portal.models.tickets import Category, TicketPriority, TicketStatus

MAX_QUERY_LENGTH = 100
# The status filter's value for every status that still needs work.
ACTIVE_STATUSES_VALUE = "active"
ACTIVE_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
MIN_FILTER_YEAR = 2000
MAX_FILTER_YEAR = 2999

STATUS_LABELS = {
    TicketStatus.OPEN: _l("Open"),
    TicketStatus.IN_PROGRESS: _l("In progress"),
    TicketStatus.WAITING: _l("Waiting"),
    TicketStatus.RESOLVED: _l("Resolved"),
    TicketStatus.CLOSED: _l("Closed"),
}

PRIORITY_LABELS = {
    TicketPriority.LOW: _l("Low"),
    TicketPriority.NORMAL: _l("Normal"),
    TicketPriority.HIGH: _l("High"),
    TicketPriority.URGENT: _l("Urgent"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class DayField(DateField):
    """A calendar date typed as YYYY-MM-DD, as date inputs send it."""

    def process_formdata(self, valuelist: list[str]) -> None:
        message = _l("Enter a date as YYYY-MM-DD, e.g. 2026-03-15.")
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(message) from error
        if self.data and not MIN_FILTER_YEAR <= self.data.year <= MAX_FILTER_YEAR:
            self.data = None
            raise ValueError(message)


@dataclass(frozen=True)
class TicketFilter:
    """A valid ticket-list filter; opened_after and opened_before are UTC bounds."""

    text: str | None
    statuses: tuple[TicketStatus, ...]
    category_id: int | None
    opened_after: datetime | None
    opened_before: datetime | None


def _category_choices(language: str) -> list[SelectChoice]:
    categories = db.session.scalars(sa.select(Category))
    named = sorted(
        ((category.label(language), category.id) for category in categories),
        key=lambda pair: pair[0].casefold(),
    )
    return [SelectChoice("", _l("All categories"))] + [
        SelectChoice(str(category_id), label) for label, category_id in named
    ]


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


class TicketFilterForm(FlaskForm):
    """Search, status, category and period filter of the ticket list.

    It is read from the query string, and the period bounds are calendar days
    in the user's time zone, both included.

    A GET filter changes nothing, so it carries no CSRF token.
    """

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        filters=[_strip],
        validators=[
            Optional(),
            Length(
                max=MAX_QUERY_LENGTH,
                message=_l(
                    "Search text can be at most %(max)d characters long.",
                    max=MAX_QUERY_LENGTH,
                ),
            ),
        ],
        render_kw={
            "placeholder": _l("Ticket number or title"),
            "maxlength": MAX_QUERY_LENGTH,
        },
    )
    status = SelectField(
        _l("Status"),
        choices=[
            SelectChoice("", _l("All statuses")),
            SelectChoice(ACTIVE_STATUSES_VALUE, _l("All open tickets")),
        ]
        + [
            SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()
        ],
        validators=[Optional()],
        validate_choice=False,
    )

    category = SelectField(
        _l("Category"), validators=[Optional()], validate_choice=False
    )
    opened_from = DayField(_l("Opened from"), validators=[Optional()])
    opened_to = DayField(_l("Opened until"), validators=[Optional()])

    def __init__(self, *args, language: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = _category_choices(language)

    def validate_status(self, field: SelectField) -> None:
        """Reject a status that no ticket can have, e.g. from an edited URL."""
        allowed = {status.value for status in TicketStatus} | {ACTIVE_STATUSES_VALUE}
        if field.data and field.data not in allowed:
            raise ValidationError(_l("Choose a status from the list."))

    def validate_category(self, field: SelectField) -> None:
        allowed = {choice.value for choice in field.choices}
        if field.data and field.data not in allowed:
            raise ValidationError(_l("Choose a category from the list."))

    def validate_opened_to(self, field: Field) -> None:
        start = self.opened_from.data
        if start and field.data and field.data < start:
            raise ValidationError(
                _l("The end of the period must be on or after its start.")
            )

    def selected_statuses(self) -> tuple[TicketStatus, ...]:
        """Return the chosen statuses, or an empty tuple for all statuses."""
        if self.status.data == ACTIVE_STATUSES_VALUE:
            return ACTIVE_STATUSES
        return (TicketStatus(self.status.data),) if self.status.data else ()

    def ticket_filter(self, zone: ZoneInfo) -> TicketFilter:
        """Return the validated filter, with the period as UTC bounds in zone."""
        start, end = self.opened_from.data, self.opened_to.data
        return TicketFilter(
            text=self.q.data or None,
            statuses=self.selected_statuses(),
            category_id=int(self.category.data) if self.category.data else None,
            opened_after=_local_midnight(start, zone) if start else None,
            opened_before=(
                _local_midnight(end + timedelta(days=1), zone) if end else None
            ),
        )

    def is_filtered(self) -> bool:
        """Tell whether any filter is set, so an empty list means no match."""
        fields = (self.q, self.status, self.category, self.opened_from, self.opened_to)
        return any(field.data for field in fields)
