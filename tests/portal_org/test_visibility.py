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
from portal.services.billing_rules.rounding import RoundingScope
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


def round_up_to(org, increment: int, scope=RoundingScope.PER_ENTRY) -> None:
    contract = contract_of(org)
    contract.rounding_increment = increment
    contract.rounding_scope = scope
    db.session.commit()


def test_worked_equal_billed_shows_one_figure(admin_client, org, ticket_with_work):
    contract_of(org).portal_time_display = PortalTimeDisplay.BILLED_AND_WORKED
    db.session.commit()

    html = ticket_page(admin_client, ticket_with_work)

    assert '<td class="num">1:35</td>' in html
    assert "worked" not in html
    assert "total-worked" not in html


def test_rounded_time_shows_worked_and_billed(admin_client, org, ticket_with_work):
    contract_of(org).portal_time_display = PortalTimeDisplay.BILLED_AND_WORKED
    round_up_to(org, 15)

    html = ticket_page(admin_client, ticket_with_work)

    assert '<td class="num">1:35 worked, 1:45 billed</td>' in html
    assert '<strong class="total-hmm">1:45</strong>' in html
    assert '<strong class="total-worked">1:35</strong>' in html
    assert '<strong class="total-hours">1.75</strong>' in html


def test_rounded_time_billed_only(admin_client, org, ticket_with_work):
    round_up_to(org, 15)

    html = ticket_page(admin_client, ticket_with_work)

    assert '<td class="num">1:45</td>' in html
    assert "1:35" not in html
    assert "worked" not in html
    assert '<strong class="total-hmm">1:45</strong>' in html


def test_ticket_day_rounds_entries_together(
    admin_client, org, ticket_with_work, make_entry
):
    # 95 + 10 minutes on one day round to 120 once, not to 120 + 30.
    contract_of(org).portal_time_display = PortalTimeDisplay.BILLED_AND_WORKED
    round_up_to(org, 30, RoundingScope.PER_TICKET_DAY)
    make_entry(
        ticket_with_work,
        ticket_with_work.entries[0].agent,
        minutes=10,
        status=EntryStatus.APPROVED,
        work_date=date(2026, 11, 3),
        description="Verifica finale",
    )

    html = ticket_page(admin_client, ticket_with_work)
    listing = admin_client.get("/portal/").get_data(as_text=True)

    assert '<strong class="total-hmm">2:00</strong>' in html
    assert '<strong class="total-worked">1:45</strong>' in html
    assert "1:45 worked, 2:00 billed" in listing


def test_pending_entry_not_rounded_in(admin_client, org, ticket_with_work, make_entry):
    # A submitted entry of the same day neither shows nor changes the rounding.
    round_up_to(org, 30, RoundingScope.PER_TICKET_DAY)
    make_entry(
        ticket_with_work,
        ticket_with_work.entries[0].agent,
        minutes=40,
        status=EntryStatus.SUBMITTED,
        work_date=date(2026, 11, 3),
    )

    html = ticket_page(admin_client, ticket_with_work)

    assert '<strong class="total-hmm">2:00</strong>' in html


def test_ticket_list_shows_billed_total(admin_client, org, ticket_with_work):
    round_up_to(org, 15)

    listing = admin_client.get("/portal/").get_data(as_text=True)

    assert '<td class="num">1:45</td>' in listing
    assert "1:35" not in listing


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


def test_billed_minutes_without_rounding(ticket_with_work):
    entry = ticket_with_work.entries[0]

    assert billed_minutes_for_portal([ticket_with_work.id]) == {entry.id: 95}


def test_billed_minutes_skip_hidden_entries(ticket_with_work, make_entry):
    agent = ticket_with_work.entries[0].agent
    for status in (EntryStatus.DRAFT, EntryStatus.SUBMITTED, EntryStatus.REJECTED):
        make_entry(ticket_with_work, agent, minutes=7, status=status)
    make_entry(ticket_with_work, agent, status=EntryStatus.APPROVED, is_billable=False)

    billed = billed_minutes_for_portal([ticket_with_work.id])

    assert billed == {ticket_with_work.entries[0].id: 95}


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
    contract.rounding_increment = 60
    db.session.commit()
    sign_in(org.member)
    html = ticket_page(client, ticket_with_work)
    assert "The support team" in html
    assert "1:35 worked, 2:00 billed" in html


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


# The agent's ticket page shows the same billed minutes beside the logged ones


def test_agent_page_shows_billed_where_different(
    client, org, login_as, ticket_with_work, make_entry
):
    round_up_to(org, 15)
    agent = ticket_with_work.entries[0].agent
    exact = make_entry(ticket_with_work, agent, minutes=30, status=EntryStatus.APPROVED)
    draft = make_entry(ticket_with_work, agent, minutes=20, status=EntryStatus.DRAFT)
    login_as(Role.AGENT)

    html = client.get(f"/agent/tickets/{ticket_with_work.key}").get_data(as_text=True)

    rounded_row = html.split(f'id="entry-{ticket_with_work.entries[0].id}"')[1]
    rounded_row = rounded_row.split("</tr>")[0]
    assert "1:45 billed" in rounded_row
    for entry in (exact, draft):
        row = html.split(f'id="entry-{entry.id}"')[1].split("</tr>")[0]
        assert "billed-time" not in row
