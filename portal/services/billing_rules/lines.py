"""Price billable entries and resources into statement lines that foot."""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from portal.services.billing_rules.after_hours import (
    BAND_PRECEDENCE,
    AfterHoursMultipliers,
    Band,
    HolidayCalendar,
    band_for,
)
from portal.services.billing_rules.errors import BillingRuleError
from portal.services.billing_rules.money import (
    hours_from_minutes,
    line_amount,
    require_decimal,
)
from portal.services.billing_rules.rates import RateCard
from portal.services.billing_rules.rounding import (
    BillableEntry,
    EntryBilling,
    RoundingRule,
    allocate_billed_minutes,
)


@dataclass(frozen=True)
class ContractTerms:
    """The billing terms of one contract.

    call_out_fee is charged once per ticket and day with billable on-site
    work, that is a non-zero entry whose activity code is in
    on_site_activities, unless a CallOut resource of that ticket and day
    replaces it. None means the contract charges no automatic call-out fee.
    overage_rate is the hourly rate for minutes beyond the prepaid packages,
    see prepaid.overage_amount.
    """

    rate_card: RateCard
    rounding: RoundingRule = field(default_factory=RoundingRule)
    after_hours: AfterHoursMultipliers = field(default_factory=AfterHoursMultipliers)
    on_site_activities: frozenset[str] = frozenset()
    call_out_fee: Decimal | None = None
    rate_per_km: Decimal | None = None
    overage_rate: Decimal | None = None

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "on_site_activities", frozenset(self.on_site_activities)
        )
        for name in ("call_out_fee", "rate_per_km", "overage_rate"):
            value = getattr(self, name)
            if value is not None:
                require_decimal(value, name)


@dataclass(frozen=True)
class Mileage:
    """Kilometres driven for a ticket on one day."""

    ticket_key: str
    work_date: date
    km: Decimal

    def __post_init__(self) -> None:
        require_decimal(self.km, f"km on ticket {self.ticket_key}", positive=True)


@dataclass(frozen=True)
class Material:
    """Material supplied for a ticket, priced per unit."""

    ticket_key: str
    work_date: date
    description: str
    quantity: Decimal
    unit_price: Decimal

    def __post_init__(self) -> None:
        require_decimal(self.quantity, f"quantity of {self.description}", positive=True)
        require_decimal(self.unit_price, f"unit_price of {self.description}")


@dataclass(frozen=True)
class CallOut:
    """Call-out visits an agent logged for a ticket on one day.

    They replace the automatic call-out of that ticket and day, so the day is
    charged these visits and never one more.
    """

    ticket_key: str
    work_date: date
    visits: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        require_decimal(
            self.visits, f"call-out visits on ticket {self.ticket_key}", positive=True
        )


Resource = Mileage | Material | CallOut


class ResourceKind(enum.StrEnum):
    CALL_OUT = "call_out"
    MILEAGE = "mileage"
    MATERIAL = "material"


@dataclass(frozen=True)
class LabourLine:
    """The billed time of one ticket, activity, hourly rate and multiplier."""

    ticket_key: str
    activity_code: str
    hourly_rate: Decimal
    multiplier: Decimal
    bands: tuple[Band, ...]
    raw_minutes: int
    billed_minutes: int
    entry_ids: tuple[int, ...]
    amount: Decimal

    @property
    def hours(self) -> Decimal:
        """Billed hours for display, two places. The amount never uses them."""
        return hours_from_minutes(self.billed_minutes)


@dataclass(frozen=True)
class ResourceLine:
    """A call-out fee, kilometres or material for one ticket on one day.

    quantity is visits, kilometres or units. description is empty except
    for materials.
    """

    kind: ResourceKind
    ticket_key: str
    work_date: date
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class StatementDraft:
    """The priced lines of a statement and each entry's worked and billed time.

    total_amount is the sum of the rounded line amounts, so it always foots.
    """

    labour_lines: tuple[LabourLine, ...]
    resource_lines: tuple[ResourceLine, ...]
    entries: tuple[EntryBilling, ...]

    @property
    def total_amount(self) -> Decimal:
        amounts = [line.amount for line in self.labour_lines + self.resource_lines]
        return sum(amounts, Decimal("0.00"))

    @property
    def total_billed_minutes(self) -> int:
        return sum(line.billed_minutes for line in self.labour_lines)


def build_lines(
    entries: Iterable[BillableEntry],
    contract: ContractTerms,
    *,
    is_holiday: HolidayCalendar | None = None,
    resources: Iterable[Resource] = (),
) -> StatementDraft:
    """Round, rate and price the entries and resources into statement lines.

    Lines come out sorted, so the result does not depend on input order.
    is_holiday is required when the contract has a holiday multiplier other
    than 1, because pricing holidays as working days would undercharge.
    """
    entries = tuple(entries)
    resources = tuple(resources)
    calendar = _holiday_calendar(contract.after_hours, is_holiday)
    billings = allocate_billed_minutes(entries, contract.rounding)

    labour_lines = _labour_lines(entries, billings, contract, calendar)
    logged_visits = {
        (resource.ticket_key, resource.work_date)
        for resource in resources
        if isinstance(resource, CallOut)
    }
    resource_lines = sorted(
        _call_out_lines(entries, contract, logged_visits)
        + _resource_lines(resources, contract),
        key=_resource_sort_key,
    )
    return StatementDraft(
        labour_lines=tuple(labour_lines),
        resource_lines=tuple(resource_lines),
        entries=billings,
    )


