from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import Money, Multiplier, UTCDateTime, enum_column, utcnow
from portal.services.billing_rules.rounding import RoundingDirection, RoundingScope

if TYPE_CHECKING:
    from portal.models.prepaid import PrepaidPackage
    from portal.models.sla import ContractSlaTarget
    from portal.models.tickets import ActivityType, Ticket
    from portal.models.users import User


class PortalTimeDisplay(enum.StrEnum):
    """Durations a contract's customers see in the portal: billed, or both."""

    BILLED = "billed"
    BILLED_AND_WORKED = "billed_and_worked"


class BillingModel(enum.StrEnum):
    """Billing model of a contract: how its time is charged."""

    # Every billed hour at the rates of the contract.
    TIME_AND_MATERIALS = "time_and_materials"
    # Hours bought in advance in packages; time beyond them at overage_rate.
    PREPAID = "prepaid"
    # A fixed monthly fee that includes monthly_included_minutes; time beyond
    # them at overage_rate.
    MONTHLY_FEE = "monthly_fee"


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
        sa.CheckConstraint(
            "rounding_increment IN (1, 5, 6, 10, 15, 30, 60)",
            name="rounding_increment_allowed",
        ),
        sa.CheckConstraint("minimum_minutes >= 0", name="minimum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # The rate of activities without a ContractRate in effect.
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

    # Billing terms. Rounding turns worked minutes into billed minutes, see
    # portal.services.billing_rules.rounding.
    billing_model: Mapped[BillingModel] = mapped_column(
        enum_column(BillingModel, "billing_model"),
        default=BillingModel.TIME_AND_MATERIALS,
    )
    rounding_increment: Mapped[int] = mapped_column(default=1)
    rounding_direction: Mapped[RoundingDirection] = mapped_column(
        enum_column(RoundingDirection, "rounding_direction"),
        default=RoundingDirection.UP,
    )
    rounding_scope: Mapped[RoundingScope] = mapped_column(
        enum_column(RoundingScope, "rounding_scope"),
        default=RoundingScope.PER_ENTRY,
    )
    # Least billed for any non-zero billing unit (entry, or ticket and day).
    minimum_minutes: Mapped[int] = mapped_column(default=0)
    # Charged once per ticket and day with on-site work; None charges nothing.
    call_out_fee: Mapped[Decimal | None] = mapped_column(Money)
    rate_per_km: Mapped[Decimal | None] = mapped_column(Money)
    # Hourly rate of the minutes beyond the prepaid packages or the monthly fee.
    overage_rate: Mapped[Decimal | None] = mapped_column(Money)
    monthly_fee: Mapped[Decimal | None] = mapped_column(Money)
    monthly_included_minutes: Mapped[int | None]
    # After-hours multipliers, 1 for none; bands in billing_rules.after_hours.
    evening_multiplier: Mapped[Decimal] = mapped_column(Multiplier, default=Decimal(1))
    night_multiplier: Mapped[Decimal] = mapped_column(Multiplier, default=Decimal(1))
    saturday_multiplier: Mapped[Decimal] = mapped_column(Multiplier, default=Decimal(1))
    sunday_multiplier: Mapped[Decimal] = mapped_column(Multiplier, default=Decimal(1))
    holiday_multiplier: Mapped[Decimal] = mapped_column(Multiplier, default=Decimal(1))

    customer: Mapped[Customer] = relationship(back_populates="contracts")
    rates: Mapped[list[ContractRate]] = relationship(
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractRate.effective_from",
    )
    packages: Mapped[list[PrepaidPackage]] = relationship(
        back_populates="contract", order_by="PrepaidPackage.purchase_date"
    )
    sla_targets: Mapped[list[ContractSlaTarget]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )


class ContractRate(db.Model):
    """An hourly rate of one activity, optionally for one agent level.

    A rate applies to work dated on or after effective_from, so adding a new
    rate never reprices work billed before it. agent_level "" means any level.
    """

    __tablename__ = "contract_rates"
    __table_args__ = (
        sa.UniqueConstraint(
            "contract_id",
            "activity_type_id",
            "agent_level",
            "effective_from",
            name="uq_contract_rates_key",
        ),
        sa.CheckConstraint("hourly_rate >= 0", name="rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    activity_type_id: Mapped[int] = mapped_column(sa.ForeignKey("activity_types.id"))
    agent_level: Mapped[str] = mapped_column(sa.String(40), default="")
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
    effective_from: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="rates")
    activity_type: Mapped[ActivityType] = relationship()
