"""Resources logged on a customer's tickets, as the portal shows them.

Only approved, billable resources are shown, and only these columns: the
kind, the date, the quantity with its unit and the description. Internal
notes, unit prices and agents' e-mail addresses are never even read from the
database. Every query is limited to one customer's tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import (
    Category,
    Contract,
    Customer,
    EntryStatus,
    ResourceEntry,
    Ticket,
    User,
)
from portal.services.billing_rules.lines import ResourceKind
from portal.services.customer_view import agent_label, contract_for, visibility_of
from portal.services.exports import Column, ColumnKind, Table
from portal.services.resources import kind_label, quantity_label, unit_label

# The only resources a customer may see: approved by a team lead and billable.
CUSTOMER_VISIBLE_RESOURCE = (
    ResourceEntry.status == EntryStatus.APPROVED,
    ResourceEntry.is_billable.is_(True),
)


@dataclass(frozen=True)
class PortalResource:
    """One resource in a ticket's log, as the portal shows it."""

    work_date: date
    kind: ResourceKind
    kind_label: str
    quantity: Decimal
    quantity_label: str
    description: str


def ticket_resources(ticket: Ticket) -> tuple[PortalResource, ...]:
    """Return the ticket's customer-visible resources, oldest first, in one query."""
    query = (
        sa.select(
            ResourceEntry.work_date,
            ResourceEntry.kind,
            ResourceEntry.quantity,
            ResourceEntry.description,
        )
        .join(Ticket, Ticket.id == ResourceEntry.ticket_id)
        .where(
            ResourceEntry.ticket_id == ticket.id,
            Ticket.customer_id == ticket.customer_id,
            *CUSTOMER_VISIBLE_RESOURCE,
        )
        .order_by(ResourceEntry.work_date, ResourceEntry.id)
    )
    return tuple(
        PortalResource(
            work_date=row.work_date,
            kind=row.kind,
            kind_label=kind_label(row.kind),
            quantity=row.quantity,
            quantity_label=quantity_label(row.kind, row.quantity),
            description=row.description,
        )
        for row in db.session.execute(query)
    )


def with_resource_rows(
    table: Table, customer: Customer, start: date, end: date, language: str
) -> Table:
    """Add the customer's visible resources of the period to the activity table.

    Resource rows follow the time rows, with the kind in the Activity column,
    no duration, and two more columns, Quantity and Unit, which time rows
    leave empty. A period without resources returns table unchanged.

    The values are placed by column header, so columns that another part of
    the export adds stay empty on resource rows instead of shifting them.

    NOTE: the Quantity and Unit columns appear only in periods with
    resources, so a spreadsheet that reads columns by position must expect
    two more columns in those periods.
    """
    rows = list(_export_rows(customer, start, end))
    if not rows:
        return table

    texts_by_header = {
        _("Ticket"): "ticket_key",
        _("Ticket title"): "ticket_title",
        _("Category"): "category",
        _("Activity"): "kind",
        _("Technician"): "agent",
        _("Description"): "description",
    }
    contracts = {contract.id: contract for contract in customer.contracts}
    resource_rows = []
    for row in rows:
        values = _export_values(row, customer, contracts, language)
        cells = []
        for column in table.columns:
            if column.kind == ColumnKind.DATE:
                cells.append(row.work_date)
            elif column.kind == ColumnKind.TEXT:
                cells.append(values.get(texts_by_header.get(column.header), ""))
            else:
                cells.append(None)
        cells.extend([row.quantity, unit_label(row.kind)])
        resource_rows.append(cells)

    columns = [
        *table.columns,
        Column(_("Quantity"), ColumnKind.DECIMAL, 10),
        Column(_("Unit"), ColumnKind.TEXT, 10),
    ]
    time_rows = [[*values, None, None] for values in table.rows]
    return Table(table.title, columns, [*time_rows, *resource_rows])


def _export_rows(customer: Customer, start: date, end: date):
    query = (
        sa.select(
            ResourceEntry.work_date,
            ResourceEntry.kind,
            ResourceEntry.quantity,
            ResourceEntry.description,
            Ticket.key.label("ticket_key"),
            Ticket.title.label("ticket_title"),
            Ticket.contract_id.label("ticket_contract_id"),
            Category,
            User.name.label("agent_name"),
        )
        .join(Ticket, Ticket.id == ResourceEntry.ticket_id)
        .join(Category, Category.id == Ticket.category_id)
        .join(User, User.id == ResourceEntry.agent_id)
        .where(
            Ticket.customer_id == customer.id,
            ResourceEntry.work_date.between(start, end),
            *CUSTOMER_VISIBLE_RESOURCE,
        )
        .order_by(ResourceEntry.work_date, Ticket.key, ResourceEntry.id)
    )
    return db.session.execute(query)


def _export_values(
    row, customer: Customer, contracts: dict[int, Contract], language: str
) -> dict[str, str]:
    contract = contract_for(
        contracts.get(row.ticket_contract_id), customer, row.work_date
    )
    return {
        "ticket_key": row.ticket_key,
        "ticket_title": row.ticket_title,
        "category": row.Category.label(language),
        "kind": kind_label(row.kind),
        "agent": agent_label(visibility_of(contract), row.agent_name),
        "description": row.description,
    }
