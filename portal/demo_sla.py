"""Status history for the demo tickets, so their SLA clocks pause while they wait.

portal.demo.seed_demo sets each ticket's final status and its SLA times but
records no status changes. add_demo_status_history adds a history that ends
in that status. A ticket goes in progress at its first response, and some
tickets wait for the customer once in the middle of their life. Tickets in
status WAITING wait from the evening of their last day of work until now.
Resolved and closed tickets change status at their resolution.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from portal.demo import SEED
from portal.models import (
    Role,
    Ticket,
    TicketStatus,
    TicketStatusChange,
    TimeEntry,
    User,
)

# Share of tickets that waited for the customer once before their end.
PAST_WAIT_SHARE = 0.35
# A closed ticket closes this many days after its resolution, or now.
CLOSE_AFTER_DAYS = (2, 6)

# One step of a ticket's history: when, and the status it changes to.
Step = tuple[datetime, TicketStatus]


def add_demo_status_history(session: Session, today: date | None = None) -> int:
    """Add status changes to the demo tickets and return how many rows were added.

    today is the day the demo was seeded for, None for the current date, as
    seed_demo takes it. Tickets that already have a history are skipped, so
    a second call adds nothing. The caller commits.
    """
    now = _demo_now(today)
    agents = session.scalars(
        sa.select(User).where(User.role == Role.AGENT).order_by(User.id)
    ).all()
    with_history = sa.select(TicketStatusChange.ticket_id)
    tickets = session.scalars(
        sa.select(Ticket).where(Ticket.id.not_in(with_history)).order_by(Ticket.id)
    ).all()
    last_work = _last_work_dates(session)

    rows = []
    for ticket in tickets:
        rng = random.Random(f"{SEED}-{ticket.key}")
        steps = _history(rng, ticket, last_work.get(ticket.id), now)
        rows.extend(_rows(rng, ticket, steps, agents))
    session.add_all(rows)
    session.flush()
    return len(rows)


def _demo_now(today: date | None) -> datetime:
    """Return the instant the demo data treats as now, the way seed_demo does."""
    if today is None:
        return datetime.now(UTC)
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return datetime.combine(today, time(19, 0), tzinfo=zone).astimezone(UTC)


def _last_work_dates(session: Session) -> dict[int, date]:
    query = sa.select(TimeEntry.ticket_id, sa.func.max(TimeEntry.work_date)).group_by(
        TimeEntry.ticket_id
    )
    return {ticket_id: day for ticket_id, day in session.execute(query)}


def _history(
    rng: random.Random, ticket: Ticket, last_work: date | None, now: datetime
) -> list[Step]:
    """Return the steps from the first response to the ticket's current status."""
    response = ticket.first_response_at
    if response is None or ticket.status == TicketStatus.OPEN:
        # Untouched, or waiting for its first reply: the status never changed.
        return []

    steps: list[Step] = [(response, TicketStatus.IN_PROGRESS)]
    end = ticket.resolved_at or now
    if ticket.status == TicketStatus.WAITING:
        steps.append((_wait_start(ticket, last_work, now), TicketStatus.WAITING))
    elif rng.random() < PAST_WAIT_SHARE:
        steps.extend(_past_wait(rng, response, end))

    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        steps.append((end, TicketStatus.RESOLVED))
    if ticket.status == TicketStatus.CLOSED:
        closed_at = end + timedelta(days=rng.randint(*CLOSE_AFTER_DAYS))
        steps.append((min(closed_at, now), TicketStatus.CLOSED))
    return _strictly_increasing(steps)


def _wait_start(ticket: Ticket, last_work: date | None, now: datetime) -> datetime:
    """Return 17:30 local time of the ticket's last day of work, within its life."""
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    day = last_work or ticket.first_response_at.astimezone(zone).date()
    evening = datetime.combine(day, time(17, 30), tzinfo=zone).astimezone(UTC)
    return min(max(evening, ticket.first_response_at), now)


def _past_wait(rng: random.Random, start: datetime, end: datetime) -> list[Step]:
    """Return a wait that begins and ends strictly between start and end."""
    span = end - start
    if span < timedelta(hours=2):
        return []
    wait_start = start + span * rng.uniform(0.2, 0.5)
    wait_end = wait_start + span * rng.uniform(0.1, 0.3)
    return [
        (_whole_minute(wait_start), TicketStatus.WAITING),
        (_whole_minute(wait_end), TicketStatus.IN_PROGRESS),
    ]


def _whole_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def _strictly_increasing(steps: list[Step]) -> list[Step]:
    """Return the steps in strictly increasing time, ending in the last status.

    Capping at now can give two steps the same instant, such as a resolution
    and a closure both at now. The later status then replaces the earlier
    one, and a step that repeats the status before it is dropped.
    """
    merged: list[Step] = []
    for moment, status in steps:
        if merged and moment <= merged[-1][0]:
            merged[-1] = (merged[-1][0], status)
        else:
            merged.append((moment, status))

    kept: list[Step] = []
    previous = TicketStatus.OPEN
    for moment, status in merged:
        if status != previous:
            kept.append((moment, status))
            previous = status
    return kept


def _rows(
    rng: random.Random, ticket: Ticket, steps: list[Step], agents: Sequence[User]
) -> list[TicketStatusChange]:
    rows = []
    previous = TicketStatus.OPEN
    for moment, status in steps:
        actor = rng.choice(agents) if agents else None
        rows.append(
            TicketStatusChange(
                ticket_id=ticket.id,
                from_status=previous,
                to_status=status,
                changed_at=moment,
                changed_by_id=actor.id if actor is not None else None,
            )
        )
        previous = status
    return rows
