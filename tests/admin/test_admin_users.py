"""User administration: list, invite, edit, deactivate and the rules on admins."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role, Team, TokenPurpose, User, UserToken
from tests.admin.helpers import HTMX, field_errors
from tests.conftest import PASSWORD, login

NEW_AGENT = {
    "name": "Giulia Neri",
    "email": "Giulia.Neri@Example.com",
    "role": "agent",
    "customer_id": "",
    "team_id": "",
    "language": "it",
    "timezone": "Europe/Rome",
}


def _form(**changes) -> dict:
    return {**NEW_AGENT, **changes}


def _user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.lower()))


def _edit_data(user: User, **changes) -> dict:
    data = {
        "name": user.name,
        "email": user.email,
        "role": user.role.value,
        "customer_id": str(user.customer_id or ""),
        "team_id": str(user.team_id or ""),
        "language": user.language,
        "timezone": user.timezone,
    }
    return {**data, **changes}


# The list


def test_list_filters_role_state_text(client, admin, make_user, make_customer):
    make_user(Role.AGENT, name="Marco Rossi", email="marco@example.com")
    make_user(Role.ACCOUNTS, name="Anna Conti", email="conti@example.com")
    gone = make_user(Role.AGENT, name="Paolo Gialli", email="paolo@example.com")
    gone.is_active_user = False
    make_user(Role.CUSTOMER, customer=make_customer(), name="Cliente Uno")
    db.session.commit()

    everyone = client.get("/admin/users").get_data(as_text=True)
    agents = client.get("/admin/users?role=agent").get_data(as_text=True)
    inactive = client.get("/admin/users?state=inactive").get_data(as_text=True)
    by_text = client.get("/admin/users?q=CONTI").get_data(as_text=True)

    assert "Cliente Uno" in everyone
    assert "Marco Rossi" in agents
    assert "Paolo Gialli" in agents
    assert "Anna Conti" not in agents
    assert "Paolo Gialli" in inactive
    assert "Marco Rossi" not in inactive
    assert "Anna Conti" in by_text
    assert "Marco Rossi" not in by_text


def test_list_search_treats_wildcards_literally(client, admin, make_user):
    make_user(Role.AGENT, name="Marco Rossi")

    html = client.get("/admin/users?q=%25").get_data(as_text=True)

    assert "Marco Rossi" not in html
    assert 'id="no-users"' in html


def test_list_rejects_unknown_role(client, admin):
    response = client.get("/admin/users?role=boss")

    assert response.status_code == 422
    assert "Choose a role from the list." in field_errors(
        response.get_data(as_text=True), "role"
    )


def test_list_htmx_returns_fragment(client, admin, make_user):
    make_user(Role.AGENT, name="Marco Rossi")

    response = client.get("/admin/users?q=marco", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Marco Rossi" in html
    assert "<html" not in html
    assert 'id="user-filters"' in html


def test_list_pages_by_fifty(client, admin, make_user):
    for number in range(55):
        make_user(Role.AGENT, name=f"Agente {number:02d}")

    first = client.get("/admin/users?role=agent").get_data(as_text=True)
    second = client.get("/admin/users?role=agent&page=2").get_data(as_text=True)

    assert first.count('<tr id="user-') == 50
    assert second.count('<tr id="user-') == 5
    assert "Page 2 of 2" in second


# Invitations


def test_invite_creates_inactive_user_with_link(client, admin, smtp_sink, audit_rows):
    response = client.post("/admin/users/new", data=_form(language="en"))

    user = _user_by_email("giulia.neri@example.com")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/users/{user.id}")
    assert user.is_active_user is False
    assert user.role == Role.AGENT
    assert user.language == "en"
    assert not user.check_password(PASSWORD)

    token = db.session.scalar(sa.select(UserToken).where(UserToken.user_id == user.id))
    assert token.purpose == TokenPurpose.INVITATION
    assert token.created_by_id == admin.id

    [message] = smtp_sink.messages
    assert message["To"] == "giulia.neri@example.com"
    assert message["Subject"] == "Your Consuntivo account"
    body = message.get_body(("plain",)).get_content()
    assert "/invitation/" in body

    [created] = audit_rows(user, "created")
    assert created.actor_id == admin.id
    assert created.before is None
    assert created.after["email"] == "giulia.neri@example.com"
    assert created.after["role"] == "agent"
    assert created.after["is_active"] is False


def test_invitation_link_activates_staff_user(client, app, admin, smtp_sink):
    client.post("/admin/users/new", data=_form())
    body = smtp_sink.messages[0].get_body(("plain",)).get_content()
    path = re.search(r"https?://[^/\s]+(/invitation/\S+)", body)[1]
    client.post("/logout")

    page = client.get(path)
    accepted = client.post(
        path, data={"password": "a new long password", "confirm": "a new long password"}
    )

    user = _user_by_email("giulia.neri@example.com")
    assert page.status_code == 200
    assert accepted.status_code == 303
    assert user.is_active_user is True
    assert user.check_password("a new long password")


def test_invite_without_mail_server_warns(client, admin):
    response = client.post("/admin/users/new", data=_form(), follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "E-mail is not configured, so no invitation was sent" in html
    assert _user_by_email("giulia.neri@example.com") is not None


@pytest.mark.parametrize(
    "email", ["marco@example.com", "MARCO@EXAMPLE.COM", "Marco@Example.Com"]
)
def test_invite_rejects_taken_email_any_case(client, admin, make_user, email):
    make_user(Role.AGENT, email="marco@example.com")

    response = client.post("/admin/users/new", data=_form(email=email))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "email") == [
        "The e-mail address marco@example.com is already used by another user. "
        "Use another address."
    ]
    assert 'value="Giulia Neri"' in html
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_invite_requires_customer_for_customer_role(client, admin):
    response = client.post("/admin/users/new", data=_form(role="customer"))

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "customer_id") == [
        "Choose the customer this user belongs to."
    ]


def test_invite_rejects_customer_for_staff_role(client, admin, make_customer):
    customer = make_customer()

    response = client.post("/admin/users/new", data=_form(customer_id=customer.id))

    assert response.status_code == 422
    errors = field_errors(response.get_data(as_text=True), "customer_id")
    assert errors == [
        "Only customer users belong to a customer. Clear the customer or choose "
        "the role Customer."
    ]


def test_invite_customer_user(client, admin, make_customer, smtp_sink):
    customer = make_customer(name="Rossi Srl")

    response = client.post(
        "/admin/users/new",
        data=_form(role="customer", customer_id=customer.id, email="it@rossi.it"),
    )

    user = _user_by_email("it@rossi.it")
    assert response.status_code == 303
    assert user.customer_id == customer.id
    assert "Rossi Srl" in smtp_sink.messages[0]["Subject"]


def test_invite_rejects_team_for_accounts(client, admin):
    team = Team(name="Rete")
    db.session.add(team)
    db.session.commit()

    response = client.post(
        "/admin/users/new", data=_form(role="accounts", team_id=team.id)
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "team_id") == [
        "Only agents, approvers and admins log time, so only they join a team."
    ]


def test_invite_rejects_invalid_values(client, admin):
    response = client.post(
        "/admin/users/new",
        data=_form(
            name="", email="not-an-address", timezone="Mars/Olympus", team_id="x"
        ),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "name") == ["Enter the user's name."]
    assert field_errors(html, "email") == [
        "Enter a valid e-mail address, e.g. mario.rossi@example.com."
    ]
    assert field_errors(html, "timezone") == ["Choose a time zone from the list."]
    assert field_errors(html, "team_id") == ["Choose a team from the list."]


def test_reinvite_replaces_the_link(client, admin, smtp_sink):
    client.post("/admin/users/new", data=_form())
    user = _user_by_email("giulia.neri@example.com")

    response = client.post(f"/admin/users/{user.id}/invite")

    tokens = db.session.scalars(
        sa.select(UserToken).where(UserToken.user_id == user.id).order_by(UserToken.id)
    ).all()
    assert response.status_code == 303
    assert len(smtp_sink.messages) == 2
    assert tokens[0].used_at is not None
    assert tokens[1].used_at is None


# Editing


def test_edit_changes_role_team_language_zone(client, admin, make_user, audit_rows):
    agent = make_user(Role.AGENT, name="Marco Rossi", language="it")
    team = Team(name="Rete")
    db.session.add(team)
    db.session.commit()

    response = client.post(
        f"/admin/users/{agent.id}",
        data=_edit_data(
            agent,
            role="approver",
            team_id=team.id,
            language="en",
            timezone="Europe/London",
        ),
    )

    assert response.status_code == 303
    assert agent.role == Role.APPROVER
    assert agent.team_id == team.id
    assert agent.timezone == "Europe/London"
    [event] = audit_rows(agent, "updated")
    assert event.actor_id == admin.id
    assert event.before == {
        "role": "agent",
        "team_id": None,
        "language": "it",
        "timezone": "Europe/Rome",
    }
    assert event.after == {
        "role": "approver",
        "team_id": team.id,
        "language": "en",
        "timezone": "Europe/London",
    }


def test_unchanged_edit_writes_no_audit(client, admin, make_user, audit_rows):
    agent = make_user(Role.AGENT)

    response = client.post(f"/admin/users/{agent.id}", data=_edit_data(agent))

    assert response.status_code == 303
    assert audit_rows(agent) == []


def test_edit_rejects_email_of_another_user(client, admin, make_user):
    agent = make_user(Role.AGENT, email="marco@example.com")
    make_user(Role.AGENT, email="anna@example.com")

    response = client.post(
        f"/admin/users/{agent.id}", data=_edit_data(agent, email="ANNA@example.com")
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "email") == [
        "The e-mail address anna@example.com is already used by another user. "
        "Use another address."
    ]
    assert agent.email == "marco@example.com"


def test_edit_accepts_own_email_recased(client, admin, make_user):
    agent = make_user(Role.AGENT, email="marco@example.com")

    response = client.post(
        f"/admin/users/{agent.id}", data=_edit_data(agent, email="Marco@Example.com")
    )

    assert response.status_code == 303


def test_admin_cannot_demote_self(client, admin, make_user):
    make_user(Role.ADMIN, name="Second Admin")

    response = client.post(
        f"/admin/users/{admin.id}", data=_edit_data(admin, role="agent")
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "role") == [
        "You cannot remove your own admin rights."
    ]
    assert admin.role == Role.ADMIN


def test_admin_can_demote_another_admin(client, admin, make_user):
    other = make_user(Role.ADMIN, name="Second Admin")

    response = client.post(
        f"/admin/users/{other.id}", data=_edit_data(other, role="agent")
    )

    assert response.status_code == 303
    assert other.role == Role.AGENT


def test_role_change_rejected_for_team_approver(client, admin, make_user):
    approver = make_user(Role.APPROVER, name="Laura Bianchi")
    team = Team(name="Rete", approvers=[approver])
    db.session.add(team)
    db.session.commit()

    response = client.post(
        f"/admin/users/{approver.id}", data=_edit_data(approver, role="agent")
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "role") == [
        "Laura Bianchi approves the teams Rete. Remove them as approver there "
        "first, or keep the role Approver or Admin."
    ]


def test_change_staff_to_customer_user(client, admin, make_user, make_customer):
    agent = make_user(Role.AGENT)
    customer = make_customer()

    response = client.post(
        f"/admin/users/{agent.id}",
        data=_edit_data(agent, role="customer", customer_id=customer.id),
    )

    assert response.status_code == 303
    assert agent.role == Role.CUSTOMER
    assert agent.customer_id == customer.id


def test_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/999999").status_code == 404


# Deactivation


def test_deactivate_stops_sign_in_and_sessions(
    app, client, admin, make_user, audit_rows
):
    agent = make_user(Role.AGENT, name="Marco Rossi")
    agent_client = app.test_client()
    assert login(agent_client, agent).status_code == 303
    assert agent_client.get("/agent/").status_code == 200

    response = client.post(
        f"/admin/users/{agent.id}/deactivate", data={"reason": "Left the company"}
    )

    assert response.status_code == 303
    assert agent.is_active_user is False
    stopped = agent_client.get("/agent/")
    assert stopped.status_code == 302
    assert "/login" in stopped.headers["Location"]
    assert login(app.test_client(), agent).status_code == 422

    [event] = audit_rows(agent, "deactivated")
    assert event.actor_id == admin.id
    assert event.before == {"is_active": True}
    assert event.after == {"is_active": False}
    assert event.reason == "Left the company"


def test_deactivate_revokes_pending_links(client, admin, smtp_sink):
    client.post("/admin/users/new", data=_form())
    user = _user_by_email("giulia.neri@example.com")
    client.post(f"/admin/users/{user.id}/reactivate")

    client.post(f"/admin/users/{user.id}/deactivate")

    token = db.session.scalar(sa.select(UserToken).where(UserToken.user_id == user.id))
    assert token.used_at is not None


def test_reactivate_restores_sign_in(app, client, admin, make_user, audit_rows):
    agent = make_user(Role.AGENT)
    agent.is_active_user = False
    db.session.commit()

    response = client.post(f"/admin/users/{agent.id}/reactivate")

    assert response.status_code == 303
    assert agent.is_active_user is True
    assert login(app.test_client(), agent).status_code == 303
    assert len(audit_rows(agent, "reactivated")) == 1


def test_admin_cannot_deactivate_self(client, admin, audit_rows):
    response = client.post(f"/admin/users/{admin.id}/deactivate")

    assert response.status_code == 409
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    assert admin.is_active_user is True
    assert audit_rows(admin) == []


def test_inactive_admin_cannot_remove_last_admin(app, make_user):
    from portal.errors import DomainError
    from portal.services.admin.users import deactivate_user

    acting = make_user(Role.ADMIN, name="Former Admin")
    acting.is_active_user = False
    last = make_user(Role.ADMIN, name="Last Admin")
    db.session.commit()

    english = app.test_request_context(headers={"Accept-Language": "en"})
    with english, pytest.raises(DomainError) as raised:
        deactivate_user(acting, last)

    assert "Only an active admin can change another admin." in raised.value.message
    assert last.is_active_user is True


def test_deactivate_twice_is_409(client, admin, make_user):
    agent = make_user(Role.AGENT)
    client.post(f"/admin/users/{agent.id}/deactivate")

    response = client.post(f"/admin/users/{agent.id}/deactivate")

    assert response.status_code == 409
    assert "is already deactivated" in response.get_data(as_text=True)


def test_deactivate_from_list_with_htmx(client, admin, make_user):
    agent = make_user(Role.AGENT, name="Marco Rossi")

    response = client.post(f"/admin/users/{agent.id}/deactivate", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="user-{agent.id}"')
    assert "Reactivate" in html
    assert 'hx-swap-oob="innerHTML"' in html
    assert "Marco Rossi can no longer sign in." in html


def test_deactivate_requires_csrf_token(client, admin, make_user, csrf_enabled):
    agent = make_user(Role.AGENT)

    response = client.post(f"/admin/users/{agent.id}/deactivate")

    assert response.status_code == 400
    assert agent.is_active_user is True


def test_reinvite_active_user_is_409(client, admin, make_user, smtp_sink):
    agent = make_user(Role.AGENT, name="Marco Rossi")

    response = client.post(f"/admin/users/{agent.id}/invite")

    assert response.status_code == 409
    assert "Marco Rossi can already sign in" in response.get_data(as_text=True)
    assert smtp_sink.messages == []


def test_customer_admin_flag_cleared_for_staff(client, admin, make_user, make_customer):
    portal_admin = make_user(Role.CUSTOMER, customer=make_customer())
    portal_admin.is_customer_admin = True
    db.session.commit()

    response = client.post(
        f"/admin/users/{portal_admin.id}",
        data=_edit_data(portal_admin, role="agent", customer_id=""),
    )

    assert response.status_code == 303
    assert portal_admin.customer_id is None
    assert portal_admin.is_customer_admin is False
