"""Customers and contracts: unique names, non-overlapping periods, SLA settings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Contract,
    Customer,
    PortalTimeDisplay,
    TicketPriority,
)
from tests.admin.helpers import HTMX, data_values, field_errors

CONTRACT = {
    "name": "Assistenza 2027",
    "hourly_rate": "65,50",
    "currency": "EUR",
    "valid_from": "2027-01-01",
    "valid_to": "2027-12-31",
    "sla_business_hours": "y",
    "sla_timezone": "Europe/Rome",
    "sla_working_days": "1,2,3,4,5",
    "sla_working_hours": "09:00-13:00,14:00-18:00",
}


def _contract_form(**changes) -> dict:
    return {**CONTRACT, **changes}


def _customer(name: str) -> Customer | None:
    return db.session.scalar(sa.select(Customer).where(Customer.name == name))


def _contract(customer: Customer, name: str) -> Contract | None:
    return db.session.scalar(
        sa.select(Contract).where(
            Contract.customer_id == customer.id, Contract.name == name
        )
    )


@pytest.fixture
def customer(make_customer) -> Customer:
    """A customer whose one contract runs from 1 January 2020, open-ended."""
    return make_customer(name="Rossi Srl")


@pytest.fixture
def ended(customer) -> Customer:
    """End the customer's first contract on 31 December 2026."""
    customer.contracts[0].valid_to = date(2026, 12, 31)
    db.session.commit()
    return customer


# Customers


def test_create_customer_is_audited(client, admin, audit_rows):
    response = client.post(
        "/admin/customers/new",
        data={
            "name": "Bianchi Spa",
            "vat_number": "IT12345678901",
            "address": "Via Roma 2, Torino",
            "language": "en",
        },
    )

    customer = _customer("Bianchi Spa")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/admin/customers/{customer.id}")
    assert customer.language == "en"
    [event] = audit_rows(customer, "created")
    assert event.after == {
        "name": "Bianchi Spa",
        "vat_number": "IT12345678901",
        "address": "Via Roma 2, Torino",
        "language": "en",
    }


def test_customer_name_unique_in_any_case(client, admin, customer):
    response = client.post(
        "/admin/customers/new", data={"name": "ROSSI SRL", "language": "it"}
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "name") == [
        "A customer named ROSSI SRL already exists. Choose another name."
    ]


def test_edit_customer_clears_optional_fields(client, admin, customer, audit_rows):
    response = client.post(
        f"/admin/customers/{customer.id}",
        data={"name": "Rossi Srl", "vat_number": " ", "address": "", "language": "it"},
    )

    assert response.status_code == 303
    assert customer.vat_number is None
    assert customer.address is None
    [event] = audit_rows(customer, "updated")
    assert set(event.after) == {"vat_number", "address"}


def test_customer_search(client, admin, make_customer):
    make_customer(name="Rossi Srl")
    make_customer(name="Bianchi Spa")

    response = client.get("/admin/customers?q=bianchi", headers=HTMX)

    html = response.get_data(as_text=True)
    assert "Bianchi Spa" in html
    assert "Rossi Srl" not in html
    assert "<html" not in html


def test_customer_page_lists_contracts(client, admin, customer):
    html = client.get(f"/admin/customers/{customer.id}").get_data(as_text=True)

    assert data_values(html, "contract") == [str(customer.contracts[0].id)]
    assert "from 01/01/2020" in html


# Contracts


def test_create_contract_with_sla_targets(client, admin, ended, audit_rows):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(
            high_first_response="1:30",
            high_resolution="16h",
            urgent_first_response="30",
            urgent_resolution="4h30",
            sla_working_days=" 5, 1,2 ,3,4",
            sla_working_hours="9:00 - 13:00, 14:00-24:00",
        ),
    )

    contract = _contract(ended, "Assistenza 2027")
    assert response.status_code == 303
    assert contract.hourly_rate == Decimal("65.50")
    assert contract.valid_to == date(2027, 12, 31)
    assert contract.sla_working_days == "1,2,3,4,5"
    assert contract.sla_working_hours == "09:00-13:00,14:00-00:00"
    targets = {
        target.priority: (target.first_response_minutes, target.resolution_minutes)
        for target in contract.sla_targets
    }
    assert targets == {
        TicketPriority.HIGH: (90, 960),
        TicketPriority.URGENT: (30, 270),
    }
    [event] = audit_rows(contract, "created")
    assert event.after["hourly_rate"] == "65.50"
    assert event.after["sla_high_first_response_minutes"] == 90
    assert event.after["sla_low_resolution_minutes"] is None


