"""Language, time zone and number formats for pages and PDFs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from portal.extensions import babel
from portal.models.types import utcnow

DATE_PATTERNS = {"it": "dd/MM/yyyy", "en": "dd/MM/yyyy"}
DATETIME_PATTERNS = {"it": "dd/MM/yyyy HH:mm", "en": "dd/MM/yyyy HH:mm"}


def select_locale() -> str:
    """Pick the user's profile language, then the browser's, then the default."""
    if not has_request_context():
        # Commands and background jobs pass a language explicitly when it matters.
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def init_babel(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "it"


def user_zone() -> ZoneInfo:
    name = select_timezone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def user_today() -> date:
    """Return today's calendar date in the current user's time zone."""
    return utcnow().astimezone(user_zone()).date()


def format_money(amount: Decimal, currency: str = "EUR", language: str | None = None):
    language = language or current_language()
    return format_currency(amount, currency, locale=_babel_locale(language))


def format_number(value: Decimal | int, language: str | None = None) -> str:
    language = language or current_language()
    return format_decimal(value, locale=_babel_locale(language))


def format_hours(minutes: int, language: str | None = None) -> str:
    """Format minutes as decimal hours with two places, e.g. 1,50 in Italian."""
    language = language or current_language()
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return format_decimal(hours, format="#,##0.00", locale=_babel_locale(language))


def format_hmm(minutes: int) -> str:
    """Format minutes as h:mm, e.g. 90 as 1:30."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}"


def format_duration(minutes: int) -> str:
    """Format minutes the way the duration preview shows them: '1 h 30 min'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def format_day(value: date, language: str | None = None) -> str:
    language = language or current_language()
    pattern = DATE_PATTERNS.get(language, DATE_PATTERNS["en"])
    return babel_format_date(value, pattern, locale=_babel_locale(language))


def format_timestamp(value: datetime | None, language: str | None = None) -> str:
    """Format a UTC timestamp in the current user's time zone."""
    if value is None:
        return ""
    language = language or current_language()
    local = value.astimezone(user_zone())
    pattern = DATETIME_PATTERNS.get(language, DATETIME_PATTERNS["en"])
    return format_datetime(local, pattern, locale=_babel_locale(language))


def _babel_locale(language: str) -> str:
    return {"it": "it_IT", "en": "en_GB"}.get(language, "en_GB")


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=format_money,
        hours=format_hours,
        hmm=format_hmm,
        duration=format_duration,
        day=format_day,
        timestamp=format_timestamp,
        number=format_number,
    )
    app.jinja_env.globals.update(current_language=current_language)
