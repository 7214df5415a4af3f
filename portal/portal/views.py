"""Customer portal pages: a customer's own tickets, approved work and statements.

Every query goes through `_customer_select`, which limits it to the signed-in
user's customer, so another customer's ticket or statement gets the same 404
response as a missing one. The blueprint guard already admits only customer users.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any, TypeVar

from flask import abort, render_template, request, send_file
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, Select, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.interfaces import ORMOption

from portal.errors import DomainError
from portal.extensions import db
from portal.htmx import is_htmx
from portal.i18n import current_language, format_day, user_zone
from portal.models import (
    ActivityType,
    Statement,
    Ticket,
    TimeEntry,
    User,
)
from portal.portal import bp
from portal.portal.forms import (
    PRIORITY_LABELS,
    STATUS_LABELS,
    TicketFilter,
    TicketFilterForm,
)
from portal.services import pdf_jobs
from portal.services.customer_view import (
    CUSTOMER_VISIBLE_ENTRY,
    billed_minutes_for_portal,
    build_portal_log,
    ticket_time_totals,
)
from portal.services.pdf import statement_filename
from portal.services.sla_evidence import evaluate_ticket_sla

logger = logging.getLogger(__name__)

TICKETS_PER_PAGE = 25

ScopedModel = TypeVar("ScopedModel", Ticket, Statement)


def _customer_select(model: type[ScopedModel]) -> Select[tuple[ScopedModel]]:
    """Start a SELECT of model limited to the signed-in user's customer."""
    return select(model).where(model.customer_id == current_user.customer_id)


def _customer_object_or_404(
    model: type[ScopedModel], *criteria: Any, options: Sequence[ORMOption] = ()
) -> ScopedModel:
    """Load the customer's one object matching criteria, or abort with 404.

    Another customer's object gets the same 404 as a missing one, so the
    response never reveals whether it exists.
    """
    statement = _customer_select(model).where(*criteria).options(*options)
    found = db.session.scalar(statement)
    if found is None:
        logger.info(
            "portal: %s %r not found for customer %s",
            model.__tablename__,
            request.view_args,
            current_user.customer_id,
        )
        abort(404)
    return found


def _customer_ticket_or_404(key: str) -> Ticket:
    return _customer_object_or_404(
        Ticket, Ticket.key == key, options=[joinedload(Ticket.category)]
    )


def _customer_statement_or_404(
    statement_id: int, options: Sequence[ORMOption] = ()
) -> Statement:
    # Void statements are included, because they keep their number. The pages
    # mark them void, and downloads return the copy marked ANNULLATO / VOID.
    return _customer_object_or_404(
        Statement, Statement.id == statement_id, options=options
    )


@bp.context_processor
def _portal_template_helpers() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "local_date": _local_date,
        "period_label": _period_label,
        "pdf_ready": _pdf_ready,
    }


def _pdf_ready(statement: Statement) -> bool:
    """Tell whether the document a download sends is stored yet."""
    if statement.is_void:
        return bool(statement.void_pdf_sha256)
    return bool(statement.pdf_sha256)


def _local_date(moment: datetime | None) -> str:
    """Format the calendar date of a UTC timestamp in the user's time zone."""
    if moment is None:
        return ""
    return format_day(moment.astimezone(user_zone()).date())


def _period_label(statement: Statement) -> str:
    """Name a statement's period: its month, or both days if it is not one month."""
    start, end = statement.period_start, statement.period_end
    if start.day == 1 and _is_last_day_of_month(end) and _same_month(start, end):
        return format_date(start, "LLLL yyyy")
    return _("%(start)s to %(end)s", start=format_day(start), end=format_day(end))


def _same_month(first: date, second: date) -> bool:
    return (first.year, first.month) == (second.year, second.month)


def _is_last_day_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


@bp.get("/")
def tickets():
    """List the customer's tickets, filtered by text, status, category and period."""
    form = TicketFilterForm(formdata=request.args, language=current_language())
    pagination = None
    time_totals = {}
    if form.validate():
        statement = _ticket_list_select(form.ticket_filter(user_zone()))
        pagination = _paginate(statement, request.args.get("page", 1, type=int))
        time_totals = ticket_time_totals(pagination.items)

    template = "portal/_ticket_list.html" if is_htmx() else "portal/tickets.html"
    html = render_template(
        template,
        form=form,
        pagination=pagination,
        time_totals=time_totals,
        oob_errors=is_htmx(),
    )
    return html, 422 if form.errors else 200


