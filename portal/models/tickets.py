from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.customers import Contract, Customer
    from portal.models.entries import TimeEntry


class TicketPriority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TicketStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    WAITING = "waiting"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Category(db.Model):
    """A kind of problem (network, printing, backup...), named in both languages."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_it: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    is_active: Mapped[bool] = mapped_column(default=True)

    def label(self, language: str) -> str:
        return self.name_it if language == "it" else self.name_en


class ActivityType(db.Model):
    __tablename__ = "activity_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_it: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))
    is_billable: Mapped[bool] = mapped_column(default=True)
    # Work done at the customer's site, which the contract's call-out fee
    # applies to.
    is_on_site: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    def label(self, language: str) -> str:
        return self.name_it if language == "it" else self.name_en


class Ticket(db.Model):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(32), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    contract_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contracts.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    priority: Mapped[TicketPriority] = mapped_column(
        enum_column(TicketPriority, "priority"), default=TicketPriority.NORMAL
    )
    status: Mapped[TicketStatus] = mapped_column(
        enum_column(TicketStatus, "status"), default=TicketStatus.OPEN
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="tickets")
    contract: Mapped[Contract | None] = relationship()
    category: Mapped[Category] = relationship()
    entries: Mapped[list[TimeEntry]] = relationship(back_populates="ticket")
    status_changes: Mapped[list[TicketStatusChange]] = relationship(
        back_populates="ticket", order_by="TicketStatusChange.changed_at"
    )


class TicketStatusChange(db.Model):
    """One change of a ticket's status, so SLA clocks can pause while it waits."""

    __tablename__ = "ticket_status_changes"
    __table_args__ = (
        sa.Index("ix_ticket_status_changes_ticket", "ticket_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    from_status: Mapped[TicketStatus | None] = mapped_column(
        enum_column(TicketStatus, "from_status")
    )
    to_status: Mapped[TicketStatus] = mapped_column(
        enum_column(TicketStatus, "to_status")
    )
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    ticket: Mapped[Ticket] = relationship(back_populates="status_changes")
