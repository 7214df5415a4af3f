"""Builders and hypothesis strategies shared by the billing rules tests."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st

from portal.services.billing_rules import (
    ALLOWED_INCREMENTS,
    AfterHoursMultipliers,
    BillableEntry,
    ContractTerms,
    Material,
    Mileage,
    PrepaidPackage,
    Rate,
    RateCard,
    RoundingDirection,
    RoundingRule,
    RoundingScope,
)

# Italian public holidays of 2026. Easter Sunday is 5 April and All Saints'
# Day falls on a Sunday, so both test the holiday-over-Sunday precedence.
HOLIDAYS_2026 = frozenset(
    {
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 4, 5),
        date(2026, 4, 6),
        date(2026, 4, 25),
        date(2026, 5, 1),
        date(2026, 6, 2),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 12, 8),
        date(2026, 12, 25),
        date(2026, 12, 26),
    }
)


def is_holiday(day: date) -> bool:
    """Tell whether day is an Italian public holiday of 2026."""
    return day in HOLIDAYS_2026


# A Tuesday with no holiday, the default work date of the table tests.
TUESDAY = date(2026, 11, 10)


def make_entry(
    entry_id: int,
    minutes: int,
    *,
    ticket: str = "ASS-1",
    day: date = TUESDAY,
    start: time | None = None,
    activity: str = "remote",
    level: str | None = None,
    billable: bool = True,
) -> BillableEntry:
    """Build a BillableEntry with defaults for what a test does not vary."""
    return BillableEntry(
        id=entry_id,
        ticket_key=ticket,
        work_date=day,
        start_time=start,
        activity_code=activity,
        agent_level=level,
        raw_minutes=minutes,
        is_billable=billable,
    )


def flat_terms(
    rate: str = "60.00", rounding: RoundingRule | None = None, **kwargs
) -> ContractTerms:
    """Build contract terms with one default hourly rate for every activity."""
    return ContractTerms(
        rate_card=RateCard(default_rate=Decimal(rate)),
        rounding=rounding or RoundingRule(),
        **kwargs,
    )


# A modest example count keeps the suite fast. No deadline, because timings
# vary with machine load and a slow example is not a wrong one.
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

TICKETS = ("ASS-1", "ASS-2", "ASS-3")
ACTIVITIES = ("remote", "onsite", "phone")
LEVELS = (None, "junior", "senior")
FACTORS = tuple(Decimal(text) for text in ("1", "1.25", "1.5", "2.0"))

money = st.decimals(
    min_value=Decimal("0.00"),
    max_value=Decimal("500.00"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
# November 2026 has weekdays, weekends and All Saints' Day on a Sunday.
work_dates = st.dates(min_value=date(2026, 11, 1), max_value=date(2026, 11, 30))

rounding_rules = st.builds(
    RoundingRule,
    increment_minutes=st.sampled_from(sorted(ALLOWED_INCREMENTS)),
    direction=st.sampled_from(list(RoundingDirection)),
    scope=st.sampled_from(list(RoundingScope)),
    minimum_minutes=st.sampled_from([0, 15, 30, 60]),
)


@st.composite
def entry_lists(draw: st.DrawFn, max_size: int = 25) -> list[BillableEntry]:
    """Draw entries with unique ids spread over a few tickets and days."""
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=max_size))
    return [
        BillableEntry(
            id=entry_id,
            ticket_key=draw(st.sampled_from(TICKETS)),
            work_date=draw(work_dates),
            start_time=draw(st.none() | st.times()),
            activity_code=draw(st.sampled_from(ACTIVITIES)),
            agent_level=draw(st.sampled_from(LEVELS)),
            raw_minutes=draw(st.integers(0, 600)),
            is_billable=draw(st.booleans()),
        )
        for entry_id in ids
    ]


@st.composite
def rate_cards(draw: st.DrawFn) -> RateCard:
    """Draw a rate card with a default rate, so every entry has a rate."""
    keys = st.tuples(st.sampled_from(ACTIVITIES), st.sampled_from(LEVELS), work_dates)
    rates = [
        Rate(activity, draw(money), effective_from, level)
        for activity, level, effective_from in draw(st.lists(keys, unique=True))
    ]
    return RateCard(rates=tuple(rates), default_rate=draw(money))


@st.composite
def contract_terms(draw: st.DrawFn) -> ContractTerms:
    """Draw terms with every band, fee and rate set to a realistic value."""
    factors = {
        band: draw(st.sampled_from(FACTORS))
        for band in ("evening", "night", "saturday", "sunday", "holiday")
    }
    return ContractTerms(
        rate_card=draw(rate_cards()),
        rounding=draw(rounding_rules),
        after_hours=AfterHoursMultipliers(**factors),
        on_site_activities=frozenset({"onsite"}),
        call_out_fee=draw(money),
        rate_per_km=draw(money),
    )


quantities = st.decimals(
    min_value=Decimal("0.1"),
    max_value=Decimal("999.9"),
    places=1,
    allow_nan=False,
    allow_infinity=False,
)

resources = st.lists(
    st.builds(
        Mileage,
        ticket_key=st.sampled_from(TICKETS),
        work_date=work_dates,
        km=quantities,
    )
    | st.builds(
        Material,
        ticket_key=st.sampled_from(TICKETS),
        work_date=work_dates,
        description=st.sampled_from(["Cavo di rete", "Alimentatore"]),
        quantity=quantities,
        unit_price=money,
    ),
    max_size=8,
)


@st.composite
def prepaid_packages(draw: st.DrawFn) -> list[PrepaidPackage]:
    """Draw up to four fresh packages bought in or around November 2026."""
    ids = draw(st.lists(st.integers(1, 100), unique=True, max_size=4))
    packages = []
    for package_id in ids:
        purchase = draw(st.dates(date(2026, 10, 1), date(2026, 11, 30)))
        expiry = draw(st.dates(purchase, date(2027, 1, 31)))
        packages.append(
            PrepaidPackage(
                id=package_id,
                minutes_bought=draw(st.integers(1, 3000)),
                purchase_date=purchase,
                expiry_date=expiry,
                price=draw(money),
            )
        )
    return packages
