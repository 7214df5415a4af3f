"""The weekly reminder to agents about working days without logged time.

Working days are Monday to Friday except Italian public holidays
(portal.services.calendar.WorkingCalendar). A day counts as logged when the
agent has any entry on it, whatever its status. Each agent gets at most one
reminder per week: a second run finds the notification of that week and only
retries its e-mail if the first one failed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import Notification, Role, TimeEntry, User
from portal.models.types import utcnow
from portal.services import notifications
from portal.services.calendar import WorkingCalendar

logger = logging.getLogger(__name__)


@dataclass
class ReminderSummary:
    """The counts of one reminder run, for the command's output."""

    week_start: date
    working_days: list[date]
    reminded: dict[int, list[date]] = field(default_factory=dict)
    already_reminded: int = 0
    complete: int = 0
    emails_sent: int = 0

    def describe(self) -> str:
        """Return one line for the command output."""
        days = ", ".join(day.isoformat() for day in self.working_days) or "none"
        return (
            f"Week {self.week_start.isoformat()}: working days checked: {days}. "
            f"Reminded {len(self.reminded)} agents, {self.already_reminded} were "
            f"reminded before, {self.complete} logged time on every working day. "
            f"E-mails sent: {self.emails_sent}."
        )


def company_today() -> date:
    """Return today's date in the company's time zone (DEFAULT_TIMEZONE)."""
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    return utcnow().astimezone(zone).date()


def previous_week_start(today: date) -> date:
    """Return the Monday of the week before the one containing today."""
    return today - timedelta(days=today.weekday() + 7)


def working_days(week_start: date, today: date) -> list[date]:
    """Return the working days of the week that are before today."""
    calendar = WorkingCalendar(timezone=current_app.config["DEFAULT_TIMEZONE"])
    days = (week_start + timedelta(days=offset) for offset in range(7))
    return [day for day in days if day < today and calendar.is_working_day(day)]


def remind_missing_time(week_start: date, today: date) -> ReminderSummary:
    """Notify each active agent of the working days without time in the week.

    week_start is the Monday of the week checked. Days from today on are not
    checked. The notifications are committed before the e-mails go out.
    """
    summary = ReminderSummary(week_start, working_days(week_start, today))
    if not summary.working_days:
        return summary

    agents = _active_agents()
    logged = _logged_days(agents, summary.working_days)
    earlier = _earlier_reminders(agents, week_start)
    retry = []
    for agent in agents:
        missing = _missing_days(agent, summary.working_days, logged)
        if not missing:
            summary.complete += 1
        elif agent.id in earlier:
            summary.already_reminded += 1
            retry.append(earlier[agent.id])
        else:
            payload = {"week": week_start.isoformat(), "days": _iso(missing)}
            notifications.notify(agent.id, notifications.MISSING_TIME, payload)
            summary.reminded[agent.id] = missing
    db.session.commit()

    summary.emails_sent = notifications.send_queued_emails()
    summary.emails_sent += notifications.send_emails(retry)
    logger.info(
        "missing time reminder for the week of %s: %d agents reminded",
        week_start,
        len(summary.reminded),
    )
    return summary


def _active_agents() -> list[User]:
    query = (
        sa.select(User)
        .where(User.role == Role.AGENT, User.is_active_user.is_(True))
        .order_by(User.id)
    )
    return list(db.session.scalars(query))


def _logged_days(agents: list[User], days: list[date]) -> set[tuple[int, date]]:
    if not agents:
        return set()
    query = (
        sa.select(TimeEntry.agent_id, TimeEntry.work_date)
        .where(
            TimeEntry.agent_id.in_([agent.id for agent in agents]),
            TimeEntry.work_date.between(min(days), max(days)),
        )
        .distinct()
    )
    return {(agent_id, day) for agent_id, day in db.session.execute(query)}


def _earlier_reminders(agents: list[User], week_start: date) -> dict[int, Notification]:
    """Return each agent's reminder for the week, if one was made already."""
    if not agents:
        return {}
    # A reminder for a week is made after the week began, which bounds the scan.
    since = datetime.combine(week_start, time(0), tzinfo=UTC) - timedelta(days=1)
    query = sa.select(Notification).where(
        Notification.kind == notifications.MISSING_TIME,
        Notification.user_id.in_([agent.id for agent in agents]),
        Notification.created_at >= since,
    )
    found = {}
    for notification in db.session.scalars(query):
        if (notification.payload or {}).get("week") == week_start.isoformat():
            found[notification.user_id] = notification
    return found


def _missing_days(
    agent: User, days: list[date], logged: set[tuple[int, date]]
) -> list[date]:
    # Days before the account existed are not the agent's to fill.
    zone = ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    joined = agent.created_at.astimezone(zone).date()
    return [day for day in days if day >= joined and (agent.id, day) not in logged]


def _iso(days: list[date]) -> list[str]:
    return [day.isoformat() for day in days]
