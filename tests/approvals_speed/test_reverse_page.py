"""The reversal form opened directly, without htmx: a page of its own."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

from approvals_speed.helpers import audit_rows, reload, section, text_of
from portal.extensions import db
from portal.models import EntryStatus, Statement
from portal.models.billing import StatementStatus


def _issued_statement(customer, issuer) -> Statement:
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


def _open(client, entry, query=""):
    return client.get(f"/approvals/entries/{entry.id}/reverse{query}")


def test_direct_link_shows_form(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    response = _open(client, entry)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Reverse approval</h1>" in html
    assert f'name="reverse-{entry.id}-reason"' in html
    assert f'name="reverse-{entry.id}-version" type="hidden" value="2"' in html
    assert f'action="/approvals/entries/{entry.id}/reverse"' in html
    summary = text_of(section(html, f"reverse-entry-{entry.id}"))
    assert "ASS-1001 · Stampante non risponde" in summary
    assert "Marco Rossi" in summary
    assert "Approved by Giulia Neri on 01/12/2026 10:30" in summary
    assert 'id="queue"' not in html


def test_direct_link_keeps_queue_filter(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    html = _open(client, entry, f"?status=approved&agent={agent.id}").get_data(
        as_text=True
    )

    action = (
        f"/approvals/entries/{entry.id}/reverse?agent={agent.id}&amp;status=approved"
    )
    assert f'action="{action}"' in html
    cancel = re.search(r'<a class="button" href="([^"]+)">Cancel</a>', html)
    url = urlsplit(cancel.group(1).replace("&amp;", "&"))
    assert url.path == "/approvals/"
    assert parse_qs(url.query) == {"status": ["approved"], "agent": [str(agent.id)]}
    assert url.fragment == f"entry-{entry.id}"


def test_page_post_without_reason_stays(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    response = client.post(
        f"/approvals/entries/{entry.id}/reverse",
        data={f"reverse-{entry.id}-reason": " ", f"reverse-{entry.id}-version": "2"},
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<h1>Reverse approval</h1>" in html
    errors = section(html, f"reverse-{entry.id}-reason-errors")
    assert "Enter the reason for reversing the approval." in errors
    assert reload(entry).status == EntryStatus.APPROVED
    assert audit_rows(entry) == []


def test_waiting_entry_has_no_form_404(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = _open(client, entry)

    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "This entry is not approved, so there is no approval to reverse." in html
    assert f'name="reverse-{entry.id}-reason"' not in html


def test_billed_entry_has_no_form_404(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))
    entry.statement = _issued_statement(ticket.customer, lead)
    db.session.commit()

    response = _open(client, entry)

    assert response.status_code == 404
    assert "its approval can no longer be reversed" in response.get_data(as_text=True)


def test_own_entry_has_no_form_404(client, lead, help_desk, ticket, submit, approve):
    lead.team = help_desk
    db.session.commit()
    entry = approve(submit(ticket, lead))

    response = _open(client, entry)

    assert response.status_code == 404
    assert "You cannot reverse the approval of your own time entry." in (
        response.get_data(as_text=True)
    )


def test_htmx_waiting_entry_404(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.get(
        f"/approvals/entries/{entry.id}/reverse", headers={"HX-Request": "true"}
    )

    assert response.status_code == 404
    assert "This entry is not approved" in response.get_data(as_text=True)
