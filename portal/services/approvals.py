"""Decisions on time entries: approve, reject, decide a selection, reverse.

Decisions lock the entry rows (SELECT ... FOR UPDATE on PostgreSQL) before they
check them. When two team leads decide the same entry at once, the second one
waits for the lock and then reads the first decision. TimeEntry.version is a
second guard: an UPDATE that finds another version raises StaleDataError, which
the app turns into a 409 response.

An approver decides only entries of agents in the teams they approve (admins
decide any), and no user decides their own entries. A decision on one entry
raises DomainError when it is not allowed. A decision on several entries (a
selection or an agent's week) decides those it may and reports the others as
skipped with the reason; when it decides none, it raises BulkDecisionError.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_day, format_timestamp
from portal.models import AuditEvent, EntryStatus, Ticket, TimeEntry, User
from portal.models.types import utcnow
from portal.services import notifications
from portal.services.approval_queue import (
    TIME_LOGGING_ROLES,
    ApproverScope,
    scope_for,
    week_start_of,
)
from portal.services.audit import record_event, snapshot

__all__ = [
    "TIME_LOGGING_ROLES",
    "BulkDecisionError",
    "BulkResult",
    "Decision",
    "approve_entry",
    "approve_group",
    "decide_entries",
    "reject_entry",
    "reverse_approval",
]

logger = logging.getLogger(__name__)

AUDITED_FIELDS = ["status", "decided_by_id", "rejection_reason"]
REVERSAL_FIELDS = ["status", "decided_by_id", "decided_at", "rejection_reason"]
MAX_REASON_LENGTH = 1000
# A selection larger than this is rejected, so one request stays short.
MAX_SELECTION = 1000
REVERSED_ACTION = "approval_reversed"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ReasonKind(enum.Enum):
    REJECTION = "rejection"
    REVERSAL = "reversal"


@dataclass(frozen=True)
class SkippedEntry:
    """An entry a bulk decision left alone, with the translated reason."""

    entry_id: int
    work_date: date | None
    ticket_key: str | None
    reason: str


@dataclass
class BulkResult:
    """The entries a bulk decision decided and those it skipped."""

    decided: list[TimeEntry] = field(default_factory=list)
    skipped: list[SkippedEntry] = field(default_factory=list)


class BulkDecisionError(DomainError):
    """A bulk decision that decided no entry; skipped gives each entry's reason."""

    def __init__(self, message: str, skipped: list[SkippedEntry]) -> None:
        super().__init__(message, 409)
        self.skipped = skipped


# Decisions on one entry


def approve_entry(
    actor: User,
    entry: TimeEntry,
    expected_version: int | None = None,
    scope: ApproverScope | None = None,
) -> TimeEntry:
    """Approve one submitted entry of another agent.

    expected_version is the version the approver was shown. When it is given, an
    entry changed since then is not approved. Raises DomainError: 403 for one's
    own entry, 404 for a deleted one or one outside the approver's teams, 409 for
    one already decided, billed or changed.
    """
    _lock_entry(entry)
    _raise_denial(actor, entry, expected_version, scope or scope_for(actor))
    _decide(actor, entry, EntryStatus.APPROVED, reason=None)
    db.session.flush()
    return entry


def reject_entry(
    actor: User,
    entry: TimeEntry,
    reason: str,
    expected_version: int | None = None,
    scope: ApproverScope | None = None,
) -> TimeEntry:
    """Reject one submitted entry of another agent and notify the agent.

    Raises DomainError 422 for an empty or too long reason and otherwise the same
    errors as approve_entry.
    """
    reason = clean_reason(reason)
    _lock_entry(entry)
    _raise_denial(actor, entry, expected_version, scope or scope_for(actor))
    _decide(actor, entry, EntryStatus.REJECTED, reason=reason)
    db.session.flush()
    notifications.notify_entries_rejected(actor, [entry], reason)
    return entry


def reverse_approval(
    actor: User,
    entry: TimeEntry,
    reason: str,
    expected_version: int | None = None,
    scope: ApproverScope | None = None,
) -> TimeEntry:
    """Put an approved entry back in the queue, with the reason, and notify its agent.

    The entry becomes submitted again and loses its decision. Raises DomainError:
    422 for a missing or too long reason, 404 for an entry outside the
    approver's teams, 403 for one's own entry, 409 for an entry that is on a
    statement, is not approved or changed after expected_version.
    """
    reason = clean_reason(reason, ReasonKind.REVERSAL)
    _lock_entry(entry)
    _check_reversible(actor, entry, expected_version, scope or scope_for(actor))

    before = snapshot(entry, REVERSAL_FIELDS)
    entry.status = EntryStatus.SUBMITTED
    entry.decided_by = None
    entry.decided_by_id = None
    entry.decided_at = None
    entry.rejection_reason = None
    after = snapshot(entry, REVERSAL_FIELDS)
    record_event(actor, REVERSED_ACTION, entry, before, after, reason)
    db.session.flush()

    notifications.notify_approval_reversed(actor, entry, reason)
    return entry


