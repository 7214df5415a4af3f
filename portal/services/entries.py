"""Time entries: log, edit, delete and submit them for approval.

Only the agent who logged an entry may change it, and only while
`TimeEntry.is_editable` is true. Every change writes one audit row.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.models.entries import MAX_ENTRY_MINUTES, EntryStatus, TimeEntry
from portal.models.tickets import ActivityType, Ticket
from portal.models.types import utcnow
from portal.models.users import User
from portal.services.audit import changed_fields, record_event, snapshot

logger = logging.getLogger(__name__)

MAX_DESCRIPTION_LENGTH = 2000
MAX_INTERNAL_NOTE_LENGTH = 2000

# The columns an agent's form sets. Update audit rows record those that changed.
EDITABLE_FIELDS = [
    "work_date",
    "minutes",
    "activity_type_id",
    "description",
    "internal_note",
    "is_billable",
]
# Create and delete audit rows record the whole entry.
ENTRY_FIELDS = ["ticket_id", "agent_id", *EDITABLE_FIELDS, "status"]
# Submitting changes these columns, and its audit rows record those that changed.
APPROVAL_FIELDS = [
    "status",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "rejection_reason",
]
SUBMITTABLE = frozenset({EntryStatus.DRAFT, EntryStatus.REJECTED})


class EntryDataError(DomainError):
    """Entry data that breaks a rule, with the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, 422)
        self.field = field


@dataclass(frozen=True)
class EntryData:
    """The values an agent types for one time entry, already parsed."""

    work_date: date
    minutes: int
    activity_type_id: int
    description: str
    internal_note: str = ""
    is_billable: bool = True


