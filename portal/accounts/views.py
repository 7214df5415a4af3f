"""Accounts office pages: statements list, preview, issue and PDF download.

Voiding and adjustments are in portal.accounts.corrections.
"""

from __future__ import annotations

import logging
from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts import bp
from portal.accounts.forms import IssueStatementForm, PreviewForm, StatementFilterForm
from portal.accounts.pdf_views import send_statement_pdf
from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import user_today
from portal.models import BillingModel, Customer, Statement
from portal.services import pdf_jobs, prepaid
from portal.services.statements import (
    PendingWorkError,
    StatementBlockedError,
    StatementPreview,
    build_preview,
    describe_bands,
    draft_message,
    get_statement,
    issue_statement,
    kind_labels,
    list_statements,
    month_label,
    previous_month,
    statement_years,
    summarize,
)

logger = logging.getLogger(__name__)


@bp.context_processor
def _template_helpers() -> dict:
    return {
        "month_label": month_label,
        "draft_message": draft_message,
        "describe_bands": describe_bands,
        "kind_labels": kind_labels,
    }


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
    preview = _preview_or_error(picker)
    if preview is None:
        return _render_new_statement(picker, preview=None, status=422)
    return _render_new_statement(picker, preview=preview, status=200)


def _preview_or_error(picker: PreviewForm) -> StatementPreview | None:
    """Build the preview, or put the reason it cannot be priced on the picker."""
    try:
        return build_preview(picker.customer, picker.month.data)
    except StatementBlockedError as error:
        db.session.rollback()
        logger.info(
            "preview for customer %s month %s blocked: %s",
            picker.customer.id,
            picker.month.data.isoformat(),
            error.message,
        )
        picker.customer_id.errors.append(error.message)
        return None


def _render_new_statement(
    picker: PreviewForm,
    preview: StatementPreview | None,
    status: int,
    issue_form: IssueStatementForm | None = None,
) -> tuple[str, int]:
    if issue_form is None and preview is not None and not preview.is_empty:
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
        logger.info("issue form rejected: invalid fields %s", sorted(form.errors))
        picker = PreviewForm(formdata=request.form)
        picker.validate()
        if set(form.errors) == {"override_reason"}:
            # The only visible field: show it with its error under the preview.
            preview = _preview_or_error(picker)
            return _render_new_statement(picker, preview, 422, issue_form=form)
        # The other fields are hidden, so show their errors on the month picker.
        return _render_new_statement(picker, preview=None, status=422)

    fingerprint = form.fingerprint.data or None
    try:
        statement = issue_statement(
            current_user._get_current_object(),
            form.customer,
            form.month.data,
            expected_fingerprint=fingerprint,
            pending_override_reason=form.override_reason.data,
        )
    except PendingWorkError as error:
        db.session.rollback()
        return _pending_response(form, error)
    except StatementBlockedError as error:
        db.session.rollback()
        picker = PreviewForm(formdata=request.form)
        picker.validate()
        picker.customer_id.errors.append(error.message)
        logger.info(
            "issue for customer %s blocked: %s", form.customer.id, error.message
        )
        return _render_new_statement(picker, preview=None, status=422)
    except DomainError as error:
        if fingerprint is None or error.status != 409:
            raise
        # What the preview billed changed: show the preview as it is now, so
        # the next Issue sends a current fingerprint.
        db.session.rollback()
        logger.info(
            "issue for customer %s month %s sent back to a fresh preview",
            form.customer.id,
            form.month.data.isoformat(),
        )
        flash(error.message, "error")
        return _redirect(_preview_url(form.customer, form.month.data))
    db.session.commit()
    _after_issue(statement, form.customer)
    flash(_("Statement %(number)s issued.", number=statement.number), "success")
    return _redirect(url_for("accounts.statement", statement_id=statement.id))


def _preview_url(customer: Customer, month: date) -> str:
    return url_for(
        "accounts.new_statement",
        customer_id=customer.id,
        month=month.strftime("%Y-%m"),
    )


def _pending_response(
    form: IssueStatementForm, error: PendingWorkError
) -> tuple[str, int]:
    """Show the current preview with the override reason marked as missing."""
    picker = PreviewForm(formdata=request.form)
    picker.validate()
    preview = _preview_or_error(picker)
    if preview is not None:
        form.fingerprint.data = preview.fingerprint
    form.override_reason.errors = [error.message]
    logger.info(
        "issue for customer %s month %s needs an override reason: %s pending",
        form.customer.id,
        form.month.data.isoformat(),
        error.count,
    )
    return _render_new_statement(picker, preview, status=422, issue_form=form)


def _after_issue(statement: Statement, customer: Customer) -> None:
    """Start the PDF render and the package alerts of a committed statement.

    A failure here must not look like a failed issue: the statement is
    committed, and its page shows the PDF's status.
    """
    try:
        pdf_jobs.request_render(statement.id)
    except Exception:
        db.session.rollback()
        logger.exception("PDF render request for statement %s failed", statement.id)
    prepaid_ids = [
        contract.id
        for contract in customer.contracts
        if contract.billing_model == BillingModel.PREPAID
    ]
    if prepaid_ids:
        prepaid.send_package_alerts(prepaid_ids)


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
    return send_statement_pdf(statement_id)
