"""The Resources section of the agent's ticket page and of the approval queue."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ClosedMonth, EntryStatus, ResourceEntry, Role
from portal.services.billing_rules.lines import ResourceKind
from tests.resources.conftest import HTMX

TICKET_URL = "/agent/tickets/ASS-100"
LOG_URL = "/agent/tickets/ASS-100/resources"


def form(**values) -> dict[str, str]:
    data = {
        "kind": "mileage",
        "quantity": "12,5",
        "unit_price": "",
        "description": "Brescia - Salò",
        "work_date": "2026-11-10",
        "internal_note": "",
    }
    data.update(values)
    return {f"resource-{name}": value for name, value in data.items()}


def all_resources() -> list[ResourceEntry]:
    return list(db.session.scalars(sa.select(ResourceEntry).order_by(ResourceEntry.id)))


# --- Agent ---------------------------------------------------------------------


def test_ticket_page_has_resource_form(client, sign_in, agent, ticket):
    sign_in(agent)

    html = client.get(TICKET_URL).get_data(as_text=True)

    assert 'id="resources"' in html
    assert '<label for="resource-kind">Kind</label>' in html
    assert '<label for="resource-quantity">Quantity</label>' in html
    assert '<label for="resource-unit_price">Unit price (EUR)</label>' in html
    assert 'id="resource-unit_price-box" hidden' in html
    assert "You have logged no resources on this ticket yet." in html


def test_log_km_italian_decimal(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(LOG_URL, data=form(), headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    (resource,) = all_resources()
    assert resource.quantity == Decimal("12.50")
    assert resource.kind == ResourceKind.MILEAGE
    assert resource.status == EntryStatus.DRAFT
    assert f'id="resource-{resource.id}"' in html
    assert "Logged 12.5 km (Kilometres) on ASS-100." in html


def test_log_material_plain_post(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(
        LOG_URL,
        data=form(
            kind="material", quantity="3", unit_price="4,50", description="Toner"
        ),
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/tickets/ASS-100#resources")
    (resource,) = all_resources()
    assert resource.unit_price == Decimal("4.50")


def test_invalid_keeps_values_and_errors(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(
        LOG_URL,
        data=form(kind="material", quantity="1,234", unit_price="", description="Cavo"),
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the quantity with at most two decimals." in html
    assert "Enter the unit price of the material." in html
    assert 'value="1,234"' in html
    assert "Cavo</textarea>" in html
    # The material's price field is shown, so its error can be read.
    assert 'id="resource-unit_price-box" hidden' not in html
    assert all_resources() == []


def test_service_error_beside_field(client, sign_in, agent, ticket):
    sign_in(agent)

    response = client.post(
        LOG_URL, data=form(kind="call_out", quantity="1,5"), headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html.split('id="resource-quantity-errors"', 1)[1][:300]
    assert "Enter the call-outs as a whole number of visits." in errors


def test_italian_agent_sees_decimal_comma(client, make_user, sign_in, ticket):
    italian = make_user(Role.AGENT, language="it")
    sign_in(italian)

    response = client.post(LOG_URL, data=form(quantity="12.5"), headers=HTMX)

    assert response.status_code == 200
    assert "12,5 km" in response.get_data(as_text=True)


def test_closed_month_error_beside_date(client, sign_in, agent, lead, ticket):
    db.session.add(ClosedMonth(month=date(2026, 11, 1), closed_by_id=lead.id))
    db.session.commit()
    sign_in(agent)

    response = client.post(LOG_URL, data=form(), headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    errors = html.split('id="resource-work_date-errors"', 1)[1][:400]
    assert "is closed" in errors
    assert all_resources() == []


def test_retried_post_logs_once(client, sign_in, agent, ticket):
    sign_in(agent)
    data = form(client_token="d" * 32)

    client.post(LOG_URL, data=data, headers=HTMX)
    client.post(LOG_URL, data=data, headers=HTMX)

    assert len(all_resources()) == 1


def test_edit_and_save(client, sign_in, agent, ticket, make_resource):
    resource = make_resource(ticket, agent, status=EntryStatus.REJECTED)
    sign_in(agent)
    url = f"/agent/resources/{resource.id}/edit"

    editor = client.get(url, headers=HTMX).get_data(as_text=True)
    prefix = f"resource-{resource.id}"
    response = client.post(
        url,
        data={
            f"{prefix}-kind": "mileage",
            f"{prefix}-quantity": "40",
            f"{prefix}-description": "Brescia - Bergamo",
            f"{prefix}-work_date": "2026-11-10",
            f"{prefix}-version": str(resource.version),
        },
        headers=HTMX,
    )

    assert f'id="edit-resource-{resource.id}"' in editor
    assert 'value="12.5"' in editor
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#resources"
    db.session.refresh(resource)
    assert resource.quantity == Decimal("40.00")
    assert resource.status == EntryStatus.REJECTED


def test_edit_stale_version_409(client, sign_in, agent, ticket, make_resource):
    resource = make_resource(ticket, agent)
    sign_in(agent)
    prefix = f"resource-{resource.id}"

    response = client.post(
        f"/agent/resources/{resource.id}/edit",
        data={
            f"{prefix}-kind": "mileage",
            f"{prefix}-quantity": "40",
            f"{prefix}-work_date": "2026-11-10",
            f"{prefix}-version": str(resource.version + 3),
        },
        headers=HTMX,
    )

    assert response.status_code == 409


def test_other_agents_resource_404(
    client, sign_in, agent, other_agent, ticket, make_resource
):
    theirs = make_resource(ticket, other_agent)
    sign_in(agent)

    assert client.get(f"/agent/resources/{theirs.id}/edit").status_code == 404
    assert client.post(f"/agent/resources/{theirs.id}/delete").status_code == 404
    assert client.post(f"/agent/resources/{theirs.id}/submit").status_code == 404


def test_delete_confirm_then_delete(client, sign_in, agent, ticket, make_resource):
    resource = make_resource(ticket, agent)
    sign_in(agent)
    url = f"/agent/resources/{resource.id}/delete"

    page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={"version": str(resource.version)})

    assert "Delete 12.5 km (Kilometres) logged on 10/11/2026 on ASS-100?" in page
    assert response.status_code == 303
    assert all_resources() == []


def test_submit_one_and_all(client, sign_in, agent, ticket, make_resource):
    first = make_resource(ticket, agent)
    make_resource(ticket, agent)
    make_resource(ticket, agent)
    sign_in(agent)

    one = client.post(f"/agent/resources/{first.id}/submit", headers=HTMX)
    rest = client.post(f"{LOG_URL}/submit-drafts", headers=HTMX)

    assert "1 resource submitted for approval." in one.get_data(as_text=True)
    assert "2 resources submitted for approval." in rest.get_data(as_text=True)
    assert {r.status for r in all_resources()} == {EntryStatus.SUBMITTED}


def test_list_shows_own_only(
    client, sign_in, agent, other_agent, ticket, make_resource
):
    mine = make_resource(ticket, agent, internal_note="MY-NOTE")
    theirs = make_resource(ticket, other_agent, description="THEIR-ROUTE")
    sign_in(agent)

    html = client.get(TICKET_URL).get_data(as_text=True)

    assert f'id="resource-{mine.id}"' in html
    assert "MY-NOTE" in html
    assert f'id="resource-{theirs.id}"' not in html
    assert "THEIR-ROUTE" not in html


# --- Approval queue ------------------------------------------------------------


def test_queue_lists_waiting_resources(
    client, sign_in, lead, agent, ticket, make_resource
):
    waiting = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    draft = make_resource(ticket, agent)
    sign_in(lead)

    html = client.get("/approvals/").get_data(as_text=True)

    assert "Resources awaiting approval" in html
    assert f'id="resource-{waiting.id}"' in html
    assert f'id="resource-{draft.id}"' not in html


def test_queue_filters_agent_and_customer(
    client, sign_in, lead, agent, other_agent, ticket, other_ticket, make_resource
):
    mine = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    other_customer = make_resource(other_ticket, agent, status=EntryStatus.SUBMITTED)
    other_person = make_resource(ticket, other_agent, status=EntryStatus.SUBMITTED)
    sign_in(lead)

    by_agent = client.get(f"/approvals/?agent={agent.id}").get_data(as_text=True)
    by_customer = client.get(f"/approvals/?customer={ticket.customer_id}").get_data(
        as_text=True
    )

    assert f'id="resource-{mine.id}"' in by_agent
    assert f'id="resource-{other_customer.id}"' in by_agent
    assert f'id="resource-{other_person.id}"' not in by_agent
    assert f'id="resource-{other_customer.id}"' not in by_customer
    assert f'id="resource-{other_person.id}"' in by_customer


def test_approve_via_htmx(client, sign_in, lead, agent, ticket, make_resource):
    resource = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    sign_in(lead)

    response = client.post(
        f"/approvals/resources/{resource.id}/approve",
        data={"version": str(resource.version)},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Approved the resource 12.5 km (Kilometres) of 10/11/2026" in html
    assert "No resources are waiting for approval." in html
    db.session.refresh(resource)
    assert resource.status == EntryStatus.APPROVED


def test_two_leads_race_409(
    client, app, sign_in, lead, make_user, team, agent, ticket, make_resource
):
    resource = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    rival = make_user(Role.APPROVER, name="Paolo Neri")
    team.approvers.append(rival)
    db.session.commit()
    rival_client = app.test_client()
    assert (
        rival_client.post(
            "/login", data={"email": rival.email, "password": "correct horse battery"}
        ).status_code
        == 303
    )
    sign_in(lead)
    seen = str(resource.version)

    first = rival_client.post(
        f"/approvals/resources/{resource.id}/approve",
        data={"version": seen},
        headers=HTMX,
    )
    second = client.post(
        f"/approvals/resources/{resource.id}/approve",
        data={"version": seen},
        headers=HTMX,
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert "Already approved by Paolo Neri on" in second.get_data(as_text=True)


def test_reject_without_reason_422(client, sign_in, lead, agent, ticket, make_resource):
    resource = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    sign_in(lead)

    response = client.post(
        f"/approvals/resources/{resource.id}/reject",
        data={f"resource-reject-{resource.id}-reason": ""},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the reason for the rejection." in html
    assert '<details class="inline-form" open>' in html
    db.session.refresh(resource)
    assert resource.status == EntryStatus.SUBMITTED


def test_reject_plain_post_redirects(
    client, sign_in, lead, agent, ticket, make_resource
):
    resource = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    sign_in(lead)

    response = client.post(
        f"/approvals/resources/{resource.id}/reject",
        data={f"resource-reject-{resource.id}-reason": "Wrong ticket"},
    )

    assert response.status_code == 303
    db.session.refresh(resource)
    assert resource.status == EntryStatus.REJECTED
    assert resource.rejection_reason == "Wrong ticket"


def test_bulk_selection(client, sign_in, lead, agent, ticket, make_resource):
    first = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    second = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    sign_in(lead)

    response = client.post(
        "/approvals/resources/decide",
        data={
            "resource-selection-decision": "reject",
            "resource-selection-reason": "Duplicate",
            "resource-selection-selected": [
                f"{first.id}:{first.version}",
                f"{second.id}:{second.version}",
            ],
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Rejected 2 resources." in response.get_data(as_text=True)
    assert {r.status for r in all_resources()} == {EntryStatus.REJECTED}


def test_bulk_reject_needs_reason(client, sign_in, lead, agent, ticket, make_resource):
    resource = make_resource(ticket, agent, status=EntryStatus.SUBMITTED)
    sign_in(lead)

    response = client.post(
        "/approvals/resources/decide",
        data={
            "resource-selection-decision": "reject",
            "resource-selection-selected": [f"{resource.id}:{resource.version}"],
        },
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the reason for rejecting the resources." in html
    assert f'value="{resource.id}:{resource.version}" checked' in html


def test_reverse_from_approved_view(
    client, sign_in, lead, agent, ticket, make_resource
):
    resource = make_resource(
        ticket, agent, status=EntryStatus.APPROVED, decided_by=lead
    )
    sign_in(lead)

    page = client.get("/approvals/?status=approved").get_data(as_text=True)
    response = client.post(
        f"/approvals/resources/{resource.id}/reverse?status=approved",
        data={
            f"resource-reverse-{resource.id}-reason": "Wrong day",
            f"resource-reverse-{resource.id}-version": str(resource.version),
        },
        headers=HTMX,
    )

    assert "Approved resources" in page
    assert "Reverse approval" in page
    assert response.status_code == 200
    db.session.refresh(resource)
    assert resource.status == EntryStatus.SUBMITTED


def test_other_team_resource_404(client, sign_in, make_user, ticket, make_resource):
    stranger = make_user(Role.AGENT)
    resource = make_resource(ticket, stranger, status=EntryStatus.SUBMITTED)
    lonely = make_user(Role.APPROVER)
    sign_in(lonely)

    response = client.post(f"/approvals/resources/{resource.id}/approve")

    assert response.status_code == 404
    assert f'id="resource-{resource.id}"' not in client.get("/approvals/").get_data(
        as_text=True
    )
