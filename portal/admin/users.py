"""User pages: list, invite, edit, deactivate, reactivate, invite again."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
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
from portal.admin.forms.users import AccountActionForm, UserFilterForm, UserForm
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import User
from portal.services.access_mail import MailOutcome
from portal.services.admin import users as user_service
from portal.services.admin.customers import customer_choices
from portal.services.admin.invitations import (
    invite_user,
    reinvite_user,
    send_user_invitation,
)
from portal.services.admin.teams import team_choices
from portal.services.admin.users import UserFilter
from portal.services.contract_terms_admin import levels_in_use

logger = logging.getLogger(__name__)


@bp.get("/users")
def users():
    """List users with role, state and name or e-mail filters."""
    filters = UserFilterForm(formdata=request.args)
    valid = filters.validate()
    user_filter = filters.user_filter() if valid else UserFilter()

    pagination = user_service.list_users(user_filter, page_number())
    context = {
        "filters": filters,
        "pagination": pagination,
        "invitations": user_service.pending_invitations(pagination.items),
        "action_form": AccountActionForm(formdata=None),
    }
    template = "admin/_user_results.html" if is_htmx() else "admin/users.html"
    return render_template(template, **context), 200 if valid else 422


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Create a user and e-mail them an invitation to choose a password."""
    form = _user_form()
    if form.validate_on_submit():
        actor = current_admin()
        created = apply_to_form(form, lambda: invite_user(actor, form.user_data()))
        if created is not None:
            user, raw_token = created
            db.session.commit()
            outcome = send_user_invitation(user, actor, raw_token)
            _flash_invitation(user, outcome)
            return redirect(url_for("admin.user", user_id=user.id), code=303)
    return render_template("admin/user_new.html", form=form), form_status(form)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    """Show and edit one user's account data."""
    account = or_404(user_service.get_user(user_id))
    form = _user_form(obj=account)
    if form.validate_on_submit():
        actor = current_admin()
        changed = apply_to_form(
            form, lambda: user_service.update_user(actor, account, form.user_data())
        )
        if changed is not None:
            db.session.commit()
            return done(
                _("Saved the changes to %(name)s.", name=account.name),
                "admin.user",
                user_id=account.id,
            )
    return _render_user_page(account, form)


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id: int):
    """Stop a user from signing in, keeping their history."""
    account = or_404(user_service.get_user(user_id))
    form = AccountActionForm()
    if not form.validate():
        return _render_user_page(account, _user_form(obj=account), form)

    user_service.deactivate_user(current_admin(), account, form.reason.data)
    db.session.commit()
    message = _("%(name)s can no longer sign in.", name=account.name)
    return _account_action_response(account, message)


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id: int):
    """Let a deactivated user sign in again."""
    account = or_404(user_service.get_user(user_id))
    form = AccountActionForm()
    if not form.validate():
        return _render_user_page(account, _user_form(obj=account), form)

    user_service.reactivate_user(current_admin(), account, form.reason.data)
    db.session.commit()
    message = _("%(name)s can sign in again.", name=account.name)
    return _account_action_response(account, message)


@bp.post("/users/<int:user_id>/invite")
def reinvite(user_id: int):
    """Send an inactive user a new invitation link and invalidate earlier ones."""
    account = or_404(user_service.get_user(user_id))
    actor = current_admin()
    raw_token = reinvite_user(actor, account)
    db.session.commit()
    _flash_invitation(account, send_user_invitation(account, actor, raw_token))
    return redirect(url_for("admin.user", user_id=account.id), code=303)


# Helpers


def _user_form(**kwargs) -> UserForm:
    return UserForm(
        customers=customer_choices(),
        teams=team_choices(),
        levels=levels_in_use(),
        **kwargs,
    )


def _render_user_page(
    account: User, form: UserForm, action_form: AccountActionForm | None = None
):
    action_form = action_form or AccountActionForm(formdata=None)
    context = {
        "account": account,
        "form": form,
        "action_form": action_form,
        "invitation_expires_at": user_service.pending_invitations([account]).get(
            account.id
        ),
    }
    status = 422 if form.errors or action_form.errors else 200
    return render_template("admin/user.html", **context), status


def _account_action_response(account: User, message: str):
    """Return the changed list row (htmx) or redirect to the user page."""
    if not is_htmx():
        return done(message, "admin.user", user_id=account.id)
    return render_template(
        "admin/_user_row_response.html",
        account=account,
        invitations=user_service.pending_invitations([account]),
        action_form=AccountActionForm(formdata=None),
        notice=message,
    )


def _flash_invitation(user: User, outcome: MailOutcome) -> None:
    if outcome == MailOutcome.SENT:
        flash(_("Invitation sent to %(email)s.", email=user.email), "success")
    elif outcome == MailOutcome.NOT_CONFIGURED:
        flash(
            _(
                "E-mail is not configured, so no invitation was sent to %(email)s. "
                "Set MAIL_SERVER, then use Send invitation again.",
                email=user.email,
            ),
            "warning",
        )
    else:
        flash(
            _(
                "The invitation e-mail to %(email)s could not be sent. Use Send "
                "invitation again later.",
                email=user.email,
            ),
            "warning",
        )
