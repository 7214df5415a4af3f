"""Accounts office: any customer's monthly SLA figures and their PDF annex."""

from __future__ import annotations

import logging
from io import BytesIO

import sqlalchemy as sa
from flask import abort, render_template, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import Field, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.accounts import bp
from portal.accounts.forms import MonthField
from portal.extensions import db
from portal.i18n import current_language, user_today, user_zone
from portal.models import Customer
from portal.services.pdf import render_sla_annex_pdf, sla_annex_filename
from portal.services.sla_evidence import (
    SlaEvidence,
    monthly_evidence,
    template_helpers,
)
from portal.services.statements import month_label

logger = logging.getLogger(__name__)


class SlaRequestForm(FlaskForm):
    """Customer and month of the SLA figures, from the query string.

    An empty month means the current one. After validate(), `customer` contains
    the chosen Customer.
    """

    class Meta:
        csrf = False

    customer_id = SelectField(_l("Customer"), validate_choice=False)
    month = MonthField(_l("Month"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        names = db.session.execute(
            sa.select(Customer.id, Customer.name).order_by(Customer.name)
        )
        self.customer_id.choices = [SelectChoice("", _l("Choose a customer"))] + [
            SelectChoice(str(row.id), row.name) for row in names
        ]
        self.customer: Customer | None = None

    def validate_customer_id(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose a customer."))
        customer_id = int(field.data) if str(field.data).isdigit() else None
        customer = db.session.get(Customer, customer_id) if customer_id else None
        if customer is None:
            raise ValidationError(_l("Customer not found. Choose one from the list."))
        self.customer = customer


def _evidence(form: SlaRequestForm) -> SlaEvidence | None:
    if not form.validate():
        return None
    month = form.month.data or user_today().replace(day=1)
    return monthly_evidence(form.customer, month)


def _render(form: SlaRequestForm, evidence: SlaEvidence | None) -> str:
    return render_template(
        "accounts/sla.html",
        form=form,
        evidence=evidence,
        month_label=month_label,
        **template_helpers(current_language(), user_zone()),
    )


@bp.get("/sla")
def sla():
    """Show one customer's SLA figures for a month, once a customer is chosen."""
    form = SlaRequestForm(formdata=request.args)
    if not request.args.get("customer_id") and not request.args.get("month"):
        return _render(form, None), 200

    evidence = _evidence(form)
    return _render(form, evidence), 200 if evidence is not None else 422


@bp.get("/sla/annex.pdf")
def sla_annex_pdf():
    """Send one customer's SLA annex for a month, in the customer's language."""
    form = SlaRequestForm(formdata=request.args)
    evidence = _evidence(form)
    if evidence is None:
        if form.customer_id.data and form.customer is None:
            abort(404)
        return _render(form, None), 422

    pdf = render_sla_annex_pdf(evidence)
    logger.info(
        "accounts: SLA annex of customer %s for %s sent to user %s",
        evidence.customer.id,
        evidence.month.isoformat(),
        current_user.id,
    )
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=sla_annex_filename(evidence),
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
