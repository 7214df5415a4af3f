"""The agent's timer: start, pause, resume, stop and log, discard, conflicts."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from agent.helpers import rome_today

from agent_speed.helpers import (
    HTMX,
    bar_form,
    entries,
    field_errors,
    input_tag,
    input_value,
    timers,
)
from portal.extensions import db
from portal.models import Role, Timer
from portal.services import timers as timer_service
from portal.services.timers import TimerConflict


def _start(client, key="ASS-100", **extra):
    return client.post(
        "/agent/timer/start", data={"bar-ticket": key, **extra}, headers=HTMX
    )


def _act(client, action, version, **extra):
    return client.post(
        f"/agent/timer/{action}", data={"version": str(version), **extra}, headers=HTMX
    )


def _set_elapsed(timer: Timer, seconds: int, running: bool = False) -> None:
    """Make the timer show seconds: accumulated if paused, since start if running."""
    now = datetime.now(UTC)
    if running:
        timer.accumulated_seconds = 0
        timer.running_since = now - timedelta(seconds=seconds)
    else:
        timer.accumulated_seconds = seconds
        timer.running_since = None
    timer.started_at = now - timedelta(seconds=seconds)
    db.session.commit()


def _elapsed_attribute(html: str) -> int:
    return int(re.search(r'data-timer-elapsed="(\d+)"', html).group(1))


def test_no_timer_in_header(client, agent, ticket):
    html = client.get("/agent/").get_data(as_text=True)

    assert 'id="agent-timer"' in html
    assert "data-timer-elapsed" not in html


def test_start_from_ticket_page(client, agent, ticket):
    page = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    response = _start(client, **{"bar-description": "Printer driver"})

    html = response.get_data(as_text=True)
    [timer] = timers()
    assert 'id="start-timer"' in page
    assert response.status_code == 200
    assert timer.ticket_id == ticket.id
    assert timer.agent_id == agent.id
    assert timer.running_since is not None
    assert timer.description == "Printer driver"
    assert "Timer running on" in html
    assert 'data-timer-running="true"' in html
    assert "Timer started on ASS-100." in html


def test_start_plain_redirects(client, agent, ticket):
    response = client.post("/agent/timer/start", data={"bar-ticket": "ASS-100"})

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/tickets/ASS-100")
    assert len(timers()) == 1


def test_start_unknown_ticket_422(client, agent):
    response = _start(client, key="NOPE-1")

    assert response.status_code == 422
    assert 'No ticket has the key "NOPE-1".' in response.get_data(as_text=True).replace(
        "&#34;", '"'
    )
    assert timers() == []


def test_header_shows_timer_everywhere(client, agent, ticket):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, 125, running=True)

    for path in ("/agent/", "/agent/week", "/agent/tickets/ASS-100"):
        html = client.get(path).get_data(as_text=True)
        assert 'id="timer-ticket"' in html, path
        assert _elapsed_attribute(html) >= 125, path


def test_elapsed_grows_across_reloads(client, agent, ticket):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, 60, running=True)

    first = _elapsed_attribute(
        client.get("/agent/timer", headers=HTMX).get_data(as_text=True)
    )
    timer = timers()[0]
    timer.running_since -= timedelta(seconds=30)
    db.session.commit()
    second = _elapsed_attribute(
        client.get("/agent/timer", headers=HTMX).get_data(as_text=True)
    )

    assert second >= first + 30


def test_widget_polls_and_listens(client, agent, ticket):
    _start(client)

    html = client.get("/agent/timer", headers=HTMX).get_data(as_text=True)

    assert "every 30s" in html
    assert "visibilitychange" in html
    assert "timerChanged from:body" in html


def test_widget_plain_get_redirects(client, agent):
    assert client.get("/agent/timer").status_code == 302


def test_pause_keeps_elapsed(client, agent, ticket):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, 300, running=True)
    version = timer.version

    response = _act(client, "pause", version)

    paused = timers()[0]
    assert response.status_code == 200
    assert paused.running_since is None
    assert 300 <= paused.accumulated_seconds < 310
    assert paused.version == version + 1
    assert 'data-timer-running="false"' in response.get_data(as_text=True)


def test_resume_runs_again(client, agent, ticket):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, 300)

    response = _act(client, "resume", timer.version)

    resumed = timers()[0]
    assert response.status_code == 200
    assert resumed.running_since is not None
    assert resumed.accumulated_seconds == 300
    assert "Timer running on" in response.get_data(as_text=True)


def test_stale_version_409(client, agent, ticket):
    _start(client)
    [timer] = timers()
    seen = timer.version
    _act(client, "pause", seen)

    response = _act(client, "resume", seen)

    assert response.status_code == 409
    assert "paused or stopped in another tab" in response.get_data(as_text=True)
    assert json.loads(response.headers["HX-Trigger"]) == {"timerChanged": {}}
    assert timers()[0].running_since is None


def test_action_without_timer_409(client, agent):
    response = _act(client, "stop", 1)

    assert response.status_code == 409
    assert "already logged or discarded" in response.get_data(as_text=True)


def test_stop_prefills_quick_log(client, agent, ticket, activity):
    _start(client, **{"bar-description": "Driver reinstalled"})
    [timer] = timers()
    _set_elapsed(timer, 150, running=True)

    response = _act(client, "stop", timer.version)

    html = response.get_data(as_text=True)
    stopped = timers()[0]
    assert response.status_code == 200
    assert json.loads(response.headers["HX-Trigger"]) == {"openQuickBar": {}}
    assert stopped.running_since is None
    assert 'id="quick-bar-body" aria-live="polite" hx-swap-oob="innerHTML"' in html
    assert input_value(html, "bar-ticket") == "ASS-100"
    assert input_value(html, "bar-duration") == "0:03"
    assert input_value(html, "bar-description") == "Driver reinstalled"
    assert input_value(html, "bar-timer_version") == str(stopped.version)
    assert "data-focus-after-swap" in input_tag(html, "bar-duration")
    assert "confirm_duration" not in html


@pytest.mark.parametrize(
    ("seconds", "shown"), [(5, "0:01"), (89, "0:01"), (90, "0:02")]
)
def test_stop_rounds_to_minute(client, agent, ticket, activity, seconds, shown):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, seconds)

    html = _act(client, "stop", timer.version).get_data(as_text=True)

    assert input_value(html, "bar-duration") == shown


def test_stop_plain_opens_quick_log_page(client, agent, ticket, activity):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, 600)

    response = client.post("/agent/timer/stop", data={"version": str(timer.version)})
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 303
    assert "from_timer=1" in response.headers["Location"]
    assert input_value(page, "bar-duration") == "0:10"
    assert input_value(page, "bar-ticket") == "ASS-100"


def _stop_and_form(client, activity, seconds=1800, **values):
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, seconds)
    html = _act(client, "stop", timer.version).get_data(as_text=True)
    form = bar_form(
        activity,
        duration=input_value(html, "bar-duration"),
        work_date=input_value(html, "bar-work_date"),
        timer_version=input_value(html, "bar-timer_version"),
        client_token=input_value(html, "bar-client_token"),
        **values,
    )
    return html, form


def test_log_stopped_timer(client, agent, ticket, activity):
    _html, form = _stop_and_form(client, activity)

    response = client.post("/agent/quick-log", data=form, headers=HTMX)

    [entry] = entries()
    assert response.status_code == 200
    assert entry.minutes == 30
    assert timers() == []
    events = json.loads(response.headers["HX-Trigger"])
    assert "timerChanged" in events
    assert "Logged 30 min on ASS-100." in response.get_data(as_text=True)


def test_edited_duration_is_logged(client, agent, ticket, activity):
    _html, form = _stop_and_form(client, activity)
    form["bar-duration"] = "20m"

    client.post("/agent/quick-log", data=form, headers=HTMX)

    assert entries()[0].minutes == 20


def test_two_tabs_stop_one_logs(client, agent, ticket, activity):
    _start(client)
    [timer] = timers()
    seen = timer.version

    first = _act(client, "stop", seen)
    second = _act(client, "stop", seen)

    assert first.status_code == 200
    assert second.status_code == 409
    assert "paused or stopped in another tab" in second.get_data(as_text=True)


def test_two_prefilled_forms_log_once(client, agent, ticket, activity):
    _html, form = _stop_and_form(client, activity)
    other_tab = {**form, "bar-client_token": "b" * 32}

    first = client.post("/agent/quick-log", data=form, headers=HTMX)
    second = client.post("/agent/quick-log", data=other_tab, headers=HTMX)

    assert first.status_code == 200
    assert second.status_code == 409
    assert "already logged or discarded" in second.get_data(as_text=True)
    assert len(entries()) == 1


def test_retried_timer_log_returns_entry(client, agent, ticket, activity):
    _html, form = _stop_and_form(client, activity)

    first = client.post("/agent/quick-log", data=form, headers=HTMX)
    second = client.post("/agent/quick-log", data=form, headers=HTMX)

    assert first.status_code == 200
    assert second.status_code == 200
    assert len(entries()) == 1


def test_timer_past_midnight_needs_confirmation(client, agent, ticket, activity):
    _start(client)
    [timer] = timers()
    timer.started_at = datetime.now(UTC) - timedelta(days=1)
    timer.accumulated_seconds = 3 * 3600
    timer.running_since = None
    db.session.commit()
    html = _act(client, "stop", timer.version).get_data(as_text=True)
    form = bar_form(
        activity,
        duration=input_value(html, "bar-duration"),
        work_date=input_value(html, "bar-work_date"),
        timer_version=input_value(html, "bar-timer_version"),
    )

    refused = client.post("/agent/quick-log", data=form, headers=HTMX)
    accepted = client.post(
        "/agent/quick-log", data={**form, "bar-confirm_duration": "y"}, headers=HTMX
    )

    assert "ran past midnight" in html
    assert (
        input_value(html, "bar-work_date")
        == (rome_today() - timedelta(days=1)).isoformat()
    )
    assert refused.status_code == 422
    assert "tick the box" in field_errors(
        refused.get_data(as_text=True), "bar-confirm_duration"
    )
    assert accepted.status_code == 200
    assert entries()[0].minutes == 180
    assert timers() == []


def test_long_timer_needs_confirmation(client, agent, ticket, activity):
    html, form = _stop_and_form(client, activity, seconds=11 * 3600)

    refused = client.post("/agent/quick-log", data=form, headers=HTMX)

    assert "more than 10 hours" in html
    assert input_value(html, "bar-duration") == "11:00"
    assert refused.status_code == 422
    assert entries() == []
    assert len(timers()) == 1


def test_day_long_timer_needs_real_duration(client, agent, ticket, activity):
    _html, form = _stop_and_form(
        client, activity, seconds=26 * 3600, **{"confirm_duration": "y"}
    )

    response = client.post("/agent/quick-log", data=form, headers=HTMX)

    assert response.status_code == 422
    assert "more than 24 hours" in field_errors(
        response.get_data(as_text=True), "bar-duration"
    )


def test_start_while_running_asks(client, agent, ticket, customer, make_ticket):
    make_ticket(customer, key="ASS-200")
    _start(client)
    [timer] = timers()

    response = _start(client, key="ASS-200")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'role="alertdialog"' in html
    assert "A timer is already running on ASS-100." in html
    assert 'id="timer-prompt-log"' in html
    assert 'id="timer-prompt-discard"' in html
    assert "every 30s" not in html
    assert [t.id for t in timers()] == [timer.id]
    assert timers()[0].ticket_id == ticket.id


def test_start_while_running_plain_409(client, agent, ticket):
    _start(client)

    response = client.post("/agent/timer/start", data={"bar-ticket": "ASS-100"})

    assert response.status_code == 409
    assert 'role="alertdialog"' in response.get_data(as_text=True)


def test_prompt_discard_and_start(client, agent, ticket, customer, make_ticket):
    other = make_ticket(customer, key="ASS-200")
    _start(client)
    [timer] = timers()

    response = _start(
        client, key="ASS-200", **{"bar-replace_version": str(timer.version)}
    )

    [new] = timers()
    assert response.status_code == 200
    assert new.ticket_id == other.id
    assert entries() == []


def test_prompt_log_then_start_next(
    client, agent, ticket, activity, customer, make_ticket
):
    other = make_ticket(customer, key="ASS-200")
    _start(client)
    [timer] = timers()
    _set_elapsed(timer, 600)

    html = _act(client, "stop", timer.version, start_next="ASS-200").get_data(
        as_text=True
    )
    form = bar_form(
        activity,
        duration=input_value(html, "bar-duration"),
        timer_version=input_value(html, "bar-timer_version"),
        start_next=input_value(html, "bar-start_next"),
    )
    client.post("/agent/quick-log", data=form, headers=HTMX)

    [entry] = entries()
    [new] = timers()
    assert entry.ticket_id == ticket.id
    assert entry.minutes == 10
    assert new.ticket_id == other.id
    assert new.running_since is not None


def test_discard_logs_nothing(client, agent, ticket):
    _start(client)
    [timer] = timers()

    response = _act(client, "discard", timer.version)

    assert response.status_code == 200
    assert timers() == []
    assert entries() == []
    assert "No time was logged." in response.get_data(as_text=True)


def test_discard_button_asks_first(client, agent, ticket):
    _start(client)

    html = client.get("/agent/timer", headers=HTMX).get_data(as_text=True)

    assert re.search(r'hx-confirm="Discard the timer\?', html)


def test_timers_are_per_agent(client, agent, ticket, make_user):
    colleague = make_user(Role.AGENT)
    db.session.add(Timer(agent_id=colleague.id, ticket_id=ticket.id))
    db.session.commit()

    html = client.get("/agent/").get_data(as_text=True)
    response = _start(client)

    assert "data-timer-elapsed" not in html
    assert response.status_code == 200
    assert len(timers()) == 2


def test_concurrent_start_is_conflict(app, agent, ticket, monkeypatch):
    db.session.add(Timer(agent_id=agent.id, ticket_id=ticket.id))
    db.session.commit()
    # The second tab checked before the first one's timer was committed.
    monkeypatch.setattr(timer_service, "find_timer", lambda agent: None)

    with app.test_request_context(), pytest.raises(TimerConflict) as caught:
        timer_service.start_timer(agent, ticket)

    assert caught.value.status == 409
    assert len(timers()) == 1


def test_elapsed_seconds_adds_running_time():
    now = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
    timer = Timer(accumulated_seconds=100, running_since=now - timedelta(seconds=20))
    paused = Timer(accumulated_seconds=100, running_since=None)

    assert timer_service.elapsed_seconds(timer, now) == 120
    assert timer_service.elapsed_seconds(paused, now) == 100
    assert timer_service.rounded_minutes(0) == 1
    assert timer_service.rounded_minutes(29) == 1
    assert timer_service.rounded_minutes(150) == 3


def test_start_closes_quick_bar(client, agent, ticket):
    response = _start(client)

    assert json.loads(response.headers["HX-Trigger"]) == {"closeQuickBar": {}}


def test_plain_prompt_keeps_next_ticket(
    client, agent, ticket, activity, customer, make_ticket
):
    make_ticket(customer, key="ASS-200")
    _start(client)
    [timer] = timers()

    response = client.post(
        "/agent/timer/stop",
        data={"version": str(timer.version), "start_next": "ASS-200"},
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert response.status_code == 303
    assert input_value(page, "bar-start_next") == "ASS-200"


def test_timer_in_approver_header(client, login_as, ticket):
    login_as(Role.APPROVER)
    _start(client)

    html = client.get("/approvals/").get_data(as_text=True)

    assert 'id="timer-ticket"' in html


@pytest.mark.parametrize("version", ["²", "1" * 40, "-1", "abc"])
def test_odd_version_is_conflict(client, agent, ticket, version):
    _start(client)

    response = client.post(
        "/agent/timer/pause", data={"version": version}, headers=HTMX
    )

    assert response.status_code == 409
    assert timers()[0].running_since is not None
