"""Issue a statement: gapless number, frozen items and lines, entries marked billed.

Issuing reads and prices the month again inside its own transaction, never
from a preview, and copies the result into StatementItem, StatementLine,
StatementPackageLine and PackageDraw rows. The PDF is rendered afterwards by
portal.services.pdf_jobs, once the caller has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import current_language
from portal.models import (
    Adjustment,
    Customer,
    EntryStatus,
    PackageDraw,
    PdfStatus,
    ResourceEntry,
    Statement,
    StatementItem,
    StatementLine,
    StatementPackageLine,
    StatementSequence,
    TimeEntry,
    User,
)
from portal.models.types import utcnow
from portal.services.audit import record_event
from portal.services.statements.errors import PendingWorkError
from portal.services.statements.periods import company_zone, month_end, month_label
from portal.services.statements.preview import (
    price_for_statement,
    statement_fingerprint,
    statements_for_period,
)
from portal.services.statements.priced import Pricing
from portal.services.statements.selection import (
    Selection,
    load_selection,
    lock_customer,
)

logger = logging.getLogger(__name__)


def issue_statement(
    actor: User,
    customer: Customer,
    month: date,
    *,
    expected_fingerprint: str | None = None,
    issued_at: datetime | None = None,
    pending_override_reason: str | None = None,
) -> Statement:
    """Issue and freeze the statement of customer for month. The caller commits.

    DomainError 409 is raised when there is nothing to bill, when the billed
    rows or totals changed since the preview of expected_fingerprint, and
    (as PendingWorkError) when entries of the month await approval and no
    pending_override_reason is given. The number comes from a per-year
    sequence incremented in this transaction, so a rollback returns it.
    The PDF is left PENDING: call pdf_jobs.request_render after commit.
    """
    month = month.replace(day=1)
    issued_at = issued_at or utcnow()
    lock_customer(customer.id)
    selection = load_selection(customer, month, lock=True)
    pricing = price_for_statement(selection)

    _check_not_empty(selection, pricing, expected_fingerprint)
    _check_fingerprint(selection, pricing, expected_fingerprint)
    override_reason = _check_pending(selection, pending_override_reason)

    # Read the ids first: marking the rows billed expires them.
    billed_ids = _BilledIds.of(selection)
    statement = _create_statement(actor, selection, pricing, issued_at, override_reason)
    _mark_billed(statement, TimeEntry, selection.entries)
    _mark_billed(statement, ResourceEntry, selection.resources)
    _apply_adjustments(statement, selection.adjustments)
    _freeze(statement, pricing)

    _record_issue(actor, statement, pricing, billed_ids, override_reason)
    return statement


@dataclass(frozen=True)
class _BilledIds:
    """Ids of the rows a statement bills and of the pending rows it leaves out."""

    entries: list[int]
    resources: list[int]
    adjustments: list[int]
    pending_entries: list[int]
    pending_resources: list[int]

    @classmethod
    def of(cls, selection: Selection) -> _BilledIds:
        pending = selection.pending
        return cls(
            entries=sorted(entry.id for entry in selection.entries),
            resources=sorted(resource.id for resource in selection.resources),
            adjustments=sorted(item.id for item in selection.adjustments),
            pending_entries=sorted(entry.id for entry in pending.entries),
            pending_resources=sorted(resource.id for resource in pending.resources),
        )


def _check_not_empty(
    selection: Selection, pricing: Pricing, expected_fingerprint: str | None
) -> None:
    if not pricing.is_empty:
        return
    customer, month = selection.customer, selection.month
    logger.info(
        "issue for customer %s month %s rejected: nothing to bill",
        customer.id,
        month.isoformat(),
    )
    earlier = [
        statement
        for statement in statements_for_period(customer, month)
        if not statement.is_void
    ]
    if expected_fingerprint and earlier:
        # The preview had items, so another tab or user billed them first.
        raise DomainError(
            _(
                "This work was billed meanwhile on statement %(number)s.",
                number=earlier[-1].number,
            ),
            409,
        )
    raise DomainError(
        _(
            "There is nothing to bill for %(customer)s in %(month)s, because no "
            "entries are approved, billable and not yet billed, and no fee or "
            "adjustment is due.",
            customer=customer.name,
            month=month_label(month, current_language()),
        ),
        409,
    )


def _check_fingerprint(
    selection: Selection, pricing: Pricing, expected_fingerprint: str | None
) -> None:
    if not expected_fingerprint:
        return
    if expected_fingerprint == statement_fingerprint(selection, pricing):
        return
    logger.info(
        "issue for customer %s month %s rejected: changed since the preview",
        selection.customer.id,
        selection.month.isoformat(),
    )
    raise DomainError(
        _(
            "The entries, rates or totals to bill changed after the preview was "
            "shown. Check the preview again and then issue the statement."
        ),
        409,
    )


def _check_pending(selection: Selection, override_reason: str | None) -> str | None:
    """Return the override reason to store, or raise while entries await approval."""
    pending = selection.pending
    if not pending.blocks_issue:
        return None
    reason = (override_reason or "").strip()
    if not reason:
        logger.info(
            "issue for customer %s month %s rejected: %s entries pending",
            selection.customer.id,
            selection.month.isoformat(),
            pending.count,
        )
        raise PendingWorkError(pending.count)
    return reason


def _next_sequence(year: int) -> int:
    """Increment the statement counter of year and return the new value.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING creates the row on first
    use or increments it. On PostgreSQL the row stays locked until commit, so
    concurrent issues get consecutive numbers. SQLite locks the whole database
    for the write.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise RuntimeError(f"statement numbering does not support {dialect}")

    upsert = insert(StatementSequence).values(year=year, last_number=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[StatementSequence.year],
        set_={"last_number": StatementSequence.last_number + 1},
    ).returning(StatementSequence.last_number)
    return db.session.execute(upsert).scalar_one()


