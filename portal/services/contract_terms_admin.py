"""Billing terms and rates of a contract, as the accounts office sets them.

The billing engine reads these columns through portal.services.billing_terms.
Issued statements keep frozen copies of their lines, so a change here alters
only work that is not billed yet. Rates are never edited in place: a new rate
takes effect from a later date, and a rate can be deleted or back-dated only
while no issued statement of the customer covers work on or after its date.
"""

from __future__ import annotations

import enum
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import format_day
from portal.models import (
    ActivityType,
    BillingModel,
    Contract,
    ContractRate,
    Customer,
    Statement,
    StatementStatus,
    User,
)
from portal.services import billing_rules as rules
from portal.services.admin import AdminFieldError
from portal.services.admin.contracts import MAX_HOURLY_RATE, check_no_overlap
from portal.services.audit import changed_fields, json_value, record_event, snapshot

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
# Money columns are NUMERIC(12, 2).
MAX_AMOUNT = MAX_HOURLY_RATE
# Multipliers are NUMERIC(5, 2). Below 1 an after-hours band would be cheaper.
MIN_MULTIPLIER = Decimal("1.00")
MAX_MULTIPLIER = Decimal("10.00")
# A minimum charge above a working day would be a fee, not a minimum.
MAX_MINIMUM_MINUTES = 8 * 60
# The hours of a 31-day month.
MAX_INCLUDED_MINUTES = 31 * 24 * 60
MAX_LEVEL_LENGTH = 40

MULTIPLIER_FIELDS = (
    "evening_multiplier",
    "night_multiplier",
    "saturday_multiplier",
    "sunday_multiplier",
    "holiday_multiplier",
)
OPTIONAL_AMOUNT_FIELDS = ("call_out_fee", "rate_per_km", "overage_rate", "monthly_fee")
# The columns this module sets. Audit rows record those that changed.
TERMS_FIELDS = [
    "valid_from",
    "valid_to",
    "billing_model",
    "hourly_rate",
    "overage_rate",
    "monthly_fee",
    "monthly_included_minutes",
    "rounding_increment",
    "rounding_direction",
    "rounding_scope",
    "minimum_minutes",
    "call_out_fee",
    "rate_per_km",
    *MULTIPLIER_FIELDS,
]
# Minutes worked that the rounding example bills, on the terms page.
EXAMPLE_MINUTES = (7, 20, 50, 61)

BILLING_MODEL_LABELS = {
    BillingModel.TIME_AND_MATERIALS: _l("Time and materials"),
    BillingModel.PREPAID: _l("Prepaid hours"),
    BillingModel.MONTHLY_FEE: _l("Monthly fee with included hours"),
}
ROUNDING_DIRECTION_LABELS = {
    rules.RoundingDirection.UP: _l("Up"),
    rules.RoundingDirection.NEAREST: _l("To the nearest"),
    rules.RoundingDirection.DOWN: _l("Down"),
}
ROUNDING_SCOPE_LABELS = {
    rules.RoundingScope.PER_ENTRY: _l("Each entry on its own"),
    rules.RoundingScope.PER_TICKET_DAY: _l("Each ticket's total per day"),
}


def billing_model_label(model: BillingModel | str) -> str:
    return str(BILLING_MODEL_LABELS[BillingModel(model)])


def normalise_level(text: str | None) -> str:
    """Return an agent level as rates compare it: trimmed, single-spaced, lower-case.

    Rates match a user's level by equality, so "Senior " and "senior" must be
    stored alike.
    """
    return " ".join((text or "").split()).lower()


def levels_in_use() -> list[str]:
    """Return the agent levels that users or rates have, sorted."""
    user_levels = sa.select(User.level).where(User.level != "")
    rate_levels = sa.select(ContractRate.agent_level).where(
        ContractRate.agent_level != ""
    )
    levels = set(db.session.scalars(user_levels)) | set(db.session.scalars(rate_levels))
    return sorted(levels)


# Terms


@dataclass(frozen=True)
class TermsData:
    """The billing terms and validity period of one contract, already parsed."""

    billing_model: BillingModel
    hourly_rate: Decimal
    valid_from: date
    valid_to: date | None = None
    rounding_increment: int = 1
    rounding_direction: rules.RoundingDirection = rules.RoundingDirection.UP
    rounding_scope: rules.RoundingScope = rules.RoundingScope.PER_ENTRY
    minimum_minutes: int = 0
    overage_rate: Decimal | None = None
    monthly_fee: Decimal | None = None
    monthly_included_minutes: int | None = None
    call_out_fee: Decimal | None = None
    rate_per_km: Decimal | None = None
    evening_multiplier: Decimal = Decimal("1.00")
    night_multiplier: Decimal = Decimal("1.00")
    saturday_multiplier: Decimal = Decimal("1.00")
    sunday_multiplier: Decimal = Decimal("1.00")
    holiday_multiplier: Decimal = Decimal("1.00")


