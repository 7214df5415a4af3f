"""A decision that lost a race (409) sends the row as it is now, with the message."""

from __future__ import annotations

import re

from approvals_speed.helpers import HTMX, audit_rows, reload, text_of
from portal.extensions import db
from portal.models import EntryStatus


def _oob_row(html: str, entry_id: int) -> str:
    """Return the out-of-band row of entry_id inside the response's <template>."""
    match = re.search(
        rf'<template>\s*(<tr id="entry-{entry_id}" hx-swap-oob="true".*?</tr>)\s*'
        r"</template>",
        html,
        re.S,
    )
    assert match, f"no out-of-band row for entry {entry_id}"
    return match.group(1)


def test_decided_elsewhere_sends_decided_row(
    client, lead, agent, ticket, submit, approve
):
    entry = submit(ticket, agent)
    approve(entry)

    response = client.post(
        f"/approvals/entries/{entry.id}/approve", data={"version": 1}, headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert html.lstrip().startswith('<p class="flash flash-error" role="alert">')
    assert "Already approved by Giulia Neri on 01/12/2026 10:30." in html
    row = _oob_row(html, entry.id)
    assert "decided-approved" in row
    assert "Approved" in text_of(row)
    assert 'name="version"' not in row


def test_changed_entry_sends_current_values(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=60, description="First text")
    entry.minutes = 150
    entry.description = "Corrected by the agent"
    db.session.commit()

    response = client.post(
        f"/approvals/entries/{entry.id}/approve", data={"version": 1}, headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "was changed after you loaded the page" in html
    row = _oob_row(html, entry.id)
    assert "2:30" in text_of(row)
    assert "Corrected by the agent" in row
    assert "First text" not in row
    assert 'name="version" value="2"' in row
    assert reload(entry).status == EntryStatus.SUBMITTED
    assert audit_rows(entry) == []


def test_rejected_elsewhere_sends_rejected_row(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)
    entry.status = EntryStatus.REJECTED
    entry.rejection_reason = "Wrong ticket"
    entry.decided_by = lead
    db.session.commit()

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": "Too long", f"reject-{entry.id}-version": 1},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    row = _oob_row(html, entry.id)
    assert "Rejected: Wrong ticket" in text_of(row)
    assert "reject-form" not in row


def test_reversed_elsewhere_sends_waiting_row(
    client, lead, agent, ticket, submit, approve
):
    entry = approve(submit(ticket, agent))
    entry.status = EntryStatus.SUBMITTED
    entry.decided_by = None
    entry.decided_at = None
    db.session.commit()

    response = client.post(
        f"/approvals/entries/{entry.id}/reverse?status=approved",
        data={f"reverse-{entry.id}-reason": "Wrong", f"reverse-{entry.id}-version": 2},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    row = _oob_row(html, entry.id)
    assert "Waiting for approval" in text_of(row)
    assert "No longer waiting for approval" not in text_of(row)


def test_plain_conflict_keeps_error_page(client, lead, agent, ticket, submit, approve):
    entry = approve(submit(ticket, agent))

    response = client.post(
        f"/approvals/entries/{entry.id}/approve", data={"version": 1}
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Already approved by Giulia Neri" in html
    assert "hx-swap-oob" not in html
