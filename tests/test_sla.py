"""SLA clocks of a ticket and compliance percentages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.services.calendar import WorkingCalendar
from portal.services.sla import (
    ComplianceCounts,
    SlaClock,
    SlaResult,
    SlaStatus,
    SlaTarget,
    compliance,
    evaluate_ticket,
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
    first_response_at=None, resolved_at=None, now=None, target=HIGH, opened=OPENED
):
    return evaluate_ticket(
        opened_at=opened,
        first_response_at=first_response_at,
        resolved_at=resolved_at,
        target=target,
        calendar=CALENDAR,
        now=now or opened + timedelta(days=60),
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
