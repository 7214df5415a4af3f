"""One exception type for business-rule failures and the error pages."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.htmx import is_htmx

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain rejected an action.

    The message is already translated and safe to show to the user.
    """

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _render_error(status: int, message: str):
    template = "errors/_fragment.html" if is_htmx() else "errors/page.html"
    return render_template(template, status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        return _render_error(error.status, error.message)

    @app.errorhandler(StaleDataError)
    def _stale(error: StaleDataError):
        db.session.rollback()
        logger.info("stale update rejected: %s", error)
        return _render_error(
            409,
            _("Someone else changed this item in the meantime. Reload and try again."),
        )

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        logger.warning("CSRF check failed: %s", error.description)
        return _render_error(
            400, _("The form has expired or is invalid. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        messages = {
            403: _("You do not have access to this page."),
            404: _("Page not found."),
            405: _("This action is not allowed here."),
        }
        message = messages.get(error.code or 500, error.description or "")
        return _render_error(error.code or 500, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        logger.error("unhandled error: %s", error, exc_info=error)
        return _render_error(500, _("Something went wrong on our side. Try again."))