def clean_reason(reason: str | None, kind: ReasonKind = ReasonKind.REJECTION) -> str:
    """Return the reason without surrounding blanks, or raise DomainError 422."""
    text = (reason or "").strip()
    if not text:
        if kind == ReasonKind.REVERSAL:
            raise DomainError(_("Enter the reason for reversing the approval."), 422)
        raise DomainError(_("Enter the reason for the rejection."), 422)
    if len(text) > MAX_REASON_LENGTH:
        raise DomainError(
            _(
                "The reason can be at most %(max)d characters long.",
                max=MAX_REASON_LENGTH,
            ),
            422,
        )
    return text


# Decisions on several entries


def decide_entries(
    actor: User,
    decision: Decision,
    expected_versions: Mapping[int, int],
    reason: str | None = None,
    scope: ApproverScope | None = None,
) -> BulkResult:
    """Approve or reject the selected entries that actor may decide.

    expected_versions maps each selected entry id to the version the approver
    was shown. Entries that are missing, outside the approver's teams, their
    own, billed, already decided or changed are skipped with the reason.
    Raises DomainError 422 for an empty selection or, when rejecting, a missing
    reason, and BulkDecisionError when no entry could be decided.
    """
    if not expected_versions:
        raise DomainError(_("Select at least one entry."), 422)
    if len(expected_versions) > MAX_SELECTION:
        raise DomainError(
            _("Select at most %(max)d entries at once.", max=MAX_SELECTION), 422
        )
    if decision == Decision.REJECT:
        reason = clean_reason(reason)

    scope = scope or scope_for(actor)
    entries = _lock_entries(
        sa.select(TimeEntry).where(TimeEntry.id.in_(list(expected_versions)))
    )
    result = BulkResult()
    found = {entry.id for entry in entries}
    for entry_id in sorted(set(expected_versions) - found):
        result.skipped.append(SkippedEntry(entry_id, None, None, _missing_message()))

    _decide_each(actor, decision, entries, expected_versions, reason, scope, result)
    _finish_bulk(actor, decision, result, reason)
    return result


def approve_group(
    actor: User,
    agent_id: int,
    week_start: date,
    expected_versions: Mapping[int, int] | None = None,
    scope: ApproverScope | None = None,
) -> BulkResult:
    """Approve the submitted entries of an agent in the week containing week_start.

    Without expected_versions every submitted entry of the group is approved.
    With it, exactly those entries are considered, and an entry whose version
    differs is skipped. Raises DomainError: 404 for an agent outside the
    approver's teams, 403 for one's own week, 400 when expected_versions lists
    entries of another group, and 409 (BulkDecisionError) when no entry could
    be approved.
    """
    week_start = week_start_of(week_start)
    scope = scope or scope_for(actor)
    if actor.id == agent_id:
        logger.warning(
            "user %s tried to approve their own week %s", actor.id, week_start
        )
        raise DomainError(_own_entries_message(), 403)
    agent = db.session.get(User, agent_id)
    if agent is None or not scope.allows_agent(agent):
        logger.info(
            "user %s may not decide the entries of agent %s", actor.id, agent_id
        )
        raise DomainError(_("This agent is not in any of your teams."), 404)

    entries = _lock_group(agent_id, week_start, expected_versions)
    if not entries:
        raise DomainError(
            _("No entries of this agent and week are waiting for approval."), 409
        )
    result = BulkResult()
    versions = expected_versions or {}
    _decide_each(actor, Decision.APPROVE, entries, versions, None, scope, result)
    _finish_bulk(actor, Decision.APPROVE, result, None)
    return result


def _decide_each(
    actor: User,
    decision: Decision,
    entries: list[TimeEntry],
    expected_versions: Mapping[int, int],
    reason: str | None,
    scope: ApproverScope,
    result: BulkResult,
) -> None:
    status = (
        EntryStatus.APPROVED if decision == Decision.APPROVE else EntryStatus.REJECTED
    )
    for entry in entries:
        denial = _denial(actor, entry, expected_versions.get(entry.id), scope)
        if denial is not None:
            message, _status = denial
            result.skipped.append(
                SkippedEntry(entry.id, entry.work_date, entry.ticket.key, message)
            )
            continue
        _decide(actor, entry, status, reason)
        result.decided.append(entry)


