"""Closed months: once accounts close a month, its entries stay as billed.

Time and resource entries dated in a closed month cannot be added, changed,
submitted or deleted, except by accounts giving a reason, which the caller
records in the audit event of the change. Closing and reopening a month are
audited as object type "closed_months" with the month as id YYYYMM.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import current_language
from portal.models import (
    AuditEvent,
    ClosedMonth,
    EntryStatus,
    ResourceEntry,
    Role,
    TimeEntry,
    User,
)
from portal.services.audit import record_event

logger = logging.getLogger(__name__)


# Audit rows of closing and reopening use this object type.
AUDIT_OBJECT_TYPE = "closed_months"
MAX_REASON_LENGTH = 2000
# Entries still in these states may yet be approved and billed.
WAITING_STATUSES = (EntryStatus.DRAFT, EntryStatus.SUBMITTED)


def month_start(day: date) -> date:
    return day.replace(day=1)


def is_month_closed(day: date) -> bool:
    """Tell whether the month that contains day is closed."""
    return db.session.get(ClosedMonth, month_start(day)) is not None


def closed_months_among(days: set[date]) -> set[date]:
    """Return the first days of the closed months among the months of days."""
    months = {month_start(day) for day in days}
    if not months:
        return set()
    query = sa.select(ClosedMonth.month).where(ClosedMonth.month.in_(months))
    return set(db.session.scalars(query))


class ClosedMonthError(DomainError):
    """Raised when a change touches an entry dated in a closed month."""

    def __init__(self, day: date) -> None:
        # Imported here: portal.services.statements imports this module.
        from portal.services.statements import month_label

        message = _(
            "%(month)s is closed: its entries can no longer be added or changed. "
            "Ask the accounts office if a correction is needed.",
            month=month_label(month_start(day), current_language()),
        )
        super().__init__(message, 409)
        self.day = day


def check_month_open(
    actor: User, day: date, override_reason: str | None = None
) -> None:
    """Refuse a change to an entry dated day when its month is closed.

    Accounts may still make it by giving override_reason; the caller records
    that reason with the change's audit event.
    """
    if not is_month_closed(day):
        return
    reason = (override_reason or "").strip()
    if actor.role == Role.ACCOUNTS and reason:
        logger.info(
            "user %s changes an entry of closed month %s: %s",
            actor.id,
            month_start(day).isoformat(),
            reason,
        )
        return
    logger.info(
        "change by user %s rejected: entry dated %s is in a closed month",
        actor.id,
        day.isoformat(),
    )
    raise ClosedMonthError(day)


def check_months_open(
    actor: User, days: Iterable[date], override_reason: str | None = None
) -> None:
    """Apply check_month_open to a batch of entry dates with one query."""
    closed = closed_months_among(set(days))
    if closed:
        check_month_open(actor, min(closed), override_reason)


# Closing and reopening


@dataclass(frozen=True)
class MonthState:
    """A month of a year as the month-close page lists it.

    waiting_count counts the time and resource entries dated in the month
    that are still drafts or waiting for approval.
    """

    month: date
    closed: ClosedMonth | None
    waiting_count: int
    last_reopen: AuditEvent | None

    @property
    def is_closed(self) -> bool:
        return self.closed is not None


@dataclass(frozen=True)
class _AuditedMonth:
    """The audit trail's handle on a month: ClosedMonth has no integer id."""

    id: int
    __tablename__ = AUDIT_OBJECT_TYPE


def audit_id(month: date) -> int:
    """Return the month's id in audit rows, e.g. 202611 for November 2026."""
    return month.year * 100 + month.month


def month_states(year: int) -> list[MonthState]:
    """Return the twelve months of year with their state, oldest first."""
    months = [date(year, number, 1) for number in range(1, 13)]
    closed_query = sa.select(ClosedMonth).where(ClosedMonth.month.in_(months))
    closed = {row.month: row for row in db.session.scalars(closed_query)}
    waiting = _waiting_counts(year)
    reopens = _last_reopens(months)
    return [
        MonthState(month, closed.get(month), waiting[month], reopens.get(month))
        for month in months
    ]


def _waiting_counts(year: int) -> Counter[date]:
    counts: Counter[date] = Counter()
    start, end = date(year, 1, 1), date(year, 12, 31)
    for model in (TimeEntry, ResourceEntry):
        query = (
            sa.select(model.work_date, sa.func.count(model.id))
            .where(model.work_date.between(start, end))
            .where(model.status.in_(WAITING_STATUSES))
            .group_by(model.work_date)
        )
        for work_date, count in db.session.execute(query):
            counts[month_start(work_date)] += count
    return counts


def _last_reopens(months: list[date]) -> dict[date, AuditEvent]:
    ids = {audit_id(month): month for month in months}
    query = (
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == AUDIT_OBJECT_TYPE,
            AuditEvent.object_id.in_(ids),
            AuditEvent.action == "month_reopened",
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    # Later rows overwrite earlier ones, so each month keeps its latest.
    return {ids[event.object_id]: event for event in db.session.scalars(query)}


def close_month(actor: User, month: date) -> ClosedMonth:
    """Close the month that contains month and audit it."""
    month = month_start(month)
    if is_month_closed(month):
        raise DomainError(_("This month is already closed."), 409)
    closed = ClosedMonth(month=month, closed_by_id=actor.id)
    db.session.add(closed)
    try:
        db.session.flush()
    except IntegrityError:
        # Another session closed it after the check, and its row remains.
        db.session.rollback()
        logger.info("month %s was closed concurrently", month.isoformat())
        raise DomainError(_("This month is already closed."), 409) from None
    record_event(
        actor,
        "month_closed",
        _AuditedMonth(audit_id(month)),
        None,
        {"month": month.isoformat()},
    )
    return closed


def reopen_month(actor: User, month: date, reason: str | None) -> None:
    """Reopen a closed month; reason is required and goes in the audit row."""
    month = month_start(month)
    reason = check_reason(reason)
    closed = db.session.get(ClosedMonth, month, with_for_update=True)
    if closed is None:
        raise DomainError(_("This month is not closed."), 409)
    before = {
        "month": month.isoformat(),
        "closed_by_id": closed.closed_by_id,
        "closed_at": closed.closed_at.isoformat(),
    }
    db.session.delete(closed)
    db.session.flush()
    record_event(
        actor, "month_reopened", _AuditedMonth(audit_id(month)), before, None, reason
    )


def check_reason(reason: str | None) -> str:
    """Return the stripped reason, or raise DomainError 422 if missing or too long."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for this change."), 422)
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _(
                "The reason can be at most %(count)s characters long.",
                count=MAX_REASON_LENGTH,
            ),
            422,
        )
    return reason
