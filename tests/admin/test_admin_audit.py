"""The audit log browser: filters, order, keyset pages and readable changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import AuditEvent, Role, Team
from tests.admin.helpers import HTMX, data_values, field_errors

# 10:00 in Rome on 10 March 2026.
BASE = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def add_event():
    """Insert an audit row directly, with any time, actor and values."""

    def factory(
        occurred_at: datetime = BASE,
        actor=None,
        action: str = "updated",
        object_type: str = "tickets",
        object_id: int = 1,
        before=None,
        after=None,
        reason=None,
    ) -> AuditEvent:
        event = AuditEvent(
            occurred_at=occurred_at,
            actor_id=actor.id if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=before,
            after=after,
            reason=reason,
        )
        db.session.add(event)
        db.session.commit()
        return event

    return factory


def _ids(response) -> list[int]:
    return [
        int(value) for value in data_values(response.get_data(as_text=True), "event")
    ]


def test_events_newest_first(client, admin, add_event):
    old = add_event(BASE - timedelta(days=1))
    new = add_event(BASE)
    same_time = add_event(BASE)

    response = client.get("/admin/audit")

    assert response.status_code == 200
    assert _ids(response) == [same_time.id, new.id, old.id]


def test_filter_by_actor(client, admin, make_user, add_event):
    agent = make_user(Role.AGENT, name="Marco Rossi")
    mine = add_event(actor=agent)
    add_event(actor=admin)
    system = add_event(actor=None)

    by_agent = client.get(f"/admin/audit?actor={agent.id}")
    by_system = client.get("/admin/audit?actor=system")

    assert _ids(by_agent) == [mine.id]
    assert _ids(by_system) == [system.id]


def test_filter_by_object_and_action(client, admin, add_event):
    wanted = add_event(object_type="tickets", object_id=7, action="updated")
    add_event(object_type="tickets", object_id=8, action="updated")
    add_event(object_type="customers", object_id=7, action="updated")
    approved = add_event(object_type="time_entries", object_id=7, action="approved")

    by_object = client.get("/admin/audit?object_type=tickets&object_id=7")
    by_type = client.get("/admin/audit?object_type=time_entries")
    by_action = client.get("/admin/audit?action=approved")

    assert _ids(by_object) == [wanted.id]
    assert _ids(by_type) == [approved.id]
    assert _ids(by_action) == [approved.id]


def test_filter_by_dates_in_admin_zone(client, admin, add_event):
    # 23:30 on 9 March in Rome is 22:30 UTC, and 00:30 on 11 March is 23:30 UTC.
    before = add_event(datetime(2026, 3, 9, 22, 30, tzinfo=UTC))
    first = add_event(datetime(2026, 3, 9, 23, 30, tzinfo=UTC))
    last = add_event(datetime(2026, 3, 10, 22, 59, tzinfo=UTC))
    after = add_event(datetime(2026, 3, 10, 23, 30, tzinfo=UTC))

    response = client.get("/admin/audit?date_from=2026-03-10&date_to=2026-03-10")

    ids = _ids(response)
    assert ids == [last.id, first.id]
    assert before.id not in ids
    assert after.id not in ids


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            "object_id=5",
            "object_id",
            "Choose the object type too: ids are numbered per type.",
        ),
        ("object_type=nothing", "object_type", "Choose an object type from the list."),
        ("actor=abc", "actor", "Choose a user from the list."),
        ("object_type=tickets&object_id=-3", "object_id", "Enter a positive id."),
        (
            "date_from=2026-03-10&date_to=2026-03-01",
            "date_to",
            "The end date cannot be before the start date.",
        ),
        ("date_to=9999-12-31", "date_to", "Enter a date between 2000 and 2999."),
    ],
)
def test_bad_filters_rejected(client, admin, add_event, query, field, message):
    add_event()

    response = client.get(f"/admin/audit?{query}")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, field) == [message]
    assert _ids(response) == []


def test_audit_pages_of_fifty(client, admin, add_event):
    events = [add_event(BASE + timedelta(minutes=number)) for number in range(120)]
    newest_first = [event.id for event in reversed(events)]

    first = client.get("/admin/audit")
    second = client.get(f"/admin/audit?older_than={newest_first[49]}")
    third = client.get(f"/admin/audit?older_than={newest_first[99]}")
    back = client.get(f"/admin/audit?newer_than={newest_first[50]}")

    assert _ids(first) == newest_first[:50]
    assert _ids(second) == newest_first[50:100]
    assert _ids(third) == newest_first[100:]
    assert _ids(back) == newest_first[:50]
    assert f"older_than={newest_first[49]}" in first.get_data(as_text=True)
    assert "newer_than" not in first.get_data(as_text=True)
    assert "older_than" not in third.get_data(as_text=True)
    assert f"newer_than={newest_first[100]}" in third.get_data(as_text=True)


def test_pages_keep_filters(client, admin, add_event):
    for number in range(60):
        add_event(BASE + timedelta(minutes=number), action="approved")
        add_event(BASE + timedelta(minutes=number), action="rejected")

    first = client.get("/admin/audit?action=approved")
    older_than = _ids(first)[-1]
    second = client.get(f"/admin/audit?action=approved&older_than={older_than}")

    assert len(_ids(first)) == 50
    assert f"/admin/audit?action=approved&amp;older_than={older_than}" in (
        first.get_data(as_text=True)
    )
    assert len(_ids(second)) == 10


def test_same_instant_rows_split_across_pages(client, admin, add_event):
    events = [add_event(BASE) for _ in range(55)]
    newest_first = [event.id for event in reversed(events)]

    second = client.get(f"/admin/audit?older_than={newest_first[49]}")

    assert _ids(second) == newest_first[50:]


def test_unknown_cursor_shows_newest(client, admin, add_event):
    event = add_event()

    assert _ids(client.get("/admin/audit?older_than=999999")) == [event.id]


def test_rows_show_readable_changes(client, admin, make_user, add_event):
    agent = make_user(Role.AGENT, name="Marco Rossi")
    team = Team(name="Rete")
    db.session.add(team)
    db.session.commit()
    add_event(
        actor=admin,
        object_type="users",
        object_id=agent.id,
        before={"team_id": None, "role": "agent", "is_active": True},
        after={"team_id": team.id, "role": "approver", "is_active": False},
        reason="Promoted",
    )

    html = client.get("/admin/audit").get_data(as_text=True)

    assert f'href="/admin/users/{agent.id}">User Marco Rossi (#{agent.id})</a>' in html
    assert f"<ins>Rete (#{team.id})</ins>" in html
    assert "<del>Agent</del> → <ins>Approver</ins>" in html
    assert "<del>Yes</del> → <ins>No</ins>" in html
    assert "<del>—</del>" in html
    assert "Promoted" in html
    assert "Ada Admin" in html
    assert "10/03/2026 10:00" in html


def test_rows_show_created_values_and_timestamps(client, admin, add_event):
    add_event(
        action="created",
        object_type="tickets",
        object_id=42,
        after={"opened_at": "2026-07-01T16:30:00+00:00", "minutes": 90},
    )

    html = client.get("/admin/audit").get_data(as_text=True)

    assert "<ins>01/07/2026 18:30</ins>" in html
    assert "<ins>1 h 30 min</ins>" in html
    assert "<del>" not in html
    assert 'href="/admin/tickets/42"' in html
    assert "System" in html


def test_entry_rows_link_to_their_ticket(
    client, admin, make_customer, make_ticket, make_entry, make_user, add_event
):
    ticket = make_ticket(make_customer(), key="ASS-77")
    entry = make_entry(ticket, make_user(Role.AGENT))
    add_event(action="approved", object_type="time_entries", object_id=entry.id)

    html = client.get("/admin/audit").get_data(as_text=True)

    assert f'href="/agent/tickets/ASS-77#entry-{entry.id}"' in html


def test_changes_made_in_admin_pages_appear(client, admin):
    client.post("/admin/teams/new", data={"name": "Rete"})

    html = client.get("/admin/audit?object_type=teams", headers=HTMX).get_data(
        as_text=True
    )

    assert "Team Rete" in html
    assert "<code>created</code>" in html
    assert "<html" not in html


def test_overview_shows_latest_changes(client, admin, add_event):
    add_event(action="approved", object_type="time_entries", object_id=3)

    html = client.get("/admin/").get_data(as_text=True)

    assert "<code>approved</code>" in html
    assert "1 active user" in html