def today_for(user: User) -> date:
    """Return today's calendar date in the user's time zone."""
    try:
        zone = ZoneInfo(user.timezone or current_app.config["DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return utcnow().astimezone(zone).date()


def check_work_date(actor: User, work_date: date | None) -> None:
    """Raise EntryDataError unless work_date is given and not after today."""
    if work_date is None:
        raise EntryDataError("work_date", _("Enter the date the work was done."))
    if work_date > today_for(actor):
        raise EntryDataError("work_date", _("The work date cannot be in the future."))


def active_activity_types() -> list[ActivityType]:
    """Return the activity types agents may choose, in their display order."""
    query = (
        select(ActivityType)
        .where(ActivityType.is_active.is_(True))
        .order_by(ActivityType.position, ActivityType.id)
    )
    return list(db.session.scalars(query))


def create_entry(actor: User, ticket: Ticket, data: EntryData) -> TimeEntry:
    """Log a draft entry for actor on ticket and audit it."""
    _check_data(actor, data, current_activity_id=None)

    entry = TimeEntry(
        ticket_id=ticket.id,
        agent_id=actor.id,
        status=EntryStatus.DRAFT,
    )
    _apply(entry, data)
    db.session.add(entry)
    db.session.flush()

    record_event(actor, "created", entry, None, snapshot(entry, ENTRY_FIELDS))
    return entry


def update_entry(
    actor: User,
    entry: TimeEntry,
    data: EntryData,
    expected_version: int | None = None,
) -> TimeEntry:
    """Change an editable entry of actor's and audit the changed fields.

    The status stays as it was: a rejected entry keeps its rejection reason
    until the agent submits it again. When expected_version differs from the
    stored version, someone changed the entry after the form was loaded, so
    StaleDataError is raised, and the global handler responds with 409.
    """
    ensure_editable(actor, entry)
    if expected_version is not None and expected_version != entry.version:
        raise StaleDataError(
            f"time entry {entry.id} is at version {entry.version}, "
            f"the form was loaded at version {expected_version}"
        )
    _check_data(actor, data, current_activity_id=entry.activity_type_id)

    before = snapshot(entry, EDITABLE_FIELDS)
    _apply(entry, data)
    after = snapshot(entry, EDITABLE_FIELDS)
    before, after = changed_fields(before, after)
    if not after:
        return entry

    db.session.flush()
    record_event(actor, "updated", entry, before, after)
    return entry


def delete_entry(actor: User, entry: TimeEntry) -> None:
    """Delete an editable entry of actor's, keeping its values in the audit row."""
    ensure_editable(actor, entry)

    record_event(actor, "deleted", entry, snapshot(entry, ENTRY_FIELDS), None)
    db.session.delete(entry)
    db.session.flush()


def submit_entries(actor: User, entries: Sequence[TimeEntry]) -> int:
    """Submit actor's draft or rejected entries for approval and return how many.

    The whole batch is checked before any entry changes, so one entry that
    cannot be submitted leaves all of them as they were.
    """
    for entry in entries:
        _ensure_submittable(actor, entry)

    now = utcnow()
    for entry in entries:
        before = snapshot(entry, APPROVAL_FIELDS)
        entry.status = EntryStatus.SUBMITTED
        entry.submitted_at = now
        entry.decided_by_id = None
        entry.decided_at = None
        entry.rejection_reason = None
        changed_before, changed_after = changed_fields(
            before, snapshot(entry, APPROVAL_FIELDS)
        )
        record_event(actor, "submitted", entry, changed_before, changed_after)

    db.session.flush()
    return len(entries)


def submit_ticket_drafts(actor: User, ticket: Ticket) -> int:
    """Submit every draft of actor's on ticket and return how many."""
    query = _drafts_of(actor).where(TimeEntry.ticket_id == ticket.id)
    return submit_entries(actor, list(db.session.scalars(query)))


def submit_week_drafts(actor: User, monday: date) -> int:
    """Submit actor's drafts dated in the week from monday and return how many."""
    sunday = monday + timedelta(days=6)
    query = _drafts_of(actor).where(TimeEntry.work_date.between(monday, sunday))
    return submit_entries(actor, list(db.session.scalars(query)))


def ensure_editable(actor: User, entry: TimeEntry) -> None:
    """Raise DomainError unless actor logged entry and may still change it."""
    _ensure_owner(actor, entry)
    if entry.is_billed:
        raise DomainError(
            _("This time is on an issued statement and can no longer be changed.")
        )
    if not entry.is_editable:
        raise DomainError(
            _("This time has been approved and can no longer be changed.")
        )


def _ensure_owner(actor: User, entry: TimeEntry) -> None:
    if entry.agent_id != actor.id:
        logger.info(
            "user %s may not change time entry %s of agent %s",
            actor.id,
            entry.id,
            entry.agent_id,
        )
        raise DomainError(_("Only the agent who logged this time can change it."), 403)


def _ensure_submittable(actor: User, entry: TimeEntry) -> None:
    ensure_editable(actor, entry)
    if entry.status not in SUBMITTABLE:
        raise DomainError(_("This time has already been submitted for approval."))


def _drafts_of(actor: User):
    return (
        select(TimeEntry)
        .where(TimeEntry.agent_id == actor.id)
        .where(TimeEntry.status == EntryStatus.DRAFT)
        .where(TimeEntry.statement_id.is_(None))
        .order_by(TimeEntry.work_date, TimeEntry.id)
    )


def _check_data(actor: User, data: EntryData, current_activity_id: int | None) -> None:
    check_work_date(actor, data.work_date)
    if not 0 < data.minutes <= MAX_ENTRY_MINUTES:
        raise EntryDataError(
            "duration", _("The duration must be between 1 minute and 24 hours.")
        )
    if not data.description.strip():
        raise EntryDataError(
            "description", _("Describe the work done for the customer.")
        )
    if len(data.description) > MAX_DESCRIPTION_LENGTH:
        raise EntryDataError(
            "description",
            _(
                "The description can be at most %(count)s characters long.",
                count=MAX_DESCRIPTION_LENGTH,
            ),
        )
    if len(data.internal_note) > MAX_INTERNAL_NOTE_LENGTH:
        raise EntryDataError(
            "internal_note",
            _(
                "The internal note can be at most %(count)s characters long.",
                count=MAX_INTERNAL_NOTE_LENGTH,
            ),
        )
    _check_activity(data.activity_type_id, current_activity_id)


def _check_activity(activity_type_id: int, current_activity_id: int | None) -> None:
    # An entry may keep an activity type that was retired after it was logged.
    if activity_type_id == current_activity_id:
        return
    activity = db.session.get(ActivityType, activity_type_id)
    if activity is None or not activity.is_active:
        raise EntryDataError("activity_type", _("Choose an activity from the list."))


def _apply(entry: TimeEntry, data: EntryData) -> None:
    entry.work_date = data.work_date
    entry.minutes = data.minutes
    entry.activity_type_id = data.activity_type_id
    entry.description = data.description
    entry.internal_note = data.internal_note
    entry.is_billable = data.is_billable
