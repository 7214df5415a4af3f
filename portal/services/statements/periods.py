"""Months, the company's calendar date and month names of statements."""

from __future__ import annotations

import calendar
from datetime import date
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app

from portal.models.types import utcnow

BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}


def month_end(month: date) -> date:
    """Return the last day of the month that contains the given day."""
    last_day = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=last_day)


def company_zone() -> ZoneInfo:
    """Return the company's time zone, which sets issue dates and numbering years."""
    return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def company_today() -> date:
    return utcnow().astimezone(company_zone()).date()


def month_label(month: date, language: str) -> str:
    """Format a month as its name and year in language, e.g. "novembre 2026"."""
    locale = BABEL_LOCALES.get(language, "en_GB")
    return format_date(month, "LLLL yyyy", locale=locale)


def previous_month(today: date) -> date:
    """Return the first day of the month before today's."""
    last_day_before = today.replace(day=1).toordinal() - 1
    return date.fromordinal(last_day_before).replace(day=1)
