"""Italian holidays and working-time arithmetic of WorkingCalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.services.calendar import (
    WorkingCalendar,
    easter_sunday,
    italian_public_holidays,
)

ROME = ZoneInfo("Europe/Rome")
CALENDAR = WorkingCalendar()

# Hypothesis keeps no example database, so the tests write nothing into the tree.
PROPERTY_SETTINGS = settings(database=None, deadline=None, max_examples=150)


def rome(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Return the UTC instant of a wall-clock time in Rome."""
    return datetime(year, month, day, hour, minute, tzinfo=ROME).astimezone(UTC)


def every_day_calendar(*intervals: tuple[time, time], timezone: str = "Europe/Rome"):
    return WorkingCalendar(
        timezone=timezone,
        working_weekdays=frozenset(range(7)),
        working_intervals=intervals,
        public_holidays=None,
    )


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (1818, date(1818, 3, 22)),  # earliest possible date
        (1943, date(1943, 4, 25)),  # latest possible date
        (2000, date(2000, 4, 23)),
        (2011, date(2011, 4, 24)),
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
    ids=lambda value: str(value),
)
def test_easter_sunday_known_years(year, expected):
    assert easter_sunday(year) == expected


def test_easter_sunday_is_sunday_in_range():
    for year in range(1583, 3001):
        easter = easter_sunday(year)

        assert easter.weekday() == 6, year
        assert date(year, 3, 22) <= easter <= date(year, 4, 25), year


def test_easter_sunday_rejects_julian_years():
    with pytest.raises(ValueError, match="Gregorian"):
        easter_sunday(1582)


def test_holidays_2026_full_list():
    assert italian_public_holidays(2026) == {
        date(2026, 1, 1): "Capodanno",
        date(2026, 1, 6): "Epifania",
        date(2026, 4, 5): "Pasqua",
        date(2026, 4, 6): "Lunedì dell'Angelo",
        date(2026, 4, 25): "Festa della Liberazione",
        date(2026, 5, 1): "Festa del Lavoro",
        date(2026, 6, 2): "Festa della Repubblica",
        date(2026, 8, 15): "Ferragosto",
        date(2026, 10, 4): "San Francesco d'Assisi",
        date(2026, 11, 1): "Ognissanti",
        date(2026, 12, 8): "Immacolata Concezione",
        date(2026, 12, 25): "Natale",
        date(2026, 12, 26): "Santo Stefano",
    }


@pytest.mark.parametrize(
    ("year", "easter_monday"),
    [(2024, date(2024, 4, 1)), (2025, date(2025, 4, 21)), (2027, date(2027, 3, 29))],
    ids=["2024", "2025", "2027"],
)
def test_easter_monday_is_holiday(year, easter_monday):
    assert italian_public_holidays(year)[easter_monday] == "Lunedì dell'Angelo"
    assert not CALENDAR.is_working_day(easter_monday)


@pytest.mark.parametrize(
    ("year", "is_holiday"),
    [(2024, False), (2025, False), (2026, True), (2027, True)],
    ids=["2024", "2025", "2026", "2027"],
)
def test_san_francesco_only_from_2026(year, is_holiday):
    assert (date(year, 10, 4) in italian_public_holidays(year)) is is_holiday


def test_shared_date_keeps_both_names():
    names = italian_public_holidays(2038)[date(2038, 4, 25)]

    assert "Pasqua" in names
    assert "Festa della Liberazione" in names


def test_local_holidays_added_each_year():
    local = {(12, 7): "Sant'Ambrogio", (2, 29): "Festa bisestile"}

    holidays_2026 = italian_public_holidays(2026, local)
    holidays_2028 = italian_public_holidays(2028, local)

    assert holidays_2026[date(2026, 12, 7)] == "Sant'Ambrogio"
    assert len(holidays_2026) == len(italian_public_holidays(2026)) + 1
    assert holidays_2028[date(2028, 2, 29)] == "Festa bisestile"


