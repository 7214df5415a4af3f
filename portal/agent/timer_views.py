"""The agent's timer in the page header: start, pause, resume, stop, discard.

htmx requests get the header widget back. Stopping also swaps the prefilled
quick-log form into the bar and opens it. A 409 response carries the
timerChanged event, so the page reloads the widget that another tab or device
made out of date.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.agent import bp
from portal.agent.queries import MAX_KEY_LENGTH
from portal.agent.quick_log_forms import TimerForm, TimerStartForm
from portal.agent.quick_log_views import new_bar_form
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models.users import Role
from portal.models.workflow import Timer
from portal.services import timers
from portal.services.timers import TimerAlreadyRunning

logger = logging.getLogger(__name__)

TIMER_ROLES = frozenset({Role.AGENT, Role.APPROVER, Role.ADMIN})
TIMER_ENDPOINTS = frozenset(
    {
        "agent.timer_start",
        "agent.timer_pause",
        "agent.timer_resume",
        "agent.timer_stop",
        "agent.timer_discard",
    }
)


@dataclass(frozen=True)
class TimerView:
    """A timer as the header shows it: elapsed seconds at render time."""

    timer: Timer
    elapsed_seconds: int

    @property
    def is_running(self) -> bool:
        return self.timer.running_since is not None


def timer_view() -> TimerView | None:
    """Return the signed-in agent's timer for the header, or None."""
    if not current_user.is_authenticated or current_user.role not in TIMER_ROLES:
        return None
    timer = timers.find_timer(current_user)
    if timer is None:
        return None
    return TimerView(timer, timers.elapsed_seconds(timer))


@bp.app_context_processor
def _timer_helpers() -> dict:
    # A function, so only pages that render the header run the query.
    return {"agent_timer_view": timer_view}


@bp.after_request
def _reload_timer_after_conflict(response):
    if response.status_code == 409 and request.endpoint in TIMER_ENDPOINTS:
        response.headers["HX-Trigger"] = json.dumps({"timerChanged": {}})
    return response


@bp.get("/timer")
def timer_widget():
    if not is_htmx():
        return redirect(url_for("agent.tickets"))
    return _render_widget()


@bp.post("/timer/start")
def timer_start():
    form = TimerStartForm()
    if not form.validate_on_submit():
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return _render_widget(error=message, status=422)

    ticket = form.ticket.ticket
    try:
        timers.start_timer(
            current_user,
            ticket,
            form.description.data or "",
            replace_version=form.replace_version_number(),
        )
    except TimerAlreadyRunning as running:
        return _render_prompt(running.timer, ticket.key)

    db.session.commit()
    message = _("Timer started on %(key)s.", key=ticket.key)
    if not is_htmx():
        return _after_change(message, ticket.key)
    # A timer started from the quick-log bar takes the place of the entry.
    close_bar = {"HX-Trigger": json.dumps({"closeQuickBar": {}})}
    return _render_widget(notice=message, headers=close_bar)


@bp.post("/timer/pause")
def timer_pause():
    timer = timers.pause_timer(current_user, TimerForm().version_number())
    key = timer.ticket.key
    db.session.commit()
    return _after_change(_("Timer paused."), key)


@bp.post("/timer/resume")
def timer_resume():
    timer = timers.resume_timer(current_user, TimerForm().version_number())
    key = timer.ticket.key
    db.session.commit()
    return _after_change(_("Timer running again."), key)


@bp.post("/timer/discard")
def timer_discard():
    timers.discard_timer(current_user, TimerForm().version_number())
    db.session.commit()
    return _after_change(_("Timer discarded. No time was logged."), None)


@bp.post("/timer/stop")
def timer_stop():
    stopped = timers.stop_timer(current_user, TimerForm().version_number())
    db.session.commit()
    start_next = request.form.get("start_next", "")[:MAX_KEY_LENGTH] or None
    if not is_htmx():
        page = url_for("agent.quick_log_form", from_timer=1, start_next=start_next)
        return redirect(page, code=303)

    form = new_bar_form(stopped=stopped, start_next=start_next)
    body = render_template(
        "agent/_timer_stopped.html",
        timer_view=timer_view(),
        form=form,
        stopped=stopped,
    )
    return body, 200, {"HX-Trigger": json.dumps({"openQuickBar": {}})}


def _after_change(message: str, key: str | None):
    if is_htmx():
        return _render_widget(notice=message)
    flash(message, "success")
    if key is None:
        return redirect(url_for("agent.tickets"), code=303)
    return redirect(url_for("agent.ticket", key=key), code=303)


def _render_widget(
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
):
    body = render_template(
        "agent/_timer.html", timer_view=timer_view(), notice=notice, error=error
    )
    return body, status, headers or {}


def _render_prompt(running: Timer, next_key: str):
    """Ask whether to log or discard the running timer before starting another."""
    context = {
        "timer_view": timer_view(),
        "running": running,
        "next_key": next_key,
        "description": request.form.get("bar-description", ""),
    }
    if is_htmx():
        return render_template("agent/_timer.html", prompt=True, **context)
    return render_template("agent/timer_prompt.html", **context), 409
