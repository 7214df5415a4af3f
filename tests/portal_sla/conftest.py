"""Two customers with SLA targets, hand-made tickets of December 2026 and statements.

Customer A is the one signed in. Customer B's objects and every internal note
carry marker strings that no response to customer A may contain.

Customer A's December 2026 tickets, in Rome time (UTC+1), evaluated at NOW
(Tuesday 15 December, 12:00). The default calendar works Monday to Friday,
09:00-13:00 and 14:00-18:00, without Italian holidays (Tuesday 8 December is
the Immacolata). Targets in working minutes: urgent 60/480, high 240/960,
normal 480/2400, low none.

- URG-1 urgent, opened Fri 4 Dec 17:30, response Mon 7 Dec 09:20 (50 min
  across the weekend: met), resolved Mon 7 Dec 16:00 (390: met).
- URG-2 urgent, opened Mon 7 Dec 16:00, response 16:45 (45: met), resolved
  Wed 9 Dec 15:30 (450 with the holiday skipped: met, due Wed 16:00).
- HIGH-1 high, opened Thu 10 Dec 10:00, response 15:30 (270, due 15:00:
  breached), resolved Mon 14 Dec 12:00 (1080, due Mon 10:00: breached).
- HIGH-2 high, opened Fri 11 Dec 09:00, response 10:00 (met), resolved 17:00
  (met).
- NORM-1 normal, opened Mon 14 Dec 09:00, no response (660 so far, due Tue
  09:00: running and breached), not resolved (running, 1740 left).
- NORM-2 normal, opened Tue 15 Dec 10:00, nothing yet (120 so far: running,
  360 left for the response).
- NORM-3 normal, opened Tue 1 Dec 00:30 Rome, which is 30 Nov 23:30 UTC and
  still December, response 09:30 (met), resolved 11:00 (met).
- LOW-1 low: no target.
- NOV-1 urgent, opened Mon 30 Nov 23:30 Rome: November, left out.

Compliance: urgent 100.0 / 100.0, high 50.0 / 50.0, normal 50.0 (1 met,
1 breached, 1 running) / 100.0 (1 met, 2 running). Breached: HIGH-1, NORM-1.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

import portal.services.sla_evidence
from portal.extensions import db
from portal.models import (
    ContractSlaTarget,
    Customer,
    EntryStatus,
    Role,
    Statement,
    StatementLine,
    Ticket,
    TicketPriority,
    TicketStatus,
    User,
)
from portal.models.billing import StatementStatus

PASSWORD = "correct horse battery"
ROME = ZoneInfo("Europe/Rome")
RATE_A = Decimal("87.35")
RATE_B = Decimal("93.17")
ACCOUNTS_EMAIL = "amministrazione.interna@support.example"
AGENT_EMAIL = "mario.rossi.internal@support.example"

TARGETS = {
    TicketPriority.URGENT: (60, 480),
    TicketPriority.HIGH: (240, 960),
    TicketPriority.NORMAL: (480, 2400),
}


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0):
    """Return the UTC instant of a wall-clock time in Rome."""
    return datetime(year, month, day, hour, minute, tzinfo=ROME).astimezone(UTC)


NOW = rome(2026, 12, 15, 12, 0)
TODAY = date(2026, 12, 15)


@dataclass
class SlaWorld:
    customer_a: Customer
    customer_b: Customer
    customer_user: User
    accounts_user: User
    tickets: dict[str, Ticket]
    ticket_b: Ticket
    statement_a: Statement
    second_statement_a: Statement
    statement_b: Statement
    void_statement_a: Statement
    customer_b_markers: list[str] = field(default_factory=list)
    internal_markers: list[str] = field(default_factory=list)


def add_targets(customer: Customer) -> None:
    contract = customer.contracts[0]
    for priority, (response, resolution) in TARGETS.items():
        contract.sla_targets.append(
            ContractSlaTarget(
                priority=priority,
                first_response_minutes=response,
                resolution_minutes=resolution,
            )
        )
    db.session.commit()


@pytest.fixture
def frozen_now(monkeypatch) -> datetime:
    """Evaluate SLA clocks at NOW and take TODAY as the user's today."""
    monkeypatch.setattr(portal.services.sla_evidence, "utcnow", lambda: NOW)
    monkeypatch.setattr("portal.portal.dashboard.user_today", lambda: TODAY)
    monkeypatch.setattr("portal.portal.sla_views.user_today", lambda: TODAY)
    monkeypatch.setattr("portal.accounts.sla_views.user_today", lambda: TODAY)
    return NOW


