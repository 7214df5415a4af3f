"""Table tests of statement lines: grouping, rounding once, resources, totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.services.billing_rules import (
    BillingRuleError,
    Material,
    Mileage,
    ResourceKind,
    RoundingDirection,
    RoundingRule,
    RoundingScope,
    build_lines,
    hours_from_minutes,
    line_amount,
)

from .support import TUESDAY, flat_terms, make_entry

WEDNESDAY = date(2026, 11, 11)


@pytest.mark.parametrize(
    ("minutes", "expected_amount", "expected_hours"),
    [
        (20, "18.33", "0.33"),
        (50, "45.83", "0.83"),
        (70, "64.17", "1.17"),
        (1, "0.92", "0.02"),
        (60, "55.00", "1.00"),
    ],
)
def test_repeating_decimal_hours(minutes, expected_amount, expected_hours):
    line = build_lines([make_entry(1, minutes)], flat_terms("55.00")).labour_lines[0]

    assert line.amount == Decimal(expected_amount)
    assert line.hours == Decimal(expected_hours)


def test_line_rounds_once_on_summed_minutes():
    # 20 and 50 minutes at 55.00 would be 18.33 + 45.83 = 64.16 if each entry
    # were rounded. One line prices the 70 minutes once: 64.17.
    entries = [make_entry(1, 20), make_entry(2, 50)]

    draft = build_lines(entries, flat_terms("55.00"))

    assert len(draft.labour_lines) == 1
    assert draft.labour_lines[0].billed_minutes == 70
    assert draft.total_amount == Decimal("64.17")


def test_separate_tickets_round_separately_and_foot():
    entries = [make_entry(1, 20, ticket="ASS-1"), make_entry(2, 50, ticket="ASS-2")]

    draft = build_lines(entries, flat_terms("55.00"))

    amounts = [line.amount for line in draft.labour_lines]
    assert amounts == [Decimal("18.33"), Decimal("45.83")]
    assert draft.total_amount == Decimal("64.16")


def test_amount_not_derived_from_rounded_hours():
    # 10 minutes show as 0.17 h, but 0.17 x 300.00 would be 51.00.
    line = build_lines([make_entry(1, 10)], flat_terms("300.00")).labour_lines[0]

    assert line.hours == Decimal("0.17")
    assert line.amount == Decimal("50.00")


def test_lines_group_by_ticket_and_activity():
    entries = [
        make_entry(1, 30, ticket="ASS-2", activity="remote"),
        make_entry(2, 30, ticket="ASS-1", activity="remote"),
        make_entry(3, 30, ticket="ASS-1", activity="onsite"),
        make_entry(4, 30, ticket="ASS-1", activity="remote", day=WEDNESDAY),
    ]

    lines = build_lines(entries, flat_terms()).labour_lines

    keys = [(line.ticket_key, line.activity_code, line.entry_ids) for line in lines]
    assert keys == [
        ("ASS-1", "onsite", (3,)),
        ("ASS-1", "remote", (2, 4)),
        ("ASS-2", "remote", (1,)),
    ]


def test_line_carries_worked_and_billed_minutes():
    rule = RoundingRule(30, RoundingDirection.UP, RoundingScope.PER_ENTRY)
    entries = [make_entry(1, 20), make_entry(2, 35)]

    draft = build_lines(entries, flat_terms("60.00", rule))

    line = draft.labour_lines[0]
    assert line.raw_minutes == 55
    assert line.billed_minutes == 90
    assert line.amount == Decimal("90.00")
    assert [billing.billed_minutes for billing in draft.entries] == [30, 60]


def test_non_billable_entries_make_no_line():
    entries = [make_entry(1, 30), make_entry(2, 45, billable=False)]

    draft = build_lines(entries, flat_terms("60.00"))

    assert [line.entry_ids for line in draft.labour_lines] == [(1,)]
    assert draft.total_amount == Decimal("30.00")
    assert draft.entries[1].raw_minutes == 45
    assert draft.entries[1].billed_minutes == 0


def test_empty_statement_totals_zero():
    draft = build_lines([], flat_terms())

    assert draft.labour_lines == ()
    assert draft.resource_lines == ()
    assert draft.total_amount == Decimal("0.00")
    assert draft.total_billed_minutes == 0


def test_call_out_once_per_ticket_and_day():
    terms = flat_terms(
        "60.00", on_site_activities={"onsite"}, call_out_fee=Decimal("35.00")
    )
    entries = [
        make_entry(1, 60, activity="onsite"),
        make_entry(2, 30, activity="onsite"),
        make_entry(3, 30, activity="remote", ticket="ASS-2"),
        make_entry(4, 60, activity="onsite", day=WEDNESDAY),
        make_entry(5, 60, activity="onsite", ticket="ASS-3", billable=False),
    ]

    draft = build_lines(entries, terms)

    call_outs = [
        (line.ticket_key, line.work_date, line.amount) for line in draft.resource_lines
    ]
    assert call_outs == [
        ("ASS-1", TUESDAY, Decimal("35.00")),
        ("ASS-1", WEDNESDAY, Decimal("35.00")),
    ]
    assert {line.kind for line in draft.resource_lines} == {ResourceKind.CALL_OUT}
    # 180 minutes at 60.00 plus two call-outs.
    assert draft.total_amount == Decimal("250.00")


def test_no_call_out_without_fee():
    terms = flat_terms(on_site_activities={"onsite"})

    draft = build_lines([make_entry(1, 60, activity="onsite")], terms)

    assert draft.resource_lines == ()


def test_mileage_line_sums_km_per_ticket_and_day():
    terms = flat_terms(rate_per_km=Decimal("0.45"))
    resources = [
        Mileage("ASS-1", TUESDAY, Decimal("12.5")),
        Mileage("ASS-1", TUESDAY, Decimal("12.5")),
        Mileage("ASS-1", WEDNESDAY, Decimal("3")),
    ]

    lines = build_lines([], terms, resources=resources).resource_lines

    assert [line.quantity for line in lines] == [Decimal("25.0"), Decimal("3")]
    assert [line.amount for line in lines] == [Decimal("11.25"), Decimal("1.35")]
    assert {line.kind for line in lines} == {ResourceKind.MILEAGE}


def test_mileage_rounds_once_per_line():
    # Rounded per trip, 1 km at 0.333 would be 0.33 three times, 0.99 in all.
    # The line prices the summed 3 km once: 0.999 rounds to 1.00.
    terms = flat_terms(rate_per_km=Decimal("0.333"))
    resources = [Mileage("ASS-1", TUESDAY, Decimal("1")) for _ in range(3)]

    line = build_lines([], terms, resources=resources).resource_lines[0]

    assert line.amount == Decimal("1.00")


def test_mileage_without_km_rate_raises():
    with pytest.raises(BillingRuleError) as caught:
        build_lines([], flat_terms(), resources=[Mileage("ASS-7", TUESDAY, Decimal(5))])

    assert caught.value.code == BillingRuleError.NO_KM_RATE
    assert caught.value.params == {"ticket": "ASS-7"}


def test_material_line():
    resources = [
        Material("ASS-1", TUESDAY, "Cavo di rete", Decimal("3"), Decimal("4.99")),
        Material("ASS-1", TUESDAY, "Cavo di rete", Decimal("2"), Decimal("4.99")),
        Material("ASS-1", TUESDAY, "Switch 8 porte", Decimal("1"), Decimal("39.90")),
    ]

    lines = build_lines([], flat_terms(), resources=resources).resource_lines

    summary = [(line.description, line.quantity, line.amount) for line in lines]
    assert summary == [
        ("Cavo di rete", Decimal("5"), Decimal("24.95")),
        ("Switch 8 porte", Decimal("1"), Decimal("39.90")),
    ]


def test_resources_order_within_ticket_day():
    terms = flat_terms(
        on_site_activities={"onsite"},
        call_out_fee=Decimal("35.00"),
        rate_per_km=Decimal("0.50"),
    )
    resources = [
        Material("ASS-1", TUESDAY, "Cavo di rete", Decimal("1"), Decimal("5.00")),
        Mileage("ASS-1", TUESDAY, Decimal("20")),
    ]
    entries = [make_entry(1, 60, activity="onsite")]

    draft = build_lines(entries, terms, resources=resources)

    kinds = [line.kind for line in draft.resource_lines]
    assert kinds == [ResourceKind.CALL_OUT, ResourceKind.MILEAGE, ResourceKind.MATERIAL]
    # Labour 60.00, call-out 35.00, 20 km 10.00, material 5.00.
    assert draft.total_amount == Decimal("110.00")


def test_resources_reject_floats_and_zero():
    with pytest.raises(TypeError, match="must be a Decimal"):
        Mileage("ASS-1", TUESDAY, 12.5)
    with pytest.raises(ValueError, match="greater than zero"):
        Material("ASS-1", TUESDAY, "Cavo", Decimal(0), Decimal("1.00"))


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(0, "0.00"), (1, "0.02"), (20, "0.33"), (40, "0.67"), (90, "1.50")],
)
def test_hours_from_minutes(minutes, expected):
    assert hours_from_minutes(minutes) == Decimal(expected)


def test_line_amount_rounds_exact_half_up():
    # 0.5 x 0.01 is exactly half a cent, which rounds up.
    assert line_amount(Decimal("0.5"), Decimal("0.01")) == Decimal("0.01")
    assert line_amount(Decimal("0.4999"), Decimal("0.01")) == Decimal("0.00")
    # 1 minute at 0.30/h is exactly 0.005.
    assert line_amount(1, Decimal("0.30"), per=60) == Decimal("0.01")
