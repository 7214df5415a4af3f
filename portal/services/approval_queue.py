"""The approval queue: which entries an approver sees, filtered, sorted and grouped.

Approvers see the entries of the agents in the teams they approve
(Team.approvers); admins see every entry. An approver who approves no team sees
nothing. The same scope decides which entries an approver may decide, so the
queue never shows an entry that its decision routes would refuse.

The queue and its groups hold QueueEntry rows, read-only copies of the columns
the queue shows, instead of ORM objects. Loading a page of 500 entries with
their agent, ticket, customer and activity took about 13 ms of CPU time as ORM
objects and about 4 ms as rows (median of 40 loads in one process, on the data
of bench/approval_queue.py). Decisions load the ORM entries themselves.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager, load_only

from portal.extensions import db
from portal.models import (
    ActivityType,
    Customer,
    EntryStatus,
    Role,
    Team,
    Ticket,
    TicketStatus,
    TimeEntry,
    User,
    team_approvers,
)

# Roles whose users log time; the agent filter offers them.
TIME_LOGGING_ROLES = (Role.AGENT, Role.APPROVER, Role.ADMIN)
# The queue page shows at most this many entries; the filters narrow it.
MAX_QUEUE_ENTRIES = 500
REVIEW_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.APPROVED, EntryStatus.REJECTED)
# The users the agent filter offers need only these columns.
_FILTER_USER_COLUMNS = (User.id, User.name, User.team_id)


class QueueSort(enum.StrEnum):
    # Waiting entries oldest first, decided entries newest first.
    DATE = "date"
    # Largest entries first; groups with the largest total first.
    SIZE = "size"


def week_start_of(day: date) -> date:
    """Return the Monday of the ISO week that contains day."""
    return day - timedelta(days=day.weekday())


def group_dom_id(agent_id: int, week_start: date) -> str:
    """Return the HTML id of the queue group of an agent and week."""
    return f"group-{agent_id}-{week_start.isoformat()}"


# Rows


@dataclass(slots=True)
class QueueAgent:
    """The agent (or decider) of a queue entry."""

    id: int
    name: str
    team_id: int | None


@dataclass(slots=True)
class QueueCustomer:
    id: int
    name: str


@dataclass(slots=True)
class QueueTicket:
    """The columns of an entry's ticket that the queue and its anomalies read."""

    id: int
    key: str
    title: str
    customer_id: int
    status: TicketStatus
    resolved_at: datetime | None
    customer: QueueCustomer


@dataclass(slots=True)
class QueueActivity:
    id: int
    name_it: str
    name_en: str

    def label(self, language: str) -> str:
        return self.name_it if language == "it" else self.name_en


@dataclass(slots=True)
class QueueEntry:
    """A time entry as the queue shows it, with the same attribute names as TimeEntry.

    It is a copy: changing it changes nothing in the database.
    """

    id: int
    ticket_id: int
    agent_id: int
    work_date: date
    start_time: time | None
    end_time: time | None
    minutes: int
    activity_type_id: int
    description: str
    internal_note: str
    is_billable: bool
    status: EntryStatus
    statement_id: int | None
    version: int
    decided_at: datetime | None
    rejection_reason: str | None
    agent: QueueAgent
    ticket: QueueTicket
    activity_type: QueueActivity
    decided_by: QueueAgent | None


# A row of the queue: a QueueEntry, or the ORM entry a decision just changed.
ShownEntry = TimeEntry | QueueEntry


# Scope


@dataclass(frozen=True)
class ApproverScope:
    """The teams whose entries one approver sees and decides.

    sees_all is true for admins, who see every agent's entries, including those
    of agents without a team.
    """

    user_id: int
    sees_all: bool
    teams: tuple[Team, ...] = ()

    @property
    def team_ids(self) -> frozenset[int]:
        return frozenset(team.id for team in self.teams)

    @property
    def is_empty(self) -> bool:
        """Whether the approver approves no team, so the queue is empty."""
        return not self.sees_all and not self.teams

    def allows_agent(self, agent: User | QueueAgent) -> bool:
        """Return whether the entries of agent are in this scope."""
        return self.sees_all or agent.team_id in self.team_ids

    def condition(self) -> sa.ColumnElement[bool]:
        """Return the SQL condition on User (the entry's agent) for this scope."""
        if self.sees_all:
            return sa.true()
        if not self.teams:
            return sa.false()
        return User.team_id.in_(sorted(self.team_ids))


