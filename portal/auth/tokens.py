"""Pages opened from e-mailed links: accept an invitation, reset a password.

A link that is unknown, expired or already used shows a page that explains
why, with status 400 (unknown) or 410 (expired or used). Pages of a valid link
appear in the language of the user the link belongs to, like the e-mail that
carried it. Every auth page sends Referrer-Policy: no-referrer, so the token in
the URL never leaks to another site through the Referer header.
"""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.auth import bp
from portal.auth.reset_requests import queue_password_reset
from portal.auth.session import sign_in
from portal.auth.token_forms import ForgotPasswordForm, SetPasswordForm
from portal.extensions import db
from portal.models import User
from portal.security import home_endpoint
from portal.services.accounts_access import (
    MIN_PASSWORD_LENGTH,
    PASSWORD_RESET_LIFETIME,
    LinkProblem,
    LinkTokenError,
    accept_invitation,
    reset_password,
    user_for_invitation,
    user_for_reset,
)

logger = logging.getLogger(__name__)


@bp.after_request
def _hide_referrer(response):
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@bp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password():
    """Ask for an e-mail address and send it a reset link if an active user has it.

    The response is the same whether or not the address exists, and so is
    the work before it: the page queues the address for a worker thread,
    which looks it up and sends the mail. So neither the page nor its
    response time reveals who has an account.
    """
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("auth/forgot.html", form=form), status

    queue_password_reset(form.email.data)

    minutes = int(PASSWORD_RESET_LIFETIME.total_seconds() // 60)
    flash(
        _(
            "If an active account uses this address, a link to choose a new "
            "password is on its way to it. The link expires in %(minutes)d "
            "minutes.",
            minutes=minutes,
        ),
        "success",
    )
    return redirect(url_for("auth.login"), code=303)


@bp.route("/reset-password/<token>", methods=["GET", "POST"], endpoint="reset_password")
def reset_password_page(token: str):
    """Let the owner of a valid reset link choose a new password."""
    try:
        user = user_for_reset(token)
    except LinkTokenError as error:
        return _link_problem(error, "password_reset")

    form = SetPasswordForm()
    if not form.validate_on_submit():
        return _render_in_language(
            user, "auth/reset.html", form, 422 if form.errors else 200
        )

    reset_password(token, form.password.data)
    db.session.commit()
    logger.info("user %s chose a new password through a reset link", user.id)
    flash(
        _("Your password has been changed. Sign in with the new password."), "success"
    )
    return redirect(url_for("auth.login"), code=303)


@bp.route("/invitation/<token>", methods=["GET", "POST"], endpoint="accept_invitation")
def accept_invitation_page(token: str):
    """Let an invited colleague choose a password, then sign them in."""
    try:
        user = user_for_invitation(token)
    except LinkTokenError as error:
        return _link_problem(error, "invitation")

    form = SetPasswordForm()
    if not form.validate_on_submit():
        return _render_in_language(
            user, "auth/accept_invitation.html", form, 422 if form.errors else 200
        )

    accept_invitation(token, form.password.data)
    db.session.commit()
    sign_in(user)
    logger.info("user %s accepted the invitation and signed in", user.id)
    with force_locale(user.language):
        flash(_("Welcome! Your account is active."), "success")
    return redirect(url_for(home_endpoint(user.role)), code=303)


def _render_in_language(user: User, template: str, form: SetPasswordForm, status: int):
    with force_locale(user.language):
        html = render_template(
            template, form=form, user=user, min_length=MIN_PASSWORD_LENGTH
        )
    return html, status


def _link_problem(error: LinkTokenError, purpose: str):
    logger.info(
        "%s link rejected: %s (token %s)", purpose, error.problem, error.token_id
    )
    messages = {
        LinkProblem.UNKNOWN: _(
            "This link is not valid. Check that you copied the whole link from "
            "the e-mail."
        ),
        LinkProblem.EXPIRED: _("This link has expired."),
        LinkProblem.USED: _(
            "This link has already been used or has been replaced by a newer one."
        ),
    }
    html = render_template(
        "auth/link_invalid.html",
        message=messages[error.problem],
        purpose=purpose,
        status=error.status,
    )
    return html, error.status
