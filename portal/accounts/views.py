"""Accounts office pages: issued statements, preview, issue and PDF download."""

from __future__ import annotations

import io
import logging

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import bp
from portal.accounts.forms import IssueStatementForm, PreviewForm, StatementFilterForm
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import user_today
from portal.services.pdf import statement_filename
from portal.services.statements import (
    NoContractError,
    StatementPreview,
    build_preview,
    get_statement,
    issue_statement,
    list_statements,
    month_label,
    pending_message,
    previous_month,
    statement_years,
    summarize,
)

logger = logging.getLogger(__name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {"month_label": month_label, "pending_message": pending_message}


def _default_picker() -> PreviewForm:
    return PreviewForm(formdata=None, month=previous_month(user_today()))


@bp.get("/")
def statements():
    filters = StatementFilterForm(
        formdata=request.args or None, years=statement_years()
    )
    status = 200
    customer_id = year = None
    if request.args:
        if filters.validate():
            customer_id, year = filters.customer_id.data, filters.year.data
        else:
            status = 422

    page = request.args.get("page", 1, type=int)
    pagination = list_statements(customer_id, year, page)
    return render_template(
        "accounts/statements.html",
        filters=filters,
        pagination=pagination,
        picker=_default_picker(),
    ), status


@bp.get("/statements/new")
def new_statement():
    if not request.args:
        return _render_new_statement(_default_picker(), preview=None, status=200)

    picker = PreviewForm(formdata=request.args)
    if not picker.validate():
        return _render_new_statement(picker, preview=None, status=422)
    try:
        preview = build_preview(picker.customer, picker.month.data)
    except NoContractError as error:
        logger.info(
            "preview for customer %s rejected: no contract on %s",
            error.customer_id,
            error.day.isoformat(),
        )
        picker.customer_id.errors.append(error.message)
        return _render_new_statement(picker, preview=None, status=422)
    return _render_new_statement(picker, preview=preview, status=200)


def _render_new_statement(
    picker: PreviewForm, preview: StatementPreview | None, status: int
) -> tuple[str, int]:
    issue_form = None
    if preview is not None and not preview.bill.is_empty:
        issue_form = IssueStatementForm(
            formdata=None,
            customer_id=str(preview.customer.id),
            month=preview.month,
            fingerprint=preview.fingerprint,
        )
    template = "accounts/_new_statement.html" if is_htmx() else "accounts/new.html"
    context = {"picker": picker, "preview": preview, "issue_form": issue_form}
    return render_template(template, **context), status


@bp.post("/statements")
def issue():
    form = IssueStatementForm()
    if not form.validate_on_submit():
        # The fields are hidden, so show the errors on the visible month picker.
        picker = PreviewForm(formdata=request.form)
        picker.validate()
        logger.info("issue form rejected: invalid fields %s", sorted(form.errors))
        return _render_new_statement(picker, preview=None, status=422)

    fingerprint = form.fingerprint.data or None
    try:
        statement = issue_statement(
            current_user._get_current_object(),
            form.customer,
            form.month.data,
            expected_fingerprint=fingerprint,
        )
    except DomainError as error:
        if fingerprint is None or error.status != 409:
            raise
        # The entries changed after the preview: show the preview as it is now,
        # so the next Issue sends a current fingerprint.
        db.session.rollback()
        logger.info(
            "issue for customer %s month %s sent back to a fresh preview",
            form.customer.id,
            form.month.data.isoformat(),
        )
        flash(error.message, "error")
        return _redirect(
            url_for(
                "accounts.new_statement",
                customer_id=form.customer.id,
                month=form.month.data.strftime("%Y-%m"),
            )
        )
    db.session.commit()
    flash(_("Statement %(number)s issued.", number=statement.number), "success")
    return _redirect(url_for("accounts.statement", statement_id=statement.id))


def _redirect(target: str) -> Response:
    """Redirect a plain post with 303, and an htmx one through HX-Redirect."""
    if is_htmx():
        response = Response(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target, code=303)


@bp.get("/statements/<int:statement_id>")
def statement(statement_id: int):
    issued = get_statement(statement_id)
    if issued is None:
        abort(404)
    return render_template(
        "accounts/statement.html", statement=issued, bill=summarize(issued.lines)
    )


@bp.get("/statements/<int:statement_id>/pdf")
def statement_pdf(statement_id: int):
    issued = get_statement(statement_id, with_pdf=True)
    if issued is None:
        abort(404)
    # The bytes stored at issue time, never rendered again.
    response = send_file(
        io.BytesIO(issued.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=statement_filename(issued),
        etag=issued.pdf_sha256,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
