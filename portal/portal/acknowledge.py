"""Portal statement page, and accepting or disputing a statement.

The forms post from the statement page (layout "panel") and from a row of the
statements list (?layout=row, with field names prefixed per statement so the
rows' fields keep unique ids). An htmx request gets the changed panel or row
back, with 422 and the errors beside the comment when the form is invalid. A
plain POST redirects to the statement page with 303 on success.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from portal.extensions import db
from portal.htmx import is_htmx
from portal.models import Statement
from portal.portal import bp
from portal.portal.views import _customer_statement_or_404
from portal.services import acknowledgements
from portal.services.acknowledgements import (
    MAX_COMMENT_LENGTH,
    AcknowledgementState,
    AllowedSteps,
)
from portal.services.statements import summarize

logger = logging.getLogger(__name__)

LAYOUTS = ("panel", "row")

ACKNOWLEDGEMENT_LABELS = {
    "pending": _l("Awaiting your review"),
    "accepted": _l("Accepted"),
    "disputed": _l("Disputed, awaiting our answer"),
    "answered": _l("Dispute answered"),
}
STEP_LABELS = {
    "accepted": _l("Accepted the statement"),
    "disputed": _l("Disputed the statement"),
    "answered": _l("Answered for the accounts office"),
}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class AcceptForm(FlaskForm):
    """The Accept button, which carries only the CSRF token."""


class DisputeForm(FlaskForm):
    """The reasons for a dispute, required and at most MAX_COMMENT_LENGTH long."""

    comment = TextAreaField(
        _l("Why do you dispute this statement?"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Write why you dispute this statement.")),
            Length(
                max=MAX_COMMENT_LENGTH,
                message=_l(
                    "The comment can be at most %(max)d characters long.",
                    max=MAX_COMMENT_LENGTH,
                ),
            ),
        ],
        render_kw={"maxlength": MAX_COMMENT_LENGTH, "rows": 4},
    )


@dataclass(frozen=True)
class AcknowledgementRow:
    """The state, allowed steps and forms of one statements-list row's cell."""

    state: AcknowledgementState
    steps: AllowedSteps
    accept_form: AcceptForm
    dispute_form: DisputeForm


def acknowledgement_rows(
    statements: Sequence[Statement],
) -> dict[int, AcknowledgementRow]:
    """Return the acknowledgement cell of each listed statement, in one query."""
    states = acknowledgements.states_by_statement(item.id for item in statements)
    rows = {}
    for item in statements:
        prefix = form_prefix("row", item.id)
        rows[item.id] = AcknowledgementRow(
            state=states[item.id],
            steps=acknowledgements.allowed_steps(item, states[item.id]),
            accept_form=AcceptForm(formdata=None, prefix=prefix),
            dispute_form=DisputeForm(formdata=None, prefix=prefix),
        )
    return rows


@bp.context_processor
def _acknowledgement_helpers() -> dict[str, Any]:
    return {
        "acknowledgement_labels": ACKNOWLEDGEMENT_LABELS,
        "step_labels": STEP_LABELS,
        "acknowledgement_rows": acknowledgement_rows,
    }


def _statement_or_404(statement_id: int) -> Statement:
    return _customer_statement_or_404(
        statement_id, options=[joinedload(Statement.lines)]
    )


@bp.get("/statements/<int:statement_id>")
def statement(statement_id: int):
    """Show an issued statement's frozen lines, totals and acknowledgements."""
    issued = _statement_or_404(statement_id)
    return _render_page(issued), 200


@bp.post("/statements/<int:statement_id>/accept")
def accept_statement(statement_id: int):
    """Accept the statement; an acceptance is final."""
    issued = _statement_or_404(statement_id)
    layout = _requested_layout()
    form = AcceptForm(prefix=form_prefix(layout, issued.id))
    form.validate()
    if form.errors:
        logger.info("accept form rejected: invalid fields %s", sorted(form.errors))

    acknowledgements.accept_statement(current_user._get_current_object(), issued)
    db.session.commit()

    message = _("You accepted statement %(number)s.", number=issued.number)
    return _success_response(issued, layout, message)


@bp.post("/statements/<int:statement_id>/dispute")
def dispute_statement(statement_id: int):
    """Dispute the statement with a comment, or return the form with 422."""
    issued = _statement_or_404(statement_id)
    layout = _requested_layout()
    form = DisputeForm(prefix=form_prefix(layout, issued.id))
    if not form.validate_on_submit():
        logger.info(
            "dispute of statement %s by user %s rejected: invalid fields %s",
            issued.id,
            current_user.id,
            sorted(form.errors),
        )
        return _invalid_dispute_response(issued, form, layout)

    actor = current_user._get_current_object()
    acknowledgements.dispute_statement(actor, issued, form.comment.data)
    db.session.commit()

    message = _(
        "Your dispute of statement %(number)s was sent to our accounts office.",
        number=issued.number,
    )
    return _success_response(issued, layout, message)


def form_prefix(layout: str, statement_id: int) -> str:
    """Return the field-name prefix of a statement's forms in layout."""
    return f"statement-{statement_id}" if layout == "row" else ""


def _requested_layout() -> str:
    layout = request.args.get("layout", "panel")
    return layout if layout in LAYOUTS else "panel"


def _ack_context(
    issued: Statement, layout: str, dispute_form: DisputeForm | None = None
) -> dict[str, Any]:
    history = acknowledgements.acknowledgement_history(issued.id)
    state = acknowledgements.state_of(history)
    prefix = form_prefix(layout, issued.id)
    return {
        "statement": issued,
        "history": history,
        "state": state,
        "steps": acknowledgements.allowed_steps(issued, state),
        "accept_form": AcceptForm(formdata=None, prefix=prefix),
        "dispute_form": dispute_form or DisputeForm(formdata=None, prefix=prefix),
    }


def _render_page(issued: Statement, dispute_form: DisputeForm | None = None) -> str:
    return render_template(
        "portal/statement.html",
        bill=summarize(issued.lines),
        **_ack_context(issued, "panel", dispute_form),
    )


def _render_fragment(
    issued: Statement,
    layout: str,
    dispute_form: DisputeForm | None = None,
    message: str | None = None,
) -> str:
    template = "portal/_ack_row.html" if layout == "row" else "portal/_ack_panel.html"
    context = _ack_context(issued, layout, dispute_form)
    return render_template(template, message=message, **context)


def _success_response(issued: Statement, layout: str, message: str):
    if is_htmx():
        return _render_fragment(issued, layout, message=message)
    flash(message, "success")
    return redirect(url_for("portal.statement", statement_id=issued.id), code=303)


def _invalid_dispute_response(issued: Statement, form: DisputeForm, layout: str):
    if is_htmx():
        return _render_fragment(issued, layout, form), 422
    return _render_page(issued, form), 422
