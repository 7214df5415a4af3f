"""Table tests of prepaid hour packages (monte ore)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.services.billing_rules import (
    BillingRuleError,
    Draw,
    EntryBilling,
    PrepaidPackage,
    consume,
    overage_amount,
)

AS_OF = date(2026, 11, 30)


def package(
    package_id: int,
    minutes: int,
    purchased: date = date(2026, 1, 1),
    expires: date = date(2026, 12, 31),
    consumed: int = 0,
) -> PrepaidPackage:
    return PrepaidPackage(
        id=package_id,
        minutes_bought=minutes,
        purchase_date=purchased,
        expiry_date=expires,
        price=Decimal("500.00"),
        consumed_minutes=consumed,
    )


def billed(entry_id: int, minutes: int, day: date = date(2026, 11, 10)) -> EntryBilling:
    return EntryBilling(
        entry_id=entry_id,
        ticket_key="ASS-1",
        work_date=day,
        raw_minutes=minutes,
        billed_minutes=minutes,
        is_billable=True,
    )


def test_consume_oldest_package_first():
    packages = [
        package(2, 600, purchased=date(2026, 3, 1)),
        package(1, 600, purchased=date(2026, 6, 1)),
    ]

    result = consume(packages, [billed(10, 90)], AS_OF)

    assert result.draws == (Draw(10, 2, 90),)
    assert [usage.package_id for usage in result.usages] == [2, 1]
    assert [usage.consumed for usage in result.usages] == [90, 0]


def test_consume_same_purchase_date_by_id():
    packages = [package(7, 600), package(3, 600)]

    result = consume(packages, [billed(10, 90)], AS_OF)

    assert result.draws == (Draw(10, 3, 90),)


def test_consume_splits_entry_across_packages():
    packages = [package(1, 60), package(2, 600, purchased=date(2026, 2, 1))]

    result = consume(packages, [billed(10, 90)], AS_OF)

    assert result.draws == (Draw(10, 1, 60), Draw(10, 2, 30))
    first, second = result.usages
    assert (first.opening_balance, first.consumed, first.closing_balance) == (60, 60, 0)
    assert (second.opening_balance, second.consumed, second.closing_balance) == (
        600,
        30,
        570,
    )
    assert result.overage_minutes == 0


def test_consume_overage_after_packages_run_out():
    result = consume([package(1, 100)], [billed(10, 60), billed(11, 60)], AS_OF)

    assert result.draws == (Draw(10, 1, 60), Draw(11, 1, 40), Draw(11, None, 20))
    assert result.overage_minutes == 20
    assert result.usages[0].closing_balance == 0


def test_consume_without_packages_is_all_overage():
    result = consume([], [billed(10, 45)], AS_OF)

    assert result.draws == (Draw(10, None, 45),)
    assert result.overage_minutes == 45


def test_consume_skips_package_expired_on_work_date():
    packages = [
        package(1, 600, expires=date(2026, 11, 9)),
        package(2, 600, purchased=date(2026, 2, 1)),
    ]
    entries = [billed(10, 30, date(2026, 11, 9)), billed(11, 30, date(2026, 11, 10))]

    result = consume(packages, entries, AS_OF)

    # The expiry date is the last day a package covers.
    assert result.draws == (Draw(10, 1, 30), Draw(11, 2, 30))
    assert result.usages[0].is_expired is True
    assert result.usages[1].is_expired is False


def test_consume_skips_package_bought_after_work_date():
    packages = [package(1, 600, purchased=date(2026, 11, 15))]
    entries = [billed(10, 30, date(2026, 11, 14)), billed(11, 30, date(2026, 11, 15))]

    result = consume(packages, entries, AS_OF)

    assert result.draws == (Draw(10, None, 30), Draw(11, 1, 30))


def test_consume_takes_entries_by_date_then_id():
    entries = [
        billed(5, 60, date(2026, 11, 20)),
        billed(9, 60, date(2026, 11, 2)),
        billed(3, 60, date(2026, 11, 2)),
    ]

    result = consume([package(1, 100)], entries, AS_OF)

    assert result.draws == (
        Draw(3, 1, 60),
        Draw(9, 1, 40),
        Draw(9, None, 20),
        Draw(5, None, 60),
    )


@pytest.mark.parametrize(
    ("consumed_before", "minutes", "expected"),
    [
        (0, 449, ()),
        (0, 450, (75,)),
        (0, 540, (75, 90)),
        (0, 600, (75, 90, 100)),
        (0, 700, (75, 90, 100)),
        (450, 90, (90,)),
        (450, 89, ()),
        (540, 60, (100,)),
        (600, 30, ()),
    ],
)
def test_consume_alert_thresholds(consumed_before, minutes, expected):
    packages = [package(1, 600, consumed=consumed_before)]

    result = consume(packages, [billed(10, minutes)], AS_OF)

    assert result.usages[0].new_thresholds == expected


def test_statements_chain_and_alert_once():
    packages = [package(1, 600)]

    first = consume(packages, [billed(10, 500, date(2026, 10, 20))], date(2026, 10, 31))
    second = consume(first.packages_after, [billed(11, 200)], AS_OF)

    assert first.usages[0].new_thresholds == (75,)
    assert first.packages_after[0].consumed_minutes == 500
    assert second.usages[0].opening_balance == 100
    assert second.usages[0].new_thresholds == (90, 100)
    assert second.usages[0].closing_balance == 0
    assert second.overage_minutes == 100


def test_consume_rejects_entries_after_statement_date():
    with pytest.raises(ValueError, match="after the statement date"):
        consume([package(1, 60)], [billed(10, 30, date(2026, 12, 1))], AS_OF)


def test_consume_rejects_duplicate_ids():
    with pytest.raises(ValueError, match="package ids must be unique"):
        consume([package(1, 60), package(1, 90)], [], AS_OF)
    with pytest.raises(ValueError, match="entry ids must be unique"):
        consume([], [billed(10, 30), billed(10, 45)], AS_OF)


def test_package_rejects_invalid_balances():
    with pytest.raises(ValueError, match="at least one minute"):
        package(1, 0)
    with pytest.raises(ValueError, match="cannot have consumed 90 of its 60"):
        package(1, 60, consumed=90)
    with pytest.raises(ValueError, match="expires before its purchase date"):
        package(1, 60, purchased=date(2026, 5, 1), expires=date(2026, 4, 30))
    with pytest.raises(TypeError, match="must be a Decimal"):
        PrepaidPackage(1, 60, date(2026, 1, 1), date(2026, 12, 31), 500.0)


@pytest.mark.parametrize(
    ("minutes", "rate", "expected"),
    [(0, None, "0.00"), (20, "55.00", "18.33"), (90, "70.00", "105.00")],
)
def test_overage_amount(minutes, rate, expected):
    overage_rate = Decimal(rate) if rate else None

    assert overage_amount(minutes, overage_rate) == Decimal(expected)


def test_overage_without_rate_raises():
    with pytest.raises(BillingRuleError) as caught:
        overage_amount(15, None)

    assert caught.value.code == BillingRuleError.NO_OVERAGE_RATE
