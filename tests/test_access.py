"""Walk every route with every role: the guards, not the views, decide access."""

from __future__ import annotations

import pytest
from werkzeug.routing import Rule

from portal.models import Role

ALLOWED_ROLES = {
    "agent": {Role.AGENT, Role.APPROVER, Role.ADMIN},
    "approvals": {Role.APPROVER, Role.ADMIN},
    "portal": {Role.CUSTOMER},
    "accounts": {Role.ACCOUNTS, Role.ADMIN},
}
PLACEHOLDERS = {"int": "999999", "default": "NOPE-0"}


def _guarded_rules(app) -> list[Rule]:
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in ALLOWED_ROLES
    ]
    assert rules, "no guarded routes found"
    return rules


def _url(rule: Rule) -> str:
    url = rule.rule
    for argument in rule.arguments:
        converter = rule._converters[argument].__class__.__name__.lower()
        value = (
            PLACEHOLDERS["int"] if "integer" in converter else PLACEHOLDERS["default"]
        )
        url = url.replace(f"<int:{argument}>", value).replace(f"<{argument}>", value)
        url = url.replace(f"<string:{argument}>", value)
    return url


def _requests(app):
    for rule in _guarded_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, _url(rule)


def test_every_guarded_route_sends_anonymous_to_login(app, client):
    for rule, method, url in _requests(app):
        response = client.open(url, method=method)
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", list(Role))
def test_every_guarded_route_rejects_wrong_role(app, client, login_as, role):
    login_as(role)
    checked = 0
    for rule, method, url in _requests(app):
        blueprint = rule.endpoint.split(".")[0]
        if role in ALLOWED_ROLES[blueprint]:
            continue
        response = client.open(url, method=method)
        assert response.status_code == 403, (role, method, url, response.status_code)
        checked += 1
    if role != Role.ADMIN:
        assert checked > 0


@pytest.mark.parametrize("role", list(Role))
def test_every_guarded_route_admits_right_role(app, client, login_as, role):
    """An allowed role never gets 403 or 500; missing objects answer 404."""
    login_as(role)
    for rule, method, url in _requests(app):
        blueprint = rule.endpoint.split(".")[0]
        if role not in ALLOWED_ROLES[blueprint]:
            continue
        response = client.open(url, method=method)
        assert response.status_code not in (403, 500), (
            role,
            method,
            url,
            response.status_code,
        )


def test_home_redirects_each_role_to_its_page(client, login_as):
    expected = {
        Role.AGENT: "/agent/",
        Role.APPROVER: "/approvals/",
        Role.ACCOUNTS: "/accounts/",
        Role.ADMIN: "/approvals/",
        Role.CUSTOMER: "/portal/",
    }
    for role, path in expected.items():
        login_as(role)
        response = client.get("/")
        assert response.headers["Location"].endswith(path), role
        client.post("/logout")


def test_inactive_user_cannot_sign_in(client, make_user, db):
    from tests.conftest import login

    user = make_user(Role.AGENT)
    user.is_active_user = False
    db.session.commit()
    response = login(client, user)
    assert response.status_code == 422
    assert "deactivated" in response.get_data(as_text=True)


def test_login_rejects_wrong_password(client, make_user):
    from tests.conftest import login

    user = make_user(Role.AGENT)
    response = login(client, user, password="wrong")
    assert response.status_code == 422
    assert "Wrong e-mail or password" in response.get_data(as_text=True)


def test_login_email_is_case_insensitive(client, make_user):
    from tests.conftest import PASSWORD

    user = make_user(Role.AGENT, email="Mario.Rossi@Example.com")
    assert user.email == "mario.rossi@example.com"
    response = client.post(
        "/login", data={"email": "MARIO.ROSSI@example.COM", "password": PASSWORD}
    )
    assert response.status_code == 303


def test_login_ignores_external_next(client, make_user):
    from tests.conftest import PASSWORD

    user = make_user(Role.AGENT)
    response = client.post(
        "/login?next=https://evil.example/steal",
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/")
