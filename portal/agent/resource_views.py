"""The Resources section of the agent's ticket page: log, edit, delete, submit.

The ticket page includes templates/agent/_resources.html, which calls
resource_section() for its content. Each form works through htmx, which gets
the whole section back, and as a plain POST, which redirects to the ticket page
with a flash message (or shows a page with the errors, as 422).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.agent import bp, queries
from portal.agent.forms import new_client_token
from portal.agent.resource_forms import (
    ResourceForm,
    edit_resource_prefix,
    new_resource_prefix,
)
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import current_language, user_today
from portal.models import EntryStatus, ResourceEntry, Ticket
from portal.services import resources as resource_service
from portal.services.billing_rules.lines import ResourceKind
from portal.services.entries import EntryDataError
from portal.services.resources import ResourceData, kind_label, quantity_label

logger = logging.getLogger(__name__)


@dataclass
class ResourceSection:
    """The content of templates/agent/_resources.html for one ticket."""

    ticket: Ticket
    form: ResourceForm
    resources: list[ResourceEntry]
    notice: str | None = None
    # After a save or on an error, the form's field to focus.
    focus: bool = False
    new_resource_id: int | None = None
    edit_forms: dict[int, ResourceForm] = field(default_factory=dict)

    @property
    def draft_count(self) -> int:
        return sum(1 for item in self.resources if item.status == EntryStatus.DRAFT)


@bp.context_processor
def _resource_helpers() -> dict:
    return {
        "resource_section": resource_section,
        "resource_kind_label": kind_label,
        "resource_quantity_label": _quantity_label,
    }


def _quantity_label(resource: ResourceEntry) -> str:
    return quantity_label(resource.kind, resource.quantity, current_language())


def resource_section(ticket: Ticket, **extra) -> ResourceSection:
    """Return the section with an empty form and the agent's resources on ticket."""
    form = extra.pop("form", None) or new_resource_form()
    resources = resource_service.agent_ticket_resources(current_user, ticket)
    return ResourceSection(ticket, form, resources, **extra)


def new_resource_form(kind: ResourceKind | None = None) -> ResourceForm:
    """Build an empty form: kilometres unless kind is given, dated today."""
    form = ResourceForm(formdata=None, prefix=new_resource_prefix())
    form.kind.data = (kind or ResourceKind.MILEAGE).value
    form.work_date.data = user_today()
    form.client_token.data = new_client_token()
    return form


# --- Routes ------------------------------------------------------------------


@bp.get("/tickets/<key>/resources")
def resources_section(key: str):
    """Return the Resources section (htmx), e.g. when an edit is cancelled."""
    ticket = _ticket_or_404(key)
    if not is_htmx():
        return redirect(_ticket_url(ticket))
    return _render_section(resource_section(ticket))


@bp.post("/tickets/<key>/resources")
def log_resource(key: str):
    """Log a draft resource on the ticket."""
    ticket = _ticket_or_404(key)
    form = ResourceForm(prefix=new_resource_prefix())
    resource = _save(
        form,
        lambda data: resource_service.create_resource(current_user, ticket, data),
    )
    if resource is None:
        return _invalid(ticket, form)

    db.session.commit()
    message = _(
        "Logged %(quantity)s (%(kind)s) on %(key)s.",
        quantity=_quantity_label(resource),
        kind=kind_label(resource.kind),
        key=ticket.key,
    )
    if not is_htmx():
        flash(message, "success")
        return redirect(_ticket_url(ticket), code=303)
    section = resource_section(
        ticket,
        form=new_resource_form(resource.kind),
        notice=message,
        focus=True,
        new_resource_id=resource.id,
    )
    return _render_section(section)


@bp.route("/resources/<int:resource_id>/edit", methods=["GET", "POST"])
def edit_resource(resource_id: int):
    """Show the edit form of a resource, or save it."""
    resource = _resource_or_404(resource_id)
    resource_service.ensure_editable(current_user, resource)
    form = _edit_form(resource)
    if request.method == "GET":
        return _render_edit(resource, form, 200)

    saved = _save(
        form,
        lambda data: resource_service.update_resource(
            current_user, resource, data, expected_version=form.expected_version()
        ),
    )
    if saved is None:
        return _render_edit(resource, form, 422)

    db.session.commit()
    response = _after_change(resource.ticket, _("The resource has been saved."))
    if is_htmx():
        # The form replaced only its row; the saved resource may move in the list.
        response.headers["HX-Retarget"] = "#resources"
        response.headers["HX-Reswap"] = "outerHTML"
    return response


