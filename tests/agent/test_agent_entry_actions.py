"""Edit, delete and submit a time entry: allowed for its agent, rejected for others."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from agent.helpers import (
    HTMX,
    audit_rows,
    entry_form,
    field_errors,
    input_value,
    reload,
    rome_today,
    row_html,
    textarea_value,
)
from portal.extensions import db
from portal.models import EntryStatus, Role


@pytest.fixture
def draft(ticket, agent, make_entry):
    return make_entry(
        ticket,
        agent,
        minutes=30,
        work_date=date(2026, 11, 10),
        description="Checked the spooler",
        internal_note="First look",
    )


def _edit(entry, activity, **values) -> dict:
    values.setdefault("version", str(entry.version))
    return entry_form(activity, prefix=f"edit-{entry.id}", **values)


# --- Edit ------------------------------------------------------------------


def test_edit_htmx_shows_form_row(client, draft):
    response = client.get(f"/agent/entries/{draft.id}/edit", headers=HTMX)

    html = response.get_data(as_text=True)
    prefix = f"edit-{draft.id}"
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="entry-{draft.id}" class="entry editing"')
    assert input_value(html, f"{prefix}-duration") == "0:30"
    assert input_value(html, f"{prefix}-work_date") == "2026-11-10"
    assert textarea_value(html, f"{prefix}-description") == "Checked the spooler"
    assert textarea_value(html, f"{prefix}-internal_note") == "First look"
    assert ">Save</button>" in html
    assert f'hx-get="/agent/entries/{draft.id}/row"' in html


def test_edit_plain_shows_page(client, draft):
    response = client.get(f"/agent/entries/{draft.id}/edit")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html
    assert "Edit time entry" in html


def test_edit_htmx_saves_changes(client, agent, draft, activity):
    form = _edit(draft, activity, duration="1:15", description="Replaced the cable")

    response = client.post(f"/agent/entries/{draft.id}/edit", data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    entry = reload(draft)
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#entry-log"
    assert response.headers["HX-Reswap"] == "outerHTML"
    assert entry.minutes == 75
    assert entry.description == "Replaced the cable"
    assert entry.status == EntryStatus.DRAFT
    assert "Replaced the cable" in row_html(html, draft.id)
    assert '<strong id="total-time">1:15</strong>' in html
    assert "The time entry has been saved." in html


def test_edit_audits_changed_fields_only(client, agent, draft, activity):
    form = _edit(
        draft,
        activity,
        work_date="2026-11-10",
        duration="45",
        description="Checked the spooler",
        internal_note="First look",
    )

    client.post(f"/agent/entries/{draft.id}/edit", data=form, headers=HTMX)

    [event] = audit_rows(draft.id, "updated")
    assert event.actor_id == agent.id
    assert event.before == {"minutes": 30}
    assert event.after == {"minutes": 45}


def test_edit_without_change_writes_no_audit(client, draft, activity):
    form = _edit(
        draft,
        activity,
        work_date="2026-11-10",
        duration="0:30",
        description="Checked the spooler",
        internal_note="First look",
    )

    response = client.post(f"/agent/entries/{draft.id}/edit", data=form)

    assert response.status_code == 303
    assert audit_rows(draft.id, "updated") == []


def test_edit_keeps_submitted_status(client, ticket, agent, make_entry, activity):
    entry = make_entry(ticket, agent, status=EntryStatus.SUBMITTED)

    client.post(
        f"/agent/entries/{entry.id}/edit",
        data=_edit(entry, activity, duration="2h"),
        headers=HTMX,
    )

    entry = reload(entry)
    assert entry.minutes == 120
    assert entry.status == EntryStatus.SUBMITTED


def test_edit_keeps_rejection(client, ticket, agent, make_entry, make_user, activity):
    approver = make_user(Role.APPROVER)
    entry = make_entry(ticket, agent, status=EntryStatus.REJECTED)
    entry.rejection_reason = "Describe what you checked."
    entry.decided_by_id = approver.id
    entry.decided_at = datetime.now(UTC)
    db.session.commit()

    client.post(
        f"/agent/entries/{entry.id}/edit",
        data=_edit(entry, activity, description="Checked spooler and driver"),
        headers=HTMX,
    )

    entry = reload(entry)
    assert entry.description == "Checked spooler and driver"
    assert entry.status == EntryStatus.REJECTED
    assert entry.rejection_reason == "Describe what you checked."
    assert entry.decided_by_id == approver.id


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"duration": "abc"}, "duration", "is not a duration"),
        ({"duration": "25h"}, "duration", "more than 24 hours"),
        ({"description": ""}, "description", "Describe the work"),
        (
            {"work_date": (rome_today() + timedelta(days=1)).isoformat()},
            "work_date",
            "cannot be in the future",
        ),
    ],
)
def test_edit_invalid_422(client, draft, activity, values, field, message):
    values.setdefault("internal_note", "Typed note")
    form = _edit(draft, activity, **values)

    response = client.post(f"/agent/entries/{draft.id}/edit", data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    prefix = f"edit-{draft.id}"
    assert response.status_code == 422
    assert message in field_errors(html, f"{prefix}-{field}")
    assert textarea_value(html, f"{prefix}-internal_note") == "Typed note"
    assert html.lstrip().startswith(f'<tr id="entry-{draft.id}"')
    assert reload(draft).minutes == 30


def test_edit_plain_post(client, draft, activity):
    response = client.post(
        f"/agent/entries/{draft.id}/edit", data=_edit(draft, activity, duration="1h")
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/tickets/ASS-100")
    assert reload(draft).minutes == 60


def test_edit_plain_post_invalid_422(client, draft, activity):
    form = _edit(draft, activity, duration="abc", description="Typed by hand")

    response = client.post(f"/agent/entries/{draft.id}/edit", data=form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in html
    assert "is not a duration" in field_errors(html, f"edit-{draft.id}-duration")
    assert textarea_value(html, f"edit-{draft.id}-description") == "Typed by hand"


def test_edit_plain_post_with_csrf(client, draft, activity, csrf_enabled):
    page = client.get(f"/agent/entries/{draft.id}/edit").get_data(as_text=True)
    name = f"edit-{draft.id}-csrf_token"
    token = re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)
    form = _edit(draft, activity, duration="1h")

    rejected = client.post(f"/agent/entries/{draft.id}/edit", data=form)
    accepted = client.post(
        f"/agent/entries/{draft.id}/edit", data={**form, name: token}
    )

    assert rejected.status_code == 400
    assert accepted.status_code == 303
    assert reload(draft).minutes == 60


def test_edit_stale_version_409(client, draft, activity):
    form = _edit(draft, activity, duration="2h", version=str(draft.version - 1))

    response = client.post(f"/agent/entries/{draft.id}/edit", data=form, headers=HTMX)

    assert response.status_code == 409
    assert "Someone else changed this item" in response.get_data(as_text=True)
    assert reload(draft).minutes == 30


def test_edit_keeps_retired_activity(client, draft, make_activity):
    retired = draft.activity_type
    retired.is_active = False
    make_activity("onsite", "On-site work")
    db.session.commit()

    response = client.post(
        f"/agent/entries/{draft.id}/edit",
        data=_edit(draft, retired, duration="1h"),
        headers=HTMX,
    )

    assert response.status_code == 200
    assert reload(draft).activity_type_id == retired.id


# --- Delete ----------------------------------------------------------------


def test_delete_htmx_removes_row(client, agent, draft):
    entry_id = draft.id

    response = client.post(f"/agent/entries/{entry_id}/delete", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="entry-{entry_id}"' not in html
    assert '<strong id="total-time">0:00</strong>' in html
    assert "The time entry has been deleted." in html
    assert reload(draft) is None


def test_delete_audits_values(client, agent, draft):
    entry_id = draft.id

    client.post(f"/agent/entries/{entry_id}/delete", headers=HTMX)

    [event] = audit_rows(entry_id, "deleted")
    assert event.actor_id == agent.id
    assert event.after is None
    assert event.before["minutes"] == 30
    assert event.before["description"] == "Checked the spooler"


def test_delete_plain_confirms_first(client, draft):
    confirm = client.get(f"/agent/entries/{draft.id}/delete")
    response = client.post(f"/agent/entries/{draft.id}/delete")

    assert confirm.status_code == 200
    assert "This cannot be undone." in confirm.get_data(as_text=True)
    assert response.status_code == 303
    assert reload(draft) is None


def test_delete_button_asks_confirmation(client, draft):
    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    row = row_html(html, draft.id)
    assert f'hx-post="/agent/entries/{draft.id}/delete"' in row
    assert "hx-confirm=" in row


def test_delete_submitted_entry(client, ticket, agent, make_entry):
    entry = make_entry(ticket, agent, status=EntryStatus.SUBMITTED)

    response = client.post(f"/agent/entries/{entry.id}/delete", headers=HTMX)

    assert response.status_code == 200
    assert reload(entry) is None


# --- Submit ----------------------------------------------------------------


def test_submit_one_draft(client, agent, draft):
    response = client.post(f"/agent/entries/{draft.id}/submit", headers=HTMX)

    entry = reload(draft)
    assert response.status_code == 200
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.submitted_at is not None
    assert "Submitted" in row_html(response.get_data(as_text=True), draft.id)
    [event] = audit_rows(draft.id, "submitted")
    assert event.before["status"] == "draft"
    assert event.after["status"] == "submitted"


def test_submit_plain_redirects(client, draft):
    response = client.post(f"/agent/entries/{draft.id}/submit")

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 time entry submitted for approval." in page


def test_resubmit_clears_rejection(client, ticket, agent, make_entry, make_user):
    approver = make_user(Role.APPROVER)
    entry = make_entry(ticket, agent, status=EntryStatus.REJECTED)
    entry.rejection_reason = "Too vague."
    entry.decided_by_id = approver.id
    entry.decided_at = datetime.now(UTC) - timedelta(hours=1)
    entry.submitted_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    first_submitted_at = reload(entry).submitted_at

    client.post(f"/agent/entries/{entry.id}/submit", headers=HTMX)

    entry = reload(entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.rejection_reason is None
    assert entry.decided_by_id is None
    assert entry.decided_at is None
    assert entry.submitted_at > first_submitted_at
    [event] = audit_rows(entry.id, "submitted")
    assert event.before["rejection_reason"] == "Too vague."
    assert event.after["rejection_reason"] is None


def test_submit_already_submitted_409(client, ticket, agent, make_entry):
    entry = make_entry(ticket, agent, status=EntryStatus.SUBMITTED)

    response = client.post(f"/agent/entries/{entry.id}/submit", headers=HTMX)

    assert response.status_code == 409
    assert "already been submitted" in response.get_data(as_text=True)


def test_submit_all_my_drafts_on_ticket(
    client, agent, ticket, make_ticket, make_user, make_entry
):
    colleague = make_user(Role.AGENT)
    other_ticket = make_ticket(ticket.customer, key="ASS-200")
    mine = [make_entry(ticket, agent), make_entry(ticket, agent)]
    rejected = make_entry(ticket, agent, status=EntryStatus.REJECTED)
    theirs = make_entry(ticket, colleague)
    elsewhere = make_entry(other_ticket, agent)

    response = client.post("/agent/tickets/ASS-100/submit-drafts", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 time entries submitted for approval." in html
    assert [reload(e).status for e in mine] == [EntryStatus.SUBMITTED] * 2
    assert reload(rejected).status == EntryStatus.REJECTED
    assert reload(theirs).status == EntryStatus.DRAFT
    assert reload(elsewhere).status == EntryStatus.DRAFT
    assert len(audit_rows(mine[0].id, "submitted")) == 1


def test_submit_all_without_drafts(client, agent, ticket):
    response = client.post("/agent/tickets/ASS-100/submit-drafts")

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There were no drafts to submit." in page


# --- Refusals --------------------------------------------------------------


def _attempts(entry, activity):
    form = _edit(entry, activity, duration="3h", description="Changed")
    return [
        ("get", f"/agent/entries/{entry.id}/edit", None),
        ("post", f"/agent/entries/{entry.id}/edit", form),
        ("get", f"/agent/entries/{entry.id}/delete", None),
        ("post", f"/agent/entries/{entry.id}/delete", None),
        ("post", f"/agent/entries/{entry.id}/submit", None),
    ]


def _assert_unchanged(entry, status) -> None:
    current = reload(entry)
    assert current is not None
    assert current.minutes == 30
    assert current.description == "Verifica configurazione"
    assert current.status == status


@pytest.mark.parametrize("htmx", [True, False])
def test_approved_entry_read_only(client, ticket, agent, make_entry, activity, htmx):
    entry = make_entry(ticket, agent, status=EntryStatus.APPROVED)
    headers = HTMX if htmx else {}

    for method, url, data in _attempts(entry, activity):
        response = client.open(url, method=method, data=data, headers=headers)

        assert response.status_code == 409, (method, url)
        assert "approved and can no longer be changed" in response.get_data(
            as_text=True
        )
    _assert_unchanged(entry, EntryStatus.APPROVED)
    assert audit_rows(entry.id) == []


def test_billed_entry_read_only(
    client, ticket, agent, make_entry, make_statement, make_user, activity
):
    statement = make_statement(ticket.customer, make_user(Role.ACCOUNTS), "2026-0003")
    entry = make_entry(ticket, agent, status=EntryStatus.APPROVED)
    entry.statement_id = statement.id
    db.session.commit()

    for method, url, data in _attempts(entry, activity):
        response = client.open(url, method=method, data=data, headers=HTMX)

        assert response.status_code == 409, (method, url)
        assert "on an issued statement" in response.get_data(as_text=True)
    _assert_unchanged(entry, EntryStatus.APPROVED)
    assert reload(entry).statement_id == statement.id


@pytest.mark.parametrize("status", [EntryStatus.DRAFT, EntryStatus.REJECTED])
def test_other_agent_rejected_403(
    client, ticket, agent, make_user, make_entry, activity, status
):
    colleague = make_user(Role.AGENT)
    entry = make_entry(ticket, colleague, status=status)

    for method, url, data in _attempts(entry, activity):
        response = client.open(url, method=method, data=data, headers=HTMX)

        assert response.status_code == 403, (method, url)
        assert "Only the agent who logged this time" in response.get_data(as_text=True)
    _assert_unchanged(entry, status)
    assert audit_rows(entry.id) == []


def test_admin_cannot_change_agent_entry(
    client, login_as, ticket, make_user, make_entry
):
    owner = make_user(Role.AGENT)
    entry = make_entry(ticket, owner)
    login_as(Role.ADMIN)

    response = client.post(f"/agent/entries/{entry.id}/delete", headers=HTMX)

    assert response.status_code == 403
    assert reload(entry) is not None


def test_unknown_entry_404(client, agent):
    assert client.get("/agent/entries/999999/edit").status_code == 404
    assert client.post("/agent/entries/999999/submit").status_code == 404
    assert client.post("/agent/entries/999999/delete").status_code == 404


def test_cancel_edit_returns_row(client, draft):
    response = client.get(f"/agent/entries/{draft.id}/row", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="entry-{draft.id}"')
    assert "Checked the spooler" in html
