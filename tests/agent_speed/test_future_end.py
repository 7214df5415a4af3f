"""An entry's end time may not be later than now in the agent's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from agent.helpers import entry_form

from agent_speed.helpers import HTMX, entries, field_errors, input_value
from portal.extensions import db
from portal.services import entries as entry_service

LOG_URL = "/agent/tickets/ASS-100/entries"
# 09:00 UTC is 10:00 in Rome on this November day.
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 10)
YESTERDAY = date(2026, 11, 9)


@pytest.fixture(autouse=True)
def frozen_now(monkeypatch):
    monkeypatch.setattr(entry_service, "utcnow", lambda: NOW)


def _log(client, activity, **values):
    values.setdefault("work_date", TODAY.isoformat())
    return client.post(LOG_URL, data=entry_form(activity, **values), headers=HTMX)


def test_end_after_now_422(client, agent, ticket, activity):
    response = _log(client, activity, duration="", start_time="09:00", end_time="10:30")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot end later than now (10:00)" in field_errors(html, "end_time")
    assert input_value(html, "start_time") == "09:00"
    assert input_value(html, "end_time") == "10:30"
    assert entries() == []


def test_end_at_now_accepted(client, agent, ticket, activity):
    response = _log(client, activity, duration="", start_time="09:00", end_time="10:00")

    assert response.status_code == 200
    assert entries()[0].minutes == 60


def test_start_and_duration_past_now_422(client, agent, ticket, activity):
    response = _log(client, activity, duration="1:30", start_time="09:00")

    assert response.status_code == 422
    assert "cannot end later than now" in field_errors(
        response.get_data(as_text=True), "end_time"
    )
    assert entries() == []


def test_night_ending_after_now_422(client, agent, ticket, activity):
    response = _log(
        client,
        activity,
        duration="",
        work_date=YESTERDAY.isoformat(),
        start_time="22:00",
        end_time="11:00",
        crosses_midnight="y",
    )

    assert response.status_code == 422
    assert "cannot end later than now" in field_errors(
        response.get_data(as_text=True), "end_time"
    )


def test_night_ending_before_now_accepted(client, agent, ticket, activity):
    response = _log(
        client,
        activity,
        duration="",
        work_date=YESTERDAY.isoformat(),
        start_time="22:00",
        end_time="06:00",
        crosses_midnight="y",
    )

    assert response.status_code == 200
    assert entries()[0].minutes == 8 * 60


def test_end_follows_agent_time_zone(client, agent, ticket, activity):
    # At 09:00 UTC, 09:30 is past in Rome (10:00) but future in London (09:00).
    in_rome = _log(client, activity, duration="", start_time="09:00", end_time="09:30")
    agent.timezone = "Europe/London"
    db.session.commit()
    in_london = _log(
        client, activity, duration="", start_time="09:00", end_time="09:30"
    )

    assert in_rome.status_code == 200
    assert in_london.status_code == 422
    assert "later than now (09:00)" in field_errors(
        in_london.get_data(as_text=True), "end_time"
    )


def test_edit_to_future_end_422(client, agent, ticket, activity, make_entry):
    entry = make_entry(ticket, agent, minutes=60, work_date=TODAY)
    form = entry_form(
        activity,
        prefix=f"edit-{entry.id}",
        duration="",
        start_time="10:00",
        end_time="11:00",
        work_date=TODAY.isoformat(),
        version=str(entry.version),
    )

    response = client.post(f"/agent/entries/{entry.id}/edit", data=form, headers=HTMX)

    assert response.status_code == 422
    assert "cannot end later than now" in field_errors(
        response.get_data(as_text=True), f"edit-{entry.id}-end_time"
    )
