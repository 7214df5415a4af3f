"""The admin overview, and the helpers every admin template can use."""

from __future__ import annotations

from flask import render_template

from portal.admin import bp
from portal.admin.audit_rows import build_rows
from portal.admin.labels import object_type_label, role_label
from portal.agent.labels import priority_label, status_label
from portal.models.types import utcnow
from portal.services.admin.audit_log import AuditFilter, find_events
from portal.services.admin.overview import count_overview

LATEST_CHANGES = 10


@bp.context_processor
def _template_helpers() -> dict:
    return {
        "role_label": role_label,
        "priority_label": priority_label,
        "status_label": status_label,
        "object_type_label": object_type_label,
        "now_utc": utcnow,
    }


@bp.get("/")
def index():
    """Show counts of users, teams and customers and the latest audited changes."""
    latest = find_events(AuditFilter(), limit=LATEST_CHANGES)
    return render_template(
        "admin/home.html", counts=count_overview(), rows=build_rows(latest.events)
    )
