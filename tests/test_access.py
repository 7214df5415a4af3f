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
    "admin": {Role.ADMIN},
    "history": {Role.AGENT, Role.APPROVER, Role.ACCOUNTS, Role.ADMIN},
    "notifications": set(Role),
}
# Signed-out pages follow the browser's language, which is Italian by default.
ENGLISH = {"Accept-Language": "en"}
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
    for _rule, method, url in _requests(app):
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
def test_every_guarded_route_admits_right_role(app, client, login_as, role, db):
    """An allowed role never gets 403 or 500, and missing objects return 404.

    The customer is a customer admin, whom the colleagues pages admit too.
    """
    user = login_as(role)
    if role == Role.CUSTOMER:
        user.is_customer_admin = True
        db.session.commit()
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
        Role.CUSTOMER: "/portal/dashboard",
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
    response = login(client, user, headers=ENGLISH)
    assert response.status_code == 422
    assert "deactivated" in response.get_data(as_text=True)


def test_login_rejects_wrong_password(client, make_user):
    from tests.conftest import login

    user = make_user(Role.AGENT)
    response = login(client, user, password="wrong", headers=ENGLISH)
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


def test_logout_revokes_copied_session_cookie(app, client, login_as):
    login_as(Role.AGENT)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/agent/").status_code == 200

    client.post("/logout")

    response = copy.get("/agent/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_session_of_deactivated_user_ends(client, login_as, db):
    user = login_as(Role.AGENT)
    user.is_active_user = False
    db.session.commit()
    response = client.get("/agent/")
    assert response.status_code == 302


def test_session_id_without_token_is_rejected(app, make_user):
    from portal.auth.session import load_session_user

    user = make_user(Role.AGENT)
    user.rotate_session_token()
    assert load_session_user(str(user.id)) is None
    assert load_session_user(f"{user.id}:wrong") is None
    assert load_session_user(f"{user.id}:{user.session_token}") == user


def test_login_throttled_after_failures(client, make_user):
    from tests.conftest import PASSWORD, login

    user = make_user(Role.AGENT)
    for _ in range(5):
        assert login(client, user, password="wrong").status_code == 422
    response = login(client, user, password=PASSWORD, headers=ENGLISH)
    assert response.status_code == 422
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


def test_pages_refuse_framing(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
