"""Fixtures for prepaid hours, month close and accounts exports.

Statements are inserted directly, with their package draws, so these tests
do not depend on how the statements service prices a month.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    BillingModel,
    ClosedMonth,
    Contract,
    Customer,
    PackageDraw,
    PrepaidPackage,
    Role,
    Statement,
    StatementStatus,
    User,
)

ENGLISH = {"Accept-Language": "en"}
_sequence = itertools.count(1)


@pytest.fixture
def accountant(make_user) -> User:
    return make_user(Role.ACCOUNTS, name="Anna Conti")


@dataclass
class PrepaidCustomer:
    customer: Customer
    contract: Contract


@pytest.fixture
def make_prepaid_customer(make_customer) -> Callable[..., PrepaidCustomer]:
    """Create a customer whose only contract bills prepaid hours."""

    def factory(name: str | None = None, language: str = "it") -> PrepaidCustomer:
        customer = make_customer(name=name, language=language)
        contract = customer.contracts[0]
        contract.name = f"Monte ore {customer.name}"
        contract.billing_model = BillingModel.PREPAID
        contract.overage_rate = Decimal("70.00")
        db.session.commit()
        return PrepaidCustomer(customer, contract)

    return factory


@pytest.fixture
def prepaid_customer(make_prepaid_customer) -> PrepaidCustomer:
    return make_prepaid_customer(name="Rossi Impianti Srl")


@pytest.fixture
def make_package() -> Callable[..., PrepaidPackage]:
    def factory(
        contract: Contract,
        minutes: int = 600,
        purchase_date: date = date(2026, 1, 10),
        expiry_date: date = date(2026, 12, 31),
        price: Decimal = Decimal("500.00"),
        name: str | None = None,
    ) -> PrepaidPackage:
        package = PrepaidPackage(
            contract_id=contract.id,
            name=name or f"Pacchetto {minutes // 60} ore",
            minutes_bought=minutes,
            purchase_date=purchase_date,
            expiry_date=expiry_date,
            price=price,
        )
        db.session.add(package)
        db.session.commit()
        return package

    return factory


@pytest.fixture
def issue_draws(accountant) -> Callable[..., Statement]:
    """Insert an issued statement that drew minutes from packages."""

    def factory(
        customer: Customer,
        draws: Sequence[tuple[PrepaidPackage, int]],
        issued_at: datetime = datetime(2026, 2, 2, 9, 0, tzinfo=UTC),
        period_start: date = date(2026, 1, 1),
    ) -> Statement:
        sequence = next(_sequence)
        statement = Statement(
            customer_id=customer.id,
            period_start=period_start,
            period_end=period_start.replace(day=28),
            year=issued_at.year,
            sequence=sequence,
            number=f"{issued_at.year}/{sequence:04d}",
            language=customer.language,
            currency="EUR",
            total_minutes=sum(minutes for _package, minutes in draws),
            total_amount=Decimal("0.00"),
            customer_name=customer.name,
            issued_by_id=accountant.id,
            issued_at=issued_at,
        )
        db.session.add(statement)
        db.session.flush()
        for package, minutes in draws:
            db.session.add(
                PackageDraw(
                    package_id=package.id,
                    statement_id=statement.id,
                    work_date=period_start,
                    minutes=minutes,
                )
            )
        db.session.commit()
        return statement

    return factory


def void(statement: Statement) -> None:
    statement.status = StatementStatus.VOID
    statement.void_reason = "Wrong month"
    db.session.commit()


def close(month: date, by: User) -> None:
    db.session.add(ClosedMonth(month=month, closed_by_id=by.id))
    db.session.commit()


def count(model, *conditions) -> int:
    query = sa.select(sa.func.count()).select_from(model).where(*conditions)
    return db.session.scalar(query)
