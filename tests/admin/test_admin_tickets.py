"""Ticket administration: state, classification and SLA times in the admin's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.extensions import db
from portal.models import Category, Contract, TicketPriority, TicketStatus
from tests.admin.helpers import HTMX, data_values, field_errors


@pytest.fixture
def ticket(make_customer, make_ticket):
    """A ticket of Rossi Srl opened on 5 January 2026 at 09:00 in Rome."""
    customer = make_customer(name="Rossi Srl")
    return make_ticket(customer, key="ASS-1", title="Stampante non stampa")


def _form(ticket, **changes) -> dict:
    data = {
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "category_id": str(ticket.category_id),
        "contract_id": str(ticket.contract_id or ""),
        "opened_at": "2026-01-05T09:00",
        "first_response_at": "",
        "resolved_at": "",
    }
    return {**data, **changes}


def test_form_shows_admin_zone_times(client, admin, ticket):
    html = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)

    assert 'value="2026-01-05T09:00"' in html


def test_edit_ticket_stores_utc_and_audits(client, admin, ticket, audit_rows):
    response = client.post(
        f"/admin/tickets/{ticket.id}",
        data=_form(
            ticket,
            status="resolved",
            priority="high",
            first_response_at="2026-01-05T09:45",
            resolved_at="2026-07-01T18:30",
        ),
    )

    assert response.status_code == 303
    assert ticket.status == TicketStatus.RESOLVED
    assert ticket.priority == TicketPriority.HIGH
    assert ticket.first_response_at == datetime(2026, 1, 5, 8, 45, tzinfo=UTC)
    # Rome is on summer time (UTC+2) in July.
    assert ticket.resolved_at == datetime(2026, 7, 1, 16, 30, tzinfo=UTC)
    [event] = audit_rows(ticket, "updated")
    assert event.actor_id == admin.id
    assert event.before == {
        "status": "open",
        "priority": "normal",
        "first_response_at": None,
        "resolved_at": None,
    }
    assert event.after["first_response_at"] == "2026-01-05T08:45:00+00:00"


def test_times_in_admin_own_zone(client, login_as, ticket):
    login_as("admin", timezone="America/New_York")

    response = client.post(
        f"/admin/tickets/{ticket.id}",
        data=_form(ticket, opened_at="2026-01-05T03:00"),
    )

    assert response.status_code == 303
    assert ticket.opened_at == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"first_response_at": "2026-01-05T08:59"},
            "first_response_at",
            "The first response cannot be before the opening.",
        ),
        (
            {"resolved_at": "2026-01-04T10:00"},
            "resolved_at",
            "The resolution cannot be before the opening.",
        ),
        (
            {
                "first_response_at": "2026-01-06T10:00",
                "resolved_at": "2026-01-06T09:00",
            },
            "first_response_at",
            "The first response cannot be after the resolution.",
        ),
        (
            {"resolved_at": "2999-01-01T10:00"},
            "resolved_at",
            "This time cannot be in the future.",
        ),
        (
            {"opened_at": ""},
            "opened_at",
            "Enter when the ticket opened.",
        ),
        (
            {"opened_at": "5/1/2026 9:00"},
            "opened_at",
            "Enter a date and time, e.g. 2026-03-14T09:30.",
        ),
        (
            {"resolved_at": "2026-03-29T02:30"},
            "resolved_at",
            "This time does not exist here: the clocks skip it. Enter another.",
        ),
        ({"status": "lost"}, "status", "Not a valid choice."),
        ({"category_id": "999999"}, "category_id", "Choose a category from the list."),
    ],
)
def test_bad_ticket_values_rejected(client, admin, ticket, changes, field, message):
    response = client.post(f"/admin/tickets/{ticket.id}", data=_form(ticket, **changes))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, field) == [message]
    assert ticket.status == TicketStatus.OPEN


def test_contract_of_other_customer_rejected(client, admin, ticket, make_customer):
    other = make_customer(name="Bianchi Spa")

    response = client.post(
        f"/admin/tickets/{ticket.id}",
        data=_form(ticket, contract_id=other.contracts[0].id),
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "contract_id") == [
        "Choose one of this customer's contracts."
    ]


def test_ticket_without_contract(client, admin, ticket):
    response = client.post(
        f"/admin/tickets/{ticket.id}", data=_form(ticket, contract_id="")
    )

    assert response.status_code == 303
    assert ticket.contract_id is None


def test_inactive_category_offered_only_when_current(client, admin, ticket):
    ticket.category.is_active = False
    retired = Category(code="fax", name_it="Fax", name_en="Fax", is_active=False)
    db.session.add(retired)
    db.session.commit()

    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/tickets/{ticket.id}", data=_form(ticket, category_id=retired.id)
    )

    assert "Network (inactive)" in page
    assert ">Fax<" not in page
    assert response.status_code == 422


def test_ticket_list_filters(client, admin, make_customer, make_ticket):
    rossi = make_customer(name="Rossi Srl")
    bianchi = make_customer(name="Bianchi Spa")
    make_ticket(rossi, key="ASS-1", title="Stampante")
    closed = make_ticket(bianchi, key="ASS-2", title="VPN lenta")
    closed.status = TicketStatus.CLOSED
    db.session.commit()

    by_customer = client.get(f"/admin/tickets?customer={bianchi.id}")
    by_status = client.get("/admin/tickets?status=closed", headers=HTMX)
    by_text = client.get("/admin/tickets?q=stamp")
    bad = client.get("/admin/tickets?customer=abc")

    assert data_values(by_customer.get_data(as_text=True), "ticket") == ["ASS-2"]
    assert data_values(by_status.get_data(as_text=True), "ticket") == ["ASS-2"]
    assert data_values(by_text.get_data(as_text=True), "ticket") == ["ASS-1"]
    assert bad.status_code == 422


def test_contract_choices_are_the_customers(client, admin, ticket):
    db.session.add(
        Contract(
            customer_id=ticket.customer_id,
            name="Rinnovo",
            hourly_rate=70,
            valid_from=date(2030, 1, 1),
        )
    )
    db.session.commit()

    html = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)

    assert "Rinnovo (from 01/01/2030)" in html
    assert "Contratto assistenza (from 01/01/2020)" in html
