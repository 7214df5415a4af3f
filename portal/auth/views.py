from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user
from sqlalchemy import func, select

from portal.auth import bp
from portal.auth.forms import LoginForm, ProfileForm
from portal.auth.session import sign_in
from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.types import utcnow
from portal.models.users import User
from portal.security import home_endpoint
from portal.services.audit import record_event

logger = logging.getLogger(__name__)


THROTTLE_ATTEMPTS = 5
THROTTLE_WINDOW_MINUTES = 15


def login_is_throttled(user: User) -> bool:
    """Tell whether the account had too many failed sign-ins in the window."""
    since = utcnow() - timedelta(minutes=THROTTLE_WINDOW_MINUTES)
    failures = db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.object_type == User.__tablename__,
            AuditEvent.object_id == user.id,
            AuditEvent.action == "login_failed",
            AuditEvent.occurred_at >= since,
        )
    )
    return failures >= THROTTLE_ATTEMPTS


def _safe_next(target: str | None) -> str | None:
    """Accept only a local path as the page to return to after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return None
    return target


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(home_endpoint(current_user.role)))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(home_endpoint(current_user.role)))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is not None and login_is_throttled(user):
            logger.warning("login throttled for user %s", user.id)
            form.password.errors.append(
                ngettext(
                    "Too many failed sign-ins for this account. "
                    "Wait %(num)d minute and try again.",
                    "Too many failed sign-ins for this account. "
                    "Wait %(num)d minutes and try again.",
                    THROTTLE_WINDOW_MINUTES,
                )
            )
        elif user is None or not user.check_password(form.password.data):
            logger.info("failed login for e-mail %s", email)
            if user is not None:
                record_event(None, "login_failed", user)
                db.session.commit()
            form.password.errors.append(_("Wrong e-mail or password."))
        elif not user.is_active:
            logger.info("login refused for inactive user %s", user.id)
            form.email.errors.append(_("This account has been deactivated."))
        else:
            sign_in(user)
            logger.info("user %s signed in", user.id)
            target = _safe_next(request.args.get("next"))
            return redirect(target or url_for(home_endpoint(user.role)), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logger.info("user %s signed out", current_user.id)
    # Replacing the token ends this session and every copy of its cookie.
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        before = {"language": current_user.language, "timezone": current_user.timezone}
        current_user.language = form.language.data
        current_user.timezone = form.timezone.data
        after = {"language": current_user.language, "timezone": current_user.timezone}
        record_event(current_user, "profile_updated", current_user, before, after)
        db.session.commit()
        flash(_("Your preferences have been saved."), "success")
        return redirect(url_for("auth.profile"), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/profile.html", form=form), status
