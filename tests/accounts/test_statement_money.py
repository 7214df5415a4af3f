"""Table tests of legacy line amounts and of the sums that summarize() adds up."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.models import ItemKind
from portal.services.statements import DetailLine, line_amount, summarize


@pytest.mark.parametrize(
    ("minutes", "rate", "expected"),
    [
        (20, "60.00", "20.00"),
        (50, "55.00", "45.83"),
        (10, "33.33", "5.56"),
        (20, "50.00", "16.67"),
        (1, "60.00", "1.00"),
        (1, "0.01", "0.00"),
        # 1 min at 0.30/h is exactly 0.005, so half-up goes to the next cent.
        (1, "0.30", "0.01"),
        (1, "0.29", "0.00"),
        (45, "0.00", "0.00"),
        (0, "60.00", "0.00"),
        (90, "40.00", "60.00"),
        (1440, "9999.99", "239999.76"),
        (1440, "99999999.99", "2399999999.76"),
    ],
)
def test_line_amount_table(minutes, rate, expected):
    assert line_amount(minutes, Decimal(rate)) == Decimal(expected)


def test_line_amount_has_two_places():
    amount = line_amount(60, Decimal("60"))

    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("minutes", "rate", "error"),
    [
        (20, 60.0, TypeError),
        (20, 60, TypeError),
        (20.0, Decimal("60"), TypeError),
        (True, Decimal("60"), TypeError),
        (-5, Decimal("60"), ValueError),
    ],
)
def test_line_amount_rejects_bad_input(minutes, rate, error):
    with pytest.raises(error):
        line_amount(minutes, rate)


def _line(key: str, minutes: int, rate: str, day: int = 1) -> DetailLine:
    """Build a detail line priced on its own, as statements before items were."""
    return DetailLine(
        kind=ItemKind.LABOUR,
        time_entry_id=day,
        resource_entry_id=None,
        ticket_key=key,
        ticket_title=f"Ticket {key}",
        work_date=date(2026, 11, day),
        agent_name="Luca",
        activity="Assistenza remota",
        description="",
        minutes=minutes,
        raw_minutes=minutes,
        amount=line_amount(minutes, Decimal(rate)),
    )


def test_three_twenty_minute_lines_add_printed_cents():
    bill = summarize([_line("A-1", 20, "50.00", day) for day in (1, 2, 3)])

    # Each line prints 16.67, so the total is 50.01, not 50.00.
    assert [line.amount for line in bill.groups[0].lines] == [Decimal("16.67")] * 3
    assert bill.groups[0].amount == Decimal("50.01")
    assert bill.amount == Decimal("50.01")
    assert bill.minutes == 60


def test_summarize_groups_in_first_seen_order():
    lines = [
        _line("B-2", 30, "60.00", 1),
        _line("A-1", 20, "60.00", 2),
        _line("B-2", 15, "60.00", 3),
    ]

    bill = summarize(lines)

    assert [group.ticket_key for group in bill.groups] == ["B-2", "A-1"]
    assert [line.time_entry_id for line in bill.groups[0].lines] == [1, 3]
    assert bill.groups[0].minutes == 45
    assert bill.groups[0].amount == Decimal("45.00")
    assert bill.groups[1].amount == Decimal("20.00")
    assert bill.amount == Decimal("65.00")
    assert bill.line_count == 3


def test_summarize_empty():
    bill = summarize([])

    assert bill.is_empty
    assert bill.minutes == 0
    assert bill.amount == Decimal("0.00")


def test_summarize_lines_without_amounts():
    lines = [
        DetailLine(
            kind=ItemKind.LABOUR,
            time_entry_id=day,
            resource_entry_id=None,
            ticket_key="A-1",
            ticket_title="Ticket A-1",
            work_date=date(2026, 11, day),
            agent_name="Luca",
            activity="Assistenza remota",
            description="",
            minutes=30,
            raw_minutes=20,
        )
        for day in (1, 2)
    ]

    bill = summarize(lines)

    assert bill.amount is None
    assert bill.groups[0].amount is None
    assert bill.minutes == 60
    assert bill.raw_minutes == 40


@given(
    rate=st.decimals(min_value=0, max_value=10000, places=2),
    entries=st.lists(
        st.tuples(st.sampled_from(["A-1", "B-2", "C-3"]), st.integers(1, 1440)),
        min_size=1,
        max_size=30,
    ),
)
def test_total_equals_sum_of_printed_lines(rate, entries):
    lines = [_line(key, minutes, str(rate)) for key, minutes in entries]

    bill = summarize(lines)

    assert bill.amount == sum(line.amount for line in lines)
    assert bill.amount == sum(group.amount for group in bill.groups)
    assert bill.minutes == sum(minutes for _key, minutes in entries)


@given(minutes=st.integers(0, 1440), cents=st.integers(0, 10**9))
def test_line_amount_matches_exact_fraction(minutes, cents):
    rate = Decimal(cents) / 100
    exact = Fraction(minutes) * Fraction(cents, 100) / 60
    expected = Decimal(exact.numerator) / Decimal(exact.denominator)

    amount = line_amount(minutes, rate)

    assert amount == expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
