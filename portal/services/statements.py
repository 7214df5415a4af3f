"""Statements of work: preview, pricing, gapless numbering and issuing.

A statement bills one customer's approved, billable, not yet billed time entries
of one calendar month at the hourly rate of the contract valid on the month's last
day. Issuing copies every line into StatementLine rows and renders the PDF once, so
an issued statement never changes afterwards.
"""

from __future__ import annotations

import calendar
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, undefer

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import current_language, format_day
from portal.models import (
    Customer,
    EntryStatus,
    PdfStatus,
    Statement,
    StatementLine,
    StatementSequence,
    Ticket,
    TimeEntry,
    User,
)
from portal.models.types import utcnow
from portal.services.audit import record_event

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
MINUTES_PER_HOUR = Decimal(60)
STATEMENTS_PER_PAGE = 50
BABEL_LOCALES = {"it": "it_IT", "en": "en_GB"}


class StatementLineData(Protocol):
    """The fields a printed line needs, shared by BillableLine and StatementLine."""

    ticket_key: str
    ticket_title: str
    work_date: date
    agent_name: str
    activity: str
    description: str
    minutes: int
    amount: Decimal


@dataclass(frozen=True)
class BillableLine:
    """One eligible time entry, priced, as the preview shows it and issuing copies."""

    time_entry_id: int
    ticket_key: str
    ticket_title: str
    work_date: date
    agent_name: str
    activity: str
    description: str
    minutes: int
    amount: Decimal


@dataclass(frozen=True)
class TicketGroup:
    """The lines of one ticket with their subtotal."""

    ticket_key: str
    ticket_title: str
    lines: tuple[StatementLineData, ...]
    minutes: int
    amount: Decimal


@dataclass(frozen=True)
class Bill:
    """Lines grouped by ticket, with totals that equal the sum of the printed lines."""

    groups: tuple[TicketGroup, ...]
    minutes: int
    amount: Decimal

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def line_count(self) -> int:
        return sum(len(group.lines) for group in self.groups)


@dataclass(frozen=True)
class StatementPreview:
    """Preview of the statement that issuing would create now for customer and month."""

    customer: Customer
    month: date
    period_end: date
    hourly_rate: Decimal
    currency: str
    language: str
    bill: Bill
    # Count of billable entries of the month still in draft or submitted, which
    # the bill leaves out.
    pending_count: int
    # Digest of the eligible entries and their versions, sent back by the issue
    # form so issuing can reject a set that changed after the preview.
    fingerprint: str
    earlier_statements: tuple[Statement, ...]

    @property
    def is_month_open(self) -> bool:
        return self.period_end >= company_today()


# Money and grouping: the only place where amounts are computed.


def line_amount(minutes: int, hourly_rate: Decimal) -> Decimal:
    """Return minutes × hourly_rate / 60, rounded half-up to the cent."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise TypeError(f"minutes must be an int, got {minutes!r}")
    if not isinstance(hourly_rate, Decimal):
        raise TypeError(f"hourly_rate must be a Decimal, got {hourly_rate!r}")
    if minutes < 0:
        raise ValueError(f"minutes must not be negative, got {minutes}")
    amount = Decimal(minutes) * hourly_rate / MINUTES_PER_HOUR
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def summarize(lines: Iterable[StatementLineData]) -> Bill:
    """Group priced lines by ticket and add up subtotals and totals.

    Lines keep their order, and a ticket's group appears where its first line
    does. Subtotals add the lines' rounded amounts and the total adds the
    subtotals, so the printed total always equals the sum of the printed lines.
    The preview, issuing and the PDF all go through this function.
    """
    by_ticket: dict[str, list[StatementLineData]] = {}
    for line in lines:
        by_ticket.setdefault(line.ticket_key, []).append(line)

    groups = []
    for key, ticket_lines in by_ticket.items():
        groups.append(
            TicketGroup(
                ticket_key=key,
                ticket_title=ticket_lines[0].ticket_title,
                lines=tuple(ticket_lines),
                minutes=sum(line.minutes for line in ticket_lines),
                amount=sum((line.amount for line in ticket_lines), Decimal("0.00")),
            )
        )

    return Bill(
        groups=tuple(groups),
        minutes=sum(group.minutes for group in groups),
        amount=sum((group.amount for group in groups), Decimal("0.00")),
    )


# Months, dates and labels.


def month_end(month: date) -> date:
    """Return the last day of the month that contains the given day."""
    last_day = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=last_day)


def company_zone() -> ZoneInfo:
    """Return the company's time zone, which sets issue dates and numbering years."""
    return ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])


