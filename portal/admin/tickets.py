"""Minimal ticket administration: list and edit state and SLA timestamps."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.common import (
    apply_to_form,
    current_admin,
    done,
    form_status,
    or_404,
    page_number,
)
from portal.admin.forms.tickets import TicketFilterForm, TicketForm
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import user_today
from portal.models import Ticket
from portal.services.admin import tickets as ticket_service
from portal.services.admin.customers import customer_choices
from portal.services.admin.tickets import TicketFilter


@bp.get("/tickets")
def tickets():
    """List tickets with search, status and customer filters."""
    filters = TicketFilterForm(formdata=request.args, customers=customer_choices())
    valid = filters.validate()
    ticket_filter = filters.ticket_filter() if valid else TicketFilter()
    pagination = ticket_service.list_tickets(ticket_filter, page_number())
    template = "admin/_ticket_results.html" if is_htmx() else "admin/tickets.html"
    page = render_template(template, filters=filters, pagination=pagination)
    return page, 200 if valid else 422


@bp.route("/tickets/<int:ticket_id>", methods=["GET", "POST"])
def ticket(ticket_id: int):
    """Edit a ticket's status, priority, category, contract and SLA timestamps."""
    current = or_404(ticket_service.get_ticket(ticket_id))
    form = _ticket_form(current)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form,
            lambda: ticket_service.update_ticket(actor, current, form.ticket_data()),
        )
        if changed is not None:
            db.session.commit()
            return done(
                _("Saved the ticket %(key)s.", key=current.key),
                "admin.ticket",
                ticket_id=current.id,
            )
    return render_template("admin/ticket.html", form=form, ticket=current), form_status(
        form
    )


def _ticket_form(ticket: Ticket) -> TicketForm:
    return TicketForm(
        obj=ticket,
        categories=ticket_service.category_choices(ticket),
        contracts=ticket_service.contract_choices(ticket),
        current_contract=ticket_service.current_contract(ticket, user_today()),
    )
