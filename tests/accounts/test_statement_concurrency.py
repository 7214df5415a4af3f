"""Concurrency on PostgreSQL: consecutive numbers, no double billing or voiding."""

from __future__ import annotations

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    AuditEvent,
    BillingModel,
    Customer,
    EntryStatus,
    ItemKind,
    PackageDraw,
    PrepaidPackage,
    Statement,
    StatementItem,
    StatementSequence,
    TimeEntry,
    User,
)
from portal.services.statements import (
    AlreadyVoidError,
    EarlierMonthUnbilledError,
    issue_statement,
    void_statement,
)

from .conftest import ENGLISH, ISSUED_AT, NOVEMBER

# SQLite has no row locks, so two writers cannot overlap there.
pytestmark = pytest.mark.postgres_only
# Long enough for the other thread to reach its lock and wait on it.
HOLD_SECONDS = 0.5


def _issue_in_thread(app, actor_id, customer_id, start, outcomes, name):
    """Issue in a separate app context: its own session and connection."""
    with app.test_request_context(headers=ENGLISH):
        try:
            actor = db.session.get(User, actor_id)
            customer = db.session.get(Customer, customer_id)
            start.wait(timeout=10)
            statement = issue_statement(actor, customer, NOVEMBER, issued_at=ISSUED_AT)
            # Keep the transaction, and its locks, open while the other issues.
            time.sleep(HOLD_SECONDS)
            db.session.commit()
            outcomes[name] = ("issued", statement.number, time.monotonic())
        except DomainError as error:
            db.session.rollback()
            outcomes[name] = ("rejected", error.message, time.monotonic())
        finally:
            db.session.remove()


def _run_concurrently(app, actor, customer_ids) -> dict:
    start = threading.Barrier(len(customer_ids))
    outcomes: dict = {}
    # The test's own session must hold no transaction while the threads run.
    db.session.commit()
    threads = [
        threading.Thread(
            target=_issue_in_thread,
            args=(app, actor.id, customer_id, start, outcomes, index),
        )
        for index, customer_id in enumerate(customer_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def test_concurrent_issues_get_consecutive_numbers(
    app, month_of_work, make_customer, make_ticket, make_entry, agent, accountant
):
    other = make_customer(name="Verdi Logistica Srl")
    make_entry(make_ticket(other), agent, 30, EntryStatus.APPROVED, date(2026, 11, 9))

    outcomes = _run_concurrently(app, accountant, [month_of_work.customer.id, other.id])

    assert sorted(outcome[0] for outcome in outcomes.values()) == ["issued", "issued"]
    assert sorted(outcome[1] for outcome in outcomes.values()) == [
        "2026/0001",
        "2026/0002",
    ]
    db.session.expire_all()
    assert db.session.get(StatementSequence, 2026).last_number == 2


def test_concurrent_issues_bill_entries_once(app, month_of_work, accountant):
    customer_id = month_of_work.customer.id

    outcomes = _run_concurrently(app, accountant, [customer_id, customer_id])

    kinds = sorted(outcome[0] for outcome in outcomes.values())
    assert kinds == ["issued", "rejected"]
    rejected = next(o for o in outcomes.values() if o[0] == "rejected")
    assert "nothing to bill" in rejected[1]
    statements = db.session.scalars(sa.select(Statement)).all()
    assert [statement.number for statement in statements] == ["2026/0001"]
    billed_to = db.session.scalars(sa.select(TimeEntry.statement_id)).all()
    assert billed_to == [statements[0].id] * len(month_of_work.billable)
    assert db.session.get(StatementSequence, 2026).last_number == 1


def _void_in_thread(app, actor_id, statement_id, start, outcomes, name):
    """Void in a separate app context: its own session and connection."""
    with app.test_request_context(headers=ENGLISH):
        try:
            actor = db.session.get(User, actor_id)
            statement = db.session.get(Statement, statement_id)
            start.wait(timeout=10)
            void_statement(actor, statement, f"Annullato dalla scheda {name}")
            time.sleep(HOLD_SECONDS)
            db.session.commit()
            outcomes[name] = ("voided", None)
        except DomainError as error:
            db.session.rollback()
            outcomes[name] = ("rejected", error)
        finally:
            db.session.remove()


def test_concurrent_voids_one_wins(app, month_of_work, accountant):
    with app.test_request_context(headers=ENGLISH):
        statement = issue_statement(
            accountant, month_of_work.customer, NOVEMBER, issued_at=ISSUED_AT
        )
        db.session.commit()
    statement_id, actor_id = statement.id, accountant.id
    db.session.commit()
    start = threading.Barrier(2)
    outcomes: dict = {}
    threads = [
        threading.Thread(
            target=_void_in_thread,
            args=(app, actor_id, statement_id, start, outcomes, name),
        )
        for name in (0, 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    kinds = sorted(outcome[0] for outcome in outcomes.values())
    assert kinds == ["rejected", "voided"]
    rejected = next(o[1] for o in outcomes.values() if o[0] == "rejected")
    assert isinstance(rejected, AlreadyVoidError)
    assert rejected.status == 409
    db.session.expire_all()
    voided = db.session.get(Statement, statement_id)
    assert voided.is_void
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "voided")
    ).all()
    assert len(events) == 1


def test_concurrent_months_share_package_once(
    app, make_customer, make_ticket, make_entry, agent, accountant
):
    customer = make_customer(name="Pacchetto Condiviso Srl")
    contract = customer.contracts[0]
    contract.billing_model = BillingModel.PREPAID
    contract.overage_rate = Decimal("80.00")
    db.session.add(
        PrepaidPackage(
            contract=contract,
            name="Pacchetto 1 ora",
            minutes_bought=60,
            purchase_date=date(2026, 1, 1),
            expiry_date=date(2027, 12, 31),
            price=Decimal("60.00"),
        )
    )
    db.session.commit()
    ticket = make_ticket(customer)
    make_entry(ticket, agent, 45, EntryStatus.APPROVED, date(2026, 10, 9))
    make_entry(ticket, agent, 45, EntryStatus.APPROVED, date(2026, 11, 9))
    actor_id, customer_id = accountant.id, customer.id
    # The test's own session must hold no transaction while the threads run.
    db.session.commit()
    start = threading.Barrier(2)
    outcomes: dict = {}

    def issue_month(month, name):
        with app.test_request_context(headers=ENGLISH):
            try:
                actor = db.session.get(User, actor_id)
                target = db.session.get(Customer, customer_id)
                start.wait(timeout=10)
                issue_statement(actor, target, month, issued_at=ISSUED_AT)
                time.sleep(HOLD_SECONDS)
                db.session.commit()
                outcomes[name] = "issued"
            except EarlierMonthUnbilledError:
                db.session.rollback()
                outcomes[name] = "refused"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=issue_month, args=(month, name))
        for name, month in (("october", date(2026, 10, 1)), ("november", NOVEMBER))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # November waits for the customer lock. It is refused when it takes the
    # lock first, because October's prepaid work is still unbilled then.
    assert outcomes["october"] == "issued"
    assert outcomes["november"] in {"issued", "refused"}
    drawn = db.session.scalar(sa.select(sa.func.sum(PackageDraw.minutes)))
    overage = db.session.scalars(
        sa.select(StatementItem.billed_minutes).where(
            StatementItem.kind == ItemKind.OVERAGE
        )
    ).all()
    if outcomes["november"] == "issued":
        assert drawn == 60
        assert overage == [30]
    else:
        assert drawn == 45
        assert overage == []
