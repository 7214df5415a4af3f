"""What a customer sees of the support work: contract visibility and activity rows.

Two contract flags decide it. portal_time_display shows billed time only, or
billed and worked time. portal_shows_agent_names shows agents' names, or "The
support team". The contract of an entry is its ticket's contract, else the
customer's contract valid on the entry's work date.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    ActivityType,
    Category,
    Contract,
    Customer,
    EntryStatus,
    PortalTimeDisplay,
    Ticket,
    TimeEntry,
    User,
)
from portal.services.audit import changed_fields, record_event, snapshot
from portal.services.exports import (
    Column,
    ColumnKind,
    ExportFile,
    ExportFormat,
    Table,
    export_filename,
    write_table,
)

logger = logging.getLogger(__name__)

SUPPORT_TEAM = _l("The support team")
# File name stems by language. They are not gettext messages, so a download
# name does not change with the state of the translation catalogue.
EXPORT_FILENAME_STEMS = {"it": "attivita", "en": "activity"}
VISIBILITY_FIELDS = ["portal_time_display", "portal_shows_agent_names"]


class HasMinutes(Protocol):
    minutes: int


class LogRow(Protocol):
    """The columns of a customer-visible entry that the ticket log reads."""

    work_date: date
    minutes: int
    description: str
    agent_name: str
    activity: ActivityType


@dataclass(frozen=True)
class Visibility:
    shows_agent_names: bool
    shows_worked_time: bool


# Work outside every contract shows the least: no names, billed time only.
NO_CONTRACT_VISIBILITY = Visibility(shows_agent_names=False, shows_worked_time=False)


def contract_for(
    ticket_contract: Contract | None, customer: Customer, work_date: date
) -> Contract | None:
    """Pick the ticket's contract, else the customer's contract on work_date."""
    if ticket_contract is not None:
        return ticket_contract
    return customer.contract_on(work_date)


def visibility_of(contract: Contract | None) -> Visibility:
    if contract is None:
        return NO_CONTRACT_VISIBILITY
    return Visibility(
        shows_agent_names=contract.portal_shows_agent_names,
        shows_worked_time=(
            contract.portal_time_display == PortalTimeDisplay.BILLED_AND_WORKED
        ),
    )


def agent_label(visibility: Visibility, agent_name: str) -> str:
    """Return the agent's name, or "The support team" when the contract hides it."""
    return agent_name if visibility.shows_agent_names else str(SUPPORT_TEAM)


def billed_minutes_for_portal(entry: HasMinutes) -> int:
    """Return the minutes the customer is billed for entry.

    NOTE: contracts have no rounding rule yet, so billed time equals the logged
    minutes. Contract rounding (billing_rules.billed_minutes) replaces this.
    """
    return entry.minutes


@dataclass(frozen=True)
class PortalLogEntry:
    """One line of a ticket's log as the customer sees it."""

    work_date: date
    agent: str
    activity: ActivityType
    description: str
    worked_minutes: int
    billed_minutes: int


@dataclass(frozen=True)
class PortalLog:
    """A ticket's customer-visible entries with their totals.

    Worked time shows only when every entry's contract shows it, so a contract
    that shows billed time only never has its worked minutes revealed by a total.
    """

    entries: tuple[PortalLogEntry, ...]
    shows_worked_time: bool
    billed_minutes: int
    worked_minutes: int


def build_portal_log(ticket: Ticket, rows: Iterable[LogRow]) -> PortalLog:
    """Apply each entry's contract visibility to the ticket's log rows."""
    entries = []
    shows_worked = []
    for row in rows:
        contract = contract_for(ticket.contract, ticket.customer, row.work_date)
        visibility = visibility_of(contract)
        shows_worked.append(visibility.shows_worked_time)
        entries.append(
            PortalLogEntry(
                work_date=row.work_date,
                agent=agent_label(visibility, row.agent_name),
                activity=row.activity,
                description=row.description,
                worked_minutes=row.minutes,
                billed_minutes=billed_minutes_for_portal(row),
            )
        )
    return PortalLog(
        entries=tuple(entries),
        shows_worked_time=bool(shows_worked) and all(shows_worked),
        billed_minutes=sum(entry.billed_minutes for entry in entries),
        worked_minutes=sum(entry.worked_minutes for entry in entries),
    )


@dataclass(frozen=True)
class ActivityRow:
    """One approved billable entry of a customer, as the export lists it."""

    work_date: date
    ticket_key: str
    ticket_title: str
    category: str
    activity: str
    agent: str
    description: str
    billed_minutes: int


