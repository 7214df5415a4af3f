"""The portal dashboard: hours, open tickets, running total and SLA figures."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from portal.extensions import db
from portal.models import EntryStatus, PrepaidPackage, Role, TicketStatus
from portal.services import customer_dashboard
from portal.services.prepaid import ContractBalance, PackageBalance
from tests.portal_sla.conftest import assert_clean


def _section(html: str, section_id: str) -> str:
    body = html.split(f'id="{section_id}"', 1)[1].split(">", 1)[1]
    body = body.split("</section>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_customer_home_is_dashboard(client, sla_world, sign_in):
    sign_in(sla_world.customer_user)

    response = client.get("/")

    assert response.headers["Location"].endswith("/portal/dashboard")


def test_hours_this_and_last_month(customer_client, sla_world):
    html = customer_client.get("/portal/dashboard").get_data(as_text=True)

    # December: 90 + 45 approved billable minutes; November: 60.
    assert _section(html, "hours-this-month") == (
        "Hours in December 2026 2:15 2.25 hours of approved billable work"
    )
    assert "Hours in November 2026 1:00 1.00 hours" in _section(
        html, "hours-last-month"
    )
    assert_clean(html, sla_world, "/portal/dashboard")


def test_hours_are_billed_minutes(customer_client, sla_world):
    contract = sla_world.customer_a.contracts[0]
    contract.rounding_increment = 30
    db.session.commit()

    html = customer_client.get("/portal/dashboard").get_data(as_text=True)

    # December: 90 stays 90 and 45 rounds up to 60 under 30-minute rounding.
    assert "Hours in December 2026 2:30" in _section(html, "hours-this-month")


def test_open_ticket_count_links_to_list(customer_client, sla_world):
    html = customer_client.get("/portal/dashboard").get_data(as_text=True)

    # NORM-1, NORM-2, LOW-1 and NOV-1 are open; the others are resolved.
    assert "Open tickets 4" in _section(html, "open-tickets")
    assert 'href="/portal/?status=active"' in html


def test_running_total_is_estimate(customer_client, sla_world):
    html = customer_client.get("/portal/dashboard").get_data(as_text=True)
    running = _section(html, "running-total")

    # 90 min at 87.35 is 131.03 and 45 min is 65.51, rounded per line.
    assert "Next statement (estimate)" in running
    assert "€196.54" in running
    assert "Estimate for December 2026: 2:15" in running
    assert "2 more entries are still in draft or waiting for approval" in running


def test_running_total_leaves_out_billed_work(customer_client, sla_world, make_entry):
    ticket = sla_world.tickets["URG-2"]
    entry = make_entry(
        ticket, sla_world.customer_user, 600, EntryStatus.APPROVED, date(2026, 12, 3)
    )
    entry.statement_id = sla_world.statement_a.id
    db.session.commit()

    running = _section(
        customer_client.get("/portal/dashboard").get_data(as_text=True),
        "running-total",
    )

    assert "€196.54" in running


def test_running_total_without_contract(customer_client, sla_world):
    # A ticket's own contract bills its work on any date, so the tickets lose
    # theirs and the customer's contract, ended in November, covers nothing.
    contract = sla_world.customer_a.contracts[0]
    contract.valid_to = date(2026, 11, 30)
    for ticket in sla_world.tickets.values():
        ticket.contract = None
    db.session.commit()

    running = _section(
        customer_client.get("/portal/dashboard").get_data(as_text=True),
        "running-total",
    )

    assert "No contract covers this month" in running


def test_dashboard_sla_compliance(customer_client, sla_world):
    html = customer_client.get("/portal/dashboard").get_data(as_text=True)
    sla = _section(html, "dashboard-sla")

    assert "Service levels in December 2026" in sla
    assert "High 4 h of working time 1 / 2 50.0%" in sla
    assert "Urgent 1 h of working time 2 / 2 100.0%" in sla


def test_dashboard_for_other_customer(
    client, sla_world, sign_in, make_user, frozen_now
):
    sign_in(make_user(Role.CUSTOMER, customer=sla_world.customer_b))

    html = client.get("/portal/dashboard").get_data(as_text=True)

    # Customer B: 600 approved minutes at 93.17 and one open ticket.
    assert "10:00" in _section(html, "hours-this-month")
    assert "Open tickets 1" in _section(html, "open-tickets")
    assert "€931.70" in _section(html, "running-total")
    assert "Alfa" not in html
    assert "€196.54" not in html


def test_no_prepaid_gauge_without_packages(customer_client, sla_world):
    html = customer_client.get("/portal/dashboard").get_data(as_text=True)

    assert "<meter" not in html


def test_prepaid_gauge_when_package_exists(customer_client, sla_world, monkeypatch):
    package = PrepaidPackage(
        id=1,
        name="Pacchetto 10 ore",
        minutes_bought=600,
        purchase_date=date(2026, 10, 1),
        expiry_date=date(2027, 9, 30),
        price=Decimal("500.00"),
    )
    balance = ContractBalance(
        contract=sla_world.customer_a.contracts[0],
        as_of=date(2026, 12, 10),
        packages=(PackageBalance(package, 600, 480, 120, 0, 0, False),),
        pending_overage=0,
    )
    monkeypatch.setattr(
        customer_dashboard, "prepaid_balances", lambda customer, today: [balance]
    )

    html = customer_client.get("/portal/dashboard").get_data(as_text=True)

    assert '<meter id="prepaid-1-meter" min="0" max="600" value="480"' in html
    assert "8:00 of 10:00 used (80%), 2:00 left" in html
    assert "Alert: 75% of the prepaid hours are used." in html


def test_open_statuses_counted(customer_client, sla_world):
    sla_world.tickets["NORM-1"].status = TicketStatus.WAITING
    sla_world.tickets["NORM-2"].status = TicketStatus.IN_PROGRESS
    sla_world.tickets["LOW-1"].status = TicketStatus.CLOSED
    db.session.commit()

    html = customer_client.get("/portal/dashboard").get_data(as_text=True)

    assert "Open tickets 3" in _section(html, "open-tickets")