def test_local_holiday_invalid_date_rejected():
    with pytest.raises(ValueError, match="month=2, day=30"):
        italian_public_holidays(2026, {(2, 30): "Nessuno"})


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 12), True),  # Monday
        (date(2026, 1, 16), True),  # Friday
        (date(2026, 1, 17), False),  # Saturday
        (date(2026, 1, 18), False),  # Sunday
        (date(2026, 6, 2), False),  # Tuesday, Festa della Repubblica
        (date(2027, 10, 4), False),  # Monday, San Francesco
        (date(2024, 10, 4), True),  # Friday, before San Francesco came back
    ],
    ids=lambda value: value.isoformat() if isinstance(value, date) else str(value),
)
def test_is_working_day_default_calendar(day, expected):
    assert CALENDAR.is_working_day(day) is expected


def test_calendar_local_and_extra_holidays():
    milan = WorkingCalendar(
        local_holidays={(12, 7): "Sant'Ambrogio"},
        extra_holidays={date(2026, 8, 14): "Chiusura aziendale"},
    )

    assert not milan.is_working_day(date(2026, 12, 7))
    assert not milan.is_working_day(date(2027, 12, 7))
    assert not milan.is_working_day(date(2026, 8, 14))
    assert milan.is_working_day(date(2027, 8, 13))
    assert milan.holidays(2026)[date(2026, 12, 8)] == "Immacolata Concezione"


def test_calendar_without_public_holidays():
    calendar = WorkingCalendar(public_holidays=None)

    assert calendar.is_working_day(date(2026, 12, 25))
    assert calendar.holidays(2026) == {}


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            rome(2026, 1, 12, 9), rome(2026, 1, 12, 11, 30), 150, id="morning"
        ),
        pytest.param(
            rome(2026, 1, 12, 12), rome(2026, 1, 12, 15), 120, id="over-lunch"
        ),
        pytest.param(
            rome(2026, 1, 12, 13, 30),
            rome(2026, 1, 12, 14, 30),
            30,
            id="start-at-lunch",
        ),
        pytest.param(
            rome(2026, 1, 12, 7), rome(2026, 1, 12, 10), 60, id="start-before-hours"
        ),
        pytest.param(
            rome(2026, 1, 12, 17), rome(2026, 1, 12, 20), 60, id="end-after-hours"
        ),
        pytest.param(
            rome(2026, 1, 12, 19), rome(2026, 1, 13, 8), 0, id="overnight-outside-hours"
        ),
        pytest.param(rome(2026, 1, 12), rome(2026, 1, 13), 480, id="whole-day"),
        pytest.param(rome(2026, 1, 12, 10), rome(2026, 1, 12, 10), 0, id="empty-range"),
        pytest.param(rome(2026, 1, 16, 17), rome(2026, 1, 19, 10), 120, id="weekend"),
        pytest.param(
            rome(2026, 1, 17, 10), rome(2026, 1, 18, 18), 0, id="weekend-only"
        ),
        pytest.param(
            rome(2025, 4, 24, 17), rome(2025, 4, 28, 10), 120, id="liberazione-friday"
        ),
        pytest.param(
            rome(2026, 4, 3, 17), rome(2026, 4, 7, 10), 120, id="easter-monday"
        ),
        pytest.param(
            rome(2026, 12, 7, 17), rome(2026, 12, 9, 10), 120, id="immacolata"
        ),
        pytest.param(
            rome(2026, 12, 24, 17), rome(2026, 12, 28, 10), 120, id="christmas"
        ),
        pytest.param(
            rome(2027, 10, 1, 17), rome(2027, 10, 5, 10), 120, id="san-francesco-2027"
        ),
        pytest.param(
            rome(2024, 10, 3, 17), rome(2024, 10, 4, 10), 120, id="4-october-2024-works"
        ),
        pytest.param(
            rome(2026, 3, 27, 9), rome(2026, 3, 30, 18), 960, id="spring-dst-weekend"
        ),
        pytest.param(
            rome(2026, 3, 30, 9), rome(2026, 3, 30, 13), 240, id="first-morning-of-cest"
        ),
        pytest.param(
            rome(2026, 10, 23, 9), rome(2026, 10, 26, 18), 960, id="autumn-dst-weekend"
        ),
        pytest.param(
            rome(2026, 10, 26, 9),
            rome(2026, 10, 26, 13),
            240,
            id="first-morning-of-cet",
        ),
    ],
)
def test_working_minutes_between(start, end, expected):
    assert CALENDAR.working_minutes_between(start, end) == expected


