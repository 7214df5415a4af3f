"""Only admins reach the admin pages, and every other role gets 403."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from portal.models import Role


def _admin_requests(app) -> list[tuple[str, str]]:
    requests = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin."):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            requests.append((method, _url(rule)))
    assert requests, "no admin routes registered"
    return requests


def _url(rule: Rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = url.replace(f"<int:{argument}>", "999999")
    return url


def test_admin_routes_send_anonymous_to_login(app, client):
    for method, url in _admin_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize(
    "role", [Role.AGENT, Role.APPROVER, Role.ACCOUNTS, Role.CUSTOMER]
)
def test_admin_routes_reject_other_roles(app, client, login_as, role):
    login_as(role)
    for method, url in _admin_requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 403, (role, method, url, response.status_code)


def test_admin_routes_admit_admin(app, client, admin):
    for method, url in _admin_requests(app):
        response = client.open(url, method=method)
        assert response.status_code not in (403, 500), (method, url)
        if "999999" in url:
            assert response.status_code == 404, (method, url, response.status_code)


def test_admin_pages_render(client, admin):
    pages = [
        "/admin/",
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{admin.id}",
        "/admin/teams",
        "/admin/teams/new",
        "/admin/customers",
        "/admin/customers/new",
        "/admin/catalog",
        "/admin/activity-types/new",
        "/admin/categories/new",
        "/admin/tickets",
        "/admin/audit",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_admin_nav_link_only_for_admins(client, login_as):
    login_as(Role.APPROVER)
    assert 'href="/admin/"' not in client.get("/approvals/").get_data(as_text=True)
    client.post("/logout")

    login_as(Role.ADMIN)
    assert 'href="/admin/"' in client.get("/approvals/").get_data(as_text=True)
