"""Two customers' worth of data for the portal tests, with markers to look for.

Customer A is the one signed in. Customer B's data and every internal note carry
marker strings, and no portal response may contain any of them.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

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
from portal.models.billing import StatementStatus

# The password tests/conftest.py gives every factory-made user.
PASSWORD = "correct horse battery"
RATE_A = Decimal("87.35")
RATE_B = Decimal("93.17")
AGENT_EMAIL = "mario.rossi.internal@support.example"
APPROVER_EMAIL = "giulia.bianchi.lead@support.example"
ACCOUNTS_EMAIL = "amministrazione.interna@support.example"

# Entries of customer A that the portal must hide, one marker each.
HIDDEN_DESCRIPTIONS = {
    "draft": "DRAFT-DESCRIPTION-MARKER",
    "submitted": "SUBMITTED-DESCRIPTION-MARKER",
    "rejected": "REJECTED-DESCRIPTION-MARKER",
    "non_billable": "NON-BILLABLE-DESCRIPTION-MARKER",
}


@dataclass
class PortalWorld:
    """The objects the tests sign in as, link to and search responses for."""

    customer_a: Customer
    customer_b: Customer
    customer_user: User
    ticket_a: Ticket
    second_ticket_a: Ticket
    ticket_b: Ticket
    statement_a: Statement
    statement_b: Statement
    void_statement_a: Statement
    visible_descriptions: list[str]
    hidden_descriptions: dict[str, str]
    internal_emails: list[str]
    hourly_rate_a: Decimal
    internal_note_markers: list[str] = field(default_factory=list)
    customer_b_markers: list[str] = field(default_factory=list)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def make_statement(make_user) -> Callable[..., Statement]:
    """Create an issued statement row directly, as the accounts area would."""
    issuer: list[User] = []
    sequences = itertools.count(1)

    def factory(
        customer: Customer,
        number: str,
        pdf: bytes = b"%PDF-1.7 test",
        period_start: date = date(2026, 10, 1),
        period_end: date = date(2026, 10, 31),
        total_minutes: int = 135,
        total_amount: Decimal = Decimal("196.54"),
        status: StatementStatus = StatementStatus.ISSUED,
        issued_at: datetime | None = None,
        pdf_sha256: str | None = None,
    ) -> Statement:
        if not issuer:
            issuer.append(make_user(Role.ACCOUNTS, email=f"issuer-{number}@x.example"))
        statement = Statement(
            customer_id=customer.id,
            period_start=period_start,
            period_end=period_end,
            year=period_start.year,
            sequence=next(sequences),
            number=number,
            status=status,
            language=customer.language,
            currency="EUR",
            hourly_rate=customer.contracts[0].hourly_rate,
            total_minutes=total_minutes,
            total_amount=total_amount,
            customer_name=customer.name,
            customer_address=customer.address,
            customer_vat_number=customer.vat_number,
            pdf=pdf,
            pdf_sha256=pdf_sha256 or sha256_hex(pdf),
            issued_by_id=issuer[0].id,
            issued_at=issued_at or datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        )
        db.session.add(statement)
        db.session.commit()
        return statement

    return factory


def _approve(entry: TimeEntry, approver: User) -> None:
    entry.decided_by_id = approver.id
    entry.decided_at = datetime(2026, 11, 12, 8, 0, tzinfo=UTC)
    db.session.commit()


@pytest.fixture
def world(
    make_customer, make_user, make_ticket, make_entry, make_statement
) -> PortalWorld:
    """Build customers A and B with tickets, entries of every kind and statements."""
    customer_a = make_customer(name="Alfa Ricambi Srl", hourly_rate=RATE_A)
    customer_b = make_customer(name="BETA-MARKER Logistica Srl", hourly_rate=RATE_B)
    agent = make_user(Role.AGENT, name="Mario Rossi", email=AGENT_EMAIL)
    approver = make_user(Role.APPROVER, name="Giulia Bianchi", email=APPROVER_EMAIL)
    make_user(Role.ACCOUNTS, name="Ufficio amministrazione", email=ACCOUNTS_EMAIL)
    customer_user = make_user(Role.CUSTOMER, customer=customer_a, name="Anna Alfa")

    ticket_a = make_ticket(customer_a, key="ALFA-101", title="Stampante bloccata")
    second_ticket_a = make_ticket(
        customer_a, key="ALFA-102", title="Backup notturno fallito"
    )
    ticket_b = make_ticket(customer_b, key="BETAKEY-901", title="BETA-TITLE-MARKER")

    visible = [
        make_entry(
            ticket_a,
            agent,
            minutes=90,
            status=EntryStatus.APPROVED,
            work_date=date(2026, 11, 3),
            description="Sostituito il toner",
            internal_note="INTERNAL-NOTE-MARKER-A1 cliente difficile",
        ),
        make_entry(
            ticket_a,
            agent,
            minutes=45,
            status=EntryStatus.APPROVED,
            work_date=date(2026, 11, 4),
            description="Verificata la coda di stampa",
            internal_note="INTERNAL-NOTE-MARKER-A2 password admin123",
        ),
    ]
    for entry in visible:
        _approve(entry, approver)

    hidden = [
        make_entry(
            ticket_a,
            agent,
            minutes=20,
            status=EntryStatus.DRAFT,
            description=HIDDEN_DESCRIPTIONS["draft"],
            internal_note="INTERNAL-NOTE-MARKER-A3",
        ),
        make_entry(
            ticket_a,
            agent,
            minutes=25,
            status=EntryStatus.SUBMITTED,
            description=HIDDEN_DESCRIPTIONS["submitted"],
            internal_note="INTERNAL-NOTE-MARKER-A4",
        ),
        make_entry(
            ticket_a,
            agent,
            minutes=35,
            status=EntryStatus.REJECTED,
            description=HIDDEN_DESCRIPTIONS["rejected"],
            internal_note="INTERNAL-NOTE-MARKER-A5",
        ),
        make_entry(
            ticket_a,
            agent,
            minutes=40,
            status=EntryStatus.APPROVED,
            description=HIDDEN_DESCRIPTIONS["non_billable"],
            internal_note="INTERNAL-NOTE-MARKER-A6",
            is_billable=False,
        ),
    ]
    hidden[1].rejection_reason = "REJECTION-REASON-MARKER"
    db.session.commit()

    entry_b = make_entry(
        ticket_b,
        agent,
        minutes=60,
        status=EntryStatus.APPROVED,
        description="BETA-DESCRIPTION-MARKER",
        internal_note="INTERNAL-NOTE-MARKER-B1",
    )
    _approve(entry_b, approver)

    statement_a = make_statement(customer_a, "2026-0001", pdf=b"%PDF-1.7 test A")
    statement_b = make_statement(
        customer_b, "2026-0777", pdf=b"%PDF-1.7 BETA-PDF-MARKER"
    )
    void_statement_a = make_statement(
        customer_a,
        "2026-0003",
        pdf=b"%PDF-1.7 VOID-PDF-MARKER",
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        status=StatementStatus.VOID,
    )

    notes = [entry.internal_note for entry in [*visible, *hidden, entry_b]]
    return PortalWorld(
        customer_a=customer_a,
        customer_b=customer_b,
        customer_user=customer_user,
        ticket_a=ticket_a,
        second_ticket_a=second_ticket_a,
        ticket_b=ticket_b,
        statement_a=statement_a,
        statement_b=statement_b,
        void_statement_a=void_statement_a,
        visible_descriptions=[entry.description for entry in visible],
        hidden_descriptions=HIDDEN_DESCRIPTIONS,
        internal_emails=[AGENT_EMAIL, APPROVER_EMAIL, ACCOUNTS_EMAIL],
        hourly_rate_a=RATE_A,
        internal_note_markers=notes + ["REJECTION-REASON-MARKER"],
        customer_b_markers=[
            customer_b.name,
            ticket_b.key,
            ticket_b.title,
            "BETA-DESCRIPTION-MARKER",
            statement_b.number,
            "BETA-PDF-MARKER",
        ],
    )


@pytest.fixture
def sign_in(client) -> Callable[[User], None]:
    """Sign the test client in as an existing user through the login form."""

    def sign_in_as(user: User) -> None:
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 303, response.get_data(as_text=True)

    return sign_in_as


@pytest.fixture
def customer_client(client, world: PortalWorld, sign_in):
    """Return the test client signed in as customer A's user."""
    sign_in(world.customer_user)
    return client
