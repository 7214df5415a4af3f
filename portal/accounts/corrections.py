"""Accounts pages that correct issued statements: void and adjustments.

Each action is a plain form post. When another tab or user acted first, the
service raises DomainError 409 and the page is shown again with its message.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import bp
from portal.accounts.forms import (
    AdjustmentForm,
    CancelAdjustmentForm,
    VoidStatementForm,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Adjustment
from portal.services import pdf_jobs
from portal.services.statements import (
    AlreadyVoidError,
    cancel_adjustment,
    create_adjustment,
    get_statement,
    list_adjustments,
    void_statement,
)

logger = logging.getLogger(__name__)


def _statement_or_404(statement_id: int):
    statement = get_statement(statement_id)
    if statement is None:
        abort(404)
    return statement


@bp.route(
    "/statements/<int:statement_id>/void",
    methods=["GET", "POST"],
    endpoint="void_statement",
)
def void_statement_page(statement_id: int):
    statement = _statement_or_404(statement_id)
    form = VoidStatementForm()
    if not form.is_submitted():
        return _render_void(statement, form, status=200)
    if statement.is_void:
        error = AlreadyVoidError(statement)
        logger.info("void of statement %s rejected: already void", statement.id)
        return _render_void(statement, form, status=409, error=error.message)
    if not form.validate():
        logger.info("void form of statement %s rejected: %s", statement.id, form.errors)
        return _render_void(statement, form, status=422)

    try:
        void_statement(current_user._get_current_object(), statement, form.reason.data)
    except DomainError as error:
        db.session.rollback()
        statement = _statement_or_404(statement_id)
        return _render_void(statement, form, status=error.status, error=error.message)
    db.session.commit()
    _request_void_copy(statement.id)
    flash(_("Statement %(number)s is void.", number=statement.number), "success")
    return redirect(url_for("accounts.statement", statement_id=statement.id), code=303)


def _render_void(statement, form, status: int, error: str | None = None):
    return render_template(
        "accounts/void.html", statement=statement, form=form, error=error
    ), status


def _request_void_copy(statement_id: int) -> None:
    """Start the render of the copy marked void, after the void is committed."""
    try:
        pdf_jobs.request_render(statement_id, void_copy=True)
    except Exception:
        db.session.rollback()
        logger.exception(
            "void PDF render request for statement %s failed", statement_id
        )


@bp.route("/statements/<int:statement_id>/adjustments/new", methods=["GET", "POST"])
def new_adjustment(statement_id: int):
    statement = _statement_or_404(statement_id)
    form = AdjustmentForm()
    if not form.is_submitted():
        return _render_adjustment(statement, form, status=200)
    if not form.validate():
        logger.info(
            "adjustment form of statement %s rejected: %s", statement.id, form.errors
        )
        return _render_adjustment(statement, form, status=422)

    try:
        adjustment = create_adjustment(
            current_user._get_current_object(),
            statement,
            form.amount.data,
            form.reason.data,
        )
    except DomainError as error:
        db.session.rollback()
        statement = _statement_or_404(statement_id)
        return _render_adjustment(
            statement, form, status=error.status, error=error.message
        )
    db.session.commit()
    logger.info(
        "adjustment %s of statement %s created by user %s",
        adjustment.id,
        statement.id,
        current_user.id,
    )
    flash(
        _(
            "Adjustment of statement %(number)s created. The customer's next "
            "statement will bill it.",
            number=statement.number,
        ),
        "success",
    )
    return redirect(url_for("accounts.adjustments"), code=303)


def _render_adjustment(statement, form, status: int, error: str | None = None):
    return render_template(
        "accounts/adjustment_new.html", statement=statement, form=form, error=error
    ), status


@bp.post("/adjustments/<int:adjustment_id>/cancel", endpoint="cancel_adjustment")
def cancel_adjustment_action(adjustment_id: int):
    adjustment = db.session.get(Adjustment, adjustment_id)
    if adjustment is None:
        abort(404)
    form = CancelAdjustmentForm()
    if not form.validate_on_submit():
        # The form has only the CSRF token, which CSRFProtect checks before
        # the view runs, so this branch is a safety net.
        abort(400)
    try:
        cancel_adjustment(current_user._get_current_object(), adjustment)
    except DomainError as error:
        db.session.rollback()
        return _render_adjustments(status=error.status, error=error.message)
    db.session.commit()
    flash(_("Adjustment cancelled."), "success")
    return redirect(url_for("accounts.adjustments"), code=303)


@bp.get("/adjustments")
def adjustments():
    return _render_adjustments(status=200)


def _render_adjustments(status: int, error: str | None = None):
    return render_template(
        "accounts/adjustments.html",
        lists=list_adjustments(),
        cancel_form=CancelAdjustmentForm(),
        error=error,
    ), status