def scope_for(user: User) -> ApproverScope:
    """Return the teams user approves: all of them for an admin."""
    query = sa.select(Team).order_by(sa.func.lower(Team.name), Team.id)
    if user.role != Role.ADMIN:
        query = query.join(team_approvers, team_approvers.c.team_id == Team.id).where(
            team_approvers.c.user_id == user.id
        )
    teams = tuple(db.session.scalars(query))
    return ApproverScope(user.id, user.role == Role.ADMIN, teams)


# Filters and groups


@dataclass(frozen=True)
class QueueFilter:
    """The filter and the order of the queue; a None filter value matches all."""

    team_id: int | None = None
    agent_id: int | None = None
    customer_id: int | None = None
    # The Monday of the week shown.
    week_start: date | None = None
    status: EntryStatus = EntryStatus.SUBMITTED
    sort: QueueSort = QueueSort.DATE

    @property
    def narrows(self) -> bool:
        """Whether a team, agent, customer or week leaves entries out."""
        chosen = (self.team_id, self.agent_id, self.customer_id, self.week_start)
        return any(value is not None for value in chosen)

    @property
    def is_active(self) -> bool:
        """Whether the queue differs from the default: all waiting entries by date."""
        default_view = (
            self.status == EntryStatus.SUBMITTED and self.sort == QueueSort.DATE
        )
        return self.narrows or not default_view

    @property
    def is_waiting_view(self) -> bool:
        return self.status == EntryStatus.SUBMITTED


@dataclass
class QueueGroup:
    """The entries of one agent in one ISO week that the queue shows together.

    seen_versions maps entry id to the version the approver was shown. When it is
    set, "Approve all" sends those versions instead of the current ones, so an
    entry changed after the page loaded is skipped by the group approval.
    """

    agent: QueueAgent
    week_start: date
    entries: list[QueueEntry] = field(default_factory=list)
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


@dataclass
class QueuePage:
    """The groups of one queue page; truncated when more entries matched."""

    groups: list[QueueGroup]
    truncated: bool

    @property
    def entries(self) -> list[QueueEntry]:
        return [entry for group in self.groups for entry in group.entries]

    @property
    def entry_count(self) -> int:
        return sum(len(group.entries) for group in self.groups)


# Queries

_DECIDER = aliased(User, name="decider")
# The columns of one queue row, in the order _RowReader._entry unpacks them.
_ROW_COLUMNS = (
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
    TimeEntry.statement_id,
    TimeEntry.version,
    TimeEntry.decided_at,
    TimeEntry.rejection_reason,
    User.name,
    User.team_id,
    Ticket.key,
    Ticket.title,
    Ticket.customer_id,
    Ticket.status,
    Ticket.resolved_at,
    Customer.name,
    ActivityType.name_it,
    ActivityType.name_en,
    TimeEntry.decided_by_id,
    _DECIDER.name,
    _DECIDER.team_id,
)


def _entries_query(scope: ApproverScope, filters: QueueFilter) -> sa.Select:
    # One query with the agent, ticket, customer and activity joined (and the
    # decider, outer-joined, for decided entries), so rendering hundreds of
    # rows issues no further SELECTs.
    query = (
        sa.select(*_ROW_COLUMNS)
        .select_from(TimeEntry)
        .join(TimeEntry.agent)
        .join(TimeEntry.ticket)
        .join(Ticket.customer)
        .join(TimeEntry.activity_type)
        .outerjoin(_DECIDER, TimeEntry.decided_by_id == _DECIDER.id)
        .where(TimeEntry.status == filters.status, scope.condition())
    )
    if filters.is_waiting_view:
        # Billed entries can no longer be decided, so they never wait.
        query = query.where(TimeEntry.statement_id.is_(None))
    return _narrow(query, filters)


