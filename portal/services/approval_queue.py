"""The approval queue: which entries an approver sees, filtered, sorted and grouped.

Approvers see the entries of the agents in the teams they approve
(Team.approvers); admins see every entry. An approver who approves no team sees
nothing. The same scope decides which entries an approver may decide, so the
queue never shows an entry that its decision routes would refuse.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from portal.extensions import db
from portal.models import (
    ActivityType,
    Customer,
    EntryStatus,
    Role,
    Team,
    Ticket,
    TimeEntry,
    User,
    team_approvers,
)

# Roles whose users log time; the agent filter offers them.
TIME_LOGGING_ROLES = (Role.AGENT, Role.APPROVER, Role.ADMIN)
# The queue page shows at most this many entries; the filters narrow it.
MAX_QUEUE_ENTRIES = 500
REVIEW_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.APPROVED, EntryStatus.REJECTED)
_AGENT_COLUMNS = (User.id, User.name, User.team_id)
_TICKET_COLUMNS = (
    Ticket.id,
    Ticket.key,
    Ticket.title,
    Ticket.customer_id,
    Ticket.status,
    Ticket.resolved_at,
)
_ACTIVITY_COLUMNS = (ActivityType.id, ActivityType.name_it, ActivityType.name_en)


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

    def allows_agent(self, agent: User) -> bool:
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


@dataclass
class QueuePage:
    """The groups of one queue page; truncated when more entries matched."""

    groups: list[QueueGroup]
    truncated: bool

    @property
    def entries(self) -> list[TimeEntry]:
        return [entry for group in self.groups for entry in group.entries]

    @property
    def entry_count(self) -> int:
        return sum(len(group.entries) for group in self.groups)


# Queries


def _entries_query(scope: ApproverScope, filters: QueueFilter) -> sa.Select:
    # One query with joined agent, ticket, customer and activity (and the
    # decider for decided entries), so rendering hundreds of rows issues no
    # further SELECTs. The joined rows load only the columns the queue shows.
    query = (
        sa.select(TimeEntry)
        .join(TimeEntry.agent)
        .join(TimeEntry.ticket)
        .join(Ticket.customer)
        .join(TimeEntry.activity_type)
        .where(TimeEntry.status == filters.status, scope.condition())
        .options(
            contains_eager(TimeEntry.agent).load_only(*_AGENT_COLUMNS),
            contains_eager(TimeEntry.ticket)
            .load_only(*_TICKET_COLUMNS)
            .contains_eager(Ticket.customer)
            .load_only(Customer.id, Customer.name),
            contains_eager(TimeEntry.activity_type).load_only(*_ACTIVITY_COLUMNS),
        )
    )
    if filters.is_waiting_view:
        # Billed entries can no longer be decided, so they never wait.
        return _narrow(query.where(TimeEntry.statement_id.is_(None)), filters)

    decider = aliased(User, name="decider")
    query = query.outerjoin(decider, TimeEntry.decided_by).options(
        contains_eager(TimeEntry.decided_by.of_type(decider)).load_only(
            decider.id, decider.name
        )
    )
    return _narrow(query, filters)


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
    entries = list(db.session.scalars(query))
    truncated = len(entries) > limit
    return QueuePage(_group(entries[:limit], filters), truncated)


def _group(entries: Iterable[TimeEntry], filters: QueueFilter) -> list[QueueGroup]:
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
    agent = db.session.get(User, agent_id)
    if agent is None or not scope.allows_agent(agent):
        return None

    week_start = week_start_of(week_start)
    query = _entries_query(scope, filters).where(
        TimeEntry.agent_id == agent_id,
        TimeEntry.work_date.between(week_start, week_start + timedelta(days=6)),
    )
    if seen_versions is not None:
        query = query.where(TimeEntry.id.in_(list(seen_versions)))
    entries = list(db.session.scalars(_ordered(query, filters)))

    seen = dict(seen_versions) if seen_versions is not None else None
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
    query = sa.select(User).order_by(sa.func.lower(User.name), User.id)
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
