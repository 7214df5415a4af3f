"""Quick logging on the ticket page, with htmx and as a plain form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from agent.helpers import (
    HTMX,
    audit_rows,
    entry_form,
    field_errors,
    input_tag,
    input_value,
    rome_today,
    row_html,
    textarea_value,
)
from portal.extensions import db
from portal.models import EntryStatus, Role, TimeEntry

LOG_URL = "/agent/tickets/ASS-100/entries"


def _entries() -> list[TimeEntry]:
    return list(db.session.scalars(sa.select(TimeEntry).order_by(TimeEntry.id)))


def test_form_defaults(client, agent, ticket, make_activity):
    make_activity("travel", "Travel", is_billable=False, position=2)
    make_activity("onsite", "On-site work", position=1)
    make_activity("old", "Retired activity", is_active=False, position=0)

    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    # Only the quick-log form: the page's resource form has options of its own.
    quick_log = html.split('id="quick-log-form"', 1)[1].split("</form>", 1)[0]
    options = re.findall(r"<option[^>]*>([^<]*)</option>", quick_log)
    assert options == ["On-site work", "Travel"]
    assert input_value(html, "work_date") == rome_today().isoformat()
    assert 'type="date"' in input_tag(html, "work_date")
    assert "autofocus" in input_tag(html, "duration")
    assert "checked" in input_tag(html, "is_billable")
    assert '<label for="description">Description for the customer</label>' in html
    assert '<label for="internal_note">Internal note</label>' in html


def test_form_activity_labels_in_italian(client, login_as, ticket, make_activity):
    login_as(Role.AGENT, language="it")
    make_activity("onsite", "On-site work", name_it="Intervento in sede")

    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    assert ">Intervento in sede</option>" in html


def test_form_unticks_billable_for_unbillable_default(
    client, agent, ticket, make_activity
):
    make_activity("travel", "Travel", is_billable=False)

    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    select = input_tag(html, "activity_type")
    assert "checked" not in input_tag(html, "is_billable")
    assert "data-billable=" in select
    assert "hx-on:change=" in select


def test_quick_log_htmx_success(client, agent, ticket, make_activity):
    activity = make_activity("onsite", "On-site work")
    yesterday = (rome_today() - timedelta(days=1)).isoformat()
    form = entry_form(
        activity,
        work_date=yesterday,
        duration="1h30",
        description="Replaced the toner",
        internal_note="Toner was in the storeroom",
    )

    response = client.post(LOG_URL, data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    [entry] = _entries()
    assert response.status_code == 200
    assert entry.minutes == 90
    assert entry.agent_id == agent.id
    assert entry.ticket_id == ticket.id
    assert entry.status == EntryStatus.DRAFT
    assert entry.description == "Replaced the toner"
    assert entry.internal_note == "Toner was in the storeroom"
    assert entry.is_billable is True
    row = row_html(html, entry.id)
    assert "is-new" in row
    assert "1:30" in row
    assert "Replaced the toner" in row
    assert '<section id="entry-log" class="card"' in html
    assert 'hx-swap-oob="true"' in html
    assert '<strong id="total-time">1:30</strong>' in html
    assert "Logged 1 h 30 min on ASS-100." in html


def test_quick_log_htmx_returns_fresh_form(client, agent, ticket, make_activity):
    make_activity("onsite", "On-site work", position=1)
    travel = make_activity("travel", "Travel", is_billable=False, position=2)
    yesterday = (rome_today() - timedelta(days=1)).isoformat()
    form = entry_form(travel, work_date=yesterday, is_billable=None)

    html = client.post(LOG_URL, data=form, headers=HTMX).get_data(as_text=True)

    assert input_value(html, "work_date") == yesterday
    assert re.search(rf'<option selected value="{travel.id}">Travel', html)
    assert input_value(html, "duration") == ""
    assert textarea_value(html, "description") == ""
    assert "data-focus-after-swap" in input_tag(html, "duration")
    assert "checked" not in input_tag(html, "is_billable")
    assert _entries()[0].is_billable is False


def test_quick_log_writes_audit_row(client, agent, ticket, activity):
    client.post(LOG_URL, data=entry_form(activity, duration="45m"), headers=HTMX)

    [entry] = _entries()
    [event] = audit_rows(entry.id)
    assert event.action == "created"
    assert event.actor_id == agent.id
    assert event.before is None
    assert event.after["minutes"] == 45
    assert event.after["status"] == "draft"
    assert event.after["description"] == "Reinstalled the printer driver"


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("abc", '"abc" is not a duration.'),
        ("0", "The duration must be at least one minute."),
        ("-30", "The duration cannot be negative."),
        ("-1:00", "The duration cannot be negative."),
        ("25h", "The duration cannot be more than 24 hours."),
        ("24:01", "The duration cannot be more than 24 hours."),
        ("", "Enter a duration"),
    ],
)
def test_quick_log_bad_duration_422(client, agent, ticket, activity, duration, message):
    form = entry_form(activity, duration=duration, description="Typed by hand")

    response = client.post(LOG_URL, data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in field_errors(html, "duration").replace("&#34;", '"')
    assert textarea_value(html, "description") == "Typed by hand"
    assert input_value(html, "duration") == duration
    assert 'aria-invalid="true"' in input_tag(html, "duration")
    assert "<html" not in html
    assert _entries() == []


def test_quick_log_future_date_422(client, agent, ticket, activity):
    tomorrow = (rome_today() + timedelta(days=1)).isoformat()
    form = entry_form(activity, work_date=tomorrow, description="Typed by hand")

    response = client.post(LOG_URL, data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The work date cannot be in the future." in field_errors(html, "work_date")
    assert input_value(html, "work_date") == tomorrow
    assert textarea_value(html, "description") == "Typed by hand"
    assert "autofocus" in input_tag(html, "work_date")
    assert _entries() == []


@pytest.mark.parametrize("work_date", ["", "31/12/2025", "2026-02-30"])
def test_quick_log_bad_work_date_422(client, agent, ticket, activity, work_date):
    form = entry_form(activity, work_date=work_date, description="Typed by hand")

    response = client.post(LOG_URL, data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    errors = field_errors(html, "work_date")
    assert response.status_code == 422
    assert "Enter the" in errors
    # The unreadable date's message appears once, not again from the date rule.
    assert errors.count("Enter the") == 1
    assert textarea_value(html, "description") == "Typed by hand"
    assert _entries() == []


@pytest.mark.parametrize("description", ["", "   "])
def test_quick_log_missing_description_422(
    client, agent, ticket, activity, description
):
    form = entry_form(
        activity,
        duration="2h",
        description=description,
        internal_note="Typed note",
    )

    response = client.post(LOG_URL, data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Describe the work done for the customer." in field_errors(
        html, "description"
    )
    assert input_value(html, "duration") == "2h"
    assert textarea_value(html, "internal_note") == "Typed note"
    assert _entries() == []


def test_quick_log_description_too_long_422(client, agent, ticket, activity):
    form = entry_form(activity, description="x" * 2001)

    response = client.post(LOG_URL, data=form, headers=HTMX)

    assert response.status_code == 422
    assert "2000" in field_errors(response.get_data(as_text=True), "description")
    assert _entries() == []


def test_quick_log_inactive_activity_422(client, agent, ticket, make_activity):
    make_activity("onsite", "On-site work")
    retired = make_activity("old", "Retired", is_active=False)

    response = client.post(LOG_URL, data=entry_form(retired), headers=HTMX)

    assert response.status_code == 422
    assert field_errors(response.get_data(as_text=True), "activity_type")
    assert _entries() == []


def test_quick_log_plain_post_redirects(client, agent, ticket, activity):
    response = client.post(LOG_URL, data=entry_form(activity, duration="1,5"))

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/tickets/ASS-100")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Logged 1 h 30 min on ASS-100." in page
    assert _entries()[0].minutes == 90


def test_quick_log_plain_post_invalid_422(client, agent, ticket, activity):
    form = entry_form(activity, duration="abc", description="Typed by hand")

    response = client.post(LOG_URL, data=form)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in html
    assert "is not a duration" in field_errors(html, "duration")
    assert textarea_value(html, "description") == "Typed by hand"
    assert _entries() == []


def test_quick_log_unknown_ticket_404(client, agent, activity):
    response = client.post("/agent/tickets/NOPE-1/entries", data=entry_form(activity))

    assert response.status_code == 404


def test_quick_log_csrf_header_accepted(client, agent, ticket, activity, csrf_enabled):
    page = client.get("/agent/tickets/ASS-100").get_data(as_text=True)
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

    missing = client.post(LOG_URL, data=entry_form(activity), headers=HTMX)
    sent = client.post(
        LOG_URL, data=entry_form(activity), headers={**HTMX, "X-CSRFToken": token}
    )

    assert missing.status_code == 400
    assert sent.status_code == 200
    assert len(_entries()) == 1


def test_duration_preview(client, agent):
    understood = client.get("/agent/duration-preview?duration=1h30", headers=HTMX)
    wrong = client.get("/agent/duration-preview?duration=abc", headers=HTMX)
    edit_form = client.get("/agent/duration-preview?edit-7-duration=2,5", headers=HTMX)

    assert understood.status_code == 200
    assert understood.get_data(as_text=True).strip() == "1 h 30 min"
    assert "is not a duration" in wrong.get_data(as_text=True)
    assert 'class="error"' in wrong.get_data(as_text=True)
    assert edit_form.get_data(as_text=True).strip() == "2 h 30 min"


def test_duration_preview_wired_to_input(client, agent, ticket, activity):
    html = client.get("/agent/tickets/ASS-100").get_data(as_text=True)

    duration = input_tag(html, "duration")
    assert 'hx-get="/agent/duration-preview"' in duration
    assert 'hx-target="#duration-preview"' in duration
    assert "delay:" in duration
    assert '<output id="duration-preview"' in html
