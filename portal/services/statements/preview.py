"""The preview of a statement: what issuing would bill now, priced, not saved."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import ngettext

from portal.extensions import db
from portal.models import Customer, Statement
from portal.services.statements.detail import Bill, summarize
from portal.services.statements.periods import company_today, month_end
from portal.services.statements.priced import Pricing
from portal.services.statements.pricing import price_selection
from portal.services.statements.selection import (
    PendingWork,
    Selection,
    load_selection,
)


@dataclass(frozen=True)
class StatementPreview:
    """The statement that issuing would create now for customer and month."""

    customer: Customer
    month: date
    language: str
    pricing: Pricing
    pending: PendingWork
    # Digest of the billed rows and the totals, sent back by the issue form so
    # issuing can reject a statement that changed after the preview.
    fingerprint: str
    earlier_statements: tuple[Statement, ...]

    @property
    def period_end(self) -> date:
        return month_end(self.month)

    @property
    def currency(self) -> str:
        return self.pricing.currency

    @property
    def is_empty(self) -> bool:
        return self.pricing.is_empty

    @property
    def is_month_open(self) -> bool:
        return self.period_end >= company_today()

    @property
    def billed_minutes(self) -> int:
        return self.pricing.billed_minutes

    @property
    def total_amount(self) -> Decimal:
        return self.pricing.total

    @property
    def pending_count(self) -> int:
        """Billable entries of the month still drafts or awaiting approval."""
        return self.pending.count + self.pending.draft_count

    @property
    def detail(self) -> Bill:
        """The detail lines grouped by ticket."""
        return summarize(self.pricing.lines)


def price_for_statement(
    selection: Selection, *, check_billing_order: bool = True
) -> Pricing:
    """Price the selection with labels in the customer's language."""
    return price_selection(
        selection,
        selection.customer.language,
        check_billing_order=check_billing_order,
    )


def statement_fingerprint(selection: Selection, pricing: Pricing) -> str:
    """Return a SHA-256 digest of the billed rows, their versions and the totals.

    The totals make a change of rates, rounding or packages after the preview
    visible too, not only a change of the entries.
    """
    entries = sorted(f"{entry.id}:{entry.version}" for entry in selection.entries)
    resources = sorted(
        f"{resource.id}:{resource.version}" for resource in selection.resources
    )
    adjustments = sorted(str(adjustment.id) for adjustment in selection.adjustments)
    text = "|".join(
        [
            "entries=" + ",".join(entries),
            "resources=" + ",".join(resources),
            "adjustments=" + ",".join(adjustments),
            f"billed={pricing.billed_minutes}",
            f"subtotal={pricing.subtotal}",
            f"vat={pricing.vat_amount}",
            f"total={pricing.total}",
        ]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def statements_for_period(customer: Customer, month: date) -> list[Statement]:
    """Return the customer's statements of month, void ones included, oldest first."""
    query = (
        sa.select(Statement)
        .where(Statement.customer_id == customer.id, Statement.period_start == month)
        .order_by(Statement.issued_at, Statement.id)
    )
    return list(db.session.scalars(query))


def build_preview(
    customer: Customer, month: date, *, check_billing_order: bool = True
) -> StatementPreview:
    """Price what a statement for customer and month would bill, without saving.

    Raise StatementBlockedError when work has no contract or cannot be priced,
    or, with check_billing_order, when a prepaid contract has unbilled work
    in an earlier month. An estimate that issues nothing may skip that check.
    """
    month = month.replace(day=1)
    selection = load_selection(customer, month)
    pricing = price_for_statement(selection, check_billing_order=check_billing_order)
    return StatementPreview(
        customer=customer,
        month=month,
        language=customer.language,
        pricing=pricing,
        pending=selection.pending,
        fingerprint=statement_fingerprint(selection, pricing),
        earlier_statements=tuple(statements_for_period(customer, month)),
    )


def draft_message(count: int) -> str:
    """Return the note about drafts of the month, which the statement leaves out."""
    return ngettext(
        "%(num)d billable entry of this month is still a draft. It will not be "
        "on this statement.",
        "%(num)d billable entries of this month are still drafts. They will not "
        "be on this statement.",
        count,
    )
