"""Time entries: log, edit, delete and submit them for approval.

Only the agent who logged an entry may change it, and only while
`TimeEntry.is_editable` is true. Every change writes one audit row.

An entry may carry local start and end times. An end at or before the start
means the work crossed midnight, and the entry still counts on the work date it
started, so 22:00-01:30 is 3 h 30 min.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_day, format_duration, format_hmm
from portal.models.entries import MAX_ENTRY_MINUTES, EntryStatus, TimeEntry
from portal.models.tickets import ActivityType, Ticket
from portal.models.types import utcnow
from portal.models.users import User
from portal.services.audit import changed_fields, record_event, snapshot
from portal.services.month_close import (
    ClosedMonthError,
    check_month_open,
    check_months_open,
)

logger = logging.getLogger(__name__)

MAX_DESCRIPTION_LENGTH = 2000
MAX_INTERNAL_NOTE_LENGTH = 2000
# TimeEntry.client_token is a String(64).
MAX_CLIENT_TOKEN_LENGTH = 64
MINUTES_PER_DAY = 24 * 60

# The columns an agent's form sets. Update audit rows record those that changed.
EDITABLE_FIELDS = [
    "work_date",
    "start_time",
    "end_time",
    "minutes",
    "activity_type_id",
    "description",
    "internal_note",
    "is_billable",
]
# Create and delete audit rows record the whole entry.
ENTRY_FIELDS = ["ticket_id", "agent_id", *EDITABLE_FIELDS, "status"]
# Submitting changes these columns, and its audit rows record those that changed.
APPROVAL_FIELDS = [
    "status",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "rejection_reason",
]
SUBMITTABLE = frozenset({EntryStatus.DRAFT, EntryStatus.REJECTED})


class EntryDataError(DomainError):
    """Entry data that breaks a rule, with the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, 422)
        self.field = field


@dataclass(frozen=True)
class EntryData:
    """The values an agent types for one time entry, already parsed.

    client_token is the random token of the form that sent them. A retried post
    of that form sends the same token, and create_entry returns the entry the
    first post created instead of logging the time twice.
    """

    work_date: date
    minutes: int
    activity_type_id: int
    description: str
    internal_note: str = ""
    is_billable: bool = True
    start_time: time | None = None
    end_time: time | None = None
    client_token: str | None = None


@dataclass(frozen=True)
class DayTotals:
    """An agent's time on one work date before a new entry was logged.

    The quick-log post reads these in the same query as its checks, so the
    warnings about the new entry need no query of their own.
    """

    # Entries in any status but rejected: the 24-hour rule counts these.
    counted_minutes: int
    # Entries in every status: the long-day warning counts these.
    all_minutes: int
    # Entries on the same ticket with the same duration: likely duplicates.
    same_ticket_and_duration: int


@dataclass(frozen=True)
class TimeRange:
    """The start, end and minutes an entry gets. Start and end may be None."""

    start: time | None
    end: time | None
    minutes: int


