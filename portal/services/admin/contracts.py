"""Contracts as admins create them, and the SLA calendar and targets they keep.

Admins create a contract with its name, first hourly rate and validity period.
After that, accounts own the validity period, the billing terms and the portal
flags (portal.services.contract_terms_admin, portal.services.customer_view),
and admins edit only the name, currency and SLA settings.

A customer's contracts never overlap, so customer.contract_on(day) finds at
most one; valid_to None means open-ended. The check locks the customer row
(FOR UPDATE on PostgreSQL) so two users cannot add overlapping contracts at
once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _

from portal.extensions import db
from portal.i18n import format_day
from portal.models import (
    Contract,
    ContractSlaTarget,
    Customer,
    TicketPriority,
    User,
)
from portal.services.admin import AdminFieldError
from portal.services.admin.sla_formats import (
    MAX_TARGET_MINUTES,
    SlaFormatError,
    format_working_days,
    format_working_hours,
    parse_working_days,
    parse_working_hours,
)
from portal.services.audit import changed_fields, record_event, snapshot

logger = logging.getLogger(__name__)

CURRENCIES = ("EUR",)
# Contract.hourly_rate is NUMERIC(12, 2).
MAX_HOURLY_RATE = Decimal("9999999999.99")
# The columns an admin edits on an existing contract.
SETTINGS_FIELDS = [
    "name",
    "currency",
    "sla_business_hours",
    "sla_timezone",
    "sla_working_days",
    "sla_working_hours",
]
# The columns a new contract's audit row records.
CONTRACT_FIELDS = [
    "name",
    "hourly_rate",
    "currency",
    "valid_from",
    "valid_to",
    "sla_business_hours",
    "sla_timezone",
    "sla_working_days",
    "sla_working_hours",
]


@dataclass(frozen=True)
class ContractSettings:
    """The values an admin sets on an existing contract, already parsed.

    sla_targets maps a priority to its (first response, resolution) minutes;
    a priority left out has no target.
    """

    name: str
    currency: str = "EUR"
    sla_business_hours: bool = True
    sla_timezone: str = "Europe/Rome"
    sla_working_days: str = "1,2,3,4,5"
    sla_working_hours: str = "09:00-13:00,14:00-18:00"
    sla_targets: dict[TicketPriority, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class ContractData(ContractSettings):
    """The values of a new contract: its settings plus its first terms.

    The contract starts as time and materials at hourly_rate. Accounts set the
    other billing terms afterwards.
    """

    hourly_rate: Decimal
    valid_from: date
    valid_to: date | None = None


def target_field(priority: TicketPriority, kind: str) -> str:
    """Return the audit key of one SLA target, e.g. sla_high_resolution_minutes."""
    return f"sla_{priority.value}_{kind}_minutes"


def contract_snapshot(contract: Contract, fields: list[str] = CONTRACT_FIELDS) -> dict:
    """Return the audited values of a contract, with one key per SLA target."""
    values = snapshot(contract, fields)
    targets = {target.priority: target for target in contract.sla_targets}
    for priority in TicketPriority:
        target = targets.get(priority)
        values[target_field(priority, "first_response")] = (
            target.first_response_minutes if target else None
        )
        values[target_field(priority, "resolution")] = (
            target.resolution_minutes if target else None
        )
    return values


def get_contract(customer_id: int, contract_id: int) -> Contract | None:
    """Return the customer's contract, or None when either id is unknown."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or contract.customer_id != customer_id:
        return None
    return contract


def create_contract(actor: User, customer: Customer, data: ContractData) -> Contract:
    """Add a contract to customer and audit it."""
    _check_first_terms(data)
    normalised = _checked(data)
    check_no_overlap(customer, data.valid_from, data.valid_to, contract_id=None)

    contract = Contract(
        customer_id=customer.id,
        hourly_rate=data.hourly_rate,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
    )
    _apply(contract, normalised)
    db.session.add(contract)
    db.session.flush()

    record_event(actor, "created", contract, None, contract_snapshot(contract))
    return contract


def update_contract(
    actor: User, contract: Contract, data: ContractSettings
) -> Contract:
    """Change a contract's name, currency and SLA settings, and audit the changes."""
    normalised = _checked(data)

    before = contract_snapshot(contract, SETTINGS_FIELDS)
    _apply(contract, normalised)
    db.session.flush()

    before, after = changed_fields(before, contract_snapshot(contract, SETTINGS_FIELDS))
    if after:
        record_event(actor, "updated", contract, before, after)
    return contract


