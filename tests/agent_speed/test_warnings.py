"""Warnings after logging: long days, duplicates, long-closed tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agent.helpers import entry_form, rome_today

from agent_speed.helpers import HTMX, bar_form, entries
from portal.extensions import db
from portal.models import TicketStatus

LOG_URL = "/agent/tickets/ASS-100/entries"


def test_no_warnings_for_plain_entry(client, agent, ticket, activity):
    html = client.post(LOG_URL, data=entry_form(activity), headers=HTMX).get_data(
        as_text=True
    )

    assert "flash-warning" not in html


def test_long_day_warns_but_logs(client, agent, ticket, activity, make_entry):
    make_entry(ticket, agent, minutes=9 * 60, work_date=rome_today())

    response = client.post(
        LOG_URL, data=entry_form(activity, duration="1:30"), headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert len(entries()) == 2
    assert "You have logged 10 h 30 min on" in html
    assert "more than 10 hours" in html
    assert 'class="flash flash-warning"' in html


def test_exactly_ten_hours_is_fine(client, agent, ticket, activity, make_entry):
    make_entry(ticket, agent, minutes=9 * 60, work_date=rome_today())

    html = client.post(
        LOG_URL, data=entry_form(activity, duration="1h"), headers=HTMX
    ).get_data(as_text=True)

    assert "more than 10 hours" not in html


def test_duplicate_warns(client, agent, ticket, activity, make_entry):
    make_entry(ticket, agent, minutes=90, work_date=rome_today())

    html = client.post(
        LOG_URL, data=entry_form(activity, duration="1:30"), headers=HTMX
    ).get_data(as_text=True)

    assert "You logged 1 h 30 min on ASS-100 on" in html
    assert "twice" in html


def test_other_duration_is_no_duplicate(client, agent, ticket, activity, make_entry):
    make_entry(ticket, agent, minutes=60, work_date=rome_today())

    html = client.post(
        LOG_URL, data=entry_form(activity, duration="1:30"), headers=HTMX
    ).get_data(as_text=True)

    assert "twice" not in html


def test_long_closed_ticket_warns(client, agent, ticket, activity):
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = datetime.now(UTC) - timedelta(days=40)
    db.session.commit()

    html = client.post(LOG_URL, data=entry_form(activity), headers=HTMX).get_data(
        as_text=True
    )

    assert "ASS-100 was closed on" in html
    assert "more than 30 days before this work" in html


def test_recently_closed_ticket_is_fine(client, agent, ticket, activity):
    ticket.status = TicketStatus.CLOSED
    ticket.resolved_at = datetime.now(UTC) - timedelta(days=10)
    db.session.commit()

    html = client.post(LOG_URL, data=entry_form(activity), headers=HTMX).get_data(
        as_text=True
    )

    assert "was closed on" not in html


def test_work_before_closing_is_fine(client, agent, ticket, activity):
    ticket.status = TicketStatus.CLOSED
    ticket.resolved_at = datetime.now(UTC) - timedelta(days=40)
    db.session.commit()
    before_closing = (rome_today() - timedelta(days=45)).isoformat()

    html = client.post(
        LOG_URL, data=entry_form(activity, work_date=before_closing), headers=HTMX
    ).get_data(as_text=True)

    assert "was closed on" not in html


def test_bar_shows_warnings(client, agent, ticket, activity, make_entry):
    make_entry(ticket, agent, minutes=45, work_date=rome_today())

    html = client.post(
        "/agent/quick-log", data=bar_form(activity), headers=HTMX
    ).get_data(as_text=True)

    assert "Logged 45 min on ASS-100." in html
    assert "twice" in html


def test_plain_post_flashes_one_message(client, agent, ticket, activity, make_entry):
    make_entry(ticket, agent, minutes=90, work_date=rome_today())

    response = client.post(LOG_URL, data=entry_form(activity, duration="1:30"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 303
    assert page.count('class="flash flash-') == 1
    assert 'class="flash flash-warning"' in page
    assert "Logged 1 h 30 min on ASS-100. You logged 1 h 30 min" in page