def test_working_minutes_round_partial_minute_down():
    start = rome(2026, 1, 12, 9)

    assert CALENDAR.working_minutes_between(start, start + timedelta(seconds=119)) == 1
    assert CALENDAR.working_time_between(start, start + timedelta(seconds=119)) == (
        timedelta(seconds=119)
    )


def test_working_minutes_accept_any_aware_zone():
    start = datetime(2026, 1, 12, 9, tzinfo=ROME)
    end = datetime(2026, 1, 12, 10, tzinfo=ROME)

    assert CALENDAR.working_minutes_between(start, end) == 60


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 3, 29), 5 * 60, id="spring-23-hour-day"),
        pytest.param(date(2026, 10, 25), 7 * 60, id="autumn-25-hour-day"),
        pytest.param(date(2026, 3, 28), 6 * 60, id="ordinary-day"),
    ],
)
def test_night_interval_counts_real_time_across_dst(day, expected):
    night = every_day_calendar((time(0), time(6)))
    start = datetime.combine(day, time(0), tzinfo=ROME)
    noon = datetime.combine(day, time(12), tzinfo=ROME)

    assert night.working_minutes_between(start, noon) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2026, 3, 29), 23 * 60, id="spring"),
        pytest.param(date(2026, 10, 25), 25 * 60, id="autumn"),
    ],
)
def test_round_the_clock_interval_across_dst(day, expected):
    always = every_day_calendar((time(0), time(0)))
    start = datetime.combine(day, time(0), tzinfo=ROME)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=ROME)

    assert always.working_minutes_between(start, end) == expected


def test_interval_starting_in_dst_gap_starts_at_jump():
    # On 29 March 2026 Rome's clocks jump from 02:00 to 03:00, so 02:30 does not
    # exist and the 02:30-04:00 interval lasts from 03:00 to 04:00.
    gap = every_day_calendar((time(2, 30), time(4)))

    periods = gap.working_periods(date(2026, 3, 29))

    assert periods == [(rome(2026, 3, 29, 3), rome(2026, 3, 29, 4))]


def test_midnight_gap_in_santiago():
    # Chile's clocks jump from 00:00 to 01:00 on 6 September 2026.
    santiago = every_day_calendar((time(0), time(8)), timezone="America/Santiago")

    periods = santiago.working_periods(date(2026, 9, 6))

    assert periods == [
        (datetime(2026, 9, 6, 4, tzinfo=UTC), datetime(2026, 9, 6, 11, tzinfo=UTC))
    ]


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param(rome(2026, 1, 12, 9), 0, rome(2026, 1, 12, 9), id="zero"),
        pytest.param(
            rome(2026, 1, 12, 20), 0, rome(2026, 1, 12, 20), id="zero-after-hours"
        ),
        pytest.param(rome(2026, 1, 12, 9), 30, rome(2026, 1, 12, 9, 30), id="inside"),
        pytest.param(
            rome(2026, 1, 12, 9), 240, rome(2026, 1, 12, 13), id="exactly-morning-end"
        ),
        pytest.param(
            rome(2026, 1, 12, 9), 241, rome(2026, 1, 12, 14, 1), id="after-lunch"
        ),
        pytest.param(
            rome(2026, 1, 12, 9), 480, rome(2026, 1, 12, 18), id="exactly-day-end"
        ),
        pytest.param(
            rome(2026, 1, 12, 9),
            481,
            rome(2026, 1, 13, 9, 1),
            id="next-day-first-minute",
        ),
        pytest.param(
            rome(2026, 1, 12, 18), 1, rome(2026, 1, 13, 9, 1), id="from-day-end"
        ),
        pytest.param(
            rome(2026, 1, 12, 19), 30, rome(2026, 1, 13, 9, 30), id="start-after-hours"
        ),
        pytest.param(
            rome(2026, 1, 12, 6), 30, rome(2026, 1, 12, 9, 30), id="start-before-hours"
        ),
        pytest.param(
            rome(2026, 1, 12, 13, 15),
            30,
            rome(2026, 1, 12, 14, 30),
            id="start-at-lunch",
        ),
        pytest.param(rome(2026, 1, 16, 17), 60, rome(2026, 1, 16, 18), id="friday-end"),
        pytest.param(
            rome(2026, 1, 16, 17), 120, rome(2026, 1, 19, 10), id="over-weekend"
        ),
        pytest.param(
            rome(2026, 1, 17, 10), 60, rome(2026, 1, 19, 10), id="from-saturday"
        ),
        pytest.param(
            rome(2026, 12, 24, 17), 120, rome(2026, 12, 28, 10), id="over-christmas"
        ),
        pytest.param(
            rome(2026, 12, 23, 9), 3 * 480, rome(2026, 12, 28, 18), id="christmas-week"
        ),
        pytest.param(
            rome(2026, 3, 27, 17), 120, rome(2026, 3, 30, 10), id="over-spring-dst"
        ),
        pytest.param(
            rome(2026, 10, 23, 17), 120, rome(2026, 10, 26, 10), id="over-autumn-dst"
        ),
    ],
)
def test_add_working_minutes(start, minutes, expected):
    assert CALENDAR.add_working_minutes(start, minutes) == expected


