"""Agent pages: the ticket list, a ticket's time log with quick logging, my week.

Each form works as a plain POST (303 redirect with a flash on success, 422 page
with errors on failure) and through htmx, which gets the changed fragments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from portal.agent import bp, queries
from portal.agent.forms import (
    EditEntryForm,
    EntryForm,
    TicketSearchForm,
    new_client_token,
)
from portal.agent.labels import entry_status_label, priority_label, status_label
from portal.agent.log_rows import LogRows, billed_minutes_where_different
from portal.agent.warnings import entry_warnings, flash_result
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_duration, format_hmm, user_today
from portal.models.entries import EntryStatus, TimeEntry
from portal.models.tickets import ActivityType, Ticket
from portal.services import entries as entry_service
from portal.services.durations import DurationError, parse_duration
from portal.services.entries import EntryData

logger = logging.getLogger(__name__)

FIRST_WEEK_DAY = date(1900, 1, 15)
LAST_WEEK_DAY = date(9999, 12, 15)


@bp.context_processor
def _agent_template_helpers() -> dict:
    return {
        "status_label": status_label,
        "priority_label": priority_label,
        "entry_status_label": entry_status_label,
        "weekday_name": _weekday_name,
        # The latest work date the date inputs offer.
        "today_iso": user_today().isoformat(),
    }


def _weekday_name(day: date) -> str:
    return format_date(day, "EEEE")


@bp.after_request
def _vary_on_htmx(response):
    # The same URL returns a fragment to htmx and a page otherwise, so caches
    # must keep them apart.
    response.vary.add("HX-Request")
    return response


# --- Ticket list -----------------------------------------------------------


@bp.get("/")
def tickets():
    form = TicketSearchForm(request.args)
    text = form.q.data or ""
    status_filter = form.status.data or queries.OPEN_FILTER
    page = request.args.get("page", 1, type=int)

    pagination = queries.search_tickets(text, status_filter, page)
    minutes = queries.logged_minutes([ticket.id for ticket in pagination.items])

    template = "agent/_ticket_results.html" if is_htmx() else "agent/tickets.html"
    context = {"form": form, "pagination": pagination, "minutes": minutes}
    return render_template(template, **context)


# --- Ticket page and quick log ---------------------------------------------


@bp.get("/tickets/<key>")
def ticket(key: str):
    ticket = _ticket_or_404(key)
    form = _new_entry_form(entry_service.active_activity_types())
    return _render_ticket_page(ticket, form)


@bp.post("/tickets/<key>/entries")
def log_entry(key: str):
    ticket = _ticket_or_404(key)
    form = EntryForm(activities=entry_service.active_activity_types())
    entry = save_entry(form, partial(entry_service.create_entry, current_user, ticket))

    if entry is None:
        if is_htmx():
            return _render_quick_log(ticket, form, 422)
        return _render_ticket_page(ticket, form, 422)

    db.session.commit()
    message = logged_message(entry, ticket)
    warnings = entry_warnings(entry)
    if not is_htmx():
        flash_result(message, warnings)
        return redirect(url_for("agent.ticket", key=ticket.key), code=303)

    fresh = _new_entry_form(
        form.activities,
        work_date=entry.work_date,
        activity_id=entry.activity_type_id,
    )
    return _render_quick_log(
        ticket, fresh, 200, new_entry_id=entry.id, notice=message, warnings=warnings
    )


def logged_message(entry: TimeEntry, ticket: Ticket) -> str:
    """Return the success message naming the duration and the ticket."""
    return _(
        "Logged %(duration)s on %(key)s.",
        duration=format_duration(entry.minutes),
        key=ticket.key,
    )


@bp.get("/duration-preview")
def duration_preview():
    # Edit forms carry a prefix, so their field is called edit-<id>-duration.
    text = next(
        (value for name, value in request.args.items() if name.endswith("duration")),
        "",
    )
    try:
        minutes = parse_duration(text)
    except DurationError as error:
        return render_template("agent/_duration_preview.html", error=error.message())
    return render_template("agent/_duration_preview.html", minutes=minutes)


@bp.post("/tickets/<key>/submit-drafts")
def submit_ticket_drafts(key: str):
    ticket = _ticket_or_404(key)
    count = entry_service.submit_ticket_drafts(current_user, ticket)
    db.session.commit()
    return _after_log_change(ticket, _submitted_message(count))


# --- Actions on one entry --------------------------------------------------


@bp.get("/entries/<int:entry_id>/row")
def entry_row(entry_id: int):
    entry = entry_or_404(entry_id)
    if not is_htmx():
        return redirect(_entry_anchor(entry))
    rows = LogRows([entry])
    billed = billed_minutes_where_different(entry.ticket_id, [entry])
    return render_template(
        "agent/_entry_row_response.html",
        entry=entry,
        rows=rows,
        billed_minutes=billed,
    )


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
def edit_entry(entry_id: int):
    entry = entry_or_404(entry_id)
    entry_service.ensure_editable(current_user, entry)
    form = edit_form(entry)

    if request.method == "GET":
        return _render_edit(entry, form, 200)

    update = partial(
        entry_service.update_entry,
        current_user,
        entry,
        expected_version=form.expected_version(),
    )
    saved = save_entry(form, update)
    if saved is None:
        return _render_edit(entry, form, 422)

    db.session.commit()
    response = _after_log_change(
        entry.ticket, _("The time entry has been saved."), entry_warnings(saved)
    )
    if is_htmx():
        # The form targets only its own row. The saved entry may move in the
        # log and change the totals, so the whole log is replaced.
        response.headers["HX-Retarget"] = "#entry-log"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.route("/entries/<int:entry_id>/delete", methods=["GET", "POST"])
def delete_entry(entry_id: int):
    entry = entry_or_404(entry_id)
    ticket = entry.ticket

    if request.method == "GET":
        # Without JavaScript the delete button leads here to confirm.
        entry_service.ensure_editable(current_user, entry)
        return render_template("agent/entry_delete.html", entry=entry)

    entry_service.delete_entry(current_user, entry)
    db.session.commit()
    return _after_log_change(ticket, _("The time entry has been deleted."))


@bp.post("/entries/<int:entry_id>/submit")
def submit_entry(entry_id: int):
    entry = entry_or_404(entry_id)
    count = entry_service.submit_entries(current_user, [entry])
    db.session.commit()
    return _after_log_change(entry.ticket, _submitted_message(count))


# --- My week ---------------------------------------------------------------


@bp.get("/week")
def week():
    monday = requested_monday(request.args.get("start"))
    return _render_week(monday)


@bp.post("/week/submit-drafts")
def submit_week_drafts():
    monday = requested_monday(request.form.get("start"))
    count = entry_service.submit_week_drafts(current_user, monday)
    db.session.commit()

    message = _submitted_message(count)
    if is_htmx():
        return _render_week(monday, notice=message, fragment=True)
    flash(message, "success" if count else "info")
    return redirect(url_for("agent.week", start=monday.isoformat()), code=303)


# --- Helpers ---------------------------------------------------------------


def _ticket_or_404(key: str) -> Ticket:
    ticket = queries.find_ticket(key)
    if ticket is None:
        abort(404)
    return ticket


def entry_or_404(entry_id: int) -> TimeEntry:
    """Return the entry with entry_id and its details, or abort with 404."""
    entry = queries.find_entry(entry_id)
    if entry is None:
        abort(404)
    return entry


def _entry_anchor(entry: TimeEntry) -> str:
    return url_for("agent.ticket", key=entry.ticket.key, _anchor=f"entry-{entry.id}")


def _new_entry_form(
    activities: list[ActivityType],
    work_date: date | None = None,
    activity_id: int | None = None,
) -> EntryForm:
    """Build an empty quick-log form whose billable box follows the activity."""
    activity = next((a for a in activities if a.id == activity_id), None)
    activity = activity or (activities[0] if activities else None)
    form = EntryForm(formdata=None, activities=activities)
    form.client_token.data = new_client_token()
    form.work_date.data = work_date or user_today()
    form.activity_type.data = activity.id if activity else None
    form.is_billable.data = activity.is_billable if activity else True
    return form


def edit_form(entry: TimeEntry) -> EditEntryForm:
    """Return the edit form of entry: posted values, else the entry's own."""
    activities = entry_service.active_activity_types()
    if entry.activity_type not in activities:
        activities = [entry.activity_type, *activities]

    prefix = f"edit-{entry.id}"
    if request.method == "POST":
        return EditEntryForm(prefix=prefix, activities=activities)

    form = EditEntryForm(formdata=None, prefix=prefix, activities=activities)
    form.work_date.data = entry.work_date
    form.start_time.data = entry.start_time
    form.end_time.data = entry.end_time
    form.crosses_midnight.data = bool(
        entry.start_time and entry.end_time and entry.end_time <= entry.start_time
    )
    form.duration.data = format_hmm(entry.minutes)
    form.minutes = entry.minutes
    form.activity_type.data = entry.activity_type_id
    form.description.data = entry.description
    form.internal_note.data = entry.internal_note
    form.is_billable.data = entry.is_billable
    form.version.data = str(entry.version)
    return form


