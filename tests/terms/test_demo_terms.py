"""The demo company's contracts: one per billing model, with realistic terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import portal.models.users
from portal.demo import seed_demo
from portal.extensions import db
from portal.models import (
    ActivityType,
    BillingModel,
    Contract,
    EntryStatus,
    PrepaidPackage,
    Role,
    TimeEntry,
    User,
)
from portal.services import billing_rules as rules
from portal.services.billing_terms import billed_minutes_by_entry

# A fixed Friday, so the package sizes do not depend on the day the tests run.
FRIDAY = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Hash the demo passwords with one PBKDF2 round instead of scrypt."""

    def hash_once(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    monkeypatch.setattr(portal.models.users, "generate_password_hash", hash_once)


@pytest.fixture
def contracts() -> dict[BillingModel, Contract]:
    seed_demo(FRIDAY)
    db.session.commit()
    rows = db.session.scalars(sa.select(Contract)).all()
    return {contract.billing_model: contract for contract in rows}


def test_one_contract_per_billing_model(contracts):
    assert set(contracts) == set(BillingModel)


def test_time_and_materials_terms(contracts):
    contract = contracts[BillingModel.TIME_AND_MATERIALS]

    assert contract.rounding_increment == 15
    assert contract.rounding_direction == rules.RoundingDirection.UP
    assert contract.minimum_minutes == 30
    assert contract.call_out_fee == Decimal("35.00")
    assert contract.rate_per_km == Decimal("0.45")
    assert contract.evening_multiplier > 1
    assert contract.saturday_multiplier > 1
    assert contract.holiday_multiplier > 1
    assert contract.overage_rate is None
    assert contract.monthly_fee is None


def test_time_and_materials_rates(contracts):
    contract = contracts[BillingModel.TIME_AND_MATERIALS]

    rates = {
        (rate.activity_type.code, rate.agent_level, rate.effective_from): rate
        for rate in contract.rates
    }
    start = contract.valid_from
    assert rates["on-site", "", start].hourly_rate == Decimal("65.00")
    assert rates["on-site", "senior", start].hourly_rate == Decimal("75.00")
    assert rates["remote-support", "", date(2026, 12, 1)].hourly_rate == Decimal(
        "58.00"
    )
    assert {code for code, _level, _day in rates} >= {
        "remote-support",
        "on-site",
        "phone",
        "analysis",
        "development",
    }


def test_on_site_activity_marked(contracts):
    on_site = db.session.scalars(
        sa.select(ActivityType.code).where(ActivityType.is_on_site.is_(True))
    ).all()

    assert on_site == ["on-site"]


def test_agents_have_levels(contracts):
    levels = {
        user.name: user.level
        for user in db.session.scalars(
            sa.select(User).where(User.role.in_([Role.AGENT, Role.APPROVER]))
        )
    }

    assert set(levels.values()) == {"junior", "senior"}


def test_monthly_fee_terms(contracts):
    contract = contracts[BillingModel.MONTHLY_FEE]

    assert contract.monthly_fee == Decimal("1900.00")
    assert contract.monthly_included_minutes == 40 * 60
    assert contract.overage_rate == Decimal("62.50")
    assert contract.rounding_scope == rules.RoundingScope.PER_TICKET_DAY


def test_prepaid_packages(contracts):
    contract = contracts[BillingModel.PREPAID]
    first, second = contract.packages

    assert contract.overage_rate == Decimal("70.00")
    assert first.purchase_date == date(2026, 8, 1)
    assert second.purchase_date == date(2026, 11, 1)
    assert first.expiry_date == date(2027, 7, 31)
    assert second.name.startswith("Monte ore ")
    assert second.price == Decimal("65.00") * second.minutes_bought / 60
    assert first.created_by.role == Role.ACCOUNTS


def test_past_statements_leave_second_package_near_alert(contracts):
    """Draw the approved work month by month, as monthly statements would."""
    contract = contracts[BillingModel.PREPAID]
    entries = db.session.scalars(
        sa.select(TimeEntry)
        .join(TimeEntry.ticket)
        .where(
            TimeEntry.status == EntryStatus.APPROVED,
            TimeEntry.is_billable.is_(True),
            TimeEntry.work_date < date(2026, 12, 1),
        )
    ).all()
    entries = [entry for entry in entries if entry.ticket.contract_id == contract.id]
    billed = billed_minutes_by_entry(entries)
    packages = [
        rules.PrepaidPackage(
            id=package.id,
            minutes_bought=package.minutes_bought,
            purchase_date=package.purchase_date,
            expiry_date=package.expiry_date,
            price=package.price,
        )
        for package in contract.packages
    ]

    month_ends = {9: date(2026, 9, 30), 10: date(2026, 10, 31), 11: date(2026, 11, 30)}
    for month, month_end in month_ends.items():
        month_billings = [
            rules.EntryBilling(
                entry.id,
                entry.ticket.key,
                entry.work_date,
                entry.minutes,
                billed[entry.id],
                True,
            )
            for entry in entries
            if entry.work_date.month == month
        ]
        packages = list(
            rules.consume(packages, month_billings, month_end).packages_after
        )

    first, second = packages
    assert first.remaining_minutes == 0
    used = second.consumed_minutes * 100 / second.minutes_bought
    assert 75 <= used < 90


def test_demo_terms_deterministic():
    seed_demo(FRIDAY)
    db.session.commit()
    first = db.session.execute(
        sa.select(PrepaidPackage.name, PrepaidPackage.minutes_bought)
    ).all()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()

    seed_demo(FRIDAY)
    db.session.commit()

    second = db.session.execute(
        sa.select(PrepaidPackage.name, PrepaidPackage.minutes_bought)
    ).all()
    assert sorted(second) == sorted(first)