def format_statement_number(year: int, sequence: int) -> str:
    """Format a statement number as YYYY/NNNN, e.g. 2026/0007."""
    return f"{year}/{sequence:04d}"


def _create_statement(
    actor: User,
    selection: Selection,
    pricing: Pricing,
    issued_at: datetime,
    override_reason: str | None,
) -> Statement:
    customer, month = selection.customer, selection.month
    year = issued_at.astimezone(company_zone()).year
    sequence = _next_sequence(year)
    statement = Statement(
        customer_id=customer.id,
        period_start=month,
        period_end=month_end(month),
        year=year,
        sequence=sequence,
        number=format_statement_number(year, sequence),
        language=customer.language,
        currency=pricing.currency,
        # Items carry their own rates. Only statements issued before items
        # existed had one hourly rate.
        hourly_rate=None,
        total_minutes=pricing.billed_minutes,
        raw_minutes=pricing.raw_minutes,
        subtotal_amount=pricing.subtotal,
        vat_rate=pricing.vat.rate,
        vat_amount=pricing.vat_amount,
        vat_note=pricing.vat.note,
        total_amount=pricing.total,
        customer_name=customer.name,
        customer_address=customer.address,
        customer_vat_number=customer.vat_number,
        pending_override_reason=override_reason,
        pdf=None,
        pdf_sha256=None,
        pdf_status=PdfStatus.PENDING,
        issued_by_id=actor.id,
        issued_at=issued_at,
    )
    db.session.add(statement)
    db.session.flush()
    return statement


