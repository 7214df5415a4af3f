"""Fixtures for the quick-log bar, timer, week grid and rejected list tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from portal.extensions import db
from portal.models import ActivityType, Role, Ticket, User


@pytest.fixture
def agent(login_as) -> User:
    """Sign the test client in as an agent who reads English."""
    return login_as(Role.AGENT, name="Anna Agente")


@pytest.fixture
def customer(make_customer):
    return make_customer(name="Rossi Srl")


@pytest.fixture
def ticket(customer, make_ticket) -> Ticket:
    return make_ticket(customer, key="ASS-100", title="Stampante in rete non stampa")


@pytest.fixture
def make_activity() -> Callable[..., ActivityType]:
    def factory(
        code: str,
        name_en: str,
        is_billable: bool = True,
        is_active: bool = True,
        position: int = 0,
    ) -> ActivityType:
        activity = ActivityType(
            code=code,
            name_en=name_en,
            name_it=name_en,
            is_billable=is_billable,
            is_active=is_active,
            position=position,
        )
        db.session.add(activity)
        db.session.commit()
        return activity

    return factory
