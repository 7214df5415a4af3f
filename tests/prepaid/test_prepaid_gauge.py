"""The portal dashboard's prepaid gauge: the customer's own contracts only."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from portal.models import Role
from tests.prepaid.conftest import ENGLISH

TODAY = date(2026, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("portal.portal.dashboard.user_today", lambda: TODAY)


def _gauges(html: str) -> list[str]:
    return re.findall(r'<section class="card prepaid".*?</section>', html, re.S)


def test_gauge_shows_own_contract(
    client, login_as, make_prepaid_customer, make_package, issue_draws
):
    own = make_prepaid_customer(name="Alfa Srl", language="en")
    other = make_prepaid_customer(name="Beta Srl")
    package = make_package(
        own.contract, minutes=600, name="Pacchetto Alfa", price=Decimal("777.77")
    )
    other_package = make_package(other.contract, minutes=300, name="BETA-PACKAGE")
    issue_draws(own.customer, [(package, 480)])
    issue_draws(other.customer, [(other_package, 290)])
    login_as(Role.CUSTOMER, customer=own.customer)

    html = client.get("/portal/dashboard", headers=ENGLISH).get_data(as_text=True)

    [gauge] = _gauges(html)
    assert '<meter id="prepaid-1-meter" min="0" max="600" value="480"' in gauge
    assert 'low="450" high="540" optimum="0"' in gauge
    assert '<label for="prepaid-1-meter">' in gauge
    assert "8:00 of 10:00 used (80%), 2:00 left" in gauge
    assert "Alert: 75% of the prepaid hours are used." in gauge
    assert "Pacchetto Alfa: 2:00 of 10:00 left, valid until 31/12/2026" in gauge
    assert "BETA-PACKAGE" not in html
    assert "Beta Srl" not in html
    assert "777" not in html


def test_no_gauge_without_packages(client, login_as, make_prepaid_customer):
    own = make_prepaid_customer(name="Alfa Srl")
    login_as(Role.CUSTOMER, customer=own.customer)

    html = client.get("/portal/dashboard", headers=ENGLISH).get_data(as_text=True)

    assert "<meter" not in html


def test_gauge_at_used_up_package(
    client, login_as, make_prepaid_customer, make_package, issue_draws
):
    own = make_prepaid_customer(name="Alfa Srl")
    package = make_package(own.contract, minutes=600)
    issue_draws(own.customer, [(package, 600)])
    login_as(Role.CUSTOMER, customer=own.customer)

    html = client.get("/portal/dashboard", headers=ENGLISH).get_data(as_text=True)

    [gauge] = _gauges(html)
    assert "All prepaid hours are used" in gauge
    assert 'role="status"' in gauge


def test_gauge_leaves_out_expired_packages(
    client, login_as, make_prepaid_customer, make_package, issue_draws
):
    own = make_prepaid_customer(name="Alfa Srl")
    old = make_package(
        own.contract,
        minutes=600,
        purchase_date=date(2025, 1, 1),
        expiry_date=date(2025, 12, 31),
        name="Pacchetto 2025",
    )
    make_package(own.contract, minutes=1200, name="Pacchetto 2026")
    issue_draws(own.customer, [(old, 600)])
    login_as(Role.CUSTOMER, customer=own.customer)

    html = client.get("/portal/dashboard", headers=ENGLISH).get_data(as_text=True)

    [gauge] = _gauges(html)
    assert 'max="1200" value="0"' in gauge
    assert "Pacchetto 2025" not in gauge
    assert "Alert" not in gauge


def test_gauge_shows_approved_unbilled_work(
    client,
    login_as,
    make_prepaid_customer,
    make_package,
    make_ticket,
    make_entry,
    make_user,
):
    own = make_prepaid_customer(name="Alfa Srl")
    make_package(own.contract, minutes=600)
    agent = make_user(Role.AGENT)
    ticket = make_ticket(own.customer)
    make_entry(ticket, agent, 90, "approved", date(2026, 6, 1))
    make_entry(ticket, agent, 45, "submitted", date(2026, 6, 2))
    login_as(Role.CUSTOMER, customer=own.customer)

    html = client.get("/portal/dashboard", headers=ENGLISH).get_data(as_text=True)

    [gauge] = _gauges(html)
    assert (
        "Approved work not billed yet: 1:30 from the packages, 0:00 beyond them."
        in gauge
    )
