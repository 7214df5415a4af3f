"""SLA pages of the portal and the accounts office, and the ticket page's SLA box."""

from __future__ import annotations

import re

import pytest

from portal.models import Role
from tests.portal_sla.conftest import assert_clean


def _text(html: str) -> str:
    """Collapse tags and whitespace, so assertions read like the page."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_portal_sla_page_shows_compliance(customer_client, sla_world):
    response = customer_client.get("/portal/sla?month=2026-12")
    html = response.get_data(as_text=True)
    text = _text(html)

    assert response.status_code == 200
    assert "December 2026" in text
    assert "tickets opened in December 2026" in text
    assert "Urgent 1 h of working time 2 / 2 100.0%" in text
    assert "High 4 h of working time 1 / 2 50.0%" in text
    assert "(1 running) 50.0%" in text
    assert_clean(html, sla_world, "/portal/sla")


def test_portal_sla_page_lists_breaches(customer_client, sla_world):
    html = customer_client.get("/portal/sla?month=2026-12").get_data(as_text=True)
    text = _text(html)

    assert 'data-ticket="ALFA-HIGH-1"' in html
    assert 'data-ticket="ALFA-NORM-1"' in html
    assert 'class="sla-ticket" data-ticket="ALFA-URG-1"' not in html
    # Times are in the user's zone: 15:00 in Rome is 14:00 UTC.
    assert "10/12/2026 15:00" in text
    assert "4 h 30 min" in text
    assert "Breached, still open" in text
    assert "ALFA-LOW-1" in text
    assert "No SLA target for this priority" in text


def test_portal_sla_page_in_user_zone(
    client, sla_world, make_user, sign_in, frozen_now
):
    user = make_user(Role.CUSTOMER, customer=sla_world.customer_a, timezone="UTC")
    sign_in(user)

    text = _text(client.get("/portal/sla?month=2026-12").get_data(as_text=True))

    assert "10/12/2026 14:00" in text


def test_portal_sla_defaults_to_this_month(customer_client, sla_world):
    text = _text(customer_client.get("/portal/sla").get_data(as_text=True))

    assert "December 2026" in text
    assert "ALFA-HIGH-1" in text


def test_portal_sla_month_without_tickets(customer_client, sla_world):
    response = customer_client.get("/portal/sla?month=2026-05")

    assert response.status_code == 200
    assert "No tickets were opened in this month." in response.get_data(as_text=True)


@pytest.mark.parametrize("month", ["2026-13", "december", "1999-12"])
def test_portal_sla_invalid_month_is_422(customer_client, sla_world, month):
    response = customer_client.get(f"/portal/sla?month={month}")
    html = response.get_data(as_text=True)

    assert response.status_code == 422
    assert "Enter a month as YYYY-MM" in html
    assert f'value="{month}"' in html
    assert "ALFA-HIGH-1" not in html


def test_portal_sla_never_shows_other_customer(client, sla_world, sign_in, make_user):
    user_b = make_user(Role.CUSTOMER, customer=sla_world.customer_b)
    sign_in(user_b)

    html = client.get("/portal/sla?month=2026-12").get_data(as_text=True)

    assert "BETAKEY-901" in html
    assert "ALFA-" not in html
    assert sla_world.customer_a.name not in html


def test_ticket_page_sla_box_closed_ticket(customer_client, sla_world):
    html = customer_client.get("/portal/tickets/ALFA-HIGH-1").get_data(as_text=True)
    box = _text(html.split('id="ticket-sla"', 1)[1].split("</section>", 1)[0])

    assert "First response 4 h of working time" in box
    assert "4 h 30 min, on 10/12/2026 15:30" in box
    assert "10/12/2026 15:00 Breached" in box
    assert "Resolution 16 h of working time 18 h, on 14/12/2026 12:00" in box
    assert "left" not in box


def test_ticket_page_sla_box_open_ticket(customer_client, sla_world):
    html = customer_client.get("/portal/tickets/ALFA-NORM-2").get_data(as_text=True)
    box = _text(html.split('id="ticket-sla"', 1)[1].split("</section>", 1)[0])

    assert "2 h so far" in box
    assert "16/12/2026 10:00 Running 6 h left" in box
    assert "Resolution 40 h of working time" in box
    assert "without Italian public holidays" in box


def test_ticket_page_without_target(customer_client, sla_world):
    html = customer_client.get("/portal/tickets/ALFA-LOW-1").get_data(as_text=True)

    assert "No SLA target for this priority" in html


def test_annex_link_on_sla_page(customer_client, sla_world):
    html = customer_client.get("/portal/sla?month=2026-12").get_data(as_text=True)

    assert 'href="/portal/sla/annex.pdf?month=2026-12"' in html


def test_accounts_sla_needs_customer(accounts_client, sla_world):
    response = accounts_client.get("/accounts/sla")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert sla_world.customer_b.name in html  # in the customer picker
    assert "ALFA-HIGH-1" not in html


def test_accounts_sla_shows_customer_month(accounts_client, sla_world):
    customer_id = sla_world.customer_a.id
    response = accounts_client.get(
        f"/accounts/sla?customer_id={customer_id}&month=2026-12"
    )
    text = _text(response.get_data(as_text=True))

    assert response.status_code == 200
    assert "High 4 h of working time 1 / 2 50.0%" in text
    assert "ALFA-HIGH-1" in text
    assert "BETAKEY-901" not in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("customer_id=&month=2026-12", "Choose a customer."),
        ("customer_id=999999&month=2026-12", "Customer not found."),
        ("customer_id=abc&month=2026-12", "Customer not found."),
        ("customer_id={id}&month=26-12", "Enter a month as YYYY-MM"),
    ],
)
def test_accounts_sla_invalid_request_is_422(
    accounts_client, sla_world, query, message
):
    query = query.format(id=sla_world.customer_a.id)

    response = accounts_client.get(f"/accounts/sla?{query}")

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_accounts_annex_unknown_customer_404(accounts_client, sla_world):
    response = accounts_client.get("/accounts/sla/annex.pdf?customer_id=999999")

    assert response.status_code == 404


def test_customer_cannot_reach_accounts_sla(customer_client, sla_world):
    customer_id = sla_world.customer_b.id

    page = customer_client.get(f"/accounts/sla?customer_id={customer_id}")
    pdf = customer_client.get(f"/accounts/sla/annex.pdf?customer_id={customer_id}")

    assert page.status_code == 403
    assert pdf.status_code == 403
