"""Fixtures for the approver tests: two teams, their leads and agents, tickets.

Laura Bianchi (signed in as `lead`) approves the team "Help desk", whose agents
are Marco Rossi and Anna Verdi. Piero Gallo is in the team "Networks", which
Laura does not approve.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from approvals_speed.helpers import MONDAY
from portal.extensions import db
from portal.models import Customer, EntryStatus, Role, Team, Ticket, TimeEntry, User


@pytest.fixture
def request_context(app):
    """Give a service a request in English, for its translated messages."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def make_team() -> Callable[..., Team]:
    def factory(name: str, approvers=(), members=()) -> Team:
        team = Team(name=name)
        team.approvers.extend(approvers)
        db.session.add(team)
        for member in members:
            member.team = team
        db.session.commit()
        return team

    return factory


@pytest.fixture
def help_desk(make_team) -> Team:
    return make_team("Help desk")


@pytest.fixture
def networks(make_team) -> Team:
    return make_team("Networks")


def _join(user: User, team: Team) -> User:
    user.team = team
    db.session.commit()
    return user


@pytest.fixture
def lead(login_as, help_desk) -> User:
    """Sign the client in as Laura Bianchi, approver of the help desk."""
    user = login_as(Role.APPROVER, name="Laura Bianchi", email="lead@example.com")
    help_desk.approvers.append(user)
    db.session.commit()
    return user


@pytest.fixture
def agent(make_user, help_desk) -> User:
    user = make_user(Role.AGENT, name="Marco Rossi", email="marco@example.com")
    return _join(user, help_desk)


@pytest.fixture
def other_agent(make_user, help_desk) -> User:
    user = make_user(Role.AGENT, name="Anna Verdi", email="anna@example.com")
    return _join(user, help_desk)


@pytest.fixture
def outsider(make_user, networks) -> User:
    """An agent of a team the lead does not approve."""
    user = make_user(Role.AGENT, name="Piero Gallo", email="piero@example.com")
    return _join(user, networks)


@pytest.fixture
def customer(make_customer) -> Customer:
    return make_customer(name="Rossi Impianti Srl")


@pytest.fixture
def ticket(make_ticket, customer) -> Ticket:
    return make_ticket(customer, key="ASS-1001", title="Stampante non risponde")


@pytest.fixture
def submit(make_entry) -> Callable[..., TimeEntry]:
    """Create a submitted entry, by default on MONDAY. Takes make_entry's arguments."""

    def factory(ticket: Ticket, agent: User, **kwargs) -> TimeEntry:
        kwargs.setdefault("work_date", MONDAY)
        return make_entry(ticket, agent, status=EntryStatus.SUBMITTED, **kwargs)

    return factory


@pytest.fixture
def approve(make_user) -> Callable[..., TimeEntry]:
    """Mark an entry approved by a colleague, as if decided earlier."""

    def factory(entry: TimeEntry, by: User | None = None) -> TimeEntry:
        colleague = by or make_user(Role.APPROVER, name="Giulia Neri")
        entry.status = EntryStatus.APPROVED
        entry.decided_by = colleague
        entry.decided_at = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
        db.session.commit()
        return entry

    return factory
