"""Minimal ticket administration: status, priority, category, contract, SLA times.

The SLA clocks run from opened_at, so first_response_at and resolved_at may
not precede it, and none of the three may lie in the future.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.i18n import format_day
from portal.models import (
    Category,
    Contract,
    EntryStatus,
    Ticket,
    TicketPriority,
    TicketStatus,
    TimeEntry,
    User,
)
from portal.models.types import utcnow
from portal.services.admin import PAGE_SIZE, AdminFieldError, like_pattern
from portal.services.admin.contracts import contract_period
from portal.services.audit import changed_fields, record_event, snapshot
from portal.services.ticket_status import record_status_change

logger = logging.getLogger(__name__)

TICKET_FIELDS = [
    "status",
    "priority",
    "category_id",
    "contract_id",
    "opened_at",
    "first_response_at",
    "resolved_at",
]
# Inputs have minute precision, so the current minute counts as the present.
CLOCK_TOLERANCE = timedelta(minutes=1)


@dataclass(frozen=True)
class TicketData:
    """The values an admin sets on a ticket, with aware UTC timestamps."""

    status: TicketStatus
    priority: TicketPriority
    category_id: int
    contract_id: int | None
    opened_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True)
class TicketFilter:
    """Filters of the admin ticket list, where None and "" match every ticket."""

    query: str = ""
    status: TicketStatus | None = None
    customer_id: int | None = None


def list_tickets(filters: TicketFilter, page: int = 1) -> Pagination:
    """Return one page of tickets matching filters, newest first."""
    query = sa.select(Ticket).options(
        joinedload(Ticket.customer), joinedload(Ticket.category)
    )
    if filters.query:
        pattern = like_pattern(filters.query)
        query = query.where(
            sa.or_(
                Ticket.key.ilike(pattern, escape="\\"),
                Ticket.title.ilike(pattern, escape="\\"),
            )
        )
    if filters.status is not None:
        query = query.where(Ticket.status == filters.status)
    if filters.customer_id is not None:
        query = query.where(Ticket.customer_id == filters.customer_id)
    query = query.order_by(Ticket.opened_at.desc(), Ticket.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


def get_ticket(ticket_id: int) -> Ticket | None:
    return db.session.get(Ticket, ticket_id)


def category_choices(ticket: Ticket) -> list[Category]:
    """Return the active categories plus the ticket's current one."""
    query = (
        sa.select(Category)
        .where(sa.or_(Category.is_active.is_(True), Category.id == ticket.category_id))
        .order_by(sa.func.lower(Category.name_en))
    )
    return list(db.session.scalars(query))


def contract_choices(ticket: Ticket) -> list[Contract]:
    query = (
        sa.select(Contract)
        .where(Contract.customer_id == ticket.customer_id)
        .order_by(Contract.valid_from)
    )
    return list(db.session.scalars(query))


def update_ticket(actor: User, ticket: Ticket, data: TicketData) -> Ticket:
    """Change a ticket's state, classification and SLA times, and audit the changes."""
    _check_category(ticket, data.category_id)
    _check_contract(ticket, data.contract_id)
    _check_timestamps(data)

    before = snapshot(ticket, TICKET_FIELDS)
    record_status_change(ticket, data.status, actor, utcnow())
    ticket.priority = data.priority
    ticket.category_id = data.category_id
    ticket.contract_id = data.contract_id
    ticket.opened_at = data.opened_at
    ticket.first_response_at = data.first_response_at
    ticket.resolved_at = data.resolved_at
    db.session.flush()

    before, after = changed_fields(before, snapshot(ticket, TICKET_FIELDS))
    if after:
        record_event(actor, "updated", ticket, before, after)
    return ticket


def _check_category(ticket: Ticket, category_id: int) -> None:
    category = db.session.get(Category, category_id)
    if category is None or not (
        category.is_active or category.id == ticket.category_id
    ):
        raise AdminFieldError("category_id", _("Choose a category from the list."))


def _check_contract(ticket: Ticket, contract_id: int | None) -> None:
    """Reject another customer's contract, or one missing unbilled work of the ticket.

    A ticket's own contract bills all its work whatever the work date, so a
    contract whose period leaves out work not billed yet would bill that work
    under terms that were not in force.
    """
    if contract_id is None or contract_id == ticket.contract_id:
        return
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.customer_id != ticket.customer_id:
        raise AdminFieldError(
            "contract_id", _("Choose one of this customer's contracts.")
        )
    outside = _unbilled_work_outside(ticket, contract)
    if outside is not None:
        raise AdminFieldError(
            "contract_id",
            _(
                "The ticket has work not billed yet dated %(day)s, outside this "
                "contract's period (%(period)s). Choose a contract that covers it, "
                "or the default.",
                day=format_day(outside),
                period=contract_period(contract),
            ),
        )


def _unbilled_work_outside(ticket: Ticket, contract: Contract) -> date | None:
    """Return the earliest date of unbilled work on the ticket outside the period."""
    outside = TimeEntry.work_date < contract.valid_from
    if contract.valid_to is not None:
        outside = sa.or_(outside, TimeEntry.work_date > contract.valid_to)
    query = sa.select(sa.func.min(TimeEntry.work_date)).where(
        TimeEntry.ticket_id == ticket.id,
        TimeEntry.statement_id.is_(None),
        TimeEntry.status != EntryStatus.REJECTED,
        outside,
    )
    return db.session.scalar(query)


def current_contract(ticket: Ticket, today: date) -> Contract | None:
    """Return the customer's contract valid today, which a ticket without one uses."""
    return ticket.customer.contract_on(today)


def _check_timestamps(data: TicketData) -> None:
    latest = utcnow() + CLOCK_TOLERANCE
    stamps = {
        "opened_at": data.opened_at,
        "first_response_at": data.first_response_at,
        "resolved_at": data.resolved_at,
    }
    for name, value in stamps.items():
        if value is not None and value > latest:
            raise AdminFieldError(name, _("This time cannot be in the future."))

    if data.first_response_at is not None and data.first_response_at < data.opened_at:
        raise AdminFieldError(
            "first_response_at", _("The first response cannot be before the opening.")
        )
    if data.resolved_at is not None and data.resolved_at < data.opened_at:
        raise AdminFieldError(
            "resolved_at", _("The resolution cannot be before the opening.")
        )
    if (
        data.first_response_at is not None
        and data.resolved_at is not None
        and data.first_response_at > data.resolved_at
    ):
        raise AdminFieldError(
            "first_response_at",
            _("The first response cannot be after the resolution."),
        )
