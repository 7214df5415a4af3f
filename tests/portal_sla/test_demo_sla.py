"""Status history of the demo tickets, and the SLA pauses it gives them."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import portal.models.users
from portal.demo import seed_demo
from portal.demo_sla import add_demo_status_history
from portal.extensions import db
from portal.models import Ticket, TicketStatus, TicketStatusChange
from portal.services.sla import SlaStatus
from portal.services.sla_evidence import evaluate_ticket_sla, ticket_waiting_pauses

TODAY = date(2026, 11, 20)
NOW = datetime.combine(TODAY, time(19), tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)


@pytest.fixture
def demo(monkeypatch) -> int:
    """Seed the demo for TODAY and return the count of its status changes."""

    def hash_once(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    monkeypatch.setattr(portal.models.users, "generate_password_hash", hash_once)
    # seed_demo adds the status history itself.
    seed_demo(TODAY)
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count(TicketStatusChange.id)))


def all_tickets() -> list[Ticket]:
    return list(db.session.scalars(sa.select(Ticket).order_by(Ticket.id)))


def test_history_ends_in_ticket_status(demo):
    assert demo > 0
    for ticket in all_tickets():
        changes = ticket.status_changes
        if not changes:
            assert ticket.status == TicketStatus.OPEN, ticket.key
            continue
        assert changes[-1].to_status == ticket.status, ticket.key


def test_history_is_ordered_and_consistent(demo):
    for ticket in all_tickets():
        previous_status = TicketStatus.OPEN
        previous_time = ticket.opened_at
        for change in ticket.status_changes:
            assert change.from_status == previous_status, ticket.key
            assert change.to_status != change.from_status, ticket.key
            assert change.changed_at >= previous_time, ticket.key
            assert change.changed_at <= NOW, ticket.key
            assert change.changed_by_id is not None, ticket.key
            previous_status = change.to_status
            previous_time = change.changed_at


def test_history_has_past_and_ongoing_waits(demo):
    kinds = Counter()
    for ticket in all_tickets():
        for pause in ticket_waiting_pauses(ticket):
            kinds["ongoing" if pause.end is None else "past"] += 1

    assert kinds["past"] >= 3
    waiting = [t for t in all_tickets() if t.status == TicketStatus.WAITING]
    assert kinds["ongoing"] == len(waiting)


def test_waiting_demo_tickets_pause(demo):
    waiting = [t for t in all_tickets() if t.status == TicketStatus.WAITING]
    statuses = {
        evaluate_ticket_sla(ticket, NOW).result.resolution.status for ticket in waiting
    }

    assert waiting
    assert statuses <= {SlaStatus.PAUSED, SlaStatus.RUNNING_BREACHED}
    assert SlaStatus.PAUSED in statuses


def test_second_call_adds_nothing(demo):
    again = add_demo_status_history(db.session, TODAY)
    rows = db.session.scalar(sa.select(sa.func.count(TicketStatusChange.id)))

    assert again == 0
    assert rows == demo
