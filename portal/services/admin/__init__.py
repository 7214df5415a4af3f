"""Administration services: users, teams, customers, contracts, catalog, tickets.

Each change writes one audit row per changed object through record_event and
flushes without committing, so the view commits once per request.
"""

from __future__ import annotations

from portal.errors import DomainError

# Length of one page of the admin lists.
PAGE_SIZE = 50


class AdminFieldError(DomainError):
    """A value typed in an admin form breaks a rule that needs the database.

    field names the form field the translated message belongs beside.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, 422)
        self.field = field


def like_pattern(text: str) -> str:
    """Return a LIKE pattern matching text anywhere, with wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
