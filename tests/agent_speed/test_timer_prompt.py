"""The prompt shown when a timer is started while another one exists."""

from __future__ import annotations

import pytest

from agent_speed.helpers import HTMX, timers
from portal.extensions import db
from portal.services import timers as timer_service
from portal.services.timers import TimerAlreadyRunning


def _start(client, key: str, headers=HTMX):
    return client.post("/agent/timer/start", data={"bar-ticket": key}, headers=headers)


def _pause_only_timer() -> None:
    [timer] = timers()
    timer.accumulated_seconds = 600
    timer.running_since = None
    db.session.commit()


@pytest.fixture
def other_ticket(customer, make_ticket):
    return make_ticket(customer, key="ASS-200")


def test_prompt_names_paused_timer(client, agent, ticket, other_ticket):
    _start(client, "ASS-100")
    _pause_only_timer()

    response = _start(client, "ASS-200")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Timer paused on" in html
    assert "A paused timer exists on ASS-100." in html
    assert "Keep the paused timer" in html
    assert "running" not in html.split('id="timer-prompt-text"', 1)[1]


def test_plain_prompt_names_paused_timer(client, agent, ticket, other_ticket):
    _start(client, "ASS-100")
    _pause_only_timer()

    response = _start(client, "ASS-200", headers={})

    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "A paused timer exists on ASS-100." in html
    assert "already running" not in html


def test_prompt_names_running_timer(client, agent, ticket, other_ticket):
    _start(client, "ASS-100")

    html = _start(client, "ASS-200").get_data(as_text=True)

    assert "A timer is already running on ASS-100." in html
    assert "Keep the running timer" in html


def test_conflict_message_follows_state(app, agent, ticket):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        timer_service.start_timer(agent, ticket)
        db.session.commit()
        [timer] = timers()
        running = TimerAlreadyRunning(timer).message
        timer.running_since = None
        paused = TimerAlreadyRunning(timer).message

    assert running.startswith("A timer is already running on ASS-100.")
    assert paused.startswith("A paused timer exists on ASS-100.")
