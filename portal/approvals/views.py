"""Approval queue: team leads approve or reject the time entries agents submit.

Each decision works as an htmx request, which gets back the changed row and the
group totals (out-of-band), and as a plain POST, which redirects to the queue.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.approvals import bp
from portal.approvals.forms import (
    ApproveForm,
    GroupApprovalForm,
    QueueFilterForm,
    RejectForm,
    format_entry_versions,
    parse_entry_versions,
    queue_filter_args,
    queue_filter_from_args,
    reject_form_prefix,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_day
from portal.models import TimeEntry
from portal.services import approvals
from portal.services.approvals import QueueFilter, group_dom_id, week_start_of

logger = logging.getLogger(__name__)


@bp.get("/")
def queue():
    """Show the submitted entries grouped by agent and week, optionally filtered."""
    filter_form = QueueFilterForm(
        request.args, approvals.filter_agents(), approvals.filter_customers()
    )
    valid = filter_form.validate()
    filters = filter_form.queue_filter() if valid else QueueFilter()

    # Without JavaScript, the Reject button reloads the page with ?reject=<id>.
    open_forms = {}
    entry_id = request.args.get("reject", "")
    if entry_id.isdigit():
        open_forms[int(entry_id)] = RejectForm(
            formdata=None, prefix=reject_form_prefix(int(entry_id))
        )

    page = _render_queue_page(filter_form, filters, open_forms)
    return page, 200 if valid else 422


@bp.post("/entries/<int:entry_id>/approve")
def approve(entry_id: int):
    """Approve one entry."""
    entry = _entry_or_404(entry_id)
    form = ApproveForm()
    form.validate()
    _check_hidden_fields(form)

    approvals.approve_entry(
        current_user._get_current_object(), entry, form.version.data
    )
    db.session.commit()

    message = _(
        "Approved the entry of %(day)s on ticket %(key)s.",
        day=format_day(entry.work_date),
        key=entry.ticket.key,
    )
    return _decision_response(entry, message)


@bp.get("/entries/<int:entry_id>/reject")
def reject_form(entry_id: int):
    """Return the row of an entry with the rejection form open (htmx)."""
    if not is_htmx():
        return redirect(_queue_url(reject=entry_id, _anchor=f"entry-{entry_id}"))
    entry = _entry_or_404(entry_id)
    form = RejectForm(formdata=None, prefix=reject_form_prefix(entry_id))
    form.version.data = entry.version
    return _render_row(entry, form)


@bp.post("/entries/<int:entry_id>/reject")
def reject(entry_id: int):
    """Reject one entry, or return the form with 422 for a missing or long reason."""
    entry = _entry_or_404(entry_id)
    form = RejectForm(prefix=reject_form_prefix(entry_id))
    if not form.validate_on_submit():
        _check_hidden_fields(form)
        return _invalid_reject_response(entry, form)

    actor = current_user._get_current_object()
    approvals.reject_entry(actor, entry, form.reason.data, form.version.data)
    db.session.commit()

    message = _(
        "Rejected the entry of %(day)s on ticket %(key)s.",
        day=format_day(entry.work_date),
        key=entry.ticket.key,
    )
    return _decision_response(entry, message)


@bp.get("/entries/<int:entry_id>")
def row(entry_id: int):
    """Return the current row of an entry, e.g. when a rejection is cancelled (htmx)."""
    if not is_htmx():
        return redirect(_queue_url(_anchor=f"entry-{entry_id}"))
    return _render_row(_entry_or_404(entry_id), None)


@bp.post("/groups/<int:agent_id>/<week>/approve")
def approve_group(agent_id: int, week: str):
    """Approve the shown entries of one agent's week at once."""
    week_start = _week_or_404(week)
    form = GroupApprovalForm()
    form.validate()
    _check_hidden_fields(form)

    actor = current_user._get_current_object()
    entries = approvals.approve_group(
        actor, agent_id, week_start, form.entry_versions()
    )
    db.session.commit()

    message = ngettext(
        "Approved %(num)d entry of %(agent)s for the week %(start)s – %(end)s.",
        "Approved %(num)d entries of %(agent)s for the week %(start)s – %(end)s.",
        len(entries),
        agent=entries[0].agent.name,
        start=format_day(week_start),
        end=format_day(week_start + timedelta(days=6)),
    )
    if not is_htmx():
        flash(message, "success")
        return redirect(_queue_url(), code=303)

    filters = queue_filter_from_args(request.args)
    group = approvals.load_group(agent_id, week_start, filters)
    return render_template(
        "approvals/_group_approved.html",
        group=group,
        notice=message,
        queue_args=queue_filter_args(filters),
        **_waiting_counts(filters),
    )


