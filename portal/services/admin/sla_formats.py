"""Parse the SLA calendar and target texts that admins type for a contract.

Contract.sla_working_days stores ISO weekday numbers such as "1,2,3,4,5"
(Monday is 1), and Contract.sla_working_hours stores local intervals such as
"09:00-13:00,14:00-18:00", where an end of 00:00 means midnight at the end of
the day, as in WorkingCalendar. The parsers accept spaces and "24:00", and the
format functions write the normalised text that is stored.
"""

from __future__ import annotations

import re
from datetime import time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask_babel import gettext as _

from portal.services.calendar import MIDNIGHT

# A resolution target in calendar time can span weeks, so the maximum is a year.
MAX_TARGET_MINUTES = 366 * 24 * 60
MAX_TEXT_LENGTH = 200

_INTERVAL = re.compile(
    r"^(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$", re.ASCII
)
_CLOCK_TIME = re.compile(r"^(?P<hours>\d{1,2}):(?P<minutes>\d{2})$", re.ASCII)
_TARGET_CLOCK = re.compile(r"^(?P<hours>\d+):(?P<minutes>\d{2})$", re.ASCII)
_TARGET_UNITS = re.compile(
    r"^(?:(?P<hours>\d+(?:[.,]\d+)?)\s*(?:h|ore|ora))?\s*"
    r"(?:(?P<minutes>\d+)\s*(?:m|min|minuti)?)?$",
    re.ASCII,
)


class SlaFormatError(ValueError):
    """A contract's SLA text is invalid, and message is the translated reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_working_days(text: str) -> tuple[int, ...]:
    """Return the sorted ISO weekdays (1-7) of a text such as "1,2,3,4,5"."""
    parts = [part.strip() for part in (text or "").split(",")]
    if not any(parts):
        raise SlaFormatError(
            _("Enter the working days as ISO weekday numbers, e.g. 1,2,3,4,5.")
        )
    days: list[int] = []
    for part in parts:
        if not (part.isascii() and part.isdigit() and 1 <= int(part) <= 7):
            raise SlaFormatError(
                _(
                    '"%(value)s" is not a weekday number. Use 1 (Monday) to 7 '
                    "(Sunday), separated by commas, e.g. 1,2,3,4,5.",
                    value=part[:20],
                )
            )
        if int(part) in days:
            raise SlaFormatError(
                _("The weekday %(day)s is listed twice.", day=int(part))
            )
        days.append(int(part))
    return tuple(sorted(days))


def format_working_days(days: tuple[int, ...]) -> str:
    return ",".join(str(day) for day in days)


def parse_working_hours(text: str) -> tuple[tuple[time, time], ...]:
    """Return the (start, end) local times of a text such as "09:00-13:00"."""
    if not (text or "").strip():
        raise SlaFormatError(
            _("Enter the working hours, e.g. 09:00-13:00,14:00-18:00.")
        )
    if len(text) > MAX_TEXT_LENGTH:
        raise SlaFormatError(
            _(
                "The working hours can be at most %(max)d characters long.",
                max=MAX_TEXT_LENGTH,
            )
        )
    intervals = tuple(_parse_interval(part.strip()) for part in text.split(","))
    _check_interval_order(intervals)
    return intervals


def format_working_hours(intervals: tuple[tuple[time, time], ...]) -> str:
    return ",".join(
        f"{start.strftime('%H:%M')}-{end.strftime('%H:%M')}" for start, end in intervals
    )


def parse_target_minutes(text: str) -> int:
    """Return the minutes of an SLA target such as 90, 1:30, 4h, 1h30 or 1,5h.

    A bare number means minutes. Unlike time entries, targets may exceed 24 h.
    """
    cleaned = " ".join((text or "").strip().lower().split())
    if not cleaned:
        raise SlaFormatError(_("Enter a target, e.g. 4h, 1:30 or 90."))
    minutes = _target_minutes_or_none(cleaned[:MAX_TEXT_LENGTH])
    if minutes is None:
        raise SlaFormatError(
            _(
                '"%(text)s" is not a target time. Try 90, 1:30, 4h or 1h30.',
                text=cleaned[:20],
            )
        )
    if minutes <= 0:
        raise SlaFormatError(_("A target must be at least one minute."))
    if minutes > MAX_TARGET_MINUTES:
        raise SlaFormatError(_("A target cannot be longer than 366 days."))
    return minutes


def format_target_minutes(minutes: int | None) -> str:
    """Format minutes as h:mm, the form parse_target_minutes reads back."""
    if minutes is None:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours}:{rest:02d}"


def _target_minutes_or_none(text: str) -> int | None:
    if match := _TARGET_CLOCK.match(text):
        if int(match["minutes"]) >= 60:
            return None
        return int(match["hours"]) * 60 + int(match["minutes"])
    match = _TARGET_UNITS.match(text)
    if match is None or not (match["hours"] or match["minutes"]):
        return None
    minutes = int(match["minutes"] or 0)
    if match["hours"] is None:
        return minutes
    if match["minutes"] and minutes >= 60:
        return None
    try:
        hours = Decimal(match["hours"].replace(",", "."))
    except InvalidOperation:
        return None
    # Capped first, so that quantize stays within Decimal's precision.
    hours = min(hours, Decimal(MAX_TARGET_MINUTES))
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + minutes


def _parse_interval(part: str) -> tuple[time, time]:
    match = _INTERVAL.match(part)
    start = end = None
    # 24:00 may end an interval but not start one.
    if match and match["start"] != "24:00":
        start, end = _parse_clock(match["start"]), _parse_clock(match["end"])
    if start is None or end is None:
        raise SlaFormatError(
            _(
                '"%(value)s" is not a working interval. Write start-end in 24-hour '
                "time, e.g. 09:00-13:00.",
                value=part[:20],
            )
        )
    if end != MIDNIGHT and start >= end:
        raise SlaFormatError(
            _(
                "In %(value)s the start must be before the end.",
                value=part[:20],
            )
        )
    return start, end


def _parse_clock(text: str) -> time | None:
    match = _CLOCK_TIME.match(text)
    if match is None:
        return None
    hours, minutes = int(match["hours"]), int(match["minutes"])
    if (hours, minutes) == (24, 0):
        return MIDNIGHT
    if hours > 23 or minutes > 59:
        return None
    return time(hours, minutes)


def _check_interval_order(intervals: tuple[tuple[time, time], ...]) -> None:
    previous_end: time | None = None
    for start, end in intervals:
        if previous_end is not None and (
            previous_end == MIDNIGHT or start < previous_end
        ):
            raise SlaFormatError(
                _(
                    "The working intervals overlap or are out of order. List them "
                    "from the earliest, e.g. 09:00-13:00,14:00-18:00."
                )
            )
        previous_end = end