class TermsError(DomainError):
    """Terms that break one or more rules. errors maps a field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()), 422)
        self.errors = errors


def terms_errors(data: TermsData) -> dict[str, str]:
    """Return a translated message per field whose value breaks a rule.

    The rules that depend on the billing model keep each model's columns
    apart, so a value typed for another model is pointed out, not ignored.
    """
    errors: dict[str, str] = {}
    if not _valid_amount(data.hourly_rate):
        errors["hourly_rate"] = _amount_message()
    for name in OPTIONAL_AMOUNT_FIELDS:
        value = getattr(data, name)
        if value is not None and not _valid_amount(value):
            errors[name] = _amount_message()
    for name in MULTIPLIER_FIELDS:
        if not _valid_multiplier(getattr(data, name)):
            errors[name] = _multiplier_message()

    if data.valid_to is not None and data.valid_to < data.valid_from:
        errors["valid_to"] = _("The end date cannot be before the start date.")
    if data.rounding_increment not in rules.ALLOWED_INCREMENTS:
        errors["rounding_increment"] = _("Choose an increment from the list.")
    if not 0 <= data.minimum_minutes <= MAX_MINIMUM_MINUTES:
        errors["minimum_minutes"] = _(
            "Enter a minimum charge from 0 to 480 minutes (8 hours)."
        )
    included = data.monthly_included_minutes
    if included is not None and not 0 <= included <= MAX_INCLUDED_MINUTES:
        errors["monthly_included_minutes"] = _(
            "Enter from 0 to 744 hours, the hours of a 31-day month."
        )

    for name, message in _model_errors(data).items():
        errors.setdefault(name, message)
    return errors


def _model_errors(data: TermsData) -> dict[str, str]:
    errors: dict[str, str] = {}
    model = data.billing_model
    if model == BillingModel.MONTHLY_FEE:
        if data.monthly_fee is None:
            errors["monthly_fee"] = _("Enter the monthly fee, e.g. 1.200,00.")
        if data.monthly_included_minutes is None:
            errors["monthly_included_minutes"] = _(
                "Enter the hours the fee includes each month, e.g. 20 or 12:30. "
                "Enter 0 when every hour is billed at the overage rate."
            )
    else:
        only_monthly = _(
            "Only monthly-fee contracts have this. Clear it or choose the billing "
            "model Monthly fee with included hours."
        )
        if data.monthly_fee is not None:
            errors["monthly_fee"] = only_monthly
        if data.monthly_included_minutes is not None:
            errors["monthly_included_minutes"] = only_monthly

    if model == BillingModel.TIME_AND_MATERIALS:
        if data.overage_rate is not None:
            errors["overage_rate"] = _(
                "Time-and-materials contracts bill every hour at their rates, so "
                "they have no overage rate. Clear it or choose another billing model."
            )
    elif data.overage_rate is None:
        errors["overage_rate"] = _(
            "Enter the hourly rate of the hours beyond the prepaid or included "
            "hours, e.g. 65,00. Enter 0 to bill them at no charge."
        )
    return errors


def _to_cents(value: object) -> object:
    """Give a Decimal the two places the column stores, so 1.5 audits as 1.50."""
    if isinstance(value, Decimal):
        return value.quantize(CENT)
    return value


def _valid_amount(value: Decimal) -> bool:
    return 0 <= value <= MAX_AMOUNT and value == value.quantize(CENT)


def _valid_multiplier(value: Decimal) -> bool:
    in_range = MIN_MULTIPLIER <= value <= MAX_MULTIPLIER
    return in_range and value == value.quantize(CENT)


def _amount_message() -> str:
    return _("Enter an amount from 0 to 9,999,999,999.99 with at most two decimals.")


def _multiplier_message() -> str:
    return _("Enter a multiplier from 1 to 10 with at most two decimals, e.g. 1,50.")


def update_terms(actor: User, contract: Contract, data: TermsData) -> bool:
    """Set and audit the billing terms and period, and return whether any changed.

    Raise TermsError when a rule is broken, and AdminFieldError on valid_from
    when the period overlaps another contract of the customer.
    """
    errors = terms_errors(data)
    if errors:
        logger.info("terms of contract %s rejected on %s", contract.id, sorted(errors))
        raise TermsError(errors)
    check_no_overlap(
        contract.customer, data.valid_from, data.valid_to, contract_id=contract.id
    )

    before = snapshot(contract, TERMS_FIELDS)
    for name in TERMS_FIELDS:
        setattr(contract, name, _to_cents(getattr(data, name)))
    db.session.flush()

    before, after = changed_fields(before, snapshot(contract, TERMS_FIELDS))
    if not after:
        return False
    record_event(actor, "billing_terms_updated", contract, before, after)
    return True


# Rounding example


@dataclass(frozen=True)
class RoundingExample:
    """Minutes worked and the minutes one billing unit of them bills."""

    worked: int
    billed: int


@dataclass(frozen=True)
class SplitExample:
    """Two entries of one ticket and day, billed under each rounding scope."""

    entry_minutes: int
    per_entry: int
    per_ticket_day: int


def rounding_examples(rule: rules.RoundingRule) -> list[RoundingExample]:
    """Return what EXAMPLE_MINUTES bill under the rule, e.g. 20 worked, 30 billed."""
    return [
        RoundingExample(worked, rules.billed_minutes(worked, rule))
        for worked in EXAMPLE_MINUTES
    ]


def split_example(rule: rules.RoundingRule, entry_minutes: int = 10) -> SplitExample:
    """Return what two entries of entry_minutes on one ticket and day bill.

    Both scopes are computed with the engine, so the page shows how much the
    choice between them matters under the rule's increment and minimum.
    """
    totals = {}
    for scope in rules.RoundingScope:
        scoped = rules.RoundingRule(
            increment_minutes=rule.increment_minutes,
            direction=rule.direction,
            scope=scope,
            minimum_minutes=rule.minimum_minutes,
        )
        entries = [
            rules.BillableEntry(
                id=number,
                ticket_key="EXAMPLE",
                work_date=date(2000, 1, 3),
                start_time=None,
                activity_code="example",
                agent_level=None,
                raw_minutes=entry_minutes,
            )
            for number in (1, 2)
        ]
        billings = rules.allocate_billed_minutes(entries, scoped)
        totals[scope] = sum(billing.billed_minutes for billing in billings)
    return SplitExample(
        entry_minutes=entry_minutes,
        per_entry=totals[rules.RoundingScope.PER_ENTRY],
        per_ticket_day=totals[rules.RoundingScope.PER_TICKET_DAY],
    )


# Rates


class RateState(enum.StrEnum):
    """The state of a rate on a given day among the rates of its activity and level."""

    IN_EFFECT = "in_effect"
    SCHEDULED = "scheduled"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class RateData:
    """One rate to add, already parsed. agent_level "" applies to every level."""

    activity_type_id: int
    hourly_rate: Decimal
    effective_from: date
    agent_level: str = ""


@dataclass(frozen=True)
class RateRow:
    """A rate on the rates page, with its state today and the statement that locks it.

    locked_by is the latest issued statement covering work on or after the
    rate's effective date, which keeps the rate from being deleted.
    """

    rate: ContractRate
    state: RateState
    locked_by: Statement | None


def rate_rows(contract: Contract, today: date) -> list[RateRow]:
    """Return the contract's rates by activity, level and date, with their state."""
    rates = sorted(
        contract.rates,
        key=lambda rate: (
            rate.activity_type.position,
            rate.activity_type.code,
            rate.agent_level,
            rate.effective_from,
        ),
    )
    states = _rate_states(rates, today)
    last_issued = latest_issued_statement(contract.customer_id)
    return [
        RateRow(
            rate=rate,
            state=states[rate.id],
            locked_by=_locking_statement(last_issued, rate.effective_from),
        )
        for rate in rates
    ]


