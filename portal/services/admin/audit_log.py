"""Browse the audit trail: filtered, newest first, 50 rows a page.

Pages are cut by keyset (the occurred_at and id of the last row shown), not by
offset, so a page deep in a large table costs as much as the first one. The
filters map to the table's indexes on occurred_at, actor_id and
(object_type, object_id); an object id is only searched together with its type.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import current_language
from portal.models import (
    ActivityType,
    AuditEvent,
    Category,
    Contract,
    Customer,
    Statement,
    Team,
    Ticket,
    TimeEntry,
    User,
)
from portal.services.admin import PAGE_SIZE

logger = logging.getLogger(__name__)

NameLoader = Callable[[list[int]], list[tuple[int, str]]]

# Fields of before/after values that hold the id of a row of another table.
REFERENCE_FIELDS = {
    "actor_id": "users",
    "agent_id": "users",
    "approver_ids": "users",
    "created_by_id": "users",
    "decided_by_id": "users",
    "issued_by_id": "users",
    "member_ids": "users",
    "user_id": "users",
    "customer_id": "customers",
    "contract_id": "contracts",
    "team_id": "teams",
    "activity_type_id": "activity_types",
    "category_id": "categories",
    "ticket_id": "tickets",
    "statement_id": "statements",
}


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit log; None matches all.

    system_only selects the events without an actor (commands and jobs).
    start is inclusive and end exclusive, both aware UTC datetimes.
    """

    actor_id: int | None = None
    system_only: bool = False
    object_type: str | None = None
    object_id: int | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of events, newest first, with the cursors of its neighbours.

    older_than is the id to pass for the next older page, newer_than the id for
    the next newer one; None means there is no such page.
    """

    events: list[AuditEvent]
    older_than: int | None
    newer_than: int | None


def find_events(
    filters: AuditFilter,
    older_than: int | None = None,
    newer_than: int | None = None,
    limit: int = PAGE_SIZE,
) -> AuditPage:
    """Return the page of events after (older_than) or before (newer_than) a cursor."""
    query = _filtered(filters).options(joinedload(AuditEvent.actor))
    cursor = _cursor(older_than if older_than is not None else newer_than)

    if cursor is not None and newer_than is not None:
        return _newer_page(query, cursor, limit)

    if cursor is not None:
        occurred_at, event_id = cursor
        query = query.where(
            AuditEvent.occurred_at <= occurred_at,
            sa.or_(AuditEvent.occurred_at < occurred_at, AuditEvent.id < event_id),
        )
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    events = list(db.session.scalars(query.limit(limit + 1)))

    has_older = len(events) > limit
    events = events[:limit]
    return AuditPage(
        events=events,
        older_than=events[-1].id if has_older else None,
        newer_than=events[0].id if cursor is not None and events else None,
    )


def _newer_page(
    query: sa.Select, cursor: tuple[datetime, int], limit: int
) -> AuditPage:
    occurred_at, event_id = cursor
    query = query.where(
        AuditEvent.occurred_at >= occurred_at,
        sa.or_(AuditEvent.occurred_at > occurred_at, AuditEvent.id > event_id),
    ).order_by(AuditEvent.occurred_at.asc(), AuditEvent.id.asc())
    events = list(db.session.scalars(query.limit(limit + 1)))

    has_newer = len(events) > limit
    events = list(reversed(events[:limit]))
    return AuditPage(
        events=events,
        # The cursor row itself is older than every row of this page.
        older_than=events[-1].id if events else None,
        newer_than=events[0].id if has_newer else None,
    )


def _filtered(filters: AuditFilter) -> sa.Select:
    query = sa.select(AuditEvent)
    if filters.system_only:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
        if filters.object_id is not None:
            query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.start is not None:
        query = query.where(AuditEvent.occurred_at >= filters.start)
    if filters.end is not None:
        query = query.where(AuditEvent.occurred_at < filters.end)
    return query


def _cursor(event_id: int | None) -> tuple[datetime, int] | None:
    if event_id is None:
        return None
    occurred_at = db.session.scalar(
        sa.select(AuditEvent.occurred_at).where(AuditEvent.id == event_id)
    )
    if occurred_at is None:
        logger.info("audit page cursor %s not found; showing the newest", event_id)
        return None
    return occurred_at, event_id


def actor_choices() -> list[User]:
    """Return every user, by name, for the actor filter."""
    query = sa.select(User).order_by(sa.func.lower(User.name), User.id)
    return list(db.session.scalars(query))


# Names of the objects and referenced rows shown on a page


def load_names(ids_by_type: dict[str, set[int]]) -> dict[tuple[str, int], str]:
    """Return a display name for each (table name, id), with one query per table.

    Unknown tables and ids are left out, so callers fall back to "#id".
    """
    names: dict[tuple[str, int], str] = {}
    for table, ids in ids_by_type.items():
        loader = _NAME_LOADERS.get(table)
        if loader is None or not ids:
            continue
        for row_id, name in loader(sorted(ids)):
            names[(table, row_id)] = name
    return names


def entry_ticket_keys(entry_ids: Iterable[int]) -> dict[int, str]:
    """Return the ticket key of each time entry id, for links to its ticket."""
    ids = sorted(set(entry_ids))
    if not ids:
        return {}
    query = (
        sa.select(TimeEntry.id, Ticket.key)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .where(TimeEntry.id.in_(ids))
    )
    return dict(db.session.execute(query).all())


def contract_customers(contract_ids: Iterable[int]) -> dict[int, int]:
    """Return the customer id of each contract id, for links to its page."""
    ids = sorted(set(contract_ids))
    if not ids:
        return {}
    query = sa.select(Contract.id, Contract.customer_id).where(Contract.id.in_(ids))
    return dict(db.session.execute(query).all())


def referenced_ids(events: Iterable[AuditEvent]) -> dict[str, set[int]]:
    """Collect the ids each page needs named: objects and referenced rows."""
    ids: dict[str, set[int]] = defaultdict(set)
    for event in events:
        ids[event.object_type].add(event.object_id)
        for values in (event.before or {}, event.after or {}):
            for field, value in values.items():
                table = REFERENCE_FIELDS.get(field)
                if table is not None:
                    ids[table].update(_as_ids(value))
    return ids


def _as_ids(value: object) -> list[int]:
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, int)]
    return []


def _column_names(model, label_column) -> NameLoader:
    def load(ids: list[int]) -> list[tuple[int, str]]:
        query = sa.select(model.id, label_column).where(model.id.in_(ids))
        return [(row_id, str(label)) for row_id, label in db.session.execute(query)]

    return load


def _translated_names(model: type[ActivityType] | type[Category]) -> NameLoader:
    def load(ids: list[int]) -> list[tuple[int, str]]:
        language = current_language()
        rows = db.session.scalars(sa.select(model).where(model.id.in_(ids)))
        return [(row.id, row.label(language)) for row in rows]

    return load


_NAME_LOADERS: dict[str, NameLoader] = {
    "users": _column_names(User, User.name),
    "customers": _column_names(Customer, Customer.name),
    "contracts": _column_names(Contract, Contract.name),
    "teams": _column_names(Team, Team.name),
    "activity_types": _translated_names(ActivityType),
    "categories": _translated_names(Category),
    "tickets": _column_names(Ticket, Ticket.key),
    "statements": _column_names(Statement, Statement.number),
}