def customer_activity(
    customer: Customer, start: date, end: date, language: str
) -> list[ActivityRow]:
    """List the customer's approved billable entries worked from start to end.

    Only customer-visible columns are read: never internal notes, rates or
    e-mail addresses.
    """
    statement = (
        select(
            TimeEntry.id,
            TimeEntry.work_date,
            TimeEntry.minutes,
            TimeEntry.description,
            Ticket.key.label("ticket_key"),
            Ticket.title.label("ticket_title"),
            Ticket.contract_id.label("ticket_contract_id"),
            Category,
            ActivityType,
            User.name.label("agent_name"),
        )
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .join(Category, Category.id == Ticket.category_id)
        .join(ActivityType, ActivityType.id == TimeEntry.activity_type_id)
        .join(User, User.id == TimeEntry.agent_id)
        .where(
            Ticket.customer_id == customer.id,
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
            TimeEntry.work_date.between(start, end),
        )
        .order_by(TimeEntry.work_date, Ticket.key, TimeEntry.id)
    )
    contracts = {contract.id: contract for contract in customer.contracts}
    return [
        _activity_row(row, customer, contracts, language)
        for row in db.session.execute(statement)
    ]


def _activity_row(
    row, customer: Customer, contracts: dict[int, Contract], language: str
) -> ActivityRow:
    ticket_contract = contracts.get(row.ticket_contract_id)
    visibility = visibility_of(contract_for(ticket_contract, customer, row.work_date))
    return ActivityRow(
        work_date=row.work_date,
        ticket_key=row.ticket_key,
        ticket_title=row.ticket_title,
        category=row.Category.label(language),
        activity=row.ActivityType.label(language),
        agent=agent_label(visibility, row.agent_name),
        description=row.description,
        billed_minutes=billed_minutes_for_portal(row),
    )


def activity_export(
    customer: Customer,
    start: date,
    end: date,
    export_format: ExportFormat,
    language: str,
) -> ExportFile:
    """Build the export file of the customer's approved billable work in a period.

    Its time columns show billed minutes, the time the customer pays for.
    """
    rows = customer_activity(customer, start, end, language)
    table = Table(
        title=_("Activity"),
        columns=_activity_columns(),
        rows=[_activity_values(row) for row in rows],
    )
    content = write_table(table, export_format, language)
    stem = EXPORT_FILENAME_STEMS.get(language, EXPORT_FILENAME_STEMS["en"])
    logger.info(
        "activity export of customer %s from %s to %s: %s rows as %s",
        customer.id,
        start.isoformat(),
        end.isoformat(),
        len(rows),
        export_format,
    )
    return ExportFile(
        filename=export_filename(stem, customer.name, start, end, export_format),
        mimetype=export_format.mimetype,
        content=content,
    )


def _activity_columns() -> list[Column]:
    return [
        Column(_("Date"), ColumnKind.DATE, 12),
        Column(_("Ticket"), ColumnKind.TEXT, 12),
        Column(_("Ticket title"), ColumnKind.TEXT, 40),
        Column(_("Category"), ColumnKind.TEXT, 20),
        Column(_("Activity"), ColumnKind.TEXT, 20),
        Column(_("Technician"), ColumnKind.TEXT, 20),
        Column(_("Description"), ColumnKind.TEXT, 60),
        Column(_("Minutes"), ColumnKind.MINUTES, 10),
        Column(_("Hours (h:mm)"), ColumnKind.HMM, 12),
        Column(_("Decimal hours"), ColumnKind.HOURS, 14),
    ]


def _activity_values(row: ActivityRow) -> list[object]:
    return [
        row.work_date,
        row.ticket_key,
        row.ticket_title,
        row.category,
        row.activity,
        row.agent,
        row.description,
        row.billed_minutes,
        row.billed_minutes,
        row.billed_minutes,
    ]


def set_portal_visibility(
    actor: User,
    contract: Contract,
    time_display: PortalTimeDisplay,
    shows_agent_names: bool,
) -> bool:
    """Change what the contract's customer sees and return whether it changed."""
    before = snapshot(contract, VISIBILITY_FIELDS)
    contract.portal_time_display = time_display
    contract.portal_shows_agent_names = shows_agent_names
    before, after = changed_fields(before, snapshot(contract, VISIBILITY_FIELDS))
    if not after:
        return False
    record_event(actor, "contract_portal_visibility_changed", contract, before, after)
    return True


def time_display_label(value: PortalTimeDisplay) -> str:
    labels = {
        PortalTimeDisplay.BILLED: _("Billed time only"),
        PortalTimeDisplay.BILLED_AND_WORKED: _("Billed and worked time"),
    }
    return labels[value]


def contracts_with_customers() -> Sequence[Contract]:
    """List every contract with its customer, by customer name and start date."""
    statement = (
        select(Contract)
        .join(Customer, Customer.id == Contract.customer_id)
        .order_by(Customer.name, Contract.valid_from, Contract.id)
    )
    return db.session.scalars(statement).all()
