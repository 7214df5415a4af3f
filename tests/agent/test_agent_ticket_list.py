"""The agent's ticket list: search, status filter, columns and pagination."""

from __future__ import annotations

import re

from agent.helpers import HTMX
from portal.extensions import db
from portal.models import Role, TicketPriority, TicketStatus


def _listed_keys(html: str) -> list[str]:
    return re.findall(r'<tr id="ticket-([^"]+)"', html)


def test_list_shows_ticket_columns(client, agent, ticket, make_entry):
    ticket.priority = TicketPriority.HIGH
    ticket.status = TicketStatus.IN_PROGRESS
    db.session.commit()
    make_entry(ticket, agent, minutes=30)
    make_entry(ticket, agent, minutes=45)

    response = client.get("/agent/")

    html = response.get_data(as_text=True)
    row = re.search(r'<tr id="ticket-ASS-100">.*?</tr>', html, re.S).group(0)
    assert response.status_code == 200
    assert "Stampante in rete non stampa" in row
    assert "Rossi Srl" in row
    assert "Network" in row
    assert "High" in row
    assert "In progress" in row
    assert "1:15" in row
    assert 'href="/agent/tickets/ASS-100"' in row


def test_list_category_in_user_language(client, login_as, ticket):
    login_as(Role.AGENT, language="it")

    html = client.get("/agent/").get_data(as_text=True)

    row = re.search(r'<tr id="ticket-ASS-100">.*?</tr>', html, re.S).group(0)
    assert "Rete" in row


def test_list_hides_resolved_by_default(client, agent, make_customer, make_ticket):
    customer = make_customer()
    for key, status in [
        ("ASS-1", TicketStatus.OPEN),
        ("ASS-2", TicketStatus.WAITING),
        ("ASS-3", TicketStatus.RESOLVED),
        ("ASS-4", TicketStatus.CLOSED),
        ("ASS-5", TicketStatus.IN_PROGRESS),
    ]:
        make_ticket(customer, key=key).status = status
    db.session.commit()

    default = _listed_keys(client.get("/agent/").get_data(as_text=True))
    every = _listed_keys(client.get("/agent/?status=all").get_data(as_text=True))
    resolved = _listed_keys(
        client.get("/agent/?status=resolved").get_data(as_text=True)
    )
    only_open = _listed_keys(client.get("/agent/?status=open").get_data(as_text=True))

    assert sorted(default) == ["ASS-1", "ASS-2", "ASS-5"]
    assert sorted(every) == ["ASS-1", "ASS-2", "ASS-3", "ASS-4", "ASS-5"]
    assert resolved == ["ASS-3"]
    assert only_open == ["ASS-1"]


def test_list_search_by_key_ignores_case(client, agent, make_customer, make_ticket):
    customer = make_customer()
    make_ticket(customer, key="ASS-1234", title="Backup notturno fallito")
    make_ticket(customer, key="ASS-9999", title="Posta elettronica lenta")

    html = client.get("/agent/?q=ass-12").get_data(as_text=True)

    assert _listed_keys(html) == ["ASS-1234"]


def test_list_search_matches_every_title_word(
    client, agent, make_customer, make_ticket
):
    customer = make_customer()
    make_ticket(customer, key="ASS-1", title="Stampante ufficio non stampa")
    make_ticket(customer, key="ASS-2", title="Stampante nuova da installare")
    make_ticket(customer, key="ASS-3", title="Ufficio senza rete")

    html = client.get("/agent/?q=UFFICIO+stampante").get_data(as_text=True)

    assert _listed_keys(html) == ["ASS-1"]


def test_list_search_escapes_like_wildcards(client, agent, make_customer, make_ticket):
    customer = make_customer()
    make_ticket(customer, key="ASS-1", title="Disco al 100% di utilizzo")
    make_ticket(customer, key="ASS-2", title="Disco lento")

    percent = _listed_keys(client.get("/agent/?q=%25").get_data(as_text=True))
    underscore = _listed_keys(client.get("/agent/?q=_").get_data(as_text=True))

    assert percent == ["ASS-1"]
    assert underscore == []


def test_list_search_without_match(client, agent, ticket):
    html = client.get("/agent/?q=nothing-like-this").get_data(as_text=True)

    assert _listed_keys(html) == []
    assert "No tickets match the search" in html


def test_list_htmx_returns_results_only(client, agent, ticket):
    response = client.get("/agent/?q=stampante", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="ticket-results"')
    assert "<html" not in html
    assert _listed_keys(html) == ["ASS-100"]
    assert "HX-Request" in response.headers["Vary"]


def test_list_plain_search_form(client, agent, ticket):
    html = client.get("/agent/?q=stampante").get_data(as_text=True)

    assert '<form id="ticket-search"' in html
    assert 'method="get"' in html
    assert 'hx-push-url="true"' in html
    assert 'value="stampante"' in html


def test_list_paginates_fifty_per_page(client, agent, make_customer, make_ticket):
    customer = make_customer()
    for number in range(55):
        make_ticket(customer, key=f"ASS-{number:03d}", title="Rete lenta")

    first = client.get("/agent/?q=rete").get_data(as_text=True)
    second = client.get("/agent/?q=rete&page=2").get_data(as_text=True)
    beyond = client.get("/agent/?q=rete&page=9").get_data(as_text=True)

    assert len(_listed_keys(first)) == 50
    assert len(_listed_keys(second)) == 5
    assert set(_listed_keys(first)).isdisjoint(_listed_keys(second))
    assert "55 tickets found." in first
    assert "Page 1 of 2" in first
    assert 'href="/agent/?page=2&amp;q=rete&amp;status=active"' in first
    assert _listed_keys(beyond) == []


def test_list_invalid_page_shows_first(client, agent, ticket):
    html = client.get("/agent/?page=abc").get_data(as_text=True)

    assert _listed_keys(html) == ["ASS-100"]


def test_list_rejects_customer_user(client, login_as):
    login_as(Role.CUSTOMER)

    assert client.get("/agent/").status_code == 403
