"""Helpers shared by the admin views: form errors, redirects, paging."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from portal.extensions import db
from portal.models import User
from portal.services.admin import AdminFieldError

logger = logging.getLogger(__name__)

T = TypeVar("T")


def current_admin() -> User:
    """Return the signed-in admin as a model instance, for services and audit rows."""
    return current_user._get_current_object()


def form_status(form: FlaskForm) -> int:
    """Return 422 when the form was sent with errors, else 200."""
    return 422 if form.errors else 200


def apply_to_form(form: FlaskForm, change: Callable[[], T]) -> T | None:
    """Run a service change, and put the message of an AdminFieldError beside its field.

    Returns the change's result, or None after rolling the session back.
    """
    try:
        return change()
    except AdminFieldError as error:
        db.session.rollback()
        logger.info("admin form rejected on %s: %s", error.field, error.message)
        field = form._fields.get(error.field)
        if field is None:
            form.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]
        return None


def done(message: str, endpoint: str, **values) -> Response:
    """Flash one success message and redirect with 303 after a plain POST."""
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


def page_number() -> int:
    """Return the ?page= argument as a number of at least 1."""
    return max(request.args.get("page", 1, type=int), 1)


def or_404(obj: T | None) -> T:
    if obj is None:
        abort(404)
    return obj
