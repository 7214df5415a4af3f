from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import Money, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.sla import ContractSlaTarget
    from portal.models.tickets import Ticket
    from portal.models.users import User


class PortalTimeDisplay(enum.StrEnum):
    """Durations a contract's customers see in the portal: billed, or both."""

    BILLED = "billed"
    BILLED_AND_WORKED = "billed_and_worked"


class Customer(db.Model):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    vat_number: Mapped[str | None] = mapped_column(sa.String(32))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    # Language of the customer's statements and e-mails.
    language: Mapped[str] = mapped_column(sa.String(5), default="it")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="customer")
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="customer", order_by="Contract.valid_from"
    )
    tickets: Mapped[list[Ticket]] = relationship(back_populates="customer")

    def contract_on(self, day: date) -> Contract | None:
        """Return the contract valid on the given day, if any."""
        for contract in reversed(self.contracts):
            starts = contract.valid_from <= day
            ends = contract.valid_to is None or day <= contract.valid_to
            if starts and ends:
                return contract
        return None


class Contract(db.Model):
    __tablename__ = "contracts"
    __table_args__ = (
        sa.CheckConstraint("hourly_rate >= 0", name="rate_not_negative"),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name="valid_period"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # What the customer's portal shows of this contract's work.
    portal_time_display: Mapped[PortalTimeDisplay] = mapped_column(
        enum_column(PortalTimeDisplay, "portal_time_display"),
        default=PortalTimeDisplay.BILLED,
    )
    # False shows "the support team" in place of agents' names.
    portal_shows_agent_names: Mapped[bool] = mapped_column(default=True)

    # SLA clocks count working time of this calendar unless sla_business_hours
    # is false, when they count calendar time.
    sla_business_hours: Mapped[bool] = mapped_column(default=True)
    sla_timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Rome")
    # ISO weekday numbers, Monday = 1, comma-separated.
    sla_working_days: Mapped[str] = mapped_column(sa.String(20), default="1,2,3,4,5")
    # Local working intervals, e.g. "09:00-13:00,14:00-18:00".
    sla_working_hours: Mapped[str] = mapped_column(
        sa.String(100), default="09:00-13:00,14:00-18:00"
    )

    customer: Mapped[Customer] = relationship(back_populates="contracts")
    sla_targets: Mapped[list[ContractSlaTarget]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