def _holiday_calendar(
    multipliers: AfterHoursMultipliers, is_holiday: HolidayCalendar | None
) -> HolidayCalendar:
    if is_holiday is not None:
        return is_holiday
    if multipliers.holiday != 1:
        raise BillingRuleError(BillingRuleError.NO_HOLIDAY_CALENDAR)
    return lambda day: False


# ticket key, activity code, hourly rate, multiplier
LabourKey = tuple[str, str, Decimal, Decimal]


def _labour_lines(
    entries: tuple[BillableEntry, ...],
    billings: tuple[EntryBilling, ...],
    contract: ContractTerms,
    is_holiday: HolidayCalendar,
) -> list[LabourLine]:
    billed = {billing.entry_id: billing.billed_minutes for billing in billings}
    groups: dict[LabourKey, list[tuple[BillableEntry, Band]]] = defaultdict(list)
    for entry in entries:
        if entry.is_billable:
            rate = contract.rate_card.rate_for(
                entry.activity_code, entry.agent_level, entry.work_date
            )
            band = band_for(
                entry.work_date, entry.start_time, contract.after_hours, is_holiday
            )
            multiplier = contract.after_hours.factor(band)
            key = (entry.ticket_key, entry.activity_code, rate, multiplier)
            groups[key].append((entry, band))

    return [_labour_line(key, groups[key], billed) for key in sorted(groups)]


def _labour_line(
    key: LabourKey, members: list[tuple[BillableEntry, Band]], billed: dict[int, int]
) -> LabourLine:
    ticket_key, activity_code, rate, multiplier = key
    entries = sorted((entry for entry, _band in members), key=lambda entry: entry.id)
    bands = {band for _entry, band in members}
    minutes = sum(billed[entry.id] for entry in entries)
    return LabourLine(
        ticket_key=ticket_key,
        activity_code=activity_code,
        hourly_rate=rate,
        multiplier=multiplier,
        bands=tuple(band for band in BAND_PRECEDENCE if band in bands),
        raw_minutes=sum(entry.raw_minutes for entry in entries),
        billed_minutes=minutes,
        entry_ids=tuple(entry.id for entry in entries),
        # Rounded once, on the line's total minutes and not per entry.
        amount=line_amount(minutes, rate, multiplier=multiplier, per=60),
    )


def _call_out_lines(
    entries: tuple[BillableEntry, ...],
    contract: ContractTerms,
    logged_visits: set[tuple[str, date]],
) -> list[ResourceLine]:
    """Return the automatic call-outs, skipping days with a logged CallOut."""
    if contract.call_out_fee is None:
        return []

    visits = {
        (entry.ticket_key, entry.work_date)
        for entry in entries
        if entry.is_billable
        and entry.raw_minutes > 0
        and entry.activity_code in contract.on_site_activities
    } - logged_visits
    return [
        ResourceLine(
            kind=ResourceKind.CALL_OUT,
            ticket_key=ticket_key,
            work_date=work_date,
            description="",
            quantity=Decimal(1),
            unit_price=contract.call_out_fee,
            amount=line_amount(1, contract.call_out_fee),
        )
        for ticket_key, work_date in visits
    ]


# kind, ticket key, work date, description, unit price
ResourceKey = tuple[ResourceKind, str, date, str, Decimal]


def _resource_lines(
    resources: Iterable[Resource], contract: ContractTerms
) -> list[ResourceLine]:
    quantities: dict[ResourceKey, Decimal] = defaultdict(Decimal)
    for resource in resources:
        key, quantity = _resource_key(resource, contract)
        quantities[key] += quantity

    return [
        ResourceLine(
            kind=kind,
            ticket_key=ticket_key,
            work_date=work_date,
            description=description,
            quantity=quantity,
            unit_price=unit_price,
            # Rounded once, on the summed quantity of the line.
            amount=line_amount(quantity, unit_price),
        )
        for (kind, ticket_key, work_date, description, unit_price), quantity in (
            quantities.items()
        )
    ]


def _resource_key(
    resource: Resource, contract: ContractTerms
) -> tuple[ResourceKey, Decimal]:
    if isinstance(resource, CallOut):
        if contract.call_out_fee is None:
            raise BillingRuleError(
                BillingRuleError.NO_CALL_OUT_FEE, ticket=resource.ticket_key
            )
        key = (
            ResourceKind.CALL_OUT,
            resource.ticket_key,
            resource.work_date,
            "",
            contract.call_out_fee,
        )
        return key, resource.visits

    if isinstance(resource, Material):
        key = (
            ResourceKind.MATERIAL,
            resource.ticket_key,
            resource.work_date,
            resource.description,
            resource.unit_price,
        )
        return key, resource.quantity

    if contract.rate_per_km is None:
        raise BillingRuleError(BillingRuleError.NO_KM_RATE, ticket=resource.ticket_key)
    key = (
        ResourceKind.MILEAGE,
        resource.ticket_key,
        resource.work_date,
        "",
        contract.rate_per_km,
    )
    return key, resource.km


_KIND_ORDER = {kind: position for position, kind in enumerate(ResourceKind)}


def _resource_sort_key(line: ResourceLine) -> tuple:
    return (
        line.ticket_key,
        line.work_date,
        _KIND_ORDER[line.kind],
        line.description,
        line.unit_price,
    )
