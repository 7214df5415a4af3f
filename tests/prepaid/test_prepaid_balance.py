"""Package balances at a date, the pending projection and minute conservation."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.models import EntryStatus, Statement
from portal.services.prepaid import (
    alert_level,
    consumed_minutes,
    contract_balance,
    engine_packages,
    percent_used,
)
from tests.prepaid.conftest import void

FEBRUARY_2 = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
MARCH_3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("consumed", "expected"),
    [(0, 0), (449, 0), (450, 75), (539, 75), (540, 90), (599, 90), (600, 100)],
)
def test_alert_level_thresholds(consumed, expected):
    assert alert_level(consumed, 600) == expected


def test_percent_used_rounds_down():
    assert percent_used(599, 600) == 99
    assert percent_used(600, 600) == 100


def test_balance_counts_statements_issued_by_date(
    app, prepaid_customer, make_package, issue_draws
):
    contract = prepaid_customer.contract
    package = make_package(contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 120)], issued_at=FEBRUARY_2)
    issue_draws(prepaid_customer.customer, [(package, 200)], issued_at=MARCH_3)

    before = contract_balance(contract, date(2026, 2, 1))
    february = contract_balance(contract, date(2026, 2, 2))
    march = contract_balance(contract, date(2026, 3, 31))

    assert before.consumed == 0
    assert before.remaining == 600
    assert february.consumed == 120
    assert march.consumed == 320
    assert march.remaining == 280
    assert march.forfeited == 0
    assert march.alert_level == 0


def test_balance_date_is_rome_issue_day(
    app, prepaid_customer, make_package, issue_draws
):
    contract = prepaid_customer.contract
    package = make_package(contract)
    # 23:30 UTC on 28 February is 00:30 on 1 March in Rome.
    late = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    issue_draws(prepaid_customer.customer, [(package, 60)], issued_at=late)

    assert contract_balance(contract, date(2026, 2, 28)).consumed == 0
    assert contract_balance(contract, date(2026, 3, 1)).consumed == 60


def test_expired_package_forfeits_its_rest(
    app, prepaid_customer, make_package, issue_draws
):
    contract = prepaid_customer.contract
    package = make_package(contract, minutes=600, expiry_date=date(2026, 12, 31))
    issue_draws(prepaid_customer.customer, [(package, 450)])

    last_day = contract_balance(contract, date(2026, 12, 31))
    after = contract_balance(contract, date(2027, 1, 1))

    assert last_day.forfeited == 0
    assert after.forfeited == 150
    assert after.remaining == 150
    assert after.consumed + after.remaining == after.bought
    assert after.packages[0].is_expired
    assert after.active_bought == 0
    assert last_day.alert_level == 75


def test_void_statement_gives_minutes_back(
    app, prepaid_customer, make_package, issue_draws
):
    contract = prepaid_customer.contract
    package = make_package(contract)
    issue_draws(prepaid_customer.customer, [(package, 120)], issued_at=FEBRUARY_2)
    second = issue_draws(prepaid_customer.customer, [(package, 300)], issued_at=MARCH_3)

    void(second)

    balance = contract_balance(contract, date(2026, 3, 31))
    assert balance.consumed == 120
    assert consumed_minutes([package.id]) == {package.id: 120}


def test_package_bought_later_not_counted(app, prepaid_customer, make_package):
    contract = prepaid_customer.contract
    make_package(contract, minutes=600, purchase_date=date(2026, 1, 10))
    make_package(contract, minutes=300, purchase_date=date(2026, 6, 1))

    balance = contract_balance(contract, date(2026, 5, 31))

    assert balance.bought == 600
    assert len(balance.packages) == 1


def test_pending_projection_uses_approved_unbilled_work(
    app,
    prepaid_customer,
    make_prepaid_customer,
    make_package,
    make_ticket,
    make_entry,
    make_user,
):
    contract = prepaid_customer.contract
    make_package(contract, minutes=120, purchase_date=date(2026, 1, 10))
    agent = make_user("agent")
    ticket = make_ticket(prepaid_customer.customer)
    approved = EntryStatus.APPROVED
    make_entry(ticket, agent, 90, approved, date(2026, 2, 3))
    make_entry(ticket, agent, 60, approved, date(2026, 2, 4))
    make_entry(ticket, agent, 45, EntryStatus.SUBMITTED, date(2026, 2, 5))
    make_entry(ticket, agent, 30, approved, date(2026, 4, 1))
    other = make_prepaid_customer(name="Altra Srl")
    other_ticket = make_ticket(other.customer)
    make_entry(other_ticket, agent, 500, approved, date(2026, 2, 3))

    balance = contract_balance(contract, date(2026, 2, 28))

    assert balance.pending == 120
    assert balance.pending_overage == 30
    assert balance.consumed == 0


def test_engine_packages_keep_signature(
    app, prepaid_customer, make_package, issue_draws
):
    package = make_package(prepaid_customer.contract, minutes=600)
    issue_draws(prepaid_customer.customer, [(package, 100)])

    [engine] = engine_packages(prepaid_customer.contract)

    assert engine.id == package.id
    assert engine.consumed_minutes == 100
    assert engine.remaining_minutes == 500


# Conservation over random histories.

_day_offsets = st.integers(min_value=0, max_value=300)
_packages = st.lists(
    st.tuples(st.integers(min_value=1, max_value=3000), _day_offsets),
    min_size=1,
    max_size=4,
)
_statements = st.lists(
    st.lists(st.integers(min_value=1, max_value=900), min_size=1, max_size=4),
    min_size=1,
    max_size=5,
)
_names = itertools.count(1)
YEAR_START = date(2026, 1, 1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    packages=_packages,
    statements=_statements,
    voided=st.integers(min_value=0, max_value=4),
    check_offset=_day_offsets,
)
def test_minutes_conserved_across_statements(
    app,
    make_prepaid_customer,
    make_package,
    issue_draws,
    packages,
    statements,
    voided,
    check_offset,
):
    """Draw random work through consume, statement by statement, then void one.

    Each statement draws through engine_packages, as issuing does, so a
    package never pays more than it has left.
    """
    from portal.services import billing_rules as rules

    prepaid = make_prepaid_customer(name=f"Cliente conservazione {next(_names)}")
    contract = prepaid.contract
    created = [
        make_package(
            contract,
            minutes=minutes,
            purchase_date=YEAR_START + timedelta(days=offset),
            expiry_date=YEAR_START + timedelta(days=offset + 200),
        )
        for minutes, offset in packages
    ]
    issued: list[tuple[Statement, date, list]] = []
    entry_ids = itertools.count(1)
    for index, entry_minutes in enumerate(statements):
        issue_day = YEAR_START + timedelta(days=60 * index + 30)
        billings = [
            rules.EntryBilling(
                entry_id=next(entry_ids),
                ticket_key="ASS-1",
                work_date=issue_day - timedelta(days=1),
                raw_minutes=minutes,
                billed_minutes=minutes,
                is_billable=True,
            )
            for minutes in entry_minutes
        ]
        db.session.refresh(contract)
        consumption = rules.consume(engine_packages(contract), billings, issue_day)
        by_package = {package.id: package for package in created}
        draws = [
            (by_package[draw.package_id], draw.minutes)
            for draw in consumption.draws
            if draw.package_id is not None
        ]
        issued_at = datetime.combine(issue_day, datetime.min.time(), tzinfo=UTC)
        statement = issue_draws(
            prepaid.customer, draws, issued_at=issued_at.replace(hour=9)
        )
        issued.append((statement, issue_day, draws))
    voided_statement = issued[voided % len(issued)][0]
    void(voided_statement)

    as_of = YEAR_START + timedelta(days=check_offset + 60)
    expected = {package.id: 0 for package in created}
    for statement, issue_day, draws in issued:
        if statement is voided_statement or issue_day > as_of:
            continue
        for package, minutes in draws:
            expected[package.id] += minutes

    balance = contract_balance(contract, as_of)
    for item in balance.packages:
        assert item.consumed == expected[item.package.id]
        assert item.consumed + item.remaining == item.bought
        assert 0 <= item.forfeited <= item.remaining
    assert balance.consumed + balance.remaining == balance.bought
    drawn_now = consumed_minutes(package.id for package in created)
    for package in created:
        assert 0 <= drawn_now[package.id] <= package.minutes_bought
