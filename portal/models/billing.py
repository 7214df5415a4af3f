from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.extensions import db
from portal.models.types import (
    Money,
    Multiplier,
    Quantity,
    UTCDateTime,
    enum_column,
    utcnow,
)

if TYPE_CHECKING:
    from portal.models.customers import Customer
    from portal.models.entries import TimeEntry
    from portal.models.resources import ResourceEntry
    from portal.models.users import User


class StatementStatus(enum.StrEnum):
    ISSUED = "issued"
    VOID = "void"


class PdfStatus(enum.StrEnum):
    """State of a statement's PDF, rendered in the background after issue or void."""

    PENDING = "pending"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class ItemKind(enum.StrEnum):
    """Kind of charge of a priced statement item."""

    # Billed time of one ticket, activity, rate and multiplier.
    LABOUR = "labour"
    # Minutes beyond the prepaid packages or the monthly fee's hours.
    OVERAGE = "overage"
    MONTHLY_FEE = "monthly_fee"
    CALL_OUT = "call_out"
    MILEAGE = "mileage"
    MATERIAL = "material"
    # A credit (negative) or debit correcting an earlier statement.
    ADJUSTMENT = "adjustment"


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
    # The single rate of statements issued before per-activity rates; None
    # on later statements, whose items carry their own rates.
    hourly_rate: Mapped[Decimal | None] = mapped_column(Money)
    # Billed and worked minutes of all labour items.
    total_minutes: Mapped[int]
    raw_minutes: Mapped[int] = mapped_column(default=0)
    # Sum of the items; VAT, when the settings ask for it, is added on top.
    subtotal_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    vat_rate: Mapped[Decimal | None] = mapped_column(Multiplier)
    vat_amount: Mapped[Decimal | None] = mapped_column(Money)
    # Printed under the totals, e.g. an exemption clause.
    vat_note: Mapped[str | None] = mapped_column(sa.Text)
    total_amount: Mapped[Decimal] = mapped_column(Money)
    customer_name: Mapped[str] = mapped_column(sa.String(200))
    customer_address: Mapped[str | None] = mapped_column(sa.String(300))
    customer_vat_number: Mapped[str | None] = mapped_column(sa.String(32))
    # Why accounts issued although entries of the period awaited approval.
    pending_override_reason: Mapped[str | None] = mapped_column(sa.Text)

    # The PDF as issued: rendered once, in the background, from the frozen
    # lines; NULL until pdf_status is READY.
    pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    pdf_status: Mapped[PdfStatus] = mapped_column(
        enum_column(PdfStatus, "pdf_status"), default=PdfStatus.PENDING
    )
    pdf_error: Mapped[str | None] = mapped_column(sa.Text)
    issued_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Voiding keeps the number and the issued PDF, and adds a copy marked
    # "ANNULLATO / VOID" that downloads return from then on.
    void_reason: Mapped[str | None] = mapped_column(sa.Text)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    void_pdf: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    void_pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    customer: Mapped[Customer] = relationship()
    issued_by: Mapped[User] = relationship(foreign_keys=[issued_by_id])
    voided_by: Mapped[User | None] = relationship(foreign_keys=[voided_by_id])
    lines: Mapped[list[StatementLine]] = relationship(
        back_populates="statement",
        order_by="StatementLine.position",
        cascade="all, delete-orphan",
    )
    items: Mapped[list[StatementItem]] = relationship(
        back_populates="statement",
        order_by="StatementItem.position",
        cascade="all, delete-orphan",
    )
    package_lines: Mapped[list[StatementPackageLine]] = relationship(
        back_populates="statement",
        order_by="StatementPackageLine.position",
        cascade="all, delete-orphan",
    )
    entries: Mapped[list[TimeEntry]] = relationship(back_populates="statement")
    resource_entries: Mapped[list[ResourceEntry]] = relationship(
        back_populates="statement"
    )

    @property
    def is_void(self) -> bool:
        return self.status == StatementStatus.VOID


