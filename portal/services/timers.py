"""Timers: one per agent, kept on the server so reloads, tabs and devices agree.

A timer's elapsed time is its accumulated seconds plus, while it runs, the time
since running_since. Every action sends the timer version the page showed. When
another tab or device changed the timer first, the versions differ, and the
action raises TimerConflict with a message naming that cause. It is never
applied to a state the agent did not see. Timer.version is also the ORM's
version column, so an UPDATE or DELETE that races another one raises
StaleDataError.

Stopping pauses the timer and returns what the quick-log form is prefilled
with. The timer is deleted only when that form logs its time, so closing the
form loses nothing, and of two tabs that both stopped it only one can log it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.errors import DomainError
from portal.extensions import db
from portal.models.entries import TimeEntry
from portal.models.tickets import Ticket
from portal.models.types import utcnow
from portal.models.users import User
from portal.models.workflow import Timer
from portal.services.entries import (
    MAX_DESCRIPTION_LENGTH,
    EntryData,
    EntryDataError,
    create_entry_once,
    today_for,
    zone_for,
)

logger = logging.getLogger(__name__)

# Logging a timer that ran longer than this needs the agent's confirmation.
LONG_TIMER_SECONDS = 10 * 60 * 60


class TimerConflict(DomainError):
    """The timer is not in the state the page showed, because another tab changed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 409)


class TimerAlreadyRunning(DomainError):
    """A new timer was started while the agent's timer still exists."""

    def __init__(self, timer: Timer) -> None:
        if timer.running_since is None:
            message = _(
                "A paused timer exists on %(key)s. Log its time or discard it "
                "before you start another one.",
                key=timer.ticket.key,
            )
        else:
            message = _(
                "A timer is already running on %(key)s. Stop it and log its time, "
                "or discard it, before you start another one.",
                key=timer.ticket.key,
            )
        super().__init__(message, 409)
        self.timer = timer


@dataclass(frozen=True)
class StoppedTimer:
    """A paused timer with the values the quick-log form is prefilled with."""

    timer: Timer
    minutes: int
    work_date: date
    crossed_midnight: bool
    ran_long: bool

    @property
    def needs_confirmation(self) -> bool:
        return self.crossed_midnight or self.ran_long


def find_timer(agent: User) -> Timer | None:
    """Return agent's timer with its ticket loaded, or None."""
    query = (
        select(Timer)
        .where(Timer.agent_id == agent.id)
        .options(joinedload(Timer.ticket))
    )
    return db.session.scalar(query)


def elapsed_seconds(timer: Timer, now: datetime | None = None) -> int:
    """Return the seconds the timer has run, pauses left out."""
    seconds = timer.accumulated_seconds
    if timer.running_since is not None:
        running = (now or utcnow()) - timer.running_since
        seconds += max(0, int(running.total_seconds()))
    return seconds


