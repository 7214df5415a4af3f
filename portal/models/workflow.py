from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.tickets import Ticket
    from portal.models.users import User


class Timer(db.Model):
    """An agent's one timer, kept on the server so it survives reloads and devices.

    Elapsed time is accumulated_seconds plus, while running, the time since
    running_since; running_since is NULL while paused.
    """

    __tablename__ = "timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    running_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accumulated_seconds: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    agent: Mapped[User] = relationship()
    ticket: Mapped[Ticket] = relationship()


class Notification(db.Model):
    """An in-app message to one user, e.g. that an entry was rejected."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str | None] = mapped_column(sa.String(60))
    object_id: Mapped[int | None]
    # Values for the translated message, rendered in the reader's language.
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
