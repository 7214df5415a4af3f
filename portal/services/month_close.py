"""Closed months: once accounts close a month, its entries stay as billed.

Time and resource entries dated in a closed month cannot be added, changed,
submitted or deleted, except by accounts giving a reason, which the caller
records in the audit event of the change.
"""

from __future__ import annotations

import logging
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import current_language
from portal.models import ClosedMonth, Role, User

logger = logging.getLogger(__name__)


def month_start(day: date) -> date:
    return day.replace(day=1)


def is_month_closed(day: date) -> bool:
    """Tell whether the month that contains day is closed."""
    return db.session.get(ClosedMonth, month_start(day)) is not None


def closed_months_among(days: set[date]) -> set[date]:
    """Return the first days of the closed months among the months of days."""
    months = {month_start(day) for day in days}
    if not months:
        return set()
    query = sa.select(ClosedMonth.month).where(ClosedMonth.month.in_(months))
    return set(db.session.scalars(query))


class ClosedMonthError(DomainError):
    """Raised when a change touches an entry dated in a closed month."""

    def __init__(self, day: date) -> None:
        # Imported here: portal.services.statements imports this module.
        from portal.services.statements import month_label

        message = _(
            "%(month)s is closed: its entries can no longer be added or changed. "
            "Ask the accounts office if a correction is needed.",
            month=month_label(month_start(day), current_language()),
        )
        super().__init__(message, 409)
        self.day = day


def check_month_open(
    actor: User, day: date, override_reason: str | None = None
) -> None:
    """Refuse a change to an entry dated day when its month is closed.

    Accounts may still make it by giving override_reason; the caller records
    that reason with the change's audit event.
    """
    if not is_month_closed(day):
        return
    reason = (override_reason or "").strip()
    if actor.role == Role.ACCOUNTS and reason:
        logger.info(
            "user %s changes an entry of closed month %s: %s",
            actor.id,
            month_start(day).isoformat(),
            reason,
        )
        return
    logger.info(
        "user %s refused: entry dated %s is in a closed month",
        actor.id,
        day.isoformat(),
    )
    raise ClosedMonthError(day)
