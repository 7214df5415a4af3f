"""Retried quick-log posts: one client token, one entry."""

from __future__ import annotations

import logging

import pytest
from agent.helpers import audit_rows, entry_form, rome_today

from agent_speed.helpers import HTMX, bar_form, client_token, entries
from portal.extensions import db
from portal.models import Role
from portal.services import entries as service
from portal.services.entries import EntryData

LOG_URL = "/agent/tickets/ASS-100/entries"
TOKEN = "0123456789abcdef0123456789abcdef"


def test_ticket_form_carries_fresh_token(client, agent, ticket, activity):
    first = client_token(client.get("/agent/tickets/ASS-100").get_data(as_text=True))
    second = client_token(client.get("/agent/tickets/ASS-100").get_data(as_text=True))

    assert len(first) == 32
    assert first != second


def test_logged_form_returns_new_token(client, agent, ticket, activity):
    response = client.post(
        LOG_URL, data=entry_form(activity, client_token=TOKEN), headers=HTMX
    )

    fresh = client_token(response.get_data(as_text=True))
    assert fresh != TOKEN
    assert entries()[0].client_token == TOKEN


def test_ticket_retry_logs_once(client, agent, ticket, activity):
    form = entry_form(activity, client_token=TOKEN)

    first = client.post(LOG_URL, data=form, headers=HTMX)
    second = client.post(LOG_URL, data=form, headers=HTMX)

    [entry] = entries()
    assert first.status_code == 200
    assert second.status_code == 200
    assert "Logged 1 h 30 min on ASS-100." in second.get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in second.get_data(as_text=True)


def test_plain_retry_redirects_once(client, agent, ticket, activity):
    form = entry_form(activity, client_token=TOKEN)

    first = client.post(LOG_URL, data=form)
    second = client.post(LOG_URL, data=form)

    assert first.status_code == 303
    assert second.status_code == 303
    assert len(entries()) == 1


def test_retry_writes_one_audit_row(client, agent, ticket, activity):
    form = entry_form(activity, client_token=TOKEN)
    client.post(LOG_URL, data=form, headers=HTMX)
    client.post(LOG_URL, data=form, headers=HTMX)

    assert len(audit_rows(entries()[0].id, "created")) == 1


def test_bar_retry_logs_once(client, agent, ticket, activity):
    form = bar_form(activity, client_token=TOKEN)

    first = client.post("/agent/quick-log", data=form, headers=HTMX)
    second = client.post("/agent/quick-log", data=form, headers=HTMX)

    assert first.status_code == 200
    assert second.status_code == 200
    assert "Logged 45 min on ASS-100." in second.get_data(as_text=True)
    assert len(entries()) == 1


def test_tokens_are_per_agent(client, agent, ticket, activity, make_user):
    colleague = make_user(Role.AGENT)
    data = EntryData(
        work_date=rome_today(),
        minutes=30,
        activity_type_id=activity.id,
        description="Same token, other agent",
        client_token=TOKEN,
    )
    service.create_entry(colleague, ticket, data)
    db.session.commit()

    client.post(LOG_URL, data=entry_form(activity, client_token=TOKEN), headers=HTMX)

    assert sorted(entry.agent_id for entry in entries()) == sorted(
        [colleague.id, agent.id]
    )


def test_token_reused_on_other_ticket_409(
    client, agent, ticket, activity, make_ticket, customer
):
    make_ticket(customer, key="ASS-200")
    client.post(LOG_URL, data=entry_form(activity, client_token=TOKEN), headers=HTMX)

    response = client.post(
        "/agent/tickets/ASS-200/entries",
        data=entry_form(activity, client_token=TOKEN),
        headers=HTMX,
    )

    assert response.status_code == 409
    assert "already been used to log time on another ticket" in response.get_data(
        as_text=True
    )
    assert len(entries()) == 1


@pytest.mark.parametrize("token", ["not-a-token", "x" * 200, "ABCDEF"])
def test_malformed_token_still_logs(client, agent, ticket, activity, token):
    response = client.post(
        LOG_URL, data=entry_form(activity, client_token=token), headers=HTMX
    )

    assert response.status_code == 200
    assert entries()[0].client_token is None


def test_service_rejects_overlong_token(app, agent, ticket, activity):
    data = EntryData(
        work_date=rome_today(),
        minutes=30,
        activity_type_id=activity.id,
        description="Checked",
        client_token="x" * 65,
    )
    with app.test_request_context(), pytest.raises(service.DomainError) as caught:
        service.create_entry(agent, ticket, data)

    assert caught.value.status == 400


def test_concurrent_insert_returns_first_entry(
    app, agent, ticket, activity, monkeypatch, caplog
):
    """A second post that misses the first one's row hits the unique constraint."""
    data = EntryData(
        work_date=rome_today(),
        minutes=30,
        activity_type_id=activity.id,
        description="Checked the backup",
        client_token=TOKEN,
    )
    with app.test_request_context():
        first = service.create_entry(agent, ticket, data)
        db.session.commit()
        first_id = first.id

        # The race: the second request looked before the first one committed,
        # so its first lookup finds nothing and only the later one finds it.
        original = service._entry_with_token
        calls = []

        def lookup_after_first(*args):
            calls.append(args)
            return None if len(calls) == 1 else original(*args)

        monkeypatch.setattr(service, "_entry_with_token", lookup_after_first)
        with caplog.at_level(logging.INFO, logger="portal.services.entries"):
            second, is_repeat = service.create_entry_once(agent, ticket, data)

    assert second.id == first_id
    assert is_repeat is True
    assert len(entries()) == 1
    assert len(calls) == 2
    assert "hit the client token constraint" in caplog.text
