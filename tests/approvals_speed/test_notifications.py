"""In-app notifications of rejections and reversals, the bell, and their e-mails."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime

import pytest

from approvals_speed.helpers import HTMX, notifications_of, reload, section, text_of
from portal.extensions import db
from portal.models import EntryStatus, Notification, Role
from portal.services import notifications
from tests.conftest import login


def _reject(client, entry, reason="Wrong ticket: use ASS-2002."):
    return client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": reason},
    )


def _notification(user, kind, payload, read=False) -> Notification:
    notification = Notification(
        user_id=user.id,
        kind=kind,
        payload=payload,
        read_at=datetime.now(UTC) if read else None,
    )
    db.session.add(notification)
    db.session.commit()
    return notification


def _rejection_payload(entry_id: int = 7) -> dict:
    return {
        "actor": "Laura Bianchi",
        "reason": "Wrong ticket",
        "entries": [
            {
                "id": entry_id,
                "ticket_key": "ASS-1001",
                "work_date": "2026-11-09",
                "minutes": 90,
            }
        ],
    }


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Created by decisions


def test_rejection_notifies_agent(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    _reject(client, entry)

    (notification,) = notifications_of(agent)
    assert notification.kind == "entries_rejected"
    assert notification.object_type == "time_entries"
    assert notification.object_id == entry.id
    assert notification.read_at is None
    assert notification.emailed_at is None
    assert notification.payload == {
        "actor": "Laura Bianchi",
        "reason": "Wrong ticket: use ASS-2002.",
        "entries": [
            {
                "id": entry.id,
                "ticket_key": "ASS-1001",
                "work_date": "2026-11-09",
                "minutes": 30,
            }
        ],
    }


def test_approval_notifies_nobody(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    client.post(f"/approvals/entries/{entry.id}/approve")

    assert notifications_of(agent) == []


def test_failed_rejection_notifies_nobody(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)
    entry.status = EntryStatus.APPROVED
    db.session.commit()

    response = _reject(client, entry)

    assert response.status_code == 409
    assert notifications_of(agent) == []


# Reading them


def test_agent_sees_bell_and_list(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)
    _reject(client, entry)
    client.post("/logout")
    login(client, agent)

    html = client.get("/notifications/").get_data(as_text=True)

    bell = section(html, "notification-bell")
    assert 'aria-label="Notifications: 1 unread"' in bell
    assert '<span class="bell-count" aria-hidden="true">1</span>' in bell
    item = text_of(section(html, f"notification-{notifications_of(agent)[0].id}"))
    assert (
        "Laura Bianchi rejected your time entry of 09/11/2026 on ticket ASS-1001."
        in item
    )
    assert "Reason: Wrong ticket: use ASS-2002." in item
    assert f'href="/agent/tickets/ASS-1001#entry-{entry.id}"' in html


def test_bell_on_every_page(client, login_as):
    user = login_as(Role.ACCOUNTS)
    _notification(user, "entries_rejected", _rejection_payload())

    html = client.get("/accounts/").get_data(as_text=True)

    assert "Notifications: 1 unread" in section(html, "notification-bell")


def test_bell_without_unread(client, login_as):
    user = login_as(Role.AGENT)
    _notification(user, "entries_rejected", _rejection_payload(), read=True)

    html = client.get("/notifications/").get_data(as_text=True)

    bell = section(html, "notification-bell")
    assert "Notifications: none unread" in bell
    assert "bell-count" not in bell


def test_rendered_in_reader_language(client, login_as):
    user = login_as(Role.AGENT, language="it")
    payload = {"week": "2026-11-09", "days": ["2026-11-09", "2026-11-10", "2026-11-11"]}
    _notification(user, "missing_time", payload)

    html = client.get("/notifications/").get_data(as_text=True)

    # Babel joins the last two items of an Italian list with "e".
    assert "09/11/2026, 10/11/2026 e 11/11/2026" in html


def test_several_rejected_link_to_week(client, login_as):
    user = login_as(Role.AGENT)
    payload = _rejection_payload()
    payload["entries"].append(dict(payload["entries"][0], id=8, work_date="2026-11-12"))
    _notification(user, "entries_rejected", payload)

    html = text_of(client.get("/notifications/").get_data(as_text=True))

    assert "Laura Bianchi rejected 2 of your time entries." in html


def test_mark_read_htmx(client, login_as):
    user = login_as(Role.AGENT)
    first = _notification(user, "entries_rejected", _rejection_payload())
    _notification(user, "entries_rejected", _rejection_payload(8))

    response = client.post(f"/notifications/{first.id}/read", headers=HTMX)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    item = section(html, f"notification-{first.id}")
    assert "unread" not in item
    assert "Mark as read" not in item
    bell = section(html, "notification-bell")
    assert 'hx-swap-oob="true"' in bell
    assert "Notifications: 1 unread" in bell
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None


def test_mark_read_plain_redirects(client, login_as):
    user = login_as(Role.AGENT)
    notification = _notification(user, "entries_rejected", _rejection_payload())

    response = client.post(f"/notifications/{notification.id}/read")

    assert response.status_code == 303
    assert response.headers["Location"] == "/notifications/"
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Marked the notification as read." in page


def test_other_users_notification_is_404(client, login_as, make_user):
    login_as(Role.AGENT)
    other = make_user(Role.AGENT)
    notification = _notification(other, "entries_rejected", _rejection_payload())

    response = client.post(f"/notifications/{notification.id}/read")

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).read_at is None


def test_list_shows_only_own(client, login_as, make_user):
    login_as(Role.AGENT)
    other = make_user(Role.AGENT)
    foreign = _notification(other, "entries_rejected", _rejection_payload())

    html = client.get("/notifications/").get_data(as_text=True)

    assert f'id="notification-{foreign.id}"' not in html
    assert "You have no notifications." in html


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_mark_all_read(client, login_as, make_user, headers):
    user = login_as(Role.AGENT)
    mine = [
        _notification(user, "entries_rejected", _rejection_payload(n)) for n in (1, 2)
    ]
    other = _notification(
        make_user(Role.AGENT), "entries_rejected", _rejection_payload()
    )

    response = client.post("/notifications/read-all", headers=headers)

    assert response.status_code == (200 if headers else 303)
    db.session.expire_all()
    assert all(db.session.get(Notification, n.id).read_at for n in mine)
    assert db.session.get(Notification, other.id).read_at is None
    if headers:
        html = response.get_data(as_text=True)
        assert "Marked 2 notifications as read." in html
        assert "Notifications: none unread" in section(html, "notification-bell")


def test_mark_read_needs_csrf(client, lead, csrf_enabled):
    # lead signs in before csrf_enabled turns the check on.
    notification = _notification(lead, "entries_rejected", _rejection_payload())

    response = client.post(f"/notifications/{notification.id}/read")

    assert response.status_code == 400


def test_customer_reaches_list(client, login_as):
    login_as(Role.CUSTOMER)

    assert client.get("/notifications/").status_code == 200


# E-mail


def test_rejection_is_emailed(client, lead, agent, ticket, submit, smtp_sink):
    entry = submit(ticket, agent)

    _reject(client, entry)

    (message,) = smtp_sink.messages
    assert message["To"] == "marco@example.com"
    assert message["Subject"] == (
        "Consuntivo: Laura Bianchi rejected your time entry of 09/11/2026 on "
        "ticket ASS-1001."
    )
    body = message.get_body(("plain",)).get_content()
    assert "Hello Marco Rossi," in body
    assert "Reason: Wrong ticket: use ASS-2002." in body
    assert f"http://127.0.0.1:5000/agent/tickets/ASS-1001#entry-{entry.id}" in body
    html = message.get_body(("html",)).get_content()
    assert "Wrong ticket: use ASS-2002." in html
    (notification,) = notifications_of(agent)
    assert notification.emailed_at is not None


def test_reversal_is_emailed(client, lead, agent, ticket, submit, smtp_sink):
    entry = submit(ticket, agent)
    entry.status = EntryStatus.APPROVED
    entry.decided_by = lead
    entry.decided_at = datetime(2026, 12, 1, tzinfo=UTC)
    db.session.commit()

    client.post(
        f"/approvals/entries/{entry.id}/reverse",
        data={f"reverse-{entry.id}-reason": "Billed twice"},
    )

    (message,) = smtp_sink.messages
    assert "reversed the approval of your time entry" in message["Subject"]
    assert "Reason: Billed twice" in message.get_body(("plain",)).get_content()


def test_email_in_recipient_language(lead, agent, ticket, submit, smtp_sink, app):
    agent.language = "it"
    db.session.commit()
    payload = {"week": "2026-11-09", "days": ["2026-11-09", "2026-11-10"]}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        notifications.notify(agent.id, notifications.MISSING_TIME, payload)
        db.session.commit()
        sent = notifications.send_queued_emails()

    assert sent == 1
    body = smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert "09/11/2026 e 10/11/2026" in body


def test_mail_failure_keeps_decision(client, app, lead, agent, ticket, submit, caplog):
    entry = submit(ticket, agent)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_TIMEOUT=2)
    caplog.set_level(logging.ERROR, logger="portal")
    try:
        response = _reject(client, entry)
    finally:
        app.config.update(MAIL_SERVER="", MAIL_PORT=25, MAIL_TIMEOUT=10.0)

    assert response.status_code == 303
    assert reload(entry).status == EntryStatus.REJECTED
    (notification,) = notifications_of(agent)
    assert notification.emailed_at is None
    failures = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert any(f"notification {notification.id}" in line for line in failures)


def test_no_mail_server_sends_nothing(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    _reject(client, entry)

    (notification,) = notifications_of(agent)
    assert notification.emailed_at is None
