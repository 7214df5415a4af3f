"""Errors that stop a statement from being previewed or issued."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.i18n import format_day
from portal.models import Customer
from portal.services.statements.periods import month_label


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


class EarlierMonthUnbilledError(StatementBlockedError):
    """Raised when a prepaid contract has unbilled work in an earlier month.

    Packages are drawn oldest first in work-date order. Billing a later month
    first would draw the older packages for it and leave the earlier work to
    newer packages, or to overage when those were bought after it.
    """

    def __init__(self, contract_name: str, earliest_month: date) -> None:
        locale = get_locale()
        language = locale.language if locale is not None else "en"
        message = _(
            "Contract %(contract)s: issue %(month)s first, because prepaid hours "
            "are drawn in date order and that month still has approved work "
            "not yet billed.",
            contract=contract_name,
            month=month_label(earliest_month, language),
        )
        super().__init__(message)
        self.contract_name = contract_name
        self.earliest_month = earliest_month


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
