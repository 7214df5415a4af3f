"""The week grid: cells per ticket and day, inline edits, totals, submit."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from agent.helpers import audit_rows, reload, rome_today

from agent_speed.helpers import HTMX, entries
from portal.extensions import db
from portal.models import EntryStatus, Role, TicketStatus

# The week from Monday 9 to Sunday 15 November 2026.
MONDAY = date(2026, 11, 9)
TUESDAY = MONDAY + timedelta(days=1)
GRID_URL = f"/agent/week/grid?start={MONDAY.isoformat()}"
CELL_URL = "/agent/week/grid/cell"


def _cell_html(html: str, ticket, day: date) -> str:
    match = re.search(
        rf'<div id="grid-cell-{ticket.id}-{day.isoformat()}".*?</div>', html, re.S
    )
    assert match, f"no cell for {ticket.key} on {day}"
    return match.group(0)


def _total(html: str, dom_id: str) -> str:
    match = re.search(rf'<(?:span|strong) id="{dom_id}"[^>]*>([^<]+)', html)
    assert match, f"no total {dom_id}"
    return match.group(1).strip()


def _post_cell(client, ticket, day, duration, seen="", headers=HTMX):
    data = {"ticket": ticket.key, "day": day.isoformat(), "duration": duration}
    data["seen"] = seen
    return client.post(CELL_URL, data=data, headers=headers)


def _seen(*entries_) -> str:
    return ",".join(f"{entry.id}:{entry.version}" for entry in entries_)


def test_grid_rows_cells_and_totals(
    client, agent, ticket, customer, make_ticket, make_entry, make_user
):
    other = make_ticket(customer, key="ASS-200")
    make_entry(ticket, agent, minutes=60, work_date=MONDAY)
    make_entry(ticket, agent, minutes=30, work_date=MONDAY)
    make_entry(other, agent, minutes=45, work_date=TUESDAY)
    make_entry(other, make_user(Role.AGENT), minutes=500, work_date=TUESDAY)
    make_entry(ticket, agent, minutes=999, work_date=MONDAY - timedelta(days=1))

    html = client.get(GRID_URL).get_data(as_text=True)

    assert 'id="grid-row-' in html
    assert html.index("ASS-100") < html.index("ASS-200")
    assert 'value="1:30"' in _cell_html(html, ticket, MONDAY)
    assert 'value="0:45"' in _cell_html(html, other, TUESDAY)
    assert 'value=""' in _cell_html(html, ticket, TUESDAY)
    assert _total(html, f"grid-row-total-{ticket.id}") == "1:30"
    assert _total(html, f"grid-day-total-{MONDAY.isoformat()}") == "1:30"
    assert _total(html, f"grid-day-total-{TUESDAY.isoformat()}") == "0:45"
    assert _total(html, "grid-total") == "2:15"


def test_grid_cell_inputs_are_labelled(client, agent, ticket, make_entry):
    make_entry(ticket, agent, work_date=MONDAY)

    cell = _cell_html(client.get(GRID_URL).get_data(as_text=True), ticket, MONDAY)

    assert 'aria-label="ASS-100 on 09/11/2026, hours and minutes"' in cell
    assert 'hx-trigger="change"' in cell


def test_grid_linked_from_week(client, agent):
    html = client.get(f"/agent/week?start={MONDAY.isoformat()}").get_data(as_text=True)

    assert f'href="/agent/week/grid?start={MONDAY.isoformat()}"' in html
    assert 'href="/agent/rejected"' in html


def test_grid_navigation(client, agent):
    html = client.get(GRID_URL).get_data(as_text=True)

    assert f"start={(MONDAY - timedelta(days=7)).isoformat()}" in html
    assert f"start={(MONDAY + timedelta(days=7)).isoformat()}" in html
    assert "09/11/2026" in html
    assert "15/11/2026" in html


@pytest.mark.parametrize("status", [EntryStatus.APPROVED])
def test_approved_cell_is_read_only(client, agent, ticket, make_entry, status):
    make_entry(ticket, agent, minutes=60, work_date=MONDAY, status=status)

    cell = _cell_html(client.get(GRID_URL).get_data(as_text=True), ticket, MONDAY)

    assert "<input" not in cell
    assert "1:00" in cell
    assert "read-only" in cell


def test_future_days_are_read_only(client, agent, ticket, make_entry):
    today = rome_today()
    monday = today - timedelta(days=today.weekday())
    html = client.get(
        f"/agent/week/grid?start={monday.isoformat()}&rows=ASS-100"
    ).get_data(as_text=True)

    assert "<input" in _cell_html(html, ticket, today)
    if today.weekday() < 6:
        assert "<input" not in _cell_html(html, ticket, today + timedelta(days=1))


def test_cell_creates_entry(client, agent, ticket, make_activity):
    make_activity("remote", "Remote support", position=1)
    travel = make_activity("travel", "Travel", is_billable=False, position=0)

    response = _post_cell(client, ticket, MONDAY, "1:30")

    html = response.get_data(as_text=True)
    [entry] = entries()
    assert response.status_code == 200
    assert entry.minutes == 90
    assert entry.work_date == MONDAY
    assert entry.description == "Work on 09/11/2026"
    assert entry.activity_type_id == travel.id
    assert entry.is_billable is False
    assert entry.status == EntryStatus.DRAFT
    assert 'value="1:30"' in _cell_html(html, ticket, MONDAY)
    assert f"{entry.id}:{entry.version}" in _cell_html(html, ticket, MONDAY)
    assert 'hx-swap-oob="true"' in html
    assert _total(html, "grid-total") == "1:30"
    assert "ASS-100 on 09/11/2026: 1:30." in html


def test_cell_uses_last_activity(
    client, agent, ticket, customer, make_ticket, make_activity, make_entry
):
    make_activity("remote", "Remote support", position=0)
    phone = make_activity("phone", "Phone", position=5)
    make_entry(make_ticket(customer), agent, activity_type=phone)

    _post_cell(client, ticket, MONDAY, "1h")

    assert [e.activity_type_id for e in entries() if e.ticket_id == ticket.id] == [
        phone.id
    ]


def test_cell_updates_single_entry(client, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, minutes=60, work_date=MONDAY)
    entry.start_time, entry.end_time = time(9, 0), time(10, 0)
    db.session.commit()

    response = _post_cell(client, ticket, MONDAY, "2h", seen=_seen(entry))

    saved = reload(entry)
    [event] = audit_rows(entry.id, "updated")
    assert response.status_code == 200
    assert saved.minutes == 120
    assert saved.start_time == time(9, 0)
    assert saved.end_time == time(11, 0)
    assert event.after["minutes"] == 120
    assert len(entries()) == 1


@pytest.mark.parametrize("text", ["", "0", "0:00"])
def test_cleared_cell_deletes_entry(client, agent, ticket, make_entry, text):
    entry = make_entry(ticket, agent, minutes=60, work_date=MONDAY)
    entry_id = entry.id

    response = _post_cell(client, ticket, MONDAY, text, seen=_seen(entry))

    assert response.status_code == 200
    assert entries() == []
    assert audit_rows(entry_id, "deleted")
    assert "Deleted the time on ASS-100 on 09/11/2026." in response.get_data(
        as_text=True
    )


def test_unchanged_total_changes_nothing(client, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, minutes=60, work_date=MONDAY)

    response = _post_cell(client, ticket, MONDAY, "1h", seen=_seen(entry))

    assert response.status_code == 200
    assert reload(entry).version == entry.version
    assert audit_rows(entry.id, "updated") == []


def test_several_entries_open_dialog(client, agent, ticket, make_entry):
    first = make_entry(
        ticket, agent, minutes=60, work_date=MONDAY, description="Morning"
    )
    second = make_entry(
        ticket, agent, minutes=30, work_date=MONDAY, description="Evening"
    )

    response = _post_cell(client, ticket, MONDAY, "3h", seen=_seen(first, second))

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [entry.minutes for entry in entries()] == [60, 30]
    assert json.loads(response.headers["HX-Trigger-After-Settle"]) == {
        "openGridDialog": {}
    }
    assert 'id="grid-dialog-body" hx-swap-oob="innerHTML"' in html
    assert "has 2 entries" in html
    assert "Morning" in html
    assert "Evening" in html
    assert f"/agent/entries/{first.id}/edit" in html
    assert 'value="1:30"' in _cell_html(html, ticket, MONDAY)


def test_approved_cell_edit_409(client, agent, ticket, make_entry):
    entry = make_entry(
        ticket, agent, minutes=60, work_date=MONDAY, status=EntryStatus.APPROVED
    )

    response = _post_cell(client, ticket, MONDAY, "2h", seen=_seen(entry))

    assert response.status_code == 409
    assert "includes approved or billed time" in response.get_data(as_text=True)
    assert reload(entry).minutes == 60


def test_changed_cell_is_stale_409(client, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, minutes=60, work_date=MONDAY)

    empty_seen = _post_cell(client, ticket, MONDAY, "2h", seen="")
    old_version = _post_cell(
        client, ticket, MONDAY, "2h", seen=f"{entry.id}:{entry.version + 5}"
    )

    assert empty_seen.status_code == 409
    assert old_version.status_code == 409
    assert len(entries()) == 1
    assert reload(entry).minutes == 60


def test_repeated_cell_post_creates_one_entry(client, agent, ticket, activity):
    first = _post_cell(client, ticket, MONDAY, "1h")
    second = _post_cell(client, ticket, MONDAY, "1h")

    assert first.status_code == 200
    assert second.status_code == 409
    assert len(entries()) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", '"abc" is not a duration.'), ("25h", "more than 24 hours")],
)
def test_bad_cell_text_422(client, agent, ticket, activity, text, message):
    response = _post_cell(client, ticket, MONDAY, text)

    html = response.get_data(as_text=True).replace("&#34;", '"')
    cell = _cell_html(html, ticket, MONDAY)
    assert response.status_code == 422
    assert message in cell
    assert f'value="{text}"' in cell
    assert 'aria-invalid="true"' in cell
    assert "aria-describedby=" in cell
    assert entries() == []


def test_future_cell_422(client, agent, ticket, activity):
    response = _post_cell(client, ticket, rome_today() + timedelta(days=1), "1h")

    assert response.status_code == 422
    assert "cannot be in the future" in response.get_data(as_text=True)


def test_cell_bad_requests(client, agent, ticket):
    unknown = client.post(
        CELL_URL, data={"ticket": "NOPE", "day": "2026-11-09"}, headers=HTMX
    )
    bad_day = client.post(
        CELL_URL, data={"ticket": "ASS-100", "day": "monday"}, headers=HTMX
    )
    bad_seen = _post_cell(client, ticket, MONDAY, "1h", seen="x:y")

    assert unknown.status_code == 404
    assert bad_day.status_code == 400
    assert bad_seen.status_code == 400


def test_cell_plain_post_redirects(client, agent, ticket, activity):
    response = _post_cell(client, ticket, MONDAY, "1h", headers={})

    assert response.status_code == 303
    assert f"start={MONDAY.isoformat()}" in response.headers["Location"]
    assert "rows=ASS-100" in response.headers["Location"]


def test_copy_rows_from_last_week(
    client, agent, ticket, customer, make_ticket, make_entry
):
    other = make_ticket(customer, key="ASS-200")
    make_entry(ticket, agent, work_date=MONDAY - timedelta(days=3))
    make_entry(other, agent, work_date=MONDAY - timedelta(days=7))

    html = client.get(f"{GRID_URL}&copy=1").get_data(as_text=True)

    assert 'value=""' in _cell_html(html, ticket, MONDAY)
    assert 'value=""' in _cell_html(html, other, MONDAY)
    assert "rows=ASS-100%2CASS-200" in html or "rows=ASS-100,ASS-200" in html
    assert "Added the 2 tickets of last week." in html
    assert entries() and all(entry.work_date < MONDAY for entry in entries())


def test_add_row_by_key(client, agent, ticket):
    html = client.get(f"{GRID_URL}&add=ass-100").get_data(as_text=True)

    assert 'value=""' in _cell_html(html, ticket, MONDAY)
    assert "Added ASS-100 to the grid." in html
    assert 'id="grid-add-ticket"' in html
    assert "data-combobox-submit" in html


def test_add_unknown_row(client, agent):
    html = client.get(f"{GRID_URL}&add=NOPE-1").get_data(as_text=True)

    assert "No ticket has the key" in html
    assert 'id="grid-row-' not in html


def test_submit_week(client, agent, ticket, make_entry):
    draft = make_entry(ticket, agent, work_date=MONDAY)
    later = make_entry(ticket, agent, work_date=MONDAY + timedelta(days=7))
    page = client.get(GRID_URL).get_data(as_text=True)

    response = client.post(
        "/agent/week/grid/submit",
        data={"start": MONDAY.isoformat(), "rows": ""},
        headers=HTMX,
    )

    assert "Submit the week: 1 draft" in page
    assert response.status_code == 200
    assert "Submitted the week: 1 time entry." in response.get_data(as_text=True)
    assert reload(draft).status == EntryStatus.SUBMITTED
    assert reload(later).status == EntryStatus.DRAFT
    assert "No drafts to submit in this week." in response.get_data(as_text=True)


def test_submit_week_plain_redirects(client, agent, ticket, make_entry):
    make_entry(ticket, agent, work_date=MONDAY)

    response = client.post(
        "/agent/week/grid/submit", data={"start": MONDAY.isoformat()}
    )

    assert response.status_code == 303
    assert f"start={MONDAY.isoformat()}" in response.headers["Location"]
    assert entries()[0].status == EntryStatus.SUBMITTED


def test_grid_warns_long_day_and_duplicates(
    client, agent, ticket, customer, make_ticket, make_entry
):
    make_entry(ticket, agent, minutes=300, work_date=MONDAY)
    make_entry(ticket, agent, minutes=300, work_date=MONDAY)
    make_entry(make_ticket(customer), agent, minutes=60, work_date=MONDAY)

    html = client.get(GRID_URL).get_data(as_text=True)

    assert "You have logged 11 h on 09/11/2026, more than 10 hours." in html
    assert "You logged 5 h on ASS-100 on 09/11/2026 twice." in html
    assert "has-warning" in _cell_html(html, ticket, MONDAY)


def test_grid_warns_closed_ticket(client, agent, ticket, make_entry):
    ticket.status = TicketStatus.CLOSED
    ticket.resolved_at = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    db.session.commit()
    make_entry(ticket, agent, work_date=MONDAY)

    html = client.get(GRID_URL).get_data(as_text=True)

    assert (
        "ASS-100 was closed on 01/09/2026, more than 30 days before this work." in html
    )


def test_grid_reloads_after_quick_log(client, agent):
    html = client.get(GRID_URL).get_data(as_text=True)

    assert 'hx-trigger="entryLogged from:body"' in html