def test_edit_contract_audits_changed_fields(client, admin, customer, audit_rows):
    contract = customer.contracts[0]
    form = _contract_form(
        name="Assistenza rinnovata",
        hourly_rate="99.00",
        valid_from="2021-01-01",
        valid_to="",
        portal_time_display="billed_and_worked",
        high_first_response="2:00",
        high_resolution="8:00",
    )

    response = client.post(
        f"/admin/customers/{customer.id}/contracts/{contract.id}", data=form
    )

    assert response.status_code == 303
    # Accounts own the rate, the period and the portal flags: the admin form
    # has no such fields, so posted values are ignored.
    assert contract.hourly_rate == Decimal("60.00")
    assert contract.valid_from == date(2020, 1, 1)
    assert contract.portal_time_display == PortalTimeDisplay.BILLED
    [event] = audit_rows(contract, "updated")
    assert event.before == {
        "name": "Contratto assistenza",
        "sla_high_first_response_minutes": None,
        "sla_high_resolution_minutes": None,
    }
    assert event.after == {
        "name": "Assistenza rinnovata",
        "sla_high_first_response_minutes": 120,
        "sla_high_resolution_minutes": 480,
    }


def test_edit_form_shows_stored_targets(client, admin, customer):
    contract = customer.contracts[0]
    client.post(
        f"/admin/customers/{customer.id}/contracts/{contract.id}",
        data=_contract_form(
            valid_from="2020-01-01",
            valid_to="",
            low_first_response="90",
            low_resolution="40h",
        ),
    )

    html = client.get(
        f"/admin/customers/{customer.id}/contracts/{contract.id}"
    ).get_data(as_text=True)

    assert 'value="1:30"' in html
    assert 'value="40:00"' in html


def test_clearing_targets_removes_them(client, admin, customer):
    contract = customer.contracts[0]
    url = f"/admin/customers/{customer.id}/contracts/{contract.id}"
    base = _contract_form(valid_from="2020-01-01", valid_to="")
    client.post(url, data={**base, "low_first_response": "1h", "low_resolution": "8h"})

    client.post(url, data=base)

    assert contract.sla_targets == []


@pytest.mark.parametrize(
    ("valid_from", "valid_to"),
    [
        ("2026-06-01", "2027-06-30"),  # starts inside the first contract
        ("2019-01-01", "2020-01-01"),  # ends on its first day
        ("2019-01-01", ""),  # open-ended, starting before it
    ],
)
def test_contract_overlap_rejected(client, admin, ended, valid_from, valid_to):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(valid_from=valid_from, valid_to=valid_to),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, "valid_from")
    assert "These dates overlap the contract Contratto assistenza" in error
    assert "01/01/2020 – 31/12/2026" in error
    assert 'value="Assistenza 2027"' in html
    assert len(ended.contracts) == 1


def test_new_contract_overlapping_open_ended_one(client, admin, customer):
    response = client.post(
        f"/admin/customers/{customer.id}/contracts/new",
        data=_contract_form(valid_from="2030-01-01", valid_to=""),
    )

    assert response.status_code == 422
    assert (
        "(from 01/01/2020)"
        in field_errors(response.get_data(as_text=True), "valid_from")[0]
    )


def test_adjacent_contracts_accepted(client, admin, ended):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(valid_from="2027-01-01", valid_to=""),
    )

    assert response.status_code == 303
    assert len(ended.contracts) == 2


def test_other_customers_contracts_do_not_overlap(
    client, admin, customer, make_customer
):
    other = make_customer(name="Bianchi Spa")
    other.contracts[0].valid_from = date(2030, 1, 1)
    db.session.commit()

    response = client.post(
        f"/admin/customers/{other.id}/contracts/new",
        data=_contract_form(valid_from="2019-01-01", valid_to="2029-12-31"),
    )

    assert response.status_code == 303
    assert len(other.contracts) == 2


