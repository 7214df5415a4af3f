"""SLA clocks for one ticket, and compliance figures over many tickets.

Each ticket runs two clocks from its opening: first response and resolution.
A clock counts working minutes of a WorkingCalendar, or elapsed calendar
minutes when the target's business_hours is false.

The resolution clock pauses while the ticket waits for the customer (status
WAITING), so those intervals count neither towards its elapsed time nor
towards its due instant. The first-response clock never pauses: the support
team owes a first reply whatever the customer does.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal.services.calendar import WorkingCalendar

PERCENT_PLACES = Decimal("0.1")


class SlaStatus(enum.StrEnum):
    MET = "met"
    BREACHED = "breached"
    # The event has not happened yet and the due instant has not passed.
    RUNNING = "running"
    # The event has not happened yet but the due instant has passed.
    RUNNING_BREACHED = "running_breached"
    # The resolution clock is stopped because the ticket waits for the
    # customer, and its target was not used up before the wait began.
    PAUSED = "paused"


@dataclass(frozen=True)
class SlaTarget:
    """Response and resolution targets, in minutes, for one ticket priority.

    With business_hours the minutes are working minutes of the calendar,
    otherwise elapsed calendar minutes.
    """

    priority: str
    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool = True

    def __post_init__(self) -> None:
        for name in ("first_response_minutes", "resolution_minutes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, not {type(value).__name__}.")
            if value <= 0:
                raise ValueError(
                    f"{name} must be at least 1 minute, not {value} "
                    f"(priority {self.priority!r})."
                )


@dataclass(frozen=True)
class Pause:
    """An interval when the ticket waited for the customer.

    end is None while the ticket still waits.
    """

    start: datetime
    end: datetime | None = None


def waiting_pauses(changes: Iterable[tuple[datetime, bool]]) -> tuple[Pause, ...]:
    """Return the intervals a ticket waited, from its status changes.

    Each change is (changed_at, waits_after), where waits_after is true when
    the new status is WAITING. A change into WAITING starts a pause and the
    next change to any other status ends it. A second change into WAITING
    while the ticket already waits, which a duplicate event can cause, does
    not restart the pause.
    """
    pauses = []
    started: datetime | None = None
    for changed_at, waits_after in sorted(changes, key=lambda change: change[0]):
        if waits_after and started is None:
            started = changed_at
        elif not waits_after and started is not None:
            pauses.append(Pause(started, changed_at))
            started = None
    if started is not None:
        pauses.append(Pause(started))
    return tuple(pauses)


@dataclass(frozen=True)
class SlaClock:
    """State of one clock (first response or resolution) of a ticket.

    elapsed_minutes counts from the opening to the event, or to now while the
    event is missing, without the pauses, rounded down to whole minutes.
    minutes_left is set only while the status is RUNNING or PAUSED, and
    elapsed_minutes + minutes_left equals target_minutes then. due_at is None
    only while PAUSED, because the due instant depends on when the wait ends.
    paused_minutes is the clock time left out while the ticket waited, rounded
    down: working minutes under business hours, else elapsed minutes.
    """

    target_minutes: int
    elapsed_minutes: int
    due_at: datetime | None
    status: SlaStatus
    minutes_left: int | None = None
    paused_minutes: int = 0

    @property
    def is_breached(self) -> bool:
        return self.status in (SlaStatus.BREACHED, SlaStatus.RUNNING_BREACHED)


@dataclass(frozen=True)
class SlaResult:
    """Both SLA clocks of one ticket, evaluated at one instant."""

    priority: str
    business_hours: bool
    first_response: SlaClock
    resolution: SlaClock


def evaluate_ticket(
    opened_at: datetime,
    first_response_at: datetime | None,
    resolved_at: datetime | None,
    target: SlaTarget,
    calendar: WorkingCalendar,
    now: datetime,
    waiting: Sequence[Pause] = (),
) -> SlaResult:
    """Evaluate the first-response and resolution clocks of a ticket at now.

    A clock is met when its event happens at or before due_at. An event after
    due_at breaches it even when no working time passed in between, such as a
    Saturday reply to a request due at 18:00 on Friday. A ticket resolved
    without a recorded first response counts the resolution as the response.
    waiting lists the pauses of the resolution clock. Parts of a pause before
    the opening, or after the resolution (or after now while the ticket is
    open), are ignored, and a pause that lasts past now means the ticket is
    waiting at now. All datetimes must be aware, and events and now must not
    precede opened_at.
    """
    _validate_timestamps(
        opened_at,
        {
            "first_response_at": first_response_at,
            "resolved_at": resolved_at,
            "now": now,
        },
    )
    _validate_pauses(waiting)
    # Aware datetimes that share a ZoneInfo subtract and compare by wall
    # clock, so everything moves to UTC before any arithmetic.
    opened_at, first_response_at, resolved_at, now = (
        _utc(opened_at),
        _utc(first_response_at),
        _utc(resolved_at),
        _utc(now),
    )
    waiting = [Pause(_utc(pause.start), _utc(pause.end)) for pause in waiting]

    response_at = first_response_at if first_response_at is not None else resolved_at
    first_response = _ClockEvaluator(opened_at, target.business_hours, calendar, now)
    resolution = _ClockEvaluator(
        opened_at,
        target.business_hours,
        calendar,
        now,
        _clip_pauses(waiting, opened_at, resolved_at, now),
    )
    return SlaResult(
        priority=target.priority,
        business_hours=target.business_hours,
        first_response=first_response.evaluate(
            target.first_response_minutes, response_at
        ),
        resolution=resolution.evaluate(target.resolution_minutes, resolved_at),
    )


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def _clip_pauses(
    pauses: Sequence[Pause],
    opened_at: datetime,
    resolved_at: datetime | None,
    now: datetime,
) -> tuple[Pause, ...]:
    """Keep the parts of pauses between the opening and the clock's horizon.

    The horizon is the resolution, else now. A stopped clock closes a pause
    at its horizon, and a running one leaves a pause open when it lasts past
    now. Overlapping pauses are merged, so the result is sorted and disjoint.
    """
    horizon = resolved_at if resolved_at is not None else now
    clipped: list[Pause] = []
    for pause in sorted(pauses, key=lambda pause: pause.start):
        start = max(pause.start, opened_at)
        end = pause.end
        if start >= horizon or (end is not None and end <= start):
            continue
        if end is None or end > horizon:
            end = horizon if resolved_at is not None else None
        if clipped and (clipped[-1].end is None or clipped[-1].end >= start):
            previous = clipped.pop()
            start = previous.start
            if previous.end is None or end is None:
                end = None
            else:
                end = max(previous.end, end)
        clipped.append(Pause(start, end))
    return tuple(clipped)


@dataclass(frozen=True)
class _ClockEvaluator:
    """One clock's arithmetic: counted time from opened_at, minus the pauses.

    pauses are sorted and disjoint, and only the last one may be open.
    """

    opened_at: datetime
    business_hours: bool
    calendar: WorkingCalendar
    now: datetime
    pauses: tuple[Pause, ...] = ()

    def evaluate(self, target_minutes: int, stopped_at: datetime | None) -> SlaClock:
        due_at = self._due_at(target_minutes)
        end = stopped_at if stopped_at is not None else self.now
        elapsed, paused = self._counted_minutes(end)
        if stopped_at is not None:
            status = SlaStatus.MET if stopped_at <= due_at else SlaStatus.BREACHED
            return SlaClock(
                target_minutes, elapsed, due_at, status, paused_minutes=paused
            )

        if due_at is None:
            # The ticket waits now and the target has time left, so the clock
            # is stopped and the time left does not change.
            status = SlaStatus.PAUSED
        elif self.now <= due_at:
            status = SlaStatus.RUNNING
        else:
            return SlaClock(
                target_minutes,
                elapsed,
                due_at,
                SlaStatus.RUNNING_BREACHED,
                paused_minutes=paused,
            )
        # Counted time adds up, so the exact time left is the target minus the
        # exact elapsed time, and this is that difference rounded up.
        minutes_left = target_minutes - elapsed
        return SlaClock(target_minutes, elapsed, due_at, status, minutes_left, paused)

    def _due_at(self, target_minutes: int) -> datetime | None:
        """Return when the target is used up, or None if an open pause comes first.

        The target is added from the opening. Each pause that starts before
        the clock runs out moves the rest of the target to the pause's end.
        """
        cursor = self.opened_at
        remaining = timedelta(minutes=target_minutes)
        for pause in self.pauses:
            candidate = self._add(cursor, remaining)
            if candidate <= pause.start:
                return candidate
            remaining -= self._time_between(cursor, pause.start)
            if pause.end is None:
                return None
            cursor = pause.end
        return self._add(cursor, remaining)

    def _counted_minutes(self, end: datetime) -> tuple[int, int]:
        """Return the whole minutes counted and paused from the opening to end."""
        paused = timedelta(0)
        for pause in self.pauses:
            if pause.start >= end:
                break
            pause_end = end if pause.end is None else min(pause.end, end)
            paused += self._time_between(pause.start, pause_end)
        total = self._time_between(self.opened_at, end)
        minute = timedelta(minutes=1)
        return (total - paused) // minute, paused // minute

    def _add(self, start: datetime, amount: timedelta) -> datetime:
        if self.business_hours:
            return self.calendar.add_working_time(start, amount)
        return start + amount

    def _time_between(self, start: datetime, end: datetime) -> timedelta:
        if self.business_hours:
            return self.calendar.working_time_between(start, end)
        return end - start


def _validate_timestamps(
    opened_at: datetime, later: dict[str, datetime | None]
) -> None:
    """Raise ValueError for a naive timestamp or one before opened_at."""
    for name, value in {"opened_at": opened_at, **later}.items():
        if value is not None and value.utcoffset() is None:
            raise ValueError(
                f"{name} must be an aware datetime, but {value.isoformat()} is "
                "naive: attach a time zone, such as datetime.UTC."
            )
    for name, value in later.items():
        if value is not None and value < opened_at:
            raise ValueError(
                f"{name} {value.isoformat()} is before opened_at "
                f"{opened_at.isoformat()}: check the ticket's timestamps."
            )


def _validate_pauses(pauses: Sequence[Pause]) -> None:
    """Raise ValueError for a naive pause bound or a pause ending before its start."""
    for pause in pauses:
        for name, value in (("start", pause.start), ("end", pause.end)):
            if value is not None and value.utcoffset() is None:
                raise ValueError(
                    f"pause {name} {value.isoformat()} is naive: attach a time "
                    "zone, such as datetime.UTC."
                )
        if pause.end is not None and pause.end < pause.start:
            raise ValueError(
                f"pause end {pause.end.isoformat()} is before its start "
                f"{pause.start.isoformat()}: check the ticket's status changes."
            )


@dataclass(frozen=True)
class ComplianceCounts:
    """Outcome counts of one clock over a group of tickets.

    breached includes RUNNING_BREACHED clocks, which have already failed.
    running counts clocks still inside their target, which the percentage
    leaves out because their outcome is not known yet.
    """

    met: int = 0
    breached: int = 0
    running: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def percentage(self) -> Decimal | None:
        """Return met / decided in percent, rounded half-up to one decimal place.

        None means there is no decided clock, which is neither 0 % nor 100 %.
        """
        if self.decided == 0:
            return None
        share = Decimal(self.met * 100) / Decimal(self.decided)
        return share.quantize(PERCENT_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PriorityCompliance:
    """Compliance of the first-response and resolution clocks for one priority."""

    priority: str
    first_response: ComplianceCounts
    resolution: ComplianceCounts


def compliance(
    results: Iterable[SlaResult], priorities: Iterable[str] = ()
) -> dict[str, PriorityCompliance]:
    """Count met, breached and running clocks per priority.

    The dictionary lists the given priorities first, in their order, even those
    without tickets, and then other priorities in order of first appearance.
    """
    counts: Counter[tuple[str, str, str]] = Counter()
    order: dict[str, None] = dict.fromkeys(priorities)
    for result in results:
        order.setdefault(result.priority, None)
        for clock_name in ("first_response", "resolution"):
            clock: SlaClock = getattr(result, clock_name)
            counts[(result.priority, clock_name, _outcome(clock))] += 1

    return {
        priority: PriorityCompliance(
            priority=priority,
            first_response=_counts_for(counts, priority, "first_response"),
            resolution=_counts_for(counts, priority, "resolution"),
        )
        for priority in order
    }


def _outcome(clock: SlaClock) -> str:
    if clock.status == SlaStatus.MET:
        return "met"
    if clock.is_breached:
        return "breached"
    return "running"


def _counts_for(
    counts: Counter[tuple[str, str, str]], priority: str, clock_name: str
) -> ComplianceCounts:
    return ComplianceCounts(
        met=counts[(priority, clock_name, "met")],
        breached=counts[(priority, clock_name, "breached")],
        running=counts[(priority, clock_name, "running")],
    )
