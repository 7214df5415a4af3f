"""Fixtures for the approval queue tests: a signed-in team lead, agents and tickets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from approvals_helpers import MONDAY

from portal.models import Customer, EntryStatus, Role, Ticket, TimeEntry, User


@pytest.fixture
def approver(login_as) -> User:
    """Sign the client in as the team lead Laura Bianchi."""
    return login_as(Role.APPROVER, name="Laura Bianchi", email="lead@example.com")


@pytest.fixture
def agent(make_user) -> User:
    return make_user(Role.AGENT, name="Marco Rossi", email="marco@example.com")


@pytest.fixture
def other_agent(make_user) -> User:
    return make_user(Role.AGENT, name="Anna Verdi", email="anna@example.com")


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
