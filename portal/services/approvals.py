"""Approval of submitted time entries: the queue and the decisions on it.

Decisions lock the entry rows (SELECT ... FOR UPDATE on PostgreSQL) before they
check them. When two team leads decide the same entry at once, the second one
waits for the lock and then reads the first decision. TimeEntry.version is a
second guard: an UPDATE that finds another version raises StaleDataError, which
the app turns into a 409 response.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_day, format_timestamp
from portal.models import (
    Customer,
    EntryStatus,
    Role,
    Ticket,
    TimeEntry,
    User,
)
from portal.models.types import utcnow
from portal.services.audit import record_event, snapshot

logger = logging.getLogger(__name__)

AUDITED_FIELDS = ["status", "decided_by_id", "rejection_reason"]
MAX_REASON_LENGTH = 1000
TIME_LOGGING_ROLES = (Role.AGENT, Role.APPROVER, Role.ADMIN)


def week_start_of(day: date) -> date:
    """Return the Monday of the ISO week that contains day."""
    return day - timedelta(days=day.weekday())


def group_dom_id(agent_id: int, week_start: date) -> str:
    """Return the HTML id of the queue group of an agent and week."""
    return f"group-{agent_id}-{week_start.isoformat()}"


@dataclass(frozen=True)
class QueueFilter:
    """The agent and the customer that narrow the queue. None matches all."""

    agent_id: int | None = None
    customer_id: int | None = None

    @property
    def is_active(self) -> bool:
        return self.agent_id is not None or self.customer_id is not None


@dataclass
class QueueGroup:
    """The submitted entries of one agent in one ISO week, in date order.

    seen_versions maps entry id to the version the approver was shown. When it is
    set, "Approve all" sends those versions instead of the current ones, so an
    entry changed after the page loaded makes the group approval fail.
    """

    agent: User
    week_start: date
    entries: list[TimeEntry] = field(default_factory=list)
    seen_versions: dict[int, int] | None = None

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)

    @property
    def dom_id(self) -> str:
        return group_dom_id(self.agent.id, self.week_start)

    @property
    def total_minutes(self) -> int:
        return sum(entry.minutes for entry in self.entries)

    @property
    def billable_minutes(self) -> int:
        return sum(entry.minutes for entry in self.entries if entry.is_billable)

    @property
    def approval_versions(self) -> dict[int, int]:
        """Map each entry id to the version that "Approve all" expects."""
        if self.seen_versions is None:
            return {entry.id: entry.version for entry in self.entries}
        return {entry.id: self.seen_versions[entry.id] for entry in self.entries}


# Queue queries


def _submitted_entries_query(filters: QueueFilter) -> sa.Select:
    # One query with joined agent, ticket, customer and activity, so rendering
    # hundreds of rows issues no further SELECTs.
    query = (
        sa.select(TimeEntry)
        .join(TimeEntry.agent)
        .join(TimeEntry.ticket)
        .join(Ticket.customer)
        .join(TimeEntry.activity_type)
        .where(
            TimeEntry.status == EntryStatus.SUBMITTED,
            TimeEntry.statement_id.is_(None),
        )
        .options(
            contains_eager(TimeEntry.agent),
            contains_eager(TimeEntry.ticket).contains_eager(Ticket.customer),
            contains_eager(TimeEntry.activity_type),
        )
        .order_by(TimeEntry.work_date, Ticket.key, TimeEntry.id)
    )
    if filters.agent_id is not None:
        query = query.where(TimeEntry.agent_id == filters.agent_id)
    if filters.customer_id is not None:
        query = query.where(Ticket.customer_id == filters.customer_id)
    return query


def list_groups(filters: QueueFilter) -> list[QueueGroup]:
    """Return the submitted entries grouped by agent and week.

    Groups are ordered by week, then by agent name.
    """
    entries = db.session.scalars(_submitted_entries_query(filters)).all()

    groups: dict[tuple[int, date], QueueGroup] = {}
    for entry in entries:
        key = (entry.agent_id, week_start_of(entry.work_date))
        if key not in groups:
            groups[key] = QueueGroup(agent=entry.agent, week_start=key[1])
        groups[key].entries.append(entry)

    return sorted(
        groups.values(),
        key=lambda group: (
            group.week_start,
            group.agent.name.casefold(),
            group.agent.id,
        ),
    )


def load_group(
    agent_id: int,
    week_start: date,
    filters: QueueFilter,
    seen_versions: Mapping[int, int] | None = None,
) -> QueueGroup:
    """Return the group of an agent and week as the queue shows it now.

    With seen_versions, the group keeps only the entries the approver was shown.
    """
    week_start = week_start_of(week_start)
    query = _submitted_entries_query(filters).where(
        TimeEntry.agent_id == agent_id,
        TimeEntry.work_date.between(week_start, week_start + timedelta(days=6)),
    )
    if seen_versions is not None:
        query = query.where(TimeEntry.id.in_(list(seen_versions)))

    entries = list(db.session.scalars(query).all())
    agent = db.session.get(User, agent_id)
    if agent is None:
        raise DomainError(_("This agent does not exist."), 404)

    seen = dict(seen_versions) if seen_versions is not None else None
    return QueueGroup(agent, week_start, entries, seen)


def count_waiting(filters: QueueFilter | None = None) -> int:
    """Return how many entries wait for a decision, within filters if given."""
    query = (
        sa.select(sa.func.count(TimeEntry.id))
        .join(TimeEntry.ticket)
        .where(
            TimeEntry.status == EntryStatus.SUBMITTED,
            TimeEntry.statement_id.is_(None),
        )
    )
    if filters is not None and filters.agent_id is not None:
        query = query.where(TimeEntry.agent_id == filters.agent_id)
    if filters is not None and filters.customer_id is not None:
        query = query.where(Ticket.customer_id == filters.customer_id)
    return db.session.scalar(query) or 0


def filter_agents() -> list[User]:
    """Return the staff users who can log time, by name, for the agent filter."""
    query = (
        sa.select(User)
        .where(User.role.in_(TIME_LOGGING_ROLES))
        .order_by(sa.func.lower(User.name), User.id)
    )
    return list(db.session.scalars(query).all())


def filter_customers() -> list[Customer]:
    """Return all customers, by name, for the customer filter."""
    query = sa.select(Customer).order_by(sa.func.lower(Customer.name), Customer.id)
    return list(db.session.scalars(query).all())


def load_entry(entry_id: int) -> TimeEntry | None:
    """Return one entry with its agent, ticket, customer and activity loaded."""
    query = (
        sa.select(TimeEntry)
        .join(TimeEntry.agent)
        .join(TimeEntry.ticket)
        .join(Ticket.customer)
        .join(TimeEntry.activity_type)
        .where(TimeEntry.id == entry_id)
        .options(
            contains_eager(TimeEntry.agent),
            contains_eager(TimeEntry.ticket).contains_eager(Ticket.customer),
            contains_eager(TimeEntry.activity_type),
        )
    )
    return db.session.scalar(query)


# Decisions


def approve_entry(
    actor: User, entry: TimeEntry, expected_version: int | None = None
) -> TimeEntry:
    """Approve one submitted entry of another agent.

    expected_version is the version the approver was shown. When it is given, an
    entry changed since then is not approved. Raises DomainError: 403 for one's
    own entry, 404 for a deleted one, 409 for one already decided, billed or
    changed.
    """
    _lock_entry(entry)
    _check_decidable(actor, entry, expected_version, in_group=False)
    _decide(actor, entry, EntryStatus.APPROVED, reason=None)
    db.session.flush()
    return entry


def reject_entry(
    actor: User, entry: TimeEntry, reason: str, expected_version: int | None = None
) -> TimeEntry:
    """Reject one submitted entry of another agent, with the reason for the agent.

    Raises DomainError 422 for an empty or too long reason and otherwise the same
    errors as approve_entry.
    """
    reason = clean_reason(reason)
    _lock_entry(entry)
    _check_decidable(actor, entry, expected_version, in_group=False)
    _decide(actor, entry, EntryStatus.REJECTED, reason=reason)
    db.session.flush()
    return entry


def approve_group(
    actor: User,
    agent_id: int,
    week_start: date,
    expected_versions: Mapping[int, int] | None = None,
) -> list[TimeEntry]:
    """Approve the submitted entries of an agent in the week containing week_start.

    Without expected_versions every submitted entry of the group is approved.
    With it, exactly those entries are approved, and only if each one still has
    the version given. Either all entries are approved or none: any refused entry
    raises DomainError and the caller's transaction is rolled back.
    """
    week_start = week_start_of(week_start)
    if actor.id == agent_id:
        logger.warning(
            "user %s tried to approve their own week %s", actor.id, week_start
        )
        raise DomainError(_own_entries_message(), 403)

    entries = _lock_group(agent_id, week_start, expected_versions)
    if not entries:
        raise DomainError(
            _("No entries of this agent and week are waiting for approval."), 409
        )
    for entry in entries:
        expected = expected_versions.get(entry.id) if expected_versions else None
        _check_decidable(actor, entry, expected, in_group=True)

    for entry in entries:
        _decide(actor, entry, EntryStatus.APPROVED, reason=None)
    db.session.flush()
    logger.info(
        "user %s approved %d entries of agent %s for the week of %s",
        actor.id,
        len(entries),
        agent_id,
        week_start,
    )
    return entries


def clean_reason(reason: str | None) -> str:
    """Return the rejection reason without surrounding blanks, or raise DomainError."""
    text = (reason or "").strip()
    if not text:
        raise DomainError(_("Enter the reason for the rejection."), 422)
    if len(text) > MAX_REASON_LENGTH:
        raise DomainError(
            _(
                "The reason can be at most %(max)d characters long.",
                max=MAX_REASON_LENGTH,
            ),
            422,
        )
    return text


def _lock_entry(entry: TimeEntry) -> None:
    # Reload the row under a lock so the checks below see the latest decision.
    # SQLite ignores FOR UPDATE, but it allows one writer at a time.
    try:
        db.session.refresh(entry, with_for_update=True)
    except sa.exc.InvalidRequestError as error:
        # The agent deleted the entry after the view loaded it.
        # Reading entry.id would try to load the missing row again.
        entry_id = sa.inspect(entry).identity[0]
        logger.info("entry %s was deleted before the decision: %s", entry_id, error)
        raise DomainError(
            _("This entry no longer exists. Reload the page."), 404
        ) from error


def _lock_group(
    agent_id: int, week_start: date, expected_versions: Mapping[int, int] | None
) -> list[TimeEntry]:
    query = (
        sa.select(TimeEntry)
        .where(
            TimeEntry.agent_id == agent_id,
            TimeEntry.work_date.between(week_start, week_start + timedelta(days=6)),
        )
        .order_by(TimeEntry.work_date, TimeEntry.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if expected_versions is None:
        query = query.where(
            TimeEntry.status == EntryStatus.SUBMITTED,
            TimeEntry.statement_id.is_(None),
        )
        return list(db.session.scalars(query).all())

    entries = list(
        db.session.scalars(query.where(TimeEntry.id.in_(list(expected_versions))))
    )
    if len(entries) != len(expected_versions):
        logger.warning(
            "group approval for agent %s week %s listed entries %s of other groups",
            agent_id,
            week_start,
            sorted(set(expected_versions) - {entry.id for entry in entries}),
        )
        raise DomainError(
            _("Some of the entries sent are not in this group. Reload the page."), 400
        )
    return entries


def _check_decidable(
    actor: User, entry: TimeEntry, expected_version: int | None, in_group: bool
) -> None:
    if entry.agent_id == actor.id:
        logger.warning("user %s tried to decide their own entry %s", actor.id, entry.id)
        raise DomainError(_own_entries_message(), 403)

    if entry.statement_id is not None:
        logger.info(
            "cannot decide entry %s: it is on statement %s",
            entry.id,
            entry.statement_id,
        )
        raise DomainError(
            _("This entry is on an issued statement and can no longer change."), 409
        )

    if entry.status != EntryStatus.SUBMITTED:
        logger.info("cannot decide entry %s: its status is %s", entry.id, entry.status)
        raise DomainError(_not_waiting_message(entry, in_group), 409)

    if expected_version is not None and entry.version != expected_version:
        logger.info(
            "cannot decide entry %s: its version is %s but the approver saw %s",
            entry.id,
            entry.version,
            expected_version,
        )
        raise DomainError(_changed_message(entry, in_group), 409)


def _decide(
    actor: User, entry: TimeEntry, status: EntryStatus, reason: str | None
) -> None:
    before = snapshot(entry, AUDITED_FIELDS)

    entry.status = status
    entry.decided_by = actor
    entry.decided_by_id = actor.id
    entry.decided_at = utcnow()
    entry.rejection_reason = reason

    after = snapshot(entry, AUDITED_FIELDS)
    record_event(actor, status.value, entry, before, after, reason)


# Error messages


def _own_entries_message() -> str:
    return _(
        "You cannot approve or reject your own time entries. "
        "Another team lead has to decide them."
    )


def _not_waiting_message(entry: TimeEntry, in_group: bool) -> str:
    decided = entry.status in (EntryStatus.APPROVED, EntryStatus.REJECTED)
    if not decided or entry.decided_by is None or entry.decided_at is None:
        if in_group:
            return _(
                "The entry of %(day)s on ticket %(key)s is no longer waiting for "
                "approval. Reload the page.",
                day=format_day(entry.work_date),
                key=entry.ticket.key,
            )
        return _("This entry is no longer waiting for approval. Reload the page.")

    params = {
        "name": entry.decided_by.name,
        "when": format_timestamp(entry.decided_at),
        "day": format_day(entry.work_date),
        "key": entry.ticket.key,
    }
    if entry.status == EntryStatus.APPROVED:
        if in_group:
            return _(
                "The entry of %(day)s on ticket %(key)s was already approved by "
                "%(name)s on %(when)s. Reload the page.",
                **params,
            )
        return _("Already approved by %(name)s on %(when)s.", **params)
    if in_group:
        return _(
            "The entry of %(day)s on ticket %(key)s was already rejected by "
            "%(name)s on %(when)s. Reload the page.",
            **params,
        )
    return _("Already rejected by %(name)s on %(when)s.", **params)


def _changed_message(entry: TimeEntry, in_group: bool) -> str:
    if in_group:
        return _(
            "The entry of %(day)s on ticket %(key)s was changed after you loaded "
            "the page. Reload the page and review it again.",
            day=format_day(entry.work_date),
            key=entry.ticket.key,
        )
    return _(
        "This entry was changed after you loaded the page. "
        "Reload the page and review it again."
    )
