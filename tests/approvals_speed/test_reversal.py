"""Reversing an approval: allowed until the entry is billed, never on one's own."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from approvals_speed.helpers import (
    HTMX,
    audit_rows,
    notifications_of,
    reload,
    section,
    text_of,
)
from portal.extensions import db
from portal.models import EntryStatus, Role, Statement
from portal.models.billing import StatementStatus


def _reverse(client, entry, reason="Wrong customer, log it again.", **kwargs):
    field = f"reverse-{entry.id}-reason"
    data = {field: reason, f"reverse-{entry.id}-version": entry.version}
    return client.post(f"/approvals/entries/{entry.id}/reverse", data=data, **kwargs)


def _statement(customer, issuer) -> Statement:
    statement = Statement(
        customer=customer,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        year=2026,
        sequence=1,
        number="2026/0001",
        status=StatementStatus.ISSUED,
        language="it",
        hourly_rate=Decimal("60.00"),
        total_minutes=30,
        total_amount=Decimal("30.00"),
        customer_name=customer.name,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
        issued_by=issuer,
    )
    db.session.add(statement)
    return statement


def test_reversal_returns_entry_to_queue(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))
    approver_id = entry.decided_by_id

    response = _reverse(client, entry, reason="  Wrong customer, log it again. ")

    assert response.status_code == 303
    assert response.headers["Location"] == "/approvals/"
    entry = reload(entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.decided_by_id is None
    assert entry.decided_at is None
    assert entry.rejection_reason is None
    (event,) = audit_rows(entry)
    assert event.action == "approval_reversed"
    assert event.actor_id == lead.id
    assert event.reason == "Wrong customer, log it again."
    assert event.before["status"] == "approved"
    assert event.before["decided_by_id"] == approver_id
    assert event.after == {
        "status": "submitted",
        "decided_by_id": None,
        "decided_at": None,
        "rejection_reason": None,
    }
    page = client.get("/approvals/").get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in page
    assert "It is waiting for approval again." in page


def test_reversal_notifies_agent(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    _reverse(client, entry)

    (notification,) = notifications_of(agent)
    assert notification.kind == "approval_reversed"
    assert notification.object_type == "time_entries"
    assert notification.object_id == entry.id
    assert notification.payload["reason"] == "Wrong customer, log it again."
    assert notification.payload["actor"] == "Laura Bianchi"


def test_reversal_htmx_replaces_row(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    response = _reverse(client, entry, headers=HTMX)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="entry-{entry.id}"')
    assert "Approval reversed" in text_of(section(html, f"entry-{entry.id}"))
    assert "1 entry is waiting for approval." in text_of(section(html, "queue-count"))


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_reversal_needs_reason(client, lead, agent, ticket, submit, approve, headers):
    entry = approve(submit(ticket, agent))

    response = _reverse(
        client, entry, reason=" ", headers=headers, query_string={"status": "approved"}
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = section(html, f"reverse-{entry.id}-reason-errors")
    assert "Enter the reason for reversing the approval." in errors
    assert reload(entry).status == EntryStatus.APPROVED
    assert audit_rows(entry) == []


def test_reverse_form_htmx_opens_inline(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    response = client.get(
        f"/approvals/entries/{entry.id}/reverse?status=approved", headers=HTMX
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'name="reverse-{entry.id}-reason"' in html
    assert f'name="reverse-{entry.id}-version" type="hidden" value="2"' in html


def test_reverse_form_plain_opens_on_page(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    response = client.get(f"/approvals/?status=approved&reverse={entry.id}")

    row = section(response.get_data(as_text=True), f"entry-{entry.id}")
    assert f'name="reverse-{entry.id}-reason"' in row


def test_billed_entry_cannot_be_reversed(
    client, lead, agent, customer, ticket, submit, approve
):
    entry = approve(submit(ticket, agent))
    statement = _statement(customer, lead)
    entry.statement = statement
    db.session.commit()

    response = _reverse(client, entry)

    assert response.status_code == 409
    assert "its approval can no longer be reversed" in response.get_data(as_text=True)
    entry = reload(entry)
    assert entry.status == EntryStatus.APPROVED
    assert audit_rows(entry) == []
    page = client.get("/approvals/?status=approved").get_data(as_text=True)
    row = text_of(section(page, f"entry-{entry.id}"))
    assert "On an issued statement" in row
    assert "Reverse approval" not in row


def test_own_approval_cannot_be_reversed(
    client, lead, help_desk, ticket, submit, approve
):
    lead.team = help_desk
    db.session.commit()
    entry = approve(submit(ticket, lead))

    response = _reverse(client, entry)

    assert response.status_code == 403
    assert "You cannot reverse the approval of your own time entry." in (
        response.get_data(as_text=True)
    )
    assert reload(entry).status == EntryStatus.APPROVED


def test_foreign_team_reversal_is_404(client, lead, outsider, ticket, submit, approve):
    entry = approve(submit(ticket, outsider))

    response = _reverse(client, entry)

    assert response.status_code == 404
    assert reload(entry).status == EntryStatus.APPROVED


def test_waiting_entry_cannot_be_reversed(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = _reverse(client, entry)

    assert response.status_code == 409
    assert "This entry is not approved" in response.get_data(as_text=True)


def test_second_reversal_is_409(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))
    seen_version = entry.version

    first = _reverse(client, entry, headers=HTMX)
    field = f"reverse-{entry.id}-reason"
    second = client.post(
        f"/approvals/entries/{entry.id}/reverse",
        data={field: "Twice", f"reverse-{entry.id}-version": seen_version},
        headers=HTMX,
    )

    assert first.status_code == 200
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "The approval was already reversed by Laura Bianchi on" in html
    assert len(audit_rows(entry)) == 1


def test_changed_entry_reversal_is_409(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))
    field = f"reverse-{entry.id}-reason"

    response = client.post(
        f"/approvals/entries/{entry.id}/reverse",
        data={field: "Old page", f"reverse-{entry.id}-version": 1},
    )

    assert response.status_code == 409
    assert "was changed after you loaded the page" in response.get_data(as_text=True)


def test_admin_reverses_any_team(client, login_as, outsider, ticket, submit, approve):
    login_as(Role.ADMIN)
    entry = approve(submit(ticket, outsider))

    response = _reverse(client, entry)

    assert response.status_code == 303
    assert reload(entry).status == EntryStatus.SUBMITTED
