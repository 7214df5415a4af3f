"""Entries awaiting approval block the issue unless accounts give a reason."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    EntryStatus,
    Role,
    Statement,
    StatementSequence,
)
from portal.services.billing_rules import ResourceKind
from portal.services.statements import PendingWorkError, issue_statement

from .conftest import ENGLISH, ISSUED_AT, NOVEMBER
from .pricing_support import add_resource, contract_of, set_terms

OVERRIDE = "Il cliente chiede il rendiconto entro oggi"


def _statement_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Statement.id)))


def _submitted_entry(month_of_work, make_entry, agent):
    return make_entry(
        month_of_work.first_ticket,
        agent,
        45,
        EntryStatus.SUBMITTED,
        date(2026, 11, 12),
    )


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_submitted_entry_blocks_issue(
    month_of_work, make_entry, agent, accountant, in_request, reason
):
    _submitted_entry(month_of_work, make_entry, agent)

    with pytest.raises(PendingWorkError) as raised:
        issue_statement(
            accountant,
            month_of_work.customer,
            NOVEMBER,
            issued_at=ISSUED_AT,
            pending_override_reason=reason,
        )
    db.session.rollback()

    assert raised.value.status == 409
    assert "1 billable entry of this month is waiting for approval" in (
        raised.value.message
    )
    assert _statement_count() == 0
    assert db.session.get(StatementSequence, 2026) is None


def test_submitted_resource_blocks_issue(month_of_work, agent, accountant, in_request):
    set_terms(contract_of(month_of_work.customer), rate_per_km=None)
    add_resource(
        month_of_work.second_ticket,
        agent,
        ResourceKind.MILEAGE,
        "30",
        status=EntryStatus.SUBMITTED,
    )

    with pytest.raises(PendingWorkError):
        issue_statement(
            accountant, month_of_work.customer, NOVEMBER, issued_at=ISSUED_AT
        )
    db.session.rollback()

    assert _statement_count() == 0


def test_drafts_and_other_months_do_not_block(
    month_of_work, make_entry, agent, accountant, in_request
):
    ticket = month_of_work.first_ticket
    make_entry(ticket, agent, 30, EntryStatus.DRAFT, date(2026, 11, 12))
    make_entry(ticket, agent, 30, EntryStatus.SUBMITTED, date(2026, 12, 1))
    make_entry(
        ticket,
        agent,
        30,
        EntryStatus.SUBMITTED,
        date(2026, 11, 12),
        is_billable=False,
    )

    statement = issue_statement(
        accountant, month_of_work.customer, NOVEMBER, issued_at=ISSUED_AT
    )

    assert statement.pending_override_reason is None


def test_override_reason_stored_and_audited(
    month_of_work, make_entry, agent, accountant, in_request
):
    pending = _submitted_entry(month_of_work, make_entry, agent)

    statement = issue_statement(
        accountant,
        month_of_work.customer,
        NOVEMBER,
        issued_at=ISSUED_AT,
        pending_override_reason=f"  {OVERRIDE} ",
    )
    db.session.commit()

    assert statement.pending_override_reason == OVERRIDE
    assert pending.id not in {line.time_entry_id for line in statement.lines}
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "issued")
    )
    assert event.reason == OVERRIDE
    assert event.after["pending_entry_ids"] == [pending.id]
    assert event.after["pending_resource_ids"] == []


# Pages.


def _issue_data(client, customer, **extra) -> dict:
    html = client.get(
        f"/accounts/statements/new?customer_id={customer.id}&month=2026-11"
    ).get_data(as_text=True)
    fingerprint = html.split('name="fingerprint" type="hidden" value="')[1][:64]
    return {
        "customer_id": customer.id,
        "month": "2026-11",
        "fingerprint": fingerprint,
        **extra,
    }


def test_issue_view_without_reason_is_422(
    client, login_as, month_of_work, make_entry, agent
):
    _submitted_entry(month_of_work, make_entry, agent)
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements",
        data=_issue_data(client, month_of_work.customer, override_reason=" "),
        headers=ENGLISH,
    )

    html = response.get_data(as_text=True)
    errors = html.split('id="override_reason-errors"')[1].split("</div>")[0]
    assert response.status_code == 422
    assert "waiting for approval" in errors
    assert 'id="pending-list"' in html
    assert _statement_count() == 0


def test_issue_view_with_reason_issues(
    client, login_as, month_of_work, make_entry, agent
):
    _submitted_entry(month_of_work, make_entry, agent)
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements",
        data=_issue_data(client, month_of_work.customer, override_reason=OVERRIDE),
    )

    statement = db.session.scalars(sa.select(Statement)).one()
    assert response.status_code == 303
    assert statement.pending_override_reason == OVERRIDE


def test_issue_view_long_reason_is_422(
    client, login_as, month_of_work, make_entry, agent
):
    _submitted_entry(month_of_work, make_entry, agent)
    login_as(Role.ACCOUNTS)
    reason = "Motivo lungo " + "x" * 2000

    response = client.post(
        "/accounts/statements",
        data=_issue_data(client, month_of_work.customer, override_reason=reason),
        headers=ENGLISH,
    )

    html = response.get_data(as_text=True)
    errors = html.split('id="override_reason-errors"')[1].split("</div>")[0]
    assert response.status_code == 422
    assert "at most 2000 characters" in errors
    assert reason in html
    assert _statement_count() == 0


def test_stale_issue_with_reason_goes_back(
    client, login_as, month_of_work, make_entry, agent
):
    _submitted_entry(month_of_work, make_entry, agent)
    login_as(Role.ACCOUNTS)
    data = _issue_data(client, month_of_work.customer, override_reason="Urgente")
    # An entry approved after the preview makes its fingerprint stale, so the
    # issue goes back to a fresh preview even with a reason.
    make_entry(
        month_of_work.second_ticket,
        agent,
        15,
        EntryStatus.APPROVED,
        date(2026, 11, 13),
    )

    response = client.post("/accounts/statements", data=data, headers=ENGLISH)

    assert response.status_code == 303
    fresh = client.get(response.headers["Location"], headers=ENGLISH)
    assert "changed after the preview" in fresh.get_data(as_text=True)
    assert _statement_count() == 0


def test_preview_lists_pending_resource(client, login_as, month_of_work, agent):
    resource = add_resource(
        month_of_work.second_ticket,
        agent,
        ResourceKind.MATERIAL,
        "3",
        unit_price="4.00",
        status=EntryStatus.SUBMITTED,
    )
    login_as(Role.ACCOUNTS)

    html = client.get(
        f"/accounts/statements/new?customer_id={month_of_work.customer.id}"
        "&month=2026-11",
        headers=ENGLISH,
    ).get_data(as_text=True)

    pending = html.split('id="pending-list"')[1].split("</table>")[0]
    assert f'data-resource="{resource.id}"' in pending
    assert "Material" in pending
    assert 'name="override_reason"' in html


def test_htmx_issue_without_reason_returns_fragment(
    client, login_as, month_of_work, make_entry, agent
):
    _submitted_entry(month_of_work, make_entry, agent)
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/statements",
        data=_issue_data(client, month_of_work.customer),
        headers={**ENGLISH, "HX-Request": "true"},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert 'id="new-statement"' in html
    assert "waiting for approval" in html.split('id="override_reason-errors"')[1]


def test_pending_after_issue_asks_no_reason(
    client, login_as, month_of_work, make_entry, agent, accountant, in_request
):
    _submitted_entry(month_of_work, make_entry, agent)
    issue_statement(
        accountant,
        month_of_work.customer,
        NOVEMBER,
        issued_at=ISSUED_AT,
        pending_override_reason=OVERRIDE,
    )
    db.session.commit()
    login_as(Role.ACCOUNTS)

    html = client.get(
        f"/accounts/statements/new?customer_id={month_of_work.customer.id}"
        "&month=2026-11",
        headers=ENGLISH,
    ).get_data(as_text=True)

    warning = html.split('id="pending-warning"')[1].split("</p>")[0]
    assert 'id="nothing-to-bill"' in html
    assert "Once approved, it can be billed on a new statement." in warning
    assert "give a reason below" not in warning
    assert 'name="override_reason"' not in html
