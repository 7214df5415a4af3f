"""Billing rules: rounding, rates, after-hours multipliers, lines, prepaid hours.

Pure functions over small frozen dataclasses, with no database access. Minutes
are whole ints and money is Decimal, rounded half-up to the cent once per line.
"""

from portal.services.billing_rules.after_hours import (
    AfterHoursMultipliers,
    Band,
    HolidayCalendar,
    band_for,
)
from portal.services.billing_rules.errors import BillingRuleError
from portal.services.billing_rules.lines import (
    CallOut,
    ContractTerms,
    LabourLine,
    Material,
    Mileage,
    Resource,
    ResourceKind,
    ResourceLine,
    StatementDraft,
    build_lines,
)
from portal.services.billing_rules.money import (
    hours_from_minutes,
    line_amount,
    percent_of,
)
from portal.services.billing_rules.prepaid import (
    ALERT_THRESHOLDS,
    Consumption,
    Draw,
    PackageUsage,
    PrepaidPackage,
    consume,
    overage_amount,
)
from portal.services.billing_rules.rates import Rate, RateCard
from portal.services.billing_rules.rounding import (
    ALLOWED_INCREMENTS,
    BillableEntry,
    EntryBilling,
    RoundingDirection,
    RoundingRule,
    RoundingScope,
    allocate_billed_minutes,
    billed_minutes,
    distribute_minutes,
)
from portal.services.billing_rules.totals import (
    Allowance,
    StatementTotals,
    monthly_allowance,
    statement_totals,
    vat_amount,
)

__all__ = [
    "ALERT_THRESHOLDS",
    "ALLOWED_INCREMENTS",
    "AfterHoursMultipliers",
    "Allowance",
    "Band",
    "BillableEntry",
    "BillingRuleError",
    "CallOut",
    "Consumption",
    "ContractTerms",
    "Draw",
    "EntryBilling",
    "HolidayCalendar",
    "LabourLine",
    "Material",
    "Mileage",
    "PackageUsage",
    "PrepaidPackage",
    "Rate",
    "RateCard",
    "Resource",
    "ResourceKind",
    "ResourceLine",
    "RoundingDirection",
    "RoundingRule",
    "RoundingScope",
    "StatementDraft",
    "StatementTotals",
    "allocate_billed_minutes",
    "band_for",
    "billed_minutes",
    "build_lines",
    "consume",
    "distribute_minutes",
    "hours_from_minutes",
    "line_amount",
    "monthly_allowance",
    "overage_amount",
    "percent_of",
    "statement_totals",
    "vat_amount",
]