def company_today() -> date:
    return utcnow().astimezone(company_zone()).date()


def month_label(month: date, language: str) -> str:
    """Format a month as its name and year in language, e.g. "novembre 2026"."""
    locale = BABEL_LOCALES.get(language, "en_GB")
    return format_date(month, "LLLL yyyy", locale=locale)


def previous_month(today: date) -> date:
    """Return the first day of the month before today's."""
    last_day_before = today.replace(day=1).toordinal() - 1
    return date.fromordinal(last_day_before).replace(day=1)


# Eligible entries.


def _eligible_entries_query(customer: Customer, month: date) -> sa.Select:
    return (
        sa.select(TimeEntry)
        .join(Ticket, TimeEntry.ticket_id == Ticket.id)
        .where(
            Ticket.customer_id == customer.id,
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
            TimeEntry.statement_id.is_(None),
            TimeEntry.work_date.between(month, month_end(month)),
        )
        .order_by(Ticket.key, TimeEntry.work_date, TimeEntry.id)
    )


def _load_eligible_entries(
    customer: Customer, month: date, lock: bool = False
) -> list[TimeEntry]:
    query = _eligible_entries_query(customer, month).options(
        joinedload(TimeEntry.ticket),
        joinedload(TimeEntry.agent),
        joinedload(TimeEntry.activity_type),
    )
    if lock:
        # PostgreSQL locks the rows until commit, so a concurrent issue for the
        # same entries waits and then no longer finds them. SQLite ignores it
        # and relies on the guarded UPDATE in _mark_entries_billed.
        query = query.with_for_update(of=TimeEntry)
    return list(db.session.scalars(query).unique())


def _count_pending_entries(customer: Customer, month: date) -> int:
    query = (
        sa.select(sa.func.count(TimeEntry.id))
        .join(Ticket, TimeEntry.ticket_id == Ticket.id)
        .where(
            Ticket.customer_id == customer.id,
            TimeEntry.status.in_([EntryStatus.DRAFT, EntryStatus.SUBMITTED]),
            TimeEntry.is_billable.is_(True),
            TimeEntry.work_date.between(month, month_end(month)),
        )
    )
    return db.session.scalar(query) or 0


def entries_fingerprint(entries: Sequence[TimeEntry]) -> str:
    """Return a SHA-256 digest of the entries' ids and versions."""
    text = ",".join(f"{entry.id}:{entry.version}" for entry in entries)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _price_entries(
    entries: Sequence[TimeEntry], hourly_rate: Decimal, language: str
) -> list[BillableLine]:
    return [
        BillableLine(
            time_entry_id=entry.id,
            ticket_key=entry.ticket.key,
            ticket_title=entry.ticket.title,
            work_date=entry.work_date,
            agent_name=entry.agent.name,
            activity=entry.activity_type.label(language),
            description=entry.description,
            minutes=entry.minutes,
            amount=line_amount(entry.minutes, hourly_rate),
        )
        for entry in entries
    ]


def _contract_rate(customer: Customer, month: date) -> tuple[Decimal, str]:
    """Return the hourly rate and currency of the contract valid on the last day."""
    last_day = month_end(month)
    contract = customer.contract_on(last_day)
    if contract is None:
        raise NoContractError(customer, last_day)
    return contract.hourly_rate, contract.currency


class NoContractError(DomainError):
    """Raised when the customer has no contract on the billed month's last day."""

    def __init__(self, customer: Customer, day: date) -> None:
        message = _(
            "%(customer)s has no contract valid on %(day)s, so there is no hourly "
            "rate to bill. Add a contract that covers that day first.",
            customer=customer.name,
            day=format_day(day),
        )
        super().__init__(message, 422)
        self.customer_id = customer.id
        self.day = day


# Preview.


def build_preview(customer: Customer, month: date) -> StatementPreview:
    """Price what a statement for customer and month would bill, without saving."""
    month = month.replace(day=1)
    hourly_rate, currency = _contract_rate(customer, month)
    entries = _load_eligible_entries(customer, month)
    lines = _price_entries(entries, hourly_rate, customer.language)

    return StatementPreview(
        customer=customer,
        month=month,
        period_end=month_end(month),
        hourly_rate=hourly_rate,
        currency=currency,
        language=customer.language,
        bill=summarize(lines),
        pending_count=_count_pending_entries(customer, month),
        fingerprint=entries_fingerprint(entries),
        earlier_statements=tuple(_statements_for_period(customer, month)),
    )


