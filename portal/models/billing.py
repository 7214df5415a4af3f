from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.extensions import db
from portal.models.types import Money, UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from portal.models.customers import Customer
    from portal.models.entries import TimeEntry
    from portal.models.users import User


class StatementStatus(enum.StrEnum):
    ISSUED = "issued"
    VOID = "void"


class StatementSequence(db.Model):
    """The last statement number used in a year, so numbers stay gapless."""

    __tablename__ = "statement_sequences"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Statement(db.Model):
    """A statement of work for one customer and month, frozen once issued."""

    __tablename__ = "statements"
    __table_args__ = (
        sa.UniqueConstraint("year", "sequence", name="uq_statements_year_sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    period_start: Mapped[date]
    period_end: Mapped[date]
    year: Mapped[int]
    sequence: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    status: Mapped[StatementStatus] = mapped_column(
        enum_column(StatementStatus, "status"), default=StatementStatus.ISSUED
    )
    language: Mapped[str] = mapped_column(sa.String(5))
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    hourly_rate: Mapped[Decimal] = mapped_column(Money)
    total_minutes: Mapped[int]
    total_amount: Mapped[Decimal] = mapped_column(Money)
    customer_name: Mapped[str] = mapped_column(sa.String(200))
    customer_address: Mapped[str | None] = mapped_column(sa.String(300))
    customer_vat_number: Mapped[str | None] = mapped_column(sa.String(32))
    pdf: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    issued_by: Mapped[User] = relationship()
    lines: Mapped[list[StatementLine]] = relationship(
        back_populates="statement",
        order_by="StatementLine.position",
        cascade="all, delete-orphan",
    )
    entries: Mapped[list[TimeEntry]] = relationship(back_populates="statement")


class StatementLine(db.Model):
    """One billed entry as it was when the statement was issued.

    Every value is copied, not referenced, so later edits to tickets, activity
    names or rates never change an issued statement.
    """

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    position: Mapped[int]
    time_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("time_entries.id"))
    ticket_key: Mapped[str] = mapped_column(sa.String(32))
    ticket_title: Mapped[str] = mapped_column(sa.String(300))
    work_date: Mapped[date]
    agent_name: Mapped[str] = mapped_column(sa.String(120))
    activity: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text)
    minutes: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)

    statement: Mapped[Statement] = relationship(back_populates="lines")