def test_add_working_minutes_returns_utc():
    result = CALENDAR.add_working_minutes(datetime(2026, 1, 12, 9, tzinfo=ROME), 10)

    assert result.tzinfo is UTC
    assert result == rome(2026, 1, 12, 9, 10)


def test_add_working_minutes_until_midnight_interval_end():
    evening = WorkingCalendar(working_intervals=((time(22), time(0)),))

    assert evening.add_working_minutes(rome(2026, 1, 12, 22), 120) == rome(2026, 1, 13)
    assert evening.add_working_minutes(rome(2026, 1, 12, 22), 180) == rome(
        2026, 1, 13, 23
    )


@pytest.mark.parametrize(
    ("start", "minutes", "expected"),
    [
        pytest.param(
            rome(2026, 3, 28, 12), 24 * 60, rome(2026, 3, 29, 13), id="spring-23-hours"
        ),
        pytest.param(
            rome(2026, 10, 24, 12),
            24 * 60,
            rome(2026, 10, 25, 11),
            id="autumn-25-hours",
        ),
        pytest.param(
            rome(2026, 1, 17, 12), 24 * 60, rome(2026, 1, 18, 12), id="winter"
        ),
        pytest.param(
            rome(2026, 12, 24, 17), 90, rome(2026, 12, 24, 18, 30), id="holiday"
        ),
    ],
)
def test_add_calendar_minutes(start, minutes, expected):
    assert CALENDAR.add_calendar_minutes(start, minutes) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            rome(2026, 3, 28), rome(2026, 3, 29), 24 * 60, id="day-before-spring"
        ),
        pytest.param(rome(2026, 3, 29), rome(2026, 3, 30), 23 * 60, id="spring-day"),
        pytest.param(rome(2026, 10, 25), rome(2026, 10, 26), 25 * 60, id="autumn-day"),
        pytest.param(rome(2026, 3, 28, 12), rome(2026, 3, 29, 13), 24 * 60, id="noon"),
        pytest.param(rome(2026, 12, 25), rome(2026, 12, 26), 24 * 60, id="holiday"),
    ],
)
def test_calendar_minutes_between(start, end, expected):
    assert CALENDAR.calendar_minutes_between(start, end) == expected


NAIVE = datetime(2026, 1, 12, 9)  # noqa: DTZ001 - the tests need a naive value


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda: CALENDAR.working_minutes_between(NAIVE, rome(2026, 1, 13)),
            id="working-start",
        ),
        pytest.param(
            lambda: CALENDAR.working_minutes_between(rome(2026, 1, 12), NAIVE),
            id="working-end",
        ),
        pytest.param(lambda: CALENDAR.add_working_minutes(NAIVE, 10), id="add-working"),
        pytest.param(
            lambda: CALENDAR.calendar_minutes_between(NAIVE, rome(2026, 1, 13)),
            id="calendar-start",
        ),
        pytest.param(
            lambda: CALENDAR.add_calendar_minutes(NAIVE, 10), id="add-calendar"
        ),
    ],
)
def test_naive_datetime_rejected(call):
    with pytest.raises(ValueError, match="naive"):
        call()


