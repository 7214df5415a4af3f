"""Property tests: totals foot, minutes are conserved, input order is irrelevant."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, Inexact, getcontext

from hypothesis import given
from hypothesis import strategies as st

from portal.services.billing_rules import (
    ALLOWED_INCREMENTS,
    EntryBilling,
    RoundingDirection,
    RoundingRule,
    RoundingScope,
    allocate_billed_minutes,
    billed_minutes,
    build_lines,
    consume,
    distribute_minutes,
    line_amount,
)

from .support import (
    PROPERTY_SETTINGS,
    contract_terms,
    entry_lists,
    is_holiday,
    prepaid_packages,
    resources,
    rounding_rules,
    work_dates,
)

CENT_EXPONENT = -2
increments = st.sampled_from(sorted(ALLOWED_INCREMENTS))


@PROPERTY_SETTINGS
@given(entries=entry_lists(), terms=contract_terms(), extras=resources)
def test_totals_foot(entries, terms, extras):
    draft = build_lines(entries, terms, is_holiday=is_holiday, resources=extras)
    lines = draft.labour_lines + draft.resource_lines

    assert draft.total_amount == sum(line.amount for line in lines)
    for line in lines:
        assert line.amount.as_tuple().exponent == CENT_EXPONENT
    for line in draft.labour_lines:
        expected = line_amount(
            line.billed_minutes, line.hourly_rate, multiplier=line.multiplier, per=60
        )
        assert line.amount == expected


@PROPERTY_SETTINGS
@given(entries=entry_lists(), terms=contract_terms())
def test_lines_keep_every_billed_minute(entries, terms):
    draft = build_lines(entries, terms, is_holiday=is_holiday)

    billed = sum(billing.billed_minutes for billing in draft.entries)
    assert draft.total_billed_minutes == billed
    line_ids = sorted(i for line in draft.labour_lines for i in line.entry_ids)
    billable_ids = sorted(entry.id for entry in entries if entry.is_billable)
    assert line_ids == billable_ids


@PROPERTY_SETTINGS
@given(raw=st.integers(0, 2000), rule=rounding_rules)
def test_billed_not_below_raw_rounding_up(raw, rule):
    up_rule = RoundingRule(
        rule.increment_minutes, RoundingDirection.UP, rule.scope, rule.minimum_minutes
    )

    assert billed_minutes(raw, up_rule) >= raw


@PROPERTY_SETTINGS
@given(entries=entry_lists(), rule=rounding_rules)
def test_entries_not_below_raw_rounding_up(entries, rule):
    up_rule = RoundingRule(
        rule.increment_minutes, RoundingDirection.UP, rule.scope, rule.minimum_minutes
    )

    for billing in allocate_billed_minutes(entries, up_rule):
        if billing.is_billable:
            assert billing.billed_minutes >= billing.raw_minutes


@PROPERTY_SETTINGS
@given(raw=st.integers(1, 2000), increment=increments)
def test_nearest_and_down_stay_close(raw, increment):
    nearest = billed_minutes(raw, RoundingRule(increment, RoundingDirection.NEAREST))
    down = billed_minutes(raw, RoundingRule(increment, RoundingDirection.DOWN))

    assert abs(nearest - raw) * 2 <= increment
    assert raw - increment < down <= raw


@PROPERTY_SETTINGS
@given(multiple=st.integers(0, 48), rule=rounding_rules)
def test_multiples_of_increment_unchanged(multiple, rule):
    raw = multiple * rule.increment_minutes
    no_minimum = RoundingRule(rule.increment_minutes, rule.direction, rule.scope)

    assert billed_minutes(raw, no_minimum) == raw
    expected = max(raw, rule.minimum_minutes) if raw else 0
    assert billed_minutes(raw, rule) == expected


@PROPERTY_SETTINGS
@given(entries=entry_lists(), rule=rounding_rules)
def test_ticket_day_parts_add_up_to_rounded_sum(entries, rule):
    day_rule = RoundingRule(
        rule.increment_minutes,
        rule.direction,
        RoundingScope.PER_TICKET_DAY,
        rule.minimum_minutes,
    )
    raw_by_day: dict[tuple[str, date], int] = defaultdict(int)
    billed_by_day: dict[tuple[str, date], int] = defaultdict(int)

    for billing in allocate_billed_minutes(entries, day_rule):
        if billing.is_billable:
            day = (billing.ticket_key, billing.work_date)
            raw_by_day[day] += billing.raw_minutes
            billed_by_day[day] += billing.billed_minutes

    for day, raw in raw_by_day.items():
        assert billed_by_day[day] == billed_minutes(raw, day_rule), day


@PROPERTY_SETTINGS
@given(
    total=st.integers(0, 5000),
    weights=st.dictionaries(st.integers(1, 1000), st.integers(1, 600), min_size=1),
)
def test_distribution_is_proportional_and_exact(total, weights):
    shares = distribute_minutes(total, weights)

    assert sum(shares.values()) == total
    weight_sum = sum(weights.values())
    for entry_id, weight in weights.items():
        floor_share = total * weight // weight_sum
        assert floor_share <= shares[entry_id] <= floor_share + 1


def billed_entry(entry_id: int, minutes: int, work_date: date) -> EntryBilling:
    return EntryBilling(entry_id, "ASS-1", work_date, minutes, minutes, True)


statement_entries = st.lists(
    st.tuples(st.integers(0, 900), work_dates), max_size=8
).map(
    lambda drawn: [
        billed_entry(index, minutes, work_date)
        for index, (minutes, work_date) in enumerate(drawn)
    ]
)


@PROPERTY_SETTINGS
@given(packages=prepaid_packages(), statements=st.lists(statement_entries, max_size=5))
def test_prepaid_minutes_conserved(packages, statements):
    bought = {package.id: package.minutes_bought for package in packages}
    drawn_from: dict[int, int] = defaultdict(int)

    for number, entries in enumerate(statements):
        # Offset the ids so every statement bills different entries.
        entries = [
            billed_entry(1000 * number + e.entry_id, e.billed_minutes, e.work_date)
            for e in entries
        ]
        result = consume(packages, entries, date(2026, 11, 30))

        billed = sum(entry.billed_minutes for entry in entries)
        assert sum(draw.minutes for draw in result.draws) == billed
        consumed = sum(usage.consumed for usage in result.usages)
        assert consumed + result.overage_minutes == billed
        for usage in result.usages:
            assert usage.opening_balance - usage.consumed == usage.closing_balance
            drawn_from[usage.package_id] += usage.consumed
        packages = list(result.packages_after)

    for package in packages:
        assert (
            package.consumed_minutes + package.remaining_minutes == bought[package.id]
        )
        assert package.consumed_minutes == drawn_from[package.id]
        assert 0 <= package.remaining_minutes <= package.minutes_bought


@PROPERTY_SETTINGS
@given(
    entries=entry_lists(),
    terms=contract_terms(),
    extras=resources,
    randoms=st.randoms(use_true_random=False),
)
def test_lines_independent_of_input_order(entries, terms, extras, randoms):
    shuffled_entries = list(entries)
    shuffled_extras = list(extras)
    randoms.shuffle(shuffled_entries)
    randoms.shuffle(shuffled_extras)

    original = build_lines(entries, terms, is_holiday=is_holiday, resources=extras)
    shuffled = build_lines(
        shuffled_entries, terms, is_holiday=is_holiday, resources=shuffled_extras
    )

    assert shuffled == original


@PROPERTY_SETTINGS
@given(
    packages=prepaid_packages(),
    entries=statement_entries,
    randoms=st.randoms(use_true_random=False),
)
def test_consume_independent_of_input_order(packages, entries, randoms):
    shuffled_packages = list(packages)
    shuffled_entries = list(entries)
    randoms.shuffle(shuffled_packages)
    randoms.shuffle(shuffled_entries)

    original = consume(packages, entries, date(2026, 11, 30))
    shuffled = consume(shuffled_packages, shuffled_entries, date(2026, 11, 30))

    assert shuffled == original


@PROPERTY_SETTINGS
@given(
    entries=entry_lists(),
    rule=rounding_rules,
    randoms=st.randoms(use_true_random=False),
)
def test_allocation_independent_of_input_order(entries, rule, randoms):
    shuffled = list(entries)
    randoms.shuffle(shuffled)

    assert allocate_billed_minutes(shuffled, rule) == allocate_billed_minutes(
        entries, rule
    )


def test_exact_context_stays_local():
    # line_amount traps Inexact in a local context. Callers' context must not
    # change, or their own divisions would start raising.
    line_amount(7, Decimal("55.00"), per=60)

    assert not getcontext().traps[Inexact]
    assert getcontext().prec == 28
