"""Approve or reject a selection or an agent's week, with partial success."""

from __future__ import annotations

import threading
import time

import pytest

from approvals_speed.helpers import (
    HTMX,
    MONDAY,
    WEDNESDAY,
    audit_rows,
    notifications_of,
    reload,
    section,
    text_of,
    versions,
)
from portal.extensions import db
from portal.models import EntryStatus, Role, TimeEntry, User
from portal.services import approvals
from portal.services.approvals import Decision

URL = "/approvals/selection"


def _post(client, decision: str, selected: list[str], reason: str = "", **kwargs):
    data = {"decision": decision, "selected": selected, "reason": reason}
    return client.post(URL, data=data, **kwargs)


def test_approve_selected_plain(client, lead, agent, other_agent, ticket, submit):
    first = submit(ticket, agent)
    second = submit(ticket, other_agent, work_date=WEDNESDAY)
    untouched = submit(ticket, agent)

    response = _post(client, "approve", versions(first, second))

    assert response.status_code == 303
    assert response.headers["Location"] == "/approvals/"
    for entry in (first, second):
        entry = reload(entry)
        assert entry.status == EntryStatus.APPROVED
        assert entry.decided_by_id == lead.id
        assert [event.action for event in audit_rows(entry)] == ["approved"]
    assert reload(untouched).status == EntryStatus.SUBMITTED
    page = client.get("/approvals/").get_data(as_text=True)
    assert "Approved 2 entries." in page


def test_approve_selected_htmx_refreshes_queue(client, lead, agent, ticket, submit):
    chosen = submit(ticket, agent)
    left = submit(ticket, agent, minutes=50)

    response = _post(client, "approve", versions(chosen), headers=HTMX)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="queue">')
    assert "Approved 1 entry." in text_of(section(html, "queue"))
    assert f'id="entry-{chosen.id}"' not in html
    assert f'id="entry-{left.id}"' in html
    count = section(html, "queue-count")
    assert 'hx-swap-oob="true"' in count
    assert "1 entry is waiting for approval." in text_of(count)


def test_reject_selected_notifies_each_agent(
    client, lead, agent, other_agent, ticket, submit
):
    marco = [submit(ticket, agent), submit(ticket, agent, work_date=WEDNESDAY)]
    anna = submit(ticket, other_agent)

    response = _post(
        client, "reject", versions(*marco, anna), reason="  Log it on ASS-2002.  "
    )

    assert response.status_code == 303
    for entry in (*marco, anna):
        entry = reload(entry)
        assert entry.status == EntryStatus.REJECTED
        assert entry.rejection_reason == "Log it on ASS-2002."
    (for_marco,) = notifications_of(agent)
    assert for_marco.kind == "entries_rejected"
    assert [item["id"] for item in for_marco.payload["entries"]] == [
        entry.id for entry in marco
    ]
    (for_anna,) = notifications_of(other_agent)
    assert for_anna.payload["reason"] == "Log it on ASS-2002."


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_reject_selected_needs_reason(client, lead, agent, ticket, submit, headers):
    entries = [submit(ticket, agent), submit(ticket, agent)]

    response = _post(client, "reject", versions(*entries), reason=" ", headers=headers)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    errors = section(html, "reason-errors")
    assert "Enter the reason for rejecting the entries." in errors
    # The checked rows stay checked, so the approver loses nothing.
    for entry in entries:
        row = section(html, f"entry-{entry.id}")
        assert f'value="{entry.id}:{entry.version}"' in row
        assert " checked" in row
        assert reload(entry).status == EntryStatus.SUBMITTED


def test_too_long_reason_keeps_text(client, lead, agent, ticket, submit):
    entry = submit(ticket, agent)
    reason = "x" * 1001

    response = _post(client, "reject", versions(entry), reason=reason, headers=HTMX)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The reason can be at most 1000 characters long." in html
    assert f"{reason}</textarea>" in html


def test_empty_selection_is_422(client, lead, agent, ticket, submit):
    submit(ticket, agent)

    response = _post(client, "approve", [], headers=HTMX)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Select at least one entry." in section(html, "selected-errors")


@pytest.mark.parametrize(
    ("decision", "selected"),
    [("approve", ["12"]), ("approve", ["a:1"]), ("delete", ["1:1"])],
)
def test_tampered_selection_is_400(
    client, lead, agent, ticket, submit, decision, selected
):
    entry = submit(ticket, agent)

    response = _post(client, decision, selected)

    assert response.status_code == 400
    assert reload(entry).status == EntryStatus.SUBMITTED


def test_partial_selection_reports_skipped(
    client, lead, help_desk, agent, outsider, ticket, submit, approve
):
    lead.team = help_desk
    db.session.commit()
    fine = submit(ticket, agent, work_date=MONDAY)
    own = submit(ticket, lead, work_date=MONDAY)
    foreign = submit(ticket, outsider, work_date=MONDAY)
    decided = submit(ticket, agent, work_date=WEDNESDAY)
    changed = submit(ticket, agent, work_date=WEDNESDAY)
    selected = versions(fine, own, foreign, decided, changed)
    approve(decided)
    changed.minutes = 99
    db.session.commit()

    response = _post(client, "approve", selected, headers=HTMX)

    assert response.status_code == 200
    html = text_of(section(response.get_data(as_text=True), "queue"))
    assert "Approved 1 entry." in html
    assert "4 entries were skipped:" in html
    assert "09/11/2026, ticket ASS-1001: You cannot approve or reject your own" in html
    assert "This entry no longer exists." in html
    assert "11/11/2026, ticket ASS-1001: Already approved by Giulia Neri on" in html
    assert "was changed after you loaded the page" in html
    assert reload(fine).status == EntryStatus.APPROVED
    assert reload(own).status == EntryStatus.SUBMITTED
    assert reload(foreign).status == EntryStatus.SUBMITTED
    assert reload(decided).decided_by_id != lead.id
    assert reload(changed).status == EntryStatus.SUBMITTED


