from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import Money, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.tickets import Ticket
    from portal.models.users import User


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

    customer: Mapped[Customer] = relationship(back_populates="contracts")
