"""Exports for the accounts office: time entries, statements of a year, one statement.

These files are internal: they carry internal notes and every entry status,
so they must never be offered in the customer portal. Formats and cell types
follow portal.services.exports.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from portal.agent.labels import ENTRY_STATUS_LABELS
from portal.extensions import db
from portal.i18n import format_number
from portal.models import (
    EntryStatus,
    Statement,
    StatementLine,
    StatementStatus,
    Ticket,
    TimeEntry,
)
from portal.services.billing_terms import billed_minutes_by_entry
from portal.services.exports import (
    Column,
    ColumnKind,
    ExportFile,
    ExportFormat,
    Table,
    export_filename,
    slugify,
    write_csv,
    write_table,
    write_workbook,
)
from portal.services.statements import describe_bands, kind_labels

logger = logging.getLogger(__name__)

STATEMENT_STATUS_LABELS = {
    StatementStatus.ISSUED: _l("Issued"),
    StatementStatus.VOID: _l("Void"),
}


class StatementPart:
    """The tables of one statement's export. A CSV file contains one of them."""

    ITEMS = "items"
    LINES = "lines"
    TOTALS = "totals"
    ALL = (ITEMS, LINES, TOTALS)


# Time entries of a period


def entries_export(
    start: date, end: date, export_format: ExportFormat, language: str
) -> ExportFile:
    """Build the export of every time entry dated from start to end, any status."""
    entries = _period_entries(start, end)
    billed = entry_billed_minutes(entries)
    table = Table(
        title=_("Time entries"),
        columns=_entry_columns(),
        rows=[
            _entry_values(entry, billed.get(entry.id), language) for entry in entries
        ],
    )
    logger.info(
        "accounts entries export %s to %s: %s rows as %s",
        start.isoformat(),
        end.isoformat(),
        len(entries),
        export_format,
    )
    return ExportFile(
        filename=export_filename("entries", "all", start, end, export_format),
        mimetype=export_format.mimetype,
        content=write_table(table, export_format, language),
    )


def _period_entries(start: date, end: date) -> list[TimeEntry]:
    query = (
        sa.select(TimeEntry)
        .where(TimeEntry.work_date.between(start, end))
        .options(
            selectinload(TimeEntry.ticket).selectinload(Ticket.customer),
            selectinload(TimeEntry.ticket).selectinload(Ticket.contract),
            selectinload(TimeEntry.agent),
            selectinload(TimeEntry.activity_type),
            selectinload(TimeEntry.statement),
        )
        .order_by(TimeEntry.work_date, TimeEntry.ticket_id, TimeEntry.id)
    )
    return list(db.session.scalars(query))


def entry_billed_minutes(entries: Sequence[TimeEntry]) -> dict[int, int]:
    """Return the billed minutes of each entry that is or may yet be billed.

    Entries on a statement take the minutes frozen in its lines. The others
    go through billed_minutes_by_entry in two groups, approved and waiting
    (draft or submitted), so waiting time never changes how a ticket's
    approved day rounds. Rejected entries bill nothing and are left out.
    """
    billed_ids = [entry.id for entry in entries if entry.is_billed]
    billed = _frozen_minutes(billed_ids)
    approved = [
        entry
        for entry in entries
        if not entry.is_billed and entry.status == EntryStatus.APPROVED
    ]
    waiting = [
        entry
        for entry in entries
        if not entry.is_billed
        and entry.status in (EntryStatus.DRAFT, EntryStatus.SUBMITTED)
    ]
    billed.update(billed_minutes_by_entry(approved))
    billed.update(billed_minutes_by_entry(waiting))
    return billed


def _frozen_minutes(entry_ids: list[int]) -> dict[int, int]:
    if not entry_ids:
        return {}
    query = sa.select(StatementLine.time_entry_id, StatementLine.minutes).where(
        StatementLine.time_entry_id.in_(entry_ids),
        StatementLine.statement.has(Statement.status == StatementStatus.ISSUED),
    )
    return {entry_id: minutes for entry_id, minutes in db.session.execute(query)}