class _RowReader:
    """Reader of result rows into QueueEntry objects that share agents and tickets."""

    def __init__(self) -> None:
        self.agents: dict[int, QueueAgent] = {}
        self.tickets: dict[int, QueueTicket] = {}
        self.customers: dict[int, QueueCustomer] = {}
        self.activities: dict[int, QueueActivity] = {}

    def read(self, rows: Iterable[sa.Row]) -> list[QueueEntry]:
        return [self._entry(row) for row in rows]

    def _entry(self, row: sa.Row) -> QueueEntry:
        (
            entry_id,
            ticket_id,
            agent_id,
            work_date,
            start_time,
            end_time,
            minutes,
            activity_id,
            description,
            internal_note,
            is_billable,
            status,
            statement_id,
            version,
            decided_at,
            rejection_reason,
            agent_name,
            agent_team_id,
            key,
            title,
            customer_id,
            ticket_status,
            resolved_at,
            customer_name,
            activity_name_it,
            activity_name_en,
            decider_id,
            decider_name,
            decider_team_id,
        ) = row
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = self.agents[agent_id] = QueueAgent(
                agent_id, agent_name, agent_team_id
            )
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            customer = self.customers.get(customer_id)
            if customer is None:
                customer = self.customers[customer_id] = QueueCustomer(
                    customer_id, customer_name
                )
            ticket = self.tickets[ticket_id] = QueueTicket(
                ticket_id, key, title, customer_id, ticket_status, resolved_at, customer
            )
        activity = self.activities.get(activity_id)
        if activity is None:
            activity = self.activities[activity_id] = QueueActivity(
                activity_id, activity_name_it, activity_name_en
            )
        decider = None
        if decider_id is not None:
            decider = self.agents.get(decider_id)
            if decider is None:
                decider = self.agents[decider_id] = QueueAgent(
                    decider_id, decider_name, decider_team_id
                )
        return QueueEntry(
            entry_id,
            ticket_id,
            agent_id,
            work_date,
            start_time,
            end_time,
            minutes,
            activity_id,
            description,
            internal_note,
            is_billable,
            status,
            statement_id,
            version,
            decided_at,
            rejection_reason,
            agent,
            ticket,
            activity,
            decider,
        )


def _load_entries(query: sa.Select) -> list[QueueEntry]:
    # The session's connection runs the query inside the request's transaction
    # without the ORM's result processing, which these plain rows do not need.
    return _RowReader().read(db.session.connection().execute(query))


def _narrow(query: sa.Select, filters: QueueFilter) -> sa.Select:
    if filters.team_id is not None:
        query = query.where(User.team_id == filters.team_id)
    if filters.agent_id is not None:
        query = query.where(TimeEntry.agent_id == filters.agent_id)
    if filters.customer_id is not None:
        query = query.where(Ticket.customer_id == filters.customer_id)
    if filters.week_start is not None:
        week_end = filters.week_start + timedelta(days=6)
        query = query.where(TimeEntry.work_date.between(filters.week_start, week_end))
    return query


def _ordered(query: sa.Select, filters: QueueFilter) -> sa.Select:
    if filters.sort == QueueSort.SIZE:
        return query.order_by(
            TimeEntry.minutes.desc(), TimeEntry.work_date, TimeEntry.id
        )
    if filters.is_waiting_view:
        return query.order_by(TimeEntry.work_date, Ticket.key, TimeEntry.id)
    return query.order_by(TimeEntry.work_date.desc(), Ticket.key, TimeEntry.id.desc())


def load_queue(
    scope: ApproverScope, filters: QueueFilter, limit: int | None = None
) -> QueuePage:
    """Return the entries in scope that match filters, grouped by agent and week.

    At most limit entries (default MAX_QUEUE_ENTRIES) are loaded.
    """
    limit = limit or MAX_QUEUE_ENTRIES
    query = _ordered(_entries_query(scope, filters), filters).limit(limit + 1)
    entries = _load_entries(query)
    truncated = len(entries) > limit
    return QueuePage(_group(entries[:limit], filters), truncated)


