"""Statement acknowledgement: the customer accepts or disputes, accounts answer.

Each step adds one StatementAcknowledgement row, so the rows are the history
and the newest one sets the state. The rules:

- an acceptance is final: nothing can follow it;
- the customer can dispute a statement that is pending or whose dispute was
  answered, and can accept it in any state but accepted;
- the accounts office answers an open dispute, and only that;
- a void statement takes no step at all.

Every step writes an audit row on the statement. Functions flush; the caller
commits.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    AcknowledgementKind,
    Role,
    Statement,
    StatementAcknowledgement,
    User,
)
from portal.models.billing import StatementStatus
from portal.services.audit import record_event

logger = logging.getLogger(__name__)

MAX_COMMENT_LENGTH = 2000
ANSWERING_ROLES = frozenset({Role.ACCOUNTS, Role.ADMIN})


class AcknowledgementState(enum.StrEnum):
    """A statement's acknowledgement state: the kind of its newest step, or pending."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DISPUTED = "disputed"
    ANSWERED = "answered"


@dataclass(frozen=True)
class AllowedSteps:
    """The steps the rules allow next on a statement."""

    accept: bool
    dispute: bool
    answer: bool


@dataclass(frozen=True)
class OpenDispute:
    """A statement whose newest step is a dispute, with that dispute."""

    statement: Statement
    dispute: StatementAcknowledgement


def acknowledgement_history(statement_id: int) -> list[StatementAcknowledgement]:
    """Return the statement's steps, oldest first, with their users."""
    query = (
        sa.select(StatementAcknowledgement)
        .where(StatementAcknowledgement.statement_id == statement_id)
        .options(joinedload(StatementAcknowledgement.user))
        .order_by(StatementAcknowledgement.id)
    )
    return list(db.session.scalars(query))


def state_of(history: list[StatementAcknowledgement]) -> AcknowledgementState:
    """Return the state that the newest step of history sets."""
    if not history:
        return AcknowledgementState.PENDING
    return AcknowledgementState(history[-1].kind.value)


def states_by_statement(
    statement_ids: Iterable[int],
) -> dict[int, AcknowledgementState]:
    """Return the state of each statement in one query, pending when it has no step."""
    ids = list(statement_ids)
    states = dict.fromkeys(ids, AcknowledgementState.PENDING)
    if not ids:
        return states

    newest = _newest_step_ids().where(StatementAcknowledgement.statement_id.in_(ids))
    newest = newest.subquery()
    query = sa.select(
        StatementAcknowledgement.statement_id, StatementAcknowledgement.kind
    ).join(newest, StatementAcknowledgement.id == newest.c.id)
    for statement_id, kind in db.session.execute(query):
        states[statement_id] = AcknowledgementState(kind.value)
    return states


def allowed_steps(statement: Statement, state: AcknowledgementState) -> AllowedSteps:
    """Return which steps the rules allow on a statement in state."""
    if statement.status != StatementStatus.ISSUED:
        return AllowedSteps(accept=False, dispute=False, answer=False)
    return AllowedSteps(
        accept=state != AcknowledgementState.ACCEPTED,
        dispute=state in (AcknowledgementState.PENDING, AcknowledgementState.ANSWERED),
        answer=state == AcknowledgementState.DISPUTED,
    )


def accept_statement(actor: User, statement: Statement) -> StatementAcknowledgement:
    """Record the customer's acceptance of the statement, which is final."""
    _check_customer(actor, statement)
    before = _lock_and_read_state(statement)
    if not allowed_steps(statement, before).accept:
        _reject_step(statement, actor, "accept", before)
    return _add_step(actor, statement, AcknowledgementKind.ACCEPTED, "", before)


def dispute_statement(
    actor: User, statement: Statement, comment: str
) -> StatementAcknowledgement:
    """Record the customer's dispute of the statement, with their reasons."""
    _check_customer(actor, statement)
    comment = _checked_comment(comment)
    before = _lock_and_read_state(statement)
    if not allowed_steps(statement, before).dispute:
        _reject_step(statement, actor, "dispute", before)
    return _add_step(actor, statement, AcknowledgementKind.DISPUTED, comment, before)


def answer_dispute(
    actor: User, statement: Statement, comment: str
) -> StatementAcknowledgement:
    """Record the accounts office's answer to the statement's open dispute."""
    if actor.role not in ANSWERING_ROLES:
        raise DomainError(_("Only the accounts office can answer a dispute."), 403)
    comment = _checked_comment(comment)
    before = _lock_and_read_state(statement)
    if not allowed_steps(statement, before).answer:
        _reject_step(statement, actor, "answer", before)
    return _add_step(actor, statement, AcknowledgementKind.ANSWERED, comment, before)