def _entry_columns() -> list[Column]:
    return [
        Column(_("Entry"), ColumnKind.INTEGER, 8),
        Column(_("Customer"), ColumnKind.TEXT, 28),
        Column(_("Ticket"), ColumnKind.TEXT, 12),
        Column(_("Ticket title"), ColumnKind.TEXT, 36),
        Column(_("Date"), ColumnKind.DATE, 12),
        Column(_("Agent"), ColumnKind.TEXT, 20),
        Column(_("Activity"), ColumnKind.TEXT, 20),
        Column(_("Description"), ColumnKind.TEXT, 50),
        Column(_("Worked minutes"), ColumnKind.MINUTES, 10),
        Column(_("Worked (h:mm)"), ColumnKind.HMM, 10),
        Column(_("Billed minutes"), ColumnKind.MINUTES, 10),
        Column(_("Billed (h:mm)"), ColumnKind.HMM, 10),
        Column(_("Status"), ColumnKind.TEXT, 12),
        Column(_("Statement"), ColumnKind.TEXT, 12),
        Column(_("Internal note"), ColumnKind.TEXT, 40),
    ]


def _entry_values(entry: TimeEntry, billed: int | None, language: str) -> list[object]:
    return [
        entry.id,
        entry.ticket.customer.name,
        entry.ticket.key,
        entry.ticket.title,
        entry.work_date,
        entry.agent.name,
        entry.activity_type.label(language),
        entry.description,
        entry.minutes,
        entry.minutes,
        billed,
        billed,
        str(ENTRY_STATUS_LABELS[entry.status]),
        entry.statement.number if entry.statement is not None else "",
        entry.internal_note,
    ]


# Statements of a year


def statements_export(
    year: int, export_format: ExportFormat, language: str
) -> ExportFile:
    """Build the export of every statement numbered in year, void ones included."""
    query = (
        sa.select(Statement).where(Statement.year == year).order_by(Statement.sequence)
    )
    statements = list(db.session.scalars(query))
    table = Table(
        title=_("Statements %(year)s", year=year),
        columns=_statement_columns(),
        rows=[_statement_values(statement) for statement in statements],
    )
    logger.info(
        "accounts statements export of %s: %s rows as %s",
        year,
        len(statements),
        export_format,
    )
    return ExportFile(
        filename=f"statements-{year}.{export_format.value}",
        mimetype=export_format.mimetype,
        content=write_table(table, export_format, language),
    )


def _statement_columns() -> list[Column]:
    return [
        Column(_("Number"), ColumnKind.TEXT, 12),
        Column(_("Customer"), ColumnKind.TEXT, 30),
        Column(_("Period from"), ColumnKind.DATE, 12),
        Column(_("Period to"), ColumnKind.DATE, 12),
        Column(_("Status"), ColumnKind.TEXT, 10),
        Column(_("Currency"), ColumnKind.TEXT, 8),
        Column(_("Subtotal"), ColumnKind.DECIMAL, 14),
        Column(_("VAT"), ColumnKind.DECIMAL, 12),
        Column(_("Total"), ColumnKind.DECIMAL, 14),
        Column(_("Worked minutes"), ColumnKind.MINUTES, 10),
        Column(_("Worked (h:mm)"), ColumnKind.HMM, 10),
        Column(_("Billed minutes"), ColumnKind.MINUTES, 10),
        Column(_("Billed (h:mm)"), ColumnKind.HMM, 10),
    ]


def _statement_values(statement: Statement) -> list[object]:
    return [
        statement.number,
        statement.customer_name,
        statement.period_start,
        statement.period_end,
        str(STATEMENT_STATUS_LABELS[statement.status]),
        statement.currency,
        statement.subtotal_amount,
        statement.vat_amount,
        statement.total_amount,
        statement.raw_minutes,
        statement.raw_minutes,
        statement.total_minutes,
        statement.total_minutes,
    ]


# One statement


def statement_export(
    statement: Statement, export_format: ExportFormat, language: str, part: str
) -> ExportFile:
    """Build the export of one statement's frozen items, lines and totals.

    XLSX contains all three as sheets, and CSV the one that part names. The
    items' amounts add up to the subtotal, as on the statement itself.
    """
    tables = {
        StatementPart.ITEMS: _items_table(statement),
        StatementPart.LINES: _lines_table(statement),
        StatementPart.TOTALS: _totals_table(statement, language),
    }
    stem = f"statement-{slugify(statement.number)}"
    if export_format == ExportFormat.XLSX:
        content = write_workbook([tables[name] for name in StatementPart.ALL])
        filename = f"{stem}.xlsx"
    else:
        content = write_csv(tables[part], language)
        filename = f"{stem}-{part}.csv"
    logger.info(
        "accounts export of statement %s (%s) as %s", statement.id, part, export_format
    )
    return ExportFile(filename, export_format.mimetype, content)


