"""Prepaid packages and monthly fees on statements: items, draws, package lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    BillingModel,
    EntryStatus,
    ItemKind,
    PackageDraw,
    Statement,
)
from portal.services.statements import (
    PricingError,
    build_preview,
    void_statement,
)

from .conftest import NOVEMBER
from .pricing_support import (
    add_package,
    contract_of,
    issue,
    package_consumed,
    set_terms,
)

APPROVED = EntryStatus.APPROVED
DECEMBER = date(2026, 12, 1)


@pytest.fixture
def prepaid_ticket(make_customer, make_ticket):
    customer = make_customer(name="Monte Ore Spa")
    set_terms(
        contract_of(customer),
        billing_model=BillingModel.PREPAID,
        overage_rate=Decimal("80.00"),
    )
    return make_ticket(customer, key="ASS-4001", title="Server posta")


@pytest.fixture
def fee_ticket(make_customer, make_ticket):
    customer = make_customer(name="Canone Fisso Srl")
    set_terms(
        contract_of(customer),
        billing_model=BillingModel.MONTHLY_FEE,
        monthly_fee=Decimal("500.00"),
        monthly_included_minutes=120,
        overage_rate=Decimal("80.00"),
    )
    return make_ticket(customer, key="ASS-5001", title="Assistenza continuativa")


def _kinds(items) -> list[str]:
    return [item.kind.value for item in items]


# Prepaid.


def test_prepaid_labour_included_and_drawn(
    prepaid_ticket, make_entry, agent, accountant, in_request
):
    package = add_package(contract_of(prepaid_ticket.customer), 600)
    first = make_entry(prepaid_ticket, agent, 90, APPROVED, date(2026, 11, 3))
    second = make_entry(prepaid_ticket, agent, 30, APPROVED, date(2026, 11, 4))

    statement = issue(accountant, prepaid_ticket.customer)

    (item,) = statement.items
    assert item.kind == ItemKind.LABOUR
    assert item.is_included
    assert item.billed_minutes == 120
    assert item.amount == Decimal("0.00")
    assert statement.total_amount == Decimal("0.00")
    (movement,) = statement.package_lines
    assert movement.package_id == package.id
    assert (movement.opening_minutes, movement.consumed_minutes) == (600, 120)
    assert movement.closing_minutes == 480
    draws = db.session.scalars(sa.select(PackageDraw).order_by(PackageDraw.id)).all()
    assert [(d.time_entry_id, d.minutes) for d in draws] == [
        (first.id, 90),
        (second.id, 30),
    ]
    assert all(draw.statement_id == statement.id for draw in draws)


def test_prepaid_overage_beyond_packages(
    prepaid_ticket, make_entry, agent, accountant, in_request
):
    contract = contract_of(prepaid_ticket.customer)
    add_package(contract, 60, date(2026, 10, 1), name="Vecchio")
    add_package(contract, 60, date(2026, 10, 15), name="Nuovo")
    make_entry(prepaid_ticket, agent, 150, APPROVED, date(2026, 11, 3))

    statement = issue(accountant, prepaid_ticket.customer)

    assert _kinds(statement.items) == ["labour", "overage"]
    overage = statement.items[1]
    assert overage.billed_minutes == 30
    assert overage.unit_price == Decimal("80.00")
    assert overage.amount == Decimal("40.00")
    assert statement.total_amount == Decimal("40.00")
    movements = [
        (p.package_name, p.consumed_minutes, p.closing_minutes)
        for p in statement.package_lines
    ]
    assert movements == [("Vecchio", 60, 0), ("Nuovo", 60, 0)]


def test_prepaid_package_expired_not_drawn(
    prepaid_ticket, make_entry, agent, in_request
):
    contract = contract_of(prepaid_ticket.customer)
    add_package(contract, 600, date(2025, 1, 1), date(2025, 12, 31), name="Scaduto")
    make_entry(prepaid_ticket, agent, 60, APPROVED, date(2026, 11, 3))

    preview = build_preview(prepaid_ticket.customer, NOVEMBER)

    assert _kinds(preview.pricing.items) == ["labour", "overage"]
    assert preview.pricing.packages == ()
    assert preview.pricing.total == Decimal("80.00")


def test_prepaid_overage_without_rate_blocks(
    prepaid_ticket, make_entry, agent, in_request
):
    set_terms(contract_of(prepaid_ticket.customer), overage_rate=None)
    make_entry(prepaid_ticket, agent, 60, APPROVED, date(2026, 11, 3))

    with pytest.raises(PricingError) as raised:
        build_preview(prepaid_ticket.customer, NOVEMBER)

    assert raised.value.status == 422
    assert "exceed the prepaid packages" in raised.value.message


def test_prepaid_balance_carries_to_next_statement(
    prepaid_ticket, make_entry, agent, accountant, in_request
):
    package = add_package(contract_of(prepaid_ticket.customer), 120)
    make_entry(prepaid_ticket, agent, 90, APPROVED, date(2026, 11, 3))
    issue(accountant, prepaid_ticket.customer)
    make_entry(prepaid_ticket, agent, 60, APPROVED, date(2026, 12, 3))

    december = issue(accountant, prepaid_ticket.customer, DECEMBER)

    (movement,) = december.package_lines
    assert (movement.opening_minutes, movement.consumed_minutes) == (30, 30)
    assert movement.closing_minutes == 0
    assert december.items[-1].kind == ItemKind.OVERAGE
    assert december.items[-1].billed_minutes == 30
    assert package_consumed(package) == 120


def test_void_returns_prepaid_minutes(
    prepaid_ticket, make_entry, agent, accountant, in_request
):
    package = add_package(contract_of(prepaid_ticket.customer), 120)
    make_entry(prepaid_ticket, agent, 90, APPROVED, date(2026, 11, 3))
    first = issue(accountant, prepaid_ticket.customer)
    assert package_consumed(package) == 90

    void_statement(accountant, first, "Ore registrate sul contratto sbagliato")
    db.session.commit()

    assert package_consumed(package) == 0
    again = issue(accountant, prepaid_ticket.customer)
    assert again.package_lines[0].opening_minutes == 120
    assert again.package_lines[0].consumed_minutes == 90
    assert package_consumed(package) == 90


# Monthly fee.


def test_monthly_fee_with_overage(
    fee_ticket, make_entry, agent, accountant, in_request
):
    make_entry(fee_ticket, agent, 100, APPROVED, date(2026, 11, 3))
    make_entry(fee_ticket, agent, 50, APPROVED, date(2026, 11, 4))

    statement = issue(accountant, fee_ticket.customer)

    assert _kinds(statement.items) == ["monthly_fee", "labour", "overage"]
    fee, labour, overage = statement.items
    assert fee.amount == Decimal("500.00")
    assert labour.is_included
    assert labour.amount == Decimal("0.00")
    assert overage.billed_minutes == 30
    assert overage.amount == Decimal("40.00")
    assert statement.subtotal_amount == Decimal("540.00")


def test_monthly_fee_without_work(fee_ticket, accountant, in_request):
    statement = issue(accountant, fee_ticket.customer)

    assert _kinds(statement.items) == ["monthly_fee"]
    assert statement.total_amount == Decimal("500.00")
    assert statement.lines == []


def test_monthly_fee_once_per_month(
    fee_ticket, make_entry, agent, accountant, in_request
):
    make_entry(fee_ticket, agent, 100, APPROVED, date(2026, 11, 3))
    issue(accountant, fee_ticket.customer)
    make_entry(fee_ticket, agent, 50, APPROVED, date(2026, 11, 20))

    second = issue(accountant, fee_ticket.customer)

    # 20 included minutes were left after the first statement's 100.
    assert _kinds(second.items) == ["labour", "overage"]
    assert second.items[1].billed_minutes == 30
    assert second.total_amount == Decimal("40.00")


def test_monthly_fee_again_after_void(
    fee_ticket, make_entry, agent, accountant, in_request
):
    make_entry(fee_ticket, agent, 100, APPROVED, date(2026, 11, 3))
    first = issue(accountant, fee_ticket.customer)
    void_statement(accountant, first, "Canone errato")
    db.session.commit()

    again = issue(accountant, fee_ticket.customer)

    assert _kinds(again.items) == ["monthly_fee", "labour"]
    assert again.total_amount == Decimal("500.00")


def test_monthly_fee_nothing_left_to_bill(fee_ticket, accountant, in_request):
    issue(accountant, fee_ticket.customer)

    preview = build_preview(fee_ticket.customer, NOVEMBER)

    assert preview.is_empty


def test_monthly_fee_without_amount_blocks(fee_ticket, in_request):
    set_terms(contract_of(fee_ticket.customer), monthly_fee=None)

    with pytest.raises(PricingError) as raised:
        build_preview(fee_ticket.customer, NOVEMBER)

    assert "no fee amount" in raised.value.message


def test_monthly_fee_overage_without_rate_blocks(
    fee_ticket, make_entry, agent, in_request
):
    set_terms(contract_of(fee_ticket.customer), overage_rate=None)
    make_entry(fee_ticket, agent, 150, APPROVED, date(2026, 11, 3))

    with pytest.raises(PricingError) as raised:
        build_preview(fee_ticket.customer, NOVEMBER)

    assert "included in the monthly fee" in raised.value.message


def test_monthly_fee_contract_ended_before_month(fee_ticket, in_request):
    contract_of(fee_ticket.customer).valid_to = date(2026, 10, 31)
    db.session.commit()

    preview = build_preview(fee_ticket.customer, NOVEMBER)

    assert preview.is_empty
    assert db.session.scalar(sa.select(sa.func.count(Statement.id))) == 0
