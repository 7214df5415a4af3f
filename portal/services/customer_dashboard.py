"""Figures of the customer portal's dashboard, all scoped to one customer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Customer, EntryStatus, Ticket, TicketStatus, TimeEntry
from portal.services.billing_terms import billed_minutes_by_entry
from portal.services.prepaid import ContractBalance, contract_balance, prepaid_contracts
from portal.services.sla_evidence import SlaEvidence, monthly_evidence
from portal.services.statements import (
    StatementBlockedError,
    build_preview,
    month_end,
    previous_month,
)

logger = logging.getLogger(__name__)

# Statuses of a ticket that still needs work from the support company or the
# customer.
OPEN_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING)


@dataclass(frozen=True)
class MonthHours:
    """Approved billable minutes of one calendar month."""

    month: date
    minutes: int


@dataclass(frozen=True)
class RunningTotal:
    """An estimate of the next statement: approved, billable, unbilled work so far."""

    month: date
    minutes: int
    amount: Decimal
    currency: str
    # Billable entries of the month still waiting for approval, left out.
    pending_count: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard shows; running_total is None without a contract."""

    this_month: MonthHours
    last_month: MonthHours
    open_tickets: int
    running_total: RunningTotal | None
    sla: SlaEvidence
    # One balance per prepaid contract of the customer with a package bought.
    prepaid: tuple[ContractBalance, ...]


def build_dashboard(customer: Customer, today: date) -> Dashboard:
    """Compute the dashboard figures of customer for the month containing today."""
    this_month = today.replace(day=1)
    last_month = previous_month(today)
    return Dashboard(
        this_month=MonthHours(this_month, approved_minutes(customer.id, this_month)),
        last_month=MonthHours(last_month, approved_minutes(customer.id, last_month)),
        open_tickets=open_ticket_count(customer.id),
        running_total=running_total(customer, this_month),
        sla=monthly_evidence(customer, this_month),
        prepaid=tuple(prepaid_balances(customer, today)),
    )


def approved_minutes(customer_id: int, month: date) -> int:
    """Sum the billed minutes of the customer's approved work dated in month.

    Billed, not worked: the contract's rounding applies, as on the portal's
    ticket pages and statements. A ticket's day never spans two months, so
    rounding per ticket and day reads all of a day's entries here.
    """
    query = (
        sa.select(TimeEntry)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .where(
            Ticket.customer_id == customer_id,
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
            TimeEntry.work_date.between(month, month_end(month)),
        )
        .options(
            joinedload(TimeEntry.ticket).joinedload(Ticket.contract),
            joinedload(TimeEntry.agent),
            joinedload(TimeEntry.activity_type),
        )
    )
    entries = list(db.session.scalars(query).unique())
    return sum(billed_minutes_by_entry(entries).values())


def open_ticket_count(customer_id: int) -> int:
    """Count the customer's tickets that are open, in progress or waiting."""
    query = sa.select(sa.func.count(Ticket.id)).where(
        Ticket.customer_id == customer_id, Ticket.status.in_(OPEN_STATUSES)
    )
    return db.session.scalar(query) or 0


def running_total(customer: Customer, month: date) -> RunningTotal | None:
    """Price the month's approved, unbilled work as its statement would.

    It goes through build_preview, so the estimate uses the same contract
    terms, rounding and totals as issuing. It is None when the month's work
    cannot be priced, e.g. work that no contract covers.
    """
    try:
        # NOTE: an earlier prepaid month not yet issued does not block the
        # estimate, but it draws the packages before that month's work does.
        preview = build_preview(customer, month, check_billing_order=False)
    except StatementBlockedError as error:
        logger.info(
            "dashboard of customer %s: %s cannot be priced, no running total: %s",
            customer.id,
            month.isoformat(),
            error.message,
        )
        return None
    return RunningTotal(
        month=preview.month,
        minutes=preview.billed_minutes,
        amount=preview.total_amount,
        currency=preview.currency,
        pending_count=preview.pending_count,
    )


def prepaid_balances(customer: Customer, today: date) -> list[ContractBalance]:
    """Return the balance today of each of the customer's prepaid contracts.

    Only the customer's own contracts are read, and contracts with no
    package bought by today are left out, so the dashboard shows no empty
    gauge.
    """
    balances = [
        contract_balance(contract, today)
        for contract in prepaid_contracts(customer_id=customer.id)
    ]
    return [balance for balance in balances if balance.packages]