def rounded_minutes(seconds: int) -> int:
    """Round seconds half up to whole minutes, at least one."""
    return max(1, (seconds + 30) // 60)


def start_timer(
    agent: User,
    ticket: Ticket,
    description: str = "",
    replace_version: int | None = None,
) -> Timer:
    """Start agent's timer on ticket.

    An existing timer raises TimerAlreadyRunning, unless replace_version names
    its current version: then that timer is discarded first.
    """
    existing = find_timer(agent)
    if existing is not None:
        if replace_version is None:
            raise TimerAlreadyRunning(existing)
        discard_timer(agent, replace_version)

    now = utcnow()
    timer = Timer(
        agent_id=agent.id,
        ticket_id=ticket.id,
        started_at=now,
        running_since=now,
        accumulated_seconds=0,
        description=description[:MAX_DESCRIPTION_LENGTH],
    )
    db.session.add(timer)
    _flush_new_timer(agent)
    logger.info(
        "timer %s of agent %s started on ticket %s", timer.id, agent.id, ticket.id
    )
    return timer


def _flush_new_timer(agent: User) -> None:
    # Two tabs that start a timer at the same moment both pass the check
    # above. The unique agent_id rejects the second INSERT.
    agent_id = agent.id
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        logger.info("agent %s started a second timer concurrently", agent_id)
        raise TimerConflict(
            _(
                "A timer was started in another tab or on another device at the "
                "same moment. Its current state is shown in the header now."
            )
        ) from None


def pause_timer(agent: User, expected_version: int | None) -> Timer:
    """Pause agent's running timer, keeping the time it has run."""
    timer = _timer_at(agent, expected_version)
    if timer.running_since is None:
        return timer
    timer.accumulated_seconds = elapsed_seconds(timer)
    timer.running_since = None
    db.session.flush()
    logger.info("timer %s of agent %s paused", timer.id, agent.id)
    return timer


def resume_timer(agent: User, expected_version: int | None) -> Timer:
    """Let agent's paused timer run again."""
    timer = _timer_at(agent, expected_version)
    if timer.running_since is not None:
        return timer
    timer.running_since = utcnow()
    db.session.flush()
    logger.info("timer %s of agent %s resumed", timer.id, agent.id)
    return timer


def stop_timer(agent: User, expected_version: int | None) -> StoppedTimer:
    """Pause agent's timer and return what its quick-log form shows."""
    timer = pause_timer(agent, expected_version)
    return describe_stopped(agent, timer)


def describe_stopped(agent: User, timer: Timer) -> StoppedTimer:
    """Return the minutes, work date and warnings of a paused timer."""
    seconds = elapsed_seconds(timer)
    started_on = timer.started_at.astimezone(zone_for(agent)).date()
    return StoppedTimer(
        timer=timer,
        minutes=rounded_minutes(seconds),
        work_date=started_on,
        crossed_midnight=started_on < today_for(agent),
        ran_long=seconds > LONG_TIMER_SECONDS,
    )


def discard_timer(agent: User, expected_version: int | None) -> None:
    """Delete agent's timer without logging its time."""
    timer = _timer_at(agent, expected_version)
    db.session.delete(timer)
    db.session.flush()
    logger.info("timer %s of agent %s discarded", timer.id, agent.id)


def log_timer(
    agent: User,
    expected_version: int | None,
    ticket: Ticket,
    data: EntryData,
    confirmed: bool,
    start_next: Ticket | None = None,
) -> tuple[TimeEntry, bool]:
    """Log the stopped timer's time as an entry on ticket and delete the timer.

    A timer that crossed midnight or ran over 10 hours needs confirmed. With
    start_next a new timer starts on that ticket afterwards. Return the entry
    and whether an earlier post of the same form had logged it already.
    """
    if data.client_token is not None and _token_used(agent, data.client_token):
        # The form that logged the timer was posted again: return its entry.
        entry, _is_repeat = create_entry_once(agent, ticket, data)
        return entry, True
    timer = _timer_at(agent, expected_version)
    _check_confirmed(describe_stopped(agent, timer), confirmed)

    entry, is_repeat = create_entry_once(agent, ticket, data)
    if is_repeat:
        return entry, True
    db.session.delete(timer)
    db.session.flush()
    logger.info("timer %s of agent %s logged as entry %s", timer.id, agent.id, entry.id)

    if start_next is not None:
        start_timer(agent, start_next)
    return entry, False


def _check_confirmed(stopped: StoppedTimer, confirmed: bool) -> None:
    if confirmed or not stopped.needs_confirmation:
        return
    if stopped.crossed_midnight:
        message = _(
            "The timer ran past midnight. Check the duration and the work date, "
            "then tick the box to log the time."
        )
    else:
        message = _(
            "The timer ran for more than 10 hours. Check the duration, then tick "
            "the box to log the time."
        )
    raise EntryDataError("confirm_duration", message)


def _timer_at(agent: User, expected_version: int | None) -> Timer:
    """Lock and return agent's timer if it is still at expected_version.

    Raise TimerConflict when it is gone or at another version.
    """
    query = select(Timer).where(Timer.agent_id == agent.id).with_for_update()
    timer = db.session.scalar(query)
    if timer is not None and timer.version == expected_version:
        return timer

    logger.info(
        "timer action of agent %s expected version %s, found %s",
        agent.id,
        expected_version,
        None if timer is None else timer.version,
    )
    if timer is None:
        raise TimerConflict(
            _(
                "The timer was already logged or discarded in another tab or on "
                "another device."
            )
        )
    if timer.running_since is None:
        raise TimerConflict(
            _(
                "The timer was paused or stopped in another tab or on another "
                "device. Its current state is shown in the header now."
            )
        )
    raise TimerConflict(
        _(
            "The timer was changed in another tab or on another device. Its "
            "current state is shown in the header now."
        )
    )


def _token_used(agent: User, client_token: str) -> bool:
    query = select(TimeEntry.id).where(
        TimeEntry.agent_id == agent.id, TimeEntry.client_token == client_token
    )
    return db.session.scalar(query) is not None
