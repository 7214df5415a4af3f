"""SLA figures of one ticket and of a customer's month, read from the database.

The clock arithmetic lives in portal.services.sla and portal.services.calendar.
This module builds a WorkingCalendar from a contract's SLA columns, picks the
target of a ticket's priority from ContractSlaTarget, and groups a month's
tickets by contract. A month counts the tickets opened in it, with the month's
bounds taken in the company's time zone (DEFAULT_TIMEZONE), like statements.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_datetime, get_day_names
from babel.lists import format_list
from babel.numbers import format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from portal.agent.labels import PRIORITY_LABELS
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Contract, Customer, Ticket, TicketPriority, TicketStatus
from portal.models.types import utcnow
from portal.services.admin.sla_formats import (
    SlaFormatError,
    parse_working_days,
    parse_working_hours,
)
from portal.services.calendar import MIDNIGHT, WorkingCalendar
from portal.services.sla import (
    Pause,
    PriorityCompliance,
    SlaResult,
    SlaStatus,
    SlaTarget,
    compliance,
    evaluate_ticket,
    waiting_pauses,
)
from portal.services.statements import BABEL_LOCALES, company_zone, month_end

logger = logging.getLogger(__name__)

# Pages and the annex list priorities from the most to the least urgent.
PRIORITY_ORDER = (
    TicketPriority.URGENT,
    TicketPriority.HIGH,
    TicketPriority.NORMAL,
    TicketPriority.LOW,
)


SLA_STATUS_LABELS = {
    SlaStatus.MET: _l("Met"),
    SlaStatus.BREACHED: _l("Breached"),
    SlaStatus.RUNNING: _l("Running"),
    SlaStatus.RUNNING_BREACHED: _l("Breached, still open"),
    SlaStatus.PAUSED: _l("Paused, waiting for the customer"),
}


class ExclusionReason(enum.StrEnum):
    """The reason a ticket has no SLA figures."""

    NO_CONTRACT = "no_contract"
    NO_TARGET = "no_target"
    # The ticket's timestamps are out of order, e.g. resolved before opened.
    INVALID_TIMES = "invalid_times"


EXCLUSION_LABELS = {
    ExclusionReason.NO_CONTRACT: _l("No contract covers this ticket."),
    ExclusionReason.NO_TARGET: _l("No SLA target for this priority"),
    ExclusionReason.INVALID_TIMES: _l(
        "The ticket's times are out of order, so its SLA cannot be computed."
    ),
}


@dataclass(frozen=True)
class TicketSla:
    """The SLA clocks of one ticket, or the reason it has none."""

    ticket: Ticket
    contract: Contract | None
    target: SlaTarget | None
    result: SlaResult | None
    exclusion: ExclusionReason | None = None

    @property
    def is_breached(self) -> bool:
        if self.result is None:
            return False
        clocks = (self.result.first_response, self.result.resolution)
        return any(clock.is_breached for clock in clocks)


@dataclass(frozen=True)
class ContractEvidence:
    """A month's SLA figures for the tickets of one contract."""

    contract: Contract
    targets: tuple[SlaTarget, ...]
    compliance: dict[str, PriorityCompliance]
    tickets: tuple[TicketSla, ...]

    @property
    def breached(self) -> tuple[TicketSla, ...]:
        return tuple(
            ticket_sla for ticket_sla in self.tickets if ticket_sla.is_breached
        )


@dataclass(frozen=True)
class SlaEvidence:
    """SLA figures of the tickets a customer opened in one calendar month."""

    customer: Customer
    month: date
    timezone: str
    evaluated_at: datetime
    contracts: tuple[ContractEvidence, ...]
    excluded: tuple[TicketSla, ...]

    @property
    def ticket_count(self) -> int:
        counted = sum(len(evidence.tickets) for evidence in self.contracts)
        return counted + len(self.excluded)

    @property
    def breached_count(self) -> int:
        return sum(len(evidence.breached) for evidence in self.contracts)


class SlaCalendarError(DomainError):
    """Raised when a contract's SLA working days, hours or time zone are invalid."""

    def __init__(self, contract: Contract, problem: str) -> None:
        message = _(
            "The SLA calendar of contract %(contract)s is invalid, so its SLA "
            "figures cannot be computed. Contact us to correct it.",
            contract=contract.name,
        )
        super().__init__(message, 500)
        self.contract_id = contract.id
        self.problem = problem


