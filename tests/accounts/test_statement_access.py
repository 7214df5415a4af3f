"""Only the accounts office and admins reach the statement pages."""

from __future__ import annotations

import pytest

from portal.models import Role

GET_PATHS = [
    "/accounts/",
    "/accounts/statements/new",
    "/accounts/statements/1",
    "/accounts/statements/1/pdf",
]


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER, Role.CUSTOMER])
@pytest.mark.parametrize("path", GET_PATHS)
def test_other_roles_get_403(client, login_as, role, path):
    login_as(role)

    assert client.get(path).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER, Role.CUSTOMER])
def test_other_roles_cannot_issue(client, login_as, month_of_work, role):
    login_as(role)

    response = client.post(
        "/accounts/statements",
        data={"customer_id": month_of_work.customer.id, "month": "2026-11"},
    )

    assert response.status_code == 403
    assert month_of_work.billable[0].statement_id is None


@pytest.mark.parametrize("role", [Role.ACCOUNTS, Role.ADMIN])
def test_accounts_and_admin_allowed(client, login_as, role):
    login_as(role)

    assert client.get("/accounts/").status_code == 200
    assert client.get("/accounts/statements/new").status_code == 200


def test_anonymous_sent_to_login(client):
    response = client.get("/accounts/statements/new")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
