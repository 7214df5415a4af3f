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
    rerender_row_on_conflict,
    waiting_counts,
)
from portal.approvals.rows import QueueRows
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_day
from portal.models import EntryStatus, TimeEntry
from portal.services import approval_queue, approvals, notifications

logger = logging.getLogger(__name__)


@bp.get("/entries/<int:entry_id>/reverse")
def reverse_form(entry_id: int):
    """Return the reversal form of an approved entry.

    htmx gets the entry's row with the form open. A plain request, such as a
    link opened directly, gets a page with the entry and the form. An entry
    whose approval cannot be reversed gets 404 with the reason.
    """
    entry = entry_or_404(entry_id)
    _check_reversible(entry)
    form = ReverseForm(formdata=None, prefix=reverse_form_prefix(entry_id))
    form.version.data = entry.version
    if is_htmx():
        return render_row(entry, OpenForms(reverse={entry.id: form}))
    return _render_reverse_page(entry, form)


def _check_reversible(entry: TimeEntry) -> None:
    """Raise DomainError 404 with the reason when the page cannot offer the form.

    The decision repeats these checks under a row lock when the form is sent.
    """
    if entry.agent_id == actor().id:
        message = _("You cannot reverse the approval of your own time entry.")
    elif entry.statement_id is not None:
        message = _(
            "This entry is on an issued statement, so its approval can no "
            "longer be reversed."
        )
    elif entry.status != EntryStatus.APPROVED:
        message = _("This entry is not approved, so there is no approval to reverse.")
    else:
        return
    logger.info("no reversal form for entry %s: %s", entry.id, entry.status)
    raise DomainError(message, 404)


def _render_reverse_page(entry: TimeEntry, form: ReverseForm, status: int = 200):
    page = render_template(
        "approvals/reverse.html",
        entry=entry,
        form=form,
        queue_args=queue_filter_args(request_filters()),
    )
    return page, status


@bp.post("/entries/<int:entry_id>/reverse")
@rerender_row_on_conflict
def reverse(entry_id: int):
    """Reverse the approval of one entry, or return the form with 422 without reason."""
    entry = entry_or_404(entry_id)
    form = ReverseForm(prefix=reverse_form_prefix(entry_id))
    if not form.validate_on_submit():
        check_hidden_fields(form)
        logger.info("reversal of entry %s not sent: %s", entry.id, form.errors)
        if not is_htmx():
            # The queue may not show the entry, so the form gets a page of its own.
            return _render_reverse_page(entry, form, 422)
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
