"""SLA clocks of a ticket and compliance percentages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.services.calendar import WorkingCalendar
from portal.services.sla import (
    ComplianceCounts,
    Pause,
    SlaClock,
    SlaResult,
    SlaStatus,
    SlaTarget,
    compliance,
    evaluate_ticket,
    waiting_pauses,
)

ROME = ZoneInfo("Europe/Rome")
CALENDAR = WorkingCalendar()

HIGH = SlaTarget("high", first_response_minutes=240, resolution_minutes=960)
URGENT_24_7 = SlaTarget(
    "urgent", first_response_minutes=60, resolution_minutes=1440, business_hours=False
)


def rome(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    """Return the UTC instant of a wall-clock time in Rome."""
    local = datetime(year, month, day, hour, minute, second, tzinfo=ROME)
    return local.astimezone(UTC)


# Monday 12 January 2026, 10:00 in Rome. With the default calendar the first
# response (240 working minutes) is due at 15:00 the same day and the resolution
# (960 working minutes) at 10:00 on Wednesday 14 January.
OPENED = rome(2026, 1, 12, 10)
FIRST_RESPONSE_DUE = rome(2026, 1, 12, 15)
RESOLUTION_DUE = rome(2026, 1, 14, 10)


def evaluate(
    first_response_at=None,
    resolved_at=None,
    now=None,
    target=HIGH,
    opened=OPENED,
    waiting=(),
):
    return evaluate_ticket(
        opened_at=opened,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        target=target,
        calendar=CALENDAR,
        now=now or opened + timedelta(days=60),
        waiting=waiting,
    )


def test_due_instants_follow_working_hours():
    result = evaluate(now=rome(2026, 1, 12, 11))

    assert result.first_response.due_at == FIRST_RESPONSE_DUE
    assert result.resolution.due_at == RESOLUTION_DUE
    assert result.priority == "high"
    assert result.business_hours is True


@pytest.mark.parametrize(
    ("first_response_at", "now", "status", "elapsed", "minutes_left"),
    [
        pytest.param(rome(2026, 1, 12, 12), None, SlaStatus.MET, 120, None, id="met"),
        pytest.param(
            FIRST_RESPONSE_DUE, None, SlaStatus.MET, 240, None, id="met-at-due"
        ),
        pytest.param(
            rome(2026, 1, 12, 15, 1),
            None,
            SlaStatus.BREACHED,
            241,
            None,
            id="minute-late",
        ),
        pytest.param(
            rome(2026, 1, 13, 9, 30), None, SlaStatus.BREACHED, 450, None, id="next-day"
        ),
        pytest.param(
            None, rome(2026, 1, 12, 12, 30), SlaStatus.RUNNING, 150, 90, id="running"
        ),
        pytest.param(
            None, rome(2026, 1, 12, 13, 30), SlaStatus.RUNNING, 180, 60, id="at-lunch"
        ),
        pytest.param(
            None,
            rome(2026, 1, 12, 12, 30, 30),
            SlaStatus.RUNNING,
            150,
            90,
            id="partial-minute-left-rounds-up",
        ),
        pytest.param(None, FIRST_RESPONSE_DUE, SlaStatus.RUNNING, 240, 0, id="at-due"),
        pytest.param(
            None,
            rome(2026, 1, 13, 11),
            SlaStatus.RUNNING_BREACHED,
            540,
            None,
            id="running-breached",
        ),
    ],
)
def test_first_response_clock(first_response_at, now, status, elapsed, minutes_left):
    clock = evaluate(first_response_at=first_response_at, now=now).first_response

    assert clock.status == status
    assert clock.elapsed_minutes == elapsed
    assert clock.minutes_left == minutes_left
    assert clock.target_minutes == 240
    assert clock.due_at == FIRST_RESPONSE_DUE


@pytest.mark.parametrize(
    ("resolved_at", "now", "status", "elapsed", "minutes_left"),
    [
        pytest.param(rome(2026, 1, 13, 16), None, SlaStatus.MET, 780, None, id="met"),
        pytest.param(RESOLUTION_DUE, None, SlaStatus.MET, 960, None, id="met-at-due"),
        pytest.param(
            rome(2026, 1, 15, 9), None, SlaStatus.BREACHED, 1380, None, id="late"
        ),
        pytest.param(
            None, rome(2026, 1, 12, 12, 30), SlaStatus.RUNNING, 150, 810, id="running"
        ),
        pytest.param(
            None,
            rome(2026, 1, 14, 10, 1),
            SlaStatus.RUNNING_BREACHED,
            961,
            None,
            id="running-breached",
        ),
    ],
)
def test_resolution_clock(resolved_at, now, status, elapsed, minutes_left):
    first_response_at = rome(2026, 1, 12, 11)
    clock = evaluate(
        first_response_at=first_response_at, resolved_at=resolved_at, now=now
    ).resolution

    assert clock.status == status
    assert clock.elapsed_minutes == elapsed
    assert clock.minutes_left == minutes_left
    assert clock.due_at == RESOLUTION_DUE


def test_weekend_reply_after_friday_deadline_breaches():
    # Opened Friday 16 January 2026 at 16:00, so 120 working minutes end at 18:00.
    target = SlaTarget("normal", first_response_minutes=120, resolution_minutes=960)
    opened = rome(2026, 1, 16, 16)
    saturday = rome(2026, 1, 17, 10)

    replied = evaluate(first_response_at=saturday, target=target, opened=opened)
    waiting = evaluate(now=saturday, target=target, opened=opened)

    assert replied.first_response.due_at == rome(2026, 1, 16, 18)
    assert replied.first_response.status == SlaStatus.BREACHED
    assert replied.first_response.elapsed_minutes == 120
    assert waiting.first_response.status == SlaStatus.RUNNING_BREACHED
    assert waiting.first_response.elapsed_minutes == 120


def test_resolution_counts_as_first_response():
    result = evaluate(resolved_at=rome(2026, 1, 12, 11), now=rome(2026, 1, 20, 12))

    assert result.first_response.status == SlaStatus.MET
    assert result.first_response.elapsed_minutes == 60
    assert result.resolution.status == SlaStatus.MET


def test_events_ignore_now():
    # A stopped clock keeps its outcome whatever instant the page asks about.
    result = evaluate(
        first_response_at=rome(2026, 1, 12, 12),
        resolved_at=rome(2026, 1, 13, 16),
        now=rome(2027, 1, 1),
    )

    assert result.first_response.elapsed_minutes == 120
    assert result.resolution.elapsed_minutes == 780


@pytest.mark.parametrize(
    ("resolved_at", "now", "status", "elapsed", "minutes_left"),
    [
        pytest.param(
            rome(2026, 3, 29, 13), None, SlaStatus.MET, 1440, None, id="met-at-due"
        ),
        pytest.param(
            rome(2026, 3, 29, 13, 1), None, SlaStatus.BREACHED, 1441, None, id="late"
        ),
        pytest.param(
            None, rome(2026, 3, 29, 12), SlaStatus.RUNNING, 1380, 60, id="running"
        ),
    ],
)
def test_calendar_hours_across_spring_dst(
    resolved_at, now, status, elapsed, minutes_left
):
    # Opened Saturday 28 March 2026 at 12:00. The night has 23 hours, so 24
    # calendar hours end on Sunday at 13:00 Rome time.
    result = evaluate(
        first_response_at=rome(2026, 3, 28, 12, 30),
        resolved_at=resolved_at,
        now=now,
        target=URGENT_24_7,
        opened=rome(2026, 3, 28, 12),
    )

    assert result.business_hours is False
    assert result.first_response.due_at == rome(2026, 3, 28, 13)
    assert result.first_response.status == SlaStatus.MET
    assert result.resolution.due_at == rome(2026, 3, 29, 13)
    assert result.resolution.status == status
    assert result.resolution.elapsed_minutes == elapsed
    assert result.resolution.minutes_left == minutes_left


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            {"first_response_at": OPENED - timedelta(minutes=1)},
            "first_response_at .* is before opened_at",
            id="response-before-opening",
        ),
        pytest.param(
            {"resolved_at": OPENED - timedelta(minutes=1)},
            "resolved_at .* is before opened_at",
            id="resolution-before-opening",
        ),
        pytest.param(
            {"now": OPENED - timedelta(minutes=1)},
            "now .* is before opened_at",
            id="now-before-opening",
        ),
        pytest.param(
            {"opened": datetime(2026, 1, 12, 10)},  # noqa: DTZ001 - naive on purpose
            "opened_at must be an aware datetime",
            id="naive-opening",
        ),
        pytest.param(
            {"resolved_at": datetime(2026, 1, 13, 10)},  # noqa: DTZ001 - naive on purpose
            "resolved_at must be an aware datetime",
            id="naive-resolution",
        ),
    ],
)
def test_invalid_timestamps_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        evaluate(**arguments)


@pytest.mark.parametrize(
    ("first_response", "resolution", "error", "message"),
    [
        pytest.param(0, 960, ValueError, "at least 1 minute, not 0", id="zero"),
        pytest.param(240, -5, ValueError, "at least 1 minute, not -5", id="negative"),
        pytest.param(2.5, 960, TypeError, "must be an int", id="float"),
        pytest.param(240, True, TypeError, "must be an int", id="bool"),
    ],
)
def test_invalid_target_rejected(first_response, resolution, error, message):
    with pytest.raises(error, match=message):
        SlaTarget("high", first_response, resolution)


def clock(status: SlaStatus) -> SlaClock:
    return SlaClock(target_minutes=60, elapsed_minutes=0, due_at=OPENED, status=status)


def result(
    priority: str,
    first_response: SlaStatus,
    resolution: SlaStatus = SlaStatus.RUNNING,
) -> SlaResult:
    return SlaResult(
        priority=priority,
        business_hours=True,
        first_response=clock(first_response),
        resolution=clock(resolution),
    )


@pytest.mark.parametrize(
    ("met", "breached", "expected"),
    [
        pytest.param(2, 1, Decimal("66.7"), id="2-of-3"),
        pytest.param(1, 2, Decimal("33.3"), id="1-of-3"),
        pytest.param(1, 15, Decimal("6.3"), id="1-of-16-half-up"),
        pytest.param(1, 7, Decimal("12.5"), id="1-of-8"),
        pytest.param(3, 0, Decimal("100.0"), id="all-met"),
        pytest.param(0, 2, Decimal("0.0"), id="none-met"),
        pytest.param(0, 0, None, id="nothing-decided"),
    ],
)
def test_compliance_percentage_rounding(met, breached, expected):
    percentage = ComplianceCounts(met=met, breached=breached).percentage

    assert percentage == expected
    if expected is not None:
        assert isinstance(percentage, Decimal)
        assert str(percentage) == str(expected)


def test_compliance_two_of_three_per_priority():
    results = [
        result("high", SlaStatus.MET, SlaStatus.MET),
        result("high", SlaStatus.MET, SlaStatus.BREACHED),
        result("high", SlaStatus.BREACHED, SlaStatus.RUNNING),
        result("low", SlaStatus.MET),
    ]

    report = compliance(results)

    assert list(report) == ["high", "low"]
    assert report["high"].first_response == ComplianceCounts(met=2, breached=1)
    assert report["high"].first_response.percentage == Decimal("66.7")
    assert report["high"].resolution == ComplianceCounts(met=1, breached=1, running=1)
    assert report["high"].resolution.percentage == Decimal("50.0")
    assert report["low"].first_response.percentage == Decimal("100.0")
    assert report["low"].resolution.percentage is None


def test_compliance_running_left_out():
    report = compliance(
        [
            result("normal", SlaStatus.MET),
            result("normal", SlaStatus.RUNNING),
            result("normal", SlaStatus.RUNNING_BREACHED),
        ]
    )

    counts = report["normal"].first_response
    assert counts == ComplianceCounts(met=1, breached=1, running=1)
    assert counts.decided == 2
    assert counts.percentage == Decimal("50.0")


def test_compliance_without_tickets():
    assert compliance([]) == {}


def test_compliance_lists_requested_priorities():
    report = compliance(
        [result("high", SlaStatus.MET)], priorities=["urgent", "high", "low"]
    )

    assert list(report) == ["urgent", "high", "low"]
    assert report["urgent"].first_response == ComplianceCounts()
    assert report["urgent"].first_response.percentage is None
    assert report["high"].first_response.percentage == Decimal("100.0")


def test_compliance_of_evaluated_tickets():
    now = rome(2026, 1, 13, 11)
    results = [
        evaluate(first_response_at=rome(2026, 1, 12, 12), now=now),
        evaluate(first_response_at=rome(2026, 1, 12, 14, 30), now=now),
        evaluate(first_response_at=rome(2026, 1, 12, 16), now=now),
    ]

    report = compliance(results)

    assert report["high"].first_response.percentage == Decimal("66.7")
    assert report["high"].resolution == ComplianceCounts(running=3)


# Pauses while the ticket waits for the customer. Each case gives the opening,
# the waiting intervals, the resolution or now, and the expected resolution
# clock. The default calendar works Monday to Friday, 9-13 and 14-18 in Rome.


def test_waiting_pauses_from_status_changes():
    changes = [
        (rome(2026, 1, 12, 11), False),
        (rome(2026, 1, 12, 14), True),
        (rome(2026, 1, 12, 15), False),
        (rome(2026, 1, 13, 9), True),
    ]

    pauses = waiting_pauses(changes)

    assert pauses == (
        Pause(rome(2026, 1, 12, 14), rome(2026, 1, 12, 15)),
        Pause(rome(2026, 1, 13, 9)),
    )


def test_waiting_pauses_sorts_changes():
    changes = [(rome(2026, 1, 12, 15), False), (rome(2026, 1, 12, 14), True)]

    assert waiting_pauses(changes) == (
        Pause(rome(2026, 1, 12, 14), rome(2026, 1, 12, 15)),
    )


def test_repeated_waiting_change_keeps_start():
    changes = [
        (rome(2026, 1, 12, 14), True),
        (rome(2026, 1, 12, 14, 30), True),
        (rome(2026, 1, 12, 15), False),
    ]

    assert waiting_pauses(changes) == (
        Pause(rome(2026, 1, 12, 14), rome(2026, 1, 12, 15)),
    )


def test_waiting_pauses_without_history():
    assert waiting_pauses([]) == ()


# Thursday 15 January 2026, 10:00. Without a pause the 960 working minutes of
# the resolution end on Monday 19 January at 10:00. The ticket waits from
# Friday 16:00 to Monday 11:00: 120 + 120 working minutes.
WEEKEND_OPENED = rome(2026, 1, 15, 10)
WEEKEND_WAIT = (Pause(rome(2026, 1, 16, 16), rome(2026, 1, 19, 11)),)

# Monday 7 December 2026, 9:00. Tuesday 8 December is a holiday (Immacolata).
# The ticket waits from Monday 17:00 to Wednesday 10:00: 60 + 0 + 60 working
# minutes, so the resolution moves from Wednesday 18:00 to Thursday 11:00.
HOLIDAY_OPENED = rome(2026, 12, 7, 9)
HOLIDAY_WAIT = (Pause(rome(2026, 12, 7, 17), rome(2026, 12, 9, 10)),)

# Thursday 26 March 2026, 10:00, before the clocks go forward on Sunday 29
# March. The ticket waits from Friday 16:00 to Monday 10:00: 120 + 60 working
# minutes, so the resolution moves from Monday 10:00 to Monday 13:00.
SPRING_OPENED = rome(2026, 3, 26, 10)
SPRING_WAIT = (Pause(rome(2026, 3, 27, 16), rome(2026, 3, 30, 10)),)

# Monday 12 January 2026, 10:00, waiting twice: Monday 14:00-15:00 and Tuesday
# 9:00-12:00, 60 + 180 working minutes. The resolution moves from Wednesday
# 10:00 to Wednesday 15:00.
TWICE_WAIT = (
    Pause(rome(2026, 1, 12, 14), rome(2026, 1, 12, 15)),
    Pause(rome(2026, 1, 13, 9), rome(2026, 1, 13, 12)),
)


@pytest.mark.parametrize(
    (
        "opened",
        "waiting",
        "resolved_at",
        "now",
        "status",
        "elapsed",
        "minutes_left",
        "paused",
        "due_at",
    ),
    [
        pytest.param(
            WEEKEND_OPENED,
            WEEKEND_WAIT,
            rome(2026, 1, 19, 15),
            None,
            SlaStatus.MET,
            960,
            None,
            240,
            rome(2026, 1, 19, 15),
            id="weekend-met-at-due",
        ),
        pytest.param(
            WEEKEND_OPENED,
            WEEKEND_WAIT,
            rome(2026, 1, 19, 15, 1),
            None,
            SlaStatus.BREACHED,
            961,
            None,
            240,
            rome(2026, 1, 19, 15),
            id="weekend-late",
        ),
        pytest.param(
            WEEKEND_OPENED,
            WEEKEND_WAIT,
            None,
            rome(2026, 1, 19, 12),
            SlaStatus.RUNNING,
            840,
            120,
            240,
            rome(2026, 1, 19, 15),
            id="weekend-running-after-wait",
        ),
        pytest.param(
            WEEKEND_OPENED,
            WEEKEND_WAIT,
            None,
            rome(2026, 1, 17, 12),
            SlaStatus.PAUSED,
            780,
            180,
            120,
            None,
            id="weekend-paused-on-saturday",
        ),
        pytest.param(
            HOLIDAY_OPENED,
            HOLIDAY_WAIT,
            rome(2026, 12, 10, 11),
            None,
            SlaStatus.MET,
            960,
            None,
            120,
            rome(2026, 12, 10, 11),
            id="holiday-met-at-due",
        ),
        pytest.param(
            HOLIDAY_OPENED,
            HOLIDAY_WAIT,
            rome(2026, 12, 10, 11, 1),
            None,
            SlaStatus.BREACHED,
            961,
            None,
            120,
            rome(2026, 12, 10, 11),
            id="holiday-late",
        ),
        pytest.param(
            HOLIDAY_OPENED,
            HOLIDAY_WAIT,
            None,
            rome(2026, 12, 9, 12),
            SlaStatus.RUNNING,
            540,
            420,
            120,
            rome(2026, 12, 10, 11),
            id="holiday-running",
        ),
        pytest.param(
            SPRING_OPENED,
            SPRING_WAIT,
            rome(2026, 3, 30, 13),
            None,
            SlaStatus.MET,
            960,
            None,
            180,
            rome(2026, 3, 30, 13),
            id="spring-dst-met-at-due",
        ),
        pytest.param(
            SPRING_OPENED,
            SPRING_WAIT,
            rome(2026, 3, 30, 14),
            None,
            SlaStatus.BREACHED,
            960,
            None,
            180,
            rome(2026, 3, 30, 13),
            id="spring-dst-after-lunch-breaches",
        ),
        pytest.param(
            OPENED,
            TWICE_WAIT,
            rome(2026, 1, 14, 15),
            None,
            SlaStatus.MET,
            960,
            None,
            240,
            rome(2026, 1, 14, 15),
            id="twice-met-at-due",
        ),
        pytest.param(
            OPENED,
            TWICE_WAIT,
            None,
            rome(2026, 1, 13, 12),
            SlaStatus.RUNNING,
            360,
            600,
            240,
            rome(2026, 1, 14, 15),
            id="twice-running",
        ),
        pytest.param(
            OPENED,
            TWICE_WAIT,
            None,
            rome(2026, 1, 13, 10),
            SlaStatus.PAUSED,
            360,
            600,
            120,
            None,
            id="twice-paused-in-second-wait",
        ),
    ],
)
def test_resolution_pauses_in_business_hours(
    opened, waiting, resolved_at, now, status, elapsed, minutes_left, paused, due_at
):
    result = evaluate(
        first_response_at=opened + timedelta(minutes=30),
        resolved_at=resolved_at,
        now=now,
        opened=opened,
        waiting=waiting,
    )

    clock = result.resolution
    assert clock.status == status
    assert clock.elapsed_minutes == elapsed
    assert clock.minutes_left == minutes_left
    assert clock.paused_minutes == paused
    assert clock.due_at == due_at


@pytest.mark.parametrize(
    ("opened", "waiting", "resolved_at", "elapsed", "paused", "due_at"),
    [
        pytest.param(
            rome(2026, 3, 28, 10),
            (Pause(rome(2026, 3, 28, 12), rome(2026, 3, 29, 12)),),
            rome(2026, 3, 30, 10),
            1440,
            1380,
            rome(2026, 3, 30, 10),
            id="spring-night-of-23-hours",
        ),
        pytest.param(
            rome(2026, 10, 24, 10),
            (Pause(rome(2026, 10, 24, 12), rome(2026, 10, 25, 12)),),
            rome(2026, 10, 26, 10),
            1440,
            1500,
            rome(2026, 10, 26, 10),
            id="autumn-night-of-25-hours",
        ),
        pytest.param(
            rome(2026, 12, 7, 9),
            HOLIDAY_WAIT,
            rome(2026, 12, 10, 2),
            1440,
            2460,
            rome(2026, 12, 10, 2),
            id="holiday-counts-in-calendar-hours",
        ),
    ],
)
def test_resolution_pauses_in_calendar_hours(
    opened, waiting, resolved_at, elapsed, paused, due_at
):
    # 24 calendar hours of resolution, moved on by the elapsed time of the wait.
    result = evaluate(
        first_response_at=opened + timedelta(minutes=30),
        resolved_at=resolved_at,
        target=URGENT_24_7,
        opened=opened,
        waiting=waiting,
    )

    clock = result.resolution
    assert clock.status == SlaStatus.MET
    assert clock.elapsed_minutes == elapsed
    assert clock.paused_minutes == paused
    assert clock.due_at == due_at


def test_ongoing_wait_freezes_time_left():
    # Waiting since Tuesday 11:00 after 420 + 120 working minutes of work.
    waiting = (Pause(rome(2026, 1, 13, 11)),)

    results = [
        evaluate(
            first_response_at=rome(2026, 1, 12, 11), now=now, waiting=waiting
        ).resolution
        for now in (rome(2026, 1, 13, 12), rome(2026, 1, 15, 12), rome(2026, 2, 2))
    ]

    for clock in results:
        assert clock.status == SlaStatus.PAUSED
        assert clock.elapsed_minutes == 540
        assert clock.minutes_left == 420
        assert clock.due_at is None
        assert not clock.is_breached
    assert results[0].paused_minutes == 60
    assert results[1].paused_minutes == 1020


def test_ongoing_wait_after_due_stays_breached():
    # The resolution was due on Wednesday 10:00, and the wait began at 11:00.
    waiting = (Pause(rome(2026, 1, 14, 11)),)

    clock = evaluate(
        first_response_at=rome(2026, 1, 12, 11),
        now=rome(2026, 1, 15, 12),
        waiting=waiting,
    ).resolution

    assert clock.status == SlaStatus.RUNNING_BREACHED
    assert clock.due_at == RESOLUTION_DUE
    assert clock.elapsed_minutes == 1020
    assert clock.minutes_left is None


def test_ongoing_wait_in_calendar_hours():
    opened = rome(2026, 3, 28, 10)

    clock = evaluate(
        first_response_at=opened + timedelta(minutes=30),
        now=rome(2026, 3, 30, 9),
        target=URGENT_24_7,
        opened=opened,
        waiting=(Pause(rome(2026, 3, 28, 12)),),
    ).resolution

    assert clock.status == SlaStatus.PAUSED
    assert clock.elapsed_minutes == 120
    assert clock.minutes_left == 1320


def test_wait_before_first_response_pauses_resolution_only():
    # Waiting Monday 10:30 to Tuesday 10:30 (480 working minutes), with the
    # first response on Tuesday at 11:00: the response was due Monday 15:00.
    waiting = (Pause(rome(2026, 1, 12, 10, 30), rome(2026, 1, 13, 10, 30)),)

    result = evaluate(
        first_response_at=rome(2026, 1, 13, 11),
        resolved_at=rome(2026, 1, 15, 10),
        waiting=waiting,
    )

    assert result.first_response.status == SlaStatus.BREACHED
    assert result.first_response.elapsed_minutes == 540
    assert result.first_response.due_at == FIRST_RESPONSE_DUE
    assert result.first_response.paused_minutes == 0
    assert result.resolution.status == SlaStatus.MET
    assert result.resolution.elapsed_minutes == 960
    assert result.resolution.due_at == rome(2026, 1, 15, 10)


def test_wait_before_first_response_while_open():
    waiting = (Pause(rome(2026, 1, 12, 10, 30)),)

    result = evaluate(now=rome(2026, 1, 12, 16), waiting=waiting)

    assert result.first_response.status == SlaStatus.RUNNING_BREACHED
    assert result.first_response.elapsed_minutes == 300
    assert result.resolution.status == SlaStatus.PAUSED
    assert result.resolution.elapsed_minutes == 30
    assert result.resolution.minutes_left == 930


def test_wait_outside_clock_ignored():
    # A wait before the opening is cut at the opening, and one after the
    # resolution does not count.
    waiting = (
        Pause(rome(2026, 1, 9, 9), rome(2026, 1, 12, 11)),
        Pause(rome(2026, 1, 14, 9), rome(2026, 1, 14, 12)),
    )

    clock = evaluate(
        first_response_at=rome(2026, 1, 12, 11),
        resolved_at=rome(2026, 1, 13, 16),
        waiting=waiting,
    ).resolution

    assert clock.elapsed_minutes == 720
    assert clock.paused_minutes == 60
    assert clock.due_at == rome(2026, 1, 14, 11)


def test_wait_open_at_resolution_closes_there():
    # The ticket was resolved while it still showed as waiting.
    waiting = (Pause(rome(2026, 1, 13, 9)),)

    clock = evaluate(
        first_response_at=rome(2026, 1, 12, 11),
        resolved_at=rome(2026, 1, 13, 12),
        now=rome(2026, 1, 20, 12),
        waiting=waiting,
    ).resolution

    assert clock.status == SlaStatus.MET
    assert clock.elapsed_minutes == 420
    assert clock.paused_minutes == 180


def test_wait_of_seconds_rounds_elapsed_down():
    # A 30-second wait moves the due instant by 30 seconds, and the clock
    # counts 59 whole minutes after 59.5 counted minutes.
    waiting = (Pause(rome(2026, 1, 12, 10, 10), rome(2026, 1, 12, 10, 10, 30)),)

    clock = evaluate(
        first_response_at=rome(2026, 1, 12, 10, 5),
        now=rome(2026, 1, 12, 11),
        waiting=waiting,
    ).resolution

    assert clock.elapsed_minutes == 59
    assert clock.minutes_left == 901
    assert clock.due_at == RESOLUTION_DUE + timedelta(seconds=30)


def test_overlapping_waits_merged():
    waiting = (
        Pause(rome(2026, 1, 12, 14), rome(2026, 1, 12, 16)),
        Pause(rome(2026, 1, 12, 15), rome(2026, 1, 12, 17)),
    )

    clock = evaluate(
        first_response_at=rome(2026, 1, 12, 11),
        resolved_at=rome(2026, 1, 12, 18),
        waiting=waiting,
    ).resolution

    assert clock.paused_minutes == 180
    assert clock.elapsed_minutes == 240


def test_waits_ignore_now_once_resolved():
    waiting = TWICE_WAIT
    resolved_at = rome(2026, 1, 14, 15)

    early = evaluate(resolved_at=resolved_at, now=resolved_at, waiting=waiting)
    late = evaluate(resolved_at=resolved_at, now=rome(2027, 1, 1), waiting=waiting)

    assert early == late


@pytest.mark.parametrize(
    ("pause", "message"),
    [
        pytest.param(
            Pause(datetime(2026, 1, 12, 14)),  # noqa: DTZ001 - naive on purpose
            "pause start .* is naive",
            id="naive-start",
        ),
        pytest.param(
            Pause(rome(2026, 1, 12, 14), rome(2026, 1, 12, 13)),
            "pause end .* is before its start",
            id="end-before-start",
        ),
    ],
)
def test_invalid_pause_rejected(pause, message):
    with pytest.raises(ValueError, match=message):
        evaluate(waiting=(pause,))


def test_compliance_counts_paused_as_running():
    report = compliance(
        [
            result("normal", SlaStatus.MET, SlaStatus.PAUSED),
            result("normal", SlaStatus.MET, SlaStatus.MET),
        ]
    )

    assert report["normal"].resolution == ComplianceCounts(met=1, running=1)
