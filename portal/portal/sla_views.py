"""Portal SLA evidence: a month's compliance figures and their PDF annex.

Both pages read the signed-in user's customer only, so no URL can reach another
customer's figures.
"""

from __future__ import annotations

import logging
from datetime import date
from io import BytesIO
from typing import Any

from flask import render_template, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.accounts.forms import MonthField
from portal.i18n import current_language, user_today, user_zone
from portal.portal import bp
from portal.services.pdf import render_sla_annex_pdf, sla_annex_filename
from portal.services.sla_evidence import (
    SlaEvidence,
    monthly_evidence,
    template_helpers,
)
from portal.services.statements import month_label

logger = logging.getLogger(__name__)


class SlaMonthForm(FlaskForm):
    """The month of the SLA figures, from the query string; empty means this month."""

    class Meta:
        csrf = False

    month = MonthField(_l("Month"))


@bp.context_processor
def _sla_template_helpers() -> dict[str, Any]:
    return {
        **template_helpers(current_language(), user_zone()),
        "month_label": month_label,
    }


def _read_month(form: SlaMonthForm) -> date | None:
    """Return the month asked for, this month when none, or None when invalid."""
    if not form.validate():
        return None
    return form.month.data or user_today().replace(day=1)


def _customer_evidence(form: SlaMonthForm) -> SlaEvidence | None:
    month = _read_month(form)
    if month is None:
        return None
    return monthly_evidence(current_user.customer, month)


@bp.get("/sla")
def sla():
    """Show the SLA figures of the customer's tickets opened in one month."""
    form = SlaMonthForm(formdata=request.args)
    evidence = _customer_evidence(form)
    html = render_template("portal/sla.html", form=form, evidence=evidence)
    return html, 200 if evidence is not None else 422


@bp.get("/sla/annex.pdf")
def sla_annex_pdf():
    """Send the month's SLA figures as a PDF annex in the customer's language."""
    form = SlaMonthForm(formdata=request.args)
    evidence = _customer_evidence(form)
    if evidence is None:
        return render_template("portal/sla.html", form=form, evidence=None), 422

    pdf = render_sla_annex_pdf(evidence)
    logger.info(
        "portal: SLA annex of customer %s for %s sent to user %s",
        current_user.customer_id,
        evidence.month.isoformat(),
        current_user.id,
    )
    response = send_file(
        BytesIO(pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=sla_annex_filename(evidence),
    )
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response