def test_editing_contract_does_not_overlap_itself(client, admin, customer):
    contract = customer.contracts[0]

    response = client.post(
        f"/admin/customers/{customer.id}/contracts/{contract.id}",
        data=_contract_form(name="Rinnovato", valid_from="2020-01-01", valid_to=""),
    )

    assert response.status_code == 303
    assert contract.name == "Rinnovato"


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("-5", "The hourly rate cannot be negative."),
        ("60,505", "Enter at most two decimals."),
        ("sessanta", "Enter an amount such as 60 or 60,50."),
        ("", "Enter the hourly rate, e.g. 60,00."),
        ("99999999999", "The hourly rate can be at most 9,999,999,999.99."),
    ],
)
def test_contract_rate_rejected(client, admin, ended, rate, message):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(hourly_rate=rate),
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "hourly_rate") == [message]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0", "0.00"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("75.5", "75.50"),
    ],
)
def test_contract_rate_formats(client, admin, ended, typed, stored):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(hourly_rate=typed),
    )

    assert response.status_code == 303
    assert _contract(ended, "Assistenza 2027").hourly_rate == Decimal(stored)


def test_contract_end_before_start_rejected(client, admin, ended):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(valid_from="2027-06-01", valid_to="2027-05-31"),
    )

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "valid_to") == [
        "The end date cannot be before the start date."
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("sla_working_days", "", "Enter the working days as ISO weekday numbers"),
        ("sla_working_days", "1,2,8", '"8" is not a weekday number.'),
        ("sla_working_days", "lun,mar", '"lun" is not a weekday number.'),
        ("sla_working_days", "1,2,2", "The weekday 2 is listed twice."),
        ("sla_working_days", "1;2;3", '"1;2;3" is not a weekday number.'),
        ("sla_working_hours", "", "Enter the working hours"),
        ("sla_working_hours", "9-13", '"9-13" is not a working interval.'),
        ("sla_working_hours", "09:00-25:00", '"09:00-25:00" is not a working'),
        ("sla_working_hours", "13:00-09:00", "the start must be before the end"),
        ("sla_working_hours", "14:00-18:00,09:00-13:00", "overlap or are out of order"),
        ("sla_working_hours", "09:00-13:00,12:00-18:00", "overlap or are out of order"),
        ("sla_working_hours", "24:00-02:00", '"24:00-02:00" is not a working'),
        ("sla_timezone", "Mars/Olympus", "Choose a time zone from the list."),
    ],
)
def test_bad_sla_calendar_rejected(client, admin, ended, field, value, message):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(**{field: value}),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, field)
    assert message in error
    assert _contract(ended, "Assistenza 2027") is None


@pytest.mark.parametrize(
    ("first_response", "resolution", "field", "message"),
    [
        ("1:30", "", "normal_resolution", "Enter a target, e.g. 4h, 1:30 or 90."),
        ("", "4h", "normal_first_response", "Enter a target, e.g. 4h, 1:30 or 90."),
        ("1:75", "4h", "normal_first_response", "is not a target time"),
        ("0", "4h", "normal_first_response", "A target must be at least one minute."),
        ("1h", "9000h", "normal_resolution", "cannot be longer than 366 days"),
        ("due ore", "4h", "normal_first_response", "is not a target time"),
    ],
)
def test_bad_sla_targets_rejected(
    client, admin, ended, first_response, resolution, field, message
):
    response = client.post(
        f"/admin/customers/{ended.id}/contracts/new",
        data=_contract_form(
            normal_first_response=first_response, normal_resolution=resolution
        ),
    )

    assert response.status_code == 422
    [error] = field_errors(response.get_data(as_text=True), field)
    assert message in error


def test_contract_of_other_customer_is_404(client, admin, customer, make_customer):
    other = make_customer(name="Bianchi Spa")

    response = client.get(
        f"/admin/customers/{other.id}/contracts/{customer.contracts[0].id}"
    )

    assert response.status_code == 404
