"""Reversing an approval: the entry goes back to the queue, with a reason.

The queue shows the Reverse button on approved entries (status=approved) that
are not on a statement and are not the approver's own.
"""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template
from flask_babel import gettext as _

from portal.approvals import bp
from portal.approvals.forms import ReverseForm, queue_filter_args, reverse_form_prefix
from portal.approvals.pages import (
    OpenForms,
    actor,
    check_hidden_fields,
    current_scope,
    entry_or_404,
    invalid_form_response,
    queue_url,
    render_row,
    request_filters,
    waiting_counts,
)
from portal.approvals.rows import QueueRows
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_day
from portal.services import approval_queue, approvals, notifications

logger = logging.getLogger(__name__)


@bp.get("/entries/<int:entry_id>/reverse")
def reverse_form(entry_id: int):
    """Return the row of an approved entry with the reversal form open (htmx)."""
    if not is_htmx():
        return redirect(queue_url(reverse=entry_id, _anchor=f"entry-{entry_id}"))
    entry = entry_or_404(entry_id)
    form = ReverseForm(formdata=None, prefix=reverse_form_prefix(entry_id))
    form.version.data = entry.version
    return render_row(entry, OpenForms(reverse={entry.id: form}))


@bp.post("/entries/<int:entry_id>/reverse")
def reverse(entry_id: int):
    """Reverse the approval of one entry, or return the form with 422 without reason."""
    entry = entry_or_404(entry_id)
    form = ReverseForm(prefix=reverse_form_prefix(entry_id))
    if not form.validate_on_submit():
        check_hidden_fields(form)
        logger.info("reversal of entry %s not sent: %s", entry.id, form.errors)
        return invalid_form_response(entry, OpenForms(reverse={entry.id: form}))

    approvals.reverse_approval(
        actor(), entry, form.reason.data, form.version.data, current_scope()
    )
    db.session.commit()
    notifications.send_queued_emails()

    message = _(
        "Reversed the approval of the entry of %(day)s on ticket %(key)s. "
        "It is waiting for approval again.",
        day=format_day(entry.work_date),
        key=entry.ticket.key,
    )
    if not is_htmx():
        flash(message, "success")
        return redirect(queue_url(), code=303)

    filters = request_filters()
    group = approval_queue.load_group(
        current_scope(),
        entry.agent_id,
        approval_queue.week_start_of(entry.work_date),
        filters,
    )
    queue_args = queue_filter_args(filters)
    return render_template(
        "approvals/_decided.html",
        entry=entry,
        group=group,
        filters=filters,
        notice=message,
        queue_args=queue_args,
        rows=QueueRows([], queue_args),
        **waiting_counts(filters),
    )
