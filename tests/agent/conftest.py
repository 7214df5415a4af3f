"""Fixtures for the agent pages' tests: an agent, a ticket, activities, statements."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import (
    ActivityType,
    Customer,
    Role,
    Statement,
    Ticket,
    User,
)


@pytest.fixture
def agent(login_as) -> User:
    """Sign the test client in as an agent who reads English."""
    return login_as(Role.AGENT, name="Anna Agente")


@pytest.fixture
def ticket(make_customer, make_ticket) -> Ticket:
    customer = make_customer(name="Rossi Srl")
    return make_ticket(customer, key="ASS-100", title="Stampante in rete non stampa")


@pytest.fixture
def make_activity() -> Callable[..., ActivityType]:
    def factory(
        code: str,
        name_en: str,
        name_it: str = "",
        is_billable: bool = True,
        is_active: bool = True,
        position: int = 0,
    ) -> ActivityType:
        activity = ActivityType(
            code=code,
            name_en=name_en,
            name_it=name_it or name_en,
            is_billable=is_billable,
            is_active=is_active,
            position=position,
        )
        db.session.add(activity)
        db.session.commit()
        return activity

    return factory


@pytest.fixture
def make_statement() -> Callable[..., Statement]:
    def factory(customer: Customer, issued_by: User, number: str) -> Statement:
        year = int(number.split("-")[0])
        statement = Statement(
            customer_id=customer.id,
            period_start=date(year, 11, 1),
            period_end=date(year, 11, 30),
            year=year,
            sequence=int(number.split("-")[1]),
            number=number,
            language="it",
            hourly_rate=Decimal("60.00"),
            total_minutes=0,
            total_amount=Decimal("0.00"),
            customer_name=customer.name,
            pdf=b"%PDF-1.7",
            pdf_sha256="0" * 64,
            issued_by_id=issued_by.id,
        )
        db.session.add(statement)
        db.session.commit()
        return statement

    return factory
