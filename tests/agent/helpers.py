"""HTML and database helpers shared by the agent pages' tests."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, AuditEvent, TimeEntry

HTMX = {"HX-Request": "true"}


def rome_today() -> date:
    """Return today in Europe/Rome, the time zone of the test users."""
    return datetime.now(ZoneInfo("Europe/Rome")).date()


def entry_form(activity: ActivityType, prefix: str = "", **values: str) -> dict:
    """Return the fields of a valid time entry form, overridden by values."""
    data = {
        "work_date": rome_today().isoformat(),
        "duration": "1:30",
        "activity_type": str(activity.id),
        "description": "Reinstalled the printer driver",
        "internal_note": "",
        "is_billable": "y",
    }
    data.update(values)
    if prefix:
        data = {f"{prefix}-{name}": value for name, value in data.items()}
    return {name: value for name, value in data.items() if value is not None}


def field_errors(html: str, field_id: str) -> str:
    """Return the text of the error block rendered beside field_id."""
    match = re.search(rf'id="{re.escape(field_id)}-errors">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field_id}"
    return " ".join(match.group(1).split())


def textarea_value(html: str, field_id: str) -> str:
    pattern = rf'<textarea[^>]*\bid="{re.escape(field_id)}"[^>]*>\s*(.*?)</textarea>'
    match = re.search(pattern, html, re.S)
    assert match, f"no textarea {field_id}"
    return match.group(1)


def input_tag(html: str, field_id: str) -> str:
    pattern = rf'<(?:input|select)[^>]*\bid="{re.escape(field_id)}"[^>]*>'
    match = re.search(pattern, html)
    assert match, f"no input {field_id}"
    return match.group(0)


def input_value(html: str, field_id: str) -> str | None:
    match = re.search(r'\bvalue="([^"]*)"', input_tag(html, field_id))
    return match.group(1) if match else None


def row_html(html: str, entry_id: int) -> str:
    """Return the markup of the log row of entry_id."""
    match = re.search(rf'<tr id="entry-{entry_id}".*?</tr>', html, re.S)
    assert match, f"no row for entry {entry_id}"
    return match.group(0)


def audit_rows(entry_id: int, action: str | None = None) -> list[AuditEvent]:
    query = (
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "time_entries")
        .where(AuditEvent.object_id == entry_id)
        .order_by(AuditEvent.id)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def reload(entry: TimeEntry) -> TimeEntry | None:
    """Return entry as the database has it now, or None once deleted."""
    # The identity needs no database round trip, so it survives a deleted row.
    [entry_id] = sa.inspect(entry).identity
    db.session.expire_all()
    return db.session.get(TimeEntry, entry_id)