def test_partial_selection_plain_flash(client, lead, agent, ticket, submit, approve):
    fine = submit(ticket, agent)
    decided = submit(ticket, agent)
    selected = versions(fine, decided)
    approve(decided)

    response = _post(client, "approve", selected)

    assert response.status_code == 303
    page = text_of(client.get("/approvals/").get_data(as_text=True))
    assert "Approved 1 entry. Skipped 1 entry: 09/11/2026, ticket ASS-1001:" in page


def test_second_selection_is_409(client, lead, agent, ticket, submit, approve):
    entry = submit(ticket, agent)
    selected = versions(entry)
    approve(entry)

    response = _post(client, "approve", selected, headers=HTMX)

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Already approved by Giulia Neri on 01/12/2026 10:30." in html
    assert 'class="flash flash-error bulk-outcome"' in html
    assert len(audit_rows(entry)) == 0


def test_nothing_decided_lists_reasons(
    client, lead, agent, outsider, ticket, submit, approve
):
    foreign = submit(ticket, outsider)
    decided = approve(submit(ticket, agent))

    response = _post(client, "approve", [f"{foreign.id}:1", f"{decided.id}:1"])

    assert response.status_code == 409
    html = text_of(response.get_data(as_text=True))
    assert "None of the 2 entries was decided." in html
    assert "Already approved by Giulia Neri" in html
    assert "This entry no longer exists." in html


def test_selection_csrf_required(client, lead, agent, ticket, submit, csrf_enabled):
    entry = submit(ticket, agent)

    response = _post(client, "approve", versions(entry))

    assert response.status_code == 400
    assert reload(entry).status == EntryStatus.SUBMITTED


def test_queue_rows_have_checkboxes(client, lead, help_desk, agent, ticket, submit):
    lead.team = help_desk
    db.session.commit()
    entry = submit(ticket, agent)
    own = submit(ticket, lead)

    html = client.get("/approvals/").get_data(as_text=True)

    row = section(html, f"entry-{entry.id}")
    assert 'type="checkbox" name="selected"' in row
    assert 'form="selection-form"' in row
    assert 'aria-label="Select 09/11/2026 ASS-1001"' in row
    assert 'name="selected"' not in section(html, f"entry-{own.id}")
    form = section(html, "selection-form")
    assert 'name="decision" value="approve"' in form
    assert 'name="decision" value="reject"' in form


# An agent's week


def test_group_of_foreign_agent_is_404(client, lead, outsider, ticket, submit):
    entry = submit(ticket, outsider)

    response = client.post(f"/approvals/groups/{outsider.id}/{MONDAY}/approve")

    assert response.status_code == 404
    assert reload(entry).status == EntryStatus.SUBMITTED


def test_group_htmx_lists_skipped(client, lead, agent, ticket, submit, approve):
    fine = submit(ticket, agent)
    decided = submit(ticket, agent)
    shown = f"{fine.id}:1,{decided.id}:1"
    approve(decided)

    response = client.post(
        f"/approvals/groups/{agent.id}/{MONDAY}/approve",
        data={"entries": shown},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = text_of(response.get_data(as_text=True))
    assert (
        "Approved 1 entry of Marco Rossi for the week 09/11/2026 – 15/11/2026." in html
    )
    assert "1 entry was skipped:" in html
    assert "Already approved by Giulia Neri" in html


def test_admin_decides_any_team(client, login_as, outsider, ticket, submit):
    admin = login_as(Role.ADMIN)
    entry = submit(ticket, outsider)

    response = _post(client, "approve", versions(entry))

    assert response.status_code == 303
    assert reload(entry).decided_by_id == admin.id


@pytest.mark.postgres_only
def test_concurrent_selections_decide_once(
    app, make_user, help_desk, agent, ticket, submit
):
    first_lead = make_user(Role.APPROVER, name="Laura Bianchi")
    second_lead = make_user(Role.APPROVER, name="Paolo Neri")
    help_desk.approvers.extend([first_lead, second_lead])
    db.session.commit()
    shared = [submit(ticket, agent).id for _ in range(3)]
    only_second = submit(ticket, agent).id
    first_holds_lock = threading.Event()
    outcomes: dict[str, object] = {}

    def decide(name: str, lead_id: int, ids: list[int], hold: float) -> None:
        with app.test_request_context(headers={"Accept-Language": "en"}):
            lead = db.session.get(User, lead_id)
            try:
                if not hold:
                    first_holds_lock.wait(timeout=10)
                versions = {entry_id: 1 for entry_id in ids}
                result = approvals.decide_entries(lead, Decision.APPROVE, versions)
                if hold:
                    first_holds_lock.set()
                    time.sleep(hold)
                db.session.commit()
                decided = [entry.id for entry in result.decided]
                skipped = [(item.entry_id, item.reason) for item in result.skipped]
                outcomes[name] = (decided, skipped)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=("first", first_lead.id, shared, 0.5)),
        threading.Thread(
            target=decide,
            args=("second", second_lead.id, [*shared, only_second], 0),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    first_decided, _nothing = outcomes["first"]
    second_decided, second_skipped = outcomes["second"]
    assert sorted(first_decided) == shared
    assert second_decided == [only_second]
    assert [entry_id for entry_id, _reason in second_skipped] == shared
    for _entry_id, reason in second_skipped:
        assert reason.startswith("Already approved by Laura Bianchi on ")
    db.session.expire_all()
    for entry_id in shared:
        entry = db.session.get(TimeEntry, entry_id)
        assert entry.decided_by_id == first_lead.id
        assert len(audit_rows(entry)) == 1
