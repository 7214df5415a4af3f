"""The rows a statement of one customer and month bills, read from the database.

A statement bills the approved, billable, not yet billed time and resource
entries dated in the month, plus the customer's open adjustments. Entries
still submitted for approval are pending: they block the issue unless
accounts give a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    ActivityType,
    Adjustment,
    Contract,
    Customer,
    EntryStatus,
    ResourceEntry,
    Ticket,
    TimeEntry,
)
from portal.services import billing_terms
from portal.services.statements.periods import month_end


@dataclass(frozen=True)
class PendingWork:
    """Billable entries of the month not yet decided.

    Submitted entries block the issue. Drafts only get a warning, because
    an agent's unfinished draft must not stop the month's billing.
    """

    entries: tuple[TimeEntry, ...]
    resources: tuple[ResourceEntry, ...]
    draft_count: int

    @property
    def count(self) -> int:
        return len(self.entries) + len(self.resources)

    @property
    def blocks_issue(self) -> bool:
        return self.count > 0


@dataclass(frozen=True)
class Selection:
    """The rows a statement of customer and month would bill."""

    customer: Customer
    month: date
    entries: tuple[TimeEntry, ...]
    resources: tuple[ResourceEntry, ...]
    adjustments: tuple[Adjustment, ...]
    pending: PendingWork

    @property
    def period_end(self) -> date:
        return month_end(self.month)


def lock_customer(customer_id: int) -> None:
    """Lock the customer's row until commit, so its statements change one at a time.

    Issuing, voiding and adjusting take this lock first. Two of them for one
    customer then never read the same package balance, monthly fee or open
    adjustments at once. SQLite ignores FOR UPDATE and writes one at a time.
    """
    query = sa.select(Customer.id).where(Customer.id == customer_id).with_for_update()
    db.session.execute(query)


def load_selection(customer: Customer, month: date, *, lock: bool = False) -> Selection:
    """Read what a statement of customer for month would bill now.

    With lock=True, the billed rows stay locked on PostgreSQL until commit.
    """
    month = month.replace(day=1)
    return Selection(
        customer=customer,
        month=month,
        entries=tuple(load_eligible_entries(customer, month, lock=lock)),
        resources=tuple(load_eligible_resources(customer, month, lock=lock)),
        adjustments=tuple(load_open_adjustments(customer, lock=lock)),
        pending=load_pending_work(customer, month),
    )


def _billable_entries_query(customer: Customer, month: date) -> sa.Select:
    """Select the customer's billable time entries dated in month, any status."""
    return (
        sa.select(TimeEntry)
        .join(Ticket, TimeEntry.ticket_id == Ticket.id)
        .join(ActivityType, TimeEntry.activity_type_id == ActivityType.id)
        .where(
            Ticket.customer_id == customer.id,
            TimeEntry.is_billable.is_(True),
            ActivityType.is_billable.is_(True),
            TimeEntry.work_date.between(month, month_end(month)),
        )
    )


def _billable_resources_query(customer: Customer, month: date) -> sa.Select:
    return (
        sa.select(ResourceEntry)
        .join(Ticket, ResourceEntry.ticket_id == Ticket.id)
        .where(
            Ticket.customer_id == customer.id,
            ResourceEntry.is_billable.is_(True),
            ResourceEntry.work_date.between(month, month_end(month)),
        )
    )


def load_eligible_entries(
    customer: Customer, month: date, *, lock: bool = False
) -> list[TimeEntry]:
    query = (
        _billable_entries_query(customer, month)
        .where(
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.statement_id.is_(None),
        )
        .options(
            joinedload(TimeEntry.ticket),
            joinedload(TimeEntry.agent),
            joinedload(TimeEntry.activity_type),
        )
        .order_by(Ticket.key, TimeEntry.work_date, TimeEntry.id)
    )
    if lock:
        # PostgreSQL locks the rows until commit, so a concurrent issue for the
        # same entries waits and then no longer finds them. SQLite ignores it
        # and relies on the guarded UPDATE that marks the entries billed.
        query = query.with_for_update(of=TimeEntry)
    return list(db.session.scalars(query).unique())