@pytest.fixture
def make_sla_ticket(make_ticket) -> Callable[..., Ticket]:
    def factory(
        customer: Customer,
        key: str,
        priority: TicketPriority,
        opened_at: datetime,
        first_response_at: datetime | None = None,
        resolved_at: datetime | None = None,
        status: TicketStatus | None = None,
        title: str = "",
    ) -> Ticket:
        ticket = make_ticket(customer, key=key, title=title or f"Richiesta {key}")
        ticket.priority = priority
        ticket.opened_at = opened_at
        ticket.first_response_at = first_response_at
        ticket.resolved_at = resolved_at
        if status is None:
            status = TicketStatus.RESOLVED if resolved_at else TicketStatus.OPEN
        ticket.status = status
        db.session.commit()
        return ticket

    return factory


@pytest.fixture
def make_statement(make_user) -> Callable[..., Statement]:
    """Create an issued statement with frozen lines, as the accounts area would."""
    issuer: list[User] = []
    sequences = itertools.count(1)

    def factory(
        customer: Customer,
        number: str,
        lines: list[tuple[str, str, int, Decimal]] = (),
        period_start: date = date(2026, 11, 1),
        period_end: date = date(2026, 11, 30),
        status: StatementStatus = StatementStatus.ISSUED,
    ) -> Statement:
        if not issuer:
            issuer.append(make_user(Role.ACCOUNTS, email=f"issuer-{number}@x.example"))
        frozen = [
            StatementLine(
                position=position,
                ticket_key=key,
                ticket_title=title,
                work_date=period_start,
                agent_name="Mario Rossi",
                activity="Assistenza remota",
                description=f"Lavoro su {key}",
                minutes=minutes,
                amount=amount,
            )
            for position, (key, title, minutes, amount) in enumerate(lines, start=1)
        ]
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
            total_minutes=sum(line.minutes for line in frozen),
            total_amount=sum((line.amount for line in frozen), Decimal("0.00")),
            customer_name=customer.name,
            customer_address=customer.address,
            customer_vat_number=customer.vat_number,
            pdf=b"%PDF-1.7 test",
            pdf_sha256="0" * 64,
            issued_by_id=issuer[0].id,
            issued_at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC),
            lines=frozen,
        )
        db.session.add(statement)
        db.session.commit()
        return statement

    return factory


def _customer_a_tickets(make_sla_ticket, customer: Customer) -> dict[str, Ticket]:
    urgent, high = TicketPriority.URGENT, TicketPriority.HIGH
    normal, low = TicketPriority.NORMAL, TicketPriority.LOW
    specs = [
        ("URG-1", urgent, rome(2026, 12, 4, 17, 30), rome(2026, 12, 7, 9, 20),
         rome(2026, 12, 7, 16)),
        ("URG-2", urgent, rome(2026, 12, 7, 16), rome(2026, 12, 7, 16, 45),
         rome(2026, 12, 9, 15, 30)),
        ("HIGH-1", high, rome(2026, 12, 10, 10), rome(2026, 12, 10, 15, 30),
         rome(2026, 12, 14, 12)),
        ("HIGH-2", high, rome(2026, 12, 11, 9), rome(2026, 12, 11, 10),
         rome(2026, 12, 11, 17)),
        ("NORM-1", normal, rome(2026, 12, 14, 9), None, None),
        ("NORM-2", normal, rome(2026, 12, 15, 10), None, None),
        ("NORM-3", normal, rome(2026, 12, 1, 0, 30), rome(2026, 12, 1, 9, 30),
         rome(2026, 12, 1, 11)),
        ("LOW-1", low, rome(2026, 12, 2, 10), None, None),
        ("NOV-1", urgent, rome(2026, 11, 30, 23, 30), None, None),
    ]  # fmt: skip
    return {
        key: make_sla_ticket(customer, f"ALFA-{key}", priority, opened, response, done)
        for key, priority, opened, response, done in specs
    }


