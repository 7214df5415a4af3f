"""Set an agent's total time on one ticket and day, as typed in the week grid.

A grid cell shows the sum of the agent's entries on a ticket and day. Typing a
new total changes the one entry behind the cell, creates one when the cell is
empty, or deletes it when the cell is cleared. A cell with several entries is
never overwritten: the caller lists them so the agent edits the right one.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_day
from portal.models.entries import TimeEntry
from portal.models.tickets import Ticket
from portal.models.users import User
from portal.services.entries import (
    EntryData,
    check_entry_month_open,
    create_entry,
    default_activity_for,
    delete_entry,
    minute_of_day,
    time_of_minute,
    update_entry,
)

logger = logging.getLogger(__name__)


class CellOutcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    UNCHANGED = "unchanged"
    # The cell has several entries, so nothing was changed.
    SEVERAL = "several"


@dataclass
class CellResult:
    """The outcome of a cell edit and the cell's entries afterwards."""

    outcome: CellOutcome
    entries: list[TimeEntry] = field(default_factory=list)


def cell_entries(agent: User, ticket: Ticket, day: date) -> list[TimeEntry]:
    """Return agent's entries on ticket and day, locked for the change."""
    query = (
        select(TimeEntry)
        .where(TimeEntry.agent_id == agent.id)
        .where(TimeEntry.ticket_id == ticket.id)
        .where(TimeEntry.work_date == day)
        .order_by(TimeEntry.created_at, TimeEntry.id)
        .with_for_update()
    )
    return list(db.session.scalars(query))


def set_cell_total(
    agent: User,
    ticket: Ticket,
    day: date,
    minutes: int | None,
    seen_versions: Mapping[int, int],
) -> CellResult:
    """Make agent's time on ticket and day add up to minutes (None clears it).

    seen_versions maps the id of each entry the grid showed in the cell to its
    version. Any other set of entries or versions means the cell changed since
    the grid was loaded, and StaleDataError is raised instead of guessing.
    """
    entries = cell_entries(agent, ticket, day)
    _check_seen(entries, seen_versions, ticket, day)

    current = sum(entry.minutes for entry in entries)
    if (minutes or 0) == current:
        return CellResult(CellOutcome.UNCHANGED, entries)
    check_entry_month_open(agent, day)
    if any(not entry.is_editable for entry in entries):
        raise DomainError(
            _(
                "The time on %(key)s on %(day)s includes approved or billed time, "
                "so it cannot be changed here.",
                key=ticket.key,
                day=format_day(day),
            )
        )
    if len(entries) > 1:
        return CellResult(CellOutcome.SEVERAL, entries)

    if not entries:
        return CellResult(
            CellOutcome.CREATED, [_create_cell_entry(agent, ticket, day, minutes)]
        )
    [entry] = entries
    if minutes is None:
        delete_entry(agent, entry)
        return CellResult(CellOutcome.DELETED)
    update_entry(agent, entry, _with_minutes(entry, minutes))
    return CellResult(CellOutcome.UPDATED, [entry])


def _check_seen(
    entries: list[TimeEntry],
    seen_versions: Mapping[int, int],
    ticket: Ticket,
    day: date,
) -> None:
    current = {entry.id: entry.version for entry in entries}
    if current != dict(seen_versions):
        raise StaleDataError(
            f"grid cell of ticket {ticket.id} on {day} has entries {current}, "
            f"the grid showed {dict(seen_versions)}"
        )


def _create_cell_entry(
    agent: User, ticket: Ticket, day: date, minutes: int | None
) -> TimeEntry:
    # (minutes or 0) differs from the empty cell's 0, so minutes is set here.
    assert minutes is not None
    activity = default_activity_for(agent)
    if activity is None:
        raise DomainError(
            _(
                "No activity types are active, so no time can be logged. Ask an "
                "administrator to activate one."
            ),
            422,
        )
    data = EntryData(
        work_date=day,
        minutes=minutes,
        activity_type_id=activity.id,
        description=_("Work on %(day)s", day=format_day(day)),
        is_billable=activity.is_billable,
    )
    return create_entry(agent, ticket, data)


def _with_minutes(entry: TimeEntry, minutes: int) -> EntryData:
    # The start time stays and the end moves with the new duration. An entry
    # with an end but no start is not made by the forms, so it loses both.
    start = entry.start_time
    end = time_of_minute(minute_of_day(start) + minutes) if start else None
    return EntryData(
        work_date=entry.work_date,
        minutes=minutes,
        activity_type_id=entry.activity_type_id,
        description=entry.description,
        internal_note=entry.internal_note,
        is_billable=entry.is_billable,
        start_time=start,
        end_time=end,
    )
