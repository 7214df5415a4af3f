"""Fixtures for the resource tests: a team with its lead, agents, tickets, resources.

The lead Laura Bianchi approves the team "Help desk", which the agents Marco
Rossi and Anna Verdi are in. Each test signs the client in as whom it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    Customer,
    EntryStatus,
    ResourceEntry,
    Role,
    Team,
    Ticket,
    User,
)
from portal.services.billing_rules.lines import ResourceKind
from tests.conftest import login

WORK_DAY = date(2026, 11, 10)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def team() -> Team:
    team = Team(name="Help desk")
    db.session.add(team)
    db.session.commit()
    return team


def _member(user: User, team: Team) -> User:
    user.team = team
    db.session.commit()
    return user


@pytest.fixture
def lead(make_user, team) -> User:
    lead = make_user(Role.APPROVER, name="Laura Bianchi", email="lead@example.com")
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


@pytest.fixture
def customer(make_customer) -> Customer:
    return make_customer(name="Rossi Impianti Srl")


@pytest.fixture
def other_customer(make_customer) -> Customer:
    return make_customer(name="Bianchi Trasporti Spa")


@pytest.fixture
def ticket(customer, make_ticket) -> Ticket:
    return make_ticket(customer, key="ASS-100", title="Stampante in rete")


@pytest.fixture
def other_ticket(other_customer, make_ticket) -> Ticket:
    return make_ticket(other_customer, key="BETA-9", title="BETA-TITLE-MARKER")


@pytest.fixture
def sign_in(client) -> Callable[[User], User]:
    """Sign the test client in as user through the login form."""

    def factory(user: User) -> User:
        response = login(client, user)
        assert response.status_code == 303, response.get_data(as_text=True)
        return user

    return factory


@pytest.fixture
def make_resource() -> Callable[..., ResourceEntry]:
    def factory(
        ticket: Ticket,
        agent: User,
        kind: ResourceKind = ResourceKind.MILEAGE,
        quantity: str = "12.50",
        status: EntryStatus = EntryStatus.DRAFT,
        work_date: date = WORK_DAY,
        description: str = "Milano - Brescia",
        unit_price: str | None = None,
        internal_note: str = "",
        decided_by: User | None = None,
    ) -> ResourceEntry:
        resource = ResourceEntry(
            ticket=ticket,
            agent=agent,
            kind=kind,
            quantity=Decimal(quantity),
            status=status,
            work_date=work_date,
            description=description,
            unit_price=Decimal(unit_price) if unit_price is not None else None,
            internal_note=internal_note,
        )
        if status != EntryStatus.DRAFT:
            resource.submitted_at = datetime.now(UTC)
        if decided_by is not None:
            resource.decided_by = decided_by
            resource.decided_at = datetime.now(UTC)
        db.session.add(resource)
        db.session.commit()
        return resource

    return factory
