"""Customer pages: list, create, edit, and the customer's contracts."""

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
from portal.admin.forms.customers import ContractForm, CustomerForm, CustomerSearchForm
from portal.agent.labels import PRIORITY_LABELS
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import Customer
from portal.services.admin import contracts as contract_service
from portal.services.admin import customers as customer_service
from portal.services.contract_terms_admin import billing_model_label
from portal.services.customer_view import time_display_label

NEW_CONTRACT_DEFAULTS = {
    "currency": "EUR",
    "sla_business_hours": True,
    "sla_timezone": "Europe/Rome",
    "sla_working_days": "1,2,3,4,5",
    "sla_working_hours": "09:00-13:00,14:00-18:00",
}


@bp.get("/customers")
def customers():
    """List customers, searchable by name or VAT number."""
    search = CustomerSearchForm(formdata=request.args)
    valid = search.validate()
    query_text = (search.q.data or "") if valid else ""
    pagination = customer_service.list_customers(query_text, page_number())
    template = "admin/_customer_results.html" if is_htmx() else "admin/customers.html"
    page = render_template(template, search=search, pagination=pagination)
    return page, 200 if valid else 422


@bp.route("/customers/new", methods=["GET", "POST"])
def new_customer():
    """Create a customer, whose contracts are added on its page afterwards."""
    form = CustomerForm()
    if form.validate_on_submit():
        actor = current_admin()
        customer = apply_to_form(
            form, lambda: customer_service.create_customer(actor, _customer_data(form))
        )
        if customer is not None:
            db.session.commit()
            return done(
                _(
                    "Created the customer %(name)s. Add a contract next.",
                    name=customer.name,
                ),
                "admin.customer",
                customer_id=customer.id,
            )
    return render_template("admin/customer_new.html", form=form), form_status(form)


@bp.route("/customers/<int:customer_id>", methods=["GET", "POST"])
def customer(customer_id: int):
    """Edit a customer and list its contracts and users."""
    current = or_404(customer_service.get_customer(customer_id))
    form = CustomerForm(obj=current)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form,
            lambda: customer_service.update_customer(
                actor, current, _customer_data(form)
            ),
        )
        if changed is not None:
            db.session.commit()
            return done(
                _("Saved the customer %(name)s.", name=current.name),
                "admin.customer",
                customer_id=current.id,
            )
    return _render_customer(current, form)


@bp.route("/customers/<int:customer_id>/contracts/new", methods=["GET", "POST"])
def new_contract(customer_id: int):
    """Add a contract to a customer."""
    current = or_404(customer_service.get_customer(customer_id))
    form = ContractForm(**NEW_CONTRACT_DEFAULTS)
    if form.validate_on_submit():
        actor = current_admin()
        contract = apply_to_form(
            form,
            lambda: contract_service.create_contract(
                actor, current, form.contract_data()
            ),
        )
        if contract is not None:
            db.session.commit()
            return done(
                _(
                    "Added the contract %(name)s as time and materials. Accounts "
                    "set its other billing terms and rates.",
                    name=contract.name,
                ),
                "admin.customer",
                customer_id=current.id,
            )
    return render_template(
        "admin/contract.html",
        form=form,
        customer=current,
        contract=None,
        priorities=PRIORITY_LABELS.items(),
    ), form_status(form)


@bp.route(
    "/customers/<int:customer_id>/contracts/<int:contract_id>",
    methods=["GET", "POST"],
)
def contract(customer_id: int, contract_id: int):
    """Edit a contract's name, currency, SLA calendar and targets.

    The page links to the accounts pages that own the validity period, the
    billing terms and the portal flags.
    """
    current = or_404(contract_service.get_contract(customer_id, contract_id))
    form = ContractForm.for_contract(current)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form,
            lambda: contract_service.update_contract(
                actor, current, form.contract_settings()
            ),
        )
        if changed is not None:
            db.session.commit()
            return done(
                _("Saved the contract %(name)s.", name=current.name),
                "admin.customer",
                customer_id=customer_id,
            )
    return render_template(
        "admin/contract.html",
        form=form,
        customer=current.customer,
        contract=current,
        contract_period=contract_service.contract_period,
        billing_model_label=billing_model_label,
        time_display_label=time_display_label,
        priorities=PRIORITY_LABELS.items(),
    ), form_status(form)


def _render_customer(current: Customer, form: CustomerForm):
    context = {
        "customer": current,
        "form": form,
        "users": customer_service.customer_users(current),
        "contract_period": contract_service.contract_period,
    }
    return render_template("admin/customer.html", **context), form_status(form)


def _customer_data(form: CustomerForm) -> customer_service.CustomerData:
    return customer_service.CustomerData(
        name=form.name.data,
        language=form.language.data,
        vat_number=form.vat_number.data,
        address=form.address.data,
    )