def _ticket_list_select(filters: TicketFilter) -> Select[tuple[Ticket]]:
    statement = _customer_select(Ticket).options(joinedload(Ticket.category))
    if filters.text:
        statement = statement.where(
            or_(
                Ticket.key.icontains(filters.text, autoescape=True),
                Ticket.title.icontains(filters.text, autoescape=True),
            )
        )
    if filters.statuses:
        statement = statement.where(Ticket.status.in_(filters.statuses))
    if filters.category_id is not None:
        statement = statement.where(Ticket.category_id == filters.category_id)
    if filters.opened_after is not None:
        statement = statement.where(Ticket.opened_at >= filters.opened_after)
    if filters.opened_before is not None:
        statement = statement.where(Ticket.opened_at < filters.opened_before)
    return statement.order_by(Ticket.opened_at.desc(), Ticket.id.desc())


def _paginate(statement: Select[tuple[Ticket]], page: int) -> Pagination:
    """Return the requested page, or the last one when page is past the end."""
    pagination = db.paginate(
        statement, page=page, per_page=TICKETS_PER_PAGE, error_out=False
    )
    if pagination.pages and pagination.page > pagination.pages:
        pagination = db.paginate(
            statement, page=pagination.pages, per_page=TICKETS_PER_PAGE
        )
    return pagination


@bp.get("/tickets/<key>")
def ticket(key: str):
    """Show a ticket and the log of its approved, billable time.

    The contract decides whether agents' names and worked time are shown.
    """
    ticket = _customer_ticket_or_404(key)
    billed = billed_minutes_for_portal([ticket.id])
    log = build_portal_log(ticket, _visible_entry_rows(ticket.id), billed)
    return render_template(
        "portal/ticket.html",
        ticket=ticket,
        entries=log.entries,
        log=log,
        total_minutes=log.billed_minutes,
        ticket_sla=evaluate_ticket_sla(ticket),
    )


def _visible_entry_rows(ticket_id: int) -> Sequence[Row[Any]]:
    """Load the ticket's customer-visible entries, oldest first, in one query.

    The rows carry only the columns the page shows: internal notes, rates and
    e-mail addresses are never even read from the database.
    """
    activity = aliased(ActivityType, name="activity")
    statement = (
        select(
            TimeEntry.id,
            TimeEntry.work_date,
            TimeEntry.minutes,
            TimeEntry.description,
            User.name.label("agent_name"),
            activity,
        )
        .join(User, User.id == TimeEntry.agent_id)
        .join(activity, activity.id == TimeEntry.activity_type_id)
        .where(TimeEntry.ticket_id == ticket_id, *CUSTOMER_VISIBLE_ENTRY)
        .order_by(TimeEntry.work_date, TimeEntry.id)
    )
    return db.session.execute(statement).all()


@bp.get("/statements")
def statements():
    """List the customer's statements, void ones included, newest period first."""
    statement = _customer_select(Statement).order_by(
        Statement.period_start.desc(), Statement.id.desc()
    )
    listed = db.session.scalars(statement).all()
    return render_template("portal/statements.html", statements=listed)


@bp.get("/statements/<int:statement_id>/pdf")
def statement_pdf(statement_id: int):
    """Send the stored document byte for byte, or 409 while it is not rendered.

    pdf_jobs.stored_pdf picks the document. That is the issued PDF, or for a
    void statement the copy marked ANNULLATO / VOID, never the PDF as issued.
    """
    statement = _customer_statement_or_404(statement_id)
    stored = pdf_jobs.stored_pdf(statement)
    _check_pdf_digest(statement, stored)

    response = send_file(
        BytesIO(stored.data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=statement_filename(statement),
        etag=stored.sha256,
        last_modified=_document_date(statement),
    )
    response.cache_control.private = True
    logger.info(
        "portal: statement %s %s sent to user %s",
        statement.id,
        "void copy" if statement.is_void else "PDF",
        current_user.id,
    )
    return response


def _document_date(statement: Statement) -> datetime:
    """Return when the downloaded document was made, the void's time for a void copy."""
    if statement.is_void and statement.voided_at is not None:
        return statement.voided_at
    return statement.issued_at


def _check_pdf_digest(statement: Statement, stored: pdf_jobs.StoredPdf) -> None:
    """Raise DomainError when the stored PDF no longer matches its SHA-256."""
    digest = hashlib.sha256(stored.data).hexdigest()
    if digest == stored.sha256:
        return
    logger.error(
        "portal: statement %s PDF failed its integrity check: SHA-256 %s, stored %s",
        statement.id,
        digest,
        stored.sha256,
    )
    raise DomainError(
        _(
            "The PDF of statement %(number)s failed its integrity check, so it "
            "was not sent. Contact us and we will send you a copy.",
            number=statement.number,
        ),
        500,
    )
