"""Constants and HTML helpers shared by the approval queue tests."""

from __future__ import annotations

import re
from datetime import date

from portal.models import User

HTMX = {"HX-Request": "true"}

# Monday, Wednesday and Sunday of the ISO week 2026-W46, and Monday of the week after.
MONDAY = date(2026, 11, 9)
WEDNESDAY = date(2026, 11, 11)
SUNDAY = date(2026, 11, 15)
NEXT_MONDAY = date(2026, 11, 16)

VOID_ELEMENTS = {"input", "meta", "link", "br", "img"}


def section(html: str, element_id: str) -> str:
    """Return the markup of the element with element_id, up to its closing tag.

    Good enough for the queue's markup, where sections, rows and paragraphs of
    one kind are never nested in each other.
    """
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"', html)
    assert match, f"no element with id {element_id!r} in the response"
    tag = match.group(1)
    if tag in VOID_ELEMENTS:
        return html[match.start() : html.index(">", match.end()) + 1]
    end = html.find(f"</{tag}>", match.end())
    assert end != -1, f"element {element_id!r} is not closed"
    return html[match.start() : end + len(tag) + 3]


def group_id(agent: User, week_start: date) -> str:
    return f"group-{agent.id}-{week_start.isoformat()}"


def text_of(html: str) -> str:
    """Return the text of html with tags removed and blanks collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return " ".join(without_tags.split())