def _check_first_terms(data: ContractData) -> None:
    rate = data.hourly_rate
    if rate < 0 or rate > MAX_HOURLY_RATE or rate != rate.quantize(Decimal("0.01")):
        raise AdminFieldError(
            "hourly_rate",
            _("Enter an hourly rate of 0 or more with at most two decimals."),
        )
    if data.valid_to is not None and data.valid_to < data.valid_from:
        raise AdminFieldError(
            "valid_to", _("The end date cannot be before the start date.")
        )


def _checked(data: ContractSettings) -> ContractSettings:
    """Check the values a form cannot fully check, and return them normalised."""
    if data.currency not in CURRENCIES:
        raise AdminFieldError("currency", _("Choose a currency from the list."))
    try:
        ZoneInfo(data.sla_timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise AdminFieldError(
            "sla_timezone", _("Choose a time zone from the list.")
        ) from error
    _check_targets(data.sla_targets)
    return _with_normalised_calendar(data)


def _with_normalised_calendar(data: ContractSettings) -> ContractSettings:
    try:
        days = format_working_days(parse_working_days(data.sla_working_days))
    except SlaFormatError as error:
        raise AdminFieldError("sla_working_days", error.message) from error
    try:
        hours = format_working_hours(parse_working_hours(data.sla_working_hours))
    except SlaFormatError as error:
        raise AdminFieldError("sla_working_hours", error.message) from error

    return replace(data, sla_working_days=days, sla_working_hours=hours)


def _check_targets(targets: dict[TicketPriority, tuple[int, int]]) -> None:
    for priority, minutes in targets.items():
        for kind, value in zip(("first_response", "resolution"), minutes, strict=True):
            if not 0 < value <= MAX_TARGET_MINUTES:
                raise AdminFieldError(
                    f"{priority.value}_{kind}",
                    _("A target must be between one minute and 366 days."),
                )


def check_no_overlap(
    customer: Customer,
    valid_from: date,
    valid_to: date | None,
    contract_id: int | None,
) -> None:
    """Raise AdminFieldError on valid_from when the period overlaps another contract.

    contract_id is the contract being changed, which cannot overlap itself.
    The customer row stays locked until the transaction ends.
    """
    db.session.execute(
        sa.select(Customer.id).where(Customer.id == customer.id).with_for_update()
    )
    query = sa.select(Contract).where(Contract.customer_id == customer.id)
    if contract_id is not None:
        query = query.where(Contract.id != contract_id)
    if valid_to is not None:
        query = query.where(Contract.valid_from <= valid_to)
    query = query.where(
        sa.or_(Contract.valid_to.is_(None), Contract.valid_to >= valid_from)
    )
    other = db.session.scalars(query.order_by(Contract.valid_from).limit(1)).first()
    if other is None:
        return

    logger.info(
        "contract period %s-%s of customer %s overlaps contract %s",
        valid_from,
        valid_to,
        customer.id,
        other.id,
    )
    raise AdminFieldError(
        "valid_from",
        _(
            "These dates overlap the contract %(name)s (%(period)s). Contracts of "
            "one customer cannot overlap: change the dates or end the other "
            "contract first.",
            name=other.name,
            period=contract_period(other),
        ),
    )


def contract_period(contract: Contract) -> str:
    """Return the validity period as text, e.g. "01/01/2026 – 31/12/2026"."""
    if contract.valid_to is None:
        return _("from %(start)s", start=format_day(contract.valid_from))
    return _(
        "%(start)s – %(end)s",
        start=format_day(contract.valid_from),
        end=format_day(contract.valid_to),
    )


def _apply(contract: Contract, data: ContractSettings) -> None:
    contract.name = data.name
    contract.currency = data.currency
    contract.sla_business_hours = data.sla_business_hours
    contract.sla_timezone = data.sla_timezone
    contract.sla_working_days = data.sla_working_days
    contract.sla_working_hours = data.sla_working_hours
    _apply_targets(contract, data.sla_targets)


def _apply_targets(
    contract: Contract, targets: dict[TicketPriority, tuple[int, int]]
) -> None:
    existing = {target.priority: target for target in contract.sla_targets}
    for priority, target in existing.items():
        if priority not in targets:
            contract.sla_targets.remove(target)
    for priority, (first_response, resolution) in targets.items():
        target = existing.get(priority)
        if target is None:
            target = ContractSlaTarget(priority=priority)
            contract.sla_targets.append(target)
        target.first_response_minutes = first_response
        target.resolution_minutes = resolution
