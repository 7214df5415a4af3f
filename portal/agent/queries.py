"""Read-only queries behind the agent pages: ticket list, ticket log and week."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, load_only

from portal.extensions import db
from portal.models.billing import Statement
from portal.models.entries import EntryStatus, TimeEntry
from portal.models.tickets import Ticket, TicketStatus
from portal.models.users import User

TICKETS_PER_PAGE = 50
# Filter values besides the TicketStatus values, which select one status.
OPEN_FILTER = "active"
ALL_FILTER = "all"
OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)
# The quick-log ticket list: how many tickets it offers, how far back the
# agent's own recent tickets go, and how many typed words it matches.
SUGGESTION_LIMIT = 10
# Ticket.key is a String(32); longer text cannot be a key.
MAX_KEY_LENGTH = 32
RECENT_DAYS = 30
MAX_SUGGESTION_WORDS = 6


@dataclass(frozen=True)
class TicketSuggestion:
    """A ticket offered by the quick-log list. is_recent marks the agent's own."""

    ticket: Ticket
    is_recent: bool


@dataclass
class EntryTotals:
    """Minutes logged on a set of entries: all, billable and approved."""

    total: int = 0
    billable: int = 0
    approved: int = 0

    @classmethod
    def of(cls, entries: Iterable[TimeEntry]) -> EntryTotals:
        totals = cls()
        for entry in entries:
            totals.total += entry.minutes
            if entry.is_billable:
                totals.billable += entry.minutes
            if entry.status == EntryStatus.APPROVED:
                totals.approved += entry.minutes
        return totals


@dataclass
class WeekDay:
    """One day of an agent's week with its entries and their minutes."""

    day: date
    entries: list[TimeEntry] = field(default_factory=list)

    @property
    def minutes(self) -> int:
        return sum(entry.minutes for entry in self.entries)


def search_tickets(text: str, status_filter: str, page: int) -> Pagination:
    """Return one page of tickets matching every word of text, newest first.

    A word matches the ticket key or title, ignoring case. status_filter is
    OPEN_FILTER, ALL_FILTER or a TicketStatus value.
    """
    query = select(Ticket).options(
        joinedload(Ticket.customer), joinedload(Ticket.category)
    )
    # NOTE: SQLite's lower() folds only ASCII letters, so there "PERCHÉ"
    # does not find "perché". PostgreSQL's ILIKE folds both.
    query = _match_words(query, text.split())
    query = _filter_status(query, status_filter)
    query = query.order_by(Ticket.opened_at.desc(), Ticket.id.desc())
    return db.paginate(
        query, page=page, per_page=TICKETS_PER_PAGE, max_per_page=None, error_out=False
    )


def _filter_status(query: Select, status_filter: str) -> Select:
    if status_filter == ALL_FILTER:
        return query
    if status_filter in {status.value for status in TicketStatus}:
        return query.where(Ticket.status == TicketStatus(status_filter))
    return query.where(Ticket.status.in_(OPEN_STATUSES))


def logged_minutes(ticket_ids: Sequence[int]) -> dict[int, int]:
    """Return the minutes logged on each ticket, in any entry status."""
    if not ticket_ids:
        return {}
    query = (
        select(TimeEntry.ticket_id, func.sum(TimeEntry.minutes))
        .where(TimeEntry.ticket_id.in_(ticket_ids))
        .group_by(TimeEntry.ticket_id)
    )
    return {ticket_id: int(minutes) for ticket_id, minutes in db.session.execute(query)}


def find_ticket_by_key(key: str) -> Ticket | None:
    """Return the ticket with key, matched exactly or else ignoring case.

    Unlike find_ticket() it loads no related rows, which the quick-log post
    and the week grid do not show.
    """
    if not key:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.key == key))
    if ticket is not None:
        return ticket
    query = select(Ticket).where(func.lower(Ticket.key) == key.lower()).limit(2)
    matches = list(db.session.scalars(query))
    return matches[0] if len(matches) == 1 else None


def _match_words(query: Select, words: Sequence[str]) -> Select:
    for word in words:
        query = query.where(
            or_(
                Ticket.key.icontains(word, autoescape=True),
                Ticket.title.icontains(word, autoescape=True),
            )
        )
    return query


