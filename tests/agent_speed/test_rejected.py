"""The rejected entries list: reason, decider, fix and resubmit."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from agent.helpers import audit_rows, entry_form, reload, rome_today

from agent_speed.helpers import HTMX, field_errors
from portal.extensions import db
from portal.models import EntryStatus, Role


@pytest.fixture
def approver(make_user):
    return make_user(Role.APPROVER, name="Lara Leader")


@pytest.fixture
def rejected(agent, ticket, approver, make_entry):
    entry = make_entry(
        ticket,
        agent,
        minutes=90,
        status=EntryStatus.REJECTED,
        work_date=rome_today(),
        description="Printer fixed",
    )
    entry.rejection_reason = "Split the travel time out"
    entry.decided_by_id = approver.id
    entry.decided_at = datetime(2026, 11, 12, 15, 30, tzinfo=UTC)
    db.session.commit()
    return entry


def test_list_shows_reason_and_decider(
    client, agent, rejected, ticket, make_entry, make_user
):
    make_entry(ticket, agent, status=EntryStatus.DRAFT)
    make_entry(ticket, make_user(Role.AGENT), status=EntryStatus.REJECTED)

    html = client.get("/agent/rejected").get_data(as_text=True)

    rows = re.findall(r'<tr id="rejected-(\d+)"', html)
    assert rows == [str(rejected.id)]
    assert "Split the travel time out" in html
    assert "Lara Leader" in html
    assert "12/11/2026 16:30" in html
    assert "1 rejected entry." in html


def test_list_empty(client, agent):
    html = client.get("/agent/rejected").get_data(as_text=True)

    assert "No rejected entries." in html


def test_fix_form_row(client, agent, rejected):
    response = client.get(f"/agent/rejected/{rejected.id}/fix", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<tr id="rejected-{rejected.id}" class="entry editing">' in html
    assert "Rejection reason: Split the travel time out" in html
    assert 'value="resubmit"' in html
    assert f'name="edit-{rejected.id}-version"' in html


def test_fix_and_resubmit(client, agent, rejected, activity):
    form = entry_form(
        activity,
        prefix=f"edit-{rejected.id}",
        duration="1h",
        description="Printer fixed, travel logged apart",
        version=str(rejected.version),
    )
    form["action"] = "resubmit"

    response = client.post(
        f"/agent/rejected/{rejected.id}/fix", data=form, headers=HTMX
    )

    html = response.get_data(as_text=True)
    saved = reload(rejected)
    assert response.status_code == 200
    assert saved.status == EntryStatus.SUBMITTED
    assert saved.minutes == 60
    assert saved.rejection_reason is None
    assert audit_rows(rejected.id, "updated")
    assert audit_rows(rejected.id, "submitted")
    assert f'<tr id="rejected-{rejected.id}"' not in html
    assert "0 rejected entries." in html
    assert "corrected and submitted again" in html


def test_fix_save_only_keeps_rejected(client, agent, rejected, activity):
    form = entry_form(
        activity,
        prefix=f"edit-{rejected.id}",
        duration="1h",
        version=str(rejected.version),
    )
    form["action"] = "save"

    html = client.post(
        f"/agent/rejected/{rejected.id}/fix", data=form, headers=HTMX
    ).get_data(as_text=True)

    saved = reload(rejected)
    assert saved.status == EntryStatus.REJECTED
    assert saved.minutes == 60
    assert f'<tr id="rejected-{rejected.id}"' in html
    assert "Submit it again when it is ready." in html


def test_fix_invalid_422(client, agent, rejected, activity):
    form = entry_form(
        activity,
        prefix=f"edit-{rejected.id}",
        duration="abc",
        description="Kept text",
        version=str(rejected.version),
    )
    form["action"] = "resubmit"

    response = client.post(
        f"/agent/rejected/{rejected.id}/fix", data=form, headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a duration" in field_errors(html, f"edit-{rejected.id}-duration")
    assert "Kept text" in html
    assert reload(rejected).status == EntryStatus.REJECTED


def test_fix_stale_version_409(client, agent, rejected, activity):
    form = entry_form(
        activity, prefix=f"edit-{rejected.id}", version=str(rejected.version + 1)
    )
    form["action"] = "resubmit"

    response = client.post(
        f"/agent/rejected/{rejected.id}/fix", data=form, headers=HTMX
    )

    assert response.status_code == 409
    assert reload(rejected).status == EntryStatus.REJECTED


def test_resubmit_unchanged(client, agent, rejected):
    response = client.post(f"/agent/rejected/{rejected.id}/resubmit", headers=HTMX)

    assert response.status_code == 200
    assert reload(rejected).status == EntryStatus.SUBMITTED
    assert "submitted again" in response.get_data(as_text=True)


def test_resubmit_plain_redirects(client, agent, rejected):
    response = client.post(f"/agent/rejected/{rejected.id}/resubmit")

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/rejected")


def test_colleague_cannot_fix(client, login_as, rejected):
    client.post("/logout")
    login_as(Role.AGENT)

    fix = client.get(f"/agent/rejected/{rejected.id}/fix", headers=HTMX)
    resubmit = client.post(f"/agent/rejected/{rejected.id}/resubmit", headers=HTMX)

    assert fix.status_code == 403
    assert resubmit.status_code == 403
    assert reload(rejected).status == EntryStatus.REJECTED


def test_cancel_returns_row(client, agent, rejected):
    html = client.get(f"/agent/rejected/{rejected.id}/row", headers=HTMX).get_data(
        as_text=True
    )

    assert f'<tr id="rejected-{rejected.id}" class="entry entry-rejected">' in html


def test_missing_entry_404(client, agent):
    assert client.get("/agent/rejected/999/fix").status_code == 404
