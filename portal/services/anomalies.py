"""Likely mistakes in time entries, flagged for the approver in the queue.

find_anomalies() checks all entries of a queue page at once. The checks on a
single entry use its loaded columns and ticket. The two checks that compare an
entry with the agent's other entries (day total, duplicates) run one grouped
query each, whatever the number of entries.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import EntryStatus, TicketStatus, TimeEntry

LONG_ENTRY_MINUTES = 4 * 60
LONG_DAY_MINUTES = 10 * 60
# Night work is work between 22:00 and 06:00 local time.
NIGHT_STARTS_MINUTE = 22 * 60
NIGHT_ENDS_MINUTE = 6 * 60
CLOSED_TICKET_DAYS = 30
DAY_MINUTES = 24 * 60
SATURDAY = 5
CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


class AnomalyKind(enum.StrEnum):
    LONG_ENTRY = "long_entry"
    LONG_DAY = "long_day"
    WEEKEND = "weekend"
    NIGHT = "night"
    DUPLICATE = "duplicate"
    CLOSED_TICKET = "closed_ticket"


_KIND_ORDER = {kind: position for position, kind in enumerate(AnomalyKind)}


@dataclass(frozen=True)
class Anomaly:
    """One flag on an entry; minutes, count and day give the figures behind it."""

    kind: AnomalyKind
    minutes: int | None = None
    count: int | None = None
    day: date | None = None


def find_anomalies(entries: Sequence[TimeEntry]) -> dict[int, list[Anomaly]]:
    """Map the id of each flagged entry to its anomalies, in AnomalyKind order.

    The day total and the duplicate check count the agent's entries in any
    status except rejected, because rejected time does not count as work done.
    """
    if not entries:
        return {}
    day_totals = _long_day_totals(entries)
    duplicates = _duplicate_counts(entries)
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])

    found: dict[int, list[Anomaly]] = {}
    for entry in entries:
        flags = _entry_anomalies(entry, zone)
        total = day_totals.get((entry.agent_id, entry.work_date))
        if total is not None:
            flags.append(Anomaly(AnomalyKind.LONG_DAY, minutes=total))
        count = duplicates.get(_duplicate_key(entry))
        if count is not None:
            flags.append(Anomaly(AnomalyKind.DUPLICATE, count=count))
        if flags:
            found[entry.id] = sorted(flags, key=lambda flag: _KIND_ORDER[flag.kind])
    return found


def _entry_anomalies(entry: TimeEntry, zone: ZoneInfo) -> list[Anomaly]:
    flags = []
    if entry.minutes > LONG_ENTRY_MINUTES:
        flags.append(Anomaly(AnomalyKind.LONG_ENTRY, minutes=entry.minutes))
    if entry.work_date.weekday() >= SATURDAY:
        flags.append(Anomaly(AnomalyKind.WEEKEND, day=entry.work_date))
    if is_night_work(entry):
        flags.append(Anomaly(AnomalyKind.NIGHT))
    closed_on = _closed_long_before(entry, zone)
    if closed_on is not None:
        flags.append(Anomaly(AnomalyKind.CLOSED_TICKET, day=closed_on))
    return flags


def is_night_work(entry: TimeEntry) -> bool:
    """Return whether the entry starts, or runs, between 22:00 and 06:00.

    Only entries with a start time can tell; the work runs for entry.minutes
    from the start, across midnight if needed.
    """
    if entry.start_time is None:
        return False
    start = entry.start_time.hour * 60 + entry.start_time.minute
    end = start + max(entry.minutes, 1)
    # The night windows that an interval of at most 24 hours from start can reach.
    windows = [
        (
            day * DAY_MINUTES - (DAY_MINUTES - NIGHT_STARTS_MINUTE),
            day * DAY_MINUTES + NIGHT_ENDS_MINUTE,
        )
        for day in range(3)
    ]
    return any(
        start < window_end and end > window_start
        for window_start, window_end in windows
    )


def _closed_long_before(entry: TimeEntry, zone: ZoneInfo) -> date | None:
    """Return the ticket's resolution day if it came over 30 days before the work."""
    ticket = entry.ticket
    if ticket.status not in CLOSED_STATUSES or ticket.resolved_at is None:
        return None
    resolved_on = ticket.resolved_at.astimezone(zone).date()
    if entry.work_date > resolved_on + timedelta(days=CLOSED_TICKET_DAYS):
        return resolved_on
    return None


def _counted_entries(entries: Sequence[TimeEntry]) -> sa.Select:
    """Select the agents' entries on the days of entries, rejected ones aside."""
    agent_ids = sorted({entry.agent_id for entry in entries})
    days = [entry.work_date for entry in entries]
    return sa.select().where(
        TimeEntry.agent_id.in_(agent_ids),
        TimeEntry.work_date.between(min(days), max(days)),
        TimeEntry.status != EntryStatus.REJECTED,
    )


def _long_day_totals(entries: Sequence[TimeEntry]) -> dict[tuple[int, date], int]:
    total = sa.func.sum(TimeEntry.minutes)
    query = (
        _counted_entries(entries)
        .add_columns(TimeEntry.agent_id, TimeEntry.work_date, total)
        .group_by(TimeEntry.agent_id, TimeEntry.work_date)
        .having(total > LONG_DAY_MINUTES)
    )
    return {
        (agent_id, day): minutes for agent_id, day, minutes in db.session.execute(query)
    }


def _duplicate_key(entry: TimeEntry) -> tuple[int, int, date, int]:
    return (entry.agent_id, entry.ticket_id, entry.work_date, entry.minutes)


def _duplicate_counts(
    entries: Sequence[TimeEntry],
) -> dict[tuple[int, int, date, int], int]:
    columns = (
        TimeEntry.agent_id,
        TimeEntry.ticket_id,
        TimeEntry.work_date,
        TimeEntry.minutes,
    )
    count = sa.func.count(TimeEntry.id)
    query = (
        _counted_entries(entries)
        .add_columns(*columns, count)
        .group_by(*columns)
        .having(count > 1)
    )
    counts: dict[tuple[int, int, date, int], int] = defaultdict(int)
    for agent_id, ticket_id, day, minutes, number in db.session.execute(query):
        counts[(agent_id, ticket_id, day, minutes)] = number
    return dict(counts)
