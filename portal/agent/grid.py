"""The week grid: an agent's tickets as rows, Monday to Sunday as columns.

Each cell is the sum of the agent's entries on one ticket and day. Rows come
from the week's entries plus tickets the agent added to the grid, which stay
in the page address (?rows=KEY,KEY) until time is logged on them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.agent.queries import MAX_KEY_LENGTH
from portal.agent.warnings import (
    closed_ticket_warning,
    duplicate_warning,
    long_day_warning,
)
from portal.extensions import db
from portal.models.entries import EntryStatus, TimeEntry
from portal.models.tickets import Ticket

# Rows beyond the week's entries that a grid address may carry.
MAX_EXTRA_ROWS = 50


@dataclass
class GridCell:
    """One ticket's entries on one day."""

    ticket: Ticket
    day: date
    is_future: bool
    entries: list[TimeEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(entry.minutes for entry in self.entries)

    @property
    def is_editable(self) -> bool:
        """Whether the agent may type a new total: no future day, no approved time."""
        return not self.is_future and all(entry.is_editable for entry in self.entries)

    @property
    def seen_versions(self) -> str:
        """Return "id:version,..." of the cell's entries, sent back with an edit."""
        return ",".join(f"{entry.id}:{entry.version}" for entry in self.entries)

    @property
    def has_duplicate(self) -> bool:
        durations = [entry.minutes for entry in self.entries]
        return len(set(durations)) < len(durations)

    @property
    def dom_id(self) -> str:
        return f"grid-cell-{self.ticket.id}-{self.day.isoformat()}"


@dataclass
class GridRow:
    ticket: Ticket
    cells: list[GridCell]

    @property
    def minutes(self) -> int:
        return sum(cell.minutes for cell in self.cells)

    @property
    def closed_warning(self) -> str | None:
        """Return the warning about time on a long-closed ticket, if any."""
        for cell in self.cells:
            if cell.entries:
                warning = closed_ticket_warning(self.ticket, cell.day)
                if warning:
                    return warning
        return None


@dataclass
class WeekGrid:
    monday: date
    today: date
    rows: list[GridRow]

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=offset) for offset in range(7)]

    @property
    def previous_monday(self) -> date:
        return self.monday - timedelta(days=7)

    @property
    def next_monday(self) -> date:
        return self.monday + timedelta(days=7)

    @property
    def day_totals(self) -> list[int]:
        return [sum(row.cells[i].minutes for row in self.rows) for i in range(7)]

    @property
    def total(self) -> int:
        return sum(row.minutes for row in self.rows)

    @property
    def drafts(self) -> int:
        return sum(
            1
            for row in self.rows
            for cell in row.cells
            for entry in cell.entries
            if entry.status == EntryStatus.DRAFT and not entry.is_billed
        )

    @property
    def row_keys(self) -> list[str]:
        return [row.ticket.key for row in self.rows]

    def warnings(self) -> list[str]:
        """Return the week's warnings: long days, duplicates, closed tickets."""
        found = []
        for day, minutes in zip(self.days, self.day_totals, strict=True):
            if message := long_day_warning(day, minutes):
                found.append(message)
        for row in self.rows:
            for cell in row.cells:
                if cell.has_duplicate:
                    found.append(_duplicate_message(cell))
            if message := row.closed_warning:
                found.append(message)
        return found

    def cell(self, ticket_id: int, day: date) -> GridCell | None:
        for row in self.rows:
            if row.ticket.id == ticket_id:
                return row.cells[(day - self.monday).days]
        return None


def _duplicate_message(cell: GridCell) -> str:
    durations = [entry.minutes for entry in cell.entries]
    repeated = next(minutes for minutes in durations if durations.count(minutes) > 1)
    return duplicate_warning(cell.ticket, cell.day, repeated)


def build_week_grid(
    agent_id: int, monday: date, extra_keys: Iterable[str], today: date
) -> WeekGrid:
    """Return the grid of agent's week from monday, with the extra ticket rows."""
    sunday = monday + timedelta(days=6)
    query = (
        select(TimeEntry)
        .where(TimeEntry.agent_id == agent_id)
        .where(TimeEntry.work_date.between(monday, sunday))
        .options(joinedload(TimeEntry.ticket))
        .order_by(TimeEntry.work_date, TimeEntry.created_at, TimeEntry.id)
    )
    by_ticket: dict[int, list[TimeEntry]] = defaultdict(list)
    tickets: dict[int, Ticket] = {}
    for entry in db.session.scalars(query):
        by_ticket[entry.ticket_id].append(entry)
        tickets[entry.ticket_id] = entry.ticket
    for ticket in tickets_by_keys(extra_keys):
        tickets.setdefault(ticket.id, ticket)

    rows = []
    for ticket in sorted(tickets.values(), key=lambda t: (t.key, t.id)):
        cells = [
            GridCell(ticket, day, is_future=day > today)
            for day in (monday + timedelta(days=offset) for offset in range(7))
        ]
        for entry in by_ticket[ticket.id]:
            cells[(entry.work_date - monday).days].entries.append(entry)
        rows.append(GridRow(ticket, cells))
    return WeekGrid(monday, today, rows)


def tickets_by_keys(keys: Iterable[str]) -> list[Ticket]:
    """Return the tickets with these exact keys, skipping unknown keys."""
    wanted = list(dict.fromkeys(key for key in keys if key))[:MAX_EXTRA_ROWS]
    if not wanted:
        return []
    return list(db.session.scalars(select(Ticket).where(Ticket.key.in_(wanted))))


def previous_week_keys(agent_id: int, monday: date) -> list[str]:
    """Return the keys of the tickets agent logged time on in the week before."""
    previous = monday - timedelta(days=7)
    query = (
        select(Ticket.key)
        .join(TimeEntry, TimeEntry.ticket_id == Ticket.id)
        .where(TimeEntry.agent_id == agent_id)
        .where(TimeEntry.work_date.between(previous, previous + timedelta(days=6)))
        .distinct()
        .order_by(Ticket.key)
    )
    return list(db.session.scalars(query))


def parse_row_keys(text: str | None) -> list[str]:
    """Return the ticket keys of a ?rows= value, at most MAX_EXTRA_ROWS."""
    keys = [key.strip()[:MAX_KEY_LENGTH] for key in (text or "").split(",")]
    return list(dict.fromkeys(key for key in keys if key))[:MAX_EXTRA_ROWS]