def _finish_bulk(
    actor: User, decision: Decision, result: BulkResult, reason: str | None
) -> None:
    if not result.decided:
        logger.info(
            "user %s decided none of the entries %s",
            actor.id,
            [skipped.entry_id for skipped in result.skipped],
        )
        raise BulkDecisionError(
            _nothing_decided_message(result.skipped), result.skipped
        )

    db.session.flush()
    if decision == Decision.REJECT and reason is not None:
        notifications.notify_entries_rejected(actor, result.decided, reason)
    logger.info(
        "user %s %s %d entries and skipped %d",
        actor.id,
        "approved" if decision == Decision.APPROVE else "rejected",
        len(result.decided),
        len(result.skipped),
    )


# Locks and checks


def _lock_entry(entry: TimeEntry) -> None:
    # Reload the row under a lock so the checks below see the latest decision.
    # SQLite ignores FOR UPDATE, but it allows one writer at a time.
    try:
        db.session.refresh(entry, with_for_update=True)
    except sa.exc.InvalidRequestError as error:
        # The agent deleted the entry after the view loaded it.
        # Reading entry.id would try to load the missing row again.
        entry_id = sa.inspect(entry).identity[0]
        logger.info("entry %s was deleted before the decision: %s", entry_id, error)
        raise DomainError(_missing_message(), 404) from error


