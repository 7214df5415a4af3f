"""Invitation and password-reset links: single use, expiry, password rules, mail."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

import portal.auth.reset_requests as reset_requests
import portal.auth.tokens
import portal.services.access_mail
import portal.services.accounts_access
from portal.extensions import db
from portal.models import AuditEvent, Role, TokenPurpose, User, UserToken
from portal.models.types import utcnow
from tests.portal_org.conftest import link_path, mail_html, mail_text, user_by_email

INVITE = {"name": "Carla Nuova", "email": "carla@alfa.example", "language": "en"}
NEW_PASSWORD = "una password lunga"
GOOD_PASSWORDS = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


@pytest.fixture
def invitation_path(admin_client, org, smtp_sink) -> str:
    """Invite Carla as customer A's admin, sign out, return the e-mailed path."""
    response = admin_client.post("/portal/colleagues/invite", data=INVITE)
    assert response.status_code == 303
    admin_client.post("/logout")
    return link_path(smtp_sink.messages[-1])


def forgot(client, email: str):
    """Post the forgot-password form and wait until its worker has finished."""
    response = client.post("/forgot-password", data={"email": email})
    reset_requests.wait_for_password_resets()
    return response


def tokens(purpose: TokenPurpose) -> list[UserToken]:
    statement = sa.select(UserToken).where(UserToken.purpose == purpose)
    return list(db.session.scalars(statement.order_by(UserToken.id)))


def expire_all(purpose: TokenPurpose) -> None:
    for token in tokens(purpose):
        token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


# Invitations


def test_invitation_page_asks_for_password(client, invitation_path):
    response = client.get(invitation_path)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Welcome, Carla Nuova" in html
    assert "Alfa Ricambi Srl" in html
    assert 'name="password"' in html
    assert 'name="confirm"' in html
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_accept_activates_and_signs_in(client, invitation_path, org):
    response = client.post(invitation_path, data=GOOD_PASSWORDS)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/portal/")
    carla = user_by_email("carla@alfa.example")
    assert carla.is_active_user is True
    assert carla.check_password(NEW_PASSWORD)
    home = client.get(response.headers["Location"], follow_redirects=True)
    assert "Welcome! Your account is active." in home.get_data(as_text=True)
    assert client.get("/portal/statements").status_code == 200


def test_accepted_user_signs_in_with_password(client, invitation_path):
    client.post(invitation_path, data=GOOD_PASSWORDS)
    client.post("/logout")

    response = client.post(
        "/login", data={"email": "carla@alfa.example", "password": NEW_PASSWORD}
    )

    assert response.status_code == 303


def test_accept_is_audited(client, invitation_path):
    client.post(invitation_path, data=GOOD_PASSWORDS)

    carla = user_by_email("carla@alfa.example")
    event = db.session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.object_id == carla.id, AuditEvent.action == "invitation_accepted"
        )
    )
    assert event.actor_id == carla.id
    assert event.after == {"is_active_user": True}


def test_invitation_link_works_once(client, invitation_path):
    client.post(invitation_path, data=GOOD_PASSWORDS)
    client.post("/logout")

    again = client.get(invitation_path)
    posted = client.post(
        invitation_path, data={"password": "x" * 12, "confirm": "x" * 12}
    )

    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert posted.status_code == 410
    assert user_by_email("carla@alfa.example").check_password(NEW_PASSWORD)


def test_expired_invitation_rejected(client, invitation_path):
    expire_all(TokenPurpose.INVITATION)

    response = client.post(invitation_path, data=GOOD_PASSWORDS)

    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This link has expired." in html
    assert "send the invitation again" in html
    assert user_by_email("carla@alfa.example").is_active_user is False


@pytest.mark.parametrize(
    "path",
    [
        "/invitation/" + "A" * 43,
        "/invitation/short",
        "/invitation/" + "%27%3B--" * 6,
        "/reset-password/" + "b" * 43,
        "/reset-password/" + "x" * 300,
    ],
)
def test_unknown_link_400(client, path):
    response = client.get(path)

    assert response.status_code == 400
    assert "This link is not valid." in response.get_data(as_text=True)