def _mark_billed(
    statement: Statement,
    model: type[TimeEntry] | type[ResourceEntry],
    rows: Sequence[TimeEntry] | Sequence[ResourceEntry],
) -> None:
    """Set statement_id on time or resource entries still exactly as they were read.

    The WHERE clause repeats the eligibility rules and the version each row
    had when read, so a row billed, un-approved or edited in the meantime is
    not matched. Any shortfall rejects the whole issue with 409. Bumping the
    version makes concurrent ORM edits of these rows fail with StaleDataError.
    """
    if not rows:
        return
    keys = [(row.id, row.version) for row in rows]
    update_statement = (
        sa.update(model)
        .where(
            sa.tuple_(model.id, model.version).in_(keys),
            model.statement_id.is_(None),
            model.status == EntryStatus.APPROVED,
            model.is_billable.is_(True),
        )
        .values(
            statement_id=statement.id,
            version=model.version + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(update_statement)
    # The session still contains the old statement_id and version of these rows.
    for row in rows:
        db.session.expire(row)

    if result.rowcount != len(keys):
        logger.warning(
            "issue of statement %s rejected: %s of %s %s still billable",
            statement.number,
            result.rowcount,
            len(keys),
            model.__tablename__,
        )
        raise DomainError(
            _(
                "Some entries were billed or changed by someone else while this "
                "statement was being issued. Check the preview again."
            ),
            409,
        )


def _apply_adjustments(statement: Statement, adjustments: Sequence[Adjustment]) -> None:
    """Mark the open adjustments as billed on statement, or raise 409 if one moved."""
    if not adjustments:
        return
    ids = [adjustment.id for adjustment in adjustments]
    result = db.session.execute(
        sa.update(Adjustment)
        .where(
            Adjustment.id.in_(ids),
            Adjustment.applied_statement_id.is_(None),
            Adjustment.cancelled_at.is_(None),
        )
        .values(applied_statement_id=statement.id)
        .execution_options(synchronize_session=False)
    )
    for adjustment in adjustments:
        db.session.expire(adjustment)
    if result.rowcount != len(ids):
        logger.warning(
            "issue of statement %s rejected: %s of %s adjustments still open",
            statement.number,
            result.rowcount,
            len(ids),
        )
        raise DomainError(
            _(
                "An adjustment was cancelled or billed by someone else while this "
                "statement was being issued. Check the preview again."
            ),
            409,
        )


def _freeze(statement: Statement, pricing: Pricing) -> None:
    """Copy the priced items, detail lines, package movements and draws.

    The rows go in as bulk INSERTs, which keep a statement of thousands of
    lines fast, and the statement's collections load them on next access.
    """
    items = [
        {
            "statement_id": statement.id,
            "position": position,
            "kind": item.kind,
            "contract_name": item.contract_name,
            "ticket_key": item.ticket_key,
            "ticket_title": item.ticket_title,
            "activity": item.activity,
            "description": item.description,
            "bands": item.bands,
            "raw_minutes": item.raw_minutes,
            "billed_minutes": item.billed_minutes,
            "quantity": item.quantity,
            "unit_price": item.unit_price,
            "multiplier": item.multiplier,
            "is_included": item.is_included,
            "amount": item.amount,
            "refers_to_number": item.refers_to_number,
        }
        for position, item in enumerate(pricing.items, start=1)
    ]
    lines = [
        {
            "statement_id": statement.id,
            "position": position,
            "kind": line.kind,
            "time_entry_id": line.time_entry_id,
            "resource_entry_id": line.resource_entry_id,
            "ticket_key": line.ticket_key,
            "ticket_title": line.ticket_title,
            "work_date": line.work_date,
            "agent_name": line.agent_name,
            "activity": line.activity,
            "description": line.description,
            "minutes": line.minutes,
            "raw_minutes": line.raw_minutes,
            "quantity": line.quantity,
            "amount": None,
        }
        for position, line in enumerate(pricing.lines, start=1)
    ]
    package_lines = [
        {
            "statement_id": statement.id,
            "position": position,
            "package_id": package.package_id,
            "package_name": package.package_name,
            "purchase_date": package.purchase_date,
            "expiry_date": package.expiry_date,
            "minutes_bought": package.minutes_bought,
            "opening_minutes": package.opening_minutes,
            "consumed_minutes": package.consumed_minutes,
            "closing_minutes": package.closing_minutes,
        }
        for position, package in enumerate(pricing.packages, start=1)
    ]
    draws = [
        {
            "statement_id": statement.id,
            "package_id": draw.package_id,
            "time_entry_id": draw.time_entry_id,
            "work_date": draw.work_date,
            "minutes": draw.minutes,
        }
        for draw in pricing.draws
    ]
    for model, rows in (
        (StatementItem, items),
        (StatementLine, lines),
        (StatementPackageLine, package_lines),
        (PackageDraw, draws),
    ):
        if rows:
            db.session.execute(sa.insert(model), rows)
    db.session.expire(statement, ["items", "lines", "package_lines"])


def _record_issue(
    actor: User,
    statement: Statement,
    pricing: Pricing,
    billed_ids: _BilledIds,
    override_reason: str | None,
) -> None:
    after = {
        "number": statement.number,
        "customer_id": statement.customer_id,
        "period_start": statement.period_start.isoformat(),
        "period_end": statement.period_end.isoformat(),
        "currency": statement.currency,
        "total_minutes": statement.total_minutes,
        "raw_minutes": statement.raw_minutes,
        "subtotal_amount": str(statement.subtotal_amount),
        "vat_amount": None if pricing.vat_amount is None else str(pricing.vat_amount),
        "total_amount": str(statement.total_amount),
        "item_count": len(pricing.items),
        "entry_ids": billed_ids.entries,
        "resource_ids": billed_ids.resources,
        "adjustment_ids": billed_ids.adjustments,
        "package_minutes": {
            str(package.package_id): package.consumed_minutes
            for package in pricing.packages
            if package.consumed_minutes
        },
    }
    if override_reason is not None:
        after["pending_entry_ids"] = billed_ids.pending_entries
        after["pending_resource_ids"] = billed_ids.pending_resources
    record_event(
        actor, "issued", statement, before=None, after=after, reason=override_reason
    )
    logger.info(
        "statement %s (id %s) issued for customer %s: %s entries, %s resources, "
        "%s min, %s %s%s",
        statement.number,
        statement.id,
        statement.customer_id,
        len(billed_ids.entries),
        len(billed_ids.resources),
        statement.total_minutes,
        statement.total_amount,
        statement.currency,
        " with pending entries overridden" if override_reason else "",
    )
