from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.billing import Statement
    from portal.models.tickets import ActivityType, Ticket
    from portal.models.users import User

MAX_ENTRY_MINUTES = 24 * 60


class EntryStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class TimeEntry(db.Model):
    __tablename__ = "time_entries"
    __table_args__ = (
        sa.CheckConstraint(
            f"minutes > 0 AND minutes <= {MAX_ENTRY_MINUTES}", name="minutes_range"
        ),
        sa.Index("ix_time_entries_ticket_date", "ticket_id", "work_date"),
        sa.Index("ix_time_entries_agent_date", "agent_id", "work_date"),
        sa.Index("ix_time_entries_status_date", "status", "work_date"),
        sa.UniqueConstraint(
            "agent_id", "client_token", name="uq_time_entries_agent_client_token"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    work_date: Mapped[date]
    # Optional local wall-clock times; an end before the start means the work
    # crossed midnight, and the entry counts on the day it started.
    start_time: Mapped[time | None]
    end_time: Mapped[time | None]
    minutes: Mapped[int]
    activity_type_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_types.id"))
    description: Mapped[str] = mapped_column(sa.Text)
    # Seen only by the support company: never rendered in the portal, PDFs or
    # customer exports.
    internal_note: Mapped[str] = mapped_column(sa.Text, default="")
    is_billable: Mapped[bool] = mapped_column(default=True)
    status: Mapped[EntryStatus] = mapped_column(
        enum_column(EntryStatus, "status"), default=EntryStatus.DRAFT
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )
    # Optimistic locking: an UPDATE that finds another version raises
    # StaleDataError instead of overwriting a concurrent change.
    version: Mapped[int] = mapped_column(default=1)
    # Sent by the quick-log form so a retried post creates one entry, not two.
    client_token: Mapped[str | None] = mapped_column(sa.String(64))

    __mapper_args__ = {"version_id_col": version}

    ticket: Mapped[Ticket] = relationship(back_populates="entries")
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    activity_type: Mapped[ActivityType] = relationship()
    statement: Mapped[Statement | None] = relationship(back_populates="entries")

    @property
    def is_billed(self) -> bool:
        return self.statement_id is not None

    @property
    def is_editable(self) -> bool:
        """Whether its agent may still change or delete it."""
        editable = {EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.REJECTED}
        return self.status in editable and not self.is_billed
