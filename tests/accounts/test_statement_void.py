"""Voiding statements: status, released entries, audit, pages and a second tab."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Adjustment,
    AuditEvent,
    EntryStatus,
    ResourceEntry,
    Role,
    Statement,
    StatementStatus,
    TimeEntry,
)
from portal.services.billing_rules import ResourceKind
from portal.services.statements import (
    AlreadyVoidError,
    create_adjustment,
    void_statement,
)

from .conftest import ENGLISH
from .pricing_support import add_resource, contract_of, issue, set_terms

REASON = "Emesso con le ore del cliente sbagliato"


def _void(actor, statement, reason=REASON) -> Statement:
    void_statement(actor, statement, reason)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Statement, statement.id)


def test_void_sets_status_and_keeps_values(month_of_work, accountant, in_request):
    statement = issue(accountant, month_of_work.customer)
    items_before = [(i.kind, i.amount) for i in statement.items]

    voided = _void(accountant, statement)

    assert voided.status == StatementStatus.VOID
    assert voided.is_void
    assert voided.void_reason == REASON
    assert voided.voided_by_id == accountant.id
    assert voided.voided_at is not None
    assert voided.number == "2026/0001"
    assert [(i.kind, i.amount) for i in voided.items] == items_before
    assert len(voided.lines) == 3


def test_void_makes_entries_billable_again(
    month_of_work, make_customer, make_ticket, agent, accountant, in_request
):
    set_terms(contract_of(month_of_work.customer), rate_per_km=Decimal("0.50"))
    add_resource(month_of_work.first_ticket, agent, ResourceKind.MILEAGE, "20")
    statement = issue(accountant, month_of_work.customer)
    versions = {
        entry.id: db.session.get(TimeEntry, entry.id).version
        for entry in month_of_work.billable
    }

    _void(accountant, statement)

    for entry in month_of_work.billable:
        refreshed = db.session.get(TimeEntry, entry.id)
        assert refreshed.statement_id is None
        assert refreshed.version == versions[entry.id] + 1
    resource = db.session.scalar(sa.select(ResourceEntry))
    assert resource.statement_id is None

    again = issue(accountant, month_of_work.customer)
    assert again.number == "2026/0002"
    assert sorted(line.time_entry_id for line in again.lines if line.time_entry_id) == (
        sorted(entry.id for entry in month_of_work.billable)
    )
    assert again.total_amount == Decimal("90.00")


def test_void_reopens_applied_adjustments(
    month_of_work, make_entry, agent, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    create_adjustment(accountant, november, Decimal("-15.00"), "Sconto fedeltà")
    db.session.commit()
    make_entry(
        month_of_work.first_ticket,
        agent,
        60,
        EntryStatus.APPROVED,
        date(2026, 12, 2),
    )
    december = issue(accountant, month_of_work.customer, date(2026, 12, 1))
    adjustment = db.session.scalar(sa.select(Adjustment))
    assert adjustment.applied_statement_id == december.id

    _void(accountant, december)

    adjustment = db.session.scalar(sa.select(Adjustment))
    assert adjustment.applied_statement_id is None
    assert adjustment.cancelled_at is None


def test_void_cancels_open_corrections(month_of_work, accountant, in_request):
    statement = issue(accountant, month_of_work.customer)
    create_adjustment(accountant, statement, Decimal("10.00"), "Materiale dimenticato")
    db.session.commit()

    _void(accountant, statement)

    adjustment = db.session.scalar(sa.select(Adjustment))
    assert adjustment.cancelled_at is not None
    assert adjustment.cancelled_by_id == accountant.id


def test_void_twice_raises_409(month_of_work, accountant, make_user, in_request):
    statement = issue(accountant, month_of_work.customer)
    _void(accountant, statement)
    colleague = make_user(Role.ACCOUNTS, name="Paolo Neri")

    with pytest.raises(AlreadyVoidError) as raised:
        void_statement(colleague, db.session.get(Statement, statement.id), "Doppio")
    db.session.rollback()

    assert raised.value.status == 409
    assert "already voided by Anna Conti" in raised.value.message
    assert db.session.get(Statement, statement.id).void_reason == REASON


def test_void_without_reason_raises(month_of_work, accountant, in_request):
    statement = issue(accountant, month_of_work.customer)

    with pytest.raises(DomainError) as raised:
        void_statement(accountant, statement, "   ")
    db.session.rollback()

    assert raised.value.status == 422
    assert db.session.get(Statement, statement.id).status == StatementStatus.ISSUED


def test_void_writes_audit_row(month_of_work, accountant, in_request):
    statement = issue(accountant, month_of_work.customer)

    _void(accountant, statement)

    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "voided")
    )
    assert event.object_type == "statements"
    assert event.object_id == statement.id
    assert event.actor_id == accountant.id
    assert event.reason == REASON
    assert event.before == {"status": "issued"}
    assert event.after["status"] == "void"
    assert event.after["entry_ids"] == sorted(e.id for e in month_of_work.billable)


def test_void_keeps_issued_pdf(month_of_work, accountant, in_request):
    statement = issue(accountant, month_of_work.customer)
    db.session.get(Statement, statement.id).pdf = b"%PDF-1.7 issued bytes"
    db.session.commit()

    _void(accountant, statement)

    assert db.session.get(Statement, statement.id).pdf == b"%PDF-1.7 issued bytes"


def test_void_of_legacy_statement(
    month_of_work, accountant, make_statement_row, in_request
):
    legacy = make_statement_row(month_of_work.customer, accountant, 7)
    entry = db.session.get(TimeEntry, month_of_work.billable[0].id)
    entry.statement_id = legacy.id
    db.session.commit()

    voided = _void(accountant, legacy)

    assert voided.is_void
    assert db.session.get(TimeEntry, entry.id).statement_id is None


# Pages.


def _void_url(statement) -> str:
    return f"/accounts/statements/{statement.id}/void"


def test_void_page_shows_form(client, login_as, month_of_work, accountant, in_request):
    statement = issue(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)

    response = client.get(_void_url(statement), headers=ENGLISH)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="void-form"' in html
    assert "Void statement 2026/0001" in html


def test_void_post_voids_and_requests_copy(
    client, login_as, month_of_work, accountant, monkeypatch, in_request
):
    statement = issue(accountant, month_of_work.customer)
    requests = []
    monkeypatch.setattr(
        "portal.services.pdf_jobs.request_render",
        lambda statement_id, void_copy=False: requests.append(
            (statement_id, void_copy)
        ),
    )
    login_as(Role.ACCOUNTS)

    response = client.post(_void_url(statement), data={"reason": REASON})

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/accounts/statements/{statement.id}")
    assert db.session.get(Statement, statement.id).is_void
    assert requests == [(statement.id, True)]


def test_void_post_without_reason_is_422(
    client, login_as, month_of_work, accountant, in_request
):
    statement = issue(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)

    response = client.post(_void_url(statement), data={"reason": "  "}, headers=ENGLISH)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the reason for voiding" in html.split('id="reason-errors"')[1]
    assert not db.session.get(Statement, statement.id).is_void


def test_second_tab_void_is_409(
    client, login_as, month_of_work, accountant, monkeypatch, in_request
):
    statement = issue(accountant, month_of_work.customer)
    monkeypatch.setattr(
        "portal.services.pdf_jobs.request_render", lambda *args, **kwargs: None
    )
    user = login_as(Role.ACCOUNTS, name="Giulia Verdi")
    first_tab = client.get(_void_url(statement), headers=ENGLISH)
    assert 'id="void-form"' in first_tab.get_data(as_text=True)

    first = client.post(_void_url(statement), data={"reason": REASON})
    second = client.post(
        _void_url(statement), data={"reason": "Altro motivo"}, headers=ENGLISH
    )

    html = second.get_data(as_text=True)
    assert first.status_code == 303
    assert second.status_code == 409
    assert "was already voided by Giulia Verdi" in html
    assert 'id="void-form"' not in html
    voided = db.session.get(Statement, statement.id)
    assert voided.void_reason == REASON
    assert voided.voided_by_id == user.id
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "voided")
    ).all()
    assert len(events) == 1


def test_void_unknown_statement_is_404(client, login_as):
    login_as(Role.ACCOUNTS)

    assert client.get("/accounts/statements/424242/void").status_code == 404
    assert client.post("/accounts/statements/424242/void").status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER, Role.CUSTOMER])
def test_void_other_roles_403(
    client, login_as, month_of_work, accountant, role, in_request
):
    statement = issue(accountant, month_of_work.customer)
    login_as(role)

    response = client.post(_void_url(statement), data={"reason": REASON})

    assert response.status_code == 403
    assert not db.session.get(Statement, statement.id).is_void


def test_void_post_needs_csrf(
    client, login_as, month_of_work, accountant, csrf_enabled, in_request
):
    statement = issue(accountant, month_of_work.customer)
    accountant.set_password("void test password")
    db.session.commit()
    login_page = client.get("/login").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={
            "email": accountant.email,
            "password": "void test password",
            "csrf_token": token,
        },
    )

    response = client.post(_void_url(statement), data={"reason": REASON})

    assert response.status_code == 400
    assert not db.session.get(Statement, statement.id).is_void