@bp.route("/resources/<int:resource_id>/delete", methods=["GET", "POST"])
def delete_resource(resource_id: int):
    """Delete a resource; without JavaScript, the GET shows a confirmation page."""
    resource = _resource_or_404(resource_id)
    ticket = resource.ticket
    if request.method == "GET":
        resource_service.ensure_editable(current_user, resource)
        return render_template(
            "agent/_resources_delete_page.html", resource=resource, ticket=ticket
        )

    version = request.form.get("version", "")
    expected = int(version) if version.isascii() and version.isdigit() else None
    resource_service.delete_resource(current_user, resource, expected)
    db.session.commit()
    return _after_change(ticket, _("The resource has been deleted."))


@bp.post("/resources/<int:resource_id>/submit")
def submit_resource(resource_id: int):
    """Submit one draft or rejected resource for approval."""
    resource = _resource_or_404(resource_id)
    count = resource_service.submit_resources(current_user, [resource])
    db.session.commit()
    return _after_change(resource.ticket, _submitted_message(count))


@bp.post("/tickets/<key>/resources/submit-drafts")
def submit_resource_drafts(key: str):
    """Submit every draft resource of the agent's on the ticket."""
    ticket = _ticket_or_404(key)
    count = resource_service.submit_ticket_resource_drafts(current_user, ticket)
    db.session.commit()
    return _after_change(ticket, _submitted_message(count))


# --- Helpers -----------------------------------------------------------------


def _ticket_or_404(key: str) -> Ticket:
    ticket = queries.find_ticket(key)
    if ticket is None:
        abort(404)
    return ticket


def _resource_or_404(resource_id: int) -> ResourceEntry:
    """Return the resource, or 404 when it is missing or another agent's.

    Agents see only their own resources on the ticket page, so another agent's
    resource gets the same 404 as a missing one.
    """
    resource = resource_service.find_resource(resource_id)
    if resource is None or resource.agent_id != current_user.id:
        logger.info(
            "user %s asked for resource %s: missing or not theirs",
            current_user.id,
            resource_id,
        )
        abort(404)
    return resource


def _ticket_url(ticket: Ticket, anchor: str = "resources") -> str:
    return url_for("agent.ticket", key=ticket.key, _anchor=anchor)


def _save(
    form: ResourceForm, save: Callable[[ResourceData], ResourceEntry]
) -> ResourceEntry | None:
    """Validate form and save its data; None when a field is invalid.

    The service checks the data before it changes anything, so a rejected save
    leaves nothing in the session to roll back.
    """
    if not form.validate_on_submit():
        logger.info("resource form invalid: %s", sorted(form.errors))
        return None
    try:
        return save(form.resource_data())
    except EntryDataError as error:
        logger.info("resource rejected on field %s: %s", error.field, error.message)
        form.add_error(error)
        return None


def _edit_form(resource: ResourceEntry) -> ResourceForm:
    """Return the posted edit form, or one filled from the resource."""
    prefix = edit_resource_prefix(resource.id)
    if request.method == "POST":
        return ResourceForm(prefix=prefix)
    form = ResourceForm(formdata=None, prefix=prefix)
    form.kind.data = resource.kind.value
    form.quantity.data = _plain_number(resource.quantity)
    form.unit_price.data = (
        _plain_number(resource.unit_price) if resource.unit_price is not None else ""
    )
    form.description.data = resource.description
    form.work_date.data = resource.work_date
    form.internal_note.data = resource.internal_note
    form.version.data = str(resource.version)
    return form


def _plain_number(value) -> str:
    """Return a stored amount as the user's language types it: 12,5 or 12.5."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if current_language() == "it" else text


def _submitted_message(count: int) -> str:
    if count == 0:
        return _("There were no draft resources to submit.")
    return ngettext(
        "%(num)s resource submitted for approval.",
        "%(num)s resources submitted for approval.",
        count,
    )


def _invalid(ticket: Ticket, form: ResourceForm):
    """Return the section (htmx) or the ticket's resource page with errors, as 422."""
    if is_htmx():
        return _render_section(resource_section(ticket, form=form, focus=True)), 422
    return (
        render_template(
            "agent/_resources_page.html",
            ticket=ticket,
            section=resource_section(ticket, form=form, focus=True),
        ),
        422,
    )


def _render_section(section: ResourceSection) -> str:
    return render_template("agent/_resources.html", section=section)


def _render_edit(resource: ResourceEntry, form: ResourceForm, status: int):
    if is_htmx():
        html = render_template(
            "agent/_resources_edit_row.html", resource=resource, form=form
        )
        return html, status
    html = render_template(
        "agent/_resources_edit_page.html",
        resource=resource,
        ticket=resource.ticket,
        form=form,
    )
    return html, status


def _after_change(ticket: Ticket, message: str):
    """Return the new section for htmx, or redirect a plain request with a flash."""
    if not is_htmx():
        flash(message, "success")
        return redirect(_ticket_url(ticket), code=303)
    return make_response(_render_section(resource_section(ticket, notice=message)))
