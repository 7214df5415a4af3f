"""Decisions on several entries: the checked rows of the queue and an agent's week.

Both decide the entries the approver may decide and report the others as
skipped, with the reason. When none could be decided the
response is 409 Conflict.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.approvals import bp
from portal.approvals.forms import GroupApprovalForm, SelectionForm, queue_filter_args
from portal.approvals.pages import (
    BulkOutcome,
    OpenForms,
    actor,
    bulk_outcome,
    check_hidden_fields,
    current_scope,
    filter_form,
    group_rows,
    queue_url,
    render_page,
    render_queue,
    request_filters,
    selection_notice,
    waiting_counts,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import format_day
from portal.services import approval_queue, approvals, notifications
from portal.services.approval_queue import QueueFilter
from portal.services.approvals import BulkDecisionError, Decision, skipped_label

logger = logging.getLogger(__name__)


@bp.post("/selection")
def decide_selection():
    """Approve or reject the checked entries, with one reason for a rejection."""
    form = SelectionForm()
    valid = form.validate_on_submit()
    if form.has_invalid_hidden_values:
        logger.warning("invalid selection form: %s", form.errors)
        raise DomainError(
            _("The form is incomplete or out of date. Reload the page and try again."),
            400,
        )
    if not valid:
        logger.info("selection not decided: %s", form.errors)
        return _invalid_selection(form)

    decision = Decision(form.decision.data)
    result = approvals.decide_entries(
        actor(), decision, form.entry_versions(), form.reason.data, current_scope()
    )
    db.session.commit()
    notifications.send_queued_emails()

    outcome = bulk_outcome(selection_notice(decision, result), result)
    if not is_htmx():
        flash(outcome.as_message(), "info" if outcome.skipped else "success")
        return redirect(queue_url(), code=303)
    return render_queue(request_filters(), OpenForms(), outcome)


def _invalid_selection(form: SelectionForm):
    forms = OpenForms(selection=form, checked=form.selected_ids())
    if is_htmx():
        return render_queue(request_filters(), forms), 422

    page_form = filter_form(request.args)
    valid = page_form.validate()
    filters = page_form.queue_filter() if valid else QueueFilter()
    return render_page(page_form, filters, forms), 422


@bp.post("/groups/<int:agent_id>/<week_start>/approve")
def approve_group(agent_id: int, week_start: str):
    """Approve the shown entries of one agent's week that are still waiting."""
    monday = _week_or_404(week_start)
    form = GroupApprovalForm()
    form.validate()
    check_hidden_fields(form)

    scope = current_scope()
    result = approvals.approve_group(
        actor(), agent_id, monday, form.entry_versions(), scope
    )
    db.session.commit()

    notice = ngettext(
        "Approved %(num)d entry of %(agent)s for the week %(start)s – %(end)s.",
        "Approved %(num)d entries of %(agent)s for the week %(start)s – %(end)s.",
        len(result.decided),
        agent=result.decided[0].agent.name,
        start=format_day(monday),
        end=format_day(monday + timedelta(days=6)),
    )
    outcome = bulk_outcome(notice, result)
    if not is_htmx():
        flash(outcome.as_message(), "info" if outcome.skipped else "success")
        return redirect(queue_url(), code=303)

    filters = request_filters()
    queue_args = queue_filter_args(filters)
    group = approval_queue.load_group(scope, agent_id, monday, filters)
    return render_template(
        "approvals/_group_approved.html",
        group=group,
        rows=group_rows(group, queue_args),
        forms=OpenForms(),
        outcome=outcome,
        filters=filters,
        queue_args=queue_args,
        **waiting_counts(filters),
    )


@bp.errorhandler(BulkDecisionError)
def _nothing_decided(error: BulkDecisionError):
    """Show why no entry of a selection or week could be decided (409)."""
    db.session.rollback()
    outcome = BulkOutcome(
        error.message,
        [(skipped_label(skipped), skipped.reason) for skipped in error.skipped],
    )
    template = (
        "approvals/_bulk_error.html" if is_htmx() else "approvals/bulk_error.html"
    )
    return render_template(template, outcome=outcome), error.status


def _week_or_404(text: str) -> date:
    try:
        week_start = date.fromisoformat(text)
    except ValueError:
        abort(404)
    if week_start.weekday() != 0:
        abort(404)
    return week_start
