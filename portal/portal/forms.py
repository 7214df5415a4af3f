"""The portal's ticket filter and the translated labels of ticket enums."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SearchField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from portal.models.tickets import TicketPriority, TicketStatus

MAX_QUERY_LENGTH = 100

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


class TicketFilterForm(FlaskForm):
    """Search and status filter of the ticket list, read from the query string.

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
        choices=[SelectChoice("", _l("All statuses"))]
        + [
            SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()
        ],
        validators=[Optional()],
        validate_choice=False,
    )

    def validate_status(self, field: SelectField) -> None:
        """Reject a status that no ticket can have, e.g. from an edited URL."""
        allowed = {status.value for status in TicketStatus}
        if field.data and field.data not in allowed:
            raise ValidationError(_l("Choose a status from the list."))

    def selected_status(self) -> TicketStatus | None:
        """Return the chosen status, or None for all statuses."""
        return TicketStatus(self.status.data) if self.status.data else None
