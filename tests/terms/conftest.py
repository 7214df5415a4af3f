"""Fixtures for the contract billing terms: a signed-in accountant, a contract,
a complete terms form and issued statements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Contract,
    Customer,
    Role,
    Statement,
    StatementStatus,
    User,
)

# Tests compare English messages, whatever the default language is.
ENGLISH = {"Accept-Language": "en"}

# Every field of the terms form for a time-and-materials contract, as an
# English user types it.
TERMS = {
    "valid_from": "2020-01-01",
    "valid_to": "",
    "billing_model": "time_and_materials",
    "hourly_rate": "60.00",
    "overage_rate": "",
    "monthly_fee": "",
    "monthly_included_minutes": "",
    "rounding_increment": "1",
    "rounding_direction": "up",
    "rounding_scope": "per_entry",
    "minimum_minutes": "0",
    "call_out_fee": "",
    "rate_per_km": "",
    "evening_multiplier": "1.00",
    "night_multiplier": "1.00",
    "saturday_multiplier": "1.00",
    "sunday_multiplier": "1.00",
    "holiday_multiplier": "1.00",
}


def terms_form(**changes: str) -> dict[str, str]:
    return {**TERMS, **changes}


def rome_today() -> date:
    """Return today in Rome, the test users' time zone."""
    return datetime.now(ZoneInfo("Europe/Rome")).date()


@pytest.fixture
def in_request(app: Flask) -> Iterator[None]:
    """Push an English request context, which gettext needs for service messages."""
    with app.test_request_context(headers=ENGLISH):
        yield


@pytest.fixture
def accountant(login_as) -> User:
    """Sign the test client in as an accountant who reads English."""
    return login_as(Role.ACCOUNTS, name="Anna Conti")


@pytest.fixture
def customer(make_customer) -> Customer:
    """A customer whose one contract runs from 1 January 2020, open-ended, at 60.00."""
    return make_customer(name="Rossi Srl")


@pytest.fixture
def contract(customer) -> Contract:
    return customer.contracts[0]


@pytest.fixture
def terms_url(contract) -> str:
    return f"/accounts/contracts/{contract.id}/terms"


@pytest.fixture
def rates_url(contract) -> str:
    return f"/accounts/contracts/{contract.id}/rates"


@pytest.fixture
def audit_rows() -> Callable[..., list[AuditEvent]]:
    """Return the audit rows of one object, oldest first, optionally of one action."""

    def query(obj, action: str | None = None) -> list[AuditEvent]:
        select = sa.select(AuditEvent).where(
            AuditEvent.object_type == obj.__tablename__,
            AuditEvent.object_id == obj.id,
        )
        if action is not None:
            select = select.where(AuditEvent.action == action)
        return list(db.session.scalars(select.order_by(AuditEvent.id)))

    return query


@pytest.fixture
def make_statement(make_user) -> Callable[..., Statement]:
    """Create a statement row of a customer's month directly, issued by default."""
    sequences = iter(range(1, 1000))

    def factory(
        customer: Customer,
        period_start: date,
        period_end: date,
        status: StatementStatus = StatementStatus.ISSUED,
    ) -> Statement:
        sequence = next(sequences)
        year = period_start.year
        statement = Statement(
            customer_id=customer.id,
            period_start=period_start,
            period_end=period_end,
            year=year,
            sequence=sequence,
            number=f"{year}/{sequence:04d}",
            status=status,
            language=customer.language,
            currency="EUR",
            total_minutes=60,
            total_amount=Decimal("60.00"),
            customer_name=customer.name,
            issued_by_id=make_user(Role.ACCOUNTS).id,
        )
        db.session.add(statement)
        db.session.commit()
        return statement

    return factory
