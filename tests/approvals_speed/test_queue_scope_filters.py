"""The queue shows each lead their teams' entries, filtered and sorted."""

from __future__ import annotations

import pytest

from approvals_speed.helpers import (
    MONDAY,
    NEXT_MONDAY,
    WEDNESDAY,
    section,
    text_of,
)
from portal.extensions import db
from portal.models import EntryStatus, Role


def _ids_in(html: str, *entries) -> list[bool]:
    return [f'id="entry-{entry.id}"' in html for entry in entries]


# Team scope


def test_lead_sees_only_own_teams(client, lead, agent, outsider, ticket, submit):
    mine = submit(ticket, agent)
    theirs = submit(ticket, outsider)

    html = client.get("/approvals/").get_data(as_text=True)

    assert _ids_in(html, mine, theirs) == [True, False]
    assert "1 entry is waiting for approval." in text_of(section(html, "queue-count"))


def test_lead_without_team_sees_hint(client, login_as, agent, ticket, submit):
    login_as(Role.APPROVER)
    entry = submit(ticket, agent)

    response = client.get("/approvals/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="entry-{entry.id}"' not in html
    assert "You approve no team yet" in html
    assert "0 entries are waiting for approval." in html


def test_admin_sees_every_team(client, login_as, agent, outsider, ticket, submit):
    login_as(Role.ADMIN)
    entries = [submit(ticket, agent), submit(ticket, outsider)]

    html = client.get("/approvals/").get_data(as_text=True)

    assert _ids_in(html, *entries) == [True, True]


def test_admin_sees_agents_without_team(client, login_as, make_user, ticket, submit):
    login_as(Role.ADMIN)
    loner = make_user(Role.AGENT, name="Sara Sola")
    entry = submit(ticket, loner)

    html = client.get("/approvals/").get_data(as_text=True)

    assert f'id="entry-{entry.id}"' in html


def test_lead_of_two_teams_filters_by_team(
    client, lead, networks, agent, outsider, ticket, submit
):
    networks.approvers.append(lead)
    db.session.commit()
    desk_entry = submit(ticket, agent)
    network_entry = submit(ticket, outsider)

    html = client.get(f"/approvals/?team={networks.id}").get_data(as_text=True)

    assert _ids_in(html, desk_entry, network_entry) == [False, True]
    assert f'<option selected value="{networks.id}">Networks</option>' in html


def test_agent_choices_are_in_scope(client, lead, agent, outsider):
    html = client.get("/approvals/").get_data(as_text=True)

    choices = section(html, "agent")
    assert "Marco Rossi" in choices
    assert "Piero Gallo" not in choices


def test_foreign_team_filter_is_422(client, lead, networks, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.get(f"/approvals/?team={networks.id}")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a team from the list." in section(html, "team-errors")
    assert f'id="entry-{entry.id}"' in html


# Filters


def test_week_filter_keeps_one_week(client, lead, agent, ticket, submit):
    this_week = submit(ticket, agent, work_date=WEDNESDAY)
    next_week = submit(ticket, agent, work_date=NEXT_MONDAY)

    response = client.get(f"/approvals/?week={WEDNESDAY.isoformat()}")

    html = response.get_data(as_text=True)
    assert _ids_in(html, this_week, next_week) == [True, False]
    # The field shows the Monday of the week chosen.
    assert f'value="{MONDAY.isoformat()}"' in section(html, "week")


def test_week_filter_takes_iso_week(client, lead, agent, ticket, submit):
    next_week = submit(ticket, agent, work_date=NEXT_MONDAY)

    html = client.get("/approvals/?week=2026-W47").get_data(as_text=True)

    assert f'id="entry-{next_week.id}"' in html


@pytest.mark.parametrize("week", ["last week", "2026-13-01", "2026-W60"])
def test_invalid_week_is_422(client, lead, agent, ticket, submit, week):
    entry = submit(ticket, agent)

    response = client.get("/approvals/", query_string={"week": week})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter the week as a date, e.g. 2026-11-09." in section(html, "week-errors")
    assert f'value="{week}"' in section(html, "week")
    assert f'id="entry-{entry.id}"' in html


def test_customer_and_agent_filters_combine(
    client, lead, agent, other_agent, ticket, submit, make_customer, make_ticket
):
    other_ticket = make_ticket(make_customer(name="Bianchi Srl"), key="ASS-2001")
    kept = submit(ticket, agent)
    hidden = [submit(other_ticket, agent), submit(ticket, other_agent)]

    url = f"/approvals/?agent={agent.id}&customer={ticket.customer_id}"
    html = client.get(url).get_data(as_text=True)

    assert _ids_in(html, kept, *hidden) == [True, False, False]
    assert "1 entry matches the filters." in text_of(section(html, "queue-count"))


def test_status_approved_lists_decisions(client, lead, agent, ticket, submit, approve):
    approved = approve(submit(ticket, agent))
    waiting = submit(ticket, agent)

    html = client.get("/approvals/?status=approved").get_data(as_text=True)

    assert _ids_in(html, approved, waiting) == [True, False]
    row = text_of(section(html, f"entry-{approved.id}"))
    assert "Approved by Giulia Neri on 01/12/2026 10:30" in row
    assert "Reverse approval" in row
    # Decided entries cannot be selected for a bulk decision.
    assert 'name="selected"' not in html
    assert 'id="selection-form"' not in html


def test_status_rejected_shows_reason(client, lead, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, status=EntryStatus.REJECTED)
    entry.rejection_reason = "Wrong customer"
    db.session.commit()

    html = client.get("/approvals/?status=rejected").get_data(as_text=True)

    row = text_of(section(html, f"entry-{entry.id}"))
    assert "Wrong customer" in row
    assert "Approve" not in row


def test_invalid_status_is_422(client, lead, agent, ticket, submit):
    submit(ticket, agent)

    response = client.get("/approvals/?status=draft")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose a status from the list." in section(html, "status-errors")


def test_sort_by_size_puts_longest_first(
    client, lead, agent, other_agent, ticket, submit
):
    short = submit(ticket, agent, minutes=20, work_date=MONDAY)
    longest = submit(ticket, other_agent, minutes=300, work_date=NEXT_MONDAY)
    middle = submit(ticket, agent, minutes=90, work_date=WEDNESDAY)

    html = client.get("/approvals/?sort=size").get_data(as_text=True)

    positions = [html.index(f'id="entry-{e.id}"') for e in (longest, middle, short)]
    assert positions == sorted(positions)


def test_sort_by_date_is_default(client, lead, agent, ticket, submit):
    later = submit(ticket, agent, minutes=300, work_date=WEDNESDAY)
    earlier = submit(ticket, agent, minutes=20, work_date=MONDAY)

    html = client.get("/approvals/").get_data(as_text=True)

    assert html.index(f'id="entry-{earlier.id}"') < html.index(f'id="entry-{later.id}"')


def test_filters_survive_in_row_actions(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)

    html = client.get(f"/approvals/?agent={agent.id}&sort=size").get_data(as_text=True)

    row = section(html, f"entry-{entry.id}")
    assert (
        f"/approvals/entries/{entry.id}/approve?agent={agent.id}&amp;sort=size" in row
    )


def test_queue_is_capped(client, lead, agent, ticket, submit, monkeypatch):
    monkeypatch.setattr("portal.services.approval_queue.MAX_QUEUE_ENTRIES", 2)
    entries = [submit(ticket, agent, minutes=10 + n) for n in range(3)]

    html = client.get("/approvals/").get_data(as_text=True)

    assert html.count('<tr id="entry-') == 2
    assert f'id="entry-{entries[2].id}"' not in html
    assert "Only the first 2 matching entries are shown." in html


# Decisions outside one's teams


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "approve"),
        ("GET", "reject"),
        ("POST", "reject"),
        ("GET", ""),
        ("GET", "reverse"),
    ],
)
def test_foreign_team_entry_is_404(
    client, lead, outsider, ticket, submit, method, path
):
    entry = submit(ticket, outsider)
    url = f"/approvals/entries/{entry.id}/{path}".rstrip("/")

    response = client.open(
        url,
        method=method,
        data={f"reject-{entry.id}-reason": "No"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(type(entry), entry.id).status == EntryStatus.SUBMITTED


def test_self_approval_in_own_team_is_403(client, lead, help_desk, ticket, submit):
    lead.team = help_desk
    db.session.commit()
    entry = submit(ticket, lead)

    response = client.post(f"/approvals/entries/{entry.id}/approve")

    assert response.status_code == 403
    assert "You cannot approve or reject your own time entries." in (
        response.get_data(as_text=True)
    )


def test_entry_moved_out_of_team_is_404(client, lead, networks, agent, ticket, submit):
    entry = submit(ticket, agent)
    page = client.get("/approvals/").get_data(as_text=True)
    assert f'id="entry-{entry.id}"' in page
    agent.team = networks  # an admin moves the agent after the page loaded
    db.session.commit()

    response = client.post(f"/approvals/entries/{entry.id}/approve")

    assert response.status_code == 404