def test_invitation_token_is_not_a_reset_token(client, invitation_path):
    token = invitation_path.rsplit("/", 1)[1]

    response = client.get(f"/reset-password/{token}")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": "corta", "confirm": "corta"}, "password", "between 10 and 128"),
        ({"password": "", "confirm": ""}, "password", "Enter a password."),
        (
            {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"},
            "confirm",
            "The two passwords do not match.",
        ),
        ({"password": NEW_PASSWORD, "confirm": ""}, "confirm", "Type the password"),
    ],
)
def test_bad_password_422(client, invitation_path, data, field, message):
    response = client.post(invitation_path, data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html.split(f'id="{field}-errors"', 1)[1].split("</div>", 1)[0]
    assert message in errors
    assert f'aria-describedby="{field}-errors"' in html
    carla = user_by_email("carla@alfa.example")
    assert carla.is_active_user is False
    assert tokens(TokenPurpose.INVITATION)[0].used_at is None


def test_invitation_page_in_invitee_language(admin_client, org, smtp_sink, client):
    admin_client.post("/portal/colleagues/invite", data={**INVITE, "language": "it"})
    admin_client.post("/logout")

    response = client.get(
        link_path(smtp_sink.messages[-1]), headers={"Accept-Language": "en"}
    )

    assert '<html lang="it">' in response.get_data(as_text=True)


def test_invitation_of_removed_user_dead(admin_client, org, smtp_sink, client):
    admin_client.post("/portal/colleagues/invite", data=INVITE)
    carla = user_by_email("carla@alfa.example")
    admin_client.post(f"/portal/colleagues/{carla.id}/remove")

    response = client.get(link_path(smtp_sink.messages[-1]))

    assert response.status_code == 410


def test_reinvited_removed_colleague_can_accept(admin_client, org, smtp_sink, client):
    admin_client.post(f"/portal/colleagues/{org.member.id}/remove")
    admin_client.post(f"/portal/colleagues/{org.member.id}/invitation")
    admin_client.post("/logout")

    response = client.post(link_path(smtp_sink.messages[-1]), data=GOOD_PASSWORDS)

    assert response.status_code == 303
    member = db.session.get(User, org.member.id)
    assert member.is_active_user is True
    assert member.is_customer_admin is False


def test_accept_checks_csrf(client, invitation_path, csrf_enabled):
    response = client.post(invitation_path, data=GOOD_PASSWORDS)

    assert response.status_code == 400
    assert user_by_email("carla@alfa.example").is_active_user is False


# Password reset


def test_login_page_links_forgot_password(client):
    html = client.get("/login").get_data(as_text=True)

    assert 'href="/forgot-password"' in html


def test_reset_flow(client, make_user, smtp_sink):
    user = make_user(Role.AGENT, email="tecnico@support.example")

    response = forgot(client, "Tecnico@Support.example")

    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    (message,) = smtp_sink.messages
    assert message["To"] == "tecnico@support.example"
    assert message["Subject"] == "Reset your Consuntivo password"
    assert "expires in 60 minutes" in mail_text(message)
    path = link_path(message)
    assert path in mail_html(message)

    page = client.get(path)
    assert page.status_code == 200
    done = client.post(path, data=GOOD_PASSWORDS)
    assert done.status_code == 303
    assert done.headers["Location"] == "/login"
    assert db.session.get(User, user.id).check_password(NEW_PASSWORD)
    signed_in = client.post(
        "/login", data={"email": user.email, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 303


def test_reset_link_valid_one_hour(client, make_user, smtp_sink):
    user = make_user(Role.ACCOUNTS)

    forgot(client, user.email)

    (token,) = tokens(TokenPurpose.PASSWORD_RESET)
    lifetime = token.expires_at - token.created_at
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1)
    assert token.user_id == user.id


def test_reset_answer_is_neutral(client, make_user, smtp_sink):
    known = make_user(Role.AGENT, email="noto@support.example")
    inactive = make_user(Role.AGENT, email="inattivo@support.example")
    inactive.is_active_user = False
    db.session.commit()

    answers = []
    for email in (known.email, "sconosciuto@nowhere.example", inactive.email):
        response = forgot(client, email)
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        answers.append(page)

    assert answers[0] == answers[1] == answers[2]
    assert "If an active account uses this address" in answers[0]
    assert [m["To"] for m in smtp_sink.messages] == [known.email]


def test_reset_mail_in_user_language(client, make_user, smtp_sink):
    make_user(Role.AGENT, email="it@support.example", language="it")

    forgot(client, "it@support.example")

    (message,) = smtp_sink.messages
    assert '<html lang="it">' in mail_html(message)


def test_forgot_rejects_bad_address(client, smtp_sink):
    response = client.post("/forgot-password", data={"email": "not an address"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="not an address"' in html
    assert "Enter a valid e-mail address" in html
    assert smtp_sink.messages == []


def test_reset_throttled_to_three_per_hour(client, make_user, smtp_sink):
    user = make_user(Role.AGENT)

    for _attempt in range(5):
        assert forgot(client, user.email).status_code == 303

    assert len(smtp_sink.messages) == 3
    assert len(tokens(TokenPurpose.PASSWORD_RESET)) == 3


def test_reset_throttle_counts_last_hour(client, make_user, smtp_sink):
    user = make_user(Role.AGENT)
    for _attempt in range(3):
        forgot(client, user.email)
    for token in tokens(TokenPurpose.PASSWORD_RESET):
        token.created_at = utcnow() - timedelta(minutes=61)
    db.session.commit()

    forgot(client, user.email)

    assert len(smtp_sink.messages) == 4


def test_reset_invalidates_other_links(client, make_user, smtp_sink):
    user = make_user(Role.AGENT)
    forgot(client, user.email)
    forgot(client, user.email)
    first, second = (link_path(message) for message in smtp_sink.messages)

    client.post(second, data=GOOD_PASSWORDS)

    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 410
    assert all(
        token.used_at is not None for token in tokens(TokenPurpose.PASSWORD_RESET)
    )


def test_reset_is_audited(client, make_user, smtp_sink):
    user = make_user(Role.APPROVER)
    forgot(client, user.email)

    client.post(link_path(smtp_sink.messages[0]), data=GOOD_PASSWORDS)

    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "password_reset")
    )
    assert event.actor_id == user.id
    assert event.object_type == "users"
    assert event.object_id == user.id


def test_expired_reset_link_rejected(client, make_user, smtp_sink):
    user = make_user(Role.AGENT)
    forgot(client, user.email)
    expire_all(TokenPurpose.PASSWORD_RESET)

    response = client.post(link_path(smtp_sink.messages[0]), data=GOOD_PASSWORDS)

    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This link has expired." in html
    assert 'href="/forgot-password"' in html
    assert not db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_reset_link_of_deactivated_user_dead(client, make_user, smtp_sink):
    user = make_user(Role.AGENT)
    forgot(client, user.email)
    user.is_active_user = False
    db.session.commit()

    response = client.post(link_path(smtp_sink.messages[0]), data=GOOD_PASSWORDS)

    assert response.status_code == 410
    assert db.session.get(User, user.id).is_active_user is False


def test_reset_bad_password_keeps_link(client, make_user, smtp_sink):
    user = make_user(Role.AGENT)
    forgot(client, user.email)
    path = link_path(smtp_sink.messages[0])

    response = client.post(path, data={"password": "corta", "confirm": "corta"})

    assert response.status_code == 422
    assert client.get(path).status_code == 200


def test_reset_mail_failure_still_neutral(client, make_user, app):
    user = make_user(Role.AGENT)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    try:
        response = forgot(client, user.email)
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25, MAIL_TIMEOUT=10)

    assert response.status_code == 303
    page = client.get("/login").get_data(as_text=True)
    assert "If an active account uses this address" in page


# Response time: both branches do the same work before the response


@pytest.fixture
def traced_steps(monkeypatch) -> list[tuple[str, bool]]:
    """Record the expensive steps of a reset and whether the request ran them.

    Each step is (name, in_request): the test client runs the request in the
    test's own thread, and the worker in another.
    """
    steps: list[tuple[str, bool]] = []
    request_thread = threading.get_ident()

    def trace(module, name: str) -> None:
        original = getattr(module, name)

        def traced(*args, **kwargs):
            steps.append((name, threading.get_ident() == request_thread))
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, traced)

    trace(portal.auth.tokens, "queue_password_reset")
    trace(reset_requests, "request_password_reset")
    trace(reset_requests, "send_password_reset")
    trace(portal.services.accounts_access, "issue_token")
    trace(portal.services.accounts_access, "hash_token")
    trace(portal.services.access_mail, "send_mail")
    return steps


