"""A statement's frozen rows arranged for printing, on the PDF and on screen.

Everything comes from the rows saved at issue: Statement, StatementItem,
StatementLine and StatementPackageLine. Amounts are printed exactly as
stored. The section totals printed beside them are sums of those amounts, and
check_footing() rejects a statement whose stored subtotal or total differs from
the sum of its printed lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from portal.models import (
    ItemKind,
    Statement,
    StatementItem,
    StatementLine,
    StatementPackageLine,
)

ZERO = Decimal("0.00")
FEE_KINDS = (ItemKind.MONTHLY_FEE, ItemKind.OVERAGE)
RESOURCE_KINDS = (ItemKind.CALL_OUT, ItemKind.MILEAGE, ItemKind.MATERIAL)


class StatementFootingError(ValueError):
    """Raised when a statement's stored totals differ from its printed lines.

    A printed total that does not equal the sum of the printed lines is a
    defect, so the PDF is not rendered and the render job records this message.
    """


@dataclass(frozen=True)
class TicketLabour:
    """The labour items of one ticket, in the order they were issued."""

    ticket_key: str
    ticket_title: str
    items: tuple[StatementItem, ...]


@dataclass(frozen=True)
class TicketLines:
    """Detail lines of one ticket: billed time entries or resources."""

    ticket_key: str
    ticket_title: str
    lines: tuple[StatementLine, ...]
    minutes: int
    raw_minutes: int
    # Sum of the lines' own amounts, only on statements issued before items.
    amount: Decimal


@dataclass(frozen=True)
class ItemSection:
    """Priced items of one kind of charge with the sum of their amounts."""

    items: tuple[StatementItem, ...]
    total: Decimal

    def __bool__(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class StatementDocument:
    """The printed content of an issued statement, for the PDF and the accounts page."""

    statement: Statement
    labour: tuple[TicketLabour, ...]
    labour_total: Decimal
    labour_raw_minutes: int
    labour_billed_minutes: int
    fees: ItemSection
    resources: ItemSection
    adjustments: ItemSection
    packages: tuple[StatementPackageLine, ...]
    # Sum of every printed item amount, which check_footing() compares with
    # statement.subtotal_amount.
    items_total: Decimal
    time_lines: tuple[TicketLines, ...]
    resource_lines: tuple[StatementLine, ...]

    @property
    def is_legacy(self) -> bool:
        """Tell a statement issued before items existed, priced line by line."""
        return not self.statement.items

    @property
    def detail_line_count(self) -> int:
        time_count = sum(len(group.lines) for group in self.time_lines)
        return time_count + len(self.resource_lines)


def build_document(statement: Statement) -> StatementDocument:
    """Arrange the statement's frozen items and lines for printing."""
    items = list(statement.items)
    labour_items = [item for item in items if item.kind == ItemKind.LABOUR]
    time_lines = [line for line in statement.lines if line.kind not in RESOURCE_KINDS]
    resource_lines = [line for line in statement.lines if line.kind in RESOURCE_KINDS]

    return StatementDocument(
        statement=statement,
        labour=_labour_by_ticket(labour_items),
        labour_total=_sum_amounts(labour_items),
        labour_raw_minutes=sum(item.raw_minutes for item in labour_items),
        labour_billed_minutes=sum(item.billed_minutes for item in labour_items),
        fees=_section(items, FEE_KINDS),
        resources=_section(items, RESOURCE_KINDS),
        adjustments=_section(items, (ItemKind.ADJUSTMENT,)),
        packages=tuple(statement.package_lines),
        items_total=_sum_amounts(items),
        time_lines=_lines_by_ticket(time_lines),
        resource_lines=tuple(resource_lines),
    )


def check_footing(document: StatementDocument) -> None:
    """Raise StatementFootingError unless the stored totals foot.

    The subtotal must equal the sum of the items, and the total the subtotal
    plus VAT. A statement issued before items existed must total its lines.
    """
    statement = document.statement
    if document.is_legacy:
        lines_total = sum((group.amount for group in document.time_lines), ZERO)
        _require_equal("total", statement.total_amount, lines_total, statement)
        return

    _require_equal(
        "subtotal", statement.subtotal_amount, document.items_total, statement
    )
    if statement.vat_rate is not None and statement.vat_amount is None:
        raise StatementFootingError(
            f"statement {statement.number}: VAT rate {statement.vat_rate} "
            "is set but the VAT amount is missing"
        )
    expected_total = statement.subtotal_amount + (statement.vat_amount or ZERO)
    _require_equal("total", statement.total_amount, expected_total, statement)


def _require_equal(
    name: str, stored: Decimal, printed: Decimal, statement: Statement
) -> None:
    if stored != printed:
        raise StatementFootingError(
            f"statement {statement.number}: stored {name} {stored} differs from "
            f"the sum of its printed lines, {printed}"
        )


def _sum_amounts(items: Iterable[StatementItem]) -> Decimal:
    return sum((item.amount for item in items), ZERO)


def _section(
    items: Sequence[StatementItem], kinds: tuple[ItemKind, ...]
) -> ItemSection:
    chosen = tuple(item for item in items if item.kind in kinds)
    return ItemSection(items=chosen, total=_sum_amounts(chosen))


def _labour_by_ticket(items: Sequence[StatementItem]) -> tuple[TicketLabour, ...]:
    """Group labour items by ticket, each ticket where its first item is."""
    by_ticket: dict[str, list[StatementItem]] = {}
    for item in items:
        by_ticket.setdefault(item.ticket_key or "", []).append(item)
    return tuple(
        TicketLabour(
            ticket_key=key,
            ticket_title=ticket_items[0].ticket_title or "",
            items=tuple(ticket_items),
        )
        for key, ticket_items in by_ticket.items()
    )


def _lines_by_ticket(lines: Sequence[StatementLine]) -> tuple[TicketLines, ...]:
    """Group detail lines by ticket, each ticket where its first line is."""
    by_ticket: dict[str, list[StatementLine]] = {}
    for line in lines:
        by_ticket.setdefault(line.ticket_key, []).append(line)
    return tuple(
        TicketLines(
            ticket_key=key,
            ticket_title=ticket_lines[0].ticket_title,
            lines=tuple(ticket_lines),
            minutes=sum(line.minutes for line in ticket_lines),
            raw_minutes=sum(line.raw_minutes or 0 for line in ticket_lines),
            amount=sum((line.amount or ZERO for line in ticket_lines), ZERO),
        )
        for key, ticket_lines in by_ticket.items()
    )