def load_eligible_resources(
    customer: Customer, month: date, *, lock: bool = False
) -> list[ResourceEntry]:
    query = (
        _billable_resources_query(customer, month)
        .where(
            ResourceEntry.status == EntryStatus.APPROVED,
            ResourceEntry.statement_id.is_(None),
        )
        .options(joinedload(ResourceEntry.ticket), joinedload(ResourceEntry.agent))
        .order_by(Ticket.key, ResourceEntry.work_date, ResourceEntry.id)
    )
    if lock:
        query = query.with_for_update(of=ResourceEntry)
    return list(db.session.scalars(query).unique())


def load_open_adjustments(
    customer: Customer, *, lock: bool = False
) -> list[Adjustment]:
    """Return the customer's adjustments not yet billed nor cancelled, oldest first."""
    query = (
        sa.select(Adjustment)
        .where(
            Adjustment.customer_id == customer.id,
            Adjustment.applied_statement_id.is_(None),
            Adjustment.cancelled_at.is_(None),
        )
        .options(joinedload(Adjustment.original_statement))
        .order_by(Adjustment.created_at, Adjustment.id)
    )
    if lock:
        query = query.with_for_update(of=Adjustment)
    return list(db.session.scalars(query).unique())


def earliest_unbilled_month(
    customer: Customer, month: date, contract: Contract
) -> date | None:
    """Return the first month before month with unbilled work on contract, or None.

    The work counted is approved, billable time entries without a statement,
    so entries of a voided statement count again. Prepaid packages are drawn
    in work-date order, so that earlier work must be billed first.
    """
    query = (
        sa.select(TimeEntry)
        .join(Ticket, TimeEntry.ticket_id == Ticket.id)
        .join(ActivityType, TimeEntry.activity_type_id == ActivityType.id)
        .where(
            Ticket.customer_id == customer.id,
            TimeEntry.is_billable.is_(True),
            ActivityType.is_billable.is_(True),
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.statement_id.is_(None),
            TimeEntry.work_date < month.replace(day=1),
        )
        .options(joinedload(TimeEntry.ticket))
        .order_by(TimeEntry.work_date, TimeEntry.id)
    )
    # The contract comes from each entry's ticket and date, which SQL cannot
    # tell, so the entries are read oldest first until one belongs to it.
    for entry in db.session.scalars(query).unique():
        entry_contract = billing_terms.entry_contract(entry.ticket, entry.work_date)
        if entry_contract is not None and entry_contract.id == contract.id:
            return entry.work_date.replace(day=1)
    return None


def load_pending_work(customer: Customer, month: date) -> PendingWork:
    """Return the month's billable entries that are submitted or still drafts."""
    entries_query = (
        _billable_entries_query(customer, month)
        .where(TimeEntry.status == EntryStatus.SUBMITTED)
        .options(
            joinedload(TimeEntry.ticket),
            joinedload(TimeEntry.agent),
            joinedload(TimeEntry.activity_type),
        )
        .order_by(TimeEntry.work_date, Ticket.key, TimeEntry.id)
    )
    resources_query = (
        _billable_resources_query(customer, month)
        .where(ResourceEntry.status == EntryStatus.SUBMITTED)
        .options(joinedload(ResourceEntry.ticket), joinedload(ResourceEntry.agent))
        .order_by(ResourceEntry.work_date, Ticket.key, ResourceEntry.id)
    )
    draft_entries = _billable_entries_query(customer, month).where(
        TimeEntry.status == EntryStatus.DRAFT
    )
    draft_resources = _billable_resources_query(customer, month).where(
        ResourceEntry.status == EntryStatus.DRAFT
    )
    draft_count = sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
        for query in (draft_entries, draft_resources)
    )
    return PendingWork(
        entries=tuple(db.session.scalars(entries_query).unique()),
        resources=tuple(db.session.scalars(resources_query).unique()),
        draft_count=draft_count,
    )
