"""The resources section of the approval queue: approve, reject, reverse, bulk.

templates/approvals/queue.html includes templates/approvals/_resources.html,
which calls resource_queue_section() for its content. The section follows the
page's filter: its status, team, agent and customer. Each decision works
through htmx, which gets the whole section back, and as a plain POST, which
redirects to the queue with a flash message (or shows the page with the
form's errors, as 422).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.approvals import bp
from portal.approvals.forms import (
    ApproveForm,
    RejectForm,
    ReverseForm,
    queue_filter_args,
)
from portal.approvals.pages import (
    OpenForms,
    actor,
    check_hidden_fields,
    current_scope,
    filter_form,
    queue_context,
    queue_url,
    request_filters,
)
from portal.approvals.resource_forms import (
    SELECTION_PREFIX,
    ResourceSelectionForm,
    resource_reject_form,
    resource_reverse_form,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import current_language, format_day
from portal.models import ResourceEntry
from portal.services import notifications, resource_approvals
from portal.services.approval_queue import QueueFilter
from portal.services.approvals import (
    BulkDecisionError,
    BulkResult,
    Decision,
    skipped_label,
)
from portal.services.resource_approvals import ResourceQueue
from portal.services.resources import kind_label, quantity_label

logger = logging.getLogger(__name__)


@dataclass
class ResourceQueueSection:
    """The content of templates/approvals/_resources.html."""

    filters: QueueFilter
    queue: ResourceQueue
    queue_args: dict[str, str]
    me_id: int
    selection: ResourceSelectionForm
    reject_forms: dict[int, RejectForm] = field(default_factory=dict)
    reverse_forms: dict[int, ReverseForm] = field(default_factory=dict)
    checked: set[int] = field(default_factory=set)
    notice: str | None = None
    # "success", or "error" when a bulk decision decided nothing.
    notice_category: str = "success"
    # (resource label, reason) of each resource a bulk decision skipped.
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def reject_form(self, resource: ResourceEntry) -> RejectForm:
        form = self.reject_forms.get(resource.id) or resource_reject_form(resource.id)
        if form.version.data is None:
            form.version.data = resource.version
        return form

    def reverse_form(self, resource: ResourceEntry) -> ReverseForm:
        form = self.reverse_forms.get(resource.id) or resource_reverse_form(resource.id)
        if form.version.data is None:
            form.version.data = resource.version
        return form


@bp.context_processor
def _resource_queue_helpers() -> dict:
    return {
        "resource_queue_section": resource_queue_section,
        "resource_kind_label": kind_label,
        "resource_quantity_label": _quantity_label,
    }


def _quantity_label(resource: ResourceEntry) -> str:
    return quantity_label(resource.kind, resource.quantity, current_language())


def resource_queue_section(filters: QueueFilter, **extra) -> ResourceQueueSection:
    """Load the resources the filters select and return the section's content."""
    selection = extra.pop("selection", None) or ResourceSelectionForm(
        formdata=None, prefix=SELECTION_PREFIX
    )
    queue = resource_approvals.load_resource_queue(current_scope(), filters)
    return ResourceQueueSection(
        filters=filters,
        queue=queue,
        queue_args=queue_filter_args(filters),
        me_id=actor().id,
        selection=selection,
        **extra,
    )


# --- Routes ------------------------------------------------------------------


@bp.post("/resources/<int:resource_id>/approve")
def approve_resource(resource_id: int):
    """Approve one resource."""
    resource = _resource_or_404(resource_id)
    form = ApproveForm()
    form.validate()
    check_hidden_fields(form)

    resource_approvals.approve_resource(
        actor(), resource, form.version.data, current_scope()
    )
    db.session.commit()
    return _done(_("Approved the resource %(what)s.", what=_describe(resource)))


@bp.post("/resources/<int:resource_id>/reject")
def reject_resource(resource_id: int):
    """Reject one resource, or show the form with 422 for a missing reason."""
    resource = _resource_or_404(resource_id)
    form = resource_reject_form(resource_id, request.form)
    if not form.validate_on_submit():
        check_hidden_fields(form)
        logger.info("rejection of resource %s not sent: %s", resource_id, form.errors)
        return _invalid(reject_forms={resource_id: form})

    resource_approvals.reject_resource(
        actor(), resource, form.reason.data, form.version.data, current_scope()
    )
    db.session.commit()
    notifications.send_queued_emails()
    return _done(_("Rejected the resource %(what)s.", what=_describe(resource)))


