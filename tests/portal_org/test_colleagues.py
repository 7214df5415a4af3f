"""Customer admins invite, remove and promote colleagues of their own customer."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AuditEvent, Role, TokenPurpose, User, UserToken
from portal.models.types import utcnow
from portal.services.accounts_access import (
    UNUSABLE_PASSWORD_HASH,
    hash_token,
    remove_colleague,
    set_customer_admin,
)
from tests.conftest import PASSWORD, login
from tests.portal_org.conftest import link_path, mail_html, mail_text, user_by_email

INVITE = {"name": "Carla Nuova", "email": "Carla.Nuova@alfa.example", "language": "it"}


def audit_actions(user: User) -> list[str]:
    rows = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id)
    )
    return list(rows)


def tokens_of(user: User, purpose: TokenPurpose) -> list[UserToken]:
    return list(
        db.session.scalars(
            sa.select(UserToken)
            .where(UserToken.user_id == user.id, UserToken.purpose == purpose)
            .order_by(UserToken.id)
        )
    )


def test_list_shows_own_customer_users(admin_client, org):
    html = admin_client.get("/portal/colleagues/").get_data(as_text=True)

    assert org.admin.email in html
    assert org.member.email in html
    assert org.other_admin.email not in html
    assert org.other_customer.name not in html


def test_list_hides_staff(admin_client, org, make_user):
    staff = make_user(Role.AGENT, email="tecnico.interno@support.example")

    html = admin_client.get("/portal/colleagues/").get_data(as_text=True)

    assert staff.email not in html


def test_nav_shows_colleagues_to_admin_only(client, org, sign_in):
    sign_in(org.admin)
    admin_page = client.get("/portal/").get_data(as_text=True)
    client.post("/logout")
    sign_in(org.member)
    member_page = client.get("/portal/").get_data(as_text=True)

    assert "/portal/colleagues/" in admin_page
    assert "/portal/colleagues/" not in member_page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/portal/colleagues/"),
        ("POST", "/portal/colleagues/invite"),
        ("POST", "/portal/colleagues/{id}/invitation"),
        ("POST", "/portal/colleagues/{id}/remove"),
        ("POST", "/portal/colleagues/{id}/admin"),
    ],
)
def test_non_admin_gets_403(client, org, sign_in, method, path):
    sign_in(org.member)

    response = client.open(path.format(id=org.admin.id), method=method)

    assert response.status_code == 403
    assert db.session.get(User, org.admin.id).is_active_user


@pytest.mark.parametrize("action", ["invitation", "remove", "admin"])
def test_other_customer_user_404(admin_client, org, action):
    response = admin_client.post(
        f"/portal/colleagues/{org.other_admin.id}/{action}", data={"admin": "0"}
    )

    assert response.status_code == 404
    other = db.session.get(User, org.other_admin.id)
    assert other.is_active_user
    assert other.is_customer_admin


def test_staff_user_id_404(admin_client, org, make_user):
    agent = make_user(Role.AGENT)

    response = admin_client.post(f"/portal/colleagues/{agent.id}/remove")

    assert response.status_code == 404
    assert db.session.get(User, agent.id).is_active_user


def test_invite_creates_inactive_user_and_mails_link(admin_client, org, smtp_sink):
    response = admin_client.post("/portal/colleagues/invite", data=INVITE)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/portal/colleagues/")
    invited = user_by_email("carla.nuova@alfa.example")
    assert invited.role == Role.CUSTOMER
    assert invited.customer_id == org.customer.id
    assert invited.is_active_user is False
    assert invited.is_customer_admin is False
    assert invited.language == "it"
    assert invited.password_hash == UNUSABLE_PASSWORD_HASH
    assert audit_actions(invited) == ["colleague_invited"]

    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "carla.nuova@alfa.example"
    path = link_path(message)
    assert path.startswith("/invitation/")
    assert "http://127.0.0.1:5000/invitation/" in mail_text(message)
    assert path in mail_html(message)


def test_invite_stores_only_token_hash(admin_client, org, smtp_sink):
    admin_client.post("/portal/colleagues/invite", data=INVITE)

    raw_token = link_path(smtp_sink.messages[0]).rsplit("/", 1)[1]
    (token,) = tokens_of(
        user_by_email(INVITE["email"].lower()), TokenPurpose.INVITATION
    )
    assert len(raw_token) >= 43
    assert token.token_hash == hash_token(raw_token)
    assert raw_token not in token.token_hash
    assert token.created_by_id == org.admin.id
    lifetime = token.expires_at - token.created_at
    assert timedelta(days=7) - timedelta(minutes=1) < lifetime <= timedelta(days=7)


def test_invite_mail_in_invitee_language(admin_client, org, smtp_sink):
    admin_client.post("/portal/colleagues/invite", data={**INVITE, "language": "en"})

    message = smtp_sink.messages[0]
    assert '<html lang="en">' in mail_html(message)
    assert message["Subject"] == "Invitation to the Alfa Ricambi Srl support portal"
    assert "Anna Admin has invited you" in mail_text(message)
    assert "expires in 7 days" in mail_text(message)


def test_invite_flashes_one_message(admin_client, org, smtp_sink):
    response = admin_client.post(
        "/portal/colleagues/invite", data=INVITE, follow_redirects=True
    )

    html = response.get_data(as_text=True)
    assert html.count('class="flash flash-') == 1
    assert "Invitation sent to carla.nuova@alfa.example." in html


def test_invite_without_mail_server_warns(admin_client, org):
    response = admin_client.post(
        "/portal/colleagues/invite", data=INVITE, follow_redirects=True
    )

    assert "e-mail is not configured on this server" in response.get_data(as_text=True)
    assert user_by_email("carla.nuova@alfa.example") is not None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({**INVITE, "name": "  "}, "name", "Enter your colleague's name."),
        ({**INVITE, "email": "not-an-address"}, "email", "Enter a valid e-mail"),
        ({**INVITE, "email": ""}, "email", "Enter your colleague's e-mail"),
        ({**INVITE, "language": "de"}, "language", "Choose a language"),
    ],
)
def test_invite_rejects_bad_field(admin_client, org, smtp_sink, data, field, message):
    response = admin_client.post("/portal/colleagues/invite", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html.split(f'id="{field}-errors"', 1)[1].split("</div>", 1)[0]
    assert message in errors
    assert f'value="{data["email"]}"' in html
    assert smtp_sink.messages == []
    assert user_by_email(INVITE["email"].lower()) is None


def test_invite_of_active_colleague_rejected(admin_client, org, smtp_sink):
    data = {**INVITE, "email": org.member.email.upper()}

    response = admin_client.post("/portal/colleagues/invite", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "already has access to the portal" in html
    assert smtp_sink.messages == []


def test_invite_of_foreign_address_says_nothing(admin_client, org, make_user):
    staff = make_user(Role.AGENT, email="interno@support.example")

    for email in (org.other_admin.email, staff.email):
        response = admin_client.post(
            "/portal/colleagues/invite", data={**INVITE, "email": email}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert "This e-mail address cannot be invited." in html
        assert org.other_customer.name not in html


def test_resend_replaces_token(admin_client, org, smtp_sink):
    admin_client.post("/portal/colleagues/invite", data=INVITE)
    invited = user_by_email("carla.nuova@alfa.example")
    first_path = link_path(smtp_sink.messages[0])

    response = admin_client.post(f"/portal/colleagues/{invited.id}/invitation")

    assert response.status_code == 303
    second_path = link_path(smtp_sink.messages[1])
    assert second_path != first_path
    first, second = tokens_of(invited, TokenPurpose.INVITATION)
    assert first.used_at is not None
    assert second.used_at is None
    assert admin_client.get(first_path).status_code == 410
    assert admin_client.get(second_path).status_code == 200
    assert audit_actions(invited) == ["colleague_invited", "invitation_resent"]


def test_resend_to_active_colleague_rejected(admin_client, org, smtp_sink):
    response = admin_client.post(f"/portal/colleagues/{org.member.id}/invitation")

    assert response.status_code == 409
    assert "already has access" in response.get_data(as_text=True)
    assert smtp_sink.messages == []


def test_list_shows_statuses(admin_client, org, smtp_sink):
    admin_client.post("/portal/colleagues/invite", data=INVITE)
    admin_client.post(
        "/portal/colleagues/invite", data={**INVITE, "email": "x@a.example"}
    )
    expired = user_by_email("x@a.example")
    for token in tokens_of(expired, TokenPurpose.INVITATION):
        token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    html = admin_client.get("/portal/colleagues/").get_data(as_text=True)

    invited = user_by_email("carla.nuova@alfa.example")
    assert f'id="colleague-{invited.id}" data-status="invited"' in html
    assert f'id="colleague-{expired.id}" data-status="invitation_expired"' in html
    assert f'id="colleague-{org.member.id}" data-status="removed"' in html
    assert f'id="colleague-{org.admin.id}" data-status="active"' in html


def test_remove_deactivates_and_keeps_row(admin_client, org):
    response = admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    assert response.status_code == 303
    member = db.session.get(User, org.member.id)
    assert member is not None
    assert member.is_active_user is False
    assert audit_actions(member) == ["colleague_removed"]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.object_id == member.id)
    )
    assert event.actor_id == org.admin.id
    assert event.before["is_active_user"] is True
    assert event.after["is_active_user"] is False


def test_removed_colleague_cannot_sign_in(admin_client, org, client):
    admin_client.post(f"/portal/colleagues/{org.member.id}/remove")
    client.post("/logout")

    response = login(client, org.member)
    assert response.status_code == 422


def test_removed_colleague_session_ends(admin_client, org, app, sign_in):
    other_client = app.test_client()
    response = other_client.post(
        "/login", data={"email": org.member.email, "password": PASSWORD}
    )
    assert response.status_code == 303

    admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    response = other_client.get("/portal/statements")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_remove_cancels_pending_invitation(admin_client, org, smtp_sink):
    admin_client.post("/portal/colleagues/invite", data=INVITE)
    invited = user_by_email("carla.nuova@alfa.example")

    admin_client.post(f"/portal/colleagues/{invited.id}/remove")

    assert admin_client.get(link_path(smtp_sink.messages[0])).status_code == 410


def test_cannot_remove_self(admin_client, org):
    response = admin_client.post(f"/portal/colleagues/{org.admin.id}/remove")

    assert response.status_code == 409
    assert "You cannot remove yourself" in response.get_data(as_text=True)
    assert db.session.get(User, org.admin.id).is_active_user


def test_remove_twice_rejected(admin_client, org):
    admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    response = admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    assert response.status_code == 409
    assert "has already been removed" in response.get_data(as_text=True)


def test_remove_clears_admin_flag(admin_client, org):
    admin_client.post(f"/portal/colleagues/{org.member.id}/admin", data={"admin": "1"})

    admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    assert db.session.get(User, org.member.id).is_customer_admin is False


def test_other_admin_can_be_removed(admin_client, org):
    admin_client.post(f"/portal/colleagues/{org.member.id}/admin", data={"admin": "1"})

    response = admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    assert response.status_code == 303
    assert db.session.get(User, org.member.id).is_active_user is False


def test_last_admin_cannot_be_removed(app, org):
    """A stale request from a former admin cannot remove the last admin.

    The views reject removing yourself, so only a request that still acts as
    admin after losing the flag reaches the rule. The test calls the service.
    """
    second = db.session.get(User, org.member.id)
    second.is_customer_admin = True
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        set_customer_admin(org.admin, second, False)
        db.session.flush()

        with pytest.raises(DomainError) as raised:
            remove_colleague(second, org.admin)

    assert raised.value.status == 409
    assert "Anna Admin is the last active administrator" in raised.value.message
    db.session.rollback()


def test_stale_admin_cannot_act(app, org, make_user):
    third = make_user(Role.CUSTOMER, customer=org.customer)
    third.is_customer_admin = True
    db.session.commit()
    context = app.test_request_context(headers={"Accept-Language": "en"})
    with context, pytest.raises(DomainError) as raised:
        # org.member is no admin, yet two admins would remain.
        remove_colleague(org.member, third)

    assert raised.value.status == 403
    db.session.rollback()
    assert db.session.get(User, third.id).is_active_user


def test_grant_and_revoke_admin(admin_client, org):
    granted = admin_client.post(
        f"/portal/colleagues/{org.member.id}/admin", data={"admin": "1"}
    )
    assert granted.status_code == 303
    assert db.session.get(User, org.member.id).is_customer_admin is True

    revoked = admin_client.post(
        f"/portal/colleagues/{org.member.id}/admin", data={"admin": "0"}
    )
    assert revoked.status_code == 303
    assert db.session.get(User, org.member.id).is_customer_admin is False
    assert audit_actions(org.member) == [
        "customer_admin_granted",
        "customer_admin_revoked",
    ]


def test_granted_admin_sees_colleagues(admin_client, org, client, sign_in):
    admin_client.post(f"/portal/colleagues/{org.member.id}/admin", data={"admin": "1"})
    client.post("/logout")
    sign_in(org.member)

    assert client.get("/portal/colleagues/").status_code == 200


def test_cannot_change_own_admin_flag(admin_client, org):
    response = admin_client.post(
        f"/portal/colleagues/{org.admin.id}/admin", data={"admin": "0"}
    )

    assert response.status_code == 409
    assert db.session.get(User, org.admin.id).is_customer_admin is True


def test_admin_flag_needs_0_or_1(admin_client, org):
    response = admin_client.post(
        f"/portal/colleagues/{org.member.id}/admin", data={"admin": "yes"}
    )

    assert response.status_code == 400
    assert db.session.get(User, org.member.id).is_customer_admin is False


def test_htmx_action_redirects_with_header(admin_client, org):
    response = admin_client.post(
        f"/portal/colleagues/{org.member.id}/remove", headers={"HX-Request": "true"}
    )

    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/portal/colleagues/"


def test_actions_need_csrf_token(admin_client, org, csrf_enabled):
    response = admin_client.post(f"/portal/colleagues/{org.member.id}/remove")

    assert response.status_code == 400
    assert db.session.get(User, org.member.id).is_active_user


@pytest.mark.postgres_only
def test_admins_removing_each_other_leave_one(app, org):
    """The second removal waits for the first one's row locks, then fails."""
    second = db.session.get(User, org.member.id)
    second.is_customer_admin = True
    db.session.commit()
    outcome: dict[str, object] = {}

    def second_removes_first() -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            actor = db.session.get(User, org.member.id)
            target = db.session.get(User, org.admin.id)
            try:
                remove_colleague(actor, target)
                db.session.commit()
                outcome["result"] = "removed"
            except DomainError as error:
                db.session.rollback()
                outcome["result"] = error.status
            finally:
                db.session.remove()

    # A fresh app context gets its own session, apart from the test's one.
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
        actor = db.session.get(User, org.admin.id)
        remove_colleague(actor, db.session.get(User, org.member.id))
        db.session.flush()
        thread = threading.Thread(target=second_removes_first)
        thread.start()
        thread.join(timeout=1)
        assert thread.is_alive(), "the second removal did not wait for the lock"
        db.session.commit()
        db.session.remove()
    thread.join(timeout=10)

    assert outcome["result"] == 409
    db.session.expire_all()
    assert db.session.get(User, org.admin.id).is_active_user is True
    assert db.session.get(User, org.member.id).is_active_user is False
