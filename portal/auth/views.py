from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from portal.auth import bp
from portal.auth.forms import LoginForm, ProfileForm
from portal.extensions import db
from portal.models.users import User
from portal.security import home_endpoint
from portal.services.audit import record_event

logger = logging.getLogger(__name__)


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
        if user is None or not user.check_password(form.password.data):
            logger.info("failed login for e-mail %s", email)
            form.password.errors.append(_("Wrong e-mail or password."))
        elif not user.is_active:
            logger.info("login refused for inactive user %s", user.id)
            form.email.errors.append(_("This account has been deactivated."))
        else:
            login_user(user)
            logger.info("user %s signed in", user.id)
            target = _safe_next(request.args.get("next"))
            return redirect(target or url_for(home_endpoint(user.role)), code=303)
    status = 422 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logger.info("user %s signed out", current_user.id)
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
