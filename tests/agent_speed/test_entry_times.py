"""Optional start and end times on the ticket page's quick log and edit form."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from agent.helpers import audit_rows, entry_form, reload, rome_today

from agent_speed.helpers import HTMX, entries, field_errors, input_tag, input_value
from portal.extensions import db
from portal.services.entries import (
    EntryDataError,
    resolve_time_range,
    span_minutes,
)

LOG_URL = "/agent/tickets/ASS-100/entries"


def _past_day() -> date:
    # Two days back, so no end time of these tests is later than now, even
    # for work that crossed midnight.
    return rome_today() - timedelta(days=2)


def _log(client, activity, **values):
    values.setdefault("work_date", _past_day().isoformat())
    return client.post(LOG_URL, data=entry_form(activity, **values), headers=HTMX)


def test_times_give_duration(client, agent, ticket, activity):
    response = _log(client, activity, duration="", start_time="09:15", end_time="10:45")

    [entry] = entries()
    assert response.status_code == 200
    assert entry.minutes == 90
    assert entry.start_time == time(9, 15)
    assert entry.end_time == time(10, 45)
    assert "09:15–10:45" in response.get_data(as_text=True)


def test_matching_duration_accepted(client, agent, ticket, activity):
    response = _log(
        client, activity, duration="1:30", start_time="09:15", end_time="10:45"
    )

    assert response.status_code == 200
    assert entries()[0].minutes == 90


def test_mismatched_duration_422(client, agent, ticket, activity):
    response = _log(
        client,
        activity,
        duration="2h",
        start_time="09:15",
        end_time="10:45",
        description="Typed by hand",
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "does not match the start and end times" in field_errors(html, "duration")
    assert "1 h 30 min" in field_errors(html, "duration")
    assert input_value(html, "start_time") == "09:15"
    assert input_value(html, "end_time") == "10:45"
    assert entries() == []


def test_end_before_start_asks_midnight(client, agent, ticket, activity):
    response = _log(client, activity, duration="", start_time="22:00", end_time="01:30")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Did the work cross midnight?" in field_errors(html, "crosses_midnight")
    assert "autofocus" in input_tag(html, "crosses_midnight")
    assert entries() == []


def test_crossing_midnight_counts_on_start_day(client, agent, ticket, activity):
    day = _past_day()
    response = _log(
        client,
        activity,
        duration="",
        work_date=day.isoformat(),
        start_time="22:00",
        end_time="01:30",
        crosses_midnight="y",
    )

    [entry] = entries()
    assert response.status_code == 200
    assert entry.minutes == 210
    assert entry.work_date == day
    assert entry.end_time == time(1, 30)


def test_ticked_box_with_later_end_422(client, agent, ticket, activity):
    response = _log(
        client,
        activity,
        duration="",
        start_time="09:00",
        end_time="10:00",
        crosses_midnight="y",
    )

    assert response.status_code == 422
    assert "did not cross midnight" in field_errors(
        response.get_data(as_text=True), "crosses_midnight"
    )


def test_equal_times_need_box(client, agent, ticket, activity):
    unticked = _log(client, activity, duration="", start_time="08:00", end_time="08:00")
    ticked = _log(
        client,
        activity,
        duration="",
        start_time="08:00",
        end_time="08:00",
        crosses_midnight="y",
    )

    assert unticked.status_code == 422
    assert ticked.status_code == 200
    assert entries()[0].minutes == 24 * 60


def test_start_and_duration_give_end(client, agent, ticket, activity):
    _log(client, activity, duration="45m", start_time="23:30")

    [entry] = entries()
    assert entry.start_time == time(23, 30)
    assert entry.end_time == time(0, 15)
    assert entry.minutes == 45


def test_end_and_duration_give_start(client, agent, ticket, activity):
    _log(client, activity, duration="1h", end_time="10:00")

    assert entries()[0].start_time == time(9, 0)


def test_end_and_duration_before_midnight_422(client, agent, ticket, activity):
    response = _log(client, activity, duration="3h", end_time="01:00")

    assert response.status_code == 422
    assert "started the day before" in field_errors(
        response.get_data(as_text=True), "start_time"
    )


@pytest.mark.parametrize("text", ["25:00", "9:75", "nine", "10"])
def test_bad_time_422(client, agent, ticket, activity, text):
    response = _log(client, activity, start_time=text, description="Typed by hand")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "for example 09:30" in field_errors(html, "start_time")
    assert input_value(html, "start_time") == text
    assert entries() == []


def test_missing_duration_without_times_422(client, agent, ticket, activity):
    response = _log(client, activity, duration="", start_time="09:00")

    assert response.status_code == 422
    assert "Enter a duration" in field_errors(
        response.get_data(as_text=True), "duration"
    )


def test_edit_form_shows_times(client, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, minutes=210)
    entry.start_time, entry.end_time = time(22, 0), time(1, 30)
    db.session.commit()

    html = client.get(f"/agent/entries/{entry.id}/edit", headers=HTMX).get_data(
        as_text=True
    )

    prefix = f"edit-{entry.id}-"
    assert input_value(html, prefix + "start_time") == "22:00"
    assert input_value(html, prefix + "end_time") == "01:30"
    assert "checked" in input_tag(html, prefix + "crosses_midnight")


def test_edit_changes_times_and_audits(client, agent, ticket, activity, make_entry):
    entry = make_entry(ticket, agent, minutes=60, work_date=_past_day())
    form = entry_form(
        activity,
        prefix=f"edit-{entry.id}",
        duration="",
        start_time="14:00",
        end_time="15:30",
        work_date=_past_day().isoformat(),
        version=str(entry.version),
    )

    response = client.post(f"/agent/entries/{entry.id}/edit", data=form, headers=HTMX)

    saved = reload(entry)
    [event] = audit_rows(entry.id, "updated")
    assert response.status_code == 200
    assert saved.minutes == 90
    assert event.after["start_time"] == "14:00"
    assert event.after["end_time"] == "15:30"
    assert event.before["start_time"] is None


def test_span_minutes_table():
    cases = [
        (time(9, 0), time(17, 0), 480),
        (time(22, 0), time(1, 30), 210),
        (time(0, 0), time(0, 0), 1440),
        (time(23, 59), time(0, 0), 1),
    ]
    for start, end, minutes in cases:
        assert span_minutes(start, end) == minutes, (start, end)


def test_resolve_without_anything_raises():
    with pytest.raises(EntryDataError) as caught:
        resolve_time_range(None, None, False, None)

    assert caught.value.field == "duration"
