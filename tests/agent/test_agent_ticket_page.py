"""The agent's ticket page: header, time log of every agent, totals, query count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa

from agent.helpers import row_html
from portal.extensions import db
from portal.models import EntryStatus, Role, TicketPriority, TicketStatus


def test_ticket_header(client, agent, ticket):
    ticket.priority = TicketPriority.URGENT
    ticket.status = TicketStatus.RESOLVED
    # 23:30 UTC on 31 January is already 1 February in Rome.
    ticket.resolved_at = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
    db.session.commit()

    response = client.get("/agent/tickets/ASS-100")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ASS-100" in html
    assert "Stampante in rete non stampa" in html
    assert "Rossi Srl" in html
    assert "Network" in html
    assert "Urgent" in html
    assert "Resolved" in html
    assert "05/01/2026 09:00" in html  # opened 08:00 UTC
    assert "01/02/2026 00:30" in html


def test_ticket_unknown_key_404(client, agent):
    assert client.get("/agent/tickets/NOPE-1").status_code == 404


def test_log_lists_every_agent_newest_first(
    client, agent, ticket, make_user, make_entry
):
    colleague = make_user(Role.AGENT, name="Carlo Collega")
    older = make_entry(ticket, agent, work_date=date(2026, 11, 2))
    newest = make_entry(ticket, colleague, work_date=date(2026, 11, 20))
    middle = make_entry(ticket, agent, work_date=date(2026, 11, 10))

    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    order = [int(found) for found in re.findall(r'<tr id="entry-(\d+)"', html)]
    assert order == [newest.id, middle.id, older.id]
    assert "Carlo Collega" in row_html(html, newest.id)
    assert "Anna Agente" in row_html(html, older.id)


def test_log_row_shows_entry_details(client, agent, ticket, make_entry):
    entry = make_entry(
        ticket,
        agent,
        minutes=95,
        work_date=date(2026, 11, 3),
        description="Configured the print server",
        internal_note="Customer admin password is on the sticky note",
        is_billable=False,
    )

    row = row_html(client.get("/agent/tickets/ASS-100").get_data(as_text=True), 1)

    assert entry.id == 1
    assert "03/11/2026" in row
    assert "Remote support" in row
    assert "1:35" in row
    assert "Configured the print server" in row
    assert 'class="badge badge-internal">Internal note</span>' in row
    assert "Customer admin password is on the sticky note" in row
    assert "<td>No</td>" in row
    assert "Draft" in row


def test_log_row_shows_rejection_reason(client, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, status=EntryStatus.REJECTED)
    entry.rejection_reason = "Split the travel time into its own entry."
    db.session.commit()

    row = row_html(client.get("/agent/tickets/ASS-100").get_data(as_text=True), 1)

    assert "Rejected" in row
    assert "Split the travel time into its own entry." in row


def test_log_row_shows_billed_statement(
    client, agent, ticket, make_entry, make_statement, make_user
):
    accounts = make_user(Role.ACCOUNTS)
    statement = make_statement(ticket.customer, accounts, "2026-0007")
    entry = make_entry(ticket, agent, status=EntryStatus.APPROVED)
    entry.statement_id = statement.id
    db.session.commit()

    row = row_html(client.get("/agent/tickets/ASS-100").get_data(as_text=True), 1)

    assert "Approved" in row
    assert "Billed on 2026-0007" in row
    assert "Edit" not in row


def test_log_totals(client, agent, ticket, make_user, make_entry):
    colleague = make_user(Role.AGENT)
    make_entry(ticket, agent, minutes=60, status=EntryStatus.APPROVED)
    make_entry(ticket, colleague, minutes=30, status=EntryStatus.SUBMITTED)
    make_entry(ticket, agent, minutes=20, is_billable=False)
    make_entry(ticket, colleague, minutes=15, status=EntryStatus.APPROVED)

    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    assert '<strong id="total-time">2:05</strong>' in html
    assert '<strong id="billable-time">1:45</strong>' in html
    assert '<strong id="approved-time">1:15</strong>' in html


def test_log_actions_only_on_own_editable(client, agent, ticket, make_user, make_entry):
    colleague = make_user(Role.AGENT)
    mine = make_entry(ticket, agent)
    theirs = make_entry(ticket, colleague)
    approved = make_entry(ticket, agent, status=EntryStatus.APPROVED)
    submitted = make_entry(ticket, agent, status=EntryStatus.SUBMITTED)

    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    assert ">Submit</button>" in row_html(html, mine.id)
    assert ">Edit</a>" in row_html(html, mine.id)
    assert ">Delete</button>" in row_html(html, mine.id)
    assert "Edit" not in row_html(html, theirs.id)
    assert "Edit" not in row_html(html, approved.id)
    assert ">Edit</a>" in row_html(html, submitted.id)
    assert ">Submit</button>" not in row_html(html, submitted.id)
    assert "Submit my 1 draft" in html


def test_log_empty_message(client, agent, ticket):
    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    assert "No time has been logged on this ticket yet." in html
    assert '<strong id="total-time">0:00</strong>' in html


def _count_statements(client, url: str) -> int:
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return len(statements)


def test_ticket_page_query_count_constant(
    client, agent, ticket, make_user, make_entry, make_activity, make_statement
):
    accounts = make_user(Role.ACCOUNTS)
    statuses = list(EntryStatus)

    def add_entries(count: int, batch: int) -> None:
        # Each batch brings its own agents, activities and statement, so a
        # lazy load per related object would show up as extra statements.
        agents = [agent, *[make_user(Role.AGENT) for _ in range(count // 10 + 1)]]
        # Retired activities: the quick-log form does not load them already.
        activities = [
            make_activity(f"b{batch}-{n}", f"Activity {batch}-{n}", is_active=False)
            for n in range(count // 20 + 1)
        ]
        statement = make_statement(ticket.customer, accounts, f"2026-{batch:04d}")
        for number in range(count):
            entry = make_entry(
                ticket,
                agents[number % len(agents)],
                status=statuses[number % 4],
                activity_type=activities[number % len(activities)],
                internal_note="note" if number % 2 else "",
            )
            if number % 10 == 0:
                entry.status = EntryStatus.APPROVED
                entry.statement_id = statement.id
        db.session.commit()

    add_entries(5, batch=1)
    client.get("/agent/tickets/ASS-100")  # warm caches that run queries once
    few = _count_statements(client, "/agent/tickets/ASS-100")
    add_entries(100, batch=2)
    many = _count_statements(client, "/agent/tickets/ASS-100")

    assert many == few