def _statements_for_period(customer: Customer, month: date) -> list[Statement]:
    query = (
        sa.select(Statement)
        .where(Statement.customer_id == customer.id, Statement.period_start == month)
        .order_by(Statement.issued_at)
    )
    return list(db.session.scalars(query))


def pending_message(count: int) -> str:
    """Return the warning about entries that are not approved yet."""
    return ngettext(
        "%(num)d billable entry of this month is still in draft or waiting for "
        "approval. It will not be on this statement.",
        "%(num)d billable entries of this month are still in draft or waiting for "
        "approval. They will not be on this statement.",
        count,
    )


# Issuing.


def issue_statement(
    actor: User,
    customer: Customer,
    month: date,
    *,
    expected_fingerprint: str | None = None,
    issued_at: datetime | None = None,
) -> Statement:
    """Issue and freeze the statement of customer for month, with its PDF.

    The eligible entries are read again here, never taken from a preview. When
    expected_fingerprint is given and the entries changed since that preview,
    DomainError 409 is raised. The number comes from a per-year sequence
    incremented in this transaction, so a rollback also returns the number.
    The caller commits.
    """
    month = month.replace(day=1)
    issued_at = issued_at or utcnow()
    hourly_rate, currency = _contract_rate(customer, month)

    entries = _load_eligible_entries(customer, month, lock=True)
    _check_entries(customer, month, entries, expected_fingerprint)
    lines = _price_entries(entries, hourly_rate, customer.language)
    bill = summarize(lines)

    statement = _create_statement(
        actor, customer, month, bill, hourly_rate, currency, issued_at
    )
    _mark_entries_billed(statement, entries)
    statement.lines = _freeze_lines(lines)
    db.session.flush()

    _attach_pdf(statement)
    _record_issue(actor, statement, [line.time_entry_id for line in lines])
    return statement


def _check_entries(
    customer: Customer,
    month: date,
    entries: Sequence[TimeEntry],
    expected_fingerprint: str | None,
) -> None:
    if not entries:
        logger.info(
            "issue for customer %s month %s rejected: nothing to bill",
            customer.id,
            month.isoformat(),
        )
        earlier = _statements_for_period(customer, month)
        if expected_fingerprint and earlier:
            # The preview had lines, so another tab or user billed them first.
            raise DomainError(
                _(
                    "These time entries were billed meanwhile on statement %(number)s.",
                    number=earlier[-1].number,
                ),
                409,
            )
        raise DomainError(
            _(
                "There is nothing to bill for %(customer)s in %(month)s, because no "
                "time entries are approved, billable and not yet billed.",
                customer=customer.name,
                month=month_label(month, current_language()),
            ),
            409,
        )
    if expected_fingerprint and expected_fingerprint != entries_fingerprint(entries):
        logger.info(
            "issue for customer %s month %s rejected: entries changed since preview",
            customer.id,
            month.isoformat(),
        )
        raise DomainError(
            _(
                "The time entries to bill changed after the preview was shown. "
                "Check the preview again and then issue the statement."
            ),
            409,
        )


