"""Accounts pages of each contract: billing terms, rates and portal settings.

Accounts own these fields. Admins create contracts and keep their name,
currency and SLA settings on the admin contract page, which links here.
"""

from __future__ import annotations

import logging

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.accounts import bp
from portal.accounts.contract_forms import RateForm, RoundingPreviewForm, TermsForm
from portal.admin.common import apply_to_form
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import current_language, format_day, user_today
from portal.models import (
    BillingModel,
    Contract,
    ContractRate,
    PortalTimeDisplay,
    User,
)
from portal.services import contract_terms_admin as terms_service
from portal.services.admin import AdminFieldError
from portal.services.admin.contracts import contract_period
from portal.services.billing_rules import RoundingRule
from portal.services.customer_view import (
    contracts_with_customers,
    set_portal_visibility,
    time_display_label,
)

logger = logging.getLogger(__name__)


class PortalVisibilityForm(FlaskForm):
    portal_time_display = SelectField(
        _l("Time shown to the customer"),
        choices=[
            SelectChoice(PortalTimeDisplay.BILLED.value, _l("Billed time only")),
            SelectChoice(
                PortalTimeDisplay.BILLED_AND_WORKED.value, _l("Billed and worked time")
            ),
        ],
        validate_choice=False,
    )
    portal_shows_agent_names = BooleanField(
        _l("Show technicians' names (otherwise “The support team”)")
    )

    def validate_portal_time_display(self, field: SelectField) -> None:
        if field.data not in {member.value for member in PortalTimeDisplay}:
            raise ValidationError(_l("Choose an option from the list."))


@bp.context_processor
def _contract_helpers() -> dict:
    return {
        "contract_period": contract_period,
        "billing_model_label": terms_service.billing_model_label,
    }


@bp.get("/contracts")
def contracts():
    """List every contract with its billing model and what the portal shows."""
    return render_template(
        "accounts/contracts.html",
        contracts=contracts_with_customers(),
        time_display_label=time_display_label,
    )


@bp.route("/contracts/<int:contract_id>/portal", methods=["GET", "POST"])
def contract_portal(contract_id: int):
    """Show and change the contract's portal visibility flags."""
    contract = _contract_or_404(contract_id)

    form = PortalVisibilityForm(obj=contract)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        html = render_template(
            "accounts/contract_portal.html", contract=contract, form=form
        )
        return html, status

    changed = set_portal_visibility(
        _actor(),
        contract,
        PortalTimeDisplay(form.portal_time_display.data),
        form.portal_shows_agent_names.data,
    )
    db.session.commit()
    if changed:
        flash(_("Portal settings of %(name)s saved.", name=contract.name), "success")
    else:
        flash(_("Nothing changed in %(name)s.", name=contract.name), "info")
    return redirect(
        url_for("accounts.contract_portal", contract_id=contract.id), code=303
    )


# Billing terms


@bp.route("/contracts/<int:contract_id>/terms", methods=["GET", "POST"])
def contract_terms(contract_id: int):
    """Show and change the contract's billing model, rounding, fees and period."""
    contract = _contract_or_404(contract_id)
    form = TermsForm(obj=contract)
    if form.validate_on_submit():
        changed = _save_terms(form, contract)
        if changed is not None:
            db.session.commit()
            if changed:
                message = _("Billing terms of %(name)s saved.", name=contract.name)
                flash(message, "success")
            else:
                flash(_("Nothing changed in %(name)s.", name=contract.name), "info")
            return redirect(
                url_for("accounts.contract_terms", contract_id=contract.id), code=303
            )

    html = render_template(
        "accounts/contract_terms.html",
        contract=contract,
        form=form,
        example=_rounding_context(form.rounding_rule()),
        prepaid_url=_prepaid_url(contract),
    )
    return html, 422 if form.errors else 200


@bp.get("/contracts/<int:contract_id>/terms/rounding-example")
def contract_rounding_example(contract_id: int):
    """Return the rounding example of the rule typed on the terms page (htmx)."""
    _contract_or_404(contract_id)
    form = RoundingPreviewForm(formdata=request.args)
    rule = form.rounding_rule() if form.validate() else None
    return render_template(
        "accounts/contract_rounding_example.html", example=_rounding_context(rule)
    )


