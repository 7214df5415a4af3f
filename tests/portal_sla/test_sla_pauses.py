"""Status history: recording it, and the resolution clock pausing while a ticket waits.

The tickets are those of tests/portal_sla/conftest.py, evaluated at NOW
(Tuesday 15 December 2026, 12:00 in Rome).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Role, TicketStatus, TicketStatusChange
from portal.services.sla import SlaStatus
from portal.services.sla_evidence import (
    evaluate_ticket_sla,
    monthly_evidence,
    ticket_waiting_pauses,
)
from portal.services.ticket_status import record_status_change
from tests.portal_sla.conftest import NOW, assert_clean, rome
from tests.portal_sla.test_sla_annex_pdf import pdf_text

DECEMBER = date(2026, 12, 1)
PAUSE_HELP = "The first-response clock never stops."


def changes_of(ticket) -> list[TicketStatusChange]:
    query = (
        sa.select(TicketStatusChange)
        .where(TicketStatusChange.ticket_id == ticket.id)
        .order_by(TicketStatusChange.changed_at, TicketStatusChange.id)
    )
    return list(db.session.scalars(query))


def wait(ticket, start: datetime, end: datetime | None = None, actor=None) -> None:
    """Record a wait for the customer from start, and its end when given."""
    record_status_change(ticket, TicketStatus.IN_PROGRESS, actor, ticket.opened_at)
    record_status_change(ticket, TicketStatus.WAITING, actor, start)
    if end is not None:
        record_status_change(ticket, TicketStatus.IN_PROGRESS, actor, end)
    db.session.commit()


# Recording status changes


def test_record_status_change_stores_row(sla_world):
    ticket = sla_world.tickets["NORM-1"]
    actor = sla_world.accounts_user

    change = record_status_change(
        ticket, TicketStatus.WAITING, actor, rome(2026, 12, 14, 11)
    )
    db.session.commit()

    assert change is not None
    (row,) = changes_of(ticket)
    assert row.from_status == TicketStatus.OPEN
    assert row.to_status == TicketStatus.WAITING
    assert row.changed_at == rome(2026, 12, 14, 11)
    assert row.changed_by_id == actor.id
    assert ticket.status == TicketStatus.WAITING


def test_record_same_status_adds_nothing(sla_world):
    ticket = sla_world.tickets["NORM-1"]

    change = record_status_change(ticket, TicketStatus.OPEN, None, NOW)
    db.session.commit()

    assert change is None
    assert changes_of(ticket) == []


def test_record_without_actor(sla_world):
    ticket = sla_world.tickets["NORM-1"]

    record_status_change(ticket, "waiting", None, NOW)
    db.session.commit()

    (row,) = changes_of(ticket)
    assert row.changed_by_id is None
    assert row.to_status == TicketStatus.WAITING


def test_record_rejects_naive_time(sla_world):
    ticket = sla_world.tickets["NORM-1"]
    naive = datetime(2026, 12, 14)  # noqa: DTZ001 - naive on purpose

    with pytest.raises(ValueError, match="at must be an aware datetime"):
        record_status_change(ticket, TicketStatus.WAITING, None, naive)


def _admin_form(ticket, status: str) -> dict[str, str]:
    return {
        "status": status,
        "priority": ticket.priority.value,
        "category_id": str(ticket.category_id),
        "contract_id": str(ticket.contract_id or ""),
        "opened_at": "2026-01-05T09:00",
        "first_response_at": "",
        "resolved_at": "",
    }


def test_admin_status_change_recorded(client, sla_world, login_as):
    admin = login_as(Role.ADMIN)
    ticket = sla_world.tickets["NORM-1"]
    url = f"/admin/tickets/{ticket.id}"
    before = datetime.now(UTC)

    waiting = client.post(url, data=_admin_form(ticket, "waiting"))
    unchanged = client.post(url, data=_admin_form(ticket, "waiting"))
    resumed = client.post(url, data=_admin_form(ticket, "in_progress"))

    assert waiting.status_code == 303
    assert unchanged.status_code == 303
    assert resumed.status_code == 303
    first, second = changes_of(ticket)
    assert (first.from_status, first.to_status) == ("open", "waiting")
    assert (second.from_status, second.to_status) == ("waiting", "in_progress")
    assert first.changed_by_id == admin.id
    assert before <= first.changed_at <= second.changed_at <= datetime.now(UTC)
    assert len(ticket_waiting_pauses(ticket)) == 1


# The clock on the ticket and in the month's figures


def test_ticket_without_history_not_paused(sla_world, frozen_now):
    # A ticket already waiting before the history began: the start is unknown.
    ticket = sla_world.tickets["NORM-1"]
    ticket.status = TicketStatus.WAITING
    db.session.commit()

    resolution = evaluate_ticket_sla(ticket, NOW).result.resolution

    assert resolution.status == SlaStatus.RUNNING
    assert resolution.elapsed_minutes == 660


def test_ongoing_wait_pauses_resolution_only(sla_world):
    # NORM-1 opened Monday 14 December 09:00 and waits since 11:00.
    ticket = sla_world.tickets["NORM-1"]
    wait(ticket, rome(2026, 12, 14, 11))

    result = evaluate_ticket_sla(ticket, NOW).result
    later = evaluate_ticket_sla(ticket, NOW + timedelta(days=3)).result

    assert result.resolution.status == SlaStatus.PAUSED
    assert result.resolution.elapsed_minutes == 120
    assert result.resolution.minutes_left == 2280
    assert result.resolution.due_at is None
    assert later.resolution.minutes_left == 2280
    assert result.first_response.status == SlaStatus.RUNNING_BREACHED
    assert result.first_response.elapsed_minutes == 660


def test_wait_turns_breach_into_met(sla_world):
    # HIGH-1 resolved Monday 14 December 12:00, two working hours after its
    # due instant. It waited two working hours on Friday 11 December.
    ticket = sla_world.tickets["HIGH-1"]
    wait(ticket, rome(2026, 12, 11, 9), rome(2026, 12, 11, 11))

    result = evaluate_ticket_sla(ticket, NOW).result

    assert result.resolution.status == SlaStatus.MET
    assert result.resolution.elapsed_minutes == 960
    assert result.resolution.due_at == rome(2026, 12, 14, 12)
    assert result.first_response.status == SlaStatus.BREACHED


def test_month_uses_pauses(sla_world):
    wait(sla_world.tickets["HIGH-1"], rome(2026, 12, 11, 9), rome(2026, 12, 11, 11))
    wait(sla_world.tickets["NORM-1"], rome(2026, 12, 14, 11))

    evidence = monthly_evidence(sla_world.customer_a, DECEMBER, now=NOW)

    (contract_evidence,) = evidence.contracts
    high = contract_evidence.compliance["high"]
    normal = contract_evidence.compliance["normal"]
    assert high.resolution.percentage == 100
    assert high.first_response.percentage == 50
    assert (normal.resolution.met, normal.resolution.running) == (1, 2)
    breached = {ticket_sla.ticket.key for ticket_sla in contract_evidence.breached}
    # Both still breached their first response, which never pauses.
    assert breached == {"ALFA-HIGH-1", "ALFA-NORM-1"}


def test_month_loads_history_in_one_query(sla_world):
    for key in ("HIGH-1", "HIGH-2", "NORM-1"):
        ticket = sla_world.tickets[key]
        wait(ticket, ticket.opened_at + timedelta(hours=1))
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    db.session.expire_all()
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        monthly_evidence(sla_world.customer_a, DECEMBER, now=NOW)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)

    history = [s for s in statements if "ticket_status_changes" in s]
    assert len(history) == 1


def test_ticket_page_shows_pause(customer_client, sla_world):
    ticket = sla_world.tickets["NORM-1"]
    wait(ticket, rome(2026, 12, 14, 11))

    html = customer_client.get(f"/portal/tickets/{ticket.key}").get_data(as_text=True)

    resolution = html.split('id="sla-resolution"')[1].split("</tr>")[0]
    assert "Paused, waiting for the customer" in resolution
    assert "Recalculated when the wait ends" in resolution
    assert "38 h left" in resolution
    assert "2 h so far" in resolution
    assert "Not counted: 9 h waiting for the customer" in resolution
    assert PAUSE_HELP in html
    assert_clean(html, sla_world, "paused ticket page")


def test_ticket_page_explains_pause_without_history(customer_client, sla_world):
    ticket = sla_world.tickets["URG-1"]

    html = customer_client.get(f"/portal/tickets/{ticket.key}").get_data(as_text=True)

    assert PAUSE_HELP in html
    assert "Not counted" not in html


def test_sla_page_uses_pauses(customer_client, sla_world):
    wait(sla_world.tickets["HIGH-1"], rome(2026, 12, 11, 9), rome(2026, 12, 11, 11))

    html = customer_client.get("/portal/sla?month=2026-12").get_data(as_text=True)

    high = html.split('data-priority="high"')[1].split("</tr>")[0]
    assert "100.0%" in high
    assert "50.0%" in high
    assert PAUSE_HELP in html


def test_annex_uses_pauses(customer_client, sla_world, tmp_path):
    wait(sla_world.tickets["NORM-1"], rome(2026, 12, 14, 11))

    response = customer_client.get("/portal/sla/annex.pdf?month=2026-12")

    text = " ".join(pdf_text(response.data, tmp_path).split())
    assert "Paused, waiting for the customer" in text
    assert PAUSE_HELP in text
    assert_clean(text, sla_world, "annex")


def test_other_customer_history_not_shown(customer_client, sla_world):
    # A wait on customer B's ticket changes nothing on customer A's pages.
    wait(sla_world.ticket_b, rome(2026, 12, 3, 10), rome(2026, 12, 3, 11))

    response = customer_client.get(f"/portal/tickets/{sla_world.ticket_b.key}")
    html = customer_client.get("/portal/sla?month=2026-12").get_data(as_text=True)

    assert response.status_code == 404
    assert_clean(html, sla_world, "SLA page")
