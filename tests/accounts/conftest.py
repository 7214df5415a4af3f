"""Fixtures for the accounts office: a month of time entries to bill."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import (
    Customer,
    EntryStatus,
    Role,
    Statement,
    Ticket,
    TimeEntry,
    User,
)

NOVEMBER = date(2026, 11, 1)
# Issued on 2 December 2026 at 10:00 in Rome, so the statement year is 2026.
ISSUED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# Tests compare English messages, whatever the default language is.
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
def in_request(app: Flask) -> Iterator[None]:
    """Push an English request context, which gettext needs for service messages."""
    with app.test_request_context(headers=ENGLISH):
        yield


@pytest.fixture
def accountant(make_user) -> User:
    return make_user(Role.ACCOUNTS, name="Anna Conti")


@pytest.fixture
def agent(make_user) -> User:
    return make_user(Role.AGENT, name="Luca Bianchi")


@dataclass
class MonthOfWork:
    """A customer with two tickets and billable entries in November 2026."""

    customer: Customer
    first_ticket: Ticket
    second_ticket: Ticket
    billable: list[TimeEntry] = field(default_factory=list)


@pytest.fixture
def month_of_work(make_customer, make_ticket, make_entry, agent) -> MonthOfWork:
    """Three approved entries on two tickets: 20 + 50 minutes and 10 minutes."""
    customer = make_customer(name="Rossi Impianti Srl", hourly_rate=Decimal("60.00"))
    first = make_ticket(customer, key="ASS-2001", title="Stampante non risponde")
    second = make_ticket(customer, key="ASS-2002", title="VPN lenta")
    approved = EntryStatus.APPROVED
    work = MonthOfWork(customer, first, second)
    work.billable = [
        make_entry(
            first, agent, 20, approved, date(2026, 11, 3), "Verifica è già fatta"
        ),
        make_entry(second, agent, 10, approved, date(2026, 11, 4), "Riavvio tunnel"),
        make_entry(
            first, agent, 50, approved, date(2026, 11, 30), "Sostituzione toner"
        ),
    ]
    return work


@pytest.fixture
def make_statement_row(make_customer) -> Callable[..., Statement]:
    """Insert an issued statement directly, without entries or a real PDF."""

    def factory(
        customer: Customer,
        issued_by: User,
        sequence: int,
        year: int = 2026,
        period_start: date = NOVEMBER,
        issued_at: datetime = ISSUED_AT,
    ) -> Statement:
        statement = Statement(
            customer_id=customer.id,
            period_start=period_start,
            period_end=period_start.replace(day=28),
            year=year,
            sequence=sequence,
            number=f"{year}/{sequence:04d}",
            language=customer.language,
            currency="EUR",
            hourly_rate=Decimal("60.00"),
            total_minutes=90,
            total_amount=Decimal("90.00"),
            customer_name=customer.name,
            pdf=b"%PDF-1.7 placeholder",
            pdf_sha256="0" * 64,
            issued_by_id=issued_by.id,
            issued_at=issued_at,
        )
        db.session.add(statement)
        db.session.commit()
        return statement

    return factory


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """Extract the text of a PDF with poppler's pdftotext -layout."""
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout
