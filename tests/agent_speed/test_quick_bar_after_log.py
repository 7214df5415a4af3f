"""The bar's fresh form after a logged entry keeps the ticket list closed."""

from __future__ import annotations

from agent_speed.helpers import HTMX, bar_form, input_tag

BAR_URL = "/agent/quick-log"


def test_fresh_form_ticket_list_quiet(client, agent, ticket, activity):
    html = client.post(BAR_URL, data=bar_form(activity), headers=HTMX).get_data(
        as_text=True
    )

    ticket_input = input_tag(html, "bar-ticket")
    assert "Logged 45 min on ASS-100." in html
    assert "data-combobox-quiet" in ticket_input
    assert "data-focus-after-swap" in ticket_input


def test_first_open_ticket_list_not_quiet(client, agent, activity):
    html = client.get(BAR_URL, headers=HTMX).get_data(as_text=True)

    assert "data-combobox-quiet" not in input_tag(html, "bar-ticket")


def test_rejected_post_ticket_list_not_quiet(client, agent, ticket, activity):
    response = client.post(
        BAR_URL, data=bar_form(activity, duration="abc"), headers=HTMX
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "data-combobox-quiet" not in input_tag(html, "bar-ticket")
