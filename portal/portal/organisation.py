"""Colleagues page: a customer admin invites, removes and promotes portal users.

The routes live in a blueprint nested in the portal one, under
/portal/colleagues. The portal guard admits customer users only, and this
blueprint's own guard admits only those with User.is_customer_admin. Every
colleague is looked up within the admin's customer, so another customer's user
id gets the same 404 response as a missing one.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import Role, User
from portal.portal import bp
from portal.portal.organisation_forms import InviteForm
from portal.services.access_mail import MailOutcome, send_invitation
from portal.services.accounts_access import (
    ColleagueStatus,
    InvitationError,
    invite_colleague,
    list_colleagues,
    remove_colleague,
    resend_invitation,
    set_customer_admin,
)

logger = logging.getLogger(__name__)

colleagues_bp = Blueprint("colleagues", __name__, url_prefix="/colleagues")


@colleagues_bp.before_request
def _require_customer_admin():
    # The portal guard has already admitted only signed-in customer users.
    if not current_user.is_customer_admin:
        logger.info("colleagues page rejected for non-admin user %s", current_user.id)
        abort(403)


@colleagues_bp.context_processor
def _colleague_helpers() -> dict:
    return {"status_labels": _status_labels(), "ColleagueStatus": ColleagueStatus}


def _status_labels() -> dict[ColleagueStatus, str]:
    return {
        ColleagueStatus.ACTIVE: _("Active"),
        ColleagueStatus.INVITED: _("Invited"),
        ColleagueStatus.INVITATION_EXPIRED: _("Invitation expired"),
        ColleagueStatus.REMOVED: _("Removed"),
    }


def _actor() -> User:
    return current_user._get_current_object()


def _colleague_or_404(user_id: int) -> User:
    colleague = db.session.scalar(
        select(User).where(
            User.id == user_id,
            User.customer_id == current_user.customer_id,
            User.role == Role.CUSTOMER,
        )
    )
    if colleague is None:
        logger.info(
            "colleague %s not found for customer %s", user_id, current_user.customer_id
        )
        abort(404)
    return colleague


def _render_page(form: InviteForm, status: int = 200):
    colleagues = list_colleagues(current_user.customer_id)
    html = render_template(
        "portal/organisation/colleagues.html", colleagues=colleagues, form=form
    )
    return html, status


def _done(message: str, category: str = "success") -> Response:
    """Flash message and send the browser back to the list, with 303 or HX-Redirect."""
    flash(message, category)
    target = url_for("portal.colleagues.list")
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


@colleagues_bp.get("/", endpoint="list")
def colleague_list():
    """List the customer's portal users with the invitation form."""
    form = InviteForm(formdata=None, language=current_user.customer.language)
    return _render_page(form)


@colleagues_bp.post("/invite")
def invite():
    """Create an invited colleague and e-mail them the link."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _render_page(form, 422)
    try:
        colleague, raw_token = invite_colleague(
            _actor(), form.name.data, form.email.data, form.language.data
        )
    except InvitationError as error:
        db.session.rollback()
        form.email.errors.append(error.message)
        return _render_page(form, 422)
    db.session.commit()

    outcome = send_invitation(colleague, _actor(), raw_token)
    return _done(*_invitation_message(colleague, outcome))


@colleagues_bp.post("/<int:user_id>/invitation")
def resend(user_id: int):
    """Replace a colleague's invitation link with a new one and e-mail it."""
    colleague = _colleague_or_404(user_id)
    raw_token = resend_invitation(_actor(), colleague)
    db.session.commit()

    outcome = send_invitation(colleague, _actor(), raw_token)
    return _done(*_invitation_message(colleague, outcome))


def _invitation_message(colleague: User, outcome: MailOutcome) -> tuple[str, str]:
    if outcome == MailOutcome.SENT:
        return _("Invitation sent to %(email)s.", email=colleague.email), "success"
    if outcome == MailOutcome.NOT_CONFIGURED:
        message = _(
            "The invitation for %(email)s was saved, but e-mail is not configured "
            "on this server, so no message was sent.",
            email=colleague.email,
        )
        return message, "error"
    message = _(
        "The invitation for %(email)s was saved, but the e-mail could not be sent. "
        "Try “Send invitation again” later.",
        email=colleague.email,
    )
    return message, "error"


@colleagues_bp.post("/<int:user_id>/remove")
def remove(user_id: int):
    """Deactivate a colleague, keeping their history."""
    colleague = _colleague_or_404(user_id)
    remove_colleague(_actor(), colleague)
    db.session.commit()
    return _done(_("%(name)s can no longer sign in.", name=colleague.name))


@colleagues_bp.post("/<int:user_id>/admin")
def set_admin(user_id: int):
    """Grant (admin=1) or revoke (admin=0) a colleague's administrator rights."""
    colleague = _colleague_or_404(user_id)
    choice = request.form.get("admin")
    if choice not in {"0", "1"}:
        logger.info("admin change for user %s rejected: admin=%r", user_id, choice)
        raise DomainError(_("Invalid request: admin must be 0 or 1."), 400)
    set_customer_admin(_actor(), colleague, choice == "1")
    db.session.commit()

    if colleague.is_customer_admin:
        return _done(_("%(name)s is now an administrator.", name=colleague.name))
    return _done(_("%(name)s is no longer an administrator.", name=colleague.name))


bp.register_blueprint(colleagues_bp)
