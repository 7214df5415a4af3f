"""Multipliers for work outside office hours, on weekends and on holidays."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

from portal.services.billing_rules.money import require_decimal

HolidayCalendar = Callable[[date], bool]

SATURDAY = 5
SUNDAY = 6


class Band(enum.StrEnum):
    """The time band an entry is priced in, from the highest precedence down."""

    HOLIDAY = "holiday"
    SUNDAY = "sunday"
    SATURDAY = "saturday"
    NIGHT = "night"
    EVENING = "evening"
    NORMAL = "normal"


BAND_PRECEDENCE = tuple(Band)


@dataclass(frozen=True)
class AfterHoursMultipliers:
    """A contract's factors per band and the clock times that bound the bands.

    Evening runs from evening_from to night_from, night from night_from to
    night_until on the next morning. Times are local wall-clock times.
    """

    evening: Decimal = Decimal(1)
    night: Decimal = Decimal(1)
    saturday: Decimal = Decimal(1)
    sunday: Decimal = Decimal(1)
    holiday: Decimal = Decimal(1)
    evening_from: time = time(18, 0)
    night_from: time = time(22, 0)
    night_until: time = time(6, 0)

    def __post_init__(self) -> None:
        # Every band but NORMAL has a factor field named after its value.
        for band in BAND_PRECEDENCE[:-1]:
            factor = require_decimal(
                getattr(self, band.value), band.value, positive=True
            )
            object.__setattr__(self, band.value, factor)

        if not self.night_until <= self.evening_from < self.night_from:
            raise ValueError(
                "expected night_until <= evening_from < night_from, got "
                f"{self.night_until}, {self.evening_from}, {self.night_from}"
            )

    def factor(self, band: Band) -> Decimal:
        """Return the multiplier of the band (1 for NORMAL)."""
        if band == Band.NORMAL:
            return Decimal(1)
        return getattr(self, band.value)


def band_for(
    work_date: date,
    start_time: time | None,
    multipliers: AfterHoursMultipliers,
    is_holiday: HolidayCalendar,
) -> Band:
    """Return the one band an entry falls into.

    The day decides first (holiday, then Sunday, then Saturday). Otherwise the
    start time decides (night, then evening), and an entry without a start
    time is NORMAL. The whole entry takes the band of its start, even when
    the work runs past 18:00 or midnight.
    """
    if is_holiday(work_date):
        return Band.HOLIDAY
    if work_date.weekday() == SUNDAY:
        return Band.SUNDAY
    if work_date.weekday() == SATURDAY:
        return Band.SATURDAY
    if start_time is None:
        return Band.NORMAL

    if start_time >= multipliers.night_from or start_time < multipliers.night_until:
        return Band.NIGHT
    if start_time >= multipliers.evening_from:
        return Band.EVENING
    return Band.NORMAL
