"""SLA clocks for one ticket, and compliance figures over many tickets.

Each ticket runs two clocks from its opening: first response and resolution.
A clock counts working minutes of a WorkingCalendar, or elapsed calendar
minutes when the target's business_hours is false.

NOTE: the clocks do not pause while a ticket waits for the customer, because
the schema keeps no history of ticket status changes.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
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
class SlaClock:
    """State of one clock (first response or resolution) of a ticket.

    elapsed_minutes counts from the opening to the event, or to now while the
    event is missing, rounded down to whole minutes. minutes_left is set only
    while the status is RUNNING, and elapsed_minutes + minutes_left equals
    target_minutes then.
    """

    target_minutes: int
    elapsed_minutes: int
    due_at: datetime
    status: SlaStatus
    minutes_left: int | None = None

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
) -> SlaResult:
    """Evaluate the first-response and resolution clocks of a ticket at now.

    A clock is met when its event happens at or before due_at. An event after
    due_at breaches it even when no working time passed in between, such as a
    Saturday reply to a request due at 18:00 on Friday. A ticket resolved
    without a recorded first response counts the resolution as the response.
    All datetimes must be aware, and events and now must not precede opened_at.
    """
    _validate_timestamps(
        opened_at,
        {
            "first_response_at": first_response_at,
            "resolved_at": resolved_at,
            "now": now,
        },
    )

    response_at = first_response_at if first_response_at is not None else resolved_at
    evaluator = _ClockEvaluator(opened_at, target.business_hours, calendar, now)
    return SlaResult(
        priority=target.priority,
        business_hours=target.business_hours,
        first_response=evaluator.evaluate(target.first_response_minutes, response_at),
        resolution=evaluator.evaluate(target.resolution_minutes, resolved_at),
    )


@dataclass(frozen=True)
class _ClockEvaluator:
    opened_at: datetime
    business_hours: bool
    calendar: WorkingCalendar
    now: datetime

    def evaluate(self, target_minutes: int, stopped_at: datetime | None) -> SlaClock:
        due_at = self._add(target_minutes)
        if stopped_at is not None:
            status = SlaStatus.MET if stopped_at <= due_at else SlaStatus.BREACHED
            elapsed = self._minutes_until(stopped_at)
            return SlaClock(target_minutes, elapsed, due_at, status)

        elapsed = self._minutes_until(self.now)
        if self.now <= due_at:
            # Working time adds up, so the exact time left is the target minus
            # the exact elapsed time, and this is that difference rounded up.
            minutes_left = target_minutes - elapsed
            return SlaClock(
                target_minutes, elapsed, due_at, SlaStatus.RUNNING, minutes_left
            )
        return SlaClock(target_minutes, elapsed, due_at, SlaStatus.RUNNING_BREACHED)

    def _add(self, minutes: int) -> datetime:
        if self.business_hours:
            return self.calendar.add_working_minutes(self.opened_at, minutes)
        return self.calendar.add_calendar_minutes(self.opened_at, minutes)

    def _minutes_until(self, end: datetime) -> int:
        if self.business_hours:
            return self.calendar.working_minutes_between(self.opened_at, end)
        return self.calendar.calendar_minutes_between(self.opened_at, end)


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
