"""Builders for statement pricing tests: contract terms, rates, packages, resources."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    ActivityType,
    Contract,
    ContractRate,
    Customer,
    EntryStatus,
    PackageDraw,
    PrepaidPackage,
    ResourceEntry,
    Statement,
    StatementStatus,
    TimeEntry,
    User,
)
from portal.services import pdf_jobs
from portal.services.billing_rules import ResourceKind
from portal.services.statements import issue_statement

from .conftest import ISSUED_AT, NOVEMBER


def contract_of(customer: Customer) -> Contract:
    return customer.contracts[0]


def set_terms(contract: Contract, **terms) -> Contract:
    """Set billing columns of the contract, e.g. rounding_increment=15, and commit."""
    for name, value in terms.items():
        setattr(contract, name, value)
    db.session.commit()
    return contract


def add_rate(
    contract: Contract,
    activity: ActivityType,
    hourly_rate: str,
    effective_from: date,
    agent_level: str = "",
) -> ContractRate:
    rate = ContractRate(
        contract=contract,
        activity_type_id=activity.id,
        agent_level=agent_level,
        hourly_rate=Decimal(hourly_rate),
        effective_from=effective_from,
    )
    db.session.add(rate)
    db.session.commit()
    return rate


def add_package(
    contract: Contract,
    minutes: int,
    purchase_date: date = date(2026, 10, 1),
    expiry_date: date = date(2027, 9, 30),
    name: str = "Pacchetto 10 ore",
) -> PrepaidPackage:
    package = PrepaidPackage(
        contract=contract,
        name=name,
        minutes_bought=minutes,
        purchase_date=purchase_date,
        expiry_date=expiry_date,
        price=Decimal("500.00"),
    )
    db.session.add(package)
    db.session.commit()
    return package


def on_site_activity() -> ActivityType:
    activity = ActivityType(
        code=f"onsite-{db.session.scalar(sa.select(sa.func.count(ActivityType.id)))}",
        name_it="Intervento presso il cliente",
        name_en="On-site visit",
        is_billable=True,
        is_on_site=True,
    )
    db.session.add(activity)
    db.session.commit()
    return activity


def add_resource(
    ticket,
    agent: User,
    kind: ResourceKind,
    quantity: str,
    work_date: date = date(2026, 11, 10),
    *,
    status: EntryStatus = EntryStatus.APPROVED,
    unit_price: str | None = None,
    description: str = "",
    is_billable: bool = True,
) -> ResourceEntry:
    resource = ResourceEntry(
        ticket=ticket,
        agent=agent,
        kind=kind,
        quantity=Decimal(quantity),
        work_date=work_date,
        unit_price=Decimal(unit_price) if unit_price is not None else None,
        description=description,
        internal_note="Nota interna sulla risorsa",
        is_billable=is_billable,
        status=status,
    )
    db.session.add(resource)
    db.session.commit()
    return resource


def start_at(entry: TimeEntry, hour: int, minute: int = 0) -> TimeEntry:
    entry.start_time = time(hour, minute)
    db.session.commit()
    return entry


def issue(actor: User, customer: Customer, month: date = NOVEMBER, **kwargs):
    """Issue and commit a statement, then render its PDF as the view does."""
    statement = issue_statement(actor, customer, month, issued_at=ISSUED_AT, **kwargs)
    db.session.commit()
    return statement


def render(statement: Statement) -> Statement:
    """Run the PDF job of a committed statement and return it reloaded."""
    pdf_jobs.request_render(statement.id)
    db.session.expire_all()
    return db.session.get(Statement, statement.id)


def item_rows(statement: Statement) -> list[tuple]:
    """Return the statement's items as comparable tuples."""
    return [
        (
            item.kind.value,
            item.ticket_key,
            item.raw_minutes,
            item.billed_minutes,
            item.quantity,
            item.unit_price,
            item.multiplier,
            item.is_included,
            item.amount,
        )
        for item in statement.items
    ]


def package_consumed(package: PrepaidPackage) -> int:
    """Return the minutes non-void statements drew from the package."""
    query = (
        sa.select(sa.func.coalesce(sa.func.sum(PackageDraw.minutes), 0))
        .join(Statement, PackageDraw.statement_id == Statement.id)
        .where(
            PackageDraw.package_id == package.id,
            Statement.status == StatementStatus.ISSUED,
        )
    )
    return int(db.session.scalar(query))
