"""Statements of work: preview, pricing, issuing, voiding and adjustments.

A statement bills one customer and one calendar month by the terms of each
entry's contract. Issuing freezes priced items, detail lines and prepaid
package movements, so an issued statement never changes afterwards. Voiding
keeps it and makes its work billable again.
"""

from portal.services.statements.adjustments import (
    AdjustmentLists,
    cancel_adjustment,
    create_adjustment,
    list_adjustments,
)
from portal.services.statements.detail import (
    Bill,
    DetailLine,
    StatementLineData,
    TicketGroup,
    line_amount,
    summarize,
)
from portal.services.statements.errors import (
    EarlierMonthUnbilledError,
    NoContractError,
    PendingWorkError,
    PricingError,
    StatementBlockedError,
)
from portal.services.statements.issuing import (
    format_statement_number,
    issue_statement,
)
from portal.services.statements.labels import describe_bands, kind_labels
from portal.services.statements.periods import (
    BABEL_LOCALES,
    company_today,
    company_zone,
    month_end,
    month_label,
    previous_month,
)
from portal.services.statements.preview import (
    StatementPreview,
    build_preview,
    draft_message,
    statement_fingerprint,
)
from portal.services.statements.priced import (
    ContractBill,
    PackageMovement,
    PricedItem,
    Pricing,
    vat_settings,
)
from portal.services.statements.reading import (
    STATEMENTS_PER_PAGE,
    get_statement,
    list_statements,
    statement_years,
)
from portal.services.statements.voiding import AlreadyVoidError, void_statement

__all__ = [
    "BABEL_LOCALES",
    "STATEMENTS_PER_PAGE",
    "AdjustmentLists",
    "AlreadyVoidError",
    "Bill",
    "ContractBill",
    "DetailLine",
    "EarlierMonthUnbilledError",
    "NoContractError",
    "PackageMovement",
    "PendingWorkError",
    "PricedItem",
    "Pricing",
    "PricingError",
    "StatementBlockedError",
    "StatementLineData",
    "StatementPreview",
    "TicketGroup",
    "build_preview",
    "cancel_adjustment",
    "company_today",
    "company_zone",
    "create_adjustment",
    "describe_bands",
    "draft_message",
    "format_statement_number",
    "get_statement",
    "issue_statement",
    "kind_labels",
    "line_amount",
    "list_adjustments",
    "list_statements",
    "month_end",
    "month_label",
    "previous_month",
    "statement_fingerprint",
    "statement_years",
    "summarize",
    "vat_settings",
    "void_statement",
]
