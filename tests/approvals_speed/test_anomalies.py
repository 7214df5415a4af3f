"""Anomalies flagged in the queue: each check, its limits and the query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from approvals_speed.helpers import MONDAY, SATURDAY, SUNDAY, WEDNESDAY, section
from portal.extensions import db
from portal.models import EntryStatus, TicketStatus
from portal.services.anomalies import AnomalyKind, find_anomalies, is_night_work


def _kinds(entry, found) -> list[AnomalyKind]:
    return [flag.kind for flag in found.get(entry.id, [])]


def test_plain_entry_has_none(request_context, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=120)

    assert find_anomalies([entry]) == {}


def test_long_entry_over_four_hours(request_context, agent, ticket, submit):
    exactly = submit(ticket, agent, minutes=240)
    longer = submit(ticket, agent, minutes=241, work_date=WEDNESDAY)

    found = find_anomalies([exactly, longer])

    assert _kinds(exactly, found) == []
    assert _kinds(longer, found) == [AnomalyKind.LONG_ENTRY]
    assert found[longer.id][0].minutes == 241


def test_long_day_counts_all_statuses(
    request_context, agent, ticket, submit, make_entry
):
    shown = submit(ticket, agent, minutes=200)
    make_entry(
        ticket, agent, minutes=220, status=EntryStatus.APPROVED, work_date=MONDAY
    )
    make_entry(ticket, agent, minutes=190, status=EntryStatus.DRAFT, work_date=MONDAY)
    # Rejected time does not stand, so it does not count.
    make_entry(
        ticket, agent, minutes=200, status=EntryStatus.REJECTED, work_date=MONDAY
    )

    found = find_anomalies([shown])

    assert _kinds(shown, found) == [AnomalyKind.LONG_DAY]
    assert found[shown.id][0].minutes == 610


def test_ten_hours_is_not_long_day(request_context, agent, ticket, submit):
    entries = [submit(ticket, agent, minutes=minutes) for minutes in (199, 200, 201)]

    assert find_anomalies(entries) == {}


def test_long_day_is_per_agent(request_context, agent, other_agent, ticket, submit):
    mine = submit(ticket, agent, minutes=200)
    submit(ticket, other_agent, minutes=239)
    submit(ticket, other_agent, minutes=238)
    submit(ticket, other_agent, minutes=237)

    assert _kinds(mine, find_anomalies([mine])) == []


@pytest.mark.parametrize("day", [SATURDAY, SUNDAY])
def test_weekend_work(request_context, agent, ticket, submit, day):
    entry = submit(ticket, agent, work_date=day)

    assert _kinds(entry, find_anomalies([entry])) == [AnomalyKind.WEEKEND]


@pytest.mark.parametrize(
    ("start", "minutes", "night"),
    [
        (time(22, 0), 30, True),
        (time(23, 30), 90, True),
        (time(2, 0), 30, True),
        (time(5, 59), 1, True),
        (time(6, 0), 60, False),
        (time(9, 0), 480, False),
        (time(21, 0), 60, False),
        # Starts in the evening and runs past 22:00.
        (time(21, 30), 60, True),
    ],
)
def test_night_work(agent, ticket, make_entry, start, minutes, night):
    entry = make_entry(ticket, agent, minutes=minutes)
    entry.start_time = start

    assert is_night_work(entry) is night


def test_night_needs_start_time(agent, ticket, make_entry):
    entry = make_entry(ticket, agent, minutes=600)

    assert is_night_work(entry) is False


def test_duplicates_flag_both(request_context, agent, ticket, submit, make_entry):
    first = submit(ticket, agent, minutes=45)
    second = make_entry(
        ticket, agent, minutes=45, status=EntryStatus.APPROVED, work_date=MONDAY
    )
    other_length = submit(ticket, agent, minutes=50)

    found = find_anomalies([first, other_length])

    assert _kinds(first, found) == [AnomalyKind.DUPLICATE]
    assert found[first.id][0].count == 2
    assert _kinds(other_length, found) == []
    assert second.id not in found


def test_duplicate_needs_same_ticket(
    request_context, agent, ticket, submit, make_customer, make_ticket
):
    other_ticket = make_ticket(make_customer(), key="ASS-3003")
    entry = submit(ticket, agent, minutes=45)
    submit(other_ticket, agent, minutes=45)

    assert _kinds(entry, find_anomalies([entry])) == []


def test_closed_ticket_over_30_days(request_context, agent, ticket, submit):
    ticket.status = TicketStatus.CLOSED
    ticket.resolved_at = datetime(2026, 10, 9, 10, 0, tzinfo=UTC)
    db.session.commit()
    late = submit(ticket, agent, work_date=MONDAY)  # 31 days after
    on_time = submit(ticket, agent, work_date=date(2026, 11, 8))  # 30 days after

    found = find_anomalies([late, on_time])

    assert _kinds(late, found) == [AnomalyKind.CLOSED_TICKET]
    assert found[late.id][0].day.isoformat() == "2026-10-09"
    assert AnomalyKind.CLOSED_TICKET not in _kinds(on_time, found)


def test_open_ticket_never_flagged(request_context, agent, ticket, submit):
    ticket.resolved_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    entry = submit(ticket, agent)

    assert _kinds(entry, find_anomalies([entry])) == []


def test_flags_in_kind_order(request_context, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=301, work_date=SATURDAY)
    twin = submit(ticket, agent, minutes=301, work_date=SATURDAY)

    found = find_anomalies([entry, twin])

    assert _kinds(entry, found) == [
        AnomalyKind.LONG_ENTRY,
        AnomalyKind.LONG_DAY,
        AnomalyKind.WEEKEND,
        AnomalyKind.DUPLICATE,
    ]


def test_queue_shows_badges_with_text(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=300, work_date=SATURDAY)

    html = client.get("/approvals/").get_data(as_text=True)

    row = section(html, f"entry-{entry.id}")
    assert 'class="badge badge-anomaly anomaly-long_entry"' in row
    assert 'title="This entry is longer than 4 hours (5:00)."' in row
    assert "Weekend" in row
    assert "The work date is a Saturday or a Sunday." in row


def test_anomalies_use_two_queries(request_context, agent, other_agent, ticket, submit):
    entries = [
        submit(ticket, person, minutes=30 + index, work_date=MONDAY)
        for index in range(20)
        for person in (agent, other_agent)
    ]
    for entry in entries:
        assert entry.ticket.status == TicketStatus.OPEN  # load them before counting
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        find_anomalies(entries)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)

    assert len(statements) == 2, statements