def contract_calendar(contract: Contract) -> WorkingCalendar:
    """Build the working calendar of a contract's SLA columns, with Italian holidays.

    Raises SlaCalendarError when the columns cannot be read.
    """
    try:
        iso_weekdays = parse_working_days(contract.sla_working_days)
        return WorkingCalendar(
            timezone=contract.sla_timezone,
            # ISO weekday numbers start at 1 for Monday, date.weekday() at 0.
            working_weekdays=frozenset(day - 1 for day in iso_weekdays),
            working_intervals=parse_working_hours(contract.sla_working_hours),
        )
    except ValueError as error:
        logger.error("contract %s has an invalid SLA calendar: %s", contract.id, error)
        raise SlaCalendarError(contract, str(error)) from error


def contract_targets(contract: Contract) -> dict[TicketPriority, SlaTarget]:
    """Return the contract's targets by priority, in PRIORITY_ORDER."""
    rows = {row.priority: row for row in contract.sla_targets}
    return {
        priority: SlaTarget(
            priority=priority.value,
            first_response_minutes=rows[priority].first_response_minutes,
            resolution_minutes=rows[priority].resolution_minutes,
            business_hours=contract.sla_business_hours,
        )
        for priority in PRIORITY_ORDER
        if priority in rows
    }


def ticket_contract(ticket: Ticket) -> Contract | None:
    """Return the ticket's contract, else the customer's contract on its opening day."""
    if ticket.contract is not None:
        return ticket.contract
    opened_on = ticket.opened_at.astimezone(company_zone()).date()
    return ticket.customer.contract_on(opened_on)


def evaluate_ticket_sla(ticket: Ticket, now: datetime | None = None) -> TicketSla:
    """Evaluate a ticket's SLA clocks at now (default: the current instant)."""
    now = now or utcnow()
    contract = ticket_contract(ticket)
    calendar = contract_calendar(contract) if contract is not None else None
    return _evaluate(ticket, contract, calendar, now)


def _evaluate(
    ticket: Ticket,
    contract: Contract | None,
    calendar: WorkingCalendar | None,
    now: datetime,
) -> TicketSla:
    if contract is None or calendar is None:
        return TicketSla(ticket, None, None, None, ExclusionReason.NO_CONTRACT)

    target = contract_targets(contract).get(ticket.priority)
    if target is None:
        return TicketSla(ticket, contract, None, None, ExclusionReason.NO_TARGET)

    try:
        result = evaluate_ticket(
            ticket.opened_at,
            ticket.first_response_at,
            ticket.resolved_at,
            target,
            calendar,
            now,
            waiting=ticket_waiting_pauses(ticket),
        )
    except ValueError as error:
        logger.error("ticket %s has no SLA figures: %s", ticket.id, error)
        return TicketSla(ticket, contract, target, None, ExclusionReason.INVALID_TIMES)
    return TicketSla(ticket, contract, target, result)


