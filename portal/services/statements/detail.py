"""Detail lines of a statement grouped by ticket, for pages and the PDF.

Detail lines are the billed entries and resources one by one. Statements
issued before priced items existed carry an amount on every line. Later ones
price their items instead, so their lines have amount None and a group's
amount is None too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from portal.models import ItemKind
from portal.services import billing_rules as rules


class StatementLineData(Protocol):
    """The fields of a printed detail line: DetailLine and StatementLine have them."""

    kind: ItemKind
    ticket_key: str
    ticket_title: str
    work_date: date
    agent_name: str
    activity: str
    description: str
    minutes: int
    raw_minutes: int
    quantity: Decimal | None
    amount: Decimal | None


@dataclass(frozen=True)
class DetailLine:
    """One billed time entry or resource entry, as issuing copies it.

    minutes are billed and raw_minutes worked, both 0 for a resource, whose
    quantity counts kilometres, units or visits.
    """

    kind: ItemKind
    time_entry_id: int | None
    resource_entry_id: int | None
    ticket_key: str
    ticket_title: str
    work_date: date
    agent_name: str
    activity: str
    description: str
    minutes: int
    raw_minutes: int
    quantity: Decimal | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class TicketGroup:
    """The detail lines of one ticket with their sums."""

    ticket_key: str
    ticket_title: str
    lines: tuple[StatementLineData, ...]
    minutes: int
    raw_minutes: int
    amount: Decimal | None


@dataclass(frozen=True)
class Bill:
    """Detail lines grouped by ticket. amount is None unless every line has one."""

    groups: tuple[TicketGroup, ...]
    minutes: int
    raw_minutes: int
    amount: Decimal | None

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def line_count(self) -> int:
        return sum(len(group.lines) for group in self.groups)


def _sum_amounts(lines: Iterable[StatementLineData]) -> Decimal | None:
    amounts = [line.amount for line in lines]
    if any(amount is None for amount in amounts):
        return None
    return sum(amounts, Decimal("0.00"))


def summarize(lines: Iterable[StatementLineData]) -> Bill:
    """Group detail lines by ticket and add up their minutes and amounts.

    Lines keep their order, and a ticket's group appears where its first line
    does. On statements whose lines carry amounts, the total adds the rounded
    line amounts, so it equals the sum of the printed lines.
    """
    by_ticket: dict[str, list[StatementLineData]] = {}
    for line in lines:
        by_ticket.setdefault(line.ticket_key, []).append(line)

    groups = tuple(
        TicketGroup(
            ticket_key=key,
            ticket_title=ticket_lines[0].ticket_title,
            lines=tuple(ticket_lines),
            minutes=sum(line.minutes for line in ticket_lines),
            raw_minutes=sum(line.raw_minutes for line in ticket_lines),
            amount=_sum_amounts(ticket_lines),
        )
        for key, ticket_lines in by_ticket.items()
    )
    group_amounts = [group.amount for group in groups]
    amount = (
        None
        if any(value is None for value in group_amounts)
        else sum(group_amounts, Decimal("0.00"))
    )
    return Bill(
        groups=groups,
        minutes=sum(group.minutes for group in groups),
        raw_minutes=sum(group.raw_minutes for group in groups),
        amount=amount,
    )


def line_amount(minutes: int, hourly_rate: Decimal) -> Decimal:
    """Return minutes x hourly_rate / 60, rounded half-up to the cent.

    This is how statements issued before priced items priced each entry.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, got {minutes!r}")
    if not isinstance(hourly_rate, Decimal):
        raise TypeError(f"hourly_rate must be a Decimal, got {hourly_rate!r}")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    return rules.line_amount(minutes, hourly_rate, per=60)