def _save_terms(form: TermsForm, contract: Contract) -> bool | None:
    """Save the terms, or put each rejected value's message beside its field.

    Return whether anything changed, or None when the service rejected a value.
    """
    try:
        return terms_service.update_terms(_actor(), contract, form.terms_data())
    except terms_service.TermsError as error:
        db.session.rollback()
        for name, message in error.errors.items():
            _add_field_error(form, name, message)
    except AdminFieldError as error:
        db.session.rollback()
        logger.info("terms of contract %s rejected on %s", contract.id, error.field)
        _add_field_error(form, error.field, error.message)
    return None


def _prepaid_url(contract: Contract) -> str | None:
    """Return the link to a prepaid contract's packages, when that page is registered.

    The packages pages live in portal.accounts.packages, which may be absent.
    """
    endpoint = "accounts.prepaid_contract"
    if contract.billing_model != BillingModel.PREPAID:
        return None
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, contract_id=contract.id)


def _rounding_context(rule: RoundingRule | None) -> dict | None:
    if rule is None:
        return None
    return {
        "rule": rule,
        "examples": terms_service.rounding_examples(rule),
        "split": terms_service.split_example(rule),
    }


# Rates


@bp.route("/contracts/<int:contract_id>/rates", methods=["GET", "POST"])
def contract_rates(contract_id: int):
    """List the contract's rates with the one in effect today, and add a rate."""
    contract = _contract_or_404(contract_id)
    form = RateForm(
        activities=terms_service.activity_choices(), effective_from=user_today()
    )
    if form.validate_on_submit():
        actor = _actor()
        rate = apply_to_form(
            form, lambda: terms_service.add_rate(actor, contract, form.rate_data())
        )
        if rate is not None:
            db.session.commit()
            flash(
                _(
                    "Added the rate of %(activity)s from %(day)s.",
                    activity=rate.activity_type.label(current_language()),
                    day=format_day(rate.effective_from),
                ),
                "success",
            )
            return redirect(
                url_for("accounts.contract_rates", contract_id=contract.id), code=303
            )
    return _render_rates(contract, form)


@bp.post("/contracts/<int:contract_id>/rates/<int:rate_id>/delete")
def delete_contract_rate(contract_id: int, rate_id: int):
    """Delete a rate unless an issued statement covers work from its date on."""
    contract = _contract_or_404(contract_id)
    rate = db.session.get(ContractRate, rate_id)
    if rate is None or rate.contract_id != contract.id:
        logger.info("rate %s of contract %s not found", rate_id, contract_id)
        abort(404)

    try:
        terms_service.delete_rate(_actor(), contract, rate)
    except DomainError as error:
        db.session.rollback()
        form = RateForm(
            formdata=None,
            activities=terms_service.activity_choices(),
            effective_from=user_today(),
        )
        return _render_rates(contract, form, rejection=error.message, status=409)

    db.session.commit()
    flash(_("Rate deleted."), "success")
    return redirect(
        url_for("accounts.contract_rates", contract_id=contract.id), code=303
    )


def _render_rates(
    contract: Contract,
    form: RateForm,
    rejection: str | None = None,
    status: int | None = None,
):
    html = render_template(
        "accounts/contract_rates.html",
        contract=contract,
        form=form,
        rows=terms_service.rate_rows(contract, user_today()),
        levels=terms_service.levels_in_use(),
        rejection=rejection,
    )
    return html, status or (422 if form.errors else 200)


# Helpers


def _contract_or_404(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        logger.info("contract %s not found", contract_id)
        abort(404)
    return contract


def _actor() -> User:
    return current_user._get_current_object()


def _add_field_error(form: FlaskForm, name: str, message: str) -> None:
    field = form._fields.get(name)
    if field is None:
        form.form_errors.append(message)
    else:
        field.errors = [*field.errors, message]