def save_entry(
    form: EntryForm, save: Callable[[EntryData], TimeEntry]
) -> TimeEntry | None:
    """Validate form, pass its data to save and return the saved entry.

    Return None when the form or the service finds invalid data, with the
    errors attached to the form fields.

    The services check the data before they change anything, so a rejected
    save leaves nothing in the session to roll back.
    """
    if not form.validate_on_submit():
        return None
    try:
        return save(form.entry_data())
    except entry_service.EntryDataError as error:
        logger.info("time entry rejected on field %s: %s", error.field, error.message)
        form.add_error(error)
        return None


def _submitted_message(count: int) -> str:
    if count == 0:
        return _("There were no drafts to submit.")
    return ngettext(
        "%(num)s time entry submitted for approval.",
        "%(num)s time entries submitted for approval.",
        count,
    )


def log_context(ticket: Ticket, **extra) -> dict:
    """Return what templates/agent/_entry_log.html needs to show ticket's log."""
    entries = queries.ticket_entries(ticket)
    me = current_user.id
    my_drafts = sum(
        1
        for entry in entries
        if entry.agent_id == me and entry.status == EntryStatus.DRAFT
    )
    return {
        "ticket": ticket,
        "entries": entries,
        "totals": queries.EntryTotals.of(entries),
        "rows": LogRows(entries),
        "billed_minutes": billed_minutes_where_different(ticket.id, entries),
        "my_drafts": my_drafts,
        **extra,
    }


