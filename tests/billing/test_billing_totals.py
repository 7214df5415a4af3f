"""Statement totals, VAT, the monthly fee's allowance and logged call-outs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.services.billing_rules import (
    BillingRuleError,
    CallOut,
    ResourceKind,
    build_lines,
    monthly_allowance,
    percent_of,
    statement_totals,
    vat_amount,
)

from .support import (
    PROPERTY_SETTINGS,
    TUESDAY,
    contract_terms,
    entry_lists,
    flat_terms,
    is_holiday,
    make_entry,
    resources,
    work_dates,
)

signed_cents = st.decimals(
    min_value=Decimal("-100000.00"),
    max_value=Decimal("100000.00"),
    places=2,
    allow_nan=False,
    allow_infinity=False,
)
vat_rates = st.none() | st.decimals(
    min_value=Decimal("0"), max_value=Decimal("100"), places=2
)


@pytest.mark.parametrize(
    ("subtotal", "rate", "expected"),
    [
        ("80.00", "22", "17.60"),
        ("0.05", "10", "0.01"),
        # 0.0225 rounds down, 0.025 is a half and rounds away from zero.
        ("0.10", "22.5", "0.02"),
        ("0.25", "10", "0.03"),
        ("-0.25", "10", "-0.03"),
        ("-10.05", "22", "-2.21"),
        ("123.45", "0", "0.00"),
        ("123.45", "100", "123.45"),
    ],
)
def test_vat_amount_table(subtotal, rate, expected):
    assert vat_amount(Decimal(subtotal), Decimal(rate)) == Decimal(expected)


@pytest.mark.parametrize("rate", [Decimal("-1"), Decimal("100.01"), 22.0])
def test_vat_amount_rejects_bad_rate(rate):
    with pytest.raises(ValueError):
        vat_amount(Decimal("10.00"), rate)


def test_totals_reject_fractional_cents():
    with pytest.raises(ValueError):
        statement_totals([Decimal("1.005")], None)


@PROPERTY_SETTINGS
@given(amounts=st.lists(signed_cents, max_size=30), rate=vat_rates)
def test_totals_foot(amounts, rate):
    totals = statement_totals(amounts, rate)

    assert totals.subtotal == sum(amounts, Decimal("0.00"))
    if rate is None:
        assert totals.vat is None
        assert totals.total == totals.subtotal
    else:
        assert totals.total == totals.subtotal + totals.vat
        assert totals.vat == percent_of(totals.subtotal, rate)


@PROPERTY_SETTINGS
@given(amount=signed_cents, rate=vat_rates.filter(lambda rate: rate is not None))
def test_vat_symmetric_for_credits(amount, rate):
    assert vat_amount(-amount, rate) == -vat_amount(amount, rate)


@PROPERTY_SETTINGS
@given(
    parts=st.lists(st.integers(0, 600), max_size=6),
    included=st.integers(0, 2000),
)
def test_allowance_conserved_across_statements(parts, included):
    used = 0
    overage = 0
    for billed in parts:
        allowance = monthly_allowance(billed, included, used)
        assert allowance.included_minutes + allowance.overage_minutes == billed
        used += allowance.included_minutes
        overage += allowance.overage_minutes

    assert used == min(sum(parts), included)
    assert used + overage == sum(parts)


def test_allowance_table():
    assert monthly_allowance(150, 120) == monthly_allowance(150, 120, 0)
    assert monthly_allowance(150, 120).overage_minutes == 30
    assert monthly_allowance(50, 120, 100).included_minutes == 20
    assert monthly_allowance(50, 120, 200).overage_minutes == 50


# Logged call-outs.


def test_logged_call_out_replaces_automatic():
    terms = flat_terms(on_site_activities={"onsite"}, call_out_fee=Decimal("35.00"))
    entries = [make_entry(1, 60, activity="onsite")]

    draft = build_lines(
        entries, terms, resources=[CallOut("ASS-1", TUESDAY, Decimal(2))]
    )

    call_outs = [
        line for line in draft.resource_lines if line.kind == ResourceKind.CALL_OUT
    ]
    assert [(line.quantity, line.amount) for line in call_outs] == [
        (Decimal(2), Decimal("70.00"))
    ]


def test_logged_call_out_without_on_site_work():
    terms = flat_terms(call_out_fee=Decimal("35.00"))

    draft = build_lines([], terms, resources=[CallOut("ASS-9", TUESDAY)])

    (line,) = draft.resource_lines
    assert (line.ticket_key, line.quantity, line.amount) == (
        "ASS-9",
        Decimal(1),
        Decimal("35.00"),
    )


def test_logged_call_out_needs_fee():
    with pytest.raises(BillingRuleError) as raised:
        build_lines([], flat_terms(), resources=[CallOut("ASS-1", TUESDAY)])

    assert raised.value.code == BillingRuleError.NO_CALL_OUT_FEE


call_outs = st.lists(
    st.builds(
        CallOut,
        ticket_key=st.sampled_from(("ASS-1", "ASS-2", "ASS-3")),
        work_date=work_dates,
        visits=st.sampled_from([Decimal(1), Decimal(2)]),
    ),
    max_size=4,
)


@PROPERTY_SETTINGS
@given(
    entries=entry_lists(), terms=contract_terms(), extras=resources, logged=call_outs
)
def test_one_kind_of_call_out_per_day(entries, terms, extras, logged):
    draft = build_lines(
        entries, terms, is_holiday=is_holiday, resources=extras + logged
    )

    call_out_lines = [
        line for line in draft.resource_lines if line.kind == ResourceKind.CALL_OUT
    ]
    days = [(line.ticket_key, line.work_date) for line in call_out_lines]
    assert len(days) == len(set(days))
    logged_visits = {}
    for call_out in logged:
        key = (call_out.ticket_key, call_out.work_date)
        logged_visits[key] = logged_visits.get(key, 0) + call_out.visits
    for line in call_out_lines:
        key = (line.ticket_key, line.work_date)
        assert line.quantity == logged_visits.get(key, Decimal(1))
        assert line.amount == (line.quantity * terms.call_out_fee).quantize(
            Decimal("0.01")
        )


@PROPERTY_SETTINGS
@given(
    entries=entry_lists(),
    terms=contract_terms(),
    logged=call_outs,
    randoms=st.randoms(use_true_random=False),
)
def test_call_outs_independent_of_input_order(entries, terms, logged, randoms):
    first = build_lines(entries, terms, is_holiday=is_holiday, resources=logged)
    shuffled_entries = list(entries)
    shuffled_logged = list(logged)
    randoms.shuffle(shuffled_entries)
    randoms.shuffle(shuffled_logged)

    second = build_lines(
        shuffled_entries, terms, is_holiday=is_holiday, resources=shuffled_logged
    )

    assert second == first
