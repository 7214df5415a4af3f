"""The quick-log bar: log time on any ticket from any agent page.

htmx loads the bar's form the first time the bar opens, offers tickets while
the agent types, and swaps in a fresh form after each entry. Without htmx the
same form is a page of its own at /agent/quick-log.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from portal.agent import bp, queries
from portal.agent.forms import new_client_token
from portal.agent.quick_log_forms import QuickLogBarForm
from portal.agent.views import log_context, logged_message
from portal.agent.warnings import entry_warnings, flash_result
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_hmm, user_today
from portal.models.entries import TimeEntry
from portal.models.tickets import ActivityType, Ticket
from portal.services import entries as entry_service
from portal.services import timers
from portal.services.entries import DayTotals, EntryDataError
from portal.services.timers import StoppedTimer

logger = logging.getLogger(__name__)

# The ticket list reads at most this many characters of the search text.
MAX_SEARCH_LENGTH = 200
_LIST_ID = re.compile(r"^[a-z][a-z0-9-]{0,60}-list$")


@bp.get("/quick-log")
def quick_log_form():
    """Return the bar's form, prefilled from a stopped timer with from_timer=1."""
    stopped = None
    if request.args.get("from_timer"):
        stopped = _stopped_timer()
    start_next = request.args.get("start_next", "")[: queries.MAX_KEY_LENGTH]
    form = new_bar_form(stopped=stopped, start_next=start_next or None)
    template = "agent/_quick_bar_form.html" if is_htmx() else "agent/quick_log.html"
    return render_template(template, form=form, stopped=stopped)


@bp.get("/quick-log/tickets")
def quick_log_tickets():
    """Return the ticket options of a combobox: the bar's or the week grid's."""
    text = request.args.get("bar-ticket") or request.args.get("add") or ""
    text = text[:MAX_SEARCH_LENGTH]
    suggestions = queries.ticket_suggestions(current_user.id, text, user_today())

    # htmx sends the id of the listbox it swaps into (HX-Target), and the
    # list's status line has the same id stem.
    list_id = request.headers.get("HX-Target", "")
    if not _LIST_ID.match(list_id):
        list_id = "bar-ticket-list"
    return render_template(
        "agent/_ticket_suggestions.html",
        suggestions=suggestions,
        list_id=list_id,
        status_id=list_id.removesuffix("-list") + "-status",
    )


@bp.post("/quick-log")
def quick_log():
    form = QuickLogBarForm(activities=entry_service.active_activity_types())
    if not form.validate_on_submit():
        return _render_form(form, 422)

    ticket = form.picked_ticket
    timer_version = form.timer_version_number()
    try:
        entry, day_before = _log(form, ticket, timer_version)
    except EntryDataError as error:
        logger.info("quick log rejected on field %s: %s", error.field, error.message)
        form.add_error(error)
        return _render_form(form, 422)

    message = logged_message(entry, ticket)
    warnings = entry_warnings(entry, day_before)
    if not is_htmx():
        db.session.commit()
        flash_result(message, warnings)
        return redirect(url_for("agent.ticket", key=ticket.key), code=303)

    # Rendering before the commit reads the rows this transaction already
    # loaded; after it they would all expire and load again, one by one.
    response = _render_logged(form, entry, ticket, message, warnings, timer_version)
    db.session.commit()
    return response


def _log(
    form: QuickLogBarForm, ticket: Ticket, timer_version: int | None
) -> tuple[TimeEntry, DayTotals | None]:
    """Log the form's time and return the entry and, if read, its day before it."""
    if timer_version is None:
        return entry_service.create_entry_with_totals(
            current_user, ticket, form.entry_data()
        )
    start_next = None
    if form.start_next.data:
        start_next = queries.find_ticket_by_key(form.start_next.data)
    entry, _is_repeat = timers.log_timer(
        current_user,
        timer_version,
        ticket,
        form.entry_data(),
        confirmed=bool(form.confirm_duration.data),
        start_next=start_next,
    )
    return entry, None


def new_bar_form(
    stopped: StoppedTimer | None = None,
    work_date: date | None = None,
    activity_id: int | None = None,
    start_next: str | None = None,
    activities: list[ActivityType] | None = None,
) -> QuickLogBarForm:
    """Build an empty bar form, or one prefilled from a stopped timer."""
    if activities is None:
        activities = entry_service.active_activity_types()
    form = QuickLogBarForm(formdata=None, activities=activities)
    form.client_token.data = new_client_token()
    form.work_date.data = work_date or user_today()
    activity = _default_activity(activities, activity_id)
    form.activity_type.data = activity.id if activity else None
    if stopped is not None:
        form.ticket.data = stopped.timer.ticket.key
        form.duration.data = format_hmm(stopped.minutes)
        form.minutes = stopped.minutes
        form.description.data = stopped.timer.description
        form.work_date.data = stopped.work_date
        form.timer_version.data = str(stopped.timer.version)
        form.start_next.data = start_next or ""
    return form


def _default_activity(
    activities: list[ActivityType], activity_id: int | None
) -> ActivityType | None:
    chosen = next((a for a in activities if a.id == activity_id), None)
    if chosen is not None:
        return chosen
    default = entry_service.default_activity_for(current_user)
    return default if default in activities else None


def _stopped_timer() -> StoppedTimer | None:
    timer = timers.find_timer(current_user)
    if timer is None or timer.running_since is not None:
        return None
    return timers.describe_stopped(current_user, timer)


def _render_form(form: QuickLogBarForm, status: int):
    stopped = _stopped_timer() if form.timer_version_number() is not None else None
    template = "agent/_quick_bar_form.html" if is_htmx() else "agent/quick_log.html"
    return render_template(template, form=form, stopped=stopped), status


def _render_logged(
    form: QuickLogBarForm,
    entry: TimeEntry,
    ticket: Ticket,
    message: str,
    warnings: list[str],
    timer_version: int | None,
):
    """Return a fresh form, the notice and, on the ticket's page, its new log."""
    fresh = new_bar_form(
        work_date=entry.work_date,
        activity_id=entry.activity_type_id,
        activities=form.activities,
    )
    context = {
        "form": fresh,
        "notice": message,
        "warnings": warnings,
        "quiet_ticket_list": True,
    }
    if _current_page_is(url_for("agent.ticket", key=ticket.key)):
        context.update(log_context(ticket, new_entry_id=entry.id))
    response = render_template("agent/_quick_bar_response.html", **context)

    events = {"entryLogged": {"ticket": ticket.key, "entry": entry.id}}
    if timer_version is not None:
        events["timerChanged"] = {}
    return response, 200, {"HX-Trigger": json.dumps(events)}


def _current_page_is(path: str) -> bool:
    # htmx sends the address of the page the request comes from.
    return urlsplit(request.headers.get("HX-Current-URL", "")).path == path
