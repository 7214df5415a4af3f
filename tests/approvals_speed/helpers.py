"""Dates, headers and HTML helpers shared by the approver speed tests."""

from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Notification, TimeEntry

HTMX = {"HX-Request": "true"}

# Monday, Wednesday, Saturday and Sunday of the ISO week 2026-W46, and the
# Monday after it.
MONDAY = date(2026, 11, 9)
WEDNESDAY = date(2026, 11, 11)
SATURDAY = date(2026, 11, 14)
SUNDAY = date(2026, 11, 15)
NEXT_MONDAY = date(2026, 11, 16)

VOID_ELEMENTS = {"input", "meta", "link", "br", "img"}


def section(html: str, element_id: str) -> str:
    """Return the markup of the element with element_id, up to its closing tag.

    Good enough for the queue's markup, where elements of one kind that carry
    ids are never nested in each other.
    """
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', html)
    assert match, f"no element with id {element_id!r} in the response"
    tag = match.group(1)
    if tag in VOID_ELEMENTS:
        return html[match.start() : html.index(">", match.end()) + 1]
    end = html.find(f"</{tag}>", match.end())
    assert end != -1, f"element {element_id!r} is not closed"
    return html[match.start() : end + len(tag) + 3]


def text_of(html: str) -> str:
    """Return the text of html with tags removed and blanks collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return " ".join(without_tags.split())


def reload(entry: TimeEntry) -> TimeEntry:
    db.session.expire_all()
    return db.session.get(TimeEntry, entry.id)


def audit_rows(entry: TimeEntry) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(
        AuditEvent.object_type == "time_entries", AuditEvent.object_id == entry.id
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def notifications_of(user) -> list[Notification]:
    db.session.expire_all()
    query = sa.select(Notification).where(Notification.user_id == user.id)
    return list(db.session.scalars(query.order_by(Notification.id)))


def versions(*entries: TimeEntry) -> list[str]:
    """Return the "id:version" values the queue's checkboxes send."""
    return [f"{entry.id}:{entry.version}" for entry in entries]