def ticket_suggestions(
    agent_id: int, text: str, today: date, limit: int = SUGGESTION_LIMIT
) -> list[TicketSuggestion]:
    """Return tickets for the quick-log list that match every word of text.

    First the tickets the agent logged time on in the last 30 days, most
    recent first, then open tickets, newest first. A ticket whose key is the
    whole text comes first whatever its status.
    """
    words = text.split()[:MAX_SUGGESTION_WORDS]
    found: list[TicketSuggestion] = []
    exact = find_ticket_by_key(text.strip()) if len(words) == 1 else None
    if exact is not None:
        found.append(TicketSuggestion(exact, is_recent=False))

    recent = _recent_tickets(agent_id, words, today, limit)
    found += [TicketSuggestion(t, is_recent=True) for t in recent if t is not exact]
    seen = [suggestion.ticket.id for suggestion in found]
    if len(found) < limit:
        query = (
            select(Ticket)
            .options(joinedload(Ticket.customer))
            .where(Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
            .limit(limit - len(found))
        )
        if seen:
            query = query.where(Ticket.id.not_in(seen))
        found += [
            TicketSuggestion(t, is_recent=False)
            for t in db.session.scalars(_match_words(query, words))
        ]
    return found[:limit]


def _recent_tickets(
    agent_id: int, words: Sequence[str], today: date, limit: int
) -> list[Ticket]:
    last_logged = (
        select(
            TimeEntry.ticket_id,
            func.max(TimeEntry.work_date).label("last_day"),
            func.max(TimeEntry.id).label("last_id"),
        )
        .where(TimeEntry.agent_id == agent_id)
        .where(TimeEntry.work_date >= today - timedelta(days=RECENT_DAYS))
        .group_by(TimeEntry.ticket_id)
        .subquery()
    )
    query = (
        select(Ticket)
        .join(last_logged, last_logged.c.ticket_id == Ticket.id)
        .options(joinedload(Ticket.customer))
        .order_by(last_logged.c.last_day.desc(), last_logged.c.last_id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(_match_words(query, words)))


def find_ticket(key: str) -> Ticket | None:
    """Return the ticket with key, its customer and category loaded, or None."""
    query = (
        select(Ticket)
        .where(Ticket.key == key)
        .options(joinedload(Ticket.customer), joinedload(Ticket.category))
    )
    return db.session.scalar(query)


def _with_entry_details(query: Select) -> Select:
    # One query for any number of entries: the page shows each entry's agent,
    # activity and statement number.
    return query.options(
        joinedload(TimeEntry.agent, innerjoin=True).load_only(User.id, User.name),
        joinedload(TimeEntry.activity_type, innerjoin=True),
        joinedload(TimeEntry.statement).load_only(Statement.id, Statement.number),
    )


# The columns the time log shows. Skipping the timestamps saves converting
# thousands of values on a long log. Code that reads them later lazy-loads them.
LOG_COLUMNS = (
    TimeEntry.id,
    TimeEntry.ticket_id,
    TimeEntry.agent_id,
    TimeEntry.work_date,
    TimeEntry.start_time,
    TimeEntry.end_time,
    TimeEntry.minutes,
    TimeEntry.activity_type_id,
    TimeEntry.description,
    TimeEntry.internal_note,
    TimeEntry.is_billable,
    TimeEntry.status,
    TimeEntry.rejection_reason,
    TimeEntry.statement_id,
    TimeEntry.version,
)


def ticket_entries(ticket: Ticket) -> list[TimeEntry]:
    """Return every agent's entries on ticket, newest work date first."""
    query = _with_entry_details(
        select(TimeEntry)
        .options(load_only(*LOG_COLUMNS))
        .where(TimeEntry.ticket_id == ticket.id)
        .order_by(
            TimeEntry.work_date.desc(), TimeEntry.created_at.desc(), TimeEntry.id.desc()
        )
    )
    return list(db.session.scalars(query))


def find_entry(entry_id: int) -> TimeEntry | None:
    """Return the entry with its ticket, agent, activity and statement loaded."""
    query = _with_entry_details(
        select(TimeEntry)
        .where(TimeEntry.id == entry_id)
        .options(joinedload(TimeEntry.ticket))
    )
    return db.session.scalar(query)


def week_start(day: date) -> date:
    """Return the Monday of the week that contains day."""
    return day - timedelta(days=day.weekday())


def agent_week(agent_id: int, monday: date) -> list[WeekDay]:
    """Return the seven days from monday, each with the agent's entries."""
    days = [WeekDay(monday + timedelta(days=offset)) for offset in range(7)]
    query = _with_entry_details(
        select(TimeEntry)
        .where(TimeEntry.agent_id == agent_id)
        .where(TimeEntry.work_date.between(monday, days[-1].day))
        .options(joinedload(TimeEntry.ticket).joinedload(Ticket.customer))
        .order_by(TimeEntry.work_date, TimeEntry.created_at, TimeEntry.id)
    )
    for entry in db.session.scalars(query):
        days[(entry.work_date - monday).days].entries.append(entry)
    return days


def rejected_entries(agent_id: int) -> list[TimeEntry]:
    """Return agent's rejected entries, most recently decided first."""
    query = _with_entry_details(
        select(TimeEntry)
        .where(TimeEntry.agent_id == agent_id)
        .where(TimeEntry.status == EntryStatus.REJECTED)
        .where(TimeEntry.statement_id.is_(None))
        .options(
            joinedload(TimeEntry.ticket),
            joinedload(TimeEntry.decided_by).load_only(User.id, User.name),
        )
        .order_by(TimeEntry.decided_at.desc().nulls_last(), TimeEntry.id.desc())
    )
    return list(db.session.scalars(query))
