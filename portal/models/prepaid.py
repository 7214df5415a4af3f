from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.types import Money, UTCDateTime, utcnow

if TYPE_CHECKING:
    from portal.models.billing import Statement
    from portal.models.customers import Contract
    from portal.models.users import User


class PrepaidPackage(db.Model):
    """Hours a customer bought in advance on a prepaid contract ("monte ore").

    It pays for work dated from purchase_date through expiry_date. What it has
    paid is the sum of its draws on statements that are not void, so voiding a
    statement gives its minutes back without rewriting any row.
    """

    __tablename__ = "prepaid_packages"
    __table_args__ = (
        sa.CheckConstraint("minutes_bought > 0", name="minutes_positive"),
        sa.CheckConstraint("price >= 0", name="price_not_negative"),
        sa.CheckConstraint("expiry_date >= purchase_date", name="valid_period"),
        sa.CheckConstraint(
            "alerted_percent IN (0, 75, 90, 100)", name="alerted_percent_allowed"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    minutes_bought: Mapped[int]
    purchase_date: Mapped[date]
    expiry_date: Mapped[date]
    price: Mapped[Decimal] = mapped_column(Money)
    # The highest alert threshold (75, 90, 100 % consumed) already announced,
    # so each alert goes out once.
    alerted_percent: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    contract: Mapped[Contract] = relationship(back_populates="packages")
    created_by: Mapped[User | None] = relationship()
    draws: Mapped[list[PackageDraw]] = relationship(back_populates="package")


class PackageDraw(db.Model):
    """Minutes of one entry that one statement paid from one package."""

    __tablename__ = "package_draws"
    __table_args__ = (
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
        sa.Index("ix_package_draws_package_date", "package_id", "work_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("prepaid_packages.id"))
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    time_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("time_entries.id"))
    work_date: Mapped[date]
    minutes: Mapped[int]

    package: Mapped[PrepaidPackage] = relationship(back_populates="draws")
    statement: Mapped[Statement] = relationship()
