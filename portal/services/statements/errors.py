"""Errors that stop a statement from being previewed or issued."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext

from portal.errors import DomainError
from portal.i18n import format_day
from portal.models import Customer


class StatementBlockedError(DomainError):
    """Raised when the month's work cannot be priced until its data is fixed."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message, status)


class NoContractError(StatementBlockedError):
    """Raised when a billable entry's ticket and work date have no contract."""

    def __init__(self, customer: Customer, ticket_key: str, day: date) -> None:
        message = _(
            "Ticket %(ticket)s of %(customer)s has billable work on %(day)s, but "
            "no contract covers that day, so there is no rate to bill it. Add a "
            "contract that covers the day or assign the ticket to a contract.",
            ticket=ticket_key,
            customer=customer.name,
            day=format_day(day),
        )
        super().__init__(message)
        self.customer_id = customer.id
        self.ticket_key = ticket_key
        self.day = day


class PricingError(StatementBlockedError):
    """Raised when a contract's terms leave part of the month's work unpriced."""

    def __init__(self, contract_name: str, reason: str) -> None:
        message = _(
            "Contract %(contract)s: %(reason)s",
            contract=contract_name,
            reason=reason,
        )
        super().__init__(message)
        self.contract_name = contract_name


class PendingWorkError(DomainError):
    """Raised when entries of the month await approval and no reason overrides them."""

    def __init__(self, count: int) -> None:
        message = ngettext(
            "%(num)d billable entry of this month is waiting for approval. "
            "Approve or reject it first, or give a reason to issue the "
            "statement without it.",
            "%(num)d billable entries of this month are waiting for approval. "
            "Approve or reject them first, or give a reason to issue the "
            "statement without them.",
            count,
        )
        super().__init__(message, 409)
        self.count = count