def _rate_states(rates: list[ContractRate], today: date) -> dict[int, RateState]:
    """Mark the latest started rate of each activity and level as in effect."""
    groups: dict[tuple[int, str], list[ContractRate]] = defaultdict(list)
    for rate in rates:
        groups[rate.activity_type_id, rate.agent_level].append(rate)

    states: dict[int, RateState] = {}
    for members in groups.values():
        started = [rate for rate in members if rate.effective_from <= today]
        current = max(started, key=lambda rate: rate.effective_from, default=None)
        for rate in members:
            if rate.effective_from > today:
                states[rate.id] = RateState.SCHEDULED
            elif rate is current:
                states[rate.id] = RateState.IN_EFFECT
            else:
                states[rate.id] = RateState.SUPERSEDED
    return states


def latest_issued_statement(customer_id: int) -> Statement | None:
    """Return the customer's issued statement whose period ends last."""
    query = (
        sa.select(Statement)
        .where(
            Statement.customer_id == customer_id,
            Statement.status == StatementStatus.ISSUED,
        )
        .order_by(Statement.period_end.desc(), Statement.id.desc())
        .limit(1)
    )
    return db.session.scalars(query).first()


def _locking_statement(last_issued: Statement | None, day: date) -> Statement | None:
    if last_issued is not None and last_issued.period_end >= day:
        return last_issued
    return None


