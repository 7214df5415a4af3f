"""Every demo customer's months preview and issue without a block."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

import portal.models.users
from portal.demo import PERIOD_DAYS, seed_demo
from portal.extensions import db
from portal.models import Customer, ResourceEntry, Role, User
from portal.services.billing_rules.lines import ResourceKind
from portal.services.statements import build_preview, issue_statement

TODAY = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Hash the demo passwords with one PBKDF2 round instead of scrypt."""

    def hash_once(password: str) -> str:
        return generate_password_hash(password, method="pbkdf2:sha256:1")

    monkeypatch.setattr(portal.models.users, "generate_password_hash", hash_once)


@pytest.fixture
def english_request(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


def _months_since(first: date, last: date) -> list[date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def test_demo_months_preview_in_order(english_request):
    seed_demo(TODAY)
    db.session.commit()
    accountant = db.session.scalar(sa.select(User).where(User.role == Role.ACCOUNTS))
    customers = db.session.scalars(sa.select(Customer).order_by(Customer.id)).all()
    months = _months_since(date.fromordinal(TODAY.toordinal() - PERIOD_DAYS), TODAY)
    assert len(months) >= 3

    for customer in customers:
        for month in months:
            # Raises StatementBlockedError when the month cannot be priced.
            preview = build_preview(customer, month)
            # Prepaid packages are drawn in date order, so each month is
            # issued before the next one is previewed.
            if not preview.is_empty:
                issue_statement(
                    accountant,
                    customer,
                    month,
                    pending_override_reason="Demo check of every month",
                )
                db.session.commit()


def test_demo_call_outs_only_with_fee():
    seed_demo(TODAY)
    db.session.commit()

    call_outs = db.session.scalars(
        sa.select(ResourceEntry).where(ResourceEntry.kind == ResourceKind.CALL_OUT)
    ).all()
    assert call_outs
    for resource in call_outs:
        contract = resource.ticket.customer.contract_on(resource.work_date)
        assert contract.call_out_fee is not None