def _next_sequence(year: int) -> int:
    """Increment the statement counter of year and return the new value.

    One INSERT ... ON CONFLICT DO UPDATE ... RETURNING creates the row on first
    use or increments it. On PostgreSQL the row stays locked until commit, so
    concurrent issues get consecutive numbers. SQLite locks the whole database
    for the write.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        insert = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:
        raise RuntimeError(f"statement numbering does not support {dialect}")

    upsert = insert(StatementSequence).values(year=year, last_number=1)
    upsert = upsert.on_conflict_do_update(
        index_elements=[StatementSequence.year],
        set_={"last_number": StatementSequence.last_number + 1},
    ).returning(StatementSequence.last_number)
    return db.session.execute(upsert).scalar_one()


def format_statement_number(year: int, sequence: int) -> str:
    """Format a statement number as YYYY/NNNN, e.g. 2026/0007."""
    return f"{year}/{sequence:04d}"


def _create_statement(
    actor: User,
    customer: Customer,
    month: date,
    bill: Bill,
    hourly_rate: Decimal,
    currency: str,
    issued_at: datetime,
) -> Statement:
    year = issued_at.astimezone(company_zone()).year
    sequence = _next_sequence(year)
    statement = Statement(
        customer_id=customer.id,
        period_start=month,
        period_end=month_end(month),
        year=year,
        sequence=sequence,
        number=format_statement_number(year, sequence),
        language=customer.language,
        currency=currency,
        hourly_rate=hourly_rate,
        total_minutes=bill.minutes,
        total_amount=bill.amount,
        customer_name=customer.name,
        customer_address=customer.address,
        customer_vat_number=customer.vat_number,
        # Placeholders until _attach_pdf renders the frozen lines later in this
        # transaction, because the PDF needs the statement's number and lines.
        pdf=b"",
        pdf_sha256="",
        issued_by_id=actor.id,
        issued_at=issued_at,
    )
    db.session.add(statement)
    db.session.flush()
    return statement


def _mark_entries_billed(statement: Statement, entries: Sequence[TimeEntry]) -> None:
    """Set statement_id on entries that are still exactly as they were read.

    The WHERE clause repeats the eligibility rules and the version each entry
    had when read, so an entry billed, un-approved or edited in the meantime is
    not matched. Any shortfall rejects the whole issue with 409. Bumping the
    version makes concurrent ORM edits of these entries fail with StaleDataError.
    """
    keys = [(entry.id, entry.version) for entry in entries]
    update_statement = (
        sa.update(TimeEntry)
        .where(
            sa.tuple_(TimeEntry.id, TimeEntry.version).in_(keys),
            TimeEntry.statement_id.is_(None),
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
        )
        .values(
            statement_id=statement.id,
            version=TimeEntry.version + 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    result = db.session.execute(update_statement)
    # The session still contains the old statement_id and version of these rows.
    for entry in entries:
        db.session.expire(entry)

    if result.rowcount != len(keys):
        logger.warning(
            "issue of statement %s rejected: %s of %s entries still billable",
            statement.number,
            result.rowcount,
            len(keys),
        )
        raise DomainError(
            _(
                "Some time entries were billed or changed by someone else while "
                "this statement was being issued. Check the preview again."
            ),
            409,
        )


def _freeze_lines(lines: Sequence[BillableLine]) -> list[StatementLine]:
    return [
        StatementLine(
            position=position,
            time_entry_id=line.time_entry_id,
            ticket_key=line.ticket_key,
            ticket_title=line.ticket_title,
            work_date=line.work_date,
            agent_name=line.agent_name,
            activity=line.activity,
            description=line.description,
            minutes=line.minutes,
            amount=line.amount,
        )
        for position, line in enumerate(lines, start=1)
    ]


def _attach_pdf(statement: Statement) -> None:
    # Imported here because portal.services.pdf imports this module.
    from portal.services.pdf import render_statement_pdf

    pdf = render_statement_pdf(statement)
    statement.pdf = pdf
    statement.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    statement.pdf_status = PdfStatus.READY
    db.session.flush()


def _record_issue(actor: User, statement: Statement, entry_ids: list[int]) -> None:
    entry_ids = sorted(entry_ids)
    after = {
        "number": statement.number,
        "customer_id": statement.customer_id,
        "period_start": statement.period_start.isoformat(),
        "period_end": statement.period_end.isoformat(),
        "hourly_rate": str(statement.hourly_rate),
        "total_minutes": statement.total_minutes,
        "total_amount": str(statement.total_amount),
        "pdf_sha256": statement.pdf_sha256,
        "entry_ids": entry_ids,
    }
    record_event(actor, "issued", statement, before=None, after=after)
    logger.info(
        "statement %s (id %s) issued for customer %s: %s entries, %s min, %s %s",
        statement.number,
        statement.id,
        statement.customer_id,
        len(entry_ids),
        statement.total_minutes,
        statement.total_amount,
        statement.currency,
    )


# Reading issued statements.


def list_statements(
    customer_id: int | None, year: int | None, page: int = 1
) -> Pagination:
    """Return one page of issued statements, newest first, optionally filtered."""
    query = sa.select(Statement).options(joinedload(Statement.issued_by))
    if customer_id is not None:
        query = query.where(Statement.customer_id == customer_id)
    if year is not None:
        query = query.where(Statement.year == year)
    query = query.order_by(Statement.issued_at.desc(), Statement.id.desc())
    return db.paginate(
        query, page=page, per_page=STATEMENTS_PER_PAGE, error_out=False, count=True
    )


def statement_years() -> list[int]:
    """Return the years that have statements, newest first."""
    query = sa.select(Statement.year).distinct().order_by(Statement.year.desc())
    return list(db.session.scalars(query))


def get_statement(statement_id: int, with_pdf: bool = False) -> Statement | None:
    """Return the statement with its lines, or None when the id is unknown."""
    options = [joinedload(Statement.lines), joinedload(Statement.issued_by)]
    if with_pdf:
        options.append(undefer(Statement.pdf))
    return db.session.get(Statement, statement_id, options=options)