def _lock_entries(query: sa.Select) -> list[TimeEntry]:
    """Lock the entries of query in id order and load their tickets and users.

    Locking in id order keeps two bulk decisions from deadlocking. The tickets
    and users are loaded in two further queries, so the checks and messages
    find them in the session instead of loading them one at a time.
    """
    query = (
        query.order_by(TimeEntry.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    entries = list(db.session.scalars(query))
    if not entries:
        return entries

    ticket_ids = {entry.ticket_id for entry in entries}
    user_ids = {entry.agent_id for entry in entries}
    user_ids |= {entry.decided_by_id for entry in entries if entry.decided_by_id}
    db.session.scalars(sa.select(Ticket).where(Ticket.id.in_(ticket_ids))).all()
    db.session.scalars(sa.select(User).where(User.id.in_(user_ids))).all()
    return entries


def _lock_group(
    agent_id: int, week_start: date, expected_versions: Mapping[int, int] | None
) -> list[TimeEntry]:
    week_end = week_start + timedelta(days=6)
    query = sa.select(TimeEntry).where(
        TimeEntry.agent_id == agent_id,
        TimeEntry.work_date.between(week_start, week_end),
    )
    if expected_versions is None:
        return _lock_entries(
            query.where(
                TimeEntry.status == EntryStatus.SUBMITTED,
                TimeEntry.statement_id.is_(None),
            )
        )

    entries = _lock_entries(query.where(TimeEntry.id.in_(list(expected_versions))))
    if len(entries) != len(expected_versions):
        logger.warning(
            "group approval for agent %s week %s listed entries %s of other groups",
            agent_id,
            week_start,
            sorted(set(expected_versions) - {entry.id for entry in entries}),
        )
        raise DomainError(
            _("Some of the entries sent are not in this group. Reload the page."), 400
        )
    return entries


def _raise_denial(
    actor: User, entry: TimeEntry, expected_version: int | None, scope: ApproverScope
) -> None:
    denial = _denial(actor, entry, expected_version, scope)
    if denial is not None:
        message, status = denial
        raise DomainError(message, status)


def _denial(
    actor: User, entry: TimeEntry, expected_version: int | None, scope: ApproverScope
) -> tuple[str, int] | None:
    """Return why actor may not decide entry, with the HTTP status, or None."""
    # Own entries first: a lead's own entries may be outside their teams, and
    # "not yours to decide" is the clearer message then.
    if entry.agent_id == actor.id:
        logger.warning("user %s tried to decide their own entry %s", actor.id, entry.id)
        return _own_entries_message(), 403

    if not scope.allows_agent(entry.agent):
        _log_out_of_scope(actor, entry)
        return _missing_message(), 404

    if entry.statement_id is not None:
        logger.info(
            "cannot decide entry %s: it is on statement %s",
            entry.id,
            entry.statement_id,
        )
        return _billed_message(), 409

    if entry.status != EntryStatus.SUBMITTED:
        logger.info("cannot decide entry %s: its status is %s", entry.id, entry.status)
        return _not_waiting_message(entry), 409

    if expected_version is not None and entry.version != expected_version:
        logger.info(
            "cannot decide entry %s: its version is %s but the approver saw %s",
            entry.id,
            entry.version,
            expected_version,
        )
        return _changed_message(), 409
    return None


def _check_reversible(
    actor: User, entry: TimeEntry, expected_version: int | None, scope: ApproverScope
) -> None:
    if entry.agent_id == actor.id:
        logger.warning(
            "user %s tried to reverse the approval of their own entry %s",
            actor.id,
            entry.id,
        )
        raise DomainError(
            _("You cannot reverse the approval of your own time entry."), 403
        )

    if not scope.allows_agent(entry.agent):
        _log_out_of_scope(actor, entry)
        raise DomainError(_missing_message(), 404)

    if entry.statement_id is not None:
        logger.info(
            "cannot reverse entry %s: it is on statement %s",
            entry.id,
            entry.statement_id,
        )
        raise DomainError(
            _(
                "This entry is on an issued statement, so its approval can no "
                "longer be reversed."
            ),
            409,
        )

    if entry.status != EntryStatus.APPROVED:
        logger.info("cannot reverse entry %s: its status is %s", entry.id, entry.status)
        raise DomainError(_not_approved_message(entry), 409)

    if expected_version is not None and entry.version != expected_version:
        logger.info(
            "cannot reverse entry %s: its version is %s but the approver saw %s",
            entry.id,
            entry.version,
            expected_version,
        )
        raise DomainError(_changed_message(), 409)


def _log_out_of_scope(actor: User, entry: TimeEntry) -> None:
    logger.info(
        "user %s may not decide entry %s of agent %s: not in their teams",
        actor.id,
        entry.id,
        entry.agent_id,
    )


def _decide(
    actor: User, entry: TimeEntry, status: EntryStatus, reason: str | None
) -> None:
    before = snapshot(entry, AUDITED_FIELDS)

    entry.status = status
    entry.decided_by = actor
    entry.decided_by_id = actor.id
    entry.decided_at = utcnow()
    entry.rejection_reason = reason

    after = snapshot(entry, AUDITED_FIELDS)
    record_event(actor, status.value, entry, before, after, reason)


# Error messages


def _missing_message() -> str:
    return _("This entry no longer exists. Reload the page.")


def _own_entries_message() -> str:
    return _(
        "You cannot approve or reject your own time entries. "
        "Another team lead has to decide them."
    )


def _billed_message() -> str:
    return _("This entry is on an issued statement and can no longer change.")


def _changed_message() -> str:
    return _(
        "This entry was changed after you loaded the page. "
        "Reload the page and review it again."
    )


def _not_waiting_message(entry: TimeEntry) -> str:
    decided = entry.status in (EntryStatus.APPROVED, EntryStatus.REJECTED)
    if not decided or entry.decided_by is None or entry.decided_at is None:
        return _("This entry is no longer waiting for approval. Reload the page.")

    params = {
        "name": entry.decided_by.name,
        "when": format_timestamp(entry.decided_at),
    }
    if entry.status == EntryStatus.APPROVED:
        return _("Already approved by %(name)s on %(when)s.", **params)
    return _("Already rejected by %(name)s on %(when)s.", **params)


def _not_approved_message(entry: TimeEntry) -> str:
    if entry.status == EntryStatus.SUBMITTED:
        event = _last_reversal(entry)
        if event is not None and event.actor is not None:
            return _(
                "The approval was already reversed by %(name)s on %(when)s.",
                name=event.actor.name,
                when=format_timestamp(event.occurred_at),
            )
    if entry.status == EntryStatus.REJECTED and entry.decided_by is not None:
        return _not_waiting_message(entry)
    return _("This entry is not approved, so there is no approval to reverse.")


def _last_reversal(entry: TimeEntry) -> AuditEvent | None:
    query = (
        sa.select(AuditEvent)
        .where(
            AuditEvent.object_type == TimeEntry.__tablename__,
            AuditEvent.object_id == entry.id,
            AuditEvent.action == REVERSED_ACTION,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def _nothing_decided_message(skipped: Iterable[SkippedEntry]) -> str:
    skipped = list(skipped)
    if len(skipped) == 1:
        return skipped[0].reason
    return ngettext(
        "No entry was decided.",
        "None of the %(num)d entries was decided.",
        len(skipped),
    )


def skipped_label(skipped: SkippedEntry) -> str:
    """Return how a skipped entry is named in messages: its date and ticket."""
    if skipped.work_date is None or skipped.ticket_key is None:
        return _("Entry %(id)d", id=skipped.entry_id)
    return _(
        "%(day)s, ticket %(key)s",
        day=format_day(skipped.work_date),
        key=skipped.ticket_key,
    )
