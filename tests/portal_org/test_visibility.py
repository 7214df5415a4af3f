"""Contract flags decide agents' names and worked time in the portal ticket log."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Contract,
    EntryStatus,
    PortalTimeDisplay,
    Role,
)
from portal.services.customer_view import billed_minutes_for_portal


@pytest.fixture
def ticket_with_work(org, make_ticket, make_user, make_entry):
    agent = make_user(Role.AGENT, name="Mario Rossi", email="mario@support.example")
    ticket = make_ticket(org.customer, key="ALFA-7", title="Server lento")
    make_entry(
        ticket,
        agent,
        minutes=95,
        status=EntryStatus.APPROVED,
        work_date=date(2026, 11, 3),
        description="Pulizia dischi",
    )
    return ticket


def contract_of(org) -> Contract:
    return org.customer.contracts[0]


def ticket_page(client, ticket) -> str:
    response = client.get(f"/portal/tickets/{ticket.key}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_default_shows_names_and_billed_only(admin_client, ticket_with_work):
    html = ticket_page(admin_client, ticket_with_work)

    assert "Mario Rossi" in html
    assert "The support team" not in html
    assert "Worked time" not in html
    assert '<td class="num">1:35</td>' in html


def test_hidden_names_show_support_team(admin_client, org, ticket_with_work):
    contract_of(org).portal_shows_agent_names = False
    db.session.commit()

    html = ticket_page(admin_client, ticket_with_work)

    assert "Mario Rossi" not in html
    assert "The support team" in html


def test_worked_and_billed_columns(admin_client, org, ticket_with_work):
    contract_of(org).portal_time_display = PortalTimeDisplay.BILLED_AND_WORKED
    db.session.commit()

    html = ticket_page(admin_client, ticket_with_work)

    assert "Worked time" in html
    assert "Billed time" in html
    assert '<td class="num worked">1:35</td>' in html
    assert '<strong class="total-worked">1:35</strong>' in html


def test_no_ticket_contract_uses_dated_contract(
    admin_client, org, ticket_with_work, make_entry
):
    """The customer's contract valid on the work date decides, day by day."""
    old = contract_of(org)
    old.valid_to = date(2026, 10, 31)
    newer = Contract(
        customer=org.customer,
        name="Contratto 2026-11",
        hourly_rate=old.hourly_rate,
        valid_from=date(2026, 11, 1),
        portal_shows_agent_names=False,
    )
    db.session.add(newer)
    ticket_with_work.contract = None
    db.session.commit()
    make_entry(
        ticket_with_work,
        ticket_with_work.entries[0].agent,
        minutes=10,
        status=EntryStatus.APPROVED,
        work_date=date(2026, 10, 15),
        description="Prima analisi",
    )

    html = ticket_page(admin_client, ticket_with_work)

    october, november = html.split("Prima analisi")[0], html.split("Prima analisi")[1]
    assert "Mario Rossi" in october
    assert "Mario Rossi" not in november
    assert "The support team" in november


def test_entry_outside_contracts_shows_least(admin_client, org, ticket_with_work):
    contract_of(org).valid_from = date(2027, 1, 1)
    contract_of(org).portal_time_display = PortalTimeDisplay.BILLED_AND_WORKED
    ticket_with_work.contract = None
    db.session.commit()

    html = ticket_page(admin_client, ticket_with_work)

    assert "Mario Rossi" not in html
    assert "Worked time" not in html


def test_billed_minutes_equal_logged_minutes(ticket_with_work):
    entry = ticket_with_work.entries[0]

    assert billed_minutes_for_portal(entry) == 95


# The accounts page that sets the flags


@pytest.mark.parametrize("role", [Role.ACCOUNTS, Role.ADMIN])
def test_accounts_sets_flags(client, org, login_as, role, ticket_with_work, sign_in):
    login_as(role)
    contract = contract_of(org)

    listing = client.get("/accounts/contracts")
    page = client.get(f"/accounts/contracts/{contract.id}/portal")
    response = client.post(
        f"/accounts/contracts/{contract.id}/portal",
        data={"portal_time_display": "billed_and_worked"},
    )

    assert listing.status_code == 200
    assert f"/accounts/contracts/{contract.id}/portal" in listing.get_data(as_text=True)
    assert page.status_code == 200
    assert response.status_code == 303
    contract = db.session.get(Contract, contract.id)
    assert contract.portal_time_display == PortalTimeDisplay.BILLED_AND_WORKED
    assert contract.portal_shows_agent_names is False

    client.post("/logout")
    sign_in(org.member)
    html = ticket_page(client, ticket_with_work)
    assert "The support team" in html
    assert "Worked time" in html


def test_flag_change_audited(client, org, login_as):
    accountant = login_as(Role.ACCOUNTS)
    contract = contract_of(org)

    client.post(
        f"/accounts/contracts/{contract.id}/portal",
        data={"portal_time_display": "billed", "portal_shows_agent_names": "y"},
    )
    client.post(
        f"/accounts/contracts/{contract.id}/portal",
        data={"portal_time_display": "billed"},
    )

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "contracts")
    ).all()
    assert len(events) == 1
    assert events[0].actor_id == accountant.id
    assert events[0].before == {"portal_shows_agent_names": True}
    assert events[0].after == {"portal_shows_agent_names": False}


def test_bad_time_display_422(client, org, login_as):
    login_as(Role.ACCOUNTS)
    contract = contract_of(org)

    response = client.post(
        f"/accounts/contracts/{contract.id}/portal",
        data={"portal_time_display": "everything"},
    )

    assert response.status_code == 422
    assert "Choose an option from the list." in response.get_data(as_text=True)
    assert db.session.get(Contract, contract.id).portal_time_display == "billed"


def test_missing_contract_404(client, login_as):
    login_as(Role.ACCOUNTS)

    assert client.get("/accounts/contracts/999999/portal").status_code == 404


def test_customer_cannot_set_flags(admin_client, org):
    contract = contract_of(org)

    response = admin_client.post(
        f"/accounts/contracts/{contract.id}/portal",
        data={"portal_time_display": "billed_and_worked"},
    )

    assert response.status_code == 403
    assert db.session.get(Contract, contract.id).portal_time_display == "billed"
