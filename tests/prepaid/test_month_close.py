"""Month close: the accounts pages, the refusals agents see, accounts' corrections."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, ClosedMonth, EntryStatus, Role, TimeEntry
from tests.prepaid.conftest import ENGLISH, close, count

MARCH = date(2026, 3, 1)
MARCH_10 = date(2026, 3, 10)
APRIL_7 = date(2026, 4, 7)
CLOSED_MESSAGE = (
    "March 2026 is closed: its entries can no longer be added or changed. "
    "Ask the accounts office if a correction is needed."
)
HTMX = {**ENGLISH, "HX-Request": "true"}


def _errors(html: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}-errors">(.*?)</div>', html, re.S)
    assert match, f"no error block for {field_id}"
    return " ".join(match.group(1).split())


def _events(action: str) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


@pytest.fixture
def ticket(make_customer, make_ticket):
    return make_ticket(make_customer(name="Rossi Srl"), key="ASS-300")


@pytest.fixture
def closed_march(accountant):
    close(MARCH, accountant)


def _edit_form(entry, activity, **values) -> dict[str, str]:
    """Return the agent's edit form of entry, whose fields carry a prefix."""
    data = _entry_form(activity, version=str(entry.version), **values)
    return {f"edit-{entry.id}-{name}": value for name, value in data.items()}


def _entry_form(activity, **values) -> dict[str, str]:
    data = {
        "work_date": MARCH_10.isoformat(),
        "duration": "1:30",
        "activity_type": str(activity.id),
        "description": "Reinstalled the printer driver",
        "internal_note": "",
        "is_billable": "y",
    }
    data.update(values)
    return data


# The accounts pages.


def test_months_page_lists_states(client, login_as, closed_march):
    login_as(Role.ACCOUNTS)

    html = client.get("/accounts/months?year=2026", headers=ENGLISH).get_data(
        as_text=True
    )

    march = re.search(r'<tr data-month="2026-03">(.*?)</tr>', html, re.S).group(1)
    april = re.search(r'<tr data-month="2026-04">(.*?)</tr>', html, re.S).group(1)
    assert "Closed on" in march
    assert "Anna Conti" in march
    assert "/accounts/months/2026-03/reopen" in march
    assert "Open" in april
    assert "/accounts/months/2026-04/close" in april


def test_close_month_after_confirm(client, login_as, ticket, make_entry, make_user):
    user = login_as(Role.ACCOUNTS)
    make_entry(ticket, make_user(Role.AGENT), status="submitted", work_date=APRIL_7)

    confirm = client.get("/accounts/months/2026-04/close", headers=ENGLISH)
    response = client.post("/accounts/months/2026-04/close", headers=ENGLISH)

    assert "1 entry of this month is still a draft or waiting for approval" in (
        confirm.get_data(as_text=True)
    )
    assert response.status_code == 303
    closed = db.session.get(ClosedMonth, date(2026, 4, 1))
    assert closed.closed_by_id == user.id
    [event] = _events("month_closed")
    assert event.object_type == "closed_months"
    assert event.object_id == 202604
    assert event.actor_id == user.id


def test_close_closed_month_conflicts(client, login_as, closed_march):
    login_as(Role.ACCOUNTS)

    response = client.post("/accounts/months/2026-03/close", headers=ENGLISH)

    assert response.status_code == 409
    assert "already closed" in response.get_data(as_text=True)


def test_reopen_needs_reason(client, login_as, closed_march):
    login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/months/2026-03/reopen", data={"reason": "  "}, headers=ENGLISH
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give the reason for this change." in _errors(html, "reason")
    assert db.session.get(ClosedMonth, MARCH) is not None
    assert _events("month_reopened") == []


def test_reopen_with_reason_is_audited(client, login_as, closed_march):
    user = login_as(Role.ACCOUNTS)

    response = client.post(
        "/accounts/months/2026-03/reopen",
        data={"reason": "Late travel expenses"},
        headers=ENGLISH,
    )

    assert response.status_code == 303
    assert db.session.get(ClosedMonth, MARCH) is None
    [event] = _events("month_reopened")
    assert event.reason == "Late travel expenses"
    assert event.actor_id == user.id
    assert event.object_id == 202603
    listing = client.get("/accounts/months?year=2026", headers=ENGLISH)
    assert "Late travel expenses" in listing.get_data(as_text=True)


