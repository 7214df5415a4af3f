"""The audit log browser: who changed what, when, with before and after values."""

from __future__ import annotations

from flask import render_template, request

from portal.admin import bp
from portal.admin.audit_rows import build_rows
from portal.admin.forms.audit import AuditFilterForm
from portal.htmx import is_htmx
from portal.services.admin.audit_log import (
    AuditPage,
    actor_choices,
    find_events,
)

# Suggestions for the action filter. Any other action can still be typed.
KNOWN_ACTIONS = (
    "created",
    "updated",
    "deleted",
    "submitted",
    "approved",
    "rejected",
    "approval_reversed",
    "issued",
    "voided",
    "cancelled",
    "corrected",
    "month_closed",
    "month_reopened",
    "billing_terms_updated",
    "rate_added",
    "rate_deleted",
    "acknowledgement_accepted",
    "acknowledgement_disputed",
    "acknowledgement_answered",
    "contract_portal_visibility_changed",
    "deactivated",
    "reactivated",
    "colleague_invited",
    "colleague_removed",
    "customer_admin_granted",
    "customer_admin_revoked",
    "invitation_resent",
    "invitation_accepted",
    "password_reset",
    "profile_updated",
)
CURSOR_ARGS = ("older_than", "newer_than")


@bp.get("/audit")
def audit():
    """Show one page of audit events, newest first, matching the filters."""
    form = AuditFilterForm(formdata=request.args, actors=actor_choices())
    valid = form.validate()
    page = AuditPage(events=[], older_than=None, newer_than=None)
    if valid:
        page = find_events(
            form.audit_filter(),
            older_than=request.args.get("older_than", type=int),
            newer_than=request.args.get("newer_than", type=int),
        )

    filter_args = {
        name: value for name, value in request.args.items() if name not in CURSOR_ARGS
    }
    context = {
        "form": form,
        "page": page,
        "rows": build_rows(page.events),
        "filter_args": filter_args,
        "known_actions": KNOWN_ACTIONS,
    }
    template = "admin/_audit_page.html" if is_htmx() else "admin/audit.html"
    return render_template(template, **context), 200 if valid else 422