@pytest.fixture
def sla_world(
    make_customer, make_user, make_entry, make_sla_ticket, make_statement
) -> SlaWorld:
    """Build customers A and B with SLA targets, tickets, entries and statements."""
    customer_a = make_customer(
        name="Alfa Ricambi Srl", hourly_rate=RATE_A, language="en"
    )
    customer_b = make_customer(name="BETA-MARKER Logistica Srl", hourly_rate=RATE_B)
    add_targets(customer_a)
    add_targets(customer_b)
    agent = make_user(Role.AGENT, name="Mario Rossi", email=AGENT_EMAIL)
    accounts = make_user(Role.ACCOUNTS, name="Paola Conti", email=ACCOUNTS_EMAIL)
    customer_user = make_user(Role.CUSTOMER, customer=customer_a, name="Anna Alfa")

    tickets = _customer_a_tickets(make_sla_ticket, customer_a)
    ticket_b = make_sla_ticket(
        customer_b,
        "BETAKEY-901",
        TicketPriority.URGENT,
        rome(2026, 12, 3, 9),
        rome(2026, 12, 4, 9),
        title="BETA-TITLE-MARKER",
    )

    _add_entries(make_entry, agent, tickets, ticket_b)
    statements = _add_statements(make_statement, customer_a, customer_b)
    return SlaWorld(
        customer_a=customer_a,
        customer_b=customer_b,
        customer_user=customer_user,
        accounts_user=accounts,
        tickets=tickets,
        ticket_b=ticket_b,
        statement_a=statements[0],
        second_statement_a=statements[1],
        statement_b=statements[2],
        void_statement_a=statements[3],
        customer_b_markers=[
            customer_b.name,
            ticket_b.key,
            ticket_b.title,
            "BETA-DESCRIPTION-MARKER",
            statements[2].number,
        ],
        internal_markers=["INTERNAL-NOTE-MARKER", AGENT_EMAIL, ACCOUNTS_EMAIL],
    )


def _add_entries(make_entry, agent, tickets, ticket_b) -> None:
    """Log approved, pending and billed time for customers A and B."""
    approved = EntryStatus.APPROVED
    ticket = tickets["URG-1"]
    make_entry(
        ticket,
        agent,
        90,
        approved,
        date(2026, 12, 7),
        internal_note="INTERNAL-NOTE-MARKER-1",
    )
    make_entry(ticket, agent, 45, approved, date(2026, 12, 9))
    make_entry(ticket, agent, 60, approved, date(2026, 11, 20))
    make_entry(ticket, agent, 30, EntryStatus.SUBMITTED, date(2026, 12, 10))
    make_entry(ticket, agent, 20, EntryStatus.DRAFT, date(2026, 12, 10))
    make_entry(ticket, agent, 25, EntryStatus.REJECTED, date(2026, 12, 10))
    make_entry(ticket, agent, 40, approved, date(2026, 12, 10), is_billable=False)
    make_entry(ticket_b, agent, 600, approved, date(2026, 12, 7),
               description="BETA-DESCRIPTION-MARKER")  # fmt: skip


def _add_statements(make_statement, customer_a, customer_b) -> list[Statement]:
    line = ("ALFA-URG-1", "Stampante bloccata", 90, Decimal("131.03"))
    second = ("ALFA-HIGH-1", "Backup fallito", 45, Decimal("65.51"))
    statement_a = make_statement(customer_a, "2026/0001", [line, second])
    second_statement_a = make_statement(
        customer_a,
        "2026/0002",
        [line],
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
    )
    statement_b = make_statement(
        customer_b, "2026/0777", [("BETAKEY-901", "BETA-TITLE-MARKER", 60, RATE_B)]
    )
    void_statement_a = make_statement(
        customer_a,
        "2026/0003",
        [line],
        period_start=date(2026, 9, 1),
        period_end=date(2026, 9, 30),
        status=StatementStatus.VOID,
    )
    return [statement_a, second_statement_a, statement_b, void_statement_a]


@pytest.fixture
def sign_in(client) -> Callable[[User], None]:
    """Sign the test client in as an existing user through the login form."""

    def sign_in_as(user: User) -> None:
        client.post("/logout")
        response = client.post(
            "/login", data={"email": user.email, "password": PASSWORD}
        )
        assert response.status_code == 303, response.get_data(as_text=True)

    return sign_in_as


@pytest.fixture
def customer_client(client, sla_world: SlaWorld, sign_in, frozen_now):
    """Return the test client signed in as customer A's user."""
    sign_in(sla_world.customer_user)
    return client


@pytest.fixture
def accounts_client(client, sla_world: SlaWorld, sign_in, frozen_now):
    """Return the test client signed in as the accounts office."""
    sign_in(sla_world.accounts_user)
    return client


def assert_clean(text: str, world: SlaWorld, where: str) -> None:
    """Fail when a response to customer A shows B's data or internal data."""
    for marker in world.customer_b_markers + world.internal_markers:
        assert marker not in text, f"{where} shows {marker!r}"
