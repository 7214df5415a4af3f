"""The history page of an entry: its steps, values, times and who may read it."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from approvals_speed.helpers import MONDAY, WEDNESDAY, text_of
from portal.extensions import db
from portal.models import AuditEvent, Role, TimeEntry
from portal.services import approvals, entries
from portal.services.approval_queue import ApproverScope
from portal.services.entries import EntryData
from tests.conftest import login

EVERYONE = ApproverScope(user_id=0, sees_all=True)


@pytest.fixture
def lived_entry(app, agent, make_user, ticket, activity) -> TimeEntry:
    """Create, change, submit, approve, reverse and reject one entry."""
    giulia = make_user(Role.APPROVER, name="Giulia Neri")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        data = EntryData(MONDAY, 90, activity.id, "Printer driver reinstalled")
        entry = entries.create_entry(agent, ticket, data)
        changed = EntryData(WEDNESDAY, 120, activity.id, "Printer driver reinstalled")
        entries.update_entry(agent, entry, changed)
        entries.submit_entries(agent, [entry])
        approvals.approve_entry(giulia, entry, scope=EVERYONE)
        approvals.reverse_approval(
            giulia, entry, "Customer disputes it", scope=EVERYONE
        )
        approvals.reject_entry(giulia, entry, "Split it by day", scope=EVERYONE)
        db.session.commit()
    return entry


def _steps(html: str) -> list[str]:
    return [
        text_of(step)
        for step in re.findall(r'<li class="card history-step.*?</li>', html, re.S)
    ]


def test_history_lists_every_step(client, lead, lived_entry):
    response = client.get(f"/history/entries/{lived_entry.id}")

    assert response.status_code == 200
    steps = _steps(response.get_data(as_text=True))
    labels = [step.split(" by ")[0] for step in steps]
    assert labels == [
        "Created",
        "Changed",
        "Submitted for approval",
        "Approved",
        "Approval reversed",
        "Rejected",
    ]
    assert "by Marco Rossi" in steps[0]
    assert "Date — 09/11/2026" in steps[0]
    assert "Duration — 1:30" in steps[0]
    assert "Date 09/11/2026 11/11/2026" in steps[1]
    assert "Duration 1:30 2:00" in steps[1]
    assert "Description" not in steps[1]
    assert "Status Draft Submitted" in steps[2]
    assert "by Giulia Neri" in steps[3]
    assert "Status Submitted Approved" in steps[3]
    assert "Decided by — Giulia Neri" in steps[3]
    assert "Reason: Customer disputes it" in steps[4]
    assert "Status Approved Submitted" in steps[4]
    assert "Decided by Giulia Neri —" in steps[4]
    assert "Reason: Split it by day" in steps[5]
    assert "Rejection reason — Split it by day" in steps[5]


def test_history_times_in_viewer_zone(client, login_as, help_desk, lived_entry):
    viewer = login_as(Role.APPROVER, timezone="America/New_York")
    help_desk.approvers.append(viewer)
    db.session.commit()
    first = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).first()
    local = first.occurred_at.astimezone(ZoneInfo("America/New_York"))

    html = client.get(f"/history/entries/{lived_entry.id}").get_data(as_text=True)

    assert local.strftime("%d/%m/%Y %H:%M") in _steps(html)[0]


def test_agent_reads_own_history(client, lived_entry, agent):
    login(client, agent)

    response = client.get(f"/history/entries/{lived_entry.id}")

    assert response.status_code == 200
    assert f'href="/agent/tickets/ASS-1001#entry-{lived_entry.id}"' in (
        response.get_data(as_text=True)
    )


@pytest.mark.parametrize("role", [Role.ACCOUNTS, Role.ADMIN])
def test_accounts_and_admin_read_history(client, login_as, lived_entry, role):
    login_as(role)

    response = client.get(f"/history/entries/{lived_entry.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(_steps(html)) == 6
    if role == Role.ACCOUNTS:
        # Accounts users cannot open the agent pages, so no link leads there.
        assert 'href="/agent/tickets/' not in html


def test_other_agent_gets_404(client, login_as, lived_entry):
    login_as(Role.AGENT)

    assert client.get(f"/history/entries/{lived_entry.id}").status_code == 404


def test_lead_of_other_team_gets_404(client, login_as, networks, lived_entry):
    stranger = login_as(Role.APPROVER)
    networks.approvers.append(stranger)
    db.session.commit()

    assert client.get(f"/history/entries/{lived_entry.id}").status_code == 404


def test_customer_gets_403(client, login_as, customer, lived_entry):
    login_as(Role.CUSTOMER, customer=customer)

    assert client.get(f"/history/entries/{lived_entry.id}").status_code == 403


def test_unknown_entry_is_404(client, lead):
    assert client.get("/history/entries/999999").status_code == 404


def test_deleted_entry_keeps_history(app, client, lead, agent, ticket, activity):
    with app.test_request_context():
        data = EntryData(MONDAY, 30, activity.id, "Call")
        entry = entries.create_entry(agent, ticket, data)
        entry_id = entry.id
        entries.delete_entry(agent, entry)
        db.session.commit()

    response = client.get(f"/history/entries/{entry_id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This entry was deleted. Its history is kept." in html
    steps = _steps(html)
    assert [step.split(" by ")[0] for step in steps] == ["Created", "Deleted"]
    assert "Duration 0:30 —" in steps[1]


def test_queue_row_links_history(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    html = client.get("/approvals/").get_data(as_text=True)

    assert f'href="/history/entries/{entry.id}"' in html


def test_history_in_italian(client, login_as, help_desk, lived_entry):
    viewer = login_as(Role.APPROVER, language="it")
    help_desk.approvers.append(viewer)
    db.session.commit()

    html = client.get(f"/history/entries/{lived_entry.id}").get_data(as_text=True)

    # Values are rendered in the reader's language, not as stored.
    assert "In approvazione Approvata" in _steps(html)[3]
