"""Adjustments: credits and debits that correct an issued statement.

An adjustment is billed as an ADJUSTMENT item on the customer's next
statement, which prints the number of the statement it corrects. While it is
open (not yet billed) accounts may cancel it. Voiding the statement that
billed it opens it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_timestamp
from portal.models import Adjustment, Statement, User
from portal.models.types import utcnow
from portal.services.audit import record_event
from portal.services.statements.selection import lock_customer

logger = logging.getLogger(__name__)

MAX_REASON_LENGTH = 2000
# Adjustments are stored as NUMERIC(12, 2).
MAX_AMOUNT = Decimal("9999999999.99")
APPLIED_SHOWN = 100


def create_adjustment(
    actor: User, statement: Statement, amount: Decimal, reason: str
) -> Adjustment:
    """Create an open adjustment of statement. The caller commits.

    Raise DomainError 409 when the statement is void or an identical open
    adjustment exists (a form sent twice), and 422 for an invalid amount or
    reason, which the form normally catches first.
    """
    reason = (reason or "").strip()
    _check_values(amount, reason)
    lock_customer(statement.customer_id)
    db.session.refresh(statement)
    if statement.is_void:
        logger.info(
            "adjustment of statement %s by user %s rejected: statement is void",
            statement.id,
            actor.id,
        )
        raise DomainError(
            _(
                "Statement %(number)s is void, so it cannot be adjusted. Bill the "
                "work again on a new statement instead.",
                number=statement.number,
            ),
            409,
        )
    _check_duplicate(actor, statement, amount, reason)

    adjustment = Adjustment(
        customer_id=statement.customer_id,
        original_statement_id=statement.id,
        amount=amount,
        reason=reason,
        created_by_id=actor.id,
    )
    db.session.add(adjustment)
    db.session.flush()
    record_event(
        actor,
        "created",
        adjustment,
        after={
            "customer_id": adjustment.customer_id,
            "original_statement": statement.number,
            "amount": str(amount),
        },
        reason=reason,
    )
    return adjustment


def _check_values(amount: Decimal, reason: str) -> None:
    if not reason:
        raise DomainError(_("Enter the reason, which the customer will see."), 422)
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError(
            _(
                "The reason is too long: use at most %(max)d characters.",
                max=MAX_REASON_LENGTH,
            ),
            422,
        )
    if not isinstance(amount, Decimal) or amount != amount.quantize(Decimal("0.01")):
        raise DomainError(_("Enter an amount with at most two decimals."), 422)
    if amount == 0:
        raise DomainError(
            _("Enter an amount other than zero: negative for a credit."), 422
        )
    if abs(amount) > MAX_AMOUNT:
        raise DomainError(
            _("Enter an amount of at most %(max)s.", max=str(MAX_AMOUNT)), 422
        )


def _check_duplicate(
    actor: User, statement: Statement, amount: Decimal, reason: str
) -> None:
    """Reject a second open adjustment with the same statement, amount and reason."""
    query = sa.select(Adjustment).where(
        Adjustment.original_statement_id == statement.id,
        Adjustment.amount == amount,
        Adjustment.reason == reason,
        Adjustment.applied_statement_id.is_(None),
        Adjustment.cancelled_at.is_(None),
    )
    existing = db.session.scalars(query.limit(1)).first()
    if existing is None:
        return
    logger.info(
        "adjustment of statement %s by user %s rejected: same as adjustment %s",
        statement.id,
        actor.id,
        existing.id,
    )
    raise DomainError(
        _(
            "The same adjustment of statement %(number)s was already created on "
            "%(when)s and is still open. It was not created again.",
            number=statement.number,
            when=format_timestamp(existing.created_at),
        ),
        409,
    )


def cancel_adjustment(actor: User, adjustment: Adjustment) -> Adjustment:
    """Cancel an open adjustment. The caller commits.

    Raise DomainError 409 when it is already cancelled or already billed.
    """
    lock_customer(adjustment.customer_id)
    now = utcnow()
    result = db.session.execute(
        sa.update(Adjustment)
        .where(
            Adjustment.id == adjustment.id,
            Adjustment.applied_statement_id.is_(None),
            Adjustment.cancelled_at.is_(None),
        )
        .values(cancelled_at=now, cancelled_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(adjustment)
    if result.rowcount != 1:
        logger.info(
            "cancel of adjustment %s by user %s rejected: no longer open",
            adjustment.id,
            actor.id,
        )
        raise DomainError(_closed_message(adjustment), 409)

    record_event(
        actor,
        "cancelled",
        adjustment,
        before={"cancelled_at": None},
        after={"cancelled_at": now.isoformat()},
    )
    return adjustment


def _closed_message(adjustment: Adjustment) -> str:
    if adjustment.applied_statement is not None:
        return _(
            "This adjustment was already billed on statement %(number)s, so it "
            "can no longer be cancelled. Void that statement or add another "
            "adjustment.",
            number=adjustment.applied_statement.number,
        )
    return _(
        "This adjustment was already cancelled by %(name)s on %(when)s.",
        name=adjustment.cancelled_by.name if adjustment.cancelled_by else "",
        when=format_timestamp(adjustment.cancelled_at),
    )


@dataclass(frozen=True)
class AdjustmentLists:
    """Open adjustments, all of them, and the most recently billed ones."""

    open: tuple[Adjustment, ...]
    applied: tuple[Adjustment, ...]


def list_adjustments() -> AdjustmentLists:
    """Return every open adjustment and the last APPLIED_SHOWN billed ones.

    NOTE: older billed adjustments are not listed here. Each statement shows its own.
    """
    options = [
        joinedload(Adjustment.customer),
        joinedload(Adjustment.original_statement),
        joinedload(Adjustment.applied_statement),
        joinedload(Adjustment.created_by),
    ]
    open_query = (
        sa.select(Adjustment)
        .where(
            Adjustment.applied_statement_id.is_(None),
            Adjustment.cancelled_at.is_(None),
        )
        .options(*options)
        .order_by(Adjustment.created_at.desc(), Adjustment.id.desc())
    )
    applied_query = (
        sa.select(Adjustment)
        .where(Adjustment.applied_statement_id.is_not(None))
        .options(*options)
        .order_by(Adjustment.created_at.desc(), Adjustment.id.desc())
        .limit(APPLIED_SHOWN)
    )
    return AdjustmentLists(
        open=tuple(db.session.scalars(open_query).unique()),
        applied=tuple(db.session.scalars(applied_query).unique()),
    )
