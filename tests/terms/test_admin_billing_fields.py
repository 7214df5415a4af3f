"""The admin fields billing depends on: on-site activities, agent levels, a ticket's
contract, and the split of contract fields between admin and accounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    ActivityType,
    BillingModel,
    Contract,
    EntryStatus,
    Role,
    User,
)
from tests.admin.helpers import field_errors

ACTIVITY = {
    "code": "on-site",
    "name_it": "Intervento on-site",
    "name_en": "On-site visit",
    "is_billable": "y",
    "is_on_site": "y",
    "is_active": "y",
    "position": "20",
}
NEW_AGENT = {
    "name": "Giulia Neri",
    "email": "giulia.neri@example.com",
    "role": "agent",
    "customer_id": "",
    "team_id": "",
    "level": " Senior ",
    "language": "it",
    "timezone": "Europe/Rome",
}


@pytest.fixture
def admin(login_as) -> User:
    return login_as(Role.ADMIN, name="Ada Admin", email="ada@example.com")


# Activity types


def test_on_site_checkbox_offered(client, admin):
    html = client.get("/admin/activity-types/new").get_data(as_text=True)

    assert "On-site work (call-out fee applies)" in html
    assert 'name="is_on_site"' in html


def test_create_on_site_activity(client, admin, audit_rows):
    response = client.post("/admin/activity-types/new", data=ACTIVITY)

    activity = db.session.scalar(
        sa.select(ActivityType).where(ActivityType.code == "on-site")
    )
    assert response.status_code == 303
    assert activity.is_on_site is True
    [event] = audit_rows(activity, "created")
    assert event.after["is_on_site"] is True


def test_clear_on_site_flag_audited(client, admin, activity, audit_rows):
    activity.is_on_site = True
    db.session.commit()
    form = {**ACTIVITY, "name_it": activity.name_it, "name_en": activity.name_en}
    form["position"] = str(activity.position)
    del form["is_on_site"]

    response = client.post(f"/admin/activity-types/{activity.id}", data=form)

    assert response.status_code == 303
    assert activity.is_on_site is False
    [event] = audit_rows(activity, "updated")
    assert event.before == {"is_on_site": True}
    assert event.after == {"is_on_site": False}


def test_catalog_lists_on_site_column(client, admin, activity):
    activity.is_on_site = True
    db.session.commit()

    html = client.get("/admin/catalog").get_data(as_text=True)

    assert '<th scope="col">On-site</th>' in html


# Agent levels


def test_invite_agent_with_level(client, admin, audit_rows):
    response = client.post("/admin/users/new", data=NEW_AGENT)

    user = db.session.scalar(sa.select(User).where(User.name == "Giulia Neri"))
    assert response.status_code == 303
    assert user.level == "senior"
    [event] = audit_rows(user, "created")
    assert event.after["level"] == "senior"


def test_change_agent_level_audited(client, admin, make_user, audit_rows):
    agent = make_user(Role.AGENT, name="Luca Ricci", email="luca@example.com")
    form = {**NEW_AGENT, "name": agent.name, "email": agent.email, "level": "junior"}
    form["language"] = agent.language

    response = client.post(f"/admin/users/{agent.id}", data=form)

    assert response.status_code == 303
    assert agent.level == "junior"
    [event] = audit_rows(agent, "updated")
    assert event.before == {"level": ""}
    assert event.after == {"level": "junior"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"role": "accounts"},
            "Only agents, approvers and admins log time, so only they have a level.",
        ),
        ({"level": "x" * 41}, "Enter a level of at most 40 characters."),
    ],
)
def test_rejected_level(client, admin, changes, message):
    response = client.post("/admin/users/new", data={**NEW_AGENT, **changes})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    [error] = field_errors(html, "level")
    assert message in error


def test_user_form_suggests_levels_in_use(client, admin, make_user):
    make_user(Role.AGENT).level = "senior"
    db.session.commit()

    html = client.get("/admin/users/new").get_data(as_text=True)

    assert 'list="user-levels"' in html
    assert '<datalist id="user-levels"><option value="senior"></datalist>' in html


# A ticket's contract


@pytest.fixture
def ticket(make_customer, make_ticket):
    """A ticket of Rossi Srl on its contract from 1 January 2020."""
    customer = make_customer(name="Rossi Srl")
    return make_ticket(customer, key="ASS-1", title="Stampante non stampa")


@pytest.fixture
def renewal(ticket) -> Contract:
    """End the first contract in 2025 and add the customer's renewal from 2026."""
    ticket.customer.contracts[0].valid_to = date(2025, 12, 31)
    renewal = Contract(
        customer_id=ticket.customer_id,
        name="Rinnovo 2026",
        hourly_rate=Decimal("65.00"),
        valid_from=date(2026, 1, 1),
    )
    db.session.add(renewal)
    db.session.commit()
    return renewal