def activity_choices() -> list[ActivityType]:
    """Return every activity type in list order, inactive ones too.

    An inactive activity may still have work to bill, so it may need a rate.
    """
    query = sa.select(ActivityType).order_by(ActivityType.position, ActivityType.id)
    return list(db.session.scalars(query))


def add_rate(actor: User, contract: Contract, data: RateData) -> ContractRate:
    """Add a rate to the contract and audit it on the contract.

    Raise AdminFieldError when the activity is unknown, the values are out of
    range, the same activity and level already has a rate from that date, or
    an issued statement already bills work on or after that date.
    """
    level = normalise_level(data.agent_level)
    activity = db.session.get(ActivityType, data.activity_type_id)
    if activity is None:
        raise AdminFieldError(
            "activity_type_id", _("Choose an activity from the list.")
        )
    if len(level) > MAX_LEVEL_LENGTH:
        raise AdminFieldError(
            "agent_level", _("Enter a level of at most 40 characters.")
        )
    if not _valid_amount(data.hourly_rate):
        raise AdminFieldError("hourly_rate", _amount_message())
    _check_rate_date(contract, data.effective_from)
    _check_rate_unique(contract, activity, level, data.effective_from)

    rate = ContractRate(
        contract=contract,
        activity_type=activity,
        agent_level=level,
        hourly_rate=data.hourly_rate.quantize(CENT),
        effective_from=data.effective_from,
    )
    db.session.add(rate)
    db.session.flush()
    record_event(actor, "rate_added", contract, None, rate_snapshot(rate))
    return rate


def delete_rate(actor: User, contract: Contract, rate: ContractRate) -> None:
    """Delete a rate that no issued statement relies on, and audit it on the contract.

    Raise DomainError (409) when an issued statement of the customer covers
    work on or after the rate's effective date: that statement may have
    priced work at the rate, and a later rate is added instead.
    """
    _lock_customer(contract.customer_id)
    statement = _locking_statement(
        latest_issued_statement(contract.customer_id), rate.effective_from
    )
    if statement is not None:
        logger.info(
            "rate %s of contract %s kept: statement %s covers %s",
            rate.id,
            contract.id,
            statement.id,
            rate.effective_from,
        )
        raise DomainError(
            _(
                "This rate cannot be deleted: the issued statement %(number)s "
                "covers work up to %(day)s. A rate change never alters issued "
                "statements, so add a new rate that takes effect after that day.",
                number=statement.number,
                day=format_day(statement.period_end),
            ),
            409,
        )

    before = rate_snapshot(rate)
    contract.rates.remove(rate)
    db.session.flush()
    record_event(actor, "rate_deleted", contract, before, None)


def rate_snapshot(rate: ContractRate) -> dict:
    """Return the audited values of a rate, with the activity's code."""
    return {
        "rate_id": rate.id,
        "activity": rate.activity_type.code,
        "agent_level": rate.agent_level,
        "hourly_rate": json_value(rate.hourly_rate),
        "effective_from": json_value(rate.effective_from),
    }


def _check_rate_date(contract: Contract, effective_from: date) -> None:
    if contract.valid_to is not None and effective_from > contract.valid_to:
        raise AdminFieldError(
            "effective_from",
            _(
                "The contract ends on %(day)s, so a rate from this date would never "
                "apply. Choose an earlier date.",
                day=format_day(contract.valid_to),
            ),
        )
    _lock_customer(contract.customer_id)
    statement = _locking_statement(
        latest_issued_statement(contract.customer_id), effective_from
    )
    if statement is not None:
        raise AdminFieldError(
            "effective_from",
            _(
                "The issued statement %(number)s already bills work up to %(day)s, "
                "and a rate change never alters issued statements. Choose a date "
                "after %(day)s.",
                number=statement.number,
                day=format_day(statement.period_end),
            ),
        )


def _check_rate_unique(
    contract: Contract, activity: ActivityType, level: str, effective_from: date
) -> None:
    query = sa.select(ContractRate.id).where(
        ContractRate.contract_id == contract.id,
        ContractRate.activity_type_id == activity.id,
        ContractRate.agent_level == level,
        ContractRate.effective_from == effective_from,
    )
    if db.session.scalar(query.limit(1)) is not None:
        raise AdminFieldError(
            "effective_from",
            _(
                "This activity and level already have a rate from %(day)s. Choose "
                "another date.",
                day=format_day(effective_from),
            ),
        )


def _lock_customer(customer_id: int) -> None:
    """Lock the customer row (FOR UPDATE on PostgreSQL) until the transaction ends.

    NOTE: this keeps two rate changes of one customer apart. It keeps a rate
    change apart from a statement being issued only if issuing locks the
    customer row too.
    """
    db.session.execute(
        sa.select(Customer.id).where(Customer.id == customer_id).with_for_update()
    )
