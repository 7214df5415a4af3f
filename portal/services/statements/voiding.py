"""Void an issued statement: it keeps its number, its work becomes billable again.

Voiding never deletes or edits the frozen items, lines or the issued PDF. It
sets the status and releases what the statement billed: its time and resource
entries, the adjustments it applied, and (because prepaid consumption counts
issued statements only) the minutes it drew from packages.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_timestamp
from portal.models import (
    Adjustment,
    ResourceEntry,
    Statement,
    StatementStatus,
    TimeEntry,
    User,
)
from portal.models.types import utcnow
from portal.services.audit import record_event
from portal.services.statements.selection import lock_customer

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 2000


class AlreadyVoidError(DomainError):
    """Raised when the statement was voided before this request, e.g. in another tab."""

    def __init__(self, statement: Statement) -> None:
        voided_by = statement.voided_by.name if statement.voided_by else ""
        message = _(
            "Statement %(number)s was already voided by %(name)s on %(when)s. "
            "Nothing was changed.",
            number=statement.number,
            name=voided_by,
            when=format_timestamp(statement.voided_at),
        )
        super().__init__(message, 409)
        self.statement_id = statement.id


def void_statement(actor: User, statement: Statement, reason: str) -> Statement:
    """Void an issued statement with a reason. The caller commits.

    Afterwards the caller requests the void copy of the PDF with
    pdf_jobs.request_render(statement.id, void_copy=True).
    Raise AlreadyVoidError (409) when another request voided it first.
    """
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Enter the reason for voiding the statement."), 422)
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _(
                "The reason is too long: use at most %(max)d characters.",
                max=MAX_REASON_LENGTH,
            ),
            422,
        )

    lock_customer(statement.customer_id)
    _set_void(actor, statement, reason)
    entry_ids = _release(TimeEntry, statement.id)
    resource_ids = _release(ResourceEntry, statement.id)
    reopened_ids = _reopen_adjustments(statement.id)
    cancelled_ids = _cancel_corrections(actor, statement)
    db.session.expire(statement)

    record_event(
        actor,
        "voided",
        statement,
        before={"status": StatementStatus.ISSUED.value},
        after={
            "status": StatementStatus.VOID.value,
            "number": statement.number,
            "entry_ids": entry_ids,
            "resource_ids": resource_ids,
            "reopened_adjustment_ids": reopened_ids,
            "cancelled_adjustment_ids": cancelled_ids,
        },
        reason=reason,
    )
    logger.info(
        "statement %s (id %s) voided by user %s: %s entries and %s resources "
        "billable again, %s adjustments open again, %s cancelled",
        statement.number,
        statement.id,
        actor.id,
        len(entry_ids),
        len(resource_ids),
        len(reopened_ids),
        len(cancelled_ids),
    )
    return statement


def _set_void(actor: User, statement: Statement, reason: str) -> None:
    """Mark the statement void unless another request already did."""
    result = db.session.execute(
        sa.update(Statement)
        .where(Statement.id == statement.id, Statement.status == StatementStatus.ISSUED)
        .values(
            status=StatementStatus.VOID,
            void_reason=reason,
            voided_at=utcnow(),
            voided_by_id=actor.id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return
    db.session.refresh(statement)
    logger.info(
        "void of statement %s by user %s rejected: already void",
        statement.id,
        actor.id,
    )
    raise AlreadyVoidError(statement)


def _release(
    model: type[TimeEntry] | type[ResourceEntry], statement_id: int
) -> list[int]:
    """Make the statement's time or resource entries unbilled and return their ids."""
    ids = list(
        db.session.scalars(
            sa.select(model.id).where(model.statement_id == statement_id)
        )
    )
    if ids:
        db.session.execute(
            sa.update(model)
            .where(model.id.in_(ids))
            .values(statement_id=None, version=model.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        for row in db.session.identity_map.values():
            if isinstance(row, model) and row.id in ids:
                db.session.expire(row)
    return sorted(ids)


def _reopen_adjustments(statement_id: int) -> list[int]:
    """Open again the adjustments the statement billed and return their ids."""
    ids = list(
        db.session.scalars(
            sa.select(Adjustment.id).where(
                Adjustment.applied_statement_id == statement_id
            )
        )
    )
    if ids:
        db.session.execute(
            sa.update(Adjustment)
            .where(Adjustment.id.in_(ids))
            .values(applied_statement_id=None)
            .execution_options(synchronize_session=False)
        )
    return sorted(ids)


def _cancel_corrections(actor: User, statement: Statement) -> list[int]:
    """Cancel the open adjustments that correct the voided statement.

    A correction of a void statement has nothing left to correct. Adjustments
    already billed on a later statement stay as billed.
    """
    open_corrections = list(
        db.session.scalars(
            sa.select(Adjustment).where(
                Adjustment.original_statement_id == statement.id,
                Adjustment.applied_statement_id.is_(None),
                Adjustment.cancelled_at.is_(None),
            )
        )
    )
    now = utcnow()
    for adjustment in open_corrections:
        adjustment.cancelled_at = now
        adjustment.cancelled_by_id = actor.id
        record_event(
            actor,
            "cancelled",
            adjustment,
            before={"cancelled_at": None},
            after={"cancelled_at": now.isoformat(), "cause": "statement voided"},
            reason=_("Statement %(number)s was voided.", number=statement.number),
        )
    return sorted(adjustment.id for adjustment in open_corrections)
