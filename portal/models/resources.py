from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.entries import EntryStatus
from portal.models.types import Money, Quantity, UTCDateTime, enum_column, utcnow
from portal.services.billing_rules.lines import ResourceKind

if TYPE_CHECKING:
    from portal.models.billing import Statement
    from portal.models.tickets import Ticket
    from portal.models.users import User


class ResourceEntry(db.Model):
    """A resource other than time spent on a ticket: kilometres, material, call-out.

    It goes through the same approval as a time entry. Kilometres and
    call-outs are priced by the contract (rate_per_km, call_out_fee); a
    material carries its own unit_price.
    """

    __tablename__ = "resource_entries"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "unit_price IS NULL OR unit_price >= 0", name="unit_price_not_negative"
        ),
        sa.CheckConstraint(
            "kind <> 'material' OR unit_price IS NOT NULL",
            name="material_has_price",
        ),
        sa.Index("ix_resource_entries_ticket_date", "ticket_id", "work_date"),
        sa.Index("ix_resource_entries_status_date", "status", "work_date"),
        sa.Index("ix_resource_entries_agent_date", "agent_id", "work_date"),
        sa.UniqueConstraint(
            "agent_id", "client_token", name="uq_resource_entries_agent_client_token"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"))
    agent_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    work_date: Mapped[date]
    kind: Mapped[ResourceKind] = mapped_column(enum_column(ResourceKind, "kind"))
    # Kilometres, units of material, or visits for a call-out.
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    # What the material is, or the route driven; shown to the customer.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
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
    version: Mapped[int] = mapped_column(default=1)
    client_token: Mapped[str | None] = mapped_column(sa.String(64))

    __mapper_args__ = {"version_id_col": version}

    ticket: Mapped[Ticket] = relationship()
    agent: Mapped[User] = relationship(foreign_keys=[agent_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    statement: Mapped[Statement | None] = relationship(
        back_populates="resource_entries"
    )

    @property
    def is_billed(self) -> bool:
        return self.statement_id is not None

    @property
    def is_editable(self) -> bool:
        """Whether its agent may still change or delete it."""
        editable = {EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.REJECTED}
        return self.status in editable and not self.is_billed
