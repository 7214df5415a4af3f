"""The priced statement: items, package movements, draws, totals.

Issuing copies these values one for one into StatementItem,
StatementPackageLine and PackageDraw rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import current_app

from portal.models import BillingModel, ItemKind
from portal.services import billing_rules as rules
from portal.services.statements.detail import DetailLine

ZERO = Decimal("0.00")
ONE = Decimal(1)


@dataclass(frozen=True)
class PricedItem:
    """One priced summary line, as issuing copies it into a StatementItem."""

    kind: ItemKind
    amount: Decimal
    contract_name: str | None = None
    ticket_key: str | None = None
    ticket_title: str | None = None
    activity: str | None = None
    description: str = ""
    bands: str = ""
    raw_minutes: int = 0
    billed_minutes: int = 0
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    multiplier: Decimal = ONE
    is_included: bool = False
    refers_to_number: str | None = None
    # The open adjustment this item bills, which issuing marks applied.
    adjustment_id: int | None = None

    @property
    def is_labour(self) -> bool:
        return self.kind == ItemKind.LABOUR


@dataclass(frozen=True)
class PackageMovement:
    """A prepaid package's balance before and after the statement, in minutes."""

    package_id: int
    package_name: str
    purchase_date: date
    expiry_date: date
    minutes_bought: int
    opening_minutes: int
    consumed_minutes: int
    closing_minutes: int


@dataclass(frozen=True)
class DrawRow:
    """Minutes of one time entry paid by one package."""

    package_id: int
    time_entry_id: int
    work_date: date
    minutes: int


@dataclass(frozen=True)
class ContractBill:
    """The priced items of one contract's work in the month."""

    contract_id: int
    contract_name: str
    billing_model: BillingModel
    currency: str
    items: tuple[PricedItem, ...]
    packages: tuple[PackageMovement, ...] = ()
    draws: tuple[DrawRow, ...] = ()

    @property
    def subtotal(self) -> Decimal:
        return sum((item.amount for item in self.items), ZERO)

    @property
    def raw_minutes(self) -> int:
        return sum(item.raw_minutes for item in self.items if item.is_labour)

    @property
    def billed_minutes(self) -> int:
        return sum(item.billed_minutes for item in self.items if item.is_labour)


@dataclass(frozen=True)
class VatSettings:
    """VAT as the settings give it: a percentage, a printed note, or neither."""

    rate: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True)
class Pricing:
    """A statement's priced items, detail lines and totals.

    subtotal is the sum of the items' amounts and total adds VAT to it, so
    both foot on every page that prints the items.
    """

    currency: str
    contracts: tuple[ContractBill, ...]
    adjustments: tuple[PricedItem, ...]
    lines: tuple[DetailLine, ...]
    vat: VatSettings
    totals: rules.StatementTotals

    @property
    def items(self) -> tuple[PricedItem, ...]:
        contract_items = tuple(item for bill in self.contracts for item in bill.items)
        return contract_items + self.adjustments

    @property
    def is_empty(self) -> bool:
        return not self.items

    @property
    def raw_minutes(self) -> int:
        return sum(bill.raw_minutes for bill in self.contracts)

    @property
    def billed_minutes(self) -> int:
        return sum(bill.billed_minutes for bill in self.contracts)

    @property
    def subtotal(self) -> Decimal:
        return self.totals.subtotal

    @property
    def vat_amount(self) -> Decimal | None:
        return self.totals.vat

    @property
    def total(self) -> Decimal:
        return self.totals.total

    @property
    def packages(self) -> tuple[PackageMovement, ...]:
        return tuple(package for bill in self.contracts for package in bill.packages)

    @property
    def draws(self) -> tuple[DrawRow, ...]:
        return tuple(draw for bill in self.contracts for draw in bill.draws)


def vat_settings() -> VatSettings:
    """Read STATEMENT_VAT_RATE (a percentage such as "22") and STATEMENT_VAT_NOTE.

    Raise ValueError when the rate is not a number from 0 to 100 with at
    most two decimals, because a wrong VAT on issued statements is permanent.
    """
    config = current_app.config
    note = (config.get("STATEMENT_VAT_NOTE") or "").strip() or None
    text = str(config.get("STATEMENT_VAT_RATE") or "").strip()
    if not text:
        return VatSettings(None, note)
    try:
        rate = Decimal(text.replace(",", "."))
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not 0 <= rate <= 100:
        raise ValueError(
            f"STATEMENT_VAT_RATE must be a percentage from 0 to 100, e.g. 22, "
            f"got {text!r}"
        )
    if rate != rate.quantize(Decimal("0.01")):
        raise ValueError(
            f"STATEMENT_VAT_RATE may have at most two decimals, got {text!r}"
        )
    return VatSettings(rate, note)
