"""Table tests of rounding rules, minimum charges and per-ticket-day totals."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.billing_rules import (
    ALLOWED_INCREMENTS,
    RoundingDirection,
    RoundingRule,
    RoundingScope,
    allocate_billed_minutes,
    billed_minutes,
    distribute_minutes,
)

from .support import make_entry

UP = RoundingDirection.UP
NEAREST = RoundingDirection.NEAREST
DOWN = RoundingDirection.DOWN
PER_ENTRY = RoundingScope.PER_ENTRY
PER_DAY = RoundingScope.PER_TICKET_DAY


def billed_by_id(entries, rule: RoundingRule) -> dict[int, int]:
    billings = allocate_billed_minutes(entries, rule)
    return {billing.entry_id: billing.billed_minutes for billing in billings}


@pytest.mark.parametrize(
    ("raw", "increment", "direction", "expected"),
    [
        (1, 15, UP, 15),
        (16, 15, UP, 30),
        (14, 15, DOWN, 0),
        (29, 15, DOWN, 15),
        # Half of 15 is 7.5 minutes: 7 is below it, 8 above.
        (7, 15, NEAREST, 0),
        (8, 15, NEAREST, 15),
        (22, 15, NEAREST, 15),
        (23, 15, NEAREST, 30),
        # Exact halves round up.
        (3, 6, NEAREST, 6),
        (5, 10, NEAREST, 10),
        (15, 30, NEAREST, 30),
        (90, 60, NEAREST, 120),
        (89, 60, NEAREST, 60),
        (2, 5, NEAREST, 0),
        (61, 60, UP, 120),
        (61, 1, UP, 61),
    ],
)
def test_billed_minutes_rounds(raw, increment, direction, expected):
    rule = RoundingRule(increment, direction)
    assert billed_minutes(raw, rule) == expected


@pytest.mark.parametrize("increment", sorted(ALLOWED_INCREMENTS))
@pytest.mark.parametrize("direction", list(RoundingDirection))
def test_exact_multiples_unchanged(increment, direction):
    rule = RoundingRule(increment, direction)
    for multiple in range(1, 25):
        raw = multiple * increment
        assert billed_minutes(raw, rule) == raw, f"{raw} min changed"


@pytest.mark.parametrize("direction", list(RoundingDirection))
def test_zero_minutes_bill_zero(direction):
    rule = RoundingRule(15, direction, minimum_minutes=30)
    assert billed_minutes(0, rule) == 0


@pytest.mark.parametrize(
    ("raw", "direction", "expected"),
    [
        (1, UP, 30),
        (10, UP, 30),
        (30, UP, 30),
        (31, UP, 45),
        # Rounding down to zero still bills the minimum, since work was done.
        (5, DOWN, 30),
        (7, NEAREST, 30),
        (50, DOWN, 45),
    ],
)
def test_minimum_charge(raw, direction, expected):
    rule = RoundingRule(15, direction, minimum_minutes=30)
    assert billed_minutes(raw, rule) == expected


def test_minimum_charge_per_entry_scope():
    rule = RoundingRule(15, UP, PER_ENTRY, minimum_minutes=30)
    entries = [make_entry(1, 10), make_entry(2, 10), make_entry(3, 10)]

    assert billed_by_id(entries, rule) == {1: 30, 2: 30, 3: 30}


def test_minimum_charge_per_ticket_day_scope():
    # Under PER_TICKET_DAY the minimum applies once, to the day's 30 minutes.
    rule = RoundingRule(15, UP, PER_DAY, minimum_minutes=60)
    entries = [make_entry(1, 10), make_entry(2, 10), make_entry(3, 10)]

    assert billed_by_id(entries, rule) == {1: 20, 2: 20, 3: 20}


def test_short_entries_adding_to_an_hour():
    # Twelve 5-minute calls on one ticket and day: one hour of work.
    entries = [make_entry(entry_id, 5) for entry_id in range(1, 13)]

    # Per entry, each call rounds up to 15 minutes, so the hour bills three.
    per_entry = billed_by_id(entries, RoundingRule(15, UP, PER_ENTRY))
    assert sum(per_entry.values()) == 180
    assert set(per_entry.values()) == {15}

    # Per ticket-day, the 60 minutes are a multiple of 15 and bill as worked.
    per_day = billed_by_id(entries, RoundingRule(15, UP, PER_DAY))
    assert sum(per_day.values()) == 60
    assert set(per_day.values()) == {5}


@pytest.mark.parametrize(
    ("rule", "expected_totals"),
    [
        # expected total billed for: one entry, 3 x 30, 20 + 20 + 50
        (RoundingRule(15, UP, PER_ENTRY), (90, 90, 120)),
        (RoundingRule(15, UP, PER_DAY), (90, 90, 90)),
        (RoundingRule(60, UP, PER_ENTRY), (120, 180, 180)),
        (RoundingRule(60, UP, PER_DAY), (120, 120, 120)),
        # 30 is half an hour and rounds up, but 20 rounds down to nothing.
        (RoundingRule(60, NEAREST, PER_ENTRY), (120, 180, 60)),
        (RoundingRule(30, DOWN, PER_ENTRY), (90, 90, 30)),
        (RoundingRule(30, DOWN, PER_DAY), (90, 90, 90)),
    ],
    ids=lambda value: (
        f"{value.increment_minutes}-{value.direction}-{value.scope}"
        if isinstance(value, RoundingRule)
        else "-".join(map(str, value))
    ),
)
def test_ninety_minutes_split_three_ways(rule, expected_totals):
    one_entry = [make_entry(1, 90)]
    thirds = [make_entry(1, 30), make_entry(2, 30), make_entry(3, 30)]
    uneven = [make_entry(1, 20), make_entry(2, 20), make_entry(3, 50)]

    totals = tuple(
        sum(billed_by_id(entries, rule).values())
        for entries in (one_entry, thirds, uneven)
    )
    assert totals == expected_totals


def test_distribution_tie_goes_to_lower_id():
    # 90 minutes round up to 120. Exact shares are 26.67, 26.67 and 66.67, all
    # with the same remainder, so the two spare minutes go to ids 4 and 7.
    entries = [make_entry(9, 50), make_entry(7, 20), make_entry(4, 20)]

    billed = billed_by_id(entries, RoundingRule(60, UP, PER_DAY))

    assert billed == {4: 27, 7: 27, 9: 66}


def test_ticket_day_worked_and_billed():
    billing = allocate_billed_minutes(
        [make_entry(1, 20)], RoundingRule(30, UP, PER_DAY)
    )[0]

    assert billing.raw_minutes == 20
    assert billing.billed_minutes == 30


def test_ticket_day_groups_by_ticket_and_date():
    entries = [
        make_entry(1, 10, ticket="ASS-1", day=date(2026, 11, 10)),
        make_entry(2, 10, ticket="ASS-1", day=date(2026, 11, 10)),
        make_entry(3, 10, ticket="ASS-2", day=date(2026, 11, 10)),
        make_entry(4, 10, ticket="ASS-1", day=date(2026, 11, 11)),
    ]

    billed = billed_by_id(entries, RoundingRule(30, UP, PER_DAY))

    assert billed[1] + billed[2] == 30
    assert billed[3] == 30
    assert billed[4] == 30


def test_non_billable_entry_bills_zero():
    entries = [make_entry(1, 20), make_entry(2, 20, billable=False)]

    billings = allocate_billed_minutes(entries, RoundingRule(30, UP, PER_DAY))

    assert billings[0].billed_minutes == 30
    assert billings[1].billed_minutes == 0
    assert billings[1].raw_minutes == 20
    assert billings[1].is_billable is False


def test_allocation_sorted_by_entry_id():
    entries = [make_entry(3, 10), make_entry(1, 10), make_entry(2, 10)]

    billings = allocate_billed_minutes(entries, RoundingRule())

    assert [billing.entry_id for billing in billings] == [1, 2, 3]


def test_distribute_minutes_exact_shares():
    assert distribute_minutes(60, {1: 10, 2: 20, 3: 30}) == {1: 10, 2: 20, 3: 30}


def test_distribute_minutes_zero_weight():
    assert distribute_minutes(0, {1: 0, 2: 0}) == {1: 0, 2: 0}
    with pytest.raises(ValueError, match="zero weight"):
        distribute_minutes(15, {1: 0})


def test_rule_accepts_stored_strings():
    rule = RoundingRule(15, "nearest", "per_ticket_day")

    assert rule.direction is NEAREST
    assert rule.scope is PER_DAY


@pytest.mark.parametrize("increment", [0, 7, 20, 45, 120])
def test_rule_rejects_other_increments(increment):
    with pytest.raises(ValueError, match="increment_minutes"):
        RoundingRule(increment)


def test_rule_rejects_unknown_direction():
    with pytest.raises(ValueError, match="sideways"):
        RoundingRule(15, "sideways")


def test_rejects_negative_and_non_integer_minutes():
    with pytest.raises(ValueError, match="zero or more"):
        billed_minutes(-5, RoundingRule())
    with pytest.raises(TypeError, match="whole minutes"):
        billed_minutes(1.5, RoundingRule())
    with pytest.raises(ValueError, match="zero or more"):
        make_entry(1, -1)


def test_allocation_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="entry id 1 appears more than once"):
        allocate_billed_minutes([make_entry(1, 10), make_entry(1, 20)], RoundingRule())