@bp.post("/resources/<int:resource_id>/reverse")
def reverse_resource(resource_id: int):
    """Reverse the approval of one resource, with the reason for its agent."""
    resource = _resource_or_404(resource_id)
    form = resource_reverse_form(resource_id, request.form)
    if not form.validate_on_submit():
        check_hidden_fields(form)
        logger.info("reversal of resource %s not sent: %s", resource_id, form.errors)
        return _invalid(reverse_forms={resource_id: form})

    resource_approvals.reverse_resource_approval(
        actor(), resource, form.reason.data, form.version.data, current_scope()
    )
    db.session.commit()
    notifications.send_queued_emails()
    return _done(
        _(
            "Reversed the approval of the resource %(what)s. "
            "It is waiting for approval again.",
            what=_describe(resource),
        )
    )


@bp.post("/resources/decide")
def decide_resources():
    """Approve or reject the checked resources together."""
    form = ResourceSelectionForm(prefix=SELECTION_PREFIX)
    if not form.validate_on_submit():
        if form.has_invalid_hidden_values:
            logger.warning("invalid resource selection: %s", form.errors)
            raise DomainError(
                _(
                    "The form is incomplete or out of date. "
                    "Reload the page and try again."
                ),
                400,
            )
        return _invalid(selection=form, checked=form.selected_ids())

    decision = Decision(form.decision.data)
    try:
        result = resource_approvals.decide_resources(
            actor(),
            decision,
            form.resource_versions(),
            form.reason.data,
            current_scope(),
        )
    except BulkDecisionError as error:
        db.session.rollback()
        return _done(error.message, _skipped(error.skipped), category="error")
    db.session.commit()
    notifications.send_queued_emails()
    return _done(_selection_notice(decision, result), _skipped(result.skipped))


# --- Helpers -----------------------------------------------------------------


def _resource_or_404(resource_id: int) -> ResourceEntry:
    resource = resource_approvals.load_resource(current_scope(), resource_id)
    if resource is None:
        abort(404)
    return resource


def _describe(resource: ResourceEntry) -> str:
    """Name a resource in messages: quantity, kind, day and ticket."""
    return _(
        "%(what)s (%(kind)s) of %(day)s on ticket %(key)s",
        what=_quantity_label(resource),
        kind=kind_label(resource.kind),
        day=format_day(resource.work_date),
        key=resource.ticket.key,
    )


def _skipped(skipped) -> list[tuple[str, str]]:
    return [(skipped_label(item), item.reason) for item in skipped]


def _selection_notice(decision: Decision, result: BulkResult) -> str:
    count = len(result.decided)
    if decision == Decision.APPROVE:
        return ngettext(
            "Approved %(num)d resource.", "Approved %(num)d resources.", count
        )
    return ngettext("Rejected %(num)d resource.", "Rejected %(num)d resources.", count)


def _done(
    message: str,
    skipped: list[tuple[str, str]] | None = None,
    category: str = "success",
):
    """Return the fresh section (htmx), or redirect to the queue with a flash.

    A bulk decision that decided nothing also returns 200: the section shows
    its message and the reason for each resource.
    """
    skipped = skipped or []
    if not is_htmx():
        details = "; ".join(f"{label}: {reason}" for label, reason in skipped)
        shown = "info" if skipped and category == "success" else category
        flash(f"{message} {details}".strip(), shown)
        return redirect(queue_url(_anchor="resource-queue"), code=303)
    section = resource_queue_section(
        request_filters(), notice=message, notice_category=category, skipped=skipped
    )
    return render_template("approvals/_resources.html", resource_view=section)


def _invalid(**forms):
    """Return the section (htmx) or the queue page with the form's errors, as 422."""
    if is_htmx():
        section = resource_queue_section(request_filters(), **forms)
        return render_template("approvals/_resources.html", resource_view=section), 422

    page_form = filter_form(request.args)
    filters = page_form.queue_filter() if page_form.validate() else QueueFilter()
    html = render_template(
        "approvals/queue.html",
        filter_form=page_form,
        resource_view=resource_queue_section(filters, **forms),
        **queue_context(filters, OpenForms()),
    )
    return html, 422