def test_invalid_month_not_found(client, login_as):
    login_as(Role.ACCOUNTS)

    assert client.get("/accounts/months/2026-13/close").status_code == 404
    assert client.get("/accounts/months/0000-01/close").status_code == 404


# What agents and approvers see.


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER])
def test_logging_in_closed_month_refused(
    client, login_as, ticket, activity, closed_march, role
):
    login_as(role)

    response = client.post(
        f"/agent/tickets/{ticket.key}/entries",
        data=_entry_form(activity),
        headers=ENGLISH,
    )

    assert response.status_code == 422
    assert CLOSED_MESSAGE in _errors(response.get_data(as_text=True), "work_date")
    assert count(TimeEntry) == 0


def test_editing_closed_month_entry_refused(
    client, login_as, ticket, activity, make_entry, closed_march
):
    agent = login_as(Role.AGENT)
    entry = make_entry(ticket, agent, work_date=MARCH_10)

    response = client.post(
        f"/agent/entries/{entry.id}/edit",
        data=_edit_form(entry, activity, duration="2:00"),
        headers=ENGLISH,
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert CLOSED_MESSAGE in _errors(html, f"edit-{entry.id}-work_date")
    db.session.refresh(entry)
    assert entry.minutes == 30


def test_moving_entry_into_closed_month_refused(
    client, login_as, ticket, activity, make_entry, closed_march
):
    agent = login_as(Role.AGENT)
    entry = make_entry(ticket, agent, work_date=APRIL_7)

    response = client.post(
        f"/agent/entries/{entry.id}/edit",
        data=_edit_form(entry, activity),
        headers=ENGLISH,
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert CLOSED_MESSAGE in _errors(html, f"edit-{entry.id}-work_date")
    db.session.refresh(entry)
    assert entry.work_date == APRIL_7


def test_delete_and_submit_refused_with_409(
    client, login_as, ticket, make_entry, closed_march
):
    agent = login_as(Role.AGENT)
    entry = make_entry(ticket, agent, work_date=MARCH_10)

    deleted = client.post(f"/agent/entries/{entry.id}/delete", headers=HTMX)
    submitted = client.post(f"/agent/entries/{entry.id}/submit", headers=HTMX)

    assert deleted.status_code == 409
    assert CLOSED_MESSAGE in deleted.get_data(as_text=True)
    assert submitted.status_code == 409
    assert CLOSED_MESSAGE in submitted.get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.status == EntryStatus.DRAFT


def test_week_submit_refused_when_any_day_closed(
    client, login_as, ticket, make_entry, closed_march
):
    agent = login_as(Role.AGENT)
    # The week from Monday 30 March to Sunday 5 April spans the closed month.
    march_31 = make_entry(ticket, agent, work_date=date(2026, 3, 31))
    april_1 = make_entry(ticket, agent, work_date=date(2026, 4, 1))

    response = client.post(
        "/agent/week/submit-drafts", data={"start": "2026-03-30"}, headers=HTMX
    )

    assert response.status_code == 409
    db.session.refresh(march_31)
    db.session.refresh(april_1)
    assert march_31.status == EntryStatus.DRAFT
    assert april_1.status == EntryStatus.DRAFT


def test_week_grid_cell_refused(client, login_as, ticket, activity, closed_march):
    login_as(Role.AGENT)

    response = client.post(
        "/agent/week/grid/cell",
        data={"ticket": ticket.key, "day": MARCH_10.isoformat(), "duration": "1:00"},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert CLOSED_MESSAGE in response.get_data(as_text=True)
    assert count(TimeEntry) == 0


def test_open_month_still_accepts_time(
    client, login_as, ticket, activity, closed_march
):
    login_as(Role.AGENT)

    response = client.post(
        f"/agent/tickets/{ticket.key}/entries",
        data=_entry_form(activity, work_date=APRIL_7.isoformat()),
        headers=ENGLISH,
    )

    assert response.status_code == 303
    assert count(TimeEntry) == 1


# Corrections by accounts.


def _correction(activity, **values) -> dict[str, str]:
    data = {
        "work_date": MARCH_10.isoformat(),
        "duration": "0:45",
        "activity_type": str(activity.id),
        "description": "Printer driver reinstalled",
        "is_billable": "y",
        "reason": "Customer confirmed 45 minutes on the phone",
    }
    data.update(values)
    return data


def test_accounts_correct_closed_month_entry(
    client, login_as, ticket, activity, make_entry, make_user, closed_march
):
    user = login_as(Role.ACCOUNTS)
    entry = make_entry(ticket, make_user(Role.AGENT), 30, "approved", MARCH_10)

    page = client.get(f"/accounts/entries/{entry.id}/correct", headers=ENGLISH)
    response = client.post(
        f"/accounts/entries/{entry.id}/correct",
        data=_correction(activity, version=str(entry.version)),
        headers=ENGLISH,
    )

    assert "The entry's month is closed." in page.get_data(as_text=True)
    assert response.status_code == 303
    db.session.refresh(entry)
    assert entry.minutes == 45
    assert entry.description == "Printer driver reinstalled"
    assert entry.status == EntryStatus.APPROVED
    [event] = _events("corrected")
    assert event.actor_id == user.id
    assert event.reason == "Customer confirmed 45 minutes on the phone"
    assert event.before == {
        "minutes": 30,
        "description": "Verifica configurazione",
    }
    assert event.after == {"minutes": 45, "description": "Printer driver reinstalled"}


def test_correction_needs_reason(
    client, login_as, ticket, activity, make_entry, make_user, closed_march
):
    login_as(Role.ACCOUNTS)
    entry = make_entry(ticket, make_user(Role.AGENT), 30, "approved", MARCH_10)

    response = client.post(
        f"/accounts/entries/{entry.id}/correct",
        data=_correction(activity, reason=""),
        headers=ENGLISH,
    )

    assert response.status_code == 422
    assert "Give the reason" in _errors(response.get_data(as_text=True), "reason")
    db.session.refresh(entry)
    assert entry.minutes == 30
    assert _events("corrected") == []


def test_admin_cannot_correct_closed_month(
    client, login_as, ticket, activity, make_entry, make_user, closed_march
):
    login_as(Role.ADMIN)
    entry = make_entry(ticket, make_user(Role.AGENT), 30, "approved", MARCH_10)

    response = client.post(
        f"/accounts/entries/{entry.id}/correct",
        data=_correction(activity),
        headers=ENGLISH,
    )

    assert response.status_code == 409
    assert CLOSED_MESSAGE in _errors(response.get_data(as_text=True), "work_date")
    db.session.refresh(entry)
    assert entry.minutes == 30


def test_billed_entry_not_corrected(
    client,
    login_as,
    ticket,
    activity,
    make_entry,
    make_user,
    issue_draws,
):
    login_as(Role.ACCOUNTS)
    entry = make_entry(ticket, make_user(Role.AGENT), 30, "approved", MARCH_10)
    statement = issue_draws(ticket.customer, [])
    entry.statement_id = statement.id
    db.session.commit()

    page = client.get(f"/accounts/entries/{entry.id}/correct", headers=ENGLISH)
    response = client.post(
        f"/accounts/entries/{entry.id}/correct",
        data=_correction(activity),
        headers=ENGLISH,
    )

    assert f"on statement {statement.number}" in page.get_data(as_text=True)
    assert response.status_code == 409
    db.session.refresh(entry)
    assert entry.minutes == 30


def test_entry_lookup_opens_correction(client, login_as, ticket, make_entry, make_user):
    login_as(Role.ACCOUNTS)
    entry = make_entry(ticket, make_user(Role.AGENT), work_date=MARCH_10)

    found = client.get(f"/accounts/entries/correct?entry_id={entry.id}")
    missing = client.get("/accounts/entries/correct?entry_id=999999", headers=ENGLISH)

    assert found.status_code == 303
    assert found.headers["Location"].endswith(f"/accounts/entries/{entry.id}/correct")
    assert missing.status_code == 422
    assert "No time entry has the number 999999." in missing.get_data(as_text=True)


def test_month_entries_link_to_correction(
    client, login_as, ticket, make_entry, make_user
):
    login_as(Role.ACCOUNTS)
    entry = make_entry(ticket, make_user(Role.AGENT), work_date=MARCH_10)
    make_entry(ticket, make_user(Role.AGENT), work_date=APRIL_7)

    html = client.get("/accounts/months/2026-03/entries", headers=ENGLISH).get_data(
        as_text=True
    )

    assert f"/accounts/entries/{entry.id}/correct" in html
    assert html.count("<tr data-entry=") == 1