def open_disputes() -> list[OpenDispute]:
    """Return the issued statements whose newest step is a dispute, oldest first."""
    newest = _newest_step_ids().subquery()
    query = (
        sa.select(StatementAcknowledgement, Statement)
        .join(newest, StatementAcknowledgement.id == newest.c.id)
        .join(Statement, Statement.id == StatementAcknowledgement.statement_id)
        .where(
            StatementAcknowledgement.kind == AcknowledgementKind.DISPUTED,
            Statement.status == StatementStatus.ISSUED,
        )
        .options(joinedload(StatementAcknowledgement.user))
        .order_by(StatementAcknowledgement.id)
    )
    return [
        OpenDispute(statement=statement, dispute=dispute)
        for dispute, statement in db.session.execute(query)
    ]


def open_dispute_count() -> int:
    """Count the issued statements whose newest step is a dispute."""
    newest = _newest_step_ids().subquery()
    query = (
        sa.select(sa.func.count())
        .select_from(StatementAcknowledgement)
        .join(newest, StatementAcknowledgement.id == newest.c.id)
        .join(Statement, Statement.id == StatementAcknowledgement.statement_id)
        .where(
            StatementAcknowledgement.kind == AcknowledgementKind.DISPUTED,
            Statement.status == StatementStatus.ISSUED,
        )
    )
    return db.session.scalar(query) or 0


def _newest_step_ids() -> sa.Select:
    # Ids grow with every step, so the largest id is the newest step even when
    # two steps share a created_at.
    return sa.select(sa.func.max(StatementAcknowledgement.id).label("id")).group_by(
        StatementAcknowledgement.statement_id
    )


def _check_customer(actor: User, statement: Statement) -> None:
    if actor.role != Role.CUSTOMER or actor.customer_id != statement.customer_id:
        logger.warning(
            "user %s may not acknowledge statement %s of customer %s",
            actor.id,
            statement.id,
            statement.customer_id,
        )
        raise DomainError(
            _("Only the customer's own users can accept or dispute a statement."), 403
        )


def _checked_comment(comment: str | None) -> str:
    """Return the stripped comment, or raise DomainError 422 if empty or too long."""
    text = (comment or "").strip()
    if not text:
        raise DomainError(_("Write a comment that explains your reasons."), 422)
    if len(text) > MAX_COMMENT_LENGTH:
        raise DomainError(
            _(
                "The comment can be at most %(max)d characters long, but it has "
                "%(length)d. Shorten it and send it again.",
                max=MAX_COMMENT_LENGTH,
                length=len(text),
            ),
            422,
        )
    return text


def _lock_and_read_state(statement: Statement) -> AcknowledgementState:
    """Lock the statement row until commit and return its current state.

    PostgreSQL makes concurrent steps on one statement wait here, so two
    acceptances cannot both pass the check. SQLite has a single writer and
    ignores FOR UPDATE.
    """
    lock = sa.select(Statement.id).where(Statement.id == statement.id)
    db.session.execute(lock.with_for_update())
    return state_of(acknowledgement_history(statement.id))


def _reject_step(
    statement: Statement, actor: User, step: str, state: AcknowledgementState
) -> None:
    logger.info(
        "%s of statement %s by user %s rejected: statement is %s, state %s",
        step,
        statement.id,
        actor.id,
        statement.status.value,
        state.value,
    )
    raise DomainError(_rejection_message(statement, state), 409)


def _rejection_message(statement: Statement, state: AcknowledgementState) -> str:
    if statement.status != StatementStatus.ISSUED:
        return _(
            "Statement %(number)s is void, so it can no longer be accepted, "
            "disputed or answered.",
            number=statement.number,
        )
    messages = {
        AcknowledgementState.ACCEPTED: _(
            "Statement %(number)s has already been accepted, and an acceptance "
            "is final.",
            number=statement.number,
        ),
        AcknowledgementState.DISPUTED: _(
            "Statement %(number)s already has an open dispute. Wait for the "
            "answer of our accounts office before you dispute it again.",
            number=statement.number,
        ),
    }
    return messages.get(
        state,
        _(
            "Statement %(number)s has no open dispute to answer.",
            number=statement.number,
        ),
    )


def _add_step(
    actor: User,
    statement: Statement,
    kind: AcknowledgementKind,
    comment: str,
    before: AcknowledgementState,
) -> StatementAcknowledgement:
    step = StatementAcknowledgement(
        statement_id=statement.id, user_id=actor.id, kind=kind, comment=comment
    )
    db.session.add(step)
    db.session.flush()

    record_event(
        actor,
        f"acknowledgement_{kind.value}",
        statement,
        before={"acknowledgement": before.value},
        after={"acknowledgement": kind.value, "acknowledgement_id": step.id},
        reason=comment or None,
    )
    return step
