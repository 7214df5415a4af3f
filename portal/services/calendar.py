"""Working-time calendar: Italian public holidays and business-hours arithmetic.

Working hours are wall-clock intervals in the calendar's time zone. They are
converted to UTC one local day at a time, so the 23- and 25-hour days of the DST
changes count the time that really elapses. All functions take aware datetimes
and return UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONDAY_TO_FRIDAY = frozenset(range(5))
DEFAULT_WORKING_INTERVALS = ((time(9), time(13)), (time(14), time(18)))
DEFAULT_TIMEZONE = "Europe/Rome"

# As the end of a working interval, midnight means the end of the day.
MIDNIGHT = time(0)

# A scan for working time gives up after this many days in a row without any,
# so a calendar whose holidays cover every working weekday raises instead of
# looping forever.
MAX_DAYS_WITHOUT_WORK = 3660

# The first full year of the Gregorian calendar, which the Easter rule assumes.
FIRST_GREGORIAN_YEAR = 1583

# San Francesco d'Assisi (4 October) is a national holiday again from 2026, by
# legge 8 ottobre 2025 n. 151, in force since 1 January 2026.
SAN_FRANCESCO_FROM_YEAR = 2026

_FIXED_NATIONAL_HOLIDAYS = (
    ((1, 1), "Capodanno"),
    ((1, 6), "Epifania"),
    ((4, 25), "Festa della Liberazione"),
    ((5, 1), "Festa del Lavoro"),
    ((6, 2), "Festa della Repubblica"),
    ((8, 15), "Ferragosto"),
    ((11, 1), "Ognissanti"),
    ((12, 8), "Immacolata Concezione"),
    ((12, 25), "Natale"),
    ((12, 26), "Santo Stefano"),
)

HolidayRule = Callable[[int], Mapping[date, str]]


def easter_sunday(year: int) -> date:
    """Return the date of Easter Sunday in the Gregorian calendar.

    This is the anonymous Gregorian algorithm (Meeus/Jones/Butcher). The
    one-letter names follow its usual notation, except weekday_offset, which it
    calls l.
    """
    if year < FIRST_GREGORIAN_YEAR:
        raise ValueError(
            f"Easter is computed for Gregorian years only: year {year} is before "
            f"{FIRST_GREGORIAN_YEAR}."
        )

    a = year % 19  # position in the 19-year Metonic cycle
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_offset = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_offset) // 451
    month, day_index = divmod(h + weekday_offset - 7 * m + 114, 31)
    return date(year, month, day_index + 1)


def italian_public_holidays(
    year: int, local_holidays: Mapping[tuple[int, int], str] | None = None
) -> dict[date, str]:
    """Return Italy's national holidays of the year, with their Italian names.

    local_holidays maps (month, day) to a name for yearly local feasts, such as
    {(12, 7): "Sant'Ambrogio"} in Milan. A 29 February entry applies in leap
    years only. When two holidays share a date (25 April is Easter Sunday in
    2038), the date gets both names joined by " / ".

    NOTE: every year gets today's list. Between 1977 and 2000, 2 June (and
    until 1985 also 6 January) was not a holiday, which this does not model.
    """
    easter = easter_sunday(year)
    dated: list[tuple[date, str]] = [
        (date(year, month, day), name)
        for (month, day), name in _FIXED_NATIONAL_HOLIDAYS
    ]
    dated.append((easter, "Pasqua"))
    dated.append((easter + timedelta(days=1), "Lunedì dell'Angelo"))
    if year >= SAN_FRANCESCO_FROM_YEAR:
        dated.append((date(year, 10, 4), "San Francesco d'Assisi"))

    dated.extend(_local_dates(year, local_holidays or {}))
    return _merge_names(dated)


def _local_dates(
    year: int, local_holidays: Mapping[tuple[int, int], str]
) -> list[tuple[date, str]]:
    dated = []
    for (month, day), name in local_holidays.items():
        _validate_month_day(month, day)
        if month == 2 and day == 29 and not _is_leap_year(year):
            continue
        dated.append((date(year, month, day), name))
    return dated


def _merge_names(dated: Iterable[tuple[date, str]]) -> dict[date, str]:
    holidays: dict[date, str] = {}
    for day, name in sorted(dated, key=lambda pair: pair[0]):
        if day in holidays and name not in holidays[day].split(" / "):
            holidays[day] = f"{holidays[day]} / {name}"
        else:
            holidays.setdefault(day, name)
    return holidays


def _is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _validate_month_day(month: int, day: int) -> None:
    try:
        date(2000, month, day)  # a leap year, so 29 February is valid
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"Invalid local holiday (month={month!r}, day={day!r}): {error}."
        ) from error


@dataclass(frozen=True)
class WorkingCalendar:
    """Working weekdays and daily working intervals in one time zone.

    working_weekdays uses date.weekday() numbers (Monday is 0). Each working
    interval is a pair of local wall-clock times, start before end, where an end
    of 00:00 means midnight at the end of the day. public_holidays returns the
    holidays of a year (Italian ones by default, or None for no public holidays).
    local_holidays recur every year on (month, day). extra_holidays are one-off
    dates, such as a company closure.
    """

    timezone: str = DEFAULT_TIMEZONE
    working_weekdays: frozenset[int] = MONDAY_TO_FRIDAY
    working_intervals: tuple[tuple[time, time], ...] = DEFAULT_WORKING_INTERVALS
    public_holidays: HolidayRule | None = italian_public_holidays
    local_holidays: Mapping[tuple[int, int], str] = field(default_factory=dict)
    extra_holidays: Mapping[date, str] = field(default_factory=dict)
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)
    _holidays_by_year: dict[int, dict[date, str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", _load_zone(self.timezone))
        weekdays = frozenset(self.working_weekdays)
        intervals = tuple((start, end) for start, end in self.working_intervals)
        object.__setattr__(self, "working_weekdays", weekdays)
        object.__setattr__(self, "working_intervals", intervals)

        if not weekdays or not intervals:
            raise ValueError(
                "The calendar has no working time: give at least one working "
                "weekday and one working interval."
            )
        invalid_weekdays = sorted(day for day in weekdays if day not in range(7))
        if invalid_weekdays:
            raise ValueError(
                f"Invalid working weekdays {invalid_weekdays}: use 0 (Monday) to "
                "6 (Sunday)."
            )
        _validate_intervals(intervals)
        for month, day in self.local_holidays:
            _validate_month_day(month, day)

    def holidays(self, year: int) -> dict[date, str]:
        """Return the calendar's holidays in the year: public, local and extra."""
        cached = self._holidays_by_year.get(year)
        if cached is not None:
            return cached

        dated: list[tuple[date, str]] = []
        if self.public_holidays is not None:
            dated.extend(self.public_holidays(year).items())
        dated.extend(_local_dates(year, self.local_holidays))
        dated.extend(
            item for item in self.extra_holidays.items() if item[0].year == year
        )

        holidays = _merge_names(dated)
        self._holidays_by_year[year] = holidays
        return holidays

    def is_working_day(self, day: date) -> bool:
        """Tell whether the date is a working weekday and not a holiday."""
        if day.weekday() not in self.working_weekdays:
            return False
        return day not in self.holidays(day.year)

    def working_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the day's working intervals as UTC (start, end) pairs, in order."""
        if not self.is_working_day(day):
            return []

        periods = []
        for start, end in self.working_intervals:
            local_start = datetime.combine(day, start)
            if end == MIDNIGHT:
                local_end = datetime.combine(day + timedelta(days=1), MIDNIGHT)
            else:
                local_end = datetime.combine(day, end)
            utc_start = _local_to_utc(local_start, self._zone)
            utc_end = _local_to_utc(local_end, self._zone)
            # Both ends can fall in one DST gap, which leaves nothing to work.
            if utc_end > utc_start:
                periods.append((utc_start, utc_end))
        return periods

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Return the exact working time from start to end."""
        start, end = _validate_range(start, end)
        total = timedelta(0)
        day = start.astimezone(self._zone).date()
        last_day = end.astimezone(self._zone).date()

        while day <= last_day:
            for period_start, period_end in self.working_periods(day):
                overlap = min(period_end, end) - max(period_start, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def working_minutes_between(self, start: datetime, end: datetime) -> int:
        """Return the whole working minutes from start to end, rounded down."""
        return self.working_time_between(start, end) // timedelta(minutes=1)

    def add_working_minutes(self, start: datetime, minutes: int) -> datetime:
        """Return the earliest UTC instant when the working minutes have elapsed.

        A start outside working time begins at the next working interval. The
        result can be the end of an interval (09:00 plus 240 minutes is 13:00,
        not 14:00), and zero minutes return start itself.
        """
        _validate_minutes(minutes)
        return self.add_working_time(start, timedelta(minutes=minutes))

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """Return the earliest UTC instant when amount of working time has elapsed.

        This is add_working_minutes for an amount that need not be whole
        minutes, such as what is left of an SLA target after a pause.
        """
        start = _as_utc(start, "start")
        if amount < timedelta(0):
            raise ValueError(f"amount must be zero or more, not {amount}.")
        if amount == timedelta(0):
            return start

        remaining = amount
        day = start.astimezone(self._zone).date()
        days_without_work = 0
        while days_without_work <= MAX_DAYS_WITHOUT_WORK:
            periods = self.working_periods(day)
            for period_start, period_end in periods:
                if period_end <= start:
                    continue
                available = period_end - max(period_start, start)
                if remaining <= available:
                    return max(period_start, start) + remaining
                remaining -= available
            days_without_work = 0 if periods else days_without_work + 1
            day += timedelta(days=1)

        raise ValueError(
            f"The calendar has no working time in the {MAX_DAYS_WITHOUT_WORK} days "
            f"before {day.isoformat()}: check its working weekdays and holidays."
        )

    def calendar_minutes_between(self, start: datetime, end: datetime) -> int:
        """Return the whole elapsed minutes from start to end, rounded down.

        This counts every hour of every day, as contracts in calendar hours do.
        A DST change day counts 23 or 25 hours.
        """
        start, end = _validate_range(start, end)
        return (end - start) // timedelta(minutes=1)

    def add_calendar_minutes(self, start: datetime, minutes: int) -> datetime:
        """Return the UTC instant that many elapsed minutes after start."""
        start = _as_utc(start, "start")
        _validate_minutes(minutes)
        return start + timedelta(minutes=minutes)


def _load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"Unknown time zone {name!r}: use an IANA name such as 'Europe/Rome'."
        ) from error


def _validate_intervals(intervals: tuple[tuple[time, time], ...]) -> None:
    previous_end: time | None = None
    for start, end in intervals:
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValueError(
                f"Working interval {start}-{end} must use local wall-clock times "
                "without tzinfo."
            )
        if end != MIDNIGHT and start >= end:
            raise ValueError(
                f"Invalid working interval {start}-{end}: the start must be "
                "before the end."
            )
        if previous_end is not None and (
            previous_end == MIDNIGHT or start < previous_end
        ):
            raise ValueError(
                f"Working interval {start}-{end} overlaps the previous one or is out "
                "of order: list the intervals from the earliest, without overlaps."
            )
        previous_end = end


def _as_utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be an aware datetime, but {value.isoformat()} is naive: "
            "attach a time zone, such as datetime.UTC."
        )
    return value.astimezone(UTC)


def _validate_range(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    start = _as_utc(start, "start")
    end = _as_utc(end, "end")
    if end < start:
        raise ValueError(
            f"end {end.isoformat()} is before start {start.isoformat()}: pass the "
            "earlier instant first."
        )
    return start, end


def _validate_minutes(minutes: int) -> None:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, not {type(minutes).__name__}.")
    if minutes < 0:
        raise ValueError(f"minutes must be zero or more, not {minutes}.")


def _local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a naive local wall-clock time.

    An ambiguous time (clocks going back) means its first occurrence. A time
    that does not exist (clocks jumping forward) means the instant of the jump,
    so a day's work starts or ends when the clocks change.
    """
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first

    # In a gap, fold=0 reads the time with the offset from before the jump,
    # which gives an instant after it, and fold=1 gives one before it.
    before_jump = local.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return _first_instant_with_offset_of(before_jump, first, zone)


def _first_instant_with_offset_of(
    before: datetime, after: datetime, zone: ZoneInfo
) -> datetime:
    # Bisect on whole seconds, because tz database transitions fall on whole
    # seconds. The invariant: low has the old UTC offset, high the new one.
    new_offset = after.astimezone(zone).utcoffset()
    low = int(before.timestamp())
    high = int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == new_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)