class StatementLine(db.Model):
    """One billed entry or resource as it was when the statement was issued.

    These are the detail lines printed after the priced items. Every value is
    copied, not referenced, so later edits to tickets, activity names or rates
    never change an issued statement. amount is set only on statements issued
    before items existed, which priced each entry on its own.
    """

    __tablename__ = "statement_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(
        enum_column(ItemKind, "kind"), default=ItemKind.LABOUR
    )
    time_entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("time_entries.id"))
    resource_entry_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("resource_entries.id")
    )
    ticket_key: Mapped[str] = mapped_column(sa.String(32))
    ticket_title: Mapped[str] = mapped_column(sa.String(300))
    work_date: Mapped[date]
    agent_name: Mapped[str] = mapped_column(sa.String(120))
    activity: Mapped[str] = mapped_column(sa.String(100))
    description: Mapped[str] = mapped_column(sa.Text)
    # Billed minutes, after the contract's rounding, and worked minutes.
    minutes: Mapped[int]
    raw_minutes: Mapped[int] = mapped_column(default=0)
    # Kilometres, units or visits of a resource line.
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    amount: Mapped[Decimal | None] = mapped_column(Money)

    statement: Mapped[Statement] = relationship(back_populates="lines")


class StatementItem(db.Model):
    """One priced line of a statement's summary, frozen at issue.

    amount is computed once, on the item's summed quantity: for labour,
    billed_minutes x unit_price (hourly) x multiplier / 60, rounded half-up to
    the cent. The statement's subtotal is the sum of its items' amounts.
    Labour paid by prepaid packages or a monthly fee has amount 0 and
    is_included true; the minutes beyond them form an OVERAGE item.
    """

    __tablename__ = "statement_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    position: Mapped[int]
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind, "kind"))
    contract_name: Mapped[str | None] = mapped_column(sa.String(200))
    ticket_key: Mapped[str | None] = mapped_column(sa.String(32))
    ticket_title: Mapped[str | None] = mapped_column(sa.String(300))
    # Activity label in the statement's language.
    activity: Mapped[str | None] = mapped_column(sa.String(100))
    # Customer-visible text: material, adjustment reason, band names.
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Comma-separated after-hours bands of a labour item, e.g. "saturday".
    bands: Mapped[str] = mapped_column(sa.String(60), default="")
    raw_minutes: Mapped[int] = mapped_column(default=0)
    billed_minutes: Mapped[int] = mapped_column(default=0)
    # Kilometres, units, visits; None for labour, which counts minutes.
    quantity: Mapped[Decimal | None] = mapped_column(Quantity)
    # Hourly rate of labour and overage, or price per unit.
    unit_price: Mapped[Decimal | None] = mapped_column(Money)
    multiplier: Mapped[Decimal] = mapped_column(Multiplier, default=Decimal(1))
    is_included: Mapped[bool] = mapped_column(default=False)
    amount: Mapped[Decimal] = mapped_column(Money)
    # The statement an adjustment corrects.
    refers_to_number: Mapped[str | None] = mapped_column(sa.String(16))

    statement: Mapped[Statement] = relationship(back_populates="items")


class StatementPackageLine(db.Model):
    """A prepaid package's balance before and after one statement, frozen."""

    __tablename__ = "statement_package_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    position: Mapped[int]
    package_id: Mapped[int] = mapped_column(sa.ForeignKey("prepaid_packages.id"))
    package_name: Mapped[str] = mapped_column(sa.String(120))
    purchase_date: Mapped[date]
    expiry_date: Mapped[date]
    minutes_bought: Mapped[int]
    opening_minutes: Mapped[int]
    consumed_minutes: Mapped[int]
    closing_minutes: Mapped[int]

    statement: Mapped[Statement] = relationship(back_populates="package_lines")


class Adjustment(db.Model):
    """A credit (negative amount) or debit correcting an issued statement.

    It is billed as an item of the customer's next statement, which sets
    applied_statement_id; voiding that statement frees it again.
    """

    __tablename__ = "adjustments"
    __table_args__ = (sa.CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id"), index=True)
    original_statement_id: Mapped[int] = mapped_column(sa.ForeignKey("statements.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    # Shown to the customer on the statement that bills it.
    reason: Mapped[str] = mapped_column(sa.Text)
    applied_statement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("statements.id"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    customer: Mapped[Customer] = relationship()
    original_statement: Mapped[Statement] = relationship(
        foreign_keys=[original_statement_id]
    )
    applied_statement: Mapped[Statement | None] = relationship(
        foreign_keys=[applied_statement_id]
    )
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])


class ClosedMonth(db.Model):
    """A month closed by accounts: its entries change only with a reason."""

    __tablename__ = "closed_months"

    # The first day of the month.
    month: Mapped[date] = mapped_column(primary_key=True)
    closed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    closed_by: Mapped[User] = relationship()
