"""Fixtures for the approval queue tests: a signed-in team lead, agents and tickets.

The lead approves the team "Help desk", which Marco Rossi and Anna Verdi are in,
so the queue shows their entries.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from approvals_helpers import MONDAY

from portal.extensions import db
from portal.models import Customer, EntryStatus, Role, Team, Ticket, TimeEntry, User


@pytest.fixture
def team() -> Team:
    team = Team(name="Help desk")
    db.session.add(team)
    db.session.commit()
    return team


@pytest.fixture
def approver(login_as, team) -> User:
    """Sign the client in as the team lead Laura Bianchi, approver of the team."""
    lead = login_as(Role.APPROVER, name="Laura Bianchi", email="lead@example.com")
    team.approvers.append(lead)
    db.session.commit()
    return lead


@pytest.fixture
def agent(make_user, team) -> User:
    return _member(
        make_user(Role.AGENT, name="Marco Rossi", email="marco@example.com"), team
    )


@pytest.fixture
def other_agent(make_user, team) -> User:
    return _member(
        make_user(Role.AGENT, name="Anna Verdi", email="anna@example.com"), team
    )


def _member(user: User, team: Team) -> User:
    user.team = team
    db.session.commit()
    return user


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
