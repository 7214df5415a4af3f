"""Values shared by every row of a ticket's time log, prepared once per page.

A ticket can have hundreds of entries. Translating the row labels, formatting
the dates and building the action URLs once per page, instead of once per row,
keeps the ticket page within its time budget.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.agent.labels import entry_status_label
from portal.i18n import current_language, format_day
from portal.models.entries import EntryStatus, TimeEntry
from portal.services.customer_view import billed_minutes_for_portal

# An id no real entry has, replaced by each row's id in the built URLs.
_ID_MARKER = 918273645
_ROW_ENDPOINTS = (
    "agent.submit_entry",
    "agent.edit_entry",
    "agent.delete_entry",
    "history.entry",
)


class LogRows:
    """Translated labels, dates, URLs and the CSRF token for time log rows."""

    def __init__(self, entries: Iterable[TimeEntry]) -> None:
        self.me_id: int = current_user.id
        self.language = current_language()
        self.csrf_token = generate_csrf()
        self.texts = _row_texts()
        self.days: dict[date, str] = {}
        for entry in entries:
            if entry.work_date not in self.days:
                self.days[entry.work_date] = format_day(entry.work_date)
        self._url_parts = {}
        for endpoint in _ROW_ENDPOINTS:
            url = url_for(endpoint, entry_id=_ID_MARKER)
            self._url_parts[endpoint] = url.split(str(_ID_MARKER), 1)

    def url(self, endpoint: str, entry_id: int) -> str:
        """Return url_for(endpoint, entry_id=entry_id) for one of the row actions."""
        prefix, suffix = self._url_parts[endpoint]
        return f"{prefix}{entry_id}{suffix}"


def billed_minutes_where_different(
    ticket_id: int, entries: Iterable[TimeEntry]
) -> dict[int, int]:
    """Return the billed minutes of the entries whose billed time differs from logged.

    These are the figures the customer portal shows: the ticket's approved
    billable entries, rounded together under their contract. Other entries
    bill nothing yet and are left out. The log shows these beside the
    logged minutes.
    """
    billed = billed_minutes_for_portal([ticket_id])
    return {
        entry.id: billed[entry.id]
        for entry in entries
        if entry.id in billed and billed[entry.id] != entry.minutes
    }


def _row_texts() -> dict[str, str]:
    texts = {status.value: entry_status_label(status) for status in EntryStatus}
    texts.update(
        yes=_("Yes"),
        no=_("No"),
        internal=_("Internal note"),
        submit=_("Submit"),
        resubmit=_("Resubmit"),
        edit=_("Edit"),
        delete=_("Delete"),
        confirm_delete=_("Delete this time entry? This cannot be undone."),
        history=_("History"),
    )
    return texts
