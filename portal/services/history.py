"""The history of a time entry, read from its audit rows.

Every change to an entry writes one AuditEvent with the changed columns before
and after (portal.services.audit). This module turns those rows into readable
steps: who did what, when, each changed field as old value → new value, and the
reason of a rejection or reversal. The history outlives the entry: a deleted
entry keeps its audit rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.agent.labels import entry_status_label
from portal.extensions import db
from portal.i18n import current_language, format_day, format_hmm, format_timestamp
from portal.models import (
    ActivityType,
    AuditEvent,
    EntryStatus,
    Role,
    Statement,
    Ticket,
    TimeEntry,
    User,
    team_approvers,
)

ACTION_LABELS = {
    "created": _l("Created"),
    "updated": _l("Changed"),
    "deleted": _l("Deleted"),
    "submitted": _l("Submitted for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "approval_reversed": _l("Approval reversed"),
}

FIELD_LABELS = {
    "ticket_id": _l("Ticket"),
    "agent_id": _l("Agent"),
    "work_date": _l("Date"),
    "start_time": _l("Start"),
    "end_time": _l("End"),
    "minutes": _l("Duration"),
    "activity_type_id": _l("Activity"),
    "description": _l("Description"),
    "internal_note": _l("Internal note"),
    "is_billable": _l("Billable"),
    "status": _l("Status"),
    "submitted_at": _l("Submitted at"),
    "decided_by_id": _l("Decided by"),
    "decided_at": _l("Decided at"),
    "rejection_reason": _l("Rejection reason"),
    "statement_id": _l("Statement"),
}
# Columns the history leaves out: they mean nothing to a reader.
HIDDEN_FIELDS = frozenset({"client_token", "version", "updated_at", "created_at"})
# Roles that see the history of every entry.
SEE_ALL_ROLES = frozenset({Role.ADMIN, Role.ACCOUNTS})


@dataclass(frozen=True)
class FieldChange:
    """One field of an audit row: its label and the values before and after."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryStep:
    """One audit row, rendered for the reader."""

    occurred_at: datetime
    when: str
    actor: str
    action: str
    label: str
    changes: list[FieldChange]
    reason: str | None


# Access


def entry_agent_id(entry_id: int) -> int | None:
    """Return the entry's agent, from the entry or, once deleted, its audit rows."""
    agent_id = db.session.scalar(
        sa.select(TimeEntry.agent_id).where(TimeEntry.id == entry_id)
    )
    if agent_id is not None:
        return agent_id
    for event in _events(entry_id):
        for values in (event.after, event.before):
            if values and values.get("agent_id") is not None:
                return int(values["agent_id"])
    return None


def can_view(viewer: User, agent_id: int) -> bool:
    """Return whether viewer may read the history of entries logged by agent_id.

    The agent, accounts and admins may; an approver may for the agents of the
    teams they approve. Customers never may.
    """
    if viewer.role == Role.CUSTOMER:
        return False
    if viewer.id == agent_id or viewer.role in SEE_ALL_ROLES:
        return True
    if viewer.role != Role.APPROVER:
        return False
    query = (
        sa.select(sa.func.count())
        .select_from(User)
        .join(team_approvers, team_approvers.c.team_id == User.team_id)
        .where(User.id == agent_id, team_approvers.c.user_id == viewer.id)
    )
    return bool(db.session.scalar(query))


# Reading


def _events(entry_id: int) -> list[AuditEvent]:
    query = (
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == TimeEntry.__tablename__,
            AuditEvent.object_id == entry_id,
        )
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(db.session.scalars(query))


def entry_history(entry_id: int) -> list[HistoryStep]:
    """Return the entry's history steps, oldest first, in the current language."""
    events = _events(entry_id)
    names = _ValueNames(events)
    steps = []
    for event in events:
        action = str(ACTION_LABELS.get(event.action, event.action))
        steps.append(
            HistoryStep(
                occurred_at=event.occurred_at,
                when=format_timestamp(event.occurred_at),
                actor=event.actor.name if event.actor else _("System"),
                action=event.action,
                label=action,
                changes=_changes(event, names),
                reason=event.reason,
            )
        )
    return steps


def _changes(event: AuditEvent, names: _ValueNames) -> list[FieldChange]:
    before = event.before or {}
    after = event.after or {}
    changes = []
    for name in [*after, *(key for key in before if key not in after)]:
        if name in HIDDEN_FIELDS:
            continue
        old = names.display(name, before.get(name)) if event.before else "—"
        new = names.display(name, after.get(name)) if event.after else "—"
        if old == new:
            continue
        label = str(FIELD_LABELS.get(name, name))
        changes.append(FieldChange(label, old, new))
    return changes


class _ValueNames:
    """Display texts for the ids and values in a set of audit rows.

    The users, activities, tickets and statements named by the rows are loaded
    in one query per table.
    """

    def __init__(self, events: list[AuditEvent]) -> None:
        ids: dict[str, set[int]] = {
            "user": set(),
            "activity": set(),
            "ticket": set(),
            "statement": set(),
        }
        columns = {
            "agent_id": "user",
            "decided_by_id": "user",
            "activity_type_id": "activity",
            "ticket_id": "ticket",
            "statement_id": "statement",
        }
        for event in events:
            for values in (event.before or {}, event.after or {}):
                for column, kind in columns.items():
                    if isinstance(values.get(column), int):
                        ids[kind].add(values[column])

        language = current_language()
        self.users = _load(User, ids["user"], lambda user: user.name)
        self.activities = _load(
            ActivityType, ids["activity"], lambda activity: activity.label(language)
        )
        self.tickets = _load(Ticket, ids["ticket"], lambda ticket: ticket.key)
        self.statements = _load(
            Statement, ids["statement"], lambda statement: statement.number
        )

    def display(self, name: str, value: Any) -> str:
        """Return the text shown for value of the column name."""
        if value is None or value == "":
            return "—"
        lookups = {
            "agent_id": self.users,
            "decided_by_id": self.users,
            "activity_type_id": self.activities,
            "ticket_id": self.tickets,
            "statement_id": self.statements,
        }
        if name in lookups:
            return lookups[name].get(value, f"#{value}")
        formatter = _FORMATTERS.get(name)
        return formatter(value) if formatter else str(value)


def _load(model: type, ids: set[int], name_of: Callable[[Any], str]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(model).where(model.id.in_(sorted(ids))))
    return {row.id: name_of(row) for row in rows}


def _format_status(value: str) -> str:
    try:
        return entry_status_label(EntryStatus(value))
    except ValueError:
        return value


def _format_bool(value: Any) -> str:
    return _("Yes") if value else _("No")


def _format_timestamp(value: str) -> str:
    return format_timestamp(datetime.fromisoformat(value))


def _format_time(value: str) -> str:
    return time.fromisoformat(value).strftime("%H:%M")


_FORMATTERS: dict[str, Callable[[Any], str]] = {
    "work_date": lambda value: format_day(date.fromisoformat(value)),
    "minutes": lambda value: format_hmm(int(value)),
    "is_billable": _format_bool,
    "status": _format_status,
    "submitted_at": _format_timestamp,
    "decided_at": _format_timestamp,
    "start_time": _format_time,
    "end_time": _format_time,
}
