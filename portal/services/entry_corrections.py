"""Corrections of a time entry by the accounts office, with a reason.

Agents can no longer change an entry once it is approved or its month is
closed. Accounts can still correct it, giving a reason that the audit row
keeps; check_month_open lets them through a closed month only with that
reason. An entry on an issued statement stays as billed: void the statement
first, so the statement and its entries never disagree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_day, format_hmm
from portal.models import ActivityType, EntryStatus, TimeEntry, User
from portal.services.audit import changed_fields, record_event, snapshot
from portal.services.entries import (
    MAX_DESCRIPTION_LENGTH,
    EntryDataError,
    clean_text,
    is_blank,
    minute_of_day,
    time_of_minute,
)
from portal.services.month_close import check_month_open, check_reason

logger = logging.getLogger(__name__)

CORRECTED_FIELDS = [
    "work_date",
    "start_time",
    "end_time",
    "minutes",
    "activity_type_id",
    "description",
    "is_billable",
]
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class CorrectionData:
    """The values accounts may correct on a time entry."""

    work_date: date
    minutes: int
    activity_type_id: int
    description: str
    is_billable: bool


def correct_entry(
    actor: User,
    entry: TimeEntry,
    data: CorrectionData,
    reason: str | None,
    expected_version: int | None = None,
) -> TimeEntry:
    """Correct entry as accounts, audited with reason, also in a closed month.

    Raises EntryDataError on a field, DomainError when the entry is billed or
    its month is closed to actor, and StaleDataError when the entry changed
    after the form was loaded.
    """
    try:
        reason = check_reason(reason)
    except DomainError as error:
        raise EntryDataError("reason", error.message) from None
    if expected_version is not None and expected_version != entry.version:
        raise StaleDataError(
            f"time entry {entry.id} is at version {entry.version}, "
            f"the correction form was loaded at version {expected_version}"
        )
    if entry.is_billed:
        raise DomainError(
            _(
                "This time is on statement %(number)s. Void the statement "
                "before correcting it.",
                number=entry.statement.number,
            ),
            409,
        )
    check_month_open(actor, entry.work_date, reason)
    check_month_open(actor, data.work_date, reason)
    _check_data(entry, data)

    before = snapshot(entry, CORRECTED_FIELDS)
    _apply(entry, data)
    before, after = changed_fields(before, snapshot(entry, CORRECTED_FIELDS))
    if not after:
        return entry
    db.session.flush()
    record_event(actor, "corrected", entry, before, after, reason=reason)
    return entry


def correctable_activities(entry: TimeEntry) -> list[ActivityType]:
    """Return the active activity types, plus the entry's own if it was retired."""
    query = sa.select(ActivityType).where(
        sa.or_(
            ActivityType.is_active.is_(True),
            ActivityType.id == entry.activity_type_id,
        )
    )
    return list(
        db.session.scalars(query.order_by(ActivityType.position, ActivityType.id))
    )


def _check_data(entry: TimeEntry, data: CorrectionData) -> None:
    if not 0 < data.minutes <= MINUTES_PER_DAY:
        raise EntryDataError(
            "duration", _("The duration must be between 1 minute and 24 hours.")
        )
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
    if data.activity_type_id != entry.activity_type_id:
        activity = db.session.get(ActivityType, data.activity_type_id)
        if activity is None or not activity.is_active:
            raise EntryDataError(
                "activity_type", _("Choose an activity from the list.")
            )
    _check_day_total(entry, data)


def _check_day_total(entry: TimeEntry, data: CorrectionData) -> None:
    """Reject a correction that takes the agent's day past 24 hours."""
    query = sa.select(sa.func.coalesce(sa.func.sum(TimeEntry.minutes), 0)).where(
        TimeEntry.agent_id == entry.agent_id,
        TimeEntry.work_date == data.work_date,
        TimeEntry.status != EntryStatus.REJECTED,
        TimeEntry.id != entry.id,
    )
    logged = db.session.scalar(query)
    if logged + data.minutes > MINUTES_PER_DAY:
        raise EntryDataError(
            "duration",
            _(
                "The agent has already logged %(logged)s on %(day)s, and a day "
                "has at most 24 hours.",
                logged=format_hmm(logged),
                day=format_day(data.work_date),
            ),
        )


def _apply(entry: TimeEntry, data: CorrectionData) -> None:
    entry.work_date = data.work_date
    entry.minutes = data.minutes
    entry.activity_type_id = data.activity_type_id
    entry.description = clean_text(data.description)
    entry.is_billable = data.is_billable
    # A start time stays, and the end moves with the corrected duration.
    if entry.start_time is not None:
        end_minute = minute_of_day(entry.start_time) + data.minutes
        entry.end_time = time_of_minute(end_minute)
    else:
        entry.end_time = None
