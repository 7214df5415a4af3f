"""A customer billed for real: issued statements with every kind of item.

The November statement is priced and issued by the statements service, so the
portal page and the PDF are checked against what issuing freezes. It has
labour rounded up (worked and billed time differ), mileage, labour paid by a
prepaid package, an adjustment of the October statement and 22% VAT.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import (
    BillingModel,
    Contract,
    Customer,
    EntryStatus,
    PrepaidPackage,
    ResourceEntry,
    Role,
    Statement,
    TimeEntry,
    User,
)
from portal.services import pdf_jobs
from portal.services.billing_rules import ResourceKind
from portal.services.statements import create_adjustment, issue_statement

OCTOBER = date(2026, 10, 1)
NOVEMBER = date(2026, 11, 1)
OCTOBER_ISSUED_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOVEMBER_ISSUED_AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
# Service messages are compared in English, whatever the default language is.
ENGLISH = {"Accept-Language": "en"}

AGENT_NAME = "Luca Bianchi"
AGENT_EMAIL = "luca.bianchi.interno@support.example"
ACCOUNTS_NAME = "Anna Conti"
ACCOUNTS_EMAIL = "anna.conti.amministrazione@support.example"
INTERNAL_NOTE = "NOTA-INTERNA-MARKER"
ADJUSTMENT_REASON = "Ore di ottobre contate due volte"
VAT_NOTE = "Operazione soggetta a IVA ordinaria."


@dataclass
class BilledCustomer:
    """A customer with an issued October and November statement."""

    customer: Customer
    customer_user: User
    accountant: User
    agent: User
    time_and_materials: Contract
    prepaid: Contract
    october: Statement
    november: Statement
    entries: list[TimeEntry]
    resources: list[ResourceEntry]


@pytest.fixture
def in_request(app: Flask) -> Iterator[None]:
    """Push an English request context, which gettext needs for service messages."""
    with app.test_request_context(headers=ENGLISH):
        yield


@pytest.fixture
def vat_settings(app: Flask) -> Iterator[None]:
    app.config.update(STATEMENT_VAT_RATE="22", STATEMENT_VAT_NOTE=VAT_NOTE)
    yield
    app.config.update(STATEMENT_VAT_RATE=None, STATEMENT_VAT_NOTE=None)


@pytest.fixture
def bill_customer(
    make_customer, make_user, make_ticket, make_entry, vat_settings, in_request
) -> Callable[..., BilledCustomer]:
    """Build and bill a customer.

    shows_agent_names sets portal_shows_agent_names on both contracts, unless
    prepaid_shows_agent_names sets the prepaid contract's own.
    """

    def factory(
        language: str = "it",
        shows_agent_names: bool = True,
        prepaid_shows_agent_names: bool | None = None,
    ) -> BilledCustomer:
        if prepaid_shows_agent_names is None:
            prepaid_shows_agent_names = shows_agent_names
        customer = make_customer(name="Officine Martini Srl", language=language)
        accountant = make_user(Role.ACCOUNTS, name=ACCOUNTS_NAME, email=ACCOUNTS_EMAIL)
        agent = make_user(Role.AGENT, name=AGENT_NAME, email=AGENT_EMAIL)
        customer_user = make_user(
            Role.CUSTOMER, customer=customer, name="Marta Martini"
        )
        time_and_materials = customer.contracts[0]
        time_and_materials.rounding_increment = 15
        time_and_materials.rate_per_km = Decimal("0.45")
        time_and_materials.portal_shows_agent_names = shows_agent_names
        prepaid = _prepaid_contract(customer, prepaid_shows_agent_names)

        repairs = make_ticket(customer, key="MAR-101", title="Stampante bloccata")
        network = make_ticket(customer, key="MAR-102", title="Rete lenta")
        network.contract = prepaid
        db.session.commit()

        approved = EntryStatus.APPROVED
        october_entry = make_entry(
            repairs, agent, 60, approved, date(2026, 10, 20), "Controllo di ottobre"
        )
        entries = [
            make_entry(
                repairs,
                agent,
                20,
                approved,
                date(2026, 11, 3),
                "Sostituito il toner",
                internal_note=INTERNAL_NOTE,
            ),
            make_entry(
                repairs, agent, 50, approved, date(2026, 11, 5), "Pulito il fusore"
            ),
            make_entry(
                network, agent, 45, approved, date(2026, 11, 6), "Riavviato lo switch"
            ),
        ]
        mileage = ResourceEntry(
            ticket=repairs,
            agent=agent,
            kind=ResourceKind.MILEAGE,
            quantity=Decimal("35"),
            work_date=date(2026, 11, 5),
            description="Sede del cliente",
            internal_note=INTERNAL_NOTE,
            is_billable=True,
            status=approved,
        )
        db.session.add(mileage)
        db.session.commit()

        october = _issue(accountant, customer, OCTOBER, OCTOBER_ISSUED_AT)
        create_adjustment(accountant, october, Decimal("-15.00"), ADJUSTMENT_REASON)
        db.session.commit()
        november = _issue(accountant, customer, NOVEMBER, NOVEMBER_ISSUED_AT)
        assert october_entry.statement_id == october.id
        return BilledCustomer(
            customer=customer,
            customer_user=customer_user,
            accountant=accountant,
            agent=agent,
            time_and_materials=time_and_materials,
            prepaid=prepaid,
            october=october,
            november=november,
            entries=entries,
            resources=[mileage],
        )

    return factory


def _prepaid_contract(customer: Customer, shows_agent_names: bool) -> Contract:
    contract = Contract(
        customer=customer,
        name="Monte ore rete",
        hourly_rate=Decimal("60.00"),
        currency="EUR",
        valid_from=date(2020, 1, 1),
        billing_model=BillingModel.PREPAID,
        overage_rate=Decimal("70.00"),
        portal_shows_agent_names=shows_agent_names,
    )
    package = PrepaidPackage(
        contract=contract,
        name="Pacchetto 10 ore",
        minutes_bought=600,
        purchase_date=date(2026, 10, 1),
        expiry_date=date(2027, 9, 30),
        price=Decimal("500.00"),
    )
    db.session.add_all([contract, package])
    db.session.commit()
    return contract


def _issue(
    accountant: User, customer: Customer, month: date, issued_at: datetime
) -> Statement:
    """Issue and commit the month's statement, then render its PDF as the view does."""
    statement = issue_statement(accountant, customer, month, issued_at=issued_at)
    db.session.commit()
    pdf_jobs.request_render(statement.id)
    db.session.expire_all()
    return db.session.get(Statement, statement.id)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """Extract a PDF's text with poppler's pdftotext, runs of spaces squeezed."""
    path = tmp_path / "statement.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"],
        check=True,
        capture_output=True,
        text=True,
    )
    return re.sub(r"[ \u00a0\u2007\u202f]+", " ", result.stdout)


@pytest.fixture
def sign_in(client) -> Callable[[User], None]:
    """Sign the test client in through the login form."""

    def sign_in_as(user: User) -> None:
        response = client.post(
            "/login", data={"email": user.email, "password": "correct horse battery"}
        )
        assert response.status_code == 303, response.get_data(as_text=True)

    return sign_in_as
