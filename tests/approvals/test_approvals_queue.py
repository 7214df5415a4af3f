"""The queue page: grouping, totals, rows, filters and the number of queries."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from approvals_helpers import (
    MONDAY,
    NEXT_MONDAY,
    SUNDAY,
    WEDNESDAY,
    group_id,
    section,
    text_of,
)

from portal.extensions import db
from portal.models import (
    ActivityType,
    Category,
    EntryStatus,
    Role,
    Team,
    Ticket,
    TimeEntry,
    User,
)


def test_approver_home_is_queue(client, approver):
    response = client.get("/")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/approvals/")


def test_admin_home_is_queue(client, login_as):
    login_as(Role.ADMIN)

    response = client.get("/")

    assert response.headers["Location"].endswith("/approvals/")


def test_queue_groups_by_agent_and_week(client, approver, agent, ticket, submit):
    submit(ticket, agent, minutes=30, work_date=MONDAY)
    submit(ticket, agent, minutes=45, work_date=WEDNESDAY, is_billable=False)
    submit(ticket, agent, minutes=15, work_date=SUNDAY)
    submit(ticket, agent, minutes=60, work_date=NEXT_MONDAY)

    html = client.get("/approvals/").get_data(as_text=True)

    first_week = text_of(section(html, group_id(agent, MONDAY)))
    assert "Marco Rossi" in first_week
    assert "week 09/11/2026 – 15/11/2026" in first_week
    assert "3 entries" in first_week
    assert "Total 1:30" in first_week
    assert "Billable 0:45" in first_week
    second_week = text_of(section(html, group_id(agent, NEXT_MONDAY)))
    assert "week 16/11/2026 – 22/11/2026" in second_week
    assert "1 entry" in second_week
    assert "Total 1:00" in second_week
    assert "Billable 1:00" in second_week


def test_queue_group_order(client, approver, agent, other_agent, ticket, submit):
    # Groups sort by week, then by agent name: Marco's entries are created
    # first, but Anna sorts before him.
    submit(ticket, agent, work_date=NEXT_MONDAY)
    submit(ticket, agent, work_date=WEDNESDAY)
    submit(ticket, other_agent, work_date=NEXT_MONDAY)
    submit(ticket, other_agent, work_date=MONDAY)

    html = client.get("/approvals/").get_data(as_text=True)

    expected_order = [
        group_id(other_agent, MONDAY),
        group_id(agent, MONDAY),
        group_id(other_agent, NEXT_MONDAY),
        group_id(agent, NEXT_MONDAY),
    ]
    positions = [html.index(f'id="{dom_id}"') for dom_id in expected_order]
    assert positions == sorted(positions)


def test_queue_rows_within_group_by_date(client, approver, agent, ticket, submit):
    later = submit(ticket, agent, work_date=WEDNESDAY, description="Second visit")
    earlier = submit(ticket, agent, work_date=MONDAY, description="First visit")

    html = client.get("/approvals/").get_data(as_text=True)

    assert html.index(f'id="entry-{earlier.id}"') < html.index(f'id="entry-{later.id}"')


def test_queue_row_shows_entry_details(client, approver, agent, ticket, submit):
    entry = submit(
        ticket,
        agent,
        minutes=90,
        description="Reinstalled the printer driver",
        internal_note="Customer's admin password is on the sticky note",
        is_billable=False,
    )

    html = client.get("/approvals/").get_data(as_text=True)

    row = section(html, f"entry-{entry.id}")
    assert 'href="/agent/tickets/ASS-1001"' in row
    text = text_of(row)
    assert "09/11/2026" in text
    assert "ASS-1001" in text
    assert "Stampante non risponde" in text
    assert "Rossi Impianti Srl" in text
    assert "Remote support" in text
    assert "1:30" in text
    assert "No" in text
    assert "Reinstalled the printer driver" in text
    assert "Internal Customer&#39;s admin password is on the sticky note" in text
    assert "badge-internal" in row


def test_queue_activity_in_user_language(client, login_as, team, agent, ticket, submit):
    lead = login_as(Role.APPROVER, language="it")
    team.approvers.append(lead)
    db.session.commit()
    entry = submit(ticket, agent)

    html = client.get("/approvals/").get_data(as_text=True)

    assert "Assistenza remota" in section(html, f"entry-{entry.id}")


def test_queue_shows_only_submitted_entries(
    client, approver, agent, ticket, submit, make_entry
):
    waiting = submit(ticket, agent)
    others = [
        make_entry(ticket, agent, status=status)
        for status in (EntryStatus.DRAFT, EntryStatus.APPROVED, EntryStatus.REJECTED)
    ]

    html = client.get("/approvals/").get_data(as_text=True)

    assert f'id="entry-{waiting.id}"' in html
    for entry in others:
        assert f'id="entry-{entry.id}"' not in html, entry.status


def test_queue_empty_says_so(client, approver):
    response = client.get("/approvals/")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No entries are waiting for approval." in html
    assert 'id="queue"' in html


def test_queue_title_counts_waiting(client, approver, agent, ticket, submit):
    submit(ticket, agent)
    submit(ticket, agent)

    html = client.get("/approvals/").get_data(as_text=True)

    assert "<title>Approvals (2 waiting) · Consuntivo</title>" in html
    assert "2 entries are waiting for approval." in text_of(
        section(html, "queue-count")
    )


def test_queue_filters_by_agent(client, approver, agent, other_agent, ticket, submit):
    kept = submit(ticket, agent)
    hidden = submit(ticket, other_agent)

    response = client.get(f"/approvals/?agent={agent.id}")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="entry-{kept.id}"' in html
    assert f'id="entry-{hidden.id}"' not in html
    assert "1 entry matches the filters." in text_of(section(html, "queue-count"))
    assert f'<option selected value="{agent.id}">' in html


def test_queue_filters_by_customer(
    client, approver, agent, ticket, submit, make_customer, make_ticket
):
    other_ticket = make_ticket(make_customer(name="Bianchi Srl"), key="ASS-2001")
    kept = submit(ticket, agent)
    hidden = submit(other_ticket, agent)

    html = client.get(f"/approvals/?customer={ticket.customer_id}").get_data(
        as_text=True
    )

    assert f'id="entry-{kept.id}"' in html
    assert f'id="entry-{hidden.id}"' not in html


def test_queue_filter_without_matches(
    client, approver, agent, other_agent, submit, ticket
):
    submit(ticket, agent)

    html = client.get(f"/approvals/?agent={other_agent.id}").get_data(as_text=True)

    assert "No entries matching the filters are waiting for approval." in html


@pytest.mark.parametrize("value", ["abc", "999999"])
def test_queue_invalid_filter_is_422(client, approver, agent, ticket, submit, value):
    entry = submit(ticket, agent)

    response = client.get(f"/approvals/?agent={value}")

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = section(html, "agent-errors")
    assert "Choose an agent from the list." in errors
    # The queue is still shown, unfiltered.
    assert f'id="entry-{entry.id}"' in html


def test_own_entries_have_no_buttons(client, approver, team, agent, ticket, submit):
    # A lead may be a member of the team they approve, and sees their own
    # entries there, without buttons.
    approver.team = team
    db.session.commit()
    own = submit(ticket, approver)
    other = submit(ticket, agent)

    html = client.get("/approvals/").get_data(as_text=True)

    own_group = section(html, group_id(approver, MONDAY))
    assert "Approve" not in text_of(own_group).replace("approves", "")
    assert "Reject" not in text_of(own_group)
    assert "Your entry" in text_of(section(html, f"entry-{own.id}"))
    other_row = text_of(section(html, f"entry-{other.id}"))
    assert "Approve" in other_row
    assert "Reject" in other_row
    assert "Approve all" in text_of(section(html, group_id(agent, MONDAY)))


def test_group_form_lists_shown_versions(client, approver, agent, ticket, submit):
    first = submit(ticket, agent)
    second = submit(ticket, agent, work_date=WEDNESDAY)

    html = client.get("/approvals/").get_data(as_text=True)

    hidden = section(html, f"{group_id(agent, MONDAY)}-entries")
    assert f'value="{first.id}:{first.version},{second.id}:{second.version}"' in hidden


def test_reject_argument_opens_form(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.get(f"/approvals/?reject={entry.id}")

    assert response.status_code == 200
    row = section(response.get_data(as_text=True), f"entry-{entry.id}")
    assert f'name="reject-{entry.id}-reason"' in row
    assert f'name="reject-{entry.id}-version" type="hidden" value="1"' in row


def test_queue_of_500_entries_uses_few_queries(app, client, approver, team, customer):
    """Render 500 entries of 10 agents on 25 tickets with a fixed number of queries."""
    activity = ActivityType(code="onsite", name_it="Intervento", name_en="On site")
    agents = [_make_agent(number, team) for number in range(10)]
    tickets = [
        Ticket(key=f"ASS-{3000 + number}", title=f"Ticket {number}", customer=customer)
        for number in range(25)
    ]
    _attach_category(tickets)
    pairs = itertools.product(range(50), range(10))
    entries = [
        TimeEntry(
            ticket=tickets[(day * 10 + index) % 25],
            agent=agents[index],
            minutes=15 + index,
            work_date=MONDAY + timedelta(days=day % 21),
            description=f"Work {day}-{index}",
            internal_note="Checked the logs" if index % 2 else "",
            activity_type=activity,
            status=EntryStatus.SUBMITTED,
            submitted_at=datetime.now(UTC),
        )
        for day, index in pairs
    ]
    db.session.add_all([activity, *agents, *tickets, *entries])
    db.session.commit()

    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get("/approvals/")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('<tr id="entry-') == 500
    assert "500 entries are waiting for approval." in html
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # User, the lead's teams, agent and customer choices, entries, the two
    # anomaly checks, waiting count, and the header's timer and unread count.
    listing = "\n".join(statement[:120] for statement in selects)
    assert len(selects) <= 10, listing


def _make_agent(number: int, team: Team) -> User:
    return User(
        name=f"Agent {number:02d}",
        email=f"bulk-agent-{number}@example.com",
        password_hash="unused",
        role=Role.AGENT,
        team=team,
    )


def _attach_category(tickets: list[Ticket]) -> None:
    category = Category(code="bulk", name_it="Varie", name_en="Other")
    for ticket in tickets:
        ticket.category = category