def zone_for(user: User) -> ZoneInfo:
    """Return the user's time zone, or the default zone when it is unknown."""
    try:
        return ZoneInfo(user.timezone or current_app.config["DEFAULT_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def today_for(user: User) -> date:
    """Return today's calendar date in the user's time zone."""
    return utcnow().astimezone(zone_for(user)).date()


def check_entry_month_open(actor: User, day: date) -> None:
    """Raise EntryDataError on the work date when day is in a closed month.

    The forms then show the closed-month message beside the date field. The
    error keeps the 409 status of ClosedMonthError for other callers.
    """
    try:
        check_month_open(actor, day)
    except ClosedMonthError as closed:
        error = EntryDataError("work_date", closed.message)
        error.status = closed.status
        raise error from closed


def check_work_date(actor: User, work_date: date | None) -> None:
    """Raise EntryDataError unless work_date is given and not after today."""
    if work_date is None:
        raise EntryDataError("work_date", _("Enter the date the work was done."))
    if work_date > today_for(actor):
        raise EntryDataError("work_date", _("The work date cannot be in the future."))


def active_activity_types() -> list[ActivityType]:
    """Return the activity types agents may choose, in their display order."""
    query = (
        select(ActivityType)
        .where(ActivityType.is_active.is_(True))
        .order_by(ActivityType.position, ActivityType.id)
    )
    return list(db.session.scalars(query))


def default_activity_for(actor: User) -> ActivityType | None:
    """Return the active activity of actor's latest entry, else the first active."""
    latest = (
        select(ActivityType)
        .join(TimeEntry, TimeEntry.activity_type_id == ActivityType.id)
        .where(TimeEntry.agent_id == actor.id)
        .where(ActivityType.is_active.is_(True))
        # Ids grow with every entry, and the primary key index finds the
        # latest one without sorting all of the agent's entries.
        .order_by(TimeEntry.id.desc())
        .limit(1)
    )
    activity = db.session.scalar(latest)
    if activity is not None:
        return activity
    activities = active_activity_types()
    return activities[0] if activities else None


# --- Start and end times ----------------------------------------------------


def minute_of_day(value: time) -> int:
    return value.hour * 60 + value.minute


def time_of_minute(minute: int) -> time:
    """Return the wall-clock time minute minutes after midnight, modulo a day."""
    minute %= MINUTES_PER_DAY
    return time(minute // 60, minute % 60)


def span_minutes(start: time, end: time) -> int:
    """Return the minutes from start to end, across midnight when end <= start."""
    minutes = minute_of_day(end) - minute_of_day(start)
    return minutes if minutes > 0 else minutes + MINUTES_PER_DAY


def resolve_time_range(
    start: time | None,
    end: time | None,
    crosses_midnight: bool,
    typed_minutes: int | None,
) -> TimeRange:
    """Combine the typed times and duration into one consistent range.

    Both times give the duration, and a typed duration must then agree with
    them. One time and a duration give the other time. Raise EntryDataError
    with the field the message belongs beside.
    """
    if start is not None and end is not None:
        return _range_from_times(start, end, crosses_midnight, typed_minutes)
    if typed_minutes is None:
        raise EntryDataError(
            "duration", _("Enter a duration, for example 1:30, 1h30 or 45m.")
        )
    if start is not None:
        end = time_of_minute(minute_of_day(start) + typed_minutes)
        return TimeRange(start, end, typed_minutes)
    if end is None:
        return TimeRange(None, None, typed_minutes)

    start_minute = minute_of_day(end) - typed_minutes
    if start_minute < 0:
        raise EntryDataError(
            "start_time",
            _(
                "With this duration the work started the day before. Enter the "
                "start time, and the day the work started as the work date."
            ),
        )
    return TimeRange(time_of_minute(start_minute), end, typed_minutes)


def _range_from_times(
    start: time, end: time, crosses_midnight: bool, typed_minutes: int | None
) -> TimeRange:
    ends_later = minute_of_day(end) > minute_of_day(start)
    if ends_later and crosses_midnight:
        raise EntryDataError(
            "crosses_midnight",
            _(
                "The end time is after the start time, so the work did not cross "
                "midnight. Untick the box or correct the times."
            ),
        )
    if not ends_later and not crosses_midnight:
        raise EntryDataError(
            "crosses_midnight",
            _(
                "The end time is not after the start time. Did the work cross "
                "midnight? If it did, tick the box; otherwise correct the times."
            ),
        )

    minutes = span_minutes(start, end)
    if typed_minutes is not None and typed_minutes != minutes:
        raise _mismatch_error(typed_minutes, minutes)
    return TimeRange(start, end, minutes)


def _mismatch_error(typed_minutes: int, span: int) -> EntryDataError:
    return EntryDataError(
        "duration",
        _(
            "The duration %(typed)s does not match the start and end times, which "
            "give %(computed)s. Correct it or leave it empty.",
            typed=format_duration(typed_minutes),
            computed=format_duration(span),
        ),
    )


# --- Logging and changing entries -------------------------------------------


def create_entry(actor: User, ticket: Ticket, data: EntryData) -> TimeEntry:
    """Log a draft entry for actor on ticket and audit it.

    A repeated client token returns the entry logged with it before.
    """
    entry, _is_repeat = create_entry_once(actor, ticket, data)
    return entry


def create_entry_once(
    actor: User, ticket: Ticket, data: EntryData
) -> tuple[TimeEntry, bool]:
    """Log a draft entry unless data.client_token already logged one.

    Return the entry and whether it was logged by an earlier post. When two
    posts with the same token race, the unique constraint on (agent_id,
    client_token) rejects the second INSERT. That rolls back the whole
    transaction, so with a token this must be the transaction's first write.
    """
    entry, totals = create_entry_with_totals(actor, ticket, data)
    return entry, totals is None


def create_entry_with_totals(
    actor: User, ticket: Ticket, data: EntryData
) -> tuple[TimeEntry, DayTotals | None]:
    """Log a draft entry like create_entry_once, and return the day's totals before it.

    The totals are None when an earlier post with the same client token had
    logged the entry already. One query reads that token and the totals.
    """
    if data.client_token is not None:
        _check_client_token(data.client_token)
    earlier_id, totals = _token_and_day_totals(actor, ticket, data)
    if earlier_id is not None and data.client_token is not None:
        earlier = _entry_with_token(actor, ticket, data.client_token)
        if earlier is not None:
            return earlier, None
    _check_data(
        actor,
        data,
        current_activity_id=None,
        ticket=ticket,
        logged=totals.counted_minutes,
    )
    check_entry_month_open(actor, data.work_date)

    entry = TimeEntry(
        ticket_id=ticket.id,
        agent_id=actor.id,
        status=EntryStatus.DRAFT,
        client_token=data.client_token,
    )
    _apply(entry, data)
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:
        if data.client_token is None:
            raise
        return _entry_logged_concurrently(actor, ticket, data.client_token), None

    record_event(actor, "created", entry, None, _snapshot(entry, ENTRY_FIELDS))
    return entry, totals


def _token_and_day_totals(
    actor: User, ticket: Ticket, data: EntryData
) -> tuple[int | None, DayTotals]:
    """Return the id of the entry logged with data.client_token, and the day's totals.

    The id is None when the token logged no entry yet.
    """
    day = (TimeEntry.agent_id == actor.id) & (TimeEntry.work_date == data.work_date)
    earlier = sa.null()
    if data.client_token is not None:
        earlier = (
            sa.select(TimeEntry.id)
            .where(
                TimeEntry.agent_id == actor.id,
                TimeEntry.client_token == data.client_token,
            )
            .scalar_subquery()
        )
    twin = (TimeEntry.ticket_id == ticket.id) & (TimeEntry.minutes == data.minutes)
    minutes = sa.func.sum(TimeEntry.minutes)
    query = sa.select(
        earlier,
        sa.func.coalesce(minutes.filter(TimeEntry.status != EntryStatus.REJECTED), 0),
        sa.func.coalesce(minutes, 0),
        sa.func.count(TimeEntry.id).filter(twin),
    ).where(day)
    earlier_id, counted, every_status, twins = db.session.execute(query).one()
    return earlier_id, DayTotals(counted, every_status, twins)


def _check_client_token(token: str) -> None:
    if not token or len(token) > MAX_CLIENT_TOKEN_LENGTH:
        logger.warning("client token of %s characters rejected", len(token))
        raise DomainError(_("The form is invalid. Reload the page and try again."), 400)


def _entry_with_token(actor: User, ticket: Ticket, token: str) -> TimeEntry | None:
    query = (
        select(TimeEntry)
        .where(TimeEntry.agent_id == actor.id)
        .where(TimeEntry.client_token == token)
    )
    entry = db.session.scalar(query)
    if entry is None:
        return None
    if entry.ticket_id != ticket.id:
        logger.warning(
            "client token of time entry %s on ticket %s sent again for ticket %s",
            entry.id,
            entry.ticket_id,
            ticket.id,
        )
        raise DomainError(
            _(
                "This form has already been used to log time on another ticket. "
                "Reload the page and log the time again."
            )
        )
    logger.info("time entry %s already logged with this client token", entry.id)
    return entry


def _entry_logged_concurrently(actor: User, ticket: Ticket, token: str) -> TimeEntry:
    # The failed flush leaves the session unusable until the rollback. The
    # rollback also expires actor and ticket, which reload on the next access.
    db.session.rollback()
    logger.info(
        "concurrent post of agent %s on ticket %s hit the client token constraint",
        actor.id,
        ticket.id,
    )
    entry = _entry_with_token(actor, ticket, token)
    if entry is None:
        raise RuntimeError(f"client token clash of agent {actor.id} left no entry")
    return entry


def update_entry(
    actor: User,
    entry: TimeEntry,
    data: EntryData,
    expected_version: int | None = None,
) -> TimeEntry:
    """Change an editable entry of actor's and audit the changed fields.

    The status stays as it was: a rejected entry keeps its rejection reason
    until the agent submits it again. When expected_version differs from the
    stored version, someone changed the entry after the form was loaded, so
    StaleDataError is raised, and the global handler responds with 409.
    """
    ensure_editable(actor, entry)
    if expected_version is not None and expected_version != entry.version:
        raise StaleDataError(
            f"time entry {entry.id} is at version {entry.version}, "
            f"the form was loaded at version {expected_version}"
        )
    check_entry_month_open(actor, entry.work_date)
    _check_data(
        actor,
        data,
        current_activity_id=entry.activity_type_id,
        ticket=entry.ticket,
        entry_id=entry.id,
    )
    check_entry_month_open(actor, data.work_date)

    before = _snapshot(entry, EDITABLE_FIELDS)
    _apply(entry, data)
    after = _snapshot(entry, EDITABLE_FIELDS)
    before, after = changed_fields(before, after)
    if not after:
        return entry

    db.session.flush()
    record_event(actor, "updated", entry, before, after)
    return entry


def delete_entry(actor: User, entry: TimeEntry) -> None:
    """Delete an editable entry of actor's, keeping its values in the audit row."""
    ensure_editable(actor, entry)
    check_month_open(actor, entry.work_date)

    record_event(actor, "deleted", entry, _snapshot(entry, ENTRY_FIELDS), None)
    db.session.delete(entry)
    db.session.flush()


def submit_entries(actor: User, entries: Sequence[TimeEntry]) -> int:
    """Submit actor's draft or rejected entries for approval and return how many.

    The whole batch is checked before any entry changes, so one entry that
    cannot be submitted leaves all of them as they were.
    """
    for entry in entries:
        _ensure_submittable(actor, entry)
    check_months_open(actor, [entry.work_date for entry in entries])

    now = utcnow()
    for entry in entries:
        before = snapshot(entry, APPROVAL_FIELDS)
        entry.status = EntryStatus.SUBMITTED
        entry.submitted_at = now
        entry.decided_by_id = None
        entry.decided_at = None
        entry.rejection_reason = None
        changed_before, changed_after = changed_fields(
            before, snapshot(entry, APPROVAL_FIELDS)
        )
        record_event(actor, "submitted", entry, changed_before, changed_after)

    db.session.flush()
    return len(entries)


def fix_and_resubmit(
    actor: User, entry: TimeEntry, data: EntryData, expected_version: int | None
) -> TimeEntry:
    """Change a rejected entry of actor's and submit it for approval again."""
    update_entry(actor, entry, data, expected_version=expected_version)
    submit_entries(actor, [entry])
    return entry


def submit_ticket_drafts(actor: User, ticket: Ticket) -> int:
    """Submit every draft of actor's on ticket and return how many."""
    query = _drafts_of(actor).where(TimeEntry.ticket_id == ticket.id)
    return submit_entries(actor, list(db.session.scalars(query)))


def submit_week_drafts(actor: User, monday: date) -> int:
    """Submit actor's drafts dated in the week from monday and return how many."""
    sunday = monday + timedelta(days=6)
    query = _drafts_of(actor).where(TimeEntry.work_date.between(monday, sunday))
    return submit_entries(actor, list(db.session.scalars(query)))


def ensure_editable(actor: User, entry: TimeEntry) -> None:
    """Raise DomainError unless actor logged entry and may still change it."""
    _ensure_owner(actor, entry)
    if entry.is_billed:
        raise DomainError(
            _("This time is on an issued statement and can no longer be changed.")
        )
    if not entry.is_editable:
        raise DomainError(
            _("This time has been approved and can no longer be changed.")
        )


def _ensure_owner(actor: User, entry: TimeEntry) -> None:
    if entry.agent_id != actor.id:
        logger.info(
            "user %s may not change time entry %s of agent %s",
            actor.id,
            entry.id,
            entry.agent_id,
        )
        raise DomainError(_("Only the agent who logged this time can change it."), 403)


def _ensure_submittable(actor: User, entry: TimeEntry) -> None:
    ensure_editable(actor, entry)
    if entry.status not in SUBMITTABLE:
        raise DomainError(_("This time has already been submitted for approval."))


def _drafts_of(actor: User):
    return (
        select(TimeEntry)
        .where(TimeEntry.agent_id == actor.id)
        .where(TimeEntry.status == EntryStatus.DRAFT)
        .where(TimeEntry.statement_id.is_(None))
        .order_by(TimeEntry.work_date, TimeEntry.id)
    )


def _check_data(
    actor: User,
    data: EntryData,
    current_activity_id: int | None,
    ticket: Ticket,
    entry_id: int | None = None,
    logged: int | None = None,
) -> None:
    """Raise EntryDataError for the first rule data breaks.

    logged is the agent's time on the work date without this entry, when the
    caller has read it already.
    """
    check_work_date(actor, data.work_date)
    _check_not_before_opening(actor, ticket, data.work_date)
    if not 0 < data.minutes <= MAX_ENTRY_MINUTES:
        raise EntryDataError(
            "duration", _("The duration must be between 1 minute and 24 hours.")
        )
    _check_day_total(actor, data, entry_id, logged)
    if is_blank(data.description):
        raise EntryDataError(
            "description", _("Describe the work done for the customer.")
        )
    if len(data.description) > MAX_DESCRIPTION_LENGTH:
        raise EntryDataError(
            "description",
            _(
                "The description can be at most %(count)s characters long.",
                count=MAX_DESCRIPTION_LENGTH,
            ),
        )
    if len(data.internal_note) > MAX_INTERNAL_NOTE_LENGTH:
        raise EntryDataError(
            "internal_note",
            _(
                "The internal note can be at most %(count)s characters long.",
                count=MAX_INTERNAL_NOTE_LENGTH,
            ),
        )
    _check_times(data)
    _check_end_not_in_future(actor, data)
    _check_activity(data.activity_type_id, current_activity_id)


def _check_not_before_opening(actor: User, ticket: Ticket, work_date: date) -> None:
    opened_on = ticket.opened_at.astimezone(zone_for(actor)).date()
    if work_date < opened_on:
        raise EntryDataError(
            "work_date",
            _(
                "The ticket was opened on %(day)s: work on it cannot be dated earlier.",
                day=format_day(opened_on),
            ),
        )


def _check_day_total(
    actor: User, data: EntryData, entry_id: int | None, logged: int | None
) -> None:
    """Reject an entry that would take the agent's day past 24 hours."""
    if logged is None:
        query = sa.select(sa.func.coalesce(sa.func.sum(TimeEntry.minutes), 0)).where(
            TimeEntry.agent_id == actor.id,
            TimeEntry.work_date == data.work_date,
            TimeEntry.status != EntryStatus.REJECTED,
        )
        if entry_id is not None:
            query = query.where(TimeEntry.id != entry_id)
        logged = db.session.scalar(query)
    if logged + data.minutes > MAX_ENTRY_MINUTES:
        raise EntryDataError(
            "duration",
            _(
                "You have already logged %(logged)s on %(day)s, and a day has "
                "at most 24 hours.",
                logged=format_hmm(logged),
                day=format_day(data.work_date),
            ),
        )


def clean_text(value: str) -> str:
    """Remove control characters other than tab and line breaks.

    A NUL byte cannot be stored in PostgreSQL text, and the others are never
    typed on purpose.
    """
    return "".join(
        char for char in value if char in "\t\n\r" or unicodedata.category(char) != "Cc"
    )


def is_blank(value: str) -> bool:
    """Tell whether value has nothing visible: only spaces and format marks."""
    return all(
        char.isspace() or unicodedata.category(char) in ("Cc", "Cf") for char in value
    )


def _check_times(data: EntryData) -> None:
    # Forms resolve the range first, so this only guards other callers.
    if data.start_time is None or data.end_time is None:
        return
    span = span_minutes(data.start_time, data.end_time)
    if span != data.minutes:
        raise _mismatch_error(data.minutes, span)


def _check_end_not_in_future(actor: User, data: EntryData) -> None:
    """Reject an end time later than now in the actor's time zone.

    Work that crossed midnight ends on the day after the work date.
    """
    if data.end_time is None:
        return
    zone = zone_for(actor)
    end_day = data.work_date
    if data.start_time is not None and data.end_time <= data.start_time:
        end_day += timedelta(days=1)
    now = utcnow().astimezone(zone)
    if datetime.combine(end_day, data.end_time, tzinfo=zone) <= now:
        return
    raise EntryDataError(
        "end_time",
        _(
            "The work cannot end later than now (%(now)s). Correct the times, "
            "the duration or the work date.",
            now=now.strftime("%H:%M"),
        ),
    )


def _check_activity(activity_type_id: int, current_activity_id: int | None) -> None:
    # An entry may keep an activity type that was retired after it was logged.
    if activity_type_id == current_activity_id:
        return
    activity = db.session.get(ActivityType, activity_type_id)
    if activity is None or not activity.is_active:
        raise EntryDataError("activity_type", _("Choose an activity from the list."))


def _snapshot(entry: TimeEntry, fields: list[str]) -> dict[str, Any]:
    return snapshot(entry, fields)


def _apply(entry: TimeEntry, data: EntryData) -> None:
    entry.work_date = data.work_date
    entry.start_time = data.start_time
    entry.end_time = data.end_time
    entry.minutes = data.minutes
    entry.activity_type_id = data.activity_type_id
    entry.description = clean_text(data.description)
    entry.internal_note = clean_text(data.internal_note)
    entry.is_billable = data.is_billable
