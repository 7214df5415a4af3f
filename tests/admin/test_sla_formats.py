"""The SLA texts of a contract: working days, working hours and target times."""

from __future__ import annotations

from datetime import time

import pytest

from portal.services.admin.sla_formats import (
    SlaFormatError,
    format_target_minutes,
    format_working_days,
    format_working_hours,
    parse_target_minutes,
    parse_working_days,
    parse_working_hours,
)
from portal.services.calendar import WorkingCalendar


@pytest.fixture(autouse=True)
def _request(app):
    # The parsers translate their messages, which needs a request context.
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def test_working_days_sorted_and_normalised():
    assert parse_working_days(" 7,1 , 3") == (1, 3, 7)
    assert format_working_days(parse_working_days("5,4,3,2,1")) == "1,2,3,4,5"


@pytest.mark.parametrize("text", ["", " , ", "0", "8", "1,,2", "١", "1.5", "mon"])
def test_working_days_rejected(text):
    with pytest.raises(SlaFormatError):
        parse_working_days(text)


def test_working_hours_parsed():
    assert parse_working_hours("9:00-13:00, 14:30 - 18:00") == (
        (time(9), time(13)),
        (time(14, 30), time(18)),
    )


def test_working_hours_midnight_end():
    intervals = parse_working_hours("22:00-24:00")

    assert intervals == ((time(22), time(0)),)
    assert format_working_hours(intervals) == "22:00-00:00"
    assert parse_working_hours("22:00-00:00") == intervals
    assert parse_working_hours("00:00-00:00") == ((time(0), time(0)),)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "09:00",
        "09:00-13:00;14:00-18:00",
        "9-13",
        "09:60-10:00",
        "25:00-26:00",
        "12:00-12:00",
        "22:00-24:00,23:00-23:30",
        "x" * 300,
    ],
)
def test_working_hours_rejected(text):
    with pytest.raises(SlaFormatError):
        parse_working_hours(text)


@pytest.mark.parametrize(
    "text",
    ["09:00-13:00,14:00-18:00", "08:00-12:00", "00:00-00:00", "20:00-24:00"],
)
def test_parsed_calendar_accepted_by_working_calendar(text):
    calendar = WorkingCalendar(
        working_weekdays=frozenset(day - 1 for day in parse_working_days("1,2,3")),
        working_intervals=parse_working_hours(text),
    )

    assert calendar.working_intervals == parse_working_hours(text)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("90", 90),
        ("90m", 90),
        ("90 min", 90),
        ("1:30", 90),
        ("40:00", 2400),
        ("4h", 240),
        ("4 ore", 240),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1,5h", 90),
        ("1.5h", 90),
        ("0,01h", 1),
        ("  2H  ", 120),
    ],
)
def test_target_minutes_parsed(text, minutes):
    assert parse_target_minutes(text) == minutes


@pytest.mark.parametrize(
    "text",
    ["", "h", "1:5", "1:60", "1h60", "-5", "0", "0:00", "1,5", "9000h", "a" * 50],
)
def test_target_minutes_rejected(text):
    with pytest.raises(SlaFormatError):
        parse_target_minutes(text)


def test_target_minutes_round_trip():
    for minutes in (1, 59, 60, 90, 2400, 527040):
        assert parse_target_minutes(format_target_minutes(minutes)) == minutes
    assert format_target_minutes(None) == ""
