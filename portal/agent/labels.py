"""Translated names of ticket and entry states, shared by forms and templates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models.entries import EntryStatus
from portal.models.tickets import TicketPriority, TicketStatus

TICKET_STATUS_LABELS = {
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

ENTRY_STATUS_LABELS = {
    EntryStatus.DRAFT: _l("Draft"),
    EntryStatus.SUBMITTED: _l("Submitted"),
    EntryStatus.APPROVED: _l("Approved"),
    EntryStatus.REJECTED: _l("Rejected"),
}


def status_label(status: TicketStatus) -> str:
    return str(TICKET_STATUS_LABELS[status])


def priority_label(priority: TicketPriority) -> str:
    return str(PRIORITY_LABELS[priority])


def entry_status_label(status: EntryStatus) -> str:
    return str(ENTRY_STATUS_LABELS[status])