def ticket_waiting_pauses(ticket: Ticket) -> tuple[Pause, ...]:
    """Return the intervals the ticket waited for the customer, from its history.

    A ticket without status history has no pauses, even when its status is
    WAITING now, because the start of that wait is unknown.
    """
    # Rows not flushed yet have no id, and sort after the stored ones.
    changes = sorted(
        ticket.status_changes,
        key=lambda change: (change.changed_at, change.id is None, change.id or 0),
    )
    return waiting_pauses(
        (change.changed_at, change.to_status == TicketStatus.WAITING)
        for change in changes
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """Return the UTC instants where the month starts and the next one starts."""
    zone = company_zone()
    first_day = month.replace(day=1)
    next_first_day = month_end(first_day) + timedelta(days=1)
    start = datetime.combine(first_day, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(next_first_day, time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def monthly_evidence(
    customer: Customer, month: date, now: datetime | None = None
) -> SlaEvidence:
    """Compute the SLA figures of the customer's tickets opened in month."""
    now = now or utcnow()
    month = month.replace(day=1)
    tickets = _tickets_opened_in(customer.id, month)

    calendars: dict[int, WorkingCalendar] = {}
    by_contract: dict[int, list[TicketSla]] = {}
    contracts: dict[int, Contract] = {}
    excluded = []
    for ticket in tickets:
        contract = ticket_contract(ticket)
        calendar = None
        if contract is not None:
            if contract.id not in calendars:
                calendars[contract.id] = contract_calendar(contract)
            calendar = calendars[contract.id]
        ticket_sla = _evaluate(ticket, contract, calendar, now)
        if ticket_sla.result is None:
            excluded.append(ticket_sla)
            continue
        contracts[contract.id] = contract
        by_contract.setdefault(contract.id, []).append(ticket_sla)

    evidence = tuple(
        _contract_evidence(contracts[contract_id], by_contract[contract_id])
        for contract_id in sorted(
            by_contract, key=lambda key: contracts[key].valid_from
        )
    )
    return SlaEvidence(
        customer=customer,
        month=month,
        timezone=company_zone().key,
        evaluated_at=now,
        contracts=evidence,
        excluded=tuple(excluded),
    )


def _tickets_opened_in(customer_id: int, month: date) -> list[Ticket]:
    start, end = month_bounds(month)
    query = (
        sa.select(Ticket)
        .where(
            Ticket.customer_id == customer_id,
            Ticket.opened_at >= start,
            Ticket.opened_at < end,
        )
        .options(
            joinedload(Ticket.contract).selectinload(Contract.sla_targets),
            joinedload(Ticket.customer)
            .selectinload(Customer.contracts)
            .selectinload(Contract.sla_targets),
            selectinload(Ticket.status_changes),
        )
        .order_by(Ticket.opened_at, Ticket.id)
    )
    return list(db.session.scalars(query).unique())


def _contract_evidence(
    contract: Contract, tickets: list[TicketSla]
) -> ContractEvidence:
    targets = tuple(contract_targets(contract).values())
    results = [ticket_sla.result for ticket_sla in tickets if ticket_sla.result]
    priorities = [target.priority for target in targets]
    return ContractEvidence(
        contract=contract,
        targets=targets,
        compliance=compliance(results, priorities),
        tickets=tuple(tickets),
    )


def template_helpers(language: str, zone: ZoneInfo) -> dict[str, Any]:
    """Return the labels and formatters that the SLA templates and macros use.

    Times are shown in zone: the user's on pages, the company's in the annex.
    """
    locale = BABEL_LOCALES.get(language, "en_GB")

    def local_time(moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(zone)
        return format_datetime(local, "dd/MM/yyyy HH:mm", locale=locale)

    return {
        "sla_status_labels": SLA_STATUS_LABELS,
        "exclusion_labels": EXCLUSION_LABELS,
        "sla_priority_labels": PRIORITY_LABELS,
        "local_time": local_time,
        "percentage": lambda value: format_percentage(value, language),
        "working_days_text": lambda text: format_working_days_text(text, locale),
        "working_hours_text": format_working_hours_text,
    }


def format_working_days_text(text: str, locale: str) -> str:
    """Name the weekdays of a stored "1,2,3,4,5" text in the locale's language.

    A run of three or more consecutive days becomes a range such as
    "lunedì–venerdì", and the parts are joined as a list ("Monday and
    Wednesday"). An unreadable text is returned as stored.
    """
    try:
        days = parse_working_days(text)
    except SlaFormatError:
        return text
    names = get_day_names("wide", locale=locale)
    parts = []
    for run in _consecutive_runs(days):
        # Babel numbers weekdays from 0 (Monday), ISO from 1 (Monday).
        first, last = names[run[0] - 1], names[run[-1] - 1]
        if len(run) >= 3:
            parts.append(f"{first}–{last}")
        else:
            parts.extend(names[day - 1] for day in run)
    return format_list(parts, locale=locale)


def format_working_hours_text(text: str) -> str:
    """Write a stored "09:00-13:00,14:00-18:00" text as "09:00–13:00, 14:00–18:00".

    An end at midnight is written 24:00. An unreadable text is returned as stored.
    """
    try:
        intervals = parse_working_hours(text)
    except SlaFormatError:
        return text
    return ", ".join(
        f"{start:%H:%M}–{'24:00' if end == MIDNIGHT else f'{end:%H:%M}'}"
        for start, end in intervals
    )


def _consecutive_runs(days: tuple[int, ...]) -> list[list[int]]:
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def format_percentage(value: Decimal | None, language: str) -> str:
    """Format a compliance percentage with one decimal, e.g. "66,7%" in Italian.

    None, which means no decided clock, becomes an en dash.
    """
    if value is None:
        return "–"
    locale = BABEL_LOCALES.get(language, "en_GB")
    return format_percent(value / 100, format="#,##0.0%", locale=locale)
