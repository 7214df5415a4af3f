"""Accounts office: customers' open statement disputes and the answers to them.

An answer works as an htmx request, which gets the dispute panel back (422 with
the error beside the comment when it is missing or too long), and as a plain
POST, which redirects to the list of open disputes with 303.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.accounts import bp
from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import Statement
from portal.services import acknowledgements
from portal.services.acknowledgements import MAX_COMMENT_LENGTH
from portal.services.statements import month_label

logger = logging.getLogger(__name__)

STEP_LABELS = {
    "accepted": _l("Accepted by the customer"),
    "disputed": _l("Disputed by the customer"),
    "answered": _l("Answered by the accounts office"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AnswerForm(FlaskForm):
    """The accounts office's answer to a dispute: required, at most 2000 characters."""

    comment = TextAreaField(
        _l("Answer to the customer"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write the answer to the customer.")),
            Length(
                max=MAX_COMMENT_LENGTH,
                message=_l(
                    "The answer can be at most %(max)d characters long.",
                    max=MAX_COMMENT_LENGTH,
                ),
            ),
        ],
        render_kw={"maxlength": MAX_COMMENT_LENGTH, "rows": 5},
    )


@bp.app_context_processor
def _open_dispute_count() -> dict[str, Any]:
    """Give every page a function that counts open disputes for the accounts nav.

    The function queries only when a template calls it, which base.html does for
    accounts and admin users only.
    """
    return {"open_dispute_count": acknowledgements.open_dispute_count}


@bp.get("/disputes")
def disputes():
    """List the issued statements whose newest acknowledgement is a dispute."""
    return render_template(
        "accounts/disputes.html",
        disputes=acknowledgements.open_disputes(),
        month_label=month_label,
    )


@bp.get("/disputes/<int:statement_id>")
def dispute(statement_id: int):
    """Show a statement's acknowledgement history and the answer form."""
    statement = _statement_or_404(statement_id)
    return _render_page(statement, AnswerForm(formdata=None))


@bp.post("/disputes/<int:statement_id>/answer")
def answer_dispute(statement_id: int):
    """Answer the statement's open dispute, or return the form with 422."""
    statement = _statement_or_404(statement_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        logger.info(
            "answer to statement %s by user %s rejected: invalid fields %s",
            statement.id,
            current_user.id,
            sorted(form.errors),
        )
        if is_htmx():
            return _render_panel(statement, form), 422
        return _render_page(statement, form), 422

    actor = current_user._get_current_object()
    acknowledgements.answer_dispute(actor, statement, form.comment.data)
    db.session.commit()

    message = _(
        "Your answer on statement %(number)s was sent to %(customer)s.",
        number=statement.number,
        customer=statement.customer_name,
    )
    if is_htmx():
        return _render_panel(statement, AnswerForm(formdata=None), message)
    flash(message, "success")
    return redirect(url_for("accounts.disputes"), code=303)


def _statement_or_404(statement_id: int) -> Statement:
    statement = db.session.get(
        Statement, statement_id, options=[joinedload(Statement.customer)]
    )
    if statement is None:
        abort(404)
    return statement


def _panel_context(statement: Statement, form: AnswerForm) -> dict[str, Any]:
    history = acknowledgements.acknowledgement_history(statement.id)
    state = acknowledgements.state_of(history)
    return {
        "statement": statement,
        "history": history,
        "state": state,
        "steps": acknowledgements.allowed_steps(statement, state),
        "form": form,
        "step_labels": STEP_LABELS,
        "month_label": month_label,
    }


def _render_page(statement: Statement, form: AnswerForm) -> str:
    return render_template(
        "accounts/disputes_statement.html", **_panel_context(statement, form)
    )


def _render_panel(
    statement: Statement, form: AnswerForm, message: str | None = None
) -> str:
    return render_template(
        "accounts/disputes_panel.html",
        message=message,
        **_panel_context(statement, form),
    )
