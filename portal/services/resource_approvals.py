"""Decisions on resources: approve, reject, decide a selection, reverse an approval.

The rules are those of time entries (portal.services.approvals). An approver
decides only the resources of agents in the teams they approve (admins decide
any), no user decides their own, and a resource on an issued statement no longer
changes. Decisions lock the rows (SELECT ... FOR UPDATE on PostgreSQL) before
they check them, so of two approvers deciding one resource at once, the second
reads the first decision and gets 409 "Already approved by ...".
ResourceEntry.version is the second guard: an UPDATE that finds another version
raises StaleDataError, which becomes the same 409 message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm import aliased, contains_eager
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_timestamp
from portal.models import AuditEvent, EntryStatus, ResourceEntry, Ticket, User
from portal.models.types import utcnow
from portal.services import resource_notifications
from portal.services.approval_queue import ApproverScope, QueueFilter, scope_for
from portal.services.approvals import (
    MAX_SELECTION,
    BulkDecisionError,
    BulkResult,
    Decision,
    ReasonKind,
    SkippedEntry,
    clean_reason,
)
from portal.services.audit import record_event, snapshot

logger = logging.getLogger(__name__)

DECISION_FIELDS = ["status", "decided_by_id", "rejection_reason"]
REVERSAL_FIELDS = ["status", "decided_by_id", "decided_at", "rejection_reason"]
REVERSED_ACTION = "approval_reversed"
# The queue section shows at most this many resources; the filters narrow it.
MAX_QUEUE_RESOURCES = 300


# --- Decisions on one resource -----------------------------------------------


def approve_resource(
    actor: User,
    resource: ResourceEntry,
    expected_version: int | None = None,
    scope: ApproverScope | None = None,
) -> ResourceEntry:
    """Approve one submitted resource of another agent.

    Raises DomainError: 403 for one's own resource, 404 for a deleted one or one
    outside the approver's teams, 409 for one already decided, billed or
    changed since expected_version.
    """
    _lock(resource)
    _raise_denial(actor, resource, expected_version, scope or scope_for(actor))
    _decide(actor, resource, EntryStatus.APPROVED, None)
    _flush_decision(resource)
    return resource


def reject_resource(
    actor: User,
    resource: ResourceEntry,
    reason: str,
    expected_version: int | None = None,
    scope: ApproverScope | None = None,
) -> ResourceEntry:
    """Reject one submitted resource of another agent and notify the agent.

    Raises DomainError 422 for a missing or too long reason, else as
    approve_resource.
    """
    reason = clean_reason(reason)
    _lock(resource)
    _raise_denial(actor, resource, expected_version, scope or scope_for(actor))
    _decide(actor, resource, EntryStatus.REJECTED, reason)
    _flush_decision(resource)
    resource_notifications.notify_resources_rejected(actor, [resource], reason)
    return resource


def reverse_resource_approval(
    actor: User,
    resource: ResourceEntry,
    reason: str,
    expected_version: int | None = None,
    scope: ApproverScope | None = None,
) -> ResourceEntry:
    """Put an approved resource back in the queue, with the reason, and notify.

    The resource becomes submitted again and loses its decision. Raises
    DomainError: 422 for a missing reason, 404 outside the approver's teams,
    403 for one's own resource, 409 for a resource on an issued statement, not
    approved, or changed since expected_version.
    """
    reason = clean_reason(reason, ReasonKind.REVERSAL)
    _lock(resource)
    _check_reversible(actor, resource, expected_version, scope or scope_for(actor))

    before = snapshot(resource, REVERSAL_FIELDS)
    resource.status = EntryStatus.SUBMITTED
    resource.decided_by = None
    resource.decided_by_id = None
    resource.decided_at = None
    resource.rejection_reason = None
    record_event(
        actor,
        REVERSED_ACTION,
        resource,
        before,
        snapshot(resource, REVERSAL_FIELDS),
        reason,
    )
    _flush_decision(resource)
    resource_notifications.notify_resource_approval_reversed(actor, resource, reason)
    return resource


# --- Decisions on a selection ------------------------------------------------


def decide_resources(
    actor: User,
    decision: Decision,
    expected_versions: Mapping[int, int],
    reason: str | None = None,
    scope: ApproverScope | None = None,
) -> BulkResult:
    """Approve or reject the selected resources that actor may decide.

    expected_versions maps each selected resource id to the version the
    approver was shown. Resources that are missing, outside the approver's
    teams, their own, billed, already decided or changed are skipped with the
    reason. Raises DomainError 422 for an empty or too large selection or,
    when rejecting, a missing reason, and BulkDecisionError when none could be
    decided.
    """
    if not expected_versions:
        raise DomainError(_("Select at least one resource."), 422)
    if len(expected_versions) > MAX_SELECTION:
        raise DomainError(
            _("Select at most %(max)d resources at once.", max=MAX_SELECTION), 422
        )
    if decision == Decision.REJECT:
        reason = clean_reason(reason)

    scope = scope or scope_for(actor)
    resources = _lock_many(list(expected_versions))
    result = BulkResult()
    found = {resource.id for resource in resources}
    for resource_id in sorted(set(expected_versions) - found):
        result.skipped.append(SkippedEntry(resource_id, None, None, _missing()))

    status = (
        EntryStatus.APPROVED if decision == Decision.APPROVE else EntryStatus.REJECTED
    )
    for resource in resources:
        denial = _denial(actor, resource, expected_versions.get(resource.id), scope)
        if denial is not None:
            result.skipped.append(
                SkippedEntry(
                    resource.id, resource.work_date, resource.ticket.key, denial[0]
                )
            )
            continue
        _decide(actor, resource, status, reason)
        result.decided.append(resource)

    _finish_bulk(actor, decision, result, reason)
    return result


def _finish_bulk(
    actor: User, decision: Decision, result: BulkResult, reason: str | None
) -> None:
    if not result.decided:
        logger.info(
            "user %s decided none of the resources %s",
            actor.id,
            [skipped.entry_id for skipped in result.skipped],
        )
        message = (
            result.skipped[0].reason
            if len(result.skipped) == 1
            else ngettext(
                "No resource was decided.",
                "None of the %(num)d resources was decided.",
                len(result.skipped),
            )
        )
        raise BulkDecisionError(message, result.skipped)

    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        logger.info(
            "bulk decision of user %s hit a concurrent change: %s", actor.id, error
        )
        raise DomainError(_changed(), 409) from error
    if decision == Decision.REJECT and reason is not None:
        resource_notifications.notify_resources_rejected(actor, result.decided, reason)
    logger.info(
        "user %s %s %d resources and skipped %d",
        actor.id,
        "approved" if decision == Decision.APPROVE else "rejected",
        len(result.decided),
        len(result.skipped),
    )


# --- Locks and checks --------------------------------------------------------


def _lock(resource: ResourceEntry) -> None:
    # Reload the row under a lock so the checks see the latest decision.
    # SQLite ignores FOR UPDATE, but it allows one writer at a time.
    try:
        db.session.refresh(resource, with_for_update=True)
    except sa.exc.InvalidRequestError as error:
        resource_id = sa.inspect(resource).identity[0]
        logger.info(
            "resource %s was deleted before the decision: %s", resource_id, error
        )
        raise DomainError(_missing(), 404) from error


def _lock_many(resource_ids: list[int]) -> list[ResourceEntry]:
    """Lock the resources in id order, so two bulk decisions cannot deadlock."""
    query = (
        sa.select(ResourceEntry)
        .where(ResourceEntry.id.in_(resource_ids))
        .order_by(ResourceEntry.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    resources = list(db.session.scalars(query))
    if resources:
        # Load the tickets and agents the checks and messages read, in two queries.
        ticket_ids = {resource.ticket_id for resource in resources}
        user_ids = {resource.agent_id for resource in resources}
        user_ids |= {r.decided_by_id for r in resources if r.decided_by_id}
        db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ticket_ids))).all()
        db.session.scalars(sa.select(User).where(User.id.in_(user_ids))).all()
    return resources


def _flush_decision(resource: ResourceEntry) -> None:
    """Write the decision, or raise 409 naming the user who decided it meanwhile."""
    resource_id = resource.id
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        logger.info("decision on resource %s lost a race: %s", resource_id, error)
        current = db.session.get(ResourceEntry, resource_id)
        message = _not_waiting(current) if current is not None else _missing()
        raise DomainError(message, 409) from error


def _raise_denial(
    actor: User,
    resource: ResourceEntry,
    expected_version: int | None,
    scope: ApproverScope,
) -> None:
    denial = _denial(actor, resource, expected_version, scope)
    if denial is not None:
        raise DomainError(*denial)


def _denial(
    actor: User,
    resource: ResourceEntry,
    expected_version: int | None,
    scope: ApproverScope,
) -> tuple[str, int] | None:
    """Return why actor may not decide resource, with the HTTP status, or None."""
    if resource.agent_id == actor.id:
        logger.warning(
            "user %s tried to decide their own resource %s", actor.id, resource.id
        )
        return _own_resources(), 403
    if not scope.allows_agent(resource.agent):
        _log_out_of_scope(actor, resource)
        return _missing(), 404
    if resource.statement_id is not None:
        logger.info(
            "cannot decide resource %s: it is on statement %s",
            resource.id,
            resource.statement_id,
        )
        return _billed(), 409
    if resource.status != EntryStatus.SUBMITTED:
        logger.info(
            "cannot decide resource %s: its status is %s", resource.id, resource.status
        )
        return _not_waiting(resource), 409
    if expected_version is not None and resource.version != expected_version:
        logger.info(
            "cannot decide resource %s: version %s, the approver saw %s",
            resource.id,
            resource.version,
            expected_version,
        )
        return _changed(), 409
    return None


def _check_reversible(
    actor: User,
    resource: ResourceEntry,
    expected_version: int | None,
    scope: ApproverScope,
) -> None:
    if resource.agent_id == actor.id:
        logger.warning(
            "user %s tried to reverse the approval of their own resource %s",
            actor.id,
            resource.id,
        )
        raise DomainError(
            _("You cannot reverse the approval of your own resource."), 403
        )
    if not scope.allows_agent(resource.agent):
        _log_out_of_scope(actor, resource)
        raise DomainError(_missing(), 404)
    if resource.statement_id is not None:
        logger.info(
            "cannot reverse resource %s: it is on statement %s",
            resource.id,
            resource.statement_id,
        )
        raise DomainError(
            _(
                "This resource is on an issued statement, so its approval can no "
                "longer be reversed."
            ),
            409,
        )
    if resource.status != EntryStatus.APPROVED:
        logger.info(
            "cannot reverse resource %s: its status is %s", resource.id, resource.status
        )
        raise DomainError(_not_approved(resource), 409)
    if expected_version is not None and resource.version != expected_version:
        raise DomainError(_changed(), 409)


def _log_out_of_scope(actor: User, resource: ResourceEntry) -> None:
    logger.info(
        "user %s may not decide resource %s of agent %s: not in their teams",
        actor.id,
        resource.id,
        resource.agent_id,
    )


def _decide(
    actor: User, resource: ResourceEntry, status: EntryStatus, reason: str | None
) -> None:
    before = snapshot(resource, DECISION_FIELDS)
    resource.status = status
    resource.decided_by = actor
    resource.decided_by_id = actor.id
    resource.decided_at = utcnow()
    resource.rejection_reason = reason
    record_event(
        actor,
        status.value,
        resource,
        before,
        snapshot(resource, DECISION_FIELDS),
        reason,
    )


# --- Messages ----------------------------------------------------------------


def _missing() -> str:
    return _("This resource no longer exists. Reload the page.")


def _own_resources() -> str:
    return _(
        "You cannot approve or reject your own resources. "
        "Another team lead has to decide them."
    )


def _billed() -> str:
    return _("This resource is on an issued statement and can no longer change.")


def _changed() -> str:
    return _(
        "This resource was changed after you loaded the page. "
        "Reload the page and review it again."
    )


def _not_waiting(resource: ResourceEntry) -> str:
    decided = resource.status in (EntryStatus.APPROVED, EntryStatus.REJECTED)
    if not decided or resource.decided_by is None or resource.decided_at is None:
        return _("This resource is no longer waiting for approval. Reload the page.")
    params = {
        "name": resource.decided_by.name,
        "when": format_timestamp(resource.decided_at),
    }
    if resource.status == EntryStatus.APPROVED:
        return _("Already approved by %(name)s on %(when)s.", **params)
    return _("Already rejected by %(name)s on %(when)s.", **params)


def _not_approved(resource: ResourceEntry) -> str:
    if resource.status == EntryStatus.SUBMITTED:
        event = _last_reversal(resource)
        if event is not None and event.actor is not None:
            return _(
                "The approval was already reversed by %(name)s on %(when)s.",
                name=event.actor.name,
                when=format_timestamp(event.occurred_at),
            )
    if resource.status == EntryStatus.REJECTED and resource.decided_by is not None:
        return _not_waiting(resource)
    return _("This resource is not approved, so there is no approval to reverse.")


def _last_reversal(resource: ResourceEntry) -> AuditEvent | None:
    query = (
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == ResourceEntry.__tablename__,
            AuditEvent.object_id == resource.id,
            AuditEvent.action == REVERSED_ACTION,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


# --- The queue section -------------------------------------------------------


@dataclass(frozen=True)
class ResourceQueue:
    """The resources one queue view shows; truncated when more matched."""

    resources: list[ResourceEntry]
    truncated: bool


def load_resource_queue(
    scope: ApproverScope, filters: QueueFilter, limit: int = MAX_QUEUE_RESOURCES
) -> ResourceQueue:
    """Return the resources in scope with the filters' status, team, agent, customer.

    Waiting resources come oldest first, decided ones newest first. One query
    loads them with their agent, ticket, customer and decider.
    """
    decider = aliased(User, name="resource_decider")
    query = (
        sa.select(ResourceEntry)
        .join(ResourceEntry.agent)
        .join(ResourceEntry.ticket)
        .join(Ticket.customer)
        .outerjoin(decider, ResourceEntry.decided_by)
        .where(ResourceEntry.status == filters.status, scope.condition())
        .options(
            contains_eager(ResourceEntry.agent),
            contains_eager(ResourceEntry.ticket).contains_eager(Ticket.customer),
            contains_eager(ResourceEntry.decided_by.of_type(decider)),
        )
    )
    if filters.is_waiting_view:
        query = query.where(ResourceEntry.statement_id.is_(None)).order_by(
            ResourceEntry.work_date, Ticket.key, ResourceEntry.id
        )
    else:
        query = query.order_by(
            ResourceEntry.work_date.desc(), Ticket.key, ResourceEntry.id.desc()
        )
    if filters.team_id is not None:
        query = query.where(User.team_id == filters.team_id)
    if filters.agent_id is not None:
        query = query.where(ResourceEntry.agent_id == filters.agent_id)
    if filters.customer_id is not None:
        query = query.where(Ticket.customer_id == filters.customer_id)

    resources = list(db.session.scalars(query.limit(limit + 1)).unique())
    return ResourceQueue(resources[:limit], len(resources) > limit)


def load_resource(scope: ApproverScope, resource_id: int) -> ResourceEntry | None:
    """Return one resource in scope, or the approver's own, with its details.

    The approver's own resource is returned so that the decision can reject it
    with a message of its own instead of a 404.
    """
    query = (
        sa.select(ResourceEntry)
        .join(ResourceEntry.agent)
        .join(ResourceEntry.ticket)
        .join(Ticket.customer)
        .where(
            ResourceEntry.id == resource_id,
            sa.or_(scope.condition(), ResourceEntry.agent_id == scope.user_id),
        )
        .options(
            contains_eager(ResourceEntry.agent),
            contains_eager(ResourceEntry.ticket).contains_eager(Ticket.customer),
        )
    )
    return db.session.scalar(query)
