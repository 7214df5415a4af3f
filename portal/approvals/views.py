"""Approval queue: team leads approve or reject the time entries agents submit.

Each decision works as an htmx request, which gets back the changed row and the
group totals (out-of-band), and as a plain POST, which redirects to the queue.
The selection, group and reversal routes are in bulk_views and reversal_views.
"""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from portal.approvals import bp
from portal.approvals.forms import (
    ApproveForm,
    RejectForm,
    ReverseForm,
    format_entry_versions,
    parse_entry_versions,
    queue_filter_args,
    reject_form_prefix,
    reverse_form_prefix,
)
from portal.approvals.pages import (
    OpenForms,
    actor,
    check_hidden_fields,
    current_scope,
    entry_or_404,
    filter_form,
    invalid_form_response,
    queue_url,
    render_page,
    render_row,
    request_filters,
    rerender_row_on_conflict,
    waiting_counts,
)
from portal.approvals.rows import QueueRows
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_day
from portal.models import TimeEntry
from portal.services import approval_queue, approvals, notifications
from portal.services.approval_queue import QueueFilter

logger = logging.getLogger(__name__)


@bp.get("/")
def queue():
    """Show the entries grouped by agent and week, filtered and sorted."""
    form = filter_form(request.args)
    valid = form.validate()
    filters = form.queue_filter() if valid else QueueFilter()

    # Without JavaScript, Reject and Reverse reload the page with the form open.
    forms = OpenForms()
    entry_id = request.args.get("reject", "")
    if entry_id.isdigit():
        forms.reject[int(entry_id)] = RejectForm(
            formdata=None, prefix=reject_form_prefix(int(entry_id))
        )
    entry_id = request.args.get("reverse", "")
    if entry_id.isdigit():
        forms.reverse[int(entry_id)] = ReverseForm(
            formdata=None, prefix=reverse_form_prefix(int(entry_id))
        )

    return render_page(form, filters, forms), 200 if valid else 422


@bp.post("/entries/<int:entry_id>/approve")
@rerender_row_on_conflict
def approve(entry_id: int):
    """Approve one entry."""
    entry = entry_or_404(entry_id)
    form = ApproveForm()
    form.validate()
    check_hidden_fields(form)

    approvals.approve_entry(actor(), entry, form.version.data, current_scope())
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
        return redirect(queue_url(reject=entry_id, _anchor=f"entry-{entry_id}"))
    entry = entry_or_404(entry_id)
    form = RejectForm(formdata=None, prefix=reject_form_prefix(entry_id))
    form.version.data = entry.version
    return render_row(entry, OpenForms(reject={entry.id: form}))


@bp.post("/entries/<int:entry_id>/reject")
@rerender_row_on_conflict
def reject(entry_id: int):
    """Reject one entry, or return the form with 422 for a missing or long reason."""
    entry = entry_or_404(entry_id)
    form = RejectForm(prefix=reject_form_prefix(entry_id))
    if not form.validate_on_submit():
        check_hidden_fields(form)
        logger.info("rejection of entry %s not sent: %s", entry.id, form.errors)
        return invalid_form_response(entry, OpenForms(reject={entry.id: form}))

    approvals.reject_entry(
        actor(), entry, form.reason.data, form.version.data, current_scope()
    )
    db.session.commit()
    notifications.send_queued_emails()

    message = _(
        "Rejected the entry of %(day)s on ticket %(key)s.",
        day=format_day(entry.work_date),
        key=entry.ticket.key,
    )
    return _decision_response(entry, message)


@bp.get("/entries/<int:entry_id>")
def row(entry_id: int):
    """Return the current row of an entry, e.g. when a form is cancelled (htmx)."""
    if not is_htmx():
        return redirect(queue_url(_anchor=f"entry-{entry_id}"))
    return render_row(entry_or_404(entry_id), OpenForms())


@bp.context_processor
def _template_helpers() -> dict:
    return {"format_entry_versions": format_entry_versions}


@bp.after_request
def _vary_on_htmx(response):
    # Several URLs return a fragment to htmx and a page or redirect otherwise,
    # so caches must keep the two apart.
    response.vary.add("HX-Request")
    return response


def _decision_response(entry: TimeEntry, message: str):
    """Return the decided row and new group totals (htmx) or redirect with a flash."""
    if not is_htmx():
        flash(message, "success")
        return redirect(queue_url(), code=303)

    filters = request_filters()
    seen_versions = _seen_versions()
    if seen_versions is not None:
        seen_versions.pop(entry.id, None)
    group = approval_queue.load_group(
        current_scope(),
        entry.agent_id,
        approval_queue.week_start_of(entry.work_date),
        filters,
        seen_versions,
    )
    queue_args = queue_filter_args(filters)
    return render_template(
        "approvals/_decided.html",
        entry=entry,
        group=group,
        filters=filters,
        queue_args=queue_args,
        rows=QueueRows([], queue_args),
        **waiting_counts(filters),
    )


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
