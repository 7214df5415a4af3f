"""The time entry service on its own: rules it enforces whatever the caller sends."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from agent.helpers import audit_rows, reload
from portal.errors import DomainError
from portal.extensions import db
from portal.models import EntryStatus, Role
from portal.services import entries as service
from portal.services.entries import EntryData, EntryDataError


@pytest.fixture
def request_context(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def owner(make_user):
    return make_user(Role.AGENT)


def _data(activity, **values) -> EntryData:
    fields = {
        "work_date": datetime.now(ZoneInfo("Europe/Rome")).date(),
        "minutes": 30,
        "activity_type_id": activity.id,
        "description": "Checked the backup log",
    }
    fields.update(values)
    return EntryData(**fields)


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_work_date_limit_follows_user_zone(request_context, make_user, zone):
    user = make_user(Role.AGENT, timezone=zone)
    local_today = datetime.now(ZoneInfo(zone)).date()

    service.check_work_date(user, local_today)
    with pytest.raises(EntryDataError) as caught:
        service.check_work_date(user, local_today + timedelta(days=1))

    assert caught.value.field == "work_date"
    assert caught.value.status == 422


def test_unknown_zone_uses_default(request_context, make_user):
    user = make_user(Role.AGENT, timezone="Mars/Olympus_Mons")

    assert service.today_for(user) == datetime.now(ZoneInfo("Europe/Rome")).date()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"minutes": 0}, "duration"),
        ({"minutes": -15}, "duration"),
        ({"minutes": 24 * 60 + 1}, "duration"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 2001}, "description"),
        ({"internal_note": "x" * 2001}, "internal_note"),
        ({"activity_type_id": 999999}, "activity_type"),
        ({"work_date": None}, "work_date"),
    ],
)
def test_create_rejects_invalid_data(
    request_context, owner, ticket, activity, values, field
):
    with pytest.raises(EntryDataError) as caught:
        service.create_entry(owner, ticket, _data(activity, **values))

    assert caught.value.field == field
    assert ticket.entries == []


def test_create_rejects_retired_activity(request_context, owner, ticket, make_activity):
    retired = make_activity("old", "Old", is_active=False)

    with pytest.raises(EntryDataError) as caught:
        service.create_entry(owner, ticket, _data(retired))

    assert caught.value.field == "activity_type"


def test_create_flushes_without_commit(request_context, owner, ticket, activity):
    entry = service.create_entry(owner, ticket, _data(activity))

    assert entry.id is not None
    db.session.rollback()
    assert ticket.entries == []


def test_update_without_change_no_audit(
    request_context, owner, ticket, activity, make_entry
):
    entry = make_entry(ticket, owner, minutes=30, description="Same")
    same = _data(
        activity,
        work_date=entry.work_date,
        minutes=30,
        description="Same",
        internal_note=entry.internal_note,
    )

    service.update_entry(owner, entry, same)

    assert audit_rows(entry.id) == []


def test_submit_entries_all_or_nothing(request_context, owner, ticket, make_entry):
    draft = make_entry(ticket, owner)
    approved = make_entry(ticket, owner, status=EntryStatus.APPROVED)

    with pytest.raises(DomainError):
        service.submit_entries(owner, [draft, approved])
    db.session.rollback()

    assert reload(draft).status == EntryStatus.DRAFT
    assert audit_rows(draft.id) == []


def test_delete_by_other_agent_rejected(
    request_context, owner, ticket, make_user, make_entry
):
    entry = make_entry(ticket, owner)
    colleague = make_user(Role.AGENT)

    with pytest.raises(DomainError) as caught:
        service.delete_entry(colleague, entry)

    assert caught.value.status == 403
    assert reload(entry) is not None


def test_update_approved_rejected(request_context, owner, ticket, activity, make_entry):
    entry = make_entry(ticket, owner, status=EntryStatus.APPROVED)

    with pytest.raises(DomainError) as caught:
        service.update_entry(owner, entry, _data(activity, minutes=90))

    assert caught.value.status == 409
    assert reload(entry).minutes == 30


def test_create_rejects_date_before_ticket_opened(
    request_context, owner, ticket, activity
):
    opened_on = ticket.opened_at.astimezone(ZoneInfo("Europe/Rome")).date()
    data = _data(activity, work_date=opened_on - timedelta(days=1))

    with pytest.raises(EntryDataError) as caught:
        service.create_entry(owner, ticket, data)

    assert caught.value.field == "work_date"
    assert "was opened on" in caught.value.message


def test_create_accepts_day_ticket_opened(request_context, owner, ticket, activity):
    opened_on = ticket.opened_at.astimezone(ZoneInfo("Europe/Rome")).date()
    entry = service.create_entry(owner, ticket, _data(activity, work_date=opened_on))
    assert entry.work_date == opened_on


def test_create_rejects_day_over_24_hours(request_context, owner, ticket, activity):
    day = datetime.now(ZoneInfo("Europe/Rome")).date()
    service.create_entry(owner, ticket, _data(activity, work_date=day, minutes=1440))

    with pytest.raises(EntryDataError) as caught:
        service.create_entry(owner, ticket, _data(activity, work_date=day, minutes=1))

    assert caught.value.field == "duration"
    assert "24:00" in caught.value.message


def test_update_day_total_excludes_entry_itself(
    request_context, owner, ticket, activity
):
    day = datetime.now(ZoneInfo("Europe/Rome")).date()
    entry = service.create_entry(
        owner, ticket, _data(activity, work_date=day, minutes=600)
    )
    service.update_entry(owner, entry, _data(activity, work_date=day, minutes=1440))
    assert entry.minutes == 1440


def test_rejected_time_does_not_fill_day(
    request_context, owner, ticket, activity, make_entry
):
    day = datetime.now(ZoneInfo("Europe/Rome")).date()
    make_entry(ticket, owner, minutes=1440, work_date=day, status=EntryStatus.REJECTED)
    entry = service.create_entry(owner, ticket, _data(activity, work_date=day))
    assert entry.minutes == 30


def test_create_strips_control_characters(request_context, owner, ticket, activity):
    data = _data(activity, description="abc\x00def\x07", internal_note="a\x00b\tc")
    entry = service.create_entry(owner, ticket, data)
    assert entry.description == "abcdef"
    assert entry.internal_note == "ab\tc"


def test_create_rejects_invisible_description(request_context, owner, ticket, activity):
    data = _data(activity, description="\u200b\u200b \u200b")
    with pytest.raises(EntryDataError) as caught:
        service.create_entry(owner, ticket, data)
    assert caught.value.field == "description"