@bp.context_processor
def _template_helpers() -> dict:
    return {"format_entry_versions": format_entry_versions}


@bp.after_request
def _vary_on_htmx(response):
    # Several URLs return a fragment to htmx and a page or redirect otherwise,
    # so caches must keep the two apart.
    response.vary.add("HX-Request")
    return response


# Helpers


def _render_queue_page(
    filter_form: QueueFilterForm,
    filters: QueueFilter,
    open_forms: dict[int, RejectForm],
) -> str:
    groups = approvals.list_groups(filters)
    for group in groups:
        for entry in group.entries:
            form = open_forms.get(entry.id)
            if form is not None and form.version.data is None:
                form.version.data = entry.version

    shown = sum(len(group.entries) for group in groups)
    waiting = approvals.count_waiting() if filters.is_active else shown
    return render_template(
        "approvals/queue.html",
        filter_form=filter_form,
        filters=filters,
        groups=groups,
        shown=shown,
        waiting=waiting,
        open_forms=open_forms,
        queue_args=queue_filter_args(filters),
    )


def _render_row(entry: TimeEntry, form: RejectForm | None) -> str:
    filters = queue_filter_from_args(request.args)
    return render_template(
        "approvals/_row.html",
        entry=entry,
        form=form,
        group_id=group_dom_id(entry.agent_id, week_start_of(entry.work_date)),
        queue_args=queue_filter_args(filters),
    )


def _decision_response(entry: TimeEntry, message: str):
    """Return the decided row and new group totals (htmx) or redirect with a flash."""
    if not is_htmx():
        flash(message, "success")
        return redirect(_queue_url(), code=303)

    filters = queue_filter_from_args(request.args)
    seen_versions = _seen_versions()
    if seen_versions is not None:
        seen_versions.pop(entry.id, None)
    group = approvals.load_group(
        entry.agent_id, week_start_of(entry.work_date), filters, seen_versions
    )
    return render_template(
        "approvals/_decided.html",
        entry=entry,
        group=group,
        queue_args=queue_filter_args(filters),
        **_waiting_counts(filters),
    )


def _invalid_reject_response(entry: TimeEntry, form: RejectForm):
    logger.info("rejection of entry %s not sent: %s", entry.id, form.errors)
    if is_htmx():
        return _render_row(entry, form), 422

    filters = queue_filter_from_args(request.args)
    filter_form = QueueFilterForm(
        request.args, approvals.filter_agents(), approvals.filter_customers()
    )
    filter_form.validate()
    page = _render_queue_page(filter_form, filters, {entry.id: form})
    return page, 422


def _waiting_counts(filters: QueueFilter) -> dict[str, int | None]:
    """Return the waiting entries in all and, with a filter, those matching it."""
    shown = approvals.count_waiting(filters) if filters.is_active else None
    return {"waiting": approvals.count_waiting(), "shown": shown}


def _seen_versions() -> dict[int, int] | None:
    """Return the entry versions of the group as the page showed them, if sent."""
    text = request.form.get("entries", "")
    if not text:
        return None
    try:
        return parse_entry_versions(text)
    except ValueError:
        logger.info("ignored invalid entry list %r in a decision request", text)
        return None


def _check_hidden_fields(form: ApproveForm | RejectForm | GroupApprovalForm) -> None:
    """Raise DomainError 400 when a hidden field (version, entry list) is invalid.

    The user cannot fix these fields, so they get no error beside a field.
    """
    hidden = ("version", "entries")
    errors = {name: form[name].errors for name in hidden if name in form}
    if any(errors.values()):
        logger.warning("invalid hidden fields in approval form: %s", errors)
        raise DomainError(
            _("The form is incomplete or out of date. Reload the page and try again."),
            400,
        )


def _entry_or_404(entry_id: int) -> TimeEntry:
    entry = approvals.load_entry(entry_id)
    if entry is None:
        abort(404)
    return entry


def _week_or_404(text: str) -> date:
    try:
        week_start = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if week_start.weekday() != 0:
        abort(404)
    return week_start


def _queue_url(**args) -> str:
    """Return the queue URL with the current filter and the given extra arguments."""
    filters = queue_filter_from_args(request.args)
    return url_for("approvals.queue", **queue_filter_args(filters), **args)
