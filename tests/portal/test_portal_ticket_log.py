"""The ticket page: only approved billable work, totals, nothing internal."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ActivityType, EntryStatus


@pytest.fixture
def ticket_page(customer_client, world) -> str:
    response = customer_client.get(f"/portal/tickets/{world.ticket_a.key}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_log_shows_approved_billable_entries(ticket_page, world):
    assert 'id="entry-log"' in ticket_page
    for description in world.visible_descriptions:
        assert description in ticket_page
    assert "Mario Rossi" in ticket_page
    assert "Remote support" in ticket_page
    assert "03/11/2026" in ticket_page
    assert '<td class="num">1:30</td>' in ticket_page
    assert '<td class="num">0:45</td>' in ticket_page


@pytest.mark.parametrize("kind", ["draft", "submitted", "rejected", "non_billable"])
def test_log_hides_entry_kind(ticket_page, world, kind):
    assert world.hidden_descriptions[kind] not in ticket_page


def test_log_hides_internal_notes(ticket_page, world):
    for marker in world.internal_note_markers:
        assert marker not in ticket_page
    assert "INTERNAL-NOTE-MARKER" not in ticket_page


def test_log_hides_rates(ticket_page, world):
    assert str(world.hourly_rate_a) not in ticket_page
    assert str(world.hourly_rate_a).replace(".", ",") not in ticket_page
    assert "€" not in ticket_page


def test_log_hides_internal_emails(ticket_page, world):
    for email in world.internal_emails:
        assert email not in ticket_page
    assert "support.example" not in ticket_page


def test_log_totals(ticket_page):
    assert '<strong class="total-hmm">2:15</strong>' in ticket_page
    assert '<strong class="total-hours">2.25</strong>' in ticket_page


def test_log_totals_in_italian(client, world, make_user, sign_in):
    sign_in(make_user("customer", customer=world.customer_a, language="it"))

    html = client.get(f"/portal/tickets/{world.ticket_a.key}").get_data(as_text=True)

    assert '<strong class="total-hours">2,25</strong>' in html
    assert "Assistenza remota" in html


def test_log_entries_in_date_order(customer_client, world, make_entry):
    make_entry(
        world.ticket_a,
        world.ticket_a.entries[0].agent,
        minutes=15,
        status=EntryStatus.APPROVED,
        work_date=date(2026, 10, 20),
        description="Prima telefonata",
    )

    html = customer_client.get(f"/portal/tickets/{world.ticket_a.key}").get_data(
        as_text=True
    )

    assert html.index("Prima telefonata") < html.index("Sostituito il toner")
    assert '<strong class="total-hmm">2:30</strong>' in html


def test_log_empty_ticket(customer_client, world):
    response = customer_client.get(f"/portal/tickets/{world.second_ticket_a.key}")
    html = response.get_data(as_text=True)

    assert response.status_code == 200
    assert 'id="entry-log"' in html
    assert "No approved time has been recorded on this ticket yet." in html
    assert '<strong class="total-hmm">0:00</strong>' in html


def test_log_escapes_description(customer_client, world, make_entry):
    make_entry(
        world.ticket_a,
        world.ticket_a.entries[0].agent,
        status=EntryStatus.APPROVED,
        description="<script>alert(1)</script>",
    )

    html = customer_client.get(f"/portal/tickets/{world.ticket_a.key}").get_data(
        as_text=True
    )

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _count_queries(send_request):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        send_request()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return statements


def test_log_query_count_is_constant(customer_client, world, make_user, activity):
    url = f"/portal/tickets/{world.ticket_a.key}"
    small = _count_queries(lambda: customer_client.get(url))

    # 500 entries by 10 agents over 5 activities: lazy loading would add queries.
    agents = [make_user("agent", name=f"Tecnico {n}") for n in range(10)]
    activities = [
        ActivityType(code=f"bulk-{n}", name_it=f"Attività {n}", name_en=f"Task {n}")
        for n in range(5)
    ]
    db.session.add_all(activities)
    db.session.flush()
    _add_approved_entries(world.ticket_a.id, agents, activities, 500)

    large = _count_queries(lambda: customer_client.get(url))
    html = customer_client.get(url).get_data(as_text=True)

    assert len(large) == len(small)
    assert html.count('<td class="description">') == 502
    assert '<strong class="total-hmm">127:15</strong>' in html


def _add_approved_entries(ticket_id, agents, activities, count) -> None:
    from portal.models import TimeEntry

    db.session.add_all(
        TimeEntry(
            ticket_id=ticket_id,
            agent_id=agents[n % len(agents)].id,
            activity_type_id=activities[n % len(activities)].id,
            work_date=date(2026, 11, 1 + n % 28),
            minutes=15,
            description=f"Intervento {n}",
            status=EntryStatus.APPROVED,
        )
        for n in range(count)
    )
    db.session.commit()
