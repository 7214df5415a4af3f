"""Parse the durations agents type into whole minutes.

Accepted forms, all case-insensitive and with optional spaces:
``1:30`` and ``:30`` (hours:minutes), ``1h30``, ``1h 30m``, ``2h``, ``2 ore``,
``90m``, ``90 min``, decimal hours with a comma or a point (``1,5``, ``1.5``,
``1,5h``), and a bare integer, which means minutes. Decimal hours are rounded
half-up to the nearest minute, so ``0,33`` is 20 minutes.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _

MAX_MINUTES = 24 * 60

_HOUR_UNITS = r"(?:h|hr|hrs|hour|hours|ora|ore)"
_MINUTE_UNITS = r"(?:m|min|mins|minute|minutes|minuto|minuti)"
_NUMBER = r"\d+(?:[.,]\d+)?"

# re.ASCII keeps \d to the digits 0-9: int() and Decimal() would also accept
# other scripts' digits, such as Arabic-Indic ones.
_CLOCK = re.compile(r"^(?P<hours>\d+)?:(?P<minutes>\d{2}|\d)$", re.ASCII)
_HOURS_AND_MINUTES = re.compile(
    rf"^(?P<hours>{_NUMBER})\s*{_HOUR_UNITS}\s*(?:(?P<minutes>\d+)\s*{_MINUTE_UNITS}?)?$",
    re.ASCII,
)
_MINUTES_ONLY = re.compile(rf"^(?P<minutes>\d+)\s*{_MINUTE_UNITS}$", re.ASCII)
_BARE_INTEGER = re.compile(r"^\d+$", re.ASCII)
_BARE_DECIMAL = re.compile(r"^\d+[.,]\d+$", re.ASCII)

# No accepted form needs more characters. The limit also keeps int() below its
# 4300-digit conversion limit and error messages short.
MAX_TEXT_LENGTH = 32


class DurationError(ValueError):
    """The text is not a duration an entry can have; code tells why."""

    INVALID = "invalid"
    EMPTY = "empty"
    NEGATIVE = "negative"
    ZERO = "zero"
    TOO_LONG = "too_long"
    MINUTES_OVERFLOW = "minutes_overflow"

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text!r}")
        self.code = code
        self.text = text

    def message(self) -> str:
        """Return the translated message shown beside the field."""
        messages = {
            self.EMPTY: _("Enter a duration, for example 1:30, 1h30 or 45m."),
            self.INVALID: _(
                '"%(text)s" is not a duration. Try 1:30, 1h30, 90m, 1,5 or 45.',
                text=self.text,
            ),
            self.NEGATIVE: _("The duration cannot be negative."),
            self.ZERO: _("The duration must be at least one minute."),
            self.TOO_LONG: _("The duration cannot be more than 24 hours."),
            self.MINUTES_OVERFLOW: _(
                "Minutes must be between 0 and 59 when hours are given (1:30, 1h30)."
            ),
        }
        return messages[self.code]


def _decimal_hours(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def _hours_to_minutes(hours: Decimal) -> int:
    # Anything above 24 h is rejected later anyway. Capping first keeps the
    # quantize below Decimal's 28-digit precision, which raises InvalidOperation.
    hours = min(hours, Decimal(MAX_MINUTES // 60 + 1))
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _parse_unchecked(text: str) -> int:
    if match := _CLOCK.match(text):
        hours = int(match["hours"] or 0)
        minutes = int(match["minutes"])
        if minutes >= 60:
            raise DurationError(DurationError.MINUTES_OVERFLOW, text)
        return hours * 60 + minutes
    if match := _HOURS_AND_MINUTES.match(text):
        hours_text, minutes_text = match["hours"], match["minutes"]
        if minutes_text is None:
            return _hours_to_minutes(_decimal_hours(hours_text))
        if not hours_text.isdigit():
            # "1,5h 30m" mixes two ways of giving the same part.
            raise DurationError(DurationError.INVALID, text)
        minutes = int(minutes_text)
        if minutes >= 60:
            raise DurationError(DurationError.MINUTES_OVERFLOW, text)
        return int(hours_text) * 60 + minutes
    if match := _MINUTES_ONLY.match(text):
        return int(match["minutes"])
    if _BARE_INTEGER.match(text):
        return int(text)
    if _BARE_DECIMAL.match(text):
        return _hours_to_minutes(_decimal_hours(text))
    raise DurationError(DurationError.INVALID, text)


def parse_duration(raw: str | None) -> int:
    """Return the whole minutes that raw means, or raise DurationError."""
    text = " ".join((raw or "").strip().lower().split())
    if not text:
        raise DurationError(DurationError.EMPTY, raw or "")
    if len(text) > MAX_TEXT_LENGTH:
        raise DurationError(DurationError.INVALID, text[:MAX_TEXT_LENGTH] + "…")
    if text.startswith("-"):
        raise DurationError(DurationError.NEGATIVE, raw or "")
    minutes = _parse_unchecked(text)
    if minutes <= 0:
        raise DurationError(DurationError.ZERO, raw or "")
    if minutes > MAX_MINUTES:
        raise DurationError(DurationError.TOO_LONG, raw or "")
    return minutes
