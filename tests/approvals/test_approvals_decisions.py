"""Approve, reject and "Approve all" through the views, plain and with htmx."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from approvals_helpers import (
    HTMX,
    MONDAY,
    NEXT_MONDAY,
    WEDNESDAY,
    group_id,
    section,
    text_of,
)

from portal.extensions import db
from portal.models import AuditEvent, EntryStatus, Role, Statement, TimeEntry
from portal.models.billing import StatementStatus


def _reload(entry: TimeEntry) -> TimeEntry:
    db.session.expire_all()
    return db.session.get(TimeEntry, entry.id)


def _audit_rows(entry: TimeEntry) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(
        AuditEvent.object_type == "time_entries", AuditEvent.object_id == entry.id
    )
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def _group_url(agent, week_start: date) -> str:
    return f"/approvals/groups/{agent.id}/{week_start.isoformat()}/approve"


def _versions(*entries: TimeEntry) -> str:
    return ",".join(f"{entry.id}:{entry.version}" for entry in entries)


# Approve one


def test_approve_plain_post_redirects(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=45)

    response = client.post(
        f"/approvals/entries/{entry.id}/approve", data={"version": entry.version}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/approvals/"
    entry = _reload(entry)
    assert entry.status == EntryStatus.APPROVED
    assert entry.decided_by_id == approver.id
    assert entry.decided_at is not None
    assert abs(datetime.now(UTC) - entry.decided_at).total_seconds() < 60
    assert entry.rejection_reason is None
    page = client.get("/approvals/").get_data(as_text=True)
    assert "Approved the entry of 09/11/2026 on ticket ASS-1001." in page
    assert f'id="entry-{entry.id}"' not in page


def test_approve_redirect_keeps_filter(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.post(f"/approvals/entries/{entry.id}/approve?agent={agent.id}")

    assert response.status_code == 303
    assert response.headers["Location"] == f"/approvals/?agent={agent.id}"


def test_approve_htmx_replaces_row_and_totals(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=30)
    remaining = submit(ticket, agent, minutes=50, work_date=WEDNESDAY)
    billable_off = submit(ticket, agent, minutes=20, is_billable=False)

    response = client.post(
        f"/approvals/entries/{entry.id}/approve",
        data={
            "version": entry.version,
            "entries": _versions(entry, remaining, billable_off),
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = section(html, f"entry-{entry.id}")
    assert "decided-approved" in row
    assert "Approved" in text_of(row)
    summary = section(html, f"{group_id(agent, MONDAY)}-summary")
    assert 'hx-swap-oob="true"' in summary
    summary_text = text_of(summary)
    assert "2 entries" in summary_text
    assert "Total 1:10" in summary_text
    assert "Billable 0:50" in summary_text
    hidden = section(html, f"{group_id(agent, MONDAY)}-entries")
    # Rows, and so the entry list, are in date order.
    assert f'value="{_versions(billable_off, remaining)}"' in hidden
    count = section(html, "queue-count")
    assert 'hx-swap-oob="true"' in count
    assert "2 entries are waiting for approval." in text_of(count)
    assert "<title>Approvals (2 waiting) · Consuntivo</title>" in html


def test_approve_htmx_last_entry_empties_group(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.post(
        f"/approvals/entries/{entry.id}/approve",
        data={"entries": _versions(entry)},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    summary = text_of(section(html, f"{group_id(agent, MONDAY)}-summary"))
    assert "0 entries" in summary
    assert "No entries of this group are waiting for approval." in summary
    assert "Approve all" not in summary


def test_htmx_summary_skips_unseen_entries(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=30)
    shown = submit(ticket, agent, minutes=40)
    submit(ticket, agent, minutes=600)  # submitted after the page was loaded

    response = client.post(
        f"/approvals/entries/{entry.id}/approve",
        data={"entries": _versions(entry, shown)},
        headers=HTMX,
    )

    html = response.get_data(as_text=True)
    summary = text_of(section(html, f"{group_id(agent, MONDAY)}-summary"))
    assert "1 entry" in summary
    assert "Total 0:40" in summary


def test_approve_clears_old_rejection_reason(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    entry.rejection_reason = "Old reason from before the resubmission"
    db.session.commit()

    client.post(f"/approvals/entries/{entry.id}/approve")

    assert _reload(entry).rejection_reason is None


def test_approve_unknown_entry_is_404(client, approver):
    response = client.post("/approvals/entries/999999/approve")

    assert response.status_code == 404


# Reject one


def test_reject_plain_post_with_reason(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    field = f"reject-{entry.id}-reason"

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={field: "  Describe what you checked on the printer.  "},
    )

    assert response.status_code == 303
    entry = _reload(entry)
    assert entry.status == EntryStatus.REJECTED
    assert entry.rejection_reason == "Describe what you checked on the printer."
    assert entry.decided_by_id == approver.id
    assert entry.decided_at is not None
    page = client.get("/approvals/").get_data(as_text=True)
    assert "Rejected the entry of 09/11/2026 on ticket ASS-1001." in page


def test_reject_htmx_shows_reason_and_totals(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent, minutes=30)
    other = submit(ticket, agent, minutes=25)

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={
            f"reject-{entry.id}-reason": "Wrong ticket",
            f"reject-{entry.id}-version": entry.version,
            "entries": _versions(entry, other),
        },
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    row = text_of(section(html, f"entry-{entry.id}"))
    assert "Rejected: Wrong ticket" in row
    summary = text_of(section(html, f"{group_id(agent, MONDAY)}-summary"))
    assert "1 entry" in summary
    assert "Total 0:25" in summary
    assert "1 entry is waiting for approval." in text_of(section(html, "queue-count"))


def test_reject_form_htmx_opens_inline(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.get(f"/approvals/entries/{entry.id}/reject", headers=HTMX)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<tr id="entry-{entry.id}"')
    assert f'name="reject-{entry.id}-reason"' in html
    assert "data-focus-after-swap" in html
    assert f'hx-include="#{group_id(agent, MONDAY)}-entries"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_reject_form_plain_get_redirects(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.get(f"/approvals/entries/{entry.id}/reject")

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == f"/approvals/?reject={entry.id}#entry-{entry.id}"


def test_row_htmx_cancels_rejection(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.get(f"/approvals/entries/{entry.id}", headers=HTMX)

    html = response.get_data(as_text=True)
    assert "reason" not in html
    assert "Approve" in text_of(html)


@pytest.mark.parametrize("reason", ["", "   "])
def test_reject_without_reason_htmx_is_422(
    client, approver, agent, ticket, submit, reason
):
    entry = submit(ticket, agent)

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": reason},
        headers=HTMX,
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = section(html, f"reject-{entry.id}-reason-errors")
    assert "Enter the reason for the rejection." in errors
    assert 'aria-invalid="true"' in html
    assert _reload(entry).status == EntryStatus.SUBMITTED
    assert _audit_rows(entry) == []


def test_reject_without_reason_plain_is_422_page(
    client, approver, agent, ticket, submit
):
    entry = submit(ticket, agent)

    response = client.post(
        f"/approvals/entries/{entry.id}/reject", data={f"reject-{entry.id}-reason": ""}
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<title>Approvals (1 waiting)" in html
    row = section(html, f"entry-{entry.id}")
    assert "Enter the reason for the rejection." in row
    assert _reload(entry).status == EntryStatus.SUBMITTED


def test_reject_too_long_reason_keeps_text(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    reason = "x" * 1001

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": reason},
        headers=HTMX,
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The reason can be at most 1000 characters long." in html
    assert f"{reason}</textarea>" in html
    assert _reload(entry).status == EntryStatus.SUBMITTED


def test_reject_reason_at_max_length(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": "y" * 1000},
    )

    assert response.status_code == 303
    assert _reload(entry).rejection_reason == "y" * 1000


def test_reject_invalid_version_is_400(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={
            f"reject-{entry.id}-reason": "Wrong ticket",
            f"reject-{entry.id}-version": "abc",
        },
    )

    assert response.status_code == 400
    assert _reload(entry).status == EntryStatus.SUBMITTED


# Approve all


def test_approve_group_plain_post(client, approver, agent, other_agent, ticket, submit):
    first = submit(ticket, agent, work_date=MONDAY)
    second = submit(ticket, agent, work_date=WEDNESDAY)
    next_week = submit(ticket, agent, work_date=NEXT_MONDAY)
    other = submit(ticket, other_agent, work_date=MONDAY)

    response = client.post(
        _group_url(agent, MONDAY), data={"entries": _versions(first, second)}
    )

    assert response.status_code == 303
    assert response.headers["Location"] == "/approvals/"
    for entry in (first, second):
        entry = _reload(entry)
        assert entry.status == EntryStatus.APPROVED
        assert entry.decided_by_id == approver.id
        assert len(_audit_rows(entry)) == 1
    assert _reload(next_week).status == EntryStatus.SUBMITTED
    assert _reload(other).status == EntryStatus.SUBMITTED
    page = client.get("/approvals/").get_data(as_text=True)
    expected = "Approved 2 entries of Marco Rossi for the week 09/11/2026 – 15/11/2026."
    assert expected in page


def test_group_without_list_approves_all(client, approver, agent, ticket, submit):
    entries = [submit(ticket, agent, work_date=WEDNESDAY) for _ in range(3)]

    response = client.post(_group_url(agent, MONDAY))

    assert response.status_code == 303
    for entry in entries:
        assert _reload(entry).status == EntryStatus.APPROVED


def test_approve_group_htmx_returns_group(client, approver, agent, ticket, submit):
    shown = submit(ticket, agent, minutes=30)
    not_shown = submit(ticket, agent, minutes=45, work_date=WEDNESDAY)

    response = client.post(
        _group_url(agent, MONDAY), data={"entries": _versions(shown)}, headers=HTMX
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    group = section(html, group_id(agent, MONDAY))
    group_text = text_of(group)
    assert "Approved 1 entry of Marco Rossi" in group_text
    # The entry submitted after the page loaded is not approved and now shows.
    assert "1 entry" in group_text
    assert "Total 0:45" in group_text
    assert f'id="entry-{not_shown.id}"' in group
    assert f'id="entry-{shown.id}"' not in group
    assert _reload(not_shown).status == EntryStatus.SUBMITTED
    assert "1 entry is waiting for approval." in text_of(section(html, "queue-count"))


def test_approve_group_htmx_empty_group(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    response = client.post(
        _group_url(agent, MONDAY), data={"entries": _versions(entry)}, headers=HTMX
    )

    html = response.get_data(as_text=True)
    group_text = text_of(section(html, group_id(agent, MONDAY)))
    assert "0 entries" in group_text
    assert "Total 0:00" in group_text
    assert "Billable 0:00" in group_text
    assert "Approve all" not in group_text


def test_approve_group_skips_changed_entry(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    changed = submit(ticket, agent)
    seen = _versions(entry, changed)
    changed.minutes = 480  # the agent edits it after the page was loaded
    db.session.commit()

    response = client.post(_group_url(agent, MONDAY), data={"entries": seen})

    assert response.status_code == 303
    assert _reload(entry).status == EntryStatus.APPROVED
    assert _reload(changed).status == EntryStatus.SUBMITTED
    page = client.get("/approvals/").get_data(as_text=True)
    assert "Approved 1 entry of Marco Rossi" in page
    assert "Skipped 1 entry: 09/11/2026, ticket ASS-1001: This entry was changed" in (
        page
    )


def test_approve_group_all_changed_is_409(client, approver, agent, ticket, submit):
    changed = submit(ticket, agent)
    seen = _versions(changed)
    changed.minutes = 480
    db.session.commit()

    response = client.post(_group_url(agent, MONDAY), data={"entries": seen})

    assert response.status_code == 409
    assert "was changed after you loaded the page" in response.get_data(as_text=True)
    assert _reload(changed).status == EntryStatus.SUBMITTED


def test_group_foreign_entry_is_400(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    next_week = submit(ticket, agent, work_date=NEXT_MONDAY)

    response = client.post(
        _group_url(agent, MONDAY), data={"entries": _versions(entry, next_week)}
    )

    assert response.status_code == 400
    assert _reload(entry).status == EntryStatus.SUBMITTED
    assert _reload(next_week).status == EntryStatus.SUBMITTED


@pytest.mark.parametrize("value", ["12", "a:1", "1:2,", "1:x"])
def test_approve_group_invalid_list_is_400(
    client, approver, agent, ticket, submit, value
):
    entry = submit(ticket, agent)

    response = client.post(_group_url(agent, MONDAY), data={"entries": value})

    assert response.status_code == 400
    assert _reload(entry).status == EntryStatus.SUBMITTED


@pytest.mark.parametrize("week", ["2026-11-10", "not-a-date"])
def test_approve_group_bad_week_is_404(client, approver, agent, week):
    response = client.post(f"/approvals/groups/{agent.id}/{week}/approve")

    assert response.status_code == 404


def test_approve_empty_group_is_409(client, approver, agent):
    response = client.post(_group_url(agent, MONDAY))

    assert response.status_code == 409
    assert "No entries of this agent and week" in response.get_data(as_text=True)


# Own entries


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_own_entry_approval_is_403(client, login_as, ticket, submit, role):
    lead = login_as(role)
    entry = submit(ticket, lead)

    response = client.post(
        f"/approvals/entries/{entry.id}/approve", data={"version": entry.version}
    )

    assert response.status_code == 403
    assert "You cannot approve or reject your own time entries." in (
        response.get_data(as_text=True)
    )
    entry = _reload(entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.decided_by_id is None
    assert entry.version == 1
    assert _audit_rows(entry) == []


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_own_entry_rejection_is_403(client, login_as, ticket, submit, role):
    lead = login_as(role)
    entry = submit(ticket, lead)

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": "Mine"},
        headers=HTMX,
    )

    assert response.status_code == 403
    assert _reload(entry).status == EntryStatus.SUBMITTED
    assert _audit_rows(entry) == []


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ADMIN])
def test_own_group_approval_is_403(client, login_as, ticket, submit, role):
    lead = login_as(role)
    entries = [submit(ticket, lead), submit(ticket, lead, work_date=WEDNESDAY)]

    response = client.post(
        _group_url(lead, MONDAY), data={"entries": _versions(*entries)}
    )

    assert response.status_code == 403
    for entry in entries:
        assert _reload(entry).status == EntryStatus.SUBMITTED
        assert _audit_rows(entry) == []


# Already decided and changed entries


def test_already_approved_is_409_with_name(
    client, approver, make_user, agent, ticket, submit
):
    colleague = make_user(Role.APPROVER, name="Giulia Neri")
    entry = submit(ticket, agent)
    entry.status = EntryStatus.APPROVED
    entry.decided_by = colleague
    entry.decided_at = datetime(2026, 12, 4, 9, 12, tzinfo=UTC)
    db.session.commit()

    response = client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": "Too long"},
    )

    assert response.status_code == 409
    # 09:12 UTC is 10:12 in Rome, the approver's time zone.
    message = "Already approved by Giulia Neri on 04/12/2026 10:12."
    assert message in response.get_data(as_text=True)
    entry = _reload(entry)
    assert entry.status == EntryStatus.APPROVED
    assert entry.decided_by_id == colleague.id
    assert entry.rejection_reason is None


def test_decide_twice_htmx_second_is_409(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    url = f"/approvals/entries/{entry.id}/approve"

    first = client.post(url, data={"version": entry.version}, headers=HTMX)
    second = client.post(url, data={"version": 1}, headers=HTMX)

    assert first.status_code == 200
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Already approved by Laura Bianchi on" in html
    assert 'class="flash flash-error"' in html
    assert len(_audit_rows(entry)) == 1


def test_already_rejected_approve_is_409(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": "Wrong customer"},
    )

    response = client.post(f"/approvals/entries/{entry.id}/approve")

    assert response.status_code == 409
    assert "Already rejected by Laura Bianchi on" in response.get_data(as_text=True)
    assert _reload(entry).rejection_reason == "Wrong customer"


def test_approve_changed_entry_is_409(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)
    seen_version = entry.version
    entry.minutes = 240
    db.session.commit()

    response = client.post(
        f"/approvals/entries/{entry.id}/approve", data={"version": seen_version}
    )

    assert response.status_code == 409
    assert "was changed after you loaded the page" in response.get_data(as_text=True)
    assert _reload(entry).status == EntryStatus.SUBMITTED


def test_draft_entry_is_409(client, approver, agent, ticket, make_entry):
    entry = make_entry(ticket, agent, status=EntryStatus.DRAFT)

    response = client.post(f"/approvals/entries/{entry.id}/approve")

    assert response.status_code == 409
    assert "no longer waiting for approval" in response.get_data(as_text=True)
    assert _reload(entry).status == EntryStatus.DRAFT


def test_entry_on_statement_untouched(
    client, approver, agent, customer, ticket, submit
):
    # The app never puts a submitted entry on a statement, but the service must
    # leave such an entry alone all the same.
    entry = submit(ticket, agent)
    statement = _make_statement(customer, approver)
    entry.statement = statement
    db.session.commit()

    single = client.post(f"/approvals/entries/{entry.id}/approve")
    group = client.post(_group_url(agent, MONDAY), data={"entries": _versions(entry)})

    assert single.status_code == 409
    assert "on an issued statement" in single.get_data(as_text=True)
    assert group.status_code == 409
    entry = _reload(entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.decided_by_id is None
    assert _audit_rows(entry) == []


def _make_statement(customer, issuer) -> Statement:
    statement = Statement(
        customer=customer,
        period_start=date(2026, 11, 1),
        period_end=date(2026, 11, 30),
        year=2026,
        sequence=1,
        number="2026/0001",
        status=StatementStatus.ISSUED,
        language="it",
        hourly_rate=Decimal("60.00"),
        total_minutes=30,
        total_amount=Decimal("30.00"),
        customer_name=customer.name,
        pdf=b"%PDF-1.7",
        pdf_sha256="0" * 64,
        issued_by=issuer,
    )
    db.session.add(statement)
    return statement


# Audit trail and log


def test_approve_writes_audit_row(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    client.post(f"/approvals/entries/{entry.id}/approve")

    (event,) = _audit_rows(entry)
    assert event.action == "approved"
    assert event.actor_id == approver.id
    assert event.before == {
        "status": "submitted",
        "decided_by_id": None,
        "rejection_reason": None,
    }
    assert event.after == {
        "status": "approved",
        "decided_by_id": approver.id,
        "rejection_reason": None,
    }
    assert event.reason is None


def test_reject_writes_audit_row(client, approver, agent, ticket, submit):
    entry = submit(ticket, agent)

    client.post(
        f"/approvals/entries/{entry.id}/reject",
        data={f"reject-{entry.id}-reason": "Bill it to ASS-1002"},
    )

    (event,) = _audit_rows(entry)
    assert event.action == "rejected"
    assert event.actor_id == approver.id
    assert event.before["status"] == "submitted"
    assert event.after == {
        "status": "rejected",
        "decided_by_id": approver.id,
        "rejection_reason": "Bill it to ASS-1002",
    }
    assert event.reason == "Bill it to ASS-1002"


def test_decision_logs_one_line(client, approver, agent, ticket, submit, caplog):
    entry = submit(ticket, agent)
    caplog.set_level(logging.INFO, logger="portal")

    client.post(f"/approvals/entries/{entry.id}/approve")

    pattern = re.compile(rf"time_entries {entry.id} approved by user {approver.id}$")
    lines = [r.getMessage() for r in caplog.records if pattern.search(r.getMessage())]
    assert len(lines) == 1


# CSRF


def test_decision_needs_csrf_token(
    client, approver, agent, ticket, submit, csrf_enabled
):
    entry = submit(ticket, agent)
    page = client.get("/approvals/").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    refused = client.post(f"/approvals/entries/{entry.id}/approve", headers=HTMX)
    accepted = client.post(
        f"/approvals/entries/{entry.id}/approve",
        headers={**HTMX, "X-CSRFToken": token},
    )

    assert refused.status_code == 400
    assert accepted.status_code == 200
    assert _reload(entry).status == EntryStatus.APPROVED