def _ticket_form(ticket, **changes) -> dict:
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


def test_default_contract_choice_names_current_one(client, admin, ticket, renewal):
    html = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)

    assert "Default: the contract valid on each work date (today Rinnovo 2026)" in html
    assert "Rinnovo 2026 (from 01/01/2026)" in html


def test_contract_missing_unbilled_work_rejected(
    client, admin, ticket, renewal, make_entry, make_user
):
    agent = make_user(Role.AGENT)
    make_entry(ticket, agent, work_date=date(2025, 12, 15), status=EntryStatus.APPROVED)
    first_id = ticket.contract_id

    response = client.post(
        f"/admin/tickets/{ticket.id}",
        data=_ticket_form(ticket, contract_id=str(renewal.id)),
    )

    assert response.status_code == 422
    [error] = field_errors(response.get_data(as_text=True), "contract_id")
    assert "The ticket has work not billed yet dated 15/12/2025" in error
    assert "(from 01/01/2026)" in error
    assert ticket.contract_id == first_id


def test_default_contract_accepted_with_unbilled_work(
    client, admin, ticket, renewal, make_entry, make_user
):
    agent = make_user(Role.AGENT)
    make_entry(ticket, agent, work_date=date(2025, 12, 15), status=EntryStatus.APPROVED)

    response = client.post(
        f"/admin/tickets/{ticket.id}", data=_ticket_form(ticket, contract_id="")
    )

    assert response.status_code == 303
    assert ticket.contract_id is None


def test_contract_covering_unbilled_work_accepted(
    client, admin, ticket, renewal, make_entry, make_user, audit_rows
):
    agent = make_user(Role.AGENT)
    make_entry(ticket, agent, work_date=date(2026, 2, 2))
    rejected = make_entry(ticket, agent, work_date=date(2025, 6, 2))
    rejected.status = EntryStatus.REJECTED
    db.session.commit()

    response = client.post(
        f"/admin/tickets/{ticket.id}",
        data=_ticket_form(ticket, contract_id=str(renewal.id)),
    )

    assert response.status_code == 303
    assert ticket.contract_id == renewal.id
    [event] = audit_rows(ticket, "updated")
    assert event.after == {"contract_id": renewal.id}


# Contracts: admin creates, accounts own the terms


def test_admin_contract_page_links_to_accounts(client, admin, ticket):
    contract = ticket.customer.contracts[0]

    html = client.get(
        f"/admin/customers/{ticket.customer_id}/contracts/{contract.id}"
    ).get_data(as_text=True)

    assert f"/accounts/contracts/{contract.id}/terms" in html
    assert f"/accounts/contracts/{contract.id}/rates" in html
    assert f"/accounts/contracts/{contract.id}/portal" in html
    assert 'name="hourly_rate"' not in html
    assert 'name="valid_from"' not in html
    assert 'name="portal_time_display"' not in html


def test_new_contract_starts_time_and_materials(client, admin, make_customer):
    customer = make_customer(name="Bianchi Spa")
    customer.contracts[0].valid_to = date(2026, 12, 31)
    db.session.commit()

    response = client.post(
        f"/admin/customers/{customer.id}/contracts/new",
        data={
            "name": "Assistenza 2027",
            "hourly_rate": "65,50",
            "currency": "EUR",
            "valid_from": "2027-01-01",
            "valid_to": "",
            "sla_business_hours": "y",
            "sla_timezone": "Europe/Rome",
            "sla_working_days": "1,2,3,4,5",
            "sla_working_hours": "09:00-13:00,14:00-18:00",
        },
    )

    contract = db.session.scalar(
        sa.select(Contract).where(Contract.name == "Assistenza 2027")
    )
    assert response.status_code == 303
    assert contract.billing_model == BillingModel.TIME_AND_MATERIALS
    assert contract.hourly_rate == Decimal("65.50")
    assert contract.valid_from == date(2027, 1, 1)