def _render_ticket_page(ticket: Ticket, form: EntryForm, status: int = 200):
    context = log_context(ticket, form=form)
    return render_template("agent/ticket.html", **context), status


def _render_quick_log(
    ticket: Ticket,
    form: EntryForm,
    status: int,
    new_entry_id: int | None = None,
    notice: str | None = None,
    warnings: list[str] | None = None,
):
    """Return the quick-log form and, after a save, the log and a notice."""
    context = {"ticket": ticket, "form": form, "notice": notice, "warnings": warnings}
    if status == 200:
        context.update(log_context(ticket, new_entry_id=new_entry_id))
    return render_template("agent/_quick_log_response.html", **context), status


def _render_edit(entry: TimeEntry, form: EditEntryForm, status: int):
    template = "agent/_entry_edit_row.html" if is_htmx() else "agent/entry_edit.html"
    return render_template(template, entry=entry, form=form), status


def _after_log_change(ticket: Ticket, message: str, warnings: list[str] | None = None):
    """Render the new log for htmx after a change, or redirect a plain request."""
    if not is_htmx():
        flash_result(message, warnings or [])
        return redirect(url_for("agent.ticket", key=ticket.key), code=303)
    context = log_context(ticket, notice=message, warnings=warnings)
    return make_response(render_template("agent/_log_response.html", **context))


def requested_monday(start: str | None) -> date:
    """Return the Monday of the week containing start, or of this week.

    An invalid start adds a flash message and falls back to this week.
    """
    if not start:
        return queries.week_start(user_today())
    try:
        day = date.fromisoformat(start)
    except ValueError:
        day = None
    # The page links to the weeks before and after, which must exist too.
    if day is None or not FIRST_WEEK_DAY <= day <= LAST_WEEK_DAY:
        logger.info("invalid week start %r, showing this week", start[:40])
        flash(
            _(
                '"%(start)s" is not a valid date, so this week is shown. '
                "Use a date such as 2026-11-09.",
                start=start[:40],
            ),
            "error",
        )
        return queries.week_start(user_today())
    return queries.week_start(day)


def _render_week(monday: date, notice: str | None = None, fragment: bool = False):
    days = queries.agent_week(current_user.id, monday)
    entries = [entry for day in days for entry in day.entries]
    context = {
        "monday": monday,
        "previous_monday": monday - timedelta(days=7),
        "next_monday": monday + timedelta(days=7),
        "days": days,
        "week_minutes": sum(entry.minutes for entry in entries),
        "drafts": sum(1 for entry in entries if entry.status == EntryStatus.DRAFT),
        "notice": notice,
        "today": user_today(),
    }
    template = "agent/_week_response.html" if fragment else "agent/week.html"
    return render_template(template, **context)