def _group(entries: Iterable[QueueEntry], filters: QueueFilter) -> list[QueueGroup]:
    groups: dict[tuple[int, date], QueueGroup] = {}
    for entry in entries:
        key = (entry.agent_id, week_start_of(entry.work_date))
        if key not in groups:
            groups[key] = QueueGroup(agent=entry.agent, week_start=key[1])
        groups[key].entries.append(entry)

    def by_date(group: QueueGroup):
        return (group.week_start, group.agent.name.casefold(), group.agent.id)

    if filters.sort == QueueSort.SIZE:
        return sorted(
            groups.values(), key=lambda group: (-group.total_minutes, *by_date(group))
        )
    newest_first = not filters.is_waiting_view
    ordered = sorted(groups.values(), key=by_date)
    if newest_first:
        # Newest week first, but agents still in name order within a week.
        ordered.sort(key=lambda group: group.week_start, reverse=True)
    return ordered


def load_group(
    scope: ApproverScope,
    agent_id: int,
    week_start: date,
    filters: QueueFilter,
    seen_versions: Mapping[int, int] | None = None,
) -> QueueGroup | None:
    """Return the group of an agent and week as the queue shows it now.

    With seen_versions, the group keeps only the entries the approver was shown.
    Returns None when the agent does not exist or is outside scope.
    """
    user = db.session.get(User, agent_id)
    if user is None or not scope.allows_agent(user):
        return None

    week_start = week_start_of(week_start)
    query = _entries_query(scope, filters).where(
        TimeEntry.agent_id == agent_id,
        TimeEntry.work_date.between(week_start, week_start + timedelta(days=6)),
    )
    if seen_versions is not None:
        query = query.where(TimeEntry.id.in_(list(seen_versions)))
    entries = _load_entries(_ordered(query, filters))

    seen = dict(seen_versions) if seen_versions is not None else None
    agent = QueueAgent(user.id, user.name, user.team_id)
    return QueueGroup(agent, week_start, entries, seen)


def count_waiting(scope: ApproverScope, filters: QueueFilter | None = None) -> int:
    """Return how many entries in scope wait for a decision, within filters if given.

    The status and sort of filters do not matter: only waiting entries count.
    """
    query = (
        sa.select(sa.func.count(TimeEntry.id))
        .join(TimeEntry.agent)
        .join(TimeEntry.ticket)
        .where(
            TimeEntry.status == EntryStatus.SUBMITTED,
            TimeEntry.statement_id.is_(None),
            scope.condition(),
        )
    )
    if filters is not None:
        query = _narrow(query, filters)
    return db.session.scalar(query) or 0


def filter_agents(scope: ApproverScope) -> list[User]:
    """Return the users whose entries the approver sees, by name, for the filter."""
    query = (
        sa.select(User)
        .options(load_only(*_FILTER_USER_COLUMNS))
        .order_by(sa.func.lower(User.name), User.id)
    )
    if scope.sees_all:
        query = query.where(User.role.in_(TIME_LOGGING_ROLES))
    else:
        query = query.where(scope.condition())
    return list(db.session.scalars(query))


def filter_customers() -> list[Customer]:
    """Return all customers, by name, for the customer filter."""
    query = sa.select(Customer).order_by(sa.func.lower(Customer.name), Customer.id)
    return list(db.session.scalars(query))


def load_entry(scope: ApproverScope, entry_id: int) -> TimeEntry | None:
    """Return one entry with its agent, ticket, customer and activity.

    Returns None unless the entry is in scope or is the approver's own, which
    the decisions refuse with a message of their own.
    """
    query = (
        sa.select(TimeEntry)
        .join(TimeEntry.agent)
        .join(TimeEntry.ticket)
        .join(Ticket.customer)
        .join(TimeEntry.activity_type)
        .where(
            TimeEntry.id == entry_id,
            sa.or_(scope.condition(), TimeEntry.agent_id == scope.user_id),
        )
        .options(
            contains_eager(TimeEntry.agent),
            contains_eager(TimeEntry.ticket).contains_eager(Ticket.customer),
            contains_eager(TimeEntry.activity_type),
        )
    )
    return db.session.scalar(query)
