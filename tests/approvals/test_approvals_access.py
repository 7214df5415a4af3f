"""Only approvers and admins reach the approval routes."""

from __future__ import annotations

import pytest
from approvals_helpers import HTMX, MONDAY

from portal.models import EntryStatus, Role, TimeEntry


def _routes(entry: TimeEntry) -> list[tuple[str, str]]:
    week = MONDAY.isoformat()
    return [
        ("GET", "/approvals/"),
        ("GET", f"/approvals/?reject={entry.id}"),
        ("POST", f"/approvals/entries/{entry.id}/approve"),
        ("GET", f"/approvals/entries/{entry.id}/reject"),
        ("POST", f"/approvals/entries/{entry.id}/reject"),
        ("GET", f"/approvals/entries/{entry.id}"),
        ("POST", f"/approvals/groups/{entry.agent_id}/{week}/approve"),
    ]


@pytest.mark.parametrize("role", [Role.AGENT, Role.CUSTOMER, Role.ACCOUNTS])
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_other_roles_get_403(client, login_as, agent, ticket, submit, role, headers):
    login_as(role)
    entry = submit(ticket, agent)

    for method, url in _routes(entry):
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == 403, (method, url)

    assert entry.status == EntryStatus.SUBMITTED


def test_agent_own_entry_is_403(client, login_as, ticket, submit):
    agent = login_as(Role.AGENT)
    entry = submit(ticket, agent)

    response = client.post(f"/approvals/entries/{entry.id}/approve")

    assert response.status_code == 403
    assert entry.status == EntryStatus.SUBMITTED


def test_anonymous_sent_to_login(client, agent, ticket, submit):
    entry = submit(ticket, agent)

    for method, url in _routes(entry):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_leads_reach_queue(client, login_as, role):
    login_as(role)

    response = client.get("/approvals/")

    assert response.status_code == 200
