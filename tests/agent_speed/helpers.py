"""Requests and HTML checks shared by the agent speed tests."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, TimeEntry, Timer

HTMX = {"HX-Request": "true"}


def entries() -> list[TimeEntry]:
    return list(db.session.scalars(sa.select(TimeEntry).order_by(TimeEntry.id)))


def timers() -> list[Timer]:
    return list(db.session.scalars(sa.select(Timer).order_by(Timer.id)))


def bar_form(activity: ActivityType, **values: str | None) -> dict:
    """Return the fields of a valid quick-log bar post, overridden by values."""
    data = {
        "ticket": "ASS-100",
        "duration": "45m",
        "description": "Called the customer back",
        "activity_type": str(activity.id),
        "work_date": None,
        "client_token": None,
    }
    data.update(values)
    return {f"bar-{name}": value for name, value in data.items() if value is not None}


def field_errors(html: str, field_id: str) -> str:
    """Return the text of the error block rendered beside field_id."""
    match = re.search(rf'id="{re.escape(field_id)}-errors">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field_id}"
    return " ".join(match.group(1).split()).replace("&#34;", '"')


def input_tag(html: str, field_id: str) -> str:
    pattern = rf'<(?:input|select|textarea)[^>]*\bid="{re.escape(field_id)}"[^>]*>'
    match = re.search(pattern, html)
    assert match, f"no input {field_id}"
    return match.group(0)


def input_value(html: str, field_id: str) -> str | None:
    match = re.search(r'\bvalue="([^"]*)"', input_tag(html, field_id))
    return match.group(1) if match else None


def client_token(html: str, prefix: str = "") -> str:
    name = f"{prefix}client_token"
    match = re.search(rf'name="{name}"[^>]*value="([0-9a-f]+)"', html) or re.search(
        rf'value="([0-9a-f]+)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} in the form"
    return match.group(1)
