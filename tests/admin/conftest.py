"""Fixtures for the admin pages: a signed-in admin and helpers to read audit rows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, Role, User


@pytest.fixture
def admin(login_as) -> User:
    """Sign the test client in as an admin who reads English, in Rome's time zone."""
    return login_as(Role.ADMIN, name="Ada Admin", email="ada@example.com")


@pytest.fixture
def audit_rows() -> Callable[..., list[AuditEvent]]:
    """Return the audit rows of one object, oldest first, optionally of one action."""

    def query(obj, action: str | None = None) -> list[AuditEvent]:
        select = sa.select(AuditEvent).where(
            AuditEvent.object_type == obj.__tablename__,
            AuditEvent.object_id == obj.id,
        )
        if action is not None:
            select = select.where(AuditEvent.action == action)
        return list(db.session.scalars(select.order_by(AuditEvent.id)))

    return query
