"""The duration parser: every accepted form and every rejection with its message."""

from __future__ import annotations

import pytest

from portal.services.durations import DurationError, parse_duration


@pytest.fixture
def english(app):
    """Run the test inside an English request, so messages are in English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1:30", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("90m", 90),
        ("1,5", 90),
        ("1.5", 90),
        ("1,5h", 90),
        (":30", 30),
        ("45", 45),
        ("2h", 120),
        ("0,33", 20),
        ("1H30", 90),
        ("  1 h 30 min  ", 90),
        ("90 min", 90),
        ("2 ore", 120),
        ("1 ora 15 minuti", 75),
        ("0:01", 1),
        ("24:00", 1440),
        ("24h", 1440),
        ("1440", 1440),
        ("0,01", 1),
    ],
)
def test_parse_duration_accepts(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abc", DurationError.INVALID),
        ("0", DurationError.ZERO),
        ("-5", DurationError.NEGATIVE),
        ("-1:00", DurationError.NEGATIVE),
        ("24:01", DurationError.TOO_LONG),
        ("25h", DurationError.TOO_LONG),
        ("1:75", DurationError.MINUTES_OVERFLOW),
        ("", DurationError.EMPTY),
        ("   ", DurationError.EMPTY),
        (None, DurationError.EMPTY),
        ("0:00", DurationError.ZERO),
        ("1h60", DurationError.MINUTES_OVERFLOW),
        ("1,5h 30m", DurationError.INVALID),
        ("1 30", DurationError.INVALID),
        (".5", DurationError.INVALID),
    ],
)
def test_parse_duration_rejects(text, code):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)

    assert caught.value.code == code


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", '"abc" is not a duration. Try 1:30, 1h30, 90m, 1,5 or 45.'),
        ("0", "The duration must be at least one minute."),
        ("-5", "The duration cannot be negative."),
        ("25h", "The duration cannot be more than 24 hours."),
        ("1:75", "Minutes must be between 0 and 59 when hours are given"),
        ("", "Enter a duration, for example 1:30, 1h30 or 45m."),
    ],
)
def test_duration_error_message(english, text, message):
    with pytest.raises(DurationError) as caught:
        parse_duration(text)

    assert message in caught.value.message()


@pytest.mark.parametrize(
    "text",
    [
        "9" * 40 + ",5",  # more digits than Decimal's default precision
        "9" * 40 + "h",
        "9" * 5000,  # beyond int()'s 4300-digit conversion limit
        "1" + "0" * 40 + ":00",
    ],
)
def test_parse_duration_huge_numbers_rejected(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_parse_duration_non_ascii_digits_rejected():
    # Arabic-Indic "12": int() would read it as 12.
    with pytest.raises(DurationError) as caught:
        parse_duration("\u0661\u0662")

    assert caught.value.code == DurationError.INVALID


def test_duration_error_shortens_long_text(english):
    with pytest.raises(DurationError) as caught:
        parse_duration("x" * 500)

    assert len(caught.value.message()) < 120
