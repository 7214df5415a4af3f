"""Portal dashboard: the customer's home page with this month's key figures."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from portal.i18n import user_today
from portal.portal import bp
from portal.services.billing_rules import ALERT_THRESHOLDS
from portal.services.customer_dashboard import build_dashboard


@bp.get("/dashboard")
def dashboard():
    """Show hours, open tickets, the running total and this month's SLA figures."""
    figures = build_dashboard(current_user.customer, user_today())
    return render_template(
        "portal/dashboard.html",
        figures=figures,
        evidence=figures.sla,
        alert_thresholds=ALERT_THRESHOLDS,
    )
