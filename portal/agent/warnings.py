"""Warnings about likely mistakes in logged time, shown without blocking it.

Callers show them next to the result and log the time anyway. Three cases:
more than 10 hours logged by one agent on one day, the same ticket, day and
duration logged twice, and time on a ticket that was resolved or closed more
than 30 days before the work date.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import flash
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.i18n import format_day, format_duration, user_zone
from portal.models.entries import TimeEntry
from portal.models.tickets import Ticket, TicketStatus
from portal.services.entries import DayTotals

LONG_DAY_MINUTES = 10 * 60
CLOSED_TICKET_DAYS = 30
CLOSED_STATUSES = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


def long_day_warning(day: date, minutes: int) -> str | None:
    """Return the warning for a day with more than 10 hours logged, else None."""
    if minutes <= LONG_DAY_MINUTES:
        return None
    return _(
        "You have logged %(total)s on %(day)s, more than 10 hours. Check the "
        "durations.",
        total=format_duration(minutes),
        day=format_day(day),
    )


def duplicate_warning(ticket: Ticket, day: date, minutes: int) -> str:
    return _(
        "You logged %(duration)s on %(key)s on %(day)s twice. Check that it is "
        "not the same work logged two times.",
        duration=format_duration(minutes),
        key=ticket.key,
        day=format_day(day),
    )


def closed_ticket_warning(ticket: Ticket, day: date) -> str | None:
    """Return the warning for time on a ticket closed 30 days before day, else None.

    A ticket closed without a resolved_at timestamp gives no warning, because
    no timestamp shows how long it has been closed.
    """
    if ticket.status not in CLOSED_STATUSES or ticket.resolved_at is None:
        return None
    resolved_on = ticket.resolved_at.astimezone(user_zone()).date()
    if day - resolved_on <= timedelta(days=CLOSED_TICKET_DAYS):
        return None
    return _(
        "%(key)s was closed on %(closed)s, more than 30 days before this work. "
        "Check that the time belongs to this ticket.",
        key=ticket.key,
        closed=format_day(resolved_on),
    )


def entry_warnings(entry: TimeEntry, before: DayTotals | None = None) -> list[str]:
    """Return the warnings about entry, which was just logged or changed.

    before is the agent's day as it was before entry was logged, when the
    caller read it already. Without it, one query reads the day.
    """
    if before is not None:
        day_total = before.all_minutes + entry.minutes
        twins = before.same_ticket_and_duration
    else:
        day_total, twins = _day_total_and_twins(entry)

    warnings = []
    if message := long_day_warning(entry.work_date, day_total):
        warnings.append(message)
    if twins:
        warnings.append(duplicate_warning(entry.ticket, entry.work_date, entry.minutes))
    if message := closed_ticket_warning(entry.ticket, entry.work_date):
        warnings.append(message)
    return warnings


def _day_total_and_twins(entry: TimeEntry) -> tuple[int, int]:
    twin = (
        (TimeEntry.id != entry.id)
        & (TimeEntry.ticket_id == entry.ticket_id)
        & (TimeEntry.minutes == entry.minutes)
    )
    query = select(
        func.coalesce(func.sum(TimeEntry.minutes), 0),
        func.count(TimeEntry.id).filter(twin),
    ).where(
        TimeEntry.agent_id == entry.agent_id, TimeEntry.work_date == entry.work_date
    )
    day_total, twins = db.session.execute(query).one()
    return day_total, twins


def flash_result(message: str, warnings: list[str]) -> None:
    """Flash one message: the result, followed by any warnings."""
    flash(" ".join([message, *warnings]), "warning" if warnings else "success")
