"""The history page of one time entry: who did what to it, when, and why."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.history import bp
from portal.models import Role, Ticket, TimeEntry
from portal.services import history

logger = logging.getLogger(__name__)

# Roles that reach the agent pages, where the ticket link leads.
TICKET_PAGE_ROLES = frozenset({Role.AGENT, Role.APPROVER, Role.ADMIN})


@bp.get("/entries/<int:entry_id>")
def entry(entry_id: int):
    """Show the history of an entry, also after the entry was deleted."""
    agent_id = history.entry_agent_id(entry_id)
    if agent_id is None or not history.can_view(current_user, agent_id):
        logger.info(
            "user %s may not read the history of entry %s", current_user.id, entry_id
        )
        abort(404)

    query = (
        sa.select(TimeEntry)
        .where(TimeEntry.id == entry_id)
        .options(
            joinedload(TimeEntry.ticket).joinedload(Ticket.customer),
            joinedload(TimeEntry.agent),
            joinedload(TimeEntry.activity_type),
        )
    )
    return render_template(
        "history/entry.html",
        entry_id=entry_id,
        entry=db.session.scalar(query),
        steps=history.entry_history(entry_id),
        show_ticket_link=current_user.role in TICKET_PAGE_ROLES,
    )
