"""Accounts office: a statement's PDF status, its retry and its download."""

from __future__ import annotations

import io
import logging

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from portal.accounts import bp
from portal.admin.labels import language_label
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import current_language
from portal.models import Statement
from portal.services import pdf_jobs
from portal.services.pdf import statement_filename
from portal.services.pdf_layout import resource_quantity
from portal.services.statement_document import build_document
from portal.services.statements.periods import month_label

logger = logging.getLogger(__name__)

# Seconds between the status requests of the statement page while the PDF renders.
POLL_SECONDS = 1.5


@bp.context_processor
def _statement_page_helpers() -> dict:
    return {
        "statement_document": build_document,
        "statement_period": _statement_period,
        "resource_quantity": resource_quantity,
        "pdf_poll_seconds": POLL_SECONDS,
        "has_endpoint": _has_endpoint,
        "language_label": language_label,
    }


def _statement_period(statement: Statement) -> str:
    return month_label(statement.period_start, current_language())


def _has_endpoint(endpoint: str) -> bool:
    """Tell whether a route exists, so a page can link to routes added later."""
    return endpoint in current_app.view_functions


def _statement_or_404(statement_id: int) -> Statement:
    statement = db.session.get(Statement, statement_id)
    if statement is None:
        abort(404)
    return statement


@bp.get("/statements/<int:statement_id>/pdf-status")
def statement_pdf_status(statement_id: int):
    """Return the PDF status fragment, which polls itself until READY or FAILED."""
    statement = _statement_or_404(statement_id)
    return render_template("accounts/_pdf_status.html", statement=statement)


@bp.post("/statements/<int:statement_id>/pdf-retry")
def retry_statement_pdf(statement_id: int):
    """Render a statement's PDF again after a failed render."""
    statement = _statement_or_404(statement_id)
    if not pdf_jobs.retry_render(statement.id):
        logger.info(
            "PDF retry of statement %s ignored: status %s",
            statement.id,
            statement.pdf_status,
        )
    db.session.expire_all()
    statement = _statement_or_404(statement_id)
    if is_htmx():
        return render_template("accounts/_pdf_status.html", statement=statement)
    flash(
        _(
            "The PDF of statement %(number)s is being rendered again.",
            number=statement.number,
        ),
        "success",
    )
    return redirect(url_for("accounts.statement", statement_id=statement.id), code=303)


def send_statement_pdf(statement_id: int) -> Response:
    """Send the stored PDF, or the copy marked void; 409 while it is not rendered.

    The bytes stored by the render job are sent as they are, never rendered
    again, with their SHA-256 as the ETag.
    """
    statement = _statement_or_404(statement_id)
    stored = pdf_jobs.stored_pdf(statement)
    response = send_file(
        io.BytesIO(stored.data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=statement_filename(statement),
        etag=stored.sha256,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
