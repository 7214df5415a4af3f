"""Ticket status changes, stored so the SLA resolution clock can pause.

Every code path that changes a ticket's status calls record_status_change:
the admin ticket pages now, the ticket API later. The SLA computation in
portal.services.sla_evidence reads the rows back as waiting intervals.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from portal.extensions import db
from portal.models import Ticket, TicketStatus, TicketStatusChange, User

logger = logging.getLogger(__name__)


def record_status_change(
    ticket: Ticket, new_status: TicketStatus, actor: User | None, at: datetime
) -> TicketStatusChange | None:
    """Set the ticket's status and store the change made at `at` by actor.

    Returns the new row, or None when the ticket already has new_status, so
    saving a form without changing the status adds no row. actor is None for
    a change that no user made, such as one from an automated import. `at`
    must be aware and is stored in UTC.
    """
    if at.utcoffset() is None:
        raise ValueError(
            f"at must be an aware datetime, but {at.isoformat()} is naive: "
            "attach a time zone, such as datetime.UTC."
        )
    new_status = TicketStatus(new_status)
    if ticket.status == new_status:
        return None

    change = TicketStatusChange(
        ticket=ticket,
        from_status=ticket.status,
        to_status=new_status,
        changed_at=at.astimezone(UTC),
        changed_by_id=actor.id if actor is not None else None,
    )
    ticket.status = new_status
    db.session.add(change)
    logger.info(
        "ticket %s status %s -> %s by user %s",
        ticket.id,
        change.from_status,
        new_status,
        change.changed_by_id,
    )
    return change
