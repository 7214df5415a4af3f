from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.tickets import TicketPriority
from portal.models.types import enum_column

if TYPE_CHECKING:
    from portal.models.customers import Contract


class ContractSlaTarget(db.Model):
    """First-response and resolution targets of a contract for one priority."""

    __tablename__ = "contract_sla_targets"
    __table_args__ = (
        sa.UniqueConstraint(
            "contract_id", "priority", name="uq_contract_sla_targets_priority"
        ),
        sa.CheckConstraint(
            "first_response_minutes > 0 AND resolution_minutes > 0",
            name="positive_targets",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    priority: Mapped[TicketPriority] = mapped_column(
        enum_column(TicketPriority, "priority")
    )
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]

    contract: Mapped[Contract] = relationship(back_populates="sla_targets")
