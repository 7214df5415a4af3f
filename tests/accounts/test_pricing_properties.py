"""Property tests of issued statements on the database.

Each example creates its own customer, so examples share the database but
never each other's rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import (
    BillingModel,
    EntryStatus,
    ItemKind,
    PrepaidPackage,
    Statement,
    StatementStatus,
)
from portal.services.billing_rules import (
    ALLOWED_INCREMENTS,
    RoundingDirection,
    RoundingScope,
)
from portal.services.statements import build_preview, void_statement

from .conftest import NOVEMBER
from .pricing_support import (
    add_package,
    contract_of,
    issue,
    package_consumed,
    set_terms,
)

# Each example writes to the database, so keep the count modest.
DB_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

november_days = st.integers(1, 30).map(lambda day: date(2026, 11, day))
work = st.lists(
    st.tuples(st.integers(0, 2), november_days, st.integers(1, 300)),
    min_size=1,
    max_size=12,
)
terms = st.fixed_dictionaries(
    {
        "rounding_increment": st.sampled_from(sorted(ALLOWED_INCREMENTS)),
        "rounding_direction": st.sampled_from(list(RoundingDirection)),
        "rounding_scope": st.sampled_from(list(RoundingScope)),
        "minimum_minutes": st.sampled_from([0, 15, 30]),
        "saturday_multiplier": st.sampled_from([Decimal("1"), Decimal("1.5")]),
        "hourly_rate": st.decimals(
            min_value=Decimal("0.01"), max_value=Decimal("250.00"), places=2
        ),
    }
)


def _customer_with_work(make_customer, make_ticket, make_entry, agent, entries, terms):
    customer = make_customer()
    set_terms(contract_of(customer), **terms)
    tickets = [make_ticket(customer) for _ in range(3)]
    for ticket_index, work_date, minutes in entries:
        make_entry(
            tickets[ticket_index], agent, minutes, EntryStatus.APPROVED, work_date
        )
    return customer, tickets


@DB_SETTINGS
@given(entries=work, contract=terms)
def test_issued_totals_foot(
    app,
    make_customer,
    make_ticket,
    make_entry,
    agent,
    accountant,
    in_request,
    entries,
    contract,
):
    app.config["STATEMENT_VAT_RATE"] = "22"
    try:
        customer, _tickets = _customer_with_work(
            make_customer, make_ticket, make_entry, agent, entries, contract
        )
        statement = issue(accountant, customer)
    finally:
        app.config["STATEMENT_VAT_RATE"] = None

    amounts = [item.amount for item in statement.items]
    assert statement.subtotal_amount == sum(amounts, Decimal("0.00"))
    assert statement.total_amount == statement.subtotal_amount + statement.vat_amount
    labour = [item for item in statement.items if item.kind == ItemKind.LABOUR]
    assert statement.total_minutes == sum(item.billed_minutes for item in labour)
    assert statement.raw_minutes == sum(minutes for _t, _d, minutes in entries)
    assert sum(line.minutes for line in statement.lines) == statement.total_minutes
    assert sum(line.raw_minutes for line in statement.lines) == statement.raw_minutes
    if contract["rounding_direction"] == RoundingDirection.UP:
        assert statement.total_minutes >= statement.raw_minutes
        for item in labour:
            assert item.billed_minutes >= item.raw_minutes


@DB_SETTINGS
@given(entries=work, contract=terms, randoms=st.randoms(use_true_random=False))
def test_items_independent_of_entry_order(
    make_customer,
    make_ticket,
    make_entry,
    agent,
    in_request,
    entries,
    contract,
    randoms,
):
    shuffled = list(entries)
    randoms.shuffle(shuffled)
    first, first_tickets = _customer_with_work(
        make_customer, make_ticket, make_entry, agent, entries, contract
    )
    second, second_tickets = _customer_with_work(
        make_customer, make_ticket, make_entry, agent, shuffled, contract
    )

    def items(customer, tickets):
        index = {ticket.key: position for position, ticket in enumerate(tickets)}
        preview = build_preview(customer, NOVEMBER)
        rows = [
            (
                index.get(item.ticket_key),
                item.kind.value,
                item.raw_minutes,
                item.billed_minutes,
                item.unit_price,
                item.multiplier,
                item.amount,
            )
            for item in preview.pricing.items
        ]
        return sorted(rows, key=repr), preview.pricing.total

    assert items(first, first_tickets) == items(second, second_tickets)


package_sizes = st.lists(st.integers(1, 600), min_size=1, max_size=3)
months = (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1))
prepaid_work = st.lists(
    st.tuples(st.sampled_from(months), st.integers(1, 28), st.integers(1, 240)),
    min_size=1,
    max_size=10,
)


@DB_SETTINGS
@given(
    sizes=package_sizes,
    entries=prepaid_work,
    void_index=st.integers(0, 2),
    increment=st.sampled_from([1, 15, 30]),
)
def test_prepaid_minutes_conserved_with_void(
    make_customer,
    make_ticket,
    make_entry,
    agent,
    accountant,
    in_request,
    sizes,
    entries,
    void_index,
    increment,
):
    customer = make_customer()
    contract = set_terms(
        contract_of(customer),
        billing_model=BillingModel.PREPAID,
        overage_rate=Decimal("90.00"),
        rounding_increment=increment,
    )
    packages = [
        add_package(contract, minutes, date(2026, 8, 1), date(2027, 8, 1), f"P{n}")
        for n, minutes in enumerate(sizes)
    ]
    ticket = make_ticket(customer)
    for month, day, minutes in entries:
        make_entry(ticket, agent, minutes, EntryStatus.APPROVED, month.replace(day=day))

    issued = [
        issue(accountant, customer, month)
        for month in months
        if _has_work(entries, month)
    ]
    voided = issued[void_index % len(issued)]
    void_statement(accountant, voided, "Prova di annullamento")
    db.session.commit()
    reissued = issue(accountant, customer, voided.period_start)

    for package in packages:
        db.session.refresh(package)
        remaining = package.minutes_bought - package_consumed(package)
        assert 0 <= remaining <= package.minutes_bought
        assert package_consumed(package) + remaining == package.minutes_bought
    statements = db.session.scalars(
        sa.select(Statement).where(Statement.customer_id == customer.id)
    ).all()
    for statement in statements:
        for line in statement.package_lines:
            assert line.opening_minutes - line.consumed_minutes == line.closing_minutes
    # Billed minutes are paid by a package or billed as overage, never lost.
    live = [s for s in statements if s.status == StatementStatus.ISSUED]
    billed = sum(s.total_minutes for s in live)
    overage = sum(
        item.billed_minutes
        for s in live
        for item in s.items
        if item.kind == ItemKind.OVERAGE
    )
    drawn = sum(package_consumed(package) for package in packages)
    assert drawn + overage == billed
    assert reissued.status == StatementStatus.ISSUED
    assert db.session.scalar(
        sa.select(sa.func.count(PrepaidPackage.id)).where(
            PrepaidPackage.contract_id == contract.id
        )
    ) == len(sizes)


def _has_work(entries, month) -> bool:
    return any(entry_month == month for entry_month, _day, _minutes in entries)