@pytest.mark.parametrize(
    "method",
    ["working_minutes_between", "working_time_between", "calendar_minutes_between"],
)
def test_end_before_start_rejected(method):
    with pytest.raises(ValueError, match="is before start"):
        getattr(CALENDAR, method)(rome(2026, 1, 13), rome(2026, 1, 12))


@pytest.mark.parametrize("method", ["add_working_minutes", "add_calendar_minutes"])
def test_negative_minutes_rejected(method):
    with pytest.raises(ValueError, match="zero or more, not -1"):
        getattr(CALENDAR, method)(rome(2026, 1, 12), -1)


@pytest.mark.parametrize("minutes", [1.5, True, "10"], ids=["float", "bool", "str"])
def test_non_integer_minutes_rejected(minutes):
    with pytest.raises(TypeError, match="must be an int"):
        CALENDAR.add_working_minutes(rome(2026, 1, 12), minutes)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            {"working_weekdays": frozenset()}, "no working time", id="no-days"
        ),
        pytest.param({"working_intervals": ()}, "no working time", id="no-intervals"),
        pytest.param({"working_weekdays": {0, 7}}, r"weekdays \[7\]", id="weekday-7"),
        pytest.param(
            {"working_intervals": ((time(13), time(9)),)},
            "start must be before the end",
            id="reversed-interval",
        ),
        pytest.param(
            {"working_intervals": ((time(9), time(9)),)},
            "start must be before the end",
            id="empty-interval",
        ),
        pytest.param(
            {"working_intervals": ((time(9), time(13)), (time(12), time(18)))},
            "overlaps",
            id="overlapping-intervals",
        ),
        pytest.param(
            {"working_intervals": ((time(14), time(18)), (time(9), time(13)))},
            "out of order",
            id="unsorted-intervals",
        ),
        pytest.param(
            {"working_intervals": ((time(9, tzinfo=UTC), time(13)),)},
            "without tzinfo",
            id="aware-interval",
        ),
        pytest.param({"timezone": "Europe/Milano"}, "Unknown time zone", id="bad-zone"),
        pytest.param({"local_holidays": {(13, 1): "X"}}, "month=13", id="bad-local"),
    ],
)
def test_invalid_calendar_rejected(arguments, message):
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(**arguments)


def test_calendar_with_every_working_day_a_holiday_raises():
    def every_monday(year: int) -> dict[date, str]:
        first = date(year, 1, 1)
        days = (first + timedelta(days=offset) for offset in range(366))
        return {
            day: "Chiuso" for day in days if day.year == year and day.weekday() == 0
        }

    closed = WorkingCalendar(working_weekdays={0}, public_holidays=every_monday)

    with pytest.raises(ValueError, match="no working time in the 3660 days"):
        closed.add_working_minutes(rome(2026, 1, 12), 1)


# Minute-aligned UTC instants from 2024 to 2040, so whole minutes add up exactly.
BASE = datetime(2024, 1, 1, tzinfo=UTC)
instants = st.integers(0, 17 * 366 * 24 * 60).map(lambda m: BASE + timedelta(minutes=m))
spans = st.integers(0, 60 * 24 * 60).map(lambda m: timedelta(minutes=m))
second_spans = st.integers(0, 60 * 24 * 3600).map(lambda s: timedelta(seconds=s))


@PROPERTY_SETTINGS
@given(start=instants, minutes=st.integers(0, 20 * 480))
def test_add_then_between_round_trip(start, minutes):
    end = CALENDAR.add_working_minutes(start, minutes)

    assert end >= start
    assert CALENDAR.working_minutes_between(start, end) == minutes


@PROPERTY_SETTINGS
@given(start=instants, first=spans, second=spans)
def test_working_minutes_are_additive(start, first, second):
    middle = start + first
    end = middle + second

    whole = CALENDAR.working_minutes_between(start, end)
    parts = CALENDAR.working_minutes_between(
        start, middle
    ) + CALENDAR.working_minutes_between(middle, end)

    assert whole == parts


@PROPERTY_SETTINGS
@given(start=instants, first=second_spans, second=second_spans)
def test_working_time_additive_to_the_second(start, first, second):
    middle = start + first
    end = middle + second

    whole = CALENDAR.working_time_between(start, end)
    parts = CALENDAR.working_time_between(start, middle)
    parts += CALENDAR.working_time_between(middle, end)

    assert whole == parts
