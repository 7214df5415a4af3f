"""Contract billing terms in the billing engine's types, and billed minutes.

Every screen, PDF and export that shows billed time takes it from
billed_minutes_by_entry, so the figures agree everywhere. The engine itself,
portal.services.billing_rules, does not read the database.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, Contract, Ticket, TimeEntry
from portal.services import billing_rules as rules
from portal.services.calendar import italian_public_holidays


def entry_contract(ticket: Ticket, work_date: date) -> Contract | None:
    """Return the contract that bills work on ticket dated work_date.

    A ticket's own contract wins; otherwise the customer's contract valid on
    the work date, which is how a ticket defaults to the current contract.
    """
    if ticket.contract is not None:
        return ticket.contract
    return ticket.customer.contract_on(work_date)


def rounding_rule(contract: Contract | None) -> rules.RoundingRule:
    """Return the contract's rounding rule; no contract rounds nothing."""
    if contract is None:
        return rules.RoundingRule()
    return rules.RoundingRule(
        increment_minutes=contract.rounding_increment,
        direction=contract.rounding_direction,
        scope=contract.rounding_scope,
        minimum_minutes=contract.minimum_minutes,
    )


def after_hours(contract: Contract) -> rules.AfterHoursMultipliers:
    return rules.AfterHoursMultipliers(
        evening=contract.evening_multiplier,
        night=contract.night_multiplier,
        saturday=contract.saturday_multiplier,
        sunday=contract.sunday_multiplier,
        holiday=contract.holiday_multiplier,
    )


def rate_card(contract: Contract) -> rules.RateCard:
    """Return the contract's rates, with its hourly_rate for unlisted activities."""
    return rules.RateCard(
        rates=tuple(
            rules.Rate(
                activity_code=rate.activity_type.code,
                hourly_rate=rate.hourly_rate,
                effective_from=rate.effective_from,
                agent_level=rate.agent_level or None,
            )
            for rate in contract.rates
        ),
        default_rate=contract.hourly_rate,
    )


def contract_terms(contract: Contract) -> rules.ContractTerms:
    """Return everything build_lines needs to price the contract's work."""
    return rules.ContractTerms(
        rate_card=rate_card(contract),
        rounding=rounding_rule(contract),
        after_hours=after_hours(contract),
        on_site_activities=on_site_activity_codes(),
        call_out_fee=contract.call_out_fee,
        rate_per_km=contract.rate_per_km,
        overage_rate=contract.overage_rate,
    )


def on_site_activity_codes() -> frozenset[str]:
    query = sa.select(ActivityType.code).where(ActivityType.is_on_site.is_(True))
    return frozenset(db.session.scalars(query))


@functools.lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(italian_public_holidays(year))


def is_holiday(day: date) -> bool:
    """Tell whether day is an Italian public holiday (Easter Monday included)."""
    return day in _holidays(day.year)


def billable_entry(entry: TimeEntry) -> rules.BillableEntry:
    """Return the engine's view of a time entry.

    An entry is billable when it and its activity type are. The agent's level
    is the one they have now: NOTE: a level change reprices their unbilled work.
    """
    return rules.BillableEntry(
        id=entry.id,
        ticket_key=entry.ticket.key,
        work_date=entry.work_date,
        start_time=entry.start_time,
        activity_code=entry.activity_type.code,
        agent_level=entry.agent.level or None,
        raw_minutes=entry.minutes,
        is_billable=entry.is_billable and entry.activity_type.is_billable,
    )


def billed_minutes_by_entry(entries: Iterable[TimeEntry]) -> dict[int, int]:
    """Return the billed minutes of each entry under its contract's rounding.

    Entries are grouped by contract, and each group is rounded by its rule.
    Under per-ticket-and-day rounding a day's total is rounded once, over the
    entries passed in: pass all the entries that are billed together (a
    statement's, or the approved entries of a ticket), not a page of them.
    Non-billable entries bill 0.
    """
    groups: dict[int | None, list[TimeEntry]] = defaultdict(list)
    contracts: dict[int | None, Contract | None] = {}
    for entry in entries:
        contract = entry_contract(entry.ticket, entry.work_date)
        key = contract.id if contract is not None else None
        groups[key].append(entry)
        contracts[key] = contract

    billed: dict[int, int] = {}
    for key, members in groups.items():
        rule = rounding_rule(contracts[key])
        billings = rules.allocate_billed_minutes(
            (billable_entry(entry) for entry in members), rule
        )
        billed.update(
            (billing.entry_id, billing.billed_minutes) for billing in billings
        )
    return billed


def hourly_amount(minutes: int, hourly_rate: Decimal) -> Decimal:
    """Return minutes at an hourly rate, rounded half-up to the cent."""
    return rules.line_amount(minutes, hourly_rate, per=60)
