"""What a customer sees of the support work: contract visibility and activity rows.

Two contract flags decide it. portal_time_display shows billed time only, or
billed and worked time. portal_shows_agent_names shows agents' names, or "The
support team". The contract of an entry is its ticket's contract, else the
customer's contract valid on the entry's work date.

Billed minutes come from billing_terms.billed_minutes_by_entry over all the
customer-visible entries of a ticket, so the ticket page, the ticket list and
the export show the figures a statement bills.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, load_only

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
from portal.services.billing_terms import billed_minutes_by_entry
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


# The only time entries a customer may see: approved by a team lead and billable.
CUSTOMER_VISIBLE_ENTRY = (
    TimeEntry.status == EntryStatus.APPROVED,
    TimeEntry.is_billable.is_(True),
)


class LogRow(Protocol):
    """The columns of a customer-visible entry that the ticket log reads."""

    id: int
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


def billed_minutes_for_portal(
    ticket_ids: Collection[int] | Select[tuple[int]],
) -> dict[int, int]:
    """Return the billed minutes of each customer-visible entry of the tickets.

    The keys are entry ids. ticket_ids is a list of ids or a SELECT of them.
    Every visible entry of each ticket is billed at once, whatever part of
    them the caller shows, because per-ticket-and-day rounding rounds a day's
    entries together. Internal notes are never read.
    """
    return billed_minutes_by_entry(_visible_entries(ticket_ids))


def _visible_entries(
    ticket_ids: Collection[int] | Select[tuple[int]],
) -> list[TimeEntry]:
    """Load the visible entries of the tickets with what billing reads, in one query."""
    query = (
        select(TimeEntry)
        .options(
            load_only(
                TimeEntry.id,
                TimeEntry.ticket_id,
                TimeEntry.agent_id,
                TimeEntry.activity_type_id,
                TimeEntry.work_date,
                TimeEntry.start_time,
                TimeEntry.minutes,
                TimeEntry.is_billable,
            ),
            joinedload(TimeEntry.ticket)
            .load_only(Ticket.id, Ticket.key, Ticket.customer_id, Ticket.contract_id)
            .options(
                joinedload(Ticket.contract),
                joinedload(Ticket.customer).selectinload(Customer.contracts),
            ),
            joinedload(TimeEntry.agent).load_only(User.id, User.level),
            joinedload(TimeEntry.activity_type),
        )
        .where(TimeEntry.ticket_id.in_(ticket_ids), *CUSTOMER_VISIBLE_ENTRY)
    )
    return list(db.session.scalars(query).unique())


@dataclass(frozen=True)
class TimeFigures:
    """Worked and billed minutes of some entries, and whether worked may show.

    shows_worked_time is true only when every entry's contract shows worked
    time, so a contract that shows billed time only never has its worked
    minutes revealed by a total.
    """

    worked_minutes: int
    billed_minutes: int
    shows_worked_time: bool

    @property
    def shows_both(self) -> bool:
        """Tell whether to show worked next to billed: allowed, and different."""
        return self.shows_worked_time and self.worked_minutes != self.billed_minutes


def ticket_time_totals(tickets: Iterable[Ticket]) -> dict[int, TimeFigures]:
    """Return each ticket's visible worked and billed minutes, by ticket id.

    Tickets without visible entries are left out.
    """
    ticket_ids = [ticket.id for ticket in tickets]
    if not ticket_ids:
        return {}
    entries = _visible_entries(ticket_ids)
    billed = billed_minutes_by_entry(entries)
    figures: dict[int, list[TimeFigures]] = defaultdict(list)
    for entry in entries:
        ticket = entry.ticket
        contract = contract_for(ticket.contract, ticket.customer, entry.work_date)
        figures[entry.ticket_id].append(
            TimeFigures(
                worked_minutes=entry.minutes,
                billed_minutes=billed[entry.id],
                shows_worked_time=visibility_of(contract).shows_worked_time,
            )
        )
    return {ticket_id: _total(parts) for ticket_id, parts in figures.items()}


def _billed(billed: Mapping[int, int], row: LogRow) -> int:
    # An entry approved between the billed query and the caller's own query has
    # no billed figure yet, so it shows its logged minutes until the next load.
    return billed.get(row.id, row.minutes)


def _total(parts: Iterable[TimeFigures]) -> TimeFigures:
    parts = list(parts)
    return TimeFigures(
        worked_minutes=sum(part.worked_minutes for part in parts),
        billed_minutes=sum(part.billed_minutes for part in parts),
        shows_worked_time=bool(parts) and all(p.shows_worked_time for p in parts),
    )


@dataclass(frozen=True)
class PortalLogEntry:
    """One line of a ticket's log, as the portal shows it.

    shows_worked_time comes from the entry's contract: when it is false, the
    page shows billed_minutes only.
    """

    work_date: date
    agent: str
    activity: ActivityType
    description: str
    worked_minutes: int
    billed_minutes: int
    shows_worked_time: bool = False

    @property
    def time(self) -> TimeFigures:
        return TimeFigures(
            self.worked_minutes, self.billed_minutes, self.shows_worked_time
        )


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
    # Approved billable kilometres, materials and call-outs of the ticket.
    resources: tuple = ()

    @property
    def time(self) -> TimeFigures:
        return TimeFigures(
            self.worked_minutes, self.billed_minutes, self.shows_worked_time
        )


def build_portal_log(
    ticket: Ticket, rows: Iterable[LogRow], billed: Mapping[int, int]
) -> PortalLog:
    """Apply each entry's contract visibility to the ticket's log rows.

    billed maps entry ids to billed minutes, from billed_minutes_for_portal.
    """
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
                billed_minutes=_billed(billed, row),
                shows_worked_time=visibility.shows_worked_time,
            )
        )
    return PortalLog(
        entries=tuple(entries),
        shows_worked_time=bool(shows_worked) and all(shows_worked),
        billed_minutes=sum(entry.billed_minutes for entry in entries),
        worked_minutes=sum(entry.worked_minutes for entry in entries),
        resources=_ticket_resources(ticket),
    )


def _ticket_resources(ticket: Ticket) -> tuple:
    # Imported here: customer_resources imports this module's visibility rules.
    from portal.services.customer_resources import ticket_resources

    return ticket_resources(ticket)


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
    worked_minutes: int
    shows_worked_time: bool


def customer_activity(
    customer: Customer, start: date, end: date, language: str
) -> list[ActivityRow]:
    """List the customer's approved billable entries worked from start to end.

    Only customer-visible columns are read: never internal notes, rates or
    e-mail addresses.
    """
    in_period = (
        Ticket.customer_id == customer.id,
        *CUSTOMER_VISIBLE_ENTRY,
        TimeEntry.work_date.between(start, end),
    )
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
        .where(*in_period)
        .order_by(TimeEntry.work_date, Ticket.key, TimeEntry.id)
    )
    tickets_in_period = (
        select(TimeEntry.ticket_id)
        .join(Ticket, Ticket.id == TimeEntry.ticket_id)
        .where(*in_period)
    )
    billed = billed_minutes_for_portal(tickets_in_period)
    contracts = {contract.id: contract for contract in customer.contracts}
    return [
        _activity_row(row, customer, contracts, billed, language)
        for row in db.session.execute(statement)
    ]


def _activity_row(
    row,
    customer: Customer,
    contracts: dict[int, Contract],
    billed: Mapping[int, int],
    language: str,
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
        billed_minutes=_billed(billed, row),
        worked_minutes=row.minutes,
        shows_worked_time=visibility.shows_worked_time,
    )


def activity_export(
    customer: Customer,
    start: date,
    end: date,
    export_format: ExportFormat,
    language: str,
) -> ExportFile:
    """Build the export file of the customer's approved billable work in a period.

    Its time columns show billed minutes, the time the customer pays for. A
    last column of worked minutes follows when every row's contract shows
    worked time.
    """
    rows = customer_activity(customer, start, end, language)
    with_worked = bool(rows) and all(row.shows_worked_time for row in rows)
    table = Table(
        title=_("Activity"),
        columns=_activity_columns(with_worked),
        rows=[_activity_values(row, with_worked) for row in rows],
    )
    table = _with_resource_rows(table, customer, start, end, language)
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


def _with_resource_rows(
    table: Table, customer: Customer, start: date, end: date, language: str
) -> Table:
    # Imported here: customer_resources imports this module's visibility rules.
    from portal.services.customer_resources import with_resource_rows

    return with_resource_rows(table, customer, start, end, language)


def _activity_columns(with_worked: bool) -> list[Column]:
    columns = [
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
    if with_worked:
        columns.append(Column(_("Worked minutes"), ColumnKind.MINUTES, 14))
    return columns


def _activity_values(row: ActivityRow, with_worked: bool) -> list[object]:
    values = [
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
    if with_worked:
        values.append(row.worked_minutes)
    return values


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
