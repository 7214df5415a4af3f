"""Adjustments: created on an issued statement, billed on the next, cancellable."""

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
    ItemKind,
    Role,
    Statement,
)
from portal.services.statements import (
    build_preview,
    cancel_adjustment,
    create_adjustment,
    void_statement,
)

from .conftest import ENGLISH
from .pricing_support import issue

DECEMBER = date(2026, 12, 1)
CREDIT_REASON = "Sconto per il disservizio di novembre"


def _adjust(actor, statement, amount="-20.00", reason=CREDIT_REASON) -> Adjustment:
    adjustment = create_adjustment(actor, statement, Decimal(amount), reason)
    db.session.commit()
    return adjustment


def _december_work(month_of_work, make_entry, agent):
    return make_entry(
        month_of_work.second_ticket,
        agent,
        60,
        EntryStatus.APPROVED,
        date(2026, 12, 3),
        "Aggiornamento firmware",
    )


def test_adjustment_billed_on_next_statement(
    month_of_work, make_entry, agent, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    adjustment = _adjust(accountant, november)
    _december_work(month_of_work, make_entry, agent)

    december = issue(accountant, month_of_work.customer, DECEMBER)

    last = december.items[-1]
    assert last.kind == ItemKind.ADJUSTMENT
    assert last.amount == Decimal("-20.00")
    assert last.description == CREDIT_REASON
    assert last.refers_to_number == november.number
    assert december.subtotal_amount == Decimal("40.00")
    assert december.total_amount == Decimal("40.00")
    assert db.session.get(Adjustment, adjustment.id).applied_statement_id == december.id


def test_adjustment_alone_can_be_issued(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    _adjust(accountant, november, "35.50", "Materiale non fatturato")

    december = issue(accountant, month_of_work.customer, DECEMBER)

    assert [item.kind for item in december.items] == [ItemKind.ADJUSTMENT]
    assert december.total_amount == Decimal("35.50")
    assert december.lines == []


def test_adjustment_in_preview(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    _adjust(accountant, november)

    preview = build_preview(month_of_work.customer, DECEMBER)

    (item,) = preview.pricing.adjustments
    assert item.refers_to_number == "2026/0001"
    assert preview.pricing.total == Decimal("-20.00")


def test_adjustment_billed_once(
    month_of_work, make_entry, agent, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    _adjust(accountant, november)
    _december_work(month_of_work, make_entry, agent)
    issue(accountant, month_of_work.customer, DECEMBER)

    preview = build_preview(month_of_work.customer, date(2027, 1, 1))

    assert preview.pricing.adjustments == ()
    assert preview.is_empty


def test_duplicate_adjustment_raises_409(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    _adjust(accountant, november)

    with pytest.raises(DomainError) as raised:
        create_adjustment(accountant, november, Decimal("-20.00"), CREDIT_REASON)
    db.session.rollback()

    assert raised.value.status == 409
    assert "already created" in raised.value.message
    assert db.session.scalar(sa.select(sa.func.count(Adjustment.id))) == 1


def test_adjustment_of_void_statement_raises_409(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    void_statement(accountant, november, "Errore")
    db.session.commit()

    with pytest.raises(DomainError) as raised:
        create_adjustment(accountant, november, Decimal("-5.00"), "Correzione")
    db.session.rollback()

    assert raised.value.status == 409
    assert "is void" in raised.value.message


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("0.00", "Motivo", "other than zero"),
        ("1.005", "Motivo", "at most two decimals"),
        ("-20.00", "   ", "Enter the reason"),
        ("10000000000.00", "Motivo", "at most 9999999999.99"),
    ],
)
def test_invalid_adjustment_raises_422(
    month_of_work, accountant, in_request, amount, reason, message
):
    november = issue(accountant, month_of_work.customer)

    with pytest.raises(DomainError) as raised:
        create_adjustment(accountant, november, Decimal(amount), reason)
    db.session.rollback()

    assert raised.value.status == 422
    assert message in raised.value.message


def test_cancel_adjustment(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    adjustment = _adjust(accountant, november)

    cancel_adjustment(accountant, adjustment)
    db.session.commit()

    cancelled = db.session.get(Adjustment, adjustment.id)
    assert cancelled.cancelled_at is not None
    assert cancelled.cancelled_by_id == accountant.id
    assert build_preview(month_of_work.customer, DECEMBER).is_empty


def test_cancel_twice_raises_409(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    adjustment = _adjust(accountant, november)
    cancel_adjustment(accountant, adjustment)
    db.session.commit()

    with pytest.raises(DomainError) as raised:
        cancel_adjustment(accountant, db.session.get(Adjustment, adjustment.id))
    db.session.rollback()

    assert raised.value.status == 409
    assert "already cancelled by Anna Conti" in raised.value.message


def test_cancel_billed_adjustment_raises_409(
    month_of_work, make_entry, agent, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    adjustment = _adjust(accountant, november)
    _december_work(month_of_work, make_entry, agent)
    december = issue(accountant, month_of_work.customer, DECEMBER)

    with pytest.raises(DomainError) as raised:
        cancel_adjustment(accountant, db.session.get(Adjustment, adjustment.id))
    db.session.rollback()

    assert raised.value.status == 409
    assert f"already billed on statement {december.number}" in raised.value.message


def test_adjustment_audit_rows(month_of_work, accountant, in_request):
    november = issue(accountant, month_of_work.customer)
    adjustment = _adjust(accountant, november)
    cancel_adjustment(accountant, adjustment)
    db.session.commit()

    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "adjustments")
        .order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in events] == ["created", "cancelled"]
    assert events[0].reason == CREDIT_REASON
    assert events[0].after["amount"] == "-20.00"
    assert events[0].after["original_statement"] == "2026/0001"
    assert all(event.object_id == adjustment.id for event in events)


# Pages.


def test_new_adjustment_page_and_post(
    client, login_as, month_of_work, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)
    url = f"/accounts/statements/{november.id}/adjustments/new"

    page = client.get(url, headers=ENGLISH)
    response = client.post(url, data={"amount": "-12,50", "reason": CREDIT_REASON})

    assert page.status_code == 200
    assert 'id="adjustment-form"' in page.get_data(as_text=True)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/accounts/adjustments")
    adjustment = db.session.scalar(sa.select(Adjustment))
    assert adjustment.amount == Decimal("-12.50")
    assert adjustment.original_statement_id == november.id


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "", "reason": "Motivo"}, "amount", "Enter the amount"),
        ({"amount": "0", "reason": "Motivo"}, "amount", "other than zero"),
        ({"amount": "abc", "reason": "Motivo"}, "amount", "Enter an amount such as"),
        ({"amount": "1,005", "reason": "Motivo"}, "amount", "at most two decimals"),
        ({"amount": "-10", "reason": " "}, "reason", "Enter the reason"),
    ],
)
def test_new_adjustment_bad_input_is_422(
    client, login_as, month_of_work, accountant, in_request, data, field, message
):
    november = issue(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)

    response = client.post(
        f"/accounts/statements/{november.id}/adjustments/new",
        data=data,
        headers=ENGLISH,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html.split(f'id="{field}-errors"')[1].split("</div>")[0]
    assert f'value="{data["amount"]}"' in html
    assert db.session.scalar(sa.select(sa.func.count(Adjustment.id))) == 0


def test_double_submit_adjustment_is_409(
    client, login_as, month_of_work, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    login_as(Role.ACCOUNTS)
    url = f"/accounts/statements/{november.id}/adjustments/new"
    data = {"amount": "-12,50", "reason": CREDIT_REASON}

    first = client.post(url, data=data)
    second = client.post(url, data=data, headers=ENGLISH)

    assert first.status_code == 303
    assert second.status_code == 409
    assert "already created" in second.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Adjustment.id))) == 1