def test_forgot_branches_do_same_request_work(
    client, make_user, smtp_sink, traced_steps
):
    user = make_user(Role.AGENT, email="noto@support.example")

    forgot(client, user.email)
    existing = list(traced_steps)
    traced_steps.clear()
    forgot(client, "sconosciuto@nowhere.example")
    missing = list(traced_steps)

    in_request = [
        [name for name, inside in steps if inside] for steps in (existing, missing)
    ]
    assert in_request[0] == in_request[1] == ["queue_password_reset"]
    # The worker did the expensive steps, and for the existing account only.
    worker_existing = [name for name, inside in existing if not inside]
    worker_missing = [name for name, inside in missing if not inside]
    assert worker_existing == [
        "request_password_reset",
        "issue_token",
        "hash_token",
        "send_password_reset",
        "send_mail",
    ]
    assert worker_missing == ["request_password_reset"]
    assert len(smtp_sink.messages) == 1


def test_forgot_answers_before_mail_is_sent(client, make_user, smtp_sink, monkeypatch):
    user = make_user(Role.AGENT)
    release = threading.Event()
    original = reset_requests.send_password_reset

    def held_send(*args):
        release.wait(timeout=30)
        return original(*args)

    monkeypatch.setattr(reset_requests, "send_password_reset", held_send)

    response = client.post("/forgot-password", data={"email": user.email})
    sent_before_response = len(smtp_sink.messages)
    release.set()
    reset_requests.wait_for_password_resets()

    assert response.status_code == 303
    assert sent_before_response == 0
    assert [message["To"] for message in smtp_sink.messages] == [user.email]


def test_forgot_full_queue_still_neutral(client, make_user, smtp_sink, monkeypatch):
    user = make_user(Role.AGENT)
    monkeypatch.setattr(reset_requests, "MAX_PENDING_REQUESTS", 0)

    response = forgot(client, user.email)

    assert response.status_code == 303
    page = client.get("/login").get_data(as_text=True)
    assert "If an active account uses this address" in page
    assert smtp_sink.messages == []
    assert tokens(TokenPurpose.PASSWORD_RESET) == []


def test_forgot_worker_error_logged(client, make_user, monkeypatch, caplog):
    user = make_user(Role.AGENT)

    def broken(email):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reset_requests, "request_password_reset", broken)

    response = forgot(client, user.email)

    assert response.status_code == 303
    assert "password reset request failed" in caplog.text
    assert "database went away" in caplog.text
