"""Audit trail: one row per change to time, approvals and statements."""

from __future__ import annotations

import enum
import logging
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from portal.extensions import db
from portal.models.audit import AuditEvent
from portal.models.users import User

logger = logging.getLogger(__name__)


def json_value(value: Any) -> Any:
    """Convert a column value to something JSON keeps without loss."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, time) and not (value.second or value.microsecond):
        return value.isoformat(timespec="minutes")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj: Any, fields: list[str]) -> dict[str, Any]:
    return {name: json_value(getattr(obj, name)) for name in fields}


def changed_fields(
    before: dict[str, Any], after: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose value differs, for compact before/after rows."""
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record_event(
    actor: User | None,
    action: str,
    obj: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add an audit row for action on obj; obj must already have an id."""
    if obj.id is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        object_type=obj.__tablename__,
        object_id=obj.id,
        before=before,
        after=after,
        reason=reason,
    )
    db.session.add(event)
    logger.info(
        "%s %s %s by user %s",
        obj.__tablename__,
        obj.id,
        action,
        actor.id if actor is not None else "system",
    )
    return event
