"""The quick-log bar: its form, the ticket list and logging from any page."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from agent.helpers import rome_today

from agent_speed.helpers import (
    HTMX,
    bar_form,
    client_token,
    entries,
    field_errors,
    input_tag,
    input_value,
)
from portal.extensions import db
from portal.models import EntryStatus, Role, TicketStatus

BAR_URL = "/agent/quick-log"
TICKETS_URL = "/agent/quick-log/tickets"


def _option_keys(html: str) -> list[str]:
    return re.findall(r'role="option"[^>]*data-value="([^"]+)"', html)


@pytest.mark.parametrize("role", [Role.AGENT, Role.APPROVER, Role.ADMIN])
def test_bar_on_every_staff_page(client, login_as, role):
    login_as(role)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)

    assert 'id="quick-bar"' in home
    assert 'aria-keyshortcuts="Alt+L"' in home
    assert "Escape closes the bar" in home
    assert "js/quicklog.js" in home


@pytest.mark.parametrize("role", [Role.CUSTOMER, Role.ACCOUNTS])
def test_bar_absent_for_other_roles(client, login_as, role):
    login_as(role)
    home = client.get("/", follow_redirects=True).get_data(as_text=True)

    assert 'id="quick-bar"' not in home
    assert "quicklog.js" not in home


def test_bar_form_fragment(client, agent, activity):
    response = client.get(BAR_URL, headers=HTMX)

    html = response.get_data(as_text=True)
    ticket_input = input_tag(html, "bar-ticket")
    assert response.status_code == 200
    assert "<html" not in html
    assert 'role="combobox"' in ticket_input
    assert 'aria-controls="bar-ticket-list"' in ticket_input
    assert 'aria-expanded="false"' in ticket_input
    assert "data-focus-after-swap" in ticket_input
    assert '<label for="bar-ticket">Ticket</label>' in html
    assert input_value(html, "bar-work_date") == rome_today().isoformat()
    assert len(client_token(html, "bar-")) == 32


def test_bar_defaults_to_last_activity(
    client, agent, ticket, make_activity, make_entry
):
    make_activity("remote", "Remote support", position=1)
    phone = make_activity("phone", "Phone", position=2)
    make_entry(ticket, agent, activity_type=phone)

    html = client.get(BAR_URL, headers=HTMX).get_data(as_text=True)

    assert re.search(rf'<option selected value="{phone.id}">Phone', html)


def test_bar_page_without_htmx(client, agent, activity):
    html = client.get(BAR_URL).get_data(as_text=True)

    assert "<html" in html
    assert html.count('id="quick-bar-body"') == 1
    assert 'id="quick-bar"' not in html
    assert 'id="bar-ticket"' in html


def test_suggestions_recent_first(client, agent, customer, make_ticket, make_entry):
    old_open = make_ticket(customer, key="ASS-1", title="Rete lenta")
    recent = make_ticket(customer, key="ASS-2", title="Stampante")
    long_ago = make_ticket(customer, key="ASS-3", title="Backup")
    make_entry(recent, agent, work_date=rome_today() - timedelta(days=3))
    make_entry(long_ago, agent, work_date=rome_today() - timedelta(days=45))

    html = client.get(TICKETS_URL, headers=HTMX).get_data(as_text=True)

    keys = _option_keys(html)
    assert keys[0] == recent.key
    assert set(keys) == {old_open.key, recent.key, long_ago.key}
    assert "recent" in html.split(f'data-value="{recent.key}"')[1].split("</li>")[0]


def test_suggestions_skip_colleagues_recent(
    client, agent, customer, make_ticket, make_entry, make_user
):
    colleague = make_user(Role.AGENT)
    theirs = make_ticket(customer, key="ASS-9")
    make_entry(theirs, colleague, work_date=rome_today())

    html = client.get(TICKETS_URL, headers=HTMX).get_data(as_text=True)

    assert "· recent" not in html


def test_suggestions_match_words(client, agent, customer, make_ticket):
    make_ticket(customer, key="ASS-1", title="Stampante ufficio non stampa")
    make_ticket(customer, key="ASS-2", title="Stampante magazzino")
    make_ticket(customer, key="ASS-3", title="Rete lenta")

    html = client.get(
        TICKETS_URL, query_string={"bar-ticket": "stampante uff"}, headers=HTMX
    ).get_data(as_text=True)

    assert _option_keys(html) == ["ASS-1"]
    assert "1 ticket found." in html


def test_suggestions_hide_closed_unless_exact(client, agent, customer, make_ticket):
    closed = make_ticket(customer, key="ASS-7", title="Vecchio problema")
    closed.status = TicketStatus.CLOSED
    db.session.commit()

    by_word = client.get(
        TICKETS_URL, query_string={"bar-ticket": "vecchio"}, headers=HTMX
    ).get_data(as_text=True)
    by_key = client.get(
        TICKETS_URL, query_string={"bar-ticket": "ass-7"}, headers=HTMX
    ).get_data(as_text=True)

    assert _option_keys(by_word) == []
    assert "No tickets match." in by_word
    assert _option_keys(by_key) == ["ASS-7"]


def test_suggestions_limit_ten(client, agent, customer, make_ticket):
    for number in range(15):
        make_ticket(customer, key=f"ASS-{number}")

    html = client.get(TICKETS_URL, headers=HTMX).get_data(as_text=True)

    assert len(_option_keys(html)) == 10


def test_suggestions_follow_target_list(client, agent, ticket):
    html = client.get(
        TICKETS_URL,
        query_string={"add": "ASS"},
        headers={**HTMX, "HX-Target": "grid-add-ticket-list"},
    ).get_data(as_text=True)

    assert 'id="grid-add-ticket-list-option-0"' in html
    assert 'id="grid-add-ticket-status"' in html


def test_suggestions_ignore_odd_target(client, agent, ticket):
    html = client.get(
        TICKETS_URL, headers={**HTMX, "HX-Target": '"><script>'}
    ).get_data(as_text=True)

    assert 'id="bar-ticket-list-option-0"' in html
    assert "<script>" not in html


def test_bar_logs_entry(client, agent, ticket, make_activity):
    travel = make_activity("travel", "Travel", is_billable=False)

    response = client.post(BAR_URL, data=bar_form(travel), headers=HTMX)

    html = response.get_data(as_text=True)
    [entry] = entries()
    assert response.status_code == 200
    assert entry.ticket_id == ticket.id
    assert entry.minutes == 45
    assert entry.status == EntryStatus.DRAFT
    assert entry.is_billable is False
    assert entry.work_date == rome_today()
    assert "Logged 45 min on ASS-100." in html
    assert 'id="flash-area" hx-swap-oob="innerHTML"' in html


def test_bar_resets_after_logging(client, agent, ticket, activity):
    form = bar_form(activity, client_token="a" * 32)

    html = client.post(BAR_URL, data=form, headers=HTMX).get_data(as_text=True)

    assert input_value(html, "bar-ticket") == ""
    assert input_value(html, "bar-duration") == ""
    assert input_value(html, "bar-description") == ""
    assert client_token(html, "bar-") != "a" * 32
    assert "data-focus-after-swap" in input_tag(html, "bar-ticket")


def test_bar_triggers_entry_logged(client, agent, ticket, activity):
    response = client.post(BAR_URL, data=bar_form(activity), headers=HTMX)

    events = json.loads(response.headers["HX-Trigger"])
    assert events["entryLogged"]["ticket"] == "ASS-100"
    assert events["entryLogged"]["entry"] == entries()[0].id


def test_bar_updates_log_on_ticket_page(client, agent, ticket, activity):
    headers = {**HTMX, "HX-Current-URL": "http://localhost/agent/tickets/ASS-100"}

    html = client.post(BAR_URL, data=bar_form(activity), headers=headers).get_data(
        as_text=True
    )

    entry = entries()[0]
    assert '<section id="entry-log" class="card"' in html
    assert 'hx-swap-oob="true"' in html
    assert f'id="entry-{entry.id}"' in html


def test_bar_leaves_other_pages_alone(client, agent, ticket, activity):
    headers = {**HTMX, "HX-Current-URL": "http://localhost/agent/tickets/ASS-999"}

    html = client.post(BAR_URL, data=bar_form(activity), headers=headers).get_data(
        as_text=True
    )

    assert 'id="entry-log"' not in html


def test_bar_key_ignores_case(client, agent, ticket, activity):
    response = client.post(
        BAR_URL, data=bar_form(activity, ticket="ass-100"), headers=HTMX
    )

    assert response.status_code == 200
    assert entries()[0].ticket_id == ticket.id


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ticket": ""}, "bar-ticket", "Choose a ticket"),
        ({"ticket": "NOPE-1"}, "bar-ticket", 'No ticket has the key "NOPE-1".'),
        ({"duration": "abc"}, "bar-duration", '"abc" is not a duration.'),
        ({"duration": "25h"}, "bar-duration", "more than 24 hours"),
        ({"description": " "}, "bar-description", "Describe the work done"),
        ({"work_date": ""}, "bar-work_date", "Enter the date the work was done."),
    ],
)
def test_bar_rejects_bad_input_422(
    client, agent, ticket, activity, values, field, message
):
    form = bar_form(activity, **{"description": "Typed by hand", **values})

    response = client.post(BAR_URL, data=form, headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in field_errors(html, field)
    assert 'aria-invalid="true"' in input_tag(html, field)
    assert "data-focus-after-swap" in input_tag(html, field)
    if field != "bar-description":
        assert input_value(html, "bar-description") == "Typed by hand"
    assert entries() == []


def test_bar_future_date_422(client, agent, ticket, activity):
    tomorrow = (rome_today() + timedelta(days=1)).isoformat()

    response = client.post(
        BAR_URL, data=bar_form(activity, work_date=tomorrow), headers=HTMX
    )

    assert response.status_code == 422
    assert "cannot be in the future" in field_errors(
        response.get_data(as_text=True), "bar-work_date"
    )


def test_bar_first_error_takes_focus(client, agent, ticket, activity):
    form = bar_form(activity, ticket="NOPE-1", duration="abc")

    html = client.post(BAR_URL, data=form, headers=HTMX).get_data(as_text=True)

    assert "data-focus-after-swap" in input_tag(html, "bar-ticket")
    assert "data-focus-after-swap" not in input_tag(html, "bar-duration")


def test_bar_plain_post_redirects(client, agent, ticket, activity):
    response = client.post(BAR_URL, data=bar_form(activity))

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/agent/tickets/ASS-100")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Logged 45 min on ASS-100." in page


def test_bar_plain_invalid_page_422(client, agent, ticket, activity):
    response = client.post(BAR_URL, data=bar_form(activity, ticket="NOPE-1"))

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" in html
    assert 'No ticket has the key "NOPE-1".' in field_errors(html, "bar-ticket")


def test_bar_needs_csrf_token(client, agent, ticket, activity, csrf_enabled):
    response = client.post(BAR_URL, data=bar_form(activity), headers=HTMX)

    assert response.status_code == 400
    assert entries() == []


def test_bar_without_activities_explains(client, agent):
    html = client.get(BAR_URL, headers=HTMX).get_data(as_text=True)

    assert "No activity types are active" in html
