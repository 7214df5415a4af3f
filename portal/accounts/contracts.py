"""Accounts pages that set what each contract's customers see in the portal."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.accounts import bp
from portal.extensions import db
from portal.models import Contract, PortalTimeDisplay
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


@bp.get("/contracts")
def contracts():
    """List every contract with what its customer sees in the portal."""
    return render_template(
        "accounts/contracts.html",
        contracts=contracts_with_customers(),
        time_display_label=time_display_label,
    )


@bp.route("/contracts/<int:contract_id>/portal", methods=["GET", "POST"])
def contract_portal(contract_id: int):
    """Show and change the contract's portal visibility flags."""
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        logger.info("contract %s not found for its portal settings", contract_id)
        abort(404)

    form = PortalVisibilityForm(obj=contract)
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        html = render_template(
            "accounts/contract_portal.html", contract=contract, form=form
        )
        return html, status

    changed = set_portal_visibility(
        current_user._get_current_object(),
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