def _items_table(statement: Statement) -> Table:
    columns = [
        Column(_("Position"), ColumnKind.INTEGER, 8),
        Column(_("Kind"), ColumnKind.TEXT, 14),
        Column(_("Contract"), ColumnKind.TEXT, 24),
        Column(_("Ticket"), ColumnKind.TEXT, 12),
        Column(_("Ticket title"), ColumnKind.TEXT, 36),
        Column(_("Activity"), ColumnKind.TEXT, 20),
        Column(_("Description"), ColumnKind.TEXT, 40),
        Column(_("After-hours bands"), ColumnKind.TEXT, 16),
        Column(_("Worked minutes"), ColumnKind.MINUTES, 10),
        Column(_("Billed minutes"), ColumnKind.MINUTES, 10),
        Column(_("Billed (h:mm)"), ColumnKind.HMM, 10),
        Column(_("Quantity"), ColumnKind.DECIMAL, 10),
        Column(_("Unit price"), ColumnKind.DECIMAL, 12),
        Column(_("Multiplier"), ColumnKind.DECIMAL, 10),
        Column(_("Included"), ColumnKind.TEXT, 10),
        Column(_("Amount"), ColumnKind.DECIMAL, 14),
        Column(_("Refers to statement"), ColumnKind.TEXT, 14),
    ]
    labels = kind_labels()
    rows = [
        [
            item.position,
            labels[item.kind],
            item.contract_name or "",
            item.ticket_key or "",
            item.ticket_title or "",
            item.activity or "",
            item.description,
            describe_bands(item.bands),
            item.raw_minutes,
            item.billed_minutes,
            item.billed_minutes,
            item.quantity,
            item.unit_price,
            item.multiplier,
            _("Yes") if item.is_included else _("No"),
            item.amount,
            item.refers_to_number or "",
        ]
        for item in statement.items
    ]
    return Table(_("Items"), columns, rows)


def _lines_table(statement: Statement) -> Table:
    columns = [
        Column(_("Position"), ColumnKind.INTEGER, 8),
        Column(_("Kind"), ColumnKind.TEXT, 14),
        Column(_("Ticket"), ColumnKind.TEXT, 12),
        Column(_("Ticket title"), ColumnKind.TEXT, 36),
        Column(_("Date"), ColumnKind.DATE, 12),
        Column(_("Agent"), ColumnKind.TEXT, 20),
        Column(_("Activity"), ColumnKind.TEXT, 20),
        Column(_("Description"), ColumnKind.TEXT, 50),
        Column(_("Worked minutes"), ColumnKind.MINUTES, 10),
        Column(_("Worked (h:mm)"), ColumnKind.HMM, 10),
        Column(_("Billed minutes"), ColumnKind.MINUTES, 10),
        Column(_("Billed (h:mm)"), ColumnKind.HMM, 10),
        Column(_("Quantity"), ColumnKind.DECIMAL, 10),
        Column(_("Amount"), ColumnKind.DECIMAL, 12),
    ]
    labels = kind_labels()
    rows = [
        [
            line.position,
            labels[line.kind],
            line.ticket_key,
            line.ticket_title,
            line.work_date,
            line.agent_name,
            line.activity,
            line.description,
            line.raw_minutes,
            line.raw_minutes,
            line.minutes,
            line.minutes,
            line.quantity,
            line.amount,
        ]
        for line in statement.lines
    ]
    return Table(_("Lines"), columns, rows)


def _totals_table(statement: Statement, language: str) -> Table:
    columns = [
        Column(_("Total"), ColumnKind.TEXT, 30),
        Column(_("Amount"), ColumnKind.DECIMAL, 14),
    ]
    rows: list[list[object]] = [[_("Subtotal"), statement.subtotal_amount]]
    if statement.vat_amount is not None:
        label = _("VAT %(rate)s%%", rate=_rate_text(statement.vat_rate, language))
        rows.append([label, statement.vat_amount])
    rows.append([_("Total"), statement.total_amount])
    return Table(_("Totals"), columns, rows)


def _rate_text(rate: Decimal | None, language: str) -> str:
    """Return a VAT rate without trailing zeros, e.g. 22 for 22.00, 4,5 in Italian."""
    if rate is None:
        return ""
    return format_number(rate.normalize(), language)