def test_adjustments_list_and_cancel(
    client, login_as, month_of_work, make_entry, agent, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    billed = _adjust(accountant, november, "-5.00", "Già fatturato")
    _december_work(month_of_work, make_entry, agent)
    december = issue(accountant, month_of_work.customer, DECEMBER)
    still_open = _adjust(accountant, november, "7.00", "Ancora aperto")
    login_as(Role.ACCOUNTS)

    page = client.get("/accounts/adjustments", headers=ENGLISH).get_data(as_text=True)
    open_table = page.split('id="open-adjustments"')[1].split("</table>")[0]
    applied_table = page.split('id="applied-adjustments"')[1].split("</table>")[0]
    assert f'data-adjustment="{still_open.id}"' in open_table
    assert f'data-adjustment="{billed.id}"' in applied_table
    assert december.number in applied_table

    first = client.post(f"/accounts/adjustments/{still_open.id}/cancel")
    second = client.post(
        f"/accounts/adjustments/{still_open.id}/cancel", headers=ENGLISH
    )

    assert first.status_code == 303
    assert second.status_code == 409
    assert "already cancelled" in second.get_data(as_text=True)
    assert db.session.get(Adjustment, still_open.id).cancelled_at is not None


def test_cancel_unknown_adjustment_is_404(client, login_as):
    login_as(Role.ACCOUNTS)

    assert client.post("/accounts/adjustments/424242/cancel").status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER, Role.CUSTOMER])
def test_adjustments_other_roles_403(
    client, login_as, month_of_work, accountant, role, in_request
):
    november = issue(accountant, month_of_work.customer)
    login_as(role)

    assert client.get("/accounts/adjustments").status_code == 403
    response = client.post(
        f"/accounts/statements/{november.id}/adjustments/new",
        data={"amount": "-5", "reason": "Motivo"},
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Adjustment.id))) == 0


def test_voided_statement_adjustment_page(
    client, login_as, month_of_work, accountant, in_request
):
    november = issue(accountant, month_of_work.customer)
    void_statement(accountant, db.session.get(Statement, november.id), "Errore")
    db.session.commit()
    login_as(Role.ACCOUNTS)
    url = f"/accounts/statements/{november.id}/adjustments/new"

    page = client.get(url, headers=ENGLISH).get_data(as_text=True)
    response = client.post(
        url, data={"amount": "-5", "reason": "Motivo"}, headers=ENGLISH
    )

    assert 'id="already-void"' in page
    assert 'id="adjustment-form"' not in page
    assert response.status_code == 409
    assert "is void" in response.get_data(as_text=True)
